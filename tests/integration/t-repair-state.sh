#!/bin/bash
# t-repair-state.sh - `winrescue repair hibernation|registry|dirty` on the synthetic
# PC's Windows volume: each repair removes its finding (checked with `winrescue
# diagnose --json`) and leaves every other file byte-identical (ntfsdump listings
# before and after, compared outside the files it names); ntfsfix accepts the result.
# Refusals change nothing (sha256 before and after): no "yes" typed, Fast Startup, a
# volume that is not hibernated / not dirty, RegBack copies that are empty, BitLocker.
# tests/run-tests.sh starts scripts with sh; this one is written for bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; testdata=${WINRESCUE_TESTDATA:-$top/../shared/testdata}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
tools="$top/${BUILD:-build}/tools"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}intercept_strchr=0"
log="--log $tmp/repair.log"

"$top/tests/fixtures/build-pc.sh" --out "$tmp/pc" --layout gpt >/dev/null
"$top/tests/fixtures/build-pc.sh" --out "$tmp/hib" --hiberfil --layout gpt >/dev/null
"$top/tests/fixtures/build-pc.sh" --out "$tmp/fast" --fast-startup --layout gpt >/dev/null
"$top/tests/fixtures/build-pc.sh" --out "$tmp/dirty" --dirty --layout gpt >/dev/null

ids() { # image -> non-ok finding ids, one per line
	$bin $log diagnose --json --no-smart "$1" |
		python3 -c 'import json,sys; [print(f["id"]) for f in json.load(sys.stdin)["findings"] if f["severity"]!="ok"]'
}
dump() { "$tools/ntfsdump" "$1" >"$2" || fail "ntfsdump $1"; }
# Lines of two dumps that differ, without the paths matching $3 (an ERE on the path).
same_outside() {
	a=$(grep -Ev "^($3)"$'\t' "$1" | sort | sha256sum)
	b=$(grep -Ev "^($3)"$'\t' "$2" | sort | sha256sum)
	[ "$a" = "$b" ] || { diff <(grep -Ev "^($3)"$'\t' "$1" | sort) <(grep -Ev "^($3)"$'\t' "$2" | sort) | head; return 1; }
}
unchanged() { # image command... : the command must leave the image as it was
	img=$1; shift
	s=$(sha256sum <"$img")
	"$@" </dev/null >"$tmp/out" 2>&1 && st=0 || st=$?
	[ "$(sha256sum <"$img")" = "$s" ] || fail "'$*' changed $img: $(cat "$tmp/out")"
	return $st
}

# Not a volume at all: a clear refusal, nothing written.
: >"$tmp/empty.img"
st=0; unchanged "$tmp/empty.img" $bin $log repair hibernation --target "$tmp/empty.img" --yes || st=$?
[ $st != 0 ] || fail "an empty file was 'repaired'"

# --- hibernation --------------------------------------------------------------
v=$tmp/hib/windows.img
ids "$v" | grep -x volume.hibernated >/dev/null || fail "hibernated volume not reported"
st=0; unchanged "$v" $bin $log repair hibernation --target "$v" || st=$?
[ $st = 3 ] || fail "no 'yes' typed: exit $st, want 3"
st=0; echo no | unchanged "$v" $bin $log repair hibernation --target "$v" || st=$?
[ $st = 3 ] || fail "'no' typed: exit $st, want 3"
dump "$v" "$tmp/hib.before"
echo yes | $bin $log repair hibernation --target "$v" >"$tmp/out" || fail "repair hibernation: $(cat "$tmp/out")"
dump "$v" "$tmp/hib.after"
! ids "$v" | grep -x volume.hibernated >/dev/null || fail "still hibernated after the repair"
grep -q $'^/hiberfil.sys\t' "$tmp/hib.after" && fail "hiberfil.sys still there"
same_outside "$tmp/hib.before" "$tmp/hib.after" '/|/hiberfil.sys' || fail "hibernation repair changed other files"
ntfsfix -n "$v" >/dev/null || fail "ntfsfix after repair hibernation"
st=0; unchanged "$v" $bin $log repair hibernation --target "$v" --yes || st=$?
[ $st = 0 ] && grep -q 'not hibernated' "$tmp/out" || fail "second run: exit $st $(cat "$tmp/out")"

# Fast Startup: not repairable here, said so, nothing written.
v=$tmp/fast/windows.img
st=0; unchanged "$v" $bin $log repair hibernation --target "$v" --yes || st=$?
[ $st = 3 ] && grep -q 'Shift' "$tmp/out" || fail "Fast Startup: exit $st $(cat "$tmp/out")"
ids "$v" | grep -x volume.fast_startup >/dev/null || fail "Fast Startup finding gone"

# --- dirty --------------------------------------------------------------------
v=$tmp/dirty/windows.img
ids "$v" | grep -x volume.dirty >/dev/null || fail "dirty volume not reported"
st=0; unchanged "$v" $bin $log repair dirty --target "$v" || st=$?
[ $st = 3 ] || fail "dirty without yes: exit $st"
grep -q 'chkdsk' "$tmp/out" || fail "no check-disk warning: $(cat "$tmp/out")"
dump "$v" "$tmp/dirty.before"
$bin $log repair dirty --target "$v" --yes >"$tmp/out" || fail "repair dirty: $(cat "$tmp/out")"
dump "$v" "$tmp/dirty.after"
! ids "$v" | grep -x volume.dirty >/dev/null || fail "still dirty"
same_outside "$tmp/dirty.before" "$tmp/dirty.after" 'NONE' || fail "clearing dirty changed files"
st=0; unchanged "$v" $bin $log repair dirty --target "$v" --yes || st=$?
[ $st = 0 ] || fail "clean volume: exit $st"

# --- registry -----------------------------------------------------------------
v=$tmp/pc/windows.img
cp --sparse=always "$v" "$tmp/reg.img"
head -c 20480 /dev/urandom >"$tmp/junk"
printf 'rewrite "Windows/System32/config/SYSTEM" %s\n' "$tmp/junk" | "$tools/mkvolume" "$tmp/reg.img"
v=$tmp/reg.img
ids "$v" | grep -x registry.hive.corrupt >/dev/null || fail "damaged SYSTEM not reported"
ntfscat "$v" /Windows/System32/config/SOFTWARE | sha256sum >"$tmp/SOFTWARE.sum"
ntfscat "$v" /Windows/System32/config/RegBack/SYSTEM | sha256sum >"$tmp/RegBack-SYSTEM.sum"
dump "$v" "$tmp/reg.before"
st=0; unchanged "$v" $bin $log repair registry --target "$v" || st=$?
[ $st = 3 ] || fail "registry without yes: exit $st"
$bin $log repair registry --target "$v" --only-damaged --yes >"$tmp/out" || fail "repair registry: $(cat "$tmp/out")"
dump "$v" "$tmp/reg.after"
! ids "$v" | grep '^registry\.' >/dev/null || fail "registry findings remain: $(ids "$v")"
# SYSTEM is RegBack's copy; the damaged one is kept aside; SOFTWARE untouched.
[ "$(ntfscat "$v" /Windows/System32/config/SYSTEM | sha256sum)" = "$(cat "$tmp/RegBack-SYSTEM.sum")" ] || fail "SYSTEM is not RegBack's copy"
aside=$(ntfsls "$v" -p /Windows/System32/config | grep '^SYSTEM\.winrescue-' | head -1)
[ -n "$aside" ] || fail "old SYSTEM not kept aside"
[ "$(ntfscat "$v" "/Windows/System32/config/$aside" | sha256sum)" = "$(head -c 20480 "$tmp/junk" | sha256sum)" ] || fail "the aside copy is not the old SYSTEM"
[ "$(ntfscat "$v" /Windows/System32/config/SOFTWARE | sha256sum)" = "$(cat "$tmp/SOFTWARE.sum")" ] || fail "SOFTWARE changed with --only-damaged"
ntfsls "$v" -p /Windows/System32/config | grep -q '^winrescue-regback-.*\.journal$' || fail "no journal"
ntfscat "$v" "/Windows/System32/config/$(ntfsls "$v" -p /Windows/System32/config | grep '\.journal$')" | grep -q 'end' || fail "journal has no end record"
same_outside "$tmp/reg.before" "$tmp/reg.after" '/Windows/System32/config|/Windows/System32/config/[^/]+' || fail "registry repair changed other files"
ntfsfix -n "$v" >/dev/null || fail "ntfsfix after repair registry"

# Empty RegBack copies (Windows 10 since 1803): refused, nothing written.
cp --sparse=always "$tmp/pc/windows.img" "$tmp/empty-rb.img"
: >"$tmp/empty"
for h in SYSTEM SOFTWARE SAM SECURITY DEFAULT; do printf 'rewrite "Windows/System32/config/RegBack/%s" %s\n' $h "$tmp/empty"; done | "$tools/mkvolume" "$tmp/empty-rb.img"
st=0; unchanged "$tmp/empty-rb.img" $bin $log repair registry --target "$tmp/empty-rb.img" --yes || st=$?
[ $st = 3 ] || fail "empty RegBack: exit $st $(cat "$tmp/out")"

# BitLocker: refused, nothing written.
tar -xJf "$testdata/bitlocker/bitlk-images.tar.xz" -C "$tmp" bitlk-images/bitlk-aes-cbc-256.img
for r in hibernation registry dirty; do
	st=0; unchanged "$tmp/bitlk-images/bitlk-aes-cbc-256.img" $bin $log repair $r --target "$tmp/bitlk-images/bitlk-aes-cbc-256.img" --yes || st=$?
	[ $st = 3 ] || fail "BitLocker $r: exit $st $(cat "$tmp/out")"
done
echo "ok: t-repair-state"
