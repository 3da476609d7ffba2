/*
 * repair.c - small repairs of a Windows volume's state: discard the hibernated
 * session, restore registry hives from config\RegBack, clear the dirty flag.
 *
 * Each checks first (read-only) and refuses with nothing written; each takes the
 * target's exclusive lock and refuses a mounted target.  The registry restore writes
 * several things, so it keeps a journal on the volume (one record per step, the whole
 * journal rewritten after each step) and sets the old hives aside instead of deleting
 * them, so it can be undone by renaming them back.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

#define CONFIG	 "Windows/System32/config"
#define HIVE_MAX (1024u * 1024 * 1024)

static const char *const hive_names[WR_REPAIR_HIVES] = {"SYSTEM", "SOFTWARE", "SAM", "SECURITY",
							"DEFAULT"};

/* Lock and open read-write, after the mount check. */
static int open_rw(const struct wr_extent *ext, unsigned flags, struct wr_blockdev_lock **lock,
		   struct wr_ntfs **vol, struct wr_detail *d)
{
	int err;

	*lock = NULL;
	*vol = NULL;
	err = wr_blockdev_check_unmounted(ext, d);
	if (!err)
		err = wr_blockdev_lock(ext, lock, d);
	if (!err)
		err = wr_ntfs_open(ext, WR_NTFS_RDWR | flags, vol, d);
	if (err) {
		wr_blockdev_unlock(*lock);
		*lock = NULL;
	}
	return err;
}

static int probe(const struct wr_extent *ext, struct wr_volume_state *st, struct wr_detail *d)
{
	int err = wr_ntfs_probe(ext, st, d);

	if (!err && st->bitlocker)
		return wr_detail_set(d, WR_ERR_BITLOCKER, 0, ext->path);
	return err;
}

int wr_repair_hibernation(const struct wr_extent *ext, struct wr_detail *d)
{
	struct wr_blockdev_lock *lock = NULL;
	struct wr_volume_state st;
	struct wr_ntfs *vol = NULL;
	int err;

	if (!ext)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "");
	err = probe(ext, &st, d);
	if (err)
		return err;
	if (st.fast_startup)
		/* libntfs-3g refuses any read-write mount of a $LogFile 2.0 volume, whatever
		 * the flags (LIBRARY-NOTES.md): only Windows can finish it. */
		return wr_detail_setf(d, WR_ERR_FAST_STARTUP, 0, ext->path,
				      "$LogFile version 2.0: libntfs-3g cannot write this volume");
	if (!st.hibernated)
		return wr_detail_setf(d, WR_ERR_NOT_FOUND, 0, "hiberfil.sys",
				      "the volume is not hibernated");
	err = open_rw(ext, WR_NTFS_IGNORE_HIBERFILE, &lock, &vol, d);
	if (err)
		return err;
	wr_log(WR_LOG_INFO, "repair: deleting hiberfil.sys on '%s' (the person agreed)", ext->path);
	err = wr_ntfs_unlink(vol, "hiberfil.sys", d);
	wr_ntfs_close(vol);
	wr_blockdev_unlock(lock);
	return err;
}

int wr_repair_clear_dirty(const struct wr_extent *ext, struct wr_detail *d)
{
	struct wr_blockdev_lock *lock = NULL;
	struct wr_volume_state st;
	struct wr_ntfs *vol = NULL;
	int err;

	if (!ext)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "");
	err = probe(ext, &st, d);
	if (err)
		return err;
	if (!st.dirty)
		return wr_detail_setf(d, WR_ERR_NOT_FOUND, 0, ext->path, "the volume is not dirty");
	err = open_rw(ext, 0, &lock, &vol, d);
	if (err)
		return err;
	wr_log(WR_LOG_INFO, "repair: clearing the dirty flag of '%s' (the person agreed)",
	       ext->path);
	err = wr_ntfs_clear_dirty(vol, d);
	wr_ntfs_close(vol);
	wr_blockdev_unlock(lock);
	return err;
}

/* ------------------------------------------------------------------------- */
/* registry                                                                   */

/* Does the hive at vpath parse?  Copied to a private file first (hivex opens files). */
static bool hive_parses(struct wr_ntfs *vol, const char *vpath, uint64_t *size)
{
	char tmpl[] = "/tmp/winrescue-hive-XXXXXX";
	struct wr_ntfs_stat st;
	struct wr_hive *h = NULL;
	bool ok = false;
	int fd;

	if (size)
		*size = 0;
	if (wr_ntfs_stat(vol, vpath, &st, NULL) || st.is_dir || !st.size)
		return false;
	if (size)
		*size = st.size;
	fd = mkstemp(tmpl);
	if (fd < 0)
		return false;
	close(fd);
	unlink(tmpl);
	if (!wr_ntfs_copy_out(vol, vpath, tmpl, NULL) && !wr_hive_open(tmpl, false, &h, NULL))
		ok = true;
	wr_hive_close(h);
	unlink(tmpl);
	return ok;
}

int wr_repair_registry_plan(const struct wr_extent *ext, bool only_damaged,
			    struct wr_repair_registry_plan *p, struct wr_detail *d)
{
	struct wr_volume_state st;
	struct wr_ntfs *vol = NULL;
	char path[256];
	time_t now = time(NULL);
	struct tm tm;
	int err;

	if (!ext || !p)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "");
	memset(p, 0, sizeof(*p));
	err = probe(ext, &st, d);
	if (err)
		return err;
	err = wr_ntfs_open(ext, WR_NTFS_RDONLY, &vol, d);
	if (err)
		return err;
	if (wr_ntfs_stat(vol, CONFIG, &(struct wr_ntfs_stat){0}, NULL)) {
		wr_ntfs_close(vol);
		return wr_detail_set(d, WR_ERR_NO_WINDOWS, 0, CONFIG);
	}
	for (int i = 0; i < WR_REPAIR_HIVES; i++) {
		struct wr_repair_hive *h = &p->hives[i];

		snprintf(h->name, sizeof(h->name), "%s", hive_names[i]);
		snprintf(path, sizeof(path), CONFIG "/%s", h->name);
		h->current_ok = hive_parses(vol, path, NULL);
		snprintf(path, sizeof(path), CONFIG "/RegBack/%s", h->name);
		h->regback_ok = hive_parses(vol, path, &h->regback_size);
		h->restore = h->regback_ok && (!only_damaged || !h->current_ok);
		p->nrestore += h->restore;
		wr_log(WR_LOG_INFO, "repair: hive %s %s, RegBack %s (%llu bytes)%s", h->name,
		       h->current_ok ? "parses" : "damaged or missing",
		       h->regback_ok ? "good" : "unusable", (unsigned long long)h->regback_size,
		       h->restore ? ": will be restored" : "");
	}
	wr_ntfs_close(vol);
	gmtime_r(&now, &tm);
	strftime(p->suffix, sizeof(p->suffix), ".winrescue-%Y%m%d-%H%M%S", &tm);
	snprintf(p->journal, sizeof(p->journal), CONFIG "/winrescue-regback%s.journal",
		 p->suffix + strlen(".winrescue"));
	if (!p->nrestore)
		return wr_detail_setf(d, WR_ERR_NOT_FOUND, 0, CONFIG "/RegBack",
				      "no hive has a usable RegBack copy%s",
				      only_damaged ? " and is damaged" : "");
	return WR_OK;
}

struct journal_buf {
	char *s;
	size_t len;
	unsigned seq;
};

static int journal_add(struct wr_ntfs *vol, const char *path, struct journal_buf *j,
		       const char *kind, const char *f0, const char *f1, struct wr_detail *d)
{
	const char *fields[3] = {f0, f1, NULL};
	char *line = NULL, *n;
	size_t len = 0;
	int err;

	if (!f0)
		fields[0] = NULL;
	err = wr_journal_format(++j->seq, kind, fields, &line, &len, d);
	if (err)
		return err;
	n = realloc(j->s, j->len + len);
	if (!n) {
		free(line);
		return wr_detail_set(d, WR_ERR_NOMEM, 0, path);
	}
	j->s = n;
	memcpy(j->s + j->len, line, len);
	j->len += len;
	free(line);
	return wr_ntfs_write_file(vol, path, j->s, j->len, d);
}

int wr_repair_registry_run(const struct wr_extent *ext, struct wr_repair_registry_plan *p,
			   struct wr_detail *d)
{
	static const char *const exts[] = {"", ".LOG", ".LOG1", ".LOG2"};
	struct wr_blockdev_lock *lock = NULL;
	struct journal_buf j = {NULL, 0, 0};
	struct wr_ntfs *vol = NULL;
	int err;

	if (!ext || !p || !p->nrestore)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "");
	err = open_rw(ext, 0, &lock, &vol, d);
	if (err)
		return err;
	err = journal_add(vol, p->journal, &j, "plan", "regback", p->suffix, d);
	for (int i = 0; !err && i < WR_REPAIR_HIVES; i++) {
		struct wr_repair_hive *h = &p->hives[i];
		char from[256], to[256], rb[256];
		void *buf = NULL;
		size_t len = 0;

		if (!h->restore)
			continue;
		snprintf(rb, sizeof(rb), CONFIG "/RegBack/%s", h->name);
		/* Read the copy before anything moves, so a failure leaves all in place. */
		err = wr_ntfs_read_file(vol, rb, HIVE_MAX, &buf, &len, d);
		if (err)
			break;
		/* The old logs go aside too: Windows would replay them over the copy. */
		for (size_t k = 0; !err && k < sizeof(exts) / sizeof(exts[0]); k++) {
			snprintf(from, sizeof(from), CONFIG "/%s%s", h->name, exts[k]);
			snprintf(to, sizeof(to), CONFIG "/%s%s%s", h->name, exts[k], p->suffix);
			if (wr_ntfs_stat(vol, from, &(struct wr_ntfs_stat){0}, NULL))
				continue;
			err = journal_add(vol, p->journal, &j, "move", from, to, d);
			if (!err)
				err = wr_ntfs_move(vol, from, to, d);
		}
		snprintf(to, sizeof(to), CONFIG "/%s", h->name);
		if (!err)
			err = journal_add(vol, p->journal, &j, "copy", rb, to, d);
		if (!err)
			err = wr_ntfs_write_file(vol, to, buf, len, d);
		if (!err)
			err = journal_add(vol, p->journal, &j, "done", h->name, NULL, d);
		free(buf);
		wr_log(err ? WR_LOG_ERROR : WR_LOG_INFO, "repair: hive %s %s", h->name,
		       err ? "not restored" : "restored from RegBack");
	}
	if (!err)
		err = journal_add(vol, p->journal, &j, "end", "ok", NULL, d);
	free(j.s);
	wr_ntfs_close(vol);
	wr_blockdev_unlock(lock);
	return err;
}
