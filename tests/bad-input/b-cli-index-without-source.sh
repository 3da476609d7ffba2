#!/bin/sh
# b-cli-index-without-source.sh - --index without --source is a usage error.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/windows.img"
for lang in en ru; do
	bi_expect 2 $lang "--index needs --source: say which image file the index is in." --no-subject -- \
		refresh --target "$fx/windows.img" --index 2 --yes
done
bi_done
