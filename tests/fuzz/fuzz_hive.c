/*
 * fuzz_hive.c - libFuzzer harness for the hive-reading layer (hive.c via hivex,
 * winsys.c, apps.c) and for the transaction-log replay (hivelog.c).
 *
 * The input is written to a temporary file and opened as a hive; every key two levels
 * deep is read with every getter, and the installation/app/SAM readers run on it.  The
 * input is also replayed as a .LOG1 against a real dirty hive (FUZZ_HIVE_BASE) when
 * that variable names one.  Nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_key(struct wr_hive *h, const char *key, int depth)
{
	char **vals = NULL, **subs = NULL;

	if (wr_hive_values(h, key, &vals, NULL) == WR_OK) {
		for (size_t i = 0; vals[i]; i++) {
			char *s = NULL, **m = NULL;
			uint32_t dw, t;
			uint64_t q;
			void *b = NULL;
			size_t len;

			wr_hive_get_string(h, key, vals[i], &s, NULL);
			free(s);
			wr_hive_get_multi_string(h, key, vals[i], &m, NULL);
			wr_strv_free(m);
			wr_hive_get_dword(h, key, vals[i], &dw, NULL);
			wr_hive_get_qword(h, key, vals[i], &q, NULL);
			wr_hive_get_type(h, key, vals[i], &t, &len, NULL);
			wr_hive_get_binary(h, key, vals[i], &b, &len, &t, NULL);
			free(b);
		}
		wr_strv_free(vals);
	}
	if (depth >= 2 || wr_hive_subkeys(h, key, &subs, NULL) != WR_OK)
		return;
	for (size_t i = 0; subs[i] && i < 64; i++) {
		char sub[2048];

		snprintf(sub, sizeof(sub), "%s%s%s", key, *key ? "\\" : "", subs[i]);
		read_key(h, sub, depth + 1);
	}
	wr_strv_free(subs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-hive-XXXXXX", out[64];
	struct wr_hive *h = NULL;
	const char *base = getenv("FUZZ_HIVE_BASE");
	int fd = mkstemp(path);

	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (wr_hive_open(path, false, &h, NULL) == WR_OK) {
		struct wr_windows w = { 0 };
		struct wr_app_list apps = { 0, NULL };
		struct wr_sam_account *acc = NULL;
		size_t n;
		char sid[192];

		read_key(h, "", 0);
		wr_winsys_from_hives(h, h, h, &w, NULL);
		wr_winsys_keyboard_from_hive(h, &w, NULL);
		wr_windows_release(&w);
		wr_apps_from_hive(h, "", "u", 64, &apps, NULL);
		wr_apps_from_hive(h, "Microsoft\\Windows\\CurrentVersion\\Uninstall", NULL, 64, &apps,
				  NULL);
		wr_app_list_release(&apps);
		if (wr_winsys_sam_accounts(h, &acc, &n, sid, NULL) == WR_OK)
			free(acc);
		wr_hive_close(h);
	}
	snprintf(out, sizeof(out), "%s.out", path);
	wr_hivelog_replay(path, NULL, NULL, out, NULL, NULL);
	unlink(out);
	if (base) {
		struct wr_hivelog_result r;

		if (wr_hivelog_replay(base, path, NULL, out, &r, NULL) == WR_OK &&
		    r.entries_applied && wr_hive_open(out, false, &h, NULL) == WR_OK) {
			read_key(h, "", 1);
			wr_hive_close(h);
		}
		unlink(out);
	}
	unlink(path);
	return 0;
}

/* The volume glue (wr_winsys_read, wr_apps_read, wr_hivelog_copy_out) is not reached
 * here; these stand in for the ntfs module so that the harness does not load
 * libntfs-3g and libparted. */
int wr_ntfs_stat(struct wr_ntfs *vol, const char *path, struct wr_ntfs_stat *st,
		 struct wr_detail *d)
{
	(void)vol, (void)path, (void)st;
	return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, path);
}
int wr_ntfs_read_file(struct wr_ntfs *vol, const char *path, size_t max, void **buf,
		      size_t *len, struct wr_detail *d)
{
	(void)vol, (void)max, (void)buf, (void)len;
	return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, path);
}
int wr_ntfs_copy_out(struct wr_ntfs *vol, const char *path, const char *host_path,
		     struct wr_detail *d)
{
	(void)vol, (void)host_path;
	return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, path);
}
int wr_ntfs_list(struct wr_ntfs *vol, const char *path, char ***names_out,
		 struct wr_detail *d)
{
	(void)vol, (void)names_out;
	return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, path);
}
void wr_ntfs_list_free(char **names)
{
	wr_strv_free(names);
}
int wr_ntfs_tree_size(struct wr_ntfs *vol, const char *path, uint64_t *bytes,
		      uint64_t *files, struct wr_detail *d)
{
	(void)vol, (void)bytes, (void)files;
	return wr_detail_set(d, WR_ERR_NOT_FOUND, 0, path);
}
