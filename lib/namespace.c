// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Namespaces of a region through libndctl; the dax character device of a
 * devdax namespace through libdaxctl.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>

#include "private.h"

static char *dup_name(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static enum pmemflush_ns_mode map_mode(enum ndctl_namespace_mode mode)
{
	switch (mode) {
	case NDCTL_NS_MODE_FSDAX:
		return PMEMFLUSH_NS_MODE_FSDAX;
	case NDCTL_NS_MODE_DEVDAX:
		return PMEMFLUSH_NS_MODE_DEVDAX;
	case NDCTL_NS_MODE_SECTOR:
		return PMEMFLUSH_NS_MODE_SECTOR;
	case NDCTL_NS_MODE_RAW:
		return PMEMFLUSH_NS_MODE_RAW;
	default:
		return PMEMFLUSH_NS_MODE_UNKNOWN;
	}
}

/* 36 characters and a NUL, lower case; "" for the all-zero uuid (none). */
static void format_uuid(const unsigned char *uu, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i, n = 0, zero = 1;

	for (i = 0; i < 16; i++)
		zero &= uu[i] == 0;
	if (zero) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[uu[i] >> 4];
		out[n++] = hex[uu[i] & 0xf];
	}
	out[n] = '\0';
}

/*
 * Block or character device and usable size, as ndctl list reports them,
 * and the pfn/btt/dax device in between (how a device's sysfs path is
 * matched to its namespace, see path.c). 0 or -ENOMEM.
 */
static int read_devices(struct pmemflush_namespace *ns, struct ndctl_namespace *ndns)
{
	const char *seed = NULL, *blk = NULL, *chr = NULL;
	uuid_t uu = { 0 };

	struct ndctl_pfn *pfn = ndctl_namespace_get_pfn(ndns);
	struct ndctl_btt *btt = ndctl_namespace_get_btt(ndns);
	struct ndctl_dax *dax = ndctl_namespace_get_dax(ndns);

	ns->size = ndctl_namespace_get_size(ndns);
	if (dax) {
		struct daxctl_region *dreg = ndctl_dax_get_daxctl_region(dax);
		struct daxctl_dev *dev;

		ns->size = ndctl_dax_get_size(dax);
		ns->align = ndctl_dax_get_align(dax);
		seed = ndctl_dax_get_devname(dax);
		daxctl_dev_foreach(dreg, dev) {
			if (!daxctl_dev_get_size(dev))
				continue; /* the seed of a region with no space left */
			chr = daxctl_dev_get_devname(dev);
			if (daxctl_dev_get_align(dev))
				ns->align = daxctl_dev_get_align(dev);
			break;
		}
	} else if (pfn) {
		ns->size = ndctl_pfn_get_size(pfn);
		seed = ndctl_pfn_get_devname(pfn);
		blk = ndctl_pfn_get_block_device(pfn);
	} else if (btt) {
		ns->size = ndctl_btt_get_size(btt);
		seed = ndctl_btt_get_devname(btt);
		blk = ndctl_btt_get_block_device(btt);
	} else {
		blk = ndctl_namespace_get_block_device(ndns);
	}
	/* The uuid ndctl list shows: the pfn/dax/btt info block's, else the label's. */
	if (dax)
		ndctl_dax_get_uuid(dax, uu);
	else if (pfn)
		ndctl_pfn_get_uuid(pfn, uu);
	else if (btt)
		ndctl_btt_get_uuid(btt, uu);
	else
		ndctl_namespace_get_uuid(ndns, uu);
	format_uuid(uu, ns->uuid);
	ns->seed_devname = dup_name(seed);
	ns->blockdev = dup_name(blk);
	ns->chardev = dup_name(chr);
	if ((seed && *seed && !ns->seed_devname) || (blk && *blk && !ns->blockdev) ||
	    (chr && *chr && !ns->chardev))
		return -ENOMEM;
	return 0;
}

int pf_namespaces_discover(struct pmemflush_region *region, struct ndctl_region *ndr)
{
	struct pmemflush_namespace **tail = &region->namespaces;
	struct ndctl_namespace *ndns;

	ndctl_namespace_foreach(ndr, ndns) {
		struct pmemflush_namespace *ns;

		if (!ndctl_namespace_is_active(ndns))
			continue;
		ns = calloc(1, sizeof(*ns));
		if (!ns)
			return pf_error(-ENOMEM, "out of memory discovering namespaces");
		*tail = ns;
		tail = &ns->next;
		ns->region = region;
		ns->devname = dup_name(ndctl_namespace_get_devname(ndns));
		if (!ns->devname)
			return pf_error(-ENOMEM, "out of memory discovering namespaces");
		ns->mode = map_mode(ndctl_namespace_get_mode(ndns));
		ns->name = dup_name(ndctl_namespace_get_alt_name(ndns));
		if (ndctl_namespace_get_alt_name(ndns) && *ndctl_namespace_get_alt_name(ndns) &&
		    !ns->name)
			return pf_error(-ENOMEM, "out of memory discovering namespaces");
		if (read_devices(ns, ndns) < 0)
			return pf_error(-ENOMEM, "out of memory discovering namespaces");
		dbg(region->ctx, "%s: %s mode %s blockdev %s chardev %s\n", region->devname,
		    ns->devname, pmemflush_ns_mode_name(ns->mode),
		    ns->blockdev ? ns->blockdev : "-", ns->chardev ? ns->chardev : "-");
	}
	return 0;
}

void pf_namespace_finish(struct pmemflush_namespace *ns)
{
	struct pmemflush_region *r = ns->region;
	const struct pf_region_facts *rf = &r->facts;
	struct pf_method_facts mf = {
		.on_pmem = true,
		.devdax = ns->mode == PMEMFLUSH_NS_MODE_DEVDAX,
		.dax = PMEMFLUSH_NO,
		.map_sync = PMEMFLUSH_NO,
		.region = *rf,
		.hypervisor = r->ctx->hypervisor,
		.trusted = r->ctx->config.trust_unverified_platform,
		.region_name = r->devname,
		.provider = r->provider,
	};
	struct pmemflush_mount *m;

	ns->hazards = pf_hazards_region(rf) | pf_hazards_namespace(rf, ns->mode);
	for (m = ns->mounts; m; m = m->next) {
		ns->hazards |= pf_hazards_mount(rf, &m->facts);
		if (m->facts.dax)
			mf.dax = PMEMFLUSH_YES;
		if (m->facts.nobarrier)
			mf.nobarrier = true;
	}
	/*
	 * Its own queue or one stacked on it (device mapper, md), read by
	 * pf_mounts_discover(); never for btt, which flushes every write itself
	 * (its queue says "write through").
	 */
	if (ns->write_through_dev) {
		mf.write_through = true;
		mf.write_through_dev = ns->write_through_dev;
	}
	ns->hazards |= pf_hazards_path(&mf);
	/*
	 * Without a probe, expect what the kernel does: a dax file system
	 * accepts MAP_SYNC on a synchronous region only.
	 */
	if (mf.dax == PMEMFLUSH_YES && rf->buffered == PMEMFLUSH_NO)
		mf.map_sync = PMEMFLUSH_YES;
	ns->method = pf_select_method(&mf, NULL, 0);
}

void pf_namespaces_free(struct pmemflush_namespace *ns)
{
	struct pmemflush_namespace *next;

	for (; ns; ns = next) {
		next = ns->next;
		pf_mounts_free(ns->mounts);
		free(ns->devname);
		free(ns->seed_devname);
		free(ns->name);
		free(ns->blockdev);
		free(ns->chardev);
		free(ns->write_through_dev);
		free(ns);
	}
}

PMEMFLUSH_EXPORT struct pmemflush_namespace *
pmemflush_namespace_get_first(struct pmemflush_region *region)
{
	return region ? region->namespaces : NULL;
}

PMEMFLUSH_EXPORT struct pmemflush_namespace *
pmemflush_namespace_get_next(struct pmemflush_namespace *ns)
{
	return ns ? ns->next : NULL;
}

#define NS_GETTER(type, name, expr, dflt)                                                \
	PMEMFLUSH_EXPORT type pmemflush_namespace_get_##name(struct pmemflush_namespace *ns) \
	{                                                                                \
		return ns ? (expr) : (dflt);                                             \
	}

NS_GETTER(struct pmemflush_region *, region, ns->region, NULL)
NS_GETTER(const char *, devname, ns->devname, NULL)
NS_GETTER(enum pmemflush_ns_mode, mode, ns->mode, PMEMFLUSH_NS_MODE_UNKNOWN)
NS_GETTER(unsigned long long, size, ns->size, 0)
NS_GETTER(const char *, blockdev, ns->blockdev, NULL)
NS_GETTER(const char *, chardev, ns->chardev, NULL)
NS_GETTER(unsigned long, align, ns->align, 0)
NS_GETTER(unsigned int, hazards, ns->hazards, 0)
NS_GETTER(const char *, uuid, ns->uuid[0] ? ns->uuid : NULL, NULL)
NS_GETTER(const char *, name, ns->name, NULL)
NS_GETTER(enum pmemflush_method, persist_method, ns->method, PMEMFLUSH_METHOD_REFUSED)
