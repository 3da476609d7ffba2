#!/usr/bin/env python3
"""check_screen.py CMD SCREEN-FILE ARGS - checks of a tmux capture for the wizard tests.

  size COLS ROWS   every row is exactly COLS display columns wide, ROWS rows
  has TEXT...      each TEXT is on the screen (spaces and box lines ignored)
  lacks TEXT...    none is
  item TEXT        prints the menu number of the line showing TEXT
  code             prints the support code (XXXXX-XXXXX) on the screen

Widths are counted as the C.UTF-8 locale counts them (East Asian wide = 2)."""
import re, sys, unicodedata
def width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w
def norm(s):
    return "".join(ch for ch in s if not ch.isspace() and ch != "\u2502")
cmd, path = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
if cmd == "size":
    cols, rows = int(sys.argv[3]), int(sys.argv[4])
    bad = [(i, width(l)) for i, l in enumerate(lines) if width(l) != cols]
    if len(lines) != rows or bad:
        print("screen is %d rows, want %d; rows of the wrong width (row, width): %s"
              % (len(lines), rows, bad))
        sys.exit(1)
elif cmd == "has":
    text = norm("\n".join(lines))
    missing = [n for n in sys.argv[3:] if norm(n) not in text]
    if missing:
        print("missing: " + " | ".join(missing))
        sys.exit(1)
elif cmd == "lacks":
    text = norm("\n".join(lines))
    there = [n for n in sys.argv[3:] if norm(n) in text]
    if there:
        print("should not show: " + " | ".join(there))
        sys.exit(1)
elif cmd == "item":	# the menu number of the line that shows TEXT
    for l in lines:
        m = re.match(r"^\u2502?\s*>?\s*(\d+)\.\s", l)
        if m and sys.argv[3] in l:
            print(m.group(1))
            sys.exit(0)
    sys.exit(1)
elif cmd == "code":	# a support code XXXXX-XXXXX on the screen
    m = re.search(r"\b([2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5})\b", "\n".join(lines))
    if not m:
        sys.exit(1)
    print(m.group(1))
