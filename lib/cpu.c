// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cache-line write-back: CLWB keeps the line cached, CLFLUSHOPT evicts it
 * but is weakly ordered (cheap), CLFLUSH evicts and is strongly ordered.
 * All three make the line reach the persistence domain of a synchronous
 * region once the following SFENCE completes (CLFLUSH needs no fence, one
 * is issued anyway for a uniform contract).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

/*
 * The DMI vendor strings of common virtual machines (readable by everyone
 * in /sys/class/dmi/id): a second witness next to CPUID.
 */
static __attribute__((unused)) bool pf_dmi_virtual(void)
{
	static const char *const files[] = { "/sys/class/dmi/id/sys_vendor",
					     "/sys/class/dmi/id/product_name",
					     "/sys/class/dmi/id/bios_vendor" };
	static const char *const vendors[] = { "QEMU", "KVM", "Xen", "VMware", "VirtualBox",
					       "innotek", "Microsoft Corporation", "Bochs",
					       "Amazon EC2", "Google Compute Engine", "SeaBIOS",
					       "Cloud Hypervisor", "Firecracker" };
	char buf[128];
	size_t i, j, n;
	FILE *f;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		f = fopen(files[i], "re");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		for (j = 0; j < sizeof(vendors) / sizeof(vendors[0]); j++)
			if (strstr(buf, vendors[j]))
				return true;
	}
	return false;
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

#define CPUID1_EDX_CLFLUSH (1U << 19)
#define CPUID7_EBX_CLFLUSHOPT (1U << 23)
#define CPUID7_EBX_CLWB (1U << 24)

static void flush_clflush(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(PF_CACHE_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += PF_CACHE_LINE)
		_mm_clflush((const void *)p);
}

__attribute__((target("clflushopt"))) static void flush_clflushopt(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(PF_CACHE_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += PF_CACHE_LINE)
		_mm_clflushopt((void *)p);
}

__attribute__((target("clwb"))) static void flush_clwb(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(PF_CACHE_LINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += PF_CACHE_LINE)
		_mm_clwb((void *)p);
}

static enum pf_flush_insn detect(void)
{
	unsigned int a, b, c, d;
	int no_clwb = getenv("PMEMFLUSH_NO_CLWB") != NULL;
	int no_clflushopt = getenv("PMEMFLUSH_NO_CLFLUSHOPT") != NULL;

	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		if ((b & CPUID7_EBX_CLWB) && !no_clwb)
			return PF_FLUSH_CLWB;
		if ((b & CPUID7_EBX_CLFLUSHOPT) && !no_clflushopt)
			return PF_FLUSH_CLFLUSHOPT;
	}
	if (__get_cpuid(1, &a, &b, &c, &d) && (d & CPUID1_EDX_CLFLUSH))
		return PF_FLUSH_CLFLUSH;
	return PF_FLUSH_NONE;
}

pf_flush_fn pf_cpu_flush_fn(enum pf_flush_insn insn)
{
	switch (insn) {
	case PF_FLUSH_CLWB:
		return flush_clwb;
	case PF_FLUSH_CLFLUSHOPT:
		return flush_clflushopt;
	case PF_FLUSH_CLFLUSH:
		return flush_clflush;
	default:
		return NULL;
	}
}

#define CPUID1_ECX_HYPERVISOR (1U << 31)

/*
 * Reserved for hypervisors: set by KVM, QEMU TCG, Xen HVM, Hyper-V, ...
 * A host can hide it (-cpu ...,hypervisor=off), so the firmware's own
 * vendor strings count too.
 */
bool pf_cpu_hypervisor(void)
{
	unsigned int a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & CPUID1_ECX_HYPERVISOR))
		return true;
	return pf_dmi_virtual();
}
#else
static enum pf_flush_insn detect(void)
{
	return PF_FLUSH_NONE;
}

/* No portable CPU test here: assume the worst, a claim is then not evidence. */
bool pf_cpu_hypervisor(void)
{
	return true;
}

pf_flush_fn pf_cpu_flush_fn(enum pf_flush_insn insn)
{
	return NULL;
}
#endif

enum pf_flush_insn pf_cpu_flush_insn(void)
{
	/* Benign race: every thread computes the same answer. */
	static int cached = -1;

	if (__atomic_load_n(&cached, __ATOMIC_RELAXED) < 0)
		__atomic_store_n(&cached, (int)detect(), __ATOMIC_RELAXED);
	return (enum pf_flush_insn)__atomic_load_n(&cached, __ATOMIC_RELAXED);
}

const char *pf_cpu_flush_insn_name(enum pf_flush_insn insn)
{
	static const char *const names[] = {
		[PF_FLUSH_NONE] = "none",
		[PF_FLUSH_CLFLUSH] = "clflush",
		[PF_FLUSH_CLFLUSHOPT] = "clflushopt",
		[PF_FLUSH_CLWB] = "clwb",
	};

	return (unsigned int)insn < sizeof(names) / sizeof(names[0]) ? names[insn] : "?";
}
