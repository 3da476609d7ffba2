#!/bin/sh
# b-wim-integrity.sh - a WIM with an integrity table (wimlib-imagex optimize --check)
# and four bytes changed inside a resource: wimlib-imagex verify rejects it, and so must
# refresh, before anything is written (exit 1, the image named).
. "$(dirname "$0")/lib.sh"
bi_fixture
w=$tmp/install.wim
cp "$fx/install.wim" "$w"
wimlib-imagex optimize --check "$w" >/dev/null
printf '\377\377\377\377' | dd of="$w" bs=1 seek=$(($(stat -c %s "$w") / 2)) conv=notrunc status=none
wimlib-imagex verify "$w" >/dev/null 2>&1 && fail "the damaged WIM still verifies; damage elsewhere"
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_keep "$v" "$w"
msg="The Windows image file is damaged or incomplete; use another copy."
for lang in en ja; do
	bi_expect 1 $lang "$msg" --subject install.wim -- refresh --target "$v" --source "$w" --yes
done
bi_done
