/*
 * test_recimg.c - custom refresh images through the engine, on the synthetic PC of
 * tests/fixtures/build-pc.sh: the exclusion list, a capture into a host folder and
 * an append (dedup: the file grows by little), an abort that leaves no file or the
 * old file byte-identical, and (root: loop device and a mount) registration on the
 * recovery partition read back with wr_reagent_parse, found by wr_sources_find as the
 * custom source that can refresh the installation, shown, and deregistered.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "winrescue.h"
#include "mkimg.h"

static char tmpdir[512];
static bool have_pc;

static const char *tpath(const char *leaf)
{
	static char buf[4][1024];
	static int n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", tmpdir, leaf);
	return buf[n];
}

static bool in_strv(char **v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

/* ------------------------------------------------------------------------- */

static void test_exclusions(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_user users[5];
	struct wr_windows w;
	char **ex = NULL, **keep = NULL;

	memset(&w, 0, sizeof(w));
	memset(users, 0, sizeof(users));
	snprintf(users[0].profile_path, sizeof(users[0].profile_path),
		 "%%systemroot%%\\system32\\config\\systemprofile");
	users[0].special = true;
	snprintf(users[1].profile_path, sizeof(users[1].profile_path), "C:\\Users\\Alice");
	snprintf(users[2].profile_path, sizeof(users[2].profile_path),
		 "%%SystemDrive%%\\Profiles\\Bob\\");
	snprintf(users[3].profile_path, sizeof(users[3].profile_path), "C:\\Home\\[x]*y");
	snprintf(users[4].profile_path, sizeof(users[4].profile_path), "relative\\path");
	w.users = users;
	w.nusers = 5;
	assert_int_equal(wr_recimg_exclusions(&w, &ex, &keep, &d), WR_OK);
	assert_true(in_strv(ex, "\\pagefile.sys"));
	assert_true(in_strv(ex, "\\hiberfil.sys"));
	assert_true(in_strv(ex, "\\swapfile.sys"));
	assert_true(in_strv(ex, "\\Windows.old"));
	assert_true(in_strv(ex, "\\Windows.old.*"));
	assert_true(in_strv(ex, "\\System Volume Information"));
	assert_true(in_strv(ex, "\\$Recycle.Bin"));
	assert_true(in_strv(ex, "\\$WinRescue"));
	assert_true(in_strv(ex, "\\Users\\*"));
	/* Profiles outside \Users, from ProfileList; wildcards neutralised. */
	assert_true(in_strv(ex, "\\Profiles\\Bob"));
	assert_true(in_strv(ex, "\\Home\\?x]?y"));
	/* Alice is covered by \Users\*; system profiles and nonsense are left alone. */
	assert_false(in_strv(ex, "\\Users\\Alice"));
	for (char **e = ex; *e; e++) {
		assert_null(strstr(*e, "systemprofile"));
		assert_null(strstr(*e, "relative"));
	}
	assert_true(in_strv(keep, "\\Users\\Default"));
	assert_true(in_strv(keep, "\\Users\\Public"));
	assert_false(in_strv(keep, "\\Users\\Alice"));
	wr_strv_free(ex);
	wr_strv_free(keep);
	assert_int_equal(wr_recimg_exclusions(NULL, NULL, &keep, &d), WR_ERR_INVALID_ARG);
}

static void test_locate_bad(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_recimg_place pl;
	FILE *f;

	assert_int_equal(wr_recimg_locate_dir(tpath("no-such-dir"), &pl, &d), WR_ERR_NOT_FOUND);
	f = fopen(tpath("a-file"), "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(wr_recimg_locate_dir(tpath("a-file"), &pl, &d), WR_ERR_INVALID_ARG);
}

/* ------------------------------------------------------------------------- */

static enum wr_prog_status abort_at_bytes(enum wr_prog_msg msg, const union wr_prog_info *info,
					  void *ctx)
{
	(void)info;
	if (msg == WR_PROG_BYTES) {
		++*(int *)ctx;
		return WR_PROG_ABORT;
	}
	return WR_PROG_CONTINUE;
}

/* Stop at the first progress message of any kind (the scan's start included: an
 * append of an unchanged system writes no file data, so no byte counts come). */
static enum wr_prog_status abort_at_once(enum wr_prog_msg msg, const union wr_prog_info *info,
					 void *ctx)
{
	(void)info;
	(void)msg;
	++*(int *)ctx;
	return WR_PROG_ABORT;
}

static void test_create_and_append(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_recimg_result *res;
	struct wr_recimg_opts o = {0};
	struct wr_wim_info *info = NULL;
	char sum0[65], sum1[65], vsum[65], vsum1[65];
	struct stat st;
	int calls = 0;

	if (!have_pc)
		skip();
	res = calloc(1, sizeof(*res));	/* after the skip: a skipped test leaks nothing */
	assert_non_null(res);
	char target[1024], dir[1024];

	snprintf(target, sizeof(target), "%s", tpath("pc/windows.img"));
	snprintf(dir, sizeof(dir), "%s", tpath("out"));
	mkdir(dir, 0755);
	o.target = target;
	o.dir = dir;
	assert_int_equal(mkimg_sha256(o.target, vsum), 0);

	/* An aborted first capture leaves nothing. */
	assert_int_equal(wr_recimg_create(&o, abort_at_bytes, &calls, res, &d), WR_ERR_ABORTED);
	assert_true(calls > 0);
	assert_int_not_equal(stat(tpath("out/CustomRefresh.wim"), &st), 0);
	assert_int_not_equal(stat(tpath("out/CustomRefresh.wim.winrescue-tmp"), &st), 0);

	o.name = "Base";
	assert_int_equal(wr_recimg_create(&o, NULL, NULL, res, &d), WR_OK);
	assert_int_equal(res->index, 1);
	assert_false(res->appended);
	assert_false(res->registered); /* a folder under /tmp is not a disk partition */
	assert_int_not_equal(res->register_err, WR_OK);
	assert_string_equal(res->wim_path + strlen(res->wim_path) - 17, "CustomRefresh.wim");
	assert_int_equal(stat(res->wim_path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, res->size_after);
	assert_int_equal(wr_wim_read_info(res->wim_path, true, &info, &d), WR_OK);
	assert_true(info->has_integrity);
	assert_int_equal(info->image_count, 1);
	assert_string_equal(info->images[0].name, "Base");
	assert_string_equal(info->images[0].edition, "Core");
	assert_int_equal(info->images[0].arch, WR_ARCH_X64);
	assert_int_equal(info->images[0].major, 6);
	assert_int_equal(info->images[0].minor, 3);
	/* The estimate is what was read (unnamed data streams: the image also counts a
	 * few bytes of named streams), and no wild overestimate. */
	assert_true(res->estimate >= info->images[0].total_bytes / 100 * 99);
	assert_true(res->estimate < 2 * info->images[0].total_bytes + 8 * 1024 * 1024);
	wr_wim_info_free(info);
	info = NULL;

	/* An aborted append leaves the file byte-identical. */
	assert_int_equal(mkimg_sha256(tpath("out/CustomRefresh.wim"), sum0), 0);
	o.name = NULL;
	calls = 0;
	{
		int r = wr_recimg_create(&o, abort_at_once, &calls, res, &d);

		if (r != WR_ERR_ABORTED)
			print_message("create: %s '%s' %s errno %d\n", wr_err_name(r), d.subject,
				      d.lib_msg, d.sys_errno);
		assert_int_equal(r, WR_ERR_ABORTED);
	}
	assert_int_equal(mkimg_sha256(tpath("out/CustomRefresh.wim"), sum1), 0);
	assert_string_equal(sum0, sum1);

	/* The append stores only what is new: almost nothing. */
	assert_int_equal(wr_recimg_create(&o, NULL, NULL, res, &d), WR_OK);
	assert_true(res->appended);
	assert_int_equal(res->index, 2);
	assert_true(res->size_after > res->size_before);
	assert_true(res->size_after - res->size_before < res->size_before / 20);
	assert_int_equal(wr_wim_read_info(res->wim_path, true, &info, &d), WR_OK);
	assert_int_equal(info->image_count, 2);
	assert_non_null(strstr(info->images[1].name, "Custom refresh "));
	wr_wim_info_free(info);

	/* The target was only read. */
	assert_int_equal(mkimg_sha256(o.target, vsum1), 0);
	assert_string_equal(vsum, vsum1);

	/* A damaged file is refused and left as it is. */
	{
		FILE *f = fopen(tpath("out/CustomRefresh.wim"), "r+b");

		assert_non_null(f);
		assert_int_equal(fseek(f, (long)(res->size_after / 2), SEEK_SET), 0);
		assert_int_equal(fwrite("damage!!", 1, 8, f), 8);
		fclose(f);
	}
	assert_int_equal(mkimg_sha256(tpath("out/CustomRefresh.wim"), sum0), 0);
	assert_int_equal(wr_recimg_create(&o, NULL, NULL, res, &d), WR_ERR_CUSTOM_IMAGE_CORRUPT);
	assert_int_equal(mkimg_sha256(tpath("out/CustomRefresh.wim"), sum1), 0);
	assert_string_equal(sum0, sum1);
	free(res);
}

/* ------------------------------------------------------------------------- */

static void read_reagent(const char *disk_img, unsigned part, struct wr_reagent *r)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	void *buf = NULL;
	size_t len = 0;

	assert_int_equal(wr_blockdev_resolve(disk_img, part, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_int_equal(wr_ntfs_read_file(vol, "Windows\\System32\\Recovery\\ReAgent.xml",
					   WR_REAGENT_MAX_SIZE, &buf, &len, &d),
			 WR_OK);
	assert_int_equal(wr_reagent_parse(buf, len, r, &d), WR_OK);
	free(buf);
	wr_ntfs_close(vol);
}

/* Registration on the recovery partition of the GPT PC, and what reads it. */
static void test_register_on_partition(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_recimg_result *res;
	struct wr_recimg_status *st;
	struct wr_recimg_opts o = {0};
	struct wr_disk *disk = NULL;
	struct wr_windows *w = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_loopdev *loop = NULL;
	struct wr_extent ext, rext;
	struct wr_reagent r;
	struct wr_source_list l = {0, NULL};
	const struct wr_source *best;
	const struct wr_partition *rec = NULL;
	char img[1024], mnt[1024], dir[1100], guid[64];
	unsigned index;
	bool was;

	if (!have_pc)
		skip();
	if (geteuid() != 0) {
		/* Loop devices and mounts need root; CI runs as root. */
		skip();
	}
	/* Allocated after the skips: a skipped test leaks nothing. */
	res = calloc(1, sizeof(*res));
	st = calloc(1, sizeof(*st));
	assert_non_null(res);
	assert_non_null(st);
	snprintf(img, sizeof(img), "%s", tpath("pc/pc.img"));
	assert_int_equal(wr_disk_read(img, &disk, &d), WR_OK);
	for (size_t i = 0; i < disk->nparts; i++)
		if (disk->parts[i].role == WR_ROLE_RECOVERY)
			rec = &disk->parts[i];
	assert_non_null(rec);
	snprintf(guid, sizeof(guid), "{%s}", disk->disk_guid);

	/* The recovery partition, mounted read-write, holds the image folder. */
	assert_int_equal(wr_blockdev_resolve(img, rec->number, &rext, &d), WR_OK);
	assert_int_equal(wr_loopdev_attach(&rext, false, &loop, &d), WR_OK);
	snprintf(mnt, sizeof(mnt), "%s", tpath("rec"));
	mkdir(mnt, 0755);
	{
		const char *argv[] = {"mount", wr_loopdev_path(loop), mnt, NULL};

		assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
	}
	snprintf(dir, sizeof(dir), "%s/Images/Refresh", mnt);
	mkdir(tpath("rec/Images"), 0755);
	mkdir(dir, 0755);
	{
		struct wr_recimg_place pl;

		assert_int_equal(wr_recimg_locate_dir(dir, &pl, &d), WR_OK);
		assert_string_equal(pl.loc.path, "\\Images\\Refresh");
		assert_int_equal(pl.loc.offset, rec->start);
		assert_string_equal(pl.loc.guid, guid);
		assert_int_equal(pl.partition, rec->number);
	}
	o.target = img;
	o.partition = 3;
	o.dir = dir;
	assert_int_equal(wr_recimg_create(&o, NULL, NULL, res, &d), WR_OK);
	assert_true(res->registered);
	{
		const char *argv[] = {"umount", mnt, NULL};

		assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
	}
	wr_loopdev_detach(loop);

	/* ReAgent.xml, parsed back. */
	read_reagent(img, 3, &r);
	assert_true(r.pbr_custom.present);
	assert_string_equal(r.pbr_custom.path, "\\Images\\Refresh");
	assert_int_equal(r.pbr_custom.offset, rec->start);
	assert_string_equal(r.pbr_custom.guid, guid);
	assert_int_equal(r.pbr_custom.index, 1);
	assert_int_equal(r.custom_image_available, 1);
	assert_true(r.pbr.present); /* the factory image stays registered */
	assert_string_equal(r.pbr.path, "\\RecoveryImage");

	/* What refresh uses: the custom image first, and it can refresh this Windows. */
	assert_int_equal(wr_blockdev_resolve(img, 3, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_int_equal(wr_winsys_read(vol, &w, &d), WR_OK);
	wr_ntfs_close(vol);
	assert_int_equal(wr_sources_find(w, disk, NULL, &l, &d), WR_OK);
	assert_true(l.n >= 2);
	assert_int_equal(l.v[0].kind, WR_SOURCE_CUSTOM);
	assert_int_equal(l.v[0].err, WR_OK);
	assert_string_equal(l.v[0].path, "\\Images\\Refresh\\CustomRefresh.wim");
	assert_int_equal(l.v[0].mismatch[0], WR_MATCH_OK);
	assert_int_equal(wr_sources_best(&l, &best, &index), WR_OK);
	assert_ptr_equal(best, &l.v[0]);
	assert_int_equal(index, 1);
	wr_source_list_release(&l);

	/* show */
	assert_int_equal(wr_recimg_show(&o, st, &d), WR_OK);
	assert_true(st->registered);
	assert_int_equal(st->image_err, WR_OK);
	assert_int_equal(st->image.index, 1);
	assert_string_equal(st->image.edition, "Core");
	assert_true(st->file_bytes > 0);
	assert_true(st->file_time > 0);
	assert_non_null(strstr(st->where, "partition 4"));

	/* deregister, twice */
	assert_int_equal(wr_recimg_deregister(&o, &was, &d), WR_OK);
	assert_true(was);
	read_reagent(img, 3, &r);
	assert_false(r.pbr_custom.present);
	assert_int_equal(r.custom_image_available, 0);
	assert_true(r.pbr.present);
	assert_int_equal(wr_recimg_deregister(&o, &was, &d), WR_OK);
	assert_false(was);
	assert_int_equal(wr_recimg_show(&o, st, &d), WR_OK);
	assert_false(st->registered);

	wr_windows_free(w);
	wr_disk_free(disk);
	free(res);
	free(st);
}

static int setup(void **state)
{
	(void)state;
	const char *top = getenv("WINRESCUE_TOP"), *build = getenv("BUILD");
	char script[1200], mkvolume[1200];

	if (mkimg_tmpdir(tmpdir, sizeof(tmpdir)))
		return -1;
	wr_log_open(getenv("RECIMG_LOG"), NULL);
	snprintf(script, sizeof(script), "%s/tests/fixtures/build-pc.sh", top ? top : ".");
	snprintf(mkvolume, sizeof(mkvolume), "%s/%s/tools/mkvolume", top ? top : ".",
		 build ? build : "build");
	/* Without the fixture tools (the program run by hand before `make all`), the
	 * tests that need the PC are skipped. */
	if (!access(mkvolume, X_OK)) {
		const char *argv[] = {"bash",	  script, "--out", tpath("pc"),
				      "--layout", "gpt",  NULL};

		have_pc = mkimg_run(argv, NULL, NULL, 0) == 0;
		if (!have_pc)
			return -1;
	}
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
	    cmocka_unit_test(test_exclusions),
	    cmocka_unit_test(test_locate_bad),
	    cmocka_unit_test(test_create_and_append),
	    cmocka_unit_test(test_register_on_partition),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
