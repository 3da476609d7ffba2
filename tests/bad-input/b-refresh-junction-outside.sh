#!/bin/sh
# b-refresh-junction-outside.sh - junctions inside a profile that point outside it
# (Documents\Elsewhere -> C:\Data, Outside -> C:\Windows\System32): refresh moves each
# junction as a link and never follows it: \Data keeps every file in place, nothing of
# System32 lands in the profile, and the junctions come back with the same record.
. "$(dirname "$0")/lib.sh"
bi_fixture
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_edit "$v" <<'SPEC'
dir "Data/Keep"
file "Data/Keep/important.txt" 10K 5
junction "Users/Alice/Documents/Elsewhere" "C:\Data"
junction "Users/Alice/Outside" "C:\Windows\System32"
SPEC
bi_keep "$fx/install.wim"
"$tools/ntfsdump" "$v" >"$tmp/before.tsv"
bi_run ja refresh --target "$v" --source "$fx/install.wim" --yes
[ $st -eq 0 ] || { cat "$tmp/err"; fail "refresh exited $st"; }
bi_check_kept
"$tools/ntfsdump" "$v" >"$tmp/after.tsv"
python3 "$top/tests/tools/check_user_files.py" "$tmp/before.tsv" "$tmp/after.tsv" --final ||
	fail "user files changed"
for j in /Users/Alice/Documents/Elsewhere /Users/Alice/Outside; do
	b=$(grep "^$j	" "$tmp/before.tsv" | cut -f2,3) a=$(grep "^$j	" "$tmp/after.tsv" | cut -f2,3)
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "$j: before '$b', after '$a'"
	case "$a" in *"	r") ;; *) fail "$j is no longer a reparse point: $a" ;; esac
	grep -q "^$j/" "$tmp/after.tsv" && fail "$j was followed: entries under it"
done
grep -q "^/Data/Keep/important.txt	" "$tmp/after.tsv" || fail "/Data/Keep/important.txt moved"
grep -q "^/Windows.old/Users/Alice/Outside/\|^/Users/Alice/Outside/kernel32.dll" "$tmp/after.tsv" &&
	fail "System32 was copied into the profile"
# The reparse data itself (the target) is unchanged: read it back through ntfs-3g.
if [ "$(id -u)" = 0 ] && [ -e /dev/fuse ]; then
	mkdir "$tmp/mnt"
	ntfs-3g -o ro "$v" "$tmp/mnt" && bi_on_exit "umount '$tmp/mnt'"
	t=$(readlink "$tmp/mnt/Users/Alice/Outside")
	case "$t" in */Windows/System32) ;; *) fail "Outside now points to '$t'" ;; esac
	umount "$tmp/mnt"
fi
ntfsfix -n "$v" >"$tmp/fix" 2>&1 || { cat "$tmp/fix"; fail "ntfsfix -n"; }
bi_done
