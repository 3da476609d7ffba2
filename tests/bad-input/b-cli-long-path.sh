#!/bin/sh
# b-cli-long-path.sh - absurdly long paths (12 000 characters, beyond PATH_MAX) as
# target and source: a clear error, exit 1, no crash; the real inputs are untouched.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/windows.img" "$fx/install.wim"
long=$(python3 -c 'print("/x" + "/abcdefghij" * 1200)')
for lang in en ja; do
	bi_expect 1 $lang "A file or device could not be opened." --subject /abcdefghij -- \
		refresh --target "$long" --source "$fx/install.wim" --yes
	bi_expect 1 $lang "Something that should be there was not found." --subject /abcdefghij -- \
		refresh --target "$fx/windows.img" --source "$long.wim" --yes
	bi_expect 1 $lang "A file or device could not be opened." -- \
		apps --target "$long"
done
bi_done
