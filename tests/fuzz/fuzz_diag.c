/*
 * fuzz_diag.c - libFuzzer harness for what diagnose reads from outside: SrtTrail.txt
 * (Startup Repair's log on the target volume), support codes typed by a person, and
 * translations (a broken msgstr must not crash the placeholder substitution).
 *
 * Invariants: a code that decodes encodes back to the same code (normalised); the
 * substitution never writes past its result and the result is NUL-terminated.
 * Build: add "diag" to HARNESSES and src/diag_code.c src/diag_srt.c to FUZZ_ENGINE in
 * tests/fuzz/Makefile.fuzz.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char args[3][256] = {"first", "second", "third"};
	struct wr_srt_result srt;
	struct wr_diag_code c;
	char *s = malloc(size + 1), *out;

	wr_diagnose_parse_srttrail(data, size, &srt);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (wr_diagnose_decode(s, &c, NULL) == WR_OK) {
		char code[16], norm[16];
		size_t n = 0;

		if (wr_diagnose_encode(c.worst, c.ids, c.nids, code, sizeof(code)) != WR_OK)
			abort();
		for (const char *p = s; *p && n < 15; p++)
			if (*p != '-' && *p != ' ')
				norm[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		norm[n] = '\0';
		if (n != 10 || memcmp(code, norm, 5) || memcmp(code + 6, norm + 5, 5))
			abort();
	}
	out = wr_diagnose_format(s, args, 3);
	if (out && strlen(out) > size * 256 + 256)
		abort();
	free(out);
	free(s);
	return 0;
}
