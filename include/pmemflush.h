/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpmemflush - honest persistence for pmem, including buffered
 * (virtio-pmem) regions.
 *
 * Conventions for the whole API:
 *  - Calls that can fail return 0 (or a non-negative value) on success and a
 *    negative errno on failure. No call aborts the process.
 *  - Objects are reference counted: _ref() takes a reference and returns the
 *    object, _unref() drops one and returns NULL when the object was freed.
 *  - A struct pmemflush_ctx may be used by one thread at a time. Use one
 *    context per thread, or serialise access to a shared one.
 */
#ifndef PMEMFLUSH_H
#define PMEMFLUSH_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct pmemflush_ctx - library context (opaque).
 *
 * Holds the log configuration and, lazily, the handles of the system
 * libraries used for discovery.
 */
struct pmemflush_ctx;

/**
 * pmemflush_new() - create a library context.
 * @ctx: where to store the new context; set to NULL on failure.
 *
 * The log priority starts at LOG_ERR, or at the value of the environment
 * variable PMEMFLUSH_LOG: "err", "info", "debug" or a syslog priority
 * number (0-7). Messages go to stderr until pmemflush_set_log_fn() is
 * called.
 *
 * Returns 0 or a negative errno (-ENOMEM, -EINVAL for a NULL @ctx).
 */
int pmemflush_new(struct pmemflush_ctx **ctx);

/**
 * pmemflush_ref() - take a reference on @ctx.
 *
 * Returns @ctx, or NULL if @ctx is NULL.
 */
struct pmemflush_ctx *pmemflush_ref(struct pmemflush_ctx *ctx);

/**
 * pmemflush_unref() - drop a reference on @ctx, freeing it on the last one.
 *
 * Returns NULL when the context was freed (or @ctx was NULL), @ctx
 * otherwise.
 */
struct pmemflush_ctx *pmemflush_unref(struct pmemflush_ctx *ctx);

/**
 * typedef pmemflush_log_fn - log callback.
 * @data: the pointer given to pmemflush_set_log_fn()
 * @priority: syslog priority (LOG_ERR, LOG_INFO, LOG_DEBUG, ...)
 * @file, @line, @fn: where in the library the message was emitted
 * @format, @args: printf-style message, ending in a newline
 */
typedef void (*pmemflush_log_fn)(void *data, int priority, const char *file,
				 int line, const char *fn, const char *format,
				 va_list args);

/**
 * pmemflush_set_log_fn() - route the context's messages to @log_fn.
 * @ctx: context
 * @log_fn: callback, or NULL to restore the default (stderr)
 * @data: passed unchanged to every call of @log_fn
 */
void pmemflush_set_log_fn(struct pmemflush_ctx *ctx, pmemflush_log_fn log_fn,
			  void *data);

/**
 * pmemflush_get_log_priority() - current log priority of @ctx.
 */
int pmemflush_get_log_priority(struct pmemflush_ctx *ctx);

/**
 * pmemflush_set_log_priority() - only messages with a priority <= @priority
 * are emitted (syslog order: LOG_ERR = 3 < LOG_INFO = 6 < LOG_DEBUG = 7).
 */
void pmemflush_set_log_priority(struct pmemflush_ctx *ctx, int priority);

/**
 * pmemflush_set_userdata() - attach an application pointer to @ctx.
 */
void pmemflush_set_userdata(struct pmemflush_ctx *ctx, void *userdata);

/**
 * pmemflush_get_userdata() - the pointer given to pmemflush_set_userdata().
 */
void *pmemflush_get_userdata(struct pmemflush_ctx *ctx);

/**
 * pmemflush_version() - the library's version string, e.g. "0.1.0".
 */
const char *pmemflush_version(void);

/**
 * pmemflush_errormsg() - the last error message of the calling thread.
 *
 * Calls that fail with a negative errno may leave a one-line explanation
 * here (for example "cannot stat '/x': No such file or directory"). The
 * string is thread-local and valid until the next failing call of the same
 * thread. Returns "" when there is none. A persist call that fails with
 * the error of a flush run by another thread, or with the sticky error,
 * gets that flush's message here.
 */
const char *pmemflush_errormsg(void);

/*
 * Discovery: regions, namespaces and mounts.
 *
 * The first call that needs it (pmemflush_region_get_first(),
 * pmemflush_path_check()) creates the libndctl, libdaxctl and libudev
 * handles of @ctx and takes one snapshot of every nvdimm region of the
 * machine; pmemflush_refresh() takes a new one. Objects belong to the
 * context: they stay valid until the next pmemflush_refresh() or the last
 * pmemflush_unref() of the context.
 */

/** enum pmemflush_tristate - yes / no / unknown. */
enum pmemflush_tristate {
	PMEMFLUSH_UNKNOWN = -1,
	PMEMFLUSH_NO = 0,
	PMEMFLUSH_YES = 1,
};

/** enum pmemflush_region_kind - who provides the region (its nvdimm bus). */
enum pmemflush_region_kind {
	PMEMFLUSH_KIND_OTHER = 0,	/* of_pmem, papr_scm, nfit_test, ... */
	PMEMFLUSH_KIND_VIRTIO_PMEM,	/* provider "virtio-pmem" */
	PMEMFLUSH_KIND_ACPI_NFIT,	/* provider "ACPI.NFIT" */
	PMEMFLUSH_KIND_E820,		/* legacy e820 type-12 / memmap= pmem */
};

/** enum pmemflush_driver - driver bound to the bus's parent device. */
enum pmemflush_driver {
	PMEMFLUSH_DRIVER_NONE = 0,	/* no driver bound, or no parent */
	PMEMFLUSH_DRIVER_OTHER,		/* e.g. nfit, e820_pmem */
	PMEMFLUSH_DRIVER_VIRTIO_PMEM,	/* in-tree "virtio_pmem" */
	PMEMFLUSH_DRIVER_VPMEM,		/* this project's "vpmem" */
};

/** enum pmemflush_persistence_domain - the region's persistence_domain. */
enum pmemflush_persistence_domain {
	PMEMFLUSH_PD_UNKNOWN = 0,	/* attribute absent (virtio-pmem, e820) */
	PMEMFLUSH_PD_NONE,
	PMEMFLUSH_PD_MEMORY_CONTROLLER,	/* ADR: CPU caches must be flushed */
	PMEMFLUSH_PD_CPU_CACHE,		/* eADR: a fence is enough */
};

/** enum pmemflush_host_flush - how user space can ask for a host flush. */
enum pmemflush_host_flush {
	PMEMFLUSH_HOST_FLUSH_NONE = 0,
	PMEMFLUSH_HOST_FLUSH_VPMEM,	/* ndbusN/vpmem/flush (vpmem.ko) */
	PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH,/* a writable regionN/deep_flush */
};

/** enum pmemflush_ns_mode - namespace mode, as ndctl names it. */
enum pmemflush_ns_mode {
	PMEMFLUSH_NS_MODE_UNKNOWN = 0,
	PMEMFLUSH_NS_MODE_RAW,
	PMEMFLUSH_NS_MODE_SECTOR,
	PMEMFLUSH_NS_MODE_FSDAX,
	PMEMFLUSH_NS_MODE_DEVDAX,
};

/**
 * enum pmemflush_method - what makes stores durable (see pmemflush_method_name()).
 * @PMEMFLUSH_METHOD_FENCE_ONLY: synchronous region whose persistence domain
 *	includes the CPU caches: a store fence.
 * @PMEMFLUSH_METHOD_CPU_FLUSH: synchronous region: CLWB/CLFLUSHOPT + SFENCE.
 * @PMEMFLUSH_METHOD_MSYNC: msync()/fdatasync() through the file system.
 * @PMEMFLUSH_METHOD_HOST_FLUSH: CPU flush, then an explicit host flush
 *	(vpmem flush attribute or deep_flush).
 * @PMEMFLUSH_METHOD_REFUSED: no durable path exists.
 * @PMEMFLUSH_METHOD_NONE: no durable path exists and the caller accepted
 *	that (PMEMFLUSH_MAP_NONDURABLE): persist() only writes the CPU caches
 *	back and fences; nothing survives a host crash.
 */
enum pmemflush_method {
	PMEMFLUSH_METHOD_REFUSED = 0,
	PMEMFLUSH_METHOD_FENCE_ONLY,
	PMEMFLUSH_METHOD_CPU_FLUSH,
	PMEMFLUSH_METHOD_MSYNC,
	PMEMFLUSH_METHOD_HOST_FLUSH,
	PMEMFLUSH_METHOD_NONE,
};

/**
 * enum pmemflush_hazard - hazards, as bits of a mask.
 * @PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH: "devdax-no-host-flush", a device
 *	dax namespace on a buffered region with no host-flush path: nothing
 *	can make its stores durable.
 * @PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED: "nobarrier-on-buffered", a file
 *	system on a buffered region mounted without barriers: fsync never
 *	reaches the host.
 * @PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN: "buffered-unknown", nothing the guest
 *	can verify tells whether the region is buffered: no virtio-pmem
 *	identity, and either no persistence domain or one claimed by
 *	firmware under a hypervisor (the host's configuration, not a fact).
 *	Unsafe since 0.2: accepted only by an explicit opt-in
 *	(PMEMFLUSH_MAP_TRUST_PLATFORM, or trust-unverified-platform=yes in
 *	the system-wide configuration, see libpmemflush(3)).
 * @PMEMFLUSH_HAZARD_VOLATILE: "volatile", a memory-only file system (tmpfs,
 *	ramfs, ...) or an nd_volatile region: nothing survives a reboot.
 * @PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED: "write-through-on-buffered",
 *	a block device of the path's stack on a buffered region whose
 *	queue/write_cache says "write through": the block layer drops flush
 *	requests, so fsync never reaches the host.
 * @PMEMFLUSH_HAZARD_SECTOR_ON_BUFFERED: "sector-on-buffered", a btt (sector
 *	mode) namespace on a buffered region: btt asks for the host flush while
 *	it holds a spinlock, which no virtio-pmem driver can honour (the in-tree
 *	driver sleeps there and its writer crashes; vpmem fails the write).
 *
 * Masks only ever gain bits; test them with &, walk them with
 * pmemflush_hazard_foreach().
 */
enum pmemflush_hazard {
	PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH = 1U << 0,
	PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED = 1U << 1,
	PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN = 1U << 2,
	PMEMFLUSH_HAZARD_VOLATILE = 1U << 3,
	PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED = 1U << 4,
	PMEMFLUSH_HAZARD_SECTOR_ON_BUFFERED = 1U << 5,
};

/** PMEMFLUSH_HAZARD_ALL - every hazard this version of the library knows. */
#define PMEMFLUSH_HAZARD_ALL 0x3fU

/** pmemflush_hazard_foreach() - walk the bits @h of the hazard mask @mask. */
#define pmemflush_hazard_foreach(mask, h)                              \
	for ((h) = 1U; (h) && (h) <= (unsigned int)(mask); (h) <<= 1)  \
		if ((unsigned int)(mask) & (h))

/**
 * pmemflush_hazard_name() - stable identifier of one hazard bit, e.g.
 * "devdax-no-host-flush"; NULL for an unknown or multi-bit value.
 */
const char *pmemflush_hazard_name(unsigned int hazard);

/** pmemflush_hazard_message() - one-line explanation of one hazard bit. */
const char *pmemflush_hazard_message(unsigned int hazard);

/**
 * pmemflush_hazard_is_warning() - 1 if the hazard does not by itself make a
 * path unsafe, 0 if it does, -EINVAL if unknown. Every hazard of this
 * version is unsafe (buffered-unknown was a warning before 0.2).
 */
int pmemflush_hazard_is_warning(unsigned int hazard);

/**
 * pmemflush_method_name() - "fence-only", "cpu-flush", "msync",
 * "host-flush" or "refused"; NULL if @method is out of range.
 */
const char *pmemflush_method_name(enum pmemflush_method method);

/* Names of the enums above, as vpmemctl prints them; NULL if out of range. */
const char *pmemflush_tristate_name(enum pmemflush_tristate v);	/* yes no unknown */
const char *pmemflush_region_kind_name(enum pmemflush_region_kind kind);
const char *pmemflush_driver_name(enum pmemflush_driver driver);	/* none other virtio_pmem vpmem */
const char *pmemflush_persistence_domain_name(enum pmemflush_persistence_domain pd);
const char *pmemflush_host_flush_name(enum pmemflush_host_flush hf);	/* none vpmem-flush deep-flush */
const char *pmemflush_ns_mode_name(enum pmemflush_ns_mode mode);

/**
 * pmemflush_discover() - take the snapshot of regions now, if not taken yet.
 *
 * Returns 0 (also on a machine with no nvdimm bus) or a negative errno when
 * the system libraries cannot be used, or when a fact a hazard depends on
 * cannot be read: the mount table (/proc/self/mountinfo, unreadable or with
 * a line libmount cannot parse) or the write_cache of a queue over a region
 * that may be buffered. A snapshot without them would show no hazard where
 * there may be one. pmemflush_errormsg() then says why.
 */
int pmemflush_discover(struct pmemflush_ctx *ctx);

/**
 * pmemflush_refresh() - drop the current snapshot of regions; the next
 * discovery call takes a new one. Every region, namespace and mount object
 * obtained before becomes invalid. Returns 0 or a negative errno.
 */
int pmemflush_refresh(struct pmemflush_ctx *ctx);

/** struct pmemflush_region - one nvdimm region (opaque, owned by the ctx). */
struct pmemflush_region;

/**
 * pmemflush_region_get_first() - first region of the machine, in bus then
 * region order, discovering them on first use. NULL when there is none or
 * discovery failed (the reason is logged and in pmemflush_errormsg()).
 */
struct pmemflush_region *pmemflush_region_get_first(struct pmemflush_ctx *ctx);
struct pmemflush_region *pmemflush_region_get_next(struct pmemflush_region *region);

#define pmemflush_region_foreach(ctx, region)                  \
	for ((region) = pmemflush_region_get_first(ctx); (region); \
	     (region) = pmemflush_region_get_next(region))

struct pmemflush_ctx *pmemflush_region_get_ctx(struct pmemflush_region *region);
/** pmemflush_region_get_devname() - e.g. "region0". */
const char *pmemflush_region_get_devname(struct pmemflush_region *region);
/** pmemflush_region_get_id() - N of regionN. */
unsigned int pmemflush_region_get_id(struct pmemflush_region *region);
/** pmemflush_region_get_bus_devname() - its nvdimm bus, e.g. "ndbus0". */
const char *pmemflush_region_get_bus_devname(struct pmemflush_region *region);
/** pmemflush_region_get_provider() - the bus provider, e.g. "virtio-pmem". */
const char *pmemflush_region_get_provider(struct pmemflush_region *region);
/** pmemflush_region_get_type() - "pmem" or "blk", as libndctl names it. */
const char *pmemflush_region_get_type(struct pmemflush_region *region);
unsigned long long pmemflush_region_get_size(struct pmemflush_region *region);
/** NUMA node and target node; -1 when unknown. */
int pmemflush_region_get_numa_node(struct pmemflush_region *region);
int pmemflush_region_get_target_node(struct pmemflush_region *region);
enum pmemflush_region_kind pmemflush_region_get_kind(struct pmemflush_region *region);
enum pmemflush_driver pmemflush_region_get_driver(struct pmemflush_region *region);
/**
 * pmemflush_region_get_driver_devname() - name of the driver bound to the
 * bus's parent device ("virtio_pmem", "vpmem", "nfit", ...), NULL if none.
 */
const char *pmemflush_region_get_driver_devname(struct pmemflush_region *region);
/**
 * pmemflush_region_get_buffered() - whether stores are durable only after a
 * host flush. Decided from, in order: the vpmem/buffered attribute of the
 * bus; a virtio parent device of type 0x001b; the provider "virtio-pmem";
 * a persistence domain of cpu_cache or memory_controller (not buffered),
 * unless CPUID says a hypervisor runs us (then the claim is the host's
 * configuration, not evidence). Otherwise PMEMFLUSH_UNKNOWN.
 */
enum pmemflush_tristate pmemflush_region_get_buffered(struct pmemflush_region *region);
/**
 * pmemflush_region_get_buffered_evidence() - the facts the decision used,
 * e.g. "provider=virtio-pmem,virtio=virtio1:0x001b"; comma-separated
 * key=value items, never NULL.
 */
const char *pmemflush_region_get_buffered_evidence(struct pmemflush_region *region);
enum pmemflush_persistence_domain
pmemflush_region_get_persistence_domain(struct pmemflush_region *region);
enum pmemflush_host_flush pmemflush_region_get_host_flush(struct pmemflush_region *region);
/**
 * pmemflush_region_get_host_flush_path() - sysfs file that triggers the
 * host flush (written "1"), NULL with PMEMFLUSH_HOST_FLUSH_NONE.
 */
const char *pmemflush_region_get_host_flush_path(struct pmemflush_region *region);
/**
 * pmemflush_region_get_hazards() - mask of enum pmemflush_hazard for the
 * region and everything in it (its namespaces and their mounts).
 */
unsigned int pmemflush_region_get_hazards(struct pmemflush_region *region);
/** pmemflush_region_is_enabled() - 1 if the region is enabled (ndctl's "state"). */
int pmemflush_region_is_enabled(struct pmemflush_region *region);
/**
 * pmemflush_region_get_vpmem_counter() - read one of the vpmem driver's
 * counters of the region's device, live: "flush_requests", "host_flushes",
 * "flush_errors", "flush_latency_total_ns", "flush_latency_max_ns",
 * "flush_errors_ack" (vpmem(4); root only, else -EACCES). Returns 0,
 * -ENOENT when the region is not driven by vpmem, -EINVAL for another
 * name, or the error of reading it.
 */
int pmemflush_region_get_vpmem_counter(struct pmemflush_region *region, const char *name,
				       unsigned long long *value);

/** struct pmemflush_namespace - an active namespace of a region (opaque). */
struct pmemflush_namespace;

struct pmemflush_namespace *pmemflush_namespace_get_first(struct pmemflush_region *region);
struct pmemflush_namespace *pmemflush_namespace_get_next(struct pmemflush_namespace *ns);

#define pmemflush_namespace_foreach(region, ns)                  \
	for ((ns) = pmemflush_namespace_get_first(region); (ns); \
	     (ns) = pmemflush_namespace_get_next(ns))

struct pmemflush_region *pmemflush_namespace_get_region(struct pmemflush_namespace *ns);
/** pmemflush_namespace_get_devname() - e.g. "namespace0.0". */
const char *pmemflush_namespace_get_devname(struct pmemflush_namespace *ns);
enum pmemflush_ns_mode pmemflush_namespace_get_mode(struct pmemflush_namespace *ns);
/** pmemflush_namespace_get_size() - usable size (after pfn/btt metadata). */
unsigned long long pmemflush_namespace_get_size(struct pmemflush_namespace *ns);
/** pmemflush_namespace_get_blockdev() - e.g. "pmem0", NULL for devdax. */
const char *pmemflush_namespace_get_blockdev(struct pmemflush_namespace *ns);
/** pmemflush_namespace_get_chardev() - e.g. "dax0.0", NULL unless devdax. */
const char *pmemflush_namespace_get_chardev(struct pmemflush_namespace *ns);
/** pmemflush_namespace_get_align() - devdax mapping alignment, else 0. */
unsigned long pmemflush_namespace_get_align(struct pmemflush_namespace *ns);
/**
 * pmemflush_namespace_get_uuid() - the uuid `ndctl list` shows for the
 * namespace (its pfn, dax or btt info block's, else its label's), e.g.
 * "b4b1b1d2-...", NULL when it has none (a raw io namespace).
 */
const char *pmemflush_namespace_get_uuid(struct pmemflush_namespace *ns);
/** pmemflush_namespace_get_name() - its label name (ndctl's "name"), or NULL. */
const char *pmemflush_namespace_get_name(struct pmemflush_namespace *ns);
/**
 * pmemflush_namespace_get_hazards() - mask of enum pmemflush_hazard for the
 * namespace, its mounts and its region.
 */
unsigned int pmemflush_namespace_get_hazards(struct pmemflush_namespace *ns);
/**
 * pmemflush_namespace_get_persist_method() - the method persist() would use
 * on the namespace's dax device (devdax) or on files of its mounts, assuming
 * MAP_SYNC behaves as the region's facts predict (pmemflush_path_check()
 * probes it for real).
 */
enum pmemflush_method pmemflush_namespace_get_persist_method(struct pmemflush_namespace *ns);

/**
 * struct pmemflush_mount - a mounted file system on a namespace's block
 * device, one of its partitions, or a device stacked on them (device
 * mapper, md: their holders in sysfs), read through libmount (opaque).
 */
struct pmemflush_mount;

struct pmemflush_mount *pmemflush_mount_get_first(struct pmemflush_namespace *ns);
struct pmemflush_mount *pmemflush_mount_get_next(struct pmemflush_mount *mnt);

#define pmemflush_mount_foreach(ns, mnt)                  \
	for ((mnt) = pmemflush_mount_get_first(ns); (mnt); \
	     (mnt) = pmemflush_mount_get_next(mnt))

struct pmemflush_namespace *pmemflush_mount_get_namespace(struct pmemflush_mount *mnt);
/** pmemflush_mount_get_source() - e.g. "/dev/pmem0p1". */
const char *pmemflush_mount_get_source(struct pmemflush_mount *mnt);
const char *pmemflush_mount_get_target(struct pmemflush_mount *mnt);
const char *pmemflush_mount_get_fstype(struct pmemflush_mount *mnt);
/** pmemflush_mount_get_options() - VFS and file system options, as mounted. */
const char *pmemflush_mount_get_options(struct pmemflush_mount *mnt);
/**
 * pmemflush_mount_is_dax() - 1 if DAX is in effect for the whole mount
 * ("dax" or "dax=always"), 0 otherwise (dax=inode decides per file).
 */
int pmemflush_mount_is_dax(struct pmemflush_mount *mnt);
/** pmemflush_mount_is_nobarrier() - 1 if mounted nobarrier / barrier=0. */
int pmemflush_mount_is_nobarrier(struct pmemflush_mount *mnt);
/**
 * pmemflush_mount_get_stack() - the block devices from the mounted one down
 * to the namespace's, as pmemflush_check_get_stack() writes them: "pmem0",
 * "pmem0p1 > pmem0", or "dm-0 > pmem0" for device mapper over the
 * namespace (LIBPMEMFLUSH_3).
 */
const char *pmemflush_mount_get_stack(struct pmemflush_mount *mnt);

/*
 * Path check.
 */

/** struct pmemflush_check - the answer about one path (opaque, refcounted). */
struct pmemflush_check;

/**
 * pmemflush_path_check() - how can data at @path be made durable?
 * @ctx: context
 * @path: a file, directory, block device or /dev/daxN.M
 * @result: where to store a new result object (one reference); NULL on error
 *
 * Takes a fresh snapshot of the machine's regions for this check alone (the
 * live device, not the context's first discovery), resolves @path to its
 * backing device (st_dev of files, st_rdev of devices) and down its block
 * device stack (partitions to their disk, device mapper and md through
 * their slaves/) to the pmem namespaces under it, asks statfs() whether
 * the file system is memory-only and statx() whether DAX is in effect,
 * probes mmap(MAP_SHARED_VALIDATE | MAP_SYNC) (read-only when the path is
 * not writable; never on device dax, which accepts MAP_SYNC on any
 * platform), reads the queues' write_cache and the mount's options, and
 * selects the persist method. A path on a disk that is not pmem is not an
 * error: the answer is "not pmem, msync". tmpfs and ramfs are "volatile".
 *
 * Returns 0, -ENOENT if @path does not exist, or another negative errno; a
 * message is then in pmemflush_errormsg().
 */
int pmemflush_path_check(struct pmemflush_ctx *ctx, const char *path,
			 struct pmemflush_check **result);
struct pmemflush_check *pmemflush_check_ref(struct pmemflush_check *check);
struct pmemflush_check *pmemflush_check_unref(struct pmemflush_check *check);

const char *pmemflush_check_get_path(struct pmemflush_check *check);
/** pmemflush_check_is_pmem() - 1 if the path is backed by an nvdimm namespace. */
int pmemflush_check_is_pmem(struct pmemflush_check *check);
/**
 * pmemflush_check_get_devname() - the backing device as sysfs names it,
 * e.g. "pmem0p1", "dm-0", "dax0.0", "sda1"; "MAJ:MIN" for a character
 * device sysfs does not know; NULL for file systems without a device
 * (tmpfs).
 */
const char *pmemflush_check_get_devname(struct pmemflush_check *check);
/**
 * Region and namespace (of the first pmem device under the path), from the
 * check's own snapshot: valid as long as @check is; NULL if not pmem.
 */
struct pmemflush_region *pmemflush_check_get_region(struct pmemflush_check *check);
struct pmemflush_namespace *pmemflush_check_get_namespace(struct pmemflush_check *check);
/** The mount holding the path (files), NULL for devices and unknown. */
struct pmemflush_mount *pmemflush_check_get_mount(struct pmemflush_check *check);
/** Mount point and file system type of the path; NULL for devices. */
const char *pmemflush_check_get_mount_target(struct pmemflush_check *check);
const char *pmemflush_check_get_fstype(struct pmemflush_check *check);
/**
 * pmemflush_check_get_dax() - DAX in effect: YES for devdax and for files
 * with STATX_ATTR_DAX (or on a dax mount when statx cannot tell).
 */
enum pmemflush_tristate pmemflush_check_get_dax(struct pmemflush_check *check);
/** pmemflush_check_get_buffered() - the region's; NO when not on pmem. */
enum pmemflush_tristate pmemflush_check_get_buffered(struct pmemflush_check *check);
/**
 * pmemflush_check_get_map_sync() - result of the MAP_SYNC probe: YES
 * accepted, NO refused, UNKNOWN not probed (directory, no permission).
 */
enum pmemflush_tristate pmemflush_check_get_map_sync(struct pmemflush_check *check);
/** pmemflush_check_get_map_sync_errno() - errno of a refused probe, else 0. */
int pmemflush_check_get_map_sync_errno(struct pmemflush_check *check);
enum pmemflush_method pmemflush_check_get_method(struct pmemflush_check *check);
/** pmemflush_check_get_hazards() - mask of enum pmemflush_hazard for the path. */
unsigned int pmemflush_check_get_hazards(struct pmemflush_check *check);
/**
 * pmemflush_check_is_durable() - 1 if a durable path exists for the calling
 * user: the method is neither "refused" nor "none" nor forced, no unsafe
 * hazard applies (buffered-unknown only with an explicit trust opt-in, see
 * pmemflush_check_is_platform_trusted()), and a host-flush method's
 * attribute is writable by this user.
 */
int pmemflush_check_is_durable(struct pmemflush_check *check);
/**
 * pmemflush_check_is_method_forced() - 1 if PMEMFLUSH_FORCE_METHOD (a test
 * knob) replaced the method the facts call for. A forced method is never
 * called durable.
 */
int pmemflush_check_is_method_forced(struct pmemflush_check *check);
/**
 * pmemflush_check_get_reason() - why the path is not durable: what could not
 * be made durable or verified and what would fix it (one line, naming the
 * mount, device or region), or NULL when it is durable.
 */
const char *pmemflush_check_get_reason(struct pmemflush_check *check);
/**
 * pmemflush_check_get_stack() - the block devices resolved under the path,
 * top first, e.g. "pmem0p1 > pmem0" or "dm-0 > pmem0, pmem1"; the device
 * dax name for device dax; "" for file systems without a device.
 */
const char *pmemflush_check_get_stack(struct pmemflush_check *check);
/**
 * pmemflush_check_is_platform_trusted() - 1 if the path's region is
 * buffered-unknown and was accepted only because of an explicit opt-in
 * (trust-unverified-platform=yes in the system configuration).
 */
int pmemflush_check_is_platform_trusted(struct pmemflush_check *check);

/*
 * Flush targets (since 0.2): what `vpmemctl flush` flushes.
 *
 * A target is named as a region ("region0", or its number "0"), a
 * namespace ("namespace0.0"), a bus ("ndbus0"), or a path (block device,
 * device dax, file or directory; anything else is a path, so a file named
 * "region0" in the current directory is "./region0"). Resolving it decides,
 * from a fresh snapshot of the machine and pmemflush_path_check(), the one
 * operation that makes what is stored there durable on the host, or says
 * why none exists:
 *
 *   region, namespace, bus, device dax
 *                 the region's host-flush path: the vpmem flush attribute,
 *                 or a writable deep_flush. A region without one (in-tree
 *                 virtio_pmem) is flushed through its namespaces' block
 *                 devices, when every namespace has one whose path check is
 *                 durable: fsync of a pmem block device sends REQ_PREFLUSH,
 *                 which the pmem driver turns into a flush of the whole
 *                 region. Device dax there has no path at all.
 *   block device  fsync() of the device node (path check must be durable:
 *                 no write-through queue, not volatile, verifiable region)
 *   file, dir     fsync() of it (and syncfs() with PMEMFLUSH_TARGET_SYNCFS);
 *                 the path check must be durable (no nobarrier mount, no
 *                 write-through queue, not tmpfs). A file that is not on
 *                 pmem is flushed too: fsync reaches its disk unless a
 *                 hazard says otherwise (nobarrier on any disk), and then
 *                 it is refused like any other (PMEMFLUSH_HOW_NONE).
 *
 * The device, file or directory is opened once, by resolve: the check is
 * made on that open file and the flush syncs that same file, whatever its
 * name names later. The target keeps it open until the last reference goes.
 *
 * A host flush makes every store to the device's memory durable (DAX
 * mappings, device dax, direct I/O); it does not write back page caches
 * (buffered writes to /dev/pmemN, files not in DAX mode): flush the block
 * device or the file for those.
 */

/** enum pmemflush_target_kind - how a target was named. */
enum pmemflush_target_kind {
	PMEMFLUSH_TARGET_PATH = 0,	/* anything else: a path */
	PMEMFLUSH_TARGET_REGION,	/* "region0" or "0" */
	PMEMFLUSH_TARGET_NAMESPACE,	/* "namespace0.0" */
	PMEMFLUSH_TARGET_BUS,		/* "ndbus0" */
};

/** enum pmemflush_flush_how - the operation a flush performs. */
enum pmemflush_flush_how {
	PMEMFLUSH_HOW_NONE = 0,		/* "none": no path reaches the host */
	PMEMFLUSH_HOW_VPMEM_FLUSH,	/* "vpmem-flush": "1" > ndbusN/vpmem/flush */
	PMEMFLUSH_HOW_DEEP_FLUSH,	/* "deep-flush": "1" > regionN/deep_flush */
	PMEMFLUSH_HOW_FSYNC_BLOCKDEV,	/* "fsync-blockdev": fsync of the block device */
	PMEMFLUSH_HOW_FSYNC,		/* "fsync": fsync of the file or directory */
	PMEMFLUSH_HOW_FSYNC_SYNCFS,	/* "fsync+syncfs": fsync, then syncfs */
};

/** Flags of pmemflush_target_resolve(). */
enum pmemflush_target_flags {
	/** Files and directories: also syncfs() their whole file system. */
	PMEMFLUSH_TARGET_SYNCFS = 1U << 0,
};

/** struct pmemflush_target - a resolved flush target (opaque, refcounted). */
struct pmemflush_target;

/**
 * pmemflush_target_classify() - the kind @name names, from its spelling
 * alone (no system access): "regionN" and a plain number N are regions,
 * "namespaceN.M" namespaces, "ndbusN" buses (N, M decimal), anything
 * else a path.
 */
enum pmemflush_target_kind pmemflush_target_classify(const char *name);
/** "path", "region", "namespace", "bus"; NULL if out of range. */
const char *pmemflush_target_kind_name(enum pmemflush_target_kind kind);
/** "none", "vpmem-flush", "deep-flush", "fsync-blockdev", "fsync", "fsync+syncfs". */
const char *pmemflush_flush_how_name(enum pmemflush_flush_how how);

/**
 * pmemflush_target_resolve() - decide how @name can be flushed.
 * @ctx: context (only used during this call)
 * @name: region, namespace, bus or path, as above
 * @flags: enum pmemflush_target_flags
 * @target: the new target (one reference); NULL on error
 *
 * A target with no path to the host is not an error: it resolves with the
 * method PMEMFLUSH_HOW_NONE and pmemflush_target_get_reason() says why.
 * Returns 0, -ENOENT (no such region, namespace, bus or path), -EACCES
 * (the path cannot be looked up, or the file, directory or block device
 * opened for reading, by this user), -EINVAL (empty name, or a
 * character device that is not device dax, a socket, a FIFO), or another
 * negative errno; pmemflush_errormsg() then says why.
 */
int pmemflush_target_resolve(struct pmemflush_ctx *ctx, const char *name, unsigned int flags,
			     struct pmemflush_target **target);
struct pmemflush_target *pmemflush_target_ref(struct pmemflush_target *target);
struct pmemflush_target *pmemflush_target_unref(struct pmemflush_target *target);

/** pmemflush_target_get_name() - the name as given. */
const char *pmemflush_target_get_name(struct pmemflush_target *target);
enum pmemflush_target_kind pmemflush_target_get_kind(struct pmemflush_target *target);
/**
 * pmemflush_target_get_devname() - what the flush acts on: the region
 * ("region0") for a host flush, the block device ("pmem0", "pmem0p1",
 * "dm-0") for fsync, comma-separated when there are several; NULL for a
 * path on no device (tmpfs).
 */
const char *pmemflush_target_get_devname(struct pmemflush_target *target);
enum pmemflush_flush_how pmemflush_target_get_how(struct pmemflush_target *target);
/**
 * pmemflush_target_get_flush_path() - the attribute written or the node
 * fsynced (the first, when there are several), NULL with PMEMFLUSH_HOW_NONE.
 */
const char *pmemflush_target_get_flush_path(struct pmemflush_target *target);
/**
 * pmemflush_target_get_reason() - why no path reaches the host, naming
 * the device, mount or queue and the fix; NULL when one does.
 */
const char *pmemflush_target_get_reason(struct pmemflush_target *target);

/**
 * pmemflush_target_flush() - perform the flush.
 * @target: a resolved target
 * @host_flushes: if not NULL, set to the number of host flushes the vpmem
 *	driver counted on the target's device during the call (its
 *	ndbusN/vpmem/host_flushes before and after: device-wide, so it may
 *	include flushes of other processes), or -1 when unknown (another
 *	driver, several devices, nothing done).
 *
 * Right before and right after each fsync, what could make the kernel drop
 * its flush is read again: the write_cache of every disk under a region
 * that may be buffered, and the mount's options. A "write through" queue or
 * a nobarrier remount since resolve fails the call with -EOPNOTSUPP (and
 * every later flush of this target: resolve again).
 *
 * Returns 0 only when every operation completed successfully and no
 * re-check saw a change, so that every store made to the target before the
 * call is durable on the host; -EOPNOTSUPP when no path exists, or no
 * longer (the reason is in pmemflush_errormsg()); -EACCES or -EPERM when
 * this user may not write the attribute; -EIO (or another negative errno)
 * when the flush failed. Every operation is run even after a failure; of
 * several failures the most severe is returned (-EIO and other errors over
 * -EACCES/-EPERM over -EOPNOTSUPP), with its message. Nothing is retried.
 */
int pmemflush_target_flush(struct pmemflush_target *target, long long *host_flushes);

/*
 * Mapping and persisting.
 *
 * A struct pmemflush_map is a shared mapping of a file, block device or
 * device dax together with the method that makes its stores durable,
 * chosen once, when the map is made, from the region facts and a MAP_SYNC
 * probe (the table is in libpmemflush(3)):
 *
 *   fence-only   synchronous pmem whose persistence domain is the CPU cache
 *   cpu-flush    synchronous pmem, MAP_SYNC accepted: CLWB / CLFLUSHOPT /
 *                CLFLUSH (cpuid; PMEMFLUSH_NO_CLWB, PMEMFLUSH_NO_CLFLUSHOPT
 *                narrow the choice) + SFENCE
 *   msync        buffered pmem (virtio-pmem fsdax), any file where MAP_SYNC
 *                is refused, anything not on pmem: msync(MS_SYNC)
 *   host-flush   device dax on buffered pmem with a host-flush path (the
 *                vpmem driver's flush attribute): CPU flush, then one host
 *                flush
 *   refused      device dax on buffered pmem without a host-flush path: the
 *                map fails with -EOPNOTSUPP
 *   none         as refused, but the caller passed PMEMFLUSH_MAP_NONDURABLE
 *
 * Group commit (msync and host-flush): concurrent persist calls on the same
 * map share flushes (the caller that starts a flush first waits, for half
 * a flush at most, for the callers the previous one served; a lone caller
 * never waits). A call returns 0 only if a flush that *began after the
 * call began* completed successfully *and* no failure was recorded on the
 * map between the call's entry and its return (an errseq-style failure
 * sequence sampled on entry: pmemflush_map_clear_error() by another thread
 * cannot turn such a failure into 0). The map then keeps returning the
 * error from every persist call until pmemflush_map_clear_error(): a lost
 * write cannot be forgotten by retrying. Nothing is retried into success
 * and nothing aborts. After a failure, every store made to the map before
 * it is suspect, not only the data of the calls that failed: a failed
 * write-back is reported once and the pages are then clean, so a later
 * flush succeeds without writing them again.
 *
 * Failures are device-wide: the host reports a failed write-back once, to
 * the flush that asked for it. With the vpmem driver the map samples the
 * device's count of failed host flushes (ndbusN/vpmem/flush_errors) when
 * it is made and reads it after every flush and at clear: when it rose, a
 * flush of another map, process or file on the same device failed, and
 * the map fails with -EIO (sticky) although its own flush succeeded. With
 * the in-tree virtio_pmem driver nothing can detect that: only the map
 * whose flush failed is told.
 *
 * Threads, cancellation and fork(): persist, drain and persist_ranges are
 * not cancellation points (cancellation is deferred while they wait or
 * flush, and acts at the caller's next cancellation point), so a cancelled
 * thread never leaves the map locked. In a child of fork() every map works:
 * a flush the parent had in flight is not waited for, and the sticky error
 * and failure sequence are kept (the child's clear is its own).
 *
 * Maps may be used by many threads at once (unlike the context). The
 * cpu-flush and fence-only paths make no system call, take no lock and
 * allocate nothing.
 */

/** struct pmemflush_map - a mapping and its persist method (opaque). */
struct pmemflush_map;

/** Flags of pmemflush_map_file() and pmemflush_map_fd(). */
enum pmemflush_map_flags {
	/** Create the file if it does not exist (mode 0600), sized to @len. */
	PMEMFLUSH_MAP_CREATE = 1U << 0,
	/** With CREATE: fail with -EEXIST if the file exists. */
	PMEMFLUSH_MAP_EXCL = 1U << 1,
	/**
	 * Accept memory that no method can make durable (device dax on
	 * virtio-pmem without vpmem, a nobarrier mount or write-through
	 * queue on a buffered region, tmpfs, a volatile region, an
	 * unverified platform): the method is then "none".
	 */
	PMEMFLUSH_MAP_NONDURABLE = 1U << 2,
	/**
	 * Trust a platform whose durability nothing in the guest can verify
	 * (hazard buffered-unknown: e.g. an ACPI NVDIMM under a hypervisor,
	 * whose claimed persistence domain is the host's configuration).
	 * Only for callers who know the host's setup; the system-wide
	 * equivalent is trust-unverified-platform=yes in /etc/pmemflush.conf.
	 */
	PMEMFLUSH_MAP_TRUST_PLATFORM = 1U << 3,
	/**
	 * Refuse the map (-EOPNOTSUPP, the message names the method, the
	 * granularity it gives and what was required) unless persist makes
	 * single cache lines durable: granularity cache-line or byte. For
	 * applications designed for cache-line persistence (as libpmem2's
	 * required store granularity): they fail at map time instead of
	 * silently getting page granularity (msync, host-flush, none).
	 */
	PMEMFLUSH_MAP_REQUIRE_CACHE_LINE = 1U << 4,
	/**
	 * Refuse unless the granularity is byte (fence-only: the CPU caches
	 * are in the persistence domain). With REQUIRE_CACHE_LINE: -EINVAL.
	 */
	PMEMFLUSH_MAP_REQUIRE_BYTE = 1U << 5,
};

/** enum pmemflush_granularity - the unit a persist method makes durable. */
enum pmemflush_granularity {
	PMEMFLUSH_GRANULARITY_BYTE = 0,		/* fence-only */
	PMEMFLUSH_GRANULARITY_CACHE_LINE,	/* cpu-flush */
	PMEMFLUSH_GRANULARITY_PAGE,		/* msync, host-flush, none */
};

/**
 * pmemflush_map_file() - map @path and choose its persist method.
 * @ctx: context (only used during this call)
 * @path: regular file, block device or device dax (/dev/daxN.M)
 * @len: bytes to map from offset 0; 0 maps the whole file. A file shorter
 *	than @len is extended with ftruncate(). Device dax is always mapped
 *	whole and @len must be 0 or its size.
 * @flags: enum pmemflush_map_flags
 * @map: the new map
 *
 * The facts are taken from the live device when the map is made (a fresh
 * discovery: a device created or renumbered after the context's first
 * discovery is seen as it is now).
 *
 * Returns 0, or -ENOENT (no such file without CREATE), -EEXIST (EXCL),
 * -EINVAL (bad length or flags), -EOPNOTSUPP (no durable method exists:
 * pmemflush_errormsg() says why, naming the mount, device or region, and
 * what to do; see pmemflush_check_get_reason(); also when the granularity
 * that PMEMFLUSH_MAP_REQUIRE_CACHE_LINE / PMEMFLUSH_MAP_REQUIRE_BYTE asked
 * for is not given: then a file this call created is removed), -EACCES
 * (the host-flush attribute is not writable by this user), or another
 * negative errno from open/mmap.
 */
int pmemflush_map_file(struct pmemflush_ctx *ctx, const char *path, size_t len,
		       unsigned int flags, struct pmemflush_map **map);

/**
 * pmemflush_map_fd() - map @len bytes of @fd from @offset.
 *
 * @fd must be open read-write. The map reopens the file through
 * /proc/self/fd, so it has an open file description of its own: the caller
 * may close @fd, and the caller's own fsync() cannot consume a write-back
 * error that the map's msync must see. Of the flags, only
 * PMEMFLUSH_MAP_NONDURABLE, PMEMFLUSH_MAP_TRUST_PLATFORM and the
 * PMEMFLUSH_MAP_REQUIRE_* flags apply. @offset
 * must be page aligned; a device dax is mapped whole (@offset 0, @len 0 or its size). @len 0 maps from @offset to the end. Errors as
 * for pmemflush_map_file().
 */
int pmemflush_map_fd(struct pmemflush_ctx *ctx, int fd, off_t offset, size_t len,
		     unsigned int flags, struct pmemflush_map **map);

/** pmemflush_unmap() - unmap and free @map (NULL is ignored). */
void pmemflush_unmap(struct pmemflush_map *map);

/** pmemflush_map_get_addr() - start of the mapping. */
void *pmemflush_map_get_addr(struct pmemflush_map *map);
/** pmemflush_map_get_length() - length of the mapping in bytes. */
size_t pmemflush_map_get_length(struct pmemflush_map *map);
/** pmemflush_map_get_method() - how persist() makes stores durable. */
enum pmemflush_method pmemflush_map_get_method(struct pmemflush_map *map);
/**
 * pmemflush_map_is_method_forced() - 1 if PMEMFLUSH_FORCE_METHOD (a test
 * knob, always announced on stderr) chose the method instead of the facts:
 * then persist() gives only what that method gives on this memory, which
 * may be nothing durable at all.
 */
int pmemflush_map_is_method_forced(struct pmemflush_map *map);
/** pmemflush_map_get_granularity() - what that method guarantees. */
enum pmemflush_granularity pmemflush_map_get_granularity(struct pmemflush_map *map);
/** pmemflush_granularity_name() - "byte", "cache-line" or "page". */
const char *pmemflush_granularity_name(enum pmemflush_granularity g);

/**
 * pmemflush_persist() - make @len bytes at @addr durable.
 *
 * @addr..@addr+@len must lie inside the map; otherwise (or on overflow)
 * -EINVAL and nothing is touched. @len 0 flushes nothing: it returns the
 * pending sticky error if there is one, else 0; on cpu-flush, fence-only
 * and none it still fences, so it drains this thread's earlier NODRAIN
 * copies as pmemflush_drain() does. Returns 0 once the bytes
 * are durable as the map's method defines, or a negative errno (-EIO from
 * the host or from another flush of the same device, the sticky error of
 * an earlier failure); pmemflush_errormsg() then describes that error.
 */
int pmemflush_persist(struct pmemflush_map *map, const void *addr, size_t len);

/**
 * pmemflush_flush() - first half of persist: write the CPU caches of the
 * range back (cpu-flush, host-flush); nothing for the other methods.
 * Range rules as pmemflush_persist().
 */
int pmemflush_flush(struct pmemflush_map *map, const void *addr, size_t len);

/**
 * pmemflush_drain() - second half: wait until everything flushed before by
 * this thread is durable (a fence; for msync and host-flush, one durability
 * point for the whole map, with group commit).
 *
 * On cpu-flush, fence-only and none the fence (SFENCE) orders only the
 * CALLING thread's stores and write-backs: a NODRAIN copy or a flush by
 * thread A followed by a drain in thread B does not make A's bytes durable;
 * A itself must drain (or persist). It has no range either: bytes copied
 * with NOFLUSH are not written back by a drain; persist their range.
 */
int pmemflush_drain(struct pmemflush_map *map);

/**
 * struct pmemflush_range - one range for pmemflush_persist_ranges().
 */
struct pmemflush_range {
	const void *addr;
	size_t len;
};

/**
 * pmemflush_persist_ranges() - make @n ranges durable with one durability
 * point (one fence, or one msync / host flush for the whole batch). Every
 * range is validated before anything is done: one bad range -> -EINVAL and
 * nothing touched.
 */
int pmemflush_persist_ranges(struct pmemflush_map *map, const struct pmemflush_range *ranges,
			     size_t n);

/** Flags of pmemflush_memcpy(), pmemflush_memmove() and pmemflush_memset(). */
enum pmemflush_mem_flags {
	/**
	 * Make no durability point: the caller calls pmemflush_drain() (or
	 * persist) before relying on the data; lets a batch of copies share
	 * one fence, msync or host flush. On cpu-flush, fence-only and none
	 * that drain must be made by the thread that copied (a fence orders
	 * only its own thread's stores).
	 */
	PMEMFLUSH_MEM_NODRAIN = 1U << 0,
	/** Hint: non-temporal stores (bypass the cache) at any size. */
	PMEMFLUSH_MEM_NONTEMPORAL = 1U << 1,
	/** Hint: ordinary stores, then cache write-back, at any size. */
	PMEMFLUSH_MEM_TEMPORAL = 1U << 2,
	/**
	 * Plain copy: no cache write-back, no durability point. A drain is
	 * not enough (it has no range to write back): persist the range.
	 */
	PMEMFLUSH_MEM_NOFLUSH = 1U << 3,
};

/**
 * pmemflush_memcpy() - copy @len bytes from @src to @dest and make them
 * durable.
 * @map: the map @dest lies in
 * @dest: start of the destination; @dest..@dest+@len must lie inside @map
 * @src: the source (anywhere; NULL only with @len 0)
 * @len: bytes to copy
 * @flags: enum pmemflush_mem_flags
 *
 * As a copy followed by pmemflush_persist() of @dest..@dest+@len, done
 * faster. On the cpu-flush, fence-only and none methods, sizes from 256
 * bytes on (from 64 where the write-back instruction evicts the line:
 * CLFLUSHOPT, CLFLUSH; any size with PMEMFLUSH_MEM_NONTEMPORAL) take
 * non-temporal stores (the unaligned head and tail too where both of
 * their ends are 4-byte aligned, else ordinary stores plus a write-back
 * for that part); smaller ones take ordinary
 * stores plus a write-back; then one store fence. No system call, no lock, no
 * allocation. On msync and host-flush the copy is ordinary and the
 * durability point is the map's (as persist: group commit, one for the
 * whole map). Overlapping ranges are copied as pmemflush_memmove() does.
 *
 * Returns 0 once the bytes are durable as the map's method defines (with
 * NODRAIN or NOFLUSH: once they are stored), or a negative errno: -EINVAL
 * (@map or @dest NULL, @src NULL with @len > 0, the destination not inside
 * the map or overflowing, an unknown flag, TEMPORAL and NONTEMPORAL
 * together; nothing is written), or the durability point's error (-EIO
 * from the host, the sticky error of an earlier failure: as persist).
 * On such an error the bytes may have been written but are not known to
 * be durable. @len 0 writes nothing and returns the pending sticky error
 * if there is one (unless NODRAIN or NOFLUSH), else 0.
 */
int pmemflush_memcpy(struct pmemflush_map *map, void *dest, const void *src, size_t len,
		     unsigned int flags);

/**
 * pmemflush_memmove() - as pmemflush_memcpy(), for ranges that may
 * overlap in either direction (also with non-temporal stores).
 */
int pmemflush_memmove(struct pmemflush_map *map, void *dest, const void *src, size_t len,
		      unsigned int flags);

/**
 * pmemflush_memset() - fill @len bytes at @dest with the byte @c and make
 * them durable; flags, stores and errors as pmemflush_memcpy().
 */
int pmemflush_memset(struct pmemflush_map *map, void *dest, int c, size_t len,
		     unsigned int flags);

/**
 * pmemflush_map_get_error() - the sticky error of @map (0 if none): the
 * first flush failure since the map was made or the error was cleared.
 */
int pmemflush_map_get_error(struct pmemflush_map *map);

/**
 * pmemflush_map_clear_error() - acknowledge the sticky error and return
 * it. Every store made to the map before the failure must be considered
 * lost, not only the data of the calls that failed: write it again and
 * persist it again. Calls in progress that overlapped the failure still
 * fail. With vpmem, a failure of the device not yet seen by a flush of
 * this map is acknowledged too (and then -EIO is returned).
 */
int pmemflush_map_clear_error(struct pmemflush_map *map);

/*
 * Asynchronous persist (LIBPMEMFLUSH_4): a writer that must not pay a host
 * round trip per record submits each range and keeps writing; a flusher
 * thread of the map makes the durability points, one for everything
 * submitted while the previous one ran. Tickets are numbered from 1 per
 * map, one per submit, and complete in order: 0 for ticket t means every
 * ticket <= t issued since the last failure (the newest ticket that
 * failed) is durable; tickets that failed stay failed.
 *
 * On msync and host-flush, the flusher is created at the first submit and
 * joined by pmemflush_unmap(), which first makes every ticket issued
 * durable (or failed): outstanding tickets are never abandoned, and no
 * ticket may be waited for after unmap. The flusher shares flushes with
 * synchronous persist callers (group commit) and every failure rule of
 * persist holds: a ticket completes with 0 only if a flush that began
 * after its submit succeeded and no failure was recorded on the map since
 * its submit (also one that pmemflush_map_clear_error() acknowledged
 * meanwhile). On a failure every ticket issued before it fails and never
 * completes with 0, also after the clear; tickets issued after the clear
 * (also while the failing flush still ran) are flushed again and work.
 * After a failed flush of the flusher, every ticket issued before it
 * reports that failure, also one whose wait already returned 0.
 *
 * On cpu-flush and fence-only, submit makes the range durable as persist
 * does and the ticket is complete at once. On none (a
 * PMEMFLUSH_MAP_NONDURABLE map) submit writes the CPU caches back and
 * fences, as persist does there, and the ticket is complete at once: that
 * is all it means, nothing survives a host crash. No thread is made.
 *
 * Threads and fork(): submit, wait and poll may be called from any thread.
 * pmemflush_persist_wait() is a cancellation point and leaves nothing
 * locked when cancelled; submit and poll never wait for a flush. A child
 * of fork() has no flusher: the child's first submit, or wait or poll of
 * a pending ticket, starts one of its own, which flushes the tickets that
 * were pending in the parent again (the mapping is shared; if the
 * parent's flush of them failed, see the man page). Results, errors and
 * the failure watermark are inherited.
 */

/**
 * pmemflush_persist_submit() - start making @len bytes at @addr durable
 * and return at once.
 * @map: the map; @addr..@addr+@len must lie inside it
 * @ticket: receives this submit's ticket
 *
 * Writes back the CPU caches of the range (as pmemflush_flush()) and
 * queues a durability point. In the common case (the flusher is busy) no
 * system call is made. Returns 0, or a negative errno: -EINVAL (NULL
 * argument, range outside the map), the pending sticky error (nothing
 * queued, *@ticket untouched), or the error of creating the flusher
 * thread (-EAGAIN: nothing queued).
 */
int pmemflush_persist_submit(struct pmemflush_map *map, const void *addr, size_t len,
			     uint64_t *ticket);

/**
 * pmemflush_persist_wait() - wait until @ticket completed.
 *
 * Returns 0: every range submitted with a ticket <= @ticket, since the
 * newest ticket that failed, is durable (a ticket that failed stays failed).
 * A negative errno means a flush that had to cover it failed (-EIO from
 * the host, -ENOMEM or another msync error); the error sticks as for
 * persist: every later wait, poll, submit and persist fails with the
 * pending sticky error until pmemflush_map_clear_error(), and a ticket
 * issued before the failure never completes with 0, even after the clear.
 * -EINVAL for a ticket never issued (0, or above the newest). Does not
 * spin; a cancellation point.
 */
int pmemflush_persist_wait(struct pmemflush_map *map, uint64_t ticket);

/**
 * pmemflush_persist_poll() - has @ticket completed?
 *
 * Returns 1 (completed: as pmemflush_persist_wait()'s 0), 0 (not yet), or
 * a negative errno as pmemflush_persist_wait(), also the pending sticky
 * error for a ticket not yet completed. Never blocks on a flush.
 */
int pmemflush_persist_poll(struct pmemflush_map *map, uint64_t ticket);

/*
 * Drivers: the kernel modules that can drive virtio-pmem, and the devices.
 *
 * Two modules match a virtio-pmem device (virtio device id 0x001b, modalias
 * virtio:d0000001Bv*): this project's vpmem, which gives user space (and
 * device dax) a host-flush path, and the in-tree virtio_pmem. The virtio bus
 * has no driver_override, so whichever module binds first keeps the device.
 *
 * pmemflush_drivers_new() takes one snapshot of both modules as libkmod sees
 * them (modules.dep and modules.builtin of the running kernel, the modprobe.d
 * configuration, /sys/module) and of every virtio-pmem device on the virtio
 * bus with the driver bound to it, its nvdimm bus and region (sysfs). The
 * module and device objects belong to the snapshot.
 */

/** struct pmemflush_drivers - a snapshot of modules and devices (opaque, refcounted). */
struct pmemflush_drivers;
/** struct pmemflush_module - one kernel module of a snapshot (opaque). */
struct pmemflush_module;
/** struct pmemflush_vdev - one virtio-pmem device of a snapshot (opaque). */
struct pmemflush_vdev;

/** enum pmemflush_module_state - the module's initstate in the running kernel. */
enum pmemflush_module_state {
	PMEMFLUSH_MODULE_NOT_LOADED = 0,	/* "not-loaded" */
	PMEMFLUSH_MODULE_LIVE,			/* "live" */
	PMEMFLUSH_MODULE_COMING,		/* "coming": being initialised */
	PMEMFLUSH_MODULE_GOING,			/* "going": being removed */
	PMEMFLUSH_MODULE_BUILTIN,		/* "builtin": part of the kernel image */
};

/**
 * enum pmemflush_driver_advice - what a device's driver situation calls for.
 * @PMEMFLUSH_ADVICE_NONE: "none", bound to vpmem.
 * @PMEMFLUSH_ADVICE_BIND_VPMEM: "bind-vpmem", bound to another driver while
 *	vpmem is loaded or installed: binding it gives devdax a host-flush path.
 * @PMEMFLUSH_ADVICE_VPMEM_BLACKLISTED: "vpmem-blacklisted", vpmem is
 *	installed but the modprobe configuration blacklists it.
 * @PMEMFLUSH_ADVICE_INSTALL_VPMEM: "install-vpmem", vpmem is neither loaded
 *	nor installed: devdax on the device has no host-flush path.
 * @PMEMFLUSH_ADVICE_UNBOUND: "unbound", no driver drives the device.
 */
enum pmemflush_driver_advice {
	PMEMFLUSH_ADVICE_NONE = 0,
	PMEMFLUSH_ADVICE_BIND_VPMEM,
	PMEMFLUSH_ADVICE_VPMEM_BLACKLISTED,
	PMEMFLUSH_ADVICE_INSTALL_VPMEM,
	PMEMFLUSH_ADVICE_UNBOUND,
};

/** pmemflush_module_state_name() - the names above; NULL if out of range. */
const char *pmemflush_module_state_name(enum pmemflush_module_state state);
/** pmemflush_driver_advice_name() - the names above; NULL if out of range. */
const char *pmemflush_driver_advice_name(enum pmemflush_driver_advice advice);

/**
 * pmemflush_drivers_new() - take a snapshot of the vpmem and virtio_pmem
 * modules and of every virtio-pmem device.
 * @ctx: context (a reference is kept by the snapshot)
 * @drivers: the new snapshot (one reference); NULL on error
 *
 * A kernel without modules.dep (a machine whose /lib/modules does not match
 * the running kernel) is not an error: its modules are "not available".
 * Returns 0, or -ENOMEM, -EINVAL, or another negative errno when libkmod
 * cannot be used (pmemflush_errormsg() says why).
 */
int pmemflush_drivers_new(struct pmemflush_ctx *ctx, struct pmemflush_drivers **drivers);
struct pmemflush_drivers *pmemflush_drivers_ref(struct pmemflush_drivers *drivers);
struct pmemflush_drivers *pmemflush_drivers_unref(struct pmemflush_drivers *drivers);

/** The modules of the snapshot: vpmem, then virtio_pmem. */
struct pmemflush_module *pmemflush_module_get_first(struct pmemflush_drivers *drivers);
struct pmemflush_module *pmemflush_module_get_next(struct pmemflush_module *module);

#define pmemflush_module_foreach(drivers, module)                  \
	for ((module) = pmemflush_module_get_first(drivers); (module); \
	     (module) = pmemflush_module_get_next(module))

/** pmemflush_drivers_get_module() - the module named @name, NULL if not in the snapshot. */
struct pmemflush_module *pmemflush_drivers_get_module(struct pmemflush_drivers *drivers,
						      const char *name);
/** pmemflush_module_get_name() - "vpmem" or "virtio_pmem". */
const char *pmemflush_module_get_name(struct pmemflush_module *module);
/**
 * pmemflush_module_is_available() - 1 if modprobe (libkmod) can load it: it
 * is in modules.dep of the running kernel, or built in. A module loaded with
 * insmod from elsewhere is loaded but not available.
 */
int pmemflush_module_is_available(struct pmemflush_module *module);
enum pmemflush_module_state pmemflush_module_get_state(struct pmemflush_module *module);
/**
 * pmemflush_module_get_version() - the loaded module's version
 * (/sys/module/NAME/version), else the installed file's (modinfo); NULL
 * when neither says one (in-tree modules have none).
 */
const char *pmemflush_module_get_version(struct pmemflush_module *module);
/** pmemflush_module_get_path() - the installed .ko file, NULL if not available. */
const char *pmemflush_module_get_path(struct pmemflush_module *module);
/** pmemflush_module_get_refcount() - references to the loaded module; -1 if not loaded. */
int pmemflush_module_get_refcount(struct pmemflush_module *module);
/** Modules that hold this one (its holders/ in sysfs), by index. */
unsigned int pmemflush_module_get_holder_count(struct pmemflush_module *module);
const char *pmemflush_module_get_holder(struct pmemflush_module *module, unsigned int index);
/** pmemflush_module_is_blacklisted() - 1 if a "blacklist NAME" line of modprobe.d names it. */
int pmemflush_module_is_blacklisted(struct pmemflush_module *module);
/** pmemflush_module_get_options() - its "options" from modprobe.d, NULL if none. */
const char *pmemflush_module_get_options(struct pmemflush_module *module);
/**
 * pmemflush_module_matches_device() - 1 if libkmod resolves a virtio-pmem
 * device's modalias to this module (the module that udev would load for it).
 */
int pmemflush_module_matches_device(struct pmemflush_module *module);

/** The virtio-pmem devices of the snapshot, in virtio index order. */
struct pmemflush_vdev *pmemflush_vdev_get_first(struct pmemflush_drivers *drivers);
struct pmemflush_vdev *pmemflush_vdev_get_next(struct pmemflush_vdev *vdev);

#define pmemflush_vdev_foreach(drivers, vdev)                  \
	for ((vdev) = pmemflush_vdev_get_first(drivers); (vdev); \
	     (vdev) = pmemflush_vdev_get_next(vdev))

/** pmemflush_drivers_get_vdev() - the device named @devname ("virtio0"), or NULL. */
struct pmemflush_vdev *pmemflush_drivers_get_vdev(struct pmemflush_drivers *drivers,
						  const char *devname);
/**
 * pmemflush_drivers_get_vdev_by_bus() - the device whose nvdimm bus is
 * @bus_devname ("ndbus0", see pmemflush_region_get_bus_devname()), or NULL.
 */
struct pmemflush_vdev *pmemflush_drivers_get_vdev_by_bus(struct pmemflush_drivers *drivers,
							 const char *bus_devname);
/** pmemflush_vdev_get_devname() - e.g. "virtio0". */
const char *pmemflush_vdev_get_devname(struct pmemflush_vdev *vdev);
/** pmemflush_vdev_get_modalias() - e.g. "virtio:d0000001Bv00001AF4". */
const char *pmemflush_vdev_get_modalias(struct pmemflush_vdev *vdev);
/** pmemflush_vdev_get_driver_name() - the bound driver's name, NULL if unbound. */
const char *pmemflush_vdev_get_driver_name(struct pmemflush_vdev *vdev);
enum pmemflush_driver pmemflush_vdev_get_driver(struct pmemflush_vdev *vdev);
/** Its nvdimm bus and region ("ndbus0", "region0"); NULL while unbound. */
const char *pmemflush_vdev_get_bus_devname(struct pmemflush_vdev *vdev);
const char *pmemflush_vdev_get_region_devname(struct pmemflush_vdev *vdev);
/**
 * pmemflush_vdev_get_evidence() - the driver facts of the device, as
 * comma-separated key=value items, e.g.
 * "bound=virtio_pmem,vpmem=live,vpmem_available=no,vpmem_blacklisted=no".
 */
const char *pmemflush_vdev_get_evidence(struct pmemflush_vdev *vdev);
enum pmemflush_driver_advice pmemflush_vdev_get_advice(struct pmemflush_vdev *vdev);
/**
 * pmemflush_vdev_get_advice_message() - one line saying what to do and why,
 * e.g. "vpmem available but not bound: `vpmemctl driver bind vpmem virtio0`
 * gives devdax a host-flush path"; NULL with PMEMFLUSH_ADVICE_NONE.
 */
const char *pmemflush_vdev_get_advice_message(struct pmemflush_vdev *vdev);

/**
 * pmemflush_module_load() - load module @name as modprobe would: with its
 * dependencies and soft dependencies, the "options" of the modprobe.d
 * configuration, and the blacklist applied (libkmod's
 * KMOD_PROBE_APPLY_BLACKLIST). A module already loaded is not an error.
 *
 * Returns 0, -ENOENT (not in modules.dep of the running kernel),
 * -ECANCELED (blacklisted by the modprobe configuration), -EPERM (not
 * permitted: needs CAP_SYS_MODULE), or another negative errno from the
 * kernel; pmemflush_errormsg() then says why.
 */
int pmemflush_module_load(struct pmemflush_ctx *ctx, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* PMEMFLUSH_H */
