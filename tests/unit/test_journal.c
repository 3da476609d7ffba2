/*
 * test_journal.c - journal records survive any field bytes, and a torn or damaged
 * tail is detected, never trusted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"

/* Build a journal of n records into a malloc'd buffer. */
static char *build(size_t n, size_t *len_out)
{
	char *all = NULL;
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		char a[64], b[64];
		const char *fields[] = { a, b, NULL };
		char *line;
		size_t ll;

		snprintf(a, sizeof(a), "/Windows.old/Users %zu", i);
		snprintf(b, sizeof(b), "名前 %%20 Тарас\t%zu", i);
		assert_int_equal(wr_journal_format((unsigned)i + 1, i % 2 ? "end" : "begin", fields,
						   &line, &ll, NULL), WR_OK);
		assert_non_null(memchr(line, '\n', ll));
		assert_ptr_equal(memchr(line, '\n', ll), line + ll - 1);
		all = realloc(all, len + ll);
		assert_non_null(all);
		memcpy(all + len, line, ll);
		len += ll;
		free(line);
	}
	*len_out = len;
	return all;
}

static void test_round_trip_any_bytes(void **state)
{
	(void)state;
	char bytes[255];
	const char *fields[] = { bytes, "", "plain", " lead and trail ", "%-", "%41", NULL };
	struct wr_journal j;
	char *line;
	size_t len;

	for (int i = 0; i < 254; i++)
		bytes[i] = (char)(i + 1);	/* every byte value but NUL */
	bytes[254] = '\0';
	assert_int_equal(wr_journal_format(1, "plan", fields, &line, &len, NULL), WR_OK);
	/* One line, printable ASCII words only (UTF-8 passes through). */
	for (size_t i = 0; i + 1 < len; i++)
		assert_true(line[i] != '\n');
	assert_int_equal(wr_journal_parse(line, len, &j, NULL), WR_OK);
	assert_false(j.torn_tail);
	assert_int_equal(j.n, 1);
	assert_int_equal(j.v[0].seq, 1);
	assert_string_equal(j.v[0].kind, "plan");
	assert_int_equal(j.v[0].nfields, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(j.v[0].fields[i], fields[i]);
	wr_journal_release(&j);
	free(line);
}

static void test_torn_tail_at_every_length(void **state)
{
	(void)state;
	size_t len, whole = 0;
	char *all = build(5, &len);

	/* Cut the journal at every byte: the reader keeps exactly the complete records
	 * before the cut and flags the rest as torn. */
	for (size_t cut = 0; cut <= len; cut++) {
		struct wr_journal j;
		size_t complete = 0;

		for (size_t i = 0; i < cut; i++)
			complete += all[i] == '\n';
		assert_int_equal(wr_journal_parse(all, cut, &j, NULL), WR_OK);
		assert_int_equal(j.n, complete);
		assert_int_equal(j.torn_tail, cut > 0 && all[cut - 1] != '\n');
		for (size_t i = 0; i < j.n; i++)
			assert_int_equal(j.v[i].seq, i + 1);
		whole = j.n;
		wr_journal_release(&j);
	}
	assert_int_equal(whole, 5);
	free(all);
}

static void test_damaged_byte_stops_reading(void **state)
{
	(void)state;
	size_t len;
	char *all = build(4, &len);
	size_t second = (size_t)((char *)memchr(all, '\n', len) - all) + 1;

	/* Flip each byte of the second record in turn: the first record stays, nothing
	 * from the damaged one on is trusted. */
	for (size_t i = second; all[i] != '\n'; i++) {
		struct wr_journal j;
		char saved = all[i];

		all[i] ^= 0x01;
		assert_int_equal(wr_journal_parse(all, len, &j, NULL), WR_OK);
		assert_int_equal(j.n, 1);
		assert_true(j.torn_tail);
		wr_journal_release(&j);
		all[i] = saved;
	}
	free(all);
}

static void test_sequence_gap_and_garbage(void **state)
{
	(void)state;
	struct wr_journal j;
	char *l1, *l3;
	size_t n1, n3;
	char buf[1024];
	const char *f[] = { "x", NULL };

	assert_int_equal(wr_journal_format(1, "begin", f, &l1, &n1, NULL), WR_OK);
	assert_int_equal(wr_journal_format(3, "end", f, &l3, &n3, NULL), WR_OK);
	memcpy(buf, l1, n1);
	memcpy(buf + n1, l3, n3);
	assert_int_equal(wr_journal_parse(buf, n1 + n3, &j, NULL), WR_OK);
	assert_int_equal(j.n, 1);	/* record 3 after record 1: a gap, not trusted */
	assert_true(j.torn_tail);
	wr_journal_release(&j);
	assert_int_equal(wr_journal_parse("\n\n\n", 3, &j, NULL), WR_OK);
	assert_int_equal(j.n, 0);
	assert_true(j.torn_tail);
	wr_journal_release(&j);
	assert_int_equal(wr_journal_parse("", 0, &j, NULL), WR_OK);
	assert_int_equal(j.n, 0);
	assert_false(j.torn_tail);
	wr_journal_release(&j);
	free(l1);
	free(l3);
}

static void test_find_and_bad_kinds(void **state)
{
	(void)state;
	size_t len;
	char *all = build(6, &len), *line;
	struct wr_journal j;
	const struct wr_journal_record *r;

	assert_int_equal(wr_journal_parse(all, len, &j, NULL), WR_OK);
	r = wr_journal_find(&j, "end", NULL, NULL);
	assert_non_null(r);
	assert_int_equal(r->seq, 6);	/* the last one */
	r = wr_journal_find(&j, "begin", "/Windows.old/Users 2", NULL);
	assert_non_null(r);
	assert_int_equal(r->seq, 3);
	assert_null(wr_journal_find(&j, "begin", "/nothing", NULL));
	wr_journal_release(&j);
	free(all);
	assert_int_equal(wr_journal_format(1, "bad kind", NULL, &line, &len, NULL),
			 WR_ERR_INVALID_ARG);
	assert_int_equal(wr_journal_format(1, "", NULL, &line, &len, NULL), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_journal_format(1, "waytoolongkindname", NULL, &line, &len, NULL),
			 WR_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_any_bytes),
		cmocka_unit_test(test_torn_tail_at_every_length),
		cmocka_unit_test(test_damaged_byte_stops_reading),
		cmocka_unit_test(test_sequence_gap_and_garbage),
		cmocka_unit_test(test_find_and_bad_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
