/*
 * testdata.h - find and unpack the shared test data (../shared/testdata: real hives,
 * WIMs, BCD stores) in unit tests.
 *
 * The directory is $WINRESCUE_TESTDATA when set (tests/run-tests.sh sets it), else
 * ../shared/testdata relative to the current directory (the top of the tree).  These
 * helpers are for cmocka tests: where a helper says it fails the test, it does so
 * with cmocka's assertions.
 */
#ifndef TESTDATA_H
#define TESTDATA_H

#include <stddef.h>

/* The test data directory: $WINRESCUE_TESTDATA or "../shared/testdata". */
const char *testdata_dir(void);

/* Exit with 77 (skipped), after printing "testdata not found: <path>", unless the
 * file rel (relative to testdata_dir(), e.g. "hives/regipy_SAM.xz") is readable.
 * For a group setup, before any test runs. */
void testdata_require(const char *rel);

/* Decompress testdata/hives/<name>.xz into dir/<name>, once (an existing file is
 * reused), and return that path.  The path lives in one of 16 static buffers used in
 * turn, so up to 16 results can be held at a time.  Fails the test when xz fails. */
char *testdata_hive(const char *dir, const char *name);

#endif
