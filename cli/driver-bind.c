// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl driver bind vpmem|virtio_pmem DEVICE|all: move virtio-pmem
 * devices between the two drivers. The virtio bus has no driver_override:
 * unbind from the old driver, bind to the new one (loaded first if
 * needed). Refused while a namespace of the device is mounted or one of
 * its devices is in use, and when that cannot be checked; each device is
 * checked again just before its unbind, with its disks claimed
 * exclusively until the unbind is done. The result is verified (driver
 * link, region and namespaces back), and a bind that fails half-way is
 * undone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pmemflush.h>

#include "builtin.h"
#include "caps.h"
#include "cleanup.h"
#include "driver.h"
#include "eprint.h"
#include "sysfs.h"

#define WAIT_TENTHS 100	/* region and namespaces come back within 10 s */

static void nap(void)
{
	struct timespec ts = { 0, 100L * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Write @name to a driver's bind or unbind file; 0 or a negative errno. */
static int driver_write(const char *driver, const char *file, const char *name)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), VIRTIO_DRIVERS "/%s/%s", driver, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return busy_write_all(fd, name);
}

/*
 * The device id of the virtio device @name: found among the devices the
 * bus lists, never by joining @name (the user's word, which may hold "..",
 * '/' or anything) into a sysfs path. 0, or -ENOENT when no device has
 * that name.
 */
static int virtio_device_id(const char *name, char *id, size_t len)
{
	_cleanup_(closedirp) DIR *d = opendir(VIRTIO_DEVICES);
	char path[PATH_MAX];
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, name) != 0)
			continue;
		snprintf(path, sizeof(path), VIRTIO_DEVICES "/%s/device", e->d_name);
		return util_sysfs_read(path, id, len) < 0 ? -ENOENT : 0;
	}
	return -ENOENT;
}

/*
 * Whether this user may move @dev from @from (NULL: no driver) to
 * @target: write access to the unbind and bind files, and CAP_SYS_MODULE
 * when @target's module is not loaded yet. Asked
 * before anything else, so that a user who may not bind is told so
 * (status 4) instead of being refused for a busy check that needs root
 * too, and nothing is tried. 0, or -EPERM after the documented message.
 */
static int may_bind(const char *dev, const char *from, const char *target)
{
	char path[PATH_MAX];

	if (from) {
		snprintf(path, sizeof(path), VIRTIO_DRIVERS "/%s/unbind", from);
		if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) < 0 && errno != ENOENT)
			goto denied;
	}
	snprintf(path, sizeof(path), VIRTIO_DRIVERS "/%s/bind", target);
	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0)
		return 0;
	if (errno != ENOENT)
		goto denied;
	if (util_may_load_modules())
		return 0;
	vp_line(stderr, "vpmemctl driver bind: permission denied: %s: loading module %s %s\n",
		dev, target, driver_cap_missing());
	return -EPERM;
denied:
	vp_line(stderr, "vpmemctl driver bind: permission denied: %s: writing %s needs root (%s)\n",
		dev, path, strerror(errno));
	return -EPERM;
}

/* The driver bound to @dev now, into @buf ("" when none). */
static void bound_driver(const char *dev, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), VIRTIO_DEVICES "/%s/driver", dev);
	if (util_readlink_base(path, buf, len) < 0)
		buf[0] = '\0';
}

/* The region of the nvdimm bus under @dev, or NULL. */
static struct pmemflush_region *region_of(struct pmemflush_ctx *ctx, const char *bus)
{
	struct pmemflush_region *r;

	if (!bus)
		return NULL;
	pmemflush_region_foreach(ctx, r)
		if (strcmp(pmemflush_region_get_bus_devname(r), bus) == 0)
			return r;
	return NULL;
}

/* Namespaces of @r that have a block or dax device: what must come back. */
static int active_namespaces(struct pmemflush_region *r)
{
	struct pmemflush_namespace *ns;
	int n = 0;

	pmemflush_namespace_foreach(r, ns)
		if (pmemflush_namespace_get_blockdev(ns) || pmemflush_namespace_get_chardev(ns))
			n++;
	return n;
}

/* Exclusive claims of a device's disks, held across its unbind. */
struct claims {
	int fd[32];
	size_t n;
};

static void claims_release(struct claims *c)
{
	while (c->n)
		close(c->fd[--c->n]);
}

/*
 * Whether @v may be unbound: 1 (busy, who in @why), 0 (idle: its disks
 * are now claimed in @c and stay claimed until claims_release()), or a
 * negative errno when the check could not be made (what failed in @why):
 * unbinding would pull the memory out from under a user, so "cannot tell"
 * refuses like "busy".
 */
static int device_busy(struct pmemflush_ctx *ctx, struct pmemflush_vdev *v, struct claims *c,
		       char *why, size_t len)
{
	struct busy_dev devs[32];
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;
	struct pmemflush_mount *m;
	const char *bus = pmemflush_vdev_get_bus_devname(v);
	const char *who = "it";
	struct stat st;
	size_t n = 0, i;
	int rc;

	if (!bus)
		return 0;	/* no nvdimm bus: no region, nothing to pull away */
	pmemflush_refresh(ctx);
	rc = pmemflush_discover(ctx);
	if (rc < 0) {
		snprintf(why, len, "reading the nvdimm regions: %s",
			 *pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
		return rc;
	}
	r = region_of(ctx, bus);
	if (!r) {
		snprintf(why, len, "no region found on %s", bus);
		return -ENOENT;
	}
	/* libmount shows an unreadable table as an empty one: look first. */
	rc = busy_readable("/proc/self/mountinfo", why, len);
	if (rc < 0)
		return rc;
	pmemflush_namespace_foreach(r, ns) {
		const char *names[2] = { pmemflush_namespace_get_blockdev(ns),
					 pmemflush_namespace_get_chardev(ns) };

		pmemflush_mount_foreach(ns, m) {
			snprintf(why, len, "%s's %s (%s) is mounted on %s: unmount it first",
				 pmemflush_region_get_devname(r), pmemflush_namespace_get_devname(ns),
				 pmemflush_mount_get_source(m), pmemflush_mount_get_target(m));
			return 1;
		}
		for (i = 0; i < 2; i++) {
			char path[80];	/* "/dev/" and a name of 64 */

			if (!names[i])
				continue;
			if (n == ARRAY_SIZE(devs)) {
				snprintf(why, len, "%s has more than %zu devices",
					 pmemflush_region_get_devname(r), ARRAY_SIZE(devs));
				return -E2BIG;
			}
			snprintf(devs[n].name, sizeof(devs[n].name), "%s", names[i]);
			snprintf(path, sizeof(path), "/dev/%s", names[i]);
			devs[n].block = i == 0;
			/* Without its number, a descriptor of it is found only by name. */
			if (stat(path, &st) < 0) {
				rc = -errno;
				snprintf(why, len, "%s: %s", path, strerror(-rc));
				return rc;
			}
			devs[n].rdev = st.st_rdev;
			n++;
		}
	}
	/*
	 * The kernel's users (a mount in another mount namespace, dm, md, swap
	 * on the disk or a partition) refuse the exclusive claim; holders/
	 * names a dm or md device better, so it is asked first.
	 */
	for (i = 0; i < n; i++) {
		if (!devs[i].block)
			continue;
		rc = busy_holders("/sys/class/block", devs[i].name, why, len);
		if (rc == 0) {
			rc = busy_claim("/sys/class/block", devs[i].name, &c->fd[c->n], why, len);
			if (rc > 0)
				who = "that";	/* the kernel's user has no name */
		}
		if (rc)
			goto unclaim;
		c->n++;
	}
	/* Descriptors and mappings: dax devices, and openers without O_EXCL. */
	rc = busy_scan_proc("/proc", devs, n, why, len);
	if (rc == 0)
		return 0;
unclaim:
	claims_release(c);
	if (rc > 0) {
		size_t used = strlen(why);

		snprintf(why + used, len - used, ": stop %s first", who);
	}
	return rc;
}

/* Say why @v is refused; the exit status. */
static int refuse(struct pmemflush_vdev *v, int rc, const char *why)
{
	if (rc > 0)
		vp_line(stderr, "vpmemctl driver bind: %s: refused: %s\n",
			pmemflush_vdev_get_devname(v), why);
	else
		vp_line(stderr, "vpmemctl driver bind: cannot verify that %s is idle: %s\n",
			pmemflush_vdev_get_devname(v), why);
	return VPMEMCTL_EXIT_REFUSED;
}

/* Wait for @v's region and its @want active namespaces; the region found. */
static struct pmemflush_region *wait_region(struct pmemflush_ctx *ctx, const char *dev,
					    int want, char *bus, size_t len)
{
	int t;

	for (t = 0; t < WAIT_TENTHS; t++, nap()) {
		struct pmemflush_drivers *d = NULL;
		struct pmemflush_region *r;

		if (pmemflush_drivers_new(ctx, &d) < 0)
			continue;
		snprintf(bus, len, "%s",
			 pmemflush_vdev_get_bus_devname(pmemflush_drivers_get_vdev(d, dev)) ?: "");
		pmemflush_drivers_unref(d);
		if (!*bus)
			continue;
		pmemflush_refresh(ctx);
		r = region_of(ctx, bus);
		if (r && active_namespaces(r) >= want)
			return r;
	}
	return NULL;
}

static void describe(struct pmemflush_region *r, char *buf, size_t len)
{
	struct pmemflush_namespace *ns;
	size_t used;

	snprintf(buf, len, "%s, %s", pmemflush_region_get_bus_devname(r),
		 pmemflush_region_get_devname(r));
	pmemflush_namespace_foreach(r, ns) {
		const char *dev = pmemflush_namespace_get_blockdev(ns);

		if (!dev)
			dev = pmemflush_namespace_get_chardev(ns);
		used = strlen(buf);
		snprintf(buf + used, len - used, " (%s %s %s)", pmemflush_namespace_get_devname(ns),
			 pmemflush_ns_mode_name(pmemflush_namespace_get_mode(ns)), dev ? dev : "-");
	}
}

/* After a failed bind: give the device back to @from. The exit status. */
static int restore(const char *dev, const char *target, const char *from, int err)
{
	char now[64];
	int rc;

	vp_line(stderr, "vpmemctl driver bind: %s: binding to %s failed: %s\n", dev, target,
		strerror(-err));
	if (!from) {
		vp_line(stderr, "vpmemctl driver bind: %s had no driver before; it has none now\n",
			dev);
		return VPMEMCTL_EXIT_ERROR;
	}
	bound_driver(dev, now, sizeof(now));
	if (strcmp(now, target) == 0)
		driver_write(target, "unbind", dev);
	rc = driver_write(from, "bind", dev);
	bound_driver(dev, now, sizeof(now));
	if (strcmp(now, from) == 0) {
		vp_line(stderr, "vpmemctl driver bind: %s: restored to %s\n", dev, from);
		return VPMEMCTL_EXIT_ERROR;
	}
	vp_line(stderr,
		"vpmemctl driver bind: %s: restoring %s failed too (%s): the device has %s%s now; by hand: echo %s > " VIRTIO_DRIVERS "/%s/bind\n",
		dev, from, rc < 0 ? strerror(-rc) : "not bound", *now ? "driver " : "no driver",
		now, dev, from);
	return VPMEMCTL_EXIT_ERROR;
}

/* Move @v to @target; @c (its disks' claims) is released once it is unbound. */
static int move_one(struct pmemflush_ctx *ctx, struct pmemflush_vdev *v, const char *target,
		    struct claims *c)
{
	const char *dev = pmemflush_vdev_get_devname(v);
	const char *from = pmemflush_vdev_get_driver_name(v);
	struct pmemflush_region *r;
	char now[64], bus[64], desc[512];
	int want = 0, rc;

	pmemflush_refresh(ctx);
	r = region_of(ctx, pmemflush_vdev_get_bus_devname(v));
	if (r)
		want = active_namespaces(r);
	if (from) {
		rc = driver_write(from, "unbind", dev);
		/* The disks are gone (or stay with their driver): let them go. */
		claims_release(c);
		if (rc < 0) {
			vp_line(stderr, "vpmemctl driver bind: %s: unbinding from %s: %s%s; nothing changed\n",
				dev, from, strerror(-rc),
				rc == -EACCES || rc == -EPERM ? " (run as root)" : "");
			return driver_exit_status(rc);
		}
	}
	claims_release(c);
	rc = driver_write(target, "bind", dev);
	bound_driver(dev, now, sizeof(now));
	if (rc == 0 && strcmp(now, target) != 0)
		rc = -ENODEV;	/* the write was accepted, but no driver took it */
	if (rc < 0)
		return restore(dev, target, from, rc);

	r = wait_region(ctx, dev, want, bus, sizeof(bus));
	if (!r) {
		vp_line(stderr,
			"vpmemctl driver bind: %s: bound to %s, but its region%s did not come back within %d s\n",
			dev, target, want ? " and namespaces" : "", WAIT_TENTHS / 10);
		return VPMEMCTL_EXIT_ERROR;
	}
	describe(r, desc, sizeof(desc));
	printf("%s: %s -> %s: %s\n", dev, from ? from : "none", target, desc);
	return VPMEMCTL_EXIT_OK;
}

/* The driver's directory exists once its module is loaded (or built in). */
static int ensure_driver(struct pmemflush_ctx *ctx, const char *target)
{
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), VIRTIO_DRIVERS "/%s", target);
	if (access(path, F_OK) == 0)
		return 0;
	rc = pmemflush_module_load(ctx, target);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl driver bind: %s\n",
			*pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
		return rc;
	}
	if (access(path, F_OK) < 0) {
		vp_line(stderr, "vpmemctl driver bind: module %s loaded but %s does not exist\n",
			target, path);
		return -ENODEV;
	}
	return 0;
}

int driver_bind(struct pmemflush_ctx *ctx, const char *target, const char *device)
{
	struct pmemflush_drivers *d = NULL;
	struct pmemflush_vdev *v, *todo[64];
	bool all = strcmp(device, "all") == 0;
	size_t n = 0, i;
	char why[512];
	int rc, status = VPMEMCTL_EXIT_OK;

	rc = pmemflush_drivers_new(ctx, &d);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl driver bind: %s\n",
			*pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
		return VPMEMCTL_EXIT_ERROR;
	}
	if (!all && !pmemflush_drivers_get_vdev(d, device)) {
		char id[16] = "";

		if (virtio_device_id(device, id, sizeof(id)) < 0)
			vp_line(stderr, "vpmemctl driver bind: no virtio device '%s'\n", device);
		else
			vp_line(stderr,
				"vpmemctl driver bind: %s is not a virtio-pmem device (device id %s, not 0x001b)\n",
				device, id);
		pmemflush_drivers_unref(d);
		return VPMEMCTL_EXIT_ERROR;
	}
	pmemflush_vdev_foreach(d, v) {
		const char *drv = pmemflush_vdev_get_driver_name(v);

		if (!all && strcmp(pmemflush_vdev_get_devname(v), device) != 0)
			continue;
		if (drv && strcmp(drv, target) == 0) {
			printf("%s: already bound to %s\n", pmemflush_vdev_get_devname(v), target);
			continue;
		}
		if (n < ARRAY_SIZE(todo))
			todo[n++] = v;
	}
	if (all && !pmemflush_vdev_get_first(d)) {
		vp_line(stderr, "vpmemctl driver bind: no virtio-pmem device on this machine\n");
		status = VPMEMCTL_EXIT_ERROR;
		goto out;
	}
	/* Permission first: nothing is looked at or tried for a user who may not. */
	for (i = 0; i < n; i++) {
		if (may_bind(pmemflush_vdev_get_devname(todo[i]),
			     pmemflush_vdev_get_driver_name(todo[i]), target) < 0) {
			status = VPMEMCTL_EXIT_PERMISSION;
			goto out;
		}
	}
	/* Every device is checked before any is moved: all or nothing. */
	for (i = 0; i < n; i++) {
		struct claims c = { .n = 0 };

		rc = device_busy(ctx, todo[i], &c, why, sizeof(why));
		claims_release(&c);
		if (rc)
			status = refuse(todo[i], rc, why);
	}
	if (status != VPMEMCTL_EXIT_OK || n == 0)
		goto out;
	rc = ensure_driver(ctx, target);
	if (rc < 0) {
		status = driver_exit_status(rc);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct claims c = { .n = 0 };
		char now[64];

		/* Loading the module may already have bound an unbound device. */
		bound_driver(pmemflush_vdev_get_devname(todo[i]), now, sizeof(now));
		if (!pmemflush_vdev_get_driver_name(todo[i]) && strcmp(now, target) == 0) {
			printf("%s: none -> %s (bound when the module loaded)\n",
			       pmemflush_vdev_get_devname(todo[i]), target);
			continue;
		}
		/*
		 * Loading the module and each earlier move (up to 10 s) leave
		 * time to start using this one: check again, and claim its
		 * disks so that nobody can mount them until it is unbound.
		 */
		rc = device_busy(ctx, todo[i], &c, why, sizeof(why));
		if (rc)
			rc = refuse(todo[i], rc, why);
		else
			rc = move_one(ctx, todo[i], target, &c);
		if (rc != VPMEMCTL_EXIT_OK && status == VPMEMCTL_EXIT_OK)
			status = rc;
	}
out:
	pmemflush_drivers_unref(d);
	return status;
}
