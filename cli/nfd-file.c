// SPDX-License-Identifier: GPL-2.0-only
/*
 * list --output: replace a file atomically. A reader (nfd-worker, which
 * rereads features.d whenever it changes) must see the old file or the new
 * one, never a part: the data goes to a hidden temporary file in the same
 * directory (rename is atomic only within one file system; NFD skips dot
 * files), is fsync'ed, renamed over the target, and the directory fsync'ed
 * so that the rename survives a crash too.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "nfd.h"

static int fail(const char *who, const char *what, const char *path, int err)
{
	fprintf(stderr, "%s: %s '%s': %s\n", who, what, path, strerror(err));
	return -err;
}

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

/* Write, fsync and close @fd; the first error wins. */
static int fill(int fd, const char *data, size_t len)
{
	int rc = write_all(fd, data, len);

	if (!rc && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

int nfd_write_atomic(const char *who, const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *dcopy = strdup(path), *bcopy = strdup(path), *tmp = NULL;
	_cleanup_close_ int dfd = -1;
	const char *dir, *base;
	struct stat st;
	int fd, rc;

	if (!dcopy || !bcopy)
		return fail(who, "cannot write", path, ENOMEM);
	dir = dirname(dcopy);
	base = basename(bcopy);
	if (!*path || path[strlen(path) - 1] == '/' || !strcmp(base, ".") || !strcmp(base, ".."))
		return fail(who, "cannot write", path, EISDIR);
	/* Only a regular file is replaced: never a directory or a device. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return fail(who, "cannot replace", path, EISDIR);
		fprintf(stderr, "%s: cannot replace '%s': not a regular file\n", who, path);
		return -EINVAL;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail(who, "cannot open the directory of", path, errno);
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		tmp = NULL;
		return fail(who, "cannot write", path, ENOMEM);
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return fail(who, "cannot create a temporary file for", path, errno);
	rc = fill(fd, data, len);
	if (rc < 0) {
		unlink(tmp);
		return fail(who, "cannot write", path, -rc);
	}
	if (rename(tmp, path) < 0) {
		rc = errno;
		unlink(tmp);
		return fail(who, "cannot rename the new file to", path, rc);
	}
	/* The new name is in place; only its durability is left to ask for. */
	if (fsync(dfd) < 0)
		return fail(who, "cannot fsync the directory of", path, errno);
	return 0;
}
