/*
 * apps.c - desktop apps as Programs and Features lists them.
 *
 * Each subkey of an Uninstall key is one candidate entry; Programs and Features hides
 * system components, updates and entries it could not uninstall.  The rules here are
 * the ones documented for Add/Remove Programs (SystemComponent, WindowsInstaller,
 * ParentKeyName, ReleaseType, UninstallString, DisplayName).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "winrescue.h"

#define UNINSTALL "Microsoft\\Windows\\CurrentVersion\\Uninstall"

/* ReleaseType values of entries that are updates, not programs. */
static const char *const update_types[] = {
    "Security Update", "Update Rollup", "Hotfix", "Update", "ServicePack", NULL,
};

/* A string value, NULL when absent, empty or unreadable. */
static char *str_or_null(struct wr_hive *h, const char *key, const char *value, int *err)
{
	char *s = NULL;
	int ret = wr_hive_get_string(h, key, value, &s, NULL);

	if (ret == WR_ERR_NOMEM)
		*err = ret;
	if (ret || !s)
		return NULL;
	if (!*s) {
		free(s);
		return NULL;
	}
	return s;
}

static bool dword_is_one(struct wr_hive *h, const char *key, const char *value)
{
	uint32_t v;

	return wr_hive_get_dword(h, key, value, &v, NULL) == WR_OK && v == 1;
}

/* "{8-4-4-4-12 hex}": a Windows Installer product code. */
static bool is_product_code(const char *s)
{
	static const char shape[] = "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}";

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'X') {
			if (!isxdigit((unsigned char)s[i]))
				return false;
		} else if (s[i] != shape[i]) {
			return false;
		}
	}
	return true;
}

static bool same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcasecmp(a, b);
}

static void app_release(struct wr_app *a)
{
	free(a->key);
	free(a->name);
	free(a->version);
	free(a->publisher);
	free(a->link);
	free(a->user);
	memset(a, 0, sizeof(*a));
}

void wr_app_list_release(struct wr_app_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		app_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static bool list_has(const struct wr_app_list *list, const struct wr_app *a)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct wr_app *b = &list->v[i];

		if (same(a->name, b->name) && same(a->version, b->version) &&
		    same(a->publisher, b->publisher) && same(a->user, b->user))
			return true;
	}
	return false;
}

/* Move *a into the list (it is zeroed). */
static int list_push(struct wr_app_list *list, struct wr_app *a)
{
	struct wr_app *grown = realloc(list->v, (list->n + 1) * sizeof(*grown));

	if (!grown)
		return WR_ERR_NOMEM;
	list->v = grown;
	list->v[list->n++] = *a;
	memset(a, 0, sizeof(*a));
	return WR_OK;
}

/* Read one Uninstall subkey; *visible tells whether Programs and Features shows it. */
static int read_entry(struct wr_hive *h, const char *uninstall, const char *sub, struct wr_app *a,
		      bool *visible)
{
	char key[1024];
	char *s;
	int err = WR_OK;

	*visible = false;
	if ((size_t)snprintf(key, sizeof(key), "%s\\%s", uninstall, sub) >= sizeof(key))
		return WR_OK; /* a name this long is not an app entry */
	a->name = str_or_null(h, key, "DisplayName", &err);
	if (!a->name || dword_is_one(h, key, "SystemComponent"))
		return err;
	if (dword_is_one(h, key, "WindowsInstaller")) {
		/* Windows Installer entries are found by product code. */
		if (!is_product_code(sub))
			return err;
	} else {
		s = str_or_null(h, key, "UninstallString", &err);
		if (!s)
			return err;
		free(s);
	}
	s = str_or_null(h, key, "ParentKeyName", &err);
	if (s) {
		free(s);
		return err;
	}
	s = str_or_null(h, key, "ReleaseType", &err);
	if (s) {
		bool update = false;

		for (size_t i = 0; update_types[i]; i++)
			if (!strcasecmp(s, update_types[i]))
				update = true;
		free(s);
		if (update)
			return err;
	}
	a->version = str_or_null(h, key, "DisplayVersion", &err);
	a->publisher = str_or_null(h, key, "Publisher", &err);
	a->link = str_or_null(h, key, "URLInfoAbout", &err);
	if (!a->link)
		a->link = str_or_null(h, key, "HelpLink", &err);
	if (!a->link)
		a->link = str_or_null(h, key, "URLUpdateInfo", &err);
	a->key = strdup(sub);
	if (!a->key)
		err = WR_ERR_NOMEM;
	*visible = err == WR_OK;
	return err;
}

int wr_apps_from_hive(struct wr_hive *h, const char *key, const char *user, unsigned bits,
		      struct wr_app_list *list, struct wr_detail *d)
{
	struct wr_app_list added = {0, NULL};
	char **subs = NULL;
	int ret;

	if (!h || !key || !list)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, key);
	ret = wr_hive_subkeys(h, key, &subs, d);
	if (ret)
		return ret;
	for (size_t i = 0; subs[i]; i++) {
		struct wr_app a = {0};
		bool visible;

		ret = read_entry(h, key, subs[i], &a, &visible);
		if (ret == WR_OK && visible) {
			a.bits = bits;
			if (user) {
				a.user = strdup(user);
				if (!a.user)
					ret = WR_ERR_NOMEM;
			}
			if (ret == WR_OK && !list_has(list, &a) && !list_has(&added, &a))
				ret = list_push(&added, &a);
		}
		app_release(&a);
		if (ret)
			goto fail;
	}
	wr_strv_free(subs);
	/* All or nothing: append what was found. */
	for (size_t i = 0; i < added.n; i++) {
		ret = list_push(list, &added.v[i]);
		if (ret) {
			/* Entries already moved are zeroed in added; release the rest. */
			wr_app_list_release(&added);
			return wr_detail_set(d, ret, ENOMEM, key);
		}
	}
	free(added.v);
	return WR_OK;
fail:
	wr_strv_free(subs);
	wr_app_list_release(&added);
	return wr_detail_set(d, ret, ret == WR_ERR_NOMEM ? ENOMEM : 0, key);
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (!c)
		*fail = true;
	return c;
}

int wr_apps_removed(const struct wr_app_list *old_list, const struct wr_app_list *new_list,
		    struct wr_app_list *out, struct wr_detail *d)
{
	struct wr_app_list res = {0, NULL};

	if (!old_list || !new_list || !out)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	for (size_t i = 0; i < old_list->n; i++) {
		const struct wr_app *o = &old_list->v[i];
		struct wr_app c = {0};
		bool found = false, fail = false;

		for (size_t k = 0; k < new_list->n && !found; k++)
			found = same(o->name, new_list->v[k].name) &&
				same(o->publisher, new_list->v[k].publisher);
		/* Listed once even when old had it in several scopes. */
		for (size_t k = 0; k < res.n && !found; k++)
			found =
			    same(o->name, res.v[k].name) && same(o->publisher, res.v[k].publisher);
		if (found)
			continue;
		c.key = dup_or_null(o->key, &fail);
		c.name = dup_or_null(o->name, &fail);
		c.version = dup_or_null(o->version, &fail);
		c.publisher = dup_or_null(o->publisher, &fail);
		c.link = dup_or_null(o->link, &fail);
		c.user = dup_or_null(o->user, &fail);
		c.bits = o->bits;
		if (fail || list_push(&res, &c)) {
			app_release(&c);
			wr_app_list_release(&res);
			return wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
		}
	}
	*out = res;
	return WR_OK;
}

/* ---- the glue from an open volume --------------------------------------------- */

static int cmp_app(const void *x, const void *y)
{
	const struct wr_app *a = x, *b = y;
	int c = strcasecmp(a->name, b->name);

	if (c)
		return c;
	if (!a->user != !b->user)
		return a->user ? 1 : -1; /* machine-wide first */
	return a->user ? strcasecmp(a->user, b->user) : 0;
}

/* Copy a hive out of the volume (its transaction logs replayed when it is dirty) and
 * open it read-only. */
static int open_copy(struct wr_ntfs *vol, const char *vpath, const char *host, struct wr_hive **h,
		     struct wr_detail *d)
{
	int ret = wr_hivelog_copy_out(vol, vpath, host, NULL, d);

	if (ret == WR_OK)
		ret = wr_hive_open(host, false, h, d);
	/* The person knows the hive by its place in Windows, not by our scratch copy. */
	if (ret && d)
		snprintf(d->subject, sizeof(d->subject), "%s", vpath);
	return ret;
}

int wr_apps_read(struct wr_ntfs *vol, const struct wr_windows *w, struct wr_app_list *list,
		 struct wr_detail *d)
{
	char tmpdir[] = "/tmp/winrescue-apps-XXXXXX", host[64];
	struct wr_app_list res = {0, NULL};
	struct wr_hive *h = NULL;
	unsigned native;
	int ret;

	if (!vol || !list)
		return wr_detail_set(d, WR_ERR_INVALID_ARG, 0, NULL);
	native = (w && w->arch == WR_ARCH_X86) || (w && w->arch == WR_ARCH_ARM) ? 32 : 64;
	if (!mkdtemp(tmpdir))
		return wr_detail_set(d, WR_ERR_OPEN, errno, "/tmp");
	snprintf(host, sizeof(host), "%s/hive", tmpdir);

	/* HKLM: the native view, then the 32-bit view of a 64-bit system. */
	ret = open_copy(vol, "Windows/System32/config/SOFTWARE", host, &h, d);
	if (ret)
		goto out;
	ret = wr_apps_from_hive(h, UNINSTALL, NULL, native, &res, d);
	if (ret == WR_ERR_NOT_FOUND)
		ret = WR_OK;
	if (ret == WR_OK && native == 64) {
		ret = wr_apps_from_hive(h, "Wow6432Node\\" UNINSTALL, NULL, 32, &res, d);
		if (ret == WR_ERR_NOT_FOUND)
			ret = WR_OK;
	}
	wr_hive_close(h);
	h = NULL;
	unlink(host);
	if (ret)
		goto out;

	/* HKCU of every person with a profile. */
	for (size_t i = 0; w && i < w->nusers; i++) {
		const struct wr_user *u = &w->users[i];
		const char *p = u->profile_path;
		struct wr_detail ud = WR_DETAIL_INIT;
		char vpath[1100];

		if (u->special || !*p)
			continue;
		if (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':')
			p += 2;
		snprintf(vpath, sizeof(vpath), "%s\\NTUSER.DAT", p);
		ret = open_copy(vol, vpath, host, &h, &ud);
		if (ret == WR_OK) {
			ret = wr_apps_from_hive(h, "Software\\" UNINSTALL, u->name, native, &res,
						&ud);
			wr_hive_close(h);
			h = NULL;
		}
		unlink(host);
		if (ret == WR_ERR_NOMEM) {
			wr_detail_set(d, ret, ENOMEM, vpath);
			goto out;
		}
		if (ret && ret != WR_ERR_NOT_FOUND)
			wr_log_err(vpath, ret, &ud);
		ret = WR_OK;
	}
	for (size_t i = 0; i < res.n; i++)
		if (!list_has(list, &res.v[i]) && list_push(list, &res.v[i])) {
			ret = wr_detail_set(d, WR_ERR_NOMEM, ENOMEM, NULL);
			goto out;
		}
	if (list->n)
		qsort(list->v, list->n, sizeof(*list->v), cmp_app);
out:
	wr_app_list_release(&res);
	unlink(host);
	rmdir(tmpdir);
	return ret;
}
