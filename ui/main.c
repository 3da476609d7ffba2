/*
 * main.c - winrescue's entry point: global options, locale, log, dispatch.
 *
 * The only place that ends the program.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"

static void print_version(void)
{
	printf("winrescue %s\n", WR_VERSION);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lang", required_argument, NULL, 'L' },
		{ "log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lang = NULL, *log_path = NULL;
	const struct cli_command *cmd;
	struct wr_detail d = WR_DETAIL_INIT;
	int c, ret;
	char *wizard_argv[] = { (char *)"wizard", NULL };

	/* Scan --lang first so even usage errors come out in the chosen language. */
	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--lang") && i + 1 < argc)
			lang = argv[++i];
		else if (!strncmp(argv[i], "--lang=", 7))
			lang = argv[i] + 7;
		else if (!strcmp(argv[i], "--log"))
			i++;	/* skip its argument */
	}
	i18n_init(i18n_is_supported(lang) ? lang : NULL, argv[0]);

	/* "+": stop at the first non-option, which is the command. */
	while ((c = cli_getopt(argc, argv, "+hV", opts)) != -1) {
		switch (c) {
		case 'L':
			if (!i18n_is_supported(optarg)) {
				/* TRANSLATORS: %s is what the user gave after --lang. */
				cli_error(_("Unknown language '%s'; use en, ja or ru."), optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'h':
			cli_usage(stdout);
			return EXIT_DONE;
		case 'V':
			print_version();
			return EXIT_DONE;
		default:	/* cli_getopt said what was wrong, in one sentence */
			return EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		cmd = cli_find("wizard");
		argc = 1;
		argv = wizard_argv;
	} else {
		cmd = cli_find(argv[optind]);
		if (!cmd) {
			/* TRANSLATORS: %s is what the user typed as a command. */
			cli_error(_("Unknown command '%s'; run 'winrescue --help' for the list."),
				  argv[optind]);
			return EXIT_USAGE;
		}
		argc -= optind;
		argv += optind;
	}

	if (wr_log_open(log_path, &d) != WR_OK && log_path) {
		/* TRANSLATORS: %s is the log file path the user asked for. */
		cli_error(_("Cannot open the log file '%s'; check the path."), log_path);
		return EXIT_USAGE;
	}
	wr_log(WR_LOG_INFO, "command: %s, language %s", cmd->name, i18n_language());
	optind = 1;	/* let the command parse its own options */
	ret = cmd->run(argc, argv);
	wr_log(WR_LOG_INFO, "exit status %d", ret);
	wr_log_close();
	return ret;
}
