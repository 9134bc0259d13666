/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scope-bound cleanup helpers shared by the library and the CLI. */
#ifndef UTIL_CLEANUP_H
#define UTIL_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                        \
	({                                 \
		__typeof__(p) _tmp_ = (p); \
		(p) = NULL;                \
		_tmp_;                     \
	})

/*
 * Hand a _cleanup_close_ descriptor out: evaluates to it and leaves -1
 * behind. One expression, so the analysers do not call the "-1" a dead
 * store (the cleanup reads it).
 */
#define TAKE_FD(fd)                        \
	({                                 \
		int _fd_ = (fd);           \
		(fd) = -1;                 \
		_fd_;                      \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
