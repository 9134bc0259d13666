// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mounts over a namespace, read with libmount from /proc/self/mountinfo and
 * matched by device number: of its block device, its partitions, and the
 * devices stacked on them (device mapper, md: holders/ in sysfs), so that a
 * nobarrier file system on LVM over pmem is the namespace's too. The queues
 * of that stack are read here as well: any of them set to "write through"
 * drops the flushes of everything above it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include <libmount/libmount.h>

#include "cleanup.h"
#include "private.h"
#include "sysfs.h"

/* Device mapper on md on partitions...: deeper than this is a loop. */
#define MAX_HOLDER_DEPTH 8

/*
 * A line libmount cannot parse may be the nobarrier mount: the table is
 * not whole then, and a table that is not whole shows no hazard falsely.
 * libmount skips such lines (and swallows a fatal error on the last line),
 * so the callback only counts them.
 */
static int parse_error(struct libmnt_table *tb, const char *filename, int line)
{
	unsigned int *errors = mnt_table_get_userdata(tb);

	(*errors)++;
	return 1;	/* skip the line; pf_mounts_load() fails afterwards */
}

int pf_mounts_parse(FILE *f, const char *name, struct libmnt_table **table)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *itr = NULL;
	struct libmnt_fs *fs;
	unsigned int errors = 0;
	int rc;

	*table = NULL;
	if (!tb)
		return pf_error(-ENOMEM, "out of memory reading the mount table");
	mnt_table_set_userdata(tb, &errors);
	mnt_table_set_parser_errcb(tb, parse_error);
	rc = mnt_table_parse_stream(tb, f, name);
	if (rc < 0) {
		rc = pf_error(rc, "cannot read the mount table %s: %s", name, strerror(-rc));
		goto out;
	}
	if (errors) {
		rc = pf_error(-EINVAL, "cannot parse %u line(s) of the mount table %s", errors, name);
		goto out;
	}
	/* Every process has a root mount: none at all is a failed read. */
	if (mnt_table_get_nents(tb) == 0) {
		rc = pf_error(-ENODATA, "the mount table %s is empty", name);
		goto out;
	}
	/* libmount guesses the format: every mountinfo line has a root. */
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	if (!itr) {
		rc = pf_error(-ENOMEM, "out of memory reading the mount table");
		goto out;
	}
	while (mnt_table_next_fs(tb, itr, &fs) == 0)
		if (!mnt_fs_get_root(fs)) {
			rc = pf_error(-EINVAL, "%s is not in the mountinfo format", name);
			goto out;
		}
	*table = TAKE_PTR(tb);
	rc = 0;
out:
	mnt_free_iter(itr);
	mnt_unref_table(tb);
	return rc;
}

int pf_mounts_load(struct pmemflush_ctx *ctx, struct libmnt_table **table)
{
	static const char path[] = "/proc/self/mountinfo";
	_cleanup_fclose_ FILE *f = fopen(path, "re");

	*table = NULL;
	if (!f)
		return pf_error(-errno, "cannot read the mount table %s: %s", path, strerror(errno));
	return pf_mounts_parse(f, path, table);
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

/* One block device of a namespace's stack. */
struct stack_dev {
	dev_t devno;
	char stack[160];	/* "dm-0 > pmem0p1 > pmem0" */
};

struct stack_walk {
	struct pmemflush_namespace *ns;
	struct stack_dev *devs;
	size_t n, alloc;
};

/* Remember @name as a device of the stack; 1 if it was seen already. */
static int walk_add(struct stack_walk *w, const char *name, dev_t devno, const char *below)
{
	struct stack_dev *d;
	size_t i;

	/* dm over two partitions of the namespace is reached twice. */
	for (i = 0; i < w->n; i++)
		if (w->devs[i].devno == devno)
			return 1;
	if (w->n == w->alloc) {
		size_t alloc = w->alloc ? 2 * w->alloc : 8;

		d = reallocarray(w->devs, alloc, sizeof(*d));
		if (!d)
			return pf_error(-ENOMEM, "out of memory reading the block device stack");
		w->devs = d;
		w->alloc = alloc;
	}
	d = &w->devs[w->n++];
	d->devno = devno;
	if (below)
		snprintf(d->stack, sizeof(d->stack), "%s > %s", name, below);
	else
		snprintf(d->stack, sizeof(d->stack), "%s", name);
	return 0;
}

/*
 * Note a whole disk's queue. A btt namespace flushes every write itself,
 * so a queue above it drops nothing (as in the path check); on a region
 * that is not buffered no queue matters. Anywhere else an unreadable queue
 * may be the one that drops flushes: an error, not "write back".
 */
static int walk_queue(struct stack_walk *w, const char *name)
{
	struct pmemflush_namespace *ns = w->ns;
	int rc;

	if (ns->mode == PMEMFLUSH_NS_MODE_SECTOR || ns->write_through_dev)
		return 0;
	rc = pf_queue_write_through(name);
	if (rc < 0 && ns->region->facts.buffered != PMEMFLUSH_NO)
		return pf_error(rc, "%s: cannot read /sys/block/%s/queue/write_cache: %s; whether "
				"flushes reach the host cannot be told",
				ns->devname, name, strerror(-rc));
	if (rc > 0) {
		ns->write_through_dev = strdup(name);
		if (!ns->write_through_dev)
			return pf_error(-ENOMEM, "out of memory reading the block device stack");
	}
	return 0;
}

static int walk_dev(struct stack_walk *w, const char *name, const char *below, int depth);

/*
 * The devices listed in /sys/class/block/@name/holders (@partitions false)
 * or the partitions among the entries of /sys/class/block/@name.
 */
static int walk_dir(struct stack_walk *w, const char *name, const char *stack, int depth,
		    bool partitions)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[PATH_MAX];
	struct dirent *e;
	int rc;

	snprintf(path, sizeof(path), "/sys/class/block/%s%s", name, partitions ? "" : "/holders");
	d = opendir(path);
	if (!d) {
		/* Removed since it was listed: nothing is stacked on it any more. */
		if (errno == ENOENT)
			return 0;
		return pf_error(-errno, "cannot list %s: %m", path);
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (partitions) {
			snprintf(path, sizeof(path), "/sys/class/block/%s/%s/partition", name,
				 e->d_name);
			if (access(path, F_OK) < 0)
				continue;
		}
		rc = walk_dev(w, e->d_name, stack, depth + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The block device @name (a disk or a partition) stacked on @below ("" for
 * the namespace's own), then its partitions and what holds it.
 */
static int walk_dev(struct stack_walk *w, const char *name, const char *below, int depth)
{
	char path[PATH_MAX], buf[32], stack[sizeof(w->devs[0].stack)];
	unsigned int maj, min;
	bool partition;
	int rc;

	if (depth > MAX_HOLDER_DEPTH)
		return pf_error(-ELOOP, "%s: block devices stacked deeper than %d over %s",
				w->ns->devname, MAX_HOLDER_DEPTH, w->ns->blockdev);
	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
	rc = util_sysfs_read(path, buf, sizeof(buf));
	if (rc == -ENOENT)
		return 0;	/* removed since it was listed */
	if (rc < 0)
		return pf_error(rc, "cannot read %s: %s", path, strerror(-rc));
	/* The kernel's MAJ:MIN; a value past UINT_MAX only names another device. */
	if (sscanf(buf, "%u:%u", &maj, &min) != 2) /* NOLINT(cert-err34-c) */
		return pf_error(-EIO, "%s: unexpected content '%s'", path, buf);
	rc = walk_add(w, name, makedev(maj, min), below);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	snprintf(stack, sizeof(stack), "%s", w->devs[w->n - 1].stack);

	/* A partition shares its disk's queue and has no partitions. */
	snprintf(path, sizeof(path), "/sys/class/block/%s/partition", name);
	partition = access(path, F_OK) == 0;
	if (!partition) {
		rc = walk_queue(w, name);
		if (rc == 0)
			rc = walk_dir(w, name, stack, depth, true);
		if (rc < 0)
			return rc;
	}
	return walk_dir(w, name, stack, depth, false);
}

static struct pmemflush_mount *mount_new(struct pmemflush_namespace *ns, struct libmnt_fs *fs,
					const char *stack)
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
	m->stack = strdup(stack);
	if (!m->target || !m->fstype || !m->stack || (mnt_fs_get_source(fs) && !m->source)) {
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
	struct stack_walk w = { .ns = ns };
	struct libmnt_iter *itr = NULL;
	struct libmnt_fs *fs;
	size_t i;
	int rc;

	if (!ns->blockdev)
		return 0;
	rc = walk_dev(&w, ns->blockdev, NULL, 0);
	if (rc < 0)
		goto out;
	if (ns->write_through_dev)
		dbg(ctx, "%s: %s says write through\n", ns->devname, ns->write_through_dev);
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	if (!itr) {
		rc = pf_error(-ENOMEM, "out of memory reading mounts");
		goto out;
	}
	while (table && mnt_table_next_fs(table, itr, &fs) == 0) {
		dev_t devno = mnt_fs_get_devno(fs);
		struct pmemflush_mount *m;

		for (i = 0; i < w.n; i++)
			if (w.devs[i].devno == devno)
				break;
		if (i == w.n)
			continue;
		m = mount_new(ns, fs, w.devs[i].stack);
		if (!m) {
			rc = pf_error(-ENOMEM, "out of memory reading mounts");
			break;
		}
		*tail = m;
		tail = &m->next;
		dbg(ctx, "%s: %s on %s type %s (%s) [%s]\n", ns->devname,
		    m->source ? m->source : "-", m->target, m->fstype, m->options ? m->options : "",
		    m->stack);
	}
out:
	mnt_free_iter(itr);
	free(w.devs);
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
		free(m->stack);
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
MOUNT_GETTER(const char *, get_stack, mnt->stack, NULL)
