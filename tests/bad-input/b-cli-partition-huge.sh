#!/bin/sh
# b-cli-partition-huge.sh - --partition 99999999999 and --index 99999999999 (beyond
# 32 bits): a usage error, not a silent truncation to another partition number.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/pc.img" "$fx/install.wim"
msg="Invalid value '%2\$s' for %1\$s; give a number from 1 up."
n=99999999999
for lang in en ja; do
	bi_expect 2 $lang "$msg" --arg --partition --arg $n --no-subject -- \
		refresh --target "$fx/pc.img" --partition $n --source "$fx/install.wim" --yes
	bi_expect 2 $lang "$msg" --arg --index --arg $n --no-subject -- \
		refresh --target "$fx/pc.img" --partition 3 --source "$fx/install.wim" --index $n --yes
	bi_expect 2 $lang "$msg" --arg --partition --arg $n --no-subject -- \
		repair boot --target "$fx/pc.img" --partition $n --yes
	bi_expect 2 $lang "$msg" --arg --partition --arg $n --no-subject -- \
		apps --target "$fx/pc.img" --partition $n
done
bi_done
