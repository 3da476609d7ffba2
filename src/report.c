/*
 * report.c - "Removed Apps.html", the page a refresh leaves on each user's Desktop.
 *
 * Windows 8's own Refresh leaves a page listing the desktop apps it removed, so the
 * person knows what to reinstall.  This writes the same page from the removed-apps
 * list (names, versions, publishers and links straight from the old registry).
 *
 * Every string on the page comes from a registry we do not trust: an app's name can
 * be "<script>", its link "javascript:...".  So nothing is copied raw: text is
 * escaped, control characters are dropped, invalid UTF-8 is replaced, and a link is
 * clickable only when it is plainly http:// or https://.  The output is both HTML5
 * and well-formed XML, which is what the tests and the fuzzer check.
 *
 * Why not libxml2's HTML serialiser: htmlDocDumpMemory writes HTML 4 (no
 * "<!DOCTYPE html>", <meta> rewritten to http-equiv) and passes invalid UTF-8 and
 * control characters through; the page is small and fixed, so it is written here
 * with one escaping function that the tests hold to account.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"
#include "intl.h"

/* Links longer than this are shown as text, never made clickable. */
#define LINK_MAX 2048

void wr_report_texts_init(struct wr_report_texts *t)
{
	if (!t)
		return;
	/* TRANSLATORS: title of the page a refresh leaves on the Desktop, as Windows 8 names it. */
	t->title = N_("Removed Apps");
	t->intro = N_("These apps were removed when your PC was refreshed. To use them "
		      "again, reinstall them from their installation discs or from "
		      "their publishers' websites.");
	/* TRANSLATORS: %1$s is the person's user name, %2$s the date of the refresh. */
	t->made_for = N_("This list was made for %1$s on %2$s.");
	/* TRANSLATORS: column headings of the Removed Apps table. */
	t->col_name = N_("Name");
	t->col_version = N_("Version");
	t->col_publisher = N_("Publisher");
	t->col_link = N_("Website");
	t->none = N_("No desktop apps were removed.");
}

/* ---- a growing output buffer -------------------------------------------------- */

struct obuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void ob_add(struct obuf *b, const char *s, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (n > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void ob_str(struct obuf *b, const char *s)
{
	ob_add(b, s, strlen(s));
}

/* ---- UTF-8 ------------------------------------------------------------------- */

/* Decode one code point from s (n > 0 bytes left).  Strict (RFC 3629): overlong
 * forms, surrogates and values above U+10FFFF are invalid.  Returns the number of
 * bytes used; on invalid input *cp = U+FFFD and 1 byte is used. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t need;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		goto bad;
	}
	if (n < need + 1)
		goto bad;
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return need + 1;
bad:
	*cp = 0xfffd;
	return 1;
}

static bool is_noncharacter(uint32_t c)
{
	return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

/* Characters never written: C0 and C1 controls, DEL, the bidirectional embedding,
 * override and isolate controls (they can make a name read backwards), the BOM and
 * noncharacters (not allowed in XML or HTML text). */
static bool is_dropped(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0xfeff || is_noncharacter(c);
}

/* Append n bytes of s as escaped text: at most WR_REPORT_FIELD_MAX characters
 * (then "…"); *count carries the characters written across calls. */
static void put_text_n(struct obuf *b, const char *s, size_t n, size_t *count)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t c;
		size_t k = utf8_next(u + i, n - i, &c);

		if (*count >= WR_REPORT_FIELD_MAX) {
			ob_str(b, "\xe2\x80\xa6");	/* … */
			return;
		}
		if (c == '\t' || c == '\n' || c == '\r') {
			ob_add(b, " ", 1);
			(*count)++;
		} else if (is_dropped(c)) {
			/* nothing */
		} else {
			switch (c) {
			case '&': ob_str(b, "&amp;"); break;
			case '<': ob_str(b, "&lt;"); break;
			case '>': ob_str(b, "&gt;"); break;
			case '"': ob_str(b, "&quot;"); break;
			case '\'': ob_str(b, "&#39;"); break;
			default:
				/* Valid sequences are copied; an invalid byte (k == 1
				 * and c == U+FFFD) becomes U+FFFD. */
				if (k == 1 && c == 0xfffd)
					ob_str(b, "\xef\xbf\xbd");
				else
					ob_add(b, (const char *)u + i, k);
			}
			(*count)++;
		}
		i += k;
	}
}

static void put_text(struct obuf *b, const char *s)
{
	size_t count = 0;

	if (s)
		put_text_n(b, s, strlen(s), &count);
}

/* ---- links -------------------------------------------------------------------- */

static bool starts_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *prefix)
			return false;
	}
	return true;
}

static bool is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Unicode spaces and invisible formatting characters: not inside a clickable link
 * (they can hide what the link really is). */
static bool is_invisible(uint32_t c)
{
	return c == 0xa0 || c == 0xad || c == 0x1680 || c == 0x180e ||
	       (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	       (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfffd;
}

bool wr_report_safe_link(const char *link, char **href_out)
{
	const char *prefix = "";
	size_t len, host;
	const unsigned char *u;
	char *href;

	if (href_out)
		*href_out = NULL;
	if (!link)
		return false;
	/* Browsers strip surrounding whitespace too; what is checked is what is
	 * written. */
	while (is_ascii_space(*link))
		link++;
	len = strlen(link);
	while (len > 0 && is_ascii_space(link[len - 1]))
		len--;
	if (len == 0 || len > LINK_MAX)
		return false;
	if (starts_ci(link, "http://")) {
		host = 7;
	} else if (starts_ci(link, "https://")) {
		host = 8;
	} else if (starts_ci(link, "www.")) {
		/* Many installers write "www.example.com" without a scheme. */
		prefix = "http://";
		host = 0;
	} else {
		return false;
	}
	if (host >= len)
		return false;
	u = (const unsigned char *)link;
	/* The host must start right away: no "http:///x", "http://\x", "http://@x". */
	if (!((u[host] >= 'a' && u[host] <= 'z') || (u[host] >= 'A' && u[host] <= 'Z') ||
	      (u[host] >= '0' && u[host] <= '9') || u[host] == '[' || u[host] >= 0x80))
		return false;
	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t k = utf8_next(u + i, len - i, &c);

		if (c == 0xfffd && k == 1)
			return false;	/* invalid UTF-8 */
		if (c < 0x80) {
			if (c <= 0x20 || c == 0x7f || strchr("\"<>\\`^{}|", (int)c))
				return false;
		} else if (is_dropped(c) || is_invisible(c)) {
			return false;
		}
		i += k;
	}
	if (!href_out)
		return true;
	href = malloc(strlen(prefix) + len + 1);
	if (!href)
		return false;
	memcpy(href, prefix, strlen(prefix));
	memcpy(href + strlen(prefix), link, len);
	href[strlen(prefix) + len] = '\0';
	*href_out = href;
	return true;
}

/* ---- the page ----------------------------------------------------------------- */

/* A BCP 47-shaped tag: 2-8 letters, then subtags of 1-8 letters or digits. */
static bool valid_lang(const char *s)
{
	size_t n = 0, part = 0, total = 0;
	bool first = true;

	if (!s)
		return false;
	for (const char *p = s;; p++, total++) {
		char c = *p;

		if (total > 35)
			return false;
		if (c == '-' || c == '\0') {
			if (first ? (part < 2 || part > 8) : (part < 1 || part > 8))
				return false;
			if (c == '\0')
				break;
			first = false;
			part = 0;
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (!first && c >= '0' && c <= '9')) {
			part++;
			n++;
			continue;
		}
		return false;
	}
	return n > 0;
}

/* Sort key: the name shown (DisplayName, else the Uninstall key name). */
static const char *shown_name(const struct wr_app *a)
{
	if (a->name && a->name[0])
		return a->name;
	return a->key ? a->key : "";
}

struct row {
	const struct wr_app *app;
	size_t index;
};

/* Locale-independent: ASCII letters folded, then raw bytes, then list order (so the
 * sort is stable although qsort is not). */
static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	const unsigned char *x = (const unsigned char *)shown_name(a->app);
	const unsigned char *y = (const unsigned char *)shown_name(b->app);
	int r;

	for (size_t i = 0;; i++) {
		unsigned cx = x[i], cy = y[i];

		if (cx >= 'A' && cx <= 'Z')
			cx += 'a' - 'A';
		if (cy >= 'A' && cy <= 'Z')
			cy += 'a' - 'A';
		if (cx != cy)
			return cx < cy ? -1 : 1;
		if (!cx)
			break;
	}
	r = strcmp((const char *)x, (const char *)y);
	if (r)
		return r < 0 ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* made_for with %1$s = user and %2$s = date (own substitution, not printf). */
static void put_made_for(struct obuf *b, const char *tmpl, const char *user,
			 const char *date)
{
	const char *p = tmpl, *start = tmpl;
	size_t count = 0, ucount = 0, dcount = 0;

	while (*p) {
		if (p[0] == '%' && (p[1] == '1' || p[1] == '2') && p[2] == '$' && p[3] == 's') {
			put_text_n(b, start, (size_t)(p - start), &count);
			if (p[1] == '1')
				put_text_n(b, user, strlen(user), &ucount);
			else
				put_text_n(b, date, strlen(date), &dcount);
			p += 4;
			start = p;
		} else if (p[0] == '%' && p[1] == '%') {
			put_text_n(b, start, (size_t)(p - start) + 1, &count);
			p += 2;
			start = p;
		} else {
			p++;
		}
	}
	put_text_n(b, start, (size_t)(p - start), &count);
}

static void put_cell(struct obuf *b, const char *tag, const char *text)
{
	ob_str(b, "<");
	ob_str(b, tag);
	if (!strcmp(tag, "th"))
		ob_str(b, " scope=\"col\"");
	ob_str(b, ">");
	put_text(b, text);
	ob_str(b, "</");
	ob_str(b, tag);
	ob_str(b, ">");
}

static void put_link_cell(struct obuf *b, const char *link)
{
	char *href = NULL;

	ob_str(b, "<td>");
	if (wr_report_safe_link(link, &href)) {
		ob_str(b, "<a href=\"");
		put_text(b, href);
		ob_str(b, "\" rel=\"noopener noreferrer\">");
		put_text(b, href);
		ob_str(b, "</a>");
	} else {
		/* Not a plain web link (or out of memory for the copy): text only. */
		put_text(b, link);
	}
	free(href);
	ob_str(b, "</td>");
}

static const char *pick(const char *s, const char *def)
{
	return s ? s : def;
}

int wr_report_removed_apps(const struct wr_app_list *apps, const struct wr_report_params *p,
			   char **out, size_t *out_len, struct wr_detail *d)
{
	struct wr_report_texts en, t;
	struct wr_report_params none = { 0 };
	struct obuf b = { 0 };
	struct row *rows = NULL;
	const char *lang;
	size_t nrows = 0;

	if (out)
		*out = NULL;
	if (out_len)
		*out_len = 0;
	if (!apps || !out || (apps->n && !apps->v))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "Removed Apps.html");
	if (!p)
		p = &none;
	wr_report_texts_init(&en);
	t = en;
	if (p->texts) {
		t.title = pick(p->texts->title, en.title);
		t.intro = pick(p->texts->intro, en.intro);
		t.made_for = pick(p->texts->made_for, en.made_for);
		t.col_name = pick(p->texts->col_name, en.col_name);
		t.col_version = pick(p->texts->col_version, en.col_version);
		t.col_publisher = pick(p->texts->col_publisher, en.col_publisher);
		t.col_link = pick(p->texts->col_link, en.col_link);
		t.none = pick(p->texts->none, en.none);
	}
	lang = p->lang;
	if (!valid_lang(lang)) {
		if (lang)
			wr_log(WR_LOG_WARN, "Removed Apps.html: language tag not usable, "
			       "writing lang=\"en\"");
		lang = "en";
	}

	if (apps->n) {
		rows = calloc(apps->n, sizeof(*rows));
		if (!rows)
			return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "Removed Apps.html");
	}
	for (size_t i = 0; i < apps->n; i++) {
		const struct wr_app *a = &apps->v[i];

		if (p->apps_of && a->user && strcmp(a->user, p->apps_of))
			continue;
		rows[nrows].app = a;
		rows[nrows].index = i;
		nrows++;
	}
	if (nrows > 1)
		qsort(rows, nrows, sizeof(*rows), row_cmp);

	ob_str(&b, "<!DOCTYPE html>\n<html lang=\"");
	put_text(&b, lang);
	ob_str(&b, "\">\n<head>\n<meta charset=\"utf-8\"/>\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
		   "<meta name=\"generator\" content=\"winrescue " WR_VERSION "\"/>\n<title>");
	put_text(&b, t.title);
	ob_str(&b, "</title>\n<style>\n"
		   "body { font-family: \"Segoe UI\", Meiryo, \"Yu Gothic\", Arial, sans-serif;"
		   " margin: 2em; line-height: 1.5; color: #000; background: #fff; }\n"
		   "table { border-collapse: collapse; }\n"
		   "th, td { border: 1px solid #999; padding: 4px 8px; text-align: left;"
		   " vertical-align: top; }\n"
		   "th { background: #eee; }\n"
		   "</style>\n</head>\n<body>\n<h1>");
	put_text(&b, t.title);
	ob_str(&b, "</h1>\n<p>");
	put_text(&b, t.intro);
	ob_str(&b, "</p>\n");
	if (p->user && p->user[0] && p->date && p->date[0]) {
		ob_str(&b, "<p>");
		put_made_for(&b, t.made_for, p->user, p->date);
		ob_str(&b, "</p>\n");
	}
	if (nrows == 0) {
		ob_str(&b, "<p>");
		put_text(&b, t.none);
		ob_str(&b, "</p>\n");
	} else {
		ob_str(&b, "<table>\n<thead>\n<tr>");
		put_cell(&b, "th", t.col_name);
		put_cell(&b, "th", t.col_version);
		put_cell(&b, "th", t.col_publisher);
		put_cell(&b, "th", t.col_link);
		ob_str(&b, "</tr>\n</thead>\n<tbody>\n");
		for (size_t i = 0; i < nrows; i++) {
			const struct wr_app *a = rows[i].app;

			ob_str(&b, "<tr>");
			put_cell(&b, "td", shown_name(a));
			put_cell(&b, "td", a->version);
			put_cell(&b, "td", a->publisher);
			put_link_cell(&b, a->link);
			ob_str(&b, "</tr>\n");
		}
		ob_str(&b, "</tbody>\n</table>\n");
	}
	ob_str(&b, "</body>\n</html>\n");
	free(rows);

	if (b.oom) {
		free(b.p);
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "Removed Apps.html");
	}
	*out = b.p;
	if (out_len)
		*out_len = b.len;
	return WR_OK;
}
