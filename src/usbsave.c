/*
 * usbsave.c - places to save files to: the writable file systems this system has
 * mounted, and drives (a USB stick) with a file system, mounted read-write in a
 * private folder while the wizard writes a report or a recovery image there.
 *
 * Mounting goes through mount(8) with an argv array (never a shell): it knows the
 * helpers of every file system a stick may carry (mount.ntfs-3g, exfat); unmounting
 * is umount2(2) after syncfs(2), so the stick can be pulled when close returns.
 * Which disks, partitions and file systems there are comes from the disk and
 * blockdev modules (libparted, libblkid); which folder lies on the Windows volume
 * from recimg's wr_recimg_locate_dir.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

/* File systems people write to; the rest (squashfs and iso9660 of the live medium,
 * pseudo file systems) are never offered. */
static const char *const writable_fs[] = {
	"vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "ext2", "ext3", "ext4", "btrfs", "xfs",
	"f2fs", "jfs", "msdos", "hfsplus", NULL,
};

static bool is_writable_fs(const char *t)
{
	for (const char *const *p = writable_fs; *p; p++)
		if (!strcmp(*p, t))
			return true;
	return false;
}

static int push(struct wr_usbsave_list *l, struct wr_usbsave_place **out, struct wr_detail *d)
{
	struct wr_usbsave_place *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
	l->v = v;
	*out = &v[l->n++];
	memset(*out, 0, sizeof(**out));
	return WR_OK;
}

void wr_usbsave_list_release(struct wr_usbsave_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void fill_space(struct wr_usbsave_place *p)
{
	struct statvfs vs;

	if (statvfs(p->dir, &vs))
		return;
	p->size = (uint64_t)vs.f_blocks * vs.f_frsize;
	p->free = (uint64_t)vs.f_bavail * vs.f_frsize;
	if (vs.f_flag & ST_RDONLY)
		p->refuse = WR_ERR_READ_ONLY;
}

/* The label of the file system on device (a block device or file), or "". */
static void probe_label(const char *device, struct wr_usbsave_place *p)
{
	struct wr_extent ext;
	struct wr_fs_info fs;

	if (wr_blockdev_resolve(device, 0, &ext, NULL) || wr_disk_probe_fs(&ext, &fs, NULL))
		return;
	snprintf(p->label, sizeof(p->label), "%s", fs.label);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!a || !b || stat(a, &sa) || stat(b, &sb))
		return false;
	if (S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode))
		return sa.st_rdev == sb.st_rdev;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int wr_usbsave_mounts(const char *target_disk, unsigned target_partition,
		      struct wr_usbsave_list *out, struct wr_detail *d)
{
	FILE *f;
	struct mntent *m;
	int ret = WR_OK;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	memset(out, 0, sizeof(*out));
	f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return wr_detail_set(d, WR_ERR_OPEN, errno, "/proc/self/mounts");
	while ((m = getmntent(f))) {
		struct wr_usbsave_place *p;
		struct stat st;
		size_t i;

		if (m->mnt_fsname[0] != '/' || !is_writable_fs(m->mnt_type))
			continue;
		if (stat(m->mnt_fsname, &st) || (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)))
			continue;
		/* One line per file system: its shortest mount point (bind mounts of
		 * single files and folders come after and deeper). */
		for (i = 0; i < out->n; i++)
			if (!strcmp(out->v[i].device, m->mnt_fsname))
				break;
		if (i < out->n) {
			if (strlen(m->mnt_dir) < strlen(out->v[i].dir)) {
				snprintf(out->v[i].dir, sizeof(out->v[i].dir), "%s", m->mnt_dir);
				fill_space(&out->v[i]);
			}
			continue;
		}
		if (stat(m->mnt_dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		ret = push(out, &p, d);
		if (ret)
			break;
		snprintf(p->dir, sizeof(p->dir), "%s", m->mnt_dir);
		snprintf(p->device, sizeof(p->device), "%s", m->mnt_fsname);
		snprintf(p->fstype, sizeof(p->fstype), "%s", m->mnt_type);
		fill_space(p);
		probe_label(p->device, p);
	}
	endmntent(f);
	if (ret) {
		wr_usbsave_list_release(out);
		return ret;
	}
	/* The Windows volume itself: where a partition of the target disk is mounted. */
	for (size_t i = 0; target_disk && i < out->n; i++) {
		struct wr_recimg_place where;

		if (wr_recimg_locate_dir(out->v[i].dir, &where, NULL))
			continue;
		out->v[i].partition = where.partition;
		if (same_file(where.disk, target_disk) &&
		    (!target_partition || where.partition == target_partition))
			out->v[i].refuse = WR_ERR_DIR_ON_TARGET;
	}
	return WR_OK;
}

/* The device node of partition n of block device disk, from sysfs
 * (/sys/class/block/<disk>/<child>/partition), or -1. */
static int part_node(const char *disk, unsigned n, char *buf, size_t size)
{
	char real[PATH_MAX], dir[PATH_MAX + 32], file[PATH_MAX * 2], line[32];
	const char *base;
	DIR *dh;
	struct dirent *e;
	int ret = -1;

	if (!realpath(disk, real))
		return -1;
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	snprintf(dir, sizeof(dir), "/sys/class/block/%s", base);
	dh = opendir(dir);
	if (!dh)
		return -1;
	while ((e = readdir(dh))) {
		if (strncmp(e->d_name, base, strlen(base)))
			continue;
		snprintf(file, sizeof(file), "%s/%s/partition", dir, e->d_name);
		if (wr_read_line(file, line, sizeof(line)) || strtoul(line, NULL, 10) != n)
			continue;
		snprintf(buf, size, "/dev/%s", e->d_name);
		ret = access(buf, F_OK) ? -1 : 0;
		break;
	}
	closedir(dh);
	return ret;
}

/* Where block device node is mounted (first mount), and whether read-only. */
static bool mounted_at(const char *node, char *dir, size_t size, bool *ro)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	bool found = false;

	if (!f)
		return false;
	while (!found && (m = getmntent(f))) {
		if (m->mnt_fsname[0] != '/' || !same_file(m->mnt_fsname, node))
			continue;
		snprintf(dir, size, "%s", m->mnt_dir);
		*ro = hasmntopt(m, "ro") != NULL;
		found = true;
	}
	endmntent(f);
	return found;
}

/* The device node that holds place p's bytes by itself, or -1 (an image file, or a
 * partition without a node: a loop device must be made). */
static int node_of(const struct wr_usbsave_place *p, char *buf, size_t size)
{
	struct stat st;

	if (stat(p->device, &st) || !S_ISBLK(st.st_mode))
		return -1;
	if (!p->partition) {
		snprintf(buf, size, "%s", p->device);
		return 0;
	}
	return part_node(p->device, p->partition, buf, size);
}

static void drive_state(struct wr_usbsave_place *p)
{
	char node[PATH_MAX];
	bool ro = false;

	if (node_of(p, node, sizeof(node)) == 0) {
		if (mounted_at(node, p->dir, sizeof(p->dir), &ro)) {
			uint64_t size = p->size;

			fill_space(p);
			if (!p->size)
				p->size = size;
			if (ro)
				p->refuse = WR_ERR_READ_ONLY;
		}
	} else {
		struct wr_extent ext;

		if (!wr_blockdev_resolve(p->device, p->partition, &ext, NULL) &&
		    wr_blockdev_check_unmounted(&ext, NULL) == WR_ERR_MOUNTED)
			p->refuse = WR_ERR_MOUNTED;
	}
}

static int add_drive(struct wr_usbsave_list *out, const char *path, unsigned partition,
		     const char *fstype, const char *label, uint64_t size, struct wr_detail *d)
{
	struct wr_usbsave_place *p;
	int ret;

	if (!is_writable_fs(fstype))
		return WR_OK;
	ret = push(out, &p, d);
	if (ret)
		return ret;
	snprintf(p->device, sizeof(p->device), "%s", path);
	p->partition = partition;
	snprintf(p->fstype, sizeof(p->fstype), "%s", fstype);
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->size = size;
	drive_state(p);
	return WR_OK;
}

int wr_usbsave_drives(const char *const *disks, const char *target_disk,
		      struct wr_usbsave_list *out, struct wr_detail *d)
{
	char **all = NULL;
	const char *const *list = disks;
	int ret = WR_OK;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	memset(out, 0, sizeof(*out));
	if (!disks || !disks[0]) {
		ret = wr_disk_list(&all, d);
		if (ret)
			return ret;
		list = (const char *const *)all;
	}
	for (const char *const *first = list; list && *list && !ret; list++) {
		struct wr_disk *disk = NULL;
		struct wr_detail dd = WR_DETAIL_INIT;
		const char *const *seen = first;

		if (target_disk && same_file(*list, target_disk))
			continue;
		/* A disk named twice (a path and its symlink) is listed once. */
		while (seen < list && !same_file(*seen, *list))
			seen++;
		if (seen < list)
			continue;
		if (wr_blockdev_check_not_live(*list, NULL) == WR_ERR_LIVE_DISK)
			continue;
		if (wr_disk_read(*list, &disk, &dd)) {
			wr_log_err("usbsave: disk", WR_ERR_OPEN, &dd);
			continue;
		}
		if (disk->table == WR_TABLE_NONE) {
			struct wr_extent ext;
			struct wr_fs_info fs;

			if (!wr_blockdev_resolve(*list, 0, &ext, NULL) &&
			    !wr_disk_probe_fs(&ext, &fs, NULL))
				ret = add_drive(out, disk->path, 0, fs.fstype, fs.label, disk->size, d);
		} else {
			for (size_t i = 0; i < disk->nparts && !ret; i++) {
				const struct wr_partition *pt = &disk->parts[i];

				if (pt->role == WR_ROLE_ESP || pt->role == WR_ROLE_MSR ||
				    pt->role == WR_ROLE_RECOVERY || pt->role == WR_ROLE_WINDOWS)
					continue;
				ret = add_drive(out, disk->path, pt->number, pt->fstype, pt->label,
						pt->size, d);
			}
		}
		wr_disk_free(disk);
	}
	wr_disk_list_free(all);
	if (ret)
		wr_usbsave_list_release(out);
	return ret;
}

struct wr_usbsave_mount {
	char dir[PATH_MAX];
	bool ours;			/* mounted by wr_usbsave_open */
	struct wr_loopdev *loop;
};

int wr_usbsave_open(const struct wr_usbsave_place *pl, struct wr_usbsave_mount **out,
		    struct wr_detail *d)
{
	struct wr_usbsave_mount *m;
	struct wr_extent ext;
	struct wr_spawn_result r = { 0, false, NULL, 0 };
	char node[PATH_MAX];
	const char *type;
	int ret;

	if (!pl || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	*out = NULL;
	if (pl->refuse)
		return wr_detail_set(d, pl->refuse, 0, pl->dir[0] ? pl->dir : pl->device);
	m = calloc(1, sizeof(*m));
	if (!m)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
	if (pl->dir[0]) {
		snprintf(m->dir, sizeof(m->dir), "%s", pl->dir);
		*out = m;
		return WR_OK;
	}
	if (geteuid() != 0) {
		ret = wr_detail_set(d, WR_ERR_NOT_ROOT, EPERM, pl->device);
		goto fail;
	}
	ret = wr_blockdev_resolve(pl->device, pl->partition, &ext, d);
	if (ret)
		goto fail;
	ret = wr_blockdev_check_unmounted(&ext, d);
	if (ret)
		goto fail;
	if (node_of(pl, node, sizeof(node))) {
		ret = wr_loopdev_attach(&ext, false, &m->loop, d);
		if (ret)
			goto fail;
		snprintf(node, sizeof(node), "%s", wr_loopdev_path(m->loop));
	}
	snprintf(m->dir, sizeof(m->dir), "/tmp/winrescue-save-XXXXXX");
	if (!mkdtemp(m->dir)) {
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, "/tmp");
		goto fail;
	}
	type = !strcmp(pl->fstype, "ntfs") ? "ntfs-3g" : pl->fstype;
	{
		const char *argv[] = { "mount", "-t", type, "-o", "rw,nosuid,nodev,noexec",
				       node, m->dir, NULL };

		ret = wr_spawn(argv, NULL, &r, d);
	}
	if (!ret && r.status != 0)
		ret = wr_detail_setf(d, WR_ERR_HELPER_FAILED, 0, node, "mount exited with %d",
				     r.status);
	wr_spawn_result_release(&r);
	if (ret) {
		rmdir(m->dir);
		goto fail;
	}
	m->ours = true;
	wr_log(WR_LOG_INFO, "usbsave: mounted '%s' (%s) on '%s'", node, pl->fstype, m->dir);
	*out = m;
	return WR_OK;
fail:
	wr_loopdev_detach(m->loop);
	free(m);
	return ret;
}

const char *wr_usbsave_dir(const struct wr_usbsave_mount *m)
{
	return m ? m->dir : NULL;
}

int wr_usbsave_close(struct wr_usbsave_mount *m, struct wr_detail *d)
{
	int ret = WR_OK, fd;

	if (!m)
		return WR_OK;
	fd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
	if (m->ours) {
		int tries = 0;

		while (umount2(m->dir, 0) != 0) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			if (errno != EBUSY || ++tries >= 50) {
				ret = wr_detail_set(d, WR_ERR_WRITE, errno, m->dir);
				wr_log_err("usbsave: unmount", ret, d);
				break;
			}
			nanosleep(&ts, NULL);
		}
		if (!ret) {
			rmdir(m->dir);
			wr_log(WR_LOG_INFO, "usbsave: unmounted '%s'", m->dir);
		}
	}
	wr_loopdev_detach(m->loop);
	free(m);
	return ret;
}

static bool plain_name(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_one(int dfd, const char *folder, const struct wr_usbsave_file *f,
		     struct wr_detail *d)
{
	char path[PATH_MAX];
	int fd, src = -1, ret = WR_OK;

	snprintf(path, sizeof(path), "%s/%s", folder, f->name);
	if (f->copy_of) {
		src = open(f->copy_of, O_RDONLY | O_CLOEXEC);
		if (src < 0)
			return wr_detail_set(d, WR_ERR_OPEN, errno, f->copy_of);
	}
	fd = openat(dfd, f->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, path);
		goto out;
	}
	if (src >= 0) {
		char buf[65536];
		ssize_t n;

		while ((n = read(src, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				ret = wr_detail_set(d, WR_ERR_READ, errno, f->copy_of);
				break;
			}
			if (write_all(fd, buf, (size_t)n)) {
				ret = wr_detail_set(d, errno == ENOSPC ? WR_ERR_NO_SPACE : WR_ERR_WRITE,
						    errno, path);
				break;
			}
		}
	} else if (f->len && write_all(fd, f->data, f->len)) {
		ret = wr_detail_set(d, errno == ENOSPC ? WR_ERR_NO_SPACE : WR_ERR_WRITE, errno, path);
	}
	if (!ret && fsync(fd))
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, path);
	if (close(fd) && !ret)
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, path);
out:
	if (src >= 0)
		close(src);
	return ret;
}

int wr_usbsave_write(const char *dir, const char *folder, const struct wr_usbsave_file *files,
		     size_t n, char *made, size_t made_size, struct wr_detail *d)
{
	char path[PATH_MAX];
	size_t done = 0;
	int dfd = -1, ret = WR_OK;

	if (!dir || !plain_name(folder) || (n && !files) || !made || !made_size)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, folder);
	for (size_t i = 0; i < n; i++)
		if (!plain_name(files[i].name))
			return wr_detail_setf(d, WR_ERR_UNSAFE_PATH, EINVAL, files[i].name,
					      "not a plain file name");
	made[0] = '\0';
	for (unsigned k = 1;; k++) {
		int len = k == 1 ? snprintf(path, sizeof(path), "%s/%s", dir, folder)
				 : snprintf(path, sizeof(path), "%s/%s-%u", dir, folder, k);

		if (len < 0 || (size_t)len >= sizeof(path))
			return wr_detail_set(d, WR_ERR_TOO_LARGE, ENAMETOOLONG, dir);
		if (mkdir(path, 0755) == 0)
			break;
		if (errno != EEXIST || k >= 99)
			return wr_detail_set(d, errno == EROFS ? WR_ERR_READ_ONLY :
					     errno == ENOSPC ? WR_ERR_NO_SPACE : WR_ERR_WRITE,
					     errno, path);
	}
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, path);
		goto out;
	}
	for (; done < n && !ret; done++)
		ret = write_one(dfd, path, &files[done], d);
	if (!ret && fsync(dfd))
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, path);
	if (!ret) {
		int pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (pfd >= 0) {
			fsync(pfd);
			close(pfd);
		}
		wr_log(WR_LOG_INFO, "usbsave: %zu files written to '%s'", n, path);
		snprintf(made, made_size, "%s", path);
	}
out:
	if (ret) {
		/* Nothing half-written stays behind. */
		for (size_t i = 0; dfd >= 0 && i < n && i <= done; i++)
			unlinkat(dfd, files[i].name, 0);
		rmdir(path);
	}
	if (dfd >= 0)
		close(dfd);
	return ret;
}
