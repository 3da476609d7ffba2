/*
 * util.c - small helpers shared by the engine's modules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winrescue.h"

void wr_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int wr_strv_push(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 2) * sizeof(**v));

	if (!grown)
		return WR_ERR_NOMEM;
	*v = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return WR_ERR_NOMEM;
	grown[++*n] = NULL;
	return WR_OK;
}

size_t wr_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int wr_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int wr_write_zeros(int fd, uint64_t off, uint64_t len, const char *subject,
		   struct wr_detail *d)
{
	static const char zeros[1024 * 1024];

	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return wr_detail_setf(d, WR_ERR_WRITE, w < 0 ? errno : EIO, subject,
					      "write at byte %llu", (unsigned long long)off);
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return WR_OK;
}
