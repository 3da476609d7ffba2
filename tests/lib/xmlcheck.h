/*
 * xmlcheck.h - check XML and HTML documents in unit tests with libxml2: parse them
 * counting every parser complaint, and ask XPath questions of the result.
 *
 * For cmocka tests: where a helper says it fails the test, it does so with cmocka's
 * assertions.  Strings are UTF-8; those returned are freed with xmlFree().
 */
#ifndef XMLCHECK_H
#define XMLCHECK_H

#include <stddef.h>

#include <libxml/tree.h>

/* Parse len bytes of buf as XML (html == 0) or as HTML (html != 0), never fetching
 * anything from the network.  name is the document's name in messages; encoding
 * (may be NULL: what the document says) is the one to read it in.  Every error or
 * warning of the parser is printed to stderr ("parser: line N: ...") and counted into
 * *errors.  Returns the document (xmlFreeDoc), or NULL when nothing could be built. */
xmlDoc *xmlcheck_parse(const char *buf, size_t len, const char *name, const char *encoding,
		       int html, int *errors);

/* XPath string(expr) on doc, freed with xmlFree().  ns_prefix and ns_uri (both NULL
 * for none) bind one namespace prefix for the expression.  Fails the test when expr
 * is not valid XPath. */
char *xmlcheck_string(xmlDoc *doc, const char *expr, const char *ns_prefix,
		      const char *ns_uri);

/* XPath count(expr) on doc, with an optional namespace prefix as for
 * xmlcheck_string(). */
int xmlcheck_count(xmlDoc *doc, const char *expr, const char *ns_prefix, const char *ns_uri);

/* Fail the test, saying "expr = 'got', want 'want'", unless string(expr) is want. */
void xmlcheck_assert_string(xmlDoc *doc, const char *expr, const char *ns_prefix,
			    const char *ns_uri, const char *want);

#endif
