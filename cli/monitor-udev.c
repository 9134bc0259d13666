// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl monitor: device events from libudev. nvdimm buses, regions,
 * namespaces and their btt/pfn/dax personalities (subsystem "nd"), dax
 * devices ("dax"), virtio-pmem devices ("virtio", device id 0x001b) and the
 * pmem block devices ("block", pmemN and its partitions): appearing,
 * changing driver, changing, going away.
 *
 * The events come from systemd-udevd ("udev" netlink group: after udev's
 * rules ran, so device nodes exist) or, where no udevd runs (containers,
 * small guests, early boot), straight from the kernel ("kernel" group).
 */
#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <pmemflush.h>

#include "cleanup.h"
#include "json.h"
#include "monitor.h"
#include "eprint.h"

/* The most devices one read handles at once; the rest wait for the next read. */
#define BATCH 64

static const char *const subsystems[] = { "nd", "dax", "virtio", "block" };

int mon_udev_open(struct monitor *m)
{
	size_t i;
	int rc;

	switch (m->source) {
	case MON_SOURCE_UDEV:
		m->source_name = "udev";
		break;
	case MON_SOURCE_KERNEL:
		m->source_name = "kernel";
		break;
	default:
		/* udevd's control socket: the test libudev itself uses. */
		m->source_name = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
		break;
	}
	/* udev's group is silent without udevd: say so rather than watch nothing. */
	if (m->source == MON_SOURCE_UDEV && access("/run/udev/control", F_OK) != 0)
		vp_line(stderr, "vpmemctl monitor: warning: no systemd-udevd seems to run (no /run/udev/control): "
				"no device events will arrive until it does; --source kernel takes the kernel's\n");
	m->udev = udev_new();
	if (!m->udev)
		return -ENOMEM;
	m->umon = udev_monitor_new_from_netlink(m->udev, m->source_name);
	if (!m->umon) {
		rc = errno ? -errno : -ENOMEM;
		vp_line(stderr, "vpmemctl monitor: cannot listen to %s events: %s\n",
			m->source_name, strerror(-rc));
		return rc;
	}
	for (i = 0; i < ARRAY_SIZE(subsystems); i++) {
		rc = udev_monitor_filter_add_match_subsystem_devtype(m->umon, subsystems[i], NULL);
		if (rc < 0)
			return rc;
	}
	/* A hot-plug burst is dozens of events; a larger buffer loses none (best effort). */
	udev_monitor_set_receive_buffer_size(m->umon, 4 * 1024 * 1024);
	rc = udev_monitor_enable_receiving(m->umon);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl monitor: cannot listen to %s events: %s\n",
			m->source_name, strerror(-rc));
		return rc;
	}
	return 0;
}

int mon_udev_fd(struct monitor *m)
{
	return m->umon ? udev_monitor_get_fd(m->umon) : -1;
}

void mon_udev_close(struct monitor *m)
{
	m->umon = udev_monitor_unref(m->umon);
	m->udev = udev_unref(m->udev);
}

/* What a device is, in the words of `vpmemctl list`; NULL: not pmem related. */
static const char *device_kind(struct udev_device *dev)
{
	const char *subsys = udev_device_get_subsystem(dev);
	const char *devtype = udev_device_get_devtype(dev);
	const char *sysname = udev_device_get_sysname(dev);
	const char *modalias, *s;

	if (!subsys || !sysname)
		return NULL;
	if (strcmp(subsys, "nd") == 0) {
		/* Buses and their control devices (class nd) have no devtype. */
		if (!devtype)
			return strncmp(sysname, "ndbus", 5) == 0 ? "bus" : "ndctl";
		if (strcmp(devtype, "nd_pmem") == 0 || strcmp(devtype, "nd_volatile") == 0 ||
		    strcmp(devtype, "nd_blk") == 0)
			return "region";
		if (strncmp(devtype, "nd_namespace_", 13) == 0)
			return "namespace";
		if (strcmp(devtype, "nd_btt") == 0)
			return "btt";
		if (strcmp(devtype, "nd_pfn") == 0)
			return "pfn";
		if (strcmp(devtype, "nd_dax") == 0)
			return "nd-dax";
		if (strcmp(devtype, "nvdimm") == 0)
			return "dimm";
		return "nd";
	}
	if (strcmp(subsys, "dax") == 0)
		return "dax";
	if (strcmp(subsys, "virtio") == 0) {
		/*
		 * The uevent's MODALIAS: also there when the device is gone
		 * (remove). The kernel drops it from "unbind" (so that udev
		 * loads no module), but the device is still there to read.
		 */
		modalias = udev_device_get_property_value(dev, "MODALIAS");
		if (modalias)
			return strncasecmp(modalias, "virtio:d0000001Bv", 17) == 0 ? "virtio-pmem"
										 : NULL;
		s = udev_device_get_sysattr_value(dev, "device");
		return s && strcasecmp(s, "0x001b") == 0 ? "virtio-pmem" : NULL;
	}
	if (strcmp(subsys, "block") == 0 && strncmp(sysname, "pmem", 4) == 0)
		return "pmem-block";
	return NULL;
}

/* The namespace whose devname, block device or dax device is @name. */
static struct pmemflush_namespace *find_namespace(struct monitor *m, const char *name)
{
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;
	const char *s;

	if (!name || mon_snapshot(m) < 0)
		return NULL;
	pmemflush_region_foreach(m->ctx, r)
		pmemflush_namespace_foreach(r, ns) {
			if (strcmp(pmemflush_namespace_get_devname(ns), name) == 0)
				return ns;
			s = pmemflush_namespace_get_blockdev(ns);
			if (s && strcmp(s, name) == 0)
				return ns;
			s = pmemflush_namespace_get_chardev(ns);
			if (s && strcmp(s, name) == 0)
				return ns;
		}
	return NULL;
}

/* The namespace a device is, belongs to, or is a personality (btt/pfn/dax) of. */
static struct pmemflush_namespace *device_namespace(struct monitor *m, struct udev_device *dev,
						    const char *kind)
{
	struct udev_device *parent;
	const char *s;

	if (!strcmp(kind, "namespace") || !strcmp(kind, "dax"))
		return find_namespace(m, udev_device_get_sysname(dev));
	if (!strcmp(kind, "btt") || !strcmp(kind, "pfn") || !strcmp(kind, "nd-dax")) {
		/* A seed claims no namespace: "namespace" is empty then. */
		s = udev_device_get_sysattr_value(dev, "namespace");
		return s && *s ? find_namespace(m, s) : NULL;
	}
	if (!strcmp(kind, "pmem-block")) {
		s = udev_device_get_devtype(dev);
		if (s && !strcmp(s, "partition")) {
			parent = udev_device_get_parent_with_subsystem_devtype(dev, "block", "disk");
			return parent ? find_namespace(m, udev_device_get_sysname(parent)) : NULL;
		}
		return find_namespace(m, udev_device_get_sysname(dev));
	}
	return NULL;
}

static void add_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

/* Report one device event: the device, and what `list` says of it now. */
static void report(struct monitor *m, struct udev_device *dev, const char *kind,
		   struct pmemflush_drivers **drivers)
{
	const char *action = udev_device_get_action(dev);
	const char *sysname = udev_device_get_sysname(dev);
	const char *driver = udev_device_get_driver(dev);
	struct json_object *o = json_object_new_object();
	struct json_object *d = json_object_new_object();
	struct pmemflush_namespace *ns = NULL;
	struct pmemflush_region *r = NULL;
	struct pmemflush_vdev *v = NULL;
	char human[1024];
	int n;

	if (!action)
		action = "change";
	if (!o || !d) {
		json_object_put(o);
		json_object_put(d);
		return;
	}
	add_str(d, "subsystem", udev_device_get_subsystem(dev));
	add_str(d, "devtype", udev_device_get_devtype(dev));
	add_str(d, "kind", kind);
	add_str(d, "dev", sysname);
	add_str(d, "devpath", udev_device_get_devpath(dev));
	add_str(d, "driver", driver);
	json_object_object_add(d, "seqnum",
			       json_object_new_uint64(udev_device_get_seqnum(dev)));
	json_object_object_add(o, "device", d);
	json_object_object_add(o, "source", json_object_new_string(m->source_name));

	n = snprintf(human, sizeof(human), "%s %s%s%s", kind, sysname, driver ? " driver=" : "",
		     driver ? driver : "");
	/* A device that went away has nothing left to describe. */
	if (strcmp(action, "remove") != 0) {
		if (!strcmp(kind, "region"))
			r = mon_find_region(m, sysname);
		else
			ns = device_namespace(m, dev, kind);
		if (ns)
			r = pmemflush_namespace_get_region(ns);
		if (!strcmp(kind, "virtio-pmem")) {
			if (!*drivers && pmemflush_drivers_new(m->ctx, drivers) < 0)
				vp_line(stderr, "vpmemctl monitor: no driver facts: %s\n",
					pmemflush_errormsg());
			v = pmemflush_drivers_get_vdev(*drivers, sysname);
		}
	}
	if (ns) {
		json_object_object_add(o, "namespace", vj_namespace(ns, 0));
		n += snprintf(human + n, sizeof(human) - n, " namespace=%s mode=%s",
			      pmemflush_namespace_get_devname(ns),
			      pmemflush_ns_mode_name(pmemflush_namespace_get_mode(ns)));
	}
	if (r) {
		json_object_object_add(o, "region", mon_region_json(m, r));
		if ((size_t)n < sizeof(human))
			n += snprintf(human + n, sizeof(human) - n, " region=%s buffered=%s",
				      pmemflush_region_get_devname(r),
				      pmemflush_tristate_name(pmemflush_region_get_buffered(r)));
	}
	if (v) {
		json_object_object_add(o, "vdev", vj_vdev(v));
		if ((size_t)n < sizeof(human) && pmemflush_vdev_get_region_devname(v))
			snprintf(human + n, sizeof(human) - n, " region=%s",
				 pmemflush_vdev_get_region_devname(v));
	}
	mon_emit(m, "device", action, o, human);
}

int mon_udev_read(struct monitor *m)
{
	struct udev_device *devs[BATCH];
	struct pmemflush_drivers *drivers = NULL;
	size_t n = 0, i;
	int relevant = 0;

	/*
	 * Read every pending event first, then describe them from one snapshot
	 * taken after the last: an object is reported as it is after the batch
	 * (a region added and removed at once has no region object).
	 */
	while (n < BATCH) {
		errno = 0;
		devs[n] = udev_monitor_receive_device(m->umon);
		if (devs[n]) {
			n++;
			continue;
		}
		if (errno == ENOBUFS) {
			/* The kernel dropped events: say so, do not pretend to know. */
			mon_emit(m, "monitor", "overflow",
				 json_object_new_object(),
				 "device events were lost (socket buffer overflow)");
			m->snapshot_stale = true;
			relevant++;
			continue;
		}
		break;
	}
	if (n)
		m->snapshot_stale = true;
	for (i = 0; i < n; i++) {
		const char *kind = device_kind(devs[i]);

		if (kind && !mon_done(m)) {
			report(m, devs[i], kind, &drivers);
			relevant++;
		}
		udev_device_unref(devs[i]);
	}
	pmemflush_drivers_unref(drivers);
	return relevant;
}
