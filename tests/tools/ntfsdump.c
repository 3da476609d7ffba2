/*
 * ntfsdump.c - the tests' independent view of an NTFS volume.
 *
 * Walks a volume with libntfs-3g directly (none of the engine's NTFS code) and prints
 * one line per name, tab-separated:
 *
 *   path  mft  kind  size  sha256  streams  attrs  sd  ctime  mtime  atime  links
 *
 * kind is d (directory), f (file), s (a stray entry a killed writer left: see
 * record_is_free) or r (reparse point: never entered; its tag in
 * size); streams lists named $DATA streams as name=sha256 joined by ','; sd is the
 * sha256 of the security descriptor; times are NTFS ticks; links is the MFT record's
 * link count.  The refresh tests compare dumps taken before, during and after to
 * prove every user file is present exactly once and unchanged.
 *
 * Usage: ntfsdump DEVICE-OR-IMAGE [--no-hash]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>
#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/mft.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>
#include <ntfs-3g/xattrs.h>

static bool no_hash;

struct entry {
	char *name;
	ntfschar *uname;	/* as stored, for the lookup by name */
	int ulen;
	MFT_REF mref;
};

struct list {
	struct entry *v;
	size_t n, cap;
};

static int filldir(void *dirent, const ntfschar *name, const int name_len, const int name_type,
		   const s64 pos, const MFT_REF mref, const unsigned dt_type)
{
	struct list *l = dirent;
	char *utf8 = NULL;

	(void)pos;
	(void)dt_type;
	if (name_type == FILE_NAME_DOS)
		return 0;
	if (ntfs_ucstombs(name, name_len, &utf8, 0) < 0) {
		/* Invalid UTF-16: show the code units so the name is still unique. */
		size_t sz = (size_t)name_len * 7 + 8;

		utf8 = malloc(sz);
		if (!utf8)
			return -1;
		utf8[0] = '\0';
		for (int i = 0; i < name_len; i++)
			snprintf(utf8 + strlen(utf8), sz - strlen(utf8), "\\u%04x",
				 le16_to_cpu(name[i]));
	}
	if (!strcmp(utf8, ".") || !strcmp(utf8, "..")) {
		free(utf8);
		return 0;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			return -1;
	}
	l->v[l->n].name = utf8;
	l->v[l->n].mref = mref;
	l->v[l->n].ulen = name_len;
	l->v[l->n].uname = malloc((size_t)name_len * sizeof(ntfschar));
	if (l->v[l->n].uname)
		memcpy(l->v[l->n].uname, name, (size_t)name_len * sizeof(ntfschar));
	l->n++;
	return 0;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static int hash_attr(ntfs_inode *ni, ntfschar *name, u32 name_len, char out[65], s64 *size)
{
	struct sha256_ctx c;
	uint8_t dig[SHA256_DIGEST_SIZE];
	static char buf[1 << 20];
	ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, name, name_len);
	s64 off = 0;

	strcpy(out, "-");
	*size = 0;
	if (!na)
		return errno == ENOENT ? 0 : -1;
	*size = na->data_size;
	if (no_hash) {
		ntfs_attr_close(na);
		return 0;
	}
	sha256_init(&c);
	while (off < na->data_size) {
		s64 want = na->data_size - off < (s64)sizeof(buf) ? na->data_size - off
								     : (s64)sizeof(buf);
		s64 got = ntfs_attr_pread(na, off, want, buf);

		if (got <= 0) {
			ntfs_attr_close(na);
			return -1;
		}
		sha256_update(&c, (size_t)got, (uint8_t *)buf);
		off += got;
	}
	sha256_digest(&c, sizeof(dig), dig);
	hex(dig, sizeof(dig), out);
	ntfs_attr_close(na);
	return 0;
}

static void named_streams(ntfs_inode *ni, char *out, size_t outsz)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);

	out[0] = '\0';
	if (!ctx)
		return;
	while (!ntfs_attr_lookup(AT_DATA, NULL, 0, CASE_SENSITIVE, 0, NULL, 0, ctx)) {
		ATTR_RECORD *a = ctx->attr;
		char *name = NULL, h[65];
		s64 size;

		if (!a->name_length)
			continue;
		if (ntfs_ucstombs((ntfschar *)((u8 *)a + le16_to_cpu(a->name_offset)),
				  a->name_length, &name, 0) < 0)
			continue;
		if (hash_attr(ni, (ntfschar *)((u8 *)a + le16_to_cpu(a->name_offset)),
			      a->name_length, h, &size))
			strcpy(h, "unreadable");
		snprintf(out + strlen(out), outsz - strlen(out), "%s%s=%s", out[0] ? "," : "",
			 name, h);
		free(name);
	}
	ntfs_attr_put_search_ctx(ctx);
	if (!out[0])
		strcpy(out, "-");
}

static void sd_hash(ntfs_volume *vol, ntfs_inode *ni, char out[65])
{
	struct SECURITY_CONTEXT scx;
	char buf[65536];
	int n;

	memset(&scx, 0, sizeof(scx));
	scx.vol = vol;
	n = ntfs_get_ntfs_acl(&scx, ni, buf, sizeof(buf));
	strcpy(out, "-");
	if (n > 0 && (size_t)n <= sizeof(buf)) {
		struct sha256_ctx c;
		uint8_t dig[SHA256_DIGEST_SIZE];

		sha256_init(&c);
		sha256_update(&c, (size_t)n, (uint8_t *)buf);
		sha256_digest(&c, sizeof(dig), dig);
		hex(dig, sizeof(dig), out);
	}
}

/* Stray entries: a folder entry whose record is free, reused or never written, or
 * whose file does not carry the name - what a writer killed inside libntfs-3g (which
 * has no journal) leaves, and chkdsk would remove.  Listed with kind 's'. */
static bool record_is_free(ntfs_volume *vol, MFT_REF mref)
{
	MFT_RECORD *m = malloc(vol->mft_record_size);
	bool free_ = false;

	if (m && ntfs_attr_pread(vol->mft_na, (s64)MREF(mref) << vol->mft_record_size_bits,
				 vol->mft_record_size, m) == (s64)vol->mft_record_size) {
		bool zero = true;

		for (u32 i = 0; i < vol->mft_record_size && zero; i++)
			zero = ((const u8 *)m)[i] == 0;
		free_ = zero || (m->magic == magic_FILE &&
				 (!(m->flags & MFT_RECORD_IN_USE) ||
				  (MSEQNO(mref) && le16_to_cpu(m->sequence_number) != MSEQNO(mref))));
	}
	free(m);
	return free_;
}

static bool carries_name(ntfs_inode *ni, MFT_REF dir, const char *utf8)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);
	bool found = false;

	if (!ctx)
		return true;
	while (!found && !ntfs_attr_lookup(AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0,
					   NULL, 0, ctx)) {
		const FILE_NAME_ATTR *fn = (const FILE_NAME_ATTR *)((const u8 *)ctx->attr +
			le16_to_cpu(ctx->attr->value_offset));
		char *n = NULL;

		if (MREF_LE(fn->parent_directory) != MREF(dir))
			continue;
		if (ntfs_ucstombs((const ntfschar *)((const u8 *)fn +
				  offsetof(FILE_NAME_ATTR, file_name)),
				  fn->file_name_length, &n, 0) >= 0)
			found = !strcmp(n, utf8);
		else
			found = true;	/* invalid UTF-16 names: cannot compare, trust */
		free(n);
	}
	ntfs_attr_put_search_ctx(ctx);
	return found;
}

static int walk(ntfs_volume *vol, MFT_REF dir, const char *path, int depth)
{
	struct list l = { NULL, 0, 0 };
	ntfs_inode *ni = ntfs_inode_open(vol, MREF(dir));
	s64 pos = 0;
	int ret = 0;

	if (!ni || depth > 200)
		return -1;
	if (ntfs_readdir(ni, &pos, &l, filldir))
		ret = -1;
	ntfs_inode_close(ni);
	for (size_t i = 0; i < l.n; i++) {
		char child[8192], h[65], sd[65], streams[16384];
		ntfs_inode *ci;
		s64 size = 0;
		char kind;

		snprintf(child, sizeof(child), "%s/%s", path, l.v[i].name);
		if (depth == 0 && MREF(l.v[i].mref) < FILE_first_user)
			continue;	/* $MFT, $LogFile, ... */
		{
			/* The folder's index as a B-tree (lookup by name) must agree with
			 * its blocks read in order (readdir): a writer killed while it
			 * rebalanced the index leaves them disagreeing (chkdsk rebuilds it). */
			ntfs_inode *dn = ntfs_inode_open(vol, MREF(dir));
			if (dn && l.v[i].uname &&
			    MREF(ntfs_inode_lookup_by_name(dn, l.v[i].uname, l.v[i].ulen)) !=
				    MREF(l.v[i].mref))
				fprintf(stderr, "index-inconsistent: %s\n", child);
			if (dn)
				ntfs_inode_close(dn);
		}
		ci = ntfs_inode_open(vol, MREF(l.v[i].mref));
		if (!ci || !carries_name(ci, dir, l.v[i].name)) {
			bool stray = ci || record_is_free(vol, l.v[i].mref);

			printf("%s\t%llu\t%c\t-\t-\t-\t-\t-\t-\t-\t-\t-\n", child,
			       (unsigned long long)MREF(l.v[i].mref), stray ? 's' : '?');
			if (ci)
				ntfs_inode_close(ci);
			if (!stray)
				ret = -1;
			continue;
		}
		strcpy(h, "-");
		strcpy(streams, "-");
		if (ci->flags & FILE_ATTR_REPARSE_POINT) {
			kind = 'r';
		} else if (ci->mrec->flags & MFT_RECORD_IS_DIRECTORY) {
			kind = 'd';
		} else {
			kind = 'f';
			if (hash_attr(ci, AT_UNNAMED, 0, h, &size))
				strcpy(h, "unreadable");
			named_streams(ci, streams, sizeof(streams));
		}
		sd_hash(vol, ci, sd);
		printf("%s\t%llu\t%c\t%lld\t%s\t%s\t%x\t%s\t%lld\t%lld\t%lld\t%u\n", child,
		       (unsigned long long)MREF(l.v[i].mref), kind, (long long)size, h, streams,
		       (unsigned)le32_to_cpu(ci->flags), sd,
		       (long long)sle64_to_cpu(ci->creation_time),
		       (long long)sle64_to_cpu(ci->last_data_change_time),
		       (long long)sle64_to_cpu(ci->last_access_time),
		       (unsigned)le16_to_cpu(ci->mrec->link_count));
		ntfs_inode_close(ci);
		if (kind == 'd' && walk(vol, l.v[i].mref, child, depth + 1))
			ret = -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].name);
		free(l.v[i].uname);
	}
	free(l.v);
	return ret;
}

int main(int argc, char **argv)
{
	ntfs_volume *vol;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: ntfsdump DEVICE-OR-IMAGE [--no-hash]\n");
		return 2;
	}
	no_hash = argc > 2 && !strcmp(argv[2], "--no-hash");
	vol = ntfs_mount(argv[1], NTFS_MNT_RDONLY | NTFS_MNT_IGNORE_HIBERFILE);
	if (!vol) {
		fprintf(stderr, "ntfsdump: cannot mount '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	ret = walk(vol, FILE_root, "", 0);
	ntfs_umount(vol, FALSE);
	return ret ? 1 : 0;
}
