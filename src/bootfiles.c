/*
 * bootfiles.c - the bcdboot equivalent: make an installed Windows bootable again.
 *
 * UEFI (GPT disk): the boot manager files of the installation's Windows\Boot\EFI
 * (and Windows\Boot\Fonts) go to \EFI\Microsoft\Boot on the EFI system partition,
 * bootmgfw.efi also to the fallback \EFI\Boot\bootx64.efi, and a new BCD store to
 * \EFI\Microsoft\Boot\BCD.  The ESP is FAT: it is written with mtools (mmd, mcopy with
 * "-i IMAGE@@OFFSET"), spawned with an argv array, so neither a mount nor root is
 * needed and disk images work like disks.  No library in the house writes FAT.
 *
 * BIOS (MBR disk): Windows\Boot\PCAT\bootmgr goes to the root of the system partition
 * (the active System Reserved partition, else the Windows partition itself), the
 * rest of Windows\Boot\PCAT (and Fonts) to \Boot, and the store to \Boot\BCD, through
 * the ntfs module.  Missing MBR or partition boot code and a missing active flag are
 * reported (plan fields), not written: the code bytes are Windows' own and the
 * partition table belongs to the disk module.
 *
 * An existing BCD is always kept beside the new one as BCD.winrescue-<date-time>,
 * written whole as BCD.winrescue-copy first and then renamed to that name.
 *
 * Write order, so that a kill (or power cut) at any point leaves a usable state and
 * running the repair again finishes it: the backup of the old BCD first; then the
 * boot manager files; then the new store is written whole under a temporary name
 * (BCD.winrescue-new) and only then renamed over BCD (mren -D o on the ESP; unlink
 * and rename through the ntfs module on NTFS, which has no replacing rename).  The
 * BCD is thus the old store or the new one, never a half-written one; the only gap
 * is inside that rename, where the complete new store is under the temporary name.
 * Test switch: WINRESCUE_FAULT_BOOT_AFTER=N kills the process (SIGKILL) after the
 * N-th of these steps (backup's temporary copy, backup, each file, temporary store,
 * [NTFS: old store removed,] rename).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"


#define BOOT_FILE_MAX (64u * 1024 * 1024)
#define MAX_FILES 4096
#define BCD_TMP_END ".winrescue-new"
#define BAK_TMP_END ".winrescue-copy"	/* the backup, until it is whole */

/* The kill-test switch (see the top of this file); its own variable, so a test of an
 * operation that calls this one with WINRESCUE_FAULT_AFTER is not cut here. */
static void fault_point(unsigned *steps, const char *what)
{
	const char *s = getenv("WINRESCUE_FAULT_BOOT_AFTER");
	unsigned n = s ? (unsigned)strtoul(s, NULL, 10) : 0;

	if (n && ++*steps >= n) {
		wr_log(WR_LOG_WARN, "fault injection: killed after %s", what);
		raise(SIGKILL);
	}
}

/* ---- helpers ------------------------------------------------------------------------ */

static void extent_of(const struct wr_disk *disk, const struct wr_partition *p,
		      struct wr_extent *ext)
{
	memset(ext, 0, sizeof(*ext));
	snprintf(ext->path, sizeof(ext->path), "%s", disk->path);
	ext->offset = p->start;
	ext->size = p->size;
	ext->partition = p->number;
	ext->is_block_device = !disk->is_image;
}

/* wr_strv_push, with a bound on how many boot files a folder may hold. */
static int strv_push(char ***v, size_t *n, const char *s)
{
	return *n >= MAX_FILES ? WR_ERR_TOO_LARGE : wr_strv_push(v, n, s);
}

/* Run a helper (mtools) with MTOOLS_SKIP_CHECK=1 (the FAT is inside a disk image,
 * whose geometry mtools would otherwise question) through wr_spawn, which logs its
 * output.  Returns WR_OK when it exited 0; else its first line is in the detail. */
static int run_tool(const char *const argv[], struct wr_detail *d)
{
	static const char *const env[] = { "MTOOLS_SKIP_CHECK=1", NULL };
	struct wr_spawn_opts o = { env, 512, 0 };
	struct wr_spawn_result r;
	int ret = wr_spawn(argv, &o, &r, d);

	if (!ret && r.status != 0) {
		char first[512] = "";

		if (r.out)
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(r.out, "\n"), r.out);
		ret = wr_detail_setf(d, WR_ERR_HELPER_FAILED, 0, argv[0], "%s", first);
	}
	wr_spawn_result_release(&r);
	return ret;
}

/* "-i" argument of mtools: the FAT volume inside the disk. */
static void mtools_image(const struct wr_bootfiles_plan *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s@@%llu", p->disk->path, (unsigned long long)p->system->start);
}

/* "::/EFI/Microsoft/Boot/BCD" from "EFI/Microsoft/Boot/BCD". */
static void fat_path(const char *rel, char *buf, size_t size)
{
	snprintf(buf, size, "::/%s", rel);
}

static bool read_zero(const char *path, uint64_t offset, size_t len)
{
	unsigned char buf[512];
	bool zero = true;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || len > sizeof(buf) || pread(fd, buf, len, (off_t)offset) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return false;	/* unknown: not reported as missing */
	}
	close(fd);
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			zero = false;
	return zero;
}

/* Add every file under src (on the Windows volume) as <dst>/<relative path>; the
 * names go to files as "src\tdst" pairs. */
static int collect(struct wr_ntfs *vol, const char *src, const char *dst, char ***files,
		   size_t *n, int depth, struct wr_detail *d)
{
	char **names = NULL;
	int ret;

	if (depth > 4)
		return WR_OK;
	ret = wr_ntfs_list(vol, src, &names, d);
	if (ret)
		return ret;
	for (char **s = names; *s && !ret; s++) {
		char sp[1024], dp[1024], pair[2100];
		struct wr_ntfs_stat st;

		if (strchr(*s, '/') || strchr(*s, '\\'))
			continue;
		snprintf(sp, sizeof(sp), "%s/%s", src, *s);
		snprintf(dp, sizeof(dp), "%s/%s", dst, *s);
		if (wr_ntfs_stat(vol, sp, &st, NULL) || st.is_reparse)
			continue;
		if (st.is_dir) {
			ret = collect(vol, sp, dp, files, n, depth + 1, d);
		} else {
			snprintf(pair, sizeof(pair), "%s\t%s", sp, dp);
			ret = strv_push(files, n, pair);
		}
	}
	wr_ntfs_list_free(names);
	return ret;
}

static const struct wr_partition *find_part(const struct wr_disk *disk, unsigned number)
{
	for (size_t i = 0; i < disk->nparts; i++)
		if (disk->parts[i].number == number)
			return &disk->parts[i];
	return NULL;
}

/* The partition holding WinRE (ReAgent.xml's WinreLocation) when Winre.wim is there. */
static void find_winre(struct wr_bootfiles_plan *p, const struct wr_windows *w)
{
	const struct wr_reagent_location *loc = &w->reagent.winre;

	if (!w->has_reagent || !loc->present || !loc->path[0])
		return;
	for (size_t i = 0; i < p->disk->nparts; i++) {
		const struct wr_partition *part = &p->disk->parts[i];
		struct wr_detail d = WR_DETAIL_INIT;
		struct wr_extent ext;
		struct wr_ntfs *vol = NULL;
		struct wr_ntfs_stat st;
		char path[1100];

		if (part->start != loc->offset)
			continue;
		extent_of(p->disk, part, &ext);
		if (wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d)) {
			wr_log_err("bootfiles: open the WinRE partition", WR_ERR_OPEN, &d);
			return;
		}
		snprintf(path, sizeof(path), "%s\\Winre.wim", loc->path);
		if (!wr_ntfs_stat(vol, path, &st, NULL) && !st.is_dir) {
			p->winre = true;
			p->winre_part = part;
			snprintf(p->winre_dir, sizeof(p->winre_dir), "%s", loc->path);
			snprintf(p->winre_guid, sizeof(p->winre_guid), "%.39s",
				 w->reagent.winre_bcd_id);
		}
		wr_ntfs_close(vol);
		return;
	}
	wr_log(WR_LOG_WARN, "bootfiles: no partition starts at WinRE's offset %llu",
	       (unsigned long long)loc->offset);
}

/* ---- plan --------------------------------------------------------------------------- */

void wr_bootfiles_plan_release(struct wr_bootfiles_plan *p)
{
	if (!p)
		return;
	wr_disk_free(p->disk);
	wr_strv_free(p->files);
	memset(p, 0, sizeof(*p));
}

/* Does the old BCD exist (copy it to host when so)?  UEFI through mcopy, BIOS
 * through the ntfs module. */
static int fetch_old_bcd(struct wr_bootfiles_plan *p, const char *host, struct wr_detail *d)
{
	if (p->efi) {
		char img[4200], src[128];
		struct wr_detail dd = WR_DETAIL_INIT;

		mtools_image(p, img, sizeof(img));
		fat_path(p->bcd_path, src, sizeof(src));
		const char *argv[] = { "mcopy", "-n", "-i", img, src, host, NULL };

		p->bcd_exists = run_tool(argv, &dd) == WR_OK;
		if (!p->bcd_exists && dd.sys_errno == ENOENT && !strcmp(dd.subject, "mcopy"))
			return wr_detail_set(d, WR_ERR_SPAWN, ENOENT, "mcopy");
		return WR_OK;
	} else {
		struct wr_extent ext;
		struct wr_ntfs *vol = NULL;
		struct wr_ntfs_stat st;
		int ret;

		extent_of(p->disk, p->system, &ext);
		ret = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, d);
		if (ret)
			return ret;
		p->bcd_exists = !wr_ntfs_stat(vol, p->bcd_path, &st, NULL) && !st.is_dir;
		if (p->bcd_exists)
			ret = wr_ntfs_copy_out(vol, p->bcd_path, host, d);
		wr_ntfs_close(vol);
		return ret;
	}
}

int wr_bootfiles_plan(const char *disk_path, unsigned win_part, struct wr_bootfiles_plan *p,
		      struct wr_detail *d)
{
	struct wr_ntfs *vol = NULL;
	struct wr_windows *w = NULL;
	struct wr_extent ext;
	struct wr_ntfs_stat st;
	char tmpdir[] = "/tmp/winrescue-boot-XXXXXX", host[64];
	bool have_tmp = false;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = wr_disk_read(disk_path, &p->disk, d);
	if (ret)
		goto out;
	if (p->disk->table != WR_TABLE_GPT && p->disk->table != WR_TABLE_MBR) {
		ret = wr_detail_set(d, WR_ERR_NO_PARTITION_TABLE, 0, disk_path);
		goto out;
	}
	p->windows = find_part(p->disk, win_part);
	if (!p->windows) {
		ret = wr_detail_set(d, WR_ERR_NO_SUCH_PARTITION, 0, disk_path);
		goto out;
	}
	p->efi = p->disk->table == WR_TABLE_GPT;

	/* The installation: its version, language, WinRE and boot manager files. */
	extent_of(p->disk, p->windows, &ext);
	ret = wr_blockdev_check_unmounted(&ext, d);
	if (ret)
		goto out;
	ret = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, d);
	if (ret == WR_ERR_NOT_NTFS || ret == WR_ERR_OPEN) {
		struct wr_fs_info fs;

		if (!wr_disk_probe_fs(&ext, &fs, NULL) && !strcmp(fs.fstype, "BitLocker"))
			ret = wr_detail_set(d, WR_ERR_BITLOCKER, 0, ext.path);
		else
			ret = wr_detail_set(d, WR_ERR_NO_WINDOWS, 0, ext.path);
	}
	if (ret)
		goto out;
	ret = wr_winsys_read(vol, &w, d);
	if (ret)
		goto out;
	snprintf(p->product, sizeof(p->product), "%s",
		 w->marketing_name[0] ? w->marketing_name : "Windows");
	snprintf(p->locale, sizeof(p->locale), "%s",
		 w->default_language[0] ? w->default_language : "en-US");
	{
		const char *src = p->efi ? "Windows/Boot/EFI" : "Windows/Boot/PCAT";
		const char *need = p->efi ? "Windows/Boot/EFI/bootmgfw.efi"
					  : "Windows/Boot/PCAT/bootmgr";

		if (wr_ntfs_stat(vol, need, &st, NULL) || st.is_dir) {
			ret = wr_detail_set(d, WR_ERR_NOT_FOUND, 0, need);
			goto out;
		}
		if (p->efi) {
			ret = collect(vol, src, "EFI/Microsoft/Boot", &p->files, &p->nfiles, 0, d);
			/* The firmware's fallback loader, named for the architecture. */
			const char *fallback =
				w->arch == WR_ARCH_X86     ? "Windows/Boot/EFI/bootmgfw.efi\tEFI/Boot/bootia32.efi"
				: w->arch == WR_ARCH_ARM64 ? "Windows/Boot/EFI/bootmgfw.efi\tEFI/Boot/bootaa64.efi"
				: w->arch == WR_ARCH_ARM   ? "Windows/Boot/EFI/bootmgfw.efi\tEFI/Boot/bootarm.efi"
							   : "Windows/Boot/EFI/bootmgfw.efi\tEFI/Boot/bootx64.efi";

			if (!ret)
				ret = strv_push(&p->files, &p->nfiles, fallback);
		} else {
			ret = collect(vol, src, "Boot", &p->files, &p->nfiles, 0, d);
			/* bootmgr goes to the root, not to \Boot. */
			for (size_t i = 0; !ret && i < p->nfiles; i++)
				if (!strcasecmp(p->files[i], "Windows/Boot/PCAT/bootmgr\tBoot/bootmgr")) {
					free(p->files[i]);
					p->files[i] = strdup("Windows/Boot/PCAT/bootmgr\tbootmgr");
					if (!p->files[i])
						ret = WR_ERR_NOMEM;
				}
		}
		if (!ret && !wr_ntfs_stat(vol, "Windows/Boot/Fonts", &st, NULL) && st.is_dir)
			ret = collect(vol, "Windows/Boot/Fonts",
				      p->efi ? "EFI/Microsoft/Boot/Fonts" : "Boot/Fonts", &p->files,
				      &p->nfiles, 0, d);
		if (ret)
			goto out;
	}
	find_winre(p, w);

	/* The system partition. */
	if (p->efi) {
		for (size_t i = 0; i < p->disk->nparts && !p->system; i++)
			if (p->disk->parts[i].role == WR_ROLE_ESP)
				p->system = &p->disk->parts[i];
		if (!p->system) {
			ret = wr_detail_set(d, WR_ERR_NO_ESP, 0, disk_path);
			goto out;
		}
		snprintf(p->bcd_path, sizeof(p->bcd_path), "EFI/Microsoft/Boot/BCD");
	} else {
		bool any_active = false;

		for (size_t i = 0; i < p->disk->nparts; i++) {
			const struct wr_partition *q = &p->disk->parts[i];

			any_active |= q->active;
			if (q->active && !p->system && q != p->windows &&
			    (q->role == WR_ROLE_SYSTEM_RESERVED ||
			     (!strcmp(q->fstype, "ntfs") && q->role != WR_ROLE_WINDOWS &&
			      q->role != WR_ROLE_RECOVERY)))
				p->system = q;
		}
		if (!p->system)
			p->system = p->windows;
		p->set_active = !any_active;
		snprintf(p->bcd_path, sizeof(p->bcd_path), "Boot/BCD");
		p->mbr_code_missing = read_zero(p->disk->path, 0, 440);
		/* NTFS boot code: after the BPB (0x54) up to the signature (0x1fe). */
		p->pbr_code_missing = read_zero(p->disk->path, p->system->start + 0x54,
						0x1fe - 0x54);
	}
	extent_of(p->disk, p->system, &ext);
	ret = wr_blockdev_check_unmounted(&ext, d);
	if (ret)
		goto out;

	/* The old store: is it there, can it be read (for the person's information). */
	if (!mkdtemp(tmpdir)) {
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, "/tmp");
		goto out;
	}
	have_tmp = true;
	snprintf(host, sizeof(host), "%s/old-BCD", tmpdir);
	ret = fetch_old_bcd(p, host, d);
	if (ret)
		goto out;
	p->old_bcd_err = WR_ERR_NOT_FOUND;
	if (p->bcd_exists) {
		struct wr_bcd *old = NULL;
		struct wr_detail dd = WR_DETAIL_INIT;

		p->old_bcd_err = wr_bcd_read(host, false, &old, &dd);
		wr_bcd_free(old);
	}
	{
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(p->backup_name, sizeof(p->backup_name), "BCD.winrescue-%Y%m%d-%H%M%S",
			 &tm);
	}
out:
	if (have_tmp) {
		unlink(host);
		rmdir(tmpdir);
	}
	wr_windows_free(w);
	wr_ntfs_close(vol);
	if (ret)
		wr_bootfiles_plan_release(p);
	return ret;
}

/* ---- run ---------------------------------------------------------------------------- */

static void bcd_partition(const struct wr_disk *disk, const struct wr_partition *part,
			  struct wr_bcd_partition *out)
{
	memset(out, 0, sizeof(*out));
	out->gpt = disk->table == WR_TABLE_GPT;
	if (out->gpt) {
		snprintf(out->disk_guid, sizeof(out->disk_guid), "%s", disk->disk_guid);
		snprintf(out->part_guid, sizeof(out->part_guid), "%s", part->uuid);
	} else {
		out->mbr_signature = disk->mbr_signature;
		out->offset = part->start;
	}
}

static int progress_item(wr_progress_fn fn, void *ctx, uint64_t done, uint64_t total)
{
	union wr_prog_info info;

	memset(&info, 0, sizeof(info));
	info.amount.done = done;
	info.amount.total = total;
	return wr_prog_report(fn, ctx, WR_PROG_ITEMS, &info);
}

/* Parent folders of rel ("EFI/Microsoft/Boot/en-US/x" -> EFI, EFI/Microsoft, ...). */
static int fat_mkdirs(const char *img, const char *rel, struct wr_detail *d)
{
	char dir[1024];

	(void)d;
	for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
		char fp[1100];
		struct wr_detail dd = WR_DETAIL_INIT;

		snprintf(dir, sizeof(dir), "%.*s", (int)(s - rel), rel);
		fat_path(dir, fp, sizeof(fp));
		const char *argv[] = { "mmd", "-D", "s", "-i", (char *)img, fp, NULL };

		run_tool(argv, &dd);	/* an existing folder is fine */
	}
	return WR_OK;
}

static int run_efi(struct wr_bootfiles_plan *p, struct wr_ntfs *win, const char *tmpdir,
		   const char *newbcd, wr_progress_fn fn, void *ctx, struct wr_detail *d)
{
	char img[4200], host[128], dst[1100], tmp[1120];
	unsigned steps = 0;
	int ret = WR_OK;

	mtools_image(p, img, sizeof(img));
	snprintf(host, sizeof(host), "%s/file", tmpdir);

	/* Back up the old store first: nothing else is changed before that worked. */
	if (p->bcd_exists) {
		char old[128], bak[128];

		snprintf(old, sizeof(old), "%s/old-BCD", tmpdir);
		fat_path(p->bcd_path, dst, sizeof(dst));
		const char *get[] = { "mcopy", "-n", "-i", img, dst, old, NULL };

		ret = run_tool(get, d);
		if (ret)
			return ret;
		/* Never over an earlier backup (a rerun within the same second after a
		 * kill would otherwise replace the old store's copy with the new store). */
		for (unsigned n = 1, base = (unsigned)strlen(p->backup_name); n < 100; n++) {
			struct wr_detail dd = WR_DETAIL_INIT;

			snprintf(bak, sizeof(bak), "::/EFI/Microsoft/Boot/%s", p->backup_name);
			const char *ls[] = { "mdir", "-b", "-i", img, bak, NULL };

			if (run_tool(ls, &dd) != WR_OK)
				break;	/* not there: the name is free */
			snprintf(p->backup_name + base, sizeof(p->backup_name) - base, "-%02u", n);
		}
		snprintf(bak, sizeof(bak), "::/EFI/Microsoft/Boot/%s", p->backup_name);
		snprintf(tmp, sizeof(tmp), "::/EFI/Microsoft/Boot/BCD" BAK_TMP_END);
		/* Whole under a temporary name first, then renamed: a backup name never
		 * holds a half-written copy. */
		const char *put[] = { "mcopy", "-D", "o", "-i", img, old, tmp, NULL };
		const char *ren[] = { "mren", "-D", "o", "-i", img, tmp, bak, NULL };

		ret = run_tool(put, d);
		if (ret)
			return ret;
		fault_point(&steps, "the BCD backup's temporary copy");
		ret = run_tool(ren, d);
		if (ret)
			return ret;
		fault_point(&steps, "the BCD backup");
	}
	for (size_t i = 0; i < p->nfiles; i++) {
		char src[1024], *tab;

		snprintf(src, sizeof(src), "%s", p->files[i]);
		tab = strchr(src, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		ret = wr_ntfs_copy_out(win, src, host, d);
		if (ret)
			return ret;
		fat_mkdirs(img, tab + 1, d);
		fat_path(tab + 1, dst, sizeof(dst));
		const char *argv[] = { "mcopy", "-D", "o", "-i", img, host, dst, NULL };

		ret = run_tool(argv, d);
		unlink(host);
		if (ret)
			return ret;
		fault_point(&steps, "a boot file");
		ret = progress_item(fn, ctx, i + 1, p->nfiles + 1);
		if (ret)
			return ret;
	}
	/* The new store whole under a temporary name, then renamed over the old one. */
	fat_mkdirs(img, p->bcd_path, d);
	fat_path(p->bcd_path, dst, sizeof(dst));
	snprintf(tmp, sizeof(tmp), "%s" BCD_TMP_END, dst);
	const char *put[] = { "mcopy", "-D", "o", "-i", img, newbcd, tmp, NULL };

	ret = run_tool(put, d);
	if (ret)
		return ret;
	fault_point(&steps, "the new BCD under its temporary name");
	const char *ren[] = { "mren", "-D", "o", "-i", img, tmp, dst, NULL };

	ret = run_tool(ren, d);
	if (ret)
		return ret;
	fault_point(&steps, "renaming the new BCD");
	return progress_item(fn, ctx, p->nfiles + 1, p->nfiles + 1);
}

static int ntfs_mkdirs(struct wr_ntfs *vol, const char *rel, struct wr_detail *d)
{
	char dir[1024];

	for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
		struct wr_ntfs_stat st;
		int ret;

		snprintf(dir, sizeof(dir), "%.*s", (int)(s - rel), rel);
		if (!wr_ntfs_stat(vol, dir, &st, NULL)) {
			if (!st.is_dir)
				return wr_detail_set(d, WR_ERR_EXISTS, 0, dir);
			continue;
		}
		ret = wr_ntfs_mkdir(vol, dir, d);
		if (ret)
			return ret;
	}
	return WR_OK;
}

static int run_bios(struct wr_bootfiles_plan *p, struct wr_ntfs *win, struct wr_ntfs *sys,
		    const char *newbcd, wr_progress_fn fn, void *ctx, struct wr_detail *d)
{
	void *buf = NULL;
	size_t len = 0;
	unsigned steps = 0;
	int ret = WR_OK;

	if (p->bcd_exists) {
		char bak[128], tmp[128];
		bool dropped = false;

		/* Never over an earlier backup (see run_efi). */
		for (unsigned n = 1, base = (unsigned)strlen(p->backup_name); n < 100; n++) {
			struct wr_ntfs_stat st;

			snprintf(bak, sizeof(bak), "Boot/%s", p->backup_name);
			if (wr_ntfs_stat(sys, bak, &st, NULL) != WR_OK)
				break;
			snprintf(p->backup_name + base, sizeof(p->backup_name) - base, "-%02u", n);
		}
		snprintf(bak, sizeof(bak), "Boot/%s", p->backup_name);
		snprintf(tmp, sizeof(tmp), "Boot/BCD" BAK_TMP_END);
		/* Whole under a temporary name and flushed, then renamed: a kill inside
		 * the write leaves a damaged temporary copy (rewritten by the next run),
		 * never a backup name holding half of the old store. */
		if (wr_ntfs_drop_stray_entry(sys, tmp, &dropped, NULL) == WR_OK && dropped)
			wr_log(WR_LOG_WARN, "boot: dropped a stray entry of %s", tmp);
		ret = wr_ntfs_read_file(sys, p->bcd_path, BOOT_FILE_MAX, &buf, &len, d);
		if (!ret)
			ret = wr_ntfs_write_file(sys, tmp, buf, len, d);
		free(buf);
		buf = NULL;
		if (!ret)
			ret = wr_ntfs_sync(sys, d);
		if (!ret)
			fault_point(&steps, "the BCD backup's temporary copy");
		if (!ret)
			ret = wr_ntfs_move(sys, tmp, bak, d);
		if (!ret)
			ret = wr_ntfs_sync(sys, d);
		if (ret)
			return ret;
		fault_point(&steps, "the BCD backup");
	}
	for (size_t i = 0; i < p->nfiles; i++) {
		char src[1024], *tab;

		snprintf(src, sizeof(src), "%s", p->files[i]);
		tab = strchr(src, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		ret = wr_ntfs_read_file(win, src, BOOT_FILE_MAX, &buf, &len, d);
		if (!ret)
			ret = ntfs_mkdirs(sys, tab + 1, d);
		if (!ret)
			ret = wr_ntfs_write_file(sys, tab + 1, buf, len, d);
		free(buf);
		buf = NULL;
		if (!ret)
			fault_point(&steps, "a boot file");
		if (!ret)
			ret = progress_item(fn, ctx, i + 1, p->nfiles + 1);
		if (ret)
			return ret;
	}
	{
		FILE *f = fopen(newbcd, "rb");
		char tmp[sizeof(p->bcd_path) + sizeof(BCD_TMP_END)];
		struct wr_ntfs_stat st;
		struct stat sb;

		if (!f || fstat(fileno(f), &sb) || !(buf = malloc((size_t)sb.st_size + 1)) ||
		    fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
			if (f)
				fclose(f);
			free(buf);
			return wr_detail_set(d, WR_ERR_READ, errno, newbcd);
		}
		fclose(f);
		/* The new store whole under a temporary name and flushed; then the old
		 * name goes and the new store takes it (no replacing rename on NTFS). */
		snprintf(tmp, sizeof(tmp), "%s" BCD_TMP_END, p->bcd_path);
		ret = ntfs_mkdirs(sys, p->bcd_path, d);
		if (!ret)
			ret = wr_ntfs_write_file(sys, tmp, buf, (size_t)sb.st_size, d);
		free(buf);
		if (!ret)
			ret = wr_ntfs_sync(sys, d);
		if (ret)
			return ret;
		fault_point(&steps, "the new BCD under its temporary name");
		if (!wr_ntfs_stat(sys, p->bcd_path, &st, NULL)) {
			ret = wr_ntfs_unlink(sys, p->bcd_path, d);
			if (!ret)
				fault_point(&steps, "removing the old BCD");
		}
		if (!ret)
			ret = wr_ntfs_move(sys, tmp, p->bcd_path, d);
		if (!ret)
			ret = wr_ntfs_sync(sys, d);
		if (!ret)
			fault_point(&steps, "renaming the new BCD");
	}
	if (!ret)
		ret = progress_item(fn, ctx, p->nfiles + 1, p->nfiles + 1);
	return ret;
}

int wr_bootfiles_run(struct wr_bootfiles_plan *p, wr_progress_fn fn, void *ctx,
		     struct wr_detail *d)
{
	char tmpdir[] = "/tmp/winrescue-boot-XXXXXX", newbcd[64];
	struct wr_blockdev_lock *lock = NULL;
	struct wr_ntfs *win = NULL, *sys = NULL;
	struct wr_extent ext;
	struct wr_bcd_spec s;
	int ret;

	if (!p || !p->disk || !p->windows || !p->system)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "bootfiles plan");
	if (!mkdtemp(tmpdir))
		return wr_detail_set(d, WR_ERR_WRITE, errno, "/tmp");
	snprintf(newbcd, sizeof(newbcd), "%s/BCD", tmpdir);

	extent_of(p->disk, p->system, &ext);
	ret = wr_blockdev_lock(&ext, &lock, d);
	if (ret)
		goto out;

	memset(&s, 0, sizeof(s));
	s.efi = p->efi;
	bcd_partition(p->disk, p->system, &s.boot);
	bcd_partition(p->disk, p->windows, &s.windows);
	s.locale = p->locale;
	s.description = p->product;
	s.timeout = 30;
	if (p->winre) {
		s.winre = true;
		bcd_partition(p->disk, p->winre_part, &s.winre_part);
		s.winre_dir = p->winre_dir;
		s.winre_guid = p->winre_guid;
	}
	ret = wr_bcd_write(newbcd, &s, d);
	if (ret)
		goto out;

	extent_of(p->disk, p->windows, &ext);
	if (p->efi) {
		ret = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &win, d);
		if (!ret)
			ret = run_efi(p, win, tmpdir, newbcd, fn, ctx, d);
	} else if (p->system == p->windows) {
		ret = wr_ntfs_open(&ext, WR_NTFS_RDWR, &win, d);
		if (!ret)
			ret = run_bios(p, win, win, newbcd, fn, ctx, d);
	} else {
		struct wr_extent sext;

		extent_of(p->disk, p->system, &sext);
		ret = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &win, d);
		if (!ret)
			ret = wr_ntfs_open(&sext, WR_NTFS_RDWR, &sys, d);
		if (!ret)
			ret = run_bios(p, win, sys, newbcd, fn, ctx, d);
	}
	wr_ntfs_close(sys);
	wr_ntfs_close(win);
	sys = win = NULL;
	/* BIOS: the partition holding bootmgr must be the active one. */
	if (!ret && !p->efi && p->set_active)
		ret = wr_disk_set_active(p->disk->path, p->system->number, d);
out:
	wr_ntfs_close(sys);
	wr_ntfs_close(win);
	wr_blockdev_unlock(lock);
	{
		char f[96];

		snprintf(f, sizeof(f), "%s/file", tmpdir);
		unlink(f);
		snprintf(f, sizeof(f), "%s/old-BCD", tmpdir);
		unlink(f);
		unlink(newbcd);
		rmdir(tmpdir);
	}
	if (ret)
		wr_log_err("bootfiles: rebuild", ret, d);
	return ret;
}

int wr_bootfiles_rebuild(const char *disk_path, unsigned win_part, wr_progress_fn fn,
			 void *ctx, struct wr_detail *d)
{
	struct wr_bootfiles_plan p;
	int ret = wr_bootfiles_plan(disk_path, win_part, &p, d);

	if (ret)
		return ret;
	ret = wr_bootfiles_run(&p, fn, ctx, d);
	wr_bootfiles_plan_release(&p);
	return ret;
}
