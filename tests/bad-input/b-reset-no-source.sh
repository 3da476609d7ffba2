#!/bin/sh
# b-reset-no-source.sh - reset of a blank NTFS volume (no partition table, someone's
# photos, no Windows) without --source: there is no installation to pick an image for,
# so nothing can be installed.  Refused (exit 3) with ONE clear translated sentence -
# the NO_SOURCE sentence, or the sentence saying to give --source - and nothing written.
. "$(dirname "$0")/lib.sh"
bi_fixture
export WINRESCUE_STATE_DIR="$tmp/state"
bi_volume d.img 64M <<'SPEC'
file "Photos/2014/beach.jpg" 300K 1
file "Photos/2014/hill.jpg" 200K 2
SPEC
bi_keep "$tmp/d.img"
no_source="No suitable Windows image was found; insert installation media of the same Windows version."
hint="There is no Windows there to choose an image for: say which image to install with --source."
one_sentence() {	# one_sentence LANG: stderr is one of the two sentences, alone
	python3 "$here/expect.py" "$localedir" "$1" "$tmp/err" "$no_source" >"$tmp/e1" ||
	python3 "$here/expect.py" "$localedir" "$1" "$tmp/err" "$hint" >"$tmp/e2" ||
		{ cat "$tmp/e1" "$tmp/e2"; fail "reset without --source ($1): not one clear sentence"; }
}
for lang in en ru; do
	for how in --yes --dry-run; do
		bi_run $lang reset --target "$tmp/d.img" $how
		[ $st -eq 3 ] || { cat "$tmp/err"; fail "reset --target d.img $how ($lang): exit $st, want 3"; }
		bi_check_kept
		one_sentence $lang
	done
done
[ -z "$(ls -A "$tmp/state" 2>/dev/null)" ] || fail "a refused reset left a journal: $(ls -R "$tmp/state")"
bi_done
