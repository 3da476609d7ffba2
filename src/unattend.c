/*
 * unattend.c - the answer file a refresh leaves in Windows\Panther\unattend.xml.
 *
 * Windows Setup reads %WINDIR%\Panther\Unattend.xml on the first boot of a new
 * system.  Carrying the old system's language, keyboard, time zone and computer name
 * there means the person is not asked again for what they chose years ago.  The
 * shape follows the unattend reference (Microsoft-Windows-International-Core and
 * Microsoft-Windows-Shell-Setup):
 *
 *   <unattend xmlns="urn:schemas-microsoft-com:unattend">
 *     <settings pass="specialize">
 *       <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64"
 *                  publicKeyToken="31bf3856ad364e35" language="neutral"
 *                  versionScope="nonSxS" ...>
 *         <ComputerName>SENSEI</ComputerName>
 *     <settings pass="oobeSystem">
 *       <component name="Microsoft-Windows-International-Core" ...>
 *         <InputLocale/> <SystemLocale/> <UILanguage/> <UserLocale/>
 *       <component name="Microsoft-Windows-Shell-Setup" ...>
 *         <TimeZone>Tokyo Standard Time</TimeZone>
 *
 * The values come from the old registry, which we do not trust: each is checked
 * against what Windows accepts and left out when it does not pass (Windows then asks
 * or picks a default, as without an answer file).  An answer file Setup cannot parse
 * stops the first boot, so the document is written with libxml2's xmlTextWriter
 * (which escapes) and only from values that passed the ASCII checks below.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlwriter.h>

#include "winrescue.h"

#define UNATTEND_NS "urn:schemas-microsoft-com:unattend"
#define WCM_NS "http://schemas.microsoft.com/WMIConfig/2002/State"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool wr_unattend_valid_computer_name(const char *s)
{
	size_t n = 0;
	bool only_digits = true;

	if (!s)
		return false;
	for (; s[n]; n++) {
		if (n >= 15)
			return false;
		if (!is_alpha(s[n]) && !is_digit(s[n]) && s[n] != '-' && s[n] != '_')
			return false;
		if (!is_digit(s[n]))
			only_digits = false;
	}
	/* DnsValidateName refuses names made only of digits. */
	return n >= 1 && !only_digits;
}

bool wr_unattend_valid_time_zone(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		if (n >= 64)
			return false;
		if (!is_alpha(s[n]) && !is_digit(s[n]) && !strchr(" .+-()_", s[n]))
			return false;
	}
	return n >= 1 && s[0] != ' ' && s[n - 1] != ' ';
}

/* A locale name in the first n bytes of s. */
static bool valid_locale_n(const char *s, size_t n)
{
	size_t i = 0, part, subtags = 0;

	if (n > 84)
		return false;
	for (part = 0; i < n && is_alpha(s[i]); i++)
		part++;
	if (part < 2 || part > 3)
		return false;
	while (i < n) {
		if (s[i] != '-' || ++subtags > 3)
			return false;
		i++;
		for (part = 0; i < n && (is_alpha(s[i]) || is_digit(s[i])); i++)
			part++;
		if (part < 2 || part > 8)
			return false;
	}
	return true;
}

bool wr_unattend_valid_locale(const char *s)
{
	return s && valid_locale_n(s, strlen(s));
}

/* "{8-4-4-4-12}" at s (38 characters). */
static bool valid_guid(const char *s, size_t n)
{
	static const char shape[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";

	if (n < sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'x' ? !is_hex(s[i]) : s[i] != shape[i])
			return false;
	}
	return true;
}

/* One input locale: "0411:00000411", "0411:{GUID}{GUID}" or a locale name. */
static bool valid_input_one(const char *s, size_t n)
{
	if (n >= 5 && s[4] == ':') {
		for (size_t i = 0; i < 4; i++)
			if (!is_hex(s[i]))
				return false;
		s += 5;
		n -= 5;
		if (n == 8) {
			for (size_t i = 0; i < 8; i++)
				if (!is_hex(s[i]))
					return false;
			return true;
		}
		return n == 76 && valid_guid(s, n) && valid_guid(s + 38, n - 38);
	}
	return valid_locale_n(s, n);
}

bool wr_unattend_valid_input_locale(const char *s)
{
	unsigned count = 0;

	if (!s || !s[0])
		return false;
	for (;;) {
		const char *end = strchr(s, ';');
		size_t n = end ? (size_t)(end - s) : strlen(s);

		if (++count > 5 || !valid_input_one(s, n))
			return false;
		if (!end)
			return true;
		s = end + 1;
	}
}

const char *wr_unattend_arch_name(enum wr_arch a)
{
	switch (a) {
	case WR_ARCH_X86: return "x86";
	case WR_ARCH_X64: return "amd64";
	case WR_ARCH_ARM: return "arm";
	case WR_ARCH_ARM64: return "arm64";
	default: return NULL;
	}
}

/* A fixed-size field of struct wr_windows as a C string, or NULL when it is not
 * NUL-terminated inside its array. */
static const char *field(const char *arr, size_t size)
{
	return memchr(arr, '\0', size) ? arr : NULL;
}

/* Log that a value was left out.  The value comes from the registry: only printable
 * ASCII reaches the log, at most 64 characters. */
static void log_left_out(const char *element, const char *value, const char *why)
{
	char shown[80];
	size_t n = 0;

	if (value) {
		for (; n < 64 && value[n]; n++)	/* the bound first: value may be unterminated */
			shown[n] = (value[n] >= 0x20 && value[n] < 0x7f) ? value[n] : '?';
		if (n == 64)
			shown[n++] = '+';
	}
	shown[n] = '\0';
	wr_log(WR_LOG_WARN, "unattend.xml: %s left out (%s): '%s'", element, why,
	       value ? shown : "(unterminated)");
}

/* Whether lang is one of the comma-separated languages in list (case-insensitive,
 * spaces around names ignored). */
static bool in_list(const char *list, const char *lang)
{
	size_t want = strlen(lang);

	while (*list) {
		const char *end = strchr(list, ',');
		size_t n = end ? (size_t)(end - list) : strlen(list);
		const char *p = list;

		while (n && *p == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		if (n == want && !strncasecmp(p, lang, n))
			return true;
		if (!end)
			break;
		list = end + 1;
	}
	return false;
}

/* ---- writing ------------------------------------------------------------------ */

/* The values that passed their checks (NULL = left out). */
struct values {
	const char *input_locale, *system_locale, *ui_language, *user_locale;
	const char *computer_name, *time_zone;
};

static bool start_component(xmlTextWriterPtr x, const char *name, const char *arch)
{
	return xmlTextWriterStartElement(x, BAD_CAST "component") >= 0 &&
	       xmlTextWriterWriteAttribute(x, BAD_CAST "name", BAD_CAST name) >= 0 &&
	       xmlTextWriterWriteAttribute(x, BAD_CAST "processorArchitecture",
					   BAD_CAST arch) >= 0 &&
	       xmlTextWriterWriteAttribute(x, BAD_CAST "publicKeyToken",
					   BAD_CAST "31bf3856ad364e35") >= 0 &&
	       xmlTextWriterWriteAttribute(x, BAD_CAST "language", BAD_CAST "neutral") >= 0 &&
	       xmlTextWriterWriteAttribute(x, BAD_CAST "versionScope", BAD_CAST "nonSxS") >= 0 &&
	       xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:wcm", BAD_CAST WCM_NS) >= 0 &&
	       xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:xsi", BAD_CAST XSI_NS) >= 0;
}

static bool element(xmlTextWriterPtr x, const char *name, const char *value)
{
	return !value ||
	       xmlTextWriterWriteElement(x, BAD_CAST name, BAD_CAST value) >= 0;
}

static bool write_doc(xmlTextWriterPtr x, const struct values *v, const char *arch)
{
	bool intl = v->input_locale || v->system_locale || v->ui_language || v->user_locale;

	if (xmlTextWriterSetIndent(x, 1) < 0 ||
	    xmlTextWriterSetIndentString(x, BAD_CAST "    ") < 0 ||
	    xmlTextWriterStartDocument(x, "1.0", "utf-8", NULL) < 0 ||
	    xmlTextWriterStartElement(x, BAD_CAST "unattend") < 0 ||
	    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns", BAD_CAST UNATTEND_NS) < 0)
		return false;
	if (v->computer_name) {
		if (xmlTextWriterStartElement(x, BAD_CAST "settings") < 0 ||
		    xmlTextWriterWriteAttribute(x, BAD_CAST "pass", BAD_CAST "specialize") < 0 ||
		    !start_component(x, "Microsoft-Windows-Shell-Setup", arch) ||
		    !element(x, "ComputerName", v->computer_name) ||
		    xmlTextWriterEndElement(x) < 0 || xmlTextWriterEndElement(x) < 0)
			return false;
	}
	if (intl || v->time_zone) {
		if (xmlTextWriterStartElement(x, BAD_CAST "settings") < 0 ||
		    xmlTextWriterWriteAttribute(x, BAD_CAST "pass", BAD_CAST "oobeSystem") < 0)
			return false;
		/* The order of the reference (and of Windows SIM). */
		if (intl &&
		    (!start_component(x, "Microsoft-Windows-International-Core", arch) ||
		     !element(x, "InputLocale", v->input_locale) ||
		     !element(x, "SystemLocale", v->system_locale) ||
		     !element(x, "UILanguage", v->ui_language) ||
		     !element(x, "UserLocale", v->user_locale) ||
		     xmlTextWriterEndElement(x) < 0))
			return false;
		if (v->time_zone &&
		    (!start_component(x, "Microsoft-Windows-Shell-Setup", arch) ||
		     !element(x, "TimeZone", v->time_zone) || xmlTextWriterEndElement(x) < 0))
			return false;
		if (xmlTextWriterEndElement(x) < 0)
			return false;
	}
	return xmlTextWriterEndDocument(x) >= 0;
}

/* Check each value; fill v and the written bits. */
static unsigned pick_values(const struct wr_windows *w, const char *image_languages,
			    struct values *v)
{
	const char *lang = field(w->default_language, sizeof(w->default_language));
	const char *kbd = field(w->keyboard, sizeof(w->keyboard));
	const char *name = field(w->computer_name, sizeof(w->computer_name));
	const char *tz = field(w->time_zone, sizeof(w->time_zone));
	unsigned bits = 0;

	memset(v, 0, sizeof(*v));
	if (wr_unattend_valid_locale(lang)) {
		v->system_locale = v->user_locale = lang;
		bits |= WR_UNATTEND_SYSTEM_LOCALE | WR_UNATTEND_USER_LOCALE;
		if (!image_languages || !image_languages[0] || in_list(image_languages, lang)) {
			v->ui_language = lang;
			bits |= WR_UNATTEND_UI_LANGUAGE;
		} else {
			log_left_out("UILanguage", lang, "not a language of the new image");
		}
	} else {
		log_left_out("SystemLocale, UILanguage, UserLocale", lang,
			     "not a locale name");
		lang = NULL;
	}
	if (wr_unattend_valid_input_locale(kbd)) {
		v->input_locale = kbd;
		bits |= WR_UNATTEND_INPUT_LOCALE;
	} else if (lang) {
		/* A locale name stands for that language's default keyboard. */
		log_left_out("InputLocale", kbd, "not an input locale; using the language's");
		v->input_locale = lang;
		bits |= WR_UNATTEND_INPUT_LOCALE;
	} else {
		log_left_out("InputLocale", kbd, "not an input locale");
	}
	if (wr_unattend_valid_computer_name(name)) {
		v->computer_name = name;
		bits |= WR_UNATTEND_COMPUTER_NAME;
	} else {
		log_left_out("ComputerName", name,
			     "not 1-15 letters, digits, '-' or '_', or only digits");
	}
	if (wr_unattend_valid_time_zone(tz)) {
		v->time_zone = tz;
		bits |= WR_UNATTEND_TIME_ZONE;
	} else {
		log_left_out("TimeZone", tz, "not a time zone id");
	}
	return bits;
}

int wr_unattend_build(const struct wr_windows *w, enum wr_arch arch,
		      const char *image_languages, char **out, size_t *out_len,
		      unsigned *written, struct wr_detail *d)
{
	xmlBufferPtr buf = NULL;
	xmlTextWriterPtr x = NULL;
	const char *arch_name;
	struct values v;
	unsigned bits;
	int ret;

	if (out)
		*out = NULL;
	if (out_len)
		*out_len = 0;
	if (written)
		*written = 0;
	if (!w || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "unattend.xml");
	if (arch == WR_ARCH_UNKNOWN)
		arch = w->arch;
	arch_name = wr_unattend_arch_name(arch);
	if (!arch_name)
		return wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, "unattend.xml",
				      "no processorArchitecture for architecture %d", (int)arch);
	bits = pick_values(w, image_languages, &v);

	buf = xmlBufferCreate();
	if (!buf)
		goto nomem;
	x = xmlNewTextWriterMemory(buf, 0);
	if (!x)
		goto nomem;
	if (!write_doc(x, &v, arch_name))
		goto nomem;
	/* Freeing the writer flushes it into buf. */
	xmlFreeTextWriter(x);
	x = NULL;
	*out = malloc((size_t)xmlBufferLength(buf) + 1);
	if (!*out)
		goto nomem;
	memcpy(*out, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	(*out)[xmlBufferLength(buf)] = '\0';
	if (out_len)
		*out_len = (size_t)xmlBufferLength(buf);
	if (written)
		*written = bits;
	ret = WR_OK;
	goto out;
nomem:
	/* The writer fails only when it cannot allocate: every value is checked. */
	ret = wr_detail_setf(d, WR_ERR_NOMEM, ENOMEM, "unattend.xml", "xmlTextWriter failed");
out:
	if (x)
		xmlFreeTextWriter(x);
	if (buf)
		xmlBufferFree(buf);
	return ret;
}
