// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmemflush_memcpy / memmove / memset: store and make durable in one call.
 *
 * CPU-flush, fence-only and none: the stores themselves are the flush.
 * Small ranges take ordinary stores and a write-back of their lines; from
 * a threshold on (mem.h), non-temporal stores (mem-x86.c), which need no
 * write-back. One sfence is the durability point. No system call, no
 * lock, no allocation.
 *
 * msync and host-flush: the copy is ordinary, then the map's durability
 * point as for pmemflush_persist() (through pmemflush_drain(): the same
 * commit, with its group and its sticky error).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "map.h"
#include "mem.h"
#include "private.h"

#define MEM_FLAGS_ALL                                                                       \
	(PMEMFLUSH_MEM_NODRAIN | PMEMFLUSH_MEM_NONTEMPORAL | PMEMFLUSH_MEM_TEMPORAL |       \
	 PMEMFLUSH_MEM_NOFLUSH)
#define MEM_HINTS (PMEMFLUSH_MEM_NONTEMPORAL | PMEMFLUSH_MEM_TEMPORAL)

/* Which argument is wrong, and its message: off the fast path. */
static __attribute__((noinline, cold)) int bad_args(const struct pmemflush_map *m,
						     const void *dest, size_t len,
						     unsigned int flags)
{
	if (!m || !dest)
		return pf_error(-EINVAL, "invalid argument");
	if (flags & ~(unsigned int)MEM_FLAGS_ALL)
		return pf_error(-EINVAL, "unknown flags 0x%x", flags & ~(unsigned int)MEM_FLAGS_ALL);
	if ((flags & MEM_HINTS) == MEM_HINTS)
		return pf_error(-EINVAL, "TEMPORAL and NONTEMPORAL together");
	if (!pf_map_range_ok(m, dest, len))
		return pf_error(-EINVAL, "range outside the map");
	return 0;
}

/* The same rules, without the messages: inlined into every call. */
static inline bool args_ok(const struct pmemflush_map *m, const void *dest, size_t len,
			   unsigned int flags)
{
	return m && dest && !(flags & ~(unsigned int)MEM_FLAGS_ALL) &&
	       (flags & MEM_HINTS) != MEM_HINTS && pf_map_range_ok(m, dest, len);
}

/* Does this map's method make stores durable with CPU instructions only? */
static bool cpu_path(const struct pmemflush_map *m)
{
	return m->method == PMEMFLUSH_METHOD_CPU_FLUSH ||
	       m->method == PMEMFLUSH_METHOD_FENCE_ONLY || m->method == PMEMFLUSH_METHOD_NONE;
}

static bool use_nt(const struct pmemflush_map *m, size_t len, unsigned int flags)
{
	if (flags & PMEMFLUSH_MEM_NONTEMPORAL)
		return true;
	if (flags & (PMEMFLUSH_MEM_TEMPORAL | PMEMFLUSH_MEM_NOFLUSH))
		return false;
	if (len >= PF_MEM_NT_THRESHOLD)
		return true;
	/* The write-back would evict the lines anyway (see mem.h). */
	return len >= PF_MEM_NT_THRESHOLD_EVICT && m->cpu_flush &&
	       pf_cpu_flush_insn() != PF_FLUSH_CLWB;
}

/*
 * After the stores: nothing (NOFLUSH, NODRAIN), a fence (CPU path), or the
 * map's durability point. @len 0 stored nothing but, as persist, still
 * returns a pending error.
 */
static inline __attribute__((always_inline)) int finish(struct pmemflush_map *m, void *dest,
							 size_t len, unsigned int flags)
{
	if (flags & (PMEMFLUSH_MEM_NOFLUSH | PMEMFLUSH_MEM_NODRAIN))
		return 0;
	if (cpu_path(m)) {
		pf_sfence();
		return 0;
	}
	if (!len)
		return pmemflush_persist(m, dest, 0);
	return pmemflush_drain(m);
}

/* The write-back for ordinary stores on this map; NULL: none needed. */
static pf_flush_fn wb_of(const struct pmemflush_map *m, unsigned int flags)
{
	return (flags & PMEMFLUSH_MEM_NOFLUSH) ? NULL : m->cpu_flush;
}

/*
 * Ordinary stores and their write-back, a few lines at a time: the
 * write-backs of one chunk then overlap the stores (and reads for
 * ownership) of the next, where a write-back of the whole range after the
 * whole copy waited for all of it (TEMPORAL 4100 bytes: 1.25x libpmem2's
 * time, bench/cpubench). Chunks follow the direction of the copy, so
 * overlap is handled as by memmove.
 */
#define WB_CHUNK ((size_t)4 * PF_CACHE_LINE)

static void move_wb(uint8_t *d, const uint8_t *s, size_t len, pf_flush_fn wb)
{
	size_t n;

	if ((uintptr_t)d - (uintptr_t)s >= len) {
		while (len) {
			n = WB_CHUNK - ((uintptr_t)d & (WB_CHUNK - 1));
			if (n > len)
				n = len;
			memmove(d, s, n);
			wb(d, n);
			d += n;
			s += n;
			len -= n;
		}
		return;
	}
	d += len;
	s += len;
	while (len) {
		n = (uintptr_t)d & (WB_CHUNK - 1);
		if (!n)
			n = WB_CHUNK;
		if (n > len)
			n = len;
		d -= n;
		s -= n;
		len -= n;
		memmove(d, s, n);
		wb(d, n);
	}
}

static void set_wb(uint8_t *d, int c, size_t len, pf_flush_fn wb)
{
	size_t n;

	while (len) {
		n = WB_CHUNK - ((uintptr_t)d & (WB_CHUNK - 1));
		if (n > len)
			n = len;
		memset(d, c, n);
		wb(d, n);
		d += n;
		len -= n;
	}
}

static int mem_move(struct pmemflush_map *m, void *dest, const void *src, size_t len,
		    unsigned int flags)
{
	pf_flush_fn wb;

	if (!args_ok(m, dest, len, flags))
		return bad_args(m, dest, len, flags);
	if (!src && len)
		return pf_error(-EINVAL, "invalid argument");
	if (!len)
		return finish(m, dest, 0, flags);
	wb = wb_of(m, flags);
	if (cpu_path(m) && use_nt(m, len, flags)) {
		pf_mem_move_nt(dest, src, len, wb);
	} else if (wb) {
		move_wb(dest, src, len, wb);
	} else {
		memmove(dest, src, len);
	}
	return finish(m, dest, len, flags);
}

PMEMFLUSH_EXPORT int pmemflush_memcpy(struct pmemflush_map *map, void *dest, const void *src,
				      size_t len, unsigned int flags)
{
	/* Overlap is undefined for memcpy; handling it costs one compare. */
	return mem_move(map, dest, src, len, flags);
}

PMEMFLUSH_EXPORT int pmemflush_memmove(struct pmemflush_map *map, void *dest, const void *src,
				       size_t len, unsigned int flags)
{
	return mem_move(map, dest, src, len, flags);
}

PMEMFLUSH_EXPORT int pmemflush_memset(struct pmemflush_map *map, void *dest, int c, size_t len,
				      unsigned int flags)
{
	pf_flush_fn wb;

	if (!args_ok(map, dest, len, flags))
		return bad_args(map, dest, len, flags);
	if (!len)
		return finish(map, dest, 0, flags);
	wb = wb_of(map, flags);
	if (cpu_path(map) && use_nt(map, len, flags)) {
		pf_mem_set_nt(dest, c, len, wb);
	} else if (wb) {
		set_wb(dest, c, len, wb);
	} else {
		memset(dest, c, len);
	}
	return finish(map, dest, len, flags);
}
