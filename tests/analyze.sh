#!/bin/sh
# tests/analyze.sh - clang-tidy over each file given, one run per file; fails on any
# finding that tests/analyze-notes.md does not accept, on an accepted finding that no
# longer occurs (so the notes stay true), and on a file clang-tidy cannot analyse.
#
#   TIDY_CHECKS='...' TIDY_FLAGS='...' tests/analyze.sh FILE...   (see `make analyze`)
#
# An accepted finding is a line of the notes, indented four spaces:
#     accept FILE CHECK SOURCE-LINE
# SOURCE-LINE is the text of the line clang-tidy points at (blanks squeezed), not its
# number, so an entry survives edits elsewhere in the file and goes stale when that
# line changes.  Each entry is explained in prose beside it.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
notes=tests/analyze-notes.md
logdir="${BUILD:-build}/analyze"
mkdir -p "$logdir"
found="$logdir/findings"
accepted="$logdir/accepted"
: >"$found"
status=0

squeeze() { tr -s ' \t' '  ' | sed 's/^ //; s/ $//'; }

# FILE CHECK TEXT for each accepted finding.
sed -n 's/^    accept //p' "$notes" | squeeze | sort -u >"$accepted"

for f in "$@"; do
	log="$logdir/$(echo "$f" | tr / _).log"
	for try in 1 2; do
		# shellcheck disable=SC2086 # TIDY_FLAGS is a list of compiler flags
		clang-tidy --quiet --checks="$TIDY_CHECKS" "$f" -- $TIDY_FLAGS >"$log" 2>&1
		rc=$?
		# Killed by a signal: clang reads sources through mmap, and a header rewritten
		# meanwhile (others at work in the same checkout) crashes it.  Once more; a
		# crash that is the file's own comes back and is reported below.
		[ $rc -gt 128 ] && [ $try = 1 ] && echo "analyze: clang-tidy crashed on $f (exit $rc); once more" && continue
		break
	done
	# Compiler errors are never accepted: the file was not analysed as built.
	if [ $rc -ne 0 ] || grep -q ': error: ' "$log"; then
		echo "analyze: clang-tidy could not analyse $f (exit $rc); see $log"
		grep -E ': error: |Segmentation|Stack dump' "$log" | head -5 | sed 's/^/    /'
		status=1
	fi
	grep -E '^[^ ]+:[0-9]+:[0-9]+: warning: .* \[[A-Za-z0-9.,-]+\]$' "$log" |
	while IFS= read -r w; do
		path=${w%%:*}
		rest=${w#*:}
		line=${rest%%:*}
		check=$(printf '%s\n' "$w" | sed 's/.*\[\([^]]*\)\]$/\1/')
		rel=${path#"$top"/}
		text=$(sed -n "${line}p" "$rel" | squeeze)
		printf '%s %s %s\t%s\n' "$rel" "$check" "$text" "$rel:$line: ${w#*: warning: }"
	done >>"$found"
done

new=0 known=0
while IFS="$(printf '\t')" read -r key where; do
	if grep -qxF "$key" "$accepted"; then
		known=$((known + 1))
	else
		new=$((new + 1))
		echo "analyze: $where"
		echo "    not fixed and not explained; fix it, or explain it in $notes as"
		echo "    accept $key"
	fi
done <"$found"

# An entry for a file analysed now that matches nothing is stale.
stale=0
while IFS= read -r key; do
	file=${key%% *}
	case " $* " in *" $file "*) ;; *) continue ;; esac
	if ! cut -f1 "$found" | grep -qxF "$key"; then
		stale=$((stale + 1))
		echo "analyze: stale entry in $notes (no such finding any more): accept $key"
	fi
done <"$accepted"

echo "analyze: $# files, $((new + known)) clang-tidy findings: $known explained in $notes, $new new; $stale stale entries"
[ $new -eq 0 ] && [ $stale -eq 0 ] || status=1
exit $status
