#!/bin/bash
# t-wizard-image.sh - the wizard's recovery image (I1, D1, I2) and report (U1) flows,
# driven through keys only in a private tmux server at 80x24, in English, Russian
# and Japanese, on the synthetic Windows 8.1 PC (GPT, tests/fixtures/build-pc.sh):
#   - create a recovery image into a folder on a second, freshly made file system
#     (an MBR disk image with one ext4 partition, loop-mounted): wiminfo finds the
#     image in DIR/CustomRefresh.wim, and ReAgent.xml on the Windows partition
#     (read back with ntfscat, parsed with xmllint) names that folder, partition
#     offset and disk signature; a second create (in Russian) appends image 2;
#   - the Windows volume itself, mounted read-only, is listed but refused with the
#     engine's sentence; backing out of I2 writes nothing (checksums);
#   - save a report onto a "USB stick" (a small disk image with one FAT32 partition -
#     NTFS, mounted by ntfs-3g, when the kernel has no vfat - attached as a loop
#     device, not mounted) chosen from the list: afterwards it is unmounted again, and
#     mounted by the test it holds winrescue-<date>-<support code>/report.html (with
#     the support code the S1 screen showed), report.txt and the log; then in Japanese
#     into a plain folder chosen with the folder chooser;
#   - deregister: ReAgent.xml no longer names the image; then (in Japanese) use the
#     existing image again: ReAgent.xml names image 2 of the folder.
# Every captured screen must have exactly the terminal's rows, each exactly the
# terminal's width (the wizard draws a frame at both edges).  Needs root (loop
# devices, mounts).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 77; }
command -v msgfmt >/dev/null || { echo "msgfmt (gettext) is not installed"; exit 77; }
command -v mkfs.ext4 >/dev/null || { echo "mkfs.ext4 (e2fsprogs) is not installed"; exit 77; }
if [ "$(id -u)" != 0 ]; then
	echo "t-wizard-image needs root (loop devices and mounts)"
	exit 77
fi
case "${ASAN_OPTIONS:-}" in ?*) export ASAN_OPTIONS="$ASAN_OPTIONS:intercept_strchr=0" ;; esac
tmp=$(mktemp -d)
sock="wr-wzimg-$$-0" runs=0
loops=() mounts=()
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
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
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/screen" ] && { echo "--- last screen:"; cat "$tmp/screen"; }
	[ -f "$tmp/log" ] && { echo "--- log tail:"; tail -8 "$tmp/log"; }
	exit 1
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
mnt() { mkdir -p "$2"; mount ${3:+-o "$3"} "$1" "$2"; mounts=("$2" "${mounts[@]}"); }
unmnt() {
	umount "$1"
	local m keep=()
	for m in "${mounts[@]}"; do [ "$m" = "$1" ] || keep+=("$m"); done
	mounts=("${keep[@]}")
}

# --- Catalogs: the wizard's and recimg's fragments, then po/<lang>.po; the tmux
# helpers (cap, key, wait_for, wait_exit, wz_run).
wz_prefix=wr-wzimg
. "$top/tests/lib/wizard-tmux.sh"
wz_catalogs wizard recimg

# --- The PC, and where its Windows partition (3) lies.
"$top/tests/fixtures/build-pc.sh" --size small --layout gpt --out "$tmp/pc" >/dev/null
part() {	# part N FIELD
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
print(next(p for p in m["gpt"]["partitions"] if p["number"]==int(sys.argv[2]))[sys.argv[3]])' \
		"$tmp/pc/manifest.json" "$1" "$2"
}
win_start=$(part 3 start) win_size=$(part 3 size)
disk=$tmp/disk.img
cp --sparse=always "$tmp/pc/pc.img" "$disk"
reagent() {	# reagent OUT: ReAgent.xml of the Windows partition
	local l; l=$(losetup -f --show -r -o "$win_start" --sizelimit "$win_size" "$disk")
	ntfscat "$l" Windows/System32/Recovery/ReAgent.xml >"$1"; local rc=$?
	losetup -d "$l"; return $rc
}
xp() { xmllint --xpath "string($1)" "$tmp/reagent.xml"; }

# --- A second disk for the image: MBR, one ext4 partition "WRDATA", loop-mounted at
# its offset (as a USB hard disk would be), with a folder RefreshImage on it.
truncate -s 400M "$tmp/data.img"
printf 'label: dos\nlabel-id: 0x5eed1234\nstart=2048, type=83\n' | sfdisk -q "$tmp/data.img"
data_start=$((2048 * 512))
data_size=$(( $(stat -c %s "$tmp/data.img") - data_start ))
dl=$(losetup -f --show -o "$data_start" --sizelimit "$data_size" "$tmp/data.img"); loops+=("$dl")
mkfs.ext4 -q -L WRDATA "$dl"
mnt "$dl" "$tmp/data"
mkdir "$tmp/data/RefreshImage" "$tmp/data/Other"

# --- The "USB stick": a small MBR disk image with a FAT32 partition (NTFS when this
# kernel cannot mount vfat), attached as a loop device with its partitions, not
# mounted.  The file system is made through a loop device at the partition's offset;
# the stick is then attached whole, as a USB stick appears (this kernel may not scan
# loop devices for partitions: the wizard then mounts a loop device over the
# partition).
if grep -qw vfat /proc/filesystems || modprobe vfat 2>/dev/null; then
	stick_fs=vfat stick_type=c stick_mount=vfat
else
	stick_fs=ntfs stick_type=7 stick_mount=ntfs-3g
	echo "this kernel has no vfat: the stick is NTFS (ntfs-3g)"
fi
truncate -s 64M "$tmp/stick.img"
printf 'label: dos\nstart=2048, type=%s\n' "$stick_type" | sfdisk -q "$tmp/stick.img"
stick_start=$((2048 * 512))
stick_size=$(( $(stat -c %s "$tmp/stick.img") - stick_start ))
sp=$(losetup -f --show -o "$stick_start" --sizelimit "$stick_size" "$tmp/stick.img")
if [ $stick_fs = vfat ]; then
	mkfs.vfat -F 32 -n WRSTICK "$sp" >/dev/null
else
	mkntfs -q -Q -F -L WRSTICK "$sp" >/dev/null 2>&1
fi
losetup -d "$sp"
stick=$(losetup -f --show "$tmp/stick.img"); loops+=("$stick")

choose() {	# choose TEXT: press the number of the menu line showing TEXT
	local n
	cap
	n=$(python3 "$tmp/screen.py" item "$tmp/screen" "$1") || fail "no menu line with '$1'"
	if [ "$n" -le 9 ]; then
		key "$n"
	else	# the first line is chosen when a screen opens: go down to it
		for _ in $(seq 2 "$n"); do key Down; done
		key Enter
	fi
}
start() {	# start LANG DISK... : the wizard on these disks
	local lang=$1 d args=()
	shift
	for d in "$@"; do args+=(--disk "$d"); done
	wz_run -- --lang "$lang" wizard "${args[@]}"
}
to_w4() {	# to_w4 DIGIT TEXT-W4: from the language screen to "What to do"
	wait_for 20 "W1" "日本語"
	key "$1"
	wait_for 30 "W2" "Windows 8.1"
	key Enter
	wait_for 60 "W3" "[ OK ]"
	key Enter
	wait_for 10 "W4" "$2"
}

# ---------------------------------------------------------------------------
# 1. The Windows volume mounted (read-only): listed in D1, refused with the engine's
#    sentence.  Backing out of I2 writes nothing.
wl=$(losetup -f --show -r -o "$win_start" --sizelimit "$win_size" "$disk"); loops+=("$wl")
mnt "$wl" "$tmp/win" ro
s0=$(sum "$disk")
start en "$disk"
to_w4 3 "Create or choose a recovery image"
choose "Create or choose a recovery image"
wait_for 10 "I1" "Recovery image" "No recovery image of your own is registered for this Windows." \
	"Create a recovery image"
key 1
wait_for 10 "D1" "Choose a folder" "WRDATA:" "free" "The image needs at most"
choose "Windows:"
wait_for 10 "D1" "(not possible now: see below)" "The folder for the image is on the Windows volume itself"
key Escape
wait_for 10 "I1"
key F10
wait_exit 0
unmnt "$tmp/win"; detach "$wl"
[ "$(sum "$disk")" = "$s0" ] || fail "looking at the folders changed the disk"
echo "ok: the Windows volume is refused as a place for the image"

# 1b. A drive without room: the engine refuses before writing anything, and W9 says
#     why in the person's words.
truncate -s 8M "$tmp/tiny.img"
mkfs.ext4 -q -L WRTINY "$tmp/tiny.img"
tl=$(losetup -f --show "$tmp/tiny.img"); loops+=("$tl")
mnt "$tl" "$tmp/tiny"
t0=$(ls -A "$tmp/tiny")
start en "$disk"
to_w4 3 "Create or choose a recovery image"
choose "Create or choose a recovery image"
wait_for 10 "I1"
key 1
wait_for 10 "D1" "WRTINY:"
choose "WRTINY:"
wait_for 10 "D1" "Use this folder"
key 1
wait_for 10 "I2" "Free space there:"
key 1
wait_for 60 "W9" "This did not finish: Create a recovery image" "There is not enough free space." \
	"Back to the menu"
key 2
wait_exit 3	# refused by a safety check: the command line's exit status
[ "$(sum "$disk")" = "$s0" ] || fail "a refused image create changed the disk"
[ "$(ls -A "$tmp/tiny")" = "$t0" ] || fail "a refused image create left files: $(ls -A "$tmp/tiny")"
unmnt "$tmp/tiny"; detach "$tl"
echo "ok: a drive without room is refused, nothing written"

# ---------------------------------------------------------------------------
# 2. Create the image in English into WRDATA\RefreshImage.
start en "$disk"
to_w4 3 "Create or choose a recovery image"
choose "Create or choose a recovery image"
wait_for 10 "I1" "No recovery image of your own is registered"
key 1
wait_for 10 "D1" "WRDATA:"
choose "WRDATA:"
wait_for 10 "D1" "Folder: $tmp/data" "Use this folder" "RefreshImage/" "Other/"
choose "RefreshImage/"
wait_for 10 "D1" "Folder: $tmp/data/RefreshImage" "Use this folder"
key Escape	# up one folder and down again
wait_for 10 "D1" "Folder: $tmp/data" "RefreshImage/"
choose "RefreshImage/"
wait_for 10 "D1" "Folder: $tmp/data/RefreshImage"
key 1
wait_for 10 "I2" "The recovery image will be saved in this folder:" "$tmp/data/RefreshImage" \
	"Free space there:" "The image needs at most" "ReAgent.xml"
key Enter	# "Go back" is the preselected line: nothing starts
wait_for 10 "D1"
[ "$(sum "$disk")" = "$s0" ] || fail "backing out of I2 changed the disk"
[ -z "$(ls -A "$tmp/data/RefreshImage")" ] || fail "backing out of I2 wrote a file"
key 1
wait_for 10 "I2"
key 1
wait_for 300 "W9" "Finished: Create a recovery image" "CustomRefresh.wim" \
	"A refresh of this Windows will now use this image."
key 1	# back to the menu: I1 now shows the image
wait_for 10 "W4"
choose "Create or choose a recovery image"
wait_for 10 "I1" "Registered: image 1 of \\RefreshImage\\CustomRefresh.wim"
key F10
wait_exit 0
wim=$tmp/data/RefreshImage/CustomRefresh.wim
[ -f "$wim" ] || fail "no $wim"
wiminfo "$wim" 1 >"$tmp/info" || fail "wiminfo cannot read the image"
grep -q "^Product Name:  *Windows 8.1" "$tmp/info" && grep -q "^Build:  *9600" "$tmp/info" ||
	{ cat "$tmp/info"; fail "wiminfo: not the PC's Windows"; }
[ "$(wiminfo "$wim" | sed -n 's/^Image Count: *//p')" = 1 ] || fail "not one image"
reagent "$tmp/reagent.xml"
xmllint --noout "$tmp/reagent.xml" || fail "ReAgent.xml is not well-formed"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@path')" = '\RefreshImage' ] ||
	fail "ReAgent.xml path: '$(xp '/WindowsRE/PBRCustomImageLocation/@path')'"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@index')" = 1 ] || fail "ReAgent.xml index"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@offset')" = "$data_start" ] ||
	fail "ReAgent.xml offset: $(xp '/WindowsRE/PBRCustomImageLocation/@offset'), want $data_start"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@id')" = $((0x5eed1234)) ] ||
	fail "ReAgent.xml id: $(xp '/WindowsRE/PBRCustomImageLocation/@id')"
echo "ok: a recovery image created through the wizard in English"

# 3. Again in Russian: the image is appended as image 2 and registered.
start ru "$disk"
to_w4 2 "Создать или выбрать образ восстановления"
choose "Создать или выбрать образ восстановления"
wait_for 10 "I1" "Зарегистрирован: образ 1 из"
key 1
wait_for 10 "D1" "Выбор папки" "WRDATA:" "свободно"
choose "WRDATA:"
wait_for 10 "D1" "RefreshImage/"
choose "RefreshImage/"
wait_for 10 "D1" "Выбрать эту папку"
key 1
wait_for 10 "I2" "Образ восстановления будет сохранён в эту папку:"
key 1
wait_for 300 "W9" "Создать образ восстановления" "новый добавлен как образ 2"
key 2
wait_exit 0
[ "$(wiminfo "$wim" | sed -n 's/^Image Count: *//p')" = 2 ] || fail "the second create did not append"
reagent "$tmp/reagent.xml"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@index')" = 2 ] || fail "image 2 not registered"
echo "ok: a second image appended through the wizard in Russian"

# ---------------------------------------------------------------------------
# 4. The report on the USB stick (English), chosen from the list.
start en "$disk" "$stick"
to_w4 3 "Save a report"
key F4
wait_for 10 "S1" "Support code:"
code=$(python3 "$tmp/screen.py" code "$tmp/screen") || fail "no support code on S1"
key Escape
wait_for 10 "W4"
choose "Save a report"
wait_for 10 "U1" "Save a report"
python3 "$tmp/screen.py" lacks "$tmp/screen" "Windows (ntfs)" "disk.img" >"$tmp/why" ||
	fail "U1 offers the Windows disk: $(cat "$tmp/why")"
cap
wait_for 10 "U1" "Save a report" "The folder's name ends with the support code $code" "WRSTICK ($stick_fs)" \
	"Save in a folder instead"
choose "WRSTICK ($stick_fs)"
wait_for 60 "W9" "Finished: Save a report" "The report and the log were saved in this folder:" \
	"WRSTICK: /winrescue-" "You can remove the USB stick now."
key 2
wait_exit 0
grep -q "winrescue-save" /proc/self/mounts && fail "the stick is still mounted"
ls -d /tmp/winrescue-save-* 2>/dev/null && fail "a private mount folder was left behind"
mkdir -p "$tmp/stickmnt"
sp=$(losetup -f --show -r -o "$stick_start" --sizelimit "$stick_size" "$tmp/stick.img"); loops+=("$sp")
mount -t "$stick_mount" -o ro "$sp" "$tmp/stickmnt"
mounts=("$tmp/stickmnt" "${mounts[@]}")
dir=$(ls -d "$tmp/stickmnt"/winrescue-*-"$code" 2>/dev/null) || { ls -R "$tmp/stickmnt"; fail "no folder winrescue-<date>-$code"; }
[ "$(basename "$dir")" = "winrescue-$(date +%Y-%m-%d)-$code" ] || fail "folder name $(basename "$dir")"
grep -q "$code" "$dir/report.html" || fail "the HTML report lacks the support code $code"
grep -q "<html" "$dir/report.html" || fail "report.html is not HTML"
[ -s "$dir/report.txt" ] || fail "no report.txt"
[ -s "$dir/winrescue.log" ] || fail "no log on the stick"
grep -q "wizard" "$dir/winrescue.log" || fail "the log on the stick is not winrescue's log"
unmnt "$tmp/stickmnt"
echo "ok: the report saved on a USB stick chosen from the list"

# 5. In Japanese, into a plain folder with the folder chooser.
mkdir "$tmp/data/Reports"
start ja "$disk" "$stick"
to_w4 1 "レポートを保存する"
choose "レポートを保存する"
wait_for 10 "U1" "WRSTICK ($stick_fs)" "代わりにフォルダーに保存する"
choose "代わりにフォルダーに保存する"
wait_for 10 "D1" "フォルダーの選択" "WRDATA:"
choose "WRDATA:"
wait_for 10 "D1" "Reports/"
choose "Reports/"
wait_for 10 "D1" "フォルダー: $tmp/data/Reports"
key 1
wait_for 60 "W9" "レポートとログを次のフォルダーに保存しました:" "$tmp/data/Reports/winrescue-"
key 2
wait_exit 0
ls "$tmp/data/Reports"/winrescue-*/report.html >/dev/null 2>&1 || fail "no report in the folder"
grep -q 'lang="ja"' "$tmp/data/Reports"/winrescue-*/report.html || fail "the report is not in Japanese"
echo "ok: the report saved in a folder, in Japanese"

# ---------------------------------------------------------------------------
# 6. Deregister (English): ReAgent.xml no longer names the image; the file stays.
start en "$disk"
to_w4 3 "Create or choose a recovery image"
choose "Create or choose a recovery image"
wait_for 10 "I1" "Registered: image 2 of"
choose "Stop using the registered image"
wait_for 30 "W9" "The recovery image is no longer registered."
key 2
wait_exit 0
reagent "$tmp/reagent.xml"
[ -z "$(xp '/WindowsRE/PBRCustomImageLocation/@path')" ] || fail "still registered after deregister"
[ -f "$wim" ] || fail "deregister removed the image file"
echo "ok: deregistered through the wizard"

# 7. Use the existing image again (Japanese): the newest image of the folder is
#    registered.
start ja "$disk"
to_w4 1 "回復イメージを作成または選択する"
choose "回復イメージを作成または選択する"
wait_for 10 "I1" "回復イメージ" "ユーザー独自の回復イメージは登録されていません。"
choose "既存の回復イメージを使う"
wait_for 10 "D1" "フォルダーの選択" "使用する CustomRefresh.wim があるフォルダーを選んでください。" "WRDATA:"
choose "WRDATA:"
wait_for 10 "D1" "RefreshImage/"
choose "RefreshImage/"
wait_for 10 "D1" "フォルダー: $tmp/data/RefreshImage"
key 1
wait_for 60 "W9" "次の回復イメージを登録しました:" "CustomRefresh.wim" \
	"今後、この Windows のリフレッシュにはこのファイルのイメージ 2 が使われます。"
key 2
wait_exit 0
reagent "$tmp/reagent.xml"
[ "$(xp '/WindowsRE/PBRCustomImageLocation/@path')" = '\RefreshImage' ] &&
	[ "$(xp '/WindowsRE/PBRCustomImageLocation/@index')" = 2 ] || fail "the existing image was not registered"
echo "ok: t-wizard-image"
