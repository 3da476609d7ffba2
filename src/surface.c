/*
 * surface.c - a read-only surface scan, as Victoria and MHDD do it.
 *
 * Read the device front to back in large blocks, time each read and put it in a
 * latency class; when a block fails, narrow down (64 KiB pieces, then single sectors)
 * to the unreadable sectors and go on after them.  Nothing here ever writes: the
 * device is opened O_RDONLY, and "fixing" bad blocks by writing them is exactly what a
 * tool that may hold someone's only copy of their photos must not do.
 *
 * Written here because no library does it: badblocks(8) has no latency classes, no
 * progress callback and prints rather than returning results.
 */
#define _GNU_SOURCE 1	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

#define DEFAULT_BLOCK (4u << 20)
#define PIECE (64u << 10)	/* first narrowing step */
#define ALIGN 4096		/* buffer alignment for O_DIRECT */
#define REPORT_MS 250		/* progress at least this often (so cancel is quick) */

static const unsigned latency_limits[] = { 5, 20, 50, 200, 600 };

unsigned wr_latency_limit_ms(enum wr_latency c)
{
	return (unsigned)c < sizeof(latency_limits) / sizeof(latency_limits[0])
		       ? latency_limits[c] : 0;
}

const char *wr_latency_name(enum wr_latency c)
{
	static const char *const names[WR_LAT__COUNT] = {
		"lt5ms", "lt20ms", "lt50ms", "lt200ms", "lt600ms", "ge600ms", "error",
	};

	return (unsigned)c < WR_LAT__COUNT ? names[c] : "unknown";
}

static enum wr_latency classify(unsigned ms)
{
	for (unsigned c = 0; c < sizeof(latency_limits) / sizeof(latency_limits[0]); c++)
		if (ms < latency_limits[c])
			return (enum wr_latency)c;
	return WR_LAT_SLOWER;
}

struct scan {
	const char *path;
	int fd;
	bool is_blockdev;
	unsigned sector;
	uint8_t *buf;
	struct wr_surface_result *res;
	wr_progress_fn fn;
	void *ctx;
	struct wr_prog_limiter lim;
	int64_t last_report_ms;
	unsigned failed_in_row;		/* sector reads failed in a row while narrowing */
	unsigned max_bad_run;
	uint64_t block_end;		/* end of the block being narrowed */
	bool skip_rest;			/* max_bad_run reached: leave the block */
	struct wr_detail *d;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Errors that mean the device itself is gone, not one sector. */
static bool errno_is_gone(int e)
{
	return e == ENODEV || e == ENXIO || e == ENOMEDIUM || e == ENOTCONN || e == ESHUTDOWN ||
	       e == EBADF;
}

static int report(struct scan *s, bool force)
{
	union wr_prog_info info = { .amount = { s->res->bytes_done, s->res->length } };
	int64_t now = mono_ms();

	if (!force && !wr_prog_due(&s->lim, info.amount.done, info.amount.total) &&
	    now - s->last_report_ms < REPORT_MS)
		return WR_OK;
	s->last_report_ms = now;
	return wr_prog_report(s->fn, s->ctx, WR_PROG_BYTES, &info);
}

/* Append [sector, sector+count) to a list, merging with the last range when it
 * continues it (and, for bad ranges, has the same errno). */
static int range_add(struct wr_surface_range **v, size_t *n, uint64_t sector, uint64_t count,
		     unsigned ms, int err)
{
	struct wr_surface_range *last = *n ? &(*v)[*n - 1] : NULL, *nv;

	if (last && last->sector + last->count == sector && last->sys_errno == err) {
		last->count += count;
		if (ms > last->ms)
			last->ms = ms;
		return WR_OK;
	}
	/* Grow by doubling: n is a power of two whenever the array is full (and the
	 * array exists whenever n > 0; said again here for the analyser). */
	if (!*v || (*n & (*n - 1)) == 0) {
		size_t cap = *n ? *n * 2 : 16;

		if (*n && *n < 16)
			cap = 16;
		nv = realloc(*v, cap * sizeof(**v));
		if (!nv)
			return WR_ERR_NOMEM;
		*v = nv;
	}
	(*v)[*n] = (struct wr_surface_range){ sector, count, ms, err };
	(*n)++;
	return WR_OK;
}

/* The device's current size, 0 when it cannot be told (gone). */
static uint64_t current_size(int fd, bool is_blockdev)
{
	struct stat st;
	uint64_t size = 0;

	if (is_blockdev)
		return ioctl(fd, BLKGETSIZE64, &size) ? 0 : size;
	return fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
}

/* pread, retrying EINTR.  Returns bytes read or -errno. */
static ssize_t read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Read one sector-aligned piece; mark unreadable sectors bad.  *all_bad stays true only
 * when every sector read failed.  After max_bad_run failures in a row the rest of the
 * block is recorded as skipped and s->skip_rest is set.  Returns WR_OK,
 * WR_ERR_DEVICE_GONE, WR_ERR_ABORTED or WR_ERR_NOMEM. */
static int narrow(struct scan *s, uint64_t off, uint64_t len, bool pieces, bool *all_bad)
{
	struct wr_surface_result *res = s->res;
	uint64_t step = pieces ? PIECE : s->sector;
	int ret;

	for (uint64_t pos = off; pos < off + len; pos += step) {
		uint64_t want = off + len - pos < step ? off + len - pos : step;
		size_t req = (size_t)((want + s->sector - 1) / s->sector * s->sector);
		ssize_t n = read_at(s->fd, s->buf, req, pos);

		if ((ret = report(s, false)))
			return ret;
		if (n >= (ssize_t)want) {
			*all_bad = false;
			s->failed_in_row = 0;
			continue;
		}
		if (n == 0 || (n < 0 && errno_is_gone((int)-n)))
			return wr_detail_setf(s->d, WR_ERR_DEVICE_GONE, n < 0 ? (int)-n : 0,
					      s->path, "%s at byte %llu",
					      n == 0 ? "end of device" : "device gone",
					      (unsigned long long)pos);
		if (n > 0) {
			/* A partial read: the rest of the piece is suspect. */
			*all_bad = false;
			ret = narrow(s, pos + (uint64_t)n / s->sector * s->sector,
				     want - (uint64_t)n / s->sector * s->sector, false, all_bad);
			if (ret || s->skip_rest)
				return ret;
			continue;
		}
		if (pieces && want > s->sector) {
			if ((ret = narrow(s, pos, want, false, all_bad)) || s->skip_rest)
				return ret;
			continue;
		}
		if (res->bad_sectors < 100)	/* the result has them all; the log the first */
			wr_log(WR_LOG_WARN, "surface: '%s': sector %llu unreadable: %s", s->path,
			       (unsigned long long)(pos / s->sector), strerror((int)-n));
		if (range_add(&res->bad, &res->nbad, pos / s->sector, 1, 0, (int)-n))
			return wr_detail_set(s->d, WR_ERR_NOMEM, ENOMEM, s->path);
		res->bad_sectors++;
		/* A pulled disk often answers EIO, not ENODEV: every 64 failures in a row,
		 * ask whether the device still has its size (a removed disk has none). */
		if (++s->failed_in_row % 64 == 0 &&
		    current_size(s->fd, s->is_blockdev) < res->start + res->length)
			return wr_detail_setf(s->d, WR_ERR_DEVICE_GONE, EIO, s->path,
					      "the device lost its size at byte %llu",
					      (unsigned long long)pos);
		if (s->failed_in_row >= s->max_bad_run) {
			uint64_t next = pos + s->sector;

			if (next < s->block_end) {
				uint64_t count = (s->block_end - next + s->sector - 1) / s->sector;

				if (range_add(&res->skipped, &res->nskipped, next / s->sector,
					      count, 0, 0))
					return wr_detail_set(s->d, WR_ERR_NOMEM, ENOMEM, s->path);
				res->skipped_sectors += count;
				wr_log(WR_LOG_WARN,
				       "surface: '%s': %u unreadable sectors in a row; skipping "
				       "sectors %llu..%llu", s->path, s->failed_in_row,
				       (unsigned long long)(next / s->sector),
				       (unsigned long long)(next / s->sector + count - 1));
			}
			s->skip_rest = true;
			return WR_OK;
		}
	}
	return WR_OK;
}

static int open_device(struct scan *s, bool no_direct)
{
	struct stat st;
	int fd = -1;

	if (!no_direct) {
		fd = open(s->path, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (fd < 0 && errno != EINVAL)
			return wr_detail_set(s->d, WR_ERR_OPEN, errno, s->path);
	}
	if (fd < 0) {
		/* The filesystem refuses O_DIRECT (tmpfs, some FUSE): buffered reads, with
		 * the page cache dropped behind us. */
		fd = open(s->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return wr_detail_set(s->d, WR_ERR_OPEN, errno, s->path);
		s->res->direct_io = false;
	} else {
		s->res->direct_io = true;
	}
	s->fd = fd;
	if (fstat(fd, &st))
		return wr_detail_set(s->d, WR_ERR_OPEN, errno, s->path);
	if (S_ISBLK(st.st_mode)) {
		int ssz = 0;

		s->is_blockdev = true;
		if (ioctl(fd, BLKGETSIZE64, &s->res->device_size))
			return wr_detail_set(s->d, WR_ERR_OPEN, errno, s->path);
		if (ioctl(fd, BLKSSZGET, &ssz) || ssz < 512 || ssz > 65536 || (ssz & (ssz - 1)))
			ssz = 512;
		s->sector = (unsigned)ssz;
	} else if (S_ISREG(st.st_mode)) {
		s->res->device_size = (uint64_t)st.st_size;
		s->sector = 512;
	} else {
		return wr_detail_setf(s->d, WR_ERR_INVALID_ARG, 0, s->path,
				      "not a block device or a regular file");
	}
	return WR_OK;
}

/* O_DIRECT may be accepted by open() yet refuse sector-sized reads (a filesystem whose
 * block is larger than 512): probe once and fall back to buffered. */
static int probe_direct(struct scan *s)
{
	ssize_t n;

	if (!s->res->direct_io || s->res->device_size < s->sector)
		return WR_OK;
	n = read_at(s->fd, s->buf, s->sector, s->res->start);
	if (n != -EINVAL)
		return WR_OK;
	wr_log(WR_LOG_INFO, "surface: '%s' refuses %u-byte direct reads; using buffered reads",
	       s->path, s->sector);
	close(s->fd);
	s->fd = -1;
	return open_device(s, true);
}

int wr_surface_scan(const char *path, const struct wr_surface_options *opts,
		    wr_progress_fn fn, void *ctx, struct wr_surface_result *result,
		    struct wr_detail *d)
{
	struct wr_surface_options o = { 0 };
	/* .sector: open_device's own fallback, so no division ever sees 0 (the analyser
	 * cannot tell open_device sets it on every WR_OK). */
	struct scan s = { .path = path, .fd = -1, .sector = 512, .res = result, .fn = fn,
			  .ctx = ctx, .d = d };
	struct wr_surface_result *res = result;
	unsigned dead_blocks = 0;
	double t_start = mono_s();
	uint64_t end;
	int ret;

	if (!result)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, path);
	memset(res, 0, sizeof(*res));
	if (!path || !*path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, path);
	if (opts)
		o = *opts;
	snprintf(res->path, sizeof(res->path), "%s", path);
	if ((ret = open_device(&s, o.no_direct)))
		goto out;

	res->sector_size = s.sector;
	res->block_size = o.block_size ? o.block_size : DEFAULT_BLOCK;
	if (res->block_size > (256u << 20))
		res->block_size = 256u << 20;
	res->block_size = res->block_size / ALIGN * ALIGN;
	if (res->block_size < ALIGN)
		res->block_size = ALIGN;
	if (res->block_size % s.sector)
		res->block_size = (res->block_size / s.sector + 1) * s.sector;
	if (!o.slow_ms)
		o.slow_ms = 200;
	if (!o.gone_after)
		o.gone_after = 8;
	s.max_bad_run = o.max_bad_run ? o.max_bad_run : 128;
	res->start = o.start / s.sector * s.sector;
	if (res->start > res->device_size) {
		ret = wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, path,
				     "start %llu is past the end (%llu bytes)",
				     (unsigned long long)res->start,
				     (unsigned long long)res->device_size);
		goto out;
	}
	end = res->device_size;
	if (o.length && o.length < end - res->start)
		end = res->start + o.length;
	res->length = end - res->start;
	if (posix_memalign((void **)&s.buf, ALIGN, res->block_size)) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
		goto out;
	}
	if ((ret = probe_direct(&s)))
		goto out;
	if (!res->direct_io)
		posix_fadvise(s.fd, (off_t)res->start, (off_t)res->length, POSIX_FADV_SEQUENTIAL);
	wr_log(WR_LOG_INFO,
	       "surface: scanning '%s' bytes %llu..%llu, %u-byte sectors, %u-byte blocks, %s",
	       path, (unsigned long long)res->start, (unsigned long long)end, s.sector,
	       res->block_size, res->direct_io ? "direct I/O" : "buffered");

	t_start = mono_s();
	s.last_report_ms = mono_ms();
	if ((ret = report(&s, true)))
		goto out;
	while (res->bytes_done < res->length) {
		uint64_t off = res->start + res->bytes_done;
		uint64_t want = res->length - res->bytes_done < res->block_size
					? res->length - res->bytes_done : res->block_size;
		size_t req = (size_t)((want + s.sector - 1) / s.sector * s.sector);
		int64_t t0 = mono_ms();
		ssize_t n = read_at(s.fd, s.buf, req, off);
		unsigned ms = (unsigned)(mono_ms() - t0);
		enum wr_latency cls;

		if (n < 0 && errno_is_gone((int)-n)) {
			ret = wr_detail_setf(d, WR_ERR_DEVICE_GONE, (int)-n, path,
					     "read at byte %llu: %s", (unsigned long long)off,
					     strerror((int)-n));
			goto out;
		}
		if (n == 0) {
			ret = wr_detail_setf(d, WR_ERR_DEVICE_GONE, 0, path,
					     "the device ended at byte %llu (expected %llu)",
					     (unsigned long long)off, (unsigned long long)end);
			goto out;
		}
		if (n < (ssize_t)want) {
			bool all_bad = n < 0;
			uint64_t good = n > 0 ? (uint64_t)n / s.sector * s.sector : 0;

			if (res->bad_sectors < 100)
				wr_log(WR_LOG_WARN, "surface: '%s': read of %llu bytes at %llu: %s",
				       path, (unsigned long long)want, (unsigned long long)off,
				       n < 0 ? strerror((int)-n) : "short read");
			s.block_end = off + want;
			s.failed_in_row = 0;
			s.skip_rest = false;
			ret = narrow(&s, off + good, want - good, true, &all_bad);
			if (ret)
				goto out;
			if (all_bad) {
				uint64_t now_size = current_size(s.fd, s.is_blockdev);

				dead_blocks++;
				if (now_size < end || dead_blocks >= o.gone_after) {
					ret = wr_detail_setf(
						d, WR_ERR_DEVICE_GONE, EIO, path,
						"%u unreadable blocks in a row, size now %llu bytes",
						dead_blocks, (unsigned long long)now_size);
					res->bytes_done += want;
					res->blocks[WR_LAT_ERROR]++;
					goto out;
				}
			} else {
				dead_blocks = 0;
			}
			ms = (unsigned)(mono_ms() - t0);
			cls = WR_LAT_ERROR;
		} else {
			dead_blocks = 0;
			cls = classify(ms);
		}
		if (cls != WR_LAT_ERROR && ms >= o.slow_ms &&
		    range_add(&res->slow, &res->nslow, off / s.sector,
			      (want + s.sector - 1) / s.sector, ms, 0)) {
			ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
			goto out;
		}
		if (ms > res->max_ms)
			res->max_ms = ms;
		res->blocks[cls]++;
		res->bytes_done += want;
		if (!res->direct_io)
			posix_fadvise(s.fd, (off_t)off, (off_t)want, POSIX_FADV_DONTNEED);
		res->seconds = mono_s() - t_start;
		if ((ret = report(&s, res->bytes_done == res->length)))
			goto out;
	}
	res->complete = true;
	wr_log(WR_LOG_INFO, "surface: '%s' done: %llu bytes in %.1f s, %llu bad sectors",
	       path, (unsigned long long)res->bytes_done, res->seconds,
	       (unsigned long long)res->bad_sectors);
	ret = WR_OK;
out:
	if (ret && s.buf) {
		res->seconds = mono_s() - t_start;
		wr_log_err("surface scan", ret, d);
	}
	if (s.fd >= 0)
		close(s.fd);
	free(s.buf);
	return ret;
}

void wr_surface_result_release(struct wr_surface_result *result)
{
	if (!result)
		return;
	free(result->bad);
	free(result->slow);
	free(result->skipped);
	result->bad = result->slow = result->skipped = NULL;
	result->nbad = result->nslow = result->nskipped = 0;
}

void wr_surface_locate(const struct wr_disk *disk, uint64_t sector, unsigned sector_size,
		       struct wr_surface_location *loc)
{
	uint64_t byte = sector * (uint64_t)(sector_size ? sector_size : 512);

	memset(loc, 0, sizeof(*loc));
	loc->offset = byte;
	for (size_t i = 0; disk && i < disk->nparts; i++) {
		const struct wr_partition *p = &disk->parts[i];

		if (byte >= p->start && byte - p->start < p->size) {
			loc->partition = p->number;
			loc->offset = byte - p->start;
			break;
		}
	}
	/* On NTFS, the file holding the sector: a bad sector inside
	 * Windows\System32\config\SYSTEM explains why Windows does not start.  The
	 * volume is opened read-only; an unreadable MFT leaves loc->file empty. */
	if (disk && (loc->partition || disk->table == WR_TABLE_NONE)) {
		struct wr_extent ext;
		struct wr_ntfs *vol = NULL;

		if (wr_blockdev_resolve(disk->path, loc->partition, &ext, NULL) == WR_OK &&
		    wr_ntfs_open(&ext, WR_NTFS_RDONLY | WR_NTFS_IGNORE_HIBERFILE, &vol, NULL) ==
			    WR_OK) {
			if (wr_ntfs_file_at(vol, loc->offset, loc->file, sizeof(loc->file), NULL))
				loc->file[0] = '\0';
			wr_ntfs_close(vol);
		}
	}
}
