/*
 * progress_line.c - plain-line progress for the command line.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "progress_line.h"

static unsigned last_percent = 101;
static double step_start;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum wr_prog_status progress_line(enum wr_prog_msg msg, const union wr_prog_info *info,
				  void *ctx)
{
	bool tty = isatty(STDERR_FILENO);

	(void)ctx;
	switch (msg) {
	case WR_PROG_STEP_BEGIN:
		/* TRANSLATORS: %1$u and %2$u are step numbers ("step 2 of 7"), %3$s the
		 * step's name. */
		fprintf(stderr, _("Step %1$u of %2$u: %3$s\n"), info->step.index, info->step.count,
			_(info->step.name));
		last_percent = 101;
		step_start = now_s();
		break;
	case WR_PROG_STEP_END:
		if (tty && last_percent <= 100)
			fputc('\n', stderr);
		last_percent = 101;
		break;
	case WR_PROG_BYTES:
	case WR_PROG_ITEMS: {
		unsigned pct = info->amount.total ?
				       (unsigned)(info->amount.done * 100 / info->amount.total) : 0;
		double el = now_s() - step_start;

		if (!info->amount.total || pct == last_percent || (!tty && pct % 10))
			break;
		last_percent = pct;
		if (pct > 0 && pct < 100) {
			unsigned left = (unsigned)(el * (100 - pct) / pct);

			/* TRANSLATORS: %1$u is a percentage, %2$u:%3$02u minutes and seconds. */
			fprintf(stderr, _("  %1$3u %% done, about %2$u:%3$02u left"), pct, left / 60,
				left % 60);
		} else {
			/* TRANSLATORS: %u is a percentage. */
			fprintf(stderr, _("  %3u %% done"), pct);
		}
		fputs(tty ? "\033[K\r" : "\n", stderr);
		break;
	}
	case WR_PROG_NOTE:
		fprintf(stderr, "  %s%s%s\n", _(info->note.text), info->note.subject ? ": " : "",
			info->note.subject ? info->note.subject : "");
		break;
	}
	return WR_PROG_CONTINUE;
}
