/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Store kernels of pmemflush_memcpy/memmove/memset (mem-x86.c): the
 * non-temporal path of the CPU-flush and fence-only methods.
 */
#ifndef PMEMFLUSH_MEM_H
#define PMEMFLUSH_MEM_H

#include <stddef.h>

#include "cpu.h"

/*
 * From this size on, the default (no hint) is non-temporal stores: they
 * skip the read-for-ownership of every destination line and the
 * write-back instruction. Below it, with CLWB (the line stays cached) or
 * fence-only (no write-back at all), ordinary stores are cheaper: the
 * copy stays cached for the next read and no write-combining buffer has
 * to drain at the fence.
 */
#define PF_MEM_NT_THRESHOLD 256
/*
 * Where the write-back is CLFLUSHOPT or CLFLUSH, the line is evicted
 * anyway, so an NT store loses nothing and saves the eviction's round
 * trip: NT from one whole line on (bench/cpubench on an AMD EPYC guest:
 * a 64-byte aligned copy 99 ns with NT stores, 151 ns with stores +
 * CLFLUSHOPT, the latter also libpmem2's).
 */
#define PF_MEM_NT_THRESHOLD_EVICT 64

/*
 * Copy @len bytes from @src to @dest with non-temporal stores for every
 * whole destination cache line, and for the unaligned head and tail (less
 * than a line each) where both ends of that part are 4-byte aligned; a
 * part that is not gets ordinary stores and is written back with @wb
 * (NULL: not written back, e.g. fence-only). No line is written both
 * ways. Overlap in either direction is handled (memmove semantics). No
 * fence: the caller's sfence makes them durable.
 */
void pf_mem_move_nt(void *dest, const void *src, size_t len, pf_flush_fn wb);

/* The same for filling @len bytes with @c. */
void pf_mem_set_nt(void *dest, int c, size_t len, pf_flush_fn wb);

/*
 * The NT kernel's name for logs and tests: "avx", "sse2", or "none"
 * (no NT stores: ordinary stores + @wb). PMEMFLUSH_NO_AVX=1 narrows it
 * to sse2 (tests exercise both). Decided once per process.
 */
const char *pf_mem_kernel_name(void);

#endif
