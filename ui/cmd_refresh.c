/*
 * cmd_refresh.c - "winrescue refresh" and "winrescue resume".
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
#include "repair_state.h"
#include "reset_cli.h"

static unsigned highest_step;

static enum wr_prog_status track(enum wr_prog_msg msg, const union wr_prog_info *info, void *ctx)
{
	if (msg == WR_PROG_STEP_BEGIN && info->step.index > highest_step)
		highest_step = info->step.index;
	return progress_line(msg, info, ctx);
}

static void print_list(const char *title, char *const *v, size_t n)
{
	if (*title)
		printf("%s\n", title);
	if (!n)
		printf("    %s\n", _("(none)"));
	for (size_t i = 0; i < n; i++)
		printf("    %s\n", v[i]);
}

static void print_plan(const struct wr_refresh_plan *p)
{
	char size[32];
	const struct wr_windows *w = p->windows;

	printf("%s\n", _("Refresh plan (nothing has been changed yet):"));
	/* TRANSLATORS: %1$s product name, %2$s edition, %3$u build, %4$s volume. */
	printf(_("  Windows to refresh: %1$s (%2$s), build %3$u, on %4$s\n"), w->product_name,
	       w->edition, w->build, p->ext.path);
	if (p->source_partition)
		/* TRANSLATORS: %1$s image file, %2$u partition number, %3$s disk, %4$u
		 * image number, %5$s image name. */
		printf(_("  New system from: %1$s on partition %2$u of %3$s, image %4$u (%5$s)\n"),
		       p->source_inner, p->source_partition, p->source_disk, p->index,
		       p->image.name);
	else
		/* TRANSLATORS: %1$s image file, %2$u image number, %3$s image name. */
		printf(_("  New system from: %1$s, image %2$u (%3$s)\n"), p->source, p->index,
		       p->image.name);
	/* TRANSLATORS: %1$s and %2$s are sizes. */
	printf(_("  Space needed: %1$s; free now: %2$s\n"),
	       format_size(p->needed_bytes, size, sizeof(size)),
	       format_size(p->state.free, (char[32]){ 0 }, 32));
	for (size_t i = 0; i < w->nusers; i++)
		if (!w->users[i].special)
			/* TRANSLATORS: %s is a user name; their files are kept. */
			printf(_("  User kept with all files and settings: %s\n"), w->users[i].name);
	/* TRANSLATORS: %s is the folder name, Windows.old. */
	printf(_("  The old system will be kept in \\%s:\n"), p->old_dir);
	print_list("", p->move_aside, p->nmove_aside);
	if (p->rename_existing_old[0])
		/* TRANSLATORS: %s is a folder name such as Windows.old.000. */
		printf(_("  The Windows.old folder already there is renamed %s.\n"),
		       p->rename_existing_old);
	print_list(_("  Folders that stay where they are:"), p->stay, p->nstay);
	print_list(_("  Files deleted (they only hold memory contents):"), p->delete_files,
		   p->ndelete_files);
	printf("%s\n", _("  Desktop apps that will be removed (their list is left on each desktop):"));
	if (!p->removed_apps.n)
		printf("    %s\n", _("(none)"));
	for (size_t i = 0; i < p->removed_apps.n; i++)
		printf("    %s %s\n", p->removed_apps.v[i].name,
		       p->removed_apps.v[i].version ? p->removed_apps.v[i].version : "");
	if (p->dirty_warning)
		printf("%s\n", _("  Warning: the volume is marked as needing a disk check; Windows will check it at the next start."));
	if (p->mismatch)
		printf("%s\n", _("  Warning: the image does not match this Windows; you allowed it with --allow-mismatch."));
}

/* Explain a refusal in more than the one-sentence error where it helps. */
static void explain_refusal(int err, const struct wr_refresh_plan *p)
{
	struct wr_mismatch_reason why[5];
	size_t n;

	switch (err) {
	case WR_ERR_MISMATCH:
		n = wr_sources_explain(p->mismatch, p->windows, &p->image, why);
		for (size_t i = 0; i < n; i++) {
			fputs("  ", stderr);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			/* The engine's fixed msgids with %1$s and %2$s, never data. */
			fprintf(stderr, _(why[i].msgid), why[i].image_value, why[i].system_value);
#pragma GCC diagnostic pop
			fputc('\n', stderr);
		}
		break;
	case WR_ERR_HIBERNATED:
	case WR_ERR_FAST_STARTUP:
		fprintf(stderr, "  %s\n", _("With --discard-hibernation winrescue goes on, and whatever was open in the saved Windows session (unsaved documents) is lost; files saved on the disk are kept."));
		break;
	default:
		break;
	}
}

static bool confirm(const struct wr_refresh_plan *p)
{
	char line[64];

	/* TRANSLATORS: the person must type this word to go on; keep it short. */
	const char *word = _("yes");

	/* TRANSLATORS: %1$s is the word to type ("yes"), %2$s the volume. */
	printf(_("Type %1$s and press Enter to refresh Windows on %2$s. After this point the refresh cannot be cancelled (if it is interrupted, winrescue resume finishes it): "),
	       word, p->ext.path);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcasecmp(line, word) || !strcasecmp(line, "yes");
}

static int finish(int ret, const struct wr_detail *d, const struct wr_refresh_plan *p)
{
	if (!ret) {
		unsigned secs = (unsigned)(p->seconds + 0.5);

		printf("%s\n", _("Windows was refreshed. Your files are in place; the old system is in \\Windows.old and the list of removed apps is on each desktop."));
		/* TRANSLATORS: %u is a number of user profiles. */
		printf(ngettext("%u user profile was kept with all its files.\n",
				"%u user profiles were kept with all their files.\n", p->profiles_kept),
		       p->profiles_kept);
		/* TRANSLATORS: %zu is a number of desktop apps. */
		printf(ngettext("%zu desktop app was removed (listed in Removed Apps.html).\n",
				"%zu desktop apps were removed (listed in Removed Apps.html).\n",
				p->apps_removed),
		       p->apps_removed);
		/* TRANSLATORS: %1$u minutes, %2$02u seconds. */
		printf(_("Time taken: %1$u:%2$02u.\n"), secs / 60, secs % 60);
		if (wr_log_path())
			/* TRANSLATORS: %s is the log file path. */
			printf(_("Log: %s\n"), wr_log_path());
		return EXIT_DONE;
	}
	if (highest_step >= 2 && ret != WR_ERR_NOTHING_TO_RESUME) {
		cli_fail("refresh", ret, d);
		cli_error("%s", _("The refresh was interrupted; nothing is lost. Run 'winrescue resume' with the same --target to finish it."));
		return EXIT_INTERRUPTED;
	}
	return cli_fail("refresh", ret, d);
}

int cmd_refresh(int argc, char **argv)
{
	struct cli_refresh_args a;
	struct wr_refresh_plan p;
	struct wr_report_texts texts;
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	ret = cli_parse_refresh(argc, argv, false, &a);
	if (ret)
		return ret;
	a.o.language = i18n_language();
	wr_report_texts_init(&texts);
	cli_translate_report_texts(&texts);
	a.o.report_texts = &texts;
	ret = wr_refresh_plan(&a.o, &p, &d);
	if (ret == WR_ERR_INTERRUPTED && !a.dry_run) {
		/* Running refresh again on an interrupted target finishes the first one. */
		fprintf(stderr, "%s\n", _("An interrupted refresh was found on this volume; finishing it."));
		wr_refresh_plan_release(&p);
		highest_step = 2;
		ret = wr_refresh_resume(&a.o, &p, track, NULL, &d);
		ret = finish(ret, &d, &p);
		wr_refresh_plan_release(&p);
		return ret;
	}
	if (ret) {
		int status = cli_fail("refresh", ret, &d);

		explain_refusal(ret, &p);
		wr_refresh_plan_release(&p);
		return status;
	}
	if (a.dry_run) {
		print_plan(&p);
		wr_refresh_plan_release(&p);
		return EXIT_DONE;
	}
	if (!a.yes) {
		print_plan(&p);
		if (!isatty(STDIN_FILENO) || !confirm(&p)) {
			cli_error("%s", _("Nothing was changed: the refresh needs your confirmation (type yes, or use --yes)."));
			wr_refresh_plan_release(&p);
			return EXIT_REFUSED;
		}
	}
	/* Past the point of no return: an interrupted refresh is finished by resume. */
	signal(SIGINT, SIG_IGN);
	ret = wr_refresh_run(&a.o, &p, track, NULL, &d);
	ret = finish(ret, &d, &p);
	wr_refresh_plan_release(&p);
	return ret;
}

int cmd_resume(int argc, char **argv)
{
	struct cli_refresh_args a;
	struct wr_refresh_plan p;
	struct wr_report_texts texts;
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	ret = cli_parse_refresh(argc, argv, true, &a);
	if (ret)
		return ret;
	a.o.language = i18n_language();
	/* An interrupted repair (its own journal, \$WinRescue\repair-journal) is
	 * finished by ui/cmd_repair_state.c; -1: there is none, look for a refresh. */
	ret = repair_resume_main(a.o.target, a.o.partition);
	if (ret >= 0)
		return ret;
	/* An interrupted reset (journal on the live system or on the new volume). */
	ret = reset_resume_main(a.o.target, a.o.partition);
	if (ret >= 0)
		return ret;
	wr_report_texts_init(&texts);
	cli_translate_report_texts(&texts);
	a.o.report_texts = &texts;
	signal(SIGINT, SIG_IGN);
	highest_step = 2;
	ret = wr_refresh_resume(&a.o, &p, track, NULL, &d);
	/* Only a missing journal means there is nothing to resume: a step that finds
	 * something missing is a failure, said as one. */
	if (ret == WR_ERR_NOT_FOUND && !strcmp(d.subject, WR_REFRESH_JOURNAL)) {
		wr_refresh_plan_release(&p);
		cli_error("%s", _("There is no interrupted operation on this volume; nothing to resume."));
		return EXIT_FAILED;
	}
	ret = finish(ret, &d, &p);
	wr_refresh_plan_release(&p);
	return ret;
}
