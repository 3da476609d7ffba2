#!/bin/bash
# t-diagnose.sh - `winrescue diagnose` on the synthetic PC, healthy and broken:
# hibernated, Fast Startup, dirty, BCD deleted from the ESP, BCD pointing at a
# partition that does not exist, SYSTEM hive damaged with a good RegBack copy, pending
# servicing and a Startup Repair log, a BitLocker volume (testdata) inside a GPT disk,
# UEFI with Secure Boot (a fake efivars folder).  Each variant gives the finding it
# must and not the ones it must not; --json is parsed by Python, --html by xmllint
# (no errors), the support code decodes back to the findings, a copy of the report is
# in the log folder, and the disk images are byte-identical afterwards.
# tests/run-tests.sh starts scripts with sh; this one is written for bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; testdata=${WINRESCUE_TESTDATA:-$top/../shared/testdata}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkvolume="$top/${BUILD:-build}/tools/mkvolume"
export MTOOLS_SKIP_CHECK=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}intercept_strchr=0"
for t in mcopy mdel xmllint python3 sfdisk; do
	command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
mkdir -p "$tmp/log"
log="--log $tmp/log/diag.log"

"$top/tests/fixtures/build-pc.sh" --out "$tmp/pc" >/dev/null
"$top/tests/fixtures/build-pc.sh" --out "$tmp/hib" --hiberfil --layout gpt >/dev/null
"$top/tests/fixtures/build-pc.sh" --out "$tmp/fast" --fast-startup --layout gpt >/dev/null
"$top/tests/fixtures/build-pc.sh" --out "$tmp/dirty" --dirty --layout gpt >/dev/null
pc=$tmp/pc
esp_off=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print([p for p in m["gpt"]["partitions"] if p["number"]==1][0]["start"])' "$pc/manifest.json")

# Variants of the GPT disk: no BCD; a BCD whose Windows partition GUID is changed.
cp --sparse=always "$pc/pc.img" "$tmp/nobcd.img"
mdel -i "$tmp/nobcd.img@@$esp_off" ::/EFI/Microsoft/Boot/BCD
cp --sparse=always "$pc/pc.img" "$tmp/badbcd.img"
mcopy -n -i "$tmp/badbcd.img@@$esp_off" ::/EFI/Microsoft/Boot/BCD "$tmp/BCD"
python3 - "$tmp/BCD" <<'PY'
import sys, uuid
p = sys.argv[1]
b = open(p, "rb").read()
old = uuid.UUID("3a7e9c15-6d28-4b4f-8c1a-9f0e2d7b5c33").bytes_le
new = uuid.UUID("deadbeef-6d28-4b4f-8c1a-9f0e2d7b5c33").bytes_le
assert b.count(old) >= 1, "Windows partition GUID not in the BCD"
open(p, "wb").write(b.replace(old, new))
PY
mcopy -o -i "$tmp/badbcd.img@@$esp_off" "$tmp/BCD" ::/EFI/Microsoft/Boot/BCD

# A Windows volume with a damaged SYSTEM hive (good RegBack), pending.xml and SrtTrail.
cp --sparse=always "$pc/windows.img" "$tmp/hive.img"
head -c 20480 /dev/urandom >"$tmp/junk"
printf 'Startup Repair diagnosis and repair log\r\n---------------------------\r\nRoot cause found: \r\n---------------------------\r\nBoot critical file c:\\windows\\system32\\drivers\\disk.sys is corrupt.\r\n\r\nRepair action: File repair\r\nResult: Failed. Error code =  0x2\r\n' |
	iconv -f UTF-8 -t UTF-16LE | { printf '\377\376'; cat; } >"$tmp/srt.txt"
"$mkvolume" "$tmp/hive.img" <<EOF
rewrite "Windows/System32/config/SYSTEM" $tmp/junk
text "Windows/WinSxS/pending.xml" "<?xml version='1.0'?><PendingTransaction/>"
dir "Windows/System32/LogFiles/Srt"
copy "Windows/System32/LogFiles/Srt/SrtTrail.txt" $tmp/srt.txt
EOF

# A BitLocker volume from testdata in partition 1 of a GPT disk.
tar -xJf "$testdata/bitlocker/bitlk-images.tar.xz" -C "$tmp" bitlk-images/bitlk-aes-cbc-256.img
truncate -s 200M "$tmp/bitlk-disk.img"
printf 'label: gpt\nstart=2048, size=204800, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' | sfdisk -q "$tmp/bitlk-disk.img"
dd if="$tmp/bitlk-images/bitlk-aes-cbc-256.img" of="$tmp/bitlk-disk.img" bs=1M seek=1 conv=notrunc,sparse status=none
# The same BitLocker volume as the Windows partition (3) of the GPT PC: the BCD on the
# ESP names it, and it cannot be checked further.
win_off=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print([p for p in m["gpt"]["partitions"] if p["number"]==3][0]["start"])' "$pc/manifest.json")
cp --sparse=always "$pc/pc.img" "$tmp/bitwin.img"
dd if="$tmp/bitlk-images/bitlk-aes-cbc-256.img" of="$tmp/bitwin.img" bs=512 seek=$((win_off / 512)) conv=notrunc,sparse status=none
rm -rf "$tmp/bitlk-images"

# UEFI with Secure Boot on, as efivarfs shows it (4 attribute bytes + the value).
mkdir -p "$tmp/efi/efivars"
printf '\006\000\000\000\001' >"$tmp/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

imgs="$pc/pc.img $pc/pc-mbr.img $tmp/hib/pc.img $tmp/fast/pc.img $tmp/dirty/pc.img $tmp/nobcd.img $tmp/badbcd.img $tmp/hive.img $tmp/bitlk-disk.img $tmp/bitwin.img"
sha256sum $imgs >"$tmp/sums.before"

run() { # name, then paths
	name=$1; shift
	$bin $log diagnose --json "$@" >"$tmp/$name.json" || fail "diagnose $name exited $?"
}
WINRESCUE_FIRMWARE_DIR=$tmp/efi run healthy "$pc/pc.img"
WINRESCUE_FIRMWARE_DIR=$tmp/nonexistent run mbr "$pc/pc-mbr.img"
run hib "$tmp/hib/pc.img"
run fast "$tmp/fast/pc.img"
run dirty "$tmp/dirty/pc.img"
run nobcd "$tmp/nobcd.img"
run badbcd "$tmp/badbcd.img"
run hive "$tmp/hive.img"
run bitlk "$tmp/bitlk-disk.img"
run bitwin "$tmp/bitwin.img"
$bin $log diagnose --html "$tmp/report.html" "$tmp/hive.img" >"$tmp/hive.txt"
sha256sum -c --quiet "$tmp/sums.before" || fail "diagnose changed an image"

xmllint --html --noout "$tmp/report.html" 2>"$tmp/xmllint.err" || fail "xmllint: $(cat "$tmp/xmllint.err")"
[ ! -s "$tmp/xmllint.err" ] || fail "xmllint: $(cat "$tmp/xmllint.err")"
grep -q '<!DOCTYPE html>' "$tmp/report.html" || fail "no HTML5 doctype"
grep -q 'registry.hive.corrupt' "$tmp/report.html" || fail "HTML lacks the finding"
grep -q '^\[CRITICAL\] The registry hive SYSTEM' "$tmp/hive.txt" || fail "text report: $(head -5 "$tmp/hive.txt")"
ls "$tmp/log"/diagnose-*.txt "$tmp/log"/diagnose-*.json >/dev/null || fail "no copy in the log folder"

python3 - "$tmp" <<'PY' || fail "findings"
import json, sys
t = sys.argv[1]
def load(n):
    j = json.load(open(f"{t}/{n}.json"))
    assert j["schema"] == 1 and len(j["support_code"]) == 11, j
    for f in j["findings"]:
        for k in ("id", "severity", "where", "msgid", "args", "message", "message_en", "advice", "technical"):
            assert k in f, (n, k, f)
        assert "%" not in f["message_en"].replace("%%", ""), f
    return j
def ids(j, sev=None):
    return [f["id"] for f in j["findings"] if sev is None or f["severity"] == sev]
def has(n, fid, sev=None, advice=None):
    j = load(n)
    m = [f for f in j["findings"] if f["id"] == fid]
    assert m, f"{n}: {fid} missing; got {ids(j)}"
    if sev: assert m[0]["severity"] == sev, (n, m[0])
    if advice: assert m[0]["advice"] == advice, (n, m[0])
    return m[0]
def hasnt(n, *fids):
    got = ids(load(n))
    for fid in fids:
        assert fid not in got, f"{n}: unexpected {fid}"

h = load("healthy")
assert h["firmware"] == "uefi" and h["secure_boot"] is True, h
has("healthy", "boot.firmware")
assert "Secure Boot on" in has("healthy", "boot.firmware")["message_en"]
has("healthy", "boot.bcd.ok")
has("healthy", "boot.esp.ok")
has("healthy", "registry.ok")
has("healthy", "disk.smart.none")
f = has("healthy", "install.refresh.available")
assert "install.wim" in f["args"][0], f
hasnt("healthy", "volume.hibernated", "volume.fast_startup", "volume.dirty", "boot.bcd.missing",
      "registry.hive.corrupt", "boot.bcd.device_missing", "volume.bitlocker", "install.none")
assert load("mbr")["firmware"] == "bios"
has("mbr", "boot.mbr.code_missing", "problem")      # the fixture's MBR has no boot code
hasnt("mbr", "boot.mbr.no_active", "boot.bootmgr.missing", "boot.bcd.missing")
# The fixture's MBR store (written by bcd.c) starts Windows on partition 2.
has("mbr", "boot.bcd.ok", "ok")
hasnt("mbr", "boot.bcd.device_missing", "boot.bcd.not_windows", "boot.bcd.damaged")

has("hib", "volume.hibernated", "problem", "repair-hibernation")
hasnt("hib", "volume.fast_startup")
has("fast", "volume.fast_startup", "problem", "full-shutdown")
has("dirty", "volume.dirty", "warning", "clear-dirty")
f = has("nobcd", "boot.bcd.missing", "critical", "repair-boot")
assert "Your PC needs to be repaired" in f["message_en"] and "\\Boot\\BCD" in f["message_en"]
hasnt("nobcd", "boot.bcd.ok")
f = has("badbcd", "boot.bcd.device_missing", "critical", "repair-boot")
assert "deadbeef-6d28-4b4f-8c1a-9f0e2d7b5c33" in f["technical"], f
hasnt("badbcd", "boot.bcd.ok")
f = has("hive", "registry.hive.corrupt", "critical", "repair-registry")
assert f["args"][0] == "SYSTEM", f
hasnt("hive", "registry.regback.unusable", "registry.ok")
f = has("hive", "install.srt_root_cause", "warning")
assert "disk.sys is corrupt" in f["args"][0] and f["args"][1] == "File repair", f
has("hive", "install.servicing_pending", "warning")
f = has("bitlk", "volume.bitlocker", "problem", "bitlocker-key")
assert "locked" in f["message_en"], f
has("bitlk", "install.none")
hasnt("bitlk", "boot.esp.missing")       # a BitLocker data disk is not a boot disk
has("bitwin", "volume.bitlocker", "problem")
f = has("bitwin", "boot.bcd.ok")
assert "BitLocker" in f["technical"] and "partition 3" in f["args"][1], f
hasnt("bitwin", "boot.bcd.not_windows", "boot.bcd.device_missing", "boot.bcd.missing")

# Severity order: worst first.
order = {"critical": 3, "problem": 2, "warning": 1, "ok": 0}
for n in ("healthy", "hive", "nobcd", "bitlk"):
    s = [order[f["severity"]] for f in load(n)["findings"]]
    assert s == sorted(s, reverse=True), (n, s)
    assert load(n)["worst"] == max(load(n)["findings"], key=lambda f: order[f["severity"]])["severity"]
open(f"{t}/code", "w").write(load("hive")["support_code"] + "\n")
open(f"{t}/code-ids", "w").write("\n".join(sorted(set(i for i in ids(load("hive")) if [f for f in load("hive")["findings"] if f["id"] == i and f["severity"] != "ok"]))) + "\n")
PY

# The support code decodes to the non-ok findings; a typo is refused.
code=$(cat "$tmp/code")
$bin $log diagnose --decode "$code" >"$tmp/decoded" || fail "decode $code"
grep '^  ' "$tmp/decoded" | sed 's/^  //' | sort >"$tmp/decoded-ids"
diff "$tmp/code-ids" "$tmp/decoded-ids" || fail "decoded ids differ"
bad=$(printf '%s' "$code" | sed 's/^\(.\)/\1X/; s/^\(.\)X./\1/' )
last=${code: -1}; swap=$([ "$last" = 2 ] && echo 3 || echo 2)
if $bin $log diagnose --decode "${code%?}$swap" >/dev/null 2>&1; then fail "a wrong check character was accepted"; fi
if $bin $log diagnose --decode "ABC" >/dev/null 2>&1; then fail "a short code was accepted"; fi

# --- diagnose --scan: unreadable sectors inside the Windows partition, served by the
# faulty FUSE server of test_surface (root and /dev/fuse needed, as t-scan.sh).
if [ "$(id -u)" != 0 ] || [ ! -w /dev/fuse ]; then
	echo "needs root and /dev/fuse for the unreadable-sector part"
	exit 77
fi
serve="$top/${BUILD:-build}/tests/test_surface"
[ -x "$serve" ] || fail "$serve is missing (make builds it with the unit tests)"
mkdir "$tmp/mnt"
win_start=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); p=[p for p in m["gpt"]["partitions"] if p["number"]==3][0]; print(p["start"] // 512, p["size"] // 512)' "$pc/manifest.json")
set -- $win_start
bad=$(( $1 + $2 - 4096 ))	# 2 MiB before the end of the Windows partition: free space
# and one sector inside the SYSTEM hive (its first cluster, as t-scan-file.sh finds it)
lcn=$(ntfscluster -F /Windows/System32/config/SYSTEM "$pc/windows.img" | awk '/LCN/ {getline; print $2; exit}')
cs=$(ntfsinfo -m "$pc/windows.img" | awk '/Cluster Size:/ {print $3; exit}')
[ -n "$lcn" ] && [ -n "$cs" ] || fail "ntfscluster/ntfsinfo: no cluster for the SYSTEM hive"
sysbad=$(( $1 + lcn * cs / 512 + 3 ))
s0=$(sha256sum <"$pc/pc.img")
"$serve" --serve "$tmp/mnt" "$pc/pc.img" --bad "$bad:3" --bad "$sysbad:1" >"$tmp/serve.out" &
server=$!
trap 'umount -l "$tmp/mnt" 2>/dev/null || true; kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
i=0
while [ "$(stat -c %s "$tmp/mnt/disk.img" 2>/dev/null || echo 0)" = 0 ]; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "the FUSE server did not start"; sleep 0.05
done
$bin $log diagnose --scan --json "$tmp/mnt/disk.img" >"$tmp/scan.json" || fail "diagnose --scan exited $?"
umount -l "$tmp/mnt" || true; wait $server 2>/dev/null || true
[ "$(sha256sum <"$pc/pc.img")" = "$s0" ] || fail "the scan changed the disk"
python3 - "$tmp/scan.json" "$bad" "$sysbad" <<'PY' || fail "scan findings: $(cat "$tmp/scan.json")"
import json, sys
j = json.load(open(sys.argv[1])); bad = int(sys.argv[2]); sysbad = int(sys.argv[3])
f = [f for f in j["findings"] if f["id"] == "disk.surface.bad"]
assert f and f[0]["severity"] == "critical" and f[0]["advice"] == "backup", f
assert f[0]["args"][1] == "4", f
assert f[0]["args"][2] == "\\Windows\\System32\\config\\SYSTEM", f[0]["args"]
assert "\\Windows\\System32\\config\\SYSTEM" in f[0]["message_en"], f[0]
assert f"sector {bad}+3 (partition 3, offset " in f[0]["technical"], f[0]["technical"]
assert f"sector {sysbad}+1 (partition 3, offset " in f[0]["technical"], f[0]["technical"]
assert ", file \\Windows\\System32\\config\\SYSTEM)" in f[0]["technical"], f[0]["technical"]
# The unreadable SYSTEM hive is itself a finding: it explains a failing start.
h = [f for f in j["findings"] if f["id"] == "registry.hive.corrupt" and f["args"][0] == "SYSTEM"]
assert h, [x["id"] for x in j["findings"]]
assert j["worst"] == "critical" and j["findings"][0]["severity"] == "critical", j["findings"][0]
assert not [x for x in j["findings"] if x["id"] == "disk.surface.ok"]
PY
echo "ok: t-diagnose ($(ls "$tmp"/*.json | wc -l) reports)"
exit 0
