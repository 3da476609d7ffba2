#!/usr/bin/env python3
"""expect.py LOCALEDIR LANG STDERR-FILE MSGID [--arg A]... [--subject SUBSTR] [--lines N]

Checks that a winrescue error on stderr is exactly the translated sentence for MSGID
in LANG, read from the compiled catalog LOCALEDIR/LANG/LC_MESSAGES/winrescue.mo (what
the binary itself uses), optionally formatted with --arg values (%s, %1$s, %2$s...),
and optionally followed by the translated " (subject)" form "%1$s (%2$s)" that
cli_fail() prints.  --subject SUBSTR requires a subject containing SUBSTR;
--no-subject forbids one.  From the first "winrescue: " line on
(progress lines may come before), stderr must hold exactly one line unless --lines N
says how many lines the command prints (the first is checked).  For a language other than
English the catalog must really translate MSGID (a missing translation would show
English and pass unnoticed otherwise).  Exit 0 when all holds, else 1 with the reason.
"""
import gettext
import re
import sys


def fmt(template, args):
    """printf-style %s / %N$s / %u / %N$u substitution as the C code does it."""
    pos = [0]

    def sub(m):
        if m.group(0) == "%%":
            return "%"
        n = m.group(1)
        if n:
            i = int(n) - 1
        else:
            i = pos[0]
            pos[0] += 1
        return args[i]
    return re.sub(r"%%|%(?:(\d+)\$)?[su]", sub, template)


def main(argv):
    if len(argv) < 5:
        print(__doc__)
        return 2
    localedir, lang, errfile, msgid = argv[1:5]
    rest = argv[5:]
    args, subject, lines, no_subject = [], None, 1, False
    while rest:
        opt = rest.pop(0)
        if opt == "--arg":
            args.append(rest.pop(0))
        elif opt == "--subject":
            subject = rest.pop(0)
        elif opt == "--no-subject":
            no_subject = True
        elif opt == "--lines":
            lines = int(rest.pop(0))
        else:
            print("expect.py: unknown option " + opt)
            return 2
    if lang == "en":
        tr = gettext.NullTranslations()
    else:
        with open("%s/%s/LC_MESSAGES/winrescue.mo" % (localedir, lang), "rb") as f:
            tr = gettext.GNUTranslations(f)
    sentence = tr.gettext(msgid)
    if lang != "en" and sentence == msgid:
        print("no %s translation for %r" % (lang, msgid))
        return 1
    if args:
        sentence = fmt(sentence, args)
    with open(errfile, encoding="utf-8", errors="replace") as f:
        got = f.read().splitlines()
    # A writing command shows its progress ("Step 1 of 7: ...", "30 % done") on
    # stderr before it stops; the error is what follows the first "winrescue: " line.
    first = next((i for i, l in enumerate(got) if l.startswith("winrescue: ")), 0)
    got = got[first:]
    if len(got) != lines:
        print("stderr has %d lines, want %d:\n%s" % (len(got), lines, "\n".join(got)))
        return 1
    line = got[0]
    plain = "winrescue: " + sentence
    if line == plain and subject is None:
        return 0
    with_subject = fmt(tr.gettext("%1$s (%2$s)"), [sentence, "\0"])
    head, _, tail = with_subject.partition("\0")
    head = "winrescue: " + head
    if not no_subject and line.startswith(head) and line.endswith(tail) and \
            len(line) > len(head) + len(tail):
        subj = line[len(head):len(line) - len(tail)]
        if subject is None or subject in subj:
            return 0
        print("subject %r does not contain %r" % (subj, subject))
        return 1
    print("stderr:   %s\nexpected: %s%s" % (line, plain,
          "" if no_subject else "  (optionally with a subject: %s...%s)" % (head, tail)))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
