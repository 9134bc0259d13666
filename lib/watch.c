// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a map keeps watching after it is made, because the facts that chose
 * its method can change under it:
 *
 *  - Device-wide failures. The host reports a failed write-back once, to
 *    the flush that asked for it; the next flush of the same device
 *    succeeds. A second map, another process or another file on the device
 *    whose stores were in that write-back would be told 0. vpmem.ko counts
 *    every failed host flush of a device in ndbusN/vpmem/flush_errors
 *    (monotonic, never reset). The map opens the counter of every vpmem
 *    device under it (all members of a device-mapper or md stack) and the
 *    group reads their sum after every flush and at clear: a rise fails
 *    the map (sticky). The in-tree virtio_pmem driver has no such counter:
 *    nothing can be detected there.
 *  - Dropped flushes (msync maps on a region that may be buffered). A
 *    queue switched to "write through", or the file system remounted
 *    nobarrier, after the map was made makes every later msync return 0
 *    without reaching the host. Before and after each msync the map
 *    re-reads the write_cache of every disk under it (pread of an open
 *    file), and when /proc/self/mountinfo signals a change (poll, no
 *    system call otherwise), the options of its own mount (by mount id).
 *    A change that comes and goes entirely within one msync cannot be seen.
 *    Flush targets (target.c) watch their fsync steps the same way
 *    (pf_watch_stack), from resolve to flush.
 *
 * The file system's options: nobarrier is an option of the superblock,
 * not of one mount (of the file systems that can hold pmem files, only
 * ext4 still has it), and a remount in any mount namespace changes it for
 * every mount. For ext4 the superblock's own options are a file,
 * /proc/fs/ext4/DEV/options, listing "barrier" or "nobarrier" among
 * every option; while the file is open it is re-read (one pread) at each
 * check instead of the mount table. That is also the cheaper witness: the
 * mount table way needs a stat of /proc/self/ns/mnt at each check (a
 * process that moved to another namespace is not told by its old
 * mountinfo descriptor), measured at a third of a one-thread persist in a
 * TCG guest. And it sees what the mount table cannot: a remount in
 * another namespace (the poll fires only in the namespace of the
 * remount), and a lazily unmounted file system is still a superblock with
 * options. Where the file cannot be opened or lists neither word, the
 * mount table is watched as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libmount/libmount.h>
#include <linux/magic.h>

#include "cleanup.h"
#include "map.h"
#include "private.h"
#include "sysfs.h"

static int read_counter(int fd, const char *path, uint64_t *count)
{
	unsigned long long v;
	char buf[32];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return pf_error(-errno, "cannot read %s: %s", path, strerror(errno));
	/* The attribute ends with one newline. */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	if (util_parse_u64(buf, &v) < 0)
		return pf_error(-EIO, "cannot read %s: unexpected content", path);
	*count = v;
	return 0;
}

/* The sum of the counters: monotonic as each of them is. */
static int errseq_read(void *arg, uint64_t *count)
{
	struct pmemflush_map *m = arg;
	uint64_t one = 0;
	int i, rc;

	*count = 0;
	for (i = 0; i < m->watch.n_err; i++) {
		rc = read_counter(m->watch.err_fd[i], m->watch.err_path[i], &one);
		if (rc < 0)
			return rc;
		*count += one;
	}
	return 0;
}

static int watch_errors(struct pmemflush_map *m, struct pmemflush_check *c)
{
	struct pf_watch *w = &m->watch;
	size_t used = 0;
	int i, fd, rc;

	for (i = 0; i < c->n_leaves; i++) {
		const struct pmemflush_region *r = c->leaves[i];

		if (r->facts.driver != PMEMFLUSH_DRIVER_VPMEM || !r->bus_devname)
			continue;
		snprintf(w->err_path[w->n_err], sizeof(w->err_path[0]),
			 "/sys/bus/nd/devices/%s/vpmem/flush_errors", r->bus_devname);
		fd = open(w->err_path[w->n_err], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pf_error(-errno, "%s: cannot open %s: %s", c->path,
					w->err_path[w->n_err], strerror(errno));
		w->err_fd[w->n_err++] = fd;
		if (used < sizeof(w->err_names))
			used += snprintf(w->err_names + used, sizeof(w->err_names) - used, "%s%s",
					 used ? " + " : "", w->err_path[w->n_err - 1]);
	}
	if (!w->n_err)
		return 0;
	rc = pf_group_set_errcount(&m->group, errseq_read, m, w->err_names);
	if (rc < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", pmemflush_errormsg());
		return pf_error(rc, "%s: %s", c->path, why);
	}
	return 0;
}

/* The inode of this process's mount namespace (0 if unknown). */
static unsigned long long mount_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/mnt", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* Under ext4's options file: 1 nobarrier, 0 barrier, -1 neither. */
int pf_sbopts_nobarrier(const char *buf)
{
	const char *p = buf;
	size_t n;

	while (*p) {
		n = strcspn(p, "\n,");
		if (n == 9 && !strncmp(p, "nobarrier", 9))
			return 1;
		if (n == 7 && !strncmp(p, "barrier", 7))
			return 0;
		p += n;
		p += strspn(p, "\n,");
	}
	return -1;
}

static int sbopts_read(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	return pf_sbopts_nobarrier(buf) < 0 ? -EIO : 0;
}

/*
 * ext4's superblock options, when the file can be opened and says barrier
 * or nobarrier: the kernel names its /proc/fs/ext4 directory after the
 * block device (the name /sys/dev/block/MAJ:MIN links to). The device is
 * the file's own st_dev, so these are the options of the superblock the
 * file is on, found without the mount table; ext2 and ext3 mounted by the
 * ext4 driver (Debian's kernels) have the file too.
 */
static void watch_sbopts(struct pf_watch *w, const struct pmemflush_check *c)
{
	char link[PATH_MAX], path[PATH_MAX + 32], buf[1024];
	const char *name;
	ssize_t n;
	int fd;

	if (c->file_fs_magic != EXT4_SUPER_MAGIC || !c->file_dev)
		return;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(c->file_dev),
		 minor(c->file_dev));
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	name = strrchr(link, '/');
	name = name ? name + 1 : link;
	if (strlen(name) > NAME_MAX)
		return;
	snprintf(path, sizeof(path), "/proc/fs/ext4/%s/options", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (sbopts_read(fd, buf, sizeof(buf)) < 0) {
		close(fd);
		return;
	}
	w->sbopts_fd = fd;
	w->sbopts_on = true;
}

void pf_watch_stack(struct pf_watch *w, const struct pmemflush_check *c, bool queues,
		    int mountinfo_fd, const char *since, const char *redo)
{
	char path[96];
	struct pollfd p;
	int i, fd;

	w->since = since;
	w->redo = redo;
	snprintf(w->mount_target, sizeof(w->mount_target), "%s",
		 c->mount_target ? c->mount_target : c->path ? c->path : "?");
	watch_sbopts(w, c);
	for (i = 0; queues && i < c->n_disks; i++) {
		snprintf(path, sizeof(path), "/sys/block/%s/queue/write_cache", c->disks[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;	/* no queue attribute: nothing to switch */
		if (fd < 0) {
			/* Out of descriptors, say: unwatched would be fail-open. */
			w->setup_error = -errno;
			snprintf(w->setup_msg, sizeof(w->setup_msg),
				 "cannot watch %s: %s; whether flushes reach the host cannot be told",
				 path, strerror(errno));
			continue;
		}
		snprintf(w->wc_disk[w->n_wc], sizeof(w->wc_disk[0]), "%s", c->disks[i]);
		w->wc_fd[w->n_wc++] = fd;
	}
	if (w->sbopts_on || !c->mnt_id_valid) {
		if (mountinfo_fd >= 0)
			close(mountinfo_fd);
		/*
		 * Neither witness on an ext2/3/4 file (its mount is not in this
		 * namespace's table, and its options file cannot be read): a
		 * nobarrier remount could not be seen, so every check fails.
		 */
		if (!w->sbopts_on && c->file_fs_magic == EXT4_SUPER_MAGIC && !w->setup_error) {
			w->setup_error = -EOPNOTSUPP;
			snprintf(w->setup_msg, sizeof(w->setup_msg),
				 "neither the mount of %s nor its file system's options can be "
				 "watched: a nobarrier remount could not be seen",
				 c->path ? c->path : "the file");
		}
		return;
	}
	w->mnt_id = c->mnt_id;
	w->devno = c->mnt_devno;
	w->mnt_ns = mount_ns();
	if (mountinfo_fd >= 0) {
		/* Opened before the check: a change since then is news. */
		w->mountinfo_fd = mountinfo_fd;
		w->mount_on = true;
		return;
	}
	w->mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (w->mountinfo_fd < 0) {
		w->setup_error = -errno;
		snprintf(w->setup_msg, sizeof(w->setup_msg),
			 "cannot watch /proc/self/mountinfo: %s; a nobarrier remount of %s could not be seen",
			 strerror(errno), w->mount_target);
		return;
	}
	w->mount_on = true;
	/* The first poll reports the table as new: consume that. */
	p = (struct pollfd){ .fd = w->mountinfo_fd, .events = POLLPRI };
	poll(&p, 1, 0);
}

static int watch_drops(struct pmemflush_map *m, struct pmemflush_check *c)
{
	if (m->method != PMEMFLUSH_METHOD_MSYNC || c->facts.buffered == PMEMFLUSH_NO ||
	    !c->region)
		return 0;
	m->watch.fail_ro = true;
	pf_watch_stack(&m->watch, c, true, -1, "the map was made", "make a new map");
	return 0;
}

int pf_watch_init(struct pmemflush_map *m, struct pmemflush_check *c)
{
	int rc;

	rc = watch_errors(m, c);
	if (rc < 0)
		return rc;
	return watch_drops(m, c);
}

void pf_watch_close(struct pmemflush_map *m)
{
	pf_watch_stack_close(&m->watch);
}

void pf_watch_stack_close(struct pf_watch *w)
{
	int i;

	for (i = 0; i < w->n_err; i++)
		close(w->err_fd[i]);
	for (i = 0; i < w->n_wc; i++)
		close(w->wc_fd[i]);
	if (w->mount_on)
		close(w->mountinfo_fd);
	if (w->sbopts_on)
		close(w->sbopts_fd);
	memset(w, 0, sizeof(*w));
}

static void mnt_unref_tablep(struct libmnt_table **t)
{
	mnt_unref_table(*t);
}

/*
 * Our mount's options now, if the mount table changed since last time (or
 * the process moved to another mount namespace, which the old descriptor
 * does not report). The file system's options are shared by every mount
 * of the same superblock, so every entry of the file's device counts, and
 * the mount is still found after a lazy unmount and a new mount. Not
 * finding it at all fails: a nobarrier remount cannot be ruled out.
 */
static int recheck_mount(struct pf_watch *w)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	struct pf_mount_facts mf = { 0 }, one;
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	struct pollfd p = { .fd = w->mountinfo_fd, .events = POLLPRI };
	unsigned long long ns = mount_ns();
	bool found = false;
	int fd;

	if (!w->mount_on)
		return 0;
	if (ns == w->mnt_ns && (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLPRI | POLLERR))))
		return 0;
	if (ns != w->mnt_ns) {
		fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pf_error(-EIO, "cannot watch the mount table of this mount namespace: a "
					      "nobarrier remount of %s cannot be ruled out", w->mount_target);
		close(w->mountinfo_fd);
		w->mountinfo_fd = fd;
		w->mnt_ns = ns;
		p.fd = fd;
		poll(&p, 1, 0);	/* consume the "new table" event */
	}
	tb = mnt_new_table();
	if (!tb || mnt_table_parse_file(tb, "/proc/self/mountinfo") < 0)
		return pf_error(-EIO, "the mount table changed and cannot be read again: a nobarrier "
				      "remount of %s cannot be ruled out", w->mount_target);
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	while (itr && mnt_table_next_fs(tb, itr, &fs) == 0) {
		_cleanup_free_ char *opts = NULL;

		if ((uint64_t)mnt_fs_get_id(fs) != w->mnt_id && mnt_fs_get_devno(fs) != w->devno)
			continue;
		found = true;
		opts = mnt_fs_strdup_options(fs);
		pf_mount_parse_options(opts, &one);
		mf.nobarrier |= one.nobarrier;
	}
	mnt_free_iter(itr);
	if (!found)
		return pf_error(-EOPNOTSUPP,
				"the mount of %s is no longer in this mount table: a nobarrier remount "
				"cannot be ruled out; %s",
				w->mount_target, w->redo);
	if (mf.nobarrier)
		return pf_error(-EOPNOTSUPP,
				"%s was remounted nobarrier after %s: fsync and msync no "
				"longer reach the host; remount it with barriers",
				w->mount_target, w->since);
	return 0;
}

/* ext4: the superblock's options now (see "The file system's options"). */
static int recheck_sbopts(struct pf_watch *w)
{
	char buf[1024];
	int rc = sbopts_read(w->sbopts_fd, buf, sizeof(buf));

	if (rc < 0)
		return pf_error(rc, "cannot read the options of the file system at %s again: a "
				    "nobarrier remount cannot be ruled out", w->mount_target);
	/* Read-only (SysRq's emergency remount, say): fsync writes nothing back. */
	if (w->fail_ro && !strncmp(buf, "ro", 2) && (buf[2] == '\n' || buf[2] == ',' || !buf[2]))
		return pf_error(-EROFS, "the file system at %s is now read-only: fsync and msync "
				"no longer write anything back", w->mount_target);
	if (pf_sbopts_nobarrier(buf) == 1)
		return pf_error(-EOPNOTSUPP,
				"%s was remounted nobarrier after %s: fsync and msync no "
				"longer reach the host; remount it with barriers",
				w->mount_target, w->since);
	return 0;
}

int pf_watch_check(struct pmemflush_map *m)
{
	return pf_watch_stack_check(&m->watch);
}

int pf_watch_stack_check(struct pf_watch *w)
{
	char buf[32];
	ssize_t n;
	int i;

	if (w->setup_error)
		return pf_error(w->setup_error, "%s", w->setup_msg);
	for (i = 0; i < w->n_wc; i++) {
		n = pread(w->wc_fd[i], buf, sizeof(buf) - 1, 0);
		/* sysfs says ENODEV for an attribute of a device that was removed. */
		if (n < 0 && errno == ENODEV)
			return pf_error(-ENODEV,
					"%s was removed (unbound or unplugged) after %s: nothing "
					"written since reaches the host",
					w->wc_disk[i], w->since);
		if (n <= 0)
			return pf_error(n < 0 ? -errno : -EIO,
					"cannot read /sys/block/%s/queue/write_cache again: whether flushes "
					"still reach the host cannot be told",
					w->wc_disk[i]);
		buf[n] = '\0';
		if (strncmp(buf, "write through", 13) == 0)
			return pf_error(-EOPNOTSUPP,
					"/sys/block/%s/queue/write_cache was set to \"write through\" after "
					"%s: the block layer drops flushes, nothing reaches the "
					"host; write \"write back\" to it",
					w->wc_disk[i], w->since);
	}
	if (w->sbopts_on)
		return recheck_sbopts(w);
	return recheck_mount(w);
}
