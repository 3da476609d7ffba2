/*
 * sources.c - where a refresh or reset image can come from, and whether each image
 * can refresh the installation.
 *
 * Priority, best first (what Windows 8's own refresh uses, then what a person brings):
 *   1. the registered custom image: ReAgent.xml PBRCustomImageLocation, a folder
 *      holding CustomRefresh.wim on the partition at that byte offset;
 *   2. the OEM factory image: ReAgent.xml PBRImageLocation (2.0) or
 *      OsInstallLocation (1.0), a folder holding install.wim / install.esd; else
 *      \RecoveryImage\install.wim on each recovery partition;
 *   3. installation media: sources\install.wim, install.esd or install.swm on each
 *      NTFS volume of the disk, and the paths the person gives (files or folders).
 * Images inside partitions are read in place (wr_ntfs_reader_open +
 * wr_wim_read_info_from): nothing is mounted, nothing is written.
 *
 * ISO files given by path: Windows ISOs keep sources\install.wim in UDF.  libudf
 * (libcdio) finds the file; it only reads files front to back, so the WIM header and
 * the XML at its end are read through the file's extent on the disc (contiguous in
 * every ISO Windows and genisoimage write; a fragmented file is refused).  This file
 * is the only one that enters libudf.  An ISO without UDF gives WR_ERR_UNSUPPORTED.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdio/logging.h>
#include <cdio/udf.h>

#include "winrescue.h"
#include "intl.h"

/* ------------------------------------------------------------------------- */
/* Matching                                                                  */
/* ------------------------------------------------------------------------- */

unsigned wr_sources_match(const struct wr_windows *w, const struct wr_image_info *img)
{
	unsigned m = WR_MATCH_OK;

	if (!w || !img)
		return WR_MISMATCH_NOT_WINDOWS;
	if (!img->is_windows)
		return WR_MISMATCH_NOT_WINDOWS;
	/* An unknown value on either side cannot be shown to match: safety first. */
	if (img->arch == WR_ARCH_UNKNOWN || w->arch == WR_ARCH_UNKNOWN || img->arch != w->arch)
		m |= WR_MISMATCH_ARCH;
	if (!img->edition[0] || !w->edition[0] || strcasecmp(img->edition, w->edition))
		m |= WR_MISMATCH_EDITION;
	if (img->major != w->major || img->minor != w->minor)
		m |= WR_MISMATCH_VERSION;
	else if (img->build < w->build)
		m |= WR_MISMATCH_OLDER_BUILD;
	return m;
}

const char *wr_sources_version_name(unsigned major, unsigned minor, char *buf, size_t size)
{
	if (major == 6 && minor == 2)
		snprintf(buf, size, "Windows 8");
	else if (major == 6 && minor == 3)
		snprintf(buf, size, "Windows 8.1");
	else if (major == 6 && minor == 1)
		snprintf(buf, size, "Windows 7");
	else if (major == 10 && minor == 0)
		snprintf(buf, size, "Windows 10");
	else
		snprintf(buf, size, "Windows %u.%u", major, minor);
	return buf;
}

static const char *arch_str(enum wr_arch a)
{
	switch (a) {
	case WR_ARCH_X86:
		return "x86 (32-bit)";
	case WR_ARCH_X64:
		return "x64 (64-bit)";
	case WR_ARCH_ARM:
		return "ARM";
	case WR_ARCH_ARM64:
		return "ARM64";
	default:
		return "?";
	}
}

size_t wr_sources_explain(unsigned mismatch, const struct wr_windows *w,
			  const struct wr_image_info *img, struct wr_mismatch_reason *out)
{
	size_t n = 0;
	struct wr_mismatch_reason *r;

	if (!out)
		return 0;
	if (mismatch & WR_MISMATCH_NOT_WINDOWS) {
		r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->bit = WR_MISMATCH_NOT_WINDOWS;
		r->msgid = N_("This image does not contain a Windows installation, so it cannot "
			      "refresh Windows.");
		return n;
	}
	if (!w || !img)
		return 0;
	if (mismatch & WR_MISMATCH_VERSION) {
		r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->bit = WR_MISMATCH_VERSION;
		/* TRANSLATORS: %1$s is the image's Windows version ("Windows 8"), %2$s the
		 * installed one ("Windows 8.1").  This is the trap that makes people give
		 * up: say plainly that the versions must be the same. */
		r->msgid = N_("A %1$s image cannot refresh %2$s: the image must be the same "
			      "Windows version as the installed system.");
		wr_sources_version_name(img->major, img->minor, r->image_value,
					sizeof(r->image_value));
		wr_sources_version_name(w->major, w->minor, r->system_value,
					sizeof(r->system_value));
	}
	if (mismatch & WR_MISMATCH_ARCH) {
		r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->bit = WR_MISMATCH_ARCH;
		/* TRANSLATORS: %1$s is the image's processor type, %2$s the installed
		 * Windows' one, such as "x86 (32-bit)" or "x64 (64-bit)". */
		r->msgid = N_("This image is for %1$s processors, but the installed Windows is "
			      "%2$s; a refresh needs an image of the same kind.");
		snprintf(r->image_value, sizeof(r->image_value), "%s", arch_str(img->arch));
		snprintf(r->system_value, sizeof(r->system_value), "%s", arch_str(w->arch));
	}
	if (mismatch & WR_MISMATCH_EDITION) {
		r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->bit = WR_MISMATCH_EDITION;
		/* TRANSLATORS: %1$s is the image's edition, %2$s the installed one, as
		 * Windows names them ("Core", "Professional"). */
		r->msgid = N_("This image holds the %1$s edition, but the installed Windows is "
			      "the %2$s edition; a refresh needs the same edition.");
		snprintf(r->image_value, sizeof(r->image_value), "%s",
			 img->edition[0] ? img->edition : "?");
		snprintf(r->system_value, sizeof(r->system_value), "%s",
			 w->edition[0] ? w->edition : "?");
	}
	if (mismatch & WR_MISMATCH_OLDER_BUILD) {
		r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->bit = WR_MISMATCH_OLDER_BUILD;
		/* TRANSLATORS: %1$s is the image's build number ("9200"), %2$s the
		 * installed Windows' build number ("9600"). */
		r->msgid = N_("This image is build %1$s, older than the installed build %2$s; "
			      "a refresh needs an image at least as new as the installed "
			      "Windows.");
		snprintf(r->image_value, sizeof(r->image_value), "%u", img->build);
		snprintf(r->system_value, sizeof(r->system_value), "%u", w->build);
	}
	return n;
}

int wr_sources_best(const struct wr_source_list *list, const struct wr_source **src,
		    unsigned *index)
{
	if (src)
		*src = NULL;
	if (index)
		*index = 0;
	for (size_t i = 0; list && i < list->n; i++) {
		const struct wr_source *s = &list->v[i];

		if (s->err || !s->info || !s->mismatch)
			continue;
		for (unsigned k = 0; k < s->info->image_count; k++) {
			if (s->mismatch[k] == WR_MATCH_OK) {
				if (src)
					*src = s;
				if (index)
					*index = s->info->images[k].index;
				return WR_OK;
			}
		}
	}
	return WR_ERR_NO_SOURCE;
}

/* ------------------------------------------------------------------------- */
/* The list                                                                  */
/* ------------------------------------------------------------------------- */

void wr_source_list_release(struct wr_source_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++) {
		wr_wim_info_free(list->v[i].info);
		free(list->v[i].mismatch);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static bool already_listed(const struct wr_source_list *l, const char *path, const char *where)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i].path, path) && !strcmp(l->v[i].where, where))
			return true;
	return false;
}

/* Add a source; takes info.  Sets its per-image mismatch when w is known. */
static int add_source(struct wr_source_list *l, enum wr_source_kind kind, const char *path,
		      const char *where, int err, struct wr_wim_info *info,
		      const struct wr_windows *w)
{
	struct wr_source *v = realloc(l->v, (l->n + 1) * sizeof(*v)), *s;

	if (!v) {
		wr_wim_info_free(info);
		return WR_ERR_NOMEM;
	}
	l->v = v;
	s = &v[l->n];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->where, sizeof(s->where), "%s", where);
	s->err = err;
	s->info = err ? NULL : info;
	if (err)
		wr_wim_info_free(info);
	if (s->info && w) {
		s->mismatch =
		    calloc(s->info->image_count ? s->info->image_count : 1, sizeof(*s->mismatch));
		if (!s->mismatch) {
			wr_wim_info_free(s->info);
			return WR_ERR_NOMEM;
		}
		for (unsigned k = 0; k < s->info->image_count; k++)
			s->mismatch[k] = wr_sources_match(w, &s->info->images[k]);
	}
	l->n++;
	wr_log(WR_LOG_INFO, "image source: %s on %s: %s", path, where, wr_err_name(err));
	return WR_OK;
}

/* ------------------------------------------------------------------------- */
/* Images inside partitions                                                  */
/* ------------------------------------------------------------------------- */

struct part_vol {
	const struct wr_partition *part;
	struct wr_ntfs *vol;
	int err;
	char where[256];
};

static void part_where(const struct wr_disk *disk, const struct wr_partition *p, char *buf,
		       size_t size)
{
	snprintf(buf, size, "%.200s partition %u", disk->path, p->number);
}

static int open_part(const struct wr_disk *disk, const struct wr_partition *p, struct part_vol *pv)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_extent ext;

	pv->part = p;
	pv->vol = NULL;
	part_where(disk, p, pv->where, sizeof(pv->where));
	pv->err = wr_blockdev_resolve(disk->path, p->number, &ext, &d);
	if (!pv->err)
		pv->err = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &pv->vol, &d);
	if (pv->err)
		wr_log_err("open partition for image sources", pv->err, &d);
	return pv->err;
}

/* Read the WIM at path inside an open volume.  WR_ERR_NOT_FOUND when it is not
 * there (not an error for the caller's list). */
static int read_in_volume(struct wr_ntfs *vol, const char *path, const char *where,
			  struct wr_wim_info **info)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_ntfs_stat st;
	struct wr_reader r;
	char name[512];
	int ret;

	*info = NULL;
	ret = wr_ntfs_stat(vol, path, &st, &d);
	if (ret)
		return ret;
	if (st.is_dir)
		return WR_ERR_NOT_FOUND;
	ret = wr_ntfs_reader_open(vol, path, &r, &d);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "%.250s:%.250s", where, path);
	ret = wr_wim_read_info_from(&r, name, info, &d);
	if (ret)
		wr_log_err("read image source", ret, &d);
	wr_ntfs_reader_close(&r);
	if (!ret)
		snprintf((*info)->path, sizeof((*info)->path), "%s", path);
	return ret;
}

/* Try folder\name for each name; add the first that exists (found or damaged).
 * Returns true when one was added. */
static bool try_names(struct wr_source_list *l, enum wr_source_kind kind, struct part_vol *pv,
		      const char *folder, const char *const *names, const struct wr_windows *w,
		      int *nomem)
{
	for (const char *const *n = names; *n; n++) {
		struct wr_wim_info *info = NULL;
		char path[1200];
		int ret;

		snprintf(path, sizeof(path), "%.1000s%s%s", folder,
			 folder[0] && folder[strlen(folder) - 1] != '\\' ? "\\" : "", *n);
		if (already_listed(l, path, pv->where))
			return true;
		ret = read_in_volume(pv->vol, path, pv->where, &info);
		if (ret == WR_ERR_NOT_FOUND)
			continue;
		if (add_source(l, kind, path, pv->where, ret, info, w))
			*nomem = 1;
		else
			l->v[l->n - 1].partition = pv->part->number;
		return true;
	}
	return false;
}

static struct part_vol *find_by_offset(struct part_vol *pvs, size_t n, uint64_t offset)
{
	for (size_t i = 0; i < n; i++)
		if (pvs[i].part->start == offset)
			return &pvs[i];
	return NULL;
}

static const char *const custom_names[] = {"CustomRefresh.wim", NULL};
static const char *const oem_names[] = {"install.wim", "install.esd", NULL};
static const char *const media_names[] = {"install.wim", "install.esd", "install.swm", NULL};

/* A location ReAgent.xml names: on the partition at its offset. */
static int add_reagent_location(struct wr_source_list *l, enum wr_source_kind kind,
				const struct wr_reagent_location *loc, struct part_vol *pvs,
				size_t npv, const char *const *names, const struct wr_windows *w)
{
	struct part_vol *pv = find_by_offset(pvs, npv, loc->offset);
	char where[256], path[1200];
	int nomem = 0;

	if (!pv || pv->err || !pv->vol) {
		int err = !pv ? WR_ERR_NO_SUCH_PARTITION : pv->err ? pv->err : WR_ERR_NOT_NTFS;

		snprintf(where, sizeof(where), "partition at offset %llu",
			 (unsigned long long)loc->offset);
		snprintf(path, sizeof(path), "%.1000s\\%s", loc->path, names[0]);
		return add_source(l, kind, path, pv ? pv->where : where, err, NULL, w);
	}
	if (!try_names(l, kind, pv, loc->path, names, w, &nomem)) {
		snprintf(path, sizeof(path), "%.1000s\\%s", loc->path, names[0]);
		return add_source(l, kind, path, pv->where, WR_ERR_NOT_FOUND, NULL, w);
	}
	return nomem ? WR_ERR_NOMEM : WR_OK;
}

static int find_on_disk(const struct wr_windows *w, const struct wr_disk *disk,
			struct wr_source_list *l)
{
	struct part_vol *pvs = calloc(disk->nparts ? disk->nparts : 1, sizeof(*pvs));
	int nomem = 0, ret = WR_OK;

	if (!pvs)
		return WR_ERR_NOMEM;
	for (size_t i = 0; i < disk->nparts; i++) {
		const struct wr_partition *p = &disk->parts[i];

		pvs[i].part = p;
		part_where(disk, p, pvs[i].where, sizeof(pvs[i].where));
		/* Only NTFS volumes hold these images; an unknown fstype is tried too. */
		if (p->role == WR_ROLE_ESP || p->role == WR_ROLE_MSR ||
		    (p->fstype[0] && strcmp(p->fstype, "ntfs"))) {
			pvs[i].err = WR_ERR_NOT_NTFS;
			continue;
		}
		open_part(disk, p, &pvs[i]);
	}

	/* 1. The registered custom image, 2. the factory image ReAgent names. */
	if (w && w->has_reagent) {
		const struct wr_reagent *r = &w->reagent;

		if (r->pbr_custom.present &&
		    (ret = add_reagent_location(l, WR_SOURCE_CUSTOM, &r->pbr_custom, pvs,
						disk->nparts, custom_names, w)))
			goto out;
		if (r->pbr.present && (ret = add_reagent_location(l, WR_SOURCE_OEM, &r->pbr, pvs,
								  disk->nparts, oem_names, w)))
			goto out;
		if (!r->pbr.present && r->os_install.present &&
		    (ret = add_reagent_location(l, WR_SOURCE_OEM, &r->os_install, pvs, disk->nparts,
						oem_names, w)))
			goto out;
	}
	/* 2b. \RecoveryImage on every recovery partition. */
	for (size_t i = 0; i < disk->nparts; i++)
		if (pvs[i].vol && pvs[i].part->role == WR_ROLE_RECOVERY)
			try_names(l, WR_SOURCE_OEM, &pvs[i], "\\RecoveryImage", oem_names, w,
				  &nomem);
	/* 3. Installation media copied onto a volume. */
	for (size_t i = 0; i < disk->nparts; i++)
		if (pvs[i].vol)
			try_names(l, WR_SOURCE_MEDIA, &pvs[i], "\\sources", media_names, w, &nomem);
	if (nomem)
		ret = WR_ERR_NOMEM;
out:
	for (size_t i = 0; i < disk->nparts; i++)
		if (pvs[i].vol)
			wr_ntfs_close(pvs[i].vol);
	free(pvs);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* Host paths                                                                */
/* ------------------------------------------------------------------------- */

/* The entry of dir whose name equals name case-insensitively (media copied to a
 * case-sensitive file system may say "Sources" or "INSTALL.WIM"). */
static bool find_ci(const char *dir, const char *name, char *out, size_t size)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!dh)
		return false;
	while ((e = readdir(dh))) {
		if (!strcasecmp(e->d_name, name)) {
			found = (size_t)snprintf(out, size, "%s/%s", dir, e->d_name) < size;
			break;
		}
	}
	closedir(dh);
	return found;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

/* ------------------------------------------------------------------------- */
/* ISO files (UDF, through libudf)                                           */
/* ------------------------------------------------------------------------- */

#define UDF_BLOCK 2048u

struct iso_file {
	udf_t *udf;
	uint64_t length; /* bytes */
	uint32_t first;	 /* absolute sector of the file's first block */
};

static void cdio_to_log(cdio_log_level_t level, const char message[])
{
	wr_log(level >= CDIO_LOG_ERROR ? WR_LOG_WARN : WR_LOG_DEBUG, "libcdio: %s", message);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The start of the UDF partition: the Partition Descriptor (tag 5) in the main
 * volume descriptor sequence that the anchor at sector 256 points to. */
static int udf_partition_start(udf_t *u, uint32_t *start)
{
	unsigned char sec[UDF_BLOCK];
	uint32_t len, loc;

	if (udf_read_sectors(u, sec, 256, 1) != DRIVER_OP_SUCCESS || le32(sec) % 65536 != 2)
		return WR_ERR_CORRUPT;
	len = le32(sec + 16);
	loc = le32(sec + 20);
	for (uint32_t i = 0; i < len / UDF_BLOCK && i < 64; i++) {
		unsigned tag;

		if (udf_read_sectors(u, sec, (lsn_t)(loc + i), 1) != DRIVER_OP_SUCCESS)
			return WR_ERR_READ;
		tag = sec[0] | (unsigned)sec[1] << 8;
		if (tag == 5) {
			*start = le32(sec + 188);
			return WR_OK;
		}
		if (tag == 8)
			break;
	}
	return WR_ERR_CORRUPT;
}

static int iso_read_at(void *ctx, uint64_t offset, void *buf, size_t len)
{
	struct iso_file *f = ctx;
	unsigned char *tmp, *out = buf;
	uint64_t sector, skip;
	size_t done = 0;

	if (offset > f->length || len > f->length - offset)
		return WR_ERR_READ;
	tmp = malloc(64 * UDF_BLOCK);
	if (!tmp)
		return WR_ERR_NOMEM;
	sector = f->first + offset / UDF_BLOCK;
	skip = offset % UDF_BLOCK;
	while (done < len) {
		size_t want = skip + (len - done), blocks = (want + UDF_BLOCK - 1) / UDF_BLOCK, n;

		if (blocks > 64)
			blocks = 64;
		if (udf_read_sectors(f->udf, tmp, (lsn_t)sector, (long)blocks) !=
		    DRIVER_OP_SUCCESS) {
			free(tmp);
			return WR_ERR_READ;
		}
		n = blocks * UDF_BLOCK - skip;
		if (n > len - done)
			n = len - done;
		memcpy(out + done, tmp + skip, n);
		done += n;
		sector += blocks;
		skip = 0;
	}
	free(tmp);
	return WR_OK;
}

static const char *const iso_names[] = {"sources/install.wim",
					"sources/install.esd",
					"sources/install.swm",
					"SOURCES/INSTALL.WIM",
					"SOURCES/INSTALL.ESD",
					"SOURCES/INSTALL.SWM",
					NULL};

/* Read sources/install.* inside a UDF ISO without mounting it. */
static int read_iso(const char *iso, struct wr_wim_info **info, char *inner, size_t size,
		    struct wr_detail *d)
{
	struct iso_file f = {NULL, 0, 0};
	udf_dirent_t *root = NULL, *file = NULL;
	udf_file_entry_t fe;
	unsigned char first[UDF_BLOCK], check[UDF_BLOCK];
	uint32_t part = 0, lba_start = 0, lba_end = 0;
	struct wr_reader r;
	int ret;

	*info = NULL;
	cdio_log_set_handler(cdio_to_log);
	f.udf = udf_open(iso);
	if (!f.udf)
		return wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, iso, "no UDF file system");
	root = udf_get_root(f.udf, true, 0);
	if (!root) {
		ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, iso, "no UDF root directory");
		goto out;
	}
	for (const char *const *n = iso_names; *n && !file; n++) {
		file = udf_fopen(root, *n);
		if (file)
			snprintf(inner, size, "%s", *n);
	}
	if (!file) {
		ret = wr_detail_setf(d, WR_ERR_NOT_FOUND, 0, iso, "no sources/install.wim");
		goto out;
	}
	f.length = udf_get_file_length(file);
	if (!udf_get_file_entry(file, &fe) || !udf_get_lba(&fe, &lba_start, &lba_end) ||
	    (uint64_t)(lba_end - lba_start + 1) * UDF_BLOCK < f.length ||
	    udf_partition_start(f.udf, &part)) {
		ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, iso,
				     "%s is not one contiguous extent", inner);
		goto out;
	}
	f.first = part + lba_start;
	/* Check the computed place against libudf's own reading of the first block. */
	if (udf_read_block(file, first, 1) <= 0 ||
	    udf_read_sectors(f.udf, check, (lsn_t)f.first, 1) != DRIVER_OP_SUCCESS ||
	    memcmp(first, check, f.length < UDF_BLOCK ? f.length : UDF_BLOCK)) {
		ret = wr_detail_setf(d, WR_ERR_UNSUPPORTED, 0, iso, "cannot place %s on the disc",
				     inner);
		goto out;
	}
	r.read_at = iso_read_at;
	r.size = f.length;
	r.ctx = &f;
	ret = wr_wim_read_info_from(&r, iso, info, d);
out:
	if (file)
		udf_dirent_free(file);
	if (root)
		udf_dirent_free(root);
	udf_close(f.udf);
	return ret;
}

static int add_host_file(struct wr_source_list *l, enum wr_source_kind kind, const char *path,
			 const struct wr_windows *w)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;
	int ret;

	if (already_listed(l, path, path))
		return WR_OK;
	if (has_suffix(path, ".iso")) {
		char inner[64] = "", where[4096];

		ret = read_iso(path, &info, inner, sizeof(inner), &d);
		if (ret)
			wr_log_err("read image source in ISO", ret, &d);
		snprintf(where, sizeof(where), "%.4000s", path);
		if (!ret) {
			/* info->path: the file inside the ISO, "/" separated. */
			snprintf(info->path, sizeof(info->path), "%.4000s:%s", path, inner);
		}
		return add_source(l, kind, path, where, ret, info, w);
	}
	ret = wr_wim_read_info(path, false, &info, &d);
	if (ret)
		wr_log_err("read image source", ret, &d);
	return add_source(l, kind, path, path, ret, info, w);
}

static int add_host_path(struct wr_source_list *l, const char *path, const struct wr_windows *w)
{
	char sources[4096], file[4096];
	struct stat st;

	if (stat(path, &st))
		return add_source(l, WR_SOURCE_GIVEN, path, path,
				  errno == ENOENT ? WR_ERR_NOT_FOUND : WR_ERR_OPEN, NULL, w);
	if (!S_ISDIR(st.st_mode))
		return add_host_file(l, WR_SOURCE_GIVEN, path, w);
	/* A folder: the root of installation media, or its sources folder. */
	for (const char *const *n = media_names; *n; n++) {
		if ((find_ci(path, "sources", sources, sizeof(sources)) &&
		     find_ci(sources, *n, file, sizeof(file))) ||
		    find_ci(path, *n, file, sizeof(file)))
			return add_host_file(l, WR_SOURCE_MEDIA, file, w);
	}
	return add_source(l, WR_SOURCE_MEDIA, path, path, WR_ERR_NOT_FOUND, NULL, w);
}

int wr_sources_find(const struct wr_windows *w, const struct wr_disk *disk,
		    const char *const *extra_paths, struct wr_source_list *out, struct wr_detail *d)
{
	int ret = WR_OK;

	if (!out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, "sources");
	out->n = 0;
	out->v = NULL;
	if (disk)
		ret = find_on_disk(w, disk, out);
	for (const char *const *p = extra_paths; !ret && p && *p; p++)
		ret = add_host_path(out, *p, w);
	if (ret) {
		wr_source_list_release(out);
		return wr_detail_set(d, ret, ret == WR_ERR_NOMEM ? ENOMEM : 0, "sources");
	}
	return WR_OK;
}

/* ---------------------------------------------------------------------------- */
/* Choosing the image an operation applies. */

int wr_sources_choose(const struct wr_windows *w, const struct wr_disk *disk,
		      const char *given, unsigned index, struct wr_source_choice *c,
		      struct wr_detail *d)
{
	struct wr_wim_info *info = NULL;
	unsigned best = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	if (!given) {
		/* The best source inspection finds: the custom image, then the factory image
		 * on the recovery partition, then installation media. */
		struct wr_source_list list = { 0, NULL };

		if (!w)
			return wr_detail_set(d, WR_ERR_NO_SOURCE, 0, NULL);
		ret = wr_sources_find(w, disk, NULL, &list, d);
		if (ret)
			return ret;
		for (size_t i = 0; i < list.n && !best; i++) {
			const struct wr_source *s = &list.v[i];

			if (s->err || !s->info || (s->partition && !disk))
				continue;
			if (!s->partition && access(s->path, R_OK))
				continue;
			for (unsigned k = 0; k < s->info->image_count; k++) {
				if (!s->mismatch || s->mismatch[k])
					continue;
				best = s->info->images[k].index;
				if (s->partition) {
					snprintf(c->disk, sizeof(c->disk), "%s", disk->path);
					c->partition = s->partition;
					snprintf(c->inner, sizeof(c->inner), "%s", s->path);
				} else {
					snprintf(c->path, sizeof(c->path), "%s", s->path);
				}
				break;
			}
		}
		wr_source_list_release(&list);
		if (!best)
			return wr_detail_set(d, WR_ERR_NO_SOURCE, 0, NULL);
		if (c->partition) {
			ret = wr_stage_open(c->disk, c->partition, c->inner, &c->stage, c->path,
					    sizeof(c->path), d);
			if (ret)
				return ret;
		}
	} else {
		snprintf(c->path, sizeof(c->path), "%s", given);
	}
	ret = wr_wim_read_info(c->path, false, &info, d);
	if (ret)
		goto fail;
	if (index) {
		best = index;
	} else if (!best) {
		/* The first image that matches the installation, else image 1. */
		for (unsigned k = 0; w && k < info->image_count && !best; k++)
			if (!wr_sources_match(w, &info->images[k]))
				best = info->images[k].index;
		if (!best)
			best = info->image_count ? info->images[0].index : 1;
	}
	ret = WR_ERR_NO_SUCH_IMAGE;
	for (unsigned k = 0; k < info->image_count; k++)
		if (info->images[k].index == best) {
			c->image = info->images[k];
			ret = WR_OK;
		}
	c->index = best;
	wr_wim_info_free(info);
	if (ret) {
		ret = wr_detail_set(d, ret, 0, c->path);
		goto fail;
	}
	c->mismatch = w ? wr_sources_match(w, &c->image) : 0;
	return WR_OK;
fail:
	wr_stage_close(c->stage);
	c->stage = NULL;
	return ret;
}
