#!/bin/sh
# t-wizard-resume.sh - a registry restore begun on the command line (`winrescue
# repair registry`, as a helpdesk agent would run it) and killed half-way, as a power
# cut would, is found when the wizard starts: R1 names it for what it is, in Russian
# and in Japanese, and "Finish it now" rolls it forward.  Checked from outside the
# engine afterwards (ntfsdump): the config folder equals that of an uninterrupted
# restore (hives from RegBack, the old ones kept aside, the journal archived), and a
# refresh no longer meets the repair's journal.  Every captured screen has exactly
# the terminal's size, each row exactly its width.
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; tools="$top/${BUILD:-build}/tools"
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 77; }
for t in msgfmt msgcat ntfscat hivexsh python3; do
	command -v $t >/dev/null || { echo "$t is not installed"; exit 77; }
done
case "${ASAN_OPTIONS:-}" in ?*) export ASAN_OPTIONS="$ASAN_OPTIONS:intercept_strchr=0" ;; esac
tmp=$(mktemp -d)
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/screen" ] && { echo "--- last screen:"; cat "$tmp/screen"; }
	[ -f "$tmp/log" ] && { echo "--- log tail:"; tail -8 "$tmp/log"; }
	exit 1
}
wz_prefix=wr-wresume
. "$top/tests/lib/wizard-tmux.sh"
trap 'wz_cleanup; rm -rf "$tmp"' EXIT
wz_catalogs wizard
CFG=/Windows/System32/config

# --- The Windows volume of the synthetic PC, its SYSTEM hive damaged and the other
# hives newer than their RegBack copies: a restore has all five to do.
"$top/tests/fixtures/build-pc.sh" --size small --layout gpt --out "$tmp/pc" >/dev/null
v0=$tmp/v0.img
cp --sparse=always "$tmp/pc/windows.img" "$v0"
rm -f "$tmp/pc/pc.img"
head -c 20480 /dev/urandom >"$tmp/junk"
echo "rewrite \"Windows/System32/config/SYSTEM\" $tmp/junk" | "$tools/mkvolume" "$v0"
for h in SOFTWARE SAM SECURITY DEFAULT; do
	ntfscat "$v0" "$CFG/$h" >"$tmp/$h"
	printf 'add WinRescueResumeTest\ncommit\n' | hivexsh -w "$tmp/$h" >/dev/null
	echo "rewrite \"Windows/System32/config/$h\" $tmp/$h"
done | "$tools/mkvolume" "$v0"

# The config folder as path, kind, size, sha256, the restore's date suffix normalised.
cfg_state() {
	"$tools/ntfsdump" "$1" | awk -F'\t' -v c="$CFG/" 'index($1, c) == 1 && substr($1, length(c) + 1) !~ /\// { print $1 "\t" $3 "\t" $4 "\t" $5 }' |
		sed -E 's/\.winrescue-[0-9]{8}-[0-9]{6}(-[0-9]{2})?/.winrescue-DATE/; s/winrescue-regback-[0-9]{8}-[0-9]{6}(-[0-9]{2})?\.journal\tf\t[0-9]+\t[0-9a-f]+/winrescue-regback-DATE.journal/' | sort
}
cp --sparse=always "$v0" "$tmp/v.img"
"$bin" --log "$tmp/ref.log" repair registry --target "$tmp/v.img" --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "an uninterrupted repair registry"; }
cfg_state "$tmp/v.img" >"$tmp/cfg.ref"
jname=$(ntfsls "$tmp/v.img" -p "$CFG" | grep '^winrescue-regback-.*\.journal$') ||
	fail "the uninterrupted restore archived no journal"
total=$(ntfscat "$tmp/v.img" "$CFG/$jname" | grep -c '^WRJ1 ')
[ "$total" -ge 20 ] || fail "only $total journal records for five hives"

# kill_midway: a fresh copy, repair registry killed after half of its records.
kill_midway() {
	cp --sparse=always "$v0" "$tmp/v.img"
	set +e
	WINRESCUE_FAULT_AFTER=$((total / 2)) "$bin" --log "$tmp/kill.log" repair registry \
		--target "$tmp/v.img" --yes >/dev/null 2>&1
	st=$?
	set -e
	[ $st -eq 137 ] || fail "repair registry with WINRESCUE_FAULT_AFTER was not killed (exit $st)"
	"$bin" --log "$tmp/inspect.log" inspect --json "$tmp/v.img" >"$tmp/inspect.json"
	python3 -c "
import json, sys
v = []
for d in json.load(open(sys.argv[1]))['disks']:
    v += [d['volume']] if d.get('volume') else []
    v += [p['volume'] for p in d.get('partitions', []) if p.get('volume')]
sys.exit(0 if any(x.get('interrupted_repair') for x in v) and not any(x.get('interrupted') for x in v) else 1)" \
		"$tmp/inspect.json" || fail "inspect --json does not report the interrupted repair as such"
}
finished() {	# finished LABEL: the volume ends as an uninterrupted restore would
	cfg_state "$tmp/v.img" >"$tmp/cfg.now"
	diff "$tmp/cfg.ref" "$tmp/cfg.now" >"$tmp/diff" ||
		{ cat "$tmp/diff"; fail "$1: the config folder differs from an uninterrupted restore's"; }
	"$bin" --log "$tmp/dry.log" refresh --target "$tmp/v.img" --source "$tmp/pc/install.wim" \
		--dry-run >"$tmp/dry" 2>&1 || true
	! grep -q "interrupted" "$tmp/dry" || { cat "$tmp/dry"; fail "$1: a refresh still meets an interrupted operation"; }
}

# --- Russian, 80x24: found on start, finished.
kill_midway
cols=80 rows=24
wz_run -- --lang ru wizard --disk "$tmp/v.img"
wait_for 60 "R1" "«Восстановление реестра из резервных копий»" "Завершить сейчас"
lacks "Восстановить ПК без удаления файлов"
key 1
wait_for 120 "W9" "Завершено: Восстановление реестра из резервных копий" \
	"Кусты реестра восстановлены из резервных копий"
key 2
wait_exit 0
finished "Russian"
echo "ok: an interrupted registry restore found on start and finished, in Russian"

# --- Japanese, 132x43: the same.
kill_midway
cols=132 rows=43
wz_run -- --lang ja wizard --disk "$tmp/v.img"
wait_for 60 "R1" "レジストリをバックアップから復元" "今すぐ完了する"
key 1
wait_for 120 "W9" "レジストリ ハイブをバックアップから復元しました"
key 2
wait_exit 0
finished "Japanese"
echo "ok: the same in Japanese at 132x43"
echo "ok: t-wizard-resume"
