#!/bin/sh
# b-repair-boot-no-esp.sh - `repair boot` of the Windows partition of a GPT disk whose
# EFI system partition was removed (sfdisk --delete on a copy): nowhere to put the boot
# files.  Refused (exit 3, NO_ESP's sentence naming the disk), the disk byte-identical.
. "$(dirname "$0")/lib.sh"
bi_fixture
d=$tmp/pc.img
bi_copy "$fx/pc.img" "$d"
sfdisk --delete "$d" 1 >"$tmp/sfdisk.out" 2>&1 || { cat "$tmp/sfdisk.out"; fail "sfdisk --delete"; }
sfdisk --dump "$d" | grep -qi 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B' && fail "the ESP is still in the table"
bi_keep "$d"
msg="The disk uses GPT but has no EFI system partition, so there is nowhere to put the boot files; nothing was changed. Create an EFI system partition first."
for lang in en ru; do
	bi_expect 3 $lang "$msg" --subject pc.img -- repair boot --target "$d" --partition 3
done
bi_done
