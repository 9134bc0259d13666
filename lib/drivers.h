/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal: the drivers snapshot (module.c, vdev.c) and the pure decisions
 * about it (advice.c), which unit tests feed with constructed facts.
 */
#ifndef PMEMFLUSH_DRIVERS_H
#define PMEMFLUSH_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>

#include <pmemflush.h>

/* The virtio device id of virtio-pmem, as sysfs prints it. */
#define PF_VIRTIO_PMEM_ID "0x001b"
/* Looked up when no device gives its own modalias (QEMU's vendor id). */
#define PF_VIRTIO_PMEM_MODALIAS "virtio:d0000001Bv00001AF4"

struct pmemflush_module {
	struct pmemflush_drivers *drivers;
	struct pmemflush_module *next;
	char *name;
	bool available;
	enum pmemflush_module_state state;
	char *version;
	char *path;
	int refcount;
	char **holders;
	unsigned int nholders;
	bool blacklisted;
	char *options;
	bool matches_device;
};

struct pmemflush_vdev {
	struct pmemflush_drivers *drivers;
	struct pmemflush_vdev *next;
	char *devname;
	char *modalias;
	char *driver_name;
	enum pmemflush_driver driver;
	char *bus_devname;
	char *region_devname;
	char *evidence;
	enum pmemflush_driver_advice advice;
	char *advice_message;
};

struct pmemflush_drivers {
	int refcount;
	struct pmemflush_ctx *ctx;
	struct pmemflush_module *modules;
	struct pmemflush_vdev *vdevs;
};

/* What the advice and the evidence of one device look at. */
struct pf_advice_input {
	const char *vdev;		/* "virtio0" */
	enum pmemflush_driver bound;	/* the driver bound now */
	const char *bound_name;		/* its name, NULL if unbound */
	enum pmemflush_module_state vpmem_state;
	bool vpmem_available;		/* modprobe can load it */
	bool vpmem_blacklisted;
};

/* The advice for one device, its message in @msg ("" for none). Pure. */
enum pmemflush_driver_advice pf_driver_advice(const struct pf_advice_input *in, char *msg,
					      size_t len);
/* "bound=...,vpmem=...,vpmem_available=...,vpmem_blacklisted=..." Pure. */
void pf_driver_evidence(const struct pf_advice_input *in, char *buf, size_t len);
/* Module state from libkmod's initstate (or a negative errno: not loaded). Pure. */
enum pmemflush_module_state pf_module_state_from_kmod(int initstate);

/* vdev.c: order of two virtio device names ("virtioN") by N, as the scan sorts them. */
int pf_vdev_name_cmp(const char *a, const char *b);
/*
 * vdev.c: add the virtio-pmem devices found under @root (normally
 * /sys/bus/virtio/devices) to @d, in index order; 0 or -ENOMEM. A missing
 * directory means no device.
 */
int pf_vdevs_scan(struct pmemflush_drivers *d, const char *root);
/* vdev.c: advice and evidence of every device, from the modules' facts. */
int pf_vdevs_finish(struct pmemflush_drivers *d);
/* module.c: read both modules with libkmod; 0 or a negative errno. */
int pf_modules_read(struct pmemflush_drivers *d);

void pf_modules_free(struct pmemflush_module *m);
void pf_vdevs_free(struct pmemflush_vdev *v);

#endif
