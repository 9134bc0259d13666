// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Region discovery through libndctl, plus the sysfs facts libndctl does not
 * model: the bus's parent device and its driver, vpmem/ attributes,
 * deep_flush. Decisions are made by the pure functions of facts.h.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmount/libmount.h>
#include <libudev.h>
#include <ndctl/libndctl.h>

#include "cleanup.h"
#include "private.h"
#include "sysfs.h"

#define ND_DEVICES "/sys/bus/nd/devices"

static void ndctl_log_bridge(struct ndctl_ctx *nctx, int priority, const char *file,
			     int line, const char *fn, const char *format, va_list args)
{
	struct pmemflush_ctx *ctx = ndctl_get_userdata(nctx);

	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
}

/*
 * A new libndctl handle for one snapshot. libndctl (and the libdaxctl
 * context inside it) caches what it enumerated, so a snapshot that must show
 * the live machine starts from a fresh one; the udev handle caches nothing
 * and is kept in the context.
 */
static int handle_new(struct pmemflush_ctx *ctx, struct ndctl_ctx **ndctl)
{
	int rc;

	if (!ctx->udev) {
		ctx->udev = udev_new();
		if (!ctx->udev) {
			err(ctx, "udev_new failed\n");
			return pf_error(-ENOMEM, "cannot create udev handle");
		}
	}
	rc = ndctl_new(ndctl);
	if (rc < 0) {
		*ndctl = NULL;
		err(ctx, "ndctl_new: %s\n", strerror(-rc));
		return pf_error(rc, "cannot create libndctl context: %s", strerror(-rc));
	}
	ndctl_set_userdata(*ndctl, ctx);
	ndctl_set_log_fn(*ndctl, ndctl_log_bridge);
	ndctl_set_log_priority(*ndctl, ctx->log_priority);
	return 0;
}

static enum pmemflush_persistence_domain map_pd(enum ndctl_persistence_domain pd)
{
	switch (pd) {
	case PERSISTENCE_NONE:
		return PMEMFLUSH_PD_NONE;
	case PERSISTENCE_MEM_CTRL:
		return PMEMFLUSH_PD_MEMORY_CONTROLLER;
	case PERSISTENCE_CPU_CACHE:
		return PMEMFLUSH_PD_CPU_CACHE;
	case PERSISTENCE_UNKNOWN:
	default:
		return PMEMFLUSH_PD_UNKNOWN;
	}
}

static char *strdup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

/* Facts about the bus's parent device: driver, virtio identity. */
static void read_bus_parent(struct pmemflush_region *r, struct pf_buffered_input *in,
			    char *virtio_name, size_t name_len, char *virtio_dev, size_t dev_len)
{
	char path[PATH_MAX], real[PATH_MAX], attr[PATH_MAX + 32], buf[64] = "";
	const char *parent;

	snprintf(path, sizeof(path), ND_DEVICES "/%s", r->bus_devname);
	if (!realpath(path, real)) {
		dbg(r->ctx, "%s: cannot resolve %s\n", r->devname, path);
		return;
	}
	parent = dirname(real);

	snprintf(attr, sizeof(attr), "%s/driver", parent);
	if (util_readlink_base(attr, buf, sizeof(buf)) == 0)
		r->driver_devname = strdup(buf);
	r->facts.driver = pf_driver_from_name(buf[0] ? buf : NULL);

	snprintf(attr, sizeof(attr), "%s/subsystem", parent);
	if (util_readlink_base(attr, buf, sizeof(buf)) < 0 || strcmp(buf, "virtio") != 0)
		return;
	snprintf(virtio_name, name_len, "%s", strrchr(parent, '/') + 1);
	in->virtio_name = virtio_name;
	snprintf(attr, sizeof(attr), "%s/device", parent);
	if (util_sysfs_read(attr, virtio_dev, dev_len) >= 0)
		in->virtio_device = virtio_dev;
}

/* 0, or -ENOMEM. */
static int read_host_flush(struct pmemflush_region *r)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), ND_DEVICES "/%s/vpmem/flush", r->bus_devname);
	if (access(path, F_OK) == 0) {
		r->facts.host_flush = PMEMFLUSH_HOST_FLUSH_VPMEM;
		r->host_flush_path = strdup(path);
		return r->host_flush_path ? 0 : -ENOMEM;
	}
	/* deep_flush is hidden when the region cannot flush (virtio-pmem). */
	snprintf(path, sizeof(path), ND_DEVICES "/%s/deep_flush", r->devname);
	if (stat(path, &st) == 0 && (st.st_mode & S_IWUSR)) {
		r->facts.host_flush = PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH;
		r->host_flush_path = strdup(path);
		return r->host_flush_path ? 0 : -ENOMEM;
	}
	return 0;
}

/* nd_volatile regions are RAM, whatever else is said about them. */
static bool region_is_volatile(struct pmemflush_region *r)
{
	struct udev_device *dev;
	const char *devtype;
	bool v = false;

	dev = udev_device_new_from_subsystem_sysname(r->ctx->udev, "nd", r->devname);
	if (!dev)
		return false;
	devtype = udev_device_get_devtype(dev);
	v = devtype && strcmp(devtype, "nd_volatile") == 0;
	udev_device_unref(dev);
	return v;
}

/* A copy of @s (NULL or "" give NULL); false only when out of memory. */
static bool dup_attr(const char *s, char **out)
{
	*out = strdup_or_null(s);
	return *out || !s || !*s;
}

static struct pmemflush_region *region_new(struct pmemflush_ctx *ctx, struct ndctl_bus *bus,
					   struct ndctl_region *ndr)
{
	struct pf_buffered_input in = { .vpmem_buffered = -1, .hypervisor = ctx->hypervisor };
	char virtio_name[64], virtio_dev[32], evidence[512], path[PATH_MAX], buf[32];
	struct pmemflush_region *r;
	size_t used;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->ctx = ctx;
	r->id = ndctl_region_get_id(ndr);
	if (!dup_attr(ndctl_region_get_devname(ndr), &r->devname) || !r->devname ||
	    !dup_attr(ndctl_bus_get_devname(bus), &r->bus_devname) || !r->bus_devname ||
	    !dup_attr(ndctl_bus_get_provider(bus), &r->provider) ||
	    !dup_attr(ndctl_region_get_type_name(ndr), &r->type)) {
		pf_regions_free(r);
		return NULL;
	}
	r->size = ndctl_region_get_size(ndr);
	r->enabled = ndctl_region_is_enabled(ndr);
	r->numa_node = ndctl_region_get_numa_node(ndr);
	r->target_node = ndctl_region_get_target_node(ndr);
	r->facts.kind = pf_kind_from_provider(r->provider);
	r->facts.persistence_domain = map_pd(ndctl_region_get_persistence_domain(ndr));

	in.provider = r->provider;
	in.persistence_domain = r->facts.persistence_domain;
	read_bus_parent(r, &in, virtio_name, sizeof(virtio_name), virtio_dev, sizeof(virtio_dev));
	snprintf(path, sizeof(path), ND_DEVICES "/%s/vpmem/buffered", r->bus_devname);
	if (util_sysfs_read(path, buf, sizeof(buf)) > 0)
		in.vpmem_buffered = strcmp(buf, "0") != 0;
	r->facts.buffered = pf_decide_buffered(&in, evidence, sizeof(evidence));
	r->facts.volatile_region = region_is_volatile(r);
	used = strlen(evidence);
	if (r->facts.volatile_region && used < sizeof(evidence))
		snprintf(evidence + used, sizeof(evidence) - used, ",devtype=nd_volatile");
	r->evidence = strdup(evidence);
	if (!r->evidence || (r->driver_devname == NULL && r->facts.driver != PMEMFLUSH_DRIVER_NONE) ||
	    read_host_flush(r) < 0) {
		pf_regions_free(r);
		return NULL;
	}
	r->hazards = pf_hazards_region(&r->facts);
	dbg(ctx, "%s: provider %s driver %s buffered %s (%s)\n", r->devname,
	    r->provider ? r->provider : "-", r->driver_devname ? r->driver_devname : "-",
	    pmemflush_tristate_name(r->facts.buffered), evidence);
	return r;
}

void pf_regions_free(struct pmemflush_region *regions)
{
	struct pmemflush_region *r, *next;

	for (r = regions; r; r = next) {
		next = r->next;
		pf_namespaces_free(r->namespaces);
		free(r->devname);
		free(r->bus_devname);
		free(r->provider);
		free(r->type);
		free(r->driver_devname);
		free(r->evidence);
		free(r->host_flush_path);
		free(r);
	}
}

int pf_snapshot(struct pmemflush_ctx *ctx, struct pmemflush_region **regions)
{
	struct pmemflush_region *head = NULL, **tail = &head;
	struct libmnt_table *table = NULL;
	struct ndctl_ctx *ndctl;
	struct ndctl_region *ndr;
	struct ndctl_bus *bus;
	int rc;

	*regions = NULL;
	rc = handle_new(ctx, &ndctl);
	if (rc < 0)
		return rc;
	rc = pf_mounts_load(ctx, &table);
	if (rc < 0)
		goto out;

	ndctl_bus_foreach(ndctl, bus) {
		ndctl_region_foreach(bus, ndr) {
			struct pmemflush_region *r = region_new(ctx, bus, ndr);
			struct pmemflush_namespace *ns;

			if (!r) {
				rc = pf_error(-ENOMEM, "out of memory discovering regions");
				goto out;
			}
			*tail = r;
			tail = &r->next;
			rc = pf_namespaces_discover(r, ndr);
			if (rc < 0)
				goto out;
			for (ns = r->namespaces; ns; ns = ns->next) {
				rc = pf_mounts_discover(ns, table);
				if (rc < 0)
					goto out;
				pf_namespace_finish(ns);
				r->hazards |= ns->hazards;
			}
		}
	}
	*regions = TAKE_PTR(head);
	rc = 0;
out:
	pf_regions_free(head);
	mnt_unref_table(table);
	ndctl_unref(ndctl);
	return rc;
}

int pf_discover(struct pmemflush_ctx *ctx)
{
	int rc;

	if (ctx->discovered)
		return 0;
	rc = pf_snapshot(ctx, &ctx->regions);
	if (rc < 0)
		return rc;
	ctx->discovered = true;
	return 0;
}

PMEMFLUSH_EXPORT int pmemflush_discover(struct pmemflush_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	return pf_discover(ctx);
}

PMEMFLUSH_EXPORT int pmemflush_refresh(struct pmemflush_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	pf_regions_free(ctx->regions);
	ctx->regions = NULL;
	ctx->discovered = false;
	return 0;
}

PMEMFLUSH_EXPORT struct pmemflush_region *pmemflush_region_get_first(struct pmemflush_ctx *ctx)
{
	if (!ctx)
		return NULL;
	if (pf_discover(ctx) < 0)
		return NULL;
	return ctx->regions;
}

PMEMFLUSH_EXPORT struct pmemflush_region *
pmemflush_region_get_next(struct pmemflush_region *region)
{
	return region ? region->next : NULL;
}

#define REGION_GETTER(type, name, expr, dflt)                                         \
	PMEMFLUSH_EXPORT type pmemflush_region_get_##name(struct pmemflush_region *region) \
	{                                                                             \
		return region ? (expr) : (dflt);                                      \
	}

REGION_GETTER(struct pmemflush_ctx *, ctx, region->ctx, NULL)
REGION_GETTER(const char *, devname, region->devname, NULL)
REGION_GETTER(unsigned int, id, region->id, 0)
REGION_GETTER(const char *, bus_devname, region->bus_devname, NULL)
REGION_GETTER(const char *, provider, region->provider, NULL)
REGION_GETTER(const char *, type, region->type, NULL)
REGION_GETTER(unsigned long long, size, region->size, 0)
REGION_GETTER(int, numa_node, region->numa_node, -1)
REGION_GETTER(int, target_node, region->target_node, -1)
REGION_GETTER(enum pmemflush_region_kind, kind, region->facts.kind, PMEMFLUSH_KIND_OTHER)
REGION_GETTER(enum pmemflush_driver, driver, region->facts.driver, PMEMFLUSH_DRIVER_NONE)
REGION_GETTER(const char *, driver_devname, region->driver_devname, NULL)
REGION_GETTER(enum pmemflush_tristate, buffered, region->facts.buffered, PMEMFLUSH_UNKNOWN)
REGION_GETTER(const char *, buffered_evidence, region->evidence ? region->evidence : "", "")
REGION_GETTER(enum pmemflush_persistence_domain, persistence_domain,
	      region->facts.persistence_domain, PMEMFLUSH_PD_UNKNOWN)
REGION_GETTER(enum pmemflush_host_flush, host_flush, region->facts.host_flush,
	      PMEMFLUSH_HOST_FLUSH_NONE)
REGION_GETTER(const char *, host_flush_path, region->host_flush_path, NULL)
REGION_GETTER(unsigned int, hazards, region->hazards, 0)

PMEMFLUSH_EXPORT int pmemflush_region_is_enabled(struct pmemflush_region *region)
{
	return region ? region->enabled : 0;
}

PMEMFLUSH_EXPORT int pmemflush_region_get_vpmem_counter(struct pmemflush_region *region,
							const char *name,
							unsigned long long *value)
{
	static const char *const names[] = { "flush_requests", "host_flushes", "flush_errors",
					     "flush_latency_total_ns", "flush_latency_max_ns",
					     "flush_errors_ack" };
	char path[PATH_MAX], buf[32];
	size_t i;
	int rc;

	if (!region || !name || !value)
		return pf_error(-EINVAL, "invalid argument");
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			break;
	if (i == ARRAY_SIZE(names))
		return pf_error(-EINVAL, "%s: not a vpmem counter", name);
	if (region->facts.driver != PMEMFLUSH_DRIVER_VPMEM)
		return pf_error(-ENOENT, "%s: not driven by vpmem", region->devname);
	snprintf(path, sizeof(path), ND_DEVICES "/%s/vpmem/%s", region->bus_devname, name);
	rc = util_sysfs_read(path, buf, sizeof(buf));
	if (rc < 0)
		return pf_error(rc, "cannot read %s: %s", path, strerror(-rc));
	if (util_parse_u64(buf, value) < 0)
		return pf_error(-EIO, "%s: unexpected content '%s'", path, buf);
	return 0;
}
