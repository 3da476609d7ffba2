#!/bin/sh
# b-reset-disk-too-small.sh - a blank disk smaller than Windows Setup's layout plus the
# image needs: 1 GiB for GPT (ESP, MSR, a 1 GiB recovery partition, Windows), 510 MiB
# for MBR (500 MiB System Reserved, Windows), and a 12 MiB NTFS volume for the
# fixture's install.wim (15 MB expanded, 20 % more needed).  Refused in preflight
# (exit 3, naming the disk), the blank images still blank, no journal started.
. "$(dirname "$0")/lib.sh"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
truncate -s 1G "$tmp/gpt.img"
truncate -s 510M "$tmp/mbr.img"
truncate -s 12M "$tmp/vol.img"
mkntfs -F -Q -q -L Small "$tmp/vol.img" >/dev/null 2>&1 || fail "mkntfs"
bi_keep "$tmp/gpt.img" "$tmp/mbr.img" "$tmp/vol.img" "$fx/install.wim"
msg="The disk or partition is too small for this Windows image; nothing was changed. Use a larger disk."
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject gpt.img -- \
		reset --disk "$tmp/gpt.img" --layout gpt --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject gpt.img -- \
		reset --disk "$tmp/gpt.img" --layout gpt --source "$fx/install.wim" --dry-run
done
for lang in en ru; do
	bi_expect 3 $lang "$msg" --subject mbr.img -- \
		reset --disk "$tmp/mbr.img" --layout mbr --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject vol.img -- \
		reset --target "$tmp/vol.img" --source "$fx/install.wim" --yes
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
# Still blank: not one byte of a table or a file system was written.
[ "$(tr -d '\0' <"$tmp/gpt.img" | head -c 1 | wc -c)" = 0 ] || fail "gpt.img is no longer blank"
[ "$(tr -d '\0' <"$tmp/mbr.img" | head -c 1 | wc -c)" = 0 ] || fail "mbr.img is no longer blank"
bi_done
