/*
 * cli.c - the command table, usage text and error reporting for the command line.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "i18n.h"


const struct cli_command cli_commands[] = {
	{ "wizard", "[--disk IMAGE]... [--source IMAGE|FOLDER]...", N_("start the step-by-step wizard (the default)"), cmd_wizard },
	{ "inspect", "[--json] [PATH...]", N_("show disks, partitions, Windows installations, users, apps and image sources"), cmd_inspect },
	{ "diagnose", "[--json] [--html FILE] [PATH...]", N_("check disk health, volumes and start-up, and advise"), cmd_diagnose },
	{ "scan", "[--json] DEVICE", N_("read the whole disk and report slow and unreadable sectors"), cmd_scan },
	{ "apps", "[--json] --target VOL [--partition N]", N_("list the desktop apps of an installation"), cmd_apps },
	{ "refresh", "--target VOL [--partition N] [--source IMAGE [--index N]] [--yes] [--dry-run] [--discard-hibernation] [--allow-mismatch]", N_("reinstall Windows, keeping files, accounts and Store apps"), cmd_refresh },
	{ "reset", "--target VOL [--partition N] | --disk DISK --layout gpt|mbr [--source IMAGE [--index N]] [--also-format N]... [--wipe] [--yes] [--dry-run]", N_("reinstall Windows, removing everything"), cmd_reset },
	{ "resume", "--target VOL [--partition N]", N_("finish an interrupted refresh or reset"), cmd_resume },
	{ "image", "create|show|set|deregister --target VOL [--partition N] [--dir DIR]", N_("create, show, register or deregister a custom refresh image"), cmd_image },
	{ "repair", "boot|hibernation|registry --target VOL [--partition N]", N_("repair start-up, discard hibernation, or restore the registry"), cmd_repair },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void cli_usage(FILE *out)
{
	fprintf(out, "%s\n", _("Usage: winrescue [--lang en|ja|ru] [--log FILE] [COMMAND ...]"));
	fprintf(out, "%s\n\n", _("Repairs, refreshes or resets an offline Windows 8, 8.1 or 10 installation."));
	fprintf(out, "%s\n", _("Commands:"));
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-9s %s\n  %-9s %s\n", c->name, c->usage, "", _(c->summary));
	fprintf(out, "\n%s\n", _("Without a command, winrescue starts the wizard."));
	fprintf(out, "%s\n", _("Exit status: 0 done, 1 failed, 2 usage error, 3 refused by a safety check (nothing was written), 4 interrupted (run resume)."));
}

int cli_exit_status(int err)
{
	switch (err) {
	case WR_OK:
		return EXIT_DONE;
	case WR_ERR_BITLOCKER:
	case WR_ERR_HIBERNATED:
	case WR_ERR_FAST_STARTUP:
	case WR_ERR_MOUNTED:
	case WR_ERR_LOCKED:
	case WR_ERR_MISMATCH:
	case WR_ERR_NO_SPACE:
	case WR_ERR_LIVE_DISK:
	case WR_ERR_SOURCE_ON_TARGET:
	case WR_ERR_UNSAFE_PATH:
	case WR_ERR_NOT_ROOT:
	case WR_ERR_NO_SOURCE:
	case WR_ERR_DIR_ON_TARGET:
	case WR_ERR_READ_ONLY:
	case WR_ERR_CUSTOM_IMAGE_CORRUPT:
	case WR_ERR_NO_ESP:
	case WR_ERR_BCD_TEMPLATE:
	case WR_ERR_DISK_TOO_SMALL:
	case WR_ERR_PROTECTED_PARTITION:
	case WR_ERR_NOT_CONFIRMED:
		return EXIT_REFUSED;
	case WR_ERR_INTERRUPTED:
		return EXIT_INTERRUPTED;
	default:
		return EXIT_FAILED;
	}
}

int cli_fail(const char *what, int err, const struct wr_detail *d)
{
	wr_log_err(what, err, d);
	if (d && d->subject[0])
		/* TRANSLATORS: %1$s is an error sentence, %2$s the file, device or name it is about. */
		cli_error(_("%1$s (%2$s)"), _(wr_strerror(err)), d->subject);
	else
		cli_error("%s", _(wr_strerror(err)));
	return cli_exit_status(err);
}

bool cli_is_image_source(const char *path)
{
	static const char *const exts[] = { ".wim", ".esd", ".swm", ".iso" };
	size_t len = strlen(path);
	struct stat st;

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (len > 4 && !strcasecmp(path + len - 4, exts[i]))
			return true;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void cli_translate_report_texts(struct wr_report_texts *t)
{
	const char **all[] = { &t->title, &t->intro, &t->made_for, &t->col_name,
			       &t->col_version, &t->col_publisher, &t->col_link, &t->none };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (*all[i])
			*all[i] = gettext(*all[i]);
}

