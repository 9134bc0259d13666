/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Group commit of expensive durability points (group.c). */
#ifndef PMEMFLUSH_GROUP_H
#define PMEMFLUSH_GROUP_H

#include <pthread.h>
#include <stdint.h>

/* The durability point itself: 0 or a negative errno. */
typedef int (*pf_group_flush_fn)(void *arg);

struct pf_waiter;

struct pf_group {
	pthread_mutex_t lock;
	pthread_cond_t done;
	uint64_t started;	/* generation of the newest flush that began */
	int in_flight;
	int error;		/* sticky: first failure not yet acknowledged */
	struct pf_waiter *waiters;	/* callers waiting for a flush */
};

void pf_group_init(struct pf_group *g);
void pf_group_destroy(struct pf_group *g);

/*
 * Return the result of a call of @flush that began after this call began,
 * shared with every concurrent caller: 0 only if it succeeded. Returns the
 * sticky error instead when one is pending.
 */
int pf_group_sync(struct pf_group *g, pf_group_flush_fn flush, void *arg);

int pf_group_get_error(struct pf_group *g);
int pf_group_clear_error(struct pf_group *g);

#endif
