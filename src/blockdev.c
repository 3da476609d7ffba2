/*
 * blockdev.c - naming a target, checking that nothing mounts it, holding it.
 *
 * A target is a block device (/dev/sda3), a volume image file, or partition N of a
 * whole-disk image file or disk device.  Symlinks (/dev/disk/by-id/...) are resolved
 * with realpath() and the real device is what the extent and every message name.
 *
 * "Is it mounted?" reads the mount table (mounts.c).  Every mounted block device is mapped
 * to what really holds its bytes - a whole disk and a byte range on it, or, for a
 * loop device (and its partitions loopNpM), the backing file and a byte range in it
 * (/sys/block/loopN/loop/backing_file and offset) - and compared with the target's.
 * FUSE mounts (ntfs-3g) name their source in the table; a source that is the target
 * file or device counts too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "winrescue.h"

/* Where bytes live: a whole disk (block device number) or a host file (dev, inode),
 * and a byte range in it.  size 0 means "to the end". */
struct place {
	bool is_file;
	dev_t dev;
	ino_t ino;
	uint64_t start, size;
};

static uint64_t read_sys_u64(const char *path)
{
	char buf[64];

	if (wr_read_line(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

/* Map block device rdev to its place.  Returns -1 when sysfs does not know it. */
static int place_of_blockdev(dev_t rdev, struct place *pl)
{
	char sys[PATH_MAX], real[PATH_MAX], buf[PATH_MAX + 64], name[256];
	char *slash;
	struct stat st;

	memset(pl, 0, sizeof(*pl));
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
	if (!realpath(sys, real))
		return -1;
	pl->dev = rdev;
	pl->size = read_sys_u64((snprintf(buf, sizeof(buf), "%s/size", real), buf)) * 512;
	snprintf(buf, sizeof(buf), "%s/partition", real);
	if (!access(buf, F_OK)) {
		/* A partition: its parent directory is the whole disk. */
		pl->start = read_sys_u64((snprintf(buf, sizeof(buf), "%s/start", real), buf)) * 512;
		slash = strrchr(real, '/');
		if (!slash)
			return -1;
		*slash = '\0';
		snprintf(buf, sizeof(buf), "%s/dev", real);
		if (wr_read_line(buf, name, sizeof(name)))
			return -1;
		unsigned ma, mi;

		if (sscanf(name, "%u:%u", &ma, &mi) != 2)
			return -1;
		pl->dev = makedev(ma, mi);
	}
	/* A loop device (or a partition of one, whose parent is now in real): the
	 * bytes are in its backing file. */
	snprintf(buf, sizeof(buf), "%s/loop/backing_file", real);
	if (!wr_read_line(buf, name, sizeof(name))) {
		uint64_t off = read_sys_u64((snprintf(buf, sizeof(buf), "%s/loop/offset", real), buf));

		if (!stat(name, &st) && S_ISREG(st.st_mode)) {
			pl->is_file = true;
			pl->dev = st.st_dev;
			pl->ino = st.st_ino;
			pl->start += off;
		}
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

static int place_of_extent(const struct wr_extent *ext, struct place *pl,
			   struct wr_detail *d)
{
	struct stat st;

	if (stat(ext->path, &st))
		return wr_detail_set(d, WR_ERR_OPEN, errno, ext->path);
	if (S_ISBLK(st.st_mode)) {
		if (place_of_blockdev(st.st_rdev, pl)) {
			memset(pl, 0, sizeof(*pl));
			pl->dev = st.st_rdev;
		}
		pl->start += ext->offset;
		pl->size = ext->size;
	} else {
		memset(pl, 0, sizeof(*pl));
		pl->is_file = true;
		pl->dev = st.st_dev;
		pl->ino = st.st_ino;
		pl->start = ext->offset;
		pl->size = ext->size;
	}
	return WR_OK;
}

int wr_blockdev_check_unmounted(const struct wr_extent *ext, struct wr_detail *d)
{
	struct place target;
	struct wr_mount *m = NULL;
	size_t n = 0;
	int ret;

	if (!ext || !ext->path[0])
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	ret = place_of_extent(ext, &target, d);
	if (!ret)
		ret = wr_mounts_read(&m, &n, d);
	for (size_t i = 0; !ret && i < n; i++) {
		struct place pl;
		struct stat st;
		bool hit = false;

		if (major(m[i].dev) != 0 && !place_of_blockdev(m[i].dev, &pl) &&
		    overlaps(&pl, &target))
			hit = true;
		/* FUSE mounts (ntfs-3g) name their source: a block device or a file. */
		if (!hit && m[i].source[0] == '/' && !stat(m[i].source, &st)) {
			if (S_ISBLK(st.st_mode) && !place_of_blockdev(st.st_rdev, &pl))
				hit = overlaps(&pl, &target);
			else if (S_ISREG(st.st_mode)) {
				memset(&pl, 0, sizeof(pl));
				pl.is_file = true;
				pl.dev = st.st_dev;
				pl.ino = st.st_ino;
				hit = overlaps(&pl, &target);
			}
		}
		if (hit) {
			char subj[1024];

			snprintf(subj, sizeof(subj), "%.500s", m[i].target);
			wr_log(WR_LOG_WARN, "blockdev: '%s' is mounted on '%s' (%s from %s)",
			       ext->path, m[i].target, m[i].fstype, m[i].source);
			ret = wr_detail_setf(d, WR_ERR_MOUNTED, EBUSY, subj, "%.1000s mounted on %.1000s (%s)",
					     m[i].source, m[i].target, m[i].fstype);
		}
	}
	wr_mounts_free(m, n);
	return ret;
}

/* ------------------------------------------------------------------------- */

static uint64_t fd_size(int fd, const struct stat *st)
{
	uint64_t sz = 0;

	if (S_ISBLK(st->st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &sz))
			sz = 0;
		return sz;
	}
	return (uint64_t)st->st_size;
}

int wr_blockdev_resolve(const char *path, unsigned partition, struct wr_extent *out,
			struct wr_detail *d)
{
	char real[PATH_MAX];
	struct stat st;
	int fd;

	memset(out, 0, sizeof(*out));
	if (!path || !*path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, path);
	if (!realpath(path, real))
		return wr_detail_set(d, WR_ERR_OPEN, errno, path);
	if (strcmp(real, path))
		wr_log(WR_LOG_INFO, "blockdev: '%s' is '%s'", path, real);
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, real);
	if (fstat(fd, &st)) {
		int e = errno;

		close(fd);
		return wr_detail_set(d, WR_ERR_OPEN, e, real);
	}
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		close(fd);
		return wr_detail_setf(d, WR_ERR_OPEN, ENODEV, real,
				      "neither a block device nor a file");
	}
	snprintf(out->path, sizeof(out->path), "%s", real);
	out->is_block_device = S_ISBLK(st.st_mode);
	out->size = fd_size(fd, &st);
	close(fd);
	if (partition) {
		struct wr_disk *disk = NULL;
		int ret = wr_disk_read(real, &disk, d);
		const struct wr_partition *p = NULL;

		if (ret)
			return ret;
		if (disk->table == WR_TABLE_NONE) {
			wr_disk_free(disk);
			return wr_detail_setf(d, WR_ERR_NO_PARTITION_TABLE, 0, real,
					      "no partition table");
		}
		for (size_t i = 0; i < disk->nparts; i++)
			if (disk->parts[i].number == partition)
				p = &disk->parts[i];
		if (!p) {
			wr_disk_free(disk);
			return wr_detail_setf(d, WR_ERR_NO_SUCH_PARTITION, 0, real,
					      "no partition %u", partition);
		}
		if (p->start + p->size > out->size) {
			wr_disk_free(disk);
			return wr_detail_setf(d, WR_ERR_CORRUPT, 0, real,
					      "partition %u ends past the end of the disk",
					      partition);
		}
		out->offset = p->start;
		out->size = p->size;
		out->partition = partition;
		wr_disk_free(disk);
	}
	/* The detail names the real device, so a message can show it. */
	wr_detail_set(d, WR_OK, 0, real);
	return WR_OK;
}

/* ------------------------------------------------------------------------- */

struct wr_blockdev_lock {
	int fd;
	char path[4096];
};

int wr_blockdev_lock(const struct wr_extent *ext, struct wr_blockdev_lock **out,
		     struct wr_detail *d)
{
	struct wr_blockdev_lock *l;
	int fd;

	*out = NULL;
	if (!ext || !ext->path[0])
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	if (ext->is_block_device) {
		/* The kernel refuses O_EXCL while the device (or, for a whole disk, any
		 * of its partitions) is mounted or claimed by another program. */
		fd = open(ext->path, O_RDONLY | O_EXCL | O_CLOEXEC);
		if (fd < 0) {
			if (errno == EBUSY)
				return wr_detail_setf(d, WR_ERR_MOUNTED, errno, ext->path,
						      "device busy (mounted or in use)");
			return wr_detail_set(d, WR_ERR_OPEN, errno, ext->path);
		}
		close(fd);
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, ext->path);
	l->fd = open(ext->path, O_RDONLY | O_CLOEXEC);
	if (l->fd < 0) {
		int e = errno;

		free(l);
		return wr_detail_set(d, WR_ERR_OPEN, e, ext->path);
	}
	if (flock(l->fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		close(l->fd);
		free(l);
		if (e == EWOULDBLOCK)
			return wr_detail_setf(d, WR_ERR_LOCKED, e, ext->path,
					      "held by another process");
		return wr_detail_set(d, WR_ERR_OPEN, e, ext->path);
	}
	snprintf(l->path, sizeof(l->path), "%s", ext->path);
	wr_log(WR_LOG_INFO, "blockdev: holding '%s'", l->path);
	*out = l;
	return WR_OK;
}

void wr_blockdev_unlock(struct wr_blockdev_lock *l)
{
	if (!l)
		return;
	flock(l->fd, LOCK_UN);
	close(l->fd);
	wr_log(WR_LOG_INFO, "blockdev: released '%s'", l->path);
	free(l);
}

/* ------------------------------------------------------------------------- */
/* The disk the running system lives on is never a target. */

/* The whole disk holding block device dev (itself when it is a whole disk). */
static dev_t whole_disk(dev_t dev)
{
	char sys[64], real[PATH_MAX], buf[PATH_MAX + 16], num[32];
	unsigned ma, mi;

	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if (!realpath(sys, real))
		return dev;
	snprintf(buf, sizeof(buf), "%s/partition", real);
	if (access(buf, F_OK))
		return dev;
	snprintf(buf, sizeof(buf), "%s/../dev", real);
	if (wr_read_line(buf, num, sizeof(num)) || sscanf(num, "%u:%u", &ma, &mi) != 2)
		return dev;
	return makedev(ma, mi);
}

int wr_blockdev_check_not_live(const char *path, struct wr_detail *d)
{
	/* Where a live system keeps what it runs from. */
	static const char *const live_mounts[] = {
		"/", "/boot", "/boot/efi", "/run/live/medium", "/lib/live/mount/medium",
		"/cdrom", "/run/initramfs/live", "/run/archiso/bootmnt", NULL
	};
	struct wr_mount *m = NULL;
	struct stat st;
	dev_t target;
	size_t n = 0;
	int ret = WR_OK;

	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return WR_OK;	/* image files may live anywhere */
	target = whole_disk(st.st_rdev);
	if (wr_mounts_read(&m, &n, NULL))
		return WR_OK;
	for (size_t i = 0; !ret && i < n; i++) {
		if (major(m[i].dev) == 0)
			continue;
		for (const char *const *lm = live_mounts; *lm; lm++)
			if (!strcmp(m[i].target, *lm) && whole_disk(m[i].dev) == target) {
				ret = wr_detail_setf(d, WR_ERR_LIVE_DISK, 0, path,
						     "the disk holds %s of the running system", *lm);
				break;
			}
	}
	wr_mounts_free(m, n);
	return ret;
}
