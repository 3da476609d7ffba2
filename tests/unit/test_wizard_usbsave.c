/*
 * test_wizard_usbsave.c - the engine's usbsave module (what the wizard's report and
 * folder chooser stand on), on real file systems made at test time:
 *   - wr_usbsave_write: a new folder (-2 when taken) with every file, byte for byte,
 *     a copy of a host file among them; bad names refused with nothing written; a
 *     failure half-way leaves nothing behind;
 *   - wr_usbsave_drives on a whole-disk image (sfdisk: an ext4 partition made by
 *     mkfs.ext4, an empty one, an ESP): the ext4 one is listed with its label and
 *     size, the ESP is not, and the target disk is never listed;
 *   - wr_usbsave_open / wr_usbsave_close: the partition of that image file is mounted
 *     read-write (through a loop device) in a private folder, written, unmounted, the
 *     folder removed; mounted again, the files are there;
 *   - wr_usbsave_mounts: a mounted file system is listed with its label, size and
 *     free space; mounted read-only it is refused (WR_ERR_READ_ONLY); the partition
 *     a mount holds is refused as the "target" (WR_ERR_DIR_ON_TARGET).
 * Mounting needs root: without it those tests are skipped (CI runs as root).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"

static char tmp[256];
static char mounted[4096];	/* a private mount a failed test may have left */

static int run(const char *const argv[], const char *in)
{
	int p[2], st;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[0], 0);
		close(p[1]);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[0]);
	if (in && write(p[1], in, strlen(in)) < 0)
		st = -1;
	close(p[1]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	if (!f) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The names in a folder, sorted, as one string ("" when empty). */
static void listing(const char *dir, char *buf, size_t size)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, ".."))
			snprintf(buf + strlen(buf), size - strlen(buf), "%s;", v[i]->d_name);
		free(v[i]);
	}
	if (n >= 0)
		free(v);
}

static int setup(void **state)
{
	char t[] = "/tmp/wr-usbsave-XXXXXX";

	(void)state;
	if (!mkdtemp(t))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s", t);
	return 0;
}

static bool is_mounted(const char *dir);

static int teardown(void **state)
{
	const char *argv[] = { "rm", "-rf", tmp, NULL };

	(void)state;
	if (mounted[0] && is_mounted(mounted)) {
		umount2(mounted, MNT_DETACH);
		rmdir(mounted);
	}
	return run(argv, NULL) == 0 ? 0 : -1;
}

static void test_write_folder_and_files(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	char dir[512], log[600], made[4096], made2[4096], path[4200], before[2048], after[2048];
	char *got;
	const char *html = "<html lang=\"ja\">レポート 23456-789AB</html>\n";
	struct wr_usbsave_file files[3];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/out", tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(log, sizeof(log), "%s/winrescue.log", tmp);
	put_file(log, "2026-11-26T00:00:00Z info: wizard: started\n");
	files[0] = (struct wr_usbsave_file){ "report.html", html, strlen(html), NULL };
	files[1] = (struct wr_usbsave_file){ "report.txt", "text\n", 5, NULL };
	files[2] = (struct wr_usbsave_file){ "winrescue.log", NULL, 0, log };
	assert_int_equal(wr_usbsave_write(dir, "winrescue-2026-11-26-23456-789AB", files, 3, made,
					  sizeof(made), &d), WR_OK);
	snprintf(path, sizeof(path), "%s/winrescue-2026-11-26-23456-789AB", dir);
	assert_string_equal(made, path);
	listing(made, after, sizeof(after));
	assert_string_equal(after, "report.html;report.txt;winrescue.log;");
	snprintf(path, sizeof(path), "%s/report.html", made);
	got = slurp(path);
	assert_non_null(got);
	assert_string_equal(got, html);
	free(got);
	snprintf(path, sizeof(path), "%s/winrescue.log", made);
	got = slurp(path);
	assert_non_null(got);
	assert_string_equal(got, "2026-11-26T00:00:00Z info: wizard: started\n");
	free(got);
	/* The same name again: a second folder, the first untouched. */
	assert_int_equal(wr_usbsave_write(dir, "winrescue-2026-11-26-23456-789AB", files, 2, made2,
					  sizeof(made2), &d), WR_OK);
	snprintf(path, sizeof(path), "%s/winrescue-2026-11-26-23456-789AB-2", dir);
	assert_string_equal(made2, path);
	listing(made, after, sizeof(after));
	assert_string_equal(after, "report.html;report.txt;winrescue.log;");

	/* Bad names: refused, nothing written. */
	listing(dir, before, sizeof(before));
	assert_int_equal(wr_usbsave_write(dir, "../escape", files, 1, made, sizeof(made), &d),
			 WR_ERR_INVALID_ARG);
	assert_int_equal(wr_usbsave_write(dir, "..", files, 1, made, sizeof(made), &d),
			 WR_ERR_INVALID_ARG);
	files[1].name = "../../etc/passwd";
	assert_int_equal(wr_usbsave_write(dir, "ok", files, 2, made, sizeof(made), &d),
			 WR_ERR_UNSAFE_PATH);
	files[1].name = "report.txt";
	listing(dir, after, sizeof(after));
	assert_string_equal(after, before);
	snprintf(path, sizeof(path), "%s/escape", tmp);
	assert_int_equal(access(path, F_OK), -1);

	/* A file that cannot be copied half-way: the new folder goes away again. */
	files[2].copy_of = "/nonexistent/winrescue.log";
	assert_int_equal(wr_usbsave_write(dir, "half", files, 3, made, sizeof(made), &d), WR_ERR_OPEN);
	assert_string_equal(d.subject, "/nonexistent/winrescue.log");
	listing(dir, after, sizeof(after));
	assert_string_equal(after, before);
	/* A folder that does not exist. */
	snprintf(path, sizeof(path), "%s/missing", tmp);
	assert_int_not_equal(wr_usbsave_write(path, "x", files, 1, made, sizeof(made), &d), WR_OK);
}

/* A whole-disk image: p1 ESP (FAT type, empty), p2 ext4 "WRSTICK", p3 no file system. */
static void make_disk(const char *img, uint64_t *p2_start)
{
	char part[600], seek[64];
	const char *sf[] = { "sfdisk", "-q", img, NULL };
	const char *mk[] = { "mkfs.ext4", "-q", "-F", "-L", "WRSTICK", part, NULL };
	char ifarg[700], ofarg[700];
	int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 96 << 20), 0);
	close(fd);
	assert_int_equal(run(sf, "label: gpt\n"
				 "start=2048, size=16384, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n"
				 "start=18432, size=131072, type=0FC63DAF-8483-4772-8E3D-693D3D8A6FA4\n"
				 "start=149504, size=8192, type=0FC63DAF-8483-4772-8E3D-693D3D8A6FA4\n"),
			 0);
	*p2_start = 18432ULL * 512;
	snprintf(part, sizeof(part), "%s.p2", img);
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 131072LL * 512), 0);
	close(fd);
	assert_int_equal(run(mk, NULL), 0);
	snprintf(ifarg, sizeof(ifarg), "if=%s", part);
	snprintf(ofarg, sizeof(ofarg), "of=%s", img);
	snprintf(seek, sizeof(seek), "seek=%llu", (unsigned long long)(*p2_start >> 20));
	{
		const char *dd2[] = { "dd", "conv=notrunc,sparse", "bs=1M", "status=none", ifarg,
				      ofarg, seek, NULL };

		assert_int_equal(run(dd2, NULL), 0);
	}
	unlink(part);
}

static bool is_mounted(const char *dir)
{
	char *m = slurp("/proc/self/mounts");
	bool yes = m && strstr(m, dir);

	free(m);
	return yes;
}

static void test_drives_open_close(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_usbsave_list l = { 0, NULL };
	struct wr_usbsave_mount *m = NULL;
	struct wr_usbsave_file f = { "report.txt", "saved on the stick\n", 19, NULL };
	char img[512], other[512], made[4096], dir[4096], path[4200];
	const char *disks[3];
	uint64_t p2;
	char *got;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(img, sizeof(img), "%s/stick.img", tmp);
	make_disk(img, &p2);
	disks[0] = img;
	disks[1] = NULL;
	/* Listing reads only: the image is byte-identical afterwards. */
	snprintf(other, sizeof(other), "%s/stick.copy", tmp);
	{
		const char *cp[] = { "cp", "--sparse=always", img, other, NULL };

		assert_int_equal(run(cp, NULL), 0);
	}
	assert_int_equal(wr_usbsave_drives(disks, NULL, &l, &d), WR_OK);
	{
		const char *cmp[] = { "cmp", "-s", img, other, NULL };

		assert_int_equal(run(cmp, NULL), 0);
		unlink(other);
	}
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].device, img);
	assert_int_equal(l.v[0].partition, 2);
	assert_string_equal(l.v[0].fstype, "ext4");
	assert_string_equal(l.v[0].label, "WRSTICK");
	assert_int_equal(l.v[0].size, 131072ULL * 512);
	assert_string_equal(l.v[0].dir, "");
	assert_int_equal(l.v[0].refuse, 0);
	/* A disk named twice is listed once. */
	{
		struct wr_usbsave_list twice = { 0, NULL };
		const char *two[] = { img, other, NULL };

		snprintf(other, sizeof(other), "%s/../%s/stick.img", tmp, strrchr(tmp, '/') + 1);
		assert_int_equal(wr_usbsave_drives(two, NULL, &twice, &d), WR_OK);
		assert_int_equal(twice.n, 1);
		wr_usbsave_list_release(&twice);
	}
	/* The target disk is never offered. */
	{
		struct wr_usbsave_list none = { 0, NULL };

		snprintf(other, sizeof(other), "%s/./stick.img", tmp);
		assert_int_equal(wr_usbsave_drives(disks, other, &none, &d), WR_OK);
		assert_int_equal(none.n, 0);
		wr_usbsave_list_release(&none);
	}

	/* Mounted in a private folder, written, unmounted. */
	assert_int_equal(wr_usbsave_open(&l.v[0], &m, &d), WR_OK);
	snprintf(dir, sizeof(dir), "%s", wr_usbsave_dir(m));
	snprintf(mounted, sizeof(mounted), "%s", dir);
	assert_int_equal(strncmp(dir, "/tmp/winrescue-save-", 20), 0);
	assert_true(is_mounted(dir));
	assert_int_equal(wr_usbsave_write(dir, "winrescue-test", &f, 1, made, sizeof(made), &d), WR_OK);
	assert_int_equal(wr_usbsave_close(m, &d), WR_OK);
	assert_false(is_mounted(dir));
	assert_int_equal(access(dir, F_OK), -1);

	/* Mounted again (it is not mounted, so the list says so): the file is there. */
	wr_usbsave_list_release(&l);
	assert_int_equal(wr_usbsave_drives(disks, NULL, &l, &d), WR_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(wr_usbsave_open(&l.v[0], &m, &d), WR_OK);
	snprintf(mounted, sizeof(mounted), "%s", wr_usbsave_dir(m));
	snprintf(path, sizeof(path), "%s/winrescue-test/report.txt", wr_usbsave_dir(m));
	got = slurp(path);
	assert_non_null(got);
	assert_string_equal(got, "saved on the stick\n");
	free(got);
	/* While it is mounted: listed with its mount point and free space. */
	{
		struct wr_usbsave_list mounts = { 0, NULL };
		bool seen = false;

		assert_int_equal(wr_usbsave_mounts(img, 2, &mounts, &d), WR_OK);
		for (size_t i = 0; i < mounts.n; i++) {
			if (strcmp(mounts.v[i].dir, wr_usbsave_dir(m)))
				continue;
			seen = true;
			assert_string_equal(mounts.v[i].label, "WRSTICK");
			assert_string_equal(mounts.v[i].fstype, "ext4");
			assert_true(mounts.v[i].size > 50ULL << 20);
			assert_true(mounts.v[i].free > 0 && mounts.v[i].free < mounts.v[i].size);
			/* It holds partition 2 of img, the "target" here: refused. */
			assert_int_equal(mounts.v[i].partition, 2);
			assert_int_equal(mounts.v[i].refuse, WR_ERR_DIR_ON_TARGET);
		}
		assert_true(seen);
		wr_usbsave_list_release(&mounts);
		/* Without a target, and read-only: refused as read-only. */
		assert_int_equal(mount(NULL, wr_usbsave_dir(m), NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
		assert_int_equal(wr_usbsave_mounts(NULL, 0, &mounts, &d), WR_OK);
		seen = false;
		for (size_t i = 0; i < mounts.n; i++)
			if (!strcmp(mounts.v[i].dir, wr_usbsave_dir(m))) {
				seen = true;
				assert_int_equal(mounts.v[i].refuse, WR_ERR_READ_ONLY);
			}
		assert_true(seen);
		wr_usbsave_list_release(&mounts);
	}
	snprintf(dir, sizeof(dir), "%s", wr_usbsave_dir(m));
	assert_int_equal(wr_usbsave_close(m, &d), WR_OK);
	assert_false(is_mounted(dir));
	wr_usbsave_list_release(&l);
}

static void test_refusals(void **state)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_usbsave_place p;
	struct wr_usbsave_mount *m = (struct wr_usbsave_mount *)&p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.refuse = WR_ERR_READ_ONLY;
	snprintf(p.dir, sizeof(p.dir), "/media/card");
	assert_int_equal(wr_usbsave_open(&p, &m, &d), WR_ERR_READ_ONLY);
	assert_null(m);
	assert_string_equal(d.subject, "/media/card");
	/* A place already mounted read-write is used as it is: nothing to unmount. */
	p.refuse = 0;
	snprintf(p.dir, sizeof(p.dir), "%s", tmp);
	assert_int_equal(wr_usbsave_open(&p, &m, &d), WR_OK);
	assert_string_equal(wr_usbsave_dir(m), tmp);
	assert_int_equal(wr_usbsave_close(m, &d), WR_OK);
	assert_int_equal(access(tmp, F_OK), 0);
	assert_int_equal(wr_usbsave_close(NULL, &d), WR_OK);
	assert_int_equal(wr_usbsave_mounts(0, 0, NULL, &d), WR_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_folder_and_files),
		cmocka_unit_test(test_drives_open_close),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
