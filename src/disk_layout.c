/*
 * disk_layout.c - the disk module's write side: a new partition table laid out the
 * way Windows Setup does it (libparted), and the MBR active flag.
 *
 * libparted 3.5 has no call for an arbitrary GPT type GUID, but its flags give the
 * ones Windows uses: ESP (C12A7328-...), MSFT_RESERVED (E3C9E316-...), MSFT_DATA
 * (EBD0A0A2-...) and DIAG (DE94BBA4-..., Windows RE); HIDDEN sets attribute bit 0
 * ("required partition").  It cannot set attribute bit 63 ("no drive letter"),
 * which Windows Setup sets on the recovery partition: that one is set with sfdisk
 * --part-attrs (util-linux), run with an argv array, after libparted has written
 * the table.  libparted gives a new MBR a random nonzero disk signature.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <parted/parted.h>

#include "intl.h"
#include "winrescue.h"

#define MIB (1024ULL * 1024ULL)

#define GUID_ESP "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define GUID_MSR "e3c9e316-0b5c-4db8-817d-f92df00215ae"
#define GUID_RECOVERY "de94bba4-06d1-4d40-a16a-bfd50179d6ac"
#define GUID_BASIC_DATA "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"

/* Windows Setup's sizes. */
#define ESP_SIZE (260 * MIB)
#define MSR_SIZE (16 * MIB)
#define RECOVERY_SIZE (1024 * MIB)
#define SYSTEM_RESERVED_SIZE (500 * MIB)
/* GPT: the backup table (32 sectors of entries + header) at the end of the disk. */
#define GPT_BACKUP_SECTORS 33
/* Recovery: attribute bit 0 (required) and bit 63 (no drive letter). */
#define RECOVERY_ATTRS 0x8000000000000001ULL

/* ------------------------------------------------------------------------- */
/* libparted's exceptions go to the log; it is never asked to "fix" anything.  */

static PedExceptionOption ped_handler(PedException *ex)
{
	wr_log(WR_LOG_WARN, "libparted: %s: %s", ped_exception_get_type_string(ex->type),
	       ex->message ? ex->message : "");
	if (ex->options & PED_EXCEPTION_IGNORE)
		return PED_EXCEPTION_IGNORE;
	if (ex->options & PED_EXCEPTION_CANCEL)
		return PED_EXCEPTION_CANCEL;
	if (ex->options & PED_EXCEPTION_NO)
		return PED_EXCEPTION_NO;
	return PED_EXCEPTION_UNHANDLED;
}

/* Refusals shared by every write: not the running system's disk, nothing mounted. */
static int check_disk(const char *disk_path, struct wr_extent *ext, struct wr_detail *d)
{
	int ret;

	if (!disk_path || !*disk_path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, disk_path);
	ret = wr_blockdev_check_not_live(disk_path, d);
	if (ret)
		return ret;
	ret = wr_blockdev_resolve(disk_path, 0, ext, d);
	if (ret)
		return ret;
	return wr_blockdev_check_unmounted(ext, d);
}

/* ------------------------------------------------------------------------- */

static void add_part(struct wr_layout_plan *p, const char *role, uint64_t start,
		     uint64_t size, const char *fs, const char *label, const char *name,
		     const char *type, uint64_t attrs, bool active)
{
	struct wr_layout_part *q = &p->parts[p->nparts];

	q->number = (unsigned)++p->nparts;
	q->start = start;
	q->size = size;
	q->role = role;
	q->fs = fs;
	q->label = label;
	q->name = name;
	q->type = type;
	q->gpt_attrs = attrs;
	q->active = active;
}

int wr_layout_plan(const char *disk_path, enum wr_layout_kind kind, uint64_t windows_min_bytes,
		   struct wr_layout_plan *p, struct wr_detail *d)
{
	PedExceptionHandler *old;
	struct wr_extent ext;
	PedDevice *dev;
	uint64_t first, end, win_start, win_end;
	int ret;

	memset(p, 0, sizeof(*p));
	if (kind != WR_LAYOUT_GPT && kind != WR_LAYOUT_MBR)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, disk_path);
	if (!disk_path || !*disk_path)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, disk_path);
	ret = wr_blockdev_check_not_live(disk_path, d);
	if (ret)
		return ret;
	ret = wr_blockdev_resolve(disk_path, 0, &ext, d);
	if (ret)
		return ret;
	old = ped_exception_get_handler();
	ped_exception_set_handler(ped_handler);
	dev = ped_device_get(ext.path);
	if (dev) {
		p->sector_size = (unsigned)dev->sector_size;
		p->disk_size = (uint64_t)dev->length * (uint64_t)dev->sector_size;
		ped_device_destroy(dev);
	}
	ped_exception_set_handler(old);
	if (!dev)
		return wr_detail_setf(d, WR_ERR_OPEN, 0, ext.path, "libparted cannot open it");
	if (p->sector_size < 512 || MIB % p->sector_size)
		return wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, ext.path, "sector size %u",
				      p->sector_size);
	p->kind = kind;
	snprintf(p->disk_path, sizeof(p->disk_path), "%s", ext.path);
	first = MIB;
	if (kind == WR_LAYOUT_GPT) {
		uint64_t usable_end = p->disk_size - GPT_BACKUP_SECTORS * p->sector_size;
		uint64_t rec_start;

		if (usable_end < first + ESP_SIZE + MSR_SIZE + RECOVERY_SIZE + MIB)
			return wr_detail_setf(d, WR_ERR_DISK_TOO_SMALL, 0, ext.path,
					      "%llu bytes: no room for the layout",
					      (unsigned long long)p->disk_size);
		rec_start = (usable_end - RECOVERY_SIZE) / MIB * MIB;
		win_start = first + ESP_SIZE + MSR_SIZE;
		win_end = rec_start;
		add_part(p, "esp", first, ESP_SIZE, "fat32", "", "EFI system partition", GUID_ESP,
			 0, false);
		add_part(p, "msr", first + ESP_SIZE, MSR_SIZE, NULL, "",
			 "Microsoft reserved partition", GUID_MSR, 0, false);
		add_part(p, "windows", win_start, win_end - win_start, "ntfs", "",
			 "Basic data partition", GUID_BASIC_DATA, 0, false);
		add_part(p, "recovery", rec_start, RECOVERY_SIZE, "ntfs", "Windows RE tools",
			 "Basic data partition", GUID_RECOVERY, RECOVERY_ATTRS, false);
		p->system_part = 1;
		p->msr_part = 2;
		p->windows_part = 3;
		p->recovery_part = 4;
	} else {
		/* An MBR entry counts sectors in 32 bits: nothing past 2^32 sectors. */
		uint64_t limit = ((uint64_t)1 << 32) * p->sector_size;

		end = p->disk_size < limit ? p->disk_size : limit;
		win_start = first + SYSTEM_RESERVED_SIZE;
		win_end = end / MIB * MIB;
		if (win_end < win_start + MIB)
			return wr_detail_setf(d, WR_ERR_DISK_TOO_SMALL, 0, ext.path,
					      "%llu bytes: no room for the layout",
					      (unsigned long long)p->disk_size);
		if (end < p->disk_size)
			wr_log(WR_LOG_WARN, "layout: '%s' is larger than an MBR can address; "
			       "%llu bytes stay unused", ext.path,
			       (unsigned long long)(p->disk_size - win_end));
		add_part(p, "system-reserved", first, SYSTEM_RESERVED_SIZE, "ntfs",
			 "System Reserved", "", "0x07", 0, true);
		add_part(p, "windows", win_start, win_end - win_start, "ntfs", "", "", "0x07", 0,
			 false);
		p->system_part = 1;
		p->windows_part = 2;
	}
	if (win_end - win_start < windows_min_bytes) {
		unsigned long long have = win_end - win_start;

		memset(p, 0, sizeof(*p));
		return wr_detail_setf(d, WR_ERR_DISK_TOO_SMALL, 0, ext.path,
				      "the Windows partition would have %llu bytes, %llu needed",
				      have, (unsigned long long)windows_min_bytes);
	}
	wr_log(WR_LOG_INFO, "layout: planned %s on '%s' (%llu bytes): Windows %llu bytes",
	       kind == WR_LAYOUT_GPT ? "GPT" : "MBR", ext.path,
	       (unsigned long long)p->disk_size, (unsigned long long)(win_end - win_start));
	return WR_OK;
}

/* ------------------------------------------------------------------------- */

/* Zero ranges of the disk: the old tables, the MSR. */
static int zero_ranges(const struct wr_extent *ext, const uint64_t (*r)[2], size_t n,
		       struct wr_detail *d)
{
	int fd, ret = WR_OK;

	fd = open(ext->path, O_RDWR | O_CLOEXEC | (ext->is_block_device ? O_EXCL : 0));
	if (fd < 0) {
		if (errno == EBUSY)
			return wr_detail_setf(d, WR_ERR_MOUNTED, errno, ext->path,
					      "device busy (mounted or in use)");
		return wr_detail_set(d, WR_ERR_OPEN, errno, ext->path);
	}
	for (size_t i = 0; !ret && i < n; i++)
		ret = wr_write_zeros(fd, r[i][0], r[i][1], ext->path, d);
	if (!ret && fdatasync(fd))
		ret = wr_detail_setf(d, WR_ERR_WRITE, errno, ext->path, "fdatasync");
	close(fd);
	return ret;
}

static int write_table(const struct wr_layout_plan *p, const struct wr_extent *ext,
		       struct wr_detail *d)
{
	PedExceptionHandler *old = ped_exception_get_handler();
	PedDevice *dev = NULL;
	PedDisk *pd = NULL;
	PedConstraint *c = NULL;
	int ret = WR_OK;

	ped_exception_set_handler(ped_handler);
	dev = ped_device_get(ext->path);
	if (!dev) {
		ret = wr_detail_setf(d, WR_ERR_OPEN, 0, ext->path, "libparted cannot open it");
		goto out;
	}
	pd = ped_disk_new_fresh(dev, ped_disk_type_get(p->kind == WR_LAYOUT_GPT ? "gpt"
										 : "msdos"));
	if (!pd) {
		ret = wr_detail_setf(d, WR_ERR_WRITE, 0, ext->path, "cannot make a new table");
		goto out;
	}
	for (size_t i = 0; i < p->nparts; i++) {
		const struct wr_layout_part *q = &p->parts[i];
		PedSector s = (PedSector)(q->start / p->sector_size);
		PedSector e = s + (PedSector)(q->size / p->sector_size) - 1;
		const char *fsname = q->fs ? (strcmp(q->fs, "fat32") ? "ntfs" : "fat32") : NULL;
		PedFileSystemType *fst = fsname ? ped_file_system_type_get(fsname) : NULL;
		PedPartition *part = ped_partition_new(pd, PED_PARTITION_NORMAL, fst, s, e);
		bool ok = part != NULL;

		if (ok) {
			c = ped_constraint_exact(&part->geom);
			ok = c && ped_disk_add_partition(pd, part, c);
			ped_constraint_destroy(c);
			c = NULL;
			if (!ok)
				ped_partition_destroy(part);
		}
		if (ok && part->num != (int)q->number)
			ok = false;
		if (ok && p->kind == WR_LAYOUT_GPT) {
			PedPartitionFlag f = !strcmp(q->role, "esp") ? PED_PARTITION_ESP
					     : !strcmp(q->role, "msr") ? PED_PARTITION_MSFT_RESERVED
					     : !strcmp(q->role, "recovery") ? PED_PARTITION_DIAG
					     : PED_PARTITION_MSFT_DATA;

			ok = ped_partition_set_flag(part, f, 1) &&
			     ped_partition_set_name(part, q->name);
			if (ok && (q->gpt_attrs & 1))
				ok = ped_partition_set_flag(part, PED_PARTITION_HIDDEN, 1);
		} else if (ok && q->active) {
			ok = ped_partition_set_flag(part, PED_PARTITION_BOOT, 1);
		}
		if (!ok) {
			ret = wr_detail_setf(d, WR_ERR_WRITE, 0, ext->path,
					     "libparted cannot add partition %u", q->number);
			goto out;
		}
	}
	if (!ped_disk_commit_to_dev(pd)) {
		ret = wr_detail_setf(d, WR_ERR_WRITE, 0, ext->path,
				     "libparted cannot write the table");
		goto out;
	}
	/* A disk device: the kernel learns the new partitions (/dev/sdX1...). */
	if (ext->is_block_device && !ped_disk_commit_to_os(pd))
		wr_log(WR_LOG_WARN, "layout: the kernel did not take the new table of '%s'",
		       ext->path);
out:
	if (pd)
		ped_disk_destroy(pd);
	if (dev)
		ped_device_destroy(dev);
	ped_exception_set_handler(old);
	return ret;
}

/* GPT attribute bits libparted cannot set (bit 63: no drive letter). */
static int set_gpt_attrs(const struct wr_extent *ext, const struct wr_layout_part *q,
			 struct wr_detail *d)
{
	char num[16], attrs[256] = "";
	const char *argv[] = { "sfdisk", "--no-reread", "--no-tell-kernel", "--part-attrs",
			       ext->path, num, attrs, NULL };
	struct wr_spawn_result r;
	int ret;

	if (!q->gpt_attrs)
		return WR_OK;
	snprintf(num, sizeof(num), "%u", q->number);
	for (unsigned b = 0; b < 64; b++) {
		size_t n = strlen(attrs);

		if (!(q->gpt_attrs & (1ULL << b)))
			continue;
		if (b == 0)
			snprintf(attrs + n, sizeof(attrs) - n, "%sRequiredPartition", n ? "," : "");
		else if (b == 1)
			snprintf(attrs + n, sizeof(attrs) - n, "%sNoBlockIOProtocol", n ? "," : "");
		else if (b == 2)
			snprintf(attrs + n, sizeof(attrs) - n, "%sLegacyBIOSBootable", n ? "," : "");
		else
			snprintf(attrs + n, sizeof(attrs) - n, "%sGUID:%u", n ? "," : "", b);
	}
	ret = wr_spawn(argv, NULL, &r, d);
	if (ret)
		return ret;
	if (r.status)
		ret = wr_detail_setf(d, WR_ERR_HELPER_FAILED, 0, ext->path,
				     "sfdisk --part-attrs %s %s exited with status %d", num, attrs,
				     r.status);
	wr_spawn_result_release(&r);
	return ret;
}

static const char *format_step_name(const char *role)
{
	if (!strcmp(role, "esp"))
		return N_("Formatting the EFI system partition");
	if (!strcmp(role, "system-reserved"))
		return N_("Formatting the System Reserved partition");
	if (!strcmp(role, "recovery"))
		return N_("Formatting the recovery partition");
	return N_("Formatting the Windows partition");
}

static int step(wr_progress_fn fn, void *ctx, enum wr_prog_msg msg, unsigned index,
		unsigned count, int id, const char *name)
{
	union wr_prog_info info;

	memset(&info, 0, sizeof(info));
	info.step.index = index;
	info.step.count = count;
	info.step.id = id;
	info.step.name = name;
	return wr_prog_report(fn, ctx, msg, &info);
}

int wr_layout_apply(const struct wr_layout_plan *p, wr_progress_fn fn, void *ctx,
		    struct wr_detail *d)
{
	struct wr_layout_plan now;
	struct wr_extent ext;
	uint64_t zero[2][2];
	unsigned count = 1, index = 1;
	int ret;

	if (!p || !p->nparts || p->nparts > WR_LAYOUT_MAX_PARTS)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, p ? p->disk_path : NULL);
	ret = check_disk(p->disk_path, &ext, d);
	if (ret)
		return ret;
	/* The plan must still fit this disk (same size, same sectors). */
	ret = wr_layout_plan(p->disk_path, p->kind, 0, &now, d);
	if (ret)
		return ret;
	if (now.disk_size != p->disk_size || now.sector_size != p->sector_size)
		return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, p->disk_path,
				      "the disk has %llu bytes, the plan was made for %llu",
				      (unsigned long long)now.disk_size,
				      (unsigned long long)p->disk_size);
	for (size_t i = 0; i < p->nparts; i++) {
		const struct wr_layout_part *q = &p->parts[i];

		if (q->start % MIB || q->size % MIB || q->start + q->size > p->disk_size ||
		    q->number != i + 1 || !q->role)
			return wr_detail_setf(d, WR_ERR_INVALID_ARG, 0, p->disk_path,
					      "partition %zu of the plan is invalid", i + 1);
		if (q->fs)
			count++;
	}
	ret = step(fn, ctx, WR_PROG_STEP_BEGIN, index, count, 0,
		   N_("Writing the partition table"));
	if (ret)
		return ret;
	/* Old tables go first: the MBR/GPT at the start, a backup GPT at the end. */
	zero[0][0] = 0;
	zero[0][1] = MIB;
	zero[1][0] = p->disk_size > 2 * MIB ? (p->disk_size - MIB) / p->sector_size *
					      p->sector_size : MIB;
	zero[1][1] = p->disk_size - zero[1][0];
	ret = zero_ranges(&ext, (const uint64_t (*)[2])zero, 2, d);
	if (ret)
		return ret;
	ret = write_table(p, &ext, d);
	if (ret)
		return ret;
	wr_log(WR_LOG_INFO, "layout: wrote a new %s table on '%s'",
	       p->kind == WR_LAYOUT_GPT ? "GPT" : "MBR", p->disk_path);
	for (size_t i = 0; i < p->nparts; i++) {
		const struct wr_layout_part *q = &p->parts[i];

		if (p->kind == WR_LAYOUT_GPT) {
			ret = set_gpt_attrs(&ext, q, d);
			if (ret)
				return ret;
		}
		/* The MSR holds no file system: nothing old may be found in it. */
		if (!q->fs) {
			uint64_t r[1][2] = { { q->start, q->size } };

			ret = zero_ranges(&ext, (const uint64_t (*)[2])r, 1, d);
			if (ret)
				return ret;
		}
	}
	ret = step(fn, ctx, WR_PROG_STEP_END, index, count, 0, N_("Writing the partition table"));
	if (ret)
		return ret;
	for (size_t i = 0; i < p->nparts; i++) {
		const struct wr_layout_part *q = &p->parts[i];
		const char *name = format_step_name(q->role);

		if (!q->fs)
			continue;
		index++;
		ret = step(fn, ctx, WR_PROG_STEP_BEGIN, index, count, (int)q->number, name);
		if (ret)
			return ret;
		if (!strcmp(q->fs, "fat32"))
			ret = wr_format_fat32(p->disk_path, q->number, q->label, d);
		else
			ret = wr_format_ntfs(p->disk_path, q->number, q->label, d);
		if (ret)
			return ret;
		ret = step(fn, ctx, WR_PROG_STEP_END, index, count, (int)q->number, name);
		if (ret)
			return ret;
	}
	wr_log(WR_LOG_INFO, "layout: '%s' laid out and formatted", p->disk_path);
	return WR_OK;
}

/* ------------------------------------------------------------------------- */

int wr_disk_set_active(const char *disk_path, unsigned partition, struct wr_detail *d)
{
	PedExceptionHandler *old;
	struct wr_extent ext;
	PedDevice *dev = NULL;
	PedDisk *pd = NULL;
	PedDiskType *type;
	PedPartition *part;
	bool found = false;
	int ret;

	ret = check_disk(disk_path, &ext, d);
	if (ret)
		return ret;
	old = ped_exception_get_handler();
	ped_exception_set_handler(ped_handler);
	dev = ped_device_get(ext.path);
	if (!dev) {
		ret = wr_detail_setf(d, WR_ERR_OPEN, 0, ext.path, "libparted cannot open it");
		goto out;
	}
	type = ped_disk_probe(dev);
	if (!type) {
		ret = wr_detail_setf(d, WR_ERR_NO_PARTITION_TABLE, 0, ext.path,
				     "no partition table");
		goto out;
	}
	if (strcmp(type->name, "msdos")) {
		ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, ext.path,
				     "a %s disk has no active flag", type->name);
		goto out;
	}
	pd = ped_disk_new(dev);
	if (!pd) {
		ret = wr_detail_setf(d, WR_ERR_READ, 0, ext.path,
				     "libparted cannot read the table");
		goto out;
	}
	for (part = ped_disk_next_partition(pd, NULL); part;
	     part = ped_disk_next_partition(pd, part))
		if (part->num == (int)partition && part->type == PED_PARTITION_NORMAL)
			found = true;
	if (!found || partition < 1 || partition > 4) {
		ret = wr_detail_setf(d, WR_ERR_NO_SUCH_PARTITION, 0, ext.path,
				     "no primary partition %u", partition);
		goto out;
	}
	for (part = ped_disk_next_partition(pd, NULL); part;
	     part = ped_disk_next_partition(pd, part)) {
		if (part->num < 1 || part->type != PED_PARTITION_NORMAL)
			continue;
		if (!ped_partition_set_flag(part, PED_PARTITION_BOOT,
					    part->num == (int)partition)) {
			ret = wr_detail_setf(d, WR_ERR_WRITE, 0, ext.path,
					     "cannot change the flag of partition %d", part->num);
			goto out;
		}
	}
	if (!ped_disk_commit_to_dev(pd)) {
		ret = wr_detail_setf(d, WR_ERR_WRITE, 0, ext.path,
				     "libparted cannot write the table");
		goto out;
	}
	wr_log(WR_LOG_INFO, "layout: partition %u of '%s' is now the active one", partition,
	       ext.path);
out:
	if (pd)
		ped_disk_destroy(pd);
	if (dev)
		ped_device_destroy(dev);
	ped_exception_set_handler(old);
	return ret;
}
