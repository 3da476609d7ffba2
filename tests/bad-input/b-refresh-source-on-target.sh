#!/bin/sh
# b-refresh-source-on-target.sh - the image to install lies on the very volume that
# would be replaced (mounted read-only to reach it): refused (exit 3), nothing written
# to the volume or the image.  The mount check speaks first: the volume is in use.
. "$(dirname "$0")/lib.sh"
need_root
[ -e /dev/fuse ] || skip "no /dev/fuse for ntfs-3g"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_edit "$v" <<SPEC
copy "sources/install.wim" $fx/install.wim
SPEC
bi_losetup "$v"
mkdir "$tmp/mnt"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount"
bi_on_exit "umount '$tmp/mnt'"
bi_keep "$v"
for lang in en ja; do
	bi_run $lang refresh --target "$loop" --source "$tmp/mnt/sources/install.wim" --yes
	[ $st -eq 3 ] || fail "exit $st, want 3: $(cat "$tmp/err")"
	python3 "$here/expect.py" "$localedir" $lang "$tmp/err" \
		"The Windows image is stored on the volume that would be changed; put it on another drive." >/dev/null ||
	python3 "$here/expect.py" "$localedir" $lang "$tmp/err" "The target is mounted; unmount it first." ||
		fail "wrong message"
	bi_check_kept
done
bi_done
