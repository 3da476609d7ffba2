#!/bin/sh
# b-hive-truncated.sh - SYSTEM cut to its first 6000 bytes (header and part of the
# first bin): inspect reports the damaged hive and goes on; refresh refuses.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
ntfscat "$v" /Windows/System32/config/SYSTEM | head -c 6000 >"$tmp/cut"
bi_edit "$v" <<SPEC
rewrite "Windows/System32/config/SYSTEM" $tmp/cut
SPEC
bi_keep "$v" "$fx/install.wim"
msg="A registry hive is damaged and cannot be read."
bi_finding en "$msg" "config/SYSTEM" "$v"
grep -q "Alice" "$tmp/out" || fail "inspection stopped at the bad hive (no users listed)"
bi_finding ru "$msg" "config/SYSTEM" "$v"
bi_inspect_json "$v"
bi_json_error "$tmp/inspect.json" WR_ERR_HIVE_CORRUPT config/SYSTEM
for lang in en ja; do
	bi_expect 1 $lang "$msg" --subject SYSTEM -- refresh --target "$v" --source "$fx/install.wim" --yes
done
bi_done
