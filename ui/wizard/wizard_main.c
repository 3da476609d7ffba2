/*
 * wizard_main.c - "winrescue wizard": entry point of the ncurses front end.
 */
#include <stdio.h>

#include "../cli.h"
#include "../i18n.h"

int cmd_wizard(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error(_("The '%s' command is not available in this version yet."), "wizard");
	return EXIT_FAILED;
}
