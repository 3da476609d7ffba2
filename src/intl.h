/*
 * intl.h - gettext marking inside the engine.
 *
 * The engine never translates: it returns English msgids marked N_() and the front
 * end (which owns the locale) passes them through gettext.
 */
#ifndef WR_INTL_H
#define WR_INTL_H

#define N_(s) (s)

#endif
