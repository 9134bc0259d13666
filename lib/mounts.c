// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mounts of a namespace's block device and its partitions, read with
 * libmount from /proc/self/mountinfo (matched by device number, which
 * libudev gives for the disk and each partition).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <libmount/libmount.h>
#include <libudev.h>

#include "private.h"

#define MAX_DEVNOS 64

int pf_mounts_load(struct pmemflush_ctx *ctx, struct libmnt_table **table)
{
	struct libmnt_table *tb = mnt_new_table();
	int rc;

	if (!tb)
		return pf_error(-ENOMEM, "out of memory reading the mount table");
	rc = mnt_table_parse_file(tb, "/proc/self/mountinfo");
	if (rc < 0) {
		/* Not fatal: regions are still worth listing. */
		warn(ctx, "cannot parse /proc/self/mountinfo: %s\n", strerror(-rc));
	}
	*table = tb;
	return 0;
}

void pf_mount_parse_options(const char *options, struct pf_mount_facts *facts)
{
	char *value = NULL;
	size_t len = 0;

	facts->dax = false;
	facts->nobarrier = false;
	if (!options)
		return;
	if (mnt_optstr_get_option(options, "dax", &value, &len) == 0)
		facts->dax = !value || len == 0 || (len == 6 && strncmp(value, "always", 6) == 0);
	if (mnt_optstr_get_option(options, "nobarrier", &value, &len) == 0)
		facts->nobarrier = true;
	if (mnt_optstr_get_option(options, "barrier", &value, &len) == 0 && value &&
	    len == 1 && value[0] == '0')
		facts->nobarrier = true;
}

/* Device numbers of the disk @name and of its partitions. */
static int block_devnos(struct pmemflush_ctx *ctx, const char *name, dev_t *devnos, int max)
{
	struct udev_device *disk, *dev;
	struct udev_enumerate *e;
	struct udev_list_entry *entry;
	int n = 0;

	disk = udev_device_new_from_subsystem_sysname(ctx->udev, "block", name);
	if (!disk) {
		dbg(ctx, "no block device %s in udev\n", name);
		return 0;
	}
	devnos[n++] = udev_device_get_devnum(disk);
	e = udev_enumerate_new(ctx->udev);
	if (e && udev_enumerate_add_match_parent(e, disk) >= 0 &&
	    udev_enumerate_add_match_subsystem(e, "block") >= 0 &&
	    udev_enumerate_scan_devices(e) >= 0) {
		udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
			dev = udev_device_new_from_syspath(ctx->udev,
							   udev_list_entry_get_name(entry));
			if (!dev)
				continue;
			if (n < max && udev_device_get_devnum(dev) != devnos[0])
				devnos[n++] = udev_device_get_devnum(dev);
			udev_device_unref(dev);
		}
	}
	udev_enumerate_unref(e);
	udev_device_unref(disk);
	return n;
}

static struct pmemflush_mount *mount_new(struct pmemflush_namespace *ns, struct libmnt_fs *fs)
{
	struct pmemflush_mount *m = calloc(1, sizeof(*m));
	const char *s;

	if (!m)
		return NULL;
	m->ns = ns;
	m->devno = mnt_fs_get_devno(fs);
	s = mnt_fs_get_source(fs);
	m->source = s ? strdup(s) : NULL;
	s = mnt_fs_get_target(fs);
	m->target = s ? strdup(s) : NULL;
	s = mnt_fs_get_fstype(fs);
	m->fstype = s ? strdup(s) : NULL;
	m->options = mnt_fs_strdup_options(fs);
	if (!m->target || !m->fstype || (mnt_fs_get_source(fs) && !m->source)) {
		pf_mounts_free(m);
		return NULL;
	}
	pf_mount_parse_options(m->options, &m->facts);
	return m;
}

int pf_mounts_discover(struct pmemflush_namespace *ns, struct libmnt_table *table)
{
	struct pmemflush_ctx *ctx = ns->region->ctx;
	struct pmemflush_mount **tail = &ns->mounts;
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	dev_t devnos[MAX_DEVNOS];
	int n, i, rc = 0;

	if (!ns->blockdev || !table)
		return 0;
	n = block_devnos(ctx, ns->blockdev, devnos, MAX_DEVNOS);
	if (n == 0)
		return 0;
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	if (!itr)
		return pf_error(-ENOMEM, "out of memory reading mounts");
	while (mnt_table_next_fs(table, itr, &fs) == 0) {
		dev_t devno = mnt_fs_get_devno(fs);
		struct pmemflush_mount *m;

		for (i = 0; i < n; i++)
			if (devnos[i] == devno)
				break;
		if (i == n)
			continue;
		m = mount_new(ns, fs);
		if (!m) {
			rc = pf_error(-ENOMEM, "out of memory reading mounts");
			break;
		}
		*tail = m;
		tail = &m->next;
		dbg(ctx, "%s: %s on %s type %s (%s)\n", ns->devname, m->source ? m->source : "-",
		    m->target, m->fstype, m->options ? m->options : "");
	}
	mnt_free_iter(itr);
	return rc;
}

void pf_mounts_free(struct pmemflush_mount *m)
{
	struct pmemflush_mount *next;

	for (; m; m = next) {
		next = m->next;
		free(m->source);
		free(m->target);
		free(m->fstype);
		free(m->options);
		free(m);
	}
}

PMEMFLUSH_EXPORT struct pmemflush_mount *pmemflush_mount_get_first(struct pmemflush_namespace *ns)
{
	return ns ? ns->mounts : NULL;
}

PMEMFLUSH_EXPORT struct pmemflush_mount *pmemflush_mount_get_next(struct pmemflush_mount *mnt)
{
	return mnt ? mnt->next : NULL;
}

#define MOUNT_GETTER(type, name, expr, dflt)                                          \
	PMEMFLUSH_EXPORT type pmemflush_mount_##name(struct pmemflush_mount *mnt) \
	{                                                                             \
		return mnt ? (expr) : (dflt);                                         \
	}

MOUNT_GETTER(struct pmemflush_namespace *, get_namespace, mnt->ns, NULL)
MOUNT_GETTER(const char *, get_source, mnt->source, NULL)
MOUNT_GETTER(const char *, get_target, mnt->target, NULL)
MOUNT_GETTER(const char *, get_fstype, mnt->fstype, NULL)
MOUNT_GETTER(const char *, get_options, mnt->options, NULL)
MOUNT_GETTER(int, is_dax, mnt->facts.dax, 0)
MOUNT_GETTER(int, is_nobarrier, mnt->facts.nobarrier, 0)
