/*
 * diagreport.c - a diagnosis as plain text (readable without colour: each finding
 * starts with its severity word), as an HTML5 page (every string escaped) and as
 * JSON (json-c; the schema is in README.md, "diagnose --json").
 *
 * The engine does not translate: the caller passes its gettext as params->tr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "intl.h"
#include "winrescue.h"

#define JSON_SCHEMA_VERSION 1

struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* HTML text: & < > " ' escaped; control characters dropped (tab, CR, LF: space). */
static void buf_html(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		default:
			if (c == '\t' || c == '\r' || c == '\n')
				buf_add(b, " ", 1);
			else if (c >= 0x20 && c != 0x7f)
				buf_add(b, (const char *)&c, 1);
		}
	}
}

static int finish(struct buf *b, char **out, struct wr_detail *d)
{
	if (b->oom || !b->s) {
		free(b->s);
		return wr_detail_set(d, WR_ERR_NOMEM, 0, "report");
	}
	*out = b->s;
	return WR_OK;
}

static const char *tr(const struct wr_diagreport_params *p, const char *msgid)
{
	return p && p->tr && msgid && *msgid ? p->tr(msgid) : msgid;
}

const char *wr_diagreport_severity_label(enum wr_severity s)
{
	switch (s) {
	/* TRANSLATORS: severity words of the report; short, upper case where the
	 * language has it.  They replace colour, so they must differ clearly. */
	case WR_SEV_OK:
		return N_("OK");
	case WR_SEV_WARNING:
		return N_("WARNING");
	case WR_SEV_PROBLEM:
		return N_("PROBLEM");
	case WR_SEV_CRITICAL:
		return N_("CRITICAL");
	}
	return "?";
}

/* The engine names a partition "<disk> partition <N>" (English); say it in the
 * report's language. */
static void localize_where(const struct wr_diagreport_params *p, const char *in, char *out,
			   size_t size)
{
	static const char sep[] = " partition ";
	const char *k = NULL, *num;
	char args[2][256];
	char *s;

	for (const char *q = strstr(in, sep); q; q = strstr(q + 1, sep))
		k = q;
	num = k ? k + strlen(sep) : NULL;
	if (!num || !*num || strspn(num, "0123456789") != strlen(num) || strlen(num) > 9 ||
	    (size_t)(k - in) >= sizeof(args[0])) {
		snprintf(out, size, "%s", in);
		return;
	}
	snprintf(args[0], sizeof(args[0]), "%.*s", (int)(k - in), in);
	snprintf(args[1], sizeof(args[1]), "%s", num);
	/* TRANSLATORS: a partition of a disk: %1$s is the disk ("/dev/sda", "pc.img"),
	 * %2$s the partition's number. */
	s = wr_diagnose_format(tr(p, N_("%1$s partition %2$s")), args, 2);
	snprintf(out, size, "%s", s ? s : in);
	free(s);
}

static char *sentence(const struct wr_diagreport_params *p, const struct wr_finding *f)
{
	char args[WR_FINDING_ARGS][256];

	for (int i = 0; i < WR_FINDING_ARGS; i++)
		localize_where(p, f->args[i], args[i], sizeof(args[i]));
	return wr_diagnose_format(tr(p, f->msgid), args, WR_FINDING_ARGS);
}

static void when(const struct wr_diagnosis *dg, char *buf, size_t size)
{
	time_t t = (time_t)dg->time;
	struct tm tm;

	if (!dg->time || !gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, size, "-");
}

static bool args_ok(const struct wr_diagnosis *dg, char **out)
{
	return dg && out;
}

int wr_diagreport_text(const struct wr_diagnosis *dg, const struct wr_diagreport_params *p,
		       char **out, struct wr_detail *d)
{
	struct buf b = {NULL, 0, 0, false};
	char date[64];

	if (!args_ok(dg, out))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "report");
	when(dg, date, sizeof(date));
	buf_printf(&b, "%s\n", tr(p, p && p->title ? p->title : N_("winrescue diagnosis")));
	/* TRANSLATORS: %1$s is the support code ("ABCDE-FGHJK"). */
	{
		char args[1][256];
		char *s;

		snprintf(args[0], sizeof(args[0]), "%s", dg->code);
		s = wr_diagnose_format(tr(p, N_("Support code: %1$s")), args, 1);
		buf_printf(&b, "%s    %s\n\n", s ? s : dg->code, date);
		free(s);
	}
	for (size_t i = 0; i < dg->n; i++) {
		const struct wr_finding *f = &dg->v[i];
		char *s = sentence(p, f);

		buf_printf(&b, "[%s] %s\n", tr(p, wr_diagreport_severity_label(f->severity)),
			   s ? s : f->msgid);
		free(s);
		if (f->advice != WR_ADVICE_NONE)
			buf_printf(&b, "    -> %s\n", tr(p, wr_advice_text(f->advice)));
		buf_printf(&b, "    (%s%s%s)\n", f->id, f->tech[0] ? ": " : "", f->tech);
	}
	return finish(&b, out, d);
}

int wr_diagreport_html(const struct wr_diagnosis *dg, const struct wr_diagreport_params *p,
		       char **out, struct wr_detail *d)
{
	struct buf b = {NULL, 0, 0, false};
	const char *title = tr(p, p && p->title ? p->title : N_("winrescue diagnosis"));
	const char *lang = p && p->lang && *p->lang ? p->lang : "en";
	char date[64];

	if (!args_ok(dg, out))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "report");
	/* A language tag is letters, digits and '-' only; anything else becomes "en". */
	for (const char *c = lang; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-') ||
		    c - lang > 34)
			lang = "en";
	when(dg, date, sizeof(date));
	buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"");
	buf_html(&b, lang);
	buf_puts(&b, "\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
	buf_html(&b, title);
	buf_puts(&b, "</title>\n<style>\n"
		     "body{font-family:sans-serif;margin:2em;max-width:60em}\n"
		     ".sev{font-weight:bold;padding:0 .4em}\n"
		     ".ok .sev{background:#cfc}.warning .sev{background:#ffc}\n"
		     ".problem .sev{background:#fdb}.critical .sev{background:#f99}\n"
		     ".tech{font-family:monospace;color:#555;font-size:90%}\n"
		     "li{margin-bottom:1em}\n</style>\n</head>\n<body>\n<h1>");
	buf_html(&b, title);
	buf_puts(&b, "</h1>\n<p>");
	{
		char args[1][256];
		char *s;

		snprintf(args[0], sizeof(args[0]), "%s", dg->code);
		s = wr_diagnose_format(tr(p, N_("Support code: %1$s")), args, 1);
		buf_html(&b, s ? s : dg->code);
		free(s);
	}
	buf_puts(&b, " &#8212; ");
	buf_html(&b, date);
	buf_puts(&b, "</p>\n<ul>\n");
	for (size_t i = 0; i < dg->n; i++) {
		const struct wr_finding *f = &dg->v[i];
		char *s = sentence(p, f);

		buf_printf(&b, "<li class=\"%s\"><span class=\"sev\">",
			   wr_severity_name(f->severity));
		buf_html(&b, tr(p, wr_diagreport_severity_label(f->severity)));
		buf_puts(&b, "</span> ");
		buf_html(&b, s ? s : f->msgid);
		free(s);
		if (f->advice != WR_ADVICE_NONE) {
			buf_puts(&b, "<br>\n&#8594; ");
			buf_html(&b, tr(p, wr_advice_text(f->advice)));
		}
		buf_puts(&b, "<br>\n<span class=\"tech\">");
		buf_html(&b, f->id);
		if (f->where[0]) {
			buf_puts(&b, " [");
			buf_html(&b, f->where);
			buf_puts(&b, "]");
		}
		if (f->tech[0]) {
			buf_puts(&b, ": ");
			buf_html(&b, f->tech);
		}
		buf_puts(&b, "</span></li>\n");
	}
	buf_puts(&b, "</ul>\n</body>\n</html>\n");
	return finish(&b, out, d);
}

static void jadd_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

int wr_diagreport_json(const struct wr_diagnosis *dg, const struct wr_diagreport_params *p,
		       char **out, struct wr_detail *d)
{
	json_object *root, *arr;
	const char *s;
	char date[64];

	if (!args_ok(dg, out))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "report");
	root = json_object_new_object();
	arr = json_object_new_array();
	if (!root || !arr) {
		json_object_put(root);
		json_object_put(arr);
		return wr_detail_set(d, WR_ERR_NOMEM, 0, "report");
	}
	when(dg, date, sizeof(date));
	json_object_object_add(root, "schema", json_object_new_int(JSON_SCHEMA_VERSION));
	jadd_str(root, "language", p && p->lang ? p->lang : "en");
	json_object_object_add(root, "time", json_object_new_int64(dg->time));
	jadd_str(root, "support_code", dg->code);
	jadd_str(root, "worst", wr_severity_name(dg->worst));
	jadd_str(root, "firmware", dg->efi ? "uefi" : "bios");
	json_object_object_add(root, "secure_boot",
			       dg->secure_boot < 0 ? NULL
						   : json_object_new_boolean(dg->secure_boot));
	for (size_t i = 0; i < dg->n; i++) {
		const struct wr_finding *f = &dg->v[i];
		json_object *o = json_object_new_object(), *args = json_object_new_array();
		char *en = wr_diagnose_format(f->msgid, f->args, WR_FINDING_ARGS);
		char *loc = sentence(p, f);

		jadd_str(o, "id", f->id);
		jadd_str(o, "severity", wr_severity_name(f->severity));
		jadd_str(o, "where", f->where);
		jadd_str(o, "msgid", f->msgid);
		for (int k = 0; k < WR_FINDING_ARGS; k++)
			json_object_array_add(args, json_object_new_string(f->args[k]));
		json_object_object_add(o, "args", args);
		jadd_str(o, "message_en", en ? en : f->msgid);
		jadd_str(o, "message", loc ? loc : f->msgid);
		jadd_str(o, "advice", wr_advice_name(f->advice));
		jadd_str(o, "advice_text", f->advice ? tr(p, wr_advice_text(f->advice)) : NULL);
		jadd_str(o, "technical", f->tech);
		free(en);
		free(loc);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "findings", arr);
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = s ? malloc(strlen(s) + 2) : NULL;
	if (*out) {
		strcpy(*out, s);
		strcat(*out, "\n");
	}
	json_object_put(root);
	return *out ? WR_OK : wr_detail_set(d, WR_ERR_NOMEM, 0, "report");
}
