#!/bin/sh
# b-hive-dirty-logs.sh - a dirty hive with its transaction logs (the Windows 11
# NTUSER.DAT and its .LOG1/.LOG2 from testdata) as Alice's NTUSER.DAT: inspect and
# apps read it without an error about her hive, and the volume (logs included) is not
# written: any replay happens on a copy.
. "$(dirname "$0")/lib.sh"
bi_fixture
h=$testdata/hives
for f in museum_Win11_NTUSER.DAT museum_Win11_ntuser.dat.LOG1 museum_Win11_ntuser.dat.LOG2; do
	[ -f "$h/$f.xz" ] || fail "missing $h/$f.xz"
	xz -dc "$h/$f.xz" >"$tmp/$f"
done
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_edit "$v" <<SPEC
rewrite "Users/Alice/NTUSER.DAT" $tmp/museum_Win11_NTUSER.DAT
copy "Users/Alice/ntuser.dat.LOG1" $tmp/museum_Win11_ntuser.dat.LOG1
copy "Users/Alice/ntuser.dat.LOG2" $tmp/museum_Win11_ntuser.dat.LOG2
SPEC
bi_keep "$v"
bi_inspect_json "$v"
python3 - "$tmp/inspect.json" <<'PY' || fail "an error about Alice's dirty hive"
import json, sys
w = json.load(open(sys.argv[1]))["disks"][0]["volume"]["windows"]
err = w.get("apps_error")
assert not err or "Alice" not in (err.get("subject") or ""), err
PY
for lang in en ja; do
	bi_run $lang apps --target "$v"
	[ $st -eq 0 ] && [ ! -s "$tmp/err" ] || fail "apps ($lang): exit $st: $(cat "$tmp/err")"
	bi_check_kept
done
bi_done
