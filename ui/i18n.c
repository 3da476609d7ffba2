/*
 * i18n.c - locale and catalog selection.
 *
 * A live USB often has no locales but C, C.UTF-8 and POSIX.  glibc's C.UTF-8 has the
 * East Asian widths the wizard needs, and with it gettext follows LANGUAGE.  So we
 * always run in a UTF-8 locale and choose the catalog ourselves through LANGUAGE.
 */
#define _GNU_SOURCE
#include <langinfo.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

static char current[8] = "en";

int i18n_is_supported(const char *lang)
{
	return lang && (!strcmp(lang, "en") || !strcmp(lang, "ja") || !strcmp(lang, "ru"));
}

static const char *lang_of(const char *value)
{
	if (!value || !*value)
		return NULL;
	if (!strncasecmp(value, "ja", 2))
		return "ja";
	if (!strncasecmp(value, "ru", 2))
		return "ru";
	if (!strncasecmp(value, "en", 2) || !strcmp(value, "C") || !strncmp(value, "C.", 2) ||
	    !strcmp(value, "POSIX"))
		return "en";
	return NULL;
}

const char *i18n_env_language(void)
{
	static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *l = lang_of(getenv(vars[i]));

		if (l)
			return l;
	}
	return "en";
}

/* The catalog directory: "locale" beside the binary (an uninstalled build), else the
 * installed LOCALEDIR.  WINRESCUE_LOCALEDIR overrides both (tests). */
static const char *locale_dir(const char *argv0)
{
	static char buf[PATH_MAX];
	const char *env = getenv("WINRESCUE_LOCALEDIR");
	char exe[PATH_MAX];
	ssize_t n;
	struct stat st;

	(void)argv0;
	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, sizeof(buf), "%.*s/locale", (int)(sizeof(buf) - 8), exe);
			if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
				return buf;
			/* Installed under any PREFIX: PREFIX/bin/winrescue finds
			 * PREFIX/share/locale, whatever PREFIX the build was made for. */
			snprintf(buf, sizeof(buf), "%.*s/../share/locale/ja/LC_MESSAGES/winrescue.mo",
				 (int)(sizeof(buf) - 48), exe);
			if (stat(buf, &st) == 0) {
				snprintf(buf, sizeof(buf), "%.*s/../share/locale",
					 (int)(sizeof(buf) - 20), exe);
				return buf;
			}
		}
	}
	return LOCALEDIR;
}

void i18n_set_language(const char *lang)
{
	extern int _nl_msg_cat_cntr;

	if (!i18n_is_supported(lang))
		lang = "en";
	snprintf(current, sizeof(current), "%s", lang);
	setenv("LANGUAGE", lang, 1);
	++_nl_msg_cat_cntr;	/* make gettext drop its cached translations */
}

const char *i18n_language(void)
{
	return current;
}

const char *i18n_init(const char *lang, const char *argv0)
{
	const char *want = lang ? lang : i18n_env_language();

	if (!setlocale(LC_ALL, "") || strcasecmp(nl_langinfo(CODESET), "UTF-8"))
		if (!setlocale(LC_ALL, "C.UTF-8"))
			setlocale(LC_ALL, "C.utf8");
	bindtextdomain("winrescue", locale_dir(argv0));
	bind_textdomain_codeset("winrescue", "UTF-8");
	textdomain("winrescue");
	i18n_set_language(want);
	return current;
}
