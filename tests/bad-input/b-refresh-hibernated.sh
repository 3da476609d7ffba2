#!/bin/sh
# b-refresh-hibernated.sh - hiberfil.sys starts with HIBR: refresh without
# --discard-hibernation refuses (exit 3) and says how to go on; nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
src=$fx/install.wim
bi_fixture --hiberfil
bi_keep "$fx/windows.img" "$fx/pc.img" "$src"
msg="Windows is hibernated on this volume; resume and shut it down fully, or agree to discard the hibernated session."
for lang in en ja; do
	bi_expect 3 $lang "$msg" --lines 2 --subject windows.img -- refresh --target "$fx/windows.img" --source "$src" --yes
	bi_expect 3 $lang "$msg" --lines 2 -- refresh --target "$fx/pc.img" --partition 3 --source "$src" --yes
	bi_expect 3 $lang "$msg" --lines 2 -- refresh --target "$fx/windows.img" --source "$src" --dry-run
done
bi_done
