/*
 * test_disk.c - partition tables and roles on disk images made by sfdisk, mkfs.vfat
 * and mkntfs at test time: GPT and MBR PCs, a GPT with a damaged primary (or backup)
 * header, a disk without a table, an empty file, a FAT data partition.  Reading
 * never writes: every image is checksummed before and after, and libparted must
 * print nothing to the terminal.
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

#include "winrescue.h"
#include "mkimg.h"

#define ESP "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define MSR "e3c9e316-0b5c-4db8-817d-f92df00215ae"
#define BASIC "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"
#define RECOVERY "de94bba4-06d1-4d40-a16a-bfd50179d6ac"

static char tmp[4096], gpt_disk[4200], mbr_disk[4200];
static uint64_t gpt_starts[4], mbr_starts[4];

static void put_file(const char *disk, unsigned part, const char *dir, const char *file)
{
	struct wr_extent ext;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs *v;

	assert_int_equal(wr_blockdev_resolve(disk, part, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
	if (dir) {
		char path[512] = "";
		const char *p = dir;

		/* mkdir -p */
		while (*p) {
			const char *s = strchr(p, '/');
			size_t n = s ? (size_t)(s - dir) : strlen(dir);

			snprintf(path, sizeof(path), "%.*s", (int)n, dir);
			wr_ntfs_mkdir(v, path, &d);
			p = s ? s + 1 : p + strlen(p);
		}
	}
	assert_int_equal(wr_ntfs_write_file(v, file, "content", 7, &d), WR_OK);
	wr_ntfs_close(v);
}

static int setup(void **state)
{
	(void)state;
	if (mkimg_tmpdir(tmp, sizeof(tmp)))
		return -1;
	if (mkimg_std_disk(tmp, "gpt.img", 1, gpt_disk, sizeof(gpt_disk), gpt_starts) ||
	    mkimg_std_disk(tmp, "mbr.img", 0, mbr_disk, sizeof(mbr_disk), mbr_starts))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return mkimg_rmrf(tmp);
}

static void sha(const char *path, char out[65])
{
	assert_int_equal(mkimg_sha256(path, out), 0);
}

/* sfdisk's own view, to compare with ours: "label-id: X" and per-partition uuid. */
static void sfdisk_field(const char *disk, const char *key, int nth, char *out, size_t len)
{
	const char *argv[] = { "sfdisk", "-d", disk, NULL };
	char buf[8192], *p = buf;

	out[0] = '\0';
	assert_int_equal(mkimg_run(argv, NULL, buf, sizeof(buf)), 0);
	for (int i = 0; i <= nth; i++) {
		p = strstr(p, key);
		assert_non_null(p);
		p += strlen(key);
	}
	while (*p == ' ' || *p == '=')
		p++;
	snprintf(out, len, "%.*s", (int)strcspn(p, ",\n "), p);
	for (char *q = out; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
}

/* Run fn with stdout and stderr captured; assert nothing was printed. */
static int read_silently(const char *path, struct wr_disk **disk, struct wr_detail *d)
{
	char out[4200];
	int fd, save1, save2, ret;
	struct stat st;

	snprintf(out, sizeof(out), "%s/terminal.txt", tmp);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stdout);
	fflush(stderr);
	save1 = dup(1);
	save2 = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	ret = wr_disk_read(path, disk, d);
	fflush(stdout);
	fflush(stderr);
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	close(fd);
	assert_int_equal(stat(out, &st), 0);
	if (st.st_size)
		fail_msg("the disk layer printed %lld bytes to the terminal", (long long)st.st_size);
	unlink(out);
	return ret;
}

static void test_gpt_pc(void **state)
{
	(void)state;
	char h1[65], h2[65], guid[64], uuid[64];
	struct wr_disk *disk;
	struct wr_detail d = WR_DETAIL_INIT;
	const struct wr_partition *p;

	put_file(gpt_disk, 3, "Windows/System32/config", "Windows/System32/config/SYSTEM");
	put_file(gpt_disk, 4, "Recovery/WindowsRE", "Recovery/WindowsRE/Winre.wim");
	sha(gpt_disk, h1);
	assert_int_equal(read_silently(gpt_disk, &disk, &d), WR_OK);
	sha(gpt_disk, h2);
	assert_string_equal(h1, h2);
	assert_true(disk->is_image);
	assert_int_equal(disk->size, 212 * MKIMG_MIB);
	assert_int_equal(disk->sector_size, 512);
	assert_int_equal(disk->table, WR_TABLE_GPT);
	assert_false(disk->gpt_primary_damaged);
	assert_false(disk->gpt_backup_damaged);
	sfdisk_field(gpt_disk, "label-id:", 0, guid, sizeof(guid));
	assert_string_equal(disk->disk_guid, guid);
	assert_int_equal(disk->nparts, 4);
	for (unsigned i = 0; i < 4; i++) {
		p = &disk->parts[i];
		assert_int_equal(p->number, i + 1);
		assert_int_equal(p->start, gpt_starts[i]);
		assert_int_equal(p->mbr_type, 0);
		sfdisk_field(gpt_disk, "uuid=", (int)i, uuid, sizeof(uuid));
		assert_string_equal(p->uuid, uuid);
	}
	p = &disk->parts[0];
	assert_int_equal(p->size, 64 * MKIMG_MIB);
	assert_string_equal(p->type, ESP);
	assert_string_equal(p->name, "EFI system partition");
	assert_string_equal(p->fstype, "vfat");
	assert_string_equal(p->label, "SYSTEM");
	assert_int_equal(p->role, WR_ROLE_ESP);
	p = &disk->parts[1];
	assert_string_equal(p->type, MSR);
	assert_string_equal(p->fstype, "");
	assert_int_equal(p->role, WR_ROLE_MSR);
	p = &disk->parts[2];
	assert_int_equal(p->size, 96 * MKIMG_MIB);
	assert_string_equal(p->type, BASIC);
	assert_string_equal(p->name, "Basic data partition");
	assert_string_equal(p->fstype, "ntfs");
	assert_string_equal(p->label, "Windows");
	assert_int_equal(p->gpt_attrs, 0);
	assert_int_equal(p->role, WR_ROLE_WINDOWS);
	p = &disk->parts[3];
	assert_string_equal(p->type, RECOVERY);
	assert_string_equal(p->name, "Recovery");
	assert_string_equal(p->label, "Recovery");
	assert_int_equal(p->gpt_attrs, (1ULL << 0) | (1ULL << 63));
	assert_int_equal(p->role, WR_ROLE_RECOVERY);
	assert_string_equal(wr_part_role_name(disk->parts[2].role), "windows");
	wr_disk_free(disk);
}

static void test_mbr_pc(void **state)
{
	(void)state;
	char h1[65], h2[65], sig[64];
	struct wr_disk *disk;
	struct wr_detail d = WR_DETAIL_INIT;
	const struct wr_partition *p;

	put_file(mbr_disk, 1, "Boot", "bootmgr");
	put_file(mbr_disk, 2, "Windows/System32/config", "Windows/System32/config/SYSTEM");
	sha(mbr_disk, h1);
	assert_int_equal(read_silently(mbr_disk, &disk, &d), WR_OK);
	sha(mbr_disk, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(disk->table, WR_TABLE_MBR);
	assert_string_equal(disk->disk_guid, "");
	sfdisk_field(mbr_disk, "label-id:", 0, sig, sizeof(sig));
	assert_int_equal(disk->mbr_signature, (uint32_t)strtoul(sig, NULL, 16));
	assert_int_not_equal(disk->mbr_signature, 0);
	assert_int_equal(disk->nparts, 3);
	p = &disk->parts[0];
	assert_int_equal(p->number, 1);
	assert_int_equal(p->start, mbr_starts[0]);
	assert_int_equal(p->size, 32 * MKIMG_MIB);
	assert_true(p->active);
	assert_int_equal(p->mbr_type, 0x07);
	assert_string_equal(p->type, "0x07");
	assert_string_equal(p->label, "System Reserved");
	assert_int_equal(p->role, WR_ROLE_SYSTEM_RESERVED);
	p = &disk->parts[1];
	assert_false(p->active);
	assert_int_equal(p->start, mbr_starts[1]);
	assert_int_equal(p->role, WR_ROLE_WINDOWS);
	p = &disk->parts[2];
	assert_int_equal(p->mbr_type, 0x27);
	assert_string_equal(p->type, "0x27");
	assert_string_equal(p->fstype, "ntfs");
	assert_int_equal(p->role, WR_ROLE_RECOVERY);
	assert_string_equal(wr_part_role_name(WR_ROLE_SYSTEM_RESERVED), "system-reserved");
	wr_disk_free(disk);
}

static void copy_file(const char *src, const char *dst)
{
	const char *argv[] = { "cp", "--sparse=always", src, dst, NULL };

	assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
}

static void zero_at(const char *path, uint64_t off, size_t len)
{
	char z[4096] = { 0 };
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0 && len <= sizeof(z));
	assert_int_equal(pwrite(fd, z, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void test_gpt_damaged_primary(void **state)
{
	(void)state;
	char img[4200], h1[65], h2[65];
	struct wr_disk *good, *disk;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_disk_read(gpt_disk, &good, &d), WR_OK);
	snprintf(img, sizeof(img), "%s/gpt-primary-bad.img", tmp);
	copy_file(gpt_disk, img);
	zero_at(img, 512, 512);		/* the primary GPT header */
	sha(img, h1);
	assert_int_equal(read_silently(img, &disk, &d), WR_OK);
	sha(img, h2);
	assert_string_equal(h1, h2);	/* libparted did not "fix" it */
	assert_int_equal(disk->table, WR_TABLE_GPT);
	assert_true(disk->gpt_primary_damaged);
	assert_false(disk->gpt_backup_damaged);
	assert_string_equal(disk->disk_guid, good->disk_guid);
	assert_int_equal(disk->nparts, good->nparts);
	for (size_t i = 0; i < disk->nparts; i++) {
		assert_int_equal(disk->parts[i].start, good->parts[i].start);
		assert_int_equal(disk->parts[i].size, good->parts[i].size);
		assert_string_equal(disk->parts[i].type, good->parts[i].type);
		assert_string_equal(disk->parts[i].uuid, good->parts[i].uuid);
		assert_int_equal(disk->parts[i].role, good->parts[i].role);
	}
	wr_disk_free(disk);

	/* The other way round: backup header gone, primary good. */
	snprintf(img, sizeof(img), "%s/gpt-backup-bad.img", tmp);
	copy_file(gpt_disk, img);
	zero_at(img, 212 * MKIMG_MIB - 512, 512);
	sha(img, h1);
	assert_int_equal(read_silently(img, &disk, &d), WR_OK);
	sha(img, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(disk->table, WR_TABLE_GPT);
	assert_false(disk->gpt_primary_damaged);
	assert_true(disk->gpt_backup_damaged);
	assert_int_equal(disk->nparts, good->nparts);
	wr_disk_free(disk);

	/* A disk that grew (an image copied to a larger drive): the backup is not at
	 * the end.  libparted offers to "Fix" it; we must not. */
	snprintf(img, sizeof(img), "%s/gpt-grown.img", tmp);
	copy_file(gpt_disk, img);
	{
		int fd = open(img, O_WRONLY);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, 300 * MKIMG_MIB), 0);
		close(fd);
	}
	sha(img, h1);
	assert_int_equal(read_silently(img, &disk, &d), WR_OK);
	sha(img, h2);
	assert_string_equal(h1, h2);
	assert_false(disk->gpt_primary_damaged);
	assert_true(disk->gpt_backup_damaged);	/* not where it belongs */
	assert_int_equal(disk->nparts, good->nparts);
	wr_disk_free(disk);
	wr_disk_free(good);
	unlink(img);
}

static void test_no_table_and_bad_inputs(void **state)
{
	(void)state;
	char img[4200], h1[65], h2[65];
	struct wr_disk *disk = NULL;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent ext;

	/* A bare NTFS volume: no partition table. */
	snprintf(img, sizeof(img), "%s/bare.img", tmp);
	assert_int_equal(mkimg_ntfs(img, 16 * MKIMG_MIB, "Bare"), 0);
	sha(img, h1);
	assert_int_equal(read_silently(img, &disk, &d), WR_OK);
	assert_int_equal(disk->table, WR_TABLE_NONE);
	assert_int_equal(disk->nparts, 0);
	wr_disk_free(disk);
	assert_int_equal(wr_blockdev_resolve(img, 1, &ext, &d), WR_ERR_NO_PARTITION_TABLE);
	sha(img, h2);
	assert_string_equal(h1, h2);
	/* An empty file. */
	snprintf(img, sizeof(img), "%s/empty.img", tmp);
	assert_int_equal(mkimg_file(img, 0), 0);
	assert_int_equal(read_silently(img, &disk, &d), WR_OK);
	assert_int_equal(disk->table, WR_TABLE_NONE);
	assert_int_equal(disk->size, 0);
	wr_disk_free(disk);
	assert_int_equal(wr_blockdev_resolve(img, 1, &ext, &d), WR_ERR_NO_PARTITION_TABLE);
	/* Not there, not a disk. */
	assert_int_equal(wr_disk_read("/nonexistent.img", &disk, &d), WR_ERR_OPEN);
	assert_null(disk);
	assert_int_equal(wr_disk_read("/dev/null", &disk, &d), WR_ERR_OPEN);
	assert_null(disk);
	assert_int_equal(wr_disk_read(tmp, &disk, &d), WR_ERR_OPEN);
}

static void test_data_and_unknown_partitions(void **state)
{
	(void)state;
	static const char script[] =
		"label: gpt\n"
		"size=40MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"USB data\"\n"
		"size=8MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=\"linux\"\n"
		"size=20MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Data\"\n";
	char img[4200], fs[4200], h1[65], h2[65];
	struct wr_disk *disk;
	struct wr_detail d = WR_DETAIL_INIT;

	snprintf(img, sizeof(img), "%s/data.img", tmp);
	snprintf(fs, sizeof(fs), "%s/data.fat", tmp);
	assert_int_equal(mkimg_file(img, 72 * MKIMG_MIB), 0);
	assert_int_equal(mkimg_sfdisk(img, script), 0);
	assert_int_equal(mkimg_vfat(fs, 40 * MKIMG_MIB, "PHOTOS"), 0);
	assert_int_equal(mkimg_place(img, fs, 1 * MKIMG_MIB), 0);
	snprintf(fs, sizeof(fs), "%s/data.ntfs", tmp);
	assert_int_equal(mkimg_ntfs(fs, 20 * MKIMG_MIB, "Data"), 0);
	assert_int_equal(mkimg_place(img, fs, 49 * MKIMG_MIB), 0);
	sha(img, h1);
	assert_int_equal(read_silently(img, &disk, &d), WR_OK);
	sha(img, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(disk->nparts, 3);
	assert_string_equal(disk->parts[0].fstype, "vfat");
	assert_string_equal(disk->parts[0].label, "PHOTOS");
	assert_int_equal(disk->parts[0].role, WR_ROLE_DATA);
	assert_string_equal(disk->parts[1].fstype, "");
	assert_int_equal(disk->parts[1].role, WR_ROLE_UNKNOWN);
	assert_string_equal(disk->parts[2].fstype, "ntfs");
	assert_int_equal(disk->parts[2].role, WR_ROLE_DATA);	/* NTFS without Windows */
	wr_disk_free(disk);
}

/* MBR with an extended partition: the container is not a volume; logical ones are
 * numbered from 5, as the kernel numbers them. */
static void test_mbr_logical_partitions(void **state)
{
	(void)state;
	static const char script[] =
		"label: dos\n"
		",20MiB,7\n"
		",,E\n"	/* the extended container takes the rest */
		",10MiB,7\n"
		",10MiB,83\n";
	char img[4200], fs[4200];
	struct wr_disk *disk;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent ext;

	snprintf(img, sizeof(img), "%s/logical.img", tmp);
	assert_int_equal(mkimg_file(img, 64 * MKIMG_MIB), 0);
	assert_int_equal(mkimg_sfdisk(img, script), 0);
	assert_int_equal(read_silently(img, &disk, &d), WR_OK);
	assert_int_equal(disk->table, WR_TABLE_MBR);
	assert_int_equal(disk->nparts, 3);
	assert_int_equal(disk->parts[0].number, 1);
	assert_int_equal(disk->parts[1].number, 5);
	assert_int_equal(disk->parts[1].mbr_type, 0x07);
	assert_int_equal(disk->parts[1].size, 10 * MKIMG_MIB);
	assert_int_equal(disk->parts[2].number, 6);
	assert_int_equal(disk->parts[2].mbr_type, 0x83);
	assert_int_equal(disk->parts[2].role, WR_ROLE_UNKNOWN);
	/* A volume in the logical partition opens at its offset. */
	assert_int_equal(wr_blockdev_resolve(img, 5, &ext, &d), WR_OK);
	assert_int_equal(ext.offset, disk->parts[1].start);
	snprintf(fs, sizeof(fs), "%s/logical.ntfs", tmp);
	assert_int_equal(mkimg_ntfs(fs, 10 * MKIMG_MIB, "Logical"), 0);
	assert_int_equal(mkimg_place(img, fs, ext.offset), 0);
	unlink(fs);
	wr_disk_free(disk);
	assert_int_equal(wr_disk_read(img, &disk, &d), WR_OK);
	assert_string_equal(disk->parts[1].fstype, "ntfs");
	assert_string_equal(disk->parts[1].label, "Logical");
	assert_int_equal(disk->parts[1].role, WR_ROLE_DATA);
	wr_disk_free(disk);
	assert_int_equal(wr_blockdev_resolve(img, 2, &ext, &d), WR_ERR_NO_SUCH_PARTITION);
	unlink(img);
}

static void test_probe_fs(void **state)
{
	(void)state;
	struct wr_extent ext;
	struct wr_fs_info fs;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_blockdev_resolve(gpt_disk, 1, &ext, &d), WR_OK);
	assert_int_equal(wr_disk_probe_fs(&ext, &fs, &d), WR_OK);
	assert_string_equal(fs.fstype, "vfat");
	assert_string_equal(fs.label, "SYSTEM");
	assert_true(strlen(fs.uuid) > 0);
	assert_int_equal(wr_blockdev_resolve(gpt_disk, 2, &ext, &d), WR_OK);
	assert_int_equal(wr_disk_probe_fs(&ext, &fs, &d), WR_OK);
	assert_string_equal(fs.fstype, "");
	ext.path[0] = '\0';
	assert_int_equal(wr_disk_probe_fs(&ext, &fs, &d), WR_ERR_INVALID_ARG);
}

static void test_disk_list(void **state)
{
	(void)state;
	char **paths = NULL;
	struct wr_detail d = WR_DETAIL_INIT;
	size_t n = 0;
	DIR *dir;
	struct dirent *de;

	assert_int_equal(wr_disk_list(&paths, &d), WR_OK);
	assert_non_null(paths);
	for (char **p = paths; *p; p++) {
		const char *name = *p + 5;
		struct stat st;

		assert_true(!strncmp(*p, "/dev/", 5));
		assert_false(!strncmp(name, "loop", 4) || !strncmp(name, "ram", 3) ||
			     !strncmp(name, "zram", 4) || !strncmp(name, "sr", 2));
		if (!stat(*p, &st))
			assert_true(S_ISBLK(st.st_mode));
		n++;
	}
	/* Every non-empty, non-skipped entry of /sys/block is listed. */
	dir = opendir("/sys/block");
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char path[512], line[64] = "";
		FILE *f;
		bool listed = false;

		if (de->d_name[0] == '.' || !strncmp(de->d_name, "loop", 4) ||
		    !strncmp(de->d_name, "ram", 3) || !strncmp(de->d_name, "zram", 4) ||
		    !strncmp(de->d_name, "sr", 2) || !strncmp(de->d_name, "fd", 2))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/size", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
		if (!strtoull(line, NULL, 10))
			continue;
		for (char **p = paths; *p; p++)
			listed |= !strcmp(*p + 5, de->d_name);
		assert_true(listed);
	}
	closedir(dir);
	(void)n;
	wr_disk_list_free(paths);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpt_pc),
		cmocka_unit_test(test_mbr_pc),
		cmocka_unit_test(test_gpt_damaged_primary),
		cmocka_unit_test(test_no_table_and_bad_inputs),
		cmocka_unit_test(test_data_and_unknown_partitions),
		cmocka_unit_test(test_mbr_logical_partitions),
		cmocka_unit_test(test_probe_fs),
		cmocka_unit_test(test_disk_list),
	};

	if (!mkimg_have("mkntfs") || !mkimg_have("sfdisk") || !mkimg_have("mkfs.vfat")) {
		printf("mkntfs, sfdisk or mkfs.vfat is not installed\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
