/*
 * mkimg.h - build small disk and volume images in tests, and read them back, with
 * the real tools.
 *
 * Every helper spawns the tool with an argv array (no shell), waits for it, and
 * returns 0 on success, -1 on failure (after printing the tool's complaint to stderr,
 * which the test log keeps).  Images are sparse files in a temporary directory made
 * with mkimg_tmpdir() and removed with mkimg_rmrf().
 */
#ifndef MKIMG_H
#define MKIMG_H

#include <stddef.h>
#include <stdint.h>

#define MKIMG_MIB (1024ULL * 1024ULL)

/* Run argv (argv[0] looked up in PATH); stdin_text (may be NULL) is fed to its
 * standard input; stdout goes to out (may be NULL; truncated to outlen - 1 and
 * NUL-terminated).  Returns the exit status, or -1 when it could not run. */
int mkimg_run(const char *const argv[], const char *stdin_text, char *out, size_t outlen);

/* Run argv with its standard output into the file out_path (created or truncated;
 * NULL: /dev/null); stdin and stderr are the test's.  Returns the exit status, or -1
 * when it could not run. */
int mkimg_run_to_file(const char *const argv[], const char *out_path);

/* Run argv and put the first line of its standard output (newline removed, at most
 * size - 1 bytes) into buf; "" when it printed nothing.  Returns the exit status, or
 * -1 when it could not run. */
int mkimg_first_line(const char *const argv[], char *buf, size_t size);

/* Is this program installed (in PATH)? */
int mkimg_have(const char *prog);
/* Exit with 77 (skipped), after printing "<prog> is not installed", unless every
 * program in the NULL-terminated list progs is installed.  For main(), before the
 * tests run. */
void mkimg_require(const char *const progs[]);

/* A fresh directory under $TMPDIR (or /tmp) into buf. */
int mkimg_tmpdir(char *buf, size_t len);
/* rm -rf dir (only paths under /tmp or $TMPDIR are accepted). */
int mkimg_rmrf(const char *dir);

/* A sparse file of size bytes (truncated/created). */
int mkimg_file(const char *path, uint64_t size);
/* mkntfs -F -Q [-L label] [-c cluster] on a file of size bytes (created). */
int mkimg_ntfs(const char *path, uint64_t size, const char *label);
/* mkfs.vfat -F 32 [-n label] on a file of size bytes (created). */
int mkimg_vfat(const char *path, uint64_t size, const char *label);
/* sfdisk the disk image with script (lines like "size=100MiB, type=..., name=..."). */
int mkimg_sfdisk(const char *disk, const char *script);
/* dd if=fs of=disk bs=512 seek=offset/512 conv=notrunc,sparse. */
int mkimg_place(const char *disk, const char *fs, uint64_t offset);
/* Decompress a .gz or .xz file into dst (gzip -dc / xz -dc). */
int mkimg_decompress(const char *src, const char *dst);

/* sha256 of a file as 64 hex digits (sha256sum). */
int mkimg_sha256(const char *path, char out[65]);

/* hivexget hive key value: the value as hivex's own reader prints it (its first
 * line, at most size - 1 bytes) into buf.  Returns hivexget's exit status. */
int mkimg_hivexget(const char *hive, const char *key, const char *value, char *buf,
		   size_t size);

/* What blkid -p -o export --offset off --size size path says for key (TYPE, LABEL,
 * UUID...), with export's backslash quoting undone, into val (at most len - 1 bytes);
 * "" when blkid fails or does not name the key. */
void mkimg_blkid_value(const char *path, uint64_t off, uint64_t size, const char *key,
		       char *val, size_t len);

/* A standard test disk: GPT (gpt != 0) with ESP (FAT32, 64 MiB), MSR (16 MiB),
 * Windows (NTFS, 96 MiB, label "Windows") and Recovery (NTFS, 32 MiB, label
 * "Recovery", attrs bit 0 and 63); or MBR with System Reserved (NTFS, 32 MiB,
 * active), Windows (NTFS, 96 MiB) and Recovery (type 0x27, NTFS, 32 MiB).
 * The NTFS volumes are empty; the caller fills them (wr_ntfs_* in RDWR).
 * Partition byte offsets go to starts[] (at least 4 entries) when not NULL. */
int mkimg_std_disk(const char *dir, const char *name, int gpt, char *path, size_t len,
		   uint64_t starts[4]);

#endif
