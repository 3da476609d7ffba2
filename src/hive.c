/*
 * hive.c - registry hives through hivex: typed, bounded getters and safe setters.
 *
 * The only file that includes hivex.h.  Every value in a hive is untrusted input:
 * lengths are checked before anything is allocated, strings are decoded from UTF-16LE
 * here (not by hivex) so that decoding stops at the first NUL - real Windows 7 hives
 * carry garbage after it - and invalid UTF-16 becomes U+FFFD instead of an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "winrescue.h"

/* A hive larger than this is not a registry hive we expect to meet (real SOFTWARE
 * hives are a few hundred MB at most). */
#define HIVE_MAX_FILE ((off_t)2 << 30)
/* Longest key path a caller may pass (bytes). */
#define HIVE_MAX_PATH 4096

struct wr_hive {
	hive_h *h;
	bool write;
	char path[4096];
};

static int hive_err(struct wr_detail *d, int err, int e, const char *subject, const char *what)
{
	if (e)
		wr_detail_setf(d, err, e, subject, "hivex: %s: %s", what, strerror(e));
	else
		wr_detail_setf(d, err, 0, subject, "hivex: %s", what);
	return err; /* said here: the analyser does not see that wr_detail_setf returns it */
}

int wr_hive_open(const char *host_path, bool write, struct wr_hive **out, struct wr_detail *d)
{
	struct wr_hive *hv;
	struct stat st;
	int fd, e;

	if (!host_path || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, host_path);
	*out = NULL;
	if (strlen(host_path) >= sizeof(hv->path))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, ENAMETOOLONG, host_path);
	/* Tell "cannot open" apart from "cannot parse" before hivex sees the file. */
	fd = open(host_path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, host_path);
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return wr_detail_set(d, WR_ERR_READ, e, host_path);
	}
	close(fd);
	if (!S_ISREG(st.st_mode))
		return wr_detail_setf(d, WR_ERR_HIVE_CORRUPT, 0, host_path, "not a regular file");
	if (st.st_size > HIVE_MAX_FILE)
		return wr_detail_setf(d, WR_ERR_TOO_LARGE, 0, host_path, "hive is %lld bytes",
				      (long long)st.st_size);

	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, host_path);
	snprintf(hv->path, sizeof(hv->path), "%s", host_path);
	hv->write = write;
	errno = 0;
	hv->h = hivex_open(host_path, write ? HIVEX_OPEN_WRITE : 0);
	if (!hv->h) {
		e = errno ? errno : EINVAL;
		free(hv);
		wr_log(WR_LOG_WARN, "hivex cannot open '%s': %s", host_path, strerror(e));
		if (e == ENOMEM)
			return wr_detail_set(d, WR_ERR_NOMEM, e, host_path);
		hive_err(d, WR_ERR_HIVE_CORRUPT, e, host_path, "open");
		if (d)
			d->lib_code = e;
		return WR_ERR_HIVE_CORRUPT;
	}
	*out = hv;
	return WR_OK;
}

void wr_hive_close(struct wr_hive *h)
{
	if (!h)
		return;
	hivex_close(h->h);
	free(h);
}

/* ---- case-insensitive names ------------------------------------------------ */

/* Decode one UTF-8 sequence; returns its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return *cp >= 0x80 ? 2 : 0;
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		      (s[2] & 0x3f);
		return (*cp >= 0x800 && (*cp < 0xd800 || *cp > 0xdfff)) ? 3 : 0;
	}
	if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
		      ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		return (*cp >= 0x10000 && *cp <= 0x10ffff) ? 4 : 0;
	}
	return 0;
}

/* Upper-case the way the registry compares names, for the scripts our users write
 * in (Latin, Greek, Cyrillic).  The registry uses its own upcase table; no library
 * here offers it without a locale, and the engine must not depend on the locale. */
static uint32_t fold(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 0x20;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return c - 0x20;
	if (c >= 0x100 && c <= 0x17f && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 &&
	    c != 0x17f) {
		/* Latin Extended-A pairs: even upper, odd lower, except a shifted run. */
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c : c - 1;
		return (c & 1) ? c - 1 : c;
	}
	if (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2)
		return c - 0x20;
	if (c >= 0x430 && c <= 0x44f)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45f)
		return c - 0x50;
	return c;
}

static bool name_eq(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

	while (*p && *q) {
		uint32_t x, y;
		size_t n = utf8_decode(p, &x), m = utf8_decode(q, &y);

		if (!n || !m) { /* invalid UTF-8: compare bytes */
			if (*p != *q)
				return false;
			p++, q++;
			continue;
		}
		if (fold(x) != fold(y))
			return false;
		p += n, q += m;
	}
	return *p == *q;
}

/* ---- key lookup ------------------------------------------------------------- */

static int get_child(struct wr_hive *h, hive_node_h node, const char *name, hive_node_h *out,
		     struct wr_detail *d)
{
	hive_node_h *kids;
	hive_node_h child;
	bool ascii = true;

	for (const char *p = name; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = false;
	errno = 0;
	child = hivex_node_get_child(h->h, node, name);
	if (child) {
		*out = child;
		return WR_OK;
	}
	if (errno)
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, name, "subkey lookup");
	if (ascii)
		return WR_ERR_NOT_FOUND;
	/* hivex folds ASCII only: compare non-ASCII names ourselves. */
	kids = hivex_node_children(h->h, node);
	if (!kids)
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, name, "subkey list");
	for (size_t i = 0; kids[i]; i++) {
		char *n = hivex_node_name(h->h, kids[i]);
		bool eq = n && name_eq(n, name);

		free(n);
		if (eq) {
			*out = kids[i];
			free(kids);
			return WR_OK;
		}
	}
	free(kids);
	return WR_ERR_NOT_FOUND;
}

/* Walk a '\\'-separated path from the root.  Empty components are skipped. */
static int find_key(struct wr_hive *h, const char *key, hive_node_h *out, struct wr_detail *d)
{
	char buf[HIVE_MAX_PATH];
	hive_node_h node;
	char *save = NULL, *comp;
	size_t len;
	int ret;

	if (!h || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	*out = 0;
	node = hivex_root(h->h);
	if (!node)
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, h->path, "root key");
	if (!key)
		key = "";
	len = strlen(key);
	if (len >= sizeof(buf))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, ENAMETOOLONG, "(key path too long)");
	memcpy(buf, key, len + 1);
	for (comp = strtok_r(buf, "\\", &save); comp; comp = strtok_r(NULL, "\\", &save)) {
		ret = get_child(h, node, comp, &node, d);
		if (ret == WR_ERR_NOT_FOUND)
			return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, key);
		if (ret)
			return ret;
	}
	*out = node;
	return WR_OK;
}

bool wr_hive_key_exists(struct wr_hive *h, const char *key)
{
	hive_node_h node;

	return h && find_key(h, key, &node, NULL) == WR_OK;
}

int wr_hive_root_name(struct wr_hive *h, char **out, struct wr_detail *d)
{
	hive_node_h root;

	if (!h || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	root = hivex_root(h->h);
	*out = root ? hivex_node_name(h->h, root) : NULL;
	if (!*out)
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, h->path, "root key name");
	return WR_OK;
}

static void subject_kv(char *buf, size_t size, const char *key, const char *value)
{
	snprintf(buf, size, "%s\\%s", key ? key : "", value && *value ? value : "@");
}

/* Find value and its type and length, without reading its data. */
static int find_value(struct wr_hive *h, const char *key, const char *value, hive_value_h *vh,
		      uint32_t *type, size_t *len, struct wr_detail *d)
{
	char subj[1024];
	hive_node_h node;
	hive_type t;
	size_t l;
	int ret;

	/* Outputs are defined on every return. */
	*vh = 0;
	if (type)
		*type = 0;
	if (len)
		*len = 0;
	ret = find_key(h, key, &node, d);
	if (ret)
		return ret;
	subject_kv(subj, sizeof(subj), key, value);
	errno = 0;
	*vh = hivex_node_get_value(h->h, node, value ? value : "");
	if (!*vh) {
		if (errno)
			return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, subj, "value lookup");
		return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, subj);
	}
	if (hivex_value_type(h->h, *vh, &t, &l) < 0)
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, subj, "value type");
	if (type)
		*type = (uint32_t)t;
	if (len)
		*len = l;
	return WR_OK;
}

/* Read a value's data after checking its size; *type receives the stored type. */
static int read_value(struct wr_hive *h, const char *key, const char *value, char **data,
		      size_t *len, uint32_t *type, struct wr_detail *d)
{
	char subj[1024];
	hive_value_h vh;
	hive_type t;
	size_t l;
	int ret;

	/* Each failure returns its code itself (not wr_detail_set's result), so the
	 * analyser, which does not see error.c, knows *data is set on WR_OK only. */
	*data = NULL;
	*len = 0;
	ret = find_value(h, key, value, &vh, type, &l, d);
	if (ret)
		return ret;
	subject_kv(subj, sizeof(subj), key, value);
	if (l > WR_HIVE_MAX_VALUE) {
		wr_detail_setf(d, WR_ERR_TOO_LARGE, 0, subj, "value is %zu bytes", l);
		return WR_ERR_TOO_LARGE;
	}
	errno = 0;
	*data = hivex_value_value(h->h, vh, &t, len);
	if (!*data) {
		if (errno == ENOMEM) {
			wr_detail_set(d, WR_ERR_NOMEM, errno, subj);
			return WR_ERR_NOMEM;
		}
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, subj, "value data");
	}
	if (*len > WR_HIVE_MAX_VALUE) { /* big-data records may disagree with the header */
		free(*data);
		*data = NULL;
		wr_detail_setf(d, WR_ERR_TOO_LARGE, 0, subj, "value is %zu bytes", *len);
		return WR_ERR_TOO_LARGE;
	}
	return WR_OK;
}

static int wrong_type(struct wr_detail *d, const char *key, const char *value, uint32_t type,
		      const char *want)
{
	char subj[1024];

	subject_kv(subj, sizeof(subj), key, value);
	return wr_detail_setf(d, WR_ERR_HIVE, 0, subj, "value has type %u, expected %s", type,
			      want);
}

/* ---- UTF-16LE <-> UTF-8 ----------------------------------------------------- */

static size_t put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Decode at most len bytes; *used receives the bytes consumed including the NUL (or
 * len when there was none). */
static char *utf16_decode(const unsigned char *b, size_t len, size_t *used)
{
	size_t units = len / 2, i, o = 0;
	/* Each unit becomes at most 3 bytes (a surrogate pair, 2 units, makes 4). */
	char *out = malloc(units * 3 + 1);

	if (!out)
		return NULL;
	for (i = 0; i < units; i++) {
		uint32_t c = b[2 * i] | ((uint32_t)b[2 * i + 1] << 8);

		if (c == 0) {
			i++;
			break;
		}
		if (c >= 0xd800 && c <= 0xdbff && i + 1 < units) {
			uint32_t c2 = b[2 * i + 2] | ((uint32_t)b[2 * i + 3] << 8);

			if (c2 >= 0xdc00 && c2 <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
				i++;
			} else {
				c = 0xfffd;
			}
		} else if (c >= 0xd800 && c <= 0xdfff) {
			c = 0xfffd; /* lone surrogate */
		}
		o += put_utf8(out + o, c);
	}
	out[o] = '\0';
	if (used)
		*used = i * 2 > len ? len : i * 2;
	return out;
}

int wr_hive_utf16_to_utf8(const void *buf, size_t len, char **out)
{
	if (!out || (!buf && len))
		return WR_ERR_INVALID_ARG;
	if (len > WR_HIVE_MAX_VALUE)
		return WR_ERR_TOO_LARGE;
	*out = utf16_decode(buf, len, NULL);
	return *out ? WR_OK : WR_ERR_NOMEM;
}

/* UTF-8 to UTF-16LE with a terminating NUL unit.  Returns NULL on invalid UTF-8
 * (errno EILSEQ) or no memory. */
static unsigned char *utf16_encode(const char *s, size_t *bytes)
{
	size_t n = strlen(s), o = 0;
	const unsigned char *p = (const unsigned char *)s;
	unsigned char *out = malloc(n * 4 + 2);

	if (!out)
		return NULL;
	while (*p) {
		uint32_t c;
		size_t k = utf8_decode(p, &c);

		if (!k) {
			free(out);
			errno = EILSEQ;
			return NULL;
		}
		p += k;
		if (c >= 0x10000) {
			uint32_t v = c - 0x10000, hi = 0xd800 + (v >> 10),
				 lo = 0xdc00 + (v & 0x3ff);

			out[o++] = hi & 0xff, out[o++] = hi >> 8;
			out[o++] = lo & 0xff, out[o++] = lo >> 8;
		} else {
			out[o++] = c & 0xff, out[o++] = (c >> 8) & 0xff;
		}
	}
	out[o++] = 0, out[o++] = 0;
	*bytes = o;
	return out;
}

/* ---- getters ---------------------------------------------------------------- */

int wr_hive_get_string(struct wr_hive *h, const char *key, const char *value, char **out,
		       struct wr_detail *d)
{
	char *data = NULL;
	size_t len;
	uint32_t type;
	int ret;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	*out = NULL;
	ret = find_value(h, key, value, &(hive_value_h){0}, &type, &len, d);
	if (ret)
		return ret;
	if (type != WR_REG_SZ && type != WR_REG_EXPAND_SZ && type != WR_REG_LINK)
		return wrong_type(d, key, value, type, "a string");
	ret = read_value(h, key, value, &data, &len, &type, d);
	if (ret)
		return ret;
	*out = utf16_decode((unsigned char *)data, len, NULL);
	free(data);
	return *out ? WR_OK : wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, key);
}

int wr_hive_get_multi_string(struct wr_hive *h, const char *key, const char *value, char ***out,
			     struct wr_detail *d)
{
	char *data = NULL, **v = NULL;
	size_t len, pos = 0, n = 0;
	uint32_t type;
	int ret;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	*out = NULL;
	ret = find_value(h, key, value, &(hive_value_h){0}, &type, &len, d);
	if (ret)
		return ret;
	if (type != WR_REG_MULTI_SZ)
		return wrong_type(d, key, value, type, "REG_MULTI_SZ");
	ret = read_value(h, key, value, &data, &len, &type, d);
	if (ret)
		return ret;
	/* At most one string per two bytes, plus the NULL. */
	v = calloc(len / 2 + 2, sizeof(*v));
	if (!v)
		goto nomem;
	while (pos + 1 < len) {
		size_t used;
		char *s = utf16_decode((unsigned char *)data + pos, len - pos, &used);

		if (!s)
			goto nomem;
		if (!*s) { /* the empty string ends the list */
			free(s);
			break;
		}
		v[n++] = s;
		pos += used;
	}
	free(data);
	*out = v;
	return WR_OK;
nomem:
	free(data);
	wr_strv_free(v);
	return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, key);
}

int wr_hive_get_dword(struct wr_hive *h, const char *key, const char *value, uint32_t *out,
		      struct wr_detail *d)
{
	unsigned char *data = NULL;
	size_t len;
	uint32_t type;
	int ret;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	ret = find_value(h, key, value, &(hive_value_h){0}, &type, &len, d);
	if (ret)
		return ret;
	if (type != WR_REG_DWORD && type != WR_REG_DWORD_BIG_ENDIAN)
		return wrong_type(d, key, value, type, "REG_DWORD");
	ret = read_value(h, key, value, (char **)&data, &len, &type, d);
	if (ret)
		return ret;
	if (len < 4) {
		free(data);
		return wrong_type(d, key, value, type, "4 bytes of REG_DWORD");
	}
	if (type == WR_REG_DWORD)
		*out = data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
		       (uint32_t)data[3] << 24;
	else
		*out = data[3] | (uint32_t)data[2] << 8 | (uint32_t)data[1] << 16 |
		       (uint32_t)data[0] << 24;
	free(data);
	return WR_OK;
}

int wr_hive_get_qword(struct wr_hive *h, const char *key, const char *value, uint64_t *out,
		      struct wr_detail *d)
{
	unsigned char *data = NULL;
	size_t len;
	uint32_t type;
	int ret;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	ret = find_value(h, key, value, &(hive_value_h){0}, &type, &len, d);
	if (ret)
		return ret;
	if (type != WR_REG_QWORD)
		return wrong_type(d, key, value, type, "REG_QWORD");
	ret = read_value(h, key, value, (char **)&data, &len, &type, d);
	if (ret)
		return ret;
	if (len < 8) {
		free(data);
		return wrong_type(d, key, value, type, "8 bytes of REG_QWORD");
	}
	*out = 0;
	for (int i = 7; i >= 0; i--)
		*out = (*out << 8) | data[i];
	free(data);
	return WR_OK;
}

int wr_hive_get_binary(struct wr_hive *h, const char *key, const char *value, void **out,
		       size_t *len, uint32_t *type, struct wr_detail *d)
{
	uint32_t t;
	int ret;

	if (!out || !len)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	*out = NULL;
	*len = 0;
	ret = read_value(h, key, value, (char **)out, len, &t, d);
	if (ret)
		return ret;
	if (type)
		*type = t;
	return WR_OK;
}

int wr_hive_get_type(struct wr_hive *h, const char *key, const char *value, uint32_t *type,
		     size_t *len, struct wr_detail *d)
{
	hive_value_h vh;

	if (!type)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	return find_value(h, key, value, &vh, type, len, d);
}

/* The names of a key's subkeys or values: handles (from hivex, freed here) each
 * named by name_of; what says which for messages. */
static int names_of(struct wr_hive *h, const char *key, size_t *handles,
		    char *(*name_of)(hive_h *, size_t), const char *what, char ***out,
		    struct wr_detail *d)
{
	char **v;
	size_t n = 0;

	if (!handles)
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, key, what);
	while (handles[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		free(handles);
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, key);
	}
	for (size_t i = 0; i < n; i++) {
		v[i] = name_of(h->h, handles[i]);
		if (!v[i]) {
			int e = errno;

			free(handles);
			wr_strv_free(v);
			return hive_err(d, WR_ERR_HIVE_CORRUPT, e, key, what);
		}
	}
	free(handles);
	*out = v;
	return WR_OK;
}

int wr_hive_subkeys(struct wr_hive *h, const char *key, char ***out, struct wr_detail *d)
{
	hive_node_h node;
	int ret;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	*out = NULL;
	ret = find_key(h, key, &node, d);
	if (ret)
		return ret;
	errno = 0;
	return names_of(h, key, hivex_node_children(h->h, node), hivex_node_name, "subkey list",
			out, d);
}

int wr_hive_values(struct wr_hive *h, const char *key, char ***out, struct wr_detail *d)
{
	hive_node_h node;
	int ret;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	*out = NULL;
	ret = find_key(h, key, &node, d);
	if (ret)
		return ret;
	errno = 0;
	return names_of(h, key, hivex_node_values(h->h, node), hivex_value_key, "value list", out,
			d);
}

/* ---- setters ---------------------------------------------------------------- */

static int need_write(struct wr_hive *h, const char *key, struct wr_detail *d)
{
	if (!h)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	if (!h->write)
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, h->path,
				      "hive was opened read-only");
	return WR_OK;
}

int wr_hive_add_key(struct wr_hive *h, const char *key, struct wr_detail *d)
{
	char buf[HIVE_MAX_PATH];
	hive_node_h node, child;
	char *save = NULL, *comp;
	size_t len;
	int ret;

	ret = need_write(h, key, d);
	if (ret)
		return ret;
	if (!key)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	len = strlen(key);
	if (len >= sizeof(buf))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, ENAMETOOLONG, "(key path too long)");
	memcpy(buf, key, len + 1);
	node = hivex_root(h->h);
	if (!node)
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, h->path, "root key");
	for (comp = strtok_r(buf, "\\", &save); comp; comp = strtok_r(NULL, "\\", &save)) {
		ret = get_child(h, node, comp, &child, d);
		if (ret == WR_ERR_NOT_FOUND) {
			errno = 0;
			child = hivex_node_add_child(h->h, node, comp);
			if (!child)
				return hive_err(d, WR_ERR_HIVE, errno, key, "add key");
		} else if (ret) {
			return ret;
		}
		node = child;
	}
	return WR_OK;
}

int wr_hive_delete_key(struct wr_hive *h, const char *key, struct wr_detail *d)
{
	hive_node_h node;
	int ret;

	ret = need_write(h, key, d);
	if (ret)
		return ret;
	ret = find_key(h, key, &node, d);
	if (ret)
		return ret;
	if (node == hivex_root(h->h))
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, key, "cannot delete the root key");
	if (hivex_node_delete_child(h->h, node) < 0)
		return hive_err(d, WR_ERR_HIVE, errno, key, "delete key");
	return WR_OK;
}

int wr_hive_set_binary(struct wr_hive *h, const char *key, const char *value, uint32_t type,
		       const void *buf, size_t len, struct wr_detail *d)
{
	hive_set_value sv;
	hive_node_h node;
	char subj[1024];
	int ret;

	ret = need_write(h, key, d);
	if (ret)
		return ret;
	if (!buf && len)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	if (len > WR_HIVE_MAX_VALUE)
		return wr_detail_set(d, WR_ERR_TOO_LARGE, 0, key);
	ret = find_key(h, key, &node, d);
	if (ret)
		return ret;
	sv.key = (char *)(value ? value : "");
	sv.t = (hive_type)type;
	sv.len = len;
	sv.value = (char *)buf;
	if (hivex_node_set_value(h->h, node, &sv, 0) < 0) {
		subject_kv(subj, sizeof(subj), key, value);
		return hive_err(d, WR_ERR_HIVE, errno, subj, "set value");
	}
	return WR_OK;
}

int wr_hive_set_string(struct wr_hive *h, const char *key, const char *value, const char *str,
		       bool expand, struct wr_detail *d)
{
	unsigned char *u;
	size_t n;
	int ret;

	if (!str)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	u = utf16_encode(str, &n);
	if (!u)
		return wr_detail_setf(d, errno == EILSEQ ? WR_ERR_INVALID_ARG : WR_ERR_NOMEM, errno,
				      key, "string is not valid UTF-8");
	ret = wr_hive_set_binary(h, key, value, expand ? WR_REG_EXPAND_SZ : WR_REG_SZ, u, n, d);
	free(u);
	return ret;
}

int wr_hive_set_multi_string(struct wr_hive *h, const char *key, const char *value,
			     char *const *strv, struct wr_detail *d)
{
	unsigned char *all = NULL;
	size_t total = 0;
	int ret;

	for (size_t i = 0; strv && strv[i]; i++) {
		size_t n;
		unsigned char *u, *grown;

		if (!*strv[i]) { /* an empty string would end the list early */
			free(all);
			return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, key,
					      "empty string in list");
		}
		u = utf16_encode(strv[i], &n);
		if (!u) {
			free(all);
			return wr_detail_setf(d, WR_ERR_INVALID_ARG, errno, key,
					      "string is not valid UTF-8");
		}
		grown = realloc(all, total + n + 2);
		if (!grown) {
			free(u);
			free(all);
			return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, key);
		}
		all = grown;
		memcpy(all + total, u, n);
		total += n;
		free(u);
	}
	if (!all) {
		all = malloc(2);
		if (!all)
			return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, key);
	}
	all[total++] = 0;
	all[total++] = 0;
	ret = wr_hive_set_binary(h, key, value, WR_REG_MULTI_SZ, all, total, d);
	free(all);
	return ret;
}

int wr_hive_set_dword(struct wr_hive *h, const char *key, const char *value, uint32_t v,
		      struct wr_detail *d)
{
	unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};

	return wr_hive_set_binary(h, key, value, WR_REG_DWORD, b, sizeof(b), d);
}

int wr_hive_set_qword(struct wr_hive *h, const char *key, const char *value, uint64_t v,
		      struct wr_detail *d)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (v >> (8 * i)) & 0xff;
	return wr_hive_set_binary(h, key, value, WR_REG_QWORD, b, sizeof(b), d);
}

int wr_hive_delete_value(struct wr_hive *h, const char *key, const char *value, struct wr_detail *d)
{
	hive_node_h node;
	hive_value_h *vals = NULL, vh;
	hive_set_value *keep = NULL;
	size_t n = 0, k = 0;
	char subj[1024];
	int ret;

	ret = need_write(h, key, d);
	if (ret)
		return ret;
	ret = find_value(h, key, value, &vh, NULL, NULL, d);
	if (ret)
		return ret;
	ret = find_key(h, key, &node, d);
	if (ret)
		return ret;
	subject_kv(subj, sizeof(subj), key, value);
	/* hivex can only replace the whole value list: read the others back first. */
	vals = hivex_node_values(h->h, node);
	if (!vals)
		return hive_err(d, WR_ERR_HIVE_CORRUPT, errno, subj, "value list");
	while (vals[n])
		n++;
	keep = calloc(n + 1, sizeof(*keep));
	if (!keep) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, subj);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		hive_type t;
		size_t len;

		if (vals[i] == vh)
			continue;
		keep[k].key = hivex_value_key(h->h, vals[i]);
		keep[k].value = keep[k].key ? hivex_value_value(h->h, vals[i], &t, &len) : NULL;
		if (!keep[k].key || !keep[k].value) {
			ret = hive_err(d, WR_ERR_HIVE_CORRUPT, errno, subj, "value data");
			k++;
			goto out;
		}
		keep[k].t = t;
		keep[k].len = len;
		k++;
	}
	if (hivex_node_set_values(h->h, node, k, keep, 0) < 0)
		ret = hive_err(d, WR_ERR_HIVE, errno, subj, "delete value");
out:
	for (size_t i = 0; keep && i < k; i++) {
		free(keep[i].key);
		free(keep[i].value);
	}
	free(keep);
	free(vals);
	return ret;
}

int wr_hive_commit(struct wr_hive *h, struct wr_detail *d)
{
	char tmp[4096 + 16];
	int fd, ret, e;

	ret = need_write(h, NULL, d);
	if (ret)
		return ret;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.wr-new", h->path) >= sizeof(tmp))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, ENAMETOOLONG, h->path);
	unlink(tmp);
	if (hivex_commit(h->h, tmp, 0) < 0) {
		e = errno;
		unlink(tmp);
		return hive_err(d, WR_ERR_WRITE, e, tmp, "commit");
	}
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return wr_detail_set(d, WR_ERR_WRITE, e, tmp);
	}
	close(fd);
	if (rename(tmp, h->path) < 0) {
		e = errno;
		unlink(tmp);
		return wr_detail_set(d, WR_ERR_WRITE, e, h->path);
	}
	wr_log(WR_LOG_INFO, "hive '%s' written", h->path);
	return WR_OK;
}
