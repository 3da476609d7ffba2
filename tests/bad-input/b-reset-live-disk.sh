#!/bin/sh
# b-reset-live-disk.sh - reset of the disk that holds the running system's root file
# system (found from /proc/self/mountinfo), as a target, a partition of it, or a whole
# disk to lay out: refused (exit 3, "the disk the running system uses").  Only
# --dry-run is run, so that an engine missing the check cannot write to the live disk;
# a dry run must refuse just the same, since the refusal belongs to the plan.
. "$(dirname "$0")/lib.sh"
need_root
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
root=$(awk '$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 2); exit } }' /proc/self/mountinfo)
[ -b "$root" ] || skip "the root file system is not on a block device here ($root)"
disk=/dev/$(lsblk -no PKNAME "$root" 2>/dev/null | head -1)
[ "$disk" != /dev/ ] || disk=$root
msg="The target is on the disk the running system uses; choose another target."
mounted="The target is mounted; unmount it first."
for lang in en ja; do
	for args in "--target $root" "--disk $disk --layout gpt" "--disk $disk --layout mbr" \
		    "--target $disk --partition 1"; do
		bi_run $lang reset $args --source "$fx/install.wim" --dry-run
		[ $st -eq 3 ] || fail "reset $args (the live disk) exited $st: $(cat "$tmp/err")"
		python3 "$here/expect.py" "$localedir" $lang "$tmp/err" "$msg" >/dev/null ||
		python3 "$here/expect.py" "$localedir" $lang "$tmp/err" "$mounted" ||
			fail "reset $args: wrong message"
	done
done
# Every other partition of that disk (not mounted itself): still the live disk.
for p in $(lsblk -lno PATH,TYPE "$disk" 2>/dev/null | awk '$2 == "part" { print $1 }'); do
	[ "$p" = "$root" ] && continue
	grep -q "^$p " /proc/mounts && continue
	for lang in en ru; do
		bi_expect 3 $lang "$msg" -- reset --target "$p" --source "$fx/install.wim" --dry-run
	done
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
