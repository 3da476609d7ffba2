/*
 * fuzz_unattend.c - libFuzzer harness for the answer-file writer.
 *
 * The first byte picks the architecture; the rest is cut at NUL bytes into
 * default_language, keyboard, time_zone, computer_name and image_languages.  A field
 * longer than its array is copied without a terminating NUL (the writer must treat it
 * as invalid and not read past it).  Whatever they hold, the answer file must parse as
 * XML without errors, hold exactly the elements the returned bits say, and each value
 * must pass its check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int errors;

static void on_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
	errors++;
}

/* Copy a field into a fixed array, unterminated when it does not fit. */
static void put(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	memset(dst, 0, cap);
	memcpy(dst, src, n < cap ? n : cap);
}

static unsigned seen;

static void check(xmlNode *n)
{
	static const struct {
		const char *name;
		unsigned bit;
		bool (*valid)(const char *);
	} known[] = {
		{ "InputLocale", WR_UNATTEND_INPUT_LOCALE, wr_unattend_valid_input_locale },
		{ "SystemLocale", WR_UNATTEND_SYSTEM_LOCALE, wr_unattend_valid_locale },
		{ "UILanguage", WR_UNATTEND_UI_LANGUAGE, wr_unattend_valid_locale },
		{ "UserLocale", WR_UNATTEND_USER_LOCALE, wr_unattend_valid_locale },
		{ "ComputerName", WR_UNATTEND_COMPUTER_NAME, wr_unattend_valid_computer_name },
		{ "TimeZone", WR_UNATTEND_TIME_ZONE, wr_unattend_valid_time_zone },
	};

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, "settings") ||
		    !strcmp((const char *)n->name, "component")) {
			check(n->children);
			continue;
		}
		size_t i;

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp((const char *)n->name, known[i].name))
				break;
		if (i == sizeof(known) / sizeof(known[0]) || (seen & known[i].bit))
			abort();
		seen |= known[i].bit;
		xmlChar *v = xmlNodeGetContent(n);

		if (!v || !known[i].valid((const char *)v))
			abort();
		xmlFree(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum wr_arch arches[] = { WR_ARCH_UNKNOWN, WR_ARCH_X86, WR_ARCH_X64,
					       WR_ARCH_ARM, WR_ARCH_ARM64, (enum wr_arch)3 };
	struct wr_windows *w;
	struct wr_detail d = WR_DETAIL_INIT;
	char *copy, *f[5] = { (char *)"", (char *)"", (char *)"", (char *)"", (char *)"" };
	char *out = NULL;
	size_t len = 0, nf = 0;
	unsigned written = 0;
	enum wr_arch arch;
	xmlDoc *doc;
	xmlNode *root;
	int ret;

	if (size < 1)
		return 0;
	arch = arches[data[0] % 6];
	copy = malloc(size);
	w = calloc(1, sizeof(*w));
	if (!copy || !w)
		goto out;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (char *s = copy; nf < 5;) {
		f[nf++] = s;
		s += strlen(s);
		if (s >= copy + size - 1)
			break;
		s++;
	}
	put(w->default_language, sizeof(w->default_language), f[0]);
	put(w->keyboard, sizeof(w->keyboard), f[1]);
	put(w->time_zone, sizeof(w->time_zone), f[2]);
	put(w->computer_name, sizeof(w->computer_name), f[3]);
	w->arch = arches[(data[0] / 6) % 6];

	ret = wr_unattend_build(w, arch, f[4][0] ? f[4] : NULL, &out, &len, &written, &d);
	if (ret == WR_ERR_UNSUPPORTED) {
		if (out || wr_unattend_arch_name(arch == WR_ARCH_UNKNOWN ? w->arch : arch))
			abort();
		goto out;
	}
	if (ret != WR_OK || strlen(out) != len)
		abort();
	errors = 0;
	xmlSetStructuredErrorFunc(NULL, on_error);
	doc = xmlReadMemory(out, (int)len, "unattend.xml", NULL, XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc || errors)
		abort();
	root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "unattend") || !root->ns ||
	    strcmp((const char *)root->ns->href, "urn:schemas-microsoft-com:unattend"))
		abort();
	seen = 0;
	check(root->children);
	if (seen != written)
		abort();
	xmlFreeDoc(doc);
out:
	free(out);
	free(copy);
	free(w);
	return 0;
}
