#!/bin/sh
# b-refresh-live-disk.sh - the target is the disk (or a partition of the disk) that
# holds the running system's root file system, found from /proc/self/mountinfo: refresh
# must refuse (exit 3, "the disk the running system uses").  Only --dry-run is run,
# so that an engine missing the check cannot write to the live disk; a dry run must
# refuse just the same, since the refusal belongs to the preflight.
. "$(dirname "$0")/lib.sh"
need_root
bi_fixture
root=$(awk '$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 2); exit } }' /proc/self/mountinfo)
[ -b "$root" ] || skip "the root file system is not on a block device here ($root)"
disk=/dev/$(lsblk -no PKNAME "$root" 2>/dev/null | head -1)
[ "$disk" != /dev/ ] || disk=$root
msg="The target is on the disk the running system uses; choose another target."
for lang in en ja; do
	bi_run $lang refresh --target "$root" --source "$fx/install.wim" --dry-run
	[ $st -eq 3 ] || fail "refresh --target $root (the live root) exited $st: $(cat "$tmp/err")"
	python3 "$here/expect.py" "$localedir" $lang "$tmp/err" "$msg" >/dev/null ||
	python3 "$here/expect.py" "$localedir" $lang "$tmp/err" "The target is mounted; unmount it first." ||
		fail "live root: wrong message"
done
# Every other partition of that disk (not mounted itself): still the live disk.
for p in $(lsblk -lno PATH,TYPE "$disk" 2>/dev/null | awk '$2 == "part" { print $1 }'); do
	[ "$p" = "$root" ] && continue
	grep -q "^$p " /proc/mounts && continue
	for lang in en ru; do
		bi_expect 3 $lang "$msg" -- refresh --target "$p" --source "$fx/install.wim" --dry-run
	done
done
# A loop device whose backing file lives on the live root file system is not the live
# disk itself, so nothing is claimed about it here.
bi_done
