#!/bin/sh
# b-inspect-million-files.sh - a Windows volume whose user Alice has a million files
# (1000 folders of 1000, built by mkvolume in about half a minute; the hives are the
# synthetic PC's): inspect must finish, report the profile's size, and stay small in
# memory (peak RSS under 300 MB, measured by /usr/bin/time); refresh --dry-run too.
# Nothing is written.
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/time ] || skip "no /usr/bin/time (Debian package time)"
bi_fixture
mkdir "$tmp/h"
for h in SOFTWARE SYSTEM SAM SECURITY DEFAULT; do
	ntfscat "$fx/windows.img" "/Windows/System32/config/$h" >"$tmp/h/$h"
done
ntfscat "$fx/windows.img" /Users/Alice/NTUSER.DAT >"$tmp/h/NTUSER.DAT"
python3 - "$tmp/h" >"$tmp/spec" <<'PY'
import sys
h = sys.argv[1]
print('pe "Windows/System32/kernel32.dll" dll 65536')
for n in ["SOFTWARE", "SYSTEM", "SAM", "SECURITY", "DEFAULT"]:
    print('copy "Windows/System32/config/%s" %s/%s' % (n, h, n))
print('copy "Users/Alice/NTUSER.DAT" %s/NTUSER.DAT' % h)
print('file "Users/Alice/Documents/thesis.pdf" 300K 4')
for d in range(1000):
    for f in range(1000):
        print('file "Users/Alice/Many/d%03d/f%04d.txt" 0 1' % (d, f))
PY
v=$tmp/m.img
truncate -s 2G "$v"
mkntfs -F -Q -q -L Windows "$v" >/dev/null 2>&1
# Building a million files is the fixture's job, not what is tested: under `make asan`
# use the plain build's mkvolume when there is one (`make check` builds build/ first);
# the sanitizer build's takes many minutes for this.
mkvolume=$tools/mkvolume
[ -x "$top/build/tools/mkvolume" ] && mkvolume=$top/build/tools/mkvolume
"$mkvolume" "$v" "$tmp/spec" >"$tmp/mk.out" 2>&1 || { tail -3 "$tmp/mk.out"; fail "mkvolume"; }
rm -f "$tmp/spec"
[ "$(ntfsls -f "$v" -p /Users/Alice/Many/d999 | grep -c '^f')" -eq 1000 ] || fail "the files are not all there"
bi_keep "$v" "$fx/install.wim"
# The memory bound holds for the real binary; a sanitizer build carries ASan's shadow
# memory and 256 MB quarantine, so there it only has to finish (limit 2 GB).
limit=300000
ldd "$bin" | grep -q libasan && limit=2000000
set +e
/usr/bin/time -f '%M' -o "$tmp/rss" timeout 300 "$bin" --log "$tmp/l" inspect --json "$v" >"$tmp/inspect.json" 2>"$tmp/err"
st=$?
set -e
[ $st -eq 0 ] || { cat "$tmp/err"; fail "inspect exited $st"; }
rss=$(tail -1 "$tmp/rss")
echo "inspect of a million files: peak RSS ${rss} kB"
[ "$rss" -lt $limit ] || fail "inspect used ${rss} kB"
python3 - "$tmp/inspect.json" <<'PY' || fail "Alice's profile size not reported"
import json, sys
w = json.load(open(sys.argv[1]))["disks"][0]["volume"]["windows"]
a = [u for u in w["users"] if u["name"] == "Alice"][0]
assert a["profile_bytes"] >= 300 * 1024, a
PY
bi_check_kept
for lang in ja; do
	set +e
	/usr/bin/time -f '%M' -o "$tmp/rss" timeout 300 "$bin" --lang $lang --log "$tmp/l" refresh --target "$v" \
		--source "$fx/install.wim" --dry-run >"$tmp/out" 2>"$tmp/err"
	st=$?
	set -e
	[ $st -eq 0 ] || { cat "$tmp/err"; fail "refresh --dry-run exited $st"; }
	[ "$(tail -1 "$tmp/rss")" -lt $limit ] || fail "refresh --dry-run used $(tail -1 "$tmp/rss") kB"
	grep -q Alice "$tmp/out" || fail "the plan does not name Alice"
	bi_check_kept
done
bi_done
