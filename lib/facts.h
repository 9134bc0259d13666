/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Plain facts and the pure functions deciding on them (hazard.c, method.c).
 * Nothing here touches the system, so unit tests feed constructed facts.
 */
#ifndef PMEMFLUSH_FACTS_H
#define PMEMFLUSH_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include <pmemflush.h>

struct pf_region_facts {
	enum pmemflush_region_kind kind;
	enum pmemflush_driver driver;
	enum pmemflush_tristate buffered;
	enum pmemflush_persistence_domain persistence_domain;
	enum pmemflush_host_flush host_flush;
};

struct pf_mount_facts {
	bool dax;	/* dax or dax=always */
	bool nobarrier;	/* nobarrier or barrier=0 */
};

/* What the method selection looks at, for one path or namespace. */
struct pf_method_facts {
	bool on_pmem;
	bool devdax;			/* a device dax character device */
	enum pmemflush_tristate dax;	/* DAX in effect (files) */
	enum pmemflush_tristate map_sync; /* MAP_SYNC probe */
	struct pf_region_facts region;	/* meaningful when on_pmem */
};

/* Hazards of the region alone (buffered-unknown). */
unsigned int pf_hazards_region(const struct pf_region_facts *r);
/* Hazards of a namespace in mode @mode on region @r (devdax-no-host-flush). */
unsigned int pf_hazards_namespace(const struct pf_region_facts *r, enum pmemflush_ns_mode mode);
/* Hazards of a mount on region @r (nobarrier-on-buffered). */
unsigned int pf_hazards_mount(const struct pf_region_facts *r, const struct pf_mount_facts *m);
/* Hazards that make a path unsafe (everything but warnings). */
unsigned int pf_hazards_unsafe(unsigned int mask);

enum pmemflush_method pf_select_method(const struct pf_method_facts *f);

/* What the buffered decision looks at (buffered.c). */
struct pf_buffered_input {
	const char *provider;		/* bus provider */
	const char *virtio_name;	/* "virtio1" if the bus parent is a virtio device */
	const char *virtio_device;	/* its "device" attribute, e.g. "0x001b" */
	int vpmem_buffered;		/* ndbusN/vpmem/buffered: -1 absent, 0, 1 */
	enum pmemflush_persistence_domain persistence_domain;
};

/*
 * Decide whether a region is buffered and describe the evidence in
 * @evidence ("key=value,..."). Pure.
 */
enum pmemflush_tristate pf_decide_buffered(const struct pf_buffered_input *in,
					   char *evidence, size_t len);

/* Region kind from the bus provider name. Pure. */
enum pmemflush_region_kind pf_kind_from_provider(const char *provider);
/* Driver enum from the bound driver's name (NULL: none). Pure. */
enum pmemflush_driver pf_driver_from_name(const char *name);

#endif
