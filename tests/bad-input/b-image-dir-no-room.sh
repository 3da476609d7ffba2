#!/bin/sh
# b-image-dir-no-room.sh - `image create` into a folder without room for the image (an
# 8 MiB tmpfs; the estimate from the volume's system files is larger): refused before
# the capture starts (exit 3, "not enough free space"), the folder left empty, the
# target byte-identical.
. "$(dirname "$0")/lib.sh"
need_root
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
mkdir "$tmp/small"
mount -t tmpfs -o size=8m tmpfs "$tmp/small" || skip "cannot mount a tmpfs here"
bi_on_exit "umount '$tmp/small'"
bi_keep "$v"
for lang in en ru; do
	bi_expect 3 $lang "There is not enough free space." -- image create --target "$v" --dir "$tmp/small"
	[ -z "$(ls -A "$tmp/small")" ] || fail "a refused create left files: $(ls -A "$tmp/small")"
	[ "$(df --output=used -k "$tmp/small" | tail -1 | tr -d ' ')" -lt 64 ] || fail "something was written to the folder"
done
bi_done
