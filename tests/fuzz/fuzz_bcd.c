/*
 * fuzz_bcd.c - libFuzzer harness for the BCD store reader (bcd.c over hive.c/hivex)
 * and the device element decoder.
 *
 * The input is written to a temporary file and read as a store (templates allowed),
 * every element looked up again by id; the same bytes are also decoded as a device
 * element.  Nothing may crash, leak or read out of bounds, and a decoded RAM disk's
 * path must be a NUL-terminated string inside its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-bcd-XXXXXX";
	struct wr_bcd_device dev;
	struct wr_bcd *b = NULL;
	int fd = mkstemp(path);

	if (wr_bcd_decode_device(data, size, &dev) == WR_OK &&
	    memchr(dev.path, '\0', sizeof(dev.path)) == NULL)
		abort();
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (wr_bcd_read(path, true, &b, NULL) == WR_OK) {
		for (size_t i = 0; i < b->nobjects; i++) {
			const struct wr_bcd_object *o = wr_bcd_find(b, b->objects[i].guid);

			if (!o)
				abort();
			for (size_t j = 0; j < o->nelements; j++)
				if (!wr_bcd_element(o, o->elements[j].id))
					abort();
		}
		wr_bcd_free(b);
	}
	unlink(path);
	return 0;
}
