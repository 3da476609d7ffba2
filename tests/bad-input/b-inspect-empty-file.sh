#!/bin/sh
# b-inspect-empty-file.sh - an empty file as disk, target and source: inspect reports
# it and goes on to the next path; refresh fails in one sentence; nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
: >"$tmp/empty.img"
: >"$tmp/empty.wim"
bi_keep "$tmp/empty.img" "$tmp/empty.wim" "$fx/windows.img" "$fx/install.wim"
bi_inspect_json "$tmp/empty.img" "$fx/windows.img"
python3 - "$tmp/inspect.json" <<'PY' || fail "inspect did not go on past the empty file"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["disks"]) == 2, d["disks"]
assert d["disks"][1]["volume"]["windows"]["computer_name"], "second path not inspected"
PY
for lang in en ja; do
	bi_expect 1 $lang "The volume is not an NTFS volume." -- refresh --target "$tmp/empty.img" --source "$fx/install.wim" --yes
	bi_expect 1 $lang "The Windows image file is damaged or incomplete; use another copy." -- \
		refresh --target "$fx/windows.img" --source "$tmp/empty.wim" --yes
done
bi_done
