/*
 * cmd_repair.c - "winrescue repair boot|hibernation|registry".
 *
 * repair boot --target VOL [--partition N] [--yes]: VOL is a disk (or disk image) and
 * N the Windows partition, or VOL is the Windows partition's block device (its disk
 * is found through sysfs).  Shows what will be rewritten, asks, rebuilds the boot
 * files and the BCD store (the old one is kept as a backup), reports.
 * repair hibernation|registry|dirty are dispatched to ui/cmd_repair_state.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "i18n.h"
#include "repair_state.h"

/* A partition's block device to (disk device, number) through sysfs. */
static bool disk_of_partition(const char *dev, char *disk, size_t size, unsigned *number)
{
	char real[PATH_MAX], sys[PATH_MAX + 64], link[PATH_MAX], buf[32];
	const char *name;
	FILE *f;
	char *slash;

	if (!realpath(dev, real))
		return false;
	name = strrchr(real, '/');
	name = name ? name + 1 : real;
	snprintf(sys, sizeof(sys), "/sys/class/block/%s/partition", name);
	f = fopen(sys, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return false;
	}
	fclose(f);
	*number = (unsigned)strtoul(buf, NULL, 10);
	snprintf(sys, sizeof(sys), "/sys/class/block/%s", name);
	if (!realpath(sys, link))
		return false;
	slash = strrchr(link, '/');
	if (!slash)
		return false;
	*slash = '\0';
	slash = strrchr(link, '/');
	if (!slash || !*number)
		return false;
	snprintf(disk, size, "/dev/%s", slash + 1);
	return true;
}

static void print_plan(const struct wr_bootfiles_plan *p)
{
	printf("%s\n", _("Start-up repair plan (nothing has been changed yet):"));
	/* TRANSLATORS: %1$s is the Windows name ("Windows 8.1"), %2$u a partition number,
	 * %3$s the disk. */
	printf(_("  Windows: %1$s on partition %2$u of %3$s\n"), p->product, p->windows->number,
	       p->disk->path);
	if (p->efi)
		/* TRANSLATORS: %u is a partition number. */
		printf(_("  Boot files are written to the EFI system partition (partition %u).\n"),
		       p->system->number);
	else if (p->system == p->windows)
		printf("%s\n", _("  Boot files are written to the Windows partition itself (there is no System Reserved partition)."));
	else
		/* TRANSLATORS: %u is a partition number. */
		printf(_("  Boot files are written to the System Reserved partition (partition %u).\n"),
		       p->system->number);
	/* TRANSLATORS: %zu is a number of files. */
	printf(_("  Boot manager files copied from the Windows folder: %zu\n"), p->nfiles);
	if (p->bcd_exists) {
		if (p->old_bcd_err) {
			printf("%s\n", _("  The current boot configuration (BCD) is damaged or unusable; it is replaced."));
			printf("    %s\n", _(wr_strerror(p->old_bcd_err)));
		} else
			printf("%s\n", _("  The current boot configuration (BCD) is replaced."));
		/* TRANSLATORS: %s is a file name such as BCD.winrescue-20261125-213000. */
		printf(_("  A copy of it is kept as %s.\n"), p->backup_name);
	} else {
		printf("%s\n", _("  There is no boot configuration (BCD) yet; a new one is made."));
	}
	if (p->winre)
		/* TRANSLATORS: %u is a partition number. */
		printf(_("  Windows Recovery Environment entry: on partition %u.\n"),
		       p->winre_part->number);
	if (p->set_active)
		printf("%s\n", _("  No partition is marked active: the system partition is marked active, so a BIOS PC starts from it."));
	if (p->mbr_code_missing)
		printf("%s\n", _("  Warning: the disk's master boot record has no boot code. winrescue cannot write Windows' boot code; use 'bootrec /fixmbr' from Windows installation media."));
	if (p->pbr_code_missing)
		printf("%s\n", _("  Warning: the system partition's boot sector has no boot code; use 'bootsect /nt60 SYS' from Windows installation media."));
}

static bool confirm(const struct wr_bootfiles_plan *p)
{
	char line[64];
	/* TRANSLATORS: the person must type this word to go on; keep it short. */
	const char *word = _("yes");

	/* TRANSLATORS: %1$s is the word to type ("yes"), %2$s the disk. */
	printf(_("Type %1$s and press Enter to rewrite the start-up files on %2$s: "), word,
	       p->disk->path);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcasecmp(line, word) || !strcasecmp(line, "yes");
}

static int repair_boot(int argc, char **argv)
{
	struct cli_repair_args a;
	struct wr_bootfiles_plan p;
	struct wr_detail d = WR_DETAIL_INIT;
	char disk[PATH_MAX];
	unsigned number;
	int ret;

	ret = cli_parse_repair(argc, argv, &a);
	if (ret)
		return ret;
	snprintf(disk, sizeof(disk), "%s", a.target);
	number = a.partition;
	if (!number) {
		struct stat st;

		if (stat(a.target, &st) == 0 && S_ISBLK(st.st_mode) &&
		    disk_of_partition(a.target, disk, sizeof(disk), &number)) {
			/* The partition's disk, found through sysfs. */
		} else {
			cli_error("%s", _("Say which partition holds Windows: give the disk with --target and the partition number with --partition."));
			return EXIT_USAGE;
		}
	}
	ret = wr_bootfiles_plan(disk, number, &p, &d);
	if (ret) {
		int status = cli_fail("repair boot", ret, &d);

		/* Nothing was written: these are refusals. */
		if (ret == WR_ERR_NO_ESP || ret == WR_ERR_NO_WINDOWS || ret == WR_ERR_BITLOCKER)
			status = EXIT_REFUSED;
		return status;
	}
	print_plan(&p);
	if (!a.yes && (!isatty(STDIN_FILENO) || !confirm(&p))) {
		cli_error("%s", _("Nothing was changed: the repair needs your confirmation (type yes, or use --yes)."));
		wr_bootfiles_plan_release(&p);
		return EXIT_REFUSED;
	}
	ret = wr_bootfiles_run(&p, NULL, NULL, &d);
	if (ret) {
		wr_bootfiles_plan_release(&p);
		return cli_fail("repair boot", ret, &d);
	}
	printf("%s\n", _("The start-up files and the boot configuration were rebuilt."));
	if (p.bcd_exists)
		/* TRANSLATORS: %s is the backup file name. */
		printf(_("The old boot configuration is kept as %s.\n"), p.backup_name);
	if (wr_log_path())
		/* TRANSLATORS: %s is the log file path. */
		printf(_("Log: %s\n"), wr_log_path());
	wr_bootfiles_plan_release(&p);
	return EXIT_DONE;
}

int cmd_repair(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		cli_error("%s", _("Say what to repair: boot, hibernation or registry; see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "boot"))
		return repair_boot(argc - 1, argv + 1);
	/* The repairs of a volume's state live in ui/cmd_repair_state.c. */
	if (!strcmp(argv[1], "hibernation"))
		return repair_hibernation_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "registry"))
		return repair_registry_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dirty"))
		return repair_dirty_main(argc - 1, argv + 1);
	cli_error("%s", _("Say what to repair: boot, hibernation or registry; see 'winrescue --help'."));
	return EXIT_USAGE;
}
