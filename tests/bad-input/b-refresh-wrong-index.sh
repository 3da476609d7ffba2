#!/bin/sh
# b-refresh-wrong-index.sh - --index 7 of a WIM holding 2 images: one sentence, exit 1,
# nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/windows.img" "$fx/install.wim"
msg="The Windows image file has no image with that number; choose one of the listed images."
for lang in en ja; do
	bi_expect 1 $lang "$msg" --subject install.wim -- refresh --target "$fx/windows.img" --source "$fx/install.wim" --index 7 --yes
done
bi_done
