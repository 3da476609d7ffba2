#!/bin/sh
# b-refresh-no-space.sh - the volume is nearly full (a 482 MiB file in \Data): the image
# does not fit, so refresh refuses in preflight (exit 3) and writes nothing.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_edit "$v" <<'SPEC'
file "Data/filler.bin" 482M 9
SPEC
bi_keep "$v" "$fx/install.wim"
msg="There is not enough free space."
for lang in en ru; do
	bi_expect 3 $lang "$msg" -- refresh --target "$v" --source "$fx/install.wim" --yes
	bi_expect 3 $lang "$msg" -- refresh --target "$v" --source "$fx/install.wim" --dry-run
done
bi_done
