/*
 * disk.c - disks, partition tables and partitions (libblkid, libparted).
 *
 * The only file that uses libparted and libblkid.  Reading never writes:
 * - libblkid reads the table and every partition's type GUID or MBR id, GPT
 *   attributes, name and GUID, and each partition's filesystem (TYPE, LABEL, UUID;
 *   TYPE=BitLocker covers BitLocker To Go).  It opens the disk read-only and falls
 *   back to the backup GPT header by itself when the primary one is damaged.
 * - libparted is asked only what libblkid does not say: a disk's model, and whether
 *   it finds the backup GPT damaged.  Which GPT header copy is intact is also
 *   checked here (signature and CRC32s), since neither library reports a damaged
 *   primary header (libparted does not recognise the disk at all).
 *   libparted would "fix" a damaged table by writing it back; our exception handler
 *   logs every message and answers Cancel/Ignore, never Fix/OK, so it never writes
 *   (the tests checksum the image before and after).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blkid/blkid.h>
#include <parted/parted.h>
#include <zlib.h>

#include "winrescue.h"

#define GUID_ESP "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define GUID_MSR "e3c9e316-0b5c-4db8-817d-f92df00215ae"
#define GUID_RECOVERY "de94bba4-06d1-4d40-a16a-bfd50179d6ac"
#define GUID_BASIC_DATA "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"

/* ------------------------------------------------------------------------- */
/* libparted: exceptions go to the log and are answered without writing       */

static struct {
	bool primary_damaged;
	bool backup_damaged;
} ped_seen;

static PedExceptionOption ped_handler(PedException *ex)
{
	const char *m = ex->message ? ex->message : "";

	wr_log(WR_LOG_WARN, "libparted: %s: %s", ped_exception_get_type_string(ex->type), m);
	if (strstr(m, "primary GPT table is corrupt") || strstr(m, "primary GPT header"))
		ped_seen.primary_damaged = true;
	if (strstr(m, "backup GPT table is corrupt") || strstr(m, "alternate GPT header") ||
	    strstr(m, "backup GPT header"))
		ped_seen.backup_damaged = true;
	if (ex->options & PED_EXCEPTION_IGNORE)
		return PED_EXCEPTION_IGNORE;
	if (ex->options & PED_EXCEPTION_CANCEL)
		return PED_EXCEPTION_CANCEL;
	if (ex->options & PED_EXCEPTION_NO)
		return PED_EXCEPTION_NO;
	return PED_EXCEPTION_UNHANDLED;
}

/* Ask libparted about the GPT and the model.  Never writes: no commit is called and
 * every exception is answered Ignore/Cancel. */
static void parted_look(struct wr_disk *disk, bool want_gpt)
{
	PedDevice *dev;
	PedDisk *pd = NULL;
	PedExceptionHandler *old = ped_exception_get_handler();

	ped_exception_set_handler(ped_handler);
	memset(&ped_seen, 0, sizeof(ped_seen));
	dev = ped_device_get(disk->path);
	if (!dev)
		goto out;
	if (!disk->is_image && dev->model)
		snprintf(disk->model, sizeof(disk->model), "%s", dev->model);
	if (want_gpt) {
		PedDiskType *t = ped_disk_probe(dev);

		if (t)
			pd = ped_disk_new(dev);
		if (pd)
			ped_disk_destroy(pd);
		disk->gpt_primary_damaged = ped_seen.primary_damaged;
		disk->gpt_backup_damaged = ped_seen.backup_damaged && !ped_seen.primary_damaged;
	}
	ped_device_destroy(dev);
out:
	ped_exception_set_handler(old);
}

/* ------------------------------------------------------------------------- */
/* GPT headers, checked here: libparted 3.5 does not even recognise a GPT whose
 * primary header is gone (ped_disk_probe finds nothing), and libblkid silently
 * reads the backup; neither says which copy is damaged.  So each header is checked
 * the way the UEFI spec defines it: signature, header CRC32, own LBA, entries CRC32
 * (CRC32 from zlib, the same polynomial). */

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64_at(const uint8_t *p)
{
	return (uint64_t)le32_at(p) | (uint64_t)le32_at(p + 4) << 32;
}

/* A 64-bit field of the primary GPT header (offset 32: the backup header's LBA). */
static uint64_t le64_at_header(int fd, unsigned ss, unsigned off)
{
	uint8_t b[8];

	if (pread(fd, b, 8, (off_t)(ss + off)) != 8)
		return 0;
	return le64_at(b);
}

static bool gpt_header_ok(int fd, uint64_t lba, unsigned ss, uint64_t disk_size)
{
	uint8_t *h = NULL, *e = NULL;
	uint32_t hsize, crc, count, esize;
	uint64_t elba, elen;
	bool ok = false;

	if (ss < 512 || ss > 65536 || (lba + 1) * ss > disk_size)
		return false;
	h = malloc(ss);
	if (!h || pread(fd, h, ss, (off_t)(lba * ss)) != (ssize_t)ss)
		goto out;
	if (memcmp(h, "EFI PART", 8))
		goto out;
	hsize = le32_at(h + 12);
	crc = le32_at(h + 16);
	if (hsize < 92 || hsize > ss || le64_at(h + 24) != lba)
		goto out;
	memset(h + 16, 0, 4);
	if ((uint32_t)crc32(0L, h, hsize) != crc)
		goto out;
	elba = le64_at(h + 72);
	count = le32_at(h + 80);
	esize = le32_at(h + 84);
	elen = (uint64_t)count * esize;
	if (esize < 128 || elen > 4 * 1024 * 1024 || (elba * ss + elen) > disk_size)
		goto out;
	e = malloc(elen ? elen : 1);
	if (!e || pread(fd, e, elen, (off_t)(elba * ss)) != (ssize_t)elen)
		goto out;
	ok = (uint32_t)crc32(0L, e, (uInt)elen) == le32_at(h + 88);
out:
	free(h);
	free(e);
	return ok;
}

/* ------------------------------------------------------------------------- */
/* libblkid                                                                   */

static void copy_value(blkid_probe pr, const char *name, char *out, size_t len)
{
	const char *data = NULL;
	size_t n = 0;

	out[0] = '\0';
	if (!blkid_probe_lookup_value(pr, name, &data, &n) && data)
		snprintf(out, len, "%s", data);
}

static int probe_fs_fd(int fd, uint64_t offset, uint64_t size, struct wr_fs_info *out)
{
	blkid_probe pr = blkid_new_probe();
	int rc;

	memset(out, 0, sizeof(*out));
	if (!pr)
		return -1;
	if (blkid_probe_set_device(pr, fd, (blkid_loff_t)offset, (blkid_loff_t)size)) {
		blkid_free_probe(pr);
		return -1;
	}
	blkid_probe_enable_partitions(pr, 0);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
					       BLKID_SUBLKS_TYPE);
	rc = blkid_do_safeprobe(pr);
	if (rc == 0) {
		copy_value(pr, "TYPE", out->fstype, sizeof(out->fstype));
		copy_value(pr, "LABEL", out->label, sizeof(out->label));
		copy_value(pr, "UUID", out->uuid, sizeof(out->uuid));
	} else if (rc == -2) {
		/* Ambiguous: several signatures.  BitLocker To Go carries a FAT boot sector
		 * on purpose; if BitLocker is among them, it is BitLocker. */
		blkid_reset_probe(pr);
		while (blkid_do_probe(pr) == 0) {
			char t[32];

			copy_value(pr, "TYPE", t, sizeof(t));
			if (!out->fstype[0] || !strcmp(t, "BitLocker")) {
				snprintf(out->fstype, sizeof(out->fstype), "%s", t);
				copy_value(pr, "LABEL", out->label, sizeof(out->label));
				copy_value(pr, "UUID", out->uuid, sizeof(out->uuid));
			}
		}
		wr_log(WR_LOG_INFO, "blkid: ambiguous signatures at offset %llu, taking '%s'",
		       (unsigned long long)offset, out->fstype);
	}
	blkid_free_probe(pr);
	return 0;
}

int wr_disk_probe_fs(const struct wr_extent *ext, struct wr_fs_info *out,
		     struct wr_detail *d)
{
	int fd;

	memset(out, 0, sizeof(*out));
	if (!ext || !ext->path[0])
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	fd = open(ext->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wr_detail_set(d, WR_ERR_OPEN, errno, ext->path);
	if (probe_fs_fd(fd, ext->offset, ext->size, out)) {
		close(fd);
		return wr_detail_setf(d, WR_ERR_READ, 0, ext->path, "blkid probe failed");
	}
	close(fd);
	return WR_OK;
}

/* ------------------------------------------------------------------------- */
/* roles                                                                      */

static bool ntfs_has(struct wr_ntfs *vol, const char *path)
{
	struct wr_ntfs_stat st;
	struct wr_detail d = WR_DETAIL_INIT;

	return wr_ntfs_stat(vol, path, &st, &d) == WR_OK;
}

static enum wr_part_role classify(const struct wr_disk *disk, const struct wr_partition *p)
{
	bool gpt = disk->table == WR_TABLE_GPT;
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	struct wr_detail d = WR_DETAIL_INIT;
	enum wr_part_role role;

	if (gpt ? !strcmp(p->type, GUID_ESP) : p->mbr_type == 0xef)
		return WR_ROLE_ESP;
	if (gpt && !strcmp(p->type, GUID_MSR))
		return WR_ROLE_MSR;
	if (gpt ? !strcmp(p->type, GUID_RECOVERY) : p->mbr_type == 0x27)
		return WR_ROLE_RECOVERY;
	if (strcmp(p->fstype, "ntfs"))
		return p->fstype[0] || (gpt && !strcmp(p->type, GUID_BASIC_DATA)) ||
			       (!gpt && (p->mbr_type == 0x07 || p->mbr_type == 0x0b ||
					 p->mbr_type == 0x0c))
			       ? WR_ROLE_DATA : WR_ROLE_UNKNOWN;
	memset(&ext, 0, sizeof(ext));
	snprintf(ext.path, sizeof(ext.path), "%s", disk->path);
	ext.offset = p->start;
	ext.size = p->size;
	ext.partition = p->number;
	ext.is_block_device = !disk->is_image;
	int err = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d);

	if (err) {
		wr_log_err("disk: look inside partition", err, &d);
		return WR_ROLE_DATA;
	}
	if (ntfs_has(vol, "Windows/System32/config/SYSTEM"))
		role = WR_ROLE_WINDOWS;
	else if (!gpt && p->active && ntfs_has(vol, "bootmgr"))
		role = WR_ROLE_SYSTEM_RESERVED;
	else
		role = WR_ROLE_DATA;
	wr_ntfs_close(vol);
	return role;
}

const char *wr_part_role_name(enum wr_part_role role)
{
	switch (role) {
	case WR_ROLE_ESP: return "esp";
	case WR_ROLE_MSR: return "msr";
	case WR_ROLE_SYSTEM_RESERVED: return "system-reserved";
	case WR_ROLE_WINDOWS: return "windows";
	case WR_ROLE_RECOVERY: return "recovery";
	case WR_ROLE_DATA: return "data";
	case WR_ROLE_UNKNOWN: break;
	}
	return "unknown";
}

/* ------------------------------------------------------------------------- */
/* reading a disk                                                             */

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A GPT whose disk is shorter than the table says: libblkid refuses it (its backup
 * header and last usable LBA lie past the end), so the partitions are read from the
 * primary header's entries here, after gpt_header_ok has checked both CRCs. */
static void guid_string(const uint8_t *g, char *buf, size_t size)
{
	snprintf(buf, size,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15]);
}

static int read_truncated_gpt(struct wr_disk *disk, int fd, unsigned ss)
{
	uint8_t h[512], *e = NULL;
	uint32_t count, esize;
	uint64_t elba;
	int ret = WR_OK;

	if (pread(fd, h, sizeof(h), (off_t)ss) != (ssize_t)sizeof(h))
		return WR_ERR_READ;
	elba = le64_at(h + 72);
	count = le32_at(h + 80);
	esize = le32_at(h + 84);
	e = malloc((size_t)count * esize);
	if (!e)
		return WR_ERR_NOMEM;
	if (pread(fd, e, (size_t)count * esize, (off_t)(elba * ss)) != (ssize_t)count * esize) {
		free(e);
		return WR_ERR_READ;
	}
	disk->table = WR_TABLE_GPT;
	disk->truncated = true;
	disk->gpt_backup_damaged = true;
	guid_string(h + 56, disk->disk_guid, sizeof(disk->disk_guid));
	for (uint32_t i = 0; i < count && !ret; i++) {
		const uint8_t *x = e + (size_t)i * esize;
		struct wr_partition *np, *p;
		char name[37];
		size_t o = 0;
		static const uint8_t zero[16];

		if (!memcmp(x, zero, 16))
			continue;
		np = realloc(disk->parts, (disk->nparts + 1) * sizeof(*np));
		if (!np) {
			ret = WR_ERR_NOMEM;
			break;
		}
		disk->parts = np;
		p = &np[disk->nparts++];
		memset(p, 0, sizeof(*p));
		p->number = i + 1;
		p->start = le64_at(x + 32) * ss;
		p->size = (le64_at(x + 40) - le64_at(x + 32) + 1) * ss;
		p->gpt_attrs = le64_at(x + 48);
		guid_string(x, p->type, sizeof(p->type));
		guid_string(x + 16, p->uuid, sizeof(p->uuid));
		/* The name: UTF-16LE, 36 code units; ASCII kept, others as '?' here. */
		for (int k = 0; k < 36 && o + 1 < sizeof(name); k++) {
			uint16_t c = (uint16_t)(x[56 + 2 * k] | x[57 + 2 * k] << 8);

			if (!c)
				break;
			name[o++] = c < 0x80 && c >= 0x20 ? (char)c : '?';
		}
		name[o] = '\0';
		snprintf(p->name, sizeof(p->name), "%s", name);
	}
	free(e);
	wr_log(WR_LOG_WARN, "disk: '%s' is shorter than its GPT says (%zu partitions read from "
	       "the primary table)", disk->path, disk->nparts);
	return ret;
}

static int read_table(struct wr_disk *disk, int fd, struct wr_detail *d)
{
	blkid_probe pr = blkid_new_probe();
	blkid_partlist ls;
	blkid_parttable tab;
	const char *ttype, *tid;
	int n, ret = WR_OK;

	if (!pr)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, disk->path);
	if (blkid_probe_set_device(pr, fd, 0, 0)) {
		blkid_free_probe(pr);
		return wr_detail_setf(d, WR_ERR_READ, errno, disk->path, "blkid cannot read");
	}
	disk->sector_size = blkid_probe_get_sectorsize(pr);
	blkid_probe_enable_superblocks(pr, 0);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	ls = blkid_probe_get_partitions(pr);
	if (!ls || !(tab = blkid_partlist_get_table(ls))) {
		disk->table = WR_TABLE_NONE;
		goto out;
	}
	ttype = blkid_parttable_get_type(tab);
	tid = blkid_parttable_get_id(tab);
	if (ttype && !strcmp(ttype, "gpt")) {
		disk->table = WR_TABLE_GPT;
		if (tid) {
			snprintf(disk->disk_guid, sizeof(disk->disk_guid), "%s", tid);
			lower(disk->disk_guid);
		}
	} else if (ttype && !strcmp(ttype, "dos")) {
		disk->table = WR_TABLE_MBR;
		if (tid)
			disk->mbr_signature = (uint32_t)strtoul(tid, NULL, 16);
	} else {
		disk->table = WR_TABLE_OTHER;
	}
	n = blkid_partlist_numof_partitions(ls);
	disk->parts = calloc(n > 0 ? (size_t)n : 1, sizeof(*disk->parts));
	if (!disk->parts) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, disk->path);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		blkid_partition par = blkid_partlist_get_partition(ls, i);
		struct wr_partition *p = &disk->parts[disk->nparts];
		const char *s;

		if (!par || blkid_partition_is_extended(par))
			continue;
		p->number = (unsigned)blkid_partition_get_partno(par);
		p->start = (uint64_t)blkid_partition_get_start(par) * 512;
		p->size = (uint64_t)blkid_partition_get_size(par) * 512;
		if (disk->table == WR_TABLE_GPT) {
			s = blkid_partition_get_type_string(par);
			snprintf(p->type, sizeof(p->type), "%s", s ? s : "");
			lower(p->type);
			p->gpt_attrs = blkid_partition_get_flags(par);
			s = blkid_partition_get_uuid(par);
			snprintf(p->uuid, sizeof(p->uuid), "%s", s ? s : "");
			lower(p->uuid);
			s = blkid_partition_get_name(par);
			snprintf(p->name, sizeof(p->name), "%s", s ? s : "");
		} else {
			p->mbr_type = (uint8_t)blkid_partition_get_type(par);
			snprintf(p->type, sizeof(p->type), "0x%02x", p->mbr_type);
			p->active = blkid_partition_get_flags(par) & 0x80;
		}
		disk->nparts++;
	}
out:
	blkid_free_probe(pr);
	return ret;
}

int wr_disk_read(const char *path, struct wr_disk **out, struct wr_detail *d)
{
	struct wr_disk *disk;
	struct stat st;
	int fd, ret;

	*out = NULL;
	if (!path || !*path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, path);
	disk = calloc(1, sizeof(*disk));
	if (!disk)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, path);
	if (!realpath(path, disk->path)) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, path);
		goto fail;
	}
	fd = open(disk->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, disk->path);
		goto fail;
	}
	if (fstat(fd, &st)) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, disk->path);
		close(fd);
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &disk->size))
			disk->size = 0;
	} else if (S_ISREG(st.st_mode)) {
		disk->is_image = true;
		disk->size = (uint64_t)st.st_size;
	} else {
		close(fd);
		ret = wr_detail_setf(d, WR_ERR_OPEN, ENODEV, disk->path,
				     "neither a block device nor a file");
		goto fail;
	}
	if (disk->size < 512) {
		/* Nothing to read: an empty or tiny file has no table. */
		close(fd);
		disk->table = WR_TABLE_NONE;
		disk->sector_size = 512;
		*out = disk;
		return WR_OK;
	}
	ret = read_table(disk, fd, d);
	if (!ret && disk->table == WR_TABLE_NONE && disk->size >= 34 * 512 &&
	    gpt_header_ok(fd, 1, 512, disk->size) &&
	    le64_at_header(fd, 512, 32) >= disk->size / 512)
		ret = read_truncated_gpt(disk, fd, 512);
	if (ret) {
		close(fd);
		goto fail;
	}
	parted_look(disk, disk->table == WR_TABLE_GPT);
	if (disk->table == WR_TABLE_GPT) {
		unsigned ss = disk->sector_size ? disk->sector_size : 512;
		bool primary = gpt_header_ok(fd, 1, ss, disk->size);
		bool backup = gpt_header_ok(fd, disk->size / ss - 1, ss, disk->size);

		disk->gpt_primary_damaged = !primary;
		disk->gpt_backup_damaged = primary && (!backup || disk->gpt_backup_damaged);
		if (disk->truncated)
			disk->gpt_backup_damaged = true;
	}
	close(fd);
	for (size_t i = 0; i < disk->nparts; i++) {
		struct wr_partition *p = &disk->parts[i];
		struct wr_extent ext;
		struct wr_fs_info fs;

		memset(&ext, 0, sizeof(ext));
		snprintf(ext.path, sizeof(ext.path), "%s", disk->path);
		ext.offset = p->start;
		ext.size = p->size;
		if (p->start + p->size > disk->size) {
			wr_log(WR_LOG_WARN, "disk: '%s' partition %u runs past the end",
			       disk->path, p->number);
			continue;
		}
		if (wr_disk_probe_fs(&ext, &fs, NULL) == WR_OK) {
			snprintf(p->fstype, sizeof(p->fstype), "%s", fs.fstype);
			snprintf(p->label, sizeof(p->label), "%s", fs.label);
		}
		p->role = classify(disk, p);
	}
	wr_log(WR_LOG_INFO, "disk: '%s': %s, %zu partitions%s", disk->path,
	       disk->table == WR_TABLE_GPT ? "GPT" : disk->table == WR_TABLE_MBR ? "MBR"
		       : disk->table == WR_TABLE_NONE ? "no table" : "other table",
	       disk->nparts, disk->gpt_primary_damaged ? ", primary GPT damaged" : "");
	*out = disk;
	return WR_OK;
fail:
	wr_disk_free(disk);
	return ret;
}

void wr_disk_free(struct wr_disk *disk)
{
	if (!disk)
		return;
	free(disk->parts);
	free(disk);
}

/* ------------------------------------------------------------------------- */
/* the machine's disks                                                        */

static bool skip_name(const char *n)
{
	static const char *const prefixes[] = { "loop", "ram", "zram", "sr", "fd", NULL };

	if (n[0] == '.')
		return true;
	for (int i = 0; prefixes[i]; i++)
		if (!strncmp(n, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int wr_disk_list(char ***paths_out, struct wr_detail *d)
{
	DIR *dir = opendir("/sys/block");
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	*paths_out = NULL;
	if (!dir)
		return wr_detail_set(d, WR_ERR_OPEN, errno, "/sys/block");
	while ((de = readdir(dir))) {
		char buf[512], line[64] = "";
		char **nv;
		FILE *f;

		if (skip_name(de->d_name))
			continue;
		/* Skip devices of size 0 (empty card readers, ejected media). */
		snprintf(buf, sizeof(buf), "/sys/block/%s/size", de->d_name);
		f = fopen(buf, "re");
		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = '\0';
			fclose(f);
		}
		if (!strtoull(line, NULL, 10))
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv)
			goto nomem;
		v = nv;
		v[n] = malloc(strlen(de->d_name) + 6);
		if (!v[n])
			goto nomem;
		sprintf(v[n], "/dev/%s", de->d_name);
		v[++n] = NULL;
	}
	closedir(dir);
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "/sys/block");
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*paths_out = v;
	return WR_OK;
nomem:
	closedir(dir);
	if (v)
		v[n] = NULL;
	wr_strv_free(v);
	return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, "/sys/block");
}

void wr_disk_list_free(char **paths)
{
	wr_strv_free(paths);
}
