// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Asynchronous persist for single writers: pmemflush_persist_submit(),
 * pmemflush_persist_wait(), pmemflush_persist_poll().
 *
 * A submit does the CPU part of persist in the caller's thread (cache
 * write-back and store fence on host-flush; nothing on msync) and takes a
 * ticket; the durability point is made by one flusher thread per map,
 * created at the first submit. The flusher takes every ticket issued so
 * far as one round (target = the newest ticket, read BEFORE the flush
 * starts) and runs the map's durability point through the map's group
 * (pf_group_sync(), as persist does), so synchronous persist callers and
 * the flusher share flushes and the group's errseq contract holds:
 *  - pf_group_sync() returns 0 only if a flush that began after it was
 *    called succeeded and no failure was recorded during the call. Every
 *    ticket <= target was issued before that call, after its submitter's
 *    cache write-back and fence, so its stores were covered.
 *  - A failure recorded between a ticket's submit and the round's call
 *    (a synchronous persist of another thread failed) is not seen by that
 *    call if the error was cleared in between. So each batch of tickets
 *    carries the oldest failure sequence sampled by any of its submits
 *    (batch_seq; a submitter may sample, be delayed before the lock across
 *    a failure and a clear, and join a batch opened after the clear), and
 *    a round that returns 0 still fails when the sequence moved since:
 *    stores made before a failed write-back may be lost.
 *  - On a failure every ticket <= target fails: 'failed_upto' is raised to
 *    the target and never lowered, so such a ticket never reports 0, also
 *    after pmemflush_map_clear_error(). The tickets of the open batch (not
 *    yet taken) fail with it only if the batch's reading is older than the
 *    failure sequence read after the failure: then a member predates it.
 *    Otherwise every member was submitted after the user's clear (submit
 *    refuses while the sticky error is set) and the next round flushes
 *    them. So 0 for ticket t means every ticket <= t issued since the
 *    newest failed ticket is durable. A failure of the group sets its
 *    sticky error: submits, waits and polls (of pending and of completed
 *    tickets) return it until the clear.
 * Submit in the common case (the flusher is busy) is two uncontended
 * mutexes and a counter: no system call. The flusher is woken (a futex
 * call) only when it sleeps.
 *
 * Methods without a flush to wait for (cpu-flush, fence-only, none): the
 * submit writes the caches back and fences, as persist, and its ticket is
 * complete at once; no thread is made. On none that is all a ticket means:
 * nothing survives a host crash there.
 *
 * Cancellation: wait is a cancellation point (pthread_cond_wait); a
 * cleanup handler releases the lock and there is no per-waiter state to
 * abandon. Poll and submit never wait for a flush: the lock is never held
 * across one.
 *
 * fork(): the flusher does not exist in the child. The child handler
 * forgets it (unmap does not join it) and puts the round it had in flight
 * back among the pending tickets, with that round's failure sequence; the
 * child's next submit, wait or poll of a pending ticket starts a flusher
 * of its own, which flushes them (MAP_SHARED: the child sees the same
 * stores). Results and the failure watermark are kept.
 *
 * pmemflush_unmap(): the flusher finishes every ticket issued (one more
 * round at most) before it exits and is joined; then the map is freed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "async.h"
#include "map.h"
#include "private.h"

static pthread_mutex_t asyncs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pf_async *asyncs;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
	struct pf_async *a;

	pthread_mutex_lock(&asyncs_lock);
	for (a = asyncs; a; a = a->fork_next)
		pthread_mutex_lock(&a->lock);
}

static void fork_parent(void)
{
	struct pf_async *a;

	for (a = asyncs; a; a = a->fork_next)
		pthread_mutex_unlock(&a->lock);
	pthread_mutex_unlock(&asyncs_lock);
}

static void fork_child(void)
{
	struct pf_async *a;

	for (a = asyncs; a; a = a->fork_next) {
		pthread_mutex_init(&a->lock, NULL);
		pthread_cond_init(&a->wake, NULL);
		pthread_cond_init(&a->done, NULL);
		a->running = false;
		a->sleeping = false;
		if (a->round_in_flight) {
			/* Its flush stays in the parent: flush those tickets again here. */
			a->round_in_flight = false;
			a->taken = a->completed > a->failed_upto ? a->completed : a->failed_upto;
			if (!a->batch_open || a->round_seq < a->batch_seq)
				a->batch_seq = a->round_seq;
			a->batch_open = true;
		}
	}
	pthread_mutex_init(&asyncs_lock, NULL);
}

static void atfork_register(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void pf_async_init(struct pf_async *a, struct pmemflush_map *m)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->wake, NULL);
	pthread_cond_init(&a->done, NULL);
	a->map = m;

	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&asyncs_lock);
	a->fork_next = asyncs;
	asyncs = a;
	pthread_mutex_unlock(&asyncs_lock);
}

static bool has_flusher(const struct pmemflush_map *m)
{
	return m->method == PMEMFLUSH_METHOD_MSYNC || m->method == PMEMFLUSH_METHOD_HOST_FLUSH;
}

/*
 * One round: the map's durability point through the group, then the
 * batch's own errseq check. 0, or the error with its message in @msg.
 */
static int round_flush(struct pmemflush_map *m, uint64_t base, char *msg)
{
	pf_group_flush_fn fn = m->method == PMEMFLUSH_METHOD_HOST_FLUSH ? pf_map_host_flush
									 : pf_map_msync;
	uint64_t seq;
	int rc, last_rc;

	pf_error_clear();
	rc = pf_group_sync(&m->group, fn, m);
	if (rc < 0) {
		snprintf(msg, PF_GROUP_MSG, "%s", pmemflush_errormsg());
		return rc;
	}
	pf_group_sample(&m->group, &seq, &last_rc, msg);
	if (seq != base)
		return last_rc < 0 ? last_rc : -EIO;
	return 0;
}

static void *flusher(void *arg)
{
	struct pf_async *a = arg;
	char msg[PF_GROUP_MSG];
	uint64_t target, base, now;
	int rc;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (a->taken == a->submitted && !a->stop) {
			a->sleeping = true;
			pthread_cond_wait(&a->wake, &a->lock);
			a->sleeping = false;
		}
		if (a->taken == a->submitted)
			break;	/* stopping, and nothing left to flush */
		target = a->submitted;
		base = a->batch_seq;
		a->taken = target;
		a->batch_open = false;
		a->round_seq = base;
		a->round_in_flight = true;
		pthread_mutex_unlock(&a->lock);

		if (pf_async_trace)
			pf_async_trace(a->map, target);
		msg[0] = '\0';
		rc = round_flush(a->map, base, msg);

		/* After the failure: a batch with an older reading predates it. */
		now = 0;
		if (rc < 0)
			pf_group_sample(&a->map->group, &now, NULL, NULL);

		pthread_mutex_lock(&a->lock);
		a->round_in_flight = false;
		if (rc == 0) {
			if (target > a->completed)
				a->completed = target;
		} else {
			/*
			 * The round's tickets failed. The open batch fails too
			 * if a member sampled before the failure; otherwise all
			 * its members were submitted after the clear: the next
			 * round flushes them again.
			 */
			if (target > a->failed_upto)
				a->failed_upto = target;
			if (a->batch_open && a->batch_seq < now) {
				a->failed_upto = a->submitted;
				a->taken = a->submitted;
				a->batch_open = false;
			}
			a->fail_rc = rc;
			snprintf(a->fail_msg, sizeof(a->fail_msg), "%s",
				 msg[0] ? msg : "asynchronous flush failed");
		}
		pthread_cond_broadcast(&a->done);
	}
	a->running = false;
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* Under the lock: the flusher exists after this, or the error. */
static int start_flusher(struct pf_async *a)
{
	sigset_t all, old;
	int rc;

	if (a->running)
		return 0;
	/* The flusher takes none of the application's signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&a->thread, NULL, flusher, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return pf_error(-rc, "cannot start the flusher thread: %s", strerror(rc));
	pthread_setname_np(a->thread, "pmemflush-async");
	a->running = true;
	a->stop = false;
	return 0;
}

void pf_async_destroy(struct pf_async *a)
{
	struct pf_async **pp;
	bool join;

	pthread_mutex_lock(&a->lock);
	join = a->running;
	a->stop = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	if (join)
		pthread_join(a->thread, NULL);

	pthread_mutex_lock(&asyncs_lock);
	for (pp = &asyncs; *pp; pp = &(*pp)->fork_next)
		if (*pp == a) {
			*pp = a->fork_next;
			break;
		}
	pthread_mutex_unlock(&asyncs_lock);
	pthread_cond_destroy(&a->done);
	pthread_cond_destroy(&a->wake);
	pthread_mutex_destroy(&a->lock);
}

PMEMFLUSH_EXPORT int pmemflush_persist_submit(struct pmemflush_map *map, const void *addr,
					      size_t len, uint64_t *ticket)
{
	struct pf_async *a;
	uint64_t seq = 0;
	int rc;

	if (!map || !ticket || !pf_map_range_ok(map, addr, len))
		return pf_error(-EINVAL, "invalid argument or range outside the map");
	a = &map->async;
	switch (map->method) {
	case PMEMFLUSH_METHOD_FENCE_ONLY:
	case PMEMFLUSH_METHOD_CPU_FLUSH:
	case PMEMFLUSH_METHOD_NONE:
		/* Durable now, as persist: the ticket is complete when issued. */
		if (len && map->cpu_flush)
			map->cpu_flush(addr, len);
		pf_sfence();
		pthread_mutex_lock(&a->lock);
		*ticket = ++a->submitted;
		a->completed = a->submitted;
		pthread_mutex_unlock(&a->lock);
		return 0;
	case PMEMFLUSH_METHOD_MSYNC:
	case PMEMFLUSH_METHOD_HOST_FLUSH:
		break;
	default:
		return pf_error(-EOPNOTSUPP, "no durable method");
	}

	/* Sampled before the ticket exists: a failure from now on fails it. */
	rc = pf_group_sample(&map->group, &seq, NULL, NULL);
	if (rc < 0)
		return rc;
	if (len && map->method == PMEMFLUSH_METHOD_HOST_FLUSH && map->cpu_flush) {
		map->cpu_flush(addr, len);
		pf_sfence();
	}

	pthread_mutex_lock(&a->lock);
	rc = start_flusher(a);
	if (rc < 0) {
		pthread_mutex_unlock(&a->lock);
		return rc;
	}
	/*
	 * The batch keeps the oldest reading of any member: a submitter
	 * delayed between its sample and this lock, across a failure and a
	 * clear, may join a batch opened after the clear.
	 */
	if (!a->batch_open || seq < a->batch_seq) {
		a->batch_seq = seq;
		a->batch_open = true;
	}
	*ticket = ++a->submitted;
	if (a->sleeping)
		pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

/*
 * Under the lock: 1 durable, 0 pending, or the error (its message in
 * @msg). A pending ticket without a flusher (a child of fork()) gets one.
 */
static int ticket_state(struct pf_async *a, uint64_t t, char *msg)
{
	int rc;

	if (t == 0 || t > a->submitted) {
		snprintf(msg, PF_GROUP_MSG, "ticket %llu was never issued (newest: %llu)",
			 (unsigned long long)t, (unsigned long long)a->submitted);
		return -EINVAL;
	}
	if (t <= a->failed_upto) {
		snprintf(msg, PF_GROUP_MSG, "%s", a->fail_msg);
		return a->fail_rc;
	}
	if (t <= a->completed)
		return 1;
	if (!a->running && has_flusher(a->map)) {
		rc = start_flusher(a);
		if (rc < 0) {
			snprintf(msg, PF_GROUP_MSG, "%s", pmemflush_errormsg());
			return rc;
		}
		if (a->sleeping)
			pthread_cond_signal(&a->wake);
	}
	return 0;
}

/*
 * A durable or pending ticket still answers with the map's pending sticky
 * error (a pending one would fail with it anyway).
 */
static int finish(struct pmemflush_map *map, int state, const char *msg)
{
	uint64_t seq;

	if (state < 0)
		return pf_error(state, "%s", msg);
	if (has_flusher(map)) {
		int rc = pf_group_sample(&map->group, &seq, NULL, NULL);

		if (rc < 0)
			return rc;
	}
	return state;
}

static void unlock_cleanup(void *lock)
{
	pthread_mutex_unlock(lock);
}

PMEMFLUSH_EXPORT int pmemflush_persist_wait(struct pmemflush_map *map, uint64_t ticket)
{
	char msg[PF_GROUP_MSG] = "";
	struct pf_async *a;
	int state;

	if (!map)
		return pf_error(-EINVAL, "invalid argument");
	a = &map->async;
	pthread_mutex_lock(&a->lock);
	pthread_cleanup_push(unlock_cleanup, &a->lock);
	while ((state = ticket_state(a, ticket, msg)) == 0)
		pthread_cond_wait(&a->done, &a->lock);
	pthread_cleanup_pop(1);
	state = finish(map, state, msg);
	return state < 0 ? state : 0;
}

PMEMFLUSH_EXPORT int pmemflush_persist_poll(struct pmemflush_map *map, uint64_t ticket)
{
	char msg[PF_GROUP_MSG] = "";
	struct pf_async *a;
	int state;

	if (!map)
		return pf_error(-EINVAL, "invalid argument");
	a = &map->async;
	pthread_mutex_lock(&a->lock);
	state = ticket_state(a, ticket, msg);
	pthread_mutex_unlock(&a->lock);
	return finish(map, state, msg);
}
