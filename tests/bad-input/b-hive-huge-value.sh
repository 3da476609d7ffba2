#!/bin/sh
# b-hive-huge-value.sh - registry strings longer than any buffer: SOFTWARE's
# ProductName and an app's DisplayName of 480 000 characters (960 kB, near what a hive
# value cell can hold; written with hivexregedit).  inspect must finish (exit 0, valid
# JSON, the users still listed), refresh --dry-run must either plan or give the one
# "too large" sentence; no crash, nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
ntfscat "$v" /Windows/System32/config/SOFTWARE >"$tmp/SOFTWARE"
python3 - "$tmp/big.reg" <<'PY'
import sys
v = "W" * 480000
open(sys.argv[1], "w", encoding="utf-8").write(
    'Windows Registry Editor Version 5.00\n\n'
    '[\\Microsoft\\Windows NT\\CurrentVersion]\n"ProductName"="%s"\n\n'
    '[\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\HugeApp]\n"DisplayName"="%s"\n'
    '"Publisher"="Huge Corp"\n"DisplayVersion"="1.0"\n' % (v, v))
PY
hivexregedit --merge --encoding UTF-16LE "$tmp/SOFTWARE" "$tmp/big.reg" >/dev/null 2>&1
[ "$(stat -c %s "$tmp/SOFTWARE")" -gt 1900000 ] || fail "hivexregedit did not store the long values"
bi_edit "$v" <<SPEC
rewrite "Windows/System32/config/SOFTWARE" $tmp/SOFTWARE
SPEC
bi_keep "$v" "$fx/install.wim"
bi_inspect_json "$v"
python3 - "$tmp/inspect.json" <<'PY' || fail "inspect --json lost the rest of the installation"
import json, sys
w = json.load(open(sys.argv[1]))["disks"][0]["volume"]["windows"]
assert [u["name"] for u in w["users"] if not u["special"]][:1] == ["Alice"], w["users"]
assert w["build"] == 9600, w["build"]
PY
for lang in en ja; do
	bi_run $lang inspect "$v"
	[ $st -eq 0 ] && [ ! -s "$tmp/err" ] || fail "inspect ($lang): exit $st: $(head -c 300 "$tmp/err")"
	bi_check_kept
	bi_run $lang apps --target "$v"
	[ $st -eq 0 ] || python3 "$here/expect.py" "$localedir" $lang "$tmp/err" "A file or value is larger than allowed." ||
		fail "apps ($lang): exit $st: $(head -c 300 "$tmp/err")"
	bi_check_kept
	bi_run $lang refresh --target "$v" --source "$fx/install.wim" --dry-run
	[ $st -eq 0 ] || python3 "$here/expect.py" "$localedir" $lang "$tmp/err" "A file or value is larger than allowed." ||
		fail "refresh --dry-run ($lang): exit $st: $(head -c 300 "$tmp/err")"
	bi_check_kept
done
bi_done
