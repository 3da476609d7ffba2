/*
 * cmd_scan.c - "winrescue scan [--json] DEVICE": read the whole disk, never write,
 * report slow and unreadable sectors (and which partition holds them).
 *
 * Ctrl-C cancels cleanly: the scan stops after the current read and what was found so
 * far is reported.  Exit status: 0 the whole device was read without an unreadable
 * sector; 1 unreadable sectors found, the scan failed or was cancelled; 2 usage.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "i18n.h"
#include "json_out.h"

static volatile sig_atomic_t scan_cancelled;

static void on_signal(int sig)
{
	(void)sig;
	scan_cancelled = 1;
}

struct scan_ui {
	bool tty;			/* draw the progress line on stderr */
	struct timespec start, last_draw;
	bool drawn;
};

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* "1:02:03" or "2:03". */
static const char *format_duration(double secs, char *buf, size_t size)
{
	unsigned long s = secs > 0 && secs < 1e9 ? (unsigned long)(secs + 0.5) : 0;

	if (s >= 3600)
		snprintf(buf, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, size, "%lu:%02lu", s / 60, s % 60);
	return buf;
}

static enum wr_prog_status scan_progress(enum wr_prog_msg msg, const union wr_prog_info *info,
					 void *ctx)
{
	struct scan_ui *ui = ctx;
	struct timespec now;
	double secs, speed, left;
	char speed_s[32], left_s[32];

	if (scan_cancelled)
		return WR_PROG_ABORT;
	if (msg != WR_PROG_BYTES || !ui->tty || !info->amount.total)
		return WR_PROG_CONTINUE;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ui->drawn && elapsed(&ui->last_draw, &now) < 0.1 &&
	    info->amount.done < info->amount.total)
		return WR_PROG_CONTINUE;
	ui->last_draw = now;
	ui->drawn = true;
	secs = elapsed(&ui->start, &now);
	speed = secs > 0.05 ? (double)info->amount.done / secs : 0;
	left = speed > 0 ? (double)(info->amount.total - info->amount.done) / speed : 0;
	format_size((uint64_t)speed, speed_s, sizeof(speed_s));
	format_duration(left, left_s, sizeof(left_s));
	/* TRANSLATORS: the scan's progress line: %1$u is the percentage done, %2$s the
	 * speed ("120 MB"), %3$s the time left ("1:02:03").  Keep it short: one line. */
	fputc('\r', stderr);
	fprintf(stderr, _("%1$3u %%  %2$s/s  time left %3$s   "),
		(unsigned)(info->amount.done * 100 / info->amount.total), speed_s, left_s);
	fflush(stderr);
	return WR_PROG_CONTINUE;
}

/* The partition holding each sector, when the device has a partition table. */
static struct wr_disk *read_partitions(const char *path)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_disk *disk = NULL;

	if (wr_disk_read(path, &disk, &d) != WR_OK) {
		wr_log_err("scan: partition table", WR_ERR_READ, &d);
		return NULL;
	}
	return disk;
}

static json_object *range_json(const struct wr_surface_range *r, const struct wr_disk *disk,
			       unsigned sector_size, bool bad)
{
	json_object *o = json_object_new_object();
	struct wr_surface_location loc;

	wr_surface_locate(disk, r->sector, sector_size, &loc);
	json_add_u64(o, "sector", r->sector);
	json_add_u64(o, "count", r->count);
	if (bad)
		json_add_str(o, "error", strerrorname_np(r->sys_errno) ? strerrorname_np(r->sys_errno)
								  : "unknown");
	else
		json_add_u64(o, "ms", r->ms);
	if (loc.partition) {
		json_add_u64(o, "partition", loc.partition);
		json_add_u64(o, "partition_offset", loc.offset);
	} else {
		json_object_object_add(o, "partition", NULL);
	}
	json_add_str(o, "file", loc.file[0] ? loc.file : NULL);
	return o;
}

static void print_json(const struct wr_surface_result *r, int err, const struct wr_disk *disk)
{
	json_object *o = json_object_new_object(), *h = json_object_new_object();
	json_object *bad = json_object_new_array(), *slow = json_object_new_array();
	json_object *skipped = json_object_new_array();

	json_add_str(o, "device", r->path);
	json_add_u64(o, "device_size", r->device_size);
	json_add_u64(o, "sector_size", r->sector_size);
	json_add_u64(o, "block_size", r->block_size);
	json_add_bool(o, "direct_io", r->direct_io);
	json_add_u64(o, "start", r->start);
	json_add_u64(o, "length", r->length);
	json_add_u64(o, "bytes_read", r->bytes_done);
	json_add_bool(o, "complete", r->complete);
	json_add_bool(o, "cancelled", err == WR_ERR_ABORTED);
	if (err) {
		json_object *e = json_object_new_object();

		json_add_str(e, "code", wr_err_name(err));
		json_add_str(e, "message", wr_strerror(err));
		json_object_object_add(o, "error", e);
	} else {
		json_object_object_add(o, "error", NULL);
	}
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	json_add_u64(o, "bytes_per_second",
		     r->seconds > 0 ? (uint64_t)((double)r->bytes_done / r->seconds) : 0);
	json_add_u64(o, "max_ms", r->max_ms);
	for (int c = 0; c < WR_LAT__COUNT; c++)
		json_add_u64(h, wr_latency_name((enum wr_latency)c), r->blocks[c]);
	json_object_object_add(o, "histogram", h);
	json_add_u64(o, "bad_sectors", r->bad_sectors);
	for (size_t i = 0; i < r->nbad; i++)
		json_object_array_add(bad, range_json(&r->bad[i], disk, r->sector_size, true));
	json_object_object_add(o, "bad", bad);
	for (size_t i = 0; i < r->nslow; i++)
		json_object_array_add(slow, range_json(&r->slow[i], disk, r->sector_size, false));
	for (size_t i = 0; i < r->nskipped; i++) {
		json_object *k = json_object_new_object();

		json_add_u64(k, "sector", r->skipped[i].sector);
		json_add_u64(k, "count", r->skipped[i].count);
		json_object_array_add(skipped, k);
	}
	json_object_object_add(o, "slow", slow);
	json_add_u64(o, "skipped_sectors", r->skipped_sectors);
	json_object_object_add(o, "skipped", skipped);
	json_print(o);
}

static void print_range(const struct wr_surface_range *r, const struct wr_disk *disk,
			unsigned sector_size, bool bad)
{
	struct wr_surface_location loc;
	char where[256] = "";

	wr_surface_locate(disk, r->sector, sector_size, &loc);
	if (loc.partition)
		/* TRANSLATORS: after a sector range: which partition holds it. */
		snprintf(where, sizeof(where), _(" (partition %u)"), loc.partition);
	if (r->count == 1)
		/* TRANSLATORS: %1$llu is a sector number, %2$s " (partition N)" or "". */
		printf(_("  sector %1$llu%2$s"), (unsigned long long)r->sector, where);
	else
		/* TRANSLATORS: %1$llu-%2$llu is a range of sector numbers, %3$s " (partition N)"
		 * or "". */
		printf(_("  sectors %1$llu-%2$llu%3$s"), (unsigned long long)r->sector,
		       (unsigned long long)(r->sector + r->count - 1), where);
	if (!bad)
		/* TRANSLATORS: how long reading the area took, in milliseconds. */
		printf(_(", %u ms"), r->ms);
	putchar('\n');
	if (loc.file[0])
		/* TRANSLATORS: %s is a file on the Windows partition, e.g.
		 * \Windows\System32\config\SYSTEM. */
		printf(_("    in the file %s\n"), loc.file);
}

static void print_text(const struct wr_surface_result *r, int err, const struct wr_disk *disk)
{
	static const char *const labels[WR_LAT__COUNT] = {
		N_("under 5 ms"), N_("5 to 20 ms"), N_("20 to 50 ms"), N_("50 to 200 ms"),
		N_("200 to 600 ms"), N_("600 ms or more"), N_("unreadable"),
	};
	char done_s[32], total_s[32], speed_s[32], time_s[32];
	uint64_t speed = r->seconds > 0 ? (uint64_t)((double)r->bytes_done / r->seconds) : 0;

	format_size(r->bytes_done, done_s, sizeof(done_s));
	format_size(r->length, total_s, sizeof(total_s));
	format_size(speed, speed_s, sizeof(speed_s));
	format_duration(r->seconds, time_s, sizeof(time_s));
	/* TRANSLATORS: %1$s is the device, %2$s and %3$s sizes ("120 GB"), %4$s a duration
	 * ("1:02:03"), %5$s a size per second. */
	printf(_("Surface scan of %1$s: %2$s of %3$s read in %4$s (%5$s/s).\n"), r->path, done_s,
	       total_s, time_s, speed_s);
	if (err == WR_ERR_ABORTED)
		printf("%s\n", _("The scan was cancelled; the results below cover only the part that was read."));
	else if (err)
		printf("%s\n", _("The scan stopped early; the results below cover only the part that was read."));
	printf("%s\n", _("Read times of the blocks:"));
	for (int c = 0; c < WR_LAT__COUNT; c++)
		/* Label then count: no byte-width padding, which breaks on Japanese. */
		printf("  %s: %llu\n", _(labels[c]), (unsigned long long)r->blocks[c]);
	if (!r->nbad) {
		printf("%s\n", _("No unreadable sectors were found."));
	} else {
		/* TRANSLATORS: %llu is a number of sectors. */
		printf(ngettext("%llu unreadable sector was found:\n",
				"%llu unreadable sectors were found:\n", r->bad_sectors),
		       (unsigned long long)r->bad_sectors);
		for (size_t i = 0; i < r->nbad; i++)
			print_range(&r->bad[i], disk, r->sector_size, true);
		if (r->skipped_sectors)
			/* TRANSLATORS: %llu is a number of sectors. */
			printf(ngettext("%llu sector next to them was not read, to spare the failing disk.\n",
					"%llu sectors next to them were not read, to spare the failing disk.\n",
					r->skipped_sectors),
			       (unsigned long long)r->skipped_sectors);
		printf("%s\n", _("Back up your files now: this disk is failing. Do not write to it, and do not let any program \"repair\" it."));
	}
	if (r->nslow) {
		printf("%s\n", _("Very slow areas (a sign of a weak disk surface):"));
		for (size_t i = 0; i < r->nslow; i++)
			print_range(&r->slow[i], disk, r->sector_size, false);
	}
}

int cmd_scan(int argc, char **argv)
{
	struct scan_ui ui = { 0 };
	struct wr_surface_result r;
	struct wr_detail d = WR_DETAIL_INIT;
	struct sigaction sa, old_int, old_term;
	struct wr_disk *disk = NULL;
	struct cli_scan_args a;
	bool json = false;
	const char *path;
	int err;

	if (cli_parse_scan(argc, argv, &a))
		return EXIT_USAGE;
	if (a.help) {
		printf("%s %s\n", "winrescue scan", cli_find("scan")->usage);
		return EXIT_DONE;
	}
	json = a.json;
	path = a.device;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	scan_cancelled = 0;
	ui.tty = isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &ui.start);

	err = wr_surface_scan(path, NULL, scan_progress, &ui, &r, &d);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (ui.drawn)
		fputc('\n', stderr);
	if (err && err != WR_ERR_ABORTED && err != WR_ERR_DEVICE_GONE && !r.bytes_done) {
		/* Nothing was read: only the error to tell. */
		wr_surface_result_release(&r);
		return cli_fail("scan", err, &d);
	}
	if (err && err != WR_ERR_ABORTED)
		cli_fail("scan", err, &d);
	if (r.nbad || r.nslow)
		disk = read_partitions(path);
	if (json)
		print_json(&r, err, disk);
	else
		print_text(&r, err, disk);
	wr_log(WR_LOG_INFO, "scan: %llu bytes read, %llu bad sectors, %zu slow areas, %s",
	       (unsigned long long)r.bytes_done, (unsigned long long)r.bad_sectors, r.nslow,
	       wr_err_name(err));
	int status = !err && r.complete && !r.nbad ? EXIT_DONE : EXIT_FAILED;
	wr_disk_free(disk);
	wr_surface_result_release(&r);
	return status;
}
