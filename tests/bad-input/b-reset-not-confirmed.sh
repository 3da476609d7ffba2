#!/bin/sh
# b-reset-not-confirmed.sh - reset without --yes while standard input is not a terminal
# (a script, a pipe, /dev/null): the plan is shown, nothing can be typed, so nothing is
# erased (exit 3, the one sentence on stderr), on a partition and on a whole disk.
# A pipe that does type the right answer must not count either: the answer is only
# read from a terminal.
. "$(dirname "$0")/lib.sh"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
bi_copy "$fx/pc.img" "$tmp/pc.img"
truncate -s 2G "$tmp/blank.img"
bi_keep "$tmp/pc.img" "$tmp/blank.img" "$fx/install.wim"
msg="What was typed does not match what the screen asked for, so nothing was erased."
for lang in en ja; do
	bi_expect 3 $lang "$msg" -- reset --target "$tmp/pc.img" --partition 3 --source "$fx/install.wim"
	grep -q "YAMADA-PC" "$tmp/out" || fail "the plan shown before the refusal does not name the computer"
	bi_expect 3 $lang "$msg" -- reset --target "$tmp/pc.img" --partition 3
done
for lang in en ru; do
	bi_expect 3 $lang "$msg" -- reset --disk "$tmp/blank.img" --layout gpt --source "$fx/install.wim"
done
# The computer's name piped in: still not a terminal, still refused.
set +e
echo YAMADA-PC | timeout 600 "$bin" --lang en --log "$tmp/winrescue.log" \
	reset --target "$tmp/pc.img" --partition 3 --source "$fx/install.wim" >"$tmp/out" 2>"$tmp/err"
st=$?
set -e
[ $st -eq 3 ] || { cat "$tmp/err"; fail "a piped answer: exit $st, want 3"; }
python3 "$here/expect.py" "$localedir" en "$tmp/err" "$msg" || fail "a piped answer: wrong message"
bi_check_kept
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
