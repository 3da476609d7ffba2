/*
 * testfile.h - fingerprint whole files in unit tests, to check that an operation left
 * its input byte-identical.  For cmocka tests: a file that cannot be read fails the
 * test (cmocka's assertions).
 */
#ifndef TESTFILE_H
#define TESTFILE_H

#include <stdint.h>

/* FNV-1a (64 bits) over every byte of the file at path.  Fails the test when the
 * file cannot be opened. */
uint64_t testfile_hash(const char *path);

#endif
