#!/bin/sh
# b-reset-locked.sh - another process holds the lock of the disk image (flock, as a
# running winrescue does): reset of its Windows partition, and a whole-disk (MBR)
# layout of it, refuse (exit 3, naming the image); nothing written, no journal started.
. "$(dirname "$0")/lib.sh"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
d=$tmp/pc.img
bi_copy "$fx/pc.img" "$d"
bi_keep "$d" "$fx/install.wim"
flock -x "$d" sleep 600 &
holder=$!
bi_on_exit "kill $holder"
i=0; while flock -n -x "$d" true && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
flock -n -x "$d" true && fail "could not take the lock for the test"
msg="Another winrescue is working on this target; wait for it to finish."
for lang in en ru; do
	bi_expect 3 $lang "$msg" --subject pc.img -- reset --target "$d" --partition 3 --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" --subject pc.img -- reset --disk "$d" --layout mbr --source "$fx/install.wim" --yes
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
