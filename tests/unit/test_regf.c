/*
 * test_regf.c - the regf module against hivex, hivexregedit and real Windows hives.
 *
 * Blank hives must be accepted by hivex (open, add, commit, reopen) and by
 * hivexregedit; class names must round-trip (deep keys, big subkey lists, the ri
 * lists of a real SYSTEM hive) without changing anything hivex can see; the real
 * hives' headers and boot-key class names must read as Windows wrote them; damaged
 * files must give WR_ERR_HIVE_CORRUPT and stay byte-identical.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <hivex.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "winrescue.h"

extern char **environ;

static char tmpdir[256];

/* ---- helpers -------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-regf-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static char *tpath(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

/* Run argv; stdout to out_path (or /dev/null).  Returns the exit status, -1 on error. */
static int run(const char *const argv[], const char *out_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -1;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = 0;
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static void spit(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static const char *testdata(void)
{
	const char *t = getenv("WINRESCUE_TESTDATA");

	return t && *t ? t : "../shared/testdata";
}

/* Decompress testdata/hives/<name>.xz into the temp dir; skip when it is missing. */
static const char *real_hive(const char *name)
{
	char src[1024];
	char *dst = tpath(name);
	const char *argv[] = { "xz", "-dc", src, NULL };

	snprintf(src, sizeof(src), "%s/hives/%s.xz", testdata(), name);
	if (access(src, R_OK)) {
		printf("test data %s missing; set WINRESCUE_TESTDATA\n", src);
		skip();
	}
	if (access(dst, R_OK))
		assert_int_equal(run(argv, dst), 0);
	return dst;
}

/* Everything hivex can see, as hivexregedit prints it. */
static uint8_t *export_hive(const char *path, size_t *len)
{
	char *out = tpath("export.reg");
	const char *argv[] = { "hivexregedit", "--export", path, "\\", NULL };
	uint8_t *buf;

	assert_int_equal(run(argv, out), 0);
	buf = slurp(out, len);
	assert_non_null(buf);
	return buf;
}

static void set_sz(hive_h *h, hive_node_h node, const char *name, const char *utf8)
{
	char buf[512];
	size_t n = 0;

	/* ASCII only here: each byte becomes one UTF-16LE unit. */
	for (const char *p = utf8; *p; p++) {
		buf[n++] = *p;
		buf[n++] = 0;
	}
	buf[n++] = 0;
	buf[n++] = 0;
	hive_set_value v = { (char *)name, hive_t_REG_SZ, n, buf };
	assert_int_equal(hivex_node_set_value(h, node, &v, 0), 0);
}

static void set_dword(hive_h *h, hive_node_h node, const char *name, uint32_t x)
{
	char buf[4] = { (char)x, (char)(x >> 8), (char)(x >> 16), (char)(x >> 24) };
	hive_set_value v = { (char *)name, hive_t_REG_DWORD, 4, buf };

	assert_int_equal(hivex_node_set_value(h, node, &v, 0), 0);
}

static hive_node_h lookup(hive_h *h, const char *path)
{
	hive_node_h node = hivex_root(h);
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *c = strtok_r(buf, "\\", &save); c && node; c = strtok_r(NULL, "\\", &save))
		node = hivex_node_get_child(h, node, c);
	return node;
}

static char *get_sz(hive_h *h, const char *key, const char *value)
{
	hive_node_h node = lookup(h, key);
	hive_value_h v;

	assert_true(node != 0);
	v = hivex_node_get_value(h, node, value);
	assert_true(v != 0);
	return hivex_value_string(h, v);
}

/* The file is byte-identical to before. */
static void assert_unchanged(const char *path, const uint8_t *before, size_t before_len)
{
	size_t len = 0;
	uint8_t *now = slurp(path, &len);

	assert_non_null(now);
	assert_int_equal(len, before_len);
	assert_memory_equal(now, before, len);
	free(now);
}

/* ---- blank hives ---------------------------------------------------------------- */

static void test_blank_hive_is_valid(void **state)
{
	(void)state;
	const char *p = tpath("BLANK");
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_regf_header hdr;
	struct stat st;
	uint8_t *before;
	size_t len;
	hive_h *h;

	assert_int_equal(wr_regf_create_blank(p, "CMI-CreateHive{TEST}", &d), WR_OK);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 8192);
	assert_int_equal(wr_regf_read_header(p, &hdr, &d), WR_OK);
	assert_true(hdr.checksum_ok);
	assert_false(hdr.dirty);
	assert_int_equal(hdr.major, 1);
	assert_int_equal(hdr.minor, 5);
	assert_string_equal(hdr.file_name, "BLANK");

	/* hivex opens it read-only: a root with that name, no children, no values. */
	h = hivex_open(p, 0);
	assert_non_null(h);
	{
		char *name = hivex_node_name(h, hivex_root(h));
		hive_node_h *kids = hivex_node_children(h, hivex_root(h));
		hive_value_h *vals = hivex_node_values(h, hivex_root(h));

		assert_string_equal(name, "CMI-CreateHive{TEST}");
		assert_non_null(kids);
		assert_true(kids[0] == 0);
		assert_non_null(vals);
		assert_true(vals[0] == 0);
		free(name);
		free(kids);
		free(vals);
	}
	hivex_close(h);

	/* It never overwrites an existing file. */
	before = slurp(p, &len);
	assert_int_equal(wr_regf_create_blank(p, "OTHER", &d), WR_ERR_EXISTS);
	assert_unchanged(p, before, len);
	free(before);
	/* Bad root names are refused. */
	assert_int_equal(wr_regf_create_blank(tpath("BAD1"), "", &d), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_regf_create_blank(tpath("BAD2"), "a\\b", &d), WR_ERR_INVALID_ARG);
	assert_int_equal(access(tpath("BAD1"), F_OK), -1);
}

static void test_blank_hive_hivex_write_reopen_export(void **state)
{
	(void)state;
	const char *p = tpath("SOFTWARE");
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_regf_header hdr;
	hive_node_h cv;
	hive_value_h v;
	hive_h *h;
	char *s;
	uint8_t *reg;
	size_t len;
	int32_t dw;

	assert_int_equal(wr_regf_create_blank(p, "ROOT", &d), WR_OK);
	h = hivex_open(p, HIVEX_OPEN_WRITE);
	assert_non_null(h);
	cv = hivex_node_add_child(h, hivex_root(h), "Microsoft");
	assert_true(cv != 0);
	cv = hivex_node_add_child(h, cv, "Windows NT");
	cv = hivex_node_add_child(h, cv, "CurrentVersion");
	assert_true(cv != 0);
	set_sz(h, cv, "ProductName", "Windows 8.1");
	set_sz(h, cv, "CurrentVersion", "6.3");
	set_dword(h, cv, "InstallDate", 1400000000);
	/* A key name outside Latin-1 (stored as UTF-16 by hivex). */
	assert_true(hivex_node_add_child(h, hivex_root(h), "Тарас") != 0);
	assert_int_equal(hivex_commit(h, NULL, 0), 0);
	hivex_close(h);

	/* Reopen and read back. */
	h = hivex_open(p, 0);
	assert_non_null(h);
	s = get_sz(h, "Microsoft\\Windows NT\\CurrentVersion", "ProductName");
	assert_string_equal(s, "Windows 8.1");
	free(s);
	s = get_sz(h, "microsoft\\WINDOWS NT\\currentversion", "CurrentVersion");
	assert_string_equal(s, "6.3");
	free(s);
	v = hivex_node_get_value(h, lookup(h, "Microsoft\\Windows NT\\CurrentVersion"),
				 "InstallDate");
	assert_true(v != 0);
	dw = hivex_value_dword(h, v);
	assert_int_equal(dw, 1400000000);
	hivex_close(h);

	assert_int_equal(wr_regf_read_header(p, &hdr, &d), WR_OK);
	assert_true(hdr.checksum_ok);
	assert_false(hdr.dirty);

	/* An independent reader accepts it and sees what was written. */
	reg = export_hive(p, &len);
	assert_non_null(strstr((char *)reg, "[\\Microsoft\\Windows NT\\CurrentVersion]"));
	assert_non_null(strstr((char *)reg, "\"InstallDate\"=dword:53724e00"));
	assert_non_null(strstr((char *)reg, "[\\Тарас]"));
	free(reg);
}

/* ---- class names ------------------------------------------------------------------ */

static void test_class_round_trip_blank(void **state)
{
	(void)state;
	const char *p = tpath("SYSTEM");
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_regf_header hdr;
	hive_node_h lsa, big, n;
	uint8_t *reg_before, *reg_after;
	size_t len_before, len_after;
	struct stat st;
	char *cls = NULL, name[32], lname[600];
	hive_h *h;

	assert_int_equal(wr_regf_create_blank(p, "SYSTEM", &d), WR_OK);
	h = hivex_open(p, HIVEX_OPEN_WRITE);
	assert_non_null(h);
	n = hivex_node_add_child(h, hivex_root(h), "ControlSet001");
	n = hivex_node_add_child(h, n, "Control");
	lsa = hivex_node_add_child(h, n, "Lsa");
	assert_true(lsa != 0);
	for (const char *const *k = (const char *const[]){ "JD", "Skew1", "GBG", "Data", NULL };
	     *k; k++) {
		n = hivex_node_add_child(h, lsa, *k);
		set_dword(h, n, "Lookup", 0x1234);
	}
	/* Enough siblings to make hivex grow big subkey lists. */
	big = hivex_node_add_child(h, hivex_root(h), "Big");
	for (int i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "Key%04d", i);
		n = hivex_node_add_child(h, big, name);
		assert_true(n != 0);
		if (i % 100 == 0)
			set_sz(h, n, "Index", name);
	}
	assert_true(hivex_node_add_child(h, hivex_root(h), "Тарас") != 0);
	assert_int_equal(hivex_commit(h, NULL, 0), 0);
	hivex_close(h);
	reg_before = export_hive(p, &len_before);

	/* No class yet. */
	assert_int_equal(wr_regf_get_class(p, "ControlSet001\\Control\\Lsa\\JD", &cls, &d),
			 WR_ERR_NOT_FOUND);
	assert_null(cls);
	assert_int_equal(wr_regf_get_class(p, "ControlSet001\\Nope", &cls, &d), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_regf_set_class(p, "ControlSet001\\Nope", "x", &d), WR_ERR_NOT_FOUND);

	/* Set at depth, case-insensitively; read back with other spellings. */
	assert_int_equal(wr_regf_set_class(p, "ControlSet001\\Control\\Lsa\\JD", "4af282a2", &d),
			 WR_OK);
	assert_int_equal(wr_regf_set_class(p, "controlset001\\CONTROL\\lsa\\skew1", "0d756314", &d),
			 WR_OK);
	assert_int_equal(wr_regf_set_class(p, "\\ControlSet001\\Control\\Lsa\\GBG\\", "94b622a1",
					   &d), WR_OK);
	assert_int_equal(wr_regf_set_class(p, "ControlSet001\\Control\\Lsa\\Data", "f2a83d40", &d),
			 WR_OK);
	assert_int_equal(wr_regf_get_class(p, "CONTROLSET001\\control\\LSA\\jd", &cls, &d), WR_OK);
	assert_string_equal(cls, "4af282a2");
	free(cls);
	assert_int_equal(wr_regf_get_class(p, "ControlSet001\\Control\\Lsa\\Data", &cls, &d), WR_OK);
	assert_string_equal(cls, "f2a83d40");
	free(cls);

	/* Replace a class (the old cell is freed), a key deep in a 1500-entry list, a
	 * non-ASCII key name matched case-insensitively, a non-ASCII class. */
	assert_int_equal(wr_regf_set_class(p, "ControlSet001\\Control\\Lsa\\JD", "deadbeef", &d),
			 WR_OK);
	assert_int_equal(wr_regf_set_class(p, "Big\\key1499", "last", &d), WR_OK);
	assert_int_equal(wr_regf_set_class(p, "Big\\Key0000", "first", &d), WR_OK);
	assert_int_equal(wr_regf_set_class(p, "тАРАС", "класс 山田", &d), WR_OK);
	assert_int_equal(wr_regf_get_class(p, "ControlSet001\\Control\\Lsa\\JD", &cls, &d), WR_OK);
	assert_string_equal(cls, "deadbeef");
	free(cls);
	assert_int_equal(wr_regf_get_class(p, "Big\\KEY1499", &cls, &d), WR_OK);
	assert_string_equal(cls, "last");
	free(cls);
	assert_int_equal(wr_regf_get_class(p, "Big\\Key0000", &cls, &d), WR_OK);
	assert_string_equal(cls, "first");
	free(cls);
	assert_int_equal(wr_regf_get_class(p, "Тарас", &cls, &d), WR_OK);
	assert_string_equal(cls, "класс 山田");
	free(cls);
	assert_int_equal(wr_regf_get_class(p, "Big\\Key0750", &cls, &d), WR_ERR_NOT_FOUND);

	/* A class too big for any free cell: a new hive bin is appended. */
	memset(lname, 'c', sizeof(lname) - 1);
	lname[sizeof(lname) - 1] = 0;
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "Big\\Key%04d", i * 7);
		lname[0] = (char)('a' + i);
		assert_int_equal(wr_regf_set_class(p, name, lname, &d), WR_OK);
	}
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "Big\\Key%04d", i * 7);
		lname[0] = (char)('a' + i);
		assert_int_equal(wr_regf_get_class(p, name, &cls, &d), WR_OK);
		assert_string_equal(cls, lname);
		free(cls);
	}
	/* Removing a class. */
	assert_int_equal(wr_regf_set_class(p, "Big\\Key0700", "", &d), WR_OK);
	assert_int_equal(wr_regf_get_class(p, "Big\\Key0700", &cls, &d), WR_ERR_NOT_FOUND);

	/* The header stays consistent: clean, checksum, bins size = file size - 4096. */
	assert_int_equal(wr_regf_read_header(p, &hdr, &d), WR_OK);
	assert_true(hdr.checksum_ok);
	assert_false(hdr.dirty);
	assert_int_equal(stat(p, &st), 0);
	{
		size_t len;
		uint8_t *buf = slurp(p, &len);
		uint32_t bins;

		assert_non_null(buf);
		bins = (uint32_t)buf[40] | (uint32_t)buf[41] << 8 | (uint32_t)buf[42] << 16 |
		       (uint32_t)buf[43] << 24;
		assert_int_equal((uint64_t)bins + 4096, (uint64_t)st.st_size);
		free(buf);
	}

	/* hivex sees exactly what it saw before (class names are not exported). */
	reg_after = export_hive(p, &len_after);
	assert_int_equal(len_after, len_before);
	assert_memory_equal(reg_after, reg_before, len_after);
	free(reg_before);
	free(reg_after);
	/* ... and can still write to it. */
	h = hivex_open(p, HIVEX_OPEN_WRITE);
	assert_non_null(h);
	set_sz(h, lookup(h, "Big\\Key0007"), "After", "yes");
	assert_int_equal(hivex_commit(h, NULL, 0), 0);
	hivex_close(h);
	assert_int_equal(wr_regf_get_class(p, "Big\\Key0007", &cls, &d), WR_OK);
	assert_int_equal(cls[0], 'b');
	free(cls);
}

/* ---- real hives --------------------------------------------------------------------- */

static void test_real_headers(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_regf_header hdr;

	assert_int_equal(wr_regf_read_header(real_hive("regipy_SYSTEM_2"), &hdr, &d), WR_OK);
	assert_true(hdr.dirty);
	assert_int_equal(hdr.seq1, 205);
	assert_int_equal(hdr.seq2, 204);
	assert_true(hdr.checksum_ok);
	assert_int_equal(hdr.major, 1);
	assert_int_equal(hdr.minor, 5);
	assert_string_equal(hdr.file_name, "SYSTEM");

	assert_int_equal(wr_regf_read_header(real_hive("regipy_SYSTEM"), &hdr, &d), WR_OK);
	assert_false(hdr.dirty);
	assert_int_equal(hdr.seq1, hdr.seq2);
	assert_true(hdr.checksum_ok);

	assert_int_equal(wr_regf_read_header(real_hive("regipy_SAM"), &hdr, &d), WR_OK);
	assert_int_equal(hdr.minor, 3);
	assert_string_equal(hdr.file_name, "\\SystemRoot\\System32\\Config\\SAM");

	assert_int_equal(wr_regf_read_header(tpath("does-not-exist"), &hdr, &d), WR_ERR_NOT_FOUND);
}

static void read_boot_key(const char *path, char out[33])
{
	static const char *const keys[] = { "JD", "Skew1", "GBG", "Data" };
	struct wr_detail d = WR_DETAIL_INIT;

	out[0] = 0;
	for (int i = 0; i < 4; i++) {
		char key[128], *cls = NULL;

		snprintf(key, sizeof(key), "ControlSet001\\Control\\Lsa\\%s", keys[i]);
		assert_int_equal(wr_regf_get_class(path, key, &cls, &d), WR_OK);
		assert_int_equal(strlen(cls), 8);
		for (int k = 0; k < 8; k++)
			assert_true(isxdigit((unsigned char)cls[k]));
		strcat(out, cls);
		free(cls);
	}
}

static void test_real_boot_key_class_names(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	const char *s1 = real_hive("regipy_SYSTEM"), *s2 = real_hive("regipy_SYSTEM_2");
	char k1[33], k2[33], *cls = NULL;
	uint8_t *before;
	size_t len;

	read_boot_key(s1, k1);
	read_boot_key(s2, k2);
	/* Two installations, two boot keys. */
	assert_string_not_equal(k1, k2);
	/* ControlSet002 of the Windows 7 hive holds the same key (same installation). */
	assert_int_equal(wr_regf_get_class(s1, "ControlSet002\\Control\\Lsa\\JD", &cls, &d), WR_OK);
	assert_memory_equal(cls, k1, 8);
	free(cls);
	/* The Lsa key itself has no class. */
	assert_int_equal(wr_regf_get_class(s1, "ControlSet001\\Control\\Lsa", &cls, &d),
			 WR_ERR_NOT_FOUND);

	/* Writing to a dirty hive is refused and changes nothing. */
	before = slurp(s2, &len);
	assert_int_equal(wr_regf_set_class(s2, "ControlSet001\\Control\\Lsa\\JD", "00000000", &d),
			 WR_ERR_UNSUPPORTED);
	assert_unchanged(s2, before, len);
	free(before);
}

/* A real hive with ri subkey lists (CriticalDeviceDatabase has 2548 subkeys in six
 * sub-lists): set classes deep inside them; hivex sees no other change. */
static void test_real_hive_ri_lists(void **state)
{
	(void)state;
	static const char *const keys[] = {
		"ControlSet001\\Control\\CriticalDeviceDatabase\\PCI#VEN_1106&DEV_3177",
		"ControlSet001\\Control\\CriticalDeviceDatabase\\"
		"{8e7bd593-6e6c-4c52-86a6-77175494dd8e}#MsVhdHba",
		"controlset002\\control\\criticaldevicedatabase\\vmbus#{CFA8B69E-5B4A-4CC0-"
		"B98B-8BA1A1F3F95A}",
	};
	struct wr_detail d = WR_DETAIL_INIT;
	const char *src = real_hive("regipy_SYSTEM");
	const char *p = tpath("SYSTEM-copy");
	uint8_t *buf, *reg_before, *reg_after;
	size_t len, len_before, len_after;
	char *cls = NULL, k[33];

	buf = slurp(src, &len);
	assert_non_null(buf);
	spit(p, buf, len);
	free(buf);
	reg_before = export_hive(p, &len_before);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char want[16];

		snprintf(want, sizeof(want), "c1a55%03zu", i);
		assert_int_equal(wr_regf_get_class(p, keys[i], &cls, &d), WR_ERR_NOT_FOUND);
		assert_int_equal(wr_regf_set_class(p, keys[i], want, &d), WR_OK);
		assert_int_equal(wr_regf_get_class(p, keys[i], &cls, &d), WR_OK);
		assert_string_equal(cls, want);
		free(cls);
	}
	/* The boot key is untouched. */
	read_boot_key(p, k);
	{
		char orig[33];

		read_boot_key(src, orig);
		assert_string_equal(k, orig);
	}
	reg_after = export_hive(p, &len_after);
	assert_int_equal(len_after, len_before);
	assert_memory_equal(reg_after, reg_before, len_after);
	free(reg_before);
	free(reg_after);
}

/* ---- damaged input ------------------------------------------------------------------ */

static void assert_all_refuse(const char *p)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_regf_header hdr;
	uint8_t *before;
	size_t len;
	char *cls = NULL;

	before = slurp(p, &len);
	assert_non_null(before);
	assert_int_equal(wr_regf_get_class(p, "ControlSet001\\Control\\Lsa\\JD", &cls, &d),
			 WR_ERR_HIVE_CORRUPT);
	assert_null(cls);
	assert_int_equal(wr_regf_set_class(p, "ControlSet001\\Control\\Lsa\\JD", "12345678", &d),
			 WR_ERR_HIVE_CORRUPT);
	assert_true(d.subject[0] != 0);
	assert_unchanged(p, before, len);
	/* The header of a file with no base block is refused too. */
	if (len < 4096 || memcmp(before, "regf", 4))
		assert_int_equal(wr_regf_read_header(p, &hdr, &d), WR_ERR_HIVE_CORRUPT);
	assert_unchanged(p, before, len);
	free(before);
}

static void test_corrupt_inputs(void **state)
{
	(void)state;
	const char *bad = real_hive("regipy_corrupted_system_hive");
	const char *sys = real_hive("regipy_SYSTEM");
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_regf_header hdr;
	uint8_t *buf, rnd[16384];
	size_t len;
	uint32_t x = 12345;

	assert_all_refuse(bad);

	/* Truncated copies of a good hive. */
	buf = slurp(sys, &len);
	assert_non_null(buf);
	spit(tpath("trunc-3000"), buf, 3000);
	assert_all_refuse(tpath("trunc-3000"));
	spit(tpath("trunc-1M"), buf, 1024 * 1024);
	assert_all_refuse(tpath("trunc-1M"));
	assert_int_equal(wr_regf_read_header(tpath("trunc-1M"), &hdr, &d), WR_ERR_HIVE_CORRUPT);
	/* A damaged base block checksum. */
	buf[100] ^= 0x55;
	spit(tpath("badsum"), buf, len);
	assert_all_refuse(tpath("badsum"));
	assert_int_equal(wr_regf_read_header(tpath("badsum"), &hdr, &d), WR_OK);
	assert_false(hdr.checksum_ok);
	free(buf);

	/* Random bytes, with and without a "regf" signature; an empty file. */
	for (size_t i = 0; i < sizeof(rnd); i++) {
		x = x * 1103515245u + 12345u;
		rnd[i] = (uint8_t)(x >> 16);
	}
	spit(tpath("random"), rnd, sizeof(rnd));
	assert_all_refuse(tpath("random"));
	memcpy(rnd, "regf", 4);
	spit(tpath("random-regf"), rnd, sizeof(rnd));
	assert_all_refuse(tpath("random-regf"));
	spit(tpath("empty"), rnd, 0);
	assert_all_refuse(tpath("empty"));
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A subkey list turned into an "ri" list that names itself: refused, not followed. */
static void test_list_loop_refused(void **state)
{
	(void)state;
	const char *p = tpath("LOOP");
	struct wr_detail d = WR_DETAIL_INIT;
	uint32_t root, list;
	uint8_t *buf;
	size_t len;
	char *cls = NULL;
	hive_h *h;

	assert_int_equal(wr_regf_create_blank(p, "ROOT", &d), WR_OK);
	h = hivex_open(p, HIVEX_OPEN_WRITE);
	assert_non_null(h);
	assert_true(hivex_node_add_child(h, hivex_root(h), "Child") != 0);
	assert_int_equal(hivex_commit(h, NULL, 0), 0);
	hivex_close(h);
	assert_int_equal(wr_regf_set_class(p, "Child", "ok", &d), WR_OK);

	buf = slurp(p, &len);
	assert_non_null(buf);
	root = le32(buf + 36);
	list = le32(buf + 4096 + root + 4 + 28);
	assert_true(4096 + (size_t)list + 16 <= len);
	memcpy(buf + 4096 + list + 4, "ri", 2);
	buf[4096 + list + 8] = (uint8_t)list;		/* entry 0: the list itself */
	buf[4096 + list + 9] = (uint8_t)(list >> 8);
	buf[4096 + list + 10] = (uint8_t)(list >> 16);
	buf[4096 + list + 11] = (uint8_t)(list >> 24);
	spit(p, buf, len);
	assert_int_equal(wr_regf_get_class(p, "Child", &cls, &d), WR_ERR_HIVE_CORRUPT);
	assert_null(cls);
	assert_int_equal(wr_regf_set_class(p, "Child", "x", &d), WR_ERR_HIVE_CORRUPT);
	assert_unchanged(p, buf, len);
	free(buf);
}

/* Flip bytes all over the hive bins of a small valid hive (the base block stays valid,
 * so every check past it is exercised): never a crash, only defined results, and a
 * refused write leaves the file as it was. */
static void test_mutated_hive_never_crashes(void **state)
{
	(void)state;
	const char *p = tpath("MUT"), *m = tpath("MUT-mutant");
	struct wr_detail d = WR_DETAIL_INIT;
	hive_node_h n;
	uint8_t *orig, *buf;
	size_t len;
	hive_h *h;
	uint32_t x = 777;
	int ok = 0, corrupt = 0, notfound = 0;

	assert_int_equal(wr_regf_create_blank(p, "ROOT", &d), WR_OK);
	h = hivex_open(p, HIVEX_OPEN_WRITE);
	assert_non_null(h);
	n = hivex_node_add_child(h, hivex_root(h), "A");
	for (int i = 0; i < 40; i++) {
		char name[16];

		snprintf(name, sizeof(name), "K%d", i);
		hivex_node_add_child(h, n, name);
	}
	assert_int_equal(hivex_commit(h, NULL, 0), 0);
	hivex_close(h);
	assert_int_equal(wr_regf_set_class(p, "A\\K7", "seven", &d), WR_OK);
	assert_int_equal(wr_regf_set_class(p, "A\\K39", "thirty-nine", &d), WR_OK);
	orig = slurp(p, &len);
	assert_non_null(orig);
	buf = malloc(len);
	assert_non_null(buf);

	for (int iter = 0; iter < 3000; iter++) {
		char *cls = NULL;
		int r, flips = 1 + iter % 8;

		memcpy(buf, orig, len);
		for (int f = 0; f < flips; f++) {
			x = x * 1103515245u + 12345u;
			size_t at = 4096 + (x >> 8) % (len - 4096);

			x = x * 1103515245u + 12345u;
			buf[at] = (iter % 3 == 0) ? (uint8_t)(x >> 16) : (uint8_t)(buf[at] ^ (1u << (x % 8)));
		}
		spit(m, buf, len);
		r = wr_regf_get_class(m, iter % 2 ? "A\\K7" : "a\\k39", &cls, &d);
		assert_true(r == WR_OK || r == WR_ERR_NOT_FOUND || r == WR_ERR_HIVE_CORRUPT);
		ok += r == WR_OK;
		notfound += r == WR_ERR_NOT_FOUND;
		corrupt += r == WR_ERR_HIVE_CORRUPT;
		free(cls);
		/* Writes fsync: try one every fourth round to keep the test quick. */
		if (iter % 4)
			continue;
		r = wr_regf_set_class(m, "A\\K20", "twenty", &d);
		assert_true(r == WR_OK || r == WR_ERR_NOT_FOUND || r == WR_ERR_HIVE_CORRUPT);
		if (r != WR_OK)
			assert_unchanged(m, buf, len);
	}
	/* The mutations hit both harmless and structural bytes. */
	assert_true(ok > 0);
	assert_true(corrupt > 0);
	(void)notfound;
	free(buf);
	free(orig);
}

/* ---- the fixture's hives (build/tools/mkhives) ------------------------------------- */

static const char *mkhives_path(void)
{
	static char p[1024];
	const char *top = getenv("WINRESCUE_TOP"), *build = getenv("BUILD");

	snprintf(p, sizeof(p), "%s/%s/tools/mkhives", top && *top ? top : ".",
		 build && *build ? build : "build");
	if (access(p, X_OK)) {
		printf("%s is not built (make all)\n", p);
		skip();
	}
	return p;
}

/* Field i of a SAM V value (offset table of 17 x 12 bytes, data after it) as UTF-8. */
static char *sam_v_field(const uint8_t *v, size_t len, int i)
{
	uint32_t off, n;
	char *out;
	size_t o = 0;

	assert_true(len >= 0xCC);
	off = (uint32_t)v[12 * i] | (uint32_t)v[12 * i + 1] << 8 | (uint32_t)v[12 * i + 2] << 16;
	n = (uint32_t)v[12 * i + 4] | (uint32_t)v[12 * i + 5] << 8;
	assert_true(0xCC + (size_t)off + n <= len);
	out = malloc(n * 2 + 1);
	assert_non_null(out);
	/* BMP only: enough for the names used here. */
	for (uint32_t k = 0; k + 1 < n; k += 2) {
		unsigned c = v[0xCC + off + k] | v[0xCC + off + k + 1] << 8;

		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xC0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			out[o++] = (char)(0xE0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	out[o] = 0;
	return out;
}

static char *sam_user_field(const char *sam, const char *rid_key, int field)
{
	char key[128];
	hive_h *h = hivex_open(sam, 0);
	hive_value_h v;
	hive_type t;
	size_t len;
	char *data, *s;

	assert_non_null(h);
	snprintf(key, sizeof(key), "SAM\\Domains\\Account\\Users\\%s", rid_key);
	v = hivex_node_get_value(h, lookup(h, key), "V");
	assert_true(v != 0);
	data = hivex_value_value(h, v, &t, &len);
	assert_non_null(data);
	s = sam_v_field((uint8_t *)data, len, field);
	free(data);
	hivex_close(h);
	return s;
}

static void test_mkhives_output(void **state)
{
	(void)state;
	const char *mk = mkhives_path();
	const char *old_dir = tpath("pc-old"), *new_dir = tpath("pc-new");
	const char *argv_old[] = { mk, "--out", old_dir, NULL };
	const char *argv_new[] = { mk, "--out", new_dir, "--variant", "new", NULL };
	char p_old[600], p_new[600], k_old[33], k_new[33], *s;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_regf_header hdr;
	hive_h *h;

	assert_int_equal(run(argv_old, NULL), 0);
	assert_int_equal(run(argv_new, NULL), 0);
	snprintf(p_old, sizeof(p_old), "%s/SYSTEM", old_dir);
	snprintf(p_new, sizeof(p_new), "%s/SYSTEM", new_dir);
	assert_int_equal(wr_regf_read_header(p_old, &hdr, &d), WR_OK);
	assert_true(hdr.checksum_ok);
	assert_false(hdr.dirty);
	/* A boot key of four 8-hex-digit class names; two installations, two keys. */
	read_boot_key(p_old, k_old);
	read_boot_key(p_new, k_new);
	assert_string_not_equal(k_old, k_new);
	/* hivex still reads the Lsa values after the class names were set. */
	h = hivex_open(p_old, 0);
	assert_non_null(h);
	assert_true(hivex_node_get_value(h, lookup(h, "ControlSet001\\Control\\Lsa\\Skew1"),
					 "SkewMatrix") != 0);
	s = get_sz(h, "ControlSet001\\Control\\TimeZoneInformation", "TimeZoneKeyName");
	assert_string_equal(s, "Tokyo Standard Time");
	free(s);
	hivex_close(h);

	/* SAM V: the same reader finds the names in Windows' SAM and in ours. */
	s = sam_user_field(real_hive("regipy_SAM"), "000001F4", 1);
	assert_string_equal(s, "Administrator");
	free(s);
	s = sam_user_field(real_hive("regipy_SAM"), "000001F5", 3);
	assert_string_equal(s, "Built-in account for guest access to the computer/domain");
	free(s);
	snprintf(p_old, sizeof(p_old), "%s/SAM", old_dir);
	s = sam_user_field(p_old, "000001F4", 1);
	assert_string_equal(s, "Administrator");
	free(s);
	s = sam_user_field(p_old, "000001F5", 3);
	assert_string_equal(s, "Built-in account for guest access to the computer/domain");
	free(s);
	s = sam_user_field(p_old, "000003EA", 1);
	assert_string_equal(s, "Тарас");
	free(s);
	s = sam_user_field(p_old, "000003EB", 2);
	assert_string_equal(s, "山田 太郎");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blank_hive_is_valid),
		cmocka_unit_test(test_blank_hive_hivex_write_reopen_export),
		cmocka_unit_test(test_class_round_trip_blank),
		cmocka_unit_test(test_real_headers),
		cmocka_unit_test(test_real_boot_key_class_names),
		cmocka_unit_test(test_real_hive_ri_lists),
		cmocka_unit_test(test_corrupt_inputs),
		cmocka_unit_test(test_list_loop_refused),
		cmocka_unit_test(test_mutated_hive_never_crashes),
		cmocka_unit_test(test_mkhives_output),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
