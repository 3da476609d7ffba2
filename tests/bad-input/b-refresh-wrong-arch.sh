#!/bin/sh
# b-refresh-wrong-arch.sh - a 32-bit (x86) image for the 64-bit installation: refused
# (exit 3) with the sentence and the reason in plain words; nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
cp "$fx/install.wim" "$tmp/x86.wim"
for i in 1 2; do
	wimlib-imagex info "$tmp/x86.wim" $i --image-property WINDOWS/ARCH=0 >/dev/null
done
bi_keep "$fx/windows.img" "$tmp/x86.wim"
msg="The Windows image does not match the installed Windows."
for lang in en ru; do
	bi_expect 3 $lang "$msg" --lines 2 --subject x86.wim -- refresh --target "$fx/windows.img" --source "$tmp/x86.wim" --yes
	[ "$(sed -n 2p "$tmp/err" | wc -c)" -gt 20 ] || fail "$lang: the mismatch is not explained: $(cat "$tmp/err")"
done
bi_done
