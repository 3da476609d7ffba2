/*
 * spawn.c - running a helper program: argv array only (never a shell), stdin from
 * /dev/null, stdout and stderr captured through a pipe, the output kept for the
 * caller and written to the log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

extern char **environ;

/* environ plus add[] ("NAME=value"; a name given there replaces the inherited one). */
static char **make_env(const char *const *add)
{
	size_t n = 0, na = 0, j = 0;
	char **env;

	while (environ[n])
		n++;
	while (add && add[na])
		na++;
	env = calloc(n + na + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;

		for (size_t k = 0; k < na; k++) {
			size_t len = strcspn(add[k], "=");

			if (!strncmp(environ[i], add[k], len) && environ[i][len] == '=')
				replaced = true;
		}
		if (!replaced)
			env[j++] = environ[i];
	}
	for (size_t k = 0; k < na; k++)
		env[j++] = (char *)add[k];
	return env;
}

/* 0 when path is an executable regular file, else the errno exec would give. */
static int runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return errno;
	if (!S_ISREG(st.st_mode) || access(path, X_OK))
		return EACCES;
	return 0;
}

/* Find argv[0] the way execvp() does (a name with a '/' as it is, else each PATH entry,
 * "/bin:/usr/bin" when PATH is unset): 0 when it names a program that can run, else
 * the errno to report (ENOENT, or EACCES when only non-executable files match).
 * posix_spawnp() alone is not enough: POSIX lets it report a failed exec only as the
 * child's exit status 127 (glibc does so when its vfork-style clone cannot share
 * memory, e.g. under valgrind), which a caller cannot tell from a helper's own 127. */
static int find_program(const char *name)
{
	const char *path = getenv("PATH"), *p;
	char full[4096];
	int err = ENOENT;

	if (!*name)
		return ENOENT;
	if (strchr(name, '/'))
		return runnable(name);
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p++) {
		size_t dlen = strcspn(p, ":");
		int n, e;

		/* An empty entry is the current directory. */
		n = snprintf(full, sizeof(full), "%.*s%s%s", (int)dlen, p, dlen ? "/" : "", name);
		if (n > 0 && (size_t)n < sizeof(full)) {
			e = runnable(full);
			if (!e)
				return 0;
			if (e == EACCES)
				err = EACCES;
		}
		p += dlen;
		if (!*p)
			break;
	}
	return err;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int wr_spawn(const char *const argv[], const struct wr_spawn_opts *o, struct wr_spawn_result *r,
	     struct wr_detail *d)
{
	static const struct wr_spawn_opts none = { NULL, 0, 0 };
	posix_spawn_file_actions_t fa;
	size_t cap = 0, keep;
	char **env;
	int pfd[2], st = 0, ret;
	double deadline;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (!o)
		o = &none;
	ret = find_program(argv[0]);
	if (ret)
		return wr_detail_setf(d, WR_ERR_SPAWN, ret, argv[0], "cannot run %s", argv[0]);
	keep = o->out_max ? o->out_max : 64 * 1024;
	if (pipe2(pfd, O_CLOEXEC))
		return wr_detail_set(d, WR_ERR_SPAWN, errno, argv[0]);
	env = make_env(o->env_add);
	if (!env) {
		close(pfd[0]);
		close(pfd[1]);
		return WR_ERR_NOMEM;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	close(pfd[1]);
	if (ret) {
		close(pfd[0]);
		return wr_detail_setf(d, WR_ERR_SPAWN, ret, argv[0], "cannot run %s", argv[0]);
	}
	deadline = o->timeout_s ? mono() + o->timeout_s : 0;
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		char buf[4096];
		ssize_t n;
		int wait_ms = deadline ? (int)((deadline - mono()) * 1000) : -1, pr;

		if (deadline && wait_ms <= 0) {
			kill(pid, SIGKILL);
			r->timed_out = true;
			break;
		}
		pr = poll(&p, 1, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			break;
		if (pr == 0)
			continue;	/* the deadline is checked above */
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (r->len < keep) {
			size_t take = (size_t)n < keep - r->len ? (size_t)n : keep - r->len;

			if (r->len + take + 1 > cap) {
				char *nb = realloc(r->out, r->len + take + 1 + 4096);

				if (!nb)
					continue;
				r->out = nb;
				cap = r->len + take + 1 + 4096;
			}
			memcpy(r->out + r->len, buf, take);
			r->len += take;
			r->out[r->len] = '\0';
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return wr_detail_set(d, WR_ERR_SPAWN, errno, argv[0]);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	wr_log(WR_LOG_INFO, "ran %s: status %d%s%s%.2000s", argv[0], r->status,
	       r->timed_out ? " (timed out)" : "", r->len ? ": " : "", r->out ? r->out : "");
	if (r->timed_out)
		return wr_detail_setf(d, WR_ERR_HELPER_FAILED, ETIMEDOUT, argv[0], "timed out");
	return WR_OK;
}

void wr_spawn_result_release(struct wr_spawn_result *r)
{
	free(r->out);
	memset(r, 0, sizeof(*r));
}
