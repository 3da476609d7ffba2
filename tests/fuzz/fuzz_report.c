/*
 * fuzz_report.c - libFuzzer harness for "Removed Apps.html".
 *
 * The input is cut at NUL bytes into fields: lang, user, date, the "made for"
 * template, apps_of, then five fields per app (name, version, publisher, link, user;
 * an empty version/publisher/link/user field is NULL).  Whatever they hold, the page
 * must parse with libxml2's XML and HTML parsers without a single error, contain only
 * the page's own elements and attributes in the expected numbers (so no '<' from the
 * input became markup), and link only to http:// or https:// addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS (5 + 5 * 64)

static int errors;

static void on_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
	errors++;
}

static const char *const elements[] = { "html", "head", "meta", "title", "style", "body",
					"h1", "p", "table", "thead", "tbody", "tr", "th",
					"td", "a" };
static const char *const attributes[] = { "lang", "charset", "name", "content", "scope",
					  "href", "rel" };

struct tally {
	size_t count[sizeof(elements) / sizeof(elements[0])];
	size_t lt;	/* '<' the serialised elements account for */
};

static size_t index_of(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return i;
	abort();	/* an element or attribute the page never writes */
}

static void walk(xmlNode *n, struct tally *t)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		size_t e = index_of(elements, sizeof(elements) / sizeof(elements[0]),
				    (const char *)n->name);

		t->count[e]++;
		/* <meta .../> is written self-closed, every other element in pairs. */
		t->lt += strcmp((const char *)n->name, "meta") ? 2 : 1;
		for (xmlAttr *a = n->properties; a; a = a->next) {
			index_of(attributes, sizeof(attributes) / sizeof(attributes[0]),
				 (const char *)a->name);
			if (!strcmp((const char *)a->name, "href")) {
				xmlChar *h = xmlNodeGetContent((xmlNode *)a);

				if (!h || (strncasecmp((char *)h, "http://", 7) &&
					   strncasecmp((char *)h, "https://", 8)) ||
				    !wr_report_safe_link((char *)h, NULL))
					abort();
				xmlFree(h);
			}
		}
		walk(n->children, t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *fields[MAX_FIELDS];
	size_t nf = 0, napps, rows = 0;
	struct wr_app apps[64];
	struct wr_app_list list;
	struct wr_report_texts texts;
	struct wr_report_params p = { 0 };
	struct wr_detail d = WR_DETAIL_INIT;
	struct tally t = { { 0 }, 0 };
	char *out = NULL;
	size_t len = 0, lt = 0;
	xmlDoc *doc;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *s = copy; nf < MAX_FIELDS;) {
		fields[nf++] = s;
		s += strlen(s);
		if (s == copy + size)
			break;
		s++;
	}
	while (nf < 5)
		fields[nf++] = (char *)"";

	wr_report_texts_init(&texts);
	texts.made_for = fields[3];
	p.lang = fields[0];
	p.user = fields[1];
	p.date = fields[2];
	p.apps_of = fields[4][0] ? fields[4] : NULL;
	p.texts = &texts;
	napps = (nf - 5 + 4) / 5;
	for (size_t i = 0; i < napps; i++) {
		char *f[5];

		for (size_t k = 0; k < 5; k++) {
			size_t j = 5 + 5 * i + k;

			f[k] = j < nf && fields[j][0] ? fields[j] : NULL;
		}
		apps[i].key = (char *)"key";
		apps[i].name = f[0];
		apps[i].version = f[1];
		apps[i].publisher = f[2];
		apps[i].link = f[3];
		apps[i].user = f[4];
		apps[i].bits = 64;
		if (!p.apps_of || !f[4] || !strcmp(f[4], p.apps_of))
			rows++;
	}
	list.n = napps;
	list.v = apps;

	if (wr_report_removed_apps(&list, &p, &out, &len, &d) != WR_OK)
		abort();
	if (strlen(out) != len)
		abort();

	errors = 0;
	xmlSetStructuredErrorFunc(NULL, on_error);
	doc = xmlReadMemory(out, (int)len, "r.html", "UTF-8", XML_PARSE_NONET);
	if (!doc || errors)
		abort();
	walk(xmlDocGetRootElement(doc), &t);
	xmlFreeDoc(doc);
	doc = htmlReadMemory(out, (int)len, "r.html", "UTF-8", HTML_PARSE_NONET);
	if (!doc || errors)
		abort();
	xmlFreeDoc(doc);
	xmlSetStructuredErrorFunc(NULL, NULL);

	/* The page's own structure, nothing more. */
	if (t.count[0] != 1 || t.count[1] != 1 || t.count[2] != 3 || t.count[3] != 1 ||
	    t.count[4] != 1 || t.count[5] != 1 || t.count[6] != 1)
		abort();
	if (t.count[11] != (rows ? rows + 1 : 0) || t.count[12] != (rows ? 4 : 0) ||
	    t.count[13] != 4 * rows || t.count[8] != (rows ? 1 : 0) || t.count[14] > rows)
		abort();
	/* Every '<' in the output is one of those tags (plus <!DOCTYPE html>): no '<'
	 * from the input went through unescaped. */
	for (size_t i = 0; i < len; i++)
		lt += out[i] == '<';
	if (lt != t.lt + 1)
		abort();
	free(out);
	free(copy);
	return 0;
}
