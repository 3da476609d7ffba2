/*
 * testfile.c - fingerprint whole files in unit tests.  See testfile.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "testfile.h"

uint64_t testfile_hash(const char *path)
{
	uint64_t h = 1469598103934665603ULL;
	unsigned char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ULL;
	fclose(f);
	return h;
}
