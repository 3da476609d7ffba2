#!/bin/sh
# t-wizard-reset.sh - "Reset your PC (remove everything)" through the wizard, keys only,
# in a private tmux server at 80x24, on a copy of the synthetic Windows 8.1 PC
# (tests/fixtures/build-pc.sh) with a data partition added: W4 -> X1 (what is erased,
# what is never touched, the image) -> X2 (typed confirmation) -> W8 -> W9.
#   - Russian: the data partition is chosen too; a wrong name stays on X2 with the
#     engine's sentence; the computer's name typed in lower case, then the data
#     partition's size typed in Cyrillic ("мб"): both erased.
#   - Japanese: "fully clean the drive" chosen; the name typed with a Japanese input
#     method's full-width letters; Esc on X2 goes back to X1 first.
# Afterwards the disk is checked with tools independent of the wizard: the Windows
# partition holds the new image (ntfsls: \Windows, no \Users\Alice, the archived
# \$WinRescue\logs\reset-journal-*), the recovery partition and the ESP's partition
# table entry are unchanged, the data partition is an empty NTFS volume still named
# DATA (Russian run) or untouched (Japanese run).  Backing out changes no byte.  A
# reset killed half-way (WINRESCUE_FAULT_AFTER, as a power cut) is offered on R1 when
# the wizard starts and finished there.  Every captured screen has exactly the
# terminal's rows, each exactly its width (the frame at both edges shows overflow or
# a split double-width character).
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 77; }
command -v msgfmt >/dev/null || { echo "msgfmt (gettext) is not installed"; exit 77; }
for t in ntfsls ntfscp mkntfs sfdisk blkid python3; do
	command -v $t >/dev/null || { echo "$t is not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root (loop devices for wimlib's NTFS mode)"; exit 77; }
case "${ASAN_OPTIONS:-}" in ?*) export ASAN_OPTIONS="$ASAN_OPTIONS:intercept_strchr=0" ;; esac
tmp=$(mktemp -d)
sock="wr-wreset-$$-0" runs=0
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/screen" ] && { echo "--- last screen:"; cat "$tmp/screen"; }
	[ -f "$tmp/log" ] && { echo "--- log tail:"; tail -8 "$tmp/log"; }
	exit 1
}
export WINRESCUE_STATE_DIR="$tmp/state"
MIB=1048576

# --- Catalogs: the wizard's and the reset screens' fragments, then po/<lang>.po; the
# tmux helpers (cap, key, typ, wait_for, lacks, wait_exit, wz_run).
wz_prefix=wr-wreset
. "$top/tests/lib/wizard-tmux.sh"
wz_catalogs wizard wizreset

# --- The PC, with a data partition 5 "DATA" (150 MiB NTFS holding one photo) after
# the recovery partition.
"$top/tests/fixtures/build-pc.sh" --size small --out "$tmp/pc" >/dev/null
wim="$tmp/pc/install.wim"
cp --sparse=always "$tmp/pc/pc.img" "$tmp/base.img"
truncate -s +200M "$tmp/base.img"
sfdisk --quiet --relocate gpt-bak-std "$tmp/base.img" >/dev/null 2>&1 ||
	fail "sfdisk could not move the backup GPT to the end"
echo 'size=150MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"' |
	sfdisk --quiet --append --no-reread --no-tell-kernel "$tmp/base.img" >/dev/null 2>&1 ||
	fail "sfdisk could not add the data partition"
part_start() { sfdisk --json "$1" | python3 -c "import json,sys; t=json.load(sys.stdin)['partitiontable']; print([p for p in t['partitions'] if p['node'].endswith(str($2))][0]['start'] * t.get('sectorsize', 512))"; }
part_size() { sfdisk --json "$1" | python3 -c "import json,sys; t=json.load(sys.stdin)['partitiontable']; print([p for p in t['partitions'] if p['node'].endswith(str($2))][0]['size'] * t.get('sectorsize', 512))"; }
extract() {	# extract DISK N OUT: partition N as a file
	dd if="$1" of="$3" bs=$MIB skip=$(( $(part_start "$1" "$2") / MIB )) \
		count=$(( $(part_size "$1" "$2") / MIB )) status=none
}
range_sum() { tail -c +$(( $2 + 1 )) "$1" | head -c "$3" | sha256sum | cut -d' ' -f1; }
part_sum() { range_sum "$1" "$(part_start "$1" "$2")" "$(part_size "$1" "$2")"; }
d_start=$(part_start "$tmp/base.img" 5)
truncate -s 150M "$tmp/data.img"
mkntfs -Q -F -L DATA -p $(( d_start / 512 )) -H 255 -S 63 "$tmp/data.img" >/dev/null 2>&1 ||
	fail "mkntfs for the data partition"
echo "a holiday photo" >"$tmp/Holiday.jpg"
ntfscp "$tmp/data.img" "$tmp/Holiday.jpg" Holiday.jpg >/dev/null 2>&1 || fail "ntfscp"
dd if="$tmp/data.img" of="$tmp/base.img" bs=$MIB seek=$(( d_start / MIB )) conv=notrunc,sparse \
	status=none
rm -f "$tmp/data.img"
rec_sum=$(part_sum "$tmp/base.img" 4)
esp_sum=$(part_sum "$tmp/base.img" 1)
data_sum=$(part_sum "$tmp/base.img" 5)

start() {	# start LANG DISK
	wz_run "WINRESCUE_STATE_DIR='$WINRESCUE_STATE_DIR'" -- --lang "$1" wizard --disk "$2" --source "$wim"
}
# to_x1 LANG DIGIT TITLE_W2 RESET_LABEL X1_TITLE: language -> W2 -> W3 -> W4 -> X1
to_x1() {
	start "$1" "$tmp/disk.img"
	wait_for 20 "W1" "日本語"
	key "$2"
	wait_for 30 "W2" "$3"
	key Enter
	wait_for 60 "W3" "[ OK ]"
	key Enter
	wait_for 10 "W4" "$4"
	key 2
	wait_for 30 "X1" "$5" "YAMADA-PC"
}
# wait_done SECONDS DONE-TEXT: W8 (when caught) then W9
seen_w8=0
wait_done() {
	i=0
	while :; do
		cap
		if python3 "$tmp/screen.py" has "$tmp/screen" "W8" >/dev/null &&
			python3 "$tmp/screen.py" has "$tmp/screen" "$3" >/dev/null; then
			python3 "$tmp/screen.py" size "$tmp/screen" "$cols" "$rows" >"$tmp/why" ||
				fail "$(cat "$tmp/why")"
			seen_w8=$((seen_w8 + 1))
		fi
		python3 "$tmp/screen.py" has "$tmp/screen" "W9" >/dev/null && break
		i=$((i + 1))
		[ $i -le $(($1 * 5)) ] || fail "the reset did not finish"
		sleep 0.2
	done
	wait_for 10 "W9" "$2"
}
# check_windows DISK: partition 3 holds the new image and winrescue's archived journal
check_windows() {
	extract "$1" 3 "$tmp/win.img"
	ntfsls -f "$tmp/win.img" -p / >"$tmp/root" || fail "ntfsls cannot read the new volume"
	grep -qx "Windows" "$tmp/root" || fail "no \\Windows on the new volume"
	ntfsls -f "$tmp/win.img" -p /Windows/System32/config | grep -qx SYSTEM ||
		fail "no SYSTEM hive in the new Windows"
	if ntfsls -f "$tmp/win.img" -p /Users 2>/dev/null | grep -qx Alice; then
		fail "Alice's profile survived the reset"
	fi
	grep -qx "Data" "$tmp/root" && fail "the old \\Data folder survived the reset"
	ntfsls -f "$tmp/win.img" -p '/$WinRescue/logs' | grep -q '^reset-journal-' ||
		fail "no archived reset journal in \\\$WinRescue\\logs"
	[ "$(blkid -p -o value -s LABEL "$tmp/win.img")" = Windows ] || fail "the label was not kept"
	[ "$(part_sum "$1" 4)" = "$rec_sum" ] || fail "the recovery partition changed"
	rm -f "$tmp/win.img"
}

# --- Backing out from X1 and X2 changes nothing (English).
cp --sparse=always "$tmp/base.img" "$tmp/disk.img"
sum0=$(sha256sum "$tmp/disk.img" | cut -d' ' -f1)
to_x1 en 3 "3 users: Alice" "Reset your PC (remove everything)" "Reset your PC"
wait_for 10 "X1" "Step 6 of 9" "Everything on the Windows partition will be erased:" \
	"the computer's name is YAMADA-PC" "[ ] Also fully clean the drive (slow)" \
	"[ ] Also erase partition 5 (150 MB, \"DATA\")"
key PageDown
wait_for 10 "X1" "Never touched:" "a recovery partition" "Windows starts afresh: no files, accounts or apps are kept."
key 1
wait_for 10 "X2" "Step 7 of 9" "type the computer's name, YAMADA-PC, and press Enter:" "point of no return"
key Enter	# Enter alone never confirms
wait_for 10 "X2" "What was typed does not match what the screen asked for, so nothing was erased."
key Escape
wait_for 10 "X1" "Also fully clean the drive"
key Escape
wait_for 10 "W4" "Refresh your PC (keep my files)"
key F10
wait_exit 0
[ "$(sha256sum "$tmp/disk.img" | cut -d' ' -f1)" = "$sum0" ] || fail "backing out changed the disk"
echo "ok: backing out of X1 and X2 changes nothing"

# --- Russian: the data partition too; a wrong name first; the name in lower case,
# the data partition's size in Cyrillic.
cp --sparse=always "$tmp/base.img" "$tmp/disk.img"
to_x1 ru 2 "3 пользователя: Alice" "Вернуть ПК в исходное состояние (удалить всё)" \
	"Возврат ПК в исходное состояние"
wait_for 10 "X1" "Шаг 6 из 9" "Всё содержимое раздела Windows будет стёрто:" \
	"[ ] Также стереть раздел 5 (150 МБ, «DATA»)"
key 3
wait_for 10 "X1" "[x] Также стереть раздел 5 (150 МБ, «DATA»)" "Содержимое: Holiday.jpg."
key 1
wait_for 10 "X2" "Подтверждение 1 из 2" "введите имя компьютера (YAMADA-PC)"
typ "YAMADA"
key Enter
wait_for 10 "X2" "Подтверждение 1 из 2" "Введённое не совпадает"
typ "yamada-pc"
key Enter
wait_for 10 "X2" "Подтверждение 2 из 2" "введите его размер (150 МБ)" "Дальше пути назад нет"
typ "150 мб"
key Enter
wait_done 300 "Windows переустановлена." "Пока идёт работа, можно отойти от компьютера."
wait_for 10 "W9" "Windows переустановлена." "Журнал находится"
key 2
wait_exit 0
check_windows "$tmp/disk.img"
extract "$tmp/disk.img" 5 "$tmp/data.img"
[ "$(blkid -p -o value -s TYPE "$tmp/data.img")" = ntfs ] || fail "the data partition is not NTFS"
[ "$(blkid -p -o value -s LABEL "$tmp/data.img")" = DATA ] || fail "the data partition lost its label"
ntfsls -f "$tmp/data.img" -p / | grep -qx Holiday.jpg && fail "the data partition was not erased"
rm -f "$tmp/data.img"
echo "ok: reset with the data partition through the wizard in Russian"

# --- Japanese: "fully clean the drive"; Esc from X2 first; full-width typing.
cp --sparse=always "$tmp/base.img" "$tmp/disk.img"
to_x1 ja 1 "ユーザー 3 人" "PC を初期状態に戻す (すべて削除)" "PC を初期状態に戻す"
wait_for 10 "X1" "ステップ 6/9" "Windows パーティションの内容はすべて消去されます:" \
	"[ ] ドライブも完全にクリーンアップする (時間がかかります)"
key 2
wait_for 10 "X1" "[x] ドライブも完全にクリーンアップする (時間がかかります)"
key 1
wait_for 10 "X2" "コンピューター名 YAMADA-PC を入力して Enter キーを押してください:"
typ "YAMADA"
key Escape
wait_for 10 "X1" "[x] ドライブも完全にクリーンアップする"
key 1
wait_for 10 "X2" "最初にすべてのバイトを上書きします" "ここから先は元に戻せません。"
lacks "YAMADA_"
typ "ｙａｍａｄａ－ｐｃ"
key Enter
wait_done 300 "Windows を再インストールしました。" "処理中は PC から離れてもかまいません。"
key 2
wait_exit 0
check_windows "$tmp/disk.img"
[ "$(part_sum "$tmp/disk.img" 5)" = "$data_sum" ] || fail "the data partition changed though not chosen"
[ "$(part_sum "$tmp/disk.img" 1)" = "$esp_sum" ] && fail "the ESP was not given the new boot files"
grep -q "Erasing the drive\|wipe" "$tmp/log" || fail "the log does not show the wipe"
echo "ok: reset with the full clean through the wizard in Japanese"

# --- A reset killed half-way (as a power cut would) is found on start and finished.
cp --sparse=always "$tmp/base.img" "$tmp/disk.img"
WINRESCUE_FAULT_AFTER=1000 "$bin" --log "$tmp/count.log" reset --target "$tmp/disk.img" \
	--partition 3 --source "$wim" --yes >/dev/null 2>&1 || fail "a reset for counting records"
total=$(grep -c 'journal.*[0-9]: ' "$tmp/count.log" || true)
[ "$total" -gt 6 ] || fail "only $total journal records"
cp --sparse=always "$tmp/base.img" "$tmp/disk.img"
set +e
WINRESCUE_FAULT_AFTER=$((total - 3)) "$bin" --log "$tmp/kill.log" reset --target "$tmp/disk.img" \
	--partition 3 --source "$wim" --yes >/dev/null 2>&1
st=$?
set -e
[ $st -eq 137 ] || fail "the reset with WINRESCUE_FAULT_AFTER was not killed (exit $st)"
start en "$tmp/disk.img"
wait_for 60 "R1" "\"Reset your PC (remove everything)\" did not finish on" "partition 3" \
	"The reset had already begun to erase this Windows" "Finish it now"
lacks "Your files are safe."
key 1
wait_for 300 "W9" "Windows was reinstalled. When the PC starts, Windows asks for the first settings."
key 2
wait_exit 0
check_windows "$tmp/disk.img"
echo "ok: an interrupted reset found on start and finished through the wizard"

# --- "Not now" on R1, then Reset again: X1 says why not and offers to finish it.
cp --sparse=always "$tmp/base.img" "$tmp/disk.img"
set +e
WINRESCUE_FAULT_AFTER=$((total - 3)) "$bin" --log "$tmp/kill.log" reset --target "$tmp/disk.img" \
	--partition 3 --source "$wim" --yes >/dev/null 2>&1
st=$?
set -e
[ $st -eq 137 ] || fail "the second reset with WINRESCUE_FAULT_AFTER was not killed (exit $st)"
start en "$tmp/disk.img"
wait_for 60 "R1" "Finish it now"
key 2
wait_for 20 "W1" "English"
key 3
wait_for 30 "W2" "Windows 8.1"
key Enter
wait_for 60 "W3" "Continue"
key Enter
wait_for 10 "W4" "Reset your PC (remove everything)"
key 2
wait_for 30 "X1" "This PC cannot be reset now:" "An earlier operation on this volume was interrupted" \
	"Finish the interrupted reset"
key 1
wait_for 300 "W9" "Windows was reinstalled."
key 2
wait_exit 0
check_windows "$tmp/disk.img"
echo "ok: an interrupted reset left for later is finished from X1"

[ "$seen_w8" -gt 0 ] || echo "note: the progress screen (W8) was not caught in a capture"
echo "ok: t-wizard-reset"
