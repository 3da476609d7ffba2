#!/bin/sh
# b-wim-path-traversal.sh - an image (otherwise a good Windows 8.1 one) holding the name
# "..\..\x" under \Windows (made with wimlib-imagex, then renamed inside the metadata by
# wimpatch.py): refresh must refuse before it moves anything (exit 3, the name shown)
# and the volume must be byte-identical.
. "$(dirname "$0")/lib.sh"
bi_fixture
w=$tmp/trav.wim
wimlib-imagex export "$fx/install.wim" 1 "$w" --compress=none >/dev/null
mkdir "$tmp/host"
echo "escaped" >"$tmp/host/QQQQQQQ"
wimlib-imagex update "$w" 1 --command="add $tmp/host/QQQQQQQ /Windows/QQQQQQQ" >/dev/null
python3 "$here/wimpatch.py" "$w" QQQQQQQ '..\..\x'
wimlib-imagex dir "$w" 1 | grep -q '\.\.\\\.\.\\x' || fail "the unsafe name is not in the image"
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_keep "$v" "$w"
msg="A file name is unsafe and was refused."
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject '..\..\x' -- refresh --target "$v" --source "$w" --yes
done
bi_done
