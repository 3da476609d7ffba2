/*
 * cli.h - the command table (tmux's cmd_entry shape) and shared command-line helpers.
 */
#ifndef UI_CLI_H
#define UI_CLI_H

#include <stdbool.h>

#include "../src/winrescue.h"
#include "cli_args.h"

struct cli_command {
	const char *name;
	const char *usage;	/* arguments, untranslated syntax */
	const char *summary;	/* English, marked N_() */
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
};

/* The table, terminated by a zero entry. */
extern const struct cli_command cli_commands[];

const struct cli_command *cli_find(const char *name);
void cli_usage(FILE *out);

/* Print the translated message for err, with the subject when there is one, log it,
 * and return the exit status that fits (3 for safety refusals, else 1). */
int cli_fail(const char *what, int err, const struct wr_detail *d);
/* Exit status for an engine error code. */
int cli_exit_status(int err);

/* true when path is a Windows image file (.wim, .esd, .swm, .iso) or a folder of
 * installation media (holding sources/install.*), rather than a disk or volume. */
bool cli_is_image_source(const char *path);

/* Pass each text of a Removed Apps page through gettext. */
void cli_translate_report_texts(struct wr_report_texts *t);

/* Commands (ui/cmd_*.c). */
int cmd_inspect(int argc, char **argv);
int cmd_apps(int argc, char **argv);
int cmd_refresh(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_repair(int argc, char **argv);
int cmd_wizard(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);

#endif
