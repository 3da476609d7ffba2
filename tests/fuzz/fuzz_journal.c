/*
 * fuzz_journal.c - the journal reader on arbitrary bytes: no crash, no leak, and
 * every record it accepts formats back to exactly the bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wr_journal j;
	size_t off = 0;

	if (wr_journal_parse(data, size, &j, NULL) != WR_OK)
		return 0;
	for (size_t i = 0; i < j.n; i++) {
		const struct wr_journal_record *r = &j.v[i];
		char *line = NULL;
		size_t len = 0;

		if (r->seq != i + 1)
			abort();
		r->fields[r->nfields] == NULL ? (void)0 : abort();
		if (wr_journal_format(r->seq, r->kind, (const char *const *)r->fields, &line, &len,
				      NULL) != WR_OK)
			abort();
		/* Accepted records are canonical: re-formatting gives the same line. */
		if (off + len > size || memcmp(data + off, line, len))
			abort();
		off += len;
		free(line);
	}
	wr_journal_release(&j);
	return 0;
}
