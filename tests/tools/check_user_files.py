#!/usr/bin/env python3
"""check_user_files.py BEFORE.tsv AFTER.tsv [--final]

Compares two ntfsdump listings of the same volume, taken before a refresh and at any
moment after it started (or after it finished, with --final).  Proves the refresh
invariant: every user file and folder of BEFORE (everything under a profile in
\\Users, under \\Users\\Public and under other root folders that stay, like \\Data)
is present exactly once, at its old path or its \\Windows.old path, with the same MFT
record, content hash, streams, attributes, security descriptor, times and link count.
With --final, profile files must be back at their old paths (not in Windows.old),
except Public files the new system already had.  Exit 0 when all holds; else the
differences, one per line, and exit 1.
"""
import sys

FIELDS = ["mft", "kind", "size", "sha", "streams", "attrs", "sd", "ctime", "mtime",
          "atime", "links"]
SYSTEM_ROOT = {"windows", "program files", "program files (x86)", "programdata",
               "documents and settings", "perflogs", "recovery", "$recycle.bin",
               "system volume information", "config.msi", "msocache", "$winrescue",
               "pagefile.sys", "swapfile.sys", "hiberfil.sys", "bootmgr", "boot"}
IMAGE_PROFILES = {"default", "all users", "default user", "desktop.ini"}


STRAY = []   # stray entries (kind "s") of the last listing loaded


def load(path):
    """Entries by lower-cased path.  Stray entries (kind "s": a folder entry a
    killed writer left pointing at nothing, which the resume removes) are not
    files: they go to STRAY, not into the listing."""
    entries = {}
    del STRAY[:]
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 12:
                continue
            if cols[2] == "s":
                STRAY.append(cols[0])
                continue
            entries[cols[0].lower()] = dict(zip(["path"] + FIELDS, cols))
    return entries


def is_user_entry(path):
    parts = path.split("/")[1:]
    if not parts:
        return False
    top = parts[0].lower()
    if top.startswith("windows.old"):
        return False
    if top == "users":
        return len(parts) >= 2 and parts[1].lower() not in IMAGE_PROFILES
    return top not in SYSTEM_ROOT


def main():
    before = load(sys.argv[1])
    after = load(sys.argv[2])
    final = "--final" in sys.argv
    problems_stray = ["stray entry left after the refresh: " + p for p in STRAY] if final else []
    # \Windows.old, and the numbered ones earlier refreshes left (Windows.old.000).
    old_dirs = sorted({"/" + k.split("/")[1] for k in after
                       if k.split("/")[1].startswith("windows.old")})
    problems = problems_stray
    checked = 0
    for key, b in before.items():
        if not is_user_entry(b["path"]):
            continue
        checked += 1
        cands = [key] + [o + key for o in old_dirs]
        found = [c for c in cands if c in after and after[c]["mft"] == b["mft"]]
        if len(found) != 1:
            problems.append("%s: found %d times (%s)" % (b["path"], len(found), found))
            continue
        a = after[found[0]]
        for f in FIELDS:
            # Mid-run, a name being added (a move links the new name first;
            # libntfs-3g's DOS-name update adds the short name first) counts one
            # link more until it ends; the resume ends it, and --final is exact.
            if f == "links" and not final and a[f].isdigit() and b[f].isdigit() and \
                    int(a[f]) == int(b[f]) + 1:
                continue
            if a[f] != b[f]:
                problems.append("%s: %s was %s, now %s" % (b["path"], f, b[f], a[f]))
        if final and found[0] != key:
            public = key == "/users/public" or key.startswith("/users/public/")
            if not (public and key in after):
                problems.append("%s: still in Windows.old after the refresh" % b["path"])
    # No user file may appear under a second name it did not have before.
    by_mft = {}
    for e in before.values():
        if is_user_entry(e["path"]) and e["kind"] != "d":
            by_mft.setdefault(e["mft"], set()).add(e["path"].lower())
    for e in after.values():
        names = by_mft.get(e["mft"])
        if names is not None and e["kind"] != "d":
            p = e["path"].lower()
            base = p
            for o in old_dirs:
                if p.startswith(o + "/"):
                    base = p[len(o):]
            if base not in names:
                problems.append("%s: an extra name of %s" % (e["path"], sorted(names)[0]))
    for p in problems:
        print(p)
    print("checked %d user entries: %s" % (checked, "OK" if not problems else
                                           "%d problems" % len(problems)))
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
