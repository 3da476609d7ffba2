/*
 * bcd.c - the Windows boot configuration data store (BCD).
 *
 * A BCD store is a registry hive (root "NewStoreRoot"):
 *   Description\KeyName = "BCD00000000", System, TreatAsSystem, GuidCache
 *   Objects\{GUID}\Description\Type           REG_DWORD, the object type
 *   Objects\{GUID}\Elements\<id, 8 hex>\Element the element; its registry type follows
 *                                             the id's format (bits 24-27): device,
 *                                             integer, boolean, integer list REG_BINARY;
 *                                             string, object REG_SZ; object list
 *                                             REG_MULTI_SZ.
 * It is read and written only through the hive module (hivex); no library knows the
 * BCD element formats, so they are decoded here.  The layouts below were taken from
 * the stores Windows wrote (testdata/bcd) and agree with ReactOS' boot library
 * (BL_DEVICE_DESCRIPTOR, BL_LOCAL_DEVICE, BL_FILE_PATH_DESCRIPTOR).
 *
 * A device element: a 16-byte additional-options object GUID (zero when none), then a
 * device descriptor {type, flags, size, reserved} (16 bytes) whose size counts itself.
 *   partition (type 6, size 0x48): partition GUID (GPT) or byte offset (MBR, 8 bytes
 *     and 8 zero); local device type 0; partition style 0 GPT / 1 MBR; disk GUID
 *     (GPT) or disk signature (MBR, 4 bytes and 12 zero); 16 zero bytes.
 *   RAM disk (type 0 with local type 3, flags 1): image base, size, offset (20 zero
 *     bytes); then a file path descriptor {version 1, length, path type 5} holding a
 *     partition device descriptor and the NUL-terminated UTF-16LE path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

#define BCD_KEYNAME "BCD00000000"
#define BCD_ROOT_NAME "NewStoreRoot"

/* The inherited settings objects every store bcdboot writes holds. */
#define BCD_GLOBALSETTINGS "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}"
#define BCD_DBGSETTINGS "{4636856e-540f-4170-a130-a84776f4c654}"
#define BCD_EMSSETTINGS "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}"
#define BCD_BADMEMORY "{5189b25c-5558-4bf2-bca4-289b11bd29e2}"
#define BCD_BOOTLOADERSETTINGS "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}"
#define BCD_HYPERVISORSETTINGS "{7ff607e0-4395-11db-b0de-0800200c9a66}"
#define BCD_RESUMELOADERSETTINGS "{1afa9c49-16ab-4a5c-901b-212802da9460}"

#define DEV_PARTITION 6
#define DEV_DISK 0
#define LOCAL_RAMDISK 3
#define PART_DESC_SIZE 0x48

/* ---- little-endian helpers and GUIDs --------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Binary GUID (Data1-3 little-endian) to "xxxxxxxx-..." lower case, no braces. */
static void guid_format(const uint8_t *b, char *out, size_t size)
{
	snprintf(out, size, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", get32(b),
		 (unsigned)(b[4] | b[5] << 8), (unsigned)(b[6] | b[7] << 8), b[8], b[9], b[10],
		 b[11], b[12], b[13], b[14], b[15]);
}

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" with or without braces. */
static bool guid_parse(const char *s, uint8_t *b)
{
	uint8_t raw[16];
	size_t n = 0, len = strlen(s);

	if (len == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		len = 36;
	}
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		raw[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	/* raw holds the text's byte order; store Data1-3 little-endian. */
	b[0] = raw[3], b[1] = raw[2], b[2] = raw[1], b[3] = raw[0];
	b[4] = raw[5], b[5] = raw[4], b[6] = raw[7], b[7] = raw[6];
	memcpy(b + 8, raw + 8, 8);
	return true;
}

/* ---- device elements ---------------------------------------------------------------- */

/* A partition device descriptor at p (PART_DESC_SIZE bytes, already bounds-checked). */
static int decode_partition(const uint8_t *p, struct wr_bcd_partition *part)
{
	uint32_t style = get32(p + 36);

	memset(part, 0, sizeof(*part));
	if (style == 0) {
		part->gpt = true;
		guid_format(p + 16, part->part_guid, sizeof(part->part_guid));
		guid_format(p + 40, part->disk_guid, sizeof(part->disk_guid));
	} else if (style == 1) {
		part->offset = get64(p + 16);
		part->mbr_signature = get32(p + 40);
	} else {
		return WR_ERR_CORRUPT;
	}
	return WR_OK;
}

static void encode_partition(uint8_t *p, const struct wr_bcd_partition *part)
{
	memset(p, 0, PART_DESC_SIZE);
	put32(p, DEV_PARTITION);
	put32(p + 8, PART_DESC_SIZE);
	if (part->gpt) {
		guid_parse(part->part_guid, p + 16);
		guid_parse(part->disk_guid, p + 40);
	} else {
		put64(p + 16, part->offset);
		put32(p + 36, 1);
		put32(p + 40, part->mbr_signature);
	}
}

int wr_bcd_decode_device(const void *buf, size_t len, struct wr_bcd_device *dev)
{
	const uint8_t *b = buf;
	uint32_t size;

	memset(dev, 0, sizeof(*dev));
	if (!b || len < 32)
		return WR_ERR_CORRUPT;
	if (!all_zero(b, 16)) {
		dev->options[0] = '{';
		guid_format(b, dev->options + 1, sizeof(dev->options) - 2);
		strcat(dev->options, "}");
	}
	dev->type = get32(b + 16);
	size = get32(b + 24);
	if (size < 16 || size > len - 16)
		return WR_ERR_CORRUPT;
	if (dev->type == DEV_PARTITION) {
		if (size < PART_DESC_SIZE)
			return WR_ERR_CORRUPT;
		dev->kind = WR_BCD_DEV_PARTITION;
		return decode_partition(b + 16, &dev->part);
	}
	if (dev->type == DEV_DISK && size >= 40 && get32(b + 32) == LOCAL_RAMDISK) {
		/* File path descriptor at 56: version, length, path type, device, path. */
		const uint8_t *f = b + 56, *nested;
		uint32_t flen, nsize;
		size_t avail = 16 + (size_t)size - 56;
		char *path = NULL;

		if (size < 40 + 12 + PART_DESC_SIZE)
			return WR_ERR_CORRUPT;
		flen = get32(f + 4);
		if (get32(f) != 1 || flen < 12 + PART_DESC_SIZE || flen > avail)
			return WR_ERR_CORRUPT;
		nested = f + 12;
		nsize = get32(nested + 8);
		if (get32(nested) != DEV_PARTITION || nsize != PART_DESC_SIZE)
			return WR_ERR_CORRUPT;
		dev->kind = WR_BCD_DEV_RAMDISK;
		if (decode_partition(nested, &dev->part))
			return WR_ERR_CORRUPT;
		if (wr_hive_utf16_to_utf8(nested + nsize, flen - 12 - nsize, &path))
			return WR_ERR_NOMEM;
		snprintf(dev->path, sizeof(dev->path), "%s", path);
		free(path);
		return WR_OK;
	}
	dev->kind = WR_BCD_DEV_OTHER;
	return WR_OK;
}

/* ---- reading ---------------------------------------------------------------------- */

static void element_release(struct wr_bcd_element *e)
{
	free(e->data);
	free(e->str);
	wr_strv_free(e->list);
}

void wr_bcd_free(struct wr_bcd *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nobjects; i++) {
		for (size_t j = 0; j < b->objects[i].nelements; j++)
			element_release(&b->objects[i].elements[j]);
		free(b->objects[i].elements);
	}
	free(b->objects);
	free(b);
}

/* REG_MULTI_SZ bytes into a NULL-terminated list (stops at the empty string). */
static int decode_list(const uint8_t *b, size_t len, char ***out)
{
	size_t n = 0, units = len / 2, start = 0;
	char **v = calloc(units / 2 + 2, sizeof(*v));

	if (!v)
		return WR_ERR_NOMEM;
	for (size_t i = 0; i <= units; i++) {
		if (i < units && (b[2 * i] || b[2 * i + 1]))
			continue;
		if (i == start)
			break;
		if (wr_hive_utf16_to_utf8(b + 2 * start, 2 * (i - start), &v[n])) {
			wr_strv_free(v);
			return WR_ERR_NOMEM;
		}
		n++;
		start = i + 1;
	}
	*out = v;
	return WR_OK;
}

static int decode_element(struct wr_bcd_element *e)
{
	const uint8_t *b = e->data;

	switch ((e->id >> 24) & 0xf) {
	case WR_BCD_FMT_DEVICE:
		e->decoded = wr_bcd_decode_device(b, e->len, &e->dev) == WR_OK;
		return WR_OK;
	case WR_BCD_FMT_STRING:
	case WR_BCD_FMT_OBJECT:
		if (e->reg_type != WR_REG_SZ)
			return WR_OK;
		if (wr_hive_utf16_to_utf8(b, e->len, &e->str))
			return WR_ERR_NOMEM;
		e->decoded = true;
		return WR_OK;
	case WR_BCD_FMT_OBJECT_LIST:
		if (e->reg_type != WR_REG_MULTI_SZ)
			return WR_OK;
		if (decode_list(b, e->len, &e->list))
			return WR_ERR_NOMEM;
		e->decoded = true;
		return WR_OK;
	case WR_BCD_FMT_INTEGER:
	case WR_BCD_FMT_BOOLEAN:
		if (e->reg_type != WR_REG_BINARY || e->len < 1 || e->len > 8)
			return WR_OK;
		for (size_t i = 0; i < e->len; i++)
			e->integer |= (uint64_t)b[i] << (8 * i);
		if (((e->id >> 24) & 0xf) == WR_BCD_FMT_BOOLEAN)
			e->integer = e->integer != 0;
		e->decoded = true;
		return WR_OK;
	default:
		e->decoded = e->reg_type == WR_REG_BINARY;
		return WR_OK;
	}
}

static int cmp_object(const void *a, const void *b)
{
	return strcasecmp(((const struct wr_bcd_object *)a)->guid,
			  ((const struct wr_bcd_object *)b)->guid);
}

static int cmp_element(const void *a, const void *b)
{
	uint32_t x = ((const struct wr_bcd_element *)a)->id;
	uint32_t y = ((const struct wr_bcd_element *)b)->id;

	return x < y ? -1 : x > y;
}

/* A key name usable in a path: no separator, not empty, not too long. */
static bool plain_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n < max && !strchr(s, '\\');
}

/* "8 hex digits" (or fewer) to an element id. */
static bool parse_id(const char *s, uint32_t *id)
{
	uint32_t v = 0;
	size_t n = strlen(s);

	if (!n || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[i]);

		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*id = v;
	return true;
}

static int read_object(struct wr_hive *h, const char *guid, struct wr_bcd_object *o,
		       struct wr_detail *d)
{
	char key[256], **names = NULL;
	size_t n;
	int ret;

	snprintf(o->guid, sizeof(o->guid), "%s", guid);
	snprintf(key, sizeof(key), "Objects\\%s\\Description", guid);
	ret = wr_hive_get_dword(h, key, "Type", &o->type, d);
	if (ret == WR_ERR_NOT_FOUND || ret == WR_ERR_HIVE)
		ret = WR_OK;	/* an object without a type: kept, type 0 */
	if (ret)
		return ret;
	snprintf(key, sizeof(key), "Objects\\%s\\Elements", guid);
	ret = wr_hive_subkeys(h, key, &names, d);
	if (ret == WR_ERR_NOT_FOUND)
		return WR_OK;
	if (ret)
		return ret;
	n = wr_strv_len(names);
	if (n > WR_BCD_MAX_ELEMENTS) {
		ret = wr_detail_set(d, WR_ERR_TOO_LARGE, 0, key);
		goto out;
	}
	o->elements = calloc(n ? n : 1, sizeof(*o->elements));
	if (!o->elements) {
		ret = WR_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct wr_bcd_element *e = &o->elements[o->nelements];
		char ekey[300];
		uint32_t id;

		if (!plain_name(names[i], 16) || !parse_id(names[i], &id)) {
			wr_log(WR_LOG_WARN, "bcd: object %s: element key '%s' skipped", guid,
			       names[i]);
			continue;
		}
		snprintf(ekey, sizeof(ekey), "%s\\%s", key, names[i]);
		e->id = id;
		ret = wr_hive_get_binary(h, ekey, "Element", &e->data, &e->len, &e->reg_type, d);
		if (ret == WR_ERR_NOT_FOUND || ret == WR_ERR_TOO_LARGE) {
			wr_log(WR_LOG_WARN, "bcd: %s has no usable Element value", ekey);
			element_release(e);
			memset(e, 0, sizeof(*e));
			ret = WR_OK;
			continue;
		}
		if (ret)
			goto out;
		o->nelements++;
		ret = decode_element(e);
		if (ret)
			goto out;
	}
	qsort(o->elements, o->nelements, sizeof(*o->elements), cmp_element);
out:
	wr_strv_free(names);
	return ret;
}

int wr_bcd_read(const char *host_path, bool allow_template, struct wr_bcd **out,
		struct wr_detail *d)
{
	struct wr_hive *h = NULL;
	struct wr_bcd *b = NULL;
	char *keyname = NULL, **objs = NULL;
	size_t n;
	int ret;

	*out = NULL;
	ret = wr_hive_open(host_path, false, &h, d);
	if (ret)
		return ret;
	ret = wr_hive_get_string(h, "Description", "KeyName", &keyname, d);
	if (ret == WR_ERR_NOT_FOUND || ret == WR_ERR_HIVE ||
	    (!ret && strcasecmp(keyname, BCD_KEYNAME)) || !wr_hive_key_exists(h, "Objects")) {
		ret = wr_detail_set(d, WR_ERR_NOT_BCD, 0, host_path);
		goto out;
	}
	if (ret)
		goto out;
	ret = wr_hive_subkeys(h, "Objects", &objs, d);
	if (ret)
		goto out;
	n = wr_strv_len(objs);
	if (n > WR_BCD_MAX_OBJECTS) {
		ret = wr_detail_set(d, WR_ERR_TOO_LARGE, 0, host_path);
		goto out;
	}
	b = calloc(1, sizeof(*b));
	if (!b || !(b->objects = calloc(n ? n : 1, sizeof(*b->objects)))) {
		ret = WR_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!plain_name(objs[i], sizeof(b->objects[0].guid))) {
			wr_log(WR_LOG_WARN, "bcd: object key '%s' skipped", objs[i]);
			continue;
		}
		ret = read_object(h, objs[i], &b->objects[b->nobjects++], d);
		if (ret)
			goto out;
	}
	qsort(b->objects, b->nobjects, sizeof(*b->objects), cmp_object);

	b->is_template = true;
	for (size_t i = 0; i < b->nobjects; i++)
		for (size_t j = 0; j < b->objects[i].nelements; j++)
			if (((b->objects[i].elements[j].id >> 24) & 0xf) == WR_BCD_FMT_DEVICE)
				b->is_template = false;
	if (!b->nobjects)
		b->is_template = false;
	{
		const struct wr_bcd_element *e =
			wr_bcd_element(wr_bcd_find(b, WR_BCD_BOOTMGR), WR_BCDE_DEFAULT);

		if (e && e->str)
			snprintf(b->default_entry, sizeof(b->default_entry), "%s", e->str);
	}
	if (b->is_template && !allow_template) {
		ret = wr_detail_set(d, WR_ERR_BCD_TEMPLATE, 0, host_path);
		goto out;
	}
	*out = b;
	b = NULL;
out:
	if (ret == WR_ERR_HIVE_CORRUPT || ret == WR_ERR_HIVE)
		wr_log_err("bcd: read store", ret, d);
	wr_bcd_free(b);
	wr_strv_free(objs);
	free(keyname);
	wr_hive_close(h);
	return ret;
}

const struct wr_bcd_object *wr_bcd_find(const struct wr_bcd *b, const char *guid)
{
	if (!b || !guid)
		return NULL;
	for (size_t i = 0; i < b->nobjects; i++)
		if (!strcasecmp(b->objects[i].guid, guid))
			return &b->objects[i];
	return NULL;
}

const struct wr_bcd_element *wr_bcd_element(const struct wr_bcd_object *o, uint32_t id)
{
	if (!o)
		return NULL;
	for (size_t i = 0; i < o->nelements; i++)
		if (o->elements[i].id == id)
			return &o->elements[i];
	return NULL;
}

/* ---- writing ---------------------------------------------------------------------- */

/* New GUIDs the way bcdedit makes them: time-based (version 1), consecutive times,
 * one clock sequence and node per store.  The node is random with the multicast bit
 * set (RFC 4122 4.5: not a network card's address). */
struct guid_gen {
	uint64_t time;		/* 100 ns ticks since 1582-10-15 */
	uint8_t clock_node[8];	/* clock sequence (2) and node (6), as stored */
	unsigned count;
	uint64_t filetime;	/* the store's creation time, for GuidCache */
};

static int guid_gen_init(struct guid_gen *g)
{
	struct timespec ts;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end = NULL;
	unsigned long long fixed = sde && *sde ? strtoull(sde, &end, 10) : 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (end && !*end) {
		/* Reproducible test fixtures (as wr_regf_create_blank): the time, and a
		 * clock sequence and node derived from it (splitmix64). */
		uint64_t z = fixed + 0x9e3779b97f4a7c15ull;

		ts.tv_sec = (time_t)fixed;
		ts.tv_nsec = 0;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (int i = 0; i < 8; i++)
			g->clock_node[i] = (uint8_t)(z >> (8 * i));
	} else if (getrandom(g->clock_node, sizeof(g->clock_node), 0) !=
		   (ssize_t)sizeof(g->clock_node)) {
		return WR_ERR_READ;
	}
	g->filetime = ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull +
		      (uint64_t)ts.tv_nsec / 100;
	g->time = g->filetime + 0x00146bf33e42c000ull;	/* 1582-10-15 to 1601-01-01 */
	g->clock_node[0] = (uint8_t)((g->clock_node[0] & 0x3f) | 0x80);	/* variant 10 */
	g->clock_node[2] |= 0x01;	/* multicast: a random node */
	g->count = 0;
	return WR_OK;
}

static void guid_gen_next(struct guid_gen *g, char *out, size_t size)
{
	uint64_t t = g->time + g->count++;
	const uint8_t *c = g->clock_node;

	snprintf(out, size, "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
		 (unsigned)(t & 0xffffffffu), (unsigned)((t >> 32) & 0xffff),
		 (unsigned)(((t >> 48) & 0x0fff) | 0x1000), c[0], c[1], c[2], c[3], c[4], c[5],
		 c[6], c[7]);
}

int wr_bcd_new_guid(char *out, size_t size)
{
	struct guid_gen g;
	int ret = guid_gen_init(&g);

	if (ret)
		return ret;
	guid_gen_next(&g, out, size);
	return WR_OK;
}

struct writer {
	struct wr_hive *h;
	struct wr_detail *d;
	int err;
};

static void w_object(struct writer *w, const char *guid, uint32_t type)
{
	char key[128];

	if (w->err)
		return;
	snprintf(key, sizeof(key), "Objects\\%s\\Description", guid);
	w->err = wr_hive_add_key(w->h, key, w->d);
	if (!w->err)
		w->err = wr_hive_set_dword(w->h, key, "Type", type, w->d);
	snprintf(key, sizeof(key), "Objects\\%s\\Elements", guid);
	if (!w->err)
		w->err = wr_hive_add_key(w->h, key, w->d);
}

/* Creates the element key; returns false when an earlier step failed. */
static bool w_key(struct writer *w, const char *guid, uint32_t id, char *key, size_t size)
{
	if (w->err)
		return false;
	snprintf(key, size, "Objects\\%s\\Elements\\%08x", guid, id);
	w->err = wr_hive_add_key(w->h, key, w->d);
	return !w->err;
}

static void w_bin(struct writer *w, const char *guid, uint32_t id, const void *buf, size_t len)
{
	char key[160];

	if (w_key(w, guid, id, key, sizeof(key)))
		w->err = wr_hive_set_binary(w->h, key, "Element", WR_REG_BINARY, buf, len, w->d);
}

static void w_str(struct writer *w, const char *guid, uint32_t id, const char *s)
{
	char key[160];

	if (w_key(w, guid, id, key, sizeof(key)))
		w->err = wr_hive_set_string(w->h, key, "Element", s, false, w->d);
}

static void w_list(struct writer *w, const char *guid, uint32_t id, const char *a,
		   const char *b, const char *c)
{
	char key[160];
	char *v[4] = { (char *)a, (char *)b, (char *)c, NULL };

	if (w_key(w, guid, id, key, sizeof(key)))
		w->err = wr_hive_set_multi_string(w->h, key, "Element", v, w->d);
}

static void w_int(struct writer *w, const char *guid, uint32_t id, uint64_t v)
{
	uint8_t b[8];

	put64(b, v);
	w_bin(w, guid, id, b, sizeof(b));
}

static void w_bool(struct writer *w, const char *guid, uint32_t id, bool v)
{
	uint8_t b = v;

	w_bin(w, guid, id, &b, 1);
}

static void w_partition(struct writer *w, const char *guid, uint32_t id,
			const struct wr_bcd_partition *part)
{
	uint8_t b[16 + PART_DESC_SIZE];

	memset(b, 0, 16);
	encode_partition(b + 16, part);
	w_bin(w, guid, id, b, sizeof(b));
}

/* The RAM disk device of WinRE: options object, Winre.wim's partition and path. */
static void w_ramdisk(struct writer *w, const char *guid, uint32_t id, const char *options,
		      const struct wr_bcd_partition *part, const char *path)
{
	uint8_t b[2048];
	size_t n = 0, total;

	memset(b, 0, sizeof(b));
	/* UTF-16LE path (ASCII only: the WinRE folder names Windows uses). */
	for (const char *s = path; *s && 140 + 2 * n + 4 < sizeof(b); s++, n++)
		b[140 + 2 * n] = (uint8_t)(*s & 0x7f);
	total = 140 + 2 * (n + 1);
	guid_parse(options, b);
	put32(b + 16, DEV_DISK);
	put32(b + 20, 1);
	put32(b + 24, (uint32_t)(total - 16));
	put32(b + 32, LOCAL_RAMDISK);
	put32(b + 56, 1);
	put32(b + 60, (uint32_t)(total - 56));
	put32(b + 64, 5);
	encode_partition(b + 68, part);
	w_bin(w, guid, id, b, total);
}

static bool ascii_path(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool valid_partition(const struct wr_bcd_partition *p)
{
	uint8_t g[16];

	if (!p->gpt)
		return p->offset != 0;
	return guid_parse(p->disk_guid, g) && guid_parse(p->part_guid, g);
}

static void pick_guid(struct guid_gen *g, const char *given, char *out, size_t size)
{
	uint8_t b[16];

	if (given && *given && guid_parse(given, b)) {
		out[0] = '{';
		guid_format(b, out + 1, size - 2);
		strcat(out, "}");
	} else {
		guid_gen_next(g, out, size);
	}
}

static void write_objects(struct writer *w, const struct wr_bcd_spec *s, struct guid_gen *g)
{
	const char *locale = s->locale && *s->locale ? s->locale : "en-US";
	const char *descr = s->description && *s->description ? s->description : "Windows";
	const char *root = s->systemroot && *s->systemroot ? s->systemroot : "\\Windows";
	const char *ext = s->efi ? "efi" : "exe";
	char loader[40], resume[40], winre[40], ramdisk[40], path[1200];

	pick_guid(g, s->loader_guid, loader, sizeof(loader));
	pick_guid(g, s->resume_guid, resume, sizeof(resume));
	pick_guid(g, s->winre_guid, winre, sizeof(winre));
	pick_guid(g, s->ramdisk_guid, ramdisk, sizeof(ramdisk));

	/* Windows Boot Manager. */
	w_object(w, WR_BCD_BOOTMGR, 0x10100002);
	w_partition(w, WR_BCD_BOOTMGR, WR_BCDE_DEVICE, &s->boot);
	if (s->efi)
		w_str(w, WR_BCD_BOOTMGR, WR_BCDE_PATH, "\\EFI\\Microsoft\\Boot\\bootmgfw.efi");
	w_str(w, WR_BCD_BOOTMGR, WR_BCDE_DESCRIPTION, "Windows Boot Manager");
	w_str(w, WR_BCD_BOOTMGR, WR_BCDE_LOCALE, locale);
	w_list(w, WR_BCD_BOOTMGR, WR_BCDE_INHERIT, BCD_GLOBALSETTINGS, NULL, NULL);
	w_str(w, WR_BCD_BOOTMGR, WR_BCDE_DEFAULT, loader);
	w_str(w, WR_BCD_BOOTMGR, WR_BCDE_RESUMEOBJECT, resume);
	w_list(w, WR_BCD_BOOTMGR, WR_BCDE_DISPLAYORDER, loader, NULL, NULL);
	w_list(w, WR_BCD_BOOTMGR, WR_BCDE_TOOLSDISPLAYORDER, WR_BCD_MEMDIAG, NULL, NULL);
	w_int(w, WR_BCD_BOOTMGR, WR_BCDE_TIMEOUT, s->timeout);

	/* Windows Boot Loader. */
	w_object(w, loader, 0x10200003);
	w_partition(w, loader, WR_BCDE_DEVICE, &s->windows);
	snprintf(path, sizeof(path), "%s\\system32\\winload.%s", root, ext);
	w_str(w, loader, WR_BCDE_PATH, path);
	w_str(w, loader, WR_BCDE_DESCRIPTION, descr);
	w_str(w, loader, WR_BCDE_LOCALE, locale);
	w_list(w, loader, WR_BCDE_INHERIT, BCD_BOOTLOADERSETTINGS, NULL, NULL);
	if (s->winre) {
		w_list(w, loader, WR_BCDE_RECOVERYSEQUENCE, winre, NULL, NULL);
		w_int(w, loader, 0x15000066, 3);	/* bootstatuspolicy-style policy */
		w_bool(w, loader, WR_BCDE_RECOVERYENABLED, true);
	}
	w_bool(w, loader, 0x16000060, true);		/* isolatedcontext */
	w_int(w, loader, 0x17000077, 0x15000075);	/* allowedinmemorysettings */
	w_partition(w, loader, WR_BCDE_OSDEVICE, &s->windows);
	w_str(w, loader, WR_BCDE_SYSTEMROOT, root);
	w_str(w, loader, WR_BCDE_DEFAULT, resume);	/* resumeobject */
	w_int(w, loader, 0x25000020, 0);		/* nx OptIn */
	w_int(w, loader, 0x250000c2, 1);		/* bootmenupolicy Standard */

	/* Resume from hibernation: hiberfil.sys is on the Windows partition. */
	w_object(w, resume, 0x10200004);
	w_partition(w, resume, WR_BCDE_DEVICE, &s->windows);
	snprintf(path, sizeof(path), "%s\\system32\\winresume.%s", root, ext);
	w_str(w, resume, WR_BCDE_PATH, path);
	w_str(w, resume, WR_BCDE_DESCRIPTION, "Windows Resume Application");
	w_str(w, resume, WR_BCDE_LOCALE, locale);
	w_list(w, resume, WR_BCDE_INHERIT, BCD_RESUMELOADERSETTINGS, NULL, NULL);
	if (s->winre) {
		w_list(w, resume, WR_BCDE_RECOVERYSEQUENCE, winre, NULL, NULL);
		w_bool(w, resume, WR_BCDE_RECOVERYENABLED, true);
	}
	w_bool(w, resume, 0x16000060, true);
	w_int(w, resume, 0x17000077, 0x15000075);
	w_partition(w, resume, WR_BCDE_OSDEVICE, &s->windows);	/* filedevice */
	w_str(w, resume, WR_BCDE_SYSTEMROOT, "\\hiberfil.sys");	/* filepath */
	w_int(w, resume, 0x25000008, 1);		/* bootmenupolicy */
	w_bool(w, resume, 0x26000006, false);		/* debugoptionenabled */

	/* Windows Recovery Environment on a RAM disk, and its device options. */
	if (s->winre) {
		const char *dir = s->winre_dir && *s->winre_dir ? s->winre_dir
							       : "\\Recovery\\WindowsRE";

		w_object(w, winre, 0x10200003);
		snprintf(path, sizeof(path), "%s\\Winre.wim", dir);
		w_ramdisk(w, winre, WR_BCDE_DEVICE, ramdisk, &s->winre_part, path);
		snprintf(path, sizeof(path), "\\windows\\system32\\winload.%s", ext);
		w_str(w, winre, WR_BCDE_PATH, path);
		w_str(w, winre, WR_BCDE_DESCRIPTION, "Windows Recovery Environment");
		w_str(w, winre, WR_BCDE_LOCALE, locale);
		w_list(w, winre, WR_BCDE_INHERIT, BCD_BOOTLOADERSETTINGS, NULL, NULL);
		w_int(w, winre, 0x15000065, 3);		/* nx AlwaysOn? (as Windows) */
		snprintf(path, sizeof(path), "%s\\Winre.wim", dir);
		w_ramdisk(w, winre, WR_BCDE_OSDEVICE, ramdisk, &s->winre_part, path);
		w_str(w, winre, WR_BCDE_SYSTEMROOT, "\\windows");
		w_int(w, winre, 0x25000020, 0);
		w_int(w, winre, 0x250000c2, 1);
		w_bool(w, winre, 0x26000022, true);	/* winpe */
		w_bool(w, winre, 0x46000010, true);	/* custom: disable EMS */

		w_object(w, ramdisk, 0x30000000);
		w_str(w, ramdisk, WR_BCDE_DESCRIPTION, "Windows Recovery");
		w_partition(w, ramdisk, WR_BCDE_RAMDISK_SDIDEVICE, &s->winre_part);
		snprintf(path, sizeof(path), "%s\\boot.sdi", dir);
		w_str(w, ramdisk, WR_BCDE_RAMDISK_SDIPATH, path);
	}

	/* Windows Memory Diagnostic, on the boot partition. */
	w_object(w, WR_BCD_MEMDIAG, 0x10200005);
	w_partition(w, WR_BCD_MEMDIAG, WR_BCDE_DEVICE, &s->boot);
	w_str(w, WR_BCD_MEMDIAG, WR_BCDE_PATH,
	      s->efi ? "\\EFI\\Microsoft\\Boot\\memtest.efi" : "\\boot\\memtest.exe");
	w_str(w, WR_BCD_MEMDIAG, WR_BCDE_DESCRIPTION, "Windows Memory Diagnostic");
	w_str(w, WR_BCD_MEMDIAG, WR_BCDE_LOCALE, locale);
	w_list(w, WR_BCD_MEMDIAG, WR_BCDE_INHERIT, BCD_GLOBALSETTINGS, NULL, NULL);
	w_bool(w, WR_BCD_MEMDIAG, 0x1600000b, true);	/* badmemoryaccess */

	/* The inherited settings objects, as in the stores Windows writes. */
	w_object(w, BCD_GLOBALSETTINGS, 0x20100000);
	w_list(w, BCD_GLOBALSETTINGS, WR_BCDE_INHERIT, BCD_DBGSETTINGS, BCD_EMSSETTINGS,
	       BCD_BADMEMORY);
	w_object(w, BCD_DBGSETTINGS, 0x20100000);
	w_int(w, BCD_DBGSETTINGS, 0x15000011, 4);	/* debugtype Local */
	w_object(w, BCD_EMSSETTINGS, 0x20100000);
	w_bool(w, BCD_EMSSETTINGS, 0x16000020, false);	/* bootems */
	w_object(w, BCD_BADMEMORY, 0x20100000);
	w_object(w, BCD_BOOTLOADERSETTINGS, 0x20200003);
	w_list(w, BCD_BOOTLOADERSETTINGS, WR_BCDE_INHERIT, BCD_GLOBALSETTINGS,
	       BCD_HYPERVISORSETTINGS, NULL);
	w_object(w, BCD_HYPERVISORSETTINGS, 0x20200003);
	w_int(w, BCD_HYPERVISORSETTINGS, 0x250000f3, 0);	/* hypervisordebugtype */
	w_int(w, BCD_HYPERVISORSETTINGS, 0x250000f4, 1);	/* hypervisordebugport */
	w_int(w, BCD_HYPERVISORSETTINGS, 0x250000f5, 115200);	/* hypervisorbaudrate */
	w_object(w, BCD_RESUMELOADERSETTINGS, 0x20200004);
	w_list(w, BCD_RESUMELOADERSETTINGS, WR_BCDE_INHERIT, BCD_GLOBALSETTINGS, NULL, NULL);
}

int wr_bcd_write(const char *host_path, const struct wr_bcd_spec *s, struct wr_detail *d)
{
	struct writer w = { .d = d };
	struct guid_gen g;
	uint8_t cache[24];
	bool created = false;
	int ret;

	if (!host_path || !s || !valid_partition(&s->boot) || !valid_partition(&s->windows) ||
	    (s->winre && !valid_partition(&s->winre_part)) ||
	    (s->winre_dir && !ascii_path(s->winre_dir)))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, host_path ? host_path : "");
	ret = guid_gen_init(&g);
	if (ret)
		return wr_detail_set(d, ret, errno, "getrandom");
	ret = wr_regf_create_blank(host_path, BCD_ROOT_NAME, d);
	if (ret)
		return ret;
	created = true;
	ret = wr_hive_open(host_path, true, &w.h, d);
	if (ret)
		goto out;
	w.err = wr_hive_add_key(w.h, "Description", d);
	if (!w.err)
		w.err = wr_hive_set_string(w.h, "Description", "KeyName", BCD_KEYNAME, false, d);
	if (!w.err)
		w.err = wr_hive_set_dword(w.h, "Description", "System", 1, d);
	if (!w.err)
		w.err = wr_hive_set_dword(w.h, "Description", "TreatAsSystem", 1, d);
	if (!w.err)
		w.err = wr_hive_add_key(w.h, "Objects", d);
	write_objects(&w, s, &g);
	/* GuidCache, laid out as in the stores Windows writes: the time it was made
	 * (FILETIME), a 32-bit value (0x2706 and 0x270c seen; kept), the clock sequence
	 * and node of the GUIDs made, and how many were made. */
	put64(cache, g.filetime);
	put32(cache + 8, 0x2706);
	memcpy(cache + 12, g.clock_node, 8);
	put32(cache + 20, g.count);
	if (!w.err)
		w.err = wr_hive_set_binary(w.h, "Description", "GuidCache", WR_REG_BINARY, cache,
					   sizeof(cache), d);
	ret = w.err;
	if (!ret)
		ret = wr_hive_commit(w.h, d);
out:
	wr_hive_close(w.h);
	if (ret && created)
		unlink(host_path);
	if (ret)
		wr_log_err("bcd: write store", ret, d);
	return ret;
}
