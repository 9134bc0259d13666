// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Asynchronous persist (pmemflush_persist_submit/wait/poll) on real files
 * of the build directory's file system (method msync: real msync calls,
 * real failures: a page pulled from under the map makes msync fail with
 * ENOMEM) and on a memfd with the forced cpu-flush method. The flusher is
 * observed and held through pf_async_trace(), called just before each
 * round's flush:
 *  - tickets complete in order; a round's target covers the tickets
 *    issued before it; a single writer's records share rounds;
 *  - the flusher thread exists only after the first submit (msync), never
 *    on cpu-flush, and is gone after unmap;
 *  - a failure fails every ticket issued, sticks for submit/wait/poll and
 *    persist, and old tickets stay failed after the clear while new ones
 *    succeed; a failure recorded by a synchronous persist between a
 *    submit and its round fails the ticket even if the error was cleared
 *    before the round ran (errseq);
 *  - submit makes no system call while the flusher is busy (a seccomp
 *    filter traps every system call of the submitting thread);
 *  - -EINVAL for tickets never issued and bad arguments;
 *  - unmap with outstanding tickets makes them durable first (no hang);
 *  - a cancelled waiter leaves nothing locked;
 *  - a child of fork() gets its own flusher for the tickets pending in the
 *    parent and never waits for the parent's.
 * A hang is a failure: the whole test runs under alarm().
 */
#include <dirent.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pmemflush.h>

#include "async.h"
#include "test.h"

static struct pmemflush_ctx *ctx;
static const char *test_dir = ".";

/* ---- the hook ---- */
static atomic_long rounds;
static atomic_ullong max_target;
static atomic_int target_went_back;
static atomic_int hold;		/* the next round in this process blocks ... */
static sem_t held, release;	/* ... posts 'held', waits for 'release' */
static atomic_int delay_us;
static pid_t hook_pid;

void pf_async_trace(struct pmemflush_map *m, uint64_t target)
{
	unsigned long long prev = atomic_load(&max_target);

	(void)m;
	atomic_fetch_add(&rounds, 1);
	if (target <= prev && getpid() == hook_pid)
		atomic_store(&target_went_back, 1);
	atomic_store(&max_target, target);
	if (getpid() == hook_pid && atomic_exchange(&hold, 0)) {
		sem_post(&held);
		sem_wait(&release);
	}
	if (atomic_load(&delay_us))
		usleep(atomic_load(&delay_us));
}

static void hook_reset(void)
{
	atomic_store(&rounds, 0);
	atomic_store(&max_target, 0);
	atomic_store(&target_went_back, 0);
	atomic_store(&delay_us, 0);
}

static int threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* A map of a new, unlinked file of @len bytes in the test directory (msync). */
static struct pmemflush_map *disk_map(size_t len, int *fd_out)
{
	struct pmemflush_map *m = NULL;
	char path[4096];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/pmemflush-async-XXXXXX", test_dir);
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	unlink(path);
	rc = pmemflush_map_fd(ctx, fd, 0, len, 0, &m);
	T_EXPECTF(rc == 0, "map: %s", pmemflush_errormsg());
	if (rc == 0)
		T_EXPECTF(pmemflush_map_get_method(m) == PMEMFLUSH_METHOD_MSYNC, "method %s",
			  pmemflush_method_name(pmemflush_map_get_method(m)));
	if (fd_out)
		*fd_out = fd;
	else
		close(fd);
	return m;
}

/* Many records from one writer: order, coverage, shared rounds, the thread. */
static void order_and_batching(void)
{
	const long n = 2000;
	int base = threads_now(), bad_prefix = 0, fd;
	struct pmemflush_map *m = disk_map(n * 64, &fd);
	uint64_t t, first = 0, last = 0;
	char *p, buf[64];
	long i, bad_content = 0;

	if (!m)
		return;
	hook_reset();
	T_EXPECTF(threads_now() == base, "a thread before the first submit");
	atomic_store(&delay_us, 300);	/* a flush takes a while: records pile up */
	p = pmemflush_map_get_addr(m);
	for (i = 0; i < n; i++) {
		snprintf(p + i * 64, 64, "record %ld", i);
		if (pmemflush_persist_submit(m, p + i * 64, 64, &t) != 0)
			break;
		if (i == 0)
			first = t;
		T_EXPECTF(t == first + i, "ticket %llu for record %ld", (unsigned long long)t, i);
		last = t;
		/* Completed tickets form a prefix: j done => every earlier one done. */
		if (i > 10) {
			uint64_t j = first + (uint64_t)(rand() % i);

			if (pmemflush_persist_poll(m, j) == 1 &&
			    (pmemflush_persist_poll(m, j - 1 ? j - 1 : 1) != 1 ||
			     pmemflush_persist_poll(m, first) != 1))
				bad_prefix++;
		}
		/* wait(t) => everything up to t is done. */
		if (i % 500 == 499) {
			T_EXPECT(pmemflush_persist_wait(m, t - 100) == 0);
			T_EXPECT(pmemflush_persist_poll(m, t - 100) == 1 &&
				 pmemflush_persist_poll(m, t - 101) == 1 &&
				 pmemflush_persist_poll(m, first) == 1);
			T_EXPECTF((uint64_t)atomic_load(&max_target) >= t - 100,
				  "wait returned before a round covered the ticket");
		}
	}
	T_EXPECT(i == n);
	T_EXPECT(first == 1);
	T_EXPECTF(threads_now() == base + 1, "threads %d, expected %d", threads_now(), base + 1);
	T_EXPECT(pmemflush_persist_wait(m, last) == 0);
	T_EXPECT(pmemflush_persist_poll(m, last) == 1);
	T_EXPECT(pmemflush_persist_wait(m, 1) == 0);
	T_EXPECTF((uint64_t)atomic_load(&max_target) == last, "newest round target %llu, last %llu",
		  (unsigned long long)atomic_load(&max_target), (unsigned long long)last);
	T_EXPECT(bad_prefix == 0);
	T_EXPECT(atomic_load(&target_went_back) == 0);
	/* One writer, 2000 records: rounds are shared (far fewer than records). */
	T_EXPECTF(atomic_load(&rounds) * 5 <= n, "%ld rounds for %ld records",
		  (long)atomic_load(&rounds), n);
	printf("order: %ld records in %ld rounds\n", n, (long)atomic_load(&rounds));
	pmemflush_unmap(m);
	T_EXPECTF(threads_now() == base, "flusher not joined: %d threads", threads_now());
	for (i = 0; i < n; i++)
		if (pread(fd, buf, sizeof(buf), i * 64) != 64 || atol(buf + 7) != i)
			bad_content++;
	T_EXPECT(bad_content == 0);
	close(fd);
	hook_reset();
}

/* Forced cpu-flush: durable at submit, complete at once, no thread. */
static void cpu_flush_complete_at_once(void)
{
	struct pmemflush_map *m = NULL;
	int fd = memfd_create("pmemflush-async", 0), base = threads_now(), rc;
	uint64_t t = 0;
	char *p;

	setenv("PMEMFLUSH_FORCE_METHOD", "cpu-flush", 1);
	rc = pmemflush_map_fd(ctx, fd, 0, 1 << 16, 0, &m);
	unsetenv("PMEMFLUSH_FORCE_METHOD");
	close(fd);
	T_EXPECTF(rc == 0, "map: %s", pmemflush_errormsg());
	if (rc)
		return;
	p = pmemflush_map_get_addr(m);
	T_EXPECT(pmemflush_persist_submit(m, p, 64, &t) == 0 && t == 1);
	T_EXPECT(pmemflush_persist_poll(m, 1) == 1);
	T_EXPECT(pmemflush_persist_submit(m, p + 3, 100, &t) == 0 && t == 2);
	T_EXPECT(pmemflush_persist_submit(m, p, 0, &t) == 0 && t == 3);
	T_EXPECT(pmemflush_persist_poll(m, 3) == 1);
	T_EXPECT(pmemflush_persist_wait(m, 2) == 0);
	T_EXPECT(pmemflush_persist_wait(m, 4) == -EINVAL);
	T_EXPECTF(threads_now() == base, "a thread on cpu-flush");
	pmemflush_unmap(m);
}

static void bad_arguments(void)
{
	struct pmemflush_map *m = disk_map(8192, NULL);
	uint64_t t = 77;
	char *p;

	if (!m)
		return;
	p = pmemflush_map_get_addr(m);
	T_EXPECT(pmemflush_persist_wait(m, 0) == -EINVAL);
	T_EXPECT(pmemflush_persist_poll(m, 0) == -EINVAL);
	T_EXPECT(pmemflush_persist_wait(m, 1) == -EINVAL);	/* nothing issued yet */
	T_EXPECT(strstr(pmemflush_errormsg(), "never issued") != NULL);
	T_EXPECT(pmemflush_persist_submit(m, p + 8191, 2, &t) == -EINVAL && t == 77);
	T_EXPECT(pmemflush_persist_submit(m, p - 1, 1, &t) == -EINVAL && t == 77);
	T_EXPECT(pmemflush_persist_submit(m, p, SIZE_MAX, &t) == -EINVAL);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, NULL) == -EINVAL);
	T_EXPECT(pmemflush_persist_submit(NULL, p, 1, &t) == -EINVAL);
	T_EXPECT(pmemflush_persist_wait(NULL, 1) == -EINVAL);
	T_EXPECT(pmemflush_persist_poll(NULL, 1) == -EINVAL);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t) == 0 && t == 1);
	T_EXPECT(pmemflush_persist_wait(m, 2) == -EINVAL);
	T_EXPECT(pmemflush_persist_poll(m, UINT64_MAX) == -EINVAL);
	T_EXPECT(pmemflush_persist_wait(m, 1) == 0);
	pmemflush_unmap(m);
}

static void pull_page(char *p)
{
	munmap(p + 4096, 4096);
}

static void put_page(char *p)
{
	T_EXPECT(mmap(p + 4096, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p + 4096);
}

/* A failed round: sticky everywhere; old tickets never 0; new ones work after clear. */
static void failure_sticks(void)
{
	struct pmemflush_map *m = disk_map(8192, NULL);
	uint64_t t1, t2, t3, t = 99;
	char *p;

	if (!m)
		return;
	p = pmemflush_map_get_addr(m);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t1) == 0);
	T_EXPECT(pmemflush_persist_wait(m, t1) == 0);
	pull_page(p);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t2) == 0 && t2 == t1 + 1);
	T_EXPECT(pmemflush_persist_wait(m, t2) == -ENOMEM);
	T_EXPECTF(strstr(pmemflush_errormsg(), "msync") != NULL, "msg '%s'", pmemflush_errormsg());
	T_EXPECT(pmemflush_persist_poll(m, t2) == -ENOMEM);
	T_EXPECT(pmemflush_persist_wait(m, t1) == -ENOMEM);	/* issued before the failure */
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t) == -ENOMEM && t == 99);
	T_EXPECTF(strstr(pmemflush_errormsg(), "msync") != NULL, "msg '%s'", pmemflush_errormsg());
	T_EXPECT(pmemflush_persist(m, p, 1) == -ENOMEM);
	T_EXPECT(pmemflush_map_get_error(m) == -ENOMEM);
	put_page(p);	/* msync would work now: the failure is not forgotten */
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t) == -ENOMEM && t == 99);
	T_EXPECT(pmemflush_persist_wait(m, t2) == -ENOMEM);
	T_EXPECT(pmemflush_persist_wait(m, t2 + 1) == -EINVAL);

	T_EXPECT(pmemflush_map_clear_error(m) == -ENOMEM);
	T_EXPECT(pmemflush_persist_wait(m, t2) == -ENOMEM);	/* stays failed */
	T_EXPECT(pmemflush_persist_poll(m, t2) == -ENOMEM);
	T_EXPECT(pmemflush_persist_wait(m, t1) == -ENOMEM);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t3) == 0 && t3 == t2 + 1);
	T_EXPECT(pmemflush_persist_wait(m, t3) == 0);
	T_EXPECT(pmemflush_persist_poll(m, t3) == 1);
	T_EXPECT(pmemflush_persist_wait(m, t2) == -ENOMEM);
	T_EXPECT(pmemflush_persist(m, p, 1) == 0);
	pmemflush_unmap(m);
}

/*
 * errseq: a synchronous persist fails while tickets wait for their round,
 * and the error is cleared before the round runs; that round's flush then
 * succeeds, but the tickets' stores may have been in the lost write-back.
 */
static void failure_before_round_cleared(void)
{
	struct pmemflush_map *m = disk_map(8192, NULL);
	uint64_t t1, t2, t3;
	char *p;

	if (!m)
		return;
	p = pmemflush_map_get_addr(m);
	atomic_store(&hold, 1);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t1) == 0);
	sem_wait(&held);	/* the round of t1 has taken it; its flush has not begun */
	T_EXPECT(pmemflush_persist_submit(m, p + 1, 1, &t2) == 0);
	T_EXPECT(pmemflush_persist_poll(m, t1) == 0 && pmemflush_persist_poll(m, t2) == 0);
	pull_page(p);
	T_EXPECT(pmemflush_persist(m, p, 1) == -ENOMEM);
	put_page(p);
	T_EXPECT(pmemflush_map_clear_error(m) == -ENOMEM);
	sem_post(&release);
	T_EXPECT(pmemflush_persist_wait(m, t1) == -ENOMEM);
	T_EXPECT(pmemflush_persist_wait(m, t2) == -ENOMEM);
	T_EXPECT(pmemflush_persist_poll(m, t2) == -ENOMEM);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t3) == 0);
	T_EXPECT(pmemflush_persist_wait(m, t3) == 0);
	T_EXPECT(pmemflush_persist_wait(m, t1) == -ENOMEM);
	pmemflush_unmap(m);
}

/* A round covers the tickets issued before its flush began, not those issued during it. */
static void target_before_flush(void)
{
	struct pmemflush_map *m = disk_map(8192, NULL);
	uint64_t t1, t2;
	char *p;

	if (!m)
		return;
	p = pmemflush_map_get_addr(m);
	atomic_store(&hold, 1);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t1) == 0);
	sem_wait(&held);		/* round 1 took t1 */
	T_EXPECT(pmemflush_persist_submit(m, p + 1, 1, &t2) == 0);
	atomic_store(&hold, 1);
	sem_post(&release);
	sem_wait(&held);		/* round 1 ended, round 2 took t2 */
	T_EXPECT(pmemflush_persist_poll(m, t1) == 1);
	T_EXPECTF(pmemflush_persist_poll(m, t2) == 0, "t2 complete before a round covered it");
	sem_post(&release);
	T_EXPECT(pmemflush_persist_wait(m, t2) == 0);
	pmemflush_unmap(m);
}

static int child_status(pid_t pid)
{
	int status = -1;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static atomic_int syscalls_seen;
static atomic_int counting;

static void on_sigsys(int sig)
{
	(void)sig;
	if (atomic_load(&counting))
		atomic_fetch_add(&syscalls_seen, 1);
}

/* Every system call of this thread from now on raises SIGSYS (and is not made). */
static int trap_syscalls(void)
{
	/* Not under a sanitizer: its run-time makes system calls of its own. */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	return -1;
#endif
}

/*
 * While the flusher is busy, a submit is locks and a counter: no system
 * call. In a child process (its own flusher, held in the hook), whose
 * main thread then traps every system call but exit: the child's exit
 * status is 0, 2 (no seccomp here) or 10 + the calls seen (at most 100).
 */
static void submit_makes_no_syscall(void)
{
	struct pmemflush_map *m = disk_map(8192, NULL);
	pid_t pid;
	int st;

	if (!m)
		return;
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_sigsys };
		char *p = pmemflush_map_get_addr(m);
		uint64_t t1, t;
		int i, n;

		alarm(10);
		hook_pid = getpid();
		sigaction(SIGSYS, &sa, NULL);
		atomic_store(&hold, 1);
		if (pmemflush_persist_submit(m, p, 1, &t1) != 0)
			_exit(3);
		sem_wait(&held);	/* the child's flusher is busy with t1's round */
		if (trap_syscalls() < 0)
			_exit(2);
		atomic_store(&counting, 1);
		for (i = 0; i < 1000; i++) {
			p[i * 4] = (char)i;
			if (pmemflush_persist_submit(m, p + i * 4, 4, &t) != 0)
				_exit(4);
		}
		atomic_store(&counting, 0);
		n = atomic_load(&syscalls_seen);
		_exit(n ? 10 + (n > 100 ? 100 : n) : 0);
	}
	st = child_status(pid);
	if (st == 2)
		printf("submit-no-syscall: no seccomp filter here (or a sanitizer), skipped\n");
	else
		T_EXPECTF(st == 0, "child status %d (10 + system calls in 1000 submits)", st);
	if (st == 0)
		printf("submit-no-syscall: 1000 submits, 0 system calls\n");
	pmemflush_unmap(m);
}

/* unmap while tickets are outstanding: they are flushed first, nothing hangs. */
static void unmap_outstanding(void)
{
	int base = threads_now(), fd;
	struct pmemflush_map *m = disk_map(1 << 16, &fd);
	uint64_t t = 0;
	char *p, buf[64];
	long i, bad = 0;

	if (!m)
		return;
	hook_reset();
	atomic_store(&delay_us, 5000);
	p = pmemflush_map_get_addr(m);
	for (i = 0; i < 200; i++) {
		snprintf(p + i * 64, 64, "record %ld", i);
		T_EXPECT(pmemflush_persist_submit(m, p + i * 64, 64, &t) == 0);
	}
	T_EXPECTF(pmemflush_persist_poll(m, t) == 0, "all done before unmap: test proves nothing");
	pmemflush_unmap(m);
	T_EXPECTF(atomic_load(&max_target) == t, "unmap returned, newest round covered %llu of %llu",
		  (unsigned long long)atomic_load(&max_target), (unsigned long long)t);
	T_EXPECT(threads_now() == base);
	for (i = 0; i < 200; i++)
		if (pread(fd, buf, sizeof(buf), i * 64) != 64 || atol(buf + 7) != i)
			bad++;
	T_EXPECT(bad == 0);
	close(fd);
	hook_reset();
}

struct waiter {
	struct pmemflush_map *m;
	uint64_t t;
	atomic_int entered;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->entered, 1);
	pmemflush_persist_wait(w->m, w->t);
	return (void *)1;
}

/* A waiter cancelled in wait leaves the map usable. */
static void cancelled_waiter(void)
{
	struct pmemflush_map *m = disk_map(8192, NULL);
	struct waiter w = { 0 };
	pthread_t tid;
	void *res = NULL;
	uint64_t t2;
	char *p;

	if (!m)
		return;
	p = pmemflush_map_get_addr(m);
	atomic_store(&hold, 1);
	w.m = m;
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &w.t) == 0);
	sem_wait(&held);
	pthread_create(&tid, NULL, wait_thread, &w);
	while (!atomic_load(&w.entered))
		usleep(1000);
	usleep(50000);
	pthread_cancel(tid);
	pthread_join(tid, &res);
	T_EXPECT(res == PTHREAD_CANCELED);
	T_EXPECT(pmemflush_persist_poll(m, w.t) == 0);	/* would hang on a held lock */
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t2) == 0);
	sem_post(&release);
	T_EXPECT(pmemflush_persist_wait(m, t2) == 0);
	T_EXPECT(pmemflush_persist_poll(m, w.t) == 1);
	pmemflush_unmap(m);
}


/* fork(): the child gets its own flusher, never waits for the parent's. */
static void fork_child(void)
{
	struct pmemflush_map *m = disk_map(8192, NULL);
	uint64_t t1, t2, t3;
	pid_t pid;
	char *p;
	int st;

	if (!m)
		return;
	p = pmemflush_map_get_addr(m);

	/* The parent's flusher idle (its thread exists): the child unmaps. */
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t1) == 0);
	T_EXPECT(pmemflush_persist_wait(m, t1) == 0);
	pid = fork();
	if (pid == 0) {
		alarm(10);
		pmemflush_unmap(m);
		_exit(0);
	}
	st = child_status(pid);
	T_EXPECTF(st == 0, "child unmap: status %d", st);

	/* A round in flight (held) and a ticket pending in the parent. */
	atomic_store(&hold, 1);
	T_EXPECT(pmemflush_persist_submit(m, p, 1, &t1) == 0);
	sem_wait(&held);
	T_EXPECT(pmemflush_persist_submit(m, p + 1, 1, &t2) == 0);
	pid = fork();
	if (pid == 0) {
		alarm(10);
		if (pmemflush_persist_poll(m, t2) != 0)
			_exit(2);
		if (pmemflush_persist_wait(m, t2) != 0)
			_exit(3);
		if (pmemflush_persist_poll(m, t1) != 1)
			_exit(4);
		if (pmemflush_persist_submit(m, p, 1, &t3) != 0 || t3 != t2 + 1)
			_exit(5);
		if (pmemflush_persist_wait(m, t3) != 0)
			_exit(6);
		pmemflush_unmap(m);
		_exit(0);
	}
	st = child_status(pid);
	T_EXPECTF(st == 0, "child with pending tickets: status %d", st);
	T_EXPECT(pmemflush_persist_poll(m, t1) == 0);	/* the parent's round still held */
	sem_post(&release);
	T_EXPECT(pmemflush_persist_wait(m, t2) == 0);
	T_EXPECT(pmemflush_persist_wait(m, t2 + 1) == -EINVAL);	/* the child's ticket is its own */
	pmemflush_unmap(m);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_dir = argv[1];
	alarm(120);
	hook_pid = getpid();
	sem_init(&held, 0, 0);
	sem_init(&release, 0, 0);
	if (pmemflush_new(&ctx) < 0)
		return 1;
	order_and_batching();
	cpu_flush_complete_at_once();
	bad_arguments();
	failure_sticks();
	failure_before_round_cleared();
	target_before_flush();
	submit_makes_no_syscall();
	unmap_outstanding();
	cancelled_waiter();
	fork_child();
	pmemflush_unref(ctx);
	return t_report("test-async");
}
