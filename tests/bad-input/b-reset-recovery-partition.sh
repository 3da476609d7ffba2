#!/bin/sh
# b-reset-recovery-partition.sh - the recovery partition named as what to reset
# (--partition 4 on GPT, --partition 3 on MBR) or as one more to erase
# (--also-format 4): refused (exit 3, naming the partition), whole disk unchanged.
. "$(dirname "$0")/lib.sh"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
bi_copy "$fx/pc.img" "$tmp/pc.img"
bi_copy "$fx/pc-mbr.img" "$tmp/pc-mbr.img"
bi_keep "$tmp/pc.img" "$tmp/pc-mbr.img" "$fx/install.wim"
msg="That is a recovery or manufacturer partition, which winrescue never erases; choose the Windows partition."
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject 4 -- \
		reset --target "$tmp/pc.img" --partition 4 --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject 4 -- \
		reset --target "$tmp/pc.img" --partition 4 --yes
	bi_expect 3 $lang "$msg" --subject 4 -- \
		reset --target "$tmp/pc.img" --partition 3 --also-format 4 --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject 4 -- \
		reset --target "$tmp/pc.img" --partition 3 --also-format 4 --dry-run
done
for lang in en ru; do
	bi_expect 3 $lang "$msg" --subject 3 -- \
		reset --target "$tmp/pc-mbr.img" --partition 3 --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject 3 -- \
		reset --target "$tmp/pc-mbr.img" --partition 2 --also-format 3 --source "$fx/install.wim" --yes
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
