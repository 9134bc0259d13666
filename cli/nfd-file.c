// SPDX-License-Identifier: GPL-2.0-only
/*
 * list --output: replace a file atomically (atomic-file.c). A reader
 * (nfd-worker, which rereads features.d whenever it changes) must see the
 * old file or the new one, never a part; the temporary file is in the same
 * directory (rename is atomic only within one file system) and its hidden
 * name is one NFD skips (a dot file).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic-file.h"
#include "cleanup.h"
#include "nfd.h"
#include "eprint.h"

static int fail(const char *who, const char *what, const char *path, int err)
{
	vp_line(stderr, "%s: %s '%s': %s\n", who, what, path, strerror(err));
	return -err;
}

int nfd_write_atomic(const char *who, const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *dcopy = strdup(path), *bcopy = strdup(path);
	_cleanup_close_ int dfd = -1;
	const char *dir, *base;
	enum atomic_step step;
	struct stat st;
	int rc;

	if (!dcopy || !bcopy)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): both _cleanup_free_; clang 14 does not model __attribute__((cleanup)) */
		return fail(who, "cannot write", path, ENOMEM);
	dir = dirname(dcopy);
	base = basename(bcopy);
	if (!*path || path[strlen(path) - 1] == '/' || !strcmp(base, ".") || !strcmp(base, ".."))
		return fail(who, "cannot write", path, EISDIR);
	/* Only a regular file is replaced: never a directory or a device. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return fail(who, "cannot replace", path, EISDIR);
		vp_line(stderr, "%s: cannot replace '%s': not a regular file\n", who, path);
		return -EINVAL;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail(who, "cannot open the directory of", path, errno);
	rc = atomic_replace(dfd, base, data, len, &step);
	if (rc == 0)
		return 0;
	switch (step) {
	case ATOMIC_CREATE:
		return fail(who, "cannot create a temporary file for", path, -rc);
	case ATOMIC_WRITE:
		return fail(who, "cannot write", path, -rc);
	case ATOMIC_RENAME:
		return fail(who, "cannot rename the new file to", path, -rc);
	case ATOMIC_SYNC_DIR:
	default:
		return fail(who, "cannot fsync the directory of", path, -rc);
	}
}
