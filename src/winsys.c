/*
 * winsys.c - facts about an offline Windows installation.
 *
 * Product, edition, version and build from SOFTWARE; computer name, time zone,
 * languages, Fast Startup and hibernation from SYSTEM's current control set; users
 * from ProfileList with their SAM account names; the architecture from kernel32.dll's
 * PE header; Store apps; ReAgent.xml.  Everything read here is untrusted: values are
 * copied with bounds, the SAM's binary records are parsed with every offset checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "winrescue.h"

#define CURRENT_VERSION "Microsoft\\Windows NT\\CurrentVersion"
#define PROFILE_LIST	CURRENT_VERSION "\\ProfileList"
#define APPX_APPS	"Microsoft\\Windows\\CurrentVersion\\Appx\\AppxAllUserStore\\Applications"
#define SAM_USERS	"SAM\\Domains\\Account\\Users"
/* Seconds between 1601-01-01 (FILETIME) and 1970-01-01. */
#define FILETIME_UNIX_DIFF 11644473600LL

/* Copy a UTF-8 string into a fixed buffer, cutting at a character boundary. */
static void scopy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

const char *wr_arch_name(enum wr_arch a)
{
	switch (a) {
	case WR_ARCH_X86:
		return "x86";
	case WR_ARCH_X64:
		return "x64";
	case WR_ARCH_ARM:
		return "arm";
	case WR_ARCH_ARM64:
		return "arm64";
	default:
		return "unknown";
	}
}

enum wr_arch wr_winsys_pe_arch(const void *buf, size_t len)
{
	const unsigned char *b = buf;
	uint32_t pe;
	unsigned machine;

	if (!b || len < 0x40 || b[0] != 'M' || b[1] != 'Z')
		return WR_ARCH_UNKNOWN;
	pe = b[0x3c] | (uint32_t)b[0x3d] << 8 | (uint32_t)b[0x3e] << 16 | (uint32_t)b[0x3f] << 24;
	if (pe > len || len - pe < 6 || memcmp(b + pe, "PE\0\0", 4))
		return WR_ARCH_UNKNOWN;
	machine = b[pe + 4] | (unsigned)b[pe + 5] << 8;
	switch (machine) {
	case 0x14c:
		return WR_ARCH_X86;
	case 0x8664:
		return WR_ARCH_X64;
	case 0x1c4:
		return WR_ARCH_ARM;
	case 0xaa64:
		return WR_ARCH_ARM64;
	default:
		return WR_ARCH_UNKNOWN;
	}
}

const char *wr_winsys_marketing_name(unsigned major, unsigned minor, unsigned build,
				     const char *installation_type)
{
	bool server = installation_type && strstr(installation_type, "Server");

	if (major == 10 && minor == 0) {
		if (server)
			return build >= 20348	? "Windows Server 2022"
			       : build >= 17763 ? "Windows Server 2019"
						: "Windows Server 2016";
		/* Windows 11 still says 10.0 (and often "Windows 10" in ProductName). */
		return build >= 22000 ? "Windows 11" : "Windows 10";
	}
	if (major == 6) {
		switch (minor) {
		case 3:
			return server ? "Windows Server 2012 R2" : "Windows 8.1";
		case 2:
			return server ? "Windows Server 2012" : "Windows 8";
		case 1:
			return server ? "Windows Server 2008 R2" : "Windows 7";
		case 0:
			return server ? "Windows Server 2008" : "Windows Vista";
		default:
			break;
		}
	}
	if (major == 5)
		return minor == 0 ? "Windows 2000" : "Windows XP";
	return "";
}

/* Copy a string value into a fixed buffer ("" when absent).  Returns the getter's
 * result so a caller can tell NOMEM apart; NOT_FOUND and wrong types are not errors
 * here. */
static int get_str(struct wr_hive *h, const char *key, const char *value, char *buf, size_t size)
{
	char *s = NULL;
	int ret = wr_hive_get_string(h, key, value, &s, NULL);

	buf[0] = '\0';
	if (ret == WR_OK) {
		scopy(buf, size, s);
		free(s);
	}
	return ret;
}

static bool get_dw(struct wr_hive *h, const char *key, const char *value, uint32_t *v)
{
	return wr_hive_get_dword(h, key, value, v, NULL) == WR_OK;
}

/* Strict unsigned decimal (whole string); false otherwise. */
static bool parse_uint(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xffffffffUL)
		return false;
	*out = (unsigned)v;
	return true;
}

int wr_winsys_version_from_key(struct wr_hive *h, const char *key, struct wr_windows *w,
			       struct wr_detail *d)
{
	char buf[64];
	uint32_t v, v2;
	uint64_t q;
	unsigned a, b;

	if (!h || !key || !w)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	if (!wr_hive_key_exists(h, key))
		return wr_detail_set(d, WR_ERR_NO_WINDOWS, 0, key);
	if (get_str(h, key, "ProductName", w->product_name, sizeof(w->product_name)) ==
	    WR_ERR_NOMEM)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, key);
	get_str(h, key, "EditionID", w->edition, sizeof(w->edition));
	get_str(h, key, "InstallationType", w->installation_type, sizeof(w->installation_type));
	get_str(h, key, "CurrentVersion", w->version, sizeof(w->version));
	w->major = w->minor = 0;
	if (sscanf(w->version, "%u.%u", &a, &b) == 2)
		w->major = a, w->minor = b;
	/* Windows 10 keeps CurrentVersion at "6.3" for old programs; the truth is here. */
	if (get_dw(h, key, "CurrentMajorVersionNumber", &v)) {
		w->major = v;
		w->minor = get_dw(h, key, "CurrentMinorVersionNumber", &v2) ? v2 : 0;
	}
	w->build = 0;
	get_str(h, key, "CurrentBuild", buf, sizeof(buf));
	if (!parse_uint(buf, &w->build)) {
		get_str(h, key, "CurrentBuildNumber", buf, sizeof(buf));
		if (!parse_uint(buf, &w->build))
			w->build = 0;
	}
	w->ubr = get_dw(h, key, "UBR", &v) ? v : 0;
	get_str(h, key, "DisplayVersion", w->display_version, sizeof(w->display_version));
	if (!w->display_version[0])
		get_str(h, key, "ReleaseId", w->display_version, sizeof(w->display_version));
	scopy(w->marketing_name, sizeof(w->marketing_name),
	      wr_winsys_marketing_name(w->major, w->minor, w->build, w->installation_type));
	w->install_date = 0;
	if (get_dw(h, key, "InstallDate", &v) && v)
		w->install_date = v;
	else if (wr_hive_get_qword(h, key, "InstallTime", &q, NULL) == WR_OK && q)
		w->install_date = (int64_t)(q / 10000000ULL) - FILETIME_UNIX_DIFF;
	return WR_OK;
}

/* ---- SYSTEM ----------------------------------------------------------------- */

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcasecmp(v[i], s))
			return true;
	return false;
}

static int read_languages(struct wr_hive *sys, const char *cs, struct wr_windows *w)
{
	char key[256], nls[256], lcid_str[16] = "";
	char **names = NULL;
	unsigned long lcid = 0;
	size_t n = 0;
	int ret;

	snprintf(nls, sizeof(nls), "%s\\Control\\Nls\\Language", cs);
	get_str(sys, nls, "Default", lcid_str, sizeof(lcid_str));
	if (lcid_str[0])
		lcid = strtoul(lcid_str, NULL, 16);
	snprintf(key, sizeof(key), "%s\\Control\\MUI\\UILanguages", cs);
	ret = wr_hive_subkeys(sys, key, &names, NULL);
	if (ret == WR_ERR_NOMEM)
		return ret;
	/* The default UI language is the UILanguages entry whose LCID matches. */
	for (size_t i = 0; names && names[i]; i++) {
		char sub[512];
		uint32_t v;

		snprintf(sub, sizeof(sub), "%s\\%s", key, names[i]);
		if (lcid && get_dw(sys, sub, "LCID", &v) && v == lcid) {
			scopy(w->default_language, sizeof(w->default_language), names[i]);
			break;
		}
	}
	if (!w->default_language[0] && names && names[0])
		scopy(w->default_language, sizeof(w->default_language), names[0]);
	wr_strv_free(w->languages);
	w->languages = NULL;
	if (w->default_language[0] && wr_strv_push(&w->languages, &n, w->default_language) != WR_OK)
		goto nomem;
	for (size_t i = 0; names && names[i]; i++)
		if (!strv_has(w->languages, names[i]) &&
		    wr_strv_push(&w->languages, &n, names[i]) != WR_OK)
			goto nomem;
	wr_strv_free(names);
	return WR_OK;
nomem:
	wr_strv_free(names);
	return WR_ERR_NOMEM;
}

static int read_system(struct wr_hive *sys, struct wr_windows *w)
{
	char key[256];
	uint32_t cur = 1, v;

	/* Select\Current names the control set Windows boots with. */
	if (!get_dw(sys, "Select", "Current", &cur) || cur == 0 || cur > 999)
		cur = 1;
	snprintf(w->control_set, sizeof(w->control_set), "ControlSet%03u", cur);
	if (!wr_hive_key_exists(sys, w->control_set))
		snprintf(w->control_set, sizeof(w->control_set), "ControlSet001");

	snprintf(key, sizeof(key), "%s\\Control\\ComputerName\\ComputerName", w->control_set);
	if (get_str(sys, key, "ComputerName", w->computer_name, sizeof(w->computer_name)) ==
	    WR_ERR_NOMEM)
		return WR_ERR_NOMEM;
	snprintf(key, sizeof(key), "%s\\Control\\TimeZoneInformation", w->control_set);
	get_str(sys, key, "TimeZoneKeyName", w->time_zone, sizeof(w->time_zone));
	snprintf(key, sizeof(key), "%s\\Control\\Session Manager\\Power", w->control_set);
	w->fast_startup_enabled = get_dw(sys, key, "HiberbootEnabled", &v) && v == 1;
	snprintf(key, sizeof(key), "%s\\Control\\Power", w->control_set);
	w->hibernate_enabled = get_dw(sys, key, "HibernateEnabled", &v) && v == 1;
	return read_languages(sys, w->control_set, w);
}

int wr_winsys_keyboard_from_hive(struct wr_hive *def, struct wr_windows *w, struct wr_detail *d)
{
	char layout[32];
	unsigned long id;
	char *end;
	int ret;

	if (!def || !w)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	ret = get_str(def, "Keyboard Layout\\Preload", "1", layout, sizeof(layout));
	if (ret)
		return wr_detail_set(d, ret, 0, "Keyboard Layout\\Preload\\1");
	errno = 0;
	id = strtoul(layout, &end, 16);
	if (errno || *end || end - layout != 8)
		return wr_detail_setf(d, WR_ERR_CORRUPT, 0, "Keyboard Layout\\Preload\\1",
				      "not a keyboard layout id: '%s'", layout);
	/* The input locale is "<language>:<layout>"; the language is the low word. */
	snprintf(w->keyboard, sizeof(w->keyboard), "%04lx:%08lx", id & 0xffff, id);
	return WR_OK;
}

/* ---- SAM ---------------------------------------------------------------------- */

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A binary SID at b (len bytes available) as "S-1-...". */
static bool sid_to_string(const unsigned char *b, size_t len, char *out, size_t size)
{
	uint64_t auth = 0;
	unsigned count;
	size_t o;

	if (len < 8 || b[0] != 1)
		return false;
	count = b[1];
	if (count > 15 || len < 8 + 4 * (size_t)count)
		return false;
	for (int i = 2; i < 8; i++)
		auth = (auth << 8) | b[i];
	o = (size_t)snprintf(out, size, "S-1-%llu", (unsigned long long)auth);
	for (unsigned i = 0; i < count && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "-%u", le32(b + 8 + 4 * i));
	return o < size;
}

/* Field i of a SAM V record: 12-byte (offset, length, unknown) entries from byte 0;
 * offsets count from 0xCC, where the data area starts. */
static bool v_field(const unsigned char *v, size_t len, unsigned i, const unsigned char **p,
		    size_t *flen)
{
	uint32_t off, l;

	if (len < 0xcc || 12 * (size_t)i + 8 > 0xcc)
		return false;
	off = le32(v + 12 * i);
	l = le32(v + 12 * i + 4);
	if (off > len - 0xcc || l > len - 0xcc - off)
		return false;
	*p = v + 0xcc + off;
	*flen = l;
	return true;
}

static int cmp_rid(const void *a, const void *b)
{
	const struct wr_sam_account *x = a, *y = b;

	return x->rid < y->rid ? -1 : x->rid > y->rid;
}

int wr_winsys_sam_accounts(struct wr_hive *sam, struct wr_sam_account **out, size_t *n,
			   char *machine_sid, struct wr_detail *d)
{
	struct wr_sam_account *acc = NULL;
	char **names = NULL;
	void *v = NULL;
	size_t vlen, count = 0;
	int ret;

	if (!sam || !out || !n)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	*out = NULL;
	*n = 0;
	if (machine_sid) {
		machine_sid[0] = '\0';
		/* The account domain's V ends with the machine SID (S-1-5-21-a-b-c). */
		if (wr_hive_get_binary(sam, "SAM\\Domains\\Account", "V", &v, &vlen, NULL, NULL) ==
			WR_OK &&
		    vlen >= 24)
			if (!sid_to_string((unsigned char *)v + vlen - 24, 24, machine_sid, 192))
				machine_sid[0] = '\0';
		free(v);
		v = NULL;
	}
	ret = wr_hive_subkeys(sam, SAM_USERS "\\Names", &names, d);
	if (ret)
		return ret;
	acc = calloc(wr_strv_len(names) + 1, sizeof(*acc));
	if (!acc) {
		ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; names[i]; i++) {
		struct wr_sam_account *a = &acc[count];
		char key[512];
		uint32_t rid, flags_type;
		const unsigned char *p;
		size_t plen;
		char *s;

		snprintf(key, sizeof(key), SAM_USERS "\\Names\\%s", names[i]);
		/* The RID is stored as the default value's type. */
		if (wr_hive_get_type(sam, key, "", &rid, NULL, NULL) != WR_OK)
			continue;
		a->rid = rid;
		scopy(a->name, sizeof(a->name), names[i]);
		snprintf(key, sizeof(key), SAM_USERS "\\%08X", rid);
		if (wr_hive_get_binary(sam, key, "V", &v, &vlen, NULL, NULL) == WR_OK) {
			if (v_field(v, vlen, 1, &p, &plen) && plen &&
			    wr_hive_utf16_to_utf8(p, plen, &s) == WR_OK) {
				if (*s)
					scopy(a->name, sizeof(a->name), s);
				free(s);
			}
			if (v_field(v, vlen, 2, &p, &plen) && plen &&
			    wr_hive_utf16_to_utf8(p, plen, &s) == WR_OK) {
				scopy(a->full_name, sizeof(a->full_name), s);
				free(s);
			}
			free(v);
			v = NULL;
		}
		if (wr_hive_get_binary(sam, key, "F", &v, &vlen, &flags_type, NULL) == WR_OK) {
			if (vlen >= 0x3a)
				a->disabled = (((unsigned char *)v)[0x38] & 0x01) != 0;
			free(v);
			v = NULL;
		}
		count++;
	}
	qsort(acc, count, sizeof(*acc), cmp_rid);
	*out = acc;
	*n = count;
	acc = NULL;
	ret = WR_OK;
out:
	free(acc);
	wr_strv_free(names);
	return ret;
}

/* ---- users (ProfileList) ------------------------------------------------------ */

static bool sid_is_special(const char *sid)
{
	return !strcmp(sid, "S-1-5-18") || !strcmp(sid, "S-1-5-19") || !strcmp(sid, "S-1-5-20");
}

/* Expand the variables ProfileImagePath uses; the system drive is C: offline too. */
static void expand_profile_path(const char *in, char *out, size_t size)
{
	static const struct {
		const char *var, *val;
	} vars[] = {
	    {"%SystemDrive%", "C:"},
	    {"%SystemRoot%", "C:\\Windows"},
	    {"%windir%", "C:\\Windows"},
	};
	size_t o = 0;

	while (*in && o + 1 < size) {
		bool done = false;

		for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
			size_t l = strlen(vars[i].var);

			if (!strncasecmp(in, vars[i].var, l)) {
				o += (size_t)snprintf(out + o, size - o, "%s", vars[i].val);
				if (o >= size)
					o = size - 1;
				in += l;
				done = true;
				break;
			}
		}
		if (!done)
			out[o++] = *in++;
	}
	out[o] = '\0';
}

static const char *path_leaf(const char *p)
{
	const char *s = strrchr(p, '\\');

	return s ? s + 1 : p;
}

static int read_users(struct wr_hive *sw, struct wr_hive *sam, struct wr_windows *w)
{
	struct wr_sam_account *acc = NULL;
	size_t nacc = 0, nsids;
	char **sids = NULL;
	int ret;

	if (sam)
		wr_winsys_sam_accounts(sam, &acc, &nacc, w->machine_sid, NULL);
	ret = wr_hive_subkeys(sw, PROFILE_LIST, &sids, NULL);
	if (ret) {
		free(acc);
		return ret == WR_ERR_NOMEM ? ret : WR_OK;
	}
	nsids = wr_strv_len(sids);
	free(w->users);
	w->nusers = 0;
	w->users = calloc(nsids + 1, sizeof(*w->users));
	if (!w->users) {
		ret = WR_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < nsids; i++) {
		struct wr_user *u = &w->users[w->nusers];
		char key[512], raw[1024];
		size_t sl = strlen(sids[i]);
		const char *dash;

		if (strncmp(sids[i], "S-1-", 4))
			continue;
		/* "<SID>.bak" is a stale copy Windows keeps beside a repaired profile. */
		if (sl > 4 && !strcasecmp(sids[i] + sl - 4, ".bak"))
			continue;
		snprintf(key, sizeof(key), PROFILE_LIST "\\%s", sids[i]);
		get_str(sw, key, "ProfileImagePath", raw, sizeof(raw));
		scopy(u->sid, sizeof(u->sid), sids[i]);
		expand_profile_path(raw, u->profile_path, sizeof(u->profile_path));
		u->special = sid_is_special(sids[i]);
		u->profile_bytes = UINT64_MAX;
		scopy(u->name, sizeof(u->name), path_leaf(u->profile_path));
		/* A local account: machine SID + "-" + RID; take its name from SAM. */
		dash = strrchr(sids[i], '-');
		if (dash && !strncmp(sids[i], "S-1-5-21-", 9) &&
		    (!w->machine_sid[0] ||
		     ((size_t)(dash - sids[i]) == strlen(w->machine_sid) &&
		      !strncmp(sids[i], w->machine_sid, (size_t)(dash - sids[i]))))) {
			unsigned rid;

			if (parse_uint(dash + 1, &rid))
				for (size_t k = 0; k < nacc; k++)
					if (acc[k].rid == rid)
						scopy(u->name, sizeof(u->name), acc[k].name);
		}
		w->nusers++;
	}
	ret = WR_OK;
out:
	free(acc);
	wr_strv_free(sids);
	return ret;
}

static int add_store_app(struct wr_windows *w, const char *name)
{
	if (strv_has(w->store_apps, name))
		return WR_OK;
	return wr_strv_push(&w->store_apps, &w->nstore_apps, name);
}

int wr_winsys_from_hives(struct wr_hive *software, struct wr_hive *system, struct wr_hive *sam,
			 struct wr_windows *w, struct wr_detail *d)
{
	char **apps = NULL;
	int ret = WR_OK;

	if (!w)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	if (system) {
		ret = read_system(system, w);
		if (ret)
			return wr_detail_set(d, ret, ENOMEM, "SYSTEM");
	}
	if (!software)
		return WR_OK;
	ret = wr_winsys_version_from_key(software, CURRENT_VERSION, w, d);
	if (ret)
		return ret;
	ret = read_users(software, sam, w);
	if (ret)
		return wr_detail_set(d, ret, ENOMEM, PROFILE_LIST);
	if (wr_hive_subkeys(software, APPX_APPS, &apps, NULL) == WR_OK) {
		for (size_t i = 0; apps[i] && !ret; i++)
			ret = add_store_app(w, apps[i]);
		wr_strv_free(apps);
		if (ret)
			return wr_detail_set(d, ret, ENOMEM, APPX_APPS);
	}
	return WR_OK;
}

void wr_windows_release(struct wr_windows *w)
{
	if (!w)
		return;
	wr_strv_free(w->languages);
	wr_strv_free(w->store_apps);
	free(w->users);
	memset(w, 0, sizeof(*w));
}

void wr_windows_free(struct wr_windows *w)
{
	wr_windows_release(w);
	free(w);
}

/* ---- the glue from an open volume --------------------------------------------- */

/* "Name_1.2.3.4_x64__8wekyb3d8bbwe": the shape of a package full name. */
static bool looks_like_package(const char *s)
{
	const char *f[6];
	size_t len[6], n = 0;
	const char *p = s;

	f[0] = s;
	for (; *p && n < 5; p++)
		if (*p == '_') {
			len[n] = (size_t)(p - f[n]);
			f[++n] = p + 1;
		}
	if (n != 4 || strchr(f[4], '_'))
		return false;
	len[4] = strlen(f[4]);
	if (!len[0] || !len[1] || !len[2] || len[4] != 13)
		return false;
	for (size_t i = 0, dots = 0; i < len[1]; i++) {
		if (f[1][i] == '.')
			dots++;
		else if (f[1][i] < '0' || f[1][i] > '9')
			return false;
		if (i + 1 == len[1] && dots != 3)
			return false;
	}
	if (!(len[2] == 3 &&
	      (!strncmp(f[2], "x86", 3) || !strncmp(f[2], "x64", 3) || !strncmp(f[2], "arm", 3))) &&
	    !(len[2] == 5 && !strncmp(f[2], "arm64", 5)) &&
	    !(len[2] == 7 && !strncmp(f[2], "neutral", 7)))
		return false;
	for (size_t i = 0; i < len[4]; i++)
		if (!((f[4][i] >= 'a' && f[4][i] <= 'z') || (f[4][i] >= '0' && f[4][i] <= '9')))
			return false;
	return true;
}

static void note_registry_err(struct wr_windows *w, int err, const char *path)
{
	if (w->registry_err)
		return;
	w->registry_err = err;
	scopy(w->registry_subject, sizeof(w->registry_subject), path);
}

/* Users from the Users folder when ProfileList could not be read. */
static int users_from_folder(struct wr_ntfs *vol, struct wr_windows *w)
{
	static const char *const skip[] = {"Public",	"Default",     "Default User",
					   "All Users", "desktop.ini", NULL};
	char **names = NULL;
	size_t n;

	if (wr_ntfs_list(vol, "Users", &names, NULL) != WR_OK)
		return WR_OK;
	n = wr_strv_len(names);
	w->users = calloc(n + 1, sizeof(*w->users));
	if (!w->users) {
		wr_ntfs_list_free(names);
		return WR_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct wr_user *u = &w->users[w->nusers];
		struct wr_ntfs_stat st;
		char path[1024];
		bool skipped = false;

		for (size_t k = 0; skip[k]; k++)
			if (!strcasecmp(names[i], skip[k]))
				skipped = true;
		snprintf(path, sizeof(path), "Users/%s", names[i]);
		if (skipped || wr_ntfs_stat(vol, path, &st, NULL) || !st.is_dir || st.is_reparse)
			continue;
		scopy(u->name, sizeof(u->name), names[i]);
		snprintf(u->profile_path, sizeof(u->profile_path), "C:\\Users\\%s", names[i]);
		u->profile_bytes = UINT64_MAX;
		w->nusers++;
	}
	wr_ntfs_list_free(names);
	return WR_OK;
}

int wr_winsys_read(struct wr_ntfs *vol, struct wr_windows **out, struct wr_detail *d)
{
	static const char *const hive_names[] = {"SOFTWARE", "SYSTEM", "SAM", "DEFAULT"};
	struct wr_hive *hives[4] = {NULL, NULL, NULL, NULL};
	char tmpdir[] = "/tmp/winrescue-hives-XXXXXX", host[4][64] = {""};
	struct wr_windows *w = NULL;
	struct wr_ntfs_stat st;
	struct wr_detail hd = WR_DETAIL_INIT;
	bool have_tmp = false;
	void *buf = NULL;
	size_t len;
	int ret;

	if (!vol || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	*out = NULL;
	if (wr_ntfs_stat(vol, "Windows/System32", &st, NULL) != WR_OK || !st.is_dir)
		return wr_detail_set(d, WR_ERR_NO_WINDOWS, 0, "Windows\\System32");
	w = calloc(1, sizeof(*w));
	if (!w)
		return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
	w->arch = WR_ARCH_UNKNOWN;
	w->reagent.install_state = -1;

	/* hivex opens host files: copy the hives out into a private folder. */
	if (!mkdtemp(tmpdir)) {
		ret = wr_detail_set(d, WR_ERR_OPEN, errno, "/tmp");
		goto fail;
	}
	have_tmp = true;
	for (int i = 0; i < 4; i++) {
		char vpath[128];

		snprintf(vpath, sizeof(vpath), "Windows/System32/config/%s", hive_names[i]);
		snprintf(host[i], sizeof(host[i]), "%s/%s", tmpdir, hive_names[i]);
		memset(&hd, 0, sizeof(hd));
		/* A dirty hive gets its transaction logs replayed into the copy. */
		ret = wr_hivelog_copy_out(vol, vpath, host[i], NULL, &hd);
		if (ret == WR_OK)
			ret = wr_hive_open(host[i], false, &hives[i], &hd);
		if (ret == WR_ERR_NOMEM)
			goto fail_ret;
		if (ret) {
			wr_log_err(vpath, ret, &hd);
			/* DEFAULT only gives the keyboard: not worth a finding. */
			if (i < 3)
				note_registry_err(w, ret, vpath);
		}
	}
	memset(&hd, 0, sizeof(hd));
	ret = wr_winsys_from_hives(hives[0], hives[1], hives[2], w, &hd);
	if (ret == WR_ERR_NOMEM)
		goto fail_ret;
	if (ret) {
		wr_log_err("registry", ret, &hd);
		note_registry_err(w, ret, "Windows/System32/config/SOFTWARE");
	}
	if (hives[3])
		wr_winsys_keyboard_from_hive(hives[3], w, NULL);
	if (w->nusers == 0 && users_from_folder(vol, w) == WR_ERR_NOMEM) {
		ret = WR_ERR_NOMEM;
		goto fail_ret;
	}

	/* Profile sizes (special accounts live under Windows: skip them). */
	for (size_t i = 0; i < w->nusers; i++) {
		struct wr_user *u = &w->users[i];
		const char *p = u->profile_path;
		uint64_t bytes, files;

		if (u->special)
			continue;
		if (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':')
			p += 2;
		if (*p && wr_ntfs_tree_size(vol, p, &bytes, &files, NULL) == WR_OK)
			u->profile_bytes = bytes;
	}

	/* Architecture from kernel32.dll's PE header. */
	if (wr_ntfs_read_file(vol, "Windows/System32/kernel32.dll", 16u << 20, &buf, &len, NULL) ==
	    WR_OK)
		w->arch = wr_winsys_pe_arch(buf, len);
	free(buf);
	buf = NULL;

	/* Store apps installed for all users. */
	{
		char **names = NULL;

		if (wr_ntfs_list(vol, "Program Files/WindowsApps", &names, NULL) == WR_OK) {
			for (size_t i = 0; names[i]; i++)
				if (looks_like_package(names[i]) &&
				    add_store_app(w, names[i]) != WR_OK) {
					wr_ntfs_list_free(names);
					ret = WR_ERR_NOMEM;
					goto fail_ret;
				}
			wr_ntfs_list_free(names);
		}
	}

	/* Windows RE configuration. */
	if (wr_ntfs_read_file(vol, "Windows/System32/Recovery/ReAgent.xml", 1u << 20, &buf, &len,
			      NULL) == WR_OK) {
		memset(&hd, 0, sizeof(hd));
		ret = wr_reagent_parse(buf, len, &w->reagent, &hd);
		if (ret == WR_OK) {
			w->has_reagent = true;
		} else {
			w->reagent_err = ret;	/* a finding for inspect, not a failure */
			wr_log_err("Windows/System32/Recovery/ReAgent.xml", ret, &hd);
		}
	}
	free(buf);
	buf = NULL;
	/* WinRE sits in System32\Recovery while disabled, or where ReAgent says; only
	 * a location on this volume can be checked from here. */
	if (wr_ntfs_stat(vol, "Windows/System32/Recovery/Winre.wim", &st, NULL) == WR_OK &&
	    !st.is_dir)
		w->winre_present = true;
	if (!w->winre_present && w->has_reagent && w->reagent.winre.present) {
		char p[1100];

		snprintf(p, sizeof(p), "%s\\Winre.wim", w->reagent.winre.path);
		if (wr_ntfs_stat(vol, p, &st, NULL) == WR_OK && !st.is_dir)
			w->winre_present = true;
	}
	ret = WR_OK;
	*out = w;
	w = NULL;
	goto out;
fail_ret:
	wr_detail_set(d, ret, ret == WR_ERR_NOMEM ? ENOMEM : 0, NULL);
fail:
	wr_windows_free(w);
out:
	for (int i = 0; i < 4; i++) {
		wr_hive_close(hives[i]);
		if (have_tmp)
			unlink(host[i]);
	}
	if (have_tmp)
		rmdir(tmpdir);
	return ret;
}
