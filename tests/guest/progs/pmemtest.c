// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmemtest: small operations for guest test cases, each exiting with 0 on
 * success or with the errno of the failing call, so that a case can assert
 * the exact error (e.g. 95 for EOPNOTSUPP).
 *
 *   pmemtest mark LABEL          print '@@VT mark LABEL' and drain the console
 *   pmemtest write FILE BYTES    write a pattern (no sync)
 *   pmemtest read FILE           read the whole file
 *   pmemtest fdatasync FILE      open and fdatasync
 *   pmemtest fsync FILE          open and fsync
 *   pmemtest mapsync FILE        mmap(MAP_SHARED_VALIDATE | MAP_SYNC)
 *   pmemtest msync FILE          mmap shared, store, msync(MS_SYNC)
 *
 * Mappings are one page of a file, or the first 2 MiB of a device dax
 * character device (its mappings must be aligned to the device alignment).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

static int fail(const char *what, const char *path)
{
	int e = errno ? errno : EIO;

	fprintf(stderr, "pmemtest: %s %s: %s\n", what, path, strerror(e));
	return e;
}

static int do_mark(const char *label)
{
	printf("@@VT mark %s\n", label);
	fflush(stdout);
	/*
	 * Wait until the UART has sent everything: the host must see the mark
	 * before any flush the guest causes after it.
	 */
	if (isatty(STDOUT_FILENO) && tcdrain(STDOUT_FILENO) < 0)
		return fail("tcdrain", "stdout");
	return 0;
}

static int do_write(const char *path, const char *bytes)
{
	char buf[4096];
	long long left = atoll(bytes);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return fail("open", path);
	memset(buf, 0x5a, sizeof(buf));
	while (left > 0) {
		size_t n = left > (long long)sizeof(buf) ? sizeof(buf) : (size_t)left;
		ssize_t w = write(fd, buf, n);

		if (w < 0) {
			close(fd);
			return fail("write", path);
		}
		left -= w;
	}
	close(fd);
	return 0;
}

static int do_read(const char *path)
{
	char buf[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open", path);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	if (r < 0) {
		close(fd);
		return fail("read", path);
	}
	close(fd);
	return 0;
}

static int do_sync(const char *path, int data_only)
{
	int fd = open(path, O_RDWR);
	int rc;

	if (fd < 0)
		return fail("open", path);
	rc = data_only ? fdatasync(fd) : fsync(fd);
	if (rc < 0) {
		rc = fail(data_only ? "fdatasync" : "fsync", path);
		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

static int do_map(const char *path, int sync)
{
	int fd = open(path, O_RDWR);
	int flags = sync ? MAP_SHARED_VALIDATE | MAP_SYNC : MAP_SHARED;
	size_t len = 4096;
	struct stat st;
	char *p;
	int rc = 0;

	if (fd < 0)
		return fail("open", path);
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode))
		len = 2 << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED) {
		rc = fail(sync ? "mmap(MAP_SYNC)" : "mmap", path);
		close(fd);
		return rc;
	}
	if (!sync) {
		p[0]++;
		if (msync(p, len, MS_SYNC) < 0)
			rc = fail("msync", path);
	}
	munmap(p, len);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	errno = 0;
	if (!strcmp(cmd, "mark") && argc == 3)
		return do_mark(argv[2]);
	if (!strcmp(cmd, "write") && argc == 4)
		return do_write(argv[2], argv[3]);
	if (!strcmp(cmd, "read") && argc == 3)
		return do_read(argv[2]);
	if (!strcmp(cmd, "fdatasync") && argc == 3)
		return do_sync(argv[2], 1);
	if (!strcmp(cmd, "fsync") && argc == 3)
		return do_sync(argv[2], 0);
	if (!strcmp(cmd, "mapsync") && argc == 3)
		return do_map(argv[2], 1);
	if (!strcmp(cmd, "msync") && argc == 3)
		return do_map(argv[2], 0);
	fprintf(stderr, "usage: pmemtest mark|write|read|fdatasync|fsync|mapsync|msync ARGS\n");
	return 2;
}
