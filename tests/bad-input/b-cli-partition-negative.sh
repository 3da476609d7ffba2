#!/bin/sh
# b-cli-partition-negative.sh - --partition -1 (strtoul would wrap it to a huge number):
# a usage error, nothing opened.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/pc.img"
msg="Invalid value '%2\$s' for %1\$s; give a number from 1 up."
for lang in en ru; do
	bi_expect 2 $lang "$msg" --arg --partition --arg -1 --no-subject -- \
		refresh --target "$fx/pc.img" --partition -1 --source "$fx/install.wim" --yes
	bi_expect 2 $lang "$msg" --arg --partition --arg -1 --no-subject -- \
		apps --target "$fx/pc.img" --partition -1
done
bi_done
