#!/bin/bash
# t-fixture.sh - the synthetic Windows 8.1 PC (tests/fixtures/build-pc.sh), checked with
# independent tools: hivexregedit on every hive, wiminfo on every WIM, ntfsls/ntfsinfo/
# ntfscat on the volumes, parted/sfdisk/blkid on the disks, fsck.fat on the ESP, ntfsfix
# on every NTFS volume; then the --hiberfil, --dirty, --fast-startup and --size variants.
#
# Run from the top of the checkout (tests/run-tests.sh does): needs $BUILD/tools built.
# tests/run-tests.sh starts scripts with sh; this one is written for bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu

top=${WINRESCUE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tools="$top/${BUILD:-build}/tools"
export BUILD=${BUILD:-build}
builder="$top/tests/fixtures/build-pc.sh"

for t in mkvolume mkhives placeimg; do
	[ -x "$tools/$t" ] || { echo "FAIL: $tools/$t is missing (make all builds it)"; exit 1; }
done
for t in hivexregedit wiminfo ntfsls ntfsinfo ntfscat ntfsfix parted sfdisk blkid fsck.fat \
	mdir mcopy xmllint sha256sum python3; do
	command -v "$t" >/dev/null || { echo "$t is not installed (make deps installs it)"; exit 77; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t-fixture.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
check() {	# check DESCRIPTION COMMAND...: the command must succeed
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/     /' "$tmp/out" | tail -15; fi
}
has() {	# has DESCRIPTION FILE PATTERN (grep -E)
	if grep -Eq -- "$3" "$2"; then ok "$1"; else bad "$1: no /$3/ in $(basename "$2")"; sed 's/^/     /' "$2" | head -20; fi
}
# json QUERY: evaluate a Python expression on the manifest (m) and print the result.
json() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print($2)" "$1"; }

# ---------------------------------------------------------------------------
echo "== build the default PC (--size small)"
pc=$tmp/pc
start=$(date +%s%N)
"$builder" --out "$pc" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; echo "FAIL build-pc.sh"; exit 1; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "build-pc.sh --size small took $(( ms / 1000 )).$(printf %03d $(( ms % 1000 ))) s"
limit=${FIXTURE_TIME_LIMIT:-30}
if [ "$ms" -le $(( limit * 1000 )) ]; then ok "built in under $limit s"; else bad "took longer than $limit s"; fi
for f in windows.img install.wim winre.wim pc.img pc-mbr.img manifest.json files.json; do
	[ -s "$pc/$f" ] && ok "$f exists" || bad "$f is missing"
done
check "manifest.json is valid JSON" python3 -m json.tool "$pc/manifest.json"
m=$pc/manifest.json
win=$pc/windows.img

# ---------------------------------------------------------------------------
echo "== hives (copied out with ntfscat, read with hivexregedit)"
cfg=/Windows/System32/config
for h in SOFTWARE SYSTEM SAM SECURITY DEFAULT; do
	ntfscat "$win" "$cfg/$h" >"$tmp/$h" || bad "ntfscat $h"
	check "hivexregedit --export $h" hivexregedit --export "$tmp/$h" '\'
	hivexregedit --export --unsafe-printable-strings "$tmp/$h" '\' >"$tmp/$h.reg" 2>/dev/null || true
	ntfscat "$win" "$cfg/RegBack/$h" | cmp -s - "$tmp/$h" && ok "RegBack/$h is a copy" ||
		bad "RegBack/$h differs"
done
has "SOFTWARE: ProductName Windows 8.1" "$tmp/SOFTWARE.reg" '"ProductName"=.*Windows 8\.1'
has "SOFTWARE: EditionID Core" "$tmp/SOFTWARE.reg" '"EditionID"=.*Core'
has "SOFTWARE: CurrentVersion 6.3" "$tmp/SOFTWARE.reg" '"CurrentVersion"=.*6\.3'
has "SOFTWARE: ProfileList" "$tmp/SOFTWARE.reg" 'ProfileList\\S-1-5-21-'
has "SYSTEM: ComputerName" "$tmp/SYSTEM.reg" 'ComputerName'
# The users of the manifest are the users of ProfileList, and each has a profile.
nusers=$(json "$m" 'len(m["users"])')
[ "$nusers" -ge 3 ] && ok "manifest lists $nusers users" || bad "manifest lists $nusers users"
ntfsls "$win" -p /Users >"$tmp/users.ls" 2>&1 || bad "ntfsls /Users"
for i in $(seq 0 $((nusers - 1))); do
	name=$(json "$m" "m['users'][$i]['name']")
	sid=$(json "$m" "m['users'][$i]['sid']")
	grep -qx -- "$name" "$tmp/users.ls" && ok "profile folder Users\\$name" || bad "no Users\\$name"
	grep -q -- "ProfileList\\\\$sid" "$tmp/SOFTWARE.reg" && ok "$sid in ProfileList" ||
		bad "$sid not in ProfileList"
	ntfscat "$win" "/Users/$name/NTUSER.DAT" >"$tmp/ntuser" || bad "ntfscat NTUSER.DAT of $name"
	check "hivexregedit --export NTUSER.DAT of $name" hivexregedit --export "$tmp/ntuser" '\'
done
for n in Alice Тарас 山田太郎 Default Public; do
	grep -qx -- "$n" "$tmp/users.ls" && ok "Users\\$n" || bad "no Users\\$n"
done
ntfscat "$win" /Users/Default/NTUSER.DAT >"$tmp/ntuser-default" || bad "ntfscat Default NTUSER.DAT"
check "hivexregedit --export Default NTUSER.DAT" hivexregedit --export "$tmp/ntuser-default" '\'

# ---------------------------------------------------------------------------
echo "== the Windows volume (ntfsls, ntfsinfo, ntfscat)"
check "ntfsfix -n windows.img" ntfsfix -n "$win"
ntfsinfo -m "$win" >"$tmp/vol.info" 2>&1 || bad "ntfsinfo -m"
has "volume label Windows" "$tmp/vol.info" 'Volume Name:[[:space:]]+Windows$'
ntfsls -a "$win" -p / >"$tmp/root.ls" 2>&1 || bad "ntfsls /"
for n in Windows "Program Files" "Program Files (x86)" ProgramData Users Data pagefile.sys \
	swapfile.sys hiberfil.sys 'Documents and Settings' '$Recycle.Bin' 'System Volume Information'; do
	grep -qx -- "$n" "$tmp/root.ls" && ok "root entry $n" || bad "no root entry $n"
done
ntfscat "$win" /Windows/System32/kernel32.dll >"$tmp/kernel32.dll" || bad "ntfscat kernel32.dll"
python3 - "$tmp/kernel32.dll" <<'EOF' && ok "kernel32.dll: MZ, PE, AMD64, PE32+" || bad "kernel32.dll PE header"
import struct, sys
b = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", b, 0x3C)[0]
assert b[:2] == b"MZ" and b[pe:pe + 4] == b"PE\0\0"
assert struct.unpack_from("<H", b, pe + 4)[0] == 0x8664
assert struct.unpack_from("<H", b, pe + 24)[0] == 0x20B
EOF
for f in Windows/System32/ntdll.dll Windows/System32/winload.efi Windows/System32/winload.exe \
	Windows/Boot/EFI/bootmgfw.efi Windows/Boot/EFI/bootmgr.efi Windows/Boot/PCAT/bootmgr; do
	[ "$(ntfscat "$win" "/$f" | head -c 2)" = MZ ] && ok "$f is a PE file" || bad "$f"
done
ntfscat "$win" /Windows/System32/Recovery/ReAgent.xml >"$tmp/ReAgent.xml" || bad "ntfscat ReAgent.xml"
check "ReAgent.xml is well-formed (xmllint)" xmllint --noout "$tmp/ReAgent.xml"
rec_start=$(json "$m" '[p["start"] for p in m["gpt"]["partitions"] if p["role"] == "recovery"][0]')
disk_guid=$(json "$m" 'm["gpt"]["disk_guid"]')
has "ReAgent.xml: version 2.0" "$tmp/ReAgent.xml" '<WindowsRE version="2.0">'
has "ReAgent.xml: WinRE on the recovery partition" "$tmp/ReAgent.xml" \
	"<WinreLocation path=\"\\\\Recovery\\\\WindowsRE\" id=\"0\" offset=\"$rec_start\" guid=\"\\{$disk_guid\\}\"/>"
has "ReAgent.xml: factory image index 1" "$tmp/ReAgent.xml" \
	"<PBRImageLocation path=\"\\\\RecoveryImage\" id=\"0\" offset=\"$rec_start\" guid=\"\\{$disk_guid\\}\" index=\"1\"/>"
has "ReAgent.xml: InstallState 1" "$tmp/ReAgent.xml" '<InstallState state="1"/>'
# Store apps: one package folder with a well-formed manifest for each registered app.
napps=$(json "$m" 'len(m["store_apps"])')
[ "$napps" -ge 1 ] && ok "$napps Store apps" || bad "no Store apps"
for i in $(seq 0 $((napps - 1))); do
	pkg=$(json "$m" "m['store_apps'][$i]")
	ntfscat "$win" "/Program Files/WindowsApps/$pkg/AppxManifest.xml" >"$tmp/appx.xml" &&
		xmllint --noout "$tmp/appx.xml" && grep -q "Name=\"${pkg%%_*}\"" "$tmp/appx.xml" &&
		ok "AppxManifest.xml of $pkg" || bad "AppxManifest.xml of $pkg"
done

# The special entries, each seen by ntfs-3g's own tools.
zone="Users/Alice/Downloads/Firefox Setup 28.0.exe"
ntfsinfo -F "/$zone" "$win" >"$tmp/zone.info" 2>&1 || bad "ntfsinfo $zone"
has "ADS Zone.Identifier" "$tmp/zone.info" "Attribute name:[[:space:]]+'Zone.Identifier'"
ntfscat -a 0x80 -n Zone.Identifier "$win" "/$zone" >"$tmp/zone" 2>/dev/null || true
has "Zone.Identifier says ZoneId=3" "$tmp/zone" 'ZoneId=3'
ntfsinfo -F "/Users/Alice/Documents/Tax return 2013.pdf" "$win" >"$tmp/link.info" 2>&1 || bad "ntfsinfo link"
has "hard link: 2 links" "$tmp/link.info" 'Number of Hard Links:[[:space:]]+2 '
ntfsinfo -F "/Users/Alice/Application Data" "$win" >"$tmp/junction.info" 2>&1 || bad "ntfsinfo junction"
has "junction: reparse tag mount point" "$tmp/junction.info" 'Reparse tag:[[:space:]]+0xa0000003'
has "junction: hidden, system" "$tmp/junction.info" 'File attributes:.*HIDDEN SYSTEM.*REPARSE_POINT'
ntfsinfo -F "/Users/Alice/Documents/Virtual Machines/XP Mode.vhd" "$win" >"$tmp/sparse.info" 2>&1 || bad "ntfsinfo sparse"
has "sparse file" "$tmp/sparse.info" 'File attributes:.*SPARSE_FILE'
ntfsinfo -F "/Users/Alice/Desktop/desktop.ini" "$win" >"$tmp/ini.info" 2>&1 || bad "ntfsinfo desktop.ini"
has "desktop.ini hidden+system" "$tmp/ini.info" 'File attributes:.*HIDDEN SYSTEM'
ntfsinfo -F "/Users/Alice/Desktop/Shopping list.txt" "$win" >"$tmp/ro.info" 2>&1 || bad "ntfsinfo read-only"
has "read-only file" "$tmp/ro.info" 'File attributes:.*READONLY'
ntfsinfo -F "/Program Files" "$win" >"$tmp/pf.info" 2>&1 || bad "ntfsinfo Program Files"
has "Program Files has a DOS name" "$tmp/pf.info" 'Namespace:[[:space:]]+DOS'
long=$(json "$m" '[f["path"] for f in m["files"] if len(f["path"]) > 257][0]')
[ $(( ${#long} + 3 )) -gt 260 ] && ntfscat "$win" "/$long" | cmp -s - <(ntfscat "$win" "/$long") &&
	ok "a path of $(( ${#long} + 3 )) characters" || bad "long path"
has "files are dated in 2014, after the installation" "$tmp/ro.info" 'File Creation Time:.* 2014 UTC'
for f in "Users/Alice/Pictures/写真 2014 🎉.jpg" "Users/Тарас/Documents/Курсовая работа.docx" \
	"Users/山田太郎/Pictures/桜 🌸.jpg"; do
	ntfsinfo -F "/$f" "$win" >/dev/null 2>&1 && ok "$f" || bad "no $f"
done

# Every file of the manifest, read back with ntfscat, has the recorded size and sha256.
python3 - "$m" >"$tmp/files.tsv" <<'EOF'
import json, sys
for f in json.load(open(sys.argv[1]))["files"]:
    if f["type"] == "file":
        print("%s\t%d\t%s\t%d" % (f["path"], f["size"], f["sha256"], f["links"]))
EOF
nfiles=0 badfiles=0
while IFS=$'\t' read -r path size sum links; do
	nfiles=$((nfiles + 1))
	got=$(ntfscat "$win" "/$path" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] || { badfiles=$((badfiles + 1)); echo "     $path: sha256 $got, manifest $sum"; }
done <"$tmp/files.tsv"
[ "$nfiles" -ge 30 ] && [ "$badfiles" = 0 ] && ok "$nfiles files match the manifest (sha256)" ||
	bad "$badfiles of $nfiles files differ from the manifest"
json "$m" '[f["path"] for f in m["files"] if "hidden" in f["attributes"] and f["path"].endswith("desktop.ini")][:1]' |
	grep -q desktop.ini && ok "manifest records attributes" || bad "manifest attributes"
json "$m" '[s["name"] for f in m["files"] for s in f["streams"]]' | grep -q Zone.Identifier &&
	ok "manifest records streams" || bad "manifest streams"
json "$m" '[f["target"] for f in m["files"] if f["type"] == "junction"]' | grep -q 'AppData' &&
	ok "manifest records junction targets" || bad "manifest junctions"

# ---------------------------------------------------------------------------
echo "== WIM files (wiminfo)"
for i in 1 2; do
	wiminfo "$pc/install.wim" "$i" >"$tmp/wim$i" 2>&1 || bad "wiminfo install.wim $i"
	has "install.wim $i: x64" "$tmp/wim$i" '^Architecture:[[:space:]]+x86_64'
	has "install.wim $i: 6.3.9600" "$tmp/wim$i" '^Major Version:[[:space:]]+6'
	has "install.wim $i: minor 3" "$tmp/wim$i" '^Minor Version:[[:space:]]+3'
	has "install.wim $i: build 9600" "$tmp/wim$i" '^Build:[[:space:]]+9600'
	has "install.wim $i: languages" "$tmp/wim$i" '^Languages:[[:space:]]+[a-z]{2}-[A-Z]{2}'
done
has "install.wim 1: Core" "$tmp/wim1" '^Edition ID:[[:space:]]+Core$'
has "install.wim 2: Professional" "$tmp/wim2" '^Edition ID:[[:space:]]+Professional$'
wiminfo "$pc/install.wim" >"$tmp/wim" 2>&1 || bad "wiminfo install.wim"
has "install.wim: 2 images" "$tmp/wim" '^Image Count:[[:space:]]+2$'
wiminfo "$pc/winre.wim" 1 >"$tmp/winre" 2>&1 || bad "wiminfo winre.wim"
has "winre.wim: name" "$tmp/winre" '^Name:[[:space:]]+Microsoft Windows Recovery Environment \(x64\)$'
has "winre.wim: WindowsPE" "$tmp/winre" '^Edition ID:[[:space:]]+WindowsPE$'
wimlib-imagex dir "$pc/install.wim" 1 >"$tmp/wimdir" 2>&1 || bad "wimlib-imagex dir"
has "install.wim has Users/Default" "$tmp/wimdir" '^/Users/Default$'
if grep -q '^/Users/Alice' "$tmp/wimdir"; then bad "install.wim holds a user profile"; else ok "install.wim holds no user profile"; fi
json "$m" 'all(a in m["store_apps"] for a in m["store_apps_new"])' | grep -qx True &&
	ok "the new system's Store apps are among the old ones" || bad "Store app subset"
# Desktop apps (Uninstall keys) of the captured SOFTWARE: a strict subset of the old ones.
wimlib-imagex extract "$pc/install.wim" 1 /Windows/System32/config/SOFTWARE \
	--dest-dir="$tmp/new" --no-acls >/dev/null 2>&1 || bad "wimlib-imagex extract SOFTWARE"
uninstall_keys() {
	printf 'cd \\Microsoft\\Windows\\CurrentVersion\\Uninstall\nls\n' | hivexsh "$1" | sort
}
uninstall_keys "$tmp/SOFTWARE" >"$tmp/apps-old"
uninstall_keys "$tmp/new/SOFTWARE" >"$tmp/apps-new"
if [ -s "$tmp/apps-new" ] && [ -z "$(comm -13 "$tmp/apps-old" "$tmp/apps-new")" ] &&
	[ -n "$(comm -23 "$tmp/apps-old" "$tmp/apps-new")" ]; then
	ok "new desktop apps ($(wc -l <"$tmp/apps-new")) are a strict subset of the old ($(wc -l <"$tmp/apps-old"))"
else
	bad "desktop apps of install.wim are not a strict subset of the old system's"
fi

# ---------------------------------------------------------------------------
echo "== the GPT disk (parted, sfdisk, blkid, fsck.fat, ntfsfix)"
disk=$pc/pc.img
parted -s "$disk" unit s print >"$tmp/parted" 2>&1 || bad "parted print pc.img"
has "parted: gpt" "$tmp/parted" '^Partition Table: gpt'
has "parted: ESP" "$tmp/parted" '^ 1 .*fat32[[:space:]]+EFI system partition[[:space:]]+boot, esp'
has "parted: MSR" "$tmp/parted" '^ 2 .*Microsoft reserved partition[[:space:]]+msftres'
has "parted: Windows" "$tmp/parted" '^ 3 .*ntfs[[:space:]]+Basic data partition[[:space:]]+msftdata'
has "parted: Recovery" "$tmp/parted" '^ 4 .*ntfs[[:space:]]+Basic data partition.*diag'
sfdisk -J "$disk" >"$tmp/sfdisk.json" 2>/dev/null || bad "sfdisk -J pc.img"
python3 - "$tmp/sfdisk.json" "$m" <<'EOF' && ok "partition types, GUIDs, names, attributes match the manifest" || bad "partition table vs manifest"
import json, sys
t = json.load(open(sys.argv[1]))["partitiontable"]
m = json.load(open(sys.argv[2]))["gpt"]
assert t["label"] == "gpt" and t["id"].lower() == m["disk_guid"], t["id"]
attrs = {"0x8000000000000000": "GUID:63", "0x0": None, "0x8000000000000001": "RequiredPartition GUID:63"}
for p, q in zip(t["partitions"], m["partitions"]):
    assert p["start"] * 512 == q["start"] and p["size"] * 512 == q["size"], (p, q)
    assert p["type"].lower() == q["type"] and p["uuid"].lower() == q["uuid"], (p, q)
    assert p["name"] == q["name"] and p.get("attrs") == attrs[q["attrs"]], (p, q)
assert len(t["partitions"]) == 4
EOF
for i in 0 1 2 3; do
	role=$(json "$m" "m['gpt']['partitions'][$i]['role']")
	[ "$role" != msr ] || continue
	off=$(json "$m" "m['gpt']['partitions'][$i]['start']")
	fst=$(json "$m" "m['gpt']['partitions'][$i]['fstype']")
	lab=$(json "$m" "m['gpt']['partitions'][$i]['label']")
	blkid -p -O "$off" -o export "$disk" >"$tmp/blkid" 2>&1 || bad "blkid -p -O $off"
	has "blkid: $role is $fst labelled $lab" "$tmp/blkid" "^TYPE=$fst\$"
	has "blkid: $role label" "$tmp/blkid" "^LABEL=$lab\$"
done
# Extract each filesystem as a file for the checkers.
extract() {	# extract DISK START SIZE OUT
	dd if="$1" of="$4" bs=1M skip=$(( $2 / 1048576 )) count=$(( $3 / 1048576 )) status=none conv=sparse
}
p_start() { json "$m" "m['$1']['partitions'][$2]['start']"; }
p_size() { json "$m" "m['$1']['partitions'][$2]['size']"; }
extract "$disk" "$(p_start gpt 0)" "$(p_size gpt 0)" "$tmp/esp.img"
check "fsck.fat -n on the ESP" fsck.fat -n "$tmp/esp.img"
mdir -i "$tmp/esp.img" -/ -b ::/EFI >"$tmp/esp.ls" 2>&1 || bad "mdir ESP"
for f in EFI/Microsoft/Boot/bootmgfw.efi EFI/Microsoft/Boot/BCD EFI/Boot/bootx64.efi; do
	grep -qi "^::/$f\$" "$tmp/esp.ls" && ok "ESP: $f" || bad "ESP: no $f"
done
mcopy -i "$tmp/esp.img" ::/EFI/Microsoft/Boot/BCD "$tmp/BCD" 2>/dev/null || bad "mcopy BCD"
mcopy -i "$tmp/esp.img" ::/EFI/Boot/bootx64.efi "$tmp/bootx64.efi" 2>/dev/null || bad "mcopy bootx64.efi"
ntfscat "$win" /Windows/Boot/EFI/bootmgfw.efi | cmp -s - "$tmp/bootx64.efi" &&
	ok "ESP boot files are Windows\\Boot\\EFI\\bootmgfw.efi" || bad "ESP bootx64.efi differs"
check "hivexregedit --export BCD (ESP)" hivexregedit --export "$tmp/BCD" '\'
# NTFS boot sectors carry their partition's start ("hidden sectors"), as Windows formats.
hidden() { python3 -c "import struct,sys; f=open(sys.argv[1],'rb'); f.seek(int(sys.argv[2])+28); print(struct.unpack('<I', f.read(4))[0] * 512)" "$1" "$2"; }
for i in 2 3; do
	[ "$(hidden "$disk" "$(p_start gpt $i)")" = "$(p_start gpt $i)" ] &&
		ok "GPT partition $((i + 1)): hidden sectors = its start" || bad "GPT partition $((i + 1)): hidden sectors"
done
extract "$disk" "$(p_start gpt 2)" "$(p_size gpt 2)" "$tmp/win-gpt.img"
cmp -s "$tmp/win-gpt.img" "$win" && ok "partition 3 is windows.img" || bad "partition 3 differs from windows.img"
extract "$disk" "$(p_start gpt 3)" "$(p_size gpt 3)" "$tmp/rec.img"
check "ntfsfix -n on the recovery partition" ntfsfix -n "$tmp/rec.img"
ntfscat "$tmp/rec.img" /Recovery/WindowsRE/winre.wim | cmp -s - "$pc/winre.wim" &&
	ok "Recovery\\WindowsRE\\winre.wim" || bad "no winre.wim on the recovery partition"
ntfscat "$tmp/rec.img" /RecoveryImage/install.wim >"$tmp/factory.wim" || bad "ntfscat factory image"
wiminfo "$tmp/factory.wim" 1 >"$tmp/factory" 2>&1 || bad "wiminfo factory image"
has "factory image: Core" "$tmp/factory" '^Edition ID:[[:space:]]+Core$'
wiminfo "$tmp/factory.wim" >"$tmp/factory-all" 2>&1 || true
has "factory image: 1 image" "$tmp/factory-all" '^Image Count:[[:space:]]+1$'
rm -f "$tmp/esp.img" "$tmp/win-gpt.img" "$tmp/rec.img" "$tmp/factory.wim"

# ---------------------------------------------------------------------------
echo "== the MBR disk"
disk=$pc/pc-mbr.img
parted -s "$disk" unit s print >"$tmp/parted" 2>&1 || bad "parted print pc-mbr.img"
has "parted: msdos" "$tmp/parted" '^Partition Table: msdos'
has "parted: System Reserved active" "$tmp/parted" '^ 1 .*primary[[:space:]]+ntfs[[:space:]]+boot'
sfdisk -J "$disk" >"$tmp/sfdisk.json" 2>/dev/null || bad "sfdisk -J pc-mbr.img"
python3 - "$tmp/sfdisk.json" "$m" <<'EOF' && ok "MBR signature, types, offsets match the manifest" || bad "MBR table vs manifest"
import json, sys
t = json.load(open(sys.argv[1]))["partitiontable"]
m = json.load(open(sys.argv[2]))["mbr"]
assert t["label"] == "dos" and int(t["id"], 16) == int(m["signature"], 16), t["id"]
for p, q in zip(t["partitions"], m["partitions"]):
    assert p["start"] * 512 == q["start"] and p["size"] * 512 == q["size"], (p, q)
    assert int(p["type"], 16) == int(q["type"], 16), (p, q)
    assert bool(p.get("bootable")) == q["active"], (p, q)
assert len(t["partitions"]) == 3
EOF
for i in 0 1 2; do
	[ "$(hidden "$disk" "$(p_start mbr $i)")" = "$(p_start mbr $i)" ] &&
		ok "MBR partition $((i + 1)): hidden sectors = its start" || bad "MBR partition $((i + 1)): hidden sectors"
done
extract "$disk" "$(p_start mbr 0)" "$(p_size mbr 0)" "$tmp/sysres.img"
check "ntfsfix -n on System Reserved" ntfsfix -n "$tmp/sysres.img"
blkid -p -o export "$tmp/sysres.img" >"$tmp/blkid" 2>&1 || true
has "System Reserved label" "$tmp/blkid" '^LABEL=System\\ Reserved$'
[ "$(ntfscat "$tmp/sysres.img" /bootmgr | head -c 2)" = MZ ] && ok "System Reserved: bootmgr" || bad "no bootmgr"
ntfscat "$tmp/sysres.img" /Boot/BCD >"$tmp/BCD-mbr" || bad "ntfscat Boot/BCD"
check "hivexregedit --export BCD (System Reserved)" hivexregedit --export "$tmp/BCD-mbr" '\'
extract "$disk" "$(p_start mbr 1)" "$(p_size mbr 1)" "$tmp/win-mbr.img"
check "ntfsfix -n on the MBR Windows volume" ntfsfix -n "$tmp/win-mbr.img"
ntfscat "$tmp/win-mbr.img" /Windows/System32/Recovery/ReAgent.xml >"$tmp/ReAgent-mbr.xml" || bad "ReAgent (MBR)"
sig=$(( $(json "$m" 'm["mbr"]["signature"]') ))
mrec=$(p_start mbr 2)
has "ReAgent.xml (MBR): id is the disk signature" "$tmp/ReAgent-mbr.xml" \
	"<WinreLocation path=\"\\\\Recovery\\\\WindowsRE\" id=\"$sig\" offset=\"$mrec\""
extract "$disk" "$(p_start mbr 2)" "$(p_size mbr 2)" "$tmp/rec-mbr.img"
check "ntfsfix -n on the MBR recovery partition" ntfsfix -n "$tmp/rec-mbr.img"
rm -f "$tmp"/*.img

# ---------------------------------------------------------------------------
echo "== mkvolume refuses a bad spec before writing anything"
truncate -s 32M "$tmp/v.img"
mkntfs -F -Q -q "$tmp/v.img" >/dev/null 2>&1
before=$(sha256sum <"$tmp/v.img")
for spec in 'dir A\nfile A/x 10K 1\nbogus line' 'file B 10Q 1' 'dir C\nattr C hiddden' \
	'owner D S-1-X' 'copy E /nonexistent/host/file' 'dir "F'; do
	if printf "$spec\n" | "$tools/mkvolume" "$tmp/v.img" >"$tmp/out" 2>&1; then
		bad "mkvolume accepted: $spec"
	elif [ "$(sha256sum <"$tmp/v.img")" != "$before" ]; then
		bad "mkvolume changed the image on: $spec"
	elif ! grep -q '^mkvolume: -:[0-9]*: ' "$tmp/out"; then
		bad "mkvolume gave no line number for: $spec ($(cat "$tmp/out"))"
	else
		ok "refused, image unchanged: $(head -1 "$tmp/out")"
	fi
done
rm -f "$tmp/v.img"

echo "== variants"
# A bad option changes nothing and says why.
mkdir "$tmp/bad"
if "$builder" --out "$tmp/bad" --layout floppy >"$tmp/bad.log" 2>&1; then
	bad "--layout floppy was accepted"
else
	[ -z "$(ls -A "$tmp/bad")" ] && grep -q layout "$tmp/bad.log" && ok "--layout floppy refused, nothing written" ||
		bad "--layout floppy: $(cat "$tmp/bad.log")"
fi

"$builder" --out "$tmp/hib" --hiberfil --layout gpt >"$tmp/hib.log" 2>&1 || { cat "$tmp/hib.log"; bad "--hiberfil build"; }
[ "$(ntfscat -f "$tmp/hib/windows.img" /hiberfil.sys 2>/dev/null | head -c 4)" = HIBR ] &&
	ok "--hiberfil: hiberfil.sys starts with HIBR" || bad "--hiberfil: no HIBR header"
cp --sparse=always "$tmp/hib/windows.img" "$tmp/hib/copy.img"
if ntfslabel "$tmp/hib/copy.img" Changed >"$tmp/out" 2>&1; then
	bad "--hiberfil: ntfs-3g opened a hibernated volume read-write"
else
	has "--hiberfil: ntfs-3g refuses a hibernated volume" "$tmp/out" 'hibernated'
fi
rm -rf "$tmp/hib"

"$builder" --out "$tmp/dirty" --dirty --size 40M --layout mbr >"$tmp/dirty.log" 2>&1 || { cat "$tmp/dirty.log"; bad "--dirty build"; }
ntfsinfo -m "$tmp/dirty/windows.img" >"$tmp/out" 2>&1 || true
has "--dirty: ntfsinfo sees a check scheduled" "$tmp/out" 'scheduled for check'
ntfsinfo -f -m "$tmp/dirty/windows.img" >"$tmp/out" 2>&1 || true
has "--dirty: volume flags show DIRTY" "$tmp/out" 'Volume Flags:.*DIRTY'
big=$(json "$tmp/dirty/manifest.json" 'sum(f.get("size", 0) for f in m["files"] if f["type"] == "file" and f["path"].endswith(".mp4"))')
[ "$big" -eq $(( 40 * 1048576 )) ] && ok "--size 40M: 40 MiB of videos" || bad "--size 40M gave $big bytes"
[ -f "$tmp/dirty/pc-mbr.img" ] && [ ! -e "$tmp/dirty/pc.img" ] && ok "--layout mbr: only pc-mbr.img" ||
	bad "--layout mbr"
rm -rf "$tmp/dirty"

"$builder" --out "$tmp/fast" --fast-startup --layout gpt >"$tmp/fast.log" 2>&1 || { cat "$tmp/fast.log"; bad "--fast-startup build"; }
cp --sparse=always "$tmp/fast/windows.img" "$tmp/fast/copy.img"
if ntfslabel "$tmp/fast/copy.img" Changed >"$tmp/out" 2>&1; then
	bad "--fast-startup: ntfs-3g opened the volume read-write"
else
	has "--fast-startup: ntfs-3g refuses to write" "$tmp/out" 'hibernated|Windows cache'
fi
ntfscat "$tmp/fast/windows.img" '$LogFile' 2>/dev/null | head -c 8192 >"$tmp/logfile"
python3 - "$tmp/logfile" <<'EOF' && ok "--fast-startup: \$LogFile restart pages 2.0, client in use, not clean" || bad "--fast-startup: \$LogFile"
import struct, sys
b = open(sys.argv[1], "rb").read()
for page in (b[:4096], b[4096:8192]):
    assert page[:4] == b"RSTR"
    minor, major = struct.unpack_from("<hh", page, 26)
    assert (major, minor) == (2, 0), (major, minor)
    ra = struct.unpack_from("<H", page, 24)[0]
    in_use, flags = struct.unpack_from("<HH", page, ra + 12)
    assert in_use != 0xFFFF and not flags & 2, (in_use, flags)
EOF
ntfscat -f "$tmp/fast/windows.img" /Windows/System32/config/SYSTEM >"$tmp/fs-SYSTEM" 2>/dev/null || true
hivexregedit --export --unsafe-printable-strings "$tmp/fs-SYSTEM" '\' 2>/dev/null | grep -qi '"HiberbootEnabled"=dword:00000001' &&
	ok "--fast-startup: HiberbootEnabled=1" || bad "--fast-startup: HiberbootEnabled is not 1"
[ "$(ntfscat -f "$tmp/fast/windows.img" /hiberfil.sys 2>/dev/null | head -c 4)" = HIBR ] &&
	ok "--fast-startup: hiberfil.sys starts with HIBR" || bad "--fast-startup: no HIBR"
rm -rf "$tmp/fast"

# mkvolume's Fast Startup log alone (no hiberfil.sys): ntfs-3g must recognise it as
# Windows' cached metadata, not as a damaged journal.
truncate -s 64M "$tmp/fs.img"
mkntfs -F -Q -q "$tmp/fs.img" >/dev/null 2>&1
echo fast-startup | "$tools/mkvolume" "$tmp/fs.img" || bad "mkvolume fast-startup"
if ntfslabel "$tmp/fs.img" Changed >"$tmp/out" 2>&1; then
	bad "mkvolume fast-startup: ntfs-3g opened the volume read-write"
else
	has "mkvolume fast-startup: ntfs-3g says metadata is kept in Windows cache" "$tmp/out" 'Windows cache'
fi
rm -f "$tmp/fs.img"

echo "== $fails failure(s)"
[ "$fails" = 0 ]
