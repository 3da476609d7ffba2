/*
 * cmd_inspect.c - "winrescue inspect": what is on this PC, read-only.
 */
#include <stdio.h>

#include "cli.h"
#include "i18n.h"

int cmd_inspect(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error(_("The '%s' command is not available in this version yet."), "inspect");
	return EXIT_FAILED;
}
