#!/bin/sh
# refresh.sh - the refresh's speed and memory targets, in one run, on the synthetic PC's
# Windows volume (an image file: no loop device, no mount):
#   1. a refresh of a volume whose users hold BENCH_BIG (default 10G) of files takes at
#      most 1.2 x the refresh of the same installation holding a few MB (user files are
#      renamed in place, never copied, so their amount must not count);
#   2. the refresh's apply step (its log's "applying image" to "applied image") takes
#      at most 1.1 x the peer doing the same job: `mkntfs -Q` of a fresh volume of the
#      same size, then `wimlib-imagex apply` of the same image;
#   3. the peak memory (largest resident set of winrescue and everything it ran) stays
#      under 300 MB for both volumes.
# The image is the synthetic install.wim with a few hundred MB of real, varied files
# added to index 1 (BENCH_TREES), so that the apply is measured, not fixed costs; both
# volumes are grown by 2 GiB (ntfsresize) to hold it.  Each case runs BENCH_RUNS times
# (default 2) on a fresh copy with cold caches; medians count, every time is printed.
#   BENCH_BIG=2G BENCH_RUNS=1 tests/bench/refresh.sh
set -eu
export LC_ALL=C

top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$top/${BUILD:-build}/winrescue"
[ -x "$bin" ] || { echo "build winrescue first ($bin)"; exit 1; }
for t in mkntfs ntfsresize wimlib-imagex python3; do
	command -v $t >/dev/null || { echo "refresh.sh needs $t"; exit 1; }
done
runs=${BENCH_RUNS:-2}
big=${BENCH_BIG:-10G}
trees=${BENCH_TREES:-/usr/lib/gcc /usr/share/locale /usr/lib/python3}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/wr-bench-refresh-XXXXXX")
cleanup() {
	if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM

# The two installations: the same Windows, a few MB or $big of user files.
for case in small big; do
	size=small
	[ $case = small ] || size=$big
	BUILD=${BUILD:-build} "$top/tests/fixtures/build-pc.sh" --size "$size" --layout gpt \
		--out "$tmp/$case" >/dev/null
	rm -f "$tmp/$case/pc.img"
	vol=$tmp/$case/windows.img
	bytes=$(stat -c %s "$vol")
	truncate -s $((bytes + 2147483648)) "$vol"
	ntfsresize -f -f -P -s $((bytes + 2147483648)) "$vol" >/dev/null 2>&1 ||
		{ echo "ntfsresize could not grow the $case volume"; exit 1; }
done
wim=$tmp/bench.wim
cp "$tmp/small/install.wim" "$wim"
cmds=
for d in $trees; do
	[ -d "$d" ] || continue
	cmds="$cmds
add $d \"/Program Files/Bench$d\""
done
printf '%s\n' "$cmds" | wimlib-imagex update "$wim" 1 >/dev/null
img_bytes=$(wimlib-imagex info "$wim" 1 | awk -F': *' '/^Total Bytes/ { print $2 }')
img_files=$(wimlib-imagex info "$wim" 1 | awk -F': *' '/^File Count/ { print $2 }')

# timed OUT CMD...: run CMD; "WALL CPU MAXRSS-KB" into OUT (CPU and the largest
# resident set of it and everything it waited for).
timed() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
out = sys.argv[1]
t0 = time.monotonic()
rc = subprocess.call(sys.argv[2:])
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    f.write("%.3f %.3f %d\n" % (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss))
sys.exit(rc)
PY
}
cold() {
	sync
	[ -w /proc/sys/vm/drop_caches ] && echo 3 > /proc/sys/vm/drop_caches || true
}
# The seconds between the log's "applying image" and "applied image" lines.
apply_secs() {
	python3 - "$1" <<'PY'
import datetime, re, sys
ts = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z (\S+) (applying|applied) image", line)
    if m:
        ts[m.group(3)] = datetime.datetime.fromisoformat(m.group(1))
print("%.3f" % (ts["applied"] - ts["applying"]).total_seconds())
PY
}

refresh_run() {	# refresh_run CASE: "WALL CPU MAXRSS APPLY"
	rm -f "$tmp/run.img" "$tmp/refresh.log"
	cp --sparse=always "$tmp/$1/windows.img" "$tmp/run.img"
	cold
	IMG="$tmp/run.img" timed "$tmp/t" sh -c '"$@" >"$0" 2>&1 && sync "$IMG"' \
		"$tmp/refresh.out" "$bin" --log "$tmp/refresh.log" refresh --target "$tmp/run.img" \
		--source "$wim" --index 1 --yes ||
		{ tail -20 "$tmp/refresh.out" >&2; echo "FAIL: refresh ($1) failed" >&2; exit 1; }
	echo "$(cat "$tmp/t") $(apply_secs "$tmp/refresh.log")"
}
peer_run() {	# "WALL CPU MAXRSS" of mkntfs -Q + wimapply on a fresh volume of that size
	rm -f "$tmp/run.img"
	truncate -s "$(stat -c %s "$tmp/small/windows.img")" "$tmp/run.img"
	cold
	IMG="$tmp/run.img" WIM="$wim" timed "$tmp/t" sh -c \
		'mkntfs -Q -F "$IMG" >/dev/null 2>&1 && wimlib-imagex apply "$WIM" 1 "$IMG" >/dev/null && sync "$IMG"' ||
		{ echo "FAIL: the peer failed" >&2; exit 1; }
	cat "$tmp/t"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

s_wall= b_wall= s_apply= b_apply= p_wall= s_rss=0 b_rss=0
i=0
while [ $i -lt "$runs" ]; do
	set -- $(refresh_run small); s_wall="$s_wall $1"; s_apply="$s_apply $4"
	[ "$3" -le "$s_rss" ] || s_rss=$3
	set -- $(refresh_run big); b_wall="$b_wall $1"; b_apply="$b_apply $4"
	[ "$3" -le "$b_rss" ] || b_rss=$3
	set -- $(peer_run); p_wall="$p_wall $1"
	i=$((i + 1))
done
sw=$(echo "$s_wall" | median) bw=$(echo "$b_wall" | median)
sa=$(echo "$s_apply" | median) ba=$(echo "$b_apply" | median) pw=$(echo "$p_wall" | median)
user_ratio=$(awk -v a="$bw" -v b="$sw" 'BEGIN { printf "%.3f", a / b }')
apply_ratio=$(awk -v a="$sa" -v b="$ba" -v p="$pw" 'BEGIN { printf "%.3f", (a > b ? a : b) / p }')
users() { python3 -c "import json, sys; print(sum(f.get('size', 0) for f in json.load(open(sys.argv[1]))))" "$tmp/$1/files.json"; }
printf 'image: index 1 of %s: %s files, %s bytes\n' "$(basename "$wim")" "$img_files" "$img_bytes"
printf 'user files: small %s bytes, big %s bytes\n' "$(users small)" "$(users big)"
printf 'refresh, small: median %s s (runs:%s), apply %s s (runs:%s), peak %d MB\n' \
	"$sw" "$s_wall" "$sa" "$s_apply" $((s_rss / 1024))
printf 'refresh, big:   median %s s (runs:%s), apply %s s (runs:%s), peak %d MB\n' \
	"$bw" "$b_wall" "$ba" "$b_apply" $((b_rss / 1024))
printf 'mkntfs -Q + wimapply: median %s s (runs:%s)\n' "$pw" "$p_wall"
printf 'refresh big / small = %s (target <= 1.2)\n' "$user_ratio"
printf 'refresh apply step / (mkntfs + wimapply), the slower of the two = %s (target <= 1.1)\n' "$apply_ratio"
printf 'peak memory: %d MB (target < 300 MB)\n' $(( (s_rss > b_rss ? s_rss : b_rss) / 1024 ))
fail=0
awk -v r="$user_ratio" 'BEGIN { exit !(r <= 1.2) }' || { echo "FAIL: user data slows the refresh down"; fail=1; }
awk -v r="$apply_ratio" 'BEGIN { exit !(r <= 1.1) }' || { echo "FAIL: the apply is slower than 1.1 x the peer"; fail=1; }
[ $(( (s_rss > b_rss ? s_rss : b_rss) / 1024 )) -lt 300 ] || { echo "FAIL: peak memory 300 MB or more"; fail=1; }
exit $fail
