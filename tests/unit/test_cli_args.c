/*
 * test_cli_args.c - the command-line parsers (ui/cli_args.c): what each command line
 * means, and the one translated sentence each bad one gets.  Random command lines
 * are tests/fuzz/fuzz_cli.c's job; here each case has its exact expected answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ui/cli_args.c"
#include "../../ui/i18n.c"

static char *said;	/* what the last parse wrote on stderr */
static size_t said_len;

/* Every argument is a copy of its own (the parsers may hand back pointers into
 * them), kept until the end. */
static char *pool[4096];
static size_t npool;

enum which { REFRESH, RESUME, RESET, IMAGE, REPAIR, SCAN, DIAGNOSE, INSPECT, GLOBAL, WIZARD };

/* Parse the NULL-terminated v with parser w into out, stderr captured into said. */
static int parse(enum which w, void *out, const char *const *v)
{
	char *argv[64];
	int argc = 0, r = -1;
	FILE *saved = stderr;

	for (; v[argc]; argc++) {
		assert_true(argc < 63 && npool < 4096);
		argv[argc] = pool[npool++] = strdup(v[argc]);
	}
	argv[argc] = NULL;
	free(said);
	said = NULL;
	stderr = open_memstream(&said, &said_len);
	assert_non_null(stderr);
	switch (w) {
	case REFRESH: r = cli_parse_refresh(argc, argv, false, out); break;
	case RESUME: r = cli_parse_refresh(argc, argv, true, out); break;
	case RESET: r = cli_parse_reset(argc, argv, out); break;
	case IMAGE: r = cli_parse_image(argc, argv, out); break;
	case REPAIR: r = cli_parse_repair(argc, argv, out); break;
	case SCAN: r = cli_parse_scan(argc, argv, out); break;
	case DIAGNOSE: r = cli_parse_diagnose(argc, argv, out); break;
	case INSPECT: r = cli_parse_inspect(argc, argv, out); break;
	case GLOBAL: r = cli_parse_global(argc, argv, out); break;
	case WIZARD: r = cli_parse_wizard(argc, argv, out); break;
	}
	fclose(stderr);
	stderr = saved;
	return r;
}
#define P(w, out, ...) parse(w, out, (const char *const[]){ __VA_ARGS__, NULL })

static void said_once(const char *part)
{
	assert_non_null(said);
	assert_true(!strncmp(said, "winrescue: ", 11));
	assert_non_null(strstr(said, part));
	assert_ptr_equal(strchr(said, '\n'), said + said_len - 1);	/* one line */
}

static void test_refresh(void **state)
{
	struct cli_refresh_args a;

	(void)state;
	assert_int_equal(P(REFRESH, &a, "refresh", "--target", "pc.img", "--partition=3", "--source",
			   "install.wim", "--index", "2", "--yes", "--allow-mismatch"), EXIT_DONE);
	assert_int_equal(said_len, 0);
	assert_string_equal(a.o.target, "pc.img");
	assert_int_equal(a.o.partition, 3);
	assert_string_equal(a.o.source, "install.wim");
	assert_int_equal(a.o.index, 2);
	assert_true(a.yes && a.o.allow_mismatch);
	assert_false(a.dry_run || a.o.discard_hibernation);

	assert_int_equal(P(REFRESH, &a, "refresh", "--target", "x", "--index", "2"), EXIT_USAGE);
	said_once("--index needs --source");
	assert_int_equal(P(REFRESH, &a, "refresh", "--yes"), EXIT_USAGE);
	said_once("--target");
	assert_int_equal(P(REFRESH, &a, "refresh", "--target", "x", "extra"), EXIT_USAGE);
	said_once("--target");
	assert_int_equal(P(REFRESH, &a, "refresh", "--partition", "-1"), EXIT_USAGE);
	said_once("'-1' for --partition");
	assert_int_equal(P(REFRESH, &a, "refresh", "--target"), EXIT_USAGE);
	said_once("missing value in '--target'");
}

static void test_resume(void **state)
{
	struct cli_refresh_args a;

	(void)state;
	assert_int_equal(P(RESUME, &a, "resume", "--target", "d", "--yes"), EXIT_DONE);
	assert_string_equal(a.o.target, "d");
	assert_true(a.yes);
	assert_int_equal(P(RESUME, &a, "resume", "--target", "d", "--source", "w"), EXIT_USAGE);
	said_once("'--source' does not go with resume");
}

static void test_reset(void **state)
{
	struct cli_reset_args a;
	const char *v[2 + 2 + 2 * 17 + 1] = { "reset", "--target", "d" };
	size_t n = 3;

	(void)state;
	assert_int_equal(P(RESET, &a, "reset", "--target", "d", "--also-format", "4",
			   "--also-format", "5", "--wipe"), EXIT_DONE);
	assert_int_equal(a.o.nalso_format, 2);
	assert_ptr_equal(a.o.also_format, a.also);
	assert_int_equal(a.also[0], 4);
	assert_int_equal(a.also[1], 5);
	assert_true(a.o.wipe);
	assert_false(a.o.layout);

	assert_int_equal(P(RESET, &a, "reset", "--disk", "d", "--layout", "mbr"), EXIT_DONE);
	assert_true(a.o.layout);
	assert_int_equal(a.o.layout_kind, WR_LAYOUT_MBR);
	assert_string_equal(a.o.target, "d");

	assert_int_equal(P(RESET, &a, "reset", "--target", "t", "--disk", "d", "--layout", "gpt"),
			 EXIT_USAGE);
	said_once("not both");
	assert_int_equal(P(RESET, &a, "reset", "--disk", "d"), EXIT_USAGE);
	said_once("--layout gpt or --layout mbr");
	assert_int_equal(P(RESET, &a, "reset", "--disk", "d", "--layout", "gpt", "--partition", "2"),
			 EXIT_USAGE);
	said_once("takes no --partition");
	assert_int_equal(P(RESET, &a, "reset", "--target", "d", "--layout", "gpt"), EXIT_USAGE);
	said_once("--layout goes with --disk");

	/* A 17th --also-format is refused, not written past the array. */
	for (int i = 0; i < 17; i++) {
		v[n++] = "--also-format";
		v[n++] = "2";
	}
	v[n] = NULL;
	assert_int_equal(parse(RESET, &a, v), EXIT_USAGE);
	said_once("Too many partitions");
}

static void test_image(void **state)
{
	struct cli_image_args a;

	(void)state;
	assert_int_equal(P(IMAGE, &a, "image", "create", "--target", "d", "--dir", "/x", "--name", "n"),
			 EXIT_DONE);
	assert_string_equal(a.verb, "create");
	assert_string_equal(a.o.target, "d");
	assert_string_equal(a.o.dir, "/x");
	assert_string_equal(a.o.name, "n");
	assert_int_equal(P(IMAGE, &a, "image", "show", "--target", "d", "--name", "n"), EXIT_USAGE);
	said_once("--name for image create only");
	assert_int_equal(P(IMAGE, &a, "image", "set", "--target", "d"), EXIT_USAGE);
	said_once("--dir");
	assert_int_equal(P(IMAGE, &a, "image", "erase", "--target", "d"), EXIT_USAGE);
	said_once("image create, show, set or deregister");
	assert_int_equal(P(IMAGE, &a, "image"), EXIT_USAGE);
	said_once("image create, show, set or deregister");
}

static void test_repair(void **state)
{
	struct cli_repair_args a;

	(void)state;
	assert_int_equal(P(REPAIR, &a, "registry", "--target", "v", "--only-damaged"), EXIT_DONE);
	assert_true(a.only_damaged);
	/* Used to be refused with exit 2 and no word said. */
	assert_int_equal(P(REPAIR, &a, "hibernation", "--target", "v", "--only-damaged"), EXIT_USAGE);
	said_once("--only-damaged goes with repair registry only");
}

static void test_scan_and_paths(void **state)
{
	struct cli_scan_args s;
	struct cli_paths_args p;

	(void)state;
	/* Options may follow the device. */
	assert_int_equal(P(SCAN, &s, "scan", "/dev/sda", "--json"), EXIT_DONE);
	assert_string_equal(s.device, "/dev/sda");
	assert_true(s.json);
	assert_int_equal(P(SCAN, &s, "scan", "a", "b"), EXIT_USAGE);
	said_once("exactly one disk");
	assert_int_equal(P(SCAN, &s, "scan", "-x"), EXIT_USAGE);
	said_once("Unknown option '-x'");

	assert_int_equal(P(DIAGNOSE, &p, "diagnose", "--json", "--scan", "a", "b"), EXIT_DONE);
	assert_true(p.json && p.surface_scan && !p.no_smart);
	assert_int_equal(p.first, 3);
	assert_int_equal(P(DIAGNOSE, &p, "diagnose", "--decode", "W1"), EXIT_DONE);
	assert_string_equal(p.decode, "W1");
	assert_int_equal(P(DIAGNOSE, &p, "diagnose", "--decode", "W1", "pc.img"), EXIT_USAGE);
	said_once("--decode takes a support code and nothing else");
	assert_int_equal(P(DIAGNOSE, &p, "diagnose", "--decode", "W1", "--bogus"), EXIT_USAGE);
	said_once("'--bogus'");
	assert_int_equal(P(INSPECT, &p, "inspect", "--html", "x"), EXIT_USAGE);
	said_once("'--html'");
}

static void test_global_and_wizard(void **state)
{
	const char *v[] = { "winrescue", "--lang", "ru", "--log", "/tmp/l", "reset", "--lang", "ja",
			    NULL };
	struct cli_global_args g;
	struct cli_wizard_args w;

	(void)state;
	assert_int_equal(parse(GLOBAL, &g, v), EXIT_DONE);
	assert_string_equal(g.lang, "ru");
	assert_string_equal(g.log_path, "/tmp/l");
	assert_int_equal(g.command, 5);
	assert_string_equal(cli_prescan_lang(8, pool + npool - 8), "ru");
	assert_int_equal(P(GLOBAL, &g, "winrescue", "--lang", "fr"), EXIT_USAGE);
	said_once("Unknown language 'fr'");
	assert_int_equal(P(GLOBAL, &g, "winrescue"), EXIT_DONE);
	assert_int_equal(g.command, 1);	/* none: the wizard */

	assert_int_equal(P(WIZARD, &w, "wizard", "--disk", "a", "--source", "s", "--disk", "b"),
			 EXIT_DONE);
	assert_string_equal(w.disks[0], "a");
	assert_string_equal(w.disks[1], "b");
	assert_null(w.disks[2]);
	assert_string_equal(w.sources[0], "s");
	assert_null(w.sources[1]);
	cli_wizard_args_release(&w);
	assert_int_equal(P(WIZARD, &w, "wizard", "--bogus"), EXIT_USAGE);
	said_once("'--bogus'");
}

/* A parse stopped inside a cluster of short options ("-xh" refused at x, h not yet
 * read) must not leak into the next one. */
static void test_parses_start_over(void **state)
{
	struct cli_scan_args s;
	struct cli_repair_args r;

	(void)state;
	assert_int_equal(P(SCAN, &s, "scan", "-xh"), EXIT_USAGE);
	said_once("Unknown option '-x'");
	assert_int_equal(P(SCAN, &s, "scan", "-h"), EXIT_DONE);
	assert_true(s.help);
	assert_int_equal(P(REPAIR, &r, "boot", "--target", "v"), EXIT_DONE);
	assert_string_equal(r.target, "v");
	assert_int_equal(said_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_repair),
		cmocka_unit_test(test_scan_and_paths),
		cmocka_unit_test(test_global_and_wizard),
		cmocka_unit_test(test_parses_start_over),
	};
	int ret;

	i18n_init("en", "test_cli_args");
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	free(said);
	while (npool)
		free(pool[--npool]);
	return ret;
}
