/*
 * fuzz_cli.c - libFuzzer harness for command-line parsing (ui/cli_args.c).
 *
 * The first byte picks the parser (the options before the command, or one
 * command's); for repair the second byte picks the subcommand given as argv[0].  The
 * rest is cut at NUL bytes into at most 64 arguments, each in its own allocation.
 * Nothing is run: the parsers only read argv.
 *
 * Whatever the arguments, a parser must
 *   - return 0 (done) or 2 (usage error);
 *   - on a usage error, have written one "winrescue: ..." line to stderr (exactly one
 *     line when no argument holds a newline); when done, nothing;
 *   - when done, hand back only strings inside the arguments, numbers from 1 to
 *     1024, and the combinations the command accepts (--index only with --source,
 *     --disk only with a layout and without --partition, resume only with --target,
 *     --partition and --yes, and so on);
 *   - give the same answer when called a second time with the same arguments (the
 *     getopt state of one parse does not leak into the next).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ui/cli_args.h"
#include "../../ui/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

enum parser {
	P_GLOBAL, P_REFRESH, P_RESUME, P_RESET, P_IMAGE, P_REPAIR, P_APPS, P_INSPECT,
	P_DIAGNOSE, P_SCAN, P_WIZARD, P_COUNT
};

static const char *const names[P_COUNT] = {
	"winrescue", "refresh", "resume", "reset", "image", "repair", "apps", "inspect",
	"diagnose", "scan", "wizard",
};
static const char *const repair_verbs[] = { "boot", "hibernation", "registry", "dirty" };

struct args {
	int argc;
	char *argv[MAX_ARGS + 2];
	size_t len[MAX_ARGS + 2];
	bool newline;	/* an argument holds '\n' */
};

/* Every parser's result, so two parses can be compared as a whole. */
union result {
	struct cli_global_args global;
	struct cli_refresh_args refresh;
	struct cli_reset_args reset;
	struct cli_image_args image;
	struct cli_repair_args repair;
	struct cli_apps_args apps;
	struct cli_paths_args paths;
	struct cli_scan_args scan;
	struct cli_wizard_args wizard;
};

/* p is NULL or a string inside one of the arguments. */
static bool in_args(const struct args *a, const char *p)
{
	if (!p)
		return true;
	for (int i = 0; i < a->argc; i++)
		if (p >= a->argv[i] && p <= a->argv[i] + a->len[i])
			return true;
	return false;
}

static bool number_ok(unsigned n)
{
	return n <= 1024;
}

static int run(enum parser which, struct args *a, union result *r)
{
	switch (which) {
	case P_GLOBAL:
		return cli_parse_global(a->argc, a->argv, &r->global);
	case P_REFRESH:
		return cli_parse_refresh(a->argc, a->argv, false, &r->refresh);
	case P_RESUME:
		return cli_parse_refresh(a->argc, a->argv, true, &r->refresh);
	case P_RESET:
		return cli_parse_reset(a->argc, a->argv, &r->reset);
	case P_IMAGE:
		return cli_parse_image(a->argc, a->argv, &r->image);
	case P_REPAIR:
		return cli_parse_repair(a->argc, a->argv, &r->repair);
	case P_APPS:
		return cli_parse_apps(a->argc, a->argv, &r->apps);
	case P_INSPECT:
		return cli_parse_inspect(a->argc, a->argv, &r->paths);
	case P_DIAGNOSE:
		return cli_parse_diagnose(a->argc, a->argv, &r->paths);
	case P_SCAN:
		return cli_parse_scan(a->argc, a->argv, &r->scan);
	case P_WIZARD:
		return cli_parse_wizard(a->argc, a->argv, &r->wizard);
	default:
		abort();
	}
}

/* The parse of which with stderr captured into *out (malloc'd). */
static int parse_captured(enum parser which, struct args *a, union result *r, char **out,
			  size_t *outlen)
{
	FILE *saved = stderr, *mem;
	int ret;

	*out = NULL;
	*outlen = 0;
	mem = open_memstream(out, outlen);
	if (!mem)
		abort();
	memset(r, 0xa5, sizeof(*r));
	stderr = mem;
	ret = run(which, a, r);
	stderr = saved;
	fclose(mem);
	return ret;
}

static void check_done(enum parser which, const struct args *a, const union result *r)
{
	switch (which) {
	case P_GLOBAL:
		if (r->global.command < 1 || r->global.command > a->argc)
			abort();
		if (!in_args(a, r->global.lang) || !in_args(a, r->global.log_path))
			abort();
		if (r->global.lang && !i18n_is_supported(r->global.lang))
			abort();
		break;
	case P_REFRESH:
	case P_RESUME: {
		const struct wr_refresh_opts *o = &r->refresh.o;

		if (!o->target || !in_args(a, o->target) || !in_args(a, o->source))
			abort();
		if (!number_ok(o->partition) || !number_ok(o->index) || (o->index && !o->source))
			abort();
		if (which == P_RESUME && (o->source || o->index || r->refresh.dry_run ||
					  o->discard_hibernation || o->allow_mismatch))
			abort();
		break;
	}
	case P_RESET: {
		const struct wr_reset_opts *o = &r->reset.o;

		if (!o->target || !in_args(a, o->target) || !in_args(a, o->source))
			abort();
		if (!number_ok(o->partition) || !number_ok(o->index) || (o->index && !o->source))
			abort();
		if (o->also_format != r->reset.also || o->nalso_format > CLI_MAX_ALSO_FORMAT)
			abort();
		for (size_t i = 0; i < o->nalso_format; i++)
			if (!o->also_format[i] || !number_ok(o->also_format[i]))
				abort();
		if (o->layout && (o->partition || o->nalso_format || o->target != r->reset.disk ||
				  (o->layout_kind != WR_LAYOUT_GPT && o->layout_kind != WR_LAYOUT_MBR)))
			abort();
		if (!o->layout && (r->reset.disk || r->reset.layout))
			abort();
		break;
	}
	case P_IMAGE: {
		const struct wr_recimg_opts *o = &r->image.o;
		const char *v = r->image.verb;
		bool dir_verb;

		if (!v || (strcmp(v, "create") && strcmp(v, "show") && strcmp(v, "set") &&
			   strcmp(v, "deregister")))
			abort();
		dir_verb = !strcmp(v, "create") || !strcmp(v, "set");
		if (!o->target || !in_args(a, o->target) || !in_args(a, o->dir) ||
		    !in_args(a, o->name) || !number_ok(o->partition))
			abort();
		if (dir_verb != !!o->dir || (o->name && strcmp(v, "create")))
			abort();
		break;
	}
	case P_REPAIR:
		if (!r->repair.target || !in_args(a, r->repair.target) ||
		    !number_ok(r->repair.partition))
			abort();
		if (r->repair.only_damaged && strcmp(a->argv[0], "registry"))
			abort();
		break;
	case P_APPS:
		if (!r->apps.target || !in_args(a, r->apps.target) || !number_ok(r->apps.partition))
			abort();
		break;
	case P_INSPECT:
	case P_DIAGNOSE:
		if (r->paths.first < 1 || r->paths.first > a->argc || !in_args(a, r->paths.html) ||
		    !in_args(a, r->paths.decode) || (r->paths.decode && r->paths.first != a->argc))
			abort();
		break;
	case P_SCAN:
		if (!r->scan.help && (!r->scan.device || !in_args(a, r->scan.device)))
			abort();
		break;
	case P_WIZARD: {
		int n = 0;

		for (char **v = r->wizard.disks; *v; v++, n++)
			if (!in_args(a, *v))
				abort();
		if ((size_t)n != r->wizard.ndisks)
			abort();
		for (char **v = r->wizard.sources; *v; v++, n++)
			if (!in_args(a, *v))
				abort();
		if ((size_t)n != r->wizard.ndisks + r->wizard.nsources || n > a->argc)
			abort();
		break;
	}
	default:
		abort();
	}
}

static bool same(enum parser which, const union result *x, const union result *y)
{
	if (which == P_WIZARD) {
		size_t i = 0;

		for (; x->wizard.disks[i] || y->wizard.disks[i]; i++)
			if (x->wizard.disks[i] != y->wizard.disks[i])
				return false;
		for (i = 0; x->wizard.sources[i] || y->wizard.sources[i]; i++)
			if (x->wizard.sources[i] != y->wizard.sources[i])
				return false;
		return true;
	}
	if (which == P_RESET) {	/* also_format points into each result's own array */
		union result a = *x, b = *y;

		a.reset.o.also_format = b.reset.o.also_format = NULL;
		return !memcmp(&a, &b, sizeof(a));
	}
	return !memcmp(x, y, sizeof(*x));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union result r1, r2;
	struct args a;
	enum parser which;
	char *out1, *out2;
	size_t len1, len2, pos = 1;
	int ret1, ret2;

	if (size < 2)
		return 0;
	memset(&a, 0, sizeof(a));
	which = (enum parser)(data[0] % P_COUNT);
	if (which == P_REPAIR) {
		a.argv[0] = strdup(repair_verbs[data[1] % 4]);
		pos = 2;
	} else {
		a.argv[0] = strdup(names[which]);
	}
	a.len[0] = strlen(a.argv[0]);
	a.argc = 1;
	while (pos < size && a.argc < MAX_ARGS + 1) {
		const uint8_t *nul = memchr(data + pos, 0, size - pos);
		size_t n = nul ? (size_t)(nul - (data + pos)) : size - pos;

		a.argv[a.argc] = malloc(n + 1);
		memcpy(a.argv[a.argc], data + pos, n);
		a.argv[a.argc][n] = '\0';
		a.len[a.argc] = n;
		if (memchr(a.argv[a.argc], '\n', n))
			a.newline = true;
		a.argc++;
		pos += n + 1;
	}
	a.argv[a.argc] = NULL;

	if (which == P_GLOBAL && !in_args(&a, cli_prescan_lang(a.argc, a.argv)))
		abort();

	ret1 = parse_captured(which, &a, &r1, &out1, &len1);
	if (ret1 == EXIT_DONE) {
		if (len1)
			abort();	/* done, yet something was said on stderr */
		check_done(which, &a, &r1);
	} else if (ret1 == EXIT_USAGE) {
		if (len1 < 12 || strncmp(out1, "winrescue: ", 11) || out1[len1 - 1] != '\n')
			abort();	/* refused without its one sentence */
		if (!a.newline && memchr(out1, '\n', len1 - 1))
			abort();	/* more than one message */
	} else {
		abort();
	}

	ret2 = parse_captured(which, &a, &r2, &out2, &len2);
	if (ret2 != ret1 || len2 != len1 || memcmp(out1, out2, len1) ||
	    (ret1 == EXIT_DONE && !same(which, &r1, &r2)))
		abort();	/* the first parse changed the second */

	if (which == P_WIZARD && ret1 == EXIT_DONE) {
		cli_wizard_args_release(&r1.wizard);
		cli_wizard_args_release(&r2.wizard);
	}
	free(out1);
	free(out2);
	for (int i = 0; i < a.argc; i++)
		free(a.argv[i]);
	return 0;
}
