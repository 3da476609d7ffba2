/*
 * progress_line.h - the command line's progress renderer: one line per step, and
 * a percentage that rewrites itself on a terminal.
 */
#ifndef UI_PROGRESS_LINE_H
#define UI_PROGRESS_LINE_H

#include "../src/winrescue.h"

/* A wr_progress_fn printing to stderr; ctx may be NULL. */
enum wr_prog_status progress_line(enum wr_prog_msg msg, const union wr_prog_info *info,
				  void *ctx);

#endif
