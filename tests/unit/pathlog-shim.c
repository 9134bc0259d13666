// SPDX-License-Identifier: GPL-2.0-only
/*
 * LD_PRELOAD shim for test-hostile-names.sh: appends every path that the
 * program (vpmemctl, libpmemflush and the libraries it loads) hands to the
 * C library's file calls to $PATHLOG_FILE, one per line (a newline in a
 * path is written as "\n"), then calls the real function. Only what is
 * interposed is seen: the test checks a control first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* Both the plain and the 64 names are defined here: no header redirects. */
#undef _FILE_OFFSET_BITS
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void note(const char *path)
{
	const char *file = getenv("PATHLOG_FILE");
	static int (*real_open)(const char *, int, ...);
	char buf[8192];
	size_t n = 0;
	int fd;

	if (!file || !path)
		return;
	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	for (; *path && n < sizeof(buf) - 3; path++) {
		if (*path == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *path;
		}
	}
	buf[n++] = '\n';
	fd = real_open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, n) < 0)
			abort();
		close(fd);
	}
}

/* The C library's own function, looked up once. */
#define REAL(name)                                                         \
	static __typeof__(&name) real_##name;                              \
	if (!real_##name)                                                  \
	real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

static mode_t mode_of(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(open);
	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	note(path);
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(open64);
	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	note(path);
	return real_open64(path, flags, mode);
}

int openat(int dfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(openat);
	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	note(path);
	return real_openat(dfd, path, flags, mode);
}

int openat64(int dfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(openat64);
	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	note(path);
	return real_openat64(dfd, path, flags, mode);
}

FILE *fopen(const char *path, const char *mode)
{
	REAL(fopen);
	note(path);
	return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	REAL(fopen64);
	note(path);
	return real_fopen64(path, mode);
}

DIR *opendir(const char *path)
{
	REAL(opendir);
	note(path);
	return real_opendir(path);
}

int access(const char *path, int mode)
{
	REAL(access);
	note(path);
	return real_access(path, mode);
}

int faccessat(int dfd, const char *path, int mode, int flags)
{
	REAL(faccessat);
	note(path);
	return real_faccessat(dfd, path, mode, flags);
}

int stat(const char *path, struct stat *st)
{
	REAL(stat);
	note(path);
	return real_stat(path, st);
}

int stat64(const char *path, struct stat64 *st)
{
	REAL(stat64);
	note(path);
	return real_stat64(path, st);
}

int lstat(const char *path, struct stat *st)
{
	REAL(lstat);
	note(path);
	return real_lstat(path, st);
}

int lstat64(const char *path, struct stat64 *st)
{
	REAL(lstat64);
	note(path);
	return real_lstat64(path, st);
}

int statx(int dfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	REAL(statx);
	note(path);
	return real_statx(dfd, path, flags, mask, stx);
}

ssize_t readlink(const char *path, char *buf, size_t len)
{
	REAL(readlink);
	note(path);
	return real_readlink(path, buf, len);
}

char *realpath(const char *path, char *resolved)
{
	REAL(realpath);
	note(path);
	return real_realpath(path, resolved);
}
