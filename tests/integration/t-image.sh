#!/bin/sh
# t-image.sh - custom refresh images (winrescue image create|show|set|deregister) on
# the synthetic Windows 8.1 PC, checked with independent tools: wiminfo and
# `wimlib-imagex dir` (no user profile in the image, Default and Public in it, page
# and hibernation files out, the XML's WINDOWS fields filled), `wimlib-imagex verify`,
# xmllint on ReAgent.xml read back with ntfscat, `winrescue inspect --json` (the
# sources module finds the registered image as the custom source, matching) and
# `winrescue refresh --dry-run` (picks it when no --source is given).
# Also: a second create appends an image and grows the file only a little; every bad
# input (folder on the target, no room, read-only folder, damaged CustomRefresh.wim,
# hibernated / BitLocker / mounted target, an image of another edition) is refused
# with its sentence in Japanese too, exit 3, target and folder byte-identical; a
# capture killed mid-way leaves no CustomRefresh.wim (first) or the old one valid
# (append).  Needs root: loop devices and ntfs-3g mounts hold the image folders.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; tools="$top/${BUILD:-build}/tools"
# Under ASan: libparted's constructor trips the strchr interceptor (as in t-scan.sh).
case "${ASAN_OPTIONS:-}" in ?*) export ASAN_OPTIONS="$ASAN_OPTIONS:intercept_strchr=0" ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "t-image needs root (loop devices and ntfs-3g mounts for the image folders)"
	exit 77
fi
tmp=$(mktemp -d)
loops=() mounts=()
cleanup() {
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
# Detach a loop device this script attached and forget it, so that the cleanup does
# not detach the number again once another program may have been given it.
detach() {
	local k=() x
	losetup -d "$1"
	for x in "${loops[@]}"; do [ "$x" = "$1" ] || k+=("$x"); done
	loops=("${k[@]}")
}
fail() { echo "FAIL: $*"; exit 1; }
sum() { sha256sum "$1" | cut -d' ' -f1; }
run() { "$bin" --log "$tmp/log" "$@"; }
# Mount partition-sized bytes of FILE at OFFSET (ntfs-3g or vfat) on DIR.
attach() {	# attach FILE OFFSET SIZE -> loop device on stdout
	losetup -f --show -o "$2" --sizelimit "$3" "$1"
}
mnt() {		# mnt DEVICE DIR [OPTIONS] (DEVICE "tmpfs": a tmpfs)
	mkdir -p "$2"
	if [ "$1" = tmpfs ]; then mount -t tmpfs ${3:+-o "$3"} tmpfs "$2"
	else mount ${3:+-o "$3"} "$1" "$2"; fi
	mounts=("$2" "${mounts[@]}")
}
unmnt() { umount "$1"; }

"$top/tests/fixtures/build-pc.sh" --size small --layout gpt --out "$tmp/pc" >/dev/null
pc=$tmp/pc
part() {	# part N FIELD: from the manifest
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
print(next(p for p in m["gpt"]["partitions"] if p["number"]==int(sys.argv[2]))[sys.argv[3]])' \
		"$pc/manifest.json" "$1" "$2"
}
disk_guid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["gpt"]["disk_guid"])' "$pc/manifest.json")
win_start=$(part 3 start) win_size=$(part 3 size)
rec_start=$(part 4 start) rec_size=$(part 4 size)

# A Japanese catalog with this command's strings (po/ja.po plus the fragment, until the
# fragments are merged into it).
mkdir -p "$tmp/locale/ja/LC_MESSAGES"
{ printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
  cat "$top/po/fragments/recimg.ja.po"; } >"$tmp/frag.ja.po"
msgcat --use-first "$top/po/ja.po" "$tmp/frag.ja.po" -o "$tmp/ja.po"
msgfmt -o "$tmp/locale/ja/LC_MESSAGES/winrescue.mo" "$tmp/ja.po"

# expect STATUS EN-PART JA-PART FILES... -- ARGS...: refused with the sentence in
# English and Japanese, and every FILE byte-identical afterwards.
expect() {
	local want=$1 en=$2 ja=$3; shift 3
	local files=() sums=() got f i
	while [ "$1" != -- ]; do files+=("$1"); sums+=("$(sum "$1")"); shift; done
	shift
	set +e; run "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
	[ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "'$*' exited $got, want $want"; }
	grep -q -- "$en" "$tmp/err" || { cat "$tmp/err"; fail "'$*': no '$en'"; }
	set +e; WINRESCUE_LOCALEDIR=$tmp/locale "$bin" --log "$tmp/log" --lang ja "$@" \
		>"$tmp/out" 2>"$tmp/err"; got=$?; set -e
	[ "$got" -eq "$want" ] || fail "'--lang ja $*' exited $got, want $want"
	grep -q -- "$ja" "$tmp/err" || { cat "$tmp/err"; fail "'--lang ja $*': no '$ja'"; }
	for i in "${!files[@]}"; do
		[ "$(sum "${files[$i]}")" = "${sums[$i]}" ] || fail "'$*' changed ${files[$i]}"
	done
}

# ---------------------------------------------------------------------------
# 1. Create from the volume image into a host folder: not a disk partition, so the
#    image is made but not registered, and the target is not written at all.
vol=$tmp/w.img
cp --sparse=always "$pc/windows.img" "$vol"
v0=$(sum "$vol")
mkdir "$tmp/out1"
run image create --target "$vol" --dir "$tmp/out1" --name "First" >"$tmp/out" 2>"$tmp/err" ||
	{ cat "$tmp/out" "$tmp/err"; fail "create"; }
grep -q "not registered" "$tmp/out" || fail "create into a host folder should say it is not registered"
[ "$(sum "$vol")" = "$v0" ] || fail "create wrote to the target"
wim=$tmp/out1/CustomRefresh.wim
[ -f "$wim" ] && [ ! -e "$wim.winrescue-tmp" ] || fail "no CustomRefresh.wim, or a leftover temporary file"
wiminfo "$wim" 1 >"$tmp/info"
for kv in "Name:  *First" "Architecture:  *x86_64" "Edition ID:  *Core" "Product Name:  *Windows 8.1" \
	  "Major Version:  *6" "Minor Version:  *3" "Build:  *9600" "Installation Type:  *Client"; do
	grep -q "^$kv\$" "$tmp/info" || { cat "$tmp/info"; fail "wiminfo: no '$kv'"; }
done
wimlib-imagex verify "$wim" >/dev/null || fail "the new image does not verify"
wimlib-imagex dir "$wim" 1 >"$tmp/dir"
grep -q '^/Users/Default/NTUSER.DAT$' "$tmp/dir" || fail "Default's profile is missing"
grep -q '^/Users/Public/Documents$' "$tmp/dir" || fail "Public is missing"
grep -q '^/Windows/System32/config/SOFTWARE$' "$tmp/dir" || fail "the system is missing"
grep -q '^/Program Files/WindowsApps' "$tmp/dir" || fail "Store apps are missing"
for u in $(python3 -c 'import json,sys; print(" ".join(u["name"] for u in json.load(open(sys.argv[1]))["users"]))' "$pc/manifest.json"); do
	! grep -qi "^/Users/$u" "$tmp/dir" || fail "user profile $u is in the image"
done
# Nothing else under \Users but what every new account starts from.
bad=$(grep -i '^/Users/' "$tmp/dir" | grep -viE '^/Users/(Default|Public|All Users|Default User|desktop\.ini)(/|$)' || true)
[ -z "$bad" ] || fail "user data in the image: $bad"
for x in /pagefile.sys /hiberfil.sys /swapfile.sys "/System Volume Information" '/$Recycle.Bin'; do
	! grep -qix -- "$x" "$tmp/dir" || fail "$x is in the image"
	! grep -qi -- "^$x/" "$tmp/dir" || fail "$x is in the image"
done
# The person's own root folders (\Data) stay out: a refresh from this image must
# never bring back an old copy of them.
! grep -qi '^/Data' "$tmp/dir" || fail "the person's \\Data folder is in the image"
size1=$(stat -c %s "$wim")

# 2. A second create of the unchanged system appends image 2, storing almost nothing.
run image create --target "$vol" --dir "$tmp/out1" --name "Second" >"$tmp/out" 2>"$tmp/err" ||
	{ cat "$tmp/out" "$tmp/err"; fail "second create"; }
grep -q "Image 2 was added" "$tmp/out" || { cat "$tmp/out"; fail "second create did not append"; }
[ "$(wiminfo "$wim" | sed -n 's/^Image Count: *//p')" = 2 ] || fail "not two images"
size2=$(stat -c %s "$wim")
growth=$((size2 - size1))
echo "first image: $size1 bytes; second (unchanged system) added $growth bytes"
[ "$growth" -lt $((size1 / 20)) ] || fail "the second image grew the file by $growth bytes (first: $size1)"
wimlib-imagex verify "$wim" >/dev/null || fail "the appended file does not verify"
[ "$(sum "$vol")" = "$v0" ] || fail "create wrote to the target"

# A name already in the file is refused; the default name never collides.
expect 3 "already exists" "" "$vol" "$wim" -- image create --target "$vol" --dir "$tmp/out1" --name first

# ---------------------------------------------------------------------------
# 3. Bad inputs: each refused with its sentence, nothing changed.
# A damaged CustomRefresh.wim is not appended to.
mkdir "$tmp/bad"
cp "$wim" "$tmp/bad/CustomRefresh.wim"
printf 'garbage!' | dd of="$tmp/bad/CustomRefresh.wim" bs=1 seek=$((size1 / 2)) conv=notrunc 2>/dev/null
head -c 208 "$wim" >"$tmp/hdr"	# a truncated file too
expect 3 "CustomRefresh.wim already in that folder is damaged" "破損しているため" \
	"$vol" "$tmp/bad/CustomRefresh.wim" -- image create --target "$vol" --dir "$tmp/bad"
[ "$(ls "$tmp/bad")" = CustomRefresh.wim ] || fail "a refused create left files: $(ls "$tmp/bad")"
cp "$tmp/hdr" "$tmp/bad/CustomRefresh.wim"
expect 3 "CustomRefresh.wim already in that folder is damaged" "破損しているため" \
	"$vol" "$tmp/bad/CustomRefresh.wim" -- image create --target "$vol" --dir "$tmp/bad"

# A folder on the target itself: the volume image mounted read-only (ntfs-3g).
mnt "$vol" "$tmp/onvol" ro
expect 3 "the image would capture itself" "自分自身を取り込んで" "$vol" -- \
	image create --target "$vol" --dir "$tmp/onvol/Data"
# The mounted target, folder elsewhere.
expect 3 "The target is mounted" "" "$vol" -- image create --target "$vol" --dir "$tmp/out1"
unmnt "$tmp/onvol"
# The same through a partition of the whole-disk image (a loop device at its offset).
pcsum=$(sum "$pc/pc.img")
l=$(attach "$pc/pc.img" "$win_start" "$win_size"); loops+=("$l")
mnt "$l" "$tmp/onpart" ro
expect 3 "the image would capture itself" "自分自身を取り込んで" "$pc/pc.img" -- \
	image create --target "$pc/pc.img" --partition 3 --dir "$tmp/onpart/Data"
unmnt "$tmp/onpart"; detach "$l"

# A folder without room (an 8 MB tmpfs) and a read-only one.
mnt tmpfs "$tmp/small" size=8m
expect 3 "not enough free space" "" "$vol" -- image create --target "$vol" --dir "$tmp/small"
[ -z "$(ls -A "$tmp/small")" ] || fail "a refused create left files in the small folder"
unmnt "$tmp/small"
mnt tmpfs "$tmp/small" ro,size=64m
expect 3 "The folder is read-only" "読み取り専用" "$vol" -- \
	image create --target "$vol" --dir "$tmp/small"
unmnt "$tmp/small"

# A hibernated target, a BitLocker volume.
"$top/tests/fixtures/build-pc.sh" --size small --layout gpt --hiberfil --out "$tmp/hib" >/dev/null
mkdir "$tmp/out2"
expect 3 "hibernated" "" "$tmp/hib/windows.img" -- \
	image create --target "$tmp/hib/windows.img" --dir "$tmp/out2"
tar -xJf "$WINRESCUE_TESTDATA/bitlocker/bitlk-images.tar.xz" -C "$tmp" bitlk-images/bitlk-aes-cbc-256.img
expect 3 "BitLocker" "BitLocker" "$tmp/bitlk-images/bitlk-aes-cbc-256.img" -- \
	image create --target "$tmp/bitlk-images/bitlk-aes-cbc-256.img" --dir "$tmp/out2"
rm -rf "$tmp/bitlk-images" "$tmp/hib"
[ -z "$(ls -A "$tmp/out2")" ] || fail "a refused create left files"
# An image of another edition cannot be registered.
wimlib-imagex export "$pc/install.wim" 2 "$tmp/out2/CustomRefresh.wim" >/dev/null
expect 3 "does not match" "" "$vol" "$tmp/out2/CustomRefresh.wim" -- \
	image set --target "$vol" --dir "$tmp/out2"
# A folder that is not on a disk partition (a tmpfs) cannot be registered.
mnt tmpfs "$tmp/mem" size=64m
cp "$wim" "$tmp/mem/"
expect 3 "Windows can only use an image kept on a partition" "パーティション上にありません" \
	"$vol" "$tmp/mem/CustomRefresh.wim" -- image set --target "$vol" --dir "$tmp/mem"
unmnt "$tmp/mem"
# Usage errors.
expect 2 "--dir" "--dir" "$vol" -- image create --target "$vol"
expect 2 "image create, show, set or deregister" "image create" "$vol" -- image frobnicate --target "$vol"

# ---------------------------------------------------------------------------
# 4. On the GPT PC: Windows on partition 3, the image folder on the recovery
#    partition (4), mounted read-write with ntfs-3g through a loop device.
ntfscat_win() {	# the ReAgent.xml (or another file) of partition 3
	local l; l=$(attach "$pc/pc.img" "$win_start" "$win_size")
	ntfscat "$l" "$1" >"$2"; local rc=$?
	losetup -d "$l"; return $rc
}
xp() { xmllint --xpath "string($1)" "$tmp/reagent.xml"; }
ntfscat_win Windows/System32/Recovery/ReAgent.xml "$tmp/reagent0.xml"
lrec=$(attach "$pc/pc.img" "$rec_start" "$rec_size"); loops+=("$lrec")
mnt "$lrec" "$tmp/rec"
mkdir "$tmp/rec/RefreshImage"
run image create --target "$pc/pc.img" --partition 3 --dir "$tmp/rec/RefreshImage" \
	>"$tmp/out" 2>"$tmp/err" || { cat "$tmp/out" "$tmp/err"; fail "create on the PC"; }
grep -q 'Registered for Windows: \\RefreshImage on partition 4' "$tmp/out" || { cat "$tmp/out"; fail "not registered"; }
unmnt "$tmp/rec"
ntfscat_win Windows/System32/Recovery/ReAgent.xml "$tmp/reagent.xml"
xmllint --noout "$tmp/reagent.xml" || fail "ReAgent.xml is not well-formed"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@path')" = '\RefreshImage' ] || fail "custom path: $(xp '/WindowsRE/PBRCustomImageLocation/@path')"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@index')" = 1 ] || fail "custom index"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@offset')" = "$rec_start" ] || fail "custom offset"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@guid')" = "{$disk_guid}" ] || fail "custom guid: $(xp '/WindowsRE/PBRCustomImageLocation/@guid')"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@id')" = 0 ] || fail "custom id"
[ "$(xp '/WindowsRE/CustomImageAvailable/@state')" = 1 ] || fail "CustomImageAvailable"
# Everything else is as Windows left it.
[ "$(xp '/WindowsRE/PBRImageLocation/@path')" = '\RecoveryImage' ] || fail "the factory image location changed"
[ "$(xp '/WindowsRE/WinreLocation/@path')" = '\Recovery\WindowsRE' ] || fail "the WinRE location changed"
[ "$(xp '/WindowsRE/WinreBCD/@id')" = "$(xmllint --xpath 'string(/WindowsRE/WinreBCD/@id)' "$tmp/reagent0.xml")" ] || fail "WinreBCD changed"
ntfscat_win Windows/System32/Recovery/ReAgent.xml.winrescue-bak "$tmp/bak.xml"
cmp -s "$tmp/bak.xml" "$tmp/reagent0.xml" || fail "the backup is not the old ReAgent.xml"

run image show --target "$pc/pc.img" --partition 3 >"$tmp/show" || fail "show"
grep -q 'Custom image: \\RefreshImage\\CustomRefresh.wim, image 1' "$tmp/show" || { cat "$tmp/show"; fail "show: location"; }
grep -q "partition 4" "$tmp/show" && grep -q "Windows 8.1, Core" "$tmp/show" || { cat "$tmp/show"; fail "show: image"; }
# The sources module (what refresh uses) finds it first, as the custom image, matching.
run inspect --json "$pc/pc.img" >"$tmp/inspect.json"
python3 - "$tmp/inspect.json" <<'EOF' || fail "inspect does not list the custom image first"
import json, sys
def lists(o):
    if isinstance(o, dict):
        if o.get("sources"):
            yield o["sources"]
        for v in o.values():
            yield from lists(v)
    elif isinstance(o, list):
        for v in o:
            yield from lists(v)
src = next(lists(json.load(open(sys.argv[1]))))[0]
assert src["kind"] == "custom" and src["path"] == "\\RefreshImage\\CustomRefresh.wim", src
assert src["error"] is None and src["images"][0]["can_refresh"], src
EOF

# Refresh without --source picks it (dry run: nothing written).
s=$(sum "$pc/pc.img")
run refresh --target "$pc/pc.img" --partition 3 --dry-run >"$tmp/out" 2>&1 || true
grep -q 'New system from: \\RefreshImage\\CustomRefresh.wim on partition 4' "$tmp/out" ||
	{ cat "$tmp/out"; fail "refresh does not pick the registered custom image"; }
[ "$(sum "$pc/pc.img")" = "$s" ] || fail "the refresh dry run wrote"

# A second create into the same folder appends and registers image 2.
mnt "$lrec" "$tmp/rec"
run image create --target "$pc/pc.img" --partition 3 --dir "$tmp/rec/RefreshImage" >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "second create on the PC"; }
grep -q "Image 2 was added" "$tmp/out" || { cat "$tmp/out"; fail "no image 2"; }
unmnt "$tmp/rec"
ntfscat_win Windows/System32/Recovery/ReAgent.xml "$tmp/reagent.xml"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@index')" = 2 ] || fail "image 2 not registered"

# Deregister: refresh falls back to the factory image.
run image deregister --target "$pc/pc.img" --partition 3 >"$tmp/out" || fail "deregister"
grep -q "no longer registered" "$tmp/out" || fail "deregister: $(cat "$tmp/out")"
ntfscat_win Windows/System32/Recovery/ReAgent.xml "$tmp/reagent.xml"
[ -z "$(xp '/WindowsRE/PBRCustomImageLocation/@path')" ] || fail "still registered"
[ "$(xp '/WindowsRE/CustomImageAvailable/@state')" = 0 ] || fail "CustomImageAvailable not 0"
[ "$(xp '/WindowsRE/PBRImageLocation/@path')" = '\RecoveryImage' ] || fail "the factory image location changed"
run image show --target "$pc/pc.img" --partition 3 | grep -q "No custom image is registered" || fail "show after deregister"
s=$(sum "$pc/pc.img")
run image deregister --target "$pc/pc.img" --partition 3 | grep -q "nothing was changed" || fail "second deregister"
[ "$(sum "$pc/pc.img")" = "$s" ] || fail "a deregister with nothing registered wrote"

# Set registers the newest image of the folder again.
mnt "$lrec" "$tmp/rec"
run image set --target "$pc/pc.img" --partition 3 --dir "$tmp/rec/RefreshImage" >"$tmp/out" ||
	{ cat "$tmp/out"; fail "set"; }
grep -q "Image 2 of" "$tmp/out" || fail "set: $(cat "$tmp/out")"
unmnt "$tmp/rec"
ntfscat_win Windows/System32/Recovery/ReAgent.xml "$tmp/reagent.xml"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@index')" = 2 ] && \
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@path')" = '\RefreshImage' ] || fail "set did not register image 2"

# The MBR PC: the location is named by the disk signature (id), with a zero GUID.
"$top/tests/fixtures/build-pc.sh" --size small --layout mbr --out "$tmp/mbr" >/dev/null
mpart() {
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
print(next(p for p in m["mbr"]["partitions"] if p["number"]==int(sys.argv[2]))[sys.argv[3]])' \
		"$tmp/mbr/manifest.json" "$1" "$2"
}
sig=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["mbr"]["signature"], 16))' "$tmp/mbr/manifest.json")
l=$(attach "$tmp/mbr/pc-mbr.img" "$(mpart 3 start)" "$(mpart 3 size)"); loops+=("$l")
mnt "$l" "$tmp/mrec"
mkdir "$tmp/mrec/RefreshImage"
run image create --target "$tmp/mbr/pc-mbr.img" --partition 2 --dir "$tmp/mrec/RefreshImage" \
	>"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "create on the MBR PC"; }
unmnt "$tmp/mrec"; detach "$l"
l=$(attach "$tmp/mbr/pc-mbr.img" "$(mpart 2 start)" "$(mpart 2 size)")
ntfscat "$l" Windows/System32/Recovery/ReAgent.xml >"$tmp/reagent.xml"; detach "$l"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@id')" = "$sig" ] || fail "MBR: id $(xp '/WindowsRE/PBRCustomImageLocation/@id'), want $sig"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@guid')" = "{00000000-0000-0000-0000-000000000000}" ] || fail "MBR: guid"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@offset')" = "$(mpart 3 start)" ] || fail "MBR: offset"
run inspect --json "$tmp/mbr/pc-mbr.img" | grep -m1 '"kind"' | grep -q custom || fail "MBR: the custom image is not the first source"
rm -rf "$tmp/mbr"

# ---------------------------------------------------------------------------
# 5. Interrupted captures.  A bigger system (64 MB of new program files) so that the
#    capture takes long enough to be killed in the middle.
big=$tmp/big.img
cp --sparse=always "$pc/windows.img" "$big"
echo 'file "Program Files/Big/one.bin" 64M 11' | "$tools/mkvolume" "$big" >/dev/null
mkdir "$tmp/out3"
kill_when() {	# kill_when FILE MIN-SIZE ARGS...: start a create, SIGKILL it once FILE
		# is larger than MIN-SIZE bytes
	local file=$1 min=$2; shift 2
	"$bin" --log "$tmp/log" "$@" >/dev/null 2>&1 &
	local pid=$! i
	for i in $(seq 1 3000); do
		[ "$(stat -c %s "$file" 2>/dev/null || echo 0)" -gt "$min" ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.01
	done
	kill -9 $pid 2>/dev/null || fail "the capture ended before it could be killed"
	wait $pid 2>/dev/null || true
}
out3=$tmp/out3/CustomRefresh.wim
kill_when "$out3.winrescue-tmp" 1048576 image create --target "$big" --dir "$tmp/out3"
[ ! -e "$out3" ] || fail "a killed first capture left a CustomRefresh.wim"
run image create --target "$big" --dir "$tmp/out3" >/dev/null 2>&1 || fail "create after a killed one"
[ ! -e "$out3.winrescue-tmp" ] || fail "the leftover temporary file stayed"
wimlib-imagex verify "$out3" >/dev/null || fail "create after a killed one: does not verify"
oldsize=$(stat -c %s "$out3")
echo 'file "Program Files/Big/two.bin" 64M 12' | "$tools/mkvolume" "$big" >/dev/null
kill_when "$out3" $((oldsize + 1048576)) image create --target "$big" --dir "$tmp/out3"
wiminfo --check "$out3" >/dev/null || fail "the old image file is not valid after a killed append"
[ "$(wiminfo "$out3" | sed -n 's/^Image Count: *//p')" = 1 ] || fail "a killed append left more than one image"
wimlib-imagex verify "$out3" >/dev/null || fail "the old image does not verify after a killed append"
run image create --target "$big" --dir "$tmp/out3" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "append after a killed one"; }
grep -q "Image 2 was added" "$tmp/out" || fail "append after a killed one: $(cat "$tmp/out")"
wimlib-imagex verify "$out3" >/dev/null || fail "append after a killed one does not verify"
echo "t-image: all checks passed"
