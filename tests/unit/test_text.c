/*
 * test_text.c - the wizard's text module: widths, cutting and wrapping by columns.
 *
 * Runs in C.UTF-8 (East Asian widths: a kanji is 2 columns).  The sweep tests wrap
 * Japanese, Russian and English paragraphs at every width from 2 to 100 columns and
 * check what dialog's msgbox4-utf8 sample checks by eye: nothing overflows, no
 * character is split, nothing vanishes.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "../../ui/wizard/text.c"

static const char *const samples[] = {
	"ディスクを選択してください",
	"PC をリフレッシュすると、個人用ファイルと個人設定は保持されます。PC の設定は既定の状態に戻ります。ディスクや Web サイトからインストールしたアプリは削除され、その一覧がデスクトップに保存されます。",
	"「回復イメージ」が見つかりません（Windows 8.1 のメディアが必要です）。USB メモリを挿して、もう一度お試しください。",
	"Восстановление ПК без удаления файлов: ваши файлы и личные настройки сохранятся, параметры ПК вернутся к значениям по умолчанию.",
	"Your files and personal settings won't change. Your PC settings will be changed back to their defaults.",
	"Windows 8.1 on the 465 GB disk, 3 users: Alice, Тарас, 山田太郎",
	"a\n\nb c\nsupercalifragilisticexpialidocious-and-then-some-more-letters",
	"   leading and trailing spaces   ",
	"",
};

static int setup(void **state)
{
	(void)state;
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "C.utf8");
	return 0;
}

static void test_widths(void **state)
{
	(void)state;
	const char *ja = "ディスクを選択してください";

	assert_int_equal(strlen(ja), 39);
	assert_int_equal(text_width(ja), 26);
	assert_int_equal(text_width("Тарас"), 5);
	assert_int_equal(strlen("Тарас"), 10);
	assert_int_equal(text_width("Alice"), 5);
	assert_int_equal(text_width(""), 0);
	/* A control character (wcwidth -1) and an invalid byte count as one column. */
	assert_int_equal(text_width("a\tb"), 3);
	assert_int_equal(text_width("a\xff" "b"), 3);
	/* A truncated sequence at the end: one column per byte, never a crash. */
	assert_int_equal(text_width("\xe3\x83"), 2);
	assert_int_equal(text_width_n(ja, 3), 2);
}

static void test_fit_never_splits(void **state)
{
	(void)state;
	const char *ja = "ディスクを選択してください";
	int used;

	/* 5 columns hold two kanji/kana (4 columns), not two and a half. */
	assert_int_equal(text_fit(ja, 5, &used), 6);
	assert_int_equal(used, 4);
	assert_int_equal(text_fit(ja, 1, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(text_fit(ja, 26, &used), 39);
	assert_int_equal(used, 26);
	assert_int_equal(text_fit("Тарас", 3, &used), 6);
	assert_int_equal(used, 3);
}

static void test_crop(void **state)
{
	(void)state;
	char buf[64];

	assert_int_equal(text_crop("ディスクを選択してください", 7, 1, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "ディス\xe2\x80\xa6");
	assert_int_equal(text_crop("ディスク", 8, 1, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "ディスク");
	assert_int_equal(text_crop("ディスク", 3, 0, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "デ");
	assert_int_equal(text_crop("Тарас", 4, 1, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "Тар\xe2\x80\xa6");
	/* A small buffer drops whole characters, never half of one. */
	assert_int_equal(text_crop("ディスク", 8, 0, buf, 5), 2);
	assert_string_equal(buf, "デ");
	assert_int_equal(text_crop("abc", 0, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

/* Remove spaces and newlines: what wrapping may drop. */
static void squeeze(const char *s, size_t n, char *out)
{
	size_t k = strlen(out);

	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n')
			out[k++] = s[i];
	out[k] = '\0';
}

static int is_char_start(const char *s, size_t off)
{
	return ((unsigned char)s[off] & 0xC0) != 0x80;
}

static void check_wrap(const char *s, int cols)
{
	struct text_lines l = TEXT_LINES_INIT;
	char *want = calloc(1, strlen(s) + 1), *got = calloc(1, strlen(s) + 1);
	size_t paras = 1;

	assert_non_null(want);
	assert_non_null(got);
	assert_int_equal(text_wrap(s, cols, &l), 0);
	for (const char *p = s; *p; p++)
		paras += *p == '\n';
	assert_true(l.n >= paras);
	for (size_t i = 0; i < l.n; i++) {
		const struct text_line *x = &l.v[i];

		/* Nothing overflows. */
		assert_true(x->width <= cols);
		assert_int_equal(x->width, text_width_n(s + x->off, x->len));
		/* Nothing is split: a line starts and ends on character boundaries. */
		assert_true(x->off + x->len <= strlen(s));
		if (x->len) {
			assert_true(is_char_start(s, x->off));
			assert_true(x->off + x->len == strlen(s) || is_char_start(s, x->off + x->len));
			assert_true(s[x->off] != ' ' || i == 0);
			assert_true(s[x->off + x->len - 1] != ' ');
		}
		assert_null(memchr(s + x->off, '\n', x->len));
		/* In order. */
		if (i)
			assert_true(x->off >= l.v[i - 1].off + l.v[i - 1].len);
		squeeze(s + x->off, x->len, got);
	}
	/* Nothing vanishes. */
	squeeze(s, strlen(s), want);
	assert_string_equal(got, want);
	text_lines_release(&l);
	free(want);
	free(got);
}

static void test_wrap_every_width(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++)
		for (int cols = 2; cols <= 100; cols++)
			check_wrap(samples[k], cols);
}

static void test_wrap_breaks_at_spaces_and_between_kanji(void **state)
{
	(void)state;
	struct text_lines l = TEXT_LINES_INIT;
	const char *en = "Your files and personal settings won't change.";
	const char *ja = "個人用ファイルは保持されます。";

	assert_int_equal(text_wrap(en, 20, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].len, strlen("Your files and"));
	assert_memory_equal(en + l.v[1].off, "personal settings", l.v[1].len);
	assert_int_equal(l.v[1].len, strlen("personal settings"));
	assert_memory_equal(en + l.v[2].off, "won't change.", l.v[2].len);
	text_lines_release(&l);

	/* 15 characters, 30 columns: at 10 columns, 3 lines of 5 characters, except
	 * that "。" may not start a line: the last line takes "す。" with it. */
	assert_int_equal(text_wrap(ja, 10, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].width, 10);
	assert_int_equal(l.v[1].width, 10);
	assert_int_equal(l.v[2].width, 10);
	text_lines_release(&l);
	assert_int_equal(text_wrap(ja, 14, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].width, 14);
	assert_int_equal(l.v[1].width, 12);	/* not "ます" + "。" alone */
	assert_memory_equal(ja + l.v[2].off, "す。", l.v[2].len);
	text_lines_release(&l);

	/* An odd width never leaves half a kanji: 5 columns hold 2 characters. */
	assert_int_equal(text_wrap("ディスクを選択", 5, &l), 0);
	assert_int_equal(l.n, 4);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(l.v[i].width, 4);
	text_lines_release(&l);

	/* Newlines force breaks; an empty paragraph is an empty line. */
	assert_int_equal(text_wrap("a\n\nb", 10, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[1].len, 0);
	text_lines_release(&l);
	assert_int_equal(text_wrap("", 10, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, 0);
	text_lines_release(&l);
}

static void test_wrap_mixed_script(void **state)
{
	(void)state;
	struct text_lines l = TEXT_LINES_INIT;
	const char *s = "PC をリフレッシュする";

	/* "PC" and "を" are separated by a space; kana break anywhere, but not before
	 * a small "ッ" or "ュ" (kinsoku). */
	assert_int_equal(text_wrap(s, 8, &l), 0);
	assert_int_equal(l.n, 3);
	assert_memory_equal(s + l.v[0].off, "PC をリ", l.v[0].len);
	assert_int_equal(l.v[0].width, 7);
	assert_memory_equal(s + l.v[1].off, "フレッ", l.v[1].len);
	assert_memory_equal(s + l.v[2].off, "シュする", l.v[2].len);
	assert_int_equal(l.v[2].width, 8);
	text_lines_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_fit_never_splits),
		cmocka_unit_test(test_crop),
		cmocka_unit_test(test_wrap_every_width),
		cmocka_unit_test(test_wrap_breaks_at_spaces_and_between_kanji),
		cmocka_unit_test(test_wrap_mixed_script),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
