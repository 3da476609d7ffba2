/*
 * backend_real.c - the wizard's backend over the engine (src/winrescue.h only).
 *
 * What the engine can do today is wired here: inspection, a check-up from the volume
 * state, SMART and the installation's facts, image sources, the surface scan,
 * refresh with its resume, repairing start-up, recovery images (recimg), and saving
 * the diagnostics report and the log to a USB stick or a folder (usbsave), and
 * reset (remove everything) with its resume.  An operation the wizard could not
 * drive would be a NULL entry, and the wizard would show its honest "not available
 * yet" screen.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <libintl.h>
#include <mntent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/winrescue.h"
#include "../i18n.h"
#include "backend.h"
#include "model.h"
#include "text.h"

struct real {
	char **disks;			/* --disk images, or NULL: every disk */
	char *const *sources;		/* --source files and folders */
	char resume_target[4096];	/* the volume find_interrupted found */
	unsigned resume_partition;
	enum wz_op resume_op;		/* WZ_OP_REFRESH, WZ_OP_RESET or WZ_OP_REPAIR */
	struct wr_inspection *in;
	bool fresh;			/* in was made by find_interrupted, not shown yet */
	/* Where each installation of the last find_pcs lies in the inspection. */
	size_t where_disk[WZ_MAX_PCS], where_vol[WZ_MAX_PCS];
	size_t npcs;
	struct wr_usbsave_list drives;	/* the last find_drives */
};

static double real_now(void *ctx)
{
	struct timespec t;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Where to look for images besides the disk itself: the --source paths, then
 * mounted removable media and folders a person may have mounted by hand (searched for
 * sources\install.wim|esd|swm). */
static char **media_dirs(const struct real *r)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return NULL;
	for (char *const *p = r->sources; p && *p; p++) {
		char **nv = realloc(v, (n + 2) * sizeof(*v));

		if (!nv)
			break;
		v = nv;
		v[n] = strdup(*p);
		if (!v[n])
			break;
		v[++n] = NULL;
	}
	if (!f)
		return v;
	while ((m = getmntent(f))) {
		char **nv;

		/* Block devices that a desktop automounter or a person mounted. */
		if (strncmp(m->mnt_fsname, "/dev/", 5))
			continue;
		if (strncmp(m->mnt_dir, "/media/", 7) && strncmp(m->mnt_dir, "/run/media/", 11) &&
		    strncmp(m->mnt_dir, "/mnt/", 5) && strcmp(m->mnt_dir, "/mnt"))
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(m->mnt_dir);
		if (!v[n])
			break;
		v[++n] = NULL;
	}
	endmntent(f);
	return v;
}

static int real_find_pcs(void *ctx, struct wz_pc_list *out)
{
	struct real *r = ctx;
	struct wr_detail d = WR_DETAIL_INIT;
	char **media = media_dirs(r);
	int ret;

	r->npcs = 0;
	if (r->in && r->fresh) {
		/* Just made by find_interrupted: no need to read every disk again. */
		ret = WR_OK;
	} else {
		wr_inspection_free(r->in);
		r->in = NULL;
		ret = wr_inspect((const char *const *)r->disks, (const char *const *)media, 0,
				 NULL, NULL, &r->in, &d);
		if (ret)
			wr_log_err("wizard: inspect", ret, &d);
	}
	r->fresh = false;
	wr_strv_free(media);
	if (!r->in)
		return ret ? ret : WR_ERR_NOMEM;
	for (size_t i = 0; i < r->in->ndisks; i++) {
		const struct wr_disk_report *dr = &r->in->disks[i];

		if (!dr->disk) {
			if (!out->note) {
				out->note = geteuid() ? N_("A disk could not be read. winrescue needs to run as the administrator (root).")
						      : N_("A disk could not be read.");
				text_copy(out->note_subject, sizeof(out->note_subject), dr->path);
			}
			continue;
		}
		out->ndisks++;
		for (size_t j = 0; j < dr->nvolumes && out->n < WZ_MAX_PCS; j++) {
			const struct wr_volume_report *vr = &dr->volumes[j];
			const struct wr_windows *w = vr->windows;
			struct wz_install *pc;

			if (!w)
				continue;
			pc = &out->v[out->n];
			text_copy(pc->disk_path, sizeof(pc->disk_path), dr->path);
			pc->partition = vr->ext.partition;
			pc->disk_size = dr->disk->size;
			text_copy(pc->product, sizeof(pc->product), w->product_name[0] ? w->product_name : "Windows");
			text_copy(pc->marketing, sizeof(pc->marketing), w->marketing_name);
			pc->major = w->major;
			pc->minor = w->minor;
			pc->build = w->build;
			if (vr->state.size > vr->state.free)
				pc->used_bytes = vr->state.size - vr->state.free;
			text_copy(pc->arch, sizeof(pc->arch), wr_arch_name(w->arch));
			for (size_t u = 0; u < w->nusers && pc->nusers < WZ_MAX_USERS; u++)
				if (!w->users[u].special)
					text_copy(pc->users[pc->nusers++], sizeof(pc->users[0]), w->users[u].name);
			r->where_disk[out->n] = i;
			r->where_vol[out->n] = j;
			out->n++;
		}
	}
	r->npcs = out->n;
	if (out->n == 0 && !out->note && out->ndisks == 0)
		out->note = N_("No disk was found.");
	return WR_OK;
}

static struct wr_volume_report *volume_of(struct real *r, const struct wz_install *pc,
					  struct wr_disk_report **disk)
{
	if (!r->in)
		return NULL;
	for (size_t k = 0; k < r->npcs; k++) {
		struct wr_disk_report *dr = &r->in->disks[r->where_disk[k]];
		struct wr_volume_report *vr = &dr->volumes[r->where_vol[k]];

		if (!strcmp(dr->path, pc->disk_path) && vr->ext.partition == pc->partition) {
			if (disk)
				*disk = dr;
			return vr;
		}
	}
	return NULL;
}

static struct wz_finding *finding(struct wz_checkup *c, enum wz_light l, const char *text,
				  const char *advice, const char *subject)
{
	struct wz_finding *f;

	if (c->n >= WZ_MAX_FINDINGS)
		return &c->v[WZ_MAX_FINDINGS - 1];
	f = &c->v[c->n++];
	memset(f, 0, sizeof(*f));
	f->light = l;
	f->text = text;
	f->advice = advice;
	text_copy(f->args[0], sizeof(f->args[0]), subject ? subject : "");
	return f;
}

static enum wz_light severity_light(enum wr_severity s)
{
	switch (s) {
	case WR_SEV_OK:
		return WZ_LIGHT_GREEN;
	case WR_SEV_WARNING:
		return WZ_LIGHT_YELLOW;
	default:
		return WZ_LIGHT_RED;
	}
}

/* The check-up from the diagnostics engine: every finding of the PC, worst first,
 * with its advice, and the support code.  false when it could not run (the check-up
 * is then made from the inspection alone, below). */
static int diagnose(struct real *r, struct wr_diagnosis *dg)
{
	struct wr_diagnose_opts o;
	struct wr_detail d = WR_DETAIL_INIT;
	char **media;
	int ret;

	memset(dg, 0, sizeof(*dg));
	if (!r->in)
		return WR_ERR_NOT_FOUND;
	memset(&o, 0, sizeof(o));
	media = media_dirs(r);
	o.paths = (const char *const *)r->disks;
	o.extra_sources = (const char *const *)media;
	ret = wr_diagnose_inspection(r->in, &o, dg, &d);
	wr_strv_free(media);
	if (ret) {
		wr_log_err("wizard: diagnose", ret, &d);
		wr_diagnosis_release(dg);
	}
	return ret;
}

static bool checkup_from_diagnosis(struct real *r, struct wz_checkup *out)
{
	struct wr_diagnosis dg;

	if (diagnose(r, &dg))
		return false;
	out->disk_health = N_("not reported");
	for (size_t i = 0; i < dg.n; i++) {
		const struct wr_finding *f = &dg.v[i];
		struct wz_finding *z;

		if (!strncmp(f->id, "disk.smart", 10) && strcmp(f->id, "disk.smart.none"))
			out->disk_health = f->severity == WR_SEV_OK ? N_("good") :
					   f->severity == WR_SEV_WARNING ? N_("worn") : N_("failing");
		if (f->severity == WR_SEV_CRITICAL &&
		    (f->advice == WR_ADVICE_BACKUP || f->advice == WR_ADVICE_BITLOCKER_KEY)) {
			out->blocks_refresh = true;
			out->blocks_reason = f->msgid;
		}
		if (out->n >= WZ_MAX_FINDINGS)
			continue;
		z = &out->v[out->n++];
		memset(z, 0, sizeof(*z));
		z->light = severity_light(f->severity);
		z->text = f->msgid;
		z->advice = f->advice != WR_ADVICE_NONE ? wr_advice_text(f->advice) : NULL;
		for (size_t k = 0; k < 3 && k < WR_FINDING_ARGS; k++)
			text_copy(z->args[k], sizeof(z->args[k]), f->args[k]);
	}
	if (out->blocks_refresh) {
		/* The reason is a finding's sentence: give it its arguments. */
		for (size_t i = 0; i < out->n; i++)
			if (out->v[i].text == out->blocks_reason && out->v[i].args[0][0])
				out->blocks_reason = N_("The check-up found a problem that must be solved first.");
	}
	text_copy(out->support_code, sizeof(out->support_code), dg.code);
	wr_diagnosis_release(&dg);
	return true;
}

static bool step(wz_progress_cb cb, void *cbctx, unsigned i, unsigned n, const char *name)
{
	struct wz_progress p = { i, n, name, 0, 1, false };

	return cb && cb(&p, cbctx);
}

/* The support code: the Windows version, then two hex digits of finding bits that a
 * helpdesk can decode: 01 BitLocker, 02 hibernated, 04 Fast Startup, 08 dirty,
 * 10 disk failing, 20 damaged sectors, 40 registry unreadable, 80 WinRE missing. */
static void support_code(const struct wr_windows *w, unsigned bits, char *buf, size_t size)
{
	snprintf(buf, size, "%u%u-%02X", w ? w->major % 100 : 0, w ? w->minor % 10 : 0, bits & 0xff);
}

static int real_checkup(void *ctx, const struct wz_install *pc, struct wz_checkup *out,
			wz_progress_cb cb, void *cbctx)
{
	struct real *r = ctx;
	struct wr_disk_report *dr = NULL;
	struct wr_volume_report *vr = volume_of(r, pc, &dr);
	const struct wr_volume_state *st;
	char size[64];
	unsigned bits = 0;

	if (!vr)
		return WR_ERR_NOT_FOUND;
	st = &vr->state;
	if (step(cb, cbctx, 1, 3, N_("Checking the Windows volume")))
		return WR_ERR_ABORTED;
	if (checkup_from_diagnosis(r, out))
		return step(cb, cbctx, 3, 3, N_("Checking Windows")) ? WR_ERR_ABORTED : WR_OK;
	if (st->bitlocker) {
		bits |= 0x01;
		out->blocks_refresh = true;
		out->blocks_reason = N_("The Windows volume is encrypted with BitLocker. Turn BitLocker off in Windows first.");
		finding(out, WZ_LIGHT_RED, N_("The Windows volume is encrypted with BitLocker."),
			N_("winrescue cannot refresh an encrypted volume. Turn BitLocker off in Windows, or use Reset."),
			NULL);
	}
	if (st->hibernated) {
		bits |= 0x02;
		finding(out, WZ_LIGHT_YELLOW, N_("Windows is hibernated: a session is saved on the disk."),
			N_("If Windows still starts, start it and shut it down. Otherwise a refresh discards the saved session; your files are not affected."),
			NULL);
	}
	if (st->fast_startup) {
		bits |= 0x04;
		finding(out, WZ_LIGHT_YELLOW, N_("Windows was shut down with Fast Startup."),
			N_("If Windows still starts, restart it once from the Start screen. Otherwise a refresh discards the saved state; your files are not affected."),
			NULL);
	}
	if (st->dirty) {
		bits |= 0x08;
		finding(out, WZ_LIGHT_YELLOW, N_("The Windows volume was not closed cleanly."),
			N_("Windows will check the disk the next time it starts."), NULL);
	}
	if (!st->bitlocker && !st->hibernated && !st->fast_startup && !st->dirty)
		finding(out, WZ_LIGHT_GREEN, N_("The Windows volume is in good order."), NULL, NULL);
	if (st->size) {
		wizard_format_size(st->free, false, size, sizeof(size));
		if (st->free < st->size / 10 || st->free < 8ULL << 30)
			/* TRANSLATORS: %1$s is a size ("489 MB"). */
			finding(out, WZ_LIGHT_YELLOW, N_("Little free space is left on the Windows volume: %1$s."),
				N_("A refresh needs room for a new copy of Windows. Delete files you do not need, or move them to another disk."),
				size);
		else
			/* TRANSLATORS: %1$s is a size ("120 GB"). */
			finding(out, WZ_LIGHT_GREEN, N_("Free space on the Windows volume: %1$s."), NULL, size);
	}

	if (step(cb, cbctx, 2, 3, N_("Checking the disk's health")))
		return WR_ERR_ABORTED;
	out->disk_health = N_("not reported");
	if (dr->disk && dr->disk->is_image) {
		finding(out, WZ_LIGHT_GREY, N_("This is a disk image file: it has no health data to read."), NULL, NULL);
	} else {
		struct wr_smart sm;
		struct wr_detail d = WR_DETAIL_INIT;
		int ret = wr_smart_read(pc->disk_path, &sm, &d);

		if (ret) {
			wr_log_err("wizard: smart", ret, &d);
			finding(out, WZ_LIGHT_GREY, N_("The disk's health could not be read."), NULL, NULL);
		} else if (sm.state == WR_SMART_NO_TOOL) {
			finding(out, WZ_LIGHT_GREY, N_("The disk's health was not checked: smartctl is not installed."), NULL, NULL);
		} else if (sm.state == WR_SMART_UNAVAILABLE) {
			finding(out, WZ_LIGHT_GREY, N_("This disk does not report its health."), NULL, NULL);
		} else if ((sm.verdict_known && !sm.passed) || sm.failing_now ||
			   (sm.is_nvme && sm.nvme_critical_warning > 0)) {
			bits |= 0x10;
			out->disk_health = N_("failing");
			out->blocks_refresh = true;
			out->blocks_reason = N_("The disk is failing. Copy your files to another disk first.");
			finding(out, WZ_LIGHT_RED, N_("The disk reports that it is failing."),
				N_("Copy your files to another disk before anything else. Do not refresh or reset Windows on this disk."),
				NULL);
		} else if (sm.reallocated > 0 || sm.pending > 0 || sm.offline_uncorrectable > 0 ||
			   sm.nvme_media_errors > 0) {
			long long n = (sm.reallocated > 0 ? sm.reallocated : 0) +
				      (sm.pending > 0 ? sm.pending : 0) +
				      (sm.nvme_media_errors > 0 ? sm.nvme_media_errors : 0);
			char num[32];

			bits |= 0x20;
			out->disk_health = N_("worn");
			snprintf(num, sizeof(num), "%lld", n);
			/* TRANSLATORS: %1$s is a number of sectors. */
			finding(out, WZ_LIGHT_YELLOW, N_("The disk has damaged areas (%1$s sectors)."),
				N_("Copy your files to another disk soon. The surface scan shows where the damage is."),
				num);
		} else {
			out->disk_health = N_("good");
			finding(out, WZ_LIGHT_GREEN, N_("The disk reports good health."), NULL, NULL);
		}
	}

	if (step(cb, cbctx, 3, 3, N_("Checking Windows")))
		return WR_ERR_ABORTED;
	if (vr->windows && vr->windows->registry_err) {
		bits |= 0x40;
		/* TRANSLATORS: %1$s is a hive's path ("\\Windows\\System32\\config\\SOFTWARE"). */
		finding(out, WZ_LIGHT_YELLOW, N_("Part of the registry could not be read: %1$s."),
			N_("Windows may not start. A refresh replaces the system registry and keeps your files."),
			vr->windows->registry_subject);
	}
	if (vr->windows && vr->windows->has_reagent && vr->windows->reagent.winre_enabled &&
	    !vr->windows->winre_present) {
		bits |= 0x80;
		finding(out, WZ_LIGHT_YELLOW, N_("The Windows Recovery Environment is missing."),
			N_("Windows cannot repair itself. winrescue can still refresh it."), NULL);
	}
	support_code(vr->windows, bits, out->support_code, sizeof(out->support_code));
	return WR_OK;
}

static void add_source(struct wz_source_list *out, const struct wr_source *s, size_t img,
		       unsigned mismatch)
{
	struct wz_source *z;
	const char *slash;

	if (out->n >= WZ_MAX_SOURCES)
		return;
	z = &out->v[out->n++];
	memset(z, 0, sizeof(*z));
	z->kind = s->kind == WR_SOURCE_CUSTOM ? WZ_SRC_CUSTOM :
		  s->kind == WR_SOURCE_OEM ? WZ_SRC_OEM : WZ_SRC_MEDIA;
	text_copy(z->where, sizeof(z->where), s->where);
	text_copy(z->path, sizeof(z->path), s->path);
	z->mismatch = mismatch;
	if (!s->info) {
		slash = strrchr(s->path, '/');
		text_copy(z->name, sizeof(z->name), slash ? slash + 1 : s->path);
		return;
	}
	{
		const struct wr_image_info *im = &s->info->images[img];

		z->index = im->index;
		text_copy(z->name, sizeof(z->name), im->product_name[0] ? im->product_name : im->name);
		text_copy(z->marketing, sizeof(z->marketing), wr_winsys_marketing_name(im->major, im->minor, im->build,
						  im->installation_type));
		text_copy(z->edition, sizeof(z->edition), im->edition);
		text_copy(z->arch, sizeof(z->arch), wr_arch_name(im->arch));
		z->build = im->build;
		z->bytes = im->total_bytes;
	}
}

static unsigned map_mismatch(unsigned m)
{
	unsigned z = 0;

	z |= m & WR_MISMATCH_ARCH ? WZ_MIS_ARCH : 0;
	z |= m & WR_MISMATCH_EDITION ? WZ_MIS_EDITION : 0;
	z |= m & WR_MISMATCH_VERSION ? WZ_MIS_VERSION : 0;
	z |= m & WR_MISMATCH_OLDER_BUILD ? WZ_MIS_OLDER_BUILD : 0;
	z |= m & WR_MISMATCH_NOT_WINDOWS ? WZ_MIS_NOT_WINDOWS : 0;
	return z;
}

static int real_find_sources(void *ctx, const struct wz_install *pc, struct wz_source_list *out)
{
	struct real *r = ctx;
	struct wr_disk_report *dr = NULL;
	struct wr_volume_report *vr = volume_of(r, pc, &dr);
	struct wr_source_list list = { 0, NULL };
	struct wr_detail d = WR_DETAIL_INIT;
	char **media;
	int ret;

	if (!vr || !vr->windows)
		return WR_ERR_NOT_FOUND;
	/* Look again each time: the person may just have inserted a USB stick. */
	media = media_dirs(r);
	ret = wr_sources_find(vr->windows, dr->disk, (const char *const *)media, &list, &d);
	wr_strv_free(media);
	if (ret) {
		wr_log_err("wizard: sources", ret, &d);
		return ret;
	}
	/* Best first: the engine's order, usable images before the others. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < list.n; i++) {
			const struct wr_source *s = &list.v[i];

			if (!s->info) {
				if (pass == 1)
					add_source(out, s, 0, WZ_MIS_UNREADABLE);
				continue;
			}
			for (size_t k = 0; k < s->info->image_count; k++) {
				unsigned m = map_mismatch(s->mismatch ? s->mismatch[k] : 0);

				/* wr_refresh_plan opens images as host files only for now. */
				if (access(s->path, R_OK))
					m |= WZ_MIS_IN_PARTITION;
				if ((pass == 0) == (m == 0))
					add_source(out, s, k, m);
			}
		}
	wr_source_list_release(&list);
	return WR_OK;
}

static int real_removed_apps(void *ctx, const struct wz_install *pc, struct wz_app_list *out)
{
	struct real *r = ctx;
	struct wr_volume_report *vr = volume_of(r, pc, NULL);

	if (!vr)
		return WR_ERR_NOT_FOUND;
	if (vr->apps_err)
		return vr->apps_err;
	/* A refresh installs a Windows without any desktop app of the old one, so every
	 * desktop app Programs and Features listed is removed (Windows 8 does the same). */
	for (size_t i = 0; i < vr->apps.n; i++) {
		const struct wr_app *a = &vr->apps.v[i];

		if (out->n >= WZ_MAX_APPS) {
			out->more++;
			continue;
		}
		snprintf(out->names[out->n++], sizeof(out->names[0]), "%s%s%s%s", a->name,
			 a->publisher ? " (" : "", a->publisher ? a->publisher : "",
			 a->publisher ? ")" : "");
	}
	return WR_OK;
}

/* An operation failed: logged with the engine's detail, and the file or device the
 * detail names kept for the done screen. */
static void op_failed(const char *what, int ret, const struct wr_detail *d,
		      struct wz_outcome *out)
{
	wr_log_err(what, ret, d);
	text_copy(out->err_subject, sizeof(out->err_subject), d->subject);
}

struct scan_ctx {
	wz_progress_cb cb;
	void *cbctx;
};

static enum wr_prog_status scan_progress(enum wr_prog_msg msg, const union wr_prog_info *info,
					 void *ctx)
{
	struct scan_ctx *s = ctx;
	struct wz_progress p = { 1, 1, N_("Reading the whole disk"), 0, 0, false };

	if (msg != WR_PROG_BYTES)
		return WR_PROG_CONTINUE;
	p.done = info->amount.done;
	p.total = info->amount.total;
	return s->cb && s->cb(&p, s->cbctx) ? WR_PROG_ABORT : WR_PROG_CONTINUE;
}

static int real_scan(void *ctx, const struct wz_install *pc, const struct wz_source *src,
		     wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct scan_ctx s = { cb, cbctx };
	struct wr_surface_result res;
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	(void)ctx;
	(void)src;
	if (!pc)
		return WR_ERR_INVALID_ARG;
	memset(&res, 0, sizeof(res));
	ret = wr_surface_scan(pc->disk_path, NULL, scan_progress, &s, &res, &d);
	if (ret && ret != WR_ERR_ABORTED) {
		op_failed("wizard: surface scan", ret, &d, out);
	}
	if (!ret) {
		snprintf(out->summary_subject, sizeof(out->summary_subject), "%llu",
			 (unsigned long long)res.bad_sectors);
		if (res.bad_sectors)
			/* TRANSLATORS: %1$s is a number of sectors. */
			out->summary = N_("The scan found %1$s unreadable sectors. Copy your files to another disk soon.");
		else if (res.nslow)
			out->summary = N_("The scan found no unreadable sectors, but some areas are slow to read.");
		else
			out->summary = N_("The scan found no unreadable sectors.");
	}
	wr_surface_result_release(&res);
	return ret;
}

/* Progress of a refresh (or its resume), as the wizard wants it. */
struct op_ctx {
	wz_progress_cb cb;
	void *cbctx;
	struct wz_progress p;
};

static enum wr_prog_status op_progress(enum wr_prog_msg msg, const union wr_prog_info *info,
				       void *ctx)
{
	struct op_ctx *o = ctx;

	switch (msg) {
	case WR_PROG_STEP_BEGIN:
		o->p.step = info->step.index;
		o->p.nsteps = info->step.count;
		o->p.step_name = info->step.name;
		o->p.done = 0;
		o->p.total = 0;
		/* wr_refresh_run: stopping is safe only before step 2 begins. */
		if (info->step.index >= 2)
			o->p.no_return = true;
		break;
	case WR_PROG_STEP_END:
		o->p.done = o->p.total = 1;
		break;
	case WR_PROG_BYTES:
	case WR_PROG_ITEMS:
		o->p.done = info->amount.done;
		o->p.total = info->amount.total;
		break;
	default:
		return WR_PROG_CONTINUE;
	}
	return o->cb && o->cb(&o->p, o->cbctx) && !o->p.no_return ? WR_PROG_ABORT
								    : WR_PROG_CONTINUE;
}

/* Removed Apps.html in the person's language (the report module's msgids). */
static void report_texts(struct wr_report_texts *t)
{
	wr_report_texts_init(t);
	t->title = t->title ? gettext(t->title) : NULL;
	t->intro = t->intro ? gettext(t->intro) : NULL;
	t->made_for = t->made_for ? gettext(t->made_for) : NULL;
	t->col_name = t->col_name ? gettext(t->col_name) : NULL;
	t->col_version = t->col_version ? gettext(t->col_version) : NULL;
	t->col_publisher = t->col_publisher ? gettext(t->col_publisher) : NULL;
	t->col_link = t->col_link ? gettext(t->col_link) : NULL;
	t->none = t->none ? gettext(t->none) : NULL;
}

static void refresh_outcome(const struct wr_refresh_plan *plan, struct wz_outcome *out)
{
	snprintf(out->old_system, sizeof(out->old_system), "C:\\%s",
		 plan->old_dir[0] ? plan->old_dir : "Windows.old");
	snprintf(out->apps_list, sizeof(out->apps_list), "%s", "Desktop\\Removed Apps.html");
	if (wr_log_path())
		text_copy(out->log_path, sizeof(out->log_path), wr_log_path());
}

static int real_refresh(void *ctx, const struct wz_install *pc, const struct wz_source *src,
			wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct wr_refresh_opts o;
	struct wr_refresh_plan plan;
	struct wr_report_texts texts;
	struct wr_detail d = WR_DETAIL_INIT;
	struct op_ctx oc = { cb, cbctx, { 0, WR_REFRESH_STEPS, NULL, 0, 0, false } };
	int ret;

	(void)ctx;
	if (!pc)
		return WR_ERR_INVALID_ARG;
	memset(&o, 0, sizeof(o));
	report_texts(&texts);
	o.target = pc->disk_path;
	o.partition = pc->partition;
	/* A file the host can open is passed as chosen; an image inside a partition (the
	 * recovery partition's install.wim) is what the engine finds as the best source
	 * itself, which is the one the wizard listed first. */
	if (src && src->path[0] == '/') {
		o.source = src->path;
		o.index = src->index;
	}
	/* The check-up told the person that a hibernated or Fast Startup session is
	 * discarded, and the confirmation screen is where they agreed. */
	o.discard_hibernation = true;
	o.language = i18n_language();
	o.report_texts = &texts;
	ret = wr_refresh_plan(&o, &plan, &d);
	if (!ret)
		ret = wr_refresh_run(&o, &plan, op_progress, &oc, &d);
	if (ret) {
		op_failed("wizard: refresh", ret, &d, out);
	} else {
		refresh_outcome(&plan, out);
	}
	wr_refresh_plan_release(&plan);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* Reset (remove everything)                                                 */

static void reset_opts(const struct wz_install *pc, const struct wz_source *src,
		       struct wr_reset_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->target = pc->disk_path;
	o->partition = pc->partition;
	/* As for refresh: a file the host can open is passed as chosen; otherwise the
	 * engine takes the best source itself, the one the wizard listed first. */
	if (src && src->path[0] == '/') {
		o->source = src->path;
		o->index = src->index;
	}
}

static void copy_top(char *const *top, char out[][128], size_t *n)
{
	*n = 0;
	for (size_t i = 0; top && top[i] && *n < WZ_RESET_TOP; i++)
		text_copy(out[(*n)++], 128, top[i]);
}

static int real_reset_plan(void *ctx, const struct wz_install *pc, const struct wz_source *src,
			   struct wz_reset_plan *out)
{
	struct real *r = ctx;
	struct wr_reset_opts o;
	struct wr_reset_plan *p = calloc(1, sizeof(*p));
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	if (!p)
		return WR_ERR_NOMEM;
	reset_opts(pc, src, &o);
	/* Planned with the wipe, for its time estimate; the plan writes nothing. */
	o.wipe = true;
	ret = wr_reset_plan(&o, p, &d);
	/* An earlier reset of this disk that was not finished (the person said "Not
	 * now" on R1): the run would refuse it after the confirmation, so say it here,
	 * where it can be finished instead. */
	if (!ret && wr_reset_pending(pc->disk_path, pc->partition))
		ret = wr_detail_set(&d, WR_ERR_INTERRUPTED, 0, pc->disk_path);
	if (ret) {
		wr_log_err("wizard: reset plan", ret, &d);
		text_copy(out->err_subject, sizeof(out->err_subject), d.subject);
		if (ret == WR_ERR_INTERRUPTED) {
			/* X1 then offers to finish it. */
			text_copy(r->resume_target, sizeof(r->resume_target), pc->disk_path);
			r->resume_partition = pc->partition;
			r->resume_op = WZ_OP_RESET;
		}
		goto out;
	}
	text_copy(out->disk_path, sizeof(out->disk_path), p->disk_path);
	out->partition = p->partition;
	out->size = p->ext.size;
	text_copy(out->label, sizeof(out->label), p->label);
	if (p->windows)
		text_copy(out->product, sizeof(out->product), p->windows->product_name);
	text_copy(out->computer_name, sizeof(out->computer_name), p->computer_name);
	copy_top(p->top, out->top, &out->ntop);
	for (size_t i = 0; i < p->nothers && out->nothers < WZ_RESET_OTHERS; i++) {
		const struct wr_reset_other *x = &p->others[i];
		struct wz_reset_part *z = &out->others[out->nothers++];

		z->number = x->part.number;
		z->size = x->part.size;
		text_copy(z->label, sizeof(z->label), x->part.label);
		text_copy(z->fstype, sizeof(z->fstype), x->part.fstype);
		z->why_not = x->why_not;
		copy_top(x->top, z->top, &z->ntop);
	}
	text_copy(out->source_name, sizeof(out->source_name),
		  p->source.image.product_name[0] ? p->source.image.product_name : p->source.image.name);
	text_copy(out->source_path, sizeof(out->source_path),
		  p->source.partition ? p->source.inner : p->source.path);
	out->source_index = p->source.index;
	out->source_bytes = p->source.image.total_bytes;
	out->wipe_seconds = p->wipe_seconds;
out:
	wr_reset_plan_release(p);
	free(p);
	return ret;
}

/* Is the plan about to run the one the person confirmed on X2? */
static bool same_plan(const struct wr_reset_plan *p, const struct wz_reset_plan *c,
		      const struct wz_reset_choice *ch)
{
	if (strcmp(p->computer_name, c->computer_name) || p->partition != c->partition ||
	    p->ext.size != c->size)
		return false;
	for (size_t k = 0; k < ch->nalso; k++) {
		bool found = false;

		for (size_t i = 0; i < p->nothers && !found; i++)
			for (size_t j = 0; j < c->nothers && !found; j++)
				found = p->others[i].part.number == ch->also[k] &&
					c->others[j].number == ch->also[k] &&
					p->others[i].part.size == c->others[j].size && p->others[i].selected;
		if (!found)
			return false;
	}
	return true;
}

static int real_reset_run(void *ctx, const struct wz_install *pc, const struct wz_source *src,
			  const struct wz_reset_plan *confirmed, const struct wz_reset_choice *choice,
			  wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct wr_reset_opts o;
	struct wr_reset_plan *p = calloc(1, sizeof(*p));
	struct wr_detail d = WR_DETAIL_INIT;
	/* Past the point of no return from the start: the typed confirmation was it. */
	struct op_ctx oc = { cb, cbctx, { 0, WR_RESET_STEPS, NULL, 0, 0, true } };
	int ret;

	(void)ctx;
	if (!p)
		return WR_ERR_NOMEM;
	if (!pc) {
		free(p);
		return WR_ERR_INVALID_ARG;
	}
	reset_opts(pc, src, &o);
	o.wipe = choice->wipe;
	o.also_format = choice->also;
	o.nalso_format = choice->nalso;
	ret = wr_reset_plan(&o, p, &d);
	if (!ret && !same_plan(p, confirmed, choice)) {
		wr_log(WR_LOG_ERROR, "wizard: reset: the plan changed since it was confirmed");
		ret = wr_detail_set(&d, WR_ERR_NOT_CONFIRMED, 0, NULL);
	}
	if (!ret) {
		wr_log(WR_LOG_INFO, "wizard: reset of '%s' partition %u confirmed on screen", p->disk_path,
		       p->partition);
		ret = wr_reset_run(&o, p, op_progress, &oc, &d);
	}
	if (ret) {
		op_failed("wizard: reset", ret, &d, out);
	} else if (wr_log_path()) {
		text_copy(out->log_path, sizeof(out->log_path), wr_log_path());
	}
	wr_reset_plan_release(p);
	free(p);
	return ret;
}

/* Finish an interrupted reset (found on start, or by the plan on X1). */
static int reset_resume(struct real *r, wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct wr_reset_opts o;
	struct wr_reset_plan *p = calloc(1, sizeof(*p));
	struct wr_detail d = WR_DETAIL_INIT;
	struct op_ctx oc = { cb, cbctx, { 0, WR_RESET_STEPS, NULL, 0, 0, true } };
	int ret;

	if (!p)
		return WR_ERR_NOMEM;
	memset(&o, 0, sizeof(o));
	o.target = r->resume_target;
	o.partition = r->resume_partition;
	ret = wr_reset_resume(&o, p, op_progress, &oc, &d);
	/* WR_ERR_NOTHING_TO_RESUME stays an error: nothing was reinstalled, and the
	 * done screen must not say it was. */
	if (ret) {
		op_failed("wizard: reset resume", ret, &d, out);
	} else if (wr_log_path()) {
		text_copy(out->log_path, sizeof(out->log_path), wr_log_path());
	}
	wr_reset_plan_release(p);
	free(p);
	return ret;
}

static const char *registry_restore = N_("Restore the registry from its backup copies");

/* Finish a registry restore that `winrescue repair registry` began and a power cut
 * or a kill stopped (found on start).  It is rolled forward from its journal. */
static int registry_resume(struct real *r, wz_progress_cb cb, void *cbctx,
			   struct wz_outcome *out)
{
	struct wr_repair_registry_plan p;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent ext;
	struct op_ctx oc = { cb, cbctx, { 1, 1, registry_restore, 0, 0, true } };
	int ret;

	if (cb)
		cb(&oc.p, cbctx);	/* the step shown; there is no stopping it */
	ret = wr_blockdev_resolve(r->resume_target, r->resume_partition, &ext, &d);
	if (!ret)
		ret = wr_repair_resume(&ext, &p, &d);
	if (ret == WR_ERR_NOTHING_TO_RESUME) {
		/* It had changed nothing: the journal is gone and the hives are as they
		 * were; the restore itself can be started again from the command line. */
		out->note = N_("The restore had not changed anything yet, so the registry is as it was before.");
		ret = WR_OK;
	} else if (!ret && p.nrestore) {
		out->summary = N_("The registry hives were restored from their backup copies; the ones they replaced are kept beside them, with names ending in %1$s.");
		text_copy(out->summary_subject, sizeof(out->summary_subject), p.suffix);
	}
	if (ret) {
		op_failed("wizard: registry resume", ret, &d, out);
	} else if (wr_log_path()) {
		text_copy(out->log_path, sizeof(out->log_path), wr_log_path());
	}
	return ret;
}

static int real_resume(void *ctx, const struct wz_install *pc, const struct wz_source *src,
		       wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct real *r = ctx;
	struct wr_refresh_opts o;
	struct wr_refresh_plan plan;
	struct wr_report_texts texts;
	struct wr_detail d = WR_DETAIL_INIT;
	struct op_ctx oc = { cb, cbctx, { 0, WR_REFRESH_STEPS, NULL, 0, 0, true } };
	int ret;

	(void)pc;
	(void)src;
	if (r->resume_op == WZ_OP_RESET)
		return reset_resume(r, cb, cbctx, out);
	if (r->resume_op == WZ_OP_REPAIR)
		return registry_resume(r, cb, cbctx, out);
	memset(&o, 0, sizeof(o));
	report_texts(&texts);
	o.target = r->resume_target;
	o.partition = r->resume_partition;
	o.language = i18n_language();
	o.report_texts = &texts;
	ret = wr_refresh_resume(&o, &plan, op_progress, &oc, &d);
	if (ret == WR_ERR_NOTHING_TO_RESUME)
		ret = WR_OK;	/* it had changed nothing: the journal is gone, Windows is as it was */
	if (ret) {
		op_failed("wizard: resume", ret, &d, out);
	} else {
		refresh_outcome(&plan, out);
	}
	wr_refresh_plan_release(&plan);
	return ret;
}

/* Repair start-up: the bcdboot equivalent (boot manager files and a new BCD store,
 * the old one backed up beside it). */
static int real_repair(void *ctx, const struct wz_install *pc, const struct wz_source *src,
		       wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct op_ctx oc = { cb, cbctx, { 1, 1, N_("Writing the start-up files"), 0, 0, true } };
	int ret;

	(void)ctx;
	(void)src;
	if (!pc)
		return WR_ERR_INVALID_ARG;
	ret = wr_bootfiles_rebuild(pc->disk_path, pc->partition, op_progress, &oc, &d);
	if (ret) {
		op_failed("wizard: repair start-up", ret, &d, out);
	} else if (wr_log_path()) {
		text_copy(out->log_path, sizeof(out->log_path), wr_log_path());
	}
	return ret;
}

/* ------------------------------------------------------------------------- */
/* Recovery images (recimg)                                                  */

static void recimg_opts(const struct wz_install *pc, const char *dir, struct wr_recimg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->target = pc->disk_path;
	o->partition = pc->partition;
	o->dir = dir;
}

static int real_image_status(void *ctx, const struct wz_install *pc, struct wz_image_status *out)
{
	struct wr_recimg_opts o;
	struct wr_recimg_status *st = calloc(1, sizeof(*st));
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	(void)ctx;
	if (!st)
		return WR_ERR_NOMEM;
	recimg_opts(pc, NULL, &o);
	ret = wr_recimg_show(&o, st, &d);
	if (ret) {
		wr_log_err("wizard: image show", ret, &d);
		free(st);
		return ret;
	}
	out->registered = st->registered;
	text_copy(out->path, sizeof(out->path), st->loc.path);
	out->index = st->loc.index;
	text_copy(out->where, sizeof(out->where), st->where);
	out->image_err = st->image_err;
	if (!st->image_err) {
		text_copy(out->name, sizeof(out->name), st->image.name);
		text_copy(out->product, sizeof(out->product), st->image.product_name);
		out->system_bytes = st->image.total_bytes;
		out->file_bytes = st->file_bytes;
	}
	free(st);
	return WR_OK;
}

/* A capture reports bytes (and items while it scans): one step, stoppable. */
static enum wr_prog_status image_progress(enum wr_prog_msg msg, const union wr_prog_info *info,
					  void *ctx)
{
	struct op_ctx *o = ctx;

	if (msg != WR_PROG_BYTES && msg != WR_PROG_ITEMS)
		return WR_PROG_CONTINUE;
	o->p.done = info->amount.done;
	o->p.total = info->amount.total;
	return o->cb && o->cb(&o->p, o->cbctx) ? WR_PROG_ABORT : WR_PROG_CONTINUE;
}

static const char *not_on_partition =
	N_("Windows can only use an image kept on a partition of a disk, and this folder is not on one.");

static int real_image_create(void *ctx, const struct wz_install *pc, const char *dir,
			     wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct wr_recimg_opts o;
	struct wr_recimg_result *res = calloc(1, sizeof(*res));
	struct wr_detail d = WR_DETAIL_INIT;
	struct op_ctx oc = { cb, cbctx, { 1, 1, N_("Saving the recovery image"), 0, 0, false } };
	int ret;

	(void)ctx;
	if (!res)
		return WR_ERR_NOMEM;
	if (cb && cb(&oc.p, cbctx)) {
		free(res);
		return WR_ERR_ABORTED;
	}
	recimg_opts(pc, dir, &o);
	ret = wr_recimg_create(&o, image_progress, &oc, res, &d);
	if (ret) {
		op_failed("wizard: image create", ret, &d, out);
		free(res);
		return ret;
	}
	out->path_msg = N_("The recovery image was saved in this file:");
	text_copy(out->path, sizeof(out->path), res->wim_path);
	if (res->appended) {
		/* TRANSLATORS: %1$s is an image's number in the file ("2"). */
		out->summary = N_("The file already held images of this PC: this one was added as image %1$s.");
		snprintf(out->summary_subject, sizeof(out->summary_subject), "%u", res->index);
	}
	out->note = res->registered ? N_("A refresh of this Windows will now use this image.")
				    : not_on_partition;
	if (wr_log_path())
		text_copy(out->log_path, sizeof(out->log_path), wr_log_path());
	free(res);
	return WR_OK;
}

static int real_image_set(void *ctx, const struct wz_install *pc, const char *dir,
			  struct wz_outcome *out)
{
	struct wr_recimg_opts o;
	struct wr_recimg_result *res = calloc(1, sizeof(*res));
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	(void)ctx;
	if (!res)
		return WR_ERR_NOMEM;
	recimg_opts(pc, dir, &o);
	ret = wr_recimg_set(&o, res, &d);
	if (ret) {
		op_failed("wizard: image set", ret, &d, out);
		if (ret == WR_ERR_UNSUPPORTED)
			out->note = not_on_partition;
		free(res);
		return ret;
	}
	out->path_msg = N_("This recovery image is now registered:");
	text_copy(out->path, sizeof(out->path), res->wim_path);
	/* TRANSLATORS: %1$s is an image's number in the file ("2"). */
	out->summary = N_("A refresh of this Windows will now use image %1$s of this file.");
	snprintf(out->summary_subject, sizeof(out->summary_subject), "%u", res->index);
	free(res);
	return WR_OK;
}

static int real_image_deregister(void *ctx, const struct wz_install *pc, struct wz_outcome *out)
{
	struct wr_recimg_opts o;
	struct wr_detail d = WR_DETAIL_INIT;
	bool was = false;
	int ret;

	(void)ctx;
	recimg_opts(pc, NULL, &o);
	ret = wr_recimg_deregister(&o, &was, &d);
	if (ret) {
		op_failed("wizard: image deregister", ret, &d, out);
		return ret;
	}
	out->summary = was ? N_("The recovery image is no longer registered. A refresh will use the PC maker's recovery image or installation media.")
			   : N_("No recovery image of your own was registered; nothing was changed.");
	return WR_OK;
}

/* ------------------------------------------------------------------------- */
/* Places, folders, drives, the report (usbsave)                             */

static void place_from(const struct wr_usbsave_place *p, size_t ref, struct wz_place *z)
{
	memset(z, 0, sizeof(*z));
	text_copy(z->dir, sizeof(z->dir), p->dir);
	text_copy(z->device, sizeof(z->device), p->device);
	z->partition = p->partition;
	text_copy(z->label, sizeof(z->label), p->label);
	text_copy(z->fstype, sizeof(z->fstype), p->fstype);
	z->size = p->size;
	z->free = p->free;
	z->refuse = p->refuse;
	z->ref = ref;
}

static int real_find_places(void *ctx, const struct wz_install *pc, struct wz_place_list *out)
{
	struct wr_usbsave_list l = { 0, NULL };
	struct wr_detail d = WR_DETAIL_INIT;
	int ret;

	(void)ctx;
	ret = wr_usbsave_mounts(pc ? pc->disk_path : NULL, pc ? pc->partition : 0, &l, &d);
	if (ret) {
		wr_log_err("wizard: places", ret, &d);
		return ret;
	}
	for (size_t i = 0; i < l.n && out->n < WZ_MAX_PLACES; i++) {
		/* A mount point too long to show whole is not offered. */
		if (strlen(l.v[i].dir) >= sizeof(out->v[0].dir))
			continue;
		place_from(&l.v[i], i, &out->v[out->n++]);
	}
	wr_usbsave_list_release(&l);
	return WR_OK;
}

static int cmp_names(const void *a, const void *b)
{
	return strcoll(*(char *const *)a, *(char *const *)b);
}

/* The subfolders of dir a person would save into: no hidden ones, no symbolic links
 * (they may lead off the drive), no file systems' own. */
static int real_list_folders(void *ctx, const char *dir, struct wz_folder_list *out)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int ret = WR_OK;

	(void)ctx;
	if (!dh)
		return WR_ERR_OPEN;
	while ((e = readdir(dh))) {
		struct stat st;
		char **nv;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "lost+found") ||
		    !strcasecmp(e->d_name, "System Volume Information") ||
		    !strcasecmp(e->d_name, "$RECYCLE.BIN"))
			continue;
		if (fstatat(dirfd(dh), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		nv = realloc(names, (n + 1) * sizeof(*names));
		if (!nv || !(nv[n] = strdup(e->d_name))) {
			names = nv ? nv : names;
			ret = WR_ERR_NOMEM;
			break;
		}
		names = nv;
		n++;
	}
	closedir(dh);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (out->n < WZ_MAX_FOLDERS && strlen(names[i]) < sizeof(out->names[0]))
			text_copy(out->names[out->n++], sizeof(out->names[0]), names[i]);
		else
			out->more++;
		free(names[i]);
	}
	free(names);
	return ret;
}

static int real_find_drives(void *ctx, const struct wz_install *pc, struct wz_place_list *out)
{
	struct real *r = ctx;
	struct wr_detail d = WR_DETAIL_INIT;
	char **machine = NULL;
	const char **all = NULL;
	size_t n = 0;
	int ret;

	wr_usbsave_list_release(&r->drives);
	/* The --disk images, and the machine's own disks too: a USB stick plugged in
	 * while the wizard shows disk images is still a stick. */
	if (r->disks) {
		if (wr_disk_list(&machine, &d))
			wr_log_err("wizard: disk list", WR_ERR_OPEN, &d);
		all = calloc(wr_strv_len(r->disks) + wr_strv_len(machine) + 1, sizeof(*all));
		if (!all) {
			wr_disk_list_free(machine);
			return WR_ERR_NOMEM;
		}
		for (char **p = r->disks; *p; p++)
			all[n++] = *p;
		for (char **p = machine; p && *p; p++)
			all[n++] = *p;
	}
	ret = wr_usbsave_drives(all, pc ? pc->disk_path : NULL, &r->drives, &d);
	free(all);
	wr_disk_list_free(machine);
	if (ret) {
		wr_log_err("wizard: drives", ret, &d);
		return ret;
	}
	for (size_t i = 0; i < r->drives.n && out->n < WZ_MAX_PLACES; i++)
		place_from(&r->drives.v[i], i, &out->v[out->n++]);
	return WR_OK;
}

static const char *translate(const char *msgid)
{
	return gettext(msgid);
}

static int real_save_report(void *ctx, const struct wz_install *pc, const struct wz_place *drive,
			    const char *dir, wz_progress_cb cb, void *cbctx,
			    struct wz_outcome *out)
{
	struct real *r = ctx;
	struct wr_diagreport_params rp = { translate, i18n_language(), NULL };
	struct wr_diagnosis dg;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_usbsave_mount *m = NULL;
	const struct wr_usbsave_place *pl = NULL;
	char *text = NULL, *html = NULL, *json = NULL;
	char folder[128], made[4096], date[32];
	struct wr_usbsave_file files[4];
	size_t nfiles = 0;
	time_t now = time(NULL);
	struct tm tm;
	int ret, cret;

	(void)pc;
	if (step(cb, cbctx, 1, 3, N_("Making the report")))
		return WR_ERR_ABORTED;
	if (drive) {
		if (drive->ref < r->drives.n && !strcmp(r->drives.v[drive->ref].device, drive->device) &&
		    r->drives.v[drive->ref].partition == drive->partition)
			pl = &r->drives.v[drive->ref];
		if (!pl)
			return WR_ERR_NOT_FOUND;
	} else if (!dir || !*dir) {
		return WR_ERR_INVALID_ARG;
	}
	ret = diagnose(r, &dg);
	if (ret)
		return ret;
	if ((ret = wr_diagreport_text(&dg, &rp, &text, &d)) ||
	    (ret = wr_diagreport_html(&dg, &rp, &html, &d)) ||
	    (ret = wr_diagreport_json(&dg, &rp, &json, &d))) {
		wr_log_err("wizard: report", ret, &d);
		goto out;
	}
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(folder, sizeof(folder), "winrescue-%s-%s", date, dg.code[0] ? dg.code : "nocode");
	files[nfiles++] = (struct wr_usbsave_file){ "report.html", html, strlen(html), NULL };
	files[nfiles++] = (struct wr_usbsave_file){ "report.txt", text, strlen(text), NULL };
	files[nfiles++] = (struct wr_usbsave_file){ "report.json", json, strlen(json), NULL };
	if (wr_log_path())
		files[nfiles++] = (struct wr_usbsave_file){ "winrescue.log", NULL, 0, wr_log_path() };
	/* Stopping is safe until the files are written. */
	if (step(cb, cbctx, 2, 3, N_("Saving the report"))) {
		ret = WR_ERR_ABORTED;
		goto out;
	}
	if (pl) {
		ret = wr_usbsave_open(pl, &m, &d);
		if (ret) {
			op_failed("wizard: report drive", ret, &d, out);
			goto out;
		}
		dir = wr_usbsave_dir(m);
	}
	wr_log(WR_LOG_INFO, "wizard: saving the report in '%s'", dir);
	ret = wr_usbsave_write(dir, folder, files, nfiles, made, sizeof(made), &d);
	if (ret) {
		op_failed("wizard: report", ret, &d, out);
	}
	if (m) {
		bool ours = !pl->dir[0];
		size_t len = strlen(dir);

		step(cb, cbctx, 3, 3, N_("Unmounting the USB stick"));
		/* Where it is on the stick, which is unmounted now. */
		if (!ret && ours) {
			int n = snprintf(out->path, sizeof(out->path), "%s: %s",
					 pl->label[0] ? pl->label : pl->device,
					 strncmp(made, dir, len) ? made : made + len);

			if (n < 0 || (size_t)n >= sizeof(out->path))
				text_copy(out->path, sizeof(out->path), made);
		}
		cret = wr_usbsave_close(m, &d);
		if (cret && !ret) {
			wr_log_err("wizard: report drive", cret, &d);
			ret = cret;
			text_copy(out->err_subject, sizeof(out->err_subject), d.subject);
		}
		if (!ret && ours)
			out->note = N_("You can remove the USB stick now.");
	}
	if (!ret) {
		out->path_msg = N_("The report and the log were saved in this folder:");
		if (!out->path[0])
			text_copy(out->path, sizeof(out->path), made);
	}
out:
	free(text);
	free(html);
	free(json);
	wr_diagnosis_release(&dg);
	return ret;
}

static int real_find_interrupted(void *ctx, struct wz_interrupted *out)
{
	struct real *r = ctx;
	struct wz_pc_list scratch;

	memset(out, 0, sizeof(*out));
	memset(&scratch, 0, sizeof(scratch));
	/* The inspection is kept for the Your PC screen. */
	if (!r->in)
		real_find_pcs(ctx, &scratch);
	if (!r->in)
		return WR_OK;
	r->fresh = true;
	for (size_t i = 0; i < r->in->ndisks && !out->found; i++) {
		const struct wr_disk_report *dr = &r->in->disks[i];

		for (size_t j = 0; j < dr->nvolumes && !out->found; j++) {
			const struct wr_volume_report *vr = &dr->volumes[j];

			if (vr->interrupted || vr->interrupted_repair) {
				out->found = true;
				/* A refresh refuses to start over a repair's journal:
				 * the repair is finished first. */
				out->op = vr->interrupted_repair ? WZ_OP_REPAIR : WZ_OP_REFRESH;
				out->what = vr->interrupted_repair ? registry_restore : NULL;
				r->resume_op = out->op;
				text_copy(r->resume_target, sizeof(r->resume_target), dr->path);
				r->resume_partition = vr->ext.partition;
				text_copy(out->where, sizeof(out->where), dr->path);
				out->partition = vr->ext.partition;
			}
		}
	}
	/* A reset: its journal is on the live system until the format, then on the new
	 * volume; asked partition by partition, then for a whole-disk layout. */
	for (size_t i = 0; i < r->in->ndisks && !out->found; i++) {
		const struct wr_disk_report *dr = &r->in->disks[i];
		unsigned part = 0;
		bool found = false;

		if (!dr->disk)
			continue;
		for (size_t k = 0; k < dr->disk->nparts && !found; k++) {
			part = dr->disk->parts[k].number;
			found = wr_reset_pending(dr->path, part);
		}
		if (!found) {
			part = 0;
			found = wr_reset_pending(dr->path, 0);
		}
		if (found) {
			out->found = true;
			out->op = WZ_OP_RESET;
			r->resume_op = WZ_OP_RESET;
			text_copy(r->resume_target, sizeof(r->resume_target), dr->path);
			r->resume_partition = part;
			text_copy(out->where, sizeof(out->where), dr->path);
			out->partition = part;
		}
	}
	return WR_OK;
}

static void real_destroy(void *ctx)
{
	struct real *r = ctx;

	wr_inspection_free(r->in);
	wr_usbsave_list_release(&r->drives);
	free(r);
}

int backend_real_init(struct wz_backend *b, char *const *disk_images, char *const *sources)
{
	struct real *r = calloc(1, sizeof(*r));

	memset(b, 0, sizeof(*b));
	if (!r)
		return -1;
	r->disks = disk_images && disk_images[0] ? (char **)disk_images : NULL;
	r->sources = sources;
	b->ctx = r;
	b->find_pcs = real_find_pcs;
	b->checkup = real_checkup;
	b->find_sources = real_find_sources;
	b->removed_apps = real_removed_apps;
	b->run[WZ_OP_SCAN] = real_scan;
	b->run[WZ_OP_REFRESH] = real_refresh;
	b->run[WZ_OP_RESUME] = real_resume;
	b->run[WZ_OP_REPAIR] = real_repair;
	b->image_status = real_image_status;
	b->image_create = real_image_create;
	b->image_set = real_image_set;
	b->image_deregister = real_image_deregister;
	b->find_places = real_find_places;
	b->list_folders = real_list_folders;
	b->find_drives = real_find_drives;
	b->save_report = real_save_report;
	b->reset_plan = real_reset_plan;
	b->reset_run = real_reset_run;
	b->find_interrupted = real_find_interrupted;
	b->now = real_now;
	b->destroy = real_destroy;
	return 0;
}
