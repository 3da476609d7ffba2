#!/bin/sh
# b-refresh-not-ntfs.sh - the target is a FAT32 volume (mkfs.vfat), then an ext-less
# partition of zeros: refresh says it is not NTFS (exit 1) and writes nothing.
. "$(dirname "$0")/lib.sh"
bi_fixture
truncate -s 64M "$tmp/fat.img"
mkfs.vfat -F 32 -n DATA "$tmp/fat.img" >/dev/null
echo "holiday photos" >"$tmp/photo.txt"
mcopy -i "$tmp/fat.img" "$tmp/photo.txt" ::/photo.txt
bi_keep "$tmp/fat.img" "$fx/install.wim" "$fx/pc.img"
msg="The volume is not an NTFS volume."
for lang in en ru; do
	bi_expect 1 $lang "$msg" -- refresh --target "$tmp/fat.img" --source "$fx/install.wim" --yes
	bi_expect 1 $lang "$msg" -- apps --target "$tmp/fat.img"
	# The ESP (FAT32) of the synthetic PC given as the Windows partition.
	bi_expect 1 $lang "$msg" -- refresh --target "$fx/pc.img" --partition 1 --source "$fx/install.wim" --yes
done
bi_done
