/*
 * fuzz_wim_reader.c - libFuzzer harness for the in-place WIM reader: the input is a
 * whole WIM file served through a struct wr_reader (as a file inside an NTFS volume
 * would be): header, resource bounds, the UTF-16 XML and its fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *data;
	size_t size;
};

static int mem_read_at(void *ctx, uint64_t offset, void *buf, size_t len)
{
	const struct mem *m = ctx;

	if (offset > m->size || len > m->size - offset)
		return WR_ERR_READ;
	memcpy(buf, m->data + offset, len);
	return WR_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = {data, size};
	struct wr_reader r = {mem_read_at, size, &m};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;

	if (wr_wim_read_info_from(&r, "fuzz.wim", &info, &d) == WR_OK) {
		/* Strings are terminated; the image array is as long as it says. */
		for (unsigned i = 0; i < info->image_count; i++) {
			if (info->images[i].index != i + 1 ||
			    strlen(info->images[i].name) >= sizeof(info->images[i].name) ||
			    strlen(info->images[i].languages) >= sizeof(info->images[i].languages))
				abort();
		}
		wr_wim_info_free(info);
	} else if (info) {
		abort();
	}
	return 0;
}
