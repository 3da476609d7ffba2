/*
 * smart.c - disk health from smartmontools' JSON output.
 *
 * smartctl (smartmontools) is the well-kept tool that speaks ATA, SAT, NVMe and the
 * USB bridges' pass-through dialects; we run it with an argv array and read its
 * `--json=c -a` output with json-c.  Parsing is split from running so the parser can
 * be unit-tested on real smartctl outputs and fuzzed.
 *
 * A disk without SMART (an image file, a loop device, a USB bridge that does not pass
 * SMART through, smartctl not installed) is a state, not an error: the caller says
 * "health data is not available for this disk" and goes on.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#include <json-c/json.h>

#include "winrescue.h"

#define SMART_MAX_OUTPUT (8u << 20)	/* smartctl -a prints a few KiB; refuse floods */
#define SMART_TIMEOUT_MS 60000		/* a sick disk can take long per command */

/* smartctl exit status bits (smartctl(8), "RETURN VALUES"). */
#define SMARTCTL_BIT_OPEN (1 << 1)	/* device open failed / no IDENTIFY answer */
#define SMARTCTL_BIT_CMD_FAILED (1 << 2)	/* a SMART or ATA command failed */

extern char **environ;

const char *wr_smart_state_name(enum wr_smart_state s)
{
	switch (s) {
	case WR_SMART_AVAILABLE:
		return "available";
	case WR_SMART_UNAVAILABLE:
		return "unavailable";
	case WR_SMART_NO_TOOL:
		return "no-tool";
	}
	return "unknown";
}

static void smart_init(struct wr_smart *s)
{
	memset(s, 0, sizeof(*s));
	s->reallocated = -1;
	s->pending = -1;
	s->offline_uncorrectable = -1;
	s->reported_uncorrectable = -1;
	s->power_on_hours = -1;
	s->temperature = -1;
	s->nvme_critical_warning = -1;
	s->nvme_media_errors = -1;
	s->nvme_percentage_used = -1;
	s->nvme_available_spare = -1;
	s->nvme_available_spare_threshold = -1;
}

/* ---- small typed getters: absent or wrongly typed members read as "unknown" ---- */

static struct json_object *get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!obj || !json_object_is_type(obj, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

static struct json_object *get_type(struct json_object *obj, const char *key,
				    enum json_type type)
{
	struct json_object *v = get(obj, key);

	return v && json_object_is_type(v, type) ? v : NULL;
}

/* An integer member, or -1.  Negative numbers are not counters: also -1. */
static int64_t get_count(struct json_object *obj, const char *key)
{
	struct json_object *v = get_type(obj, key, json_type_int);
	int64_t n;

	if (!v)
		return -1;
	n = json_object_get_int64(v);
	return n < 0 ? -1 : n;
}

static void get_string(struct json_object *obj, const char *key, char *buf, size_t size)
{
	struct json_object *v = get_type(obj, key, json_type_string);

	snprintf(buf, size, "%s", v ? json_object_get_string(v) : "");
}

/* smartctl's "messages": [{"string": ..., "severity": ...}], joined with "; ". */
static void get_messages(struct json_object *smartctl, char *buf, size_t size)
{
	struct json_object *msgs = get_type(smartctl, "messages", json_type_array);
	size_t n = msgs ? json_object_array_length(msgs) : 0, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < size; i++) {
		struct json_object *m = json_object_array_get_idx(msgs, i);
		struct json_object *str = get_type(m, "string", json_type_string);
		int w;

		if (!str)
			continue;
		w = snprintf(buf + used, size - used, "%s%s", used ? "; " : "",
			     json_object_get_string(str));
		if (w < 0)
			break;
		used += (size_t)w < size - used ? (size_t)w : size - used - 1;
	}
}

/* The raw count of an ATA attribute.  smartctl's raw.string holds its decoded value
 * ("1975", "180 (Average 187)"); raw.value is the 48-bit field, which some vendors
 * pack with other numbers.  Prefer the decoded leading number. */
static int64_t attr_raw(struct json_object *attr)
{
	struct json_object *raw = get_type(attr, "raw", json_type_object);
	struct json_object *str = get_type(raw, "string", json_type_string);

	if (str) {
		const char *s = json_object_get_string(str);
		char *end;
		long long n;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (end != s && !errno && n >= 0)
			return n;
	}
	return get_count(raw, "value");
}

static void parse_ata_attributes(struct json_object *root, struct wr_smart *out)
{
	struct json_object *table =
		get_type(get_type(root, "ata_smart_attributes", json_type_object), "table",
			 json_type_array);
	size_t n = table ? json_object_array_length(table) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(table, i);
		char when[16];

		get_string(a, "when_failed", when, sizeof(when));
		if (!strcmp(when, "now"))
			out->failing_now++;
		else if (!strcmp(when, "past"))
			out->failed_past++;
		switch (get_count(a, "id")) {
		case 5:
			out->reallocated = attr_raw(a);
			break;
		case 9:
			if (out->power_on_hours < 0)
				out->power_on_hours = attr_raw(a);
			break;
		case 187:
			out->reported_uncorrectable = attr_raw(a);
			break;
		case 194:
			if (out->temperature < 0)
				out->temperature = attr_raw(a);
			break;
		case 197:
			out->pending = attr_raw(a);
			break;
		case 198:
			out->offline_uncorrectable = attr_raw(a);
			break;
		default:
			break;
		}
	}
}

static void parse_nvme_log(struct json_object *log, struct wr_smart *out)
{
	int64_t v;

	out->is_nvme = true;
	out->nvme_critical_warning = get_count(log, "critical_warning");
	out->nvme_media_errors = get_count(log, "media_errors");
	out->nvme_percentage_used = get_count(log, "percentage_used");
	out->nvme_available_spare = get_count(log, "available_spare");
	out->nvme_available_spare_threshold = get_count(log, "available_spare_threshold");
	if ((v = get_count(log, "power_on_hours")) >= 0 && out->power_on_hours < 0)
		out->power_on_hours = v;
	if ((v = get_count(log, "temperature")) >= 0 && out->temperature < 0)
		out->temperature = v;
}

/* Fill out from a parsed document; returns WR_OK or an error code. */
static int parse_doc(struct json_object *root, struct wr_smart *out, struct wr_detail *d)
{
	struct json_object *smartctl, *status, *nvme_log, *support, *v;
	bool has_data;
	char msgs[sizeof(out->reason)];

	if (!json_object_is_type(root, json_type_object))
		return wr_detail_setf(d, WR_ERR_BAD_OUTPUT, 0, "smartctl",
				      "the JSON document is not an object");
	smartctl = get_type(root, "smartctl", json_type_object);
	if (!smartctl)
		return wr_detail_setf(d, WR_ERR_BAD_OUTPUT, 0, "smartctl",
				      "no \"smartctl\" object: not smartctl JSON output");

	v = get_type(smartctl, "exit_status", json_type_int);
	out->exit_status = v ? (int)(json_object_get_int64(v) & 0xff) : 0;
	get_messages(smartctl, msgs, sizeof(msgs));
	/* Bit 0 ("command line did not parse") is also what smartctl sets when it cannot
	 * tell the device type (image files, unknown USB bridges): with no device data
	 * that is "no SMART here", decided below like any other empty answer. */

	v = get_type(root, "device", json_type_object);
	get_string(v, "protocol", out->protocol, sizeof(out->protocol));
	get_string(v, "type", out->device_type, sizeof(out->device_type));
	get_string(root, "model_name", out->model, sizeof(out->model));
	get_string(root, "serial_number", out->serial, sizeof(out->serial));
	get_string(root, "firmware_version", out->firmware, sizeof(out->firmware));
	{
		int64_t bytes = get_count(get_type(root, "user_capacity", json_type_object),
					  "bytes");

		if (bytes < 0)
			bytes = get_count(root, "nvme_total_capacity");
		out->capacity = bytes > 0 ? (uint64_t)bytes : 0;
	}

	status = get_type(root, "smart_status", json_type_object);
	if ((v = get_type(status, "passed", json_type_boolean))) {
		out->verdict_known = true;
		out->passed = json_object_get_boolean(v);
	}
	parse_ata_attributes(root, out);
	nvme_log = get_type(root, "nvme_smart_health_information_log", json_type_object);
	if (nvme_log)
		parse_nvme_log(nvme_log, out);
	/* The top-level summaries are smartctl's own decoding: they win. */
	if ((v = get_type(root, "power_on_time", json_type_object)) &&
	    get_count(v, "hours") >= 0)
		out->power_on_hours = get_count(v, "hours");
	if ((v = get_type(root, "temperature", json_type_object)) &&
	    get_count(v, "current") >= 0)
		out->temperature = get_count(v, "current");
	if (!strcmp(out->protocol, "NVMe"))
		out->is_nvme = true;

	has_data = out->verdict_known || nvme_log ||
		   get_type(root, "ata_smart_attributes", json_type_object);
	support = get_type(root, "smart_support", json_type_object);
	if ((v = get_type(support, "available", json_type_boolean)) &&
	    !json_object_get_boolean(v)) {
		out->state = WR_SMART_UNAVAILABLE;
		snprintf(out->reason, sizeof(out->reason), "%s",
			 "the device does not support SMART");
	} else if ((v = get_type(support, "enabled", json_type_boolean)) &&
		   !json_object_get_boolean(v) && !has_data) {
		out->state = WR_SMART_UNAVAILABLE;
		snprintf(out->reason, sizeof(out->reason), "%s", "SMART is disabled on the device");
	} else if (!has_data) {
		out->state = WR_SMART_UNAVAILABLE;
		if (msgs[0])
			snprintf(out->reason, sizeof(out->reason), "%s", msgs);
		else if (out->exit_status & (SMARTCTL_BIT_OPEN | SMARTCTL_BIT_CMD_FAILED))
			snprintf(out->reason, sizeof(out->reason),
				 "smartctl could not read health data (exit status %d)",
				 out->exit_status);
		else
			snprintf(out->reason, sizeof(out->reason), "%s",
				 "smartctl reported no health data");
	} else {
		out->state = WR_SMART_AVAILABLE;
	}
	return WR_OK;
}

int wr_smart_parse(const char *json, size_t len, struct wr_smart *out, struct wr_detail *d)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t end;
	int ret;

	if (!out || (!json && len))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "smartctl");
	smart_init(out);
	if (len == 0)
		return wr_detail_setf(d, WR_ERR_BAD_OUTPUT, 0, "smartctl", "empty output");
	if (len > SMART_MAX_OUTPUT || len > INT32_MAX)
		return wr_detail_setf(d, WR_ERR_BAD_OUTPUT, 0, "smartctl",
				      "output too large (%zu bytes)", len);
	tok = json_tokener_new();	/* default depth limit (32) bounds recursion */
	if (!tok)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "smartctl");
	root = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!root || jerr != json_tokener_success) {
		ret = wr_detail_setf(d, WR_ERR_BAD_OUTPUT, 0, "smartctl",
				     "not valid JSON at byte %zu: %s", end,
				     jerr == json_tokener_continue ? "unexpected end of input"
								   : json_tokener_error_desc(jerr));
		goto out;
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", json[end]) || !json[end]) {
			ret = wr_detail_setf(d, WR_ERR_BAD_OUTPUT, 0, "smartctl",
					     "unexpected data after the JSON document at byte %zu",
					     end);
			goto out;
		}
	}
	ret = parse_doc(root, out, d);
out:
	json_object_put(root);
	json_tokener_free(tok);
	if (ret) {
		enum wr_smart_state keep = out->state;

		smart_init(out);
		out->state = keep;
	}
	return ret;
}

/* ---- running smartctl -------------------------------------------------------- */

/* The smartctl to run: $WINRESCUE_SMARTCTL, else the first in PATH, /usr/sbin, /sbin
 * (live systems often leave sbin out of a user's PATH). */
static bool find_smartctl(char *buf, size_t size)
{
	const char *env = getenv("WINRESCUE_SMARTCTL");
	const char *path = getenv("PATH");
	char dirs[8192];
	char *save = NULL;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return access(buf, X_OK) == 0;
	}
	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
	for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (!*dir)
			continue;
		snprintf(buf, size, "%s/smartctl", dir);
		if (access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Log what smartctl wrote on stderr, line by line. */
static void log_stderr(char *buf, size_t len)
{
	char *line = buf, *nl;

	buf[len] = '\0';
	while (*line) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line)
			wr_log(WR_LOG_WARN, "smartctl: %s", line);
		if (!nl)
			break;
		line = nl + 1;
	}
}

/* Run argv, collect stdout (at most SMART_MAX_OUTPUT) into out and out_len; stderr goes
 * to the log.  *status is waitpid's status.  ENOENT from the spawn means no program. */
static int run_capture(char *const argv[], char **out, size_t *out_len, int *status,
		       struct wr_detail *d)
{
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	bool fa_init = false;
	pid_t pid = -1;
	char *buf = NULL, errbuf[4096];
	size_t len = 0, cap = 0, errlen = 0;
	int64_t deadline = now_ms() + SMART_TIMEOUT_MS;
	bool out_open = true, err_open = true, timed_out = false, too_big = false;
	int ret = WR_OK, e;

	if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC)) {
		ret = wr_detail_set(d, WR_ERR_SPAWN, errno, argv[0]);
		goto out;
	}
	if ((e = posix_spawn_file_actions_init(&fa))) {
		ret = wr_detail_set(d, WR_ERR_SPAWN, e, argv[0]);
		goto out;
	}
	fa_init = true;
	if ((e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) ||
	    (e = posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1)) ||
	    (e = posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2))) {
		ret = wr_detail_set(d, WR_ERR_SPAWN, e, argv[0]);
		goto out;
	}
	e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	if (e) {
		pid = -1;
		ret = wr_detail_set(d, WR_ERR_SPAWN, e, argv[0]);
		goto out;
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;

	while (out_open || err_open) {
		struct pollfd pfd[2] = { { out_pipe[0], POLLIN, 0 }, { err_pipe[0], POLLIN, 0 } };
		int64_t left = deadline - now_ms();
		int n;

		if (!out_open)
			pfd[0].fd = -1;
		if (!err_open)
			pfd[1].fd = -1;
		if (left <= 0) {
			timed_out = true;
			break;
		}
		n = poll(pfd, 2, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = wr_detail_set(d, WR_ERR_SPAWN, errno, argv[0]);
			break;
		}
		if (out_open && pfd[0].revents) {
			ssize_t r;

			if (cap - len < 65536) {
				char *nb;

				if (cap >= SMART_MAX_OUTPUT) {
					too_big = true;
					break;
				}
				nb = realloc(buf, cap + 65536 + 1);
				if (!nb) {
					ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, argv[0]);
					break;
				}
				buf = nb;
				cap += 65536;
			}
			r = read(out_pipe[0], buf + len, cap - len);
			if (r > 0)
				len += (size_t)r;
			else if (r == 0 || errno != EINTR)
				out_open = false;
		}
		if (err_open && pfd[1].revents) {
			ssize_t r = read(err_pipe[0], errbuf + errlen, sizeof(errbuf) - 1 - errlen);

			if (r > 0) {
				errlen += (size_t)r;
				if (errlen == sizeof(errbuf) - 1) {
					log_stderr(errbuf, errlen);
					errlen = 0;
				}
			} else if (r == 0 || errno != EINTR) {
				err_open = false;
			}
		}
	}
	if (errlen)
		log_stderr(errbuf, errlen);
	if (timed_out || too_big || ret) {
		kill(pid, SIGKILL);
		if (!ret)
			ret = wr_detail_setf(d, timed_out ? WR_ERR_HELPER_FAILED : WR_ERR_BAD_OUTPUT,
					     timed_out ? ETIMEDOUT : 0, argv[0], "%s",
					     timed_out ? "smartctl did not finish in time"
						       : "smartctl printed too much");
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
out:
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	if (ret) {
		free(buf);
		return ret;
	}
	if (!buf)
		buf = calloc(1, 1);
	if (!buf)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, argv[0]);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return WR_OK;
}

int wr_smart_read(const char *device, struct wr_smart *out, struct wr_detail *d)
{
	char prog[4096], dev[4096];
	char *argv[] = { prog, (char *)"--json=c", (char *)"-a", dev, NULL };
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int status = 0, ret;

	if (!device || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, device);
	smart_init(out);
	if (stat(device, &st))
		return wr_detail_set(d, WR_ERR_OPEN, errno, device);
	if (snprintf(dev, sizeof(dev), "%s", device) >= (int)sizeof(dev))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, ENAMETOOLONG, device);
	if (!find_smartctl(prog, sizeof(prog))) {
		out->state = WR_SMART_NO_TOOL;
		snprintf(out->reason, sizeof(out->reason), "%s",
			 "smartctl (smartmontools) is not installed");
		wr_log(WR_LOG_WARN, "smart: no smartctl found for '%s'", device);
		return WR_OK;
	}
	wr_log(WR_LOG_INFO, "smart: running %s --json=c -a '%s'", prog, device);
	ret = run_capture(argv, &text, &len, &status, d);
	if (ret == WR_ERR_SPAWN && d && d->sys_errno == ENOENT) {
		out->state = WR_SMART_NO_TOOL;
		snprintf(out->reason, sizeof(out->reason), "%s", "smartctl could not be run");
		return WR_OK;
	}
	if (ret)
		return ret;
	if (WIFSIGNALED(status)) {
		ret = wr_detail_setf(d, WR_ERR_HELPER_FAILED, 0, device,
				     "smartctl was killed by signal %d", WTERMSIG(status));
		goto out;
	}
	wr_log(WR_LOG_INFO, "smart: smartctl exit status %d, %zu bytes of JSON",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1, len);
	ret = wr_smart_parse(text, len, out, d);
	if (ret) {
		if (d)
			snprintf(d->subject, sizeof(d->subject), "%s", device);
		goto out;
	}
	/* The process's exit status is the authority when the JSON omits it. */
	if (WIFEXITED(status) && !out->exit_status)
		out->exit_status = WEXITSTATUS(status);
	if (out->state == WR_SMART_UNAVAILABLE)
		wr_log(WR_LOG_INFO, "smart: no SMART data for '%s': %s", device, out->reason);
out:
	free(text);
	return ret;
}
