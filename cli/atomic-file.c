// SPDX-License-Identifier: GPL-2.0-only
/*
 * The atomic replacement shared by metrics --output and list --output.
 * rename() is atomic only within one file system, so the new data is
 * written in the target's own directory. It is written to an O_TMPFILE
 * file, which has no name while it is written and fsync'ed: a writer
 * killed then (SIGKILL, a file size limit, the OOM killer) leaves nothing
 * in the directory, the kernel frees the inode. Only once complete is it
 * linked under a hidden name (readers skip dot files and names not ending
 * in ".prom") and renamed over the target: a window of two system calls.
 * A file system without O_TMPFILE, or a system where the unnamed file
 * cannot be linked (no /proc mounted and no CAP_DAC_READ_SEARCH), gets the
 * older scheme, a hidden file created with O_EXCL and removed on every
 * error this process sees. A hidden name that already exists belongs to
 * someone else and is never removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic-file.h"

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write, make readable by the reader's user, fsync: the first error wins. */
static int fill(int fd, const char *data, size_t len)
{
	int rc = write_all(fd, data, len);

	if (!rc && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	return rc;
}

/* ".NAME.XXXXXX" with six random characters, as mkostemp would pick. */
static void hidden_name(char *buf, size_t size, const char *name)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	struct timespec ts;
	unsigned long long x;
	char suffix[7];
	int i;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* Only to make a clash unlikely: the file is created with O_EXCL. */
	x = (unsigned long long)ts.tv_nsec * 2654435761ULL ^ (unsigned long long)getpid() << 20 ^
	    (unsigned long long)rand(); /* NOLINT(cert-msc30-c,cert-msc50-cpp) */
	for (i = 0; i < 6; i++, x /= 62)
		suffix[i] = chars[x % 62];
	suffix[6] = '\0';
	snprintf(buf, size, ".%s.%s", name, suffix);
}

/*
 * Give the unnamed file at @fd the name @hidden in @dfd. The /proc/self/fd
 * link works for any user (open(2)); without /proc mounted it fails with
 * ENOENT, and linkat(fd, "", AT_EMPTY_PATH) is tried, which needs
 * CAP_DAC_READ_SEARCH and fails with ENOENT too without it.
 */
static int link_tmpfile(int fd, int dfd, const char *hidden)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dfd, hidden, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	return linkat(fd, "", dfd, hidden, AT_EMPTY_PATH) < 0 ? -errno : 0;
}

/* The O_TMPFILE way: -EOPNOTSUPP when the file system (or /proc) cannot. */
static int replace_tmpfile(int dfd, const char *name, const char *data, size_t len,
			   enum atomic_step *step)
{
	char hidden[NAME_MAX + 1];
	int fd, rc, tries;
	bool linked;

	*step = ATOMIC_CREATE;
	fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* No O_TMPFILE here (kernel or file system): the caller falls back. */
		if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
			return -EOPNOTSUPP;
		return -errno;
	}
	*step = ATOMIC_WRITE;
	rc = fill(fd, data, len);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*step = ATOMIC_RENAME;
	for (tries = 0; tries < 100; tries++) {
		hidden_name(hidden, sizeof(hidden), name);
		rc = link_tmpfile(fd, dfd, hidden);
		if (rc != -EEXIST)
			break;
	}
	/* Only a name this process linked is its own to remove: an EEXIST one is another's. */
	linked = rc == 0;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	/* No way to name an unnamed file (no /proc, no capability): the named way. */
	if (rc == -ENOENT)
		return -EOPNOTSUPP;
	if (rc < 0) {
		if (linked)
			unlinkat(dfd, hidden, 0);
		return rc;
	}
	if (renameat(dfd, hidden, dfd, name) < 0) {
		rc = -errno;
		unlinkat(dfd, hidden, 0);
		return rc;
	}
	return 0;
}

/* The named way, for a file system without O_TMPFILE. */
static int replace_named(int dfd, const char *name, const char *data, size_t len,
			 enum atomic_step *step)
{
	char hidden[NAME_MAX + 1];
	int fd, rc, tries;

	*step = ATOMIC_CREATE;
	for (tries = 0; tries < 100; tries++) {
		hidden_name(hidden, sizeof(hidden), name);
		fd = openat(dfd, hidden, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return -errno;
	*step = ATOMIC_WRITE;
	rc = fill(fd, data, len);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc) {
		*step = ATOMIC_RENAME;
		if (renameat(dfd, hidden, dfd, name) < 0)
			rc = -errno;
	}
	if (rc < 0)
		unlinkat(dfd, hidden, 0);
	return rc;
}

int atomic_replace(int dfd, const char *name, const char *data, size_t len,
		   enum atomic_step *step)
{
	int rc;

	if (strlen(name) + 8 > NAME_MAX) {
		*step = ATOMIC_CREATE;
		return -ENAMETOOLONG;
	}
	rc = replace_tmpfile(dfd, name, data, len, step);
	if (rc == -EOPNOTSUPP)
		rc = replace_named(dfd, name, data, len, step);
	if (rc < 0)
		return rc;
	/* The new name is in place; only its durability is left to ask for. */
	*step = ATOMIC_SYNC_DIR;
	return fsync(dfd) < 0 ? -errno : 0;
}
