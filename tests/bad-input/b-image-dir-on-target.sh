#!/bin/sh
# b-image-dir-on-target.sh - `image create` with the image folder on the Windows volume
# it would capture (the volume mounted read-only with ntfs-3g to reach the folder): as
# a volume image, and as partition 3 of the whole-disk image attached at its offset.
# Refused (exit 3, DIR_ON_TARGET's sentence), nothing written, no file in the folder.
. "$(dirname "$0")/lib.sh"
need_root
[ -e /dev/fuse ] || skip "no /dev/fuse for ntfs-3g"
bi_fixture
msg="The folder for the image is on the Windows volume itself: the image would capture itself, and a refresh would replace the volume that holds it. Choose a folder on another drive."
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_losetup "$v"
mkdir "$tmp/mnt"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount"
bi_on_exit "umount '$tmp/mnt'"
[ -d "$tmp/mnt/Data" ] || fail "no \\Data on the volume"
bi_keep "$v"
for lang in en ja; do
	bi_expect 3 $lang "$msg" -- image create --target "$v" --dir "$tmp/mnt/Data"
	bi_expect 3 $lang "$msg" -- image create --target "$loop" --dir "$tmp/mnt/Data"
	bi_expect 3 $lang "$msg" -- image set --target "$v" --dir "$tmp/mnt/Data"
done
[ ! -e "$tmp/mnt/Data/CustomRefresh.wim" ] || fail "a CustomRefresh.wim appeared on the volume"
umount "$tmp/mnt"
d=$tmp/pc.img
bi_copy "$fx/pc.img" "$d"
set -- $(python3 -c 'import json, sys
p = [p for p in json.load(open(sys.argv[1]))["gpt"]["partitions"] if p["number"] == 3][0]
print(p["start"], p["size"])' "$fx/manifest.json")
bi_losetup --offset "$1" --sizelimit "$2" "$d"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount of partition 3"
bi_keep "$d"
for lang in en ru; do
	bi_expect 3 $lang "$msg" -- image create --target "$d" --partition 3 --dir "$tmp/mnt/Data"
done
bi_done
