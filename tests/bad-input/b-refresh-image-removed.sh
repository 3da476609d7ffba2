#!/bin/sh
# b-refresh-image-removed.sh - the image's USB stick is pulled while Windows is being
# applied (simulated: the refresh is stopped during the apply step, the WIM file is
# cut to nothing under it, and it goes on): the refresh ends interrupted (exit 4) with
# a translated sentence, every user file is intact, and once the image is back
# `resume` finishes the refresh.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/install.wim"
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
w=$tmp/install.wim
bi_big_wim "$w" 200M
cp "$w" "$tmp/install.wim.saved"
"$tools/ntfsdump" "$v" >"$tmp/before.tsv"
step3=$(bi_tr ru 'Step %1$u of %2$u: %3$s\n' | sed 's/%1\$u/3/; s/%2\$u.*//')
[ -n "$step3" ] || fail "no translation of the step line"
"$bin" --lang ru --log "$tmp/winrescue.log" refresh --target "$v" --source "$w" --yes \
	>"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
bi_on_exit "kill -CONT $pid; kill $pid"
i=0
while ! grep -q "^$step3" "$tmp/err" && kill -0 $pid 2>/dev/null && [ $i -lt 2000 ]; do
	sleep 0.02; i=$((i + 1))
done
kill -STOP $pid 2>/dev/null || fail "the refresh ended before the apply step: $(cat "$tmp/err")"
truncate -s 0 "$w"
kill -CONT $pid
set +e; wait $pid; st=$?; set -e
[ $st -eq 4 ] || { cat "$tmp/err"; fail "exit $st after the image vanished, want 4 (interrupted)"; }
grep -qF "$(bi_tr ru "The refresh was interrupted; nothing is lost. Run 'winrescue resume' with the same --target to finish it.")" "$tmp/err" ||
	fail "no translated 'interrupted' sentence: $(cat "$tmp/err")"
bi_user_files_ok "after the image vanished"
bi_check_kept
# The image is back: resume finishes.
cp "$tmp/install.wim.saved" "$w"
bi_run ja resume --target "$v" --yes
[ $st -eq 0 ] || { cat "$tmp/err"; fail "resume after the image came back exited $st"; }
bi_user_files_ok "after resume" --final
bi_done
