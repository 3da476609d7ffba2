#!/bin/sh
# image.sh - `winrescue image create` against `wimlib-imagex capture` of the same
# volume in the same run, with the same exclusions (the list winrescue uses), the same
# compression (LZX) and an integrity table; then a second create of the unchanged
# system against the first.  Targets: create <= 1.1 x wimcapture (timed with the
# file flushed to disk, as winrescue does before renaming it into place); the second
# create >= 10 x faster than the first.  Each capture is timed three times,
# alternating; the best of each counts (the machine is shared), and every time is
# printed.
#
# The system part of the volume is real, varied files copied in from this machine
# (compiler binaries, message catalogues, Python sources: BENCH_TREES, about 450 MB
# in 9000 files), so that the capture, not fixed costs, is measured, on data that
# compresses as programs and text do.  The users' files (BENCH_SIZE of them,
# excluded from the image) make the volume a realistic size.
#   BENCH_SIZE=1200M BENCH_TREES="/usr/lib/gcc" tests/bench/image.sh
set -eu
export LC_ALL=C

top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$top/${BUILD:-build}/winrescue"
[ -x "$bin" ] || { echo "build winrescue first ($bin)"; exit 1; }
size=${BENCH_SIZE:-1200M}
trees=${BENCH_TREES:-/usr/lib/gcc /usr/share/locale /usr/lib/python3}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/wr-bench-image-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

BUILD=${BUILD:-build} "$top/tests/fixtures/build-pc.sh" --size "$size" --layout gpt \
	--out "$tmp/pc" >/dev/null
# System files too (the user data is excluded): the trees under \Program Files\Bench
# (regular files with plain names; links and odd names are left out).
for d in $trees; do
	[ -d "$d" ] || continue
	find "$d" -type f -readable | grep '^[A-Za-z0-9_./+-]*$' |
		awk '{ printf "copy \"Program Files/Bench%s\" \"%s\"\n", $0, $0 }'
done >"$tmp/spec"
[ -s "$tmp/spec" ] || { echo "no files under $trees"; exit 1; }
"$top/${BUILD:-build}/tools/mkvolume" "$tmp/pc/windows.img" <"$tmp/spec" >/dev/null
vol=$tmp/pc/windows.img
sys_files=$(wc -l <"$tmp/spec")
sys_bytes=$(sed 's/.*" "//; s/"$//' "$tmp/spec" | tr '\n' '\0' | xargs -0 stat -c %s | awk '{ s += $1 } END { print s }')

# The same exclusion list winrescue writes (wr_recimg_exclusions; the fixture's
# profiles are all under \Users).
cat >"$tmp/config.txt" <<'EOF'
[ExclusionList]
\pagefile.sys
\hiberfil.sys
\swapfile.sys
\Windows.old
\Windows.old.*
\System Volume Information
\$Recycle.Bin
\$WinRescue
\Users\*

[ExclusionException]
\Users\Default
\Users\Public
\Users\All Users
\Users\Default User
\Users\desktop.ini
EOF

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }
min() { echo "if ($1 < $2) $1 else $2" | bc -l; }

drop_caches() {
	sync
	[ -w /proc/sys/vm/drop_caches ] && echo 3 > /proc/sys/vm/drop_caches || true
}

wimcapture_time() {
	rm -f "$tmp/ref.wim"
	drop_caches
	t0=$(now)
	WIMLIB_IMAGEX_IGNORE_CASE=1 wimlib-imagex capture "$vol" "$tmp/ref.wim" "Reference" \
		--config="$tmp/config.txt" --compress=LZX --check >/dev/null 2>&1
	# winrescue flushes the new file to the disk before renaming it into place.
	sync "$tmp/ref.wim"
	elapsed "$t0" "$(now)"
}

create_time() {	# create_time DIR
	drop_caches
	t0=$(now)
	"$bin" --log "$tmp/log" image create --target "$vol" --dir "$1" >/dev/null 2>&1
	elapsed "$t0" "$(now)"
}

best_ref=999999 best_first=999999 all_ref= all_first= all_second=
for i in 1 2 3; do
	t=$(wimcapture_time); best_ref=$(min "$best_ref" "$t"); all_ref="$all_ref $t"
	rm -rf "$tmp/out"; mkdir "$tmp/out"
	t=$(create_time "$tmp/out"); best_first=$(min "$best_first" "$t"); all_first="$all_first $t"
done
ref_size=$(stat -c %s "$tmp/ref.wim")
first_size=$(stat -c %s "$tmp/out/CustomRefresh.wim")
# The second create of the unchanged system (twice, on copies of the first file).
best_second=999999
cp "$tmp/out/CustomRefresh.wim" "$tmp/first.wim"
for i in 1 2; do
	cp "$tmp/first.wim" "$tmp/out/CustomRefresh.wim"
	t=$(create_time "$tmp/out"); best_second=$(min "$best_second" "$t")
	all_second="$all_second $t"
done
second_growth=$(( $(stat -c %s "$tmp/out/CustomRefresh.wim") - first_size ))

ratio=$(echo "$best_first / $best_ref" | bc -l)
speedup=$(echo "$best_first / $best_second" | bc -l)
printf 'system captured: %d files, %d bytes of real files (+ the fixture'"'"'s)\n' \
	"$sys_files" "$sys_bytes"
printf 'wimlib-imagex capture: %.2f s (%d bytes; runs:%s)\n' "$best_ref" "$ref_size" "$all_ref"
printf 'image create (first):  %.2f s (%d bytes; runs:%s)\n' "$best_first" "$first_size" \
	"$all_first"
printf 'image create (second, unchanged system): %.2f s, file grew by %d bytes (runs:%s)\n' \
	"$best_second" "$second_growth" "$all_second"
printf 'create / wimcapture = %.3f (target <= 1.1)\n' "$ratio"
printf 'first / second create = %.1f x (target >= 10)\n' "$speedup"
ok=1
[ "$(echo "$ratio <= 1.1" | bc -l)" = 1 ] || { echo "FAIL: create is slower than 1.1 x wimcapture"; ok=0; }
[ "$(echo "$speedup >= 10" | bc -l)" = 1 ] || { echo "FAIL: the second create is not 10 x faster"; ok=0; }
[ $ok = 1 ]
