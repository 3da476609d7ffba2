#!/bin/sh
# t-scan.sh - `winrescue scan` end to end: usage errors, a clean image, a partitioned
# disk with unreadable sectors (mapped to partitions), Ctrl-C keeping partial results,
# and a disk that disappears mid-scan.  Nothing may be written: the backing files'
# SHA-256 must not change and the faulty FUSE server (build/tests/test_surface --serve,
# see tests/unit/test_surface.c) must see no write request.
set -eu

: "${WINRESCUE_BIN:?}" "${WINRESCUE_TOP:?}" "${BUILD:?}"
# Under AddressSanitizer: libparted 3.5's constructor (ped_disk_gpt_init, before main)
# trips ASan's strchr interceptor on a getdelim buffer; not our code.
case "${ASAN_OPTIONS:-}" in ?*) export ASAN_OPTIONS="$ASAN_OPTIONS:intercept_strchr=0" ;; esac
bin=$WINRESCUE_BIN
serve="$WINRESCUE_TOP/$BUILD/tests/test_surface"
tmp=$(mktemp -d /tmp/wr-t-scan-XXXXXX)
mnt=$tmp/mnt
server=
cleanup() {
	if [ -n "$server" ]; then
		umount -l "$mnt" 2>/dev/null || true
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkdir "$mnt"
fail() { echo "FAIL: $*"; exit 1; }

# json FILE EXPR: evaluate a Python expression over the parsed JSON (as j).
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# --- usage -------------------------------------------------------------------
rc=0; "$bin" --log "$tmp/log" scan >/dev/null 2>"$tmp/err" || rc=$?
[ $rc -eq 2 ] || fail "no device: exit $rc, expected 2"
rc=0; "$bin" --log "$tmp/log" scan a b >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "two devices: exit $rc, expected 2"
rc=0; "$bin" --log "$tmp/log" scan --bogus x >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "unknown option: exit $rc, expected 2"
rc=0; "$bin" --log "$tmp/log" scan "$tmp/missing.img" >/dev/null 2>"$tmp/err" || rc=$?
[ $rc -eq 1 ] || fail "missing device: exit $rc, expected 1"
grep -q "could not be opened" "$tmp/err" || fail "missing device: no clear message: $(cat "$tmp/err")"

# --- a clean image file --------------------------------------------------------
head -c $((8 * 1048576 + 512)) /dev/urandom > "$tmp/clean.img"
sum=$(sha256sum < "$tmp/clean.img")
"$bin" --log "$tmp/log" scan --json "$tmp/clean.img" > "$tmp/clean.json" ||
	fail "clean image: exit $?"
[ "$(sha256sum < "$tmp/clean.img")" = "$sum" ] || fail "clean image changed"
[ "$(json "$tmp/clean.json" 'j["complete"] and j["bad_sectors"] == 0 and j["error"] is None')" = True ] ||
	fail "clean image: $(cat "$tmp/clean.json")"
[ "$(json "$tmp/clean.json" 'sum(j["histogram"].values())')" = 3 ] || fail "clean image: histogram"
[ "$(json "$tmp/clean.json" 'j["bytes_read"]')" = $((8 * 1048576 + 512)) ] || fail "clean image: bytes"
"$bin" --log "$tmp/log" scan "$tmp/clean.img" > "$tmp/clean.txt" || fail "clean image, text: exit $?"
grep -q "No unreadable sectors were found." "$tmp/clean.txt" || fail "clean image text: $(cat "$tmp/clean.txt")"

# --- a disk with unreadable sectors ---------------------------------------------
if [ "$(id -u)" != 0 ] || [ ! -w /dev/fuse ]; then
	echo "needs root and /dev/fuse for the unreadable-sector part"
	exit 77
fi
[ -x "$serve" ] || fail "$serve is missing (make builds it with the unit tests)"

# start_server ARGS...: serve $backing as $mnt/disk.img.
backing=$tmp/disk.img
start_server() {
	rm -f "$tmp/stats"
	"$serve" --serve "$mnt" "$backing" --stats "$tmp/stats" "$@" > "$tmp/serve.out" &
	server=$!
	i=0
	while [ "$(stat -c %s "$mnt/disk.img" 2>/dev/null || echo 0)" = 0 ]; do
		i=$((i + 1)); [ $i -lt 300 ] || fail "the FUSE server did not start"
		sleep 0.05
	done
}
stop_server() {
	umount -l "$mnt" 2>/dev/null || true
	# Unmounted, the server writes its stats and exits by itself.
	i=0
	while kill -0 "$server" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	server=
	if [ -f "$tmp/stats" ]; then
		grep -q '^writes 0$' "$tmp/stats" || fail "the scan wrote to the disk: $(cat "$tmp/stats")"
	fi
}

# 16 MiB MBR disk: partition 1 at sectors 2048-16383, partition 2 at 16384-32767.
head -c $((16 * 1048576)) /dev/urandom > "$tmp/disk.img"
printf 'label: dos\nstart=2048, size=14336, type=7\nstart=16384, size=16384, type=7\n' |
	sfdisk -q "$tmp/disk.img" >/dev/null
sum=$(sha256sum < "$tmp/disk.img")

start_server --bad 4096:2 --bad 20000:1 --slow 30000:1:700
rc=0; "$bin" --log "$tmp/log" scan --json "$mnt/disk.img" > "$tmp/bad.json" || rc=$?
[ $rc -eq 1 ] || fail "bad sectors: exit $rc, expected 1"
[ "$(json "$tmp/bad.json" '[(b["sector"], b["count"], b["partition"], b["partition_offset"], b["error"]) for b in j["bad"]]')" = \
  "[(4096, 2, 1, 1048576, 'EIO'), (20000, 1, 2, 1851392, 'EIO')]" ] ||
	fail "bad sectors: $(json "$tmp/bad.json" 'j["bad"]')"
[ "$(json "$tmp/bad.json" 'j["bad_sectors"], j["complete"], j["histogram"]["error"], sum(j["histogram"].values())')" = \
  "(3, True, 2, 4)" ] || fail "bad sectors: summary $(cat "$tmp/bad.json")"
[ "$(json "$tmp/bad.json" 'j["skipped_sectors"], j["skipped"]')" = "(0, [])" ] || fail "bad sectors: skipped"
[ "$(json "$tmp/bad.json" '[(s["sector"], s["count"], s["partition"], s["ms"] >= 700) for s in j["slow"]]')" = \
  "[(24576, 8192, 2, True)]" ] || fail "slow area: $(json "$tmp/bad.json" 'j["slow"]')"
rc=0; "$bin" --log "$tmp/log" scan "$mnt/disk.img" > "$tmp/bad.txt" || rc=$?
[ $rc -eq 1 ] || fail "bad sectors, text: exit $rc"
grep -q "^3 unreadable sectors were found:" "$tmp/bad.txt" || fail "text: $(cat "$tmp/bad.txt")"
grep -q "sectors 4096-4097 (partition 1)" "$tmp/bad.txt" || fail "text: $(cat "$tmp/bad.txt")"
grep -q "sector 20000 (partition 2)" "$tmp/bad.txt" || fail "text: $(cat "$tmp/bad.txt")"
grep -q "Back up your files now" "$tmp/bad.txt" || fail "text: no advice"
stop_server

# --- Ctrl-C keeps partial results ------------------------------------------------
# A 24 MiB disk whose last 8 MiB lie outside both partitions: block 4 (sectors
# 32768-40959) reads slowly (400 ms per 1 MiB request) so Ctrl-C lands mid-scan, and
# reading the partition table afterwards does not wade through the slow area.
head -c $((24 * 1048576)) /dev/urandom > "$tmp/disk2.img"
printf 'label: dos\nstart=2048, size=14336, type=7\nstart=16384, size=16384, type=7\n' |
	sfdisk -q "$tmp/disk2.img" >/dev/null
sum2=$(sha256sum < "$tmp/disk2.img")
backing=$tmp/disk2.img
start_server --bad 100:1 --slow 32768:8192:400
"$bin" --log "$tmp/log" scan --json "$mnt/disk.img" > "$tmp/cancel.json" 2>"$tmp/cancel.err" &
scan=$!
sleep 1
kill -INT $scan
rc=0; wait $scan || rc=$?
[ $rc -eq 1 ] || fail "cancel: exit $rc, expected 1"
[ "$(json "$tmp/cancel.json" 'j["cancelled"], j["complete"], j["error"]["code"]')" = \
  "(True, False, 'WR_ERR_ABORTED')" ] || fail "cancel: $(cat "$tmp/cancel.json")"
[ "$(json "$tmp/cancel.json" '0 < j["bytes_read"] < j["length"]')" = True ] || fail "cancel: bytes"
[ "$(json "$tmp/cancel.json" 'sum(j["histogram"].values()) * j["block_size"] >= j["bytes_read"]')" = True ] ||
	fail "cancel: histogram"
[ "$(json "$tmp/cancel.json" '[b["sector"] for b in j["bad"]]')" = "[100]" ] || fail "cancel: bad list"
stop_server
[ "$(sha256sum < "$tmp/disk2.img")" = "$sum2" ] || fail "the second disk image changed"
backing=$tmp/disk.img

# --- the disk disappears at 8 MiB ------------------------------------------------
start_server --bad 100:1 --die-at $((8 * 1048576))
rc=0; "$bin" --log "$tmp/log" scan --json "$mnt/disk.img" > "$tmp/gone.json" 2>"$tmp/gone.err" || rc=$?
[ $rc -eq 1 ] || fail "gone: exit $rc, expected 1"
grep -q "The disk stopped responding or was disconnected" "$tmp/gone.err" ||
	fail "gone: no clear message: $(cat "$tmp/gone.err")"
[ "$(json "$tmp/gone.json" 'j["error"]["code"], j["complete"], j["bytes_read"], [b["sector"] for b in j["bad"]]')" = \
  "('WR_ERR_DEVICE_GONE', False, 8388608, [100])" ] || fail "gone: $(cat "$tmp/gone.json")"
stop_server

[ "$(sha256sum < "$tmp/disk.img")" = "$sum" ] || fail "the disk image changed"
echo "ok"
