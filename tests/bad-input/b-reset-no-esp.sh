#!/bin/sh
# b-reset-no-esp.sh - reset of the Windows partition of a GPT disk whose EFI system
# partition was removed (sfdisk --delete on a copy): there is nowhere to put the boot
# files, which the plan can see before anything is erased.  Refused in preflight
# (exit 3, NO_ESP's sentence: "nothing was changed" must be true), the disk
# byte-identical, no journal started.
. "$(dirname "$0")/lib.sh"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
d=$tmp/pc.img
bi_copy "$fx/pc.img" "$d"
sfdisk --delete "$d" 1 >"$tmp/sfdisk.out" 2>&1 || { cat "$tmp/sfdisk.out"; fail "sfdisk --delete"; }
bi_keep "$d" "$fx/install.wim"
msg="The disk uses GPT but has no EFI system partition, so there is nowhere to put the boot files; nothing was changed. Create an EFI system partition first."
for lang in en ja; do
	bi_expect 3 $lang "$msg" --subject pc.img -- reset --target "$d" --partition 3 --source "$fx/install.wim" --dry-run
	bi_expect 3 $lang "$msg" --subject pc.img -- reset --target "$d" --partition 3 --source "$fx/install.wim" --yes
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
