/*
 * test_wim.c - the wimlib layer on real WIMs and on NTFS volumes made with mkntfs.
 *
 * The independent reader is wimlib-imagex (wiminfo, dir): every field we report is
 * compared with what it prints.  Bad WIMs (truncated, flipped bytes under an
 * integrity table, not a WIM) must give WR_ERR_WIM_CORRUPT and stay byte-identical.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkimg.h"
#include "testdata.h"
#include "winrescue.h"

static char tmpdir[256];

/* ---- helpers ---------------------------------------------------------- */

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void copy(const char *from, const char *to)
{
	size_t len;
	void *buf = slurp(from, &len);

	spit(to, buf, len);
	free(buf);
}

static char *tpath(const char *name)
{
	static char bufs[64][1024];
	static int next;
	char *b = bufs[next++ % 64];

	snprintf(b, 1024, "%s/%s", tmpdir, name);
	return b;
}

static char *real_wim(const char *name)
{
	static char b[2][1200];
	static int next;
	char *p = b[next++ % 2];

	snprintf(p, 1200, "%s/wim/%s", testdata_dir(), name);
	return p;
}

/* A reader over a host file: what wr_ntfs_reader_open gives for a file inside a
 * volume, here for comparing the two ways of reading a WIM. */
struct fd_ctx {
	int fd;
};

static int fd_read_at(void *ctx, uint64_t offset, void *buf, size_t len)
{
	struct fd_ctx *c = ctx;

	return pread(c->fd, buf, len, (off_t)offset) == (ssize_t)len ? WR_OK : WR_ERR_READ;
}

static int read_info_from_file(const char *path, struct wr_wim_info **out, struct wr_detail *d)
{
	struct fd_ctx c = {open(path, O_RDONLY)};
	struct stat st;
	struct wr_reader r;
	int ret;

	assert_true(c.fd >= 0);
	assert_int_equal(fstat(c.fd, &st), 0);
	r.read_at = fd_read_at;
	r.size = (uint64_t)st.st_size;
	r.ctx = &c;
	ret = wr_wim_read_info_from(&r, path, out, d);
	close(c.fd);
	return ret;
}

static void assert_same_info(const struct wr_wim_info *a, const struct wr_wim_info *b)
{
	assert_string_equal(a->path, b->path);
	assert_int_equal(a->image_count, b->image_count);
	assert_int_equal(a->has_integrity, b->has_integrity);
	assert_int_equal(a->split, b->split);
	assert_int_equal(a->part_number, b->part_number);
	assert_int_equal(a->total_parts, b->total_parts);
	for (unsigned i = 0; i < a->image_count; i++) {
		const struct wr_image_info *x = &a->images[i], *y = &b->images[i];

		assert_int_equal(x->index, y->index);
		assert_string_equal(x->name, y->name);
		assert_string_equal(x->description, y->description);
		assert_string_equal(x->product_name, y->product_name);
		assert_string_equal(x->edition, y->edition);
		assert_string_equal(x->installation_type, y->installation_type);
		assert_int_equal(x->arch, y->arch);
		assert_int_equal(x->major, y->major);
		assert_int_equal(x->minor, y->minor);
		assert_int_equal(x->build, y->build);
		assert_int_equal(x->spbuild, y->spbuild);
		assert_string_equal(x->languages, y->languages);
		assert_string_equal(x->default_language, y->default_language);
		assert_int_equal(x->total_bytes, y->total_bytes);
		assert_int_equal(x->file_count, y->file_count);
		assert_int_equal(x->is_windows, y->is_windows);
	}
}

/* The value after "Key:" in wiminfo's output, for the n-th (0-based) occurrence. */
static int field(const char *text, const char *key, unsigned n, char *buf, size_t size)
{
	const char *p = text;
	size_t klen = strlen(key);

	for (;;) {
		p = strstr(p, key);
		if (!p)
			return -1;
		if ((p == text || p[-1] == '\n') && p[klen] == ':') {
			if (n-- == 0)
				break;
		}
		p += klen;
	}
	p += klen + 1;
	while (*p == ' ')
		p++;
	size_t len = strcspn(p, "\n");
	snprintf(buf, size, "%.*s", (int)len, p);
	return 0;
}

/* Compare everything wiminfo prints about the images with what we read. */
static void assert_matches_wiminfo(const char *path, const struct wr_wim_info *info)
{
	static char out[65536];
	const char *argv[] = {"wiminfo", path, NULL};
	char v[512];

	assert_int_equal(mkimg_run(argv, NULL, out, sizeof(out)), 0);
	assert_int_equal(field(out, "Image Count", 0, v, sizeof(v)), 0);
	assert_int_equal(strtoul(v, NULL, 10), info->image_count);
	assert_int_equal(field(out, "Part Number", 0, v, sizeof(v)), 0);
	{
		char want[32];

		snprintf(want, sizeof(want), "%u/%u", info->part_number, info->total_parts);
		assert_string_equal(v, want);
	}
	assert_int_equal(field(out, "Attributes", 0, v, sizeof(v)), 0);
	assert_int_equal(strstr(v, "Integrity info") != NULL, info->has_integrity);
	for (unsigned i = 0; i < info->image_count; i++) {
		const struct wr_image_info *img = &info->images[i];

		assert_int_equal(field(out, "Index", i, v, sizeof(v)), 0);
		assert_int_equal(strtoul(v, NULL, 10), img->index);
		assert_int_equal(field(out, "Name", i, v, sizeof(v)), 0);
		assert_string_equal(v, img->name);
		assert_int_equal(field(out, "Description", i, v, sizeof(v)), 0);
		assert_string_equal(v, img->description);
		assert_int_equal(field(out, "File Count", i, v, sizeof(v)), 0);
		assert_int_equal(strtoull(v, NULL, 10), img->file_count);
		assert_int_equal(field(out, "Total Bytes", i, v, sizeof(v)), 0);
		assert_int_equal(strtoull(v, NULL, 10), img->total_bytes);
		/* wiminfo prints the WINDOWS block only when there is one. */
		assert_int_equal(field(out, "Architecture", i, v, sizeof(v)) == 0, img->is_windows);
	}
}

static void make_ntfs(const char *path, const char *size)
{
	const char *trunc[] = {"truncate", "-s", size, path, NULL};
	const char *mk[] = {"mkntfs", "-F", "-f", "-q", "-L", "WinTest", path, NULL};

	unlink(path);
	assert_int_equal(mkimg_run(trunc, NULL, NULL, 0), 0);
	assert_int_equal(mkimg_run(mk, NULL, NULL, 0), 0);
}

/* "wimlib-imagex dir" of an image: one path per line. */
static void wimdir(const char *wim, unsigned index, char *out, size_t size)
{
	char idx[16];
	const char *argv[] = {"wimlib-imagex", "dir", wim, idx, NULL};

	snprintf(idx, sizeof(idx), "%u", index);
	assert_int_equal(mkimg_run(argv, NULL, out, size), 0);
}

/* ---- tests ------------------------------------------------------------ */

static void test_real_wims_match_wiminfo(void **state)
{
	(void)state;
	const char *names[] = {"LZX.wim", "MultiImage.wim"};
	const unsigned counts[] = {1, 3};

	for (size_t k = 0; k < 2; k++) {
		const char *path = real_wim(names[k]);
		struct wr_detail d = WR_DETAIL_INIT;
		struct wr_wim_info *a = NULL, *b = NULL;

		assert_int_equal(wr_wim_read_info(path, true, &a, &d), WR_OK);
		assert_int_equal(a->image_count, counts[k]);
		assert_string_equal(a->path, path);
		assert_matches_wiminfo(path, a);
		/* The same file read through a reader (our own header+XML reader). */
		assert_int_equal(read_info_from_file(path, &b, &d), WR_OK);
		assert_same_info(a, b);
		wr_wim_info_free(a);
		wr_wim_info_free(b);
	}
}

static void test_multiimage_names(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;

	assert_int_equal(wr_wim_read_info(real_wim("MultiImage.wim"), false, &info, &d), WR_OK);
	assert_true(info->has_integrity);
	assert_string_equal(info->images[0].name, "Base");
	assert_string_equal(info->images[1].name, "Changes");
	assert_string_equal(info->images[2].name, "Delta");
	assert_false(info->images[0].is_windows);
	assert_int_equal(info->images[0].arch, WR_ARCH_UNKNOWN);
	wr_wim_info_free(info);
}

/* Truncated copies: each gives WR_ERR_WIM_CORRUPT by both readers, and the copy is
 * not changed. */
static void test_truncated(void **state)
{
	(void)state;
	size_t len;
	char *orig = slurp(real_wim("MultiImage.wim"), &len);
	const size_t cuts[] = {0, 7, 100, 207, 208, 1000, len / 2, len - 1};

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct wr_detail d = WR_DETAIL_INIT;
		struct wr_wim_info *info = NULL;
		const char *p = tpath("trunc.wim");
		size_t after_len;
		char *after;
		int ret;

		spit(p, orig, cuts[i]);
		ret = wr_wim_read_info(p, false, &info, &d);
		assert_int_equal(ret, WR_ERR_WIM_CORRUPT);
		assert_null(info);
		assert_string_equal(d.subject, p);
		assert_true(d.lib_msg[0] != '\0');
		ret = read_info_from_file(p, &info, &d);
		assert_int_equal(ret, WR_ERR_WIM_CORRUPT);
		assert_null(info);
		after = slurp(p, &after_len);
		assert_int_equal(after_len, cuts[i]);
		assert_memory_equal(after, orig, cuts[i]);
		free(after);
	}
	free(orig);
}

/* Flipped bytes in the file data of a WIM with an integrity table: found with the
 * check, the message is wimlib's, and the file is unchanged. */
static void test_integrity(void **state)
{
	(void)state;
	const char *p = tpath("check.wim");
	const char *opt[] = {"wimlib-imagex", "optimize", p, "--check", NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;
	size_t len, len2;
	char *buf, *after;

	/* LZX.wim has no integrity table: give a copy one. */
	copy(real_wim("LZX.wim"), p);
	assert_int_equal(mkimg_run(opt, NULL, NULL, 0), 0);
	assert_int_equal(wr_wim_read_info(p, true, &info, &d), WR_OK);
	assert_true(info->has_integrity);
	wr_wim_info_free(info);

	buf = slurp(p, &len);
	buf[WR_WIM_HEADER_SIZE + 10] ^= 0x5a; /* inside the first resource */
	spit(p, buf, len);
	info = NULL;
	assert_int_equal(wr_wim_read_info(p, true, &info, &d), WR_ERR_WIM_CORRUPT);
	assert_null(info);
	assert_int_equal(d.lib_code, 13); /* WIMLIB_ERR_INTEGRITY */
	assert_non_null(strstr(d.lib_msg, "wimlib"));
	after = slurp(p, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, after, len);
	free(after);
	/* Without the check the header and XML are still readable. */
	assert_int_equal(wr_wim_read_info(p, false, &info, &d), WR_OK);
	wr_wim_info_free(info);
	free(buf);

	/* MultiImage.wim as shipped has one; flip a byte there too. */
	copy(real_wim("MultiImage.wim"), p);
	buf = slurp(p, &len);
	buf[WR_WIM_HEADER_SIZE + 3] ^= 0xff;
	spit(p, buf, len);
	assert_int_equal(wr_wim_read_info(p, true, &info, &d), WR_ERR_WIM_CORRUPT);
	free(buf);
}

static void test_not_a_wim(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;
	char junk[4096];
	const char *p = tpath("junk.wim");

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	spit(p, junk, sizeof(junk));
	assert_int_equal(wr_wim_read_info(p, false, &info, &d), WR_ERR_WIM_CORRUPT);
	assert_int_equal(read_info_from_file(p, &info, &d), WR_ERR_WIM_CORRUPT);
	assert_int_equal(wr_wim_read_info(tpath("missing.wim"), false, &info, &d),
			 WR_ERR_NOT_FOUND);
	assert_int_equal(d.sys_errno, ENOENT);
	assert_null(info);
	/* A header whose XML resource is garbage. */
	{
		size_t len;
		char *buf = slurp(real_wim("LZX.wim"), &len);
		uint64_t off = 0;

		for (int k = 7; k >= 0; k--)
			off = off << 8 | (unsigned char)buf[80 + k];
		memset(buf + off, 'x', len - off > 64 ? 64 : len - off);
		spit(p, buf, len);
		assert_int_equal(read_info_from_file(p, &info, &d), WR_ERR_WIM_CORRUPT);
		assert_int_equal(wr_wim_read_info(p, false, &info, &d), WR_ERR_WIM_CORRUPT);
		free(buf);
	}
}

static void test_list_root(void **state)
{
	(void)state;
	static char out[65536];
	struct wr_detail d = WR_DETAIL_INIT;
	char **names = NULL;
	size_t expect = 0;

	assert_int_equal(wr_wim_list_root(real_wim("LZX.wim"), 1, &names, &d), WR_OK);
	wimdir(real_wim("LZX.wim"), 1, out, sizeof(out));
	/* Every "/name" line with no further slash is a root entry. */
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		bool found = false;

		if (line[0] != '/' || !line[1] || strchr(line + 1, '/'))
			continue;
		expect++;
		for (char **n = names; *n; n++)
			found |= !strcmp(*n, line + 1);
		assert_true(found);
	}
	assert_int_equal(wr_strv_len(names), expect);
	assert_int_equal(expect, 3);
	wr_strv_free(names);

	assert_int_equal(wr_wim_list_root(real_wim("MultiImage.wim"), 4, &names, &d),
			 WR_ERR_NO_SUCH_IMAGE);
	assert_null(names);
	assert_int_equal(wr_wim_list_root(real_wim("MultiImage.wim"), 0, &names, &d),
			 WR_ERR_NO_SUCH_IMAGE);
}

struct prog {
	int calls;
	uint64_t last, total;
	bool abort;
};

static enum wr_prog_status prog_cb(enum wr_prog_msg msg, const union wr_prog_info *info, void *ctx)
{
	struct prog *p = ctx;

	if (msg == WR_PROG_ITEMS)	/* a capture's scan begins: nothing counted yet */
		return WR_PROG_CONTINUE;
	assert_int_equal(msg, WR_PROG_BYTES);
	assert_true(info->amount.done <= info->amount.total);
	p->calls++;
	p->last = info->amount.done;
	p->total = info->amount.total;
	return p->abort ? WR_PROG_ABORT : WR_PROG_CONTINUE;
}

/* Apply to a fresh NTFS volume, capture it back, compare listings and sizes. */
static void test_apply_and_capture(void **state)
{
	(void)state;
	static char a[65536], b[65536];
	const char *vol = tpath("vol.img"), *cap = tpath("cap.wim");
	const char *const excl[] = {"\\nothing-here", NULL};
	struct wr_wim_capture_opts o = {"Captured", "round trip", excl, NULL, true, false};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *orig = NULL, *back = NULL;
	struct prog p = {0, 0, 0, false};
	unsigned idx = 0;

	make_ntfs(vol, "16M");
	assert_int_equal(wr_wim_apply(real_wim("LZX.wim"), 1, vol, prog_cb, &p, &d), WR_OK);
	assert_true(p.calls >= 1);
	assert_int_equal(p.last, p.total);
	assert_int_equal(p.total, 13); /* Total Bytes of the image */

	/* Applying again: the root names exist, wimlib stops at once. */
	{
		int ret = wr_wim_apply(real_wim("LZX.wim"), 1, vol, NULL, NULL, &d);

		print_message("second apply: %s: %s\n", wr_err_name(ret), d.lib_msg);
		assert_int_equal(ret, WR_ERR_EXISTS);
	}

	memset(&p, 0, sizeof(p));
	unlink(cap);
	assert_int_equal(wr_wim_capture(vol, cap, &o, prog_cb, &p, &idx, &d), WR_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(wr_wim_read_info(cap, true, &back, &d), WR_OK);
	assert_int_equal(wr_wim_read_info(real_wim("LZX.wim"), false, &orig, &d), WR_OK);
	assert_true(back->has_integrity);
	assert_string_equal(back->images[0].name, "Captured");
	assert_string_equal(back->images[0].description, "round trip");
	assert_int_equal(back->images[0].total_bytes, orig->images[0].total_bytes);
	assert_int_equal(back->images[0].file_count, orig->images[0].file_count);
	assert_matches_wiminfo(cap, back);
	wimdir(real_wim("LZX.wim"), 1, a, sizeof(a));
	wimdir(cap, 1, b, sizeof(b));
	assert_string_equal(a, b);
	wr_wim_info_free(orig);
	wr_wim_info_free(back);
}

/* Appending stores only what changed; exclusions match case-insensitively; a corrupt
 * existing WIM is refused and left as it was. */
static void test_capture_append_and_exclude(void **state)
{
	(void)state;
	static char listing[65536];
	const char *vol = tpath("vol2.img"), *cap = tpath("app.wim");
	const char *const excl[] = {"\\abcd", "\\acde.TXT", NULL};
	const char *const keep[] = {"\\ABCD\\Z", NULL};
	struct wr_wim_capture_opts first = {"First", NULL, NULL, NULL, false, false};
	struct wr_wim_capture_opts second = {"Second", NULL, excl, keep, false, false};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;
	struct stat st1, st2;
	unsigned idx = 0;
	size_t len, len2;
	char *buf, *after;

	/* A volume holding 2 MiB of incompressible data, so that a copy would show. */
	{
		const char *mkd[] = {"mkdir", "-p", tpath("tree/Data"), NULL};
		const char *dd[] = {
		    "dd", "if=/dev/urandom", "bs=64k", "count=32", "status=none", NULL, NULL};
		const char *capt[] = {"wimlib-imagex",	 "capture",	    tpath("tree"),
				      tpath("tree.wim"), "--compress=none", NULL};
		char of[1100];

		snprintf(of, sizeof(of), "of=%s", tpath("tree/Data/random.bin"));
		dd[5] = of;
		assert_int_equal(mkimg_run(mkd, NULL, NULL, 0), 0);
		assert_int_equal(mkimg_run(dd, NULL, NULL, 0), 0);
		unlink(tpath("tree.wim"));
		assert_int_equal(mkimg_run(capt, NULL, NULL, 0), 0);
	}
	make_ntfs(vol, "16M");
	assert_int_equal(wr_wim_apply(tpath("tree.wim"), 1, vol, NULL, NULL, &d), WR_OK);
	unlink(cap);
	assert_int_equal(wr_wim_capture(vol, cap, &first, NULL, NULL, &idx, &d), WR_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(stat(cap, &st1), 0);
	/* Same volume again: a second image, no file data written twice. */
	assert_int_equal(wr_wim_capture(vol, cap, &first, NULL, NULL, &idx, &d), WR_ERR_EXISTS);
	assert_int_equal(wr_wim_capture(vol, cap, &second, NULL, NULL, &idx, &d), WR_OK);
	assert_int_equal(idx, 2);
	assert_int_equal(stat(cap, &st2), 0);
	assert_int_equal(wr_wim_read_info(cap, false, &info, &d), WR_OK);
	assert_int_equal(info->image_count, 2);
	wr_wim_info_free(info);
	/* The appended image adds only metadata: far less than a copy would. */
	assert_true(st1.st_size > 2 * 1024 * 1024);
	assert_true(st2.st_size - st1.st_size < 64 * 1024);

	/* Exclusions on a volume holding LZX.wim's tree. */
	make_ntfs(vol, "16M");
	assert_int_equal(wr_wim_apply(real_wim("LZX.wim"), 1, vol, NULL, NULL, &d), WR_OK);
	unlink(cap);
	assert_int_equal(wr_wim_capture(vol, cap, &second, NULL, NULL, &idx, &d), WR_OK);
	wimdir(cap, 1, listing, sizeof(listing));
	assert_null(strstr(listing, "/ACDE.txt\n"));
	assert_null(strstr(listing, "/ABCD/A.txt\n"));
	assert_non_null(strstr(listing, "/ABCD/Z/X.txt\n")); /* the exception */
	assert_non_null(strstr(listing, "/ABDE/A.txt\n"));

	/* A damaged existing WIM: refused, unchanged. */
	buf = slurp(cap, &len);
	buf[len / 2] ^= 0x11;
	buf[WR_WIM_HEADER_SIZE + 1] ^= 0x11;
	spit(cap, buf, len);
	{
		struct wr_wim_capture_opts o = {"Third", NULL, NULL, NULL, false, false};
		const char *opt[] = {"wimlib-imagex", "optimize", cap, "--check", NULL};
		int ret = wr_wim_capture(vol, cap, &o, NULL, NULL, &idx, &d);

		assert_int_equal(ret, WR_ERR_WIM_CORRUPT);
		(void)opt;
	}
	after = slurp(cap, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, after, len);
	free(buf);
	free(after);
}

/* The integrity check of an existing WIM runs beside the scan of the volume: an append
 * to a sound file with an integrity table keeps a table that verifies, and a file
 * damaged only inside file data (header, lookup table and XML intact, so opening it
 * without the check succeeds) is still refused, byte for byte unchanged. */
static void test_capture_append_checks_data(void **state)
{
	(void)state;
	const char *vol = tpath("vol4.img"), *cap = tpath("checked.wim");
	struct wr_wim_capture_opts o1 = {"One", NULL, NULL, NULL, true, false};
	struct wr_wim_capture_opts o2 = {"Two", NULL, NULL, NULL, true, true};
	struct wr_wim_capture_opts o3 = {"Three", NULL, NULL, NULL, true, true};
	const char *verify[] = {"wimlib-imagex", "verify", cap, NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;
	unsigned idx = 0;
	size_t len, len2;
	char *buf, *after;

	/* 4 MiB of incompressible data: the first resource after the header. */
	{
		const char *mkd[] = {"mkdir", "-p", tpath("tree4/Data"), NULL};
		const char *dd[] = {
		    "dd", "if=/dev/urandom", "bs=64k", "count=64", "status=none", NULL, NULL};
		const char *capt[] = {"wimlib-imagex",	  "capture",	     tpath("tree4"),
				      tpath("tree4.wim"), "--compress=none", NULL};
		char of[1100];

		snprintf(of, sizeof(of), "of=%s", tpath("tree4/Data/random.bin"));
		dd[5] = of;
		assert_int_equal(mkimg_run(mkd, NULL, NULL, 0), 0);
		assert_int_equal(mkimg_run(dd, NULL, NULL, 0), 0);
		unlink(tpath("tree4.wim"));
		assert_int_equal(mkimg_run(capt, NULL, NULL, 0), 0);
	}
	make_ntfs(vol, "16M");
	assert_int_equal(wr_wim_apply(tpath("tree4.wim"), 1, vol, NULL, NULL, &d), WR_OK);
	unlink(cap);
	assert_int_equal(wr_wim_capture(vol, cap, &o1, NULL, NULL, &idx, &d), WR_OK);
	assert_int_equal(idx, 1);
	/* A sound file: appended to, and its integrity table still verifies. */
	assert_int_equal(wr_wim_capture(vol, cap, &o2, NULL, NULL, &idx, &d), WR_OK);
	assert_int_equal(idx, 2);
	assert_int_equal(mkimg_run(verify, NULL, NULL, 0), 0);
	assert_int_equal(wr_wim_read_info(cap, true, &info, &d), WR_OK);
	assert_true(info->has_integrity);
	assert_int_equal(info->image_count, 2);
	wr_wim_info_free(info);
	info = NULL;

	/* One byte of file data damaged, 1 MiB into the random file's resource. */
	buf = slurp(cap, &len);
	assert_true(len > WR_WIM_HEADER_SIZE + (2u << 20));
	buf[WR_WIM_HEADER_SIZE + (1u << 20)] ^= 0x20;
	spit(cap, buf, len);
	assert_int_equal(wr_wim_read_info(cap, false, &info, &d), WR_OK);
	wr_wim_info_free(info);
	info = NULL;
	assert_int_equal(wr_wim_read_info(cap, true, &info, &d), WR_ERR_WIM_CORRUPT);
	d = (struct wr_detail)WR_DETAIL_INIT;
	assert_int_equal(wr_wim_capture(vol, cap, &o3, NULL, NULL, &idx, &d), WR_ERR_WIM_CORRUPT);
	assert_int_equal(d.lib_code, 13); /* WIMLIB_ERR_INTEGRITY */
	after = slurp(cap, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, after, len);
	free(buf);
	free(after);
}

static void test_abort(void **state)
{
	(void)state;
	const char *vol = tpath("vol3.img"), *cap = tpath("abort.wim");
	struct wr_wim_capture_opts o = {"X", NULL, NULL, NULL, false, false};
	struct wr_detail d = WR_DETAIL_INIT;
	struct prog p = {0, 0, 0, true};
	struct stat st;

	make_ntfs(vol, "16M");
	assert_int_equal(wr_wim_apply(real_wim("LZX.wim"), 1, vol, prog_cb, &p, &d),
			 WR_ERR_ABORTED);
	assert_int_equal(p.calls, 1);
	make_ntfs(vol, "16M");
	assert_int_equal(wr_wim_apply(real_wim("LZX.wim"), 1, vol, NULL, NULL, &d), WR_OK);
	unlink(cap);
	p.calls = 0;
	assert_int_equal(wr_wim_capture(vol, cap, &o, prog_cb, &p, NULL, &d), WR_ERR_ABORTED);
	assert_int_equal(stat(cap, &st), -1); /* a new WIM is removed */

	/* Aborting an append leaves the existing WIM as it was, byte for byte. */
	{
		struct wr_wim_capture_opts o2 = {"Y", NULL, NULL, NULL, false, false};
		struct wr_wim_info *info = NULL;
		size_t len, len2;
		char *before, *after;

		make_ntfs(vol, "16M");
		assert_int_equal(wr_wim_apply(real_wim("MultiImage.wim"), 3, vol, NULL, NULL, &d),
				 WR_OK);
		copy(real_wim("LZX.wim"), cap);
		before = slurp(cap, &len);
		p.calls = 0;
		assert_int_equal(wr_wim_capture(vol, cap, &o2, prog_cb, &p, NULL, &d),
				 WR_ERR_ABORTED);
		after = slurp(cap, &len2);
		assert_int_equal(len, len2);
		assert_memory_equal(before, after, len);
		assert_int_equal(wr_wim_read_info(cap, true, &info, &d), WR_OK);
		assert_int_equal(info->image_count, 1);
		wr_wim_info_free(info);
		free(before);
		free(after);
	}
}

static void test_bad_args(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_capture_opts o = {"", NULL, NULL, NULL, false, false};
	const char *const bad[] = {"\\a\n[ExclusionException]", NULL};
	struct wr_wim_capture_opts o2 = {"N", NULL, bad, NULL, false, false};

	assert_int_equal(wr_wim_apply(real_wim("LZX.wim"), 2, tpath("none.img"), NULL, NULL, &d),
			 WR_ERR_NO_SUCH_IMAGE);
	assert_int_equal(
	    wr_wim_capture(tpath("none.img"), tpath("x.wim"), &o, NULL, NULL, NULL, &d),
	    WR_ERR_INVALID_ARG);
	assert_int_equal(
	    wr_wim_capture(tpath("none.img"), tpath("x.wim"), &o2, NULL, NULL, NULL, &d),
	    WR_ERR_INVALID_ARG);
	/* Capturing something that is not an NTFS volume fails cleanly, no WIM left. */
	{
		struct wr_wim_capture_opts o3 = {"N", NULL, NULL, NULL, false, false};
		struct stat st;
		int ret;

		spit(tpath("notntfs.img"), "hello", 5);
		ret =
		    wr_wim_capture(tpath("notntfs.img"), tpath("x.wim"), &o3, NULL, NULL, NULL, &d);
		assert_int_not_equal(ret, WR_OK);
		assert_int_equal(stat(tpath("x.wim"), &st), -1);
	}
}

/* Split sets (.swm) and solid ESD: read, compared both ways, and applied. */
static void test_split_and_esd(void **state)
{
	(void)state;
	static char a[65536], b[65536];
	const char *mkd[] = {"mkdir", "-p", tpath("big/Windows"), NULL};
	const char *cap[] = {"wimlib-imagex", "capture",	 tpath("big"), tpath("big.wim"),
			     "Big",	      "--compress=none", NULL};
	const char *split[] = {"wimlib-imagex",	     "split", tpath("big.wim"),
			       tpath("install.swm"), "1",     NULL};
	const char *esd[] = {"wimlib-imagex", "export", tpath("big.wim"), "1", tpath("install.esd"),
			     "--solid",	      NULL};
	const char *vol = tpath("swm.img"), *back = tpath("swmback.wim");
	struct wr_wim_capture_opts o = {"Back", NULL, NULL, NULL, false, false};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *x = NULL, *y = NULL;
	FILE *f;

	assert_int_equal(mkimg_run(mkd, NULL, NULL, 0), 0);
	f = fopen(tpath("big/Windows/data.bin"), "wb");
	assert_non_null(f);
	for (unsigned i = 0; i < 3u * 1024 * 1024; i++)
		fputc((int)((i * 2654435761u) >> 13 & 0xff), f);
	fclose(f);
	unlink(tpath("big.wim"));
	assert_int_equal(mkimg_run(cap, NULL, NULL, 0), 0);
	assert_int_equal(mkimg_run(split, NULL, NULL, 0), 0);
	assert_int_equal(access(tpath("install2.swm"), R_OK), 0);

	assert_int_equal(wr_wim_read_info(tpath("install.swm"), false, &x, &d), WR_OK);
	assert_true(x->split);
	assert_int_equal(x->part_number, 1);
	assert_true(x->total_parts >= 2);
	assert_matches_wiminfo(tpath("install.swm"), x);
	assert_int_equal(read_info_from_file(tpath("install.swm"), &y, &d), WR_OK);
	assert_same_info(x, y);
	wr_wim_info_free(x);
	wr_wim_info_free(y);

	/* Applying the first part finds the others next to it. */
	make_ntfs(vol, "24M");
	assert_int_equal(wr_wim_apply(tpath("install.swm"), 1, vol, NULL, NULL, &d), WR_OK);
	unlink(back);
	assert_int_equal(wr_wim_capture(vol, back, &o, NULL, NULL, NULL, &d), WR_OK);
	wimdir(tpath("big.wim"), 1, a, sizeof(a));
	wimdir(back, 1, b, sizeof(b));
	assert_string_equal(a, b);
	assert_int_equal(wr_wim_read_info(back, false, &x, &d), WR_OK);
	assert_int_equal(x->images[0].total_bytes, 3u * 1024 * 1024);
	wr_wim_info_free(x);
	/* A missing part: a clear error, not a partial apply. */
	unlink(tpath("install2.swm"));
	make_ntfs(vol, "24M");
	assert_int_not_equal(wr_wim_apply(tpath("install.swm"), 1, vol, NULL, NULL, &d), WR_OK);

	/* Solid (ESD-style) compression: the XML stays readable both ways. */
	unlink(tpath("install.esd"));
	assert_int_equal(mkimg_run(esd, NULL, NULL, 0), 0);
	assert_int_equal(wr_wim_read_info(tpath("install.esd"), true, &x, &d), WR_OK);
	assert_int_equal(read_info_from_file(tpath("install.esd"), &y, &d), WR_OK);
	assert_same_info(x, y);
	assert_matches_wiminfo(tpath("install.esd"), x);
	wr_wim_info_free(x);
	wr_wim_info_free(y);
}

/* ---- path traversal ---------------------------------------------------- */

static uint64_t rd_le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Replace every UTF-16LE from by to (same length) in the metadata resource of an
 * uncompressed WIM, and fix the resource's SHA-1 in the blob table (computed by
 * sha1sum) so that wimlib accepts the result. */
static void patch_names(const char *wim, const char *const *from, const char *const *to)
{
	size_t len;
	unsigned char *b = slurp(wim, &len);
	uint64_t bt_size = rd_le(b + 48, 7), bt_off = rd_le(b + 56, 8);
	bool patched = false;

	assert_true(bt_off + bt_size <= len);
	for (uint64_t e = bt_off; e + 50 <= bt_off + bt_size; e += 50) {
		uint64_t size = rd_le(b + e, 7), off = rd_le(b + e + 8, 8);
		char hex[128];
		const char *sum[] = {"sha1sum", tpath("meta.bin"), NULL};

		if (!(b[e + 7] & 0x02)) /* metadata resource */
			continue;
		assert_false(b[e + 7] & 0x04); /* uncompressed */
		assert_true(off + size <= len);
		for (size_t k = 0; from[k]; k++) {
			size_t n = strlen(from[k]);

			assert_int_equal(n, strlen(to[k]));
			for (uint64_t i = off; i + 2 * n <= off + size; i++) {
				bool hit = true;

				for (size_t j = 0; j < n && hit; j++)
					hit = b[i + 2 * j] == (unsigned char)from[k][j] &&
					      b[i + 2 * j + 1] == 0;
				if (!hit)
					continue;
				for (size_t j = 0; j < n; j++)
					b[i + 2 * j] = (unsigned char)to[k][j];
				patched = true;
			}
		}
		spit(tpath("meta.bin"), b + off, size);
		assert_int_equal(mkimg_run(sum, NULL, hex, sizeof(hex)), 0);
		for (int j = 0; j < 20; j++) {
			unsigned v;

			assert_int_equal(sscanf(hex + 2 * j, "%2x", &v), 1);
			b[e + 30 + j] = (unsigned char)v;
		}
	}
	assert_true(patched);
	spit(wim, b, len);
	free(b);
}

/* A name holding "..\" must never reach the volume; plain "." and ".." entries are
 * dropped by wimlib itself when it reads the image (checked here too). */
static void test_path_traversal(void **state)
{
	(void)state;
	static char listing[65536];
	const char *mk[] = {"mkdir", "-p", tpath("trav/XX"), tpath("trav/Safe"), NULL};
	const char *cap[] = {"wimlib-imagex",	"capture", tpath("trav"), tpath("trav.wim"), "T",
			     "--compress=none", NULL};
	const char *from[] = {"XX", "QQQQQQQ", NULL}, *to[] = {"..", "..\\..\\x", NULL};
	const char *vol = tpath("trav.img");
	struct wr_detail d = WR_DETAIL_INIT;
	char **names = NULL;
	size_t len, len2;
	char *before, *after;

	assert_int_equal(mkimg_run(mk, NULL, NULL, 0), 0);
	spit(tpath("trav/XX/inner.txt"), "escaped", 7);
	spit(tpath("trav/Safe/QQQQQQQ"), "q", 1);
	unlink(tpath("trav.wim"));
	assert_int_equal(mkimg_run(cap, NULL, NULL, 0), 0);
	patch_names(tpath("trav.wim"), from, to);

	/* The root listing: ".." was dropped by wimlib, only "Safe" is left.  wimlib's
	 * warning goes to our log, nothing to stderr (the engine never prints). */
	{
		int saved = dup(2),
		    fd = open(tpath("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		size_t n;
		char *text;

		assert_int_equal(wr_log_open(tpath("wim.log"), &d), WR_OK);
		assert_true(saved >= 0 && fd >= 0);
		fflush(stderr);
		dup2(fd, 2);
		close(fd);
		assert_int_equal(wr_wim_list_root(tpath("trav.wim"), 1, &names, &d), WR_OK);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		wr_log_close();
		text = slurp(tpath("stderr.txt"), &n);
		assert_int_equal(n, 0);
		free(text);
		text = slurp(tpath("wim.log"), &n);
		text[n] = '\0';
		assert_non_null(strstr(text, "wimlib: [WARNING] Ignoring file named"));
		free(text);
	}
	assert_int_equal(wr_strv_len(names), 1);
	assert_string_equal(names[0], "Safe");
	wr_strv_free(names);

	/* Apply refuses the image before writing anything. */
	make_ntfs(vol, "16M");
	before = slurp(vol, &len);
	assert_int_equal(wr_wim_apply(tpath("trav.wim"), 1, vol, NULL, NULL, &d),
			 WR_ERR_UNSAFE_PATH);
	assert_non_null(strstr(d.subject, "..\\..\\x"));
	after = slurp(vol, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(before, after, len);
	free(before);
	free(after);

	/* Only the ".." directory: applied without it, nothing escapes. */
	{
		const char *from3[] = {"XX", "QQQQQQQ", NULL}, *to3[] = {"..", "Normal1", NULL};
		const char *cap2[] = {
		    "wimlib-imagex",   "capture", tpath("trav"), tpath("dotdot.wim"), "T",
		    "--compress=none", NULL};

		unlink(tpath("dotdot.wim"));
		assert_int_equal(mkimg_run(cap2, NULL, NULL, 0), 0);
		patch_names(tpath("dotdot.wim"), from3, to3);
	}
	make_ntfs(vol, "16M");
	assert_int_equal(wr_wim_apply(tpath("dotdot.wim"), 1, vol, NULL, NULL, &d), WR_OK);
	{
		struct wr_wim_capture_opts o = {"back", NULL, NULL, NULL, false, false};

		unlink(tpath("back.wim"));
		assert_int_equal(wr_wim_capture(vol, tpath("back.wim"), &o, NULL, NULL, NULL, &d),
				 WR_OK);
		wimdir(tpath("back.wim"), 1, listing, sizeof(listing));
		assert_string_equal(listing, "/\n/Safe\n/Safe/Normal1\n");
	}
}

static int setup(void **state)
{
	(void)state;
	const char *probe[] = {"mkntfs", "--version", NULL};

	if (mkimg_tmpdir(tmpdir, sizeof(tmpdir)))
		return -1;
	(void)probe;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mkimg_rmrf(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_wims_match_wiminfo),
	    cmocka_unit_test(test_multiimage_names),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_integrity),
	    cmocka_unit_test(test_not_a_wim),
	    cmocka_unit_test(test_list_root),
	    cmocka_unit_test(test_apply_and_capture),
	    cmocka_unit_test(test_capture_append_and_exclude),
	    cmocka_unit_test(test_capture_append_checks_data),
	    cmocka_unit_test(test_abort),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_path_traversal),
	    cmocka_unit_test(test_split_and_esd),
	};
	char path[1200];

	snprintf(path, sizeof(path), "%s/wim/LZX.wim", testdata_dir());
	if (access(path, R_OK)) {
		printf("skipped: real WIMs not found at %s\n", path);
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
