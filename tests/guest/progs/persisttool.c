// SPDX-License-Identifier: GPL-2.0-only
/*
 * persisttool: libpmemflush inside the test guest.
 *
 *   persisttool map PATH [nondurable]   map, print "method=M granularity=G"
 *   persisttool persist PATH N          N records, each persisted between
 *                                       marks p<i>-a and p<i>-b
 *   persisttool bench PATH THREADS RECORDS group|naive
 *                                       THREADS x RECORDS 64-byte records;
 *                                       group: pmemflush_persist() (group
 *                                       commit); naive: one msync(MS_SYNC)
 *                                       per record. Prints records=N.
 *   persisttool sticky PATH             persist (expects the host flush to
 *                                       fail), persist again (sticky), clear,
 *                                       persist: prints the three results
 *   persisttool devfail PATH_A PATH_B KNOB two maps on one device: persist
 *                                       both once, a store through each,
 *                                       then "1" into KNOB
 *                                       (the fault knob), persist A, persist
 *                                       B, B again, clear B, persist B:
 *                                       prints the five results, then
 *                                       B's message on a line "b_msg=..."
 *   persisttool devwait PATH FLAG       map, store, create FLAG.ready, wait
 *                                       (60 s at most) until FLAG exists,
 *                                       persist: prints "rc=N msg=..."
 *   persisttool tmpfile DIR             an unlinked O_TMPFILE file in DIR,
 *                                       mapped with pmemflush_map_fd():
 *                                       prints "method=M", exit errno
 *   persisttool change PATH CMD         map, store + persist (marks p0-a..p0-b),
 *                                       run CMD (sh -c), store + persist
 *                                       (marks p1-a..p1-b): prints
 *                                       "before=N after=M msg=..."
 *
 * Exit status: 0, or the errno of the failing call.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <pmemflush.h>

#define RECORD 64

static struct pmemflush_ctx *ctx;

/* '@@VT mark p<i>-<side>', drained before the caller goes on. */
static void mark(int i, char side)
{
	printf("@@VT mark p%d-%c\n", i, side);
	fflush(stdout);
	if (isatty(STDOUT_FILENO))
		tcdrain(STDOUT_FILENO);
}

static int do_map(const char *path, unsigned int flags, struct pmemflush_map **m)
{
	int rc = pmemflush_map_file(ctx, path, 0, flags, m);

	if (rc == -ENOENT || rc == -EINVAL)
		rc = pmemflush_map_file(ctx, path, 4 << 20, flags | PMEMFLUSH_MAP_CREATE, m);
	if (rc < 0)
		fprintf(stderr, "persisttool: %s: %s\n", strerror(-rc), pmemflush_errormsg());
	return rc;
}

static int cmd_map(const char *path, int nondurable)
{
	struct pmemflush_map *m;
	int rc = do_map(path, nondurable ? PMEMFLUSH_MAP_NONDURABLE : 0, &m);

	if (rc < 0)
		return -rc;
	printf("method=%s granularity=%s\n", pmemflush_method_name(pmemflush_map_get_method(m)),
	       pmemflush_granularity_name(pmemflush_map_get_granularity(m)));
	pmemflush_unmap(m);
	return 0;
}

static int cmd_persist(const char *path, int n)
{
	struct pmemflush_map *m;
	char *p;
	int i, rc = do_map(path, 0, &m);

	if (rc < 0)
		return -rc;
	p = pmemflush_map_get_addr(m);
	printf("method=%s\n", pmemflush_method_name(pmemflush_map_get_method(m)));
	for (i = 0; i < n; i++) {
		snprintf(p + i * RECORD, RECORD, "record %d", i);
		mark(i, 'a');
		rc = pmemflush_persist(m, p + i * RECORD, RECORD);
		mark(i, 'b');
		if (rc < 0) {
			fprintf(stderr, "persist %d: %s\n", i, pmemflush_errormsg());
			break;
		}
	}
	pmemflush_unmap(m);
	return rc < 0 ? -rc : 0;
}

struct bench {
	struct pmemflush_map *m;
	char *base;
	long records;
	int naive;
	long id;
	int rc;
};

static void *bench_thread(void *arg)
{
	struct bench *b = arg;
	long pagesz = sysconf(_SC_PAGESIZE);
	long i;

	for (i = 0; i < b->records; i++) {
		char *rec = b->base + (b->id * b->records + i) * RECORD;

		snprintf(rec, RECORD, "t%ld r%ld", b->id, i);
		if (b->naive) {
			char *page = (char *)((unsigned long)rec & ~(pagesz - 1));

			if (msync(page, pagesz, MS_SYNC) < 0) {
				b->rc = errno;
				return NULL;
			}
		} else if (pmemflush_persist(b->m, rec, RECORD) < 0) {
			b->rc = EIO;
			return NULL;
		}
	}
	return NULL;
}

static int cmd_bench(const char *path, int threads, long records, int naive)
{
	struct bench b[64];
	pthread_t tids[64];
	struct pmemflush_map *m;
	struct timespec t0, t1;
	double secs;
	int i, rc = do_map(path, 0, &m);

	if (rc < 0)
		return -rc;
	if (threads < 1 || threads > 64 || (size_t)threads * records * RECORD > pmemflush_map_get_length(m))
		return EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < threads; i++) {
		b[i] = (struct bench){ m, pmemflush_map_get_addr(m), records, naive, i, 0 };
		pthread_create(&tids[i], NULL, bench_thread, &b[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(tids[i], NULL);
		if (b[i].rc)
			rc = b[i].rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("records=%ld seconds=%.2f rate=%.0f method=%s\n", (long)threads * records, secs,
	       threads * records / secs, naive ? "naive-msync" : "group-commit");
	pmemflush_unmap(m);
	return rc;
}

static int cmd_sticky(const char *path)
{
	struct pmemflush_map *m;
	char *p;
	int r1, r2, r3, cleared, rc = do_map(path, 0, &m);

	if (rc < 0)
		return -rc;
	p = pmemflush_map_get_addr(m);
	strcpy(p, "lost?");
	r1 = pmemflush_persist(m, p, 8);
	r2 = pmemflush_persist(m, p, 8);
	cleared = pmemflush_map_clear_error(m);
	r3 = pmemflush_persist(m, p, 8);
	printf("first=%d second=%d cleared=%d after=%d\n", r1, r2, cleared, r3);
	pmemflush_unmap(m);
	return 0;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return errno;
	if (fputs(text, f) < 0)
		rc = errno;
	if (fclose(f) != 0 && !rc)
		rc = errno;
	return rc;
}

static int cmd_devfail(const char *path_a, const char *path_b, const char *knob)
{
	struct pmemflush_map *a, *b;
	int ra, rb, rb2, cleared, rb3, rc;
	char bmsg[512];

	rc = do_map(path_a, 0, &a);
	if (rc < 0)
		return -rc;
	rc = do_map(path_b, 0, &b);
	if (rc < 0)
		return -rc;
	/* A clean start: both maps' files (and their metadata) durable. */
	if (pmemflush_persist(a, pmemflush_map_get_addr(a), 1) < 0 ||
	    pmemflush_persist(b, pmemflush_map_get_addr(b), 1) < 0) {
		fprintf(stderr, "persisttool: baseline persist: %s\n", pmemflush_errormsg());
		return EIO;
	}
	/* B's store is made before the failure: it may be in the lost write-back. */
	strcpy((char *)pmemflush_map_get_addr(b) + 4096, "record of map B");
	strcpy(pmemflush_map_get_addr(a), "record of map A");
	rc = write_file(knob, "1\n");
	if (rc) {
		fprintf(stderr, "persisttool: %s: %s\n", knob, strerror(rc));
		return rc;
	}
	ra = pmemflush_persist(a, pmemflush_map_get_addr(a), 64);
	rb = pmemflush_persist(b, (char *)pmemflush_map_get_addr(b) + 4096, 64);
	snprintf(bmsg, sizeof(bmsg), "%s", pmemflush_errormsg());
	rb2 = pmemflush_persist(b, (char *)pmemflush_map_get_addr(b) + 4096, 64);
	cleared = pmemflush_map_clear_error(b);
	rb3 = pmemflush_persist(b, (char *)pmemflush_map_get_addr(b) + 4096, 64);
	printf("a=%d b=%d b_again=%d b_cleared=%d b_after=%d\nb_msg=%s\n", ra, rb, rb2, cleared,
	       rb3, bmsg);
	pmemflush_unmap(a);
	pmemflush_unmap(b);
	return 0;
}

static int cmd_devwait(const char *path, const char *flag)
{
	struct pmemflush_map *m;
	struct stat st;
	char ready[4096];
	int i, rc = do_map(path, 0, &m);

	if (rc < 0)
		return -rc;
	strcpy((char *)pmemflush_map_get_addr(m) + 8192, "record of the waiting process");
	snprintf(ready, sizeof(ready), "%s.ready", flag);
	rc = write_file(ready, "");
	if (rc)
		return rc;
	for (i = 0; i < 6000 && stat(flag, &st) < 0; i++)
		usleep(10000);
	rc = pmemflush_persist(m, (char *)pmemflush_map_get_addr(m) + 8192, 64);
	printf("rc=%d msg=%s\n", rc, rc ? pmemflush_errormsg() : "");
	pmemflush_unmap(m);
	return 0;
}

static int cmd_tmpfile(const char *dir)
{
	struct pmemflush_map *m;
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600), rc;

	if (fd < 0) {
		perror("persisttool: O_TMPFILE");
		return errno;
	}
	rc = pmemflush_map_fd(ctx, fd, 0, 1 << 20, 0, &m);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "persisttool: %s: %s\n", strerror(-rc), pmemflush_errormsg());
		return -rc;
	}
	printf("method=%s\n", pmemflush_method_name(pmemflush_map_get_method(m)));
	pmemflush_unmap(m);
	return 0;
}

/* A fact changes under a live map: the next persist must not say 0. */
static int cmd_change(const char *path, const char *cmd)
{
	struct pmemflush_map *m;
	int before, after, rc = do_map(path, 0, &m);
	char *p;

	if (rc < 0)
		return -rc;
	p = pmemflush_map_get_addr(m);
	p[0]++;
	mark(0, 'a');
	before = pmemflush_persist(m, p, 1);
	mark(0, 'b');
	if (system(cmd) != 0)
		fprintf(stderr, "persisttool: '%s' failed\n", cmd);
	p[1]++;
	mark(1, 'a');
	after = pmemflush_persist(m, p + 1, 1);
	mark(1, 'b');
	printf("before=%d after=%d msg=%s\n", before, after, after ? pmemflush_errormsg() : "");
	pmemflush_unmap(m);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 2 ? argv[1] : "";
	int rc = 2;

	if (pmemflush_new(&ctx) < 0)
		return ENOMEM;
	if (!strcmp(cmd, "map"))
		rc = cmd_map(argv[2], argc > 3 && !strcmp(argv[3], "nondurable"));
	else if (!strcmp(cmd, "persist") && argc == 4)
		rc = cmd_persist(argv[2], atoi(argv[3]));
	else if (!strcmp(cmd, "bench") && argc == 6)
		rc = cmd_bench(argv[2], atoi(argv[3]), atol(argv[4]), !strcmp(argv[5], "naive"));
	else if (!strcmp(cmd, "sticky") && argc == 3)
		rc = cmd_sticky(argv[2]);
	else if (!strcmp(cmd, "devfail") && argc == 5)
		rc = cmd_devfail(argv[2], argv[3], argv[4]);
	else if (!strcmp(cmd, "devwait") && argc == 4)
		rc = cmd_devwait(argv[2], argv[3]);
	else if (!strcmp(cmd, "tmpfile") && argc == 3)
		rc = cmd_tmpfile(argv[2]);
	else if (!strcmp(cmd, "change") && argc == 4)
		rc = cmd_change(argv[2], argv[3]);
	else
		fprintf(stderr, "usage: see persisttool.c\n");
	pmemflush_unref(ctx);
	return rc;
}
