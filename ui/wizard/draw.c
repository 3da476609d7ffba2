/*
 * draw.c - the wizard's screens drawn with ncursesw.  The only file that includes
 * curses.h; it reads the models (model.h) and never decides anything.
 *
 * Layout (any size from 40x12 up; made for 80x24):
 *   row 0        code, title, "Step X of Y"                     (reverse video)
 *   row 1        helper mode: the English title
 *   rows 2..     the body (scrolls with Page Up/Down), then the progress bar, the
 *                field to type into, the menu, and what the chosen line does
 *   row H-2      what the keys do here
 *   row H-1      the fixed F-keys                                (reverse video)
 * Everything is cut and wrapped by columns (text.c), so no row is ever wider than
 * the terminal and no double-width character is split.  Without colour the screens
 * still read: marks like [STOP], reverse video for the chosen line.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <ncursesw/curses.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "draw.h"
#include "text.h"

enum { PAIR_GOOD = 1, PAIR_WARN, PAIR_BAD, PAIR_HEAD };

struct row {
	const char *s;
	size_t len;
	int col;
	attr_t attr;
	const char *prefix;	/* drawn before s (mark, number), or NULL */
	int item;		/* the menu line it belongs to, or -1 */
};

struct rows {
	size_t n, cap;
	struct row *v;
};

struct draw {
	WINDOW *win;
	bool color;
	struct wz_view *v, *en;
	struct rows body, fixed;
	struct text_lines tl;
	char numbuf[WZ_VIEW_ITEMS][16];
};

static attr_t style_attr(struct draw *d, enum wz_style st)
{
	switch (st) {
	case WZ_ST_HEADING:
		return A_BOLD | (d->color ? COLOR_PAIR(PAIR_HEAD) : 0);
	case WZ_ST_GOOD:
		return d->color ? COLOR_PAIR(PAIR_GOOD) : A_NORMAL;
	case WZ_ST_WARN:
		return A_BOLD | (d->color ? COLOR_PAIR(PAIR_WARN) : 0);
	case WZ_ST_BAD:
		return A_BOLD | (d->color ? COLOR_PAIR(PAIR_BAD) : 0);
	case WZ_ST_DIM:
		return A_DIM;
	default:
		return A_NORMAL;
	}
}

static void rows_push(struct rows *r, const char *s, size_t len, int col, attr_t attr,
		      const char *prefix, int item)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct row *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return;	/* out of memory: the row is not drawn */
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct row){ s, len, col, attr, prefix, item };
}

/* Wrap text into rows starting at column col (the first row may carry a prefix
 * drawn at column pcol). */
static void push_wrapped(struct draw *d, struct rows *r, const char *text, int col, int width,
			 attr_t attr, const char *prefix, int item)
{
	d->tl.n = 0;
	if (width < 2)
		width = 2;
	if (text_wrap(text, width, &d->tl))
		return;
	for (size_t i = 0; i < d->tl.n; i++)
		rows_push(r, text + d->tl.v[i].off, d->tl.v[i].len, col, attr, i ? NULL : prefix,
			  item);
}

static bool differs(const char *a, const char *b)
{
	return strcmp(a, b) != 0;
}

/* Text at (y, x), cut to end before the right border (the last column). */
static void put(struct draw *d, int y, int x, const char *s, size_t len, attr_t attr)
{
	int cols = getmaxx(d->win) - 1 - x, used;
	char buf[1024];
	size_t n;

	if (cols <= 0 || y < 0 || y >= getmaxy(d->win))
		return;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	n = text_fit(buf, cols, &used);
	/* Characters the terminal cannot show as they are (control codes, invalid
	 * bytes) become '?', so a name from a hive can never move the cursor. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	wattrset(d->win, attr);
	mvwaddnstr(d->win, y, x, buf, (int)n);
	wattrset(d->win, A_NORMAL);
}

/* A whole row in reverse video, text at the left and right. */
static void bar_row(struct draw *d, int y, const char *left, const char *right)
{
	int w = getmaxx(d->win), rw = right ? text_width(right) : 0;
	char buf[1024];

	wattrset(d->win, A_REVERSE);
	wmove(d->win, y, 0);
	for (int i = 0; i < w; i++)
		waddch(d->win, ' ');
	text_crop(left, w - (rw ? rw + 2 : 0) - 1, 1, buf, sizeof(buf));
	put(d, y, 1, buf, strlen(buf), A_REVERSE);
	if (rw && rw + 2 < w)
		put(d, y, w - rw - 1, right, strlen(right), A_REVERSE);
	wattrset(d->win, A_NORMAL);
}

static const char *helper_prefix = "EN: ";

static void build_rows(struct draw *d, struct wizard *wz, bool helper)
{
	struct wz_view *v = d->v, *en = d->en;
	int w = getmaxx(d->win);

	d->body.n = d->fixed.n = 0;
	for (size_t i = 0; i < v->nlines; i++) {
		const struct wz_line *l = &v->lines[i];
		int mw = l->mark[0] ? text_width(l->mark) + 1 : 0;

		push_wrapped(d, &d->body, l->text, 2 + mw, w - 4 - mw, style_attr(d, l->style),
			     l->mark[0] ? l->mark : NULL, -1);
		if (helper && i < en->nlines && differs(l->text, en->lines[i].text) && en->lines[i].text[0])
			push_wrapped(d, &d->body, en->lines[i].text, 2 + mw + 4, w - 8 - mw, A_DIM,
				     helper_prefix, -1);
	}
	if (v->has_bar) {
		rows_push(&d->fixed, "", 0, 0, A_NORMAL, NULL, -2);	/* the bar itself */
		if (v->bar_text[0])
			push_wrapped(d, &d->fixed, v->bar_text, 2, w - 4, A_NORMAL, NULL, -1);
	}
	if (v->has_input) {
		push_wrapped(d, &d->fixed, v->input_label, 2, w - 4, A_BOLD, NULL, -1);
		if (helper && differs(v->input_label, en->input_label))
			push_wrapped(d, &d->fixed, en->input_label, 6, w - 8, A_DIM, helper_prefix, -1);
		rows_push(&d->fixed, "", 0, 0, A_NORMAL, NULL, -3);	/* the field */
	}
	if (v->nitems) {
		rows_push(&d->fixed, "", 0, 0, A_NORMAL, NULL, -1);
		for (size_t i = 0; i < v->nitems; i++) {
			const struct wz_item *it = &v->items[i];
			attr_t a = (int)i == v->selected ? A_REVERSE | A_BOLD : A_NORMAL;

			if (!it->enabled)
				a |= A_DIM;
			snprintf(d->numbuf[i], sizeof(d->numbuf[i]), "%c %u.",
				 (int)i == v->selected ? '>' : ' ', (unsigned)(i + 1) % 100);
			push_wrapped(d, &d->fixed, it->label, 7, w - 9, a, d->numbuf[i], (int)i);
			if (!it->enabled)
				push_wrapped(d, &d->fixed, _("(not possible now: see below)"), 7, w - 9,
					     A_DIM, NULL, (int)i);
			if (helper && differs(it->label, en->items[i].label))
				push_wrapped(d, &d->fixed, en->items[i].label, 11, w - 13, A_DIM,
					     helper_prefix, (int)i);
		}
		if (v->selected >= 0) {
			const struct wz_item *it = &v->items[v->selected];
			const struct wz_item *ie = &en->items[v->selected];

			if (it->desc[0] || it->reason[0])
				rows_push(&d->fixed, "", 0, 0, A_NORMAL, NULL, -1);
			if (it->desc[0]) {
				push_wrapped(d, &d->fixed, it->desc, 2, w - 4, A_NORMAL, NULL, -1);
				if (helper && differs(it->desc, ie->desc))
					push_wrapped(d, &d->fixed, ie->desc, 6, w - 8, A_DIM,
						     helper_prefix, -1);
			}
			if (!it->enabled && it->reason[0]) {
				push_wrapped(d, &d->fixed, it->reason, 2, w - 4,
					     style_attr(d, WZ_ST_WARN), NULL, -1);
				if (helper && differs(it->reason, ie->reason))
					push_wrapped(d, &d->fixed, ie->reason, 6, w - 8, A_DIM,
						     helper_prefix, -1);
			}
		}
	}
	(void)wz;
}

static void draw_row(struct draw *d, int y, const struct row *r, const struct wz_view *v)
{
	int w = getmaxx(d->win);

	if (r->item == -2) {	/* progress bar */
		int inner = w - 6, fill;

		if (inner < 1)
			return;
		fill = v->percent < 0 ? 0 : v->percent * inner / 100;
		put(d, y, 2, "[", 1, A_NORMAL);
		wattrset(d->win, A_REVERSE);
		for (int i = 0; i < fill; i++)
			mvwaddch(d->win, y, 3 + i, '#');
		wattrset(d->win, A_NORMAL);
		for (int i = fill; i < inner; i++)
			mvwaddch(d->win, y, 3 + i, '.');
		put(d, y, 3 + inner, "]", 1, A_NORMAL);
		return;
	}
	if (r->item == -3) {	/* the field to type into */
		char buf[sizeof(v->input) + 8];
		const char *shown = v->input;
		int room = w - 4 - 1 - 5;	/* "[ ", "_ ]" and the frame */

		/* A long entry shows its end, where the typing is. */
		while (*shown && text_width(shown) > room) {
			size_t len;

			text_char_width(shown, strlen(shown), &len);
			shown += len;
		}
		snprintf(buf, sizeof(buf), "[ %s_ ]", shown);
		put(d, y, 4, buf, strlen(buf), A_BOLD | A_UNDERLINE);
		return;
	}
	if (r->prefix)
		put(d, y, 2, r->prefix, strlen(r->prefix), r->attr & ~(attr_t)A_DIM ? r->attr : A_DIM);
	if (r->attr & A_REVERSE) {
		/* The chosen line: reverse video across the menu's width. */
		wattrset(d->win, r->attr);
		for (int x = r->col; x < w - 1; x++)
			mvwaddch(d->win, y, x, ' ');
		wattrset(d->win, A_NORMAL);
	}
	put(d, y, r->col, r->s, r->len, r->attr);
}

void draw_screen(struct draw *d, struct wizard *wz)
{
	int h, w, y, top, avail, body_h, nfixed, scroll;
	bool helper;
	char left[512];
	struct text_lines hint = TEXT_LINES_INIT;
	const struct wz_view *v;

	getmaxyx(d->win, h, w);
	werase(d->win);
	wizard_view(wz, false, d->v);
	helper = (wz->helper || wz->screen == WZ_SCR_CONSOLE) && strcmp(i18n_language(), "en");
	if (helper)
		wizard_view(wz, true, d->en);
	v = d->v;
	if (h < 6 || w < 20) {
		put(d, 0, 0, v->code, strlen(v->code), A_BOLD);
		put(d, 1, 0, _("The window is too small."), strlen(_("The window is too small.")), A_NORMAL);
		wnoutrefresh(d->win);
		doupdate();
		return;
	}

	/* A frame at both edges (dialog's habit): nothing may reach the last column, so
	 * text that overflowed or a split double-width character would show. */
	for (y = 1; y < h - 1; y++) {
		mvwaddch(d->win, y, 0, ACS_VLINE);
		mvwaddch(d->win, y, w - 1, ACS_VLINE);
	}
	snprintf(left, sizeof(left), "%s  %s", v->code, v->title);
	bar_row(d, 0, left, v->stepline[0] ? v->stepline : NULL);
	if (helper && differs(v->title, d->en->title)) {
		snprintf(left, sizeof(left), "%s%s", helper_prefix, d->en->title);
		put(d, 1, 2, left, strlen(left), A_DIM);
	}
	bar_row(d, h - 1, v->fkeys, wz->helper ? "EN" : NULL);
	text_wrap(v->hint, w - 4, &hint);
	if (hint.n > 2)
		hint.n = 2;
	for (size_t i = 0; i < hint.n; i++)
		put(d, h - 1 - (int)hint.n + (int)i, 2, v->hint + hint.v[i].off, hint.v[i].len, A_BOLD);

	build_rows(d, wz, helper);
	top = 2;
	avail = h - 1 - (int)hint.n - top;	/* rows between the title and the hint */
	text_lines_release(&hint);
	nfixed = (int)d->fixed.n;
	if (nfixed > avail - (d->body.n ? 2 : 0))
		nfixed = avail - (d->body.n ? 2 : 0);
	if (nfixed < 0)
		nfixed = 0;
	body_h = avail - nfixed - (nfixed && d->body.n ? 0 : 0);
	if (body_h > (int)d->body.n)
		body_h = (int)d->body.n;
	scroll = wz->scroll;
	if (scroll > (int)d->body.n - body_h)
		scroll = (int)d->body.n - body_h;
	if (scroll < 0)
		scroll = 0;
	wz->scroll = scroll;
	y = top;
	for (int i = 0; i < body_h; i++) {
		bool more_below = i == body_h - 1 && scroll + body_h < (int)d->body.n;
		bool more_above = i == 0 && scroll > 0;

		if (more_below || more_above) {
			const char *m = more_below ? _("(more below: Page Down)") : _("(more above: Page Up)");

			put(d, y++, 2, m, strlen(m), A_DIM);
			continue;
		}
		draw_row(d, y++, &d->body.v[scroll + i], v);
	}
	/* The menu and what goes with it: keep the chosen line in view. */
	{
		int first = 0, sel_row = -1;

		for (size_t i = 0; i < d->fixed.n; i++)
			if (d->fixed.v[i].item == v->selected && v->selected >= 0) {
				sel_row = (int)i;
				break;
			}
		if (sel_row >= nfixed)
			first = sel_row - nfixed + 1;
		for (int i = 0; i < nfixed && first + i < (int)d->fixed.n; i++)
			draw_row(d, y++, &d->fixed.v[first + i], v);
	}
	wmove(d->win, h - 1, w - 1);
	wnoutrefresh(d->win);
	doupdate();
}

void draw_message(struct draw *d, const char *text)
{
	int h = getmaxy(d->win);

	werase(d->win);
	put(d, h / 2, 2, text, strlen(text), A_BOLD);
	wnoutrefresh(d->win);
	doupdate();
}

int draw_key(struct draw *d, int wait_ms)
{
	wint_t wc;
	int c, kind;

	wtimeout(d->win, wait_ms);
	/* Wide characters: what the person types on X2 may be in any script. */
	kind = wget_wch(d->win, &wc);
	if (kind == ERR)
		return -1;
	c = (int)wc;
	if (kind == OK && c >= 0x80 && c != 0x9b)
		return c >= 0xA0 && c < 0x110000 ? c : -1;
	switch (c) {
	case KEY_UP:
		return WZ_KEY_UP;
	case KEY_DOWN:
		return WZ_KEY_DOWN;
	case KEY_LEFT:
		return WZ_KEY_LEFT;
	case KEY_RIGHT:
		return WZ_KEY_RIGHT;
	case KEY_PPAGE:
		return WZ_KEY_PGUP;
	case KEY_NPAGE:
		return WZ_KEY_PGDN;
	case '\n':
	case '\r':
	case KEY_ENTER:
		return WZ_KEY_ENTER;
	case 27:
		return WZ_KEY_ESC;
	case '\t':
		return WZ_KEY_TAB;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		return WZ_KEY_BACKSPACE;
	case 3:		/* Ctrl-C in raw mode: the same as F10 */
		return WZ_KEY_F(10);
	case KEY_RESIZE:
		wresize(d->win, LINES, COLS);
		return WZ_KEY_RESIZE;
	default:
		if (c >= KEY_F(1) && c <= KEY_F(12))
			return WZ_KEY_F(c - KEY_F0);
		if (c >= 0x20 && c < 0x7f)
			return c;
		return -1;
	}
}

struct draw *draw_start(void)
{
	struct draw *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->v = calloc(1, sizeof(*d->v));
	d->en = calloc(1, sizeof(*d->en));
	if (!d->v || !d->en || !initscr()) {
		free(d->v);
		free(d->en);
		free(d);
		return NULL;
	}
	raw();
	noecho();
	nonl();
	set_escdelay(25);
	curs_set(0);
	refresh();	/* before drawing in a window: see LIBRARY-NOTES.md */
	d->win = newwin(0, 0, 0, 0);
	keypad(d->win, TRUE);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(PAIR_GOOD, COLOR_GREEN, -1);
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(PAIR_BAD, COLOR_RED, -1);
		init_pair(PAIR_HEAD, COLOR_CYAN, -1);
		d->color = true;
	}
	return d;
}

void draw_end(struct draw *d)
{
	if (!d)
		return;
	delwin(d->win);
	endwin();
	free(d->body.v);
	free(d->fixed.v);
	text_lines_release(&d->tl);
	free(d->v);
	free(d->en);
	free(d);
}
