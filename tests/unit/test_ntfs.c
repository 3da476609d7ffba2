/*
 * test_ntfs.c - the ntfs module on real volumes: mkntfs images built here, the
 * Windows-made disk and the 21 BitLocker volumes in ../shared/testdata.
 *
 * Content the engine cannot create (alternate streams, hard links, DOS names,
 * junctions, a custom security descriptor, volume flags) is made with libntfs-3g
 * directly, as a Windows tool would leave it.  Every probe and every refused input
 * is checked to leave the image byte-identical (sha256 before and after).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/index.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/mft.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/reparse.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "winrescue.h"
#include "mkimg.h"

static char tmp[4096];

static int setup(void **state)
{
	(void)state;
	if (!mkimg_have("mkntfs") || !mkimg_have("sfdisk")) {
		fprintf(stderr, "mkntfs or sfdisk missing\n");
		return -1;
	}
	if (mkimg_tmpdir(tmp, sizeof(tmp)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return mkimg_rmrf(tmp);
}

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmp, name);
}

static void new_volume(char *path, size_t len, const char *name, uint64_t size)
{
	path_in(path, len, name);
	assert_int_equal(mkimg_ntfs(path, size, "TestVol"), 0);
}

static struct wr_extent extent_of(const char *path, unsigned part)
{
	struct wr_extent ext;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_blockdev_resolve(path, part, &ext, &d), WR_OK);
	return ext;
}

static void sha(const char *path, char out[65])
{
	assert_int_equal(mkimg_sha256(path, out), 0);
}

/* ------------------------------------------------------------------------- */
/* raw libntfs-3g helpers for making test content                            */

static ntfs_volume *raw_mount(const char *path)
{
	ntfs_volume *vol = ntfs_mount(path, 0);

	assert_non_null(vol);
	return vol;
}

static int ucs(const char *s, ntfschar **out)
{
	*out = NULL;
	return ntfs_mbstoucs(s, out);
}

static void raw_add_stream(ntfs_volume *vol, const char *path, const char *stream,
			   const char *data)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	ntfschar *u;
	int ul = ucs(stream, &u);

	assert_non_null(ni);
	assert_true(ul > 0);
	assert_int_equal(ntfs_attr_add(ni, AT_DATA, u, (u8)ul, (const u8 *)data,
				       (s64)strlen(data)), 0);
	free(u);
	assert_int_equal(ntfs_inode_close(ni), 0);
}

static void raw_hardlink(ntfs_volume *vol, const char *path, const char *dir,
			 const char *name)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	ntfs_inode *dn = ntfs_pathname_to_inode(vol, NULL, dir);
	ntfschar *u;
	int ul = ucs(name, &u);

	assert_non_null(ni);
	assert_non_null(dn);
	assert_int_equal(ntfs_link(ni, dn, u, (u8)ul), 0);
	free(u);
	assert_int_equal(ntfs_inode_close(dn), 0);
	assert_int_equal(ntfs_inode_close(ni), 0);
}

static void raw_set_dos(ntfs_volume *vol, const char *path, const char *dir,
			const char *dos)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	ntfs_inode *dn = ntfs_pathname_to_inode(vol, NULL, dir);

	assert_non_null(ni);
	assert_non_null(dn);
	assert_int_equal(ntfs_set_ntfs_dos_name(ni, dn, dos, strlen(dos), 0), 0);
}

static int raw_get_dos(ntfs_volume *vol, const char *path, const char *dir, char *buf,
		       size_t len)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	ntfs_inode *dn = ntfs_pathname_to_inode(vol, NULL, dir);
	int n;

	assert_non_null(ni);
	assert_non_null(dn);
	n = ntfs_get_ntfs_dos_name(ni, dn, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	ntfs_inode_close(ni);
	ntfs_inode_close(dn);
	return n;
}

/* A junction (mount point reparse point) on an existing empty directory. */
static void raw_make_junction(ntfs_volume *vol, const char *path, const char *target)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	char sub[512];
	uint8_t buf[2048];
	ntfschar *u = NULL;
	int ul, off;

	assert_non_null(ni);
	snprintf(sub, sizeof(sub), "\\??\\C:%s", target);
	ul = ucs(sub, &u);
	assert_true(ul > 0);
	memset(buf, 0, sizeof(buf));
	/* REPARSE_DATA_BUFFER: tag, length, reserved; mount point: substitute name
	 * offset/length, print name offset/length, path buffer. */
	buf[0] = 0x03; buf[1] = 0x00; buf[2] = 0x00; buf[3] = 0xA0;	/* 0xA0000003 */
	off = 8;
	buf[off + 0] = 0;
	buf[off + 2] = (uint8_t)(ul * 2);
	buf[off + 3] = (uint8_t)((ul * 2) >> 8);
	buf[off + 4] = (uint8_t)(ul * 2 + 2);
	buf[off + 4 + 1] = (uint8_t)((ul * 2 + 2) >> 8);
	buf[off + 6] = 0;
	memcpy(buf + off + 8, u, (size_t)ul * 2);
	{
		int data_len = 8 + ul * 2 + 2 + 2;	/* names + NULs */

		buf[4] = (uint8_t)data_len;
		buf[5] = (uint8_t)(data_len >> 8);
		assert_int_equal(ntfs_set_ntfs_reparse_data(ni, (const char *)buf,
							    (size_t)(8 + data_len), 0), 0);
	}
	free(u);
	assert_int_equal(ntfs_inode_close(ni), 0);
}

/* A distinctive self-relative security descriptor: owner Administrators, group
 * SYSTEM, a DACL granting Everyone read and Alice's made-up SID full control. */
static const uint8_t custom_sd[] = {
	0x01, 0x00, 0x04, 0x80,			/* revision, control: SELF_RELATIVE|DACL_PRESENT */
	0x14, 0x00, 0x00, 0x00,			/* owner at 20 */
	0x24, 0x00, 0x00, 0x00,			/* group at 36 */
	0x00, 0x00, 0x00, 0x00,			/* no SACL */
	0x30, 0x00, 0x00, 0x00,			/* DACL at 48 */
	/* owner S-1-5-32-544 */
	0x01, 0x02, 0, 0, 0, 0, 0, 5, 0x20, 0, 0, 0, 0x20, 0x02, 0, 0,
	/* group S-1-5-18 */
	0x01, 0x01, 0, 0, 0, 0, 0, 5, 0x12, 0, 0, 0,
	/* DACL: revision 2, size 8+20+36, 2 ACEs */
	0x02, 0x00, 0x40, 0x00, 0x02, 0x00, 0x00, 0x00,
	/* ACCESS_ALLOWED, no flags, size 20, GENERIC_READ-ish 0x120089, S-1-1-0 */
	0x00, 0x00, 0x14, 0x00, 0x89, 0x00, 0x12, 0x00,
	0x01, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
	/* ACCESS_ALLOWED, size 36, FILE_ALL_ACCESS 0x1f01ff, S-1-5-21-1-2-3-1001 */
	0x00, 0x00, 0x24, 0x00, 0xff, 0x01, 0x1f, 0x00,
	0x01, 0x05, 0, 0, 0, 0, 0, 5, 0x15, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0,
	0xe9, 0x03, 0, 0,
};

static void raw_set_sd(ntfs_volume *vol, const char *path)
{
	struct SECURITY_CONTEXT scx;
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);

	assert_non_null(ni);
	memset(&scx, 0, sizeof(scx));
	scx.vol = vol;
	assert_int_equal(ntfs_set_ntfs_acl(&scx, ni, (const char *)custom_sd, sizeof(custom_sd),
					   0), 0);
	assert_int_equal(ntfs_inode_close(ni), 0);
}

static int find_sd_cb(const struct wr_ntfs_entry *e, void *ctx)
{
	int *found = ctx;

	if (strcmp(e->name, "letter.txt") && strcmp(e->name, "letter-link.txt"))
		return WR_OK;
	assert_int_equal(e->security_len, sizeof(custom_sd));
	assert_memory_equal(e->security, custom_sd, sizeof(custom_sd));
	(*found)++;
	return WR_OK;
}

/* Set the raw $Volume flags, bits libntfs-3g's ntfs_volume_write_flags() masks
 * out included (Windows sets 0x0080 on clean volumes). */
static void raw_set_volume_flags(const char *img, uint16_t flags)
{
	ntfs_volume *vol = raw_mount(img);
	ntfs_inode *ni = ntfs_inode_open(vol, FILE_Volume);
	ntfs_attr_search_ctx *ctx;
	VOLUME_INFORMATION *vi;

	assert_non_null(ni);
	ctx = ntfs_attr_get_search_ctx(ni, NULL);
	assert_non_null(ctx);
	assert_int_equal(ntfs_attr_lookup(AT_VOLUME_INFORMATION, AT_UNNAMED, 0, CASE_SENSITIVE,
					  0, NULL, 0, ctx), 0);
	vi = (VOLUME_INFORMATION *)((u8 *)ctx->attr + le16_to_cpu(ctx->attr->value_offset));
	vi->flags = cpu_to_le16(flags);
	ntfs_inode_mark_dirty(ctx->ntfs_ino);
	ntfs_attr_put_search_ctx(ctx);
	assert_int_equal(ntfs_inode_close(ni), 0);
	ntfs_umount(vol, FALSE);
}

/* ------------------------------------------------------------------------- */
/* a checker: every name with its streams, SD, attributes, times and links     */

struct rec {
	char path[1024];
	uint64_t mref, ctime, mtime, hash, sd_hash;
	uint32_t attrs;
	unsigned nlink, nstreams;
	bool is_dir;
};

struct recs {
	struct rec *v;
	size_t n;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static int rec_cb(const struct wr_ntfs_entry *e, void *ctx)
{
	struct recs *r = ctx;
	struct rec *x;
	struct wr_detail d = WR_DETAIL_INIT;

	r->v = realloc(r->v, (r->n + 1) * sizeof(*r->v));
	assert_non_null(r->v);
	x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->path, sizeof(x->path), "%s", e->path);
	x->mref = e->st.mft_ref;
	x->ctime = e->st.creation_time;
	x->mtime = e->st.modification_time;
	x->attrs = e->st.attributes;
	x->nlink = e->st.nlink;
	x->is_dir = e->st.is_dir;
	x->nstreams = (unsigned)e->nstreams;
	x->sd_hash = fnv(14695981039346656037ULL, e->security, e->security_len);
	x->hash = 14695981039346656037ULL;
	for (size_t i = 0; i < e->nstreams; i++) {
		char buf[65536];
		uint64_t off = 0;
		size_t got;

		x->hash = fnv(x->hash, e->streams[i].name, strlen(e->streams[i].name) + 1);
		do {
			assert_int_equal(wr_ntfs_entry_read(e, i, off, buf, sizeof(buf), &got, &d),
					 WR_OK);
			x->hash = fnv(x->hash, buf, got);
			off += got;
		} while (got);
		assert_int_equal(off, e->streams[i].size);
	}
	return WR_OK;
}

static void record(struct wr_ntfs *v, const char *path, struct recs *r)
{
	struct wr_detail d = WR_DETAIL_INIT;

	memset(r, 0, sizeof(*r));
	assert_int_equal(wr_ntfs_walk(v, path, rec_cb, r, &d), WR_OK);
}

static const struct rec *find_rec(const struct recs *r, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].path, path))
			return &r->v[i];
	return NULL;
}

/* Every record of a under old_prefix must be in b under new_prefix, identical. */
static void assert_moved_intact(const struct recs *a, const char *old_prefix,
				const struct recs *b, const char *new_prefix)
{
	size_t ol = strlen(old_prefix), checked = 0;

	for (size_t i = 0; i < a->n; i++) {
		char np[2048];
		const struct rec *x = &a->v[i], *y;

		if (strncmp(x->path, old_prefix, ol) || (x->path[ol] && x->path[ol] != '/'))
			continue;
		snprintf(np, sizeof(np), "%s%s", new_prefix, x->path + ol);
		y = find_rec(b, np);
		if (!y)
			fail_msg("'%s' is missing after the move (expected '%s')", x->path, np);
		assert_int_equal(x->mref, y->mref);
		assert_int_equal(x->hash, y->hash);
		assert_int_equal(x->sd_hash, y->sd_hash);
		assert_int_equal(x->attrs, y->attrs);
		assert_int_equal(x->ctime, y->ctime);
		assert_int_equal(x->mtime, y->mtime);
		assert_int_equal(x->nlink, y->nlink);
		assert_int_equal(x->nstreams, y->nstreams);
		if (strcmp(old_prefix, new_prefix))
			assert_null(find_rec(b, x->path));
		checked++;
	}
	assert_true(checked > 0);
}

static void ntfsfix_clean(const char *path)
{
	const char *argv[] = { "ntfsfix", "-n", path, NULL };
	char out[8192];

	assert_int_equal(mkimg_run(argv, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "processed successfully"));
}

/* ------------------------------------------------------------------------- */

static void test_probe_fresh_volume(void **state)
{
	(void)state;
	char img[4200], h1[65], h2[65];
	struct wr_volume_state st;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent ext;

	new_volume(img, sizeof(img), "fresh.img", 64 * MKIMG_MIB);
	ext = extent_of(img, 0);
	assert_int_equal(ext.size, 64 * MKIMG_MIB);
	sha(img, h1);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	sha(img, h2);
	assert_string_equal(h1, h2);
	assert_true(st.is_ntfs);
	assert_string_equal(st.fstype, "ntfs");
	assert_false(st.bitlocker);
	assert_false(st.hibernated);
	assert_false(st.fast_startup);
	assert_false(st.dirty);
	assert_false(st.chkdsk_pending);
	assert_string_equal(st.label, "TestVol");
	assert_true(st.size > 60 * MKIMG_MIB && st.size <= 64 * MKIMG_MIB);
	assert_true(st.free > 50 * MKIMG_MIB && st.free < st.size);
}

static void test_write_read_list_stat(void **state)
{
	(void)state;
	char img[4200], **names = NULL, host[4200];
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_ntfs_stat st;
	struct wr_detail d = WR_DETAIL_INIT;
	void *buf;
	size_t len;
	uint64_t bytes, files;
	struct wr_reader r;
	char chunk[8];
	static const char hive[] = "regf fake hive bytes";

	new_volume(img, sizeof(img), "rw.img", 64 * MKIMG_MIB);
	ext = extent_of(img, 0);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Windows", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "\\Windows\\System32", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "/windows/system32/config", &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "Windows/System32/config/SYSTEM", hive,
					    sizeof(hive) - 1, &d), WR_OK);
	/* Case-insensitive existence: Windows semantics. */
	assert_int_equal(wr_ntfs_mkdir(v, "WINDOWS", &d), WR_ERR_EXISTS);
	assert_int_equal(wr_ntfs_mkdir(v, "nope/sub", &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_ntfs_mkdir(v, "../escape", &d), WR_ERR_UNSAFE_PATH);
	wr_ntfs_close(v);

	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "WINDOWS\\SYSTEM32\\CONFIG\\system", &st, &d), WR_OK);
	assert_false(st.is_dir);
	assert_int_equal(st.size, sizeof(hive) - 1);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(wr_ntfs_stat(v, "Windows", &st, &d), WR_OK);
	assert_true(st.is_dir);
	assert_true(st.attributes & 0x10);
	assert_int_equal(wr_ntfs_read_file(v, "windows/system32/config/SYSTEM", 1024, &buf,
					   &len, &d), WR_OK);
	assert_int_equal(len, sizeof(hive) - 1);
	assert_memory_equal(buf, hive, len);
	free(buf);
	assert_int_equal(wr_ntfs_read_file(v, "windows/system32/config/SYSTEM", 4, &buf,
					   &len, &d), WR_ERR_TOO_LARGE);
	assert_int_equal(wr_ntfs_read_file(v, "Windows", 4, &buf, &len, &d),
			 WR_ERR_INVALID_ARG);
	assert_int_equal(wr_ntfs_read_file(v, "missing.txt", 4, &buf, &len, &d),
			 WR_ERR_NOT_FOUND);
	assert_string_equal(d.subject, "/missing.txt");
	/* Root listing: user entries only, no $MFT & co. */
	assert_int_equal(wr_ntfs_list(v, "/", &names, &d), WR_OK);
	assert_int_equal(wr_strv_len(names), 1);
	assert_string_equal(names[0], "Windows");
	wr_ntfs_list_free(names);
	/* Copy out for hivex. */
	snprintf(host, sizeof(host), "%s/SYSTEM.copy", tmp);
	assert_int_equal(wr_ntfs_copy_out(v, "Windows/System32/config/SYSTEM", host, &d), WR_OK);
	{
		FILE *f = fopen(host, "rb");
		char b[64] = "";

		assert_non_null(f);
		assert_int_equal(fread(b, 1, sizeof(b), f), sizeof(hive) - 1);
		fclose(f);
		assert_memory_equal(b, hive, sizeof(hive) - 1);
		unlink(host);
	}
	/* Reader: a byte range in place. */
	assert_int_equal(wr_ntfs_reader_open(v, "Windows/System32/config/SYSTEM", &r, &d), WR_OK);
	assert_int_equal(r.size, sizeof(hive) - 1);
	assert_int_equal(r.read_at(r.ctx, 5, chunk, 4), WR_OK);
	assert_memory_equal(chunk, "fake", 4);
	assert_int_not_equal(r.read_at(r.ctx, r.size - 2, chunk, 4), WR_OK);
	wr_ntfs_reader_close(&r);
	assert_int_equal(wr_ntfs_tree_size(v, "/", &bytes, &files, &d), WR_OK);
	assert_int_equal(files, 1);
	assert_int_equal(bytes, sizeof(hive) - 1);
	/* Read-only volumes refuse writes. */
	assert_int_equal(wr_ntfs_mkdir(v, "Other", &d), WR_ERR_INVALID_ARG);
	/* A reader left open is closed with the volume. */
	assert_int_equal(wr_ntfs_reader_open(v, "Windows/System32/config/SYSTEM", &r, &d), WR_OK);
	wr_ntfs_close(v);
	assert_null(r.ctx);
	wr_ntfs_reader_close(&r);
	ntfsfix_clean(img);
}

/* wr_ntfs_write_from: a file bigger than one chunk, streamed from a file of another
 * volume, replacing a longer file; read back by ntfscat, a tool outside the engine. */
static void test_write_from_another_volume(void **state)
{
	(void)state;
	char src_img[4200], dst_img[4200], out[4200];
	const size_t size = 3 * 1024 * 1024 + 12345;	/* 3 chunks and a bit */
	unsigned char *data = malloc(size), *back = NULL;
	struct wr_extent se, de;
	struct wr_ntfs *src, *dst;
	struct wr_reader r;
	struct wr_detail d = WR_DETAIL_INIT;
	uint32_t x = 2463534242u;
	FILE *f;

	assert_non_null(data);
	for (size_t i = 0; i < size; i++) {	/* xorshift: nothing a sparse write hides */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	new_volume(src_img, sizeof(src_img), "src.img", 32 * MKIMG_MIB);
	new_volume(dst_img, sizeof(dst_img), "dst.img", 32 * MKIMG_MIB);
	se = extent_of(src_img, 0);
	de = extent_of(dst_img, 0);
	assert_int_equal(wr_ntfs_open(&se, WR_NTFS_RDWR, &src, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(src, "Winre.wim", data, size, &d), WR_OK);
	wr_ntfs_close(src);
	assert_int_equal(wr_ntfs_open(&de, WR_NTFS_RDWR, &dst, &d), WR_OK);
	/* An older, longer file of that name: replaced, not overlaid. */
	memset(data + size / 2, 0, 16);
	assert_int_equal(wr_ntfs_write_file(dst, "WINRE.WIM", data, size, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(dst, "pad", data, 4096, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&se, WR_NTFS_RDONLY, &src, &d), WR_OK);
	assert_int_equal(wr_ntfs_reader_open(src, "winre.wim", &r, &d), WR_OK);
	r.size -= 7;	/* a shorter copy than what is there */
	assert_int_equal(wr_ntfs_write_from(dst, "Winre.wim", &r, &d), WR_OK);
	wr_ntfs_reader_close(&r);
	wr_ntfs_close(src);
	wr_ntfs_close(dst);

	/* The bytes, from outside the engine. */
	snprintf(out, sizeof(out), "%s/copied", tmp);
	{
		const char *argv[] = { "ntfscat", dst_img, "/WINRE.WIM", NULL };	/* the stored name kept */

		assert_int_equal(mkimg_run_to_file(argv, out), 0);
	}
	f = fopen(out, "rb");
	assert_non_null(f);
	back = malloc(size);
	assert_non_null(back);
	assert_int_equal(fread(back, 1, size, f), size - 7);
	fclose(f);
	/* The source as it was written (before the damage made to the old copy). */
	x = 2463534242u;
	for (size_t i = 0; i < size - 7; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (back[i] != (unsigned char)x)
			fail_msg("byte %zu differs", i);
	}
	free(back);
	free(data);
	ntfsfix_clean(dst_img);
}

static void test_list_odd_names(void **state)
{
	(void)state;
	char img[4200], **names = NULL;
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_detail d = WR_DETAIL_INIT;
	ntfs_volume *raw;
	ntfs_inode *root, *ni;
	/* "a" + unpaired high surrogate + "b": legal in NTFS, not valid UTF-16. */
	ntfschar bad[3] = { const_cpu_to_le16('a'), const_cpu_to_le16(0xD800),
			    const_cpu_to_le16('b') };
	bool saw_bad = false, saw_jp = false, saw_prog = false;

	new_volume(img, sizeof(img), "names.img", 32 * MKIMG_MIB);
	ext = extent_of(img, 0);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Program Files", &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "日本語のファイル.txt", "x", 1, &d), WR_OK);
	wr_ntfs_close(v);
	raw = raw_mount(img);
	raw_set_dos(raw, "/Program Files", "/", "PROGRA~1");
	root = ntfs_inode_open(raw, FILE_root);
	assert_non_null(root);
	ni = ntfs_create(root, const_cpu_to_le32(0), bad, 3, S_IFREG);
	assert_non_null(ni);
	ntfs_inode_close(ni);
	ntfs_inode_close(root);
	ntfs_umount(raw, FALSE);

	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_list(v, "/", &names, &d), WR_OK);
	assert_int_equal(wr_strv_len(names), 3);	/* no PROGRA~1 duplicate */
	for (char **p = names; *p; p++) {
		if (!strcmp(*p, "a\xEF\xBF\xBD" "b"))
			saw_bad = true;
		if (!strcmp(*p, "日本語のファイル.txt"))
			saw_jp = true;
		if (!strcmp(*p, "Program Files"))
			saw_prog = true;
		assert_string_not_equal(*p, "PROGRA~1");
	}
	assert_true(saw_bad && saw_jp && saw_prog);
	wr_ntfs_list_free(names);
	wr_ntfs_close(v);
}

/* Build the refresh-like tree of the move tests. */
static void build_tree(const char *img)
{
	struct wr_extent ext = extent_of(img, 0);
	struct wr_ntfs *v;
	struct wr_detail d = WR_DETAIL_INIT;
	ntfs_volume *raw;
	static const char doc[] = "My photos are precious.";

	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Users", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Users/Alice", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Users/Alice/Documents", &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "Users/Alice/Documents/letter.txt", doc,
					    sizeof(doc) - 1, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "Users/Alice/NTUSER.DAT", "regf", 4, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Program Files", &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "Program Files/app.exe", "MZ", 2, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Data", &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "Data/keep.txt", "keep", 4, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Users/Alice/Link", &d), WR_OK);
	wr_ntfs_close(v);

	raw = raw_mount(img);
	raw_add_stream(raw, "/Users/Alice/Documents/letter.txt", "Zone.Identifier",
		       "[ZoneTransfer]\r\nZoneId=3\r\n");
	raw_hardlink(raw, "/Users/Alice/Documents/letter.txt", "/Users/Alice", "letter-link.txt");
	raw_hardlink(raw, "/Users/Alice/NTUSER.DAT", "/Data", "ntuser-link.dat");
	raw_set_dos(raw, "/Program Files", "/", "PROGRA~1");
	raw_make_junction(raw, "/Users/Alice/Link", "\\Data");
	raw_set_sd(raw, "/Users/Alice/Documents/letter.txt");
	ntfs_umount(raw, FALSE);
}

static void test_move_keeps_everything(void **state)
{
	(void)state;
	char img[4200], dos[64];
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_ntfs_stat st, st2;
	struct wr_detail d = WR_DETAIL_INIT;
	struct recs before, after;
	ntfs_volume *raw;

	new_volume(img, sizeof(img), "move.img", 64 * MKIMG_MIB);
	build_tree(img);
	ext = extent_of(img, 0);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	record(v, "/", &before);
	{
		const struct rec *x = find_rec(&before, "/Users/Alice/Documents/letter.txt");

		assert_non_null(x);
		assert_int_equal(x->nlink, 2);
		assert_int_equal(x->nstreams, 2);
		x = find_rec(&before, "/Users/Alice/Link");
		assert_non_null(x);
		/* The junction is reported, not entered: /Data is not seen twice. */
		assert_null(find_rec(&before, "/Users/Alice/Link/keep.txt"));
	}
	assert_int_equal(wr_ntfs_stat(v, "Users/Alice/Link", &st, &d), WR_OK);
	assert_true(st.is_reparse);
	assert_int_equal(st.reparse_tag, 0xA0000003u);

	assert_int_equal(wr_ntfs_mkdir(v, "Windows.old", &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Users", &st, &d), WR_OK);
	assert_int_equal(wr_ntfs_move(v, "Users", "Windows.old/Users", &d), WR_OK);
	assert_int_equal(wr_ntfs_move(v, "/program files", "\\Windows.old\\Program Files", &d),
			 WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Windows.old/USERS", &st2, &d), WR_OK);
	assert_int_equal(st.mft_ref, st2.mft_ref);
	assert_int_equal(wr_ntfs_stat(v, "Users", &st, &d), WR_ERR_NOT_FOUND);
	record(v, "/", &after);
	assert_moved_intact(&before, "/Users", &after, "/Windows.old/Users");
	assert_moved_intact(&before, "/Program Files", &after, "/Windows.old/Program Files");
	assert_moved_intact(&before, "/Data", &after, "/Data");
	{
		int found = 0;

		/* Its own security descriptor, byte for byte, under both its names. */
		assert_int_equal(wr_ntfs_walk(v, "/", find_sd_cb, &found, &d), WR_OK);
		assert_int_equal(found, 2);
	}
	wr_ntfs_close(v);
	free(before.v);
	free(after.v);

	/* The DOS name came along; the volume is consistent for ntfs-3g's tools. */
	raw = raw_mount(img);
	assert_true(raw_get_dos(raw, "/Windows.old/Program Files", "/Windows.old", dos,
				sizeof(dos)) > 0);
	assert_string_equal(dos, "PROGRA~1");
	ntfs_umount(raw, FALSE);
	ntfsfix_clean(img);
}

static void test_move_refusals(void **state)
{
	(void)state;
	char img[4200], h1[65], h2[65];
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_ntfs_stat st, st2;
	struct wr_detail d = WR_DETAIL_INIT;

	new_volume(img, sizeof(img), "refuse.img", 64 * MKIMG_MIB);
	build_tree(img);
	ext = extent_of(img, 0);
	sha(img, h1);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	/* Into itself, however spelled. */
	assert_int_equal(wr_ntfs_move(v, "Users", "Users/Alice/Users", &d), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_ntfs_move(v, "Users", "USERS/alice/x", &d), WR_ERR_INVALID_ARG);
	/* Existing target, in another case. */
	assert_int_equal(wr_ntfs_move(v, "Data", "program files", &d), WR_ERR_EXISTS);
	assert_int_equal(wr_ntfs_move(v, "Data/keep.txt", "Data/KEEP.TXT", &d), WR_OK);
	assert_int_equal(wr_ntfs_move(v, "Data/keep.txt", "Data/ntuser-link.dat", &d),
			 WR_ERR_EXISTS);
	assert_int_equal(wr_ntfs_move(v, "Nothing", "Data/x", &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_ntfs_move(v, "Data", "Nowhere/Data", &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_ntfs_move(v, "/", "Data/root", &d), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_ntfs_move(v, "Data", "Data/keep.txt/x", &d), WR_ERR_INVALID_ARG);
	wr_ntfs_close(v);
	/* KEEP.TXT case-only rename was the only change. */
	sha(img, h2);
	assert_string_not_equal(h1, h2);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_OK);
	{
		char **names = NULL;

		assert_int_equal(wr_ntfs_list(v, "Data", &names, &d), WR_OK);
		assert_int_equal(wr_strv_len(names), 2);
		assert_true(!strcmp(names[0], "KEEP.TXT") || !strcmp(names[1], "KEEP.TXT"));
		wr_ntfs_list_free(names);
	}
	assert_int_equal(wr_ntfs_stat(v, "Data/keep.txt", &st, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Users/Alice/Documents/letter.txt", &st2, &d), WR_OK);
	assert_int_equal(st2.nlink, 2);
	wr_ntfs_close(v);
	ntfsfix_clean(img);
}

/* A move cut short after the link (both names on one inode) is completed by moving
 * again; a DOS alias is never taken for such a second name. */
static void test_complete_interrupted_move(void **state)
{
	(void)state;
	char img[4200], dos[64];
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_ntfs_stat st, st2;
	struct wr_detail d = WR_DETAIL_INIT;
	ntfs_volume *raw;

	new_volume(img, sizeof(img), "half.img", 64 * MKIMG_MIB);
	build_tree(img);
	ext = extent_of(img, 0);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Windows.old", &d), WR_OK);
	/* Its own DOS alias, and another file's, are existing names. */
	assert_int_equal(wr_ntfs_move(v, "Program Files", "PROGRA~1", &d), WR_ERR_EXISTS);
	assert_int_equal(wr_ntfs_move(v, "Data", "progra~1", &d), WR_ERR_EXISTS);
	assert_int_equal(wr_ntfs_stat(v, "Program Files/app.exe", &st, &d), WR_OK);
	wr_ntfs_close(v);

	raw = raw_mount(img);
	raw_hardlink(raw, "/Program Files", "/Windows.old", "Program Files");
	raw_hardlink(raw, "/Data/keep.txt", "/Data", "kept.txt");
	ntfs_umount(raw, FALSE);

	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Program Files", &st, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Windows.old/Program Files", &st2, &d), WR_OK);
	assert_int_equal(st.mft_ref, st2.mft_ref);
	assert_int_equal(wr_ntfs_move(v, "Program Files", "Windows.old/Program Files", &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Program Files", &st, &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_ntfs_stat(v, "Windows.old/Program Files/app.exe", &st, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Windows.old/Program Files", &st, &d), WR_OK);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(wr_ntfs_move(v, "Data/keep.txt", "Data/kept.txt", &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Data/keep.txt", &st, &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_ntfs_stat(v, "Data/kept.txt", &st, &d), WR_OK);
	assert_int_equal(st.nlink, 1);
	wr_ntfs_close(v);
	raw = raw_mount(img);
	assert_true(raw_get_dos(raw, "/Windows.old/Program Files", "/Windows.old", dos,
				sizeof(dos)) > 0);
	assert_string_equal(dos, "PROGRA~1");
	ntfs_umount(raw, FALSE);
	ntfsfix_clean(img);
}

/* A folder entry for name in dir pointing at path's file, without the file carrying
 * that name: what a link cut short by a crash leaves (the index was written, the
 * file's record was not). */
static void raw_stray_link(ntfs_volume *vol, const char *path, const char *dir,
			   const char *name)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	ntfs_inode *dn = ntfs_pathname_to_inode(vol, NULL, dir);
	ntfschar *u;
	int ul = ucs(name, &u);
	size_t fnlen = sizeof(FILE_NAME_ATTR) + (size_t)ul * sizeof(ntfschar);
	FILE_NAME_ATTR *fn = calloc(1, fnlen);

	assert_non_null(ni);
	assert_non_null(dn);
	assert_non_null(fn);
	fn->parent_directory = MK_LE_MREF(dn->mft_no, le16_to_cpu(dn->mrec->sequence_number));
	fn->file_name_length = (u8)ul;
	fn->file_name_type = FILE_NAME_POSIX;
	fn->file_attributes = (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY)
		? FILE_ATTR_I30_INDEX_PRESENT : FILE_ATTR_ARCHIVE;
	memcpy((u8 *)fn + offsetof(FILE_NAME_ATTR, file_name), u,
	       (size_t)ul * sizeof(ntfschar));
	assert_int_equal(ntfs_index_add_filename(dn, fn, MK_MREF(ni->mft_no,
			 le16_to_cpu(ni->mrec->sequence_number))), 0);
	free(fn);
	free(u);
	assert_int_equal(ntfs_inode_close(dn), 0);
	assert_int_equal(ntfs_inode_close(ni), 0);
}

/* A file whose record is then marked free while its folder entry stays: a create
 * cut short by a crash. */
static void raw_ghost(ntfs_volume *vol, const char *dir, const char *name)
{
	ntfs_inode *dn = ntfs_pathname_to_inode(vol, NULL, dir);
	ntfschar *u;
	int ul = ucs(name, &u);
	ntfs_inode *ni;
	MFT_RECORD *m = malloc(vol->mft_record_size);
	u64 no;

	assert_non_null(dn);
	assert_non_null(m);
	ni = ntfs_create(dn, 0, u, (u8)ul, S_IFREG);
	assert_non_null(ni);
	no = ni->mft_no;
	assert_int_equal(ntfs_inode_close(ni), 0);
	assert_int_equal(ntfs_inode_close(dn), 0);
	assert_int_equal(ntfs_mft_record_read(vol, no, m), 0);
	m->flags &= ~MFT_RECORD_IN_USE;
	assert_int_equal(ntfs_mft_record_write(vol, no, m), 0);
	free(m);
	free(u);
}

/* What a crash inside the library leaves is recognised and removed - and only that:
 * the old name of a file whose new name is a stray entry is not deleted (that would
 * delete the file), good entries stay, and trees holding stray entries can be
 * deleted. */
static void test_stray_entries(void **state)
{
	(void)state;
	char img[4200];
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_ntfs_stat st;
	struct wr_detail d = WR_DETAIL_INIT;
	ntfs_volume *raw;
	char **names = NULL;
	bool dropped = true;
	void *buf = NULL;
	size_t n = 0;

	new_volume(img, sizeof(img), "stray.img", 64 * MKIMG_MIB);
	build_tree(img);
	ext = extent_of(img, 0);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Windows.old", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Scratch", &d), WR_OK);
	wr_ntfs_close(v);

	raw = raw_mount(img);
	raw_stray_link(raw, "/Program Files", "/Windows.old", "Program Files");
	raw_ghost(raw, "/Data", "ghost.txt");
	raw_ghost(raw, "/Scratch", "half-applied.dll");
	ntfs_umount(raw, FALSE);

	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	/* Good entries are left alone. */
	assert_int_equal(wr_ntfs_drop_stray_entry(v, "Program Files", &dropped, &d), WR_OK);
	assert_false(dropped);
	assert_int_equal(wr_ntfs_drop_stray_entry(v, "Data/keep.txt", &dropped, &d), WR_OK);
	assert_false(dropped);
	/* The half link: the folder shows the name, the file does not carry it. */
	assert_int_equal(wr_ntfs_stat(v, "Windows.old/Program Files", &st, &d), WR_OK);
	assert_int_equal(wr_ntfs_drop_stray_entry(v, "Windows.old/Program Files", &dropped, &d),
			 WR_OK);
	assert_true(dropped);
	assert_int_equal(wr_ntfs_stat(v, "Windows.old/Program Files", &st, &d), WR_ERR_NOT_FOUND);
	/* ... and the file is whole under its old name, and can now be moved. */
	assert_int_equal(wr_ntfs_read_file(v, "Program Files/app.exe", 16, &buf, &n, &d), WR_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "MZ", 2);
	free(buf);
	assert_int_equal(wr_ntfs_move(v, "Program Files", "Windows.old/Program Files", &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Windows.old/Program Files/app.exe", &st, &d), WR_OK);
	/* The ghost of a create: listed, cannot be opened, removed. */
	assert_int_equal(wr_ntfs_list(v, "Data", &names, &d), WR_OK);
	{
		bool seen = false;

		for (size_t i = 0; names[i]; i++)
			seen |= !strcmp(names[i], "ghost.txt");
		assert_true(seen);
	}
	wr_ntfs_list_free(names);
	assert_int_not_equal(wr_ntfs_stat(v, "Data/ghost.txt", &st, &d), WR_OK);
	assert_int_equal(wr_ntfs_drop_stray_entry(v, "Data/ghost.txt", &dropped, &d), WR_OK);
	assert_true(dropped);
	assert_int_equal(wr_ntfs_list(v, "Data", &names, &d), WR_OK);
	for (size_t i = 0; names[i]; i++)
		assert_string_not_equal(names[i], "ghost.txt");
	wr_ntfs_list_free(names);
	assert_int_equal(wr_ntfs_stat(v, "Data/keep.txt", &st, &d), WR_OK);
	/* A tree with a ghost in it is deleted whole. */
	assert_int_equal(wr_ntfs_delete_tree(v, "Scratch", &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Scratch", &st, &d), WR_ERR_NOT_FOUND);
	wr_ntfs_close(v);
}

/* What a kill inside libntfs-3g's DOS-name update leaves after a move: the file in
 * its new folder under a DOS name alone (the short name added, the long one deleted,
 * not yet added back), its old name already gone. */
static void raw_dos_only(ntfs_volume *vol, const char *path, const char *dir, const char *dos)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	ntfs_inode *dn = ntfs_pathname_to_inode(vol, NULL, dir);
	ntfs_inode *root = ntfs_pathname_to_inode(vol, NULL, "/");
	const char *leaf = strrchr(path, '/') + 1;
	ntfschar *u, *lu;
	int ul = ucs(dos, &u), ll = ucs(leaf, &lu);
	size_t fnlen = sizeof(FILE_NAME_ATTR) + (size_t)ul * sizeof(ntfschar);
	FILE_NAME_ATTR *fn = calloc(1, fnlen);
	MFT_REF mref;

	assert_non_null(ni);
	assert_non_null(dn);
	assert_non_null(root);
	assert_non_null(fn);
	mref = MK_MREF(ni->mft_no, le16_to_cpu(ni->mrec->sequence_number));
	fn->parent_directory = MK_LE_MREF(dn->mft_no, le16_to_cpu(dn->mrec->sequence_number));
	fn->file_name_length = (u8)ul;
	fn->file_name_type = FILE_NAME_DOS;
	fn->file_attributes = FILE_ATTR_I30_INDEX_PRESENT;
	memcpy((u8 *)fn + offsetof(FILE_NAME_ATTR, file_name), u, (size_t)ul * sizeof(ntfschar));
	assert_int_equal(ntfs_attr_add(ni, AT_FILE_NAME, AT_UNNAMED, 0, (u8 *)fn, (s64)fnlen), 0);
	ni->mrec->link_count = cpu_to_le16(le16_to_cpu(ni->mrec->link_count) + 1);
	ntfs_inode_mark_dirty(ni);
	assert_int_equal(ntfs_index_add_filename(dn, fn, mref), 0);
	assert_int_equal(ntfs_inode_close(dn), 0);
	/* The old long name (and its DOS twin) go; ntfs_delete closes both inodes. */
	assert_int_equal(ntfs_delete(vol, path, ni, root, lu, (u8)ll), 0);
	free(fn);
	free(u);
	free(lu);
}

/* The link count in path's MFT record, as chkdsk and ntfsdump read it. */
static int raw_link_count(const char *img, const char *path)
{
	ntfs_volume *vol = raw_mount(img);
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	int n;

	assert_non_null(ni);
	n = le16_to_cpu(ni->mrec->link_count);
	ntfs_inode_close(ni);
	ntfs_umount(vol, FALSE);
	return n;
}

static void test_relink_long_name(void **state)
{
	(void)state;
	char img[4200];
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_ntfs_stat st;
	struct wr_detail d = WR_DETAIL_INIT;
	ntfs_volume *raw;
	bool relinked = false;
	void *buf = NULL;
	size_t n = 0;

	new_volume(img, sizeof(img), "dosonly.img", 64 * MKIMG_MIB);
	build_tree(img);
	ext = extent_of(img, 0);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Windows.old", &d), WR_OK);
	assert_int_equal(wr_ntfs_move(v, "Users", "Windows.old/Users", &d), WR_OK);
	wr_ntfs_close(v);
	raw = raw_mount(img);
	raw_dos_only(raw, "/Program Files", "/Windows.old", "PROGRA~1");
	ntfs_umount(raw, FALSE);

	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Program Files", &st, &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_ntfs_stat(v, "Windows.old/Program Files", &st, &d), WR_ERR_NOT_FOUND);
	/* A name that is there, or a folder with no DOS-only file: nothing done. */
	assert_int_equal(wr_ntfs_relink_long_name(v, "Windows.old/Users", &relinked, &d), WR_OK);
	assert_false(relinked);
	assert_int_equal(wr_ntfs_relink_long_name(v, "Data/missing.txt", &relinked, &d), WR_OK);
	assert_false(relinked);
	/* The file gets its long name back, whole. */
	assert_int_equal(wr_ntfs_relink_long_name(v, "Windows.old/Program Files", &relinked, &d),
			 WR_OK);
	assert_true(relinked);
	assert_int_equal(wr_ntfs_read_file(v, "Windows.old/Program Files/app.exe", 16, &buf, &n,
					   &d), WR_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "MZ", 2);
	free(buf);
	assert_int_equal(wr_ntfs_relink_long_name(v, "Windows.old/Program Files", &relinked, &d),
			 WR_OK);
	assert_false(relinked);
	/* One long name and its DOS partner: one link, whatever the half-done update
	 * left counted. */
	{
		bool fixed = false;

		assert_int_equal(wr_ntfs_stat(v, "Windows.old/Program Files", &st, &d), WR_OK);
		assert_int_equal(st.nlink, 1);	/* one long name */
		wr_ntfs_close(v);
		assert_int_equal(raw_link_count(img, "/Windows.old/Program Files"), 2);
		assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
		assert_int_equal(wr_ntfs_fix_link_count(v, "Windows.old/Program Files", &fixed, &d),
				 WR_OK);
		assert_true(fixed);
		assert_int_equal(wr_ntfs_fix_link_count(v, "Windows.old/Program Files", &fixed, &d),
				 WR_OK);
		assert_false(fixed);
		wr_ntfs_close(v);
		assert_int_equal(raw_link_count(img, "/Windows.old/Program Files"), 1);
	}
	ntfsfix_clean(img);
}

static void test_rename_in_place_and_delete_tree(void **state)
{
	(void)state;
	char img[4200];
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_ntfs_stat st;
	struct wr_detail d = WR_DETAIL_INIT;
	void *buf;
	size_t len;

	new_volume(img, sizeof(img), "del.img", 64 * MKIMG_MIB);
	build_tree(img);
	ext = extent_of(img, 0);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	/* Windows.old -> Windows.old.000, the refresh's first step on a second run. */
	assert_int_equal(wr_ntfs_mkdir(v, "Windows.old", &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "Windows.old/old.txt", "o", 1, &d), WR_OK);
	assert_int_equal(wr_ntfs_move(v, "Windows.old", "Windows.old.000", &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Windows.old.000/old.txt", &st, &d), WR_OK);
	/* Renamed to new long names, a Win32+DOS name keeps a (new) DOS partner. */
	assert_int_equal(wr_ntfs_move(v, "Program Files", "Progs", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Program Files", &d), WR_OK);
	wr_ntfs_close(v);
	{
		ntfs_volume *raw = raw_mount(img);
		char dos[64];

		raw_set_dos(raw, "/Program Files", "/", "PROGRA~1");
		assert_true(raw_get_dos(raw, "/Progs", "/", dos, sizeof(dos)) > 0);
		assert_string_equal(dos, "PROGS");
		ntfs_umount(raw, FALSE);
	}
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_move(v, "Program Files", "Program Files (x86)", &d), WR_OK);
	wr_ntfs_close(v);
	{
		ntfs_volume *raw = raw_mount(img);
		char dos[64];

		assert_true(raw_get_dos(raw, "/Program Files (x86)", "/", dos, sizeof(dos)) > 0);
		assert_string_equal(dos, "PROGRA~1");
		ntfs_umount(raw, FALSE);
	}
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	/* Deleting the user tree removes the junction, not what it points to. */
	assert_int_equal(wr_ntfs_delete_tree(v, "Users", &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(v, "Users", &st, &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_ntfs_read_file(v, "Data/keep.txt", 64, &buf, &len, &d), WR_OK);
	assert_int_equal(len, 4);
	free(buf);
	/* The hard link in /Data to Users/Alice/NTUSER.DAT survives with one link. */
	assert_int_equal(wr_ntfs_stat(v, "Data/ntuser-link.dat", &st, &d), WR_OK);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(wr_ntfs_unlink(v, "Data", &d), WR_ERR_EXISTS);	/* not empty */
	assert_int_equal(wr_ntfs_unlink(v, "Data/ntuser-link.dat", &d), WR_OK);
	assert_int_equal(wr_ntfs_delete_tree(v, "Nothing", &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_ntfs_delete_tree(v, "/", &d), WR_ERR_INVALID_ARG);
	/* Replace a file's content. */
	assert_int_equal(wr_ntfs_write_file(v, "Data/keep.txt", "new content", 11, &d), WR_OK);
	assert_int_equal(wr_ntfs_read_file(v, "Data/keep.txt", 64, &buf, &len, &d), WR_OK);
	assert_int_equal(len, 11);
	assert_memory_equal(buf, "new content", 11);
	free(buf);
	assert_int_equal(wr_ntfs_write_file(v, "Data", "x", 1, &d), WR_ERR_EXISTS);
	wr_ntfs_close(v);
	ntfsfix_clean(img);
}

static void test_hibernated_and_dirty(void **state)
{
	(void)state;
	char img[4200], h1[65], h2[65];
	struct wr_extent ext;
	struct wr_ntfs *v = NULL;
	struct wr_volume_state st;
	struct wr_detail d = WR_DETAIL_INIT;
	char hib[8192];

	new_volume(img, sizeof(img), "hib.img", 64 * MKIMG_MIB);
	ext = extent_of(img, 0);
	memset(hib, 0, sizeof(hib));
	memcpy(hib, "wake", 4);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "hiberfil.sys", hib, sizeof(hib), &d), WR_OK);
	wr_ntfs_close(v);
	/* "wake": resumed already, not hibernated. */
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_false(st.hibernated);
	/* A hiberfil.sys shorter than its header: libntfs-3g refuses to write, and so
	 * do we, until the person agrees to discard it. */
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "hiberfil.sys", "hibr", 4, &d), WR_OK);
	wr_ntfs_close(v);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_ERR_HIBERNATED);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_true(st.hibernated);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR | WR_NTFS_IGNORE_HIBERFILE, &v, &d),
			 WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "hiberfil.sys", hib, sizeof(hib), &d), WR_OK);
	wr_ntfs_close(v);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_false(st.hibernated);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	memcpy(hib, "HIBR", 4);
	assert_int_equal(wr_ntfs_write_file(v, "HIBERFIL.SYS", hib, sizeof(hib), &d), WR_OK);
	wr_ntfs_close(v);

	sha(img, h1);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_true(st.hibernated);
	assert_false(st.dirty);
	/* Read-only works (inspection); read-write is refused with the reason. */
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_OK);
	wr_ntfs_close(v);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_ERR_HIBERNATED);
	assert_null(v);
	sha(img, h2);
	assert_string_equal(h1, h2);
	/* With consent the session can be discarded. */
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR | WR_NTFS_IGNORE_HIBERFILE, &v, &d),
			 WR_OK);
	assert_int_equal(wr_ntfs_unlink(v, "hiberfil.sys", &d), WR_OK);
	wr_ntfs_close(v);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_false(st.hibernated);

	/* Dirty is bit 0x0001 only. */
	raw_set_volume_flags(img, 0x0080);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_int_equal(st.volume_flags & 0x0080, 0x0080);
	assert_false(st.dirty);
	raw_set_volume_flags(img, 0x0081);
	sha(img, h1);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	sha(img, h2);
	assert_string_equal(h1, h2);
	assert_true(st.dirty);
	assert_true(st.chkdsk_pending);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_clear_dirty(v, &d), WR_OK);
	wr_ntfs_close(v);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_false(st.dirty);
	assert_int_equal(st.volume_flags & 0x0080, 0x0080);
}

static void windows_disk(char *raw, size_t len)
{
	char src[4200];
	const char *td = getenv("WINRESCUE_TESTDATA");

	snprintf(src, sizeof(src), "%s/ntfs/ntfs_index.raw.gz", td ? td : "../shared/testdata");
	path_in(raw, len, "ntfs_index.raw");
	assert_int_equal(mkimg_decompress(src, raw), 0);
}

static void test_windows_made_disk(void **state)
{
	(void)state;
	char raw[4200], h1[65], h2[65], **names = NULL;
	struct wr_extent ext;
	struct wr_volume_state st;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs *v;

	windows_disk(raw, sizeof(raw));
	sha(raw, h1);
	ext = extent_of(raw, 1);
	assert_int_equal(ext.offset, 128 * 512);
	assert_int_equal(ext.partition, 1);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_true(st.is_ntfs);
	assert_int_equal(st.volume_flags & 0x0080, 0x0080);
	assert_false(st.dirty);
	assert_false(st.hibernated);
	assert_false(st.fast_startup);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_list(v, "/", &names, &d), WR_OK);
	assert_true(wr_strv_len(names) > 0);
	wr_ntfs_list_free(names);
	wr_ntfs_close(v);
	sha(raw, h2);
	assert_string_equal(h1, h2);
	/* Partition 2 does not exist; partition 0 (the whole disk) is not NTFS. */
	assert_int_equal(wr_blockdev_resolve(raw, 2, &ext, &d), WR_ERR_NO_SUCH_PARTITION);
	ext = extent_of(raw, 0);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_ERR_NOT_NTFS);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_ERR_NOT_NTFS);
	sha(raw, h2);
	assert_string_equal(h1, h2);
	unlink(raw);
}

/* Windows 8+ Fast Startup leaves the $LogFile restart pages at version 2.0. */
static void test_fast_startup(void **state)
{
	(void)state;
	char raw[4200], h1[65], h2[65];
	struct wr_extent ext;
	struct wr_volume_state st;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs *v = NULL;
	int fd, patched = 0;
	static uint8_t buf[1 << 20];

	windows_disk(raw, sizeof(raw));
	fd = open(raw, O_RDWR);
	assert_true(fd >= 0);
	for (off_t off = 0;; off += sizeof(buf)) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n <= 0)
			break;
		for (ssize_t i = 0; i + 0x20 <= n; i += 512) {
			if (memcmp(buf + i, "RSTR", 4))
				continue;
			uint8_t ver[4] = { 0, 0, 2, 0 };	/* minor 0, major 2 */

			assert_int_equal(buf[i + 0x1A], 1);
			assert_int_equal(buf[i + 0x1C], 1);
			assert_int_equal(pwrite(fd, ver, 4, off + i + 0x1A), 4);
			patched++;
		}
	}
	close(fd);
	assert_int_equal(patched, 2);
	ext = extent_of(raw, 1);
	sha(raw, h1);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_true(st.fast_startup);
	assert_false(st.hibernated);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_ERR_FAST_STARTUP);
	assert_null(v);
	sha(raw, h2);
	assert_string_equal(h1, h2);
	unlink(raw);
}

static void test_bitlocker_volumes(void **state)
{
	(void)state;
	char dir[4200], conf[4400], line[512], sect[256] = "";
	const char *td = getenv("WINRESCUE_TESTDATA");
	char src[4200];
	const char *argv[] = { "tar", "-xJf", src, "-C", dir, NULL };
	FILE *f;
	int n = 0, togo = 0;

	snprintf(src, sizeof(src), "%s/bitlocker/bitlk-images.tar.xz",
		 td ? td : "../shared/testdata");
	path_in(dir, sizeof(dir), "bitlk");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
	snprintf(conf, sizeof(conf), "%s/bitlk-images/images.conf", dir);
	f = fopen(conf, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char img[4600], h1[65], h2[65];
		struct wr_extent ext;
		struct wr_volume_state st;
		struct wr_detail d = WR_DETAIL_INIT;
		struct wr_ntfs *v = NULL;
		bool is_togo;

		if (sscanf(line, "[%255[^]]]", sect) != 1)
			continue;
		snprintf(img, sizeof(img), "%s/bitlk-images/%s.img", dir, sect);
		is_togo = strstr(sect, "togo") != NULL;
		ext = extent_of(img, 0);
		sha(img, h1);
		assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
		if (!st.bitlocker || st.bitlocker_to_go != is_togo)
			fail_msg("%s: bitlocker %d to_go %d", sect, st.bitlocker,
				 st.bitlocker_to_go);
		assert_string_equal(st.fstype, "BitLocker");
		assert_false(st.is_ntfs);
		assert_int_equal(st.size, (uint64_t)ext.size);
		assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_ERR_BITLOCKER);
		assert_null(v);
		sha(img, h2);
		assert_string_equal(h1, h2);
		n++;
		togo += is_togo;
	}
	fclose(f);
	assert_int_equal(n, 21);
	assert_int_equal(togo, 2);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	char img[4200], h1[65], h2[65];
	struct wr_extent ext;
	struct wr_volume_state st;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs *v = NULL;
	int fd;

	/* An empty file. */
	path_in(img, sizeof(img), "empty.img");
	assert_int_equal(mkimg_file(img, 0), 0);
	ext = extent_of(img, 0);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_ERR_NOT_NTFS);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_ERR_NOT_NTFS);
	assert_null(v);
	/* FAT32. */
	if (mkimg_have("mkfs.vfat")) {
		path_in(img, sizeof(img), "fat.img");
		assert_int_equal(mkimg_vfat(img, 40 * MKIMG_MIB, "USBSTICK"), 0);
		ext = extent_of(img, 0);
		sha(img, h1);
		assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_ERR_NOT_NTFS);
		assert_string_equal(st.fstype, "vfat");
		assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_ERR_NOT_NTFS);
		sha(img, h2);
		assert_string_equal(h1, h2);
	}
	/* Random bytes. */
	path_in(img, sizeof(img), "random.img");
	{
		FILE *r = fopen("/dev/urandom", "rb"), *w = fopen(img, "wb");
		char b[65536];

		assert_non_null(r);
		assert_non_null(w);
		for (int i = 0; i < 16; i++) {
			assert_int_equal(fread(b, 1, sizeof(b), r), sizeof(b));
			assert_int_equal(fwrite(b, 1, sizeof(b), w), sizeof(b));
		}
		fclose(r);
		fclose(w);
	}
	ext = extent_of(img, 0);
	sha(img, h1);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_ERR_NOT_NTFS);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_ERR_NOT_NTFS);
	sha(img, h2);
	assert_string_equal(h1, h2);
	/* A truncated NTFS volume: boot sector fine, the rest missing. */
	new_volume(img, sizeof(img), "trunc.img", 64 * MKIMG_MIB);
	fd = open(img, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1024 * 1024), 0);
	close(fd);
	ext = extent_of(img, 0);
	sha(img, h1);
	assert_int_not_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_int_not_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_null(v);
	sha(img, h2);
	assert_string_equal(h1, h2);
	/* A missing file. */
	assert_int_equal(wr_blockdev_resolve("/nonexistent/vol.img", 0, &ext, &d), WR_ERR_OPEN);
	assert_int_equal(d.sys_errno, ENOENT);
}

/* Garbage where the MFT should be: clear errors, no crash, nothing written. */
static void test_damaged_mft(void **state)
{
	(void)state;
	char img[4200], h1[65], h2[65], **names = NULL;
	uint8_t boot[512], junk[65536];
	struct wr_extent ext;
	struct wr_volume_state st;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs *v = NULL;
	uint64_t mft;
	unsigned cluster;
	int fd, ofd, save1, save2, r1, r2;
	char out[4200];

	new_volume(img, sizeof(img), "badmft.img", 32 * MKIMG_MIB);
	fd = open(img, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, boot, sizeof(boot), 0), (ssize_t)sizeof(boot));
	cluster = (unsigned)(boot[11] | boot[12] << 8) * boot[13];
	mft = 0;
	for (int i = 7; i >= 0; i--)
		mft = mft << 8 | boot[0x30 + i];
	srand(7);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand();
	/* Keep record 0 ($MFT) and 1, spoil from record 2 ($LogFile) on. */
	assert_int_equal(pwrite(fd, junk, sizeof(junk), (off_t)(mft * cluster + 2048)),
			 (ssize_t)sizeof(junk));
	close(fd);
	ext = extent_of(img, 0);
	sha(img, h1);
	/* libntfs-3g complains loudly about such a volume: into the log, never onto
	 * the terminal (stdout/stderr captured and checked empty). */
	snprintf(out, sizeof(out), "%s/terminal.txt", tmp);
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(ofd >= 0);
	fflush(stdout);
	fflush(stderr);
	save1 = dup(1);
	save2 = dup(2);
	dup2(ofd, 1);
	dup2(ofd, 2);
	r1 = wr_ntfs_probe(&ext, &st, &d);
	if (wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d) == WR_OK) {
		wr_ntfs_list(v, "/", &names, &d);
		wr_ntfs_list_free(names);
		wr_ntfs_close(v);
	}
	v = NULL;
	r2 = wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d);
	fflush(stdout);
	fflush(stderr);
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	close(ofd);
	assert_int_not_equal(r1, WR_OK);
	assert_int_not_equal(r2, WR_OK);
	assert_null(v);
	{
		struct stat sb;

		assert_int_equal(stat(out, &sb), 0);
		assert_int_equal(sb.st_size, 0);
		unlink(out);
	}
	sha(img, h2);
	assert_string_equal(h1, h2);
}

/* A volume that is partition 3 of a GPT disk image, opened at its offset. */
static void test_partition_in_disk_image(void **state)
{
	(void)state;
	char disk[4200], **names = NULL;
	uint64_t starts[4];
	struct wr_extent ext;
	struct wr_ntfs *v;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_volume_state st;
	void *buf;
	size_t len;

	assert_int_equal(mkimg_std_disk(tmp, "gptdisk.img", 1, disk, sizeof(disk), starts), 0);
	ext = extent_of(disk, 3);
	assert_int_equal(ext.offset, starts[2]);
	assert_int_equal(ext.size, 96 * MKIMG_MIB);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(v, "Windows", &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(v, "Windows/win.ini", "[fonts]", 7, &d), WR_OK);
	wr_ntfs_close(v);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
	assert_string_equal(st.label, "Windows");
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_read_file(v, "WINDOWS/WIN.INI", 100, &buf, &len, &d), WR_OK);
	assert_int_equal(len, 7);
	free(buf);
	wr_ntfs_close(v);
	/* The neighbour (Recovery, partition 4) is untouched and still empty. */
	ext = extent_of(disk, 4);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &v, &d), WR_OK);
	assert_int_equal(wr_ntfs_list(v, "/", &names, &d), WR_OK);
	assert_int_equal(wr_strv_len(names), 0);
	wr_ntfs_list_free(names);
	wr_ntfs_close(v);
	/* The ESP is FAT32. */
	ext = extent_of(disk, 1);
	assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_ERR_NOT_NTFS);
	assert_string_equal(st.fstype, "vfat");
	unlink(disk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_fresh_volume),
		cmocka_unit_test(test_write_read_list_stat),
		cmocka_unit_test(test_write_from_another_volume),
		cmocka_unit_test(test_list_odd_names),
		cmocka_unit_test(test_move_keeps_everything),
		cmocka_unit_test(test_move_refusals),
		cmocka_unit_test(test_complete_interrupted_move),
		cmocka_unit_test(test_stray_entries),
		cmocka_unit_test(test_relink_long_name),
		cmocka_unit_test(test_rename_in_place_and_delete_tree),
		cmocka_unit_test(test_hibernated_and_dirty),
		cmocka_unit_test(test_windows_made_disk),
		cmocka_unit_test(test_fast_startup),
		cmocka_unit_test(test_bitlocker_volumes),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_damaged_mft),
		cmocka_unit_test(test_partition_in_disk_image),
	};

	if (!mkimg_have("mkntfs") || !mkimg_have("sfdisk") || !mkimg_have("ntfsfix")) {
		printf("mkntfs, sfdisk or ntfsfix is not installed\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
