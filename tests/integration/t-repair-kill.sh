#!/bin/bash
# t-repair-kill.sh - a repair killed at any point leaves the old state or the new one,
# and `winrescue resume` or running the repair again finishes it, ending exactly
# where an uninterrupted run ends.  For every repair:
#   registry     WINRESCUE_FAULT_AFTER=N (SIGKILL after the N-th repair-journal
#                record) for every N, then RANDOM_KILLS (default 10) SIGKILLs at random
#                moments; after each kill, from outside the engine (ntfsdump, ntfscat,
#                hivexsh): every hive name holds the old hive or RegBack's copy, whole;
#                every hive already replaced has its old one kept aside; the .LOG files
#                are at their old name or kept aside, unchanged; ntfsfix -n is happy.
#                Then resume (odd cases) or `repair registry` again (even cases), and
#                the config folder (names with the date suffix normalised, sizes,
#                sha256) equals an uninterrupted run's, no journal is left.
#   boot         GPT (ESP through mtools) and MBR (System Reserved through ntfs):
#                WINRESCUE_FAULT_BOOT_AFTER=N for every step (backup's temporary copy,
#                backup, each boot file, new store under its temporary name, rename)
#                and random kills; after each the BCD (mcopy / ntfscat) is the old
#                store or the new one, a backup name holds the whole old store,
#                fsck.fat -n / ntfsfix -n are happy; a second run gives the same BCD
#                and boot files as an uninterrupted run and leaves no temporary copy.
#   hibernation, dirty: one write each - killed after opening the volume and after
#                the write (WINRESCUE_FAULT_AFTER=1, 2) and at random moments: the
#                hiberfil.sys / the dirty flag (ntfsinfo -m) is the old or the new, the
#                volume checks clean, a rerun succeeds and the volume equals an
#                uninterrupted run's (ntfsdump).
# The random kills stop the winrescue process only, as t-refresh-kill.sh does; an
# mtools helper it was running finishes its own write (and is waited for).
# tests/run-tests.sh starts scripts with sh; this one is written for bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; tools="$top/${BUILD:-build}/tools"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
random_kills=${RANDOM_KILLS:-10}
parts=${REPAIR_KILL_PARTS:-registry boot hibernation dirty}	# a subset while debugging
want() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }
export MTOOLS_SKIP_CHECK=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}intercept_strchr=0"
for t in ntfscat ntfsls ntfsfix ntfsinfo hivexsh hivexregedit mcopy mdir fsck.fat python3 setsid pgrep; do
	command -v $t >/dev/null || { echo "$t is not installed"; exit 77; }
done
log="--log $tmp/kill.log"
CFG=/Windows/System32/config
HIVES="SYSTEM SOFTWARE SAM SECURITY DEFAULT"

"$top/tests/fixtures/build-pc.sh" --out "$tmp/pc" --layout both >/dev/null
if want hibernation; then
	"$top/tests/fixtures/build-pc.sh" --out "$tmp/hib" --hiberfil --layout gpt >/dev/null
	rm -f "$tmp"/hib/pc.img "$tmp"/hib/*.wim
fi
if want dirty; then
	"$top/tests/fixtures/build-pc.sh" --out "$tmp/dirty" --dirty --layout gpt >/dev/null
	rm -f "$tmp"/dirty/pc.img "$tmp"/dirty/*.wim
fi

sum() { sha256sum | cut -d' ' -f1; }
# A random delay in seconds, below $1 milliseconds.
delay() { printf '%d.%03d' $(( $(od -An -N2 -tu2 /dev/urandom) % $1 / 1000 )) $(( $(od -An -N2 -tu2 /dev/urandom) % $1 % 1000 )); }
# Run "$@" in the background, SIGKILL it after a random delay below $ms milliseconds.
# In its own session, so that the helpers it was running (mtools) can be waited for:
# they finish their own write, and nothing may touch the image while the test looks.
kill_randomly() {
	setsid "$@" </dev/null >/dev/null 2>&1 &
	local pid=$! n=0
	sleep "$(delay "$ms")"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	while pgrep -s $pid >/dev/null && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
}
# Milliseconds "$@" takes.
time_ms() {
	local a b; a=$(date +%s%N); "$@" </dev/null >/dev/null 2>&1 || true; b=$(date +%s%N)
	echo $(( (b - a) / 1000000 + 1 ))
}
fault_run() {	# fault_run VAR N CMD...: the command must die by SIGKILL
	local var=$1 n=$2 st; shift 2
	set +e; { (env "$var=$n" "$@" </dev/null >"$tmp/out" 2>&1); st=$?; } 2>/dev/null; set -e
	[ $st -eq 137 ] || { cat "$tmp/out"; fail "$var=$n: exit $st, not killed"; }
}

# ==== registry ======================================================================
if want registry; then
reg0=$tmp/reg0.img
cp --sparse=always "$tmp/pc/windows.img" "$reg0"
head -c 20480 /dev/urandom >"$tmp/junk"
# SYSTEM damaged; transaction logs beside SYSTEM and SOFTWARE (they go aside too).
printf '%s\n' "rewrite \"Windows/System32/config/SYSTEM\" $tmp/junk" \
	'file "Windows/System32/config/SYSTEM.LOG1" 8K 11' \
	'file "Windows/System32/config/SYSTEM.LOG2" 4K 12' \
	'file "Windows/System32/config/SOFTWARE.LOG1" 8K 13' | "$tools/mkvolume" "$reg0"
# The other hives: readable, but newer than their RegBack copies (a key added).
for h in SOFTWARE SAM SECURITY DEFAULT; do
	ntfscat "$reg0" "$CFG/$h" >"$tmp/$h"
	printf 'add WinRescueKillTest\ncommit\n' | hivexsh -w "$tmp/$h" >/dev/null
	echo "rewrite \"Windows/System32/config/$h\" $tmp/$h"
done | "$tools/mkvolume" "$reg0"
declare -A old new
for h in $HIVES; do
	old[$h]=$(ntfscat "$reg0" "$CFG/$h" | sum)
	ntfscat "$reg0" "$CFG/RegBack/$h" >"$tmp/rb"
	new[$h]=$(sum <"$tmp/rb")
	hivexsh "$tmp/rb" </dev/null >/dev/null 2>&1 || fail "RegBack/$h does not parse with hivexsh"
	[ "${old[$h]}" != "${new[$h]}" ] || fail "fixture: $h equals its RegBack copy"
done
for l in SYSTEM.LOG1 SYSTEM.LOG2 SOFTWARE.LOG1; do old[$l]=$(ntfscat "$reg0" "$CFG/$l" | sum); done

# config folder as path, kind, size, sha256 - the restore's date suffix normalised.
cfg_state() {
	"$tools/ntfsdump" "$1" | awk -F'\t' -v c="$CFG/" 'index($1, c) == 1 && substr($1, length(c) + 1) !~ /\// { print $1 "\t" $3 "\t" $4 "\t" $5 }' |
		sed -E 's/\.winrescue-[0-9]{8}-[0-9]{6}(-[0-9]{2})?/.winrescue-DATE/; s/winrescue-regback-[0-9]{8}-[0-9]{6}(-[0-9]{2})?\.journal\tf\t[0-9]+\t[0-9a-f]+/winrescue-regback-DATE.journal/' | sort
}
cp --sparse=always "$reg0" "$tmp/r.img"
$bin $log repair registry --target "$tmp/r.img" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "uninterrupted repair registry"; }
cfg_state "$tmp/r.img" >"$tmp/reg.ref"
"$tools/ntfsdump" "$tmp/r.img" --no-hash | cut -f1 | grep -v "^$CFG/" | sort >"$tmp/reg.names.ref"
jname=$(ntfsls "$tmp/r.img" -p "$CFG" | grep '^winrescue-regback-.*\.journal$')
total=$(ntfscat "$tmp/r.img" "$CFG/$jname" | grep -c '^WRJ1 ')
[ "$total" -ge 30 ] || fail "only $total journal records for five hives"
for h in $HIVES; do
	grep -q "^$CFG/$h	f	[0-9]*	${new[$h]}\$" "$tmp/reg.ref" || fail "reference run: $h is not RegBack's copy"
	grep -q "^$CFG/$h.winrescue-DATE	f	[0-9]*	${old[$h]}\$" "$tmp/reg.ref" || fail "reference run: old $h not kept aside"
done
cp --sparse=always "$reg0" "$tmp/t.img"
ms=$(time_ms $bin $log repair registry --target "$tmp/t.img" --yes)
echo "repair registry writes $total journal records, takes ${ms} ms"

window=0 midway=0
reg_check_mid() {	# reg_check_mid LABEL: the state a kill left
	local img=$tmp/r.img h f s aside tmpf last
	"$tools/ntfsdump" "$img" >"$tmp/mid" || fail "$1: the volume cannot be walked"
	for h in $HIVES; do
		s=$(awk -F'\t' -v p="$CFG/$h" '$1 == p && $3 == "f" { print $5 }' "$tmp/mid")
		aside=$(awk -F'\t' -v p="$CFG/$h" 'index($1, p ".winrescue-2") == 1 && $3 == "f" && $1 !~ /\.LOG/ { print $5 }' "$tmp/mid")
		if [ -z "$s" ]; then
			# Only inside the swap's two renames: the record announcing it is the
			# last one, the old hive is kept aside and the staged copy is whole.
			tmpf=$(awk -F'\t' -v p="$CFG/$h.winrescue-new" '$1 == p && $3 == "f" { print $5 }' "$tmp/mid")
			last=$(ntfsls "$img" -p '/$WinRescue/repair-journal' 2>/dev/null | sort | tail -1)
			[ -n "$last" ] && ntfscat "$img" "/\$WinRescue/repair-journal/$last" | grep -q "^WRJ1 [0-9]* swap $h " &&
				[ "$tmpf" = "${new[$h]}" ] && [ "$aside" = "${old[$h]}" ] ||
				fail "$1: $h is missing (staged '$tmpf', aside '$aside', last record '$last')"
			window=$((window + 1))
			continue
		fi
		[ "$s" = "${old[$h]}" ] || [ "$s" = "${new[$h]}" ] || fail "$1: $h is neither the old hive nor RegBack's copy"
		if [ "$s" = "${new[$h]}" ]; then
			[ "$aside" = "${old[$h]}" ] || fail "$1: $h was restored but the old one is not kept aside"
			ntfscat "$img" "$CFG/$h" >"$tmp/hv"
			hivexsh "$tmp/hv" </dev/null >/dev/null 2>&1 || fail "$1: the restored $h does not parse"
		fi
	done
	for f in SYSTEM.LOG1 SYSTEM.LOG2 SOFTWARE.LOG1; do
		s=$(awk -F'\t' -v p="$CFG/$f" '($1 == p || index($1, p ".winrescue-2") == 1) && $3 == "f" { print $5 }' "$tmp/mid")
		[ "$s" = "${old[$f]}" ] || fail "$1: $f is not once at its name or kept aside: '$s'"
	done
	ntfsfix -n "$img" >"$tmp/fix" 2>&1 || { cat "$tmp/fix"; fail "$1: ntfsfix -n after the kill"; }
}
reg_finish() {	# reg_finish LABEL HOW: resume or rerun, then the final state
	local st
	set +e
	if ntfsls "$tmp/r.img" -p '/$WinRescue' 2>/dev/null | grep -q '^repair-journal'; then
		midway=$((midway + 1))
	fi
	if ntfsls "$tmp/r.img" -p "$CFG" | grep -q '^winrescue-regback-.*\.journal$' &&
	   ! ntfsls "$tmp/r.img" -p '/$WinRescue' 2>/dev/null | grep -q '^repair-journal'; then
		st=0	# killed after the restore had finished: nothing to do
	elif [ "$2" = resume ]; then
		$bin $log resume --target "$tmp/r.img" >"$tmp/out" 2>&1; st=$?
		if [ $st -ne 0 ] && grep -q "had not changed anything\|nothing to resume" "$tmp/out"; then
			# Killed before the plan was whole: nothing had changed; start again.
			$bin $log repair registry --target "$tmp/r.img" --yes >"$tmp/out" 2>&1; st=$?
		fi
	else
		$bin $log repair registry --target "$tmp/r.img" --yes >"$tmp/out" 2>&1; st=$?
	fi
	set -e
	[ $st -eq 0 ] || { cat "$tmp/out"; fail "$1: $2 exited $st"; }
	cfg_state "$tmp/r.img" >"$tmp/reg.final"
	diff "$tmp/reg.ref" "$tmp/reg.final" >"$tmp/diff" || { cat "$tmp/diff"; fail "$1: after $2 the config folder differs from an uninterrupted run's"; }
	# An empty \$WinRescue can stay when the kill fell between the journal's removal
	# and its folder's (nothing in it: the folder is ours and harmless).
	"$tools/ntfsdump" "$tmp/r.img" --no-hash | cut -f1 | grep -v "^$CFG/" | grep -vx '/\$WinRescue' | sort >"$tmp/names"
	diff "$tmp/reg.names.ref" "$tmp/names" >"$tmp/diff" || { cat "$tmp/diff"; fail "$1: names outside config differ (a journal left?)"; }
	ntfsfix -n "$tmp/r.img" >"$tmp/fix" 2>&1 || { cat "$tmp/fix"; fail "$1: ntfsfix -n after $2"; }
}

n=1
while [ $n -lt "$total" ]; do
	cp --sparse=always "$reg0" "$tmp/r.img"
	fault_run WINRESCUE_FAULT_AFTER $n $bin $log repair registry --target "$tmp/r.img" --yes
	reg_check_mid "registry: killed after record $n"
	if [ $((n % 2)) = 1 ]; then how=resume; else how=rerun; fi
	reg_finish "registry: killed after record $n" $how
	n=$((n + 1))
done
echo "registry: killed after each of $((total - 1)) journal records: old or new hives only, all finished"
# Inside each hive's swap, between its two renames: the one moment a hive's name is
# absent (libntfs-3g has no replacing rename); resume or a rerun must complete it.
w0=$window
for h in $HIVES; do
	cp --sparse=always "$reg0" "$tmp/r.img"
	fault_run WINRESCUE_FAULT_IN_SWAP $h $bin $log repair registry --target "$tmp/r.img" --yes
	ntfsls "$tmp/r.img" -p "$CFG" | grep -qx "$h" && fail "killed inside $h's swap, yet $h is there"
	reg_check_mid "registry: killed inside $h's swap"
	if [ $h = SYSTEM ] || [ $h = SAM ] || [ $h = DEFAULT ]; then how=resume; else how=rerun; fi
	reg_finish "registry: killed inside $h's swap" $how
done
[ $((window - w0)) -eq 5 ] || fail "the swap kills were not all seen inside the window"
echo "registry: killed inside each hive's swap (name absent, old kept aside, copy whole): all finished"
window=0
midway=0
i=1
while [ $i -le "$random_kills" ]; do
	cp --sparse=always "$reg0" "$tmp/r.img"
	kill_randomly $bin $log repair registry --target "$tmp/r.img" --yes
	reg_check_mid "registry: random kill $i"
	if [ $((i % 2)) = 1 ]; then how=resume; else how=rerun; fi
	reg_finish "registry: random kill $i" $how
	i=$((i + 1))
done
echo "registry: $random_kills random kills ($midway left a journal, $window inside a swap's renames): old or new hives only, all finished"
fi

# ==== boot ==========================================================================
m=$tmp/pc/manifest.json
jq_() { python3 -c "import json,sys; m=json.load(open('$m')); print($1)"; }
esp_start=$(jq_ "m['gpt']['partitions'][0]['start']")
sys_start=$(jq_ "m['mbr']['partitions'][0]['start']")
sys_size=$(jq_ "m['mbr']['partitions'][0]['size']")

# The files of the boot partition as "path sha256" lines (FAT: mcopy -s; NTFS: the
# partition copied out and walked with ntfsdump), backups and the temporary name out.
boot_files() {	# boot_files KIND DISK
	if [ "$1" = gpt ]; then
		rm -rf "$tmp/espx"; mkdir "$tmp/espx"
		mcopy -s -n -i "$2@@$esp_start" ::/EFI "$tmp/espx/" 2>/dev/null || true
		(cd "$tmp/espx" && find . -type f | sort | while read -r f; do echo "$f $(sum <"$f")"; done)
	else
		dd if="$2" of="$tmp/sys.img" bs=1M iflag=skip_bytes,count_bytes skip="$sys_start" count="$sys_size" conv=sparse status=none
		"$tools/ntfsdump" "$tmp/sys.img" | awk -F'\t' '$3 == "f" { print $1 " " $5 }' | sort
	fi | grep -v 'BCD\.winrescue-' | sed -E 's#^(.*/BCD) [0-9a-f]+$#\1 (compared apart)#'
}
bcd_sum() {	# bcd_sum KIND DISK: the BCD's sha256, "missing" when there is none
	if [ "$1" = gpt ]; then
		rm -f "$tmp/bcd"
		mcopy -n -i "$2@@$esp_start" ::/EFI/Microsoft/Boot/BCD "$tmp/bcd" 2>/dev/null && sum <"$tmp/bcd" || echo missing
	else
		dd if="$2" of="$tmp/sys.img" bs=1M iflag=skip_bytes,count_bytes skip="$sys_start" count="$sys_size" conv=sparse status=none
		ntfscat "$tmp/sys.img" /Boot/BCD 2>/dev/null >"$tmp/bcd" && [ -s "$tmp/bcd" ] && sum <"$tmp/bcd" || echo missing
	fi
}
# A store's content without what changes from one run to the next (the loader's new
# time-based GUID, the GUID cache, hive timestamps): hivexregedit's export with
# strings decoded, time-based GUIDs replaced.  Of the file $tmp/bcd.
cat >"$tmp/bcdnorm.py" <<'EOF'
import re, sys, uuid
text = sys.stdin.read().replace('\\\n', '')
V1 = r'\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-1[0-9a-fA-F]{3}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}'
# The same GUIDs inside binary elements (device descriptors name objects by GUID).
for g in set(re.findall(V1, text)):
    text = text.replace(','.join('%02x' % c for c in uuid.UUID(g).bytes_le), 'T')
def norm(line):
    m = re.match(r'^("[^"]*"=)hex\((1|2|7)\):([0-9a-f,]*)$', line)
    if m:
        b = bytes(int(x, 16) for x in m.group(3).split(',') if x)
        line = m.group(1) + 'str(%s):' % m.group(2) + b.decode('utf-16le', 'replace')
    return re.sub(V1, '{T}', line)
# Keys in name order move with the new GUID: compare them as a sorted set.
blocks = ['\n'.join(norm(l) for l in b.split('\n') if not l.startswith('"GuidCache"='))
          for b in text.split('\n\n') if b.strip()]
print('\n\n'.join(sorted(blocks)))
EOF
bcd_norm() { hivexregedit --export "$tmp/bcd" '\' 2>/dev/null | python3 "$tmp/bcdnorm.py" | sum; }
backup_sum() {	# backup_sum KIND DISK: sha256 of the (one) BCD.winrescue-* backup
	local name
	if [ "$1" = gpt ]; then
		name=$(mdir -b -i "$2@@$esp_start" ::/EFI/Microsoft/Boot 2>/dev/null | grep -i 'BCD\.winrescue-2' | head -1)
		[ -n "$name" ] && mcopy -n -i "$2@@$esp_start" "$name" - 2>/dev/null | sum || echo none
	else
		dd if="$2" of="$tmp/sys.img" bs=1M iflag=skip_bytes,count_bytes skip="$sys_start" count="$sys_size" conv=sparse status=none
		name=$(ntfsls "$tmp/sys.img" -p /Boot | grep '^BCD\.winrescue-2' | head -1)
		[ -n "$name" ] && ntfscat "$tmp/sys.img" "/Boot/$name" | sum || echo none
	fi
}
temp_names() {	# temp_names KIND DISK: the BCD.winrescue-new / -copy names present
	if [ "$1" = gpt ]; then
		mdir -b -i "$2@@$esp_start" ::/EFI/Microsoft/Boot 2>/dev/null
	else
		dd if="$2" of="$tmp/sys.img" bs=1M iflag=skip_bytes,count_bytes skip="$sys_start" count="$sys_size" conv=sparse status=none
		ntfsls "$tmp/sys.img" -p /Boot
	fi | grep -i 'BCD\.winrescue-\(new\|copy\)' | tr '\n' ' ' || true
}
fs_check() {	# fs_check KIND DISK LABEL
	if [ "$1" = gpt ]; then
		fsck.fat -n --offset "$esp_start" "$2" >"$tmp/fsck" 2>&1 ||
			{ dd if="$2" of="$tmp/esp.img" bs=1M iflag=skip_bytes,count_bytes skip="$esp_start" count="$(jq_ "m['gpt']['partitions'][0]['size']")" status=none &&
			  fsck.fat -n "$tmp/esp.img" >"$tmp/fsck" 2>&1; } || { cat "$tmp/fsck"; fail "$3: fsck.fat -n"; }
	else
		dd if="$2" of="$tmp/sys.img" bs=1M iflag=skip_bytes,count_bytes skip="$sys_start" count="$sys_size" conv=sparse status=none
		ntfsfix -n "$tmp/sys.img" >"$tmp/fsck" 2>&1 || { cat "$tmp/fsck"; fail "$3: ntfsfix -n on System Reserved"; }
	fi
}

for kind in gpt mbr; do
	want boot || continue
	if [ $kind = gpt ]; then disk0=$tmp/pc/pc.img; part=3; else disk0=$tmp/pc/pc-mbr.img; part=2; fi
	d=$tmp/b.img
	oldbcd=$(bcd_sum $kind "$disk0")
	[ "$oldbcd" != missing ] || fail "$kind fixture has no BCD"
	cp --sparse=always "$disk0" "$d"
	$bin $log repair boot --target "$d" --partition $part --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$kind: uninterrupted repair boot"; }
	nfiles=$(sed -n 's/.*: \([0-9][0-9]*\)$/\1/p' "$tmp/out" | head -1)
	[ -n "$nfiles" ] && [ "$nfiles" -gt 0 ] || { cat "$tmp/out"; fail "$kind: how many boot files?"; }
	newbcd=$(bcd_sum $kind "$d")
	[ "$newbcd" != missing ] && [ "$newbcd" != "$oldbcd" ] || fail "$kind: the reference run did not replace the BCD"
	newnorm=$(bcd_norm)
	hivexregedit --export "$tmp/bcd" '\' | grep -q '"Element"' || fail "$kind: the new store has no elements"
	boot_files $kind "$d" >"$tmp/boot.ref"
	grep -q 'BCD ' "$tmp/boot.ref" || fail "$kind: no BCD in the reference listing"
	[ "$(temp_names $kind "$d")" = "" ] || fail "$kind: a temporary name was left: $(temp_names $kind "$d")"
	# A second uninterrupted run writes the same store: the comparison below is fair.
	$bin $log repair boot --target "$d" --partition $part --yes >"$tmp/out" 2>&1 || fail "$kind: second run"
	bcd_sum $kind "$d" >/dev/null
	[ "$(bcd_norm)" = "$newnorm" ] || fail "$kind: two runs write different stores"
	# the backup's temporary copy, the backup, each file, the new store under its
	# temporary name, (NTFS: the old store removed,) the rename
	if [ $kind = gpt ]; then steps=$((nfiles + 4)); else steps=$((nfiles + 5)); fi
	cp --sparse=always "$disk0" "$d"
	ms=$(time_ms $bin $log repair boot --target "$d" --partition $part --yes)

	boot_round() {	# boot_round LABEL: check the state a kill left, rerun, check the end
		local s
		s=$(bcd_sum $kind "$d")
		if [ "$s" = missing ]; then
			# Only inside the rename: the whole new store is under its temporary name.
			if [ $kind = gpt ]; then
				mcopy -n -i "$d@@$esp_start" ::/EFI/Microsoft/Boot/BCD.winrescue-new - >"$tmp/bcd" 2>/dev/null || true
			else
				ntfscat "$tmp/sys.img" /Boot/BCD.winrescue-new >"$tmp/bcd" 2>/dev/null || true
			fi
			[ "$(bcd_norm)" = "$newnorm" ] || fail "$1: no BCD and no whole new store"
			window=$((window + 1))
		else
			[ "$s" = "$oldbcd" ] || [ "$(bcd_norm)" = "$newnorm" ] || fail "$1: the BCD is neither the old store nor the new one"
		fi
		s=$(backup_sum $kind "$d")
		[ "$s" = none ] || [ "$s" = "$oldbcd" ] || fail "$1: the backup is not the old store"
		fs_check $kind "$d" "$1"
		$bin $log repair boot --target "$d" --partition $part --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$1: the second run"; }
		bcd_sum $kind "$d" >/dev/null
		[ "$(bcd_norm)" = "$newnorm" ] || fail "$1: the second run left another BCD"
		[ "$(backup_sum $kind "$d")" = "$oldbcd" ] || fail "$1: the old store is not kept after the second run"
		boot_files $kind "$d" >"$tmp/boot.final"
		[ "$(temp_names $kind "$d")" = "" ] || fail "$1: a temporary name is left after the second run: $(temp_names $kind "$d")"
		diff "$tmp/boot.ref" "$tmp/boot.final" >"$tmp/diff" || { cat "$tmp/diff"; fail "$1: boot files differ from an uninterrupted run's"; }
		fs_check $kind "$d" "$1 (end)"
	}
	window=0
	n=1
	while [ $n -le $steps ]; do
		cp --sparse=always "$disk0" "$d"
		fault_run WINRESCUE_FAULT_BOOT_AFTER $n $bin $log repair boot --target "$d" --partition $part --yes
		boot_round "boot $kind: killed after step $n"
		n=$((n + 1))
	done
	i=1
	while [ $i -le "$random_kills" ]; do
		cp --sparse=always "$disk0" "$d"
		kill_randomly $bin $log repair boot --target "$d" --partition $part --yes
		boot_round "boot $kind: random kill $i"
		i=$((i + 1))
	done
	echo "boot $kind: killed after each of $steps steps and $random_kills times at random (${ms} ms a run): old or new BCD only ($window inside the rename), all finished"
done

# ==== hibernation and dirty ==========================================================
state_of() {	# state_of KIND IMG: old or new
	if [ "$1" = hibernation ]; then
		if ntfsls "$2" | grep -qix 'hiberfil.sys'; then
			[ "$(ntfscat "$2" /hiberfil.sys | head -c 4)" = HIBR ] && echo old || echo damaged
		else
			echo new
		fi
	else
		case $(ntfsinfo -f -m "$2" 2>/dev/null | sed -n 's/.*Volume Flags: *\(0x[0-9a-fA-F]*\).*/\1/p') in
		*[13579bBdDfF]) echo old ;;
		0x*) echo new ;;
		*) echo unknown ;;
		esac
	fi
}
for kind in hibernation dirty; do
	want $kind || continue
	if [ $kind = hibernation ]; then v0=$tmp/hib/windows.img; else v0=$tmp/dirty/windows.img; fi
	v=$tmp/v.img
	[ "$(state_of $kind "$v0")" = old ] || fail "$kind: the fixture is not $kind"
	cp --sparse=always "$v0" "$v"
	$bin $log repair $kind --target "$v" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$kind: uninterrupted run"; }
	[ "$(state_of $kind "$v")" = new ] || fail "$kind: the uninterrupted run did not repair"
	"$tools/ntfsdump" "$v" | cut -f1,3,4,5 | grep -v '^/	' | sort >"$tmp/vol.ref"
	cp --sparse=always "$v0" "$v"
	ms=$(time_ms $bin $log repair $kind --target "$v" --yes)
	vol_round() {
		local s
		s=$(state_of $kind "$v")
		[ "$s" = old ] || [ "$s" = new ] || fail "$1: $kind state '$s'"
		ntfsfix -n "$v" >"$tmp/fix" 2>&1 || { cat "$tmp/fix"; fail "$1: ntfsfix -n after the kill"; }
		$bin $log repair $kind --target "$v" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$1: rerun"; }
		[ "$(state_of $kind "$v")" = new ] || fail "$1: not repaired by the rerun"
		"$tools/ntfsdump" "$v" | cut -f1,3,4,5 | grep -v '^/	' | sort >"$tmp/vol.final"
		diff "$tmp/vol.ref" "$tmp/vol.final" >"$tmp/diff" || { head "$tmp/diff"; fail "$1: differs from an uninterrupted run"; }
		ntfsfix -n "$v" >"$tmp/fix" 2>&1 || { cat "$tmp/fix"; fail "$1: ntfsfix -n at the end"; }
	}
	for n in 1 2; do
		cp --sparse=always "$v0" "$v"
		fault_run WINRESCUE_FAULT_AFTER $n $bin $log repair $kind --target "$v" --yes
		vol_round "$kind: killed after step $n"
	done
	i=1
	while [ $i -le "$random_kills" ]; do
		cp --sparse=always "$v0" "$v"
		kill_randomly $bin $log repair $kind --target "$v" --yes
		vol_round "$kind: random kill $i"
		i=$((i + 1))
	done
	echo "$kind: killed after each of 2 steps and $random_kills times at random (${ms} ms a run): old or new state only, all finished"
done
echo "ok: t-repair-kill"
