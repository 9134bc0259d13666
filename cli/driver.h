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

/* Why this process may not load a module: "needs root (CAP_SYS_MODULE)", or for root what it lacks. */
const char *driver_cap_missing(void);

/* driver-bind.c: vpmemctl driver bind DRIVER DEVICE|all. */
int driver_bind(struct pmemflush_ctx *ctx, const char *target, const char *device);

/*
 * busy.c: who uses a device. A device is named as in /dev ("pmem0",
 * "dax0.0"); partitions of a block device count as the device. Every
 * lookup returns 1 (busy, who in @why), 0 (idle) or a negative errno (the
 * check could not be made, what failed in @why): never "idle" for a
 * lookup that failed.
 */
struct busy_dev {
	char name[64];
	dev_t rdev;		/* 0 when /dev/NAME does not exist */
	bool block;
};

/* Holders of disk @disk and of each of its partitions, under @sysblock (/sys/class/block). */
int busy_holders(const char *sysblock, const char *disk, char *why, size_t len);
/* Processes under @proc (/proc, ours excluded) that have one of @devs open or mapped. */
int busy_scan_proc(const char *proc, const struct busy_dev *devs, size_t n, char *why,
		   size_t len);
/*
 * Claim /dev/@disk exclusively (O_EXCL; @sysblock gives its device number):
 * 1 if the kernel has the disk or a partition claimed (mounted in any mount
 * namespace, dm, md, swap), 0 with the descriptor in *@fdp, which keeps
 * anyone else from claiming it until it is closed.
 */
int busy_claim(const char *sysblock, const char *disk, int *fdp, char *why, size_t len);
/* 0 if all of @path can be read, else a negative errno with why in @why. */
int busy_readable(const char *path, char *why, size_t len);
/* Write @text to @fd in one write: 0, a negative errno, or -EIO when short. */
int busy_write_all(int fd, const char *text);

/* Pure: the path field of a /proc/PID/maps line, NULL if it has none. */
const char *busy_maps_path(const char *line);
/* Pure: @path is /dev/@name, or a partition of it (/dev/pmem0p1 for pmem0). */
bool busy_path_is_dev(const char *path, const char *name);

#endif
