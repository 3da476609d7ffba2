/*
 * cli_args.h - turning a command line into checked arguments, with nothing run.
 *
 * Each command's options are read here into a plain struct; the commands
 * (ui/cmd_*.c) then act on it.  Nothing in this layer touches a disk, a file or the
 * log: a bad command line is refused with one translated sentence on stderr and
 * EXIT_USAGE, and the fuzz harness (tests/fuzz/fuzz_cli.c) drives every parser with
 * random arguments.
 *
 * The strings in the structs point into argv.  The parsers use getopt: each starts
 * over (optind = 0), so they may be called one after another.
 */
#ifndef UI_CLI_ARGS_H
#define UI_CLI_ARGS_H

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

/* "winrescue: <message>" on stderr; message is already translated. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct option;
/* getopt_long with a translated one-sentence message for an unknown option or a
 * missing value (returns '?' then, like getopt_long). */
int cli_getopt(int argc, char **argv, const char *optstring, const struct option *opts);

/* Parse a partition or image number (1-1024, digits only) given with option opt;
 * on a bad value say so in one translated sentence and return EXIT_USAGE. */
int cli_number_arg(const char *opt, const char *val, unsigned *out);

/* The options before the command.  command is the index in argv of the command's
 * name, or argc when there is none (the wizard). */
struct cli_global_args {
	const char *lang, *log_path;
	bool help, version;
	int command;
};
/* The --lang given before the command, looked at before anything else so that even
 * a usage error speaks the chosen language; NULL when there is none. */
const char *cli_prescan_lang(int argc, char **argv);
int cli_parse_global(int argc, char **argv, struct cli_global_args *a);

/* refresh, and resume (resume: only --target, --partition and --yes).  o.language
 * is left for the caller. */
struct cli_refresh_args {
	struct wr_refresh_opts o;
	bool yes, dry_run;
};
int cli_parse_refresh(int argc, char **argv, bool resume, struct cli_refresh_args *a);

#define CLI_MAX_ALSO_FORMAT 16
struct cli_reset_args {
	struct wr_reset_opts o;	/* o.also_format points at also[]; with --disk,
				 * o.target is disk and o.layout is set */
	unsigned also[CLI_MAX_ALSO_FORMAT];
	const char *disk, *layout;	/* as given */
	bool yes, dry_run;
};
int cli_parse_reset(int argc, char **argv, struct cli_reset_args *a);

/* image create|show|set|deregister: verb is argv[1]. */
struct cli_image_args {
	struct wr_recimg_opts o;
	const char *verb;
};
int cli_parse_image(int argc, char **argv, struct cli_image_args *a);

/* repair boot|hibernation|registry|dirty: argv[0] is the subcommand;
 * --only-damaged is for registry only. */
struct cli_repair_args {
	const char *target;
	unsigned partition;
	bool yes, only_damaged;
};
int cli_parse_repair(int argc, char **argv, struct cli_repair_args *a);

/* apps [--json] --target VOL [--partition N] */
struct cli_apps_args {
	const char *target;
	unsigned partition;
	bool json;
};
int cli_parse_apps(int argc, char **argv, struct cli_apps_args *a);

/* inspect [--json] [PATH...]; diagnose [--json] [--html FILE] [--no-smart] [--scan]
 * [PATH...] | --decode CODE: the paths are argv[first..argc-1]. */
struct cli_paths_args {
	bool json, no_smart, surface_scan;
	const char *html, *decode;
	int first;
};
int cli_parse_inspect(int argc, char **argv, struct cli_paths_args *a);
int cli_parse_diagnose(int argc, char **argv, struct cli_paths_args *a);

/* scan [--json] DEVICE; help: print the usage line and stop. */
struct cli_scan_args {
	const char *device;
	bool json, help;
};
int cli_parse_scan(int argc, char **argv, struct cli_scan_args *a);

/* wizard [--disk IMAGE]... [--source IMAGE|FOLDER]...: disks and sources are
 * NULL-terminated arrays the caller frees (free(), the strings are argv's). */
struct cli_wizard_args {
	char **disks, **sources;
	size_t ndisks, nsources;
};
int cli_parse_wizard(int argc, char **argv, struct cli_wizard_args *a);
void cli_wizard_args_release(struct cli_wizard_args *a);

#endif
