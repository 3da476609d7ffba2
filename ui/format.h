/*
 * format.h - numbers, sizes and dates for people, in the chosen language.
 */
#ifndef UI_FORMAT_H
#define UI_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "465 GB", "1.5 MB" (ja/en), "465 ГБ", "1,5 МБ" (ru).  Decimal units, as disk makers
 * and Windows' disk labels count. */
const char *format_size(uint64_t bytes, char *buf, size_t size);
/* "2014-05-01" (ISO date: unambiguous in all three languages). */
const char *format_date(int64_t unix_time, char *buf, size_t size);

#endif
