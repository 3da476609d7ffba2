#!/bin/sh
# reset.sh - `winrescue reset --target DISK --partition N --source WIM --yes` against
# what the peer tools do for the same job on the same disk and the same image:
# `mkntfs -Q` of the partition, then `wimapply WIM 1 PARTITION` (reset also writes the
# boot files and the BCD, and keeps a journal: that is its overhead).  Target: reset
# within 1.1 x the peer.
#
# The image is the synthetic PC's install.wim with a few hundred MB of real, varied
# files added to index 1 (compiler binaries, message catalogues, Python sources:
# BENCH_TREES), so that the apply, not fixed costs, is measured.  Each side runs
# BENCH_RUNS times (default 3), alternating, on a fresh copy of the disk with cold
# caches; the median of each counts and every time is printed.
#   BENCH_RUNS=5 BENCH_TREES="/usr/share/doc" tests/bench/reset.sh
# BENCH_KEEP=1 keeps the temporary folder (the image, the disk, reset's log) and
# prints its name, to look at where the time went.
set -eu
export LC_ALL=C

top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$top/${BUILD:-build}/winrescue"
[ -x "$bin" ] || { echo "build winrescue first ($bin)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "reset.sh needs root (loop devices for the partition)"; exit 1; }
for t in mkntfs wimlib-imagex losetup sfdisk python3; do
	command -v $t >/dev/null || { echo "reset.sh needs $t"; exit 1; }
done
runs=${BENCH_RUNS:-3}
trees=${BENCH_TREES:-/usr/lib/gcc /usr/share/locale /usr/lib/python3}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/wr-bench-reset-XXXXXX")
cleanup() {
	if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM
export WINRESCUE_STATE_DIR="$tmp/state"

# A Windows partition big enough for the image (the user data makes it grow).
BUILD=${BUILD:-build} "$top/tests/fixtures/build-pc.sh" --size 600M --layout gpt \
	--out "$tmp/pc" >/dev/null
wim=$tmp/big.wim
cp "$tmp/pc/install.wim" "$wim"
cmds=
for d in $trees; do
	[ -d "$d" ] || continue
	cmds="$cmds
add $d \"/Program Files/Bench$d\""
done
printf '%s\n' "$cmds" | wimlib-imagex update "$wim" 1 >/dev/null
bytes=$(wimlib-imagex info "$wim" 1 | awk -F': *' '/^Total Bytes/ { print $2 }')
files=$(wimlib-imagex info "$wim" 1 | awk -F': *' '/^File Count/ { print $2 }')

part=3
read start size <<EOF
$(sfdisk --json "$tmp/pc/pc.img" | python3 -c "
import json, sys
t = json.load(sys.stdin)['partitiontable']
p = [p for p in t['partitions'] if p['node'].endswith('$part')][0]
s = t.get('sectorsize', 512)
print(p['start'] * s, p['size'] * s)")
EOF
[ "$size" -gt "$bytes" ] || { echo "the Windows partition ($size) is smaller than the image ($bytes)"; exit 1; }

# timed OUT CMD...: run CMD, write "WALL CPU" (seconds; CPU = user + system of it and
# everything it waited for) to OUT.  The CPU time is printed too: on a shared machine
# the wall time of one run can double while the work done does not change.
timed() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
out = sys.argv[1]
t0 = time.monotonic()
rc = subprocess.call(sys.argv[2:])
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    f.write("%.3f %.3f\n" % (wall, ru.ru_utime + ru.ru_stime))
sys.exit(rc)
PY
}
fresh_disk() {
	rm -f "$tmp/disk.img"
	cp --sparse=always "$tmp/pc/pc.img" "$tmp/disk.img"
	rm -rf "$WINRESCUE_STATE_DIR"
	sync
	[ -w /proc/sys/vm/drop_caches ] && echo 3 > /proc/sys/vm/drop_caches || true
}

# The peer, timed as one command: attach the partition, format, apply, detach, flush.
cat >"$tmp/peer.sh" <<'EOF'
set -eu
loop=$(losetup --find --show --offset "$1" --sizelimit "$2" "$3")
mkntfs -Q -F -L Windows "$loop" >/dev/null 2>&1 || { losetup -d "$loop"; exit 1; }
wimlib-imagex apply "$4" 1 "$loop" >/dev/null || { losetup -d "$loop"; exit 1; }
losetup -d "$loop"
sync "$3"
EOF

peer_time() {
	fresh_disk
	timed "$tmp/t" sh "$tmp/peer.sh" "$start" "$size" "$tmp/disk.img" "$wim" ||
		{ echo "FAIL: the peer failed" >&2; exit 1; }
	cat "$tmp/t"
}

reset_time() {
	fresh_disk
	rm -f "$tmp/reset.log"
	# reset flushes what it wrote itself; the sync is the peer's, for the same terms.
	DISK="$tmp/disk.img" timed "$tmp/t" sh -c '"$@" >"$0" 2>&1 && sync "$DISK"' \
		"$tmp/reset.out" "$bin" \
		--log "$tmp/reset.log" reset --target "$tmp/disk.img" --partition $part \
		--source "$wim" --yes ||
		{ cat "$tmp/reset.out" >&2; echo "FAIL: reset failed" >&2; exit 1; }
	cat "$tmp/t"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

peer_all= reset_all= peer_cpu= reset_cpu=
i=0
while [ $i -lt "$runs" ]; do
	set -- $(peer_time); peer_all="$peer_all $1"; peer_cpu="$peer_cpu $2"
	set -- $(reset_time); reset_all="$reset_all $1"; reset_cpu="$reset_cpu $2"
	i=$((i + 1))
done
peer=$(echo "$peer_all" | median)
mine=$(echo "$reset_all" | median)
pcpu=$(echo "$peer_cpu" | median)
rcpu=$(echo "$reset_cpu" | median)
ratio=$(awk -v a="$mine" -v b="$peer" 'BEGIN { printf "%.3f", a / b }')
cratio=$(awk -v a="$rcpu" -v b="$pcpu" 'BEGIN { printf "%.3f", a / b }')
printf 'image: index 1 of %s: %s files, %s bytes (%s MB compressed)\n' "$(basename "$wim")" \
	"$files" "$bytes" "$(( $(stat -c %s "$wim") / 1048576 ))"
printf 'mkntfs -Q + wimapply: median %s s (runs:%s), CPU %s s (runs:%s)\n' "$peer" "$peer_all" \
	"$pcpu" "$peer_cpu"
printf 'winrescue reset:      median %s s (runs:%s), CPU %s s (runs:%s)\n' "$mine" "$reset_all" \
	"$rcpu" "$reset_cpu"
printf 'reset / (mkntfs + wimapply) = %s (target <= 1.1); CPU time ratio %s\n' "$ratio" "$cratio"
# Where the last reset's time went, from its log's timestamps.
python3 - "$tmp/reset.log" <<'PY'
import datetime, re, sys
ts = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z (\S+) (.*)", line)
    if m:
        ts.append((datetime.datetime.fromisoformat(m.group(1)), m.group(3)))
def at(pat):
    return next((t for t, msg in ts if re.search(pat, msg)), None)
a, b = at(r"^applying image"), at(r"^applied image")
if ts and a and b:
    print("last reset, from its log: %.2f s before the apply, %.2f s applying, %.2f s after"
          % ((a - ts[0][0]).total_seconds(), (b - a).total_seconds(),
             (ts[-1][0] - b).total_seconds()))
PY
awk -v r="$ratio" 'BEGIN { exit !(r <= 1.1) }' || { echo "FAIL: reset is slower than 1.1 x the peer"; exit 1; }
