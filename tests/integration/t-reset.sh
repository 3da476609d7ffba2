#!/bin/sh
# t-reset.sh - "reset" (remove everything) on the synthetic PC, GPT and MBR, on its
# Windows partition and on whole blank disks laid out as Windows Setup does.
#
# After each reset, checked with tools independent of the engine:
#   - the Windows partition holds exactly what wimapply (the peer tool) makes of the
#     same image on a fresh NTFS volume: every path, kind, size, content hash and
#     named stream (ntfsdump), and the label is kept;
#   - nothing of the old system or the users' files is left;
#   - the ESP passes fsck.fat -n, holds the installation's boot manager files, and
#     its BCD (hivexregedit) matches Windows' own store element by element with its
#     device elements naming the right partitions (tests/tools/check_bcd.py); on MBR
#     bootmgr and \Boot\BCD are on the active System Reserved partition;
#   - every partition that must not be touched (recovery, MSR) is byte-identical;
#   - the journal is closed: archived under \$WinRescue\logs on the new volume, none
#     left on the live system.
# --dry-run and a refused confirmation change no byte.  Then the kill switch
# (WINRESCUE_FAULT_AFTER=N) kills a reset after every journal record in turn, and
# `winrescue resume` must finish each to the same state.
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; tools="$top/${BUILD:-build}/tools"
testdata=${WINRESCUE_TESTDATA:-$top/../shared/testdata}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export MTOOLS_SKIP_CHECK=1
for t in mcopy mdir fsck.fat hivexregedit ntfscat ntfsls ntfsinfo ntfsfix ntfscp sfdisk wimapply mkntfs blkid gzip cmp python3; do
	command -v $t >/dev/null || { echo "$t is not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root (loop devices for wimlib's NTFS mode)"; exit 77; }
real=$testdata/bcd/regipy_BCD_win10_uefi
[ -f "$real" ] || { echo "$real is missing"; exit 77; }
export WINRESCUE_STATE_DIR="$tmp/state"
MIB=1048576

"$top/tests/fixtures/build-pc.sh" --size small --layout both --out "$tmp/pc" >/dev/null
pc=$tmp/pc; wim=$pc/install.wim
m=$pc/manifest.json
jq_() { python3 -c "import json,sys; m=json.load(open('$m')); print($1)"; }
log="--log $tmp/reset.log"

# What the peer tool makes of image 1: the reference every reset is compared with.
truncate -s 600M "$tmp/ref.img"
mkntfs -Q -F "$tmp/ref.img" >/dev/null 2>&1
wimapply "$wim" 1 "$tmp/ref.img" >/dev/null
"$tools/ntfsdump" "$tmp/ref.img" | grep -v '^/Windows/System32/Recovery/ReAgent.xml	' |
	cut -f1,3,4,5,6 | sort >"$tmp/ref.tsv"
[ "$(wc -l <"$tmp/ref.tsv")" -gt 50 ] || fail "the reference apply is nearly empty"

range_sum() { tail -c +$(( $2 + 1 )) "$1" | head -c "$3" | sha256sum | cut -d' ' -f1; }
part_start() { sfdisk --json "$1" | python3 -c "import json,sys; t=json.load(sys.stdin)['partitiontable']; print([p for p in t['partitions'] if p['node'].endswith(str($2))][0]['start'] * t.get('sectorsize', 512))"; }
part_size() { sfdisk --json "$1" | python3 -c "import json,sys; t=json.load(sys.stdin)['partitiontable']; print([p for p in t['partitions'] if p['node'].endswith(str($2))][0]['size'] * t.get('sectorsize', 512))"; }
part_field() { sfdisk --json "$1" | python3 -c "import json,sys; t=json.load(sys.stdin)['partitiontable']; print([p for p in t['partitions'] if p['node'].endswith(str($2))][0].get('$3', ''))"; }
extract() {	# extract DISK N OUT: partition N as a file
	dd if="$1" of="$3" bs=$MIB skip=$(( $(part_start "$1" "$2") / MIB )) \
		count=$(( $(part_size "$1" "$2") / MIB )) status=none
}

check_windows() {	# check_windows DISK N LABEL [winre-moved]: the partition is the image, nothing else
	extract "$1" "$2" "$tmp/win.img"
	"$tools/ntfsdump" "$tmp/win.img" >"$tmp/win.full" || fail "$1: the new volume cannot be walked"
	# Beside the image: winrescue's own folder, and ReAgent.xml when the kept Windows
	# RE is registered in it (checked on its own below).
	grep -v '^/\$WinRescue\|^/Windows/System32/Recovery/ReAgent.xml	' "$tmp/win.full" |
		cut -f1,3,4,5,6 | sort >"$tmp/win.tsv"
	# After a whole-disk layout Windows RE was moved out to its own partition, as
	# Windows Setup moves it (checked there by check_winre).
	if [ "${4:-}" = winre-moved ]; then
		grep -v '^/Windows/System32/Recovery/Winre.wim	' "$tmp/ref.tsv" >"$tmp/ref.cmp"
		! grep -q '^/Windows/System32/Recovery/Winre.wim	' "$tmp/win.full" ||
			fail "$1: Winre.wim is still inside Windows after the layout"
	else
		cp "$tmp/ref.tsv" "$tmp/ref.cmp"
	fi
	diff "$tmp/ref.cmp" "$tmp/win.tsv" >"$tmp/diff" ||
		{ head -20 "$tmp/diff"; fail "$1: partition $2 is not what wimapply makes of the image"; }
	grep -qi '^/Users/Alice' "$tmp/win.full" && fail "$1: Alice's files are still there"
	grep -qi '^/Windows.old' "$tmp/win.full" && fail "$1: a Windows.old was kept"
	got=$(blkid -p -o value -s LABEL "$tmp/win.img" || true)
	[ "$got" = "$3" ] || fail "$1: label '$got', want '$3'"
	ntfsls -f "$tmp/win.img" -p '/$WinRescue' | grep -qx 'reset-journal' && fail "$1: journal left open"
	ntfsls -f "$tmp/win.img" -p '/$WinRescue/logs' | grep -q '^reset-journal-' ||
		fail "$1: no archived journal"
	ls "$WINRESCUE_STATE_DIR/reset/" 2>/dev/null | grep -q . && fail "journal left on the live system"
	ntfsfix -n "$tmp/win.img" >/dev/null 2>&1 || fail "$1: ntfsfix -n"
	return 0
}

check_bcd() {	# check_bcd BCD gpt|mbr BOOT WIN
	local f=$1; shift
	hivexregedit --export "$f" '\' >"$f.reg" 2>"$tmp/hx.err" || { cat "$tmp/hx.err"; fail "hivexregedit rejects $f"; }
	hivexregedit --export "$real" '\' >"$tmp/real.reg"
	python3 "$top/tests/tools/check_bcd.py" "$f.reg" "$tmp/real.reg" "$@" >"$tmp/py.out" 2>&1 ||
		{ cat "$tmp/py.out"; fail "BCD check ($*)"; }
}

check_esp() {	# check_esp DISK ESP WIN [REC WINRE_ID]: boot files and BCD of a GPT disk
	local guid; guid=$(sfdisk --json "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['partitiontable']['id'].lower())")
	extract "$1" "$2" "$tmp/esp.img"
	fsck.fat -n "$tmp/esp.img" >"$tmp/fsck.out" 2>&1 || { cat "$tmp/fsck.out"; fail "$1: fsck.fat -n on the ESP"; }
	for f in bootmgfw.efi bootmgr.efi; do
		mcopy -n -i "$tmp/esp.img" "::/EFI/Microsoft/Boot/$f" "$tmp/$f" || fail "$1: no $f"
		ntfscat "$tmp/win.img" "/Windows/Boot/EFI/$f" | cmp -s - "$tmp/$f" || fail "$1: $f differs"
	done
	mcopy -n -i "$tmp/esp.img" ::/EFI/Boot/bootx64.efi "$tmp/bootx64.efi" || fail "$1: no fallback loader"
	cmp -s "$tmp/bootx64.efi" "$tmp/bootmgfw.efi" || fail "$1: bootx64.efi is not bootmgfw.efi"
	mcopy -n -i "$tmp/esp.img" ::/EFI/Microsoft/Boot/BCD "$tmp/BCD" || fail "$1: no BCD"
	if [ $# -gt 3 ]; then
		check_bcd "$tmp/BCD" gpt "gpt,$guid,$(part_field "$1" "$2" uuid | tr A-Z a-z)" \
			"gpt,$guid,$(part_field "$1" "$3" uuid | tr A-Z a-z)" \
			"gpt,$guid,$(part_field "$1" "$4" uuid | tr A-Z a-z)" "$5"
	else
		check_bcd "$tmp/BCD" gpt "gpt,$guid,$(part_field "$1" "$2" uuid | tr A-Z a-z)" \
			"gpt,$guid,$(part_field "$1" "$3" uuid | tr A-Z a-z)"
	fi
}

# check_winre DISK REC WIN: Windows RE where Windows Setup puts it after a layout -
# \Recovery\WindowsRE\Winre.wim (the image's own, byte for byte) and boot.sdi on
# partition REC, registered in the new system's ReAgent.xml at that partition's offset
# with a WinreBCD id; prints the id (the BCD checks look for that WinRE object).
check_winre() {
	local sdi=EFI
	[ "$(sfdisk --json "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['partitiontable']['label'])")" = gpt ] || sdi=PCAT
	extract "$1" "$2" "$tmp/rec.img"
	ntfscat "$tmp/rec.img" /Recovery/WindowsRE/Winre.wim | cmp -s - "$pc/winre.wim" ||
		fail "$1: partition $2 has no \\Recovery\\WindowsRE\\Winre.wim equal to the image's"
	ntfscat "$tmp/ref.img" "/Windows/Boot/DVD/$sdi/boot.sdi" >"$tmp/sdi.want"
	ntfscat "$tmp/rec.img" /Recovery/WindowsRE/boot.sdi | cmp -s - "$tmp/sdi.want" ||
		fail "$1: partition $2 has no boot.sdi beside Winre.wim"
	ntfsfix -n "$tmp/rec.img" >/dev/null 2>&1 || fail "$1: ntfsfix -n on partition $2"
	extract "$1" "$3" "$tmp/win.img"
	ntfscat "$tmp/win.img" /Windows/System32/Recovery/ReAgent.xml >"$tmp/reagent.xml" ||
		fail "$1: the new system has no ReAgent.xml"
	id=$(python3 -c "import sys, xml.etree.ElementTree as ET; print(ET.parse(sys.argv[1]).getroot().find('WinreBCD').get('id'))" "$tmp/reagent.xml")
	python3 "$top/tests/tools/check_reagent_winre.py" "$tmp/reagent.xml" "$(part_start "$1" "$2")" "$id" >/dev/null ||
		fail "$1: ReAgent.xml does not register Windows RE on partition $2"
	echo "$id"
}

check_mbr_boot() {	# check_mbr_boot DISK SYS WIN [WINRE_ID]: bootmgr and \Boot\BCD on the active partition
	local sig; sig=$(sfdisk --json "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['partitiontable']['id'].lower())")
	[ "$(part_field "$1" "$2" bootable)" = "True" ] || fail "$1: partition $2 is not active"
	[ "$(part_field "$1" "$3" bootable)" = "True" ] && fail "$1: partition $3 is active too"
	extract "$1" "$2" "$tmp/sys.img"
	ntfscat "$tmp/sys.img" /bootmgr | cmp -s - "$tmp/bootmgr.want" 2>/dev/null || {
		ntfscat "$tmp/win.img" /Windows/Boot/PCAT/bootmgr >"$tmp/bootmgr.want"
		ntfscat "$tmp/sys.img" /bootmgr | cmp -s - "$tmp/bootmgr.want" || fail "$1: bootmgr differs"
	}
	ntfscat "$tmp/sys.img" /Boot/BCD >"$tmp/BCD" || fail "$1: no \\Boot\\BCD"
	if [ -n "${4:-}" ]; then	# WinRE on System Reserved too
		check_bcd "$tmp/BCD" mbr "mbr,$sig,$(part_start "$1" "$2")" "mbr,$sig,$(part_start "$1" "$3")" \
			"mbr,$sig,$(part_start "$1" "$2")" "$4"
	else
		check_bcd "$tmp/BCD" mbr "mbr,$sig,$(part_start "$1" "$2")" "mbr,$sig,$(part_start "$1" "$3")"
	fi
}

expect_unchanged() {	# expect_unchanged STATUS MESSAGE-PART DISK cmd...
	local want=$1 msg=$2 disk=$3 sum; shift 3
	sum=$(sha256sum "$disk" | cut -d' ' -f1)
	set +e; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; got=$?; set -e
	[ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "'$*' exited $got, want $want"; }
	grep -q -- "$msg" "$tmp/out" "$tmp/err" || { cat "$tmp/out" "$tmp/err"; fail "'$*': no '$msg'"; }
	[ "$(sha256sum "$disk" | cut -d' ' -f1)" = "$sum" ] || fail "'$*' changed $disk"
}

# --- GPT: the Windows partition of the synthetic PC.
cp --sparse=always "$pc/pc.img" "$tmp/gpt.img"
rec_sum=$(range_sum "$tmp/gpt.img" "$(part_start "$tmp/gpt.img" 4)" "$(part_size "$tmp/gpt.img" 4)")
msr_sum=$(range_sum "$tmp/gpt.img" "$(part_start "$tmp/gpt.img" 2)" "$(part_size "$tmp/gpt.img" 2)")
sfdisk --dump "$tmp/gpt.img" >"$tmp/table.before"
expect_unchanged 0 "Not erased: partition 4" "$tmp/gpt.img" \
	$bin $log reset --target "$tmp/gpt.img" --partition 3 --source "$wim" --dry-run
grep -q "YAMADA-PC" "$tmp/out" || fail "the dry run does not name the computer"
grep -q "Users" "$tmp/out" || fail "the dry run does not show what the partition holds"
expect_unchanged 3 "does not match" "$tmp/gpt.img" \
	$bin $log reset --target "$tmp/gpt.img" --partition 3 --source "$wim"
expect_unchanged 3 "recovery or manufacturer partition" "$tmp/gpt.img" \
	$bin $log reset --target "$tmp/gpt.img" --partition 4 --source "$wim" --yes
expect_unchanged 3 "recovery or manufacturer partition" "$tmp/gpt.img" \
	$bin $log reset --target "$tmp/gpt.img" --partition 3 --also-format 4 --source "$wim" --yes
$bin $log reset --target "$tmp/gpt.img" --partition 3 --source "$wim" --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "reset of the GPT PC"; }
check_windows "$tmp/gpt.img" 3 Windows
winre_id=$(jq_ "m['images']['winre_bcd_id']")
check_esp "$tmp/gpt.img" 1 3 4 "$winre_id"
# Windows RE on the recovery partition stays registered in the new system.
ntfscat "$tmp/win.img" /Windows/System32/Recovery/ReAgent.xml >"$tmp/reagent.xml"
python3 "$top/tests/tools/check_reagent_winre.py" "$tmp/reagent.xml" \
	"$(part_start "$tmp/gpt.img" 4)" "$winre_id" || fail "ReAgent.xml does not name the kept WinRE"
[ "$(range_sum "$tmp/gpt.img" "$(part_start "$tmp/gpt.img" 4)" "$(part_size "$tmp/gpt.img" 4)")" = "$rec_sum" ] ||
	fail "the recovery partition changed"
[ "$(range_sum "$tmp/gpt.img" "$(part_start "$tmp/gpt.img" 2)" "$(part_size "$tmp/gpt.img" 2)")" = "$msr_sum" ] ||
	fail "the MSR changed"
sfdisk --dump "$tmp/gpt.img" | diff "$tmp/table.before" - || fail "the partition table changed"
echo "GPT PC: reset to the image; boot files, BCD and ESP checked; recovery and MSR untouched"

# --- --wipe: nothing of the old contents is left anywhere on the partition.  A
# marker file is put on the Windows partition; after a plain reset its bytes are
# still in the partition's free space (a quick format only rewrites metadata: this
# proves the check can see them); after a reset with --wipe they are gone.
python3 -c "import sys; sys.stdout.write('WINRESCUE-WIPE-MARKER-0123456789\n' * 2000000)" >"$tmp/marker.txt"
cp --sparse=always "$pc/pc.img" "$tmp/w1.img"
extract "$tmp/w1.img" 3 "$tmp/p3.img"
ntfscp -f "$tmp/p3.img" "$tmp/marker.txt" /marker.txt >/dev/null 2>&1 || fail "ntfscp of the marker"
dd if="$tmp/p3.img" of="$tmp/w1.img" bs=$MIB seek=$(( $(part_start "$tmp/w1.img" 3) / MIB )) conv=notrunc status=none
cp --sparse=always "$tmp/w1.img" "$tmp/w2.img"
marker_in() {	# marker_in DISK: how many marker lines are in partition 3's bytes
	extract "$1" 3 "$tmp/p3.img"
	grep -c -a 'WINRESCUE-WIPE-MARKER' "$tmp/p3.img" || true
}
[ "$(marker_in "$tmp/w1.img")" -gt 0 ] || fail "the marker is not on the partition"
$bin $log reset --target "$tmp/w1.img" --partition 3 --source "$wim" --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "reset before the wipe check"; }
[ "$(marker_in "$tmp/w1.img")" -gt 0 ] || fail "a plain reset left no trace: the wipe check could not fail"
$bin $log reset --target "$tmp/w2.img" --partition 3 --source "$wim" --wipe --dry-run >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "wipe dry run"; }
grep -q "overwritten first" "$tmp/out" || fail "the dry run does not say the drive is overwritten"
$bin $log reset --target "$tmp/w2.img" --partition 3 --source "$wim" --wipe --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "reset --wipe"; }
grep -q "Erasing the drive" "$tmp/out" || fail "no wipe step shown"
[ "$(marker_in "$tmp/w2.img")" -eq 0 ] || fail "--wipe left old bytes on the partition"
check_windows "$tmp/w2.img" 3 Windows
echo "--wipe: no byte of the old contents left; a plain reset leaves them (the check can fail)"

# --- MBR: System Reserved (1), Windows (2), Recovery (3).
cp --sparse=always "$pc/pc-mbr.img" "$tmp/mbr.img"
rec_sum=$(range_sum "$tmp/mbr.img" "$(part_start "$tmp/mbr.img" 3)" "$(part_size "$tmp/mbr.img" 3)")
expect_unchanged 3 "recovery or manufacturer partition" "$tmp/mbr.img" \
	$bin $log reset --target "$tmp/mbr.img" --partition 1 --source "$wim" --yes
$bin $log reset --target "$tmp/mbr.img" --partition 2 --source "$wim" --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "reset of the MBR PC"; }
check_windows "$tmp/mbr.img" 2 Windows
check_mbr_boot "$tmp/mbr.img" 1 2
[ "$(range_sum "$tmp/mbr.img" "$(part_start "$tmp/mbr.img" 3)" "$(part_size "$tmp/mbr.img" 3)")" = "$rec_sum" ] ||
	fail "the MBR recovery partition changed"
echo "MBR PC: reset to the image; bootmgr, BCD and the active flag checked; recovery untouched"

# --- Whole blank disks laid out as Windows Setup does.
truncate -s 4G "$tmp/blank-gpt.img"
expect_unchanged 3 "too small" "$tmp/blank-gpt.img" \
	sh -c "truncate -s 1G '$tmp/tiny.img' && exec $bin $log reset --disk '$tmp/tiny.img' --layout gpt --source '$wim' --yes"
expect_unchanged 3 "stored on the volume that would be changed" "$tmp/gpt.img" \
	$bin $log reset --disk "$tmp/gpt.img" --layout gpt --yes
$bin $log reset --disk "$tmp/blank-gpt.img" --layout gpt --source "$wim" --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "reset of a blank disk (GPT)"; }
sfdisk --json "$tmp/blank-gpt.img" | python3 -c "
import json, sys
t = json.load(sys.stdin)['partitiontable']
assert t['label'] == 'gpt', t['label']
want = [('C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 260), ('E3C9E316-0B5C-4DB8-817D-F92DF00215AE', 16),
        ('EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', None), ('DE94BBA4-06D1-4D40-A16A-BFD50179D6AC', 1024)]
ps = t['partitions']
assert len(ps) == 4, len(ps)
for p, (ty, mib) in zip(ps, want):
    assert p['type'] == ty, (p['node'], p['type'])
    assert p['start'] % 2048 == 0, p
    if mib:
        assert p['size'] * 512 == mib << 20, (p['node'], p['size'])
assert 'RequiredPartition' in ps[3].get('attrs', '') and 'GUID:63' in ps[3]['attrs'], ps[3]
" || fail "the GPT layout is not Windows Setup's"
check_windows "$tmp/blank-gpt.img" 3 "" winre-moved
winre_new=$(check_winre "$tmp/blank-gpt.img" 4 3)
check_esp "$tmp/blank-gpt.img" 1 3 4 "$winre_new"
echo "blank disk, GPT layout: ESP, MSR, Windows, Recovery; image, boot files, Windows RE on the recovery partition and BCD checked"

truncate -s 4G "$tmp/blank-mbr.img"
$bin $log reset --disk "$tmp/blank-mbr.img" --layout mbr --source "$wim" --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "reset of a blank disk (MBR)"; }
[ "$(part_size "$tmp/blank-mbr.img" 1)" = $(( 500 * MIB )) ] || fail "System Reserved is not 500 MiB"
extract "$tmp/blank-mbr.img" 1 "$tmp/sys.img"
[ "$(blkid -p -o value -s LABEL "$tmp/sys.img")" = "System Reserved" ] || fail "System Reserved label"
check_windows "$tmp/blank-mbr.img" 2 "" winre-moved
winre_new=$(check_winre "$tmp/blank-mbr.img" 1 2)
check_mbr_boot "$tmp/blank-mbr.img" 1 2 "$winre_new"
echo "blank disk, MBR layout: System Reserved (active) and Windows; image, bootmgr, Windows RE on System Reserved and BCD checked"

# --- BIOS start-up code: Windows' own (from a disk Windows made, testdata) is kept
# across a reset of the partition and a whole-disk MBR layout; winrescue has none of
# its own and mkntfs's only says "not bootable".
gzip -dc "$testdata/ntfs/ntfs_index.raw.gz" >"$tmp/windisk.raw"
plant() {	# plant DISK: Windows' MBR code, and its NTFS boot code on partitions 1 and 2
	python3 - "$1" "$tmp/windisk.raw" "$(part_start "$1" 1)" "$(part_start "$1" 2)" <<'PY'
import sys
disk, src, starts = sys.argv[1], open(sys.argv[2], 'rb').read(), [int(x) for x in sys.argv[3:]]
pbr = src[128 * 512:128 * 512 + 8192]
with open(disk, 'r+b') as f:
    f.seek(0); f.write(src[:440])
    for s in starts:
        f.seek(s); cur = bytearray(f.read(8192))
        cur[0:3] = pbr[0:3]; cur[0x54:0x1fe] = pbr[0x54:0x1fe]; cur[512:] = pbr[512:]
        f.seek(s); f.write(cur)
PY
}
code_ok() {	# code_ok DISK PART: the partition carries Windows' boot code around its own BPB
	python3 - "$1" "$tmp/windisk.raw" "$(part_start "$1" "$2")" <<'PY' || fail "$1: partition $2 lost Windows' boot code"
import sys
disk, src, s = sys.argv[1], open(sys.argv[2], 'rb').read(), int(sys.argv[3])
pbr = src[128 * 512:128 * 512 + 8192]
cur = open(disk, 'rb').read()[s:s + 8192]
assert cur[3:11] == b'NTFS    '
assert cur[0x54:0x1fe] == pbr[0x54:0x1fe] and cur[512:] == pbr[512:], 'code differs'
PY
}
mbr_ok() { cmp -s -n 440 "$1" "$tmp/windisk.raw" || fail "$1: the MBR boot code changed"; }
cp --sparse=always "$pc/pc-mbr.img" "$tmp/bios.img"
plant "$tmp/bios.img"
$bin $log reset --target "$tmp/bios.img" --partition 2 --source "$wim" --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "reset of the MBR PC with Windows' boot code"; }
code_ok "$tmp/bios.img" 2
code_ok "$tmp/bios.img" 1
mbr_ok "$tmp/bios.img"
check_windows "$tmp/bios.img" 2 Windows
cp --sparse=always "$pc/pc-mbr.img" "$tmp/bios2.img"
plant "$tmp/bios2.img"
$bin $log reset --disk "$tmp/bios2.img" --layout mbr --source "$wim" --yes >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "MBR layout of a disk with Windows' boot code"; }
mbr_ok "$tmp/bios2.img"
code_ok "$tmp/bios2.img" 1
extract "$tmp/bios2.img" 1 "$tmp/sys.img"
ntfsfix -n "$tmp/sys.img" >/dev/null 2>&1 || fail "System Reserved with the kept code: ntfsfix -n"
check_windows "$tmp/bios2.img" 2 "" winre-moved
check_mbr_boot "$tmp/bios2.img" 1 2 "$(check_winre "$tmp/bios2.img" 1 2)"
echo "BIOS: Windows' MBR and NTFS boot code kept across a reset and an MBR layout"

# --- Killed after every journal record: resume finishes it.
cp --sparse=always "$pc/pc.img" "$tmp/k.img"
WINRESCUE_FAULT_AFTER=1000 $bin --log "$tmp/count.log" reset --target "$tmp/k.img" --partition 3 --source "$wim" --yes >/dev/null 2>&1
total=$(grep -c 'journal.*[0-9]: ' "$tmp/count.log" || true)
[ "$total" -gt 10 ] || fail "only $total journal records"
n=1
while [ $n -lt "$total" ]; do
	cp --sparse=always "$pc/pc.img" "$tmp/k.img"
	set +e
	WINRESCUE_FAULT_AFTER=$n $bin $log reset --target "$tmp/k.img" --partition 3 --source "$wim" --yes >/dev/null 2>&1
	st=$?
	$bin $log resume --target "$tmp/k.img" --partition 3 >"$tmp/out" 2>&1
	rst=$?
	set -e
	[ $st -eq 137 ] || fail "fault after record $n: exit $st, not killed"
	if [ $rst -ne 0 ]; then
		grep -q "had not changed anything" "$tmp/out" || { cat "$tmp/out"; fail "resume after record $n: exit $rst"; }
		$bin $log reset --target "$tmp/k.img" --partition 3 --source "$wim" --yes >"$tmp/out" 2>&1 ||
			{ cat "$tmp/out"; fail "reset again after record $n"; }
	fi
	check_windows "$tmp/k.img" 3 Windows
	check_esp "$tmp/k.img" 1 3 4 "$winre_id"
	n=$((n + 1))
done
echo "killed after each of $((total - 1)) journal records: every reset finished by resume"

# A whole-disk layout killed in the middle (after the plan: the layout begun, the
# layout made, the journal being moved onto the new volume, the apply...), resumed
# with the disk's path alone.
truncate -s 4G "$tmp/kb.img"
WINRESCUE_FAULT_AFTER=1000 $bin --log "$tmp/count2.log" reset --disk "$tmp/kb.img" --layout gpt --source "$wim" --yes >/dev/null 2>&1
total=$(grep -c 'journal.*[0-9]: ' "$tmp/count2.log" || true)
first=$(grep 'journal.*[0-9]: ' "$tmp/count2.log" | grep -n 'planned reset' | head -1 | cut -d: -f1)
[ -n "$first" ] && [ "$total" -gt "$first" ] || fail "layout journal: $total records, planned at '$first'"
n=$first
while [ $n -lt "$total" ]; do
	truncate -s 0 "$tmp/kb.img"; truncate -s 4G "$tmp/kb.img"
	set +e
	WINRESCUE_FAULT_AFTER=$n $bin $log reset --disk "$tmp/kb.img" --layout gpt --source "$wim" --yes >/dev/null 2>&1
	st=$?
	set -e
	[ $st -eq 137 ] || fail "layout fault after record $n: exit $st"
	$bin $log resume --target "$tmp/kb.img" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "resume of a layout killed after record $n"; }
	check_windows "$tmp/kb.img" 3 "" winre-moved
	check_esp "$tmp/kb.img" 1 3 4 "$(check_winre "$tmp/kb.img" 4 3)"
	n=$((n + 2))
done
echo "whole-disk layouts killed mid-way: finished by resume"
