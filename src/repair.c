/*
 * repair.c - small repairs of a Windows volume's state: discard the hibernated
 * session, restore registry hives from config\RegBack, clear the dirty flag.
 *
 * Each checks first (read-only) and refuses with nothing written; each takes the
 * target's exclusive lock and refuses a mounted target.
 *
 * Discarding hibernation and clearing the dirty flag are one write each (one
 * ntfs_delete, one $Volume flags write): a kill leaves the old state or the new one
 * and running the repair again finishes it.
 *
 * Restoring the registry writes several things, so it is journaled like a refresh,
 * in its own place, \$WinRescue\repair-journal\ (one record per file, 000001, ...,
 * each fsync'd before the step it announces), so a refresh and a repair never take
 * each other's journal.  For each planned hive:
 *
 *   stage  NAME   RegBack's copy is written as config\NAME.winrescue-new (a new file:
 *                 a kill leaves at worst a half-written file under that temp name)
 *   staged NAME   ... and flushed to the device
 *   logs   NAME   NAME.LOG, .LOG1, .LOG2 are renamed NAME.LOG<suffix> ... (Windows
 *                 would replay them over the restored hive)
 *   swap   NAME   NAME is renamed NAME<suffix> (kept aside), then the temp file is
 *                 renamed NAME
 *   done   NAME
 *
 * then "end"; the records are copied into config\winrescue-regback-<date>.journal
 * beside the kept-aside hives (how to undo it by hand) and the journal folder is
 * removed.  Every step is idempotent and decides from what it finds on the volume
 * (two names of one file mean a rename was cut between its link and its unlink).
 *
 * An interrupted restore is FINISHED, never rolled back, by `winrescue resume` or by
 * running `repair registry` again: the person confirmed the restore because Windows
 * did not start with the current hives; rolling back would hand them the PC that did
 * not start, and the old hives are kept aside either way, so finishing loses nothing.
 *
 * What a kill can leave: each hive name holds the old hive or RegBack's copy, whole
 * (the copy is only ever renamed into place after it was written and flushed), and
 * every hive already moved aside is under its kept-aside name.  One window remains:
 * libntfs-3g has no rename that replaces an existing name, so between the old hive's
 * rename aside and the temp file's rename into place (two directory-index updates,
 * no data written) the name is absent; the "swap" record written before it makes
 * resume complete it, with both files present (kept-aside and temp).  Closing it would
 * need an index-entry exchange in ntfs.c.
 *
 * Test switches: WINRESCUE_FAULT_AFTER=N (SIGKILL after the N-th journal record, or
 * the N-th step of the one-write repairs); WINRESCUE_FAULT_IN_SWAP=NAME (SIGKILL
 * inside that hive's swap, between its two renames).
 */
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

#define CONFIG	  "Windows/System32/config"
#define HIVE_MAX  (1024u * 1024 * 1024)
#define STATE_DIR "/$WinRescue"
#define RJ_DIR	  STATE_DIR "/repair-journal"
#define RJ_OLD	  STATE_DIR "/repair-journal.done"	/* ended, being removed */
#define TMP_END	  ".winrescue-new"

static const char *const hive_names[WR_REPAIR_HIVES] = {"SYSTEM", "SOFTWARE", "SAM", "SECURITY",
							"DEFAULT"};

/* Test switch: WINRESCUE_FAULT_AFTER=N kills the process (SIGKILL, as a power cut
 * would stop it) after the N-th journal record, or for the one-write repairs after
 * the N-th step (1: volume opened read-write, 2: written, before it is closed). */
static unsigned fault_after(void)
{
	const char *s = getenv("WINRESCUE_FAULT_AFTER");

	return s ? (unsigned)strtoul(s, NULL, 10) : 0;
}

static void fault_point(unsigned *count, const char *what)
{
	unsigned n = fault_after();

	if (n && ++*count >= n) {
		wr_log(WR_LOG_WARN, "fault injection: killed after %s", what);
		raise(SIGKILL);
	}
}

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
	unsigned steps = 0;
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
	fault_point(&steps, "opening the volume read-write");
	wr_log(WR_LOG_INFO, "repair: deleting hiberfil.sys on '%s' (the person agreed)", ext->path);
	err = wr_ntfs_unlink(vol, "hiberfil.sys", d);
	if (!err)
		err = wr_ntfs_sync(vol, d);
	if (!err)
		fault_point(&steps, "deleting hiberfil.sys");
	wr_ntfs_close(vol);
	wr_blockdev_unlock(lock);
	return err;
}

int wr_repair_clear_dirty(const struct wr_extent *ext, struct wr_detail *d)
{
	struct wr_blockdev_lock *lock = NULL;
	struct wr_volume_state st;
	struct wr_ntfs *vol = NULL;
	unsigned steps = 0;
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
	fault_point(&steps, "opening the volume read-write");
	wr_log(WR_LOG_INFO, "repair: clearing the dirty flag of '%s' (the person agreed)",
	       ext->path);
	err = wr_ntfs_clear_dirty(vol, d);
	if (!err)
		err = wr_ntfs_sync(vol, d);
	if (!err)
		fault_point(&steps, "clearing the dirty flag");
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

static bool exists(struct wr_ntfs *vol, const char *path, struct wr_ntfs_stat *st)
{
	struct wr_ntfs_stat tmp;

	return wr_ntfs_stat(vol, path, st ? st : &tmp, NULL) == WR_OK;
}

static void set_journal_name(struct wr_repair_registry_plan *p)
{
	snprintf(p->journal, sizeof(p->journal), CONFIG "/winrescue-regback%s.journal",
		 p->suffix + strlen(".winrescue"));
}

/* A suffix none of the planned hives' kept-aside names uses yet (two restores in
 * one second get "-01", "-02", ...). */
static void choose_suffix(struct wr_ntfs *vol, struct wr_repair_registry_plan *p)
{
	static const char *const exts[] = {"", ".LOG", ".LOG1", ".LOG2"};
	char base[28], path[256];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(base, sizeof(base), ".winrescue-%Y%m%d-%H%M%S", &tm);
	snprintf(p->suffix, sizeof(p->suffix), "%s", base);
	for (unsigned n = 1; n < 100; n++) {
		bool taken = false;

		for (int i = 0; i < WR_REPAIR_HIVES && !taken; i++)
			for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]) && !taken; k++) {
				snprintf(path, sizeof(path), CONFIG "/%s%s%s", hive_names[i],
					 exts[k], p->suffix);
				taken = exists(vol, path, NULL);
			}
		set_journal_name(p);
		if (!taken && !exists(vol, p->journal, NULL))
			return;
		snprintf(p->suffix, sizeof(p->suffix), "%s-%02u", base, n);
	}
}

int wr_repair_registry_plan(const struct wr_extent *ext, bool only_damaged,
			    struct wr_repair_registry_plan *p, struct wr_detail *d)
{
	struct wr_volume_state st;
	struct wr_ntfs *vol = NULL;
	char path[256];
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
	choose_suffix(vol, p);
	wr_ntfs_close(vol);
	if (!p->nrestore)
		return wr_detail_setf(d, WR_ERR_NOT_FOUND, 0, CONFIG "/RegBack",
				      "no hive has a usable RegBack copy%s",
				      only_damaged ? " and is damaged" : "");
	return WR_OK;
}

/* --- the repair journal ------------------------------------------------------ */

/* The journal is src/vjournal.c's (one file per record, each flushed before its
 * step), in its own folder.  A record already in the journal (a resumed step) is
 * not written again, so a resumed run's journal reads like an uninterrupted one's. */
static bool rj_has(const struct wr_vjournal *jr, const char *kind, const char *name)
{
	return wr_journal_find(&jr->j, kind, name, NULL) != NULL;
}

static int rj_append(struct wr_vjournal *jr, const char *kind, const char *f0, const char *f1,
		     struct wr_detail *d)
{
	if (f0 && !f1 && rj_has(jr, kind, f0))
		return WR_OK;
	return wr_vjournal_append(jr, kind, f0, f1, d);
}

/* Remove the journal folder, and \$WinRescue when nothing else is in it (a repair
 * should leave no trace outside what it names).  The folder is first renamed
 * repair-journal.done in one step: deleting its records one by one could leave a
 * journal with its first records gone, which no resume could trust; a kill while
 * the renamed folder is being deleted leaves only that, which wr_repair_resume (and
 * the next repair) sweeps away. */
static int rj_remove(struct wr_ntfs *vol, struct wr_detail *d)
{
	struct wr_ntfs_stat cur, old;
	char **names = NULL;
	bool have_cur = exists(vol, RJ_DIR, &cur), have_old = exists(vol, RJ_OLD, &old);
	int ret = WR_OK;

	if (have_cur && have_old && cur.mft_ref != old.mft_ref)
		ret = wr_ntfs_delete_tree(vol, RJ_OLD, d);	/* an older one's remains */
	if (!ret && have_cur)	/* also finishes a rename cut short (one folder, two names) */
		ret = wr_ntfs_move(vol, RJ_DIR, RJ_OLD, d);
	if (!ret)
		ret = wr_ntfs_sync(vol, d);
	if (!ret)
		ret = wr_ntfs_delete_tree(vol, RJ_OLD, d);
	if (ret == WR_ERR_NOT_FOUND)
		ret = WR_OK;
	if (!ret && wr_ntfs_list(vol, STATE_DIR, &names, NULL) == WR_OK) {
		if (!names[0])
			ret = wr_ntfs_unlink(vol, STATE_DIR, d);
		wr_ntfs_list_free(names);
	}
	if (!ret)
		ret = wr_ntfs_sync(vol, d);
	return ret;
}

/* The finished journal goes beside the kept-aside hives, as one file. */
static int rj_archive(struct wr_vjournal *jr, const struct wr_repair_registry_plan *p,
		      struct wr_detail *d)
{
	char *all = NULL;
	size_t len = 0;
	int ret = WR_OK;

	for (size_t i = 0; !ret && i < jr->j.n; i++) {
		const struct wr_journal_record *r = &jr->j.v[i];
		const char *fields[3] = {NULL, NULL, NULL};
		char *line = NULL, *na;
		size_t n = 0;

		for (size_t k = 0; k < r->nfields && k < 2; k++)
			fields[k] = r->fields[k];
		ret = wr_journal_format(r->seq, r->kind, fields, &line, &n, d);
		if (ret)
			break;
		na = realloc(all, len + n);
		if (!na) {
			free(line);
			ret = wr_detail_set(d, WR_ERR_NOMEM, 0, p->journal);
			break;
		}
		all = na;
		memcpy(all + len, line, n);
		len += n;
		free(line);
	}
	if (!ret)
		ret = wr_ntfs_write_file(jr->vol, p->journal, all ? all : "", len, d);
	free(all);
	if (!ret)
		ret = wr_ntfs_sync(jr->vol, d);
	if (!ret)
		ret = rj_remove(jr->vol, d);
	return ret;
}

/* --- the idempotent steps ----------------------------------------------------- */

/* Is path there?  A folder entry a killed create or link left stray (pointing at a
 * record never written, or at a file without that name) is removed first: trusting
 * it would take a file for linked under two names and delete its only real name. */
static int present(struct wr_ntfs *vol, const char *path, struct wr_ntfs_stat *st, bool *there,
		   struct wr_detail *d)
{
	bool dropped = false;
	int ret = wr_ntfs_drop_stray_entry(vol, path, &dropped, d);

	if (ret && ret != WR_ERR_NOT_FOUND)
		return ret;
	if (dropped)
		wr_log(WR_LOG_WARN, "repair: removed the stray folder entry '%s'", path);
	*there = exists(vol, path, st);
	return WR_OK;
}

/* Rename from -> to, idempotently: done when only to is there; both names on one
 * file (cut between the link and the unlink) are finished by wr_ntfs_move, which
 * checks the file really carries the new name.  Nothing to do when neither is. */
static int rename_aside(struct wr_ntfs *vol, const char *from, const char *to,
			struct wr_detail *d)
{
	struct wr_ntfs_stat f, t;
	bool have_from, have_to;
	int ret;

	ret = present(vol, to, &t, &have_to, d);
	if (!ret)
		ret = present(vol, from, &f, &have_from, d);
	if (ret || !have_from)
		return ret;
	if (have_to && t.mft_ref != f.mft_ref)
		return wr_detail_setf(d, WR_ERR_EXISTS, 0, to, "'%s' is another file", to);
	return wr_ntfs_move(vol, from, to, d);
}

/* RegBack's copy of name -> config\<name>.winrescue-new, flushed. */
static int stage(struct wr_ntfs *vol, const char *name, struct wr_detail *d)
{
	char rb[256], tmp[256];
	void *buf = NULL;
	size_t len = 0;
	int ret;

	snprintf(rb, sizeof(rb), CONFIG "/RegBack/%s", name);
	snprintf(tmp, sizeof(tmp), CONFIG "/%s" TMP_END, name);
	ret = wr_ntfs_read_file(vol, rb, HIVE_MAX, &buf, &len, d);
	if (!ret)
		ret = wr_ntfs_write_file(vol, tmp, buf, len, d);
	free(buf);
	if (!ret)
		ret = wr_ntfs_sync(vol, d);
	return ret;
}

/* The current hive aside, the staged copy into its place. */
static int swap(struct wr_ntfs *vol, const char *name, const char *suffix, struct wr_detail *d)
{
	char cur[256], tmp[256], aside[256];
	struct wr_ntfs_stat c, t;
	bool have_cur, have_tmp;
	int ret;

	snprintf(cur, sizeof(cur), CONFIG "/%s", name);
	snprintf(tmp, sizeof(tmp), CONFIG "/%s" TMP_END, name);
	snprintf(aside, sizeof(aside), CONFIG "/%s%s", name, suffix);
	ret = present(vol, tmp, &t, &have_tmp, d);
	if (!ret)
		ret = present(vol, cur, &c, &have_cur, d);
	if (ret)
		return ret;
	if (!have_tmp) {
		if (have_cur)
			return WR_OK;	/* the copy is in place already */
		/* Neither: cannot come from a kill (the temp name only goes away by
		 * becoming the hive's name); stage it again rather than leave no hive. */
		wr_log(WR_LOG_WARN, "repair: %s and its staged copy are both missing", cur);
		ret = stage(vol, name, d);
		if (ret)
			return ret;
		if (!exists(vol, tmp, &t))
			return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, tmp);
	}
	if (have_cur && c.mft_ref != t.mft_ref) {
		ret = rename_aside(vol, cur, aside, d);	/* the old hive, kept */
		if (ret)
			return ret;
		{
			/* Test switch: die between the two renames (the hive's name absent). */
			const char *f = getenv("WINRESCUE_FAULT_IN_SWAP");

			if (f && !strcmp(f, name)) {
				wr_log(WR_LOG_WARN, "fault injection: killed inside %s's swap", name);
				raise(SIGKILL);
			}
		}
	}
	/* Also finishes a rename cut between its link and its unlink. */
	ret = wr_ntfs_move(vol, tmp, cur, d);
	if (!ret)
		ret = wr_ntfs_sync(vol, d);
	return ret;
}

static int restore_hive(struct wr_vjournal *jr, const struct wr_repair_registry_plan *p,
			const char *name, struct wr_detail *d)
{
	static const char *const logs[] = {".LOG", ".LOG1", ".LOG2"};
	int ret = WR_OK;

	if (rj_has(jr, "done", name))
		return WR_OK;
	if (!rj_has(jr, "staged", name)) {
		ret = rj_append(jr, "stage", name, NULL, d);
		if (!ret)
			ret = stage(jr->vol, name, d);
		if (!ret)
			ret = rj_append(jr, "staged", name, NULL, d);
	}
	if (!ret)
		ret = rj_append(jr, "logs", name, NULL, d);
	/* The old logs go aside too: Windows would replay them over the copy. */
	for (size_t k = 0; !ret && k < sizeof(logs) / sizeof(logs[0]); k++) {
		char from[256], to[256];

		snprintf(from, sizeof(from), CONFIG "/%s%s", name, logs[k]);
		snprintf(to, sizeof(to), CONFIG "/%s%s%s", name, logs[k], p->suffix);
		ret = rename_aside(jr->vol, from, to, d);
	}
	if (!ret)
		ret = wr_ntfs_sync(jr->vol, d);
	if (!ret)
		ret = rj_append(jr, "swap", name, NULL, d);
	if (!ret)
		ret = swap(jr->vol, name, p->suffix, d);
	if (!ret)
		ret = rj_append(jr, "done", name, NULL, d);
	wr_log(ret ? WR_LOG_ERROR : WR_LOG_INFO, "repair: hive %s %s", name,
	       ret ? "not restored" : "restored from RegBack");
	return ret;
}

static int registry_steps(struct wr_vjournal *jr, const struct wr_repair_registry_plan *p,
			  struct wr_detail *d)
{
	int ret = WR_OK;

	for (int i = 0; !ret && i < WR_REPAIR_HIVES; i++)
		if (p->hives[i].restore)
			ret = restore_hive(jr, p, p->hives[i].name, d);
	if (!ret)
		ret = rj_append(jr, "end", "registry", NULL, d);
	if (!ret)
		ret = rj_archive(jr, p, d);
	return ret;
}

static int ensure_dir(struct wr_ntfs *vol, const char *path, struct wr_detail *d)
{
	struct wr_ntfs_stat st;

	if (exists(vol, path, &st))
		return st.is_dir ? WR_OK : wr_detail_set(d, WR_ERR_EXISTS, 0, path);
	return wr_ntfs_mkdir(vol, path, d);
}

int wr_repair_registry_run(const struct wr_extent *ext, struct wr_repair_registry_plan *p,
			   struct wr_detail *d)
{
	struct wr_blockdev_lock *lock = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_vjournal jr;
	int err;

	if (!ext || !p || !p->nrestore || strncmp(p->suffix, ".winrescue-", 11))
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "");
	err = open_rw(ext, 0, &lock, &vol, d);
	if (err)
		return err;
	wr_vjournal_init(&jr, vol, RJ_DIR);
	/* An unfinished refresh or repair is finished first (winrescue resume): never
	 * start a second operation over a half-done one. */
	if (wr_refresh_pending(jr.vol) || wr_repair_pending(jr.vol)) {
		err = wr_detail_set(d, WR_ERR_INTERRUPTED, 0, ext->path);
		goto out;
	}
	err = ensure_dir(jr.vol, STATE_DIR, d);
	if (!err)
		err = ensure_dir(jr.vol, RJ_DIR, d);
	/* The plan: what is restored and under which suffix the old hives stay. */
	if (!err)
		err = rj_append(&jr, "plan", "registry", p->suffix, d);
	for (int i = 0; !err && i < WR_REPAIR_HIVES; i++)
		if (p->hives[i].restore)
			err = rj_append(&jr, "hive", p->hives[i].name, NULL, d);
	if (!err)
		err = rj_append(&jr, "planned", "registry", NULL, d);
	if (!err)
		err = registry_steps(&jr, p, d);
out:
	wr_vjournal_release(&jr);
	wr_ntfs_close(vol);
	wr_blockdev_unlock(lock);
	return err;
}

/* ------------------------------------------------------------------------- */
/* resume                                                                     */

bool wr_repair_pending(struct wr_ntfs *vol)
{
	struct wr_ntfs_stat st;

	return vol && ((wr_ntfs_stat(vol, RJ_DIR, &st, NULL) == WR_OK && st.is_dir) ||
		       (wr_ntfs_stat(vol, RJ_OLD, &st, NULL) == WR_OK && st.is_dir));
}

int wr_repair_find(const struct wr_extent *ext, struct wr_detail *d)
{
	struct wr_ntfs *vol = NULL;
	int err;

	if (!ext)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "");
	err = wr_ntfs_open(ext, WR_NTFS_RDONLY, &vol, d);
	if (err)
		return err;
	if (!wr_repair_pending(vol))
		err = wr_detail_set(d, WR_ERR_NOT_FOUND, 0, RJ_DIR);
	wr_ntfs_close(vol);
	return err;
}

/* The plan back from the journal's plan and hive records; names are checked (they
 * become paths). */
static int plan_from_journal(const struct wr_journal *j, struct wr_repair_registry_plan *p,
			     struct wr_detail *d)
{
	const struct wr_journal_record *r = wr_journal_find(j, "plan", "registry", NULL);
	const char *s;

	memset(p, 0, sizeof(*p));
	if (!r || r->nfields < 2 || strncmp(r->fields[1], ".winrescue-", 11) ||
	    strlen(r->fields[1]) >= sizeof(p->suffix))
		return wr_detail_setf(d, WR_ERR_JOURNAL, 0, RJ_DIR, "no usable plan record");
	for (s = r->fields[1] + 11; *s; s++)
		if ((*s < '0' || *s > '9') && *s != '-')
			return wr_detail_setf(d, WR_ERR_JOURNAL, 0, RJ_DIR, "bad suffix");
	snprintf(p->suffix, sizeof(p->suffix), "%s", r->fields[1]);
	set_journal_name(p);
	for (int i = 0; i < WR_REPAIR_HIVES; i++) {
		struct wr_repair_hive *h = &p->hives[i];

		snprintf(h->name, sizeof(h->name), "%s", hive_names[i]);
		h->restore = wr_journal_find(j, "hive", hive_names[i], NULL) != NULL;
		h->regback_ok = h->restore;
		p->nrestore += h->restore;
	}
	for (size_t i = 0; i < j->n; i++) {
		const struct wr_journal_record *q = &j->v[i];
		bool known = !strcmp(q->kind, "plan") || !strcmp(q->kind, "planned") ||
			     !strcmp(q->kind, "end");

		for (int k = 0; !known && k < WR_REPAIR_HIVES; k++)
			known = q->nfields >= 1 && !strcmp(q->fields[0], hive_names[k]);
		if (!known)
			return wr_detail_setf(d, WR_ERR_JOURNAL, 0, RJ_DIR, "unknown record %zu",
					      i + 1);
	}
	if (!p->nrestore)
		return wr_detail_setf(d, WR_ERR_JOURNAL, 0, RJ_DIR, "the plan names no hive");
	return WR_OK;
}

int wr_repair_resume(const struct wr_extent *ext, struct wr_repair_registry_plan *p,
		     struct wr_detail *d)
{
	struct wr_blockdev_lock *lock = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_vjournal jr;
	int err;

	if (!ext || !p)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "");
	memset(p, 0, sizeof(*p));
	err = open_rw(ext, 0, &lock, &vol, d);
	if (err)
		return err;
	wr_vjournal_init(&jr, vol, RJ_DIR);
	if (!exists(vol, RJ_DIR, NULL) && exists(vol, RJ_OLD, NULL)) {
		/* The restore had ended; killed while its journal was being removed. */
		wr_log(WR_LOG_INFO, "repair: removing the journal of a finished restore");
		err = rj_remove(vol, d);
		goto out;
	}
	err = wr_vjournal_load(&jr, d);
	if (err == WR_ERR_NOT_FOUND) {
		err = wr_detail_set(d, WR_ERR_NOT_FOUND, 0, RJ_DIR);
		goto out;
	}
	if (err)
		goto out;
	if (jr.j.torn_tail)
		wr_log(WR_LOG_WARN, "repair journal: a torn last record was ignored");
	if (!wr_journal_find(&jr.j, "planned", "registry", NULL)) {
		/* Died while writing the plan: nothing was touched yet.  Remove the journal
		 * (only if it holds nothing but plan records) so the repair can start over. */
		for (size_t i = 0; i < jr.j.n; i++)
			if (strcmp(jr.j.v[i].kind, "plan") && strcmp(jr.j.v[i].kind, "hive")) {
				err = wr_detail_set(d, WR_ERR_JOURNAL, 0, RJ_DIR);
				goto out;
			}
		err = rj_remove(jr.vol, d);
		if (!err)
			err = wr_detail_set(d, WR_ERR_NOTHING_TO_RESUME, 0, ext->path);
		goto out;
	}
	err = plan_from_journal(&jr.j, p, d);
	if (err)
		goto out;
	wr_log(WR_LOG_INFO, "repair: finishing the registry restore %s (%zu hives)", p->suffix,
	       p->nrestore);
	if (wr_journal_find(&jr.j, "end", "registry", NULL))
		err = rj_archive(&jr, p, d);	/* only the archiving was left */
	else
		err = registry_steps(&jr, p, d);
out:
	wr_vjournal_release(&jr);
	wr_ntfs_close(vol);
	wr_blockdev_unlock(lock);
	return err;
}
