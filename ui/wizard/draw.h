/*
 * draw.h - drawing the wizard's screens with ncursesw (the only curses user).
 */
#ifndef WIZARD_DRAW_H
#define WIZARD_DRAW_H

#include "model.h"

struct draw;	/* the terminal (opaque) */

/* Start curses (the locale must already be UTF-8).  NULL when the terminal cannot
 * be used. */
struct draw *draw_start(void);
void draw_end(struct draw *d);

/* Draw the wizard's current screen (helper mode: English under each line). */
void draw_screen(struct draw *d, struct wizard *wz);

/* A one-line message on an empty screen (while the disks are looked at, before the
 * first screen can be shown). */
void draw_message(struct draw *d, const char *text);

/* The next key as an enum wz_key / code point; wait_ms < 0 blocks, 0 polls.
 * Returns -1 when there is none. */
int draw_key(struct draw *d, int wait_ms);

#endif
