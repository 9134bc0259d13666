/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Group commit of expensive durability points (group.c). */
#ifndef PMEMFLUSH_GROUP_H
#define PMEMFLUSH_GROUP_H

#include <pthread.h>
#include <stdint.h>

/* The durability point itself: 0 or a negative errno (message in pf_error). */
typedef int (*pf_group_flush_fn)(void *arg);

/*
 * Read a monotonic count of failures that the flush function cannot see
 * itself (the device's failed host flushes, vpmem's flush_errors): 0 and
 * *count, or a negative errno (message in pf_error).
 */
typedef int (*pf_group_errcount_fn)(void *arg, uint64_t *count);

#define PF_GROUP_MSG 256

struct pf_group {
	pthread_mutex_t lock;
	pthread_cond_t done;
	uint64_t started;	/* generation of the newest flush that began */
	uint64_t completed;	/* generation of the newest flush that ended */
	int in_flight;

	/*
	 * Gathering (group.c, "Gathering"): a leader may wait a little for
	 * the callers the previous flush served before it starts the next.
	 */
	pthread_cond_t gather;	/* the gathering leader waits here */
	int gathering;		/* a leader is gathering: nobody else leads */
	unsigned int arrived;	/* callers waiting for generation started + 1 */
	unsigned int expect;	/* callers active around the newest flush: its
				 * batch plus those already waiting for the next */
	uint64_t flush_ns;	/* moving average of a flush's duration */
	uint64_t done_ns;	/* when the newest flush ended (monotonic) */
	uint64_t gather_max_ns;	/* cap of one gathering wait (tests widen it) */
	/*
	 * errseq: failures recorded since the group was made, never reset.
	 * A call samples it on entry; if it moved before the call returns,
	 * the call fails, whatever pf_group_clear_error() did meanwhile.
	 */
	uint64_t failseq;
	int last_rc;			/* the newest failure ... */
	char last_msg[PF_GROUP_MSG];	/* ... and its message */
	int error;			/* sticky: first failure not yet acknowledged */
	char error_msg[PF_GROUP_MSG];

	/* Optional outside failure counter (pf_group_set_errcount()). */
	pf_group_errcount_fn errcount;
	void *errcount_arg;
	const char *errcount_name;
	uint64_t errcount_seen;	/* the highest value already recorded */

	struct pf_group *fork_next;	/* all groups, for the fork handlers */
};

/*
 * Test instrumentation. When a program defines pf_group_trace(), group.c
 * calls it, under the group's lock, at the moments the contract is about:
 * a call sampling the failure sequence, a failure being recorded, and a
 * call deciding its result (0 or the error). Ordering by these calls is
 * exact, where timestamps taken around pf_group_sync() are not. The
 * library defines none: the weak reference is NULL there.
 */
enum pf_group_event {
	PF_GROUP_TRACE_ENTRY,
	PF_GROUP_TRACE_FAILURE,
	PF_GROUP_TRACE_EXIT,
	PF_GROUP_TRACE_GATHER,	/* a leader begins to wait for its batch */
};
void pf_group_trace(struct pf_group *g, enum pf_group_event ev, int rc)
	__attribute__((weak, visibility("hidden")));

void pf_group_init(struct pf_group *g);
void pf_group_destroy(struct pf_group *g);

/*
 * Watch an outside failure counter: its value now is the baseline; when a
 * later reading (after each flush, and at pf_group_clear_error()) is
 * higher, a failure (-EIO) is recorded as if a flush had failed. @name
 * says what was read, for the message. Call before the group is shared.
 * Returns 0 or the reader's negative errno.
 */
int pf_group_set_errcount(struct pf_group *g, pf_group_errcount_fn fn, void *arg,
			  const char *name);

/*
 * Return 0 only if a call of @flush that began after this call began
 * succeeded (shared with every concurrent caller) and no failure was
 * recorded between this call's entry and its return. Otherwise the error:
 * the sticky one pending on entry, or the newest failure recorded during
 * the call; pmemflush_errormsg() gets that failure's message.
 * Not a cancellation point (cancellation is disabled for its duration).
 */
int pf_group_sync(struct pf_group *g, pf_group_flush_fn flush, void *arg);

/* The pending sticky error (0 if none); when set, its message is re-emitted. */
int pf_group_pending(struct pf_group *g);
int pf_group_get_error(struct pf_group *g);
int pf_group_clear_error(struct pf_group *g);

/*
 * For callers that must know whether a failure was recorded since an
 * earlier moment (async.c): the failure sequence now into *@seq and, when
 * @last_rc is not NULL, the newest failure ever recorded (0 if none) with
 * its message copied to @last_msg (PF_GROUP_MSG bytes). Returns the pending
 * sticky error (0 if none); when set, its message is re-emitted.
 */
int pf_group_sample(struct pf_group *g, uint64_t *seq, int *last_rc, char *last_msg);

#endif
