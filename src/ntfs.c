/*
 * ntfs.c - NTFS volumes through libntfs-3g, in-process.
 *
 * The only file that includes libntfs-3g's headers.  A volume is opened through our
 * own struct ntfs_device_operations so that it may be a whole device or file, or a
 * partition at an offset inside a disk image; a read-only open never opens the
 * bytes for writing, so inspection cannot change anything.  libntfs-3g's messages go
 * to the log.
 *
 * What libntfs-3g does not give directly, done here on top of its calls:
 * - the state probe (hiberfil.sys header, $LogFile restart page version);
 * - rename = link + delete, as the ntfs-3g FUSE driver does it (LIBRARY-NOTES.md),
 *   with a case-insensitive existence check and the Win32+DOS name pair restored;
 * - UTF-16 to UTF-8 that never fails: ntfs_ucstombs() refuses unpaired surrogates,
 *   which Windows allows in names, and a listing must not lose or crash on them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/index.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "winrescue.h"

#define COPY_CHUNK (1024 * 1024)
#define FILE_ATTRIBUTE_DIRECTORY_BIT 0x10u

/* ------------------------------------------------------------------------- */
/* logging                                                                   */

__attribute__((format(printf, 6, 0)))
static int log_handler(const char *function, const char *file, int line, u32 level,
		       void *data, const char *format, va_list args)
{
	char buf[1024];
	size_t n;
	enum wr_log_level l = WR_LOG_DEBUG;

	(void)file;
	(void)line;
	(void)data;
	vsnprintf(buf, sizeof(buf), format, args);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (level & (NTFS_LOG_LEVEL_ERROR | NTFS_LOG_LEVEL_PERROR | NTFS_LOG_LEVEL_CRITICAL))
		l = WR_LOG_ERROR;
	else if (level & NTFS_LOG_LEVEL_WARNING)
		l = WR_LOG_WARN;
	else if (level & (NTFS_LOG_LEVEL_INFO | NTFS_LOG_LEVEL_QUIET | NTFS_LOG_LEVEL_VERBOSE))
		l = WR_LOG_INFO;
	if (level & NTFS_LOG_LEVEL_PERROR)
		wr_log(l, "libntfs-3g: %s: %s: %s", function, buf, strerror(errno));
	else
		wr_log(l, "libntfs-3g: %s: %s", function, buf);
	return (int)n;
}

static void log_setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	ntfs_log_set_handler(log_handler);
	ntfs_log_clear_levels(NTFS_LOG_LEVEL_DEBUG | NTFS_LOG_LEVEL_TRACE |
			      NTFS_LOG_LEVEL_ENTER | NTFS_LOG_LEVEL_LEAVE |
			      NTFS_LOG_LEVEL_PROGRESS);
	ntfs_log_set_levels(NTFS_LOG_LEVEL_INFO | NTFS_LOG_LEVEL_QUIET |
			    NTFS_LOG_LEVEL_WARNING | NTFS_LOG_LEVEL_ERROR |
			    NTFS_LOG_LEVEL_PERROR | NTFS_LOG_LEVEL_CRITICAL);
}

/* ------------------------------------------------------------------------- */
/* a device at an offset                                                      */

struct offdev {
	int fd;
	uint64_t offset;
	uint64_t size;
	s64 pos;
	bool readonly;	/* never open the bytes for writing */
	char path[4096];
};

static int od_open(struct ntfs_device *dev, int flags)
{
	struct offdev *od = dev->d_private;
	int oflags = O_CLOEXEC;
	struct stat st;

	if (NDevOpen(dev)) {
		errno = EBUSY;
		return -1;
	}
	if (od->readonly || (flags & O_ACCMODE) == O_RDONLY)
		oflags |= O_RDONLY;
	else
		oflags |= O_RDWR;
	/* Writing to a block device: exclusive, so the kernel refuses while anything
	 * mounts it (as ntfs-3g itself does). */
	if ((oflags & O_ACCMODE) == O_RDWR && !stat(od->path, &st) && S_ISBLK(st.st_mode))
		oflags |= O_EXCL;
	od->fd = open(od->path, oflags);
	if (od->fd < 0)
		return -1;
	if ((oflags & O_ACCMODE) == O_RDONLY)
		NDevSetReadOnly(dev);
	if (!fstat(od->fd, &st) && S_ISBLK(st.st_mode))
		NDevSetBlock(dev);
	od->pos = 0;
	NDevSetOpen(dev);
	return 0;
}

static int od_close(struct ntfs_device *dev)
{
	struct offdev *od = dev->d_private;

	if (!NDevOpen(dev)) {
		errno = EBADF;
		return -1;
	}
	if (!NDevReadOnly(dev))
		fsync(od->fd);
	close(od->fd);
	od->fd = -1;
	NDevClearOpen(dev);
	return 0;
}

static s64 od_seek(struct ntfs_device *dev, s64 offset, int whence)
{
	struct offdev *od = dev->d_private;
	s64 base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? od->pos : (s64)od->size;

	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) {
		errno = EINVAL;
		return -1;
	}
	if (base + offset < 0) {
		errno = EINVAL;
		return -1;
	}
	od->pos = base + offset;
	return od->pos;
}

static s64 od_pread(struct ntfs_device *dev, void *buf, s64 count, s64 offset)
{
	struct offdev *od = dev->d_private;
	s64 done = 0;

	if (offset < 0 || count < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)offset >= od->size)
		return 0;
	if ((uint64_t)(offset + count) > od->size)
		count = (s64)od->size - offset;
	while (done < count) {
		ssize_t n = pread(od->fd, (char *)buf + done, (size_t)(count - done),
				  (off_t)(od->offset + (uint64_t)offset + (uint64_t)done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? done : -1;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

static s64 od_pwrite(struct ntfs_device *dev, const void *buf, s64 count, s64 offset)
{
	struct offdev *od = dev->d_private;
	s64 done = 0;

	if (NDevReadOnly(dev) || od->readonly) {
		errno = EROFS;
		return -1;
	}
	if (offset < 0 || count < 0 || (uint64_t)(offset + count) > od->size) {
		errno = ENOSPC;
		return -1;
	}
	NDevSetDirty(dev);
	while (done < count) {
		ssize_t n = pwrite(od->fd, (const char *)buf + done, (size_t)(count - done),
				   (off_t)(od->offset + (uint64_t)offset + (uint64_t)done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? done : -1;
		}
		done += n;
	}
	return done;
}

static s64 od_read(struct ntfs_device *dev, void *buf, s64 count)
{
	struct offdev *od = dev->d_private;
	s64 n = od_pread(dev, buf, count, od->pos);

	if (n > 0)
		od->pos += n;
	return n;
}

static s64 od_write(struct ntfs_device *dev, const void *buf, s64 count)
{
	struct offdev *od = dev->d_private;
	s64 n = od_pwrite(dev, buf, count, od->pos);

	if (n > 0)
		od->pos += n;
	return n;
}

static int od_sync(struct ntfs_device *dev)
{
	struct offdev *od = dev->d_private;

	if (NDevReadOnly(dev))
		return 0;
	return fsync(od->fd);
}

static int od_stat(struct ntfs_device *dev, struct stat *buf)
{
	struct offdev *od = dev->d_private;

	if (fstat(od->fd, buf))
		return -1;
	/* The volume is what lies between offset and offset + size. */
	buf->st_size = (off_t)od->size;
	if (S_ISBLK(buf->st_mode) && od->offset)
		buf->st_mode = (buf->st_mode & ~S_IFMT) | S_IFREG;
	return 0;
}

static int od_ioctl(struct ntfs_device *dev, unsigned long request, void *argp)
{
	struct offdev *od = dev->d_private;

	switch (request) {
	case BLKGETSIZE64:
		*(uint64_t *)argp = od->size;
		return 0;
	case BLKGETSIZE:
		*(unsigned long *)argp = (unsigned long)(od->size / 512);
		return 0;
	case BLKSSZGET:
	case BLKBSZGET:
		if (!od->offset)
			return ioctl(od->fd, request, argp);
		*(int *)argp = 512;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

static struct ntfs_device_operations od_ops = {
	.open = od_open,
	.close = od_close,
	.seek = od_seek,
	.read = od_read,
	.write = od_write,
	.pread = od_pread,
	.pwrite = od_pwrite,
	.sync = od_sync,
	.stat = od_stat,
	.ioctl = od_ioctl,
};

/* ------------------------------------------------------------------------- */
/* open / close                                                              */

struct reader_ctx {
	struct wr_ntfs *owner;
	struct wr_reader *r;
	ntfs_inode *ni;
	ntfs_attr *na;
	struct reader_ctx *next;
};

struct wr_ntfs {
	ntfs_volume *vol;
	struct offdev *od;
	bool rw;
	char name[4200];	/* for messages: "path" or "path@offset" */
	struct reader_ctx *readers;
	struct PERMISSIONS_CACHE *seccache;	/* libntfs-3g's, for inherited ids */
};

static void extent_name(const struct wr_extent *ext, char *buf, size_t len)
{
	if (ext->partition)
		snprintf(buf, len, "%s (partition %u)", ext->path, ext->partition);
	else if (ext->offset)
		snprintf(buf, len, "%s@%llu", ext->path, (unsigned long long)ext->offset);
	else
		snprintf(buf, len, "%s", ext->path);
}

static uint64_t extent_size(const struct wr_extent *ext, int fd)
{
	struct stat st;
	uint64_t sz = 0;

	if (ext->size)
		return ext->size;
	if (fstat(fd, &st))
		return 0;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &sz))
			return 0;
	} else {
		sz = (uint64_t)st.st_size;
	}
	return sz > ext->offset ? sz - ext->offset : 0;
}

static uint64_t extent_size_of(const struct wr_extent *ext)
{
	int fd = open(ext->path, O_RDONLY | O_CLOEXEC);
	uint64_t sz;

	if (fd < 0)
		return ext->size;
	sz = extent_size(ext, fd);
	close(fd);
	return sz;
}

/* Read len bytes at off from the extent, straight from the file (no libntfs-3g). */
static int extent_read(const struct wr_extent *ext, uint64_t off, void *buf, size_t len,
		       size_t *got, struct wr_detail *d)
{
	int fd = open(ext->path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, ext->path);
	n = pread(fd, buf, len, (off_t)(ext->offset + off));
	if (n < 0) {
		int e = errno;

		close(fd);
		return wr_detail_set(d, WR_ERR_READ, e, ext->path);
	}
	close(fd);
	*got = (size_t)n;
	return WR_OK;
}

static int mount_extent(const struct wr_extent *ext, bool readonly, unsigned long mflags,
			ntfs_volume **volp, struct offdev **odp, int *err_out)
{
	struct offdev *od;
	struct ntfs_device *dev;
	ntfs_volume *vol;
	int fd;

	log_setup();
	*err_out = 0;
	od = calloc(1, sizeof(*od));
	if (!od) {
		*err_out = ENOMEM;
		return -1;
	}
	od->fd = -1;
	od->offset = ext->offset;
	od->readonly = readonly;
	snprintf(od->path, sizeof(od->path), "%s", ext->path);
	fd = open(ext->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err_out = errno;
		free(od);
		return -1;
	}
	od->size = extent_size(ext, fd);
	close(fd);
	dev = ntfs_device_alloc(ext->path, 0, &od_ops, od);
	if (!dev) {
		*err_out = errno;
		free(od);
		return -1;
	}
	vol = ntfs_device_mount(dev, mflags | (readonly ? NTFS_MNT_RDONLY : 0));
	if (!vol) {
		*err_out = errno ? errno : EINVAL;
		if (NDevOpen(dev))
			dev->d_ops->close(dev);
		ntfs_device_free(dev);
		free(od);
		return -1;
	}
	*volp = vol;
	*odp = od;
	return 0;
}

static void unmount(ntfs_volume *vol, struct offdev *od)
{
	if (vol)
		ntfs_umount(vol, FALSE);
	free(od);
}

/* ------------------------------------------------------------------------- */
/* names and paths                                                            */

/* UTF-16LE to UTF-8; unpaired surrogates become U+FFFD.  Never fails except ENOMEM. */
static char *utf16_to_utf8(const ntfschar *s, int len)
{
	char *out = malloc((size_t)len * 3 + 1), *p = out;

	if (!out)
		return NULL;
	for (int i = 0; i < len; i++) {
		uint32_t c = le16_to_cpu(s[i]);

		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len) {
			uint32_t c2 = le16_to_cpu(s[i + 1]);

			if (c2 >= 0xDC00 && c2 <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
				i++;
			} else {
				c = 0xFFFD;
			}
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD;
		}
		if (c < 0x80) {
			*p++ = (char)c;
		} else if (c < 0x800) {
			*p++ = (char)(0xC0 | (c >> 6));
			*p++ = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			*p++ = (char)(0xE0 | (c >> 12));
			*p++ = (char)(0x80 | ((c >> 6) & 0x3F));
			*p++ = (char)(0x80 | (c & 0x3F));
		} else {
			/* 4 bytes for 2 UTF-16 units: still within len * 3. */
			*p++ = (char)(0xF0 | (c >> 18));
			*p++ = (char)(0x80 | ((c >> 12) & 0x3F));
			*p++ = (char)(0x80 | ((c >> 6) & 0x3F));
			*p++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*p = '\0';
	return out;
}

/* Normalise a volume path: '\\' and '/' separators, no empty, "." or ".." parts.
 * Result "/a/b" (root "/").  Returns WR_ERR_UNSAFE_PATH for "..". */
static int norm_path(const char *in, char *out, size_t outlen, struct wr_detail *d)
{
	size_t o = 0;
	const char *p = in;

	if (!in || outlen < 2)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, in);
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/' || *p == '\\')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/' && *p != '\\')
			p++;
		n = (size_t)(p - s);
		if (n == 1 && s[0] == '.')
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return wr_detail_set(d, WR_ERR_UNSAFE_PATH, EINVAL, in);
		if (o + 1 + n + 1 > outlen)
			return wr_detail_set(d, WR_ERR_TOO_LARGE, ENAMETOOLONG, in);
		out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return WR_OK;
}

/* Split a normalised path into parent ("/" for top level) and leaf. */
static void split_path(const char *path, char *parent, size_t plen, const char **leaf)
{
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);

	if (n == 0)
		n = 1;
	if (n >= plen)
		n = plen - 1;
	memcpy(parent, path, n);
	parent[n] = '\0';
	*leaf = slash + 1;
}

static int map_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return WR_ERR_NOT_FOUND;
	case ENOMEM:
		return WR_ERR_NOMEM;
	case EEXIST:
		return WR_ERR_EXISTS;
	case ENOSPC:
		return WR_ERR_NO_SPACE;
	case EIO:
		return WR_ERR_READ;
	case EROFS:
	case EACCES:
	case EPERM:
		return WR_ERR_WRITE;
	case ENAMETOOLONG:
		return WR_ERR_TOO_LARGE;
	case EINVAL:
	case EILSEQ:
		return WR_ERR_INVALID_ARG;
	default:
		return WR_ERR_CORRUPT;
	}
}

static int fail(struct wr_detail *d, int e, const char *subject, const char *what)
{
	int err = map_errno(e);

	wr_log(WR_LOG_WARN, "ntfs: %s '%s': %s", what, subject, strerror(e));
	wr_detail_setf(d, err, e, subject, "%s: %s", what, strerror(e));
	/* A failure is never WR_OK, whatever map_errno becomes.  Returned here rather
	 * than wr_detail_setf's result, so the analyser (which does not see error.c,
	 * and does not always follow map_errno) knows it too. */
	return err ? err : WR_ERR_CORRUPT;
}

static ntfs_inode *open_path(struct wr_ntfs *v, const char *path, int *e)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(v->vol, NULL, path);

	if (!ni)
		*e = errno ? errno : ENOENT;
	return ni;
}

/* A UTF-16 copy of a UTF-8 name (malloc'd), or NULL with errno. */
static int to_ucs(const char *name, ntfschar **out)
{
	int len;

	*out = NULL;
	len = ntfs_mbstoucs(name, out);
	if (len <= 0) {
		free(*out);
		*out = NULL;
		if (len == 0)
			errno = EINVAL;
		return -1;
	}
	if (len > NTFS_MAX_NAME_LEN) {
		free(*out);
		*out = NULL;
		errno = ENAMETOOLONG;
		return -1;
	}
	return len;
}

/* ------------------------------------------------------------------------- */
/* open                                                                       */

static int classify_mount_failure(const struct wr_extent *ext, int e, const char *name,
				  struct wr_detail *d);

int wr_ntfs_open(const struct wr_extent *ext, unsigned flags, struct wr_ntfs **out,
		 struct wr_detail *d)
{
	struct wr_ntfs *v;
	unsigned long mflags = 0;
	int e;

	*out = NULL;
	if (!ext || !ext->path[0])
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	v = calloc(1, sizeof(*v));
	if (!v)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, ext->path);
	extent_name(ext, v->name, sizeof(v->name));
	v->rw = flags & WR_NTFS_RDWR;
	if (v->rw && (flags & WR_NTFS_IGNORE_HIBERFILE))
		mflags |= NTFS_MNT_IGNORE_HIBERFILE;
	if (mount_extent(ext, !v->rw, mflags, &v->vol, &v->od, &e)) {
		int err = classify_mount_failure(ext, e, v->name, d);

		free(v);
		return err;
	}
	if (ntfs_set_ignore_case(v->vol))
		wr_log(WR_LOG_WARN, "ntfs: cannot set case-insensitive lookups on '%s'",
		       v->name);
	wr_log(WR_LOG_INFO, "ntfs: opened '%s' %s", v->name, v->rw ? "read-write" : "read-only");
	*out = v;
	return WR_OK;
}

void wr_ntfs_close(struct wr_ntfs *v)
{
	if (!v)
		return;
	while (v->readers) {
		struct reader_ctx *rc = v->readers;

		v->readers = rc->next;
		ntfs_attr_close(rc->na);
		ntfs_inode_close(rc->ni);
		if (rc->r)
			rc->r->ctx = NULL;
		free(rc);
	}
	if (v->seccache) {
		struct SECURITY_CONTEXT scx;

		memset(&scx, 0, sizeof(scx));
		scx.vol = v->vol;
		scx.pseccache = &v->seccache;
		ntfs_destroy_security_context(&scx);
	}
	unmount(v->vol, v->od);
	free(v);
}

/* ------------------------------------------------------------------------- */
/* probe                                                                      */

/* $LogFile restart page version: major at 0x1C, minor at 0x1A (little endian). */
static int logfile_version(ntfs_volume *vol, int *major, int *minor)
{
	ntfs_inode *ni = ntfs_inode_open(vol, FILE_LogFile);
	ntfs_attr *na = NULL;
	uint8_t buf[512];
	int ret = -1;

	*major = *minor = -1;
	if (!ni)
		return -1;
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (!na)
		goto out;
	/* Two restart pages; the first with a restart magic wins.  A page is at most
	 * 64 KiB; try the usual 4 KiB position of the second one too. */
	for (s64 pos = 0; pos <= 4096; pos += 4096) {
		if (ntfs_attr_pread(na, pos, sizeof(buf), buf) != (s64)sizeof(buf))
			break;
		if (!memcmp(buf, "RSTR", 4) || !memcmp(buf, "CHKD", 4)) {
			*minor = buf[0x1A] | buf[0x1B] << 8;
			*major = buf[0x1C] | buf[0x1D] << 8;
			ret = 0;
			break;
		}
	}
out:
	if (na)
		ntfs_attr_close(na);
	ntfs_inode_close(ni);
	return ret;
}

/* hiberfil.sys: 1 hibernated, 0 not (absent, "wake", empty...), reading only. */
static int hiberfile_state(ntfs_volume *vol, uint64_t *size)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, "/hiberfil.sys");
	ntfs_attr *na;
	char buf[4] = "";
	int ret = 0;

	*size = 0;
	if (!ni)
		return 0;
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (na) {
		*size = (uint64_t)na->data_size;
		if (ntfs_attr_pread(na, 0, 4, buf) == 4 &&
		    (!memcmp(buf, "hibr", 4) || !memcmp(buf, "HIBR", 4)))
			ret = 1;
		ntfs_attr_close(na);
	}
	ntfs_inode_close(ni);
	return ret;
}

static void fill_state(ntfs_volume *vol, struct wr_volume_state *st)
{
	int major, minor;
	uint64_t hsize;

	snprintf(st->fstype, sizeof(st->fstype), "ntfs");
	st->is_ntfs = true;
	st->volume_flags = le16_to_cpu(vol->flags);
	st->dirty = st->volume_flags & 0x0001;
	st->chkdsk_pending = st->dirty;
	snprintf(st->label, sizeof(st->label), "%s", vol->vol_name ? vol->vol_name : "");
	st->size = (uint64_t)vol->nr_clusters * vol->cluster_size;
	if (!ntfs_volume_get_free_space(vol) && vol->free_clusters >= 0)
		st->free = (uint64_t)vol->free_clusters * vol->cluster_size;
	st->hibernated = hiberfile_state(vol, &hsize) == 1;
	if (!logfile_version(vol, &major, &minor))
		st->fast_startup = major == 2 && minor == 0;
}

int wr_ntfs_probe(const struct wr_extent *ext, struct wr_volume_state *st,
		  struct wr_detail *d)
{
	struct wr_fs_info fs;
	uint8_t boot[512];
	size_t got = 0;
	ntfs_volume *vol;
	struct offdev *od;
	char name[4200];
	int ret, e;

	memset(st, 0, sizeof(*st));
	if (!ext || !ext->path[0])
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	extent_name(ext, name, sizeof(name));
	ret = extent_read(ext, 0, boot, sizeof(boot), &got, d);
	if (ret)
		return ret;
	memset(&fs, 0, sizeof(fs));
	if (wr_disk_probe_fs(ext, &fs, NULL) == WR_OK)
		snprintf(st->fstype, sizeof(st->fstype), "%s", fs.fstype);
	if (got >= 11 && !memcmp(boot + 3, "-FVE-FS-", 8)) {
		st->bitlocker = true;
	} else if (!strcmp(fs.fstype, "BitLocker")) {
		/* BitLocker To Go keeps a FAT boot sector ("MSWIN4.1") for old readers;
		 * libblkid finds it by the BitLocker GUID. */
		st->bitlocker = true;
		st->bitlocker_to_go = true;
	}
	if (st->bitlocker) {
		/* A state to report, not a failure: nothing more can be seen inside. */
		snprintf(st->fstype, sizeof(st->fstype), "BitLocker");
		st->size = extent_size_of(ext);
		wr_log(WR_LOG_INFO, "ntfs: probe '%s': BitLocker%s", name,
		       st->bitlocker_to_go ? " To Go" : "");
		return WR_OK;
	}
	if (got < 11 || memcmp(boot + 3, "NTFS    ", 8))
		return wr_detail_setf(d, WR_ERR_NOT_NTFS, 0, name, "filesystem: %s",
				      st->fstype[0] ? st->fstype : "none recognised");
	if (mount_extent(ext, true, 0, &vol, &od, &e))
		return classify_mount_failure(ext, e, name, d);
	fill_state(vol, st);
	unmount(vol, od);
	wr_log(WR_LOG_INFO, "ntfs: probe '%s': flags 0x%04x%s%s%s, %llu of %llu bytes free",
	       name, st->volume_flags, st->dirty ? " dirty" : "",
	       st->hibernated ? " hibernated" : "", st->fast_startup ? " fast-startup" : "",
	       (unsigned long long)st->free, (unsigned long long)st->size);
	return WR_OK;
}

/* Why did a mount fail?  Look at the volume read-only to tell the person. */
static int classify_mount_failure(const struct wr_extent *ext, int e, const char *name,
				  struct wr_detail *d)
{
	uint8_t boot[16];
	size_t got = 0;
	ntfs_volume *vol;
	struct offdev *od;
	int e2;

	if (e == ENOENT || e == EACCES || e == ENXIO || e == ENODEV || e == EISDIR ||
	    e == ENOTDIR || e == EBUSY)
		return wr_detail_setf(d, e == EBUSY ? WR_ERR_MOUNTED : WR_ERR_OPEN, e, name,
				      "open: %s", strerror(e));
	if (e == ENOMEM)
		return wr_detail_set(d, WR_ERR_NOMEM, e, name);
	if (extent_read(ext, 0, boot, sizeof(boot), &got, NULL) == WR_OK && got >= 11) {
		if (!memcmp(boot + 3, "-FVE-FS-", 8))
			return wr_detail_setf(d, WR_ERR_BITLOCKER, e, name, "BitLocker");
		if (memcmp(boot + 3, "NTFS    ", 8)) {
			struct wr_fs_info fs;

			memset(&fs, 0, sizeof(fs));
			if (wr_disk_probe_fs(ext, &fs, NULL) == WR_OK &&
			    !strcmp(fs.fstype, "BitLocker"))
				return wr_detail_setf(d, WR_ERR_BITLOCKER, e, name,
						      "BitLocker To Go");
			return wr_detail_setf(d, WR_ERR_NOT_NTFS, e, name, "no NTFS boot sector");
		}
	} else {
		return wr_detail_setf(d, WR_ERR_NOT_NTFS, e, name, "too short for a volume");
	}
	if (e == EPERM || e == EOPNOTSUPP) {
		/* Hibernated, Fast Startup ($LogFile 2.0) or an unclean $LogFile: a
		 * read-only mount does not check these; look for ourselves. */
		if (!mount_extent(ext, true, 0, &vol, &od, &e2)) {
			struct wr_volume_state st;

			memset(&st, 0, sizeof(st));
			fill_state(vol, &st);
			unmount(vol, od);
			if (st.hibernated)
				return wr_detail_setf(d, WR_ERR_HIBERNATED, e, name,
						      "hiberfil.sys holds a hibernated session");
			if (st.fast_startup)
				return wr_detail_setf(d, WR_ERR_FAST_STARTUP, e, name,
						      "$LogFile version 2.0 (Fast Startup)");
		}
		if (e == EPERM)
			return wr_detail_setf(d, WR_ERR_HIBERNATED, e, name,
					      "libntfs-3g refused: hiberfil.sys unusable");
		return wr_detail_setf(d, WR_ERR_DIRTY, e, name,
				      "$LogFile is not clean: Windows did not shut down properly");
	}
	if (e == EIO)
		return wr_detail_setf(d, WR_ERR_READ, e, name, "mount: %s", strerror(e));
	return wr_detail_setf(d, WR_ERR_NOT_NTFS, e, name, "mount: %s", strerror(e));
}

/* ------------------------------------------------------------------------- */
/* stat, read                                                                 */

static void fill_stat(ntfs_inode *ni, struct wr_ntfs_stat *st)
{
	ntfs_attr_search_ctx *ctx;
	ntfs_attr *na;

	memset(st, 0, sizeof(*st));
	st->is_dir = ni->mrec->flags & MFT_RECORD_IS_DIRECTORY;
	st->attributes = le32_to_cpu(ni->flags) & 0xFFFFu;
	if (st->is_dir)
		st->attributes |= FILE_ATTRIBUTE_DIRECTORY_BIT;
	st->is_reparse = ni->flags & FILE_ATTR_REPARSE_POINT;
	st->mft_ref = ni->mft_no;
	st->creation_time = (uint64_t)sle64_to_cpu(ni->creation_time);
	st->modification_time = (uint64_t)sle64_to_cpu(ni->last_data_change_time);
	st->mft_change_time = (uint64_t)sle64_to_cpu(ni->last_mft_change_time);
	st->access_time = (uint64_t)sle64_to_cpu(ni->last_access_time);
	if (!st->is_dir) {
		na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
		if (na) {
			st->size = (uint64_t)na->data_size;
			ntfs_attr_close(na);
		}
	}
	if (st->is_reparse) {
		na = ntfs_attr_open(ni, AT_REPARSE_POINT, AT_UNNAMED, 0);
		if (na) {
			le32 tag = 0;

			if (ntfs_attr_pread(na, 0, 4, &tag) == 4)
				st->reparse_tag = le32_to_cpu(tag);
			ntfs_attr_close(na);
		}
	}
	ctx = ntfs_attr_get_search_ctx(ni, NULL);
	if (ctx) {
		while (!ntfs_attr_lookup(AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0, NULL,
					 0, ctx)) {
			FILE_NAME_ATTR *fn = (FILE_NAME_ATTR *)((u8 *)ctx->attr +
				le16_to_cpu(ctx->attr->value_offset));

			if (fn->file_name_type != FILE_NAME_DOS)
				st->nlink++;
		}
		ntfs_attr_put_search_ctx(ctx);
	}
}

int wr_ntfs_stat(struct wr_ntfs *v, const char *path, struct wr_ntfs_stat *st,
		 struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *ni;
	int ret, e = 0;

	ret = norm_path(path, p, sizeof(p), d);
	if (ret)
		return ret;
	ni = open_path(v, p, &e);
	if (!ni)
		return fail(d, e, p, "lookup");
	fill_stat(ni, st);
	ntfs_inode_close(ni);
	return WR_OK;
}

static int open_data(struct wr_ntfs *v, const char *path, char *p, size_t plen,
		     ntfs_inode **nip, ntfs_attr **nap, struct wr_detail *d)
{
	int ret, e = 0;

	*nip = NULL; /* outputs defined on every return */
	*nap = NULL;
	ret = norm_path(path, p, plen, d);
	if (ret)
		return ret;
	*nip = open_path(v, p, &e);
	if (!*nip)
		return fail(d, e, p, "lookup");
	if ((*nip)->mrec->flags & MFT_RECORD_IS_DIRECTORY) {
		ntfs_inode_close(*nip);
		*nip = NULL;
		wr_detail_setf(d, WR_ERR_INVALID_ARG, EISDIR, p, "is a directory");
		return WR_ERR_INVALID_ARG;
	}
	*nap = ntfs_attr_open(*nip, AT_DATA, AT_UNNAMED, 0);
	if (!*nap) {
		e = errno;
		ntfs_inode_close(*nip);
		return fail(d, e, p, "open data");
	}
	return WR_OK;
}

int wr_ntfs_read_file(struct wr_ntfs *v, const char *path, size_t max, void **buf,
		      size_t *len, struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *ni;
	ntfs_attr *na;
	char *b = NULL;
	s64 size, n;
	int ret;

	*buf = NULL;
	*len = 0;
	ret = open_data(v, path, p, sizeof(p), &ni, &na, d);
	if (ret)
		return ret;
	size = na->data_size;
	if ((uint64_t)size > max) {
		ret = wr_detail_setf(d, WR_ERR_TOO_LARGE, EFBIG, p, "%lld bytes",
				     (long long)size);
		goto out;
	}
	b = malloc((size_t)size + 1);
	if (!b) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, p);
		goto out;
	}
	n = size ? ntfs_attr_pread(na, 0, size, b) : 0;
	if (n != size) {
		ret = fail(d, n < 0 ? errno : EIO, p, "read");
		free(b);
		goto out;
	}
	b[size] = '\0';
	*buf = b;
	*len = (size_t)size;
out:
	ntfs_attr_close(na);
	ntfs_inode_close(ni);
	return ret;
}

int wr_ntfs_copy_out(struct wr_ntfs *v, const char *path, const char *host_path,
		     struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *ni;
	ntfs_attr *na;
	char *b = NULL;
	int fd = -1, ret;
	s64 pos = 0;

	ret = open_data(v, path, p, sizeof(p), &ni, &na, d);
	if (ret)
		return ret;
	b = malloc(COPY_CHUNK);
	if (!b) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, p);
		goto out;
	}
	fd = open(host_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, host_path);
		goto out;
	}
	while (pos < na->data_size) {
		s64 want = na->data_size - pos < COPY_CHUNK ? na->data_size - pos : COPY_CHUNK;
		s64 n = ntfs_attr_pread(na, pos, want, b);

		if (n <= 0) {
			ret = fail(d, n < 0 ? errno : EIO, p, "read");
			goto out;
		}
		for (s64 w = 0; w < n;) {
			ssize_t k = write(fd, b + w, (size_t)(n - w));

			if (k < 0) {
				if (errno == EINTR)
					continue;
				ret = wr_detail_set(d, WR_ERR_WRITE, errno, host_path);
				goto out;
			}
			w += k;
		}
		pos += n;
	}
	if (fsync(fd) && errno != EINVAL)
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, host_path);
out:
	if (fd >= 0) {
		if (close(fd) && !ret)
			ret = wr_detail_set(d, WR_ERR_WRITE, errno, host_path);
		if (ret)
			unlink(host_path);
	}
	free(b);
	ntfs_attr_close(na);
	ntfs_inode_close(ni);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* directories                                                                */

struct dirent_item {
	char *name;		/* UTF-8 */
	ntfschar *uname;	/* as stored */
	int ulen;
	u64 mref;
	unsigned dt_type;
};

struct dir_items {
	struct dirent_item *v;
	size_t n, cap;
	int err;
};

static int collect_cb(void *ctx, const ntfschar *name, const int name_len,
		      const int name_type, const s64 pos, const MFT_REF mref,
		      const unsigned dt_type)
{
	struct dir_items *it = ctx;
	struct dirent_item *e;

	(void)pos;
	if (name_type == FILE_NAME_DOS)
		return 0;
	if (MREF(mref) < FILE_first_user && MREF(mref) != FILE_root)
		return 0;	/* $MFT, $LogFile, $Extend...: the volume's own metadata */
	if (name_len == 1 && le16_to_cpu(name[0]) == '.')
		return 0;
	if (name_len == 2 && le16_to_cpu(name[0]) == '.' && le16_to_cpu(name[1]) == '.')
		return 0;
	if (MREF(mref) == FILE_root)
		return 0;
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 32;
		struct dirent_item *nv = realloc(it->v, cap * sizeof(*nv));

		if (!nv) {
			it->err = ENOMEM;
			return -1;
		}
		it->v = nv;
		it->cap = cap;
	}
	e = &it->v[it->n];
	e->name = utf16_to_utf8(name, name_len);
	e->uname = malloc((size_t)name_len * sizeof(ntfschar));
	if (!e->name || !e->uname) {
		free(e->name);
		free(e->uname);
		it->err = ENOMEM;
		return -1;
	}
	memcpy(e->uname, name, (size_t)name_len * sizeof(ntfschar));
	e->ulen = name_len;
	e->mref = mref;
	e->dt_type = dt_type;
	it->n++;
	return 0;
}

static void dir_items_release(struct dir_items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].name);
		free(it->v[i].uname);
	}
	free(it->v);
	memset(it, 0, sizeof(*it));
}

static int read_dir(ntfs_inode *dir, struct dir_items *it)
{
	s64 pos = 0;
	ntfschar *locase = dir->vol->locase;
	int rc;

	memset(it, 0, sizeof(*it));
	/* With ignore-case lookups on, ntfs_readdir() hands out lower-cased names (what
	 * the FUSE driver shows); we want the names as stored, so the lower-case table
	 * is set aside while reading (single-threaded, restored at once). */
	dir->vol->locase = NULL;
	rc = ntfs_readdir(dir, &pos, it, collect_cb);
	dir->vol->locase = locase;
	if (rc) {
		int e = it->err ? it->err : errno;

		dir_items_release(it);
		return e ? e : EIO;
	}
	return 0;
}

int wr_ntfs_list(struct wr_ntfs *v, const char *path, char ***names_out,
		 struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *ni;
	struct dir_items it;
	char **names;
	int ret, e = 0;

	*names_out = NULL;
	ret = norm_path(path, p, sizeof(p), d);
	if (ret)
		return ret;
	ni = open_path(v, p, &e);
	if (!ni)
		return fail(d, e, p, "lookup");
	if (!(ni->mrec->flags & MFT_RECORD_IS_DIRECTORY)) {
		ntfs_inode_close(ni);
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, ENOTDIR, p, "not a directory");
	}
	e = read_dir(ni, &it);
	ntfs_inode_close(ni);
	if (e)
		return fail(d, e, p, "readdir");
	names = calloc(it.n + 1, sizeof(*names));
	if (!names) {
		dir_items_release(&it);
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, p);
	}
	for (size_t i = 0; i < it.n; i++) {
		names[i] = it.v[i].name;
		it.v[i].name = NULL;
	}
	dir_items_release(&it);
	*names_out = names;
	return WR_OK;
}

void wr_ntfs_list_free(char **names)
{
	wr_strv_free(names);
}

/* ------------------------------------------------------------------------- */
/* reader                                                                     */

static int reader_read_at(void *ctx, uint64_t offset, void *buf, size_t len)
{
	struct reader_ctx *rc = ctx;
	size_t done = 0;

	if (!rc)
		return WR_ERR_INVALID_ARG;
	if (offset > (uint64_t)rc->na->data_size || len > (uint64_t)rc->na->data_size - offset)
		return WR_ERR_READ;
	while (done < len) {
		s64 n = ntfs_attr_pread(rc->na, (s64)(offset + done), (s64)(len - done),
					(char *)buf + done);

		if (n <= 0)
			return WR_ERR_READ;
		done += (size_t)n;
	}
	return WR_OK;
}

int wr_ntfs_reader_open(struct wr_ntfs *v, const char *path, struct wr_reader *r,
			struct wr_detail *d)
{
	char p[4096];
	struct reader_ctx *rc;
	int ret;

	memset(r, 0, sizeof(*r));
	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	ret = open_data(v, path, p, sizeof(p), &rc->ni, &rc->na, d);
	if (ret) {
		free(rc);
		return ret;
	}
	rc->owner = v;
	rc->r = r;
	rc->next = v->readers;
	v->readers = rc;
	r->read_at = reader_read_at;
	r->size = (uint64_t)rc->na->data_size;
	r->ctx = rc;
	return WR_OK;
}

void wr_ntfs_reader_close(struct wr_reader *r)
{
	struct reader_ctx *rc;

	if (!r || !r->ctx)
		return;
	rc = r->ctx;
	for (struct reader_ctx **pp = &rc->owner->readers; *pp; pp = &(*pp)->next) {
		if (*pp == rc) {
			*pp = rc->next;
			break;
		}
	}
	ntfs_attr_close(rc->na);
	ntfs_inode_close(rc->ni);
	free(rc);
	r->ctx = NULL;
	r->read_at = NULL;
}

/* ------------------------------------------------------------------------- */
/* walk                                                                       */

struct entry_priv {
	ntfs_inode *ni;
	ntfschar **snames;	/* stream names (NULL for unnamed) */
	int *slens;
};

struct walk_state {
	struct wr_ntfs *v;
	wr_ntfs_walk_fn fn;
	void *ctx;
	struct wr_detail *d;
	bool want_sd;	/* tree_size does not need security descriptors */
	char path[8192];
};

static int entry_streams(ntfs_inode *ni, struct wr_ntfs_stream **out, size_t *n,
			 struct entry_priv *pv)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);
	struct wr_ntfs_stream *v = NULL;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	if (!ctx)
		return ENOMEM;
	while (!ntfs_attr_lookup(AT_DATA, NULL, 0, CASE_SENSITIVE, 0, NULL, 0, ctx)) {
		ATTR_RECORD *a = ctx->attr;
		ntfschar *an = (ntfschar *)((u8 *)a + le16_to_cpu(a->name_offset));
		int alen = a->name_length;
		struct wr_ntfs_stream *nv;
		ntfschar **ns;
		int *nl;
		char *u8name;

		if (a->non_resident && a->lowest_vcn)
			continue;	/* an extent of a fragmented attribute */
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		ns = realloc(pv->snames, (cnt + 1) * sizeof(*ns));
		nl = realloc(pv->slens, (cnt + 1) * sizeof(*nl));
		if (nv)
			v = nv;
		if (ns)
			pv->snames = ns;
		if (nl)
			pv->slens = nl;
		if (!nv || !ns || !nl)
			goto nomem;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		pv->snames[cnt] = NULL;
		pv->slens[cnt] = alen;
		if (alen) {
			pv->snames[cnt] = malloc((size_t)alen * sizeof(ntfschar));
			u8name = utf16_to_utf8(an, alen);
			if (!pv->snames[cnt] || !u8name) {
				free(u8name);
				cnt++;
				goto nomem;
			}
			memcpy(pv->snames[cnt], an, (size_t)alen * sizeof(ntfschar));
			snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", u8name);
			free(u8name);
		}
		v[cnt].size = a->non_resident ? (uint64_t)sle64_to_cpu(a->data_size)
					      : le32_to_cpu(a->value_length);
		cnt++;
	}
	ntfs_attr_put_search_ctx(ctx);
	/* Unnamed first. */
	for (size_t i = 1; i < cnt; i++) {
		if (!pv->snames[i] && pv->snames[0]) {
			struct wr_ntfs_stream t = v[0];
			ntfschar *tn = pv->snames[0];
			int tl = pv->slens[0];

			v[0] = v[i];
			v[i] = t;
			pv->snames[0] = pv->snames[i];
			pv->snames[i] = tn;
			pv->slens[0] = pv->slens[i];
			pv->slens[i] = tl;
			break;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
nomem:
	ntfs_attr_put_search_ctx(ctx);
	for (size_t i = 0; i < cnt; i++)
		free(pv->snames[i]);
	free(pv->snames);
	free(pv->slens);
	pv->snames = NULL;
	pv->slens = NULL;
	free(v);
	return ENOMEM;
}

int wr_ntfs_entry_read(const struct wr_ntfs_entry *e, size_t idx, uint64_t offset,
		       void *buf, size_t len, size_t *got, struct wr_detail *d)
{
	struct entry_priv *pv = e->priv;
	ntfs_attr *na;
	s64 n;

	*got = 0;
	if (!pv || idx >= e->nstreams)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, e->path);
	na = ntfs_attr_open(pv->ni, AT_DATA, pv->snames[idx] ? pv->snames[idx] : AT_UNNAMED,
			    pv->snames[idx] ? (u32)pv->slens[idx] : 0);
	if (!na)
		return fail(d, errno, e->path, "open stream");
	if (offset >= (uint64_t)na->data_size) {
		ntfs_attr_close(na);
		return WR_OK;
	}
	n = ntfs_attr_pread(na, (s64)offset, (s64)len, buf);
	ntfs_attr_close(na);
	if (n < 0)
		return fail(d, errno, e->path, "read stream");
	*got = (size_t)n;
	return WR_OK;
}

static int get_security(struct wr_ntfs *v, ntfs_inode *ni, char **sd, size_t *len)
{
	struct SECURITY_CONTEXT scx;
	int need;

	*sd = NULL;
	*len = 0;
	memset(&scx, 0, sizeof(scx));
	scx.vol = v->vol;
	need = ntfs_get_ntfs_acl(&scx, ni, NULL, 0);
	if (need <= 0)
		return 0;
	*sd = malloc((size_t)need);
	if (!*sd)
		return ENOMEM;
	if (ntfs_get_ntfs_acl(&scx, ni, *sd, (size_t)need) != need) {
		free(*sd);
		*sd = NULL;
		return 0;
	}
	*len = (size_t)need;
	return 0;
}

static int walk_one(struct walk_state *w, u64 mref, const char *name, int depth)
{
	struct wr_ntfs_entry e;
	struct entry_priv pv = { NULL, NULL, NULL };
	struct wr_ntfs_stream *streams = NULL;
	char *sd = NULL;
	size_t plen = strlen(w->path);
	struct dir_items it = { NULL, 0, 0, 0 };
	int ret = WR_OK, err;

	if (depth > 256)
		return wr_detail_setf(w->d, WR_ERR_CORRUPT, ELOOP, w->path, "too deep");
	pv.ni = ntfs_inode_open(w->v->vol, MREF(mref));
	if (!pv.ni)
		return fail(w->d, errno, w->path, "open inode");
	memset(&e, 0, sizeof(e));
	e.path = w->path;
	e.name = name;
	fill_stat(pv.ni, &e.st);
	err = entry_streams(pv.ni, &streams, &e.nstreams, &pv);
	if (!err && w->want_sd)
		err = get_security(w->v, pv.ni, &sd, &e.security_len);
	if (err) {
		ret = fail(w->d, err, w->path, "read attributes");
		goto out;
	}
	e.streams = streams;
	e.security = sd;
	e.priv = &pv;
	ret = w->fn(&e, w->ctx);
	if (ret)
		goto out;
	if (e.st.is_dir && !e.st.is_reparse) {
		err = read_dir(pv.ni, &it);
		if (err) {
			ret = fail(w->d, err, w->path, "readdir");
			goto out;
		}
		/* Children are opened by number, not by name: close this one first so
		 * no inode is open twice. */
		ntfs_inode_close(pv.ni);
		pv.ni = NULL;
		for (size_t i = 0; i < it.n && !ret; i++) {
			size_t nl = strlen(it.v[i].name);

			if (plen + 1 + nl + 1 > sizeof(w->path)) {
				ret = wr_detail_setf(w->d, WR_ERR_TOO_LARGE, ENAMETOOLONG,
						     w->path, "path too long");
				break;
			}
			if (plen > 1)
				w->path[plen] = '/', memcpy(w->path + plen + 1, it.v[i].name, nl + 1);
			else
				memcpy(w->path + 1, it.v[i].name, nl + 1);
			ret = walk_one(w, it.v[i].mref, it.v[i].name, depth + 1);
			w->path[plen > 1 ? plen : 1] = '\0';
		}
	}
out:
	dir_items_release(&it);
	if (pv.ni)
		ntfs_inode_close(pv.ni);
	for (size_t i = 0; i < e.nstreams; i++)
		free(pv.snames[i]);
	free(pv.snames);
	free(pv.slens);
	free(streams);
	free(sd);
	return ret;
}

static int walk(struct wr_ntfs *v, const char *path, wr_ntfs_walk_fn fn, void *ctx,
		bool want_sd, struct wr_detail *d)
{
	struct walk_state *w;
	ntfs_inode *ni;
	u64 mref;
	int ret, e = 0;

	w = calloc(1, sizeof(*w));
	if (!w)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	ret = norm_path(path, w->path, sizeof(w->path), d);
	if (ret)
		goto out;
	ni = open_path(v, w->path, &e);
	if (!ni) {
		ret = fail(d, e, w->path, "lookup");
		goto out;
	}
	mref = ni->mft_no;
	ntfs_inode_close(ni);
	w->v = v;
	w->fn = fn;
	w->ctx = ctx;
	w->d = d;
	w->want_sd = want_sd;
	ret = walk_one(w, mref, strcmp(w->path, "/") ? strrchr(w->path, '/') + 1 : "", 0);
out:
	free(w);
	return ret;
}

int wr_ntfs_walk(struct wr_ntfs *v, const char *path, wr_ntfs_walk_fn fn, void *ctx,
		 struct wr_detail *d)
{
	return walk(v, path, fn, ctx, true, d);
}

struct size_ctx {
	uint64_t bytes, files;
};

static int size_cb(const struct wr_ntfs_entry *e, void *ctx)
{
	struct size_ctx *s = ctx;

	if (e->st.is_dir)
		return WR_OK;
	s->files++;
	for (size_t i = 0; i < e->nstreams; i++)
		s->bytes += e->streams[i].size;
	return WR_OK;
}

int wr_ntfs_tree_size(struct wr_ntfs *v, const char *path, uint64_t *bytes,
		      uint64_t *files, struct wr_detail *d)
{
	struct size_ctx s = { 0, 0 };
	int ret = walk(v, path, size_cb, &s, false, d);

	if (bytes)
		*bytes = s.bytes;
	if (files)
		*files = s.files;
	return ret;
}

/* ------------------------------------------------------------------------- */
/* writing                                                                    */

static int need_rw(struct wr_ntfs *v, const char *path, struct wr_detail *d)
{
	if (!v->rw) {
		wr_detail_setf(d, WR_ERR_INVALID_ARG, EROFS, path, "volume opened read-only");
		return WR_ERR_INVALID_ARG;
	}
	return WR_OK;
}

/* Look a name up in dir, case-insensitively (the volume ignores case).  Returns the
 * MFT number or (u64)-1. */
static u64 lookup_name(ntfs_inode *dir, const ntfschar *uname, int ulen)
{
	u64 m = ntfs_inode_lookup_by_name(dir, uname, ulen);

	return m == (u64)-1 ? m : MREF(m);
}

static le32 inherit_secid(struct wr_ntfs *v, ntfs_inode *dir, bool is_dir)
{
	struct SECURITY_CONTEXT scx;

	memset(&scx, 0, sizeof(scx));
	scx.vol = v->vol;
	scx.pseccache = &v->seccache;	/* ntfs_inherited_id caches through it */
	return ntfs_inherited_id(&scx, dir, is_dir);
}

/* Open the parent of a normalised path and convert the leaf name. */
static int open_parent(struct wr_ntfs *v, const char *p, ntfs_inode **dir,
		       ntfschar **uname, int *ulen, struct wr_detail *d)
{
	char parent[4096];
	const char *leaf;
	int e = 0;

	*dir = NULL; /* outputs defined on every return */
	*uname = NULL;
	*ulen = 0;
	if (!strcmp(p, "/")) {
		wr_detail_setf(d, WR_ERR_INVALID_ARG, EINVAL, p, "the root");
		return WR_ERR_INVALID_ARG;
	}
	split_path(p, parent, sizeof(parent), &leaf);
	*ulen = to_ucs(leaf, uname);
	if (*ulen < 0)
		return fail(d, errno, p, "name");
	*dir = open_path(v, parent, &e);
	if (!*dir) {
		free(*uname);
		*uname = NULL;
		return fail(d, e, parent, "lookup");
	}
	if (!((*dir)->mrec->flags & MFT_RECORD_IS_DIRECTORY) ||
	    ((*dir)->flags & FILE_ATTR_REPARSE_POINT)) {
		ntfs_inode_close(*dir);
		*dir = NULL;
		free(*uname);
		*uname = NULL;
		wr_detail_setf(d, WR_ERR_INVALID_ARG, ENOTDIR, parent, "not a directory");
		return WR_ERR_INVALID_ARG;
	}
	return WR_OK;
}

static int create_node(struct wr_ntfs *v, const char *path, bool is_dir, ntfs_inode **out,
		       char *p, size_t plen, struct wr_detail *d)
{
	ntfs_inode *dir = NULL, *ni;
	ntfschar *uname = NULL;
	int ulen, ret;

	*out = NULL; /* defined on every return */
	ret = norm_path(path, p, plen, d);
	if (!ret)
		ret = need_rw(v, p, d);
	if (!ret)
		ret = open_parent(v, p, &dir, &uname, &ulen, d);
	if (ret)
		return ret;
	if (lookup_name(dir, uname, ulen) != (u64)-1) {
		wr_detail_setf(d, WR_ERR_EXISTS, EEXIST, p, "name exists");
		ret = WR_ERR_EXISTS;
		goto out;
	}
	ni = ntfs_create(dir, inherit_secid(v, dir, is_dir), uname, (u8)ulen,
			 is_dir ? S_IFDIR : S_IFREG);
	if (!ni) {
		ret = fail(d, errno, p, "create");
		goto out;
	}
	*out = ni;
	ntfs_inode_close(dir);
	free(uname);
	return WR_OK;
out:
	ntfs_inode_close(dir);
	free(uname);
	return ret;
}

int wr_ntfs_mkdir(struct wr_ntfs *v, const char *path, struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *ni;
	int ret = create_node(v, path, true, &ni, p, sizeof(p), d);

	if (ret)
		return ret;
	if (ntfs_inode_close(ni))
		return fail(d, errno, p, "close");
	wr_log(WR_LOG_INFO, "ntfs: mkdir '%s'", p);
	return WR_OK;
}

static int unlink_path(struct wr_ntfs *v, const char *p, struct wr_detail *d);

/* Open path for writing, created when missing, emptied: *ni and *na for the caller
 * to write and close.  The normalised path goes to p. */
static int open_truncated(struct wr_ntfs *v, const char *path, char *p, size_t psize,
			  ntfs_inode **ni_out, ntfs_attr **na_out, struct wr_detail *d)
{
	ntfs_inode *ni = NULL;
	ntfs_attr *na = NULL;
	int ret, e = 0;

	ret = norm_path(path, p, psize, d);
	if (!ret)
		ret = need_rw(v, p, d);
	if (ret)
		return ret;
	ni = open_path(v, p, &e);
	if (ni) {
		if ((ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) ||
		    (ni->flags & FILE_ATTR_REPARSE_POINT)) {
			ntfs_inode_close(ni);
			return wr_detail_setf(d, WR_ERR_EXISTS, EISDIR, p,
					      "a directory or reparse point has that name");
		}
	} else if (e == ENOENT) {
		ret = create_node(v, p, false, &ni, p, psize, d);
		if (ret)
			return ret;
	} else {
		return fail(d, e, p, "lookup");
	}
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (!na && errno == EIO) {
		/* A write of this file was killed half-way (its data attribute and its
		 * record disagree): the content is being replaced anyway, so delete the
		 * damaged file and create it again. */
		ntfs_inode_close(ni);
		ni = NULL;
		wr_log(WR_LOG_WARN, "ntfs: '%s' was left damaged by an interrupted write; "
		       "writing it again", p);
		ret = unlink_path(v, p, d);
		if (!ret)
			ret = create_node(v, p, false, &ni, p, psize, d);
		if (ret)
			return ret;
		na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	}
	if (!na)
		ret = fail(d, errno, p, "open data");
	else if (ntfs_attr_truncate(na, 0))
		ret = fail(d, errno, p, "truncate");
	if (ret) {
		if (na)
			ntfs_attr_close(na);
		ntfs_inode_close(ni);
		return ret;
	}
	*ni_out = ni;
	*na_out = na;
	return WR_OK;
}

/* Close what open_truncated opened, the times updated; ret passed through. */
static int close_written(ntfs_inode *ni, ntfs_attr *na, const char *p, int ret,
			 struct wr_detail *d)
{
	if (!ret)
		ntfs_inode_update_times(ni, NTFS_UPDATE_MCTIME);
	ntfs_attr_close(na);
	if (ntfs_inode_close(ni) && !ret)
		ret = fail(d, errno, p, "close");
	return ret;
}

int wr_ntfs_write_file(struct wr_ntfs *v, const char *path, const void *buf, size_t len,
		       struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *ni = NULL;
	ntfs_attr *na = NULL;
	int ret;

	ret = open_truncated(v, path, p, sizeof(p), &ni, &na, d);
	if (ret)
		return ret;
	if (len && ntfs_attr_pwrite(na, 0, (s64)len, buf) != (s64)len)
		ret = fail(d, errno ? errno : EIO, p, "write");
	return close_written(ni, na, p, ret, d);
}

int wr_ntfs_write_from(struct wr_ntfs *v, const char *path, const struct wr_reader *src,
		       struct wr_detail *d)
{
	enum { CHUNK = 1024 * 1024 };
	char p[4096];
	ntfs_inode *ni = NULL;
	ntfs_attr *na = NULL;
	char *buf = malloc(CHUNK);
	int ret;

	if (!buf)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	ret = open_truncated(v, path, p, sizeof(p), &ni, &na, d);
	if (ret) {
		free(buf);
		return ret;
	}
	for (uint64_t off = 0; !ret && off < src->size;) {
		size_t n = src->size - off < CHUNK ? (size_t)(src->size - off) : CHUNK;

		ret = src->read_at(src->ctx, off, buf, n);
		if (ret)
			ret = wr_detail_setf(d, ret, EIO, p, "reading the source at byte %llu",
					     (unsigned long long)off);
		else if (ntfs_attr_pwrite(na, (s64)off, (s64)n, buf) != (s64)n)
			ret = fail(d, errno ? errno : EIO, p, "write");
		off += n;
	}
	free(buf);
	return close_written(ni, na, p, ret, d);
}

/* The stored long (non-DOS) name of ni in directory dir matching uname ignoring case;
 * *had_dos tells whether that name is part of a Win32+DOS pair. */
static int stored_name(ntfs_inode *ni, u64 dir_no, const ntfschar *uname, int ulen,
		       ntfschar *out, int *outlen, bool *had_dos)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);
	int found = -1;

	*had_dos = false;
	if (!ctx)
		return -1;
	while (!ntfs_attr_lookup(AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0, NULL, 0,
				 ctx)) {
		FILE_NAME_ATTR *fn = (FILE_NAME_ATTR *)((u8 *)ctx->attr +
			le16_to_cpu(ctx->attr->value_offset));

		if (MREF_LE(fn->parent_directory) != dir_no ||
		    fn->file_name_type == FILE_NAME_DOS)
			continue;
		/* fn is packed: copy the name before comparing. */
		memcpy(out, (const u8 *)fn + offsetof(FILE_NAME_ATTR, file_name),
		       fn->file_name_length * sizeof(ntfschar));
		if (!ntfs_names_are_equal(out, fn->file_name_length, uname, (u32)ulen,
					  IGNORE_CASE, ni->vol->upcase, ni->vol->upcase_len))
			continue;
		*outlen = fn->file_name_length;
		*had_dos = fn->file_name_type == FILE_NAME_WIN32 ||
			   fn->file_name_type == FILE_NAME_WIN32_AND_DOS;
		found = 0;
		break;
	}
	ntfs_attr_put_search_ctx(ctx);
	return found;
}

/* The DOS name of ni in dir (upper case, UTF-8 into buf), 0 if none. */
static int dos_name_of(ntfs_inode *ni, ntfs_inode *dir, char *buf, size_t len)
{
	int n = ntfs_get_ntfs_dos_name(ni, dir, buf, len - 1);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return n;
}

static bool dos_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("!#$%&'()-@^_`{}~", c);
}

/* A new 8.3 name for long name (UTF-8) in dir: BASE~N.EXT, N the first free.  Windows'
 * own algorithm also hashes after ~4; ours only has to be valid and unique. */
static int make_dos_name(ntfs_inode *dir, const char *lname, char *out, size_t outlen)
{
	char base[9] = "", ext[4] = "";
	const char *dot = strrchr(lname, '.');
	size_t b = 0, x = 0;

	for (const char *s = lname; *s && (!dot || s < dot || dot == lname) && b < 6; s++) {
		unsigned char c = (unsigned char)toupper((unsigned char)*s);

		if (dos_char_ok(c))
			base[b++] = (char)c;
	}
	base[b] = '\0';
	if (dot && dot != lname) {
		for (const char *s = dot + 1; *s && x < 3; s++) {
			unsigned char c = (unsigned char)toupper((unsigned char)*s);

			if (dos_char_ok(c))
				ext[x++] = (char)c;
		}
		ext[x] = '\0';
	}
	if (!b)
		snprintf(base, sizeof(base), "FILE");
	for (unsigned n = 1; n < 1000000; n++) {
		char cand[16], tail[8];
		ntfschar *u = NULL;
		int ul;
		size_t keep;

		snprintf(tail, sizeof(tail), "~%u", n);
		keep = 8 - strlen(tail);
		if (keep > strlen(base))
			keep = strlen(base);
		snprintf(cand, sizeof(cand), "%.*s%s%s%s", (int)keep, base, tail, x ? "." : "", ext);
		ul = to_ucs(cand, &u);
		if (ul < 0)
			return -1;
		if (lookup_name(dir, u, ul) == (u64)-1) {
			free(u);
			snprintf(out, outlen, "%s", cand);
			return 0;
		}
		free(u);
	}
	return -1;
}

/* Remove one name (already resolved): ni and dir are closed by this call. */
static int delete_name(struct wr_ntfs *v, const char *p, ntfs_inode *ni, ntfs_inode *dir,
		       const ntfschar *uname, int ulen)
{
	if (ntfs_delete(v->vol, p, ni, dir, uname, (u8)ulen))
		return -1;
	return 0;
}

/* ---------------------------------------------------------------------------- */
/* Directory entries a killed writer left behind.
 *
 * libntfs-3g has no metadata journal, so a process killed inside one of its
 * operations (or a power cut) can leave a folder's index entry that points at a file
 * record which was never written (a create cut short: the index reached the disk,
 * the new record did not) or at a file that does not carry that name (a link cut
 * short the same way).  Windows' chkdsk removes such entries; libntfs-3g has no
 * chkdsk, so the operations that meet them after a crash remove them here.  The
 * danger they pose is real: deleting the *other* name of a file whose new name is
 * only a stray index entry would delete the file itself.
 *
 * Only an entry proven stray is touched: its record read fine and is free, reused
 * (another sequence number) or never formatted, or the file is there but has no name
 * in this folder matching the entry.  A record that cannot be read (a bad sector) is
 * left alone. */

enum entry_check { ENTRY_GOOD, ENTRY_STRAY, ENTRY_UNKNOWN };

/* Does ni carry exactly this name (any namespace) in folder dir_no? */
static bool carries_name(ntfs_inode *ni, u64 dir_no, const ntfschar *name, int len)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);
	bool found = false;

	if (!ctx)
		return true;	/* cannot tell: treat as good */
	while (!found && !ntfs_attr_lookup(AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0,
					   NULL, 0, ctx)) {
		const FILE_NAME_ATTR *fn = (const FILE_NAME_ATTR *)((const u8 *)ctx->attr +
			le16_to_cpu(ctx->attr->value_offset));

		found = MREF_LE(fn->parent_directory) == dir_no &&
			fn->file_name_length == len &&
			!memcmp((const u8 *)fn + offsetof(FILE_NAME_ATTR, file_name), name,
				(size_t)len * sizeof(ntfschar));
	}
	ntfs_attr_put_search_ctx(ctx);
	return found;
}

static enum entry_check check_entry(ntfs_volume *vol, u64 dir_no, const ntfschar *name,
				    int len, MFT_REF mref)
{
	u32 size = vol->mft_record_size;
	MFT_RECORD *m = malloc(size);
	enum entry_check r = ENTRY_UNKNOWN;
	ntfs_inode *ni;
	s64 got;

	if (!m)
		return ENTRY_UNKNOWN;
	/* Raw read: the header fields used here lie in the first sector, before any
	 * update-sequence fixup. */
	got = ntfs_attr_pread(vol->mft_na, (s64)MREF(mref) << vol->mft_record_size_bits,
			      size, m);
	if (got != (s64)size) {
		free(m);
		return ENTRY_UNKNOWN;	/* unreadable: never guess */
	}
	if (m->magic != magic_FILE) {
		bool zero = true;

		for (u32 i = 0; i < size && zero; i++)
			zero = ((const u8 *)m)[i] == 0;
		r = zero ? ENTRY_STRAY : ENTRY_UNKNOWN;	/* never formatted, or damaged */
	} else if (!(m->flags & MFT_RECORD_IN_USE) ||
		   (MSEQNO(mref) && le16_to_cpu(m->sequence_number) != MSEQNO(mref))) {
		r = ENTRY_STRAY;
	} else if ((ni = ntfs_inode_open(vol, MREF(mref))) != NULL) {
		r = carries_name(ni, dir_no, name, len) ? ENTRY_GOOD : ENTRY_STRAY;
		ntfs_inode_close(ni);
	}
	free(m);
	return r;
}

/* Remove the index entry (name, type) of dir that points at mref. */
static int remove_entry(ntfs_inode *dir, const ntfschar *name, int len, u8 type,
			MFT_REF mref)
{
	size_t fnlen = sizeof(FILE_NAME_ATTR) + (size_t)len * sizeof(ntfschar);
	FILE_NAME_ATTR *fn = calloc(1, fnlen);
	ntfs_index_context *icx = NULL;
	int ret = -1;

	if (!fn)
		return -1;
	fn->parent_directory = MK_LE_MREF(dir->mft_no, le16_to_cpu(dir->mrec->sequence_number));
	fn->file_name_length = (u8)len;
	fn->file_name_type = type;
	memcpy((u8 *)fn + offsetof(FILE_NAME_ATTR, file_name), name,
	       (size_t)len * sizeof(ntfschar));
	icx = ntfs_index_ctx_get(dir, NTFS_INDEX_I30, 4);
	if (icx && !ntfs_index_lookup(fn, (int)fnlen, icx) &&
	    MREF_LE(icx->entry->indexed_file) == MREF(mref) && !ntfs_index_rm(icx))
		ret = 0;
	if (icx)
		ntfs_index_ctx_put(icx);
	if (!ret)
		ntfs_inode_mark_dirty(dir);
	free(fn);
	return ret;
}

struct raw_entry {
	ntfschar name[NTFS_MAX_NAME_LEN];
	int len;
	u8 type;
	MFT_REF mref;
};

struct raw_entries {
	struct raw_entry *v;
	size_t n, cap;
	MFT_REF want;		/* only entries pointing here */
	const ntfschar *want_name;	/* or (when set) with this name, ignoring case */
	int want_len;
	ntfs_volume *vol;
};

static int raw_cb(void *ctx, const ntfschar *name, const int name_len, const int name_type,
		  const s64 pos, const MFT_REF mref, const unsigned dt_type)
{
	struct raw_entries *r = ctx;

	(void)pos;
	(void)dt_type;
	if (MREF(mref) != MREF(r->want) &&
	    !(r->want_name &&
	      ntfs_names_are_equal(name, (u32)name_len, r->want_name, (u32)r->want_len,
				   IGNORE_CASE, r->vol->upcase, r->vol->upcase_len)))
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4;
		struct raw_entry *nv = realloc(r->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		r->v = nv;
		r->cap = cap;
	}
	memcpy(r->v[r->n].name, name, (size_t)name_len * sizeof(ntfschar));
	r->v[r->n].len = name_len;
	r->v[r->n].type = (u8)name_type;
	r->v[r->n].mref = mref;
	r->n++;
	return 0;
}

/* The entries of dir named like uname (ignoring case), and their DOS twins. */
static int entries_named(ntfs_inode *dir, const ntfschar *uname, int ulen,
			 struct raw_entries *r)
{
	ntfschar *locase = dir->vol->locase;
	s64 pos = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	r->want = (MFT_REF)-1;
	r->want_name = uname;
	r->want_len = ulen;
	r->vol = dir->vol;
	dir->vol->locase = NULL;	/* names as stored (see read_dir) */
	rc = ntfs_readdir(dir, &pos, r, raw_cb);
	dir->vol->locase = locase;
	return rc;
}

/* The records that dir lists under a DOS name (readdir hands those out too). */
struct dos_entries {
	u64 v[64];
	size_t n;
};

static int dos_cb(void *ctx, const ntfschar *name, const int name_len, const int name_type,
		  const s64 pos, const MFT_REF mref, const unsigned dt_type)
{
	struct dos_entries *e = ctx;

	(void)name;
	(void)name_len;
	(void)pos;
	(void)dt_type;
	if (name_type == FILE_NAME_DOS && e->n < sizeof(e->v) / sizeof(e->v[0]))
		e->v[e->n++] = MREF(mref);
	return 0;
}

/* Does ni carry a long (POSIX, Win32 or Win32+DOS) name anywhere, or any name in
 * folder dir_no?  (*in_dir: a DOS name there.) */
static void names_of(ntfs_inode *ni, u64 dir_no, bool *long_anywhere, bool *dos_in_dir)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);

	*long_anywhere = false;
	*dos_in_dir = false;
	if (!ctx) {
		*long_anywhere = true;	/* cannot tell: leave it alone */
		return;
	}
	while (!ntfs_attr_lookup(AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0, NULL, 0,
				 ctx)) {
		FILE_NAME_ATTR *fn = (FILE_NAME_ATTR *)((u8 *)ctx->attr +
			le16_to_cpu(ctx->attr->value_offset));

		if (fn->file_name_type != FILE_NAME_DOS)
			*long_anywhere = true;
		else if (MREF_LE(fn->parent_directory) == dir_no)
			*dos_in_dir = true;
	}
	ntfs_attr_put_search_ctx(ctx);
}

int wr_ntfs_relink_long_name(struct wr_ntfs *v, const char *path, bool *relinked,
			     struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *dir = NULL, *ni = NULL;
	ntfschar *uname = NULL;
	struct dos_entries e;
	u64 found = (u64)-1;
	s64 pos = 0;
	int ulen = 0, ret, rc;

	*relinked = false;
	memset(&e, 0, sizeof(e));
	ret = norm_path(path, p, sizeof(p), d);
	if (!ret)
		ret = need_rw(v, p, d);
	if (!ret)
		ret = open_parent(v, p, &dir, &uname, &ulen, d);
	if (ret)
		return ret;
	if (lookup_name(dir, uname, ulen) != (u64)-1)
		goto out;	/* the name is there */
	{
		ntfschar *locase = dir->vol->locase;

		dir->vol->locase = NULL;	/* names as stored (see read_dir) */
		rc = ntfs_readdir(dir, &pos, &e, dos_cb);
		dir->vol->locase = locase;
	}
	if (rc) {
		ret = fail(d, errno ? errno : EIO, p, "readdir");
		goto out;
	}
	for (size_t i = 0; i < e.n; i++) {
		ntfs_inode *cand = ntfs_inode_open(v->vol, e.v[i]);
		bool has_long, dos_here;

		if (!cand)
			continue;
		names_of(cand, dir->mft_no, &has_long, &dos_here);
		ntfs_inode_close(cand);
		if (has_long || !dos_here)
			continue;
		if (found != (u64)-1 && found != e.v[i]) {
			wr_log(WR_LOG_WARN, "ntfs: more than one file in '%s' has only a DOS name; "
			       "not guessing which is '%s'", p, path);
			goto out;
		}
		found = e.v[i];
	}
	if (found == (u64)-1)
		goto out;
	ni = ntfs_inode_open(v->vol, found);
	if (!ni) {
		ret = fail(d, errno, p, "open inode");
		goto out;
	}
	if (ntfs_link(ni, dir, uname, (u8)ulen)) {
		ret = fail(d, errno, p, "link");
		goto out;
	}
	ntfs_inode_update_times(dir, NTFS_UPDATE_MCTIME);
	*relinked = true;
	wr_log(WR_LOG_WARN, "ntfs: record %llu had only its DOS name left in its folder (a "
	       "DOS-name update cut short); linked again as '%s'", (unsigned long long)found, p);
out:
	if (dir)
		ntfs_inode_close(dir);	/* the folder before the inode, as elsewhere */
	if (ni)
		ntfs_inode_close(ni);
	free(uname);
	return ret;
}

int wr_ntfs_fix_link_count(struct wr_ntfs *v, const char *path, bool *fixed,
			   struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *ni = NULL;
	ntfs_attr_search_ctx *ctx;
	unsigned links = 0;
	int ret, e = 0;

	*fixed = false;
	ret = norm_path(path, p, sizeof(p), d);
	if (!ret)
		ret = need_rw(v, p, d);
	if (ret)
		return ret;
	ni = open_path(v, p, &e);
	if (!ni)
		return fail(d, e, p, "lookup");
	ctx = ntfs_attr_get_search_ctx(ni, NULL);
	if (!ctx) {
		ntfs_inode_close(ni);
		return fail(d, errno, p, "search");
	}
	/* A link is a long name; a DOS name is the short partner of one. */
	while (!ntfs_attr_lookup(AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0, NULL, 0, ctx)) {
		FILE_NAME_ATTR *fn = (FILE_NAME_ATTR *)((u8 *)ctx->attr +
			le16_to_cpu(ctx->attr->value_offset));

		if (fn->file_name_type != FILE_NAME_DOS)
			links++;
	}
	ntfs_attr_put_search_ctx(ctx);
	if (links && le16_to_cpu(ni->mrec->link_count) != links) {
		wr_log(WR_LOG_WARN, "ntfs: '%s' counted %u links but has %u names (a name "
		       "update cut short); count corrected", p,
		       (unsigned)le16_to_cpu(ni->mrec->link_count), links);
		ni->mrec->link_count = cpu_to_le16((u16)links);
		ntfs_inode_mark_dirty(ni);
		*fixed = true;
	}
	if (ntfs_inode_close(ni))
		return fail(d, errno, p, "close");
	return WR_OK;
}

int wr_ntfs_drop_stray_entry(struct wr_ntfs *v, const char *path, bool *dropped,
			     struct wr_detail *d)
{
	char p[4096];
	ntfs_inode *dir = NULL;
	ntfschar *uname = NULL;
	struct raw_entries r;
	int ulen = 0, ret;

	memset(&r, 0, sizeof(r));
	*dropped = false;
	ret = norm_path(path, p, sizeof(p), d);
	if (!ret)
		ret = need_rw(v, p, d);
	if (!ret)
		ret = open_parent(v, p, &dir, &uname, &ulen, d);
	if (ret)
		return ret;
	if (entries_named(dir, uname, ulen, &r)) {
		ret = fail(d, errno ? errno : EIO, p, "readdir");
		goto out;
	}
	for (size_t i = 0; i < r.n && !ret; i++) {
		MFT_REF m = r.v[i].mref;
		enum entry_check c = check_entry(v->vol, dir->mft_no, r.v[i].name, r.v[i].len, m);

		if (c != ENTRY_STRAY)
			continue;
		/* The DOS twin of a stray long name is stray too: look for entries of
		 * the same record. */
		{
			struct raw_entries twins;
			ntfschar *locase = dir->vol->locase;
			s64 pos = 0;

			memset(&twins, 0, sizeof(twins));
			twins.want = m;
			twins.vol = v->vol;
			dir->vol->locase = NULL;
			if (ntfs_readdir(dir, &pos, &twins, raw_cb)) {
				dir->vol->locase = locase;
				free(twins.v);
				ret = fail(d, errno ? errno : EIO, p, "readdir");
				break;
			}
			dir->vol->locase = locase;
			for (size_t k = 0; k < twins.n && !ret; k++) {
				if (MREF(twins.v[k].mref) != MREF(m) ||
				    check_entry(v->vol, dir->mft_no, twins.v[k].name,
						twins.v[k].len, m) != ENTRY_STRAY)
					continue;
				if (remove_entry(dir, twins.v[k].name, twins.v[k].len,
						 twins.v[k].type, m))
					ret = fail(d, errno ? errno : EIO, p, "remove stray entry");
			}
			free(twins.v);
		}
		if (!ret) {
			*dropped = true;
			wr_log(WR_LOG_WARN,
			       "ntfs: removed the entry '%s' left pointing at record %llu by an "
			       "interrupted write", p, (unsigned long long)MREF(m));
		}
	}
out:
	free(r.v);
	free(uname);
	if (dir)
		ntfs_inode_close(dir);
	return ret;
}

/* Is the directory numbered anc an ancestor of (or equal to) the path p? */
static int is_ancestor(struct wr_ntfs *v, u64 anc, const char *p, bool *yes)
{
	char buf[4096];
	size_t n = strlen(p);

	*yes = false;
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n + 1);
	for (;;) {
		ntfs_inode *ni = ntfs_pathname_to_inode(v->vol, NULL, buf);

		if (!ni)
			return -1;
		if (ni->mft_no == anc) {
			*yes = true;
			ntfs_inode_close(ni);
			return 0;
		}
		ntfs_inode_close(ni);
		if (!strcmp(buf, "/"))
			return 0;
		char *slash = strrchr(buf, '/');

		if (slash == buf)
			buf[1] = '\0';
		else
			*slash = '\0';
	}
}

static int move_once(struct wr_ntfs *v, const char *from, const char *to,
		     struct wr_detail *d);

int wr_ntfs_move(struct wr_ntfs *v, const char *from, const char *to, struct wr_detail *d)
{
	char f[4096], t[4096], tparent[4096], fparent[4096];
	const char *tleaf, *fleaf;
	ntfs_inode *ni = NULL, *tdir = NULL;
	ntfschar *tu = NULL;
	int tul = 0, ret, e = 0;
	u64 src, existing;
	bool inside = false, same_dir;

	ret = norm_path(from, f, sizeof(f), d);
	if (!ret)
		ret = norm_path(to, t, sizeof(t), d);
	if (!ret)
		ret = need_rw(v, f, d);
	if (ret)
		return ret;
	if (!strcmp(f, "/") || !strcmp(t, "/"))
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, EINVAL, f, "cannot move the root");
	ni = open_path(v, f, &e);
	if (!ni)
		return fail(d, e, f, "lookup");
	src = ni->mft_no;
	ntfs_inode_close(ni);
	split_path(t, tparent, sizeof(tparent), &tleaf);
	split_path(f, fparent, sizeof(fparent), &fleaf);
	if (is_ancestor(v, src, tparent, &inside))
		return fail(d, errno ? errno : ENOENT, tparent, "lookup");
	if (inside)
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, EINVAL, t,
				      "cannot move '%s' into itself", f);
	ret = open_parent(v, t, &tdir, &tu, &tul, d);
	if (ret)
		return ret;
	existing = lookup_name(tdir, tu, tul);
	same_dir = false;
	{
		ntfs_inode *fd = ntfs_pathname_to_inode(v->vol, NULL, fparent);

		if (fd) {
			same_dir = fd->mft_no == tdir->mft_no;
			ntfs_inode_close(fd);
		}
	}
	ntfs_inode_close(tdir);
	free(tu);
	if (existing != (u64)-1) {
		char tmp[4096];

		ntfschar *fu = NULL, *tu2 = NULL;
		int ful = to_ucs(fleaf, &fu), tul2 = to_ucs(tleaf, &tu2);
		bool same_name = ful > 0 && tul2 > 0 &&
				 ntfs_names_are_equal(fu, (u32)ful, tu2, (u32)tul2, IGNORE_CASE,
						      v->vol->upcase, v->vol->upcase_len);

		free(fu);
		free(tu2);
		if (existing != src)
			return wr_detail_setf(d, WR_ERR_EXISTS, EEXIST, t, "destination exists");
		if (!same_dir || !same_name) {
			/* The destination is another name of the same file: an interrupted
			 * move (linked, old name not yet deleted) - or a DOS alias, which
			 * move_once() refuses. */
			return move_once(v, f, t, d);
		}
		if (!strcmp(fleaf, tleaf))
			return WR_OK;	/* same name, nothing to do */
		/* A case-only rename: through a temporary name, since the library would
		 * otherwise see the new name as existing. */
		if (strlen(fparent) > sizeof(tmp) - 64)
			return wr_detail_setf(d, WR_ERR_TOO_LARGE, ENAMETOOLONG, f, "path too long");
		snprintf(tmp, sizeof(tmp), "%.4000s/.wr-rename-%ld",
			 strcmp(fparent, "/") ? fparent : "", (long)getpid());
		ret = move_once(v, f, tmp, d);
		if (ret)
			return ret;
		ret = move_once(v, tmp, t, d);
		if (ret) {
			struct wr_detail d2 = WR_DETAIL_INIT;

			if (move_once(v, tmp, f, &d2))
				wr_log(WR_LOG_ERROR, "ntfs: '%s' is left as '%s'", f, tmp);
		}
		return ret;
	}
	return move_once(v, f, t, d);
}

static int move_once(struct wr_ntfs *v, const char *f, const char *t, struct wr_detail *d)
{
	char fparent[4096], tparent[4096], dosname[64] = "", newdos[1024] = "";
	const char *fleaf, *tleaf;
	ntfs_inode *ni = NULL, *fdir = NULL, *tdir = NULL;
	ntfschar *fu = NULL, *tu = NULL, oldname[NTFS_MAX_NAME_LEN];
	int ful = 0, tul = 0, oldlen = 0, ret, e = 0;
	u64 src, tdir_no, fdir_no, existing;
	bool had_dos = false, completing = false;

	split_path(f, fparent, sizeof(fparent), &fleaf);
	split_path(t, tparent, sizeof(tparent), &tleaf);

	/* 1. Facts about the old name. */
	ret = open_parent(v, f, &fdir, &fu, &ful, d);
	if (ret)
		return ret;
	ni = open_path(v, f, &e);
	if (!ni) {
		ret = fail(d, e, f, "lookup");
		goto out;
	}
	src = ni->mft_no;
	fdir_no = fdir->mft_no;
	if (stored_name(ni, fdir_no, fu, ful, oldname, &oldlen, &had_dos)) {
		ret = wr_detail_setf(d, WR_ERR_NOT_FOUND, ENOENT, f, "no such name in its folder");
		goto out;
	}
	if (had_dos)
		dos_name_of(ni, fdir, dosname, sizeof(dosname));
	ntfs_inode_close(ni);
	ni = NULL;
	ntfs_inode_close(fdir);
	fdir = NULL;

	/* 2. Link under the new name. */
	ret = open_parent(v, t, &tdir, &tu, &tul, d);
	if (ret)
		goto out;
	tdir_no = tdir->mft_no;
	ni = ntfs_inode_open(v->vol, src);
	if (!ni) {
		ret = fail(d, errno, f, "open inode");
		goto out;
	}
	existing = lookup_name(tdir, tu, tul);
	if (existing != (u64)-1) {
		ntfschar got[NTFS_MAX_NAME_LEN];
		int glen = 0;
		bool dos;

		/* Already linked under the new (long) name by a move that was cut
		 * short: only the old name is left to delete.  Anything else - another
		 * file, or only a DOS alias of this one - is an existing destination. */
		if (existing != src || stored_name(ni, tdir_no, tu, tul, got, &glen, &dos) ||
		    (tdir_no == fdir_no &&
		     ntfs_names_are_equal(oldname, (u32)oldlen, tu, (u32)tul, IGNORE_CASE,
					  v->vol->upcase, v->vol->upcase_len))) {
			ret = wr_detail_setf(d, WR_ERR_EXISTS, EEXIST, t, "destination exists");
			goto out;
		}
		wr_log(WR_LOG_WARN, "ntfs: '%s' is already linked as '%s': completing the move",
		       f, t);
		completing = true;
	} else if (ntfs_link(ni, tdir, tu, (u8)tul)) {
		ret = fail(d, errno, t, "link");
		goto out;
	}
	if (!completing)
		ntfs_inode_update_times(tdir, NTFS_UPDATE_MCTIME);
	/* The new parent is closed before the inode, as the FUSE driver does. */
	ntfs_inode_close(tdir);
	tdir = NULL;
	ntfs_inode_close(ni);
	ni = NULL;

	/* 3. Delete the old name (ntfs_delete closes both inodes). */
	fdir = ntfs_inode_open(v->vol, fdir_no);
	ni = fdir ? ntfs_inode_open(v->vol, src) : NULL;
	if (!fdir || !ni || delete_name(v, f, ni, fdir, oldname, oldlen)) {
		int e2 = errno;

		if (fdir && !ni)
			ntfs_inode_close(fdir);
		fdir = NULL;
		ni = NULL;
		ret = fail(d, e2, f, "unlink old name");
		if (completing)
			goto out;	/* both names stay, as they were found */
		/* Undo: remove the new link so only the old name remains. */
		tdir = ntfs_inode_open(v->vol, tdir_no);
		ni = tdir ? ntfs_inode_open(v->vol, src) : NULL;
		if (!tdir || !ni || delete_name(v, t, ni, tdir, tu, tul))
			wr_log(WR_LOG_ERROR, "ntfs: '%s' is also linked as '%s'", f, t);
		else if (tdir && !ni)
			ntfs_inode_close(tdir);
		tdir = NULL;
		ni = NULL;
		goto out;
	}
	fdir = NULL;
	ni = NULL;

	/* 4. Give the new name its DOS partner back. */
	if (had_dos) {
		char lname[1024];
		char *l8 = utf16_to_utf8(tu, tul);

		snprintf(lname, sizeof(lname), "%s", l8 ? l8 : "");
		free(l8);
		tdir = ntfs_inode_open(v->vol, tdir_no);
		if (!tdir)
			goto dos_fail;
		if (dosname[0] && ntfs_names_are_equal(oldname, (u32)oldlen, tu, (u32)tul,
							IGNORE_CASE, v->vol->upcase,
							v->vol->upcase_len) &&
		    tdir_no != fdir_no) {
			ntfschar *du = NULL;
			int dl = to_ucs(dosname, &du);

			/* Same long name in another folder: keep the old short name when it
			 * is free there. */
			if (dl > 0 && lookup_name(tdir, du, dl) == (u64)-1)
				snprintf(newdos, sizeof(newdos), "%s", dosname);
			free(du);
		}
		if (!newdos[0]) {
			/* A name that fits 8.3 has its upper-case self as DOS name ("Users"
			 * -> "USERS"), as Windows does; otherwise generate BASE~N.EXT. */
			char up[16] = "";
			bool self = strlen(lname) <= 12;
			const char *dot = strchr(lname, '.');

			for (size_t i = 0; self && lname[i]; i++) {
				up[i] = (char)toupper((unsigned char)lname[i]);
				up[i + 1] = '\0';
				self = dos_char_ok((unsigned char)up[i]) || up[i] == '.';
			}
			if (self && dot == strrchr(lname, '.') && dot != lname &&
			    (!dot ? strlen(lname) <= 8
				  : (size_t)(dot - lname) <= 8 && strlen(dot + 1) <= 3 && dot[1])) {
				ntfschar *uu = NULL;
				int ul = to_ucs(up, &uu);
				u64 owner = ul > 0 ? lookup_name(tdir, uu, ul) : (u64)-1;

				free(uu);
				if (owner == (u64)-1 || owner == src)
					snprintf(newdos, sizeof(newdos), "%s", up);
			}
			if (!newdos[0] && make_dos_name(tdir, lname, newdos, sizeof(newdos)))
				goto dos_fail;
		}
		ni = ntfs_inode_open(v->vol, src);
		if (!ni)
			goto dos_fail;
		/* Closes both inodes. */
		if (ntfs_set_ntfs_dos_name(ni, tdir, newdos, strlen(newdos), 0))
			wr_log(WR_LOG_WARN, "ntfs: '%s': cannot set DOS name '%s': %s", t,
			       newdos, strerror(errno));
		ni = NULL;
		tdir = NULL;
		goto done;
dos_fail:
		wr_log(WR_LOG_WARN, "ntfs: '%s': DOS name not restored: %s", t, strerror(errno));
		if (tdir)
			ntfs_inode_close(tdir);
		tdir = NULL;
	}
done:
	wr_log(WR_LOG_INFO, "ntfs: moved '%s' to '%s'%s%s", f, t, newdos[0] ? " DOS name " : "",
	       newdos);
	ret = WR_OK;
out:
	if (ni)
		ntfs_inode_close(ni);
	if (tdir)
		ntfs_inode_close(tdir);
	if (fdir)
		ntfs_inode_close(fdir);
	free(fu);
	free(tu);
	return ret;
}

/* Remove the name p; a directory must be empty unless it is a reparse point. */
static int unlink_path(struct wr_ntfs *v, const char *p, struct wr_detail *d)
{
	ntfs_inode *dir = NULL, *ni = NULL;
	ntfschar *uname = NULL, stored[NTFS_MAX_NAME_LEN];
	int ulen, slen = 0, ret, e = 0;
	bool had_dos;

	ret = open_parent(v, p, &dir, &uname, &ulen, d);
	if (ret)
		return ret;
	ni = open_path(v, p, &e);
	if (!ni) {
		ret = fail(d, e, p, "lookup");
		goto out;
	}
	if (stored_name(ni, dir->mft_no, uname, ulen, stored, &slen, &had_dos)) {
		memcpy(stored, uname, (size_t)ulen * sizeof(ntfschar));
		slen = ulen;
	}
	if (ntfs_delete(v->vol, p, ni, dir, stored, (u8)slen)) {
		e = errno;
		ni = NULL;
		dir = NULL;
		ret = e == ENOTEMPTY || e == EEXIST
			? wr_detail_setf(d, WR_ERR_EXISTS, e, p, "directory not empty")
			: fail(d, e, p, "delete");
		goto out;
	}
	ni = NULL;
	dir = NULL;
out:
	if (ni)
		ntfs_inode_close(ni);
	if (dir)
		ntfs_inode_close(dir);
	free(uname);
	return ret;
}

int wr_ntfs_unlink(struct wr_ntfs *v, const char *path, struct wr_detail *d)
{
	char p[4096];
	int ret = norm_path(path, p, sizeof(p), d);

	if (!ret)
		ret = need_rw(v, p, d);
	if (!ret)
		ret = unlink_path(v, p, d);
	if (!ret)
		wr_log(WR_LOG_INFO, "ntfs: deleted '%s'", p);
	return ret;
}

static int delete_tree(struct wr_ntfs *v, char *p, size_t cap, int depth,
		       struct wr_detail *d)
{
	ntfs_inode *ni;
	struct dir_items it;
	size_t plen = strlen(p);
	bool recurse;
	int e = 0, ret = WR_OK;

	if (depth > 256)
		return wr_detail_setf(d, WR_ERR_CORRUPT, ELOOP, p, "too deep");
	ni = open_path(v, p, &e);
	if (!ni) {
		bool dropped = false;

		/* A half-written entry of the tree being deleted (see above). */
		if (wr_ntfs_drop_stray_entry(v, p, &dropped, NULL) == WR_OK && dropped)
			return WR_OK;
		return fail(d, e, p, "lookup");
	}
	recurse = (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) &&
		  !(ni->flags & FILE_ATTR_REPARSE_POINT);
	if (recurse) {
		e = read_dir(ni, &it);
		ntfs_inode_close(ni);
		if (e)
			return fail(d, e, p, "readdir");
		for (size_t i = 0; i < it.n && !ret; i++) {
			size_t nl = strlen(it.v[i].name);

			if (plen + 1 + nl + 1 > cap) {
				ret = wr_detail_setf(d, WR_ERR_TOO_LARGE, ENAMETOOLONG, p,
						     "path too long");
				break;
			}
			p[plen] = '/';
			memcpy(p + plen + 1, it.v[i].name, nl + 1);
			ret = delete_tree(v, p, cap, depth + 1, d);
			p[plen] = '\0';
		}
		dir_items_release(&it);
		if (ret)
			return ret;
	} else {
		ntfs_inode_close(ni);
	}
	ret = unlink_path(v, p, d);
	if (ret == WR_ERR_NOT_FOUND) {
		bool dropped = false;

		if (wr_ntfs_drop_stray_entry(v, p, &dropped, NULL) == WR_OK && dropped)
			ret = WR_OK;
	}
	return ret;
}

int wr_ntfs_delete_tree(struct wr_ntfs *v, const char *path, struct wr_detail *d)
{
	char *p = malloc(32768);
	int ret;

	if (!p)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	ret = norm_path(path, p, 32768, d);
	if (!ret)
		ret = need_rw(v, p, d);
	if (!ret && !strcmp(p, "/"))
		ret = wr_detail_setf(d, WR_ERR_INVALID_ARG, EINVAL, p, "the root");
	if (!ret)
		ret = delete_tree(v, p, 32768, 0, d);
	if (!ret)
		wr_log(WR_LOG_INFO, "ntfs: deleted tree '%s'", p);
	free(p);
	return ret;
}

int wr_ntfs_clear_dirty(struct wr_ntfs *v, struct wr_detail *d)
{
	ntfs_inode *ni;
	ntfs_attr_search_ctx *ctx;
	VOLUME_INFORMATION *vi;
	int ret = need_rw(v, v->name, d);

	if (ret)
		return ret;
	/* Not ntfs_volume_write_flags(): it masks the flags with VOLUME_FLAGS_MASK and
	 * would also drop bits newer Windows sets on clean volumes (0x0080). */
	ni = ntfs_inode_open(v->vol, FILE_Volume);
	if (!ni)
		return fail(d, errno, v->name, "open $Volume");
	ctx = ntfs_attr_get_search_ctx(ni, NULL);
	if (!ctx || ntfs_attr_lookup(AT_VOLUME_INFORMATION, AT_UNNAMED, 0, CASE_SENSITIVE, 0,
				     NULL, 0, ctx)) {
		int e = errno;

		if (ctx)
			ntfs_attr_put_search_ctx(ctx);
		ntfs_inode_close(ni);
		return fail(d, e ? e : EIO, v->name, "find volume information");
	}
	vi = (VOLUME_INFORMATION *)((u8 *)ctx->attr + le16_to_cpu(ctx->attr->value_offset));
	vi->flags &= ~VOLUME_IS_DIRTY;
	v->vol->flags = vi->flags;
	ntfs_inode_mark_dirty(ctx->ntfs_ino);
	ntfs_attr_put_search_ctx(ctx);
	if (ntfs_inode_close(ni))
		return fail(d, errno, v->name, "write volume flags");
	wr_log(WR_LOG_INFO, "ntfs: cleared the dirty flag of '%s'", v->name);
	return WR_OK;
}

/* ------------------------------------------------------------------------- */
/* Which file holds a byte of the volume (a bad sector found by the surface scan). */

/* The name of an inode from its $FILE_NAME attribute (a Win32 or POSIX one rather
 * than the DOS alias), and its parent. */
static bool file_name_of(ntfs_inode *ni, char **name, MFT_REF *parent)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);
	bool found = false;

	*name = NULL;
	if (!ctx)
		return false;
	while (!ntfs_attr_lookup(AT_FILE_NAME, NULL, 0, CASE_SENSITIVE, 0, NULL, 0, ctx)) {
		const FILE_NAME_ATTR *fn;
		char *utf8 = NULL;

		if (ctx->attr->non_resident)
			continue;
		fn = (const FILE_NAME_ATTR *)((const u8 *)ctx->attr +
					      le16_to_cpu(ctx->attr->value_offset));
		if (fn->file_name_type == FILE_NAME_DOS && found)
			continue;
		/* file_name sits at offset 0x42 of the packed attribute: copy it out
		 * aligned before converting. */
		{
			ntfschar uname[256];
			unsigned len = fn->file_name_length;

			memcpy(uname, (const u8 *)fn + offsetof(FILE_NAME_ATTR, file_name),
			       len * sizeof(ntfschar));
			if (ntfs_ucstombs(uname, (int)len, &utf8, 0) < 0)
				continue;
		}
		free(*name);
		*name = utf8;
		*parent = le64_to_cpu(fn->parent_directory);
		found = true;
		if (fn->file_name_type != FILE_NAME_DOS)
			break;
	}
	ntfs_attr_put_search_ctx(ctx);
	return found;
}

/* "\Windows\System32\config\SYSTEM" for an inode, by walking up its parents. */
static int path_of(ntfs_volume *vol, u64 mref, char *path, size_t size)
{
	char buf[4096] = "";

	for (int depth = 0; depth < 128 && MREF(mref) != FILE_root; depth++) {
		ntfs_inode *ni = ntfs_inode_open(vol, MREF(mref));
		char *name = NULL, tmp[4096];
		MFT_REF parent = 0;

		if (!ni)
			return -1;
		if (!file_name_of(ni, &name, &parent)) {
			ntfs_inode_close(ni);
			return -1;
		}
		ntfs_inode_close(ni);
		/* Prepend "\name"; a path longer than the buffer is cut (it is a message). */
		{
			size_t nl = strlen(name), bl = strlen(buf);

			if (nl + 1 + bl >= sizeof(tmp))
				bl = sizeof(tmp) - nl - 2 < sizeof(tmp) ? sizeof(tmp) - nl - 2 : 0;
			if (nl + 1 < sizeof(tmp)) {
				tmp[0] = '\\';
				memcpy(tmp + 1, name, nl);
				memcpy(tmp + 1 + nl, buf, bl);
				tmp[1 + nl + bl] = '\0';
				memcpy(buf, tmp, sizeof(buf));
			}
		}
		free(name);
		mref = parent;
	}
	snprintf(path, size, "%s", buf[0] ? buf : "\\");
	return 0;
}

/* Does any $DATA attribute of ni (named or not) hold cluster lcn? */
static bool holds_cluster(ntfs_inode *ni, LCN lcn)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);
	bool hit = false;

	if (!ctx)
		return false;
	while (!hit && !ntfs_attr_lookup(AT_DATA, NULL, 0, CASE_SENSITIVE, 0, NULL, 0, ctx)) {
		ATTR_RECORD *a = ctx->attr;
		ntfs_attr *na;

		if (!a->non_resident)
			continue;
		na = ntfs_attr_open(ni, AT_DATA, (ntfschar *)((u8 *)a + le16_to_cpu(a->name_offset)),
				    a->name_length);
		if (!na)
			continue;
		if (!ntfs_attr_map_whole_runlist(na))
			for (runlist_element *rl = na->rl; rl && rl->length; rl++)
				if (rl->lcn >= 0 && lcn >= rl->lcn && lcn < rl->lcn + rl->length) {
					hit = true;
					break;
				}
		ntfs_attr_close(na);
	}
	ntfs_attr_put_search_ctx(ctx);
	return hit;
}

int wr_ntfs_file_at(struct wr_ntfs *v, uint64_t offset, char *path, size_t size,
		    struct wr_detail *d)
{
	ntfs_volume *vol = v->vol;
	LCN lcn = (LCN)(offset >> vol->cluster_size_bits);
	s64 nrec = vol->mft_na->initialized_size >> vol->mft_record_size_bits;

	if (lcn >= vol->nr_clusters)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, v->name);
	/* Every MFT record in turn: slow on a big volume, but it runs only for the few
	 * sectors a surface scan found unreadable. */
	for (s64 m = 0; m < nrec; m++) {
		ntfs_inode *ni = ntfs_inode_open(vol, (MFT_REF)m);
		bool hit;

		if (!ni)
			continue;
		hit = !ni->mrec->base_mft_record && holds_cluster(ni, lcn);
		ntfs_inode_close(ni);
		if (!hit)
			continue;
		if (m < FILE_first_user) {
			static const char *const meta[] = { "$MFT", "$MFTMirr", "$LogFile",
				"$Volume", "$AttrDef", "\\", "$Bitmap", "$Boot", "$BadClus",
				"$Secure", "$UpCase", "$Extend" };

			snprintf(path, size, "\\%s", m < 12 ? meta[m] : "$Extend");
		} else if (path_of(vol, (u64)m, path, size)) {
			snprintf(path, size, "(MFT record %lld)", (long long)m);
		}
		return WR_OK;
	}
	return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, v->name);
}

int wr_ntfs_sync(struct wr_ntfs *v, struct wr_detail *d)
{
	struct ntfs_device *dev = v->vol->dev;

	if (dev->d_ops->sync && dev->d_ops->sync(dev))
		return fail(d, errno ? errno : EIO, v->name, "sync");
	return WR_OK;
}
