# lib.sh - shared by the bad-input matrix, tests/bad-input/b-*.sh (sourced, POSIX sh).
#
# Each case builds its input with the real tools, runs the real binary once in English
# and once in Japanese or Russian, and checks three things:
#   - the exit status (DESIGN.md section 5: 1 failed, 2 usage, 3 refused),
#   - that stderr is exactly ONE sentence, the translation the catalog holds
#     (tests/bad-input/expect.py reads build/locale/LANG/LC_MESSAGES/winrescue.mo),
#   - that every file or device the case did not own is byte-identical afterwards
#     (sha256 of everything registered with bi_keep, checked after every run).
#
# Environment (tests/run-tests.sh sets it): WINRESCUE_TOP, BUILD, WINRESCUE_BIN,
# WINRESCUE_LOCALEDIR, WINRESCUE_TESTDATA.  `make bad-input` runs the matrix alone.
#
# The synthetic PC (tests/fixtures/build-pc.sh) is built once per variant into
# $BUILD/bad-input-cache/<variant>/ and shared by all cases (read-only for them: a
# case copies what it changes into its own temp dir, and the cache files are
# checksummed around every run like any other input).
set -eu

top=${WINRESCUE_TOP:?run through tests/run-tests.sh or make bad-input}
bin=${WINRESCUE_BIN:?}
localedir=${WINRESCUE_LOCALEDIR:?}
testdata=${WINRESCUE_TESTDATA:?}
build_dir="$top/${BUILD:-build}"
tools="$build_dir/tools"
here="$top/tests/bad-input"
# The sanitizer build's tools are linked with libparted (see tests/run-tests.sh).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}intercept_strchr=0"

tmp=$(mktemp -d)
# bi_on_exit 'COMMAND' - run COMMAND when the case ends (loop devices, mounts,
# children), last registered first; a failing clean-up does not hide the result.
bi_on_exit() { printf '%s\n' "$1" >>"$tmp/.cleanups"; }
bi_cleanup() {
	if [ -f "$tmp/.cleanups" ]; then
		tac "$tmp/.cleanups" | while IFS= read -r c; do eval "$c" >/dev/null 2>&1 || true; done
	fi
	rm -rf "$tmp"
}
trap bi_cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() { echo "FAIL: $*"; exit 1; }
# skip REASON - only when a precondition is truly missing (a failure under CI=true).
skip() { echo "$*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root (loop devices)"; }

# bi_fixture [build-pc.sh options] - sets $fx to a cached synthetic PC of that variant.
bi_fixture() {
	key=$(printf '%s' "pc$*" | tr -c 'a-zA-Z0-9\n' '_')
	fx="$build_dir/bad-input-cache/$key"
	mkdir -p "$build_dir/bad-input-cache"
	(
		flock 9
		stamp="$fx/.done"
		if [ ! -f "$stamp" ] || [ "$top/tests/fixtures/build-pc.sh" -nt "$stamp" ] ||
		   [ "$tools/mkvolume" -nt "$stamp" ] || [ "$tools/mkhives" -nt "$stamp" ]; then
			rm -rf "$fx"
			BUILD=${BUILD:-build} "$top/tests/fixtures/build-pc.sh" --size small --layout both \
				--out "$fx" "$@" >"$build_dir/bad-input-cache/$key.log" 2>&1 ||
				{ cat "$build_dir/bad-input-cache/$key.log"; exit 1; }
			touch "$stamp"
		fi
	) 9>"$build_dir/bad-input-cache/.lock" || fail "build-pc.sh $* failed"
}

# bi_keep FILE... - FILE must be byte-identical after every run of the binary.
# After each run the cheap check compares size, mtime and ctime (any write through
# the file system changes ctime, which user space cannot set back); bi_done at the
# end of the case compares the full sha256 of every kept file.
bi_keep() {
	for f in "$@"; do
		[ -e "$f" ] || fail "bi_keep: no $f"
		sha256sum "$f" >>"$tmp/.keep"
		stat -L -c '%s %Y %Z %n' "$f" >>"$tmp/.keepstat"
	done
}
bi_check_kept() {
	[ -f "$tmp/.keepstat" ] || return 0
	while IFS= read -r line; do
		f=${line#* * * }
		now=$(stat -L -c '%s %Y %Z %n' "$f")
		[ "$now" = "$line" ] || fail "changed although it must not be: $f ($line -> $now)"
	done <"$tmp/.keepstat"
}
# bi_done - the full byte-for-byte check of every kept input, then "ok".
bi_done() {
	bi_check_kept
	if [ -f "$tmp/.keep" ]; then
		sha256sum --quiet -c "$tmp/.keep" >"$tmp/.keep.out" 2>&1 ||
			fail "changed although it must not be: $(grep -v ': OK' "$tmp/.keep.out" | tr '\n' ' ')"
	fi
	echo "ok"
}

# bi_copy SRC DST - a private, sparse copy a case may change.
bi_copy() { cp --sparse=always "$1" "$2"; }

# bi_volume NAME SIZE - a fresh NTFS volume image $tmp/NAME made by mkntfs, filled by
# mkvolume from the spec on standard input.
bi_volume() {
	truncate -s "$2" "$tmp/$1"
	mkntfs -F -Q -q -L Windows "$tmp/$1" >/dev/null 2>&1 || fail "mkntfs $1"
	"$tools/mkvolume" "$tmp/$1" >"$tmp/.mkvolume.out" 2>&1 || { cat "$tmp/.mkvolume.out"; fail "mkvolume $1"; }
}

# bi_edit IMAGE - apply the mkvolume spec on standard input to a volume image.
bi_edit() {
	"$tools/mkvolume" "$1" >"$tmp/.mkvolume.out" 2>&1 || { cat "$tmp/.mkvolume.out"; fail "mkvolume $1"; }
}

# bi_run LANG ARGS... - run winrescue; sets $st, output in $tmp/out and $tmp/err.
bi_run() {
	lang=$1; shift
	set +e
	timeout 600 "$bin" --lang "$lang" --log "$tmp/winrescue.log" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	set -e
	[ $st -lt 124 ] || { tail -5 "$tmp/err"; fail "winrescue $* died or hung (status $st)"; }
}

# bi_expect STATUS LANG MSGID [expect.py options] -- ARGS...
#   run winrescue --lang LANG ARGS, assert exit STATUS, the one translated sentence
#   for MSGID on stderr, and that every kept input is unchanged.
bi_expect() {
	want=$1 lang=$2 msgid=$3; shift 3
	opts=""
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts="$opts $(printf '%s' "$1" | sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/")"
		shift
	done
	[ $# -gt 0 ] || fail "bi_expect: no -- before the arguments"
	shift
	what=$(printf '%s ' "$@" | cut -c1-200)
	bi_run "$lang" "$@"
	if [ "$st" -ne "$want" ]; then
		sed 's/^/  stderr: /' "$tmp/err"; tail -5 "$tmp/out" | sed 's/^/  stdout: /'
		fail "winrescue --lang $lang $what exited $st, want $want"
	fi
	bi_check_kept
	eval "set -- $opts"
	python3 "$here/expect.py" "$localedir" "$lang" "$tmp/err" "$msgid" "$@" ||
		fail "winrescue --lang $lang $what: wrong message"
}

# bi_tr LANG MSGID - the catalog's translation of MSGID (for output checks); write a
# newline in MSGID as \n.
bi_tr() {
	python3 -c 'import gettext,sys
m = sys.argv[3].replace("\\n", "\n")
if sys.argv[2] == "en": print(m); sys.exit(0)
t = gettext.GNUTranslations(open("%s/%s/LC_MESSAGES/winrescue.mo" % (sys.argv[1], sys.argv[2]), "rb"))
print(t.gettext(m))' "$localedir" "$1" "$2"
}

# bi_json FILE - FILE must be valid JSON.
bi_json() { python3 -m json.tool "$1" >/dev/null || fail "$1 is not valid JSON"; }

# bi_losetup FILE - attach FILE to a loop device (root), $loop names it; detached at exit.
bi_losetup() {
	need_root
	loop=$(losetup --find --show "$@" 2>"$tmp/.losetup") || skip "no loop device: $(cat "$tmp/.losetup")"
	bi_on_exit "losetup -d $loop"
}

# bi_finding LANG MSGID SUBJECT PATH... - `inspect PATH...` goes on past a bad input:
# exit 0, nothing on stderr, and the report holds the translated finding line
# "<sentence> (<subject>)" whose subject contains SUBJECT (empty: any or none).
bi_finding() {
	lang=$1 msgid=$2 subj=$3; shift 3
	bi_run "$lang" inspect "$@"
	[ $st -eq 0 ] || { cat "$tmp/err"; fail "inspect $* ($lang) exited $st, want 0"; }
	[ ! -s "$tmp/err" ] || fail "inspect $* ($lang) wrote to stderr: $(cat "$tmp/err")"
	python3 - "$localedir" "$lang" "$msgid" "$subj" "$tmp/out" <<'PY' || fail "inspect $* ($lang): finding '$msgid' ($subj) not reported"
import gettext, sys
localedir, lang, msgid, subj, out = sys.argv[1:6]
tr = gettext.NullTranslations() if lang == "en" else \
    gettext.GNUTranslations(open("%s/%s/LC_MESSAGES/winrescue.mo" % (localedir, lang), "rb"))
s = tr.gettext(msgid)
if lang != "en" and s == msgid:
    sys.exit("no %s translation for %r" % (lang, msgid))
form = tr.gettext("%1$s (%2$s)").replace("%1$s", s)
head, _, tail = form.partition("%2$s")
for line in open(out, encoding="utf-8"):
    line = line.strip()
    if line == s and not subj:
        sys.exit(0)
    if line.startswith(head) and line.endswith(tail) and subj in line[len(head):len(line) - len(tail)]:
        sys.exit(0)
sys.exit("no line '%s' with subject containing %r in:\n%s" % (form, subj, open(out, encoding="utf-8").read()[:3000]))
PY
	bi_check_kept
}

# bi_json_error JSONFILE CODE [SUBJECT] - inspect --json reports an error object
# {"code": CODE, "subject": ...SUBJECT...} somewhere, and the file is valid JSON.
bi_json_error() {
	python3 - "$@" <<'PY' || fail "$1: no error $2 ${3:-} in the JSON"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
code, subj = sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""
def walk(o):
    if isinstance(o, dict):
        if o.get("code") == code and subj in (o.get("subject") or ""):
            return True
        return any(walk(v) for v in o.values())
    if isinstance(o, list):
        return any(walk(v) for v in o)
    return False
sys.exit(0 if walk(d) else 1)
PY
}

# bi_inspect_json PATH... - inspect --json into $tmp/inspect.json; exit 0, valid JSON.
bi_inspect_json() {
	bi_run en inspect --json "$@"
	[ $st -eq 0 ] || { cat "$tmp/err"; fail "inspect --json $* exited $st"; }
	cp "$tmp/out" "$tmp/inspect.json"
	bi_json "$tmp/inspect.json"
	bi_check_kept
}

# bi_big_wim OUT SIZE - install.wim's image 1, uncompressed, plus SIZE of random bytes
# in \Windows\big.bin, so that applying it takes long enough to interfere with.
bi_big_wim() {
	wimlib-imagex export "$fx/install.wim" 1 "$1" --compress=none >/dev/null
	head -c "$2" /dev/urandom >"$tmp/big.bin"
	wimlib-imagex update "$1" 1 --command="add $tmp/big.bin /Windows/big.bin" >/dev/null
	rm -f "$tmp/big.bin"
}

# bi_user_files_ok LABEL [--final] - the independent checker: every user file of
# $tmp/before.tsv is present exactly once and unchanged in the volume $v.
bi_user_files_ok() {
	label=$1; shift
	"$tools/ntfsdump" "$v" >"$tmp/now.tsv" || fail "$label: the volume cannot be walked"
	python3 "$top/tests/tools/check_user_files.py" "$tmp/before.tsv" "$tmp/now.tsv" "$@" >"$tmp/chk" ||
		{ cat "$tmp/chk"; fail "$label: user files not intact"; }
	ntfsfix -n "$v" >"$tmp/fix" 2>&1 || { cat "$tmp/fix"; fail "$label: ntfsfix -n"; }
}
