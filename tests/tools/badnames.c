/*
 * badnames.c - write files whose NTFS names are not valid UTF-16, for the bad-input
 * matrix (tests/bad-input/b-names-invalid-utf16.sh).
 *
 *   badnames IMAGE DIR
 *
 * Creates in the existing folder DIR (a path with '/' separators) of the NTFS volume
 * IMAGE three files whose names hold a lone high surrogate (U+D800), a lone low
 * surrogate (U+DC00) and a reversed pair (U+DC00 U+D800), all empty.  Windows allows such names (NTFS stores any 16-bit units), no Linux
 * tool can type them and mkvolume's spec language is UTF-8, hence this small program
 * on libntfs-3g.  Prints one line per file created; exit 0 on success.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/volume.h>

struct bad_name {
	const char *label;
	ntfschar units[16];
	int len;
};

/* The files stay empty: writing data would make libntfs-3g update the file's entry in
 * the folder's index when the inode is closed, and its index lookup cannot always find
 * a name with lone surrogates again (it fails with EIO in some folders).  An empty
 * file's index entry is complete as ntfs_create() writes it. */
static int make_file(ntfs_inode *dir, const struct bad_name *b)
{
	ntfschar name[16];
	ntfs_inode *ni;

	for (int i = 0; i < b->len; i++)
		name[i] = cpu_to_le16(b->units[i]);
	ni = ntfs_create(dir, const_cpu_to_le32(0), name, (u8)b->len, S_IFREG);
	if (!ni) {
		fprintf(stderr, "badnames: cannot create %s: %s\n", b->label, strerror(errno));
		return -1;
	}
	if (ntfs_inode_close(ni)) {
		fprintf(stderr, "badnames: cannot close %s: %s\n", b->label, strerror(errno));
		return -1;
	}
	printf("%s\n", b->label);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct bad_name names[] = {
		{ "high-surrogate", { 'h', 'i', 0xD800, '.', 't', 'x', 't' }, 7 },
		{ "low-surrogate", { 'l', 'o', 0xDC00, '.', 't', 'x', 't' }, 7 },
		{ "reversed-pair", { 'r', 'v', 0xDC00, 0xD800, '.', 't', 'x', 't' }, 8 },
	};
	ntfs_volume *vol;
	ntfs_inode *dir;
	int ret = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: badnames IMAGE DIR\n");
		return 2;
	}
	vol = ntfs_mount(argv[1], 0);
	if (!vol) {
		fprintf(stderr, "badnames: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	dir = ntfs_pathname_to_inode(vol, NULL, argv[2]);
	if (!dir) {
		fprintf(stderr, "badnames: no folder %s: %s\n", argv[2], strerror(errno));
		ntfs_umount(vol, FALSE);
		return 1;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (make_file(dir, &names[i]))
			ret = 1;
	if (ntfs_inode_close(dir))
		ret = 1;
	if (ntfs_umount(vol, FALSE)) {
		fprintf(stderr, "badnames: cannot close %s: %s\n", argv[1], strerror(errno));
		ret = 1;
	}
	return ret;
}
