#!/bin/sh
# b-reset-mounted.sh - reset while what it would erase is mounted (ntfs-3g, read-only):
# the Windows volume on a loop device (the device and the image file behind it), and
# partition 3 or 4 of the whole-disk image attached alone at its offset (as a
# partition device would be) - for --target --partition 3 and for a whole-disk
# --disk layout, which erases every partition.  Refused (exit 3, naming the mount
# point); nothing written, no journal started.
. "$(dirname "$0")/lib.sh"
need_root
[ -e /dev/fuse ] || skip "no /dev/fuse for ntfs-3g"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
msg="The target is mounted; unmount it first."
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_losetup "$v"
mkdir "$tmp/mnt"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount"
bi_on_exit "umount '$tmp/mnt'"
bi_keep "$v" "$fx/install.wim"
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --target "$loop" --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --target "$v" --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --target "$v" --source "$fx/install.wim" --dry-run
done
umount "$tmp/mnt"
d=$tmp/pc.img
bi_copy "$fx/pc.img" "$d"
bi_keep "$d"
part() {	# part N: "start size" of GPT partition N, from the manifest
	python3 -c 'import json, sys
p = [p for p in json.load(open(sys.argv[1]))["gpt"]["partitions"] if p["number"] == int(sys.argv[2])][0]
print(p["start"], p["size"])' "$fx/manifest.json" "$1"
}
# Partition 3 (Windows) mounted.
set -- $(part 3)
bi_losetup --offset "$1" --sizelimit "$2" "$d"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount of partition 3"
bi_losetup "$d"
whole=$loop
for lang in en ru; do
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --target "$d" --partition 3 --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --target "$whole" --partition 3 --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --disk "$d" --layout gpt --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --disk "$whole" --layout mbr --source "$fx/install.wim" --yes
done
umount "$tmp/mnt"
# Partition 4 (recovery) mounted: a whole-disk layout erases it too.
set -- $(part 4)
bi_losetup --offset "$1" --sizelimit "$2" "$d"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount of partition 4"
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --disk "$d" --layout gpt --source "$fx/install.wim" --yes
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
