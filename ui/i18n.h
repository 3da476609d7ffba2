/*
 * i18n.h - the front ends' gettext setup and language choice.
 */
#ifndef UI_I18N_H
#define UI_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* The languages winrescue speaks, in menu order. */
#define I18N_LANGS "ja", "ru", "en"

/* Set the locale (UTF-8 always: C.UTF-8 when the environment's locale is missing or
 * not UTF-8), bind the catalog and select language lang ("en", "ja", "ru"), or the
 * one the environment asks for when lang is NULL.  Returns the code chosen. */
const char *i18n_init(const char *lang, const char *argv0);
/* Switch language at run time (the wizard's F-key). */
void i18n_set_language(const char *lang);
const char *i18n_language(void);
/* The language the environment asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG):
 * "ja", "ru" or "en". */
const char *i18n_env_language(void);
/* true when lang is one winrescue has a catalog for. */
int i18n_is_supported(const char *lang);

#endif
