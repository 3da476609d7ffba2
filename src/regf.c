/*
 * regf.c - the registry hive file format itself, where hivex has no API.
 *
 * hivex (used by hive.c) cannot create a hive from nothing and cannot read or write a
 * key's class name, which is where Windows keeps the LSA boot key
 * (SYSTEM\ControlSet001\Control\Lsa\{JD,Skew1,GBG,Data}).  No other library on
 * Debian does either, so this file reads and writes the few regf structures needed
 * directly.  Layout (all little-endian), as documented by the Windows registry
 * format notes of Maxim Suhanov and libregf:
 *
 *   base block (4096 bytes): "regf", seq1 @4, seq2 @8, FILETIME @12, major @20,
 *     minor @24, type @28, format @32, root cell offset @36, hive bins size @40,
 *     clustering factor @44, file name (UTF-16LE, 64 bytes) @48,
 *     checksum @508 = XOR of the first 127 dwords.
 *   hive bins from file offset 4096: "hbin", own offset @4, size @8 (multiple of 4096),
 *     FILETIME @20; cells from bin offset 32.
 *   cell: int32 size (negative = allocated), then data; offsets are relative to the
 *     first hbin.
 *   nk: "nk", flags @2, FILETIME @4, parent @16, subkey count @20, subkey list @28,
 *     value count @36, value list @40, sk @44, class @48, max subkey name @52,
 *     max subkey class @56, max value name @60, max value data @64, name length @72,
 *     class length @74, name @76 (Latin-1 when flag 0x20, else UTF-16LE).
 *   subkey lists: "lf"/"lh" (count, then offset+hint pairs), "li" (offsets),
 *     "ri" (offsets of li/lf/lh lists).
 *   sk: "sk", flink @4, blink @8, reference count @12, descriptor size @16, descriptor @20.
 *
 * Every offset read from a file is checked against the hive bin that holds it before
 * use: a damaged or hostile file gives WR_ERR_HIVE_CORRUPT, never a wild read.
 * Writing goes to a temporary file in the same directory that is renamed over the
 * original, so a failure leaves the original untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

#define BASE_BLOCK 4096u
#define HBIN_HDR 32u
#define NK_FIXED 76u
#define NO_CELL 0xFFFFFFFFu
#define MAX_HIVE_BYTES (1024u * 1024u * 1024u)	/* larger than any real hive */

#define NK_KEY_HIVE_ENTRY 0x0004
#define NK_KEY_NO_DELETE 0x0008
#define NK_KEY_COMP_NAME 0x0020

/* A whole hive in memory, with its hbins indexed once (offsets relative to the first
 * hbin, as cells refer to each other). */
struct regf {
	uint8_t *buf;
	size_t len;		/* bytes in buf: BASE_BLOCK + bins_size (+ trailing data) */
	uint32_t bins_size;	/* from the base block, checked against the bins */
	uint32_t root;
	size_t nbins;
	struct regf_bin {
		uint32_t off, size;
	} *bins;
};

/* ---- little-endian access ---------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The base block checksum as Windows computes it (0 and ~0 are reserved values). */
static uint32_t header_checksum(const uint8_t *base)
{
	uint32_t x = 0;

	for (unsigned i = 0; i < 127; i++)
		x ^= get32(base + 4 * i);
	if (x == 0xFFFFFFFFu)
		x = 0xFFFFFFFEu;
	else if (x == 0)
		x = 1;
	return x;
}

static bool header_checksum_ok(const uint8_t *base)
{
	uint32_t x = 0, stored = get32(base + 508);

	for (unsigned i = 0; i < 127; i++)
		x ^= get32(base + 4 * i);
	/* Accept the plain XOR too: some writers do not apply Windows' adjustment. */
	return stored == x || stored == header_checksum(base);
}

/* Windows FILETIME (100 ns since 1601) for now, or for SOURCE_DATE_EPOCH when set, so
 * that tools building test fixtures can produce identical files. */
static uint64_t filetime_now(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	uint64_t t = (uint64_t)time(NULL);

	if (sde && *sde) {
		char *end;
		unsigned long long v = strtoull(sde, &end, 10);

		if (!*end)
			t = v;
	}
	return (t + 11644473600ull) * 10000000ull;
}

/* ---- text ---------------------------------------------------------------------- */

/* Decode one UTF-8 sequence; returns its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		c = s[0] & 0x1F;
		len = 2;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		c = s[0] & 0x0F;
		len = 3;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		c = s[0] & 0x07;
		len = 4;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static size_t utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Next code point of UTF-16LE text (units = number of 16-bit units); unpaired
 * surrogates become U+FFFD. */
static uint32_t utf16_next(const uint8_t *s, size_t units, size_t *i)
{
	uint32_t c = get16(s + 2 * *i);

	(*i)++;
	if (c >= 0xD800 && c <= 0xDBFF && *i < units) {
		uint32_t lo = get16(s + 2 * *i);

		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			(*i)++;
			return 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
		}
	}
	if (c >= 0xD800 && c <= 0xDFFF)
		return 0xFFFD;
	return c;
}

/* UTF-16LE (units 16-bit units) to a malloc'd UTF-8 string, stopping at a NUL. */
static char *utf16_to_utf8(const uint8_t *s, size_t units)
{
	char *out = malloc(units * 3 + 1);
	size_t o = 0, i = 0;

	if (!out)
		return NULL;
	while (i < units) {
		uint32_t c = utf16_next(s, units, &i);

		if (c == 0)
			break;
		o += utf8_encode(c, out + o);
	}
	out[o] = '\0';
	return out;
}

/* UTF-8 to UTF-16LE into a malloc'd buffer; *bytes gets its length (no NUL).
 * Returns WR_ERR_INVALID_ARG for invalid UTF-8. */
static int utf8_to_utf16(const char *s, uint8_t **out, size_t *bytes)
{
	size_t n = strlen(s), o = 0;
	uint8_t *buf = malloc(n * 2 + 2);

	if (!buf)
		return WR_ERR_NOMEM;
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t l = utf8_decode((const unsigned char *)s + i, n - i, &c);

		if (!l) {
			free(buf);
			return WR_ERR_INVALID_ARG;
		}
		i += l;
		if (c >= 0x10000) {
			c -= 0x10000;
			put16(buf + o, (uint16_t)(0xD800 + (c >> 10)));
			put16(buf + o + 2, (uint16_t)(0xDC00 + (c & 0x3FF)));
			o += 4;
		} else {
			put16(buf + o, (uint16_t)c);
			o += 2;
		}
	}
	*out = buf;
	*bytes = o;
	return WR_OK;
}

/*
 * Case folding for key-name comparison.  Windows compares key names with its own
 * upper-case table; no library here exposes that table, and towupper() depends on the
 * process locale, so this covers the scripts key names use in practice: ASCII,
 * Latin-1, Latin Extended-A, Greek, Cyrillic and full-width Latin.
 */
static uint32_t fold(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 0x20;
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
		return c - 0x20;
	if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 &&
	    c != 0x149 && c != 0x17F) {
		/* Pairs: even upper, odd lower, except 0x139..0x148 and 0x179..0x17E. */
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
			return (c & 1) ? c : c - 1;
		return c & ~1u;
	}
	if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
		return c - 0x20;
	if (c >= 0x430 && c <= 0x44F)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45F)
		return c - 0x50;
	if (c >= 0x460 && c <= 0x4FF)
		return c & ~1u;
	if (c >= 0xFF41 && c <= 0xFF5A)
		return c - 0x20;
	return c;
}

/* ---- loading and cells ---------------------------------------------------------- */

static void regf_release(struct regf *r)
{
	free(r->buf);
	free(r->bins);
	memset(r, 0, sizeof(*r));
}

static int corrupt(struct wr_detail *d, const char *path, const char *why)
{
	wr_log(WR_LOG_WARN, "regf: '%s': %s", path, why);
	wr_detail_setf(d, WR_ERR_HIVE_CORRUPT, 0, path, "%s", why);
	return WR_ERR_HIVE_CORRUPT; /* itself: the analyser cannot see wr_detail_setf */
}

/* Read the whole file. */
static int read_file(const char *path, uint8_t **buf_out, size_t *len_out,
		     struct wr_detail *d)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len, got = 0;
	int fd, ret = WR_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		ret = e == ENOENT ? WR_ERR_NOT_FOUND : WR_ERR_OPEN;
		wr_detail_set(d, ret, e, path);
		return ret; /* not wr_detail_set's result: the analyser cannot see it */
	}
	if (fstat(fd, &st)) {
		ret = wr_detail_set(d, WR_ERR_READ, errno, path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = wr_detail_setf(d, WR_ERR_OPEN, 0, path, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > MAX_HIVE_BYTES) {
		ret = wr_detail_set(d, WR_ERR_TOO_LARGE, 0, path);
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = wr_detail_set(d, WR_ERR_READ, n < 0 ? errno : EIO, path);
			goto out;
		}
		got += (size_t)n;
	}
	*buf_out = buf;
	*len_out = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}

/* Load a hive and index its bins.  Everything later relies on these checks. */
static int regf_load(const char *path, struct regf *r, struct wr_detail *d)
{
	uint32_t off = 0;
	size_t cap = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = read_file(path, &r->buf, &r->len, d);
	if (ret)
		return ret;
	if (r->len < BASE_BLOCK || memcmp(r->buf, "regf", 4)) {
		ret = corrupt(d, path, "no regf base block");
		goto fail;
	}
	if (!header_checksum_ok(r->buf)) {
		ret = corrupt(d, path, "base block checksum mismatch");
		goto fail;
	}
	if (get32(r->buf + 20) != 1) {
		wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, path, "regf version %u.%u",
			       get32(r->buf + 20), get32(r->buf + 24));
		ret = WR_ERR_UNSUPPORTED; /* itself: the analyser cannot see wr_detail_setf */
		goto fail;
	}
	r->bins_size = get32(r->buf + 40);
	r->root = get32(r->buf + 36);
	if (r->bins_size == 0 || r->bins_size % 4096 ||
	    r->bins_size > r->len - BASE_BLOCK) {
		ret = corrupt(d, path, "hive bins size does not match the file");
		goto fail;
	}
	while (off < r->bins_size) {
		const uint8_t *b = r->buf + BASE_BLOCK + off;
		uint32_t size;

		if (r->bins_size - off < HBIN_HDR || memcmp(b, "hbin", 4) || get32(b + 4) != off) {
			ret = corrupt(d, path, "bad hive bin header");
			goto fail;
		}
		size = get32(b + 8);
		if (size < 4096 || size % 4096 || size > r->bins_size - off) {
			ret = corrupt(d, path, "bad hive bin size");
			goto fail;
		}
		if (r->nbins == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct regf_bin *nb = realloc(r->bins, ncap * sizeof(*nb));

			if (!nb) {
				wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
				ret = WR_ERR_NOMEM;
				goto fail;
			}
			r->bins = nb;
			cap = ncap;
		}
		r->bins[r->nbins].off = off;
		r->bins[r->nbins].size = size;
		r->nbins++;
		off += size;
	}
	return WR_OK;
fail:
	regf_release(r);
	return ret;
}

/* The allocated cell at off: its data and data length.  false when off does not name
 * an allocated cell lying wholly inside one hive bin. */
static bool cell_at(const struct regf *r, uint32_t off, uint8_t **data, uint32_t *dlen)
{
	size_t lo = 0, hi = r->nbins;
	const struct regf_bin *b = NULL;
	int64_t size;

	if (off == NO_CELL || off % 4 || off >= r->bins_size)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (off < r->bins[mid].off)
			hi = mid;
		else if (off - r->bins[mid].off >= r->bins[mid].size)
			lo = mid + 1;
		else {
			b = &r->bins[mid];
			break;
		}
	}
	if (!b || off - b->off < HBIN_HDR || b->off + b->size - off < 8)
		return false;
	size = (int32_t)get32(r->buf + BASE_BLOCK + off);
	if (size >= 0)
		return false;	/* free cell */
	size = -size;
	if (size < 8 || size > (int64_t)(b->off + b->size - off))
		return false;
	*data = r->buf + BASE_BLOCK + off + 4;
	*dlen = (uint32_t)size - 4;
	return true;
}

/* An nk cell: its data, checked to hold its fixed part and its name. */
static bool nk_at(const struct regf *r, uint32_t off, uint8_t **nk)
{
	uint8_t *p;
	uint32_t len;

	if (!cell_at(r, off, &p, &len) || len < NK_FIXED || memcmp(p, "nk", 2))
		return false;
	if (get16(p + 72) > len - NK_FIXED)
		return false;
	*nk = p;
	return true;
}

/* Compare an nk's name with a key name given as code points, case-insensitively. */
static bool nk_name_equals(const uint8_t *nk, const uint32_t *name, size_t n)
{
	size_t len = get16(nk + 72), k = 0;
	const uint8_t *s = nk + NK_FIXED;

	if (get16(nk + 2) & NK_KEY_COMP_NAME) {
		if (len != n)
			return false;
		for (size_t i = 0; i < len; i++)
			if (fold(s[i]) != fold(name[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i < len / 2;) {
		uint32_t c = utf16_next(s, len / 2, &i);

		if (k >= n || fold(c) != fold(name[k]))
			return false;
		k++;
	}
	return k == n;
}

/* Search the subkey list at list_off for name; *found = the child's nk offset.
 * Returns WR_OK (found or not: *found stays NO_CELL), or WR_ERR_HIVE_CORRUPT. */
static int list_find(const struct regf *r, uint32_t list_off, const uint32_t *name,
		     size_t n, int depth, uint64_t *budget, uint32_t *found)
{
	uint8_t *p;
	uint32_t len, count, step;
	bool is_ri;

	if (depth > 1 || !cell_at(r, list_off, &p, &len) || len < 4)
		return WR_ERR_HIVE_CORRUPT;
	count = get16(p + 2);
	is_ri = !memcmp(p, "ri", 2);
	/* Windows nests lists one level deep (ri -> li/lf/lh), never ri -> ri. */
	if (is_ri && depth > 0)
		return WR_ERR_HIVE_CORRUPT;
	/* Shared sub-lists could make a hostile file cost billions of steps: no real
	 * hive has more entries to look at than cells (8 bytes each) in its bins. */
	if (count > *budget)
		return WR_ERR_HIVE_CORRUPT;
	*budget -= count;
	if (!memcmp(p, "lf", 2) || !memcmp(p, "lh", 2))
		step = 8;
	else if (!memcmp(p, "li", 2) || is_ri)
		step = 4;
	else
		return WR_ERR_HIVE_CORRUPT;
	if ((uint64_t)count * step > len - 4)
		return WR_ERR_HIVE_CORRUPT;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t child = get32(p + 4 + i * step);
		uint8_t *nk;

		if (is_ri) {
			int ret = list_find(r, child, name, n, depth + 1, budget, found);

			if (ret || *found != NO_CELL)
				return ret;
			continue;
		}
		if (!nk_at(r, child, &nk))
			return WR_ERR_HIVE_CORRUPT;
		if (nk_name_equals(nk, name, n)) {
			*found = child;
			return WR_OK;
		}
	}
	return WR_OK;
}

/* Walk from the root to key ('\\'-separated, "" = the root); *nk_off = its nk. */
static int find_key(const struct regf *r, const char *path, const char *key,
		    uint32_t *nk_off, struct wr_detail *d)
{
	size_t klen = strlen(key);
	uint32_t *name = malloc((klen + 1) * sizeof(*name));
	uint32_t cur = r->root;
	uint8_t *nk;
	size_t i = 0;
	int ret = WR_OK;

	*nk_off = NO_CELL; /* defined on every return */
	if (!name)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	if (!nk_at(r, cur, &nk)) {
		ret = corrupt(d, path, "root key cell is damaged");
		goto out;
	}
	while (i < klen) {
		size_t n = 0;
		uint32_t found = NO_CELL;
		uint64_t budget;

		while (i < klen && key[i] == '\\')
			i++;
		if (i == klen)
			break;
		while (i < klen && key[i] != '\\') {
			size_t l = utf8_decode((const unsigned char *)key + i, klen - i, &name[n]);

			if (!l) {
				ret = wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, key, "key is not UTF-8");
				goto out;
			}
			i += l;
			n++;
		}
		if (get32(nk + 20) == 0) {
			ret = wr_detail_set(d, WR_ERR_NOT_FOUND, 0, key);
			goto out;
		}
		budget = r->bins_size / 8;
		ret = list_find(r, get32(nk + 28), name, n, 0, &budget, &found);
		if (ret) {
			ret = corrupt(d, path, "subkey list is damaged");
			goto out;
		}
		if (found == NO_CELL) {
			ret = wr_detail_set(d, WR_ERR_NOT_FOUND, 0, key);
			goto out;
		}
		cur = found;
		if (!nk_at(r, cur, &nk)) {
			ret = corrupt(d, path, "key cell is damaged");
			goto out;
		}
	}
	*nk_off = cur;
out:
	free(name);
	return ret;
}

/* ---- writing -------------------------------------------------------------------- */

/* Write buf to path through a temporary file in the same directory + rename. */
static int write_atomically(const char *path, const uint8_t *buf, size_t len, mode_t mode,
			    struct wr_detail *d)
{
	size_t plen = strlen(path), done = 0;
	char *tmp = malloc(plen + 16);
	int fd, ret = WR_OK;

	if (!tmp)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	snprintf(tmp, plen + 16, "%s.wrtmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, path);
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = wr_detail_set(d, WR_ERR_WRITE, n < 0 ? errno : EIO, path);
			break;
		}
		done += (size_t)n;
	}
	if (!ret && (fchmod(fd, mode) || fsync(fd)))
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, path);
	if (close(fd) && !ret)
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, path);
	if (!ret && rename(tmp, path))
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, path);
	if (ret)
		unlink(tmp);
out:
	free(tmp);
	return ret;
}

/* Allocate a cell with data_len bytes of data: the first free cell big enough (split
 * when the rest can stand as a free cell), else a new hive bin appended at the end.
 * May move r->buf.  *off_out = the new cell's offset. */
static int cell_alloc(struct regf *r, uint32_t data_len, uint32_t *off_out,
		      const char *path, struct wr_detail *d)
{
	uint32_t need = (data_len + 4 + 7) & ~7u;
	uint32_t bin_size, newlen;
	struct regf_bin *nb;
	uint8_t *b;

	for (size_t i = 0; i < r->nbins; i++) {
		uint32_t off = r->bins[i].off + HBIN_HDR, end = r->bins[i].off + r->bins[i].size;

		while (off < end) {
			uint8_t *c = r->buf + BASE_BLOCK + off;
			int64_t size;

			if (end - off < 4)
				return corrupt(d, path, "cell runs past its hive bin");
			size = (int32_t)get32(c);
			if (size < 0)
				size = -size;
			if (size < 8 || size % 4 || size > end - off)
				return corrupt(d, path, "bad cell size in hive bin");
			if ((int32_t)get32(c) > 0 && size >= need && off % 8 == 0) {
				if (size - need >= 8) {
					put32(c + need, (uint32_t)(size - need));
					put32(c, (uint32_t)-(int32_t)need);
				} else {
					put32(c, (uint32_t)-(int32_t)size);
				}
				memset(c + 4, 0, need - 4);
				*off_out = off;
				return WR_OK;
			}
			off += (uint32_t)size;
		}
	}

	/* No room: append a bin.  Trailing bytes after the last bin are dropped. */
	bin_size = (HBIN_HDR + need + 4095) & ~4095u;
	if (r->bins_size > UINT32_MAX - bin_size ||
	    (uint64_t)BASE_BLOCK + r->bins_size + bin_size > MAX_HIVE_BYTES)
		return wr_detail_set(d, WR_ERR_TOO_LARGE, 0, path);
	newlen = BASE_BLOCK + r->bins_size + bin_size;
	b = realloc(r->buf, newlen);
	if (!b)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	r->buf = b;
	nb = realloc(r->bins, (r->nbins + 1) * sizeof(*nb));
	if (!nb)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	r->bins = nb;
	b = r->buf + BASE_BLOCK + r->bins_size;
	memset(b, 0, bin_size);
	memcpy(b, "hbin", 4);
	put32(b + 4, r->bins_size);
	put32(b + 8, bin_size);
	put32(b + HBIN_HDR, (uint32_t)-(int32_t)need);
	if (bin_size - HBIN_HDR - need)
		put32(b + HBIN_HDR + need, bin_size - HBIN_HDR - need);
	r->bins[r->nbins].off = r->bins_size;
	r->bins[r->nbins].size = bin_size;
	r->nbins++;
	*off_out = r->bins_size + HBIN_HDR;
	r->bins_size += bin_size;
	r->len = newlen;
	put32(r->buf + 40, r->bins_size);
	return WR_OK;
}

/* Mark an allocated cell free (cells are not merged; Windows and hivex allow that). */
static void cell_free(struct regf *r, uint32_t off)
{
	uint8_t *data;
	uint32_t len;

	if (cell_at(r, off, &data, &len))
		put32(data - 4, len + 4);
}

/* ---- public ------------------------------------------------------------------- */

int wr_regf_read_header(const char *host_path, struct wr_regf_header *hdr,
			struct wr_detail *d)
{
	uint8_t base[BASE_BLOCK];
	struct stat st;
	size_t got = 0;
	char *name;
	int fd, ret = WR_OK;

	if (!host_path || !hdr)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, host_path ? host_path : "");
	memset(hdr, 0, sizeof(*hdr));
	fd = open(host_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wr_detail_set(d, errno == ENOENT ? WR_ERR_NOT_FOUND : WR_ERR_OPEN, errno,
				     host_path);
	if (fstat(fd, &st)) {
		ret = wr_detail_set(d, WR_ERR_READ, errno, host_path);
		goto out;
	}
	while (got < sizeof(base)) {
		ssize_t n = read(fd, base + got, sizeof(base) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = wr_detail_set(d, WR_ERR_READ, errno, host_path);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(base) || memcmp(base, "regf", 4)) {
		ret = corrupt(d, host_path, "no regf base block");
		goto out;
	}
	if ((uint64_t)get32(base + 40) + BASE_BLOCK > (uint64_t)st.st_size) {
		ret = corrupt(d, host_path, "file is shorter than its hive bins (truncated)");
		goto out;
	}
	hdr->seq1 = get32(base + 4);
	hdr->seq2 = get32(base + 8);
	hdr->dirty = hdr->seq1 != hdr->seq2;
	hdr->major = get32(base + 20);
	hdr->minor = get32(base + 24);
	hdr->checksum_ok = header_checksum_ok(base);
	name = utf16_to_utf8(base + 48, 32);
	if (!name) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, host_path);
		goto out;
	}
	/* Cut at a character boundary if it does not fit. */
	if (strlen(name) >= sizeof(hdr->file_name)) {
		size_t cut = sizeof(hdr->file_name) - 1;

		while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80)
			cut--;
		name[cut] = '\0';
	}
	snprintf(hdr->file_name, sizeof(hdr->file_name), "%s", name);
	free(name);
out:
	close(fd);
	return ret;
}

/* Append a SID (S-1-5-<sub...>) in binary form; returns its length. */
static size_t put_sid(uint8_t *p, const uint32_t *sub, uint8_t nsub)
{
	p[0] = 1;		/* revision */
	p[1] = nsub;
	memset(p + 2, 0, 6);
	p[7] = 5;		/* SECURITY_NT_AUTHORITY */
	for (uint8_t i = 0; i < nsub; i++)
		put32(p + 8 + 4 * i, sub[i]);
	return 8 + 4u * nsub;
}

/* An ACCESS_ALLOWED ACE, inherited by subkeys (CONTAINER_INHERIT_ACE). */
static size_t put_ace(uint8_t *p, uint32_t mask, const uint32_t *sub, uint8_t nsub)
{
	size_t len = 8 + put_sid(p + 8, sub, nsub);

	p[0] = 0;		/* ACCESS_ALLOWED_ACE_TYPE */
	p[1] = 0x02;		/* CONTAINER_INHERIT_ACE */
	put16(p + 2, (uint16_t)len);
	put32(p + 4, mask);
	return len;
}

/* The self-relative security descriptor Windows puts on a new hive's keys: owner and
 * group Administrators; DACL: SYSTEM and Administrators full control, Users read. */
static size_t build_security_descriptor(uint8_t *p)
{
	static const uint32_t system[] = { 18 }, admins[] = { 32, 544 },
			      users[] = { 32, 545 };
	size_t o = 20, acl, n;

	memset(p, 0, 20);
	p[0] = 1;				/* revision */
	put16(p + 2, 0x8004);			/* SE_SELF_RELATIVE | SE_DACL_PRESENT */
	put32(p + 4, (uint32_t)o);		/* owner */
	o += put_sid(p + o, admins, 2);
	put32(p + 8, (uint32_t)o);		/* group */
	o += put_sid(p + o, admins, 2);
	put32(p + 12, 0);			/* no SACL */
	put32(p + 16, (uint32_t)o);		/* DACL */
	acl = o;
	o += 8;
	o += put_ace(p + o, 0x000F003F, system, 1);	/* KEY_ALL_ACCESS */
	o += put_ace(p + o, 0x000F003F, admins, 2);
	o += put_ace(p + o, 0x00020019, users, 2);	/* KEY_READ */
	n = o - acl;
	p[acl] = 2;				/* ACL_REVISION */
	p[acl + 1] = 0;
	put16(p + acl + 2, (uint16_t)n);
	put16(p + acl + 4, 3);
	put16(p + acl + 6, 0);
	return o;
}

int wr_regf_create_blank(const char *host_path, const char *root_name,
			 struct wr_detail *d)
{
	uint8_t file[2 * BASE_BLOCK];
	uint8_t *bin = file + BASE_BLOCK, *sk, *nk;
	uint8_t *name16 = NULL;
	size_t name_bytes = 0, sd_len, done = 0;
	uint32_t sk_off = HBIN_HDR, sk_size, nk_off, nk_size, free_off;
	uint64_t now = filetime_now();
	bool latin1 = true;
	const char *base;
	int fd, ret;

	if (!host_path || !root_name || !*root_name || strchr(root_name, '\\'))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, root_name ? root_name : "");
	ret = utf8_to_utf16(root_name, &name16, &name_bytes);
	if (ret)
		return wr_detail_set(d, ret, 0, root_name);
	if (name_bytes > 2 * 255) {
		ret = wr_detail_set(d, WR_ERR_INVALID_ARG, 0, root_name);
		goto out;
	}
	for (size_t i = 0; i < name_bytes; i += 2)
		if (get16(name16 + i) > 0xFF)
			latin1 = false;

	memset(file, 0, sizeof(file));
	/* Base block. */
	memcpy(file, "regf", 4);
	put32(file + 4, 1);
	put32(file + 8, 1);
	put64(file + 12, now);
	put32(file + 20, 1);
	put32(file + 24, 5);
	put32(file + 28, 0);		/* primary file */
	put32(file + 32, 1);		/* direct memory load */
	put32(file + 40, BASE_BLOCK);
	put32(file + 44, 1);
	base = strrchr(host_path, '/');
	base = base ? base + 1 : host_path;
	{
		uint8_t *f16;
		size_t fbytes;

		if (!utf8_to_utf16(base, &f16, &fbytes)) {
			memcpy(file + 48, f16, fbytes < 62 ? fbytes : 62);
			free(f16);
		}
	}

	/* The hive bin. */
	memcpy(bin, "hbin", 4);
	put32(bin + 4, 0);
	put32(bin + 8, BASE_BLOCK);
	put64(bin + 20, now);

	/* sk cell: the one security descriptor, a ring of one. */
	sk = bin + sk_off;
	sd_len = build_security_descriptor(sk + 4 + 20);
	sk_size = (uint32_t)((4 + 20 + sd_len + 7) & ~7u);
	put32(sk, (uint32_t)-(int32_t)sk_size);
	memcpy(sk + 4, "sk", 2);
	put32(sk + 4 + 4, sk_off);
	put32(sk + 4 + 8, sk_off);
	put32(sk + 4 + 12, 1);
	put32(sk + 4 + 16, (uint32_t)sd_len);

	/* Root nk. */
	nk_off = sk_off + sk_size;
	nk = bin + nk_off;
	nk_size = (uint32_t)((4 + NK_FIXED + (latin1 ? name_bytes / 2 : name_bytes) + 7) & ~7u);
	put32(nk, (uint32_t)-(int32_t)nk_size);
	nk += 4;
	memcpy(nk, "nk", 2);
	put16(nk + 2, NK_KEY_HIVE_ENTRY | NK_KEY_NO_DELETE | (latin1 ? NK_KEY_COMP_NAME : 0));
	put64(nk + 4, now);
	put32(nk + 16, NO_CELL);	/* no parent */
	put32(nk + 28, NO_CELL);
	put32(nk + 32, NO_CELL);
	put32(nk + 40, NO_CELL);
	put32(nk + 44, sk_off);
	put32(nk + 48, NO_CELL);
	if (latin1) {
		put16(nk + 72, (uint16_t)(name_bytes / 2));
		for (size_t i = 0; i < name_bytes / 2; i++)
			nk[NK_FIXED + i] = (uint8_t)get16(name16 + 2 * i);
	} else {
		put16(nk + 72, (uint16_t)name_bytes);
		memcpy(nk + NK_FIXED, name16, name_bytes);
	}
	put32(file + 36, nk_off);

	/* The rest of the bin is one free cell. */
	free_off = nk_off + nk_size;
	put32(bin + free_off, BASE_BLOCK - free_off);

	put32(file + 508, header_checksum(file));

	fd = open(host_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = wr_detail_set(d, errno == EEXIST ? WR_ERR_EXISTS : WR_ERR_OPEN, errno,
				    host_path);
		goto out;
	}
	while (done < sizeof(file)) {
		ssize_t n = write(fd, file + done, sizeof(file) - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = wr_detail_set(d, WR_ERR_WRITE, n < 0 ? errno : EIO, host_path);
			break;
		}
		done += (size_t)n;
	}
	if (!ret && fsync(fd))
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, host_path);
	if (close(fd) && !ret)
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, host_path);
	if (ret)
		unlink(host_path);
out:
	free(name16);
	return ret;
}

int wr_regf_get_class(const char *host_path, const char *key, char **out,
		      struct wr_detail *d)
{
	struct regf r;
	uint32_t nk_off, cls_off, cls_len, len;
	uint8_t *nk, *data;
	int ret;

	if (!host_path || !key || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key ? key : "");
	*out = NULL;
	ret = regf_load(host_path, &r, d);
	if (ret)
		return ret;
	ret = find_key(&r, host_path, key, &nk_off, d);
	if (ret)
		goto out;
	if (!nk_at(&r, nk_off, &nk)) { /* find_key checked it; never trust a cell unchecked */
		ret = corrupt(d, host_path, "key cell is damaged");
		goto out;
	}
	cls_off = get32(nk + 48);
	cls_len = get16(nk + 74);
	if (cls_off == NO_CELL || cls_len == 0) {
		ret = wr_detail_setf(d, WR_ERR_NOT_FOUND, 0, key, "key has no class name");
		goto out;
	}
	if (!cell_at(&r, cls_off, &data, &len) || cls_len > len) {
		ret = corrupt(d, host_path, "class name cell is damaged");
		goto out;
	}
	*out = utf16_to_utf8(data, cls_len / 2);
	if (!*out)
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, host_path);
out:
	regf_release(&r);
	return ret;
}

int wr_regf_set_class(const char *host_path, const char *key, const char *cls,
		      struct wr_detail *d)
{
	struct regf r;
	struct stat st;
	uint32_t nk_off, old_cls, new_cls = NO_CELL, parent;
	uint8_t *nk, *data, *pnk, *cls16 = NULL;
	size_t cls_bytes = 0;
	uint32_t len;
	int ret;

	if (!host_path || !key || !cls)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key ? key : "");
	ret = utf8_to_utf16(cls, &cls16, &cls_bytes);
	if (ret)
		return wr_detail_setf(d, ret, 0, key, "class name is not UTF-8");
	if (cls_bytes > 0xFFFF) {
		free(cls16);
		return wr_detail_set(d, WR_ERR_TOO_LARGE, 0, key);
	}
	if (stat(host_path, &st)) {
		free(cls16);
		return wr_detail_set(d, errno == ENOENT ? WR_ERR_NOT_FOUND : WR_ERR_OPEN, errno,
				     host_path);
	}
	ret = regf_load(host_path, &r, d);
	if (ret) {
		free(cls16);
		return ret;
	}
	/* A dirty hive's logs would be replayed over our change: refuse. */
	if (get32(r.buf + 4) != get32(r.buf + 8)) {
		wr_log(WR_LOG_WARN, "regf: '%s' is dirty (sequence %u/%u); not writing",
		       host_path, get32(r.buf + 4), get32(r.buf + 8));
		ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, host_path,
				     "hive is dirty: its transaction logs hold unwritten changes");
		goto out;
	}
	ret = find_key(&r, host_path, key, &nk_off, d);
	if (ret)
		goto out;
	if (!nk_at(&r, nk_off, &nk)) { /* find_key checked it; never trust a cell unchecked */
		ret = corrupt(d, host_path, "key cell is damaged");
		goto out;
	}
	old_cls = get32(nk + 48);
	if (old_cls != NO_CELL && get16(nk + 74) && !cell_at(&r, old_cls, &data, &len)) {
		ret = corrupt(d, host_path, "class name cell is damaged");
		goto out;
	}
	if (cls_bytes) {
		ret = cell_alloc(&r, (uint32_t)cls_bytes, &new_cls, host_path, d);
		if (ret)
			goto out;
		cell_at(&r, new_cls, &data, &len);
		memcpy(data, cls16, cls_bytes);
		nk_at(&r, nk_off, &nk);	/* the buffer may have moved */
	}
	if (old_cls != NO_CELL && get16(nk + 74))
		cell_free(&r, old_cls);
	put32(nk + 48, new_cls);
	put16(nk + 74, (uint16_t)cls_bytes);

	/* Keep the parent's "largest subkey class length" true. */
	parent = get32(nk + 16);
	if (!(get16(nk + 2) & NK_KEY_HIVE_ENTRY) && nk_at(&r, parent, &pnk) &&
	    (get32(pnk + 56) & 0xFFFF) < cls_bytes)
		put32(pnk + 56, (uint32_t)cls_bytes);

	/* A completed write: both sequence numbers move on together. */
	put32(r.buf + 4, get32(r.buf + 4) + 1);
	put32(r.buf + 8, get32(r.buf + 4));
	put32(r.buf + 508, header_checksum(r.buf));
	ret = write_atomically(host_path, r.buf, BASE_BLOCK + (size_t)r.bins_size,
			       st.st_mode & 07777, d);
	if (!ret)
		wr_log(WR_LOG_INFO, "regf: set class name of '%s' in '%s'", key, host_path);
out:
	free(cls16);
	regf_release(&r);
	return ret;
}
