/*
 * recimg.c - custom refresh images, the equivalents of Windows 8.1's recimg:
 * capture the offline system (without user data) into DIR\CustomRefresh.wim, and
 * register it in the installation's Windows\System32\Recovery\ReAgent.xml as
 * PBRCustomImageLocation, so that Windows' own refresh and winrescue's use it first.
 *
 * The target volume is only read (wimlib's NTFS mode, through a read-only loop device
 * for a partition inside a disk image); the one write to it is ReAgent.xml, written
 * whole after a copy of the old one is kept as ReAgent.xml.winrescue-bak.
 *
 * Where a host folder is (which partition of which disk) is found here from the
 * mount table (mounts.c, libmount) and sysfs, because no library answers "which partition of
 * which disk image holds this folder": libblkid and libparted start from a device,
 * and the kernel only tells the mount's device, a loop device's backing file and a
 * partition's start.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"
#include "intl.h"

#define REAGENT_PATH "Windows\\System32\\Recovery\\ReAgent.xml"
#define RECOVERY_DIR "Windows\\System32\\Recovery"
#define ZERO_GUID    "{00000000-0000-0000-0000-000000000000}"
/* Room kept free beyond the estimate: the WIM's XML, lookup table and metadata. */
#define SPACE_MARGIN (16u * 1024 * 1024)

/* ------------------------------------------------------------------------- */
/* Where bytes live (the same notion as blockdev.c's checks): a host file (dev,   */
/* inode) or a whole disk (block device number), and a byte range in it.        */
/* ------------------------------------------------------------------------- */

struct place {
	bool is_file;
	dev_t dev;
	ino_t ino;
	uint64_t start, size; /* size 0: to the end */
	char disk[PATH_MAX];  /* the backing file or the whole disk's node */
};

static uint64_t read_sys_u64(const char *dir, const char *leaf)
{
	char path[PATH_MAX + 64], buf[64];

	if ((size_t)snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX, dir, leaf) >= sizeof(path))
		return 0;
	if (wr_read_line(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

/* The bytes of block device rdev: a partition maps to its disk plus its start, a
 * loop device to its backing file plus its offset.  -1 when sysfs does not know it. */
static int place_of_blockdev(dev_t rdev, struct place *pl)
{
	char sys[128], real[PATH_MAX], buf[PATH_MAX + 64], name[PATH_MAX];
	char *slash;
	struct stat st;

	memset(pl, 0, sizeof(*pl));
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
	if (!realpath(sys, real))
		return -1;
	pl->dev = rdev;
	pl->size = read_sys_u64(real, "size") * 512;
	snprintf(buf, sizeof(buf), "%s/partition", real);
	if (!access(buf, F_OK)) {
		unsigned ma, mi;

		pl->start = read_sys_u64(real, "start") * 512;
		slash = strrchr(real, '/');
		if (!slash)
			return -1;
		*slash = '\0';
		snprintf(buf, sizeof(buf), "%s/dev", real);
		if (wr_read_line(buf, name, sizeof(name)) || sscanf(name, "%u:%u", &ma, &mi) != 2)
			return -1;
		pl->dev = makedev(ma, mi);
	}
	slash = strrchr(real, '/');
	snprintf(pl->disk, sizeof(pl->disk), "/dev/%.200s", slash ? slash + 1 : real);
	snprintf(buf, sizeof(buf), "%s/loop/backing_file", real);
	if (!wr_read_line(buf, name, sizeof(name)) && !stat(name, &st) && S_ISREG(st.st_mode)) {
		snprintf(buf, sizeof(buf), "%s/loop", real);
		pl->is_file = true;
		pl->dev = st.st_dev;
		pl->ino = st.st_ino;
		pl->start += read_sys_u64(buf, "offset");
		snprintf(pl->disk, sizeof(pl->disk), "%s", name);
	}
	return 0;
}

static bool overlaps(const struct place *a, const struct place *b)
{
	uint64_t a_end = a->size ? a->start + a->size : UINT64_MAX;
	uint64_t b_end = b->size ? b->start + b->size : UINT64_MAX;

	if (a->is_file != b->is_file || a->dev != b->dev || (a->is_file && a->ino != b->ino))
		return false;
	return a->start < b_end && b->start < a_end;
}

static int place_of_extent(const struct wr_extent *ext, struct place *pl, struct wr_detail *d)
{
	struct stat st;

	if (stat(ext->path, &st)) {
		/* The code itself: the analyser cannot see wr_detail_set returns it. */
		wr_detail_set(d, WR_ERR_OPEN, errno, ext->path);
		return WR_ERR_OPEN;
	}
	if (S_ISBLK(st.st_mode)) {
		if (place_of_blockdev(st.st_rdev, pl)) {
			memset(pl, 0, sizeof(*pl));
			pl->dev = st.st_rdev;
		}
	} else {
		memset(pl, 0, sizeof(*pl));
		pl->is_file = true;
		pl->dev = st.st_dev;
		pl->ino = st.st_ino;
		snprintf(pl->disk, sizeof(pl->disk), "%s", ext->path);
	}
	pl->start += ext->offset;
	pl->size = ext->size;
	return WR_OK;
}

/* The mount holding a folder. */
struct dir_mount {
	char real[PATH_MAX]; /* the folder, resolved */
	char mnt[PATH_MAX];  /* its mount point */
	char root[PATH_MAX]; /* the mount's root inside its file system ("/") */
	char src[PATH_MAX];  /* the mount's source ("/dev/loop0") */
	char fstype[64];
	bool have_place;
	struct place pl; /* the bytes behind the mount */
};

/* Find the mount of real path dir (st_dev = dev): the longest mount point that is a
 * prefix of the path among the mounts of that device number. */
static int find_mount(const char *dir, struct dir_mount *m, struct wr_detail *d)
{
	struct wr_mount *mt = NULL;
	struct stat st;
	size_t n = 0, best = 0;
	bool found = false;
	int ret;

	memset(m, 0, sizeof(*m));
	if (!realpath(dir, m->real))
		return wr_detail_set(d, errno == ENOENT ? WR_ERR_NOT_FOUND : WR_ERR_OPEN, errno,
				     dir);
	if (stat(m->real, &st))
		return wr_detail_set(d, WR_ERR_OPEN, errno, dir);
	if (!S_ISDIR(st.st_mode))
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, ENOTDIR, dir, "not a folder");
	ret = wr_mounts_read(&mt, &n, d);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(mt[i].target);

		if (mt[i].dev != st.st_dev)
			continue;
		if (!(strcmp(mt[i].target, "/") == 0 ||
		      (!strncmp(m->real, mt[i].target, len) &&
		       (m->real[len] == '/' || !m->real[len]))))
			continue;
		if (found && len <= best)
			continue;
		found = true;
		best = len;
		snprintf(m->mnt, sizeof(m->mnt), "%s", mt[i].target);
		snprintf(m->root, sizeof(m->root), "%s", mt[i].root);
		snprintf(m->src, sizeof(m->src), "%s", mt[i].source);
		snprintf(m->fstype, sizeof(m->fstype), "%s", mt[i].fstype);
	}
	wr_mounts_free(mt, n);
	if (!found)
		return wr_detail_setf(d, WR_ERR_NOT_FOUND, 0, dir, "no mount holds this folder");
	/* The bytes behind the mount: the kernel's device number, else (FUSE) the
	 * source named in mountinfo, a block device or a file. */
	if (major(st.st_dev) != 0 && !place_of_blockdev(st.st_dev, &m->pl)) {
		m->have_place = true;
	} else if (m->src[0] == '/' && !stat(m->src, &st)) {
		if (S_ISBLK(st.st_mode) && !place_of_blockdev(st.st_rdev, &m->pl)) {
			m->have_place = true;
		} else if (S_ISREG(st.st_mode)) {
			memset(&m->pl, 0, sizeof(m->pl));
			m->pl.is_file = true;
			m->pl.dev = st.st_dev;
			m->pl.ino = st.st_ino;
			snprintf(m->pl.disk, sizeof(m->pl.disk), "%s", m->src);
			m->have_place = true;
		}
	}
	return WR_OK;
}

/* WR_ERR_DIR_ON_TARGET when the folder's bytes are on the target volume. */
static int check_not_on_target(const struct dir_mount *m, const struct wr_extent *ext,
			       const char *dir, struct wr_detail *d)
{
	struct place target;
	int ret = place_of_extent(ext, &target, d);

	if (ret)
		return ret;
	if (m->have_place && overlaps(&m->pl, &target)) {
		wr_log(WR_LOG_WARN, "recimg: '%s' is on the target (%s mounted on %s)", dir, m->src,
		       m->mnt);
		return wr_detail_setf(d, WR_ERR_DIR_ON_TARGET, 0, dir, "%s mounted on %s", m->src,
				      m->mnt);
	}
	return WR_OK;
}

int wr_recimg_locate_dir(const char *dir, struct wr_recimg_place *out, struct wr_detail *d)
{
	struct dir_mount *m = NULL;
	struct wr_disk *disk = NULL;
	const struct wr_partition *part = NULL;
	char rel[PATH_MAX * 2];
	size_t len;
	int ret;

	if (!dir || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, dir);
	memset(out, 0, sizeof(*out));
	m = malloc(sizeof(*m));
	if (!m)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, dir);
	ret = find_mount(dir, m, d);
	if (ret)
		goto out;
	if (!m->have_place || !m->pl.disk[0]) {
		ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, dir,
				     "%s (%s) is not a disk partition", m->src, m->fstype);
		goto out;
	}
	ret = wr_disk_read(m->pl.disk, &disk, d);
	if (ret && access(m->pl.disk, F_OK)) {
		/* The kernel's device has no node here (a container's root disk). */
		ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, errno, dir, "no device node %s",
				     m->pl.disk);
		goto out;
	}
	if (ret)
		goto out;
	for (size_t i = 0; i < disk->nparts; i++)
		if (disk->parts[i].start == m->pl.start)
			part = &disk->parts[i];
	if (disk->table == WR_TABLE_NONE || !part ||
	    (disk->table != WR_TABLE_GPT && disk->table != WR_TABLE_MBR)) {
		ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, dir,
				     "%s at offset %llu is not a partition of a GPT or MBR disk",
				     m->pl.disk, (unsigned long long)m->pl.start);
		goto out;
	}
	snprintf(out->disk, sizeof(out->disk), "%s", disk->path);
	snprintf(out->mountpoint, sizeof(out->mountpoint), "%s", m->mnt);
	out->partition = part->number;
	/* The folder inside the file system: the mount's root, then the rest of the
	 * path below the mount point, with Windows' separators. */
	len = strlen(m->mnt);
	snprintf(rel, sizeof(rel), "%s%s%s", strcmp(m->root, "/") ? m->root : "",
		 strcmp(m->mnt, "/") ? "" : "/", m->real + (strcmp(m->mnt, "/") ? len : 0));
	if (!rel[0])
		snprintf(rel, sizeof(rel), "/");
	for (char *p = rel; *p; p++)
		if (*p == '/')
			*p = '\\';
	len = strlen(rel);
	if (len > 1 && rel[len - 1] == '\\')
		rel[len - 1] = '\0';
	if (strlen(rel) >= sizeof(out->loc.path)) {
		ret = wr_detail_set(d, WR_ERR_TOO_LARGE, ENAMETOOLONG, dir);
		goto out;
	}
	memcpy(out->loc.path, rel, strlen(rel) + 1);
	out->loc.present = true;
	out->loc.offset = part->start;
	if (disk->table == WR_TABLE_GPT) {
		snprintf(out->loc.guid, sizeof(out->loc.guid), "{%s}", disk->disk_guid);
		out->loc.id = 0;
	} else {
		snprintf(out->loc.guid, sizeof(out->loc.guid), "%s", ZERO_GUID);
		out->loc.id = disk->mbr_signature;
	}
	wr_log(WR_LOG_INFO, "recimg: '%s' is '%s' on partition %u of '%s' (offset %llu)", dir,
	       out->loc.path, out->partition, out->disk, (unsigned long long)part->start);
	ret = WR_OK;
out:
	wr_disk_free(disk);
	free(m);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* Exclusions                                                                 */
/* ------------------------------------------------------------------------- */

/* Fixed exclusions: page, swap and hibernation files, earlier systems, restore points,
 * the recycle bin, winrescue's own journal. */
static const char *const fixed_exclusions[] = {
    "\\pagefile.sys",  "\\hiberfil.sys",
    "\\swapfile.sys",  "\\Windows.old",
    "\\Windows.old.*", "\\System Volume Information",
    "\\$Recycle.Bin",  "\\$WinRescue",
    "\\Users\\*",      NULL,
};
/* What stays under \Users: the profiles new accounts are made from, and the
 * system's own junctions and desktop.ini (not anybody's data). */
static const char *const users_kept[] = {
    "Default", "Public", "All Users", "Default User", "desktop.ini", NULL,
};

static bool is_kept_user_dir(const char *name)
{
	for (const char *const *k = users_kept; *k; k++)
		if (!strcasecmp(name, *k))
			return true;
	return false;
}

/* A ProfileList path ("C:\Users\Bob", "%SystemDrive%\Profiles\Bob") as a volume path
 * pattern ("\Profiles\Bob"); wildcard and bracket characters of the name become '?'
 * (wimlib's config has no escapes).  false when it names no folder of a volume. */
static bool profile_pattern(const char *profile, char *out, size_t size)
{
	const char *p = profile;
	size_t o = 0;

	if (!strncasecmp(p, "%SystemDrive%", 13))
		p += 13;
	else if (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':')
		p += 2;
	else
		return false;
	if (*p != '\\' && *p != '/')
		return false;
	for (; *p && o + 1 < size; p++)
		out[o++] = *p == '/' ? '\\' : (*p == '*' || *p == '?' || *p == '[') ? '?' : *p;
	out[o] = '\0';
	while (o > 1 && out[o - 1] == '\\')
		out[--o] = '\0';
	return o > 1 && !*p;
}

int wr_recimg_exclusions(const struct wr_windows *w, char ***exclusions, char ***exceptions,
			 struct wr_detail *d)
{
	char **ex = NULL, **keep = NULL;
	size_t nex = 0, nkeep = 0;
	char pat[1100], buf[1200];

	if (!exclusions || !exceptions)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	*exclusions = *exceptions = NULL;
	for (const char *const *e = fixed_exclusions; *e; e++)
		if (wr_strv_push(&ex, &nex, *e))
			goto nomem;
	for (const char *const *k = users_kept; *k; k++) {
		snprintf(buf, sizeof(buf), "\\Users\\%s", *k);
		if (wr_strv_push(&keep, &nkeep, buf))
			goto nomem;
	}
	for (size_t i = 0; w && i < w->nusers; i++) {
		const char *leaf;

		if (w->users[i].special ||
		    !profile_pattern(w->users[i].profile_path, pat, sizeof(pat)))
			continue;
		/* Under \Users the wildcard already covers it (and Default/Public stay). */
		leaf = pat + 7;
		if (!strncasecmp(pat, "\\Users\\", 7) && !strchr(leaf, '\\'))
			continue;
		if (wr_strv_push(&ex, &nex, pat))
			goto nomem;
	}
	if (!keep && wr_strv_push(&keep, &nkeep, "\\Users\\Default"))
		goto nomem;
	*exclusions = ex;
	*exceptions = keep;
	return WR_OK;
nomem:
	wr_strv_free(ex);
	wr_strv_free(keep);
	return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
}

/* ------------------------------------------------------------------------- */
/* Target                                                                     */
/* ------------------------------------------------------------------------- */

/* Root folders that are not the system's (\Data, \Games, ...) are the person's: a
 * refresh from this image must never bring back an old copy of them (it would move
 * the current one into Windows.old), so they stay out of the image. */
static const char *const system_root[] = {
	"Windows", "Program Files", "Program Files (x86)", "ProgramData", "Users",
	"Documents and Settings", "PerfLogs", "bootmgr", "BOOTNXT", "Boot", "Recovery",
	"MSOCache", "Config.Msi", NULL,
};

static int exclude_personal_root(struct wr_ntfs *vol, char ***excl, struct wr_detail *d)
{
	char **root = NULL;
	size_t n = wr_strv_len(*excl);
	int ret = wr_ntfs_list(vol, "\\", &root, d);

	for (size_t i = 0; !ret && root[i]; i++) {
		const char *const *s = system_root;
		char pat[600];

		while (*s && strcasecmp(*s, root[i]))
			s++;
		if (*s)
			continue;
		snprintf(pat, sizeof(pat), "\\%s", root[i]);
		ret = wr_strv_push(excl, &n, pat);
	}
	wr_strv_free(root);
	return ret;
}

struct target {
	struct wr_extent ext;
	struct wr_volume_state state;
	struct wr_blockdev_lock *lock;
	struct wr_ntfs *vol;
	struct wr_windows *w;
};

static void target_release(struct target *t)
{
	if (t->w)
		wr_windows_free(t->w);
	if (t->vol)
		wr_ntfs_close(t->vol);
	wr_blockdev_unlock(t->lock);
	memset(t, 0, sizeof(*t));
}

/* Resolve the target; with dm (not NULL) first refuse a folder on it (before the
 * mount check: a folder on the target means it is mounted, and that is the clearer
 * reason).  Then the state checks, the lock, and a read-only open with the
 * installation's facts. */
static int target_open(const struct wr_recimg_opts *o, const struct dir_mount *dm, const char *dir,
		       struct target *t, struct wr_detail *d)
{
	int ret;

	memset(t, 0, sizeof(*t));
	if (!o || !o->target) {
		/* The code itself: the analyser cannot see wr_detail_set returns it. */
		wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
		return WR_ERR_INVALID_ARG;
	}
	ret = wr_blockdev_resolve(o->target, o->partition, &t->ext, d);
	if (ret)
		return ret;
	if (dm && (ret = check_not_on_target(dm, &t->ext, dir, d)))
		return ret;
	ret = wr_blockdev_check_unmounted(&t->ext, d);
	if (ret)
		return ret;
	ret = wr_ntfs_probe(&t->ext, &t->state, d);
	if (ret)
		return ret;
	if (t->state.bitlocker)
		return wr_detail_set(d, WR_ERR_BITLOCKER, 0, o->target);
	if (!t->state.is_ntfs)
		return wr_detail_set(d, WR_ERR_NOT_NTFS, 0, o->target);
	if (t->state.hibernated)
		return wr_detail_set(d, WR_ERR_HIBERNATED, 0, o->target);
	if (t->state.fast_startup)
		return wr_detail_set(d, WR_ERR_FAST_STARTUP, 0, o->target);
	ret = wr_blockdev_lock(&t->ext, &t->lock, d);
	if (ret)
		return ret;
	ret = wr_ntfs_open(&t->ext, WR_NTFS_RDONLY, &t->vol, d);
	if (!ret)
		ret = wr_winsys_read(t->vol, &t->w, d);
	if (ret)
		target_release(t);
	return ret;
}

/* Write ReAgent.xml with the custom image location loc (NULL: cleared).  The volume
 * is opened read-write only for this; the old file is kept as the backup first. */
static int write_registration(struct target *t, const struct wr_reagent_location *loc,
			      bool *changed, struct wr_detail *d)
{
	struct wr_ntfs_stat st;
	void *old = NULL;
	size_t old_len = 0, new_len = 0;
	char *doc = NULL;
	struct wr_reagent check;
	int ret;

	if (changed)
		*changed = false;
	wr_ntfs_close(t->vol);
	t->vol = NULL;
	ret = wr_ntfs_open(&t->ext, WR_NTFS_RDWR, &t->vol, d);
	if (ret)
		return ret;
	ret = wr_ntfs_read_file(t->vol, REAGENT_PATH, WR_REAGENT_MAX_SIZE, &old, &old_len, d);
	if (ret == WR_ERR_NOT_FOUND) {
		old = NULL;
		old_len = 0;
	} else if (ret) {
		return ret;
	}
	ret = wr_reagent_set_custom_image(old, old_len, loc, &doc, &new_len, d);
	if (ret)
		goto out;
	/* What is written must read back as meant. */
	ret = wr_reagent_parse(doc, new_len, &check, d);
	if (ret)
		goto out;
	if (check.pbr_custom.present != (loc && loc->present)) {
		ret = wr_detail_setf(d, WR_ERR_XML, 0, REAGENT_PATH,
				     "registration did not read back");
		goto out;
	}
	if (old && old_len == new_len && !memcmp(old, doc, new_len)) {
		ret = WR_OK;
		goto out;
	}
	if (old) {
		ret = wr_ntfs_write_file(t->vol, WR_RECIMG_REAGENT_BACKUP, old, old_len, d);
		if (ret)
			goto out;
	} else if (wr_ntfs_stat(t->vol, RECOVERY_DIR, &st, NULL) != WR_OK) {
		ret = wr_ntfs_mkdir(t->vol, RECOVERY_DIR, d);
		if (ret)
			goto out;
	}
	ret = wr_ntfs_write_file(t->vol, REAGENT_PATH, doc, new_len, d);
	if (ret)
		goto out;
	if (changed)
		*changed = true;
	wr_log(WR_LOG_INFO, "recimg: ReAgent.xml written (custom image %s%s, index %u)",
	       loc && loc->present ? "at " : "cleared", loc && loc->present ? loc->path : "",
	       loc && loc->present ? loc->index : 0u);
out:
	free(old);
	free(doc);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* Files                                                                      */
/* ------------------------------------------------------------------------- */

static int fsync_path(const char *path, bool dir, struct wr_detail *d)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, path);
	if (fsync(fd) && errno != EINVAL) {
		int e = errno;

		close(fd);
		return wr_detail_set(d, WR_ERR_WRITE, e, path);
	}
	close(fd);
	return WR_OK;
}

static int check_writable(const char *dir, struct wr_detail *d)
{
	struct statvfs vs;

	if (statvfs(dir, &vs))
		return wr_detail_set(d, WR_ERR_OPEN, errno, dir);
	if (vs.f_flag & ST_RDONLY)
		return wr_detail_setf(d, WR_ERR_READ_ONLY, EROFS, dir, "read-only file system");
	if (access(dir, W_OK | X_OK))
		return wr_detail_setf(d, WR_ERR_READ_ONLY, errno, dir, "%s", strerror(errno));
	return WR_OK;
}

/* Bytes the capture reads: every file of the volume minus the excluded ones. */
static int estimate_size(struct target *t, uint64_t *out, struct wr_detail *d)
{
	uint64_t total = 0, excl = 0, bytes;
	char **users = NULL;
	char path[1200];
	struct wr_ntfs_stat st;
	int ret;

	ret = wr_ntfs_tree_size(t->vol, "\\", &total, NULL, d);
	if (ret)
		return ret;
	for (const char *const *e = fixed_exclusions; *e; e++) {
		if (strchr(*e, '*'))
			continue;
		if (wr_ntfs_stat(t->vol, *e, &st, NULL) != WR_OK)
			continue;
		bytes = st.size;
		if (st.is_dir && !st.is_reparse &&
		    wr_ntfs_tree_size(t->vol, *e, &bytes, NULL, NULL) != WR_OK)
			bytes = 0;
		excl += bytes;
	}
	/* \Windows.old.000 ... and the profiles. */
	if (wr_ntfs_list(t->vol, "\\", &users, NULL) == WR_OK) {
		for (char **n = users; *n; n++)
			if (!strncasecmp(*n, "Windows.old.", 12)) {
				snprintf(path, sizeof(path), "\\%.1000s", *n);
				if (wr_ntfs_tree_size(t->vol, path, &bytes, NULL, NULL) == WR_OK)
					excl += bytes;
			}
		wr_ntfs_list_free(users);
		users = NULL;
	}
	if (wr_ntfs_list(t->vol, "\\Users", &users, NULL) == WR_OK) {
		for (char **n = users; *n; n++) {
			if (is_kept_user_dir(*n))
				continue;
			snprintf(path, sizeof(path), "\\Users\\%.1000s", *n);
			if (wr_ntfs_stat(t->vol, path, &st, NULL) != WR_OK)
				continue;
			bytes = st.size;
			if (st.is_dir && !st.is_reparse &&
			    wr_ntfs_tree_size(t->vol, path, &bytes, NULL, NULL) != WR_OK)
				bytes = 0;
			excl += bytes;
		}
		wr_ntfs_list_free(users);
	}
	*out = total > excl ? total - excl : 0;
	return WR_OK;
}

static bool name_taken(const struct wr_wim_info *info, const char *name)
{
	for (unsigned i = 0; i < info->image_count; i++)
		if (!strcasecmp(info->images[i].name, name))
			return true;
	return false;
}

static void default_name(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, size, "Custom refresh %Y-%m-%d %H:%M:%S UTC", &tm);
}

/* Register the newest image of wim (a host file in the folder at place). */
static int register_image(struct target *t, struct wr_recimg_place *pl, unsigned index,
			  struct wr_detail *d)
{
	pl->loc.index = index;
	return write_registration(t, &pl->loc, NULL, d);
}

/* ------------------------------------------------------------------------- */
/* create, set, deregister, show                                              */
/* ------------------------------------------------------------------------- */

/* The caller's progress callback, remembering an ABORT: wimlib may report a stop
 * asked for in the middle of reading the volume as an NTFS error. */
struct prog_wrap {
	wr_progress_fn fn;
	void *ctx;
	bool aborted;
};

static enum wr_prog_status prog_wrap_cb(enum wr_prog_msg msg, const union wr_prog_info *info,
					void *ctx)
{
	struct prog_wrap *w = ctx;
	enum wr_prog_status s = w->fn ? w->fn(msg, info, w->ctx) : WR_PROG_CONTINUE;

	if (s == WR_PROG_ABORT)
		w->aborted = true;
	return s;
}

static int wim_path_in(const char *dir, const char *suffix, char *out, size_t size,
		       struct wr_detail *d)
{
	if ((size_t)snprintf(out, size, "%s/%s%s", dir, WR_RECIMG_FILE, suffix) >= size)
		return wr_detail_set(d, WR_ERR_TOO_LARGE, ENAMETOOLONG, dir);
	return WR_OK;
}

int wr_recimg_create(const struct wr_recimg_opts *o, wr_progress_fn fn, void *ctx,
		     struct wr_recimg_result *res, struct wr_detail *d)
{
	struct dir_mount *dm = NULL;
	struct target t;
	struct wr_loopdev *loop = NULL;
	struct wr_wim_info *old_info = NULL;
	struct wr_wim_capture_opts co;
	struct prog_wrap pw = {fn, ctx, false};
	char **excl = NULL, **keep = NULL;
	char tmp_path[PATH_MAX + 64], name[256];
	const char *source;
	struct statvfs vs;
	struct stat st;
	uint64_t needed, avail;
	int ret;

	memset(&t, 0, sizeof(t));
	if (!o || !o->target || !o->dir || !res)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	memset(res, 0, sizeof(*res));
	dm = malloc(sizeof(*dm));
	if (!dm)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, o->dir);
	ret = find_mount(o->dir, dm, d);
	if (ret)
		goto out;
	ret = wim_path_in(dm->real, "", res->wim_path, sizeof(res->wim_path), d);
	if (!ret)
		ret = wim_path_in(dm->real, WR_RECIMG_TMP_SUFFIX, tmp_path, sizeof(tmp_path), d);
	if (ret)
		goto out;
	ret = target_open(o, dm, o->dir, &t, d);
	if (ret)
		goto out;
	{
		struct wr_ntfs_stat jst;

		if (wr_ntfs_stat(t.vol, "\\$WinRescue\\journal", &jst, NULL) == WR_OK) {
			/* A half-done refresh must be finished, not captured. */
			ret = wr_detail_set(d, WR_ERR_INTERRUPTED, 0, o->target);
			goto out;
		}
	}
	ret = check_writable(dm->real, d);
	if (ret)
		goto out;
	/* An existing image file is appended to only when it is sound.  Its header,
	 * lookup table and XML are checked here; every byte against its integrity table
	 * by wr_wim_capture, before it writes anything (once: reading a big file twice
	 * was most of the time of a second capture). */
	if (stat(res->wim_path, &st) == 0) {
		ret = wr_wim_read_info(res->wim_path, false, &old_info, d);
		if (ret) {
			wr_log_err("recimg: existing image", ret, d);
			ret = wr_detail_setf(d, WR_ERR_CUSTOM_IMAGE_CORRUPT, d ? d->sys_errno : 0,
					     res->wim_path, "%s", wr_err_name(ret));
			goto out;
		}
		res->appended = true;
		res->size_before = (uint64_t)st.st_size;
	} else if (errno != ENOENT) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, res->wim_path);
		goto out;
	}
	/* Image names are unique in a WIM: a default name made twice in one second
	 * gets a number; a name the person chose that is taken is refused. */
	if (o->name && *o->name)
		snprintf(name, sizeof(name), "%s", o->name);
	else
		default_name(name, sizeof(name));
	for (unsigned n = 2; old_info && name_taken(old_info, name); n++) {
		if (o->name && *o->name) {
			ret = wr_detail_setf(d, WR_ERR_EXISTS, EEXIST, o->name,
					     "an image of that name is in %s", res->wim_path);
			goto out;
		}
		default_name(name, sizeof(name));
		snprintf(name + strlen(name), sizeof(name) - strlen(name), " (%u)", n);
	}
	ret = wr_recimg_exclusions(t.w, &excl, &keep, d);
	if (!ret)
		ret = exclude_personal_root(t.vol, &excl, d);
	if (ret)
		goto out;
	ret = estimate_size(&t, &res->estimate, d);
	if (ret)
		goto out;
	/* A new file needs the expanded size (LZX usually halves it: this errs on the
	 * safe side); an append stores only what the newest image lacks. */
	needed = res->estimate;
	if (old_info && old_info->image_count) {
		uint64_t last = old_info->images[old_info->image_count - 1].total_bytes;

		needed = needed > last ? needed - last : 0;
	}
	needed += SPACE_MARGIN + res->estimate / 100;
	if (statvfs(dm->real, &vs)) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, o->dir);
		goto out;
	}
	avail = (uint64_t)vs.f_bavail * vs.f_frsize;
	wr_log(WR_LOG_INFO, "recimg: estimate %llu bytes, need %llu, '%s' has %llu free",
	       (unsigned long long)res->estimate, (unsigned long long)needed, dm->real,
	       (unsigned long long)avail);
	if (avail < needed) {
		ret =
		    wr_detail_setf(d, WR_ERR_NO_SPACE, ENOSPC, o->dir, "need %llu bytes, %llu free",
				   (unsigned long long)needed, (unsigned long long)avail);
		goto out;
	}

	/* wimlib opens the volume itself; ours is closed (the lock stays). */
	wr_ntfs_close(t.vol);
	t.vol = NULL;
	source = t.ext.path;
	if (t.ext.offset || t.ext.partition) {
		ret = wr_loopdev_attach(&t.ext, true, &loop, d);
		if (ret)
			goto out;
		source = wr_loopdev_path(loop);
	}
	memset(&co, 0, sizeof(co));
	co.name = name;
	co.description = "Custom refresh image made by winrescue";
	co.exclusions = (const char *const *)excl;
	co.exceptions = (const char *const *)keep;
	/* With an integrity table, damage anywhere in the file is found before the next
	 * append (without one, only the header, XML and lookup table are checked). */
	co.integrity = true;
	co.update_of_last = true;	/* an earlier image here is of this same system */
	if (res->appended) {
		/* wimlib appends in place: new data after the old, then the new XML and
		 * lookup table, the header last; until then readers see the old file. */
		ret = wr_wim_capture(source, res->wim_path, &co, prog_wrap_cb, &pw, &res->index, d);
		if (ret && pw.aborted)
			ret = wr_detail_set(d, WR_ERR_ABORTED, 0, res->wim_path);
		if (ret == WR_ERR_WIM_CORRUPT)
			ret = wr_detail_setf(d, WR_ERR_CUSTOM_IMAGE_CORRUPT, 0, res->wim_path,
					     "refused to append");
		if (ret)
			goto out;
		ret = fsync_path(res->wim_path, false, d);
		if (ret)
			goto out;
	} else {
		/* A leftover of an interrupted first capture is not an image. */
		if (unlink(tmp_path) && errno != ENOENT) {
			ret = wr_detail_set(d, WR_ERR_WRITE, errno, tmp_path);
			goto out;
		}
		ret = wr_wim_capture(source, tmp_path, &co, prog_wrap_cb, &pw, &res->index, d);
		if (ret && pw.aborted)
			ret = wr_detail_set(d, WR_ERR_ABORTED, 0, res->wim_path);
		if (ret) {
			unlink(tmp_path);
			goto out;
		}
		ret = fsync_path(tmp_path, false, d);
		if (!ret && rename(tmp_path, res->wim_path))
			ret = wr_detail_set(d, WR_ERR_WRITE, errno, res->wim_path);
		if (!ret)
			ret = fsync_path(dm->real, true, d);
		if (ret) {
			unlink(tmp_path);
			goto out;
		}
	}
	wr_loopdev_detach(loop);
	loop = NULL;
	if (stat(res->wim_path, &st) == 0)
		res->size_after = (uint64_t)st.st_size;

	/* Register it, when Windows could find it. */
	res->register_err = wr_recimg_locate_dir(dm->real, &res->place, NULL);
	if (res->register_err) {
		wr_log(WR_LOG_WARN, "recimg: '%s' is not on a disk partition: not registered",
		       dm->real);
		ret = WR_OK;
		goto out;
	}
	ret = register_image(&t, &res->place, res->index, d);
	if (!ret)
		res->registered = true;
out:
	wr_loopdev_detach(loop);
	wr_wim_info_free(old_info);
	wr_strv_free(excl);
	wr_strv_free(keep);
	target_release(&t);
	free(dm);
	return ret;
}

int wr_recimg_set(const struct wr_recimg_opts *o, struct wr_recimg_result *res, struct wr_detail *d)
{
	struct dir_mount *dm = NULL;
	struct wr_wim_info *info = NULL;
	struct target t;
	const struct wr_image_info *img;
	unsigned mismatch;
	int ret;

	memset(&t, 0, sizeof(t));
	if (!o || !o->target || !o->dir || !res)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	memset(res, 0, sizeof(*res));
	dm = malloc(sizeof(*dm));
	if (!dm)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, o->dir);
	ret = find_mount(o->dir, dm, d);
	if (!ret)
		ret = wim_path_in(dm->real, "", res->wim_path, sizeof(res->wim_path), d);
	if (ret)
		goto out;
	ret = target_open(o, dm, o->dir, &t, d);
	if (ret)
		goto out;
	ret = wr_wim_read_info(res->wim_path, true, &info, d);
	if (ret == WR_ERR_OPEN && d && d->sys_errno == ENOENT)
		ret = wr_detail_set(d, WR_ERR_NOT_FOUND, ENOENT, res->wim_path);
	if (ret == WR_ERR_READ || ret == WR_ERR_WIM)
		ret = wr_detail_set(d, WR_ERR_WIM_CORRUPT, 0, res->wim_path);
	if (ret)
		goto out;
	if (!info->image_count) {
		ret = wr_detail_set(d, WR_ERR_NO_SUCH_IMAGE, 0, res->wim_path);
		goto out;
	}
	img = &info->images[info->image_count - 1];
	res->index = img->index;
	mismatch = wr_sources_match(t.w, img);
	/* An image of a newer build of the same Windows is fine; anything else is not. */
	if (mismatch) {
		ret = wr_detail_setf(d, WR_ERR_MISMATCH, 0, res->wim_path,
				     "mismatch bits 0x%x (image %s %u.%u.%u, system %s %u.%u.%u)",
				     mismatch, img->edition, img->major, img->minor, img->build,
				     t.w->edition, t.w->major, t.w->minor, t.w->build);
		goto out;
	}
	ret = wr_recimg_locate_dir(dm->real, &res->place, d);
	if (ret)
		goto out;
	ret = register_image(&t, &res->place, res->index, d);
	if (!ret)
		res->registered = true;
out:
	wr_wim_info_free(info);
	target_release(&t);
	free(dm);
	return ret;
}

int wr_recimg_deregister(const struct wr_recimg_opts *o, bool *was_registered, struct wr_detail *d)
{
	struct target t;
	int ret;

	if (was_registered)
		*was_registered = false;
	ret = target_open(o, NULL, NULL, &t, d);
	if (ret)
		return ret;
	if (!t.w->has_reagent || !t.w->reagent.pbr_custom.present) {
		ret = WR_OK;
		goto out;
	}
	if (was_registered)
		*was_registered = true;
	ret = write_registration(&t, NULL, NULL, d);
out:
	target_release(&t);
	return ret;
}

/* Find the WIM of loc on disk: the partition starting at loc->offset. */
static int show_on_disk(const struct wr_disk *disk, struct wr_recimg_status *st)
{
	struct wr_detail d = WR_DETAIL_INIT;
	const struct wr_partition *part = NULL;
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	struct wr_ntfs_stat fst;
	struct wr_reader r;
	struct wr_wim_info *info = NULL;
	char path[1200];
	int ret;

	for (size_t i = 0; i < disk->nparts; i++)
		if (disk->parts[i].start == st->loc.offset)
			part = &disk->parts[i];
	if (!part)
		return WR_ERR_NO_SUCH_PARTITION;
	snprintf(st->where, sizeof(st->where), "%.4000s partition %u", disk->path, part->number);
	snprintf(path, sizeof(path), "%.1000s%s%s", st->loc.path,
		 st->loc.path[strlen(st->loc.path) - 1] == '\\' ? "" : "\\", WR_RECIMG_FILE);
	ret = wr_blockdev_resolve(disk->path, part->number, &ext, &d);
	if (!ret)
		ret = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d);
	if (!ret)
		ret = wr_ntfs_stat(vol, path, &fst, &d);
	if (!ret) {
		st->file_bytes = fst.size;
		/* 100 ns ticks since 1601 to Unix time. */
		if (fst.modification_time > 116444736000000000ull)
			st->file_time =
			    (int64_t)((fst.modification_time - 116444736000000000ull) / 10000000u);
		ret = wr_ntfs_reader_open(vol, path, &r, &d);
		if (!ret) {
			ret = wr_wim_read_info_from(&r, path, &info, &d);
			wr_ntfs_reader_close(&r);
		}
	}
	if (!ret) {
		ret = WR_ERR_NO_SUCH_IMAGE;
		for (unsigned i = 0; i < info->image_count; i++)
			if (info->images[i].index == st->loc.index) {
				st->image = info->images[i];
				ret = WR_OK;
			}
	}
	if (ret)
		wr_log_err("recimg: registered image", ret, &d);
	wr_wim_info_free(info);
	if (vol)
		wr_ntfs_close(vol);
	return ret;
}

static bool disk_matches(const struct wr_disk *disk, const struct wr_reagent_location *loc)
{
	char guid[64];

	if (disk->table == WR_TABLE_GPT) {
		snprintf(guid, sizeof(guid), "{%s}", disk->disk_guid);
		return !strcasecmp(guid, loc->guid);
	}
	return disk->table == WR_TABLE_MBR && disk->mbr_signature == loc->id;
}

int wr_recimg_show(const struct wr_recimg_opts *o, struct wr_recimg_status *st, struct wr_detail *d)
{
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	struct wr_windows *w = NULL;
	struct wr_disk *disk = NULL;
	char **disks = NULL;
	int ret;

	if (!o || !o->target || !st)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	memset(st, 0, sizeof(*st));
	st->image_err = WR_ERR_NOT_FOUND;
	ret = wr_blockdev_resolve(o->target, o->partition, &ext, d);
	if (!ret)
		ret = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, d);
	if (!ret)
		ret = wr_winsys_read(vol, &w, d);
	if (vol)
		wr_ntfs_close(vol);
	if (ret)
		return ret;
	if (!w->has_reagent || !w->reagent.pbr_custom.present)
		goto out;
	st->registered = true;
	st->loc = w->reagent.pbr_custom;
	/* The target's own disk first, then the machine's disks with that identity. */
	if (ext.partition && wr_disk_read(ext.path, &disk, NULL) == WR_OK) {
		if (disk_matches(disk, &st->loc))
			st->image_err = show_on_disk(disk, st);
		wr_disk_free(disk);
		disk = NULL;
	}
	if (st->image_err && wr_disk_list(&disks, NULL) == WR_OK) {
		for (char **p = disks; *p && st->image_err; p++) {
			if (wr_disk_read(*p, &disk, NULL) == WR_OK && disk_matches(disk, &st->loc))
				st->image_err = show_on_disk(disk, st);
			wr_disk_free(disk);
			disk = NULL;
		}
		wr_disk_list_free(disks);
	}
	if (st->image_err && !st->where[0])
		snprintf(st->where, sizeof(st->where), "disk %s, offset %llu",
			 st->loc.guid[0] && strcmp(st->loc.guid, ZERO_GUID) ? st->loc.guid : "",
			 (unsigned long long)st->loc.offset);
out:
	wr_windows_free(w);
	return WR_OK;
}
