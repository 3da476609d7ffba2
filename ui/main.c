/*
 * main.c - winrescue's entry point: global options, locale, log, dispatch.
 *
 * The only place that ends the program.
 */
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
	struct cli_global_args g;
	const struct cli_command *cmd;
	struct wr_detail d = WR_DETAIL_INIT;
	const char *lang;
	int ret;
	char *wizard_argv[] = { (char *)"wizard", NULL };

	/* --lang first, so even usage errors come out in the chosen language. */
	lang = cli_prescan_lang(argc, argv);
	i18n_init(i18n_is_supported(lang) ? lang : NULL, argv[0]);

	ret = cli_parse_global(argc, argv, &g);
	if (ret)
		return ret;
	if (g.help) {
		cli_usage(stdout);
		return EXIT_DONE;
	}
	if (g.version) {
		print_version();
		return EXIT_DONE;
	}
	if (g.command >= argc) {
		cmd = cli_find("wizard");
		argc = 1;
		argv = wizard_argv;
	} else {
		cmd = cli_find(argv[g.command]);
		if (!cmd) {
			/* TRANSLATORS: %s is what the user typed as a command. */
			cli_error(_("Unknown command '%s'; run 'winrescue --help' for the list."),
				  argv[g.command]);
			return EXIT_USAGE;
		}
		argc -= g.command;
		argv += g.command;
	}

	if (wr_log_open(g.log_path, &d) != WR_OK && g.log_path) {
		/* TRANSLATORS: %s is the log file path the user asked for. */
		cli_error(_("Cannot open the log file '%s'; check the path."), g.log_path);
		return EXIT_USAGE;
	}
	wr_log(WR_LOG_INFO, "command: %s, language %s", cmd->name, i18n_language());
	ret = cmd->run(argc, argv);
	wr_log(WR_LOG_INFO, "exit status %d", ret);
	wr_log_close();
	return ret;
}
