/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU cache write-back primitives, chosen once by cpuid (cpu.c). */
#ifndef PMEMFLUSH_CPU_H
#define PMEMFLUSH_CPU_H

#include <stdbool.h>
#include <stddef.h>

#define PF_CACHE_LINE 64

enum pf_flush_insn {
	PF_FLUSH_NONE = 0,	/* no cache-line flush instruction (not x86) */
	PF_FLUSH_CLFLUSH,
	PF_FLUSH_CLFLUSHOPT,
	PF_FLUSH_CLWB,
};

/* Write back the cache lines of [addr, addr+len) with one instruction. */
typedef void (*pf_flush_fn)(const void *addr, size_t len);

/*
 * The best instruction this CPU has, narrowed by PMEMFLUSH_NO_CLWB and
 * PMEMFLUSH_NO_CLFLUSHOPT. Decided once per process.
 */
enum pf_flush_insn pf_cpu_flush_insn(void);
pf_flush_fn pf_cpu_flush_fn(enum pf_flush_insn insn);
const char *pf_cpu_flush_insn_name(enum pf_flush_insn insn);

/*
 * CPUID's hypervisor-present bit: firmware's persistence claims are then the
 * host's configuration, not evidence (true where it cannot be read).
 */
bool pf_cpu_hypervisor(void);

/* Store fence: orders the write-backs before what follows. */
static inline void pf_sfence(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_sfence();
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif
