#!/bin/sh
# b-cli-no-target.sh - refresh, apps and repair without --target: a usage error that
# says what is missing; the image named as source is not touched.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/install.wim"
msg="Say which volume to work on with --target; see 'winrescue --help'."
for lang in en ja; do
	bi_expect 2 $lang "$msg" --no-subject -- refresh --source "$fx/install.wim" --yes
	bi_expect 2 $lang "$msg" --no-subject -- apps --json
done
bi_done
