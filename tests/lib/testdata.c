/*
 * testdata.c - find and unpack the shared test data in unit tests.  See testdata.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mkimg.h"
#include "testdata.h"

const char *testdata_dir(void)
{
	const char *td = getenv("WINRESCUE_TESTDATA");

	return td ? td : "../shared/testdata";
}

void testdata_require(const char *rel)
{
	char probe[1024];

	snprintf(probe, sizeof(probe), "%s/%s", testdata_dir(), rel);
	if (access(probe, R_OK)) {
		printf("testdata not found: %s\n", probe);
		exit(77);
	}
}

char *testdata_hive(const char *dir, const char *name)
{
	static char path[16][512];
	static int slot;
	char src[1024], *p = path[slot++ % 16];

	snprintf(src, sizeof(src), "%s/hives/%s.xz", testdata_dir(), name);
	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	if (access(p, F_OK) == 0)
		return p;
	assert_int_equal(mkimg_decompress(src, p), 0);
	return p;
}
