/*
 * test_loopdev.c - a loop device covers exactly one partition of a disk image, and
 * leaves nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "winrescue.h"

#define MIB (1024ULL * 1024ULL)

static char img[] = "/tmp/wr-loop-XXXXXX";

static int setup(void **state)
{
	(void)state;
	int fd = mkstemp(img);
	char mark[512];

	if (fd < 0 || ftruncate(fd, 8 * MIB))
		return -1;
	/* A recognisable first and last sector of the "partition" at 2 MiB, 3 MiB long. */
	memset(mark, 'A', sizeof(mark));
	if (pwrite(fd, mark, sizeof(mark), 2 * MIB) != (ssize_t)sizeof(mark))
		return -1;
	memset(mark, 'Z', sizeof(mark));
	if (pwrite(fd, mark, sizeof(mark), 5 * MIB - 512) != (ssize_t)sizeof(mark))
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(img);
	return 0;
}

static void test_attach_covers_the_partition(void **state)
{
	(void)state;
	struct wr_extent ext;
	struct wr_loopdev *l;
	struct wr_detail d = WR_DETAIL_INIT;
	char buf[512], dev[64];
	uint64_t size = 0;
	int fd;

	memset(&ext, 0, sizeof(ext));
	snprintf(ext.path, sizeof(ext.path), "%s", img);
	ext.offset = 2 * MIB;
	ext.size = 3 * MIB;
	ext.partition = 1;
	if (geteuid() != 0) {
		assert_int_equal(wr_loopdev_attach(&ext, true, &l, &d), WR_ERR_NOT_ROOT);
		skip();
	}
	assert_int_equal(wr_loopdev_attach(&ext, false, &l, &d), WR_OK);
	snprintf(dev, sizeof(dev), "%s", wr_loopdev_path(l));
	assert_true(!strncmp(dev, "/dev/loop", 9));
	fd = open(dev, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, BLKGETSIZE64, &size), 0);
	assert_int_equal(size, 3 * MIB);
	assert_int_equal(pread(fd, buf, 512, 0), 512);
	assert_int_equal(buf[0], 'A');
	assert_int_equal(pread(fd, buf, 512, (off_t)(3 * MIB - 512)), 512);
	assert_int_equal(buf[511], 'Z');
	close(fd);
	wr_loopdev_detach(l);
	/* Detached: the device no longer reports the image as its backing file. */
	{
		char sys[128], backing[4096] = "";
		FILE *f;

		snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", dev + 5);
		f = fopen(sys, "r");
		if (f) {
			if (!fgets(backing, sizeof(backing), f))
				backing[0] = '\0';
			fclose(f);
		}
		assert_null(strstr(backing, img));
	}
}

static void test_missing_file(void **state)
{
	(void)state;
	struct wr_extent ext;
	struct wr_loopdev *l = NULL;
	struct wr_detail d = WR_DETAIL_INIT;

	memset(&ext, 0, sizeof(ext));
	snprintf(ext.path, sizeof(ext.path), "/nonexistent/disk.img");
	ext.size = MIB;
	if (geteuid() != 0)
		skip();
	assert_int_equal(wr_loopdev_attach(&ext, true, &l, &d), WR_ERR_OPEN);
	assert_null(l);
	assert_string_equal(d.subject, "/nonexistent/disk.img");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_covers_the_partition),
		cmocka_unit_test(test_missing_file),
	};
	if (geteuid() != 0) {
		printf("loop devices need root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
