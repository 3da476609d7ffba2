/*
 * backend.h - what the wizard asks of the engine (cdebconf's frontend.h idea, turned
 * around: the screens live apart from whatever does the work).
 *
 * Two implementations: backend_real.c over src/winrescue.h, and a fake one in the
 * screen-model unit tests.  A NULL function pointer means "this version cannot do
 * that yet": the wizard then shows its honest "not available yet" screen.
 *
 * Every text a backend hands over for the screen is an English msgid marked N_()
 * (the wizard translates it) or data (names, paths) shown as they are.
 */
#ifndef WIZARD_BACKEND_H
#define WIZARD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WZ_MAX_USERS 16
#define WZ_MAX_PCS 8
#define WZ_MAX_FINDINGS 16
#define WZ_MAX_SOURCES 16
#define WZ_MAX_APPS 200
#define WZ_MAX_PLACES 24
#define WZ_MAX_FOLDERS 36

/* One Windows installation found on a disk. */
struct wz_install {
	char disk_path[512];
	unsigned partition;
	uint64_t disk_size;		/* bytes */
	char product[128];		/* "Windows 8.1 Pro" */
	char marketing[32];		/* "Windows 8.1" */
	unsigned major, minor, build;
	char arch[8];			/* "x64" */
	uint64_t used_bytes;		/* space used on the Windows volume, 0 unknown */
	size_t nusers;
	char users[WZ_MAX_USERS][128];
};

/* Disks looked at and the installations on them.  note is an English msgid that
 * explains an empty list (or NULL). */
struct wz_pc_list {
	size_t ndisks;
	size_t n;
	struct wz_install v[WZ_MAX_PCS];
	const char *note;
	char note_subject[512];
};

enum wz_light { WZ_LIGHT_GREEN, WZ_LIGHT_YELLOW, WZ_LIGHT_RED, WZ_LIGHT_GREY };

struct wz_finding {
	enum wz_light light;
	const char *text;	/* English msgid; %1$s..%3$s stand for args[0..2] */
	const char *advice;	/* English msgid (same arguments) or NULL */
	char args[3][256];
};

struct wz_checkup {
	char support_code[32];		/* "" when diagnostics could not make one */
	const char *disk_health;	/* English msgid: "Good", "Not checked", ... */
	size_t n;
	struct wz_finding v[WZ_MAX_FINDINGS];
	bool blocks_refresh;		/* e.g. BitLocker: refresh is refused */
	const char *blocks_reason;	/* English msgid */
};

enum wz_source_kind { WZ_SRC_CUSTOM, WZ_SRC_OEM, WZ_SRC_MEDIA };

/* Why a source cannot be used (bits, like the engine's enum wr_mismatch). */
enum {
	WZ_MIS_ARCH = 1 << 0,
	WZ_MIS_EDITION = 1 << 1,
	WZ_MIS_VERSION = 1 << 2,
	WZ_MIS_OLDER_BUILD = 1 << 3,
	WZ_MIS_NOT_WINDOWS = 1 << 4,
	WZ_MIS_UNREADABLE = 1 << 5,
	WZ_MIS_IN_PARTITION = 1 << 6,	/* inside a partition: this version cannot use it */
};

struct wz_source {
	enum wz_source_kind kind;
	char where[256];		/* "/dev/sdb1", "partition 4" */
	char path[512];
	unsigned index;			/* image index */
	char name[128];			/* "Windows 8.1 Pro" */
	char marketing[32];		/* "Windows 8", "Windows 8.1" */
	char edition[64];
	char arch[8];
	unsigned build;
	uint64_t bytes;			/* expanded size */
	unsigned mismatch;		/* WZ_MIS_* bits, 0 = usable */
};

struct wz_source_list {
	size_t n;
	struct wz_source v[WZ_MAX_SOURCES];
};

struct wz_app_list {
	size_t n;
	char names[WZ_MAX_APPS][128];
	size_t more;			/* apps beyond WZ_MAX_APPS */
};

enum wz_op {
	WZ_OP_CHECKUP,		/* diagnostics (W3) */
	WZ_OP_SCAN,		/* surface scan: the optional long test */
	WZ_OP_REFRESH,
	WZ_OP_RESET,
	WZ_OP_REPAIR,		/* repair start-up */
	WZ_OP_IMAGE,		/* create or choose a recovery image */
	WZ_OP_REPORT,		/* save a report to a USB stick */
	WZ_OP_RESUME,		/* finish an interrupted operation */
	WZ_OP__COUNT
};

/* Progress, as the wizard wants it. */
struct wz_progress {
	unsigned step, nsteps;	/* 1-based */
	const char *step_name;	/* English msgid */
	uint64_t done, total;	/* within the step; total 0 = unknown */
	bool no_return;		/* the point of no return is behind us */
};

/* Return true to ask the backend to stop (only honoured where stopping is safe). */
typedef bool (*wz_progress_cb)(const struct wz_progress *p, void *ctx);

/* What an operation left behind, for the Done screen. */
struct wz_outcome {
	int err;			/* 0 = done, else an engine code (wr_strerror) */
	char err_subject[256];
	char old_system[256];		/* "C:\Windows.old" */
	char apps_list[256];		/* "Desktop\Removed Apps.html" */
	char log_path[512];
	const char *summary;		/* English msgid with %1$s, or NULL */
	char summary_subject[128];
	const char *path_msg;		/* English msgid put above path ("saved in:") */
	char path[1024];		/* where files were saved, shown as it is */
	const char *note;		/* English msgid, or NULL ("You can remove ...") */
};

/* A place files can be saved to: a mounted file system (the folder chooser, D1) or a
 * drive such as a USB stick (U1), which the backend mounts while it writes. */
struct wz_place {
	char dir[512];			/* mount point, "" when the drive is not mounted */
	char device[256];		/* "/dev/sdb1", "/dev/loop5" */
	unsigned partition;		/* of device, 0 = the device itself */
	char label[128];		/* the file system's label, or "" */
	char fstype[32];
	uint64_t size, free;		/* bytes; free 0 when not mounted */
	int refuse;			/* 0, or an engine code (wr_strerror): why not */
	size_t ref;			/* the backend's own index */
};

struct wz_place_list {
	size_t n;
	struct wz_place v[WZ_MAX_PLACES];
};

/* Subfolders of a folder, sorted. */
struct wz_folder_list {
	size_t n;
	char names[WZ_MAX_FOLDERS][256];
	size_t more;			/* folders beyond WZ_MAX_FOLDERS */
};

/* The recovery image registered for an installation (what "recimg /showcurrent"
 * tells). */
struct wz_image_status {
	bool registered;
	char path[512];			/* "\\RefreshImage" (the folder, as Windows names it) */
	unsigned index;
	char where[512];		/* the disk and partition it was found on */
	int image_err;			/* 0 when the image file was read, else an engine code */
	char name[256];			/* the image's name */
	char product[128];		/* "Windows 8.1 Pro" */
	uint64_t system_bytes;		/* expanded size */
	uint64_t file_bytes;		/* size of CustomRefresh.wim */
};

/* Reset ("remove everything", X1, X2): what the engine's plan says a reset of an
 * installation erases, keeps and installs (wr_reset_plan; nothing written). */
#define WZ_RESET_TOP 8
#define WZ_RESET_OTHERS 16

/* Another partition of the disk. */
struct wz_reset_part {
	unsigned number;
	uint64_t size;
	char label[128];
	char fstype[32];
	const char *why_not;		/* English msgid: why a reset never touches it,
					 * or NULL: it may be erased too, if chosen */
	size_t ntop;
	char top[WZ_RESET_TOP][128];	/* its first root names (NTFS) */
};

struct wz_reset_plan {
	char disk_path[512];
	unsigned partition;		/* the Windows partition */
	uint64_t size;			/* its size */
	char label[128];		/* its label (kept by the format) */
	char product[128];		/* the Windows there ("" unknown) */
	char computer_name[64];		/* "" unknown: the size is typed instead */
	size_t ntop;
	char top[WZ_RESET_TOP][128];	/* its first root names */
	size_t nothers;
	struct wz_reset_part others[WZ_RESET_OTHERS];
	char source_name[256];		/* the image installed */
	char source_path[512];
	unsigned source_index;
	uint64_t source_bytes;		/* its expanded size */
	double wipe_seconds;		/* time to overwrite the Windows partition, 0 unknown */
	char err_subject[256];		/* with an error: what it is about */
};

/* What the person chose and confirmed on X1 and X2. */
struct wz_reset_choice {
	bool wipe;			/* overwrite the Windows partition first */
	size_t nalso;
	unsigned also[WZ_RESET_OTHERS];	/* other partitions erased too, each confirmed */
};

/* An interrupted operation found on start. */
struct wz_interrupted {
	bool found;
	enum wz_op op;
	const char *what;		/* English msgid naming it, or NULL: op's own name */
	char where[512];		/* the disk or volume */
	unsigned partition;		/* 0: where is the volume itself */
	unsigned step, nsteps;		/* 0 when unknown */
};

struct wz_backend {
	void *ctx;
	/* Find disks and Windows installations (W2). */
	int (*find_pcs)(void *ctx, struct wz_pc_list *out);
	/* Diagnose the chosen installation (W3), with progress. */
	int (*checkup)(void *ctx, const struct wz_install *pc, struct wz_checkup *out,
		       wz_progress_cb cb, void *cbctx);
	/* Image sources for the installation, best first (W5). */
	int (*find_sources)(void *ctx, const struct wz_install *pc, struct wz_source_list *out);
	/* Desktop apps a refresh removes (W6). */
	int (*removed_apps)(void *ctx, const struct wz_install *pc, struct wz_app_list *out);
	/* Run an operation; NULL entries in run[] are not available in this version. */
	int (*run[WZ_OP__COUNT])(void *ctx, const struct wz_install *pc,
				 const struct wz_source *src, wz_progress_cb cb, void *cbctx,
				 struct wz_outcome *out);
	/* Recovery images (I1, D1, I2): what is registered; create into a host folder
	 * (progress; stopping is safe); register the CustomRefresh.wim of a folder;
	 * deregister. */
	int (*image_status)(void *ctx, const struct wz_install *pc, struct wz_image_status *out);
	int (*image_create)(void *ctx, const struct wz_install *pc, const char *dir,
			    wz_progress_cb cb, void *cbctx, struct wz_outcome *out);
	int (*image_set)(void *ctx, const struct wz_install *pc, const char *dir,
			 struct wz_outcome *out);
	int (*image_deregister)(void *ctx, const struct wz_install *pc, struct wz_outcome *out);
	/* Places for the folder chooser (D1): mounted writable file systems, the
	 * Windows volume's refused; the subfolders of a folder. */
	int (*find_places)(void *ctx, const struct wz_install *pc, struct wz_place_list *out);
	int (*list_folders)(void *ctx, const char *dir, struct wz_folder_list *out);
	/* Drives a report can go to (U1): USB sticks and other disks' file systems. */
	int (*find_drives)(void *ctx, const struct wz_install *pc, struct wz_place_list *out);
	/* Save the check-up report (HTML, text) and the log into a new folder
	 * "winrescue-<date>-<support code>" on drive (from find_drives; mounted and
	 * unmounted again by the backend), or, drive NULL, in folder dir. */
	int (*save_report)(void *ctx, const struct wz_install *pc, const struct wz_place *drive,
			   const char *dir, wz_progress_cb cb, void *cbctx, struct wz_outcome *out);
	/* Reset: the plan for the installation and image src (NULL: the engine's best),
	 * nothing written; then the run, which plans again with the choices and refuses
	 * (WR_ERR_NOT_CONFIRMED) when the plan no longer is the one confirmed (another
	 * computer name, partition or size).  The whole run is past the point of no
	 * return.  Both NULL: reset is not available. */
	int (*reset_plan)(void *ctx, const struct wz_install *pc, const struct wz_source *src,
			  struct wz_reset_plan *out);
	int (*reset_run)(void *ctx, const struct wz_install *pc, const struct wz_source *src,
			 const struct wz_reset_plan *confirmed, const struct wz_reset_choice *choice,
			 wz_progress_cb cb, void *cbctx, struct wz_outcome *out);
	/* An operation a power cut or a kill interrupted (a refresh, a reset, or a
	 * registry restore started from the command line: op WZ_OP_REPAIR), or found =
	 * false. */
	int (*find_interrupted)(void *ctx, struct wz_interrupted *out);
	/* Monotonic seconds (tests replace the clock). */
	double (*now)(void *ctx);
	void (*destroy)(void *ctx);
};

/* The real backend over the engine: disk image files (--disk; none: every disk of
 * the machine) and extra image files or folders (--source), NULL-terminated. */
int backend_real_init(struct wz_backend *b, char *const *disk_images, char *const *sources);

#endif
