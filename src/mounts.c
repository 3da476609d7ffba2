/*
 * mounts.c - the mount table of this system, as libmount reads /proc/self/mountinfo
 * (device numbers, the mounted folder, the part of the file system mounted, the
 * source with its escapes undone).  blockdev asks "is this target mounted?" and
 * "is this the live system's disk?", recimg "which volume holds this folder?".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <libmount/libmount.h>

#include "winrescue.h"


#define MOUNTINFO "/proc/self/mountinfo"

void wr_mounts_free(struct wr_mount *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].root);
		free(v[i].target);
		free(v[i].source);
		free(v[i].fstype);
	}
	free(v);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int wr_mounts_read(struct wr_mount **out, size_t *nout, struct wr_detail *d)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	struct wr_mount *v = NULL;
	size_t n = 0;
	int ret = WR_OK, rc;

	*out = NULL;
	*nout = 0;
	if (!tb || !it) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, MOUNTINFO);
		goto out;
	}
	rc = mnt_table_parse_file(tb, MOUNTINFO);
	if (rc) {
		ret = wr_detail_set(d, WR_ERR_OPEN, rc < 0 ? -rc : EINVAL, MOUNTINFO);
		goto out;
	}
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		struct wr_mount *nv = realloc(v, (n + 1) * sizeof(*v));

		if (!nv) {
			ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, MOUNTINFO);
			break;
		}
		v = nv;
		v[n].dev = mnt_fs_get_devno(fs);
		v[n].root = dup_or_empty(mnt_fs_get_root(fs));
		v[n].target = dup_or_empty(mnt_fs_get_target(fs));
		v[n].source = dup_or_empty(mnt_fs_get_source(fs));
		v[n].fstype = dup_or_empty(mnt_fs_get_fstype(fs));
		n++;
		if (!v[n - 1].root || !v[n - 1].target || !v[n - 1].source || !v[n - 1].fstype) {
			ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, MOUNTINFO);
			break;
		}
	}
out:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	if (ret) {
		wr_mounts_free(v, n);
		return ret;
	}
	*out = v;
	*nout = n;
	return WR_OK;
}
