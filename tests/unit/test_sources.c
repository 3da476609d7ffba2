/*
 * test_sources.c - image sources and matching on WIMs that wimlib itself describes.
 *
 * A tree holding Windows\System32\config\SOFTWARE and SYSTEM (minimal hives made
 * with the engine's wr_regf_create_blank and filled with hivex) and a kernel32.dll
 * PE header is captured with wimlib-imagex, which fills the WINDOWS part of the XML
 * by itself: edition, architecture, version and languages come from wimlib, not
 * from us.  wiminfo is the independent reader.  Then the matching rules (the 8 vs
 * 8.1 trap, x86 vs x64, Core vs Professional, older build), and the search on a
 * disk image: custom image (ReAgent), OEM image on the recovery partition,
 * installation media on a volume and in a folder, read in place through NTFS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mkimg.h"
#include "testdata.h"
#include "winrescue.h"

static char tmpdir[256];

static char *tpath(const char *name)
{
	static char bufs[64][1024];
	static int next;
	char *b = bufs[next++ % 64];

	snprintf(b, 1024, "%s/%s", tmpdir, name);
	return b;
}

static void mkdirs(const char *path)
{
	const char *argv[] = {"mkdir", "-p", path, NULL};

	assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
}

/* ---- a Windows tree -------------------------------------------------- */

struct winspec {
	const char *product, *edition;
	unsigned major, minor, build;
	uint16_t machine;	  /* PE machine: 0x14c x86, 0x8664 x64 */
	const char *const *langs; /* first = default */
};

static hive_node_h mkkey(hive_h *h, const char *path)
{
	hive_node_h n = hivex_root(h);
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *c = strtok_r(buf, "\\", &save); c; c = strtok_r(NULL, "\\", &save)) {
		hive_node_h k = hivex_node_get_child(h, n, c);

		if (!k)
			k = hivex_node_add_child(h, n, c);
		assert_true(k != 0);
		n = k;
	}
	return n;
}

static void set_sz(hive_h *h, hive_node_h n, const char *name, const char *v)
{
	char buf[512];
	size_t len = strlen(v);
	hive_set_value val;

	for (size_t i = 0; i <= len; i++) {
		buf[2 * i] = v[i];
		buf[2 * i + 1] = 0;
	}
	val.key = (char *)name;
	val.t = hive_t_REG_SZ;
	val.len = 2 * (len + 1);
	val.value = buf;
	assert_int_equal(hivex_node_set_value(h, n, &val, 0), 0);
}

static void set_dword(hive_h *h, hive_node_h n, const char *name, uint32_t v)
{
	char buf[4] = {(char)(v & 0xff), (char)(v >> 8 & 0xff), (char)(v >> 16 & 0xff),
		       (char)(v >> 24)};
	hive_set_value val = {(char *)name, hive_t_REG_DWORD, 4, buf};

	assert_int_equal(hivex_node_set_value(h, n, &val, 0), 0);
}

static void make_tree(const char *dir, const struct winspec *s)
{
	struct wr_detail d = WR_DETAIL_INIT;
	char p[1024], v[64];
	hive_h *h;
	hive_node_h n;
	unsigned char pe[1024] = {'M', 'Z'};
	FILE *f;

	snprintf(p, sizeof(p), "%s/Windows/System32/config", dir);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/Windows/System32/config/SOFTWARE", dir);
	assert_int_equal(wr_regf_create_blank(p, "ROOT", &d), WR_OK);
	h = hivex_open(p, HIVEX_OPEN_WRITE);
	assert_non_null(h);
	n = mkkey(h, "Microsoft\\Windows NT\\CurrentVersion");
	set_sz(h, n, "ProductName", s->product);
	set_sz(h, n, "EditionID", s->edition);
	set_sz(h, n, "InstallationType", "Client");
	snprintf(v, sizeof(v), "%u.%u", s->major < 10 ? s->major : 6, s->major < 10 ? s->minor : 3);
	set_sz(h, n, "CurrentVersion", v);
	snprintf(v, sizeof(v), "%u", s->build);
	set_sz(h, n, "CurrentBuild", v);
	set_sz(h, n, "CurrentBuildNumber", v);
	if (s->major >= 10) {
		set_dword(h, n, "CurrentMajorVersionNumber", s->major);
		set_dword(h, n, "CurrentMinorVersionNumber", s->minor);
	}
	assert_int_equal(hivex_commit(h, NULL, 0), 0);
	hivex_close(h);

	snprintf(p, sizeof(p), "%s/Windows/System32/config/SYSTEM", dir);
	assert_int_equal(wr_regf_create_blank(p, "ROOT", &d), WR_OK);
	h = hivex_open(p, HIVEX_OPEN_WRITE);
	assert_non_null(h);
	set_dword(h, mkkey(h, "Select"), "Current", 1);
	n = mkkey(h, "ControlSet001\\Control\\ProductOptions");
	set_sz(h, n, "ProductType", "WinNT");
	n = mkkey(h, "ControlSet001\\Control\\Nls\\Language");
	set_sz(h, n, "InstallLanguage", "0409");
	set_sz(h, n, "Default", "0409");
	for (const char *const *l = s->langs; *l; l++) {
		char key[128];

		snprintf(key, sizeof(key), "ControlSet001\\Control\\MUI\\UILanguages\\%s", *l);
		mkkey(h, key);
	}
	assert_int_equal(hivex_commit(h, NULL, 0), 0);
	hivex_close(h);

	/* kernel32.dll: DOS header pointing at a PE header with the machine type. */
	pe[0x3c] = 0x80;
	memcpy(pe + 0x80, "PE\0\0", 4);
	pe[0x84] = (unsigned char)(s->machine & 0xff);
	pe[0x85] = (unsigned char)(s->machine >> 8);
	snprintf(p, sizeof(p), "%s/Windows/System32/kernel32.dll", dir);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pe, 1, sizeof(pe), f), sizeof(pe));
	fclose(f);
}

/* Capture (or append) the tree as an image named name. */
static void wim_add(const char *wim, const char *tree, const char *name, bool append)
{
	const char *argv[] = {
	    "wimlib-imagex", append ? "append" : "capture", tree, wim, name, NULL};

	if (!append)
		unlink(wim);
	assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
}

static const char *const en_ja[] = {"en-US", "ja-JP", NULL};
static const char *const en[] = {"en-US", NULL};

static const struct winspec w81_core = {"Windows 8.1", "Core", 6, 3, 9600, 0x8664, en};
static const struct winspec w81_pro = {
    "Windows 8.1 Pro", "Professional", 6, 3, 9600, 0x8664, en_ja};
static const struct winspec w8_core = {"Windows 8", "Core", 6, 2, 9200, 0x8664, en};
static const struct winspec w81_core_x86 = {"Windows 8.1", "Core", 6, 3, 9600, 0x14c, en};
static const struct winspec w10_pro = {"Windows 10 Pro", "Professional", 10, 0, 19045, 0x8664, en};

/* The WIMs every test uses, made once. */
static void make_wims(void)
{
	const struct winspec *specs[] = {&w81_core, &w81_pro, &w8_core, &w81_core_x86, &w10_pro};
	const char *names[] = {"81core", "81pro", "8core", "81x86", "10pro"};

	for (size_t i = 0; i < 5; i++) {
		char dir[64];

		snprintf(dir, sizeof(dir), "tree-%s", names[i]);
		make_tree(tpath(dir), specs[i]);
	}
	/* install.wim as on 8.1 media: 1 Core, 2 Professional. */
	wim_add(tpath("install81.wim"), tpath("tree-81core"), "Windows 8.1", false);
	wim_add(tpath("install81.wim"), tpath("tree-81pro"), "Windows 8.1 Pro", true);
	wim_add(tpath("install8.wim"), tpath("tree-8core"), "Windows 8", false);
	wim_add(tpath("install81x86.wim"), tpath("tree-81x86"), "Windows 8.1 x86", false);
	wim_add(tpath("install10.wim"), tpath("tree-10pro"), "Windows 10 Pro", false);
}

struct fd_ctx {
	int fd;
};

static int fd_read_at(void *ctx, uint64_t offset, void *buf, size_t len)
{
	struct fd_ctx *c = ctx;

	return pread(c->fd, buf, len, (off_t)offset) == (ssize_t)len ? WR_OK : WR_ERR_READ;
}

static int field(const char *text, const char *key, unsigned n, char *buf, size_t size)
{
	const char *p = text;
	size_t klen = strlen(key);

	for (;;) {
		p = strstr(p, key);
		if (!p)
			return -1;
		if ((p == text || p[-1] == '\n') && p[klen] == ':' && n-- == 0)
			break;
		p += klen;
	}
	p += klen + 1;
	while (*p == ' ')
		p++;
	snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
	for (size_t k = strlen(buf); k && buf[k - 1] == ' '; k--)
		buf[k - 1] = '\0'; /* wiminfo ends "Languages:" with a space */
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

/* Every WINDOWS field we read is what wiminfo prints; both readers agree. */
static void test_windows_fields_match_wiminfo(void **state)
{
	(void)state;
	static char out[65536];
	const char *wims[] = {"install81.wim", "install8.wim", "install81x86.wim", "install10.wim"};

	for (size_t w = 0; w < 4; w++) {
		const char *path = tpath(wims[w]);
		const char *argv[] = {"wiminfo", path, NULL};
		struct wr_detail d = WR_DETAIL_INIT;
		struct wr_wim_info *info = NULL;
		char v[256];

		assert_int_equal(wr_wim_read_info(path, false, &info, &d), WR_OK);
		assert_int_equal(mkimg_run(argv, NULL, out, sizeof(out)), 0);
		for (unsigned i = 0; i < info->image_count; i++) {
			const struct wr_image_info *img = &info->images[i];
			char want[256];

			assert_true(img->is_windows);
			assert_int_equal(field(out, "Product Name", i, v, sizeof(v)), 0);
			assert_string_equal(v, img->product_name);
			assert_int_equal(field(out, "Edition ID", i, v, sizeof(v)), 0);
			assert_string_equal(v, img->edition);
			assert_int_equal(field(out, "Installation Type", i, v, sizeof(v)), 0);
			assert_string_equal(v, img->installation_type);
			assert_int_equal(field(out, "Major Version", i, v, sizeof(v)), 0);
			assert_int_equal(strtoul(v, NULL, 10), img->major);
			assert_int_equal(field(out, "Minor Version", i, v, sizeof(v)), 0);
			assert_int_equal(strtoul(v, NULL, 10), img->minor);
			assert_int_equal(field(out, "Build", i, v, sizeof(v)), 0);
			assert_int_equal(strtoul(v, NULL, 10), img->build);
			assert_int_equal(field(out, "Default Language", i, v, sizeof(v)), 0);
			assert_string_equal(v, img->default_language);
			assert_int_equal(field(out, "Architecture", i, v, sizeof(v)), 0);
			assert_string_equal(v, img->arch == WR_ARCH_X64 ? "x86_64" : "x86");
			/* wiminfo: "Languages: en-US ja-JP" (in XML order). */
			assert_int_equal(field(out, "Languages", i, v, sizeof(v)), 0);
			snprintf(want, sizeof(want), "%s", img->languages);
			for (char *c = want; *c; c++)
				if (*c == ',')
					*c = ' ';
			assert_string_equal(v, want);
		}
		/* The in-place reader gives the same for the WINDOWS fields. */
		{
			struct fd_ctx c = {open(path, O_RDONLY)};
			struct wr_reader r = {fd_read_at, 0, &c};
			struct wr_wim_info *b = NULL;
			struct stat st;

			assert_true(c.fd >= 0);
			assert_int_equal(fstat(c.fd, &st), 0);
			r.size = (uint64_t)st.st_size;
			assert_int_equal(wr_wim_read_info_from(&r, path, &b, &d), WR_OK);
			close(c.fd);
			assert_int_equal(b->image_count, info->image_count);
			for (unsigned i = 0; i < info->image_count; i++) {
				const struct wr_image_info *x = &info->images[i],
							   *y = &b->images[i];

				assert_string_equal(x->product_name, y->product_name);
				assert_string_equal(x->edition, y->edition);
				assert_string_equal(x->installation_type, y->installation_type);
				assert_int_equal(x->arch, y->arch);
				assert_int_equal(x->major, y->major);
				assert_int_equal(x->minor, y->minor);
				assert_int_equal(x->build, y->build);
				assert_int_equal(x->spbuild, y->spbuild);
				assert_string_equal(x->languages, y->languages);
				assert_string_equal(x->default_language, y->default_language);
				assert_int_equal(x->total_bytes, y->total_bytes);
				assert_int_equal(x->file_count, y->file_count);
				assert_int_equal(x->is_windows, y->is_windows);
			}
			wr_wim_info_free(b);
		}
		wr_wim_info_free(info);
	}
}

static void test_fields_are_what_the_tree_holds(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;

	assert_int_equal(wr_wim_read_info(tpath("install81.wim"), false, &info, &d), WR_OK);
	assert_int_equal(info->image_count, 2);
	assert_string_equal(info->images[0].edition, "Core");
	assert_string_equal(info->images[1].edition, "Professional");
	assert_string_equal(info->images[1].product_name, "Windows 8.1 Pro");
	assert_int_equal(info->images[0].arch, WR_ARCH_X64);
	assert_int_equal(info->images[0].major, 6);
	assert_int_equal(info->images[0].minor, 3);
	assert_int_equal(info->images[0].build, 9600);
	assert_string_equal(info->images[1].languages, "en-US,ja-JP");
	assert_string_equal(info->images[1].default_language, "en-US");
	wr_wim_info_free(info);
	assert_int_equal(wr_wim_read_info(tpath("install81x86.wim"), false, &info, &d), WR_OK);
	assert_int_equal(info->images[0].arch, WR_ARCH_X86);
	wr_wim_info_free(info);
	assert_int_equal(wr_wim_read_info(tpath("install10.wim"), false, &info, &d), WR_OK);
	assert_int_equal(info->images[0].major, 10);
	assert_int_equal(info->images[0].build, 19045);
	wr_wim_info_free(info);
}

static void set_windows(struct wr_windows *w, const struct winspec *s)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->product_name, sizeof(w->product_name), "%s", s->product);
	snprintf(w->edition, sizeof(w->edition), "%s", s->edition);
	w->major = s->major;
	w->minor = s->minor;
	w->build = s->build;
	w->arch = s->machine == 0x8664 ? WR_ARCH_X64 : WR_ARCH_X86;
}

static unsigned match_of(const char *wim, unsigned index, const struct wr_windows *w)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *info = NULL;
	unsigned m;

	assert_int_equal(wr_wim_read_info(tpath(wim), false, &info, &d), WR_OK);
	assert_true(index <= info->image_count);
	m = wr_sources_match(w, &info->images[index - 1]);
	wr_wim_info_free(info);
	return m;
}

static void test_matching(void **state)
{
	(void)state;
	struct wr_windows w;

	set_windows(&w, &w81_core);
	assert_int_equal(match_of("install81.wim", 1, &w), WR_MATCH_OK);
	assert_int_equal(match_of("install81.wim", 2, &w), WR_MISMATCH_EDITION);
	/* The trap: a Windows 8 image for a Windows 8.1 system. */
	assert_int_equal(match_of("install8.wim", 1, &w), WR_MISMATCH_VERSION);
	assert_int_equal(match_of("install81x86.wim", 1, &w), WR_MISMATCH_ARCH);
	assert_int_equal(match_of("install10.wim", 1, &w),
			 WR_MISMATCH_VERSION | WR_MISMATCH_EDITION);
	/* An installation updated past the image's build. */
	w.build = 9601;
	assert_int_equal(match_of("install81.wim", 1, &w), WR_MISMATCH_OLDER_BUILD);
	/* Newer image build is fine; edition compare ignores case. */
	w.build = 9500;
	snprintf(w.edition, sizeof(w.edition), "core");
	assert_int_equal(match_of("install81.wim", 1, &w), WR_MATCH_OK);
	/* Unknown architecture of the installation: cannot be shown to match. */
	w.arch = WR_ARCH_UNKNOWN;
	assert_int_equal(match_of("install81.wim", 1, &w), WR_MISMATCH_ARCH);
	/* A WIM without Windows in it. */
	{
		struct wr_detail d = WR_DETAIL_INIT;
		struct wr_wim_info *info = NULL;
		char p[1200];

		snprintf(p, sizeof(p), "%s/wim/LZX.wim", testdata_dir());
		assert_int_equal(wr_wim_read_info(p, false, &info, &d), WR_OK);
		assert_int_equal(wr_sources_match(&w, &info->images[0]), WR_MISMATCH_NOT_WINDOWS);
		wr_wim_info_free(info);
	}
}

/* What a front end does with a reason (after gettext). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void render(char *buf, size_t size, const struct wr_mismatch_reason *r)
{
	snprintf(buf, size, r->msgid, r->image_value, r->system_value);
}
#pragma GCC diagnostic pop

static void test_explain(void **state)
{
	(void)state;
	struct wr_mismatch_reason r[5];
	struct wr_windows w;
	struct wr_image_info img;
	char line[512];
	size_t n;

	set_windows(&w, &w81_core);
	memset(&img, 0, sizeof(img));
	img.is_windows = true;
	img.major = 6;
	img.minor = 2;
	img.build = 9200;
	img.arch = WR_ARCH_X86;
	snprintf(img.edition, sizeof(img.edition), "Professional");
	n = wr_sources_explain(wr_sources_match(&w, &img), &w, &img, r);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].bit, WR_MISMATCH_VERSION);
	assert_string_equal(r[0].image_value, "Windows 8");
	assert_string_equal(r[0].system_value, "Windows 8.1");
	render(line, sizeof(line), &r[0]);
	assert_string_equal(line, "A Windows 8 image cannot refresh Windows 8.1: the image must be "
				  "the same Windows version as the installed system.");
	assert_int_equal(r[1].bit, WR_MISMATCH_ARCH);
	render(line, sizeof(line), &r[1]);
	assert_non_null(strstr(line, "x86 (32-bit)"));
	assert_non_null(strstr(line, "x64 (64-bit)"));
	assert_int_equal(r[2].bit, WR_MISMATCH_EDITION);
	assert_string_equal(r[2].image_value, "Professional");
	assert_string_equal(r[2].system_value, "Core");
	/* Every sentence: positional arguments, a capital, a full stop. */
	for (size_t i = 0; i < n; i++) {
		assert_non_null(strstr(r[i].msgid, "%1$s"));
		assert_non_null(strstr(r[i].msgid, "%2$s"));
		assert_true(r[i].msgid[0] >= 'A' && r[i].msgid[0] <= 'Z');
		assert_int_equal(r[i].msgid[strlen(r[i].msgid) - 1], '.');
	}
	img.major = 6;
	img.minor = 3;
	img.arch = WR_ARCH_X64;
	snprintf(img.edition, sizeof(img.edition), "Core");
	w.build = 9600;
	img.build = 9200;
	n = wr_sources_explain(wr_sources_match(&w, &img), &w, &img, r);
	assert_int_equal(n, 1);
	render(line, sizeof(line), &r[0]);
	assert_non_null(strstr(line, "build 9200, older than the installed build 9600"));
	img.is_windows = false;
	n = wr_sources_explain(wr_sources_match(&w, &img), &w, &img, r);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].bit, WR_MISMATCH_NOT_WINDOWS);
	{
		char b[32];

		assert_string_equal(wr_sources_version_name(10, 0, b, sizeof(b)), "Windows 10");
		assert_string_equal(wr_sources_version_name(6, 4, b, sizeof(b)), "Windows 6.4");
	}
}

/* Given paths: a folder laid out like installation media, a .wim file, an .iso, a
 * missing path, a damaged WIM. */
static void test_given_paths(void **state)
{
	(void)state;
	const char *cp[] = {"cp", tpath("install81.wim"), tpath("media/Sources/INSTALL.WIM"), NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_source_list l;
	struct wr_windows w;
	const struct wr_source *best;
	unsigned index;
	FILE *f;
	const char *paths[] = {tpath("install8.wim"), tpath("media"),	tpath("win.iso"),
			       tpath("nothing.wim"),  tpath("bad.wim"), NULL};

	mkdirs(tpath("media/Sources"));
	assert_int_equal(mkimg_run(cp, NULL, NULL, 0), 0);
	f = fopen(tpath("win.iso"), "wb");
	fputs("CD001", f);
	fclose(f);
	f = fopen(tpath("bad.wim"), "wb");
	fputs("MSWIM\0\0\0garbage", f);
	fclose(f);
	set_windows(&w, &w81_pro);
	assert_int_equal(wr_sources_find(&w, NULL, paths, &l, &d), WR_OK);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.v[0].kind, WR_SOURCE_GIVEN);
	assert_int_equal(l.v[0].err, WR_OK);
	assert_int_equal(l.v[0].mismatch[0], WR_MISMATCH_VERSION | WR_MISMATCH_EDITION);
	assert_int_equal(l.v[1].kind, WR_SOURCE_MEDIA);
	assert_int_equal(l.v[1].err, WR_OK);
	assert_non_null(strstr(l.v[1].path, "Sources/INSTALL.WIM"));
	assert_int_equal(l.v[1].info->image_count, 2);
	assert_int_equal(l.v[1].mismatch[0], WR_MISMATCH_EDITION);
	assert_int_equal(l.v[1].mismatch[1], WR_MATCH_OK);
	assert_int_equal(l.v[2].err, WR_ERR_UNSUPPORTED); /* not UDF */
	assert_null(l.v[2].info);
	assert_int_equal(l.v[3].err, WR_ERR_NOT_FOUND);
	assert_int_equal(l.v[4].err, WR_ERR_WIM_CORRUPT);
	assert_int_equal(wr_sources_best(&l, &best, &index), WR_OK);
	assert_ptr_equal(best, &l.v[1]);
	assert_int_equal(index, 2);
	wr_source_list_release(&l);

	/* Nothing fits: no best source. */
	set_windows(&w, &w10_pro);
	w.build = 20000;
	assert_int_equal(wr_sources_find(&w, NULL, paths, &l, &d), WR_OK);
	assert_int_equal(wr_sources_best(&l, &best, &index), WR_ERR_NO_SOURCE);
	assert_null(best);
	wr_source_list_release(&l);
}

/* ---- a disk image: recovery partition with the OEM image, a Windows volume with a
 * registered custom image, media on a data volume. -------------------------- */

static void make_ntfs_with(const char *img, const char *size, const char *tree)
{
	const char *trunc[] = {"truncate", "-s", size, img, NULL};
	const char *mk[] = {"mkntfs", "-F", "-f", "-q", img, NULL};
	const char *cap[] = {"wimlib-imagex",	"capture", tree, tpath("carrier.wim"), "c",
			     "--compress=none", NULL};
	struct wr_detail d = WR_DETAIL_INIT;

	unlink(img);
	assert_int_equal(mkimg_run(trunc, NULL, NULL, 0), 0);
	assert_int_equal(mkimg_run(mk, NULL, NULL, 0), 0);
	unlink(tpath("carrier.wim"));
	assert_int_equal(mkimg_run(cap, NULL, NULL, 0), 0);
	assert_int_equal(wr_wim_apply(tpath("carrier.wim"), 1, img, NULL, NULL, &d), WR_OK);
}

static void dd_into(const char *disk, const char *part, unsigned long start_sector)
{
	char of[1100], seek[64], iff[1100];
	const char *argv[] = {"dd", iff, of, "bs=512", seek, "conv=notrunc", "status=none", NULL};

	snprintf(iff, sizeof(iff), "if=%s", part);
	snprintf(of, sizeof(of), "of=%s", disk);
	snprintf(seek, sizeof(seek), "seek=%lu", start_sector);
	assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
}

static void test_disk_sources(void **state)
{
	(void)state;
	const char *disk = tpath("disk.img");
	const char *trunc[] = {"truncate", "-s", "64M", disk, NULL};
	const char *cp1[] = {"cp", tpath("install81.wim"), tpath("rec/RecoveryImage/install.wim"),
			     NULL};
	const char *cp2[] = {"cp", tpath("install81.wim"),
			     tpath("win/RefreshImage/CustomRefresh.wim"), NULL};
	const char *cp3[] = {"cp", tpath("install8.wim"), tpath("data/sources/install.wim"), NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_disk dk;
	struct wr_partition parts[3];
	struct wr_windows w;
	struct wr_source_list l;
	const struct wr_source *best;
	unsigned index;
	const char *sfd = "label: gpt\n"
			  "start=2048, size=20480, type=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC\n"
			  "start=22528, size=20480, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n"
			  "start=43008, size=20480, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n";
	int pfd[2], status;
	pid_t pid;

	mkdirs(tpath("rec/RecoveryImage"));
	mkdirs(tpath("win/RefreshImage"));
	mkdirs(tpath("win/Windows"));
	mkdirs(tpath("data/sources"));
	assert_int_equal(mkimg_run(cp1, NULL, NULL, 0), 0);
	assert_int_equal(mkimg_run(cp2, NULL, NULL, 0), 0);
	assert_int_equal(mkimg_run(cp3, NULL, NULL, 0), 0);
	make_ntfs_with(tpath("rec.img"), "10M", tpath("rec"));
	make_ntfs_with(tpath("win.img"), "10M", tpath("win"));
	make_ntfs_with(tpath("data.img"), "10M", tpath("data"));
	unlink(disk);
	assert_int_equal(mkimg_run(trunc, NULL, NULL, 0), 0);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(pfd[0], 0);
		dup2(null, 1);
		dup2(null, 2);
		close(pfd[1]);
		execlp("sfdisk", "sfdisk", "-q", disk, (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	assert_int_equal(write(pfd[1], sfd, strlen(sfd)), (ssize_t)strlen(sfd));
	close(pfd[1]);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	dd_into(disk, tpath("rec.img"), 2048);
	dd_into(disk, tpath("win.img"), 22528);
	dd_into(disk, tpath("data.img"), 43008);

	/* The disk as the disk module describes it. */
	memset(&dk, 0, sizeof(dk));
	memset(parts, 0, sizeof(parts));
	snprintf(dk.path, sizeof(dk.path), "%s", disk);
	dk.is_image = true;
	dk.table = WR_TABLE_GPT;
	dk.nparts = 3;
	dk.parts = parts;
	for (unsigned i = 0; i < 3; i++) {
		parts[i].number = i + 1;
		parts[i].start = (2048 + 20480ull * i) * 512;
		parts[i].size = 20480ull * 512;
		snprintf(parts[i].fstype, sizeof(parts[i].fstype), "ntfs");
	}
	parts[0].role = WR_ROLE_RECOVERY;
	parts[1].role = WR_ROLE_WINDOWS;
	parts[2].role = WR_ROLE_DATA;

	/* Without ReAgent: the recovery partition's \RecoveryImage, then the media. */
	set_windows(&w, &w81_pro);
	assert_int_equal(wr_sources_find(&w, &dk, NULL, &l, &d), WR_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].kind, WR_SOURCE_OEM);
	assert_int_equal(l.v[0].err, WR_OK);
	assert_string_equal(l.v[0].path, "\\RecoveryImage\\install.wim");
	assert_non_null(strstr(l.v[0].where, "partition 1"));
	assert_int_equal(l.v[0].info->image_count, 2);
	assert_string_equal(l.v[0].info->images[1].edition, "Professional");
	assert_int_equal(l.v[0].mismatch[1], WR_MATCH_OK);
	assert_int_equal(l.v[1].kind, WR_SOURCE_MEDIA);
	assert_string_equal(l.v[1].path, "\\sources\\install.wim");
	assert_non_null(strstr(l.v[1].where, "partition 3"));
	assert_int_equal(l.v[1].mismatch[0], WR_MISMATCH_VERSION | WR_MISMATCH_EDITION);
	/* What we read in place is what wimlib reads from the host file. */
	{
		struct wr_wim_info *host = NULL;

		assert_int_equal(wr_wim_read_info(tpath("install81.wim"), false, &host, &d), WR_OK);
		for (unsigned i = 0; i < 2; i++) {
			assert_string_equal(host->images[i].name, l.v[0].info->images[i].name);
			assert_string_equal(host->images[i].edition,
					    l.v[0].info->images[i].edition);
			assert_int_equal(host->images[i].build, l.v[0].info->images[i].build);
			assert_int_equal(host->images[i].total_bytes,
					 l.v[0].info->images[i].total_bytes);
			assert_string_equal(host->images[i].languages,
					    l.v[0].info->images[i].languages);
		}
		wr_wim_info_free(host);
	}
	assert_int_equal(wr_sources_best(&l, &best, &index), WR_OK);
	assert_ptr_equal(best, &l.v[0]);
	assert_int_equal(index, 2);
	wr_source_list_release(&l);

	/* With ReAgent: a custom image on the Windows partition comes first; a
	 * factory image location that is not there is listed as not found. */
	w.has_reagent = true;
	w.reagent.pbr_custom.present = true;
	snprintf(w.reagent.pbr_custom.path, sizeof(w.reagent.pbr_custom.path), "\\RefreshImage");
	w.reagent.pbr_custom.offset = 22528ull * 512;
	w.reagent.pbr_custom.index = 1;
	w.reagent.pbr.present = true;
	snprintf(w.reagent.pbr.path, sizeof(w.reagent.pbr.path), "\\RecoveryImage");
	w.reagent.pbr.offset = 2048ull * 512;
	assert_int_equal(wr_sources_find(&w, &dk, NULL, &l, &d), WR_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].kind, WR_SOURCE_CUSTOM);
	assert_int_equal(l.v[0].err, WR_OK);
	assert_string_equal(l.v[0].path, "\\RefreshImage\\CustomRefresh.wim");
	assert_non_null(strstr(l.v[0].where, "partition 2"));
	assert_int_equal(l.v[1].kind, WR_SOURCE_OEM);
	assert_string_equal(l.v[1].path, "\\RecoveryImage\\install.wim");
	assert_int_equal(l.v[2].kind, WR_SOURCE_MEDIA);
	wr_source_list_release(&l);

	w.reagent.pbr_custom.offset = 12345 * 512; /* no partition there */
	assert_int_equal(wr_sources_find(&w, &dk, NULL, &l, &d), WR_OK);
	assert_int_equal(l.v[0].kind, WR_SOURCE_CUSTOM);
	assert_int_equal(l.v[0].err, WR_ERR_NO_SUCH_PARTITION);
	assert_null(l.v[0].info);
	assert_int_equal(l.v[1].kind, WR_SOURCE_OEM);
	assert_int_equal(l.v[1].err, WR_OK);
	wr_source_list_release(&l);
}

/* Windows ISOs: install.wim read inside the UDF file system, without mounting. */
static void test_iso(void **state)
{
	(void)state;
	const char *cp[] = {"cp", tpath("install81.wim"), tpath("isoroot/sources/install.wim"),
			    NULL};
	const char *mkudf[] = {
	    "genisoimage", "-quiet",	       "-udf",		 "-V", "IR3_CCSA_X64FRE_EN-US_DV9",
	    "-o",	   tpath("win81.iso"), tpath("isoroot"), NULL};
	const char *mkplain[] = {"genisoimage",	     "-quiet",	       "-o",
				 tpath("plain.iso"), tpath("isoroot"), NULL};
	const char *mkempty[] = {"genisoimage",	     "-quiet",		 "-udf", "-o",
				 tpath("empty.iso"), tpath("emptyroot"), NULL};
	const char *paths[] = {tpath("win81.iso"), tpath("plain.iso"), tpath("empty.iso"),
			       tpath("short.iso"), NULL};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_wim_info *host = NULL;
	struct wr_source_list l;
	struct wr_windows w;
	FILE *f;

	mkdirs(tpath("isoroot/sources"));
	mkdirs(tpath("emptyroot/boot"));
	assert_int_equal(mkimg_run(cp, NULL, NULL, 0), 0);
	/* Something before install.wim, as on real media (boot.wim comes first). */
	f = fopen(tpath("isoroot/sources/boot.wim"), "wb");
	for (int i = 0; i < 300000; i++)
		fputc(i * 31 % 251, f);
	fclose(f);
	assert_int_equal(mkimg_run(mkudf, NULL, NULL, 0), 0);
	assert_int_equal(mkimg_run(mkplain, NULL, NULL, 0), 0);
	assert_int_equal(mkimg_run(mkempty, NULL, NULL, 0), 0);
	{
		/* A truncated copy of the ISO: cut inside install.wim's data. */
		size_t len;
		char *buf;
		FILE *in = fopen(tpath("win81.iso"), "rb");

		fseek(in, 0, SEEK_END);
		len = (size_t)ftell(in);
		rewind(in);
		buf = malloc(len);
		assert_int_equal(fread(buf, 1, len, in), len);
		fclose(in);
		f = fopen(tpath("short.iso"), "wb");
		fwrite(buf, 1, len / 3, f);
		fclose(f);
		free(buf);
	}

	set_windows(&w, &w81_core);
	assert_int_equal(wr_sources_find(&w, NULL, paths, &l, &d), WR_OK);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[0].kind, WR_SOURCE_GIVEN);
	assert_int_equal(l.v[0].err, WR_OK);
	assert_non_null(strstr(l.v[0].info->path, "win81.iso:sources/install.wim"));
	assert_int_equal(wr_wim_read_info(tpath("install81.wim"), false, &host, &d), WR_OK);
	assert_int_equal(l.v[0].info->image_count, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct wr_image_info *a = &host->images[i], *b = &l.v[0].info->images[i];

		assert_string_equal(a->name, b->name);
		assert_string_equal(a->edition, b->edition);
		assert_string_equal(a->product_name, b->product_name);
		assert_int_equal(a->arch, b->arch);
		assert_int_equal(a->build, b->build);
		assert_int_equal(a->total_bytes, b->total_bytes);
		assert_string_equal(a->languages, b->languages);
	}
	assert_int_equal(l.v[0].mismatch[0], WR_MATCH_OK);
	assert_int_equal(l.v[0].mismatch[1], WR_MISMATCH_EDITION);
	/* ISO 9660 only: no UDF, said so; no install.wim: not found; cut short:
	 * an error, never a half-read list. */
	assert_int_equal(l.v[1].err, WR_ERR_UNSUPPORTED);
	assert_int_equal(l.v[2].err, WR_ERR_NOT_FOUND);
	assert_int_not_equal(l.v[3].err, WR_OK);
	assert_null(l.v[3].info);
	wr_wim_info_free(host);
	wr_source_list_release(&l);
}

/* The synthetic PC of tests/fixtures/build-pc.sh (GPT and MBR): the factory image
 * its ReAgent.xml names on the recovery partition comes first and can refresh the
 * installed Windows 8.1 Core; of the media's install.wim, index 1 (Core) can, index
 * 2 (Professional) cannot. */
static void check_pc(const char *img, const char *host_wim)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_disk *disk = NULL;
	struct wr_windows *w = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_extent ext;
	struct wr_source_list l;
	struct wr_wim_info *host = NULL;
	const struct wr_source *best;
	const struct wr_partition *win = NULL, *rec = NULL;
	unsigned index;

	assert_int_equal(wr_disk_read(img, &disk, &d), WR_OK);
	for (size_t i = 0; i < disk->nparts; i++) {
		if (disk->parts[i].role == WR_ROLE_WINDOWS)
			win = &disk->parts[i];
		if (disk->parts[i].role == WR_ROLE_RECOVERY)
			rec = &disk->parts[i];
	}
	assert_non_null(win);
	assert_non_null(rec);
	assert_int_equal(wr_blockdev_resolve(img, win->number, &ext, &d), WR_OK);
	assert_int_equal(wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d), WR_OK);
	assert_int_equal(wr_winsys_read(vol, &w, &d), WR_OK);
	wr_ntfs_close(vol);
	assert_true(w->has_reagent);
	assert_true(w->reagent.pbr.present);
	assert_int_equal(w->reagent.pbr.offset, rec->start);

	{
		const char *extra[] = {host_wim, NULL};

		assert_int_equal(wr_sources_find(w, disk, extra, &l, &d), WR_OK);
	}
	/* The factory image (Core only) first, then the media given by path. */
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].kind, WR_SOURCE_OEM);
	assert_int_equal(l.v[0].err, WR_OK);
	assert_string_equal(l.v[0].path, "\\RecoveryImage\\install.wim");
	assert_non_null(strstr(l.v[0].where, "partition"));
	assert_int_equal(wr_wim_read_info(host_wim, false, &host, &d), WR_OK);
	assert_int_equal(l.v[0].info->image_count, 1);
	assert_string_equal(l.v[0].info->images[0].name, host->images[0].name);
	assert_string_equal(l.v[0].info->images[0].edition, "Core");
	assert_int_equal(l.v[0].info->images[0].build, host->images[0].build);
	assert_int_equal(l.v[0].info->images[0].arch, WR_ARCH_X64);
	assert_int_equal(l.v[0].mismatch[0], WR_MATCH_OK);
	assert_int_equal(l.v[1].kind, WR_SOURCE_GIVEN);
	assert_int_equal(l.v[1].info->image_count, 2);
	assert_int_equal(l.v[1].mismatch[0], WR_MATCH_OK);
	assert_int_equal(l.v[1].mismatch[1], WR_MISMATCH_EDITION);
	assert_int_equal(wr_sources_best(&l, &best, &index), WR_OK);
	assert_ptr_equal(best, &l.v[0]);
	assert_int_equal(index, 1);
	wr_wim_info_free(host);
	wr_source_list_release(&l);
	wr_windows_free(w);
	wr_disk_free(disk);
}

static void test_synthetic_pc(void **state)
{
	(void)state;
	const char *top = getenv("WINRESCUE_TOP"), *build = getenv("BUILD");
	char script[1200], mkvolume[1200];

	snprintf(script, sizeof(script), "%s/tests/fixtures/build-pc.sh", top ? top : ".");
	snprintf(mkvolume, sizeof(mkvolume), "%s/%s/tools/mkvolume", top ? top : ".",
		 build ? build : "build");
	if (access(mkvolume, X_OK)) {
		/* Only when the test program is run by hand without `make all`. */
		skip();
	}
	{
		const char *argv[] = {"bash",	  script, "--out", tpath("pc"),
				      "--layout", "both", NULL};

		assert_int_equal(mkimg_run(argv, NULL, NULL, 0), 0);
	}
	check_pc(tpath("pc/pc.img"), tpath("pc/install.wim"));
	check_pc(tpath("pc/pc-mbr.img"), tpath("pc/install.wim"));
}

static int setup(void **state)
{
	(void)state;
	if (mkimg_tmpdir(tmpdir, sizeof(tmpdir)))
		return -1;
	make_wims();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mkimg_rmrf(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_windows_fields_match_wiminfo),
	    cmocka_unit_test(test_fields_are_what_the_tree_holds),
	    cmocka_unit_test(test_matching),
	    cmocka_unit_test(test_explain),
	    cmocka_unit_test(test_given_paths),
	    cmocka_unit_test(test_disk_sources),
	    cmocka_unit_test(test_iso),
	    cmocka_unit_test(test_synthetic_pc),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
