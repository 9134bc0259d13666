// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl metrics: the machine's facts as Prometheus samples. Strings go
 * into "_info" gauges (value 1) to be joined on; everything an alert needs is
 * a number: a 0/1 series for every known hazard and every driver advice, so
 * that a rule can match "== 1" instead of a label that may be absent. Labels
 * name only bounded things: regions, namespaces, devices, mount points of
 * pmem (bounded at a moment, not over time under Kubernetes: --mounts=none
 * turns them off), modules; no label whose value changes with state. A fact that cannot be read is never rendered as 0: its
 * series is left out and its "_success" gauge says 0 (metrics-*.c in
 * vpmemctl-metrics(1)).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cleanup.h"
#include "config.h"
#include "metrics.h"
#include "eprint.h"

enum {
	M_TIMESTAMP,
	M_BUILD_INFO,
	M_DISCOVERY_SUCCESS,
	M_DRIVER_FACTS_SUCCESS,
	M_MODULE_INFO,
	M_MODULE_LOADED,
	M_MODULE_AVAILABLE,
	M_MODULE_BLACKLISTED,
	M_DEVICE_INFO,
	M_DEVICE_ADVICE,
	M_REGION_INFO,
	M_REGION_ENABLED,
	M_REGION_BUFFERED,
	M_REGION_HOST_FLUSH,
	M_REGION_SIZE,
	M_REGION_HAZARD,
	M_REGION_NAMESPACES,
	M_NS_INFO,
	M_NS_SIZE,
	M_COUNTERS_SUCCESS,
	M_FLUSH_REQUESTS,
	M_HOST_FLUSHES,
	M_FLUSH_ERRORS,
	M_FLUSH_ERRORS_ACK_SUCCESS,
	M_FLUSH_ERRORS_UNACK,
	M_LATENCY_TOTAL,
	M_LATENCY_MAX,
	M_MOUNT_INFO,
	M_MOUNT_DAX,
	M_MOUNT_CHECK_SUCCESS,
	M_MOUNT_DURABLE,
	M_MOUNT_DURABLE_TRUSTED,
	M_MOUNT_HAZARD,
	M__COUNT
};

/* The names are an interface (alerts use them): add, never rename. */
const struct prom_family metrics_families[] = {
	[M_TIMESTAMP] = { "vpmem_metrics_timestamp_seconds", PROM_GAUGE,
		"Unix time at which vpmemctl metrics collected these samples (the last successful write of the file)." },
	[M_BUILD_INFO] = { "vpmem_build_info", PROM_GAUGE,
		"Versions of vpmemctl and libpmemflush that wrote these metrics; always 1." },
	[M_DISCOVERY_SUCCESS] = { "vpmem_discovery_success", PROM_GAUGE,
		"1 if the nvdimm regions could be enumerated, 0 if not (then no region, namespace or mount series)." },
	[M_DRIVER_FACTS_SUCCESS] = { "vpmem_driver_facts_success", PROM_GAUGE,
		"1 if the kernel module and virtio-pmem device facts could be read (libkmod, sysfs), 0 if not (then no module or device series)." },
	[M_MODULE_INFO] = { "vpmem_module_info", PROM_GAUGE,
		"A kernel module that can drive virtio-pmem (vpmem, virtio_pmem): its version; always 1 (vpmem_module_loaded says whether it is live)." },
	[M_MODULE_LOADED] = { "vpmem_module_loaded", PROM_GAUGE,
		"1 if the module is live in the running kernel or built into it, else 0." },
	[M_MODULE_AVAILABLE] = { "vpmem_module_available", PROM_GAUGE,
		"1 if modprobe can load the module (in modules.dep of the running kernel, or built in), else 0." },
	[M_MODULE_BLACKLISTED] = { "vpmem_module_blacklisted", PROM_GAUGE,
		"1 if a blacklist line of the modprobe configuration names the module, else 0." },
	[M_DEVICE_INFO] = { "vpmem_device_info", PROM_GAUGE,
		"A virtio-pmem device, the driver bound to it and its region (empty when unbound); always 1." },
	[M_DEVICE_ADVICE] = { "vpmem_device_driver_advice", PROM_GAUGE,
		"1 for the driver advice that applies to the virtio-pmem device, 0 for the others (none: bound to vpmem)." },
	[M_REGION_INFO] = { "vpmem_region_info", PROM_GAUGE,
		"An nvdimm region: its bus, provider, kind, driver, persistence domain and host-flush method; always 1." },
	[M_REGION_ENABLED] = { "vpmem_region_enabled", PROM_GAUGE,
		"1 if the region is enabled, else 0." },
	[M_REGION_BUFFERED] = { "vpmem_region_buffered", PROM_GAUGE,
		"1 if stores to the region are durable only after a host flush (virtio-pmem), 0 if not; absent when unknown (hazard buffered-unknown)." },
	[M_REGION_HOST_FLUSH] = { "vpmem_region_host_flush_available", PROM_GAUGE,
		"1 if user space can ask the host to flush the region (vpmem flush attribute or deep_flush), else 0." },
	[M_REGION_SIZE] = { "vpmem_region_size_bytes", PROM_GAUGE,
		"Size of the region in bytes." },
	[M_REGION_HAZARD] = { "vpmem_region_hazard", PROM_GAUGE,
		"1 if the hazard applies to the region or anything in it (namespaces, their mounts), 0 if not; every known hazard is listed." },
	[M_REGION_NAMESPACES] = { "vpmem_region_namespaces", PROM_GAUGE,
		"Number of active namespaces of the region in each mode." },
	[M_NS_INFO] = { "vpmem_namespace_info", PROM_GAUGE,
		"An active namespace: its region, mode, device and the persist method libpmemflush would use; always 1." },
	[M_NS_SIZE] = { "vpmem_namespace_size_bytes", PROM_GAUGE,
		"Usable size of the namespace in bytes." },
	[M_COUNTERS_SUCCESS] = { "vpmem_counters_success", PROM_GAUGE,
		"For a region driven by vpmem: 1 if its counters could be read, 0 if not (then its counter series are absent)." },
	[M_FLUSH_REQUESTS] = { "vpmem_flush_requests_total", PROM_COUNTER,
		"Flushes asked of the vpmem driver, from any path (fsync, journal, libnvdimm, the flush attribute)." },
	[M_HOST_FLUSHES] = { "vpmem_host_flushes_total", PROM_COUNTER,
		"Flush requests the vpmem driver sent to the host." },
	[M_FLUSH_ERRORS] = { "vpmem_flush_errors_total", PROM_COUNTER,
		"Failed flushes of the device since it was bound (host error, broken device, injected)." },
	[M_FLUSH_ERRORS_ACK_SUCCESS] = { "vpmem_flush_errors_ack_success", PROM_GAUGE,
		"For a region driven by vpmem: 1 if flush_errors_ack could be read (it is root's only), 0 if not (then vpmem_flush_errors_unacknowledged is absent)." },
	[M_FLUSH_ERRORS_UNACK] = { "vpmem_flush_errors_unacknowledged", PROM_GAUGE,
		"Flush errors root has not acknowledged (flush_errors - flush_errors_ack); while above 0 vpmem refuses every flush of the device." },
	[M_LATENCY_TOTAL] = { "vpmem_host_flush_latency_seconds_total", PROM_COUNTER,
		"Sum of the times from sending a host flush to its answer, over all answered host flushes." },
	[M_LATENCY_MAX] = { "vpmem_host_flush_latency_max_seconds", PROM_GAUGE,
		"Longest time from sending a host flush to its answer since the device was bound." },
	[M_MOUNT_INFO] = { "vpmem_mount_info", PROM_GAUGE,
		"A file system mounted on a pmem block device: device, type, namespace and region; always 1." },
	[M_MOUNT_DAX] = { "vpmem_mount_dax", PROM_GAUGE,
		"1 if DAX is in effect for the whole mount, else 0." },
	[M_MOUNT_CHECK_SUCCESS] = { "vpmem_mount_check_success", PROM_GAUGE,
		"1 if libpmemflush's path check of the mount point succeeded, 0 if not (then its durable and hazard series are absent)." },
	[M_MOUNT_DURABLE] = { "vpmem_mount_durable", PROM_GAUGE,
		"1 if files of the mount can be made durable on the host as far as the guest can verify (path check of the mount point, for the user running vpmemctl, without any trust opt-in), else 0." },
	[M_MOUNT_DURABLE_TRUSTED] = { "vpmem_mount_durable_trusted", PROM_GAUGE,
		"1 if the path check calls the mount durable with the configured trust (trust-unverified-platform of /etc/pmemflush.conf), else 0; differs from vpmem_mount_durable only where that trust is configured and needed." },
	[M_MOUNT_HAZARD] = { "vpmem_mount_hazard", PROM_GAUGE,
		"1 if the hazard applies to the mount point (path check), 0 if not; every known hazard is listed." },
};
const size_t metrics_nfamilies = ARRAY_SIZE(metrics_families);

_Static_assert(ARRAY_SIZE(metrics_families) == M__COUNT, "a family without its name");

static const char *str(const char *s)
{
	return s ? s : "";
}

/* Tell why a fact is missing; permission is counted apart (exit status 4). */
static void failed(struct metrics_status *st, int err, const char *what, const char *detail)
{
	vp_line(stderr, "vpmemctl metrics: %s: %s\n", what, detail && *detail ? detail : strerror(err));
	st->failures++;
	if (err == EACCES || err == EPERM)
		st->denied++;
}

static void add_hazards(struct prom *p, unsigned int family, const char *key, const char *id,
			unsigned int mask)
{
	unsigned int h;

	for (h = 1; h & PMEMFLUSH_HAZARD_ALL; h <<= 1)
		prom_add_u64(p, family, (mask & h) ? 1 : 0, key, id, "hazard",
			     pmemflush_hazard_name(h), NULL);
}

static void collect_drivers(struct pmemflush_ctx *ctx, struct prom *p, struct metrics_status *st,
			    struct pmemflush_drivers **out)
{
	struct pmemflush_drivers *d = NULL;
	struct pmemflush_module *m;
	struct pmemflush_vdev *v;
	int rc = pmemflush_drivers_new(ctx, &d);

	*out = NULL;
	prom_add_u64(p, M_DRIVER_FACTS_SUCCESS, rc < 0 ? 0 : 1, NULL);
	if (rc < 0) {
		failed(st, -rc, "no module or device facts", pmemflush_errormsg());
		return;
	}
	pmemflush_module_foreach(d, m) {
		const char *name = pmemflush_module_get_name(m);
		enum pmemflush_module_state s = pmemflush_module_get_state(m);

		/* No state label: a label that changes makes a new series. */
		prom_add(p, M_MODULE_INFO, "1", "module", name, "version",
			 str(pmemflush_module_get_version(m)), NULL);
		prom_add_u64(p, M_MODULE_LOADED,
			     s == PMEMFLUSH_MODULE_LIVE || s == PMEMFLUSH_MODULE_BUILTIN, "module",
			     name, NULL);
		prom_add_u64(p, M_MODULE_AVAILABLE, pmemflush_module_is_available(m) == 1,
			     "module", name, NULL);
		prom_add_u64(p, M_MODULE_BLACKLISTED, pmemflush_module_is_blacklisted(m) == 1,
			     "module", name, NULL);
	}
	pmemflush_vdev_foreach(d, v) {
		const char *dev = pmemflush_vdev_get_devname(v);
		enum pmemflush_driver_advice a, cur = pmemflush_vdev_get_advice(v);

		prom_add(p, M_DEVICE_INFO, "1", "device", dev, "driver",
			 str(pmemflush_vdev_get_driver_name(v)), "region",
			 str(pmemflush_vdev_get_region_devname(v)), NULL);
		for (a = PMEMFLUSH_ADVICE_NONE; pmemflush_driver_advice_name(a); a++)
			prom_add_u64(p, M_DEVICE_ADVICE, a == cur, "device", dev, "advice",
				     pmemflush_driver_advice_name(a), NULL);
	}
	*out = d;
}

static void collect_counters(struct pmemflush_region *r, struct prom *p,
			     struct metrics_status *st)
{
	static const char *const names[] = { "flush_requests", "host_flushes", "flush_errors",
					     "flush_latency_total_ns", "flush_latency_max_ns" };
	const char *region = pmemflush_region_get_devname(r);
	unsigned long long v[ARRAY_SIZE(names)], ack;
	char secs[48];
	size_t i;
	int rc;

	/* Only vpmem has counters; another driver's region has none to miss. */
	if (pmemflush_region_get_driver(r) != PMEMFLUSH_DRIVER_VPMEM)
		return;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		rc = pmemflush_region_get_vpmem_counter(r, names[i], &v[i]);
		if (rc < 0) {
			char what[96];

			snprintf(what, sizeof(what), "%s: vpmem counter %s", region, names[i]);
			failed(st, -rc, what, NULL);
			prom_add_u64(p, M_COUNTERS_SUCCESS, 0, "region", region, NULL);
			return;
		}
	}
	prom_add_u64(p, M_COUNTERS_SUCCESS, 1, "region", region, NULL);
	prom_add_u64(p, M_FLUSH_REQUESTS, v[0], "region", region, NULL);
	prom_add_u64(p, M_HOST_FLUSHES, v[1], "region", region, NULL);
	prom_add_u64(p, M_FLUSH_ERRORS, v[2], "region", region, NULL);
	prom_ns_to_seconds(secs, sizeof(secs), v[3]);
	prom_add(p, M_LATENCY_TOTAL, secs, "region", region, NULL);
	prom_ns_to_seconds(secs, sizeof(secs), v[4]);
	prom_add(p, M_LATENCY_MAX, secs, "region", region, NULL);

	/*
	 * vpmem refuses every flush while an error is not acknowledged, yet
	 * the other counters look healthy. flush_errors_ack is 0600: another
	 * user cannot read it, which is said, not rendered as 0.
	 */
	rc = pmemflush_region_get_vpmem_counter(r, "flush_errors_ack", &ack);
	prom_add_u64(p, M_FLUSH_ERRORS_ACK_SUCCESS, rc < 0 ? 0 : 1, "region", region, NULL);
	if (rc < 0) {
		char what[96];

		snprintf(what, sizeof(what), "%s: vpmem counter flush_errors_ack", region);
		failed(st, -rc, what, NULL);
		return;
	}
	prom_add_u64(p, M_FLUSH_ERRORS_UNACK, v[2] > ack ? v[2] - ack : 0, "region", region, NULL);
}

/*
 * Is this entry the mount visible at its mount point? One over-mounted by
 * another file system is not, and a path check of the mount point would
 * judge the one on top. Where it cannot be told, the check decides (and a
 * mount point this user cannot reach fails it).
 */
static bool mount_visible(struct pmemflush_mount *m)
{
	const char *src = pmemflush_mount_get_source(m);
	struct stat t, s;

	if (!src || stat(src, &s) < 0 || !S_ISBLK(s.st_mode) ||
	    stat(pmemflush_mount_get_target(m), &t) < 0)
		return true;
	return t.st_dev == s.st_rdev;
}

/* One mount of a pmem block device: what it is, and its path check. */
static void collect_mount(struct pmemflush_ctx *ctx, struct pmemflush_mount *m,
			  struct prom *p, struct metrics_status *st)
{
	struct pmemflush_namespace *ns = pmemflush_mount_get_namespace(m);
	const char *target = pmemflush_mount_get_target(m);
	struct pmemflush_check *c = NULL;
	bool durable, verified;
	int rc;

	/* The same mount point under two namespaces (over-mounted): once. */
	if (prom_add(p, M_MOUNT_INFO, "1", "mountpoint", target, "device",
		     str(pmemflush_mount_get_source(m)), "fstype",
		     str(pmemflush_mount_get_fstype(m)), "namespace",
		     pmemflush_namespace_get_devname(ns), "region",
		     pmemflush_region_get_devname(pmemflush_namespace_get_region(ns)),
		     NULL) == -EEXIST)
		return;
	/*
	 * Hidden under another mount: only its info series. The gauges keyed
	 * by mount point describe what is visible there; the hidden mount's
	 * hazards still count in its region's vpmem_region_hazard.
	 */
	if (!mount_visible(m))
		return;
	prom_add_u64(p, M_MOUNT_DAX, pmemflush_mount_is_dax(m) == 1, "mountpoint", target, NULL);
	rc = pmemflush_path_check(ctx, target, &c);
	prom_add_u64(p, M_MOUNT_CHECK_SUCCESS, rc < 0 ? 0 : 1, "mountpoint", target, NULL);
	if (rc < 0) {
		char what[PATH_MAX + 32];

		snprintf(what, sizeof(what), "cannot check mount point %s", target);
		failed(st, -rc, what, pmemflush_errormsg());
		return;
	}
	/*
	 * The check follows pmemflush.conf's trust-unverified-platform; the
	 * verified verdict is the same without a trusted hazard (the NFD
	 * labels likewise ignore the trust). Both are given: an alert on
	 * durability wants the first, a capacity view may want the second.
	 */
	durable = pmemflush_check_is_durable(c) == 1;
	verified = durable && pmemflush_check_is_platform_trusted(c) != 1 &&
		   !(pmemflush_check_get_hazards(c) & PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN);
	prom_add_u64(p, M_MOUNT_DURABLE, verified, "mountpoint", target, NULL);
	prom_add_u64(p, M_MOUNT_DURABLE_TRUSTED, durable, "mountpoint", target, NULL);
	add_hazards(p, M_MOUNT_HAZARD, "mountpoint", target, pmemflush_check_get_hazards(c));
	pmemflush_check_unref(c);
}

static void collect_region(struct pmemflush_ctx *ctx, struct pmemflush_region *r,
			   struct prom *p, struct metrics_status *st, bool mounts)
{
	const char *region = pmemflush_region_get_devname(r);
	unsigned int count[PMEMFLUSH_NS_MODE_DEVDAX + 1] = { 0 };
	enum pmemflush_tristate buffered = pmemflush_region_get_buffered(r);
	struct pmemflush_namespace *ns;
	struct pmemflush_mount *m;
	unsigned int mode;

	prom_add(p, M_REGION_INFO, "1", "region", region, "bus",
		 str(pmemflush_region_get_bus_devname(r)), "provider",
		 str(pmemflush_region_get_provider(r)), "kind",
		 pmemflush_region_kind_name(pmemflush_region_get_kind(r)), "driver",
		 str(pmemflush_region_get_driver_devname(r)), "persistence_domain",
		 pmemflush_persistence_domain_name(pmemflush_region_get_persistence_domain(r)),
		 "host_flush", pmemflush_host_flush_name(pmemflush_region_get_host_flush(r)),
		 NULL);
	prom_add_u64(p, M_REGION_ENABLED, pmemflush_region_is_enabled(r) == 1, "region", region,
		     NULL);
	/* Unknown is not "no": absent, and the hazard buffered-unknown is 1. */
	if (buffered != PMEMFLUSH_UNKNOWN)
		prom_add_u64(p, M_REGION_BUFFERED, buffered == PMEMFLUSH_YES, "region", region,
			     NULL);
	prom_add_u64(p, M_REGION_HOST_FLUSH,
		     pmemflush_region_get_host_flush(r) != PMEMFLUSH_HOST_FLUSH_NONE, "region",
		     region, NULL);
	prom_add_u64(p, M_REGION_SIZE, pmemflush_region_get_size(r), "region", region, NULL);
	add_hazards(p, M_REGION_HAZARD, "region", region, pmemflush_region_get_hazards(r));

	pmemflush_namespace_foreach(r, ns) {
		enum pmemflush_ns_mode nm = pmemflush_namespace_get_mode(ns);
		const char *dev = pmemflush_namespace_get_blockdev(ns);

		if (nm <= PMEMFLUSH_NS_MODE_DEVDAX)
			count[nm]++;
		if (!dev)
			dev = pmemflush_namespace_get_chardev(ns);
		prom_add(p, M_NS_INFO, "1", "namespace", pmemflush_namespace_get_devname(ns),
			 "region", region, "mode", pmemflush_ns_mode_name(nm), "device", str(dev),
			 "persist_method",
			 pmemflush_method_name(pmemflush_namespace_get_persist_method(ns)), NULL);
		prom_add_u64(p, M_NS_SIZE, pmemflush_namespace_get_size(ns), "namespace",
			     pmemflush_namespace_get_devname(ns), NULL);
	}
	for (mode = 0; mode <= PMEMFLUSH_NS_MODE_DEVDAX; mode++)
		prom_add_u64(p, M_REGION_NAMESPACES, count[mode], "region", region, "mode",
			     pmemflush_ns_mode_name(mode), NULL);
	collect_counters(r, p, st);
	/*
	 * Per-mount series are labelled by mount point, which under
	 * Kubernetes (/var/lib/kubelet/pods/UID/...) is new for every pod: a
	 * fleet may turn them off. The region's hazard series above include
	 * its mounts' hazards either way.
	 */
	if (!mounts)
		return;
	pmemflush_namespace_foreach(r, ns)
		pmemflush_mount_foreach(ns, m)
			collect_mount(ctx, m, p, st);
}

int metrics_collect(struct pmemflush_ctx *ctx, struct prom *p, struct metrics_status *st,
		    bool mounts)
{
	struct pmemflush_drivers *drivers;
	struct pmemflush_region *r;
	struct timespec now;
	char ts[48];
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(ts, sizeof(ts), "%lld.%03ld", (long long)now.tv_sec, now.tv_nsec / 1000000);
	prom_add(p, M_TIMESTAMP, ts, NULL);
	prom_add(p, M_BUILD_INFO, "1", "version", PACKAGE_VERSION, "library_version",
		 pmemflush_version(), NULL);

	collect_drivers(ctx, p, st, &drivers);
	pmemflush_drivers_unref(drivers);

	rc = pmemflush_discover(ctx);
	prom_add_u64(p, M_DISCOVERY_SUCCESS, rc < 0 ? 0 : 1, NULL);
	if (rc < 0)
		failed(st, -rc, "cannot enumerate the nvdimm regions", pmemflush_errormsg());
	else
		pmemflush_region_foreach(ctx, r)
			collect_region(ctx, r, p, st, mounts);
	return p->err;
}
