// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who uses a pmem block device or a dax device, before its driver is taken
 * away: the kernel (an exclusive claim of the disk: a mount in any mount
 * namespace, device mapper, md, swap; and the holders/ of the disk and of
 * each partition, which name the dm or md device), and processes that have
 * it open (/proc/PID/fd, compared by device number) or mapped
 * (/proc/PID/maps, compared by path, since a mapping outlives the
 * descriptor). A lookup that fails is an error, never "idle". Limits,
 * documented in vpmemctl-driver(1): only processes of our PID namespace, a
 * mapping of a device node outside /dev is not recognised, and a process
 * may open a device (not claim a disk) after the check.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "driver.h"
#include "sysfs.h"

const char *busy_maps_path(const char *line)
{
	int field;

	/* address perms offset dev inode path: the path is the 6th field. */
	for (field = 0; field < 5; field++) {
		while (*line && !isspace((unsigned char)*line))
			line++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '\n')
			return NULL;
	}
	return *line && *line != '\n' ? line : NULL;
}

bool busy_path_is_dev(const char *path, const char *name)
{
	size_t n = strlen(name);
	const char *rest;

	if (strncmp(path, "/dev/", 5) != 0 || strncmp(path + 5, name, n) != 0)
		return false;
	rest = path + 5 + n;
	if (*rest == '\0' || *rest == '\n' || strcmp(rest, " (deleted)\n") == 0 ||
	    strcmp(rest, " (deleted)") == 0)
		return true;
	/* pmem0p1: a partition, but not pmem01 (another disk). */
	if (*rest != 'p' || !isdigit((unsigned char)rest[1]))
		return false;
	for (rest++; isdigit((unsigned char)*rest); rest++)
		;
	return *rest == '\0' || *rest == '\n';
}

int busy_write_all(int fd, const char *text)
{
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);

	if (w < 0)
		return -errno;
	/* A sysfs store takes the whole name or nothing: short is an error. */
	return (size_t)w == n ? 0 : -EIO;
}

/* The process went away while we looked: not a failure of the check. */
static bool gone(int err)
{
	return err == ENOENT || err == ESRCH;
}

static int fail(int err, char *why, size_t len, const char *what)
{
	snprintf(why, len, "%s: %s%s", what, strerror(err),
		 err == EACCES || err == EPERM ? " (run as root)" : "");
	return -err;
}

static void comm_of(const char *proc, const char *pid, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/comm", proc, pid);
	if (util_sysfs_read(path, buf, len) < 0)
		snprintf(buf, len, "?");
}

/* The holders/ of one block device directory: 1 (named in @why), 0, or -errno. */
static int holders_in(const char *dir, const char *name, char *why, size_t len)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[PATH_MAX];
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/holders", dir);
	d = opendir(path);
	if (!d)
		return fail(errno, why, len, path);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(why, len, "/dev/%s is held by %s (a device-mapper or md device on it)",
				 name, e->d_name);
			return 1;
		}
	return 0;
}

int busy_holders(const char *sysblock, const char *disk, char *why, size_t len)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char dir[PATH_MAX], sub[PATH_MAX + 256];
	struct dirent *e;
	struct stat st;
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s", sysblock, disk);
	rc = holders_in(dir, disk, why, len);
	if (rc)
		return rc;
	/* A partition is a subdirectory with a "partition" file, with holders of its own. */
	d = opendir(dir);
	if (!d)
		return fail(errno, why, len, dir);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, disk, strlen(disk)) != 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s/partition", dir, e->d_name) >=
			    (int)sizeof(sub) ||
		    stat(sub, &st) < 0)
			continue;
		sub[strlen(sub) - strlen("/partition")] = '\0';
		rc = holders_in(sub, e->d_name, why, len);
		if (rc)
			return rc;
	}
	return 0;
}

int busy_claim(const char *sysblock, const char *disk, int *fdp, char *why, size_t len)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX], num[32];
	unsigned int major, minor;
	struct stat st;
	int rc;

	*fdp = -1;
	snprintf(path, sizeof(path), "%s/%s/dev", sysblock, disk);
	rc = util_sysfs_read(path, num, sizeof(num));
	if (rc < 0)
		return fail(-rc, why, len, path);
	/* The kernel's MAJ:MIN; a wrong number fails the st_rdev check below. */
	if (sscanf(num, "%u:%u", &major, &minor) != 2) /* NOLINT(cert-err34-c) */
		return fail(EINVAL, why, len, path);
	snprintf(path, sizeof(path), "/dev/%s", disk);
	/*
	 * O_EXCL on a block device is the kernel's exclusive claim: it fails
	 * with EBUSY while the disk or any of its partitions is claimed (a
	 * mounted file system in any mount namespace, dm, md, swap), and while
	 * we hold it nobody can claim the disk or a partition.
	 */
	fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0 && errno == EBUSY) {
		snprintf(why, len,
			 "%s is claimed inside the kernel (mounted, possibly in another mount namespace, swap, device mapper, md)",
			 path);
		return 1;
	}
	if (fd < 0)
		return fail(errno, why, len, path);
	if (fstat(fd, &st) < 0)
		return fail(errno, why, len, path);
	/* A stale or foreign node would claim another device. */
	if (!S_ISBLK(st.st_mode) || st.st_rdev != makedev(major, minor)) {
		snprintf(why, len, "%s is not block device %u:%u (%s in sysfs)", path, major, minor,
			 disk);
		return -ENODEV;
	}
	*fdp = TAKE_FD(fd);
	return 0;
}

static bool fd_is_dev(const char *fdpath, const struct busy_dev *dev)
{
	struct stat st;

	if (!dev->rdev || stat(fdpath, &st) < 0)
		return false;
	if (dev->block) {
		/* A partition has its own number: it is compared by name. */
		return S_ISBLK(st.st_mode) && st.st_rdev == dev->rdev;
	}
	return S_ISCHR(st.st_mode) && st.st_rdev == dev->rdev;
}

static int open_by(const char *proc, const char *pid, const struct busy_dev *devs, size_t n,
		   char *why, size_t len)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[PATH_MAX], target[PATH_MAX], comm[64];
	struct dirent *e;
	size_t i;
	ssize_t l;

	snprintf(path, sizeof(path), "%s/%s/fd", proc, pid);
	d = opendir(path);
	if (!d)
		return gone(errno) ? 0 : fail(errno, why, len, path);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd/%s", proc, pid, e->d_name);
		l = readlink(path, target, sizeof(target) - 1);
		if (l < 0) {
			if (gone(errno))
				continue;	/* closed meanwhile */
			return fail(errno, why, len, path);
		}
		target[l] = '\0';
		for (i = 0; i < n; i++) {
			if (!fd_is_dev(path, &devs[i]) && !busy_path_is_dev(target, devs[i].name))
				continue;
			comm_of(proc, pid, comm, sizeof(comm));
			snprintf(why, len, "%s is open by pid %s (%s)", target, pid, comm);
			return 1;
		}
	}
	return 0;
}

static int mapped_by(const char *proc, const char *pid, const struct busy_dev *devs, size_t n,
		     char *why, size_t len)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char path[PATH_MAX], comm[64];
	size_t cap = 0;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s/maps", proc, pid);
	f = fopen(path, "re");
	if (!f)
		return gone(errno) ? 0 : fail(errno, why, len, path);
	errno = 0;
	while (getline(&line, &cap, f) > 0) {
		const char *p = busy_maps_path(line);

		if (!p)
			continue;
		for (i = 0; i < n; i++) {
			if (!busy_path_is_dev(p, devs[i].name))
				continue;
			comm_of(proc, pid, comm, sizeof(comm));
			snprintf(why, len, "/dev/%s is mapped by pid %s (%s)", devs[i].name, pid, comm);
			return 1;
		}
	}
	if (ferror(f) && errno && !gone(errno))
		return fail(errno, why, len, path);
	return 0;
}

int busy_scan_proc(const char *proc, const struct busy_dev *devs, size_t n, char *why,
		   size_t len)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *e;
	char self[32];
	int rc;

	d = opendir(proc);
	if (!d)
		return fail(errno, why, len, proc);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) || strcmp(e->d_name, self) == 0)
			continue;
		rc = open_by(proc, e->d_name, devs, n, why, len);
		if (!rc)
			rc = mapped_by(proc, e->d_name, devs, n, why, len);
		if (rc)
			return rc;
	}
	return 0;
}

int busy_readable(const char *path, char *why, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char buf[4096];

	if (!f)
		return fail(errno, why, len, path);
	while (fread(buf, 1, sizeof(buf), f) > 0)
		;
	if (ferror(f))
		return fail(errno ? errno : EIO, why, len, path);
	return 0;
}
