// SPDX-License-Identifier: GPL-2.0-only
/*
 * metrics --output DIR: replace DIR/vpmem.prom atomically (atomic-file.c).
 * node_exporter reads the textfile directory at every scrape, so it must
 * see the old file or the new one, never a part; the temporary file is
 * written in DIR itself (rename is atomic only within one file system) and
 * its hidden name does not end in ".prom", so the collector never reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic-file.h"
#include "cleanup.h"
#include "metrics.h"
#include "eprint.h"

static int fail(const char *what, const char *path, int err)
{
	vp_line(stderr, "vpmemctl metrics: %s '%s': %s\n", what, path, strerror(err));
	return -err;
}

int metrics_write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int dfd = -1;
	enum atomic_step step;
	struct stat st;
	int rc;

	if (asprintf(&path, "%s/%s", dir, name) < 0) {
		path = NULL;
		return fail("cannot write into", dir, ENOMEM);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail("cannot open the output directory", dir, errno);
	/* Only a regular file is replaced, never a directory someone put there. */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		vp_line(stderr, "vpmemctl metrics: cannot replace '%s': not a regular file\n",
			path);
		return -EEXIST;
	}
	rc = atomic_replace(dfd, name, data, len, &step);
	if (rc == 0)
		return 0;
	switch (step) {
	case ATOMIC_CREATE:
		return fail("cannot create a temporary file in", dir, -rc);
	case ATOMIC_WRITE:
		return fail("cannot write the new contents of", path, -rc);
	case ATOMIC_RENAME:
		return fail("cannot rename the new file to", path, -rc);
	case ATOMIC_SYNC_DIR:
	default:
		return fail("cannot fsync the output directory", dir, -rc);
	}
}
