#!/bin/sh
# b-refresh-mounted.sh - the Windows volume attached to a loop device and mounted
# read-only with ntfs-3g (root): refresh of the device, of the image file behind it,
# and of the whole-disk image's partition 3 while that partition is mounted, are all
# refused (exit 3, names the mount point); nothing written.
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
# A partition of a whole-disk image, mounted through a partitioned loop device.
d=$tmp/pc.img
bi_copy "$fx/pc.img" "$d"
bi_losetup -P "$d"
dloop=$loop
i=0; while [ ! -b "${dloop}p3" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b "${dloop}p3" ] || skip "no partition devices on loop devices (losetup -P)"
ntfs-3g -o ro "${dloop}p3" "$tmp/mnt" || fail "ntfs-3g mount of ${dloop}p3"
bi_keep "$d"
for lang in en ru; do
	bi_expect 3 $lang "$msg" -- refresh --target "$d" --partition 3 --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" -- refresh --target "$dloop" --partition 3 --source "$fx/install.wim" --yes
done
bi_done
