/*
 * reset.c - "Reset your PC" (remove everything): format the Windows partition (or
 * lay out the whole disk the way Windows Setup does), apply the image, write the
 * boot files and the BCD store.
 *
 *   0 plan        nothing written: target, what will be erased, source, sizes
 *   1 wipe        optional: every byte of the partition (or disk) made zero
 *   2 layout      only with a whole disk: Windows Setup's GPT or MBR layout
 *   3 format      the Windows partition (label kept), then the other data
 *                 partitions the person chose, each confirmed on its own
 *   4 apply       the image, wimlib NTFS mode
 *   5 boot        boot manager files and BCD (bootfiles.c), the MBR active flag
 *   6 finish      journal archived on the new volume, log copied there
 *
 * Never touched: a recovery partition, the ESP and MSR (outside a whole-disk
 * layout), a manufacturer partition (GPT attribute bit 0, or an MBR type that is
 * not a Windows data type), any partition of another system, any other disk.
 *
 * Journal.  Until the Windows partition is formatted there is nowhere on it to
 * keep one, so the steps up to the format are journaled on the live system
 * (WINRESCUE_STATE_DIR, default /var/lib/winrescue/reset/, one file per target,
 * each record appended whole and fsync'd).  Right after the format the plan is
 * written into the new volume's \$WinRescue\reset-journal (vjournal.c) and the
 * live-system journal is removed; from there on the volume carries it.  Resume
 * finds either: everything on the partition is being erased anyway, so a step cut
 * short is simply done again (a half-done apply: the partition is formatted again).
 * A live system that does not keep its files across a restart loses the first
 * journal; the reset is then started again, which is just as safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "winrescue.h"
#include "intl.h"

#define VOL_STATE_DIR "/$WinRescue"
#define VOL_JOURNAL_DIR "/$WinRescue/reset-journal"
#define DEFAULT_STATE_DIR "/var/lib/winrescue"

static const char *const step_names[WR_RESET_STEPS + 1] = {
	NULL,
	N_("Preparing"),
	N_("Erasing the drive"),
	N_("Creating the partitions"),
	N_("Formatting"),
	N_("Installing Windows"),
	N_("Creating the boot files"),
	N_("Finishing"),
};

/* ---------------------------------------------------------------------------- */
/* Which partitions may be erased. */

static const char GPT_BASIC_DATA[] = "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7";

/* NULL when a partition may be formatted, else why it never is (an English msgid). */
const char *wr_reset_why_protected(const struct wr_disk *disk, const struct wr_partition *pt)
{
	switch (pt->role) {
	case WR_ROLE_RECOVERY:
		return N_("a recovery partition");
	case WR_ROLE_ESP:
		return N_("the EFI system partition");
	case WR_ROLE_MSR:
		return N_("the Microsoft reserved partition");
	case WR_ROLE_SYSTEM_RESERVED:
		return N_("the System Reserved partition that starts Windows");
	default:
		break;
	}
	if (disk->table == WR_TABLE_GPT) {
		if (pt->gpt_attrs & 1)	/* "required by the platform": the OEM's */
			return N_("a manufacturer partition");
		if (strcasecmp(pt->type, GPT_BASIC_DATA))
			return N_("a partition of another system");
	} else if (disk->table == WR_TABLE_MBR) {
		static const uint8_t data_types[] = { 0x07, 0x0c, 0x0b, 0x0e, 0x06, 0x42 };
		bool ok = false;

		for (size_t i = 0; i < sizeof(data_types); i++)
			ok |= pt->mbr_type == data_types[i];
		if (!ok)
			return N_("a manufacturer partition");
	}
	if (!strcmp(pt->fstype, "BitLocker"))
		return NULL;	/* erasing it is what a reset does; nothing to read first */
	return NULL;
}

/* ---------------------------------------------------------------------------- */
/* Plan. */

void wr_reset_plan_release(struct wr_reset_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nothers; i++)
		wr_strv_free(p->others[i].top);
	free(p->others);
	wr_strv_free(p->top);
	wr_disk_free(p->disk);
	wr_windows_free(p->windows);
	wr_stage_close(p->source.stage);
	memset(p, 0, sizeof(*p));
}

/* The first few names at the root of an NTFS partition: what the person sees
 * before agreeing to erase it. */
static char **top_names(const struct wr_extent *ext)
{
	struct wr_ntfs *vol = NULL;
	char **names = NULL, **out = NULL;
	size_t n = 0;

	if (wr_ntfs_open(ext, WR_NTFS_RDONLY, &vol, NULL))
		return NULL;
	if (wr_ntfs_list(vol, "/", &names, NULL) == WR_OK) {
		out = calloc(WR_RESET_TOP_NAMES + 1, sizeof(*out));
		for (size_t i = 0; out && names[i] && n < WR_RESET_TOP_NAMES; i++) {
			static const char *const skip[] = {
				"System Volume Information", "pagefile.sys", "hiberfil.sys",
				"swapfile.sys", "bootmgr", "BOOTNXT", "Documents and Settings",
				"Recovery", "PerfLogs", NULL
			};
			bool hidden = names[i][0] == '$';

			for (size_t k = 0; skip[k] && !hidden; k++)
				hidden = !strcasecmp(names[i], skip[k]);
			if (hidden)
				continue;	/* what Explorer does not show either */
			out[n] = strdup(names[i]);
			if (out[n])
				n++;
		}
	}
	wr_ntfs_list_free(names);
	wr_ntfs_close(vol);
	return out;
}

static int list_others(struct wr_reset_plan *p, const struct wr_reset_opts *o,
		       struct wr_detail *d)
{
	struct wr_disk *disk = p->disk;

	p->others = calloc(disk->nparts ? disk->nparts : 1, sizeof(*p->others));
	if (!p->others)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
	for (size_t i = 0; i < disk->nparts; i++) {
		const struct wr_partition *pt = &disk->parts[i];
		struct wr_reset_other *x;

		if (!p->layout && pt->number == p->partition)
			continue;
		x = &p->others[p->nothers++];
		x->part = *pt;
		x->why_not = p->layout ? NULL : wr_reset_why_protected(disk, pt);
		if (!x->why_not || p->layout) {
			struct wr_extent ext;

			if (wr_blockdev_resolve(disk->path, pt->number, &ext, NULL) == WR_OK &&
			    !strcmp(pt->fstype, "ntfs"))
				x->top = top_names(&ext);
		}
	}
	/* The partitions the person chose: each must be one that is offered. */
	for (size_t k = 0; k < o->nalso_format; k++) {
		bool found = false;

		for (size_t i = 0; i < p->nothers; i++) {
			struct wr_reset_other *x = &p->others[i];

			if (x->part.number != o->also_format[k])
				continue;
			found = true;
			if (x->why_not) {
				char subj[64];

				snprintf(subj, sizeof(subj), "%u", x->part.number);
				return wr_detail_setf(d, WR_ERR_PROTECTED_PARTITION, 0, subj,
						      "partition %u is %s", x->part.number,
						      x->why_not);
			}
			x->selected = true;
		}
		if (!found) {
			char subj[64];

			snprintf(subj, sizeof(subj), "%u", o->also_format[k]);
			return wr_detail_set(d, o->also_format[k] == p->partition
						     ? WR_ERR_INVALID_ARG
						     : WR_ERR_NO_SUCH_PARTITION, 0, subj);
		}
	}
	return WR_OK;
}

/* Which partition of which disk holds the host file path (a mounted file system),
 * from the kernel's view: partition 0 when it is the whole device.  false when
 * path is not on a block device we can name. */
static bool host_file_location(const char *path, char *disk, size_t dlen, unsigned *part,
			       uint64_t *loop_offset, char *backing, size_t blen)
{
	struct stat st;
	char sys[PATH_MAX], link[PATH_MAX], buf[64];
	ssize_t n;

	*part = 0;
	*loop_offset = 0;
	backing[0] = '\0';
	if (stat(path, &st))
		return false;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
	n = readlink(sys, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	{
		char pf[PATH_MAX + 16];

		snprintf(pf, sizeof(pf), "%s/partition", sys);
		if (wr_read_line(pf, buf, sizeof(buf)) == 0) {
			char *slash;

			*part = (unsigned)strtoul(buf, NULL, 10);
			slash = strrchr(link, '/');
			if (slash)
				*slash = '\0';	/* the parent: the disk */
		}
	}
	{
		const char *name = strrchr(link, '/');

		if ((size_t)snprintf(disk, dlen, "/dev/%s", name ? name + 1 : link) >= dlen)
			return false;
	}
	/* A loop device: what file it shows, and from where. */
	{
		char lf[PATH_MAX + 32];
		const char *name = strrchr(disk, '/') + 1;

		snprintf(lf, sizeof(lf), "/sys/block/%s/loop/backing_file", name);
		if (wr_read_line(lf, backing, blen) == 0) {
			snprintf(lf, sizeof(lf), "/sys/block/%s/loop/offset", name);
			if (wr_read_line(lf, buf, sizeof(buf)) == 0)
				*loop_offset = strtoull(buf, NULL, 10);
		}
	}
	return true;
}

/* Whether byte range [off, off+len) of disk file/device `target` is erased. */
static bool range_erased(const struct wr_reset_plan *p, uint64_t off, uint64_t len)
{
	if (p->layout || !p->disk)
		return true;	/* the whole disk (or the whole volume) goes */
	for (size_t i = 0; i < p->disk->nparts; i++) {
		const struct wr_partition *pt = &p->disk->parts[i];
		bool erased = pt->number == p->partition;

		for (size_t k = 0; k < p->nothers && !erased; k++)
			erased = p->others[k].selected && p->others[k].part.number == pt->number;
		if (erased && off < pt->start + pt->size && pt->start < off + len)
			return true;
	}
	return false;
}

/* The image must survive the reset: not on the partition being formatted, not on
 * another partition being formatted, not anywhere on a disk being laid out. */
static int check_source_location(const struct wr_reset_plan *p, struct wr_detail *d)
{
	const struct wr_source_choice *c = &p->source;
	struct stat src, tgt;
	char disk[PATH_MAX], backing[PATH_MAX];
	unsigned part = 0;
	uint64_t loop_off = 0;

	if (c->partition) {	/* a factory image inside a partition of this disk */
		if (!strcmp(c->disk, p->disk_path) &&
		    (p->layout || c->partition == p->partition))
			return wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, c->inner);
		for (size_t k = 0; k < p->nothers; k++)
			if (p->others[k].selected && p->others[k].part.number == c->partition &&
			    !strcmp(c->disk, p->disk_path))
				return wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, c->inner);
		return WR_OK;
	}
	if (stat(c->path, &src))
		return wr_detail_set(d, WR_ERR_OPEN, errno, c->path);
	if (stat(p->disk_path, &tgt))
		return wr_detail_set(d, WR_ERR_OPEN, errno, p->disk_path);
	if (S_ISREG(tgt.st_mode) && src.st_dev == tgt.st_dev && src.st_ino == tgt.st_ino)
		return wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, c->path);
	if (!host_file_location(c->path, disk, sizeof(disk), &part, &loop_off, backing,
				sizeof(backing)))
		return WR_OK;
	if (S_ISBLK(tgt.st_mode)) {
		/* The image on a mounted file system of the target disk. */
		struct stat ds;

		if (stat(disk, &ds) == 0 && ds.st_rdev == tgt.st_rdev) {
			if (!p->disk || !part)
				return wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, c->path);
			for (size_t i = 0; i < p->disk->nparts; i++)
				if (p->disk->parts[i].number == part &&
				    range_erased(p, p->disk->parts[i].start, p->disk->parts[i].size))
					return wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, c->path);
		}
	} else if (backing[0]) {
		/* The image on a loop-mounted partition of the target image file. */
		struct stat bs;

		if (stat(backing, &bs) == 0 && bs.st_dev == tgt.st_dev && bs.st_ino == tgt.st_ino &&
		    range_erased(p, loop_off, 1))
			return wr_detail_set(d, WR_ERR_SOURCE_ON_TARGET, 0, c->path);
	}
	return WR_OK;
}

static int plan_installation(struct wr_reset_plan *p, struct wr_detail *d)
{
	struct wr_fs_info fs;
	struct wr_ntfs *vol = NULL;

	memset(&fs, 0, sizeof(fs));
	if (wr_disk_probe_fs(&p->ext, &fs, NULL) == WR_OK) {
		snprintf(p->fstype, sizeof(p->fstype), "%s", fs.fstype);
		snprintf(p->label, sizeof(p->label), "%s", fs.label);
	}
	if (strcmp(p->fstype, "ntfs"))
		return WR_OK;	/* BitLocker, blank, another file system: nothing to read */
	if (wr_ntfs_open(&p->ext, WR_NTFS_RDONLY, &vol, NULL))
		return WR_OK;	/* hibernated, damaged: the reset erases it anyway */
	{
		struct wr_ntfs_stat st;

		if (wr_ntfs_stat(vol, VOL_JOURNAL_DIR, &st, NULL) == WR_OK) {
			wr_ntfs_close(vol);
			return wr_detail_set(d, WR_ERR_INTERRUPTED, 0, p->ext.path);
		}
		/* An interrupted refresh or repair on it is not: the reset erases it all,
		 * which is what the person now asks for. */
	}
	if (wr_winsys_read(vol, &p->windows, NULL) == WR_OK && p->windows)
		snprintf(p->computer_name, sizeof(p->computer_name), "%s",
			 p->windows->computer_name);
	wr_ntfs_close(vol);
	return WR_OK;
}

/* The partition the boot files go to must be there and free: a GPT disk needs its
 * ESP, and the ESP or the active partition must not be mounted - found now, not
 * after the Windows partition was erased. */
static int check_boot_partition(const struct wr_reset_plan *p, struct wr_detail *d)
{
	const struct wr_partition *sys = NULL;
	struct wr_extent ext;
	int ret;

	for (size_t i = 0; i < p->disk->nparts && !sys; i++) {
		const struct wr_partition *pt = &p->disk->parts[i];

		if (p->disk->table == WR_TABLE_GPT ? pt->role == WR_ROLE_ESP
						   : pt->active && pt->number != p->partition)
			sys = pt;
	}
	if (!sys) {
		if (p->disk->table == WR_TABLE_GPT)
			return wr_detail_set(d, WR_ERR_NO_ESP, 0, p->disk_path);
		return WR_OK;	/* MBR: bootmgr goes on the Windows partition itself */
	}
	ret = wr_blockdev_resolve(p->disk_path, sys->number, &ext, d);
	if (!ret)
		ret = wr_blockdev_check_unmounted(&ext, d);
	return ret;
}

/* Windows RE on a partition the reset leaves alone stays registered, as Windows'
 * own reset leaves it: the new installation's ReAgent.xml will point at it. */
static void keep_winre(struct wr_reset_plan *p)
{
	const struct wr_windows *w = p->windows;
	const struct wr_reagent_location *loc;

	if (!w || !w->has_reagent || !p->disk)
		return;
	loc = &w->reagent.winre;
	if (!loc->present || !loc->path[0] || !w->reagent.winre_bcd_id[0])
		return;
	for (size_t i = 0; i < p->disk->nparts; i++) {
		const struct wr_partition *pt = &p->disk->parts[i];
		struct wr_extent ext;
		struct wr_ntfs *vol = NULL;
		struct wr_ntfs_stat st;
		char path[1100];

		if (pt->start != loc->offset || range_erased(p, pt->start, pt->size) ||
		    wr_blockdev_resolve(p->disk_path, pt->number, &ext, NULL) ||
		    wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, NULL))
			continue;
		snprintf(path, sizeof(path), "%s\\Winre.wim", loc->path);
		if (wr_ntfs_stat(vol, path, &st, NULL) == WR_OK && !st.is_dir) {
			p->winre = *loc;
			snprintf(p->winre_bcd_id, sizeof(p->winre_bcd_id), "%s",
				 w->reagent.winre_bcd_id);
		}
		wr_ntfs_close(vol);
	}
}

int wr_reset_plan(const struct wr_reset_opts *o, struct wr_reset_plan *p,
		  struct wr_detail *d)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if (!o->target)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, EINVAL, NULL);
	p->layout = o->layout;
	p->layout_kind = o->layout_kind;
	p->wipe = o->wipe;
	ret = wr_blockdev_check_not_live(o->target, d);
	if (ret)
		return ret;
	{
		char real[PATH_MAX];

		if (!realpath(o->target, real))
			return wr_detail_set(d, WR_ERR_OPEN, errno, o->target);
		snprintf(p->disk_path, sizeof(p->disk_path), "%s", real);
	}
	/* An interrupted reset of this target is finished, never planned over. */
	if (wr_reset_pending(p->disk_path, o->partition))
		return wr_detail_set(d, WR_ERR_INTERRUPTED, 0, o->target);
	if (p->layout) {
		struct wr_extent whole;

		if (o->partition)
			return wr_detail_setf(d, WR_ERR_INVALID_ARG, EINVAL, o->target,
					      "a whole-disk layout takes no partition");
		ret = wr_blockdev_resolve(p->disk_path, 0, &whole, d);
		if (!ret)
			ret = wr_blockdev_check_unmounted(&whole, d);
		if (ret)
			return ret;
		wr_disk_read(p->disk_path, &p->disk, NULL);	/* what is there now */
		if (p->disk && p->disk->table != WR_TABLE_NONE) {
			ret = list_others(p, o, d);
			if (ret)
				return ret;
			/* A Windows on it: its name is what the person types, and it picks
			 * the image when none is given. */
			for (size_t i = 0; i < p->disk->nparts && !p->windows; i++) {
				if (p->disk->parts[i].role != WR_ROLE_WINDOWS ||
				    wr_blockdev_resolve(p->disk_path, p->disk->parts[i].number,
							&p->ext, NULL))
					continue;
				ret = plan_installation(p, d);
				if (ret)
					return ret;
			}
			memset(&p->ext, 0, sizeof(p->ext));
			p->fstype[0] = p->label[0] = '\0';
		}
		p->erase_bytes = whole.size;
	} else {
		ret = wr_blockdev_resolve(p->disk_path, o->partition, &p->ext, d);
		if (!ret)
			ret = wr_blockdev_check_unmounted(&p->ext, d);
		if (ret)
			return ret;
		p->partition = o->partition;
		if (o->partition) {
			const struct wr_partition *pt = NULL;

			ret = wr_disk_read(p->disk_path, &p->disk, d);
			if (ret)
				return ret;
			for (size_t i = 0; i < p->disk->nparts; i++)
				if (p->disk->parts[i].number == o->partition)
					pt = &p->disk->parts[i];
			if (!pt)
				return wr_detail_set(d, WR_ERR_NO_SUCH_PARTITION, 0, o->target);
			p->why_not = wr_reset_why_protected(p->disk, pt);
			if (p->why_not && pt->role != WR_ROLE_WINDOWS) {
				char subj[64];

				snprintf(subj, sizeof(subj), "%u", pt->number);
				return wr_detail_setf(d, WR_ERR_PROTECTED_PARTITION, 0, subj,
						      "partition %u is %s", pt->number, p->why_not);
			}
			p->why_not = NULL;
			ret = list_others(p, o, d);
			if (ret)
				return ret;
		} else if (o->nalso_format) {
			return wr_detail_setf(d, WR_ERR_INVALID_ARG, EINVAL, o->target,
					      "a bare volume has no other partitions");
		}
		ret = plan_installation(p, d);
		if (ret)
			return ret;
		{
			struct wr_extent ext = p->ext;

			p->top = strcmp(p->fstype, "ntfs") ? NULL : top_names(&ext);
		}
		p->erase_bytes = p->ext.size;
		for (size_t i = 0; i < p->nothers; i++)
			if (p->others[i].selected)
				p->erase_bytes += p->others[i].part.size;
	}

	/* The image: given, or the best one found for the installation there.  The
	 * journal keeps its real path: resume may run from another directory. */
	{
		char real[PATH_MAX];

		if (o->source && !realpath(o->source, real))
			return wr_detail_set(d, WR_ERR_OPEN, errno, o->source);
		ret = wr_sources_choose(p->windows, p->disk, o->source ? real : NULL, o->index,
					&p->source, d);
	}
	if (ret == WR_ERR_NO_SOURCE && !p->windows)
		ret = wr_detail_setf(d, WR_ERR_NO_SOURCE, 0, NULL,
				     "no installation to match: --source is needed");
	if (ret)
		return ret;
	ret = check_source_location(p, d);
	if (!ret)
		ret = wr_wim_check_image(p->source.path, p->source.index, d);
	if (ret)
		return ret;
	if (!p->layout && p->partition) {
		ret = check_boot_partition(p, d);
		if (ret)
			return ret;
	}
	keep_winre(p);
	p->needed_bytes = p->source.image.total_bytes + p->source.image.total_bytes / 5;
	if (p->layout) {
		ret = wr_layout_plan(p->disk_path, p->layout_kind, p->needed_bytes,
				     &p->layout_plan, d);
		if (ret)
			return ret;
	} else if (p->ext.size < p->needed_bytes) {
		return wr_detail_set(d, WR_ERR_DISK_TOO_SMALL, 0, o->target);
	}
	if (p->wipe)
		wr_wipe_estimate(p->disk_path, p->layout ? 0 : p->partition, &p->wipe_seconds,
				 NULL);
	return WR_OK;
}

/* ---------------------------------------------------------------------------- */
/* The journal on the live system (until the format). */

static void host_journal_path(const char *disk_path, unsigned partition, char *out,
			      size_t len)
{
	const char *dir = getenv("WINRESCUE_STATE_DIR");
	char key[PATH_MAX];
	size_t k = 0;

	for (const char *s = disk_path; *s && k + 1 < sizeof(key); s++)
		key[k++] = (*s == '/' || *s == ' ') ? '_' : *s;
	key[k] = '\0';
	if ((size_t)snprintf(out, len, "%s/reset/%s-%u.journal",
			     dir && *dir ? dir : DEFAULT_STATE_DIR, key, partition) >= len)
		out[0] = '\0';	/* callers then find no journal and cannot create one */
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(tmp, 0700) && errno != EEXIST ? -1 : 0;
}

struct hjournal {
	char path[PATH_MAX];
	struct wr_journal j;
};

static int hj_load(struct hjournal *h, struct wr_detail *d)
{
	FILE *f = fopen(h->path, "rb");
	char *buf = NULL;
	long len;
	int ret;

	memset(&h->j, 0, sizeof(h->j));
	if (!f)
		return errno == ENOENT ? WR_ERR_NOT_FOUND : wr_detail_set(d, WR_ERR_OPEN, errno, h->path);
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || len > 1024 * 1024 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)len + 1)) ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return wr_detail_set(d, WR_ERR_READ, errno, h->path);
	}
	fclose(f);
	ret = wr_journal_parse(buf, (size_t)len, &h->j, d);
	free(buf);
	return ret;
}

static int hj_append(struct hjournal *h, const char *kind, const char *f0, const char *f1,
		     struct wr_detail *d)
{
	const char *fields[3] = { f0, f0 ? f1 : NULL, NULL };
	char *line = NULL;
	size_t len;
	int fd, ret;

	ret = wr_journal_format((unsigned)h->j.n + 1, kind, fields, &line, &len, d);
	if (ret)
		return ret;
	fd = open(h->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len || fsync(fd)) {
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, h->path);
		if (fd >= 0)
			close(fd);
		free(line);
		return ret;
	}
	close(fd);
	free(line);
	ret = wr_journal_push(&h->j, kind, fields);
	if (ret)
		return ret;
	wr_log(WR_LOG_INFO, "reset journal (live system) %zu: %s %s %s", h->j.n, kind,
	       f0 ? f0 : "", f0 && f1 ? f1 : "");
	return WR_OK;
}

/* ---------------------------------------------------------------------------- */
/* Run. */

struct rctx {
	const struct wr_reset_opts *o;
	struct wr_reset_plan *p;
	struct hjournal h;
	struct wr_vjournal v;		/* on the new volume, once formatted */
	struct wr_ntfs *vol;
	struct wr_blockdev_lock *lock;
	wr_progress_fn fn;
	void *ctx;
	unsigned step, nsteps;
	unsigned fault_after, appended;	/* tests: WINRESCUE_FAULT_AFTER */
};

/* ---------------------------------------------------------------------------- */
/* BIOS start-up code.
 *
 * winrescue has no boot code of its own (Windows' MBR and NTFS boot code are
 * Microsoft's, written by its Setup and bootsect.exe, neither of which runs here), and
 * mkntfs writes code that only says "This is not a bootable disk".  So a reset keeps
 * what Windows put there: the disk's MBR code (bytes 0-439) and the Windows boot code
 * of the NTFS volume that starts the PC (the boot sector's code and the 15 sectors
 * after it, which load BOOTMGR), saved on the live system before anything is erased
 * and written back after the layout or the format, around the new BPB. */

#define PBR_BYTES 8192
#define MBR_CODE_BYTES 440

static int read_at(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, len, (off_t)off);

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static int write_at(const char *path, uint64_t off, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = fd < 0 || pwrite(fd, buf, len, (off_t)off) != (ssize_t)len || fsync(fd) ? -1 : 0;

	if (fd >= 0)
		close(fd);
	return ret;
}

static bool windows_pbr(const uint8_t *b)
{
	static const char bootmgr[] = "B\0O\0O\0T\0M\0G\0R\0";

	if (memcmp(b + 3, "NTFS    ", 8))
		return false;
	for (size_t i = 0; i + sizeof(bootmgr) - 1 <= PBR_BYTES; i++)
		if (!memcmp(b + i, bootmgr, sizeof(bootmgr) - 1))
			return true;
	return false;
}

static void code_file(const struct rctx *r, const char *ext, char *out, size_t len)
{
	snprintf(out, len, "%s.%s", r->h.path, ext);
}

static int save_file(const char *path, const void *buf, size_t len, struct wr_detail *d)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ret = fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) ? -1 : 0;

	if (fd >= 0)
		close(fd);
	return ret ? wr_detail_set(d, WR_ERR_WRITE, errno, path) : WR_OK;
}

/* Before anything is erased (first run only). */
static int save_boot_code(struct rctx *r, struct wr_detail *d)
{
	struct wr_reset_plan *p = r->p;
	const struct wr_partition *from = NULL;
	char path[PATH_MAX + 8];
	uint8_t mbr[512], pbr[PBR_BYTES];
	int ret = WR_OK;

	if (!p->disk || p->disk->table == WR_TABLE_GPT)
		return WR_OK;	/* UEFI: the ESP's files start Windows */
	if (p->layout && p->layout_kind == WR_LAYOUT_MBR && p->disk->table == WR_TABLE_MBR &&
	    read_at(p->disk_path, 0, mbr, sizeof(mbr)) == 0) {
		bool any = false;

		for (size_t i = 0; i < MBR_CODE_BYTES; i++)
			any |= mbr[i] != 0;
		code_file(r, "mbr", path, sizeof(path));
		if (any)
			ret = save_file(path, mbr, MBR_CODE_BYTES, d);
	}
	/* The volume whose code starts Windows: the partition being formatted, or (for a
	 * layout) the active one that will become System Reserved's. */
	for (size_t i = 0; i < p->disk->nparts; i++) {
		const struct wr_partition *pt = &p->disk->parts[i];

		if (p->layout ? pt->active : pt->number == p->partition)
			from = pt;
	}
	if (!ret && from && read_at(p->disk_path, from->start, pbr, sizeof(pbr)) == 0 &&
	    windows_pbr(pbr)) {
		code_file(r, "pbr", path, sizeof(path));
		ret = save_file(path, pbr, sizeof(pbr), d);
	}
	return ret;
}

/* The saved NTFS boot code around the new volume's BPB, in its boot sector, the 15
 * sectors after it, and its backup boot sector. */
static int restore_pbr(struct rctx *r, unsigned partition, struct wr_detail *d)
{
	struct wr_extent ext;
	char path[PATH_MAX + 8];
	uint8_t old[PBR_BYTES], cur[PBR_BYTES];
	uint64_t nsec, bps, backup;
	int ret;

	code_file(r, "pbr", path, sizeof(path));
	if (read_at(path, 0, old, sizeof(old)))
		return WR_OK;	/* nothing was kept */
	ret = wr_blockdev_resolve(r->p->disk_path, partition, &ext, d);
	if (ret)
		return ret;
	if (read_at(ext.path, ext.offset, cur, sizeof(cur)) || memcmp(cur + 3, "NTFS    ", 8))
		return wr_detail_set(d, WR_ERR_READ, errno, r->p->disk_path);
	memcpy(cur, old, 3);				/* the jump */
	memcpy(cur + 0x54, old + 0x54, 0x1fe - 0x54);	/* the code after the BPB */
	memcpy(cur + 512, old + 512, PBR_BYTES - 512);	/* and the sectors after it */
	bps = (uint64_t)cur[0x0b] | (uint64_t)cur[0x0c] << 8;
	nsec = 0;
	for (int i = 7; i >= 0; i--)
		nsec = nsec << 8 | cur[0x28 + i];
	if (write_at(ext.path, ext.offset, cur, sizeof(cur)))
		return wr_detail_set(d, WR_ERR_WRITE, errno, r->p->disk_path);
	backup = nsec * bps;
	if (bps >= 512 && backup + 512 <= ext.size &&
	    write_at(ext.path, ext.offset + backup, cur, 512))
		return wr_detail_set(d, WR_ERR_WRITE, errno, r->p->disk_path);
	wr_log(WR_LOG_INFO, "reset: Windows' NTFS boot code kept on partition %u", partition);
	return WR_OK;
}

static int restore_mbr(struct rctx *r, struct wr_detail *d)
{
	char path[PATH_MAX + 8];
	uint8_t code[MBR_CODE_BYTES];

	code_file(r, "mbr", path, sizeof(path));
	if (read_at(path, 0, code, sizeof(code)))
		return WR_OK;
	if (write_at(r->p->disk_path, 0, code, sizeof(code)))
		return wr_detail_set(d, WR_ERR_WRITE, errno, r->p->disk_path);
	wr_log(WR_LOG_INFO, "reset: the disk's MBR boot code kept");
	return WR_OK;
}

static void remove_boot_code(struct rctx *r)
{
	char path[PATH_MAX + 8];

	code_file(r, "mbr", path, sizeof(path));
	unlink(path);
	code_file(r, "pbr", path, sizeof(path));
	unlink(path);
}

static int step_begin(struct rctx *r, int id)
{
	union wr_prog_info info;

	info.step.index = ++r->step;
	info.step.count = r->nsteps;
	info.step.id = id;
	info.step.name = step_names[id];
	return wr_prog_report(r->fn, r->ctx, WR_PROG_STEP_BEGIN, &info);
}

static int step_end(struct rctx *r, int id)
{
	union wr_prog_info info;

	info.step.index = r->step;
	info.step.count = r->nsteps;
	info.step.id = id;
	info.step.name = step_names[id];
	return wr_prog_report(r->fn, r->ctx, WR_PROG_STEP_END, &info);
}

/* Sub-steps of the helpers (the layout's own steps) stay inside ours. */
static enum wr_prog_status amounts_only(enum wr_prog_msg msg, const union wr_prog_info *info,
					void *ctx)
{
	struct rctx *r = ctx;

	if (msg == WR_PROG_STEP_BEGIN || msg == WR_PROG_STEP_END || !r->fn)
		return WR_PROG_CONTINUE;
	return r->fn(msg, info, r->ctx);
}

static const struct wr_journal *cur_journal(const struct rctx *r)
{
	return r->vol ? &r->v.j : &r->h.j;
}

static bool ended(const struct rctx *r, const char *step, const char *arg)
{
	return wr_journal_find(cur_journal(r), "end", step, arg) != NULL;
}

static bool begun(const struct rctx *r, const char *step, const char *arg)
{
	return wr_journal_find(cur_journal(r), "begin", step, arg) != NULL;
}

static int append(struct rctx *r, const char *kind, const char *f0, const char *f1,
		  struct wr_detail *d)
{
	int ret = r->vol ? wr_vjournal_append(&r->v, kind, f0, f1, d)
			 : hj_append(&r->h, kind, f0, f1, d);

	/* Test switch (WINRESCUE_FAULT_AFTER=N): die after the N-th record of either
	 * journal, as a power cut would. */
	if (!ret && r->fault_after && ++r->appended >= r->fault_after) {
		wr_log(WR_LOG_WARN, "fault injection: killed after reset journal record %u",
		       r->appended);
		raise(SIGKILL);
	}
	return ret;
}

/* The plan as records: enough to finish the reset with nothing else known. */
static int write_plan(struct rctx *r, struct wr_detail *d)
{
	const struct wr_reset_plan *p = r->p;
	char num[32];
	int ret;

	ret = append(r, "plan", "target", p->disk_path, d);
	snprintf(num, sizeof(num), "%u", p->partition);
	if (!ret)
		ret = append(r, "plan", "partition", num, d);
	if (!ret)
		ret = append(r, "plan", "layout", !p->layout ? "none"
					 : p->layout_kind == WR_LAYOUT_GPT ? "gpt" : "mbr", d);
	if (!ret)
		ret = append(r, "plan", "wipe", p->wipe ? "1" : "0", d);
	if (!ret)
		ret = append(r, "plan", "source", p->source.path, d);
	if (!ret && p->source.partition) {
		ret = append(r, "plan", "source-disk", p->source.disk, d);
		snprintf(num, sizeof(num), "%u", p->source.partition);
		if (!ret)
			ret = append(r, "plan", "source-partition", num, d);
		if (!ret)
			ret = append(r, "plan", "source-inner", p->source.inner, d);
	}
	snprintf(num, sizeof(num), "%u", p->source.index);
	if (!ret)
		ret = append(r, "plan", "index", num, d);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)p->needed_bytes);
	if (!ret)
		ret = append(r, "plan", "needed", num, d);
	if (!ret)
		ret = append(r, "plan", "label", p->label, d);
	if (!ret && p->winre.present) {
		ret = append(r, "plan", "winre-path", p->winre.path, d);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)p->winre.offset);
		if (!ret)
			ret = append(r, "plan", "winre-offset", num, d);
		if (!ret)
			ret = append(r, "plan", "winre-guid", p->winre.guid, d);
		snprintf(num, sizeof(num), "%u", (unsigned)p->winre.id);
		if (!ret)
			ret = append(r, "plan", "winre-id", num, d);
		if (!ret)
			ret = append(r, "plan", "winre-bcd", p->winre_bcd_id, d);
	}
	for (size_t i = 0; !ret && i < p->nothers; i++) {
		if (!p->others[i].selected)
			continue;
		snprintf(num, sizeof(num), "%u", p->others[i].part.number);
		ret = append(r, "plan", "also", num, d);
		if (!ret)
			ret = append(r, "plan", "also-label", p->others[i].part.label, d);
	}
	if (!ret)
		ret = append(r, "planned", "reset", NULL, d);
	return ret;
}

static int plan_from_journal(const struct wr_journal *j, struct wr_reset_plan *p,
			     struct wr_detail *d)
{
	struct wr_reset_other *last = NULL;

	for (size_t i = 0; i < j->n; i++) {
		const struct wr_journal_record *rec = &j->v[i];
		const char *k, *v;

		if (strcmp(rec->kind, "plan") || rec->nfields != 2)
			continue;
		k = rec->fields[0];
		v = rec->fields[1];
		if (!strcmp(k, "target"))
			snprintf(p->disk_path, sizeof(p->disk_path), "%s", v);
		else if (!strcmp(k, "partition"))
			p->partition = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "layout")) {
			p->layout = strcmp(v, "none") != 0;
			p->layout_kind = !strcmp(v, "mbr") ? WR_LAYOUT_MBR : WR_LAYOUT_GPT;
		} else if (!strcmp(k, "wipe"))
			p->wipe = !strcmp(v, "1");
		else if (!strcmp(k, "source"))
			snprintf(p->source.path, sizeof(p->source.path), "%s", v);
		else if (!strcmp(k, "source-disk"))
			snprintf(p->source.disk, sizeof(p->source.disk), "%s", v);
		else if (!strcmp(k, "source-partition"))
			p->source.partition = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "source-inner"))
			snprintf(p->source.inner, sizeof(p->source.inner), "%s", v);
		else if (!strcmp(k, "index"))
			p->source.index = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "needed"))
			p->needed_bytes = strtoull(v, NULL, 10);
		else if (!strcmp(k, "label"))
			snprintf(p->label, sizeof(p->label), "%s", v);
		else if (!strcmp(k, "winre-path")) {
			p->winre.present = true;
			snprintf(p->winre.path, sizeof(p->winre.path), "%s", v);
		} else if (!strcmp(k, "winre-offset"))
			p->winre.offset = strtoull(v, NULL, 10);
		else if (!strcmp(k, "winre-guid"))
			snprintf(p->winre.guid, sizeof(p->winre.guid), "%s", v);
		else if (!strcmp(k, "winre-id"))
			p->winre.id = (uint32_t)strtoul(v, NULL, 10);
		else if (!strcmp(k, "winre-bcd"))
			snprintf(p->winre_bcd_id, sizeof(p->winre_bcd_id), "%s", v);
		else if (!strcmp(k, "also")) {
			struct wr_reset_other *nv = realloc(p->others,
							    (p->nothers + 1) * sizeof(*nv));

			if (!nv)
				return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
			p->others = nv;
			last = &p->others[p->nothers++];
			memset(last, 0, sizeof(*last));
			last->part.number = (unsigned)strtoul(v, NULL, 10);
			last->selected = true;
		} else if (!strcmp(k, "also-label") && last)
			snprintf(last->part.label, sizeof(last->part.label), "%s", v);
	}
	if (!p->disk_path[0] || !p->source.path[0] || !p->source.index)
		return wr_detail_set(d, WR_ERR_JOURNAL, 0, NULL);
	return WR_OK;
}

static int open_volume(struct rctx *r, struct wr_detail *d)
{
	int ret = wr_ntfs_open(&r->p->ext, WR_NTFS_RDWR, &r->vol, d);

	if (!ret) {
		wr_vjournal_release(&r->v);
		wr_vjournal_init(&r->v, r->vol, VOL_JOURNAL_DIR);
		r->v.fault_after = 0;	/* counted in append() across both journals */
	}
	return ret;
}

static void close_volume(struct rctx *r)
{
	wr_ntfs_close(r->vol);
	r->vol = NULL;
	r->v.vol = NULL;
}

/* Format the Windows partition (unless the layout just made it) and move the
 * journal onto it: its plan, and what had ended before. */
static int format_target(struct rctx *r, bool formatted, struct wr_detail *d)
{
	struct wr_reset_plan *p = r->p;
	struct wr_journal before;
	int ret = WR_OK;

	close_volume(r);
	if (!formatted) {
		ret = append(r, "begin", "format", "windows", d);
		if (!ret)
			ret = wr_format_ntfs(p->disk_path, p->partition, p->label, d);
		if (!ret && !p->layout)
			ret = restore_pbr(r, p->partition, d);
		if (ret)
			return ret;
	}
	ret = open_volume(r, d);
	if (ret)
		return ret;
	ret = wr_ntfs_mkdir(r->vol, VOL_STATE_DIR, d);
	if (!ret)
		ret = wr_ntfs_mkdir(r->vol, VOL_JOURNAL_DIR, d);
	if (!ret)
		ret = write_plan(r, d);
	if (!ret)
		ret = append(r, "end", "format", "windows", d);
	/* Other partitions formatted before a reformat stay formatted. */
	before = r->h.j;
	for (size_t i = 0; !ret && i < before.n; i++)
		if (!strcmp(before.v[i].kind, "end") && before.v[i].nfields == 2 &&
		    !strcmp(before.v[i].fields[0], "format-other"))
			ret = append(r, "end", "format-other", before.v[i].fields[1], d);
	if (ret)
		return ret;
	/* The volume carries the journal now. */
	if (unlink(r->h.path) && errno != ENOENT)
		wr_log(WR_LOG_WARN, "reset: cannot remove '%s': %s", r->h.path, strerror(errno));
	wr_journal_release(&r->h.j);
	memset(&r->h.j, 0, sizeof(r->h.j));
	return WR_OK;
}

static int resolve_target(struct wr_reset_plan *p, struct wr_detail *d)
{
	return wr_blockdev_resolve(p->disk_path, p->partition, &p->ext, d);
}

static int do_apply(struct rctx *r, struct wr_detail *d)
{
	struct wr_reset_plan *p = r->p;
	struct wr_loopdev *loop = NULL;
	const char *target = p->ext.path;
	int ret;

	ret = append(r, "begin", "apply", "image", d);
	if (ret)
		return ret;
	close_volume(r);
	if (p->ext.offset || p->ext.partition) {
		ret = wr_loopdev_attach(&p->ext, false, &loop, d);
		if (ret)
			return ret;
		target = wr_loopdev_path(loop);
	}
	ret = wr_wim_apply(p->source.path, p->source.index, target, amounts_only, r, d);
	wr_loopdev_detach(loop);
	if (ret)
		return ret;
	ret = open_volume(r, d);
	if (!ret)
		ret = wr_vjournal_load(&r->v, d);
	if (!ret)
		ret = append(r, "end", "apply", "image", d);
	return ret;
}

#define REAGENT_XML "/Windows/System32/Recovery/ReAgent.xml"
#define WINRE_IN_WINDOWS "/Windows/System32/Recovery/Winre.wim"
#define WINRE_DIR "/Recovery/WindowsRE"

/* The partition Windows Setup gives Windows RE on a disk it lays out: the recovery
 * partition (GPT), the active System Reserved partition (MBR); NULL when none. */
static const struct wr_partition *winre_home(const struct wr_disk *disk, unsigned windows)
{
	for (size_t i = 0; i < disk->nparts; i++) {
		const struct wr_partition *q = &disk->parts[i];

		if (q->number == windows)
			continue;
		if (disk->table == WR_TABLE_GPT ? q->role == WR_ROLE_RECOVERY : q->active)
			return q;
	}
	return NULL;
}

/* Copy src_path of the new Windows (r->vol) to dst_path on vol. */
static int copy_between(struct rctx *r, const char *src_path, struct wr_ntfs *vol,
			const char *dst_path, struct wr_detail *d)
{
	struct wr_reader rd;
	int ret = wr_ntfs_reader_open(r->vol, src_path, &rd, d);

	if (ret)
		return ret;
	ret = wr_ntfs_write_from(vol, dst_path, &rd, d);
	wr_ntfs_reader_close(&rd);
	return ret;
}

/* After a layout, Windows RE goes where Windows Setup puts it: the new Windows'
 * Winre.wim moved to \Recovery\WindowsRE of winre_home(), boot.sdi beside it, and
 * p->winre naming that folder (register_winre writes it into ReAgent.xml; the boot
 * step finds it there and adds the WinRE entry to the BCD).  The copy is flushed
 * before Windows' own Winre.wim is deleted, so after a kill the next run finds one or
 * the other whole.  An image without Winre.wim or boot.sdi gets no Windows RE,
 * which is what Setup would leave too. */
static int place_winre(struct rctx *r, struct wr_detail *d)
{
	struct wr_reset_plan *p = r->p;
	const char *sdi = p->layout_kind == WR_LAYOUT_GPT ? "/Windows/Boot/DVD/EFI/boot.sdi"
							  : "/Windows/Boot/DVD/PCAT/boot.sdi";
	const struct wr_partition *home;
	struct wr_blockdev_lock *lock = NULL;
	struct wr_disk *disk = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_ntfs_stat st;
	struct wr_extent ext;
	bool have_src, have_dst;
	int ret;

	ret = wr_disk_read(p->disk_path, &disk, d);
	if (ret)
		return ret;
	home = winre_home(disk, p->partition);
	if (!home) {
		wr_log(WR_LOG_WARN, "reset: no partition for Windows RE on '%s'", p->disk_path);
		goto out;
	}
	ret = wr_blockdev_resolve(p->disk_path, home->number, &ext, d);
	/* Our hold on the Windows partition covers a whole disk image already; a
	 * partition's own device node needs its own. */
	if (!ret && strcmp(ext.path, p->ext.path))
		ret = wr_blockdev_lock(&ext, &lock, d);
	if (!ret)
		ret = wr_ntfs_open(&ext, WR_NTFS_RDWR, &vol, d);
	if (ret)
		goto out;
	have_src = !wr_ntfs_stat(r->vol, WINRE_IN_WINDOWS, &st, NULL) && !st.is_dir;
	have_dst = !wr_ntfs_stat(vol, WINRE_DIR "/Winre.wim", &st, NULL) && !st.is_dir &&
		   !wr_ntfs_stat(vol, WINRE_DIR "/boot.sdi", &st, NULL) && !st.is_dir;
	if (have_src) {
		if (wr_ntfs_stat(r->vol, sdi, &st, NULL) || st.is_dir) {
			wr_log(WR_LOG_WARN, "reset: the image has Winre.wim but no %s; no Windows "
			       "RE", sdi);
			goto out;
		}
		if (wr_ntfs_stat(vol, "/Recovery", &st, NULL))
			ret = wr_ntfs_mkdir(vol, "/Recovery", d);
		if (!ret && wr_ntfs_stat(vol, WINRE_DIR, &st, NULL))
			ret = wr_ntfs_mkdir(vol, WINRE_DIR, d);
		if (!ret)
			ret = copy_between(r, sdi, vol, WINRE_DIR "/boot.sdi", d);
		if (!ret)
			ret = copy_between(r, WINRE_IN_WINDOWS, vol, WINRE_DIR "/Winre.wim", d);
		if (!ret)
			ret = wr_ntfs_sync(vol, d);
		if (!ret)
			ret = wr_ntfs_unlink(r->vol, WINRE_IN_WINDOWS, d);
		if (!ret)
			ret = wr_ntfs_sync(r->vol, d);
		if (ret)
			goto out;
		wr_log(WR_LOG_INFO, "reset: Windows RE moved to %s of partition %u", WINRE_DIR,
		       home->number);
	} else if (!have_dst) {
		wr_log(WR_LOG_INFO, "reset: the image carries no Winre.wim; no Windows RE");
		goto out;
	}
	memset(&p->winre, 0, sizeof(p->winre));
	p->winre.present = true;
	snprintf(p->winre.path, sizeof(p->winre.path), "\\Recovery\\WindowsRE");
	p->winre.offset = home->start;
	if (disk->table == WR_TABLE_GPT)
		snprintf(p->winre.guid, sizeof(p->winre.guid), "{%s}", disk->disk_guid);
	else
		p->winre.id = disk->mbr_signature;
	if (!p->winre_bcd_id[0])
		ret = wr_bcd_new_guid(p->winre_bcd_id, sizeof(p->winre_bcd_id));
	if (ret)
		ret = wr_detail_set(d, ret, errno, "getrandom");
out:
	wr_ntfs_close(vol);
	wr_blockdev_unlock(lock);
	wr_disk_free(disk);
	return ret;
}

/* The new installation's ReAgent.xml names the Windows RE that was kept. */
static int register_winre(struct rctx *r, struct wr_detail *d)
{
	struct wr_ntfs_stat st;
	void *old = NULL;
	size_t len = 0, olen = 0;
	char *xml = NULL;
	int ret;

	if (wr_ntfs_read_file(r->vol, REAGENT_XML, WR_REAGENT_MAX_SIZE, &old, &olen, NULL))
		olen = 0;
	ret = wr_reagent_set_winre(olen ? old : NULL, olen, &r->p->winre, r->p->winre_bcd_id,
				   &xml, &len, d);
	if (ret == WR_ERR_XML)	/* the image's own file is unusable: a fresh one */
		ret = wr_reagent_set_winre(NULL, 0, &r->p->winre, r->p->winre_bcd_id, &xml,
					   &len, d);
	free(old);
	if (!ret && wr_ntfs_stat(r->vol, "/Windows/System32/Recovery", &st, NULL) != WR_OK)
		ret = wr_ntfs_mkdir(r->vol, "/Windows/System32/Recovery", d);
	if (!ret)
		ret = wr_ntfs_write_file(r->vol, REAGENT_XML, xml, len, d);
	if (!ret)
		ret = wr_ntfs_sync(r->vol, d);
	free(xml);
	if (!ret)
		wr_log(WR_LOG_INFO, "reset: Windows RE at '%s' (partition offset %llu) kept "
		       "registered", r->p->winre.path, (unsigned long long)r->p->winre.offset);
	return ret;
}

static int do_boot(struct rctx *r, struct wr_detail *d)
{
	struct wr_reset_plan *p = r->p;
	struct wr_bootfiles_plan bp;
	int ret, r2;

	if (!p->partition) {
		wr_log(WR_LOG_INFO, "reset: '%s' is a bare volume; no boot files were written",
		       p->disk_path);
		return append(r, "end", "boot", "windows", d);
	}
	ret = append(r, "begin", "boot", "windows", d);
	if (!ret && p->layout)
		ret = place_winre(r, d);
	if (!ret && p->winre.present)
		ret = register_winre(r, d);
	if (ret)
		return ret;
	close_volume(r);
	/* bootfiles takes its own hold on the disk: hand ours over for the moment. */
	wr_blockdev_unlock(r->lock);
	r->lock = NULL;
	memset(&bp, 0, sizeof(bp));
	ret = wr_bootfiles_plan(p->disk_path, p->partition, &bp, d);
	if (!ret)
		ret = wr_bootfiles_run(&bp, NULL, NULL, d);	/* sets the active flag too */
	wr_bootfiles_plan_release(&bp);
	r2 = wr_blockdev_lock(&p->ext, &r->lock, ret ? NULL : d);
	if (!r2)
		r2 = open_volume(r, ret ? NULL : d);
	if (!r2)
		r2 = wr_vjournal_load(&r->v, ret ? NULL : d);
	if (ret || r2)
		return ret ? ret : r2;
	return append(r, "end", "boot", "windows", d);
}

static int finish(struct rctx *r, struct wr_detail *d)
{
	int ret = append(r, "done", "reset", NULL, d);

	if (!ret)
		ret = wr_vjournal_archive(r->vol, VOL_JOURNAL_DIR, "reset-journal", d);
	if (!ret)
		wr_vjournal_copy_log(r->vol);
	if (!ret)
		ret = wr_ntfs_sync(r->vol, d);
	/* A live-system journal a kill left behind after the format is stale now. */
	if (!ret && r->h.path[0] && unlink(r->h.path) == 0)
		wr_log(WR_LOG_INFO, "reset: removed the stale '%s'", r->h.path);
	if (!ret && r->h.path[0])
		remove_boot_code(r);
	return ret;
}

static int do_wipe(struct rctx *r, struct wr_detail *d)
{
	int ret = append(r, "begin", "wipe", "disk", d);

	if (!ret)
		ret = wr_wipe(r->p->disk_path, r->p->layout ? 0 : r->p->partition, amounts_only,
			      r, d);
	if (!ret)
		ret = append(r, "end", "wipe", "disk", d);
	return ret;
}

static int do_layout(struct rctx *r, struct wr_detail *d)
{
	int ret = append(r, "begin", "layout", "disk", d);

	if (!ret)
		ret = wr_layout_apply(&r->p->layout_plan, amounts_only, r, d);
	if (!ret && r->p->layout_kind == WR_LAYOUT_MBR) {
		ret = restore_mbr(r, d);
		if (!ret)
			ret = restore_pbr(r, r->p->layout_plan.system_part, d);
	}
	if (!ret)
		ret = append(r, "end", "layout", "disk", d);
	return ret;
}

/* The steps from wherever the journal says they stand. */
static int run_steps(struct rctx *r, struct wr_detail *d)
{
	struct wr_reset_plan *p = r->p;
	bool layout_made = false;
	int ret = WR_OK;

	/* Step X of Y: Y counts what is left to do. */
	r->nsteps = r->step + 1 + !ended(r, "apply", "image") + !ended(r, "boot", "windows");
	if (!r->vol)
		r->nsteps += 1 + (p->wipe && !ended(r, "wipe", "disk")) +
			     (p->layout && !ended(r, "layout", "disk"));

#define STEP(id, call)                                 \
	do {                                           \
		ret = step_begin(r, id);               \
		if (!ret)                              \
			ret = (call);                  \
		if (!ret)                              \
			ret = step_end(r, id);         \
		if (ret)                               \
			return ret;                    \
	} while (0)

	if (!r->vol) {
		/* Before the format: on the live system's journal. */
		if (p->wipe && !ended(r, "wipe", "disk"))
			STEP(WR_RESET_STEP_WIPE, do_wipe(r, d));
		if (p->layout) {
			if (!p->layout_plan.nparts) {
				ret = wr_layout_plan(p->disk_path, p->layout_kind, p->needed_bytes,
						     &p->layout_plan, d);
				if (ret)
					return ret;
			}
			if (!ended(r, "layout", "disk")) {
				STEP(WR_RESET_STEP_LAYOUT, do_layout(r, d));
				layout_made = true;
			}
			p->partition = p->layout_plan.windows_part;
			ret = resolve_target(p, d);
			if (ret)
				return ret;
		}
		STEP(WR_RESET_STEP_FORMAT, format_target(r, layout_made, d));
	}
	for (size_t i = 0; i < p->nothers; i++) {
		char num[16];

		if (!p->others[i].selected)
			continue;
		snprintf(num, sizeof(num), "%u", p->others[i].part.number);
		if (ended(r, "format-other", num))
			continue;
		ret = append(r, "begin", "format-other", num, d);
		if (!ret)
			ret = wr_format_ntfs(p->disk_path, p->others[i].part.number,
					     p->others[i].part.label, d);
		if (!ret)
			ret = append(r, "end", "format-other", num, d);
		if (ret)
			return ret;
	}
	if (!ended(r, "apply", "image"))
		STEP(WR_RESET_STEP_APPLY, do_apply(r, d));
	if (!ended(r, "boot", "windows"))
		STEP(WR_RESET_STEP_BOOT, do_boot(r, d));
	STEP(WR_RESET_STEP_FINISH, finish(r, d));
#undef STEP
	return WR_OK;
}

static void rctx_init(struct rctx *r, const struct wr_reset_opts *o, struct wr_reset_plan *p,
		      wr_progress_fn fn, void *ctx)
{
	const char *s = getenv("WINRESCUE_FAULT_AFTER");

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->p = p;
	r->fn = fn;
	r->ctx = ctx;
	r->fault_after = s ? (unsigned)strtoul(s, NULL, 10) : 0;
}

static void rctx_release(struct rctx *r)
{
	close_volume(r);
	wr_vjournal_release(&r->v);
	wr_journal_release(&r->h.j);
	wr_blockdev_unlock(r->lock);
}

static int lock_disk(struct rctx *r, struct wr_detail *d)
{
	struct wr_extent whole;
	int ret = wr_blockdev_resolve(r->p->disk_path, 0, &whole, d);

	if (!ret)
		ret = wr_blockdev_lock(&whole, &r->lock, d);
	return ret;
}

int wr_reset_run(const struct wr_reset_opts *o, struct wr_reset_plan *p, wr_progress_fn fn,
		 void *ctx, struct wr_detail *d)
{
	struct rctx r;
	int ret;

	(void)o;
	rctx_init(&r, o, p, fn, ctx);
	r.nsteps = 5 + (p->wipe ? 1 : 0) + (p->layout ? 1 : 0);
	ret = step_begin(&r, WR_RESET_STEP_PREPARE);
	if (!ret)
		ret = lock_disk(&r, d);
	if (ret)
		goto out;
	host_journal_path(p->disk_path, p->layout ? 0 : p->partition, r.h.path, sizeof(r.h.path));
	{
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", r.h.path);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		if (mkdir_p(dir)) {
			ret = wr_detail_set(d, WR_ERR_WRITE, errno, dir);
			goto out;
		}
	}
	if (access(r.h.path, F_OK) == 0) {
		/* An earlier reset of this target was interrupted: resume, never start
		 * over with another plan. */
		ret = wr_detail_set(d, WR_ERR_INTERRUPTED, 0, p->disk_path);
		goto out;
	}
	remove_boot_code(&r);	/* a reset that never got past its plan left them */
	ret = save_boot_code(&r, d);
	if (!ret)
		ret = write_plan(&r, d);
	if (!ret)
		ret = step_end(&r, WR_RESET_STEP_PREPARE);
	if (!ret)
		ret = run_steps(&r, d);
out:
	rctx_release(&r);
	return ret;
}

/* A reset journal on an NTFS partition of the disk (the volume carries it after the
 * format): which partition, 0 when none. */
static unsigned find_volume_journal(const char *disk_path, unsigned partition)
{
	struct wr_disk *disk = NULL;
	unsigned found = 0;

	if (partition) {
		struct wr_extent ext;
		struct wr_ntfs *vol = NULL;
		struct wr_ntfs_stat st;

		if (wr_blockdev_resolve(disk_path, partition, &ext, NULL) == WR_OK &&
		    wr_ntfs_open(&ext, WR_NTFS_RDONLY | WR_NTFS_IGNORE_HIBERFILE, &vol, NULL) == WR_OK) {
			if (wr_ntfs_stat(vol, VOL_JOURNAL_DIR, &st, NULL) == WR_OK)
				found = partition;
			wr_ntfs_close(vol);
		}
		return found;
	}
	if (wr_disk_read(disk_path, &disk, NULL) != WR_OK || disk->table == WR_TABLE_NONE) {
		wr_disk_free(disk);
		/* A bare volume. */
		{
			struct wr_extent ext;
			struct wr_ntfs *vol = NULL;
			struct wr_ntfs_stat st;

			if (wr_blockdev_resolve(disk_path, 0, &ext, NULL) == WR_OK &&
			    wr_ntfs_open(&ext, WR_NTFS_RDONLY | WR_NTFS_IGNORE_HIBERFILE, &vol,
					 NULL) == WR_OK) {
				if (wr_ntfs_stat(vol, VOL_JOURNAL_DIR, &st, NULL) == WR_OK)
					found = UINT_MAX;	/* the volume itself */
				wr_ntfs_close(vol);
			}
		}
		return found;
	}
	for (size_t i = 0; i < disk->nparts && !found; i++)
		if (!strcmp(disk->parts[i].fstype, "ntfs"))
			found = find_volume_journal(disk_path, disk->parts[i].number);
	wr_disk_free(disk);
	return found;
}

bool wr_reset_pending(const char *target, unsigned partition)
{
	char real[PATH_MAX], h[PATH_MAX];

	if (!realpath(target, real))
		return false;
	host_journal_path(real, partition, h, sizeof(h));
	if (access(h, F_OK) == 0)
		return true;
	host_journal_path(real, 0, h, sizeof(h));
	if (access(h, F_OK) == 0)
		return true;
	return find_volume_journal(real, partition) != 0;
}

int wr_reset_resume(const struct wr_reset_opts *o, struct wr_reset_plan *p,
		    wr_progress_fn fn, void *ctx, struct wr_detail *d)
{
	struct rctx r;
	char real[PATH_MAX];
	unsigned vpart;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = wr_blockdev_check_not_live(o->target, d);
	if (ret)
		return ret;
	if (!realpath(o->target, real))
		return wr_detail_set(d, WR_ERR_OPEN, errno, o->target);
	rctx_init(&r, o, p, fn, ctx);
	snprintf(p->disk_path, sizeof(p->disk_path), "%s", real);
	ret = lock_disk(&r, d);
	if (ret)
		goto out;
	/* On the volume first: once it exists, the live system's copy is stale. */
	vpart = find_volume_journal(real, o->partition);
	if (vpart) {
		p->partition = vpart == UINT_MAX ? 0 : vpart;
		ret = resolve_target(p, d);
		if (!ret)
			ret = wr_blockdev_check_unmounted(&p->ext, d);
		if (!ret)
			ret = open_volume(&r, d);
		if (!ret)
			ret = wr_vjournal_load(&r.v, d);
		if (ret)
			goto out;
		if (!wr_journal_find(&r.v.j, "end", "format", "windows")) {
			/* Killed while the journal was being moved onto the volume: the
			 * live system's journal still holds the plan. */
			close_volume(&r);
			wr_vjournal_release(&r.v);
			vpart = 0;
		}
	}
	if (vpart) {
		ret = plan_from_journal(&r.v.j, p, d);
		if (ret)
			goto out;
		host_journal_path(real, p->layout ? 0 : p->partition, r.h.path, sizeof(r.h.path));
		if (begun(&r, "apply", "image") && !ended(&r, "apply", "image")) {
			/* A half-applied image: format again, it is all being erased.  The
			 * live-system journal covers the format, as on the first run. */
			struct wr_journal old = r.v.j;

			memset(&r.v.j, 0, sizeof(r.v.j));
			close_volume(&r);
			p->layout = false;	/* done before: only the format is redone */
			p->wipe = false;
			unlink(r.h.path);
			ret = write_plan(&r, d);
			for (size_t i = 0; !ret && i < old.n; i++)
				if (!strcmp(old.v[i].kind, "end") && old.v[i].nfields == 2 &&
				    !strcmp(old.v[i].fields[0], "format-other"))
					ret = append(&r, "end", "format-other", old.v[i].fields[1], d);
			wr_journal_release(&old);
			if (ret)
				goto out;
		}
	} else {
		r.h.path[0] = '\0';
		host_journal_path(real, o->partition, r.h.path, sizeof(r.h.path));
		ret = hj_load(&r.h, d);
		if (ret == WR_ERR_NOT_FOUND && o->partition) {
			host_journal_path(real, 0, r.h.path, sizeof(r.h.path));
			ret = hj_load(&r.h, d);
		}
		if (ret == WR_ERR_NOT_FOUND) {
			ret = wr_detail_set(d, WR_ERR_NOT_FOUND, 0, o->target);
			goto out;
		}
		if (ret)
			goto out;
		if (!wr_journal_find(&r.h.j, "planned", "reset", NULL)) {
			/* Died while writing the plan: nothing was erased yet. */
			unlink(r.h.path);
			ret = wr_detail_set(d, WR_ERR_NOTHING_TO_RESUME, 0, o->target);
			goto out;
		}
		ret = plan_from_journal(&r.h.j, p, d);
		if (!ret && !p->layout)
			ret = resolve_target(p, d);
		if (ret)
			goto out;
	}
	/* A factory image is mounted again, maybe elsewhere. */
	if (p->source.partition) {
		wr_stage_cleanup(p->source.disk, p->source.partition);
		ret = wr_stage_open(p->source.disk, p->source.partition, p->source.inner,
				    &p->source.stage, p->source.path, sizeof(p->source.path), d);
		if (ret)
			goto out;
	}
	ret = run_steps(&r, d);
out:
	rctx_release(&r);
	return ret;
}
