// SPDX-License-Identifier: GPL-2.0-only
/*
 * metrics --output DIR: replace DIR/vpmem.prom atomically. node_exporter
 * reads the textfile directory at every scrape, so it must see the old file
 * or the new one, never a part. The data goes to a temporary file in DIR
 * itself (rename is atomic only within one file system) whose name does
 * not end in ".prom", so that the collector never reads it; it is written,
 * fsync'ed, renamed over the target, and DIR fsync'ed so that the rename
 * survives a crash. On any failure the temporary file is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "metrics.h"

static int fail(const char *what, const char *path, int err)
{
	fprintf(stderr, "vpmemctl metrics: %s '%s': %s\n", what, path, strerror(err));
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

/* Write, make readable by the exporter's user, fsync, close: the first error wins. */
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

int metrics_write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	_cleanup_close_ int dfd = -1;
	struct stat st;
	int fd, rc;

	if (asprintf(&path, "%s/%s", dir, name) < 0 ||
	    asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0) {
		path = tmp = NULL;
		return fail("cannot write into", dir, ENOMEM);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail("cannot open the output directory", dir, errno);
	/* Only a regular file is replaced, never a directory someone put there. */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "vpmemctl metrics: cannot replace '%s': not a regular file\n",
			path);
		return -EEXIST;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return fail("cannot create a temporary file in", dir, errno);
	rc = fill(fd, data, len);
	if (rc < 0) {
		unlink(tmp);
		return fail("cannot write", tmp, -rc);
	}
	if (rename(tmp, path) < 0) {
		rc = errno;
		unlink(tmp);
		return fail("cannot rename the new file to", path, rc);
	}
	/* The new file is in place; only the durability of its name is left. */
	if (fsync(dfd) < 0)
		return fail("cannot fsync the output directory", dir, errno);
	return 0;
}
