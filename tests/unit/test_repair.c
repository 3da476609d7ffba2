/*
 * test_repair.c - the registry restore's journal and its resume (src/repair.c), on
 * NTFS volumes made by mkntfs, with real hives made by Windows (testdata SAM and
 * SECURITY).  The kill points a test cannot hit on purpose are built by hand, record
 * by record and rename by rename, exactly as a killed run leaves them: inside a
 * swap (old hive aside, copy not yet renamed in), a torn last record, a journal that
 * holds only the plan; and bad journals (a suffix that is a path) must change
 * nothing.  tests/integration/t-repair-kill.sh kills the real binary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "winrescue.h"
#include "mkimg.h"

#define CONFIG "Windows/System32/config"
#define RJ     "/$WinRescue/repair-journal"

static char tmp[4096];
static void *sam_rb, *sec_rb, *sam_old, *sec_old;	/* RegBack's and current bytes */
static size_t sam_rb_len, sec_rb_len, sam_old_len, sec_old_len;

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	const char *td = getenv("WINRESCUE_TESTDATA");
	char src[4096], dst[4096];
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;

	(void)state;
	if (!mkimg_have("mkntfs") || mkimg_tmpdir(tmp, sizeof(tmp)))
		return -1;
	if (!td)
		td = "../shared/testdata";
	/* RegBack's copies: Windows' own SAM and SECURITY. */
	snprintf(src, sizeof(src), "%s/hives/regipy_SAM.xz", td);
	snprintf(dst, sizeof(dst), "%.3000s/SAM", tmp);
	if (mkimg_decompress(src, dst) || !(sam_rb = slurp(dst, &sam_rb_len)))
		return -1;
	/* The current SAM: the same hive with a key more (newer than its backup). */
	if (wr_hive_open(dst, true, &h, &d) || wr_hive_add_key(h, "WinRescueTest", &d) ||
	    wr_hive_commit(h, &d))
		return -1;
	wr_hive_close(h);
	if (!(sam_old = slurp(dst, &sam_old_len)))
		return -1;
	snprintf(src, sizeof(src), "%s/hives/regipy_SECURITY.xz", td);
	snprintf(dst, sizeof(dst), "%.3000s/SECURITY", tmp);
	if (mkimg_decompress(src, dst) || !(sec_rb = slurp(dst, &sec_rb_len)))
		return -1;
	/* The current SECURITY: damaged (not a hive at all). */
	sec_old_len = 12288;
	if (!(sec_old = malloc(sec_old_len)))
		return -1;
	for (size_t i = 0; i < sec_old_len; i++)
		((unsigned char *)sec_old)[i] = (unsigned char)(i * 7 + 3);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sam_rb);
	free(sec_rb);
	free(sam_old);
	free(sec_old);
	return mkimg_rmrf(tmp);
}

/* A volume with config (SAM readable but newer, SECURITY damaged, both with good
 * RegBack copies, SYSTEM with none), SAM.LOG1 beside SAM. */
static void make_volume(const char *name, char *path, size_t len, struct wr_extent *ext)
{
	static const char *const dirs[] = { "Windows", "Windows/System32", CONFIG,
					    CONFIG "/RegBack" };
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs *vol = NULL;

	snprintf(path, len, "%.3000s/%.64s", tmp, name);
	assert_int_equal(mkimg_ntfs(path, 32 * MKIMG_MIB, "Windows"), 0);
	assert_int_equal(wr_blockdev_resolve(path, 0, ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		assert_int_equal(wr_ntfs_mkdir(vol, dirs[i], &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/SAM", sam_old, sam_old_len, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/SAM.LOG1", "log", 3, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/SECURITY", sec_old, sec_old_len, &d),
			 WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/SYSTEM", sec_old, 4096, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/RegBack/SAM", sam_rb, sam_rb_len, &d),
			 WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/RegBack/SECURITY", sec_rb, sec_rb_len,
					    &d), WR_OK);
	wr_ntfs_close(vol);
}

/* Is the file at vpath exactly these bytes? */
static bool holds(struct wr_ntfs *vol, const char *vpath, const void *want, size_t want_len)
{
	void *buf = NULL;
	size_t len = 0;
	bool same;

	if (wr_ntfs_read_file(vol, vpath, 64 * MKIMG_MIB, &buf, &len, NULL))
		return false;
	same = len == want_len && !memcmp(buf, want, len);
	free(buf);
	return same;
}

static bool there(struct wr_ntfs *vol, const char *vpath)
{
	struct wr_ntfs_stat st;

	return wr_ntfs_stat(vol, vpath, &st, NULL) == WR_OK;
}

/* The end state of a finished restore with suffix sfx. */
static void check_restored(const struct wr_extent *ext, const char *sfx)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs *vol = NULL;
	char p[256];

	assert_int_equal(wr_ntfs_open(ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_true(holds(vol, CONFIG "/SAM", sam_rb, sam_rb_len));
	assert_true(holds(vol, CONFIG "/SECURITY", sec_rb, sec_rb_len));
	snprintf(p, sizeof(p), CONFIG "/SAM%s", sfx);
	assert_true(holds(vol, p, sam_old, sam_old_len));
	snprintf(p, sizeof(p), CONFIG "/SECURITY%s", sfx);
	assert_true(holds(vol, p, sec_old, sec_old_len));
	snprintf(p, sizeof(p), CONFIG "/SAM.LOG1%s", sfx);
	assert_true(holds(vol, p, "log", 3));
	assert_false(there(vol, CONFIG "/SAM.LOG1"));
	assert_false(there(vol, CONFIG "/SAM.winrescue-new"));
	assert_false(there(vol, CONFIG "/SECURITY.winrescue-new"));
	assert_true(holds(vol, CONFIG "/SYSTEM", sec_old, 4096));	/* no RegBack copy */
	snprintf(p, sizeof(p), CONFIG "/winrescue-regback%s.journal", sfx + strlen(".winrescue"));
	assert_true(there(vol, p));
	assert_false(there(vol, "/$WinRescue"));	/* no trace left outside config */
	assert_false(wr_repair_pending(vol));
	wr_ntfs_close(vol);
}

/* Write journal records as a killed run leaves them: "kind f0 [f1]" strings. */
static void write_records(struct wr_ntfs *vol, const char *const *recs)
{
	struct wr_detail d = WR_DETAIL_INIT;

	if (!there(vol, "/$WinRescue"))
		assert_int_equal(wr_ntfs_mkdir(vol, "/$WinRescue", &d), WR_OK);
	if (!there(vol, RJ))
		assert_int_equal(wr_ntfs_mkdir(vol, RJ, &d), WR_OK);
	for (unsigned i = 0; recs[i]; i++) {
		char kind[32], f0[64], f1[64] = "", path[128], *line = NULL;
		const char *fields[3] = { f0, NULL, NULL };
		size_t len;
		int n = sscanf(recs[i], "%31s %63s %63s", kind, f0, f1);

		assert_true(n >= 2);
		if (n == 3)
			fields[1] = f1;
		assert_int_equal(wr_journal_format(i + 1, kind, fields, &line, &len, &d), WR_OK);
		snprintf(path, sizeof(path), RJ "/%06u", i + 1);
		assert_int_equal(wr_ntfs_write_file(vol, path, line, len, &d), WR_OK);
		free(line);
	}
}

#define SFX ".winrescue-20261126-010203"
static const char *const plan_recs[] = { "plan registry " SFX, "hive SAM", "hive SECURITY",
					 "planned registry", NULL };

/* An uninterrupted restore: both hives replaced, old ones and the log kept aside,
 * the journal beside them, nothing else left. */
static void test_restore(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	struct wr_extent ext;
	char path[4096];

	(void)state;
	make_volume("plain.img", path, sizeof(path), &ext);
	assert_int_equal(wr_repair_registry_plan(&ext, false, &p, &d), WR_OK);
	assert_int_equal(p.nrestore, 2);
	assert_true(p.hives[2].restore);	/* SAM */
	assert_true(p.hives[3].restore);	/* SECURITY */
	assert_false(p.hives[0].restore);	/* SYSTEM: no RegBack copy */
	assert_int_equal(wr_repair_registry_run(&ext, &p, &d), WR_OK);
	check_restored(&ext, p.suffix);
	/* Nothing left to resume. */
	assert_int_equal(wr_repair_find(&ext, NULL), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_repair_resume(&ext, &p, &d), WR_ERR_NOT_FOUND);
}

/* Killed inside SECURITY's swap: SAM done, SECURITY's copy staged, the old SECURITY
 * renamed aside, the copy not yet renamed in (the one moment a hive name is absent).
 * Resume finishes it; a second `repair registry` would too (same entry point). */
static void test_resume_inside_swap(void **state)
{
	static const char *const recs[] = {
		"plan registry " SFX, "hive SAM", "hive SECURITY", "planned registry",
		"stage SAM", "staged SAM", "logs SAM", "swap SAM", "done SAM",
		"stage SECURITY", "staged SECURITY", "logs SECURITY", "swap SECURITY", NULL };
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	char path[4096];

	(void)state;
	make_volume("swap.img", path, sizeof(path), &ext);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	write_records(vol, recs);
	assert_int_equal(wr_ntfs_move(vol, CONFIG "/SAM.LOG1", CONFIG "/SAM.LOG1" SFX, &d), WR_OK);
	assert_int_equal(wr_ntfs_move(vol, CONFIG "/SAM", CONFIG "/SAM" SFX, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/SAM", sam_rb, sam_rb_len, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/SECURITY.winrescue-new", sec_rb,
					    sec_rb_len, &d), WR_OK);
	assert_int_equal(wr_ntfs_move(vol, CONFIG "/SECURITY", CONFIG "/SECURITY" SFX, &d), WR_OK);
	assert_true(wr_repair_pending(vol));
	/* Another restore refuses to start over a half-done one. */
	wr_ntfs_close(vol);
	{
		struct wr_repair_registry_plan q;

		assert_int_equal(wr_repair_registry_plan(&ext, false, &q, &d), WR_OK);
		assert_int_equal(wr_repair_registry_run(&ext, &q, &d), WR_ERR_INTERRUPTED);
	}
	assert_int_equal(wr_repair_find(&ext, &d), WR_OK);
	assert_int_equal(wr_repair_resume(&ext, &p, &d), WR_OK);
	assert_string_equal(p.suffix, SFX);
	assert_int_equal(p.nrestore, 2);
	check_restored(&ext, SFX);
}

/* Killed while SAM's copy was being staged, the last record torn: resume stages it
 * again and finishes everything. */
static void test_resume_torn_tail(void **state)
{
	static const char *const recs[] = {
		"plan registry " SFX, "hive SAM", "hive SECURITY", "planned registry",
		"stage SAM", NULL };
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	char path[4096];

	(void)state;
	make_volume("torn.img", path, sizeof(path), &ext);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	write_records(vol, recs);
	/* A half-written staged copy and a torn next record. */
	assert_int_equal(wr_ntfs_write_file(vol, CONFIG "/SAM.winrescue-new", sam_rb, 100, &d),
			 WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, RJ "/000006", "WRJ1 6 stag", 11, &d), WR_OK);
	wr_ntfs_close(vol);
	assert_int_equal(wr_repair_resume(&ext, &p, &d), WR_OK);
	check_restored(&ext, SFX);
}

/* Killed before the plan was whole: nothing had changed; resume says so, removes the
 * journal, and the hives are untouched. */
static void test_resume_plan_only(void **state)
{
	static const char *const recs[] = { "plan registry " SFX, "hive SAM", NULL };
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	char path[4096];

	(void)state;
	make_volume("planonly.img", path, sizeof(path), &ext);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	write_records(vol, recs);
	wr_ntfs_close(vol);
	assert_int_equal(wr_repair_resume(&ext, &p, &d), WR_ERR_NOTHING_TO_RESUME);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_false(there(vol, "/$WinRescue"));
	assert_true(holds(vol, CONFIG "/SAM", sam_old, sam_old_len));
	assert_true(holds(vol, CONFIG "/SECURITY", sec_old, sec_old_len));
	assert_true(holds(vol, CONFIG "/SAM.LOG1", "log", 3));
	wr_ntfs_close(vol);
	assert_int_equal(wr_repair_find(&ext, NULL), WR_ERR_NOT_FOUND);
}

/* Killed while a finished restore's journal was being removed (renamed
 * repair-journal.done, some records already deleted): resume only sweeps it away. */
static void test_resume_removing(void **state)
{
	char sfx[sizeof(((struct wr_repair_registry_plan *)0)->suffix)];
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	char path[4096];

	(void)state;
	make_volume("removing.img", path, sizeof(path), &ext);
	assert_int_equal(wr_repair_registry_plan(&ext, false, &p, &d), WR_OK);
	assert_int_equal(wr_repair_registry_run(&ext, &p, &d), WR_OK);
	snprintf(sfx, sizeof(sfx), "%s", p.suffix);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	write_records(vol, plan_recs);
	assert_int_equal(wr_ntfs_move(vol, RJ, RJ ".done", &d), WR_OK);
	assert_int_equal(wr_ntfs_unlink(vol, RJ ".done/000001", &d), WR_OK);
	assert_true(wr_repair_pending(vol));
	wr_ntfs_close(vol);
	assert_int_equal(wr_repair_resume(&ext, &p, &d), WR_OK);
	assert_int_equal(p.nrestore, 0);
	assert_int_equal(wr_repair_find(&ext, NULL), WR_ERR_NOT_FOUND);
	check_restored(&ext, sfx);
}

/* Journals that cannot be trusted: a suffix that is a path, a record naming a file
 * that is not a hive, a damaged record with good ones after it.  Refused with
 * WR_ERR_JOURNAL; the volume's files are unchanged. */
static void test_resume_bad_journal(void **state)
{
	static const char *const bad_suffix[] = { "plan registry .winrescue-/../../x",
						  "hive SAM", "planned registry", NULL };
	static const char *const bad_name[] = { "plan registry " SFX, "hive SAM",
						"planned registry", "stage ../../../bootmgr", NULL };
	static const char *const *const cases[] = { bad_suffix, bad_name, plan_recs };
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	struct wr_extent ext;
	char path[4096];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct wr_ntfs *vol = NULL;
		char name[32];

		snprintf(name, sizeof(name), "bad%zu.img", c);
		make_volume(name, path, sizeof(path), &ext);
		assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
		write_records(vol, cases[c]);
		if (cases[c] == plan_recs)	/* record 2 damaged, 3 and 4 good */
			assert_int_equal(wr_ntfs_write_file(vol, RJ "/000002", "WRJ1 2 hive SAM 0\n",
							    18, &d), WR_OK);
		wr_ntfs_close(vol);
		assert_int_equal(wr_repair_resume(&ext, &p, &d), WR_ERR_JOURNAL);
		assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
		assert_true(holds(vol, CONFIG "/SAM", sam_old, sam_old_len));
		assert_true(holds(vol, CONFIG "/SECURITY", sec_old, sec_old_len));
		assert_true(holds(vol, CONFIG "/SAM.LOG1", "log", 3));
		assert_false(there(vol, CONFIG "/SAM.winrescue-new"));
		assert_true(wr_repair_pending(vol));	/* kept for a person to look at */
		wr_ntfs_close(vol);
	}
}

/* A refresh's journal on the volume: the restore refuses to begin. */
static void test_refuses_over_refresh(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_repair_registry_plan p;
	struct wr_extent ext;
	struct wr_ntfs *vol = NULL;
	char path[4096];

	(void)state;
	make_volume("refresh.img", path, sizeof(path), &ext);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(vol, "/$WinRescue", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(vol, "/$WinRescue/journal", &d), WR_OK);
	wr_ntfs_close(vol);
	assert_int_equal(wr_repair_registry_plan(&ext, false, &p, &d), WR_OK);
	assert_int_equal(wr_repair_registry_run(&ext, &p, &d), WR_ERR_INTERRUPTED);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_true(holds(vol, CONFIG "/SAM", sam_old, sam_old_len));
	assert_false(there(vol, RJ));
	wr_ntfs_close(vol);
	/* And resume does not take the refresh's journal for a repair's. */
	assert_int_equal(wr_repair_resume(&ext, &p, &d), WR_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_resume_inside_swap),
		cmocka_unit_test(test_resume_torn_tail),
		cmocka_unit_test(test_resume_plan_only),
		cmocka_unit_test(test_resume_removing),
		cmocka_unit_test(test_resume_bad_journal),
		cmocka_unit_test(test_refuses_over_refresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
