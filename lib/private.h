/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal declarations of libpmemflush; nothing here is ABI. */
#ifndef PMEMFLUSH_PRIVATE_H
#define PMEMFLUSH_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>

#include <pmemflush.h>

#include "facts.h"

/* Older libc headers lack the MAP_SYNC flags (values from the kernel ABI). */
#include <sys/mman.h>
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#define PMEMFLUSH_EXPORT __attribute__((visibility("default")))

struct udev;

struct pmemflush_ctx {
	int refcount;
	int log_priority;
	pmemflush_log_fn log_fn;
	void *log_data;
	void *userdata;

	/* The system-wide configuration (config.c), read by pmemflush_new(). */
	struct pf_config config;
	/* CPUID's hypervisor bit: firmware claims are not evidence then. */
	bool hypervisor;

	/* Created on first discovery, freed with the context. */
	struct udev *udev;

	/*
	 * The context's snapshot of the machine's regions (discovered when
	 * true), for the region iterators. Path checks and maps take their
	 * own, fresh one (struct pmemflush_check).
	 */
	bool discovered;
	struct pmemflush_region *regions;
};

struct pmemflush_mount {
	struct pmemflush_namespace *ns;
	struct pmemflush_mount *next;
	char *source;
	char *target;
	char *fstype;
	char *options;
	unsigned long devno;	/* dev_t of the mounted block device */
	char *stack;		/* "dm-0 > pmem0": the mounted device down to the namespace's */
	struct pf_mount_facts facts;
};

struct pmemflush_namespace {
	struct pmemflush_region *region;
	struct pmemflush_namespace *next;
	char *devname;
	char *seed_devname;	/* its pfn, btt or dax device ("pfn0.1"), NULL if raw */
	char uuid[37];		/* as ndctl list shows it; "" when none */
	char *name;		/* label name (alt_name), NULL when none */
	char *blockdev;		/* "pmem0", NULL for devdax */
	char *chardev;		/* "dax0.0", devdax only */
	enum pmemflush_ns_mode mode;
	unsigned long long size;
	unsigned long align;
	unsigned int hazards;	/* own + mounts + region */
	enum pmemflush_method method;
	/*
	 * The first disk of the namespace's stack (its own, device mapper or md
	 * over it) whose queue says "write through", NULL when none does.
	 */
	char *write_through_dev;
	/* Mounts of its block device, its partitions and their holders. */
	struct pmemflush_mount *mounts;
};

struct pmemflush_region {
	struct pmemflush_ctx *ctx;
	struct pmemflush_region *next;
	unsigned int id;
	char *devname;
	char *bus_devname;
	char *provider;
	char *type;
	char *driver_devname;
	char *evidence;
	char *host_flush_path;
	unsigned long long size;
	int numa_node;
	int target_node;
	struct pf_region_facts facts;
	unsigned int hazards;	/* own + namespaces' */
	bool enabled;
	struct pmemflush_namespace *namespaces;
};

/* Disks and regions of one path's stack a map watches; more are not watched. */
#define PF_STACK_MAX 8

/* Result of pmemflush_path_check() (path.c). */
struct pmemflush_check {
	int refcount;
	struct pmemflush_ctx *ctx;
	/* Discovered for this check alone: the facts of the live device. */
	struct pmemflush_region *regions;
	char *path;
	char *devname;
	char *stack;		/* "dm-0 > pmem0", the block devices resolved */
	char *mount_target;
	char *fstype;
	char *host_flush_path;	/* under the device's own bus in sysfs */
	char *reason;		/* why the method is refused, or NULL */
	struct pmemflush_region *region;
	struct pmemflush_namespace *ns;
	struct pmemflush_mount *mount;
	enum pmemflush_tristate dax;
	enum pmemflush_tristate map_sync;
	int map_sync_errno;
	enum pmemflush_method method;
	int method_forced;	/* PMEMFLUSH_FORCE_METHOD was applied */
	struct pf_region_facts facts;	/* of every pmem device under the path, combined */
	/* What a map keeps watching after it is made (watch.c). */
	char disks[PF_STACK_MAX][32];	/* whole disks of the stack (write_cache) */
	int n_disks;
	const struct pmemflush_region *leaves[PF_STACK_MAX];	/* distinct pmem regions */
	int n_leaves;
	uint64_t mnt_id;		/* the file's mount (statx), valid if mnt_id_valid */
	unsigned long mnt_devno;	/* that mount's device number (mountinfo) */
	bool mnt_id_valid;
	unsigned long file_dev;		/* st_dev of the file itself (0: unknown) */
	long file_fs_magic;		/* its file system's statfs f_type */
	bool trusted;		/* an unverified platform was trusted by opt-in */
	bool host_flush_writable; /* the caller may write host_flush_path */
	unsigned int hazards;
};

/*
 * path.c: the path check of an open descriptor (@fd >= 0; its MAP_SYNC
 * probe uses @fd) or of @path alone (@fd = -1). @trust: the caller opted
 * in to trusting an unverified platform (PMEMFLUSH_MAP_TRUST_PLATFORM).
 */
int pf_check_fd(struct pmemflush_ctx *ctx, const char *path, int fd, bool trust,
		struct pmemflush_check **result);

/* config.c: read the system-wide configuration into ctx->config. */
void pf_config_load(struct pmemflush_ctx *ctx);

void pmemflush_log(struct pmemflush_ctx *ctx, int priority, const char *file,
		   int line, const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

/* Sets the thread-local message for pmemflush_errormsg(). */
void pf_error_set(const char *format, ...) __attribute__((format(printf, 1, 2)));
/*
 * pf_error() - set the message, evaluate to @rc (a negative errno). A
 * macro, not a function in ctx.c, so that the static analysers, which see
 * one file at a time, know that "return pf_error(-E..., ...)" returns a
 * negative value: they otherwise follow impossible paths on which the
 * caller goes on with outputs that were never written.
 */
#define pf_error(rc, ...)                         \
	({                                        \
		int pf_error_rc_ = (rc);          \
		pf_error_set(__VA_ARGS__);        \
		pf_error_rc_;                     \
	})
void pf_error_clear(void);

/*
 * region.c: discovery. pf_discover() fills the context's snapshot once;
 * pf_snapshot() takes a fresh one (new libndctl/libdaxctl handles, so
 * nothing cached is reused) into @regions, 0 or -errno.
 */
int pf_discover(struct pmemflush_ctx *ctx);
int pf_snapshot(struct pmemflush_ctx *ctx, struct pmemflush_region **regions);
void pf_regions_free(struct pmemflush_region *regions);

/* namespace.c */
struct ndctl_region;
int pf_namespaces_discover(struct pmemflush_region *region, struct ndctl_region *ndr);
void pf_namespaces_free(struct pmemflush_namespace *ns);
/* Finish a namespace after its mounts are known: hazards and method. */
void pf_namespace_finish(struct pmemflush_namespace *ns);
/*
 * path.c: 1 if /sys/block/@disk/queue/write_cache says "write through", 0
 * if it says "write back" or the disk is gone, -errno if it cannot be read.
 */
int pf_queue_write_through(const char *disk);
/* mounts.c */
struct libmnt_table;
/* The mount table, or -errno when it cannot be read or parsed whole. */
int pf_mounts_load(struct pmemflush_ctx *ctx, struct libmnt_table **table);
/* The same, from an open mountinfo stream (@name in messages): the parse alone. */
int pf_mounts_parse(FILE *f, const char *name, struct libmnt_table **table);
/*
 * The namespace's block device stack (partitions, then device mapper, md,
 * ... through holders/): its mounts and write-through queues. 0 or -errno.
 */
int pf_mounts_discover(struct pmemflush_namespace *ns, struct libmnt_table *table);
void pf_mount_parse_options(const char *options, struct pf_mount_facts *facts);
void pf_mounts_free(struct pmemflush_mount *m);
/* watch.c: ext4's /proc/fs/ext4/DEV/options text: 1 nobarrier, 0 barrier, -1 neither. */
int pf_sbopts_nobarrier(const char *buf);
/* path.c: the method named @name (pmemflush_method_name()), or -EINVAL. */
int pf_method_from_name(const char *name);

/*
 * The level check happens before the arguments are evaluated, so disabled
 * debug messages cost one comparison.
 */
#define pf_log_cond(ctx, prio, ...)                                        \
	do {                                                               \
		if (pmemflush_get_log_priority(ctx) >= (prio))             \
			pmemflush_log(ctx, prio, __FILE__, __LINE__,       \
				      __func__, __VA_ARGS__);              \
	} while (0)

#define dbg(ctx, ...) pf_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...) pf_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define warn(ctx, ...) pf_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define err(ctx, ...) pf_log_cond(ctx, LOG_ERR, __VA_ARGS__)

#endif
