// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * persist / flush / drain / persist_ranges: execute the method chosen when
 * the map was made. The CPU-flush and fence-only paths make no system
 * call, take no lock and allocate nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map.h"
#include "private.h"

static void cpu_flush(const struct pmemflush_map *m, const void *addr, size_t len)
{
	if (len && m->cpu_flush)
		m->cpu_flush(addr, len);
}

/*
 * msync of the whole mapping: one durability point for every caller of
 * the group, whatever ranges they wrote (the file system writes back and
 * flushes the file's dirty ranges, then the device flush reaches the host).
 */
int pf_map_msync(void *map)
{
	struct pmemflush_map *m = map;
	int rc = pf_watch_check(m);

	if (rc < 0)
		return rc;
	if (msync(m->addr, m->len, MS_SYNC) < 0)
		return pf_error(-errno, "msync: %s", strerror(errno));
	/* A flush dropped during this msync shows now, at the latest. */
	return pf_watch_check(m);
}

/*
 * One host flush through the driver's attribute: the write returns only
 * when the host has flushed, with the host's error if it failed.
 */
int pf_map_host_flush(void *map)
{
	struct pmemflush_map *m = map;
	ssize_t w = pwrite(m->host_flush_fd, "1\n", 2, 0);

	/* ENODEV (sysfs) or ENXIO (vpmem): the device went away under the map. */
	if (w < 0 && (errno == ENODEV || errno == ENXIO))
		return pf_error(-errno, "host flush: %s: the device was removed (unbound or "
				"unplugged): nothing written since reaches the host",
				strerror(errno));
	if (w < 0)
		return pf_error(-errno, "host flush: %s", strerror(errno));
	if (w != 2)
		return pf_error(-EIO, "host flush: short write");
	return 0;
}

/* The durability point after the CPU part is done. */
static int commit(struct pmemflush_map *m)
{
	switch (m->method) {
	case PMEMFLUSH_METHOD_FENCE_ONLY:
	case PMEMFLUSH_METHOD_CPU_FLUSH:
	case PMEMFLUSH_METHOD_NONE:
		pf_sfence();
		return 0;
	case PMEMFLUSH_METHOD_MSYNC:
		return pf_group_sync(&m->group, pf_map_msync, m);
	case PMEMFLUSH_METHOD_HOST_FLUSH:
		pf_sfence();
		return pf_group_sync(&m->group, pf_map_host_flush, m);
	default:
		return pf_error(-EOPNOTSUPP, "no durable method");
	}
}

PMEMFLUSH_EXPORT int pmemflush_flush(struct pmemflush_map *map, const void *addr, size_t len)
{
	if (!map || !pf_map_range_ok(map, addr, len))
		return pf_error(-EINVAL, "range outside the map");
	cpu_flush(map, addr, len);
	return 0;
}

PMEMFLUSH_EXPORT int pmemflush_drain(struct pmemflush_map *map)
{
	if (!map)
		return pf_error(-EINVAL, "invalid argument");
	return commit(map);
}

/*
 * Nothing to make durable, but a pending error is still the answer: a
 * caller must not read "0" as "everything I stored so far is safe". On the
 * CPU methods the fence is still made: it drains this thread's earlier
 * NODRAIN copies and flushes, as a caller of persist(len 0) expects.
 */
static int nothing_to_do(struct pmemflush_map *m)
{
	if (m->method == PMEMFLUSH_METHOD_MSYNC || m->method == PMEMFLUSH_METHOD_HOST_FLUSH)
		return pf_group_pending(&m->group);
	pf_sfence();
	return 0;
}

PMEMFLUSH_EXPORT int pmemflush_persist(struct pmemflush_map *map, const void *addr, size_t len)
{
	if (!map || !pf_map_range_ok(map, addr, len))
		return pf_error(-EINVAL, "range outside the map");
	if (!len)
		return nothing_to_do(map);
	cpu_flush(map, addr, len);
	return commit(map);
}

PMEMFLUSH_EXPORT int pmemflush_persist_ranges(struct pmemflush_map *map,
					      const struct pmemflush_range *ranges, size_t n)
{
	bool any = false;	/* not a sum of lengths: that could wrap to 0 */
	size_t i;

	if (!map || (n && !ranges))
		return pf_error(-EINVAL, "invalid argument");
	for (i = 0; i < n; i++) {
		if (!pf_map_range_ok(map, ranges[i].addr, ranges[i].len))
			return pf_error(-EINVAL, "range %zu outside the map", i);
		any |= ranges[i].len != 0;
	}
	if (!any)
		return nothing_to_do(map);
	for (i = 0; i < n; i++)
		cpu_flush(map, ranges[i].addr, ranges[i].len);
	return commit(map);
}
