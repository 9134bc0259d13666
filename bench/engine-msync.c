// SPDX-License-Identifier: LGPL-2.1-or-later
/* msync: plain mmap(MAP_SHARED) and msync(MS_SYNC) of the record's pages. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine.h"

static size_t page_size;

static int msync_engine_open(struct bench_map *m, const char *path, size_t len)
{
	void *addr;
	int fd, rc;

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rc = addr == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	m->base = addr;
	m->len = len;
	snprintf(m->method, sizeof(m->method), "msync");
	return 0;
}

static void msync_engine_close(struct bench_map *m)
{
	if (m->base)
		munmap(m->base, m->len);
	m->base = NULL;
}

static int msync_engine_persist(struct bench_map *m, void *addr, size_t len)
{
	uintptr_t start = (uintptr_t)addr & ~(page_size - 1);
	uintptr_t end = ((uintptr_t)addr + len + page_size - 1) & ~(page_size - 1);

	return msync((void *)start, end - start, MS_SYNC) ? -errno : 0;
}

const struct bench_engine engine_msync = {
	.name = "msync",
	.help = "mmap(MAP_SHARED), msync(MS_SYNC) of the record's page per record",
	.open = msync_engine_open,
	.close = msync_engine_close,
	.persist = msync_engine_persist,
};
