/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Asynchronous persist: tickets and the per-map flusher thread (async.c). */
#ifndef PMEMFLUSH_ASYNC_H
#define PMEMFLUSH_ASYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "group.h"

struct pmemflush_map;

/*
 * Ticket t of a map is in exactly one of these states, decided under
 * 'lock' (checked in this order):
 *   never issued   t == 0 or t > submitted
 *   failed         t <= failed_upto
 *   durable        t <= completed
 *   pending        otherwise
 */
struct pf_async {
	pthread_mutex_t lock;	/* never held across a flush */
	pthread_cond_t wake;	/* the flusher: new tickets, or stop */
	pthread_cond_t done;	/* waiters: a round ended */
	uint64_t submitted;	/* the newest ticket issued */
	uint64_t taken;		/* the newest ticket a round has taken (or resolved) */
	uint64_t completed;	/* every ticket <= this was made durable ... */
	uint64_t failed_upto;	/* ... unless it is <= this watermark (never lowered) */
	int fail_rc;		/* the failure behind the watermark, and its message */
	char fail_msg[PF_GROUP_MSG];
	/*
	 * The group's failure sequence sampled by the first submit after the
	 * last round took its target: a failure recorded since then fails the
	 * next round's tickets even if pmemflush_map_clear_error() came first.
	 */
	uint64_t batch_seq;
	bool batch_open;
	uint64_t round_seq;	/* batch_seq of the round in flight (for fork) */
	bool round_in_flight;
	bool running;		/* the flusher thread exists (in this process) */
	bool sleeping;		/* it waits on 'wake': a submit must signal */
	bool stop;		/* pmemflush_unmap(): finish the rounds, then exit */
	pthread_t thread;
	struct pmemflush_map *map;
	struct pf_async *fork_next;	/* all maps' states, for the fork handlers */
};

/*
 * Test instrumentation, like pf_group_trace(): when a program defines it,
 * the flusher calls it without any lock held, just before a round's flush
 * (@target: the newest ticket the round covers). The library defines none.
 */
void pf_async_trace(struct pmemflush_map *m, uint64_t target)
	__attribute__((weak, visibility("hidden")));

/* At map creation (cannot fail) and first thing in pmemflush_unmap(). */
void pf_async_init(struct pf_async *a, struct pmemflush_map *m);
void pf_async_destroy(struct pf_async *a);

#endif
