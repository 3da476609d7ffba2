/*
 * cmd_inspect.c - "winrescue inspect" and "winrescue apps": what is on this PC,
 * read-only, for people (translated, aligned) or for scripts (--json, a stable
 * schema documented in README.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "format.h"
#include "i18n.h"
#include "json_out.h"

/* ---------------------------------------------------------------------------- */
/* JSON */

static json_object *err_json(int err, const struct wr_detail *d)
{
	json_object *o;

	if (!err)
		return NULL;
	o = json_object_new_object();
	json_add_str(o, "code", wr_err_name(err));
	json_add_str(o, "message", wr_strerror(err));
	if (d && d->subject[0])
		json_add_str(o, "subject", d->subject);
	return o;
}

static json_object *state_json(const struct wr_volume_state *st)
{
	json_object *o = json_object_new_object();

	json_add_str(o, "fstype", st->fstype);
	json_add_str(o, "label", st->label);
	json_add_bool(o, "ntfs", st->is_ntfs);
	json_add_bool(o, "bitlocker", st->bitlocker);
	json_add_bool(o, "bitlocker_to_go", st->bitlocker_to_go);
	json_add_bool(o, "hibernated", st->hibernated);
	json_add_bool(o, "fast_startup", st->fast_startup);
	json_add_bool(o, "dirty", st->dirty);
	json_add_bool(o, "chkdsk_pending", st->chkdsk_pending);
	json_add_u64(o, "volume_flags", st->volume_flags);
	json_add_u64(o, "size", st->size);
	if (st->is_ntfs)
		json_add_u64(o, "free", st->free);
	return o;
}

static json_object *reagent_loc_json(const struct wr_reagent_location *l)
{
	json_object *o;

	if (!l->present)
		return NULL;
	o = json_object_new_object();
	json_add_str(o, "path", l->path);
	json_add_str(o, "guid", l->guid);
	json_add_u64(o, "offset", l->offset);
	json_add_u64(o, "index", l->index);
	json_add_u64(o, "id", l->id);
	return o;
}

static json_object *reagent_json(const struct wr_windows *w)
{
	json_object *o;

	if (!w->has_reagent)
		return NULL;
	o = json_object_new_object();
	json_add_str(o, "version", w->reagent.version);
	json_add_bool(o, "winre_enabled", w->reagent.winre_enabled);
	json_add_bool(o, "winre_present", w->winre_present);
	json_object_object_add(o, "winre_location", reagent_loc_json(&w->reagent.winre));
	json_object_object_add(o, "pbr_image_location", reagent_loc_json(&w->reagent.pbr));
	json_object_object_add(o, "pbr_custom_image_location",
			       reagent_loc_json(&w->reagent.pbr_custom));
	json_object_object_add(o, "os_install_location",
			       reagent_loc_json(&w->reagent.os_install));
	return o;
}

static json_object *apps_json(const struct wr_app_list *apps)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < apps->n; i++) {
		const struct wr_app *app = &apps->v[i];
		json_object *o = json_object_new_object();

		json_add_str(o, "name", app->name);
		json_add_str(o, "version", app->version);
		json_add_str(o, "publisher", app->publisher);
		json_add_str(o, "link", app->link);
		json_add_str(o, "scope", app->user ? "user" : "machine");
		json_add_str(o, "user", app->user);
		json_add_u64(o, "bits", app->bits);
		json_add_str(o, "key", app->key);
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *windows_json(const struct wr_windows *w)
{
	json_object *o = json_object_new_object();
	json_object *users = json_object_new_array(), *langs = json_object_new_array();
	json_object *store = json_object_new_array();

	json_add_str(o, "product_name", w->product_name);
	json_add_str(o, "marketing_name", w->marketing_name);
	json_add_str(o, "edition", w->edition);
	json_add_str(o, "installation_type", w->installation_type);
	json_add_str(o, "version", w->version);
	json_add_u64(o, "major", w->major);
	json_add_u64(o, "minor", w->minor);
	json_add_u64(o, "build", w->build);
	json_add_u64(o, "ubr", w->ubr);
	json_add_str(o, "display_version", w->display_version);
	json_add_str(o, "arch", wr_arch_name(w->arch));
	json_add_i64(o, "install_date", w->install_date);
	json_add_str(o, "computer_name", w->computer_name);
	json_add_str(o, "time_zone", w->time_zone);
	json_add_str(o, "default_language", w->default_language);
	for (size_t i = 0; w->languages && w->languages[i]; i++)
		json_object_array_add(langs, json_object_new_string(w->languages[i]));
	json_object_object_add(o, "languages", langs);
	json_add_str(o, "keyboard", w->keyboard);
	json_add_bool(o, "fast_startup_enabled", w->fast_startup_enabled);
	json_add_bool(o, "hibernate_enabled", w->hibernate_enabled);
	for (size_t i = 0; i < w->nusers; i++) {
		const struct wr_user *u = &w->users[i];
		json_object *uo = json_object_new_object();

		json_add_str(uo, "name", u->name);
		json_add_str(uo, "sid", u->sid);
		json_add_str(uo, "profile_path", u->profile_path);
		if (u->profile_bytes != UINT64_MAX)
			json_add_u64(uo, "profile_bytes", u->profile_bytes);
		json_add_bool(uo, "special", u->special);
		json_object_array_add(users, uo);
	}
	json_object_object_add(o, "users", users);
	for (size_t i = 0; i < w->nstore_apps; i++)
		json_object_array_add(store, json_object_new_string(w->store_apps[i]));
	json_object_object_add(o, "store_apps", store);
	json_object_object_add(o, "reagent", reagent_json(w));
	{
		struct wr_detail rd = WR_DETAIL_INIT;

		snprintf(rd.subject, sizeof(rd.subject), "%s",
			 "Windows\\System32\\Recovery\\ReAgent.xml");
		json_object_object_add(o, "reagent_error", err_json(w->reagent_err, &rd));
	}
	/* A hive that could not be read: what is above came from the others. */
	if (w->registry_err) {
		struct wr_detail rd = WR_DETAIL_INIT;

		snprintf(rd.subject, sizeof(rd.subject), "%s", w->registry_subject);
		json_object_object_add(o, "registry_error", err_json(w->registry_err, &rd));
	} else {
		json_object_object_add(o, "registry_error", NULL);
	}
	return o;
}

static const char *source_kind_name(enum wr_source_kind k)
{
	switch (k) {
	case WR_SOURCE_CUSTOM:
		return "custom";
	case WR_SOURCE_OEM:
		return "oem";
	case WR_SOURCE_MEDIA:
		return "media";
	case WR_SOURCE_GIVEN:
		return "given";
	}
	return "unknown";
}

static json_object *mismatch_json(unsigned m)
{
	static const struct {
		unsigned bit;
		const char *name;
	} bits[] = {
		{ WR_MISMATCH_ARCH, "arch" },
		{ WR_MISMATCH_EDITION, "edition" },
		{ WR_MISMATCH_VERSION, "version" },
		{ WR_MISMATCH_OLDER_BUILD, "older_build" },
		{ WR_MISMATCH_NOT_WINDOWS, "not_windows" },
	};
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (m & bits[i].bit)
			json_object_array_add(a, json_object_new_string(bits[i].name));
	return a;
}

static json_object *sources_json(const struct wr_source_list *list)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < list->n; i++) {
		const struct wr_source *s = &list->v[i];
		json_object *o = json_object_new_object(), *imgs = json_object_new_array();

		json_add_str(o, "kind", source_kind_name(s->kind));
		json_add_str(o, "path", s->path);
		json_add_str(o, "where", s->where);
		if (s->err) {
			struct wr_detail sd = WR_DETAIL_INIT;

			snprintf(sd.subject, sizeof(sd.subject), "%.1000s", s->path);
			json_object_object_add(o, "error", err_json(s->err, &sd));
		} else {
			json_object_object_add(o, "error", NULL);
		}
		for (unsigned j = 0; s->info && j < s->info->image_count; j++) {
			const struct wr_image_info *img = &s->info->images[j];
			json_object *io = json_object_new_object();

			json_add_u64(io, "index", img->index);
			json_add_str(io, "name", img->name);
			json_add_str(io, "product_name", img->product_name);
			json_add_str(io, "edition", img->edition);
			json_add_str(io, "arch", wr_arch_name(img->arch));
			json_add_u64(io, "major", img->major);
			json_add_u64(io, "minor", img->minor);
			json_add_u64(io, "build", img->build);
			json_add_u64(io, "spbuild", img->spbuild);
			json_add_str(io, "languages", img->languages);
			json_add_u64(io, "total_bytes", img->total_bytes);
			json_add_bool(io, "can_refresh", s->mismatch && s->mismatch[j] == 0);
			json_object_object_add(io, "mismatch",
					       mismatch_json(s->mismatch ? s->mismatch[j] : 0));
			json_object_array_add(imgs, io);
		}
		json_object_object_add(o, "images", imgs);
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *volume_json(const struct wr_volume_report *v)
{
	json_object *o = json_object_new_object();

	json_add_u64(o, "offset", v->ext.offset);
	json_add_u64(o, "size", v->ext.size);
	json_object_object_add(o, "error", err_json(v->probe_err, &v->probe_detail));
	if (!v->probe_err)
		json_object_object_add(o, "state", state_json(&v->state));
	json_add_bool(o, "interrupted", v->interrupted);
	json_add_bool(o, "interrupted_repair", v->interrupted_repair);
	if (v->windows) {
		json_object *w = windows_json(v->windows);

		json_object_object_add(w, "apps_error", err_json(v->apps_err, &v->apps_detail));
		json_object_object_add(w, "apps", apps_json(&v->apps));
		json_object_object_add(w, "sources_error",
				       err_json(v->sources_err, &v->sources_detail));
		json_object_object_add(w, "sources", sources_json(&v->sources));
		json_object_object_add(o, "windows", w);
	} else if (v->windows_err && v->windows_err != WR_ERR_NO_WINDOWS) {
		json_object_object_add(o, "windows_error",
				       err_json(v->windows_err, &v->windows_detail));
	}
	return o;
}

static const char *table_name(enum wr_table_type t)
{
	switch (t) {
	case WR_TABLE_GPT:
		return "gpt";
	case WR_TABLE_MBR:
		return "mbr";
	case WR_TABLE_OTHER:
		return "other";
	case WR_TABLE_NONE:
		break;
	}
	return "none";
}

static json_object *disk_json(const struct wr_disk_report *r)
{
	json_object *o = json_object_new_object(), *parts = json_object_new_array();
	const struct wr_disk *disk = r->disk;

	json_add_str(o, "path", r->path);
	json_object_object_add(o, "error", err_json(r->err, &r->detail));
	if (!disk) {
		json_object_put(parts);
		return o;
	}
	json_add_str(o, "model", disk->model);
	json_add_bool(o, "is_image", disk->is_image);
	json_add_u64(o, "size", disk->size);
	json_add_u64(o, "sector_size", disk->sector_size);
	json_add_str(o, "table", table_name(disk->table));
	json_add_str(o, "disk_guid", disk->disk_guid);
	if (disk->table == WR_TABLE_MBR) {
		char sig[16];

		snprintf(sig, sizeof(sig), "%08" PRIx32, disk->mbr_signature);
		json_add_str(o, "mbr_signature", sig);
	}
	json_add_bool(o, "gpt_primary_damaged", disk->gpt_primary_damaged);
	json_add_bool(o, "gpt_backup_damaged", disk->gpt_backup_damaged);
	json_add_bool(o, "truncated", disk->truncated);
	if (disk->table == WR_TABLE_NONE) {
		if (r->nvolumes)
			json_object_object_add(o, "volume", volume_json(&r->volumes[0]));
	} else {
		for (size_t i = 0; i < disk->nparts; i++) {
			const struct wr_partition *p = &disk->parts[i];
			json_object *po = json_object_new_object();

			json_add_u64(po, "number", p->number);
			json_add_u64(po, "start", p->start);
			json_add_u64(po, "size", p->size);
			json_add_str(po, "type", p->type);
			json_add_bool(po, "active", p->active);
			json_add_u64(po, "gpt_attributes", p->gpt_attrs);
			json_add_str(po, "uuid", p->uuid);
			json_add_str(po, "name", p->name);
			json_add_str(po, "fstype", p->fstype);
			json_add_str(po, "label", p->label);
			json_add_str(po, "role", wr_part_role_name(p->role));
			if (i < r->nvolumes)
				json_object_object_add(po, "volume", volume_json(&r->volumes[i]));
			json_object_array_add(parts, po);
		}
	}
	json_object_object_add(o, "partitions", parts);
	return o;
}

static void print_inspection_json(const struct wr_inspection *in)
{
	json_object *root = json_object_new_object(), *disks = json_object_new_array();

	json_add_str(root, "winrescue", WR_VERSION);
	json_add_u64(root, "schema", 1);
	for (size_t i = 0; i < in->ndisks; i++)
		json_object_array_add(disks, disk_json(&in->disks[i]));
	json_object_object_add(root, "disks", disks);
	json_print(root);
}

/* ---------------------------------------------------------------------------- */
/* Text */

static const char *role_label(enum wr_part_role r)
{
	switch (r) {
	case WR_ROLE_ESP:
		return _("EFI system partition");
	case WR_ROLE_MSR:
		return _("Microsoft reserved");
	case WR_ROLE_SYSTEM_RESERVED:
		return _("System Reserved");
	case WR_ROLE_WINDOWS:
		return _("Windows");
	case WR_ROLE_RECOVERY:
		return _("Recovery");
	case WR_ROLE_DATA:
		return _("Data");
	case WR_ROLE_UNKNOWN:
		break;
	}
	return _("Unknown");
}

static const char *yes_no(bool b)
{
	return b ? _("yes") : _("no");
}

static void print_error_line(const char *indent, int err, const struct wr_detail *d)
{
	if (d && d->subject[0])
		printf("%s%s (%s)\n", indent, _(wr_strerror(err)), d->subject);
	else
		printf("%s%s\n", indent, _(wr_strerror(err)));
}

static void print_state(const struct wr_volume_state *st)
{
	char size[32], avail[32];

	if (!st->is_ntfs) {
		/* TRANSLATORS: %s is a file system type ("vfat"), or "-" for none. */
		printf(_("    File system: %s"), st->fstype[0] ? st->fstype : "-");
		if (st->label[0])
			printf(_(", label \"%s\""), st->label);
		putchar('\n');
		if (st->bitlocker)
			printf("    %s\n", st->bitlocker_to_go ? _("Encrypted with BitLocker To Go.")
							: _("Encrypted with BitLocker."));
		return;
	}
	/* TRANSLATORS: %1$s is a file system type ("ntfs"), %2$s and %3$s are sizes. */
	printf(_("    File system: %1$s, %2$s, %3$s free"), st->fstype[0] ? st->fstype : "-",
	       format_size(st->size, size, sizeof(size)),
	       format_size(st->free, avail, sizeof(avail)));
	if (st->label[0])
		/* TRANSLATORS: %s is a volume label. */
		printf(_(", label \"%s\""), st->label);
	putchar('\n');
	/* TRANSLATORS: each %s is "yes" or "no". */
	printf(_("    Hibernated: %1$s   Fast Startup: %2$s   Dirty: %3$s   Disk check pending: %4$s\n"),
	       yes_no(st->hibernated), yes_no(st->fast_startup), yes_no(st->dirty),
	       yes_no(st->chkdsk_pending));
}

static void print_windows(const struct wr_windows *w)
{
	char date[32], size[32];

	/* TRANSLATORS: %1$s product ("Windows 8.1"), %2$s edition ("Core"), %3$s
	 * architecture ("x64"), %4$u.%5$u version, %6$u build. */
	printf(_("    Windows: %1$s (%2$s), %3$s, version %4$u.%5$u, build %6$u\n"),
	       w->product_name, w->edition, wr_arch_name(w->arch), w->major, w->minor, w->build);
	/* TRANSLATORS: %1$s computer name, %2$s date, %3$s time zone, %4$s language. */
	printf(_("    Computer name: %1$s   Installed: %2$s   Time zone: %3$s   Language: %4$s\n"),
	       w->computer_name, format_date(w->install_date, date, sizeof(date)), w->time_zone,
	       w->default_language[0] ? w->default_language : "-");
	/* TRANSLATORS: %s is "yes" or "no". */
	printf(_("    Fast Startup enabled: %s\n"), yes_no(w->fast_startup_enabled));
	if (w->registry_err) {
		struct wr_detail rd = WR_DETAIL_INIT;

		snprintf(rd.subject, sizeof(rd.subject), "%s", w->registry_subject);
		print_error_line("    ", w->registry_err, &rd);
	}
	for (size_t i = 0; i < w->nusers; i++) {
		const struct wr_user *u = &w->users[i];

		if (u->special)
			continue;
		if (u->profile_bytes != UINT64_MAX)
			format_size(u->profile_bytes, size, sizeof(size));
		else
			snprintf(size, sizeof(size), "?");
		/* TRANSLATORS: %1$s user name, %2$s profile folder, %3$s size, %4$s SID. */
		printf(_("    User: %1$s   %2$s   %3$s   %4$s\n"), u->name, u->profile_path, size,
		       u->sid);
	}
	for (size_t i = 0; i < w->nstore_apps; i++)
		/* TRANSLATORS: %s is a Store app package name. */
		printf(_("    Store app: %s\n"), w->store_apps[i]);
	if (w->has_reagent)
		/* TRANSLATORS: %1$s is "yes"/"no", %2$s a folder such as \Recovery\WindowsRE. */
		printf(_("    Windows RE enabled: %1$s   Location: %2$s\n"),
		       yes_no(w->reagent.winre_enabled),
		       w->reagent.winre.present ? w->reagent.winre.path : "-");
	else if (w->reagent_err)
		print_error_line("    ", w->reagent_err,
				 &(struct wr_detail){ 0, 0, "Windows\\System32\\Recovery\\ReAgent.xml", "" });
	else
		printf("%s\n", _("    Windows RE: no ReAgent.xml"));
}

static void print_apps(const struct wr_app_list *apps)
{
	/* TRANSLATORS: %zu is a number of apps. */
	printf(ngettext("    %zu desktop app:\n", "    %zu desktop apps:\n", apps->n), apps->n);
	for (size_t i = 0; i < apps->n; i++) {
		const struct wr_app *a = &apps->v[i];

		/* TRANSLATORS: one app: %1$s name, %2$s version, %3$s publisher, %4$s "all
		 * users" or a user name, %5$u 32 or 64. */
		printf(_("      %1$s %2$s — %3$s (%4$s, %5$u-bit)\n"), a->name,
		       a->version ? a->version : "", a->publisher ? a->publisher : "?",
		       a->user ? a->user : _("all users"), a->bits);
	}
}

static const char *source_kind_label(enum wr_source_kind k)
{
	switch (k) {
	case WR_SOURCE_CUSTOM:
		return _("Custom refresh image");
	case WR_SOURCE_OEM:
		return _("Factory image on the recovery partition");
	case WR_SOURCE_MEDIA:
		return _("Installation media");
	case WR_SOURCE_GIVEN:
		return _("Image file");
	}
	return "";
}

/* The engine's mismatch sentences are fixed msgids with %1$s and %2$s (its own
 * strings, never data), translated here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void print_reason(const struct wr_mismatch_reason *r)
{
	printf(_(r->msgid), r->image_value, r->system_value);
}
#pragma GCC diagnostic pop

static void print_sources(const struct wr_windows *w, const struct wr_source_list *list)
{
	if (!list->n) {
		printf("%s\n", _("    No Windows image was found to refresh this installation."));
		return;
	}
	printf("%s\n", _("    Image sources, best first:"));
	for (size_t i = 0; i < list->n; i++) {
		const struct wr_source *s = &list->v[i];

		printf("      %zu. %s: %s %s\n", i + 1, source_kind_label(s->kind), s->path,
		       s->where);
		if (s->err) {
			print_error_line("         ", s->err, NULL);
			continue;
		}
		for (unsigned j = 0; s->info && j < s->info->image_count; j++) {
			const struct wr_image_info *img = &s->info->images[j];
			struct wr_mismatch_reason why[5];
			size_t n;

			/* TRANSLATORS: %1$u image number, %2$s name, %3$s edition, %4$s
			 * architecture, %5$u.%6$u.%7$u version and build. */
			printf(_("         Image %1$u: %2$s (%3$s, %4$s, %5$u.%6$u.%7$u)"), img->index,
			       img->name, img->edition, wr_arch_name(img->arch), img->major,
			       img->minor, img->build);
			if (!s->mismatch || !s->mismatch[j]) {
				printf(" — %s\n", _("can refresh this installation"));
				continue;
			}
			printf(" — %s\n", _("cannot refresh this installation:"));
			n = wr_sources_explain(s->mismatch[j], w, img, why);
			for (size_t k = 0; k < n; k++) {
				printf("           ");
				print_reason(&why[k]);
				putchar('\n');
			}
		}
	}
}

static void print_volume(const struct wr_volume_report *v)
{
	if (v->probe_err) {
		print_error_line("    ", v->probe_err, &v->probe_detail);
		return;
	}
	print_state(&v->state);
	if (v->interrupted)
		printf("    %s\n", _("An interrupted refresh was found on this volume: run winrescue resume to finish it."));
	if (v->interrupted_repair)
		printf("    %s\n", _("An interrupted registry restore was found on this volume: run winrescue resume to finish it."));
	if (!v->windows) {
		if (v->windows_err && v->windows_err != WR_ERR_NO_WINDOWS)
			print_error_line("    ", v->windows_err, &v->windows_detail);
		return;
	}
	print_windows(v->windows);
	if (v->apps_err)
		print_error_line("    ", v->apps_err, &v->apps_detail);
	else
		print_apps(&v->apps);
	if (v->sources_err)
		print_error_line("    ", v->sources_err, &v->sources_detail);
	else
		print_sources(v->windows, &v->sources);
}

static void print_disk(const struct wr_disk_report *r)
{
	const struct wr_disk *disk = r->disk;
	char size[32], start[32];

	if (r->err) {
		/* TRANSLATORS: %s is a disk device or image file. */
		printf(_("Disk %s:\n"), r->path);
		print_error_line("  ", r->err, &r->detail);
		return;
	}
	/* TRANSLATORS: %1$s disk path, %2$s size, %3$s partition table type (GPT, MBR). */
	printf(_("Disk %1$s: %2$s, partition table %3$s"), r->path,
	       format_size(disk->size, size, sizeof(size)),
	       disk->table == WR_TABLE_GPT   ? "GPT"
	       : disk->table == WR_TABLE_MBR ? "MBR"
					     : _("none"));
	if (disk->model[0])
		printf(", %s", disk->model);
	putchar('\n');
	if (disk->gpt_primary_damaged)
		printf("  %s\n", _("The primary GPT header is damaged; the backup copy was read."));
	if (disk->truncated)
		printf("  %s\n", _("The disk is shorter than its partition table says: the partitions past its end cannot be read (an incomplete copy, or a failing disk or USB adapter)."));
	if (disk->table == WR_TABLE_NONE) {
		if (r->nvolumes)
			print_volume(&r->volumes[0]);
		return;
	}
	for (size_t i = 0; i < disk->nparts; i++) {
		const struct wr_partition *p = &disk->parts[i];

		/* TRANSLATORS: %1$u partition number, %2$s role ("Windows"), %3$s start
		 * offset, %4$s size, %5$s type id. */
		printf(_("  Partition %1$u: %2$s, at %3$s, %4$s, type %5$s"), p->number,
		       role_label(p->role), format_size(p->start, start, sizeof(start)),
		       format_size(p->size, size, sizeof(size)), p->type);
		if (p->name[0])
			printf(", \"%s\"", p->name);
		putchar('\n');
		if (i < r->nvolumes)
			print_volume(&r->volumes[i]);
	}
}

/* ---------------------------------------------------------------------------- */

static int inspect_images_only(const char *const *images, bool json)
{
	struct wr_source_list list = { 0, NULL };
	struct wr_detail d = WR_DETAIL_INIT;
	int ret = wr_sources_find(NULL, NULL, images, &list, &d);

	if (ret)
		return cli_fail("inspect", ret, &d);
	if (json) {
		json_object *root = json_object_new_object();

		json_add_str(root, "winrescue", WR_VERSION);
		json_add_u64(root, "schema", 1);
		json_object_object_add(root, "disks", json_object_new_array());
		json_object_object_add(root, "sources", sources_json(&list));
		json_print(root);
	} else {
		for (size_t i = 0; i < list.n; i++) {
			const struct wr_source *s = &list.v[i];

			printf("%s\n", s->path);
			if (s->err) {
				print_error_line("  ", s->err, NULL);
				continue;
			}
			for (unsigned j = 0; s->info && j < s->info->image_count; j++) {
				const struct wr_image_info *img = &s->info->images[j];

				printf(_("         Image %1$u: %2$s (%3$s, %4$s, %5$u.%6$u.%7$u)"),
				       img->index, img->name, img->edition, wr_arch_name(img->arch),
				       img->major, img->minor, img->build);
				putchar('\n');
			}
		}
	}
	wr_source_list_release(&list);
	return EXIT_DONE;
}

int cmd_inspect(int argc, char **argv)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_inspection *in = NULL;
	const char **disks, **images;
	size_t nd = 0, ni = 0;
	struct cli_paths_args a;
	int ret;

	if (cli_parse_inspect(argc, argv, &a))
		return EXIT_USAGE;
	/* Image files and folders of installation media are sources, the rest disks. */
	disks = calloc((size_t)argc + 1, sizeof(*disks));
	images = calloc((size_t)argc + 1, sizeof(*images));
	if (!disks || !images) {
		free(disks);
		free(images);
		return cli_fail("inspect", WR_ERR_NOMEM, NULL);
	}
	for (int i = a.first; i < argc; i++) {
		if (cli_is_image_source(argv[i]))
			images[ni++] = argv[i];
		else
			disks[nd++] = argv[i];
	}
	if (!nd && ni) {
		/* Only image files or media folders: show what they hold, without looking
		 * at this machine's disks. */
		ret = inspect_images_only(images, a.json);
		goto out;
	}
	ret = wr_inspect(disks, images, 0, NULL, NULL, &in, &d);
	if (ret) {
		ret = cli_fail("inspect", ret, &d);
		goto out;
	}
	if (a.json) {
		print_inspection_json(in);
	} else {
		for (size_t i = 0; i < in->ndisks; i++)
			print_disk(&in->disks[i]);
	}
	ret = EXIT_DONE;
out:
	wr_inspection_free(in);
	free(disks);
	free(images);
	return ret;
}

/* "winrescue apps --target VOL [--partition N] [--json]": the desktop apps of one
 * installation, as Programs and Features lists them. */
int cmd_apps(int argc, char **argv)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_app_list apps = { 0, NULL };
	struct wr_windows *w = NULL;
	struct wr_ntfs *vol = NULL;
	struct wr_extent ext;
	struct cli_apps_args a;
	int ret;

	if (cli_parse_apps(argc, argv, &a))
		return EXIT_USAGE;
	ret = wr_blockdev_resolve(a.target, a.partition, &ext, &d);
	if (!ret)
		ret = wr_ntfs_open(&ext, WR_NTFS_RDONLY, &vol, &d);
	if (!ret)
		ret = wr_winsys_read(vol, &w, &d);
	if (!ret)
		ret = wr_apps_read(vol, w, &apps, &d);
	wr_ntfs_close(vol);
	if (ret) {
		wr_windows_free(w);
		wr_app_list_release(&apps);
		return cli_fail("apps", ret, &d);
	}
	if (a.json) {
		json_object *root = json_object_new_object();

		json_add_str(root, "winrescue", WR_VERSION);
		json_add_u64(root, "schema", 1);
		json_object_object_add(root, "apps", apps_json(&apps));
		json_print(root);
	} else {
		print_apps(&apps);
	}
	wr_windows_free(w);
	wr_app_list_release(&apps);
	return EXIT_DONE;
}
