/*
 * test_diagnose.c - the parts of diagnose that need no synthetic PC: the support code
 * (round trip, every single-character typo caught, look-alikes refused), placeholder
 * substitution, SrtTrail.txt parsing, the BCD check on Windows' own stores and
 * template (testdata/bcd) and on things that are not stores, SMART through a fake
 * smartctl that prints garbage or is missing, bad sectors mapped to partitions of a
 * real GPT image, and the three report formats (JSON read back with json-c, HTML
 * escaping).  t-diagnose.sh covers the checks on whole synthetic PCs.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "mkimg.h"
#include "winrescue.h"

static const char *testdata(void)
{
	const char *td = getenv("WINRESCUE_TESTDATA");

	return td ? td : "../shared/testdata";
}

static const struct wr_finding *find(const struct wr_diagnosis *dg, const char *id)
{
	for (size_t i = 0; i < dg->n; i++)
		if (!strcmp(dg->v[i].id, id))
			return &dg->v[i];
	return NULL;
}

/* ------------------------------------------------------------------------- */

static void test_code_round_trip(void **state)
{
	const char *const *ids = wr_diagnose_ids();
	struct wr_diag_code c;
	size_t n = 0;
	char code[16];

	(void)state;
	while (ids[n])
		n++;
	assert_true(n >= 30 && n <= 43);
	/* Nothing, each id alone with each severity, and all of them. */
	for (int sev = 0; sev <= WR_SEV_CRITICAL; sev++) {
		assert_int_equal(wr_diagnose_encode(sev, NULL, 0, code, sizeof(code)), WR_OK);
		assert_int_equal(strlen(code), 11);
		assert_int_equal(code[5], '-');
		assert_int_equal(wr_diagnose_decode(code, &c, NULL), WR_OK);
		assert_int_equal(c.worst, sev);
		assert_int_equal(c.nids, 0);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(wr_diagnose_encode(sev, &ids[i], 1, code, sizeof(code)),
					 WR_OK);
			assert_int_equal(wr_diagnose_decode(code, &c, NULL), WR_OK);
			assert_int_equal(c.worst, sev);
			assert_int_equal(c.nids, 1);
			assert_string_equal(c.ids[0], ids[i]);
		}
	}
	assert_int_equal(wr_diagnose_encode(WR_SEV_CRITICAL, ids, n, code, sizeof(code)), WR_OK);
	assert_int_equal(wr_diagnose_decode(code, &c, NULL), WR_OK);
	assert_int_equal(c.nids, n);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(c.ids[i], ids[i]);
	/* Lower case, spaces and no dash are accepted. */
	{
		char loose[32];
		size_t o = 0;

		for (const char *p = code; *p; p++)
			if (*p != '-') {
				loose[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
				if (o == 3)
					loose[o++] = ' ';
			}
		loose[o] = '\0';
		assert_int_equal(wr_diagnose_decode(loose, &c, NULL), WR_OK);
		assert_int_equal(c.nids, n);
	}
	/* Ids that are not in the table (OK findings) are not encoded. */
	{
		const char *okid[] = {"registry.ok"};
		char code2[16];

		assert_int_equal(wr_diagnose_encode(WR_SEV_OK, okid, 1, code2, sizeof(code2)),
				 WR_OK);
		assert_int_equal(wr_diagnose_decode(code2, &c, NULL), WR_OK);
		assert_int_equal(c.nids, 0);
	}
}

static void test_code_catches_typos(void **state)
{
	static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	const char *const *ids = wr_diagnose_ids();
	const char *some[] = {ids[2], ids[10], ids[28]};
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_diag_code c;
	char code[16], bad[16];
	unsigned swaps = 0, swaps_caught = 0;

	(void)state;
	assert_int_equal(wr_diagnose_encode(WR_SEV_CRITICAL, some, 3, code, sizeof(code)), WR_OK);
	/* Every single wrong character is refused. */
	for (size_t pos = 0; pos < 11; pos++) {
		if (pos == 5)
			continue;
		for (size_t k = 0; k < 32; k++) {
			if (alphabet[k] == code[pos])
				continue;
			memcpy(bad, code, sizeof(bad));
			bad[pos] = alphabet[k];
			assert_int_equal(wr_diagnose_decode(bad, &c, NULL), WR_ERR_INVALID_ARG);
		}
	}
	/* Swapped neighbours: Luhn mod 32 catches all but a few pairs. */
	for (size_t pos = 0; pos + 1 < 11; pos++) {
		size_t a = pos == 4 ? 4 : pos, b = pos == 4 ? 6 : pos + 1;

		if (pos == 5 || code[a] == code[b])
			continue;
		memcpy(bad, code, sizeof(bad));
		bad[a] = code[b];
		bad[b] = code[a];
		swaps++;
		swaps_caught += wr_diagnose_decode(bad, &c, NULL) != WR_OK;
	}
	assert_true(swaps_caught + 1 >= swaps);
	/* Look-alikes and wrong lengths. */
	memcpy(bad, code, sizeof(bad));
	bad[0] = 'O';
	assert_int_equal(wr_diagnose_decode(bad, &c, &d), WR_ERR_INVALID_ARG);
	assert_non_null(strstr(d.lib_msg, "'O'"));
	bad[0] = '1';
	assert_int_equal(wr_diagnose_decode(bad, &c, NULL), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_diagnose_decode("ABCDE-FGHJ", &c, NULL), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_diagnose_decode("ABCDE-FGHJKL", &c, NULL), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_diagnose_decode("", &c, NULL), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_diagnose_decode(NULL, &c, NULL), WR_ERR_INVALID_ARG);
	assert_int_equal(wr_diagnose_encode(WR_SEV_OK, NULL, 0, bad, 8), WR_ERR_INVALID_ARG);
}

static void test_format(void **state)
{
	char args[3][256] = {"one", "two", "<three>"};
	char *s;

	(void)state;
	s = wr_diagnose_format("%2$s then %1$s, 100%% %3$s", args, 3);
	assert_string_equal(s, "two then one, 100% <three>");
	free(s);
	/* Missing arguments become empty; other % sequences stay as text (no printf). */
	s = wr_diagnose_format("[%5$s] %d %n %s", args, 2);
	assert_string_equal(s, "[] %d %n one");
	free(s);
	s = wr_diagnose_format("%1$s%1$s%1$s%1$s%1$s%1$s", args, 1);
	assert_string_equal(s, "oneoneoneoneoneone");
	free(s);
	s = wr_diagnose_format("trailing %", args, 0);
	assert_string_equal(s, "trailing %");
	free(s);
}

/* ------------------------------------------------------------------------- */

static void test_srttrail(void **state)
{
	static const char text[] =
	    "Startup Repair diagnosis and repair log\r\n---------------------------\r\n"
	    "Number of repair attempts: 2\r\n\r\nRoot cause found: \r\n"
	    "---------------------------\r\nNo root cause found.\r\n\r\n"
	    "Root cause found: \r\n---------------------------\r\n"
	    "Boot critical file c:\\windows\\system32\\drivers\\xyz.sys is corrupt.\r\n\r\n"
	    "Repair action: File repair\r\nResult: Failed. Error code =  0x2\r\n"
	    "Time taken = 8908 ms\r\n";
	struct wr_srt_result r;
	unsigned char *u16;
	size_t n = strlen(text);

	(void)state;
	assert_int_equal(wr_diagnose_parse_srttrail(text, n, &r), WR_OK);
	assert_int_equal(r.sessions, 2);
	assert_string_equal(
	    r.root_cause, "Boot critical file c:\\windows\\system32\\drivers\\xyz.sys is corrupt.");
	assert_string_equal(r.repair_action, "File repair");
	assert_string_equal(r.result, "Failed. Error code =  0x2");
	/* The same as Windows writes it: UTF-16LE with a BOM. */
	u16 = calloc(2 + n * 2, 1);
	assert_non_null(u16);
	u16[0] = 0xFF;
	u16[1] = 0xFE;
	for (size_t i = 0; i < n; i++)
		u16[2 + 2 * i] = (unsigned char)text[i];
	assert_int_equal(wr_diagnose_parse_srttrail(u16, 2 + n * 2, &r), WR_OK);
	assert_string_equal(r.repair_action, "File repair");
	assert_int_equal(r.sessions, 2);
	free(u16);
	/* The last session found nothing. */
	{
		static const char none[] = "Root cause found:\n---\nNo root cause found.\n";

		assert_int_equal(wr_diagnose_parse_srttrail(none, strlen(none), &r), WR_OK);
		assert_string_equal(r.root_cause, "");
	}
	assert_int_equal(wr_diagnose_parse_srttrail("garbage\n\x01\x02", 10, &r), WR_ERR_NOT_FOUND);
	assert_int_equal(wr_diagnose_parse_srttrail("", 0, &r), WR_ERR_NOT_FOUND);
}

/* ------------------------------------------------------------------------- */

static void bcd_check(const char *path, const char *want)
{
	struct wr_diagnosis dg;
	const struct wr_finding *f;

	memset(&dg, 0, sizeof(dg));
	assert_int_equal(wr_diagnose_bcd_file(path, NULL, "ESP", &dg, NULL), WR_OK);
	assert_int_equal(dg.n, 1);
	f = find(&dg, want);
	if (!f)
		fail_msg("%s: want %s, got %s (%s)", path, want, dg.v[0].id, dg.v[0].tech);
	wr_diagnose_finish(&dg);
	assert_string_equal(dg.v[0].args[0], "ESP");
	wr_diagnosis_release(&dg);
}

static void test_bcd_real_stores(void **state)
{
	char tmp[256], p[1024], q[1024];
	FILE *f;

	(void)state;
	snprintf(p, sizeof(p), "%s/bcd/regipy_BCD_win10_uefi", testdata());
	bcd_check(p, "boot.bcd.ok");
	snprintf(p, sizeof(p), "%s/bcd/asus_BCD_win10_uefi", testdata());
	bcd_check(p, "boot.bcd.ok");
	snprintf(p, sizeof(p), "%s/bcd/museum_Win10_BCD-Template", testdata());
	bcd_check(p, "boot.bcd.template");
	/* A hive that is not a BCD, random bytes, an empty file, a missing file. */
	assert_int_equal(mkimg_tmpdir(tmp, sizeof(tmp)), 0);
	snprintf(p, sizeof(p), "%s/hives/regipy_SYSTEM.xz", testdata());
	snprintf(q, sizeof(q), "%s/SYSTEM", tmp);
	assert_int_equal(mkimg_decompress(p, q), 0);
	bcd_check(q, "boot.bcd.not_store");
	snprintf(q, sizeof(q), "%s/random", tmp);
	f = fopen(q, "w");
	assert_non_null(f);
	for (int i = 0; i < 65536; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	bcd_check(q, "boot.bcd.damaged");
	snprintf(q, sizeof(q), "%s/empty", tmp);
	f = fopen(q, "w");
	fclose(f);
	bcd_check(q, "boot.bcd.damaged");
	snprintf(q, sizeof(q), "%s/missing", tmp);
	bcd_check(q, "boot.bcd.damaged");
	mkimg_rmrf(tmp);
}

/* A store written by wr_bcd_write for a disk of the inspection: its default entry's
 * partition is found (GPT by GUIDs, MBR by signature and offset); that partition is
 * an empty NTFS volume, so "Windows is not there"; a partition that is not on the
 * disk is "missing". */
static void bcd_matching(int gpt)
{
	const char *paths[2] = {NULL, NULL};
	struct wr_inspection *in = NULL;
	struct wr_bcd_spec spec;
	struct wr_diagnosis dg;
	const struct wr_finding *f;
	const struct wr_disk *disk;
	char tmp[256], path[512], host[600], want[600];
	uint64_t starts[4];

	assert_int_equal(mkimg_tmpdir(tmp, sizeof(tmp)), 0);
	assert_int_equal(mkimg_std_disk(tmp, "disk.img", gpt, path, sizeof(path), starts), 0);
	paths[0] = path;
	assert_int_equal(wr_inspect(paths, NULL, WR_INSPECT_NO_APPS | WR_INSPECT_NO_SOURCES, NULL,
				    NULL, &in, NULL),
			 WR_OK);
	assert_int_equal(in->ndisks, 1);
	disk = in->disks[0].disk;
	assert_non_null(disk);
	for (int k = 0; k < 2; k++) {
		const struct wr_partition *boot = &disk->parts[0];
		const struct wr_partition *win = &disk->parts[gpt ? 2 : 1];

		memset(&spec, 0, sizeof(spec));
		spec.efi = gpt;
		spec.boot.gpt = spec.windows.gpt = gpt;
		if (gpt) {
			snprintf(spec.boot.disk_guid, sizeof(spec.boot.disk_guid), "%s",
				 disk->disk_guid);
			snprintf(spec.boot.part_guid, sizeof(spec.boot.part_guid), "%s",
				 boot->uuid);
			snprintf(spec.windows.disk_guid, sizeof(spec.windows.disk_guid), "%s",
				 disk->disk_guid);
			snprintf(spec.windows.part_guid, sizeof(spec.windows.part_guid), "%s",
				 k ? "0badc0de-1111-2222-3333-444455556666" : win->uuid);
		} else {
			spec.boot.mbr_signature = spec.windows.mbr_signature = disk->mbr_signature;
			spec.boot.offset = boot->start;
			spec.windows.offset = k ? win->start + 4096 : win->start;
		}
		snprintf(host, sizeof(host), "%s/BCD%d", tmp, k);
		assert_int_equal(wr_bcd_write(host, &spec, NULL), WR_OK);
		memset(&dg, 0, sizeof(dg));
		assert_int_equal(wr_diagnose_bcd_file(host, in, "store", &dg, NULL), WR_OK);
		f = find(&dg, k ? "boot.bcd.device_missing" : "boot.bcd.not_windows");
		if (!f)
			fail_msg("%s k=%d: got %s (%s)", gpt ? "GPT" : "MBR", k, dg.v[0].id,
				 dg.v[0].tech);
		if (!k) {
			snprintf(want, sizeof(want), "%s partition %u", path, win->number);
			assert_string_equal(f->args[1], want);
		}
		wr_diagnosis_release(&dg);
	}
	wr_inspection_free(in);
	mkimg_rmrf(tmp);
}

static void test_bcd_device_matching(void **state)
{
	(void)state;
	bcd_matching(1);
	bcd_matching(0);
}

/* ------------------------------------------------------------------------- */

static void smart_with(const char *script_body, const char *const *accept)
{
	char tmp[256], script[512], dev[512];
	struct wr_diagnosis dg;
	FILE *f;
	bool ok = false;

	assert_int_equal(mkimg_tmpdir(tmp, sizeof(tmp)), 0);
	snprintf(dev, sizeof(dev), "%s/disk", tmp);
	assert_int_equal(mkimg_file(dev, 1 << 20), 0);
	if (script_body) {
		snprintf(script, sizeof(script), "%s/smartctl", tmp);
		f = fopen(script, "w");
		assert_non_null(f);
		fprintf(f, "#!/bin/sh\n%s\n", script_body);
		fclose(f);
		chmod(script, 0755);
	} else {
		snprintf(script, sizeof(script), "%s/no-such-smartctl", tmp);
	}
	setenv("WINRESCUE_SMARTCTL", script, 1);
	memset(&dg, 0, sizeof(dg));
	assert_int_equal(wr_diagnose_smart(dev, false, &dg, NULL), WR_OK);
	assert_int_equal(dg.n, 1);
	for (size_t i = 0; accept[i]; i++)
		ok |= !strcmp(dg.v[0].id, accept[i]);
	if (!ok)
		fail_msg("smartctl '%s': got %s (%s)", script_body ? script_body : "(missing)",
			 dg.v[0].id, dg.v[0].tech);
	assert_true(dg.v[0].severity >= WR_SEV_OK);
	wr_diagnosis_release(&dg);
	unsetenv("WINRESCUE_SMARTCTL");
	mkimg_rmrf(tmp);
}

static void test_smart_garbage(void **state)
{
	static const char *const unreadable[] = {"disk.smart.unreadable", NULL};
	static const char *const missing[] = {"disk.smart.unreadable", "disk.smart.no_tool", NULL};
	struct wr_diagnosis dg;

	(void)state;
	smart_with("echo 'this is not JSON {{{'; exit 0", unreadable);
	smart_with("head -c 5000 /dev/urandom; exit 4", unreadable);
	smart_with("echo '{\"smartctl\": 7}'; exit 0", unreadable);
	smart_with("exit 2", unreadable);
	smart_with(NULL, missing);
	/* An image file is never asked. */
	memset(&dg, 0, sizeof(dg));
	assert_int_equal(wr_diagnose_smart("/nonexistent.img", true, &dg, NULL), WR_OK);
	assert_non_null(find(&dg, "disk.smart.none"));
	assert_int_equal(dg.v[0].severity, WR_SEV_OK);
	wr_diagnosis_release(&dg);
}

static void test_smart_failing(void **state)
{
	static const char *const sectors[] = {"disk.smart.sectors", NULL};
	static const char *const good[] = {"disk.smart.ok", NULL};

	(void)state;
	smart_with("cat <<'EOF'\n{\"json_format_version\":[1,0],\"smartctl\":{\"version\":[7,3],"
		   "\"exit_status\":0},\"device\":{\"name\":\"/dev/sda\",\"type\":\"sat\","
		   "\"protocol\":\"ATA\"},\"model_name\":\"X\",\"smart_status\":{\"passed\":true},"
		   "\"ata_smart_attributes\":{\"table\":[{\"id\":197,\"name\":"
		   "\"Current_Pending_Sector\",\"value\":100,\"worst\":100,\"thresh\":0,"
		   "\"when_failed\":\"\",\"raw\":{\"value\":8,\"string\":\"8\"}}]}}\nEOF",
		   sectors);
	smart_with("cat <<'EOF'\n{\"json_format_version\":[1,0],\"smartctl\":{\"version\":[7,3],"
		   "\"exit_status\":0},\"device\":{\"name\":\"/dev/sda\",\"type\":\"sat\","
		   "\"protocol\":\"ATA\"},\"model_name\":\"X\",\"smart_status\":{\"passed\":true},"
		   "\"ata_smart_attributes\":{\"table\":[]}}\nEOF",
		   good);
}

/* ------------------------------------------------------------------------- */

static void test_surface_mapped(void **state)
{
	struct wr_surface_range bad[2] = {{0, 0, 0, 5}, {0, 0, 0, 5}};
	struct wr_surface_result r;
	struct wr_diagnosis dg;
	struct wr_disk *disk = NULL;
	char tmp[256], path[512];
	uint64_t starts[4];
	const struct wr_finding *f;

	(void)state;
	assert_int_equal(mkimg_tmpdir(tmp, sizeof(tmp)), 0);
	assert_int_equal(mkimg_std_disk(tmp, "disk.img", 1, path, sizeof(path), starts), 0);
	assert_int_equal(wr_disk_read(path, &disk, NULL), WR_OK);
	memset(&r, 0, sizeof(r));
	snprintf(r.path, sizeof(r.path), "%s", path);
	r.sector_size = 512;
	bad[0].sector = starts[2] / 512 + 100; /* inside partition 3 */
	bad[0].count = 8;
	bad[1].sector = 1; /* the GPT header: no partition */
	bad[1].count = 1;
	r.bad = bad;
	r.nbad = 2;
	r.bad_sectors = 9;
	memset(&dg, 0, sizeof(dg));
	assert_int_equal(wr_diagnose_surface(disk, &r, &dg, NULL), WR_OK);
	f = find(&dg, "disk.surface.bad");
	assert_non_null(f);
	assert_int_equal(f->severity, WR_SEV_CRITICAL);
	assert_int_equal(f->advice, WR_ADVICE_BACKUP);
	assert_string_equal(f->args[1], "9");
	assert_non_null(strstr(f->tech, "(partition 3, offset 51200)"));
	assert_non_null(strstr(f->tech, "sector 1+1 (outside the partitions)"));
	wr_diagnosis_release(&dg);
	/* No bad sectors: no finding. */
	r.nbad = 0;
	assert_int_equal(wr_diagnose_surface(disk, &r, &dg, NULL), WR_OK);
	assert_int_equal(dg.n, 0);
	wr_disk_free(disk);
	mkimg_rmrf(tmp);
}

/* ------------------------------------------------------------------------- */

static const char *fake_tr(const char *msgid)
{
	if (!strcmp(msgid, "CRITICAL"))
		return "KRIT";
	if (!strcmp(msgid, "%1$s partition %2$s"))
		return "Teil %2$s von %1$s";
	if (!strcmp(msgid, "The registry hive %1$s of Windows is damaged. Windows cannot "
			   "start with it."))
		return "Hive %1$s kaputt.";
	return msgid;
}

static void sample(struct wr_diagnosis *dg)
{
	memset(dg, 0, sizeof(*dg));
	dg->time = 1700000000;
	dg->efi = true;
	dg->secure_boot = 1;
	assert_int_equal(wr_diagnose_add(dg, "registry.ok", WR_SEV_OK,
					 "The registry hives of Windows are readable.",
					 WR_ADVICE_NONE, "vol", NULL, NULL, NULL, "all good"),
			 WR_OK);
	assert_int_equal(wr_diagnose_add(dg, "registry.hive.corrupt", WR_SEV_CRITICAL,
					 "The registry hive %1$s of Windows is damaged. Windows "
					 "cannot start with it.",
					 WR_ADVICE_REPAIR_REGISTRY, "<b>&\"vol'</b>",
					 "SYS<script>alert(1)</script>", NULL, NULL,
					 "tech <i>%d</i> \x01\x7f", 5),
			 WR_OK);
	assert_int_equal(wr_diagnose_add(dg, "no.such.id", WR_SEV_OK, "x", WR_ADVICE_NONE, "", NULL,
					 NULL, NULL, NULL),
			 WR_ERR_INVALID_ARG);
	assert_int_equal(
	    wr_diagnose_add(dg, "registry.ok", 9, "x", WR_ADVICE_NONE, "", NULL, NULL, NULL, NULL),
	    WR_ERR_INVALID_ARG);
	wr_diagnose_finish(dg);
}

static void test_reports(void **state)
{
	struct wr_diagreport_params p = {fake_tr, "de", NULL};
	struct wr_diagnosis dg;
	struct wr_diag_code c;
	json_object *root, *arr, *f0, *v;
	char *text = NULL, *html = NULL, *json = NULL;

	(void)state;
	sample(&dg);
	/* Worst first, code matches. */
	assert_int_equal(dg.n, 2);
	assert_string_equal(dg.v[0].id, "registry.hive.corrupt");
	assert_int_equal(dg.worst, WR_SEV_CRITICAL);
	assert_int_equal(wr_diagnose_decode(dg.code, &c, NULL), WR_OK);
	assert_int_equal(c.worst, WR_SEV_CRITICAL);
	assert_int_equal(c.nids, 1);
	assert_string_equal(c.ids[0], "registry.hive.corrupt");

	assert_int_equal(wr_diagreport_text(&dg, &p, &text, NULL), WR_OK);
	assert_non_null(strstr(text, "[KRIT] Hive SYS<script>alert(1)</script> kaputt."));
	assert_non_null(strstr(text, "[OK] The registry hives"));
	assert_non_null(strstr(text, dg.code));

	assert_int_equal(wr_diagreport_html(&dg, &p, &html, NULL), WR_OK);
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "<html lang=\"de\">"));
	assert_null(strstr(html, "<script>"));
	assert_null(strstr(html, "<b>"));
	assert_null(strstr(html, "<i>"));
	assert_null(strchr(html, '\x01'));
	assert_non_null(strstr(html, "SYS&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&lt;b&gt;&amp;&quot;vol&#39;&lt;/b&gt;"));
	free(html);
	p.lang = "x\"><script>";
	assert_int_equal(wr_diagreport_html(&dg, &p, &html, NULL), WR_OK);
	assert_non_null(strstr(html, "<html lang=\"en\">"));
	p.lang = "de";

	assert_int_equal(wr_diagreport_json(&dg, &p, &json, NULL), WR_OK);
	root = json_tokener_parse(json);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "support_code", &v));
	assert_string_equal(json_object_get_string(v), dg.code);
	assert_true(json_object_object_get_ex(root, "worst", &v));
	assert_string_equal(json_object_get_string(v), "critical");
	assert_true(json_object_object_get_ex(root, "secure_boot", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(root, "findings", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	f0 = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(f0, "message", &v));
	assert_string_equal(json_object_get_string(v), "Hive SYS<script>alert(1)</script> kaputt.");
	assert_true(json_object_object_get_ex(f0, "message_en", &v));
	assert_non_null(strstr(json_object_get_string(v), "The registry hive SYS<script>"));
	assert_true(json_object_object_get_ex(f0, "advice", &v));
	assert_string_equal(json_object_get_string(v), "repair-registry");
	assert_true(json_object_object_get_ex(f0, "technical", &v));
	assert_string_equal(json_object_get_string(v), "tech <i>5</i> \x01\x7f");
	json_object_put(root);
	free(text);
	free(html);
	free(json);
	wr_diagnosis_release(&dg);
	assert_int_equal(wr_diagreport_text(NULL, &p, &text, NULL), WR_ERR_INVALID_ARG);
}

/* Partitions are named in the report's language; English stays in message_en. */
static void test_partition_names(void **state)
{
	struct wr_diagreport_params p = {fake_tr, "de", NULL};
	struct wr_diagnosis dg;
	char *text = NULL, *json = NULL;

	(void)state;
	memset(&dg, 0, sizeof(dg));
	assert_int_equal(wr_diagnose_add(&dg, "volume.dirty", WR_SEV_WARNING, "%1$s / %2$s / %3$s",
					 WR_ADVICE_NONE, "pc.img partition 3", "pc.img partition 3",
					 "a partition b", "x partition 12y", NULL),
			 WR_OK);
	wr_diagnose_finish(&dg);
	assert_int_equal(wr_diagreport_text(&dg, &p, &text, NULL), WR_OK);
	assert_non_null(strstr(text, "Teil 3 von pc.img / a partition b / x partition 12y"));
	assert_int_equal(wr_diagreport_json(&dg, &p, &json, NULL), WR_OK);
	assert_non_null(strstr(json, "pc.img partition 3 / a partition b / x partition 12y"));
	assert_non_null(strstr(json, "Teil 3 von pc.img / a partition b"));
	free(text);
	free(json);
	wr_diagnosis_release(&dg);
}

static void test_names(void **state)
{
	(void)state;
	for (int a = 0; a < WR_ADVICE__COUNT; a++) {
		assert_non_null(wr_advice_name(a));
		assert_true(a == WR_ADVICE_NONE || strlen(wr_advice_text(a)) > 10);
	}
	assert_string_equal(wr_advice_name(WR_ADVICE_REPAIR_BOOT), "repair-boot");
	assert_string_equal(wr_severity_name(WR_SEV_PROBLEM), "problem");
	assert_string_equal(wr_advice_name(99), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_code_round_trip), cmocka_unit_test(test_code_catches_typos),
	    cmocka_unit_test(test_format),	    cmocka_unit_test(test_srttrail),
	    cmocka_unit_test(test_bcd_real_stores), cmocka_unit_test(test_bcd_device_matching),
	    cmocka_unit_test(test_smart_garbage),   cmocka_unit_test(test_smart_failing),
	    cmocka_unit_test(test_surface_mapped),  cmocka_unit_test(test_reports),
	    cmocka_unit_test(test_partition_names), cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
