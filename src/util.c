/*
 * util.c - small helpers shared by the engine's modules.
 */
#include <stdlib.h>

#include "winrescue.h"

void wr_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t wr_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}
