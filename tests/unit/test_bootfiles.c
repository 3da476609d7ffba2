/*
 * test_bootfiles.c - the bcdboot equivalent on disks built here with sfdisk, mkntfs
 * and mkfs.vfat (tests/lib/mkimg): a Windows partition holding Windows\Boot (EFI and
 * PCAT files, a language folder, Fonts) is made bootable on GPT (ESP written with
 * mtools, checked with mcopy and fsck.fat -n) and on MBR (System Reserved, or the
 * Windows partition itself when no partition is active); the BCD written points at
 * the partitions wr_disk_read reports; a second run keeps the first BCD as the
 * backup.  A GPT disk without an ESP, a partition without Windows and one without
 * the boot manager files are refused and the disk stays byte-identical.
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

static int setup(void **state)
{
	(void)state;
	setenv("MTOOLS_SKIP_CHECK", "1", 1);
	return mkimg_tmpdir(tmp, sizeof(tmp));
}

static int teardown(void **state)
{
	(void)state;
	return mkimg_rmrf(tmp);
}

static struct wr_extent part_extent(const char *disk, uint64_t start, uint64_t size)
{
	struct wr_extent e;

	memset(&e, 0, sizeof(e));
	snprintf(e.path, sizeof(e.path), "%s", disk);
	e.offset = start;
	e.size = size;
	return e;
}

/* Some bytes that identify a file by name. */
static void content(const char *name, char *buf, size_t size)
{
	for (size_t i = 0; i < size; i++)
		buf[i] = (char)(name[i % strlen(name)] ^ (i & 0x7f));
}

static void put(struct wr_ntfs *vol, const char *path, size_t size)
{
	struct wr_detail d = WR_DETAIL_INIT;
	char *buf = malloc(size);

	content(path, buf, size);
	assert_int_equal(wr_ntfs_write_file(vol, path, buf, size, &d), WR_OK);
	free(buf);
}

/* A Windows installation's skeleton with its boot files (efi and/or pcat). */
static void make_windows(const char *disk, uint64_t start, bool efi, bool pcat)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent e = part_extent(disk, start, 96 * MKIMG_MIB);
	struct wr_ntfs *vol = NULL;
	static const char *const dirs[] = { "Windows", "Windows/System32", "Windows/Boot",
					    "Windows/Boot/Fonts", NULL };

	assert_int_equal(wr_ntfs_open(&e, WR_NTFS_RDWR, &vol, &d), WR_OK);
	for (size_t i = 0; dirs[i]; i++)
		assert_int_equal(wr_ntfs_mkdir(vol, dirs[i], &d), WR_OK);
	put(vol, "Windows/System32/kernel32.dll", 4096);
	put(vol, "Windows/Boot/Fonts/wgl4_boot.ttf", 3000);
	if (efi) {
		assert_int_equal(wr_ntfs_mkdir(vol, "Windows/Boot/EFI", &d), WR_OK);
		assert_int_equal(wr_ntfs_mkdir(vol, "Windows/Boot/EFI/ja-JP", &d), WR_OK);
		put(vol, "Windows/Boot/EFI/bootmgfw.efi", 70000);
		put(vol, "Windows/Boot/EFI/bootmgr.efi", 69000);
		put(vol, "Windows/Boot/EFI/memtest.efi", 50000);
		put(vol, "Windows/Boot/EFI/ja-JP/bootmgfw.efi.mui", 5000);
	}
	if (pcat) {
		assert_int_equal(wr_ntfs_mkdir(vol, "Windows/Boot/PCAT", &d), WR_OK);
		assert_int_equal(wr_ntfs_mkdir(vol, "Windows/Boot/PCAT/ja-JP", &d), WR_OK);
		put(vol, "Windows/Boot/PCAT/bootmgr", 40000);
		put(vol, "Windows/Boot/PCAT/memtest.exe", 30000);
		put(vol, "Windows/Boot/PCAT/ja-JP/bootmgr.exe.mui", 4000);
	}
	wr_ntfs_close(vol);
}

/* The file at path of the ESP equals what put() wrote for src. */
static void esp_has(const char *disk, const char *path, const char *src, size_t size)
{
	char img[4200], fat[512], host[600], *want = malloc(size), got[1 << 17];
	FILE *f;
	size_t n;

	snprintf(img, sizeof(img), "%s@@%llu", disk, (unsigned long long)MKIMG_MIB);
	snprintf(fat, sizeof(fat), "::/%s", path);
	snprintf(host, sizeof(host), "%s/esp-file", tmp);
	unlink(host);
	const char *argv[] = { "mcopy", "-n", "-i", img, fat, host, NULL };

	if (mkimg_run(argv, NULL, NULL, 0) != 0)
		fail_msg("%s is not on the ESP", path);
	f = fopen(host, "rb");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got), f);
	fclose(f);
	assert_int_equal(n, size);
	content(src, want, size);
	assert_memory_equal(got, want, size);
	free(want);
}

static void esp_fsck(const char *disk)
{
	char esp[600], skip[32], of[700], ifarg[4200];

	snprintf(esp, sizeof(esp), "%s/esp.img", tmp);
	snprintf(of, sizeof(of), "of=%s", esp);
	snprintf(ifarg, sizeof(ifarg), "if=%s", disk);
	snprintf(skip, sizeof(skip), "skip=1");
	const char *dd[] = { "dd", ifarg, of, "bs=1M", skip, "count=64", "status=none", NULL };
	const char *fsck[] = { "fsck.fat", "-n", esp, NULL };

	assert_int_equal(mkimg_run(dd, NULL, NULL, 0), 0);
	assert_int_equal(mkimg_run(fsck, NULL, NULL, 0), 0);
	unlink(esp);
}

/* Read the ESP's BCD (or a named file) into a host file. */
static void esp_get(const char *disk, const char *path, const char *host)
{
	char img[4200], fat[512];

	snprintf(img, sizeof(img), "%s@@%llu", disk, (unsigned long long)MKIMG_MIB);
	snprintf(fat, sizeof(fat), "::/%s", path);
	unlink(host);
	const char *argv[] = { "mcopy", "-n", "-i", img, fat, host, NULL };

	assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
}

static void check_store(const char *bcd, const struct wr_disk *disk, unsigned sys,
			unsigned win)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bcd *b = NULL;
	const struct wr_bcd_object *loader;
	const struct wr_bcd_element *e;
	const struct wr_partition *ps = &disk->parts[sys - 1], *pw = &disk->parts[win - 1];

	assert_int_equal(wr_bcd_read(bcd, false, &b, &d), WR_OK);
	loader = wr_bcd_find(b, b->default_entry);
	assert_non_null(loader);
	e = wr_bcd_element(loader, WR_BCDE_OSDEVICE);
	assert_non_null(e);
	assert_int_equal(e->dev.kind, WR_BCD_DEV_PARTITION);
	e = wr_bcd_element(wr_bcd_find(b, WR_BCD_BOOTMGR), WR_BCDE_DEVICE);
	if (disk->table == WR_TABLE_GPT) {
		assert_string_equal(e->dev.part.part_guid, ps->uuid);
		assert_string_equal(e->dev.part.disk_guid, disk->disk_guid);
		e = wr_bcd_element(loader, WR_BCDE_OSDEVICE);
		assert_string_equal(e->dev.part.part_guid, pw->uuid);
		assert_string_equal(wr_bcd_element(loader, WR_BCDE_PATH)->str,
				    "\\Windows\\system32\\winload.efi");
	} else {
		assert_int_equal(e->dev.part.offset, ps->start);
		assert_int_equal(e->dev.part.mbr_signature, disk->mbr_signature);
		e = wr_bcd_element(loader, WR_BCDE_OSDEVICE);
		assert_int_equal(e->dev.part.offset, pw->start);
		assert_string_equal(wr_bcd_element(loader, WR_BCDE_PATH)->str,
				    "\\Windows\\system32\\winload.exe");
	}
	/* No WinRE here: no ReAgent.xml. */
	assert_null(wr_bcd_element(loader, WR_BCDE_RECOVERYSEQUENCE));
	wr_bcd_free(b);
}

static void test_gpt(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bootfiles_plan p;
	struct wr_disk *disk = NULL;
	char path[600], bcd1[600], bcd2[600], bak[600], sum1[65], sum2[65];
	uint64_t starts[4];

	(void)state;
	assert_int_equal(mkimg_std_disk(tmp, "gpt.img", 1, path, sizeof(path), starts), 0);
	make_windows(path, starts[2], true, false);
	assert_int_equal(wr_bootfiles_plan(path, 3, &p, &d), WR_OK);
	assert_true(p.efi);
	assert_int_equal(p.system->number, 1);
	assert_false(p.bcd_exists);
	assert_false(p.winre);
	assert_int_equal(p.nfiles, 6);	/* 4 EFI files, the font, bootx64.efi */
	assert_int_equal(wr_bootfiles_run(&p, NULL, NULL, &d), WR_OK);
	wr_bootfiles_plan_release(&p);

	esp_has(path, "EFI/Microsoft/Boot/bootmgfw.efi", "Windows/Boot/EFI/bootmgfw.efi", 70000);
	esp_has(path, "EFI/Microsoft/Boot/memtest.efi", "Windows/Boot/EFI/memtest.efi", 50000);
	esp_has(path, "EFI/Microsoft/Boot/ja-JP/bootmgfw.efi.mui",
		"Windows/Boot/EFI/ja-JP/bootmgfw.efi.mui", 5000);
	esp_has(path, "EFI/Microsoft/Boot/Fonts/wgl4_boot.ttf", "Windows/Boot/Fonts/wgl4_boot.ttf",
		3000);
	esp_has(path, "EFI/Boot/bootx64.efi", "Windows/Boot/EFI/bootmgfw.efi", 70000);
	esp_fsck(path);
	assert_int_equal(wr_disk_read(path, &disk, &d), WR_OK);
	snprintf(bcd1, sizeof(bcd1), "%s/BCD1", tmp);
	esp_get(path, "EFI/Microsoft/Boot/BCD", bcd1);
	check_store(bcd1, disk, 1, 3);

	/* Again: the first store is kept as the backup, a new one written. */
	assert_int_equal(wr_bootfiles_plan(path, 3, &p, &d), WR_OK);
	assert_true(p.bcd_exists);
	assert_int_equal(p.old_bcd_err, WR_OK);
	assert_int_equal(strncmp(p.backup_name, "BCD.winrescue-", 14), 0);
	snprintf(bak, sizeof(bak), "EFI/Microsoft/Boot/%s", p.backup_name);
	assert_int_equal(wr_bootfiles_run(&p, NULL, NULL, &d), WR_OK);
	wr_bootfiles_plan_release(&p);
	snprintf(bcd2, sizeof(bcd2), "%s/BCD-backup", tmp);
	esp_get(path, bak, bcd2);
	assert_int_equal(mkimg_sha256(bcd1, sum1), 0);
	assert_int_equal(mkimg_sha256(bcd2, sum2), 0);
	assert_string_equal(sum1, sum2);
	esp_get(path, "EFI/Microsoft/Boot/BCD", bcd2);
	check_store(bcd2, disk, 1, 3);
	esp_fsck(path);
	wr_disk_free(disk);
}

static void refused(const char *path, unsigned part, int want, const char *subject)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bootfiles_plan p;
	char before[65], after[65];

	assert_int_equal(mkimg_sha256(path, before), 0);
	assert_int_equal(wr_bootfiles_plan(path, part, &p, &d), want);
	if (subject)
		assert_non_null(strstr(d.subject, subject));
	assert_null(p.disk);
	assert_int_equal(mkimg_sha256(path, after), 0);
	assert_string_equal(before, after);
}

static void test_refused(void **state)
{
	char path[600], path2[600];
	uint64_t starts[4];

	(void)state;
	/* A GPT disk whose ESP is not one (basic data type). */
	assert_int_equal(mkimg_std_disk(tmp, "noesp.img", 1, path, sizeof(path), starts), 0);
	make_windows(path, starts[2], true, false);
	{
		const char *argv[] = { "sfdisk", "--quiet", "--no-reread", "--no-tell-kernel",
				       "--part-type", path, "1",
				       "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", NULL };

		assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
	}
	refused(path, 3, WR_ERR_NO_ESP, path);
	/* Partitions without Windows: the empty recovery volume, the FAT ESP. */
	assert_int_equal(mkimg_std_disk(tmp, "nowin.img", 1, path2, sizeof(path2), starts), 0);
	refused(path2, 3, WR_ERR_NO_WINDOWS, NULL);
	refused(path2, 1, WR_ERR_NO_WINDOWS, NULL);
	refused(path2, 7, WR_ERR_NO_SUCH_PARTITION, NULL);
	/* Windows without Windows\Boot\EFI. */
	make_windows(path2, starts[2], false, true);
	refused(path2, 3, WR_ERR_NOT_FOUND, "Windows/Boot/EFI");
	{
		struct wr_detail d = WR_DETAIL_INIT;
		struct wr_bootfiles_plan p;

		assert_int_not_equal(wr_bootfiles_plan("/nonexistent.img", 1, &p, &d), WR_OK);
		assert_null(p.disk);
	}
}

static void test_mbr(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_bootfiles_plan p;
	struct wr_disk *disk = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_extent sys;
	struct wr_ntfs_stat st;
	char path[600], host[600], bak[128];
	uint64_t starts[4];
	void *buf = NULL;
	size_t len;

	(void)state;
	assert_int_equal(mkimg_std_disk(tmp, "mbr.img", 0, path, sizeof(path), starts), 0);
	make_windows(path, starts[1], false, true);
	assert_int_equal(wr_bootfiles_plan(path, 2, &p, &d), WR_OK);
	assert_false(p.efi);
	assert_int_equal(p.system->number, 1);
	assert_false(p.set_active);
	assert_true(p.mbr_code_missing);	/* sfdisk writes no boot code */
	assert_int_equal(wr_bootfiles_run(&p, NULL, NULL, &d), WR_OK);
	wr_bootfiles_plan_release(&p);
	assert_int_equal(wr_disk_read(path, &disk, &d), WR_OK);

	sys = part_extent(path, starts[0], 32 * MKIMG_MIB);
	assert_int_equal(wr_ntfs_open(&sys, WR_NTFS_RDWR, &vol, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(vol, "bootmgr", &st, &d), WR_OK);
	assert_int_equal(st.size, 40000);
	assert_int_equal(wr_ntfs_stat(vol, "Boot/memtest.exe", &st, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(vol, "Boot/ja-JP/bootmgr.exe.mui", &st, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(vol, "Boot/Fonts/wgl4_boot.ttf", &st, &d), WR_OK);
	assert_int_not_equal(wr_ntfs_stat(vol, "Boot/bootmgr", &st, NULL), WR_OK);
	snprintf(host, sizeof(host), "%s/BCD-mbr", tmp);
	assert_int_equal(wr_ntfs_copy_out(vol, "Boot/BCD", host, &d), WR_OK);
	check_store(host, disk, 1, 2);
	/* Break it: bootmgr deleted. */
	assert_int_equal(wr_ntfs_unlink(vol, "bootmgr", &d), WR_OK);
	wr_ntfs_close(vol);
	vol = NULL;

	assert_int_equal(wr_bootfiles_plan(path, 2, &p, &d), WR_OK);
	assert_true(p.bcd_exists);
	snprintf(bak, sizeof(bak), "Boot/%s", p.backup_name);
	assert_int_equal(wr_bootfiles_run(&p, NULL, NULL, &d), WR_OK);
	wr_bootfiles_plan_release(&p);
	assert_int_equal(wr_ntfs_open(&sys, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_int_equal(wr_ntfs_read_file(vol, "bootmgr", 1 << 20, &buf, &len, &d), WR_OK);
	{
		char *want = malloc(40000);

		content("Windows/Boot/PCAT/bootmgr", want, 40000);
		assert_int_equal(len, 40000);
		assert_memory_equal(buf, want, 40000);
		free(want);
	}
	free(buf);
	assert_int_equal(wr_ntfs_stat(vol, bak, &st, &d), WR_OK);
	wr_ntfs_close(vol);

	/* No active partition: the Windows partition itself takes the boot files, and
	 * the missing active flag is reported. */
	{
		FILE *f = fopen(path, "r+b");	/* the first entry's boot flag */

		assert_non_null(f);
		assert_int_equal(fseek(f, 446, SEEK_SET), 0);
		assert_int_equal(fputc(0, f), 0);
		fclose(f);
	}
	assert_int_equal(wr_bootfiles_plan(path, 2, &p, &d), WR_OK);
	assert_true(p.set_active);
	assert_ptr_equal(p.system, p.windows);
	assert_false(p.bcd_exists);
	assert_int_equal(wr_bootfiles_run(&p, NULL, NULL, &d), WR_OK);
	wr_bootfiles_plan_release(&p);
	sys = part_extent(path, starts[1], 96 * MKIMG_MIB);
	assert_int_equal(wr_ntfs_open(&sys, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_int_equal(wr_ntfs_stat(vol, "bootmgr", &st, &d), WR_OK);
	snprintf(host, sizeof(host), "%s/BCD-win", tmp);
	assert_int_equal(wr_ntfs_copy_out(vol, "Boot/BCD", host, &d), WR_OK);
	wr_ntfs_close(vol);
	check_store(host, disk, 2, 2);
	wr_disk_free(disk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpt),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_mbr),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
