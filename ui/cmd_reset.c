/*
 * cmd_reset.c - "winrescue reset": reinstall Windows, removing everything.
 *
 * Everything destructive is confirmed by typing what the screen shows (the
 * computer's name, else the size of what is erased), never by Enter alone; each
 * other partition chosen with --also-format is confirmed on its own.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "i18n.h"
#include "progress_line.h"
#include "reset_cli.h"

static unsigned highest_step;

static enum wr_prog_status track(enum wr_prog_msg msg, const union wr_prog_info *info, void *ctx)
{
	if (msg == WR_PROG_STEP_BEGIN && info->step.id > (int)highest_step)
		highest_step = (unsigned)info->step.id;
	return progress_line(msg, info, ctx);
}

static void print_top(char *const *top)
{
	if (!top || !top[0])
		return;
	printf("      %s", _("top folders and files:"));
	for (size_t i = 0; top[i]; i++)
		printf("%s %s", i ? "," : "", top[i]);
	printf("\n");
}

static void print_partition(const struct wr_partition *pt)
{
	char size[32];

	/* TRANSLATORS: %1$u partition number, %2$s size, %3$s file system, %4$s label. */
	printf(_("    partition %1$u: %2$s, %3$s, label \"%4$s\"\n"), pt->number,
	       format_size(pt->size, size, sizeof(size)), pt->fstype[0] ? pt->fstype : "-",
	       pt->label);
}

static const char *role_name(const char *role)
{
	if (!strcmp(role, "esp"))
		return _("EFI system partition");
	if (!strcmp(role, "msr"))
		return _("Microsoft reserved partition");
	if (!strcmp(role, "recovery"))
		return _("Windows recovery tools");
	if (!strcmp(role, "system-reserved"))
		return _("System Reserved");
	return _("Windows");
}

static void print_plan(const struct wr_reset_plan *p)
{
	char size[32];

	printf("%s\n", _("Reset plan (nothing has been changed yet):"));
	if (p->layout) {
		/* TRANSLATORS: %1$s disk, %2$s size, %3$s "GPT" or "MBR". */
		printf(_("  The WHOLE disk %1$s (%2$s) is erased and laid out as Windows Setup does (%3$s):\n"),
		       p->disk_path, format_size(p->erase_bytes, size, sizeof(size)),
		       p->layout_kind == WR_LAYOUT_GPT ? "GPT" : "MBR");
		for (size_t i = 0; i < p->layout_plan.nparts; i++) {
			const struct wr_layout_part *lp = &p->layout_plan.parts[i];

			/* TRANSLATORS: %1$u partition number, %2$s role, %3$s size. */
			printf(_("    new partition %1$u: %2$s, %3$s\n"), lp->number, role_name(lp->role),
			       format_size(lp->size, size, sizeof(size)));
		}
		if (p->nothers)
			printf("%s\n", _("  Everything on it now is erased:"));
		for (size_t i = 0; i < p->nothers; i++) {
			print_partition(&p->others[i].part);
			print_top(p->others[i].top);
		}
	} else {
		/* TRANSLATORS: %1$s size, %2$s device or file. */
		printf(_("  Erased: the Windows partition (%1$s) on %2$s\n"),
		       format_size(p->ext.size, size, sizeof(size)), p->ext.path);
		if (p->partition)
			/* TRANSLATORS: %u is a partition number. */
			printf(_("    partition %u\n"), p->partition);
		if (p->windows)
			/* TRANSLATORS: %1$s product name, %2$s computer name. */
			printf(_("    it holds %1$s, computer name %2$s\n"), p->windows->product_name,
			       p->computer_name[0] ? p->computer_name : "?");
		print_top(p->top);
		for (size_t i = 0; i < p->nothers; i++) {
			const struct wr_reset_other *x = &p->others[i];

			if (!x->selected)
				continue;
			printf("%s\n", _("  Also erased (you chose it with --also-format):"));
			print_partition(&x->part);
			print_top(x->top);
		}
		for (size_t i = 0; i < p->nothers; i++) {
			const struct wr_reset_other *x = &p->others[i];

			if (x->selected)
				continue;
			if (x->why_not) {
				/* TRANSLATORS: %1$u partition number, %2$s why ("a recovery
				 * partition"). */
				printf(_("  Not erased: partition %1$u, %2$s\n"), x->part.number,
				       _(x->why_not));
				if (x->part.role == WR_ROLE_ESP ||
				    x->part.role == WR_ROLE_SYSTEM_RESERVED || x->part.active)
					printf("    %s\n", _("(the boot files on it are written again)"));
			} else {
				/* TRANSLATORS: %1$u partition number, %2$s its size, %3$u the number again. */
				printf(_("  Kept: partition %1$u (%2$s); add --also-format %3$u to erase it too\n"),
				       x->part.number, format_size(x->part.size, size, sizeof(size)),
				       x->part.number);
			}
		}
	}
	if (p->source.partition)
		/* TRANSLATORS: %1$s image file, %2$u partition number, %3$s disk, %4$u
		 * image number, %5$s image name. */
		printf(_("  New system from: %1$s on partition %2$u of %3$s, image %4$u (%5$s)\n"),
		       p->source.inner, p->source.partition, p->source.disk, p->source.index,
		       p->source.image.name);
	else
		/* TRANSLATORS: %1$s image file, %2$u image number, %3$s image name. */
		printf(_("  New system from: %1$s, image %2$u (%3$s)\n"), p->source.path,
		       p->source.index, p->source.image.name);
	if (p->wipe) {
		unsigned mins = (unsigned)(p->wipe_seconds / 60.0 + 0.999);

		/* TRANSLATORS: %u is a number of minutes. */
		printf(ngettext("  Every byte is overwritten first; that takes about %u minute.\n",
				"  Every byte is overwritten first; that takes about %u minutes.\n",
				mins ? mins : 1),
		       mins ? mins : 1);
	}
	printf("%s\n", _("  Windows starts afresh: it asks for the first settings, no files, accounts or apps are kept."));
}

/* Compare what was typed with what was asked: case, spaces and a decimal comma do
 * not matter ("465 GB" = "465gb"). */
static bool same_answer(const char *typed, const char *want)
{
	for (;;) {
		while (*typed == ' ')
			typed++;
		while (*want == ' ')
			want++;
		if (!*typed || !*want)
			return !*typed && !*want;
		if ((*typed == ',' ? '.' : (unsigned char)*typed) !=
			    (*want == ',' ? '.' : (unsigned char)*want) &&
		    strncasecmp(typed, want, 1))
			return false;
		typed++;
		want++;
	}
}

static bool ask(const char *want)
{
	char line[256];

	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return same_answer(line, want);
}

static bool confirm(const struct wr_reset_plan *p)
{
	char size[32];

	if (p->computer_name[0]) {
		/* TRANSLATORS: %s is the computer's name, which the person types. */
		printf(_("Everything on this Windows partition will be erased. To go on, type the computer's name (%s) and press Enter: "),
		       p->computer_name);
		if (!ask(p->computer_name))
			return false;
	} else {
		format_size(p->erase_bytes, size, sizeof(size));
		/* TRANSLATORS: %s is the size of what is erased, which the person types. */
		printf(_("Everything shown above will be erased. To go on, type the size shown here (%s) and press Enter: "),
		       size);
		if (!ask(size))
			return false;
	}
	for (size_t i = 0; i < p->nothers; i++) {
		const struct wr_reset_other *x = &p->others[i];

		if (!x->selected)
			continue;
		format_size(x->part.size, size, sizeof(size));
		/* TRANSLATORS: %1$u partition number, %2$s its size (typed to confirm). */
		printf(_("Partition %1$u is erased too. To agree, type its size (%2$s) and press Enter: "),
		       x->part.number, size);
		if (!ask(size))
			return false;
	}
	printf("%s\n", _("From here on the reset cannot be cancelled; if it is interrupted, 'winrescue resume' finishes it."));
	return true;
}

static int finish(int ret, const struct wr_detail *d, const struct wr_reset_plan *p)
{
	if (!ret) {
		printf("%s\n", _("Windows was reinstalled. When the PC starts, Windows asks for the first settings."));
		if (p->partition)
			/* TRANSLATORS: %1$u partition number, %2$s the disk. */
			printf(_("Windows is on partition %1$u of %2$s; its boot files were written.\n"),
			       p->partition, p->disk_path);
		if (wr_log_path())
			/* TRANSLATORS: %s is the log file path. */
			printf(_("Log: %s\n"), wr_log_path());
		return EXIT_DONE;
	}
	if (highest_step >= WR_RESET_STEP_WIPE && ret != WR_ERR_NOTHING_TO_RESUME) {
		cli_fail("reset", ret, d);
		cli_error("%s", _("The reset was interrupted. Run 'winrescue resume' with the same --target (or --disk) to finish it."));
		return EXIT_INTERRUPTED;
	}
	return cli_fail("reset", ret, d);
}

int cmd_reset(int argc, char **argv)
{
	struct cli_reset_args a;
	struct wr_reset_plan p;
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	ret = cli_parse_reset(argc, argv, &a);
	if (ret)
		return ret;
	ret = wr_reset_plan(&a.o, &p, &d);
	if (ret) {
		int status;

		if (ret == WR_ERR_NO_SOURCE && !a.o.source && !p.windows) {
			/* The general sentence (insert media of the same version) does not fit
			 * where there is no Windows to match: say what to do instead. */
			wr_log_err("reset", ret, &d);
			cli_error("%s", _("There is no Windows there to choose an image for: say which image to install with --source."));
			status = cli_exit_status(ret);
		} else {
			status = cli_fail("reset", ret, &d);
			if (ret == WR_ERR_INTERRUPTED)
				cli_error("%s", _("Run 'winrescue resume' with the same --target (or --disk) to finish the interrupted reset."));
		}
		wr_reset_plan_release(&p);
		return status;
	}
	if (a.dry_run) {
		print_plan(&p);
		wr_reset_plan_release(&p);
		return EXIT_DONE;
	}
	if (!a.yes) {
		print_plan(&p);
		if (!isatty(STDIN_FILENO) || !confirm(&p)) {
			struct wr_detail d2 = WR_DETAIL_INIT;

			wr_detail_set(&d2, WR_ERR_NOT_CONFIRMED, 0, NULL);
			ret = cli_fail("reset", WR_ERR_NOT_CONFIRMED, &d2);
			wr_reset_plan_release(&p);
			return ret;
		}
	}
	/* Past the point of no return: an interrupted reset is finished by resume. */
	signal(SIGINT, SIG_IGN);
	highest_step = 0;
	ret = wr_reset_run(&a.o, &p, track, NULL, &d);
	ret = finish(ret, &d, &p);
	wr_reset_plan_release(&p);
	return ret;
}

int reset_resume_main(const char *target, unsigned partition)
{
	struct wr_reset_opts o;
	struct wr_reset_plan p;
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	if (!wr_reset_pending(target, partition))
		return -1;
	memset(&o, 0, sizeof(o));
	o.target = target;
	o.partition = partition;
	signal(SIGINT, SIG_IGN);
	fprintf(stderr, "%s\n", _("An interrupted reset was found; finishing it."));
	highest_step = WR_RESET_STEP_WIPE;
	ret = wr_reset_resume(&o, &p, track, NULL, &d);
	ret = finish(ret, &d, &p);
	wr_reset_plan_release(&p);
	return ret;
}
