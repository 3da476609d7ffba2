/*
 * log.c - timestamped lines to one log file.
 *
 * Everything a helpdesk needs to reconstruct what happened goes here, in English:
 * foreign libraries' messages, paths, error codes.  The screen gets translated
 * sentences; the log gets the facts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

static FILE *log_file;
static char log_file_path[4096];

static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

int wr_log_open(const char *path, struct wr_detail *d)
{
	char def[4096];
	int fd;

	wr_log_close();
	if (!path) {
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		if (mkdir_p(WR_LOG_DEFAULT_DIR))
			return wr_detail_set(d, WR_ERR_OPEN, errno, WR_LOG_DEFAULT_DIR);
		snprintf(def, sizeof(def), "%s/winrescue-%s-%ld.log", WR_LOG_DEFAULT_DIR,
			 stamp, (long)getpid());
		path = def;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, path);
	log_file = fdopen(fd, "a");
	if (!log_file) {
		int e = errno;

		close(fd);
		return wr_detail_set(d, WR_ERR_OPEN, e, path);
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	snprintf(log_file_path, sizeof(log_file_path), "%s", path);
	wr_log(WR_LOG_INFO, "winrescue %s: log opened", WR_VERSION);
	return WR_OK;
}

void wr_log_close(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	log_file_path[0] = '\0';
}

const char *wr_log_path(void)
{
	return log_file ? log_file_path : NULL;
}

void wr_log(enum wr_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (!log_file)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(log_file, "%s.%03ldZ %s: ", stamp, ts.tv_nsec / 1000000L,
		names[level <= WR_LOG_ERROR ? level : WR_LOG_ERROR]);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
}

void wr_log_err(const char *what, int err, const struct wr_detail *d)
{
	const char *subject = d && d->subject[0] ? d->subject : "";
	const char *sys = d && d->sys_errno ? strerror(d->sys_errno) : "";

	wr_log(WR_LOG_ERROR, "%s: %s (%s)%s%s%s%s%s", what, wr_strerror(err), wr_err_name(err),
	       *subject ? " '" : "", subject, *subject ? "'" : "", *sys ? ": " : "", sys);
	if (d && d->lib_msg[0])
		wr_log(WR_LOG_ERROR, "%s: library says: %s", what, d->lib_msg);
}
