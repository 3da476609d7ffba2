/*
 * model.h - the wizard's screens as plain data, and the flow that ties them.
 *
 * htop's shape: wizard_key() takes a key and returns what must happen next (stay,
 * redraw, quit, run the long operation); it never draws.  wizard_view() fills a
 * struct wz_view with what the current screen shows, in the current language or in
 * English (helper mode draws both).  Only draw.c includes curses.
 *
 * Screen codes (stable: the helpdesk and the tests name screens by them):
 *   W1..W9  the main flow: language, your PC, check-up, what to do, source, summary,
 *           confirm, progress, done
 *   S1 support summary, H1 help, N1 "not available yet" (overlays)
 *   R1 an interrupted operation found on start, C1 the plain Linux console notice
 *   I1 recovery image: what is registered; create, use an existing one, deregister
 *   I2 create a recovery image: where, the estimate, start
 *   D1 choose a folder (places with label, size, free space; subfolders), for I1's
 *      create and use-existing and for U1's "save to a folder"
 *   U1 save a report: USB sticks and other drives, or a folder
 *   X1 reset (remove everything): what is erased (the Windows partition: size,
 *      label, top folders, the computer's name), what is never touched and why, the
 *      image installed; "fully clean the drive" and each other data partition
 *      offered on their own (toggles); step 6 of the flow in place of W6
 *   X2 reset: typed confirmation - the computer's name shown (else the size), then
 *      each other partition chosen on X1 by typing its size; step 7 in place of W7
 * Image and report work runs on W8 and ends on W9; so does a reset.
 */
#ifndef WIZARD_MODEL_H
#define WIZARD_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

enum wz_screen {
	WZ_SCR_LANGUAGE,	/* W1 */
	WZ_SCR_PC,		/* W2 */
	WZ_SCR_CHECKUP,		/* W3 */
	WZ_SCR_ACTION,		/* W4 */
	WZ_SCR_SOURCE,		/* W5 */
	WZ_SCR_SUMMARY,		/* W6 */
	WZ_SCR_CONFIRM,		/* W7 */
	WZ_SCR_PROGRESS,	/* W8 */
	WZ_SCR_DONE,		/* W9 */
	WZ_SCR_SUPPORT,		/* S1: the support summary */
	WZ_SCR_HELP,		/* H1 */
	WZ_SCR_UNAVAILABLE,	/* N1: "not available in this version yet" */
	WZ_SCR_RESUME,		/* R1: an interrupted operation was found */
	WZ_SCR_CONSOLE,		/* C1: the plain Linux console cannot show Japanese */
	WZ_SCR_IMAGE,		/* I1: the recovery image menu */
	WZ_SCR_FOLDER,		/* D1: choose a folder */
	WZ_SCR_IMAGE_CREATE,	/* I2: create a recovery image: confirm */
	WZ_SCR_REPORT,		/* U1: save a report */
	WZ_SCR_RESET,		/* X1: reset: what is erased, kept, installed */
	WZ_SCR_RESET_CONFIRM,	/* X2: reset: typed confirmation */
	WZ_SCR__COUNT
};

/* Keys, independent of curses: printable characters are their Unicode code points. */
enum wz_key {
	WZ_KEY_UP = 0x110000,
	WZ_KEY_DOWN,
	WZ_KEY_LEFT,
	WZ_KEY_RIGHT,
	WZ_KEY_PGUP,
	WZ_KEY_PGDN,
	WZ_KEY_ENTER,
	WZ_KEY_ESC,
	WZ_KEY_TAB,
	WZ_KEY_BACKSPACE,
	WZ_KEY_RESIZE,
	WZ_KEY_F0 = 0x110100,	/* WZ_KEY_F0 + n is Fn */
};
#define WZ_KEY_F(n) (WZ_KEY_F0 + (n))

/* What the main loop must do after a key. */
enum wz_next {
	WZ_STAY,	/* nothing changed */
	WZ_REDRAW,	/* the view changed */
	WZ_RUN,		/* call wizard_run(): a long operation is due */
	WZ_QUIT,	/* leave (wz->restart says whether to restart the PC) */
};

enum wz_style {
	WZ_ST_NORMAL,
	WZ_ST_HEADING,
	WZ_ST_GOOD,
	WZ_ST_WARN,
	WZ_ST_BAD,
	WZ_ST_DIM,
};

#define WZ_VIEW_LINES 260
#define WZ_VIEW_ITEMS 40

struct wz_line {
	enum wz_style style;
	char mark[12];		/* "[ OK ]", "[STOP]", "  -" ... (ASCII, not translated) */
	char text[768];
};

struct wz_item {
	char label[256];
	char desc[512];		/* one sentence: what it does */
	bool enabled;
	char reason[512];	/* why not, when disabled */
};

struct wz_view {
	const char *code;	/* "W3" */
	unsigned step, nsteps;	/* 0 when the screen is not a step of the flow */
	char title[256];
	char stepline[128];	/* "Step 3 of 9" (translated) */
	size_t nlines;
	struct wz_line lines[WZ_VIEW_LINES];
	size_t nitems;
	struct wz_item items[WZ_VIEW_ITEMS];
	int selected;		/* -1: no menu */
	bool has_input;		/* a field to type into */
	char input_label[256];
	char input[160];
	bool has_bar;
	int percent;		/* 0..100, -1 unknown */
	char bar_text[256];	/* "45 % · about 12 minutes left" */
	char hint[512];		/* what the keys do here */
	char fkeys[512];	/* the fixed F-key line */
};

/* Called while a long operation runs: the front end redraws (at most ~10 times a
 * second) and polls keys, feeding them to wizard_key().  Returns nothing; a key that
 * asks to stop sets wz->cancel_requested. */
typedef void (*wz_tick_fn)(void *ctx);

/* Which part of the image and report flows is chosen or running. */
enum wz_task {
	WZ_TASK_NONE,
	WZ_TASK_IMAGE_CREATE,
	WZ_TASK_IMAGE_SET,
	WZ_TASK_IMAGE_DEREGISTER,
	WZ_TASK_REPORT,
};

struct wizard {
	struct wz_backend *be;
	enum wz_screen screen;
	enum wz_screen back;		/* where overlays (S1, H1, N1, F2) return */
	bool overlay_language;		/* W1 opened with F2 from another screen */
	int sel[WZ_SCR__COUNT];
	int scroll;			/* first body line shown (front end clamps) */
	bool helper;			/* English under the translated text */
	bool plain_console;		/* TERM=linux: no Japanese glyphs */
	/* What was found and chosen. */
	bool pcs_loaded;
	struct wz_pc_list pcs;
	int pc;
	bool checked;
	int check_err;
	struct wz_checkup check;
	bool sources_loaded;
	struct wz_source_list sources;
	int source;
	bool apps_loaded;
	int apps_err;
	struct wz_app_list apps;
	enum wz_op op;			/* chosen on W4 */
	enum wz_op unavailable_op;	/* what N1 talks about */
	/* Reset (X1, X2). */
	bool reset_loaded;
	int reset_err;			/* the plan's error, 0: wz->reset is the plan */
	struct wz_reset_plan reset;
	bool reset_wipe;		/* "also fully clean the drive" */
	bool reset_also[WZ_RESET_OTHERS];	/* reset.others[i] erased too */
	unsigned confirm_stage;		/* X2: 0 the name (or size), k the k-th partition */
	char typed[128];		/* what was typed on X2 (UTF-8) */
	bool typed_wrong;
	/* Recovery images and reports (I1, I2, D1, U1). */
	enum wz_task task;		/* what the folder chooser and W8/W9 are for */
	bool img_loaded;
	int img_err;
	struct wz_image_status img;
	bool places_loaded;
	struct wz_place_list places;
	int place;			/* the place D1 is inside, -1: the list of places */
	char folder[1024];		/* the folder D1 shows (inside place) */
	struct wz_folder_list folders;
	int folders_err;
	bool drives_loaded;
	struct wz_place_list drives;
	int drive;			/* the drive chosen on U1, -1: a folder */
	/* The long operation. */
	bool pending;			/* wizard_run() is due */
	enum wz_op running_op;
	bool running;
	bool cancel_requested;
	struct wz_progress prog;
	double op_started;
	struct wz_outcome outcome;
	bool op_done;
	struct wz_interrupted interrupted;
	bool restart;			/* the person chose Restart on W9 */
	wz_tick_fn tick;
	void *tick_ctx;
	/* Scratch for the English pass (helper mode). */
	struct wz_view *view_en;
};

/* Start the flow: an interrupted operation (R1), the console notice (C1) or W1. */
int wizard_init(struct wizard *wz, struct wz_backend *be, bool plain_console);
void wizard_release(struct wizard *wz);

enum wz_next wizard_key(struct wizard *wz, int key);
/* Run the pending long operation (after WZ_RUN), calling wz->tick as it goes. */
enum wz_next wizard_run(struct wizard *wz);

/* Fill v with what the current screen shows; english: the English text (helper). */
void wizard_view(struct wizard *wz, bool english, struct wz_view *v);

/* The screen code ("W1") of a screen. */
const char *wizard_screen_code(enum wz_screen s);

/* "465 GB" in the current language (english: in English). */
void wizard_format_size(uint64_t bytes, bool english, char *buf, size_t size);

#endif
