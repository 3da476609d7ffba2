#!/bin/sh
# b-hive-random.sh - SOFTWARE replaced by random bytes: inspect reports the damaged hive
# (translated) and goes on with the rest; refresh refuses (exit 1) and writes nothing.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
head -c 65536 /dev/urandom >"$tmp/random"
bi_edit "$v" <<SPEC
rewrite "Windows/System32/config/SOFTWARE" $tmp/random
SPEC
bi_keep "$v" "$fx/install.wim"
msg="A registry hive is damaged and cannot be read."
bi_finding en "$msg" "config/SOFTWARE" "$v"
grep -q "Alice" "$tmp/out" || fail "inspection stopped at the bad hive (no users listed)"
bi_finding ja "$msg" "config/SOFTWARE" "$v"
bi_inspect_json "$v"
bi_json_error "$tmp/inspect.json" WR_ERR_HIVE_CORRUPT config/SOFTWARE
for lang in en ru; do
	bi_expect 1 $lang "$msg" --subject SOFTWARE -- refresh --target "$v" --source "$fx/install.wim" --yes
done
bi_done
