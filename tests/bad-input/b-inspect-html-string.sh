#!/bin/sh
# b-inspect-html-string.sh - registry strings that are HTML or script (the fixture's
# hostile app names): inspect --json keeps them verbatim, and after a refresh the
# Removed Apps.html on the desktop escapes them (no live tag, well-formed).
. "$(dirname "$0")/lib.sh"
bi_fixture
bi_keep "$fx/windows.img" "$fx/install.wim"
bi_inspect_json "$fx/windows.img"
python3 - "$tmp/inspect.json" >"$tmp/hostile" <<'PY' || fail "no HTML/script app name in inspect --json"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
names = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("name", "publisher", "version") and isinstance(v, str) and "<" in v:
                names.append(v)
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(d)
assert names, "no hostile name"
for n in names:
    print(n)
PY
grep -q '<script' "$tmp/hostile" || fail "the <script> name was changed: $(cat "$tmp/hostile")"
v=$tmp/w.img
bi_copy "$fx/windows.img" "$v"
bi_run ru refresh --target "$v" --source "$fx/install.wim" --yes
[ $st -eq 0 ] || { cat "$tmp/err"; fail "refresh exited $st"; }
ntfscat "$v" "/Users/Alice/Desktop/Removed Apps.html" >"$tmp/removed.html" 2>/dev/null ||
	fail "no Removed Apps.html on Alice's desktop"
python3 - "$tmp/removed.html" "$tmp/hostile" <<'PY' || fail "Removed Apps.html does not escape the registry strings"
import html.parser, sys
page = open(sys.argv[1], encoding="utf-8").read()
hostile = [l.rstrip("\n") for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            assert not k.startswith("on"), "event handler attribute %s" % k
            if k == "href":
                assert v.startswith(("http://", "https://")), "link %r" % v
    def handle_data(self, data):
        self.text.append(data)
p = P()
p.feed(page)
assert "script" not in p.tags, "a live <script> tag"
assert "img" not in p.tags, "a live <img> tag"
text = "".join(p.text)
shown = [h for h in hostile if h in text]
assert shown, "no hostile name shown as text"
PY
bi_done
