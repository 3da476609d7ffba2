/*
 * test_winsys.c - installation facts from real hives (../shared/testdata/hives):
 * SYSTEM of Windows 7, 8/8.1 and 10 1709, the Windows 7 SAM, a real NTUSER.DAT; the
 * SOFTWARE side on a copy of a real hive given CurrentVersion / ProfileList keys
 * (no SOFTWARE hive is in testdata).  Values are cross-checked with hivexget.
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
#include <strings.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkimg.h"
#include "testdata.h"
#include "testfile.h"
#include "winrescue.h"

#define MACHINE_SID "S-1-5-21-1760460187-1592185332-161725925" /* of regipy_SAM */

static char tmpdir[256];

/* testdata/hives/<name>.xz unpacked into the temp dir (see testdata_hive). */
static char *hive_path(const char *name)
{
	return testdata_hive(tmpdir, name);
}

static int setup(void **state)
{
	(void)state;
	testdata_require("hives/regipy_SAM.xz");
	assert_int_equal(mkimg_tmpdir(tmpdir, sizeof(tmpdir)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mkimg_rmrf(tmpdir);
	return 0;
}

static struct wr_hive *open_hive(const char *name)
{
	struct wr_hive *h = NULL;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_hive_open(hive_path(name), false, &h, &d), WR_OK);
	return h;
}

static void test_system_win81(void **state)
{
	(void)state;
	struct wr_hive *sys = open_hive("regipy_SYSTEM_2");
	struct wr_windows w = {0};
	char ref[256];

	assert_int_equal(wr_winsys_from_hives(NULL, sys, NULL, &w, NULL), WR_OK);
	assert_string_equal(w.control_set, "ControlSet001");
	assert_string_equal(w.computer_name, "SENSEI");
	assert_int_equal(mkimg_hivexget(hive_path("regipy_SYSTEM_2"),
					"\\ControlSet001\\Control\\ComputerName\\ComputerName",
					"ComputerName", ref, sizeof(ref)),
			 0);
	assert_string_equal(w.computer_name, ref);
	assert_true(w.fast_startup_enabled); /* HiberbootEnabled = 1 */
	assert_true(w.hibernate_enabled);
	assert_string_equal(w.time_zone, "Pacific Standard Time");
	assert_string_equal(w.default_language, "en-US");
	assert_non_null(w.languages);
	assert_string_equal(w.languages[0], "en-US");
	assert_null(w.languages[1]);
	/* No SOFTWARE given: no version, no users. */
	assert_string_equal(w.product_name, "");
	assert_int_equal(w.nusers, 0);
	wr_windows_release(&w);
	wr_hive_close(sys);
}

static void test_system_win7(void **state)
{
	(void)state;
	struct wr_hive *sys = open_hive("regipy_SYSTEM");
	struct wr_windows w = {0};

	assert_int_equal(wr_winsys_from_hives(NULL, sys, NULL, &w, NULL), WR_OK);
	assert_string_equal(w.computer_name, "WKS-WIN732BITA");
	assert_true(w.hibernate_enabled);
	assert_false(w.fast_startup_enabled); /* Windows 7 has no HiberbootEnabled */
	/* Garbage follows the NUL of this value in this hive. */
	assert_string_equal(w.time_zone, "Eastern Standard Time");
	assert_string_equal(w.default_language, "en-US");
	wr_windows_release(&w);
	wr_hive_close(sys);
}

static void test_system_win10_and_source_os(void **state)
{
	(void)state;
	struct wr_hive *sys = open_hive("regipy_SYSTEM_WIN_10_1709");
	struct wr_windows w = {0};
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(wr_winsys_from_hives(NULL, sys, NULL, &w, NULL), WR_OK);
	assert_string_equal(w.computer_name, "DESKTOP-2KGM189");
	assert_true(w.fast_startup_enabled);
	assert_false(w.hibernate_enabled); /* HibernateEnabled = 0 */
	assert_string_equal(w.time_zone, "Pacific Standard Time");

	/* The Setup\Source OS copies are real CurrentVersion blocks of Windows 10:
	 * CurrentVersion says "6.3", CurrentMajorVersionNumber says 10. */
	assert_int_equal(wr_winsys_version_from_key(
			     sys, "Setup\\Source OS (Updated on 1/6/2019 02:18:37)", &w, &d),
			 WR_OK);
	assert_string_equal(w.product_name, "Windows 10 Pro");
	assert_string_equal(w.edition, "Professional");
	assert_string_equal(w.installation_type, "Client");
	assert_string_equal(w.version, "6.3");
	assert_int_equal(w.major, 10);
	assert_int_equal(w.minor, 0);
	assert_int_equal(w.build, 15063);
	assert_int_equal(w.ubr, 0x56b);
	assert_string_equal(w.display_version, "1703");
	assert_string_equal(w.marketing_name, "Windows 10");
	assert_int_equal(w.install_date, 0x5965cd44);

	assert_int_equal(wr_winsys_version_from_key(
			     sys, "setup\\source os (updated on 5/16/2019 00:55:20)", &w, &d),
			 WR_OK);
	assert_int_equal(w.build, 17134);
	assert_int_equal(w.ubr, 0x2fd);
	assert_string_equal(w.display_version, "1803");
	assert_int_equal(w.install_date, 0x5c4d8a64);

	assert_int_equal(wr_winsys_version_from_key(sys, "Setup\\NoSuchKey", &w, &d),
			 WR_ERR_NO_WINDOWS);
	wr_windows_release(&w);
	wr_hive_close(sys);
}

static void test_sam_accounts(void **state)
{
	(void)state;
	struct wr_hive *sam = open_hive("regipy_SAM");
	struct wr_sam_account *acc = NULL;
	char sid[192];
	size_t n = 0;

	assert_int_equal(wr_winsys_sam_accounts(sam, &acc, &n, sid, NULL), WR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(acc[0].rid, 500);
	assert_string_equal(acc[0].name, "Administrator");
	assert_int_equal(acc[1].rid, 501);
	assert_string_equal(acc[1].name, "Guest");
	assert_true(acc[1].disabled);
	assert_int_equal(acc[2].rid, 1000);
	assert_string_equal(acc[2].name, "Preston");
	assert_false(acc[2].disabled);
	assert_string_equal(sid, MACHINE_SID);
	free(acc);
	wr_hive_close(sam);

	/* A hive without SAM keys. */
	sam = open_hive("regipy_SYSTEM_2");
	assert_int_equal(wr_winsys_sam_accounts(sam, &acc, &n, NULL, NULL), WR_ERR_NOT_FOUND);
	assert_null(acc);
	wr_hive_close(sam);
}

/* A SOFTWARE hive for the tests: a copy of a real hive given the keys Windows keeps
 * in SOFTWARE. */
static char *make_software(const char *name, const char *version, unsigned major, const char *build,
			   const char *display, const char *product)
{
	static char path[600];
	const char *src = hive_path("regipy_ntuser_software_partial");
	const char *cp[] = {"cp", src, path, NULL};
	const char *cv = "Microsoft\\Windows NT\\CurrentVersion";
	const char *pl = "Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
	static const struct {
		const char *sid, *path;
	} profiles[] = {
	    {"S-1-5-18", "%systemroot%\\system32\\config\\systemprofile"},
	    {"S-1-5-19", "%systemroot%\\ServiceProfiles\\LocalService"},
	    {"S-1-5-20", "%systemroot%\\ServiceProfiles\\NetworkService"},
	    {MACHINE_SID "-500", "%SystemDrive%\\Users\\Admin"},
	    {MACHINE_SID "-1000", "C:\\Users\\Preston"},
	    {MACHINE_SID "-1000.bak", "C:\\Users\\Preston"},
	    {"S-1-5-21-11-22-33-1000", "C:\\Users\\jdoe.CORP"},
	    {"S-1-5-21-11-22-33-1001", "C:\\Users\\山田太郎"},
	};
	struct wr_hive *h = NULL;
	struct wr_detail d = WR_DETAIL_INIT;
	char key[256];

	snprintf(path, sizeof(path), "%s/SOFTWARE-%s", tmpdir, name);
	assert_int_equal(mkimg_run_to_file(cp, NULL), 0);
	assert_int_equal(wr_hive_open(path, true, &h, &d), WR_OK);
	assert_int_equal(wr_hive_add_key(h, cv, &d), WR_OK);
	assert_int_equal(wr_hive_set_string(h, cv, "ProductName", product, false, &d), WR_OK);
	assert_int_equal(wr_hive_set_string(h, cv, "EditionID", "Professional", false, &d), WR_OK);
	assert_int_equal(wr_hive_set_string(h, cv, "InstallationType", "Client", false, &d), WR_OK);
	assert_int_equal(wr_hive_set_string(h, cv, "CurrentVersion", version, false, &d), WR_OK);
	assert_int_equal(wr_hive_set_string(h, cv, "CurrentBuildNumber", build, false, &d), WR_OK);
	assert_int_equal(wr_hive_set_dword(h, cv, "InstallDate", 1400000000, &d), WR_OK);
	if (major) {
		assert_int_equal(wr_hive_set_dword(h, cv, "CurrentMajorVersionNumber", major, &d),
				 WR_OK);
		assert_int_equal(wr_hive_set_dword(h, cv, "CurrentMinorVersionNumber", 0, &d),
				 WR_OK);
		assert_int_equal(wr_hive_set_string(h, cv, "CurrentBuild", build, false, &d),
				 WR_OK);
		assert_int_equal(wr_hive_set_dword(h, cv, "UBR", 3803, &d), WR_OK);
	}
	if (display)
		assert_int_equal(wr_hive_set_string(h, cv, "DisplayVersion", display, false, &d),
				 WR_OK);
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		snprintf(key, sizeof(key), "%s\\%s", pl, profiles[i].sid);
		assert_int_equal(wr_hive_add_key(h, key, &d), WR_OK);
		assert_int_equal(
		    wr_hive_set_string(h, key, "ProfileImagePath", profiles[i].path, true, &d),
		    WR_OK);
	}
	snprintf(key, sizeof(key),
		 "Microsoft\\Windows\\CurrentVersion\\Appx\\AppxAllUserStore\\"
		 "Applications\\Microsoft.BingWeather_3.0.1.174_x64__8wekyb3d8bbwe");
	assert_int_equal(wr_hive_add_key(h, key, &d), WR_OK);
	assert_int_equal(wr_hive_commit(h, &d), WR_OK);
	wr_hive_close(h);
	return path;
}

static const struct wr_user *find_user(const struct wr_windows *w, const char *sid)
{
	for (size_t i = 0; i < w->nusers; i++)
		if (!strcmp(w->users[i].sid, sid))
			return &w->users[i];
	return NULL;
}

static void test_software_win81_users(void **state)
{
	(void)state;
	char *swp = make_software("81", "6.3", 0, "9600", NULL, "Windows 8.1 Pro");
	struct wr_hive *sw = NULL, *sys = open_hive("regipy_SYSTEM_2"),
		       *sam = open_hive("regipy_SAM");
	struct wr_windows w = {0};
	struct wr_detail d = WR_DETAIL_INIT;
	const struct wr_user *u;

	assert_int_equal(wr_hive_open(swp, false, &sw, &d), WR_OK);
	assert_int_equal(wr_winsys_from_hives(sw, sys, sam, &w, &d), WR_OK);
	assert_string_equal(w.product_name, "Windows 8.1 Pro");
	assert_string_equal(w.version, "6.3");
	assert_int_equal(w.major, 6);
	assert_int_equal(w.minor, 3);
	assert_int_equal(w.build, 9600);
	assert_int_equal(w.ubr, 0);
	assert_string_equal(w.display_version, "");
	assert_string_equal(w.marketing_name, "Windows 8.1");
	assert_int_equal(w.install_date, 1400000000);
	assert_string_equal(w.machine_sid, MACHINE_SID);
	assert_string_equal(w.computer_name, "SENSEI");

	/* Users: the .bak copy is skipped. */
	assert_int_equal(w.nusers, 7);
	u = find_user(&w, "S-1-5-18");
	assert_non_null(u);
	assert_true(u->special);
	assert_string_equal(u->profile_path, "C:\\Windows\\system32\\config\\systemprofile");
	assert_non_null(find_user(&w, "S-1-5-19"));
	assert_true(find_user(&w, "S-1-5-20")->special);
	u = find_user(&w, MACHINE_SID "-1000");
	assert_non_null(u);
	assert_false(u->special);
	assert_string_equal(u->name, "Preston"); /* from SAM */
	assert_string_equal(u->profile_path, "C:\\Users\\Preston");
	assert_true(u->profile_bytes == UINT64_MAX); /* no volume: unknown */
	u = find_user(&w, MACHINE_SID "-500");
	assert_string_equal(u->name, "Administrator"); /* SAM name, not the folder */
	assert_string_equal(u->profile_path, "C:\\Users\\Admin");
	/* Same RID in another domain: not the local Preston. */
	u = find_user(&w, "S-1-5-21-11-22-33-1000");
	assert_string_equal(u->name, "jdoe.CORP");
	assert_string_equal(find_user(&w, "S-1-5-21-11-22-33-1001")->name, "山田太郎");

	assert_int_equal(w.nstore_apps, 1);
	assert_string_equal(w.store_apps[0], "Microsoft.BingWeather_3.0.1.174_x64__8wekyb3d8bbwe");
	wr_windows_release(&w);
	assert_null(w.users);
	wr_hive_close(sw);
	wr_hive_close(sys);
	wr_hive_close(sam);
}

static void test_software_versions(void **state)
{
	(void)state;
	static const struct {
		const char *tag, *version;
		unsigned major;
		const char *build, *display, *product;
		unsigned want_major, want_minor, want_build;
		const char *marketing;
	} cases[] = {
	    {"8", "6.2", 0, "9200", NULL, "Windows 8", 6, 2, 9200, "Windows 8"},
	    {"10", "6.3", 10, "19045", "22H2", "Windows 10 Pro", 10, 0, 19045, "Windows 10"},
	    /* Windows 11 still calls itself "Windows 10 Pro" in ProductName. */
	    {"11", "6.3", 10, "22631", "23H2", "Windows 10 Pro", 10, 0, 22631, "Windows 11"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = make_software(cases[i].tag, cases[i].version, cases[i].major,
					cases[i].build, cases[i].display, cases[i].product);
		struct wr_hive *sw = NULL;
		struct wr_windows w = {0};

		assert_int_equal(wr_hive_open(p, false, &sw, NULL), WR_OK);
		assert_int_equal(wr_winsys_from_hives(sw, NULL, NULL, &w, NULL), WR_OK);
		assert_string_equal(w.version, cases[i].version);
		assert_int_equal(w.major, cases[i].want_major);
		assert_int_equal(w.minor, cases[i].want_minor);
		assert_int_equal(w.build, cases[i].want_build);
		assert_string_equal(w.marketing_name, cases[i].marketing);
		assert_string_equal(w.display_version, cases[i].display ? cases[i].display : "");
		assert_int_equal(w.ubr, cases[i].major ? 3803 : 0);
		/* No SAM: names are the profile folders. */
		assert_string_equal(find_user(&w, MACHINE_SID "-500")->name, "Admin");
		wr_windows_release(&w);
		wr_hive_close(sw);
	}
	/* A hive without CurrentVersion is not a SOFTWARE hive. */
	{
		struct wr_hive *h = open_hive("regipy_NTUSER.DAT");
		struct wr_windows w = {0};

		assert_int_equal(wr_winsys_from_hives(h, NULL, NULL, &w, NULL), WR_ERR_NO_WINDOWS);
		wr_windows_release(&w);
		wr_hive_close(h);
	}
}

static void test_marketing_names(void **state)
{
	(void)state;
	assert_string_equal(wr_winsys_marketing_name(6, 2, 9200, "Client"), "Windows 8");
	assert_string_equal(wr_winsys_marketing_name(6, 3, 9600, "Client"), "Windows 8.1");
	assert_string_equal(wr_winsys_marketing_name(10, 0, 10240, "Client"), "Windows 10");
	assert_string_equal(wr_winsys_marketing_name(10, 0, 22000, "Client"), "Windows 11");
	assert_string_equal(wr_winsys_marketing_name(6, 1, 7601, "Client"), "Windows 7");
	assert_string_equal(wr_winsys_marketing_name(6, 0, 6002, NULL), "Windows Vista");
	assert_string_equal(wr_winsys_marketing_name(6, 3, 9600, "Server"),
			    "Windows Server 2012 R2");
	assert_string_equal(wr_winsys_marketing_name(6, 3, 9600, "Server Core"),
			    "Windows Server 2012 R2");
	assert_string_equal(wr_winsys_marketing_name(7, 0, 0, "Client"), "");
}

static void test_keyboard(void **state)
{
	(void)state;
	/* A real NTUSER.DAT has the same Keyboard Layout\Preload key as DEFAULT. */
	struct wr_hive *h = open_hive("regipy_NTUSER.DAT");
	struct wr_windows w = {0};
	char ref[64];

	assert_int_equal(wr_winsys_keyboard_from_hive(h, &w, NULL), WR_OK);
	assert_int_equal(mkimg_hivexget(hive_path("regipy_NTUSER.DAT"),
					"\\Keyboard Layout\\Preload", "1", ref, sizeof(ref)),
			 0);
	assert_string_equal(ref, "00000409");
	assert_string_equal(w.keyboard, "0409:00000409");
	wr_hive_close(h);
	h = open_hive("regipy_SYSTEM_2");
	assert_int_equal(wr_winsys_keyboard_from_hive(h, &w, NULL), WR_ERR_NOT_FOUND);
	wr_hive_close(h);
}

static void put16(unsigned char *b, size_t at, unsigned v)
{
	b[at] = v & 0xff;
	b[at + 1] = (v >> 8) & 0xff;
}

static void put32(unsigned char *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[at + i] = (v >> (8 * i)) & 0xff;
}

static void test_pe_arch(void **state)
{
	(void)state;
	static const struct {
		unsigned machine;
		enum wr_arch arch;
	} m[] = {
	    {0x14c, WR_ARCH_X86},    {0x8664, WR_ARCH_X64},    {0x1c4, WR_ARCH_ARM},
	    {0xaa64, WR_ARCH_ARM64}, {0x200, WR_ARCH_UNKNOWN},
	};
	unsigned char b[512];

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		memset(b, 0, sizeof(b));
		b[0] = 'M', b[1] = 'Z';
		put32(b, 0x3c, 0xe8);
		memcpy(b + 0xe8, "PE\0\0", 4);
		put16(b, 0xec, m[i].machine);
		assert_int_equal(wr_winsys_pe_arch(b, sizeof(b)), m[i].arch);
		/* Cut right after the machine field: still fine; one byte less: unknown. */
		assert_int_equal(wr_winsys_pe_arch(b, 0xee), m[i].arch);
		assert_int_equal(wr_winsys_pe_arch(b, 0xed), WR_ARCH_UNKNOWN);
	}
	/* e_lfanew pointing past the end, at the very end, or wrapping around. */
	put32(b, 0x3c, 0xfffffffe);
	assert_int_equal(wr_winsys_pe_arch(b, sizeof(b)), WR_ARCH_UNKNOWN);
	put32(b, 0x3c, sizeof(b));
	assert_int_equal(wr_winsys_pe_arch(b, sizeof(b)), WR_ARCH_UNKNOWN);
	put32(b, 0x3c, sizeof(b) - 4);
	assert_int_equal(wr_winsys_pe_arch(b, sizeof(b)), WR_ARCH_UNKNOWN);
	/* Not MZ, too short, NULL, no PE signature. */
	put32(b, 0x3c, 0xe8);
	b[0] = 'Z';
	assert_int_equal(wr_winsys_pe_arch(b, sizeof(b)), WR_ARCH_UNKNOWN);
	b[0] = 'M';
	assert_int_equal(wr_winsys_pe_arch(b, 0x3f), WR_ARCH_UNKNOWN);
	assert_int_equal(wr_winsys_pe_arch(NULL, 100), WR_ARCH_UNKNOWN);
	b[0xe9] = 'X';
	assert_int_equal(wr_winsys_pe_arch(b, sizeof(b)), WR_ARCH_UNKNOWN);

	assert_string_equal(wr_arch_name(WR_ARCH_X64), "x64");
	assert_string_equal(wr_arch_name(WR_ARCH_X86), "x86");
	assert_string_equal(wr_arch_name(WR_ARCH_ARM), "arm");
	assert_string_equal(wr_arch_name(WR_ARCH_ARM64), "arm64");
	assert_string_equal(wr_arch_name(WR_ARCH_UNKNOWN), "unknown");
}

/* ---- the glue, on the synthetic PC built by tests/fixtures/build-pc.sh --------- */

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_string(v);
}

/* Bytes of the files the manifest lists under Users/<name>/, all streams, counted
 * per name as wr_ntfs_tree_size walks them (a file with two names there counts
 * twice). */
static uint64_t manifest_profile_bytes(json_object *files, const char *name)
{
	char prefix[300];
	uint64_t sum = 0;

	snprintf(prefix, sizeof(prefix), "Users/%s/", name);
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		json_object *f = json_object_array_get_idx(files, i), *size, *streams;

		if (strcmp(jstr(f, "type"), "file") ||
		    strncmp(jstr(f, "path"), prefix, strlen(prefix)))
			continue;
		if (json_object_object_get_ex(f, "size", &size))
			sum += (uint64_t)json_object_get_int64(size);
		if (!json_object_object_get_ex(f, "streams", &streams))
			continue;
		for (size_t k = 0; k < json_object_array_length(streams); k++)
			if (json_object_object_get_ex(json_object_array_get_idx(streams, k), "size",
						      &size))
				sum += (uint64_t)json_object_get_int64(size);
	}
	return sum;
}

static const struct wr_app *find_app(const struct wr_app_list *l, const char *name,
				     const char *user)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name) &&
		    ((!user && !l->v[i].user) ||
		     (user && l->v[i].user && !strcmp(user, l->v[i].user))))
			return &l->v[i];
	return NULL;
}

static void test_fixture_pc(void **state)
{
	(void)state;
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char out[600], img[700], man[700], tool[600];
	const char *argv[] = {"tests/fixtures/build-pc.sh", "--out", out, "--layout", "gpt", NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_app_list apps = {0, NULL};
	struct wr_windows *w = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_extent ext;
	json_object *m, *win, *users, *store, *files;
	uint64_t before;

	/* `make test` builds the fixture tools before it runs the tests. */
	snprintf(tool, sizeof(tool), "%s/tools/mkhives", build);
	assert_int_equal(access(tool, X_OK), 0);
	snprintf(out, sizeof(out), "%s/pc", tmpdir);
	assert_int_equal(mkimg_run_to_file(argv, NULL), 0);
	snprintf(img, sizeof(img), "%s/windows.img", out);
	snprintf(man, sizeof(man), "%s/manifest.json", out);
	m = json_object_from_file(man);
	assert_non_null(m);
	assert_true(json_object_object_get_ex(m, "windows", &win));
	assert_true(json_object_object_get_ex(m, "users", &users));
	assert_true(json_object_object_get_ex(m, "store_apps", &store));
	assert_true(json_object_object_get_ex(m, "files", &files));
	before = testfile_hash(img);

	assert_int_equal(wr_blockdev_resolve(img, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_int_equal(wr_winsys_read(vol, &w, &d), WR_OK);
	assert_int_equal(w->registry_err, WR_OK);
	assert_string_equal(w->product_name, jstr(win, "product_name"));
	assert_string_equal(w->edition, jstr(win, "edition"));
	assert_string_equal(w->version, jstr(win, "current_version"));
	assert_int_equal(w->build, atoi(jstr(win, "build")));
	assert_int_equal(w->major, 6);
	assert_int_equal(w->minor, 3);
	assert_string_equal(w->marketing_name, "Windows 8.1");
	assert_string_equal(wr_arch_name(w->arch), jstr(win, "arch"));
	assert_string_equal(w->computer_name, jstr(win, "computer_name"));
	assert_int_equal(w->fast_startup_enabled, atoi(jstr(win, "hiberboot_enabled")));
	assert_string_equal(w->time_zone, "Tokyo Standard Time");
	assert_string_equal(w->default_language, "ja-JP");
	assert_non_null(w->languages);
	assert_string_equal(w->languages[0], "ja-JP");
	assert_true(w->keyboard[0] != '\0');
	assert_true(w->install_date > 0);

	/* Every person of the manifest, with the SAM name, path and profile size. */
	for (size_t i = 0; i < json_object_array_length(users); i++) {
		json_object *u = json_object_array_get_idx(users, i);
		const struct wr_user *found = NULL;

		for (size_t k = 0; k < w->nusers; k++)
			if (!strcmp(w->users[k].sid, jstr(u, "sid")))
				found = &w->users[k];
		assert_non_null(found);
		assert_string_equal(found->name, jstr(u, "name"));
		assert_string_equal(found->profile_path, jstr(u, "profile"));
		assert_false(found->special);
		assert_true(found->profile_bytes != UINT64_MAX);
		if (found->profile_bytes != manifest_profile_bytes(files, jstr(u, "name")))
			fail_msg(
			    "%s: profile %llu bytes, manifest %llu", jstr(u, "name"),
			    (unsigned long long)found->profile_bytes,
			    (unsigned long long)manifest_profile_bytes(files, jstr(u, "name")));
		assert_true(found->profile_bytes > 0);
	}
	/* Store apps: the manifest's packages, each once. */
	assert_int_equal(w->nstore_apps, json_object_array_length(store));
	for (size_t i = 0; i < json_object_array_length(store); i++) {
		bool found = false;

		for (size_t k = 0; k < w->nstore_apps; k++)
			found |=
			    !strcmp(w->store_apps[k],
				    json_object_get_string(json_object_array_get_idx(store, i)));
		assert_true(found);
	}
	assert_true(w->has_reagent);

	/* Desktop apps: machine-wide 64- and 32-bit, and each person's own. */
	assert_int_equal(wr_apps_read(vol, w, &apps, &d), WR_OK);
	assert_int_equal(apps.n, 14);
	assert_int_equal(find_app(&apps, "Microsoft Office Professional Plus 2013", NULL)->bits,
			 64);
	assert_string_equal(find_app(&apps, "Microsoft Office Professional Plus 2013", NULL)->link,
			    "http://go.microsoft.com/fwlink/?LinkId=263728");
	assert_int_equal(find_app(&apps, "Google Chrome", NULL)->bits, 32);
	assert_string_equal(find_app(&apps, "Антивирус Касперского 2015", NULL)->publisher,
			    "АО «Лаборатория Касперского»");
	assert_non_null(find_app(&apps, "Spotify", "Alice"));
	assert_non_null(find_app(&apps, "Яндекс.Браузер", "Тарас"));
	assert_non_null(find_app(&apps, "Telegram Desktop", "Тарас"));
	assert_non_null(find_app(&apps, "LINE", "山田太郎"));
	assert_null(find_app(&apps, "Adobe Refresh Manager", NULL));
	assert_null(
	    find_app(&apps, "Microsoft Visual C++ 2012 x64 Minimum Runtime - 11.0.61030", NULL));
	assert_null(find_app(&apps, "Hotfix for Microsoft .NET Framework 4.5.1 (KB2898869)", NULL));
	/* Sorted by name. */
	for (size_t i = 1; i < apps.n; i++)
		assert_true(strcasecmp(apps.v[i - 1].name, apps.v[i].name) <= 0);
	wr_app_list_release(&apps);
	wr_windows_free(w);
	wr_ntfs_close(vol);
	json_object_put(m);
	/* Inspection never writes. */
	assert_true(testfile_hash(img) == before);
}

/* Damaged registry on the synthetic PC: a corrupted SOFTWARE hive, then no config
 * folder at all.  The inspection still reports what it can, says which hive failed,
 * and writes nothing. */
static void test_fixture_pc_bad_registry(void **state)
{
	(void)state;
	char img[700], *corrupt = hive_path("regipy_corrupted_system_hive");
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_windows *w = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_extent ext;
	uint64_t before;
	void *buf;
	size_t len;
	FILE *f;

	/* test_fixture_pc built it. */
	snprintf(img, sizeof(img), "%s/pc/windows.img", tmpdir);
	assert_int_equal(access(img, R_OK), 0);
	f = fopen(corrupt, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), len);
	fclose(f);

	assert_int_equal(wr_blockdev_resolve(img, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	assert_int_equal(wr_ntfs_write_file(vol, "Windows/System32/config/SOFTWARE", buf, len, &d),
			 WR_OK);
	wr_ntfs_close(vol);
	free(buf);

	before = testfile_hash(img);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_int_equal(wr_winsys_read(vol, &w, &d), WR_OK);
	assert_int_equal(w->registry_err, WR_ERR_HIVE_CORRUPT);
	assert_string_equal(w->registry_subject, "Windows/System32/config/SOFTWARE");
	assert_string_equal(w->product_name, "");
	assert_string_equal(w->computer_name, "YAMADA-PC"); /* SYSTEM is fine */
	assert_string_equal(wr_arch_name(w->arch), "x64");
	/* People from the Users folder instead of ProfileList. */
	assert_int_equal(w->nusers, 3);
	for (size_t i = 0; i < w->nusers; i++) {
		assert_true(!strcmp(w->users[i].name, "Alice") ||
			    !strcmp(w->users[i].name, "Тарас") ||
			    !strcmp(w->users[i].name, "山田太郎"));
		assert_true(w->users[i].profile_bytes != UINT64_MAX);
	}
	wr_windows_free(w);
	w = NULL;
	{
		struct wr_app_list apps = {0, NULL};

		assert_int_equal(wr_apps_read(vol, NULL, &apps, &d), WR_ERR_HIVE_CORRUPT);
		assert_int_equal(apps.n, 0);
	}
	wr_ntfs_close(vol);
	assert_true(testfile_hash(img) == before);

	/* No config folder at all. */
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	assert_int_equal(wr_ntfs_delete_tree(vol, "Windows/System32/config", &d), WR_OK);
	wr_ntfs_close(vol);
	before = testfile_hash(img);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_int_equal(wr_winsys_read(vol, &w, &d), WR_OK);
	assert_true(w->registry_err != WR_OK);
	assert_string_equal(w->registry_subject, "Windows/System32/config/SOFTWARE");
	assert_string_equal(w->computer_name, "");
	assert_int_equal(w->nusers, 3);
	wr_windows_free(w);
	wr_ntfs_close(vol);
	assert_true(testfile_hash(img) == before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_system_win81),
	    cmocka_unit_test(test_system_win7),
	    cmocka_unit_test(test_system_win10_and_source_os),
	    cmocka_unit_test(test_sam_accounts),
	    cmocka_unit_test(test_software_win81_users),
	    cmocka_unit_test(test_software_versions),
	    cmocka_unit_test(test_marketing_names),
	    cmocka_unit_test(test_keyboard),
	    cmocka_unit_test(test_pe_arch),
	    cmocka_unit_test(test_fixture_pc),
	    cmocka_unit_test(test_fixture_pc_bad_registry),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
