#!/bin/sh
# b-inspect-damaged-gpt.sh - the synthetic PC with its primary GPT header zeroed (the
# backup is good): inspect reports the damage and still finds Windows on partition 3
# from the backup; nothing is "repaired" behind the person's back.
. "$(dirname "$0")/lib.sh"
bi_fixture
d=$tmp/pc.img
bi_copy "$fx/pc.img" "$d"
dd if=/dev/zero of="$d" bs=512 seek=1 count=1 conv=notrunc status=none
bi_keep "$d"
bi_inspect_json "$d"
python3 - "$tmp/inspect.json" <<'PY' || fail "damaged primary GPT not reported, or Windows not found"
import json, sys
disk = json.load(open(sys.argv[1]))["disks"][0]
assert disk["table"] == "gpt", disk["table"]
assert disk["gpt_primary_damaged"] is True and disk["gpt_backup_damaged"] is False
w = [p for p in disk["partitions"] if p.get("volume", {}).get("windows")]
assert w and w[0]["number"] == 3, [p["number"] for p in w]
PY
for lang in en ja; do
	bi_run $lang inspect "$d"
	[ $st -eq 0 ] && [ ! -s "$tmp/err" ] || fail "inspect ($lang): exit $st: $(cat "$tmp/err")"
	bi_check_kept
done
bi_done
