// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Method selection: facts (+ the MAP_SYNC probe) -> what persist() does.
 * Pure; the persist API reuses it when a mapping is made.
 */
#include <stddef.h>

#include "facts.h"
#include "private.h"

static enum pmemflush_method cpu_method(const struct pf_region_facts *r)
{
	return r->persistence_domain == PMEMFLUSH_PD_CPU_CACHE ? PMEMFLUSH_METHOD_FENCE_ONLY
							       : PMEMFLUSH_METHOD_CPU_FLUSH;
}

static enum pmemflush_method devdax_method(const struct pf_method_facts *f)
{
	const struct pf_region_facts *r = &f->region;

	switch (r->buffered) {
	case PMEMFLUSH_NO:
		if (f->map_sync == PMEMFLUSH_NO)
			return PMEMFLUSH_METHOD_REFUSED;
		return cpu_method(r);
	case PMEMFLUSH_YES:
		return r->host_flush != PMEMFLUSH_HOST_FLUSH_NONE ? PMEMFLUSH_METHOD_HOST_FLUSH
								  : PMEMFLUSH_METHOD_REFUSED;
	case PMEMFLUSH_UNKNOWN:
	default:
		/*
		 * Safest that works: a host flush covers both cases; without
		 * one, CPU flushes are all there is (with buffered-unknown).
		 */
		if (r->host_flush != PMEMFLUSH_HOST_FLUSH_NONE)
			return PMEMFLUSH_METHOD_HOST_FLUSH;
		if (f->map_sync == PMEMFLUSH_NO)
			return PMEMFLUSH_METHOD_REFUSED;
		return PMEMFLUSH_METHOD_CPU_FLUSH;
	}
}

enum pmemflush_method pf_select_method(const struct pf_method_facts *f)
{
	if (!f->on_pmem)
		return PMEMFLUSH_METHOD_MSYNC;
	if (f->devdax)
		return devdax_method(f);
	/*
	 * Files (and block devices): only a synchronous region whose
	 * MAP_SYNC mapping was accepted can skip the file system.
	 */
	if (f->region.buffered == PMEMFLUSH_NO && f->map_sync == PMEMFLUSH_YES)
		return cpu_method(&f->region);
	return PMEMFLUSH_METHOD_MSYNC;
}

static const char *const method_names[] = {
	[PMEMFLUSH_METHOD_REFUSED] = "refused",
	[PMEMFLUSH_METHOD_FENCE_ONLY] = "fence-only",
	[PMEMFLUSH_METHOD_CPU_FLUSH] = "cpu-flush",
	[PMEMFLUSH_METHOD_MSYNC] = "msync",
	[PMEMFLUSH_METHOD_HOST_FLUSH] = "host-flush",
	[PMEMFLUSH_METHOD_NONE] = "none",
};

PMEMFLUSH_EXPORT const char *pmemflush_method_name(enum pmemflush_method method)
{
	if ((unsigned int)method >= sizeof(method_names) / sizeof(method_names[0]))
		return NULL;
	return method_names[method];
}
