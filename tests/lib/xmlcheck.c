/*
 * xmlcheck.c - check XML and HTML documents in unit tests with libxml2.  See
 * xmlcheck.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "xmlcheck.h"

static int *parse_errors;

static void count_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(*parse_errors)++;
	fprintf(stderr, "parser: line %d: %s", e ? e->line : 0,
		e && e->message ? e->message : "?\n");
}

xmlDoc *xmlcheck_parse(const char *buf, size_t len, const char *name, const char *encoding,
		       int html, int *errors)
{
	xmlDoc *doc;

	*errors = 0;
	parse_errors = errors;
	xmlSetStructuredErrorFunc(NULL, count_error);
	if (html)
		doc = htmlReadMemory(buf, (int)len, name, encoding, HTML_PARSE_NONET);
	else
		doc = xmlReadMemory(buf, (int)len, name, encoding, XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	parse_errors = NULL;
	return doc;
}

char *xmlcheck_string(xmlDoc *doc, const char *expr, const char *ns_prefix,
		      const char *ns_uri)
{
	xmlXPathContext *c = xmlXPathNewContext(doc);
	xmlXPathObject *o;
	char *s;

	assert_non_null(c);
	if (ns_prefix)
		assert_int_equal(xmlXPathRegisterNs(c, BAD_CAST ns_prefix, BAD_CAST ns_uri), 0);
	o = xmlXPathEvalExpression(BAD_CAST expr, c);
	if (!o)
		fail_msg("bad XPath %s", expr);
	s = (char *)xmlXPathCastToString(o);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(c);
	return s;
}

int xmlcheck_count(xmlDoc *doc, const char *expr, const char *ns_prefix, const char *ns_uri)
{
	char q[512];
	char *s;
	int n;

	snprintf(q, sizeof(q), "count(%s)", expr);
	s = xmlcheck_string(doc, q, ns_prefix, ns_uri);
	n = atoi(s);
	xmlFree(s);
	return n;
}

void xmlcheck_assert_string(xmlDoc *doc, const char *expr, const char *ns_prefix,
			    const char *ns_uri, const char *want)
{
	char *s = xmlcheck_string(doc, expr, ns_prefix, ns_uri);

	if (strcmp(s, want))
		fail_msg("%s = '%s', want '%s'", expr, s, want);
	xmlFree(s);
}
