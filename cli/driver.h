/* SPDX-License-Identifier: GPL-2.0-only */
/* vpmemctl driver: internals shared by driver.c, driver-bind.c and busy.c. */
#ifndef VPMEMCTL_DRIVER_H
#define VPMEMCTL_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <pmemflush.h>

#define VIRTIO_DEVICES "/sys/bus/virtio/devices"
#define VIRTIO_DRIVERS "/sys/bus/virtio/drivers"

/* The exit status for a negative errno of a driver operation. */
int driver_exit_status(int rc);

/* driver-bind.c: vpmemctl driver bind DRIVER DEVICE|all. */
int driver_bind(struct pmemflush_ctx *ctx, const char *target, const char *device);

/*
 * busy.c: who uses a device. A device is named as in /dev ("pmem0",
 * "dax0.0"); partitions of a block device count as the device.
 */
struct busy_dev {
	char name[64];
	dev_t rdev;		/* 0 when /dev/NAME does not exist */
	bool block;
};

/* One line saying who uses one of @devs (first found), into @why; 1 if busy, 0 if not. */
int busy_find_user(const struct busy_dev *devs, size_t n, char *why, size_t len);

/* Pure: the path field of a /proc/PID/maps line, NULL if it has none. */
const char *busy_maps_path(const char *line);
/* Pure: @path is /dev/@name, or a partition of it (/dev/pmem0p1 for pmem0). */
bool busy_path_is_dev(const char *path, const char *name);

#endif
