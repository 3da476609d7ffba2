/*
 * test_smart.c - smartctl JSON parsing on real outputs (tests/unit/data/smart/README.md
 * says where each came from), garbage input, and running the real smartctl on an image
 * file and a loop device (no SMART there: a state, not an error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "mkimg.h"
#include "winrescue.h"

static char *data_path(const char *name, char *buf, size_t size)
{
	const char *top = getenv("WINRESCUE_TOP");

	snprintf(buf, size, "%s/tests/unit/data/smart/%s", top ? top : ".", name);
	return buf;
}

/* The whole file in an exactly-sized buffer (no NUL: ASan sees any over-read). */
static char *slurp(const char *name, size_t *len)
{
	char path[4096];
	struct stat st;
	char *buf;
	int fd = open(data_path(name, path, sizeof(path)), O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size > 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static int parse_file(const char *name, struct wr_smart *s, struct wr_detail *d)
{
	size_t len;
	char *buf = slurp(name, &len);
	int ret = wr_smart_parse(buf, len, s, d);

	free(buf);
	return ret;
}

static void test_ata_failing_disk(void **state)
{
	(void)state;
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(parse_file("ata_failing_usbjmicron.json", &s, &d), WR_OK);
	assert_int_equal(s.state, WR_SMART_AVAILABLE);
	assert_string_equal(wr_smart_state_name(s.state), "available");
	assert_true(s.verdict_known);
	assert_false(s.passed);
	assert_int_equal(s.exit_status, 216);
	assert_string_equal(s.protocol, "ATA");
	assert_string_equal(s.device_type, "usbjmicron");
	assert_string_equal(s.model, "Hitachi HDS721050DLE630");
	assert_string_equal(s.serial, "MSK423Y20S3HBC");
	assert_string_equal(s.firmware, "MS1OA650");
	assert_int_equal(s.capacity, 500107862016ULL);
	assert_int_equal(s.reallocated, 1975);
	assert_int_equal(s.pending, 8);
	assert_int_equal(s.offline_uncorrectable, 0);
	assert_int_equal(s.reported_uncorrectable, -1);	/* this drive has no 187 */
	assert_int_equal(s.power_on_hours, 65592);
	assert_int_equal(s.temperature, 25);
	assert_int_equal(s.failing_now, 1);	/* attribute 5 */
	assert_int_equal(s.failed_past, 0);
	assert_false(s.is_nvme);
	assert_int_equal(s.nvme_media_errors, -1);
}

/* Without smartctl's top-level temperature, attribute 194 gives it: its raw.value is
 * packed (167504969753) and only raw.string ("25 (Min/Max 19/39)") is the reading. */
static void test_ata_packed_raw_value(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp("ata_failing_usbjmicron.json", &len);
	char *copy = strndup(buf, len);
	struct json_object *root = json_tokener_parse(copy);
	const char *text;
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_non_null(root);
	json_object_object_del(root, "temperature");
	json_object_object_del(root, "power_on_time");
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	assert_int_equal(wr_smart_parse(text, strlen(text), &s, &d), WR_OK);
	assert_int_equal(s.temperature, 25);
	assert_int_equal(s.power_on_hours, 65592);	/* attribute 9 */
	json_object_put(root);
	free(copy);
	free(buf);
}

static void test_nvme(void **state)
{
	(void)state;
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(parse_file("nvme_media_errors.json", &s, &d), WR_OK);
	assert_int_equal(s.state, WR_SMART_AVAILABLE);
	assert_true(s.is_nvme);
	assert_true(s.verdict_known);
	assert_true(s.passed);
	assert_string_equal(s.model, "Samsung SSD 970 EVO 500GB");
	assert_int_equal(s.capacity, 500107862016ULL);
	assert_int_equal(s.nvme_critical_warning, 0);
	assert_int_equal(s.nvme_media_errors, 7);
	assert_int_equal(s.nvme_percentage_used, 3);
	assert_int_equal(s.nvme_available_spare, 99);
	assert_int_equal(s.nvme_available_spare_threshold, 10);
	assert_int_equal(s.temperature, 35);
	assert_int_equal(s.power_on_hours, 12798);
	assert_int_equal(s.reallocated, -1);
	assert_int_equal(s.pending, -1);
}

static void test_no_smart_outputs(void **state)
{
	(void)state;
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;

	assert_int_equal(parse_file("loop_no_smart.json", &s, &d), WR_OK);
	assert_int_equal(s.state, WR_SMART_UNAVAILABLE);
	assert_string_equal(wr_smart_state_name(s.state), "unavailable");
	assert_non_null(strstr(s.reason, "Unable to detect device type"));
	assert_int_equal(s.exit_status, 1);
	assert_false(s.verdict_known);

	assert_int_equal(parse_file("usb_bridge_unknown.json", &s, &d), WR_OK);
	assert_int_equal(s.state, WR_SMART_UNAVAILABLE);
	assert_non_null(strstr(s.reason, "Unknown USB bridge [0x1e91:0xa3a5 (0x100)]"));
	assert_non_null(strstr(s.reason, "; Please specify device type"));

	assert_int_equal(parse_file("image_forced_sat.json", &s, &d), WR_OK);
	assert_int_equal(s.state, WR_SMART_UNAVAILABLE);
	assert_int_equal(s.exit_status, 4);
	assert_non_null(strstr(s.reason, "exit status 4"));
	assert_string_equal(s.model, "");
}

static void expect_bad(const char *text, size_t len)
{
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, text, len);
	assert_int_equal(wr_smart_parse(copy, len, &s, &d), WR_ERR_BAD_OUTPUT);
	assert_string_equal(d.subject, "smartctl");
	assert_true(d.lib_msg[0] != '\0');
	assert_int_equal(s.reallocated, -1);
	free(copy);
}

static void test_garbage(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"not json", "{", "[1,2,3]", "42", "\"smartctl\"", "null",
		"{\"json_format_version\":[1,0]}",		/* no smartctl object */
		"{\"smartctl\":[]}",				/* wrong type */
		"{\"smartctl\":{}} trailing",
		"smartctl 7.3 2022-02-28 r5338 [x86_64-linux] (local build)\n",
	};
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;
	size_t len;
	char *real;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], strlen(bad[i]));
	expect_bad("", 0);
	expect_bad("{\"smartctl\":{}}\0{", 17);	/* a NUL then more bytes */
	/* Every truncation of a real output is refused, never crashes. */
	real = slurp("nvme_media_errors.json", &len);
	for (size_t cut = 1; cut + 2 < len; cut += 7)
		expect_bad(real, cut);
	free(real);
	assert_int_equal(wr_smart_parse(NULL, 5, &s, &d), WR_ERR_INVALID_ARG);
	/* Wrongly typed members read as unknown, not as garbage. */
	{
		const char *odd = "{\"smartctl\":{\"exit_status\":\"x\"},\"smart_status\":"
				  "{\"passed\":1},\"temperature\":{\"current\":-5},"
				  "\"ata_smart_attributes\":{\"table\":[5,{\"id\":5,\"raw\":7}]}}";

		assert_int_equal(wr_smart_parse(odd, strlen(odd), &s, &d), WR_OK);
		assert_int_equal(s.state, WR_SMART_AVAILABLE);
		assert_false(s.verdict_known);
		assert_int_equal(s.temperature, -1);
		assert_int_equal(s.reallocated, -1);
	}
}

static char tmpdir[] = "/tmp/wr-smart-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *argv[] = { "rm", "-rf", tmpdir, NULL };

	unsetenv("WINRESCUE_SMARTCTL");
	return mkimg_run(argv, NULL, NULL, 0);
}

/* The real smartctl on an image file: no SMART, said as a state. */
static void test_real_smartctl_image_file(void **state)
{
	(void)state;
	char img[4200];
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;
	int fd;

	snprintf(img, sizeof(img), "%s/disk.img", tmpdir);
	fd = open(img, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	close(fd);
	assert_int_equal(wr_smart_read(img, &s, &d), WR_OK);
	assert_int_equal(s.state, WR_SMART_UNAVAILABLE);
	assert_true(s.reason[0] != '\0');
	assert_false(s.verdict_known);

	/* A device that does not exist is an error, not "no SMART". */
	snprintf(img, sizeof(img), "%s/missing.img", tmpdir);
	assert_int_equal(wr_smart_read(img, &s, &d), WR_ERR_OPEN);
	assert_int_equal(d.sys_errno, ENOENT);
}

/* The real smartctl on a loop device (root only). */
static void test_real_smartctl_loop_device(void **state)
{
	(void)state;
	char img[4200], loopdev[256] = "";
	const char *attach[] = { "losetup", "-f", "--show", img, NULL };
	const char *detach[] = { "losetup", "-d", loopdev, NULL };
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;
	int fd, ret;

	if (geteuid() != 0) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("CI runs as root; the loop device test cannot be skipped");
		skip();
	}
	snprintf(img, sizeof(img), "%s/loop.img", tmpdir);
	fd = open(img, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 16 << 20), 0);
	close(fd);
	assert_int_equal(mkimg_run(attach, NULL, loopdev, sizeof(loopdev)), 0);
	loopdev[strcspn(loopdev, "\n")] = '\0';
	assert_true(!strncmp(loopdev, "/dev/loop", 9));
	ret = wr_smart_read(loopdev, &s, &d);
	/* Detach before any assertion can leave the device behind. */
	mkimg_run(detach, NULL, NULL, 0);
	assert_int_equal(ret, WR_OK);
	assert_int_equal(s.state, WR_SMART_UNAVAILABLE);
	assert_non_null(strstr(s.reason, loopdev));
}

static void write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0700), 0);
}

/* smartctl missing, printing garbage, printing without end. */
static void test_smartctl_missing_or_broken(void **state)
{
	(void)state;
	char prog[4200], dev[4200];
	struct wr_smart s;
	struct wr_detail d = WR_DETAIL_INIT;
	int fd;

	snprintf(dev, sizeof(dev), "%s/dev.img", tmpdir);
	fd = open(dev, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);

	snprintf(prog, sizeof(prog), "%s/no-such-smartctl", tmpdir);
	setenv("WINRESCUE_SMARTCTL", prog, 1);
	assert_int_equal(wr_smart_read(dev, &s, &d), WR_OK);
	assert_int_equal(s.state, WR_SMART_NO_TOOL);
	assert_string_equal(wr_smart_state_name(s.state), "no-tool");

	snprintf(prog, sizeof(prog), "%s/garbage-smartctl", tmpdir);
	write_script(prog, "echo 'Segmentation fault {'; echo oops >&2; exit 139");
	setenv("WINRESCUE_SMARTCTL", prog, 1);
	d = (struct wr_detail)WR_DETAIL_INIT;
	assert_int_equal(wr_smart_read(dev, &s, &d), WR_ERR_BAD_OUTPUT);
	assert_string_equal(d.subject, dev);

	snprintf(prog, sizeof(prog), "%s/flood-smartctl", tmpdir);
	write_script(prog, "exec yes '{\"smartctl\":'");
	setenv("WINRESCUE_SMARTCTL", prog, 1);
	assert_int_equal(wr_smart_read(dev, &s, &d), WR_ERR_BAD_OUTPUT);

	/* A stand-in that prints a real output: the whole path works end to end. */
	snprintf(prog, sizeof(prog), "%s/nvme-smartctl", tmpdir);
	{
		char body[8400], data[4096];

		snprintf(body, sizeof(body), "cat '%s'",
			 data_path("nvme_media_errors.json", data, sizeof(data)));
		write_script(prog, body);
	}
	setenv("WINRESCUE_SMARTCTL", prog, 1);
	assert_int_equal(wr_smart_read(dev, &s, &d), WR_OK);
	assert_int_equal(s.state, WR_SMART_AVAILABLE);
	assert_int_equal(s.nvme_media_errors, 7);
	unsetenv("WINRESCUE_SMARTCTL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ata_failing_disk),
		cmocka_unit_test(test_ata_packed_raw_value),
		cmocka_unit_test(test_nvme),
		cmocka_unit_test(test_no_smart_outputs),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_real_smartctl_image_file),
		cmocka_unit_test(test_real_smartctl_loop_device),
		cmocka_unit_test(test_smartctl_missing_or_broken),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
