// SPDX-License-Identifier: GPL-2.0-only
/*
 * daxstore: store a pattern into the first 2 MiB of a device dax character
 * device through a MAP_SYNC mapping, write the CPU caches back (CLFLUSH +
 * SFENCE), and read it back. On a buffered region this is *not* durable by
 * itself: cases follow it with the vpmem flush attribute and count host
 * flushes.
 *
 *   daxstore DEVICE BYTE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#define LEN (2UL << 20)

int main(int argc, char **argv)
{
	unsigned char *p;
	size_t i;
	int fd, c;

	if (argc != 3) {
		fprintf(stderr, "usage: daxstore DEVICE BYTE\n");
		return 2;
	}
	c = atoi(argv[2]) & 0xff;
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return errno;
	}
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		close(fd);
		return errno;
	}
	memset(p, c, LEN);
	for (i = 0; i < LEN; i += 64)
		__builtin_ia32_clflush(p + i);
	__builtin_ia32_sfence();
	for (i = 0; i < LEN; i++)
		if (p[i] != c) {
			fprintf(stderr, "daxstore: read back 0x%x at %zu\n", p[i], i);
			return EIO;
		}
	munmap(p, LEN);
	close(fd);
	return 0;
}
