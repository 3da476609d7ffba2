/*
 * test_report.c - "Removed Apps.html": the page is parsed back with libxml2's HTML
 * parser (errors reported, and there must be none) and with its XML parser (the page
 * is also well-formed XML), and every claim is checked on the parsed tree: the rows,
 * their order, the escaping of hostile names, which links are clickable, the lang
 * attribute, Japanese and Russian text byte for byte.  The last test builds the page
 * from the apps of a real Windows 10 user hive (../shared/testdata).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "mkimg.h"
#include "winrescue.h"
#include "xmlcheck.h"

#define UNINSTALL "Microsoft\\Windows\\CurrentVersion\\Uninstall"

/* The page, parsed both ways; both parsers must report nothing. */
struct page {
	char *buf;
	size_t len;
	xmlDoc *xml;
	xmlDoc *html;
};

static void page_parse(struct page *p)
{
	int errors;

	p->xml = xmlcheck_parse(p->buf, p->len, "Removed Apps.html", "UTF-8", 0, &errors);
	assert_non_null(p->xml);
	assert_int_equal(errors, 0);
	p->html = xmlcheck_parse(p->buf, p->len, "Removed Apps.html", "UTF-8", 1, &errors);
	assert_non_null(p->html);
	assert_int_equal(errors, 0);
}

static void make_page(const struct wr_app_list *l, const struct wr_report_params *prm,
		      struct page *p)
{
	struct wr_detail d = WR_DETAIL_INIT;

	memset(p, 0, sizeof(*p));
	assert_int_equal(wr_report_removed_apps(l, prm, &p->buf, &p->len, &d), WR_OK);
	assert_non_null(p->buf);
	assert_int_equal(strlen(p->buf), p->len);
	page_parse(p);
}

static void page_free(struct page *p)
{
	xmlFreeDoc(p->xml);
	xmlFreeDoc(p->html);
	free(p->buf);
}

/* The same string in both parses. */
static void assert_both(struct page *p, const char *expr, const char *want)
{
	xmlcheck_assert_string(p->xml, expr, NULL, NULL, want);
	xmlcheck_assert_string(p->html, expr, NULL, NULL, want);
}

static void assert_count(struct page *p, const char *expr, int want)
{
	assert_int_equal(xmlcheck_count(p->xml, expr, NULL, NULL), want);
	assert_int_equal(xmlcheck_count(p->html, expr, NULL, NULL), want);
}

/* Every href on the page is http:// or https://, and every <a> has the rel. */
static void assert_hrefs_web_only(struct page *p)
{
	xmlDoc *docs[2] = { p->xml, p->html };

	for (int k = 0; k < 2; k++) {
		int n = xmlcheck_count(docs[k], "//a", NULL, NULL);

		assert_int_equal(xmlcheck_count(docs[k], "//@href", NULL, NULL), n);
		assert_int_equal(
		    xmlcheck_count(docs[k], "//a[@rel='noopener noreferrer']", NULL, NULL), n);
		assert_int_equal(
		    xmlcheck_count(docs[k],
				   "//@src | //script | //iframe | //object | "
				   "//embed | //form | //@*[starts-with(name(), 'on')]",
				   NULL, NULL),
		    0);
		for (int i = 1; i <= n; i++) {
			char q[64];
			char *h;

			snprintf(q, sizeof(q), "string((//a)[%d]/@href)", i);
			h = xmlcheck_string(docs[k], q, NULL, NULL);
			assert_true(!strncasecmp(h, "http://", 7) || !strncasecmp(h, "https://", 8));
			xmlFree(h);
		}
	}
}

static struct wr_app app(const char *name, const char *version, const char *publisher,
			 const char *link, const char *user)
{
	struct wr_app a = { 0 };

	a.key = (char *)"k";
	a.name = (char *)name;
	a.version = (char *)version;
	a.publisher = (char *)publisher;
	a.link = (char *)link;
	a.user = (char *)user;
	a.bits = 64;
	return a;
}

/* ---- the document ------------------------------------------------------------ */

static void test_document(void **state)
{
	(void)state;
	struct wr_app v[] = {
		app("Mozilla Firefox (x64 ja)", "120.0", "Mozilla", "https://www.mozilla.org", NULL),
		app("7-Zip 23.01 (x64)", "23.01", "Igor Pavlov", "http://www.7-zip.org/", NULL),
		app("Notepad++", NULL, NULL, NULL, NULL),
	};
	struct wr_app_list l = { 3, v };
	struct wr_report_params prm = { .lang = "en", .user = "Alice", .date = "25 Nov 2026" };
	struct wr_report_texts en;
	struct page p;

	wr_report_texts_init(&en);
	make_page(&l, &prm, &p);
	assert_memory_equal(p.buf, "<!DOCTYPE html>\n<html lang=\"en\">", 32);
	assert_both(&p, "/html/@lang", "en");
	assert_both(&p, "//meta/@charset", "utf-8");
	assert_both(&p, "/html/head/title", en.title);
	assert_both(&p, "/html/body/h1", en.title);
	assert_both(&p, "/html/body/p[1]", en.intro);
	assert_both(&p, "/html/body/p[2]", "This list was made for Alice on 25 Nov 2026.");
	assert_count(&p, "//table", 1);
	assert_count(&p, "//thead/tr/th", 4);
	assert_both(&p, "//thead/tr/th[1]", "Name");
	assert_both(&p, "//thead/tr/th[2]", "Version");
	assert_both(&p, "//thead/tr/th[3]", "Publisher");
	assert_both(&p, "//thead/tr/th[4]", "Website");
	assert_count(&p, "//tbody/tr", 3);
	assert_count(&p, "//tbody/tr/td", 12);
	/* Sorted by name: 7-Zip, Mozilla, Notepad++. */
	assert_both(&p, "//tbody/tr[1]/td[1]", "7-Zip 23.01 (x64)");
	assert_both(&p, "//tbody/tr[1]/td[2]", "23.01");
	assert_both(&p, "//tbody/tr[1]/td[3]", "Igor Pavlov");
	assert_both(&p, "//tbody/tr[1]/td[4]/a/@href", "http://www.7-zip.org/");
	assert_both(&p, "//tbody/tr[1]/td[4]/a", "http://www.7-zip.org/");
	assert_both(&p, "//tbody/tr[2]/td[1]", "Mozilla Firefox (x64 ja)");
	assert_both(&p, "//tbody/tr[2]/td[4]/a/@href", "https://www.mozilla.org");
	assert_both(&p, "//tbody/tr[3]/td[1]", "Notepad++");
	assert_both(&p, "//tbody/tr[3]/td[2]", "");
	assert_both(&p, "//tbody/tr[3]/td[4]", "");
	assert_count(&p, "//a", 2);
	assert_hrefs_web_only(&p);
	page_free(&p);

	/* Without a date (or user) the "made for" sentence is left out. */
	prm.date = NULL;
	make_page(&l, &prm, &p);
	assert_count(&p, "/html/body/p", 1);
	page_free(&p);
}

/* The checks above would catch a broken page: both parsers do report errors. */
static void test_parsers_report_errors(void **state)
{
	(void)state;
	static const char bad_html[] = "<!DOCTYPE html><html><body><p>a</b><x y=\"1\" y=\"2\">"
				       "</body></html>";
	static const char bad_xml[] = "<!DOCTYPE html><html><p>a & b</p></html>";
	xmlDoc *doc;
	int errors;

	doc = xmlcheck_parse(bad_html, strlen(bad_html), "x.html", "UTF-8", 1, &errors);
	xmlFreeDoc(doc);
	assert_true(errors > 0);
	doc = xmlcheck_parse(bad_xml, strlen(bad_xml), "x.html", "UTF-8", 0, &errors);
	xmlFreeDoc(doc);
	assert_true(errors > 0);
}

static void test_empty_list(void **state)
{
	(void)state;
	struct wr_app_list l = { 0, NULL };
	struct wr_report_texts en;
	struct page p;

	wr_report_texts_init(&en);
	make_page(&l, NULL, &p);
	assert_both(&p, "/html/@lang", "en");
	assert_count(&p, "//table", 0);
	assert_count(&p, "//tr", 0);
	assert_both(&p, "/html/body/p[2]", en.none);
	assert_both(&p, "/html/body/p[2]", "No desktop apps were removed.");
	page_free(&p);
}

/* ---- escaping ---------------------------------------------------------------- */

static void test_hostile_strings_escaped(void **state)
{
	(void)state;
	const char *name = "<script>alert(1)</script> & \"Co\"";
	const char *pub = "O'Brien & Sons <b>bold</b>";
	const char *ver = "1.0\"><img src=x onerror=alert(1)>";
	struct wr_app v[] = { app(name, ver, pub, "http://x.example/\"onmouseover=\"alert(1)",
				  NULL) };
	struct wr_app_list l = { 1, v };
	struct wr_report_texts t;
	struct wr_report_params prm = { .lang = "en", .texts = &t, .user = "<i>me</i>",
					.date = "&amp;" };
	struct page p;

	/* The texts are escaped as well: a bad translation cannot inject markup. */
	wr_report_texts_init(&t);
	t.title = "Apps </title><script>x</script>";
	make_page(&l, &prm, &p);
	/* The raw strings never occur in the output... */
	assert_null(strstr(p.buf, name));
	assert_null(strstr(p.buf, "<script"));
	assert_null(strstr(p.buf, "<b>"));
	assert_null(strstr(p.buf, "<img"));
	assert_null(strstr(p.buf, "<i>"));
	assert_null(strstr(p.buf, "onmouseover=\""));
	/* ...but each reads back exactly. */
	assert_both(&p, "//tbody/tr[1]/td[1]", name);
	assert_both(&p, "//tbody/tr[1]/td[2]", ver);
	assert_both(&p, "//tbody/tr[1]/td[3]", pub);
	assert_both(&p, "/html/head/title", t.title);
	assert_both(&p, "/html/body/p[2]", "This list was made for <i>me</i> on &amp;.");
	assert_count(&p, "//script | //img | //b | //i", 0);
	/* A link with a quote in it is not clickable; it is shown as text. */
	assert_count(&p, "//a", 0);
	assert_both(&p, "//tbody/tr[1]/td[4]", "http://x.example/\"onmouseover=\"alert(1)");
	assert_hrefs_web_only(&p);
	page_free(&p);
}

static void test_controls_and_invalid_utf8(void **state)
{
	(void)state;
	/* C0 \x01, DEL, C1 U+0085, invalid bytes \xff \xfe, RLO U+202E, a tab, an
	 * overlong '/', a UTF-16 surrogate, a noncharacter U+FFFE, a BOM. */
	const char *name = "A\x01" "B\x7f" "\xc2\x85" "C\xff\xfe" "D\xe2\x80\xae" "E\tF"
			   "\xc0\xaf" "G\xed\xa0\x80" "H\xef\xbf\xbe" "I\xef\xbb\xbf" "J";
	const char *want = "ABC\xef\xbf\xbd\xef\xbf\xbd" "DE F\xef\xbf\xbd\xef\xbf\xbd"
			   "G\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "HIJ";
	struct wr_app v[] = { app(name, "\r\n2.0\n", "\xe2\x80\x8fPub", NULL, NULL) };
	struct wr_app_list l = { 1, v };
	struct page p;

	make_page(&l, NULL, &p);
	assert_both(&p, "//tbody/tr[1]/td[1]", want);
	assert_both(&p, "//tbody/tr[1]/td[2]", "  2.0 ");
	/* U+200F (a mark, not an override) is kept. */
	assert_both(&p, "//tbody/tr[1]/td[3]", "\xe2\x80\x8fPub");
	/* No control byte anywhere but the page's own newlines. */
	for (size_t i = 0; i < p.len; i++)
		assert_true((unsigned char)p.buf[i] >= 0x20 || p.buf[i] == '\n');
	page_free(&p);
}

static void test_long_fields_cut(void **state)
{
	(void)state;
	size_t big = 10 * 1024;
	char *name = malloc(big + 1), *pub = malloc(big * 2 + 1), *want;
	struct wr_app v[1];
	struct wr_app_list l = { 1, v };
	struct page p;
	char *got;

	assert_non_null(name);
	assert_non_null(pub);
	memset(name, 'N', big);
	name[big] = '\0';
	/* 10 240 Cyrillic letters (2 bytes each). */
	for (size_t i = 0; i < big; i++)
		memcpy(pub + 2 * i, "\xd0\x96", 2);
	pub[2 * big] = '\0';
	v[0] = app(name, NULL, pub, NULL, NULL);
	make_page(&l, NULL, &p);
	want = malloc(WR_REPORT_FIELD_MAX * 2 + 4);
	assert_non_null(want);
	memset(want, 'N', WR_REPORT_FIELD_MAX);
	memcpy(want + WR_REPORT_FIELD_MAX, "\xe2\x80\xa6", 4);
	assert_both(&p, "//tbody/tr[1]/td[1]", want);
	got = xmlcheck_string(p.xml, "string(//tbody/tr[1]/td[3])", NULL, NULL);
	assert_int_equal(strlen(got), WR_REPORT_FIELD_MAX * 2 + 3);
	assert_memory_equal(got, pub, WR_REPORT_FIELD_MAX * 2);
	assert_string_equal(got + WR_REPORT_FIELD_MAX * 2, "\xe2\x80\xa6");
	xmlFree(got);
	page_free(&p);
	free(want);
	free(name);
	free(pub);
}

/* ---- links ------------------------------------------------------------------- */

static void test_links(void **state)
{
	(void)state;
	static const struct {
		const char *link;
		const char *href;	/* NULL: must not be clickable */
	} cases[] = {
		{ "http://www.example.com/", "http://www.example.com/" },
		{ "https://example.com/support?a=1&b=2", "https://example.com/support?a=1&b=2" },
		{ "HTTPS://EXAMPLE.COM", "HTTPS://EXAMPLE.COM" },
		{ "HtTp://example.com", "HtTp://example.com" },
		{ "  https://example.com/x  ", "https://example.com/x" },
		{ "www.example.com", "http://www.example.com" },
		{ "https://пример.рф/путь", "https://пример.рф/путь" },
		{ "http://[2001:db8::1]/", "http://[2001:db8::1]/" },
		{ "javascript:alert(1)", NULL },
		{ "JAVASCRIPT:alert(1)", NULL },
		{ "JaVaScRiPt:alert(1)", NULL },
		{ "\tjavascript:alert(1)", NULL },
		{ " javascript:alert(1)", NULL },
		{ "java\tscript:alert(1)", NULL },
		{ "java\nscript:alert(1)", NULL },
		{ "java\x01script:alert(1)", NULL },
		{ "\x01javascript:alert(1)", NULL },
		{ "javascript:http://x.com", NULL },
		{ "data:text/html,<script>alert(1)</script>", NULL },
		{ "DATA:text/html;base64,PHNjcmlwdD4=", NULL },
		{ "vbscript:msgbox(1)", NULL },
		{ "//evil.example/", NULL },
		{ "\\\\evil\\share", NULL },
		{ "file:///C:/Windows/", NULL },
		{ "ftp://example.com/", NULL },
		{ "http:example.com", NULL },
		{ "http:/example.com", NULL },
		{ "https:\\\\evil.example", NULL },
		{ "http:///evil.example", NULL },
		{ "http://\\evil.example", NULL },
		{ "http://@evil.example", NULL },
		{ "http://", NULL },
		{ "http://a b.example", NULL },
		{ "http://example.com/\"><script>", NULL },
		{ "http://example.com/<x>", NULL },
		{ "http://example.com/\x7f", NULL },
		{ "http://exa\xe2\x80\xaemple.com", NULL },	/* RLO */
		{ "http://exa\xc2\xa0mple.com", NULL },		/* NBSP */
		{ "http://exa\xe2\x80\x8bmple.com", NULL },	/* zero-width space */
		{ "http://exa\xffmple.com", NULL },		/* invalid UTF-8 */
		{ "http://example.com/\xc2\x85", NULL },	/* C1 */
		{ "wwwexample.com", NULL },
		{ "", NULL },
		{ "   ", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wr_app v[] = { app("App", "1", "Pub", cases[i].link, NULL) };
		struct wr_app_list l = { 1, v };
		struct page p;
		char *href = (char *)"unset";
		bool safe = wr_report_safe_link(cases[i].link, &href);

		if (cases[i].href) {
			if (!safe)
				fail_msg("'%s' should be clickable", cases[i].link);
			assert_string_equal(href, cases[i].href);
			free(href);
		} else {
			if (safe)
				fail_msg("'%s' must not be clickable", cases[i].link);
			assert_null(href);
		}
		make_page(&l, NULL, &p);
		assert_hrefs_web_only(&p);
		if (cases[i].href) {
			assert_count(&p, "//a", 1);
			assert_both(&p, "//tbody/tr[1]/td[4]/a/@href", cases[i].href);
			assert_both(&p, "//tbody/tr[1]/td[4]/a/@rel", "noopener noreferrer");
		} else {
			assert_count(&p, "//a", 0);
			assert_count(&p, "//@href", 0);
			/* Shown as text (controls dropped, tabs and newlines as spaces). */
			if (strspn(cases[i].link, " ") < strlen(cases[i].link) &&
			    !strchr(cases[i].link, '\x01') && !strchr(cases[i].link, '\x7f') &&
			    !strstr(cases[i].link, "\xe2\x80\xae") &&
			    !strstr(cases[i].link, "\xc2\x85") && !strchr(cases[i].link, '\xff') &&
			    !strpbrk(cases[i].link, "\t\n")) {
				assert_both(&p, "//tbody/tr[1]/td[4]", cases[i].link);
			}
		}
		/* Whatever the link, no "javascript:" / "data:" ever inside an href. */
		assert_count(&p, "//@href[contains(translate(., 'JAVSCRIPTD', 'javscriptd'), "
				 "'javascript') or starts-with(translate(., 'DAT', 'dat'), 'data')]",
			     0);
		page_free(&p);
	}
	assert_false(wr_report_safe_link(NULL, NULL));
	assert_true(wr_report_safe_link("https://example.com", NULL));
}

/* ---- languages ---------------------------------------------------------------- */

static void test_japanese_and_russian(void **state)
{
	(void)state;
	const char *ja_name = "\xe3\x82\xb8\xe3\x83\xa3\xe3\x82\xb9\xe3\x83\x88\xe3\x82\xb7\xe3"
			      "\x82\xb9\xe3\x83\x86\xe3\x83\xa0 \xe4\xb8\x80\xe5\xa4\xaa\xe9\x83"
			      "\x8e 2024";	/* ジャストシステム 一太郎 2024 */
	const char *ja_pub = "\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe\xe3\x82\xb8\xe3"
			     "\x83\xa3\xe3\x82\xb9\xe3\x83\x88\xe3\x82\xb7\xe3\x82\xb9\xe3\x83\x86"
			     "\xe3\x83\xa0";	/* 株式会社ジャストシステム */
	const char *ru_name = "Антивирус Касперского «Ёж» 2024";
	const char *ru_pub = "АО «Лаборатория Касперского»";
	struct wr_app v[] = {
		app(ja_name, "34.0", ja_pub, "https://www.justsystems.com/jp/", NULL),
		app(ru_name, "21.3", ru_pub, "https://www.kaspersky.ru/", NULL),
	};
	struct wr_app_list l = { 2, v };
	struct wr_report_texts ja = {
		.title = "削除されたアプリ",
		.intro = "PC のリフレッシュで次のアプリが削除されました。",
		.made_for = "この一覧は %2$s に %1$s さんのために作成されました。",
		.col_name = "名前", .col_version = "バージョン", .col_publisher = "発行元",
		.col_link = "Web サイト", .none = "削除されたデスクトップ アプリはありません。",
	};
	struct wr_report_params prm = { .lang = "ja", .user = "太郎", .date = "2026/11/25",
					.texts = &ja };
	struct page p;

	make_page(&l, &prm, &p);
	assert_both(&p, "/html/@lang", "ja");
	/* Byte-exact in the raw output and after parsing. */
	assert_non_null(strstr(p.buf, ja_name));
	assert_non_null(strstr(p.buf, ja_pub));
	assert_non_null(strstr(p.buf, ru_name));
	assert_both(&p, "/html/head/title", "削除されたアプリ");
	assert_both(&p, "//thead/tr/th[4]", "Web サイト");
	assert_both(&p, "/html/body/p[2]", "この一覧は 2026/11/25 に 太郎 さんのために作成されました。");
	/* Bytes order: Cyrillic (D0..D1) before Japanese (E3..). */
	assert_both(&p, "//tbody/tr[1]/td[1]", ru_name);
	assert_both(&p, "//tbody/tr[1]/td[3]", ru_pub);
	assert_both(&p, "//tbody/tr[2]/td[1]", ja_name);
	assert_both(&p, "//tbody/tr[2]/td[3]", ja_pub);
	page_free(&p);

	/* Russian texts; a missing member falls back to English. */
	struct wr_report_texts ru = { .title = "Удалённые приложения",
				      .made_for = "Список составлен для пользователя %1$s (%2$s)." };
	prm.lang = "ru";
	prm.texts = &ru;
	prm.user = "Пётр";
	prm.date = "25.11.2026";
	make_page(&l, &prm, &p);
	assert_both(&p, "/html/@lang", "ru");
	assert_both(&p, "/html/body/h1", "Удалённые приложения");
	assert_both(&p, "/html/body/p[2]", "Список составлен для пользователя Пётр (25.11.2026).");
	assert_both(&p, "//thead/tr/th[1]", "Name");
	page_free(&p);
}

static void test_lang_attribute(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "en", "en" }, { "ja", "ja" }, { "ru", "ru" }, { "ja-JP", "ja-JP" },
		{ "sr-Latn-RS", "sr-Latn-RS" }, { NULL, "en" }, { "", "en" },
		{ "ja\"><script>", "en" }, { "j", "en" }, { "ja_JP", "en" }, { "ja-", "en" },
		{ "-ja", "en" }, { "1a", "en" }, { "ja JP", "en" },
		{ "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop", "en" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wr_app_list l = { 0, NULL };
		struct wr_report_params prm = { .lang = cases[i].in };
		struct page p;

		make_page(&l, &prm, &p);
		assert_both(&p, "/html/@lang", cases[i].want);
		page_free(&p);
	}
}

static void test_made_for_template(void **state)
{
	(void)state;
	static const struct {
		const char *tmpl, *want;
	} cases[] = {
		{ "%1$s/%2$s", "U/D" },
		{ "%2$s %1$s %2$s", "D U D" },
		{ "100%% %1$s", "100% U" },
		{ "%s %d %n %1$d %3$s", "%s %d %n %1$d %3$s" },
		{ "end %1$", "end %1$" },
		{ "%", "%" },
		{ "no placeholders", "no placeholders" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wr_report_texts t = { .made_for = cases[i].tmpl };
		struct wr_app_list l = { 0, NULL };
		struct wr_report_params prm = { .user = "U", .date = "D", .texts = &t };
		struct page p;

		make_page(&l, &prm, &p);
		assert_both(&p, "/html/body/p[2]", cases[i].want);
		page_free(&p);
	}
}

/* ---- order and selection ------------------------------------------------------ */

static void test_sort_locale_independent_and_stable(void **state)
{
	(void)state;
	struct wr_app v[] = {
		app("beta", "1", NULL, NULL, NULL),
		app("日本", NULL, NULL, NULL, NULL),
		app("alpha", NULL, NULL, NULL, NULL),
		app("Zeta", NULL, NULL, NULL, NULL),
		app("Ärger", NULL, NULL, NULL, NULL),
		app("Alpha", NULL, NULL, NULL, NULL),
		app("ябло", NULL, NULL, NULL, NULL),
		app("beta", "2", NULL, NULL, NULL),
		app("", NULL, NULL, NULL, NULL),	/* no DisplayName: the key name */
		app("beta", "3", NULL, NULL, NULL),
	};
	const char *want[][2] = {
		{ "Alpha", "" }, { "alpha", "" }, { "beta", "1" }, { "beta", "2" },
		{ "beta", "3" }, { "k", "" }, { "Zeta", "" }, { "Ärger", "" }, { "ябло", "" },
		{ "日本", "" },
	};
	struct wr_app_list l = { 10, v };
	const char *locales[] = { "C", "C.UTF-8" };
	char *first = NULL;

	for (size_t k = 0; k < 2; k++) {
		struct page p;

		setlocale(LC_ALL, locales[k]);
		make_page(&l, NULL, &p);
		assert_count(&p, "//tbody/tr", 10);
		for (int i = 0; i < 10; i++) {
			char q[64];

			snprintf(q, sizeof(q), "//tbody/tr[%d]/td[1]", i + 1);
			assert_both(&p, q, want[i][0]);
			snprintf(q, sizeof(q), "//tbody/tr[%d]/td[2]", i + 1);
			assert_both(&p, q, want[i][1]);
		}
		/* The same bytes in every locale. */
		if (first)
			assert_string_equal(first, p.buf);
		else
			first = strdup(p.buf);
		page_free(&p);
	}
	setlocale(LC_ALL, "C");
	free(first);
}

static void test_apps_of_one_user(void **state)
{
	(void)state;
	struct wr_app v[] = {
		app("Machine App", NULL, NULL, NULL, NULL),
		app("Alice App", NULL, NULL, NULL, "alice"),
		app("Bob App", NULL, NULL, NULL, "bob"),
		app("Alice Two", NULL, NULL, NULL, "alice"),
		app("Case App", NULL, NULL, NULL, "Alice"),
	};
	struct wr_app_list l = { 5, v };
	struct wr_report_params prm = { .apps_of = "alice" };
	struct page p;

	make_page(&l, &prm, &p);
	assert_count(&p, "//tbody/tr", 3);
	assert_both(&p, "//tbody/tr[1]/td[1]", "Alice App");
	assert_both(&p, "//tbody/tr[2]/td[1]", "Alice Two");
	assert_both(&p, "//tbody/tr[3]/td[1]", "Machine App");
	assert_null(strstr(p.buf, "Bob App"));
	page_free(&p);

	/* NULL lists everyone's. */
	prm.apps_of = NULL;
	make_page(&l, &prm, &p);
	assert_count(&p, "//tbody/tr", 5);
	page_free(&p);

	/* A user with no own apps still gets the machine-wide ones. */
	prm.apps_of = "carol";
	make_page(&l, &prm, &p);
	assert_count(&p, "//tbody/tr", 1);
	page_free(&p);
}

static void test_invalid_arguments(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_app_list l = { 0, NULL }, bad = { 2, NULL };
	char *out = (char *)"x";
	size_t len = 7;

	assert_int_equal(wr_report_removed_apps(NULL, NULL, &out, &len, &d), WR_ERR_INVALID_ARG);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(wr_report_removed_apps(&l, NULL, NULL, &len, &d), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_report_removed_apps(&bad, NULL, &out, &len, &d), WR_ERR_INVALID_ARG);
	assert_null(out);
	/* out_len may be NULL. */
	assert_int_equal(wr_report_removed_apps(&l, NULL, &out, NULL, &d), WR_OK);
	assert_non_null(out);
	free(out);
}

/* ---- real data ---------------------------------------------------------------- */

/* The five per-user apps of a real Windows 10 user (regipy's ntuser_software_partial,
 * root key "Software"), read by the apps module, then put on the page. */
static void test_real_user_hive(void **state)
{
	(void)state;
	const char *td = getenv("WINRESCUE_TESTDATA");
	char dir[256], src[1024], hive[512];
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_app_list l = { 0 };
	struct wr_hive *h = NULL;
	struct wr_report_params prm = { .lang = "en", .apps_of = "vibranium" };
	struct page p;
	int links = 0;

	snprintf(src, sizeof(src), "%s/hives/regipy_ntuser_software_partial.xz",
		 td && *td ? td : "../shared/testdata");
	assert_int_equal(mkimg_tmpdir(dir, sizeof(dir)), 0);
	snprintf(hive, sizeof(hive), "%s/software", dir);
	assert_int_equal(mkimg_decompress(src, hive), 0);
	assert_int_equal(wr_hive_open(hive, false, &h, &d), WR_OK);
	assert_int_equal(wr_apps_from_hive(h, UNINSTALL, "vibranium", 64, &l, &d), WR_OK);
	wr_hive_close(h);
	assert_true(l.n >= 4);

	make_page(&l, &prm, &p);
	assert_count(&p, "//tbody/tr", (int)l.n);
	for (size_t i = 0; i < l.n; i++) {
		char q[128];
		int found = 0;

		/* Each app is on the page exactly once, under its own name... */
		for (size_t r = 1; r <= l.n; r++) {
			char *s;

			snprintf(q, sizeof(q), "string(//tbody/tr[%zu]/td[1])", r);
			s = xmlcheck_string(p.xml, q, NULL, NULL);
			if (!strcmp(s, l.v[i].name)) {
				found++;
				/* ...with its publisher and, when it has a web link, the link. */
				snprintf(q, sizeof(q), "//tbody/tr[%zu]/td[3]", r);
				assert_both(&p, q, l.v[i].publisher ? l.v[i].publisher : "");
				if (l.v[i].link && wr_report_safe_link(l.v[i].link, NULL)) {
					snprintf(q, sizeof(q), "//tbody/tr[%zu]/td[4]/a", r);
					assert_int_equal(xmlcheck_count(p.xml, q, NULL, NULL), 1);
					links++;
				}
			}
			xmlFree(s);
		}
		assert_int_equal(found, 1);
	}
	/* The hive has at least one URLInfoAbout (see testdata/README.md). */
	assert_true(links >= 1);
	assert_int_equal(xmlcheck_count(p.xml, "//a", NULL, NULL), links);
	assert_hrefs_web_only(&p);
	page_free(&p);
	wr_app_list_release(&l);
	assert_int_equal(mkimg_rmrf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers_report_errors),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_hostile_strings_escaped),
		cmocka_unit_test(test_controls_and_invalid_utf8),
		cmocka_unit_test(test_long_fields_cut),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_japanese_and_russian),
		cmocka_unit_test(test_lang_attribute),
		cmocka_unit_test(test_made_for_template),
		cmocka_unit_test(test_sort_locale_independent_and_stable),
		cmocka_unit_test(test_apps_of_one_user),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_real_user_hive),
	};
	const char *td = getenv("WINRESCUE_TESTDATA");
	char probe[1024];

	snprintf(probe, sizeof(probe), "%s/hives/regipy_ntuser_software_partial.xz",
		 td && *td ? td : "../shared/testdata");
	if (access(probe, R_OK)) {
		printf("test data %s missing; set WINRESCUE_TESTDATA\n", probe);
		return 77;
	}
	setlocale(LC_ALL, "C");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
