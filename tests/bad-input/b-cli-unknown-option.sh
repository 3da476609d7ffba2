#!/bin/sh
# b-cli-unknown-option.sh - an unknown option, and an option missing its argument:
# exit 2 and ONE translated sentence from winrescue (not getopt's English text).
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/windows.img"
check() {	# check LANG ARGS... - exit 2, one "winrescue: " line, translated
	lang=$1; shift
	bi_run "$lang" "$@"
	[ $st -eq 2 ] || fail "$* exited $st, want 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$*: not one line: $(cat "$tmp/err")"
	grep -q '^winrescue: ' "$tmp/err" || fail "$*: not winrescue's own message: $(cat "$tmp/err")"
	if [ "$lang" != en ]; then
		grep -q 'unrecognized option\|requires an argument\|invalid option' "$tmp/err" &&
			fail "$* --lang $lang: untranslated getopt message: $(cat "$tmp/err")"
	fi
	bi_check_kept
}
for lang in en ja; do
	check $lang refresh --target "$fx/windows.img" --bogus --yes
	check $lang inspect --no-such-option "$fx/windows.img"
	check $lang refresh --target
	check $lang resume --target "$fx/windows.img" --source "$fx/install.wim"
done
bi_done
