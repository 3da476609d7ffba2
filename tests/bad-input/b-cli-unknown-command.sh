#!/bin/sh
# b-cli-unknown-command.sh - an unknown command and an unknown language: usage errors
# in one sentence.
. "$(dirname "$0")/lib.sh"
for lang in en ru; do
	bi_expect 2 $lang "Unknown command '%s'; run 'winrescue --help' for the list." \
		--arg frobnicate --no-subject -- frobnicate --target /dev/null
done
set +e; "$bin" --lang xx inspect >"$tmp/out" 2>"$tmp/err"; st=$?; set -e
[ $st -eq 2 ] || fail "--lang xx exited $st"
python3 "$here/expect.py" "$localedir" en "$tmp/err" "Unknown language '%s'; use en, ja or ru." --arg xx --no-subject ||
	fail "--lang xx: wrong message"
bi_done
