/*
 * text.c - display width, cutting and wrapping of UTF-8 text by terminal columns.
 *
 * Written here because neither ncursesw nor glibc offers "wrap this UTF-8 paragraph
 * to N columns": the pieces (mbrtowc, wcwidth) are the C library's.
 */
#define _XOPEN_SOURCE 700
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "text.h"

int text_char_width(const char *s, size_t n, size_t *len)
{
	mbstate_t st;
	wchar_t wc;
	size_t r;
	int w;

	memset(&st, 0, sizeof(st));
	r = mbrtowc(&wc, s, n, &st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		/* An invalid or truncated sequence (or a NUL): one byte, one column. */
		*len = 1;
		return 1;
	}
	*len = r;
	w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

int text_width_n(const char *s, size_t n)
{
	int w = 0;
	size_t i = 0, len;

	while (i < n) {
		w += text_char_width(s + i, n - i, &len);
		i += len;
	}
	return w;
}

int text_width(const char *s)
{
	return text_width_n(s, strlen(s));
}

size_t text_fit(const char *s, int cols, int *used)
{
	size_t n = strlen(s), i = 0, len;
	int w = 0, cw;

	while (i < n) {
		cw = text_char_width(s + i, n - i, &len);
		if (w + cw > cols)
			break;
		w += cw;
		i += len;
	}
	if (used)
		*used = w;
	return i;
}

/* The code point at s (or -1 for an invalid byte). */
static long code_point(const char *s, size_t n)
{
	mbstate_t st;
	wchar_t wc;
	size_t r;

	memset(&st, 0, sizeof(st));
	r = mbrtowc(&wc, s, n, &st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0)
		return -1;
	return (long)wc;
}

/* Characters a Japanese line should not start with (kinsoku shori, the short list). */
static int no_line_start(long c)
{
	static const long v[] = { 0x3001, 0x3002, 0xFF0C, 0xFF0E, 0x300D, 0x300F, 0xFF09,
				  0x3011, 0xFF1F, 0xFF01, 0x30FC, 0x3063, 0x30C3, 0x3083,
				  0x30E3, 0x3085, 0x30E5, 0x3087, 0x30E7, 0xFF1A, 0xFF1B,
				  0x2026, ')', ']', '.', ',', ':', ';', '!', '?', 0xBB };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] == c)
			return 1;
	return 0;
}

/* Characters a line should not end with. */
static int no_line_end(long c)
{
	return c == 0x300C || c == 0x300E || c == 0xFF08 || c == 0x3010 || c == '(' ||
	       c == '[' || c == 0xAB;
}

/* A character after which a line may break even without a space: wide (CJK)
 * characters break between any two of them. */
static int breaks_anywhere(int width)
{
	return width >= 2;
}

static int push_line(struct text_lines *out, size_t off, size_t len, int width)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct text_line *v = realloc(out->v, cap * sizeof(*v));

		if (!v)
			return -1;
		out->v = v;
		out->cap = cap;
	}
	out->v[out->n].off = off;
	out->v[out->n].len = len;
	out->v[out->n].width = width;
	out->n++;
	return 0;
}

/* Wrap one paragraph s[0, n) (no '\n'); offsets are relative to base. */
static int wrap_para(const char *s, size_t n, size_t base, int cols, struct text_lines *out)
{
	size_t i = 0;

	if (n == 0)
		return push_line(out, base, 0, 0);
	while (i < n) {
		size_t start, j, len, brk = 0, brk_next = 0;
		int w = 0, cw, prev_w = 0;
		long prev = -1;

		/* Skip the spaces a break leaves at the start of a line (not the first). */
		if (i > 0)
			while (i < n && s[i] == ' ')
				i++;
		if (i >= n)
			break;
		start = j = i;
		while (j < n) {
			long c = code_point(s + j, n - j);

			cw = text_char_width(s + j, n - j, &len);
			/* Can the line break before this character? */
			if (j > start) {
				if (c == ' ') {
					brk = j;
					brk_next = j + 1;
				} else if ((breaks_anywhere(cw) || breaks_anywhere(prev_w)) &&
					   prev != ' ' && !no_line_start(c) && !no_line_end(prev)) {
					brk = j;
					brk_next = j;
				}
			}
			if (w + cw > cols && c != ' ')
				break;
			if (c == ' ' && w + cw > cols) {
				/* A space past the edge: break here and drop it. */
				brk = j;
				brk_next = j + 1;
				break;
			}
			w += cw;
			j += len;
			prev = c;
			prev_w = cw;
		}
		if (j >= n) {
			/* The rest fits; trim trailing spaces. */
			size_t e = n;

			while (e > start && s[e - 1] == ' ')
				e--;
			if (push_line(out, base + start, e - start, text_width_n(s + start, e - start)))
				return -1;
			break;
		}
		if (brk > start) {
			size_t e = brk;

			while (e > start && s[e - 1] == ' ')
				e--;
			if (push_line(out, base + start, e - start, text_width_n(s + start, e - start)))
				return -1;
			i = brk_next;
		} else {
			/* No break point: cut the word at the column limit (at least one
			 * character, so a too-narrow line still makes progress). */
			if (j == start) {
				text_char_width(s + j, n - j, &len);
				j += len;
			}
			if (push_line(out, base + start, j - start, text_width_n(s + start, j - start)))
				return -1;
			i = j;
		}
	}
	return 0;
}

int text_wrap(const char *s, int cols, struct text_lines *out)
{
	size_t base = 0;

	if (cols < 2)
		cols = 2;
	for (;;) {
		const char *nl = strchr(s + base, '\n');
		size_t n = nl ? (size_t)(nl - (s + base)) : strlen(s + base);

		if (wrap_para(s + base, n, base, cols, out))
			return -1;
		if (!nl)
			break;
		base += n + 1;
	}
	return 0;
}

void text_lines_release(struct text_lines *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int text_crop(const char *s, int cols, int ellipsis, char *buf, size_t bufsize)
{
	static const char dots[] = "\xe2\x80\xa6";	/* U+2026 */
	const char *mark = "";
	size_t n, mlen;
	int used;

	if (bufsize == 0)
		return 0;
	if (cols < 0)
		cols = 0;
	n = text_fit(s, cols, &used);
	if (s[n] && ellipsis && cols >= 1) {
		mark = text_width(dots) == 1 ? dots : "~";
		n = text_fit(s, cols - 1, &used);
		used += 1;
	}
	mlen = strlen(mark);
	/* Never overflow buf: drop whole characters from the end. */
	while (n + mlen + 1 > bufsize && n > 0) {
		do
			n--;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80);
		used = text_width_n(s, n) + (mlen ? 1 : 0);
	}
	if (mlen + 1 > bufsize) {
		buf[0] = '\0';
		return 0;
	}
	memcpy(buf, s, n);
	memcpy(buf + n, mark, mlen + 1);
	return used;
}

void text_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int text_append_char(char *buf, size_t size, unsigned long cp)
{
	size_t n = strlen(buf), k = 0;
	char enc[4];

	if (cp < 0x80) {
		enc[k++] = (char)cp;
	} else if (cp < 0x800) {
		enc[k++] = (char)(0xC0 | (cp >> 6));
		enc[k++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return -1;	/* a lone surrogate is no character */
		enc[k++] = (char)(0xE0 | (cp >> 12));
		enc[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		enc[k++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x110000) {
		enc[k++] = (char)(0xF0 | (cp >> 18));
		enc[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		enc[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		enc[k++] = (char)(0x80 | (cp & 0x3F));
	} else {
		return -1;
	}
	if (n + k + 1 > size)
		return -1;
	memcpy(buf + n, enc, k);
	buf[n + k] = '\0';
	return 0;
}

void text_drop_last_char(char *buf)
{
	size_t n = strlen(buf);

	if (!n)
		return;
	do
		n--;
	while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80);
	buf[n] = '\0';
}

/* The next character of *s folded for comparing answers (0 at the end): spaces of
 * any kind skipped, full-width Latin letters and digits (a Japanese input method's)
 * made ASCII, lower case, a decimal comma made a point. */
static wint_t next_folded(const char **s)
{
	mbstate_t st;
	wchar_t wc;
	size_t r;

	for (;;) {
		if (!**s)
			return 0;
		memset(&st, 0, sizeof(st));
		r = mbrtowc(&wc, *s, strlen(*s), &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			wc = (unsigned char)**s;	/* an invalid byte stands for itself */
			r = 1;
		}
		*s += r;
		if (wc == 0x3000 || iswspace((wint_t)wc))
			continue;
		if (wc >= 0xFF01 && wc <= 0xFF5E)
			wc -= 0xFF01 - 0x21;
		if (wc == ',')
			wc = '.';
		return towlower((wint_t)wc);
	}
}

bool text_same_answer(const char *typed, const char *want)
{
	const char *a = typed, *b = want;
	wint_t x, y;

	if (next_folded(&b) == 0)
		return false;	/* nothing asked: nothing can match */
	b = want;
	do {
		x = next_folded(&a);
		y = next_folded(&b);
		if (x != y)
			return false;
	} while (x);
	return true;
}
