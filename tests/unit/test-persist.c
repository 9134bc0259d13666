// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The persist API on memory a unit test can have: regular files on the
 * build directory's file system (msync), tmpfs and memfds (refused: memory
 * only), anonymous memory with the forced cpu-flush method, the map's own
 * file description, range validation, and error propagation
 * with the sticky error: every failing call has its own error's message,
 * a length of 0 still returns a pending error, and a forked child keeps
 * the error and can persist.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pmemflush.h>

#include "test.h"

static struct pmemflush_ctx *ctx;

/* Leave an unrelated message behind (a failing call with a bad argument). */
static void pf_reset_msg(void)
{
	pmemflush_persist(NULL, NULL, 1);
}
/* A directory on a real (not memory-only) file system: the build tree. */
static const char *test_dir = ".";

/* A new, unlinked file in @dir, open read-write. */
static int disk_file(void)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/pmemflush-XXXXXX", test_dir);
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/*
 * tmpfs (and memfds, which live on it) is memory only: refused, with the
 * reason; accepted with NONDURABLE as method "none"; check says so.
 */
static void volatile_refused(const char *tmpfs)
{
	char path[4096];
	struct pmemflush_check *c = NULL;
	struct pmemflush_map *m = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/pmemflush-test-%d", tmpfs, getpid());
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_CREATE, &m) == -EOPNOTSUPP &&
		 m == NULL);
	T_EXPECTF(strstr(pmemflush_errormsg(), "memory-only") && strstr(pmemflush_errormsg(), path),
		  "message: %s", pmemflush_errormsg());
	/* Refused before anything changed: the file it would have created is not there. */
	T_EXPECT(access(path, F_OK) < 0 && errno == ENOENT);
	/* ... and an existing file is not extended. */
	fd = open(path, O_RDWR | O_CREAT, 0600);
	T_EXPECT(fd >= 0 && pmemflush_map_fd(ctx, fd, 0, 1 << 20, 0, &m) == -EOPNOTSUPP);
	{
		struct stat st;

		T_EXPECT(fstat(fd, &st) == 0 && st.st_size == 0);
	}
	close(fd);
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_CREATE, &m) == -EOPNOTSUPP);
	T_EXPECT(access(path, F_OK) == 0);	/* it existed before: left alone */
	unlink(path);
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_CREATE | PMEMFLUSH_MAP_NONDURABLE,
				    &m) == 0 &&
		 pmemflush_map_get_method(m) == PMEMFLUSH_METHOD_NONE);
	pmemflush_unmap(m);
	T_EXPECT(pmemflush_path_check(ctx, path, &c) == 0);
	T_EXPECT(c && !pmemflush_check_is_durable(c) &&
		 (pmemflush_check_get_hazards(c) & PMEMFLUSH_HAZARD_VOLATILE) &&
		 pmemflush_check_get_method(c) == PMEMFLUSH_METHOD_REFUSED &&
		 strstr(pmemflush_check_get_reason(c), "memory-only"));
	pmemflush_check_unref(c);
	unlink(path);
	/* The trust opt-in is for unverifiable platforms, not for RAM. */
	T_EXPECT(pmemflush_map_file(ctx, path, 8192,
				    PMEMFLUSH_MAP_CREATE | PMEMFLUSH_MAP_TRUST_PLATFORM, &m) ==
		 -EOPNOTSUPP);
	unlink(path);
	fd = memfd_create("pmemflush-test", 0);
	T_EXPECT(fd >= 0 && pmemflush_map_fd(ctx, fd, 0, 4096, 0, &m) == -EOPNOTSUPP);
	/*
	 * offset + length past the 64-bit off_t: refused, and the file is not
	 * extended (the sum used to wrap to 3995 and the file grew to that).
	 */
	T_EXPECT(pmemflush_map_fd(ctx, fd, 4096, SIZE_MAX - 100, PMEMFLUSH_MAP_NONDURABLE, &m) ==
			 -EFBIG && !m);
	{
		struct stat st;

		T_EXPECT(fstat(fd, &st) == 0 && st.st_size == 0);
	}
	close(fd);
}

/*
 * The map has an open file description of its own: moving the caller's
 * file offset does not move the map's (a dup() would share it, and with it
 * the write-back error state an fsync by the caller could consume).
 */
/* A read-only descriptor is not silently upgraded to read-write. */
static void read_only_fd(void)
{
	struct pmemflush_map *m = NULL;
	char path[4096];
	int fd, ro;

	snprintf(path, sizeof(path), "%s/pmemflush-ro-%d", test_dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	T_EXPECT(fd >= 0 && ftruncate(fd, 4096) == 0);
	ro = open(path, O_RDONLY);
	T_EXPECT(pmemflush_map_fd(ctx, ro, 0, 4096, 0, &m) == -EBADF && m == NULL);
	T_EXPECTF(strstr(pmemflush_errormsg(), "read-write") != NULL, "%s", pmemflush_errormsg());
	close(ro);
	close(fd);
	unlink(path);
}

static void own_description(void)
{
	struct pmemflush_map *m = NULL;
	char link[64], target[4096], mine[4096], info[256], line[128];
	int fd = disk_file(), other, shared = 0;
	ssize_t n;
	FILE *f;

	T_EXPECT(fd >= 0 && pmemflush_map_fd(ctx, fd, 0, 4096, 0, &m) == 0);
	T_EXPECT(lseek(fd, 1234, SEEK_SET) == 1234);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, mine, sizeof(mine) - 1);
	mine[n > 0 ? n : 0] = '\0';
	for (other = 0; other < 1024; other++) {
		if (other == fd)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", other);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, mine) != 0)
			continue;
		snprintf(info, sizeof(info), "/proc/self/fdinfo/%d", other);
		f = fopen(info, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "pos:", 4) && atol(line + 4) == 1234)
				shared++;
		if (f)
			fclose(f);
	}
	T_EXPECTF(shared == 0, "%d descriptor(s) share the caller's file description", shared);
	pmemflush_unmap(m);
	close(fd);
}

static void msync_file(const char *dir)
{
	char path[4096];
	struct pmemflush_map *m = NULL;
	struct pmemflush_range r[3];
	struct statfs sfs;
	char *p;
	int rc;

	snprintf(path, sizeof(path), "%s/pmemflush-test-%d", dir, getpid());
	unlink(path);
	statfs(dir, &sfs);

	/* EXCL without CREATE, missing file, then create. */
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_EXCL, &m) == -EINVAL);
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, 0, &m) == -ENOENT && m == NULL);
	T_EXPECTF(strstr(pmemflush_errormsg(), path) != NULL, "message: %s", pmemflush_errormsg());
	rc = pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_CREATE | PMEMFLUSH_MAP_EXCL, &m);
	T_EXPECTF(rc == 0, "map %s: %s (%s)", path, strerror(-rc), pmemflush_errormsg());
	if (rc)
		return;
	{
		struct pmemflush_map *m2 = NULL;

		T_EXPECT(pmemflush_map_file(ctx, path, 8192,
					    PMEMFLUSH_MAP_CREATE | PMEMFLUSH_MAP_EXCL, &m2) == -EEXIST);
		T_EXPECT(m2 == NULL);
	}
	T_EXPECTF(pmemflush_map_get_method(m) == PMEMFLUSH_METHOD_MSYNC, "method %s",
		  pmemflush_method_name(pmemflush_map_get_method(m)));
	T_EXPECT(pmemflush_map_get_granularity(m) == PMEMFLUSH_GRANULARITY_PAGE);
	T_EXPECT(pmemflush_map_get_length(m) == 8192);

	p = pmemflush_map_get_addr(m);
	memcpy(p, "hello", 5);
	T_EXPECT(pmemflush_persist(m, p, 5) == 0);
	memcpy(p + 4096, "world", 5);
	r[0] = (struct pmemflush_range){ p, 5 };
	r[1] = (struct pmemflush_range){ p + 4096, 5 };
	r[2] = (struct pmemflush_range){ p + 8191, 1 };
	T_EXPECT(pmemflush_persist_ranges(m, r, 3) == 0);
	T_EXPECT(pmemflush_flush(m, p, 5) == 0);
	T_EXPECT(pmemflush_drain(m) == 0);
	pmemflush_unmap(m);

	/* The data is in the file. */
	{
		char buf[5];
		int fd = open(path, O_RDONLY);

		T_EXPECT(fd >= 0 && pread(fd, buf, 5, 4096) == 5 && memcmp(buf, "world", 5) == 0);
		close(fd);
	}
	/* Existing file, length 0 = whole file. */
	T_EXPECT(pmemflush_map_file(ctx, path, 0, 0, &m) == 0 && pmemflush_map_get_length(m) == 8192);
	pmemflush_unmap(m);
	printf("msync on %s (f_type %#lx): ok\n", dir, (unsigned long)sfs.f_type);
	unlink(path);
}

static void ranges(void)
{
	struct pmemflush_map *m = NULL;
	struct pmemflush_range r[2];
	int fd = disk_file();
	char *p;

	T_EXPECT(fd >= 0);
	T_EXPECT(pmemflush_map_fd(ctx, fd, 0, 4096, 0, &m) == 0);
	close(fd);
	if (!m)
		return;
	p = pmemflush_map_get_addr(m);
	T_EXPECT(pmemflush_persist(m, p, 0) == 0);		/* no-op */
	T_EXPECT(pmemflush_persist(m, p + 4096, 0) == 0);	/* empty, at the end */
	T_EXPECT(pmemflush_persist(m, p + 4095, 1) == 0);
	T_EXPECT(pmemflush_persist(m, p + 4095, 2) == -EINVAL);
	T_EXPECT(pmemflush_persist(m, p - 1, 1) == -EINVAL);
	T_EXPECT(pmemflush_persist(m, p + 1, SIZE_MAX) == -EINVAL);	/* overflow */
	T_EXPECT(pmemflush_persist(m, (char *)UINTPTR_MAX, 2) == -EINVAL);
	T_EXPECT(pmemflush_persist(m, NULL, 1) == -EINVAL);
	T_EXPECT(pmemflush_flush(m, p + 4097, 0) == -EINVAL);
	T_EXPECT(pmemflush_persist(NULL, p, 1) == -EINVAL);
	r[0] = (struct pmemflush_range){ p, 10 };
	r[1] = (struct pmemflush_range){ p + 4000, 200 };
	T_EXPECT(pmemflush_persist_ranges(m, r, 2) == -EINVAL);
	T_EXPECT(strstr(pmemflush_errormsg(), "range 1") != NULL);
	T_EXPECT(pmemflush_persist_ranges(m, r, 0) == 0);
	T_EXPECT(pmemflush_persist_ranges(m, NULL, 1) == -EINVAL);
	pmemflush_unmap(m);

	/* Bad arguments to map: the result is NULL. */
	m = (struct pmemflush_map *)&r;
	T_EXPECT(pmemflush_map_fd(ctx, -1, 0, 4096, 0, &m) == -EINVAL && m == NULL);
	T_EXPECT(pmemflush_map_fd(ctx, 0, 0, 4096, 0, NULL) == -EINVAL);
	T_EXPECT(pmemflush_map_file(ctx, "/dev/shm", 4096, 0xff00, &m) == -EINVAL);
}

/* PMEMFLUSH_FORCE_METHOD=cpu-flush on anonymous memory (a memfd). */
static void forced_cpu_flush(void)
{
	struct pmemflush_map *m = NULL;
	int fd = memfd_create("pmemflush-test", 0);
	char *p;
	int rc, i;

	setenv("PMEMFLUSH_FORCE_METHOD", "cpu-flush", 1);
	rc = pmemflush_map_fd(ctx, fd, 0, 1 << 20, 0, &m);
	unsetenv("PMEMFLUSH_FORCE_METHOD");
	close(fd);
	T_EXPECTF(rc == 0, "map: %s", pmemflush_errormsg());
	if (rc)
		return;
	T_EXPECTF(pmemflush_map_get_method(m) == PMEMFLUSH_METHOD_CPU_FLUSH, "method %s",
		  pmemflush_method_name(pmemflush_map_get_method(m)));
	T_EXPECT(pmemflush_map_get_granularity(m) == PMEMFLUSH_GRANULARITY_CACHE_LINE);
	T_EXPECT(pmemflush_map_is_method_forced(m) == 1);
	p = pmemflush_map_get_addr(m);
	for (i = 0; i < 1000; i++) {
		p[(i * 4099) % (1 << 20)] = (char)i;
		if (pmemflush_persist(m, p + (i * 4099) % (1 << 20), 1) != 0)
			break;
	}
	T_EXPECT(i == 1000);
	T_EXPECT(pmemflush_persist(m, p, 1 << 20) == 0);	/* unaligned-free whole map */
	T_EXPECT(pmemflush_persist(m, p + 3, 100) == 0);	/* unaligned start */
	pmemflush_unmap(m);

	/* An unknown forced method is ignored (and logged). */
	setenv("PMEMFLUSH_FORCE_METHOD", "warp-drive", 1);
	fd = disk_file();
	T_EXPECT(pmemflush_map_fd(ctx, fd, 0, 4096, 0, &m) == 0 &&
		 pmemflush_map_get_method(m) == PMEMFLUSH_METHOD_MSYNC);
	unsetenv("PMEMFLUSH_FORCE_METHOD");
	close(fd);
	pmemflush_unmap(m);
}

/*
 * Make msync fail for real (ENOMEM: the range is no longer mapped) and
 * check the error is returned, then sticky, then cleared.
 */
static void error_propagation(void)
{
	struct pmemflush_map *m = NULL;
	int fd = disk_file();
	char *p;

	T_EXPECT(pmemflush_map_fd(ctx, fd, 0, 8192, 0, &m) == 0);
	close(fd);
	if (!m)
		return;
	p = pmemflush_map_get_addr(m);
	T_EXPECT(pmemflush_persist(m, p, 1) == 0);
	munmap(p + 4096, 4096);		/* pulled from under the map */
	T_EXPECT(pmemflush_persist(m, p, 1) == -ENOMEM);
	T_EXPECT(strstr(pmemflush_errormsg(), "msync") != NULL);
	T_EXPECT(pmemflush_map_get_error(m) == -ENOMEM);
	/* Remap it: msync would work again, but the failure is not forgotten. */
	T_EXPECT(mmap(p + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		      -1, 0) == p + 4096);
	T_EXPECT(pmemflush_persist(m, p, 1) == -ENOMEM);
	T_EXPECT(pmemflush_drain(m) == -ENOMEM);

	/* Every failing call explains its own error, not the thread's last one. */
	T_EXPECT(pmemflush_persist(m, p - 1, 1) == -EINVAL);
	T_EXPECT(pmemflush_persist(m, p, 1) == -ENOMEM);
	T_EXPECTF(strstr(pmemflush_errormsg(), "msync") != NULL, "sticky persist: '%s'",
		  pmemflush_errormsg());
	T_EXPECT(pmemflush_persist(m, p - 1, 1) == -EINVAL);
	T_EXPECT(pmemflush_drain(m) == -ENOMEM);
	T_EXPECTF(strstr(pmemflush_errormsg(), "msync") != NULL, "sticky drain: '%s'",
		  pmemflush_errormsg());

	/* Nothing to persist, but an error pending: the error, not 0. */
	T_EXPECT(pmemflush_persist(m, p - 1, 1) == -EINVAL);
	T_EXPECT(pmemflush_persist(m, p, 0) == -ENOMEM);
	T_EXPECTF(strstr(pmemflush_errormsg(), "msync") != NULL, "len 0: '%s'",
		  pmemflush_errormsg());
	{
		struct pmemflush_range r0[2] = { { p, 0 }, { p + 10, 0 } };

		T_EXPECT(pmemflush_persist_ranges(m, r0, 2) == -ENOMEM);
		T_EXPECT(pmemflush_persist_ranges(m, NULL, 0) == -ENOMEM);
	}

	/* A forked child keeps the error, and after clearing it persists. */
	{
		pid_t pid = fork();
		int status = -1;

		if (pid == 0) {
			alarm(10);
			if (pmemflush_persist(m, p, 1) != -ENOMEM)
				_exit(3);
			if (pmemflush_map_clear_error(m) != -ENOMEM)
				_exit(4);
			_exit(pmemflush_persist(m, p, 1) == 0 ? 0 : 5);
		}
		T_EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid);
		T_EXPECTF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
		T_EXPECT(pmemflush_map_get_error(m) == -ENOMEM);	/* the parent's is its own */
	}
	pf_reset_msg();
	T_EXPECT(pmemflush_map_clear_error(m) == -ENOMEM);
	T_EXPECTF(strstr(pmemflush_errormsg(), "msync") != NULL, "clear: '%s'", pmemflush_errormsg());
	T_EXPECT(pmemflush_map_get_error(m) == 0);
	T_EXPECT(pmemflush_persist(m, p, 1) == 0);
	T_EXPECT(pmemflush_persist(m, p, 0) == 0);
	pmemflush_unmap(m);
}

int main(int argc, char **argv)
{
	if (pmemflush_new(&ctx) < 0)
		return 1;
	if (argc > 1)
		test_dir = argv[1];
	volatile_refused("/dev/shm");
	msync_file(test_dir);
	own_description();
	read_only_fd();
	ranges();
	forced_cpu_flush();
	error_propagation();
	T_EXPECT(strcmp(pmemflush_granularity_name(PMEMFLUSH_GRANULARITY_BYTE), "byte") == 0);
	T_EXPECT(pmemflush_granularity_name(99) == NULL);
	pmemflush_unref(ctx);
	return t_report("test-persist");
}
