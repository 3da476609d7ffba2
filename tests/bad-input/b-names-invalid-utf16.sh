#!/bin/sh
# b-names-invalid-utf16.sh - empty files in Alice's Documents and in \Data whose NTFS names
# are not valid UTF-16 (lone surrogates, a reversed pair; written by
# tests/tools/badnames.c with libntfs-3g): inspect finishes with valid UTF-8 JSON, and
# refresh keeps every such file exactly once, unchanged, under its raw name.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
"$tools/badnames" "$v" Users/Alice/Documents >/dev/null || fail "badnames in the profile"
"$tools/badnames" "$v" Data >/dev/null || fail "badnames in Data"
bi_keep "$fx/install.wim"
"$tools/ntfsdump" "$v" >"$tmp/before.tsv"
[ "$(LC_ALL=C grep -c '/\(hi\|lo\|rv\)[^/]*\.txt	' "$tmp/before.tsv")" -eq 6 ] || fail "the bad names are not on the volume"
cp "$v" "$tmp/v.copy"
bi_keep "$tmp/v.copy"
bi_inspect_json "$v"
cmp -s "$v" "$tmp/v.copy" || fail "inspect changed the volume"
python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' "$tmp/inspect.json" ||
	fail "inspect --json is not valid UTF-8"
bi_run ja inspect "$v"
[ $st -eq 0 ] && [ ! -s "$tmp/err" ] || fail "inspect: exit $st: $(cat "$tmp/err")"
bi_run ru refresh --target "$v" --source "$fx/install.wim" --yes
[ $st -eq 0 ] || { cat "$tmp/err"; fail "refresh exited $st"; }
bi_user_files_ok "after the refresh" --final
bi_done
