#!/bin/sh
# b-refresh-mounted.sh - the Windows volume attached to a loop device and mounted
# read-only with ntfs-3g (root): refresh of the device, of the image file behind it,
# and of the whole-disk image's partition 3 while that partition is mounted, are all
# refused (exit 3, naming the mount point); nothing written.
. "$(dirname "$0")/lib.sh"
need_root
[ -e /dev/fuse ] || skip "no /dev/fuse for ntfs-3g"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_losetup "$v"
mkdir "$tmp/mnt"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount"
bi_on_exit "umount '$tmp/mnt'"
msg="The target is mounted; unmount it first."
bi_keep "$v" "$fx/install.wim"
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- refresh --target "$loop" --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- refresh --target "$v" --source "$fx/install.wim" --yes
done
umount "$tmp/mnt"
# Partition 3 of a whole-disk image, attached alone (losetup --offset --sizelimit,
# as a partition device would be) and mounted: the disk image and the loop device of
# the whole disk, given with --partition 3, overlap it and must be refused.
d=$tmp/pc.img
bi_copy "$fx/pc.img" "$d"
set -- $(python3 -c 'import json, sys
p = [p for p in json.load(open(sys.argv[1]))["gpt"]["partitions"] if p["number"] == 3][0]
print(p["start"], p["size"])' "$fx/manifest.json")
bi_losetup --offset "$1" --sizelimit "$2" "$d"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount of partition 3"
bi_losetup "$d"
bi_keep "$d"
for lang in en ru; do
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- refresh --target "$d" --partition 3 --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- refresh --target "$loop" --partition 3 --source "$fx/install.wim" --yes
done
bi_done
