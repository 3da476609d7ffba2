/*
 * wizard_main.c - "winrescue wizard [--disk IMAGE]... [--source IMAGE|FOLDER]...": the
 * ncurses front end's loop.  --disk shows disk image files instead of the machine's
 * disks; --source adds image files or folders to where installation media is sought.
 *
 * The loop is htop's: draw, read a key, hand it to the model, act on what it says.
 * While long work runs the model calls tick(), which polls keys without blocking
 * and redraws at most ten times a second.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "../cli.h"
#include "../i18n.h"
#include "backend.h"
#include "draw.h"
#include "model.h"

extern char **environ;

struct loop {
	struct draw *d;
	struct wizard *wz;
	struct timespec last_draw;
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void tick(void *ctx)
{
	struct loop *l = ctx;
	bool dirty = false;
	int key;

	while ((key = draw_key(l->d, 0)) >= 0)
		if (wizard_key(l->wz, key) != WZ_STAY)
			dirty = true;
	if (dirty || since(&l->last_draw) >= 0.1) {
		draw_screen(l->d, l->wz);
		clock_gettime(CLOCK_MONOTONIC, &l->last_draw);
	}
}

static void restart_pc(void)
{
	char *const a1[] = { (char *)"systemctl", (char *)"reboot", NULL };
	char *const a2[] = { (char *)"reboot", NULL };
	pid_t pid;
	int st;

	wr_log(WR_LOG_INFO, "wizard: restarting the PC");
	if (posix_spawnp(&pid, a1[0], NULL, NULL, a1, environ) == 0 &&
	    waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (posix_spawnp(&pid, a2[0], NULL, NULL, a2, environ) == 0)
		waitpid(pid, &st, 0);
}

int cmd_wizard(int argc, char **argv)
{
	struct cli_wizard_args a;
	struct wz_backend be;
	struct wizard wz;
	struct loop l;
	const char *term = getenv("TERM");
	bool plain = term && !strcmp(term, "linux");	/* the plain Linux console */
	int ret;

	ret = cli_parse_wizard(argc, argv, &a);
	if (ret)
		return ret;
	if (backend_real_init(&be, a.disks, a.sources) != 0) {
		ret = EXIT_FAILED;
		goto out_args;
	}
	l.d = draw_start();
	if (!l.d) {
		cli_error("%s", _("The terminal cannot be used for the wizard; use the commands instead (winrescue --help)."));
		be.destroy(be.ctx);
		ret = EXIT_FAILED;
		goto out_args;
	}
	/* Looking for an interrupted operation reads every disk: say so meanwhile. */
	{
		const char *msg = N_("winrescue is looking at the disks of this PC. Please wait...");

		/* The plain console cannot draw Japanese: English until wizard_init. */
		draw_message(l.d, plain && !strcmp(i18n_language(), "ja") ? msg : _(msg));
	}
	if (wizard_init(&wz, &be, plain) != 0) {
		draw_end(l.d);
		be.destroy(be.ctx);
		ret = EXIT_FAILED;
		goto out_args;
	}
	l.wz = &wz;
	wz.tick = tick;
	wz.tick_ctx = &l;
	for (;;) {
		enum wz_next next;
		int key;

		draw_screen(l.d, &wz);
		clock_gettime(CLOCK_MONOTONIC, &l.last_draw);
		key = draw_key(l.d, -1);
		if (key < 0)
			continue;
		next = wizard_key(&wz, key);
		while (next == WZ_RUN)
			next = wizard_run(&wz);
		if (next == WZ_QUIT)
			break;
	}
	draw_end(l.d);
	if (wz.op_done && wz.outcome.err)
		ret = cli_exit_status(wz.outcome.err);
	if (wz.restart)
		restart_pc();
	wizard_release(&wz);
	be.destroy(be.ctx);
out_args:
	cli_wizard_args_release(&a);
	return ret;
}
