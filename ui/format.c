/*
 * format.c - numbers, sizes and dates for people.
 */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "i18n.h"

const char *format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {
		/* TRANSLATORS: size units (decimal): bytes, kilobytes, megabytes, ... */
		N_("B"), N_("KB"), N_("MB"), N_("GB"), N_("TB"), N_("PB")
	};
	double v = (double)bytes;
	size_t u = 0;
	char num[32];

	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	snprintf(num, sizeof(num), u == 0 || v >= 100.0 ? "%.0f" : "%.1f", v);
	if (!strcmp(i18n_language(), "ru")) {	/* Russian writes a decimal comma */
		char *dot = strchr(num, '.');

		if (dot)
			*dot = ',';
	}
	/* TRANSLATORS: a size: %1$s is the number, %2$s the unit ("465 GB"). */
	snprintf(buf, size, _("%1$s %2$s"), num, _(units[u]));
	return buf;
}

const char *format_date(int64_t unix_time, char *buf, size_t size)
{
	time_t t = (time_t)unix_time;
	struct tm tm;

	if (unix_time <= 0 || !gmtime_r(&t, &tm)) {
		snprintf(buf, size, "%s", "-");
		return buf;
	}
	strftime(buf, size, "%Y-%m-%d", &tm);
	return buf;
}
