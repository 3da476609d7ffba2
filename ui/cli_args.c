/*
 * cli_args.c - each command's options read into a struct, checked, with nothing run
 * (see cli_args.h).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "i18n.h"


void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("winrescue: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_getopt(int argc, char **argv, const char *optstring, const struct option *opts)
{
	int c;

	opterr = 0;	/* getopt's own messages are English: ours are translated */
	c = getopt_long(argc, argv, optstring, opts, NULL);
	if (c == '?' || c == ':') {
		const char *bad = optind > 0 && optind <= argc ? argv[optind - 1] : "";

		if (optopt && optopt != '?' && !(bad[0] == '-' && bad[1] == '-'))
			/* TRANSLATORS: %c is the option letter the user typed. */
			cli_error(_("Unknown option '-%c'; run 'winrescue --help' for the usage."),
				  optopt);
		else
			/* TRANSLATORS: %s is the option the user typed, e.g. --frobnicate. */
			cli_error(_("Unknown option or missing value in '%s'; run 'winrescue --help' for the usage."),
				  bad);
		return '?';
	}
	return c;
}

int cli_number_arg(const char *opt, const char *val, unsigned *out)
{
	unsigned long v = 0;
	size_t n = 0;

	/* Digits only (no sign, no spaces), 1 to 1024: a partition or image number. */
	for (; val[n] >= '0' && val[n] <= '9' && n < 5; n++)
		v = v * 10 + (unsigned long)(val[n] - '0');
	if (!n || val[n] || v == 0 || v > 1024) {
		/* TRANSLATORS: %1$s is an option (--partition), %2$s its value. */
		cli_error(_("Invalid value '%2$s' for %1$s; give a number from 1 up."), opt, val);
		return EXIT_USAGE;
	}
	*out = (unsigned)v;
	return EXIT_DONE;
}

/* ---- the option tables ------------------------------------------------------------ */

/* One option of a command and where its value goes in the command's struct. */
enum opt_kind {
	OPT_FLAG,	/* bool, set */
	OPT_STRING,	/* const char *, the last one given */
	OPT_NUMBER,	/* unsigned, 1-1024 (cli_number_arg) */
	OPT_NUMBERS,	/* unsigned[max], count at count_at (size_t), each given */
	OPT_STRINGS,	/* char **, room for argc + 1, count at count_at (size_t) */
};

struct opt_spec {
	const char *name;	/* long option, without "--"; NULL ends a table */
	enum opt_kind kind;
	size_t at;		/* offsetof the value in the command's struct */
	size_t count_at;	/* OPT_NUMBERS, OPT_STRINGS: offsetof the count */
	unsigned max;		/* OPT_NUMBERS: room in the array */
	char short_name;	/* or 0 */
};

#define MAX_OPTS 16

#define FLAG(n, type, field) { n, OPT_FLAG, offsetof(type, field), 0, 0, 0 }
#define STRING(n, type, field) { n, OPT_STRING, offsetof(type, field), 0, 0, 0 }
#define NUMBER(n, type, field) { n, OPT_NUMBER, offsetof(type, field), 0, 0, 0 }

/* Read argv's options into out as spec says; stop at the first operand (or, with
 * operands_first, read options after operands too).  allowed: NULL, or whether each
 * option may be given here (refused through refuse(name), which says why).  On a bad
 * option or value: one sentence said, EXIT_USAGE.  optind is then the first operand. */
static int read_options(int argc, char **argv, const struct opt_spec *spec, void *out,
			bool operands_first, bool (*allowed)(const struct opt_spec *),
			void (*refuse)(const char *name))
{
	struct option opts[MAX_OPTS + 1];
	char optstring[2 + 2 * MAX_OPTS] = "";
	size_t n = 0, k = 0;
	int c;

	if (!operands_first)
		optstring[k++] = '+';	/* stop at the first operand (the command) */
	for (; spec[n].name; n++) {
		opts[n].name = spec[n].name;
		opts[n].has_arg = spec[n].kind == OPT_FLAG ? no_argument : required_argument;
		opts[n].flag = NULL;
		opts[n].val = 256 + (int)n;	/* never a short option's letter, nor '?' */
		if (spec[n].short_name) {
			optstring[k++] = spec[n].short_name;
			if (spec[n].kind != OPT_FLAG)
				optstring[k++] = ':';
		}
	}
	memset(&opts[n], 0, sizeof(opts[n]));
	optstring[k] = '\0';

	optind = 0;	/* from the start, also inside a cluster an earlier parse left */
	while ((c = cli_getopt(argc, argv, optstring, opts)) != -1) {
		const struct opt_spec *o = NULL;
		char *field;

		if (c >= 256 && c < 256 + (int)n)
			o = &spec[c - 256];
		for (size_t i = 0; !o && i < n; i++)
			if (spec[i].short_name && spec[i].short_name == c)
				o = &spec[i];
		if (!o)
			return EXIT_USAGE;	/* '?': cli_getopt said why */
		if (allowed && !allowed(o)) {
			refuse(o->name);
			return EXIT_USAGE;
		}
		field = (char *)out + o->at;
		switch (o->kind) {
		case OPT_FLAG:
			*(bool *)(void *)field = true;
			break;
		case OPT_STRING:
			*(const char **)(void *)field = optarg;
			break;
		case OPT_NUMBER: {
			char flag[64];

			snprintf(flag, sizeof(flag), "--%s", o->name);
			if (cli_number_arg(flag, optarg, (unsigned *)(void *)field))
				return EXIT_USAGE;
			break;
		}
		case OPT_NUMBERS: {
			size_t *count = (size_t *)(void *)((char *)out + o->count_at);
			char flag[64];

			if (*count == o->max) {
				/* The one list of numbers: the partitions of --also-format. */
				cli_error("%s", _("Too many partitions given with --also-format."));
				return EXIT_USAGE;
			}
			snprintf(flag, sizeof(flag), "--%s", o->name);
			if (cli_number_arg(flag, optarg, (unsigned *)(void *)field + *count))
				return EXIT_USAGE;
			(*count)++;
			break;
		}
		case OPT_STRINGS: {
			size_t *count = (size_t *)(void *)((char *)out + o->count_at);

			(*(char ***)(void *)field)[(*count)++] = optarg;
			break;
		}
		}
	}
	return EXIT_DONE;
}

/* The commands that act on one Windows volume: --target, and nothing after it. */
static int need_target(const char *target, int argc)
{
	if (!target || optind < argc) {
		cli_error("%s", _("Say which volume to work on with --target; see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

static int need_source_for_index(unsigned index, const char *source)
{
	if (index && !source) {
		cli_error("%s", _("--index needs --source: say which image file the index is in."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

/* ---- before the command ---------------------------------------------------------- */

const char *cli_prescan_lang(int argc, char **argv)
{
	const char *lang = NULL;

	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--lang") && i + 1 < argc)
			lang = argv[++i];
		else if (!strncmp(argv[i], "--lang=", 7))
			lang = argv[i] + 7;
		else if (!strcmp(argv[i], "--log"))
			i++;	/* skip its argument */
	}
	return lang;
}

int cli_parse_global(int argc, char **argv, struct cli_global_args *a)
{
	static const struct opt_spec spec[] = {
		STRING("lang", struct cli_global_args, lang),
		STRING("log", struct cli_global_args, log_path),
		{ "help", OPT_FLAG, offsetof(struct cli_global_args, help), 0, 0, 'h' },
		{ "version", OPT_FLAG, offsetof(struct cli_global_args, version), 0, 0, 'V' },
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};

	memset(a, 0, sizeof(*a));
	if (read_options(argc, argv, spec, a, false, NULL, NULL))
		return EXIT_USAGE;
	if (a->lang && !i18n_is_supported(a->lang)) {
		/* TRANSLATORS: %s is what the user gave after --lang. */
		cli_error(_("Unknown language '%s'; use en, ja or ru."), a->lang);
		return EXIT_USAGE;
	}
	a->command = optind < argc ? optind : argc;
	return EXIT_DONE;
}

/* ---- the commands ----------------------------------------------------------------- */

static const struct opt_spec refresh_spec[] = {
	STRING("target", struct cli_refresh_args, o.target),
	NUMBER("partition", struct cli_refresh_args, o.partition),
	STRING("source", struct cli_refresh_args, o.source),
	NUMBER("index", struct cli_refresh_args, o.index),
	FLAG("yes", struct cli_refresh_args, yes),
	FLAG("dry-run", struct cli_refresh_args, dry_run),
	FLAG("discard-hibernation", struct cli_refresh_args, o.discard_hibernation),
	FLAG("allow-mismatch", struct cli_refresh_args, o.allow_mismatch),
	{ NULL, OPT_FLAG, 0, 0, 0, 0 },
};

/* resume takes the rest from the interrupted refresh. */
static bool resume_allows(const struct opt_spec *o)
{
	return !strcmp(o->name, "target") || !strcmp(o->name, "partition") ||
	       !strcmp(o->name, "yes");
}

static void resume_refuses(const char *name)
{
	/* TRANSLATORS: %s is an option such as --source. */
	cli_error(_("'--%s' does not go with resume: it takes the rest from the interrupted refresh; give only --target (and --partition)."),
		  name);
}

int cli_parse_refresh(int argc, char **argv, bool resume, struct cli_refresh_args *a)
{
	memset(a, 0, sizeof(*a));
	if (read_options(argc, argv, refresh_spec, a, false, resume ? resume_allows : NULL,
			 resume_refuses) ||
	    need_target(a->o.target, argc) || need_source_for_index(a->o.index, a->o.source))
		return EXIT_USAGE;
	return EXIT_DONE;
}

int cli_parse_reset(int argc, char **argv, struct cli_reset_args *a)
{
	static const struct opt_spec spec[] = {
		STRING("target", struct cli_reset_args, o.target),
		STRING("disk", struct cli_reset_args, disk),
		STRING("layout", struct cli_reset_args, layout),
		NUMBER("partition", struct cli_reset_args, o.partition),
		STRING("source", struct cli_reset_args, o.source),
		NUMBER("index", struct cli_reset_args, o.index),
		{ "also-format", OPT_NUMBERS, offsetof(struct cli_reset_args, also),
		  offsetof(struct cli_reset_args, o.nalso_format), CLI_MAX_ALSO_FORMAT, 0 },
		FLAG("wipe", struct cli_reset_args, o.wipe),
		FLAG("yes", struct cli_reset_args, yes),
		FLAG("dry-run", struct cli_reset_args, dry_run),
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};

	memset(a, 0, sizeof(*a));
	a->o.also_format = a->also;
	if (read_options(argc, argv, spec, a, false, NULL, NULL))
		return EXIT_USAGE;
	if (a->o.target && a->disk) {
		cli_error("%s", _("Give either --target (a Windows partition) or --disk (a whole disk), not both."));
		return EXIT_USAGE;
	}
	if (a->disk) {
		a->o.target = a->disk;
		a->o.layout = true;
	}
	if (!a->o.target || optind < argc) {
		cli_error("%s", _("Say what to reset with --target (a Windows partition) or --disk (a whole disk); see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	if (a->o.layout) {
		if (!a->layout || (strcmp(a->layout, "gpt") && strcmp(a->layout, "mbr"))) {
			cli_error("%s", _("--disk needs --layout gpt or --layout mbr: the partition layout to create."));
			return EXIT_USAGE;
		}
		if (a->o.partition || a->o.nalso_format) {
			cli_error("%s", _("--disk erases the whole disk: it takes no --partition or --also-format."));
			return EXIT_USAGE;
		}
		a->o.layout_kind = strcmp(a->layout, "mbr") ? WR_LAYOUT_GPT : WR_LAYOUT_MBR;
	} else if (a->layout) {
		cli_error("%s", _("--layout goes with --disk, which lays out a whole disk."));
		return EXIT_USAGE;
	}
	return need_source_for_index(a->o.index, a->o.source);
}

int cli_parse_image(int argc, char **argv, struct cli_image_args *a)
{
	static const struct opt_spec spec[] = {
		STRING("target", struct cli_image_args, o.target),
		NUMBER("partition", struct cli_image_args, o.partition),
		STRING("dir", struct cli_image_args, o.dir),
		STRING("name", struct cli_image_args, o.name),
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};
	bool dir_verb;

	memset(a, 0, sizeof(*a));
	if (argc < 2 || (strcmp(argv[1], "create") && strcmp(argv[1], "show") &&
			 strcmp(argv[1], "set") && strcmp(argv[1], "deregister"))) {
		cli_error("%s", _("Say what to do: image create, show, set or deregister; see "
				  "'winrescue --help'."));
		return EXIT_USAGE;
	}
	a->verb = argv[1];
	dir_verb = !strcmp(a->verb, "create") || !strcmp(a->verb, "set");
	if (read_options(argc - 1, argv + 1, spec, a, false, NULL, NULL) ||
	    need_target(a->o.target, argc - 1))
		return EXIT_USAGE;
	if (!a->o.dir && dir_verb) {
		cli_error("%s",
			  _("Say which folder holds the image with --dir; see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	if ((a->o.dir && !dir_verb) || (a->o.name && strcmp(a->verb, "create"))) {
		cli_error("%s",
			  _("--dir is for image create and set, --name for image create only."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

int cli_parse_repair(int argc, char **argv, struct cli_repair_args *a)
{
	static const struct opt_spec spec[] = {
		STRING("target", struct cli_repair_args, target),
		NUMBER("partition", struct cli_repair_args, partition),
		FLAG("yes", struct cli_repair_args, yes),
		FLAG("only-damaged", struct cli_repair_args, only_damaged),
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};

	memset(a, 0, sizeof(*a));
	if (read_options(argc, argv, spec, a, false, NULL, NULL))
		return EXIT_USAGE;
	if (a->only_damaged && (argc < 1 || strcmp(argv[0], "registry"))) {
		cli_error("%s", _("--only-damaged goes with repair registry only."));
		return EXIT_USAGE;
	}
	return need_target(a->target, argc);
}

int cli_parse_apps(int argc, char **argv, struct cli_apps_args *a)
{
	static const struct opt_spec spec[] = {
		FLAG("json", struct cli_apps_args, json),
		STRING("target", struct cli_apps_args, target),
		NUMBER("partition", struct cli_apps_args, partition),
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};

	memset(a, 0, sizeof(*a));
	if (read_options(argc, argv, spec, a, false, NULL, NULL))
		return EXIT_USAGE;
	return need_target(a->target, argc);
}

int cli_parse_inspect(int argc, char **argv, struct cli_paths_args *a)
{
	static const struct opt_spec spec[] = {
		FLAG("json", struct cli_paths_args, json),
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};

	memset(a, 0, sizeof(*a));
	if (read_options(argc, argv, spec, a, false, NULL, NULL))
		return EXIT_USAGE;
	a->first = optind;
	return EXIT_DONE;
}

int cli_parse_diagnose(int argc, char **argv, struct cli_paths_args *a)
{
	static const struct opt_spec spec[] = {
		FLAG("json", struct cli_paths_args, json),
		STRING("html", struct cli_paths_args, html),
		STRING("decode", struct cli_paths_args, decode),
		FLAG("no-smart", struct cli_paths_args, no_smart),
		FLAG("scan", struct cli_paths_args, surface_scan),
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};

	memset(a, 0, sizeof(*a));
	if (read_options(argc, argv, spec, a, false, NULL, NULL))
		return EXIT_USAGE;
	a->first = optind;
	if (a->decode && a->first < argc) {
		cli_error("%s", _("--decode takes a support code and nothing else to look at."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

int cli_parse_scan(int argc, char **argv, struct cli_scan_args *a)
{
	static const struct opt_spec spec[] = {
		FLAG("json", struct cli_scan_args, json),
		{ "help", OPT_FLAG, offsetof(struct cli_scan_args, help), 0, 0, 'h' },
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};

	memset(a, 0, sizeof(*a));
	/* Options may follow DEVICE. */
	if (read_options(argc, argv, spec, a, true, NULL, NULL))
		return EXIT_USAGE;
	if (a->help)
		return EXIT_DONE;
	if (optind + 1 != argc) {
		cli_error("%s", _("Give exactly one disk or image file to scan, for example: winrescue scan /dev/sda"));
		return EXIT_USAGE;
	}
	a->device = argv[optind];
	return EXIT_DONE;
}

void cli_wizard_args_release(struct cli_wizard_args *a)
{
	free(a->disks);
	free(a->sources);
	a->disks = a->sources = NULL;
}

int cli_parse_wizard(int argc, char **argv, struct cli_wizard_args *a)
{
	static const struct opt_spec spec[] = {
		{ "disk", OPT_STRINGS, offsetof(struct cli_wizard_args, disks),
		  offsetof(struct cli_wizard_args, ndisks), 0, 0 },
		{ "source", OPT_STRINGS, offsetof(struct cli_wizard_args, sources),
		  offsetof(struct cli_wizard_args, nsources), 0, 0 },
		{ NULL, OPT_FLAG, 0, 0, 0, 0 },
	};

	memset(a, 0, sizeof(*a));
	a->disks = calloc((size_t)argc + 1, sizeof(*a->disks));
	a->sources = calloc((size_t)argc + 1, sizeof(*a->sources));
	if (!a->disks || !a->sources) {
		cli_wizard_args_release(a);
		cli_error("%s", _(wr_strerror(WR_ERR_NOMEM)));
		return EXIT_FAILED;
	}
	if (read_options(argc, argv, spec, a, false, NULL, NULL)) {
		cli_wizard_args_release(a);
		return EXIT_USAGE;
	}
	if (optind < argc) {
		cli_wizard_args_release(a);
		cli_error("%s", _("Usage: winrescue wizard [--disk IMAGE]... [--source IMAGE|FOLDER]..."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}
