#!/bin/sh
# Runs test programs and scripts, prints one line each and a summary.
# Exit status 77 means "skipped"; each skip must print its reason.  Under CI=true a
# skip counts as a failure: CI has every prerequisite.
# VALGRIND=1 runs the programs under valgrind (leaks and invalid accesses fail).
set -u
pass=0 fail=0 skip=0 failed=""
top=$(cd "$(dirname "$0")/.." && pwd)
export WINRESCUE_TOP="$top"
export BUILD="${BUILD:-build}"
export WINRESCUE_BIN="$top/$BUILD/winrescue"
export WINRESCUE_LOCALEDIR="$top/$BUILD/locale"
export WINRESCUE_TESTDATA="${WINRESCUE_TESTDATA:-$top/../shared/testdata}"
# intercept_strchr=0: libparted's own load-time constructor (ped_disk_gpt_init) trips
# ASan's strchr check before main() in every program linked with it; the check is off
# for strchr only, everything else stays on.
# fast_unwind_on_malloc=0: whole stacks, so tests/lsan.supp can name the function
# inside libntfs-3g that leaks (and nothing else).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:intercept_strchr=0:fast_unwind_on_malloc=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
log_dir="$top/$BUILD/test-logs"
mkdir -p "$log_dir"

for t in "$@"; do
	name=$(basename "$t")
	log="$log_dir/$name.log"
	case "$t" in
	*.sh) if [ -x "$t" ]; then cmd="$t"; else cmd="sh $t"; fi ;;	# its own #! line
	*) if [ "${VALGRIND:-}" = 1 ]; then
		cmd="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect $t"
	   else cmd="$t"; fi ;;
	esac
	start=$(date +%s)
	(cd "$top" && $cmd) >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	# cmocka prints "[  PASSED  ] N test(s)."; show that line when there is one.
	summary=$(grep -E '^\[  (PASSED|FAILED)  \]' "$log" | head -2 | tr '\n' ' ')
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "PASS $name (${secs}s) $summary"
	elif [ $rc -eq 77 ]; then
		reason=$(tail -1 "$log")
		if [ "${CI:-}" = true ]; then
			fail=$((fail + 1)); failed="$failed $name"
			echo "FAIL $name: skipped under CI=true: $reason"
		else
			skip=$((skip + 1)); echo "SKIP $name: $reason"
		fi
	else
		fail=$((fail + 1)); failed="$failed $name"
		echo "FAIL $name (exit $rc), last lines of $log:"
		tail -25 "$log" | sed 's/^/    /'
	fi
done
echo "== $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || { echo "failed:$failed"; exit 1; }
exit 0
