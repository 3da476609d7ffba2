#!/bin/sh
# b-image-corrupt-custom-wim.sh - `image create` into a folder whose CustomRefresh.wim
# is damaged: refused (exit 3, CUSTOM_IMAGE_CORRUPT's sentence naming the file), no
# image appended, the damaged file and the target byte-identical, nothing else left in
# the folder.  Three kinds of damage: 8 bytes of garbage in the middle of a file
# winrescue made (it has an integrity table), the same in a file without one (wimlib
# export: a recimg-made or copied file may lack it; appending would deduplicate the new
# image onto the damaged data), and a file cut after its header.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
msg="The CustomRefresh.wim already in that folder is damaged, so no image was added to it; move it away or choose another folder."
mkdir "$tmp/good" "$tmp/a" "$tmp/b" "$tmp/c"
bi_run en image create --target "$v" --dir "$tmp/good"
[ $st -eq 0 ] || { cat "$tmp/err"; fail "image create of the fixture: exit $st"; }
damage() {	# damage FILE: 8 bytes of garbage in its middle
	printf 'garbage!' | dd of="$1" bs=1 seek=$(( $(stat -c %s "$1") / 2 )) conv=notrunc 2>/dev/null
	! wimlib-imagex verify "$1" >/dev/null 2>&1 || fail "the damage to $1 is not even seen by wimlib"
}
cp "$tmp/good/CustomRefresh.wim" "$tmp/a/CustomRefresh.wim"
damage "$tmp/a/CustomRefresh.wim"
wimlib-imagex export "$fx/install.wim" 1 "$tmp/b/CustomRefresh.wim" >/dev/null
damage "$tmp/b/CustomRefresh.wim"
head -c 208 "$fx/install.wim" >"$tmp/c/CustomRefresh.wim"
bi_keep "$v" "$tmp/a/CustomRefresh.wim" "$tmp/b/CustomRefresh.wim" "$tmp/c/CustomRefresh.wim"
for dir in a b c; do
	for lang in en ja; do
		bi_expect 3 $lang "$msg" --subject "$dir/CustomRefresh.wim" -- image create --target "$v" --dir "$tmp/$dir"
	done
	[ "$(ls -A "$tmp/$dir")" = CustomRefresh.wim ] || fail "a refused create left files in $dir: $(ls -A "$tmp/$dir")"
done
bi_done
