#!/bin/sh
# b-refresh-target-full.sh - the target fills up in the middle of the apply: the image
# says (TOTALBYTES in its XML) that it expands to 1000 bytes, but holds 200 MiB, and
# the volume has about 90 MiB free.  The refresh must end with the clear "not enough
# free space" sentence and a resumable journal (exit 4), every user file intact;
# resume in that state fails the same clear way and still loses nothing.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/install.wim"
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_edit "$v" <<'SPEC'
file "Data/filler.bin" 400M 9
SPEC
w=$tmp/liar.wim
bi_big_wim "$w" 200M
wimlib-imagex info "$w" 1 --image-property TOTALBYTES=1000 >/dev/null
bi_keep "$w"
"$tools/ntfsdump" "$v" >"$tmp/before.tsv"
msg="There is not enough free space."
bi_expect 4 en "$msg" --lines 2 -- refresh --target "$v" --source "$w" --yes
bi_user_files_ok "after the volume filled up"
ntfsls -f "$v" -p '/$WinRescue' >/dev/null 2>&1 || fail "no journal left to resume from"
bi_expect 4 ja "$msg" --lines 2 -- resume --target "$v" --yes
bi_user_files_ok "after resume on a full volume"
bi_done
