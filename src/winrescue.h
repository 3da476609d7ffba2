/*
 * winrescue.h - the one public header of the winrescue engine (libwinrescue.a)
 *
 * The engine inspects, diagnoses, refreshes and resets an offline Windows 8 / 8.1 / 10
 * installation.  It never prints, never exits and never calls curses: every function
 * returns 0 (WR_OK) or a positive enum wr_err, and fills a caller-supplied
 * struct wr_detail with what a person or a log needs to know (the subject, errno, the
 * foreign library's own message).  Front ends (ui/cli.c, ui/wizard/) use this header
 * and nothing else.
 *
 * Each section below belongs to one module, named like the file that implements it
 * (src/<module>.c).  Functions are named wr_<module>_<verb>.
 */
#ifndef WINRESCUE_H
#define WINRESCUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WR_VERSION "0.1.0"

/* ------------------------------------------------------------------------- */
/* error: result codes.  Fixed numbers, never reused; add new ones at the end. */
/* ------------------------------------------------------------------------- */

enum wr_err {
	WR_OK = 0,
	WR_ERR_NOMEM = 1,		/* out of memory */
	WR_ERR_INVALID_ARG = 2,		/* a caller passed something meaningless */
	WR_ERR_OPEN = 3,		/* cannot open a file or device */
	WR_ERR_READ = 4,		/* read failed (I/O error, short file) */
	WR_ERR_WRITE = 5,		/* write failed */
	WR_ERR_NOT_FOUND = 6,		/* a file, key or value does not exist */
	WR_ERR_NOT_NTFS = 7,		/* the volume is not NTFS */
	WR_ERR_BITLOCKER = 8,		/* the volume is BitLocker-encrypted */
	WR_ERR_HIBERNATED = 9,		/* Windows is hibernated on the volume */
	WR_ERR_FAST_STARTUP = 10,	/* Windows was shut down with Fast Startup */
	WR_ERR_MOUNTED = 11,		/* the target is mounted */
	WR_ERR_LOCKED = 12,		/* another winrescue holds the target */
	WR_ERR_HIVE_CORRUPT = 13,	/* a registry hive cannot be parsed */
	WR_ERR_HIVE = 14,		/* a registry operation failed */
	WR_ERR_XML = 15,		/* an XML file cannot be parsed */
	WR_ERR_WIM = 16,		/* a WIM operation failed */
	WR_ERR_WIM_CORRUPT = 17,	/* a WIM file is damaged or truncated */
	WR_ERR_NO_PARTITION_TABLE = 18,	/* the disk has no partition table */
	WR_ERR_NO_SUCH_PARTITION = 19,	/* the partition number does not exist */
	WR_ERR_NO_WINDOWS = 20,		/* no Windows installation on the volume */
	WR_ERR_NOT_IMPLEMENTED = 21,	/* this capability is not built yet */
	WR_ERR_ABORTED = 22,		/* the progress callback asked to stop */
	WR_ERR_NO_SPACE = 23,		/* not enough free space */
	WR_ERR_MISMATCH = 24,		/* the image does not match the installation */
	WR_ERR_TOO_LARGE = 25,		/* a value or file is larger than allowed */
	WR_ERR_UNSUPPORTED = 26,	/* a format or version we do not handle */
	WR_ERR_SPAWN = 27,		/* a helper program could not be run */
	WR_ERR_JOURNAL = 28,		/* the operation journal is unreadable */
	WR_ERR_EXISTS = 29,		/* the destination already exists */
	WR_ERR_NOT_ROOT = 30,		/* this needs root privileges */
	WR_ERR_LIVE_DISK = 31,		/* the target is on the running system's disk */
	WR_ERR_SOURCE_ON_TARGET = 32,	/* the image is on the volume to be changed */
	WR_ERR_UNSAFE_PATH = 33,	/* a name from a hive or WIM is not a safe path */
	WR_ERR_CORRUPT = 34,		/* on-disk structure damaged (generic) */
	WR_ERR_HELPER_FAILED = 35,	/* a helper program exited with an error */
	WR_ERR_NO_SOURCE = 36,		/* no usable image source was found */
	WR_ERR_INTERRUPTED = 37,	/* an earlier operation did not finish: resume */
	WR_ERR_DIRTY = 38,		/* the NTFS volume is marked dirty */
	WR_ERR_NO_SUCH_IMAGE = 39,	/* the WIM has no image with that index */
	WR_ERR_BAD_OUTPUT = 40,		/* a helper program's output cannot be understood */
	WR_ERR_DEVICE_GONE = 41,	/* the disk stopped answering or was disconnected */
	WR_ERR_NOTHING_TO_RESUME = 42,	/* the interrupted run had changed nothing yet */
	WR_ERR_DIR_ON_TARGET = 43,	/* an image folder is on the volume it would capture */
	WR_ERR_READ_ONLY = 44,		/* a folder or volume cannot be written to */
	WR_ERR_CUSTOM_IMAGE_CORRUPT = 45, /* an existing CustomRefresh.wim is damaged */
	WR_ERR_NOT_BCD = 46,		/* a registry hive that is not a BCD store */
	WR_ERR_BCD_TEMPLATE = 47,	/* a BCD-Template given where a boot store is needed */
	WR_ERR_NO_ESP = 48,		/* a GPT disk without an EFI system partition */
	WR_ERR_DISK_TOO_SMALL = 49,	/* a disk or partition too small for the image */
	WR_ERR_PROTECTED_PARTITION = 50, /* a recovery/OEM partition: never erased */
	WR_ERR_NOT_CONFIRMED = 51,	/* the typed confirmation did not match */
	WR_ERR__COUNT			/* keep last: number of codes */
};

/* A short English sentence for a code (marked N_() for translation; the front end
 * passes it through gettext).  Never NULL: unknown codes give a generic message. */
const char *wr_strerror(int err);

/* The C identifier of a code ("WR_ERR_BITLOCKER"), for logs and --json output. */
const char *wr_err_name(int err);

/* Details of a failure, filled by the engine.  Zero it (WR_DETAIL_INIT) before a call. */
struct wr_detail {
	int sys_errno;		/* errno at the point of failure, or 0 */
	int lib_code;		/* the foreign library's own code, or 0 */
	char subject[1024];	/* what was refused or failed: a path, a key, a name */
	char lib_msg[512];	/* the foreign library's English message (for the log) */
};
#define WR_DETAIL_INIT { 0, 0, "", "" }

/* Fill a detail struct; returns err so a caller can write
 * "return wr_detail_set(d, WR_ERR_OPEN, errno, path);".  d may be NULL. */
int wr_detail_set(struct wr_detail *d, int err, int sys_errno, const char *subject);
/* Same, plus the foreign library's message (printf-style). */
int wr_detail_setf(struct wr_detail *d, int err, int sys_errno, const char *subject,
		   const char *lib_fmt, ...) __attribute__((format(printf, 5, 6)));

/* ------------------------------------------------------------------------- */
/* log: timestamped lines to one file.  Process-wide; safe to call unopened. */
/* ------------------------------------------------------------------------- */

#define WR_LOG_DEFAULT_DIR "/var/log/winrescue"

enum wr_log_level { WR_LOG_DEBUG, WR_LOG_INFO, WR_LOG_WARN, WR_LOG_ERROR };

/* Open the log.  path may be a file or NULL for WR_LOG_DEFAULT_DIR/winrescue-<time>.log.
 * The directory is created if needed.  On failure logging stays off. */
int wr_log_open(const char *path, struct wr_detail *d);
void wr_log_close(void);
/* The path of the open log file, or NULL. */
const char *wr_log_path(void);
void wr_log(enum wr_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Log an error code with its detail. */
void wr_log_err(const char *what, int err, const struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* progress: one callback for all long work (wimlib's shape).                 */
/* ------------------------------------------------------------------------- */

enum wr_prog_msg {
	WR_PROG_STEP_BEGIN,	/* info.step: a numbered step starts */
	WR_PROG_STEP_END,	/* info.step: it finished */
	WR_PROG_BYTES,		/* info.amount: bytes done of total in this step */
	WR_PROG_ITEMS,		/* info.amount: items done of total in this step */
	WR_PROG_NOTE,		/* info.note: something worth telling the person */
};

union wr_prog_info {
	struct {
		unsigned index;		/* 1-based step number */
		unsigned count;		/* number of steps */
		int id;			/* the operation's own step id */
		const char *name;	/* English name, marked N_() */
	} step;
	struct {
		uint64_t done;
		uint64_t total;		/* 0 when unknown */
	} amount;
	struct {
		const char *text;	/* English, marked N_() */
		const char *subject;	/* may be NULL */
	} note;
};

enum wr_prog_status { WR_PROG_CONTINUE = 0, WR_PROG_ABORT = 1 };

typedef enum wr_prog_status (*wr_progress_fn)(enum wr_prog_msg msg,
					      const union wr_prog_info *info, void *ctx);

/* Rate limiter for WR_PROG_BYTES/ITEMS: true when done has moved >= 1 % (or total is
 * reached) since the last true.  Embed one per step; zero-initialise. */
struct wr_prog_limiter {
	uint64_t last;
	bool started;
};
bool wr_prog_due(struct wr_prog_limiter *l, uint64_t done, uint64_t total);

/* Call fn (may be NULL) and turn ABORT into WR_ERR_ABORTED. */
int wr_prog_report(wr_progress_fn fn, void *ctx, enum wr_prog_msg msg,
		   const union wr_prog_info *info);


/* ------------------------------------------------------------------------- */
/* util: small shared helpers.                                               */
/* ------------------------------------------------------------------------- */

/* Free a NULL-terminated array of malloc'd strings (NULL is fine). */
void wr_strv_free(char **v);
size_t wr_strv_len(char *const *v);
/* Append a copy of s to the NULL-terminated array *v of *n strings (*v may be NULL,
 * *n 0); WR_ERR_NOMEM leaves *v a valid array for wr_strv_free. */
int wr_strv_push(char ***v, size_t *n, const char *s);
/* Write zeros over [off, off + len) of fd (subject names it in the error). */
int wr_write_zeros(int fd, uint64_t off, uint64_t len, const char *subject,
		   struct wr_detail *d);
/* The first line of a small file (sysfs, procfs) without its newline and trailing
 * spaces; -1 when it cannot be read. */
int wr_read_line(const char *path, char *buf, size_t len);

/* A source of bytes that may not be a host file: a file inside an unmounted NTFS
 * volume, say.  read_at returns WR_OK after reading exactly len bytes, else an error. */
struct wr_reader {
	int (*read_at)(void *ctx, uint64_t offset, void *buf, size_t len);
	uint64_t size;
	void *ctx;
};

/* ------------------------------------------------------------------------- */
/* mounts: the mount table of this system (libmount).                         */
/* ------------------------------------------------------------------------- */

struct wr_mount {
	dev_t dev;		/* the file system's device number (0:N for FUSE) */
	char *root;		/* the folder of that file system that is mounted */
	char *target;		/* where it is mounted */
	char *source;		/* what the mount names: "/dev/sda3", an image file... */
	char *fstype;
};

/* Every mount of this process's mount table, in order.  Free with wr_mounts_free. */
int wr_mounts_read(struct wr_mount **out, size_t *n, struct wr_detail *d);
void wr_mounts_free(struct wr_mount *v, size_t n);

/* ------------------------------------------------------------------------- */
/* spawn: running a helper program from an argv array (never a shell).        */
/* ------------------------------------------------------------------------- */

struct wr_spawn_opts {
	const char *const *env_add;	/* extra "NAME=value" entries, or NULL */
	size_t out_max;			/* output bytes kept; 0 = 64 KiB */
	unsigned timeout_s;		/* killed after this long; 0 = no limit */
};

struct wr_spawn_result {
	int status;		/* exit status; -1 when killed by a signal */
	bool timed_out;
	char *out;		/* stdout and stderr together, NUL-terminated, or NULL */
	size_t len;
};

/* Run argv[0] (looked up in PATH) with stdin from /dev/null; its output goes to
 * r->out and the log.  WR_OK when it ran (whatever its exit status: check r->status),
 * WR_ERR_SPAWN when it could not be started, WR_ERR_HELPER_FAILED on timeout.
 * Release r with wr_spawn_result_release. */
int wr_spawn(const char *const argv[], const struct wr_spawn_opts *o, struct wr_spawn_result *r,
	     struct wr_detail *d);
void wr_spawn_result_release(struct wr_spawn_result *r);

/* ------------------------------------------------------------------------- */
/* blockdev: naming a target.  A target is a block device, a volume image file, */
/* or partition N of a whole-disk image file (or of a disk device).            */
/* ------------------------------------------------------------------------- */

struct wr_extent {
	char path[4096];	/* device or image file holding the bytes */
	uint64_t offset;	/* first byte of the volume inside path */
	uint64_t size;		/* size of the volume in bytes */
	unsigned partition;	/* partition number, 0 when path is the volume itself */
	bool is_block_device;
};

/* Resolve (path, partition) into an extent.  partition 0 means path is the volume.
 * Fails with WR_ERR_NO_SUCH_PARTITION, WR_ERR_OPEN, WR_ERR_NO_PARTITION_TABLE. */
int wr_blockdev_resolve(const char *path, unsigned partition, struct wr_extent *out,
			struct wr_detail *d);
/* WR_ERR_LIVE_DISK when path is a block device on the disk the running system lives
 * on (its root, /boot, or the live medium); image files are never refused. */
int wr_blockdev_check_not_live(const char *path, struct wr_detail *d);
/* WR_ERR_MOUNTED when the extent (or any partition of it) is mounted anywhere
 * according to /proc/self/mountinfo (block devices, and loop devices backed by
 * the image file).  WR_OK otherwise. */
int wr_blockdev_check_unmounted(const struct wr_extent *ext, struct wr_detail *d);

/* An exclusive hold on a target, so two winrescues never work on one volume.  It is
 * a flock() on the device node or image file (the whole file, even for one partition
 * of a disk image), kept until wr_blockdev_unlock; for block devices, an O_EXCL open
 * first checks that nothing (a mount, another program) holds the device.
 * WR_ERR_LOCKED when another winrescue holds it, WR_ERR_MOUNTED when the kernel says
 * the device is busy.  The hold does not stop this process from opening the target. */
struct wr_blockdev_lock;
int wr_blockdev_lock(const struct wr_extent *ext, struct wr_blockdev_lock **out,
		     struct wr_detail *d);
void wr_blockdev_unlock(struct wr_blockdev_lock *lock);	/* NULL is fine */

/* ------------------------------------------------------------------------- */
/* loopdev: a loop device for a partition inside a disk image, for wimlib's NTFS */
/* mode, which can only open a path.  Needs root (WR_ERR_NOT_ROOT otherwise).     */
/* ------------------------------------------------------------------------- */

struct wr_loopdev;
int wr_loopdev_attach(const struct wr_extent *ext, bool read_only, struct wr_loopdev **out,
		      struct wr_detail *d);
const char *wr_loopdev_path(const struct wr_loopdev *l);	/* "/dev/loopN" */
void wr_loopdev_detach(struct wr_loopdev *l);	/* NULL is fine */

/* ------------------------------------------------------------------------- */
/* stage: an image inside a partition (factory or custom image), mounted        */
/* read-only so wimlib can open it.  Needs root.                                 */
/* ------------------------------------------------------------------------- */

struct wr_stage;
/* Make inner_path ("\\RecoveryImage\\install.wim") of partition of disk readable at
 * host_path.  Nothing on the partition is written (read-only loop device). */
int wr_stage_open(const char *disk, unsigned partition, const char *inner_path,
		  struct wr_stage **out, char *host_path, size_t size, struct wr_detail *d);
void wr_stage_close(struct wr_stage *s);	/* NULL is fine */
/* Take down read-only mounts of that partition a killed winrescue left behind. */
void wr_stage_cleanup(const char *disk, unsigned partition);

/* ------------------------------------------------------------------------- */
/* disk: partition tables and partitions (libparted, libblkid).              */
/* ------------------------------------------------------------------------- */

enum wr_table_type { WR_TABLE_NONE, WR_TABLE_MBR, WR_TABLE_GPT, WR_TABLE_OTHER };

enum wr_part_role {
	WR_ROLE_UNKNOWN,
	WR_ROLE_ESP,		/* EFI system partition */
	WR_ROLE_MSR,		/* Microsoft reserved */
	WR_ROLE_SYSTEM_RESERVED, /* MBR active NTFS partition with bootmgr, no Windows */
	WR_ROLE_WINDOWS,	/* NTFS holding a Windows installation */
	WR_ROLE_RECOVERY,	/* Windows RE / OEM recovery (DE94BBA4-..., MBR 0x27) */
	WR_ROLE_DATA,		/* other data partition */
};

struct wr_partition {
	unsigned number;	/* 1-based, as the kernel numbers it */
	uint64_t start;		/* bytes from the start of the disk */
	uint64_t size;		/* bytes */
	char type[40];		/* GPT type GUID (lower case) or MBR id ("0x07") */
	uint8_t mbr_type;	/* MBR partition id, 0 on GPT */
	bool active;		/* MBR boot flag */
	uint64_t gpt_attrs;	/* GPT attribute bits */
	char uuid[40];		/* GPT partition GUID, or "" */
	char name[128];		/* GPT partition name (UTF-8), or "" */
	char fstype[32];	/* libblkid TYPE ("ntfs", "vfat", "BitLocker"), or "" */
	char label[128];	/* filesystem label (UTF-8), or "" */
	enum wr_part_role role;
};

struct wr_disk {
	char path[4096];
	char model[128];	/* "" for image files */
	bool is_image;		/* a regular file, not a block device */
	uint64_t size;		/* bytes */
	unsigned sector_size;	/* logical sector size */
	enum wr_table_type table;
	char disk_guid[40];	/* GPT disk GUID, or "" */
	uint32_t mbr_signature;	/* MBR disk signature, or 0 */
	bool gpt_primary_damaged; /* primary GPT bad, backup good (read from backup) */
	bool gpt_backup_damaged; /* backup GPT bad or not at the end (disk grew) */
	bool truncated;		/* shorter than its partition table says: partitions
				 * run past the end (an incomplete copy, a failing
				 * USB bridge); they are listed from the primary GPT */
	size_t nparts;
	struct wr_partition *parts;
};

/* Read a disk (block device or whole-disk image).  A disk without a partition table
 * is returned with table WR_TABLE_NONE, not as an error.  Read-only. */
int wr_disk_read(const char *path, struct wr_disk **out, struct wr_detail *d);
void wr_disk_free(struct wr_disk *disk);
/* List the machine's disks (/sys/block, skipping loop, ram, zram and removable
 * optical drives): a NULL-terminated array of "/dev/..." strings. */
int wr_disk_list(char ***paths_out, struct wr_detail *d);
void wr_disk_list_free(char **paths);
const char *wr_part_role_name(enum wr_part_role role);	/* "esp", "msr", ... */

/* What filesystem (libblkid) is in the extent: fstype "ntfs", "vfat", "BitLocker"
 * (including BitLocker To Go) or "" when none is recognised, with its label and
 * UUID.  Read-only. */
struct wr_fs_info {
	char fstype[32];
	char label[128];
	char uuid[64];
};
int wr_disk_probe_fs(const struct wr_extent *ext, struct wr_fs_info *out,
		     struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* format and disk layout: preparing partitions for a reset.                  */
/* format.c (mkntfs, mkfs.fat, the wipe) and disk_layout.c (libparted writes).  */
/*                                                                           */
/* Every function here refuses, before writing anything, a block device on the */
/* running system's disk (WR_ERR_LIVE_DISK) and a target that is mounted        */
/* (WR_ERR_MOUNTED).  They take no wr_blockdev_lock themselves: the caller      */
/* (reset) holds it on the disk for the whole operation.  A partition is        */
/* (disk_path, partition); partition 0 means disk_path is the volume itself.    */
/* ------------------------------------------------------------------------- */

/* Quick-format as NTFS (mkntfs --quick --force) with label (NULL or "" = none).
 * The boot sector's hidden-sectors field is the partition's start in sectors and
 * the geometry is 255 heads / 63 sectors per track, as Windows writes them (its
 * boot code needs both to boot from the volume).  A partition inside an image file
 * is formatted through a loop device (root: WR_ERR_NOT_ROOT otherwise); a partition
 * of a disk device through its kernel node (/dev/sda3) or, when the kernel does not
 * show it, a loop device.  No byte outside the partition is written.
 * WR_ERR_HELPER_FAILED when mkntfs fails (its output is in the log). */
int wr_format_ntfs(const char *disk_path, unsigned partition, const char *label,
		   struct wr_detail *d);
/* The same for FAT32 (mkfs.fat -F 32 [-n LABEL]; the label is upper-cased by
 * mkfs.fat and at most 11 bytes: WR_ERR_INVALID_ARG when longer).  Image files are
 * written in place with mkfs.fat --offset (no root needed). */
int wr_format_fat32(const char *disk_path, unsigned partition, const char *label,
		    struct wr_detail *d);

/* "Fully clean the drive": make every byte of the partition read as zero.
 * - Block device: BLKZEROOUT, in 64 MiB pieces.  The kernel uses the device's own
 *   "write zeroes" command where it has one (an SSD may then unmap the blocks: that
 *   is the discard that is guaranteed to read back zero; plain BLKDISCARD is not,
 *   and discard_zeroes_data is always 0 on current kernels) and writes zero pages
 *   otherwise.  Where the ioctl is refused, zeros are written with pwrite.
 * - Image file: the range is deallocated with fallocate(PUNCH_HOLE | KEEP_SIZE):
 *   afterwards every byte reads zero and the old blocks are given back to the host
 *   file system, which is what overwriting would achieve for the image's contents
 *   (overwriting does not reach the old physical blocks on a copy-on-write host
 *   either).  Where punching is not supported, zeros are written.
 * Ends with fdatasync.  WR_PROG_BYTES (done/total) at most every 1 % and at the end.
 * When fn aborts: WR_ERR_ABORTED; the partition is zero from its start up to the
 * last reported done, the rest is unchanged, and its file system is destroyed —
 * format it (or wipe again) before use. */
int wr_wipe(const char *disk_path, unsigned partition, wr_progress_fn fn, void *ctx,
	    struct wr_detail *d);
/* An estimate of how long wr_wipe will take, in seconds.  Changes no byte.
 * - Block device: the first 64 MiB of the partition (less if it is smaller) are
 *   read, then written back unchanged with O_DIRECT + fdatasync, timed; the
 *   estimate is size / that write speed.  Reading alone would not measure writing.
 *   A device with a write-zeroes command is usually faster than this: the estimate
 *   is then an upper bound.
 * - Image file: punching holes costs metadata only: 1 s per 64 GiB, at least 1 s. */
int wr_wipe_estimate(const char *disk_path, unsigned partition, double *seconds,
		     struct wr_detail *d);

/* Windows Setup's layouts of a whole disk. */
enum wr_layout_kind { WR_LAYOUT_GPT, WR_LAYOUT_MBR };

#define WR_LAYOUT_MAX_PARTS 5

struct wr_layout_part {
	unsigned number;	/* 1-based partition number */
	uint64_t start;		/* bytes from the start of the disk (1 MiB aligned) */
	uint64_t size;		/* bytes */
	const char *role;	/* "esp", "msr", "windows", "recovery", "system-reserved" */
	const char *fs;		/* "fat32", "ntfs", or NULL (MSR: no file system) */
	const char *label;	/* file-system label, "" for none */
	const char *name;	/* GPT partition name, "" on MBR */
	const char *type;	/* GPT type GUID (lower case) or MBR id ("0x07") */
	uint64_t gpt_attrs;	/* GPT attribute bits (recovery: 0x8000000000000001) */
	bool active;		/* MBR boot flag */
};

struct wr_layout_plan {
	enum wr_layout_kind kind;
	char disk_path[4096];
	uint64_t disk_size;	/* bytes, as read when planning (apply checks it) */
	unsigned sector_size;	/* logical sector size */
	size_t nparts;
	struct wr_layout_part parts[WR_LAYOUT_MAX_PARTS];
	unsigned windows_part;	/* partition numbers; 0 = none */
	unsigned system_part;	/* ESP on GPT, System Reserved on MBR */
	unsigned recovery_part;	/* GPT only; 0 on MBR */
	unsigned msr_part;	/* GPT only */
};

/* Plan the layout of the whole disk (nothing written):
 * GPT: 1 ESP 260 MiB (FAT32, no label), 2 MSR 16 MiB (no file system), 3 Windows
 * (NTFS, no label, as Setup leaves it), 4 Recovery 1 GiB at the end of the disk (NTFS
 * "Windows RE tools", type DE94BBA4-..., attributes required + no drive letter),
 * GPT names as Windows Setup gives them.
 * MBR: 1 System Reserved 500 MiB (0x07, NTFS "System Reserved", active), 2 Windows
 * (0x07, NTFS, the rest, at most up to 2 TiB with 512-byte sectors).
 * Every partition starts and ends on a 1 MiB boundary.  WR_ERR_DISK_TOO_SMALL when
 * the Windows partition would be smaller than windows_min_bytes (or there is no room
 * at all); WR_ERR_LIVE_DISK for the running system's disk. */
int wr_layout_plan(const char *disk_path, enum wr_layout_kind kind, uint64_t windows_min_bytes,
		   struct wr_layout_plan *p, struct wr_detail *d);
/* Write the plan: the first and last MiB of the disk (the old tables) are zeroed,
 * a new partition table written with libparted (MBR: a random nonzero disk
 * signature), GPT attribute bit 63 set with sfdisk (libparted 3.5 cannot), the MSR
 * zeroed, and every file system made (wr_format_*).  WR_PROG_STEP_BEGIN/END for the
 * table (step.id 0) and for each partition formatted (step.id = its number); the
 * MBR boot code is left zero (bootfiles writes it).  WR_ERR_INVALID_ARG when the disk's size
 * is no longer the planned one.  Refusals (live, mounted, locked) write nothing.
 * Interrupted (crash, failed helper): the disk has a partial layout; apply again. */
int wr_layout_apply(const struct wr_layout_plan *p, wr_progress_fn fn, void *ctx,
		    struct wr_detail *d);
/* Set the MBR active (boot) flag on exactly this primary partition (1-4), clearing
 * it on the others (libparted).  WR_ERR_UNSUPPORTED on a GPT disk,
 * WR_ERR_NO_PARTITION_TABLE without a table, WR_ERR_NO_SUCH_PARTITION. */
int wr_disk_set_active(const char *disk_path, unsigned partition, struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* ntfs: libntfs-3g in-process.                                              */
/* ------------------------------------------------------------------------- */

struct wr_volume_state {
	char fstype[32];	/* "ntfs", "BitLocker", "vfat", "" */
	bool is_ntfs;
	bool bitlocker;		/* BitLocker, including To Go */
	bool bitlocker_to_go;
	bool hibernated;	/* hiberfil.sys holds a hibernated session */
	bool fast_startup;	/* $LogFile left by a Fast Startup shutdown */
	bool dirty;		/* volume flag 0x0001 */
	bool chkdsk_pending;	/* autochk scheduled (BootExecute / dirty) */
	uint16_t volume_flags;	/* raw $Volume flags */
	char label[128];
	uint64_t size;		/* bytes */
	uint64_t free;		/* bytes */
};

/* Probe a volume's state without changing anything (read-only; the bytes are never
 * opened for writing).  WR_OK for an NTFS volume (whatever its state) and for a
 * BitLocker volume (st->bitlocker, st->bitlocker_to_go; nothing else is known);
 * WR_ERR_NOT_NTFS for anything else, with st->fstype naming what libblkid found
 * ("vfat", "" ...); WR_ERR_OPEN/READ when the bytes cannot be read. */
int wr_ntfs_probe(const struct wr_extent *ext, struct wr_volume_state *st,
		  struct wr_detail *d);

struct wr_ntfs;	/* an open NTFS volume (opaque) */

enum wr_ntfs_open_flags {
	WR_NTFS_RDONLY = 0,
	WR_NTFS_RDWR = 1 << 0,
	WR_NTFS_IGNORE_HIBERFILE = 1 << 1, /* only with the person's consent */
};

/* Open read-only or read-write; lookups are case-insensitive.  Fails with
 * WR_ERR_BITLOCKER, WR_ERR_NOT_NTFS, WR_ERR_HIBERNATED (read-write without
 * WR_NTFS_IGNORE_HIBERFILE), WR_ERR_FAST_STARTUP (read-write; $LogFile 2.0),
 * WR_ERR_DIRTY (read-write; unclean $LogFile), WR_ERR_MOUNTED (block device busy),
 * WR_ERR_OPEN/READ.  A read-only open always works on a hibernated volume. */
int wr_ntfs_open(const struct wr_extent *ext, unsigned flags, struct wr_ntfs **out,
		 struct wr_detail *d);
void wr_ntfs_close(struct wr_ntfs *vol);

struct wr_ntfs_stat {
	bool is_dir;
	bool is_reparse;	/* junction, symlink or other reparse point */
	uint64_t size;		/* unnamed $DATA size */
	uint32_t attributes;	/* FILE_ATTRIBUTE_* */
	uint64_t mft_ref;	/* MFT record number (without the sequence number) */
	unsigned nlink;		/* hard links (names, DOS-only names not counted) */
	uint32_t reparse_tag;	/* IO_REPARSE_TAG_*, 0 when not a reparse point */
	/* NTFS times: 100 ns ticks since 1601-01-01 (standard information). */
	uint64_t creation_time, modification_time, mft_change_time, access_time;
};

/* Paths use '/' or '\\' separators and are relative to the volume root. */
int wr_ntfs_stat(struct wr_ntfs *vol, const char *path, struct wr_ntfs_stat *st,
		 struct wr_detail *d);
/* Read a whole file (at most max bytes, else WR_ERR_TOO_LARGE) into a malloc'd buffer. */
int wr_ntfs_read_file(struct wr_ntfs *vol, const char *path, size_t max, void **buf,
		      size_t *len, struct wr_detail *d);
/* Copy a file out of the volume to a host path (for hivex, which opens files). */
int wr_ntfs_copy_out(struct wr_ntfs *vol, const char *path, const char *host_path,
		     struct wr_detail *d);
/* List a directory: a NULL-terminated array of UTF-8 names (without "." and ".."),
 * long names only (no DOS 8.3 duplicates), as stored (case kept), in the index's
 * order; NTFS's own metadata files ($MFT, $LogFile, $Extend...) are not listed.
 * Names that are not valid UTF-16 (unpaired surrogates) get U+FFFD in their place. */
int wr_ntfs_list(struct wr_ntfs *vol, const char *path, char ***names_out,
		 struct wr_detail *d);
void wr_ntfs_list_free(char **names);
/* A reader for a file inside the volume (valid until wr_ntfs_reader_close or
 * wr_ntfs_close); lets wimlib-free code read a WIM's header and XML in place. */
int wr_ntfs_reader_open(struct wr_ntfs *vol, const char *path, struct wr_reader *r,
			struct wr_detail *d);
void wr_ntfs_reader_close(struct wr_reader *r);
/* Sum of the sizes of all files under path, all their streams (not following reparse
 * points; a file with several hard links under path counts once per name). */
int wr_ntfs_tree_size(struct wr_ntfs *vol, const char *path, uint64_t *bytes,
		      uint64_t *files, struct wr_detail *d);

/* --- writing (volume opened with WR_NTFS_RDWR) ---
 * Paths name existing parents; names are compared case-insensitively, as Windows
 * does.  None of these follows a reparse point. */

/* Create a directory (WR_ERR_EXISTS when the name exists in any case). */
int wr_ntfs_mkdir(struct wr_ntfs *vol, const char *path, struct wr_detail *d);
/* Rename/move a file or directory within the volume: link under the new name, then
 * delete the old name.  Only metadata changes: inode number, streams, security
 * descriptor, times and other hard links stay.  The Win32+DOS name pair is kept when
 * the old name had one (a new DOS name is generated for the new long name).  Refuses
 * an existing destination (WR_ERR_EXISTS, compared case-insensitively, except a
 * case-only rename of the same file) and moving a directory into itself
 * (WR_ERR_INVALID_ARG).  On failure the old name is left in place. */
int wr_ntfs_move(struct wr_ntfs *vol, const char *from, const char *to,
		 struct wr_detail *d);
/* Remove one name of a file, or an empty directory, or a reparse point (the link
 * itself, never its target). */
int wr_ntfs_unlink(struct wr_ntfs *vol, const char *path, struct wr_detail *d);
/* Remove the folder entry path when a crash left it stray: pointing at a file record
 * that was never written or freed, or at a file without that name (libntfs-3g has no
 * journal; chkdsk would remove it).  *dropped tells whether it was; a good entry, or
 * one whose record cannot be read, is left alone (WR_OK, *dropped false). */
int wr_ntfs_drop_stray_entry(struct wr_ntfs *v, const char *path, bool *dropped,
			     struct wr_detail *d);
/* libntfs-3g gives a file its DOS name by adding the DOS name, deleting the long
 * name and adding it again: a kill in between leaves the file in its folder under
 * the DOS name alone.  When path's name is missing and exactly one file of path's
 * folder has only a DOS name there and no long name anywhere, link it as path again
 * (*relinked true).  Nothing is guessed when there are several. */
int wr_ntfs_relink_long_name(struct wr_ntfs *v, const char *path, bool *relinked,
			     struct wr_detail *d);
/* The same update cut short just after the short name was added leaves the file's
 * link count one too high: set it to the number of its long names (*fixed true when
 * it was wrong). */
int wr_ntfs_fix_link_count(struct wr_ntfs *v, const char *path, bool *fixed,
			   struct wr_detail *d);
/* Remove a directory and everything below it; reparse points inside are removed as
 * links, never followed.  WR_ERR_NOT_FOUND when path does not exist. */
int wr_ntfs_delete_tree(struct wr_ntfs *vol, const char *path, struct wr_detail *d);
/* Create or replace (truncate) a file with len bytes of buf. */
int wr_ntfs_write_file(struct wr_ntfs *vol, const char *path, const void *buf,
		       size_t len, struct wr_detail *d);
/* The same, the content read from src (a file of another volume, say) 1 MiB at a
 * time: for files too big to hold in memory. */
int wr_ntfs_write_from(struct wr_ntfs *vol, const char *path, const struct wr_reader *src,
		       struct wr_detail *d);
/* The file whose data holds byte offset of the volume (a bad sector found by the
 * surface scan): its path from the root ("\\Windows\\System32\\config\\SYSTEM",
 * NTFS's own files as "\\$MFT"...).  WR_ERR_NOT_FOUND: free space, or metadata kept
 * inside the MFT.  Reads every MFT record: meant for a handful of sectors. */
int wr_ntfs_file_at(struct wr_ntfs *vol, uint64_t offset, char *path, size_t size,
		    struct wr_detail *d);
/* Flush what was written to the device (fsync), so it survives a power cut. */
int wr_ntfs_sync(struct wr_ntfs *vol, struct wr_detail *d);
/* Clear the dirty flag (what ntfsfix -d does).  Only with the person's consent. */
int wr_ntfs_clear_dirty(struct wr_ntfs *vol, struct wr_detail *d);

/* --- walking a tree, for checkers and inventories --- */
struct wr_ntfs_stream {
	char name[256];		/* UTF-8; "" for the unnamed $DATA stream */
	uint64_t size;
};

struct wr_ntfs_entry {
	const char *path;		/* "/Users/Alice/x.txt" (root is "/") */
	const char *name;		/* last component ("" for the root) */
	struct wr_ntfs_stat st;
	size_t nstreams;
	const struct wr_ntfs_stream *streams;	/* unnamed first when present */
	const void *security;		/* self-relative security descriptor */
	size_t security_len;		/* 0 when the volume gave none */
	void *priv;			/* for wr_ntfs_entry_read */
};

/* Read len bytes at offset from stream number idx of the entry (only during the
 * callback).  *got is how many were read (less at the end of the stream). */
int wr_ntfs_entry_read(const struct wr_ntfs_entry *e, size_t idx, uint64_t offset,
		       void *buf, size_t len, size_t *got, struct wr_detail *d);

/* Called once per name, parents before children, children in the directory's index
 * order; return WR_OK to go on, anything else stops the walk and is returned. */
typedef int (*wr_ntfs_walk_fn)(const struct wr_ntfs_entry *e, void *ctx);

/* Walk path and everything below it (reparse points are reported, never entered). */
int wr_ntfs_walk(struct wr_ntfs *vol, const char *path, wr_ntfs_walk_fn fn, void *ctx,
		 struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* hive: registry hives (hivex), opened from host files.                     */
/* ------------------------------------------------------------------------- */

struct wr_hive;	/* opaque */

/* Registry value types (the numbers stored in the hive). */
enum wr_reg_type {
	WR_REG_NONE = 0,
	WR_REG_SZ = 1,
	WR_REG_EXPAND_SZ = 2,
	WR_REG_BINARY = 3,
	WR_REG_DWORD = 4,
	WR_REG_DWORD_BIG_ENDIAN = 5,
	WR_REG_LINK = 6,
	WR_REG_MULTI_SZ = 7,
	WR_REG_QWORD = 11,
};

/* Every value is untrusted: a getter refuses a value larger than this with
 * WR_ERR_TOO_LARGE instead of allocating it. */
#define WR_HIVE_MAX_VALUE (1u << 20)

/* Open a hive file read-only (write = false) or for editing (changes stay in memory
 * until wr_hive_commit).  A missing file gives WR_ERR_OPEN; a file hivex cannot parse
 * (empty, truncated, random bytes, damaged) gives WR_ERR_HIVE_CORRUPT with hivex's
 * errno in d->lib_code and d->sys_errno.  Opening never changes the file.  A dirty
 * hive (sequence numbers differ) is opened as its base file says: wr_hive_open does
 * not read .LOG1/.LOG2 (replay them first with wr_hivelog_replay, below). */
int wr_hive_open(const char *host_path, bool write, struct wr_hive **out,
		 struct wr_detail *d);
/* Close without writing (uncommitted changes are dropped).  NULL is fine. */
void wr_hive_close(struct wr_hive *h);
/* The root key's name ("ROOT", "CMI-CreateHive{...}", "Software"); malloc'd. */
int wr_hive_root_name(struct wr_hive *h, char **out, struct wr_detail *d);

/* Key paths use '\\' and are relative to the hive root ("Microsoft\\Windows NT\\...");
 * "" is the root.  Names match case-insensitively (ASCII, Latin-1, Greek, Cyrillic).
 * Value name "" or NULL is the key's default value ("@").
 * Getters return WR_ERR_NOT_FOUND when the key or value is absent, WR_ERR_HIVE when
 * the value has another type (the type is in d->lib_msg), WR_ERR_TOO_LARGE above
 * WR_HIVE_MAX_VALUE, WR_ERR_HIVE_CORRUPT when hivex fails on the hive's cells. */
bool wr_hive_key_exists(struct wr_hive *h, const char *key);
/* REG_SZ / REG_EXPAND_SZ / REG_LINK as UTF-8, decoded from UTF-16LE: stops at the first
 * NUL (real hives carry garbage after it), lone surrogates become U+FFFD; malloc'd.
 * REG_EXPAND_SZ is returned unexpanded. */
int wr_hive_get_string(struct wr_hive *h, const char *key, const char *value, char **out,
		       struct wr_detail *d);
/* REG_MULTI_SZ as a NULL-terminated array of malloc'd UTF-8 strings (stops at the
 * empty string that ends the list). */
int wr_hive_get_multi_string(struct wr_hive *h, const char *key, const char *value,
			     char ***out, struct wr_detail *d);
/* REG_DWORD (and REG_DWORD_BIG_ENDIAN). */
int wr_hive_get_dword(struct wr_hive *h, const char *key, const char *value,
		      uint32_t *out, struct wr_detail *d);
/* REG_QWORD. */
int wr_hive_get_qword(struct wr_hive *h, const char *key, const char *value,
		      uint64_t *out, struct wr_detail *d);
/* Raw data of a value of any type (malloc'd, *len bytes; *type may be NULL).  Some
 * keys store data in the type field itself (SAM's Names\\<user> default value's type
 * is the account's RID): wr_hive_get_type reads that. */
int wr_hive_get_binary(struct wr_hive *h, const char *key, const char *value, void **out,
		       size_t *len, uint32_t *type, struct wr_detail *d);
int wr_hive_get_type(struct wr_hive *h, const char *key, const char *value,
		     uint32_t *type, size_t *len, struct wr_detail *d);
/* Names of the subkeys of key: NULL-terminated array of malloc'd UTF-8 strings. */
int wr_hive_subkeys(struct wr_hive *h, const char *key, char ***out, struct wr_detail *d);
/* Names of the values of key ("" for the default value); same shape. */
int wr_hive_values(struct wr_hive *h, const char *key, char ***out, struct wr_detail *d);
/* Decode UTF-16LE bytes (len bytes, an odd last byte ignored) to a malloc'd UTF-8
 * string, stopping at the first NUL; lone surrogates become U+FFFD.  For strings
 * found inside binary values (SAM's V). */
int wr_hive_utf16_to_utf8(const void *buf, size_t len, char **out);

/* Editing (hive opened with write = true; WR_ERR_INVALID_ARG otherwise).  Changes are
 * made in memory; wr_hive_commit writes them. */
/* Create key and any missing parents (an existing key is fine). */
int wr_hive_add_key(struct wr_hive *h, const char *key, struct wr_detail *d);
/* Delete key with all its subkeys and values (the root cannot be deleted). */
int wr_hive_delete_key(struct wr_hive *h, const char *key, struct wr_detail *d);
/* Set (create or replace) a value.  The key must exist.  Strings are UTF-8 (invalid
 * UTF-8 gives WR_ERR_INVALID_ARG) and are stored as UTF-16LE with the final NUL. */
int wr_hive_set_string(struct wr_hive *h, const char *key, const char *value,
		       const char *str, bool expand, struct wr_detail *d);
int wr_hive_set_multi_string(struct wr_hive *h, const char *key, const char *value,
			     char *const *strv, struct wr_detail *d);
int wr_hive_set_dword(struct wr_hive *h, const char *key, const char *value, uint32_t v,
		      struct wr_detail *d);
int wr_hive_set_qword(struct wr_hive *h, const char *key, const char *value, uint64_t v,
		      struct wr_detail *d);
/* Any type, raw bytes (type may be a number that is not a wr_reg_type). */
int wr_hive_set_binary(struct wr_hive *h, const char *key, const char *value,
		       uint32_t type, const void *buf, size_t len, struct wr_detail *d);
/* Remove one value; WR_ERR_NOT_FOUND when it is not there. */
int wr_hive_delete_value(struct wr_hive *h, const char *key, const char *value,
			 struct wr_detail *d);
/* Write the changes safely: the new hive goes to "<path>.wr-new" in the same folder,
 * is flushed (fsync) and renamed over the original, so a crash leaves the old or the
 * new hive, never half of one. */
int wr_hive_commit(struct wr_hive *h, struct wr_detail *d);

/* hivelog (part of the hive layer): replaying a dirty hive's transaction logs.
 * Windows 8.1 and later write registry changes to <hive>.LOG1/.LOG2 first ("HvLE"
 * log entries: dirty pages with sequence numbers, checked with Marvin32 hashes) and
 * into the hive later; a hive left dirty (base block sequence numbers differ) lacks
 * them.  hivex and wimlib read only the base file, so this is done here. */
struct wr_hivelog_result {
	bool dirty;			/* the base file's sequence numbers differed */
	unsigned entries_applied;	/* log entries written into the copy */
	uint32_t first_seq, last_seq;	/* of the applied entries */
	uint32_t hbins_size;		/* hive bins data size of the result */
	bool log1_used, log2_used;
};
/* Write to out_path a copy of hive with the new-format log entries of log1 and log2
 * applied (either log may be NULL or missing).  Entries older than the base block,
 * damaged entries (wrong size, hash or page bounds) and everything after them are
 * not applied; LOG1/LOG2 are applied in sequence order, continuing across the two.
 * Old-format logs (Windows 8 and earlier: "DIRT" bitmap of 512-byte pages) are
 * applied when they belong to this state of the hive (same last-written time stamp,
 * complete base block); entries_applied is then 1.  A clean hive is copied
 * unchanged.  The inputs are never written.  A base block with a wrong checksum
 * gives WR_ERR_UNSUPPORTED (recovering it from a log is not implemented); a file
 * that is not a hive gives WR_ERR_HIVE_CORRUPT. */
int wr_hivelog_replay(const char *hive, const char *log1, const char *log2,
		      const char *out_path, struct wr_hivelog_result *res,
		      struct wr_detail *d);
/* Copy the hive vpath out of an NTFS volume to host_path with its .LOG1/.LOG2 (from
 * the same folder) replayed when it is dirty; when replaying is impossible or its
 * result cannot be opened, host_path holds the base file as it is (res->dirty tells).
 * res may be NULL. */
int wr_hivelog_copy_out(struct wr_ntfs *vol, const char *vpath, const char *host_path,
			struct wr_hivelog_result *res, struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* regf: the hive file format itself, where hivex has no API (blank hives,     */
/* base block facts, key class names where the LSA boot key lives).          */
/* ------------------------------------------------------------------------- */

struct wr_regf_header {
	uint32_t seq1, seq2;	/* primary and secondary sequence numbers */
	bool dirty;		/* seq1 != seq2: .LOG1/.LOG2 hold unwritten changes */
	uint32_t major, minor;	/* format version (1.3, 1.5) */
	bool checksum_ok;
	char file_name[64];	/* the embedded file name (UTF-8), may be "" */
};
/* Read the base block.  A bad checksum is reported (checksum_ok = false), not an error;
 * no "regf" base block, or a file shorter than its hive bins, is WR_ERR_HIVE_CORRUPT. */
int wr_regf_read_header(const char *host_path, struct wr_regf_header *hdr,
			struct wr_detail *d);
/* Write a new, empty, valid hive file (8 KiB: base block (version 1.5), one hbin with
 * an sk cell and the root key named root_name).  Never overwrites: WR_ERR_EXISTS.
 * Timestamps are now, or SOURCE_DATE_EPOCH when set (reproducible test fixtures). */
int wr_regf_create_blank(const char *host_path, const char *root_name,
			 struct wr_detail *d);
/* The class name of key (path from the root, '\\'-separated, case-insensitive, "" is
 * the root) as UTF-8; malloc'd.  WR_ERR_NOT_FOUND when the key does not exist or has
 * no class name; WR_ERR_HIVE_CORRUPT for a damaged file (every offset is checked). */
int wr_regf_get_class(const char *host_path, const char *key, char **out,
		      struct wr_detail *d);
/* Set (replace; "" removes) the class name of an existing key; the file stays a valid
 * hive (checksum, hbin sizes; a new hbin is appended when no free cell fits).  Written
 * to a temporary file renamed over the original: on any error the file is unchanged.
 * A dirty hive (its logs would be replayed over the change) is refused with
 * WR_ERR_UNSUPPORTED.  The file must not be open in hivex for writing. */
int wr_regf_set_class(const char *host_path, const char *key, const char *cls,
		      struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* reagent: Windows\System32\Recovery\ReAgent.xml (libxml2).                 */
/* ------------------------------------------------------------------------- */

struct wr_reagent_location {
	bool present;		/* element present with a non-empty path */
	char path[1024];	/* e.g. "\\Recovery\\WindowsRE" */
	char guid[64];		/* volume/disk GUID as written, "" when zero */
	uint64_t offset;	/* partition offset in bytes */
	unsigned index;		/* image index (PBR locations) */
	uint32_t id;		/* disk signature / id attribute */
};

struct wr_reagent {
	char version[16];	/* "1.0", "2.0" */
	struct wr_reagent_location winre;		/* WinreLocation */
	struct wr_reagent_location pbr;			/* PBRImageLocation */
	struct wr_reagent_location pbr_custom;		/* PBRCustomImageLocation */
	struct wr_reagent_location os_install;		/* OsInstallLocation */
	char winre_bcd_id[64];	/* WinreBCD id */
	int install_state;	/* InstallState state: 1 = WinRE enabled, -1 when absent */
	bool winre_enabled;
	struct wr_reagent_location image;		/* ImageLocation (WinRE staging) */
	int custom_image_available;	/* CustomImageAvailable state, -1 when absent */
	int os_install_available;	/* OsInstallAvailable state, -1 when absent */
	int auto_repair_on;		/* IsAutoRepairOn state, -1 when absent */
	char os_build_version[128];	/* OsBuildVersion path: "9600.16384.amd64fre..." */
};

/* ReAgent.xml files larger than this are refused (WR_ERR_TOO_LARGE); real ones are
 * about 2 KiB. */
#define WR_REAGENT_MAX_SIZE (1024 * 1024)

/* Parse ReAgent.xml bytes (UTF-8 with or without BOM, or UTF-16 with BOM), versions
 * 1.0 (Windows 8: the factory image is in OsInstallLocation) and 2.0 (8.1 and 10:
 * PBRImageLocation).  Untrusted input: no network, no DTD, no entity expansion; a
 * document with a DOCTYPE, or whose root is not WindowsRE, or with a number
 * attribute that is not a number, gives WR_ERR_XML (libxml2's message in
 * d->lib_msg).  A location whose path is empty has present = false. */
int wr_reagent_parse(const void *buf, size_t len, struct wr_reagent *out,
		     struct wr_detail *d);

/* Register or deregister the custom refresh image (what "recimg /setcurrent" and
 * "image set / deregister" do): from the existing ReAgent.xml bytes (buf may be NULL
 * or len 0: start from the blank 2.0 layout Windows 8.1 writes), make a whole new
 * document with PBRCustomImageLocation set to loc (path = the folder holding
 * CustomRefresh.wim, guid, offset, id, index) and CustomImageAvailable state 1; loc
 * NULL or !loc->present clears it (empty path, zero GUID, state 0).  Every other
 * element is kept as it was.  *out (malloc'd, UTF-8 with an XML declaration, as
 * Windows writes it) is written back by the caller as a whole; the input is never
 * changed.  Bad input gives the same errors as wr_reagent_parse. */
int wr_reagent_set_custom_image(const void *buf, size_t len,
				const struct wr_reagent_location *loc, char **out,
				size_t *out_len, struct wr_detail *d);
/* Register Windows RE the way "reagentc /enable" leaves it: WinreLocation = loc
 * (the folder holding Winre.wim on its partition: path, guid, offset, id), WinreBCD
 * id = bcd_id (the WinRE loader's object in the BCD), InstallState 1.  Same
 * conventions as wr_reagent_set_custom_image. */
int wr_reagent_set_winre(const void *buf, size_t len, const struct wr_reagent_location *loc,
			 const char *bcd_id, char **out, size_t *out_len, struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* winsys: facts about a Windows installation.                               */
/* ------------------------------------------------------------------------- */

enum wr_arch { WR_ARCH_UNKNOWN = -1, WR_ARCH_X86 = 0, WR_ARCH_ARM = 5, WR_ARCH_X64 = 9,
	       WR_ARCH_ARM64 = 12 };	/* the numbers WIM XML uses */
const char *wr_arch_name(enum wr_arch a);	/* "x86", "x64", "arm", "arm64" */

struct wr_user {
	char sid[192];
	char profile_path[1024];	/* as in ProfileList: "C:\\Users\\Alice" */
	char name[256];			/* SAM account name (UTF-8), or profile leaf */
	uint64_t profile_bytes;		/* bytes under the profile, UINT64_MAX unknown */
	bool special;			/* system, local service, network service */
};

struct wr_windows {
	char product_name[256];		/* "Windows 8.1 Pro" */
	char edition[64];		/* EditionID: "Core", "Professional" */
	char installation_type[32];	/* "Client", "Server" */
	char version[16];		/* CurrentVersion "6.3" */
	unsigned major, minor;		/* 6.2 = 8, 6.3 = 8.1, 10.0 = 10 */
	unsigned build;			/* CurrentBuild(Number) */
	unsigned ubr;			/* update build revision, 0 when absent */
	char display_version[32];	/* DisplayVersion / ReleaseId, or "" */
	char marketing_name[32];	/* "Windows 8", "Windows 8.1", "Windows 10" */
	enum wr_arch arch;		/* from kernel32.dll's PE header */
	int64_t install_date;		/* Unix time, 0 unknown */
	char computer_name[64];
	char time_zone[128];		/* TimeZoneKeyName */
	char default_language[32];	/* "en-US" */
	char **languages;		/* installed UI languages, NULL-terminated */
	char keyboard[32];		/* default input locale, e.g. "0411:00000411" */
	bool fast_startup_enabled;	/* HiberbootEnabled = 1 */
	bool hibernate_enabled;
	size_t nusers;
	struct wr_user *users;
	size_t nstore_apps;
	char **store_apps;		/* package full names under WindowsApps */
	bool has_reagent;
	struct wr_reagent reagent;
	bool winre_present;		/* a WinRE image exists where ReAgent says */
	char control_set[16];		/* "ControlSet001": Select\Current */
	char machine_sid[192];		/* "S-1-5-21-a-b-c" from SAM, or "" */
	/* A hive that could not be read (missing config folder, damaged SOFTWARE or
	 * SYSTEM): wr_winsys_read still returns WR_OK with what it found (architecture,
	 * users from the Users folder, Store apps, ReAgent) and records the first
	 * registry failure here; WR_OK when every hive was read. */
	int registry_err;
	char registry_subject[256];	/* the hive's path on the volume */
	int reagent_err;		/* ReAgent.xml is there but cannot be read */
};

/* Inspect the installation on an open volume (root must hold Windows\System32,
 * else WR_ERR_NO_WINDOWS).  Reads the hives from private copies in a temporary
 * folder (removed afterwards), with the transaction logs of dirty hives replayed
 * into the copies (wr_hivelog_copy_out); never writes to the volume.  *out is freed
 * with wr_windows_free. */
int wr_winsys_read(struct wr_ntfs *vol, struct wr_windows **out, struct wr_detail *d);
void wr_windows_free(struct wr_windows *w);
/* Free what an embedded (zero-initialised) struct holds; it can be reused. */
void wr_windows_release(struct wr_windows *w);
/* The parts that only need hives.  Any hive may be NULL (that part is skipped);
 * w must be zero-initialised (or released).  Fills the version fields from SOFTWARE
 * Microsoft\Windows NT\CurrentVersion (WR_ERR_NO_WINDOWS when that key is missing),
 * users from its ProfileList (names from SAM), Store apps from Appx\AppxAllUserStore,
 * and computer name, time zone, languages, Fast Startup and hibernation from
 * SYSTEM's current control set.  Values that are absent stay empty / 0. */
int wr_winsys_from_hives(struct wr_hive *software, struct wr_hive *system,
			 struct wr_hive *sam, struct wr_windows *w, struct wr_detail *d);
/* The version fields (product_name, edition, installation_type, version, major,
 * minor, build, ubr, display_version, marketing_name, install_date) from a key shaped
 * like CurrentVersion - also SYSTEM's Setup\Source OS (Updated on ...) copies. */
int wr_winsys_version_from_key(struct wr_hive *h, const char *key, struct wr_windows *w,
			       struct wr_detail *d);
/* "Windows 8" (6.2), "Windows 8.1" (6.3), "Windows 10" (10.0), "Windows 11" (10.0,
 * build 22000 or later), "Windows 7", ... ; server versions by their own names. */
const char *wr_winsys_marketing_name(unsigned major, unsigned minor, unsigned build,
				     const char *installation_type);
/* keyboard from the DEFAULT hive (Keyboard Layout\Preload "1"): "0411:00000411". */
int wr_winsys_keyboard_from_hive(struct wr_hive *def, struct wr_windows *w,
				 struct wr_detail *d);

/* A local account from the SAM hive. */
struct wr_sam_account {
	uint32_t rid;			/* 500 Administrator, 501 Guest, 1000+ people */
	char name[256];			/* account name (UTF-8) */
	char full_name[256];		/* "" when none */
	bool disabled;			/* ACB flag 0x0001 in the F value */
};
/* The accounts of SAM\Domains\Account\Users (Names\<name>, whose default value's
 * type is the RID, and Users\<RID>\V, parsed with bounds checks); sorted by RID.
 * *out is malloc'd (free()); machine_sid (may be NULL, 192 bytes) receives the
 * machine's SID from SAM\Domains\Account\V, or "". */
int wr_winsys_sam_accounts(struct wr_hive *sam, struct wr_sam_account **out, size_t *n,
			   char *machine_sid, struct wr_detail *d);
/* PE machine of a DLL's bytes (MZ, e_lfanew, "PE\0\0", machine; bounds-checked):
 * 0x14c x86, 0x8664 x64, 0x1c4 arm, 0xaa64 arm64; WR_ARCH_UNKNOWN otherwise. */
enum wr_arch wr_winsys_pe_arch(const void *buf, size_t len);

/* ------------------------------------------------------------------------- */
/* apps: desktop apps as Programs and Features lists them.                   */
/* ------------------------------------------------------------------------- */

struct wr_app {
	char *key;		/* Uninstall subkey name */
	char *name;		/* DisplayName */
	char *version;		/* DisplayVersion, or NULL */
	char *publisher;	/* Publisher, or NULL */
	char *link;		/* URLInfoAbout, else HelpLink, else URLUpdateInfo, or NULL */
	char *user;		/* NULL: machine-wide; else the user's name */
	unsigned bits;		/* 32 or 64 */
};

struct wr_app_list {
	size_t n;
	struct wr_app *v;
};

/* Append the visible apps under key (an Uninstall key) of hive h, filtered the way
 * Programs and Features filters them: an entry is hidden when it has no (or an empty)
 * DisplayName, SystemComponent = 1, a ParentKeyName (an update of another entry), a
 * ReleaseType of "Security Update", "Update Rollup", "Hotfix", "Update" or
 * "ServicePack", or no UninstallString - except WindowsInstaller = 1 entries, which
 * are shown when their key is a product code ({GUID}) and hidden otherwise.
 * An entry equal to one already in list (name, version, publisher, user; case-
 * insensitive) is not added again (the same app seen under two registry views).
 * WR_ERR_NOT_FOUND when key does not exist; list is unchanged on any error. */
int wr_apps_from_hive(struct wr_hive *h, const char *key, const char *user,
		      unsigned bits, struct wr_app_list *list, struct wr_detail *d);
/* Every desktop app of the installation: HKLM Uninstall (64-bit on x64/arm64),
 * Wow6432Node (32-bit), and each non-special user's NTUSER.DAT (HKCU) Uninstall, read
 * from private copies in a temporary folder; sorted by name.  A user hive that cannot
 * be read is logged and skipped; a SOFTWARE hive that cannot be read is an error.
 * A dirty hive's .LOG1/.LOG2 are replayed into the copy first (wr_hivelog_copy_out). */
int wr_apps_read(struct wr_ntfs *vol, const struct wr_windows *w,
		 struct wr_app_list *list, struct wr_detail *d);
/* Apps in old that new lacks, matched by name and publisher (case-insensitive),
 * ignoring version, scope and bits (an app updated or moved to all users is not
 * "removed").  out receives copies (release it with wr_app_list_release). */
int wr_apps_removed(const struct wr_app_list *old_list, const struct wr_app_list *new_list,
		    struct wr_app_list *out, struct wr_detail *d);
void wr_app_list_release(struct wr_app_list *list);

/* ------------------------------------------------------------------------- */
/* wim: image files (wimlib).                                                */
/* ------------------------------------------------------------------------- */

struct wr_image_info {
	unsigned index;			/* 1-based */
	char name[256];
	char description[256];
	char product_name[256];		/* WINDOWS/PRODUCTNAME */
	char edition[64];		/* WINDOWS/EDITIONID */
	char installation_type[32];	/* WINDOWS/INSTALLATIONTYPE */
	enum wr_arch arch;		/* WINDOWS/ARCH */
	unsigned major, minor, build, spbuild;
	char languages[256];		/* comma-separated, default first */
	uint64_t total_bytes;		/* expanded size */
	uint64_t file_count;
	bool is_windows;		/* the image's XML has a WINDOWS element */
	char default_language[32];	/* WINDOWS/LANGUAGES/DEFAULT, or "" */
};

struct wr_wim_info {
	char path[4096];
	unsigned image_count;
	struct wr_image_info *images;
	bool has_integrity;
	bool split;			/* part of a .swm set */
	unsigned part_number, total_parts;
};

/* Read a WIM/ESD/SWM's header and XML.  check_integrity verifies the integrity table
 * when the file has one (slow on large files). */
int wr_wim_read_info(const char *path, bool check_integrity, struct wr_wim_info **out,
		     struct wr_detail *d);
/* The same from a WIM that is not a host file (inside an NTFS volume): reads the
 * header and the XML resource only.  name is used for messages and info->path.
 * Gives the same struct as wr_wim_read_info for the same file (without the integrity
 * check).  A pipable WIM (its XML is at the end) gives WR_ERR_UNSUPPORTED. */
int wr_wim_read_info_from(const struct wr_reader *r, const char *name,
			  struct wr_wim_info **out, struct wr_detail *d);
/* The same from the bytes of a WIM header (>= 208 bytes) and its XML resource, for
 * callers and fuzzers that already hold them. */
int wr_wim_info_from_xml(const void *hdr, size_t hdr_len, const void *xml,
			 size_t xml_len, const char *name, struct wr_wim_info **out,
			 struct wr_detail *d);
void wr_wim_info_free(struct wr_wim_info *info);

/* Size of a WIM header; the XML resources of real WIMs are far below WR_WIM_XML_MAX. */
#define WR_WIM_HEADER_SIZE 208
#define WR_WIM_XML_MAX (32u * 1024 * 1024)

/* Names of the entries at the root of image index (1-based) of a host WIM/ESD/SWM:
 * a NULL-terminated array of UTF-8 names (free with wr_strv_free).  A name that is
 * not a single safe path component ("", ".", "..", or holding '/' or '\') gives
 * WR_ERR_UNSAFE_PATH.  WR_ERR_NO_SUCH_IMAGE when index does not exist. */
int wr_wim_list_root(const char *path, unsigned index, char ***names_out,
		     struct wr_detail *d);

/* Extract the file inner ("\\Windows\\System32\\config\\SOFTWARE") of image index into
 * the host folder host_dir, under its own name.  WR_ERR_NOT_FOUND when the image
 * lacks it. */
int wr_wim_extract_file(const char *path, unsigned index, const char *inner,
			const char *host_dir, struct wr_detail *d);

/* Apply image index of a host WIM/ESD/SWM (other .swm parts are found next to it) to
 * the root of the NTFS volume at ntfs_target (a volume image file or block device,
 * not mounted) in wimlib's NTFS mode.  Before anything is written every name in the
 * image is checked (WR_ERR_UNSAFE_PATH: nothing written).  A root name the image
 * creates that already exists on the volume makes wimlib stop with WR_ERR_EXISTS —
 * and what it created before stays (no rollback): check with wr_wim_list_root first.
 * Progress: WR_PROG_BYTES (bytes of file data written of the total), about every 1 %.
 * The callback may return ABORT (WR_ERR_ABORTED); the volume then holds a partly
 * applied image that the caller must remove. */
/* Before anything is written: the file's integrity table (when it has one) is
 * verified, the index exists, and every name in the image is a safe path component.
 * WR_ERR_WIM_CORRUPT, WR_ERR_NO_SUCH_IMAGE, WR_ERR_UNSAFE_PATH. */
int wr_wim_check_image(const char *path, unsigned index, struct wr_detail *d);
int wr_wim_apply(const char *path, unsigned index, const char *ntfs_target,
		 wr_progress_fn fn, void *ctx, struct wr_detail *d);

struct wr_wim_capture_opts {
	const char *name;		/* image name (required, unique in the WIM) */
	const char *description;	/* may be NULL */
	/* Paths excluded from the capture, relative to the volume root with '\'
	 * or '/' ("\pagefile.sys", "\Users\*"); wimlib wildcards; matched
	 * case-insensitively.  NULL-terminated, may be NULL. */
	const char *const *exclusions;
	/* Paths kept although an exclusion matches ("\Users\Default"). */
	const char *const *exceptions;
	bool integrity;			/* write an integrity table */
	/* Appending: the WIM's last image is an earlier capture of the same volume,
	 * so files unchanged since (times, sizes) are not read again. */
	bool update_of_last;
};

/* Capture the NTFS volume at ntfs_source (image file or block device, not mounted;
 * only read) in wimlib's NTFS mode into wim_path.  When wim_path exists, the new
 * image is appended and only file data the WIM does not hold yet is written
 * (deduplication); an existing WIM that fails to open or fails its integrity check
 * is refused (WR_ERR_WIM_CORRUPT) and left unchanged.  Progress: WR_PROG_BYTES while
 * file data is read (total = bytes to read); ABORT gives WR_ERR_ABORTED with an
 * existing WIM unchanged and a new one removed.  *index_out (may be NULL) gets the
 * new image's index. */
int wr_wim_capture(const char *ntfs_source, const char *wim_path,
		   const struct wr_wim_capture_opts *opts, wr_progress_fn fn, void *ctx,
		   unsigned *index_out, struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* sources: where a refresh/reset image can come from.                       */
/* ------------------------------------------------------------------------- */

enum wr_source_kind { WR_SOURCE_CUSTOM, WR_SOURCE_OEM, WR_SOURCE_MEDIA, WR_SOURCE_GIVEN };

/* Why an image cannot refresh an installation (0 = it can). */
enum wr_mismatch {
	WR_MATCH_OK = 0,
	WR_MISMATCH_ARCH = 1 << 0,
	WR_MISMATCH_EDITION = 1 << 1,
	WR_MISMATCH_VERSION = 1 << 2,	/* different major.minor (the 8 vs 8.1 trap) */
	WR_MISMATCH_OLDER_BUILD = 1 << 3,
	WR_MISMATCH_NOT_WINDOWS = 1 << 4, /* no WINDOWS element in the XML */
};

/* Which of the above apply to image img for installation w (a bit set). */
unsigned wr_sources_match(const struct wr_windows *w, const struct wr_image_info *img);

struct wr_source {
	enum wr_source_kind kind;
	char path[4096];		/* the file (on the host, or on a partition) */
	char where[256];		/* human location: "/dev/sdb1", "partition 4" */
	unsigned partition;		/* the partition of the disk holding path, or 0 when
					 * path is a host file */
	int err;			/* WR_OK, or why it could not be read */
	struct wr_wim_info *info;	/* NULL when err */
	unsigned *mismatch;		/* per image, wr_sources_match() result */
};

struct wr_source_list {
	size_t n;
	struct wr_source *v;
};

/* Find sources for installation w on disk (may be NULL) plus the given extra paths
 * (files: .wim/.esd/.swm/.iso; directories: searched for sources\install.*), best
 * first: the registered custom image (w->reagent PBRCustomImageLocation, the
 * partition found by its offset), the OEM image (PBRImageLocation, or
 * OsInstallLocation in 1.0, else \RecoveryImage on recovery partitions), then
 * \sources\install.{wim,esd,swm} on NTFS partitions of disk, then the given paths.
 * Images inside partitions and ISOs (UDF) are read in place.  A source that is
 * named but unreadable is listed with err set (WR_ERR_NOT_FOUND, WR_ERR_WIM_CORRUPT,
 * WR_ERR_UNSUPPORTED for an ISO without UDF ...).  mismatch is NULL when w is NULL.
 * Returns WR_OK (possibly with n == 0) unless out of memory.  Never writes. */
int wr_sources_find(const struct wr_windows *w, const struct wr_disk *disk,
		    const char *const *extra_paths, struct wr_source_list *out,
		    struct wr_detail *d);
void wr_source_list_release(struct wr_source_list *list);

/* One reason an image cannot refresh an installation, as an English sentence for
 * the front end: printf(_(r.msgid), r.image_value, r.system_value).  msgid is
 * marked N_() and uses positional arguments: %1$s is the image's value, %2$s the
 * installation's ("Windows 8", "Windows 8.1"; "x64"; "Core"; "9200"). */
struct wr_mismatch_reason {
	unsigned bit;			/* one WR_MISMATCH_* */
	const char *msgid;
	char image_value[128];
	char system_value[128];
};
/* Fill out[] (room for 5) with one reason per bit set in mismatch, most important
 * first; returns how many. */
size_t wr_sources_explain(unsigned mismatch, const struct wr_windows *w,
			  const struct wr_image_info *img, struct wr_mismatch_reason *out);
/* The first source (in list order, best first) with an image that can refresh the
 * installation, and that image's index; WR_ERR_NO_SOURCE when there is none. */
int wr_sources_best(const struct wr_source_list *list, const struct wr_source **src,
		    unsigned *index);
/* "Windows 8" for 6.2, "Windows 8.1" for 6.3, "Windows 10" for 10.0, else
 * "Windows <major>.<minor>", into buf. */
const char *wr_sources_version_name(unsigned major, unsigned minor, char *buf,
				    size_t size);

/* The image an operation applies: given (a host path) or, when given is NULL, the
 * best usable source wr_sources_find lists for installation w (a factory image is
 * mounted read-only: c->stage, closed by the caller with wr_stage_close).  index 0:
 * the first image that matches w, else image 1.  WR_ERR_NO_SOURCE (nothing usable,
 * or no installation to match when nothing was given), WR_ERR_NO_SUCH_IMAGE. */
struct wr_source_choice {
	char path[4096];		/* host path wimlib opens */
	char disk[4096];		/* inside a partition: the disk, its partition */
	unsigned partition;
	char inner[4096];		/* and the path inside it */
	struct wr_stage *stage;
	unsigned index;
	struct wr_image_info image;
	unsigned mismatch;		/* wr_sources_match(w, image); 0 without w */
};
int wr_sources_choose(const struct wr_windows *w, const struct wr_disk *disk,
		      const char *given, unsigned index, struct wr_source_choice *c,
		      struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* journal: the operation journal's records (format and reader).  The operation */
/* that owns the journal stores it on the target volume and appends whole       */
/* records; the reader trusts records up to the first torn or damaged one.      */
/* ------------------------------------------------------------------------- */

struct wr_journal_record {
	unsigned seq;		/* 1, 2, 3, ... without gaps */
	char kind[16];		/* "plan", "begin", "end", ... */
	size_t nfields;
	char **fields;		/* UTF-8, may be "" */
};

struct wr_journal {
	size_t n;
	struct wr_journal_record *v;
	bool torn_tail;		/* bytes after the last good record (a crash mid-write) */
};

/* One record as a line ending in '\n' (malloc'd).  kind: 1-15 printable characters;
 * fields: NULL-terminated, at most 32, any bytes but NUL. */
int wr_journal_format(unsigned seq, const char *kind, const char *const *fields,
		      char **line_out, size_t *len_out, struct wr_detail *d);
/* Parse a journal's bytes: every good record up to the first bad one. */
int wr_journal_parse(const void *buf, size_t len, struct wr_journal *out,
		     struct wr_detail *d);
void wr_journal_release(struct wr_journal *j);
/* Add a record to the in-memory journal (seq = n + 1), as written by its owner. */
int wr_journal_push(struct wr_journal *j, const char *kind, const char *const *fields);
/* The last record of kind whose first fields equal field0 and field1 (NULL = any). */
const struct wr_journal_record *wr_journal_find(const struct wr_journal *j, const char *kind,
						const char *field0, const char *field1);

/* ------------------------------------------------------------------------- */
/* vjournal: an operation's journal kept on the NTFS volume it changes, one     */
/* record per file in a folder (\$WinRescue\journal), each flushed to the      */
/* device before the step it announces begins.  Refresh and reset use it.       */
/* ------------------------------------------------------------------------- */

struct wr_vjournal {
	struct wr_ntfs *vol;
	char dir[64];		/* "/$WinRescue/journal" */
	struct wr_journal j;	/* what is on disk, kept in step with appends */
	unsigned fault_after;	/* tests: SIGKILL after this many appends (0 = never),
				 * from WINRESCUE_FAULT_AFTER */
	unsigned appended;
};

void wr_vjournal_init(struct wr_vjournal *jr, struct wr_ntfs *vol, const char *dir);
void wr_vjournal_release(struct wr_vjournal *jr);
/* Read the records (the folder must exist: WR_ERR_NOT_FOUND otherwise).  The last
 * record's file, when unreadable (a kill cut its creation short), is removed when
 * the volume is writable; a damaged record before good ones is WR_ERR_JOURNAL. */
int wr_vjournal_load(struct wr_vjournal *jr, struct wr_detail *d);
/* Append a record (kind, f0, f1; f1 may be NULL) and flush it to the device. */
int wr_vjournal_append(struct wr_vjournal *jr, const char *kind, const char *f0,
		       const char *f1, struct wr_detail *d);
/* Whether an "end" record of (step, arg) is there. */
bool wr_vjournal_ended(const struct wr_vjournal *jr, const char *step, const char *arg);
/* A finished journal folder dir moves to \$WinRescue\logs\<prefix>-<UTC time>
 * (numbered when taken), so the next operation does not take it for an interrupted
 * one. */
int wr_vjournal_archive(struct wr_ntfs *vol, const char *dir, const char *prefix,
			struct wr_detail *d);
/* A copy of this run's log in \$WinRescue\logs, for whoever looks at the PC later
 * (best effort: nothing is reported when it cannot be written). */
void wr_vjournal_copy_log(struct wr_ntfs *vol);

/* ------------------------------------------------------------------------- */
/* report: "Removed Apps.html", the page a refresh leaves on each user's       */
/* Desktop (what Windows 8's own Refresh leaves): the desktop apps that were    */
/* removed, with their publishers' websites.                                    */
/* ------------------------------------------------------------------------- */

/* The words of the page in the person's language.  The engine does not translate:
 * wr_report_texts_init() fills the English msgids (marked N_()), the front end
 * passes each through gettext.  Texts are plain text (escaped when written); a NULL
 * member takes the English default. */
struct wr_report_texts {
	const char *title;	/* "Removed Apps": <title> and the heading */
	const char *intro;	/* what happened and what to do */
	/* "This list was made for %1$s on %2$s.": %1$s the user, %2$s the date.  Only
	 * %1$s, %2$s and %% are substituted (not printf: a broken translation cannot
	 * crash); the sentence is left out unless both user and date are given. */
	const char *made_for;
	const char *col_name;
	const char *col_version;
	const char *col_publisher;
	const char *col_link;	/* the column of publishers' web pages */
	const char *none;	/* the sentence shown instead of an empty table */
};
void wr_report_texts_init(struct wr_report_texts *t);

struct wr_report_params {
	/* <html lang>: "en", "ja", "ru" (any well-formed BCP 47 tag of letters, digits
	 * and '-'); NULL or anything else gives "en" (and a log line). */
	const char *lang;
	const char *user;	/* the person the page is for (shown), or NULL */
	const char *date;	/* the date, formatted for the language by the caller */
	/* NULL: list every app of the list.  Else only machine-wide apps (user NULL)
	 * and the apps whose wr_app.user equals this string exactly. */
	const char *apps_of;
	const struct wr_report_texts *texts;	/* NULL: English */
};

/* Longest field shown, in characters; longer registry strings are cut and end
 * with "…". */
#define WR_REPORT_FIELD_MAX 1024

/* Write "Removed Apps.html" for apps into a malloc'd buffer (*out, NUL-terminated,
 * *out_len bytes without the NUL): a complete HTML5 document in UTF-8 that is also
 * well-formed XML, with a title, the explanation, and a table (name, version,
 * publisher, website) sorted by name (ASCII case folded, then bytes, then list order:
 * the same in every locale), or the "none" sentence when no app is listed.
 * Every string (registry values and texts alike) is escaped (& < > " '); control
 * characters, bidirectional overrides and noncharacters are dropped (tab, CR and LF
 * become spaces); invalid UTF-8 becomes U+FFFD.  A link becomes a clickable
 * <a href rel="noopener noreferrer"> only when, after trimming surrounding ASCII
 * whitespace, it starts with http:// or https:// (any case) and holds no whitespace,
 * control, quote, '<', '>', '\\' or '`' character (a link starting "www." is taken as
 * http://www...); any other link is shown as plain text.  Errors: WR_ERR_INVALID_ARG
 * (apps or out NULL), WR_ERR_NOMEM. */
int wr_report_removed_apps(const struct wr_app_list *apps, const struct wr_report_params *p,
			   char **out, size_t *out_len, struct wr_detail *d);

/* Whether link would be made clickable, and the href it would get (http(s) only);
 * href_out (may be NULL) receives a malloc'd copy.  For tests and the front end. */
bool wr_report_safe_link(const char *link, char **href_out);

/* ------------------------------------------------------------------------- */
/* unattend: the answer file Windows\Panther\unattend.xml written by a refresh,   */
/* so the first boot of the new system asks nothing the old one already knew:   */
/* language, keyboard, time zone, computer name (libxml2's xmlTextWriter).       */
/* ------------------------------------------------------------------------- */

/* The settings an answer file can carry (bits). */
enum wr_unattend_field {
	WR_UNATTEND_INPUT_LOCALE = 1 << 0,	/* oobeSystem International-Core */
	WR_UNATTEND_SYSTEM_LOCALE = 1 << 1,
	WR_UNATTEND_UI_LANGUAGE = 1 << 2,
	WR_UNATTEND_USER_LOCALE = 1 << 3,
	WR_UNATTEND_COMPUTER_NAME = 1 << 4,	/* specialize Shell-Setup */
	WR_UNATTEND_TIME_ZONE = 1 << 5,		/* oobeSystem Shell-Setup */
};

/* Build the answer file for the new system from the old installation's facts
 * (default_language, keyboard, time_zone, computer_name): UTF-8 with an XML
 * declaration, namespace urn:schemas-microsoft-com:unattend, components for the
 * new system's architecture arch (the image's; WR_ARCH_UNKNOWN = w->arch):
 * processorArchitecture x86/amd64/arm/arm64.  image_languages is the new image's
 * languages, comma-separated (wr_image_info.languages): UILanguage is left out when
 * the old default language is not among them (NULL or "" = not checked).  Each value
 * is checked first and left out (with a log line saying why) when it is not valid:
 * then Windows asks for it or picks a default, exactly as without an answer file.
 * A missing or invalid keyboard falls back to the default language's own keyboard
 * (InputLocale = the locale name).  *written (may be NULL) gets the
 * wr_unattend_field bits that were written.  *out is malloc'd, NUL-terminated,
 * *out_len bytes.  Errors: WR_ERR_INVALID_ARG (w or out NULL), WR_ERR_UNSUPPORTED
 * (architecture unknown), WR_ERR_NOMEM.  The fixed-size strings of w need not be
 * NUL-terminated (unterminated = invalid, left out). */
int wr_unattend_build(const struct wr_windows *w, enum wr_arch arch,
		      const char *image_languages, char **out, size_t *out_len,
		      unsigned *written, struct wr_detail *d);

/* The checks wr_unattend_build applies (s may be NULL: false). */
/* 1-15 ASCII letters, digits, '-' or '_', not only digits (the characters the
 * unattend reference allows, without multi-byte ones). */
bool wr_unattend_valid_computer_name(const char *s);
/* A Windows time zone id ("Tokyo Standard Time", "UTC+12"): 1-64 ASCII letters,
 * digits, spaces and . + - ( ) _, no leading or trailing space. */
bool wr_unattend_valid_time_zone(const char *s);
/* A locale name ("ja-JP", "sr-Latn-RS", "es-419"): 2-3 letters, then up to three
 * subtags of 2-8 letters or digits, joined by '-'; at most 84 characters. */
bool wr_unattend_valid_locale(const char *s);
/* An input locale: "0411:00000411", "0411:{GUID}{GUID}" (an IME), or a locale name;
 * up to five joined by ';'. */
bool wr_unattend_valid_input_locale(const char *s);
/* "x86", "amd64", "arm", "arm64" for the answer file, NULL for other values. */
const char *wr_unattend_arch_name(enum wr_arch a);

/* ------------------------------------------------------------------------- */
/* refresh: "keep my files" -- reinstall Windows on the same volume, keeping the  */
/* profiles, accounts and (8/8.1) Store apps; the old system stays in           */
/* \\Windows.old.  Journaled on the target and resumable after any interruption. */
/* ------------------------------------------------------------------------- */

#define WR_REFRESH_STEPS 8

struct wr_refresh_opts {
	const char *target;		/* device, volume image, or disk image + partition */
	unsigned partition;		/* 0: target is the volume itself */
	const char *source;		/* WIM/ESD/SWM; NULL: the best source found */
	unsigned index;			/* 0: the first image that matches */
	bool discard_hibernation;	/* the person agreed to lose the hibernated session */
	bool allow_mismatch;		/* the person accepts an image that does not match */
	const char *language;		/* "ja", "ru", "en": Removed Apps.html's language */
	const struct wr_report_texts *report_texts;	/* translated texts, NULL: English */
};

/* What a refresh will do, from preflight (wr_refresh_plan writes nothing). */
struct wr_refresh_plan {
	struct wr_extent ext;
	struct wr_volume_state state;
	bool dirty_warning;		/* the volume is marked dirty: warn, go on */
	struct wr_windows *windows;	/* the installation (from the journal on resume) */
	struct wr_app_list old_apps;	/* its desktop apps (empty on resume) */
	struct wr_app_list removed_apps; /* machine-wide apps the image lacks (preflight) */
	char source[4096];		/* a host path wimlib opens */
	unsigned index;
	struct wr_image_info image;
	unsigned mismatch;		/* wr_sources_match bits (allowed by allow_mismatch) */
	/* When the image is inside a partition (the factory image): where, and the
	 * read-only mount that makes source a host path until the plan is released. */
	char source_disk[4096];
	unsigned source_partition;
	char source_inner[4096];
	struct wr_stage *stage;
	uint64_t needed_bytes;		/* image size + 20 % */
	char old_dir[32];		/* "Windows.old" */
	char rename_existing_old[32];	/* an earlier Windows.old goes here, or "" */
	char **move_aside;		/* root entries moved into old_dir */
	size_t nmove_aside;
	char **stay;			/* root entries left where they are (\\Data) */
	size_t nstay;
	char **delete_files;		/* pagefile.sys, swapfile.sys */
	size_t ndelete_files;
	char **image_root;		/* names the image creates at the root */
	size_t nimage_root;
	/* Filled as the refresh runs, for the summary. */
	unsigned profiles_kept;		/* profiles moved back (this run) */
	size_t apps_removed;		/* desktop apps on Removed Apps.html */
	double seconds;			/* how long the run took */
};

/* Preflight: nothing is written.  Refuses (WR_ERR_BITLOCKER, _HIBERNATED, _FAST_STARTUP,
 * _MISMATCH, _NO_SPACE, _SOURCE_ON_TARGET, _MOUNTED, _INTERRUPTED when an earlier
 * refresh must be resumed) with the reason in d. */
int wr_refresh_plan(const struct wr_refresh_opts *o, struct wr_refresh_plan *p,
		    struct wr_detail *d);
/* Run the plan.  Progress: WR_PROG_STEP_BEGIN/END for steps 1..WR_REFRESH_STEPS and
 * WR_PROG_BYTES during the apply.  Aborting is safe only before step 2 begins; after
 * that an abort or any failure leaves a journal that wr_refresh_resume finishes. */
int wr_refresh_run(const struct wr_refresh_opts *o, struct wr_refresh_plan *p,
		   wr_progress_fn fn, void *ctx, struct wr_detail *d);
/* Where a refresh keeps its journal on the volume. */
#define WR_REFRESH_JOURNAL "/$WinRescue/journal"
/* Finish an interrupted refresh from its journal (o->target and o->partition; the
 * other options are taken from the journal).  WR_ERR_NOT_FOUND with d->subject
 * WR_REFRESH_JOURNAL: there is no journal (any other WR_ERR_NOT_FOUND is a step's:
 * something the journal says is there is not); WR_ERR_NOTHING_TO_RESUME: it had
 * changed nothing (the journal is removed). */
int wr_refresh_resume(const struct wr_refresh_opts *o, struct wr_refresh_plan *p,
		      wr_progress_fn fn, void *ctx, struct wr_detail *d);
void wr_refresh_plan_release(struct wr_refresh_plan *p);
/* true when the open volume holds the journal of an unfinished refresh. */
bool wr_refresh_pending(struct wr_ntfs *vol);
/* English name of step 1..WR_REFRESH_STEPS (marked N_()). */
const char *wr_refresh_step_name(unsigned step);

/* ------------------------------------------------------------------------- */
/* recimg: custom refresh images (what Windows 8.1's recimg does): capture the  */
/* offline system without user data into DIR\CustomRefresh.wim and register it */
/* in the installation's ReAgent.xml (PBRCustomImageLocation), the only write  */
/* to the target.                                                              */
/* ------------------------------------------------------------------------- */

#define WR_RECIMG_FILE "CustomRefresh.wim"
/* Where a capture is written before it is renamed into place. */
#define WR_RECIMG_TMP_SUFFIX ".winrescue-tmp"
/* The ReAgent.xml as it was before winrescue's last change of it. */
#define WR_RECIMG_REAGENT_BACKUP "Windows\\System32\\Recovery\\ReAgent.xml.winrescue-bak"

struct wr_recimg_opts {
	const char *target;	/* device, volume image, or disk image + partition */
	unsigned partition;	/* 0: target is the volume itself */
	const char *dir;	/* create, set: the host folder of CustomRefresh.wim */
	const char *name;	/* create: image name; NULL = "Custom refresh <date>" */
};

/* Where a host folder is, as Windows names it: a folder on the partition starting
 * at loc.offset of the disk with GPT GUID loc.guid ("{...}", id 0) or MBR
 * signature loc.id (guid zero). */
struct wr_recimg_place {
	char disk[4096];	/* the disk device or whole-disk image file */
	unsigned partition;	/* its number there */
	char mountpoint[4096];	/* where that partition is mounted on this system */
	struct wr_reagent_location loc;	/* path: "\\RefreshImage" (index left 0) */
};

/* Find where host folder dir lives (it must exist): the mount holding it, the
 * device or loop device (and a loop device's backing file) behind the mount, the
 * disk and partition.  WR_ERR_UNSUPPORTED when the folder is not on a partition of a
 * disk with a partition table (tmpfs, a volume image, a network share): Windows
 * could not find an image there. */
int wr_recimg_locate_dir(const char *dir, struct wr_recimg_place *out, struct wr_detail *d);

/* The capture's exclusion list for installation w (NULL: only the fixed ones):
 * pagefile.sys, hiberfil.sys, swapfile.sys, \Windows.old*, \System Volume
 * Information, \$Recycle.Bin, \$WinRescue, every profile under \Users except
 * Default and Public (as "\Users\*" with exceptions), and every ProfileList
 * profile of a person outside \Users.  NULL-terminated malloc'd arrays (free with
 * wr_strv_free). */
int wr_recimg_exclusions(const struct wr_windows *w, char ***exclusions,
			 char ***exceptions, struct wr_detail *d);

struct wr_recimg_result {
	char wim_path[4096];	/* the host path of CustomRefresh.wim */
	unsigned index;		/* the new (create) or registered (set) image */
	bool appended;		/* create added an image to an existing file */
	uint64_t size_before;	/* the file's size before (0: new file) */
	uint64_t size_after;
	uint64_t estimate;	/* bytes the capture was expected to need */
	bool registered;	/* ReAgent.xml now names this image */
	int register_err;	/* why not (WR_ERR_UNSUPPORTED: DIR is not on a disk
				 * partition; see wr_recimg_locate_dir) */
	struct wr_recimg_place place;
};

/* Capture and register.  Refuses, before anything is written (nothing changed):
 * DIR on the target volume itself (WR_ERR_DIR_ON_TARGET), a read-only DIR
 * (WR_ERR_READ_ONLY), DIR without room for the estimate (WR_ERR_NO_SPACE: the
 * installation's used bytes minus the excluded ones, or, when appending, what is new
 * since the last image), a damaged existing CustomRefresh.wim (WR_ERR_CUSTOM_IMAGE_
 * CORRUPT), a BitLocker / hibernated / Fast Startup / mounted / locked target.  A new
 * file is written as CustomRefresh.wim.winrescue-tmp, flushed and renamed; an existing
 * one is appended to in place by wimlib, which writes the new data after the old and
 * the header last, so an interruption leaves the old images valid.  Registration
 * failing because DIR is not on a disk partition is not an error: res->registered is
 * false and res->register_err says why.  Progress: WR_PROG_BYTES during the capture;
 * ABORT is safe at any time (WR_ERR_ABORTED, the old file unchanged). */
int wr_recimg_create(const struct wr_recimg_opts *o, wr_progress_fn fn, void *ctx,
		     struct wr_recimg_result *res, struct wr_detail *d);

/* Register DIR\CustomRefresh.wim (its newest image) after checking that it is a WIM
 * whose image matches the installation (WR_ERR_MISMATCH, WR_ERR_WIM_CORRUPT,
 * WR_ERR_NOT_FOUND) and that DIR is on a disk partition (WR_ERR_UNSUPPORTED). */
int wr_recimg_set(const struct wr_recimg_opts *o, struct wr_recimg_result *res,
		  struct wr_detail *d);

/* Clear PBRCustomImageLocation; *was_registered (may be NULL) tells whether one was
 * set.  Nothing is written when none was. */
int wr_recimg_deregister(const struct wr_recimg_opts *o, bool *was_registered,
			 struct wr_detail *d);

struct wr_recimg_status {
	bool registered;
	struct wr_reagent_location loc;	/* as ReAgent.xml says */
	int image_err;		/* WR_OK when the image was found and read, else why not */
	char where[4096];	/* the disk and partition (or host path) it was found on */
	struct wr_image_info image;	/* the registered index (image_err == WR_OK) */
	uint64_t file_bytes;	/* size of CustomRefresh.wim */
	int64_t file_time;	/* its modification time (Unix), 0 unknown */
};

/* What is registered, and the image itself when it can be found: on the target's own
 * disk (a partition at loc.offset) or on a disk of this machine whose GUID or
 * signature matches.  Never writes. */
int wr_recimg_show(const struct wr_recimg_opts *o, struct wr_recimg_status *st,
		   struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* bcd: the Windows boot configuration store (a registry hive read and written  */
/* through the hive module): Objects\{GUID}\Description\Type and               */
/* Objects\{GUID}\Elements\<id>\Element, as Windows' bcdboot makes them.        */
/* ------------------------------------------------------------------------- */

#define WR_BCD_BOOTMGR "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
#define WR_BCD_MEMDIAG "{b2721d73-1db4-4c62-bf78-c548a880142d}"

/* Element ids used here (bits 28-31 class, 24-27 format: 1 device, 2 string,
 * 3 object, 4 object list, 5 integer, 6 boolean, 7 integer list). */
#define WR_BCDE_DEVICE 0x11000001u		/* device (application / boot manager) */
#define WR_BCDE_PATH 0x12000002u		/* application path */
#define WR_BCDE_DESCRIPTION 0x12000004u
#define WR_BCDE_LOCALE 0x12000005u
#define WR_BCDE_INHERIT 0x14000006u
#define WR_BCDE_RECOVERYSEQUENCE 0x14000008u
#define WR_BCDE_RECOVERYENABLED 0x16000009u
#define WR_BCDE_OSDEVICE 0x21000001u		/* loader: osdevice; resume: filedevice */
#define WR_BCDE_SYSTEMROOT 0x22000002u		/* loader: systemroot; resume: filepath */
#define WR_BCDE_DEFAULT 0x23000003u		/* boot manager: default; loader: resumeobject */
#define WR_BCDE_RESUMEOBJECT 0x23000006u	/* boot manager: resumeobject */
#define WR_BCDE_DISPLAYORDER 0x24000001u
#define WR_BCDE_TOOLSDISPLAYORDER 0x24000010u
#define WR_BCDE_TIMEOUT 0x25000004u
#define WR_BCDE_RAMDISK_SDIDEVICE 0x31000003u
#define WR_BCDE_RAMDISK_SDIPATH 0x32000004u

/* Element formats (bits 24-27 of an element id). */
enum wr_bcd_format {
	WR_BCD_FMT_DEVICE = 1, WR_BCD_FMT_STRING = 2, WR_BCD_FMT_OBJECT = 3,
	WR_BCD_FMT_OBJECT_LIST = 4, WR_BCD_FMT_INTEGER = 5, WR_BCD_FMT_BOOLEAN = 6,
	WR_BCD_FMT_INTEGER_LIST = 7,
};

/* A partition as a BCD device element names it: GPT disk GUID + partition GUID, or
 * MBR disk signature + partition offset in bytes.  GUIDs are lower-case without
 * braces, as struct wr_disk / wr_partition hold them. */
struct wr_bcd_partition {
	bool gpt;
	char disk_guid[40];
	char part_guid[40];
	uint32_t mbr_signature;
	uint64_t offset;
};

enum wr_bcd_device_kind {
	WR_BCD_DEV_OTHER,	/* a device type not decoded (boot, locate, network ...) */
	WR_BCD_DEV_PARTITION,	/* a partition (type 6) */
	WR_BCD_DEV_RAMDISK,	/* a file loaded as a RAM disk (WinRE's Winre.wim) */
};

struct wr_bcd_device {
	enum wr_bcd_device_kind kind;
	uint32_t type;			/* the raw device type */
	char options[40];		/* additional options object "{...}", "" if none */
	struct wr_bcd_partition part;	/* PARTITION: it; RAMDISK: where the file is */
	char path[1024];		/* RAMDISK: the file's path (UTF-8) */
};

/* Decode a device element's bytes (bounds-checked; never reads past len).
 * WR_ERR_CORRUPT for a truncated or inconsistent element. */
int wr_bcd_decode_device(const void *buf, size_t len, struct wr_bcd_device *dev);

struct wr_bcd_element {
	uint32_t id;
	uint32_t reg_type;		/* the value's registry type */
	void *data;			/* raw bytes */
	size_t len;
	/* Decoded by format (others zero): */
	char *str;			/* STRING, OBJECT: UTF-8 */
	char **list;			/* OBJECT_LIST: NULL-terminated */
	uint64_t integer;		/* INTEGER (1-8 bytes little-endian), BOOLEAN */
	bool decoded;			/* the bytes matched the format */
	struct wr_bcd_device dev;	/* DEVICE */
};

struct wr_bcd_object {
	char guid[40];			/* "{...}" as the key is named */
	uint32_t type;			/* Description\Type */
	size_t nelements;
	struct wr_bcd_element *elements;	/* sorted by id */
};

struct wr_bcd {
	bool is_template;		/* no object has a device element (BCD-Template) */
	char default_entry[40];		/* the boot manager's default, or "" */
	size_t nobjects;
	struct wr_bcd_object *objects;	/* sorted by GUID */
};

/* At most this many objects and elements per object are read (real stores hold
 * tens); more gives WR_ERR_TOO_LARGE. */
#define WR_BCD_MAX_OBJECTS 1024
#define WR_BCD_MAX_ELEMENTS 256

/* Read a BCD store from a host file (copied out of the ESP or System Reserved).
 * A file hivex cannot open gives WR_ERR_HIVE_CORRUPT (or WR_ERR_OPEN); a hive
 * without Description\KeyName "BCD00000000" and Objects gives WR_ERR_NOT_BCD; a
 * template (BCD-Template: objects without device elements) gives
 * WR_ERR_BCD_TEMPLATE unless allow_template.  Never writes. */
int wr_bcd_read(const char *host_path, bool allow_template, struct wr_bcd **out,
		struct wr_detail *d);
void wr_bcd_free(struct wr_bcd *b);	/* NULL is fine */
/* An object by GUID (case-insensitive, with braces), or NULL. */
const struct wr_bcd_object *wr_bcd_find(const struct wr_bcd *b, const char *guid);
/* An element of an object by id, or NULL. */
const struct wr_bcd_element *wr_bcd_element(const struct wr_bcd_object *o, uint32_t id);

/* What the new store describes (the store bcdboot writes). */
struct wr_bcd_spec {
	bool efi;			/* UEFI (.efi paths, \EFI\Microsoft\Boot); else BIOS */
	struct wr_bcd_partition boot;	/* the ESP / System Reserved partition */
	struct wr_bcd_partition windows;	/* the Windows partition (also hiberfil.sys) */
	const char *locale;		/* "en-US"; NULL: en-US */
	const char *description;	/* loader's description; NULL: "Windows" */
	const char *systemroot;		/* NULL: "\\Windows" */
	unsigned timeout;		/* seconds */
	bool winre;			/* add the WinRE entry and recovery sequence */
	struct wr_bcd_partition winre_part;	/* partition holding Winre.wim */
	const char *winre_dir;		/* "\\Recovery\\WindowsRE" (Winre.wim, boot.sdi) */
	/* GUIDs "{...}" for the new objects; NULL or "": new time-based GUIDs.  The
	 * WinRE loader's should be ReAgent.xml's WinreBCD id. */
	const char *loader_guid, *resume_guid, *winre_guid, *ramdisk_guid;
};

/* Write a new store to host_path (which must not exist: WR_ERR_EXISTS).  The objects
 * and elements are those of a store bcdboot writes (compare testdata/bcd): boot
 * manager, Windows Boot Loader, resume, memory diagnostic, the inherited settings
 * objects, and with winre the WinRE loader on a RAM disk with its options object.
 * New GUIDs are time-based like bcdedit's; with SOURCE_DATE_EPOCH set the file is
 * reproducible (test fixtures).  On error host_path is removed. */
int wr_bcd_write(const char *host_path, const struct wr_bcd_spec *s, struct wr_detail *d);
/* A new object GUID "{...}" as the store's own are made (time-based, random node),
 * for an object named before the store is written (ReAgent.xml's WinreBCD). */
int wr_bcd_new_guid(char *out, size_t size);

/* ------------------------------------------------------------------------- */
/* reset: "remove everything" - format the Windows partition (or lay out the  */
/* whole disk as Windows Setup does), apply the image, boot files and BCD.     */
/* ------------------------------------------------------------------------- */

enum wr_reset_step {
	WR_RESET_STEP_PREPARE = 1,
	WR_RESET_STEP_WIPE,
	WR_RESET_STEP_LAYOUT,
	WR_RESET_STEP_FORMAT,
	WR_RESET_STEP_APPLY,
	WR_RESET_STEP_BOOT,
	WR_RESET_STEP_FINISH,
};
#define WR_RESET_STEPS 7
#define WR_RESET_TOP_NAMES 8

struct wr_reset_opts {
	const char *target;		/* disk (with partition) or bare volume; the whole
					 * disk when layout */
	unsigned partition;		/* the Windows partition (0: target is the volume) */
	bool layout;			/* lay out the whole disk first */
	enum wr_layout_kind layout_kind;
	const char *source;		/* NULL: the best source found for the installation */
	unsigned index;			/* 0: the first image that matches, else 1 */
	bool wipe;			/* overwrite first ("fully clean the drive") */
	const unsigned *also_format;	/* other data partitions the person chose (each
					 * confirmed on its own by the front end) */
	size_t nalso_format;
};

/* Another partition of the disk, as offered for formatting. */
struct wr_reset_other {
	struct wr_partition part;
	const char *why_not;		/* English msgid: why it is never formatted
					 * ("a recovery partition"), NULL when offered */
	char **top;			/* NTFS: its first root names, NULL-terminated */
	bool selected;			/* in opts.also_format */
};

struct wr_reset_plan {
	char disk_path[4096];		/* the real path of the target */
	unsigned partition;		/* the Windows partition (after a layout: its number) */
	struct wr_extent ext;		/* it (unset before a layout) */
	struct wr_disk *disk;		/* the disk as it is now; NULL for a bare volume */
	bool layout;
	enum wr_layout_kind layout_kind;
	struct wr_layout_plan layout_plan;
	bool wipe;
	double wipe_seconds;		/* estimate (wr_wipe_estimate), 0 when unknown */
	char fstype[32];		/* what the partition holds now ("ntfs", "BitLocker"...) */
	char label[128];		/* its label: kept by the format */
	struct wr_windows *windows;	/* the installation there, or NULL */
	char computer_name[64];		/* its name ("" unknown): what the person types */
	char **top;			/* the partition's first root names (NTFS), or NULL */
	const char *why_not;		/* internal */
	size_t nothers;
	struct wr_reset_other *others;	/* the disk's other partitions (all of them, with
					 * a layout: everything on the disk is erased) */
	struct wr_source_choice source;
	uint64_t needed_bytes;		/* image size + 20 % */
	uint64_t erase_bytes;		/* everything erased, in bytes */
	/* Windows RE on a partition that stays: registered again in the new system. */
	struct wr_reagent_location winre;	/* present = false when none */
	char winre_bcd_id[64];
};

/* NULL when partition pt of disk may be formatted by a reset, else why never (an
 * English msgid): recovery, ESP, MSR, System Reserved, a manufacturer partition (GPT
 * attribute bit 0; an MBR type other than 0x07/0x0C/0x0B/0x0E/0x06/0x42), a
 * partition of another system (a GPT type other than basic data). */
const char *wr_reset_why_protected(const struct wr_disk *disk, const struct wr_partition *pt);
/* Everything a reset would do, nothing written.  WR_ERR_PROTECTED_PARTITION (the
 * target or a chosen partition is one never erased), WR_ERR_NO_SUCH_PARTITION,
 * WR_ERR_SOURCE_ON_TARGET (the image is on something being erased),
 * WR_ERR_DISK_TOO_SMALL, WR_ERR_NO_SOURCE (nothing found; or no installation to
 * match and no source given), WR_ERR_INTERRUPTED (an earlier reset must be
 * resumed), WR_ERR_LIVE_DISK, WR_ERR_MOUNTED, the image's own checks. */
int wr_reset_plan(const struct wr_reset_opts *o, struct wr_reset_plan *p,
		  struct wr_detail *d);
/* Do it.  From the first write on, a failure or a kill leaves a journal that
 * wr_reset_resume finishes.  Progress: WR_PROG_STEP_BEGIN/END (id: enum
 * wr_reset_step), WR_PROG_BYTES in the wipe and the apply. */
int wr_reset_run(const struct wr_reset_opts *o, struct wr_reset_plan *p, wr_progress_fn fn,
		 void *ctx, struct wr_detail *d);
/* Finish an interrupted reset of o->target (o->partition, or 0 to look at every
 * partition of the disk); p is filled from the journal.  WR_ERR_NOT_FOUND: none;
 * WR_ERR_NOTHING_TO_RESUME: it had erased nothing yet (the journal is removed). */
int wr_reset_resume(const struct wr_reset_opts *o, struct wr_reset_plan *p,
		    wr_progress_fn fn, void *ctx, struct wr_detail *d);
/* Whether an interrupted reset of target is known (read-only). */
bool wr_reset_pending(const char *target, unsigned partition);
void wr_reset_plan_release(struct wr_reset_plan *p);

/* ------------------------------------------------------------------------- */
/* bootfiles: the bcdboot equivalent - boot manager files and the BCD store on  */
/* the ESP (GPT, through mtools) or the System Reserved / Windows partition     */
/* (MBR, through the ntfs module), for a Windows partition of a disk.           */
/* ------------------------------------------------------------------------- */

struct wr_bootfiles_plan {
	struct wr_disk *disk;
	const struct wr_partition *windows;	/* in disk->parts */
	const struct wr_partition *system;	/* ESP, System Reserved, or = windows */
	bool efi;			/* GPT disk: UEFI boot files */
	char product[64];		/* "Windows 8.1": the loader's description */
	char locale[32];		/* the installation's default language */
	char bcd_path[64];		/* "EFI/Microsoft/Boot/BCD" or "Boot/BCD" */
	bool bcd_exists;		/* a BCD is there (it is backed up first) */
	int old_bcd_err;		/* wr_bcd_read of the old store (WR_OK: readable) */
	char backup_name[64];		/* "BCD.winrescue-20261125-213000" */
	char **files;			/* what is copied: paths on the system partition */
	size_t nfiles;
	bool winre;			/* a WinRE entry will be written */
	const struct wr_partition *winre_part;
	char winre_dir[1024];
	char winre_guid[40];
	bool set_active;		/* MBR: none is active: run marks system active */
	bool mbr_code_missing;		/* MBR: the disk's boot code is zeros */
	bool pbr_code_missing;		/* MBR: the system partition's boot code is zeros */
};

/* Look at the disk and the installation on partition win_part; nothing is written.
 * WR_ERR_NO_ESP: GPT disk without an ESP; WR_ERR_NO_WINDOWS: no installation there;
 * WR_ERR_NOT_FOUND (subject: the folder): Windows\Boot\EFI or PCAT missing;
 * WR_ERR_MOUNTED / WR_ERR_BITLOCKER as the volumes say. */
int wr_bootfiles_plan(const char *disk_path, unsigned win_part, struct wr_bootfiles_plan *p,
		      struct wr_detail *d);
/* Copy the boot manager files, back up the old BCD (as backup_name, beside it) and
 * write the new one.  Progress: WR_PROG_ITEMS per file. */
int wr_bootfiles_run(struct wr_bootfiles_plan *p, wr_progress_fn fn, void *ctx,
		     struct wr_detail *d);
void wr_bootfiles_plan_release(struct wr_bootfiles_plan *p);
/* Plan and run in one call (what refresh and reset use). */
int wr_bootfiles_rebuild(const char *disk_path, unsigned win_part, wr_progress_fn fn,
			 void *ctx, struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* diagnose: checks of disks, volumes, registry, start-up and installations,   */
/* each giving findings with advice (src/diagnose.c, src/diag_*.c).  Read-only. */
/* ------------------------------------------------------------------------- */

struct wr_inspection;		/* below (inspect) */
struct wr_surface_result;	/* below (surface) */

enum wr_severity { WR_SEV_OK = 0, WR_SEV_WARNING = 1, WR_SEV_PROBLEM = 2, WR_SEV_CRITICAL = 3 };
/* "ok", "warning", "problem", "critical" (for --json and logs). */
const char *wr_severity_name(enum wr_severity s);

/* What fixes a finding.  Numbers are stable (the JSON carries the names). */
enum wr_advice {
	WR_ADVICE_NONE = 0,
	WR_ADVICE_BACKUP,		/* back up your files first: this disk is failing */
	WR_ADVICE_REFRESH,
	WR_ADVICE_RESET,
	WR_ADVICE_REPAIR_BOOT,
	WR_ADVICE_REPAIR_HIBERNATION,
	WR_ADVICE_REPAIR_REGISTRY,
	WR_ADVICE_CLEAR_DIRTY,		/* Windows' check disk first; clearing needs consent */
	WR_ADVICE_FULL_SHUTDOWN,	/* start Windows, shut down with Shift held */
	WR_ADVICE_BITLOCKER_KEY,	/* unlock in Windows with the recovery key */
	WR_ADVICE_MEDIA,		/* installation media of the same version is needed */
	WR_ADVICE_FREE_SPACE,
	WR_ADVICE_SCAN,			/* run winrescue scan */
	WR_ADVICE_FIRMWARE,		/* start this PC in UEFI (or legacy BIOS) mode */
	WR_ADVICE__COUNT
};
/* "none", "backup", "refresh", "reset", "repair-boot", "repair-hibernation",
 * "repair-registry", "clear-dirty", "full-shutdown", "bitlocker-key", "media",
 * "free-space", "scan", "firmware". */
const char *wr_advice_name(enum wr_advice a);
/* The advice as an English sentence (N_()), "" for WR_ADVICE_NONE. */
const char *wr_advice_text(enum wr_advice a);

#define WR_FINDING_ARGS 3
struct wr_finding {
	const char *id;			/* stable: "volume.hibernated" (see wr_diagnose_ids) */
	enum wr_severity severity;
	/* The sentence for the person: an English msgid (N_()) with positional %1$s,
	 * %2$s, %3$s standing for args[0..2]; substitute with wr_diagnose_format. */
	const char *msgid;
	char args[WR_FINDING_ARGS][256];
	enum wr_advice advice;
	char where[512];		/* "pc.img", "pc.img partition 3", "/dev/sda" */
	char tech[1024];		/* facts for the helpdesk (English, untranslated) */
};

struct wr_diagnosis {
	size_t n;
	struct wr_finding *v;
	enum wr_severity worst;		/* of all findings (set by wr_diagnose_finish) */
	char code[16];			/* support code "XXXXX-XXXXX" (wr_diagnose_finish) */
	bool efi;			/* this PC started in UEFI mode */
	int secure_boot;		/* 1 on, 0 off, -1 unknown (BIOS, no efivars) */
	int64_t time;			/* Unix time of the diagnosis */
};

struct wr_diagnose_opts {
	const char *const *paths;	/* disks / images; NULL or empty: every disk */
	const char *const *extra_sources;	/* image files or media folders */
	const char *firmware_dir;	/* NULL: /sys/firmware/efi (tests point elsewhere) */
	bool no_smart;			/* skip smartctl */
	bool surface_scan;		/* wr_diagnose_run also scans every disk's surface
					 * (long: minutes per 100 GB; progress: fn) */
};

/* Inspect (wr_inspect) and run every check except the surface scan; out is filled
 * (release with wr_diagnosis_release) even when a check failed: a check that cannot
 * run is itself a finding.  Returns an error only when nothing could be inspected. */
int wr_diagnose_run(const struct wr_diagnose_opts *o, wr_progress_fn fn, void *ctx,
		    struct wr_diagnosis *out, struct wr_detail *d);
/* The same on an inspection the caller already has (it is only read). */
int wr_diagnose_inspection(const struct wr_inspection *in, const struct wr_diagnose_opts *o,
			   struct wr_diagnosis *out, struct wr_detail *d);
void wr_diagnosis_release(struct wr_diagnosis *dg);

/* Single checks (each appends findings to dg; wr_diagnose_finish afterwards).
 * SMART of one disk: an image file gives "disk.smart.none"; smartctl missing,
 * failing or printing garbage gives a finding, never an error. */
int wr_diagnose_smart(const char *device, bool is_image, struct wr_diagnosis *dg,
		      struct wr_detail *d);
/* A BCD store copied to a host file, checked against the inspection (may be NULL:
 * only "is it a store").  where names the store for the person ("pc.img partition 1"). */
int wr_diagnose_bcd_file(const char *host_path, const struct wr_inspection *in,
			 const char *where, struct wr_diagnosis *dg, struct wr_detail *d);
/* Bad sectors of a surface scan of disk (may be NULL), as "disk.surface.bad". */
int wr_diagnose_surface(const struct wr_disk *disk, const struct wr_surface_result *r,
			struct wr_diagnosis *dg, struct wr_detail *d);
/* Parse the text of SrtTrail.txt (UTF-8 or UTF-16LE with BOM): the last "Root cause
 * found:" and its "Repair action" / "Result".  WR_ERR_NOT_FOUND when none is there. */
struct wr_srt_result {
	char root_cause[512];		/* "" when Startup Repair found none */
	char repair_action[256];
	char result[256];
	unsigned sessions;		/* "Root cause found" blocks seen */
};
int wr_diagnose_parse_srttrail(const void *buf, size_t len, struct wr_srt_result *out);
/* Append a finding (args: up to WR_FINDING_ARGS strings, NULL-terminated list not
 * needed: pass NULL for unused).  WR_ERR_INVALID_ARG for an id not in the table. */
int wr_diagnose_add(struct wr_diagnosis *dg, const char *id, enum wr_severity sev,
		    const char *msgid, enum wr_advice advice, const char *where,
		    const char *a1, const char *a2, const char *a3, const char *tech_fmt, ...)
	__attribute__((format(printf, 10, 11)));
/* Sort findings (worst first, stable), compute worst and the support code. */
void wr_diagnose_finish(struct wr_diagnosis *dg);

/* Substitute %1$s..%3$s (and %%) of a (translated) msgid with args; never printf, so a
 * broken translation cannot crash.  Returns a malloc'd string (NULL: out of memory). */
char *wr_diagnose_format(const char *fmt, const char args[][256], size_t nargs);

/* The finding ids the support code can carry, in their fixed bit order (append only):
 * a NULL-terminated array.  OK findings ("*.ok", "disk.smart.none" ...) are not in the
 * code. */
const char *const *wr_diagnose_ids(void);
/* The support code: 10 characters of the alphabet "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
 * (no 0/O, 1/I), shown as "XXXXX-XXXXX": 45 bits (worst severity in bits 0-1, bit
 * 2 + i set when a non-ok finding with id wr_diagnose_ids()[i] is present) in base
 * 32, least significant character first, then a Luhn mod 32 check character. */
int wr_diagnose_encode(enum wr_severity worst, const char *const *ids, size_t nids,
		       char *buf, size_t size);
struct wr_diag_code {
	enum wr_severity worst;
	size_t nids;
	const char *ids[48];		/* from wr_diagnose_ids() */
};
/* Decode a code (case-insensitive; '-' and spaces ignored).  WR_ERR_INVALID_ARG for a
 * wrong length, a character outside the alphabet or a bad check character. */
int wr_diagnose_decode(const char *code, struct wr_diag_code *out, struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* diagreport: the diagnosis as text, HTML5 or JSON (src/diagreport.c).        */
/* ------------------------------------------------------------------------- */

/* tr translates an English msgid (the front end's gettext); NULL: English.
 * lang: the <html lang> and JSON "language" ("en" when NULL).  Each returns a
 * malloc'd NUL-terminated document in *out.  Every string is escaped in HTML; the
 * JSON schema is documented in README.md ("diagnose --json"). */
struct wr_diagreport_params {
	const char *(*tr)(const char *msgid);
	const char *lang;
	const char *title;		/* NULL: "winrescue diagnosis" (translated by tr) */
};
int wr_diagreport_text(const struct wr_diagnosis *dg, const struct wr_diagreport_params *p,
		       char **out, struct wr_detail *d);
int wr_diagreport_html(const struct wr_diagnosis *dg, const struct wr_diagreport_params *p,
		       char **out, struct wr_detail *d);
int wr_diagreport_json(const struct wr_diagnosis *dg, const struct wr_diagreport_params *p,
		       char **out, struct wr_detail *d);
/* The severity word for people ("OK", "WARNING", "PROBLEM", "CRITICAL"; N_()). */
const char *wr_diagreport_severity_label(enum wr_severity s);

/* ------------------------------------------------------------------------- */
/* repair: small repairs of a Windows volume's state (src/repair.c).  Each writes */
/* only what it names; nothing when it refuses.                                 */
/* ------------------------------------------------------------------------- */

/* Discard the hibernated session: delete \hiberfil.sys with the volume opened with
 * WR_NTFS_IGNORE_HIBERFILE.  WR_ERR_FAST_STARTUP when $LogFile holds a Fast Startup
 * state (libntfs-3g refuses every write then: start Windows and shut it down with
 * Shift held); WR_ERR_NOT_FOUND when the volume is not hibernated (nothing done). */
int wr_repair_hibernation(const struct wr_extent *ext, struct wr_detail *d);

#define WR_REPAIR_HIVES 5	/* SYSTEM, SOFTWARE, SAM, SECURITY, DEFAULT */
struct wr_repair_hive {
	char name[16];			/* "SYSTEM" */
	bool current_ok;		/* the hive in config parses */
	bool regback_ok;		/* RegBack's copy is there, non-empty, parses */
	uint64_t regback_size;
	bool restore;			/* will be / was restored */
};
struct wr_repair_registry_plan {
	struct wr_repair_hive hives[WR_REPAIR_HIVES];
	size_t nrestore;
	char suffix[40];		/* ".winrescue-20261125-213000" */
	char journal[128];		/* path on the volume of the journal */
};
/* Look at config and config\RegBack (read-only).  only_damaged: restore only hives
 * that do not parse (else every hive whose RegBack copy is good).  WR_ERR_NOT_FOUND
 * when no hive can be restored. */
int wr_repair_registry_plan(const struct wr_extent *ext, bool only_damaged,
			    struct wr_repair_registry_plan *p, struct wr_detail *d);
/* Restore: for each planned hive, RegBack's copy is written as <name>.winrescue-new
 * and flushed, <name>.LOG, .LOG1, .LOG2 and <name> are renamed <...><suffix> (kept
 * aside), and the copy is renamed <name>.  Journaled (one record per step, each
 * fsync'd first) in \$WinRescue\repair-journal, copied to p->journal in config when
 * done.  WR_ERR_INTERRUPTED when a refresh or a repair journal is already there. */
int wr_repair_registry_run(const struct wr_extent *ext, struct wr_repair_registry_plan *p,
			   struct wr_detail *d);
/* true when the open volume holds the journal of an unfinished repair. */
bool wr_repair_pending(struct wr_ntfs *vol);
/* Read-only: WR_OK when ext holds an unfinished repair's journal, WR_ERR_NOT_FOUND
 * when not (or the volume's own open error). */
int wr_repair_find(const struct wr_extent *ext, struct wr_detail *d);
/* Finish an interrupted registry restore from its journal (rolled forward, never
 * back: the old hives stay kept aside either way); p is filled from the journal
 * (suffix, hives; p->nrestore 0 when only a finished restore's journal was left to
 * remove).  WR_ERR_NOT_FOUND: no repair journal; WR_ERR_NOTHING_TO_RESUME: it had
 * changed nothing (the journal is removed, the repair can start over). */
int wr_repair_resume(const struct wr_extent *ext, struct wr_repair_registry_plan *p,
		     struct wr_detail *d);
/* Clear the NTFS dirty flag (wr_ntfs_clear_dirty) - only with the person's consent:
 * Windows' own check disk is the proper repair.  WR_ERR_NOT_FOUND when not dirty. */
int wr_repair_clear_dirty(const struct wr_extent *ext, struct wr_detail *d);

/* ------------------------------------------------------------------------- */
/* inspect: everything about the PC in one read-only pass (the CLI's inspect and  */
/* the wizard's "Your PC" screen both stand on it).  A failure in one part is   */
/* recorded where it happened and the rest of the inspection goes on.          */
/* ------------------------------------------------------------------------- */

/* One volume: a partition of a disk, or a whole volume image. */
struct wr_volume_report {
	struct wr_extent ext;
	int probe_err;			/* wr_ntfs_probe result */
	struct wr_detail probe_detail;
	struct wr_volume_state state;
	int windows_err;		/* WR_ERR_NO_WINDOWS when it holds none */
	struct wr_detail windows_detail;
	struct wr_windows *windows;	/* NULL unless an installation was read */
	bool interrupted;		/* an unfinished refresh left its journal here */
	bool interrupted_repair;	/* an unfinished registry restore left its journal */
	int apps_err;
	struct wr_detail apps_detail;
	struct wr_app_list apps;
	int sources_err;
	struct wr_detail sources_detail;
	struct wr_source_list sources;
};

struct wr_disk_report {
	char path[4096];
	int err;			/* wr_disk_read result */
	struct wr_detail detail;
	struct wr_disk *disk;		/* NULL when err; table WR_TABLE_NONE: a bare volume */
	size_t nvolumes;		/* disk->nparts, or 1 for a bare volume */
	struct wr_volume_report *volumes; /* same order as disk->parts */
};

struct wr_inspection {
	size_t ndisks;
	struct wr_disk_report *disks;
};

enum wr_inspect_flags {
	WR_INSPECT_NO_APPS = 1 << 0,	/* skip desktop apps */
	WR_INSPECT_NO_SOURCES = 1 << 1,	/* skip image sources */
};

/* Inspect paths (disk devices, whole-disk images or volume images; NULL or empty =
 * every disk of the machine).  extra_sources are files or folders holding Windows
 * images (see wr_sources_find).  Progress: WR_PROG_ITEMS, one per volume.  Returns
 * an error only when nothing could be inspected at all; out is set either way. */
int wr_inspect(const char *const *paths, const char *const *extra_sources, unsigned flags,
	       wr_progress_fn fn, void *ctx, struct wr_inspection **out,
	       struct wr_detail *d);
void wr_inspection_free(struct wr_inspection *in);

/* ------------------------------------------------------------------------- */
/* smart: disk health from smartmontools (`smartctl --json=c -a`, json-c).    */
/* ------------------------------------------------------------------------- */

/* Whether health data could be read at all.  A disk without SMART is a state, not an
 * error: image files, loop devices, USB bridges that do not pass SMART through. */
enum wr_smart_state {
	WR_SMART_AVAILABLE,	/* smartctl read the health data */
	WR_SMART_UNAVAILABLE,	/* the device has no SMART (or does not let it through) */
	WR_SMART_NO_TOOL,	/* smartctl is not installed */
};

/* Counters are -1 when the disk does not report them. */
struct wr_smart {
	enum wr_smart_state state;
	char reason[256];	/* why UNAVAILABLE/NO_TOOL: smartctl's own English words */
	int exit_status;	/* smartctl's exit status bits (see smartctl(8)) */
	char protocol[16];	/* "ATA", "NVMe", "SCSI", or "" */
	char device_type[32];	/* smartctl's -d type: "sat", "nvme", "usbjmicron", ... */
	char model[128];
	char serial[64];
	char firmware[32];
	uint64_t capacity;	/* bytes, 0 unknown */
	bool verdict_known;	/* smart_status.passed was reported */
	bool passed;		/* the drive's own overall verdict */
	int64_t reallocated;	/* ATA 5 raw */
	int64_t pending;	/* ATA 197 raw */
	int64_t offline_uncorrectable;	/* ATA 198 raw */
	int64_t reported_uncorrectable;	/* ATA 187 raw */
	int64_t power_on_hours;
	int64_t temperature;	/* degrees Celsius */
	unsigned failing_now;	/* ATA attributes at or below threshold now (when_failed "now") */
	unsigned failed_past;	/* ... at some time in the past */
	bool is_nvme;
	int64_t nvme_critical_warning;	/* bit field, 0 = none */
	int64_t nvme_media_errors;
	int64_t nvme_percentage_used;	/* may exceed 100 */
	int64_t nvme_available_spare;	/* percent */
	int64_t nvme_available_spare_threshold;
};

/* Parse smartctl's JSON (`--json` or `--json=c`, -a or -x) into out.  A JSON envelope
 * that reports no device data gives state UNAVAILABLE with smartctl's message as
 * reason.  Input that is not smartctl JSON gives WR_ERR_BAD_OUTPUT.  Never reads past
 * len; json need not be NUL-terminated. */
int wr_smart_parse(const char *json, size_t len, struct wr_smart *out, struct wr_detail *d);

/* Run smartctl on device (argv array, 60 s timeout, its stderr to the log) and parse
 * the result.  The program is $WINRESCUE_SMARTCTL when set, else smartctl from PATH,
 * /usr/sbin or /sbin; when there is none, out->state is WR_SMART_NO_TOOL and WR_OK is
 * returned.  WR_ERR_OPEN when device does not exist. */
int wr_smart_read(const char *device, struct wr_smart *out, struct wr_detail *d);

/* "available", "unavailable", "no-tool": for --json output. */
const char *wr_smart_state_name(enum wr_smart_state s);

/* ------------------------------------------------------------------------- */
/* surface: read-only surface scan with read-latency classes (Victoria/MHDD).  */
/* Opens the device O_RDONLY (O_DIRECT when it can) and never writes.         */
/* ------------------------------------------------------------------------- */

/* A block's read time falls into one class: < 5, < 20, < 50, < 200, < 600 ms,
 * >= 600 ms, or it had an unreadable sector. */
enum wr_latency {
	WR_LAT_5, WR_LAT_20, WR_LAT_50, WR_LAT_200, WR_LAT_600, WR_LAT_SLOWER, WR_LAT_ERROR,
	WR_LAT__COUNT
};
/* Upper bound of class c in milliseconds (5, 20, 50, 200, 600); 0 for SLOWER, ERROR. */
unsigned wr_latency_limit_ms(enum wr_latency c);
/* "lt5ms", "lt20ms", "lt50ms", "lt200ms", "lt600ms", "ge600ms", "error". */
const char *wr_latency_name(enum wr_latency c);

struct wr_surface_options {
	uint32_t block_size;	/* bytes per read; 0 = 4 MiB.  Rounded to the sector size */
	uint64_t start;		/* first byte to read (rounded down to a sector) */
	uint64_t length;	/* bytes to read from start; 0 = to the end */
	unsigned slow_ms;	/* blocks at least this slow are listed; 0 = 200 */
	unsigned gone_after;	/* this many whole blocks in a row unreadable = the disk
				 * is gone (WR_ERR_DEVICE_GONE); 0 = 8 */
	bool no_direct;		/* use buffered reads (with POSIX_FADV_DONTNEED) */
	unsigned max_bad_run;	/* after this many unreadable sectors in a row, the rest of
				 * the block is skipped, not read (as ddrescue does: each
				 * failed read strains a dying disk); 0 = 128 */
};

/* A run of sectors.  Sector numbers count logical sectors from the start of the
 * device (not of the scanned range). */
struct wr_surface_range {
	uint64_t sector;
	uint64_t count;
	unsigned ms;		/* slow ranges: the block's read time; bad ranges: 0 */
	int sys_errno;		/* bad ranges: the read error (EIO, ...) */
};

/* Filled as the scan goes, so a progress callback given the same pointer as ctx may
 * read it; kept as it was on cancel or when the device disappears. */
struct wr_surface_result {
	char path[4096];
	uint64_t device_size;	/* bytes */
	uint64_t start, length;	/* the scanned range in bytes */
	unsigned sector_size;	/* logical sector size used for narrowing */
	uint32_t block_size;
	bool direct_io;		/* O_DIRECT was used */
	bool complete;		/* the whole range was read */
	uint64_t bytes_done;	/* bytes from start that were tried */
	uint64_t blocks[WR_LAT__COUNT];	/* histogram: blocks per class (they add up to
					 * the number of blocks tried) */
	uint64_t bad_sectors;	/* sum of the bad ranges' counts */
	size_t nbad;
	struct wr_surface_range *bad;	/* unreadable sectors, ascending, merged */
	size_t nslow;
	struct wr_surface_range *slow;	/* blocks at or above slow_ms */
	unsigned max_ms;	/* slowest block */
	double seconds;		/* time spent reading */
	uint64_t skipped_sectors;	/* sum of the skipped ranges' counts */
	size_t nskipped;
	struct wr_surface_range *skipped;	/* not read: after max_bad_run failures */
};

/* Scan path (block device or image file).  Progress: WR_PROG_BYTES with done/total
 * bytes (at least every 1 % and every 250 ms; speed and time left follow from these);
 * returning ABORT stops it at once with WR_ERR_ABORTED.  Unreadable sectors are not an
 * error: the result lists them and the return is WR_OK.  A device that disappears
 * (ENODEV, ENXIO, ENOMEDIUM, or a storm of unreadable blocks) gives
 * WR_ERR_DEVICE_GONE.  In every case result holds what was found so far; release it
 * with wr_surface_result_release.  opts may be NULL. */
int wr_surface_scan(const char *path, const struct wr_surface_options *opts,
		    wr_progress_fn fn, void *ctx, struct wr_surface_result *result,
		    struct wr_detail *d);
void wr_surface_result_release(struct wr_surface_result *result);

/* Where a sector of a scanned disk lies. */
struct wr_surface_location {
	unsigned partition;	/* 1-based partition number, 0 = outside every partition */
	uint64_t offset;	/* byte offset inside that partition (or the disk) */
	char file[1024];	/* the file holding it on NTFS ("Windows\\System32\\..."), or ""
				 * (unknown, free space, or not mapped yet: see surface.c) */
};
/* Locate sector (of size sector_size) on disk (from wr_disk_read). */
void wr_surface_locate(const struct wr_disk *disk, uint64_t sector, unsigned sector_size,
		       struct wr_surface_location *loc);

/* ------------------------------------------------------------------------- */
/* usbsave: where files for the helpdesk (a report, the log) or a recovery     */
/* image can go: the writable file systems this system has mounted, and drives */
/* such as a USB stick, mounted read-write in a private folder while files are */
/* written, then unmounted (src/usbsave.c).                                    */
/* ------------------------------------------------------------------------- */

struct wr_usbsave_place {
	char dir[4096];		/* where it is mounted, or "" (a drive not mounted) */
	char device[4096];	/* the device or image file ("/dev/sdb", "stick.img"), or "" */
	unsigned partition;	/* its partition there, 0 = the whole device */
	char fstype[32];	/* "vfat", "exfat", "ntfs", "ext4" ... */
	char label[128];	/* the file system's label (UTF-8), or "" */
	uint64_t size;		/* bytes: the file system's (mounted) or partition's */
	uint64_t free;		/* bytes free to an ordinary writer; 0 when not mounted */
	int refuse;		/* 0, or why nothing can be saved there: WR_ERR_READ_ONLY,
				 * WR_ERR_DIR_ON_TARGET (the Windows volume itself),
				 * WR_ERR_MOUNTED (a drive busy elsewhere) */
};

struct wr_usbsave_list {
	size_t n;
	struct wr_usbsave_place *v;
};
void wr_usbsave_list_release(struct wr_usbsave_list *l);

/* Mounted file systems backed by a device or image file (pseudo and memory file
 * systems left out), each with its size, free space and label.  Those holding the
 * Windows volume (partition target_partition of target_disk, when target_disk is not
 * NULL) get refuse = WR_ERR_DIR_ON_TARGET; read-only ones WR_ERR_READ_ONLY. */
int wr_usbsave_mounts(const char *target_disk, unsigned target_partition,
		      struct wr_usbsave_list *out, struct wr_detail *d);

/* Drives with a file system a report can be saved to: every partition with a file
 * system (or a partition-less device holding one) on disks (NULL-terminated; NULL or
 * empty: wr_disk_list), except target_disk (may be NULL) and the running system's
 * own disk.  A mounted one has dir set; one mounted read-only is refused. */
int wr_usbsave_drives(const char *const *disks, const char *target_disk,
		      struct wr_usbsave_list *out, struct wr_detail *d);

/* A place made writable: its own mount point when mounted read-write, else a mount
 * made now (rw,nosuid,nodev,noexec) on a private folder under /tmp, of the partition's
 * device node or of a loop device over it.  Needs root to mount (WR_ERR_NOT_ROOT). */
struct wr_usbsave_mount;
int wr_usbsave_open(const struct wr_usbsave_place *pl, struct wr_usbsave_mount **out,
		    struct wr_detail *d);
const char *wr_usbsave_dir(const struct wr_usbsave_mount *m);
/* Flush the file system; unmount what open mounted and remove its folder.  Always
 * frees m (NULL is fine); an error says the drive could not be unmounted cleanly. */
int wr_usbsave_close(struct wr_usbsave_mount *m, struct wr_detail *d);

/* One file to save: data (len bytes) or, when copy_of is set, a copy of that host file. */
struct wr_usbsave_file {
	const char *name;	/* a plain file name, no '/' */
	const char *data;
	size_t len;
	const char *copy_of;
};
/* Make folder dir/<folder> (dir/<folder>-2 ... when it exists) and write the files
 * into it, each flushed to the drive; the folder's path goes to made.  Refuses a
 * folder or file name with '/' or "..".  On failure the new folder is removed. */
int wr_usbsave_write(const char *dir, const char *folder, const struct wr_usbsave_file *files,
		     size_t n, char *made, size_t made_size, struct wr_detail *d);

#ifdef __cplusplus
}
#endif

#endif /* WINRESCUE_H */
