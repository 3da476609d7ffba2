#!/bin/sh
# b-wim-truncated.sh - install.wim cut in the middle (an interrupted download): inspect
# of the folder reports it, refresh refuses before writing (exit 1).
. "$(dirname "$0")/lib.sh"
bi_fixture
mkdir -p "$tmp/media/sources"
size=$(stat -c %s "$fx/install.wim")
head -c $((size / 2)) "$fx/install.wim" >"$tmp/media/sources/install.wim"
bi_keep "$fx/windows.img" "$tmp/media/sources/install.wim"
msg="The Windows image file is damaged or incomplete; use another copy."
for lang in en ru; do
	bi_expect 1 $lang "$msg" --subject install.wim -- refresh --target "$fx/windows.img" --source "$tmp/media/sources/install.wim" --yes
done
bi_inspect_json "$tmp/media"
bi_json_error "$tmp/inspect.json" WR_ERR_WIM_CORRUPT install.wim
bi_done
