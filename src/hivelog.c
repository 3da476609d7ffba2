/*
 * hivelog.c - replay a dirty hive's transaction logs (.LOG1/.LOG2) into a copy.
 *
 * Since Windows 8.1 the kernel writes registry changes to a transaction log first and
 * into the hive file later; a hive copied from a PC that did not finish that ("dirty":
 * the base block's two sequence numbers differ) lacks the newest changes.  hivex and
 * wimlib read only the base file and no library here replays the logs, so this file
 * does, following the format as documented by Maxim Suhanov ("Windows registry file
 * format specification", and its note on missing log entries after a partial
 * reconcile):
 *
 *   log file:  512-byte base block copy (file type 6), then log entries at 512-byte
 *              boundaries;
 *   log entry: "HvLE", size, flags, sequence number, hive bins data size, dirty page
 *              count, Marvin32 hash of bytes 40..size, Marvin32 hash of bytes 0..31,
 *              then count (offset, size) page references, then the pages themselves.
 *
 * Everything read from a log is untrusted: sizes, counts and page bounds are checked
 * before use, and a damaged entry ends the replay of its log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "winrescue.h"

#define BASE_BLOCK   4096
#define LOG_HEADER   512
#define ENTRY_HEADER 40
/* Larger logs or hives than this are not what Windows writes. */
#define MAX_LOG	    ((off_t)1 << 30)
#define MAX_HBINS   0x7ffff000u
#define MARVIN_SEED 0x82ef4d887a4e55c5ULL

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static uint32_t rotl(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

/* Marvin32 (Microsoft's keyed hash), 64-bit result: p1 in the high half. */
static uint64_t marvin32(const unsigned char *data, size_t len, uint64_t seed)
{
	uint32_t p0 = (uint32_t)seed, p1 = (uint32_t)(seed >> 32), fin;
	size_t i = 0;

#define MARVIN_BLOCK()                                                                             \
	do {                                                                                       \
		p1 ^= p0;                                                                          \
		p0 = rotl(p0, 20);                                                                 \
		p0 += p1;                                                                          \
		p1 = rotl(p1, 9);                                                                  \
		p1 ^= p0;                                                                          \
		p0 = rotl(p0, 27);                                                                 \
		p0 += p1;                                                                          \
		p1 = rotl(p1, 19);                                                                 \
	} while (0)

	for (; len - i >= 4; i += 4) {
		p0 += le32(data + i);
		MARVIN_BLOCK();
	}
	switch (len - i) {
	case 0:
		fin = 0x80;
		break;
	case 1:
		fin = 0x8000 | data[i];
		break;
	case 2:
		fin = 0x800000 | data[i] | (uint32_t)data[i + 1] << 8;
		break;
	default:
		fin = 0x80000000u | data[i] | (uint32_t)data[i + 1] << 8 |
		      (uint32_t)data[i + 2] << 16;
		break;
	}
	p0 += fin;
	MARVIN_BLOCK();
	MARVIN_BLOCK();
#undef MARVIN_BLOCK
	return (uint64_t)p1 << 32 | p0;
}

/* XOR of the first 127 dwords, with Windows' two special cases. */
static uint32_t base_checksum(const unsigned char *b)
{
	uint32_t x = 0;

	for (int i = 0; i < 127; i++)
		x ^= le32(b + 4 * i);
	if (x == 0xffffffffu)
		return 0xfffffffeu;
	if (x == 0)
		return 1;
	return x;
}

struct entry {
	const unsigned char *p;
	uint32_t size, seq, hbins, count;
};

struct log {
	unsigned char *buf;
	size_t len;
	struct entry *v; /* new format: valid entries not yet in the hive */
	size_t n;
	/* old format: one dirty vector and its 512-byte pages */
	bool old_ok;
	uint32_t old_seq, old_hbins;
	const unsigned char *bitmap;
	const unsigned char *pages;
};

static void log_release(struct log *l)
{
	free(l->buf);
	free(l->v);
	*l = (struct log){ 0 };
}

/* Read a whole file (at most max bytes).  A missing file gives *buf NULL, WR_OK. */
static int read_all(const char *path, off_t max, unsigned char **buf, size_t *len,
		    struct wr_detail *d)
{
	struct stat st;
	size_t done = 0;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? WR_OK : wr_detail_set(d, WR_ERR_OPEN, errno, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return wr_detail_set(d, WR_ERR_READ, errno, path);
	}
	if (st.st_size > max) {
		close(fd);
		return wr_detail_setf(d, WR_ERR_TOO_LARGE, 0, path, "%lld bytes",
				      (long long)st.st_size);
	}
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf) {
		close(fd);
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + done, (size_t)st.st_size - done);

		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			close(fd);
			free(*buf);
			*buf = NULL;
			return wr_detail_set(d, WR_ERR_READ, e, path);
		}
		done += (size_t)n;
	}
	close(fd);
	*len = done;
	return WR_OK;
}

/* Is the entry at off valid?  Fills e. */
static bool parse_entry(const unsigned char *b, size_t len, size_t off, struct entry *e)
{
	const unsigned char *p = b + off;
	uint64_t pages = 0;

	if (len - off < ENTRY_HEADER || memcmp(p, "HvLE", 4))
		return false;
	e->p = p;
	e->size = le32(p + 4);
	e->seq = le32(p + 12);
	e->hbins = le32(p + 16);
	e->count = le32(p + 20);
	if (e->size < ENTRY_HEADER || e->size % LOG_HEADER || e->size > len - off)
		return false;
	if (e->hbins == 0 || e->hbins % 4096 || e->hbins > MAX_HBINS)
		return false;
	if (e->count > (e->size - ENTRY_HEADER) / 8)
		return false;
	if (marvin32(p + ENTRY_HEADER, e->size - ENTRY_HEADER, MARVIN_SEED) != le64(p + 24) ||
	    marvin32(p, 32, MARVIN_SEED) != le64(p + 32))
		return false;
	/* Every page inside the hive bins and inside the entry. */
	for (uint32_t i = 0; i < e->count; i++) {
		uint32_t po = le32(p + ENTRY_HEADER + 8 * i),
			 ps = le32(p + ENTRY_HEADER + 8 * i + 4);

		if (ps == 0 || po > e->hbins || ps > e->hbins - po)
			return false;
		pages += ps;
	}
	return pages <= e->size - ENTRY_HEADER - 8 * (uint64_t)e->count;
}

/* An old-format log (Windows 8 and earlier): a base block copy of type 1, "DIRT" and
 * a bitmap of dirty 512-byte pages at 512, the pages from the next sector on.  It
 * applies to the hive whose base block has the same last-written time stamp. */
static void check_old_log(const char *path, const unsigned char *primary, struct log *l)
{
	const unsigned char *b = l->buf;
	uint64_t bits, set = 0, bitmap_bytes, pages_off;

	if (le32(b + 4) != le32(b + 8) || base_checksum(b) != le32(b + 508)) {
		wr_log(WR_LOG_WARN, "hive log '%s': incomplete or damaged base block", path);
		return;
	}
	if (memcmp(b + 12, primary + 12, 8)) {
		wr_log(WR_LOG_WARN, "hive log '%s' belongs to another state of the hive", path);
		return;
	}
	l->old_hbins = le32(b + 40);
	if (l->old_hbins == 0 || l->old_hbins % 4096 || l->old_hbins > MAX_HBINS)
		return;
	bits = l->old_hbins / 512;
	bitmap_bytes = (bits + 7) / 8;
	pages_off = (LOG_HEADER + 4 + bitmap_bytes + LOG_HEADER - 1) / LOG_HEADER * LOG_HEADER;
	if (l->len < pages_off || memcmp(b + LOG_HEADER, "DIRT", 4))
		return;
	l->bitmap = b + LOG_HEADER + 4;
	for (uint64_t i = 0; i < bits; i++)
		set += (l->bitmap[i / 8] >> (i % 8)) & 1;
	if (set > (l->len - pages_off) / 512)
		return;
	l->pages = b + pages_off;
	l->old_seq = le32(b + 4);
	l->old_ok = true;
}

/* Read a log.  New format: list its valid entries with seq >= min_seq, in file order,
 * stopping at the first damaged one.  Old format: check it applies to primary. */
static int load_log(const char *path, const unsigned char *primary, struct log *l,
		    struct wr_detail *d)
{
	uint32_t min_seq = le32(primary + 8);
	size_t off;
	int ret;

	memset(l, 0, sizeof(*l));
	if (!path)
		return WR_OK;
	ret = read_all(path, MAX_LOG, &l->buf, &l->len, d);
	if (ret || !l->buf)
		return ret;
	if (l->len < LOG_HEADER || memcmp(l->buf, "regf", 4)) {
		wr_log(WR_LOG_WARN, "hive log '%s' has no base block: ignored", path);
		return WR_OK;
	}
	if (le32(l->buf + 28) == 1) {
		check_old_log(path, primary, l);
		return WR_OK;
	}
	if (le32(l->buf + 28) != 6)
		return wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, path, "log file type %u",
				      le32(l->buf + 28));
	for (off = LOG_HEADER; off < l->len;) {
		struct entry e, *grown;

		if (!parse_entry(l->buf, l->len, off, &e))
			break;
		off += e.size;
		if (e.seq < min_seq)
			continue; /* already in the hive */
		grown = realloc(l->v, (l->n + 1) * sizeof(*grown));
		if (!grown)
			return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
		l->v = grown;
		l->v[l->n++] = e;
	}
	return WR_OK;
}

/* Write the dirty pages of an old-format log. */
static int apply_old(int fd, const struct log *l, const char *out, struct wr_detail *d)
{
	const unsigned char *page = l->pages;

	for (uint32_t i = 0; i < l->old_hbins / 512; i++) {
		if (!((l->bitmap[i / 8] >> (i % 8)) & 1))
			continue;
		if (pwrite(fd, page, 512, (off_t)BASE_BLOCK + (off_t)i * 512) != 512)
			return wr_detail_set(d, WR_ERR_WRITE, errno ? errno : EIO, out);
		page += 512;
	}
	return WR_OK;
}

static int copy_file(const char *from, const char *to, struct wr_detail *d)
{
	unsigned char buf[1 << 16];
	int in, out, e;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		e = errno;
		close(in);
		return wr_detail_set(d, WR_ERR_OPEN, e, to);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			e = errno ? errno : EIO;
			close(in);
			close(out);
			return wr_detail_set(d, WR_ERR_WRITE, e, to);
		}
	e = n < 0 ? errno : 0;
	close(in);
	if (close(out) < 0 && !e)
		e = errno;
	if (e)
		return wr_detail_set(d, n < 0 ? WR_ERR_READ : WR_ERR_WRITE, e, n < 0 ? from : to);
	return WR_OK;
}

static int apply_entry(int fd, const struct entry *e, const char *out, struct wr_detail *d)
{
	const unsigned char *page = e->p + ENTRY_HEADER + 8 * (size_t)e->count;

	for (uint32_t i = 0; i < e->count; i++) {
		uint32_t po = le32(e->p + ENTRY_HEADER + 8 * i),
			 ps = le32(e->p + ENTRY_HEADER + 8 * i + 4);
		size_t done = 0;

		while (done < ps) {
			ssize_t n = pwrite(fd, page + done, ps - done,
					   (off_t)BASE_BLOCK + po + (off_t)done);

			if (n <= 0)
				return wr_detail_set(d, WR_ERR_WRITE, n < 0 ? errno : EIO, out);
			done += (size_t)n;
		}
		page += ps;
	}
	return WR_OK;
}

int wr_hivelog_replay(const char *hive, const char *log1, const char *log2, const char *out_path,
		      struct wr_hivelog_result *res, struct wr_detail *d)
{
	struct wr_hivelog_result r;
	struct log logs[2];
	unsigned char base[BASE_BLOCK];
	uint32_t seq1, seq2, next = 0;
	bool started = false;
	struct stat st;
	int fd = -1, ret;
	ssize_t n;

	memset(&r, 0, sizeof(r));
	memset(logs, 0, sizeof(logs));
	if (!hive || !out_path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, hive);
	fd = open(hive, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, hive);
	n = read(fd, base, sizeof(base));
	close(fd);
	fd = -1;
	if (n != (ssize_t)sizeof(base) || memcmp(base, "regf", 4))
		return wr_detail_setf(d, WR_ERR_HIVE_CORRUPT, 0, hive, "no regf base block");
	if (base_checksum(base) != le32(base + 508))
		return wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, hive,
				      "base block checksum is wrong; recovering it from a log "
				      "is not implemented");
	seq1 = le32(base + 4);
	seq2 = le32(base + 8);
	r.dirty = seq1 != seq2;
	r.hbins_size = le32(base + 40);
	ret = copy_file(hive, out_path, d);
	if (ret || !r.dirty)
		goto out;

	/* Entries from the secondary sequence number on are not in the hive yet (after a
	 * partial reconcile the first ones may be missing: start from what is there). */
	ret = load_log(log1, base, &logs[0], d);
	if (ret == WR_OK)
		ret = load_log(log2, base, &logs[1], d);
	if (ret)
		goto fail;
	fd = open(out_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, out_path);
		goto fail;
	}
	if (!logs[0].n && !logs[1].n && (logs[0].old_ok || logs[1].old_ok)) {
		/* Old format: one log holds the whole dirty state; take the newer. */
		int k = !logs[0].old_ok || (logs[1].old_ok && logs[1].old_seq > logs[0].old_seq);

		ret = apply_old(fd, &logs[k], out_path, d);
		if (ret)
			goto fail;
		r.first_seq = r.last_seq = logs[k].old_seq;
		r.hbins_size = logs[k].old_hbins;
		r.entries_applied = 1;
		r.log1_used = k == 0;
		r.log2_used = k == 1;
	}
	/* The log whose entries start earlier goes first; the other continues it. */
	{
		int order[2] = {0, 1};

		if (logs[1].n && (!logs[0].n || logs[1].v[0].seq < logs[0].v[0].seq))
			order[0] = 1, order[1] = 0;
		for (int k = 0; k < 2; k++) {
			struct log *l = &logs[order[k]];

			for (size_t i = 0; i < l->n; i++) {
				const struct entry *e = &l->v[i];

				if (started && e->seq != next)
					break;
				ret = apply_entry(fd, e, out_path, d);
				if (ret)
					goto fail;
				if (!started)
					r.first_seq = e->seq;
				started = true;
				next = e->seq + 1;
				r.last_seq = e->seq;
				r.hbins_size = e->hbins;
				r.entries_applied++;
				if (order[k] == 0)
					r.log1_used = true;
				else
					r.log2_used = true;
			}
		}
	}
	if (r.entries_applied) {
		/* The hive grows to what the last entry describes; the base block says so
		 * and is clean again. */
		if (fstat(fd, &st) < 0 || (st.st_size < (off_t)BASE_BLOCK + r.hbins_size &&
					   ftruncate(fd, (off_t)BASE_BLOCK + r.hbins_size) < 0)) {
			ret = wr_detail_set(d, WR_ERR_WRITE, errno, out_path);
			goto fail;
		}
		put32(base + 4, r.last_seq);
		put32(base + 8, r.last_seq);
		put32(base + 40, r.hbins_size);
		put32(base + 508, base_checksum(base));
		if (pwrite(fd, base, sizeof(base), 0) != (ssize_t)sizeof(base)) {
			ret = wr_detail_set(d, WR_ERR_WRITE, errno ? errno : EIO, out_path);
			goto fail;
		}
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, out_path);
		goto fail;
	}
	fd = -1;
	wr_log(WR_LOG_INFO, "hive '%s': %u log entries replayed (sequence %u..%u)", hive,
	       r.entries_applied, r.first_seq, r.last_seq);
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(out_path);
out:
	log_release(&logs[0]);
	log_release(&logs[1]);
	if (res)
		*res = r;
	return ret;
}

int wr_hivelog_copy_out(struct wr_ntfs *vol, const char *vpath, const char *host_path,
			struct wr_hivelog_result *res, struct wr_detail *d)
{
	char base[4200], l1[4200], l2[4200], vlog[4200];
	struct wr_hivelog_result r;
	struct wr_detail ld = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	bool have1, have2;
	int ret;

	memset(&r, 0, sizeof(r));
	if (res)
		*res = r;
	if (!vol || !vpath || !host_path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, vpath);
	snprintf(base, sizeof(base), "%s.base", host_path);
	snprintf(l1, sizeof(l1), "%s.LOG1", host_path);
	snprintf(l2, sizeof(l2), "%s.LOG2", host_path);
	ret = wr_ntfs_copy_out(vol, vpath, base, d);
	if (ret)
		goto out;
	snprintf(vlog, sizeof(vlog), "%s.LOG1", vpath);
	have1 = wr_ntfs_copy_out(vol, vlog, l1, NULL) == WR_OK;
	snprintf(vlog, sizeof(vlog), "%s.LOG2", vpath);
	have2 = wr_ntfs_copy_out(vol, vlog, l2, NULL) == WR_OK;
	ret = wr_hivelog_replay(base, have1 ? l1 : NULL, have2 ? l2 : NULL, host_path, &r, &ld);
	if (ret == WR_OK && r.entries_applied) {
		/* Use the replayed hive only if it opens. */
		if (wr_hive_open(host_path, false, &h, &ld) == WR_OK) {
			wr_hive_close(h);
		} else {
			wr_log_err("replayed hive does not open; using the base file", WR_ERR_HIVE,
				   &ld);
			r.entries_applied = 0;
			ret = WR_ERR_HIVE;
		}
	}
	if (ret) {
		if (ret != WR_ERR_HIVE)
			wr_log_err(vpath, ret, &ld);
		r.entries_applied = 0;
		ret = rename(base, host_path) ? wr_detail_set(d, WR_ERR_WRITE, errno, host_path)
					      : WR_OK;
	}
out:
	unlink(base);
	unlink(l1);
	unlink(l2);
	if (res)
		*res = r;
	return ret;
}
