#!/bin/sh
# t-refresh-kill.sh - nothing is lost when a refresh dies.  (a) The test switch
# WINRESCUE_FAULT_AFTER=N kills the process (SIGKILL) right after the N-th journal
# record, for every N in turn; (b) RANDOM_KILLS more runs are killed with SIGKILL at
# random moments.  After each: every user file is present exactly once, unchanged
# (ntfsdump + check_user_files.py, independent of the engine), then `winrescue
# resume` finishes the refresh, the final state is checked again, and ntfsfix -n
# finds the volume consistent.  One exception, for random kills only: a kill while
# libntfs-3g (which keeps no journal) was rebalancing a folder's index leaves an index
# only chkdsk rebuilds; the walker sees it by looking every name up, and resume must
# then refuse with its one sentence, user files intact.
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; tools="$top/${BUILD:-build}/tools"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
random_kills=${RANDOM_KILLS:-30}
half_indexes=0

"$top/tests/fixtures/build-pc.sh" --size small --out "$tmp/pc" >/dev/null
pc=$tmp/pc
"$tools/ntfsdump" "$pc/windows.img" >"$tmp/before.tsv"
log="--log $tmp/kill.log"

# How many journal records does a whole refresh write?
cp --sparse=always "$pc/windows.img" "$tmp/w.img"
$bin $log refresh --target "$tmp/w.img" --source "$pc/install.wim" --yes >/dev/null 2>&1
total=$(ntfsls -f "$tmp/w.img" -p '/$WinRescue/logs' | grep journal- | head -1 | xargs -I{} ntfsls -f "$tmp/w.img" -p '/$WinRescue/logs/{}' | grep -c '^[0-9]')
[ "$total" -gt 20 ] || fail "only $total journal records"
echo "a refresh writes $total journal records"

check_after_kill() {	# check_after_kill LABEL [random]
	"$tools/ntfsdump" "$tmp/w.img" >"$tmp/mid.tsv" 2>"$tmp/mid.err" || fail "$1: the volume cannot be walked"
	python3 "$top/tests/tools/check_user_files.py" "$tmp/before.tsv" "$tmp/mid.tsv" >"$tmp/chk" ||
		{ cat "$tmp/chk"; fail "$1: user files not intact after the kill"; }
	set +e; $bin $log resume --target "$tmp/w.img" >"$tmp/out" 2>&1; st=$?; set -e
	if [ $st -ne 0 ] && grep -q "nothing to resume" "$tmp/out" &&
	   ntfsls -f "$tmp/w.img" -p '/$WinRescue/logs' 2>/dev/null | grep -q journal-; then
		:	# killed after the refresh had finished
	elif [ $st -eq 4 ] && [ "${2:-}" = random ] && grep -q "The data on the disk is damaged" "$tmp/out" &&
	     grep -q '^index-inconsistent: ' "$tmp/mid.err"; then
		# libntfs-3g has no journal: a kill while it rebalanced a folder's index
		# leaves the index's blocks and its root disagreeing (the walker, which
		# looks every name up, saw it).  Only chkdsk rebuilds an index; resume
		# must then refuse plainly - and every user file is intact (checked above).
		echo "$1: killed mid index update ($(grep -m1 '^index-inconsistent' "$tmp/mid.err")); resume refused, user files intact"
		half_indexes=$((half_indexes + 1))
		return 0
	elif [ $st -ne 0 ]; then
		grep -q "had not changed anything\|nothing to resume" "$tmp/out" ||
			{ cat "$tmp/out"; cat "$tmp/mid.err"; fail "$1: resume exited $st"; }
		# Killed before the plan was whole (or before it began): start again.
		$bin $log refresh --target "$tmp/w.img" --source "$pc/install.wim" --yes >"$tmp/out" 2>&1 ||
			{ cat "$tmp/out"; fail "$1: refresh after an empty resume"; }
	fi
	"$tools/ntfsdump" "$tmp/w.img" >"$tmp/after.tsv"
	python3 "$top/tests/tools/check_user_files.py" "$tmp/before.tsv" "$tmp/after.tsv" --final >"$tmp/chk" ||
		{ cat "$tmp/chk"; fail "$1: not complete after resume"; }
	ntfsfix -n "$tmp/w.img" >"$tmp/fix" 2>&1 || { cat "$tmp/fix"; fail "$1: ntfsfix -n"; }
	grep -q "^/Users/Alice/Desktop/Removed Apps.html	" "$tmp/after.tsv" || fail "$1: no Removed Apps.html"
	ntfsls -f "$tmp/w.img" -p '/$WinRescue' | grep -qx journal && fail "$1: journal left open"
	return 0
}

# (a) Every journal step in turn.
n=1
while [ $n -lt "$total" ]; do
	cp --sparse=always "$pc/windows.img" "$tmp/w.img"
	set +e
	WINRESCUE_FAULT_AFTER=$n $bin $log refresh --target "$tmp/w.img" --source "$pc/install.wim" --yes >/dev/null 2>&1
	st=$?
	set -e
	[ $st -eq 137 ] || fail "fault after record $n: exit $st, not killed"
	check_after_kill "fault after record $n"
	n=$((n + 1))
done
echo "(a) killed after each of $((total - 1)) journal records: all resumed, nothing lost"

# (b) SIGKILL at random moments (during moves, the apply, hive edits).
i=1
while [ $i -le "$random_kills" ]; do
	cp --sparse=always "$pc/windows.img" "$tmp/w.img"
	$bin $log refresh --target "$tmp/w.img" --source "$pc/install.wim" --yes >/dev/null 2>&1 &
	pid=$!
	# 0 to ~400 ms: the whole refresh of the small fixture takes about that long.
	sleep "0.$(od -An -N2 -tu2 /dev/urandom | awk '{printf "%03d", $1 % 400}')"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	check_after_kill "random kill $i" random
	i=$((i + 1))
done
echo "(b) $random_kills random kills: all resumed ($half_indexes refused as needing chkdsk), nothing lost"
