#!/bin/sh
# t-cli.sh - the command-line contract: --help, --version, the command table, usage
# errors (exit 2) in each language, and a failing command (one sentence, exit 1).
set -eu
bin=${WINRESCUE_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export LANG=C.UTF-8
unset LANGUAGE LC_ALL LC_MESSAGES 2>/dev/null || true
log="--log $tmp/t.log"

fail() { echo "FAIL: $*"; exit 1; }
expect_status() {	# expect_status N cmd...
	want=$1; shift
	set +e; "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
	[ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "'$*' exited $got, want $want"; }
}

expect_status 0 $bin $log --help
for c in wizard inspect diagnose scan apps refresh reset resume image repair; do
	grep -q "^  $c " "$tmp/out" || fail "--help does not list '$c'"
done
grep -q 'Exit status: 0 done' "$tmp/out" || fail "--help does not explain exit statuses"

expect_status 0 $bin --version
grep -Eq '^winrescue [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "--version: $(cat "$tmp/out")"

# Usage errors: exit 2, one translated sentence on stderr, nothing on stdout.
expect_status 2 $bin $log frobnicate
grep -qx "winrescue: Unknown command 'frobnicate'; run 'winrescue --help' for the list." "$tmp/err" || fail "en: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "usage error wrote to stdout"
expect_status 2 $bin $log --lang ja frobnicate
grep -q "'frobnicate' は不明なコマンドです。" "$tmp/err" || fail "ja: $(cat "$tmp/err")"
expect_status 2 $bin $log --lang ru frobnicate
grep -q "Неизвестная команда «frobnicate»" "$tmp/err" || fail "ru: $(cat "$tmp/err")"
LANGUAGE=ru expect_status 2 $bin $log frobnicate
grep -q "Неизвестная команда" "$tmp/err" || fail "LANGUAGE=ru not honoured: $(cat "$tmp/err")"
LANG=ja_JP.UTF-8 expect_status 2 $bin $log frobnicate
grep -q "不明なコマンド" "$tmp/err" || fail "LANG=ja_JP.UTF-8 (no such locale here) not honoured: $(cat "$tmp/err")"
expect_status 2 $bin $log --lang xx --help
grep -q "Unknown language 'xx'" "$tmp/err" || fail "--lang xx: $(cat "$tmp/err")"
expect_status 2 $bin $log --no-such-option

# A log file the user asks for must be writable, else exit 2 with a sentence.
expect_status 2 $bin --log /nonexistent-dir/sub/x.log inspect
grep -q "Cannot open the log file '/nonexistent-dir/sub/x.log'" "$tmp/err" || fail "bad --log: $(cat "$tmp/err")"

# Every command of the table is built now (none pretends: there is no placeholder
# left); a failing one says why in one translated sentence and exits 1.
grep -q 'cmd_not_built' "$WINRESCUE_TOP/ui/cli.c" && fail "a command is still a placeholder"
expect_status 1 $bin $log --lang ja reset --target "$tmp/no-such-disk.img" --dry-run
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "reset: more than one line: $(cat "$tmp/err")"
grep -q "ファイルまたはデバイスを開けませんでした。 ($tmp/no-such-disk.img)" "$tmp/err" || fail "reset (ja): $(cat "$tmp/err")"
# The log records the command and its exit status, with time stamps.
grep -q 'command: frobnicate' "$tmp/t.log" && fail "unknown command must not reach the log as a command"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z info: command: ' "$tmp/t.log" || fail "log lacks the command line: $(cat "$tmp/t.log")"

echo "t-cli: all checks passed"
