#!/bin/sh
# b-inspect-no-config.sh - a Windows volume without Windows\System32\config (kernel32
# is there, the hives are not): inspect says what is missing and goes on; refresh
# refuses; nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_volume w.img 256M <<'SPEC'
pe "Windows/System32/kernel32.dll" dll 65536
pe "Windows/System32/ntdll.dll" dll 65536
file "Users/Alice/Documents/letter.docx" 20K 3
SPEC
v=$tmp/w.img
bi_keep "$v" "$fx/install.wim"
for lang in en ru; do
	bi_expect 1 $lang "Something that should be there was not found." --subject config -- \
		refresh --target "$v" --source "$fx/install.wim" --yes
done
bi_inspect_json "$v"
grep -q "WR_ERR" "$tmp/inspect.json" || fail "inspect --json reports no error for the missing hives"
for lang in en ja; do
	bi_run $lang inspect "$v"
	[ $st -eq 0 ] || fail "inspect exited $st"
	[ ! -s "$tmp/err" ] || fail "inspect wrote to stderr: $(cat "$tmp/err")"
	bi_check_kept
done
bi_finding en "Something that should be there was not found." "config" "$v"
bi_finding ja "Something that should be there was not found." "config" "$v"
bi_done
