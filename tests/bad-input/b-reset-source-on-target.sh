#!/bin/sh
# b-reset-source-on-target.sh - `reset --disk` of the synthetic PC without --source: the
# image it would install is the factory image on the disk's own recovery partition,
# which laying out the whole disk erases.  Refused in preflight (exit 3, naming the
# image), on GPT and on MBR, the disk byte-identical and no journal started.
. "$(dirname "$0")/lib.sh"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
bi_copy "$fx/pc.img" "$tmp/pc.img"
bi_copy "$fx/pc-mbr.img" "$tmp/pc-mbr.img"
bi_keep "$tmp/pc.img" "$tmp/pc-mbr.img"
msg="The Windows image is stored on the volume that would be changed; put it on another drive."
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject 'RecoveryImage\install.wim' -- \
		reset --disk "$tmp/pc.img" --layout gpt --yes
	bi_expect 3 $lang "$msg" --subject 'RecoveryImage\install.wim' -- \
		reset --disk "$tmp/pc.img" --layout gpt --dry-run
done
for lang in en ru; do
	bi_expect 3 $lang "$msg" --subject 'RecoveryImage\install.wim' -- \
		reset --disk "$tmp/pc-mbr.img" --layout mbr --yes
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
