#!/bin/sh
# b-refresh-mismatch-8-vs-81.sh - a Windows 8 (6.2) image for the Windows 8.1 system:
# refused (exit 3) with the sentence and the plain-words reason on the next line.
. "$(dirname "$0")/lib.sh"
bi_fixture
cp "$fx/install.wim" "$tmp/win8.wim"
wimlib-imagex info "$tmp/win8.wim" 1 --image-property WINDOWS/VERSION/MINOR=2 >/dev/null
wimlib-imagex info "$tmp/win8.wim" 2 --image-property WINDOWS/VERSION/MINOR=2 >/dev/null
bi_keep "$fx/windows.img" "$tmp/win8.wim"
msg="The Windows image does not match the installed Windows."
for lang in en ja ru; do
	bi_expect 3 $lang "$msg" --lines 2 --subject win8.wim -- refresh --target "$fx/windows.img" --source "$tmp/win8.wim" --yes
	sed -n 2p "$tmp/err" | grep -q "8.1" || fail "$lang: the mismatch is not explained: $(cat "$tmp/err")"
done
bi_done
