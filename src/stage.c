/*
 * stage.c - a Windows image that lives inside a partition (the factory image on the
 * recovery partition, a custom image on another disk), made openable for wimlib.
 *
 * wimlib opens images by path only.  The partition is attached read-only as a loop
 * device and mounted read-only with ntfs-3g's low-level driver and its ignore_case
 * option (the path comes from ReAgent.xml, whose case need not match the disk's);
 * wimlib then reads the image through the mount.  Nothing on the partition is
 * written: the loop device itself is read-only.  Needs root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winrescue.h"

struct wr_stage {
	struct wr_loopdev *loop;
	char mnt[64];
	bool mounted;
};

/* A winrescue killed while an image was staged leaves its read-only mount behind;
 * the next run for the same partition takes it down first. */
static void drop_stale_mounts(const struct wr_extent *ext)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[4096], src[256], sys[512], backing[4096] = "", num[32], *sep;
		unsigned long long off = ~0ULL;

		/* "36 35 98:0 / /mnt opts - fstype source superopts" */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    strncmp(mnt, "/tmp/winrescue-source-", 22))
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%*s %255s", src) != 1 || strncmp(src, "/dev/loop", 9))
			continue;
		snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", src + 5);
		if (wr_read_line(sys, backing, sizeof(backing)))
			continue;
		snprintf(sys, sizeof(sys), "/sys/block/%s/loop/offset", src + 5);
		if (wr_read_line(sys, num, sizeof(num)) == 0)
			off = strtoull(num, NULL, 10);
		if (strcmp(backing, ext->path) || off != ext->offset)
			continue;
		{
			const char *argv[] = { "umount", mnt, NULL };
			struct wr_spawn_result r;

			wr_log(WR_LOG_WARN, "stage: taking down the mount %s left by an earlier run",
			       mnt);
			if (wr_spawn(argv, NULL, &r, NULL) == WR_OK && r.status == 0)
				rmdir(mnt);
			wr_spawn_result_release(&r);
		}
	}
	fclose(f);
}

int wr_stage_open(const char *disk, unsigned partition, const char *inner_path,
		  struct wr_stage **out, char *host_path, size_t size, struct wr_detail *d)
{
	struct wr_stage *s;
	struct wr_extent ext;
	struct wr_spawn_result r;
	char *p;
	int ret;

	*out = NULL;
	if (geteuid() != 0)
		return wr_detail_set(d, WR_ERR_NOT_ROOT, 0, disk);
	s = calloc(1, sizeof(*s));
	if (!s)
		return WR_ERR_NOMEM;
	ret = wr_blockdev_resolve(disk, partition, &ext, d);
	if (!ret) {
		drop_stale_mounts(&ext);
		ret = wr_loopdev_attach(&ext, true, &s->loop, d);
	}
	if (ret)
		goto fail;
	snprintf(s->mnt, sizeof(s->mnt), "/tmp/winrescue-source-XXXXXX");
	if (!mkdtemp(s->mnt)) {
		ret = wr_detail_set(d, WR_ERR_WRITE, errno, "/tmp");
		goto fail;
	}
	{
		const char *argv[] = { "lowntfs-3g", "-o", "ro,ignore_case,noatime",
				       wr_loopdev_path(s->loop), s->mnt, NULL };

		ret = wr_spawn(argv, NULL, &r, d);
		if (!ret && r.status != 0)
			ret = wr_detail_setf(d, WR_ERR_HELPER_FAILED, 0, disk, "%.400s",
					     r.out ? r.out : "lowntfs-3g failed");
		wr_spawn_result_release(&r);
	}
	if (ret) {
		rmdir(s->mnt);
		goto fail;
	}
	s->mounted = true;
	/* \RecoveryImage\install.wim -> <mnt>/RecoveryImage/install.wim */
	if (snprintf(host_path, size, "%s/%s", s->mnt,
		     inner_path + strspn(inner_path, "\\/")) >= (int)size) {
		ret = wr_detail_set(d, WR_ERR_TOO_LARGE, 0, inner_path);
		goto fail;
	}
	for (p = host_path + strlen(s->mnt); *p; p++)
		if (*p == '\\')
			*p = '/';
	if (access(host_path, R_OK)) {
		ret = wr_detail_set(d, WR_ERR_NOT_FOUND, errno, inner_path);
		goto fail;
	}
	wr_log(WR_LOG_INFO, "image '%s' on %s partition %u staged at '%s'", inner_path, disk,
	       partition, host_path);
	*out = s;
	return WR_OK;
fail:
	wr_stage_close(s);
	return ret;
}

void wr_stage_cleanup(const char *disk, unsigned partition)
{
	struct wr_extent ext;

	if (geteuid() == 0 && wr_blockdev_resolve(disk, partition, &ext, NULL) == WR_OK)
		drop_stale_mounts(&ext);
}

void wr_stage_close(struct wr_stage *s)
{
	if (!s)
		return;
	if (s->mounted) {
		const char *argv[] = { "umount", s->mnt, NULL };
		struct wr_spawn_result r;

		if (wr_spawn(argv, NULL, &r, NULL) == WR_OK && r.status != 0) {
			const char *lazy[] = { "umount", "-l", s->mnt, NULL };

			wr_spawn_result_release(&r);
			wr_spawn(lazy, NULL, &r, NULL);
		}
		wr_spawn_result_release(&r);
		rmdir(s->mnt);
	}
	wr_loopdev_detach(s->loop);
	free(s);
}
