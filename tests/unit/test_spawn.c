/*
 * test_spawn.c - helper programs run from an argv array: output captured, exit
 * status, environment additions, a missing program, a timeout.
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
#include <sys/stat.h>
#include <unistd.h>

#include "winrescue.h"

static void test_output_and_status(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "printf 'a b'; echo ' err' >&2; exit 3", NULL };
	struct wr_spawn_result r;

	assert_int_equal(wr_spawn(argv, NULL, &r, NULL), WR_OK);
	assert_int_equal(r.status, 3);
	assert_non_null(r.out);
	assert_non_null(strstr(r.out, "a b"));
	assert_non_null(strstr(r.out, "err"));
	wr_spawn_result_release(&r);
}

static void test_arguments_are_not_shell(void **state)
{
	(void)state;
	/* A file name with shell syntax reaches the program as one argument. */
	const char *argv[] = { "printf", "%s|", "$(touch /tmp/wr-spawn-pwned); x", NULL };
	struct wr_spawn_result r;

	assert_int_equal(wr_spawn(argv, NULL, &r, NULL), WR_OK);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "$(touch /tmp/wr-spawn-pwned); x|");
	assert_int_not_equal(access("/tmp/wr-spawn-pwned", F_OK), 0);
	wr_spawn_result_release(&r);
}

static void test_env_and_limit(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "printf %s \"$WR_TEST_VAR\"; head -c 100000 /dev/zero | tr '\\0' x", NULL };
	const char *env[] = { "WR_TEST_VAR=hello", NULL };
	struct wr_spawn_opts o = { env, 10, 0 };
	struct wr_spawn_result r;

	assert_int_equal(wr_spawn(argv, &o, &r, NULL), WR_OK);
	assert_int_equal(r.len, 10);
	assert_string_equal(r.out, "helloxxxxx");
	wr_spawn_result_release(&r);
}

static void test_missing_program_and_timeout(void **state)
{
	(void)state;
	const char *missing[] = { "winrescue-no-such-program", NULL };
	const char *slow[] = { "sleep", "30", NULL };
	struct wr_spawn_opts o = { NULL, 0, 1 };
	struct wr_spawn_result r;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_spawn(missing, NULL, &r, &d), WR_ERR_SPAWN);
	assert_string_equal(d.subject, "winrescue-no-such-program");
	assert_int_equal(d.sys_errno, ENOENT);
	assert_null(r.out);
	wr_spawn_result_release(&r);
	assert_int_equal(wr_spawn(slow, &o, &r, &d), WR_ERR_HELPER_FAILED);
	assert_true(r.timed_out);
	wr_spawn_result_release(&r);
}

/* A program that cannot be started is WR_ERR_SPAWN with the reason, whichever way the
 * C library reports a failed exec (glibc under valgrind only as exit status 127); a
 * program that runs and exits 127 itself is not confused with it. */
static void test_not_startable_vs_exit_127(void **state)
{
	(void)state;
	char dir[] = "/tmp/wr-spawn-XXXXXX", file[64], *const oldpath = getenv("PATH");
	char *saved = oldpath ? strdup(oldpath) : NULL;
	const char *by_path[] = { file, NULL };
	const char *by_name[] = { "plain-file", NULL };
	const char *dir_argv[] = { dir, NULL };
	const char *own127[] = { "sh", "-c", "exit 127", NULL };
	struct wr_spawn_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/plain-file", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	assert_int_equal(chmod(file, 0644), 0);

	/* Not executable: by path, and found by name in PATH. */
	assert_int_equal(wr_spawn(by_path, NULL, &r, &d), WR_ERR_SPAWN);
	assert_int_equal(d.sys_errno, EACCES);
	wr_spawn_result_release(&r);
	assert_int_equal(setenv("PATH", dir, 1), 0);
	assert_int_equal(wr_spawn(by_name, NULL, &r, &d), WR_ERR_SPAWN);
	assert_int_equal(d.sys_errno, EACCES);
	wr_spawn_result_release(&r);
	if (saved)
		assert_int_equal(setenv("PATH", saved, 1), 0);
	else
		assert_int_equal(unsetenv("PATH"), 0);
	free(saved);

	/* A directory is not a program. */
	assert_int_equal(wr_spawn(dir_argv, NULL, &r, &d), WR_ERR_SPAWN);
	wr_spawn_result_release(&r);

	/* Made executable, the same file runs. */
	assert_int_equal(chmod(file, 0755), 0);
	assert_int_equal(wr_spawn(by_path, NULL, &r, &d), WR_OK);
	assert_int_equal(r.status, 0);
	wr_spawn_result_release(&r);

	assert_int_equal(wr_spawn(own127, NULL, &r, &d), WR_OK);
	assert_int_equal(r.status, 127);
	wr_spawn_result_release(&r);

	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_and_status),
		cmocka_unit_test(test_arguments_are_not_shell),
		cmocka_unit_test(test_env_and_limit),
		cmocka_unit_test(test_missing_program_and_timeout),
		cmocka_unit_test(test_not_startable_vs_exit_127),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
