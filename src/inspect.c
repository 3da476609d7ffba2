/*
 * inspect.c - one read-only pass over disks, volumes, installations, apps and
 * image sources.
 *
 * Nothing here writes: volumes are probed and opened read-only.  Each part records
 * its own result code and detail, so one damaged hive or unreadable partition becomes
 * a finding for that part while the rest of the inspection goes on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winrescue.h"

static bool may_hold_windows(const struct wr_partition *part)
{
	if (!part)
		return true;	/* a bare volume */
	return part->role != WR_ROLE_ESP && part->role != WR_ROLE_MSR;
}

static void inspect_installation(struct wr_volume_report *v, const struct wr_disk *disk,
				 const char *const *extra_sources, unsigned flags)
{
	struct wr_ntfs *vol = NULL;
	struct wr_ntfs_stat st;

	v->windows_err = wr_ntfs_open(&v->ext, WR_NTFS_RDONLY, &vol, &v->windows_detail);
	if (v->windows_err)
		return;
	v->interrupted = wr_refresh_pending(vol);
	v->interrupted_repair = wr_repair_pending(vol);
	if (wr_ntfs_stat(vol, "Windows/System32/config/SYSTEM", &st, NULL) != WR_OK ||
	    st.is_dir) {
		/* Windows\System32 without its registry is a broken installation, not
		 * a plain volume: say which file is missing. */
		if (wr_ntfs_stat(vol, "Windows/System32", &st, NULL) == WR_OK && st.is_dir)
			v->windows_err = wr_detail_set(&v->windows_detail, WR_ERR_NOT_FOUND, 0,
						       "Windows/System32/config/SYSTEM");
		else
			v->windows_err = WR_ERR_NO_WINDOWS;
		goto out;
	}
	v->windows_err = wr_winsys_read(vol, &v->windows, &v->windows_detail);
	if (v->windows_err)
		goto out;
	v->apps_err = WR_ERR_NOT_FOUND;
	if (!(flags & WR_INSPECT_NO_APPS))
		v->apps_err = wr_apps_read(vol, v->windows, &v->apps, &v->apps_detail);
out:
	wr_ntfs_close(vol);
	v->sources_err = WR_ERR_NOT_FOUND;
	if (v->windows && !(flags & WR_INSPECT_NO_SOURCES))
		v->sources_err = wr_sources_find(v->windows, disk, extra_sources, &v->sources,
						 &v->sources_detail);
}

static void inspect_volume(const char *path, const struct wr_disk *disk,
			   const struct wr_partition *part, const char *const *extra_sources,
			   unsigned flags, struct wr_volume_report *v)
{
	v->windows_err = WR_ERR_NO_WINDOWS;
	v->apps_err = WR_ERR_NOT_FOUND;
	v->sources_err = WR_ERR_NOT_FOUND;
	v->probe_err = wr_blockdev_resolve(path, part ? part->number : 0, &v->ext,
					   &v->probe_detail);
	if (v->probe_err)
		return;
	v->probe_err = wr_ntfs_probe(&v->ext, &v->state, &v->probe_detail);
	if (v->probe_err == WR_ERR_NOT_NTFS) {
		/* Not NTFS (an ESP, an MSR, a Linux partition): a fact, not a failure. */
		v->probe_err = WR_OK;
		v->state.is_ntfs = false;
		if (part && !v->state.fstype[0])
			snprintf(v->state.fstype, sizeof(v->state.fstype), "%s", part->fstype);
		if (part && !v->state.label[0])
			snprintf(v->state.label, sizeof(v->state.label), "%s", part->label);
		if (part && !v->state.size)
			v->state.size = part->size;
		return;
	}
	if (v->probe_err) {
		wr_log_err("probe", v->probe_err, &v->probe_detail);
		return;
	}
	if (v->state.bitlocker) {
		v->windows_err = WR_ERR_BITLOCKER;
		return;
	}
	if (!v->state.is_ntfs || !may_hold_windows(part))
		return;
	inspect_installation(v, disk, extra_sources, flags);
	if (v->windows_err && v->windows_err != WR_ERR_NO_WINDOWS)
		wr_log_err("installation", v->windows_err, &v->windows_detail);
}

static int inspect_disk(const char *path, const char *const *extra_sources, unsigned flags,
			wr_progress_fn fn, void *ctx, struct wr_disk_report *r)
{
	union wr_prog_info info = { .amount = { 0, 0 } };
	size_t n;

	snprintf(r->path, sizeof(r->path), "%s", path);
	r->err = wr_disk_read(path, &r->disk, &r->detail);
	if (r->err) {
		wr_log_err("disk", r->err, &r->detail);
		return WR_OK;
	}
	n = r->disk->table == WR_TABLE_NONE ? 1 : r->disk->nparts;
	r->volumes = calloc(n ? n : 1, sizeof(*r->volumes));
	if (!r->volumes)
		return WR_ERR_NOMEM;
	r->nvolumes = n;
	info.amount.total = n;
	for (size_t i = 0; i < n; i++) {
		const struct wr_partition *part =
			r->disk->table == WR_TABLE_NONE ? NULL : &r->disk->parts[i];
		int ret;

		inspect_volume(path, r->disk, part, extra_sources, flags, &r->volumes[i]);
		info.amount.done = i + 1;
		ret = wr_prog_report(fn, ctx, WR_PROG_ITEMS, &info);
		if (ret)
			return ret;
	}
	return WR_OK;
}

int wr_inspect(const char *const *paths, const char *const *extra_sources, unsigned flags,
	       wr_progress_fn fn, void *ctx, struct wr_inspection **out,
	       struct wr_detail *d)
{
	char **listed = NULL;
	struct wr_inspection *in;
	size_t n = 0;
	int ret = WR_OK;

	*out = NULL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return WR_ERR_NOMEM;
	if (!paths || !paths[0]) {
		ret = wr_disk_list(&listed, d);
		if (ret)
			goto out;
		paths = (const char *const *)listed;
	}
	while (paths[n])
		n++;
	in->disks = calloc(n ? n : 1, sizeof(*in->disks));
	if (!in->disks) {
		ret = WR_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		ret = inspect_disk(paths[i], extra_sources, flags, fn, ctx, &in->disks[i]);
		in->ndisks = i + 1;
	}
out:
	wr_disk_list_free(listed);
	*out = in;
	return ret;
}

void wr_inspection_free(struct wr_inspection *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->ndisks; i++) {
		struct wr_disk_report *r = &in->disks[i];

		for (size_t j = 0; j < r->nvolumes; j++) {
			wr_windows_free(r->volumes[j].windows);
			wr_app_list_release(&r->volumes[j].apps);
			wr_source_list_release(&r->volumes[j].sources);
		}
		free(r->volumes);
		wr_disk_free(r->disk);
	}
	free(in->disks);
	free(in);
}
