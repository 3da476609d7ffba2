#!/bin/sh
# b-inspect-unpartitioned.sh - a blank disk (zeros, no partition table): inspect says so,
# refresh --partition 1 refuses in one sentence; the disk stays blank.
. "$(dirname "$0")/lib.sh"
bi_fixture
truncate -s 256M "$tmp/blank.img"
bi_keep "$tmp/blank.img" "$fx/install.wim"
bi_inspect_json "$tmp/blank.img"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["disks"][0]["table"]=="none", d["disks"][0]' \
	"$tmp/inspect.json" || fail "blank disk: table not 'none'"
for lang in en ru; do
	bi_expect 1 $lang "The disk has no partition table." -- \
		refresh --target "$tmp/blank.img" --partition 1 --source "$fx/install.wim" --yes
	bi_expect 1 $lang "The disk has no partition table." -- apps --target "$tmp/blank.img" --partition 1
done
[ "$(tr -d '\0' <"$tmp/blank.img" | wc -c)" -eq 0 ] || fail "the blank disk is no longer blank"
bi_done
