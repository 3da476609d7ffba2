/*
 * vjournal.c - an operation's journal kept on the NTFS volume it changes.
 *
 * One record per file in a folder of the volume (\$WinRescue\journal\000001,
 * 000002, ...), each a line of journal.c's format written whole with
 * wr_ntfs_write_file and flushed to the device before the step it announces
 * begins.  Creating a small new file is the one write libntfs-3g does that cannot
 * damage an earlier record; a torn one fails its checksum, and the last record's
 * file, when a kill cut its creation short, is removed on load (nothing it announced
 * had begun).  Refresh and reset keep their journals this way.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "winrescue.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void wr_vjournal_init(struct wr_vjournal *jr, struct wr_ntfs *vol, const char *dir)
{
	const char *s = getenv("WINRESCUE_FAULT_AFTER");

	memset(jr, 0, sizeof(*jr));
	jr->vol = vol;
	snprintf(jr->dir, sizeof(jr->dir), "%s", dir);
	jr->fault_after = s ? (unsigned)strtoul(s, NULL, 10) : 0;
}

void wr_vjournal_release(struct wr_vjournal *jr)
{
	wr_journal_release(&jr->j);
}

int wr_vjournal_load(struct wr_vjournal *jr, struct wr_detail *d)
{
	struct wr_journal *j = &jr->j;
	char **names = NULL, *all = NULL;
	size_t len = 0, nfiles;
	int ret;

	wr_journal_release(j);
	memset(j, 0, sizeof(*j));
	ret = wr_ntfs_list(jr->vol, jr->dir, &names, d);
	if (ret)
		return ret;
	/* Names are zero-padded numbers: sorting them sorts the records. */
	nfiles = wr_strv_len(names);
	qsort(names, nfiles, sizeof(*names), cmp_names);
	for (size_t i = 0; names[i] && !ret; i++) {
		char path[256];
		void *buf = NULL;
		size_t n = 0;
		char *na;

		snprintf(path, sizeof(path), "%s/%s", jr->dir, names[i]);
		ret = wr_ntfs_read_file(jr->vol, path, 64 * 1024, &buf, &n, d);
		if (ret && !names[i + 1]) {
			/* The last record's file was being created when the process died
			 * (its append never returned, so nothing it announced began): a
			 * stray entry or a half-written file.  Remove it, so the record
			 * can be written again. */
			bool dropped = false;

			wr_log(WR_LOG_WARN, "journal: the last record '%s' is unreadable; "
			       "removing it", path);
			if (wr_ntfs_drop_stray_entry(jr->vol, path, &dropped, NULL) == WR_OK &&
			    !dropped)
				wr_ntfs_unlink(jr->vol, path, NULL);
			ret = WR_OK;
			nfiles--;
			break;
		}
		if (ret)
			break;
		na = realloc(all, len + n + 1);
		if (!na) {
			free(buf);
			ret = WR_ERR_NOMEM;
			break;
		}
		all = na;
		memcpy(all + len, buf, n);
		len += n;
		free(buf);
	}
	wr_ntfs_list_free(names);
	if (!ret)
		ret = wr_journal_parse(all ? all : "", len, j, d);
	free(all);
	/* Only the last record can be torn (the process died while writing it): a damaged
	 * record with good ones after it means the journal cannot be trusted at all. */
	if (!ret && j->n + 1 < nfiles) {
		wr_journal_release(j);
		ret = wr_detail_setf(d, WR_ERR_JOURNAL, 0, jr->dir,
				     "%zu journal files but only %zu good records", nfiles, j->n);
	}
	return ret;
}

int wr_vjournal_append(struct wr_vjournal *jr, const char *kind, const char *f0,
		       const char *f1, struct wr_detail *d)
{
	const char *fields[3] = { f0, f0 ? f1 : NULL, NULL };
	char *line = NULL, path[256];
	size_t len;
	int ret;

	ret = wr_journal_format((unsigned)jr->j.n + 1, kind, fields, &line, &len, d);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%06zu", jr->dir, jr->j.n + 1);
	ret = wr_ntfs_write_file(jr->vol, path, line, len, d);
	free(line);
	/* On the disk before the step it announces begins (a power cut, not only a
	 * killed process). */
	if (!ret)
		ret = wr_ntfs_sync(jr->vol, d);
	if (ret)
		return ret;
	ret = wr_journal_push(&jr->j, kind, fields);
	if (ret)
		return ret;
	wr_log(WR_LOG_INFO, "journal %zu: %s %s %s", jr->j.n, kind, f0 ? f0 : "",
	       f0 && f1 ? f1 : "");
	if (jr->fault_after && ++jr->appended >= jr->fault_after) {
		/* Test switch (WINRESCUE_FAULT_AFTER): die here, as a power cut would. */
		wr_log(WR_LOG_WARN, "fault injection: killed after journal record %zu", jr->j.n);
		raise(SIGKILL);
	}
	return WR_OK;
}

bool wr_vjournal_ended(const struct wr_vjournal *jr, const char *step, const char *arg)
{
	return wr_journal_find(&jr->j, "end", step, arg) != NULL;
}

#define LOGS_DIR "/$WinRescue/logs"

static int ensure_logs_dir(struct wr_ntfs *vol, struct wr_detail *d)
{
	struct wr_ntfs_stat st;

	if (wr_ntfs_stat(vol, LOGS_DIR, &st, NULL) == WR_OK)
		return st.is_dir ? WR_OK : wr_detail_set(d, WR_ERR_EXISTS, 0, LOGS_DIR);
	return wr_ntfs_mkdir(vol, LOGS_DIR, d);
}

int wr_vjournal_archive(struct wr_ntfs *vol, const char *dir, const char *prefix,
			struct wr_detail *d)
{
	char to[128], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(to, sizeof(to), "%s/%.40s-%s", LOGS_DIR, prefix, stamp);
	ret = ensure_logs_dir(vol, d);
	for (unsigned n = 1; !ret && n < 100; n++) {
		struct wr_ntfs_stat st;

		if (wr_ntfs_stat(vol, to, &st, NULL) != WR_OK)
			break;
		snprintf(to + strlen(to) - (n > 1 ? 3 : 0), 4, "-%02u", n);
	}
	return ret ? ret : wr_ntfs_move(vol, dir, to, d);
}

void wr_vjournal_copy_log(struct wr_ntfs *vol)
{
	const char *host = wr_log_path();
	char to[128], *buf = NULL;
	time_t now = time(NULL);
	struct tm tm;
	long len;
	FILE *f;

	if (!host || !(f = fopen(host, "rb")))
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && len < 64L * 1024 * 1024 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len)) &&
	    fread(buf, 1, (size_t)len, f) == (size_t)len) {
		gmtime_r(&now, &tm);
		strftime(to, sizeof(to), LOGS_DIR "/winrescue-%Y%m%d-%H%M%S.log", &tm);
		if (ensure_logs_dir(vol, NULL) == WR_OK)
			wr_ntfs_write_file(vol, to, buf, (size_t)len, NULL);
	}
	free(buf);
	fclose(f);
}
