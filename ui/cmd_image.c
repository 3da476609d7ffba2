/*
 * cmd_image.c - "winrescue image create|show|set|deregister": custom refresh images
 * (the recimg equivalents).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "i18n.h"
#include "progress_line.h"

/* cli_fail, with this command's own refusals (nothing written) as exit status 3. */
static int image_fail(const char *what, int err, const struct wr_detail *d)
{
	int status = cli_fail(what, err, d);

	if (err == WR_ERR_DIR_ON_TARGET || err == WR_ERR_READ_ONLY ||
	    err == WR_ERR_CUSTOM_IMAGE_CORRUPT || err == WR_ERR_INTERRUPTED || err == WR_ERR_EXISTS)
		status = EXIT_REFUSED;
	return status;
}

static void print_location(const struct wr_recimg_place *pl)
{
	/* TRANSLATORS: %1$s a folder on a Windows volume, %2$u a partition number, %3$s a disk. */
	printf(_("Registered for Windows: %1$s on partition %2$u of %3$s.\n"), pl->loc.path,
	       pl->partition, pl->disk);
}

static int do_create(struct cli_image_args *a)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_recimg_result *res = calloc(1, sizeof(*res));
	char s1[32], s2[32];
	int ret;

	if (!res)
		return image_fail("image create", WR_ERR_NOMEM, NULL);
	ret = wr_recimg_create(&a->o, progress_line, NULL, res, &d);
	if (ret) {
		ret = image_fail("image create", ret, &d);
		free(res);
		return ret;
	}
	if (res->appended)
		/* TRANSLATORS: %1$u image number, %2$s file, %3$s how much the file grew. */
		printf(_("Image %1$u was added to %2$s; the file grew by %3$s.\n"), res->index,
		       res->wim_path,
		       format_size(res->size_after - res->size_before, s1, sizeof(s1)));
	else
		/* TRANSLATORS: %1$s file, %2$s its size. */
		printf(_("The image was saved as %1$s (%2$s).\n"), res->wim_path,
		       format_size(res->size_after, s2, sizeof(s2)));
	if (res->registered)
		print_location(&res->place);
	else
		printf("%s\n", _("The image was not registered: Windows can only use an image kept "
				 "on a partition of a disk, and this folder is not on one. Refresh "
				 "with --source pointing at the file instead."));
	free(res);
	return EXIT_DONE;
}

static int do_set(struct cli_image_args *a)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_recimg_result *res = calloc(1, sizeof(*res));
	int ret;

	if (!res)
		return image_fail("image set", WR_ERR_NOMEM, NULL);
	ret = wr_recimg_set(&a->o, res, &d);
	if (ret) {
		if (ret == WR_ERR_UNSUPPORTED) {
			/* Nothing was written: a refusal, with the reason that fits. */
			wr_log_err("image set", ret, &d);
			cli_error("%s", _("Windows can only use an image kept on a partition of a "
					  "disk, and this folder is not on one."));
			ret = EXIT_REFUSED;
		} else {
			ret = image_fail("image set", ret, &d);
		}
		free(res);
		return ret;
	}
	/* TRANSLATORS: %1$u image number, %2$s file. */
	printf(_("Image %1$u of %2$s is now the custom refresh image.\n"), res->index,
	       res->wim_path);
	print_location(&res->place);
	free(res);
	return EXIT_DONE;
}

static int do_deregister(struct cli_image_args *a)
{
	struct wr_detail d = WR_DETAIL_INIT;
	bool was = false;
	int ret = wr_recimg_deregister(&a->o, &was, &d);

	if (ret)
		return image_fail("image deregister", ret, &d);
	if (was)
		printf("%s\n", _("The custom refresh image is no longer registered; a refresh will "
				 "use the recovery image or installation media."));
	else
		printf("%s\n", _("No custom image is registered; nothing was changed."));
	return EXIT_DONE;
}

static int do_show(struct cli_image_args *a)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_recimg_status *st = calloc(1, sizeof(*st));
	char size[32], date[32];
	int ret;

	if (!st)
		return image_fail("image show", WR_ERR_NOMEM, NULL);
	ret = wr_recimg_show(&a->o, st, &d);
	if (ret) {
		ret = image_fail("image show", ret, &d);
		free(st);
		return ret;
	}
	if (!st->registered) {
		printf("%s\n", _("No custom image is registered."));
		free(st);
		return EXIT_DONE;
	}
	/* TRANSLATORS: %1$s a folder, %2$u image number. */
	printf(_("Custom image: %1$s\\CustomRefresh.wim, image %2$u\n"), st->loc.path,
	       st->loc.index);
	/* TRANSLATORS: %s the disk and partition, or the disk's GUID and offset. */
	printf(_("  Where: %s\n"), st->where);
	if (st->image_err) {
		/* TRANSLATORS: %s why the image file could not be read. */
		printf(_("  The image file could not be read here: %s\n"),
		       _(wr_strerror(st->image_err)));
		free(st);
		return EXIT_DONE;
	}
	/* TRANSLATORS: %1$s image name, %2$s product, %3$s edition. */
	printf(_("  Image: %1$s (%2$s, %3$s)\n"), st->image.name, st->image.product_name,
	       st->image.edition);
	/* TRANSLATORS: %1$s date, %2$s expanded size, %3$s file size. */
	printf(_("  Made: %1$s; system size %2$s; file size %3$s\n"),
	       st->file_time ? format_date(st->file_time, date, sizeof(date)) : "?",
	       format_size(st->image.total_bytes, size, sizeof(size)),
	       format_size(st->file_bytes, (char[32]){0}, 32));
	free(st);
	return EXIT_DONE;
}

int cmd_image(int argc, char **argv)
{
	struct cli_image_args a;
	int ret = cli_parse_image(argc, argv, &a);

	if (ret)
		return ret;
	if (!strcmp(a.verb, "create"))
		return do_create(&a);
	if (!strcmp(a.verb, "set"))
		return do_set(&a);
	if (!strcmp(a.verb, "deregister"))
		return do_deregister(&a);
	return do_show(&a);
}
