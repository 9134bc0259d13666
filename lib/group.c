// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Group commit with an errseq-style failure sequence.
 *
 * Flushes are numbered by generation: 'started' counts flushes that began,
 * 'completed' is the newest that ended; at most one is in flight, so a
 * flush of generation g ends before g+1 begins. 'failseq' counts recorded
 * failures (failed flushes, and rises of the outside failure counter) and
 * only grows: pf_group_clear_error() resets the sticky error, never it.
 *
 * A caller arriving with started == s and failseq == f takes target = s + 1
 * and returns 0 only when completed >= target while failseq is still f.
 * Why that is exactly the contract "0 only if a flush that began after the
 * call began succeeded, and no failure was recorded during the call":
 *  - Not early: generation s+1 begins after the caller arrived, because
 *    'started' only grows under the lock and the caller saw s. So the
 *    flush it counts on began after the call began (and after the caller's
 *    stores, which it made before calling).
 *  - Succeeded: a flush that fails records its failure (failseq + 1) in
 *    the same critical section that publishes completed = g. A caller that
 *    sees completed >= target also sees failseq moved if generation target
 *    (or any later one it did not wait for) failed.
 *  - No failure during the call: failseq is sampled on entry and compared
 *    under the lock every time the caller looks. The comparison does not
 *    depend on 'error', so a pf_group_clear_error() that runs between a
 *    failure and the waiter's wake-up cannot turn the failure into a 0.
 *    This is deliberately wider than "my flush failed": msync and the
 *    device flush report a failed write-back once and then mark the pages
 *    clean, so a caller whose flush (s+1) succeeded after generation s
 *    failed may have had its stores in the lost write-back of s.
 *  - Not late: if nothing is in flight, the caller starts s+1 itself at
 *    once. If s is in flight, s began before the caller arrived and cannot
 *    cover it; the caller waits for s to end, and then the first waiter to
 *    run starts s+1 for all of them: one flush per group of arrivals.
 *  - Sticky errors: a failure is also recorded in 'error' until
 *    pf_group_clear_error(). While it is pending, arriving callers get it
 *    without flushing. A failure is never retried into success.
 *  - Outside failures (pf_group_set_errcount()): a counter the flush cannot
 *    see (vpmem's flush_errors: another map, process or file on the same
 *    device whose host flush failed) is read after every flush and at
 *    clear; a rise is recorded as a failure like any other. Only the
 *    highest value read is remembered, so readings that race (a flush and
 *    a clear) never lower the baseline, and a rise is recorded once.
 *
 * Gathering: a caller that finds nothing in flight would start the next
 * flush at once, but the callers the previous flush served are typically
 * a moment away (they were woken together, write their next record and
 * come back); starting without them costs each of them a whole extra
 * flush of waiting, and the device one flush per straggler. So the
 * leader first waits until as many callers have arrived as were active
 * around the previous flush (its batch, plus those that arrived while it
 * ran), for at most half a flush's average duration (and never more than
 * GATHER_MAX_NS), counted from the end of the previous flush: a caller
 * that comes after that window (a lone caller after a burst, say) starts
 * at once, whatever the old expectation was. Windows shorter than
 * GATHER_MIN_NS are not worth a timed sleep (timer slack alone is 50 us),
 * and one stalled flush does not stretch later windows (each sample is
 * capped before it enters the average). Nobody else leads meanwhile, so
 * the contract above is unchanged: the flush still begins after every
 * caller it counts for arrived. A single caller (expecting 1) never
 * waits; when callers go away, one wait times out and the expectation
 * drops to what did arrive.
 * Counting the waiters too matters: two callers that alternate (each
 * arriving while the other's flush runs) form batches of one, and only
 * the waiter count shows that the other one is coming back.
 *
 * Messages: the failing leader's pmemflush_errormsg() is copied into the
 * group with the failure, and every caller that returns an error re-emits
 * the message of exactly that error in its own thread.
 *
 * Cancellation: pf_group_sync() runs with cancellation disabled. A waiter
 * cancelled in pthread_cond_wait() would otherwise unwind with the lock
 * held and its waiter state abandoned, and a leader cancelled in msync()
 * would leave 'in_flight' set forever; cleanup handlers could release the
 * lock but could not give a cancelled leader's flush a result. A persist
 * is bounded (at most two flushes and one gathering window), so the
 * request is simply deferred to the caller's next cancellation point.
 *
 * fork(): every group is on a list; the prepare handler takes each group's
 * lock so the child never inherits one held by a thread that does not
 * exist there, and the child handler reinitialises the lock and condition
 * and forgets a flush in flight (its leader is not in the child; the
 * child's callers start their own). failseq and the sticky error are kept.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "group.h"
#include "private.h"

/* The longest a leader waits for the rest of its batch ... */
#define GATHER_MAX_NS 10000000ULL
/* ... and the shortest wait worth sleeping for. */
#define GATHER_MIN_NS 100000ULL

static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pf_group *groups;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
	struct pf_group *g;

	pthread_mutex_lock(&groups_lock);
	for (g = groups; g; g = g->fork_next)
		pthread_mutex_lock(&g->lock);
}

static void fork_parent(void)
{
	struct pf_group *g;

	for (g = groups; g; g = g->fork_next)
		pthread_mutex_unlock(&g->lock);
	pthread_mutex_unlock(&groups_lock);
}

static void gather_cond_init(struct pf_group *g)
{
	pthread_condattr_t attr;

	/* Deadlines on the monotonic clock: a clock step must not stall a leader. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->gather, &attr);
	pthread_condattr_destroy(&attr);
}

static void fork_child(void)
{
	struct pf_group *g;

	for (g = groups; g; g = g->fork_next) {
		pthread_mutex_init(&g->lock, NULL);
		pthread_cond_init(&g->done, NULL);
		gather_cond_init(g);
		/* Callers that arrived (and a gathering leader) stayed in the parent. */
		g->gathering = 0;
		g->arrived = 0;
		g->expect = 0;
		if (g->in_flight) {
			/* Its leader stayed in the parent: nobody waits for it here. */
			g->in_flight = 0;
			g->completed = g->started;
		}
	}
	pthread_mutex_init(&groups_lock, NULL);
}

static void atfork_register(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void pf_group_init(struct pf_group *g)
{
	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->done, NULL);
	gather_cond_init(g);
	g->gather_max_ns = GATHER_MAX_NS;

	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&groups_lock);
	g->fork_next = groups;
	groups = g;
	pthread_mutex_unlock(&groups_lock);
}

void pf_group_destroy(struct pf_group *g)
{
	struct pf_group **pp;

	pthread_mutex_lock(&groups_lock);
	for (pp = &groups; *pp; pp = &(*pp)->fork_next)
		if (*pp == g) {
			*pp = g->fork_next;
			break;
		}
	pthread_mutex_unlock(&groups_lock);
	pthread_cond_destroy(&g->done);
	pthread_cond_destroy(&g->gather);
	pthread_mutex_destroy(&g->lock);
}

/* Under the lock: one more failure, sticky unless one is pending. */
static void trace(struct pf_group *g, enum pf_group_event ev, int rc)
{
	if (pf_group_trace)
		pf_group_trace(g, ev, rc);
}

static void record_failure(struct pf_group *g, int rc, const char *msg)
{
	trace(g, PF_GROUP_TRACE_FAILURE, rc);
	g->failseq++;
	g->last_rc = rc;
	snprintf(g->last_msg, sizeof(g->last_msg), "%s", msg);
	if (!g->error) {
		g->error = rc;
		snprintf(g->error_msg, sizeof(g->error_msg), "%s", msg);
	}
}

/* Under the lock: a reading of the outside counter; records a rise once. */
static void errcount_seen(struct pf_group *g, uint64_t now)
{
	char msg[PF_GROUP_MSG];

	if (now <= g->errcount_seen)
		return;
	snprintf(msg, sizeof(msg),
		 "another flush of the same device failed (%s went from %llu to %llu): "
		 "stores made before it may be lost",
		 g->errcount_name, (unsigned long long)g->errcount_seen,
		 (unsigned long long)now);
	g->errcount_seen = now;
	record_failure(g, -EIO, msg);
}

int pf_group_set_errcount(struct pf_group *g, pf_group_errcount_fn fn, void *arg,
			  const char *name)
{
	uint64_t now;
	int rc = fn(arg, &now);

	if (rc < 0)
		return rc;
	g->errcount = fn;
	g->errcount_arg = arg;
	g->errcount_name = name;
	g->errcount_seen = now;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Before leading: wait (lock held on entry and return, released while
 * waiting) until the callers of the previous batch are back, or for half
 * a flush at most. See "Gathering" above.
 */
static void gather(struct pf_group *g)
{
	uint64_t wait_ns = g->flush_ns / 2, deadline;
	struct timespec ts;

	if (g->expect <= 1 || g->arrived >= g->expect)
		return;
	if (wait_ns > g->gather_max_ns)
		wait_ns = g->gather_max_ns;
	if (wait_ns < GATHER_MIN_NS)
		return;
	/* The batch comes back right after the previous flush, or not at all. */
	deadline = g->done_ns + wait_ns;
	if (now_ns() >= deadline)
		return;
	ts.tv_sec = (time_t)(deadline / 1000000000ULL);
	ts.tv_nsec = (long)(deadline % 1000000000ULL);
	trace(g, PF_GROUP_TRACE_GATHER, 0);
	g->gathering = 1;
	while (g->arrived < g->expect)
		if (pthread_cond_timedwait(&g->gather, &g->lock, &ts) == ETIMEDOUT)
			break;
	g->gathering = 0;
}

/* Runs a flush as leader; called and returns with the lock held. */
static void lead(struct pf_group *g, pf_group_flush_fn flush, void *arg)
{
	char msg[PF_GROUP_MSG] = "";
	uint64_t gen, now = 0, t0, t1, sample;
	unsigned int batch;
	int rc, rc_count = 0;

	gen = ++g->started;
	g->in_flight = 1;
	/* Everyone who arrived so far is covered by this flush. */
	batch = g->arrived;
	g->arrived = 0;
	pthread_mutex_unlock(&g->lock);

	pf_error_clear();
	t0 = now_ns();
	rc = flush(arg);
	t1 = now_ns();
	if (rc < 0)
		snprintf(msg, sizeof(msg), "%s", pmemflush_errormsg());
	/* After the flush: a failure anywhere on the device up to now shows. */
	if (g->errcount) {
		rc_count = g->errcount(g->errcount_arg, &now);
		if (rc_count < 0 && rc >= 0) {
			rc = rc_count;
			snprintf(msg, sizeof(msg), "%s", pmemflush_errormsg());
		}
	}

	pthread_mutex_lock(&g->lock);
	g->in_flight = 0;
	g->completed = gen;
	/* One stalled flush must not stretch the windows of many after it. */
	sample = t1 - t0 < 2 * g->gather_max_ns ? t1 - t0 : 2 * g->gather_max_ns;
	g->flush_ns = g->flush_ns ? (7 * g->flush_ns + sample) / 8 : sample;
	g->done_ns = t1;
	g->expect = batch + g->arrived;
	if (rc < 0)
		record_failure(g, rc, msg[0] ? msg : "flush failed");
	if (g->errcount && rc_count >= 0) {
		if (rc < 0 && now > g->errcount_seen)
			g->errcount_seen = now;	/* our own failure, recorded above */
		else
			errcount_seen(g, now);
	}
	pthread_cond_broadcast(&g->done);
}

int pf_group_sync(struct pf_group *g, pf_group_flush_fn flush, void *arg)
{
	char msg[PF_GROUP_MSG];
	uint64_t target, seq;
	int rc, cancel_state;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	pthread_mutex_lock(&g->lock);
	if (g->error) {
		rc = g->error;
		snprintf(msg, sizeof(msg), "%s", g->error_msg);
		goto out;
	}
	seq = g->failseq;
	target = g->started + 1;
	trace(g, PF_GROUP_TRACE_ENTRY, 0);
	if (++g->arrived >= g->expect && g->gathering)
		pthread_cond_signal(&g->gather);

	for (;;) {
		if (g->failseq != seq) {
			/* A failure was recorded during this call. */
			rc = g->last_rc;
			snprintf(msg, sizeof(msg), "%s", g->last_msg);
			break;
		}
		if (g->completed >= target) {
			rc = 0;
			break;
		}
		if (g->in_flight || g->gathering) {
			pthread_cond_wait(&g->done, &g->lock);
			continue;
		}
		/*
		 * Nothing in flight and our flush not done: it is ours to start,
		 * once the rest of the batch is here. Nothing completes while we
		 * gather (nobody else leads), so the flush is still ours to run.
		 */
		gather(g);
		lead(g, flush, arg);
	}
	trace(g, PF_GROUP_TRACE_EXIT, rc);
out:
	pthread_mutex_unlock(&g->lock);
	pthread_setcancelstate(cancel_state, NULL);
	if (rc < 0)
		return pf_error(rc, "%s", msg);
	return 0;
}

int pf_group_pending(struct pf_group *g)
{
	char msg[PF_GROUP_MSG];
	int rc;

	pthread_mutex_lock(&g->lock);
	rc = g->error;
	snprintf(msg, sizeof(msg), "%s", g->error_msg);
	pthread_mutex_unlock(&g->lock);
	return rc < 0 ? pf_error(rc, "%s", msg) : 0;
}

int pf_group_get_error(struct pf_group *g)
{
	int rc;

	pthread_mutex_lock(&g->lock);
	rc = g->error;
	pthread_mutex_unlock(&g->lock);
	return rc;
}

/*
 * Acknowledge the sticky error. A rise of the outside counter not yet seen
 * is recorded first (callers in flight fail) and acknowledged with it, so
 * only failures after this reading are reported later.
 */
int pf_group_clear_error(struct pf_group *g)
{
	char msg[PF_GROUP_MSG];
	uint64_t now = 0;
	int rc, rc_count = -1;

	if (g->errcount)
		rc_count = g->errcount(g->errcount_arg, &now);
	pthread_mutex_lock(&g->lock);
	if (rc_count >= 0)
		errcount_seen(g, now);
	rc = g->error;
	snprintf(msg, sizeof(msg), "%s", g->error_msg);
	g->error = 0;
	g->error_msg[0] = '\0';
	pthread_mutex_unlock(&g->lock);
	/* The acknowledged error explains itself; a failed counter read is
	 * not left behind as a stale message (the next flush reads it again). */
	if (rc < 0)
		return pf_error(rc, "%s", msg);
	pf_error_clear();
	return 0;
}

int pf_group_sample(struct pf_group *g, uint64_t *seq, int *last_rc, char *last_msg)
{
	char msg[PF_GROUP_MSG];
	int rc;

	pthread_mutex_lock(&g->lock);
	*seq = g->failseq;
	if (last_rc) {
		*last_rc = g->last_rc;
		snprintf(last_msg, PF_GROUP_MSG, "%s", g->last_msg);
	}
	rc = g->error;
	if (rc < 0)
		snprintf(msg, sizeof(msg), "%s", g->error_msg);
	pthread_mutex_unlock(&g->lock);
	return rc < 0 ? pf_error(rc, "%s", msg) : 0;
}
