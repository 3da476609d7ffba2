#!/bin/sh
# t-scan-file.sh - an unreadable sector inside Windows' SYSTEM hive is reported with
# the file that holds it, the way a helpdesk needs to hear it ("the disk cannot read
# part of Windows\System32\config\SYSTEM": that is why Windows does not start).
# The synthetic PC's GPT disk is served by the faulty FUSE file of test_surface with
# one bad sector in the middle of the hive; where the hive lies is asked of
# ntfscluster (ntfs-3g's own tool), not of winrescue.  Nothing may be written.
set -eu
: "${WINRESCUE_BIN:?}" "${WINRESCUE_TOP:?}" "${BUILD:?}"
bin=$WINRESCUE_BIN
serve="$WINRESCUE_TOP/$BUILD/tests/test_surface"
tmp=$(mktemp -d /tmp/wr-t-scanfile-XXXXXX)
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
fail() { echo "FAIL: $*"; exit 1; }
if [ "$(id -u)" != 0 ] || [ ! -w /dev/fuse ]; then
	echo "needs root and /dev/fuse to serve a disk with unreadable sectors"
	exit 77
fi
[ -x "$serve" ] || fail "$serve is missing (make builds it with the unit tests)"
mkdir "$mnt"

"$WINRESCUE_TOP/tests/fixtures/build-pc.sh" --size small --layout gpt --out "$tmp/pc" >/dev/null
part=$(python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['gpt']['partitions'][2]; print(p['start'])" "$tmp/pc/manifest.json")
lcn=$(ntfscluster -F /Windows/System32/config/SYSTEM "$tmp/pc/windows.img" | awk '/LCN/ {getline; print $2; exit}')
[ -n "$lcn" ] || fail "ntfscluster found no clusters for the SYSTEM hive"
cs=$(ntfsinfo -m "$tmp/pc/windows.img" | awk '/Cluster Size:/ {print $3; exit}')
bad=$(( (part + lcn * cs) / 512 + 3 ))
sum=$(sha256sum <"$tmp/pc/pc.img")

"$serve" --serve "$mnt" "$tmp/pc/pc.img" --stats "$tmp/stats" --bad "$bad:1" >"$tmp/serve.out" &
server=$!
i=0
while [ "$(stat -c %s "$mnt/disk.img" 2>/dev/null || echo 0)" = 0 ]; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "the FUSE server did not start"
	sleep 0.05
done
rc=0; "$bin" --log "$tmp/log" scan --json "$mnt/disk.img" >"$tmp/scan.json" || rc=$?
[ $rc -eq 1 ] || fail "scan: exit $rc, expected 1 (bad sectors)"
python3 - "$tmp/scan.json" "$bad" <<'PY' || fail "scan: $(cat "$tmp/scan.json")"
import json, sys
j = json.load(open(sys.argv[1]))
bad = j["bad"]
assert len(bad) == 1 and bad[0]["sector"] == int(sys.argv[2]) and bad[0]["count"] == 1, bad
assert bad[0]["partition"] == 3, bad
assert bad[0]["file"] == "\\Windows\\System32\\config\\SYSTEM", bad[0]["file"]
PY
rc=0; "$bin" --log "$tmp/log" --lang ja scan "$mnt/disk.img" >"$tmp/scan.txt" || rc=$?
grep -q 'Windows\\System32\\config\\SYSTEM' "$tmp/scan.txt" || fail "text: $(cat "$tmp/scan.txt")"
umount -l "$mnt" 2>/dev/null || true
i=0; while kill -0 "$server" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=
grep -q '^writes 0$' "$tmp/stats" || fail "the scan wrote to the disk: $(cat "$tmp/stats")"
[ "$(sha256sum <"$tmp/pc/pc.img")" = "$sum" ] || fail "the disk image changed"
echo "t-scan-file: the bad sector was mapped to the SYSTEM hive"
