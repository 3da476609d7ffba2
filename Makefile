# winrescue - build, test, demo and install.
#
# On a fresh Debian 12 machine, as root, `make demo` and `make check` are all anyone
# needs: both install the missing Debian packages first (`make deps`).

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
LOCALEDIR = $(PREFIX)/share/locale
MANDIR = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share/winrescue

# Where objects go; `make asan` builds the same sources into build-asan/.
BUILD ?= build
SAN ?=

CC ?= cc
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wwrite-strings -Wvla
# libntfs-3g's public headers expect these autoconf results to be defined.
NTFS_DEFS = -DHAVE_STDINT_H -DHAVE_SYS_TYPES_H -DHAVE_STDDEF_H -DHAVE_TIME_H \
            -DHAVE_SYS_STAT_H -DHAVE_ENDIAN_H -DHAVE_STDARG_H -DHAVE_STDIO_H \
            -DHAVE_STRING_H -DHAVE_STDLIB_H -DHAVE_ERRNO_H -DHAVE_LIMITS_H
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) $(NTFS_DEFS) \
             -I/usr/include/libxml2 -DLOCALEDIR='"$(LOCALEDIR)"' $(CFLAGS)
# wimlib's .pc file names fuse and fails on Debian 12: link -lwim directly.
# libudf/libcdio read install.wim inside Windows ISOs (src/sources.c).
LIBS = -lwim -lntfs-3g -lhivex -lxml2 -lparted -lblkid -lmount -ljson-c -lz -ludf -lcdio -lpthread
UI_LIBS = -lncursesw -ltinfo
# Test and fixture tools only: the independent NTFS checker and mkvolume hash with nettle.
TOOL_LIBS = -lnettle

ENGINE_SRC = $(sort $(wildcard src/*.c))
UI_SRC = $(sort $(wildcard ui/*.c ui/wizard/*.c))
ENGINE_OBJ = $(ENGINE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ = $(UI_SRC:%.c=$(BUILD)/%.o)
LIB = $(BUILD)/libwinrescue.a
BIN = $(BUILD)/winrescue

UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_HELPER_SRC = $(sort $(wildcard tests/lib/*.c))
TEST_HELPER_OBJ = $(TEST_HELPER_SRC:%.c=$(BUILD)/%.o)
TOOL_SRC = $(sort $(wildcard tests/fixtures/*.c tests/tools/*.c))
TOOL_BIN = $(patsubst %.c,$(BUILD)/tools/%,$(notdir $(TOOL_SRC)))

LINGUAS = $(shell cat po/LINGUAS)
MO = $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/winrescue.mo)

# Debian packages the build, the tests and the demo need.
DEPS = build-essential pkg-config libncurses-dev libparted-dev libblkid-dev libmount-dev libwim-dev \
       wimtools ntfs-3g ntfs-3g-dev libhivex-dev libhivex-bin libwin-hivex-perl libxml2-dev libxml2-utils \
       libjson-c-dev zlib1g-dev nettle-dev libcmocka-dev gettext dosfstools mtools fdisk parted smartmontools \
       tmux xz-utils python3 clang libclang-rt-14-dev cppcheck valgrind clang-tidy \
       clang-format util-linux coreutils libudf-dev genisoimage e2fsprogs tar gzip

.PHONY: all check test asan demo install uninstall deps bench fuzz pot update-po \
        po-check style analyze valgrind clean fixture

all: $(BIN) $(MO) $(TOOL_BIN)

# V=1 shows the full compiler command lines.
Q = $(if $(V),,@)

$(BUILD)/%.o: %.c src/winrescue.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(ENGINE_OBJ:.o=.d) $(UI_OBJ:.o=.d) $(TEST_HELPER_OBJ:.o=.d)

$(LIB): $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(UI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(UI_OBJ) $(LIB) $(LIBS) $(UI_LIBS)

$(BUILD)/locale/%/LC_MESSAGES/winrescue.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# Test programs and fixture tools (one .c each) link the engine directly.
$(BUILD)/tools/%: tests/fixtures/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc $(LDFLAGS) -o $@ $< $(LIB) $(LIBS) $(TOOL_LIBS)
$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc $(LDFLAGS) -o $@ $< $(LIB) $(LIBS) $(TOOL_LIBS)

# The wizard's model tests compile its sources in directly: rebuild them with the UI.
$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(TEST_HELPER_OBJ) $(UI_SRC) $(wildcard ui/*.h ui/wizard/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -Itests/lib $(LDFLAGS) -o $@ $< $(TEST_HELPER_OBJ) $(LIB) \
		$(LIBS) -lcmocka

# ---------------------------------------------------------------------------
# Tests: unit tests (cmocka), then integration scripts, first in a normal build, then
# under AddressSanitizer + UBSan.
check: deps
	$(MAKE) all po-check
	$(MAKE) test
	$(MAKE) asan

test: all $(UNIT_BIN)
	BUILD=$(BUILD) tests/run-tests.sh $(UNIT_BIN) $(sort $(wildcard tests/integration/t-*.sh)) \
		$(sort $(wildcard tests/bad-input/b-*.sh))

asan:
	$(MAKE) BUILD=build-asan SAN=1 test

# Fail on untranslated or fuzzy entries, and on a catalog msgfmt rejects.
po-check: po/winrescue.pot
	@for po in $(LINGUAS:%=po/%.po); do \
	  msgfmt --check --statistics -o /dev/null $$po || exit 1; \
	  s=$$(LC_ALL=C msgfmt --statistics -o /dev/null $$po 2>&1); \
	  case "$$s" in *untranslated*|*fuzzy*) echo "$$po: $$s"; exit 1;; esac; \
	  missing=$$(msgcmp --use-untranslated $$po po/winrescue.pot 2>&1) || \
	    { echo "$$po is missing messages from the sources:"; echo "$$missing"; exit 1; }; \
	done

pot: po/winrescue.pot
po/winrescue.pot: $(ENGINE_SRC) $(UI_SRC) po/POTFILES.sh
	sh po/POTFILES.sh > po/POTFILES
	xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
		--add-comments=TRANSLATORS: --package-name=winrescue --package-version=$(shell sed -n 's/^#define WR_VERSION "\(.*\)"/\1/p' src/winrescue.h) \
		--msgid-bugs-address= --sort-by-file -f po/POTFILES -o $@.new
	@if [ -f $@ ] && diff -q -I'POT-Creation-Date' $@ $@.new >/dev/null; then rm $@.new; else mv $@.new $@; fi

update-po: po/winrescue.pot
	for po in $(LINGUAS:%=po/%.po); do msgmerge --quiet --update --backup=none $$po po/winrescue.pot; done

# ---------------------------------------------------------------------------
deps:
	@missing=$$(for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

fixture: all
	tests/fixtures/build-pc.sh --size small --out $(BUILD)/demo

demo: deps
	$(MAKE) all
	tests/fixtures/build-pc.sh --size small --out $(BUILD)/demo
	$(BIN) wizard --disk $(BUILD)/demo/pc.img --source $(BUILD)/demo/install.wim

bench: deps all
	@for b in $(sort $(wildcard tests/bench/*.sh)); do echo "== $$b"; BUILD=$(BUILD) $$b || exit 1; done

fuzz:
	@if [ -f tests/fuzz/Makefile.fuzz ]; then $(MAKE) -f tests/fuzz/Makefile.fuzz run; \
	else echo "no fuzz harnesses yet"; fi

# The engine's unit tests under valgrind: any leak (definite/indirect) or invalid access
# fails.  tests/valgrind.supp holds only what foreign code does on its own (libparted's
# constructor, one libntfs-3g leak, valgrind 3.19's own mount(2) wrapper), each entry
# explained there.
valgrind: all $(UNIT_BIN)
	VALGRIND_OPTS="--suppressions=$(CURDIR)/tests/valgrind.supp $(VALGRIND_OPTS)" \
		BUILD=$(BUILD) VALGRIND=1 tests/run-tests.sh $(UNIT_BIN)

# The bad-input matrix alone (tests/bad-input/, README's table): each case checks the
# exit status, the one translated sentence, and that its inputs are byte-identical.
.PHONY: bad-input
bad-input: all
	BUILD=$(BUILD) tests/run-tests.sh $(sort $(wildcard tests/bad-input/b-*.sh))

# Static analysis of src/ and ui/ (test code is checked by the sanitizer runs).  Every
# finding is fixed or explained in tests/analyze-notes.md: nothing else passes.
# cppcheck: warnings and portability; each --suppress below is a verified false
#   positive, explained in tests/analyze-notes.md.
# clang-tidy, a short list chosen for what hurts a C tool that parses untrusted data:
#   clang-analyzer-core.* / unix.* (null and undefined use, leaks, malloc/free misuse,
#   unchecked sizes), bugprone-sizeof-expression, -not-null-terminated-result,
#   -signed-char-misuse (bytes from disks compared as char).  Left out on purpose:
#   bugprone-suspicious-string-compare (the house style is `if (!strcmp(a, b))`) and
#   cert-err34-c (it flags every sscanf whose return count is checked).
#   tests/analyze.sh runs it once per file (a crash names its file and hides no other)
#   and fails on a finding the notes do not accept, and on an accepted one that is
#   gone.  Logs: $(BUILD)/analyze/.
# Both run to the end, then the target fails if either did.
CPPCHECK_SUPPRESS = --suppress=missingIncludeSystem --suppress=uninitvar:src/hive.c \
	--suppress=nullPointerRedundantCheck:src/inspect.c \
	--suppress=legacyUninitvar:src/repair.c
TIDY_CHECKS = -*,clang-analyzer-core.*,clang-analyzer-unix.*,bugprone-sizeof-expression,$\
bugprone-not-null-terminated-result,bugprone-signed-char-misuse
TIDY_FLAGS = -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 $(NTFS_DEFS) -I/usr/include/libxml2 -Isrc
analyze:
	@c=0; t=0; \
	echo "== cppcheck"; \
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		$(CPPCHECK_SUPPRESS) -I src $(NTFS_DEFS) src ui || c=1; \
	echo "== clang-tidy"; \
	TIDY_CHECKS='$(TIDY_CHECKS)' TIDY_FLAGS='$(TIDY_FLAGS)' BUILD=$(BUILD) \
		tests/analyze.sh $(ENGINE_SRC) $(UI_SRC) || t=1; \
	[ $$c = 0 ] && echo "analyze: cppcheck clean" || echo "analyze: cppcheck found something (above)"; \
	[ $$c = 0 ] && [ $$t = 0 ]

style:
	clang-format -i $(ENGINE_SRC) $(UI_SRC) src/*.h ui/*.h $(wildcard ui/wizard/*.h) \
		$(UNIT_SRC) $(TOOL_SRC)

# ---------------------------------------------------------------------------
install: $(BIN) $(MO)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/winrescue
	install -m 0644 assets/winrescue.1 $(DESTDIR)$(MANDIR)/man1/winrescue.1
	for f in $(filter-out assets/winrescue.1,$(wildcard assets/*)); do \
	  install -m 0644 $$f $(DESTDIR)$(DATADIR)/; done
	for l in $(LINGUAS); do \
	  install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES; \
	  install -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/winrescue.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/winrescue $(DESTDIR)$(MANDIR)/man1/winrescue.1
	rm -rf $(DESTDIR)$(DATADIR)
	for l in $(LINGUAS); do rm -f $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/winrescue.mo; done

clean:
	rm -rf build build-asan build-fuzz
