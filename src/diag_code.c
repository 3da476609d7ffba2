/*
 * diag_code.c - the support code a helpdesk asks for on the phone, the table of
 * finding ids it encodes, and the placeholder substitution used by the reports.
 *
 * The code is 10 characters of an alphabet without look-alikes (no 0/O, no 1/I):
 * 9 carry 45 bits (worst severity in bits 0-1; bit 2 + i for finding id i of the
 * fixed table below, which is append-only), least significant first; the 10th is a
 * Luhn mod 32 check character (it catches every single wrong character and most
 * swapped neighbours).  Written "XXXXX-XXXXX".  No library does this: it is 40 lines.
 */
#include <stdlib.h>
#include <string.h>

#include "intl.h"
#include "winrescue.h"

#define ALPHABET      "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#define NCHARS	      32u
#define PAYLOAD_CHARS 9
#define MAX_IDS	      43 /* 45 bits - 2 for the severity */

/* Fixed order: the support code's bits.  Append only; never reorder or reuse. */
static const char *const coded_ids[] = {
    "disk.unreadable", /* 0 */
    "disk.smart.failing",	 "disk.smart.sectors",
    "disk.smart.reallocated",	 "disk.smart.nvme",
    "disk.smart.unreadable", /* 5 */
    "disk.smart.no_tool",	 "disk.surface.bad",
    "volume.unreadable",	 "volume.bitlocker",
    "volume.hibernated", /* 10 */
    "volume.fast_startup",	 "volume.dirty",
    "volume.chkdsk_pending",	 "volume.free_space_low",
    "registry.hive.missing", /* 15 */
    "registry.hive.corrupt",	 "registry.hive.dirty",
    "registry.regback.unusable", "install.none",
    "install.unreadable", /* 20 */
    "install.servicing_pending", "install.srt_root_cause",
    "install.refresh.none",	 "boot.firmware.mismatch",
    "boot.esp.missing", /* 25 */
    "boot.esp.damaged",		 "boot.bootmgr.missing",
    "boot.bcd.missing",		 "boot.bcd.damaged",
    "boot.bcd.template", /* 30 */
    "boot.bcd.not_store",	 "boot.bcd.no_default",
    "boot.bcd.device_missing",	 "boot.bcd.not_windows",
    "boot.mbr.code_missing", /* 35 */
    "boot.mbr.no_active",	 NULL,
};

const char *const *wr_diagnose_ids(void)
{
	return coded_ids;
}

static int id_index(const char *id)
{
	for (int i = 0; coded_ids[i]; i++)
		if (!strcmp(coded_ids[i], id))
			return i;
	return -1;
}

static int nknown(void)
{
	int n = 0;

	while (coded_ids[n])
		n++;
	return n;
}

static unsigned char_value(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	p = c ? strchr(ALPHABET, c) : NULL;
	return p ? (unsigned)(p - ALPHABET) : NCHARS;
}

/* Luhn mod N over values[0..n-1] read from the right, as if a check character
 * followed them. */
static unsigned luhn_check(const unsigned *values, size_t n)
{
	unsigned factor = 2, sum = 0;

	for (size_t i = n; i-- > 0;) {
		unsigned addend = factor * values[i];

		factor = factor == 2 ? 1 : 2;
		sum += addend / NCHARS + addend % NCHARS;
	}
	return (NCHARS - sum % NCHARS) % NCHARS;
}

int wr_diagnose_encode(enum wr_severity worst, const char *const *ids, size_t nids, char *buf,
		       size_t size)
{
	uint64_t v = (uint64_t)worst & 3u;
	unsigned values[PAYLOAD_CHARS + 1];
	size_t o = 0;

	if (!buf || size < 12 || (unsigned)worst > WR_SEV_CRITICAL)
		return WR_ERR_INVALID_ARG;
	for (size_t i = 0; i < nids; i++) {
		int k = ids && ids[i] ? id_index(ids[i]) : -1;

		if (k >= 0 && k < MAX_IDS)
			v |= (uint64_t)1 << (2 + k);
	}
	for (int i = 0; i < PAYLOAD_CHARS; i++) {
		values[i] = (unsigned)(v % NCHARS);
		v /= NCHARS;
	}
	values[PAYLOAD_CHARS] = luhn_check(values, PAYLOAD_CHARS);
	for (int i = 0; i <= PAYLOAD_CHARS; i++) {
		if (i == 5)
			buf[o++] = '-';
		buf[o++] = ALPHABET[values[i]];
	}
	buf[o] = '\0';
	return WR_OK;
}

int wr_diagnose_decode(const char *code, struct wr_diag_code *out, struct wr_detail *d)
{
	unsigned values[PAYLOAD_CHARS + 1];
	size_t n = 0;
	uint64_t v = 0;

	if (!code || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "");
	memset(out, 0, sizeof(*out));
	for (const char *p = code; *p; p++) {
		unsigned c;

		if (*p == '-' || *p == ' ')
			continue;
		c = char_value(*p);
		if (c >= NCHARS)
			return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, code,
					      "character '%c' is not in the code's alphabet", *p);
		if (n > PAYLOAD_CHARS)
			return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, code,
					      "a support code has %d characters",
					      PAYLOAD_CHARS + 1);
		values[n++] = c;
	}
	if (n != PAYLOAD_CHARS + 1)
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, code,
				      "a support code has %d characters, not %zu",
				      PAYLOAD_CHARS + 1, n);
	if (luhn_check(values, PAYLOAD_CHARS) != values[PAYLOAD_CHARS])
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, code, "check character wrong");
	for (int i = PAYLOAD_CHARS; i-- > 0;)
		v = v * NCHARS + values[i];
	out->worst = (enum wr_severity)(v & 3u);
	for (int k = 0; k < MAX_IDS; k++) {
		if (!(v & ((uint64_t)1 << (2 + k))))
			continue;
		if (k < nknown())
			out->ids[out->nids++] = coded_ids[k];
		else
			return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, code,
					      "bit %d names no finding this version knows", k);
	}
	return WR_OK;
}

char *wr_diagnose_format(const char *fmt, const char args[][256], size_t nargs)
{
	size_t cap = 64, len = 0;
	char *out;

	if (!fmt)
		fmt = "";
	cap += strlen(fmt);
	for (size_t i = 0; i < nargs; i++)
		cap += strnlen(args[i], 256) * 4; /* each may appear several times */
	out = malloc(cap);
	if (!out)
		return NULL;
	for (const char *p = fmt; *p;) {
		const char *s = NULL;
		size_t slen = 0, skip = 1;

		if (p[0] == '%' && p[1] == '%') {
			s = "%";
			slen = 1;
			skip = 2;
		} else if (p[0] == '%' && p[1] >= '1' && p[1] <= '9' && p[2] == '$' &&
			   p[3] == 's') {
			size_t k = (size_t)(p[1] - '1');

			s = k < nargs ? args[k] : "";
			slen = strnlen(s, 256);
			skip = 4;
		} else if (p[0] == '%' && p[1] == 's') {
			s = nargs ? args[0] : "";
			slen = strnlen(s, 256);
			skip = 2;
		} else {
			s = p;
			slen = 1;
		}
		if (len + slen + 1 > cap) {
			char *n;

			cap = (len + slen + 1) * 2;
			n = realloc(out, cap);
			if (!n) {
				free(out);
				return NULL;
			}
			out = n;
		}
		memcpy(out + len, s, slen);
		len += slen;
		p += skip;
	}
	out[len] = '\0';
	return out;
}
