/*
 * fuzz_smart.c - libFuzzer harness for wr_smart_parse (smartctl's JSON output).
 *
 * The input is passed as is, not NUL-terminated, so ASan catches any read past the
 * end.  Whatever the input, the parser must return a known code and leave the struct
 * consistent: NUL-terminated strings, counters -1 or above, a valid state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;
	int ret = wr_smart_parse((const char *)data, size, &s, &d);

	if (ret != WR_OK && ret != WR_ERR_BAD_OUTPUT && ret != WR_ERR_NOMEM)
		abort();
	if (ret == WR_ERR_BAD_OUTPUT && !d.lib_msg[0])
		abort();
	if ((unsigned)s.state > WR_SMART_NO_TOOL)
		abort();
	if (ret == WR_OK && s.state == WR_SMART_UNAVAILABLE && !s.reason[0])
		abort();
	check_str(s.reason, sizeof(s.reason));
	check_str(s.protocol, sizeof(s.protocol));
	check_str(s.device_type, sizeof(s.device_type));
	check_str(s.model, sizeof(s.model));
	check_str(s.serial, sizeof(s.serial));
	check_str(s.firmware, sizeof(s.firmware));
	if (s.reallocated < -1 || s.pending < -1 || s.offline_uncorrectable < -1 ||
	    s.reported_uncorrectable < -1 || s.power_on_hours < -1 || s.temperature < -1 ||
	    s.nvme_critical_warning < -1 || s.nvme_media_errors < -1 ||
	    s.nvme_percentage_used < -1 || s.nvme_available_spare < -1 ||
	    s.nvme_available_spare_threshold < -1)
		abort();
	return 0;
}
