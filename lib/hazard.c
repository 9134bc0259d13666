// SPDX-License-Identifier: LGPL-2.1-or-later
/* Hazard rules: pure functions of discovered facts. */
#include <errno.h>
#include <stddef.h>

#include "facts.h"
#include "private.h"

static const struct {
	unsigned int bit;
	const char *name;
	const char *message;
	bool warning;
} hazards[] = {
	{ PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH, "devdax-no-host-flush",
	  "device dax on a buffered region without a host-flush path: nothing can make its stores durable on the host",
	  false },
	{ PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED, "nobarrier-on-buffered",
	  "file system mounted nobarrier on a buffered region (or a disk with a write cache): fsync never reaches durable media",
	  false },
	{ PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN, "buffered-unknown",
	  "nothing the guest can verify tells whether this region is buffered: neither CPU flushes nor msync are known to reach durable media",
	  false },
	{ PMEMFLUSH_HAZARD_VOLATILE, "volatile",
	  "memory-only file system or volatile region: nothing on it survives a reboot",
	  false },
	{ PMEMFLUSH_HAZARD_SECTOR_ON_BUFFERED, "sector-on-buffered",
	  "btt (sector mode) on a buffered region: btt asks for the host flush under a spinlock, which no virtio-pmem driver can honour",
	  false },
	{ PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED, "write-through-on-buffered",
	  "block queue set to write through on a buffered region: the block layer drops flushes, fsync never reaches the host",
	  false },
};

static int hazard_index(unsigned int hazard)
{
	size_t i;

	for (i = 0; i < sizeof(hazards) / sizeof(hazards[0]); i++)
		if (hazards[i].bit == hazard)
			return (int)i;
	return -1;
}

PMEMFLUSH_EXPORT const char *pmemflush_hazard_name(unsigned int hazard)
{
	int i = hazard_index(hazard);

	return i < 0 ? NULL : hazards[i].name;
}

PMEMFLUSH_EXPORT const char *pmemflush_hazard_message(unsigned int hazard)
{
	int i = hazard_index(hazard);

	return i < 0 ? NULL : hazards[i].message;
}

PMEMFLUSH_EXPORT int pmemflush_hazard_is_warning(unsigned int hazard)
{
	int i = hazard_index(hazard);

	return i < 0 ? -EINVAL : hazards[i].warning;
}

unsigned int pf_hazards_unsafe(unsigned int mask)
{
	unsigned int h, unsafe = 0;

	pmemflush_hazard_foreach(mask, h)
		if (pmemflush_hazard_is_warning(h) == 0)
			unsafe |= h;
	return unsafe;
}

unsigned int pf_hazards_region(const struct pf_region_facts *r)
{
	/* RAM is RAM: whether it is "buffered" does not matter then. */
	if (r->volatile_region)
		return PMEMFLUSH_HAZARD_VOLATILE;
	return r->buffered == PMEMFLUSH_UNKNOWN ? PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN : 0;
}

unsigned int pf_hazards_namespace(const struct pf_region_facts *r, enum pmemflush_ns_mode mode)
{
	if (mode == PMEMFLUSH_NS_MODE_SECTOR && r->buffered != PMEMFLUSH_NO)
		return PMEMFLUSH_HAZARD_SECTOR_ON_BUFFERED;
	if (mode == PMEMFLUSH_NS_MODE_DEVDAX && r->buffered == PMEMFLUSH_YES &&
	    r->host_flush == PMEMFLUSH_HOST_FLUSH_NONE)
		return PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH;
	return 0;
}

/*
 * Dropped flushes matter wherever the region may be buffered: also where
 * that is unknown, so that trusting an unverifiable member of a stack never
 * hides a buffered member's nobarrier mount or write-through queue.
 */
unsigned int pf_hazards_mount(const struct pf_region_facts *r, const struct pf_mount_facts *m)
{
	if (m->nobarrier && r->buffered != PMEMFLUSH_NO)
		return PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED;
	return 0;
}

unsigned int pf_hazards_path(const struct pf_method_facts *f)
{
	struct pf_mount_facts m = { .nobarrier = f->nobarrier };
	unsigned int h = 0;

	if (f->volatile_fs)
		h |= PMEMFLUSH_HAZARD_VOLATILE;
	/*
	 * Not pmem: a disk with a volatile write cache (or a host's page cache
	 * behind a virtual disk) is buffered too, and nobarrier stops fsync
	 * from flushing it. (A write-through queue is normal for disks without
	 * a volatile cache, so that is no hazard there.)
	 */
	if (!f->on_pmem)
		return h | (f->nobarrier ? PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED : 0);
	h |= pf_hazards_region(&f->region);
	if (f->devdax)
		h |= pf_hazards_namespace(&f->region, PMEMFLUSH_NS_MODE_DEVDAX);
	if (f->sector)
		h |= pf_hazards_namespace(&f->region, PMEMFLUSH_NS_MODE_SECTOR);
	/* A mount that cannot be found cannot be shown to keep barriers. */
	m.nobarrier |= f->mount_unknown;
	h |= pf_hazards_mount(&f->region, &m);
	if (f->write_through && f->region.buffered != PMEMFLUSH_NO)
		h |= PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED;
	return h;
}
