/*
 * test_hive.c - the hive layer on real Windows hives (../shared/testdata/hives),
 * cross-checked with hivex's own command-line reader (hivexget, hivexregedit), and on
 * damaged input: the corrupted hive, an empty file, truncated and random-byte hives
 * must give errors, never crashes, and stay byte-identical.
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
#include <unistd.h>
#include <hivex.h>

#include "mkimg.h"
#include "testdata.h"
#include "testfile.h"
#include "winrescue.h"

static char tmpdir[256];

/* testdata/hives/<name>.xz unpacked into the temp dir (see testdata_hive). */
static char *hive_path(const char *name)
{
	return testdata_hive(tmpdir, name);
}

static void copy_prefix(const char *from, const char *to, size_t len)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while (len && (n = fread(buf, 1, len < sizeof(buf) ? len : sizeof(buf), in)) > 0) {
		assert_int_equal(fwrite(buf, 1, n, out), n);
		len -= n;
	}
	fclose(in);
	fclose(out);
}

static int setup(void **state)
{
	(void)state;
	testdata_require("hives/regipy_SYSTEM.xz");
	assert_int_equal(mkimg_tmpdir(tmpdir, sizeof(tmpdir)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mkimg_rmrf(tmpdir);
	return 0;
}

static void test_open_errors(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = (struct wr_hive *)1;
	char path[600];

	assert_int_equal(wr_hive_open("/nonexistent/SYSTEM", false, &h, &d), WR_ERR_OPEN);
	assert_null(h);
	assert_int_equal(d.sys_errno, ENOENT);

	/* An empty file. */
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	fclose(fopen(path, "w"));
	memset(&d, 0, sizeof(d));
	assert_int_equal(wr_hive_open(path, false, &h, &d), WR_ERR_HIVE_CORRUPT);
	assert_null(h);
	assert_string_equal(d.subject, path);
}

static void test_corrupted_hive(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	char *p = hive_path("regipy_corrupted_system_hive");
	uint64_t before = testfile_hash(p);

	assert_int_equal(wr_hive_open(p, false, &h, &d), WR_ERR_HIVE_CORRUPT);
	assert_null(h);
	assert_true(d.lib_code != 0); /* hivex's errno */
	assert_int_equal(d.lib_code, d.sys_errno);
	assert_non_null(strstr(d.lib_msg, "hivex"));
	/* Opening for writing fails the same way and writes nothing. */
	assert_int_equal(wr_hive_open(p, true, &h, &d), WR_ERR_HIVE_CORRUPT);
	assert_true(testfile_hash(p) == before);
}

/* Deterministic pseudo-random bytes (xorshift), so a failure can be reproduced. */
static void write_random(const char *path, size_t len, uint64_t seed, const char *head,
			 size_t head_len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (head)
		assert_int_equal(fwrite(head, 1, head_len, f), head_len);
	for (size_t i = head_len; i < len; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		fputc((int)(seed & 0xff), f);
	}
	fclose(f);
}

/* Whatever a damaged hive opens as, reading must not crash: walk two levels and
 * read every value of every key as string, dword and binary. */
static void walk_some(struct wr_hive *h)
{
	char **keys = NULL;

	if (wr_hive_subkeys(h, "", &keys, NULL) != WR_OK)
		return;
	for (size_t i = 0; keys[i] && i < 50; i++) {
		char **vals = NULL;

		if (wr_hive_values(h, keys[i], &vals, NULL) == WR_OK) {
			for (size_t k = 0; vals[k] && k < 50; k++) {
				char *s = NULL;
				uint32_t dw;
				void *b = NULL;
				size_t len;

				wr_hive_get_string(h, keys[i], vals[k], &s, NULL);
				free(s);
				wr_hive_get_dword(h, keys[i], vals[k], &dw, NULL);
				wr_hive_get_binary(h, keys[i], vals[k], &b, &len, NULL, NULL);
				free(b);
			}
			wr_strv_free(vals);
		}
	}
	wr_strv_free(keys);
}

static void test_truncated_and_random(void **state)
{
	(void)state;
	char *sys = hive_path("regipy_SYSTEM_2");
	static const size_t cuts[] = {1, 100, 4095, 4096, 4100, 8192, 65536, 1 << 20};
	char path[600], head[4096];
	FILE *f;

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct wr_hive *h = NULL;
		struct wr_detail d = WR_DETAIL_INIT;
		uint64_t before;
		int ret;

		snprintf(path, sizeof(path), "%s/trunc-%zu", tmpdir, cuts[i]);
		copy_prefix(sys, path, cuts[i]);
		before = testfile_hash(path);
		ret = wr_hive_open(path, false, &h, &d);
		if (cuts[i] <= 4096) {
			/* No hbin at all: nothing to read. */
			assert_int_equal(ret, WR_ERR_HIVE_CORRUPT);
		} else if (ret == WR_OK) {
			walk_some(h);
			wr_hive_close(h);
		} else {
			assert_int_equal(ret, WR_ERR_HIVE_CORRUPT);
		}
		assert_true(testfile_hash(path) == before);
	}

	/* Random bytes; and random bytes behind a real base block. */
	f = fopen(sys, "rb");
	assert_non_null(f);
	assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
	fclose(f);
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct wr_hive *h = NULL;
		uint64_t before;
		int ret;

		snprintf(path, sizeof(path), "%s/random-%llu", tmpdir, (unsigned long long)seed);
		write_random(path, 65536, seed * 0x9e3779b97f4a7c15ULL, NULL, 0);
		before = testfile_hash(path);
		assert_int_equal(wr_hive_open(path, false, &h, NULL), WR_ERR_HIVE_CORRUPT);
		assert_true(testfile_hash(path) == before);

		write_random(path, 65536, seed, head, sizeof(head));
		before = testfile_hash(path);
		ret = wr_hive_open(path, false, &h, NULL);
		if (ret == WR_OK) {
			walk_some(h);
			wr_hive_close(h);
		} else {
			assert_int_equal(ret, WR_ERR_HIVE_CORRUPT);
		}
		assert_true(testfile_hash(path) == before);
	}
}

static void test_win7_system_strings(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	char *p = hive_path("regipy_SYSTEM"), ref[256];
	uint64_t before = testfile_hash(p);
	char *s = NULL, **v = NULL;
	uint32_t dw;
	void *bin = NULL;
	size_t len;
	uint32_t type;

	assert_int_equal(wr_hive_open(p, false, &h, &d), WR_OK);
	/* Garbage follows the NUL in this value: decoding must stop at the NUL. */
	assert_int_equal(wr_hive_get_string(h, "ControlSet001\\Control\\TimeZoneInformation",
					    "TimeZoneKeyName", &s, &d),
			 WR_OK);
	assert_string_equal(s, "Eastern Standard Time");
	{
		const char *argv[] = {"hivexget", p,
				      "\\ControlSet001\\Control\\TimeZoneInformation",
				      "TimeZoneKeyName", NULL};

		assert_int_equal(mkimg_first_line(argv, ref, sizeof(ref)), 0);
		assert_string_equal(s, ref);
	}
	free(s);
	/* The raw value really is longer than the string. */
	assert_int_equal(wr_hive_get_binary(h, "ControlSet001\\Control\\TimeZoneInformation",
					    "TimeZoneKeyName", &bin, &len, &type, &d),
			 WR_OK);
	assert_int_equal(type, WR_REG_SZ);
	assert_true(len > 2 * (strlen("Eastern Standard Time") + 1));
	free(bin);

	/* Case-insensitive keys and values; cross-checked with hivexget. */
	assert_int_equal(wr_hive_get_string(h, "controlset001\\CONTROL\\computername\\COMPUTERNAME",
					    "computername", &s, &d),
			 WR_OK);
	assert_string_equal(s, "WKS-WIN732BITA");
	{
		const char *argv[] = {"hivexget", p,
				      "\\ControlSet001\\Control\\ComputerName\\ComputerName",
				      "ComputerName", NULL};

		assert_int_equal(mkimg_first_line(argv, ref, sizeof(ref)), 0);
		assert_string_equal(s, ref);
	}
	free(s);
	/* Leading backslashes and doubled separators are tolerated. */
	assert_true(wr_hive_key_exists(h, "\\ControlSet001\\\\Control"));
	assert_false(wr_hive_key_exists(h, "ControlSet001\\NoSuchKey"));

	/* REG_MULTI_SZ. */
	assert_int_equal(wr_hive_get_multi_string(h, "ControlSet001\\Control\\Session Manager",
						  "BootExecute", &v, &d),
			 WR_OK);
	assert_int_equal(wr_strv_len(v), 1);
	assert_string_equal(v[0], "autocheck autochk *");
	wr_strv_free(v);

	/* DWORD and type checks. */
	assert_int_equal(wr_hive_get_dword(h, "Select", "Current", &dw, &d), WR_OK);
	assert_int_equal(dw, 1);
	assert_int_equal(wr_hive_get_dword(h, "Select", "LastKnownGood", &dw, &d), WR_OK);
	assert_int_equal(dw, 2);
	memset(&d, 0, sizeof(d));
	assert_int_equal(wr_hive_get_dword(h, "ControlSet001\\Control\\TimeZoneInformation",
					   "TimeZoneKeyName", &dw, &d),
			 WR_ERR_HIVE);
	assert_non_null(strstr(d.lib_msg, "type 1"));
	assert_int_equal(wr_hive_get_string(h, "Select", "Current", &s, &d), WR_ERR_HIVE);
	assert_null(s);
	assert_int_equal(wr_hive_get_qword(h, "Select", "Current", &(uint64_t){0}, &d),
			 WR_ERR_HIVE);
	assert_int_equal(wr_hive_get_multi_string(h, "Select", "Current", &v, &d), WR_ERR_HIVE);
	assert_int_equal(wr_hive_get_string(h, "Select", "NoSuchValue", &s, &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_hive_get_string(h, "NoSuchKey", "x", &s, &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_hive_subkeys(h, "NoSuchKey", &v, &d), WR_ERR_NOT_FOUND);

	/* Subkeys and value names. */
	assert_int_equal(wr_hive_subkeys(h, "", &v, &d), WR_OK);
	assert_true(wr_strv_len(v) >= 3);
	{
		bool found = false;

		for (size_t i = 0; v[i]; i++)
			found |= !strcmp(v[i], "ControlSet002");
		assert_true(found);
	}
	wr_strv_free(v);
	assert_int_equal(wr_hive_values(h, "Select", &v, &d), WR_OK);
	assert_int_equal(wr_strv_len(v), 4);
	wr_strv_free(v);
	assert_int_equal(wr_hive_root_name(h, &s, &d), WR_OK);
	assert_true(strlen(s) > 0);
	free(s);

	/* Read-only: setters refuse. */
	assert_int_equal(wr_hive_set_dword(h, "Select", "Current", 2, &d), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_hive_commit(h, &d), WR_ERR_INVALID_ARG);
	wr_hive_close(h);
	assert_true(testfile_hash(p) == before);
}

static void test_qword_and_value_name_case(void **state)
{
	(void)state;
	struct wr_hive *h = NULL;
	char *p = hive_path("regipy_SYSTEM_WIN_10_1709");
	uint64_t q;
	char *s;

	assert_int_equal(wr_hive_open(p, false, &h, NULL), WR_OK);
	/* InstallTime is a REG_QWORD FILETIME: ab,12,59,0f,df,fa,d2,01. */
	assert_int_equal(wr_hive_get_qword(h, "Setup\\Source OS (Updated on 1/6/2019 02:18:37)",
					   "InstallTime", &q, NULL),
			 WR_OK);
	assert_true(q == 0x01d2fadf0f5912abULL);
	wr_hive_close(h);

	/* OneDrive writes "UrlUpdateInfo"; value names match case-insensitively. */
	p = hive_path("regipy_ntuser_software_partial");
	assert_int_equal(wr_hive_open(p, false, &h, NULL), WR_OK);
	assert_int_equal(wr_hive_get_string(h,
					    "Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
					    "OneDriveSetup.exe",
					    "URLUPDATEINFO", &s, NULL),
			 WR_OK);
	assert_string_equal(s, "http://go.microsoft.com/fwlink/?LinkID=223554");
	free(s);
	assert_int_equal(wr_hive_root_name(h, &s, NULL), WR_OK);
	assert_string_equal(s, "Software");
	free(s);
	wr_hive_close(h);
}

static void test_dirty_hive_opens(void **state)
{
	(void)state;
	struct wr_hive *h = NULL;
	char *p = hive_path("museum_Win11_NTUSER.DAT");
	uint64_t before = testfile_hash(p);
	char *s = NULL;

	assert_int_equal(wr_hive_open(p, false, &h, NULL), WR_OK);
	assert_int_equal(wr_hive_get_string(h,
					    "Software\\Microsoft\\Windows\\CurrentVersion\\"
					    "Uninstall\\OneDriveSetup.exe",
					    "DisplayName", &s, NULL),
			 WR_OK);
	assert_string_equal(s, "Microsoft OneDrive");
	free(s);
	wr_hive_close(h);
	assert_true(testfile_hash(p) == before);
}

static void test_utf16(void **state)
{
	(void)state;
	/* "A", lone high surrogate, "B", pair for U+1F600, lone low surrogate, NUL, junk */
	static const unsigned char in[] = {'A',	 0,    0x00, 0xd8, 'B', 0,   0x3d, 0xd8, 0x00,
					   0xde, 0x00, 0xdc, 0,	   0,	'X', 0,	   'Y'};
	char *s = NULL;

	assert_int_equal(wr_hive_utf16_to_utf8(in, sizeof(in), &s), WR_OK);
	assert_string_equal(s, "A\xef\xbf\xbd"
			       "B\xf0\x9f\x98\x80\xef\xbf\xbd");
	free(s);
	/* Odd length: the last byte is ignored; no NUL at all is fine. */
	assert_int_equal(wr_hive_utf16_to_utf8("H\0i\0!", 5, &s), WR_OK);
	assert_string_equal(s, "Hi");
	free(s);
	assert_int_equal(wr_hive_utf16_to_utf8(NULL, 0, &s), WR_OK);
	assert_string_equal(s, "");
	free(s);
	/* A high surrogate as the very last unit. */
	assert_int_equal(wr_hive_utf16_to_utf8("a\0\x01\xd8", 4, &s), WR_OK);
	assert_string_equal(s, "a\xef\xbf\xbd");
	free(s);
}

static void test_edit_and_commit(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	char *src = hive_path("regipy_ntuser_software_partial");
	char path[600], tmp[620], out[620], line[4096];
	char *s = NULL, **v = NULL;
	char m1[] = "one", m2[] = "два", m3[] = "三";
	char *multi[] = {m1, m2, m3, NULL};
	uint32_t dw;
	uint64_t q;
	struct stat st;
	FILE *f;
	bool seen_key = false, seen_val = false;

	snprintf(path, sizeof(path), "%s/edit.hive", tmpdir);
	copy_prefix(src, path, SIZE_MAX);
	assert_int_equal(wr_hive_open(path, true, &h, &d), WR_OK);
	assert_int_equal(wr_hive_add_key(h, "Winrescue\\Тарас\\Sub", &d), WR_OK);
	/* Existing keys are fine; non-ASCII names match case-insensitively. */
	assert_int_equal(wr_hive_add_key(h, "WINRESCUE\\ТАРАС", &d), WR_OK);
	assert_true(wr_hive_key_exists(h, "winrescue\\тарас\\sub"));
	assert_int_equal(wr_hive_set_string(h, "Winrescue\\Тарас", "Name", "山田太郎", false, &d),
			 WR_OK);
	assert_int_equal(wr_hive_set_string(h, "Winrescue\\Тарас", "", "default", false, &d),
			 WR_OK);
	assert_int_equal(
	    wr_hive_set_string(h, "Winrescue\\Тарас", "Path", "%SystemDrive%\\x", true, &d), WR_OK);
	assert_int_equal(wr_hive_set_dword(h, "Winrescue", "D", 0xdeadbeef, &d), WR_OK);
	assert_int_equal(wr_hive_set_qword(h, "Winrescue", "Q", 0x0123456789abcdefULL, &d), WR_OK);
	assert_int_equal(wr_hive_set_multi_string(h, "Winrescue", "M", multi, &d), WR_OK);
	assert_int_equal(wr_hive_set_dword(h, "Winrescue", "Gone", 1, &d), WR_OK);
	assert_int_equal(wr_hive_delete_value(h, "Winrescue", "Gone", &d), WR_OK);
	assert_int_equal(wr_hive_delete_value(h, "Winrescue", "Gone", &d), WR_ERR_NOT_FOUND);
	/* Bad input changes nothing. */
	assert_int_equal(wr_hive_set_string(h, "Winrescue", "Bad", "\xff\xfe", false, &d),
			 WR_ERR_INVALID_ARG);
	assert_int_equal(wr_hive_set_dword(h, "NoSuchKey", "x", 1, &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_hive_delete_key(h, "", &d), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_hive_add_key(h, "Winrescue\\Doomed\\Child", &d), WR_OK);
	assert_int_equal(wr_hive_delete_key(h, "Winrescue\\Doomed", &d), WR_OK);
	assert_int_equal(wr_hive_commit(h, &d), WR_OK);
	wr_hive_close(h);
	snprintf(tmp, sizeof(tmp), "%s.wr-new", path);
	assert_int_equal(stat(tmp, &st), -1);

	/* Read back through our reader. */
	assert_int_equal(wr_hive_open(path, false, &h, &d), WR_OK);
	assert_int_equal(wr_hive_get_string(h, "Winrescue\\Тарас", "Name", &s, &d), WR_OK);
	assert_string_equal(s, "山田太郎");
	free(s);
	assert_int_equal(wr_hive_get_string(h, "Winrescue\\Тарас", NULL, &s, &d), WR_OK);
	assert_string_equal(s, "default");
	free(s);
	assert_int_equal(wr_hive_get_type(h, "Winrescue\\Тарас", "Path", &dw, NULL, &d), WR_OK);
	assert_int_equal(dw, WR_REG_EXPAND_SZ);
	assert_int_equal(wr_hive_get_dword(h, "Winrescue", "D", &dw, &d), WR_OK);
	assert_true(dw == 0xdeadbeef);
	assert_int_equal(wr_hive_get_qword(h, "Winrescue", "Q", &q, &d), WR_OK);
	assert_true(q == 0x0123456789abcdefULL);
	assert_int_equal(wr_hive_get_multi_string(h, "Winrescue", "M", &v, &d), WR_OK);
	assert_int_equal(wr_strv_len(v), 3);
	assert_string_equal(v[1], "два");
	assert_string_equal(v[2], "三");
	wr_strv_free(v);
	assert_int_equal(wr_hive_get_dword(h, "Winrescue", "Gone", &dw, &d), WR_ERR_NOT_FOUND);
	assert_false(wr_hive_key_exists(h, "Winrescue\\Doomed"));
	/* The real data is still there. */
	assert_int_equal(wr_hive_get_string(h,
					    "Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
					    "gitkraken",
					    "Publisher", &s, &d),
			 WR_OK);
	assert_string_equal(s, "Axosoft, LLC");
	free(s);
	wr_hive_close(h);

	/* And through hivex's own exporter, an independent reader. */
	snprintf(out, sizeof(out), "%s/export.reg", tmpdir);
	{
		const char *argv[] = {"hivexregedit", "--export", path, "Winrescue", NULL};

		assert_int_equal(mkimg_run_to_file(argv, out), 0);
	}
	f = fopen(out, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		seen_key |= strstr(line, "[\\Winrescue\\Тарас]") != NULL;
		seen_val |= strstr(line, "\"D\"=dword:deadbeef") != NULL;
	}
	fclose(f);
	assert_true(seen_key);
	assert_true(seen_val);
}

/* File offset of the vk record of a root value: hivex's value handle is the file
 * offset of the cell, whose 4-byte size precedes the record. */
static long find_vk(const char *path, const char *name)
{
	hive_h *hx = hivex_open(path, 0);
	hive_value_h vh;

	assert_non_null(hx);
	vh = hivex_node_get_value(hx, hivex_root(hx), name);
	hivex_close(hx);
	assert_true(vh != 0);
	return (long)vh + 4;
}

static void test_too_large(void **state)
{
	(void)state;
	char *src = hive_path("regipy_ntuser_software_partial");
	size_t big = WR_HIVE_MAX_VALUE + 4096;
	char path[600], *buf = calloc(1, big), *s = NULL;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	unsigned char len_field[4] = {0, 0, 0x20, 0}; /* 2 MiB */
	hive_set_value sv;
	hive_h *hx;
	void *b = NULL;
	size_t len;
	long vk;
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/big.hive", tmpdir);
	copy_prefix(src, path, SIZE_MAX);
	/* Our setter refuses such a value. */
	assert_int_equal(wr_hive_open(path, true, &h, NULL), WR_OK);
	assert_int_equal(wr_hive_set_binary(h, "", "Huge", WR_REG_SZ, buf, big, NULL),
			 WR_ERR_TOO_LARGE);
	wr_hive_close(h);
	free(buf);
	/* A hostile hive declares one anyway: write a small value with hivex itself, then
	 * patch its declared length to 2 MiB. */
	hx = hivex_open(path, HIVEX_OPEN_WRITE);
	assert_non_null(hx);
	sv.key = (char *)"Huge";
	sv.t = hive_t_REG_SZ;
	sv.len = 64;
	sv.value = (char *)calloc(1, 64);
	assert_int_equal(hivex_node_set_value(hx, hivex_root(hx), &sv, 0), 0);
	sv.key = (char *)"Small";
	memset(sv.value, 'a', 62);
	assert_int_equal(hivex_node_set_value(hx, hivex_root(hx), &sv, 0), 0);
	free(sv.value);
	assert_int_equal(hivex_commit(hx, NULL, 0), 0);
	hivex_close(hx);
	vk = find_vk(path, "Huge");
	f = fopen(path, "r+b");
	assert_non_null(f);
	{
		char sig[2];

		assert_int_equal(fseek(f, vk, SEEK_SET), 0);
		assert_int_equal(fread(sig, 1, 2, f), 2);
		assert_memory_equal(sig, "vk", 2);
	}
	assert_int_equal(fseek(f, vk + 4, SEEK_SET), 0);
	assert_int_equal(fwrite(len_field, 1, 4, f), 4);
	fclose(f);

	assert_int_equal(wr_hive_open(path, false, &h, &d), WR_OK);
	assert_int_equal(wr_hive_get_string(h, "", "Huge", &s, &d), WR_ERR_TOO_LARGE);
	assert_null(s);
	assert_int_equal(wr_hive_get_binary(h, "", "Huge", &b, &len, NULL, &d), WR_ERR_TOO_LARGE);
	assert_null(b);
	assert_int_equal(wr_hive_get_type(h, "", "Huge", &(uint32_t){0}, &len, &d), WR_OK);
	assert_int_equal(len, 2u << 20);
	/* Its neighbour is unaffected. */
	assert_int_equal(wr_hive_get_string(h, "", "Small", &s, &d), WR_OK);
	/* 62 bytes of 'a' are 31 UTF-16 units U+6161 '慡', 3 UTF-8 bytes each. */
	assert_int_equal(strlen(s), 93);
	assert_memory_equal(s, "慡", 3);
	free(s);
	wr_hive_close(h);
}

/* ---- hivelog: replaying the dirty Windows 11 NTUSER.DAT's logs ----------------- */

#define ONEDRIVE_ACCOUNTS "Software\\Microsoft\\OneDrive\\Accounts"
#define NEW_KEY		  "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\FileExts\\.\\OpenWithList"

static void flip_byte(const char *path, long at)
{
	FILE *f = fopen(path, "r+b");
	int c;

	assert_non_null(f);
	assert_int_equal(fseek(f, at, SEEK_SET), 0);
	c = fgetc(f);
	assert_int_equal(fseek(f, at, SEEK_SET), 0);
	fputc(c ^ 0x5a, f);
	fclose(f);
}

static void test_hivelog_replay(void **state)
{
	(void)state;
	char *base = hive_path("museum_Win11_NTUSER.DAT");
	char *log1 = hive_path("museum_Win11_ntuser.dat.LOG1");
	char *log2 = hive_path("museum_Win11_ntuser.dat.LOG2");
	uint64_t hb = testfile_hash(base), h1 = testfile_hash(log1), h2 = testfile_hash(log2);
	struct wr_hivelog_result r;
	struct wr_regf_header hdr;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	char out[600];
	uint64_t q;

	snprintf(out, sizeof(out), "%s/replayed.dat", tmpdir);
	assert_int_equal(wr_hivelog_replay(base, log1, log2, out, &r, &d), WR_OK);
	assert_true(r.dirty);
	/* Base block 0xd6/0xd5; LOG2 holds 0xee-0xf0 and LOG1 0xf1-0xf2 (the entries
	 * before 0xee were reconciled into the base file and rotated away). */
	assert_int_equal(r.entries_applied, 5);
	assert_int_equal(r.first_seq, 0xee);
	assert_int_equal(r.last_seq, 0xf2);
	assert_true(r.log1_used);
	assert_true(r.log2_used);
	assert_int_equal(r.hbins_size, 0x103000);
	/* The inputs are untouched. */
	assert_true(testfile_hash(base) == hb);
	assert_true(testfile_hash(log1) == h1);
	assert_true(testfile_hash(log2) == h2);

	/* The result is a clean hive (read back by the regf module's own parser). */
	assert_int_equal(wr_regf_read_header(out, &hdr, &d), WR_OK);
	assert_false(hdr.dirty);
	assert_true(hdr.checksum_ok);
	assert_int_equal(hdr.seq1, 0xf2);

	/* What the logs changed: a key that only exists in them, a newer time stamp. */
	assert_int_equal(wr_hive_open(base, false, &h, &d), WR_OK);
	assert_false(wr_hive_key_exists(h, NEW_KEY));
	assert_int_equal(wr_hive_get_qword(h, ONEDRIVE_ACCOUNTS, "LastUpdate", &q, &d), WR_OK);
	assert_true(q == 0x6202d941);
	wr_hive_close(h);
	assert_int_equal(wr_hive_open(out, false, &h, &d), WR_OK);
	assert_true(wr_hive_key_exists(h, NEW_KEY));
	assert_int_equal(wr_hive_get_qword(h, ONEDRIVE_ACCOUNTS, "LastUpdate", &q, &d), WR_OK);
	assert_true(q == 0x6202da20);
	walk_some(h);
	wr_hive_close(h);
	/* hivex's exporter walks the whole replayed hive without an error. */
	{
		char reg[600];
		const char *argv[] = {"hivexregedit", "--export", out, "\\", NULL};

		snprintf(reg, sizeof(reg), "%s/replayed.reg", tmpdir);
		assert_int_equal(mkimg_run_to_file(argv, reg), 0);
	}
}

static void test_hivelog_damage(void **state)
{
	(void)state;
	char base[512], l1[600], l2[600], out[600], path[600];
	struct wr_hivelog_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hive *h = NULL;
	uint64_t before;

	snprintf(base, sizeof(base), "%s", hive_path("museum_Win11_NTUSER.DAT"));
	snprintf(l1, sizeof(l1), "%s/bad.LOG1", tmpdir);
	snprintf(l2, sizeof(l2), "%s/bad.LOG2", tmpdir);
	snprintf(out, sizeof(out), "%s/bad-out.dat", tmpdir);

	/* A flipped byte in LOG1's first entry: its hash fails, LOG1 is not used. */
	copy_prefix(hive_path("museum_Win11_ntuser.dat.LOG1"), l1, SIZE_MAX);
	copy_prefix(hive_path("museum_Win11_ntuser.dat.LOG2"), l2, SIZE_MAX);
	flip_byte(l1, 0x200 + 0x1000);
	before = testfile_hash(l1);
	assert_int_equal(wr_hivelog_replay(base, l1, l2, out, &r, &d), WR_OK);
	assert_int_equal(r.entries_applied, 3);
	assert_int_equal(r.last_seq, 0xf0);
	assert_false(r.log1_used);
	assert_true(testfile_hash(l1) == before);
	assert_int_equal(wr_hive_open(out, false, &h, &d), WR_OK);
	wr_hive_close(h);

	/* LOG2's second entry damaged: only 0xee applies; LOG1 (0xf1) does not follow. */
	copy_prefix(hive_path("museum_Win11_ntuser.dat.LOG1"), l1, SIZE_MAX);
	copy_prefix(hive_path("museum_Win11_ntuser.dat.LOG2"), l2, SIZE_MAX);
	flip_byte(l2, 0x34000 + 20); /* its dirty page count: hash-2 fails */
	assert_int_equal(wr_hivelog_replay(base, l1, l2, out, &r, &d), WR_OK);
	assert_int_equal(r.entries_applied, 1);
	assert_int_equal(r.first_seq, 0xee);
	assert_int_equal(r.last_seq, 0xee);

	/* A log cut in the middle of its third entry: the first two apply. */
	copy_prefix(hive_path("museum_Win11_ntuser.dat.LOG2"), l2, 0x43000 + 4096);
	assert_int_equal(wr_hivelog_replay(base, NULL, l2, out, &r, &d), WR_OK);
	assert_int_equal(r.entries_applied, 2);
	assert_int_equal(r.last_seq, 0xef);

	/* No logs at all: a plain copy, still dirty. */
	assert_int_equal(wr_hivelog_replay(base, NULL, "/nonexistent/x.LOG2", out, &r, &d), WR_OK);
	assert_true(r.dirty);
	assert_int_equal(r.entries_applied, 0);
	assert_true(testfile_hash(out) == testfile_hash(base));

	/* A clean hive is copied unchanged whatever the logs say. */
	assert_int_equal(wr_hivelog_replay(hive_path("regipy_SYSTEM"),
					   hive_path("museum_Win11_ntuser.dat.LOG1"), NULL, out, &r,
					   &d),
			 WR_OK);
	assert_false(r.dirty);
	assert_int_equal(r.entries_applied, 0);
	assert_true(testfile_hash(out) == testfile_hash(hive_path("regipy_SYSTEM")));

	/* A log of an unknown file type: refused, no output left behind.  Type 1 (old
	 * format) with this base block: its checksum no longer matches, so it is not
	 * applied. */
	copy_prefix(hive_path("museum_Win11_ntuser.dat.LOG1"), l1, SIZE_MAX);
	{
		FILE *f = fopen(l1, "r+b");

		assert_non_null(f);
		assert_int_equal(fseek(f, 28, SEEK_SET), 0);
		fputc(7, f);
		fclose(f);
	}
	assert_int_equal(wr_hivelog_replay(base, l1, NULL, out, &r, &d), WR_ERR_UNSUPPORTED);
	assert_int_equal(access(out, F_OK), -1);
	flip_byte(l1, 28); /* 7 ^ 0x5a: another unknown type */
	assert_int_equal(wr_hivelog_replay(base, l1, NULL, out, &r, &d), WR_ERR_UNSUPPORTED);
	{
		FILE *f = fopen(l1, "r+b");

		assert_non_null(f);
		assert_int_equal(fseek(f, 28, SEEK_SET), 0);
		fputc(1, f);
		fclose(f);
	}
	assert_int_equal(wr_hivelog_replay(base, l1, NULL, out, &r, &d), WR_OK);
	assert_int_equal(r.entries_applied, 0);
	assert_true(testfile_hash(out) == testfile_hash(base));

	/* Not a hive; a hive whose base block checksum is wrong. */
	snprintf(path, sizeof(path), "%s/random-for-log", tmpdir);
	write_random(path, 8192, 42, NULL, 0);
	assert_int_equal(wr_hivelog_replay(path, NULL, NULL, out, &r, &d), WR_ERR_HIVE_CORRUPT);
	snprintf(path, sizeof(path), "%s/badsum.dat", tmpdir);
	copy_prefix(base, path, SIZE_MAX);
	flip_byte(path, 508);
	assert_int_equal(wr_hivelog_replay(path, NULL, NULL, out, &r, &d), WR_ERR_UNSUPPORTED);
	/* Random bytes behind a real log base block: no entry is valid. */
	{
		char head[512];
		FILE *f = fopen(hive_path("museum_Win11_ntuser.dat.LOG1"), "rb");

		assert_non_null(f);
		assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
		fclose(f);
		for (uint64_t seed = 1; seed <= 4; seed++) {
			write_random(l1, 65536, seed, head, sizeof(head));
			assert_int_equal(wr_hivelog_replay(base, l1, NULL, out, &r, &d), WR_OK);
			assert_int_equal(r.entries_applied, 0);
		}
	}
}

static void *slurp(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

/* The glue: a dirty hive and its logs inside an NTFS volume made by mkntfs. */
static void test_hivelog_copy_out(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to;
	} files[] = {
	    {"museum_Win11_NTUSER.DAT", "Users/Alice/NTUSER.DAT"},
	    {"museum_Win11_ntuser.dat.LOG1", "Users/Alice/ntuser.dat.LOG1"},
	    {"museum_Win11_ntuser.dat.LOG2", "Users/Alice/ntuser.dat.LOG2"},
	    {"regipy_NTUSER.DAT", "Users/Bob/NTUSER.DAT"},
	};
	char img[600], host[600], leftover[700];
	const char *mk[] = {"mkntfs", "-F", "-Q", "-q", img, NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hivelog_result r;
	struct wr_ntfs *vol = NULL;
	struct wr_hive *h = NULL;
	struct wr_extent ext;
	uint64_t before;
	FILE *f;

	snprintf(img, sizeof(img), "%s/vol.img", tmpdir);
	snprintf(host, sizeof(host), "%s/copied-hive", tmpdir);
	f = fopen(img, "wb");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 64 << 20), 0);
	fclose(f);
	assert_int_equal(mkimg_run_to_file(mk, NULL), 0);
	assert_int_equal(wr_blockdev_resolve(img, 0, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(vol, "Users", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(vol, "Users/Alice", &d), WR_OK);
	assert_int_equal(wr_ntfs_mkdir(vol, "Users/Bob", &d), WR_OK);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		void *buf = slurp(hive_path(files[i].from), &len);

		assert_int_equal(wr_ntfs_write_file(vol, files[i].to, buf, len, &d), WR_OK);
		free(buf);
	}
	wr_ntfs_close(vol);
	before = testfile_hash(img);

	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	/* The logs are found beside the hive, whatever the case of their names. */
	assert_int_equal(wr_hivelog_copy_out(vol, "Users/Alice/NTUSER.DAT", host, &r, &d), WR_OK);
	assert_true(r.dirty);
	assert_int_equal(r.entries_applied, 5);
	assert_int_equal(wr_hive_open(host, false, &h, &d), WR_OK);
	assert_true(wr_hive_key_exists(h, NEW_KEY));
	wr_hive_close(h);
	snprintf(leftover, sizeof(leftover), "%s.LOG1", host);
	assert_int_equal(access(leftover, F_OK), -1);
	snprintf(leftover, sizeof(leftover), "%s.base", host);
	assert_int_equal(access(leftover, F_OK), -1);

	/* A clean hive without logs: copied as it is. */
	assert_int_equal(wr_hivelog_copy_out(vol, "users\\bob\\ntuser.dat", host, &r, &d), WR_OK);
	assert_false(r.dirty);
	assert_int_equal(r.entries_applied, 0);
	assert_true(testfile_hash(host) == testfile_hash(hive_path("regipy_NTUSER.DAT")));
	/* No hive: an error, nothing left behind. */
	unlink(host);
	assert_true(wr_hivelog_copy_out(vol, "Users/Carol/NTUSER.DAT", host, &r, &d) != WR_OK);
	assert_int_equal(access(host, F_OK), -1);
	wr_ntfs_close(vol);
	/* Reading never writes to the volume. */
	assert_true(testfile_hash(img) == before);
}

static uint32_t rd32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static void fix_checksum(unsigned char *b)
{
	uint32_t x = 0;

	for (int i = 0; i < 127; i++)
		x ^= rd32(b + 4 * i);
	wr32(b + 508, x == 0 ? 1 : x == 0xffffffffu ? 0xfffffffeu : x);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Old-format logs (Windows 8 and earlier).  No such log made by Windows is in
 * testdata, so one is made here the way the format describes it, from a real hive
 * and a copy hivex changed: the replay must turn the first into the second. */
static void test_hivelog_old_format(void **state)
{
	(void)state;
	char orig[600], changed[600], dirty[600], log[600], out[600];
	const char *cp1[] = {"cp", hive_path("regipy_SYSTEM"), orig, NULL};
	const char *cp2[] = {"cp", orig, changed, NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_hivelog_result r;
	struct wr_hive *h = NULL;
	unsigned char *p, *m, *lg, *res;
	size_t plen, mlen, rlen, bits, pages = 0, off;
	uint32_t hbins, dw;
	char *s;

	snprintf(orig, sizeof(orig), "%s/old-orig", tmpdir);
	snprintf(changed, sizeof(changed), "%s/old-changed", tmpdir);
	snprintf(dirty, sizeof(dirty), "%s/old-dirty", tmpdir);
	snprintf(log, sizeof(log), "%s/old-dirty.LOG1", tmpdir);
	snprintf(out, sizeof(out), "%s/old-out", tmpdir);
	assert_int_equal(mkimg_run_to_file(cp1, NULL), 0);
	assert_int_equal(mkimg_run_to_file(cp2, NULL), 0);
	assert_int_equal(wr_hive_open(changed, true, &h, &d), WR_OK);
	assert_int_equal(wr_hive_set_dword(h, "Select", "Winrescue", 7, &d), WR_OK);
	assert_int_equal(wr_hive_add_key(h, "Winrescue\\Old format", &d), WR_OK);
	assert_int_equal(wr_hive_set_string(h, "Winrescue\\Old format", "Name", "Тарас", false, &d),
			 WR_OK);
	assert_int_equal(wr_hive_commit(h, &d), WR_OK);
	wr_hive_close(h);
	p = slurp(orig, &plen);
	m = slurp(changed, &mlen);
	hbins = rd32(m + 40);
	assert_true(mlen >= 4096 + (size_t)hbins);

	/* The hive as a crash left it: the old data, sequence numbers apart. */
	wr32(p + 4, rd32(p + 8) + 1);
	fix_checksum(p);
	write_file(dirty, p, plen);

	/* The log: base block of the new state (type 1, the old time stamp), the DIRT
	 * bitmap, then the 512-byte pages that differ. */
	bits = hbins / 512;
	lg = calloc(1, 512 + 512 + bits / 8 + 512 + (size_t)hbins);
	assert_non_null(lg);
	memcpy(lg, m, 512);
	wr32(lg + 4, rd32(p + 4));
	wr32(lg + 8, rd32(p + 4));
	memcpy(lg + 12, p + 12, 8);
	wr32(lg + 28, 1);
	fix_checksum(lg);
	memcpy(lg + 512, "DIRT", 4);
	off = (512 + 4 + (bits + 7) / 8 + 511) / 512 * 512;
	for (size_t i = 0; i < bits; i++) {
		size_t at = 4096 + 512 * i;

		if (at + 512 <= plen && !memcmp(p + at, m + at, 512))
			continue;
		lg[512 + 4 + i / 8] |= (unsigned char)(1u << (i % 8));
		memcpy(lg + off + 512 * pages++, m + at, 512);
	}
	assert_true(pages > 0);
	write_file(log, lg, off + 512 * pages);

	assert_int_equal(wr_hivelog_replay(dirty, log, NULL, out, &r, &d), WR_OK);
	assert_true(r.dirty);
	assert_int_equal(r.entries_applied, 1);
	assert_true(r.log1_used);
	assert_int_equal(r.last_seq, rd32(p + 4));
	assert_int_equal(r.hbins_size, hbins);
	res = slurp(out, &rlen);
	assert_true(rlen >= 4096 + (size_t)hbins);
	assert_memory_equal(res + 4096, m + 4096, hbins);
	free(res);
	assert_int_equal(wr_hive_open(out, false, &h, &d), WR_OK);
	assert_int_equal(wr_hive_get_dword(h, "Select", "Winrescue", &dw, &d), WR_OK);
	assert_int_equal(dw, 7);
	assert_int_equal(wr_hive_get_string(h, "Winrescue\\Old format", "Name", &s, &d), WR_OK);
	assert_string_equal(s, "Тарас");
	free(s);
	wr_hive_close(h);

	/* A log of another state of the hive (time stamp differs): not applied. */
	lg[12] ^= 1;
	fix_checksum(lg);
	write_file(log, lg, off + 512 * pages);
	assert_int_equal(wr_hivelog_replay(dirty, log, NULL, out, &r, &d), WR_OK);
	assert_int_equal(r.entries_applied, 0);
	lg[12] ^= 1;
	fix_checksum(lg);
	/* Pages missing at the end: not applied. */
	write_file(log, lg, off + 512 * (pages - 1));
	assert_int_equal(wr_hivelog_replay(dirty, log, NULL, out, &r, &d), WR_OK);
	assert_int_equal(r.entries_applied, 0);
	/* An incomplete log (its two sequence numbers differ): not applied. */
	wr32(lg + 8, rd32(lg + 4) - 1);
	fix_checksum(lg);
	write_file(log, lg, off + 512 * pages);
	assert_int_equal(wr_hivelog_replay(dirty, log, NULL, out, &r, &d), WR_OK);
	assert_int_equal(r.entries_applied, 0);
	free(lg);
	free(p);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_corrupted_hive),
	    cmocka_unit_test(test_truncated_and_random),
	    cmocka_unit_test(test_win7_system_strings),
	    cmocka_unit_test(test_qword_and_value_name_case),
	    cmocka_unit_test(test_dirty_hive_opens),
	    cmocka_unit_test(test_utf16),
	    cmocka_unit_test(test_edit_and_commit),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_hivelog_replay),
	    cmocka_unit_test(test_hivelog_damage),
	    cmocka_unit_test(test_hivelog_copy_out),
	    cmocka_unit_test(test_hivelog_old_format),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
