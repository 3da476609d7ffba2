/*
 * cmd_diagnose.c - "winrescue diagnose [--json] [--html FILE] [--scan] [--decode CODE]
 * [PATH...]": every check except the surface scan (--scan adds it: it reads whole
 * disks, minutes per 100 GB), as a translated text report (severity words,
 * readable without colour), JSON (schema in README.md) or an HTML page.  A copy of the
 * report (text and JSON) is always saved next to the log file.
 *
 * Exit status: 0 the diagnosis was made (whatever it found); 1 nothing could be
 * inspected, or --decode was given a wrong code; 2 usage.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "i18n.h"

static const char *translate(const char *msgid)
{
	return gettext(msgid);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(text, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	return ok ? 0 : -1;
}

/* The log folder gets diagnose-<time>.txt and .json. */
static void save_copies(const char *text, const char *json, int64_t t)
{
	const char *log = wr_log_path();
	char *dup, dir[4096], path[4200];
	time_t tt = (time_t)t;
	struct tm tm;
	char stamp[32];

	if (!log || !(dup = strdup(log)))
		return;
	snprintf(dir, sizeof(dir), "%s", dirname(dup));
	free(dup);
	if (!gmtime_r(&tt, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm))
		snprintf(stamp, sizeof(stamp), "now");
	snprintf(path, sizeof(path), "%s/diagnose-%s.txt", dir, stamp);
	if (write_file(path, text))
		wr_log(WR_LOG_WARN, "diagnose: cannot save '%s'", path);
	else
		wr_log(WR_LOG_INFO, "diagnose: report saved as '%s'", path);
	snprintf(path, sizeof(path), "%s/diagnose-%s.json", dir, stamp);
	if (write_file(path, json))
		wr_log(WR_LOG_WARN, "diagnose: cannot save '%s'", path);
}

static int decode(const char *code)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_diag_code c;

	if (wr_diagnose_decode(code, &c, &d)) {
		/* TRANSLATORS: %s is what the person typed as a support code. */
		cli_error(_("'%s' is not a valid support code; check each character."), code);
		return EXIT_FAILED;
	}
	printf("%s: %s\n", _("Worst finding"), _(wr_diagreport_severity_label(c.worst)));
	for (size_t i = 0; i < c.nids; i++)
		printf("  %s\n", c.ids[i]);
	return EXIT_DONE;
}

int cmd_diagnose(int argc, char **argv)
{
	struct wr_diagreport_params rp = {translate, NULL, NULL};
	struct wr_diagnose_opts o;
	struct wr_diagnosis dg;
	struct wr_detail d = WR_DETAIL_INIT;
	const char *html = NULL, **disks = NULL, **images = NULL;
	char *text = NULL, *json = NULL, *page = NULL;
	bool want_json = false;
	struct cli_paths_args a;
	size_t nd = 0, ni = 0;
	int ret;

	memset(&dg, 0, sizeof(dg));
	memset(&o, 0, sizeof(o));
	if (cli_parse_diagnose(argc, argv, &a))
		return EXIT_USAGE;
	if (a.decode)
		return decode(a.decode);
	html = a.html;
	want_json = a.json;
	o.no_smart = a.no_smart;
	o.surface_scan = a.surface_scan;
	disks = calloc((size_t)argc + 1, sizeof(*disks));
	images = calloc((size_t)argc + 1, sizeof(*images));
	if (!disks || !images) {
		ret = cli_fail("diagnose", WR_ERR_NOMEM, NULL);
		goto out;
	}
	for (int i = a.first; i < argc; i++) {
		if (cli_is_image_source(argv[i]))
			images[ni++] = argv[i];
		else
			disks[nd++] = argv[i];
	}
	o.paths = disks;
	o.extra_sources = images;
	o.firmware_dir = getenv("WINRESCUE_FIRMWARE_DIR");
	rp.lang = i18n_language();
	ret = wr_diagnose_run(&o, NULL, NULL, &dg, &d);
	if (ret) {
		ret = cli_fail("diagnose", ret, &d);
		goto out;
	}
	if ((ret = wr_diagreport_text(&dg, &rp, &text, &d)) ||
	    (ret = wr_diagreport_json(&dg, &rp, &json, &d)) ||
	    (html && (ret = wr_diagreport_html(&dg, &rp, &page, &d)))) {
		ret = cli_fail("diagnose", ret, &d);
		goto out;
	}
	save_copies(text, json, dg.time);
	if (html && write_file(html, page)) {
		/* TRANSLATORS: %s is the file the person asked the HTML report to go to. */
		cli_error(_("Cannot write the report to '%s'; check the path."), html);
		ret = EXIT_FAILED;
		goto out;
	}
	fputs(want_json ? json : text, stdout);
	ret = EXIT_DONE;
out:
	free(text);
	free(json);
	free(page);
	free(disks);
	free(images);
	wr_diagnosis_release(&dg);
	return ret;
}
