/*
 * test_surface.c - the read-only surface scan on real files and devices with real
 * unreadable sectors.
 *
 * This kernel may have no device-mapper (no `error` target), so unreadable sectors come
 * from a tiny FUSE file system written here against the kernel protocol
 * (<linux/fuse.h>, no libfuse): it serves one file, "disk.img", from a backing file and
 * answers EIO for chosen sectors, sleeps on chosen sectors, and can die mid-scan (the
 * disk "disappears").  A loop device over that file gives a real block device with
 * the same bad sectors.  The server counts any write request it gets: there must be
 * none, and the backing file's SHA-256 must not change.
 *
 * The same binary serves for the shell tests:
 *   test_surface --serve MOUNTPOINT BACKING [--bad S:N]... [--slow S:N:MS]...
 *                [--die-at BYTE] [--delay-ms MS] [--stats FILE]
 * (mounts, serves until unmounted; prints "ready" on stdout once mounted).
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mkimg.h"
#include "winrescue.h"

/* ------------------------------------------------------------------------- */
/* The faulty FUSE server                                                     */
/* ------------------------------------------------------------------------- */

#define MAX_RULES 32
#define FILE_INO 2

struct rule {
	uint64_t sector, count;
	unsigned ms;
};

struct faulty {
	const char *mnt, *backing, *stats;
	int backing_fd;
	uint64_t size;
	struct rule bad[MAX_RULES], slow[MAX_RULES];
	size_t nbad, nslow;
	uint64_t die_at;	/* 0 = never; else exit on the first read at or past it */
	unsigned delay_ms;	/* every read */
	bool refuse_direct;	/* open(O_DIRECT) fails with EINVAL, as some file systems do */
	unsigned long reads, writes;
};

static bool overlaps(const struct rule *r, uint64_t off, uint64_t len)
{
	uint64_t a = r->sector * 512, b = (r->sector + r->count) * 512;

	return off < b && a < off + len;
}

static void msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void reply(int fd, uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header h = { (uint32_t)(sizeof(h) + (error ? 0 : len)), error, unique };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, error ? 0 : len } };

	if (writev(fd, iov, 2) < 0 && errno != ENOENT)
		perror("faulty: writev");
}

static void fill_attr(const struct faulty *f, uint64_t ino, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0644;	/* writable on purpose: writes are counted */
		a->nlink = 1;
		a->size = f->size;
		a->blocks = (f->size + 511) / 512;
	}
	a->blksize = 4096;
}

/* Written whole then renamed, so a reader never sees half a file. */
static void write_stats(const struct faulty *f)
{
	char tmp[4200];
	FILE *o;

	if (!f->stats)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->stats);
	o = fopen(tmp, "w");
	if (!o)
		return;
	fprintf(o, "reads %lu\nwrites %lu\n", f->reads, f->writes);
	if (fclose(o) == 0)
		rename(tmp, f->stats);
}

static int faulty_serve(struct faulty *f, bool announce)
{
	size_t bufsize = (1u << 20) + 4096;
	uint8_t *buf = malloc(bufsize), *data = malloc(1u << 20);
	char opts[256];
	struct stat st;
	int fd;

	if (!buf || !data)
		return 1;
	f->backing_fd = open(f->backing, O_RDONLY | O_CLOEXEC);
	if (f->backing_fd < 0 || fstat(f->backing_fd, &st)) {
		perror(f->backing);
		return 1;
	}
	f->size = (uint64_t)st.st_size;
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/fuse");
		return 1;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 fd);
	if (mount("wrfaulty", f->mnt, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		perror("faulty: mount");
		return 1;
	}
	if (announce) {
		printf("ready\n");
		fflush(stdout);
	}
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *arg = buf + sizeof(*in);

		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*in))
			break;	/* ENODEV: unmounted */
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = arg;
			struct fuse_init_out o = { 0 };

			o.major = FUSE_KERNEL_VERSION;
			o.minor = FUSE_KERNEL_MINOR_VERSION;
			o.max_readahead = ii->max_readahead;
			o.flags = FUSE_MAX_PAGES;
			o.max_pages = 256;	/* 1 MiB requests */
			o.max_background = 16;
			o.congestion_threshold = 12;
			o.max_write = 1u << 20;
			o.time_gran = 1;
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { 0 };

			if (in->nodeid != FUSE_ROOT_ID || strcmp((char *)arg, "disk.img")) {
				reply(fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			o.nodeid = FILE_INO;
			o.generation = 1;
			o.entry_valid = 3600;
			o.attr_valid = 3600;
			fill_attr(f, FILE_INO, &o.attr);
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { 0 };

			o.attr_valid = 3600;
			fill_attr(f, in->nodeid, &o.attr);
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o = { 0 };

			if (in->opcode == FUSE_OPEN && f->refuse_direct &&
			    (((struct fuse_open_in *)arg)->flags & O_DIRECT)) {
				reply(fd, in->unique, -EINVAL, NULL, 0);
				break;
			}

			o.fh = 1;
			/* Reads reach us at their own offsets and sizes: sector-exact errors. */
			o.open_flags = in->opcode == FUSE_OPEN ? FOPEN_DIRECT_IO : 0;
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ: {
			struct fuse_read_in *ri = arg;
			uint64_t off = ri->offset, len = ri->size;
			int err = 0;
			ssize_t got;

			f->reads++;
			if (f->die_at && off + len > f->die_at) {
				write_stats(f);
				_exit(0);	/* the disk vanishes; the kernel aborts the rest */
			}
			if (off >= f->size)
				len = 0;
			else if (len > f->size - off)
				len = f->size - off;
			if (len > (1u << 20))
				len = 1u << 20;
			for (size_t i = 0; i < f->nslow; i++)
				if (overlaps(&f->slow[i], off, len))
					msleep(f->slow[i].ms);
			if (f->delay_ms)
				msleep(f->delay_ms);
			for (size_t i = 0; i < f->nbad && !err; i++)
				if (overlaps(&f->bad[i], off, len))
					err = -EIO;
			if (err) {
				reply(fd, in->unique, err, NULL, 0);
				break;
			}
			got = len ? pread(f->backing_fd, data, len, (off_t)off) : 0;
			if (got < 0)
				reply(fd, in->unique, -errno, NULL, 0);
			else
				reply(fd, in->unique, 0, data, (size_t)got);
			break;
		}
		case FUSE_WRITE:
		case FUSE_SETATTR:
		case FUSE_CREATE:
		case FUSE_FALLOCATE:
		case FUSE_COPY_FILE_RANGE:
			f->writes++;
			write_stats(f);
			reply(fd, in->unique, -EROFS, NULL, 0);
			break;
		case FUSE_READDIR: {
			reply(fd, in->unique, 0, NULL, 0);
			break;
		}
		case FUSE_STATFS: {
			struct fuse_statfs_out o = { 0 };

			o.st.bsize = 4096;
			o.st.namelen = 255;
			o.st.frsize = 4096;
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_FLUSH:
		case FUSE_FSYNC:
		case FUSE_ACCESS:
			reply(fd, in->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		case FUSE_DESTROY:
			reply(fd, in->unique, 0, NULL, 0);
			goto done;
		default:
			reply(fd, in->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
done:
	write_stats(f);
	free(buf);
	free(data);
	return 0;
}

static int parse_rule(const char *s, struct rule *r, bool with_ms)
{
	unsigned long long a, b;
	unsigned ms = 0;
	int k = with_ms ? sscanf(s, "%llu:%llu:%u", &a, &b, &ms) : sscanf(s, "%llu:%llu", &a, &b);

	if (k != (with_ms ? 3 : 2))
		return -1;
	*r = (struct rule){ a, b, ms };
	return 0;
}

static int serve_main(int argc, char **argv)
{
	struct faulty f = { 0 };

	if (argc < 4)
		return 2;
	f.mnt = argv[2];
	f.backing = argv[3];
	for (int i = 4; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];

		if (!strcmp(o, "--bad") && f.nbad < MAX_RULES && !parse_rule(v, &f.bad[f.nbad], false))
			f.nbad++;
		else if (!strcmp(o, "--slow") && f.nslow < MAX_RULES &&
			 !parse_rule(v, &f.slow[f.nslow], true))
			f.nslow++;
		else if (!strcmp(o, "--die-at"))
			f.die_at = strtoull(v, NULL, 10);
		else if (!strcmp(o, "--delay-ms"))
			f.delay_ms = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(o, "--stats"))
			f.stats = v;
		else
			return 2;
	}
	return faulty_serve(&f, true);
}

/* ------------------------------------------------------------------------- */
/* Test helpers                                                               */
/* ------------------------------------------------------------------------- */

static char tmpdir[] = "/tmp/wr-surface-XXXXXX";
static char mnt[256], backing[256], fused[300], stats[300];
static pid_t server = -1;
static char cur_loop[64];	/* attached loop device, detached even when a test fails */

/* The forked server goes away with its test process, mount included, so a failed or
 * killed test leaves nothing behind. */
static void server_parent_died(int sig)
{
	(void)sig;
	umount2(mnt, MNT_DETACH);
	_exit(0);
}

/* A backing file of size bytes with varied, non-zero content. */
static void make_backing(const char *path, uint64_t size)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	uint8_t block[65536];
	uint32_t x = 2463534242u;

	assert_true(fd >= 0);
	for (uint64_t done = 0; done < size;) {
		size_t n = size - done < sizeof(block) ? (size_t)(size - done) : sizeof(block);

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			block[i] = (uint8_t)x;
		}
		assert_int_equal(write(fd, block, n), (ssize_t)n);
		done += n;
	}
	close(fd);
}

static bool fuse_possible(void)
{
	return geteuid() == 0 && access("/dev/fuse", R_OK | W_OK) == 0;
}

static void need_fuse(void)
{
	if (fuse_possible())
		return;
	if (getenv("CI") && !strcmp(getenv("CI"), "true"))
		fail_msg("CI runs as root with FUSE; this test cannot be skipped");
	print_message("needs root and /dev/fuse\n");
	skip();
}

static void loop_detach(const char *dev);

static void stop_server(void)
{
	if (cur_loop[0])
		loop_detach(cur_loop);
	if (server < 0)
		return;
	/* Unmounted, the server reads ENODEV, writes its stats and exits by itself;
	 * give it two seconds before forcing it. */
	umount2(mnt, MNT_DETACH);
	for (int i = 0; i < 200 && waitpid(server, NULL, WNOHANG) == 0; i++)
		msleep(10);
	if (kill(server, 0) == 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	server = -1;
}

/* Start the faulty server on the backing file (forked, no exec). */
static void start_server(struct faulty *f)
{
	struct stat st;

	stop_server();	/* a test that failed midway may have left one */
	f->mnt = mnt;
	f->backing = backing;
	f->stats = stats;
	unlink(stats);
	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		signal(SIGTERM, server_parent_died);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			server_parent_died(0);
		_exit(faulty_serve(f, false));
	}
	for (int i = 0; i < 500; i++) {
		if (stat(fused, &st) == 0 && st.st_size > 0)
			return;
		msleep(10);
	}
	fail_msg("the FUSE server did not come up");
}


static unsigned long server_writes(void)
{
	FILE *s = fopen(stats, "r");
	unsigned long r = 0, w = 0;

	if (!s)
		return 0;	/* no stats written: no write came */
	if (fscanf(s, "reads %lu\nwrites %lu", &r, &w) != 2)
		w = 999;
	fclose(s);
	return w;
}

static void loop_attach(const char *file, char *dev, size_t size)
{
	const char *argv[] = { "losetup", "-f", "--show", file, NULL };

	assert_int_equal(mkimg_run(argv, NULL, dev, size), 0);
	dev[strcspn(dev, "\n")] = '\0';
	assert_true(!strncmp(dev, "/dev/loop", 9));
	snprintf(cur_loop, sizeof(cur_loop), "%s", dev);
}

static void loop_detach(const char *dev)
{
	char copy[64];
	const char *argv[] = { "losetup", "-d", copy, NULL };

	snprintf(copy, sizeof(copy), "%s", dev);
	mkimg_run(argv, NULL, NULL, 0);
	if (!strcmp(copy, cur_loop))
		cur_loop[0] = '\0';
}

static uint64_t hist_sum(const struct wr_surface_result *r)
{
	uint64_t n = 0;

	for (int c = 0; c < WR_LAT__COUNT; c++)
		n += r->blocks[c];
	return n;
}

static void assert_range(const struct wr_surface_range *r, uint64_t sector, uint64_t count)
{
	if (r->sector != sector || r->count != count)
		fail_msg("range %llu+%llu, expected %llu+%llu", (unsigned long long)r->sector,
			 (unsigned long long)r->count, (unsigned long long)sector,
			 (unsigned long long)count);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
	snprintf(backing, sizeof(backing), "%s/backing.img", tmpdir);
	snprintf(fused, sizeof(fused), "%s/disk.img", mnt);
	snprintf(stats, sizeof(stats), "%s/stats", tmpdir);
	return mkdir(mnt, 0755);
}

static int teardown(void **state)
{
	(void)state;
	const char *argv[] = { "rm", "-rf", tmpdir, NULL };

	stop_server();
	return mkimg_run(argv, NULL, NULL, 0);
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                      */
/* ------------------------------------------------------------------------- */

static void test_latency_classes(void **state)
{
	(void)state;
	static const unsigned limits[] = { 5, 20, 50, 200, 600, 0, 0 };

	for (int c = 0; c < WR_LAT__COUNT; c++) {
		assert_int_equal(wr_latency_limit_ms((enum wr_latency)c), limits[c]);
		assert_string_not_equal(wr_latency_name((enum wr_latency)c), "unknown");
	}
	assert_string_equal(wr_latency_name(WR_LAT_5), "lt5ms");
	assert_string_equal(wr_latency_name(WR_LAT_SLOWER), "ge600ms");
	assert_string_equal(wr_latency_name(WR_LAT_ERROR), "error");
}

struct cb_state {
	uint64_t abort_at;	/* abort once done >= this (0 = never) */
	uint64_t calls, last_done, total;
	bool monotonic;
};

static enum wr_prog_status cb(enum wr_prog_msg msg, const union wr_prog_info *info, void *ctx)
{
	struct cb_state *c = ctx;

	assert_int_equal(msg, WR_PROG_BYTES);
	if (info->amount.done < c->last_done)
		c->monotonic = false;
	c->last_done = info->amount.done;
	c->total = info->amount.total;
	c->calls++;
	return c->abort_at && info->amount.done >= c->abort_at ? WR_PROG_ABORT
							       : WR_PROG_CONTINUE;
}

/* A plain image file: everything readable, nothing changed, every block counted. */
static void test_clean_image_file(void **state)
{
	(void)state;
	char img[300], before[65], after[65];
	uint64_t size = (9u << 20) + 1000;	/* not a whole number of sectors */
	struct wr_surface_options o = { .block_size = 1u << 20 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	struct cb_state c = { .monotonic = true };

	snprintf(img, sizeof(img), "%s/clean.img", tmpdir);
	make_backing(img, size);
	assert_int_equal(mkimg_sha256(img, before), 0);
	assert_int_equal(wr_surface_scan(img, &o, cb, &c, &r, &d), WR_OK);
	assert_int_equal(mkimg_sha256(img, after), 0);
	assert_string_equal(before, after);
	assert_true(r.complete);
	assert_int_equal(r.device_size, size);
	assert_int_equal(r.length, size);
	assert_int_equal(r.bytes_done, size);
	assert_int_equal(r.sector_size, 512);
	assert_int_equal(r.block_size, 1u << 20);
	assert_int_equal(hist_sum(&r), 10);	/* 9 whole blocks and the tail */
	assert_int_equal(r.blocks[WR_LAT_ERROR], 0);
	assert_int_equal(r.nbad, 0);
	assert_int_equal(r.bad_sectors, 0);
	assert_true(c.calls >= 2);
	assert_true(c.monotonic);
	assert_int_equal(c.last_done, size);
	assert_int_equal(c.total, size);
	wr_surface_result_release(&r);

	/* A sub-range, buffered. */
	o = (struct wr_surface_options){ .block_size = 1u << 20, .start = 1000, .length = 3u << 20,
					 .no_direct = true };
	assert_int_equal(wr_surface_scan(img, &o, NULL, NULL, &r, &d), WR_OK);
	assert_false(r.direct_io);
	assert_int_equal(r.start, 512);	/* rounded down to a sector */
	assert_int_equal(r.length, 3u << 20);
	assert_int_equal(hist_sum(&r), 3);
	wr_surface_result_release(&r);
	assert_int_equal(mkimg_sha256(img, after), 0);
	assert_string_equal(before, after);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	char img[300];
	struct wr_surface_options o = { .start = 1u << 30 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;

	snprintf(img, sizeof(img), "%s/missing.img", tmpdir);
	assert_int_equal(wr_surface_scan(img, NULL, NULL, NULL, &r, &d), WR_ERR_OPEN);
	assert_int_equal(d.sys_errno, ENOENT);
	assert_string_equal(d.subject, img);
	assert_int_equal(r.bytes_done, 0);
	assert_int_equal(wr_surface_scan(tmpdir, NULL, NULL, NULL, &r, &d), WR_ERR_INVALID_ARG);
	snprintf(img, sizeof(img), "%s/small.img", tmpdir);
	make_backing(img, 4096);
	assert_int_equal(wr_surface_scan(img, &o, NULL, NULL, &r, &d), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_surface_scan(img, NULL, NULL, NULL, NULL, &d), WR_ERR_INVALID_ARG);
	wr_surface_result_release(&r);
}

/* Bad sectors: 100-102, 5000, and the very last one; read through the FUSE file. */
static void check_bad_sectors(const char *path, uint64_t size)
{
	struct wr_surface_options o = { .block_size = 1u << 20 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	struct cb_state c = { .monotonic = true };
	uint64_t last = size / 512 - 1;

	assert_int_equal(wr_surface_scan(path, &o, cb, &c, &r, &d), WR_OK);
	assert_true(r.complete);
	assert_int_equal(r.bytes_done, size);
	assert_int_equal(r.nbad, 3);
	assert_range(&r.bad[0], 100, 3);
	assert_range(&r.bad[1], 5000, 1);
	assert_range(&r.bad[2], last, 1);
	assert_int_equal(r.bad[0].sys_errno, EIO);
	assert_int_equal(r.bad_sectors, 5);
	/* 8 blocks of 1 MiB; 0, 2 and 7 hold bad sectors. */
	assert_int_equal(hist_sum(&r), size >> 20);
	assert_int_equal(r.blocks[WR_LAT_ERROR], 3);
	assert_true(c.monotonic);
	assert_int_equal(c.last_done, size);
	wr_surface_result_release(&r);
}

static void test_bad_sectors_file_and_loop(void **state)
{
	(void)state;
	struct faulty f = { .nbad = 3 };
	uint64_t size = 8u << 20;
	char before[65], after[65], loopdev[64];

	need_fuse();
	f.bad[0] = (struct rule){ 100, 3, 0 };
	f.bad[1] = (struct rule){ 5000, 1, 0 };
	f.bad[2] = (struct rule){ size / 512 - 1, 1, 0 };
	make_backing(backing, size);
	assert_int_equal(mkimg_sha256(backing, before), 0);
	start_server(&f);

	check_bad_sectors(fused, size);

	/* A real block device with the same bad sectors. */
	loop_attach(fused, loopdev, sizeof(loopdev));
	check_bad_sectors(loopdev, size);
	loop_detach(loopdev);

	stop_server();
	assert_int_equal(server_writes(), 0);
	assert_int_equal(mkimg_sha256(backing, after), 0);
	assert_string_equal(before, after);
}

/* A long unreadable run: after max_bad_run failures the rest of the block is skipped
 * (recorded as not read), the scan goes on with the next block; with a larger limit
 * every sector is tried and the range is exact. */
static void test_long_bad_run_skipped(void **state)
{
	(void)state;
	struct faulty f = { .nbad = 1 };
	struct wr_surface_options o = { .block_size = 1u << 20 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;

	need_fuse();
	f.bad[0] = (struct rule){ 4096, 1000, 0 };	/* inside block 2: 4096..6143 */
	make_backing(backing, 4u << 20);
	start_server(&f);
	assert_int_equal(wr_surface_scan(fused, &o, NULL, NULL, &r, &d), WR_OK);
	assert_true(r.complete);
	assert_int_equal(r.nbad, 1);
	assert_range(&r.bad[0], 4096, 128);	/* the default limit */
	assert_int_equal(r.bad_sectors, 128);
	assert_int_equal(r.nskipped, 1);
	assert_range(&r.skipped[0], 4224, 6144 - 4224);
	assert_int_equal(r.skipped_sectors, 6144 - 4224);
	assert_int_equal(hist_sum(&r), 4);
	assert_int_equal(r.blocks[WR_LAT_ERROR], 1);
	wr_surface_result_release(&r);

	o.max_bad_run = 2048;
	assert_int_equal(wr_surface_scan(fused, &o, NULL, NULL, &r, &d), WR_OK);
	stop_server();
	assert_int_equal(r.nbad, 1);
	assert_range(&r.bad[0], 4096, 1000);
	assert_int_equal(r.nskipped, 0);
	assert_int_equal(r.skipped_sectors, 0);
	wr_surface_result_release(&r);
}

/* A file system that refuses O_DIRECT: buffered reads, same exact bad sectors. */
static void test_buffered_fallback(void **state)
{
	(void)state;
	struct faulty f = { .nbad = 1, .refuse_direct = true };
	struct wr_surface_options o = { .block_size = 1u << 20 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;

	need_fuse();
	f.bad[0] = (struct rule){ 3001, 2, 0 };
	make_backing(backing, 3u << 20);
	start_server(&f);
	assert_int_equal(wr_surface_scan(fused, &o, NULL, NULL, &r, &d), WR_OK);
	stop_server();
	assert_false(r.direct_io);
	assert_true(r.complete);
	assert_int_equal(r.nbad, 1);
	assert_range(&r.bad[0], 3001, 2);
	assert_int_equal(hist_sum(&r), 3);
	assert_int_equal(r.blocks[WR_LAT_ERROR], 1);
	wr_surface_result_release(&r);
}

/* A 4096-byte-sector device: sector numbers and narrowing are in its own sectors. */
static void test_4k_sector_device(void **state)
{
	(void)state;
	struct faulty f = { .nbad = 1 };
	struct wr_surface_options o = { .block_size = 1u << 20 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	char loopdev[64];
	const char *argv[] = { "losetup", "-b", "4096", "-f", "--show", fused, NULL };
	int ret;

	need_fuse();
	f.bad[0] = (struct rule){ 800, 1, 0 };	/* 512-byte sector 800 = 4K sector 100 */
	make_backing(backing, 4u << 20);
	start_server(&f);
	assert_int_equal(mkimg_run(argv, NULL, loopdev, sizeof(loopdev)), 0);
	loopdev[strcspn(loopdev, "\n")] = '\0';
	snprintf(cur_loop, sizeof(cur_loop), "%s", loopdev);
	ret = wr_surface_scan(loopdev, &o, NULL, NULL, &r, &d);
	loop_detach(loopdev);
	stop_server();
	assert_int_equal(ret, WR_OK);
	assert_int_equal(r.sector_size, 4096);
	assert_int_equal(r.nbad, 1);
	assert_range(&r.bad[0], 100, 1);
	assert_int_equal(r.bad_sectors, 1);
	assert_int_equal(hist_sum(&r), 4);
	wr_surface_result_release(&r);
}

/* A slow area (250 ms per request) shows in the histogram and the slow list. */
static void test_slow_sectors(void **state)
{
	(void)state;
	struct faulty f = { .nslow = 1 };
	struct wr_surface_options o = { .block_size = 1u << 20 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	bool found = false;

	need_fuse();
	f.slow[0] = (struct rule){ 3000, 1, 250 };
	make_backing(backing, 4u << 20);
	start_server(&f);
	assert_int_equal(wr_surface_scan(fused, &o, NULL, NULL, &r, &d), WR_OK);
	stop_server();
	assert_int_equal(hist_sum(&r), 4);
	assert_int_equal(r.blocks[WR_LAT_ERROR], 0);
	assert_true(r.blocks[WR_LAT_600] + r.blocks[WR_LAT_SLOWER] >= 1);
	assert_true(r.max_ms >= 250);
	for (size_t i = 0; i < r.nslow; i++)
		if (r.slow[i].sector <= 3000 && 3000 < r.slow[i].sector + r.slow[i].count) {
			found = true;
			assert_true(r.slow[i].ms >= 250);
			assert_int_equal(r.slow[i].sector, 2048);	/* block 1 */
		}
	assert_true(found);
	assert_int_equal(r.nbad, 0);
	wr_surface_result_release(&r);
}

/* Cancelling keeps what was found; the histogram matches the blocks read. */
static void test_cancel_keeps_partial_results(void **state)
{
	(void)state;
	char img[300];
	struct faulty f = { .nbad = 1, .delay_ms = 2 };
	struct wr_surface_options o = { .block_size = 256u << 10 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	struct cb_state c = { .abort_at = 3u << 20, .monotonic = true };

	need_fuse();
	f.bad[0] = (struct rule){ 100, 1, 0 };
	make_backing(backing, 16u << 20);
	start_server(&f);
	assert_int_equal(wr_surface_scan(fused, &o, cb, &c, &r, &d), WR_ERR_ABORTED);
	stop_server();
	assert_false(r.complete);
	assert_true(r.bytes_done >= 3u << 20);
	assert_true(r.bytes_done < 16u << 20);
	assert_int_equal(hist_sum(&r), r.bytes_done / (256u << 10));
	assert_int_equal(r.nbad, 1);
	assert_range(&r.bad[0], 100, 1);
	assert_int_equal(r.blocks[WR_LAT_ERROR], 1);
	wr_surface_result_release(&r);

	/* Also on a plain file, cancelling at the very first report. */
	snprintf(img, sizeof(img), "%s/c.img", tmpdir);
	make_backing(img, 2u << 20);
	c = (struct cb_state){ .abort_at = 0, .monotonic = true };
	c.abort_at = 1;
	assert_int_equal(wr_surface_scan(img, &o, cb, &c, &r, &d), WR_ERR_ABORTED);
	assert_true(r.bytes_done >= 1);
	assert_int_equal(hist_sum(&r), r.bytes_done / (256u << 10));
	wr_surface_result_release(&r);
}

/* The disk disappears at 4 MiB: the FUSE server dies (reads then fail ENOTCONN). */
static void test_device_gone(void **state)
{
	(void)state;
	struct faulty f = { .nbad = 1, .die_at = 4u << 20 };
	struct wr_surface_options o = { .block_size = 512u << 10 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;

	need_fuse();
	f.bad[0] = (struct rule){ 2000, 2, 0 };
	make_backing(backing, 16u << 20);
	start_server(&f);
	assert_int_equal(wr_surface_scan(fused, &o, NULL, NULL, &r, &d), WR_ERR_DEVICE_GONE);
	assert_string_equal(d.subject, fused);
	assert_false(r.complete);
	assert_int_equal(r.bytes_done, 4u << 20);
	assert_int_equal(hist_sum(&r), 8);
	assert_int_equal(r.nbad, 1);
	assert_range(&r.bad[0], 2000, 2);
	wr_surface_result_release(&r);
	stop_server();
}

/* The same through a loop device: the kernel turns the dead backing file into a storm
 * of EIO on every sector; the scan stops with a clear error and keeps results. */
static void test_device_gone_loop(void **state)
{
	(void)state;
	struct faulty f = { .nbad = 1, .die_at = 4u << 20 };
	struct wr_surface_options o = { .block_size = 256u << 10, .gone_after = 4 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	char loopdev[64];

	need_fuse();
	f.bad[0] = (struct rule){ 2000, 2, 0 };
	make_backing(backing, 16u << 20);
	start_server(&f);
	loop_attach(fused, loopdev, sizeof(loopdev));
	assert_int_equal(wr_surface_scan(loopdev, &o, NULL, NULL, &r, &d), WR_ERR_DEVICE_GONE);
	loop_detach(loopdev);
	stop_server();
	assert_false(r.complete);
	assert_true(r.bytes_done >= 4u << 20);
	assert_true(r.bytes_done < 16u << 20);
	assert_int_equal(hist_sum(&r), r.bytes_done / (256u << 10));
	assert_range(&r.bad[0], 2000, 2);
	wr_surface_result_release(&r);
}

static void test_locate(void **state)
{
	(void)state;
	struct wr_partition parts[2];
	struct wr_disk disk;
	struct wr_surface_location loc;

	memset(&disk, 0, sizeof(disk));
	memset(parts, 0, sizeof(parts));
	parts[0].number = 1;
	parts[0].start = 1u << 20;
	parts[0].size = 100u << 20;
	parts[1].number = 3;
	parts[1].start = 200u << 20;
	parts[1].size = 50u << 20;
	disk.nparts = 2;
	disk.parts = parts;
	wr_surface_locate(&disk, 2048, 512, &loc);
	assert_int_equal(loc.partition, 1);
	assert_int_equal(loc.offset, 0);
	wr_surface_locate(&disk, 2047, 512, &loc);
	assert_int_equal(loc.partition, 0);
	assert_int_equal(loc.offset, 2047 * 512);
	wr_surface_locate(&disk, (200u << 11) + 10, 512, &loc);
	assert_int_equal(loc.partition, 3);
	assert_int_equal(loc.offset, 10 * 512);
	wr_surface_locate(&disk, 250u << 11, 512, &loc);	/* just past the end */
	assert_int_equal(loc.partition, 0);
	wr_surface_locate(&disk, 257, 4096, &loc);
	assert_int_equal(loc.partition, 1);
	assert_int_equal(loc.offset, 4096);
	assert_string_equal(loc.file, "");
	wr_surface_locate(NULL, 5, 512, &loc);
	assert_int_equal(loc.partition, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency_classes),
		cmocka_unit_test(test_clean_image_file),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_bad_sectors_file_and_loop),
		cmocka_unit_test(test_long_bad_run_skipped),
		cmocka_unit_test(test_buffered_fallback),
		cmocka_unit_test(test_4k_sector_device),
		cmocka_unit_test(test_slow_sectors),
		cmocka_unit_test(test_cancel_keeps_partial_results),
		cmocka_unit_test(test_device_gone),
		cmocka_unit_test(test_device_gone_loop),
		cmocka_unit_test(test_locate),
	};

	if (argc > 1 && !strcmp(argv[1], "--serve"))
		return serve_main(argc, argv);
	return cmocka_run_group_tests(tests, setup, teardown);
}
