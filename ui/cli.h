/*
 * cli.h - the command table (tmux's cmd_entry shape) and shared command-line helpers.
 */
#ifndef UI_CLI_H
#define UI_CLI_H

#include <stdbool.h>

#include "../src/winrescue.h"

/* Exit statuses: a stable contract (DESIGN.md section 5). */
enum cli_exit {
	EXIT_DONE = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_REFUSED = 3,	/* a safety check refused; nothing was written */
	EXIT_INTERRUPTED = 4,	/* run resume */
};

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

struct option;
/* getopt_long with a translated one-sentence message for an unknown option or a
 * missing value (returns '?' then, like getopt_long). */
int cli_getopt(int argc, char **argv, const char *optstring, const struct option *opts);

/* "winrescue: <message>" on stderr; message is already translated. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the translated message for err, with the subject when there is one, log it,
 * and return the exit status that fits (3 for safety refusals, else 1). */
int cli_fail(const char *what, int err, const struct wr_detail *d);
/* Parse a partition or image number (1-1024, digits only) given with option opt;
 * on a bad value say so in one translated sentence and return EXIT_USAGE. */
int cli_number_arg(const char *opt, const char *val, unsigned *out);
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
