/*
 * wim.c - Windows image files (.wim, .esd, split .swm) through wimlib.
 *
 * The only file of the engine that includes wimlib.h.  It reads image information,
 * lists an image's root, applies an image to an NTFS volume and captures an NTFS
 * volume into a (new or existing) WIM, all in wimlib's NTFS mode.
 *
 * wimlib can only open host files.  A WIM lying inside an unmounted NTFS volume (the
 * OEM image on a recovery partition, a custom refresh image) is read through a
 * struct wr_reader instead: this file has a small reader of its own for the 208-byte
 * WIM header and the XML resource, because no library reads those from anything but
 * a file descriptor.  The XML resource is never compressed (in .wim and .esd alike),
 * so the header and the XML are all it needs; both are parsed with libxml2, and the
 * fields are read with the same property paths wimlib uses, so both ways give the
 * same struct wr_wim_info for the same file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <wimlib.h>

#include "winrescue.h"
#include "intl.h"

/* ------------------------------------------------------------------------- */
/* wimlib set-up and error messages                                          */
/* ------------------------------------------------------------------------- */

/* wimlib prints its detailed messages to a FILE; we keep them in a temporary file
 * and move them into the log and the detail struct after a failure. */
static FILE *wim_errors;
static bool wim_inited;

static void xml_silent(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static void wim_init(void)
{
	if (wim_inited)
		return;
	wim_inited = true;
	/* Must come before any other wimlib call: exclusion patterns and path lookups
	 * then match case-insensitively, as on Windows. */
	wimlib_global_init(WIMLIB_INIT_FLAG_DEFAULT_CASE_INSENSITIVE);
	/* libxml2 (ours and wimlib's) would print parse errors to stderr: the engine
	 * never prints, the messages reach the detail struct instead. */
	xmlSetGenericErrorFunc(NULL, xml_silent);
	wim_errors = tmpfile();
	if (wim_errors) {
		wimlib_set_error_file(wim_errors);
		wimlib_set_print_errors(true);
	} else {
		wimlib_set_print_errors(false);
	}
}

/* The last line wimlib printed (into buf), and everything it printed into the log. */
static void wim_take_messages(char *buf, size_t size)
{
	char line[1024];

	if (size)
		buf[0] = '\0';
	if (!wim_errors)
		return;
	fflush(wim_errors);
	rewind(wim_errors);
	while (fgets(line, sizeof(line), wim_errors)) {
		size_t n = strlen(line);

		char *p = line;

		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		/* wimlib starts some messages with "\r" (to overwrite a progress line);
		 * keep control characters out of the log and the detail. */
		for (char *c = line; *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = ' ';
		while (*p == ' ')
			p++;
		if (!*p)
			continue;
		wr_log(WR_LOG_WARN, "wimlib: %s", p);
		if (size)
			snprintf(buf, size, "%s", p);
	}
	rewind(wim_errors);
	if (ftruncate(fileno(wim_errors), 0) == 0)
		rewind(wim_errors);
}

static bool is_corrupt_code(int code)
{
	switch (code) {
	case WIMLIB_ERR_DECOMPRESSION:
	case WIMLIB_ERR_IMAGE_COUNT:
	case WIMLIB_ERR_INTEGRITY:
	case WIMLIB_ERR_INVALID_CHUNK_SIZE:
	case WIMLIB_ERR_INVALID_COMPRESSION_TYPE:
	case WIMLIB_ERR_INVALID_HEADER:
	case WIMLIB_ERR_INVALID_INTEGRITY_TABLE:
	case WIMLIB_ERR_INVALID_LOOKUP_TABLE_ENTRY:
	case WIMLIB_ERR_INVALID_METADATA_RESOURCE:
	case WIMLIB_ERR_INVALID_PART_NUMBER:
	case WIMLIB_ERR_INVALID_PIPABLE_WIM:
	case WIMLIB_ERR_INVALID_RESOURCE_HASH:
	case WIMLIB_ERR_METADATA_NOT_FOUND:
	case WIMLIB_ERR_NOT_A_WIM_FILE:
	case WIMLIB_ERR_RESOURCE_NOT_FOUND:
	case WIMLIB_ERR_RESOURCE_ORDER:
	case WIMLIB_ERR_SPLIT_INVALID:
	case WIMLIB_ERR_UNEXPECTED_END_OF_FILE:
	case WIMLIB_ERR_UNKNOWN_VERSION:
	case WIMLIB_ERR_XML:
	case WIMLIB_ERR_WIM_IS_INCOMPLETE:
	case WIMLIB_ERR_INVALID_REPARSE_DATA:
		return true;
	default:
		return false;
	}
}

/* Turn a wimlib error code into ours, with wimlib's message in the detail. */
static int wim_error(int code, const char *subject, struct wr_detail *d)
{
	int sys = errno, err;
	char msg[512];

	wim_take_messages(msg, sizeof(msg));
	if (is_corrupt_code(code))
		err = WR_ERR_WIM_CORRUPT;
	else if (code == WIMLIB_ERR_NOMEM)
		err = WR_ERR_NOMEM;
	else if (code == WIMLIB_ERR_OPEN || code == WIMLIB_ERR_STAT)
		err = sys == ENOENT ? WR_ERR_NOT_FOUND : WR_ERR_OPEN;
	else if (code == WIMLIB_ERR_READ)
		err = WR_ERR_READ;
	else if (code == WIMLIB_ERR_WRITE || code == WIMLIB_ERR_WIM_IS_READONLY)
		err = WR_ERR_WRITE;
	else if (code == WIMLIB_ERR_ABORTED_BY_PROGRESS)
		err = WR_ERR_ABORTED;
	else if (code == WIMLIB_ERR_INVALID_IMAGE)
		err = WR_ERR_NO_SUCH_IMAGE;
	else if (code == WIMLIB_ERR_IMAGE_NAME_COLLISION)
		err = WR_ERR_EXISTS;
	else if (code == WIMLIB_ERR_WIM_IS_ENCRYPTED || code == WIMLIB_ERR_UNSUPPORTED ||
		 code == WIMLIB_ERR_IS_SPLIT_WIM)
		err = WR_ERR_UNSUPPORTED;
	else if (code == WIMLIB_ERR_NTFS_3G && (sys == EEXIST || strstr(msg, strerror(EEXIST))))
		/* errno is often overwritten by the unmount that follows; wimlib's
		 * message ends with strerror(errno) of the failed call. */
		err = WR_ERR_EXISTS;
	else if ((code == WIMLIB_ERR_NTFS_3G || code == WIMLIB_ERR_WRITE) &&
		 (sys == ENOSPC || strstr(msg, strerror(ENOSPC))))
		err = WR_ERR_NO_SPACE;	/* the target filled up */
	else if (code == WIMLIB_ERR_NTFS_3G && sys == EBUSY)
		err = WR_ERR_MOUNTED;
	else if (code == WIMLIB_ERR_NTFS_3G && sys == EPERM)
		err = WR_ERR_HIBERNATED; /* ntfs_mount's answer to hiberfil.sys */
	else
		err = WR_ERR_WIM;
	if (err == WR_ERR_NO_SUCH_IMAGE && !msg[0])
		snprintf(msg, sizeof(msg), "%s", wimlib_get_error_string(code));
	wr_detail_setf(d, err, code == WIMLIB_ERR_NTFS_3G || err == WR_ERR_OPEN ? sys : 0, subject,
		       "wimlib error %d (%s)%s%s", code, wimlib_get_error_string(code),
		       msg[0] ? ": " : "", msg);
	if (d)
		d->lib_code = code;
	wr_log(WR_LOG_ERROR, "wimlib error %d on '%s': %s", code, subject ? subject : "",
	       wimlib_get_error_string(code));
	return err;
}

/* ------------------------------------------------------------------------- */
/* The WIM header (our own reader: see the top of the file)                  */
/* ------------------------------------------------------------------------- */

struct wim_reshdr {
	uint64_t size_in_wim; /* 56 bits */
	uint8_t flags;
	uint64_t offset;
	uint64_t original_size;
};

struct wim_header {
	uint32_t hdr_size, version, flags, chunk_size;
	uint16_t part_number, total_parts;
	uint32_t image_count;
	struct wim_reshdr blob_table, xml, boot_metadata, integrity;
	uint32_t boot_index;
};

#define RESHDR_FLAG_COMPRESSED 0x04

static uint64_t le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void read_reshdr(const unsigned char *p, struct wim_reshdr *r)
{
	r->size_in_wim = le(p, 7);
	r->flags = p[7];
	r->offset = le(p + 8, 8);
	r->original_size = le(p + 16, 8);
}

static int parse_header(const unsigned char *p, size_t len, const char *name, struct wim_header *h,
			struct wr_detail *d)
{
	memset(h, 0, sizeof(*h)); /* defined on every return */
	if (len < WR_WIM_HEADER_SIZE)
		return wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name,
				      "file too short for a WIM header (%zu bytes)", len);
	if (!memcmp(p, "WLPWM\0\0\0", 8))
		return wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, name,
				      "pipable WIM: its XML is at the end of a stream");
	if (memcmp(p, "MSWIM\0\0\0", 8))
		return wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name, "not a WIM file (bad magic)");
	h->hdr_size = (uint32_t)le(p + 8, 4);
	h->version = (uint32_t)le(p + 12, 4);
	h->flags = (uint32_t)le(p + 16, 4);
	h->chunk_size = (uint32_t)le(p + 20, 4);
	h->part_number = (uint16_t)le(p + 40, 2);
	h->total_parts = (uint16_t)le(p + 42, 2);
	h->image_count = (uint32_t)le(p + 44, 4);
	read_reshdr(p + 48, &h->blob_table);
	read_reshdr(p + 72, &h->xml);
	read_reshdr(p + 96, &h->boot_metadata);
	h->boot_index = (uint32_t)le(p + 120, 4);
	read_reshdr(p + 124, &h->integrity);
	if (h->hdr_size != WR_WIM_HEADER_SIZE)
		return wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name,
				      "header size %u, expected 208", h->hdr_size);
	if (h->part_number == 0 || h->total_parts == 0 || h->part_number > h->total_parts)
		return wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name, "bad part number %u/%u",
				      h->part_number, h->total_parts);
	if (h->image_count > 4096) /* real WIMs hold a few dozen */
		return wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name, "image count %u",
				      h->image_count);
	if (h->xml.flags & RESHDR_FLAG_COMPRESSED)
		return wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, name, "compressed XML resource");
	if (h->xml.original_size > WR_WIM_XML_MAX)
		return wr_detail_setf(d, WR_ERR_TOO_LARGE, 0, name, "XML resource of %llu bytes",
				      (unsigned long long)h->xml.original_size);
	if (h->xml.original_size < 2 || h->xml.offset < WR_WIM_HEADER_SIZE ||
	    h->xml.size_in_wim != h->xml.original_size)
		return wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name, "bad XML resource header");
	return WR_OK;
}

/* A truncated file: the header names data beyond its end. */
static int check_extent(const struct wim_header *h, uint64_t file_size, const char *name,
			struct wr_detail *d)
{
	const struct wim_reshdr *rs[] = {&h->blob_table, &h->xml, &h->boot_metadata, &h->integrity};

	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		uint64_t end = rs[i]->offset + rs[i]->size_in_wim;

		if (rs[i]->offset == 0 && rs[i]->size_in_wim == 0)
			continue;
		if (end < rs[i]->offset || end > file_size)
			return wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name,
					      "file is truncated: %llu bytes, header needs %llu",
					      (unsigned long long)file_size,
					      (unsigned long long)end);
	}
	return WR_OK;
}

/* ------------------------------------------------------------------------- */
/* Image properties, from wimlib or from our own XML tree                    */
/* ------------------------------------------------------------------------- */

/* Copy property prop ("WINDOWS/VERSION/BUILD", "WINDOWS/LANGUAGES/LANGUAGE[2]") of
 * image index into buf; false when absent. */
typedef bool (*prop_fn)(void *ctx, unsigned index, const char *prop, char *buf, size_t size);

static uint64_t prop_u64(prop_fn get, void *ctx, unsigned index, const char *prop)
{
	char buf[64], *end;
	unsigned long long v;

	if (!get(ctx, index, prop, buf, sizeof(buf)) || buf[0] < '0' || buf[0] > '9')
		return 0;
	v = strtoull(buf, &end, 10);
	return v;
}

static enum wr_arch arch_from_number(uint64_t v, bool present)
{
	if (!present)
		return WR_ARCH_UNKNOWN;
	switch (v) {
	case WR_ARCH_X86:
	case WR_ARCH_ARM:
	case WR_ARCH_X64:
	case WR_ARCH_ARM64:
		return (enum wr_arch)v;
	default:
		return WR_ARCH_UNKNOWN;
	}
}

static void fill_image(prop_fn get, void *ctx, unsigned index, struct wr_image_info *img)
{
	char buf[256], prop[64];
	size_t used = 0;

	memset(img, 0, sizeof(*img));
	img->index = index;
	get(ctx, index, "NAME", img->name, sizeof(img->name));
	get(ctx, index, "DESCRIPTION", img->description, sizeof(img->description));
	img->total_bytes = prop_u64(get, ctx, index, "TOTALBYTES");
	img->file_count = prop_u64(get, ctx, index, "FILECOUNT");
	/* WINDOWS itself holds no text: it is there when any of its parts is. */
	img->is_windows = get(ctx, index, "WINDOWS/ARCH", buf, sizeof(buf)) ||
			  get(ctx, index, "WINDOWS/PRODUCTNAME", buf, sizeof(buf)) ||
			  get(ctx, index, "WINDOWS/EDITIONID", buf, sizeof(buf)) ||
			  get(ctx, index, "WINDOWS/VERSION/MAJOR", buf, sizeof(buf));
	get(ctx, index, "WINDOWS/PRODUCTNAME", img->product_name, sizeof(img->product_name));
	get(ctx, index, "WINDOWS/EDITIONID", img->edition, sizeof(img->edition));
	get(ctx, index, "WINDOWS/INSTALLATIONTYPE", img->installation_type,
	    sizeof(img->installation_type));
	img->arch = arch_from_number(prop_u64(get, ctx, index, "WINDOWS/ARCH"),
				     get(ctx, index, "WINDOWS/ARCH", buf, sizeof(buf)) &&
					 buf[0] >= '0' && buf[0] <= '9');
	img->major = (unsigned)prop_u64(get, ctx, index, "WINDOWS/VERSION/MAJOR");
	img->minor = (unsigned)prop_u64(get, ctx, index, "WINDOWS/VERSION/MINOR");
	img->build = (unsigned)prop_u64(get, ctx, index, "WINDOWS/VERSION/BUILD");
	img->spbuild = (unsigned)prop_u64(get, ctx, index, "WINDOWS/VERSION/SPBUILD");
	get(ctx, index, "WINDOWS/LANGUAGES/DEFAULT", img->default_language,
	    sizeof(img->default_language));
	/* Default first, then the others in the order the XML lists them. */
	if (img->default_language[0])
		used = (size_t)snprintf(img->languages, sizeof(img->languages), "%s",
					img->default_language);
	for (unsigned i = 1; i <= 64; i++) {
		snprintf(prop, sizeof(prop), "WINDOWS/LANGUAGES/LANGUAGE[%u]", i);
		if (!get(ctx, index, prop, buf, sizeof(buf)))
			break;
		if (!buf[0] || !strcmp(buf, img->default_language))
			continue;
		if (used + strlen(buf) + 2 >= sizeof(img->languages))
			break;
		used += (size_t)snprintf(img->languages + used, sizeof(img->languages) - used,
					 "%s%s", used ? "," : "", buf);
	}
}

static bool wimlib_prop(void *ctx, unsigned index, const char *prop, char *buf, size_t size)
{
	const char *v = wimlib_get_image_property(ctx, (int)index, prop);

	if (!v) {
		buf[0] = '\0';
		return false;
	}
	snprintf(buf, size, "%s", v);
	return true;
}

/* Our own property lookup on a libxml2 tree, with wimlib's path syntax: elements
 * separated by '/', an optional [n] picks the n-th element of that name. */
static bool xml_prop(void *ctx, unsigned index, const char *prop, char *buf, size_t size)
{
	xmlNode **images = ctx, *n = images[index - 1];
	const char *p = prop;

	buf[0] = '\0';
	while (*p && n) {
		char name[64];
		size_t len = strcspn(p, "/[");
		unsigned want = 1, seen = 0;
		xmlNode *found = NULL;

		if (len == 0 || len >= sizeof(name))
			return false;
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		if (*p == '[') {
			want = (unsigned)strtoul(p + 1, NULL, 10);
			p = strchr(p, ']');
			if (!p || want == 0)
				return false;
			p++;
		}
		if (*p == '/')
			p++;
		for (xmlNode *c = n->children; c; c = c->next) {
			if (c->type == XML_ELEMENT_NODE && !xmlStrcmp(c->name, BAD_CAST name) &&
			    ++seen == want) {
				found = c;
				break;
			}
		}
		n = found;
	}
	if (!n)
		return false;
	/* wimlib gives the element's text content (its first text child), and
	 * nothing for an element without text. */
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE && c->content) {
			snprintf(buf, size, "%s", (const char *)c->content);
			return true;
		}
	}
	return false;
}

/* UTF-16LE (with or without BOM) to a malloc'd, NUL-terminated UTF-8 string;
 * unpaired surrogates become U+FFFD. */
static char *utf16le_to_utf8(const unsigned char *p, size_t len, size_t *out_len)
{
	size_t n = len / 2, i = 0, o = 0;
	char *out = malloc(n * 3 + 1);

	if (!out)
		return NULL;
	if (n && p[0] == 0xff && p[1] == 0xfe)
		i = 1;
	for (; i < n; i++) {
		uint32_t c = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8);

		if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
			uint32_t c2 = (uint32_t)(p[2 * i + 2] | p[2 * i + 3] << 8);

			if (c2 >= 0xdc00 && c2 <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
				i++;
			} else {
				c = 0xfffd;
			}
		} else if (c >= 0xd800 && c <= 0xdfff) {
			c = 0xfffd;
		}
		if (c == 0)
			break; /* a NUL ends the document */
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			/* 4 bytes, in the room of 2 UTF-16 units (6 bytes reserved). */
			out[o++] = (char)(0xf0 | c >> 18);
			out[o++] = (char)(0x80 | (c >> 12 & 0x3f));
			out[o++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static struct wr_wim_info *info_new(const char *name, unsigned count)
{
	struct wr_wim_info *info = calloc(1, sizeof(*info));

	if (!info)
		return NULL;
	snprintf(info->path, sizeof(info->path), "%s", name ? name : "");
	info->image_count = count;
	if (count) {
		info->images = calloc(count, sizeof(*info->images));
		if (!info->images) {
			free(info);
			return NULL;
		}
	}
	return info;
}

void wr_wim_info_free(struct wr_wim_info *info)
{
	if (!info)
		return;
	free(info->images);
	free(info);
}

int wr_wim_info_from_xml(const void *hdr, size_t hdr_len, const void *xml, size_t xml_len,
			 const char *name, struct wr_wim_info **out, struct wr_detail *d)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	struct wim_header h;
	struct wr_wim_info *info = NULL;
	xmlNode **images = NULL, *root;
	xmlDoc *doc = NULL;
	char *utf8 = NULL;
	size_t utf8_len = 0;
	unsigned found = 0;
	int ret;

	if (!out || !hdr || (!xml && xml_len))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, name);
	*out = NULL;
	if (!name)
		name = "";
	ret = parse_header(hdr, hdr_len, name, &h, d);
	if (ret)
		return ret;
	if (xml_len > WR_WIM_XML_MAX)
		return wr_detail_setf(d, WR_ERR_TOO_LARGE, 0, name, "XML of %zu bytes", xml_len);
	utf8 = utf16le_to_utf8(xml, xml_len, &utf8_len);
	if (!utf8)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, name);
	if (utf8_len > 0x7fffffff) {
		ret = wr_detail_setf(d, WR_ERR_TOO_LARGE, 0, name, "XML too large");
		goto out;
	}
	doc = xmlReadMemory(utf8, (int)utf8_len, "wim.xml", "UTF-8", opts);
	if (!doc) {
		const xmlError *e = xmlGetLastError();

		ret = wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name, "XML data: %s",
				     e && e->message ? e->message : "not well-formed");
		if (d && d->lib_msg[0] && d->lib_msg[strlen(d->lib_msg) - 1] == '\n')
			d->lib_msg[strlen(d->lib_msg) - 1] = '\0';
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset || doc->extSubset || !root || xmlStrcmp(root->name, BAD_CAST "WIM")) {
		ret = wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name,
				     "XML data: root is not <WIM> or has a DOCTYPE");
		goto out;
	}
	info = info_new(name, h.image_count);
	/* An array of pointers: the type named, as bugprone-sizeof-expression asks. */
	images = calloc(h.image_count ? h.image_count : 1, sizeof(xmlNode *));
	if (!info || !images) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, name);
		goto out;
	}
	/* Every IMAGE element has INDEX 1..image_count, each once (wimlib refuses
	 * anything else too). */
	for (xmlNode *c = root->children; c; c = c->next) {
		xmlChar *v;
		char *end;
		unsigned long idx;

		if (c->type != XML_ELEMENT_NODE || xmlStrcmp(c->name, BAD_CAST "IMAGE"))
			continue;
		v = xmlGetProp(c, BAD_CAST "INDEX");
		idx = v ? strtoul((const char *)v, &end, 10) : 0;
		if (!v || *end || idx == 0 || idx > h.image_count || images[idx - 1]) {
			ret = wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name,
					     "XML data: image with bad INDEX \"%.32s\"",
					     v ? (const char *)v : "");
			xmlFree(v);
			goto out;
		}
		xmlFree(v);
		images[idx - 1] = c;
		found++;
	}
	if (found != h.image_count) {
		ret = wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name,
				     "header says %u images, XML has %u", h.image_count, found);
		goto out;
	}
	for (unsigned i = 1; i <= h.image_count; i++)
		fill_image(xml_prop, images, i, &info->images[i - 1]);
	info->has_integrity = h.integrity.offset != 0;
	info->part_number = h.part_number;
	info->total_parts = h.total_parts;
	info->split = h.total_parts > 1;
	*out = info;
	info = NULL;
	ret = WR_OK;
out:
	wr_wim_info_free(info);
	free(images);
	xmlFreeDoc(doc);
	free(utf8);
	return ret;
}

int wr_wim_read_info_from(const struct wr_reader *r, const char *name, struct wr_wim_info **out,
			  struct wr_detail *d)
{
	unsigned char hdr[WR_WIM_HEADER_SIZE];
	struct wim_header h;
	void *xml = NULL;
	int ret;

	if (!r || !r->read_at || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, name);
	*out = NULL;
	if (!name)
		name = "";
	if (r->size < WR_WIM_HEADER_SIZE)
		return wr_detail_setf(d, WR_ERR_WIM_CORRUPT, 0, name,
				      "file too short for a WIM header (%llu bytes)",
				      (unsigned long long)r->size);
	ret = r->read_at(r->ctx, 0, hdr, sizeof(hdr));
	if (ret)
		return wr_detail_set(d, ret, d ? d->sys_errno : 0, name);
	ret = parse_header(hdr, sizeof(hdr), name, &h, d);
	if (!ret)
		ret = check_extent(&h, r->size, name, d);
	if (ret)
		return ret;
	xml = malloc(h.xml.original_size);
	if (!xml)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, name);
	ret = r->read_at(r->ctx, h.xml.offset, xml, h.xml.original_size);
	if (ret) {
		wr_detail_set(d, ret, d ? d->sys_errno : 0, name);
		goto out;
	}
	ret = wr_wim_info_from_xml(hdr, sizeof(hdr), xml, h.xml.original_size, name, out, d);
out:
	free(xml);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* Host files through wimlib                                                 */
/* ------------------------------------------------------------------------- */

/* Read the header of a host file ourselves to catch truncation early (wimlib only
 * notices when it reaches the missing data). */
static int check_host_file(const char *path, struct wim_header *h, struct wr_detail *d)
{
	unsigned char hdr[WR_WIM_HEADER_SIZE];
	struct stat st;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wr_detail_set(d, errno == ENOENT ? WR_ERR_NOT_FOUND : WR_ERR_OPEN, errno,
				     path);
	if (fstat(fd, &st)) {
		ret = wr_detail_set(d, WR_ERR_READ, errno, path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = wr_detail_set(d, WR_ERR_OPEN, EISDIR, path);
		goto out;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n < 0) {
		ret = wr_detail_set(d, WR_ERR_READ, errno, path);
		goto out;
	}
	ret = parse_header(hdr, (size_t)n, path, h, d);
	/* A pipable WIM is a host file wimlib can open: leave it to wimlib. */
	if (ret == WR_ERR_UNSUPPORTED && n >= 8 && !memcmp(hdr, "WLPWM", 5)) {
		memset(h, 0, sizeof(*h));
		ret = WR_OK;
		goto out;
	}
	if (!ret && S_ISREG(st.st_mode))
		ret = check_extent(h, (uint64_t)st.st_size, path, d);
out:
	close(fd);
	return ret;
}

/* The glob that finds the other parts of a split set: "dir/install.swm" ->
 * "dir/install*.swm" (Windows names them install.swm, install2.swm, ...). */
static int swm_glob(const char *path, char *buf, size_t size)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	if ((size_t)snprintf(buf, size, "%.*s*%s", (int)(dot - path), path, dot) >= size)
		return -1;
	return 0;
}

static int open_wim(const char *path, int open_flags, bool all_parts, WIMStruct **out,
		    struct wr_detail *d)
{
	struct wimlib_wim_info wi;
	struct wim_header h;
	WIMStruct *wim = NULL;
	char glob[4200];
	const char *globs[1] = {glob};
	int code, ret;

	*out = NULL;
	if (!path || !*path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, path);
	wim_init();
	ret = check_host_file(path, &h, d);
	if (ret)
		return ret;
	code = wimlib_open_wim(path, open_flags, &wim);
	if (code)
		return wim_error(code, path, d);
	wimlib_get_wim_info(wim, &wi);
	if (all_parts && wi.total_parts > 1) {
		if (swm_glob(path, glob, sizeof(glob))) {
			ret = wr_detail_set(d, WR_ERR_INVALID_ARG, ENAMETOOLONG, path);
			goto fail;
		}
		code = wimlib_reference_resource_files(
		    wim, globs, 1,
		    WIMLIB_REF_FLAG_GLOB_ENABLE | WIMLIB_REF_FLAG_GLOB_ERR_ON_NOMATCH,
		    open_flags & WIMLIB_OPEN_FLAG_CHECK_INTEGRITY);
		if (code) {
			ret = wim_error(code, path, d);
			goto fail;
		}
	}
	*out = wim;
	return WR_OK;
fail:
	wimlib_free(wim);
	return ret;
}

int wr_wim_read_info(const char *path, bool check_integrity, struct wr_wim_info **out,
		     struct wr_detail *d)
{
	struct wimlib_wim_info wi;
	struct wr_wim_info *info;
	WIMStruct *wim;
	int ret;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, path);
	*out = NULL;
	ret =
	    open_wim(path, check_integrity ? WIMLIB_OPEN_FLAG_CHECK_INTEGRITY : 0, false, &wim, d);
	if (ret)
		return ret;
	wimlib_get_wim_info(wim, &wi);
	info = info_new(path, wi.image_count);
	if (!info) {
		wimlib_free(wim);
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	}
	for (unsigned i = 1; i <= wi.image_count; i++)
		fill_image(wimlib_prop, wim, i, &info->images[i - 1]);
	info->has_integrity = wi.has_integrity_table;
	info->part_number = wi.part_number;
	info->total_parts = wi.total_parts;
	info->split = wi.total_parts > 1;
	wimlib_free(wim);
	wim_take_messages(NULL, 0); /* warnings go to the log */
	*out = info;
	return WR_OK;
}

/* A name from an image that is one safe path component. */
static bool safe_name(const char *s)
{
	if (!s || !*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return !strpbrk(s, "/\\");
}

struct list_ctx {
	char **names;
	size_t n, cap;
	int err;
};

static int list_cb(const struct wimlib_dir_entry *de, void *arg)
{
	struct list_ctx *c = arg;

	if (!safe_name(de->filename)) {
		c->err = WR_ERR_UNSAFE_PATH;
		return 1;
	}
	if (c->n + 2 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **v = realloc(c->names, cap * sizeof(*v));

		if (!v) {
			c->err = WR_ERR_NOMEM;
			return 1;
		}
		c->names = v;
		c->cap = cap;
	}
	c->names[c->n] = strdup(de->filename);
	if (!c->names[c->n]) {
		c->err = WR_ERR_NOMEM;
		return 1;
	}
	c->names[++c->n] = NULL;
	return 0;
}

static int check_index(WIMStruct *wim, unsigned index, const char *path, struct wr_detail *d)
{
	struct wimlib_wim_info wi;

	wimlib_get_wim_info(wim, &wi);
	if (index == 0 || index > wi.image_count)
		return wr_detail_setf(d, WR_ERR_NO_SUCH_IMAGE, 0, path,
				      "index %u, the file has %u image(s)", index, wi.image_count);
	return WR_OK;
}

int wr_wim_list_root(const char *path, unsigned index, char ***names_out, struct wr_detail *d)
{
	struct list_ctx c = {NULL, 0, 0, 0};
	WIMStruct *wim;
	int code, ret;

	if (!names_out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, path);
	*names_out = NULL;
	ret = open_wim(path, 0, false, &wim, d);
	if (ret)
		return ret;
	ret = check_index(wim, index, path, d);
	if (ret)
		goto out;
	code = wimlib_iterate_dir_tree(wim, (int)index, "", WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
				       list_cb, &c);
	if (c.err) {
		ret =
		    wr_detail_setf(d, c.err, 0, path, "image %u: unsafe or unreadable name", index);
		goto out;
	}
	if (code) {
		ret = wim_error(code, path, d);
		goto out;
	}
	if (!c.names) {
		c.names = calloc(1, sizeof(*c.names));
		if (!c.names) {
			ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
			goto out;
		}
	}
	*names_out = c.names;
	c.names = NULL;
	wim_take_messages(NULL, 0); /* warnings ("Ignoring file named ..") to the log */
out:
	wr_strv_free(c.names);
	wimlib_free(wim);
	return ret;
}

/* One file of an image (a hive, say) into a host folder, read before anything is
 * applied: the refresh's dry run compares the new system's apps with the old. */
int wr_wim_extract_file(const char *path, unsigned index, const char *inner,
			const char *host_dir, struct wr_detail *d)
{
	const char *paths[1] = {inner};
	WIMStruct *wim;
	int code, ret;

	ret = open_wim(path, 0, true, &wim, d);
	if (ret)
		return ret;
	ret = check_index(wim, index, path, d);
	if (!ret) {
		code = wimlib_extract_paths(wim, (int)index, host_dir, paths, 1,
					    WIMLIB_EXTRACT_FLAG_NO_PRESERVE_DIR_STRUCTURE |
						WIMLIB_EXTRACT_FLAG_NO_ACLS |
						WIMLIB_EXTRACT_FLAG_NO_ATTRIBUTES);
		if (code == WIMLIB_ERR_PATH_DOES_NOT_EXIST)
			ret = wr_detail_set(d, WR_ERR_NOT_FOUND, 0, inner);
		else if (code)
			ret = wim_error(code, path, d);
	}
	wim_take_messages(NULL, 0);
	wimlib_free(wim);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* Apply and capture                                                         */
/* ------------------------------------------------------------------------- */

struct prog_ctx {
	wr_progress_fn fn;
	void *ctx;
	struct wr_prog_limiter lim;
	bool aborted;
};

static enum wimlib_progress_status progress_cb(enum wimlib_progress_msg msg,
					       union wimlib_progress_info *info, void *arg)
{
	struct prog_ctx *p = arg;
	union wr_prog_info wi;
	uint64_t done, total;

	switch (msg) {
	case WIMLIB_PROGRESS_MSG_SCAN_BEGIN:
		/* The scan of a capture can be long on a big volume: a chance to cancel
		 * before anything is written (WR_PROG_ITEMS, nothing counted yet). */
		wi.amount.done = wi.amount.total = 0;
		if (p->fn && p->fn(WR_PROG_ITEMS, &wi, p->ctx) == WR_PROG_ABORT) {
			p->aborted = true;
			return WIMLIB_PROGRESS_STATUS_ABORT;
		}
		return WIMLIB_PROGRESS_STATUS_CONTINUE;
	case WIMLIB_PROGRESS_MSG_EXTRACT_STREAMS:
		done = info->extract.completed_bytes;
		total = info->extract.total_bytes;
		break;
	case WIMLIB_PROGRESS_MSG_WRITE_STREAMS:
		done = info->write_streams.completed_bytes;
		total = info->write_streams.total_bytes;
		break;
	default:
		return WIMLIB_PROGRESS_STATUS_CONTINUE;
	}
	if (!p->fn || !wr_prog_due(&p->lim, done, total))
		return WIMLIB_PROGRESS_STATUS_CONTINUE;
	wi.amount.done = done;
	wi.amount.total = total;
	if (p->fn(WR_PROG_BYTES, &wi, p->ctx) == WR_PROG_ABORT) {
		p->aborted = true;
		return WIMLIB_PROGRESS_STATUS_ABORT;
	}
	return WIMLIB_PROGRESS_STATUS_CONTINUE;
}

struct names_ctx {
	const char *bad;
	char bad_path[512];
};

static int check_names_cb(const struct wimlib_dir_entry *de, void *arg)
{
	struct names_ctx *c = arg;

	/* The root itself has an empty name. */
	if (de->depth == 0)
		return 0;
	if (!safe_name(de->filename)) {
		snprintf(c->bad_path, sizeof(c->bad_path), "%s",
			 de->full_path ? de->full_path : "");
		c->bad = c->bad_path;
		return 1;
	}
	return 0;
}

int wr_wim_check_image(const char *path, unsigned index, struct wr_detail *d)
{
	struct names_ctx nc = {NULL, ""};
	WIMStruct *wim;
	int code, ret;

	/* The integrity table, when the file has one, is checked on open. */
	ret = open_wim(path, WIMLIB_OPEN_FLAG_CHECK_INTEGRITY, true, &wim, d);
	if (ret == WR_ERR_READ || ret == WR_ERR_WIM)
		ret = WR_ERR_WIM_CORRUPT;
	if (ret)
		return ret;
	ret = check_index(wim, index, path, d);
	if (!ret) {
		code = wimlib_iterate_dir_tree(wim, (int)index, "",
					       WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE,
					       check_names_cb, &nc);
		if (nc.bad)
			ret = wr_detail_setf(d, WR_ERR_UNSAFE_PATH, 0, nc.bad,
					     "image %u of '%s' holds an unsafe name", index, path);
		else if (code)
			ret = wim_error(code, path, d);
	}
	wim_take_messages(NULL, 0);
	wimlib_free(wim);
	return ret;
}

int wr_wim_apply(const char *path, unsigned index, const char *ntfs_target, wr_progress_fn fn,
		 void *ctx, struct wr_detail *d)
{
	struct prog_ctx p = {fn, ctx, {0, false}, false};
	struct names_ctx nc = {NULL, ""};
	WIMStruct *wim;
	int code, ret;

	if (!ntfs_target || !*ntfs_target)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, path);
	ret = open_wim(path, 0, true, &wim, d);
	if (ret)
		return ret;
	ret = check_index(wim, index, path, d);
	if (ret)
		goto out;
	/* wimlib itself skips "." and ".." names, but a name holding a separator
	 * could still be taken apart by a later tool: refuse the image before
	 * anything is written. */
	code = wimlib_iterate_dir_tree(wim, (int)index, "", WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE,
				       check_names_cb, &nc);
	if (nc.bad) {
		ret = wr_detail_setf(d, WR_ERR_UNSAFE_PATH, 0, nc.bad,
				     "image %u of '%s' holds an unsafe name", index, path);
		goto out;
	}
	if (code) {
		ret = wim_error(code, path, d);
		goto out;
	}
	wimlib_register_progress_function(wim, progress_cb, &p);
	wr_log(WR_LOG_INFO, "applying image %u of '%s' to '%s' (NTFS mode)", index, path,
	       ntfs_target);
	errno = 0;
	code = wimlib_extract_image(wim, (int)index, ntfs_target, WIMLIB_EXTRACT_FLAG_NTFS);
	if (code) {
		ret = wim_error(code, ntfs_target, d);
		goto out;
	}
	wim_take_messages(NULL, 0);
	wr_log(WR_LOG_INFO, "applied image %u of '%s'", index, path);
out:
	wimlib_free(wim);
	return ret;
}

/* Write the exclusion list as a wimlib capture configuration file. */
static int write_config(const struct wr_wim_capture_opts *o, char *path, size_t size,
			struct wr_detail *d)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;
	int fd;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t)snprintf(path, size, "%s/winrescue-capture-XXXXXX", tmp) >= size)
		return wr_detail_set(d, WR_ERR_OPEN, ENAMETOOLONG, tmp);
	fd = mkstemp(path);
	if (fd < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, path);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return wr_detail_set(d, WR_ERR_OPEN, errno, path);
	}
	fputs("[ExclusionList]\n", f);
	for (const char *const *e = o->exclusions; e && *e; e++)
		fprintf(f, "%s\n", *e);
	fputs("\n[ExclusionException]\n", f);
	for (const char *const *e = o->exceptions; e && *e; e++)
		fprintf(f, "%s\n", *e);
	if (fclose(f)) {
		unlink(path);
		return wr_detail_set(d, WR_ERR_WRITE, errno, path);
	}
	return WR_OK;
}

static bool pattern_ok(const char *s)
{
	return s && *s && !strpbrk(s, "\n\r[");
}

/* The integrity check of an existing WIM before an append, run beside the capture
 * (with no integrity table in the file: wimlib_verify_wim, every blob's SHA-1).
 *
 * Opening with WIMLIB_OPEN_FLAG_CHECK_INTEGRITY reads the whole file and checks every
 * chunk against its integrity table: for a big file that is most of the time of a
 * second capture of an unchanged system (the scan reads only the volume's metadata).
 * The same check, by wimlib on a second WIMStruct of the same file (wimlib allows one
 * WIMStruct per thread), runs in a thread while the volume is scanned; its result is
 * waited for before anything is written, and a failure refuses the append as before.
 * Nothing is weaker: the same function checks the same bytes before the first write. */
struct verify_job {
	const char *path;
	pthread_t thread;
	bool running;
	atomic_bool stop;	/* the capture failed: the check may end early */
	int code;		/* wimlib's result */
};

static enum wimlib_progress_status verify_progress(enum wimlib_progress_msg msg,
						   union wimlib_progress_info *info, void *arg)
{
	struct verify_job *v = arg;

	(void)msg;
	(void)info;
	return atomic_load(&v->stop) ? WIMLIB_PROGRESS_STATUS_ABORT
				     : WIMLIB_PROGRESS_STATUS_CONTINUE;
}

static void *verify_main(void *arg)
{
	struct verify_job *v = arg;
	WIMStruct *w = NULL;

	v->code = wimlib_open_wim_with_progress(v->path, WIMLIB_OPEN_FLAG_CHECK_INTEGRITY, &w,
						verify_progress, v);
	if (!v->code) {
		/* Without an integrity table the open checked only the metadata: verify
		 * every blob against its SHA-1 instead, so damaged file data that the new
		 * image would reference is refused just the same. */
		struct wimlib_wim_info wi;

		if (!wimlib_get_wim_info(w, &wi) && !wi.has_integrity_table)
			v->code = wimlib_verify_wim(w, 0);
	}
	wimlib_free(w);
	return NULL;
}

static int verify_start(struct verify_job *v, const char *path, struct wr_detail *d)
{
	int err;

	v->path = path;
	v->code = 0;
	atomic_init(&v->stop, false);
	err = pthread_create(&v->thread, NULL, verify_main, v);
	if (err)
		return wr_detail_set(d, WR_ERR_NOMEM, err, path);
	v->running = true;
	return WR_OK;
}

/* Wait for the check; WR_OK when the file is sound (or no check was started). */
static int verify_finish(struct verify_job *v, struct wr_detail *d)
{
	int ret;

	if (!v->running)
		return WR_OK;
	pthread_join(v->thread, NULL);
	v->running = false;
	if (!v->code)
		return WR_OK;
	ret = wim_error(v->code, v->path, d);
	return ret == WR_ERR_READ || ret == WR_ERR_WIM ? WR_ERR_WIM_CORRUPT : ret;
}

int wr_wim_capture(const char *ntfs_source, const char *wim_path,
		   const struct wr_wim_capture_opts *opts, wr_progress_fn fn, void *ctx,
		   unsigned *index_out, struct wr_detail *d)
{
	struct prog_ctx p = {fn, ctx, {0, false}, false};
	struct verify_job verify = {.running = false};
	struct wimlib_wim_info wi;
	WIMStruct *wim = NULL;
	char config[4096] = "";
	const char *failed = NULL;	/* subject of a failed wimlib call */
	bool existing = false;
	struct stat st;
	int code = 0, ret, write_flags;

	if (index_out)
		*index_out = 0;
	if (!ntfs_source || !wim_path || !opts || !opts->name || !*opts->name)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, wim_path);
	for (const char *const *e = opts->exclusions; e && *e; e++)
		if (!pattern_ok(*e))
			return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, *e);
	for (const char *const *e = opts->exceptions; e && *e; e++)
		if (!pattern_ok(*e))
			return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, *e);
	wim_init();
	if (stat(wim_path, &st) == 0) {
		existing = true;
		/* An existing WIM is only appended to when it is sound: its header, lookup
		 * table and XML are checked on open, every byte against the integrity
		 * table by the check started below (waited for before any write). */
		ret = open_wim(wim_path, WIMLIB_OPEN_FLAG_WRITE_ACCESS, false, &wim, d);
		if (ret == WR_ERR_READ || ret == WR_ERR_WIM)
			ret = WR_ERR_WIM_CORRUPT;
		if (ret)
			return ret;
		wimlib_get_wim_info(wim, &wi);
		if (wi.total_parts > 1) {
			ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, wim_path,
					     "cannot append to a split WIM");
			goto out;
		}
		ret = verify_start(&verify, wim_path, d);
		if (ret)
			goto out;
	} else if (errno != ENOENT) {
		return wr_detail_set(d, WR_ERR_OPEN, errno, wim_path);
	} else {
		code = wimlib_create_new_wim(WIMLIB_COMPRESSION_TYPE_LZX, &wim);
		if (code)
			return wim_error(code, wim_path, d);
	}
	ret = write_config(opts, config, sizeof(config), d);
	if (ret)
		goto out;
	wimlib_register_progress_function(wim, progress_cb, &p);
	wr_log(WR_LOG_INFO, "capturing '%s' into '%s' as '%s'%s", ntfs_source, wim_path, opts->name,
	       existing ? " (append)" : "");
	code = wimlib_add_image(wim, ntfs_source, opts->name, config, WIMLIB_ADD_FLAG_NTFS);
	if (code) {
		failed = ntfs_source;
		goto wimlib_failed;
	}
	wimlib_get_wim_info(wim, &wi);
	if (existing && opts->update_of_last && wi.image_count >= 2) {
		/* An earlier capture of the same volume: files whose times and sizes did
		 * not change take their checksums from it and are not read again (what
		 * wimlib-imagex append --update-of does). */
		code = wimlib_reference_template_image(wim, (int)wi.image_count, wim,
						       (int)wi.image_count - 1, 0);
		if (code) {
			failed = wim_path;
			goto wimlib_failed;
		}
	}
	if (opts->description && *opts->description) {
		code = wimlib_set_image_descripton(wim, (int)wi.image_count, opts->description);
		if (code) {
			failed = wim_path;
			goto wimlib_failed;
		}
	}
	/* Nothing has been written yet: a damaged existing file is refused here. */
	ret = verify_finish(&verify, d);
	if (ret)
		goto out;
	/* FSYNC: the data reaches the disk before the header that points at it. */
	write_flags = WIMLIB_WRITE_FLAG_FSYNC |
		      (opts->integrity ? WIMLIB_WRITE_FLAG_CHECK_INTEGRITY : 0);
	if (existing) {
		/* Appends the new image; file data already in the WIM is not written
		 * again.  On failure wimlib truncates the file back. */
		code = wimlib_overwrite(wim, write_flags, 0);
	} else {
		code = wimlib_write(wim, wim_path, WIMLIB_ALL_IMAGES, write_flags, 0);
		if (code)
			unlink(wim_path);
	}
	if (code) {
		ret = wim_error(code, wim_path, d);
		goto out;
	}
	wim_take_messages(NULL, 0);
	if (index_out)
		*index_out = wi.image_count;
	wr_log(WR_LOG_INFO, "captured image %u into '%s'", wi.image_count, wim_path);
	ret = WR_OK;
	goto out;
wimlib_failed:
	/* Nothing was written.  The check is stopped and waited for before wimlib's
	 * messages are read (both write to the one message file); the failed call is
	 * what is reported, unless the check had already found the file damaged. */
	if (verify.running) {
		atomic_store(&verify.stop, true);
		pthread_join(verify.thread, NULL);
		verify.running = false;
		if (verify.code && verify.code != WIMLIB_ERR_ABORTED_BY_PROGRESS) {
			ret = wim_error(verify.code, wim_path, d);
			if (ret == WR_ERR_READ || ret == WR_ERR_WIM)
				ret = WR_ERR_WIM_CORRUPT;
			goto out;
		}
	}
	ret = wim_error(code, failed, d);
out:
	if (verify.running) {
		/* The capture failed or was stopped: its result no longer matters. */
		atomic_store(&verify.stop, true);
		verify_finish(&verify, NULL);
	}
	if (config[0])
		unlink(config);
	wimlib_free(wim);
	return ret;
}
