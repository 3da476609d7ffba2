/*
 * text.h - display width, cutting and wrapping of UTF-8 text by terminal columns.
 *
 * Everything here counts columns, never bytes: 「ディスクを選択してください」 is 13
 * characters, 39 bytes and 26 columns.  Widths come from mbrtowc + wcwidth in the
 * current (UTF-8) locale; a character wcwidth cannot measure (negative width) and a
 * byte that is not valid UTF-8 count as one column.  No curses here: the screen
 * models and their unit tests use this module too.
 */
#ifndef WIZARD_TEXT_H
#define WIZARD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Columns one character takes, and its length in bytes (>= 1) in *len.  s points at
 * most n bytes; n must be > 0. */
int text_char_width(const char *s, size_t n, size_t *len);

/* Display width of the first n bytes of s (text_width: the whole string). */
int text_width_n(const char *s, size_t n);
int text_width(const char *s);

/* The number of bytes of the longest prefix of s that fits in cols columns without
 * splitting a character; its width in *used (may be NULL). */
size_t text_fit(const char *s, int cols, int *used);

/* One wrapped line: bytes [off, off + len) of the text, width columns wide. */
struct text_line {
	size_t off;
	size_t len;
	int width;
};

struct text_lines {
	size_t n;
	size_t cap;
	struct text_line *v;
};
#define TEXT_LINES_INIT { 0, 0, NULL }

/* Wrap s into lines of at most cols columns (cols >= 2; smaller counts as 2).
 * Breaks at spaces for scripts that use them and between any two characters of
 * Japanese (not before 。、」… nor after 「（, where that can be avoided); a word
 * longer than a line is cut at the column limit.  '\n' forces a break; spaces at a
 * break are dropped.  An empty string gives one empty line.  Appends to out;
 * returns 0, or -1 when out of memory. */
int text_wrap(const char *s, int cols, struct text_lines *out);
void text_lines_release(struct text_lines *l);

/* Copy s into buf (size bufsize) cut to cols columns; when it had to be cut and
 * ellipsis is non-zero, the last column shows "…" (or "~" when the locale cannot).
 * Returns the width of the result. */
int text_crop(const char *s, int cols, int ellipsis, char *buf, size_t bufsize);

/* Copy src into dst (size bytes), cut if it must be at a character boundary. */
void text_copy(char *dst, size_t size, const char *src);

/* Append the character cp (a Unicode code point) to the UTF-8 string in buf (size
 * bytes); -1 when it does not fit or is no character (buf unchanged). */
int text_append_char(char *buf, size_t size, unsigned long cp);
/* Remove the last character (not byte) of buf. */
void text_drop_last_char(char *buf);

/* Whether what the person typed is what the screen asked for: case (any script),
 * spaces (any kind), full-width or ASCII Latin letters and digits, and a decimal
 * comma or point do not matter ("yamada pc" = "YAMADA-PC" needs the hyphen;
 * "１２,５ｇｂ" = "12.5 GB").  An empty want matches nothing. */
bool text_same_answer(const char *typed, const char *want);

#endif
