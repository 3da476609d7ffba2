/*
 * test_format.c - formatting and wiping one partition of a real GPT disk image
 * (sfdisk) writes exactly that partition: the table, the backup GPT and the other
 * partitions stay byte-identical; independent tools (blkid, ntfslabel, fsck.fat)
 * read what was made; the boot sector's hidden sectors are the partition start; a
 * wipe leaves only zeros (cmp against /dev/zero), reports its progress and stops
 * when asked.  Block-device paths (BLKZEROOUT, the kernel's partition node) are
 * exercised on loop devices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mkimg.h"
#include "winrescue.h"

#define MIB MKIMG_MIB

/* The disk: 1 ESP 8 MiB, 2 data 16 MiB, 3 target 64 MiB, 4 data 16 MiB. */
static const char script[] =
	"label: gpt\n"
	"start=2048, size=8MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"EFI\"\n"
	"size=16MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Data A\"\n"
	"size=64MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Target\"\n"
	"size=16MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Data B\"\n";
static const uint64_t starts[4] = { 1 * MIB, 9 * MIB, 25 * MIB, 89 * MIB };
static const uint64_t sizes[4] = { 8 * MIB, 16 * MIB, 64 * MIB, 16 * MIB };
#define DISK_SIZE (106 * MIB)

static char dir[4096], disk[4200], orig[4200];

/* Fill [off, off+len) with a pattern that depends on seed and position. */
static void fill(const char *path, uint64_t off, uint64_t len, unsigned seed)
{
	static unsigned char buf[MIB];
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	for (uint64_t done = 0; done < len; done += sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)((i * 31 + done / MIB * 7 + seed) | 1);
		assert_int_equal(pwrite(fd, buf, sizeof(buf), (off_t)(off + done)),
				 (ssize_t)sizeof(buf));
	}
	close(fd);
}

/* Are [off, off+len) of files a and b byte-identical? */
static int same_range(const char *a, const char *b, uint64_t off, uint64_t len)
{
	static char ba[MIB], bb[MIB];
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY), same = fa >= 0 && fb >= 0;

	while (same && len) {
		size_t n = len < MIB ? (size_t)len : MIB;

		same = pread(fa, ba, n, (off_t)off) == (ssize_t)n &&
		       pread(fb, bb, n, (off_t)off) == (ssize_t)n && !memcmp(ba, bb, n);
		off += n;
		len -= n;
	}
	close(fa);
	close(fb);
	return same;
}

/* Everything outside partition `except` (1-based; 0 = nothing excepted) is as in orig. */
static void assert_outside_unchanged(unsigned except)
{
	struct stat a, b;

	assert_int_equal(stat(disk, &a), 0);
	assert_int_equal(stat(orig, &b), 0);
	assert_int_equal(a.st_size, b.st_size);
	if (!except) {
		assert_true(same_range(disk, orig, 0, (uint64_t)a.st_size));
		return;
	}
	/* The primary table and partitions before, then partitions after and the backup. */
	assert_true(same_range(disk, orig, 0, starts[except - 1]));
	assert_true(same_range(disk, orig, starts[except - 1] + sizes[except - 1],
			       (uint64_t)a.st_size - starts[except - 1] - sizes[except - 1]));
}

/* The partition reads as zeros: cmp -n SIZE -i 0:OFFSET /dev/zero disk. */
static int range_is_zero(const char *path, uint64_t off, uint64_t len)
{
	char n[32], skip[64];
	const char *argv[] = { "cmp", "-n", n, "-i", skip, "/dev/zero", path, NULL };

	snprintf(n, sizeof(n), "%llu", (unsigned long long)len);
	snprintf(skip, sizeof(skip), "0:%llu", (unsigned long long)off);
	return mkimg_run(argv, NULL, NULL, 0) == 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void boot_sector(const char *path, uint64_t off, unsigned char bs[512])
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, bs, 512, (off_t)off), 512);
	close(fd);
}

/* losetup [-P] [-o OFF --sizelimit S] --show -f FILE into dev. */
static int losetup(const char *file, uint64_t off, uint64_t size, int partscan, char *dev,
		   size_t len)
{
	char o[32], s[32];
	const char *argv[12];
	size_t n = 0;

	argv[n++] = "losetup";
	if (partscan)
		argv[n++] = "-P";
	if (size) {
		snprintf(o, sizeof(o), "%llu", (unsigned long long)off);
		snprintf(s, sizeof(s), "%llu", (unsigned long long)size);
		argv[n++] = "-o";
		argv[n++] = o;
		argv[n++] = "--sizelimit";
		argv[n++] = s;
	}
	argv[n++] = "--show";
	argv[n++] = "-f";
	argv[n++] = file;
	argv[n] = NULL;
	if (mkimg_run(argv, NULL, dev, len))
		return -1;
	dev[strcspn(dev, "\n")] = 0;
	return strncmp(dev, "/dev/loop", 9) ? -1 : 0;
}

/* The kernel's node for partition n of a partition-scanned loop device, made with
 * mknod from sysfs when no udev makes it.  Returns 1 when the test made it, 0 when
 * it was there, -1 when the kernel shows no such partition (some sandboxes' loop
 * driver does not scan partitions). */
static int partition_node(const char *loop, unsigned n, char *path, size_t len)
{
	char sys[160], num[32];
	unsigned ma, mi;
	struct stat sb;
	FILE *f;

	snprintf(path, len, "%sp%u", loop, n);
	for (int i = 0; i < 10 && stat(path, &sb); i++)
		usleep(100000);	/* udev, where there is one, makes it a moment later */
	if (!stat(path, &sb))
		return 0;
	snprintf(sys, sizeof(sys), "/sys/class/block/%s/dev", path + 5);
	f = fopen(sys, "r");
	if (!f)
		return -1;
	assert_non_null(fgets(num, sizeof(num), f));
	fclose(f);
	assert_int_equal(sscanf(num, "%u:%u", &ma, &mi), 2);
	assert_int_equal(mknod(path, S_IFBLK | 0600, makedev(ma, mi)), 0);
	return 1;
}

static void losetup_d(const char *dev)
{
	const char *argv[] = { "losetup", "-d", dev, NULL };

	mkimg_run(argv, NULL, NULL, 0);
}

static int setup(void **state)
{
	const char *cp[] = { "cp", "--sparse=always", disk, orig, NULL };

	(void)state;
	if (mkimg_file(disk, DISK_SIZE) || mkimg_sfdisk(disk, script))
		return -1;
	for (unsigned i = 0; i < 4; i++) {
		/* A recognisable first and last MiB in every partition. */
		fill(disk, starts[i], MIB, 10 + i);
		fill(disk, starts[i] + sizes[i] - MIB, MIB, 20 + i);
	}
	fill(disk, starts[2] + 8 * MIB, 8 * MIB, 99);
	return mkimg_run(cp, NULL, NULL, 0) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(disk);
	unlink(orig);
	return 0;
}

/* ------------------------------------------------------------------------- */

static void test_ntfs_partition_3(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	unsigned char bs[512];
	char val[256], loop[64], out[1024];
	const char *label_argv[] = { "ntfslabel", loop, NULL };

	(void)state;
	assert_int_equal(wr_format_ntfs(disk, 3, "Windows", &d), WR_OK);
	assert_outside_unchanged(3);
	mkimg_blkid_value(disk, starts[2], sizes[2], "TYPE", val, sizeof(val));
	assert_string_equal(val, "ntfs");
	mkimg_blkid_value(disk, starts[2], sizes[2], "LABEL", val, sizeof(val));
	assert_string_equal(val, "Windows");
	boot_sector(disk, starts[2], bs);
	assert_memory_equal(bs + 3, "NTFS    ", 8);
	assert_int_equal(le32(bs + 0x1c), starts[2] / 512);	/* hidden sectors */
	assert_int_equal(bs[0x18] | bs[0x19] << 8, 63);		/* sectors per track */
	assert_int_equal(bs[0x1a] | bs[0x1b] << 8, 255);	/* heads */
	/* ntfs-3g's own label reader, through a read-only loop device. */
	assert_int_equal(losetup(disk, starts[2], sizes[2], 0, loop, sizeof(loop)), 0);
	assert_int_equal(mkimg_run(label_argv, NULL, out, sizeof(out)), 0);
	losetup_d(loop);
	out[strcspn(out, "\n")] = 0;
	assert_string_equal(out, "Windows");
}

static void test_fat32_partition_1(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	unsigned char bs[512];
	char val[256], loop[64];
	const char *fsck_argv[] = { "fsck.fat", "-n", loop, NULL };

	(void)state;
	assert_int_equal(wr_format_fat32(disk, 1, "SYSTEM", &d), WR_OK);
	assert_outside_unchanged(1);
	mkimg_blkid_value(disk, starts[0], sizes[0], "TYPE", val, sizeof(val));
	assert_string_equal(val, "vfat");
	mkimg_blkid_value(disk, starts[0], sizes[0], "VERSION", val, sizeof(val));
	assert_string_equal(val, "FAT32");
	mkimg_blkid_value(disk, starts[0], sizes[0], "LABEL", val, sizeof(val));
	assert_string_equal(val, "SYSTEM");
	boot_sector(disk, starts[0], bs);
	assert_int_equal(le32(bs + 0x1c), starts[0] / 512);
	assert_int_equal(losetup(disk, starts[0], sizes[0], 0, loop, sizeof(loop)), 0);
	assert_int_equal(mkimg_run(fsck_argv, NULL, NULL, 0), 0);
	losetup_d(loop);
}

/* Bad inputs: a clear error and not one byte changed. */
static void test_refusals_change_nothing(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	char before[65], after[65];
	double secs = -1;

	(void)state;
	assert_int_equal(mkimg_sha256(disk, before), 0);
	assert_int_equal(wr_format_fat32(disk, 1, "LONGER THAN 11", &d), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_format_ntfs(disk, 9, "X", &d), WR_ERR_NO_SUCH_PARTITION);
	assert_int_equal(wr_wipe(disk, 9, NULL, NULL, &d), WR_ERR_NO_SUCH_PARTITION);
	assert_int_equal(wr_wipe_estimate(disk, 9, &secs, &d), WR_ERR_NO_SUCH_PARTITION);
	assert_int_equal(wr_format_ntfs("/nonexistent/disk.img", 1, "X", &d), WR_ERR_OPEN);
	assert_int_equal(wr_wipe(NULL, 1, NULL, NULL, &d), WR_ERR_INVALID_ARG);
	assert_int_equal(mkimg_sha256(disk, after), 0);
	assert_string_equal(before, after);
}

struct prog {
	uint64_t last, total, calls, abort_after;
	int increasing;
};

static enum wr_prog_status on_progress(enum wr_prog_msg msg, const union wr_prog_info *info,
				       void *ctx)
{
	struct prog *p = ctx;

	assert_int_equal(msg, WR_PROG_BYTES);
	if (p->calls && info->amount.done <= p->last)
		p->increasing = 0;
	p->last = info->amount.done;
	p->total = info->amount.total;
	p->calls++;
	if (p->abort_after && info->amount.done >= p->abort_after)
		return WR_PROG_ABORT;
	return WR_PROG_CONTINUE;
}

static void test_wipe_partition_3(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct prog p = { 0, 0, 0, 0, 1 };
	double secs = 0;

	(void)state;
	assert_false(range_is_zero(disk, starts[2], sizes[2]));
	assert_int_equal(wr_wipe_estimate(disk, 3, &secs, &d), WR_OK);
	assert_true(secs >= 1 && secs < 60);
	assert_outside_unchanged(0);	/* the estimate wrote nothing */
	assert_int_equal(wr_wipe(disk, 3, on_progress, &p, &d), WR_OK);
	assert_true(range_is_zero(disk, starts[2], sizes[2]));
	assert_outside_unchanged(3);
	assert_true(p.increasing);
	assert_true(p.calls >= 2);	/* the start and the end at least */
	assert_int_equal(p.total, sizes[2]);
	assert_int_equal(p.last, sizes[2]);
}

static void test_wipe_abort(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct prog p = { 0, 0, 0, 1, 1 };

	(void)state;
	assert_int_equal(wr_wipe(disk, 3, on_progress, &p, &d), WR_ERR_ABORTED);
	assert_true(p.last > 0 && p.last < sizes[2]);
	/* Zero up to what was reported, untouched after it. */
	assert_true(range_is_zero(disk, starts[2], p.last));
	assert_true(same_range(disk, orig, starts[2] + p.last, sizes[2] - p.last));
	assert_false(range_is_zero(disk, starts[2] + sizes[2] - MIB, MIB));
	assert_outside_unchanged(3);
}

/* A whole-disk block device (a loop device): BLKZEROOUT, and the estimate by a
 * timed rewrite that changes no byte. */
static void test_wipe_block_device(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct prog p = { 0, 0, 0, 0, 1 };
	char loop[64], before[65], after[65];
	double secs = 0;

	(void)state;
	assert_int_equal(losetup(disk, 0, 0, 0, loop, sizeof(loop)), 0);
	assert_int_equal(mkimg_sha256(disk, before), 0);
	assert_int_equal(wr_wipe_estimate(loop, 3, &secs, &d), WR_OK);
	assert_int_equal(mkimg_sha256(disk, after), 0);
	assert_string_equal(before, after);
	assert_true(secs >= 1);
	assert_int_equal(wr_wipe(loop, 2, on_progress, &p, &d), WR_OK);
	losetup_d(loop);
	assert_true(range_is_zero(disk, starts[1], sizes[1]));
	assert_outside_unchanged(2);
	assert_int_equal(p.last, sizes[1]);
}

/* A disk device whose partitions the kernel shows (/dev/loopNp3): formatted through
 * that node, with the right hidden sectors. */
static void test_ntfs_on_partitioned_block_device(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	unsigned char bs[512];
	char loop[64], val[256], part[80];
	int made;

	(void)state;
	assert_int_equal(losetup(disk, 0, 0, 1, loop, sizeof(loop)), 0);
	/* With the kernel's node wr_format_ntfs uses it; without, a loop device over
	 * the partition: the result must be the same. */
	made = partition_node(loop, 4, part, sizeof(part));
	assert_int_equal(wr_format_ntfs(loop, 4, "Data B", &d), WR_OK);
	if (made == 1)
		unlink(part);
	losetup_d(loop);
	assert_outside_unchanged(4);
	boot_sector(disk, starts[3], bs);
	assert_int_equal(le32(bs + 0x1c), starts[3] / 512);
	mkimg_blkid_value(disk, starts[3], sizes[3], "LABEL", val, sizeof(val));
	assert_string_equal(val, "Data B");
}

/* A mounted partition is refused by every writer, and nothing changes. */
static void test_mounted_refused(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_layout_plan p;
	char loop[64], mnt[4200], before[65], after[65];
	const char *mount_argv[] = { "ntfs-3g", "-o", "ro", loop, mnt, NULL };
	const char *umount_argv[] = { "umount", mnt, NULL };
	int mounted;

	(void)state;
	assert_int_equal(wr_format_ntfs(disk, 1, "ESP", &d), WR_OK);
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	assert_int_equal(losetup(disk, starts[0], sizes[0], 0, loop, sizeof(loop)), 0);
	mounted = mkimg_run(mount_argv, NULL, NULL, 0) == 0;
	if (mounted) {
		assert_int_equal(mkimg_sha256(disk, before), 0);
		assert_int_equal(wr_format_ntfs(disk, 1, "X", &d), WR_ERR_MOUNTED);
		assert_int_equal(wr_format_fat32(disk, 1, "X", &d), WR_ERR_MOUNTED);
		assert_int_equal(wr_wipe(disk, 1, NULL, NULL, &d), WR_ERR_MOUNTED);
		/* The whole disk: a layout or the active flag would change a mounted disk. */
		memset(&p, 0, sizeof(p));
		p.kind = WR_LAYOUT_GPT;
		p.nparts = 1;
		snprintf(p.disk_path, sizeof(p.disk_path), "%.4000s", disk);
		assert_int_equal(wr_layout_apply(&p, NULL, NULL, &d), WR_ERR_MOUNTED);
		assert_int_equal(wr_disk_set_active(disk, 1, &d), WR_ERR_MOUNTED);
		assert_int_equal(mkimg_sha256(disk, after), 0);
		assert_string_equal(before, after);
		mkimg_run(umount_argv, NULL, NULL, 0);
	}
	losetup_d(loop);
	rmdir(mnt);
	if (!mounted) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("cannot mount with ntfs-3g (FUSE) here");
		printf("cannot mount with ntfs-3g (FUSE) here: mounted refusal not checked\n");
		skip();
	}
}

/* A partition's own kernel node as the volume (partition 0): hidden sectors come
 * from the kernel's start of that partition. */
static void test_ntfs_on_partition_node(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	unsigned char bs[512];
	char loop[64], part[80];
	int made;

	(void)state;
	assert_int_equal(losetup(disk, 0, 0, 1, loop, sizeof(loop)), 0);
	made = partition_node(loop, 2, part, sizeof(part));
	if (made < 0) {
		losetup_d(loop);
		printf("the kernel shows no partitions of loop devices here\n");
		skip();
	}
	assert_int_equal(wr_format_ntfs(part, 0, "Data A", &d), WR_OK);
	if (made == 1)
		unlink(part);
	losetup_d(loop);
	assert_outside_unchanged(2);
	boot_sector(disk, starts[1], bs);
	assert_memory_equal(bs + 3, "NTFS    ", 8);
	assert_int_equal(le32(bs + 0x1c), starts[1] / 512);
}

/* Partition 0: the path is the volume itself (hidden sectors 0 for a file). */
static void test_ntfs_volume_file(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	char vol[4200], val[256];
	unsigned char bs[512];

	(void)state;
	snprintf(vol, sizeof(vol), "%s/vol.img", dir);
	assert_int_equal(mkimg_file(vol, 32 * MIB), 0);
	assert_int_equal(wr_format_ntfs(vol, 0, "", &d), WR_OK);
	mkimg_blkid_value(vol, 0, 32 * MIB, "TYPE", val, sizeof(val));
	assert_string_equal(val, "ntfs");
	mkimg_blkid_value(vol, 0, 32 * MIB, "LABEL", val, sizeof(val));
	assert_string_equal(val, "");
	boot_sector(vol, 0, bs);
	assert_int_equal(le32(bs + 0x1c), 0);
	/* A label kept from a Japanese Windows, whatever the caller's locale. */
	assert_int_equal(wr_format_ntfs(vol, 0, "ローカル ディスク", &d), WR_OK);
	{
		struct wr_extent ext;
		struct wr_volume_state st;

		/* libntfs-3g reads it back (blkid would escape it in a C locale). */
		assert_int_equal(wr_blockdev_resolve(vol, 0, &ext, &d), WR_OK);
		assert_int_equal(wr_ntfs_probe(&ext, &st, &d), WR_OK);
		assert_string_equal(st.label, "ローカル ディスク");
	}
	unlink(vol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ntfs_partition_3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fat32_partition_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wipe_partition_3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wipe_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wipe_block_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntfs_on_partitioned_block_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mounted_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntfs_on_partition_node, setup, teardown),
		cmocka_unit_test(test_ntfs_volume_file),
	};
	const char *tools[] = { "sfdisk", "mkntfs", "mkfs.fat", "fsck.fat", "ntfslabel",
				"blkid", "losetup", "cmp", "ntfs-3g", NULL };
	int ret;

	mkimg_require(tools);
	if (geteuid() != 0) {
		printf("formatting a partition of a disk image needs loop devices (root)\n");
		return 77;
	}
	if (mkimg_tmpdir(dir, sizeof(dir)))
		return 1;
	snprintf(disk, sizeof(disk), "%s/disk.img", dir);
	snprintf(orig, sizeof(orig), "%s/orig.img", dir);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	mkimg_rmrf(dir);
	return ret;
}
