#!/bin/sh
# b-reset-boot-mounted.sh - reset of the Windows partition (2) of the MBR PC while its
# System Reserved partition (1), where the reset writes bootmgr and \Boot\BCD, is
# mounted read-only with ntfs-3g: the boot step could not write there, so the plan
# must refuse before anything is erased (exit 3, naming the mount point), not format
# Windows first and stop half-way.  The disk byte-identical, no journal started.
. "$(dirname "$0")/lib.sh"
need_root
[ -e /dev/fuse ] || skip "no /dev/fuse for ntfs-3g"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
msg="The target is mounted; unmount it first."
d=$tmp/pc-mbr.img
bi_copy "$fx/pc-mbr.img" "$d"
set -- $(python3 -c 'import json, sys
p = [p for p in json.load(open(sys.argv[1]))["mbr"]["partitions"] if p["number"] == 1][0]
print(p["start"], p["size"])' "$fx/manifest.json")
bi_losetup --offset "$1" --sizelimit "$2" "$d"
mkdir "$tmp/mnt"
ntfs-3g -o ro "$loop" "$tmp/mnt" || fail "ntfs-3g mount of System Reserved"
bi_on_exit "umount '$tmp/mnt'"
[ -f "$tmp/mnt/bootmgr" ] || fail "partition 1 is not System Reserved (no bootmgr)"
bi_keep "$d" "$fx/install.wim"
for lang in en ru; do
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --target "$d" --partition 2 --source "$fx/install.wim" --dry-run
	bi_expect 3 $lang "$msg" --subject "$tmp/mnt" -- reset --target "$d" --partition 2 --source "$fx/install.wim" --yes
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
