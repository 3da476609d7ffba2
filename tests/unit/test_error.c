/*
 * test_error.c - every result code has a name and a message; details are filled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winrescue.h"

static void test_every_code_has_message_and_name(void **state)
{
	(void)state;
	const char *unknown = wr_strerror(-1);

	for (int e = 0; e < WR_ERR__COUNT; e++) {
		const char *m = wr_strerror(e), *n = wr_err_name(e);

		assert_non_null(m);
		assert_ptr_not_equal(m, unknown);
		assert_true(strlen(m) > 5);
		/* A sentence: capital letter first, full stop last. */
		assert_true(m[0] >= 'A' && m[0] <= 'Z');
		assert_int_equal(m[strlen(m) - 1], '.');
		assert_non_null(n);
		assert_true(!strncmp(n, "WR_", 3));
		assert_string_not_equal(n, "WR_ERR_UNKNOWN");
		/* Messages and names are distinct from each other's. */
		for (int f = 0; f < e; f++) {
			assert_string_not_equal(m, wr_strerror(f));
			assert_string_not_equal(n, wr_err_name(f));
		}
	}
	assert_string_equal(wr_err_name(WR_ERR__COUNT), "WR_ERR_UNKNOWN");
	assert_non_null(wr_strerror(1000));
}

static void test_detail_set(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_detail_set(&d, WR_ERR_OPEN, ENOENT, "/dev/nothing"), WR_ERR_OPEN);
	assert_int_equal(d.sys_errno, ENOENT);
	assert_string_equal(d.subject, "/dev/nothing");
	assert_int_equal(wr_detail_setf(&d, WR_ERR_WIM, 0, "x.wim", "code %d", 42), WR_ERR_WIM);
	assert_string_equal(d.lib_msg, "code 42");
	assert_int_equal(wr_detail_set(NULL, WR_ERR_READ, EIO, "y"), WR_ERR_READ);
}

static void test_log_writes_timestamped_lines(void **state)
{
	(void)state;
	char path[] = "/tmp/wr-log-XXXXXX";
	int fd = mkstemp(path);
	char buf[4096] = "";
	struct wr_detail d = WR_DETAIL_INIT;
	FILE *f;
	size_t n;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(wr_log_open(path, &d), WR_OK);
	assert_string_equal(wr_log_path(), path);
	wr_log(WR_LOG_WARN, "hello %d", 7);
	wr_detail_set(&d, WR_ERR_BITLOCKER, 0, "/dev/sda3");
	wr_log_err("probe", WR_ERR_BITLOCKER, &d);
	wr_log_close();
	assert_null(wr_log_path());
	wr_log(WR_LOG_INFO, "dropped while closed");

	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(path);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "warning: hello 7\n"));
	assert_non_null(strstr(buf, "WR_ERR_BITLOCKER"));
	assert_non_null(strstr(buf, "'/dev/sda3'"));
	assert_null(strstr(buf, "dropped"));
	/* Lines start with an ISO 8601 UTC time stamp: 2026-11-25T20:51:19.123Z */
	assert_true(buf[4] == '-' && buf[10] == 'T' && buf[19] == '.' && buf[23] == 'Z');
}

static void test_log_open_fails_cleanly(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_log_open("/nonexistent-dir/x/y.log", &d), WR_ERR_OPEN);
	assert_int_equal(d.sys_errno, ENOENT);
	assert_null(wr_log_path());
}

static enum wr_prog_status abort_cb(enum wr_prog_msg msg, const union wr_prog_info *info,
				    void *ctx)
{
	(void)info;
	*(int *)ctx += 1;
	return msg == WR_PROG_NOTE ? WR_PROG_ABORT : WR_PROG_CONTINUE;
}

static void test_progress(void **state)
{
	(void)state;
	struct wr_prog_limiter l = { 0, false };
	union wr_prog_info info = { .amount = { 0, 1000 } };
	int calls = 0, due = 0;

	for (uint64_t i = 0; i <= 1000; i++)
		due += wr_prog_due(&l, i, 1000);
	assert_int_equal(due, 101);	/* 0, 10, 20, ... 1000 */
	assert_int_equal(wr_prog_report(abort_cb, &calls, WR_PROG_BYTES, &info), WR_OK);
	assert_int_equal(wr_prog_report(abort_cb, &calls, WR_PROG_NOTE, &info), WR_ERR_ABORTED);
	assert_int_equal(wr_prog_report(NULL, NULL, WR_PROG_NOTE, &info), WR_OK);
	assert_int_equal(calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_message_and_name),
		cmocka_unit_test(test_detail_set),
		cmocka_unit_test(test_log_writes_timestamped_lines),
		cmocka_unit_test(test_log_open_fails_cleanly),
		cmocka_unit_test(test_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
