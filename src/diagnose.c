/*
 * diagnose.c - findings about a PC from one inspection: disk health (SMART), volume
 * state, registry hives and their RegBack copies, pending servicing, Startup Repair's
 * last result, the boot path (firmware, ESP, boot manager, BCD, MBR) and which
 * recovery options will work.  Read-only: volumes are opened read-only, hives and the
 * BCD are copied into a private temporary folder and read there.
 *
 * Each finding carries an English sentence (N_(), positional %1$s..%3$s filled from
 * its args), an advised action and a technical line; the front end translates.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "intl.h"
#include "winrescue.h"


/* snprintf where cutting a long path or message short is intended. */
#define fmt_cut(...)                                                                               \
	do {                                                                                       \
		int n_ = snprintf(__VA_ARGS__);                                                    \
		(void)n_;                                                                          \
	} while (0)

#define EFIVAR_SECUREBOOT "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define LOW_FREE_BYTES	  (2ull * 1024 * 1024 * 1024)
#define SRTTRAIL_MAX	  (4u * 1024 * 1024)

static const char *const hive_names[] = {"SYSTEM", "SOFTWARE", "SAM", "SECURITY", "DEFAULT", NULL};

/* Finding ids that are never in the support code (all-clear and facts). */
static const char *const ok_ids[] = {
    "disk.smart.ok",
    "disk.smart.none",
    "disk.smart.unavailable",
    "volume.ok",
    "registry.ok",
    "install.found",
    "install.refresh.available",
    "boot.firmware",
    "boot.esp.ok",
    "boot.bcd.ok",
    "boot.mbr.ok",
    "disk.surface.ok",
    NULL,
};

struct diag_ctx {
	const struct wr_inspection *in;
	const struct wr_diagnose_opts *o;
	struct wr_diagnosis *dg;
	char tmpdir[64];
	unsigned tmpseq;
};

/* ------------------------------------------------------------------------- */
/* names                                                                      */

const char *wr_severity_name(enum wr_severity s)
{
	switch (s) {
	case WR_SEV_OK:
		return "ok";
	case WR_SEV_WARNING:
		return "warning";
	case WR_SEV_PROBLEM:
		return "problem";
	case WR_SEV_CRITICAL:
		return "critical";
	}
	return "unknown";
}

static const struct {
	const char *name;
	const char *text;
} advice_table[WR_ADVICE__COUNT] = {
    [WR_ADVICE_NONE] = {"none", ""},
    [WR_ADVICE_BACKUP] = {"backup",
			  N_("Back up your files first: this disk is failing. Copy what matters to "
			     "another disk before anything else, then replace this disk.")},
    [WR_ADVICE_REFRESH] = {"refresh", N_("Refresh Windows (your files and accounts are kept).")},
    [WR_ADVICE_RESET] = {"reset",
			 N_("Reset Windows (everything on the Windows partition is removed).")},
    [WR_ADVICE_REPAIR_BOOT] =
	{"repair-boot", N_("Use \"Repair start-up\" (winrescue repair boot): it writes new boot "
			   "files and a new boot configuration.")},
    [WR_ADVICE_REPAIR_HIBERNATION] =
	{"repair-hibernation",
	 N_("Best: start Windows once and shut it down normally. If Windows does not "
	    "start, use \"Discard hibernation\" (winrescue repair hibernation): the "
	    "programs and documents that were open are lost.")},
    [WR_ADVICE_REPAIR_REGISTRY] =
	{"repair-registry",
	 N_("Use \"Restore the registry\" (winrescue repair registry): the damaged "
	    "hives are set aside and replaced by the backup copies.")},
    [WR_ADVICE_CLEAR_DIRTY] =
	{"clear-dirty", N_("Let Windows check the disk when it starts (chkdsk). Clearing the mark "
			   "here skips that check; do it only if Windows cannot start.")},
    [WR_ADVICE_FULL_SHUTDOWN] =
	{"full-shutdown", N_("Start Windows and shut it down while holding the Shift key (a full "
			     "shutdown). winrescue cannot safely discard a Fast Startup state.")},
    [WR_ADVICE_BITLOCKER_KEY] =
	{"bitlocker-key",
	 N_("Unlock the drive in Windows with its BitLocker recovery key (48 digits; "
	    "often saved in the owner's Microsoft account). winrescue cannot read an "
	    "encrypted drive.")},
    [WR_ADVICE_MEDIA] = {"media",
			 N_("Get Windows installation media of the same version, edition and "
			    "architecture (a USB stick or DVD) and connect it.")},
    [WR_ADVICE_FREE_SPACE] =
	{"free-space", N_("Free some space on the Windows partition (move large files to another "
			  "disk) before a refresh.")},
    [WR_ADVICE_SCAN] = {"scan", N_("Run the surface scan (winrescue scan) to check the disk.")},
    [WR_ADVICE_FIRMWARE] =
	{"firmware", N_("Check the PC's firmware settings: this disk starts only in the other "
			"start-up mode (UEFI or legacy BIOS).")},
};

const char *wr_advice_name(enum wr_advice a)
{
	return (unsigned)a < WR_ADVICE__COUNT ? advice_table[a].name : "none";
}

const char *wr_advice_text(enum wr_advice a)
{
	return (unsigned)a < WR_ADVICE__COUNT ? advice_table[a].text : "";
}

/* ------------------------------------------------------------------------- */
/* findings                                                                   */

static const char *known_id(const char *id)
{
	const char *const *coded = wr_diagnose_ids();

	for (size_t i = 0; coded[i]; i++)
		if (!strcmp(coded[i], id))
			return coded[i];
	for (size_t i = 0; ok_ids[i]; i++)
		if (!strcmp(ok_ids[i], id))
			return ok_ids[i];
	return NULL;
}

int wr_diagnose_add(struct wr_diagnosis *dg, const char *id, enum wr_severity sev,
		    const char *msgid, enum wr_advice advice, const char *where, const char *a1,
		    const char *a2, const char *a3, const char *tech_fmt, ...)
{
	const char *args[WR_FINDING_ARGS] = {a1, a2, a3};
	struct wr_finding *f, *v;
	const char *kid;
	va_list ap;

	if (!dg || !id || !(kid = known_id(id)) || (unsigned)sev > WR_SEV_CRITICAL ||
	    (unsigned)advice >= WR_ADVICE__COUNT)
		return WR_ERR_INVALID_ARG;
	v = realloc(dg->v, (dg->n + 1) * sizeof(*v));
	if (!v)
		return WR_ERR_NOMEM;
	dg->v = v;
	f = &dg->v[dg->n++];
	memset(f, 0, sizeof(*f));
	f->id = kid;
	f->severity = sev;
	f->msgid = msgid ? msgid : "";
	f->advice = advice;
	for (int i = 0; i < WR_FINDING_ARGS; i++)
		snprintf(f->args[i], sizeof(f->args[i]), "%s", args[i] ? args[i] : "");
	snprintf(f->where, sizeof(f->where), "%s", where ? where : "");
	if (tech_fmt) {
		va_start(ap, tech_fmt);
		vsnprintf(f->tech, sizeof(f->tech), tech_fmt, ap);
		va_end(ap);
	}
	wr_log(sev >= WR_SEV_PROBLEM ? WR_LOG_WARN : WR_LOG_INFO, "diagnose: %s %s [%s] %s",
	       wr_severity_name(sev), id, f->where, f->tech);
	return WR_OK;
}

void wr_diagnose_finish(struct wr_diagnosis *dg)
{
	const char **ids;
	size_t nids = 0;

	if (!dg)
		return;
	/* Worst first; insertion sort keeps the order of equals (checks run in a
	 * meaningful order: disk, volume, registry, boot, installation). */
	for (size_t i = 1; i < dg->n; i++) {
		struct wr_finding tmp = dg->v[i];
		size_t j = i;

		while (j > 0 && dg->v[j - 1].severity < tmp.severity) {
			dg->v[j] = dg->v[j - 1];
			j--;
		}
		dg->v[j] = tmp;
	}
	dg->worst = WR_SEV_OK;
	ids = calloc(dg->n + 1, sizeof(*ids));
	for (size_t i = 0; i < dg->n; i++) {
		if (dg->v[i].severity > dg->worst)
			dg->worst = dg->v[i].severity;
		if (ids && dg->v[i].severity > WR_SEV_OK)
			ids[nids++] = dg->v[i].id;
	}
	if (wr_diagnose_encode(dg->worst, ids, nids, dg->code, sizeof(dg->code)))
		dg->code[0] = '\0';
	free(ids);
}

void wr_diagnosis_release(struct wr_diagnosis *dg)
{
	if (!dg)
		return;
	free(dg->v);
	memset(dg, 0, sizeof(*dg));
}

/* ------------------------------------------------------------------------- */
/* helpers                                                                    */

static void where_of(const char *path, unsigned partition, char *buf, size_t size)
{
	if (partition)
		fmt_cut(buf, size, "%.480s partition %u", path, partition);
	else
		fmt_cut(buf, size, "%.500s", path);
}

static void tmp_path(struct diag_ctx *c, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%u-%s", c->tmpdir, c->tmpseq++, name);
}

/* A program by name in PATH, /usr/sbin or /sbin (fsck.fat lives in sbin, which a
 * normal user's PATH may lack). */
static bool find_program(const char *name, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	char dirs[4096];

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
	for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, size, "%s/%s", dir, name);
		if (!access(buf, X_OK))
			return true;
	}
	return false;
}

/* Run argv (argv[0] a program name) with stdin from /dev/null and stdout+stderr
 * captured (at most size-1 bytes kept, NUL-terminated).  *status: exit status, or
 * -1 when it did not exit normally.  WR_ERR_SPAWN when the program is missing. */
static int run_program(char *const argv[], bool mtools, char *out, size_t size, int *status)
{
	/* mtools refuses FAT images whose geometry it does not like unless told. */
	static const char *const mt_env[] = { "MTOOLS_SKIP_CHECK=1", NULL };
	struct wr_spawn_opts o = { mtools ? mt_env : NULL, size ? size - 1 : 1, 0 };
	struct wr_spawn_result r;
	const char *args[32];
	char prog[4096];
	size_t n = 0;
	int ret;

	*status = -1;
	if (size)
		out[0] = '\0';
	if (!find_program(argv[0], prog, sizeof(prog)))
		return WR_ERR_SPAWN;
	args[n++] = prog;	/* found in PATH or the sbin folders */
	for (size_t i = 1; argv[i] && n + 1 < sizeof(args) / sizeof(args[0]); i++)
		args[n++] = argv[i];
	args[n] = NULL;
	ret = wr_spawn(args, &o, &r, NULL);
	if (!ret) {
		*status = r.status;
		if (size && r.out)
			snprintf(out, size, "%s", r.out);
	}
	wr_spawn_result_release(&r);
	return ret ? WR_ERR_SPAWN : WR_OK;
}

/* The first line of a program's output, for a technical line. */
static void first_lines(const char *s, char *buf, size_t size, unsigned lines)
{
	size_t o = 0;

	for (; *s && o + 1 < size; s++) {
		if (*s == '\n') {
			if (!--lines)
				break;
			buf[o++] = ' ';
			continue;
		}
		buf[o++] = (*s == '\r' || *s == '\t') ? ' ' : *s;
	}
	buf[o] = '\0';
}

/* Copy size bytes at offset of path into a new host file, leaving zero runs as holes
 * (an ESP of an image is mostly empty). */
static int extract_extent(const struct wr_extent *ext, const char *dst, struct wr_detail *d)
{
	enum { CHUNK = 1 << 20 };
	int in = -1, out = -1, ret = WR_OK;
	char *buf = NULL;
	uint64_t done = 0;

	buf = malloc(CHUNK);
	if (!buf)
		return wr_detail_set(d, WR_ERR_NOMEM, 0, dst);
	in = open(ext->path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, ext->path);
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, dst);
		goto out;
	}
	while (done < ext->size) {
		size_t want = ext->size - done < CHUNK ? (size_t)(ext->size - done) : CHUNK;
		ssize_t n = pread(in, buf, want, (off_t)(ext->offset + done));
		bool zero = true;

		if (n <= 0) {
			ret = wr_detail_setf(d, WR_ERR_READ, n < 0 ? errno : 0, ext->path,
					     "at byte %llu",
					     (unsigned long long)(ext->offset + done));
			goto out;
		}
		for (ssize_t i = 0; i < n; i += 8) {
			uint64_t w = 0;

			memcpy(&w, buf + i, (size_t)(n - i) < 8 ? (size_t)(n - i) : 8);
			if (w) {
				zero = false;
				break;
			}
		}
		if (!zero && pwrite(out, buf, (size_t)n, (off_t)done) != n) {
			ret = wr_detail_set(d, WR_ERR_WRITE, errno, dst);
			goto out;
		}
		done += (uint64_t)n;
	}
	if (ftruncate(out, (off_t)ext->size))
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, dst);
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	free(buf);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* disk health                                                                */

int wr_diagnose_smart(const char *device, bool is_image, struct wr_diagnosis *dg,
		      struct wr_detail *d)
{
	struct wr_detail sd = WR_DETAIL_INIT;
	struct wr_smart s;
	char tech[768];
	int err;

	(void)d;
	if (is_image)
		return wr_diagnose_add(dg, "disk.smart.none", WR_SEV_OK,
				       /* TRANSLATORS: %1$s is a disk image file's path. */
				       N_("%1$s is an image file: it has no health data (SMART)."),
				       WR_ADVICE_NONE, device, device, NULL, NULL,
				       "image file, SMART not applicable");
	memset(&s, 0, sizeof(s));
	err = wr_smart_read(device, &s, &sd);
	if (err)
		return wr_diagnose_add(dg, "disk.smart.unreadable", WR_SEV_WARNING,
				       /* TRANSLATORS: %1$s is a disk ("/dev/sda"). */
				       N_("The health data (SMART) of %1$s could not be read."),
				       WR_ADVICE_SCAN, device, device, NULL, NULL,
				       "smartctl: %s %s %s", wr_err_name(err), sd.subject,
				       sd.lib_msg);
	if (s.state == WR_SMART_NO_TOOL)
		return wr_diagnose_add(dg, "disk.smart.no_tool", WR_SEV_WARNING,
				       /* TRANSLATORS: %1$s is a disk ("/dev/sda"). */
				       N_("The health of %1$s was not checked: smartctl "
					  "(smartmontools) is not installed on this system."),
				       WR_ADVICE_SCAN, device, device, NULL, NULL, "%s", s.reason);
	if (s.state == WR_SMART_UNAVAILABLE)
		return wr_diagnose_add(dg, "disk.smart.unavailable", WR_SEV_OK,
				       /* TRANSLATORS: %1$s is a disk ("/dev/sda"). */
				       N_("%1$s does not report health data (SMART); many USB "
					  "adapters and virtual disks do not."),
				       WR_ADVICE_NONE, device, device, NULL, NULL, "%s", s.reason);
	snprintf(tech, sizeof(tech),
		 "%s %s fw %s; verdict %s; reallocated %lld, pending %lld, offline "
		 "uncorrectable %lld, reported uncorrectable %lld; power-on %lld h; %lld C; "
		 "failing now %u, in the past %u",
		 s.protocol, s.model, s.firmware,
		 s.verdict_known ? (s.passed ? "PASSED" : "FAILED") : "unknown",
		 (long long)s.reallocated, (long long)s.pending, (long long)s.offline_uncorrectable,
		 (long long)s.reported_uncorrectable, (long long)s.power_on_hours,
		 (long long)s.temperature, s.failing_now, s.failed_past);
	if (s.is_nvme)
		snprintf(tech + strlen(tech), sizeof(tech) - strlen(tech),
			 "; NVMe critical warning 0x%llx, media errors %lld, used %lld %%, "
			 "spare %lld %%",
			 (unsigned long long)s.nvme_critical_warning,
			 (long long)s.nvme_media_errors, (long long)s.nvme_percentage_used,
			 (long long)s.nvme_available_spare);
	if ((s.verdict_known && !s.passed) || s.failing_now)
		return wr_diagnose_add(dg, "disk.smart.failing", WR_SEV_CRITICAL,
				       /* TRANSLATORS: %1$s is a disk ("/dev/sda"). */
				       N_("The disk %1$s reports that it is failing."),
				       WR_ADVICE_BACKUP, device, device, NULL, NULL, "%s", tech);
	if (s.pending > 0 || s.offline_uncorrectable > 0 || s.reported_uncorrectable > 0) {
		char n[32];

		snprintf(n, sizeof(n), "%lld",
			 (long long)((s.pending > 0 ? s.pending : 0) +
				     (s.offline_uncorrectable > 0 ? s.offline_uncorrectable : 0)));
		return wr_diagnose_add(dg, "disk.smart.sectors", WR_SEV_CRITICAL,
				       /* TRANSLATORS: %1$s is a disk ("/dev/sda"). */
				       N_("The disk %1$s has sectors it cannot read. Files "
					  "stored there may already be damaged, and it may get "
					  "worse."),
				       WR_ADVICE_BACKUP, device, device, n, NULL, "%s", tech);
	}
	if (s.is_nvme && (s.nvme_critical_warning > 0 || s.nvme_media_errors > 0 ||
			  s.nvme_percentage_used >= 100))
		return wr_diagnose_add(dg, "disk.smart.nvme",
				       s.nvme_critical_warning > 0 ? WR_SEV_CRITICAL
								   : WR_SEV_WARNING,
				       /* TRANSLATORS: %1$s is a disk ("/dev/nvme0n1"). */
				       N_("The SSD %1$s reports errors or wear beyond its "
					  "rated life."),
				       WR_ADVICE_BACKUP, device, device, NULL, NULL, "%s", tech);
	if (s.reallocated > 0)
		return wr_diagnose_add(dg, "disk.smart.reallocated", WR_SEV_WARNING,
				       /* TRANSLATORS: %1$s is a disk ("/dev/sda"). */
				       N_("The disk %1$s has replaced some damaged sectors with "
					  "spare ones. It still works, but keep a backup."),
				       WR_ADVICE_BACKUP, device, device, NULL, NULL, "%s", tech);
	return wr_diagnose_add(dg, "disk.smart.ok", WR_SEV_OK,
			       /* TRANSLATORS: %1$s is a disk ("/dev/sda"). */
			       N_("The disk %1$s reports good health."), WR_ADVICE_NONE, device,
			       device, NULL, NULL, "%s", tech);
}

int wr_diagnose_surface(const struct wr_disk *disk, const struct wr_surface_result *r,
			struct wr_diagnosis *dg, struct wr_detail *d)
{
	char tech[1024], count[32], file[256] = "";
	size_t o = 0;

	(void)d;
	if (!r || !r->nbad)
		return WR_OK;
	o += (size_t)snprintf(tech, sizeof(tech), "%llu unreadable sectors in %zu ranges:",
			      (unsigned long long)r->bad_sectors, r->nbad);
	for (size_t i = 0; i < r->nbad && o < sizeof(tech) - 1; i++) {
		struct wr_surface_location loc;

		wr_surface_locate(disk, r->bad[i].sector, r->sector_size, &loc);
		if (!file[0] && loc.file[0])
			fmt_cut(file, sizeof(file), "%.255s", loc.file);
		o += (size_t)snprintf(tech + o, sizeof(tech) - o, " sector %llu+%llu",
				      (unsigned long long)r->bad[i].sector,
				      (unsigned long long)r->bad[i].count);
		if (o < sizeof(tech) - 1 && loc.partition)
			o += (size_t)snprintf(tech + o, sizeof(tech) - o,
					      " (partition %u, offset %llu%s%s)", loc.partition,
					      (unsigned long long)loc.offset,
					      loc.file[0] ? ", file " : "", loc.file);
		else if (o < sizeof(tech) - 1)
			o += (size_t)snprintf(tech + o, sizeof(tech) - o,
					      " (outside the partitions)");
		if (o < sizeof(tech) - 1 && i + 1 < r->nbad)
			o += (size_t)snprintf(tech + o, sizeof(tech) - o, ";");
	}
	snprintf(count, sizeof(count), "%llu", (unsigned long long)r->bad_sectors);
	if (file[0])
		return wr_diagnose_add(
		    dg, "disk.surface.bad", WR_SEV_CRITICAL,
		    /* TRANSLATORS: %1$s is a disk, %2$s a number of sectors, %3$s a file
		     * ("\Windows\System32\config\SYSTEM"). */
		    N_("The surface scan of %1$s found %2$s unreadable sectors, some of them "
		       "in the file %3$s. The files there cannot be read, and more may follow."),
		    WR_ADVICE_BACKUP, r->path, r->path, count, file, "%s", tech);
	return wr_diagnose_add(dg, "disk.surface.bad", WR_SEV_CRITICAL,
			       /* TRANSLATORS: %1$s is a disk, %2$s a number of sectors. */
			       N_("The surface scan of %1$s found %2$s unreadable sectors. "
				  "The files there cannot be read, and more may follow."),
			       WR_ADVICE_BACKUP, r->path, r->path, count, NULL, "%s", tech);
}

/* ------------------------------------------------------------------------- */
/* registry, servicing, Startup Repair                                        */

struct hive_check {
	bool present, current_ok, dirty, logs, regback_ok;
	char tech[160];
};

static void check_one_hive(struct diag_ctx *c, struct wr_ntfs *vol, const char *name,
			   struct hive_check *h)
{
	char vpath[128], host[256], l1[160], l2[160];
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_regf_header hdr;
	struct wr_ntfs_stat st;
	struct wr_hive *hive = NULL;
	int err;

	memset(h, 0, sizeof(*h));
	memset(&hdr, 0, sizeof(hdr));
	snprintf(vpath, sizeof(vpath), "Windows/System32/config/%s", name);
	if (wr_ntfs_stat(vol, vpath, &st, &d) == WR_OK && !st.is_dir) {
		h->present = true;
		tmp_path(c, name, host, sizeof(host));
		err = wr_ntfs_copy_out(vol, vpath, host, &d);
		if (!err)
			err = wr_regf_read_header(host, &hdr, &d);
		if (!err && !hdr.checksum_ok)
			err = WR_ERR_HIVE_CORRUPT;
		if (!err)
			err = wr_hive_open(host, false, &hive, &d);
		wr_hive_close(hive);
		hive = NULL;
		unlink(host);
		h->current_ok = !err;
		if (!err) {
			h->dirty = hdr.dirty;
			snprintf(l1, sizeof(l1), "%s.LOG1", vpath);
			snprintf(l2, sizeof(l2), "%s.LOG2", vpath);
			h->logs =
			    !wr_ntfs_stat(vol, l1, &st, NULL) || !wr_ntfs_stat(vol, l2, &st, NULL);
			snprintf(h->tech, sizeof(h->tech), "%s seq %u/%u%s", name, hdr.seq1,
				 hdr.seq2,
				 hdr.dirty ? (h->logs ? " dirty+logs" : " dirty, no logs") : "");
		} else {
			fmt_cut(h->tech, sizeof(h->tech), "%s %s %.100s", name, wr_err_name(err),
				d.lib_msg);
		}
	} else {
		snprintf(h->tech, sizeof(h->tech), "%s missing", name);
	}
	snprintf(vpath, sizeof(vpath), "Windows/System32/config/RegBack/%s", name);
	if (wr_ntfs_stat(vol, vpath, &st, NULL) == WR_OK && !st.is_dir && st.size > 0) {
		tmp_path(c, name, host, sizeof(host));
		err = wr_ntfs_copy_out(vol, vpath, host, NULL);
		if (!err)
			err = wr_hive_open(host, false, &hive, NULL);
		wr_hive_close(hive);
		unlink(host);
		h->regback_ok = !err;
	}
	snprintf(h->tech + strlen(h->tech), sizeof(h->tech) - strlen(h->tech), ", RegBack %s",
		 h->regback_ok ? "good" : "unusable");
}

static void check_hives(struct diag_ctx *c, struct wr_ntfs *vol, const char *where)
{
	char tech[1024] = "";
	bool all_ok = true;

	for (size_t i = 0; hive_names[i]; i++) {
		struct hive_check h;
		enum wr_advice adv;

		check_one_hive(c, vol, hive_names[i], &h);
		snprintf(tech + strlen(tech), sizeof(tech) - strlen(tech), "%s%s", i ? "; " : "",
			 h.tech);
		adv = h.regback_ok ? WR_ADVICE_REPAIR_REGISTRY : WR_ADVICE_REFRESH;
		if (!h.present) {
			all_ok = false;
			wr_diagnose_add(
			    c->dg, "registry.hive.missing", WR_SEV_CRITICAL,
			    /* TRANSLATORS: %1$s is a registry hive's name ("SYSTEM"). */
			    N_("The registry hive %1$s of Windows is missing. Windows "
			       "cannot start without it."),
			    adv, where, hive_names[i], NULL, NULL, "%s", h.tech);
		} else if (!h.current_ok) {
			all_ok = false;
			wr_diagnose_add(
			    c->dg, "registry.hive.corrupt", WR_SEV_CRITICAL,
			    /* TRANSLATORS: %1$s is a registry hive's name ("SYSTEM"). */
			    N_("The registry hive %1$s of Windows is damaged. Windows "
			       "cannot start with it."),
			    adv, where, hive_names[i], NULL, NULL, "%s", h.tech);
		} else if (h.dirty && !h.logs) {
			all_ok = false;
			wr_diagnose_add(
			    c->dg, "registry.hive.dirty", WR_SEV_WARNING,
			    /* TRANSLATORS: %1$s is a registry hive's name ("SYSTEM"). */
			    N_("The registry hive %1$s was not saved completely, and the "
			       "log files that would complete it are missing. Recent "
			       "settings may be lost."),
			    WR_ADVICE_NONE, where, hive_names[i], NULL, NULL, "%s", h.tech);
		}
		if ((!h.present || !h.current_ok) && !h.regback_ok)
			wr_diagnose_add(
			    c->dg, "registry.regback.unusable", WR_SEV_PROBLEM,
			    /* TRANSLATORS: %1$s is a registry hive's name ("SYSTEM"). */
			    N_("There is no usable backup copy of the registry hive %1$s "
			       "in config\\RegBack (it is missing, empty or damaged), so "
			       "it cannot be restored from there."),
			    WR_ADVICE_REFRESH, where, hive_names[i], NULL, NULL, "%s", h.tech);
	}
	if (all_ok)
		wr_diagnose_add(c->dg, "registry.ok", WR_SEV_OK,
				N_("The registry hives of Windows are readable."), WR_ADVICE_NONE,
				where, NULL, NULL, NULL, "%s", tech);
}

static void check_servicing_and_srt(struct diag_ctx *c, struct wr_ntfs *vol, const char *where)
{
	struct wr_ntfs_stat st;
	struct wr_srt_result srt;
	void *buf = NULL;
	size_t len = 0;

	if (wr_ntfs_stat(vol, "Windows/WinSxS/pending.xml", &st, NULL) == WR_OK && !st.is_dir)
		wr_diagnose_add(
		    c->dg, "install.servicing_pending", WR_SEV_WARNING,
		    N_("Windows has updates that were not finished (WinSxS\\pending.xml). "
		       "Unfinished updates can keep Windows from starting; if it stops "
		       "while starting, a refresh helps."),
		    WR_ADVICE_REFRESH, where, NULL, NULL, NULL,
		    "Windows\\WinSxS\\pending.xml, %llu bytes", (unsigned long long)st.size);
	if (wr_ntfs_read_file(vol, "Windows/System32/LogFiles/Srt/SrtTrail.txt", SRTTRAIL_MAX, &buf,
			      &len, NULL) != WR_OK)
		return;
	if (wr_diagnose_parse_srttrail(buf, len, &srt) == WR_OK && srt.root_cause[0])
		wr_diagnose_add(c->dg, "install.srt_root_cause", WR_SEV_WARNING,
				/* TRANSLATORS: %1$s is Startup Repair's own English sentence,
				 * %2$s its repair action, %3$s the result. */
				N_("Windows' Startup Repair last found this cause: %1$s "
				   "(repair: %2$s; result: %3$s)."),
				WR_ADVICE_NONE, where, srt.root_cause,
				srt.repair_action[0] ? srt.repair_action : "-",
				srt.result[0] ? srt.result : "-",
				"SrtTrail.txt: %u sessions; root cause \"%s\"; action \"%s\"; "
				"result \"%s\"",
				srt.sessions, srt.root_cause, srt.repair_action, srt.result);
	free(buf);
}

/* ------------------------------------------------------------------------- */
/* installation: which recovery options will work                             */

static void check_recovery(struct diag_ctx *c, const struct wr_volume_report *vr, const char *where)
{
	const struct wr_windows *w = vr->windows;
	const struct wr_source *src = NULL;
	char name[64], idx[16], tech[1024] = "";
	unsigned index = 0;

	fmt_cut(name, sizeof(name), "%.63s",
		w->marketing_name[0] ? w->marketing_name : w->product_name);
	if (wr_sources_best(&vr->sources, &src, &index) == WR_OK && src && src->info) {
		const struct wr_image_info *img = NULL;

		for (unsigned i = 0; i < src->info->image_count; i++)
			if (src->info->images[i].index == index)
				img = &src->info->images[i];
		snprintf(idx, sizeof(idx), "%u", index);
		wr_diagnose_add(c->dg, "install.refresh.available", WR_SEV_OK,
				/* TRANSLATORS: %1$s is an image file's path, %2$s the image's
				 * number in it, %3$s its name ("Windows 8.1"). */
				N_("Refresh and reset can use the image %1$s (number %2$s, "
				   "\"%3$s\")."),
				WR_ADVICE_NONE, where, src->path, idx, img ? img->name : "",
				"source %s (%s), index %u, %u sources found", src->path, src->where,
				index, (unsigned)vr->sources.n);
		return;
	}
	for (size_t i = 0; i < vr->sources.n && strlen(tech) < sizeof(tech) - 64; i++) {
		const struct wr_source *s = &vr->sources.v[i];

		fmt_cut(tech + strlen(tech), sizeof(tech) - strlen(tech),
			"%s%.200s:", i ? "; " : "", s->path);
		if (s->err) {
			snprintf(tech + strlen(tech), sizeof(tech) - strlen(tech), " %s",
				 wr_err_name(s->err));
			continue;
		}
		for (unsigned k = 0; s->info && k < s->info->image_count; k++) {
			struct wr_mismatch_reason r[5];
			size_t nr = wr_sources_explain(s->mismatch ? s->mismatch[k] : 0, w,
						       &s->info->images[k], r);

			for (size_t j = 0; j < nr; j++) {
				char args[2][256];
				char *t;

				snprintf(args[0], sizeof(args[0]), "%s", r[j].image_value);
				snprintf(args[1], sizeof(args[1]), "%s", r[j].system_value);
				t = wr_diagnose_format(r[j].msgid, args, 2);
				snprintf(tech + strlen(tech), sizeof(tech) - strlen(tech),
					 " [%u] %s", s->info->images[k].index, t ? t : "");
				free(t);
			}
		}
	}
	if (!vr->sources.n)
		snprintf(tech, sizeof(tech), "no image found on the disk or given");
	wr_diagnose_add(c->dg, "install.refresh.none", WR_SEV_WARNING,
			/* TRANSLATORS: %1$s is the Windows version ("Windows 8.1"). */
			N_("No image that can refresh or reset this %1$s was found. Both need "
			   "%1$s installation media of the same edition and architecture: media "
			   "of another version (a Windows 8 disc for Windows 8.1) cannot be used."),
			WR_ADVICE_MEDIA, where, name, NULL, NULL, "%s", tech);
}

/* ------------------------------------------------------------------------- */
/* volumes                                                                    */

static void check_volume(struct diag_ctx *c, const struct wr_disk_report *dr,
			 const struct wr_volume_report *vr, const char *where)
{
	const struct wr_volume_state *st = &vr->state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs *vol = NULL;

	if (st->bitlocker) {
		wr_diagnose_add(c->dg, "volume.bitlocker", WR_SEV_PROBLEM,
				/* TRANSLATORS: %1$s is a partition ("pc.img partition 3"). */
				N_("%1$s is encrypted with BitLocker. When this is the Windows "
				   "partition, this is one reason Windows reports that \"the drive "
				   "where Windows is installed is locked\"; without the recovery "
				   "key nothing on it can be read or repaired."),
				WR_ADVICE_BITLOCKER_KEY, where, where, NULL, NULL, "%s%s",
				st->bitlocker_to_go ? "BitLocker To Go" : "BitLocker", "");
		return;
	}
	if (vr->probe_err == WR_ERR_NOT_NTFS)
		return;
	if (vr->probe_err) {
		wr_diagnose_add(c->dg, "volume.unreadable", WR_SEV_PROBLEM,
				/* TRANSLATORS: %1$s is a partition ("pc.img partition 3"). */
				N_("%1$s could not be read."), WR_ADVICE_SCAN, where, where, NULL,
				NULL, "%s %s %s", wr_err_name(vr->probe_err),
				vr->probe_detail.subject, vr->probe_detail.lib_msg);
		return;
	}
	(void)dr;
	if (st->fast_startup)
		wr_diagnose_add(
		    c->dg, "volume.fast_startup", WR_SEV_PROBLEM,
		    /* TRANSLATORS: %1$s is a partition ("pc.img partition 3"). */
		    N_("Windows on %1$s was shut down with Fast Startup: part of its "
		       "state is still kept in memory files, so nothing may be written "
		       "to this partition. This is one reason Windows reports that \"the "
		       "drive where Windows is installed is locked\"."),
		    WR_ADVICE_FULL_SHUTDOWN, where, where, NULL, NULL,
		    "$LogFile restart page 2.0, flags 0x%04x", st->volume_flags);
	else if (st->hibernated)
		wr_diagnose_add(
		    c->dg, "volume.hibernated", WR_SEV_PROBLEM,
		    /* TRANSLATORS: %1$s is a partition ("pc.img partition 3"). */
		    N_("Windows on %1$s is hibernated: its last session is saved in "
		       "hiberfil.sys, so nothing may be written to this partition until "
		       "it is resumed or discarded. This is one reason Windows reports "
		       "that \"the drive where Windows is installed is locked\"."),
		    WR_ADVICE_REPAIR_HIBERNATION, where, where, NULL, NULL,
		    "hiberfil.sys starts with HIBR; flags 0x%04x", st->volume_flags);
	if (st->dirty)
		wr_diagnose_add(c->dg, "volume.dirty", WR_SEV_WARNING,
				/* TRANSLATORS: %1$s is a partition ("pc.img partition 3"). */
				N_("%1$s is marked for a disk check: Windows was not shut down "
				   "properly, or it found an error. Windows checks it (chkdsk) the "
				   "next time it starts."),
				WR_ADVICE_CLEAR_DIRTY, where, where, NULL, NULL,
				"volume flags 0x%04x (dirty bit 0x0001)", st->volume_flags);
	else if (st->chkdsk_pending)
		wr_diagnose_add(c->dg, "volume.chkdsk_pending", WR_SEV_WARNING,
				/* TRANSLATORS: %1$s is a partition ("pc.img partition 3"). */
				N_("A disk check (chkdsk) is scheduled for %1$s; Windows runs it "
				   "the next time it starts."),
				WR_ADVICE_NONE, where, where, NULL, NULL, "volume flags 0x%04x",
				st->volume_flags);
	if (!vr->windows) {
		if (vr->windows_err && vr->windows_err != WR_ERR_NO_WINDOWS)
			wr_diagnose_add(c->dg, "install.unreadable", WR_SEV_PROBLEM,
					/* TRANSLATORS: %1$s is a partition. */
					N_("The Windows installation on %1$s could not be read."),
					WR_ADVICE_REFRESH, where, where, NULL, NULL, "%s %s %s",
					wr_err_name(vr->windows_err), vr->windows_detail.subject,
					vr->windows_detail.lib_msg);
		return;
	}
	{
		char prod[300];

		snprintf(prod, sizeof(prod), "%s", vr->windows->product_name);
		wr_diagnose_add(c->dg, "install.found", WR_SEV_OK,
				/* TRANSLATORS: %1$s is the product ("Windows 8.1 Pro"), %2$s a
				 * partition ("pc.img partition 3"). */
				N_("%1$s is installed on %2$s."), WR_ADVICE_NONE, where, prod,
				where, NULL, "%s %s build %u.%u, %s, %llu of %llu bytes free",
				vr->windows->version, vr->windows->edition, vr->windows->build,
				vr->windows->ubr, wr_arch_name(vr->windows->arch),
				(unsigned long long)st->free, (unsigned long long)st->size);
	}
	if (st->size && (st->free < LOW_FREE_BYTES || st->free < st->size / 20)) {
		char freeb[32];

		snprintf(freeb, sizeof(freeb), "%llu MB", (unsigned long long)(st->free / 1000000));
		wr_diagnose_add(c->dg, "volume.free_space_low", WR_SEV_WARNING,
				/* TRANSLATORS: %1$s is a partition, %2$s an amount ("812 MB"). */
				N_("Only %2$s are free on %1$s. Windows needs free space to start "
				   "and to update; a refresh needs room for a whole new Windows."),
				WR_ADVICE_FREE_SPACE, where, where, freeb, NULL,
				"%llu of %llu bytes free", (unsigned long long)st->free,
				(unsigned long long)st->size);
	}
	if (wr_ntfs_open(&vr->ext, WR_NTFS_RDONLY, &vol, &d) == WR_OK) {
		check_hives(c, vol, where);
		check_servicing_and_srt(c, vol, where);
		wr_ntfs_close(vol);
	} else {
		wr_log_err("diagnose: open for the registry check", WR_ERR_OPEN, &d);
	}
	check_recovery(c, vr, where);
}

/* ------------------------------------------------------------------------- */
/* boot                                                                       */

static const char *bcd_msg_damaged =
    N_("The boot configuration (BCD) on %1$s is damaged. Windows then stops with "
       "\"Your PC needs to be repaired\" and names the file \\Boot\\BCD (or "
       "\\EFI\\Microsoft\\Boot\\BCD).");

/* Which volume of the inspection the BCD device names, or NULL. */
static const struct wr_volume_report *bcd_target(const struct wr_inspection *in,
						 const struct wr_bcd_partition *bp, char *where,
						 size_t size)
{
	for (size_t i = 0; in && i < in->ndisks; i++) {
		const struct wr_disk_report *dr = &in->disks[i];
		const struct wr_disk *disk = dr->disk;

		if (!disk || disk->table == WR_TABLE_NONE)
			continue;
		if (bp->gpt
			? strcasecmp(disk->disk_guid, bp->disk_guid)
			: disk->table != WR_TABLE_MBR || disk->mbr_signature != bp->mbr_signature)
			continue;
		for (size_t k = 0; k < disk->nparts && k < dr->nvolumes; k++) {
			const struct wr_partition *p = &disk->parts[k];

			if (bp->gpt ? !strcasecmp(p->uuid, bp->part_guid)
				    : p->start == bp->offset) {
				where_of(dr->path, p->number, where, size);
				return &dr->volumes[k];
			}
		}
	}
	return NULL;
}

static void bcd_part_text(const struct wr_bcd_partition *bp, char *buf, size_t size)
{
	if (bp->gpt)
		snprintf(buf, size, "GPT disk %s partition %s", bp->disk_guid, bp->part_guid);
	else
		snprintf(buf, size, "MBR disk 0x%08x partition at byte %llu", bp->mbr_signature,
			 (unsigned long long)bp->offset);
}

int wr_diagnose_bcd_file(const char *host_path, const struct wr_inspection *in, const char *where,
			 struct wr_diagnosis *dg, struct wr_detail *d)
{
	struct wr_detail bd = WR_DETAIL_INIT;
	const struct wr_bcd_object *def;
	const struct wr_bcd_element *el;
	const struct wr_volume_report *vr;
	struct wr_bcd *b = NULL;
	char part[256], twhere[512];
	int err;

	(void)d;
	err = wr_bcd_read(host_path, false, &b, &bd);
	if (err == WR_ERR_BCD_TEMPLATE)
		return wr_diagnose_add(
		    dg, "boot.bcd.template", WR_SEV_CRITICAL,
		    /* TRANSLATORS: %1$s is where the store is. */
		    N_("The boot configuration (BCD) on %1$s is only the empty "
		       "template Windows makes new stores from: it names no "
		       "Windows to start. Windows then stops with \"Your PC needs "
		       "to be repaired\" and names the file \\Boot\\BCD."),
		    WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL,
		    "BCD-Template: objects without device elements");
	if (err == WR_ERR_NOT_BCD)
		return wr_diagnose_add(
		    dg, "boot.bcd.not_store", WR_SEV_CRITICAL,
		    /* TRANSLATORS: %1$s is where the store is. */
		    N_("The file where the boot configuration (BCD) belongs on "
		       "%1$s is not a boot configuration store. Windows then stops "
		       "with \"Your PC needs to be repaired\" and names the file "
		       "\\Boot\\BCD."),
		    WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL,
		    "a registry hive without BCD00000000: %s", bd.lib_msg);
	if (err)
		return wr_diagnose_add(dg, "boot.bcd.damaged", WR_SEV_CRITICAL, bcd_msg_damaged,
				       WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL, "%s %s",
				       wr_err_name(err), bd.lib_msg);
	def = b->default_entry[0] ? wr_bcd_find(b, b->default_entry) : NULL;
	if (!def) {
		err = wr_diagnose_add(dg, "boot.bcd.no_default", WR_SEV_PROBLEM,
				      /* TRANSLATORS: %1$s is where the store is. */
				      N_("The boot configuration (BCD) on %1$s has no default "
					 "Windows entry, so the boot manager does not know what to "
					 "start."),
				      WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL,
				      "%zu objects, default \"%s\"", b->nobjects, b->default_entry);
		goto out;
	}
	el = wr_bcd_element(def, WR_BCDE_OSDEVICE);
	if (!el)
		el = wr_bcd_element(def, WR_BCDE_DEVICE);
	if (!el || !el->decoded || el->dev.kind != WR_BCD_DEV_PARTITION) {
		err = wr_diagnose_add(dg, "boot.bcd.ok", WR_SEV_OK,
				      /* TRANSLATORS: %1$s is where the store is. */
				      N_("The boot configuration (BCD) on %1$s is readable."),
				      WR_ADVICE_NONE, where, where, NULL, NULL,
				      "default %s, device %s (type %u, not checked)", def->guid,
				      el ? "not a partition" : "missing", el ? el->dev.type : 0);
		goto out;
	}
	bcd_part_text(&el->dev.part, part, sizeof(part));
	if (!in) {
		err =
		    wr_diagnose_add(dg, "boot.bcd.ok", WR_SEV_OK,
				    N_("The boot configuration (BCD) on %1$s is readable."),
				    WR_ADVICE_NONE, where, where, NULL, NULL,
				    "default %s on %s (%zu objects)", def->guid, part, b->nobjects);
		goto out;
	}
	vr = bcd_target(in, &el->dev.part, twhere, sizeof(twhere));
	if (!vr)
		err = wr_diagnose_add(
		    dg, "boot.bcd.device_missing", WR_SEV_CRITICAL,
		    /* TRANSLATORS: %1$s is where the store is. */
		    N_("The boot configuration (BCD) on %1$s starts Windows from "
		       "a partition that is not on this PC (or no longer exists). "
		       "Windows then stops with \"Your PC needs to be repaired\" and "
		       "names the file \\Boot\\BCD."),
		    WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL,
		    "default %s osdevice %s: no such partition", def->guid, part);
	else if (vr->state.bitlocker)
		err = wr_diagnose_add(dg, "boot.bcd.ok", WR_SEV_OK,
				      /* TRANSLATORS: %1$s is where the store is, %2$s the
				       * partition it names. */
				      N_("The boot configuration (BCD) on %1$s starts Windows from "
					 "%2$s, which is encrypted with BitLocker and cannot be "
					 "checked further."),
				      WR_ADVICE_NONE, where, where, twhere, NULL,
				      "default %s osdevice %s (BitLocker)", def->guid, part);
	else if (!vr->windows)
		err = wr_diagnose_add(dg, "boot.bcd.not_windows", WR_SEV_CRITICAL,
				      /* TRANSLATORS: %1$s is where the store is, %2$s the
				       * partition it names. */
				      N_("The boot configuration (BCD) on %1$s starts Windows from "
					 "%2$s, but Windows is not there. Windows then stops with "
					 "\"Your PC needs to be repaired\"."),
				      WR_ADVICE_REPAIR_BOOT, where, where, twhere, NULL,
				      "default %s osdevice %s", def->guid, part);
	else
		err =
		    wr_diagnose_add(dg, "boot.bcd.ok", WR_SEV_OK,
				    /* TRANSLATORS: %1$s is where the store is, %2$s the
				     * product ("Windows 8.1"), %3$s a partition. */
				    N_("The boot configuration (BCD) on %1$s starts %2$s on %3$s."),
				    WR_ADVICE_NONE, where, where, vr->windows->product_name, twhere,
				    "default %s osdevice %s", def->guid, part);
out:
	wr_bcd_free(b);
	return err;
}

/* Is this a disk Windows starts from?  Windows was read on it, or a volume is
 * BitLocker (Windows may be inside) and the disk has an ESP or an active partition. */
static bool windows_on_disk(const struct wr_disk_report *dr)
{
	bool locked = false, boot = false;

	for (size_t i = 0; i < dr->nvolumes; i++) {
		if (dr->volumes[i].windows)
			return true;
		locked |= dr->volumes[i].state.bitlocker;
	}
	for (size_t i = 0; dr->disk && i < dr->disk->nparts; i++)
		boot |= dr->disk->parts[i].role == WR_ROLE_ESP || dr->disk->parts[i].active;
	return locked && boot;
}

static void check_boot_gpt(struct diag_ctx *c, const struct wr_disk_report *dr)
{
	const struct wr_disk *disk = dr->disk;
	const struct wr_partition *esp = NULL;
	char where[512], img[256], out[2048], tech[512], bcd[256], mgr[256], esp_arg[4200];
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent ext;
	int status = -1;
	bool damaged = false;

	for (size_t i = 0; i < disk->nparts; i++)
		if (disk->parts[i].role == WR_ROLE_ESP && !esp)
			esp = &disk->parts[i];
	if (!esp) {
		wr_diagnose_add(c->dg, "boot.esp.missing", WR_SEV_CRITICAL,
				/* TRANSLATORS: %1$s is a disk. */
				N_("The disk %1$s has no EFI system partition, the partition a "
				   "UEFI PC starts Windows from."),
				WR_ADVICE_NONE, dr->path, dr->path, NULL, NULL,
				"GPT, %zu partitions", disk->nparts);
		return;
	}
	where_of(dr->path, esp->number, where, sizeof(where));
	if (wr_blockdev_resolve(dr->path, esp->number, &ext, &d)) {
		wr_log_err("diagnose: ESP", WR_ERR_OPEN, &d);
		return;
	}
	tmp_path(c, "esp.img", img, sizeof(img));
	if (extract_extent(&ext, img, &d)) {
		wr_diagnose_add(c->dg, "boot.esp.damaged", WR_SEV_PROBLEM,
				/* TRANSLATORS: %1$s is a partition. */
				N_("The EFI system partition %1$s could not be read."),
				WR_ADVICE_SCAN, where, where, NULL, NULL, "%s %s", d.subject,
				strerror(d.sys_errno));
		return;
	}
	{
		char *argv[] = {(char *)"fsck.fat", (char *)"-n", img, NULL};

		if (run_program(argv, false, out, sizeof(out), &status) == WR_OK && status != 0) {
			damaged = true;
			first_lines(out, tech, sizeof(tech), 4);
			wr_diagnose_add(c->dg, "boot.esp.damaged", WR_SEV_PROBLEM,
					/* TRANSLATORS: %1$s is a partition. */
					N_("The file system of the EFI system partition %1$s has "
					   "errors."),
					WR_ADVICE_NONE, where, where, NULL, NULL,
					"fsck.fat -n exit %d: %s", status, tech);
		} else if (status < 0) {
			snprintf(tech, sizeof(tech), "fsck.fat not run");
		}
	}
	snprintf(esp_arg, sizeof(esp_arg), "%s", img);
	tmp_path(c, "bootmgfw.efi", mgr, sizeof(mgr));
	{
		char *argv[] = {(char *)"mcopy",
				(char *)"-n",
				(char *)"-i",
				esp_arg,
				(char *)"::/EFI/Microsoft/Boot/bootmgfw.efi",
				mgr,
				NULL};

		if (run_program(argv, true, out, sizeof(out), &status) == WR_OK && status != 0)
			wr_diagnose_add(c->dg, "boot.bootmgr.missing", WR_SEV_CRITICAL,
					/* TRANSLATORS: %1$s is a partition. */
					N_("The Windows Boot Manager (\\EFI\\Microsoft\\Boot\\"
					   "bootmgfw.efi) is missing from %1$s."),
					WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL,
					"mcopy: %.200s", out);
		unlink(mgr);
	}
	tmp_path(c, "BCD", bcd, sizeof(bcd));
	{
		char *argv[] = {(char *)"mcopy",
				(char *)"-n",
				(char *)"-i",
				esp_arg,
				(char *)"::/EFI/Microsoft/Boot/BCD",
				bcd,
				NULL};

		if (run_program(argv, true, out, sizeof(out), &status) != WR_OK) {
			wr_log(WR_LOG_WARN, "diagnose: mtools missing, the BCD was not checked");
		} else if (status != 0) {
			wr_diagnose_add(
			    c->dg, "boot.bcd.missing", WR_SEV_CRITICAL,
			    /* TRANSLATORS: %1$s is a partition. */
			    N_("The boot configuration (BCD) is missing from %1$s. "
			       "Windows then stops with \"Your PC needs to be repaired\" "
			       "and names the file \\Boot\\BCD (or \\EFI\\Microsoft\\Boot"
			       "\\BCD)."),
			    WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL,
			    "\\EFI\\Microsoft\\Boot\\BCD not found");
		} else {
			wr_diagnose_bcd_file(bcd, c->in, where, c->dg, NULL);
		}
		unlink(bcd);
	}
	unlink(img);
	if (!damaged)
		wr_diagnose_add(c->dg, "boot.esp.ok", WR_SEV_OK,
				/* TRANSLATORS: %1$s is a partition. */
				N_("The EFI system partition %1$s is readable."), WR_ADVICE_NONE,
				where, where, NULL, NULL, "%llu bytes at %llu; %s",
				(unsigned long long)esp->size, (unsigned long long)esp->start,
				status < 0 ? "fsck.fat not run" : "fsck.fat -n clean");
}

static void check_boot_mbr(struct diag_ctx *c, const struct wr_disk_report *dr)
{
	const struct wr_disk *disk = dr->disk;
	const struct wr_volume_report *sys = NULL;
	const struct wr_partition *active = NULL;
	struct wr_detail d = WR_DETAIL_INIT;
	unsigned char mbr[512];
	char where[512], bcd[256];
	struct wr_ntfs *vol = NULL;
	struct wr_ntfs_stat st;
	bool code = false;
	int fd;

	fd = open(dr->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && pread(fd, mbr, sizeof(mbr), 0) == (ssize_t)sizeof(mbr)) {
		for (size_t i = 0; i < 440; i++)
			code |= mbr[i] != 0;
		if (!code)
			wr_diagnose_add(
			    c->dg, "boot.mbr.code_missing", WR_SEV_PROBLEM,
			    /* TRANSLATORS: %1$s is a disk. */
			    N_("The master boot record of %1$s holds no start-up code, so "
			       "a PC in legacy BIOS mode cannot start from this disk. "
			       "Windows' own Startup Repair (or \"bootrec /fixmbr\" from "
			       "Windows media) writes it."),
			    WR_ADVICE_NONE, dr->path, dr->path, NULL, NULL,
			    "bytes 0-439 of sector 0 are zero");
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < disk->nparts; i++)
		if (disk->parts[i].active && !active) {
			active = &disk->parts[i];
			if (i < dr->nvolumes)
				sys = &dr->volumes[i];
		}
	if (!active) {
		wr_diagnose_add(c->dg, "boot.mbr.no_active", WR_SEV_CRITICAL,
				/* TRANSLATORS: %1$s is a disk. */
				N_("No partition of %1$s is marked active, so a PC in legacy BIOS "
				   "mode does not know which partition to start."),
				WR_ADVICE_NONE, dr->path, dr->path, NULL, NULL, "%zu partitions",
				disk->nparts);
		return;
	}
	where_of(dr->path, active->number, where, sizeof(where));
	if (!sys || sys->probe_err || !sys->state.is_ntfs ||
	    wr_ntfs_open(&sys->ext, WR_NTFS_RDONLY, &vol, &d)) {
		wr_diagnose_add(c->dg, "boot.bootmgr.missing", WR_SEV_CRITICAL,
				/* TRANSLATORS: %1$s is a partition. */
				N_("The active partition %1$s cannot be read as NTFS, so the "
				   "Windows Boot Manager (bootmgr) cannot be there."),
				WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL, "fstype %s",
				sys ? sys->state.fstype : "?");
		return;
	}
	if (wr_ntfs_stat(vol, "bootmgr", &st, NULL))
		wr_diagnose_add(c->dg, "boot.bootmgr.missing", WR_SEV_CRITICAL,
				/* TRANSLATORS: %1$s is a partition. */
				N_("The Windows Boot Manager (bootmgr) is missing from %1$s."),
				WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL,
				"\\bootmgr not found");
	tmp_path(c, "BCD", bcd, sizeof(bcd));
	if (wr_ntfs_stat(vol, "Boot/BCD", &st, NULL))
		wr_diagnose_add(c->dg, "boot.bcd.missing", WR_SEV_CRITICAL,
				N_("The boot configuration (BCD) is missing from %1$s. "
				   "Windows then stops with \"Your PC needs to be repaired\" "
				   "and names the file \\Boot\\BCD (or \\EFI\\Microsoft\\Boot"
				   "\\BCD)."),
				WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL,
				"\\Boot\\BCD not found");
	else if (wr_ntfs_copy_out(vol, "Boot/BCD", bcd, &d) == WR_OK)
		wr_diagnose_bcd_file(bcd, c->in, where, c->dg, NULL);
	else
		wr_diagnose_add(c->dg, "boot.bcd.damaged", WR_SEV_CRITICAL, bcd_msg_damaged,
				WR_ADVICE_REPAIR_BOOT, where, where, NULL, NULL, "copy: %s",
				strerror(d.sys_errno));
	unlink(bcd);
	wr_ntfs_close(vol);
}

static void check_firmware(struct diag_ctx *c)
{
	const char *dir = c->o && c->o->firmware_dir ? c->o->firmware_dir : "/sys/firmware/efi";
	char path[4096];
	unsigned char v[5];
	const char *msg;
	int fd;

	c->dg->efi = !access(dir, F_OK);
	c->dg->secure_boot = -1;
	if (c->dg->efi) {
		snprintf(path, sizeof(path), "%s/efivars/%s", dir, EFIVAR_SECUREBOOT);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, v, sizeof(v)) == (ssize_t)sizeof(v))
				c->dg->secure_boot = v[4] ? 1 : 0;
			close(fd);
		}
	}
	if (!c->dg->efi)
		msg = N_("This PC started in legacy BIOS mode.");
	else if (c->dg->secure_boot == 1)
		msg = N_("This PC started in UEFI mode with Secure Boot on.");
	else if (c->dg->secure_boot == 0)
		msg = N_("This PC started in UEFI mode with Secure Boot off.");
	else
		msg = N_("This PC started in UEFI mode; its Secure Boot state is unknown.");
	wr_diagnose_add(c->dg, "boot.firmware", WR_SEV_OK, msg, WR_ADVICE_NONE, "", NULL, NULL,
			NULL, "%s: %s; SecureBoot %d", dir, c->dg->efi ? "present" : "absent",
			c->dg->secure_boot);
}

static void check_disk(struct diag_ctx *c, const struct wr_disk_report *dr)
{
	const struct wr_disk *disk = dr->disk;
	char where[4200];

	if (dr->err || !disk) {
		wr_diagnose_add(c->dg, "disk.unreadable", WR_SEV_PROBLEM,
				/* TRANSLATORS: %1$s is a disk. */
				N_("%1$s could not be read."), WR_ADVICE_SCAN, dr->path, dr->path,
				NULL, NULL, "%s %s %s", wr_err_name(dr->err), dr->detail.subject,
				dr->detail.lib_msg);
		return;
	}
	if (!(c->o && c->o->no_smart))
		wr_diagnose_smart(dr->path, disk->is_image, c->dg, NULL);
	for (size_t i = 0; i < dr->nvolumes; i++) {
		unsigned part =
		    disk->table == WR_TABLE_NONE || i >= disk->nparts ? 0 : disk->parts[i].number;

		where_of(dr->path, part, where, sizeof(where));
		check_volume(c, dr, &dr->volumes[i], where);
	}
	if (disk->table == WR_TABLE_NONE || !windows_on_disk(dr))
		return;
	if (!disk->is_image && ((disk->table == WR_TABLE_GPT) != c->dg->efi))
		wr_diagnose_add(
		    c->dg, "boot.firmware.mismatch", WR_SEV_WARNING,
		    disk->table == WR_TABLE_GPT
			/* TRANSLATORS: %1$s is a disk. */
			? N_("Windows on %1$s (a GPT disk) starts only in UEFI mode, but "
			     "this PC started in legacy BIOS mode.")
			/* TRANSLATORS: %1$s is a disk. */
			: N_("Windows on %1$s (an MBR disk) starts only in legacy BIOS "
			     "mode, but this PC started in UEFI mode."),
		    WR_ADVICE_FIRMWARE, dr->path, dr->path, NULL, NULL, "table %s, efi %d",
		    disk->table == WR_TABLE_GPT ? "GPT" : "MBR", c->dg->efi);
	if (disk->table == WR_TABLE_GPT)
		check_boot_gpt(c, dr);
	else if (disk->table == WR_TABLE_MBR)
		check_boot_mbr(c, dr);
}

/* ------------------------------------------------------------------------- */

/* Every file is unlinked after use; anything an error path left goes here. */
static void remove_tmpdir(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;

	while (dh && (e = readdir(dh))) {
		char path[4200];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (dh)
		closedir(dh);
	rmdir(dir);
}

int wr_diagnose_inspection(const struct wr_inspection *in, const struct wr_diagnose_opts *o,
			   struct wr_diagnosis *out, struct wr_detail *d)
{
	struct diag_ctx c;
	const char *tmp = getenv("TMPDIR");
	size_t nwin = 0;
	char paths[512] = "";

	if (!in || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "diagnose");
	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.in = in;
	c.o = o;
	c.dg = out;
	out->time = (int64_t)time(NULL);
	snprintf(c.tmpdir, sizeof(c.tmpdir), "%s/winrescue-diag-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(c.tmpdir))
		return wr_detail_set(d, WR_ERR_OPEN, errno, c.tmpdir);
	check_firmware(&c);
	for (size_t i = 0; i < in->ndisks; i++) {
		check_disk(&c, &in->disks[i]);
		for (size_t k = 0; k < in->disks[i].nvolumes; k++)
			nwin += in->disks[i].volumes[k].windows != NULL;
		fmt_cut(paths + strlen(paths), sizeof(paths) - strlen(paths), "%s%.200s",
			i ? ", " : "", in->disks[i].path);
	}
	if (!nwin)
		wr_diagnose_add(out, "install.none", WR_SEV_PROBLEM,
				/* TRANSLATORS: %1$s lists disks. */
				N_("No readable Windows installation was found on %1$s."),
				WR_ADVICE_NONE, paths, paths, NULL, NULL, "%zu disks", in->ndisks);
	remove_tmpdir(c.tmpdir);
	wr_diagnose_finish(out);
	return WR_OK;
}

/* The surface scan of one disk, as findings (opt-in: it reads the whole disk). */
static void scan_disk(const struct wr_disk_report *dr, wr_progress_fn fn, void *ctx,
		      struct wr_diagnosis *dg)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_surface_result r;
	int err;

	memset(&r, 0, sizeof(r));
	err = wr_surface_scan(dr->path, NULL, fn, ctx, &r, &d);
	if (err && err != WR_ERR_ABORTED)
		wr_diagnose_add(dg, "disk.unreadable", WR_SEV_CRITICAL,
				/* TRANSLATORS: %1$s is a disk. */
				N_("The surface scan of %1$s stopped: the disk stopped answering."),
				WR_ADVICE_BACKUP, dr->path, dr->path, NULL, NULL,
				"scan: %s after %llu bytes: %s", wr_err_name(err),
				(unsigned long long)r.bytes_done, d.lib_msg);
	wr_diagnose_surface(dr->disk, &r, dg, NULL);
	if (!r.nbad && r.complete)
		wr_diagnose_add(dg, "disk.surface.ok", WR_SEV_OK,
				/* TRANSLATORS: %1$s is a disk. */
				N_("The surface scan of %1$s read every sector."), WR_ADVICE_NONE,
				dr->path, dr->path, NULL, NULL,
				"%llu bytes in %.1f s, slowest %u ms",
				(unsigned long long)r.bytes_done, r.seconds, r.max_ms);
	wr_surface_result_release(&r);
}

int wr_diagnose_run(const struct wr_diagnose_opts *o, wr_progress_fn fn, void *ctx,
		    struct wr_diagnosis *out, struct wr_detail *d)
{
	struct wr_inspection *in = NULL;
	int err;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "diagnose");
	memset(out, 0, sizeof(*out));
	err = wr_inspect(o ? o->paths : NULL, o ? o->extra_sources : NULL, WR_INSPECT_NO_APPS, fn,
			 ctx, &in, d);
	if (err) {
		wr_inspection_free(in);
		return err;
	}
	err = wr_diagnose_inspection(in, o, out, d);
	if (!err && o && o->surface_scan) {
		for (size_t i = 0; i < in->ndisks; i++)
			if (in->disks[i].disk)
				scan_disk(&in->disks[i], fn, ctx, out);
		wr_diagnose_finish(out);
	}
	wr_inspection_free(in);
	return err;
}
