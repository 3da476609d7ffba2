# wizard-tmux.sh - sourced by the t-wizard*.sh scripts: the wizard in a private tmux
# server (-f /dev/null, a new server for each run), its screens captured and waited
# for, and the translation catalogs it reads.
#
# The sourcing script sets top, bin, tmp and fail(), and before the first run
# wz_prefix (the tmux socket's name prefix).  cols and rows are the terminal's size.
# Screens are checked with tests/tools/check_screen.py (display widths as the
# C.UTF-8 locale counts them): every wait also checks that the capture has exactly
# the terminal's rows, each exactly its width.

cols=80 rows=24 runs=0
sock="${wz_prefix:-wr-wz}-$$-0"
locale="$tmp/locale"
cp "$top/tests/tools/check_screen.py" "$tmp/screen.py"

wz_cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; }

# wz_catalogs FRAGMENT...: $locale/<lang>/LC_MESSAGES/winrescue.mo for ja and ru, from
# po/fragments/<FRAGMENT>.<lang>.po (those that exist), then po/<lang>.po.
wz_catalogs() {
	local l plural f
	for l in ja ru; do
		mkdir -p "$locale/$l/LC_MESSAGES"
		case $l in
		ja) plural="nplurals=1; plural=0;" ;;
		ru) plural="nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);" ;;
		esac
		printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: %s\\n"\n\n' \
			"$plural" >"$tmp/$l.po"
		for f in "$@"; do
			[ -f "$top/po/fragments/$f.$l.po" ] && { cat "$top/po/fragments/$f.$l.po"; echo; }
		done >>"$tmp/$l.po"
		msgcat --use-first --to-code=UTF-8 -o "$tmp/$l.all.po" "$tmp/$l.po" "$top/po/$l.po" ||
			fail "msgcat $l"
		msgfmt -o "$locale/$l/LC_MESSAGES/winrescue.mo" "$tmp/$l.all.po" || fail "msgfmt $l"
	done
}

# wz_run [VAR=VALUE...] -- ARG...: a new private server at cols x rows running
# "winrescue --log $tmp/log ARG..." (each ARG single-quoted), its exit status into
# $tmp/status.
wz_run() {
	local envs="" args="" a
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs="$envs $1"; shift; done
	[ $# -gt 0 ] && shift
	for a in "$@"; do args="$args '$a'"; done
	rm -f "$tmp/status"
	tmux -L "$sock" kill-server 2>/dev/null || true
	runs=$((runs + 1))
	sock="${wz_prefix:-wr-wz}-$$-$runs"
	tmux -L "$sock" -f /dev/null new-session -d -x "$cols" -y "$rows" \
		"env LANG=C.UTF-8 LANGUAGE= WINRESCUE_LOCALEDIR='$locale' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}'$envs '$bin' --log '$tmp/log'$args; echo \$? >'$tmp/status'; sleep 600"
}

cap() { tmux -L "$sock" capture-pane -p -N >"$tmp/screen"; }
key() { tmux -L "$sock" send-keys "$@"; }
typ() { tmux -L "$sock" send-keys -l "$1"; }

# wait_for SECONDS TEXT...: until the screen shows every TEXT and has the terminal's
# size (a screen being redrawn after a resize may lag for a moment).
wait_for() {
	local t=$1 i=0
	shift
	while :; do
		cap
		if python3 "$tmp/screen.py" has "$tmp/screen" "$@" >"$tmp/why" &&
			python3 "$tmp/screen.py" size "$tmp/screen" "$cols" "$rows" >"$tmp/why"; then
			return 0
		fi
		i=$((i + 1))
		[ $i -le $((t * 5)) ] || fail "$(cat "$tmp/why")"
		sleep 0.2
	done
}
# lacks TEXT...: the screen shows none of them.
lacks() { cap; python3 "$tmp/screen.py" lacks "$tmp/screen" "$@" >"$tmp/why" || fail "$(cat "$tmp/why")"; }
# wait_exit STATUS: the wizard ended (within 10 s) with that exit status.
wait_exit() {
	local i=0
	while [ ! -s "$tmp/status" ]; do
		i=$((i + 1))
		[ $i -le 50 ] || fail "the wizard did not exit"
		sleep 0.2
	done
	[ "$(cat "$tmp/status")" = "$1" ] || fail "exit status $(cat "$tmp/status"), want $1"
}
