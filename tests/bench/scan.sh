#!/bin/sh
# scan.sh - `winrescue scan` read speed against the raw sequential read speed of
# `dd iflag=direct bs=4M` on the same image (and, as root, the same loop device), in
# the same run.  Target: scan >= 0.90 x dd.  Each is measured three times, alternating,
# with caches dropped before each run where we may; the best of each counts (the
# machine is shared, so the best run is the least disturbed one).
#   BENCH_MB=1024 tests/bench/scan.sh      (default 512 MiB)
set -eu
export LC_ALL=C

top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$top/${BUILD:-build}/winrescue"
[ -x "$bin" ] || { echo "build winrescue first ($bin)"; exit 1; }
mb=${BENCH_MB:-512}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/wr-bench-scan-XXXXXX")
loop=
cleanup() {
	[ -z "$loop" ] || losetup -d "$loop" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

drop_caches() {
	sync
	[ -w /proc/sys/vm/drop_caches ] && echo 3 > /proc/sys/vm/drop_caches || true
}

# dd's own bytes/second: "N bytes (...) copied, T s, ..."
dd_speed() {
	drop_caches
	dd if="$1" of=/dev/null iflag=direct bs=4M 2>&1 |
		awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "copied,") t = $(i + 1);
				printf "%.0f\n", $1 / t }'
}

scan_speed() {
	drop_caches
	"$bin" --log "$tmp/log" scan --json "$1" > "$tmp/scan.json" || {
		echo "scan failed on $1" >&2; cat "$tmp/scan.json" >&2; exit 1; }
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["complete"] and j["direct_io"]; print(j["bytes_per_second"])' "$tmp/scan.json"
}

# measure TARGET: prints "dd_best scan_best"
measure() {
	best_dd=0 best_scan=0
	for i in 1 2 3; do
		s=$(dd_speed "$1"); [ "$s" -gt "$best_dd" ] && best_dd=$s
		s=$(scan_speed "$1"); [ "$s" -gt "$best_scan" ] && best_scan=$s
	done
	echo "$best_dd $best_scan"
}

report() {
	echo "$1 $2" | awk -v what="$3" '{ r = $2 / $1;
		printf "%-12s dd iflag=direct bs=4M: %7.1f MB/s   winrescue scan: %7.1f MB/s   ratio %.3f\n",
		       what, $1 / 1e6, $2 / 1e6, r; exit !(r >= 0.90) }'
}

head -c $((mb * 1048576)) /dev/urandom > "$tmp/disk.img"
echo "image: $mb MiB in $tmp"
status=0
set -- $(measure "$tmp/disk.img")
report "$1" "$2" "image file" || status=1
if [ "$(id -u)" = 0 ] && loop=$(losetup -f --show "$tmp/disk.img" 2>/dev/null); then
	set -- $(measure "$loop")
	report "$1" "$2" "loop device" || status=1
else
	echo "loop device: skipped (needs root and a free loop device)"
fi
[ $status -eq 0 ] && echo "target met (>= 0.90)" || echo "target NOT met (< 0.90)"
exit $status
