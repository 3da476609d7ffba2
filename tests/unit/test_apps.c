/*
 * test_apps.c - desktop apps the way Programs and Features lists them, on real hives:
 * the per-user Software hive of a Windows 10 PC (5 apps), the dirty Windows 11
 * NTUSER.DAT (OneDrive), and the hiding rules on entries added to a copy of a real
 * hive.  Cross-checked with hivexget.
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
#include <unistd.h>

#include "mkimg.h"
#include "testdata.h"
#include "testfile.h"
#include "winrescue.h"

#define UNINSTALL "Microsoft\\Windows\\CurrentVersion\\Uninstall"

static char tmpdir[256];

/* testdata/hives/<name>.xz unpacked into the temp dir (see testdata_hive). */
static char *hive_path(const char *name)
{
	return testdata_hive(tmpdir, name);
}

static int setup(void **state)
{
	(void)state;
	testdata_require("hives/regipy_ntuser_software_partial.xz");
	assert_int_equal(mkimg_tmpdir(tmpdir, sizeof(tmpdir)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mkimg_rmrf(tmpdir);
	return 0;
}

static const struct wr_app *find(const struct wr_app_list *l, const char *name, const char *user)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name) &&
		    ((!user && !l->v[i].user) ||
		     (user && l->v[i].user && !strcmp(user, l->v[i].user))))
			return &l->v[i];
	return NULL;
}

static void test_user_software_hive(void **state)
{
	(void)state;
	char *p = hive_path("regipy_ntuser_software_partial");
	uint64_t before = testfile_hash(p);
	struct wr_app_list l = {0, NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	const struct wr_app *a;
	char ref[256];

	assert_int_equal(wr_hive_open(p, false, &h, &d), WR_OK);
	assert_int_equal(wr_apps_from_hive(h, UNINSTALL, "tony", 64, &l, &d), WR_OK);
	assert_int_equal(l.n, 5);

	a = find(&l, "GitKraken", "tony");
	assert_non_null(a);
	assert_string_equal(a->publisher, "Axosoft, LLC");
	assert_string_equal(a->version, "5.0.4");
	assert_null(a->link); /* its URLUpdateInfo is empty */
	assert_string_equal(a->key, "gitkraken");
	assert_int_equal(a->bits, 64);

	a = find(&l, "Microsoft OneDrive", "tony");
	assert_non_null(a);
	assert_string_equal(a->publisher, "Microsoft Corporation");
	assert_string_equal(a->version, "20.028.0206.0009");
	/* No URLInfoAbout: HelpLink comes before URLUpdateInfo. */
	assert_string_equal(a->link, "http://go.microsoft.com/fwlink/?LinkID=215117");

	a = find(&l, "Python 3.7.0 (Anaconda3 5.3.0 64-bit)", "tony");
	assert_non_null(a);
	assert_string_equal(a->publisher, "Anaconda, Inc.");
	assert_string_equal(a->version, "5.3.0");
	assert_null(a->link);

	a = find(&l, "Python 3.7 distorm3-3.3.4", "tony");
	assert_non_null(a);
	assert_null(a->publisher);
	assert_null(a->version);

	a = find(&l, "Microsoft Visual Studio Code (User)", "tony");
	assert_non_null(a);
	assert_string_equal(a->publisher, "Microsoft Corporation");
	assert_string_equal(a->version, "1.33.1");
	assert_string_equal(a->link, "https://code.visualstudio.com/");
	assert_string_equal(a->key, "{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1");
	assert_int_equal(
	    mkimg_hivexget(p, "\\" UNINSTALL "\\{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1",
			   "URLInfoAbout", ref, sizeof(ref)),
	    0);
	assert_string_equal(a->link, ref);

	/* The same key again adds nothing; another user's copy is another entry. */
	assert_int_equal(wr_apps_from_hive(h, UNINSTALL, "tony", 64, &l, &d), WR_OK);
	assert_int_equal(l.n, 5);
	assert_int_equal(wr_apps_from_hive(h, UNINSTALL, "Тарас", 64, &l, &d), WR_OK);
	assert_int_equal(l.n, 10);
	assert_non_null(find(&l, "GitKraken", "Тарас"));
	/* A missing key: NOT_FOUND, list unchanged. */
	assert_int_equal(wr_apps_from_hive(h, "Wow6432Node\\" UNINSTALL, NULL, 32, &l, &d),
			 WR_ERR_NOT_FOUND);
	assert_int_equal(l.n, 10);
	wr_app_list_release(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	wr_hive_close(h);
	assert_true(testfile_hash(p) == before);
}

static void test_dirty_win11_ntuser(void **state)
{
	(void)state;
	char *p = hive_path("museum_Win11_NTUSER.DAT");
	uint64_t before = testfile_hash(p);
	struct wr_app_list l = {0, NULL};
	struct wr_regf_header hdr;
	struct wr_hive *h = NULL;
	const struct wr_app *a;
	char ref[256];

	/* It really is dirty: its logs hold changes the base file lacks. */
	assert_int_equal(wr_regf_read_header(p, &hdr, NULL), WR_OK);
	assert_true(hdr.dirty);
	assert_int_equal(wr_hive_open(p, false, &h, NULL), WR_OK);
	assert_int_equal(
	    wr_apps_from_hive(h, "Software\\" UNINSTALL, "AndrewRathbun", 64, &l, NULL), WR_OK);
	assert_int_equal(l.n, 1);
	a = &l.v[0];
	assert_string_equal(a->name, "Microsoft OneDrive");
	assert_string_equal(a->publisher, "Microsoft Corporation");
	assert_int_equal(mkimg_hivexget(p, "\\Software\\" UNINSTALL "\\OneDriveSetup.exe",
					"DisplayVersion", ref, sizeof(ref)),
			 0);
	assert_string_equal(a->version, ref);
	assert_int_equal(mkimg_hivexget(p, "\\Software\\" UNINSTALL "\\OneDriveSetup.exe",
					"HelpLink", ref, sizeof(ref)),
			 0);
	assert_string_equal(a->link, ref);
	assert_string_equal(a->user, "AndrewRathbun");
	wr_app_list_release(&l);
	wr_hive_close(h);
	assert_true(testfile_hash(p) == before);

	/* A Windows 7 NTUSER.DAT without a per-user Uninstall key. */
	assert_int_equal(wr_hive_open(hive_path("regipy_NTUSER.DAT"), false, &h, NULL), WR_OK);
	assert_int_equal(wr_apps_from_hive(h, "Software\\" UNINSTALL, "vibranium", 64, &l, NULL),
			 WR_ERR_NOT_FOUND);
	assert_int_equal(l.n, 0);
	wr_hive_close(h);
}

struct entry {
	const char *key;
	const char *name;      /* DisplayName, NULL: none */
	int system_component;  /* -1: none */
	int windows_installer; /* -1: none */
	const char *uninstall; /* NULL: none */
	const char *parent;    /* ParentKeyName */
	const char *release_type;
	bool visible;
};

static void test_hiding_rules(void **state)
{
	(void)state;
	static const struct entry e[] = {
	    {"Plain", "Plain App", -1, -1, "u.exe", NULL, NULL, true},
	    {"NoName", NULL, -1, -1, "u.exe", NULL, NULL, false},
	    {"EmptyName", "", -1, -1, "u.exe", NULL, NULL, false},
	    {"SysComp", "System Thing", 1, -1, "u.exe", NULL, NULL, false},
	    {"SysComp0", "Not System", 0, -1, "u.exe", NULL, NULL, true},
	    {"NoUninstall", "Cannot Remove", -1, -1, NULL, NULL, NULL, false},
	    {"{12345678-1234-1234-1234-123456789ABC}", "MSI App", -1, 1, NULL, NULL, NULL, true},
	    {"NotAGuid", "MSI Orphan", -1, 1, "u.exe", NULL, NULL, false},
	    {"{12345678-1234-1234-1234-123456789ABD}", "MSI Hidden", 1, 1, NULL, NULL, NULL, false},
	    {"KB123", "Update for App", -1, -1, "u.exe", "Plain", NULL, false},
	    {"Sec", "Security Update for X", -1, -1, "u.exe", NULL, "Security Update", false},
	    {"Roll", "Rollup", -1, -1, "u.exe", NULL, "Update Rollup", false},
	    {"Hot", "Hotfix", -1, -1, "u.exe", NULL, "Hotfix", false},
	    {"Upd", "Update", -1, -1, "u.exe", NULL, "update", false},
	    {"SP", "Service Pack", -1, -1, "u.exe", NULL, "ServicePack", false},
	    {"Other", "Other Release", -1, -1, "u.exe", NULL, "Application", true},
	};
	char path[600];
	const char *cp[] = {"cp", hive_path("regipy_ntuser_software_partial"), path, NULL};
	struct wr_app_list l = {0, NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	const char *base = "Rules\\" UNINSTALL;
	size_t want = 0;

	snprintf(path, sizeof(path), "%s/rules.hive", tmpdir);
	assert_int_equal(mkimg_run_to_file(cp, NULL), 0);
	assert_int_equal(wr_hive_open(path, true, &h, &d), WR_OK);
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		char key[512];

		snprintf(key, sizeof(key), "%s\\%s", base, e[i].key);
		assert_int_equal(wr_hive_add_key(h, key, &d), WR_OK);
		if (e[i].name)
			assert_int_equal(
			    wr_hive_set_string(h, key, "DisplayName", e[i].name, false, &d), WR_OK);
		if (e[i].system_component >= 0)
			assert_int_equal(wr_hive_set_dword(h, key, "SystemComponent",
							   (uint32_t)e[i].system_component, &d),
					 WR_OK);
		if (e[i].windows_installer >= 0)
			assert_int_equal(wr_hive_set_dword(h, key, "WindowsInstaller",
							   (uint32_t)e[i].windows_installer, &d),
					 WR_OK);
		if (e[i].uninstall)
			assert_int_equal(wr_hive_set_string(h, key, "UninstallString",
							    e[i].uninstall, false, &d),
					 WR_OK);
		if (e[i].parent)
			assert_int_equal(
			    wr_hive_set_string(h, key, "ParentKeyName", e[i].parent, false, &d),
			    WR_OK);
		if (e[i].release_type)
			assert_int_equal(
			    wr_hive_set_string(h, key, "ReleaseType", e[i].release_type, false, &d),
			    WR_OK);
		want += e[i].visible;
	}
	/* The link order: URLInfoAbout, else HelpLink, else URLUpdateInfo. */
	assert_int_equal(wr_hive_set_string(h, "Rules\\" UNINSTALL "\\Plain", "URLUpdateInfo",
					    "https://update.example/", false, &d),
			 WR_OK);
	assert_int_equal(wr_hive_set_string(h, "Rules\\" UNINSTALL "\\Plain", "HelpLink",
					    "https://help.example/", false, &d),
			 WR_OK);
	assert_int_equal(wr_hive_set_string(h, "Rules\\" UNINSTALL "\\Other", "URLUpdateInfo",
					    "https://update.example/", false, &d),
			 WR_OK);

	assert_int_equal(wr_apps_from_hive(h, base, NULL, 32, &l, &d), WR_OK);
	assert_int_equal(l.n, want);
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		if (!e[i].name || !*e[i].name)
			continue;
		assert_true((find(&l, e[i].name, NULL) != NULL) == e[i].visible);
	}
	assert_string_equal(find(&l, "Plain App", NULL)->link, "https://help.example/");
	assert_string_equal(find(&l, "Other Release", NULL)->link, "https://update.example/");
	assert_null(find(&l, "Plain App", NULL)->user);
	assert_int_equal(find(&l, "MSI App", NULL)->bits, 32);
	wr_app_list_release(&l);
	wr_hive_close(h);
}

static void test_removed(void **state)
{
	(void)state;
	char path[600];
	const char *cp[] = {"cp", hive_path("regipy_ntuser_software_partial"), path, NULL};
	struct wr_app_list old_l = {0, NULL}, new_l = {0, NULL}, gone = {0, NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;

	/* Old system: the 5 apps of user tony. */
	assert_int_equal(wr_hive_open(hive_path("regipy_ntuser_software_partial"), false, &h, &d),
			 WR_OK);
	assert_int_equal(wr_apps_from_hive(h, UNINSTALL, "tony", 64, &old_l, &d), WR_OK);
	wr_hive_close(h);

	/* New system: GitKraken gone, VS Code updated, OneDrive now machine-wide. */
	snprintf(path, sizeof(path), "%s/new.hive", tmpdir);
	assert_int_equal(mkimg_run_to_file(cp, NULL), 0);
	assert_int_equal(wr_hive_open(path, true, &h, &d), WR_OK);
	assert_int_equal(wr_hive_delete_key(h, UNINSTALL "\\gitkraken", &d), WR_OK);
	assert_int_equal(
	    wr_hive_set_string(h, UNINSTALL "\\{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1",
			       "DisplayVersion", "1.95.0", false, &d),
	    WR_OK);
	assert_int_equal(wr_apps_from_hive(h, UNINSTALL, NULL, 64, &new_l, &d), WR_OK);
	wr_hive_close(h);
	assert_int_equal(new_l.n, 4);

	assert_int_equal(wr_apps_removed(&old_l, &new_l, &gone, &d), WR_OK);
	assert_int_equal(gone.n, 1);
	assert_string_equal(gone.v[0].name, "GitKraken");
	assert_string_equal(gone.v[0].publisher, "Axosoft, LLC");
	assert_string_equal(gone.v[0].user, "tony");
	/* A copy, not a borrowed pointer. */
	assert_ptr_not_equal(gone.v[0].name, find(&old_l, "GitKraken", "tony")->name);
	wr_app_list_release(&gone);

	/* Nothing removed against itself; everything against nothing. */
	assert_int_equal(wr_apps_removed(&old_l, &old_l, &gone, &d), WR_OK);
	assert_int_equal(gone.n, 0);
	wr_app_list_release(&gone);
	{
		struct wr_app_list empty = {0, NULL};

		assert_int_equal(wr_apps_removed(&old_l, &empty, &gone, &d), WR_OK);
		assert_int_equal(gone.n, 5);
		wr_app_list_release(&gone);
	}
	/* The same app in two scopes of old is reported once. */
	assert_int_equal(wr_hive_open(hive_path("regipy_ntuser_software_partial"), false, &h, &d),
			 WR_OK);
	assert_int_equal(wr_apps_from_hive(h, UNINSTALL, "other", 64, &old_l, &d), WR_OK);
	wr_hive_close(h);
	assert_int_equal(old_l.n, 10);
	assert_int_equal(wr_apps_removed(&old_l, &new_l, &gone, &d), WR_OK);
	assert_int_equal(gone.n, 1);
	wr_app_list_release(&gone);
	wr_app_list_release(&old_l);
	wr_app_list_release(&new_l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_software_hive),
	    cmocka_unit_test(test_dirty_win11_ntuser),
	    cmocka_unit_test(test_hiding_rules),
	    cmocka_unit_test(test_removed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
