// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmemflush_memcpy / memmove / memset and the PMEMFLUSH_MAP_REQUIRE_* map
 * flags, on the memory a unit test has: memfds with the forced cpu-flush
 * and fence-only methods (the no-system-call path, ordinary and
 * non-temporal stores) and a file of the build directory (msync).
 *
 * Every size from 0 to past three cache lines at every destination and
 * source alignment, large sizes, overlap in both directions at every
 * distance up to past a line, each with the default, NONTEMPORAL,
 * TEMPORAL, NODRAIN and NOFLUSH flags; what lies around the destination is
 * never touched. Bad arguments write nothing. A NODRAIN copy makes no
 * durability point, and the next drain makes it (seen through a failing
 * msync, whose error must come from the drain and then stick).
 *
 * persist(len 0) and persist_ranges() of nothing still fence on the CPU
 * methods (counted by single-stepping a child with ptrace).
 *
 * The NT kernel chosen is the one this CPU's cpuid (and the OS's XCR0)
 * calls for, computed here independently: AVX where both say so, else
 * SSE2 (PMEMFLUSH_NO_AVX set: SSE2).
 *
 * usage: test-mem BUILD_DIR [avx|sse2]  (the NT kernel this run must use;
 *        default: the one computed from cpuid)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__x86_64__)
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#endif

#include <pmemflush.h>

#include "mem.h"
#include "test.h"

#define MAP_LEN (8U << 20)
#define GUARD 128
#define SMALL_MAX (3 * 64 + 8)

static struct pmemflush_ctx *ctx;
static const char *test_dir = ".";
static uint8_t *ref;	/* private reference buffer, as big as a map */
static uint8_t *src;

static const unsigned int all_flags[] = {
	0,
	PMEMFLUSH_MEM_NONTEMPORAL,
	PMEMFLUSH_MEM_TEMPORAL,
	PMEMFLUSH_MEM_NODRAIN,
	PMEMFLUSH_MEM_NOFLUSH,
	PMEMFLUSH_MEM_NODRAIN | PMEMFLUSH_MEM_NONTEMPORAL,
	PMEMFLUSH_MEM_NOFLUSH | PMEMFLUSH_MEM_NONTEMPORAL,
};
#define N_FLAGS (sizeof(all_flags) / sizeof(all_flags[0]))

static int disk_file(void)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/pmemflush-mem-XXXXXX", test_dir);
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* A map with @method forced on a memfd, or msync on a disk file (NULL). */
static struct pmemflush_map *map_with(const char *method, unsigned int flags, int *rc_out)
{
	struct pmemflush_map *m = NULL;
	int fd, rc;

	if (method) {
		fd = memfd_create("pmemflush-mem", 0);
		setenv("PMEMFLUSH_FORCE_METHOD", method, 1);
	} else {
		fd = disk_file();
	}
	rc = pmemflush_map_fd(ctx, fd, 0, MAP_LEN, flags, &m);
	unsetenv("PMEMFLUSH_FORCE_METHOD");
	close(fd);
	if (rc_out)
		*rc_out = rc;
	else
		T_EXPECTF(rc == 0, "map %s: %s", method ? method : "msync", pmemflush_errormsg());
	return m;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* The map's bytes [0, n) equal ref's: report the first difference. */
static int same(const uint8_t *p, size_t n, const char *what, size_t len, size_t da, size_t sa,
		unsigned int flags)
{
	size_t i;

	if (memcmp(p, ref, n) == 0)
		return 1;
	for (i = 0; i < n && p[i] == ref[i]; i++)
		;
	T_EXPECTF(0, "%s len %zu dest+%zu src+%zu flags 0x%x: byte %zu is 0x%02x, want 0x%02x",
		  what, len, da, sa, flags, i, p[i], ref[i]);
	return 0;
}

/*
 * Copy @len bytes to the map at GUARD+@da from src+@sa: the destination
 * holds them, the guards around it are untouched.
 */
static int one_copy(struct pmemflush_map *m, size_t len, size_t da, size_t sa,
		    unsigned int flags, int set)
{
	uint8_t *p = pmemflush_map_get_addr(m);
	size_t span = GUARD + da + len + GUARD;
	int rc;

	memset(p, 0xa5, span);
	memset(ref, 0xa5, span);
	if (set) {
		rc = pmemflush_memset(m, p + GUARD + da, (int)(len + da), len, flags);
		memset(ref + GUARD + da, (int)(len + da), len);
	} else {
		rc = pmemflush_memcpy(m, p + GUARD + da, src + sa, len, flags);
		memcpy(ref + GUARD + da, src + sa, len);
	}
	if (rc) {
		T_EXPECTF(rc == 0, "%s len %zu: %d %s", set ? "memset" : "memcpy", len, rc,
			  pmemflush_errormsg());
		return 0;
	}
	return same(p, span, set ? "memset" : "memcpy", len, da, sa, flags);
}

/* Every size 0..SMALL_MAX at every dest and src alignment; large sizes. */
static void copies(struct pmemflush_map *m, const char *name)
{
	static const size_t large[] = { 255, 256, 257, 1000, 4096, 4096 + 37, 65536 + 13,
					(2U << 20) + 5 };
	size_t len, da, sa, f, i;
	int ok = 1;

	for (f = 0; f < N_FLAGS && ok; f++)
		for (len = 0; len <= SMALL_MAX && ok; len++)
			for (da = 0; da < 64 && ok; da++) {
				for (sa = 0; sa < 64 && ok; sa++)
					ok = one_copy(m, len, da, sa, all_flags[f], 0);
				ok = ok && one_copy(m, len, da, 0, all_flags[f], 1);
			}
	for (f = 0; f < N_FLAGS && ok; f++)
		for (i = 0; i < sizeof(large) / sizeof(large[0]) && ok; i++)
			for (da = 0; da < 64 && ok; da += 7)
				ok = one_copy(m, large[i], da, (da * 5) % 64, all_flags[f], 0) &&
				     one_copy(m, large[i], da, 0, all_flags[f], 1);
	T_EXPECTF(ok, "%s: copies", name);
}

/* memmove with @dest = @src + dist, dist in both directions. */
static void overlaps(struct pmemflush_map *m, const char *name, const unsigned int *fl,
		     size_t n_flags)
{
	static const size_t lens[] = { 1, 63, 64, 65, 130, 255, 256, 300, 1000, 4096 + 3,
				       70000 };
	uint8_t *p = pmemflush_map_get_addr(m);
	size_t base = 512, f, i;
	long dist;
	int ok = 1, rc;

	for (f = 0; f < n_flags && ok; f++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]) && ok; i++)
			for (dist = -260; dist <= 260 && ok; dist++) {
				size_t s_off = base + (size_t)(i * 3) % 64;
				size_t span = s_off + lens[i] + 512;

				fill(p, span, (unsigned int)dist);
				memcpy(ref, p, span);
				rc = pmemflush_memmove(m, p + s_off + dist, p + s_off, lens[i],
						       fl[f]);
				memmove(ref + s_off + dist, ref + s_off, lens[i]);
				T_EXPECTF(rc == 0, "memmove: %s", pmemflush_errormsg());
				ok = rc == 0 && same(p, span, "memmove", lens[i], (size_t)dist,
						     s_off, fl[f]);
			}
	/* Far apart in the map, both directions, large. */
	for (f = 0; f < n_flags && ok; f++) {
		fill(p, MAP_LEN, 9);
		memcpy(ref, p, MAP_LEN);
		ok = pmemflush_memmove(m, p + 4 * 65536 + 3, p + 3 * 65536 + 17, 1 << 20,
				       fl[f]) == 0 &&
		     pmemflush_memmove(m, p + 5, p + 100000 + 40, 1 << 20, fl[f]) == 0;
		memmove(ref + 4 * 65536 + 3, ref + 3 * 65536 + 17, 1 << 20);
		memmove(ref + 5, ref + 100000 + 40, 1 << 20);
		ok = ok && same(p, MAP_LEN, "memmove far", 1 << 20, 0, 0, fl[f]);
	}
	T_EXPECTF(ok, "%s: overlaps", name);
}

/* Bad arguments: -EINVAL, and not one byte of the map written. */
static void bad_arguments(struct pmemflush_map *m, const char *name)
{
	uint8_t *p = pmemflush_map_get_addr(m);
	size_t len = pmemflush_map_get_length(m);
	int ok;

	memset(p, 0x3c, 4096);
	memset(p + len - 4096, 0x3c, 4096);
	T_EXPECT(pmemflush_memcpy(NULL, p, src, 8, 0) == -EINVAL);
	T_EXPECT(pmemflush_memcpy(m, NULL, src, 8, 0) == -EINVAL);
	T_EXPECT(pmemflush_memcpy(m, p, NULL, 8, 0) == -EINVAL);
	T_EXPECT(pmemflush_memmove(m, p, NULL, 8, 0) == -EINVAL);
	T_EXPECT(pmemflush_memset(NULL, p, 1, 8, 0) == -EINVAL);
	T_EXPECT(pmemflush_memset(m, NULL, 1, 8, 0) == -EINVAL);
	/* Unknown flags, contradicting hints. */
	T_EXPECT(pmemflush_memcpy(m, p, src, 8, 1U << 4) == -EINVAL);
	T_EXPECTF(strstr(pmemflush_errormsg(), "flag") != NULL, "%s", pmemflush_errormsg());
	T_EXPECT(pmemflush_memcpy(m, p, src, 8, 1U << 31) == -EINVAL);
	T_EXPECT(pmemflush_memset(m, p, 1, 8, 1U << 9) == -EINVAL);
	T_EXPECT(pmemflush_memmove(m, p, src, 8,
				   PMEMFLUSH_MEM_TEMPORAL | PMEMFLUSH_MEM_NONTEMPORAL) == -EINVAL);
	T_EXPECT(pmemflush_memset(m, p, 1, 8,
				  PMEMFLUSH_MEM_TEMPORAL | PMEMFLUSH_MEM_NONTEMPORAL) == -EINVAL);
	/* Ranges: before the map, one byte past its end, overflowing. */
	T_EXPECT(pmemflush_memcpy(m, p - 1, src, 8, 0) == -EINVAL);
	T_EXPECTF(strstr(pmemflush_errormsg(), "outside") != NULL, "%s", pmemflush_errormsg());
	T_EXPECT(pmemflush_memcpy(m, p + len - 7, src, 8, 0) == -EINVAL);
	T_EXPECT(pmemflush_memmove(m, p + len - 7, src, 8, 0) == -EINVAL);
	T_EXPECT(pmemflush_memset(m, p + len - 4095, 1, 4096, 0) == -EINVAL);
	T_EXPECT(pmemflush_memset(m, p + 1, 1, SIZE_MAX, 0) == -EINVAL);
	T_EXPECT(pmemflush_memcpy(m, p + 1, src, SIZE_MAX, 0) == -EINVAL);
	T_EXPECT(pmemflush_memcpy(m, p + len + 1, src, 0, 0) == -EINVAL);
	ok = 1;
	for (size_t i = 0; i < 4096; i++)
		ok &= p[i] == 0x3c && p[len - 4096 + i] == 0x3c;
	T_EXPECTF(ok, "%s: a refused call wrote into the map", name);
	/* The edges themselves are inside; len 0 anywhere in [addr, addr+len]. */
	T_EXPECT(pmemflush_memcpy(m, p + len - 8, src, 8, 0) == 0 &&
		 memcmp(p + len - 8, src, 8) == 0);
	T_EXPECT(pmemflush_memset(m, p, 7, len, 0) == 0 && p[0] == 7 && p[len - 1] == 7);
	T_EXPECT(pmemflush_memcpy(m, p + len, NULL, 0, 0) == 0);
	T_EXPECT(pmemflush_memset(m, p + len, 0, 0, PMEMFLUSH_MEM_NODRAIN) == 0);
}

/* What the kernel choice must be on this CPU: cpuid leaf 1 and XCR0. */
static const char *expected_kernel(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d, lo, hi;

	if (getenv("PMEMFLUSH_NO_AVX"))
		return "sse2";
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1U << 28)) || !(c & (1U << 27)))
		return "sse2";
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	return (lo & 6) == 6 ? "avx" : "sse2";
#else
	return "none";
#endif
}

static void kernel_is(const char *want)
{
	if (!want)
		want = expected_kernel();
	printf("test-mem: NT kernel %s (expected %s)\n", pf_mem_kernel_name(), want);
	T_EXPECTF(strcmp(pf_mem_kernel_name(), want) == 0, "NT kernel %s, want %s",
		  pf_mem_kernel_name(), want);
}

static void cpu_methods(void)
{
	static const char *const methods[] = { "cpu-flush", "fence-only" };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct pmemflush_map *m = map_with(methods[i], 0, NULL);

		if (!m)
			continue;
		copies(m, methods[i]);
		overlaps(m, methods[i], all_flags, N_FLAGS);
		bad_arguments(m, methods[i]);
		pmemflush_unmap(m);
	}
}

#if defined(__x86_64__)
/* What the traced child calls: 0 persist(len 0), 1 persist_ranges(none), ... */
static int traced_call(struct pmemflush_map *m, int what)
{
	uint8_t *p = pmemflush_map_get_addr(m);
	struct pmemflush_range r = { p, 0 };

	switch (what) {
	case 0:
		return pmemflush_persist(m, p, 0);
	case 1:
		return pmemflush_persist_ranges(m, &r, 1);
	case 2:
		return pmemflush_persist(m, p, 64);
	case 3:
		return pmemflush_memcpy(m, p, src, 1000, PMEMFLUSH_MEM_NODRAIN);
	default:
		return pmemflush_drain(m);
	}
}

/*
 * The SFENCE instructions (0f ae f8) that traced_call(@what) executes, seen
 * by single-stepping a child with ptrace: a fence leaves no other trace.
 * -1: the child could not be traced.
 */
static long sfences_in(struct pmemflush_map *m, int what)
{
	long n = 0, w;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(2);
		raise(SIGSTOP);
		traced_call(m, what);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	for (;;) {
		struct user_regs_struct regs;

		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0 ||
		    waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
		    ptrace(PTRACE_GETREGS, pid, NULL, &regs) < 0)
			break;
		w = ptrace(PTRACE_PEEKTEXT, pid, (void *)regs.rip, NULL);
		if ((w & 0xffffff) == 0xf8ae0f)
			n++;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? n : -1;
}

/*
 * On the CPU methods a persist of nothing still fences: it drains this
 * thread's earlier NODRAIN copies (pmemflush_persist(3)). The counter is
 * checked first on calls whose fences are known.
 */
static void zero_length_fences(void)
{
	static const char *const methods[] = { "cpu-flush", "fence-only" };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct pmemflush_map *m = map_with(methods[i], 0, NULL);
		long nodrain, drain, full, zero, zero_ranges;

		if (!m)
			continue;
		nodrain = sfences_in(m, 3);
		drain = sfences_in(m, 4);
		full = sfences_in(m, 2);
		zero = sfences_in(m, 0);
		zero_ranges = sfences_in(m, 1);
		T_EXPECTF(nodrain == 0 && drain == 1 && full == 1,
			  "%s: fences: NODRAIN copy %ld, drain %ld, persist 64 %ld", methods[i],
			  nodrain, drain, full);
		T_EXPECTF(zero == 1 && zero_ranges == 1,
			  "%s: persist(len 0) made %ld fences, persist_ranges(len 0) %ld",
			  methods[i], zero, zero_ranges);
		pmemflush_unmap(m);
	}
}
#else
static void zero_length_fences(void)
{
}
#endif

/*
 * msync: copies are right; NODRAIN makes no durability point and drain
 * does. msync fails for real (ENOMEM) once a page of the map is gone: a
 * copy without NODRAIN then returns the error, a NODRAIN copy does not,
 * the drain after it does, and the error sticks.
 */
static void msync_method(void)
{
	struct pmemflush_map *m = map_with(NULL, 0, NULL);
	uint8_t *p;

	if (!m)
		return;
	T_EXPECT(pmemflush_map_get_method(m) == PMEMFLUSH_METHOD_MSYNC);
	{
		size_t len, da;
		int ok = 1;

		for (len = 0; len <= SMALL_MAX && ok; len += 3)
			for (da = 0; da < 64 && ok; da += 5)
				ok = one_copy(m, len, da, 64 - da, 0, 0) &&
				     one_copy(m, len, da, 0, PMEMFLUSH_MEM_NODRAIN, 1);
		T_EXPECT(ok && one_copy(m, 1 << 20, 3, 5, 0, 0));
	}
	/* The copy is the same with every flag on msync: no msync per move here. */
	T_EXPECT(all_flags[3] == PMEMFLUSH_MEM_NODRAIN && all_flags[4] == PMEMFLUSH_MEM_NOFLUSH);
	overlaps(m, "msync", all_flags + 3, 2);
	{
		uint8_t *q = pmemflush_map_get_addr(m);

		fill(q, 4096, 3);
		memcpy(ref, q, 4096);
		T_EXPECT(pmemflush_memmove(m, q + 10, q, 3000, PMEMFLUSH_MEM_NODRAIN) == 0 &&
			 pmemflush_memmove(m, q + 5, q + 70, 3000, 0) == 0);
		memmove(ref + 10, ref, 3000);
		memmove(ref + 5, ref + 70, 3000);
		T_EXPECT(same(q, 4096, "memmove msync", 3000, 0, 0, 0));
	}
	bad_arguments(m, "msync");

	p = pmemflush_map_get_addr(m);
	T_EXPECT(pmemflush_memcpy(m, p, src, 100, PMEMFLUSH_MEM_NODRAIN) == 0);
	T_EXPECT(pmemflush_drain(m) == 0);
	munmap(p + MAP_LEN - 4096, 4096);	/* msync of the map now fails */
	T_EXPECT(pmemflush_memcpy(m, p, src, 100, PMEMFLUSH_MEM_NODRAIN) == 0);
	T_EXPECT(pmemflush_memset(m, p + 200, 1, 100, PMEMFLUSH_MEM_NODRAIN) == 0);
	T_EXPECT(pmemflush_memmove(m, p + 300, p, 100, PMEMFLUSH_MEM_NOFLUSH) == 0);
	T_EXPECT(pmemflush_map_get_error(m) == 0);	/* no durability point yet */
	T_EXPECT(pmemflush_drain(m) == -ENOMEM);
	T_EXPECTF(strstr(pmemflush_errormsg(), "msync") != NULL, "%s", pmemflush_errormsg());
	/* Sticky: every copy that makes a durability point fails, len 0 too. */
	T_EXPECT(pmemflush_memcpy(m, p, src, 100, 0) == -ENOMEM);
	T_EXPECT(memcmp(p, src, 100) == 0);	/* written, but not known durable */
	T_EXPECT(pmemflush_memset(m, p, 1, 10, 0) == -ENOMEM);
	T_EXPECT(pmemflush_memmove(m, p + 1, p, 10, 0) == -ENOMEM);
	T_EXPECT(pmemflush_memcpy(m, p, src, 0, 0) == -ENOMEM);
	T_EXPECT(pmemflush_memcpy(m, p, src, 0, PMEMFLUSH_MEM_NODRAIN) == 0);
	T_EXPECT(pmemflush_map_clear_error(m) == -ENOMEM);
	/* Still unmapped: the next durability point fails again, from msync itself. */
	T_EXPECT(pmemflush_memcpy(m, p, src, 10, 0) == -ENOMEM);
	pmemflush_unmap(m);

	/* A copy without NODRAIN reaches msync: a fresh failure shows at once. */
	m = map_with(NULL, 0, NULL);
	if (!m)
		return;
	p = pmemflush_map_get_addr(m);
	munmap(p + MAP_LEN - 4096, 4096);
	T_EXPECT(pmemflush_memcpy(m, p, src, 64, 0) == -ENOMEM);
	pmemflush_unmap(m);
}

static void expect_refused(const char *method, unsigned int flags, const char *has,
			   const char *need)
{
	int rc;
	struct pmemflush_map *m = map_with(method, flags, &rc);

	T_EXPECTF(rc == -EOPNOTSUPP && m == NULL, "%s flags 0x%x: rc %d",
		  method ? method : "msync", flags, rc);
	T_EXPECTF(strstr(pmemflush_errormsg(), method ? method : "msync") &&
			  strstr(pmemflush_errormsg(), has) && strstr(pmemflush_errormsg(), need),
		  "message: %s", pmemflush_errormsg());
	pmemflush_unmap(m);
}

static void expect_accepted(const char *method, unsigned int flags)
{
	int rc;
	struct pmemflush_map *m = map_with(method, flags, &rc);

	T_EXPECTF(rc == 0 && m, "%s flags 0x%x: %d %s", method ? method : "msync", flags, rc,
		  pmemflush_errormsg());
	pmemflush_unmap(m);
}

/* PMEMFLUSH_MAP_REQUIRE_*: refused or accepted per method; a refusal leaves nothing. */
static void granularity(void)
{
	const unsigned int cl = PMEMFLUSH_MAP_REQUIRE_CACHE_LINE, b = PMEMFLUSH_MAP_REQUIRE_BYTE;
	char path[4096];
	struct pmemflush_map *m = NULL;
	struct stat st;
	int fd;

	T_EXPECT(cl == 1U << 4 && b == 1U << 5);
	expect_refused(NULL, cl, "page", "cache-line");
	expect_refused(NULL, b, "page granularity", "byte granularity required");
	expect_refused("cpu-flush", b, "cache-line", "byte");
	expect_refused("host-flush", cl, "page", "cache-line");
	expect_refused("none", cl, "page", "cache-line");
	expect_accepted("cpu-flush", cl);
	expect_accepted("fence-only", cl);
	expect_accepted("fence-only", b);
	expect_accepted("cpu-flush", 0);

	/* Both at once: a contradiction, -EINVAL, for both calls. */
	fd = memfd_create("pmemflush-mem", 0);
	T_EXPECT(pmemflush_map_fd(ctx, fd, 0, 4096, cl | b, &m) == -EINVAL && !m);
	/* A refused map_fd extends nothing. */
	T_EXPECT(pmemflush_map_fd(ctx, fd, 0, 1 << 20, cl | PMEMFLUSH_MAP_NONDURABLE, &m) ==
		 -EOPNOTSUPP && !m);
	T_EXPECT(fstat(fd, &st) == 0 && st.st_size == 0);
	close(fd);

	snprintf(path, sizeof(path), "%s/pmemflush-mem-req-%d", test_dir, getpid());
	unlink(path);
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_CREATE | cl | b, &m) ==
		 -EINVAL);
	T_EXPECT(access(path, F_OK) < 0 && errno == ENOENT);
	/* msync on the build dir's file system: refused, and the file it created is gone. */
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_CREATE | cl, &m) ==
		 -EOPNOTSUPP && !m);
	T_EXPECTF(strstr(pmemflush_errormsg(), path) && strstr(pmemflush_errormsg(), "msync") &&
			  strstr(pmemflush_errormsg(), "REQUIRE_CACHE_LINE"),
		  "message: %s", pmemflush_errormsg());
	T_EXPECT(access(path, F_OK) < 0 && errno == ENOENT);
	/* An existing file is left alone, not extended. */
	fd = open(path, O_RDWR | O_CREAT, 0600);
	T_EXPECT(fd >= 0);
	close(fd);
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_CREATE | b, &m) ==
		 -EOPNOTSUPP);
	T_EXPECT(stat(path, &st) == 0 && st.st_size == 0);
	T_EXPECT(pmemflush_map_file(ctx, path, 8192, PMEMFLUSH_MAP_CREATE, &m) == 0 && m);
	pmemflush_unmap(m);
	/* map_file accepts the flag where the method gives the granularity. */
	setenv("PMEMFLUSH_FORCE_METHOD", "cpu-flush", 1);
	T_EXPECTF(pmemflush_map_file(ctx, path, 8192, cl, &m) == 0 && m, "%s",
		  pmemflush_errormsg());
	unsetenv("PMEMFLUSH_FORCE_METHOD");
	T_EXPECT(pmemflush_map_get_granularity(m) == PMEMFLUSH_GRANULARITY_CACHE_LINE);
	pmemflush_unmap(m);
	unlink(path);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_dir = argv[1];
	T_EXPECT(pmemflush_new(&ctx) == 0);
	ref = malloc(MAP_LEN);
	src = malloc(MAP_LEN);
	if (!ctx || !ref || !src)
		return 1;
	fill(src, MAP_LEN, 1);
	granularity();
	cpu_methods();
	zero_length_fences();
	kernel_is(argc > 2 ? argv[2] : NULL);
	msync_method();
	free(ref);
	free(src);
	pmemflush_unref(ctx);
	return t_report("test-mem");
}
