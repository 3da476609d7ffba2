#!/bin/sh
# b-refresh-fast-startup.sh - a volume left by a Fast Startup shutdown: refresh refuses
# (exit 3) with the Fast Startup sentence, not the hibernation one; nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
src=$fx/install.wim
bi_fixture --fast-startup
bi_keep "$fx/windows.img" "$fx/pc-mbr.img" "$src"
msg="Windows was shut down with Fast Startup; restart it and shut it down fully, or agree to discard the saved session."
for lang in en ru; do
	bi_expect 3 $lang "$msg" --lines 2 --subject windows.img -- refresh --target "$fx/windows.img" --source "$src" --yes
	bi_expect 3 $lang "$msg" --lines 2 -- refresh --target "$fx/pc-mbr.img" --partition 2 --source "$src" --yes
done
bi_done
