#!/bin/sh
# t-mkhives.sh - the synthetic PC's hives (build/tools/mkhives) as independent tools
# see them: hivexregedit exports every file; wimlib, capturing a tree that holds them,
# fills the WIM XML the way it does for a real Windows 8.1; the BCD's device elements
# match, byte for byte, a real Windows store's for the same disk and partition; the
# output is deterministic; the new variant's apps are a strict subset of the old's.
set -eu

top=${WINRESCUE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
mk="$top/${BUILD:-build}/tools/mkhives"
testdata=${WINRESCUE_TESTDATA:-$top/../shared/testdata}

for tool in hivexregedit wimcapture wiminfo; do
	command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed"; exit 77; }
done
[ -x "$mk" ] || { echo "$mk is not built (make all)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The disk and partition GUIDs of the real Windows 10 store in testdata (its Windows
# loader's device element), so our element can be compared with Windows' bytes.
disk=0b2394a9-095e-487d-8d48-719ecd4d78ca
part=8e0f2c38-e4ea-47ba-b7fc-9d8c74dccf0b

"$mk" --out "$tmp/old" --bcd-disk-guid $disk --bcd-part-guid $part
"$mk" --out "$tmp/old2" --bcd-disk-guid $disk --bcd-part-guid $part
"$mk" --out "$tmp/new" --variant new --edition Professional --hiberboot 0 \
	--bcd-mbr-signature 1a2b3c4d --bcd-part-offset 105906176 --bcd-boot-part-offset 1048576
"$mk" --out "$tmp/nobcd"

# Usage errors are refused without writing.
if "$mk" --out "$tmp/bad" --variant newest 2>/dev/null; then fail "bad --variant accepted"; fi
if "$mk" --out "$tmp/bad" --bcd-disk-guid $disk 2>/dev/null; then fail "half a GPT BCD accepted"; fi
if "$mk" --out "$tmp/bad" --bcd-disk-guid $disk --bcd-part-guid $part \
	--bcd-mbr-signature 1 --bcd-part-offset 1 2>/dev/null; then fail "GPT+MBR accepted"; fi
[ ! -e "$tmp/bad" ] || fail "a refused run wrote $tmp/bad"

# Same arguments, same bytes.
diff -r "$tmp/old" "$tmp/old2" >/dev/null || fail "output is not deterministic"
[ ! -e "$tmp/nobcd/BCD" ] || fail "BCD written without --bcd-* options"

# Every file is a hive hivexregedit reads whole.
n=0
for d in old new nobcd; do
	for f in SOFTWARE SYSTEM SAM SECURITY DEFAULT Users/Alice/NTUSER.DAT \
		"Users/Тарас/NTUSER.DAT" "Users/山田太郎/NTUSER.DAT" Users/Default/NTUSER.DAT; do
		[ -f "$tmp/$d/$f" ] || fail "$d/$f missing"
		hivexregedit --export "$tmp/$d/$f" '\' >"$tmp/$d.$(echo "$f" | tr / _).reg" 2>/dev/null ||
			fail "hivexregedit rejects $d/$f"
		n=$((n + 1))
	done
done
for d in old new; do
	hivexregedit --export "$tmp/$d/BCD" '\' >"$tmp/$d.BCD.reg" 2>/dev/null ||
		fail "hivexregedit rejects $d/BCD"
	n=$((n + 1))
done
echo "hivexregedit exported $n hives"

has() { grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks: $2"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "$(basename "$1") has: $2"; }
hexsz() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE | od -An -tx1 -v | tr -s ' \n' ',,' |
	sed 's/^,//; s/,$//'; }

# SOFTWARE: version, editions, users, apps.
sw="$tmp/old.SOFTWARE.reg"
has "$sw" "[\\Microsoft\\Windows NT\\CurrentVersion]"
has "$sw" "\"ProductName\"=hex(1):$(hexsz 'Windows 8.1'),00,00"
has "$tmp/new.SOFTWARE.reg" "\"ProductName\"=hex(1):$(hexsz 'Windows 8.1 Pro'),00,00"
has "$tmp/new.SOFTWARE.reg" "\"EditionID\"=hex(1):$(hexsz 'Professional'),00,00"
has "$tmp/new.SOFTWARE.reg" "\"BuildLabEx\"=hex(1):$(hexsz '9600.17031.amd64fre.winblue_gdr.140221-1952'),00,00"
has "$sw" "\"InstallDate\"=dword:52c3d910"
has "$sw" "S-1-5-21-2142398391-3547921436-1875232901-1002]"
has "$sw" "\"ProfileImagePath\"=hex(2):$(hexsz 'C:\Users\Тарас'),00,00"
has "$sw" "\"ProfileImagePath\"=hex(2):$(hexsz 'C:\Users\山田太郎'),00,00"
has "$sw" "\"DisplayName\"=hex(1):$(hexsz '<script>alert(1)</script> & "Co" Updater'),00,00"
has "$sw" "\"URLInfoAbout\"=hex(1):$(hexsz 'javascript:alert(document.cookie)'),00,00"
has "$sw" "[\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Google Chrome]"
has "$sw" "AppxAllUserStore\\Applications\\Microsoft.BingWeather_3.0.1.174_x64__8wekyb3d8bbwe]"

# The new variant's apps: a strict subset of the old's.
for scope in "\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\" \
	"\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"; do
	grep -F "[$scope" "$sw" | sort >"$tmp/apps.old"
	grep -F "[$scope" "$tmp/new.SOFTWARE.reg" | sort >"$tmp/apps.new"
	[ -s "$tmp/apps.new" ] || fail "new variant has no apps under $scope"
	[ -z "$(comm -13 "$tmp/apps.old" "$tmp/apps.new")" ] || fail "new has apps old lacks"
	[ "$(wc -l <"$tmp/apps.new")" -lt "$(wc -l <"$tmp/apps.old")" ] ||
		fail "new variant removed no apps under $scope"
done

# SYSTEM.
sy="$tmp/old.SYSTEM.reg"
has "$sy" "\"ComputerName\"=hex(1):$(hexsz 'YAMADA-PC'),00,00"
has "$sy" "\"TimeZoneKeyName\"=hex(1):$(hexsz 'Tokyo Standard Time'),00,00"
has "$sy" "[\\ControlSet001\\Control\\MUI\\UILanguages\\ja-JP]"
has "$sy" "\"HiberbootEnabled\"=dword:00000001"
has "$tmp/new.SYSTEM.reg" "\"HiberbootEnabled\"=dword:00000000"
has "$sy" "\"HibernateEnabled\"=dword:00000001"
has "$sy" "\"BootExecute\"=hex(7):$(hexsz 'autocheck autochk *'),00,00,00,00"
has "$sy" "[\\ControlSet001\\Control\\Lsa\\Skew1]"
# MountedDevices: GPT "DMIO:ID:" + partition GUID, MBR signature + offset.
has "$sy" "\"\\\\DosDevices\\\\C:\"=hex(3):44,4d,49,4f,3a,49,44,3a,38,2c,0f,8e"
has "$tmp/new.SYSTEM.reg" "\"\\\\DosDevices\\\\C:\"=hex(3):4d,3c,2b,1a,00,00,50,06,00,00,00,00"

# SAM: names whose value type is the RID; user records.
sam="$tmp/old.SAM.reg"
has "$sam" "[\\SAM\\Domains\\Account\\Users\\Names\\Administrator]"
has "$sam" "@=hex(1f4):"
has "$sam" "@=hex(3e9):"
has "$sam" "@=hex(3eb):"
has "$sam" "[\\SAM\\Domains\\Account\\Users\\000003EA]"
has "$sam" "$(hexsz 'Тарас Шевченко')"

# Per-user hives.
has "$tmp/old.Users_Тарас_NTUSER.DAT.reg" "\"DisplayName\"=hex(1):$(hexsz 'Яндекс.Браузер'),00,00"
has "$tmp/old.Users_Тарас_NTUSER.DAT.reg" "\"LocaleName\"=hex(1):$(hexsz 'ru-RU'),00,00"
has "$tmp/old.Users_山田太郎_NTUSER.DAT.reg" "\"LocaleName\"=hex(1):$(hexsz 'ja-JP'),00,00"
has "$tmp/old.Users_Alice_NTUSER.DAT.reg" "\"1\"=hex(1):$(hexsz '00000409'),00,00"
hasnt "$tmp/new.Users_Тарас_NTUSER.DAT.reg" "$(hexsz 'Яндекс.Браузер')"
has "$tmp/old.DEFAULT.reg" "\"1\"=hex(1):$(hexsz '00000411'),00,00"

# BCD: store shape, and the Windows loader's device element equals the one Windows
# wrote into the real store for the same disk and partition.
bcd="$tmp/old.BCD.reg"
has "$bcd" "\"KeyName\"=hex(1):$(hexsz 'BCD00000000'),00,00"
has "$bcd" "[\\Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\\Elements\\24000001]"
has "$bcd" "\"Element\"=hex(1):$(hexsz '\Windows\system32\winload.efi'),00,00"
has "$bcd" "\"Element\"=hex(1):$(hexsz 'Windows 8.1'),00,00"
has "$tmp/new.BCD.reg" "\"Element\"=hex(1):$(hexsz '\Windows\system32\winload.exe'),00,00"
real="$testdata/bcd/regipy_BCD_win10_uefi"
if [ -f "$real" ]; then
	want=$(hivexregedit --export "$real" \
		'\Objects\{733b62e5-f608-11eb-825c-c112f60133ab}\Elements\21000001' 2>/dev/null |
		grep '^"Element"')
	[ -n "$want" ] || fail "cannot read the real store's osdevice element"
	got=$(hivexregedit --export "$tmp/old/BCD" \
		'\Objects\{4d1f0c2a-6b1e-11e3-9f4b-a0481cb2b1f2}\Elements\21000001' 2>/dev/null |
		grep '^"Element"')
	[ "$got" = "$want" ] || fail "osdevice element differs from Windows': $got"
else
	echo "note: $real missing; device element not compared"
fi
# MBR device (the boot library's layout, as bcd.c writes it): partition offset
# 105906176 (0x6500000) in bytes 32-39, partition style 1 (MBR) at byte 52, the disk
# signature 1a2b3c4d at byte 56.
has "$tmp/new.BCD.reg" "06,00,00,00,00,00,00,00,48,00,00,00,00,00,00,00,00,00,50,06,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,01,00,00,00,4d,3c,2b,1a"
# ... and the boot manager's on the boot partition (1 MiB).
has "$tmp/new.BCD.reg" "48,00,00,00,00,00,00,00,00,00,10,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,01,00,00,00"

# wimlib: capture a tree holding the hives and a 64-bit kernel32.dll, read the XML.
for d in old new; do
	t="$tmp/tree-$d"
	mkdir -p "$t/Windows/System32/config"
	cp "$tmp/$d/SOFTWARE" "$tmp/$d/SYSTEM" "$t/Windows/System32/config/"
	# MZ header, e_lfanew = 0x80, "PE\0\0", machine 0x8664 (AMD64).
	{ printf 'MZ'; head -c 58 /dev/zero; printf '\200\000\000\000'; head -c 64 /dev/zero
	  printf 'PE\000\000\144\206'; head -c 64 /dev/zero; } >"$t/Windows/System32/kernel32.dll"
	wimcapture "$t" "$tmp/$d.wim" "Test $d" >/dev/null 2>"$tmp/$d.wimerr" ||
		{ cat "$tmp/$d.wimerr"; fail "wimcapture failed"; }
	! grep -qi 'not a valid registry hive\|warning' "$tmp/$d.wimerr" ||
		{ cat "$tmp/$d.wimerr"; fail "wimlib warned about the hives"; }
	wiminfo "$tmp/$d.wim" 1 >"$tmp/$d.info"
done
wi() { grep -q "^$2: *$3 *\$" "$tmp/$1.info" || { cat "$tmp/$1.info"; fail "$1.wim: $2 is not '$3'"; }; }
wi old "Architecture" "x86_64"
wi old "Product Name" "Windows 8.1"
wi old "Edition ID" "Core"
wi old "Installation Type" "Client"
wi old "Languages" "ja-JP"
wi old "Default Language" "ja-JP"
wi old "Major Version" "6"
wi old "Minor Version" "3"
wi old "Build" "9600"
wi old "Service Pack Build" "16384"
wi new "Product Name" "Windows 8.1 Pro"
wi new "Edition ID" "Professional"
wi new "Service Pack Build" "17031"
echo "wimlib reads the hives as Windows 8.1 x64 (Core, Professional), ja-JP"
echo "ok"
