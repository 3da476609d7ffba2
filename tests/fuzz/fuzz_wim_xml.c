/*
 * fuzz_wim_xml.c - libFuzzer harness for the WIM XML parser alone: the first byte
 * gives the image count a synthesized, valid header claims; the rest is the XML
 * resource (UTF-16LE).  Reaches the XML code far more often than whole-file inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[WR_WIM_HEADER_SIZE] = {'M', 'S', 'W', 'I', 'M', 0, 0, 0};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;
	size_t xml_len;

	if (size < 1)
		return 0;
	xml_len = size - 1;
	put_le(hdr + 8, WR_WIM_HEADER_SIZE, 4);
	put_le(hdr + 12, 0x10d00, 4);
	put_le(hdr + 40, 1, 2);
	put_le(hdr + 42, 1, 2);
	put_le(hdr + 44, data[0] % 8, 4);
	put_le(hdr + 72, xml_len, 7);
	put_le(hdr + 80, WR_WIM_HEADER_SIZE, 8);
	put_le(hdr + 88, xml_len, 8);
	if (wr_wim_info_from_xml(hdr, sizeof(hdr), data + 1, xml_len, "fuzz.wim", &info, &d) ==
	    WR_OK) {
		if (info->image_count != (unsigned)(data[0] % 8))
			abort();
		wr_wim_info_free(info);
	}
	return 0;
}
