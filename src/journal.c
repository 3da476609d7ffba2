/*
 * journal.c - the operation journal's record format: durable, append-only, and
 * readable after a power cut.
 *
 * One record per line:
 *
 *	WRJ1 <seq> <kind> [<field> ...] <crc32>\n
 *
 * Fields are UTF-8 with bytes <= 0x20, '%' and 0x7F written as %XX (an empty field
 * as "%-"), so a record is always one line of space-separated words.  crc32 (zlib) covers everything before it,
 * including the space in front of it.  A writer appends whole records; a power cut
 * can leave the last one torn.  The reader accepts records up to the first one that
 * is malformed, fails its checksum or breaks the sequence, and says whether anything
 * followed (a torn tail is expected after a crash; it is reported, never trusted).
 *
 * No library does this: it is a few lines of text with a checksum, kept small so it
 * can be fuzzed and reasoned about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "winrescue.h"

#define MAGIC "WRJ1"
#define MAX_FIELDS 32
#define MAX_RECORD (64 * 1024)

static bool needs_escape(unsigned char c)
{
	return c <= 0x20 || c == '%' || c == 0x7f;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap ? *cap * 2 : 128);
		char *nb;

		while (ncap < *len + n + 1)
			ncap *= 2;
		nb = realloc(*buf, ncap);
		if (!nb)
			return WR_ERR_NOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return WR_OK;
}

int wr_journal_format(unsigned seq, const char *kind, const char *const *fields,
		      char **line_out, size_t *len_out, struct wr_detail *d)
{
	static const char hex[] = "0123456789ABCDEF";
	char *buf = NULL, num[32];
	size_t len = 0, cap = 0, nfields = 0;
	int ret;

	*line_out = NULL;
	*len_out = 0;
	if (!kind || !*kind || strlen(kind) > 15)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, kind);
	for (const char *k = kind; *k; k++)
		if (needs_escape((unsigned char)*k))
			return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, kind);
	snprintf(num, sizeof(num), "%s %u ", MAGIC, seq);
	ret = append(&buf, &len, &cap, num, strlen(num));
	if (!ret)
		ret = append(&buf, &len, &cap, kind, strlen(kind));
	for (size_t i = 0; !ret && fields && fields[i]; i++) {
		const unsigned char *f = (const unsigned char *)fields[i];

		if (++nfields > MAX_FIELDS) {
			ret = wr_detail_set(d, WR_ERR_TOO_LARGE, 0, kind);
			break;
		}
		ret = append(&buf, &len, &cap, " ", 1);
		if (!*f && !ret)	/* an empty field is written "%-" */
			ret = append(&buf, &len, &cap, "%-", 2);
		for (; *f && !ret; f++) {
			if (needs_escape(*f)) {
				char esc[3] = { '%', hex[*f >> 4], hex[*f & 15] };

				ret = append(&buf, &len, &cap, esc, 3);
			} else {
				ret = append(&buf, &len, &cap, (const char *)f, 1);
			}
		}
	}
	if (!ret) {
		uLong crc;
		char tail[16];

		ret = append(&buf, &len, &cap, " ", 1);
		crc = crc32(0L, (const Bytef *)buf, (uInt)len);
		snprintf(tail, sizeof(tail), "%08lx\n", crc & 0xffffffffUL);
		if (!ret)
			ret = append(&buf, &len, &cap, tail, strlen(tail));
	}
	if (!ret && len > MAX_RECORD)
		ret = wr_detail_set(d, WR_ERR_TOO_LARGE, 0, kind);
	if (ret) {
		free(buf);
		return ret;
	}
	*line_out = buf;
	*len_out = len;
	return WR_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode one %-escaped word [s, e) into a new string; NULL when malformed. */
static char *unescape(const char *s, const char *e)
{
	char *out, *o;

	if (e - s == 2 && s[0] == '%' && s[1] == '-')
		return strdup("");
	out = malloc((size_t)(e - s) + 1);
	if (!out)
		return NULL;
	for (o = out; s < e; s++) {
		if (*s == '%') {
			int hi, lo;

			/* Only the escapes the writer makes (upper-case hex, for a byte that
			 * needs one), so every accepted record has exactly one spelling. */
			if (e - s < 3 || (hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0 ||
			    (hi == 0 && lo == 0) || (s[1] >= 'a' && s[1] <= 'f') ||
			    (s[2] >= 'a' && s[2] <= 'f') ||
			    !needs_escape((unsigned char)(hi << 4 | lo))) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void record_release(struct wr_journal_record *r)
{
	for (size_t i = 0; i < r->nfields; i++)
		free(r->fields[i]);
	free(r->fields);
	memset(r, 0, sizeof(*r));
}

/* Parse one line [s, e) (without its '\n'); WR_ERR_JOURNAL when malformed. */
static int parse_line(const char *s, const char *e, struct wr_journal_record *r)
{
	const char *words[MAX_FIELDS + 4][2];
	size_t nw = 0;
	const char *p = s;
	unsigned long crc_want;
	char *end, crcbuf[9];
	uLong crc;

	memset(r, 0, sizeof(*r));
	if (e - s < 12 || e - s > MAX_RECORD)
		return WR_ERR_JOURNAL;
	while (p < e) {
		const char *w = p;

		while (p < e && *p != ' ')
			p++;
		if (p == w || nw == sizeof(words) / sizeof(words[0]))
			return WR_ERR_JOURNAL;
		words[nw][0] = w;
		words[nw][1] = p;
		nw++;
		if (p < e)
			p++;	/* the space */
		if (p == e && e[-1] == ' ')
			return WR_ERR_JOURNAL;
	}
	if (nw < 4 || words[0][1] - words[0][0] != 4 || memcmp(words[0][0], MAGIC, 4))
		return WR_ERR_JOURNAL;
	/* The checksum: 8 hex digits over everything before it. */
	if (words[nw - 1][1] - words[nw - 1][0] != 8)
		return WR_ERR_JOURNAL;
	memcpy(crcbuf, words[nw - 1][0], 8);
	crcbuf[8] = '\0';
	for (int i = 0; i < 8; i++)	/* lower-case hex only: one spelling per record */
		if (!((crcbuf[i] >= '0' && crcbuf[i] <= '9') || (crcbuf[i] >= 'a' && crcbuf[i] <= 'f')))
			return WR_ERR_JOURNAL;
	crc_want = strtoul(crcbuf, &end, 16);
	crc = crc32(0L, (const Bytef *)s, (uInt)(words[nw - 1][0] - s));
	if ((crc & 0xffffffffUL) != crc_want)
		return WR_ERR_JOURNAL;
	/* Sequence number: decimal, no sign, no leading zeros beyond "0". */
	{
		char num[16];
		size_t n = (size_t)(words[1][1] - words[1][0]);

		if (n == 0 || n >= sizeof(num) || (n > 1 && words[1][0][0] == '0'))
			return WR_ERR_JOURNAL;
		memcpy(num, words[1][0], n);
		num[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (num[i] < '0' || num[i] > '9')
				return WR_ERR_JOURNAL;
		r->seq = (unsigned)strtoul(num, &end, 10);
	}
	if (words[2][1] - words[2][0] >= (ptrdiff_t)sizeof(r->kind))
		return WR_ERR_JOURNAL;
	memcpy(r->kind, words[2][0], (size_t)(words[2][1] - words[2][0]));
	r->kind[words[2][1] - words[2][0]] = '\0';
	r->nfields = 0;
	r->fields = calloc(nw - 3 + 1, sizeof(*r->fields));
	if (!r->fields)
		return WR_ERR_NOMEM;
	for (size_t i = 3; i + 1 < nw; i++) {
		char *f = unescape(words[i][0], words[i][1]);

		if (!f) {
			record_release(r);
			return WR_ERR_JOURNAL;
		}
		r->fields[r->nfields++] = f;
	}
	return WR_OK;
}

int wr_journal_parse(const void *buf, size_t len, struct wr_journal *out,
		     struct wr_detail *d)
{
	const char *s = buf, *end = s + len;

	memset(out, 0, sizeof(*out));
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		struct wr_journal_record r;
		struct wr_journal_record *nv;
		int ret;

		if (!nl) {
			out->torn_tail = true;	/* a record cut short by a power cut */
			break;
		}
		ret = parse_line(s, nl, &r);
		if (ret == WR_ERR_NOMEM) {
			wr_journal_release(out);
			return wr_detail_set(d, ret, 0, NULL);
		}
		if (ret || r.seq != out->n + 1) {
			if (!ret)
				record_release(&r);
			out->torn_tail = true;
			break;
		}
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv) {
			record_release(&r);
			wr_journal_release(out);
			return wr_detail_set(d, WR_ERR_NOMEM, 0, NULL);
		}
		out->v = nv;
		out->v[out->n++] = r;
		s = nl + 1;
	}
	return WR_OK;
}

void wr_journal_release(struct wr_journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		record_release(&j->v[i]);
	free(j->v);
	memset(j, 0, sizeof(*j));
}

const struct wr_journal_record *wr_journal_find(const struct wr_journal *j, const char *kind,
						const char *field0, const char *field1)
{
	for (size_t i = j->n; i-- > 0;) {
		const struct wr_journal_record *r = &j->v[i];

		if (strcmp(r->kind, kind))
			continue;
		if (field0 && (r->nfields < 1 || strcmp(r->fields[0], field0)))
			continue;
		if (field1 && (r->nfields < 2 || strcmp(r->fields[1], field1)))
			continue;
		return r;
	}
	return NULL;
}

int wr_journal_push(struct wr_journal *j, const char *kind, const char *const *fields)
{
	struct wr_journal_record *nv = realloc(j->v, (j->n + 1) * sizeof(*nv));
	struct wr_journal_record *r;
	size_t n = 0;

	if (!nv)
		return WR_ERR_NOMEM;
	j->v = nv;
	r = &nv[j->n];
	memset(r, 0, sizeof(*r));
	r->seq = (unsigned)j->n + 1;
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	while (fields && fields[n])
		n++;
	r->fields = calloc(n + 1, sizeof(char *));
	if (!r->fields)
		return WR_ERR_NOMEM;
	j->n++;		/* counted now, so wr_journal_release frees what is there */
	for (size_t i = 0; i < n; i++) {
		r->fields[i] = strdup(fields[i]);
		if (!r->fields[i])
			return WR_ERR_NOMEM;
		r->nfields++;
	}
	return WR_OK;
}
