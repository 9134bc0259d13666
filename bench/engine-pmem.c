// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmem: libpmem as libpmem(7) tells applications to use it: pmem_map_file(),
 * then pmem_persist() where pmem_is_pmem() says the range is pmem, and
 * pmem_msync() everywhere else. On a virtio-pmem fsdax file system (the
 * benchmark's ext4 -o dax) MAP_SYNC is refused, so libpmem takes
 * pmem_msync(); a device dax of virtio-pmem accepts MAP_SYNC and libpmem
 * then says is_pmem=1 and uses pmem_persist() (CPU flushes only), which
 * virtio-pmem's buffered memory does not make durable.
 */
#include <errno.h>
#include <stdio.h>

#include <libpmem.h>

#include "engine.h"

struct pmem_state {
	int is_pmem;
};

static struct pmem_state pmem_yes = { 1 }, pmem_no = { 0 };

static int pmem_engine_open(struct bench_map *m, const char *path, size_t len)
{
	size_t mapped;
	int is_pmem;
	void *addr;

	/* len 0, flags 0: map the existing file whole. */
	addr = pmem_map_file(path, 0, 0, 0, &mapped, &is_pmem);
	if (!addr) {
		int rc = errno ? -errno : -EIO;

		fprintf(stderr, "pmembench: pmem_map_file %s: %s\n", path, pmem_errormsg());
		return rc;
	}
	if (mapped < len) {
		pmem_unmap(addr, mapped);
		return -EINVAL;
	}
	/* The documented test is on the range, once: the whole mapping. */
	is_pmem = is_pmem && pmem_is_pmem(addr, mapped);
	m->base = addr;
	m->len = mapped;
	m->priv = is_pmem ? &pmem_yes : &pmem_no;
	snprintf(m->method, sizeof(m->method), "%s", is_pmem ? "pmem_persist" : "pmem_msync");
	return 0;
}

static void pmem_engine_close(struct bench_map *m)
{
	if (m->base)
		pmem_unmap(m->base, m->len);
	m->base = NULL;
}

static int pmem_engine_persist(struct bench_map *m, void *addr, size_t len)
{
	const struct pmem_state *st = m->priv;

	if (st->is_pmem) {
		pmem_persist(addr, len);
		return 0;
	}
	return pmem_msync(addr, len) ? -errno : 0;
}

const struct bench_engine engine_pmem = {
	.name = "pmem",
	.help = "libpmem: pmem_map_file(); pmem_persist() if pmem_is_pmem(), else pmem_msync()",
	.open = pmem_engine_open,
	.close = pmem_engine_close,
	.persist = pmem_engine_persist,
};
