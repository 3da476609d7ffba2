#!/bin/sh
# t-refresh.sh - a refresh of the synthetic Windows 8.1 PC, checked from outside the
# engine: every user file is back exactly once and unchanged (ntfsdump, an
# independent libntfs-3g walker), the old system is in \Windows.old, accounts and
# the boot key are carried, the answer file and Removed Apps.html are written, and
# ntfsfix -n finds the volume consistent.  Also: bad inputs refuse and change
# nothing (checksums), and the whole-disk GPT image through a loop device (root).
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; tools="$top/${BUILD:-build}/tools"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$top/tests/fixtures/build-pc.sh" --size small --out "$tmp/pc" >/dev/null
pc=$tmp/pc
img=$tmp/w.img
cp --sparse=always "$pc/windows.img" "$img"
"$tools/ntfsdump" "$img" >"$tmp/before.tsv"

# --- Bad inputs: refused with one sentence, exit 3 or 2, the volume byte-identical.
sum0=$(sha256sum "$img" | cut -d' ' -f1)
expect() {	# expect STATUS MESSAGE-PART cmd...
	want=$1 msg=$2; shift 2
	set +e; "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
	[ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "'$*' exited $got, want $want"; }
	grep -q -- "$msg" "$tmp/err" || { cat "$tmp/err"; fail "'$*': no '$msg'"; }
	[ "$(sha256sum "$img" | cut -d' ' -f1)" = "$sum0" ] || fail "'$*' changed the volume"
}
log="--log $tmp/refresh.log"
# A Windows 8 (6.2) image cannot refresh Windows 8.1: refused with the reason.
cp "$pc/install.wim" "$tmp/other.wim"
wimlib-imagex info "$tmp/other.wim" 1 --image-property WINDOWS/VERSION/MINOR=2 >/dev/null
expect 3 "does not match" $bin $log refresh --target "$img" --source "$tmp/other.wim" --yes
grep -q "Windows 8" "$tmp/err" || fail "mismatch not explained: $(cat "$tmp/err")"
expect 3 "Образ Windows не соответствует" $bin $log --lang ru refresh --target "$img" --source "$tmp/other.wim" --yes
expect 1 "damaged or incomplete" $bin $log refresh --target "$img" --source /dev/null --yes
head -c 100000 "$pc/install.wim" >"$tmp/cut.wim"
expect 1 "damaged or incomplete" $bin $log refresh --target "$img" --source "$tmp/cut.wim" --yes
expect 1 "could not be opened" $bin $log refresh --target "$tmp/none.img" --source "$pc/install.wim" --yes
expect 2 "with --target" $bin $log refresh --source "$pc/install.wim"
expect 3 "confirmation" $bin $log refresh --target "$img" --source "$pc/install.wim" </dev/null
expect 1 "nothing to resume" $bin $log resume --target "$img"
# A hibernated volume: refused unless the person agrees to lose the session.
"$top/tests/fixtures/build-pc.sh" --size small --hiberfil --out "$tmp/hib" >/dev/null
hsum=$(sha256sum "$tmp/hib/windows.img" | cut -d' ' -f1)
set +e; $bin $log refresh --target "$tmp/hib/windows.img" --source "$pc/install.wim" --yes 2>"$tmp/err"; st=$?; set -e
[ $st -eq 3 ] && grep -q "hibernated" "$tmp/err" && grep -q -- "--discard-hibernation" "$tmp/err" ||
	fail "hibernated volume: exit $st: $(cat "$tmp/err")"
[ "$(sha256sum "$tmp/hib/windows.img" | cut -d' ' -f1)" = "$hsum" ] || fail "hibernated volume changed"
# With consent it goes on, and hiberfil.sys is gone.
$bin $log refresh --target "$tmp/hib/windows.img" --source "$pc/install.wim" --yes --discard-hibernation >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "refresh --discard-hibernation"; }
"$tools/ntfsdump" "$tmp/hib/windows.img" | grep -q "^/hiberfil.sys	" && fail "hiberfil.sys kept"
rm -rf "$tmp/hib"

# --- The dry run writes nothing and names what will move.
$bin $log refresh --target "$img" --source "$pc/install.wim" --dry-run >"$tmp/plan"
[ "$(sha256sum "$img" | cut -d' ' -f1)" = "$sum0" ] || fail "dry run changed the volume"
for want in "Program Files" "ProgramData" "Users" "Windows" "Data" "pagefile.sys" "Alice" "Тарас" "山田太郎"; do
	grep -q "$want" "$tmp/plan" || fail "dry run does not mention $want"
done
# The apps the dry run says will be removed are exactly those Removed Apps.html lists
# afterwards (checked below): 7-Zip goes, VLC (in the new image too) stays.
sed -n '/Desktop apps that will be removed/,$p' "$tmp/plan" >"$tmp/plan-apps"
grep -q "7-Zip" "$tmp/plan-apps" || fail "dry run: 7-Zip not listed as removed"
grep -q "VLC" "$tmp/plan-apps" && fail "dry run: VLC listed as removed but the image has it"

# --- The refresh.
$bin $log refresh --target "$img" --source "$pc/install.wim" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "refresh failed"; }
"$tools/ntfsdump" "$img" >"$tmp/after.tsv"
python3 "$top/tests/tools/check_user_files.py" "$tmp/before.tsv" "$tmp/after.tsv" --final
ntfsfix -n "$img" >"$tmp/fix" 2>&1 || { cat "$tmp/fix"; fail "ntfsfix -n"; }
grep -q "processed successfully" "$tmp/fix" || fail "ntfsfix: $(cat "$tmp/fix")"
# The old system is kept, the transient files are gone, \Data stayed.
for p in /Windows.old/Windows/System32/config/SYSTEM /Windows.old/Program\ Files /Data /Users/Alice/NTUSER.DAT; do
	grep -q "^$p	" "$tmp/after.tsv" || fail "missing $p"
done
for p in /pagefile.sys /swapfile.sys /Windows.old/pagefile.sys; do
	grep -q "^$p	" "$tmp/after.tsv" && fail "$p is still there"
done
# Accounts: SAM carried whole; the old boot key in the new SYSTEM.
ntfscat "$img" /Windows/System32/config/SAM >"$tmp/sam.new"
ntfscat "$img" /Windows.old/Windows/System32/config/SAM >"$tmp/sam.old"
cmp -s "$tmp/sam.new" "$tmp/sam.old" || fail "SAM not carried"
ntfscat "$img" /Windows/System32/config/SYSTEM >"$tmp/system.new"
ntfscat "$img" /Windows.old/Windows/System32/config/SYSTEM >"$tmp/system.old"
python3 "$top/tests/tools/bootkey.py" "$tmp/system.old" >"$tmp/key.old"
python3 "$top/tests/tools/bootkey.py" "$tmp/system.new" >"$tmp/key.new"
cmp -s "$tmp/key.old" "$tmp/key.new" || fail "boot key differs: $(cat "$tmp/key.old") vs $(cat "$tmp/key.new")"
grep -Eq '^[0-9a-f]{32}$' "$tmp/key.new" || fail "boot key: $(cat "$tmp/key.new")"
# ProfileList of the new SOFTWARE has the three users; hivexregedit reads it.
ntfscat "$img" /Windows/System32/config/SOFTWARE >"$tmp/software.new"
hivexregedit --export "$tmp/software.new" '\Microsoft\Windows NT\CurrentVersion\ProfileList' >"$tmp/pl.reg"
[ "$(grep -c '^\[.*S-1-5-21-.*-100[123]\]$' "$tmp/pl.reg")" -eq 3 ] || fail "ProfileList: $(grep '^\[' "$tmp/pl.reg")"
# The answer file parses and carries the old settings.
ntfscat "$img" /Windows/Panther/unattend.xml >"$tmp/unattend.xml"
xmllint --noout "$tmp/unattend.xml"
grep -q "<ComputerName>YAMADA-PC</ComputerName>" "$tmp/unattend.xml" || fail "unattend: computer name"
grep -q "<TimeZone>Tokyo Standard Time</TimeZone>" "$tmp/unattend.xml" || fail "unattend: time zone"
# Removed Apps.html on each desktop: valid, escaped, only the apps the image lacks.
for u in Alice Тарас 山田太郎; do
	ntfscat "$img" "/Users/$u/Desktop/Removed Apps.html" >"$tmp/ra.html" || fail "no Removed Apps.html for $u"
	xmllint --html --noout "$tmp/ra.html" 2>"$tmp/lint" || true
	[ ! -s "$tmp/lint" ] || fail "Removed Apps.html for $u: $(cat "$tmp/lint")"
	grep -q "7-Zip" "$tmp/ra.html" || fail "7-Zip not listed as removed"
	grep -q "VLC" "$tmp/ra.html" && fail "VLC listed as removed"
	[ "$(grep -c '<tr><td>' "$tmp/ra.html")" -eq "$(($(wc -l <"$tmp/plan-apps") - 1))" ] ||
		fail "Removed Apps.html and the dry run disagree"
	grep -q "<script>" "$tmp/ra.html" && fail "unescaped registry string in Removed Apps.html"
	grep -q 'href="javascript' "$tmp/ra.html" && fail "javascript: link made clickable"
done
# Inspection of the refreshed volume still finds Windows 8.1 with the three users.
$bin $log inspect --json "$img" >"$tmp/after.json"
python3 - "$tmp/after.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
w = j["disks"][0]["volume"]["windows"]
names = sorted(u["name"] for u in w["users"] if not u["special"])
assert names == sorted(["Alice", "Тарас", "山田太郎"]), names
assert w["marketing_name"] == "Windows 8.1", w["marketing_name"]
PY
# A second refresh keeps the first Windows.old as Windows.old.000.
"$tools/ntfsdump" "$img" >"$tmp/before2.tsv"
$bin $log refresh --target "$img" --source "$pc/install.wim" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "second refresh"; }
"$tools/ntfsdump" "$img" >"$tmp/after2.tsv"
grep -q "^/Windows.old.000/Windows.old	" "$tmp/after2.tsv" && fail "Windows.old nested"
grep -q "^/Windows.old.000	" "$tmp/after2.tsv" || fail "no Windows.old.000"
python3 "$top/tests/tools/check_user_files.py" "$tmp/before.tsv" "$tmp/after2.tsv" --final

# --- The whole-disk GPT image, partition 3, through a loop device (root only).
if [ "$(id -u)" -eq 0 ]; then
	disk=$tmp/pc.img
	cp --sparse=always "$pc/pc.img" "$disk"
	s1=$(dd if="$disk" bs=1M count=1 2>/dev/null | sha256sum)
	$bin $log refresh --target "$disk" --partition 3 --source "$pc/install.wim" --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "refresh of pc.img partition 3"; }
	[ "$(dd if="$disk" bs=1M count=1 2>/dev/null | sha256sum)" = "$s1" ] || fail "partition table changed"
	# Step 7 rebuilt the boot files from the new system: the old BCD is kept, the ESP
	# is clean, and the new BCD starts Windows from partition 3 (its GUID).
	esp_off=$(python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['gpt']['partitions'][0]; print(p['start'])" "$pc/manifest.json")
	mdir -i "$disk@@$esp_off" ::/EFI/Microsoft/Boot | grep -q 'BCD.winrescue-' || fail "no BCD backup on the ESP"
	dd if="$disk" of="$tmp/esp.img" bs=1M skip=$((esp_off / 1048576)) count=100 2>/dev/null
	fsck.fat -n "$tmp/esp.img" >"$tmp/fsck" 2>&1 || { cat "$tmp/fsck"; fail "fsck.fat -n on the ESP"; }
	mcopy -i "$disk@@$esp_off" ::/EFI/Microsoft/Boot/BCD "$tmp/bcd.new"
	win_guid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['gpt']['partitions'][2]['uuid'])" "$pc/manifest.json")
	hivexregedit --export "$tmp/bcd.new" '\' >"$tmp/bcd.reg"
	python3 - "$tmp/bcd.reg" "$win_guid" <<'PY' || fail "the new BCD does not start partition 3"
import re, sys, uuid
text = open(sys.argv[1], encoding="utf-8", errors="replace").read().replace("\\\n  ", "")
want = uuid.UUID(sys.argv[2]).bytes_le.hex(",")
# the Windows loader's device element (11000001) holds the partition GUID
found = False
for block in text.split("\n\n"):
    if "Elements\\11000001]" in block and want in block.replace(" ", ""):
        found = True
sys.exit(0 if found else 1)
PY
	# Without --source on a fresh copy: the factory image on the recovery partition,
	# mounted read-only; the recovery partition is byte-identical afterwards.
	cp --sparse=always "$pc/pc.img" "$tmp/pc2.img"
	rec_off=$(python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['gpt']['partitions'][3]; print(p['start'], p['size'])" "$pc/manifest.json")
	rsum() { python3 - "$1" $rec_off <<'PY'
import hashlib, sys
f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2])); n = int(sys.argv[3]); h = hashlib.sha256()
while n:
    b = f.read(min(n, 1 << 20)); h.update(b); n -= len(b)
print(h.hexdigest())
PY
	}
	r1=$(rsum "$tmp/pc2.img")
	$bin $log refresh --target "$tmp/pc2.img" --partition 3 --dry-run >"$tmp/plan2"
	grep -q 'RecoveryImage.install.wim on partition 4' "$tmp/plan2" || fail "factory image not chosen: $(cat "$tmp/plan2")"
	$bin $log refresh --target "$tmp/pc2.img" --partition 3 --yes >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "refresh from the factory image"; }
	[ "$(rsum "$tmp/pc2.img")" = "$r1" ] || fail "the recovery partition changed"
	losetup -j "$tmp/pc2.img" | grep -q . && fail "the factory image stayed mounted"
	rm -f "$tmp/pc2.img"
	$bin $log inspect --json "$disk" >"$tmp/disk.json"
	python3 - "$tmp/disk.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["disks"][0]
w = d["partitions"][2]["volume"]["windows"]
assert sorted(u["name"] for u in w["users"] if not u["special"]) == sorted(["Alice", "Тарас", "山田太郎"])
PY
	losetup -j "$disk" | grep -q . && fail "a loop device was left attached"
else
	echo "note: the whole-disk image case needs root (loop devices); CI runs it"
fi
echo "t-refresh: all checks passed"
