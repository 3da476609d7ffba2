/*
 * format.c - making file systems on a partition (mkntfs, mkfs.fat through wr_spawn)
 * and "fully cleaning" it (the wipe).
 *
 * No library makes NTFS or FAT file systems: ntfs-3g's and dosfstools' own programs
 * are the well-kept tools for it, run with an argv array.  mkntfs cannot write at an
 * offset inside a file, so a partition inside a disk image is formatted through a
 * loop device limited to it; mkfs.fat can (--offset).  Neither the helpers nor the
 * wipe ever write outside the partition's extent.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

#define MIB (1024ULL * 1024ULL)
/* Pieces of about 1 % of the partition, 1 to 64 MiB: progress, and a place to stop. */
#define WIPE_CHUNK_MIN MIB
#define WIPE_CHUNK_MAX (64 * MIB)
#define ESTIMATE_BYTES (64 * MIB)

/* ------------------------------------------------------------------------- */
/* The partition to write, checked, and a path a formatting program can open. */

struct target {
	struct wr_extent ext;
	unsigned sector_size;	/* logical sector size of the disk */
	uint64_t hidden;	/* partition start in sectors (boot sector field) */
	char dev[4096];		/* what the helper opens */
	bool at_offset;		/* dev is the image file: write at ext.offset */
	struct wr_loopdev *loop;
};

static uint64_t sys_u64(const char *path)
{
	char buf[64];

	if (wr_read_line(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

/* The kernel's node for partition `number` of the whole-disk block device `disk`,
 * when it has one whose start and size are the extent's: "/dev/sda3". */
static bool kernel_partition_node(dev_t disk, const struct wr_extent *ext, char *out,
				  size_t len)
{
	char dir[128], sub[512], name[300];
	struct dirent *de;
	bool found = false;
	DIR *dh;

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", major(disk), minor(disk));
	dh = opendir(dir);
	if (!dh)
		return false;
	while (!found && (de = readdir(dh))) {
		char devnum[32];
		unsigned ma, mi;
		struct stat st;

		if (de->d_name[0] == '.' || strlen(de->d_name) > 256)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/partition", dir, de->d_name);
		if (sys_u64(sub) != ext->partition)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/start", dir, de->d_name);
		if (sys_u64(sub) * 512 != ext->offset)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/size", dir, de->d_name);
		if (sys_u64(sub) * 512 != ext->size)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/dev", dir, de->d_name);
		if (wr_read_line(sub, devnum, sizeof(devnum)) ||
		    sscanf(devnum, "%u:%u", &ma, &mi) != 2)
			continue;
		snprintf(name, sizeof(name), "/dev/%s", de->d_name);
		if (stat(name, &st) || !S_ISBLK(st.st_mode) || st.st_rdev != makedev(ma, mi))
			continue;
		snprintf(out, len, "%s", name);
		found = true;
	}
	closedir(dh);
	return found;
}

/* Start (in 512-byte units) of a partition block device, 0 for a whole disk. */
static uint64_t blockdev_start512(const char *path)
{
	char sys[96];
	struct stat st;

	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return 0;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/start", major(st.st_rdev),
		 minor(st.st_rdev));
	return sys_u64(sys);
}

static unsigned blockdev_sector_size(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ss = 0;

	if (fd < 0)
		return 512;
	if (ioctl(fd, BLKSSZGET, &ss) || ss < 512)
		ss = 512;
	close(fd);
	return (unsigned)ss;
}

/* Check (not live, not mounted) and resolve; nothing is opened for writing. */
static int target_check(const char *disk_path, unsigned partition, struct target *t,
			struct wr_detail *d)
{
	int ret;

	memset(t, 0, sizeof(*t));
	if (!disk_path || !*disk_path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, disk_path);
	ret = wr_blockdev_check_not_live(disk_path, d);
	if (ret)
		return ret;
	ret = wr_blockdev_resolve(disk_path, partition, &t->ext, d);
	if (ret)
		return ret;
	ret = wr_blockdev_check_unmounted(&t->ext, d);
	if (ret)
		return ret;
	if (!t->ext.size)
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, t->ext.path, "empty volume");
	t->sector_size = 512;
	if (partition) {
		struct wr_disk *disk = NULL;

		ret = wr_disk_read(t->ext.path, &disk, d);
		if (ret)
			return ret;
		if (disk->sector_size >= 512)
			t->sector_size = disk->sector_size;
		wr_disk_free(disk);
		t->hidden = t->ext.offset / t->sector_size;
	} else if (t->ext.is_block_device) {
		t->sector_size = blockdev_sector_size(t->ext.path);
		t->hidden = blockdev_start512(t->ext.path) * 512 / t->sector_size;
	}
	return WR_OK;
}

/* A path for the formatting program.  allow_offset: the program can write at an
 * offset inside an image file itself. */
static int target_device(struct target *t, bool allow_offset, struct wr_detail *d)
{
	struct stat st;
	int ret;

	if (!t->ext.partition) {
		snprintf(t->dev, sizeof(t->dev), "%s", t->ext.path);
		return WR_OK;
	}
	if (!t->ext.is_block_device && allow_offset) {
		snprintf(t->dev, sizeof(t->dev), "%s", t->ext.path);
		t->at_offset = true;
		return WR_OK;
	}
	if (t->ext.is_block_device && !stat(t->ext.path, &st) &&
	    kernel_partition_node(st.st_rdev, &t->ext, t->dev, sizeof(t->dev))) {
		wr_log(WR_LOG_INFO, "format: partition %u of '%s' is '%s'", t->ext.partition,
		       t->ext.path, t->dev);
		return WR_OK;
	}
	ret = wr_loopdev_attach(&t->ext, false, &t->loop, d);
	if (ret)
		return ret;
	snprintf(t->dev, sizeof(t->dev), "%s", wr_loopdev_path(t->loop));
	return WR_OK;
}

static void target_release(struct target *t)
{
	wr_loopdev_detach(t->loop);
	t->loop = NULL;
}

static int run_helper(const char *const argv[], const char *subject, struct wr_detail *d)
{
	struct wr_spawn_result r;
	int ret = wr_spawn(argv, NULL, &r, d);

	if (ret)
		return ret;
	if (r.status != 0) {
		/* The helper's last line usually says why; the whole output is in the log. */
		const char *out = r.out ? r.out : "";
		size_t n = strlen(out);

		while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
			n--;
		{
			size_t b = n;

			while (b && out[b - 1] != '\n')
				b--;
			ret = wr_detail_setf(d, WR_ERR_HELPER_FAILED, 0, subject,
					     "%s exited with status %d: %.*s", argv[0],
					     r.status, (int)(n - b), out + b);
		}
	}
	wr_spawn_result_release(&r);
	return ret;
}

/* ------------------------------------------------------------------------- */

int wr_format_ntfs(const char *disk_path, unsigned partition, const char *label,
		   struct wr_detail *d)
{
	char ss[16], hidden[32], sectors[32];
	const char *argv[20];
	struct target t;
	size_t n = 0;
	int ret;

	ret = target_check(disk_path, partition, &t, d);
	if (ret)
		return ret;
	ret = target_device(&t, false, d);
	if (ret)
		goto out;
	snprintf(ss, sizeof(ss), "%u", t.sector_size);
	snprintf(hidden, sizeof(hidden), "%llu", (unsigned long long)t.hidden);
	snprintf(sectors, sizeof(sectors), "%llu",
		 (unsigned long long)(t.ext.size / t.sector_size));
	argv[n++] = "mkntfs";
	argv[n++] = "--quick";
	argv[n++] = "--force";
	argv[n++] = "--sector-size";
	argv[n++] = ss;
	/* The boot code Windows puts in the NTFS boot sector reads the volume through
	 * the BIOS: hidden sectors must be the partition's start, and the geometry the
	 * one Windows itself writes (255 heads, 63 sectors per track). */
	argv[n++] = "--partition-start";
	argv[n++] = hidden;
	argv[n++] = "--heads";
	argv[n++] = "255";
	argv[n++] = "--sectors-per-track";
	argv[n++] = "63";
	if (label && *label) {
		argv[n++] = "--label";
		argv[n++] = label;
	}
	argv[n++] = t.dev;
	argv[n++] = sectors;
	argv[n] = NULL;
	wr_log(WR_LOG_INFO, "format: NTFS on '%s' partition %u (%s), label '%s'", t.ext.path,
	       partition, t.dev, label ? label : "");
	ret = run_helper(argv, t.ext.path, d);
out:
	target_release(&t);
	return ret;
}

/* Sectors per cluster for FAT32 as Windows chooses them for small volumes: 4 KiB
 * clusters, smaller when that would leave fewer than 65525 clusters (a FAT with
 * fewer is FAT16 to Windows, whatever its boot sector says: an ESP Windows Setup
 * makes on 260 MiB has 4 KiB clusters for this reason).  0 = mkfs.fat's choice
 * (volumes over 8 GiB). */
static unsigned fat32_sectors_per_cluster(uint64_t size, unsigned sector_size)
{
	unsigned cluster = 4096;

	if (size > 8ULL * 1024 * MIB)
		return 0;
	/* 66000: room for the FATs and reserved sectors above the minimum. */
	while (cluster > sector_size && size / cluster < 66000)
		cluster /= 2;
	return cluster < sector_size ? 1 : cluster / sector_size;
}

int wr_format_fat32(const char *disk_path, unsigned partition, const char *label,
		    struct wr_detail *d)
{
	char ss[16], hidden[32], blocks[32], offset[48], spc[16];
	const char *argv[20];
	struct target t;
	size_t n = 0;
	int ret;

	if (label && strlen(label) > 11)
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, label,
				      "a FAT label has at most 11 bytes");
	ret = target_check(disk_path, partition, &t, d);
	if (ret)
		return ret;
	ret = target_device(&t, true, d);
	if (ret)
		goto out;
	snprintf(ss, sizeof(ss), "%u", t.sector_size);
	snprintf(hidden, sizeof(hidden), "%llu", (unsigned long long)t.hidden);
	snprintf(blocks, sizeof(blocks), "%llu", (unsigned long long)(t.ext.size / 1024));
	argv[n++] = "mkfs.fat";
	argv[n++] = "-F";
	argv[n++] = "32";
	argv[n++] = "-S";
	argv[n++] = ss;
	argv[n++] = "-h";
	argv[n++] = hidden;
	argv[n++] = "-g";
	argv[n++] = "255/63";
	if (fat32_sectors_per_cluster(t.ext.size, t.sector_size)) {
		snprintf(spc, sizeof(spc), "%u",
			 fat32_sectors_per_cluster(t.ext.size, t.sector_size));
		argv[n++] = "-s";
		argv[n++] = spc;
	}
	if (label && *label) {
		argv[n++] = "-n";
		argv[n++] = label;
	}
	if (t.at_offset) {
		/* --offset counts sectors of the -S size. */
		snprintf(offset, sizeof(offset), "--offset=%llu",
			 (unsigned long long)(t.ext.offset / t.sector_size));
		argv[n++] = offset;
	}
	argv[n++] = t.dev;
	argv[n++] = blocks;
	argv[n] = NULL;
	wr_log(WR_LOG_INFO, "format: FAT32 on '%s' partition %u (%s), label '%s'", t.ext.path,
	       partition, t.dev, label ? label : "");
	ret = run_helper(argv, t.ext.path, d);
out:
	target_release(&t);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* The wipe */

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Make [off, off+len) of fd read zero; *fast says whether the quick way still works. */
static int zero_range(int fd, bool is_blockdev, uint64_t off, uint64_t len, bool *fast,
		      const char *subject, struct wr_detail *d)
{
	if (*fast) {
		if (is_blockdev) {
			uint64_t range[2] = { off, len };

			if (!ioctl(fd, BLKZEROOUT, range))
				return WR_OK;
			if (errno != EOPNOTSUPP && errno != ENOTTY && errno != EINVAL)
				return wr_detail_setf(d, WR_ERR_WRITE, errno, subject,
						      "BLKZEROOUT at byte %llu",
						      (unsigned long long)off);
			wr_log(WR_LOG_INFO, "wipe: BLKZEROOUT refused (%s): writing zeros",
			       strerror(errno));
		} else {
			if (!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       (off_t)off, (off_t)len))
				return WR_OK;
			if (errno != EOPNOTSUPP && errno != ENOSYS)
				return wr_detail_setf(d, WR_ERR_WRITE, errno, subject,
						      "punching a hole at byte %llu",
						      (unsigned long long)off);
			wr_log(WR_LOG_INFO, "wipe: cannot punch holes (%s): writing zeros",
			       strerror(errno));
		}
		*fast = false;
	}
	return wr_write_zeros(fd, off, len, subject, d);
}

int wr_wipe(const char *disk_path, unsigned partition, wr_progress_fn fn, void *ctx,
	    struct wr_detail *d)
{
	struct wr_prog_limiter lim = { 0, false };
	union wr_prog_info info;
	struct target t;
	uint64_t done = 0;
	bool fast = true;
	uint64_t chunk;
	double t0;
	int fd = -1, ret;

	ret = target_check(disk_path, partition, &t, d);
	if (ret)
		return ret;
	chunk = t.ext.size / 100 / MIB * MIB;
	chunk = chunk < WIPE_CHUNK_MIN ? WIPE_CHUNK_MIN
		: chunk > WIPE_CHUNK_MAX ? WIPE_CHUNK_MAX : chunk;
	/* O_EXCL on a block device: the kernel refuses while anything has it mounted or
	 * claimed (for a whole disk, any of its partitions). */
	fd = open(t.ext.path, O_RDWR | O_CLOEXEC | (t.ext.is_block_device ? O_EXCL : 0));
	if (fd < 0) {
		if (errno == EBUSY)
			return wr_detail_setf(d, WR_ERR_MOUNTED, errno, t.ext.path,
					      "device busy (mounted or in use)");
		return wr_detail_set(d, WR_ERR_OPEN, errno, t.ext.path);
	}
	wr_log(WR_LOG_INFO, "wipe: '%s' partition %u: %llu bytes at %llu (%s)", t.ext.path,
	       partition, (unsigned long long)t.ext.size, (unsigned long long)t.ext.offset,
	       t.ext.is_block_device ? "BLKZEROOUT" : "punching holes");
	t0 = mono();
	info.amount.done = 0;
	info.amount.total = t.ext.size;
	wr_prog_due(&lim, 0, t.ext.size);
	ret = wr_prog_report(fn, ctx, WR_PROG_BYTES, &info);
	while (!ret && done < t.ext.size) {
		uint64_t n = t.ext.size - done < chunk ? t.ext.size - done : chunk;

		ret = zero_range(fd, t.ext.is_block_device, t.ext.offset + done, n, &fast,
				 t.ext.path, d);
		if (ret)
			break;
		done += n;
		if (wr_prog_due(&lim, done, t.ext.size)) {
			info.amount.done = done;
			info.amount.total = t.ext.size;
			ret = wr_prog_report(fn, ctx, WR_PROG_BYTES, &info);
		}
	}
	if (fdatasync(fd) && !ret)
		ret = wr_detail_setf(d, WR_ERR_WRITE, errno, t.ext.path, "fdatasync");
	close(fd);
	if (ret == WR_ERR_ABORTED)
		wr_detail_setf(d, ret, 0, t.ext.path, "wipe stopped after %llu of %llu bytes",
			       (unsigned long long)done, (unsigned long long)t.ext.size);
	wr_log(WR_LOG_INFO, "wipe: '%s' partition %u: %llu bytes zeroed in %.1f s, %s",
	       t.ext.path, partition, (unsigned long long)done, mono() - t0,
	       ret ? wr_err_name(ret) : "done");
	return ret;
}

int wr_wipe_estimate(const char *disk_path, unsigned partition, double *seconds,
		     struct wr_detail *d)
{
	struct target t;
	uint64_t len;
	void *buf = NULL;
	double t0, dt;
	ssize_t n;
	int fd = -1, ret;

	*seconds = 0;
	ret = target_check(disk_path, partition, &t, d);
	if (ret)
		return ret;
	if (!t.ext.is_block_device) {
		double gib = (double)t.ext.size / (double)(1024 * MIB);

		*seconds = gib / 64 < 1 ? 1 : gib / 64;
		return WR_OK;
	}
	len = t.ext.size < ESTIMATE_BYTES ? t.ext.size : ESTIMATE_BYTES;
	len -= len % 4096;
	if (!len || t.ext.offset % 4096) {
		/* Too small or oddly placed to time: a tiny partition takes no time. */
		*seconds = 1;
		return WR_OK;
	}
	fd = open(t.ext.path, O_RDWR | O_DIRECT | O_CLOEXEC | O_EXCL);
	if (fd < 0) {
		if (errno == EBUSY)
			return wr_detail_setf(d, WR_ERR_MOUNTED, errno, t.ext.path,
					      "device busy (mounted or in use)");
		return wr_detail_set(d, WR_ERR_OPEN, errno, t.ext.path);
	}
	if (posix_memalign(&buf, 4096, (size_t)len)) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, t.ext.path);
		goto out;
	}
	n = pread(fd, buf, (size_t)len, (off_t)t.ext.offset);
	if (n != (ssize_t)len) {
		ret = wr_detail_setf(d, WR_ERR_READ, n < 0 ? errno : EIO, t.ext.path,
				     "reading the first %llu bytes", (unsigned long long)len);
		goto out;
	}
	/* The same bytes go back where they were: the content does not change. */
	t0 = mono();
	n = pwrite(fd, buf, (size_t)len, (off_t)t.ext.offset);
	if (n != (ssize_t)len || fdatasync(fd)) {
		ret = wr_detail_setf(d, WR_ERR_WRITE, n < 0 ? errno : EIO, t.ext.path,
				     "timing a write of %llu bytes", (unsigned long long)len);
		goto out;
	}
	dt = mono() - t0;
	if (dt < 1e-6)
		dt = 1e-6;
	*seconds = dt * ((double)t.ext.size / (double)len);
	if (*seconds < 1)
		*seconds = 1;
	wr_log(WR_LOG_INFO, "wipe estimate: '%s' partition %u: %llu bytes written in %.3f s: "
	       "%.0f s for %llu bytes", t.ext.path, partition, (unsigned long long)len, dt,
	       *seconds, (unsigned long long)t.ext.size);
out:
	free(buf);
	close(fd);
	return ret;
}
