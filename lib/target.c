// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Flush targets: a name (region, namespace, bus or path) -> the operations
 * that make what is stored there durable on the host, or why none exists.
 * The naming is pure (pf_target_parse); the decision reads one fresh
 * snapshot and, for devices and files, the path check of the file opened
 * once (what is checked is what is flushed); the flush is one attribute
 * write or one fsync per step, and before and after each fsync the facts
 * that could make it drop the flush (write_cache, nobarrier) are read
 * again (watch.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "map.h"
#include "private.h"
#include "sysfs.h"
#include "target.h"

#define ND_DEVICES "/sys/bus/nd/devices"

/* A bus of many regions, each with its own deep_flush: bounded anyway. */
#define MAX_STEPS 32

struct flush_step {
	enum pmemflush_flush_how how;
	char *path;	/* the attribute written, or the node fsynced */
	int fd;		/* fsync: the file the check was made on; else -1 */
	struct pf_watch *watch;	/* fsync: what could drop its flush */
	int lost;	/* the watch failed once: its error, for every later flush */
	char *lost_msg;
};

struct pmemflush_target {
	int refcount;
	struct pmemflush_ctx *ctx;
	char *name;
	enum pmemflush_target_kind kind;
	unsigned int flags;
	char *devname;		/* what the steps act on, comma-separated */
	char *reason;		/* why no path reaches the host; then no steps */
	/* ndbusN/vpmem/host_flushes of the one device flushed, else NULL. */
	char *counter;
	bool counter_unknown;	/* several devices, or a stack of several */
	int nsteps;
	struct flush_step steps[MAX_STEPS];
};

/* Plain decimal, no sign, no leading zero but "0" itself, fits. */
static bool parse_uint(const char *s, size_t len, unsigned int *v)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	*v = (unsigned int)n;
	return true;
}

static bool parse_prefixed(const char *name, const char *prefix, unsigned int *v)
{
	size_t plen = strlen(prefix);

	return strncmp(name, prefix, plen) == 0 && parse_uint(name + plen, strlen(name + plen), v);
}

enum pmemflush_target_kind pf_target_parse(const char *name, unsigned int *a, unsigned int *b)
{
	unsigned int x = 0, y = 0;
	const char *dot;

	if (!name)
		return PMEMFLUSH_TARGET_PATH;
	if (parse_uint(name, strlen(name), &x) || parse_prefixed(name, "region", &x)) {
		if (a)
			*a = x;
		return PMEMFLUSH_TARGET_REGION;
	}
	if (parse_prefixed(name, "ndbus", &x)) {
		if (a)
			*a = x;
		return PMEMFLUSH_TARGET_BUS;
	}
	dot = strchr(name, '.');
	if (strncmp(name, "namespace", 9) == 0 && dot &&
	    parse_uint(name + 9, (size_t)(dot - name - 9), &x) &&
	    parse_uint(dot + 1, strlen(dot + 1), &y)) {
		if (a)
			*a = x;
		if (b)
			*b = y;
		return PMEMFLUSH_TARGET_NAMESPACE;
	}
	return PMEMFLUSH_TARGET_PATH;
}

PMEMFLUSH_EXPORT enum pmemflush_target_kind pmemflush_target_classify(const char *name)
{
	return pf_target_parse(name, NULL, NULL);
}

PMEMFLUSH_EXPORT const char *pmemflush_target_kind_name(enum pmemflush_target_kind kind)
{
	static const char *const names[] = {
		[PMEMFLUSH_TARGET_PATH] = "path",
		[PMEMFLUSH_TARGET_REGION] = "region",
		[PMEMFLUSH_TARGET_NAMESPACE] = "namespace",
		[PMEMFLUSH_TARGET_BUS] = "bus",
	};

	return (unsigned int)kind < ARRAY_SIZE(names) ? names[kind] : NULL;
}

PMEMFLUSH_EXPORT const char *pmemflush_flush_how_name(enum pmemflush_flush_how how)
{
	static const char *const names[] = {
		[PMEMFLUSH_HOW_NONE] = "none",
		[PMEMFLUSH_HOW_VPMEM_FLUSH] = "vpmem-flush",
		[PMEMFLUSH_HOW_DEEP_FLUSH] = "deep-flush",
		[PMEMFLUSH_HOW_FSYNC_BLOCKDEV] = "fsync-blockdev",
		[PMEMFLUSH_HOW_FSYNC] = "fsync",
		[PMEMFLUSH_HOW_FSYNC_SYNCFS] = "fsync+syncfs",
	};

	return (unsigned int)how < ARRAY_SIZE(names) ? names[how] : NULL;
}

static void steps_clear(struct pmemflush_target *t)
{
	int i;

	for (i = 0; i < t->nsteps; i++) {
		struct flush_step *s = &t->steps[i];

		free(s->path);
		if (s->fd >= 0)
			close(s->fd);
		if (s->watch)
			pf_watch_stack_close(s->watch);
		free(s->watch);
		free(s->lost_msg);
	}
	t->nsteps = 0;
}

static void target_free(struct pmemflush_target *t)
{
	steps_clear(t);
	pmemflush_unref(t->ctx);
	free(t->name);
	free(t->devname);
	free(t->reason);
	free(t->counter);
	free(t);
}

static void target_freep(struct pmemflush_target **t)
{
	if (*t)
		target_free(*t);
}

static void check_unrefp(struct pmemflush_check **c)
{
	pmemflush_check_unref(*c);
}

static void regions_freep(struct pmemflush_region **r)
{
	pf_regions_free(*r);
}

/* Append @s to the comma-separated @list. 0 or -ENOMEM. */
static int list_add(char **list, const char *s)
{
	char *n;

	if (*list && asprintf(&n, "%s,%s", *list, s) < 0)
		return -ENOMEM;
	if (!*list && !(n = strdup(s)))
		return -ENOMEM;
	free(*list);
	*list = n;
	return 0;
}

static void watch_freep(struct pf_watch **w)
{
	if (*w)
		pf_watch_stack_close(*w);
	free(*w);
}

/*
 * One more operation; the same attribute or node twice is done once.
 * @fd, @watch (fsync steps; else -1, NULL) are taken either way.
 */
static int add_step(struct pmemflush_target *t, enum pmemflush_flush_how how, const char *path,
		    const char *devname, int fd, struct pf_watch *watch)
{
	_cleanup_(watch_freep) struct pf_watch *w = watch;
	_cleanup_close_ int f = fd;
	struct flush_step *s = &t->steps[t->nsteps];
	int i;

	for (i = 0; i < t->nsteps; i++)
		if (strcmp(t->steps[i].path, path) == 0)
			return 0;
	if (t->nsteps == MAX_STEPS)
		return pf_error(-E2BIG, "more than %d devices to flush", MAX_STEPS);
	*s = (struct flush_step){ .how = how, .fd = -1, .path = strdup(path) };
	if (!s->path)
		return pf_error(-ENOMEM, "out of memory");
	s->fd = TAKE_FD(f);
	s->watch = TAKE_PTR(w);
	t->nsteps++;
	if (devname && list_add(&t->devname, devname) < 0)
		return pf_error(-ENOMEM, "out of memory");
	return 0;
}

int pf_target_add_write_step(struct pmemflush_target *t, const char *path)
{
	return add_step(t, PMEMFLUSH_HOW_VPMEM_FLUSH, path, NULL, -1, NULL);
}

/*
 * A target on a file system that holds no data (sysfs, proc): its fsync
 * would be reported "ok" without anything made durable, and opening a
 * write-only sysfs attribute for reading (the host-flush attribute) is
 * refused, which would say "permission denied" even to root. Its name,
 * else NULL.
 */
static const char *pseudo_fs(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) < 0 ? NULL : pf_fs_pseudo_name((long)sfs.f_type);
}

/*
 * The target opened once: the check, its type and the fsync are then all
 * of the same file, whatever happens to the name later (a symlink or a
 * rename swapped in). O_PATH first: a character device is only looked at
 * (device dax is flushed through its region; opening other devices can
 * have effects); a file, directory or block device is then opened for
 * reading through /proc/self/fd, which reopens that very inode (fsync
 * needs no write access).
 */
static int open_target(const char *name, int *fdp, struct stat *st)
{
	_cleanup_close_ int pfd = -1;
	const char *pseudo;
	char proc[64];
	int fd, rc;

	*fdp = -1;
	pfd = open(name, O_PATH | O_CLOEXEC);
	if (pfd < 0 || fstat(pfd, st) < 0) {
		rc = -errno;
		return pf_error(rc, "cannot stat '%s': %s", name, strerror(-rc));
	}
	pseudo = pseudo_fs(pfd);
	if (pseudo)
		return pf_error(-EINVAL, "%s is on %s, which holds no data: nothing to flush", name,
				pseudo);
	if (S_ISCHR(st->st_mode)) {
		*fdp = TAKE_FD(pfd);
		return 0;
	}
	if (!S_ISBLK(st->st_mode) && !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return pf_error(-EINVAL, "%s: not a file, directory, block device or device dax",
				name);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		return pf_error(rc, "cannot open '%s': %s", name, strerror(-rc));
	}
	*fdp = fd;
	return 0;
}

/*
 * What could make an fsync of @c's path drop its flush after resolve: its
 * mount remounted nobarrier, and where the region may be buffered (the
 * check refuses write-through queues there, as for maps), a queue switched
 * to write through. NULL on ENOMEM.
 */
static struct pf_watch *watch_fsync(const struct pmemflush_check *c, int mountinfo_fd)
{
	struct pf_watch *w = calloc(1, sizeof(*w));

	if (!w) {
		if (mountinfo_fd >= 0)
			close(mountinfo_fd);
		return NULL;
	}
	pf_watch_stack(w, c, c->region && c->facts.buffered != PMEMFLUSH_NO, mountinfo_fd,
		       "the target was resolved", "resolve the target again");
	return w;
}

/*
 * No path reaches the host: say why, and forget every step already
 * planned, so that a partial flush is never mistaken for the whole.
 */
static int set_reason(struct pmemflush_target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int set_reason(struct pmemflush_target *t, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (t->reason)
		return 0;
	steps_clear(t);
	free(t->devname);
	t->devname = NULL;
	va_start(ap, fmt);
	rc = vasprintf(&t->reason, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		t->reason = NULL;
		return pf_error(-ENOMEM, "out of memory");
	}
	return 0;
}

/* Count the host flushes of @bus when its driver counts them (vpmem). */
static int note_counter(struct pmemflush_target *t, const char *bus)
{
	char path[PATH_MAX];

	if (t->counter_unknown || !bus)
		return 0;
	snprintf(path, sizeof(path), ND_DEVICES "/%s/vpmem/host_flushes", bus);
	if (access(path, R_OK) < 0) {
		t->counter_unknown = true;
		return 0;
	}
	if (t->counter) {
		/* Two devices: one delta would mix them. */
		if (strcmp(t->counter, path) != 0)
			t->counter_unknown = true;
		return 0;
	}
	t->counter = strdup(path);
	return t->counter ? 0 : pf_error(-ENOMEM, "out of memory");
}

/* The method facts of a namespace (or the whole region) of @r. */
static void region_method_facts(struct pmemflush_target *t, struct pmemflush_region *r,
				bool devdax, struct pf_method_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->on_pmem = true;
	f->devdax = devdax;
	f->dax = devdax ? PMEMFLUSH_YES : PMEMFLUSH_NO;
	f->map_sync = PMEMFLUSH_UNKNOWN;
	f->region = r->facts;
	f->hypervisor = t->ctx->hypervisor;
	f->trusted = t->ctx->config.trust_unverified_platform;
	f->region_name = r->devname;
	f->provider = r->provider;
}

/*
 * A durable path for fsync: no unsafe hazard but those an explicit opt-in
 * trusted. The persist method does not matter (fsync is none of them), so
 * the PMEMFLUSH_FORCE_METHOD test knob changes nothing here.
 */
static bool fsync_durable(const struct pmemflush_check *c)
{
	unsigned int unsafe = pf_hazards_unsafe(c->hazards);

	if (c->trusted)
		unsafe &= ~PF_HAZARDS_TRUSTABLE;
	return !unsafe;
}

static const char *check_reason(const struct pmemflush_check *c)
{
	unsigned int unsafe = pf_hazards_unsafe(c->hazards);

	if (c->reason)
		return c->reason;
	return pmemflush_hazard_message(unsafe & -unsafe);
}

/*
 * A namespace of a region without a host-flush path of its own: its block
 * device, when fsync of that device is a durable path (the pmem driver
 * turns the REQ_PREFLUSH of that fsync into a flush of the whole region);
 * device dax has no such path.
 */
static int plan_ns_blockdev(struct pmemflush_target *t, struct pmemflush_region *r,
			    struct pmemflush_namespace *ns)
{
	_cleanup_(check_unrefp) struct pmemflush_check *c = NULL;
	_cleanup_close_ int fd = -1;
	struct pf_watch *w;
	char node[PATH_MAX];
	struct stat st = { 0 }; /* the analysers do not know open() sets errno */
	int rc;

	if (!ns->blockdev)
		return set_reason(t,
				  "%s (%s) on %s has no block device, and %s has no host-flush path "
				  "(driver %s): nothing can make its stores durable on the host; bind "
				  "the device to the vpmem driver (vpmem(4))",
				  ns->devname, pmemflush_ns_mode_name(ns->mode), r->devname, r->devname,
				  r->driver_devname ? r->driver_devname : "none");
	snprintf(node, sizeof(node), "/dev/%s", ns->blockdev);
	rc = open_target(node, &fd, &st);
	if (rc < 0)
		return rc;
	if (!S_ISBLK(st.st_mode))
		return pf_error(-ENODEV, "%s is not a block device", node);
	rc = pf_check_fd(t->ctx, node, fd, false, &c);
	if (rc < 0)
		return rc;
	if (!fsync_durable(c))
		return set_reason(t, "%s has no host-flush path (driver %s), and fsync of %s does not "
				  "reach the host: %s",
				  r->devname, r->driver_devname ? r->driver_devname : "none", node,
				  check_reason(c));
	/* A block device has no mount: only its queues can change. */
	w = watch_fsync(c, -1);
	if (!w)
		return pf_error(-ENOMEM, "out of memory");
	rc = add_step(t, PMEMFLUSH_HOW_FSYNC_BLOCKDEV, node, ns->blockdev, fd, w);
	fd = -1;
	if (rc < 0)
		return rc;
	return note_counter(t, r->bus_devname);
}

/*
 * Region @r, or only its namespace @only: the region's host-flush path,
 * else the block devices of its namespaces, else why there is none.
 */
static int plan_region(struct pmemflush_target *t, struct pmemflush_region *r,
		       struct pmemflush_namespace *only)
{
	struct pmemflush_namespace *ns;
	struct pf_method_facts f;
	char why[768];
	int rc, n = 0;

	/* Volatile or unverifiable regions: no flush makes them durable. */
	region_method_facts(t, r, only && only->mode == PMEMFLUSH_NS_MODE_DEVDAX, &f);
	if (pf_select_method(&f, why, sizeof(why)) == PMEMFLUSH_METHOD_REFUSED)
		return set_reason(t, "%s", why);
	if (r->host_flush_path) {
		rc = add_step(t,
			      r->facts.host_flush == PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH
				      ? PMEMFLUSH_HOW_DEEP_FLUSH
				      : PMEMFLUSH_HOW_VPMEM_FLUSH,
			      r->host_flush_path, r->devname, -1, NULL);
		if (rc < 0)
			return rc;
		return r->facts.host_flush == PMEMFLUSH_HOST_FLUSH_VPMEM
			       ? note_counter(t, r->bus_devname)
			       : (t->counter_unknown = true, 0);
	}
	for (ns = r->namespaces; ns; ns = ns->next) {
		if (only && ns != only)
			continue;
		n++;
		rc = plan_ns_blockdev(t, r, ns);
		if (rc < 0 || t->reason)
			return rc;
	}
	if (!n)
		return set_reason(t, "%s has no host-flush path (driver %s) and no namespace with a "
				  "block device whose fsync would reach the host; bind the device to "
				  "the vpmem driver (vpmem(4))",
				  r->devname, r->driver_devname ? r->driver_devname : "none");
	return 0;
}

static int plan_named(struct pmemflush_target *t)
{
	_cleanup_(regions_freep) struct pmemflush_region *regions = NULL;
	struct pmemflush_namespace *ns;
	struct pmemflush_region *r;
	unsigned int a = 0, b = 0;
	char nsname[64];
	int rc, found = 0;

	pf_target_parse(t->name, &a, &b);
	snprintf(nsname, sizeof(nsname), "namespace%u.%u", a, b);
	/* The devices as they are now, not as the context first saw them. */
	rc = pf_snapshot(t->ctx, &regions);
	if (rc < 0)
		return rc;
	for (r = regions; r && !t->reason; r = r->next) {
		switch (t->kind) {
		case PMEMFLUSH_TARGET_REGION:
			if (r->id != a)
				continue;
			found++;
			rc = plan_region(t, r, NULL);
			break;
		case PMEMFLUSH_TARGET_BUS:
			if (strncmp(r->bus_devname, "ndbus", 5) != 0 ||
			    strtoul(r->bus_devname + 5, NULL, 10) != a)
				continue;
			found++;
			rc = plan_region(t, r, NULL);
			break;
		case PMEMFLUSH_TARGET_NAMESPACE:
			for (ns = r->namespaces; ns; ns = ns->next)
				if (strcmp(ns->devname, nsname) == 0)
					break;
			if (!ns)
				continue;
			found++;
			rc = plan_region(t, r, ns);
			break;
		default:
			return -EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	if (!found)
		return pf_error(-ENOENT, "no such %s%s",
				t->kind == PMEMFLUSH_TARGET_NAMESPACE ? "active namespace"
								       : pmemflush_target_kind_name(t->kind),
				t->kind == PMEMFLUSH_TARGET_BUS ? " with a region" : "");
	return 0;
}

static int plan_path(struct pmemflush_target *t)
{
	_cleanup_(check_unrefp) struct pmemflush_check *c = NULL;
	_cleanup_close_ int fd = -1, mountinfo = -1;
	struct pf_watch *w;
	struct stat st = { 0 }; /* the analysers do not know open() sets errno */
	int rc;

	/* Before the check reads the mount table: a remount after it shows. */
	mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	rc = open_target(t->name, &fd, &st);
	if (rc < 0)
		return rc;
	rc = pf_check_fd(t->ctx, t->name, fd, false, &c);
	if (rc < 0)
		return rc;
	if (S_ISCHR(st.st_mode)) {
		/* Device dax: the host flush of its region, as a namespace. */
		if (!c->ns || c->ns->mode != PMEMFLUSH_NS_MODE_DEVDAX)
			return pf_error(-EINVAL, "a character device that is not device dax");
		return plan_region(t, c->region, c->ns);
	}
	if (!fsync_durable(c))
		return set_reason(t, "%s", check_reason(c));
	w = watch_fsync(c, TAKE_FD(mountinfo));
	if (!w)
		return pf_error(-ENOMEM, "out of memory");
	rc = add_step(t,
		      S_ISBLK(st.st_mode)		  ? PMEMFLUSH_HOW_FSYNC_BLOCKDEV
		      : t->flags & PMEMFLUSH_TARGET_SYNCFS ? PMEMFLUSH_HOW_FSYNC_SYNCFS
							   : PMEMFLUSH_HOW_FSYNC,
		      t->name, c->devname, fd, w);
	fd = -1;
	if (rc < 0)
		return rc;
	/*
	 * A stack over several pmem regions: no one counter covers it. (The
	 * regions themselves, not the stack's description, which is cut at
	 * its length and may hold a loop device's backing file name.)
	 */
	if (!c->region || c->n_leaves != 1)
		t->counter_unknown = true;
	return note_counter(t, c->region ? c->region->bus_devname : NULL);
}

PMEMFLUSH_EXPORT int pmemflush_target_resolve(struct pmemflush_ctx *ctx, const char *name,
					      unsigned int flags, struct pmemflush_target **target)
{
	_cleanup_(target_freep) struct pmemflush_target *t = NULL;
	int rc;

	if (target)
		*target = NULL;
	if (!ctx || !name || !target || (flags & ~PMEMFLUSH_TARGET_SYNCFS))
		return pf_error(-EINVAL, "invalid argument");
	if (!*name)
		return pf_error(-EINVAL, "empty target name");
	pf_error_clear();
	t = calloc(1, sizeof(*t));
	if (!t)
		return pf_error(-ENOMEM, "out of memory");
	t->refcount = 1;
	t->ctx = pmemflush_ref(ctx);
	t->flags = flags;
	t->kind = pf_target_parse(name, NULL, NULL);
	t->name = strdup(name);
	if (!t->name)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): t is _cleanup_; clang 14 does not model __attribute__((cleanup)) */
		return pf_error(-ENOMEM, "out of memory");
	rc = t->kind == PMEMFLUSH_TARGET_PATH ? plan_path(t) : plan_named(t);
	if (rc < 0)
		return rc;
	dbg(ctx, "%s: %s, %d step(s) %s%s%s\n", name, pmemflush_target_kind_name(t->kind),
	    t->nsteps, pmemflush_flush_how_name(t->nsteps ? t->steps[0].how : PMEMFLUSH_HOW_NONE),
	    t->reason ? ": " : "", t->reason ? t->reason : "");
	*target = TAKE_PTR(t);
	return 0;
}

PMEMFLUSH_EXPORT struct pmemflush_target *pmemflush_target_ref(struct pmemflush_target *target)
{
	if (!target)
		return NULL;
	target->refcount++;
	return target;
}

PMEMFLUSH_EXPORT struct pmemflush_target *pmemflush_target_unref(struct pmemflush_target *target)
{
	if (!target)
		return NULL;
	if (--target->refcount > 0)
		return target;
	target_free(target);
	return NULL;
}

#define TARGET_GETTER(type, name, expr, dflt)                                         \
	PMEMFLUSH_EXPORT type pmemflush_target_##name(struct pmemflush_target *target) \
	{                                                                             \
		return target ? (expr) : (dflt);                                      \
	}

TARGET_GETTER(const char *, get_name, target->name, NULL)
TARGET_GETTER(enum pmemflush_target_kind, get_kind, target->kind, PMEMFLUSH_TARGET_PATH)
TARGET_GETTER(const char *, get_devname, target->devname, NULL)
TARGET_GETTER(enum pmemflush_flush_how, get_how,
	      target->nsteps ? target->steps[0].how : PMEMFLUSH_HOW_NONE, PMEMFLUSH_HOW_NONE)
TARGET_GETTER(const char *, get_flush_path, target->nsteps ? target->steps[0].path : NULL, NULL)
TARGET_GETTER(const char *, get_reason, target->reason, NULL)

static int read_counter(const char *path, unsigned long long *v)
{
	char buf[32];
	int rc = util_sysfs_read(path, buf, sizeof(buf));

	if (rc < 0)
		return rc;
	return util_parse_u64(buf, v);
}

/*
 * The facts that let resolve choose fsync, read again: a change fails the
 * step, now and at every later flush of the target (the mount table says
 * a change once only).
 */
static int recheck(struct flush_step *s)
{
	char msg[768];
	int rc;

	if (s->lost)
		return pf_error(s->lost, "%s", s->lost_msg ? s->lost_msg : "flushes may be dropped");
	if (!s->watch)
		return 0;
	rc = pf_watch_stack_check(s->watch);
	if (rc >= 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s: %s", s->path, pmemflush_errormsg());
	s->lost = rc;
	free(s->lost_msg);
	s->lost_msg = strdup(msg);
	return pf_error(rc, "%s", msg);
}

/*
 * One step: an attribute write of "1", or an fsync (and syncfs) of the
 * file the check was made on, between two re-checks of what could make it
 * drop the flush: 0 only when neither saw a change.
 */
static int run_step(struct flush_step *s)
{
	_cleanup_close_ int fd = -1;
	int rc;

	if (s->how == PMEMFLUSH_HOW_VPMEM_FLUSH || s->how == PMEMFLUSH_HOW_DEEP_FLUSH) {
		errno = 0;
		fd = open(s->path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "1", 1) != 1) {
			rc = errno ? -errno : -EIO;
			return pf_error(rc, "cannot write %s: %s", s->path, strerror(-rc));
		}
		return 0;
	}
	rc = recheck(s);
	if (rc < 0)
		return rc;
	if (fsync(s->fd) < 0) {
		rc = -errno;
		return pf_error(rc, "fsync of %s failed: %s", s->path, strerror(-rc));
	}
	if (s->how == PMEMFLUSH_HOW_FSYNC_SYNCFS && syncfs(s->fd) < 0) {
		rc = -errno;
		return pf_error(rc, "syncfs of %s failed: %s", s->path, strerror(-rc));
	}
	return recheck(s);
}

/*
 * The failure a flush of several steps reports: the most severe, ranked as
 * vpmemctl ranks exit statuses (a failed flush over a denied one over no
 * path), the first of equals.
 */
static int severity(int rc)
{
	if (rc >= 0)
		return 0;
	if (rc == -EOPNOTSUPP)
		return 1;
	if (rc == -EACCES || rc == -EPERM)
		return 2;
	return 3;
}

PMEMFLUSH_EXPORT int pmemflush_target_flush(struct pmemflush_target *target,
					    long long *host_flushes)
{
	unsigned long long before = 0, after = 0;
	char msg[512] = "";
	bool counted;
	int i, rc = 0;

	if (host_flushes)
		*host_flushes = -1;
	if (!target)
		return pf_error(-EINVAL, "invalid argument");
	pf_error_clear();
	if (target->reason || !target->nsteps)
		return pf_error(-EOPNOTSUPP, "%s",
				target->reason ? target->reason : "nothing to flush");
	counted = target->counter && !target->counter_unknown &&
		  read_counter(target->counter, &before) == 0;
	/* Every step, even after a failure: the others' data matters too. */
	for (i = 0; i < target->nsteps; i++) {
		int r = run_step(&target->steps[i]);

		if (severity(r) > severity(rc)) {
			rc = r;
			snprintf(msg, sizeof(msg), "%s", pmemflush_errormsg());
		}
	}
	if (counted && read_counter(target->counter, &after) == 0 && after >= before &&
	    host_flushes)
		*host_flushes = (long long)(after - before);
	/* The reported failure's own message, not a later step's. */
	return rc < 0 ? pf_error(rc, "%s", msg) : 0;
}
