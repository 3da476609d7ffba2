#!/bin/sh
# Lists the source files xgettext reads: every engine and front-end C file.
ls src/*.c ui/*.c ui/wizard/*.c 2>/dev/null | LC_ALL=C sort
