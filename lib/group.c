// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Group commit.
 *
 * Flushes are numbered by generation: 'started' counts flushes that began;
 * at most one is in flight, so a flush of generation g ends before g+1
 * begins.
 *
 * A caller arriving while started == s takes target = s + 1 and returns
 * the result of flush s + 1. Why that is exactly the contract:
 *  - Not early: generation s+1 begins after the caller arrived, because
 *    'started' only grows under the lock, and the caller saw s. So the
 *    flush it waits for began after the call began (and after the caller's
 *    stores, which it made before calling).
 *  - Not late: if nothing is in flight, the caller starts s+1 itself at
 *    once. If s is in flight, s began before the caller arrived and cannot
 *    cover it; the caller waits for s to end, and then the first waiter to
 *    run starts s+1 for all of them: one flush per group of arrivals.
 *  - The right result: the leader hands the result of generation g to
 *    every waiter registered for g before anyone can start g+1, so a later
 *    flush, or an acknowledgement of the error, cannot change what a
 *    waiter of g is told.
 *  - Sticky errors: a failure is recorded until pf_group_clear_error().
 *    While it is pending, arriving callers get it without flushing, and
 *    waiters for a generation that has not started yet get it instead of
 *    starting one. A failure is never retried into success.
 */
#include <errno.h>

#include "group.h"

void pf_group_init(struct pf_group *g)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->done, NULL);
	g->started = 0;
	g->in_flight = 0;
	g->error = 0;
	g->waiters = NULL;
}

void pf_group_destroy(struct pf_group *g)
{
	pthread_cond_destroy(&g->done);
	pthread_mutex_destroy(&g->lock);
}

/* A caller waiting for generation 'target'; lives on the caller's stack. */
struct pf_waiter {
	uint64_t target;
	int rc;
	int done;
	struct pf_waiter *next;
};

int pf_group_sync(struct pf_group *g, pf_group_flush_fn flush, void *arg)
{
	struct pf_waiter self = { 0 }, **pp, *w;
	uint64_t gen;
	int rc;

	pthread_mutex_lock(&g->lock);
	if (g->error) {
		rc = g->error;
		pthread_mutex_unlock(&g->lock);
		return rc;
	}
	self.target = g->started + 1;
	self.next = g->waiters;
	g->waiters = &self;

	while (!self.done) {
		if (g->in_flight) {
			pthread_cond_wait(&g->done, &g->lock);
			continue;
		}
		if (g->error) {
			/* An earlier flush failed while we waited. */
			self.rc = g->error;
			break;
		}
		/* Nothing in flight and our flush not done: it is ours to start. */
		gen = ++g->started;
		g->in_flight = 1;
		pthread_mutex_unlock(&g->lock);

		rc = flush(arg);

		pthread_mutex_lock(&g->lock);
		g->in_flight = 0;
		if (rc < 0 && !g->error)
			g->error = rc;
		for (w = g->waiters; w; w = w->next)
			if (w->target == gen) {
				w->rc = rc;
				w->done = 1;
			}
		pthread_cond_broadcast(&g->done);
	}

	for (pp = &g->waiters; *pp; pp = &(*pp)->next)
		if (*pp == &self) {
			*pp = self.next;
			break;
		}
	pthread_mutex_unlock(&g->lock);
	return self.rc;
}

int pf_group_get_error(struct pf_group *g)
{
	int rc;

	pthread_mutex_lock(&g->lock);
	rc = g->error;
	pthread_mutex_unlock(&g->lock);
	return rc;
}

int pf_group_clear_error(struct pf_group *g)
{
	int rc;

	pthread_mutex_lock(&g->lock);
	rc = g->error;
	g->error = 0;
	pthread_mutex_unlock(&g->lock);
	return rc;
}
