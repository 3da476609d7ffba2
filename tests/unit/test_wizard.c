/*
 * test_wizard.c - the wizard's screen models and flow, driven by keys, over a fake
 * backend (the only place a fake engine is used).
 *
 * Each test feeds keys to wizard_key() and asserts on the resulting models: screen
 * codes and steps, menus with disabled lines and their reasons, progress, language
 * switching (catalogs built with msgfmt from po/fragments/wizard.*.po at test time),
 * helper mode (the English pass), Russian plurals and sizes.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../ui/i18n.c"
#include "../../ui/wizard/model.c"
#include "../../ui/wizard/text.c"

/* ------------------------------------------------------------------------- */
/* The fake backend                                                          */

struct fake {
	struct wz_pc_list pcs;
	struct wz_checkup check;
	struct wz_source_list sources;
	struct wz_app_list apps;
	struct wz_interrupted intr;
	int op_err;
	unsigned op_steps;
	unsigned no_return_at;	/* step from which cancelling is impossible */
	int find_pcs_calls, find_sources_calls, run_calls[WZ_OP__COUNT];
	double clock;
	bool aborted;
	/* Recovery images, places, drives, the report. */
	struct wz_image_status img;
	struct wz_place_list places, drives;
	size_t nfolders;		/* subfolders every folder has (names "F01"...) */
	int img_calls, create_calls, set_calls, dereg_calls, report_calls, list_calls;
	char last_dir[1024];
	struct wz_place last_drive;
	bool report_to_drive;
	int task_err;
	/* Reset (X1, X2). */
	struct wz_reset_plan rplan;
	int rplan_err, rplan_calls, reset_calls;
	struct wz_reset_choice last_choice;
	struct wz_reset_plan last_confirmed;
	const struct wz_source *last_src;
	bool saw_cancellable;		/* a reset's progress ever offered to stop */
};

static struct fake F;
static struct wz_backend B;

static int fake_find_pcs(void *ctx, struct wz_pc_list *out)
{
	struct fake *f = ctx;

	f->find_pcs_calls++;
	*out = f->pcs;
	return 0;
}

static int fake_checkup(void *ctx, const struct wz_install *pc, struct wz_checkup *out,
			wz_progress_cb cb, void *cbctx)
{
	struct fake *f = ctx;

	assert_non_null(pc);
	for (unsigned i = 1; i <= 3; i++) {
		struct wz_progress p = { i, 3, N_("Checking Windows"), 0, 1, false };

		f->clock += 1;
		if (cb(&p, cbctx))
			return WR_ERR_ABORTED;
	}
	*out = f->check;
	return 0;
}

static int fake_find_sources(void *ctx, const struct wz_install *pc, struct wz_source_list *out)
{
	struct fake *f = ctx;

	assert_non_null(pc);
	f->find_sources_calls++;
	*out = f->sources;
	return 0;
}

static int fake_removed_apps(void *ctx, const struct wz_install *pc, struct wz_app_list *out)
{
	struct fake *f = ctx;

	(void)pc;
	*out = f->apps;
	return 0;
}

static int fake_run(void *ctx, const struct wz_install *pc, const struct wz_source *src,
		    wz_progress_cb cb, void *cbctx, struct wz_outcome *out, enum wz_op op)
{
	struct fake *f = ctx;

	(void)pc;
	(void)src;
	f->run_calls[op]++;
	for (unsigned s = 1; s <= f->op_steps; s++)
		for (unsigned k = 0; k <= 4; k++) {
			struct wz_progress p = { s, f->op_steps, N_("Moving the old system aside"), k, 4,
						 s >= f->no_return_at };

			f->clock += 30;
			if (cb(&p, cbctx) && !p.no_return) {
				f->aborted = true;
				return WR_ERR_ABORTED;
			}
		}
	if (f->op_err)
		return f->op_err;
	snprintf(out->old_system, sizeof(out->old_system), "C:\\Windows.old");
	snprintf(out->apps_list, sizeof(out->apps_list), "Desktop\\Removed Apps.html");
	return 0;
}

#define FAKE_OP(name, op)                                                                  \
	static int name(void *ctx, const struct wz_install *pc, const struct wz_source *src, \
			wz_progress_cb cb, void *cbctx, struct wz_outcome *out)             \
	{                                                                                  \
		return fake_run(ctx, pc, src, cb, cbctx, out, op);                          \
	}
FAKE_OP(fake_refresh, WZ_OP_REFRESH)
FAKE_OP(fake_resume, WZ_OP_RESUME)
FAKE_OP(fake_scan, WZ_OP_SCAN)

static int fake_reset_plan(void *ctx, const struct wz_install *pc, const struct wz_source *src,
			   struct wz_reset_plan *out)
{
	struct fake *f = ctx;

	assert_non_null(pc);
	f->rplan_calls++;
	f->last_src = src;
	if (f->rplan_err) {
		snprintf(out->err_subject, sizeof(out->err_subject), "/dev/sda");
		return f->rplan_err;
	}
	*out = f->rplan;
	return 0;
}

/* A reset's progress: every step past the point of no return, as the real backend
 * reports it; Esc must not stop it. */
static int fake_reset_run(void *ctx, const struct wz_install *pc, const struct wz_source *src,
			  const struct wz_reset_plan *confirmed, const struct wz_reset_choice *choice,
			  wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct fake *f = ctx;

	assert_non_null(pc);
	(void)src;
	f->reset_calls++;
	f->last_choice = *choice;
	f->last_confirmed = *confirmed;
	for (unsigned s = 1; s <= 5; s++)
		for (unsigned k = 0; k <= 4; k++) {
			struct wz_progress p = { s, 5, N_("Installing Windows"), k, 4, true };

			f->clock += 30;
			if (cb(&p, cbctx))
				f->saw_cancellable = true;
		}
	if (f->op_err)
		return f->op_err;
	snprintf(out->log_path, sizeof(out->log_path), "/var/log/winrescue.log");
	return 0;
}

static void add_other(const char *label, unsigned number, uint64_t size, const char *why,
		      const char *const *top)
{
	struct wz_reset_part *o = &F.rplan.others[F.rplan.nothers++];

	memset(o, 0, sizeof(*o));
	o->number = number;
	o->size = size;
	snprintf(o->label, sizeof(o->label), "%s", label);
	snprintf(o->fstype, sizeof(o->fstype), "ntfs");
	o->why_not = why;
	for (; top && *top; top++)
		snprintf(o->top[o->ntop++], sizeof(o->top[0]), "%s", *top);
}

/* The reset plan of the default PC: Windows on partition 3, an ESP, an MSR, a
 * recovery partition, and two data partitions a reset may also erase. */
static void fake_reset_default(void)
{
	static const char *const top[] = { "Data", "Program Files", "Users", "Windows", NULL };
	static const char *const photos[] = { "Photos", "Музыка", NULL };
	struct wz_reset_plan *r = &F.rplan;

	memset(r, 0, sizeof(*r));
	snprintf(r->disk_path, sizeof(r->disk_path), "/dev/sda");
	r->partition = 3;
	r->size = 200ULL << 30;
	snprintf(r->label, sizeof(r->label), "Windows");
	snprintf(r->product, sizeof(r->product), "Windows 8.1 Pro");
	snprintf(r->computer_name, sizeof(r->computer_name), "YAMADA-PC");
	for (size_t i = 0; top[i]; i++)
		snprintf(r->top[r->ntop++], sizeof(r->top[0]), "%s", top[i]);
	add_other("SYSTEM", 1, 100ULL << 20, N_("the EFI system partition"), NULL);
	add_other("", 2, 16ULL << 20, N_("the Microsoft reserved partition"), NULL);
	add_other("Recovery", 4, 1ULL << 30, N_("a recovery partition"), NULL);
	add_other("DATA", 5, 20ULL << 30, NULL, photos);
	add_other("", 6, 10ULL << 30, NULL, NULL);
	snprintf(r->source_name, sizeof(r->source_name), "Windows 8.1 Pro");
	snprintf(r->source_path, sizeof(r->source_path), "/media/usb/sources/install.wim");
	r->source_index = 2;
	r->source_bytes = 12ULL << 30;
	r->wipe_seconds = 1800;
}

static int fake_image_status(void *ctx, const struct wz_install *pc, struct wz_image_status *out)
{
	struct fake *f = ctx;

	assert_non_null(pc);
	f->img_calls++;
	*out = f->img;
	return 0;
}

static int fake_image_create(void *ctx, const struct wz_install *pc, const char *dir,
			     wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct fake *f = ctx;

	assert_non_null(pc);
	f->create_calls++;
	snprintf(f->last_dir, sizeof(f->last_dir), "%s", dir);
	for (unsigned k = 0; k <= 8; k++) {
		struct wz_progress p = { 1, 1, N_("Saving the recovery image"), k, 8, false };

		f->clock += 10;
		if (cb(&p, cbctx)) {
			f->aborted = true;
			return WR_ERR_ABORTED;
		}
	}
	if (f->task_err)
		return f->task_err;
	out->path_msg = N_("The recovery image was saved in this file:");
	snprintf(out->path, sizeof(out->path), "%s/CustomRefresh.wim", dir);
	out->note = N_("A refresh of this Windows will now use this image.");
	f->img.registered = true;
	f->img.index = 1;
	snprintf(f->img.path, sizeof(f->img.path), "\\RefreshImage");
	return 0;
}

static int fake_image_set(void *ctx, const struct wz_install *pc, const char *dir,
			  struct wz_outcome *out)
{
	struct fake *f = ctx;

	assert_non_null(pc);
	f->set_calls++;
	snprintf(f->last_dir, sizeof(f->last_dir), "%s", dir);
	if (f->task_err)
		return f->task_err;
	out->path_msg = N_("This recovery image is now registered:");
	snprintf(out->path, sizeof(out->path), "%s/CustomRefresh.wim", dir);
	return 0;
}

static int fake_image_deregister(void *ctx, const struct wz_install *pc, struct wz_outcome *out)
{
	struct fake *f = ctx;

	assert_non_null(pc);
	f->dereg_calls++;
	f->img.registered = false;
	out->summary = N_("The recovery image is no longer registered. A refresh will use the PC maker's recovery image or installation media.");
	return 0;
}

static int fake_find_places(void *ctx, const struct wz_install *pc, struct wz_place_list *out)
{
	(void)pc;
	*out = ((struct fake *)ctx)->places;
	return 0;
}

static int fake_list_folders(void *ctx, const char *dir, struct wz_folder_list *out)
{
	struct fake *f = ctx;

	f->list_calls++;
	snprintf(f->last_dir, sizeof(f->last_dir), "%s", dir);
	/* Folders named after their depth, so a test sees where it is. */
	for (size_t i = 0; i < f->nfolders; i++) {
		if (out->n < WZ_MAX_FOLDERS)
			snprintf(out->names[out->n++], sizeof(out->names[0]), "F%02zu", i + 1);
		else
			out->more++;
	}
	return 0;
}

static int fake_find_drives(void *ctx, const struct wz_install *pc, struct wz_place_list *out)
{
	(void)pc;
	*out = ((struct fake *)ctx)->drives;
	return 0;
}

static int fake_save_report(void *ctx, const struct wz_install *pc, const struct wz_place *drive,
			    const char *dir, wz_progress_cb cb, void *cbctx, struct wz_outcome *out)
{
	struct fake *f = ctx;
	struct wz_progress p = { 1, 2, N_("Making the report"), 0, 1, false };

	(void)pc;
	f->report_calls++;
	f->report_to_drive = drive != NULL;
	if (drive)
		f->last_drive = *drive;
	snprintf(f->last_dir, sizeof(f->last_dir), "%s", dir ? dir : "");
	if (cb(&p, cbctx))
		return WR_ERR_ABORTED;
	if (f->task_err)
		return f->task_err;
	out->path_msg = N_("The report and the log were saved in this folder:");
	if (drive) {
		snprintf(out->path, sizeof(out->path), "%s: /winrescue-2026-11-26-63-00",
			 drive->label);
		out->note = N_("You can remove the USB stick now.");
	} else {
		snprintf(out->path, sizeof(out->path), "%s/winrescue-2026-11-26-63-00", dir);
	}
	return 0;
}

static void add_place(struct wz_place_list *l, const char *dir, const char *device,
		      const char *label, uint64_t size, uint64_t free, int refuse)
{
	struct wz_place *p = &l->v[l->n];

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	snprintf(p->device, sizeof(p->device), "%s", device);
	snprintf(p->label, sizeof(p->label), "%s", label);
	snprintf(p->fstype, sizeof(p->fstype), "%s", dir[0] ? "ext4" : "vfat");
	p->size = size;
	p->free = free;
	p->refuse = refuse;
	p->ref = l->n++;
}

static int fake_interrupted(void *ctx, struct wz_interrupted *out)
{
	*out = ((struct fake *)ctx)->intr;
	return 0;
}

static double fake_now(void *ctx)
{
	return ((struct fake *)ctx)->clock;
}

static void set_pc(struct wz_install *pc, const char *marketing, const char *product,
		   unsigned minor, unsigned build, const char *const *users)
{
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->disk_path, sizeof(pc->disk_path), "/dev/sda");
	pc->partition = 4;
	pc->disk_size = 500107862016ULL;	/* a "500 GB" disk: 465 GB as Windows counts */
	snprintf(pc->marketing, sizeof(pc->marketing), "%s", marketing);
	snprintf(pc->product, sizeof(pc->product), "%s", product);
	pc->major = 6;
	pc->minor = minor;
	pc->build = build;
	snprintf(pc->arch, sizeof(pc->arch), "x64");
	for (; users && *users; users++)
		snprintf(pc->users[pc->nusers++], sizeof(pc->users[0]), "%s", *users);
}

static void add_source_img(const char *marketing, const char *name, unsigned mismatch)
{
	struct wz_source *s = &F.sources.v[F.sources.n++];

	memset(s, 0, sizeof(*s));
	s->kind = WZ_SRC_MEDIA;
	snprintf(s->where, sizeof(s->where), "/dev/sdb1");
	snprintf(s->path, sizeof(s->path), "/media/usb/sources/install.wim");
	s->index = 1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->marketing, sizeof(s->marketing), "%s", marketing);
	snprintf(s->arch, sizeof(s->arch), "x64");
	s->bytes = 12ULL << 30;
	s->mismatch = mismatch;
}

/* A PC with Windows 8.1, three users, matching media and two desktop apps. */
static void fake_default(void)
{
	static const char *const users[] = { "Alice", "Тарас", "山田太郎", NULL };

	memset(&F, 0, sizeof(F));
	F.pcs.ndisks = 1;
	F.pcs.n = 1;
	set_pc(&F.pcs.v[0], "Windows 8.1", "Windows 8.1 Pro", 3, 9600, users);
	F.check.disk_health = N_("good");
	snprintf(F.check.support_code, sizeof(F.check.support_code), "63-00");
	F.check.n = 2;
	F.check.v[0] = (struct wz_finding){ WZ_LIGHT_GREEN, N_("The Windows volume is in good order."), NULL, { "" } };
	F.check.v[1] = (struct wz_finding){ WZ_LIGHT_YELLOW, N_("Little free space is left on the Windows volume: %1$s."),
					    N_("A refresh needs room for a new copy of Windows. Delete files you do not need, or move them to another disk."),
					    { "3.2 GB" } };
	add_source_img("Windows 8.1", "Windows 8.1 Pro", 0);
	fake_reset_default();
	F.apps.n = 2;
	snprintf(F.apps.names[0], sizeof(F.apps.names[0]), "7-Zip 9.20 (Igor Pavlov)");
	snprintf(F.apps.names[1], sizeof(F.apps.names[1]), "秀丸エディタ");
	F.op_steps = 4;
	F.no_return_at = 2;
	F.pcs.v[0].used_bytes = 20ULL << 30;
	/* A USB hard disk, the Windows volume mounted by someone, the live system. */
	add_place(&F.places, "/media/usb", "/dev/sdb1", "USB-HDD", 500107862016ULL, 400ULL << 30, 0);
	add_place(&F.places, "/mnt/windows", "/dev/sda4", "", 200ULL << 30, 50ULL << 30,
		  WR_ERR_DIR_ON_TARGET);
	add_place(&F.places, "/", "/dev/vda", "", 32ULL << 30, 10ULL << 30, 0);
	F.nfolders = 2;
	/* A USB stick (not mounted) and a card mounted read-only. */
	add_place(&F.drives, "", "/dev/sdc", "STICK", 16ULL << 30, 0, 0);
	F.drives.v[0].partition = 1;
	add_place(&F.drives, "", "/dev/sdd", "CARD", 2ULL << 30, 0, WR_ERR_READ_ONLY);

	memset(&B, 0, sizeof(B));
	B.ctx = &F;
	B.find_pcs = fake_find_pcs;
	B.checkup = fake_checkup;
	B.find_sources = fake_find_sources;
	B.removed_apps = fake_removed_apps;
	B.run[WZ_OP_REFRESH] = fake_refresh;
	B.reset_plan = fake_reset_plan;
	B.reset_run = fake_reset_run;
	B.run[WZ_OP_SCAN] = fake_scan;
	B.image_status = fake_image_status;
	B.image_create = fake_image_create;
	B.image_set = fake_image_set;
	B.image_deregister = fake_image_deregister;
	B.find_places = fake_find_places;
	B.list_folders = fake_list_folders;
	B.find_drives = fake_find_drives;
	B.save_report = fake_save_report;
	B.now = fake_now;
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */

static struct wz_view V, VE;
static char catalogs[256];

static struct wz_view *view(struct wizard *wz)
{
	wizard_view(wz, false, &V);
	return &V;
}

/* Does any text of the view contain s? */
static bool has(const struct wz_view *v, const char *s)
{
	if (strstr(v->title, s) || strstr(v->hint, s) || strstr(v->stepline, s) ||
	    strstr(v->input_label, s) || strstr(v->bar_text, s) || strstr(v->fkeys, s))
		return true;
	for (size_t i = 0; i < v->nlines; i++)
		if (strstr(v->lines[i].text, s) || strstr(v->lines[i].mark, s))
			return true;
	for (size_t i = 0; i < v->nitems; i++)
		if (strstr(v->items[i].label, s) || strstr(v->items[i].desc, s) ||
		    strstr(v->items[i].reason, s))
			return true;
	return false;
}

#define assert_has(wz, s)                                                          \
	do {                                                                       \
		struct wz_view *v_ = view(wz);                                     \
		if (!has(v_, s))                                                   \
			fail_msg("screen %s lacks \"%s\"", v_->code, s);          \
	} while (0)

#define assert_screen(wz, c) assert_string_equal(view(wz)->code, c)

static enum wz_next keys(struct wizard *wz, const int *k)
{
	enum wz_next r = WZ_STAY;

	for (; *k; k++) {
		r = wizard_key(wz, *k);
		while (r == WZ_RUN)
			r = wizard_run(wz);
	}
	return r;
}
#define KEYS(wz, ...) keys(wz, (const int[]){ __VA_ARGS__, 0 })

/* What the progress screen showed while the work ran. */
struct seen {
	int percents[64];
	bool no_return[64];
	char hint[64][128];
	size_t n;
	int send_esc_at;	/* feed Esc at this tick (0: never) */
	struct wizard *wz;
};
static struct seen S;

static void record_tick(void *ctx)
{
	struct seen *s = ctx;
	struct wz_view *v = view(s->wz);

	if (s->n < 64) {
		s->percents[s->n] = v->percent;
		s->no_return[s->n] = s->wz->prog.no_return;
		text_copy(s->hint[s->n], sizeof(s->hint[0]), v->hint);
		s->n++;
	}
	if (s->send_esc_at && (int)s->n == s->send_esc_at)
		wizard_key(s->wz, WZ_KEY_ESC);
}

static void reset_seen(struct wizard *wz)
{
	memset(&S, 0, sizeof(S));
	S.wz = wz;
}

static void start(struct wizard *wz, const char *lang, bool plain_console)
{
	i18n_set_language(lang);
	assert_int_equal(wizard_init(wz, &B, plain_console), 0);
	memset(&S, 0, sizeof(S));
	S.wz = wz;
	wz->tick = record_tick;
	wz->tick_ctx = &S;
}

/* Build a catalog from po/fragments/wizard.<lang>.po (with a header giving the
 * charset and Russian plural rule) into dir/<lang>/LC_MESSAGES/winrescue.mo. */
static int build_catalog(const char *dir, const char *lang, const char *plural)
{
	char frag[256], po[512], mo_dir[512], mo[600], cmd_out[16];
	FILE *in, *out;
	char buf[8192];
	size_t n;
	pid_t pid;
	int st;

	(void)cmd_out;
	snprintf(frag, sizeof(frag), "po/fragments/wizard.%s.po", lang);
	in = fopen(frag, "r");
	if (!in)
		return -1;
	snprintf(po, sizeof(po), "%s/%s.po", dir, lang);
	out = fopen(po, "w");
	assert_non_null(out);
	fprintf(out, "msgid \"\"\nmsgstr \"\"\n"
		     "\"Project-Id-Version: winrescue test\\n\"\n\"PO-Revision-Date: 2026-11-25 00:00+0000\\n\"\n"
		     "\"Last-Translator: test\\n\"\n\"Language-Team: test\\n\"\n\"Language: %s\\n\"\n"
		     "\"MIME-Version: 1.0\\n\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
		     "\"Content-Transfer-Encoding: 8bit\\n\"\n\"Plural-Forms: %s\\n\"\n\n", lang, plural);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	/* The reset screens' own fragment. */
	snprintf(frag, sizeof(frag), "po/fragments/wizreset.%s.po", lang);
	in = fopen(frag, "r");
	if (!in) {
		fclose(out);
		return -1;
	}
	fputc('\n', out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	/* The engine's messages (step names, reasons, errors) from po/<lang>.po; the
	 * fragments come first. */
	{
		char all[600], main_po[64];

		snprintf(all, sizeof(all), "%s/%s.all.po", dir, lang);
		snprintf(main_po, sizeof(main_po), "po/%s.po", lang);
		pid = fork();
		if (pid == 0) {
			execlp("msgcat", "msgcat", "--use-first", "-o", all, po, main_po, (char *)NULL);
			_exit(127);
		}
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			rename(all, po);
		else
			unlink(all);
	}
	snprintf(mo_dir, sizeof(mo_dir), "%s/%s/LC_MESSAGES", dir, lang);
	snprintf(mo, sizeof(mo), "%s/%s", dir, lang);
	mkdir(mo, 0700);
	mkdir(mo_dir, 0700);
	snprintf(mo, sizeof(mo), "%s/winrescue.mo", mo_dir);
	pid = fork();
	if (pid == 0) {
		execlp("msgfmt", "msgfmt", "--check", "-o", mo, po, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int group_setup(void **state)
{
	char tmpl[] = "/tmp/wr-wizard-XXXXXX";

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(catalogs, sizeof(catalogs), "%s", tmpl);
	if (build_catalog(catalogs, "ja", "nplurals=1; plural=0;") ||
	    build_catalog(catalogs, "ru", "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"))
		return -1;
	setenv("WINRESCUE_LOCALEDIR", catalogs, 1);
	unsetenv("LANGUAGE");
	setenv("LANG", "C.UTF-8", 1);
	i18n_init("en", "test_wizard");
	return 0;
}

static int group_teardown(void **state)
{
	char path[600];
	const char *langs[] = { "ja", "ru" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/winrescue.mo", catalogs, langs[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES", catalogs, langs[i]);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/%s", catalogs, langs[i]);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/%s.po", catalogs, langs[i]);
		unlink(path);
	}
	rmdir(catalogs);
	return 0;
}

static int each_setup(void **state)
{
	(void)state;
	fake_default();
	i18n_set_language("en");
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */

static void test_refresh_flow_english(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	start(&wz, "en", false);
	v = view(&wz);
	assert_string_equal(v->code, "W1");
	assert_int_equal(v->step, 1);
	assert_string_equal(v->stepline, "Step 1 of 9");
	assert_int_equal(v->nitems, 3);
	assert_string_equal(v->items[0].label, "日本語");
	assert_string_equal(v->items[1].label, "Русский");
	assert_int_equal(v->selected, 2);	/* preselected from the environment */
	assert_has(&wz, "F2 Language");

	/* W2: the PC in words. */
	assert_int_equal(wizard_key(&wz, WZ_KEY_ENTER), WZ_REDRAW);
	v = view(&wz);
	assert_string_equal(v->code, "W2");
	assert_string_equal(v->stepline, "Step 2 of 9");
	assert_int_equal(v->nitems, 1);
	assert_string_equal(v->items[0].label,
			    "Windows 8.1 on the 465 GB disk, 3 users: Alice, Тарас, 山田太郎");
	assert_has(&wz, "Windows 8.1 Pro (build 9600) on /dev/sda, partition 4");

	/* W3: the check-up runs with progress, then shows a traffic-light list. */
	assert_int_equal(wizard_key(&wz, WZ_KEY_ENTER), WZ_RUN);
	assert_string_equal(view(&wz)->code, "W3");
	assert_int_equal(wizard_run(&wz), WZ_REDRAW);
	assert_true(S.n >= 3);
	assert_true(S.percents[1] > S.percents[0]);
	v = view(&wz);
	assert_string_equal(v->code, "W3");
	assert_string_equal(v->lines[2].mark, "[ OK ]");
	assert_string_equal(v->lines[2].text, "The Windows volume is in good order.");
	assert_string_equal(v->lines[3].mark, "[ !! ]");
	assert_string_equal(v->lines[3].text, "Little free space is left on the Windows volume: 3.2 GB.");
	assert_int_equal(v->lines[3].style, WZ_ST_WARN);
	assert_has(&wz, "Run the surface scan (long test)");

	/* W4: every action with one sentence; Refresh is possible. */
	KEYS(&wz, WZ_KEY_ENTER);
	v = view(&wz);
	assert_string_equal(v->code, "W4");
	assert_int_equal(v->nitems, 6);
	assert_string_equal(v->items[0].label, "Refresh your PC (keep my files)");
	assert_true(v->items[0].enabled);
	assert_true(v->items[1].enabled);
	for (size_t i = 0; i < v->nitems; i++)
		assert_true(strlen(v->items[i].desc) > 10);

	/* W5 -> W6: the summary in Windows 8's words, with the apps list. */
	KEYS(&wz, '1');
	assert_screen(&wz, "W5");
	assert_has(&wz, "Windows 8.1 Pro (x64), installation media on /dev/sdb1");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "W6");
	assert_has(&wz, "Your files and personal settings won't change.");
	assert_has(&wz, "Apps you installed from discs or websites will be removed.");
	assert_has(&wz, "These 2 apps will be removed:");
	assert_has(&wz, "7-Zip 9.20 (Igor Pavlov)");
	assert_has(&wz, "秀丸エディタ");
	assert_has(&wz, "This will take about 10 minutes.");

	/* W7: Enter alone does not start: "Go back" is the preselected line. */
	KEYS(&wz, '1');
	v = view(&wz);
	assert_string_equal(v->code, "W7");
	assert_int_equal(v->selected, 1);
	assert_has(&wz, "cannot be cancelled");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "W6");
	assert_int_equal(F.run_calls[WZ_OP_REFRESH], 0);

	/* Start it: progress, no cancel after the point of no return, then W9. */
	reset_seen(&wz);
	KEYS(&wz, '1', '1');
	assert_int_equal(F.run_calls[WZ_OP_REFRESH], 1);
	assert_true(S.n >= 20);
	for (size_t i = 1; i < S.n; i++)
		assert_true(S.percents[i] >= S.percents[i - 1]);
	for (size_t i = 0; i < S.n; i++)
		if (S.no_return[i])
			assert_string_equal(S.hint[i], "Please wait.");
		else
			assert_string_equal(S.hint[i], "Please wait. Esc: stop.");
	assert_true(S.no_return[S.n - 1]);
	v = view(&wz);
	assert_string_equal(v->code, "W9");
	assert_has(&wz, "Your PC was refreshed.");
	assert_has(&wz, "C:\\Windows.old");
	assert_has(&wz, "Desktop\\Removed Apps.html");
	assert_string_equal(v->items[0].label, "Restart the PC");
	assert_int_equal(KEYS(&wz, '2'), WZ_QUIT);
	assert_false(wz.restart);
	wizard_release(&wz);
}

static void test_progress_view_and_time_left(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	start(&wz, "en", false);
	wz.running = true;
	wz.running_op = WZ_OP_REFRESH;
	wz.screen = WZ_SCR_PROGRESS;
	wz.op_started = 0;
	F.clock = 600;	/* 10 minutes for half the work: about 10 minutes left */
	wz.prog = (struct wz_progress){ 3, 4, N_("Moving the old system aside"), 0, 100, true };
	v = view(&wz);
	assert_string_equal(v->code, "W8");
	assert_true(v->has_bar);
	assert_int_equal(v->percent, 50);
	assert_string_equal(v->bar_text, "50% done, about 10 minutes left");
	assert_has(&wz, "Part 3 of 4: Moving the old system aside");
	assert_has(&wz, "You can leave the PC while this runs. Do not turn it off.");
	assert_has(&wz, "This can no longer be cancelled.");
	/* After the point of no return, Esc and F10 do nothing. */
	assert_int_equal(wizard_key(&wz, WZ_KEY_ESC), WZ_STAY);
	assert_int_equal(wizard_key(&wz, WZ_KEY_F(10)), WZ_STAY);
	assert_false(wz.cancel_requested);
	wz.prog.step = 1;
	wz.prog.done = 0;
	F.clock = 1;
	v = view(&wz);
	assert_string_equal(v->bar_text, "0% done, estimating the time left");
	wz.running = false;
	wizard_release(&wz);
}

static void test_cancel_before_point_of_no_return(void **state)
{
	struct wizard wz;

	(void)state;
	F.no_return_at = 3;
	start(&wz, "en", false);
	KEYS(&wz, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER, '1', WZ_KEY_ENTER, '1');
	assert_screen(&wz, "W7");
	reset_seen(&wz);
	S.send_esc_at = 3;	/* the person presses Esc while step 1 runs */
	KEYS(&wz, '1');
	assert_true(F.aborted);
	assert_screen(&wz, "W9");
	assert_has(&wz, "The work was stopped as you asked.");
	wizard_release(&wz);
}

static void test_windows8_media_cannot_refresh_81(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	F.sources.n = 0;
	add_source_img("Windows 8", "Windows 8 Pro", WZ_MIS_VERSION);
	start(&wz, "en", false);
	KEYS(&wz, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER);
	v = view(&wz);
	assert_string_equal(v->code, "W4");
	assert_false(v->items[0].enabled);
	assert_string_equal(v->items[0].reason,
			    "Windows 8 media cannot refresh Windows 8.1. You need Windows 8.1 media.");
	assert_false(v->items[1].enabled);
	/* A digit on a disabled line only selects it (so its reason shows). */
	assert_int_equal(wizard_key(&wz, '1'), WZ_REDRAW);
	assert_screen(&wz, "W4");
	assert_int_equal(view(&wz)->selected, 0);
	assert_int_equal(wizard_key(&wz, WZ_KEY_ENTER), WZ_STAY);
	assert_screen(&wz, "W4");
	/* Repair start-up is not in this backend: the honest screen, nothing done. */
	KEYS(&wz, '3');
	assert_screen(&wz, "N1");
	assert_has(&wz, "\"Repair start-up\" is not available in this version of winrescue yet.");
	assert_has(&wz, "Nothing was changed on your PC.");
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "W4");
	wizard_release(&wz);
}

static void test_no_source_and_look_again(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	F.sources.n = 0;
	start(&wz, "en", false);
	KEYS(&wz, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER);
	v = view(&wz);
	assert_false(v->items[0].enabled);
	assert_string_equal(v->items[0].reason,
			    "No Windows 8.1 (x64) installation media or recovery image was found. Insert a USB stick or DVD with it and press F5 on the next screen.");
	assert_int_equal(F.find_sources_calls, 1);
	/* The person inserts the stick and presses F5: found, Refresh is possible. */
	add_source_img("Windows 8.1", "Windows 8.1 Pro", 0);
	assert_int_equal(wizard_key(&wz, WZ_KEY_F(5)), WZ_REDRAW);
	assert_int_equal(F.find_sources_calls, 2);
	assert_true(view(&wz)->items[0].enabled);
	/* On W5, F5 looks again too, and sources that will not do are explained. */
	add_source_img("Windows 8", "Windows 8 Pro", WZ_MIS_VERSION);
	KEYS(&wz, '1', WZ_KEY_F(5));
	assert_int_equal(F.find_sources_calls, 3);
	v = view(&wz);
	assert_string_equal(v->code, "W5");
	assert_int_equal(v->nitems, 2);
	assert_true(v->items[0].enabled);
	assert_false(v->items[1].enabled);
	assert_has(&wz, "Insert your USB stick or DVD and press F5 to look again.");
	assert_string_equal(v->items[1].reason,
			    "Windows 8 media cannot refresh Windows 8.1. You need Windows 8.1 media.");
	wizard_release(&wz);
}

/* W4 -> X1 (reset): what is erased, what is never touched and why, the image. */
static void to_x1(struct wizard *wz, const char *lang)
{
	start(wz, lang, false);
	KEYS(wz, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER);
	assert_screen(wz, "W4");
	KEYS(wz, '2');
	assert_screen(wz, "X1");
}

/* Type s (UTF-8) into X2's field, one code point per key. */
static void type_text(struct wizard *wz, const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t r, n = strlen(s);

	memset(&st, 0, sizeof(st));
	while (n && (r = mbrtowc(&wc, s, n, &st)) != 0 && r <= n) {
		enum wz_next next = wizard_key(wz, (int)wc);

		assert_int_not_equal(next, WZ_RUN);
		s += r;
		n -= r;
	}
}

static void test_reset_summary(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	to_x1(&wz, "en");
	assert_int_equal(F.rplan_calls, 1);
	assert_non_null(F.last_src);
	assert_string_equal(F.last_src->path, "/media/usb/sources/install.wim");
	v = view(&wz);
	assert_int_equal(v->step, 6);
	assert_string_equal(v->stepline, "Step 6 of 9");
	assert_has(&wz, "Everything on the Windows partition will be erased:");
	assert_has(&wz, "partition 3 (200 GB, \"Windows\") on /dev/sda");
	assert_has(&wz, "It holds Windows 8.1 Pro; the computer's name is YAMADA-PC.");
	assert_has(&wz, "Top folders and files there: Data, Program Files, Users, Windows");
	assert_has(&wz, "Never touched:");
	assert_has(&wz, "partition 4 (1.0 GB, \"Recovery\"): a recovery partition");
	assert_has(&wz, "partition 1 (100 MB, \"SYSTEM\"): the EFI system partition");
	assert_has(&wz, "partition 2 (16 MB, no label): the Microsoft reserved partition");
	assert_has(&wz, "The new Windows comes from: Windows 8.1 Pro (/media/usb/sources/install.wim, image 2).");
	assert_has(&wz, "Windows starts afresh: no files, accounts or apps are kept.");
	/* 12 GB at 40 MB/s is 5 minutes, and 5 more for the rest. */
	assert_has(&wz, "This will take about 10 minutes.");
	/* The menu: Next, the wipe, each data partition on its own, back; the
	 * protected partitions are never offered. */
	assert_int_equal(v->nitems, 5);
	assert_string_equal(v->items[0].label, "Next");
	assert_string_equal(v->items[1].label, "[ ] Also fully clean the drive (slow)");
	assert_non_null(strstr(v->items[1].desc, "This adds about 30 minutes."));
	assert_string_equal(v->items[2].label, "[ ] Also erase partition 5 (20 GB, \"DATA\")");
	assert_string_equal(v->items[2].desc, "It holds: Photos, Музыка. Each partition you choose is confirmed on its own.");
	assert_string_equal(v->items[3].label, "[ ] Also erase partition 6 (10 GB, no label)");
	assert_string_equal(v->items[4].label, "Go back");
	for (size_t i = 0; i < v->nitems; i++)
		assert_null(strstr(v->items[i].label, "partition 4"));
	/* Toggles: the wipe adds its time; a data partition is listed as erased. */
	KEYS(&wz, '2', '3');
	v = view(&wz);
	assert_screen(&wz, "X1");
	assert_string_equal(v->items[1].label, "[x] Also fully clean the drive (slow)");
	assert_string_equal(v->items[2].label, "[x] Also erase partition 5 (20 GB, \"DATA\")");
	assert_has(&wz, "Also erased, as you chose below:");
	assert_has(&wz, "This will take about 40 minutes.");
	KEYS(&wz, '2');
	assert_string_equal(view(&wz)->items[1].label, "[ ] Also fully clean the drive (slow)");
	/* The support summary names the screen and its step. */
	KEYS(&wz, WZ_KEY_F(4));
	assert_has(&wz, "Screen: X1, step 6 of 9");
	assert_has(&wz, "Chosen action: Reset your PC (remove everything)");
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "X1");
	/* Esc: back to W4, nothing run. */
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "W4");
	assert_int_equal(F.reset_calls, 0);
	/* Going in again plans again, with every choice cleared. */
	KEYS(&wz, '2');
	assert_int_equal(F.rplan_calls, 2);
	assert_string_equal(view(&wz)->items[2].label, "[ ] Also erase partition 5 (20 GB, \"DATA\")");
	wizard_release(&wz);
}

static void test_reset_wrong_text_stays(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	to_x1(&wz, "en");
	KEYS(&wz, WZ_KEY_ENTER);
	v = view(&wz);
	assert_string_equal(v->code, "X2");
	assert_int_equal(v->step, 7);
	assert_true(v->has_input);
	assert_int_equal(v->nitems, 0);
	assert_string_equal(v->input_label, "To erase everything, type the computer's name, YAMADA-PC, and press Enter:");
	assert_has(&wz, "Everything on partition 3 (200 GB, \"Windows\") of /dev/sda will be erased");
	assert_has(&wz, "This is the point of no return");
	/* Enter alone never confirms. */
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "X2");
	assert_has(&wz, "What was typed does not match what the screen asked for, so nothing was erased.");
	/* Digits and letters go into the field, not to a menu; a near miss stays. */
	type_text(&wz, "YAMADA-P");
	assert_string_equal(view(&wz)->input, "YAMADA-P");
	assert_false(wz.typed_wrong);
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "X2");
	assert_true(wz.typed_wrong);
	assert_string_equal(wz.typed, "");
	type_text(&wz, "1YAMADA-PC");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "X2");
	type_text(&wz, "YAMADA-PCX");
	KEYS(&wz, WZ_KEY_BACKSPACE, WZ_KEY_BACKSPACE, WZ_KEY_ENTER);
	assert_screen(&wz, "X2");	/* "YAMADA-P" */
	assert_int_equal(F.reset_calls, 0);
	/* The size is not what this screen asked for. */
	type_text(&wz, "200 GB");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "X2");
	assert_int_equal(F.reset_calls, 0);
	wizard_release(&wz);
}

static void test_reset_right_text_goes_on(void **state)
{
	struct wizard wz;

	(void)state;
	to_x1(&wz, "en");
	KEYS(&wz, WZ_KEY_ENTER);
	/* Another case and spaces do not matter. */
	type_text(&wz, " yamada - Pc ");
	reset_seen(&wz);
	S.send_esc_at = 3;	/* Esc while it runs: no stopping after the point of no return */
	KEYS(&wz, WZ_KEY_ENTER);
	assert_int_equal(F.reset_calls, 1);
	assert_false(F.saw_cancellable);
	assert_false(wz.cancel_requested);
	assert_true(S.n > 5);
	for (size_t i = 0; i < S.n; i++) {
		assert_true(S.no_return[i]);
		assert_string_equal(S.hint[i], "Please wait.");
	}
	assert_false(F.last_choice.wipe);
	assert_int_equal(F.last_choice.nalso, 0);
	assert_string_equal(F.last_confirmed.computer_name, "YAMADA-PC");
	assert_screen(&wz, "W9");
	assert_has(&wz, "Windows was reinstalled. When the PC starts, Windows asks for the first settings.");
	assert_has(&wz, "The log is in /var/log/winrescue.log.");
	assert_string_equal(view(&wz)->items[0].label, "Restart the PC");
	wizard_release(&wz);
}

static void test_reset_progress_view(void **state)
{
	struct wizard wz;

	(void)state;
	to_x1(&wz, "en");
	KEYS(&wz, WZ_KEY_ENTER);
	type_text(&wz, "YAMADA-PC");
	/* Look at W8 as the front end would, between the key and the run. */
	assert_int_equal(wizard_key(&wz, WZ_KEY_ENTER), WZ_RUN);
	assert_screen(&wz, "W8");
	assert_true(wz.prog.no_return);
	assert_has(&wz, "You can leave the PC while this runs. Do not turn it off.");
	assert_has(&wz, "This can no longer be cancelled.");
	wz.running = true;
	wz.prog = (struct wz_progress){ 2, 5, N_("Installing Windows"), 1, 4, true };
	wz.op_started = F.clock - 120;
	assert_has(&wz, "Part 2 of 5: Installing Windows");
	assert_int_equal(view(&wz)->percent, 25);
	assert_true(view(&wz)->has_bar);
	assert_has(&wz, "about 6 minutes left");
	assert_int_equal(wizard_key(&wz, WZ_KEY_ESC), WZ_STAY);
	assert_false(wz.cancel_requested);
	wz.running = false;
	assert_int_equal(wizard_run(&wz), WZ_REDRAW);
	assert_screen(&wz, "W9");
	wizard_release(&wz);
}

static void test_reset_esc_goes_back(void **state)
{
	struct wizard wz;

	(void)state;
	to_x1(&wz, "en");
	KEYS(&wz, '3', '1');
	assert_screen(&wz, "X2");
	type_text(&wz, "YAMADA-PC");
	KEYS(&wz, WZ_KEY_ENTER);	/* the name: on to partition 5 */
	assert_has(&wz, "Confirmation 2 of 2");
	type_text(&wz, "20");
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "X1");
	assert_int_equal(F.reset_calls, 0);
	/* The choices stay; every confirmation is asked again. */
	assert_string_equal(view(&wz)->items[2].label, "[x] Also erase partition 5 (20 GB, \"DATA\")");
	KEYS(&wz, '1');
	assert_screen(&wz, "X2");
	assert_has(&wz, "Confirmation 1 of 2");
	assert_string_equal(view(&wz)->input, "");
	KEYS(&wz, WZ_KEY_ESC, WZ_KEY_ESC);
	assert_screen(&wz, "W4");
	assert_int_equal(F.reset_calls, 0);
	wizard_release(&wz);
}

static void test_reset_each_partition_confirmed(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	to_x1(&wz, "en");
	KEYS(&wz, '2', '3', '4', '1');
	assert_screen(&wz, "X2");
	assert_has(&wz, "Confirmation 1 of 3");
	assert_has(&wz, "Every byte of it is overwritten first");
	assert_has(&wz, "Then the 2 other partitions you chose are confirmed each on its own.");
	assert_has(&wz, "Nothing is changed until the last confirmation.");
	type_text(&wz, "yamada-pc");
	KEYS(&wz, WZ_KEY_ENTER);
	v = view(&wz);
	assert_string_equal(v->code, "X2");
	assert_has(&wz, "Confirmation 2 of 3");
	assert_string_equal(v->input_label, "To erase partition 5 too, type its size, 20 GB, and press Enter:");
	assert_has(&wz, "This is erased too: partition 5 (20 GB, \"DATA\"). Everything on it is lost.");
	assert_has(&wz, "It holds: Photos, Музыка");
	/* The name again, or the other partition's size, is not this one's answer. */
	type_text(&wz, "YAMADA-PC");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_has(&wz, "Confirmation 2 of 3");
	assert_true(wz.typed_wrong);
	type_text(&wz, "10 GB");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_has(&wz, "Confirmation 2 of 3");
	type_text(&wz, "20gb");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_has(&wz, "Confirmation 3 of 3");
	assert_string_equal(view(&wz)->input_label, "To erase partition 6 too, type its size, 10 GB, and press Enter:");
	assert_has(&wz, "This is the point of no return");
	assert_int_equal(F.reset_calls, 0);
	type_text(&wz, "１０ ＧＢ");	/* a Japanese input method's full-width letters */
	KEYS(&wz, WZ_KEY_ENTER);
	assert_int_equal(F.reset_calls, 1);
	assert_true(F.last_choice.wipe);
	assert_int_equal(F.last_choice.nalso, 2);
	assert_int_equal(F.last_choice.also[0], 5);
	assert_int_equal(F.last_choice.also[1], 6);
	assert_screen(&wz, "W9");
	wizard_release(&wz);
}

static void test_reset_in_russian_and_japanese(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	/* A Cyrillic computer name, typed in lower case; sizes in Russian or English. */
	snprintf(F.rplan.computer_name, sizeof(F.rplan.computer_name), "ТАРАС-ПК");
	to_x1(&wz, "ru");
	v = view(&wz);
	assert_string_equal(v->title, "Возврат ПК в исходное состояние");
	assert_has(&wz, "раздел 4 (1,0 ГБ, «Recovery»): раздел восстановления");
	assert_has(&wz, "Не будет затронуто:");
	KEYS(&wz, '3', '4', '1');
	assert_string_equal(view(&wz)->input_label, "Чтобы стереть всё, введите имя компьютера (ТАРАС-ПК) и нажмите Enter:");
	assert_has(&wz, "Подтверждение 1 из 3");
	assert_has(&wz, "Затем нужно будет отдельно подтвердить каждый из 2 выбранных вами разделов.");
	type_text(&wz, "тарас");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_true(wz.typed_wrong);
	assert_has(&wz, "Введённое не совпадает");
	type_text(&wz, "тарас-пк");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_string_equal(view(&wz)->input_label, "Чтобы стереть и раздел 5, введите его размер (20 ГБ) и нажмите Enter:");
	type_text(&wz, "20 гб");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_has(&wz, "Подтверждение 3 из 3");
	type_text(&wz, "10 GB");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_int_equal(F.reset_calls, 1);
	assert_screen(&wz, "W9");
	assert_has(&wz, "Windows переустановлена.");
	wizard_release(&wz);

	/* Japanese: the Latin name typed with full-width letters works too. */
	fake_reset_default();
	F.reset_calls = 0;
	to_x1(&wz, "ja");
	assert_string_equal(view(&wz)->title, "PC を初期状態に戻す");
	assert_has(&wz, "コンピューター名は YAMADA-PC です。");
	KEYS(&wz, '1');
	assert_string_equal(view(&wz)->input_label, "すべてを消去するには、コンピューター名 YAMADA-PC を入力して Enter キーを押してください:");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_has(&wz, "入力された内容が画面で求めたものと一致しないため、何も消去していません。");
	type_text(&wz, "ｙａｍａｄａ－ｐｃ");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_int_equal(F.reset_calls, 1);
	assert_has(&wz, "Windows を再インストールしました。");
	i18n_set_language("en");
	wizard_release(&wz);
}

static void test_reset_without_computer_name(void **state)
{
	struct wizard wz;

	(void)state;
	F.rplan.computer_name[0] = '\0';
	F.rplan.product[0] = '\0';
	to_x1(&wz, "en");
	assert_has(&wz, "partition 3 (200 GB, \"Windows\") on /dev/sda");
	KEYS(&wz, '1');
	assert_string_equal(view(&wz)->input_label, "To erase everything, type the size shown, 200 GB, and press Enter:");
	type_text(&wz, "YAMADA-PC");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "X2");
	type_text(&wz, "200 gb");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_int_equal(F.reset_calls, 1);
	wizard_release(&wz);
}

static void test_reset_refused_by_the_plan(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	F.rplan_err = WR_ERR_DISK_TOO_SMALL;
	to_x1(&wz, "en");
	v = view(&wz);
	assert_has(&wz, "This PC cannot be reset now:");
	assert_has(&wz, "The disk or partition is too small for this Windows image; nothing was changed.");
	assert_has(&wz, "(/dev/sda)");
	assert_int_equal(v->nitems, 1);
	assert_string_equal(v->items[0].label, "Go back");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "W4");
	wizard_release(&wz);

	/* An earlier reset of this Windows was interrupted: finish it from here. */
	F.rplan_err = WR_ERR_INTERRUPTED;
	B.run[WZ_OP_RESUME] = fake_resume;
	to_x1(&wz, "en");
	v = view(&wz);
	assert_int_equal(v->nitems, 2);
	assert_string_equal(v->items[0].label, "Finish the interrupted reset");
	KEYS(&wz, '1');
	assert_int_equal(F.run_calls[WZ_OP_RESUME], 1);
	assert_int_equal(F.reset_calls, 0);
	assert_screen(&wz, "W9");
	assert_has(&wz, "Windows was reinstalled.");
	wizard_release(&wz);
}

static void test_reset_another_image(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	add_source_img("Windows 8.1", "Windows 8.1 Core", 0);
	snprintf(F.sources.v[1].path, sizeof(F.sources.v[1].path), "/media/dvd/sources/install.wim");
	to_x1(&wz, "en");
	v = view(&wz);
	assert_int_equal(v->nitems, 6);
	assert_string_equal(v->items[4].label, "Use another image");
	KEYS(&wz, '5');
	assert_screen(&wz, "W5");
	/* Esc from W5 goes back to X1 in the reset flow. */
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "X1");
	KEYS(&wz, '5', '2');
	assert_screen(&wz, "X1");
	assert_int_equal(F.rplan_calls, 2);
	assert_string_equal(F.last_src->path, "/media/dvd/sources/install.wim");
	/* F5 plans again (media inserted meanwhile). */
	KEYS(&wz, WZ_KEY_F(5));
	assert_int_equal(F.rplan_calls, 3);
	wizard_release(&wz);
}

static void test_reset_not_in_backend(void **state)
{
	struct wizard wz;

	(void)state;
	B.reset_plan = NULL;
	start(&wz, "en", false);
	KEYS(&wz, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER, '2');
	assert_screen(&wz, "N1");
	assert_has(&wz, "\"Reset your PC (remove everything)\" is not available in this version of winrescue yet.");
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "W4");
	wizard_release(&wz);
}

static void test_interrupted_reset_on_start(void **state)
{
	struct wizard wz;

	(void)state;
	F.intr.found = true;
	F.intr.op = WZ_OP_RESET;
	snprintf(F.intr.where, sizeof(F.intr.where), "/dev/sda");
	F.intr.partition = 3;
	B.find_interrupted = fake_interrupted;
	B.run[WZ_OP_RESUME] = fake_resume;
	start(&wz, "en", false);
	assert_screen(&wz, "R1");
	assert_has(&wz, "\"Reset your PC (remove everything)\" did not finish on /dev/sda, partition 3");
	assert_has(&wz, "The reset had already begun to erase this Windows");
	if (has(view(&wz), "Your files are safe."))
		fail_msg("R1 says the files are safe during a reset");
	assert_int_equal(wizard_key(&wz, '1'), WZ_RUN);
	assert_true(wz.prog.no_return);
	assert_has(&wz, "This can no longer be cancelled.");
	assert_int_equal(wizard_run(&wz), WZ_REDRAW);
	assert_int_equal(F.run_calls[WZ_OP_RESUME], 1);
	assert_screen(&wz, "W9");
	assert_has(&wz, "Windows was reinstalled. When the PC starts, Windows asks for the first settings.");
	wizard_release(&wz);
	/* It had erased nothing yet: said as it is, never "reinstalled". */
	F.op_err = WR_ERR_NOTHING_TO_RESUME;
	start(&wz, "en", false);
	KEYS(&wz, '1');
	assert_screen(&wz, "W9");
	assert_has(&wz, "The interrupted operation had not changed anything yet; start it again.");
	if (has(view(&wz), "Windows was reinstalled."))
		fail_msg("W9 says Windows was reinstalled after a failure");
	wizard_release(&wz);
}

static void test_typed_answers(void **state)
{
	(void)state;
	assert_true(text_same_answer("YAMADA-PC", "YAMADA-PC"));
	assert_true(text_same_answer(" yamada -pc", "YAMADA-PC"));
	assert_true(text_same_answer("ＹＡＭＡＤＡ－ＰＣ", "YAMADA-PC"));
	assert_true(text_same_answer("yamada\u3000-pc", "YAMADA-PC"));
	assert_true(text_same_answer("тарас-пк", "ТАРАС-ПК"));
	assert_true(text_same_answer("1,5gb", "1.5 GB"));
	assert_true(text_same_answer("1.5 гб", "1,5 ГБ"));
	assert_false(text_same_answer("YAMADAPC", "YAMADA-PC"));
	assert_false(text_same_answer("YAMADA-PC2", "YAMADA-PC"));
	assert_false(text_same_answer("", "YAMADA-PC"));
	assert_false(text_same_answer("", ""));
	assert_false(text_same_answer("   ", " "));
	assert_false(text_same_answer("20 GB", "200 GB"));
	{
		char buf[9] = "";

		assert_int_equal(text_append_char(buf, sizeof(buf), 0x5C71), 0);	/* 山 */
		assert_int_equal(text_append_char(buf, sizeof(buf), 'a'), 0);
		assert_int_equal(text_append_char(buf, sizeof(buf), 0x1F600), 0);
		assert_int_equal(text_append_char(buf, sizeof(buf), 'b'), -1);	/* full */
		assert_int_equal(text_append_char(buf, sizeof(buf), 0xD800), -1);
		assert_string_equal(buf, "山a\xF0\x9F\x98\x80");
		text_drop_last_char(buf);
		assert_string_equal(buf, "山a");
		text_drop_last_char(buf);
		text_drop_last_char(buf);
		assert_string_equal(buf, "");
		text_drop_last_char(buf);
		assert_string_equal(buf, "");
	}
}

static void test_refresh_not_available_in_backend(void **state)
{
	struct wizard wz;

	(void)state;
	B.run[WZ_OP_REFRESH] = NULL;
	start(&wz, "en", false);
	KEYS(&wz, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER, '1', WZ_KEY_ENTER);
	/* The summary is real (sources and apps exist); starting is not possible. */
	assert_screen(&wz, "W6");
	KEYS(&wz, '1');
	assert_screen(&wz, "N1");
	assert_has(&wz, "\"Refresh your PC (keep my files)\" is not available in this version of winrescue yet.");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "W6");
	wizard_release(&wz);
}

static void test_support_summary_and_help(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	start(&wz, "en", false);
	KEYS(&wz, WZ_KEY_F(4));
	assert_screen(&wz, "S1");
	assert_has(&wz, "Screen: W1, step 1 of 9");
	assert_has(&wz, "Support code: none yet");
	assert_has(&wz, "Windows: not chosen yet");
	KEYS(&wz, WZ_KEY_ESC, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER, '1', WZ_KEY_F(4));
	v = view(&wz);
	assert_string_equal(v->code, "S1");
	assert_int_equal(v->step, 0);
	assert_has(&wz, "Screen: W5, step 5 of 9");
	assert_has(&wz, "Support code: 63-00");
	assert_has(&wz, "Windows: Windows 8.1 Pro, build 9600, x64");
	assert_has(&wz, "Disk: /dev/sda, 465 GB, health: good");
	assert_has(&wz, "Chosen action: Refresh your PC (keep my files)");
	assert_has(&wz, "State: nothing changed yet");
	/* F1 from the summary replaces it; Esc goes back to where the person was. */
	KEYS(&wz, WZ_KEY_F(1));
	assert_screen(&wz, "H1");
	assert_has(&wz, "F3: helper mode");
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "W5");
	KEYS(&wz, WZ_KEY_F(4), WZ_KEY_F(4));
	assert_screen(&wz, "W5");
	wizard_release(&wz);
}

static void test_language_switch_and_helper_mode(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	start(&wz, "en", false);
	KEYS(&wz, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER);
	assert_screen(&wz, "W4");
	/* F2 opens the language screen over W4; choosing returns to W4. */
	KEYS(&wz, WZ_KEY_F(2));
	v = view(&wz);
	assert_string_equal(v->code, "W1");
	assert_int_equal(v->selected, 2);
	KEYS(&wz, '1');
	assert_string_equal(i18n_language(), "ja");
	v = view(&wz);
	assert_string_equal(v->code, "W4");
	assert_string_equal(v->title, "実行する操作");
	assert_string_equal(v->stepline, "ステップ 4/9");
	assert_string_equal(v->items[0].label, "PC をリフレッシュする (ファイルは保持)");
	/* Helper mode: the English pass of the same screen, line for line. */
	KEYS(&wz, WZ_KEY_F(3));
	assert_true(wz.helper);
	wizard_view(&wz, true, &VE);
	assert_string_equal(VE.code, "W4");
	assert_string_equal(VE.title, "What to do");
	assert_int_equal(VE.nitems, V.nitems);
	assert_int_equal(VE.nlines, V.nlines);
	assert_string_equal(VE.items[0].label, "Refresh your PC (keep my files)");
	assert_string_equal(i18n_language(), "ja");	/* the English pass changes nothing */
	assert_string_equal(view(&wz)->title, "実行する操作");
	/* Japanese: sizes and the PC line. */
	KEYS(&wz, WZ_KEY_ESC, WZ_KEY_ESC);
	v = view(&wz);
	assert_string_equal(v->code, "W2");
	assert_string_equal(v->items[0].label,
			    "465 GB のディスク上の Windows 8.1、ユーザー 3 人: Alice、Тарас、山田太郎");
	/* Russian, switched from W2. */
	KEYS(&wz, WZ_KEY_F(2), '2');
	v = view(&wz);
	assert_string_equal(v->code, "W2");
	assert_string_equal(v->title, "Ваш компьютер");
	assert_string_equal(v->items[0].label,
			    "Windows 8.1 на диске 465 ГБ, 3 пользователя: Alice, Тарас, 山田太郎");
	wizard_release(&wz);
}

static void test_russian_plurals_and_sizes(void **state)
{
	static const struct {
		size_t users;
		const char *want;
	} cases[] = {
		{ 1, "1 пользователь:" }, { 2, "2 пользователя:" }, { 5, "5 пользователей:" },
		{ 11, "11 пользователей:" }, { 12, "12 пользователей:" },
		{ 14, "14 пользователей:" }, { 16, "16 пользователей:" },
	};
	char buf[1536];
	struct wz_install pc;

	(void)state;
	i18n_set_language("ru");
	set_pc(&pc, "Windows 8.1", "Windows 8.1", 3, 9600, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pc.nusers = cases[i].users;
		for (size_t u = 0; u < pc.nusers; u++)
			snprintf(pc.users[u], sizeof(pc.users[u]), "U%zu", u);
		describe_pc(&pc, buf, sizeof(buf));
		if (!strstr(buf, cases[i].want))
			fail_msg("%zu users: \"%s\" lacks \"%s\"", cases[i].users, buf, cases[i].want);
	}
	/* 21 is singular again in Russian; the table stops at 16 users. */
	assert_string_equal(trn("%1$s on the %2$s disk, %3$lu user: %4$s",
				"%1$s on the %2$s disk, %3$lu users: %4$s", 21),
			    "%1$s на диске %2$s, %3$lu пользователь: %4$s");
	wizard_format_size(465ULL << 30, false, buf, sizeof(buf));
	assert_string_equal(buf, "465 ГБ");
	wizard_format_size(1536ULL << 20, false, buf, sizeof(buf));
	assert_string_equal(buf, "1,5 ГБ");
	wizard_format_size(1536ULL << 20, true, buf, sizeof(buf));
	assert_string_equal(buf, "1.5 GB");
	i18n_set_language("ja");
	wizard_format_size(465ULL << 30, false, buf, sizeof(buf));
	assert_string_equal(buf, "465 GB");
	i18n_set_language("en");
	wizard_format_size(500, false, buf, sizeof(buf));
	assert_string_equal(buf, "500 bytes");
	wizard_format_size(3ULL << 40, false, buf, sizeof(buf));
	assert_string_equal(buf, "3.0 TB");
}

static void test_interrupted_operation_on_start(void **state)
{
	struct wizard wz;

	(void)state;
	F.intr.found = true;
	F.intr.op = WZ_OP_REFRESH;
	F.intr.step = 3;
	F.intr.nsteps = 7;
	snprintf(F.intr.where, sizeof(F.intr.where), "/dev/sda4");
	B.find_interrupted = fake_interrupted;
	B.run[WZ_OP_RESUME] = fake_resume;
	start(&wz, "en", false);
	assert_screen(&wz, "R1");
	assert_has(&wz, "\"Refresh your PC (keep my files)\" stopped at part 3 of 7 on /dev/sda4");
	assert_has(&wz, "Your files are safe.");
	/* "Not now" goes to the start; the next start asks again. */
	KEYS(&wz, '2');
	assert_screen(&wz, "W1");
	wizard_release(&wz);
	start(&wz, "en", false);
	assert_screen(&wz, "R1");
	KEYS(&wz, '1');
	assert_int_equal(F.run_calls[WZ_OP_RESUME], 1);
	assert_screen(&wz, "W9");
	assert_has(&wz, "Your PC was refreshed.");
	wizard_release(&wz);
	/* Without the engine's resume, the honest screen. */
	B.run[WZ_OP_RESUME] = NULL;
	start(&wz, "en", false);
	KEYS(&wz, '1');
	assert_screen(&wz, "N1");
	wizard_release(&wz);
}

/* A registry restore started on the command line and cut short: named as what it
 * is, finished from the wizard, and never called a refresh. */
static void test_interrupted_registry_restore_on_start(void **state)
{
	struct wizard wz;

	(void)state;
	F.intr.found = true;
	F.intr.op = WZ_OP_REPAIR;
	F.intr.what = "Restore the registry from its backup copies";
	snprintf(F.intr.where, sizeof(F.intr.where), "/dev/sda");
	F.intr.partition = 2;
	B.find_interrupted = fake_interrupted;
	B.run[WZ_OP_RESUME] = fake_resume;
	start(&wz, "en", false);
	assert_screen(&wz, "R1");
	assert_has(&wz, "\"Restore the registry from its backup copies\" did not finish on /dev/sda, partition 2");
	assert_has(&wz, "Your files are safe.");
	KEYS(&wz, '1');
	assert_int_equal(F.run_calls[WZ_OP_RESUME], 1);
	assert_screen(&wz, "W9");
	assert_has(&wz, "Finished: Restore the registry from its backup copies");
	if (has(view(&wz), "refreshed"))
		fail_msg("W9 calls a registry restore a refresh");
	wizard_release(&wz);
	/* In Russian, the name is translated too. */
	start(&wz, "ru", false);
	assert_screen(&wz, "R1");
	assert_has(&wz, _("Restore the registry from its backup copies"));
	if (!strcmp(_("Restore the registry from its backup copies"),
		    "Restore the registry from its backup copies"))
		fail_msg("the registry restore's name is not translated");
	wizard_release(&wz);
}

static void test_plain_linux_console(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	setenv("LANGUAGE", "ja", 1);
	i18n_set_language("ja");
	assert_int_equal(wizard_init(&wz, &B, true), 0);
	/* Japanese cannot be drawn: the notice comes first, in English. */
	assert_string_equal(i18n_language(), "en");
	assert_screen(&wz, "C1");
	assert_has(&wz, "kmscon or fbterm");
	assert_has(&wz, "setfont Cyr_a8x16");
	KEYS(&wz, WZ_KEY_ENTER);
	v = view(&wz);
	assert_string_equal(v->code, "W1");
	assert_false(v->items[0].enabled);
	assert_string_equal(v->items[0].label, "Nihongo (Japanese)");
	assert_true(strstr(v->items[0].reason, "cannot show Japanese") != NULL);
	assert_int_equal(wizard_key(&wz, '1'), WZ_REDRAW);
	assert_string_equal(i18n_language(), "en");
	/* Russian works, and the notice is shown in Russian too. */
	KEYS(&wz, '2');
	assert_string_equal(i18n_language(), "ru");
	wizard_release(&wz);
	unsetenv("LANGUAGE");
	setenv("LANGUAGE", "ru", 1);
	assert_int_equal(wizard_init(&wz, &B, true), 0);
	assert_screen(&wz, "C1");
	assert_string_equal(i18n_language(), "ru");
	assert_has(&wz, "setfont Cyr_a8x16");
	assert_has(&wz, "kmscon");
	wizard_release(&wz);
	unsetenv("LANGUAGE");
}

static void test_no_windows_found(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	F.pcs.n = 0;
	F.pcs.ndisks = 2;
	start(&wz, "en", false);
	KEYS(&wz, WZ_KEY_ENTER);
	v = view(&wz);
	assert_string_equal(v->code, "W2");
	assert_int_equal(v->nitems, 0);
	assert_has(&wz, "No Windows installation was found on the 2 disks this PC has.");
	assert_string_equal(v->hint, "F5: look again. Esc: back.");
	/* Enter does nothing on an empty list; F5 looks again. */
	assert_int_equal(wizard_key(&wz, WZ_KEY_ENTER), WZ_STAY);
	F.pcs.n = 1;
	KEYS(&wz, WZ_KEY_F(5));
	assert_int_equal(F.find_pcs_calls, 2);
	assert_int_equal(view(&wz)->nitems, 1);
	wizard_release(&wz);
}

/* Every screen in every language has its code, a title and translated text (the
 * fragments cover what the screens say), and the menus stay within bounds. */
static void test_every_screen_in_every_language(void **state)
{
	static const char *const langs[] = { "en", "ja", "ru" };
	struct wizard wz;

	(void)state;
	B.find_interrupted = fake_interrupted;
	for (size_t l = 0; l < 3; l++) {
		i18n_set_language(langs[l]);
		assert_int_equal(wizard_init(&wz, &B, false), 0);
		for (int s = 0; s < WZ_SCR__COUNT; s++) {
			wz.screen = (enum wz_screen)s;
			wz.back = WZ_SCR_ACTION;
			wz.pcs_loaded = true;
			wz.pcs = F.pcs;
			wz.pc = 0;
			wz.running_op = WZ_OP_REFRESH;
			wz.op = s == WZ_SCR_RESET || s == WZ_SCR_RESET_CONFIRM ? WZ_OP_RESET
									      : WZ_OP_REFRESH;
			wz.reset = F.rplan;
			wz.reset_also[3] = true;	/* partition 5: X1 and X2 show it */
			wizard_view(&wz, false, &V);
			wizard_view(&wz, true, &VE);
			assert_string_equal(V.code, wizard_screen_code((enum wz_screen)s));
			assert_true(V.title[0]);
			assert_true(V.hint[0] || V.nitems == 0);
			assert_true(V.selected < (int)V.nitems);
			/* The English pass has the same shape. */
			assert_int_equal(V.nlines, VE.nlines);
			assert_int_equal(V.nitems, VE.nitems);
			if (strcmp(langs[l], "en")) {
				if (!strcmp(V.title, VE.title))
					fail_msg("%s: title of %s is not translated", langs[l], V.code);
				if (!strcmp(V.fkeys, VE.fkeys))
					fail_msg("%s: F-key line is not translated", langs[l]);
				for (size_t i = 0; i < V.nlines; i++)
					if (V.lines[i].text[0] && !strcmp(V.lines[i].text, VE.lines[i].text) &&
					    !strstr(V.lines[i].text, "Windows 8.1 Pro") &&
					    strcmp(V.lines[i].mark, "  -"))
						fail_msg("%s: %s line \"%s\" is not translated", langs[l],
							 V.code, V.lines[i].text);
			} else {
				assert_string_equal(V.title, VE.title);
			}
		}
		wizard_release(&wz);
	}
	i18n_set_language("en");
}

static void test_substitution_never_crashes(void **state)
{
	const char args[3][256] = { "A", "Б", "山" };
	char buf[64];

	(void)state;
	subst("%3$s-%1$s-%2$s %% %4$s %s %", args, 3, buf, sizeof(buf));
	assert_string_equal(buf, "山-A-Б % %4$s %s %");
	subst("%2$s", args, 1, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* A buffer too small never ends in half a character. */
	subst("ab%3$s%3$s", args, 3, buf, 6);
	assert_string_equal(buf, "ab山");
	subst("ab%3$s%3$s", args, 3, buf, 5);
	assert_string_equal(buf, "ab");
}


/* ------------------------------------------------------------------------- */
/* Recovery images (I1, I2), the folder chooser (D1), the report (U1)        */

/* From the start to W4 in English. */
static void to_w4(struct wizard *wz)
{
	start(wz, "en", false);
	KEYS(wz, WZ_KEY_ENTER, WZ_KEY_ENTER, WZ_KEY_ENTER);
	assert_screen(wz, "W4");
}

static void test_image_create_flow(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	to_w4(&wz);
	KEYS(&wz, '4');
	v = view(&wz);
	assert_string_equal(v->code, "I1");
	assert_int_equal(v->step, 0);
	assert_int_equal(F.img_calls, 1);
	assert_has(&wz, "No recovery image of your own is registered for this Windows.");
	assert_int_equal(v->nitems, 4);
	assert_string_equal(v->items[0].label, "Create a recovery image");
	assert_true(v->items[0].enabled);
	assert_true(v->items[1].enabled);
	/* Nothing registered: nothing to deregister, and it says why. */
	assert_false(v->items[2].enabled);
	assert_string_equal(v->items[2].reason, "No recovery image of your own is registered.");
	assert_int_equal(wizard_key(&wz, '3'), WZ_REDRAW);
	assert_screen(&wz, "I1");
	assert_int_equal(F.dereg_calls, 0);

	/* D1: the places with label, size and free space; the Windows volume refused
	 * with the engine's sentence; the estimate. */
	KEYS(&wz, '1');
	v = view(&wz);
	assert_string_equal(v->code, "D1");
	assert_int_equal(v->nitems, 3);
	assert_string_equal(v->items[0].label, "USB-HDD: 465 GB, 400 GB free");
	assert_string_equal(v->items[0].desc, "Mounted at /media/usb, from /dev/sdb1.");
	assert_true(v->items[0].enabled);
	assert_string_equal(v->items[1].label, "/mnt/windows: 200 GB, 50 GB free");
	assert_false(v->items[1].enabled);
	assert_string_equal(v->items[1].reason, wr_strerror(WR_ERR_DIR_ON_TARGET));
	assert_has(&wz, "The image needs at most 20 GB of free space");
	/* A refused place is only selected, never entered. */
	assert_int_equal(wizard_key(&wz, '2'), WZ_REDRAW);
	assert_int_equal(wz.place, -1);
	assert_int_equal(wizard_key(&wz, WZ_KEY_ENTER), WZ_STAY);
	assert_int_equal(wz.place, -1);

	/* Into the USB disk, down a folder, and back up. */
	KEYS(&wz, '1');
	v = view(&wz);
	assert_string_equal(v->code, "D1");
	assert_has(&wz, "Folder: /media/usb");
	assert_string_equal(F.last_dir, "/media/usb");
	assert_int_equal(v->nitems, 3);
	assert_string_equal(v->items[0].label, "Use this folder");
	assert_string_equal(v->items[1].label, "F01/");
	assert_string_equal(v->items[2].label, "F02/");
	KEYS(&wz, '3');
	assert_has(&wz, "Folder: /media/usb/F02");
	assert_string_equal(F.last_dir, "/media/usb/F02");
	KEYS(&wz, WZ_KEY_ESC);
	assert_has(&wz, "Folder: /media/usb");
	KEYS(&wz, WZ_KEY_ESC);
	v = view(&wz);
	assert_int_equal(wz.place, -1);
	assert_int_equal(v->selected, 0);	/* the place it came out of */
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "I1");

	/* Again, to I2: "Go back" is preselected, so Enter alone starts nothing. */
	KEYS(&wz, '1', '1', '2', '1');
	v = view(&wz);
	assert_string_equal(v->code, "I2");
	assert_int_equal(v->selected, 1);
	assert_has(&wz, "/media/usb/F01");
	assert_has(&wz, "Free space there: 400 GB.");
	assert_has(&wz, "The image needs at most 20 GB");
	assert_has(&wz, "ReAgent.xml");
	KEYS(&wz, WZ_KEY_ENTER);
	assert_screen(&wz, "D1");
	assert_int_equal(F.create_calls, 0);
	KEYS(&wz, '1');
	assert_screen(&wz, "I2");

	/* Create: progress on W8 (stoppable), then W9 with the file. */
	reset_seen(&wz);
	KEYS(&wz, '1');
	assert_int_equal(F.create_calls, 1);
	assert_string_equal(F.last_dir, "/media/usb/F01");
	assert_true(S.n >= 8);
	for (size_t i = 0; i < S.n; i++)
		assert_string_equal(S.hint[i], "Please wait. Esc: stop.");
	v = view(&wz);
	assert_string_equal(v->code, "W9");
	assert_has(&wz, "Finished: Create a recovery image");
	assert_has(&wz, "The recovery image was saved in this file:");
	assert_has(&wz, "/media/usb/F01/CustomRefresh.wim");
	assert_has(&wz, "A refresh of this Windows will now use this image.");
	assert_string_equal(v->items[0].label, "Back to the menu");
	/* Back on W4 the sources are read again (the new image is one); I1 shows it. */
	int before = F.find_sources_calls;

	KEYS(&wz, '1');
	assert_screen(&wz, "W4");
	assert_int_equal(F.find_sources_calls, before + 1);
	KEYS(&wz, '4');
	assert_has(&wz, "Registered: image 1 of \\RefreshImage\\CustomRefresh.wim");
	assert_true(view(&wz)->items[2].enabled);
	wizard_release(&wz);
}

static void test_image_create_stopped_and_failed(void **state)
{
	struct wizard wz;

	(void)state;
	to_w4(&wz);
	KEYS(&wz, '4', '1', '1', '1');
	assert_screen(&wz, "I2");
	reset_seen(&wz);
	S.send_esc_at = 3;
	KEYS(&wz, '1');
	assert_true(F.aborted);
	assert_screen(&wz, "W9");
	assert_has(&wz, "The work was stopped as you asked.");
	/* A refusal shows the engine's sentence and what it was about. */
	KEYS(&wz, '1', '4', '1', '1', '1');
	assert_screen(&wz, "I2");
	F.task_err = WR_ERR_NO_SPACE;
	KEYS(&wz, '1');
	assert_screen(&wz, "W9");
	assert_has(&wz, "This did not finish: Create a recovery image");
	assert_has(&wz, wr_strerror(WR_ERR_NO_SPACE));
	assert_int_equal(wz.outcome.err, WR_ERR_NO_SPACE);
	wizard_release(&wz);
}

static void test_image_registered_set_and_deregister(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	F.img.registered = true;
	F.img.index = 2;
	snprintf(F.img.path, sizeof(F.img.path), "\\RefreshImage");
	snprintf(F.img.where, sizeof(F.img.where), "/dev/sdb, partition 1");
	snprintf(F.img.name, sizeof(F.img.name), "Custom refresh 2026-11-20");
	snprintf(F.img.product, sizeof(F.img.product), "Windows 8.1");
	F.img.system_bytes = 15ULL << 30;
	F.img.file_bytes = 6ULL << 30;
	to_w4(&wz);
	KEYS(&wz, '4');
	v = view(&wz);
	assert_string_equal(v->code, "I1");
	assert_has(&wz, "Registered: image 2 of \\RefreshImage\\CustomRefresh.wim");
	assert_has(&wz, "Found on /dev/sdb, partition 1.");
	assert_has(&wz, "Custom refresh 2026-11-20 (Windows 8.1): Windows takes 15 GB, the file 6.0 GB.");
	assert_true(v->items[2].enabled);
	/* Use an existing image: the folder is chosen, then it is registered. */
	KEYS(&wz, '2');
	assert_has(&wz, "Choose the folder that holds the CustomRefresh.wim to use.");
	assert_false(has(view(&wz), "The image needs at most"));
	KEYS(&wz, '3');	/* the live system's root "/" */
	assert_has(&wz, "Folder: /");
	KEYS(&wz, '2');
	assert_has(&wz, "Folder: /F01");
	KEYS(&wz, WZ_KEY_ESC);
	assert_has(&wz, "Folder: /");
	assert_string_equal(wz.folder, "/");
	KEYS(&wz, '2', '1');
	assert_int_equal(F.set_calls, 1);
	assert_string_equal(F.last_dir, "/F01");
	assert_screen(&wz, "W9");
	assert_has(&wz, "Finished: Use an existing recovery image");
	assert_has(&wz, "This recovery image is now registered:");
	/* A folder not on a disk partition: the engine's refusal and the reason. */
	F.task_err = WR_ERR_UNSUPPORTED;
	KEYS(&wz, '1', '4', '2', '1', '1');
	assert_screen(&wz, "W9");
	assert_has(&wz, "This did not finish: Use an existing recovery image");
	F.task_err = 0;
	/* Deregister: straight to the result, and I1 says so afterwards. */
	KEYS(&wz, '1', '4', '3');
	assert_int_equal(F.dereg_calls, 1);
	assert_screen(&wz, "W9");
	assert_has(&wz, "The recovery image is no longer registered.");
	KEYS(&wz, '1', '4');
	assert_has(&wz, "No recovery image of your own is registered for this Windows.");
	wizard_release(&wz);
}

static void test_report_to_stick_and_folder(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	to_w4(&wz);
	KEYS(&wz, '5');
	v = view(&wz);
	assert_string_equal(v->code, "U1");
	assert_has(&wz, "The folder's name ends with the support code 63-00.");
	assert_int_equal(v->nitems, 4);
	assert_string_equal(v->items[0].label, "STICK (vfat), 16 GB");
	assert_string_equal(v->items[0].desc, "/dev/sdc, partition 1");
	assert_true(v->items[0].enabled);
	assert_string_equal(v->items[1].label, "CARD (vfat), 2.0 GB");
	assert_false(v->items[1].enabled);
	assert_string_equal(v->items[1].reason, wr_strerror(WR_ERR_READ_ONLY));
	assert_string_equal(v->items[2].label, "Save in a folder instead");
	KEYS(&wz, '2');
	assert_int_equal(F.report_calls, 0);
	/* The stick: saved, with the exact path and "remove it now". */
	reset_seen(&wz);
	KEYS(&wz, '1');
	assert_int_equal(F.report_calls, 1);
	assert_true(F.report_to_drive);
	assert_string_equal(F.last_drive.device, "/dev/sdc");
	assert_int_equal(F.last_drive.partition, 1);
	assert_true(S.n >= 1);
	v = view(&wz);
	assert_string_equal(v->code, "W9");
	assert_has(&wz, "Finished: Save a report");
	assert_has(&wz, "The report and the log were saved in this folder:");
	assert_has(&wz, "STICK: /winrescue-2026-11-26-63-00");
	assert_has(&wz, "You can remove the USB stick now.");
	/* A folder instead: D1 for the report, Esc from its top goes back to U1. */
	KEYS(&wz, '1', '5', '3');
	assert_screen(&wz, "D1");
	assert_has(&wz, "Choose the folder where the report and the log are saved.");
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "U1");
	KEYS(&wz, '3', '1', '1');
	assert_int_equal(F.report_calls, 2);
	assert_false(F.report_to_drive);
	assert_string_equal(F.last_dir, "/media/usb");
	assert_has(&wz, "/media/usb/winrescue-2026-11-26-63-00");
	assert_false(has(view(&wz), "You can remove the USB stick now."));
	/* F5 looks for sticks again; Esc goes back to W4. */
	KEYS(&wz, '1', '5');
	F.drives.n = 0;
	KEYS(&wz, WZ_KEY_F(5));
	assert_has(&wz, "No USB stick or other drive was found.");
	assert_int_equal(view(&wz)->nitems, 2);
	KEYS(&wz, WZ_KEY_ESC);
	assert_screen(&wz, "W4");
	wizard_release(&wz);
}

static void test_image_and_report_not_in_backend(void **state)
{
	struct wizard wz;

	(void)state;
	B.image_status = NULL;
	B.image_create = NULL;
	B.image_set = NULL;
	B.image_deregister = NULL;
	B.save_report = NULL;
	to_w4(&wz);
	KEYS(&wz, '4');
	assert_screen(&wz, "N1");
	assert_has(&wz, "\"Create or choose a recovery image\" is not available in this version of winrescue yet.");
	KEYS(&wz, WZ_KEY_ESC, '5');
	assert_screen(&wz, "N1");
	assert_has(&wz, "\"Save a report\" is not available in this version of winrescue yet.");
	KEYS(&wz, WZ_KEY_ESC);
	/* Only creating is there: the other lines say why not. */
	B.image_create = fake_image_create;
	KEYS(&wz, '4');
	assert_screen(&wz, "I1");
	assert_has(&wz, "Reading which image is registered is not available in this version yet.");
	assert_false(view(&wz)->items[1].enabled);
	assert_string_equal(view(&wz)->items[1].reason, "This is not available in this version yet.");
	wizard_release(&wz);
}

static void test_folder_chooser_many_folders_and_languages(void **state)
{
	struct wizard wz;
	struct wz_view *v;

	(void)state;
	F.nfolders = 40;
	to_w4(&wz);
	KEYS(&wz, '4', '1', '1');
	v = view(&wz);
	assert_int_equal(v->nitems, 1 + WZ_MAX_FOLDERS);
	assert_has(&wz, "4 more folders are not shown.");
	/* Past 9, the arrows reach a folder. */
	for (int i = 0; i < 12; i++)
		KEYS(&wz, WZ_KEY_DOWN);
	KEYS(&wz, WZ_KEY_ENTER);
	assert_has(&wz, "Folder: /media/usb/F12");
	KEYS(&wz, WZ_KEY_ESC);
	/* Russian: plurals; Japanese: the same screen, helper mode has the same shape. */
	KEYS(&wz, WZ_KEY_F(2), '2');
	assert_has(&wz, "Ещё 4 папки не показаны.");
	assert_has(&wz, "Выбрать эту папку");
	F.nfolders = 45;
	KEYS(&wz, WZ_KEY_F(5));
	assert_has(&wz, "Ещё 9 папок не показано.");
	F.nfolders = 37;
	KEYS(&wz, WZ_KEY_F(5));
	assert_has(&wz, "Ещё 1 папка не показана.");
	KEYS(&wz, WZ_KEY_F(2), '1');
	v = view(&wz);
	assert_string_equal(v->title, "フォルダーの選択");
	assert_string_equal(v->items[0].label, "このフォルダーを使う");
	wizard_view(&wz, true, &VE);
	assert_int_equal(VE.nlines, V.nlines);
	assert_int_equal(VE.nitems, V.nitems);
	assert_string_equal(VE.items[0].label, "Use this folder");
	KEYS(&wz, WZ_KEY_ESC, WZ_KEY_ESC);
	v = view(&wz);
	assert_string_equal(v->code, "I1");
	assert_string_equal(v->title, "回復イメージ");
	KEYS(&wz, WZ_KEY_F(4));
	assert_has(&wz, "I1");
	i18n_set_language("en");
	wizard_release(&wz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_refresh_flow_english, each_setup),
		cmocka_unit_test_setup(test_progress_view_and_time_left, each_setup),
		cmocka_unit_test_setup(test_cancel_before_point_of_no_return, each_setup),
		cmocka_unit_test_setup(test_windows8_media_cannot_refresh_81, each_setup),
		cmocka_unit_test_setup(test_no_source_and_look_again, each_setup),
		cmocka_unit_test_setup(test_reset_summary, each_setup),
		cmocka_unit_test_setup(test_reset_wrong_text_stays, each_setup),
		cmocka_unit_test_setup(test_reset_right_text_goes_on, each_setup),
		cmocka_unit_test_setup(test_reset_progress_view, each_setup),
		cmocka_unit_test_setup(test_reset_esc_goes_back, each_setup),
		cmocka_unit_test_setup(test_reset_each_partition_confirmed, each_setup),
		cmocka_unit_test_setup(test_reset_in_russian_and_japanese, each_setup),
		cmocka_unit_test_setup(test_reset_without_computer_name, each_setup),
		cmocka_unit_test_setup(test_reset_refused_by_the_plan, each_setup),
		cmocka_unit_test_setup(test_reset_another_image, each_setup),
		cmocka_unit_test_setup(test_reset_not_in_backend, each_setup),
		cmocka_unit_test_setup(test_interrupted_reset_on_start, each_setup),
		cmocka_unit_test(test_typed_answers),
		cmocka_unit_test_setup(test_refresh_not_available_in_backend, each_setup),
		cmocka_unit_test_setup(test_support_summary_and_help, each_setup),
		cmocka_unit_test_setup(test_language_switch_and_helper_mode, each_setup),
		cmocka_unit_test_setup(test_russian_plurals_and_sizes, each_setup),
		cmocka_unit_test_setup(test_interrupted_operation_on_start, each_setup),
		cmocka_unit_test_setup(test_interrupted_registry_restore_on_start, each_setup),
		cmocka_unit_test_setup(test_plain_linux_console, each_setup),
		cmocka_unit_test_setup(test_no_windows_found, each_setup),
		cmocka_unit_test_setup(test_every_screen_in_every_language, each_setup),
		cmocka_unit_test_setup(test_image_create_flow, each_setup),
		cmocka_unit_test_setup(test_image_create_stopped_and_failed, each_setup),
		cmocka_unit_test_setup(test_image_registered_set_and_deregister, each_setup),
		cmocka_unit_test_setup(test_report_to_stick_and_folder, each_setup),
		cmocka_unit_test_setup(test_image_and_report_not_in_backend, each_setup),
		cmocka_unit_test_setup(test_folder_chooser_many_folders_and_languages, each_setup),
		cmocka_unit_test(test_substitution_never_crashes),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
