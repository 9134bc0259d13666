// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * persist / flush / drain / persist_ranges: execute the method chosen when
 * the map was made. The CPU-flush and fence-only paths make no system
 * call, take no lock and allocate nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map.h"
#include "private.h"

/* The whole range lies inside the map; len 0 is valid anywhere in it. */
static int range_ok(const struct pmemflush_map *m, const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)m->addr;

	if (a < base || a - base > m->len)
		return 0;
	return len <= m->len - (a - base);
}

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
int pf_map_msync(void *arg)
{
	struct pmemflush_map *m = arg;

	if (msync(m->addr, m->len, MS_SYNC) < 0)
		return pf_error(-errno, "msync: %s", strerror(errno));
	return 0;
}

/*
 * One host flush through the driver's attribute: the write returns only
 * when the host has flushed, with the host's error if it failed.
 */
int pf_map_host_flush(void *arg)
{
	struct pmemflush_map *m = arg;
	ssize_t w = pwrite(m->host_flush_fd, "1\n", 2, 0);

	if (w < 0)
		return pf_error(-errno, "host flush: %s", strerror(errno));
	if (w != 2)
		return pf_error(-EIO, "host flush: short write");
	return 0;
}

/*
 * Device-wide failures. The host reports a failed write-back once, to the
 * flush that asked for it; the next flush of the same device succeeds. A
 * second map, another process or another file on the device whose stores
 * were in that write-back would be told 0. vpmem.ko counts every failed
 * host flush of the device in ndbusN/vpmem/flush_errors (monotonic, never
 * reset), so the map samples it when it is made and the group reads it
 * after every flush and at clear: a rise fails the map (sticky). The
 * in-tree virtio_pmem driver has no such counter: nothing can be detected.
 */
static int errseq_read(void *arg, uint64_t *count)
{
	struct pmemflush_map *m = arg;
	char buf[32], *end;
	ssize_t n;

	n = pread(m->errseq_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return pf_error(-errno, "cannot read %s: %s", m->errseq_path, strerror(errno));
	buf[n] = '\0';
	errno = 0;
	*count = strtoull(buf, &end, 10);
	if (n == 0 || end == buf || errno || (*end && *end != '\n'))
		return pf_error(-EIO, "cannot read %s: unexpected content", m->errseq_path);
	return 0;
}

int pf_map_errseq_init(struct pmemflush_map *m, struct pmemflush_check *c)
{
	const struct pmemflush_region *r = c->region;
	int rc;

	if (!r || r->facts.driver != PMEMFLUSH_DRIVER_VPMEM || !r->bus_devname)
		return 0;
	snprintf(m->errseq_path, sizeof(m->errseq_path),
		 "/sys/bus/nd/devices/%s/vpmem/flush_errors", r->bus_devname);
	m->errseq_fd = open(m->errseq_path, O_RDONLY | O_CLOEXEC);
	if (m->errseq_fd < 0)
		return pf_error(-errno, "%s: cannot open %s: %s", c->path, m->errseq_path,
				strerror(errno));
	m->errseq_on = 1;
	rc = pf_group_set_errcount(&m->group, errseq_read, m, m->errseq_path);
	if (rc < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", pmemflush_errormsg());
		return pf_error(rc, "%s: %s", c->path, why);
	}
	return 0;
}

void pf_map_errseq_close(struct pmemflush_map *m)
{
	if (m->errseq_on)
		close(m->errseq_fd);
	m->errseq_on = 0;
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
	if (!map || !range_ok(map, addr, len))
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
 * caller must not read "0" as "everything I stored so far is safe".
 */
static int nothing_to_do(struct pmemflush_map *m)
{
	if (m->method == PMEMFLUSH_METHOD_MSYNC || m->method == PMEMFLUSH_METHOD_HOST_FLUSH)
		return pf_group_pending(&m->group);
	return 0;
}

PMEMFLUSH_EXPORT int pmemflush_persist(struct pmemflush_map *map, const void *addr, size_t len)
{
	if (!map || !range_ok(map, addr, len))
		return pf_error(-EINVAL, "range outside the map");
	if (!len)
		return nothing_to_do(map);
	cpu_flush(map, addr, len);
	return commit(map);
}

PMEMFLUSH_EXPORT int pmemflush_persist_ranges(struct pmemflush_map *map,
					      const struct pmemflush_range *ranges, size_t n)
{
	size_t i, total = 0;

	if (!map || (n && !ranges))
		return pf_error(-EINVAL, "invalid argument");
	for (i = 0; i < n; i++) {
		if (!range_ok(map, ranges[i].addr, ranges[i].len))
			return pf_error(-EINVAL, "range %zu outside the map", i);
		total += ranges[i].len;
	}
	if (!total)
		return nothing_to_do(map);
	for (i = 0; i < n; i++)
		cpu_flush(map, ranges[i].addr, ranges[i].len);
	return commit(map);
}
