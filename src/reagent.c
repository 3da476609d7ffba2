/*
 * reagent.c - Windows\System32\Recovery\ReAgent.xml, read and (re)written with libxml2.
 *
 * ReAgent.xml is where Windows keeps its recovery configuration: where Windows RE
 * lives (WinreLocation), the factory image (version 1.0, Windows 8: OsInstallLocation;
 * version 2.0, Windows 8.1/10: PBRImageLocation) and the custom refresh image
 * (PBRCustomImageLocation).  Each location is an element with attributes
 *   path="\Recovery\WindowsRE" id="0" offset="1048576" guid="{...}" [index="1"]
 * where offset is the partition's byte offset on its disk and guid the disk GUID
 * (GPT) or zero, id the MBR disk signature.
 *
 * The file comes from a disk we do not trust: it is parsed without network access,
 * without loading a DTD and without substituting entities, and a document that has
 * a DOCTYPE at all is refused (Windows never writes one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "winrescue.h"
#include "intl.h"

#define ZERO_GUID "{00000000-0000-0000-0000-000000000000}"

/* The layout Windows 8.1 writes (reagentc /disable on a fresh system), used when an
 * installation has no ReAgent.xml yet. */
static const char blank_reagent[] =
    "<?xml version='1.0' encoding='utf-8'?>\n"
    "<WindowsRE version=\"2.0\">\n"
    "  <WinreBCD id=\"" ZERO_GUID "\"/>\n"
    "  <WinreLocation path=\"\" id=\"0\" offset=\"0\" guid=\"" ZERO_GUID "\"/>\n"
    "  <ImageLocation path=\"\" id=\"0\" offset=\"0\" guid=\"" ZERO_GUID "\"/>\n"
    "  <PBRImageLocation path=\"\" id=\"0\" offset=\"0\" guid=\"" ZERO_GUID "\" index=\"0\"/>\n"
    "  <PBRCustomImageLocation path=\"\" id=\"0\" offset=\"0\" guid=\"" ZERO_GUID
    "\" index=\"0\"/>\n"
    "  <InstallState state=\"0\"/>\n"
    "  <OsInstallAvailable state=\"0\"/>\n"
    "  <CustomImageAvailable state=\"0\"/>\n"
    "  <IsAutoRepairOn state=\"1\"/>\n"
    "  <WinREStaged state=\"0\"/>\n"
    "  <OperationParam path=\"\"/>\n"
    "  <OsBuildVersion path=\"\"/>\n"
    "  <OemTool state=\"0\"/>\n"
    "</WindowsRE>\n";

/* Parse untrusted bytes into a document whose root is WindowsRE. */
static int parse_doc(const void *buf, size_t len, xmlDoc **out, struct wr_detail *d)
{
	const int opts =
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
	xmlParserCtxt *ctxt = NULL;
	xmlDoc *doc = NULL;
	xmlNode *root;
	int ret;

	*out = NULL;
	if (!buf || len == 0)
		return wr_detail_setf(d, WR_ERR_XML, 0, "ReAgent.xml", "empty file");
	if (len > WR_REAGENT_MAX_SIZE)
		return wr_detail_setf(d, WR_ERR_TOO_LARGE, 0, "ReAgent.xml",
				      "%zu bytes, more than %d", len, WR_REAGENT_MAX_SIZE);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "ReAgent.xml");
	/* No encoding given: libxml2 follows the BOM / declaration (UTF-8, UTF-16). */
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, "ReAgent.xml", NULL, opts);
	if (!doc || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);

		ret =
		    wr_detail_setf(d, WR_ERR_XML, 0, "ReAgent.xml", "line %d: %s", e ? e->line : 0,
				   e && e->message ? e->message : "not well-formed");
		/* libxml2 messages end with a newline. */
		if (d && d->lib_msg[0] && d->lib_msg[strlen(d->lib_msg) - 1] == '\n')
			d->lib_msg[strlen(d->lib_msg) - 1] = '\0';
		goto out;
	}
	if (doc->intSubset || doc->extSubset) {
		ret = wr_detail_setf(d, WR_ERR_XML, 0, "ReAgent.xml",
				     "document type declarations are not accepted");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcmp(root->name, BAD_CAST "WindowsRE")) {
		ret = wr_detail_setf(d, WR_ERR_XML, 0, "ReAgent.xml",
				     "root element is <%s>, not <WindowsRE>",
				     root ? (const char *)root->name : "");
		goto out;
	}
	*out = doc;
	doc = NULL;
	ret = WR_OK;
out:
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return ret;
}

/* First child element of parent with this name (element names are matched exactly,
 * as Windows' own reader does; the 1.0 reader of a PowerShell script uses
 * "OSInstallLocation", so the locations are also matched case-insensitively). */
static xmlNode *child(xmlNode *parent, const char *name)
{
	for (xmlNode *n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !xmlStrcasecmp(n->name, BAD_CAST name))
			return n;
	return NULL;
}

/* Copy attribute name of n into buf ("" when absent). */
static void attr_str(xmlNode *n, const char *name, char *buf, size_t size)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);

	snprintf(buf, size, "%s", v ? (const char *)v : "");
	xmlFree(v);
}

/* An unsigned decimal attribute; absent or "" is 0.  Anything else that is not a
 * number is an error: a wrong offset could point at the wrong partition. */
static int attr_u64(xmlNode *n, const char *name, uint64_t max, uint64_t *out, struct wr_detail *d)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	const char *s = (const char *)v;
	char *end;
	unsigned long long x;
	int ret = WR_OK;

	*out = 0;
	if (!v || !*s)
		goto out;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || x > max) {
		ret = wr_detail_setf(d, WR_ERR_XML, 0, "ReAgent.xml",
				     "<%s %s=\"%.64s\">: not a number", (const char *)n->name, name,
				     s);
		goto out;
	}
	*out = x;
out:
	xmlFree(v);
	return ret;
}

/* The state attribute of element name under root, -1 when absent. */
static int get_state(xmlNode *root, const char *name, int *out, struct wr_detail *d)
{
	xmlNode *n = child(root, name);
	uint64_t v;
	int ret;

	*out = -1;
	if (!n)
		return WR_OK;
	ret = attr_u64(n, "state", 0x7fffffff, &v, d);
	if (!ret)
		*out = (int)v;
	return ret;
}

static int get_location(xmlNode *root, const char *name, struct wr_reagent_location *loc,
			struct wr_detail *d)
{
	xmlNode *n = child(root, name);
	uint64_t v;
	int ret;

	memset(loc, 0, sizeof(*loc));
	if (!n)
		return WR_OK;
	attr_str(n, "path", loc->path, sizeof(loc->path));
	attr_str(n, "guid", loc->guid, sizeof(loc->guid));
	if (!strcmp(loc->guid, ZERO_GUID))
		loc->guid[0] = '\0';
	ret = attr_u64(n, "offset", UINT64_MAX, &loc->offset, d);
	if (!ret)
		ret = attr_u64(n, "index", 0xffffffffu, &v, d);
	if (ret)
		return ret;
	loc->index = (unsigned)v;
	ret = attr_u64(n, "id", 0xffffffffu, &v, d);
	if (ret)
		return ret;
	loc->id = (uint32_t)v;
	loc->present = loc->path[0] != '\0';
	return WR_OK;
}

int wr_reagent_parse(const void *buf, size_t len, struct wr_reagent *out, struct wr_detail *d)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *n;
	int ret;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "ReAgent.xml");
	memset(out, 0, sizeof(*out));
	out->install_state = out->custom_image_available = -1;
	out->os_install_available = out->auto_repair_on = -1;
	ret = parse_doc(buf, len, &doc, d);
	if (ret)
		return ret;
	root = xmlDocGetRootElement(doc);
	attr_str(root, "version", out->version, sizeof(out->version));
	if ((n = child(root, "WinreBCD"))) {
		attr_str(n, "id", out->winre_bcd_id, sizeof(out->winre_bcd_id));
		if (!strcmp(out->winre_bcd_id, ZERO_GUID))
			out->winre_bcd_id[0] = '\0';
	}
	if ((n = child(root, "OsBuildVersion")))
		attr_str(n, "path", out->os_build_version, sizeof(out->os_build_version));
	if ((ret = get_location(root, "WinreLocation", &out->winre, d)) ||
	    (ret = get_location(root, "ImageLocation", &out->image, d)) ||
	    (ret = get_location(root, "PBRImageLocation", &out->pbr, d)) ||
	    (ret = get_location(root, "PBRCustomImageLocation", &out->pbr_custom, d)) ||
	    (ret = get_location(root, "OsInstallLocation", &out->os_install, d)) ||
	    (ret = get_state(root, "InstallState", &out->install_state, d)) ||
	    (ret = get_state(root, "CustomImageAvailable", &out->custom_image_available, d)) ||
	    (ret = get_state(root, "OsInstallAvailable", &out->os_install_available, d)) ||
	    (ret = get_state(root, "IsAutoRepairOn", &out->auto_repair_on, d)))
		goto out;
	out->winre_enabled = out->install_state == 1;
out:
	xmlFreeDoc(doc);
	if (ret) {
		int keep = ret;

		memset(out, 0, sizeof(*out));
		out->install_state = out->custom_image_available = -1;
		out->os_install_available = out->auto_repair_on = -1;
		ret = keep;
	}
	return ret;
}

/* Find element name under root, or add it (indented like Windows does) after the
 * element named after, or at the end. */
static xmlNode *find_or_add(xmlNode *root, const char *name, const char *after)
{
	xmlNode *n = child(root, name), *prev;

	if (n)
		return n;
	n = xmlNewNode(NULL, BAD_CAST name);
	if (!n)
		return NULL;
	prev = after ? child(root, after) : NULL;
	if (prev) {
		xmlAddNextSibling(prev, n);
		xmlAddPrevSibling(n, xmlNewText(BAD_CAST "\n  "));
	} else {
		xmlAddChild(root, xmlNewText(BAD_CAST "  "));
		xmlAddChild(root, n);
		xmlAddChild(root, xmlNewText(BAD_CAST "\n"));
	}
	return n;
}

static bool set_prop(xmlNode *n, const char *name, const char *value)
{
	return xmlSetProp(n, BAD_CAST name, BAD_CAST value) != NULL;
}

/* A path Windows can use: not too long, no quotes or control characters. */
static bool location_ok(const struct wr_reagent_location *loc)
{
	size_t len = strnlen(loc->path, sizeof(loc->path));

	if (len == 0 || len >= sizeof(loc->path) ||
	    strnlen(loc->guid, sizeof(loc->guid)) >= sizeof(loc->guid))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)loc->path[i] < 0x20)
			return false;
	return true;
}

/* The document as UTF-8 with an XML declaration, the way Windows writes the file. */
static int dump_doc(xmlDoc *doc, char **out, size_t *out_len, struct wr_detail *d)
{
	xmlChar *mem = NULL;
	int size = 0;

	xmlDocDumpMemoryEnc(doc, &mem, &size, "utf-8");
	if (!mem || size <= 0 || !(*out = malloc((size_t)size + 1))) {
		xmlFree(mem);
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "ReAgent.xml");
	}
	memcpy(*out, mem, (size_t)size);
	(*out)[size] = '\0';
	*out_len = (size_t)size;
	xmlFree(mem);
	return WR_OK;
}

int wr_reagent_set_custom_image(const void *buf, size_t len, const struct wr_reagent_location *loc,
				char **out, size_t *out_len, struct wr_detail *d)
{
	bool set = loc && loc->present;
	xmlDoc *doc = NULL;
	xmlNode *root, *n;
	char num[32];
	int ret;

	if (!out || !out_len)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "ReAgent.xml");
	*out = NULL;
	*out_len = 0;
	if (set && !location_ok(loc))
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, "ReAgent.xml",
				      "unusable custom image path");
	if (!buf || len == 0) {
		buf = blank_reagent;
		len = sizeof(blank_reagent) - 1;
	}
	ret = parse_doc(buf, len, &doc, d);
	if (ret)
		return ret;
	root = xmlDocGetRootElement(doc);
	/* Where Windows puts it: after the factory image location (2.0: PBRImage-
	 * Location; 1.0: OsInstallLocation), else after ImageLocation. */
	n = find_or_add(root, "PBRCustomImageLocation",
			child(root, "PBRImageLocation")	   ? "PBRImageLocation"
			: child(root, "OsInstallLocation") ? "OsInstallLocation"
							   : "ImageLocation");
	if (!n)
		goto nomem;
	if (!set_prop(n, "path", set ? loc->path : ""))
		goto nomem;
	snprintf(num, sizeof(num), "%u", set ? (unsigned)loc->id : 0u);
	if (!set_prop(n, "id", num))
		goto nomem;
	snprintf(num, sizeof(num), "%llu", set ? (unsigned long long)loc->offset : 0ull);
	if (!set_prop(n, "offset", num))
		goto nomem;
	if (!set_prop(n, "guid", set && loc->guid[0] ? loc->guid : ZERO_GUID))
		goto nomem;
	snprintf(num, sizeof(num), "%u", set ? loc->index : 0u);
	if (!set_prop(n, "index", num))
		goto nomem;
	n = find_or_add(root, "CustomImageAvailable", "OsInstallAvailable");
	if (!n || !set_prop(n, "state", set ? "1" : "0"))
		goto nomem;
	ret = dump_doc(doc, out, out_len, d);
	goto out;
nomem:
	ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "ReAgent.xml");
out:
	xmlFreeDoc(doc);
	return ret;
}

int wr_reagent_set_winre(const void *buf, size_t len, const struct wr_reagent_location *loc,
			 const char *bcd_id, char **out, size_t *out_len, struct wr_detail *d)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *n;
	char num[32];
	int ret;

	if (!out || !out_len || !loc || !bcd_id)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "ReAgent.xml");
	*out = NULL;
	*out_len = 0;
	if (!location_ok(loc))
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, "ReAgent.xml",
				      "unusable WinRE path");
	if (!buf || len == 0) {
		buf = blank_reagent;
		len = sizeof(blank_reagent) - 1;
	}
	ret = parse_doc(buf, len, &doc, d);
	if (ret)
		return ret;
	root = xmlDocGetRootElement(doc);
	n = find_or_add(root, "WinreBCD", NULL);
	if (!n || !set_prop(n, "id", bcd_id))
		goto nomem;
	n = find_or_add(root, "WinreLocation", "WinreBCD");
	if (!n || !set_prop(n, "path", loc->path))
		goto nomem;
	snprintf(num, sizeof(num), "%u", (unsigned)loc->id);
	if (!set_prop(n, "id", num))
		goto nomem;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)loc->offset);
	if (!set_prop(n, "offset", num))
		goto nomem;
	if (!set_prop(n, "guid", loc->guid[0] ? loc->guid : ZERO_GUID))
		goto nomem;
	n = find_or_add(root, "InstallState", "PBRCustomImageLocation");
	if (!n || !set_prop(n, "state", "1"))
		goto nomem;
	ret = dump_doc(doc, out, out_len, d);
	goto out;
nomem:
	ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "ReAgent.xml");
out:
	xmlFreeDoc(doc);
	return ret;
}
