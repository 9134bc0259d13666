// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmemflush-async: a log writer that does not wait for each record. Each
 * record is written and submitted (pmemflush_persist_submit()); after each
 * submit the oldest outstanding tickets are polled, and a record counts
 * (is acknowledged) only once its ticket completed. When more than
 * ASYNC_WINDOW records are outstanding the writer waits for the oldest.
 * The latency of a record is from its submit to the moment its completion
 * was seen.
 */
#include <errno.h>
#include <stdint.h>

#include <pmemflush.h>

#include "engine.h"

#define ASYNC_WINDOW 256

struct outstanding {
	uint64_t ticket;
	unsigned long long t_submit;
};

/* Acknowledge the oldest @n outstanding records (their tickets completed). */
static void ack(struct bench_worker *w, struct outstanding *ring, unsigned int *head,
		unsigned int *n, unsigned int count)
{
	unsigned long long t = bench_now_ns();

	while (count-- && *n) {
		lat_hist_add(&w->hist, t - ring[*head].t_submit);
		w->records++;
		*head = (*head + 1) % ASYNC_WINDOW;
		(*n)--;
	}
}

/* Acknowledge every outstanding record whose ticket completed; never blocks. */
static int reap(struct bench_worker *w, struct outstanding *ring, unsigned int *head,
		unsigned int *n)
{
	while (*n) {
		int rc = pmemflush_persist_poll(w->map->priv, ring[*head].ticket);

		if (rc < 0)
			return rc;
		if (rc == 0)
			return 0;
		ack(w, ring, head, n, 1);
	}
	return 0;
}

static int async_engine_run(struct bench_worker *w)
{
	struct pmemflush_map *map = w->map->priv;
	struct outstanding ring[ASYNC_WINDOW];
	unsigned int head = 0, n = 0;
	unsigned long long seq = 0;
	size_t off = 0;
	int rc = 0;

	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		char *rec = w->slice + off;
		uint64_t ticket;

		if (n == ASYNC_WINDOW) {
			/* Tickets complete in order: the oldest done frees one slot. */
			rc = pmemflush_persist_wait(map, ring[head].ticket);
			if (rc < 0)
				break;
			ack(w, ring, &head, &n, 1);
		}
		bench_format_record(rec, w->record, w->id, seq++);
		ring[(head + n) % ASYNC_WINDOW].t_submit = bench_now_ns();
		rc = pmemflush_persist_submit(map, rec, w->record, &ticket);
		if (rc < 0)
			break;
		ring[(head + n) % ASYNC_WINDOW].ticket = ticket;
		n++;
		off += w->record;
		if (off + w->record > w->slice_len)
			off = 0;
		rc = reap(w, ring, &head, &n);
		if (rc < 0)
			break;
	}
	/* What is still outstanding is waited for: every record is acknowledged or failed. */
	if (rc == 0 && n) {
		rc = pmemflush_persist_wait(map, ring[(head + n - 1) % ASYNC_WINDOW].ticket);
		if (rc == 0)
			ack(w, ring, &head, &n, n);
	}
	if (rc < 0) {
		bench_count_error(w, rc);
		/* The records outstanding at the failure are not durable. */
		w->errors += n;
	}
	return rc;
}

const struct bench_engine engine_pmemflush_async = {
	.name = "pmemflush-async",
	.help = "libpmemflush: pmemflush_persist_submit() per record, acknowledged on completion",
	.open = bench_pmemflush_open,
	.close = bench_pmemflush_close,
	.run = async_engine_run,
};
