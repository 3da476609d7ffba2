/*
 * test_ntfs_fileat.c - a byte of the volume is mapped to the file that holds it,
 * the same file ntfscluster (ntfs-3g's own tool) names for that cluster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winrescue.h"

static char dir[] = "/tmp/wr-fileat-XXXXXX";
static char img[512];

static int run_out(const char *const argv[], char **out)
{
	struct wr_spawn_result r;

	if (wr_spawn(argv, NULL, &r, NULL) || r.status) {
		wr_spawn_result_release(&r);
		return -1;
	}
	*out = r.out ? r.out : strdup("");
	return 0;
}

static int setup(void **state)
{
	const char *top = getenv("WINRESCUE_TOP"), *build = getenv("BUILD");
	char script[1024], out[300];
	const char *argv[] = { script, "--size", "small", "--layout", "gpt", "--out", out, NULL };
	char *o = NULL;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(script, sizeof(script), "%s/tests/fixtures/build-pc.sh", top ? top : ".");
	snprintf(out, sizeof(out), "%s/pc", dir);
	setenv("BUILD", build ? build : "build", 1);
	if (run_out(argv, &o))
		return -1;
	free(o);
	snprintf(img, sizeof(img), "%s/windows.img", out);
	return 0;
}

static int teardown(void **state)
{
	const char *argv[] = { "rm", "-rf", dir, NULL };
	char *o = NULL;

	(void)state;
	if (!run_out(argv, &o))
		free(o);
	return 0;
}

/* The first LCN of a file's unnamed data, as ntfscluster -F prints it. */
static long long first_lcn(const char *path)
{
	const char *argv[] = { "ntfscluster", "-F", path, img, NULL };
	char *o = NULL, *p;
	long long vcn, lcn = -1, len;

	if (run_out(argv, &o))
		return -1;
	p = strstr(o, "0x80 - non-resident");
	if (p && (p = strstr(p, "Length\n")) && sscanf(p + 7, "%lld %lld %lld", &vcn, &lcn, &len) != 3)
		lcn = -1;
	free(o);
	return lcn;
}

static void test_hive_clusters_map_to_the_hive(void **state)
{
	(void)state;
	static const char *const files[] = { "/Windows/System32/config/SYSTEM",
					     "/Windows/System32/config/SOFTWARE",
					     "/Windows/System32/kernel32.dll" };
	struct wr_extent ext;
	struct wr_ntfs *vol;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_blockdev_resolve(img, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		long long lcn = first_lcn(files[i]);
		char path[1024], want[1024];

		assert_true(lcn > 0);
		/* 4 KiB clusters (mkntfs's default for this size); the middle of the
		 * cluster, as a bad sector would be. */
		assert_int_equal(wr_ntfs_file_at(vol, (uint64_t)lcn * 4096 + 1536, path,
						 sizeof(path), &d), WR_OK);
		snprintf(want, sizeof(want), "%s", files[i]);
		for (char *c = want; *c; c++)
			if (*c == '/')
				*c = '\\';
		assert_string_equal(path, want);
	}
	/* Cluster 0 is the boot sector: NTFS's own $Boot. */
	{
		char path[256];

		assert_int_equal(wr_ntfs_file_at(vol, 100, path, sizeof(path), &d), WR_OK);
		assert_string_equal(path, "\\$Boot");
	}
	/* Past the end of the volume: refused. */
	{
		char path[256];

		assert_int_equal(wr_ntfs_file_at(vol, ext.size + 4096, path, sizeof(path), &d),
				 WR_ERR_INVALID_ARG);
	}
	wr_ntfs_close(vol);
}

/* Clusters spread over the volume: where ntfscluster finds a file, ours is the
 * same; where it finds none, ours says free.  At least one of each must occur. */
static void test_agrees_with_ntfscluster(void **state)
{
	(void)state;
	struct wr_extent ext;
	struct wr_ntfs *vol;
	struct wr_detail d = WR_DETAIL_INIT;
	unsigned files = 0, free_ones = 0;

	assert_int_equal(wr_blockdev_resolve(img, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	for (unsigned long long c = 1; c < ext.size / 4096; c += 4999) {
		char num[32], path[1024], *o = NULL, *inode;
		const char *argv[] = { "ntfscluster", "-c", num, img, NULL };
		int ret;

		snprintf(num, sizeof(num), "%llu", c);
		assert_int_equal(run_out(argv, &o), 0);
		ret = wr_ntfs_file_at(vol, c * 4096, path, sizeof(path), &d);
		inode = strstr(o, "Inode ");
		if (!inode) {
			assert_non_null(strstr(o, "no inode found"));
			assert_int_equal(ret, WR_ERR_NOT_FOUND);
			free_ones++;
		} else {
			/* "Inode 90 /Windows/explorer.exe/$DATA" */
			char want[1024], *sp = strchr(inode + 6, ' '), *end;

			assert_non_null(sp);
			snprintf(want, sizeof(want), "%s", sp + 1);
			end = strstr(want, "/$DATA");
			if (end)
				*end = '\0';
			want[strcspn(want, "\n")] = '\0';
			for (char *x = want; *x; x++)
				if (*x == '/')
					*x = '\\';
			assert_int_equal(ret, WR_OK);
			if (want[0] == '\\')	/* metafiles are named without their folder */
				assert_string_equal(path, want);
			files++;
		}
		free(o);
	}
	assert_true(files > 0);
	assert_true(free_ones > 0);
	wr_ntfs_close(vol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hive_clusters_map_to_the_hive),
		cmocka_unit_test(test_agrees_with_ntfscluster),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
