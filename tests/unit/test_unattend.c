/*
 * test_unattend.c - the answer file Windows\Panther\unattend.xml: every output is
 * parsed back with libxml2 (no errors allowed) and each element is checked with
 * XPath in the unattend namespace; hostile values (XML metacharacters, invalid
 * UTF-8, 10 KB strings, empty and unterminated fields) are left out and the document
 * stays well-formed; the facts of real Windows SYSTEM hives (../shared/testdata) go
 * through the winsys module into the answer file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "mkimg.h"
#include "winrescue.h"
#include "xmlcheck.h"

#define NS "urn:schemas-microsoft-com:unattend"
#define ALL_FIELDS                                                                      \
	(WR_UNATTEND_INPUT_LOCALE | WR_UNATTEND_SYSTEM_LOCALE | WR_UNATTEND_UI_LANGUAGE |  \
	 WR_UNATTEND_USER_LOCALE | WR_UNATTEND_COMPUTER_NAME | WR_UNATTEND_TIME_ZONE)
#define SPEC "/u:unattend/u:settings[@pass='specialize']"
#define OOBE "/u:unattend/u:settings[@pass='oobeSystem']"
#define SHELL "u:component[@name='Microsoft-Windows-Shell-Setup']"
#define INTL "u:component[@name='Microsoft-Windows-International-Core']"

struct answer {
	char *buf;
	size_t len;
	unsigned written;
	xmlDoc *doc;
};

static void answer_parse(struct answer *a)
{
	xmlNode *root;
	int errors;

	a->doc = xmlcheck_parse(a->buf, a->len, "unattend.xml", NULL, 0, &errors);
	assert_non_null(a->doc);
	assert_int_equal(errors, 0);
	root = xmlDocGetRootElement(a->doc);
	assert_non_null(root);
	assert_string_equal((const char *)root->name, "unattend");
	assert_non_null(root->ns);
	assert_string_equal((const char *)root->ns->href, NS);
	assert_memory_equal(a->buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39);
	assert_string_equal((const char *)a->doc->encoding, "UTF-8");
}

static void build(const struct wr_windows *w, enum wr_arch arch, const char *langs,
		  struct answer *a)
{
	struct wr_detail d = WR_DETAIL_INIT;

	memset(a, 0, sizeof(*a));
	assert_int_equal(wr_unattend_build(w, arch, langs, &a->buf, &a->len, &a->written, &d),
			 WR_OK);
	assert_non_null(a->buf);
	assert_int_equal(strlen(a->buf), a->len);
	answer_parse(a);
}

static void answer_free(struct answer *a)
{
	xmlFreeDoc(a->doc);
	free(a->buf);
}

static void assert_x(struct answer *a, const char *expr, const char *want)
{
	xmlcheck_assert_string(a->doc, expr, "u", NS, want);
}

static int xcount(struct answer *a, const char *expr)
{
	return xmlcheck_count(a->doc, expr, "u", NS);
}

/* Every component carries the identity Windows Setup matches on. */
static void assert_components(struct answer *a, const char *arch)
{
	int n = xcount(a, "//u:component");
	char q[256];

	snprintf(q, sizeof(q),
		 "//u:component[@processorArchitecture='%s' and "
		 "@publicKeyToken='31bf3856ad364e35' and @language='neutral' and "
		 "@versionScope='nonSxS']",
		 arch);
	assert_int_equal(xcount(a, q), n);
	/* Nothing outside the unattend namespace, no stray elements. */
	assert_int_equal(xcount(a, "//*[namespace-uri() != '" NS "']"), 0);
	assert_int_equal(xcount(a, "/u:unattend/*[local-name() != 'settings']"), 0);
	assert_int_equal(xcount(a, "//u:settings/*[local-name() != 'component']"), 0);
}

static void fill(struct wr_windows *w, const char *lang, const char *kbd, const char *tz,
		 const char *name, enum wr_arch arch)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->default_language, sizeof(w->default_language), "%s", lang);
	snprintf(w->keyboard, sizeof(w->keyboard), "%s", kbd);
	snprintf(w->time_zone, sizeof(w->time_zone), "%s", tz);
	snprintf(w->computer_name, sizeof(w->computer_name), "%s", name);
	w->arch = arch;
}

/* ---- a whole answer file ------------------------------------------------------ */

static void test_japanese_pc(void **state)
{
	(void)state;
	struct wr_windows w;
	struct answer a;

	fill(&w, "ja-JP", "0411:00000411", "Tokyo Standard Time", "SENSEI", WR_ARCH_X64);
	build(&w, WR_ARCH_UNKNOWN, "ja-JP", &a);
	assert_int_equal(a.written, ALL_FIELDS);
	assert_components(&a, "amd64");
	assert_int_equal(xcount(&a, "/u:unattend/u:settings"), 2);
	/* specialize: the computer name, nothing else. */
	assert_int_equal(xcount(&a, SPEC "/u:component"), 1);
	assert_int_equal(xcount(&a, SPEC "/" SHELL "/*"), 1);
	assert_x(&a, SPEC "/" SHELL "/u:ComputerName", "SENSEI");
	/* oobeSystem: International-Core in the reference's order, then TimeZone. */
	assert_int_equal(xcount(&a, OOBE "/u:component"), 2);
	assert_int_equal(xcount(&a, OOBE "/" INTL "/*"), 4);
	assert_x(&a, "local-name(" OOBE "/" INTL "/*[1])", "InputLocale");
	assert_x(&a, "local-name(" OOBE "/" INTL "/*[2])", "SystemLocale");
	assert_x(&a, "local-name(" OOBE "/" INTL "/*[3])", "UILanguage");
	assert_x(&a, "local-name(" OOBE "/" INTL "/*[4])", "UserLocale");
	assert_x(&a, OOBE "/" INTL "/u:InputLocale", "0411:00000411");
	assert_x(&a, OOBE "/" INTL "/u:SystemLocale", "ja-JP");
	assert_x(&a, OOBE "/" INTL "/u:UILanguage", "ja-JP");
	assert_x(&a, OOBE "/" INTL "/u:UserLocale", "ja-JP");
	assert_int_equal(xcount(&a, OOBE "/" SHELL "/*"), 1);
	assert_x(&a, OOBE "/" SHELL "/u:TimeZone", "Tokyo Standard Time");
	/* specialize comes before oobeSystem, as Setup runs them. */
	assert_x(&a, "/u:unattend/u:settings[1]/@pass", "specialize");
	assert_x(&a, "/u:unattend/u:settings[2]/@pass", "oobeSystem");
	answer_free(&a);
}

static void test_architectures(void **state)
{
	(void)state;
	static const struct {
		enum wr_arch old, arch;
		const char *want;
	} cases[] = {
		{ WR_ARCH_X86, WR_ARCH_UNKNOWN, "x86" },
		{ WR_ARCH_X64, WR_ARCH_UNKNOWN, "amd64" },
		{ WR_ARCH_ARM, WR_ARCH_UNKNOWN, "arm" },
		{ WR_ARCH_ARM64, WR_ARCH_UNKNOWN, "arm64" },
		/* The new system's architecture wins over the old one's. */
		{ WR_ARCH_X86, WR_ARCH_X64, "amd64" },
		{ WR_ARCH_UNKNOWN, WR_ARCH_ARM64, "arm64" },
	};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_windows w;
	char *out = (char *)"x";
	size_t len = 9;
	unsigned bits = 9;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct answer a;

		fill(&w, "ru-RU", "0419:00000419", "Russian Standard Time", "DACHA-PC",
		     cases[i].old);
		build(&w, cases[i].arch, NULL, &a);
		assert_int_equal(a.written, ALL_FIELDS);
		assert_int_equal(xcount(&a, "//u:component"), 3);
		assert_components(&a, cases[i].want);
		answer_free(&a);
	}
	/* No architecture known: no answer file (its components would be ignored). */
	fill(&w, "ru-RU", "0419:00000419", "Russian Standard Time", "DACHA-PC",
	     WR_ARCH_UNKNOWN);
	assert_int_equal(wr_unattend_build(&w, WR_ARCH_UNKNOWN, NULL, &out, &len, &bits, &d),
			 WR_ERR_UNSUPPORTED);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(bits, 0);
	w.arch = (enum wr_arch)7;
	assert_int_equal(wr_unattend_build(&w, WR_ARCH_UNKNOWN, NULL, &out, &len, &bits, &d),
			 WR_ERR_UNSUPPORTED);
	assert_null(wr_unattend_arch_name((enum wr_arch)3));
}

static void test_nothing_known(void **state)
{
	(void)state;
	struct wr_windows w;
	struct answer a;

	fill(&w, "", "", "", "", WR_ARCH_X64);
	build(&w, WR_ARCH_UNKNOWN, NULL, &a);
	assert_int_equal(a.written, 0);
	assert_int_equal(xcount(&a, "/u:unattend/*"), 0);
	answer_free(&a);
}

static void test_invalid_arguments(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_windows w;
	char *out = (char *)"x";

	fill(&w, "en-US", "", "UTC", "PC", WR_ARCH_X64);
	assert_int_equal(wr_unattend_build(NULL, WR_ARCH_X64, NULL, &out, NULL, NULL, &d),
			 WR_ERR_INVALID_ARG);
	assert_null(out);
	assert_int_equal(wr_unattend_build(&w, WR_ARCH_X64, NULL, NULL, NULL, NULL, &d),
			 WR_ERR_INVALID_ARG);
	/* len and written may be NULL. */
	assert_int_equal(wr_unattend_build(&w, WR_ARCH_X64, NULL, &out, NULL, NULL, NULL),
			 WR_OK);
	assert_non_null(out);
	free(out);
}

/* ---- values that must be left out ------------------------------------------- */

static void test_hostile_computer_names(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", "<evil>", "A&B", "PC\"1", "PC'1", "A B", " PC", "PC.local", "PC*", "*",
		"1234567", "ABCDEFGHIJKLMNOP", "PC\x01", "PC\n", "\xff\xfe", "\xd0\x9f\xd0\x9a-1",
		"\xe3\x83\x91\xe3\x82\xbd\xe3\x82\xb3\xe3\x83\xb3", "PC]]>", "PC%USERNAME%",
		"PC\\X", "PC/X", "PC@X", "PC:X", "PC;X", "PC,X", "PC=X", "PC?X", "PC+X",
	};
	static const char *good[] = { "A", "PC-01", "WKS-WIN732BITA", "ABCDEFGHIJKLMNO",
				      "my_pc", "1PC", "pc-" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wr_windows w;
		struct answer a;

		assert_false(wr_unattend_valid_computer_name(bad[i]));
		fill(&w, "en-US", "0409:00000409", "UTC", bad[i], WR_ARCH_X64);
		build(&w, WR_ARCH_UNKNOWN, NULL, &a);
		assert_int_equal(a.written, ALL_FIELDS & ~WR_UNATTEND_COMPUTER_NAME);
		assert_int_equal(xcount(&a, "//u:ComputerName"), 0);
		assert_int_equal(xcount(&a, SPEC), 0);
		assert_x(&a, OOBE "/" SHELL "/u:TimeZone", "UTC");
		answer_free(&a);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct wr_windows w;
		struct answer a;

		assert_true(wr_unattend_valid_computer_name(good[i]));
		fill(&w, "en-US", "0409:00000409", "UTC", good[i], WR_ARCH_X64);
		build(&w, WR_ARCH_UNKNOWN, NULL, &a);
		assert_x(&a, SPEC "/" SHELL "/u:ComputerName", good[i]);
		answer_free(&a);
	}
	assert_false(wr_unattend_valid_computer_name(NULL));
}

static void test_hostile_time_zones(void **state)
{
	(void)state;
	char long_tz[80];
	static const char *bad[] = {
		"", " UTC", "UTC ", "Tokyo</TimeZone><x>", "A&B", "Tokyo\tStandard", "UTC\n",
		"\xff", "Москва", "Pacific\"", "UTC;rm", "UTC\\x", NULL,
	};
	static const char *good[] = {
		"UTC", "UTC-11", "UTC+12", "Tokyo Standard Time", "W. Europe Standard Time",
		"Pacific Standard Time (Mexico)", "Russia Time Zone 3", "Dateline Standard Time",
	};

	memset(long_tz, 'A', 65);
	long_tz[65] = '\0';
	bad[sizeof(bad) / sizeof(bad[0]) - 1] = long_tz;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wr_windows w;
		struct answer a;

		assert_false(wr_unattend_valid_time_zone(bad[i]));
		fill(&w, "en-GB", "0809:00000809", bad[i], "PC", WR_ARCH_X86);
		build(&w, WR_ARCH_UNKNOWN, NULL, &a);
		assert_int_equal(a.written, ALL_FIELDS & ~WR_UNATTEND_TIME_ZONE);
		assert_int_equal(xcount(&a, "//u:TimeZone"), 0);
		/* Shell-Setup stays in specialize only. */
		assert_int_equal(xcount(&a, OOBE "/" SHELL), 0);
		assert_x(&a, OOBE "/" INTL "/u:UserLocale", "en-GB");
		answer_free(&a);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct wr_windows w;
		struct answer a;

		assert_true(wr_unattend_valid_time_zone(good[i]));
		fill(&w, "en-GB", "0809:00000809", good[i], "PC", WR_ARCH_X86);
		build(&w, WR_ARCH_UNKNOWN, NULL, &a);
		assert_x(&a, OOBE "/" SHELL "/u:TimeZone", good[i]);
		answer_free(&a);
	}
	long_tz[64] = '\0';
	assert_true(wr_unattend_valid_time_zone(long_tz));
}

static void test_locales_and_keyboards(void **state)
{
	(void)state;
	static const char *good_locale[] = { "ja-JP", "ru-RU", "en-US", "sr-Latn-RS",
					     "es-419", "zh-Hant-TW", "qps-ploc", "de" };
	static const char *bad_locale[] = { "", "j", "ja_JP", "ja-", "-JP", "ja-J",
					    "ja-JP\n", "ja-JP<", "jaJP-xyzw", "ja--JP",
					    "a-b-c-d-e", "ja-JP-aa-bb-cc", "\xd1\x8f-RU", "1a-JP" };
	static const char *good_input[] = {
		"0411:00000411", "0409:00020409", "0419:00000419;0409:00000409",
		"0411:{03B5835F-F03C-411B-9CE2-AA23E1171E36}{A76C93D9-5523-4E90-AAFA-4DB112F9AC76}",
		"ja-JP", "0409:00000409;ja-JP",
	};
	static const char *bad_input[] = {
		"", "0411", "0411:", "0411:0000041", "0411:000004111", "04110:00000411",
		"0411:0000041G", "0411:00000411;", ";0411:00000411", "0411:{03B5835F}",
		"0411:00000411<x/>", "1;2;3;4;5;6", "0409:00000409;0409:00000409;0409:00000409;"
		"0409:00000409;0409:00000409;0409:00000409",
	};

	for (size_t i = 0; i < sizeof(good_locale) / sizeof(good_locale[0]); i++)
		assert_true(wr_unattend_valid_locale(good_locale[i]));
	for (size_t i = 0; i < sizeof(bad_locale) / sizeof(bad_locale[0]); i++) {
		struct wr_windows w;
		struct answer a;

		if (wr_unattend_valid_locale(bad_locale[i]))
			fail_msg("'%s' accepted as a locale", bad_locale[i]);
		/* Without a language, a bad keyboard has no fallback either. */
		fill(&w, bad_locale[i], "b@d", "UTC", "PC", WR_ARCH_X64);
		build(&w, WR_ARCH_UNKNOWN, NULL, &a);
		assert_int_equal(a.written, WR_UNATTEND_COMPUTER_NAME | WR_UNATTEND_TIME_ZONE);
		assert_int_equal(xcount(&a, "//" INTL), 0);
		answer_free(&a);
	}
	for (size_t i = 0; i < sizeof(good_input) / sizeof(good_input[0]); i++)
		assert_true(wr_unattend_valid_input_locale(good_input[i]));
	for (size_t i = 0; i < sizeof(bad_input) / sizeof(bad_input[0]); i++) {
		struct wr_windows w;
		struct answer a;

		if (wr_unattend_valid_input_locale(bad_input[i]))
			fail_msg("'%s' accepted as an input locale", bad_input[i]);
		/* A bad keyboard falls back to the language's own. */
		fill(&w, "ru-RU", bad_input[i], "UTC", "PC", WR_ARCH_X64);
		build(&w, WR_ARCH_UNKNOWN, NULL, &a);
		assert_int_equal(a.written, ALL_FIELDS);
		assert_x(&a, OOBE "/" INTL "/u:InputLocale", "ru-RU");
		answer_free(&a);
	}
	assert_false(wr_unattend_valid_locale(NULL));
	assert_false(wr_unattend_valid_input_locale(NULL));
}

/* The fixed-size fields filled to the last byte without a NUL (ASan checks that
 * nothing reads past them). */
static void test_unterminated_fields(void **state)
{
	(void)state;
	struct wr_windows *w = calloc(1, sizeof(*w));
	struct answer a;

	assert_non_null(w);
	memset(w->default_language, 'a', sizeof(w->default_language));
	memset(w->keyboard, '0', sizeof(w->keyboard));
	memset(w->time_zone, 'T', sizeof(w->time_zone));
	memset(w->computer_name, 'C', sizeof(w->computer_name));
	w->arch = WR_ARCH_X64;
	build(w, WR_ARCH_UNKNOWN, NULL, &a);
	assert_int_equal(a.written, 0);
	assert_int_equal(xcount(&a, "/u:unattend/*"), 0);
	answer_free(&a);
	free(w);
}

static void test_image_languages(void **state)
{
	(void)state;
	size_t big = 10 * 1024;
	char *list = malloc(big + 16);
	struct wr_windows w;
	struct answer a;

	assert_non_null(list);
	fill(&w, "ja-JP", "0411:00000411", "Tokyo Standard Time", "PC", WR_ARCH_X64);
	/* The new image has the language (any case, spaces around names). */
	build(&w, WR_ARCH_UNKNOWN, "en-US, JA-jp ,ru-RU", &a);
	assert_int_equal(a.written, ALL_FIELDS);
	assert_x(&a, "//u:UILanguage", "ja-JP");
	answer_free(&a);
	/* It does not: UILanguage left out, the locales stay. */
	build(&w, WR_ARCH_UNKNOWN, "en-US", &a);
	assert_int_equal(a.written, ALL_FIELDS & ~WR_UNATTEND_UI_LANGUAGE);
	assert_int_equal(xcount(&a, "//u:UILanguage"), 0);
	assert_x(&a, "//u:SystemLocale", "ja-JP");
	assert_x(&a, "//u:UserLocale", "ja-JP");
	answer_free(&a);
	/* A prefix of a name is not the name. */
	build(&w, WR_ARCH_UNKNOWN, "ja-JPX,ja,xja-JP", &a);
	assert_int_equal(xcount(&a, "//u:UILanguage"), 0);
	answer_free(&a);
	/* 10 KB of hostile text, then the language at the very end. */
	for (size_t i = 0; i < big; i++)
		list[i] = "<&>\"',\xff "[i % 8];
	strcpy(list + big, ",ja-JP");
	build(&w, WR_ARCH_UNKNOWN, list, &a);
	assert_x(&a, "//u:UILanguage", "ja-JP");
	assert_null(strstr(a.buf, "<&"));
	answer_free(&a);
	list[big] = '\0';
	build(&w, WR_ARCH_UNKNOWN, list, &a);
	assert_int_equal(xcount(&a, "//u:UILanguage"), 0);
	answer_free(&a);
	/* Empty = not checked. */
	build(&w, WR_ARCH_UNKNOWN, "", &a);
	assert_x(&a, "//u:UILanguage", "ja-JP");
	answer_free(&a);
	free(list);
}

/* ---- real hives ------------------------------------------------------------- */

/* SYSTEM hives made by Windows 7, 8/8.1 and 10: winsys reads the computer name, time
 * zone and languages; they must arrive in the answer file unchanged. */
static void test_real_system_hives(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		const char *computer;	/* from testdata/README.md; NULL: not listed */
	} hives[] = {
		{ "regipy_SYSTEM", "WKS-WIN732BITA" },
		{ "regipy_SYSTEM_2", "SENSEI" },
		{ "regipy_SYSTEM_WIN_10_1709", NULL },
	};
	const char *td = getenv("WINRESCUE_TESTDATA");
	char dir[256];

	assert_int_equal(mkimg_tmpdir(dir, sizeof(dir)), 0);
	for (size_t i = 0; i < sizeof(hives) / sizeof(hives[0]); i++) {
		char src[1024], path[512];
		struct wr_detail d = WR_DETAIL_INIT;
		struct wr_windows w;
		struct wr_hive *h = NULL;
		struct answer a;
		unsigned want = ALL_FIELDS;

		snprintf(src, sizeof(src), "%s/hives/%s.xz", td && *td ? td : "../shared/testdata",
			 hives[i].file);
		snprintf(path, sizeof(path), "%s/%s", dir, hives[i].file);
		assert_int_equal(mkimg_decompress(src, path), 0);
		memset(&w, 0, sizeof(w));
		assert_int_equal(wr_hive_open(path, false, &h, &d), WR_OK);
		assert_int_equal(wr_winsys_from_hives(NULL, h, NULL, &w, &d), WR_OK);
		wr_hive_close(h);
		if (hives[i].computer)
			assert_string_equal(w.computer_name, hives[i].computer);
		assert_true(w.computer_name[0] && w.time_zone[0]);
		/* No DEFAULT hive here: the keyboard falls back to the language. */
		assert_true(wr_unattend_valid_locale(w.default_language));
		build(&w, WR_ARCH_X64, NULL, &a);
		assert_int_equal(a.written, want);
		assert_components(&a, "amd64");
		assert_x(&a, SPEC "/" SHELL "/u:ComputerName", w.computer_name);
		assert_x(&a, OOBE "/" SHELL "/u:TimeZone", w.time_zone);
		assert_x(&a, OOBE "/" INTL "/u:UILanguage", w.default_language);
		assert_x(&a, OOBE "/" INTL "/u:InputLocale", w.default_language);
		answer_free(&a);
		/* With the keyboard a DEFAULT hive would give. */
		snprintf(w.keyboard, sizeof(w.keyboard), "0409:00000409");
		build(&w, WR_ARCH_X86, w.languages ? w.languages[0] : NULL, &a);
		assert_components(&a, "x86");
		assert_x(&a, OOBE "/" INTL "/u:InputLocale", "0409:00000409");
		answer_free(&a);
		wr_windows_release(&w);
	}
	assert_int_equal(mkimg_rmrf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_japanese_pc),
		cmocka_unit_test(test_architectures),
		cmocka_unit_test(test_nothing_known),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_hostile_computer_names),
		cmocka_unit_test(test_hostile_time_zones),
		cmocka_unit_test(test_locales_and_keyboards),
		cmocka_unit_test(test_unterminated_fields),
		cmocka_unit_test(test_image_languages),
		cmocka_unit_test(test_real_system_hives),
	};
	const char *td = getenv("WINRESCUE_TESTDATA");
	char probe[1024];

	snprintf(probe, sizeof(probe), "%s/hives/regipy_SYSTEM_2.xz",
		 td && *td ? td : "../shared/testdata");
	if (access(probe, R_OK)) {
		printf("test data %s missing; set WINRESCUE_TESTDATA\n", probe);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
