#!/bin/sh
# b-reagent-not-xml.sh - Windows\System32\Recovery\ReAgent.xml that is not XML:
# inspect reports the damaged file (translated) and goes on; nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
printf 'MZ\220\0 this is not <XML at all &&& \377\376' >"$tmp/bad.xml"
bi_edit "$v" <<SPEC
rewrite "Windows/System32/Recovery/ReAgent.xml" $tmp/bad.xml
SPEC
bi_keep "$v"
msg="An XML file is damaged and cannot be read."
bi_finding en "$msg" "ReAgent.xml" "$v"
grep -q "Alice" "$tmp/out" || fail "inspection stopped at ReAgent.xml"
bi_finding ru "$msg" "ReAgent.xml" "$v"
bi_inspect_json "$v"
bi_json_error "$tmp/inspect.json" WR_ERR_XML ReAgent.xml
bi_done
