/*
 * test_blockdev.c - naming targets, "is it mounted?", the exclusive hold.
 *
 * Images are made with sfdisk/mkfs.vfat/mkntfs here.  The mount checks mount them
 * for real - a FAT partition through a loop device with an offset, a partition of a
 * partitioned loop device, an NTFS image through ntfs-3g (FUSE) - which needs root
 * (CI runs as root); as another user those tests are reported as skipped.
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
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "winrescue.h"
#include "mkimg.h"

static char tmp[4096], disk[4200];
static uint64_t starts[4];
static char made_nodes[4][300];	/* device nodes this test made (no udev) */
static int nmade;

static int setup(void **state)
{
	(void)state;
	if (mkimg_tmpdir(tmp, sizeof(tmp)))
		return -1;
	return mkimg_std_disk(tmp, "pc.img", 1, disk, sizeof(disk), starts);
}

/* Detach loop devices a failed test may have left on the image. */
static void detach_loops(void)
{
	const char *argv[] = { "losetup", "-j", disk, NULL };
	char out[4096], *line, *save = NULL;

	if (geteuid() != 0 || mkimg_run(argv, NULL, out, sizeof(out)))
		return;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		const char *det[] = { "losetup", "-d", line, NULL };

		if (!colon)
			continue;
		*colon = '\0';
		mkimg_run(det, NULL, NULL, 0);
	}
}

static int teardown(void **state)
{
	(void)state;
	detach_loops();
	while (nmade > 0)
		unlink(made_nodes[--nmade]);
	return mkimg_rmrf(tmp);
}

/* Without udev (containers) partition nodes of a loop device may be missing: make
 * them from sysfs. */
static void ensure_node(const char *dev)
{
	char sys[512], buf[64];
	unsigned ma, mi;
	struct stat st;
	FILE *f;

	for (int i = 0; i < 20 && stat(dev, &st); i++)
		usleep(100000);
	if (!stat(dev, &st))
		return;
	snprintf(sys, sizeof(sys), "/sys/class/block/%s/dev", strrchr(dev, '/') + 1);
	if (access(sys, F_OK)) {
		/* Partitions not scanned yet: ask the kernel again. */
		char whole[256];
		const char *argv[] = { "partx", "-a", whole, NULL };

		/* The kernel's own scan (losetup -P) is unreliable in some containers;
		 * partx adds the partitions with BLKPG. */
		snprintf(whole, sizeof(whole), "%.*s", (int)(strrchr(dev, 'p') - dev), dev);
		mkimg_run(argv, NULL, NULL, 0);
		for (int i = 0; i < 20 && access(sys, F_OK); i++)
			usleep(100000);
	}
	f = fopen(sys, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(sscanf(buf, "%u:%u", &ma, &mi), 2);
	if (mknod(dev, S_IFBLK | 0600, makedev(ma, mi))) {
		if (errno != EEXIST)
			fail_msg("mknod %s: %s", dev, strerror(errno));
	} else if (nmade < 4) {
		snprintf(made_nodes[nmade++], sizeof(made_nodes[0]), "%s", dev);
	}
}

static int run(const char *const argv[])
{
	return mkimg_run(argv, NULL, NULL, 0);
}

static void test_resolve(void **state)
{
	(void)state;
	char link[4200], real[4200];
	struct wr_extent ext;
	struct wr_detail d = WR_DETAIL_INIT;
	struct stat st;

	assert_non_null(realpath(disk, real));
	assert_int_equal(wr_blockdev_resolve(disk, 0, &ext, &d), WR_OK);
	assert_string_equal(ext.path, real);
	assert_int_equal(ext.offset, 0);
	assert_int_equal(stat(disk, &st), 0);
	assert_int_equal(ext.size, (uint64_t)st.st_size);
	assert_int_equal(ext.partition, 0);
	assert_false(ext.is_block_device);
	for (unsigned i = 1; i <= 4; i++) {
		assert_int_equal(wr_blockdev_resolve(disk, i, &ext, &d), WR_OK);
		assert_int_equal(ext.offset, starts[i - 1]);
		assert_int_equal(ext.partition, i);
	}
	assert_int_equal(ext.size, 32 * MKIMG_MIB);
	assert_int_equal(wr_blockdev_resolve(disk, 5, &ext, &d), WR_ERR_NO_SUCH_PARTITION);
	assert_int_equal(wr_blockdev_resolve(disk, 99, &ext, &d), WR_ERR_NO_SUCH_PARTITION);
	/* A symlink is followed; the extent and the detail name the real file. */
	snprintf(link, sizeof(link), "%s/by-id-link", tmp);
	assert_int_equal(symlink(disk, link), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(wr_blockdev_resolve(link, 3, &ext, &d), WR_OK);
	assert_string_equal(ext.path, real);
	assert_string_equal(d.subject, real);
	assert_int_equal(ext.offset, starts[2]);
	unlink(link);
	/* Not a disk or volume. */
	assert_int_equal(wr_blockdev_resolve("/dev/null", 0, &ext, &d), WR_ERR_OPEN);
	assert_int_equal(wr_blockdev_resolve(tmp, 0, &ext, &d), WR_ERR_OPEN);
	assert_int_equal(wr_blockdev_resolve("/nonexistent", 1, &ext, &d), WR_ERR_OPEN);
	assert_int_equal(wr_blockdev_resolve("", 0, &ext, &d), WR_ERR_INVALID_ARG);
}

static void test_unmounted_image(void **state)
{
	(void)state;
	struct wr_extent ext;
	struct wr_detail d = WR_DETAIL_INIT;

	for (unsigned i = 0; i <= 4; i++) {
		assert_int_equal(wr_blockdev_resolve(disk, i, &ext, &d), WR_OK);
		assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_OK);
	}
}

static void test_lock(void **state)
{
	(void)state;
	struct wr_extent ext, ext4;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_blockdev_lock *l1 = NULL, *l2 = NULL;
	pid_t pid;
	int status;

	assert_int_equal(wr_blockdev_resolve(disk, 3, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_resolve(disk, 4, &ext4, &d), WR_OK);
	assert_int_equal(wr_blockdev_lock(&ext, &l1, &d), WR_OK);
	assert_non_null(l1);
	/* A second holder is refused - another partition of the same image too. */
	assert_int_equal(wr_blockdev_lock(&ext, &l2, &d), WR_ERR_LOCKED);
	assert_null(l2);
	assert_int_equal(wr_blockdev_lock(&ext4, &l2, &d), WR_ERR_LOCKED);
	/* Another process (another winrescue) is refused while we hold it. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct wr_blockdev_lock *l = NULL;
		struct wr_detail dd = WR_DETAIL_INIT;

		_exit(wr_blockdev_lock(&ext, &l, &dd) == WR_ERR_LOCKED ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The holder can still open the volume itself. */
	{
		struct wr_ntfs *v;

		assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &v, &d), WR_OK);
		wr_ntfs_close(v);
	}
	wr_blockdev_unlock(l1);
	assert_int_equal(wr_blockdev_lock(&ext4, &l2, &d), WR_OK);
	wr_blockdev_unlock(l2);
	wr_blockdev_unlock(NULL);
}

static bool can_mount(void)
{
	bool ok = geteuid() == 0 && mkimg_have("losetup") && mkimg_have("mount") &&
		  mkimg_have("mkfs.ext4") && access("/dev/loop-control", F_OK) == 0;
	const char *ci = getenv("CI");

	/* CI has root, loop devices and FUSE: there a missing piece is a failure. */
	if (!ok && ci && !strcmp(ci, "true"))
		fail_msg("mount tests need root, losetup, mkfs.ext4 and /dev/loop-control");
	if (!ok)
		printf("mount tests skipped: not root, or no loop devices or mkfs.ext4\n");
	return ok;
}

static void test_mounted_through_loop_offset(void **state)
{
	(void)state;
	char mnt[4200], opts[512];
	struct wr_extent ext;
	struct wr_detail d = WR_DETAIL_INIT;

	char fs[4200], off[64], lim[64], loop[256] = "";

	if (!can_mount())
		skip();
	/* An ext4 filesystem in partition 2 (the MSR area of this scratch disk), made
	 * through a loop device with an offset, then mounted by the kernel with
	 * "mount -o loop,offset=": the mounted loop device is only linked to the
	 * image through its backing file and offset. */
	snprintf(off, sizeof(off), "%llu", (unsigned long long)starts[1]);
	snprintf(lim, sizeof(lim), "%llu", 16ULL * MKIMG_MIB);
	{
		const char *att[] = { "losetup", "-f", "--show", "-o", off, "--sizelimit", lim,
				      disk, NULL };
		const char *mk[] = { "mkfs.ext4", "-q", "-F", loop, NULL };
		const char *det[] = { "losetup", "-d", loop, NULL };

		assert_int_equal(mkimg_run(att, NULL, loop, sizeof(loop)), 0);
		loop[strcspn(loop, "\n")] = '\0';
		assert_int_equal(run(mk), 0);
		assert_int_equal(run(det), 0);
	}
	(void)fs;
	snprintf(mnt, sizeof(mnt), "%s/mnt-ext4", tmp);
	assert_int_equal(mkdir(mnt, 0755), 0);
	snprintf(opts, sizeof(opts), "loop,ro,offset=%s,sizelimit=%s", off, lim);
	{
		const char *argv[] = { "mount", "-t", "ext4", "-o", opts, disk, mnt, NULL };

		assert_int_equal(run(argv), 0);
	}
	assert_int_equal(wr_blockdev_resolve(disk, 2, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_ERR_MOUNTED);
	assert_non_null(strstr(d.subject, "mnt-ext4"));
	assert_int_equal(wr_blockdev_resolve(disk, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_ERR_MOUNTED);
	/* The other partitions do not overlap the mounted one. */
	assert_int_equal(wr_blockdev_resolve(disk, 1, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_resolve(disk, 3, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_OK);
	{
		const char *argv[] = { "umount", mnt, NULL };

		assert_int_equal(run(argv), 0);
	}
	assert_int_equal(wr_blockdev_resolve(disk, 2, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_OK);
	rmdir(mnt);
}

static void test_mounted_partition_of_loop_device(void **state)
{
	(void)state;
	char mnt[4200], loop[256] = "", part[300];
	struct wr_extent ext;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_blockdev_lock *l = NULL;

	if (!can_mount())
		skip();
	{
		const char *argv[] = { "losetup", "-f", "--show", "-P", disk, NULL };

		assert_int_equal(mkimg_run(argv, NULL, loop, sizeof(loop)), 0);
		loop[strcspn(loop, "\n")] = '\0';
	}
	snprintf(part, sizeof(part), "%sp3", loop);
	ensure_node(part);
	snprintf(part, sizeof(part), "%sp2", loop);
	ensure_node(part);
	snprintf(mnt, sizeof(mnt), "%s/mnt-loop", tmp);
	assert_int_equal(mkdir(mnt, 0755), 0);
	/* The disk layer reads the block device like the image. */
	{
		struct wr_disk *a = NULL, *b = NULL;

		assert_int_equal(wr_disk_read(disk, &a, &d), WR_OK);
		assert_int_equal(wr_disk_read(loop, &b, &d), WR_OK);
		assert_true(a->is_image);
		assert_false(b->is_image);
		assert_int_equal(b->table, WR_TABLE_GPT);
		assert_string_equal(a->disk_guid, b->disk_guid);
		assert_int_equal(a->size, b->size);
		assert_int_equal(a->nparts, b->nparts);
		for (size_t i = 0; i < a->nparts; i++) {
			assert_int_equal(a->parts[i].start, b->parts[i].start);
			assert_string_equal(a->parts[i].uuid, b->parts[i].uuid);
			assert_int_equal(a->parts[i].role, b->parts[i].role);
		}
		wr_disk_free(a);
		wr_disk_free(b);
	}
	/* Attached but not mounted: not in use. */
	assert_int_equal(wr_blockdev_resolve(disk, 2, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_OK);
	{
		const char *mk[] = { "mkfs.ext4", "-q", "-F", part, NULL };
		const char *argv[] = { "mount", "-t", "ext4", "-o", "ro", part, mnt, NULL };

		assert_int_equal(run(mk), 0);
		assert_int_equal(run(argv), 0);
	}
	/* Seen through the image file, the loop device and its partition. */
	assert_int_equal(wr_blockdev_resolve(disk, 2, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_ERR_MOUNTED);
	assert_int_equal(wr_blockdev_resolve(loop, 2, &ext, &d), WR_OK);
	assert_true(ext.is_block_device);
	assert_int_equal(ext.offset, starts[1]);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_ERR_MOUNTED);
	assert_int_equal(wr_blockdev_resolve(part, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_ERR_MOUNTED);
	/* The kernel holds a mounted device: the lock says so. */
	assert_int_equal(wr_blockdev_lock(&ext, &l, &d), WR_ERR_MOUNTED);
	assert_null(l);
	snprintf(part, sizeof(part), "%sp3", loop);
	assert_int_equal(wr_blockdev_resolve(part, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_lock(&ext, &l, &d), WR_OK);
	wr_blockdev_unlock(l);
	/* ntfs-3g (fuseblk) on p3: mountinfo names the source device. */
	if (mkimg_have("ntfs-3g") && !access("/dev/fuse", F_OK)) {
		char mnt2[4200];
		const char *argv[] = { "ntfs-3g", "-o", "ro", part, mnt2, NULL };
		const char *um[] = { "umount", mnt2, NULL };

		snprintf(mnt2, sizeof(mnt2), "%s/mnt-fuseblk", tmp);
		assert_int_equal(mkdir(mnt2, 0755), 0);
		assert_int_equal(run(argv), 0);
		assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_ERR_MOUNTED);
		assert_int_equal(wr_blockdev_resolve(disk, 3, &ext, &d), WR_OK);
		assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_ERR_MOUNTED);
		assert_int_equal(wr_blockdev_resolve(disk, 4, &ext, &d), WR_OK);
		assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_OK);
		assert_int_equal(run(um), 0);
		rmdir(mnt2);
	}
	{
		const char *um[] = { "umount", mnt, NULL };
		const char *det[] = { "losetup", "-d", loop, NULL };

		assert_int_equal(run(um), 0);
		assert_int_equal(run(det), 0);
	}
	rmdir(mnt);
}

static void test_mounted_with_ntfs_3g(void **state)
{
	(void)state;
	char vol[4200], mnt[4200];
	struct wr_extent ext;
	struct wr_detail d = WR_DETAIL_INIT;

	if (!can_mount())
		skip();
	if (!mkimg_have("ntfs-3g") || access("/dev/fuse", F_OK)) {
		const char *ci = getenv("CI");

		if (ci && !strcmp(ci, "true"))
			fail_msg("ntfs-3g or /dev/fuse missing");
		skip();
	}
	snprintf(vol, sizeof(vol), "%s/fuse vol.img", tmp);	/* a space: \040 in mountinfo */
	assert_int_equal(mkimg_ntfs(vol, 16 * MKIMG_MIB, "Fuse"), 0);
	snprintf(mnt, sizeof(mnt), "%s/mnt-fuse", tmp);
	assert_int_equal(mkdir(mnt, 0755), 0);
	{
		const char *argv[] = { "ntfs-3g", "-o", "ro", vol, mnt, NULL };

		assert_int_equal(run(argv), 0);
	}
	assert_int_equal(wr_blockdev_resolve(vol, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_ERR_MOUNTED);
	{
		const char *argv[] = { "umount", mnt, NULL };

		assert_int_equal(run(argv), 0);
	}
	assert_int_equal(wr_blockdev_check_unmounted(&ext, &d), WR_OK);
	rmdir(mnt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_unmounted_image),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_mounted_through_loop_offset),
		cmocka_unit_test(test_mounted_partition_of_loop_device),
		cmocka_unit_test(test_mounted_with_ntfs_3g),
	};

	if (!mkimg_have("mkntfs") || !mkimg_have("sfdisk") || !mkimg_have("mkfs.vfat")) {
		printf("mkntfs, sfdisk or mkfs.vfat is not installed\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
