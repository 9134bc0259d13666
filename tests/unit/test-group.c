// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Group commit contract, checked with many threads and an instrumented
 * flush: every event takes a tick of one global clock, so "began after"
 * and "completed before" are exact comparisons.
 *  - a call that returns 0 was covered by a flush that started after the
 *    call started and ended, successfully, before it returned;
 *  - a call whose covering flush failed returns that error, and every call
 *    after the failure returns it until the error is cleared;
 *  - concurrent calls share flushes (fewer flushes than calls).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "group.h"
#include "test.h"

#define THREADS 16
#define CALLS 200
#define MAX_FLUSHES (THREADS * CALLS + 16)

struct flush_rec {
	long start, end;
	int rc;
};

static atomic_long clk;
static struct flush_rec flushes[MAX_FLUSHES];
static int nflushes;		/* written only inside flush (serialised) */
static int fail_every;		/* 0: never fail */
static atomic_int in_flush;	/* must never exceed 1 */
static int overlap_seen;

static int instrumented_flush(void *arg)
{
	int i = nflushes++;

	if (atomic_fetch_add(&in_flush, 1) != 0)
		overlap_seen = 1;
	flushes[i].start = atomic_fetch_add(&clk, 1) + 1;
	usleep(200);
	flushes[i].rc = (fail_every && (i + 1) % fail_every == 0) ? -EIO : 0;
	flushes[i].end = atomic_fetch_add(&clk, 1) + 1;
	atomic_fetch_sub(&in_flush, 1);
	return flushes[i].rc;
}

struct call_rec {
	long start, end;
	int rc;
};

static struct pf_group group;
static struct call_rec calls[THREADS][CALLS];

static void *worker(void *arg)
{
	long t = (long)arg;
	int i;

	for (i = 0; i < CALLS; i++) {
		calls[t][i].start = atomic_fetch_add(&clk, 1) + 1;
		calls[t][i].rc = pf_group_sync(&group, instrumented_flush, NULL);
		calls[t][i].end = atomic_fetch_add(&clk, 1) + 1;
		/* In the failing run, acknowledge now and then, as an app would. */
		if (fail_every && calls[t][i].rc && (i % 5 == 0))
			pf_group_clear_error(&group);
	}
	return NULL;
}

/* The flush (if any) that started after @c started and ended before it ended. */
static int covering_ok(const struct call_rec *c)
{
	int f;

	for (f = 0; f < nflushes; f++)
		if (flushes[f].start > c->start && flushes[f].end < c->end && flushes[f].rc == 0)
			return 1;
	return 0;
}

static void run(int fail)
{
	pthread_t tids[THREADS];
	int bad_success = 0, bad_error = 0, ncalls = 0, nok = 0;
	long t;
	int i;

	pf_group_init(&group);
	nflushes = 0;
	fail_every = fail;
	overlap_seen = 0;
	for (t = 0; t < THREADS; t++)
		pthread_create(&tids[t], NULL, worker, (void *)t);
	for (t = 0; t < THREADS; t++)
		pthread_join(tids[t], NULL);

	for (t = 0; t < THREADS; t++)
		for (i = 0; i < CALLS; i++) {
			const struct call_rec *c = &calls[t][i];

			ncalls++;
			if (c->rc == 0) {
				nok++;
				if (!covering_ok(c))
					bad_success++;
			} else if (c->rc != -EIO) {
				bad_error++;
			}
		}
	T_EXPECTF(!overlap_seen, "two flushes ran at once");
	T_EXPECTF(bad_success == 0, "%d successful calls had no successful flush that began after them",
		  bad_success);
	T_EXPECTF(bad_error == 0, "%d calls failed with an unexpected error", bad_error);
	T_EXPECTF(nflushes < ncalls, "no coalescing: %d flushes for %d calls", nflushes, ncalls);
	if (!fail)
		T_EXPECTF(nok == ncalls, "%d of %d calls failed without any failure injected",
			  ncalls - nok, ncalls);
	else
		T_EXPECTF(nok < ncalls && nok > 0, "failure run: %d of %d calls succeeded", nok,
			  ncalls);
	printf("%s: %d calls, %d flushes (%.2f flushes/call), %d succeeded\n",
	       fail ? "with failures" : "no failures", ncalls, nflushes,
	       (double)nflushes / ncalls, nok);
	pf_group_destroy(&group);
}

static int ok_flush(void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int eio_flush(void *arg)
{
	(*(int *)arg)++;
	return -EIO;
}

/* Sticky error, single thread: no retry into success, no flush while set. */
static void sticky(void)
{
	int n = 0;

	pf_group_init(&group);
	T_EXPECT(pf_group_sync(&group, ok_flush, &n) == 0 && n == 1);
	T_EXPECT(pf_group_sync(&group, eio_flush, &n) == -EIO && n == 2);
	T_EXPECT(pf_group_get_error(&group) == -EIO);
	/* The next flush would succeed, but the lost write is not forgotten. */
	T_EXPECT(pf_group_sync(&group, ok_flush, &n) == -EIO);
	T_EXPECTF(n == 2, "flushed while the error was pending (n=%d)", n);
	T_EXPECT(pf_group_clear_error(&group) == -EIO);
	T_EXPECT(pf_group_get_error(&group) == 0);
	T_EXPECT(pf_group_sync(&group, ok_flush, &n) == 0 && n == 3);
	pf_group_destroy(&group);
}

int main(void)
{
	sticky();
	run(0);
	run(7);
	return t_report("test-group");
}
