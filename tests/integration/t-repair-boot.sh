#!/bin/bash
# t-repair-boot.sh - 'winrescue repair boot' on the synthetic PC (GPT and MBR), checked
# from outside the engine: the ESP is broken (BCD deleted, BCD zeroed, a BCD-Template
# put in its place) and the System Reserved partition too (bootmgr emptied, BCD
# zeroed); after the repair the new BCD, exported with hivexregedit and decoded here
# in Python, has object by object the element ids and value types of the store
# Windows wrote (testdata/bcd) and its device elements name the Windows, ESP and
# recovery partitions of the manifest; fsck.fat -n finds the ESP clean; the boot
# manager files equal the installation's Windows\Boot ones; the old BCD is kept as
# BCD.winrescue-*; and every byte outside the system partition is unchanged.
# Bad input (no ESP, a partition without Windows, no confirmation) is refused with
# one sentence and changes nothing (checksums).
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}
testdata=${WINRESCUE_TESTDATA:-$top/../shared/testdata}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export MTOOLS_SKIP_CHECK=1
for t in mcopy mdel mdir fsck.fat hivexregedit ntfscat ntfsfix sfdisk python3; do
	command -v $t >/dev/null || { echo "$t is not installed"; exit 77; }
done
real=$testdata/bcd/regipy_BCD_win10_uefi
[ -f "$real" ] || { echo "$real is missing"; exit 77; }

"$top/tests/fixtures/build-pc.sh" --out "$tmp/pc" >/dev/null
m=$tmp/pc/manifest.json
jq_() { python3 -c "import json,sys; m=json.load(open('$m')); print($1)"; }
MIB=1048576
esp_start=$(jq_ "m['gpt']['partitions'][0]['start']")
esp_size=$(jq_ "m['gpt']['partitions'][0]['size']")
rec_start=$(jq_ "m['gpt']['partitions'][3]['start']")
rec_size=$(jq_ "m['gpt']['partitions'][3]['size']")
disk_guid=$(jq_ "m['gpt']['disk_guid']")
esp_guid=$(jq_ "m['gpt']['partitions'][0]['uuid']")
win_guid=$(jq_ "m['gpt']['partitions'][2]['uuid']")
rec_guid=$(jq_ "m['gpt']['partitions'][3]['uuid']")
winre_id=$(jq_ "m['images']['winre_bcd_id']")
sys_start=$(jq_ "m['mbr']['partitions'][0]['start']")
sys_size=$(jq_ "m['mbr']['partitions'][0]['size']")
mwin_start=$(jq_ "m['mbr']['partitions'][1]['start']")
mrec_start=$(jq_ "m['mbr']['partitions'][2]['start']")
mbr_sig=$(jq_ "m['mbr']['signature']")
log="--log $tmp/repair.log"

# sha256 of LEN bytes at OFF of FILE (ranges outside the partition that may change).
range_sum() { tail -c +$(( $2 + 1 )) "$1" | head -c "$3" | sha256sum | cut -d' ' -f1; }
outside_sum() {	# outside_sum DISK START SIZE: everything but [START, START+SIZE)
	local total; total=$(stat -c %s "$1")
	echo "$(range_sum "$1" 0 "$2")-$(range_sum "$1" $(( $2 + $3 )) $(( total - $2 - $3 )))"
}

# The BCD checker (tests/tools/check_bcd.py) decodes an exported store and compares
# it with Windows' own.
check_bcd() {	# check_bcd BCD gpt|mbr BOOT WIN [REC WINRE_ID]
	local f=$1; shift
	hivexregedit --export "$f" '\' >"$f.reg" 2>"$tmp/hx.err" || { cat "$tmp/hx.err"; fail "hivexregedit rejects $f"; }
	hivexregedit --export "$real" '\' >"$tmp/real.reg"
	python3 "$top/tests/tools/check_bcd.py" "$f.reg" "$tmp/real.reg" "$@" >"$tmp/py.out" 2>&1 ||
		{ cat "$tmp/py.out"; fail "BCD check ($*)"; }
}
expect() {	# expect STATUS MESSAGE-PART DISK cmd...
	local want=$1 msg=$2 disk=$3 sum; shift 3
	sum=$(sha256sum "$disk" | cut -d' ' -f1)
	set +e; "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
	[ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "'$*' exited $got, want $want"; }
	grep -q -- "$msg" "$tmp/err" || { cat "$tmp/err"; fail "'$*': no '$msg'"; }
	[ "$(sha256sum "$disk" | cut -d' ' -f1)" = "$sum" ] || fail "'$*' changed $disk"
}
esp_check() {	# the ESP of $1 passes fsck.fat -n; boot files equal the installation's
	dd if="$1" of="$tmp/esp.img" bs=$MIB skip=$(( esp_start / MIB )) count=$(( esp_size / MIB )) status=none
	fsck.fat -n "$tmp/esp.img" >"$tmp/fsck.out" 2>&1 || { cat "$tmp/fsck.out"; fail "fsck.fat -n on the ESP"; }
	for f in bootmgfw.efi bootmgr.efi memtest.efi; do
		mcopy -n -i "$tmp/esp.img" "::/EFI/Microsoft/Boot/$f" "$tmp/$f"
		ntfscat "$tmp/pc/windows.img" "/Windows/Boot/EFI/$f" | cmp -s - "$tmp/$f" || fail "$f differs"
	done
	mcopy -n -i "$tmp/esp.img" ::/EFI/Boot/bootx64.efi "$tmp/bootx64.efi"
	cmp -s "$tmp/bootx64.efi" "$tmp/bootmgfw.efi" || fail "bootx64.efi is not bootmgfw.efi"
	mcopy -n -i "$tmp/esp.img" ::/EFI/Microsoft/Boot/BCD "$tmp/BCD"
	check_bcd "$tmp/BCD" gpt "gpt,$disk_guid,$esp_guid" "gpt,$disk_guid,$win_guid" \
		"gpt,$disk_guid,$rec_guid" "$winre_id"
}

# --- GPT: the BCD deleted.
gpt=$tmp/gpt.img
cp --sparse=always "$tmp/pc/pc.img" "$gpt"
mdel -i "$gpt@@$esp_start" ::/EFI/Microsoft/Boot/BCD
out0=$(outside_sum "$gpt" "$esp_start" "$esp_size")
rec0=$(range_sum "$gpt" "$rec_start" "$rec_size")
$bin $log repair boot --target "$gpt" --partition 3 --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "repair (no BCD)"; }
grep -q "no boot configuration" "$tmp/out" || fail "plan does not say the BCD is missing"
esp_check "$gpt"
[ "$(outside_sum "$gpt" "$esp_start" "$esp_size")" = "$out0" ] || fail "bytes outside the ESP changed"
[ "$(range_sum "$gpt" "$rec_start" "$rec_size")" = "$rec0" ] || fail "recovery partition changed"
mdir -b -i "$gpt@@$esp_start" ::/EFI/Microsoft/Boot | grep -q 'BCD.winrescue-' && fail "backup made of a missing BCD"

# --- GPT: the BCD zeroed; the zeroed one is kept as the backup.
head -c 32768 /dev/zero >"$tmp/zero"
mcopy -o -i "$gpt@@$esp_start" "$tmp/zero" ::/EFI/Microsoft/Boot/BCD
sleep 1	# a new backup name (seconds)
$bin $log repair boot --target "$gpt" --partition 3 --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "repair (zeroed BCD)"; }
grep -q "damaged or unusable" "$tmp/out" || fail "plan does not say the BCD is damaged"
esp_check "$gpt"
bak=$(mdir -b -i "$gpt@@$esp_start" ::/EFI/Microsoft/Boot | grep 'BCD.winrescue-' | head -1)
[ -n "$bak" ] || fail "no backup of the zeroed BCD"
mcopy -n -i "$gpt@@$esp_start" "$bak" "$tmp/bak"
cmp -s "$tmp/bak" "$tmp/zero" || fail "the backup is not the old BCD"
[ "$(outside_sum "$gpt" "$esp_start" "$esp_size")" = "$out0" ] || fail "bytes outside the ESP changed"

# --- GPT: a BCD-Template in place of the store: named, kept as the backup, replaced.
mcopy -o -i "$gpt@@$esp_start" "$testdata/bcd/museum_Win10_BCD-Template" ::/EFI/Microsoft/Boot/BCD
expect 3 "confirmation" "$gpt" $bin $log repair boot --target "$gpt" --partition 3 </dev/null
grep -q "BCD template" "$tmp/out" || { cat "$tmp/out"; fail "the template is not named as such"; }
sleep 1
$bin $log repair boot --target "$gpt" --partition 3 --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "repair (template)"; }
esp_check "$gpt"
n=$(mdir -b -i "$gpt@@$esp_start" ::/EFI/Microsoft/Boot | grep -c 'BCD.winrescue-')
[ "$n" -eq 2 ] || fail "$n backups, want 2"
sleep 1

# --- As root: the Windows partition's block device names the disk (through sysfs).
if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && loop=$(losetup -f --show -P "$gpt" 2>/dev/null); then
	made=""
	trap 'losetup -d "$loop" 2>/dev/null; [ -z "$made" ] || rm -f "$made"; rm -rf "$tmp"' EXIT
	sysdev=/sys/class/block/${loop#/dev/}p3/dev
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -e "$sysdev" ] && break; sleep 0.3; done
	# The kernel's own scan (losetup -P) is unreliable in containers: partx adds them.
	[ -e "$sysdev" ] || partx -a "$loop" 2>/dev/null || true
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -e "$sysdev" ] && break; sleep 0.3; done
	if [ ! -b "${loop}p3" ] && [ -e "$sysdev" ]; then
		# No udev here: make the node the kernel announced.
		IFS=: read -r maj min <"$sysdev"
		mknod "${loop}p3" b "$maj" "$min" && made="${loop}p3"
	fi
	[ -b "${loop}p3" ] || fail "no partition devices for $loop"
	mcopy -o -i "$gpt@@$esp_start" "$tmp/zero" ::/EFI/Microsoft/Boot/BCD
	sync
	sleep 1
	$bin $log repair boot --target "${loop}p3" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "repair through ${loop}p3"; }
	grep -q "partition 3 of $loop" "$tmp/out" || { cat "$tmp/out"; fail "the disk of ${loop}p3 not found"; }
	losetup -d "$loop"
	[ -z "$made" ] || rm -f "$made"
	trap 'rm -rf "$tmp"' EXIT
	esp_check "$gpt"
else
	echo "note: not root or no loop devices: the block-device form of --target is not tested"
fi

# --- Bad input on GPT: nothing changes.
cp --sparse=always "$tmp/pc/pc.img" "$tmp/noesp.img"
sfdisk --quiet --no-reread --no-tell-kernel --part-type "$tmp/noesp.img" 1 EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
expect 3 "no EFI system partition" "$tmp/noesp.img" $bin $log repair boot --target "$tmp/noesp.img" --partition 3 --yes
expect 3 "No Windows installation" "$gpt" $bin $log repair boot --target "$gpt" --partition 4 --yes
expect 3 "No Windows installation" "$gpt" $bin $log repair boot --target "$gpt" --partition 1 --yes
expect 1 "no partition with that number" "$gpt" $bin $log repair boot --target "$gpt" --partition 9 --yes
expect 2 "which partition" "$gpt" $bin $log repair boot --target "$gpt" --yes
expect 2 "Say what to repair" "$gpt" $bin $log repair
expect 2 "Say what to repair" "$gpt" $bin $log repair bootx --target "$gpt" --partition 3

# --- MBR: bootmgr emptied and the BCD zeroed on System Reserved.
mbr=$tmp/mbr.img
cp --sparse=always "$tmp/pc/pc-mbr.img" "$mbr"
dd if="$mbr" of="$tmp/sys.img" bs=$MIB skip=$(( sys_start / MIB )) count=$(( sys_size / MIB )) status=none
: >"$tmp/empty"
printf 'rewrite bootmgr "%s"\nrewrite Boot/BCD "%s"\n' "$tmp/empty" "$tmp/zero" >"$tmp/break.spec"
"$top/${BUILD:-build}/tools/mkvolume" "$tmp/sys.img" "$tmp/break.spec"
dd if="$tmp/sys.img" of="$mbr" bs=$MIB seek=$(( sys_start / MIB )) conv=notrunc status=none
out0=$(outside_sum "$mbr" "$sys_start" "$sys_size")
$bin $log repair boot --target "$mbr" --partition 2 --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "repair (MBR)"; }
grep -q "System Reserved partition (partition 1)" "$tmp/out" || { cat "$tmp/out"; fail "MBR plan"; }
grep -q "master boot record has no boot code" "$tmp/out" || fail "missing MBR code not reported"
[ "$(outside_sum "$mbr" "$sys_start" "$sys_size")" = "$out0" ] || fail "bytes outside System Reserved changed"
dd if="$mbr" of="$tmp/sys.img" bs=$MIB skip=$(( sys_start / MIB )) count=$(( sys_size / MIB )) status=none
ntfsfix -n "$tmp/sys.img" >"$tmp/ntfsfix.out" 2>&1 || { cat "$tmp/ntfsfix.out"; fail "ntfsfix -n on System Reserved"; }
ntfscat "$tmp/sys.img" /bootmgr >"$tmp/bootmgr"
ntfscat "$tmp/pc/windows.img" /Windows/Boot/PCAT/bootmgr | cmp -s - "$tmp/bootmgr" || fail "bootmgr not restored"
ntfscat "$tmp/sys.img" /Boot/memtest.exe | cmp -s - <(ntfscat "$tmp/pc/windows.img" /Windows/Boot/PCAT/memtest.exe) ||
	fail "Boot/memtest.exe not copied"
ntfscat "$tmp/sys.img" /Boot/BCD >"$tmp/BCD-mbr"
check_bcd "$tmp/BCD-mbr" mbr "mbr,$mbr_sig,$sys_start" "mbr,$mbr_sig,$mwin_start" \
	"mbr,$mbr_sig,$mrec_start" "$winre_id"
bak=$(ntfsls -p /Boot "$tmp/sys.img" | grep 'BCD.winrescue-' | head -1 || true)
[ -n "$bak" ] || fail "no BCD backup on System Reserved"
ntfscat "$tmp/sys.img" "/Boot/$bak" | cmp -s - "$tmp/zero" || fail "MBR backup is not the old BCD"
echo "ok: repair boot (GPT: missing, zeroed, template BCD; MBR: bootmgr and BCD) and bad input"
