#!/bin/sh
# b-reset-source-on-volume.sh - reset of a Windows volume with --source naming an image
# stored on that very volume (mounted read-only to reach it, as a person would):
# formatting the volume would destroy the image being installed.  Refused (exit 3),
# nothing written to the volume or the image, no journal started.  The mount check may
# speak first: the volume is in use.
. "$(dirname "$0")/lib.sh"
need_root
[ -e /dev/fuse ] || skip "no /dev/fuse for ntfs-3g"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
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
	for target in "$loop" "$v"; do
		bi_run $lang reset --target "$target" --source "$tmp/mnt/sources/install.wim" --yes
		[ $st -eq 3 ] || fail "exit $st, want 3: $(cat "$tmp/err")"
		python3 "$here/expect.py" "$localedir" $lang "$tmp/err" \
			"The Windows image is stored on the volume that would be changed; put it on another drive." >/dev/null ||
		python3 "$here/expect.py" "$localedir" $lang "$tmp/err" "The target is mounted; unmount it first." ||
			fail "wrong message"
		bi_check_kept
	done
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
