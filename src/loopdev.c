/*
 * loopdev.c - a loop device over a partition inside a disk image or disk.
 *
 * wimlib's NTFS mode (and only it) needs a path it can ntfs_mount(): a volume that is
 * a partition at an offset inside a whole-disk image has none, so we attach a loop
 * device limited to exactly that partition (LOOP_CONFIGURE, else LOOP_SET_FD +
 * LOOP_SET_STATUS64).  The device is set to clear itself when its last user closes
 * it, and we keep one descriptor open until wr_loopdev_detach, so an interrupted
 * winrescue leaves no loop device behind.  Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "winrescue.h"

struct wr_loopdev {
	int fd;			/* the loop device, open until detach */
	char path[64];
};

static int configure(int loop_fd, int backing_fd, const struct wr_extent *ext, bool read_only)
{
	struct loop_config cfg;
	struct loop_info64 info;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (unsigned)backing_fd;
	cfg.info.lo_offset = ext->offset;
	cfg.info.lo_sizelimit = ext->size;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
	/* The kernel shows this name in backing_file; it is cut to 63 bytes there too. */
	{
		size_t n = strlen(ext->path);

		if (n > sizeof(cfg.info.lo_file_name) - 1)
			n = sizeof(cfg.info.lo_file_name) - 1;
		memcpy(cfg.info.lo_file_name, ext->path, n);
	}
	if (ioctl(loop_fd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -1;
	/* Kernels before 5.8: the two-step way. */
	if (ioctl(loop_fd, LOOP_SET_FD, backing_fd))
		return -1;
	memset(&info, 0, sizeof(info));
	info.lo_offset = ext->offset;
	info.lo_sizelimit = ext->size;
	info.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (ioctl(loop_fd, LOOP_SET_STATUS64, &info)) {
		int e = errno;

		ioctl(loop_fd, LOOP_CLR_FD, 0);
		errno = e;
		return -1;
	}
	return 0;
}

int wr_loopdev_attach(const struct wr_extent *ext, bool read_only, struct wr_loopdev **out,
		      struct wr_detail *d)
{
	struct wr_loopdev *l;
	int ctl, backing, tries;

	*out = NULL;
	if (geteuid() != 0)
		return wr_detail_set(d, WR_ERR_NOT_ROOT, 0, ext->path);
	l = calloc(1, sizeof(*l));
	if (!l)
		return WR_ERR_NOMEM;
	l->fd = -1;
	backing = open(ext->path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (backing < 0) {
		int e = errno;

		free(l);
		return wr_detail_set(d, WR_ERR_OPEN, e, ext->path);
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		int e = errno;

		close(backing);
		free(l);
		return wr_detail_set(d, WR_ERR_OPEN, e, "/dev/loop-control");
	}
	/* Another program may take the free device between GET_FREE and CONFIGURE. */
	for (tries = 0; tries < 16; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (n < 0)
			break;
		snprintf(l->path, sizeof(l->path), "/dev/loop%d", n);
		l->fd = open(l->path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (l->fd < 0)
			break;
		if (configure(l->fd, backing, ext, read_only) == 0)
			break;
		close(l->fd);
		l->fd = -1;
		if (errno != EBUSY)
			break;
	}
	{
		int e = errno;

		close(ctl);
		close(backing);	/* the loop device holds its own reference */
		if (l->fd < 0) {
			free(l);
			return wr_detail_setf(d, WR_ERR_OPEN, e, ext->path,
					      "cannot attach a loop device");
		}
	}
	wr_log(WR_LOG_INFO, "attached %s to '%s' at offset %llu, %llu bytes%s", l->path,
	       ext->path, (unsigned long long)ext->offset, (unsigned long long)ext->size,
	       read_only ? ", read-only" : "");
	*out = l;
	return WR_OK;
}

const char *wr_loopdev_path(const struct wr_loopdev *l)
{
	return l->path;
}

void wr_loopdev_detach(struct wr_loopdev *l)
{
	if (!l)
		return;
	if (l->fd >= 0) {
		fsync(l->fd);
		/* With AUTOCLEAR the device goes when the last user closes it; clearing it
		 * explicitly as well covers a program that still holds it open. */
		ioctl(l->fd, LOOP_CLR_FD, 0);
		close(l->fd);
		wr_log(WR_LOG_INFO, "detached %s", l->path);
	}
	free(l);
}
