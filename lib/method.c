// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Method selection: facts (+ the MAP_SYNC probe) -> what persist() does.
 * Pure; the persist API reuses it when a mapping is made.
 */
#include <stddef.h>
#include <stdio.h>

#include "cleanup.h"
#include "facts.h"
#include "private.h"

static enum pmemflush_method cpu_method(const struct pf_region_facts *r)
{
	return r->persistence_domain == PMEMFLUSH_PD_CPU_CACHE ? PMEMFLUSH_METHOD_FENCE_ONLY
							       : PMEMFLUSH_METHOD_CPU_FLUSH;
}

/*
 * Device dax has no file system and no fsync: CPU flushes on a synchronous
 * region, the driver's host flush on a buffered one. Its MAP_SYNC is
 * accepted whatever the platform, so the probe is no evidence here.
 */
static enum pmemflush_method devdax_method(const struct pf_method_facts *f)
{
	const struct pf_region_facts *r = &f->region;

	switch (r->buffered) {
	case PMEMFLUSH_NO:
		return cpu_method(r);
	case PMEMFLUSH_YES:
		return r->host_flush != PMEMFLUSH_HOST_FLUSH_NONE ? PMEMFLUSH_METHOD_HOST_FLUSH
								  : PMEMFLUSH_METHOD_REFUSED;
	case PMEMFLUSH_UNKNOWN:
	default:
		/* Only reached with an explicit trust opt-in: the safest that works. */
		if (r->host_flush != PMEMFLUSH_HOST_FLUSH_NONE)
			return PMEMFLUSH_METHOD_HOST_FLUSH;
		return cpu_method(r);
	}
}

static const char *or_q(const char *s)
{
	return s ? s : "?";
}

/* One sentence per unsafe hazard: what is wrong and what fixes it. */
static void explain(const struct pf_method_facts *f, unsigned int hazard, char *why, size_t len)
{
	const char *region = or_q(f->region_name), *provider = or_q(f->provider);

	switch (hazard) {
	case PMEMFLUSH_HAZARD_VOLATILE:
		if (f->volatile_fs)
			snprintf(why, len,
				 "on a memory-only file system or RAM disk (%s): nothing written there "
				 "survives a reboot; use a file on pmem or on a disk",
				 f->mount_target ? f->mount_target : "tmpfs/ramfs");
		else
			snprintf(why, len,
				 "%s is a volatile (nd_volatile) region: it is RAM and nothing on it survives a reboot",
				 region);
		break;
	case PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED:
		if (!f->nobarrier) {
			snprintf(why, len,
				 "the mount holding this file on %s, a buffered (%s) region, could not be "
				 "found (is /proc mounted?): a nobarrier mount, where fsync never reaches the "
				 "host, cannot be ruled out",
				 region, provider);
			break;
		}
		if (!f->on_pmem)
			snprintf(why, len,
				 "the file system at %s is mounted nobarrier: fsync and msync do not flush the "
				 "disk's write cache (or the host's cache behind a virtual disk); remount it "
				 "with barriers (mount -o remount,barrier %s)",
				 or_q(f->mount_target), or_q(f->mount_target));
		else
			snprintf(why, len,
				 "the file system at %s is mounted nobarrier on %s, a buffered (%s) region: "
				 "fsync and msync never reach the host; remount it with barriers (mount -o "
				 "remount,barrier %s)",
				 or_q(f->mount_target), region, provider, or_q(f->mount_target));
		break;
	case PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED:
		snprintf(why, len,
			 "/sys/block/%s/queue/write_cache says \"write through\" on %s, a buffered (%s) "
			 "region: the block layer drops flush requests, so fsync never reaches the host; "
			 "echo \"write back\" > /sys/block/%s/queue/write_cache",
			 or_q(f->write_through_dev), region, provider, or_q(f->write_through_dev));
		break;
	case PMEMFLUSH_HAZARD_SECTOR_ON_BUFFERED:
		snprintf(why, len,
			 "a btt (sector mode) namespace on %s, a buffered (%s) region: btt asks for the host "
			 "flush while it holds a spinlock, which no virtio-pmem driver can honour (the in-tree "
			 "driver crashes the writer, vpmem fails the write); use fsdax or raw mode",
			 region, provider);
		break;
	case PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH:
		snprintf(why, len,
			 "device dax on %s, a buffered (%s) region with no host-flush path: nothing can make "
			 "its stores durable; bind the device to the vpmem driver (vpmem(4)) or use an fsdax "
			 "file system instead",
			 region, provider);
		break;
	case PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN:
		if (f->hypervisor && f->region.persistence_domain != PMEMFLUSH_PD_UNKNOWN &&
		    f->region.persistence_domain != PMEMFLUSH_PD_NONE)
			snprintf(why, len,
				 "%s (%s) claims persistence domain %s, but under a hypervisor that claim is the "
				 "host's configuration and cannot be verified from the guest (an emulated NVDIMM "
				 "on an ordinary host file claims the same and loses everything on a host crash); "
				 "opt in only if the host's setup is known: PMEMFLUSH_MAP_TRUST_PLATFORM, or "
				 "trust-unverified-platform=yes in the system configuration (libpmemflush(3))",
				 region, provider,
				 pmemflush_persistence_domain_name(f->region.persistence_domain));
		else
			snprintf(why, len,
				 "%s (%s) has no virtio-pmem identity and no persistence domain%s: whether CPU "
				 "flushes or msync make its stores durable cannot be verified; opt in only if the "
				 "platform is known: PMEMFLUSH_MAP_TRUST_PLATFORM, or trust-unverified-platform=yes "
				 "in the system configuration (libpmemflush(3))",
				 region, provider, f->hypervisor ? " (and runs under a hypervisor)" : "");
		break;
	default:
		snprintf(why, len, "%s", or_q(pmemflush_hazard_message(hazard)));
		break;
	}
}

enum pmemflush_method pf_select_method(const struct pf_method_facts *f, char *why, size_t len)
{
	static const unsigned int explain_order[] = {
		PMEMFLUSH_HAZARD_VOLATILE, PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN,
		PMEMFLUSH_HAZARD_SECTOR_ON_BUFFERED, PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH,
		PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED,
		PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED,
	};
	unsigned int unsafe = pf_hazards_unsafe(pf_hazards_path(f));
	size_t i;

	if (len)
		why[0] = '\0';
	if (f->trusted)
		unsafe &= ~PF_HAZARDS_TRUSTABLE;
	if (unsafe) {
		/* Explain the most fundamental cause (RAM before configuration). */
		for (i = 0; i < ARRAY_SIZE(explain_order) - 1; i++)
			if (unsafe & explain_order[i])
				break;
		if (len)
			explain(f, (explain_order[i] & unsafe) ? explain_order[i] : (unsafe & -unsafe),
				why, len);
		return PMEMFLUSH_METHOD_REFUSED;
	}
	if (!f->on_pmem)
		return PMEMFLUSH_METHOD_MSYNC;
	if (f->devdax)
		return devdax_method(f);
	/*
	 * Files (and block devices): only a region known to be synchronous
	 * whose MAP_SYNC mapping was accepted can skip the file system.
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
