// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The virtio-pmem devices of the virtio bus (sysfs): which driver each is
 * bound to, and the nvdimm bus and region it registered. With the module
 * facts (module.c) and the pure advice (advice.c) they make the drivers
 * snapshot.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "drivers.h"
#include "private.h"
#include "sysfs.h"

#define VIRTIO_DEVICES "/sys/bus/virtio/devices"

/* The first entry of @dir whose name starts with @prefix, into @buf. */
static int first_child(const char *dir, const char *prefix, char *buf, size_t len)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = strlen(prefix);

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, n) == 0 && strlen(e->d_name) < len) {
			memcpy(buf, e->d_name, strlen(e->d_name) + 1);
			return 0;
		}
	return -ENOENT;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static int vdev_read(struct pmemflush_drivers *d, const char *root, const char *name,
		     struct pmemflush_vdev **out)
{
	char dir[PATH_MAX], attr[PATH_MAX + 64], buf[256];
	struct pmemflush_vdev *v;

	*out = NULL;
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	snprintf(attr, sizeof(attr), "%s/device", dir);
	if (util_sysfs_read(attr, buf, sizeof(buf)) < 0 || strcmp(buf, PF_VIRTIO_PMEM_ID) != 0)
		return 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*out = v;
	v->drivers = d;
	v->devname = strdup(name);
	if (!v->devname)
		return -ENOMEM;
	snprintf(attr, sizeof(attr), "%s/modalias", dir);
	if (util_sysfs_read(attr, buf, sizeof(buf)) > 0 && !(v->modalias = strdup(buf)))
		return -ENOMEM;
	snprintf(attr, sizeof(attr), "%s/driver", dir);
	if (util_readlink_base(attr, buf, sizeof(buf)) == 0 && !(v->driver_name = strdup(buf)))
		return -ENOMEM;
	v->driver = pf_driver_from_name(v->driver_name);
	/* Both drivers register the nvdimm bus as a child of the device. */
	if (first_child(dir, "ndbus", buf, sizeof(buf)) == 0) {
		if (!(v->bus_devname = dup_or_null(buf)))
			return -ENOMEM;
		snprintf(attr, sizeof(attr), "%s/%s", dir, v->bus_devname);
		if (first_child(attr, "region", buf, sizeof(buf)) == 0 &&
		    !(v->region_devname = dup_or_null(buf)))
			return -ENOMEM;
	}
	return 0;
}

/* The N of "virtioN": the kernel's %u, so unsigned (atoi made 4294967295 -1). */
static unsigned long virtio_index(const char *name)
{
	return strtoul(name + strlen("virtio"), NULL, 10);
}

int pf_vdev_name_cmp(const char *a, const char *b)
{
	unsigned long x = virtio_index(a), y = virtio_index(b);

	/* Not x - y: that overflowed an int for far-apart indexes. */
	return (x > y) - (x < y);
}

static int by_index(const struct dirent **a, const struct dirent **b)
{
	return pf_vdev_name_cmp((*a)->d_name, (*b)->d_name);
}

static int is_virtio(const struct dirent *e)
{
	return strncmp(e->d_name, "virtio", 6) == 0;
}

int pf_vdevs_scan(struct pmemflush_drivers *d, const char *root)
{
	struct pmemflush_vdev **tail = &d->vdevs;
	struct dirent **names;
	int i, n, rc = 0;

	n = scandir(root, &names, is_virtio, by_index);
	if (n < 0)
		return errno == ENOENT ? 0 : pf_error(-errno, "cannot read %s: %s", root, strerror(errno));
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			rc = vdev_read(d, root, names[i]->d_name, tail);
			if (*tail)
				tail = &(*tail)->next;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int pf_vdevs_finish(struct pmemflush_drivers *d)
{
	struct pmemflush_module *vpmem = pmemflush_drivers_get_module(d, "vpmem");
	struct pmemflush_vdev *v;
	char buf[512];

	for (v = d->vdevs; v; v = v->next) {
		struct pf_advice_input in = {
			.vdev = v->devname,
			.bound = v->driver,
			.bound_name = v->driver_name,
			.vpmem_state = pmemflush_module_get_state(vpmem),
			.vpmem_available = pmemflush_module_is_available(vpmem),
			.vpmem_blacklisted = pmemflush_module_is_blacklisted(vpmem),
		};

		v->advice = pf_driver_advice(&in, buf, sizeof(buf));
		if (v->advice != PMEMFLUSH_ADVICE_NONE && !(v->advice_message = strdup(buf)))
			return -ENOMEM;
		pf_driver_evidence(&in, buf, sizeof(buf));
		v->evidence = strdup(buf);
		if (!v->evidence)
			return -ENOMEM;
	}
	return 0;
}

void pf_vdevs_free(struct pmemflush_vdev *v)
{
	struct pmemflush_vdev *next;

	for (; v; v = next) {
		next = v->next;
		free(v->devname);
		free(v->modalias);
		free(v->driver_name);
		free(v->bus_devname);
		free(v->region_devname);
		free(v->evidence);
		free(v->advice_message);
		free(v);
	}
}

PMEMFLUSH_EXPORT int pmemflush_drivers_new(struct pmemflush_ctx *ctx,
					   struct pmemflush_drivers **drivers)
{
	struct pmemflush_drivers *d;
	int rc;

	if (!drivers)
		return -EINVAL;
	*drivers = NULL;
	if (!ctx)
		return -EINVAL;
	pf_error_clear();
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->refcount = 1;
	d->ctx = pmemflush_ref(ctx);
	/* Devices first: a device's own modalias is what libkmod resolves. */
	rc = pf_vdevs_scan(d, VIRTIO_DEVICES);
	if (rc == 0)
		rc = pf_modules_read(d);
	if (rc == 0)
		rc = pf_vdevs_finish(d);
	if (rc < 0) {
		if (rc == -ENOMEM)
			pf_error(rc, "out of memory reading drivers");
		pmemflush_drivers_unref(d);
		return rc;
	}
	*drivers = d;
	return 0;
}

PMEMFLUSH_EXPORT struct pmemflush_drivers *pmemflush_drivers_ref(struct pmemflush_drivers *d)
{
	if (d)
		d->refcount++;
	return d;
}

PMEMFLUSH_EXPORT struct pmemflush_drivers *pmemflush_drivers_unref(struct pmemflush_drivers *d)
{
	if (!d || --d->refcount > 0)
		return d;
	pf_modules_free(d->modules);
	pf_vdevs_free(d->vdevs);
	pmemflush_unref(d->ctx);
	free(d);
	return NULL;
}

PMEMFLUSH_EXPORT struct pmemflush_vdev *pmemflush_vdev_get_first(struct pmemflush_drivers *d)
{
	return d ? d->vdevs : NULL;
}

PMEMFLUSH_EXPORT struct pmemflush_vdev *pmemflush_vdev_get_next(struct pmemflush_vdev *v)
{
	return v ? v->next : NULL;
}

PMEMFLUSH_EXPORT struct pmemflush_vdev *pmemflush_drivers_get_vdev(struct pmemflush_drivers *d,
								   const char *devname)
{
	struct pmemflush_vdev *v;

	if (!devname)
		return NULL;
	pmemflush_vdev_foreach(d, v)
		if (strcmp(v->devname, devname) == 0)
			return v;
	return NULL;
}

PMEMFLUSH_EXPORT struct pmemflush_vdev *
pmemflush_drivers_get_vdev_by_bus(struct pmemflush_drivers *d, const char *bus_devname)
{
	struct pmemflush_vdev *v;

	if (!bus_devname)
		return NULL;
	pmemflush_vdev_foreach(d, v)
		if (v->bus_devname && strcmp(v->bus_devname, bus_devname) == 0)
			return v;
	return NULL;
}

#define VDEV_GETTER(type, fname, expr, dflt)                                     \
	PMEMFLUSH_EXPORT type pmemflush_vdev_##fname(struct pmemflush_vdev *vdev) \
	{                                                                        \
		return vdev ? (expr) : (dflt);                                   \
	}

VDEV_GETTER(const char *, get_devname, vdev->devname, NULL)
VDEV_GETTER(const char *, get_modalias, vdev->modalias, NULL)
VDEV_GETTER(const char *, get_driver_name, vdev->driver_name, NULL)
VDEV_GETTER(enum pmemflush_driver, get_driver, vdev->driver, PMEMFLUSH_DRIVER_NONE)
VDEV_GETTER(const char *, get_bus_devname, vdev->bus_devname, NULL)
VDEV_GETTER(const char *, get_region_devname, vdev->region_devname, NULL)
VDEV_GETTER(const char *, get_evidence, vdev->evidence ? vdev->evidence : "", "")
VDEV_GETTER(enum pmemflush_driver_advice, get_advice, vdev->advice, PMEMFLUSH_ADVICE_NONE)
VDEV_GETTER(const char *, get_advice_message, vdev->advice_message, NULL)
