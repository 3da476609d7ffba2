/*
 * model.c - the wizard's screens (what each shows, what keys do) and the flow.
 *
 * No curses here.  Every screen has a *_view() that fills a struct wz_view and an
 * *_activate() for its menu; wizard_key() handles the keys common to all screens.
 * Text goes through tr()/trn(): gettext normally, the English msgid itself in the
 * English pass that helper mode draws under the translated text.
 */
#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/winrescue.h"
#include "../i18n.h"
#include "model.h"
#include "text.h"

#define NSTEPS 9

static bool g_english;	/* the pass being built is the English one */

__attribute__((format_arg(1))) static const char *tr(const char *s)
{
	if (g_english || !s || !*s)
		return s;
	return gettext(s);
}

__attribute__((format_arg(1), format_arg(2))) static const char *
trn(const char *s, const char *p, unsigned long n)
{
	if (g_english)
		return n == 1 ? s : p;
	return ngettext(s, p, n);
}

/* xgettext reads _() and ngettext(); both go through the pass-aware versions. */
#undef _
#define _(s) tr(s)
#undef ngettext
#define ngettext(s, p, n) trn(s, p, n)

static const char *const screen_codes[WZ_SCR__COUNT] = {
	"W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "S1", "H1", "N1", "R1", "C1",
	"I1", "D1", "I2", "U1", "X1", "X2",
};

const char *wizard_screen_code(enum wz_screen s)
{
	return (unsigned)s < WZ_SCR__COUNT ? screen_codes[s] : "??";
}

static bool is_overlay(enum wz_screen s)
{
	return s == WZ_SCR_SUPPORT || s == WZ_SCR_HELP || s == WZ_SCR_UNAVAILABLE;
}

/* ------------------------------------------------------------------------- */
/* Building views                                                            */

__attribute__((format(printf, 3, 4))) static void
sfmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5))) static struct wz_line *
add_line(struct wz_view *v, enum wz_style st, const char *mark, const char *fmt, ...)
{
	static struct wz_line overflow;
	struct wz_line *l;
	va_list ap;

	if (v->nlines >= WZ_VIEW_LINES)
		l = &overflow;	/* never reached with the limits in backend.h */
	else
		l = &v->lines[v->nlines++];
	l->style = st;
	snprintf(l->mark, sizeof(l->mark), "%s", mark ? mark : "");
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	return l;
}

/* Put args[0..n-1] where the (translated) text has "%1$s".."%3$s", and "%" for
 * "%%": for texts that come from tables and backends, which the compiler cannot check
 * as formats (never printf, so a broken translation cannot crash). */
static void subst(const char *text, const char args[][256], size_t n, char *buf, size_t size)
{
	size_t k = 0;

	if (!size)
		return;
	for (const char *p = text; *p && k + 1 < size; p++) {
		const char *ins = NULL;

		if (p[0] == '%' && p[1] == '%') {
			ins = "%";
			p += 1;
		} else if (p[0] == '%' && p[1] >= '1' && p[1] <= '3' && p[2] == '$' && p[3] == 's') {
			size_t i = (size_t)(p[1] - '1');

			ins = i < n ? args[i] : "";
			p += 3;
		}
		if (ins) {
			size_t len = strlen(ins);

			if (len > size - 1 - k)
				len = size - 1 - k;
			memcpy(buf + k, ins, len);
			k += len;
		} else {
			buf[k++] = *p;
		}
	}
	/* Never end in half a character when the buffer was too small. */
	if (k + 1 >= size && k > 0) {
		size_t lead = k;
		unsigned char c;
		size_t need;

		while (lead > 0 && ((unsigned char)buf[lead - 1] & 0xC0) == 0x80)
			lead--;
		if (lead > 0) {
			c = (unsigned char)buf[lead - 1];
			need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
			if (lead - 1 + need > k)
				k = lead - 1;
		}
	}
	buf[k] = '\0';
}

static void subst1(const char *text, const char *arg, char *buf, size_t size)
{
	char args[1][256];

	text_copy(args[0], sizeof(args[0]), arg ? arg : "");
	subst(text, args, 1, buf, size);
}

static void add_blank(struct wz_view *v)
{
	add_line(v, WZ_ST_NORMAL, NULL, "%s", "");
}

static struct wz_item *add_item(struct wz_view *v, bool enabled, const char *label,
				const char *desc, const char *reason)
{
	static struct wz_item overflow;
	struct wz_item *it = v->nitems < WZ_VIEW_ITEMS ? &v->items[v->nitems++] : &overflow;

	it->enabled = enabled;
	text_copy(it->label, sizeof(it->label), label);
	text_copy(it->desc, sizeof(it->desc), desc ? desc : "");
	text_copy(it->reason, sizeof(it->reason), reason ? reason : "");
	return it;
}

static void view_begin(struct wizard *wz, struct wz_view *v, unsigned step, const char *title)
{
	v->code = wizard_screen_code(wz->screen);
	v->step = step;
	v->nsteps = step ? NSTEPS : 0;
	v->nlines = 0;
	v->nitems = 0;
	v->selected = -1;
	v->has_input = false;
	v->input_label[0] = v->input[0] = '\0';
	v->has_bar = false;
	v->percent = -1;
	v->bar_text[0] = '\0';
	v->hint[0] = '\0';
	snprintf(v->title, sizeof(v->title), "%s", title);
	if (step)
		/* TRANSLATORS: %1$u is this step's number, %2$u the number of steps. */
		sfmt(v->stepline, sizeof(v->stepline), _("Step %1$u of %2$u"), step, NSTEPS);
	else
		v->stepline[0] = '\0';
	snprintf(v->fkeys, sizeof(v->fkeys), "%s",
		 _("F1 Help  F2 Language  F3 Helper mode  F4 Support summary  F10 Exit"));
}

static void hint_menu(struct wz_view *v, bool can_go_back)
{
	snprintf(v->hint, sizeof(v->hint), "%s",
		 can_go_back ? _("Choose with the arrow keys or a number, then press Enter. Esc: back.")
			     : _("Choose with the arrow keys or a number, then press Enter."));
}

void wizard_format_size(uint64_t bytes, bool english, char *buf, size_t size)
{
	static const char *const units[] = {
		/* TRANSLATORS: a size in bytes; %1$s is the number. */
		N_("%1$s bytes"),
		/* TRANSLATORS: a size in kilobytes; %1$s is the number ("1.5"). */
		N_("%1$s KB"),
		/* TRANSLATORS: a size in megabytes; %1$s is the number ("1.5"). */
		N_("%1$s MB"),
		/* TRANSLATORS: a size in gigabytes; %1$s is the number ("465"). */
		N_("%1$s GB"),
		/* TRANSLATORS: a size in terabytes; %1$s is the number ("1.8"). */
		N_("%1$s TB"),
	};
	bool saved = g_english;
	double x = (double)bytes;
	unsigned u = 0;
	char num[32];
	char dec = '.';

	g_english = english;
	if (!english && !strcmp(i18n_language(), "ru"))
		dec = ',';
	/* Windows counts in powers of 1024 and calls them KB, MB, GB: so do we, so that
	 * the sizes match what the person sees in Windows. */
	while (x >= 1024.0 && u < 4) {
		x /= 1024.0;
		u++;
	}
	if (u == 0 || x >= 10.0) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)x);
	} else {
		unsigned tenths = (unsigned)(x * 10.0);

		snprintf(num, sizeof(num), "%u%c%u", tenths / 10, dec, tenths % 10);
	}
	subst1(_(units[u]), num, buf, size);
	g_english = saved;
}

static const char *op_label(enum wz_op op)
{
	switch (op) {
	case WZ_OP_CHECKUP:
		return N_("Check-up");
	case WZ_OP_SCAN:
		return N_("Surface scan of the disk");
	case WZ_OP_REFRESH:
		return N_("Refresh your PC (keep my files)");
	case WZ_OP_RESET:
		return N_("Reset your PC (remove everything)");
	case WZ_OP_REPAIR:
		return N_("Repair start-up");
	case WZ_OP_IMAGE:
		return N_("Create or choose a recovery image");
	case WZ_OP_REPORT:
		return N_("Save a report");
	case WZ_OP_RESUME:
		return N_("Finish the interrupted operation");
	default:
		return N_("Exit");
	}
}

static const char *task_label(enum wz_task t)
{
	switch (t) {
	case WZ_TASK_IMAGE_CREATE:
		return N_("Create a recovery image");
	case WZ_TASK_IMAGE_SET:
		return N_("Use an existing recovery image");
	case WZ_TASK_IMAGE_DEREGISTER:
		return N_("Stop using the registered image");
	case WZ_TASK_REPORT:
		return N_("Save a report");
	default:
		return NULL;
	}
}

/* The image and report flows: their work is named by the task (W8, W9). */
static bool task_flow(const struct wizard *wz)
{
	return (wz->running_op == WZ_OP_IMAGE || wz->running_op == WZ_OP_REPORT) &&
	       task_label(wz->task);
}

static const char *running_label(const struct wizard *wz)
{
	return task_flow(wz) ? task_label(wz->task) : op_label(wz->running_op);
}

static struct wz_install *cur_pc(struct wizard *wz)
{
	if (!wz->pcs_loaded || wz->pc < 0 || (size_t)wz->pc >= wz->pcs.n)
		return NULL;
	return &wz->pcs.v[wz->pc];
}

static struct wz_source *cur_source(struct wizard *wz)
{
	if (!wz->sources_loaded || wz->source < 0 || (size_t)wz->source >= wz->sources.n)
		return NULL;
	return &wz->sources.v[wz->source];
}

/* "Alice, Тарас, 山田太郎" with the language's list separator. */
static void join_users(const struct wz_install *pc, char *buf, size_t size)
{
	/* TRANSLATORS: the separator between names in a list ("Alice, Bob"). */
	const char *sep = _(", ");
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < pc->nusers && k + 1 < size; i++) {
		int n = snprintf(buf + k, size - k, "%s%s", i ? sep : "", pc->users[i]);

		if (n < 0 || (size_t)n >= size - k)
			break;
		k += (size_t)n;
	}
}

/* "Windows 8.1 on the 465 GB disk, 3 users: Alice, Тарас, 山田太郎" */
static void describe_pc(const struct wz_install *pc, char *buf, size_t size)
{
	char gb[64], users[1024];
	const char *win = pc->marketing[0] ? pc->marketing : pc->product;

	wizard_format_size(pc->disk_size, g_english, gb, sizeof(gb));
	join_users(pc, users, sizeof(users));
	if (pc->nusers == 0)
		/* TRANSLATORS: %1$s is "Windows 8.1", %2$s the disk's size ("465 GB"). */
		sfmt(buf, size, _("%1$s on the %2$s disk, no user accounts found"), win, gb);
	else
		/* TRANSLATORS: %1$s is "Windows 8.1", %2$s the disk's size ("465 GB"),
		 * %3$lu the number of users, %4$s their names. */
		sfmt(buf, size, ngettext("%1$s on the %2$s disk, %3$lu user: %4$s",
					 "%1$s on the %2$s disk, %3$lu users: %4$s", pc->nusers),
		     win, gb, (unsigned long)pc->nusers, users);
}

/* Why source s cannot be used for the installation (one sentence), or "". */
static void mismatch_reason(const struct wz_install *pc, const struct wz_source *s,
			    char *buf, size_t size)
{
	const char *want = pc && pc->marketing[0] ? pc->marketing : "Windows";

	buf[0] = '\0';
	if (s->mismatch & WZ_MIS_UNREADABLE)
		sfmt(buf, size, "%s", _("This file cannot be read: it may be damaged."));
	else if (s->mismatch & WZ_MIS_IN_PARTITION && !(s->mismatch & ~WZ_MIS_IN_PARTITION))
		sfmt(buf, size, "%s", _("This version of winrescue cannot use an image inside a partition yet. Use installation media on a USB stick or DVD."));
	else if (s->mismatch & WZ_MIS_NOT_WINDOWS)
		sfmt(buf, size, "%s", _("This image does not hold a Windows system."));
	else if (s->mismatch & WZ_MIS_VERSION)
		/* TRANSLATORS: %1$s is the image's version ("Windows 8"), %2$s the
		 * installed one ("Windows 8.1").  Windows 8 media cannot refresh 8.1. */
		sfmt(buf, size, _("%1$s media cannot refresh %2$s. You need %2$s media."),
		     s->marketing[0] ? s->marketing : s->name, want);
	else if (s->mismatch & WZ_MIS_ARCH)
		/* TRANSLATORS: %1$s and %2$s are "32-bit (x86)"-like names: image, PC. */
		sfmt(buf, size, _("This image is for %1$s Windows, but this PC has %2$s Windows."),
		     s->arch, pc ? pc->arch : "?");
	else if (s->mismatch & WZ_MIS_EDITION)
		/* TRANSLATORS: %1$s is the image's edition ("Core"), %2$s Windows's name. */
		sfmt(buf, size, _("This image is a different edition (%1$s) from the one installed (%2$s)."),
		     s->edition, pc ? pc->product : "?");
	else if (s->mismatch & WZ_MIS_OLDER_BUILD)
		/* TRANSLATORS: %1$u is the image's build number, %2$u the installed one. */
		sfmt(buf, size, _("This image is older (build %1$u) than the installed Windows (build %2$u)."),
		     s->build, pc ? pc->build : 0);
}

static const struct wz_source *best_source(struct wizard *wz)
{
	for (size_t i = 0; i < wz->sources.n; i++)
		if (!wz->sources.v[i].mismatch)
			return &wz->sources.v[i];
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* Loading (quick work done when a screen is entered)                        */

static void load_pcs(struct wizard *wz)
{
	memset(&wz->pcs, 0, sizeof(wz->pcs));
	wz->pcs_loaded = true;
	wz->pc = -1;
	if (wz->be->find_pcs && wz->be->find_pcs(wz->be->ctx, &wz->pcs) != 0 && !wz->pcs.note)
		wz->pcs.note = N_("The disks could not be read.");
	if (wz->pcs.n)
		wz->pc = 0;
	wz->sel[WZ_SCR_PC] = 0;
}

static void load_sources(struct wizard *wz)
{
	const struct wz_install *pc = cur_pc(wz);

	memset(&wz->sources, 0, sizeof(wz->sources));
	wz->sources_loaded = true;
	wz->source = -1;
	if (wz->be->find_sources && pc)
		wz->be->find_sources(wz->be->ctx, pc, &wz->sources);
	for (size_t i = 0; i < wz->sources.n; i++)
		if (!wz->sources.v[i].mismatch) {
			wz->source = (int)i;
			break;
		}
	wz->sel[WZ_SCR_SOURCE] = wz->source > 0 ? wz->source : 0;
}

static void load_apps(struct wizard *wz)
{
	const struct wz_install *pc = cur_pc(wz);

	memset(&wz->apps, 0, sizeof(wz->apps));
	wz->apps_loaded = true;
	wz->apps_err = -1;
	if (wz->be->removed_apps && pc)
		wz->apps_err = wz->be->removed_apps(wz->be->ctx, pc, &wz->apps);
}

static void load_image(struct wizard *wz)
{
	const struct wz_install *pc = cur_pc(wz);

	memset(&wz->img, 0, sizeof(wz->img));
	wz->img_loaded = true;
	wz->img_err = 0;
	if (wz->be->image_status && pc)
		wz->img_err = wz->be->image_status(wz->be->ctx, pc, &wz->img);
	wz->sel[WZ_SCR_IMAGE] = 0;
}

/* The folder chooser starts at its list of places. */
static void load_places(struct wizard *wz)
{
	memset(&wz->places, 0, sizeof(wz->places));
	wz->places_loaded = true;
	wz->place = -1;
	wz->folder[0] = '\0';
	if (wz->be->find_places)
		wz->be->find_places(wz->be->ctx, cur_pc(wz), &wz->places);
	if (wz->places.n > WZ_MAX_PLACES)
		wz->places.n = WZ_MAX_PLACES;
	wz->sel[WZ_SCR_FOLDER] = 0;
}

static void load_folders(struct wizard *wz)
{
	memset(&wz->folders, 0, sizeof(wz->folders));
	wz->folders_err = 0;
	if (wz->be->list_folders)
		wz->folders_err = wz->be->list_folders(wz->be->ctx, wz->folder, &wz->folders);
	if (wz->folders.n > WZ_MAX_FOLDERS)
		wz->folders.n = WZ_MAX_FOLDERS;
	wz->sel[WZ_SCR_FOLDER] = 0;
}

static void load_drives(struct wizard *wz)
{
	memset(&wz->drives, 0, sizeof(wz->drives));
	wz->drives_loaded = true;
	wz->drive = -1;
	if (wz->be->find_drives)
		wz->be->find_drives(wz->be->ctx, cur_pc(wz), &wz->drives);
	if (wz->drives.n > WZ_MAX_PLACES)
		wz->drives.n = WZ_MAX_PLACES;
	wz->sel[WZ_SCR_REPORT] = 0;
}

/* The reset's plan for the chosen installation and image (X1); the choices and the
 * confirmation start afresh. */
static void load_reset(struct wizard *wz)
{
	const struct wz_install *pc = cur_pc(wz);
	const struct wz_source *src = wz->sources_loaded && wz->source >= 0 &&
						      (size_t)wz->source < wz->sources.n
					      ? &wz->sources.v[wz->source] : NULL;

	memset(&wz->reset, 0, sizeof(wz->reset));
	memset(wz->reset_also, 0, sizeof(wz->reset_also));
	wz->reset_wipe = false;
	wz->reset_loaded = true;
	wz->confirm_stage = 0;
	wz->typed[0] = '\0';
	wz->typed_wrong = false;
	if (!pc || !wz->be->reset_plan)
		wz->reset_err = WR_ERR_INVALID_ARG;
	else
		wz->reset_err = wz->be->reset_plan(wz->be->ctx, pc, src, &wz->reset);
	if (wz->reset.nothers > WZ_RESET_OTHERS)
		wz->reset.nothers = WZ_RESET_OTHERS;
	wz->sel[WZ_SCR_RESET] = 0;
}

static void go(struct wizard *wz, enum wz_screen s)
{
	wz->screen = s;
	wz->scroll = 0;
	wz->overlay_language = false;
}

static enum wz_next open_overlay(struct wizard *wz, enum wz_screen s)
{
	if (!is_overlay(wz->screen) && !(wz->screen == WZ_SCR_LANGUAGE && wz->overlay_language))
		wz->back = wz->screen;
	wz->screen = s;
	wz->scroll = 0;
	wz->overlay_language = false;
	return WZ_REDRAW;
}

static enum wz_next close_overlay(struct wizard *wz)
{
	go(wz, wz->back);
	return WZ_REDRAW;
}

static enum wz_next unavailable(struct wizard *wz, enum wz_op op)
{
	wz->unavailable_op = op;
	return open_overlay(wz, WZ_SCR_UNAVAILABLE);
}

/* Can the backend do op (for the image and report flows: the chosen task)? */
static bool op_available(const struct wizard *wz, enum wz_op op)
{
	const struct wz_backend *be = wz->be;

	if (op == WZ_OP_CHECKUP)
		return true;
	if (op == WZ_OP_IMAGE)
		return (wz->task == WZ_TASK_IMAGE_CREATE && be->image_create) ||
		       (wz->task == WZ_TASK_IMAGE_SET && be->image_set) ||
		       (wz->task == WZ_TASK_IMAGE_DEREGISTER && be->image_deregister);
	if (op == WZ_OP_REPORT)
		return wz->task == WZ_TASK_REPORT && be->save_report;
	if (op == WZ_OP_RESET)
		return be->reset_plan && be->reset_run;
	return be->run[op] != NULL;
}

static enum wz_next start_op(struct wizard *wz, enum wz_op op, enum wz_screen shows_on)
{
	if (!op_available(wz, op))
		return unavailable(wz, op);
	wz->pending = true;
	wz->running_op = op;
	wz->cancel_requested = false;
	wz->op_done = false;
	memset(&wz->prog, 0, sizeof(wz->prog));
	memset(&wz->outcome, 0, sizeof(wz->outcome));
	/* A reset (or the end of one) is past the point of no return from its start:
	 * the typed confirmation was it. */
	wz->prog.no_return = op == WZ_OP_RESET ||
			     (op == WZ_OP_RESUME && wz->interrupted.op == WZ_OP_RESET);
	go(wz, shows_on);
	return WZ_RUN;
}

/* ------------------------------------------------------------------------- */
/* Screens                                                                   */

static const char *const lang_codes[] = { I18N_LANGS };

static void language_view(struct wizard *wz, struct wz_view *v)
{
	view_begin(wz, v, 1, _("Language"));
	add_line(v, WZ_ST_NORMAL, NULL, "%s", _("Choose the language for winrescue."));
	add_line(v, WZ_ST_DIM, NULL, "%s",
		 _("You can change it later on any screen with F2."));
	for (size_t i = 0; i < sizeof(lang_codes) / sizeof(lang_codes[0]); i++) {
		/* Each language is named in itself, as people look for their own. */
		if (!strcmp(lang_codes[i], "ja"))
			add_item(v, !wz->plain_console,
				 wz->plain_console ? "Nihongo (Japanese)" : "日本語", NULL,
				 wz->plain_console ? _("This console cannot show Japanese characters. To use Japanese, start winrescue in a terminal that can, such as kmscon or fbterm.") : NULL);
		else if (!strcmp(lang_codes[i], "ru"))
			add_item(v, true, "Русский", NULL, NULL);
		else
			add_item(v, true, "English", NULL, NULL);
	}
	hint_menu(v, wz->overlay_language);
}

static enum wz_next language_activate(struct wizard *wz, int i)
{
	i18n_set_language(lang_codes[i]);
	if (wz->overlay_language)
		return close_overlay(wz);
	if (!wz->pcs_loaded)
		load_pcs(wz);
	go(wz, WZ_SCR_PC);
	return WZ_REDRAW;
}

static void pc_view(struct wizard *wz, struct wz_view *v)
{
	char buf[1536];

	view_begin(wz, v, 2, _("Your PC"));
	if (!wz->be->find_pcs) {
		add_line(v, WZ_ST_WARN, NULL, "%s",
			 _("Finding Windows installations is not available in this version yet."));
	} else if (wz->pcs.n == 0) {
		add_line(v, WZ_ST_WARN, NULL,
			 /* TRANSLATORS: %1$lu is how many disks were looked at. */
			 ngettext("No Windows installation was found on the %1$lu disk this PC has.",
				  "No Windows installation was found on the %1$lu disks this PC has.",
				  wz->pcs.ndisks),
			 (unsigned long)wz->pcs.ndisks);
		if (wz->pcs.note)
			add_line(v, WZ_ST_NORMAL, NULL, "%s%s%s%s", _(wz->pcs.note),
				 wz->pcs.note_subject[0] ? " (" : "", wz->pcs.note_subject,
				 wz->pcs.note_subject[0] ? ")" : "");
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("If Windows is on a disk that is not connected, connect it and press F5 to look again."));
	} else {
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 wz->pcs.n == 1 ? _("This Windows installation was found. Press Enter to check it.")
					: _("These Windows installations were found. Choose the one to repair."));
	}
	for (size_t i = 0; i < wz->pcs.n; i++) {
		const struct wz_install *pc = &wz->pcs.v[i];
		char where[768];

		describe_pc(pc, buf, sizeof(buf));
		/* TRANSLATORS: %1$s is a product name ("Windows 8.1 Pro"), %2$u its build,
		 * %3$s the disk ("/dev/sda"), %4$u the partition number. */
		sfmt(where, sizeof(where), _("%1$s (build %2$u) on %3$s, partition %4$u"),
		     pc->product, pc->build, pc->disk_path, pc->partition);
		add_item(v, true, buf, where, NULL);
	}
	if (wz->pcs.n)
		hint_menu(v, true);
	else
		snprintf(v->hint, sizeof(v->hint), "%s", _("F5: look again. Esc: back."));
}

static enum wz_next pc_activate(struct wizard *wz, int i)
{
	wz->pc = i;
	wz->checked = false;
	wz->sources_loaded = false;
	wz->apps_loaded = false;
	return start_op(wz, WZ_OP_CHECKUP, WZ_SCR_CHECKUP);
}

static const char *light_mark(enum wz_light l)
{
	switch (l) {
	case WZ_LIGHT_GREEN:
		return "[ OK ]";
	case WZ_LIGHT_YELLOW:
		return "[ !! ]";
	case WZ_LIGHT_RED:
		return "[STOP]";
	default:
		return "[ -- ]";
	}
}

static enum wz_style light_style(enum wz_light l)
{
	switch (l) {
	case WZ_LIGHT_GREEN:
		return WZ_ST_GOOD;
	case WZ_LIGHT_YELLOW:
		return WZ_ST_WARN;
	case WZ_LIGHT_RED:
		return WZ_ST_BAD;
	default:
		return WZ_ST_DIM;
	}
}

static void time_left(struct wizard *wz, char *buf, size_t size)
{
	double now = wz->be->now ? wz->be->now(wz->be->ctx) : 0;
	double f = 0, el = now - wz->op_started, left;
	const struct wz_progress *p = &wz->prog;

	if (p->nsteps) {
		double in = p->total ? (double)p->done / (double)p->total : 0;

		f = ((double)(p->step ? p->step - 1 : 0) + (in > 1 ? 1 : in)) / p->nsteps;
	}
	if (f < 0.02 || el < 2) {
		snprintf(buf, size, "%s", _("estimating the time left"));
		return;
	}
	left = el * (1 - f) / f;
	if (left < 60) {
		snprintf(buf, size, "%s", _("less than a minute left"));
	} else {
		unsigned long m = (unsigned long)(left / 60 + 0.5);

		/* TRANSLATORS: %1$lu is a number of minutes. */
		sfmt(buf, size, ngettext("about %1$lu minute left", "about %1$lu minutes left", m), m);
	}
}

static int overall_percent(const struct wz_progress *p)
{
	double in, f;

	if (!p->nsteps)
		return -1;
	in = p->total ? (double)p->done / (double)p->total : 0;
	if (in > 1)
		in = 1;
	f = ((double)(p->step ? p->step - 1 : 0) + in) / p->nsteps;
	return (int)(f * 100);
}

static void progress_block(struct wizard *wz, struct wz_view *v)
{
	char left[128];

	v->has_bar = true;
	v->percent = overall_percent(&wz->prog);
	time_left(wz, left, sizeof(left));
	if (v->percent >= 0)
		/* TRANSLATORS: %1$d is a percentage, %2$s "about 12 minutes left". */
		sfmt(v->bar_text, sizeof(v->bar_text), _("%1$d%% done, %2$s"), v->percent, left);
	if (wz->prog.nsteps && wz->prog.step_name)
		/* TRANSLATORS: %1$u is the step number, %2$u the number of steps, %3$s
		 * what the step does. */
		add_line(v, WZ_ST_HEADING, NULL, _("Part %1$u of %2$u: %3$s"), wz->prog.step,
			 wz->prog.nsteps, _(wz->prog.step_name));
}

static void checkup_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_install *pc = cur_pc(wz);
	char buf[1536];

	view_begin(wz, v, 3, _("Check-up"));
	if (pc) {
		describe_pc(pc, buf, sizeof(buf));
		add_line(v, WZ_ST_NORMAL, NULL, "%s", buf);
	}
	if (wz->running) {
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("winrescue is checking the disk and Windows. Nothing is changed."));
		progress_block(wz, v);
		snprintf(v->hint, sizeof(v->hint), "%s", _("Please wait. Esc: stop the check."));
		return;
	}
	if (!wz->be->checkup) {
		add_line(v, WZ_ST_DIM, "[ -- ]", "%s",
			 _("The check-up is not available in this version yet."));
	} else if (wz->check_err) {
		add_line(v, WZ_ST_BAD, "[STOP]", "%s", _("The check-up could not finish."));
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _(wr_strerror(wz->check_err)));
	} else {
		add_line(v, WZ_ST_HEADING, NULL, "%s", _("What the check-up found:"));
		for (size_t i = 0; i < wz->check.n; i++) {
			const struct wz_finding *f = &wz->check.v[i];

			char text[768];

			subst(_(f->text), f->args, 3, text, sizeof(text));
			add_line(v, light_style(f->light), light_mark(f->light), "%s", text);
			if (f->advice && *f->advice) {
				subst(_(f->advice), f->args, 3, text, sizeof(text));
				/* Under the finding's text, past its mark. */
				add_line(v, WZ_ST_NORMAL, "      ", "%s", text);
			}
		}
		if (wz->check.n == 0)
			add_line(v, WZ_ST_GOOD, "[ OK ]", "%s", _("No problems were found."));
	}
	add_item(v, true, _("Continue"), _("Choose what to do with this PC."), NULL);
	add_item(v, true, _("Run the surface scan (long test)"),
			 _("Reads the whole disk to find damaged areas. It changes nothing but can take hours."),
			 NULL);
	add_item(v, true, _("Check again"), _("Runs the check-up once more."), NULL);
	hint_menu(v, true);
}

static enum wz_next checkup_activate(struct wizard *wz, int i)
{
	if (i == 0) {
		if (!wz->sources_loaded)
			load_sources(wz);
		go(wz, WZ_SCR_ACTION);
		return WZ_REDRAW;
	}
	if (i == 1)
		return start_op(wz, WZ_OP_SCAN, WZ_SCR_PROGRESS);
	return start_op(wz, WZ_OP_CHECKUP, WZ_SCR_CHECKUP);
}

enum { ACT_REFRESH, ACT_RESET, ACT_REPAIR, ACT_IMAGE, ACT_REPORT, ACT_EXIT };

/* Why Refresh/Reset cannot work now, or NULL (written into buf). */
static const char *image_op_blocked(struct wizard *wz, bool refresh, char *buf, size_t size)
{
	const struct wz_install *pc = cur_pc(wz);

	if (!pc) {
		snprintf(buf, size, "%s", _("No Windows installation was chosen."));
		return buf;
	}
	if (refresh && wz->checked && wz->check.blocks_refresh) {
		snprintf(buf, size, "%s", _(wz->check.blocks_reason ? wz->check.blocks_reason
					    : N_("The check-up found a problem that must be solved first.")));
		return buf;
	}
	if (!wz->be->find_sources) {
		snprintf(buf, size, "%s", _("Finding installation media is not available in this version yet."));
		return buf;
	}
	if (best_source(wz))
		return NULL;
	if (wz->sources.n) {
		mismatch_reason(pc, &wz->sources.v[0], buf, size);
		return buf;
	}
	/* TRANSLATORS: %1$s is the installed Windows ("Windows 8.1"), %2$s its
	 * architecture ("x64"). */
	sfmt(buf, size, _("No %1$s (%2$s) installation media or recovery image was found. Insert a USB stick or DVD with it and press F5 on the next screen."),
	     pc->marketing[0] ? pc->marketing : pc->product, pc->arch);
	return buf;
}

static void action_view(struct wizard *wz, struct wz_view *v)
{
	char why_refresh[512], why_reset[512];
	const char *r1 = image_op_blocked(wz, true, why_refresh, sizeof(why_refresh));
	const char *r2 = image_op_blocked(wz, false, why_reset, sizeof(why_reset));

	view_begin(wz, v, 4, _("What to do"));
	add_line(v, WZ_ST_NORMAL, NULL, "%s", _("Choose what winrescue should do."));
	add_item(v, !r1, _(op_label(WZ_OP_REFRESH)),
		 _("Reinstalls Windows. Your files, accounts and Store apps are kept; apps installed from discs or websites are removed."),
		 r1);
	add_item(v, !r2, _(op_label(WZ_OP_RESET)),
		 _("Reinstalls Windows and removes all your files, accounts and apps."), r2);
	add_item(v, true, _(op_label(WZ_OP_REPAIR)),
		 _("Fixes the files and settings Windows needs to start."), NULL);
	add_item(v, true, _(op_label(WZ_OP_IMAGE)),
		 _("Saves this PC's system as the image a later refresh uses."), NULL);
	add_item(v, true, _(op_label(WZ_OP_REPORT)),
		 _("Saves the check-up report and the log to a USB stick for the helpdesk."), NULL);
	add_item(v, true, _("Exit"), _("Leaves winrescue without changing anything."), NULL);
	hint_menu(v, true);
}

static enum wz_next action_activate(struct wizard *wz, int i)
{
	switch (i) {
	case ACT_REFRESH:
		wz->op = WZ_OP_REFRESH;
		go(wz, WZ_SCR_SOURCE);
		return WZ_REDRAW;
	case ACT_RESET:
		wz->op = WZ_OP_RESET;
		if (!op_available(wz, WZ_OP_RESET))
			return unavailable(wz, WZ_OP_RESET);
		load_reset(wz);
		go(wz, WZ_SCR_RESET);
		return WZ_REDRAW;
	case ACT_REPAIR:
		wz->op = WZ_OP_REPAIR;
		if (!wz->be->run[WZ_OP_REPAIR])
			return unavailable(wz, WZ_OP_REPAIR);
		go(wz, WZ_SCR_CONFIRM);
		wz->sel[WZ_SCR_CONFIRM] = 1;	/* "Go back" first: starting takes a choice */
		return WZ_REDRAW;
	case ACT_IMAGE:
		wz->op = WZ_OP_IMAGE;
		if (!wz->be->image_status && !wz->be->image_create && !wz->be->image_set &&
		    !wz->be->image_deregister)
			return unavailable(wz, WZ_OP_IMAGE);
		load_image(wz);
		go(wz, WZ_SCR_IMAGE);
		return WZ_REDRAW;
	case ACT_REPORT:
		wz->op = WZ_OP_REPORT;
		if (!wz->be->save_report)
			return unavailable(wz, WZ_OP_REPORT);
		load_drives(wz);
		go(wz, WZ_SCR_REPORT);
		return WZ_REDRAW;
	default:
		return WZ_QUIT;
	}
}

static const char *kind_label(enum wz_source_kind k)
{
	switch (k) {
	case WZ_SRC_CUSTOM:
		return N_("your own recovery image");
	case WZ_SRC_OEM:
		return N_("the PC maker's recovery image");
	default:
		return N_("installation media");
	}
}

static void source_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_install *pc = cur_pc(wz);

	view_begin(wz, v, 5, _("Source"));
	if (wz->sources.n == 0) {
		char why[512];

		image_op_blocked(wz, false, why, sizeof(why));
		add_line(v, WZ_ST_WARN, NULL, "%s", why);
	} else {
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("Windows will be installed again from one of these images. The best one is first."));
	}
	add_line(v, WZ_ST_DIM, NULL, "%s",
		 _("Insert your USB stick or DVD and press F5 to look again."));
	for (size_t i = 0; i < wz->sources.n; i++) {
		const struct wz_source *s = &wz->sources.v[i];
		char label[512], why[512], size[64];

		wizard_format_size(s->bytes, g_english, size, sizeof(size));
		if (s->arch[0])
			/* TRANSLATORS: %1$s is the image's name ("Windows 8.1 Pro"), %2$s its
			 * architecture, %3$s what it is ("installation media"), %4$s where. */
			sfmt(label, sizeof(label), _("%1$s (%2$s), %3$s on %4$s"), s->name, s->arch,
			     _(kind_label(s->kind)), s->where);
		else
			/* TRANSLATORS: %1$s is a file name, %2$s what it is ("installation
			 * media"), %3$s where it is ("/dev/sdb1"). */
			sfmt(label, sizeof(label), _("%1$s, %2$s on %3$s"), s->name,
			     _(kind_label(s->kind)), s->where);
		mismatch_reason(pc, s, why, sizeof(why));
		{
			char desc[512];

			/* TRANSLATORS: %1$s is a file path, %2$u the image number in it,
			 * %3$s its size ("12 GB"). */
			sfmt(desc, sizeof(desc), _("%1$s, image %2$u, %3$s"), s->path, s->index, size);
			add_item(v, !s->mismatch, label, desc, s->mismatch ? why : NULL);
		}
	}
	if (wz->sources.n)
		hint_menu(v, true);
	else
		snprintf(v->hint, sizeof(v->hint), "%s", _("F5: look again. Esc: back."));
}

static enum wz_next source_activate(struct wizard *wz, int i)
{
	wz->source = i;
	if (wz->op == WZ_OP_RESET) {
		/* Reached from X1 ("use another image"): planned again with it. */
		load_reset(wz);
		go(wz, WZ_SCR_RESET);
		return WZ_REDRAW;
	}
	if (wz->op == WZ_OP_REFRESH && !wz->apps_loaded)
		load_apps(wz);
	go(wz, WZ_SCR_SUMMARY);
	return WZ_REDRAW;
}

static unsigned long estimate_minutes(const struct wz_source *s)
{
	/* Applying runs at about 40 MB/s on a USB 3 stick and a hard disk; the moves
	 * and registry work add a few minutes. */
	uint64_t mb = s ? s->bytes / (1024 * 1024) : 0;

	return (unsigned long)(mb / 40 / 60) + 5;
}

static void summary_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_source *s = cur_source(wz);
	unsigned long m = estimate_minutes(s);

	view_begin(wz, v, 6, _("Summary"));
	add_line(v, WZ_ST_HEADING, NULL, "%s", _("Here's what will happen:"));
	if (wz->op == WZ_OP_REFRESH) {
		add_line(v, WZ_ST_NORMAL, "  *", "%s", _("Your files and personal settings won't change."));
		add_line(v, WZ_ST_NORMAL, "  *", "%s", _("Your PC settings will be changed back to their defaults."));
		add_line(v, WZ_ST_NORMAL, "  *", "%s", _("Apps from Windows Store will be kept."));
		add_line(v, WZ_ST_NORMAL, "  *", "%s", _("Apps you installed from discs or websites will be removed."));
		add_line(v, WZ_ST_NORMAL, "  *", "%s", _("A list of removed apps will be saved on your desktop."));
		add_line(v, WZ_ST_NORMAL, "  *", "%s", _("The old system is kept in the Windows.old folder."));
	}
	if (s)
		/* TRANSLATORS: %1$s is the image's name, %2$s where it is. */
		add_line(v, WZ_ST_NORMAL, NULL, _("Windows will come from: %1$s on %2$s."), s->name,
			 s->where);
	add_line(v, WZ_ST_NORMAL, NULL,
		 /* TRANSLATORS: %1$lu is a number of minutes. */
		 ngettext("This will take about %1$lu minute.", "This will take about %1$lu minutes.", m),
		 m);
	if (wz->op == WZ_OP_REFRESH) {
		add_blank(v);
		if (wz->apps_err > 0 || (wz->apps_err < 0 && !wz->be->removed_apps)) {
			add_line(v, WZ_ST_WARN, NULL, "%s",
				 _("The list of apps that will be removed could not be read."));
		} else if (wz->apps.n == 0) {
			add_line(v, WZ_ST_NORMAL, NULL, "%s",
				 _("No apps installed from discs or websites were found: none will be removed."));
		} else {
			size_t total = wz->apps.n + wz->apps.more;

			add_line(v, WZ_ST_HEADING, NULL,
				 /* TRANSLATORS: %1$lu is the number of apps listed below. */
				 ngettext("This %1$lu app will be removed:", "These %1$lu apps will be removed:",
					  total),
				 (unsigned long)total);
			for (size_t i = 0; i < wz->apps.n; i++)
				add_line(v, WZ_ST_NORMAL, "  -", "%s", wz->apps.names[i]);
			if (wz->apps.more)
				add_line(v, WZ_ST_NORMAL, "  -",
					 /* TRANSLATORS: %1$lu is how many more apps are not shown. */
					 ngettext("and %1$lu more app", "and %1$lu more apps", wz->apps.more),
					 (unsigned long)wz->apps.more);
		}
	}
	add_item(v, true, _("Next"), _("Go to the last confirmation before anything is changed."), NULL);
	add_item(v, true, _("Go back"), _("Choose another image or another action."), NULL);
	hint_menu(v, true);
}

static enum wz_next summary_activate(struct wizard *wz, int i)
{
	if (i == 1) {
		go(wz, WZ_SCR_SOURCE);
		return WZ_REDRAW;
	}
	if (!wz->be->run[wz->op])
		return unavailable(wz, wz->op);
	go(wz, WZ_SCR_CONFIRM);
	wz->sel[WZ_SCR_CONFIRM] = 1;	/* "Go back" first: starting takes a choice */
	return WZ_REDRAW;
}

static void confirm_view(struct wizard *wz, struct wz_view *v)
{
	view_begin(wz, v, 7, _("Confirm"));
	if (wz->op == WZ_OP_REFRESH) {
		add_line(v, WZ_ST_HEADING, NULL, "%s", _("Ready to refresh your PC."));
		add_line(v, WZ_ST_WARN, NULL, "%s",
			 _("Once the refresh starts, it cannot be cancelled. Do not turn off the PC until winrescue says it has finished."));
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("If the power fails, start winrescue again: it will finish the work, and your files are kept."));
		add_item(v, true, _("Refresh my PC now"), _("Starts the refresh. This is the point of no return."), NULL);
		add_item(v, true, _("Go back"), _("Nothing has been changed yet."), NULL);
		hint_menu(v, true);
	} else {
		add_line(v, WZ_ST_HEADING, NULL, "%s", _(op_label(wz->op)));
		add_line(v, WZ_ST_WARN, NULL, "%s", _("This changes files on the Windows disk."));
		add_item(v, true, _("Start now"), _("Starts the work."), NULL);
		add_item(v, true, _("Go back"), _("Nothing has been changed yet."), NULL);
		hint_menu(v, true);
	}
}

static enum wz_next confirm_activate(struct wizard *wz, int i)
{
	if (i == 1) {
		go(wz, WZ_SCR_SUMMARY);
		return WZ_REDRAW;
	}
	return start_op(wz, wz->op, WZ_SCR_PROGRESS);
}

static void progress_view(struct wizard *wz, struct wz_view *v)
{
	view_begin(wz, v, 8, _("Progress"));
	add_line(v, WZ_ST_HEADING, NULL, "%s", _(running_label(wz)));
	progress_block(wz, v);
	if (wz->running_op == WZ_OP_REFRESH || wz->running_op == WZ_OP_RESET ||
	    wz->running_op == WZ_OP_RESUME)
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("You can leave the PC while this runs. Do not turn it off."));
	if (wz->prog.no_return) {
		add_line(v, WZ_ST_WARN, NULL, "%s",
			 _("This can no longer be cancelled. If the power fails, start winrescue again: it will finish the work."));
		snprintf(v->hint, sizeof(v->hint), "%s", _("Please wait."));
	} else if (wz->cancel_requested) {
		snprintf(v->hint, sizeof(v->hint), "%s", _("Stopping at the next safe point..."));
	} else {
		snprintf(v->hint, sizeof(v->hint), "%s", _("Please wait. Esc: stop."));
	}
}

static void done_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_outcome *o = &wz->outcome;

	view_begin(wz, v, 9, _("Done"));
	if (o->err == WR_ERR_ABORTED) {
		add_line(v, WZ_ST_WARN, NULL, "%s", _("The work was stopped as you asked. Nothing more was changed."));
	} else if (o->err) {
		/* TRANSLATORS: %1$s is what was being done ("Refresh your PC ..."). */
		add_line(v, WZ_ST_BAD, "[STOP]", _("This did not finish: %1$s"), _(running_label(wz)));
		add_line(v, WZ_ST_NORMAL, NULL, "%s%s%s%s", _(wr_strerror(o->err)),
			 o->err_subject[0] ? " (" : "", o->err_subject, o->err_subject[0] ? ")" : "");
	} else if (wz->running_op == WZ_OP_RESET ||
		   (wz->running_op == WZ_OP_RESUME && wz->interrupted.op == WZ_OP_RESET)) {
		add_line(v, WZ_ST_GOOD, "[ OK ]", "%s", _("Windows was reinstalled. When the PC starts, Windows asks for the first settings."));
	} else if (wz->running_op == WZ_OP_RESUME && wz->interrupted.op == WZ_OP_REPAIR) {
		add_line(v, WZ_ST_GOOD, "[ OK ]", _("Finished: %1$s"),
			 _(wz->interrupted.what ? wz->interrupted.what : op_label(WZ_OP_REPAIR)));
	} else if (wz->running_op == WZ_OP_REFRESH || wz->running_op == WZ_OP_RESUME) {
		add_line(v, WZ_ST_GOOD, "[ OK ]", "%s", _("Your PC was refreshed. Your files are where they were."));
	} else {
		/* TRANSLATORS: %1$s is what was done ("Save a report"). */
		add_line(v, WZ_ST_GOOD, "[ OK ]", _("Finished: %1$s"), _(running_label(wz)));
	}
	if (!o->err && o->summary) {
		char text[768];

		subst1(_(o->summary), o->summary_subject, text, sizeof(text));
		add_line(v, WZ_ST_NORMAL, NULL, "%s", text);
	}
	if (!o->err && o->path_msg && o->path[0]) {
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _(o->path_msg));
		add_line(v, WZ_ST_HEADING, "  ", "%s", o->path);
	}
	if (o->note)
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _(o->note));
	if (o->apps_list[0])
		/* TRANSLATORS: %1$s is where the list is ("Desktop\Removed Apps.html"). */
		add_line(v, WZ_ST_NORMAL, NULL, _("The list of removed apps is on each user's desktop: %1$s"),
			 o->apps_list);
	if (o->old_system[0])
		/* TRANSLATORS: %1$s is a folder ("C:\Windows.old"). */
		add_line(v, WZ_ST_NORMAL, NULL, _("The old system is kept in %1$s. You can delete it later with Disk Cleanup."),
			 o->old_system);
	if (o->log_path[0] || wr_log_path())
		/* TRANSLATORS: %1$s is a file path. */
		add_line(v, WZ_ST_NORMAL, NULL, _("The log is in %1$s."),
			 o->log_path[0] ? o->log_path : wr_log_path());
	if (o->err || task_flow(wz)) {
		add_item(v, true, _("Back to the menu"), _("Choose what to do next."), NULL);
		add_item(v, true, _("Exit"), _("Leaves winrescue."), NULL);
	} else {
		add_item(v, true, _("Restart the PC"), _("Restarts so that Windows can start."), NULL);
		add_item(v, true, _("Exit"), _("Leaves winrescue without restarting."), NULL);
	}
	hint_menu(v, false);
}

static enum wz_next done_activate(struct wizard *wz, int i)
{
	if (i == 0 && (wz->outcome.err || task_flow(wz))) {
		/* A new or removed registration changes what a refresh can use. */
		if (!wz->sources_loaded)
			load_sources(wz);
		go(wz, WZ_SCR_ACTION);
		return WZ_REDRAW;
	}
	wz->restart = i == 0;
	return WZ_QUIT;
}

static void support_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_install *pc = cur_pc(wz);
	enum wz_screen under = wz->back;
	char size[64];

	view_begin(wz, v, 0, _("Support summary"));
	add_line(v, WZ_ST_NORMAL, NULL, "%s", _("Read these lines to the helpdesk:"));
	add_blank(v);
	if (under <= WZ_SCR_DONE || under == WZ_SCR_RESET || under == WZ_SCR_RESET_CONFIRM)
		/* TRANSLATORS: %1$s is a screen code ("W3"), %2$u and %3$u the step. */
		add_line(v, WZ_ST_NORMAL, NULL, _("Screen: %1$s, step %2$u of %3$u"),
			 wizard_screen_code(under),
			 under == WZ_SCR_RESET ? 6U : under == WZ_SCR_RESET_CONFIRM ? 7U
										: (unsigned)under + 1,
			 NSTEPS);
	else
		/* TRANSLATORS: %1$s is a screen code ("R1"). */
		add_line(v, WZ_ST_NORMAL, NULL, _("Screen: %1$s"), wizard_screen_code(under));
	if (wz->checked && wz->check.support_code[0])
		/* TRANSLATORS: %1$s is a short code such as "D3-7K2". */
		add_line(v, WZ_ST_NORMAL, NULL, _("Support code: %1$s"), wz->check.support_code);
	else
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _("Support code: none yet (the check-up has not made one)"));
	if (pc) {
		/* TRANSLATORS: %1$s product name, %2$u build, %3$s architecture. */
		add_line(v, WZ_ST_NORMAL, NULL, _("Windows: %1$s, build %2$u, %3$s"), pc->product,
			 pc->build, pc->arch);
		wizard_format_size(pc->disk_size, g_english, size, sizeof(size));
		/* TRANSLATORS: %1$s is the disk ("/dev/sda"), %2$s its size, %3$s its
		 * health ("Good", "Not checked"). */
		add_line(v, WZ_ST_NORMAL, NULL, _("Disk: %1$s, %2$s, health: %3$s"), pc->disk_path, size,
			 _(wz->checked && wz->check.disk_health ? wz->check.disk_health : N_("not checked")));
	} else {
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _("Windows: not chosen yet"));
	}
	if ((under >= WZ_SCR_SOURCE && under <= WZ_SCR_DONE) || under >= WZ_SCR_IMAGE)
		/* TRANSLATORS: %1$s is the action ("Refresh your PC (keep my files)"). */
		add_line(v, WZ_ST_NORMAL, NULL, _("Chosen action: %1$s"), _(op_label(wz->op)));
	else
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _("Chosen action: none yet"));
	if (wz->running && wz->prog.nsteps)
		/* TRANSLATORS: %1$u is the step, %2$u the number of steps. */
		add_line(v, WZ_ST_NORMAL, NULL, _("State: running, part %1$u of %2$u"), wz->prog.step,
			 wz->prog.nsteps);
	else if (wz->op_done && wz->outcome.err)
		/* TRANSLATORS: %1$s is an error name such as WR_ERR_NO_SPACE. */
		add_line(v, WZ_ST_NORMAL, NULL, _("State: failed (%1$s)"), wr_err_name(wz->outcome.err));
	else if (wz->op_done)
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _("State: finished"));
	else
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _("State: nothing changed yet"));
	if (wr_log_path())
		/* TRANSLATORS: %1$s is a file path. */
		add_line(v, WZ_ST_NORMAL, NULL, _("Log: %1$s"), wr_log_path());
	snprintf(v->hint, sizeof(v->hint), "%s", _("Esc: back to where you were."));
}

static void help_view(struct wizard *wz, struct wz_view *v)
{
	view_begin(wz, v, 0, _("Help"));
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("winrescue repairs or reinstalls Windows on this PC. It changes nothing until you confirm on screen W7."));
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("Recovery images and reports are saved only on the drive you choose. Registering an image or no longer using it (screen I1) changes only the file ReAgent.xml on the Windows volume, and can be undone there."));
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("A reset is confirmed on screen X2, by typing the computer's name that the screen shows."));
	add_blank(v);
	add_line(v, WZ_ST_HEADING, NULL, "%s", _("Keys:"));
	add_line(v, WZ_ST_NORMAL, "  ", "%s", _("Arrow keys or Tab: move. A number: choose that line. Enter: continue. Esc: back."));
	add_line(v, WZ_ST_NORMAL, "  ", "%s", _("Page Up and Page Down: scroll long text."));
	add_line(v, WZ_ST_NORMAL, "  ", "%s", _("F1: this help. F2: change the language. F3: helper mode shows the English text under each line. F4: the support summary for the helpdesk. F10: exit."));
	add_blank(v);
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("Each screen shows a code such as W3 at the top: tell it to the helpdesk when you call."));
	snprintf(v->hint, sizeof(v->hint), "%s", _("Esc: back to where you were."));
}

static void unavailable_view(struct wizard *wz, struct wz_view *v)
{
	view_begin(wz, v, 0, _("Not available yet"));
	/* TRANSLATORS: %1$s is an action ("Repair start-up"). */
	add_line(v, WZ_ST_WARN, NULL, _("\"%1$s\" is not available in this version of winrescue yet."),
		 _(op_label(wz->unavailable_op)));
	add_line(v, WZ_ST_NORMAL, NULL, "%s", _("Nothing was changed on your PC."));
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("Press Esc to go back and choose something else, or ask the helpdesk for a newer version."));
	snprintf(v->hint, sizeof(v->hint), "%s", _("Esc: back to where you were."));
}

static void resume_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_interrupted *r = &wz->interrupted;
	const char *what = r->what ? r->what : op_label(r->op);
	char where[640];

	view_begin(wz, v, 0, _("An operation did not finish"));
	if (r->partition)
		/* TRANSLATORS: %1$s is a disk ("/dev/sda"), %2$u a partition number. */
		sfmt(where, sizeof(where), _("%1$s, partition %2$u"), r->where, r->partition);
	else
		text_copy(where, sizeof(where), r->where);
	if (r->nsteps)
		/* TRANSLATORS: %1$s is the operation ("Refresh your PC (keep my files)"),
		 * %2$u and %3$u the step where it stopped, %4$s the disk or volume. */
		add_line(v, WZ_ST_WARN, NULL, _("\"%1$s\" stopped at part %2$u of %3$u on %4$s, maybe because the power failed."),
			 _(what), r->step, r->nsteps, where);
	else
		/* TRANSLATORS: %1$s is the operation, %2$s the disk or volume. */
		add_line(v, WZ_ST_WARN, NULL, _("\"%1$s\" did not finish on %2$s, maybe because the power failed."),
			 _(what), where);
	if (r->op == WZ_OP_RESET)
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("The reset had already begun to erase this Windows, so Windows cannot start. winrescue can finish the reset now: Windows will be installed again."));
	else
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("Your files are safe. Windows will not start until the work is finished. winrescue can finish it now."));
	add_item(v, true, _("Finish it now"), _("Continues from where it stopped."), NULL);
	add_item(v, true, _("Not now"), _("Go to the start screen. You will be asked again next time."), NULL);
	hint_menu(v, false);
}

static enum wz_next resume_activate(struct wizard *wz, int i)
{
	if (i == 1) {
		go(wz, wz->plain_console && strcmp(i18n_language(), "en") ? WZ_SCR_CONSOLE
									 : WZ_SCR_LANGUAGE);
		return WZ_REDRAW;
	}
	wz->op = WZ_OP_RESUME;
	return start_op(wz, WZ_OP_RESUME, WZ_SCR_PROGRESS);
}

static void console_view(struct wizard *wz, struct wz_view *v)
{
	view_begin(wz, v, 0, _("Plain text console"));
	add_line(v, WZ_ST_WARN, NULL, "%s",
		 _("This is the plain Linux text console. It cannot show Japanese characters, so winrescue uses English or Russian here."));
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("To use Japanese, start winrescue in a terminal that can show it, such as kmscon or fbterm: run \"kmscon\" or \"fbterm\", then \"winrescue\" inside it."));
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("Russian needs a Cyrillic console font. If Russian letters look wrong, load one with the command: setfont Cyr_a8x16 (from the console-setup package)."));
	snprintf(v->hint, sizeof(v->hint), "%s", _("Press Enter to continue."));
}

/* ------------------------------------------------------------------------- */
/* Recovery images (I1, I2), the folder chooser (D1), saving a report (U1)   */

static enum wz_next start_task(struct wizard *wz, enum wz_op op, enum wz_task t)
{
	wz->op = op;
	wz->task = t;
	return start_op(wz, op, WZ_SCR_PROGRESS);
}

static const char *not_yet(const struct wizard *wz, const void *fn)
{
	(void)wz;
	return fn ? NULL : _("This is not available in this version yet.");
}

static void image_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_image_status *s = &wz->img;
	const struct wz_backend *be = wz->be;
	const char *why;

	view_begin(wz, v, 0, _("Recovery image"));
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("A recovery image is a copy of this PC's Windows with its desktop apps and settings, without anybody's personal files. A refresh uses it instead of installation media, so those apps come back too."));
	add_blank(v);
	if (!be->image_status) {
		add_line(v, WZ_ST_DIM, "[ -- ]", "%s",
			 _("Reading which image is registered is not available in this version yet."));
	} else if (wz->img_err) {
		add_line(v, WZ_ST_WARN, "[ !! ]", "%s", _("Which image is registered could not be read."));
		add_line(v, WZ_ST_NORMAL, "      ", "%s", _(wr_strerror(wz->img_err)));
	} else if (!s->registered) {
		add_line(v, WZ_ST_NORMAL, "[ -- ]", "%s",
			 _("No recovery image of your own is registered for this Windows."));
	} else {
		char sys[64], file[64];

		/* TRANSLATORS: %1$s is a folder as Windows names it ("\RefreshImage"),
		 * %2$u the image's number in the file. */
		add_line(v, WZ_ST_GOOD, "[ OK ]", _("Registered: image %2$u of %1$s\\CustomRefresh.wim"),
			 s->path, s->index);
		if (s->where[0])
			/* TRANSLATORS: %1$s is a disk and partition ("/dev/sdb, partition 1"). */
			add_line(v, WZ_ST_NORMAL, "      ", _("Found on %1$s."), s->where);
		if (s->image_err) {
			add_line(v, WZ_ST_WARN, "      ", "%s", _("The image file could not be read here:"));
			add_line(v, WZ_ST_NORMAL, "      ", "%s", _(wr_strerror(s->image_err)));
		} else {
			wizard_format_size(s->system_bytes, g_english, sys, sizeof(sys));
			wizard_format_size(s->file_bytes, g_english, file, sizeof(file));
			/* TRANSLATORS: %1$s is the image's name, %2$s the Windows in it,
			 * %3$s the size of that Windows, %4$s the size of the file. */
			add_line(v, WZ_ST_NORMAL, "      ", _("%1$s (%2$s): Windows takes %3$s, the file %4$s."),
				 s->name, s->product, sys, file);
		}
	}
	add_item(v, be->image_create && cur_pc(wz), _(task_label(WZ_TASK_IMAGE_CREATE)),
		 _("Saves this PC's Windows, desktop apps and settings (no personal files) in a folder on another drive, and registers it for refresh."),
		 not_yet(wz, (const void *)be->image_create));
	add_item(v, be->image_set && cur_pc(wz), _(task_label(WZ_TASK_IMAGE_SET)),
		 _("Registers the CustomRefresh.wim that is already in a folder, for example one made earlier on this PC."),
		 not_yet(wz, (const void *)be->image_set));
	why = not_yet(wz, (const void *)be->image_deregister);
	if (!why && !s->registered)
		why = _("No recovery image of your own is registered.");
	add_item(v, !why, _(task_label(WZ_TASK_IMAGE_DEREGISTER)),
		 _("A refresh then uses the PC maker's recovery image or installation media. The image file itself is kept."),
		 why);
	add_item(v, true, _("Go back"), _("Choose something else to do."), NULL);
	hint_menu(v, true);
}

static enum wz_next image_activate(struct wizard *wz, int i)
{
	switch (i) {
	case 0:
	case 1:
		wz->task = i == 0 ? WZ_TASK_IMAGE_CREATE : WZ_TASK_IMAGE_SET;
		load_places(wz);
		go(wz, WZ_SCR_FOLDER);
		return WZ_REDRAW;
	case 2:
		return start_task(wz, WZ_OP_IMAGE, WZ_TASK_IMAGE_DEREGISTER);
	default:
		go(wz, WZ_SCR_ACTION);
		return WZ_REDRAW;
	}
}

/* "USB-DISK: 14.9 GB, 12.1 GB free" */
static void place_label(const struct wz_place *p, char *buf, size_t size)
{
	char total[64], free[64];
	const char *name = p->label[0] ? p->label : p->dir[0] ? p->dir : p->device;

	wizard_format_size(p->size, g_english, total, sizeof(total));
	wizard_format_size(p->free, g_english, free, sizeof(free));
	/* TRANSLATORS: %1$s is a drive's name (its label, or where it is mounted),
	 * %2$s its size, %3$s its free space. */
	sfmt(buf, size, _("%1$s: %2$s, %3$s free"), name, total, free);
}

static void estimate_line(struct wizard *wz, struct wz_view *v)
{
	const struct wz_install *pc = cur_pc(wz);
	char size[64];

	if (wz->task != WZ_TASK_IMAGE_CREATE || !pc || !pc->used_bytes)
		return;
	wizard_format_size(pc->used_bytes, g_english, size, sizeof(size));
	/* TRANSLATORS: %1$s is a size ("12 GB"). */
	add_line(v, WZ_ST_NORMAL, NULL, _("The image needs at most %1$s of free space (what Windows uses now), usually much less."),
		 size);
}

static void folder_view(struct wizard *wz, struct wz_view *v)
{
	char label[512], desc[1024];

	view_begin(wz, v, 0, _("Choose a folder"));
	if (wz->task == WZ_TASK_IMAGE_CREATE)
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("Choose where to save the recovery image: a folder on another drive than Windows, such as a USB hard disk."));
	else if (wz->task == WZ_TASK_IMAGE_SET)
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("Choose the folder that holds the CustomRefresh.wim to use."));
	else
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("Choose the folder where the report and the log are saved."));
	estimate_line(wz, v);
	if (wz->place < 0 || (size_t)wz->place >= wz->places.n) {
		if (!wz->be->find_places)
			add_line(v, WZ_ST_WARN, NULL, "%s",
				 _("Finding drives is not available in this version yet."));
		else if (wz->places.n == 0)
			add_line(v, WZ_ST_WARN, NULL, "%s",
				 _("No drive that can be written to was found. Connect a USB hard disk or stick and press F5 to look again."));
		else
			add_line(v, WZ_ST_DIM, NULL, "%s",
				 _("Connect a USB hard disk or stick and press F5 to look again."));
		for (size_t i = 0; i < wz->places.n; i++) {
			const struct wz_place *p = &wz->places.v[i];

			place_label(p, label, sizeof(label));
			/* TRANSLATORS: %1$s is a folder ("/media/usb"), %2$s a device
			 * ("/dev/sdb1"). */
			sfmt(desc, sizeof(desc), _("Mounted at %1$s, from %2$s."), p->dir, p->device);
			add_item(v, !p->refuse, label, desc, p->refuse ? _(wr_strerror(p->refuse)) : NULL);
		}
		if (wz->places.n)
			hint_menu(v, true);
		else
			snprintf(v->hint, sizeof(v->hint), "%s", _("F5: look again. Esc: back."));
		return;
	}
	/* TRANSLATORS: %1$s is a folder's path. */
	add_line(v, WZ_ST_HEADING, NULL, _("Folder: %1$s"), wz->folder);
	if (wz->folders_err)
		add_line(v, WZ_ST_WARN, NULL, "%s", _("The folders in it could not be read."));
	add_item(v, true, _("Use this folder"),
		 wz->task == WZ_TASK_IMAGE_CREATE ? _("Saves the recovery image in this folder, after one more confirmation.") :
		 wz->task == WZ_TASK_IMAGE_SET ? _("Registers the CustomRefresh.wim in this folder for refresh.") :
		 _("Saves the report and the log in a new folder inside this one."),
		 NULL);
	for (size_t i = 0; i < wz->folders.n; i++) {
		sfmt(label, sizeof(label), "%s/", wz->folders.names[i]);
		add_item(v, true, label, _("Opens this folder."), NULL);
	}
	if (wz->folders.more)
		add_line(v, WZ_ST_DIM, NULL,
			 /* TRANSLATORS: %1$lu is a number of folders. */
			 ngettext("%1$lu more folder is not shown.", "%1$lu more folders are not shown.",
				  wz->folders.more),
			 (unsigned long)wz->folders.more);
	snprintf(v->hint, sizeof(v->hint), "%s",
		 _("Arrow keys or a number, then Enter: open a folder or use this one. Esc: up one folder."));
}

static enum wz_next folder_activate(struct wizard *wz, int i)
{
	size_t len;

	if (wz->place < 0 || (size_t)wz->place >= wz->places.n) {
		wz->place = i;
		text_copy(wz->folder, sizeof(wz->folder), wz->places.v[i].dir);
		load_folders(wz);
		return WZ_REDRAW;
	}
	if (i == 0) {
		switch (wz->task) {
		case WZ_TASK_IMAGE_CREATE:
			go(wz, WZ_SCR_IMAGE_CREATE);
			wz->sel[WZ_SCR_IMAGE_CREATE] = 1;	/* "Go back" first */
			return WZ_REDRAW;
		case WZ_TASK_IMAGE_SET:
			return start_task(wz, WZ_OP_IMAGE, WZ_TASK_IMAGE_SET);
		default:
			wz->drive = -1;
			return start_task(wz, WZ_OP_REPORT, WZ_TASK_REPORT);
		}
	}
	if ((size_t)(i - 1) >= wz->folders.n)
		return WZ_STAY;
	len = strlen(wz->folder);
	if (len + 1 + strlen(wz->folders.names[i - 1]) >= sizeof(wz->folder))
		return WZ_STAY;	/* deeper than any real folder */
	snprintf(wz->folder + len, sizeof(wz->folder) - len, "%s%s",
		 len && wz->folder[len - 1] == '/' ? "" : "/", wz->folders.names[i - 1]);
	load_folders(wz);
	return WZ_REDRAW;
}

/* Esc on D1: up one folder, to the list of places, then back where it came from. */
static enum wz_next folder_back(struct wizard *wz)
{
	const char *root;
	char *slash;
	int was = wz->place;

	if (wz->place < 0 || (size_t)wz->place >= wz->places.n) {
		go(wz, wz->task == WZ_TASK_REPORT ? WZ_SCR_REPORT : WZ_SCR_IMAGE);
		return WZ_REDRAW;
	}
	root = wz->places.v[wz->place].dir;
	if (!strcmp(wz->folder, root)) {
		wz->place = -1;
		wz->folder[0] = '\0';
		wz->sel[WZ_SCR_FOLDER] = was;
		return WZ_REDRAW;
	}
	slash = strrchr(wz->folder, '/');
	if (!slash || (size_t)(slash - wz->folder) < strlen(root))
		text_copy(wz->folder, sizeof(wz->folder), root);
	else
		*(slash == wz->folder ? slash + 1 : slash) = '\0';
	load_folders(wz);
	return WZ_REDRAW;
}

static unsigned long image_minutes(const struct wz_install *pc)
{
	/* A capture reads and compresses at about 20 MB/s on a hard disk. */
	uint64_t mb = pc ? pc->used_bytes / (1024 * 1024) : 0;

	return (unsigned long)(mb / 20 / 60) + 2;
}

static void image_create_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_install *pc = cur_pc(wz);
	unsigned long m = image_minutes(pc);

	view_begin(wz, v, 0, _(task_label(WZ_TASK_IMAGE_CREATE)));
	add_line(v, WZ_ST_HEADING, NULL, "%s", _("The recovery image will be saved in this folder:"));
	add_line(v, WZ_ST_NORMAL, "  ", "%s", wz->folder);
	if (wz->place >= 0 && (size_t)wz->place < wz->places.n) {
		char free[64];

		wizard_format_size(wz->places.v[wz->place].free, g_english, free, sizeof(free));
		/* TRANSLATORS: %1$s is a size ("120 GB"). */
		add_line(v, WZ_ST_NORMAL, NULL, _("Free space there: %1$s."), free);
	}
	estimate_line(wz, v);
	add_line(v, WZ_ST_NORMAL, NULL,
		 ngettext("This will take about %1$lu minute.", "This will take about %1$lu minutes.", m),
		 m);
	add_blank(v);
	add_line(v, WZ_ST_NORMAL, "  *", "%s",
		 _("Windows, its desktop apps and settings are saved; nobody's personal files are."));
	add_line(v, WZ_ST_NORMAL, "  *", "%s",
		 _("On the Windows volume only the recovery settings (ReAgent.xml) change, so that a refresh uses this image."));
	add_line(v, WZ_ST_NORMAL, "  *", "%s",
		 _("You can stop it with Esc while it runs; nothing is changed then."));
	add_item(v, true, _("Create the image now"), _("Starts saving the image."), NULL);
	add_item(v, true, _("Go back"), _("Choose another folder."), NULL);
	hint_menu(v, true);
}

static enum wz_next image_create_activate(struct wizard *wz, int i)
{
	if (i == 1) {
		go(wz, WZ_SCR_FOLDER);
		return WZ_REDRAW;
	}
	return start_task(wz, WZ_OP_IMAGE, WZ_TASK_IMAGE_CREATE);
}

static void report_view(struct wizard *wz, struct wz_view *v)
{
	char label[512], desc[512], size[64];

	view_begin(wz, v, 0, _("Save a report"));
	add_line(v, WZ_ST_NORMAL, NULL, "%s",
		 _("The check-up report and winrescue's log are saved in a new folder, so that you can send them to the helpdesk."));
	if (wz->checked && wz->check.support_code[0])
		/* TRANSLATORS: %1$s is a support code ("D3-7K2"). */
		add_line(v, WZ_ST_NORMAL, NULL, _("The folder's name ends with the support code %1$s."),
			 wz->check.support_code);
	if (!wz->be->find_drives)
		add_line(v, WZ_ST_DIM, NULL, "%s",
			 _("Finding USB sticks is not available in this version yet."));
	else if (wz->drives.n == 0)
		add_line(v, WZ_ST_WARN, NULL, "%s",
			 _("No USB stick or other drive was found. Insert a USB stick and press F5 to look again."));
	else
		add_line(v, WZ_ST_DIM, NULL, "%s", _("Insert a USB stick and press F5 to look again."));
	for (size_t i = 0; i < wz->drives.n; i++) {
		const struct wz_place *p = &wz->drives.v[i];

		wizard_format_size(p->size, g_english, size, sizeof(size));
		/* TRANSLATORS: %1$s is a drive's label or device, %2$s its file system
		 * ("vfat"), %3$s its size. */
		sfmt(label, sizeof(label), _("%1$s (%2$s), %3$s"), p->label[0] ? p->label : p->device,
		     p->fstype, size);
		if (p->partition)
			sfmt(desc, sizeof(desc), _("%1$s, partition %2$u"), p->device, p->partition);
		else
			text_copy(desc, sizeof(desc), p->device);
		add_item(v, !p->refuse, label, desc, p->refuse ? _(wr_strerror(p->refuse)) : NULL);
	}
	add_item(v, wz->be->find_places != NULL, _("Save in a folder instead"),
		 _("Choose a folder on a drive this PC already uses, for example a USB hard disk."),
		 not_yet(wz, (const void *)wz->be->find_places));
	add_item(v, true, _("Go back"), _("Choose something else to do."), NULL);
	hint_menu(v, true);
}

static enum wz_next report_activate(struct wizard *wz, int i)
{
	if ((size_t)i < wz->drives.n) {
		wz->drive = i;
		return start_task(wz, WZ_OP_REPORT, WZ_TASK_REPORT);
	}
	if ((size_t)i == wz->drives.n) {
		wz->task = WZ_TASK_REPORT;
		load_places(wz);
		go(wz, WZ_SCR_FOLDER);
		return WZ_REDRAW;
	}
	go(wz, WZ_SCR_ACTION);
	return WZ_REDRAW;
}

/* ------------------------------------------------------------------------- */
/* Reset (X1: what is erased, kept, installed; X2: typed confirmation)        */

/* The lines of X1's menu, in order. */
enum reset_item { RI_NEXT, RI_WIPE, RI_ALSO, RI_SOURCE, RI_RESUME, RI_BACK };

/* X1's menu: kinds[i] and, for RI_ALSO, which of reset.others; returns the count. */
static size_t reset_items(const struct wizard *wz, enum reset_item *kinds, size_t *other)
{
	size_t n = 0;

	if (!wz->reset_err) {
		kinds[n++] = RI_NEXT;
		kinds[n++] = RI_WIPE;
		for (size_t i = 0; i < wz->reset.nothers && n + 3 < WZ_VIEW_ITEMS; i++)
			if (!wz->reset.others[i].why_not) {
				other[n] = i;
				kinds[n++] = RI_ALSO;
			}
		if (wz->sources.n > 1)
			kinds[n++] = RI_SOURCE;
	} else if (wz->reset_err == WR_ERR_INTERRUPTED && wz->be->run[WZ_OP_RESUME]) {
		kinds[n++] = RI_RESUME;
	}
	kinds[n++] = RI_BACK;
	return n;
}

/* "Users, Windows, Program Files" (the first root names), or "". */
static void join_top(char top[][128], size_t n, char *buf, size_t size)
{
	/* TRANSLATORS: the separator between names in a list ("Alice, Bob"). */
	const char *sep = _(", ");
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && k + 1 < size; i++) {
		int w = snprintf(buf + k, size - k, "%s%s", i ? sep : "", top[i]);

		if (w < 0 || (size_t)w >= size - k)
			break;
		k += (size_t)w;
	}
}

/* The chosen other partitions, in order: the confirmations after the first. */
static size_t reset_chosen(const struct wizard *wz, size_t *which)
{
	size_t n = 0;

	for (size_t i = 0; i < wz->reset.nothers; i++)
		if (wz->reset_also[i] && !wz->reset.others[i].why_not)
			which[n++] = i;
	return n;
}

static unsigned long reset_minutes(const struct wizard *wz)
{
	uint64_t mb = wz->reset.source_bytes / (1024 * 1024);
	unsigned long m = (unsigned long)(mb / 40 / 60) + 5;

	if (wz->reset_wipe)
		m += (unsigned long)(wz->reset.wipe_seconds / 60.0 + 0.999);
	return m;
}

/* "Partition 3 (20 GB, "Windows")" - label shown when there is one. */
static void part_name(unsigned number, uint64_t bytes, const char *label, char *buf, size_t size)
{
	char sz[64];

	wizard_format_size(bytes, g_english, sz, sizeof(sz));
	if (label && label[0])
		/* TRANSLATORS: %1$u is a partition number, %2$s its size ("20 GB"), %3$s
		 * its label. */
		sfmt(buf, size, _("partition %1$u (%2$s, \"%3$s\")"), number, sz, label);
	else
		/* TRANSLATORS: %1$u is a partition number, %2$s its size ("20 GB"). */
		sfmt(buf, size, _("partition %1$u (%2$s, no label)"), number, sz);
}

static void reset_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_reset_plan *r = &wz->reset;
	enum reset_item kinds[WZ_VIEW_ITEMS];
	size_t other[WZ_VIEW_ITEMS], n;
	char buf[1024], name[384];
	bool any_kept = false, any_chosen = false;
	unsigned long m;

	view_begin(wz, v, 6, _("Reset your PC"));
	n = reset_items(wz, kinds, other);
	if (wz->reset_err) {
		add_line(v, WZ_ST_BAD, "[STOP]", "%s", _("This PC cannot be reset now:"));
		add_line(v, WZ_ST_NORMAL, "      ", "%s%s%s%s", _(wr_strerror(wz->reset_err)),
			 r->err_subject[0] ? " (" : "", r->err_subject, r->err_subject[0] ? ")" : "");
		add_line(v, WZ_ST_NORMAL, NULL, "%s", _("Nothing was changed on your PC."));
	} else {
		add_line(v, WZ_ST_HEADING, NULL, "%s", _("Everything on the Windows partition will be erased:"));
		part_name(r->partition, r->size, r->label, name, sizeof(name));
		/* TRANSLATORS: %1$s is "partition 3 (20 GB, "Windows")", %2$s the disk. */
		add_line(v, WZ_ST_WARN, "  *", _("%1$s on %2$s"), name, r->disk_path);
		if (r->product[0] && r->computer_name[0])
			/* TRANSLATORS: %1$s is "Windows 8.1 Pro", %2$s the computer's name. */
			add_line(v, WZ_ST_NORMAL, "  *", _("It holds %1$s; the computer's name is %2$s."),
				 r->product, r->computer_name);
		else if (r->product[0])
			/* TRANSLATORS: %1$s is "Windows 8.1 Pro". */
			add_line(v, WZ_ST_NORMAL, "  *", _("It holds %1$s."), r->product);
		if (r->ntop) {
			join_top((char (*)[128])r->top, r->ntop, buf, sizeof(buf));
			/* TRANSLATORS: %1$s is a list of folder and file names. */
			add_line(v, WZ_ST_NORMAL, "  *", _("Top folders and files there: %1$s"), buf);
		}
		for (size_t i = 0; i < r->nothers; i++) {
			const struct wz_reset_part *o = &r->others[i];

			if (o->why_not || !wz->reset_also[i])
				continue;
			if (!any_chosen)
				add_line(v, WZ_ST_HEADING, NULL, "%s", _("Also erased, as you chose below:"));
			any_chosen = true;
			part_name(o->number, o->size, o->label, name, sizeof(name));
			add_line(v, WZ_ST_WARN, "  *", "%s", name);
		}
		for (size_t i = 0; i < r->nothers; i++) {
			const struct wz_reset_part *o = &r->others[i];

			if (!o->why_not)
				continue;
			if (!any_kept)
				add_line(v, WZ_ST_HEADING, NULL, "%s", _("Never touched:"));
			any_kept = true;
			part_name(o->number, o->size, o->label, name, sizeof(name));
			/* TRANSLATORS: %1$s is "partition 4 (1 GB, "Recovery")", %2$s why it
			 * is never touched ("a recovery partition"). */
			add_line(v, WZ_ST_GOOD, "  -", _("%1$s: %2$s"), name, _(o->why_not));
		}
		if (r->source_name[0])
			/* TRANSLATORS: %1$s is the image's name, %2$s its file, %3$u its
			 * number in the file. */
			add_line(v, WZ_ST_NORMAL, NULL, _("The new Windows comes from: %1$s (%2$s, image %3$u)."),
				 r->source_name, r->source_path, r->source_index);
		add_line(v, WZ_ST_BAD, NULL, "%s",
			 _("Windows starts afresh: no files, accounts or apps are kept."));
		add_line(v, WZ_ST_NORMAL, NULL, "%s",
			 _("When the PC starts, Windows asks for the first settings, as on a new PC."));
		m = reset_minutes(wz);
		add_line(v, WZ_ST_NORMAL, NULL,
			 /* TRANSLATORS: %1$lu is a number of minutes. */
			 ngettext("This will take about %1$lu minute.", "This will take about %1$lu minutes.", m),
			 m);
	}
	for (size_t i = 0; i < n; i++) {
		switch (kinds[i]) {
		case RI_NEXT:
			add_item(v, true, _("Next"),
				 _("Go to the confirmation. Nothing has been changed yet."), NULL);
			break;
		case RI_WIPE: {
			char desc[512];

			sfmt(buf, sizeof(buf), "[%s] %s", wz->reset_wipe ? "x" : " ",
			     _("Also fully clean the drive (slow)"));
			if (r->wipe_seconds > 0) {
				unsigned long wm = (unsigned long)(r->wipe_seconds / 60.0 + 0.999);

				/* TRANSLATORS: %1$lu is a number of minutes. */
				sfmt(desc, sizeof(desc), ngettext("Every byte of the Windows partition is overwritten first, so that nobody can recover the old files. This adds about %1$lu minute.",
								  "Every byte of the Windows partition is overwritten first, so that nobody can recover the old files. This adds about %1$lu minutes.",
								  wm),
				     wm);
			} else {
				sfmt(desc, sizeof(desc), "%s",
				     _("Every byte of the Windows partition is overwritten first, so that nobody can recover the old files. How long this takes could not be estimated."));
			}
			add_item(v, true, buf, desc, NULL);
			break;
		}
		case RI_ALSO: {
			const struct wz_reset_part *o = &r->others[other[i]];
			char desc[512], top[400];

			part_name(o->number, o->size, o->label, name, sizeof(name));
			/* TRANSLATORS: %1$s is "partition 5 (20 GB, "DATA")". */
			sfmt(top, sizeof(top), _("Also erase %1$s"), name);
			sfmt(buf, sizeof(buf), "[%s] %s", wz->reset_also[other[i]] ? "x" : " ", top);
			if (o->ntop) {
				join_top((char (*)[128])o->top, o->ntop, top, sizeof(top));
				/* TRANSLATORS: %1$s is a list of folder and file names. */
				sfmt(desc, sizeof(desc), _("It holds: %1$s. Each partition you choose is confirmed on its own."),
				     top);
			} else {
				sfmt(desc, sizeof(desc), "%s",
				     _("No files were found on it. Each partition you choose is confirmed on its own."));
			}
			add_item(v, true, buf, desc, NULL);
			break;
		}
		case RI_SOURCE:
			add_item(v, true, _("Use another image"),
				 _("Choose another installation media or recovery image."), NULL);
			break;
		case RI_RESUME:
			add_item(v, true, _("Finish the interrupted reset"),
				 _("Continues the earlier reset from where it stopped."), NULL);
			break;
		default:
			add_item(v, true, _("Go back"), _("Choose another action. Nothing has been changed."), NULL);
			break;
		}
	}
	snprintf(v->hint, sizeof(v->hint), "%s",
		 _("Choose with the arrow keys or a number, then press Enter; Enter on a [ ] line turns it on or off. Esc: back."));
}

static enum wz_next reset_activate(struct wizard *wz, int i)
{
	enum reset_item kinds[WZ_VIEW_ITEMS];
	size_t other[WZ_VIEW_ITEMS];
	size_t n = reset_items(wz, kinds, other);

	if (i < 0 || (size_t)i >= n)
		return WZ_STAY;
	switch (kinds[i]) {
	case RI_NEXT:
		wz->confirm_stage = 0;
		wz->typed[0] = '\0';
		wz->typed_wrong = false;
		go(wz, WZ_SCR_RESET_CONFIRM);
		return WZ_REDRAW;
	case RI_WIPE:
		wz->reset_wipe = !wz->reset_wipe;
		return WZ_REDRAW;
	case RI_ALSO:
		wz->reset_also[other[i]] = !wz->reset_also[other[i]];
		return WZ_REDRAW;
	case RI_SOURCE:
		go(wz, WZ_SCR_SOURCE);
		return WZ_REDRAW;
	case RI_RESUME:
		/* reset_plan told the backend where the interrupted reset is. */
		wz->interrupted.found = true;
		wz->interrupted.op = WZ_OP_RESET;
		wz->op = WZ_OP_RESUME;
		return start_op(wz, WZ_OP_RESUME, WZ_SCR_PROGRESS);
	default:
		go(wz, WZ_SCR_ACTION);
		return WZ_REDRAW;
	}
}

/* What X2 asks to type at the current stage (in the current language; english:
 * in English), and about which partition (NULL: the Windows one). */
static const struct wz_reset_part *confirm_want(const struct wizard *wz, bool english,
						char *buf, size_t size)
{
	size_t which[WZ_RESET_OTHERS];
	size_t n = reset_chosen(wz, which);

	if (wz->confirm_stage == 0) {
		if (wz->reset.computer_name[0])
			text_copy(buf, size, wz->reset.computer_name);
		else
			wizard_format_size(wz->reset.size, english, buf, size);
		return NULL;
	}
	if (wz->confirm_stage > n) {
		buf[0] = '\0';
		return NULL;
	}
	wizard_format_size(wz->reset.others[which[wz->confirm_stage - 1]].size, english, buf, size);
	return &wz->reset.others[which[wz->confirm_stage - 1]];
}

static void reset_confirm_view(struct wizard *wz, struct wz_view *v)
{
	const struct wz_reset_plan *r = &wz->reset;
	size_t which[WZ_RESET_OTHERS];
	size_t n = reset_chosen(wz, which);
	const struct wz_reset_part *o;
	char want[128], name[384], top[400];

	view_begin(wz, v, 7, _("Confirm"));
	o = confirm_want(wz, g_english, want, sizeof(want));
	if (n)
		/* TRANSLATORS: %1$u is this confirmation's number, %2$u how many there are
		 * (the Windows partition, then each other partition chosen). */
		add_line(v, WZ_ST_HEADING, NULL, _("Confirmation %1$u of %2$u"), wz->confirm_stage + 1,
			 (unsigned)n + 1);
	if (!o) {
		part_name(r->partition, r->size, r->label, name, sizeof(name));
		/* TRANSLATORS: %1$s is "partition 3 (20 GB, "Windows")", %2$s the disk. */
		add_line(v, WZ_ST_BAD, NULL, _("Everything on %1$s of %2$s will be erased: all files, accounts and apps. They cannot be recovered."),
			 name, r->disk_path);
		if (wz->reset_wipe)
			add_line(v, WZ_ST_NORMAL, NULL, "%s",
				 _("Every byte of it is overwritten first (\"fully clean the drive\")."));
		if (n)
			add_line(v, WZ_ST_NORMAL, NULL,
				 /* TRANSLATORS: %1$lu is how many other partitions were chosen. */
				 ngettext("Then the %1$lu other partition you chose is confirmed on its own.",
					  "Then the %1$lu other partitions you chose are confirmed each on its own.", n),
				 (unsigned long)n);
	} else {
		part_name(o->number, o->size, o->label, name, sizeof(name));
		/* TRANSLATORS: %1$s is "partition 5 (20 GB, "DATA")". */
		add_line(v, WZ_ST_BAD, NULL, _("This is erased too: %1$s. Everything on it is lost."), name);
		if (o->ntop) {
			join_top((char (*)[128])o->top, o->ntop, top, sizeof(top));
			/* TRANSLATORS: %1$s is a list of folder and file names. */
			add_line(v, WZ_ST_NORMAL, NULL, _("It holds: %1$s"), top);
		}
	}
	add_line(v, WZ_ST_WARN, NULL, "%s",
		 wz->confirm_stage == n
			 ? _("This is the point of no return: when you confirm, the reset starts and cannot be cancelled. Do not turn off the PC until winrescue says it has finished.")
			 : _("Nothing is changed until the last confirmation."));
	v->has_input = true;
	if (o)
		/* TRANSLATORS: %1$u is a partition number, %2$s its size, which the
		 * person types. */
		sfmt(v->input_label, sizeof(v->input_label), _("To erase partition %1$u too, type its size, %2$s, and press Enter:"),
		     o->number, want);
	else if (r->computer_name[0])
		/* TRANSLATORS: %1$s is the computer's name, which the person types. */
		sfmt(v->input_label, sizeof(v->input_label), _("To erase everything, type the computer's name, %1$s, and press Enter:"),
		     want);
	else
		/* TRANSLATORS: %1$s is the size of the partition, which the person types. */
		sfmt(v->input_label, sizeof(v->input_label), _("To erase everything, type the size shown, %1$s, and press Enter:"),
		     want);
	text_copy(v->input, sizeof(v->input), wz->typed);
	if (wz->typed_wrong)
		add_line(v, WZ_ST_BAD, "[STOP]", "%s", _(wr_strerror(WR_ERR_NOT_CONFIRMED)));
	snprintf(v->hint, sizeof(v->hint), "%s",
		 _("Type what is asked, then press Enter. Esc: back, nothing is changed."));
}

/* X2: every key but Esc and the F-keys goes into the field. */
static enum wz_next reset_typing_key(struct wizard *wz, int key)
{
	size_t which[WZ_RESET_OTHERS];
	char want[128], alt[128];
	bool ok;

	if (key == WZ_KEY_BACKSPACE) {
		text_drop_last_char(wz->typed);
		return WZ_REDRAW;
	}
	if (key == WZ_KEY_ENTER) {
		/* The size may be typed in the screen's language or in English ("20 ГБ",
		 * "20 GB"); the name as shown, in any case. */
		confirm_want(wz, false, want, sizeof(want));
		confirm_want(wz, true, alt, sizeof(alt));
		ok = text_same_answer(wz->typed, want) || text_same_answer(wz->typed, alt);
		wz->typed[0] = '\0';
		if (!ok) {
			wz->typed_wrong = true;
			return WZ_REDRAW;
		}
		wz->typed_wrong = false;
		if (wz->confirm_stage < reset_chosen(wz, which)) {
			wz->confirm_stage++;
			return WZ_REDRAW;
		}
		return start_op(wz, WZ_OP_RESET, WZ_SCR_PROGRESS);
	}
	/* Printable characters of any script; no control codes, no keys. */
	if (key >= 0x20 && key != 0x7f && (key < 0x80 || key >= 0xA0) && key < 0x110000) {
		if (text_append_char(wz->typed, sizeof(wz->typed), (unsigned long)key) == 0)
			wz->typed_wrong = false;
		return WZ_REDRAW;
	}
	return WZ_STAY;
}

/* ------------------------------------------------------------------------- */
/* The flow                                                                  */

static void build(struct wizard *wz, struct wz_view *v)
{
	switch (wz->screen) {
	case WZ_SCR_LANGUAGE:
		language_view(wz, v);
		break;
	case WZ_SCR_PC:
		pc_view(wz, v);
		break;
	case WZ_SCR_CHECKUP:
		checkup_view(wz, v);
		break;
	case WZ_SCR_ACTION:
		action_view(wz, v);
		break;
	case WZ_SCR_SOURCE:
		source_view(wz, v);
		break;
	case WZ_SCR_SUMMARY:
		summary_view(wz, v);
		break;
	case WZ_SCR_CONFIRM:
		confirm_view(wz, v);
		break;
	case WZ_SCR_PROGRESS:
		progress_view(wz, v);
		break;
	case WZ_SCR_DONE:
		done_view(wz, v);
		break;
	case WZ_SCR_SUPPORT:
		support_view(wz, v);
		break;
	case WZ_SCR_HELP:
		help_view(wz, v);
		break;
	case WZ_SCR_UNAVAILABLE:
		unavailable_view(wz, v);
		break;
	case WZ_SCR_RESUME:
		resume_view(wz, v);
		break;
	case WZ_SCR_IMAGE:
		image_view(wz, v);
		break;
	case WZ_SCR_FOLDER:
		folder_view(wz, v);
		break;
	case WZ_SCR_IMAGE_CREATE:
		image_create_view(wz, v);
		break;
	case WZ_SCR_REPORT:
		report_view(wz, v);
		break;
	case WZ_SCR_RESET:
		reset_view(wz, v);
		break;
	case WZ_SCR_RESET_CONFIRM:
		reset_confirm_view(wz, v);
		break;
	default:
		console_view(wz, v);
		break;
	}
	if (v->nitems) {
		int *sel = &wz->sel[wz->screen];

		if (*sel < 0 || (size_t)*sel >= v->nitems)
			*sel = 0;
		v->selected = *sel;
	}
}

void wizard_view(struct wizard *wz, bool english, struct wz_view *v)
{
	bool saved = g_english;

	g_english = english;
	build(wz, v);
	g_english = saved;
}

static enum wz_next activate(struct wizard *wz, int i)
{
	switch (wz->screen) {
	case WZ_SCR_LANGUAGE:
		return language_activate(wz, i);
	case WZ_SCR_PC:
		return pc_activate(wz, i);
	case WZ_SCR_CHECKUP:
		return checkup_activate(wz, i);
	case WZ_SCR_ACTION:
		return action_activate(wz, i);
	case WZ_SCR_SOURCE:
		return source_activate(wz, i);
	case WZ_SCR_SUMMARY:
		return summary_activate(wz, i);
	case WZ_SCR_CONFIRM:
		return confirm_activate(wz, i);
	case WZ_SCR_DONE:
		return done_activate(wz, i);
	case WZ_SCR_RESUME:
		return resume_activate(wz, i);
	case WZ_SCR_IMAGE:
		return image_activate(wz, i);
	case WZ_SCR_FOLDER:
		return folder_activate(wz, i);
	case WZ_SCR_IMAGE_CREATE:
		return image_create_activate(wz, i);
	case WZ_SCR_REPORT:
		return report_activate(wz, i);
	case WZ_SCR_RESET:
		return reset_activate(wz, i);
	default:
		return WZ_STAY;
	}
}

/* Esc: one screen back (overlays close). */
static enum wz_next go_back(struct wizard *wz)
{
	static const enum wz_screen prev[] = {
		[WZ_SCR_PC] = WZ_SCR_LANGUAGE,
		[WZ_SCR_CHECKUP] = WZ_SCR_PC,
		[WZ_SCR_ACTION] = WZ_SCR_CHECKUP,
		[WZ_SCR_SOURCE] = WZ_SCR_ACTION,
		[WZ_SCR_SUMMARY] = WZ_SCR_SOURCE,
		[WZ_SCR_CONFIRM] = WZ_SCR_SUMMARY,
	};

	if (is_overlay(wz->screen) || (wz->screen == WZ_SCR_LANGUAGE && wz->overlay_language))
		return close_overlay(wz);
	switch (wz->screen) {
	case WZ_SCR_IMAGE:
	case WZ_SCR_REPORT:
		go(wz, WZ_SCR_ACTION);
		return WZ_REDRAW;
	case WZ_SCR_IMAGE_CREATE:
		go(wz, WZ_SCR_FOLDER);
		return WZ_REDRAW;
	case WZ_SCR_FOLDER:
		return folder_back(wz);
	case WZ_SCR_RESET:
		go(wz, WZ_SCR_ACTION);
		return WZ_REDRAW;
	case WZ_SCR_RESET_CONFIRM:
		/* Back to X1: every confirmation is asked again. */
		wz->confirm_stage = 0;
		wz->typed[0] = '\0';
		wz->typed_wrong = false;
		go(wz, WZ_SCR_RESET);
		return WZ_REDRAW;
	case WZ_SCR_SOURCE:
		if (wz->op == WZ_OP_RESET) {
			go(wz, WZ_SCR_RESET);
			return WZ_REDRAW;
		}
		break;
	default:
		break;
	}
	if (wz->screen == WZ_SCR_CONFIRM && wz->op == WZ_OP_REPAIR) {
		go(wz, WZ_SCR_ACTION);
		return WZ_REDRAW;
	}
	if (wz->screen >= WZ_SCR_PC && wz->screen <= WZ_SCR_CONFIRM) {
		go(wz, prev[wz->screen]);
		return WZ_REDRAW;
	}
	return WZ_STAY;
}

static enum wz_next reload(struct wizard *wz)
{
	if (wz->screen == WZ_SCR_PC) {
		load_pcs(wz);
		return WZ_REDRAW;
	}
	if (wz->screen == WZ_SCR_SOURCE || wz->screen == WZ_SCR_ACTION) {
		load_sources(wz);
		return WZ_REDRAW;
	}
	if (wz->screen == WZ_SCR_FOLDER && wz->place < 0) {
		load_places(wz);
		return WZ_REDRAW;
	}
	if (wz->screen == WZ_SCR_FOLDER) {
		load_folders(wz);
		return WZ_REDRAW;
	}
	if (wz->screen == WZ_SCR_REPORT) {
		load_drives(wz);
		return WZ_REDRAW;
	}
	if (wz->screen == WZ_SCR_IMAGE) {
		load_image(wz);
		return WZ_REDRAW;
	}
	if (wz->screen == WZ_SCR_RESET) {
		load_reset(wz);
		return WZ_REDRAW;
	}
	return WZ_STAY;
}

enum wz_next wizard_key(struct wizard *wz, int key)
{
	struct wz_view *v = wz->view_en;
	int *sel = &wz->sel[wz->screen];

	/* Keys that work everywhere. */
	switch (key) {
	case WZ_KEY_RESIZE:
		return WZ_REDRAW;
	case WZ_KEY_F(1):
		return wz->screen == WZ_SCR_HELP ? close_overlay(wz) : open_overlay(wz, WZ_SCR_HELP);
	case WZ_KEY_F(2):
		if (wz->screen == WZ_SCR_LANGUAGE)
			return WZ_STAY;
		open_overlay(wz, WZ_SCR_LANGUAGE);
		wz->overlay_language = true;
		for (size_t i = 0; i < sizeof(lang_codes) / sizeof(lang_codes[0]); i++)
			if (!strcmp(lang_codes[i], i18n_language()))
				wz->sel[WZ_SCR_LANGUAGE] = (int)i;
		return WZ_REDRAW;
	case WZ_KEY_F(3):
		wz->helper = !wz->helper;
		return WZ_REDRAW;
	case WZ_KEY_F(4):
		return wz->screen == WZ_SCR_SUPPORT ? close_overlay(wz)
						    : open_overlay(wz, WZ_SCR_SUPPORT);
	case WZ_KEY_F(5):
		return wz->running ? WZ_STAY : reload(wz);
	case WZ_KEY_F(10):
		return wz->running ? WZ_STAY : WZ_QUIT;
	case WZ_KEY_PGUP:
		wz->scroll = wz->scroll > 10 ? wz->scroll - 10 : 0;
		return WZ_REDRAW;
	case WZ_KEY_PGDN:
		wz->scroll += 10;	/* the front end clamps it */
		return WZ_REDRAW;
	default:
		break;
	}

	if (wz->running) {
		/* Only overlays (above) and Esc (stop, where it is safe) while working. */
		if (is_overlay(wz->screen) || (wz->screen == WZ_SCR_LANGUAGE && wz->overlay_language)) {
			if (key == WZ_KEY_ESC)
				return close_overlay(wz);
			if (wz->screen == WZ_SCR_LANGUAGE)
				goto menu;
			return WZ_STAY;
		}
		if (key == WZ_KEY_ESC && !wz->prog.no_return && !wz->cancel_requested) {
			wz->cancel_requested = true;
			return WZ_REDRAW;
		}
		return WZ_STAY;
	}

	if (wz->screen == WZ_SCR_RESET_CONFIRM && key != WZ_KEY_ESC)
		return reset_typing_key(wz, key);

	switch (wz->screen) {
	case WZ_SCR_CONSOLE:
		if (key == WZ_KEY_ENTER) {
			go(wz, WZ_SCR_LANGUAGE);
			return WZ_REDRAW;
		}
		return WZ_STAY;
	case WZ_SCR_HELP:
	case WZ_SCR_SUPPORT:
	case WZ_SCR_UNAVAILABLE:
		if (key == WZ_KEY_ESC || key == WZ_KEY_ENTER)
			return close_overlay(wz);
		return WZ_STAY;
	case WZ_SCR_PROGRESS:
		return WZ_STAY;
	default:
		break;
	}
	if (key == WZ_KEY_ESC)
		return go_back(wz);

menu:
	build(wz, v);
	if (v->nitems == 0)
		return WZ_STAY;
	sel = &wz->sel[wz->screen];
	if (key == WZ_KEY_UP) {
		*sel = *sel > 0 ? *sel - 1 : (int)v->nitems - 1;
		return WZ_REDRAW;
	}
	if (key == WZ_KEY_DOWN || key == WZ_KEY_TAB) {
		*sel = (size_t)(*sel + 1) < v->nitems ? *sel + 1 : 0;
		return WZ_REDRAW;
	}
	if (key >= '1' && key <= '9') {
		int i = key - '1';

		if ((size_t)i >= v->nitems)
			return WZ_STAY;
		*sel = i;
		/* A disabled line is only selected, so that its reason shows. */
		return v->items[i].enabled ? activate(wz, i) : WZ_REDRAW;
	}
	if (key == WZ_KEY_ENTER)
		return v->items[*sel].enabled ? activate(wz, *sel) : WZ_STAY;
	return WZ_STAY;
}

/* ------------------------------------------------------------------------- */
/* Long operations                                                           */

static bool on_progress(const struct wz_progress *p, void *ctx)
{
	struct wizard *wz = ctx;

	wz->prog = *p;
	if (wz->tick)
		wz->tick(wz->tick_ctx);
	return wz->cancel_requested && !wz->prog.no_return;
}

/* The image and report flows' work (wizard_run). */
static int run_task(struct wizard *wz, const struct wz_install *pc)
{
	struct wz_backend *be = wz->be;
	int err;

	if (!pc && wz->task != WZ_TASK_REPORT)
		return WR_ERR_INVALID_ARG;	/* I1 is only reached with a PC chosen */
	switch (wz->task) {
	case WZ_TASK_IMAGE_CREATE:
		err = be->image_create(be->ctx, pc, wz->folder, on_progress, wz, &wz->outcome);
		break;
	case WZ_TASK_IMAGE_SET:
		err = be->image_set(be->ctx, pc, wz->folder, &wz->outcome);
		break;
	case WZ_TASK_IMAGE_DEREGISTER:
		err = be->image_deregister(be->ctx, pc, &wz->outcome);
		break;
	case WZ_TASK_REPORT:
		return be->save_report(be->ctx, pc,
				       wz->drive >= 0 && (size_t)wz->drive < wz->drives.n
					       ? &wz->drives.v[wz->drive] : NULL,
				       wz->drive >= 0 ? NULL : wz->folder, on_progress, wz,
				       &wz->outcome);
	default:
		return WR_ERR_INVALID_ARG;
	}
	/* What is registered changed: I1 and the sources read it again. */
	wz->img_loaded = false;
	wz->sources_loaded = false;
	if (wz->be->image_status && pc)
		load_image(wz);
	return err;
}

enum wz_next wizard_run(struct wizard *wz)
{
	struct wz_install *pc = cur_pc(wz);
	enum wz_op op = wz->running_op;
	int err;

	if (!wz->pending)
		return WZ_STAY;
	wz->pending = false;
	wz->running = true;
	wz->op_started = wz->be->now ? wz->be->now(wz->be->ctx) : 0;
	if (op == WZ_OP_CHECKUP) {
		memset(&wz->check, 0, sizeof(wz->check));
		wz->check_err = 0;
		if (wz->be->checkup && pc) {
			if (wz->tick)
				wz->tick(wz->tick_ctx);
			err = wz->be->checkup(wz->be->ctx, pc, &wz->check, on_progress, wz);
			wz->check_err = err == WR_ERR_ABORTED ? 0 : err;
			wz->checked = err == 0;
		}
		wz->running = false;
		if (!is_overlay(wz->screen) && wz->screen != WZ_SCR_LANGUAGE)
			go(wz, WZ_SCR_CHECKUP);
		wz->sel[WZ_SCR_CHECKUP] = 0;
		return WZ_REDRAW;
	}
	if (wz->tick)
		wz->tick(wz->tick_ctx);
	if (op == WZ_OP_IMAGE || op == WZ_OP_REPORT) {
		err = run_task(wz, pc);
	} else if (op == WZ_OP_RESET) {
		struct wz_reset_choice c;
		size_t which[WZ_RESET_OTHERS];

		memset(&c, 0, sizeof(c));
		c.wipe = wz->reset_wipe;
		c.nalso = reset_chosen(wz, which);
		for (size_t i = 0; i < c.nalso; i++)
			c.also[i] = wz->reset.others[which[i]].number;
		err = wz->be->reset_run(wz->be->ctx, pc, cur_source(wz), &wz->reset, &c, on_progress,
					wz, &wz->outcome);
	} else
		err = wz->be->run[op](wz->be->ctx, pc, cur_source(wz), on_progress, wz, &wz->outcome);
	wz->outcome.err = err;
	wz->running = false;
	wz->op_done = true;
	if (is_overlay(wz->screen) || (wz->screen == WZ_SCR_LANGUAGE && wz->overlay_language))
		wz->back = WZ_SCR_DONE;
	else
		go(wz, WZ_SCR_DONE);
	wz->sel[WZ_SCR_DONE] = 0;
	return WZ_REDRAW;
}

int wizard_init(struct wizard *wz, struct wz_backend *be, bool plain_console)
{
	bool notice;

	memset(wz, 0, sizeof(*wz));
	wz->be = be;
	wz->plain_console = plain_console;
	wz->pc = wz->source = -1;
	wz->place = wz->drive = -1;
	wz->view_en = calloc(1, sizeof(*wz->view_en));
	if (!wz->view_en)
		return -1;
	/* The plain console notice is for people who asked for Japanese or Russian. */
	notice = plain_console && strcmp(i18n_language(), "en");
	if (plain_console && !strcmp(i18n_language(), "ja"))
		i18n_set_language("en");
	for (size_t i = 0; i < sizeof(lang_codes) / sizeof(lang_codes[0]); i++)
		if (!strcmp(lang_codes[i], i18n_language()))
			wz->sel[WZ_SCR_LANGUAGE] = (int)i;
	if (be->find_interrupted && be->find_interrupted(be->ctx, &wz->interrupted) == 0 &&
	    wz->interrupted.found)
		wz->screen = WZ_SCR_RESUME;
	else if (notice)
		wz->screen = WZ_SCR_CONSOLE;
	else
		wz->screen = WZ_SCR_LANGUAGE;
	return 0;
}

void wizard_release(struct wizard *wz)
{
	free(wz->view_en);
	wz->view_en = NULL;
}
