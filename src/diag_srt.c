/*
 * diag_srt.c - Startup Repair's log, Windows\System32\LogFiles\Srt\SrtTrail.txt:
 * the last "Root cause found:" and its "Repair action" / "Result".  Untrusted text
 * (fuzzed by tests/fuzz/fuzz_diag.c); a few lines of line splitting, no library.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "winrescue.h"

/* Text of SrtTrail.txt as UTF-8 (it is UTF-16LE with a BOM as Windows writes it). */
static char *srt_text(const void *buf, size_t len)
{
	const unsigned char *b = buf;
	char *s = NULL;

	if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
		if (wr_hive_utf16_to_utf8(b + 2, len - 2, &s))
			return NULL;
		return s;
	}
	if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
		b += 3;
		len -= 3;
	}
	s = malloc(len + 1);
	if (!s)
		return NULL;
	memcpy(s, b, len);
	s[len] = '\0';
	return s;
}

static void copy_trimmed(char *dst, size_t size, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	snprintf(dst, size, "%.*s", (int)len, s);
}

int wr_diagnose_parse_srttrail(const void *buf, size_t len, struct wr_srt_result *out)
{
	char *text, *line, *save = NULL;
	enum { NONE, CAUSE, ACTION } want = NONE;

	if (!buf || !out)
		return WR_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	text = srt_text(buf, len);
	if (!text)
		return WR_ERR_NOMEM;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		char t[512];

		copy_trimmed(t, sizeof(t), line, n);
		if (!strncasecmp(t, "Root cause found:", 17)) {
			out->sessions++;
			out->root_cause[0] = out->repair_action[0] = out->result[0] = '\0';
			copy_trimmed(out->root_cause, sizeof(out->root_cause), t + 17,
				     strlen(t + 17));
			want = out->root_cause[0] ? ACTION : CAUSE;
		} else if (want == CAUSE) {
			if (!t[0] || t[0] == '-')
				continue;
			snprintf(out->root_cause, sizeof(out->root_cause), "%s", t);
			want = ACTION;
		} else if (want == ACTION && !strncasecmp(t, "Repair action:", 14)) {
			copy_trimmed(out->repair_action, sizeof(out->repair_action), t + 14,
				     strlen(t + 14));
		} else if (want == ACTION && !strncasecmp(t, "Result:", 7) &&
			   out->repair_action[0] && !out->result[0]) {
			copy_trimmed(out->result, sizeof(out->result), t + 7, strlen(t + 7));
		}
	}
	free(text);
	if (!out->sessions)
		return WR_ERR_NOT_FOUND;
	if (!strncasecmp(out->root_cause, "No root cause", 13))
		out->root_cause[0] = '\0';
	return WR_OK;
}
