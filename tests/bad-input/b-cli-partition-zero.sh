#!/bin/sh
# b-cli-partition-zero.sh - refresh --partition 0: a usage error naming the value; the
# target disk is not opened, let alone written.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/pc.img"
msg="Invalid value '%2\$s' for %1\$s; give a number from 1 up."
for lang in en ja; do
	bi_expect 2 $lang "$msg" --arg --partition --arg 0 --no-subject -- \
		refresh --target "$fx/pc.img" --partition 0 --source "$fx/install.wim" --yes
done
bi_done
