/*
 * fuzz_reagent.c - libFuzzer harness for the ReAgent.xml parser and its write side.
 *
 * Whatever the bytes, parsing must not crash, leak or read out of bounds; and when
 * they parse, setting and clearing the custom image must give documents that parse
 * again with the same locations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent r, r2;
	struct wr_reagent_location loc;
	char *out = NULL;
	size_t len = 0;
	int ret;

	ret = wr_reagent_parse(data, size, &r, &d);
	memset(&loc, 0, sizeof(loc));
	loc.present = true;
	strcpy(loc.path, "\\RefreshImage");
	loc.offset = 1048576;
	loc.index = 1;
	if (wr_reagent_set_custom_image(data, size, &loc, &out, &len, &d) == WR_OK) {
		/* Parsable before means parsable after, with the new location. */
		if (ret == WR_OK) {
			if (wr_reagent_parse(out, len, &r2, &d) != WR_OK)
				abort();
			if (!r2.pbr_custom.present || strcmp(r2.pbr_custom.path, loc.path) ||
			    r2.pbr_custom.offset != loc.offset)
				abort();
		}
		free(out);
	}
	if (wr_reagent_set_custom_image(data, size, NULL, &out, &len, &d) == WR_OK)
		free(out);
	return 0;
}
