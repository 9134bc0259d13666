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
	bool volatile_region;	/* an nd_volatile region: RAM, whatever it claims */
};

struct pf_mount_facts {
	bool dax;	/* dax or dax=always */
	bool nobarrier;	/* nobarrier or barrier=0 */
};

/*
 * What the method selection looks at, for one path or namespace. The
 * names are only used to explain a refusal and may be NULL.
 */
struct pf_method_facts {
	bool on_pmem;
	bool devdax;			/* a device dax character device */
	enum pmemflush_tristate dax;	/* DAX in effect (files) */
	enum pmemflush_tristate map_sync; /* MAP_SYNC probe (never for devdax) */
	struct pf_region_facts region;	/* meaningful when on_pmem */
	bool volatile_fs;		/* tmpfs, ramfs, ...: memory only */
	bool nobarrier;			/* a mount on the way drops flushes */
	bool mount_unknown;		/* a file whose mount could not be found */
	bool sector;			/* a btt (sector mode) namespace is under it */
	bool write_through;		/* a queue of the device stack says "write through" */
	bool hypervisor;		/* CPUID says we run under a hypervisor */
	bool trusted;			/* explicit opt-in: trust an unverified platform */
	const char *region_name;	/* e.g. "region0" */
	const char *provider;		/* e.g. "ACPI.NFIT" */
	const char *mount_target;	/* the file's mount point */
	const char *write_through_dev;	/* the queue that says "write through" */
};

/* Hazards of the region alone (buffered-unknown, volatile). */
unsigned int pf_hazards_region(const struct pf_region_facts *r);
/* Hazards of a namespace in mode @mode on region @r (devdax-no-host-flush). */
unsigned int pf_hazards_namespace(const struct pf_region_facts *r, enum pmemflush_ns_mode mode);
/* Hazards of a mount on region @r (nobarrier-on-buffered). */
unsigned int pf_hazards_mount(const struct pf_region_facts *r, const struct pf_mount_facts *m);
/* Hazards that make a path unsafe (everything but warnings). */
unsigned int pf_hazards_unsafe(unsigned int mask);
/* Every hazard of one path, from its facts (region, mount, stack, fs). */
unsigned int pf_hazards_path(const struct pf_method_facts *f);
/* Hazards an explicit trust opt-in accepts (buffered-unknown). */
#define PF_HAZARDS_TRUSTABLE PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN

/*
 * The method for @f. A refusal (PMEMFLUSH_METHOD_REFUSED) is explained in
 * @why: what could not be made durable or verified, and what would fix it.
 */
enum pmemflush_method pf_select_method(const struct pf_method_facts *f, char *why, size_t len);

/* What the buffered decision looks at (buffered.c). */
struct pf_buffered_input {
	const char *provider;		/* bus provider */
	const char *virtio_name;	/* "virtio1" if the bus parent is a virtio device */
	const char *virtio_device;	/* its "device" attribute, e.g. "0x001b" */
	int vpmem_buffered;		/* ndbusN/vpmem/buffered: -1 absent, 0, 1 */
	enum pmemflush_persistence_domain persistence_domain;
	/*
	 * Under a hypervisor a claimed persistence domain is the host's
	 * configuration (QEMU's nvdimm on an ordinary file claims
	 * memory_controller too), so it is not evidence.
	 */
	bool hypervisor;
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

/*
 * Combine the facts of two pmem devices under one block device (device
 * mapper, md): the result is as durable as the weaker of the two. Pure.
 */
void pf_region_facts_combine(struct pf_region_facts *acc, const struct pf_region_facts *r);

/* Memory-only file systems (statfs f_type): nothing on them survives. Pure. */
bool pf_fs_is_volatile(long f_type);
/*
 * The name of a file system that holds no data (sysfs, proc, ...: its
 * fsync succeeds and flushes nothing), else NULL. Pure.
 */
const char *pf_fs_pseudo_name(long f_type);

/* The system-wide configuration (config.c), parsed from a string. Pure. */
struct pf_config {
	bool trust_unverified_platform;
};
int pf_config_parse(const char *text, struct pf_config *cfg, char *err, size_t errlen);

#endif
