#!/bin/sh
# b-image-dir-read-only.sh - `image create` into a folder on a read-only file system
# (a tmpfs mounted ro, and a bind mount made read-only, so root's rights do not help):
# refused before the capture (exit 3, READ_ONLY's sentence), nothing written anywhere.
. "$(dirname "$0")/lib.sh"
need_root
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
msg="The folder is read-only; choose a folder that can be written to."
mkdir "$tmp/ro" "$tmp/rw" "$tmp/bind"
mount -t tmpfs -o ro,size=64m tmpfs "$tmp/ro" || skip "cannot mount a tmpfs here"
bi_on_exit "umount '$tmp/ro'"
mount --bind "$tmp/rw" "$tmp/bind" && mount -o remount,bind,ro "$tmp/bind" || fail "read-only bind mount"
bi_on_exit "umount '$tmp/bind'"
# A CustomRefresh.wim already there (readable, sound) does not make the folder writable.
wimlib-imagex export "$fx/install.wim" 1 "$tmp/rw/CustomRefresh.wim" >/dev/null
bi_keep "$v" "$tmp/rw/CustomRefresh.wim"
for lang in en ja; do
	bi_expect 3 $lang "$msg" -- image create --target "$v" --dir "$tmp/ro"
	bi_expect 3 $lang "$msg" -- image create --target "$v" --dir "$tmp/bind"
done
[ -z "$(ls -A "$tmp/ro")" ] || fail "files appeared in the read-only folder"
[ "$(ls -A "$tmp/rw")" = CustomRefresh.wim ] || fail "files appeared behind the bind mount: $(ls -A "$tmp/rw")"
bi_done
