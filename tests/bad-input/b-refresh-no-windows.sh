#!/bin/sh
# b-refresh-no-windows.sh - an NTFS volume holding only someone's files, no Windows:
# refresh says there is no Windows (exit 1) and writes nothing.
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_volume d.img 64M <<'SPEC'
file "Photos/2014/beach.jpg" 300K 1
file "Photos/2014/hill.jpg" 200K 2
SPEC
bi_keep "$tmp/d.img" "$fx/install.wim"
for lang in en ja; do
	bi_expect 1 $lang "No Windows installation was found on the volume." -- \
		refresh --target "$tmp/d.img" --source "$fx/install.wim" --yes
done
bi_done
