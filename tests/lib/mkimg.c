/*
 * mkimg.c - build small disk and volume images in tests, with the real tools
 * (sfdisk, mkntfs, mkfs.vfat, dd), spawned with argv arrays.  See mkimg.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mkimg.h"

extern char **environ;

int mkimg_run(const char *const argv[], const char *stdin_text, char *out, size_t outlen)
{
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, status;
	size_t used = 0;
	pid_t pid;

	if (pipe(in_pipe) || pipe(out_pipe)) {
		perror("pipe");
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		dup2(in_pipe[0], 0);
		if (out)
			dup2(out_pipe[1], 1);
		else
			dup2(2, 1);
		close(in_pipe[0]);
		close(in_pipe[1]);
		close(out_pipe[0]);
		close(out_pipe[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "mkimg: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	if (stdin_text) {
		size_t len = strlen(stdin_text), done = 0;
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);

		while (done < len) {
			ssize_t n = write(in_pipe[1], stdin_text + done, len - done);

			if (n <= 0)
				break;
			done += (size_t)n;
		}
		signal(SIGPIPE, old);
	}
	close(in_pipe[1]);
	for (;;) {
		char buf[4096];
		ssize_t n = read(out_pipe[0], buf, sizeof(buf));

		if (n <= 0)
			break;
		if (out && outlen) {
			size_t k = (size_t)n;

			if (used + k > outlen - 1)
				k = outlen - 1 - used;
			memcpy(out + used, buf, k);
			used += k;
		}
	}
	close(out_pipe[0]);
	if (out && outlen)
		out[used] = '\0';
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (!WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status))
		fprintf(stderr, "mkimg: %s exited with %d\n", argv[0], WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

int mkimg_run_to_file(const char *const argv[], const char *out_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int mkimg_first_line(const char *const argv[], char *buf, size_t size)
{
	char out[65536] = "";
	int rc = mkimg_run(argv, NULL, out, sizeof(out));
	size_t n = strcspn(out, "\n");

	if (size) {
		if (n > size - 1)
			n = size - 1;
		memcpy(buf, out, n);
		buf[n] = '\0';
	}
	return rc;
}

int mkimg_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (!access(buf, X_OK))
			return 1;
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

void mkimg_require(const char *const progs[])
{
	for (const char *const *p = progs; *p; p++)
		if (!mkimg_have(*p)) {
			printf("%s is not installed\n", *p);
			exit(77);
		}
}

static const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

int mkimg_tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "%s/wr-test-XXXXXX", tmp_base());
	return mkdtemp(buf) ? 0 : -1;
}

int mkimg_rmrf(const char *dir)
{
	const char *argv[] = { "rm", "-rf", "--one-file-system", dir, NULL };
	size_t n = strlen(tmp_base());

	if (!dir || strncmp(dir, tmp_base(), n) || strstr(dir, "..") ||
	    strlen(dir) < n + 4) {
		fprintf(stderr, "mkimg: refusing to remove '%s'\n", dir ? dir : "(null)");
		return -1;
	}
	return mkimg_run(argv, NULL, NULL, 0) ? -1 : 0;
}

int mkimg_file(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		perror(path);
		return -1;
	}
	if (ftruncate(fd, (off_t)size)) {
		perror(path);
		close(fd);
		return -1;
	}
	return close(fd);
}

int mkimg_ntfs(const char *path, uint64_t size, const char *label)
{
	const char *argv[] = { "mkntfs", "-F", "-Q", "-q", "-L", label ? label : "", path, NULL };

	if (mkimg_file(path, size))
		return -1;
	return mkimg_run(argv, NULL, NULL, 0) ? -1 : 0;
}

int mkimg_vfat(const char *path, uint64_t size, const char *label)
{
	const char *argv[] = { "mkfs.vfat", "-F", "32", "-s", "1", "-n", label ? label : "NO NAME",
			       path, NULL };

	if (mkimg_file(path, size))
		return -1;
	return mkimg_run(argv, NULL, NULL, 0) ? -1 : 0;
}

int mkimg_sfdisk(const char *disk, const char *script)
{
	const char *argv[] = { "sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", disk,
			       NULL };

	return mkimg_run(argv, script, NULL, 0) ? -1 : 0;
}

int mkimg_place(const char *disk, const char *fs, uint64_t offset)
{
	char ifarg[4200], ofarg[4200], seek[64];
	const char *argv[] = { "dd", ifarg, ofarg, "bs=1M", seek, "conv=notrunc,sparse",
			       "oflag=seek_bytes", "status=none", NULL };

	snprintf(ifarg, sizeof(ifarg), "if=%s", fs);
	snprintf(ofarg, sizeof(ofarg), "of=%s", disk);
	snprintf(seek, sizeof(seek), "seek=%llu", (unsigned long long)offset);
	return mkimg_run(argv, NULL, NULL, 0) ? -1 : 0;
}

int mkimg_decompress(const char *src, const char *dst)
{
	size_t n = strlen(src);
	const char *tool = n > 3 && !strcmp(src + n - 3, ".xz") ? "xz" : "gzip";
	pid_t pid;
	int fd, status;

	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(dst);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -1;
	}
	if (pid == 0) {
		dup2(fd, 1);
		execlp(tool, tool, "-dc", src, (char *)NULL);
		_exit(127);
	}
	close(fd);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

int mkimg_sha256(const char *path, char out[65])
{
	const char *argv[] = { "sha256sum", path, NULL };
	char buf[4200];

	out[0] = '\0';
	if (mkimg_run(argv, NULL, buf, sizeof(buf)) || strlen(buf) < 64)
		return -1;
	memcpy(out, buf, 64);
	out[64] = '\0';
	return 0;
}

int mkimg_hivexget(const char *hive, const char *key, const char *value, char *buf,
		   size_t size)
{
	const char *argv[] = { "hivexget", hive, key, value, NULL };

	return mkimg_first_line(argv, buf, size);
}

void mkimg_blkid_value(const char *path, uint64_t off, uint64_t size, const char *key,
		       char *val, size_t len)
{
	char o[32], s[32], out[4096];
	const char *argv[] = { "blkid", "-p", "-o", "export", "--offset", o, "--size", s,
			       path, NULL };
	size_t kl = strlen(key);

	snprintf(o, sizeof(o), "%llu", (unsigned long long)off);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)size);
	val[0] = 0;
	if (mkimg_run(argv, NULL, out, sizeof(out)) != 0)
		return;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, key, kl) && line[kl] == '=') {
			/* export quotes spaces and other specials with a backslash */
			size_t j = 0;

			for (const char *c = line + kl + 1; *c && j + 1 < len; c++) {
				if (*c == '\\' && c[1])
					c++;
				val[j++] = *c;
			}
			val[j] = 0;
		}
}

int mkimg_std_disk(const char *dir, const char *name, int gpt, char *path, size_t len,
		   uint64_t starts[4])
{
	static const char gpt_script[] =
		"label: gpt\n"
		"first-lba: 2048\n"
		"size=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"EFI system partition\"\n"
		"size=16MiB, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, name=\"Microsoft reserved partition\"\n"
		"size=96MiB, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Basic data partition\"\n"
		"size=32MiB, type=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC, name=\"Recovery\", attrs=\"RequiredPartition GUID:63\"\n";
	static const char mbr_script[] =
		"label: dos\n"
		"start=2048, size=32MiB, type=7, bootable\n"
		"size=96MiB, type=7\n"
		"size=32MiB, type=27\n";
	uint64_t off[4];
	char fs[4200];
	int n;

	snprintf(path, len, "%s/%s", dir, name);
	if (mkimg_file(path, (gpt ? 212 : 162) * MKIMG_MIB) ||
	    mkimg_sfdisk(path, gpt ? gpt_script : mbr_script))
		return -1;
	if (gpt) {
		off[0] = 1 * MKIMG_MIB;
		off[1] = 65 * MKIMG_MIB;
		off[2] = 81 * MKIMG_MIB;
		off[3] = 177 * MKIMG_MIB;
		n = 4;
		snprintf(fs, sizeof(fs), "%s/%s.esp", dir, name);
		if (mkimg_vfat(fs, 64 * MKIMG_MIB, "SYSTEM") || mkimg_place(path, fs, off[0]))
			return -1;
		unlink(fs);
		snprintf(fs, sizeof(fs), "%s/%s.win", dir, name);
		if (mkimg_ntfs(fs, 96 * MKIMG_MIB, "Windows") || mkimg_place(path, fs, off[2]))
			return -1;
		unlink(fs);
		snprintf(fs, sizeof(fs), "%s/%s.rec", dir, name);
		if (mkimg_ntfs(fs, 32 * MKIMG_MIB, "Recovery") || mkimg_place(path, fs, off[3]))
			return -1;
		unlink(fs);
	} else {
		off[0] = 1 * MKIMG_MIB;
		off[1] = 33 * MKIMG_MIB;
		off[2] = 129 * MKIMG_MIB;
		off[3] = 0;
		n = 3;
		snprintf(fs, sizeof(fs), "%s/%s.sr", dir, name);
		if (mkimg_ntfs(fs, 32 * MKIMG_MIB, "System Reserved") || mkimg_place(path, fs, off[0]))
			return -1;
		unlink(fs);
		snprintf(fs, sizeof(fs), "%s/%s.win", dir, name);
		if (mkimg_ntfs(fs, 96 * MKIMG_MIB, "Windows") || mkimg_place(path, fs, off[1]))
			return -1;
		unlink(fs);
		snprintf(fs, sizeof(fs), "%s/%s.rec", dir, name);
		if (mkimg_ntfs(fs, 32 * MKIMG_MIB, "Recovery") || mkimg_place(path, fs, off[2]))
			return -1;
		unlink(fs);
	}
	if (starts)
		for (int i = 0; i < 4; i++)
			starts[i] = i < n ? off[i] : 0;
	return 0;
}

/*
 * libparted 3.5 (Debian 12) reads past a getline() buffer in its own constructor
 * (ped_disk_gpt_init -> strchr), before main(): under AddressSanitizer every program
 * linked with -lparted dies at start.  The strchr interceptor is what reports it;
 * turn that one interceptor off for the test programs (this file is linked into
 * every unit test).  ASan calls this hook before any library constructor.  Full
 * stacks on malloc let the leak suppression below name a function inside the library.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "intercept_strchr=0:fast_unwind_on_malloc=0";
}

/*
 * libntfs-3g 2022.10.3 leaks the name it converts in ntfs_inode_lookup_by_mbsname()
 * when ntfs_delete() removes a reparse point (ntfs_delete_reparse_index): 18 bytes
 * per junction deleted, inside the library.  Not ours to fix; keep LeakSanitizer
 * quiet about exactly that path.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:ntfs_delete_reparse_index\n";
}
