/*
 * test_disk_layout.c - Windows Setup's disk layouts written on a 40 GiB sparse image,
 * checked with independent tools: sfdisk --json (every start, size, type, GPT
 * attribute, name, the active flag, the MBR disk signature), blkid (each file system
 * and its label), fsck.fat (the ESP).  A disk too small, or one that changed since
 * the plan, is refused with not one byte changed.  The MBR active flag moves.
 */
#define _GNU_SOURCE	/* SEEK_DATA, SEEK_HOLE */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mkimg.h"
#include "winrescue.h"

#define MIB MKIMG_MIB
#define GIB (1024 * MIB)
#define DISK_SIZE (40 * GIB)
#define SECTORS (DISK_SIZE / 512)

static char dir[4096], disk[4200];

/* ------------------------------------------------------------------------- */

/* sfdisk --json disk, parsed; the caller puts it. */
static struct json_object *sfdisk_json(void)
{
	static char out[65536];
	const char *argv[] = { "sfdisk", "--json", disk, NULL };

	assert_int_equal(mkimg_run(argv, NULL, out, sizeof(out)), 0);
	return json_tokener_parse(out);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : "";
}

static uint32_t hidden_sectors(uint64_t off)
{
	unsigned char bs[512];
	int fd = open(disk, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, bs, 512, (off_t)off), 512);
	close(fd);
	return (uint32_t)bs[0x1c] | (uint32_t)bs[0x1d] << 8 | (uint32_t)bs[0x1e] << 16 |
	       (uint32_t)bs[0x1f] << 24;
}

/* fsck.fat -n on [off, off+size) through a read-only loop device. */
static int fsck_fat(uint64_t off, uint64_t size)
{
	char o[32], s[32], loop[64] = "";
	const char *lo[] = { "losetup", "-r", "-o", o, "--sizelimit", s, "--show", "-f",
			     disk, NULL };
	const char *fsck[] = { "fsck.fat", "-n", loop, NULL };
	const char *det[] = { "losetup", "-d", loop, NULL };
	int rc;

	snprintf(o, sizeof(o), "%llu", (unsigned long long)off);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)size);
	if (mkimg_run(lo, NULL, loop, sizeof(loop)))
		return -1;
	loop[strcspn(loop, "\n")] = 0;
	rc = mkimg_run(fsck, NULL, NULL, 0);
	mkimg_run(det, NULL, NULL, 0);
	return rc;
}

/* A fingerprint of what the file reads as, cheap on a 40 GiB sparse image (a
 * sha256sum would read 40 GiB): FNV-1a over the size and over every 4 KiB block
 * that is not all zeros, with its offset; holes and zero blocks read the same and
 * count the same.  Data extents are found with SEEK_DATA/SEEK_HOLE. */
static uint64_t content_sum(const char *path)
{
	static unsigned char buf[1024 * 1024];
	static const unsigned char zero[4096];
	uint64_t h = 1469598103934665603ULL;
	struct stat sb;
	off_t pos = 0;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	for (size_t i = 0; i < sizeof(sb.st_size); i++)
		h = (h ^ ((uint64_t)sb.st_size >> (8 * i) & 0xff)) * 1099511628211ULL;
	while (pos < sb.st_size) {
		off_t data = lseek(fd, pos, SEEK_DATA), hole;

		if (data < 0)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		assert_true(hole > data);
		data -= data % 4096;
		for (off_t at = data; at < hole;) {
			ssize_t n = pread(fd, buf, sizeof(buf), at);

			assert_true(n > 0);
			for (ssize_t b = 0; b < n; b += 4096) {
				size_t len = (size_t)(n - b) < 4096 ? (size_t)(n - b) : 4096;
				uint64_t off = (uint64_t)(at + b);

				if (!memcmp(buf + b, zero, len))
					continue;
				for (size_t i = 0; i < 8; i++)
					h = (h ^ (off >> (8 * i) & 0xff)) * 1099511628211ULL;
				for (size_t i = 0; i < len; i++)
					h = (h ^ buf[b + (ssize_t)i]) * 1099511628211ULL;
			}
			at += n;
		}
		pos = hole;
	}
	close(fd);
	return h;
}

struct steps {
	unsigned begins, ends, count, last_index;
	int ordered;
};

static enum wr_prog_status on_step(enum wr_prog_msg msg, const union wr_prog_info *info,
				   void *ctx)
{
	struct steps *s = ctx;

	if (msg == WR_PROG_STEP_BEGIN) {
		if (info->step.index != s->last_index + 1 || !info->step.name)
			s->ordered = 0;
		s->last_index = info->step.index;
		s->count = info->step.count;
		s->begins++;
	} else if (msg == WR_PROG_STEP_END) {
		if (info->step.index != s->last_index)
			s->ordered = 0;
		s->ends++;
	}
	return WR_PROG_CONTINUE;
}

static int setup(void **state)
{
	(void)state;
	unlink(disk);
	return mkimg_file(disk, DISK_SIZE);
}

static int teardown(void **state)
{
	(void)state;
	unlink(disk);
	return 0;
}

/* ------------------------------------------------------------------------- */

static void test_gpt(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_layout_plan p;
	struct steps st = { 0, 0, 0, 0, 1 };
	struct json_object *j, *t, *parts;
	/* Windows Setup's layout, in sectors: ESP 260 MiB at 1 MiB, MSR 16 MiB, Windows,
	 * Recovery 1 GiB ending before the backup GPT (33 sectors), 1 MiB aligned. */
	const uint64_t rec = (SECTORS - 33 - 2 * 1024 * 1024) / 2048 * 2048;
	const uint64_t start[4] = { 2048, 2048 + 532480, 2048 + 532480 + 32768, rec };
	const uint64_t size[4] = { 532480, 32768, rec - (2048 + 532480 + 32768), 2097152 };
	const char *type[4] = { "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
				"E3C9E316-0B5C-4DB8-817D-F92DF00215AE",
				"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
				"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC" };
	const char *name[4] = { "EFI system partition", "Microsoft reserved partition",
				"Basic data partition", "Basic data partition" };
	char val[256];

	(void)state;
	assert_int_equal(wr_layout_plan(disk, WR_LAYOUT_GPT, 20 * GIB, &p, &d), WR_OK);
	assert_int_equal(p.nparts, 4);
	assert_int_equal(p.disk_size, DISK_SIZE);
	assert_int_equal(p.sector_size, 512);
	assert_int_equal(p.system_part, 1);
	assert_int_equal(p.msr_part, 2);
	assert_int_equal(p.windows_part, 3);
	assert_int_equal(p.recovery_part, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(p.parts[i].start, start[i] * 512);
		assert_int_equal(p.parts[i].size, size[i] * 512);
	}
	/* Planning wrote nothing: the file is still all hole. */
	{
		struct stat sb;

		assert_int_equal(stat(disk, &sb), 0);
		assert_int_equal(sb.st_blocks, 0);
	}
	assert_int_equal(wr_layout_apply(&p, on_step, &st, &d), WR_OK);
	assert_int_equal(st.count, 4);	/* the table, then ESP, Windows, Recovery */
	assert_int_equal(st.begins, 4);
	assert_int_equal(st.ends, 4);
	assert_true(st.ordered);

	j = sfdisk_json();
	assert_non_null(j);
	t = get(j, "partitiontable");
	assert_string_equal(get_str(t, "label"), "gpt");
	parts = get(t, "partitions");
	assert_non_null(parts);
	assert_int_equal(json_object_array_length(parts), 4);
	for (unsigned i = 0; i < 4; i++) {
		struct json_object *q = json_object_array_get_idx(parts, i);

		assert_int_equal(json_object_get_int64(get(q, "start")), (int64_t)start[i]);
		assert_int_equal(json_object_get_int64(get(q, "size")), (int64_t)size[i]);
		assert_string_equal(get_str(q, "type"), type[i]);
		assert_string_equal(get_str(q, "name"), name[i]);
		/* Required (bit 0) + no drive letter (bit 63) on the recovery only. */
		assert_string_equal(get_str(q, "attrs"),
				    i == 3 ? "RequiredPartition GUID:63" : "");
	}
	json_object_put(j);

	/* The file systems, read by libblkid's command-line tool. */
	mkimg_blkid_value(disk, start[0] * 512, size[0] * 512, "TYPE", val, sizeof(val));
	assert_string_equal(val, "vfat");
	mkimg_blkid_value(disk, start[0] * 512, size[0] * 512, "VERSION", val, sizeof(val));
	assert_string_equal(val, "FAT32");
	assert_int_equal(fsck_fat(start[0] * 512, size[0] * 512), 0);
	mkimg_blkid_value(disk, start[1] * 512, size[1] * 512, "TYPE", val, sizeof(val));
	assert_string_equal(val, "");	/* MSR: no file system */
	mkimg_blkid_value(disk, start[2] * 512, size[2] * 512, "TYPE", val, sizeof(val));
	assert_string_equal(val, "ntfs");
	mkimg_blkid_value(disk, start[2] * 512, size[2] * 512, "LABEL", val, sizeof(val));
	assert_string_equal(val, "");	/* Setup leaves C: unlabelled */
	mkimg_blkid_value(disk, start[3] * 512, size[3] * 512, "TYPE", val, sizeof(val));
	assert_string_equal(val, "ntfs");
	mkimg_blkid_value(disk, start[3] * 512, size[3] * 512, "LABEL", val, sizeof(val));
	assert_string_equal(val, "Windows RE tools");
	for (unsigned i = 0; i < 4; i++)
		if (i != 1)
			assert_int_equal(hidden_sectors(start[i] * 512), start[i]);

	/* The engine's own reader sees the roles. */
	{
		struct wr_disk *dk = NULL;

		assert_int_equal(wr_disk_read(disk, &dk, &d), WR_OK);
		assert_int_equal(dk->table, WR_TABLE_GPT);
		assert_int_equal(dk->nparts, 4);
		assert_int_equal(dk->parts[0].role, WR_ROLE_ESP);
		assert_int_equal(dk->parts[1].role, WR_ROLE_MSR);
		assert_int_equal(dk->parts[3].role, WR_ROLE_RECOVERY);
		assert_int_equal(dk->parts[3].gpt_attrs, 0x8000000000000001ULL);
		assert_false(dk->gpt_backup_damaged);
		wr_disk_free(dk);
	}

	/* No active flag on GPT: refused, nothing written. */
	{
		uint64_t before = content_sum(disk);

		assert_int_equal(wr_disk_set_active(disk, 3, &d), WR_ERR_UNSUPPORTED);
		assert_true(content_sum(disk) == before);
	}
}

static void check_mbr(unsigned active)
{
	struct json_object *j, *t, *parts;
	const uint64_t start[2] = { 2048, 2048 + 1024000 };
	const uint64_t size[2] = { 1024000, SECTORS - (2048 + 1024000) };

	j = sfdisk_json();
	assert_non_null(j);
	t = get(j, "partitiontable");
	assert_string_equal(get_str(t, "label"), "dos");
	/* A nonzero disk signature: the BCD names the disk by it. */
	assert_true(strtoul(get_str(t, "id"), NULL, 16) != 0);
	parts = get(t, "partitions");
	assert_int_equal(json_object_array_length(parts), 2);
	for (unsigned i = 0; i < 2; i++) {
		struct json_object *q = json_object_array_get_idx(parts, i);
		struct json_object *boot = get(q, "bootable");

		assert_int_equal(json_object_get_int64(get(q, "start")), (int64_t)start[i]);
		assert_int_equal(json_object_get_int64(get(q, "size")), (int64_t)size[i]);
		assert_string_equal(get_str(q, "type"), "7");
		assert_int_equal(boot && json_object_get_boolean(boot), i + 1 == active);
	}
	json_object_put(j);
}

static void test_mbr_and_active_flag(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_layout_plan p;
	struct steps st = { 0, 0, 0, 0, 1 };
	char val[256];
	uint64_t before;
	unsigned char mbr1[512], mbr2[512];
	int fd;

	(void)state;
	assert_int_equal(wr_layout_plan(disk, WR_LAYOUT_MBR, 20 * GIB, &p, &d), WR_OK);
	assert_int_equal(p.nparts, 2);
	assert_int_equal(p.system_part, 1);
	assert_int_equal(p.windows_part, 2);
	assert_int_equal(p.recovery_part, 0);
	assert_true(p.parts[0].active);
	assert_int_equal(wr_layout_apply(&p, on_step, &st, &d), WR_OK);
	assert_int_equal(st.count, 3);
	assert_int_equal(st.ends, 3);
	check_mbr(1);
	mkimg_blkid_value(disk, MIB, 500 * MIB, "TYPE", val, sizeof(val));
	assert_string_equal(val, "ntfs");
	mkimg_blkid_value(disk, MIB, 500 * MIB, "LABEL", val, sizeof(val));
	assert_string_equal(val, "System Reserved");
	assert_int_equal(hidden_sectors(MIB), 2048);
	mkimg_blkid_value(disk, 501 * MIB, DISK_SIZE - 501 * MIB, "TYPE", val, sizeof(val));
	assert_string_equal(val, "ntfs");
	assert_int_equal(hidden_sectors(501 * MIB), 501 * 2048);

	/* Move the active flag: only the table's flag bytes change. */
	fd = open(disk, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, mbr1, 512, 0), 512);
	assert_int_equal(wr_disk_set_active(disk, 2, &d), WR_OK);
	assert_int_equal(pread(fd, mbr2, 512, 0), 512);
	check_mbr(2);
	assert_memory_equal(mbr1, mbr2, 446);	/* boot code and disk signature kept */
	assert_int_equal(wr_disk_set_active(disk, 1, &d), WR_OK);
	assert_int_equal(pread(fd, mbr2, 512, 0), 512);
	close(fd);
	check_mbr(1);
	assert_memory_equal(mbr1, mbr2, 512);

	/* A partition that does not exist: refused, nothing written. */
	before = content_sum(disk);
	assert_int_equal(wr_disk_set_active(disk, 3, &d), WR_ERR_NO_SUCH_PARTITION);
	assert_true(content_sum(disk) == before);
}

/* MBR over an earlier GPT: nothing of the old table (the backup GPT at the end)
 * is left for a tool to find. */
static void test_mbr_replaces_gpt(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_layout_plan p;
	char out[4096];
	const char *argv[] = { "blkid", "-p", "-o", "export", disk, NULL };

	(void)state;
	assert_int_equal(wr_layout_plan(disk, WR_LAYOUT_GPT, 0, &p, &d), WR_OK);
	assert_int_equal(wr_layout_apply(&p, NULL, NULL, &d), WR_OK);
	assert_int_equal(wr_layout_plan(disk, WR_LAYOUT_MBR, 0, &p, &d), WR_OK);
	assert_int_equal(wr_layout_apply(&p, NULL, NULL, &d), WR_OK);
	check_mbr(1);
	assert_int_equal(mkimg_run(argv, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "PTTYPE=dos"));
	assert_null(strstr(out, "gpt"));
}

static void test_too_small_changes_nothing(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_layout_plan p;
	uint64_t before;
	const char *argv[] = { "sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", disk,
			       NULL };

	(void)state;
	/* Something to keep: an existing table. */
	assert_int_equal(mkimg_run(argv, "label: gpt\nstart=2048, size=1GiB\n", NULL, 0), 0);
	before = content_sum(disk);
	assert_int_equal(wr_layout_plan(disk, WR_LAYOUT_GPT, 39 * GIB, &p, &d),
			 WR_ERR_DISK_TOO_SMALL);
	assert_int_equal(p.nparts, 0);
	assert_int_equal(wr_layout_plan(disk, WR_LAYOUT_MBR, 40 * GIB, &p, &d),
			 WR_ERR_DISK_TOO_SMALL);
	/* The plan of a disk that has since grown is refused too. */
	assert_int_equal(wr_layout_plan(disk, WR_LAYOUT_GPT, 0, &p, &d), WR_OK);
	p.disk_size -= MIB;
	assert_int_equal(wr_layout_apply(&p, NULL, NULL, &d), WR_ERR_INVALID_ARG);
	assert_true(content_sum(disk) == before);

	/* A disk with no room at all for the GPT layout. */
	assert_int_equal(truncate(disk, 1 * GIB), 0);
	assert_int_equal(wr_layout_plan(disk, WR_LAYOUT_GPT, 0, &p, &d), WR_ERR_DISK_TOO_SMALL);
}

/* The disk the running system lives on is refused at planning time already (the
 * plan only reads, so this is safe to try on the real disk). */
static void test_live_disk_refused(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_layout_plan p;
	char sys[96], line[256], dev[300] = "";
	struct stat sb;
	FILE *f;

	(void)state;
	assert_int_equal(stat("/", &sb), 0);
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/uevent", major(sb.st_dev),
		 minor(sb.st_dev));
	f = fopen(sys, "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "DEVNAME=", 8)) {
				line[strcspn(line, "\n")] = 0;
				snprintf(dev, sizeof(dev), "/dev/%s", line + 8);
			}
		fclose(f);
	}
	if (!dev[0] || stat(dev, &sb) || !S_ISBLK(sb.st_mode)) {
		printf("the root file system is not on a block device here\n");
		skip();
	}
	assert_int_equal(wr_layout_plan(dev, WR_LAYOUT_GPT, 0, &p, &d), WR_ERR_LIVE_DISK);
	assert_int_equal(wr_layout_plan(dev, WR_LAYOUT_MBR, 0, &p, &d), WR_ERR_LIVE_DISK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gpt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbr_and_active_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbr_replaces_gpt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_small_changes_nothing, setup, teardown),
		cmocka_unit_test(test_live_disk_refused),
	};
	const char *tools[] = { "sfdisk", "mkntfs", "mkfs.fat", "fsck.fat", "blkid", "losetup",
				NULL };
	int ret;

	mkimg_require(tools);
	if (geteuid() != 0) {
		printf("formatting partitions of a disk image needs loop devices (root)\n");
		return 77;
	}
	if (mkimg_tmpdir(dir, sizeof(dir)))
		return 1;
	snprintf(disk, sizeof(disk), "%s/disk.img", dir);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	mkimg_rmrf(dir);
	return ret;
}
