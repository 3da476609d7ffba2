/*
 * test_reagent.c - ReAgent.xml as Windows 8 (1.0) and 8.1/10 (2.0) write it; the
 * custom-image write side; garbage, truncated, huge and XXE inputs.
 *
 * The samples follow files written by Windows (layout, element and attribute names,
 * the UTF-8 declaration with single quotes, a UTF-8 BOM as Windows 10 writes it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "winrescue.h"

/* Windows 8 (version 1.0): the factory image is in OsInstallLocation. */
static const char win8[] =
    "<?xml version='1.0' encoding='utf-8'?>\r\n"
    "\r\n"
    "<WindowsRE version=\"1.0\">\r\n"
    "  <WinreBCD id=\"{92b228d6-2c5b-11e3-8636-00155df13812}\"/>\r\n"
    "  <WinreLocation path=\"\\Recovery\\WindowsRE\" id=\"0\" offset=\"1048576\" "
    "guid=\"{46d52120-8158-4242-ad3c-0a3e919752b1}\"/>\r\n"
    "  <ImageLocation path=\"\" id=\"0\" offset=\"0\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\"/>\r\n"
    "  <OsInstallLocation path=\"\\RecoveryImage\" id=\"0\" offset=\"126717263872\" "
    "guid=\"{46d52120-8158-4242-ad3c-0a3e919752b1}\" index=\"1\"/>\r\n"
    "  <InstallState state=\"1\"/>\r\n"
    "  <OsInstallAvailable state=\"1\"/>\r\n"
    "  <CustomImageAvailable state=\"0\"/>\r\n"
    "  <WinREStaged state=\"0\"/>\r\n"
    "  <OperationParam path=\"\"/>\r\n"
    "  <OsBuildVersion path=\"9200.16628.amd64fre.win8_gdr.130531-1504\"/>\r\n"
    "  <OemTool state=\"0\"/>\r\n"
    "</WindowsRE>\r\n";

/* Windows 8.1 (version 2.0) on an MBR disk, with a UTF-8 BOM; the factory image in
 * PBRImageLocation, a registered custom image. */
static const char win81[] =
    "\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>\n"
    "\n"
    "<WindowsRE version=\"2.0\">\n"
    "  <WinreBCD id=\"{d9ebf8fe-279b-11e3-8baa-937d583d467a}\"/>\n"
    "  <WinreLocation path=\"\\Recovery\\WindowsRE\" id=\"3735928559\" offset=\"1048576\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\"/>\n"
    "  <ImageLocation path=\"\" id=\"0\" offset=\"0\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\"/>\n"
    "  <PBRImageLocation path=\"\\RecoveryImage\" id=\"3735928559\" offset=\"58465452032\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\" index=\"2\"/>\n"
    "  <PBRCustomImageLocation path=\"\\RefreshImage\" id=\"3735928559\" offset=\"368050176\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\" index=\"1\"/>\n"
    "  <InstallState state=\"1\"/>\n"
    "  <OsInstallAvailable state=\"0\"/>\n"
    "  <CustomImageAvailable state=\"1\"/>\n"
    "  <IsAutoRepairOn state=\"1\"/>\n"
    "  <WinREStaged state=\"0\"/>\n"
    "  <OperationParam path=\"\"/>\n"
    "  <OsBuildVersion path=\"9600.16384.amd64fre.winblue_rtm.130821-1623\"/>\n"
    "  <OemTool state=\"0\"/>\n"
    "</WindowsRE>\n";

/* Windows 10 with WinRE disabled: every location empty. */
static const char win10_disabled[] =
    "<?xml version='1.0' encoding='utf-8'?>\n"
    "<WindowsRE version=\"2.0\">\n"
    "  <WinreBCD id=\"{00000000-0000-0000-0000-000000000000}\"/>\n"
    "  <WinreLocation path=\"\" id=\"0\" offset=\"0\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\"/>\n"
    "  <ImageLocation path=\"\\Recovery\\WindowsRE\" id=\"0\" offset=\"0\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\"/>\n"
    "  <PBRImageLocation path=\"\" id=\"0\" offset=\"0\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\" index=\"0\"/>\n"
    "  <PBRCustomImageLocation path=\"\" id=\"0\" offset=\"0\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\" index=\"0\"/>\n"
    "  <InstallState state=\"0\"/>\n"
    "  <OsInstallAvailable state=\"0\"/>\n"
    "  <CustomImageAvailable state=\"0\"/>\n"
    "  <IsAutoRepairOn state=\"1\"/>\n"
    "  <WinREStaged state=\"1\"/>\n"
    "  <OperationParam path=\"\"/>\n"
    "  <OperationPermanent state=\"0\"/>\n"
    "  <OsBuildVersion path=\"19041.1.amd64fre.vb_release.191206-1406\"/>\n"
    "  <OemTool state=\"0\"/>\n"
    "  <IsServer state=\"0\"/>\n"
    "  <DownlevelWinreLocation path=\"\" id=\"0\" offset=\"0\" "
    "guid=\"{00000000-0000-0000-0000-000000000000}\"/>\n"
    "  <IsWimBoot state=\"0\"/>\n"
    "  <NarratorScheduled state=\"0\"/>\n"
    "  <ScheduledOperation state=\"4\"/>\n"
    "</WindowsRE>\n";

static void test_win8_v1(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent r;

	assert_int_equal(wr_reagent_parse(win8, strlen(win8), &r, &d), WR_OK);
	assert_string_equal(r.version, "1.0");
	assert_string_equal(r.winre_bcd_id, "{92b228d6-2c5b-11e3-8636-00155df13812}");
	assert_true(r.winre.present);
	assert_string_equal(r.winre.path, "\\Recovery\\WindowsRE");
	assert_int_equal(r.winre.offset, 1048576);
	assert_string_equal(r.winre.guid, "{46d52120-8158-4242-ad3c-0a3e919752b1}");
	assert_true(r.os_install.present);
	assert_string_equal(r.os_install.path, "\\RecoveryImage");
	assert_int_equal(r.os_install.offset, 126717263872ull);
	assert_int_equal(r.os_install.index, 1);
	assert_false(r.pbr.present);
	assert_false(r.pbr_custom.present);
	assert_false(r.image.present);
	assert_string_equal(r.image.guid, ""); /* zero GUID reads as "" */
	assert_int_equal(r.install_state, 1);
	assert_true(r.winre_enabled);
	assert_int_equal(r.os_install_available, 1);
	assert_int_equal(r.custom_image_available, 0);
	assert_int_equal(r.auto_repair_on, -1); /* absent in 1.0 */
	assert_string_equal(r.os_build_version, "9200.16628.amd64fre.win8_gdr.130531-1504");
}

static void test_win81_v2_bom_mbr(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent r;

	assert_int_equal(wr_reagent_parse(win81, strlen(win81), &r, &d), WR_OK);
	assert_string_equal(r.version, "2.0");
	assert_int_equal(r.winre.id, 3735928559u); /* MBR disk signature */
	assert_string_equal(r.winre.guid, "");
	assert_true(r.pbr.present);
	assert_string_equal(r.pbr.path, "\\RecoveryImage");
	assert_int_equal(r.pbr.offset, 58465452032ull);
	assert_int_equal(r.pbr.index, 2);
	assert_true(r.pbr_custom.present);
	assert_string_equal(r.pbr_custom.path, "\\RefreshImage");
	assert_int_equal(r.pbr_custom.offset, 368050176);
	assert_int_equal(r.pbr_custom.index, 1);
	assert_false(r.os_install.present);
	assert_int_equal(r.custom_image_available, 1);
	assert_int_equal(r.auto_repair_on, 1);
	assert_true(r.winre_enabled);
}

static void test_win10_disabled(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent r;

	assert_int_equal(wr_reagent_parse(win10_disabled, strlen(win10_disabled), &r, &d), WR_OK);
	assert_false(r.winre.present);
	assert_false(r.winre_enabled);
	assert_int_equal(r.install_state, 0);
	assert_true(r.image.present); /* staged in \Windows\System32\Recovery */
	assert_false(r.pbr.present);
	assert_false(r.pbr_custom.present);
	assert_string_equal(r.winre_bcd_id, "");
}

/* UTF-16LE with BOM, as some tools save it. */
static void test_utf16(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent r;
	/* Replace the declaration's encoding so that it agrees with the bytes. */
	const char *src = strstr(win81, "<WindowsRE");
	size_t n = strlen(src);
	unsigned char *buf = malloc(2 * n + 2);

	buf[0] = 0xff;
	buf[1] = 0xfe;
	for (size_t i = 0; i < n; i++) {
		buf[2 + 2 * i] = (unsigned char)src[i];
		buf[3 + 2 * i] = 0;
	}
	assert_int_equal(wr_reagent_parse(buf, 2 * n + 2, &r, &d), WR_OK);
	assert_string_equal(r.pbr_custom.path, "\\RefreshImage");
	free(buf);
}

static void expect_xml_error(const void *buf, size_t len, int want)
{
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent r;

	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(wr_reagent_parse(buf, len, &r, &d), want);
	/* Nothing half-filled is left behind. */
	assert_false(r.winre.present);
	assert_false(r.pbr_custom.present);
	assert_int_equal(r.install_state, -1);
	assert_true(d.lib_msg[0] != '\0');
	assert_string_equal(d.subject, "ReAgent.xml");
}

static void test_garbage_and_truncated(void **state)
{
	(void)state;
	char junk[3000];

	expect_xml_error("", 0, WR_ERR_XML);
	expect_xml_error("MZ\x90\0\3\0\0\0", 8, WR_ERR_XML);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)((i * 131 + 17) & 0xff);
	expect_xml_error(junk, sizeof(junk), WR_ERR_XML);
	/* Every truncation of a real file is an error, never a crash or a half answer. */
	for (size_t cut = 1; cut < strlen(win81) - 2; cut += 7)
		expect_xml_error(win81, cut, WR_ERR_XML);
	/* Well-formed, but not ReAgent.xml. */
	expect_xml_error("<?xml version='1.0'?><unattend/>", 32, WR_ERR_XML);
	/* A number attribute that is not a number. */
	{
		const char *bad = "<WindowsRE version=\"2.0\"><WinreLocation path=\"\\R\" "
				  "offset=\"12x\"/></WindowsRE>";
		expect_xml_error(bad, strlen(bad), WR_ERR_XML);
		bad = "<WindowsRE version=\"2.0\"><PBRImageLocation path=\"\\R\" "
		      "offset=\"-1\"/></WindowsRE>";
		expect_xml_error(bad, strlen(bad), WR_ERR_XML);
		bad = "<WindowsRE><InstallState state=\"99999999999\"/></WindowsRE>";
		expect_xml_error(bad, strlen(bad), WR_ERR_XML);
	}
}

static void test_huge(void **state)
{
	(void)state;
	size_t n = WR_REAGENT_MAX_SIZE + 100;
	char *big = malloc(n);
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent r;
	char *out = NULL;
	size_t out_len = 0;

	memset(big, ' ', n);
	memcpy(big, "<WindowsRE>", 11);
	memcpy(big + n - 12, "</WindowsRE>", 12);
	assert_int_equal(wr_reagent_parse(big, n, &r, &d), WR_ERR_TOO_LARGE);
	assert_int_equal(wr_reagent_set_custom_image(big, n, NULL, &out, &out_len, &d),
			 WR_ERR_TOO_LARGE);
	assert_null(out);
	free(big);
	/* Deep nesting under the limit: libxml2's depth limit, an error not a crash. */
	{
		size_t depth = 100000, k = 0;
		char *deep = malloc(depth * 7 + 32);

		k += (size_t)sprintf(deep, "<WindowsRE>");
		for (size_t i = 0; i < depth; i++)
			k += (size_t)sprintf(deep + k, "<a>");
		assert_int_equal(wr_reagent_parse(deep, k, &r, &d), WR_ERR_XML);
		free(deep);
	}
}

/* External entities are never loaded, entities never expanded; a DOCTYPE is
 * refused. */
static void test_xxe(void **state)
{
	(void)state;
	char secret[] = "/tmp/wr-reagent-secret-XXXXXX";
	char doc[2048];
	int fd = mkstemp(secret);
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent r;
	char *out = NULL;
	size_t out_len;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "TOPSECRET", 9), 9);
	close(fd);
	snprintf(doc, sizeof(doc),
		 "<?xml version='1.0'?>\n<!DOCTYPE WindowsRE [\n"
		 "  <!ENTITY x SYSTEM \"file://%s\">\n"
		 "  <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
		 "  <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		 "  <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
		 "]>\n<WindowsRE version=\"2.0\">\n"
		 "  <WinreLocation path=\"&x;\" id=\"0\" offset=\"0\"/>\n"
		 "  <PBRImageLocation path=\"&c;\" id=\"0\" offset=\"0\"/>\n"
		 "</WindowsRE>\n",
		 secret);
	assert_int_equal(wr_reagent_parse(doc, strlen(doc), &r, &d), WR_ERR_XML);
	assert_null(strstr(d.lib_msg, "TOPSECRET"));
	assert_null(strstr(r.winre.path, "TOPSECRET"));
	assert_int_equal(wr_reagent_set_custom_image(doc, strlen(doc), NULL, &out, &out_len, &d),
			 WR_ERR_XML);
	assert_null(out);
	/* An external DTD is not fetched either. */
	snprintf(doc, sizeof(doc),
		 "<!DOCTYPE WindowsRE SYSTEM \"http://127.0.0.1:9/x.dtd\"><WindowsRE/>");
	assert_int_equal(wr_reagent_parse(doc, strlen(doc), &r, &d), WR_ERR_XML);
	unlink(secret);
}

/* Run xmllint on bytes: 0 when it finds them well-formed. */
static int xmllint_ok(const char *buf, size_t len)
{
	char path[] = "/tmp/wr-reagent-out-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execlp("xmllint", "xmllint", "--noout", "--nonet", path, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_set_and_clear_custom_image(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent_location loc;
	struct wr_reagent before, after;
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;
	char copy[sizeof(win8)];

	memcpy(copy, win8, sizeof(win8));
	memset(&loc, 0, sizeof(loc));
	loc.present = true;
	snprintf(loc.path, sizeof(loc.path), "\\RefreshImage");
	snprintf(loc.guid, sizeof(loc.guid), "{46d52120-8158-4242-ad3c-0a3e919752b1}");
	loc.offset = 368050176;
	loc.index = 3;

	assert_int_equal(wr_reagent_parse(win8, strlen(win8), &before, &d), WR_OK);
	assert_int_equal(wr_reagent_set_custom_image(copy, strlen(copy), &loc, &out, &len, &d),
			 WR_OK);
	assert_memory_equal(copy, win8, sizeof(win8)); /* input untouched */
	assert_int_equal(strlen(out), len);
	assert_int_equal(strncmp(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>", 38), 0);
	assert_int_equal(xmllint_ok(out, len), 0);
	assert_int_equal(wr_reagent_parse(out, len, &after, &d), WR_OK);
	assert_true(after.pbr_custom.present);
	assert_string_equal(after.pbr_custom.path, "\\RefreshImage");
	assert_string_equal(after.pbr_custom.guid, loc.guid);
	assert_int_equal(after.pbr_custom.offset, 368050176);
	assert_int_equal(after.pbr_custom.index, 3);
	assert_int_equal(after.custom_image_available, 1);
	/* Everything else as it was. */
	assert_memory_equal(&after.winre, &before.winre, sizeof(before.winre));
	assert_memory_equal(&after.os_install, &before.os_install, sizeof(before.os_install));
	assert_string_equal(after.version, "1.0");
	assert_string_equal(after.os_build_version, before.os_build_version);
	assert_int_equal(after.install_state, 1);
	assert_non_null(strstr(out, "<OemTool state=\"0\"/>"));
	/* Windows' element order: the new element follows the image locations. */
	assert_true(strstr(out, "<PBRCustomImageLocation") > strstr(out, "<OsInstallLocation"));
	assert_true(strstr(out, "<PBRCustomImageLocation") < strstr(out, "<InstallState"));

	/* Deregister: the element stays, empty, like reagentc leaves it. */
	assert_int_equal(wr_reagent_set_custom_image(out, len, NULL, &out2, &len2, &d), WR_OK);
	assert_int_equal(wr_reagent_parse(out2, len2, &after, &d), WR_OK);
	assert_false(after.pbr_custom.present);
	assert_int_equal(after.custom_image_available, 0);
	assert_non_null(strstr(out2,
			       "<PBRCustomImageLocation path=\"\" id=\"0\" offset=\"0\" "
			       "guid=\"{00000000-0000-0000-0000-000000000000}\" index=\"0\"/>"));
	assert_true(after.winre.present);
	free(out);
	free(out2);

	/* No ReAgent.xml yet: start from the blank 2.0 layout. */
	assert_int_equal(wr_reagent_set_custom_image(NULL, 0, &loc, &out, &len, &d), WR_OK);
	assert_int_equal(wr_reagent_parse(out, len, &after, &d), WR_OK);
	assert_string_equal(after.version, "2.0");
	assert_true(after.pbr_custom.present);
	assert_false(after.winre.present);
	assert_int_equal(xmllint_ok(out, len), 0);
	free(out);

	/* A hostile path is escaped by the serializer, and still round-trips. */
	snprintf(loc.path, sizeof(loc.path), "\\A&B\"<x>'");
	assert_int_equal(wr_reagent_set_custom_image(win81, strlen(win81), &loc, &out, &len, &d),
			 WR_OK);
	assert_int_equal(xmllint_ok(out, len), 0);
	assert_int_equal(wr_reagent_parse(out, len, &after, &d), WR_OK);
	assert_string_equal(after.pbr_custom.path, "\\A&B\"<x>'");
	assert_true(after.pbr.present); /* the factory image is kept */
	free(out);
	/* Control characters are refused. */
	snprintf(loc.path, sizeof(loc.path), "\\A\nB");
	assert_int_equal(wr_reagent_set_custom_image(win81, strlen(win81), &loc, &out, &len, &d),
			 WR_ERR_INVALID_ARG);
	assert_null(out);
	/* Bad input: same errors as parsing, nothing produced. */
	assert_int_equal(wr_reagent_set_custom_image("<nope", 5, NULL, &out, &len, &d), WR_ERR_XML);
	assert_null(out);
}


/* What a reset leaves: WinRE registered again in a new installation's ReAgent.xml
 * (blank, or the image's own), as "reagentc /enable" does; the rest is kept. */
static void test_set_winre(void **state)
{
	(void)state;
	struct wr_detail d = WR_DETAIL_INIT;
	struct wr_reagent_location loc;
	struct wr_reagent after, before;
	char *out = NULL;
	size_t len = 0;
	static const char bcd[] = "{7d3e1c2b-9a4f-11e3-8f1a-806e6f6e6963}";

	memset(&loc, 0, sizeof(loc));
	loc.present = true;
	snprintf(loc.path, sizeof(loc.path), "\\Recovery\\WindowsRE");
	snprintf(loc.guid, sizeof(loc.guid), "{5c9a2f3e-8d41-4b7a-9e26-3f1d7c0b84a1}");
	loc.offset = 659554304;

	assert_int_equal(wr_reagent_set_winre(NULL, 0, &loc, bcd, &out, &len, &d), WR_OK);
	assert_int_equal(xmllint_ok(out, len), 0);
	assert_int_equal(wr_reagent_parse(out, len, &after, &d), WR_OK);
	assert_true(after.winre.present);
	assert_string_equal(after.winre.path, "\\Recovery\\WindowsRE");
	assert_string_equal(after.winre.guid, loc.guid);
	assert_int_equal(after.winre.offset, 659554304);
	assert_string_equal(after.winre_bcd_id, bcd);
	assert_int_equal(after.install_state, 1);
	assert_false(after.pbr.present);
	free(out);

	/* Over an existing file: only WinRE changes. */
	assert_int_equal(wr_reagent_parse(win81, strlen(win81), &before, &d), WR_OK);
	assert_int_equal(wr_reagent_set_winre(win81, strlen(win81), &loc, bcd, &out, &len, &d),
			 WR_OK);
	assert_int_equal(wr_reagent_parse(out, len, &after, &d), WR_OK);
	assert_int_equal(after.winre.offset, 659554304);
	assert_string_equal(after.winre_bcd_id, bcd);
	assert_memory_equal(&after.pbr, &before.pbr, sizeof(before.pbr));
	assert_string_equal(after.version, before.version);
	free(out);

	/* Bad input changes nothing and says why. */
	assert_int_equal(wr_reagent_set_winre("<nope", 5, &loc, bcd, &out, &len, &d), WR_ERR_XML);
	assert_null(out);
	snprintf(loc.path, sizeof(loc.path), "\\A\nB");
	assert_int_equal(wr_reagent_set_winre(NULL, 0, &loc, bcd, &out, &len, &d),
			 WR_ERR_INVALID_ARG);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_win8_v1),
	    cmocka_unit_test(test_win81_v2_bom_mbr),
	    cmocka_unit_test(test_win10_disabled),
	    cmocka_unit_test(test_utf16),
	    cmocka_unit_test(test_garbage_and_truncated),
	    cmocka_unit_test(test_huge),
	    cmocka_unit_test(test_xxe),
	    cmocka_unit_test(test_set_and_clear_custom_image),
	    cmocka_unit_test(test_set_winre),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
