#!/bin/sh
# b-hive-corrupted-testdata.sh - the corrupted SYSTEM hive from testdata (regipy's,
# which hivex refuses) placed as SOFTWARE in the volume: a clear finding, no crash.
. "$(dirname "$0")/lib.sh"
bi_fixture
src=$testdata/hives/regipy_corrupted_system_hive.xz
[ -f "$src" ] || fail "missing $src"
xz -dc "$src" >"$tmp/corrupt"
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_edit "$v" <<SPEC
rewrite "Windows/System32/config/SOFTWARE" $tmp/corrupt
SPEC
bi_keep "$v" "$src" "$fx/install.wim"
msg="A registry hive is damaged and cannot be read."
bi_finding en "$msg" "config/SOFTWARE" "$v"
bi_finding ja "$msg" "config/SOFTWARE" "$v"
bi_inspect_json "$v"
bi_json_error "$tmp/inspect.json" WR_ERR_HIVE_CORRUPT config/SOFTWARE
for lang in en ja; do
	bi_expect 1 $lang "$msg" --subject SOFTWARE -- refresh --target "$v" --source "$fx/install.wim" --yes
done
bi_done
