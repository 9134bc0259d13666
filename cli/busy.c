// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who uses a pmem block device or a dax device, before its driver is taken
 * away: kernel holders (device mapper, md: /sys/block/NAME/holders), and
 * processes that have it open (/proc/PID/fd, compared by device number) or
 * mapped (/proc/PID/maps, compared by path, since a mapping outlives the
 * descriptor). Limits, documented in vpmemctl-driver(1): only processes of
 * our PID namespace whose /proc entries we may read (all of them as root),
 * a mapping of a device node outside /dev is not recognised, and a process
 * may open the device after the check.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

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

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void comm_of(const char *pid, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if (util_sysfs_read(path, buf, len) < 0)
		snprintf(buf, len, "?");
}

/* Device-mapper, md and other stacked devices built on @name. */
static int holder_of(const struct busy_dev *dev, char *why, size_t len)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[PATH_MAX];
	struct dirent *e;

	if (!dev->block)
		return 0;
	snprintf(path, sizeof(path), "/sys/class/block/%s/holders", dev->name);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(why, len, "/dev/%s is held by %s (a device-mapper or md device on it)",
				 dev->name, e->d_name);
			return 1;
		}
	return 0;
}

static bool fd_is_dev(const char *fdpath, const struct busy_dev *dev)
{
	struct stat st;

	if (!dev->rdev || stat(fdpath, &st) < 0)
		return false;
	if (dev->block) {
		/* A partition has its own number: compare the whole disk by name. */
		return S_ISBLK(st.st_mode) && st.st_rdev == dev->rdev;
	}
	return S_ISCHR(st.st_mode) && st.st_rdev == dev->rdev;
}

static int open_by(const char *pid, const struct busy_dev *devs, size_t n, char *why, size_t len)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[PATH_MAX], target[PATH_MAX], comm[64];
	struct dirent *e;
	size_t i;
	ssize_t l;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, e->d_name);
		l = readlink(path, target, sizeof(target) - 1);
		if (l < 0)
			continue;
		target[l] = '\0';
		for (i = 0; i < n; i++) {
			if (!fd_is_dev(path, &devs[i]) && !busy_path_is_dev(target, devs[i].name))
				continue;
			comm_of(pid, comm, sizeof(comm));
			snprintf(why, len, "%s is open by pid %s (%s)", target, pid, comm);
			return 1;
		}
	}
	return 0;
}

static int mapped_by(const char *pid, const struct busy_dev *devs, size_t n, char *why,
		     size_t len)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char path[PATH_MAX], comm[64];
	size_t cap = 0;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		const char *p = busy_maps_path(line);

		if (!p)
			continue;
		for (i = 0; i < n; i++) {
			if (!busy_path_is_dev(p, devs[i].name))
				continue;
			comm_of(pid, comm, sizeof(comm));
			snprintf(why, len, "/dev/%s is mapped by pid %s (%s)", devs[i].name, pid, comm);
			return 1;
		}
	}
	return 0;
}

int busy_find_user(const struct busy_dev *devs, size_t n, char *why, size_t len)
{
	_cleanup_(closedirp) DIR *proc = NULL;
	struct dirent *e;
	char self[32];
	size_t i;

	for (i = 0; i < n; i++)
		if (holder_of(&devs[i], why, len))
			return 1;
	proc = opendir("/proc");
	if (!proc)
		return 0;
	snprintf(self, sizeof(self), "%d", (int)getpid());
	while ((e = readdir(proc))) {
		if (!isdigit((unsigned char)e->d_name[0]) || strcmp(e->d_name, self) == 0)
			continue;
		if (open_by(e->d_name, devs, n, why, len) || mapped_by(e->d_name, devs, n, why, len))
			return 1;
	}
	return 0;
}
