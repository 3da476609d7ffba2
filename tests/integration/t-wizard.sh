#!/bin/sh
# t-wizard.sh - the wizard driven through keys only, in a private tmux server, on the
# synthetic Windows 8.1 PC (tests/fixtures/build-pc.sh), in English, Japanese and
# Russian at 80x24 and 132x43: language -> your PC -> check-up -> what to do ->
# source -> summary -> confirm -> progress -> done, and the refresh really happens
# (the volume is checked afterwards with the tests' own ntfsdump and
# check_user_files.py).  Every captured screen must have exactly the terminal's
# rows, each exactly the terminal's width in columns (the wizard draws a frame at
# both edges, so text that overflowed or a split double-width character would show).
# Also: backing out before the confirmation changes nothing (checksums), the window
# can be resized, helper mode and the support summary, the plain Linux console.
set -eu
top=${WINRESCUE_TOP:?}; bin=${WINRESCUE_BIN:?}; tools="$top/${BUILD:-build}/tools"
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 77; }
command -v msgfmt >/dev/null || { echo "msgfmt (gettext) is not installed"; exit 77; }
[ -x "$tools/ntfsdump" ] || { echo "$tools/ntfsdump is not built (make all)"; exit 77; }
# Under AddressSanitizer: libparted 3.5's constructor (ped_disk_gpt_init, before main)
# trips ASan's strchr interceptor in every program that links it; not our code.
case "${ASAN_OPTIONS:-}" in ?*) export ASAN_OPTIONS="$ASAN_OPTIONS:intercept_strchr=0" ;; esac
tmp=$(mktemp -d)
sock="wr-wizard-$$-0" runs=0
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/screen" ] && { echo "--- last screen:"; cat "$tmp/screen"; }
	[ -f "$tmp/log" ] && { echo "--- log tail:"; tail -5 "$tmp/log"; }
	exit 1
}

# --- Catalogs: the wizard's translations from po/fragments, then po/<lang>.po; the
# tmux helpers (cap, key, wait_for, wait_exit, wz_run).
wz_prefix=wr-wizard
. "$top/tests/lib/wizard-tmux.sh"
wz_catalogs wizard

# --- The PC.
"$top/tests/fixtures/build-pc.sh" --size small --out "$tmp/pc" >/dev/null
wim="$tmp/pc/install.wim"
# Partition 3 is Windows: where it lies in the disk image.
part=$(sfdisk -J "$tmp/pc/pc.img" | python3 -c '
import json, sys
t = json.load(sys.stdin)["partitiontable"]
p = t["partitions"][2]
ss = t.get("sectorsize", 512)
print(p["start"] * ss, p["size"] * ss)')
part_off=${part% *}
part_size=${part#* }
extract() {	# extract DISK OUT: the Windows partition as a volume image
	dd if="$1" of="$2" bs=1M iflag=skip_bytes,count_bytes skip="$part_off" count="$part_size" \
		conv=sparse status=none
}
extract "$tmp/pc/pc.img" "$tmp/vol-before.img"
"$tools/ntfsdump" "$tmp/vol-before.img" >"$tmp/before.tsv"
rm -f "$tmp/vol-before.img"

start() {	# start COLS ROWS LANG DISK [env...]
	cols=$1 rows=$2 lang=$3 disk=$4
	shift 4
	wz_run "$@" -- --lang "$lang" wizard --disk "$disk" --source "$wim"
}

# --- Backing out before the confirmation changes nothing.
cp --sparse=always "$tmp/pc/pc.img" "$tmp/disk.img"
sum0=$(sha256sum "$tmp/disk.img" | cut -d' ' -f1)
start 80 24 en "$tmp/disk.img"
wait_for 20 "W1" "Language" "Step 1 of 9" "日本語" "Русский" "English" "F2 Language"
key 3
wait_for 30 "W2" "Your PC" "Step 2 of 9" "Windows 8.1 on the" "3 users: Alice, Тарас, 山田太郎"
key Enter
wait_for 30 "W3" "What the check-up found:" "[ OK ]"
key Enter
wait_for 10 "W4" "Refresh your PC (keep my files)" "Reset your PC (remove everything)"
key 1
wait_for 10 "W5" "install.wim" "Insert your USB stick or DVD and press F5 to look again."
key Enter
wait_for 10 "W6" "Your files and personal settings won't change." "apps will be removed:" "7-Zip"
# The window grows: everything is laid out again at the new size.
tmux -L "$sock" resize-window -x 132 -y 43
cols=132 rows=43
wait_for 10 "W6" "Apps you installed from discs or websites will be removed."
tmux -L "$sock" resize-window -x 80 -y 24
cols=80 rows=24
wait_for 10 "W6" "Step 6 of 9"
key 1
wait_for 10 "W7" "Once the refresh starts, it cannot be cancelled."
key Enter	# "Go back" is the preselected line: Enter alone starts nothing
wait_for 10 "W6"
key F10
wait_exit 0
[ "$(sha256sum "$tmp/disk.img" | cut -d' ' -f1)" = "$sum0" ] || fail "backing out changed the disk"

# --- The refresh, in each language at each size.
# TITLE_W2 USERS TEXT_W3 REFRESH SUMMARY CONFIRM DONE SUPPORT
texts_en() {
	t_w1="Language" t_w2="Your PC" t_users="3 users: Alice, Тарас, 山田太郎"
	t_w3="What the check-up found:" t_refresh="Refresh your PC (keep my files)"
	t_summary="Your files and personal settings won't change."
	t_confirm="it cannot be cancelled" t_done="Your PC was refreshed."
	t_support="Support code:" t_step="Step 4 of 9" digit=3
	t_leave="You can leave the PC while this runs."
}
texts_ja() {
	t_w1="言語" t_w2="お使いの PC" t_users="ユーザー 3 人: Alice、Тарас、山田太郎"
	t_w3="チェックの結果:" t_refresh="PC をリフレッシュする (ファイルは保持)"
	t_summary="個人用ファイルと個人設定は変更されません。"
	t_confirm="取り消すことはできません" t_done="PC をリフレッシュしました。"
	t_support="サポート コード:" t_step="ステップ 4/9" digit=1
	t_leave="処理中は PC から離れてもかまいません。"
}
texts_ru() {
	t_w1="Язык" t_w2="Ваш компьютер" t_users="3 пользователя: Alice, Тарас, 山田太郎"
	t_w3="Результаты проверки:" t_refresh="Восстановить ПК без удаления файлов"
	t_summary="Ваши файлы и параметры персонализации не изменятся."
	t_confirm="его нельзя отменить" t_done="Компьютер восстановлен."
	t_support="Код для поддержки:" t_step="Шаг 4 из 9" digit=2
	t_leave="Пока идёт работа, можно отойти от компьютера."
}

seen_w8=0
for size in 80x24 132x43; do
	for l in en ja ru; do
		"texts_$l"
		cp --sparse=always "$tmp/pc/pc.img" "$tmp/disk.img"
		start "${size%x*}" "${size#*x}" "$l" "$tmp/disk.img"
		wait_for 20 "W1" "$t_w1" "日本語"
		key "$digit"
		wait_for 30 "W2" "$t_w2" "$t_users"
		key Enter
		wait_for 30 "W3" "$t_w3" "[ OK ]"
		key Enter
		wait_for 10 "W4" "$t_step" "$t_refresh"
		# Helper mode: the English text under the translated one.
		key F3
		if [ "$l" != en ]; then
			wait_for 10 "W4" "$t_refresh" "EN: Refresh your PC (keep my files)" "EN: What to do"
		fi
		key F3
		# The support summary, one key from anywhere, and back.
		key F4
		wait_for 10 "S1" "$t_support" "W4" "Windows 8.1"
		key Escape
		wait_for 10 "W4" "$t_refresh"
		key 1
		wait_for 10 "W5" "install.wim"
		key Enter
		wait_for 10 "W6" "$t_summary" "7-Zip"
		key 1
		wait_for 10 "W7" "$t_confirm"
		key 1
		# W8 while it works (when the screen is caught in time), then W9.
		i=0
		while :; do
			cap
			if python3 "$tmp/screen.py" has "$tmp/screen" "W8" >/dev/null; then
				python3 "$tmp/screen.py" has "$tmp/screen" "$t_leave" >"$tmp/why" &&
					python3 "$tmp/screen.py" size "$tmp/screen" "$cols" "$rows" >"$tmp/why" &&
					seen_w8=$((seen_w8 + 1))
			fi
			python3 "$tmp/screen.py" has "$tmp/screen" "W9" >/dev/null && break
			i=$((i + 1))
			[ $i -le 600 ] || fail "$l $size: the refresh did not finish"
			sleep 0.2
		done
		wait_for 10 "W9" "$t_done" "Windows.old"
		key 2
		wait_exit 0
		# The volume: every user file back exactly once and unchanged, the old
		# system in \Windows.old.
		extract "$tmp/disk.img" "$tmp/vol.img"
		"$tools/ntfsdump" "$tmp/vol.img" >"$tmp/after.tsv"
		python3 "$top/tests/tools/check_user_files.py" "$tmp/before.tsv" "$tmp/after.tsv" --final ||
			fail "$l $size: user files not kept"
		grep -q "^/Windows.old/Windows/System32/config/SYSTEM	" "$tmp/after.tsv" ||
			fail "$l $size: no \\Windows.old"
		grep -q "^/Users/Alice/Desktop/Removed Apps.html	" "$tmp/after.tsv" ||
			fail "$l $size: no Removed Apps.html on Alice's desktop"
		rm -f "$tmp/vol.img" "$tmp/disk.img"
		echo "ok: refresh through the wizard in $l at $size"
	done
done

# The refresh takes seconds here: the progress screen must have been seen.
[ "$seen_w8" -gt 0 ] || fail "the progress screen (W8) was never seen"
echo "ok: W8 seen in $seen_w8 captures"

# --- A refresh killed half-way (the refresh's test switch WINRESCUE_FAULT_AFTER, as a
# power cut would) is found when the wizard starts and finished from there.
cp --sparse=always "$tmp/pc/pc.img" "$tmp/disk.img"
set +e
WINRESCUE_FAULT_AFTER=12 "$bin" --log "$tmp/kill.log" refresh --target "$tmp/disk.img" \
	--partition 3 --source "$wim" --yes >"$tmp/out" 2>&1
st=$?
set -e
[ $st -ne 0 ] || fail "the refresh with WINRESCUE_FAULT_AFTER=12 was not interrupted"
start 80 24 en "$tmp/disk.img"
wait_for 30 "R1" "did not finish on" "partition 3" "Your files are safe." "Finish it now"
key 1
wait_for 120 "W9" "Your PC was refreshed." "Windows.old"
key 2
wait_exit 0
extract "$tmp/disk.img" "$tmp/vol.img"
"$tools/ntfsdump" "$tmp/vol.img" >"$tmp/after.tsv"
python3 "$top/tests/tools/check_user_files.py" "$tmp/before.tsv" "$tmp/after.tsv" --final ||
	fail "resume: user files not kept"
grep -q "^/\$WinRescue/journal	" "$tmp/after.tsv" && fail "resume: the journal is still there"
rm -f "$tmp/vol.img"
echo "ok: an interrupted refresh found on start and finished through the wizard"

# --- Every width from narrow to wide (dialog's msgbox4-utf8 idea), in Japanese with
# helper mode on: nothing may overflow, split or vanish from the frame.
cp --sparse=always "$tmp/pc/pc.img" "$tmp/disk.img"
start 80 24 ja "$tmp/disk.img"
wait_for 20 "W1" "日本語"
key 1
wait_for 30 "W2" "山田太郎"
key Enter
wait_for 30 "W3" "チェックの結果:"
key Enter
wait_for 10 "W4" "PC をリフレッシュする"
key F3
for w in 40 41 47 53 59 61 67 71 73 79 80 81 97 101 119 131 132; do
	tmux -L "$sock" resize-window -x $w -y 30
	cols=$w rows=30
	wait_for 10 "W4" "EN: What to do"
done
key F10
wait_exit 0

# --- Repair start-up: the boot files are written again, the old BCD kept beside the
# new one on the ESP (partition 1), read back with mtools.
if command -v mdir >/dev/null; then
	esp_off=$(sfdisk -J "$tmp/pc/pc.img" | python3 -c '
import json, sys
t = json.load(sys.stdin)["partitiontable"]
print(t["partitions"][0]["start"] * t.get("sectorsize", 512))')
	cp --sparse=always "$tmp/pc/pc.img" "$tmp/disk.img"
	start 80 24 en "$tmp/disk.img"
	wait_for 20 "W1"
	key 3
	wait_for 30 "W2" "3 users"
	key Enter
	wait_for 30 "W3" "What the check-up found:"
	key Enter
	wait_for 10 "W4" "Repair start-up"
	key 3
	wait_for 10 "W7" "Repair start-up" "This changes files on the Windows disk." "Go back"
	key 1
	wait_for 60 "W9" "Finished: Repair start-up"
	key 2
	wait_exit 0
	mdir -b -i "$tmp/disk.img@@$esp_off" ::/EFI/Microsoft/Boot >"$tmp/esp" 2>&1 ||
		fail "mdir: $(cat "$tmp/esp")"
	grep -q "/BCD$" "$tmp/esp" || fail "no BCD on the ESP after the repair: $(cat "$tmp/esp")"
	grep -q "/BCD\.winrescue-" "$tmp/esp" || fail "the old BCD was not kept: $(cat "$tmp/esp")"
	echo "ok: repair start-up through the wizard"
else
	echo "mtools is not installed: the repair start-up run is left out"
	[ "${CI:-}" != true ] || fail "mtools is missing under CI"
fi

# --- The plain Linux console cannot draw Japanese: said in English, with the way out.
cp --sparse=always "$tmp/pc/pc.img" "$tmp/disk.img"
start 80 24 ja "$tmp/disk.img" TERM=linux
wait_for 20 "C1" "It cannot show Japanese characters" "kmscon or fbterm" "setfont Cyr_a8x16"
key Enter
wait_for 10 "W1" "Nihongo (Japanese)" "Русский"
key 1
wait_for 10 "W1" "This console cannot show Japanese characters."
tmux -L "$sock" kill-server
[ "$(sha256sum "$tmp/disk.img" | cut -d' ' -f1)" = "$sum0" ] || fail "the console run changed the disk"

# --- A bad option: usage, exit 2.
set +e
"$bin" wizard --bogus >"$tmp/out" 2>&1
st=$?
set -e
[ $st -eq 2 ] && grep -q "^winrescue: Unknown option or missing value in .--bogus." "$tmp/out" || fail "wizard --bogus: exit $st"
echo "ok: t-wizard"
