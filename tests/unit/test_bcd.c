/*
 * test_bcd.c - the BCD store reader and writer against the stores Windows wrote
 * (../shared/testdata/bcd): the real stores are read and their device elements
 * decoded; a store written here has, object by object, the same element ids and
 * registry value types as the real ones, its device elements point at the partitions
 * it was given, and hivex's own tools read it.  The BCD-Template, a hive that is not
 * a BCD, random bytes and truncated device elements give clear errors and stay
 * byte-identical.
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

#include "mkimg.h"
#include "winrescue.h"

static char tmp[512];

static const char *testdata(void)
{
	const char *td = getenv("WINRESCUE_TESTDATA");

	return td ? td : "../shared/testdata";
}

static const char *real_store(const char *name)
{
	static char p[4][1024];
	static int slot;
	char *s = p[slot++ % 4];

	snprintf(s, 1024, "%s/bcd/%s", testdata(), name);
	return s;
}

static int setup(void **state)
{
	(void)state;
	if (access(real_store("regipy_BCD_win10_uefi"), R_OK)) {
		fprintf(stderr, "testdata/bcd is missing\n");
		return -1;
	}
	return mkimg_tmpdir(tmp, sizeof(tmp));
}

static int teardown(void **state)
{
	(void)state;
	return mkimg_rmrf(tmp);
}

/* The loader (device a partition), WinRE (a RAM disk), resume and RAM disk options
 * objects of a store, found by type and device, not by GUID. */
struct roles {
	const struct wr_bcd_object *bootmgr, *loader, *winre, *resume, *ramdisk, *memdiag;
};

static void find_roles(const struct wr_bcd *b, struct roles *r)
{
	memset(r, 0, sizeof(*r));
	r->bootmgr = wr_bcd_find(b, WR_BCD_BOOTMGR);
	r->memdiag = wr_bcd_find(b, WR_BCD_MEMDIAG);
	for (size_t i = 0; i < b->nobjects; i++) {
		const struct wr_bcd_object *o = &b->objects[i];
		const struct wr_bcd_element *dev = wr_bcd_element(o, WR_BCDE_DEVICE);

		if (o->type == 0x10200003 && dev && dev->dev.kind == WR_BCD_DEV_PARTITION)
			r->loader = o;
		else if (o->type == 0x10200003 && dev && dev->dev.kind == WR_BCD_DEV_RAMDISK)
			r->winre = o;
		else if (o->type == 0x10200004)
			r->resume = o;
		else if (o->type == 0x30000000)
			r->ramdisk = o;
	}
}

static void test_read_real(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd *b = NULL;
	struct roles r;
	const struct wr_bcd_element *e, *boot, *os;
	char before[65], after[65];

	(void)state;
	assert_int_equal(mkimg_sha256(real_store("regipy_BCD_win10_uefi"), before), 0);
	assert_int_equal(wr_bcd_read(real_store("regipy_BCD_win10_uefi"), false, &b, &d), WR_OK);
	assert_false(b->is_template);
	find_roles(b, &r);
	assert_non_null(r.bootmgr);
	assert_non_null(r.loader);
	assert_non_null(r.winre);
	assert_non_null(r.resume);
	assert_non_null(r.ramdisk);
	assert_non_null(r.memdiag);
	/* The default entry is the loader; displayorder lists it. */
	assert_string_equal(b->default_entry, r.loader->guid);
	e = wr_bcd_element(r.bootmgr, WR_BCDE_DISPLAYORDER);
	assert_non_null(e);
	assert_non_null(e->list);
	assert_string_equal(e->list[0], r.loader->guid);
	assert_null(e->list[1]);
	e = wr_bcd_element(r.bootmgr, WR_BCDE_TIMEOUT);
	assert_true(e && e->decoded);
	assert_int_equal(e->integer, 30);
	e = wr_bcd_element(r.loader, WR_BCDE_DESCRIPTION);
	assert_string_equal(e->str, "Windows 10");
	/* Device elements: the boot manager and the loader are on one GPT disk, on
	 * different partitions; osdevice = device. */
	boot = wr_bcd_element(r.bootmgr, WR_BCDE_DEVICE);
	os = wr_bcd_element(r.loader, WR_BCDE_OSDEVICE);
	assert_true(boot->decoded && os->decoded);
	assert_true(boot->dev.part.gpt && os->dev.part.gpt);
	assert_string_equal(boot->dev.part.disk_guid, os->dev.part.disk_guid);
	assert_string_equal(os->dev.part.disk_guid, "0b2394a9-095e-487d-8d48-719ecd4d78ca");
	assert_string_equal(os->dev.part.part_guid, "8e0f2c38-e4ea-47ba-b7fc-9d8c74dccf0b");
	assert_string_not_equal(boot->dev.part.part_guid, os->dev.part.part_guid);
	assert_memory_equal(wr_bcd_element(r.loader, WR_BCDE_DEVICE)->data, os->data, os->len);
	/* WinRE: a RAM disk of Winre.wim whose options object is the SDI object. */
	e = wr_bcd_element(r.winre, WR_BCDE_DEVICE);
	assert_int_equal(e->dev.kind, WR_BCD_DEV_RAMDISK);
	assert_string_equal(e->dev.path, "\\Recovery\\WindowsRE\\Winre.wim");
	assert_string_equal(e->dev.options, r.ramdisk->guid);
	assert_string_equal(e->dev.part.disk_guid, os->dev.part.disk_guid);
	e = wr_bcd_element(r.loader, WR_BCDE_RECOVERYSEQUENCE);
	assert_string_equal(e->list[0], r.winre->guid);
	e = wr_bcd_element(r.ramdisk, WR_BCDE_RAMDISK_SDIPATH);
	assert_string_equal(e->str, "\\Recovery\\WindowsRE\\boot.sdi");
	wr_bcd_free(b);

	/* The laptop's store, upper-case \WINDOWS. */
	assert_int_equal(wr_bcd_read(real_store("asus_BCD_win10_uefi"), false, &b, &d), WR_OK);
	find_roles(b, &r);
	assert_non_null(r.loader);
	assert_non_null(r.winre);
	assert_string_equal(b->default_entry, r.loader->guid);
	wr_bcd_free(b);
	assert_int_equal(mkimg_sha256(real_store("regipy_BCD_win10_uefi"), after), 0);
	assert_string_equal(before, after);
}

static void test_template(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd *b = NULL;
	const char *t = real_store("museum_Win10_BCD-Template");
	char before[65], after[65];

	(void)state;
	assert_int_equal(mkimg_sha256(t, before), 0);
	assert_int_equal(wr_bcd_read(t, false, &b, &d), WR_ERR_BCD_TEMPLATE);
	assert_null(b);
	assert_string_equal(d.subject, t);
	assert_int_equal(wr_bcd_read(t, true, &b, &d), WR_OK);
	assert_true(b->is_template);
	assert_non_null(wr_bcd_find(b, WR_BCD_BOOTMGR));
	assert_true(b->nobjects > 10);
	wr_bcd_free(b);
	assert_int_equal(mkimg_sha256(t, after), 0);
	assert_string_equal(before, after);
}

static void test_not_bcd(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd *b = NULL;
	char sys[600], rnd[600], trunc[600], before[65], after[65], src[1024];
	FILE *f;

	(void)state;
	snprintf(src, sizeof(src), "%s/hives/regipy_SYSTEM.xz", testdata());
	snprintf(sys, sizeof(sys), "%s/SYSTEM", tmp);
	assert_int_equal(mkimg_decompress(src, sys), 0);
	assert_int_equal(mkimg_sha256(sys, before), 0);
	assert_int_equal(wr_bcd_read(sys, false, &b, &d), WR_ERR_NOT_BCD);
	assert_null(b);
	assert_int_equal(mkimg_sha256(sys, after), 0);
	assert_string_equal(before, after);

	snprintf(rnd, sizeof(rnd), "%s/random", tmp);
	f = fopen(rnd, "wb");
	assert_non_null(f);
	srand(7);
	for (int i = 0; i < 16384; i++)
		fputc(rand() & 0xff, f);
	fclose(f);
	assert_int_equal(mkimg_sha256(rnd, before), 0);
	assert_int_equal(wr_bcd_read(rnd, false, &b, &d), WR_ERR_HIVE_CORRUPT);
	assert_int_equal(mkimg_sha256(rnd, after), 0);
	assert_string_equal(before, after);

	/* A real store cut in half. */
	snprintf(trunc, sizeof(trunc), "%s/half", tmp);
	{
		const char *argv[] = { "cp", real_store("regipy_BCD_win10_uefi"), trunc, NULL };

		assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
	}
	assert_int_equal(truncate(trunc, 12288), 0);
	assert_int_not_equal(wr_bcd_read(trunc, false, &b, &d), WR_OK);
	assert_null(b);
	assert_int_equal(wr_bcd_read("/nonexistent/BCD", false, &b, &d), WR_ERR_OPEN);
}

static void test_decode_device_bounds(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd *b = NULL;
	struct wr_bcd_device dev;
	struct roles r;
	const struct wr_bcd_element *e;

	(void)state;
	assert_int_equal(wr_bcd_read(real_store("regipy_BCD_win10_uefi"), false, &b, &d), WR_OK);
	find_roles(b, &r);
	/* Every prefix of a real partition and RAM disk element is refused, never
	 * read past. */
	e = wr_bcd_element(r.loader, WR_BCDE_DEVICE);
	for (size_t n = 0; n < 88; n++) {
		void *cut = malloc(n ? n : 1);

		memcpy(cut, e->data, n);
		assert_int_equal(wr_bcd_decode_device(cut, n, &dev), WR_ERR_CORRUPT);
		free(cut);
	}
	e = wr_bcd_element(r.winre, WR_BCDE_DEVICE);
	for (size_t n = 0; n < e->len; n++) {
		void *cut = malloc(n ? n : 1);

		memcpy(cut, e->data, n);
		assert_int_equal(wr_bcd_decode_device(cut, n, &dev), WR_ERR_CORRUPT);
		free(cut);
	}
	assert_int_equal(wr_bcd_decode_device(e->data, e->len, &dev), WR_OK);
	wr_bcd_free(b);
}

/* Same element ids and registry types, object for object. */
static void compare_objects(const struct wr_bcd_object *mine, const struct wr_bcd_object *real)
{
	assert_non_null(mine);
	assert_non_null(real);
	if (mine->nelements != real->nelements)
		fail_msg("object %s (type %08x): %zu elements, Windows' %s has %zu", mine->guid,
			 mine->type, mine->nelements, real->guid, real->nelements);
	assert_int_equal(mine->type, real->type);
	for (size_t i = 0; i < real->nelements; i++) {
		const struct wr_bcd_element *a = &mine->elements[i], *b = &real->elements[i];

		if (a->id != b->id)
			fail_msg("object %s: element %08x where Windows has %08x", mine->guid,
				 a->id, b->id);
		if (a->reg_type != b->reg_type)
			fail_msg("object %s element %08x: type %u, Windows' %u", mine->guid, a->id,
				 a->reg_type, b->reg_type);
		assert_true(a->decoded);
		if (((a->id >> 24) & 0xf) == WR_BCD_FMT_DEVICE) {
			assert_int_equal(a->dev.kind, b->dev.kind);
			assert_int_equal(a->dev.type, b->dev.type);
			assert_int_equal(a->len, b->len);
		}
		if (((a->id >> 24) & 0xf) == WR_BCD_FMT_INTEGER ||
		    ((a->id >> 24) & 0xf) == WR_BCD_FMT_BOOLEAN)
			assert_int_equal(a->len, b->len);
	}
}

static void compare_with(const struct wr_bcd *mine, const char *real_name)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd *real = NULL;
	struct roles a, b;
	static const char *const settings[] = {
		"{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}", "{4636856e-540f-4170-a130-a84776f4c654}",
		"{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}", "{5189b25c-5558-4bf2-bca4-289b11bd29e2}",
		"{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}", "{7ff607e0-4395-11db-b0de-0800200c9a66}",
		"{1afa9c49-16ab-4a5c-901b-212802da9460}",
	};

	assert_int_equal(wr_bcd_read(real_store(real_name), false, &real, &d), WR_OK);
	find_roles(mine, &a);
	find_roles(real, &b);
	compare_objects(a.bootmgr, b.bootmgr);
	compare_objects(a.loader, b.loader);
	compare_objects(a.resume, b.resume);
	compare_objects(a.winre, b.winre);
	compare_objects(a.ramdisk, b.ramdisk);
	compare_objects(a.memdiag, b.memdiag);
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		compare_objects(wr_bcd_find(mine, settings[i]), wr_bcd_find(real, settings[i]));
	/* Every object we write is one Windows writes too (the real stores also hold
	 * firmware entries, which live in the firmware's NVRAM). */
	for (size_t i = 0; i < mine->nobjects; i++) {
		const struct wr_bcd_object *o = &mine->objects[i];

		assert_true(o == a.bootmgr || o == a.loader || o == a.resume || o == a.winre ||
			    o == a.ramdisk || o == a.memdiag || wr_bcd_find(real, o->guid));
	}
	wr_bcd_free(real);
}

static void gpt_spec(struct wr_bcd_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->efi = true;
	s->boot.gpt = s->windows.gpt = s->winre_part.gpt = true;
	strcpy(s->boot.disk_guid, "5c9a2f3e-8d41-4b7a-9e26-3f1d7c0b84a1");
	strcpy(s->windows.disk_guid, s->boot.disk_guid);
	strcpy(s->winre_part.disk_guid, s->boot.disk_guid);
	strcpy(s->boot.part_guid, "0f4b6c2a-1e9d-4c83-a5b7-62d8e9f0a311");
	strcpy(s->windows.part_guid, "3a7e9c15-6d28-4b4f-8c1a-9f0e2d7b5c33");
	strcpy(s->winre_part.part_guid, "c6d1b8e4-2f73-4a09-9d5e-7b3a1f8c6e44");
	s->locale = "ja-JP";
	s->description = "Windows 8.1";
	s->timeout = 30;
	s->winre = true;
	s->winre_dir = "\\Recovery\\WindowsRE";
	s->winre_guid = "{7d3e1c2b-9a4f-11e3-8f1a-806e6f6e6963}";
}

static void test_write_gpt(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd_spec s;
	struct wr_bcd *b = NULL;
	struct roles r;
	const struct wr_bcd_element *e;
	char path[600], reg[600];
	static char out[1 << 16];

	(void)state;
	gpt_spec(&s);
	snprintf(path, sizeof(path), "%s/BCD-gpt", tmp);
	assert_int_equal(wr_bcd_write(path, &s, &d), WR_OK);
	assert_int_equal(wr_bcd_read(path, false, &b, &d), WR_OK);
	assert_false(b->is_template);
	compare_with(b, "regipy_BCD_win10_uefi");
	compare_with(b, "asus_BCD_win10_uefi");
	find_roles(b, &r);
	/* Device elements decode to the partitions given. */
	e = wr_bcd_element(r.loader, WR_BCDE_OSDEVICE);
	assert_string_equal(e->dev.part.part_guid, s.windows.part_guid);
	assert_string_equal(e->dev.part.disk_guid, s.windows.disk_guid);
	e = wr_bcd_element(r.bootmgr, WR_BCDE_DEVICE);
	assert_string_equal(e->dev.part.part_guid, s.boot.part_guid);
	e = wr_bcd_element(r.resume, WR_BCDE_OSDEVICE);
	assert_string_equal(e->dev.part.part_guid, s.windows.part_guid);
	e = wr_bcd_element(r.winre, WR_BCDE_OSDEVICE);
	assert_int_equal(e->dev.kind, WR_BCD_DEV_RAMDISK);
	assert_string_equal(e->dev.part.part_guid, s.winre_part.part_guid);
	assert_string_equal(e->dev.path, "\\Recovery\\WindowsRE\\Winre.wim");
	assert_string_equal(e->dev.options, r.ramdisk->guid);
	assert_string_equal(r.winre->guid, s.winre_guid);
	e = wr_bcd_element(r.ramdisk, WR_BCDE_RAMDISK_SDIDEVICE);
	assert_string_equal(e->dev.part.part_guid, s.winre_part.part_guid);
	assert_string_equal(b->default_entry, r.loader->guid);
	assert_string_equal(wr_bcd_element(r.loader, WR_BCDE_DEFAULT)->str, r.resume->guid);
	assert_string_equal(wr_bcd_element(r.loader, WR_BCDE_PATH)->str,
			    "\\Windows\\system32\\winload.efi");
	assert_string_equal(wr_bcd_element(r.loader, WR_BCDE_LOCALE)->str, "ja-JP");
	assert_string_equal(wr_bcd_element(r.loader, WR_BCDE_DESCRIPTION)->str, "Windows 8.1");
	assert_string_equal(wr_bcd_element(r.bootmgr, WR_BCDE_TOOLSDISPLAYORDER)->list[0],
			    WR_BCD_MEMDIAG);
	/* The loader's device element is byte for byte what Windows writes for a
	 * partition (compare the real store's: same layout, other GUIDs). */
	{
		struct wr_bcd *real = NULL;
		struct roles rr;
		const struct wr_bcd_element *x, *y;

		assert_int_equal(wr_bcd_read(real_store("regipy_BCD_win10_uefi"), false, &real, &d),
				 WR_OK);
		find_roles(real, &rr);
		x = wr_bcd_element(r.loader, WR_BCDE_DEVICE);
		y = wr_bcd_element(rr.loader, WR_BCDE_DEVICE);
		assert_int_equal(x->len, y->len);
		assert_memory_equal(x->data, y->data, 32);		/* header */
		assert_memory_equal((char *)x->data + 48, (char *)y->data + 48, 8); /* style */
		assert_memory_equal((char *)x->data + 72, (char *)y->data + 72, 16);
		x = wr_bcd_element(r.winre, WR_BCDE_DEVICE);
		y = wr_bcd_element(rr.winre, WR_BCDE_DEVICE);
		assert_int_equal(x->len, y->len);
		assert_memory_equal((char *)x->data + 16, (char *)y->data + 16, 68);
		assert_memory_equal((char *)x->data + 140, (char *)y->data + 140, x->len - 140);
		wr_bcd_free(real);
	}
	wr_bcd_free(b);

	/* hivex's own tool reads it, and the root key carries what Windows' does. */
	snprintf(reg, sizeof(reg), "%s/BCD-gpt.reg", tmp);
	{
		const char *argv[] = { "hivexregedit", "--export", path, "\\", NULL };

		assert_int_equal(mkimg_run(argv, NULL, out, sizeof(out)), 0);
	}
	assert_non_null(strstr(out, "[\\Description]\n\"GuidCache\"=hex(3):"));
	assert_non_null(strstr(out, "\"KeyName\"=hex(1):42,00,43,00,44,00,30,00,30,00,30,00,30,"
				    "00,30,00,30,00,30,00,30,00,00,00\n\"System\"=dword:00000001\n"
				    "\"TreatAsSystem\"=dword:00000001"));

	/* An existing file is never overwritten. */
	{
		char before[65], after[65];

		assert_int_equal(mkimg_sha256(path, before), 0);
		assert_int_equal(wr_bcd_write(path, &s, &d), WR_ERR_EXISTS);
		assert_int_equal(mkimg_sha256(path, after), 0);
		assert_string_equal(before, after);
	}
}

static void test_write_mbr(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd_spec s;
	struct wr_bcd *b = NULL;
	struct roles r;
	const struct wr_bcd_element *e;
	const uint8_t *raw;
	char path[600];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.boot.mbr_signature = s.windows.mbr_signature = 0x1a2b3c4d;
	s.boot.offset = 1048576;
	s.windows.offset = 105906176;
	s.timeout = 30;
	snprintf(path, sizeof(path), "%s/BCD-mbr", tmp);
	assert_int_equal(wr_bcd_write(path, &s, &d), WR_OK);
	assert_int_equal(wr_bcd_read(path, false, &b, &d), WR_OK);
	find_roles(b, &r);
	assert_null(r.winre);
	assert_null(wr_bcd_element(r.loader, WR_BCDE_RECOVERYSEQUENCE));
	assert_null(wr_bcd_element(r.bootmgr, WR_BCDE_PATH));	/* BIOS: bootmgr itself */
	assert_string_equal(wr_bcd_element(r.loader, WR_BCDE_PATH)->str,
			    "\\Windows\\system32\\winload.exe");
	assert_string_equal(wr_bcd_element(r.memdiag, WR_BCDE_PATH)->str, "\\boot\\memtest.exe");
	e = wr_bcd_element(r.loader, WR_BCDE_OSDEVICE);
	assert_false(e->dev.part.gpt);
	assert_int_equal(e->dev.part.offset, 105906176);
	assert_int_equal(e->dev.part.mbr_signature, 0x1a2b3c4d);
	raw = e->data;
	/* offset at 32, local device type 0 at 48, partition style 1 (MBR) at 52,
	 * signature at 56. */
	assert_int_equal(raw[32 + 2], 0x50);
	assert_int_equal(raw[32 + 3], 0x06);
	assert_int_equal(raw[48], 0);
	assert_int_equal(raw[52], 1);
	assert_int_equal(raw[56], 0x4d);
	assert_int_equal(raw[59], 0x1a);
	e = wr_bcd_element(r.bootmgr, WR_BCDE_DEVICE);
	assert_int_equal(e->dev.part.offset, 1048576);
	wr_bcd_free(b);

	/* Meaningless partitions are refused and nothing is written. */
	s.windows.offset = 0;
	snprintf(path, sizeof(path), "%s/BCD-bad", tmp);
	assert_int_equal(wr_bcd_write(path, &s, &d), WR_ERR_INVALID_ARG);
	assert_int_not_equal(access(path, F_OK), 0);
}

/* With SOURCE_DATE_EPOCH two stores are byte-identical (fixtures); without it the
 * new GUIDs differ from store to store. */
static void test_reproducible(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd_spec s;
	struct wr_bcd *a = NULL, *b = NULL;
	char p1[600], p2[600], p3[600], s1[65], s2[65];

	(void)state;
	gpt_spec(&s);
	s.winre_guid = NULL;
	snprintf(p1, sizeof(p1), "%s/BCD-r1", tmp);
	snprintf(p2, sizeof(p2), "%s/BCD-r2", tmp);
	snprintf(p3, sizeof(p3), "%s/BCD-r3", tmp);
	setenv("SOURCE_DATE_EPOCH", "1400000000", 1);
	/* The same name both times: the base block holds the file's name. */
	assert_int_equal(wr_bcd_write(p1, &s, &d), WR_OK);
	assert_int_equal(rename(p1, p2), 0);
	assert_int_equal(wr_bcd_write(p1, &s, &d), WR_OK);
	unsetenv("SOURCE_DATE_EPOCH");
	assert_int_equal(wr_bcd_write(p3, &s, &d), WR_OK);
	assert_int_equal(mkimg_sha256(p1, s1), 0);
	assert_int_equal(mkimg_sha256(p2, s2), 0);
	assert_string_equal(s1, s2);
	assert_int_equal(wr_bcd_read(p1, false, &a, &d), WR_OK);
	assert_int_equal(wr_bcd_read(p3, false, &b, &d), WR_OK);
	assert_string_not_equal(a->default_entry, b->default_entry);
	/* Version 1 GUIDs: "-1" starts the third group. */
	assert_int_equal(a->default_entry[15], '1');
	wr_bcd_free(a);
	wr_bcd_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_real),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_not_bcd),
		cmocka_unit_test(test_decode_device_bounds),
		cmocka_unit_test(test_write_gpt),
		cmocka_unit_test(test_write_mbr),
		cmocka_unit_test(test_reproducible),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
