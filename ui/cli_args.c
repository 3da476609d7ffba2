/*
 * cli_args.c - each command's options read into a struct, checked, with nothing run
 * (see cli_args.h).
 */
#include <getopt.h>
#include <stdarg.h>
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

/* getopt from the start: optind = 0 also resets glibc's state inside a cluster of
 * short options left by an earlier parse. */
static void restart_getopt(void)
{
	optind = 0;
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
	static const struct option opts[] = {
		{ "lang", required_argument, NULL, 'L' },
		{ "log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	restart_getopt();
	/* "+": stop at the first non-option, which is the command. */
	while ((c = cli_getopt(argc, argv, "+hV", opts)) != -1) {
		switch (c) {
		case 'L':
			if (!i18n_is_supported(optarg)) {
				/* TRANSLATORS: %s is what the user gave after --lang. */
				cli_error(_("Unknown language '%s'; use en, ja or ru."), optarg);
				return EXIT_USAGE;
			}
			a->lang = optarg;
			break;
		case 'l':
			a->log_path = optarg;
			break;
		case 'h':
			a->help = true;
			break;
		case 'V':
			a->version = true;
			break;
		default:	/* cli_getopt said what was wrong, in one sentence */
			return EXIT_USAGE;
		}
	}
	a->command = optind < argc ? optind : argc;
	return EXIT_DONE;
}

/* ---- the commands ----------------------------------------------------------------- */

static const char *long_name(const struct option *opts, int val)
{
	for (const struct option *op = opts; op->name; op++)
		if (op->val == val)
			return op->name;
	return "?";
}

int cli_parse_refresh(int argc, char **argv, bool resume, struct cli_refresh_args *a)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ "source", required_argument, NULL, 's' },
		{ "index", required_argument, NULL, 'i' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "discard-hibernation", no_argument, NULL, 'H' },
		{ "allow-mismatch", no_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	restart_getopt();
	while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
		if (c == '?')
			return EXIT_USAGE;	/* cli_getopt said why */
		if (resume && c != 't' && c != 'p' && c != 'y') {
			/* TRANSLATORS: %s is an option such as --source. */
			cli_error(_("'--%s' does not go with resume: it takes the rest from the interrupted refresh; give only --target (and --partition)."),
				  long_name(opts, c));
			return EXIT_USAGE;
		}
		switch (c) {
		case 't':
			a->o.target = optarg;
			break;
		case 'p':
			if (cli_number_arg("--partition", optarg, &a->o.partition))
				return EXIT_USAGE;
			break;
		case 'i':
			if (cli_number_arg("--index", optarg, &a->o.index))
				return EXIT_USAGE;
			break;
		case 's':
			a->o.source = optarg;
			break;
		case 'y':
			a->yes = true;
			break;
		case 'n':
			a->dry_run = true;
			break;
		case 'H':
			a->o.discard_hibernation = true;
			break;
		case 'M':
			a->o.allow_mismatch = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!a->o.target || optind < argc) {
		cli_error("%s", _("Say which volume to work on with --target; see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	if (a->o.index && !a->o.source) {
		cli_error("%s", _("--index needs --source: say which image file the index is in."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

int cli_parse_reset(int argc, char **argv, struct cli_reset_args *a)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "disk", required_argument, NULL, 'D' },
		{ "layout", required_argument, NULL, 'L' },
		{ "partition", required_argument, NULL, 'p' },
		{ "source", required_argument, NULL, 's' },
		{ "index", required_argument, NULL, 'i' },
		{ "also-format", required_argument, NULL, 'a' },
		{ "wipe", no_argument, NULL, 'w' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *layout = NULL;
	int c;

	memset(a, 0, sizeof(*a));
	a->o.also_format = a->also;
	restart_getopt();
	while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
		switch (c) {
		case 't':
			a->o.target = optarg;
			break;
		case 'D':
			a->o.target = optarg;
			a->o.layout = true;
			break;
		case 'L':
			layout = optarg;
			break;
		case 'p':
			if (cli_number_arg("--partition", optarg, &a->o.partition))
				return EXIT_USAGE;
			break;
		case 'i':
			if (cli_number_arg("--index", optarg, &a->o.index))
				return EXIT_USAGE;
			break;
		case 'a':
			if (a->o.nalso_format == CLI_MAX_ALSO_FORMAT) {
				cli_error("%s", _("Too many partitions given with --also-format."));
				return EXIT_USAGE;
			}
			if (cli_number_arg("--also-format", optarg, &a->also[a->o.nalso_format]))
				return EXIT_USAGE;
			a->o.nalso_format++;
			break;
		case 's':
			a->o.source = optarg;
			break;
		case 'w':
			a->o.wipe = true;
			break;
		case 'y':
			a->yes = true;
			break;
		case 'n':
			a->dry_run = true;
			break;
		default:	/* '?': cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (!a->o.target || optind < argc) {
		cli_error("%s", _("Say what to reset with --target (a Windows partition) or --disk (a whole disk); see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	if (a->o.layout) {
		if (!layout || (strcmp(layout, "gpt") && strcmp(layout, "mbr"))) {
			cli_error("%s", _("--disk needs --layout gpt or --layout mbr: the partition layout to create."));
			return EXIT_USAGE;
		}
		if (a->o.partition || a->o.nalso_format) {
			cli_error("%s", _("--disk erases the whole disk: it takes no --partition or --also-format."));
			return EXIT_USAGE;
		}
		a->o.layout_kind = strcmp(layout, "mbr") ? WR_LAYOUT_GPT : WR_LAYOUT_MBR;
	} else if (layout) {
		cli_error("%s", _("--layout goes with --disk, which lays out a whole disk."));
		return EXIT_USAGE;
	}
	if (a->o.index && !a->o.source) {
		cli_error("%s", _("--index needs --source: say which image file the index is in."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

int cli_parse_image(int argc, char **argv, struct cli_image_args *a)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	if (argc < 2 || (strcmp(argv[1], "create") && strcmp(argv[1], "show") &&
			 strcmp(argv[1], "set") && strcmp(argv[1], "deregister"))) {
		cli_error("%s", _("Say what to do: image create, show, set or deregister; see "
				  "'winrescue --help'."));
		return EXIT_USAGE;
	}
	a->verb = argv[1];
	restart_getopt();
	while ((c = cli_getopt(argc - 1, argv + 1, "+", opts)) != -1) {
		switch (c) {
		case 't':
			a->o.target = optarg;
			break;
		case 'p':
			if (cli_number_arg("--partition", optarg, &a->o.partition))
				return EXIT_USAGE;
			break;
		case 'd':
			a->o.dir = optarg;
			break;
		case 'n':
			a->o.name = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!a->o.target || optind < argc - 1) {
		cli_error("%s",
			  _("Say which volume to work on with --target; see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	if (!a->o.dir && (!strcmp(a->verb, "create") || !strcmp(a->verb, "set"))) {
		cli_error("%s",
			  _("Say which folder holds the image with --dir; see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	if ((a->o.dir && strcmp(a->verb, "create") && strcmp(a->verb, "set")) ||
	    (a->o.name && strcmp(a->verb, "create"))) {
		cli_error("%s",
			  _("--dir is for image create and set, --name for image create only."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

int cli_parse_repair(int argc, char **argv, struct cli_repair_args *a)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ "only-damaged", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	bool registry = argc > 0 && !strcmp(argv[0], "registry");
	int c;

	memset(a, 0, sizeof(*a));
	restart_getopt();
	while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
		switch (c) {
		case 't':
			a->target = optarg;
			break;
		case 'p':
			if (cli_number_arg("--partition", optarg, &a->partition))
				return EXIT_USAGE;
			break;
		case 'y':
			a->yes = true;
			break;
		case 'o':
			if (!registry) {
				cli_error("%s", _("--only-damaged goes with repair registry only."));
				return EXIT_USAGE;
			}
			a->only_damaged = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!a->target || optind < argc) {
		cli_error("%s", _("Say which volume to work on with --target; see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

int cli_parse_apps(int argc, char **argv, struct cli_apps_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "target", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	restart_getopt();
	while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 't':
			a->target = optarg;
			break;
		case 'p':
			if (cli_number_arg("--partition", optarg, &a->partition))
				return EXIT_USAGE;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!a->target || optind < argc) {
		cli_error("%s", _("Say which volume to work on with --target; see 'winrescue --help'."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

int cli_parse_inspect(int argc, char **argv, struct cli_paths_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	restart_getopt();
	while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
		if (c != 'j')
			return EXIT_USAGE;
		a->json = true;
	}
	a->first = optind;
	return EXIT_DONE;
}

int cli_parse_diagnose(int argc, char **argv, struct cli_paths_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'h' },
		{ "decode", required_argument, NULL, 'd' },
		{ "no-smart", no_argument, NULL, 'n' },
		{ "scan", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	restart_getopt();
	while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'h':
			a->html = optarg;
			break;
		case 'd':
			a->decode = optarg;	/* decoding a code needs nothing else */
			a->first = argc;
			return EXIT_DONE;
		case 'n':
			a->no_smart = true;
			break;
		case 's':
			a->surface_scan = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	a->first = optind;
	return EXIT_DONE;
}

int cli_parse_scan(int argc, char **argv, struct cli_scan_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	restart_getopt();
	while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {	/* options may follow DEVICE */
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'h':
			a->help = true;
			return EXIT_DONE;
		default:
			return EXIT_USAGE;
		}
	}
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
	static const struct option opts[] = {
		{ "disk", required_argument, NULL, 'd' },
		{ "source", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	size_t nd = 0, ns = 0;
	int c;

	a->disks = calloc((size_t)argc + 1, sizeof(*a->disks));
	a->sources = calloc((size_t)argc + 1, sizeof(*a->sources));
	if (!a->disks || !a->sources) {
		cli_wizard_args_release(a);
		cli_error("%s", _(wr_strerror(WR_ERR_NOMEM)));
		return EXIT_FAILED;
	}
	restart_getopt();
	while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
		if (c == 'd') {
			a->disks[nd++] = optarg;
		} else if (c == 's') {
			a->sources[ns++] = optarg;
		} else {
			cli_wizard_args_release(a);
			return EXIT_USAGE;	/* cli_getopt said why */
		}
	}
	if (optind < argc) {
		cli_wizard_args_release(a);
		cli_error("%s", _("Usage: winrescue wizard [--disk IMAGE]... [--source IMAGE|FOLDER]..."));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}
