/*
 * refresh.c - "Refresh your PC" (keep my files): the journaled, resumable sequence
 * Windows PE runs, done from Linux.
 *
 *   0 preflight   nothing written: state, source, space, plan
 *   1 move aside  system root entries -> \Windows.old (rename only: link + delete)
 *   2 apply       the new system, wimlib NTFS mode
 *   3 move back   profiles, Public (file by file), Store apps
 *   4 accounts    SAM + SECURITY carried, the boot key into the new SYSTEM,
 *                 ProfileList into the new SOFTWARE, answer file
 *   5 apps list   Removed Apps.html on each desktop
 *   6 finish      pristine hives removed, journal closed
 *
 * Invariant: user data never leaves the volume and is only renamed.  At every
 * instant each user file is reachable at exactly one of its old path, its
 * \Windows.old path, or its final path.
 *
 * The journal lives on the target in \$WinRescue\journal\, one record per file
 * (000001, 000002, ...), each a line of journal.c's format written whole with
 * wr_ntfs_write_file: creating a small new file is the one write libntfs-3g does
 * that cannot damage an earlier record, and a torn one fails its checksum.  Every
 * step is written "begin" before and "end" after, and every step is idempotent, so
 * resume simply runs the plan again, skipping steps that ended.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"
#include "intl.h"

#define JOURNAL_DIR WR_REFRESH_JOURNAL
#define STATE_DIR "/$WinRescue"
#define CONFIG "Windows/System32/config"

/* Root entries that belong to Windows (moved aside even when the image lacks them). */
static const char *const system_entries[] = {
	"Windows", "Program Files", "Program Files (x86)", "ProgramData", "Users",
	"Documents and Settings", "PerfLogs", "Recovery", "$Recycle.Bin",
	"System Volume Information", "Config.Msi", "MSOCache", "$WINDOWS.~BT",
	"$Windows.~WS", "Intel", "inetpub", NULL
};

/* Deleted, never moved: they only hold what the old session left in memory.  A
 * hiberfil.sys holding a hibernated session is only reached with the person's
 * consent (preflight refuses otherwise). */
static const char *const transient_files[] = {
	"pagefile.sys", "swapfile.sys", "hiberfil.sys", NULL
};

/* Root entries that never move: the boot files stay usable, our own state stays. */
static const char *const fixed_entries[] = {
	"$WinRescue", "bootmgr", "Boot", "BOOTNXT", "BOOTSECT.BAK", NULL
};

/* Profiles that come with the new system (never moved back over it). */
static const char *const image_profiles[] = {
	"Default", "Public", "All Users", "Default User", "desktop.ini", NULL
};

static bool in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcasecmp(list[i], name))
			return true;
	return false;
}

static bool is_old_dir_name(const char *name)
{
	return !strncasecmp(name, "Windows.old", 11) &&
	       (name[11] == '\0' || (name[11] == '.' && strlen(name) == 15));
}

/* ---------------------------------------------------------------------------- */
/* The journal on the target volume. */

struct jrnl {
	struct wr_vjournal v;		/* the records (vol, journal) */
	struct wr_blockdev_lock *lock;	/* our hold on the target, see do_boot */
};

static int jrnl_append(struct jrnl *jr, const char *kind, const char *f0, const char *f1,
		       struct wr_detail *d)
{
	return wr_vjournal_append(&jr->v, kind, f0, f1, d);
}

static bool jrnl_ended(const struct jrnl *jr, const char *step, const char *arg)
{
	return wr_vjournal_ended(&jr->v, step, arg);
}

/* ---------------------------------------------------------------------------- */
/* The plan: computed by preflight, written to the journal, read back on resume. */

static void plan_release_lists(struct wr_refresh_plan *p)
{
	wr_strv_free(p->move_aside);
	wr_strv_free(p->stay);
	wr_strv_free(p->delete_files);
	wr_strv_free(p->image_root);
	p->move_aside = p->stay = p->delete_files = p->image_root = NULL;
	p->nmove_aside = p->nstay = p->ndelete_files = p->nimage_root = 0;
}

void wr_refresh_plan_release(struct wr_refresh_plan *p)
{
	if (!p)
		return;
	plan_release_lists(p);
	wr_windows_free(p->windows);
	wr_app_list_release(&p->old_apps);
	wr_app_list_release(&p->removed_apps);
	wr_stage_close(p->stage);
	p->stage = NULL;
	p->windows = NULL;
}

static int plan_root(struct wr_ntfs *vol, struct wr_refresh_plan *p, struct wr_detail *d)
{
	char **root = NULL;
	int ret;

	ret = wr_ntfs_list(vol, "/", &root, d);
	if (ret)
		return ret;
	/* \Windows.old: the first free name of Windows.old, Windows.old.000, .001, ... */
	snprintf(p->old_dir, sizeof(p->old_dir), "Windows.old");
	p->rename_existing_old[0] = '\0';
	for (size_t i = 0; root[i] && !ret; i++) {
		const char *name = root[i];
		struct wr_ntfs_stat st;
		char path[600];

		snprintf(path, sizeof(path), "/%s", name);
		if (name[0] == '$' && strcasecmp(name, "$Recycle.Bin") &&
		    strcasecmp(name, "$WINDOWS.~BT") && strcasecmp(name, "$Windows.~WS")) {
			continue;	/* NTFS metafiles ($MFT, ...) and our own $WinRescue */
		}
		if (in_list(fixed_entries, name))
			continue;
		if (in_list(transient_files, name)) {
			ret = wr_strv_push(&p->delete_files, &p->ndelete_files, name);
			continue;
		}
		if (!strcasecmp(name, "Windows.old")) {
			/* An earlier Windows.old is kept under the first free numbered name. */
			for (unsigned n = 0; n < 1000; n++) {
				char cand[32];
				bool taken = false;

				snprintf(cand, sizeof(cand), "Windows.old.%03u", n);
				for (size_t k = 0; root[k]; k++)
					taken |= !strcasecmp(root[k], cand);
				if (!taken) {
					snprintf(p->rename_existing_old,
						 sizeof(p->rename_existing_old), "%s", cand);
					break;
				}
			}
			if (!p->rename_existing_old[0])
				ret = wr_detail_set(d, WR_ERR_EXISTS, 0, "/Windows.old");
			continue;
		}
		if (is_old_dir_name(name)) {
			ret = wr_strv_push(&p->stay, &p->nstay, name);
			continue;
		}
		if (in_list(system_entries, name) ||
		    in_list((const char *const *)p->image_root, name)) {
			if (wr_ntfs_stat(vol, path, &st, NULL) == WR_OK && st.is_reparse &&
			    !st.is_dir)
				wr_log(WR_LOG_INFO, "moving reparse point '%s' as a link", path);
			ret = wr_strv_push(&p->move_aside, &p->nmove_aside, name);
		} else {
			ret = wr_strv_push(&p->stay, &p->nstay, name);
		}
	}
	wr_strv_free(root);
	return ret;
}

/* Machine-wide desktop apps of a SOFTWARE hive copied out to host. */
static int machine_apps(const char *host, struct wr_app_list *list, struct wr_detail *d)
{
	static const char uninstall[] = "Microsoft\\Windows\\CurrentVersion\\Uninstall";
	static const char uninstall32[] =
		"Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
	struct wr_hive *h = NULL;
	int ret = wr_hive_open(host, false, &h, d);

	if (ret)
		return ret;
	ret = wr_apps_from_hive(h, uninstall, NULL, 64, list, d);
	if (ret == WR_ERR_NOT_FOUND)
		ret = WR_OK;
	if (!ret && wr_hive_key_exists(h, uninstall32)) {
		ret = wr_apps_from_hive(h, uninstall32, NULL, 32, list, d);
		if (ret == WR_ERR_NOT_FOUND)
			ret = WR_OK;
	}
	wr_hive_close(h);
	return ret;
}

/* The machine-wide apps the old system has and the image lacks: what Removed
 * Apps.html will list, known before anything is written. */
static int preview_removed_apps(struct wr_refresh_plan *p, struct wr_detail *d)
{
	struct wr_app_list old_machine = { 0, NULL }, new_apps = { 0, NULL };
	char dir[] = "/tmp/winrescue-image-XXXXXX", hive[64];
	int ret;

	if (!mkdtemp(dir))
		return wr_detail_set(d, WR_ERR_WRITE, errno, "/tmp");
	snprintf(hive, sizeof(hive), "%s/SOFTWARE", dir);
	ret = wr_wim_extract_file(p->source, p->index, "\\Windows\\System32\\config\\SOFTWARE",
				  dir, d);
	if (!ret)
		ret = machine_apps(hive, &new_apps, d);
	else if (ret == WR_ERR_NOT_FOUND)
		ret = WR_OK;	/* an image without a registry: every app is removed */
	unlink(hive);
	rmdir(dir);
	/* Per-user apps stay: their files and NTUSER.DAT come back with the profile.
	 * old_machine borrows the machine-wide entries of old_apps (not released). */
	old_machine.v = calloc(p->old_apps.n + 1, sizeof(*old_machine.v));
	if (!old_machine.v && !ret)
		ret = WR_ERR_NOMEM;
	for (size_t i = 0; !ret && i < p->old_apps.n; i++)
		if (!p->old_apps.v[i].user)
			old_machine.v[old_machine.n++] = p->old_apps.v[i];
	if (!ret)
		ret = wr_apps_removed(&old_machine, &new_apps, &p->removed_apps, d);
	free(old_machine.v);
	wr_app_list_release(&new_apps);
	return ret;
}

/* The image inside a partition becomes a host path through a read-only mount. */
static int stage_source(struct wr_refresh_plan *p, struct wr_detail *d)
{
	return wr_stage_open(p->source_disk, p->source_partition, p->source_inner, &p->stage,
			     p->source, sizeof(p->source), d);
}

static int choose_source(const struct wr_refresh_opts *o, struct wr_refresh_plan *p,
			 const struct wr_disk *disk, struct wr_detail *d)
{
	struct wr_source_choice c;
	int ret = wr_sources_choose(p->windows, disk, o->source, o->index, &c, d);

	if (ret)
		return ret;
	snprintf(p->source, sizeof(p->source), "%s", c.path);
	snprintf(p->source_disk, sizeof(p->source_disk), "%s", c.disk);
	p->source_partition = c.partition;
	snprintf(p->source_inner, sizeof(p->source_inner), "%s", c.inner);
	p->stage = c.stage;
	p->index = c.index;
	p->image = c.image;
	p->mismatch = c.mismatch;
	return WR_OK;
}

/* The source must not live on the volume it would replace. */
static int check_source_location(const struct wr_refresh_plan *p, struct wr_detail *d)
{
	struct stat src, tgt;

	if (p->source_partition)	/* inside another partition of the same disk */
		return p->source_partition == p->ext.partition &&
				       !strcmp(p->source_disk, p->ext.path)
			       ? wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, p->source_inner)
			       : WR_OK;
	if (stat(p->source, &src))
		return wr_detail_set(d, WR_ERR_OPEN, errno, p->source);
	if (stat(p->ext.path, &tgt))
		return wr_detail_set(d, WR_ERR_OPEN, errno, p->ext.path);
	/* The image file inside the target image file, or on a mounted copy of the target
	 * device: same device node as the target, or the target is a regular file and the
	 * source is that very file. */
	if (S_ISBLK(tgt.st_mode) && src.st_dev == tgt.st_rdev)
		return wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, p->source);
	if (S_ISREG(tgt.st_mode) && src.st_dev == tgt.st_dev && src.st_ino == tgt.st_ino)
		return wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, p->source);
	return WR_OK;
}

int wr_refresh_plan(const struct wr_refresh_opts *o, struct wr_refresh_plan *p,
		    struct wr_detail *d)
{
	struct wr_disk *disk = NULL;
	struct wr_ntfs *vol = NULL;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = wr_blockdev_check_not_live(o->target, d);
	if (!ret)
		ret = wr_blockdev_resolve(o->target, o->partition, &p->ext, d);
	if (ret)
		return ret;
	ret = wr_blockdev_check_unmounted(&p->ext, d);
	if (ret)
		return ret;
	ret = wr_ntfs_probe(&p->ext, &p->state, d);
	if (ret)
		return ret;
	/* The real device or file, not a symlink to it, names what was refused. */
	if (p->state.bitlocker)
		return wr_detail_set(d, WR_ERR_BITLOCKER, 0, p->ext.path);
	if (!p->state.is_ntfs)
		return wr_detail_set(d, WR_ERR_NOT_NTFS, 0, p->ext.path);
	/* Fast Startup first: its hiberfil.sys looks hibernated too, and only the Fast
	 * Startup explanation tells the person what to do. */
	if (p->state.fast_startup && !o->discard_hibernation)
		return wr_detail_set(d, WR_ERR_FAST_STARTUP, 0, p->ext.path);
	if (p->state.hibernated && !o->discard_hibernation)
		return wr_detail_set(d, WR_ERR_HIBERNATED, 0, p->ext.path);
	p->dirty_warning = p->state.dirty;

	ret = wr_ntfs_open(&p->ext, WR_NTFS_RDONLY, &vol, d);
	if (ret)
		return ret;
	{
		struct wr_ntfs_stat st;

		if (wr_ntfs_stat(vol, JOURNAL_DIR, &st, NULL) == WR_OK || wr_repair_pending(vol)) {
			/* An earlier run (or a repair) was interrupted: it must be resumed,
			 * not redone. */
			ret = wr_detail_set(d, WR_ERR_INTERRUPTED, 0, o->target);
			goto out;
		}
	}
	ret = wr_winsys_read(vol, &p->windows, d);
	/* A hive that cannot be read (the accounts, the boot key, the settings) would
	 * stop the refresh half way: refuse it now, before anything moves. */
	if (!ret && p->windows->registry_err)
		ret = wr_detail_set(d, p->windows->registry_err, 0, p->windows->registry_subject);
	if (!ret)
		ret = wr_apps_read(vol, p->windows, &p->old_apps, d);
	if (ret)
		goto out;
	if (p->ext.partition)
		wr_disk_read(o->target, &disk, NULL);	/* for the factory image; may fail */
	ret = choose_source(o, p, disk, d);
	if (ret)
		goto out;
	if (p->mismatch && !o->allow_mismatch) {
		ret = wr_detail_set(d, WR_ERR_MISMATCH, 0, p->source);
		goto out;
	}
	ret = check_source_location(p, d);
	if (!ret)	/* a damaged image or an unsafe name: refused before anything moves */
		ret = wr_wim_check_image(p->source, p->index, d);
	if (ret)
		goto out;
	/* Every name the image creates at the root must be moved aside first: wimlib stops
	 * at the first existing name and has no rollback. */
	ret = wr_wim_list_root(p->source, p->index, &p->image_root, d);
	if (ret)
		goto out;
	p->nimage_root = wr_strv_len(p->image_root);
	ret = plan_root(vol, p, d);
	if (ret)
		goto out;
	ret = preview_removed_apps(p, d);
	if (ret)
		goto out;
	p->needed_bytes = p->image.total_bytes + p->image.total_bytes / 5;
	if (p->state.free < p->needed_bytes)
		ret = wr_detail_set(d, WR_ERR_NO_SPACE, 0, o->target);
out:
	wr_ntfs_close(vol);
	wr_disk_free(disk);
	return ret;
}

/* ---------------------------------------------------------------------------- */
/* Steps.  Each is idempotent: it looks at the volume and finishes what is half done. */

/* Move from -> to, finishing a move a crash left half done. */
/* path's name is listed when its folder is read in order, yet a lookup by name does
 * not find it: a kill came while libntfs-3g was rebalancing that folder's index (its
 * blocks written, its root not yet).  Only Windows' chkdsk rebuilds an index. */
static bool listed_not_found(struct wr_ntfs *vol, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[600], **listed = NULL;
	bool there = false;

	if (!slash)
		return false;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (wr_ntfs_list(vol, dir, &listed, NULL) == WR_OK)
		for (size_t k = 0; listed[k] && !there; k++)
			there = !strcasecmp(listed[k], slash + 1);
	wr_strv_free(listed);
	if (there)
		wr_log(WR_LOG_ERROR, "refresh: the index of '%s' lists '%s' but cannot find it by "
		       "name: it was cut short mid-update; Windows' chkdsk /f repairs it", dir,
		       slash + 1);
	return there;
}

static int move_idempotent(struct wr_ntfs *vol, const char *from, const char *to,
			   struct wr_detail *d)
{
	struct wr_ntfs_stat sf, st;
	bool have_from, have_to, dropped;
	int ret;

	/* A crash inside the library can leave the new name as a stray folder entry
	 * that the file itself does not carry: seen as "linked under both names", the
	 * old name would be deleted - and with it the file.  Such entries go first. */
	ret = wr_ntfs_drop_stray_entry(vol, to, &dropped, d);
	if (ret == WR_ERR_NOT_FOUND)
		ret = WR_OK;	/* to's folder does not exist yet */
	if (!ret)
		ret = wr_ntfs_drop_stray_entry(vol, from, &dropped, d);
	if (ret == WR_ERR_NOT_FOUND)
		ret = WR_OK;
	if (ret)
		return ret;
	have_from = wr_ntfs_stat(vol, from, &sf, NULL) == WR_OK;
	have_to = wr_ntfs_stat(vol, to, &st, NULL) == WR_OK;
	if (!have_from && have_to) {
		/* Done before the crash - maybe but for the end of the new name's
		 * DOS-name update, which leaves the link count one too high. */
		bool fixed = false;

		return wr_ntfs_fix_link_count(vol, to, &fixed, d);
	}
	if (have_from && have_to) {
		/* Linked under both names: the move finishes it, after checking the
		 * file really carries the new name. */
		if (sf.mft_ref == st.mft_ref)
			return wr_ntfs_move(vol, from, to, d);
		return wr_detail_set(d, WR_ERR_EXISTS, 0, to);
	}
	if (!have_from) {
		bool relinked = false;

		/* Under neither name.  A kill inside the new name's DOS-name update
		 * leaves the file under its DOS name alone: link it again.  A folder
		 * index a kill left half-updated hides a name from lookups (nothing is
		 * lost: chkdsk brings it back); else it really is gone, said as it is. */
		ret = wr_ntfs_relink_long_name(vol, to, &relinked, d);
		if (ret == WR_ERR_NOT_FOUND)
			ret = WR_OK;	/* to's folder does not exist */
		if (!ret && relinked) {
			bool fixed = false;

			ret = wr_ntfs_fix_link_count(vol, to, &fixed, d);
		}
		if (ret || relinked)
			return ret;
		if (listed_not_found(vol, to) || listed_not_found(vol, from))
			return wr_detail_setf(d, WR_ERR_CORRUPT, 0, from,
					      "folder index half-updated");
		return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, from);
	}
	return wr_ntfs_move(vol, from, to, d);
}

static int step_move(struct jrnl *jr, const char *from, const char *to, struct wr_detail *d)
{
	int ret;

	if (jrnl_ended(jr, "move", from))
		return WR_OK;
	ret = jrnl_append(jr, "begin", "move", from, d);
	if (!ret)
		ret = move_idempotent(jr->v.vol, from, to, d);
	if (!ret)
		ret = jrnl_append(jr, "end", "move", from, d);
	return ret;
}

static int ensure_dir(struct wr_ntfs *vol, const char *path, struct wr_detail *d)
{
	struct wr_ntfs_stat st;

	if (wr_ntfs_stat(vol, path, &st, NULL) == WR_OK)
		return st.is_dir ? WR_OK : wr_detail_set(d, WR_ERR_EXISTS, 0, path);
	return wr_ntfs_mkdir(vol, path, d);
}

static int do_move_aside(struct jrnl *jr, const struct wr_refresh_plan *p, struct wr_detail *d)
{
	char old[64], from[600], to[700];
	int ret = WR_OK;

	snprintf(old, sizeof(old), "/%s", p->old_dir);
	if (p->rename_existing_old[0]) {
		snprintf(to, sizeof(to), "/%s", p->rename_existing_old);
		ret = step_move(jr, "/Windows.old", to, d);
		if (ret)
			return ret;
	}
	ret = ensure_dir(jr->v.vol, old, d);
	for (size_t i = 0; !ret && i < p->nmove_aside; i++) {
		snprintf(from, sizeof(from), "/%s", p->move_aside[i]);
		snprintf(to, sizeof(to), "%s/%s", old, p->move_aside[i]);
		ret = step_move(jr, from, to, d);
	}
	for (size_t i = 0; !ret && i < p->ndelete_files; i++) {
		snprintf(from, sizeof(from), "/%s", p->delete_files[i]);
		if (jrnl_ended(jr, "delete", from))
			continue;
		ret = jrnl_append(jr, "begin", "delete", from, d);
		if (!ret) {
			ret = wr_ntfs_unlink(jr->v.vol, from, d);
			if (ret == WR_ERR_NOT_FOUND)
				ret = WR_OK;
		}
		if (!ret)
			ret = jrnl_append(jr, "end", "delete", from, d);
	}
	return ret;
}

/* Remove what a half-done apply created: only names the image has at its root, all of
 * which were moved aside before the apply began, so none of them is the person's. */
static int remove_partial_apply(struct wr_ntfs *vol, const struct wr_refresh_plan *p,
				struct wr_detail *d)
{
	for (size_t i = 0; i < p->nimage_root; i++) {
		char path[600];
		struct wr_ntfs_stat st;
		int ret;

		if (in_list((const char *const *)p->stay, p->image_root[i]) ||
		    is_old_dir_name(p->image_root[i]) ||
		    !strcasecmp(p->image_root[i], "$WinRescue"))
			continue;	/* never: those are the person's or ours */
		snprintf(path, sizeof(path), "/%s", p->image_root[i]);
		{
			/* The apply was killed while creating this very name. */
			bool dropped = false;

			ret = wr_ntfs_drop_stray_entry(vol, path, &dropped, d);
			if (ret)
				return ret;
		}
		/* Not there (a name the root's index lists yet cannot find is refused
		 * by the whole-index check below). */
		if (wr_ntfs_stat(vol, path, &st, NULL) != WR_OK)
			continue;
		wr_log(WR_LOG_INFO, "removing '%s' left by an interrupted apply", path);
		ret = st.is_dir && !st.is_reparse ? wr_ntfs_delete_tree(vol, path, d)
						  : wr_ntfs_unlink(vol, path, d);
		if (ret)
			return ret;
	}
	/* The apply adds every image name to the root folder's index: it must be
	 * whole.  A name it lists that a lookup cannot find (whoever's it is) means
	 * a kill cut an index update short; the apply would fail inside wimlib. */
	{
		char **listed = NULL, path[600];
		struct wr_ntfs_stat st;
		int ret = WR_OK;

		if (wr_ntfs_list(vol, "/", &listed, NULL) != WR_OK)
			return WR_OK;	/* the apply says what is wrong */
		for (size_t k = 0; listed[k] && !ret; k++) {
			bool dropped = false;

			snprintf(path, sizeof(path), "/%s", listed[k]);
			if (wr_ntfs_stat(vol, path, &st, NULL) == WR_OK ||
			    (wr_ntfs_drop_stray_entry(vol, path, &dropped, NULL) == WR_OK && dropped))
				continue;	/* there, or an entry left pointing at nothing */
			wr_log(WR_LOG_ERROR, "refresh: the root folder lists '%s' but cannot find "
			       "it by name: its index was cut short mid-update; Windows' chkdsk "
			       "/f repairs it", listed[k]);
			ret = wr_detail_setf(d, WR_ERR_CORRUPT, 0, path, "folder index half-updated");
		}
		wr_strv_free(listed);
		return ret;
	}
}

struct apply_ctx {
	wr_progress_fn fn;
	void *ctx;
};

static enum wr_prog_status apply_progress(enum wr_prog_msg msg, const union wr_prog_info *info,
					  void *ctx)
{
	struct apply_ctx *a = ctx;

	return a->fn ? a->fn(msg, info, a->ctx) : WR_PROG_CONTINUE;
}

/* The apply needs the volume closed (wimlib mounts it itself): the caller reopens. */
static int do_apply(struct jrnl *jr, struct wr_ntfs **volp, const struct wr_refresh_plan *p,
		    wr_progress_fn fn, void *ctx, struct wr_detail *d)
{
	struct wr_loopdev *loop = NULL;
	struct apply_ctx a = { fn, ctx };
	const char *target = p->ext.path;
	int ret;

	if (jrnl_ended(jr, "apply", p->source))
		return WR_OK;
	if (wr_journal_find(&jr->v.j, "begin", "apply", p->source)) {
		ret = remove_partial_apply(*volp, p, d);
		if (ret)
			return ret;
	}
	ret = jrnl_append(jr, "begin", "apply", p->source, d);
	if (ret)
		return ret;
	wr_ntfs_close(*volp);
	*volp = NULL;
	jr->v.vol = NULL;
	if (p->ext.offset || p->ext.partition) {
		ret = wr_loopdev_attach(&p->ext, false, &loop, d);
		if (ret)
			goto reopen;
		target = wr_loopdev_path(loop);
	}
	ret = wr_wim_apply(p->source, p->index, target, apply_progress, &a, d);
	wr_loopdev_detach(loop);
reopen:
	{
		struct wr_detail d2 = WR_DETAIL_INIT;
		int r2 = wr_ntfs_open(&p->ext, WR_NTFS_RDWR, volp, ret ? &d2 : d);

		if (r2 && !ret)
			return r2;
		jr->v.vol = *volp;
		if (ret || r2)
			return ret ? ret : r2;
	}
	return jrnl_append(jr, "end", "apply", p->source, d);
}

/* Merge the old Public profile into the new one, entry by entry: what the new system
 * already has wins, the old copy stays in Windows.old. */
static int merge_dir(struct jrnl *jr, const char *from, const char *to, struct wr_detail *d)
{
	char **names = NULL;
	int ret;

	ret = wr_ntfs_list(jr->v.vol, from, &names, d);
	if (ret)
		return ret == WR_ERR_NOT_FOUND ? WR_OK : ret;
	for (size_t i = 0; names[i] && !ret; i++) {
		char f[2048], t[2048];
		struct wr_ntfs_stat sf, st;

		snprintf(f, sizeof(f), "%s/%s", from, names[i]);
		snprintf(t, sizeof(t), "%s/%s", to, names[i]);
		if (wr_ntfs_stat(jr->v.vol, f, &sf, NULL) != WR_OK)
			continue;	/* moved before a crash */
		if (wr_ntfs_stat(jr->v.vol, t, &st, NULL) != WR_OK) {
			ret = step_move(jr, f, t, d);
		} else if (sf.mft_ref == st.mft_ref) {
			ret = step_move(jr, f, t, d);	/* half-done move */
		} else if (sf.is_dir && st.is_dir && !sf.is_reparse && !st.is_reparse) {
			ret = merge_dir(jr, f, t, d);
		} else {
			wr_log(WR_LOG_INFO, "kept '%s' in Windows.old: the new system has '%s'", f,
			       t);
		}
	}
	wr_ntfs_list_free(names);
	return ret;
}

static int do_move_back(struct jrnl *jr, struct wr_refresh_plan *p, struct wr_detail *d)
{
	char old_users[128], from[1024], to[1024];
	char **names = NULL;
	int ret;

	snprintf(old_users, sizeof(old_users), "/%s/Users", p->old_dir);
	ret = wr_ntfs_list(jr->v.vol, old_users, &names, d);
	if (ret == WR_ERR_NOT_FOUND)
		return WR_OK;
	if (ret)
		return ret;
	ret = ensure_dir(jr->v.vol, "/Users", d);
	for (size_t i = 0; names[i] && !ret; i++) {
		struct wr_ntfs_stat st;

		if (in_list(image_profiles, names[i]))
			continue;
		snprintf(from, sizeof(from), "%s/%s", old_users, names[i]);
		snprintf(to, sizeof(to), "/Users/%s", names[i]);
		if (wr_ntfs_stat(jr->v.vol, from, &st, NULL) == WR_OK && st.is_reparse &&
		    !jrnl_ended(jr, "move", from)) {
			wr_log(WR_LOG_INFO, "left reparse point '%s' in Windows.old", from);
			continue;	/* a junction is not a profile: never followed */
		}
		ret = step_move(jr, from, to, d);
	}
	wr_ntfs_list_free(names);
	if (ret)
		return ret;
	/* Count from the journal, so a resumed refresh reports the whole refresh. */
	p->profiles_kept = 0;
	for (size_t i = 0; i < jr->v.j.n; i++) {
		const struct wr_journal_record *r = &jr->v.j.v[i];
		size_t n = strlen(old_users);

		if (!strcmp(r->kind, "end") && r->nfields == 2 && !strcmp(r->fields[0], "move") &&
		    !strncmp(r->fields[1], old_users, n) && r->fields[1][n] == '/' &&
		    !strchr(r->fields[1] + n + 1, '/'))
			p->profiles_kept++;
	}
	snprintf(from, sizeof(from), "%s/Public", old_users);
	ret = merge_dir(jr, from, "/Users/Public", d);
	if (ret)
		return ret;
	/* Store apps (Windows 8 and 8.1 keep them across a refresh). */
	if (p->windows->major == 6 && p->windows->minor >= 2) {
		snprintf(from, sizeof(from), "/%s/Program Files/WindowsApps", p->old_dir);
		ret = ensure_dir(jr->v.vol, "/Program Files/WindowsApps", d);
		if (!ret)
			ret = merge_dir(jr, from, "/Program Files/WindowsApps", d);
	}
	return ret;
}

/* ---------------------------------------------------------------------------- */
/* Accounts and settings: hives edited on host copies, put in place whole. */

struct hive_tmp {
	char dir[64];
};

static int hive_path(const struct hive_tmp *t, const char *name, char *buf, size_t n)
{
	return snprintf(buf, n, "%s/%s", t->dir, name) >= (int)n ? WR_ERR_INVALID_ARG : WR_OK;
}

static int current_control_set(const char *system_hive, char *buf, size_t n,
			       struct wr_detail *d)
{
	struct wr_hive *h = NULL;
	uint32_t cur = 1;
	int ret = wr_hive_open(system_hive, false, &h, d);

	if (ret)
		return ret;
	if (wr_hive_get_dword(h, "Select", "Current", &cur, NULL) != WR_OK || !cur || cur > 999)
		cur = 1;
	wr_hive_close(h);
	snprintf(buf, n, "ControlSet%03u", cur);
	return WR_OK;
}

/* The boot key lives in the class names of four LSA keys; SAM's password hashes are
 * encrypted with it, so the old SAM needs the old boot key in the new SYSTEM. */
static int carry_boot_key(const char *old_system, const char *new_system, struct wr_detail *d)
{
	static const char *const parts[] = { "JD", "Skew1", "GBG", "Data" };
	char old_cs[32], new_cs[32];
	int ret;

	ret = current_control_set(old_system, old_cs, sizeof(old_cs), d);
	if (!ret)
		ret = current_control_set(new_system, new_cs, sizeof(new_cs), d);
	for (size_t i = 0; !ret && i < 4; i++) {
		char okey[128], nkey[128], *cls = NULL;

		snprintf(okey, sizeof(okey), "%s\\Control\\Lsa\\%s", old_cs, parts[i]);
		snprintf(nkey, sizeof(nkey), "%s\\Control\\Lsa\\%s", new_cs, parts[i]);
		ret = wr_regf_get_class(old_system, okey, &cls, d);
		if (!ret)
			ret = wr_regf_set_class(new_system, nkey, cls, d);
		free(cls);
	}
	return ret;
}

/* Copy key (all values and subkeys) from one hive to another, keeping what is there. */
static int copy_key(struct wr_hive *src, struct wr_hive *dst, const char *key, int depth,
		    struct wr_detail *d)
{
	char **values = NULL, **subs = NULL;
	int ret;

	if (depth > 32)
		return wr_detail_set(d, WR_ERR_TOO_LARGE, 0, key);
	ret = wr_hive_add_key(dst, key, d);
	if (!ret)
		ret = wr_hive_values(src, key, &values, d);
	for (size_t i = 0; !ret && values[i]; i++) {
		void *buf = NULL;
		size_t len = 0;
		uint32_t type = 0;

		ret = wr_hive_get_binary(src, key, values[i], &buf, &len, &type, d);
		if (!ret)
			ret = wr_hive_set_binary(dst, key, values[i], type, buf, len, d);
		free(buf);
	}
	if (!ret)
		ret = wr_hive_subkeys(src, key, &subs, d);
	for (size_t i = 0; !ret && subs[i]; i++) {
		char sub[2048];

		snprintf(sub, sizeof(sub), "%s\\%s", key, subs[i]);
		ret = copy_key(src, dst, sub, depth + 1, d);
	}
	wr_strv_free(values);
	wr_strv_free(subs);
	return ret;
}

/* The old users' ProfileList entries (and Store app registrations) into the new
 * SOFTWARE hive. */
static int carry_software(const char *old_sw, const char *new_sw, bool store_apps,
			  struct wr_detail *d)
{
	static const char profiles[] = "Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
	static const char appx[] =
		"Microsoft\\Windows\\CurrentVersion\\Appx\\AppxAllUserStore\\Applications";
	struct wr_hive *src = NULL, *dst = NULL;
	char **subs = NULL;
	int ret;

	ret = wr_hive_open(old_sw, false, &src, d);
	if (!ret)
		ret = wr_hive_open(new_sw, true, &dst, d);
	if (!ret)
		ret = wr_hive_subkeys(src, profiles, &subs, d);
	for (size_t i = 0; !ret && subs[i]; i++) {
		char key[512];

		if (strncmp(subs[i], "S-1-5-21-", 9))
			continue;	/* system accounts come with the new system */
		snprintf(key, sizeof(key), "%s\\%s", profiles, subs[i]);
		ret = copy_key(src, dst, key, 0, d);
	}
	wr_strv_free(subs);
	subs = NULL;
	if (!ret && store_apps && wr_hive_key_exists(src, appx)) {
		ret = wr_hive_subkeys(src, appx, &subs, d);
		for (size_t i = 0; !ret && subs[i]; i++) {
			char key[1024];

			snprintf(key, sizeof(key), "%s\\%s", appx, subs[i]);
			if (!wr_hive_key_exists(dst, key))
				ret = copy_key(src, dst, key, 0, d);
		}
		wr_strv_free(subs);
	}
	if (!ret)
		ret = wr_hive_commit(dst, d);
	wr_hive_close(src);
	wr_hive_close(dst);
	return ret;
}

/* Put host file host into the volume as path.wr-new, then swap it in: path becomes
 * path.wr-pristine (kept until the operation ends) and path.wr-new becomes path.
 * Every state a crash can leave is finished here on the next run. */
static int install_hive(struct jrnl *jr, const char *path, const char *host,
			struct wr_detail *d)
{
	char fresh[512], pristine[512];
	struct wr_ntfs_stat st;
	bool have_path, have_fresh, have_pristine;
	int ret;

	snprintf(fresh, sizeof(fresh), "%s.wr-new", path);
	snprintf(pristine, sizeof(pristine), "%s.wr-pristine", path);
	if (jrnl_ended(jr, "install", path))
		return WR_OK;
	if (!wr_journal_find(&jr->v.j, "begin", "install", path)) {
		FILE *f = fopen(host, "rb");
		void *buf = NULL;
		long len;

		if (!f)
			return wr_detail_set(d, WR_ERR_OPEN, errno, host);
		if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
		    !(buf = malloc((size_t)len + 1)) || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			fclose(f);
			return wr_detail_set(d, WR_ERR_READ, errno, host);
		}
		fclose(f);
		ret = wr_ntfs_write_file(jr->v.vol, fresh, buf, (size_t)len, d);
		free(buf);
		if (!ret)
			ret = jrnl_append(jr, "begin", "install", path, d);
		if (ret)
			return ret;
	}
	have_path = wr_ntfs_stat(jr->v.vol, path, &st, NULL) == WR_OK;
	have_fresh = wr_ntfs_stat(jr->v.vol, fresh, &st, NULL) == WR_OK;
	have_pristine = wr_ntfs_stat(jr->v.vol, pristine, &st, NULL) == WR_OK;
	ret = WR_OK;
	if (have_path && have_fresh && !have_pristine)
		ret = move_idempotent(jr->v.vol, path, pristine, d);
	else if (have_path && have_fresh && have_pristine)
		ret = wr_ntfs_unlink(jr->v.vol, path, d);	/* a half-done swap: path is a link */
	if (!ret && have_fresh)
		ret = move_idempotent(jr->v.vol, fresh, path, d);
	if (!ret)
		ret = jrnl_append(jr, "end", "install", path, d);
	return ret;
}

/* A file of the old system's config folder, as it is (SAM and SECURITY travel whole,
 * with their transaction logs, and Windows replays those at boot). */
static int copy_out_old(struct wr_ntfs *vol, const struct wr_refresh_plan *p, const char *name,
			const char *host, struct wr_detail *d)
{
	char path[512];

	snprintf(path, sizeof(path), "/%s/%s/%s", p->old_dir, CONFIG, name);
	return wr_ntfs_copy_out(vol, path, host, d);
}

/* An old hive to read from: a dirty one gets its .LOG1/.LOG2 replayed into the copy,
 * so the latest changes (a password changed just before the crash) are seen. */
static int copy_out_old_hive(struct wr_ntfs *vol, const struct wr_refresh_plan *p,
			     const char *name, const char *host, struct wr_detail *d)
{
	char path[512];

	snprintf(path, sizeof(path), "/%s/%s/%s", p->old_dir, CONFIG, name);
	return wr_hivelog_copy_out(vol, path, host, NULL, d);
}

/* The answer file, so first boot asks nothing the old system knew. */
static int write_answer_file(struct jrnl *jr, const struct wr_refresh_plan *p,
			     struct wr_detail *d)
{
	char *xml = NULL;
	size_t len = 0;
	unsigned written = 0;
	int ret;

	if (jrnl_ended(jr, "answer-file", p->old_dir))
		return WR_OK;
	ret = wr_unattend_build(p->windows, p->image.arch, p->image.languages, &xml, &len,
				&written, d);
	if (!ret)
		ret = ensure_dir(jr->v.vol, "/Windows/Panther", d);
	if (!ret)
		ret = wr_ntfs_write_file(jr->v.vol, "/Windows/Panther/unattend.xml", xml, len, d);
	free(xml);
	if (!ret)
		wr_log(WR_LOG_INFO, "answer file written (fields 0x%x)", written);
	if (!ret)
		ret = jrnl_append(jr, "end", "answer-file", p->old_dir, d);
	return ret;
}

static int do_accounts(struct jrnl *jr, const struct wr_refresh_plan *p, struct wr_detail *d)
{
	static const char *const carried[] = { "SAM", "SAM.LOG1", "SAM.LOG2", "SECURITY",
					       "SECURITY.LOG1", "SECURITY.LOG2", NULL };
	struct hive_tmp t;
	char old_sys[128], new_sys[128], old_sw[128], new_sw[128], host[128], path[256];
	int ret = WR_OK;

	if (jrnl_ended(jr, "accounts", p->old_dir))
		return WR_OK;
	snprintf(t.dir, sizeof(t.dir), "/tmp/winrescue-hives-XXXXXX");
	if (!mkdtemp(t.dir))
		return wr_detail_set(d, WR_ERR_WRITE, errno, "/tmp");
	hive_path(&t, "old-SYSTEM", old_sys, sizeof(old_sys));
	hive_path(&t, "SYSTEM", new_sys, sizeof(new_sys));
	hive_path(&t, "old-SOFTWARE", old_sw, sizeof(old_sw));
	hive_path(&t, "SOFTWARE", new_sw, sizeof(new_sw));
	if (!wr_journal_find(&jr->v.j, "begin", "accounts", p->old_dir))
		ret = jrnl_append(jr, "begin", "accounts", p->old_dir, d);
	/* Edit copies of the new hives (from the pristine ones when a crash left the
	 * swap half done, so an edit is never applied twice). */
	if (!ret)
		ret = copy_out_old_hive(jr->v.vol, p, "SYSTEM", old_sys, d);
	if (!ret)
		ret = copy_out_old_hive(jr->v.vol, p, "SOFTWARE", old_sw, d);
	for (size_t i = 0; !ret && i < 2; i++) {
		const char *name = i ? "SOFTWARE" : "SYSTEM";
		char pristine[256];
		struct wr_ntfs_stat st;

		snprintf(path, sizeof(path), "/%s/%s", CONFIG, name);
		snprintf(pristine, sizeof(pristine), "/%s/%s.wr-pristine", CONFIG, name);
		ret = wr_ntfs_copy_out(jr->v.vol,
				       wr_ntfs_stat(jr->v.vol, pristine, &st, NULL) == WR_OK ? pristine
											  : path,
				       i ? new_sw : new_sys, d);
	}
	if (!ret)
		ret = carry_boot_key(old_sys, new_sys, d);
	if (!ret)
		ret = carry_software(old_sw, new_sw, p->windows->major == 6, d);
	if (!ret) {
		snprintf(path, sizeof(path), "/%s/SYSTEM", CONFIG);
		ret = install_hive(jr, path, new_sys, d);
	}
	if (!ret) {
		snprintf(path, sizeof(path), "/%s/SOFTWARE", CONFIG);
		ret = install_hive(jr, path, new_sw, d);
	}
	/* SAM and SECURITY: the old ones, whole (accounts, passwords, LSA secrets). */
	for (size_t i = 0; !ret && carried[i]; i++) {
		hive_path(&t, carried[i], host, sizeof(host));
		if (copy_out_old(jr->v.vol, p, carried[i], host, d) != WR_OK)
			continue;	/* no transaction log: fine */
		snprintf(path, sizeof(path), "/%s/%s", CONFIG, carried[i]);
		ret = install_hive(jr, path, host, d);
	}
	if (!ret)
		ret = write_answer_file(jr, p, d);
	if (!ret)
		ret = jrnl_append(jr, "end", "accounts", p->old_dir, d);
	/* The host copies are scratch: remove them whatever happened. */
	{
		const char *files[] = { "old-SYSTEM", "SYSTEM", "old-SOFTWARE", "SOFTWARE",
					"SOFTWARE.wr-new", "SYSTEM.wr-new", NULL };

		for (size_t i = 0; files[i]; i++) {
			hive_path(&t, files[i], host, sizeof(host));
			unlink(host);
		}
		for (size_t i = 0; carried[i]; i++) {
			hive_path(&t, carried[i], host, sizeof(host));
			unlink(host);
		}
		rmdir(t.dir);
	}
	return ret;
}

/* Removed Apps.html on each user's Desktop, and a copy in \$WinRescue\logs and the
 * log folder: the desktop apps the old system had and the new one lacks.  Per-user
 * apps stay installed (their files and NTUSER.DAT come back with the profile). */
static int write_removed_apps(struct jrnl *jr, struct wr_refresh_plan *p,
			      const struct wr_refresh_opts *o, struct wr_detail *d)
{
	struct wr_app_list old_apps = { 0, NULL }, new_apps = { 0, NULL }, removed = { 0, NULL };
	struct wr_report_params rp;
	char dir[] = "/tmp/winrescue-apps-XXXXXX", old_sw[64], new_sw[64], path[1024];
	char **users = NULL, *html = NULL, date[32];
	size_t len = 0;
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	if (jrnl_ended(jr, "removed-apps", p->old_dir)) {
		const struct wr_journal_record *r =
			wr_journal_find(&jr->v.j, "note", "apps-removed", NULL);

		if (r && r->nfields == 2)
			p->apps_removed = strtoul(r->fields[1], NULL, 10);
		return WR_OK;
	}
	if (!mkdtemp(dir))
		return wr_detail_set(d, WR_ERR_WRITE, errno, "/tmp");
	snprintf(old_sw, sizeof(old_sw), "%s/old", dir);
	snprintf(new_sw, sizeof(new_sw), "%s/new", dir);
	snprintf(path, sizeof(path), "/%s/%s/SOFTWARE", p->old_dir, CONFIG);
	ret = wr_hivelog_copy_out(jr->v.vol, path, old_sw, NULL, d);
	if (!ret)
		ret = wr_ntfs_copy_out(jr->v.vol, "/" CONFIG "/SOFTWARE", new_sw, d);
	if (!ret)
		ret = machine_apps(old_sw, &old_apps, d);
	if (!ret)
		ret = machine_apps(new_sw, &new_apps, d);
	if (!ret)
		ret = wr_apps_removed(&old_apps, &new_apps, &removed, d);
	p->apps_removed = removed.n;
	unlink(old_sw);
	unlink(new_sw);
	rmdir(dir);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	memset(&rp, 0, sizeof(rp));
	rp.lang = o->language;
	rp.date = date;
	rp.texts = o->report_texts;
	if (!ret)
		ret = wr_ntfs_list(jr->v.vol, "/Users", &users, d);
	for (size_t i = 0; !ret && users[i]; i++) {
		struct wr_ntfs_stat st;
		char desktop[600];

		snprintf(desktop, sizeof(desktop), "/Users/%s/Desktop", users[i]);
		if (in_list(image_profiles, users[i]) ||
		    wr_ntfs_stat(jr->v.vol, desktop, &st, NULL) != WR_OK || !st.is_dir ||
		    st.is_reparse)
			continue;
		rp.user = users[i];
		ret = wr_report_removed_apps(&removed, &rp, &html, &len, d);
		if (!ret) {
			snprintf(path, sizeof(path), "%s/Removed Apps.html", desktop);
			ret = wr_ntfs_write_file(jr->v.vol, path, html, len, d);
		}
		free(html);
		html = NULL;
	}
	wr_strv_free(users);
	/* One copy for the helpdesk, on the volume and in the live system's log folder. */
	rp.user = NULL;
	if (!ret)
		ret = wr_report_removed_apps(&removed, &rp, &html, &len, d);
	if (!ret)
		ret = ensure_dir(jr->v.vol, STATE_DIR "/logs", d);
	if (!ret)
		ret = wr_ntfs_write_file(jr->v.vol, STATE_DIR "/logs/Removed Apps.html", html, len, d);
	if (!ret && wr_log_path()) {
		char host[4200], *slash;
		FILE *f;

		snprintf(host, sizeof(host), "%s", wr_log_path());
		slash = strrchr(host, '/');
		if (slash) {
			snprintf(slash + 1, sizeof(host) - (size_t)(slash + 1 - host),
				 "Removed Apps.html");
			f = fopen(host, "w");
			if (f) {
				fwrite(html, 1, len, f);
				fclose(f);
			}
		}
	}
	free(html);
	wr_app_list_release(&old_apps);
	wr_app_list_release(&new_apps);
	wr_app_list_release(&removed);
	if (!ret) {
		char num[32];

		snprintf(num, sizeof(num), "%zu", p->apps_removed);
		ret = jrnl_append(jr, "note", "apps-removed", num, d);
	}
	if (!ret)
		ret = jrnl_append(jr, "end", "removed-apps", p->old_dir, d);
	return ret;
}

static int do_finish(struct jrnl *jr, struct wr_detail *d)
{
	static const char *const hives[] = { "SYSTEM", "SOFTWARE", "SAM", "SAM.LOG1", "SAM.LOG2",
					     "SECURITY", "SECURITY.LOG1", "SECURITY.LOG2", NULL };
	int ret = WR_OK;

	for (size_t i = 0; !ret && hives[i]; i++) {
		char path[256];

		snprintf(path, sizeof(path), "/%s/%s.wr-pristine", CONFIG, hives[i]);
		ret = wr_ntfs_unlink(jr->v.vol, path, d);
		if (ret == WR_ERR_NOT_FOUND)
			ret = WR_OK;
	}
	if (!ret)
		ret = jrnl_append(jr, "done", "refresh", NULL, d);
	if (!ret)
		ret = wr_vjournal_archive(jr->v.vol, JOURNAL_DIR, "journal", d);
	if (!ret)
		wr_vjournal_copy_log(jr->v.vol);
	return ret;
}

/* ---------------------------------------------------------------------------- */
/* The plan in the journal. */

/* What the later steps need to know about the old installation goes into the plan,
 * so resume never has to read the old system again (it is in Windows.old by then). */
static int journal_windows(struct jrnl *jr, const struct wr_windows *w, struct wr_detail *d)
{
	char num[32];
	int ret;

	snprintf(num, sizeof(num), "%u.%u", w->major, w->minor);
	ret = jrnl_append(jr, "plan", "version", num, d);
	if (!ret)
		ret = jrnl_append(jr, "plan", "arch", wr_arch_name(w->arch), d);
	if (!ret)
		ret = jrnl_append(jr, "plan", "computer-name", w->computer_name, d);
	if (!ret)
		ret = jrnl_append(jr, "plan", "time-zone", w->time_zone, d);
	if (!ret)
		ret = jrnl_append(jr, "plan", "language", w->default_language, d);
	if (!ret)
		ret = jrnl_append(jr, "plan", "keyboard", w->keyboard, d);
	return ret;
}

static int journal_image(struct jrnl *jr, const struct wr_image_info *img, struct wr_detail *d)
{
	int ret = jrnl_append(jr, "plan", "image-arch", wr_arch_name(img->arch), d);

	if (!ret)
		ret = jrnl_append(jr, "plan", "image-languages", img->languages, d);
	return ret;
}

static enum wr_arch arch_from_name(const char *s)
{
	static const enum wr_arch all[] = { WR_ARCH_X86, WR_ARCH_X64, WR_ARCH_ARM,
					    WR_ARCH_ARM64 };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(s, wr_arch_name(all[i])))
			return all[i];
	return WR_ARCH_UNKNOWN;
}

static int journal_plan(struct jrnl *jr, const struct wr_refresh_plan *p, struct wr_detail *d)
{
	char num[32];
	int ret;

	snprintf(num, sizeof(num), "%u", p->index);
	ret = jrnl_append(jr, "plan", "source", p->source, d);
	if (!ret && p->source_partition) {
		char part[16];

		snprintf(part, sizeof(part), "%u", p->source_partition);
		ret = jrnl_append(jr, "plan", "source-disk", p->source_disk, d);
		if (!ret)
			ret = jrnl_append(jr, "plan", "source-partition", part, d);
		if (!ret)
			ret = jrnl_append(jr, "plan", "source-inner", p->source_inner, d);
	}
	if (!ret)
		ret = jrnl_append(jr, "plan", "index", num, d);
	if (!ret)
		ret = jrnl_append(jr, "plan", "old", p->old_dir, d);
	ret = ret ? ret : journal_windows(jr, p->windows, d);
	ret = ret ? ret : journal_image(jr, &p->image, d);
	if (!ret && p->rename_existing_old[0])
		ret = jrnl_append(jr, "plan", "rename-old", p->rename_existing_old, d);
	for (size_t i = 0; !ret && i < p->nmove_aside; i++)
		ret = jrnl_append(jr, "plan", "aside", p->move_aside[i], d);
	for (size_t i = 0; !ret && i < p->nstay; i++)
		ret = jrnl_append(jr, "plan", "stay", p->stay[i], d);
	for (size_t i = 0; !ret && i < p->ndelete_files; i++)
		ret = jrnl_append(jr, "plan", "delete", p->delete_files[i], d);
	for (size_t i = 0; !ret && i < p->nimage_root; i++)
		ret = jrnl_append(jr, "plan", "image-root", p->image_root[i], d);
	if (!ret)
		ret = jrnl_append(jr, "planned", "refresh", NULL, d);
	return ret;
}

/* The journal names the apply by the image's host path; a restaged image has a new
 * one.  Rewrite the in-memory records (the files on disk keep the old name). */
static int rename_source_records(struct wr_journal *j, const char *from, const char *to)
{
	for (size_t i = 0; i < j->n; i++) {
		struct wr_journal_record *r = &j->v[i];

		if (r->nfields == 2 && !strcmp(r->fields[0], "apply") &&
		    !strcmp(r->fields[1], from)) {
			char *n = strdup(to);

			if (!n)
				return WR_ERR_NOMEM;
			free(r->fields[1]);
			r->fields[1] = n;
		}
	}
	return WR_OK;
}

static int plan_from_journal(const struct wr_journal *j, struct wr_refresh_plan *p,
			     struct wr_detail *d)
{
	int ret = WR_OK;

	plan_release_lists(p);
	p->rename_existing_old[0] = '\0';
	if (!p->windows) {
		p->windows = calloc(1, sizeof(*p->windows));
		if (!p->windows)
			return WR_ERR_NOMEM;
		p->windows->arch = WR_ARCH_UNKNOWN;
	}
	for (size_t i = 0; i < j->n && !ret; i++) {
		const struct wr_journal_record *r = &j->v[i];
		const char *k, *v;

		if (strcmp(r->kind, "plan") || r->nfields != 2)
			continue;
		k = r->fields[0];
		v = r->fields[1];
		if (!strcmp(k, "source"))
			snprintf(p->source, sizeof(p->source), "%s", v);
		else if (!strcmp(k, "source-disk"))
			snprintf(p->source_disk, sizeof(p->source_disk), "%s", v);
		else if (!strcmp(k, "source-partition"))
			p->source_partition = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "source-inner"))
			snprintf(p->source_inner, sizeof(p->source_inner), "%s", v);
		else if (!strcmp(k, "index"))
			p->index = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "old"))
			snprintf(p->old_dir, sizeof(p->old_dir), "%s", v);
		else if (!strcmp(k, "rename-old"))
			snprintf(p->rename_existing_old, sizeof(p->rename_existing_old), "%s", v);
		else if (!strcmp(k, "aside"))
			ret = wr_strv_push(&p->move_aside, &p->nmove_aside, v);
		else if (!strcmp(k, "stay"))
			ret = wr_strv_push(&p->stay, &p->nstay, v);
		else if (!strcmp(k, "delete"))
			ret = wr_strv_push(&p->delete_files, &p->ndelete_files, v);
		else if (!strcmp(k, "image-root"))
			ret = wr_strv_push(&p->image_root, &p->nimage_root, v);
		else if (!strcmp(k, "version"))
			sscanf(v, "%u.%u", &p->windows->major, &p->windows->minor);
		else if (!strcmp(k, "arch"))
			p->windows->arch = arch_from_name(v);
		else if (!strcmp(k, "computer-name"))
			snprintf(p->windows->computer_name, sizeof(p->windows->computer_name),
				 "%s", v);
		else if (!strcmp(k, "time-zone"))
			snprintf(p->windows->time_zone, sizeof(p->windows->time_zone), "%s", v);
		else if (!strcmp(k, "language"))
			snprintf(p->windows->default_language,
				 sizeof(p->windows->default_language), "%s", v);
		else if (!strcmp(k, "keyboard"))
			snprintf(p->windows->keyboard, sizeof(p->windows->keyboard), "%s", v);
		else if (!strcmp(k, "image-arch"))
			p->image.arch = arch_from_name(v);
		else if (!strcmp(k, "image-languages"))
			snprintf(p->image.languages, sizeof(p->image.languages), "%s", v);
	}
	if (!ret && (!p->source[0] || !p->index || !p->old_dir[0]))
		ret = wr_detail_set(d, WR_ERR_JOURNAL, 0, JOURNAL_DIR);
	/* Names from the journal become paths: refuse anything but one plain component. */
	for (size_t i = 0; !ret && i < p->nmove_aside + p->nimage_root; i++) {
		const char *n = i < p->nmove_aside ? p->move_aside[i]
						   : p->image_root[i - p->nmove_aside];

		if (!*n || strchr(n, '/') || strchr(n, '\\') || !strcmp(n, ".") || !strcmp(n, ".."))
			ret = wr_detail_set(d, WR_ERR_UNSAFE_PATH, 0, n);
	}
	if (!ret && !is_old_dir_name(p->old_dir))
		ret = wr_detail_set(d, WR_ERR_UNSAFE_PATH, 0, p->old_dir);
	return ret;
}

/* ---------------------------------------------------------------------------- */

static int report_step(wr_progress_fn fn, void *ctx, enum wr_prog_msg msg, unsigned index,
		       int id, const char *name)
{
	union wr_prog_info info;

	info.step.index = index;
	info.step.count = WR_REFRESH_STEPS;
	info.step.id = id;
	info.step.name = name;
	return wr_prog_report(fn, ctx, msg, &info);
}

static const char *const step_names[WR_REFRESH_STEPS + 1] = {
	NULL,
	N_("Checking the PC"),
	N_("Moving the old Windows aside"),
	N_("Installing Windows"),
	N_("Moving your files and apps back"),
	N_("Keeping your accounts and settings"),
	N_("Listing the apps that were removed"),
	N_("Updating the start-up files"),
	N_("Finishing"),
};

const char *wr_refresh_step_name(unsigned step)
{
	return step >= 1 && step <= WR_REFRESH_STEPS ? step_names[step] : "";
}

/* The boot manager files and the boot configuration from the new system (bcdboot's
 * job), when the volume is a partition of a disk we can see: the image's boot files
 * are at least as new as the old ones (an older build is refused in preflight).  The
 * old BCD is kept beside the new one.  The volume must be closed meanwhile (on an MBR
 * disk the boot files may go to this very partition). */
static int do_boot(struct jrnl *jr, struct wr_ntfs **volp, const struct wr_refresh_plan *p,
		   struct wr_detail *d)
{
	int ret, r2;

	if (jrnl_ended(jr, "boot", p->old_dir))
		return WR_OK;
	if (!p->ext.partition) {
		wr_log(WR_LOG_INFO, "boot: '%s' is a bare volume; its disk's boot files were "
		       "left as they are", p->ext.path);
		return jrnl_append(jr, "end", "boot", p->old_dir, d);
	}
	ret = jrnl_append(jr, "begin", "boot", p->old_dir, d);
	if (ret)
		return ret;
	wr_ntfs_close(*volp);
	*volp = jr->v.vol = NULL;
	/* bootfiles takes its own hold on the disk: hand ours over for the moment. */
	wr_blockdev_unlock(jr->lock);
	jr->lock = NULL;
	ret = wr_bootfiles_rebuild(p->ext.path, p->ext.partition, NULL, NULL, d);
	r2 = wr_blockdev_lock(&p->ext, &jr->lock, ret ? NULL : d);
	if (!r2)
		r2 = wr_ntfs_open(&p->ext, WR_NTFS_RDWR, volp, ret ? NULL : d);
	jr->v.vol = *volp;
	if (ret || r2)
		return ret ? ret : r2;
	return jrnl_append(jr, "end", "boot", p->old_dir, d);
}

static int run_steps(struct jrnl *jr, struct wr_ntfs **volp, struct wr_refresh_plan *p,
		     const struct wr_refresh_opts *o, wr_progress_fn fn, void *ctx,
		     struct wr_detail *d)
{
	int ret;

#define STEP(n, call)                                                            \
	do {                                                                     \
		ret = report_step(fn, ctx, WR_PROG_STEP_BEGIN, n, n, step_names[n]); \
		if (!ret)                                                        \
			ret = (call);                                            \
		if (!ret)                                                        \
			ret = report_step(fn, ctx, WR_PROG_STEP_END, n, n, step_names[n]); \
		if (ret)                                                         \
			return ret;                                              \
	} while (0)

	STEP(2, do_move_aside(jr, p, d));
	STEP(3, do_apply(jr, volp, p, fn, ctx, d));
	STEP(4, do_move_back(jr, p, d));
	STEP(5, do_accounts(jr, p, d));
	STEP(6, write_removed_apps(jr, p, o, d));
	STEP(7, do_boot(jr, volp, p, d));
	STEP(8, do_finish(jr, d));
#undef STEP
	return WR_OK;
}

bool wr_refresh_pending(struct wr_ntfs *vol)
{
	struct wr_ntfs_stat st;

	return wr_ntfs_stat(vol, JOURNAL_DIR, &st, NULL) == WR_OK && st.is_dir;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int wr_refresh_run(const struct wr_refresh_opts *o, struct wr_refresh_plan *p,
		   wr_progress_fn fn, void *ctx, struct wr_detail *d)
{
	double start = now_s();
	struct wr_ntfs *vol = NULL;
	struct jrnl jr;
	unsigned flags = WR_NTFS_RDWR;
	int ret;

	memset(&jr, 0, sizeof(jr));
	ret = report_step(fn, ctx, WR_PROG_STEP_BEGIN, 1, 1, step_names[1]);
	if (ret)
		return ret;
	ret = wr_blockdev_lock(&p->ext, &jr.lock, d);
	if (ret)
		return ret;
	if (o->discard_hibernation)
		flags |= WR_NTFS_IGNORE_HIBERFILE;
	ret = wr_ntfs_open(&p->ext, flags, &vol, d);
	if (ret)
		goto out;
	wr_vjournal_init(&jr.v, vol, JOURNAL_DIR);
	{
		struct wr_ntfs_stat st;

		if (wr_ntfs_stat(vol, JOURNAL_DIR, &st, NULL) == WR_OK) {
			/* An earlier run was interrupted: resume, never start over. */
			ret = wr_detail_set(d, WR_ERR_INTERRUPTED, 0, o->target);
			goto out;
		}
	}
	if (o->discard_hibernation && p->state.hibernated) {
		ret = wr_ntfs_unlink(vol, "/hiberfil.sys", d);
		if (ret == WR_ERR_NOT_FOUND)
			ret = WR_OK;
		if (ret)
			goto out;
	}
	ret = ensure_dir(vol, STATE_DIR, d);
	if (!ret)
		ret = ensure_dir(vol, JOURNAL_DIR, d);
	if (!ret)
		ret = journal_plan(&jr, p, d);
	if (!ret)
		ret = report_step(fn, ctx, WR_PROG_STEP_END, 1, 1, step_names[1]);
	if (!ret)
		ret = run_steps(&jr, &vol, p, o, fn, ctx, d);
out:
	wr_journal_release(&jr.v.j);
	wr_ntfs_close(vol);
	wr_blockdev_unlock(jr.lock);
	p->seconds = now_s() - start;
	return ret;
}

int wr_refresh_resume(const struct wr_refresh_opts *o, struct wr_refresh_plan *p,
		      wr_progress_fn fn, void *ctx, struct wr_detail *d)
{
	struct wr_ntfs *vol = NULL;
	struct jrnl jr;
	int ret;

	double start = now_s();

	memset(&jr, 0, sizeof(jr));
	memset(p, 0, sizeof(*p));
	ret = wr_blockdev_check_not_live(o->target, d);
	if (!ret)
		ret = wr_blockdev_resolve(o->target, o->partition, &p->ext, d);
	if (!ret)
		ret = wr_blockdev_check_unmounted(&p->ext, d);
	if (!ret)
		ret = wr_blockdev_lock(&p->ext, &jr.lock, d);
	if (ret)
		return ret;
	/* hiberfil.sys may still be there when the crash came before it was removed;
	 * the person agreed to discard it when the refresh started. */
	ret = wr_ntfs_open(&p->ext, WR_NTFS_RDWR | WR_NTFS_IGNORE_HIBERFILE, &vol, d);
	if (ret)
		goto out;
	wr_vjournal_init(&jr.v, vol, JOURNAL_DIR);
	ret = wr_vjournal_load(&jr.v, d);
	if (ret == WR_ERR_NOT_FOUND) {
		ret = wr_detail_set(d, WR_ERR_NOT_FOUND, 0, JOURNAL_DIR);
		goto out;
	}
	if (ret)
		goto out;
	if (jr.v.j.torn_tail)
		wr_log(WR_LOG_WARN, "journal: a torn last record was ignored");
	if (wr_journal_find(&jr.v.j, "done", "refresh", NULL)) {
		ret = wr_vjournal_archive(vol, JOURNAL_DIR, "journal", d);	/* only that was left */
		goto out;
	}
	if (!wr_journal_find(&jr.v.j, "planned", "refresh", NULL)) {
		/* Died while writing the plan: nothing was moved yet (the plan is written
		 * whole before the first step begins).  Remove the unfinished journal so
		 * the refresh can simply be started again -- but only when it really holds
		 * nothing but plan records. */
		for (size_t i = 0; i < jr.v.j.n; i++)
			if (strcmp(jr.v.j.v[i].kind, "plan")) {
				ret = wr_detail_set(d, WR_ERR_JOURNAL, 0, JOURNAL_DIR);
				goto out;
			}
		ret = wr_ntfs_delete_tree(vol, JOURNAL_DIR, d);
		if (!ret)
			ret = wr_detail_set(d, WR_ERR_NOTHING_TO_RESUME, 0, o->target);
		goto out;
	}
	ret = plan_from_journal(&jr.v.j, p, d);
	/* The apply is journaled under the host path the image had when the refresh
	 * began; a factory image is mounted again, maybe elsewhere. */
	if (!ret && p->source_partition)
		wr_stage_cleanup(p->source_disk, p->source_partition);
	if (!ret && p->source_partition && !jrnl_ended(&jr, "apply", p->source)) {
		char first[4096];

		snprintf(first, sizeof(first), "%s", p->source);
		ret = stage_source(p, d);
		if (!ret)
			ret = rename_source_records(&jr.v.j, first, p->source);
	}
	if (!ret)
		ret = run_steps(&jr, &vol, p, o, fn, ctx, d);
out:
	wr_journal_release(&jr.v.j);
	wr_ntfs_close(vol);
	wr_blockdev_unlock(jr.lock);
	p->seconds = now_s() - start;
	return ret;
}
