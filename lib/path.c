// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Path check: path -> backing device (st_dev / st_rdev, partitions through
 * libudev, /dev/daxN.M through libdaxctl) -> namespace and region; statx
 * for DAX; a real MAP_SYNC probe; then the pure method selection.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <daxctl/libdaxctl.h>
#include <libmount/libmount.h>
#include <libudev.h>

#include "cleanup.h"
#include "private.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

#define DEVDAX_DEFAULT_ALIGN (2UL << 20)

static void check_free(struct pmemflush_check *c)
{
	pmemflush_unref(c->ctx);
	free(c->path);
	free(c->devname);
	free(c->mount_target);
	free(c->fstype);
	free(c);
}

static void check_freep(struct pmemflush_check **c)
{
	if (*c)
		check_free(*c);
}

static void mnt_unref_tablep(struct libmnt_table **t)
{
	mnt_unref_table(*t);
}

static void udev_device_unrefp(struct udev_device **d)
{
	if (*d)
		udev_device_unref(*d);
}

static struct pmemflush_namespace *ns_by_blockdev(struct pmemflush_ctx *ctx, const char *name)
{
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;

	for (r = ctx->regions; r; r = r->next)
		for (ns = r->namespaces; ns; ns = ns->next)
			if (ns->blockdev && strcmp(ns->blockdev, name) == 0)
				return ns;
	return NULL;
}

static struct pmemflush_namespace *ns_by_chardev(struct pmemflush_ctx *ctx, const char *name)
{
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;

	for (r = ctx->regions; r; r = r->next)
		for (ns = r->namespaces; ns; ns = ns->next)
			if (ns->chardev && strcmp(ns->chardev, name) == 0)
				return ns;
	return NULL;
}

/* A block device number -> its name and the namespace of its disk. */
static int resolve_block(struct pmemflush_check *c, dev_t devno)
{
	_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
	struct udev_device *disk;
	const char *devtype;

	dev = udev_device_new_from_devnum(c->ctx->udev, 'b', devno);
	if (!dev) {
		dbg(c->ctx, "%s: %u:%u is not a block device\n", c->path, major(devno),
		    minor(devno));
		return 0;
	}
	c->devname = strdup(udev_device_get_sysname(dev));
	if (!c->devname)
		return -ENOMEM;
	disk = dev;
	devtype = udev_device_get_devtype(dev);
	if (devtype && strcmp(devtype, "partition") == 0) {
		/* Owned by @dev: no unref. */
		disk = udev_device_get_parent_with_subsystem_devtype(dev, "block", "disk");
		if (!disk)
			return 0;
	}
	c->ns = ns_by_blockdev(c->ctx, udev_device_get_sysname(disk));
	return 0;
}

/* A character device: device dax (through libdaxctl) or nothing of ours. */
static int resolve_char(struct pmemflush_check *c, dev_t devno, unsigned long *align)
{
	struct daxctl_region *dreg;
	struct daxctl_dev *dev;
	char name[32];

	snprintf(name, sizeof(name), "%u:%u", major(devno), minor(devno));
	daxctl_region_foreach(c->ctx->daxctl, dreg) {
		daxctl_dev_foreach(dreg, dev) {
			if ((unsigned int)daxctl_dev_get_major(dev) != major(devno) ||
			    (unsigned int)daxctl_dev_get_minor(dev) != minor(devno))
				continue;
			snprintf(name, sizeof(name), "%s", daxctl_dev_get_devname(dev));
			*align = daxctl_dev_get_align(dev);
			c->ns = ns_by_chardev(c->ctx, name);
			goto out;
		}
	}
out:
	c->devname = strdup(name);
	return c->devname ? 0 : -ENOMEM;
}

/*
 * Try mmap(MAP_SHARED_VALIDATE | MAP_SYNC) on @fd, or on the path opened
 * read-write when possible, read-only otherwise (the kernel's check is the
 * same either way).
 */
static void probe_map_sync(struct pmemflush_check *c, int fd, size_t len)
{
	_cleanup_close_ int own = -1;
	int prot = PROT_READ | PROT_WRITE;
	void *p;

	if (fd >= 0) {
		if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
			prot = PROT_READ;
	} else {
		own = open(c->path, O_RDWR | O_CLOEXEC);
		if (own < 0) {
			own = open(c->path, O_RDONLY | O_CLOEXEC);
			prot = PROT_READ;
		}
		fd = own;
	}
	if (fd < 0) {
		dbg(c->ctx, "%s: cannot open for the MAP_SYNC probe: %m\n", c->path);
		c->map_sync = PMEMFLUSH_UNKNOWN;
		return;
	}
	p = mmap(NULL, len, prot, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
	if (p == MAP_FAILED) {
		c->map_sync = PMEMFLUSH_NO;
		c->map_sync_errno = errno;
		dbg(c->ctx, "%s: MAP_SYNC refused: %m\n", c->path);
		return;
	}
	munmap(p, len);
	c->map_sync = PMEMFLUSH_YES;
}

/* Mount holding a file: target and type, and our mount object if pmem. */
static void find_mount(struct pmemflush_check *c, const char *real, struct pf_mount_facts *mf)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *table = NULL;
	struct pmemflush_mount *m;
	_cleanup_free_ char *opts = NULL;
	struct libmnt_fs *fs;

	if (pf_mounts_load(c->ctx, &table) < 0)
		return;
	fs = mnt_table_find_mountpoint(table, real, MNT_ITER_BACKWARD);
	if (!fs)
		return;
	c->mount_target = strdup(mnt_fs_get_target(fs));
	c->fstype = mnt_fs_get_fstype(fs) ? strdup(mnt_fs_get_fstype(fs)) : NULL;
	opts = mnt_fs_strdup_options(fs);
	pf_mount_parse_options(opts, mf);
	if (!c->ns || !c->mount_target)
		return;
	for (m = c->ns->mounts; m; m = m->next)
		if (strcmp(m->target, c->mount_target) == 0)
			c->mount = m;
}

static enum pmemflush_tristate statx_dax(struct pmemflush_check *c, int fd)
{
	struct statx stx;
	int rc = fd >= 0 ? statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx)
			 : statx(AT_FDCWD, c->path, 0, STATX_BASIC_STATS, &stx);

	if (rc < 0)
		return PMEMFLUSH_UNKNOWN;
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return PMEMFLUSH_UNKNOWN;
	return (stx.stx_attributes & STATX_ATTR_DAX) ? PMEMFLUSH_YES : PMEMFLUSH_NO;
}

/*
 * PMEMFLUSH_FORCE_METHOD=<name>: for tests only. Loud on purpose: a forced
 * method can claim durability the hardware does not give.
 */
static void apply_forced_method(struct pmemflush_check *c)
{
	const char *env = secure_getenv("PMEMFLUSH_FORCE_METHOD");
	int m;

	if (!env || !*env)
		return;
	for (m = PMEMFLUSH_METHOD_REFUSED; m <= PMEMFLUSH_METHOD_NONE; m++)
		if (strcmp(env, pmemflush_method_name(m)) == 0)
			break;
	if (m > PMEMFLUSH_METHOD_NONE) {
		warn(c->ctx, "PMEMFLUSH_FORCE_METHOD=%s is not a method; ignored\n", env);
		return;
	}
	warn(c->ctx, "%s: method forced to %s by PMEMFLUSH_FORCE_METHOD (was %s): for tests only\n",
	     c->path, env, pmemflush_method_name(c->method));
	c->method = m;
	c->method_forced = 1;
}

/* @fd: an open descriptor of the path, or -1 to look the path up. */
static int check_path(struct pmemflush_check *c, int fd)
{
	char fdpath[64];
	struct pf_method_facts f = { .dax = PMEMFLUSH_NO, .map_sync = PMEMFLUSH_UNKNOWN };
	struct pf_mount_facts mf = { 0 };
	char real[PATH_MAX];
	unsigned long align = 0;
	struct stat st;
	int rc;

	if ((fd >= 0 ? fstat(fd, &st) : stat(c->path, &st)) < 0) {
		rc = -errno;
		return pf_error(rc, "cannot stat '%s': %s", c->path, strerror(-rc));
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	/* An open descriptor may have no path (memfd, deleted file): no mount then. */
	if (fd >= 0 && !realpath(fdpath, real)) {
		real[0] = '\0';
	} else if (fd < 0 && !realpath(c->path, real)) {
		rc = -errno;
		return pf_error(rc, "cannot resolve '%s': %s", c->path, strerror(-rc));
	}

	if (S_ISCHR(st.st_mode)) {
		rc = resolve_char(c, st.st_rdev, &align);
		f.devdax = c->ns && c->ns->mode == PMEMFLUSH_NS_MODE_DEVDAX;
		if (f.devdax) {
			f.dax = PMEMFLUSH_YES;
			if (!align)
				align = c->ns->align ? c->ns->align : DEVDAX_DEFAULT_ALIGN;
			probe_map_sync(c, fd, align);
		}
	} else if (S_ISBLK(st.st_mode)) {
		rc = resolve_block(c, st.st_rdev);
		probe_map_sync(c, fd, (size_t)sysconf(_SC_PAGESIZE));
	} else {
		rc = resolve_block(c, st.st_dev);
		if (real[0])
			find_mount(c, real, &mf);
		if (S_ISREG(st.st_mode)) {
			f.dax = statx_dax(c, fd);
			probe_map_sync(c, fd, (size_t)sysconf(_SC_PAGESIZE));
		} else {
			f.dax = PMEMFLUSH_UNKNOWN;
		}
		if (f.dax == PMEMFLUSH_UNKNOWN)
			f.dax = mf.dax ? PMEMFLUSH_YES : PMEMFLUSH_NO;
	}
	if (rc < 0)
		return pf_error(rc, "cannot resolve the device of '%s': %s", c->path, strerror(-rc));

	c->dax = f.dax;
	f.map_sync = c->map_sync;
	if (c->ns) {
		c->region = c->ns->region;
		f.on_pmem = true;
		f.region = c->region->facts;
		c->hazards = pf_hazards_region(&f.region);
		if (f.devdax)
			c->hazards |= pf_hazards_namespace(&f.region, PMEMFLUSH_NS_MODE_DEVDAX);
		if (c->mount_target)
			c->hazards |= pf_hazards_mount(&f.region, &mf);
	}
	c->method = pf_select_method(&f);
	apply_forced_method(c);
	dbg(c->ctx, "%s: dev %s pmem %d dax %s map_sync %s method %s hazards %#x\n", c->path,
	    c->devname ? c->devname : "-", f.on_pmem, pmemflush_tristate_name(c->dax),
	    pmemflush_tristate_name(c->map_sync), pmemflush_method_name(c->method), c->hazards);
	return 0;
}

int pf_check_fd(struct pmemflush_ctx *ctx, const char *path, int fd,
		struct pmemflush_check **result)
{
	_cleanup_(check_freep) struct pmemflush_check *c = NULL;
	int rc;

	*result = NULL;
	rc = pf_discover(ctx);
	if (rc < 0)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c)
		return pf_error(-ENOMEM, "out of memory");
	c->refcount = 1;
	c->ctx = pmemflush_ref(ctx);
	c->map_sync = PMEMFLUSH_UNKNOWN;
	c->path = strdup(path);
	if (!c->path)
		return pf_error(-ENOMEM, "out of memory");
	rc = check_path(c, fd);
	if (rc < 0) {
		dbg(ctx, "%s\n", pmemflush_errormsg());
		return rc;
	}
	*result = TAKE_PTR(c);
	return 0;
}

PMEMFLUSH_EXPORT int pmemflush_path_check(struct pmemflush_ctx *ctx, const char *path,
					  struct pmemflush_check **result)
{
	if (result)
		*result = NULL;
	if (!ctx || !path || !result)
		return pf_error(-EINVAL, "invalid argument");
	pf_error_clear();
	return pf_check_fd(ctx, path, -1, result);
}

PMEMFLUSH_EXPORT struct pmemflush_check *pmemflush_check_ref(struct pmemflush_check *check)
{
	if (!check)
		return NULL;
	check->refcount++;
	return check;
}

PMEMFLUSH_EXPORT struct pmemflush_check *pmemflush_check_unref(struct pmemflush_check *check)
{
	if (!check)
		return NULL;
	if (--check->refcount > 0)
		return check;
	check_free(check);
	return NULL;
}

#define CHECK_GETTER(type, name, expr, dflt)                                        \
	PMEMFLUSH_EXPORT type pmemflush_check_##name(struct pmemflush_check *check) \
	{                                                                           \
		return check ? (expr) : (dflt);                                     \
	}

CHECK_GETTER(const char *, get_path, check->path, NULL)
CHECK_GETTER(int, is_pmem, check->ns != NULL, 0)
CHECK_GETTER(int, is_method_forced, check->method_forced, 0)
CHECK_GETTER(const char *, get_devname, check->devname, NULL)
CHECK_GETTER(struct pmemflush_region *, get_region, check->region, NULL)
CHECK_GETTER(struct pmemflush_namespace *, get_namespace, check->ns, NULL)
CHECK_GETTER(struct pmemflush_mount *, get_mount, check->mount, NULL)
CHECK_GETTER(const char *, get_mount_target, check->mount_target, NULL)
CHECK_GETTER(const char *, get_fstype, check->fstype, NULL)
CHECK_GETTER(enum pmemflush_tristate, get_dax, check->dax, PMEMFLUSH_UNKNOWN)
CHECK_GETTER(enum pmemflush_tristate, get_buffered,
	     check->region ? check->region->facts.buffered : PMEMFLUSH_NO, PMEMFLUSH_UNKNOWN)
CHECK_GETTER(enum pmemflush_tristate, get_map_sync, check->map_sync, PMEMFLUSH_UNKNOWN)
CHECK_GETTER(int, get_map_sync_errno, check->map_sync_errno, 0)
CHECK_GETTER(enum pmemflush_method, get_method, check->method, PMEMFLUSH_METHOD_REFUSED)
CHECK_GETTER(unsigned int, get_hazards, check->hazards, 0)
CHECK_GETTER(int, is_durable,
	     check->method != PMEMFLUSH_METHOD_REFUSED && check->method != PMEMFLUSH_METHOD_NONE &&
		     !pf_hazards_unsafe(check->hazards), 0)
