// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Path check: path -> backing device (st_dev / st_rdev) -> its block device
 * stack in sysfs (partition -> disk -> slaves/ of device mapper and md) ->
 * the pmem namespaces at the bottom, found in a snapshot taken for this
 * check; statfs for memory-only file systems; statx for DAX; a real
 * MAP_SYNC probe (not for device dax); then the pure method selection.
 */
#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libmount/libmount.h>
#include <libudev.h>

#include "cleanup.h"
#include "private.h"
#include "sysfs.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

/* Device mapper on md on partitions...: deeper than this is a loop. */
#define MAX_STACK_DEPTH 8
#define OVERLAYFS_MAGIC 0x794c7630L

static void check_free(struct pmemflush_check *c)
{
	pf_regions_free(c->regions);
	pmemflush_unref(c->ctx);
	free(c->path);
	free(c->devname);
	free(c->stack);
	free(c->mount_target);
	free(c->fstype);
	free(c->host_flush_path);
	free(c->reason);
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

/* What resolving the device under a path found. */
struct resolved {
	struct pf_method_facts *f;
	struct pf_mount_facts *mf;	/* of every file system on the way, ORed */
	char stack[512];	/* "dm-0 > pmem0, pmem1" */
	int leaves;
	const char *write_through_dev;
	char write_through_name[64];
	/* The first queue whose write_cache could not be read, and why. */
	char write_cache_unread[64];
	int write_cache_errno;
	/* The region a refusal names: the least trustworthy member. */
	const struct pmemflush_region *blame;
	int nonsector_leaves;	/* pmem leaves that are not btt (sector mode) */
};

static int resolve_file(struct pmemflush_check *c, struct resolved *res, int fd,
			const char *path, int depth);

/* Append "SEP NAME" to the stack description, truncated to fit. */
static void stack_add(struct resolved *res, const char *sep, const char *name)
{
	size_t used = strlen(res->stack);
	int room = (int)(sizeof(res->stack) - used);

	if (room > 1)
		snprintf(res->stack + used, (size_t)room, "%s%.*s", used ? sep : "", room - 1, name);
}

int pf_queue_write_through(const char *disk)
{
	char path[PATH_MAX], buf[32];
	int rc;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/write_cache", disk);
	rc = util_sysfs_read(path, buf, sizeof(buf));
	if (rc > 0)
		return strcmp(buf, "write through") == 0;
	/* Removed since it was found: no queue is left to drop a flush. */
	snprintf(path, sizeof(path), "/sys/block/%s", disk);
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	/* Unreadable, or empty: not known to pass flushes. */
	return rc < 0 ? rc : -EIO;
}

/*
 * The namespace of a pmem device, from its place in sysfs: every nvdimm
 * device it sits under is an ancestor of its sysfs directory (bus, region,
 * then the namespace or its pfn/btt/dax device). Matching the live path,
 * not a name remembered from an earlier discovery, is what keeps a
 * renumbered or newly created device from borrowing another's facts.
 */
static struct pmemflush_namespace *ns_of_syspath(struct pmemflush_check *c, const char *syspath,
						 char *bus, size_t bus_len, bool *in_region)
{
	char dir[PATH_MAX], link[PATH_MAX + 16], sub[32], names[8][64];
	const char *region = NULL;
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;
	int n = 0, i;
	char *slash;

	bus[0] = '\0';
	snprintf(dir, sizeof(dir), "%s", syspath);
	while ((slash = strrchr(dir, '/')) && slash != dir) {
		snprintf(link, sizeof(link), "%s/subsystem", dir);
		if (util_readlink_base(link, sub, sizeof(sub)) == 0 && strcmp(sub, "nd") == 0) {
			const char *base = slash + 1;

			if (strncmp(base, "ndbus", 5) == 0)
				snprintf(bus, bus_len, "%s", base);
			else if (n < (int)ARRAY_SIZE(names))
				snprintf(names[n++], sizeof(names[0]), "%s", base);
		}
		*slash = '\0';
	}
	for (i = 0; i < n; i++)
		if (strncmp(names[i], "region", 6) == 0)
			region = names[i];
	*in_region = region != NULL;
	if (!region)
		return NULL;
	for (r = c->regions; r; r = r->next) {
		if (strcmp(r->devname, region) != 0)
			continue;
		for (ns = r->namespaces; ns; ns = ns->next)
			for (i = 0; i < n; i++)
				if (strcmp(names[i], ns->devname) == 0 ||
				    (ns->seed_devname && strcmp(names[i], ns->seed_devname) == 0))
					return ns;
	}
	return NULL;
}

/* A leaf of the stack: a pmem namespace, or any other device. */
static int add_leaf(struct pmemflush_check *c, struct resolved *res, const char *syspath)
{
	struct pmemflush_namespace *ns;
	bool in_region = false;
	char bus[64];
	int i;

	ns = ns_of_syspath(c, syspath, bus, sizeof(bus), &in_region);
	/*
	 * Under an nvdimm region but in no namespace of the snapshot: the
	 * namespace changed between the snapshot and now. Not "not pmem".
	 */
	if (!ns && in_region)
		return pf_error(-EAGAIN, "%s: %s belongs to a namespace that changed during the check; try again",
				c->path, strrchr(syspath, '/') + 1);
	if (!ns)
		return 0;
	/* The snapshot was taken after the path was resolved: the same bus. */
	if (strcmp(ns->region->bus_devname, bus) != 0)
		return pf_error(-EAGAIN, "%s: %s moved from %s to %s during the check; try again",
				c->path, ns->devname, bus, ns->region->bus_devname);
	if (!res->f->on_pmem) {
		res->f->on_pmem = true;
		res->f->region = ns->region->facts;
		c->ns = ns;
		c->region = ns->region;
		res->blame = ns->region;
	} else {
		pf_region_facts_combine(&res->f->region, &ns->region->facts);
		/* Name the member that makes it worse: unknown, then buffered. */
		if (ns->region->facts.buffered == PMEMFLUSH_UNKNOWN ?
			    res->blame->facts.buffered != PMEMFLUSH_UNKNOWN :
			    ns->region->facts.buffered == PMEMFLUSH_YES &&
				    res->blame->facts.buffered == PMEMFLUSH_NO)
			res->blame = ns->region;
	}
	res->leaves++;
	/* btt writes flush on their own: its "write through" queue drops nothing. */
	if (ns->mode != PMEMFLUSH_NS_MODE_SECTOR)
		res->nonsector_leaves++;
	else
		res->f->sector = true;
	for (i = 0; i < c->n_leaves; i++)
		if (c->leaves[i] == ns->region)
			return 0;
	if (c->n_leaves == PF_STACK_MAX)
		return pf_error(-E2BIG, "%s: more than %d regions under it: too many to watch",
				c->path, PF_STACK_MAX);
	c->leaves[c->n_leaves++] = ns->region;
	return 0;
}

/* Memory-only block devices: brd and zram are RAM. */
static bool disk_is_ram(const char *name)
{
	const char *d = NULL;

	if (strncmp(name, "ram", 3) == 0)
		d = name + 3;
	else if (strncmp(name, "zram", 4) == 0)
		d = name + 4;
	return d && *d && strspn(d, "0123456789") == strlen(d);
}

/*
 * A whole disk: note its write cache, then go down to what it is made of
 * (slaves/ of device mapper and md), or take it as a leaf.
 */
static int resolve_disk(struct pmemflush_check *c, struct resolved *res, const char *syspath,
			int depth)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[PATH_MAX + 16], real[PATH_MAX];
	const char *name = strrchr(syspath, '/') + 1;
	struct dirent *e;
	int rc, slaves = 0;

	if (depth > MAX_STACK_DEPTH)
		return pf_error(-ELOOP, "%s: block device stack deeper than %d", c->path,
				MAX_STACK_DEPTH);
	/* What cannot be watched after a map is made is refused, not cut. */
	if (c->n_disks == PF_STACK_MAX)
		return pf_error(-E2BIG, "%s: more than %d disks under it: too many to watch", c->path,
				PF_STACK_MAX);
	snprintf(c->disks[c->n_disks++], sizeof(c->disks[0]), "%s", name);
	rc = pf_queue_write_through(name);
	if (rc > 0 && !res->write_through_dev) {
		snprintf(res->write_through_name, sizeof(res->write_through_name), "%s", name);
		res->write_through_dev = res->write_through_name;
	}
	if (rc < 0 && !res->write_cache_errno) {
		snprintf(res->write_cache_unread, sizeof(res->write_cache_unread), "%s", name);
		res->write_cache_errno = -rc;
	}
	if (disk_is_ram(name)) {
		res->f->volatile_fs = true;
		return 0;
	}
	/* A loop device is as durable as the file behind it. */
	snprintf(path, sizeof(path), "%s/loop/backing_file", syspath);
	if (util_sysfs_read(path, real, sizeof(real)) > 0) {
		stack_add(res, " > ", real);
		return resolve_file(c, res, -1, real, depth + 1);
	}
	snprintf(path, sizeof(path), "%s/slaves", syspath);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		stack_add(res, slaves ? ", " : " > ", e->d_name);
		snprintf(path, sizeof(path), "%s/slaves/%s", syspath, e->d_name);
		if (!realpath(path, real))
			continue;
		slaves++;
		rc = resolve_disk(c, res, real, depth + 1);
		if (rc < 0)
			return rc;
	}
	return slaves ? 0 : add_leaf(c, res, syspath);
}

/* A block device number: partition -> disk -> its stack -> namespaces. */
static int resolve_block(struct pmemflush_check *c, struct resolved *res, dev_t devno, int depth)
{
	char path[PATH_MAX + 16], real[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(devno), minor(devno));
	if (!realpath(path, real)) {
		dbg(c->ctx, "%s: %u:%u is not a block device\n", c->path, major(devno),
		    minor(devno));
		return 0;
	}
	if (!c->devname) {
		c->devname = strdup(strrchr(real, '/') + 1);
		if (!c->devname)
			return -ENOMEM;
	}
	stack_add(res, res->stack[0] ? " > " : "", strrchr(real, '/') + 1);
	/* A partition's directory lies inside its disk's. */
	snprintf(path, sizeof(path), "%s/partition", real);
	if (stat(path, &st) == 0) {
		*strrchr(real, '/') = '\0';
		stack_add(res, " > ", strrchr(real, '/') + 1);
	}
	return resolve_disk(c, res, real, depth);
}

/* A character device: device dax (by its place in sysfs) or nothing of ours. */
static int resolve_char(struct pmemflush_check *c, struct resolved *res, dev_t devno)
{
	char path[64], real[PATH_MAX], sub[32], link[PATH_MAX + 16];

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", major(devno), minor(devno));
	if (!realpath(path, real)) {
		snprintf(real, sizeof(real), "/%u:%u", major(devno), minor(devno));
	} else {
		snprintf(link, sizeof(link), "%s/subsystem", real);
		if (util_readlink_base(link, sub, sizeof(sub)) == 0 && strcmp(sub, "dax") == 0) {
			int rc = add_leaf(c, res, real);

			if (rc < 0)
				return rc;
		}
	}
	c->devname = strdup(strrchr(real, '/') + 1);
	if (!c->devname)
		return -ENOMEM;
	stack_add(res, "", c->devname);
	return 0;
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

/*
 * The mount holding a file: by mount id (statx), which also finds the mount
 * of an unlinked or O_TMPFILE file; by path where the id is unavailable.
 */
static struct libmnt_fs *mount_of(struct pmemflush_check *c, struct libmnt_table *tb, int fd,
				  const char *path, const char *real)
{
	struct libmnt_iter *itr;
	struct libmnt_fs *fs = NULL, *it;
	struct statx stx;
	int rc;

	/* glibc takes struct statx from <linux/stat.h>, which has stx_mnt_id (5.8). */
	rc = fd >= 0 ? statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx)
		     : statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx);
	if (rc == 0 && (stx.stx_mask & STATX_MNT_ID)) {
		itr = mnt_new_iter(MNT_ITER_FORWARD);
		while (itr && mnt_table_next_fs(tb, itr, &it) == 0)
			if ((uint64_t)mnt_fs_get_id(it) == stx.stx_mnt_id) {
				fs = it;
				break;
			}
		mnt_free_iter(itr);
		if (fs && !c->mnt_id_valid) {
			c->mnt_id = stx.stx_mnt_id;
			c->mnt_devno = mnt_fs_get_devno(fs);
			c->mnt_id_valid = true;
		}
		if (fs)
			return fs;
	}
	return real && real[0] ? mnt_table_find_mountpoint(tb, real, MNT_ITER_BACKWARD) : NULL;
}

/*
 * Everything about the file system holding a file or directory: memory
 * only (statfs), its device stack (st_dev, or the mount's source for file
 * systems with an anonymous device such as btrfs), its mount options
 * (nobarrier), and for overlayfs the same about its upper directory, where
 * writes go. Called again for the file behind a loop device.
 */
static int resolve_file(struct pmemflush_check *c, struct resolved *res, int fd,
			const char *path, int depth)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *table = NULL;
	_cleanup_free_ char *opts = NULL;
	struct pf_mount_facts mf = { 0 };
	char real[PATH_MAX], fdpath[64], upper[PATH_MAX];
	struct libmnt_fs *fs = NULL;
	const char *src, *fstype, *pseudo;
	struct statfs sfs = { 0 };
	struct stat st, sst;
	char *value = NULL;
	size_t len = 0;
	int rc;

	if (depth > MAX_STACK_DEPTH)
		return pf_error(-ELOOP, "%s: storage stack deeper than %d", c->path, MAX_STACK_DEPTH);
	if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) < 0)
		return pf_error(-errno, "cannot stat '%s': %m", path);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (!realpath(fd >= 0 ? fdpath : path, real))
		real[0] = '\0';	/* unlinked, O_TMPFILE, memfd: the mount id still works */
	if ((fd >= 0 ? fstatfs(fd, &sfs) : statfs(path, &sfs)) == 0 &&
	    pf_fs_is_volatile(sfs.f_type))
		res->f->volatile_fs = true;
	/* Not "msync, durable": nothing there is stored, let alone made durable. */
	pseudo = depth == 0 ? pf_fs_pseudo_name(sfs.f_type) : NULL;
	if (pseudo)
		return pf_error(-EINVAL, "%s is on %s, which holds no data: nothing there can be "
				"made durable", c->path, pseudo);

	/* A table read in part could hide the nobarrier mount: fail. */
	rc = pf_mounts_load(c->ctx, &table);
	if (rc < 0)
		return rc;
	fs = mount_of(c, table, fd, path, real);
	if (depth == 0) {
		/* The watch finds the file system's own options by these (watch.c). */
		c->file_dev = st.st_dev;
		c->file_fs_magic = (long)sfs.f_type;
	}
	if (!fs) {
		res->f->mount_unknown = true;
	} else {
		opts = mnt_fs_strdup_options(fs);
		pf_mount_parse_options(opts, &mf);
		res->mf->nobarrier |= mf.nobarrier;
		if (depth == 0) {
			fstype = mnt_fs_get_fstype(fs);
			c->mount_target = strdup(mnt_fs_get_target(fs));
			c->fstype = fstype ? strdup(fstype) : NULL;
			if (!c->mount_target || (fstype && !c->fstype))
				return -ENOMEM;
			res->mf->dax = mf.dax;
		}
	}

	/* overlayfs: writes land in the upper directory. */
	if ((long)sfs.f_type == OVERLAYFS_MAGIC) {
		if (!fs || mnt_optstr_get_option(opts, "upperdir", &value, &len) != 0 || !value ||
		    len >= sizeof(upper)) {
			/* No upper layer known: nothing here can be written durably. */
			res->f->mount_unknown = true;
			return 0;
		}
		memcpy(upper, value, len);
		upper[len] = '\0';
		stack_add(res, res->stack[0] ? " > " : "", upper);
		return resolve_file(c, res, -1, upper, depth + 1);
	}

	if (access("/sys/dev/block", F_OK) == 0) {
		char sys[64];

		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
		if (access(sys, F_OK) == 0)
			return resolve_block(c, res, st.st_dev, depth);
	}
	/* An anonymous st_dev (btrfs, ...): the device the mount names. */
	src = fs ? mnt_fs_get_source(fs) : NULL;
	if (src && strncmp(src, "/dev/", 5) == 0 && stat(src, &sst) == 0 && S_ISBLK(sst.st_mode))
		return resolve_block(c, res, sst.st_rdev, depth);
	return 0;
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

int pf_method_from_name(const char *name)
{
	int m;

	for (m = PMEMFLUSH_METHOD_REFUSED; m <= PMEMFLUSH_METHOD_NONE; m++)
		if (strcmp(name, pmemflush_method_name(m)) == 0)
			return m;
	return -EINVAL;
}

/*
 * PMEMFLUSH_FORCE_METHOD=<name>: for tests only. A forced method can claim
 * durability the hardware does not give, so it is said on stderr whatever
 * the log settings (an application's log function may drop it), and the
 * check and the map show it.
 */
static void apply_forced_method(struct pmemflush_check *c)
{
	const char *env = secure_getenv("PMEMFLUSH_FORCE_METHOD");
	int m;

	if (!env || !*env)
		return;
	m = pf_method_from_name(env);
	if (m < 0) {
		fprintf(stderr, "libpmemflush: PMEMFLUSH_FORCE_METHOD=%s is not a method; ignored\n",
			env);
		return;
	}
	fprintf(stderr,
		"libpmemflush: WARNING: %s: persist method forced to %s by PMEMFLUSH_FORCE_METHOD "
		"(the facts call for %s): for tests only, durability is NOT what this says\n",
		c->path, env, pmemflush_method_name(c->method));
	info(c->ctx, "%s: method forced to %s by PMEMFLUSH_FORCE_METHOD (was %s)\n", c->path, env,
	    pmemflush_method_name(c->method));
	c->method = m;
	c->method_forced = 1;
}

static int set_reason(struct pmemflush_check *c, const char *why)
{
	if (!why || !*why)
		return 0;
	free(c->reason);
	c->reason = strdup(why);
	return c->reason ? 0 : -ENOMEM;
}

/* The host flush is an attribute write: can this caller do it? */
static int check_host_flush(struct pmemflush_check *c)
{
	char why[512];

	if (c->method != PMEMFLUSH_METHOD_HOST_FLUSH || !c->region || !c->region->host_flush_path)
		return 0;
	c->host_flush_path = strdup(c->region->host_flush_path);
	if (!c->host_flush_path)
		return -ENOMEM;
	c->host_flush_writable = faccessat(AT_FDCWD, c->host_flush_path, W_OK, AT_EACCESS) == 0;
	if (c->host_flush_writable)
		return 0;
	snprintf(why, sizeof(why),
		 "the host-flush attribute %s is not writable by this user (uid %u): run as root, or "
		 "install vpmem's udev rule 60-vpmem.rules, which gives it the owner, group and write "
		 "permission of %s's dax devices (vpmem(4), NON-ROOT APPLICATIONS)",
		 c->host_flush_path, (unsigned int)geteuid(), c->region->devname);
	return set_reason(c, why);
}

/* @fd: an open descriptor of the path, or -1 to look the path up. */
static int check_path(struct pmemflush_check *c, int fd, bool trust)
{
	char why[768];
	struct pf_method_facts f = { .dax = PMEMFLUSH_NO, .map_sync = PMEMFLUSH_UNKNOWN };
	struct pf_mount_facts mf = { 0 };
	struct resolved res = { .f = &f, .mf = &mf };
	struct stat st;
	int rc;

	if ((fd >= 0 ? fstat(fd, &st) : stat(c->path, &st)) < 0) {
		rc = -errno;
		return pf_error(rc, "cannot stat '%s': %s", c->path, strerror(-rc));
	}

	if (S_ISCHR(st.st_mode)) {
		rc = resolve_char(c, &res, st.st_rdev);
		f.devdax = c->ns && c->ns->mode == PMEMFLUSH_NS_MODE_DEVDAX;
		/* Device dax accepts MAP_SYNC on any platform: no evidence, no probe. */
		if (f.devdax)
			f.dax = PMEMFLUSH_YES;
		/*
		 * Any other character device (/dev/null, a tty) has no file
		 * system and no region: "msync, durable" would be a lie, and
		 * flush refuses it too (target.c).
		 */
		else if (rc == 0)
			return pf_error(-EINVAL, "%s is a character device that is not device dax: "
					"nothing there can be made durable", c->path);
	} else if (S_ISBLK(st.st_mode)) {
		/*
		 * No MAP_SYNC probe: block devices never offer it, and opening
		 * one read-write makes udev rescan it when it is closed.
		 */
		rc = resolve_block(c, &res, st.st_rdev, 0);
	} else {
		rc = resolve_file(c, &res, fd, c->path, 0);
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
		return rc == -ENOMEM ? pf_error(rc, "out of memory") : rc;
	/* No mount table: only a block or character device needs none. */
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		f.mount_unknown = false;
	if (c->ns && c->mount_target) {
		struct pmemflush_mount *m;

		for (m = c->ns->mounts; m; m = m->next)
			if (strcmp(m->target, c->mount_target) == 0)
				c->mount = m;
	}
	c->stack = strdup(res.stack);
	if (!c->stack)
		return pf_error(-ENOMEM, "out of memory");

	c->dax = f.dax;
	f.map_sync = c->map_sync;
	f.nobarrier = mf.nobarrier;
	/* A stack of btt devices only: each write is flushed by btt itself. */
	if (f.on_pmem && !res.nonsector_leaves) {
		res.write_through_dev = NULL;
		res.write_cache_errno = 0;
		c->n_disks = 0;
	}
	/* A queue that could not be read may be the one that drops flushes. */
	if (f.on_pmem && res.write_cache_errno && f.region.buffered != PMEMFLUSH_NO)
		return pf_error(-res.write_cache_errno,
				"%s: cannot read /sys/block/%s/queue/write_cache: %s; whether flushes "
				"reach the host cannot be told",
				c->path, res.write_cache_unread, strerror(res.write_cache_errno));
	f.write_through = res.write_through_dev != NULL;
	f.write_through_dev = res.write_through_dev;
	f.hypervisor = c->ctx->hypervisor;
	f.trusted = trust || c->ctx->config.trust_unverified_platform;
	f.region_name = res.blame ? res.blame->devname : NULL;
	f.provider = res.blame ? res.blame->provider : NULL;
	f.mount_target = c->mount_target;
	c->facts = f.region;
	c->trusted = f.trusted && (pf_hazards_path(&f) & PF_HAZARDS_TRUSTABLE);
	c->hazards = pf_hazards_path(&f);
	c->method = pf_select_method(&f, why, sizeof(why));
	if (set_reason(c, why) < 0 || check_host_flush(c) < 0)
		return pf_error(-ENOMEM, "out of memory");
	apply_forced_method(c);
	dbg(c->ctx, "%s: dev %s (%s) pmem %d dax %s map_sync %s method %s hazards %#x%s%s\n",
	    c->path, c->devname ? c->devname : "-", c->stack, f.on_pmem,
	    pmemflush_tristate_name(c->dax), pmemflush_tristate_name(c->map_sync),
	    pmemflush_method_name(c->method), c->hazards, c->reason ? ": " : "",
	    c->reason ? c->reason : "");
	return 0;
}

int pf_check_fd(struct pmemflush_ctx *ctx, const char *path, int fd, bool trust,
		struct pmemflush_check **result)
{
	_cleanup_(check_freep) struct pmemflush_check *c = NULL;
	int rc;

	*result = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return pf_error(-ENOMEM, "out of memory");
	c->refcount = 1;
	c->ctx = pmemflush_ref(ctx);
	c->map_sync = PMEMFLUSH_UNKNOWN;
	c->path = strdup(path);
	if (!c->path)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): c is _cleanup_; clang 14 does not model __attribute__((cleanup)) */
		return pf_error(-ENOMEM, "out of memory");
	/* The facts of the device as it is now, not as first discovered. */
	rc = pf_snapshot(ctx, &c->regions);
	if (rc < 0)
		return rc;
	rc = check_path(c, fd, trust);
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
	return pf_check_fd(ctx, path, -1, false, result);
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

/*
 * Durable: a method that reaches durable media, no unsafe hazard (but the
 * ones an explicit trust opt-in accepted), and a host flush this caller
 * may actually perform. A forced method is never called durable.
 */
static int pf_check_durable(const struct pmemflush_check *c)
{
	unsigned int unsafe = pf_hazards_unsafe(c->hazards);

	if (c->trusted)
		unsafe &= ~PF_HAZARDS_TRUSTABLE;
	if (c->method == PMEMFLUSH_METHOD_REFUSED || c->method == PMEMFLUSH_METHOD_NONE ||
	    c->method_forced || unsafe)
		return 0;
	return c->method != PMEMFLUSH_METHOD_HOST_FLUSH || c->host_flush_writable;
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
	     check->region ? check->facts.buffered : PMEMFLUSH_NO, PMEMFLUSH_UNKNOWN)
CHECK_GETTER(enum pmemflush_tristate, get_map_sync, check->map_sync, PMEMFLUSH_UNKNOWN)
CHECK_GETTER(int, get_map_sync_errno, check->map_sync_errno, 0)
CHECK_GETTER(enum pmemflush_method, get_method, check->method, PMEMFLUSH_METHOD_REFUSED)
CHECK_GETTER(unsigned int, get_hazards, check->hazards, 0)
CHECK_GETTER(const char *, get_reason, check->reason, NULL)
CHECK_GETTER(const char *, get_stack, check->stack, NULL)
CHECK_GETTER(int, is_platform_trusted, check->trusted, 0)
CHECK_GETTER(int, is_durable, pf_check_durable(check), 0)
