#!/bin/sh
# b-refresh-locked.sh - another process holds the target's lock (flock, as a running
# winrescue does): refresh and resume refuse (exit 3); nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_keep "$v" "$fx/install.wim"
flock -x "$v" sleep 300 &
holder=$!
bi_on_exit "kill $holder"
i=0; while flock -n -x "$v" true && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
flock -n -x "$v" true && fail "could not take the lock for the test"
msg="Another winrescue is working on this target; wait for it to finish."
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject w.img -- refresh --target "$v" --source "$fx/install.wim" --yes
done
bi_done
