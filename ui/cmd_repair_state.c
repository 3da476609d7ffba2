/*
 * cmd_repair_state.c - "winrescue repair hibernation|registry|dirty --target VOL
 * [--partition N] [--yes]": each repair is explained, then confirmed by typing "yes"
 * (or --yes), then done.  Refusals exit 3 with nothing written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "repair_state.h"

/* true when the person typed "yes" (or its translation). */
static bool confirm(bool yes)
{
	char line[64];
	size_t n;

	if (yes)
		return true;
	/* TRANSLATORS: the person must type the word in quotes; keep "yes" as is and
	 * add your language's word only if the program accepts it (it accepts the
	 * translation of the msgid "yes"). */
	fputs(_("Type \"yes\" and press Enter to go on, anything else to stop: "), stdout);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return !strcmp(line, "yes") || !strcmp(line, _("yes"));
}

static int resolve(const struct cli_repair_args *a, struct wr_extent *ext)
{
	struct wr_detail d = WR_DETAIL_INIT;
	int err = wr_blockdev_resolve(a->target, a->partition, ext, &d);

	return err ? cli_fail("repair", err, &d) : EXIT_DONE;
}

static int not_confirmed(void)
{
	puts(_("Nothing was changed."));
	return EXIT_REFUSED;
}

/* The command line of a state repair read, its volume found and probed (BitLocker
 * refused): EXIT_DONE to go on, else the exit status (said). */
static int volume_state(int argc, char **argv, const char *what, struct cli_repair_args *a,
			struct wr_extent *ext, struct wr_volume_state *st)
{
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	if ((ret = cli_parse_repair(argc, argv, a)) || (ret = resolve(a, ext)))
		return ret;
	memset(st, 0, sizeof(*st));
	if ((ret = wr_ntfs_probe(ext, st, &d)))
		return cli_fail(what, ret, &d);
	if (st->bitlocker)
		return cli_fail(what, wr_detail_set(&d, WR_ERR_BITLOCKER, 0, a->target), &d);
	return EXIT_DONE;
}

int repair_hibernation_main(int argc, char **argv)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct cli_repair_args a;
	struct wr_extent ext;
	struct wr_volume_state st;
	int ret;

	if ((ret = volume_state(argc, argv, "repair hibernation", &a, &ext, &st)))
		return ret;
	if (st.fast_startup) {
		puts(_("Windows on this volume was shut down with Fast Startup. winrescue cannot "
		       "discard that state safely: start Windows and shut it down while holding "
		       "the Shift key. Nothing was changed."));
		return EXIT_REFUSED;
	}
	if (!st.hibernated) {
		puts(_("Windows on this volume is not hibernated; there is nothing to discard."));
		return EXIT_DONE;
	}
	puts(_("Windows on this volume is hibernated: the programs and documents that were "
	       "open when it went to sleep are kept in hiberfil.sys. To repair or refresh "
	       "Windows, this saved session must be discarded: hiberfil.sys is deleted, and "
	       "anything not saved in those programs is lost. If Windows can still start, "
	       "start it and shut it down normally instead."));
	if (!confirm(a.yes))
		return not_confirmed();
	if ((ret = wr_repair_hibernation(&ext, &d)))
		return cli_fail("repair hibernation", ret, &d);
	puts(_("The hibernated session was discarded; the volume can be repaired now."));
	return EXIT_DONE;
}

/* An interrupted restore found on the volume was finished: say so. */
static void say_finished(const struct wr_repair_registry_plan *p)
{
	if (!p->nrestore) {
		puts(_("An interrupted registry restore had already finished; only its journal "
		       "was left on the volume, and it was removed."));
		return;
	}
	/* TRANSLATORS: %s is the ending added to the old hives' names. */
	printf(_("An interrupted registry restore was found on this volume and finished. "
		 "The old hives are kept with the ending \"%s\".\n"),
	       p->suffix);
}

/* Finish an interrupted repair on ext.  *found is false when there was none to
 * finish (then nothing was printed).  Returns an exit status. */
static int finish_interrupted(const struct wr_extent *ext, bool *found)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	int ret;

	*found = false;
	if (wr_repair_find(ext, NULL))
		return EXIT_DONE;	/* none, or the volume cannot be read: said later */
	*found = true;
	ret = wr_repair_resume(ext, &p, &d);
	if (ret == WR_ERR_NOTHING_TO_RESUME) {
		*found = false;		/* it had not begun: the repair starts over */
		return EXIT_DONE;
	}
	if (ret) {
		int status = cli_fail("repair registry", ret, &d);

		/* Still unfinished (not refused before it began): resume again later. */
		return status == EXIT_REFUSED ? status : EXIT_INTERRUPTED;
	}
	say_finished(&p);
	return EXIT_DONE;
}

int repair_resume_main(const char *target, unsigned partition)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent ext;
	bool found;
	int ret;

	ret = wr_blockdev_resolve(target, partition, &ext, &d);
	if (ret)
		return -1;	/* not ours to report: the refresh resume says it */
	if (wr_repair_find(&ext, NULL))
		return -1;
	ret = finish_interrupted(&ext, &found);
	if (!ret && !found) {
		puts(_("The interrupted registry restore had not changed anything yet; nothing "
		       "to resume. Run 'winrescue repair registry' again to restore the hives."));
		return EXIT_FAILED;
	}
	return ret;
}

int repair_registry_main(int argc, char **argv)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	struct cli_repair_args a;
	struct wr_extent ext;
	bool found;
	int ret;

	if ((ret = cli_parse_repair(argc, argv, &a)) || (ret = resolve(&a, &ext)))
		return ret;
	/* A restore that was cut short is finished first; that is the whole repair. */
	ret = finish_interrupted(&ext, &found);
	if (ret || found)
		return ret;
	if ((ret = wr_repair_registry_plan(&ext, a.only_damaged, &p, &d))) {
		if (ret == WR_ERR_NOT_FOUND) {
			puts(_("No registry hive can be restored: the backup copies in "
			       "config\\RegBack are missing, empty or damaged (Windows 10 keeps "
			       "them empty since version 1803). Nothing was changed."));
			return EXIT_REFUSED;
		}
		return cli_fail("repair registry", ret, &d);
	}
	puts(_("These registry hives will be replaced by their backup copies from "
	       "config\\RegBack. The current ones are kept beside them, renamed, so this "
	       "can be undone. Settings and programs changed since the backup was made are "
	       "lost."));
	for (int i = 0; i < WR_REPAIR_HIVES; i++) {
		if (!p.hives[i].restore)
			continue;
		/* TRANSLATORS: %1$s is a hive name ("SYSTEM"); %2$s says whether the
		 * current one is readable. */
		printf(_("  %1$s (%2$s)\n"), p.hives[i].name,
		       p.hives[i].current_ok ? _("the current one is readable")
					     : _("the current one is damaged or missing"));
	}
	if (!confirm(a.yes))
		return not_confirmed();
	if ((ret = wr_repair_registry_run(&ext, &p, &d))) {
		int status = cli_fail("repair registry", ret, &d);

		if (ret == WR_ERR_INTERRUPTED) {
			cli_error("%s", _("An interrupted operation was found on this volume; nothing "
					  "was changed. Run 'winrescue resume' with the same --target "
					  "to finish it first."));
			return status;
		}
		if (!wr_repair_find(&ext, NULL)) {
			cli_error("%s", _("The registry restore did not finish; every hive is still "
					  "whole. Run 'winrescue resume' (or this repair again) with "
					  "the same --target to finish it."));
			return EXIT_INTERRUPTED;
		}
		return status;
	}
	/* TRANSLATORS: %s is the ending added to the old hives' names. */
	printf(_("The registry was restored. The old hives are kept with the ending "
		 "\"%s\".\n"),
	       p.suffix);
	return EXIT_DONE;
}

int repair_dirty_main(int argc, char **argv)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct cli_repair_args a;
	struct wr_extent ext;
	struct wr_volume_state st;
	int ret;

	if ((ret = volume_state(argc, argv, "repair dirty", &a, &ext, &st)))
		return ret;
	if (!st.dirty) {
		puts(_("The volume is not marked for a disk check; there is nothing to clear."));
		return EXIT_DONE;
	}
	puts(_("The volume is marked for a disk check. The proper repair is Windows' own "
	       "check disk (chkdsk), which runs when Windows starts. Clearing the mark skips "
	       "that check: errors on the volume stay. Do this only when Windows cannot "
	       "start because of it."));
	if (!confirm(a.yes))
		return not_confirmed();
	if ((ret = wr_repair_clear_dirty(&ext, &d)))
		return cli_fail("repair dirty", ret, &d);
	puts(_("The disk check mark was cleared."));
	return EXIT_DONE;
}
