#!/bin/sh
# b-refresh-bitlocker.sh - a BitLocker volume made by Windows (testdata) dd'd into
# partition 1 of a GPT disk image, and a BitLocker To Go one: refresh refuses with the
# reason (exit 3), inspect names it; the disk is byte-identical.
. "$(dirname "$0")/lib.sh"
bi_fixture
tar -xJf "$testdata/bitlocker/bitlk-images.tar.xz" -C "$tmp" \
	bitlk-images/bitlk-aes-xts-128.img bitlk-images/bitlk-togo-aes-xts-128.img
msg="The volume is encrypted with BitLocker; unlock or decrypt it in Windows first."
for name in bitlk-aes-xts-128 bitlk-togo-aes-xts-128; do
	vol=$tmp/bitlk-images/$name.img
	disk=$tmp/$name-disk.img
	size=$(stat -c %s "$vol")
	truncate -s $((size + 4 * 1048576)) "$disk"
	sectors=$(((size + 511) / 512))
	printf 'label: gpt\nstart=2048, size=%s, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' $sectors |
		sfdisk -q "$disk" >/dev/null
	dd if="$vol" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
	bi_keep "$disk" "$fx/install.wim"
	for lang in en ja; do
		bi_expect 3 $lang "$msg" -- refresh --target "$disk" --partition 1 --source "$fx/install.wim" --yes
		bi_expect 3 $lang "$msg" -- refresh --target "$vol" --source "$fx/install.wim" --yes
	done
	bi_inspect_json "$disk"
	python3 - "$tmp/inspect.json" <<'PY' || fail "$name: inspect --json does not say BitLocker"
import json, sys
d = json.load(open(sys.argv[1]))
parts = d["disks"][0]["partitions"]
sys.exit(0 if any(p.get("volume", {}).get("state", {}).get("bitlocker") for p in parts) else 1)
PY
done
bi_done
