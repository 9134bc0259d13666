/*
 * One writer appends 64-byte records to a log and acknowledges each record
 * only once it is durable, without waiting for a flush per record: it
 * submits each record, keeps writing, and acknowledges the records whose
 * tickets completed. With "sync" it persists each record instead.
 * usage: persist-async FILE [RECORDS [sync]]   (FILE: a file, or device dax)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <pmemflush.h>

#define RECORD 64
#define WINDOW 8192	/* records written but not yet acknowledged, at most */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1000, i, acked = 0;
	int sync = argc > 3 && strcmp(argv[3], "sync") == 0;
	uint64_t first = 0, ticket = 0;
	struct pmemflush_ctx *ctx;
	struct pmemflush_map *map;
	size_t len = (size_t)n * RECORD;
	double t0, secs;
	struct stat st;
	char *log;
	int rc;

	if (argc < 2 || n < 1) {
		fprintf(stderr, "usage: %s FILE [RECORDS [sync]]\n", argv[0]);
		return 2;
	}
	if (pmemflush_new(&ctx) < 0)
		return 1;
	if (stat(argv[1], &st) == 0 && S_ISCHR(st.st_mode))
		len = 0;	/* device dax is mapped whole */
	rc = pmemflush_map_file(ctx, argv[1], len, PMEMFLUSH_MAP_CREATE, &map);
	if (rc == 0 && pmemflush_map_get_length(map) < (size_t)n * RECORD)
		rc = -ENOSPC;
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", strerror(-rc), pmemflush_errormsg());
		pmemflush_unref(ctx);
		return 1;
	}
	printf("method %s\n", pmemflush_method_name(pmemflush_map_get_method(map)));
	log = pmemflush_map_get_addr(map);

	t0 = now();
	for (i = 0; i < n && rc == 0; i++) {
		char *rec = log + i * RECORD;

		snprintf(rec, RECORD, "record %ld", i);
		if (sync) {
			rc = pmemflush_persist(map, rec, RECORD);
			if (rc == 0)
				acked = i + 1;	/* acknowledge record i */
			continue;
		}
		rc = pmemflush_persist_submit(map, rec, RECORD, &ticket);
		if (rc < 0)
			break;
		if (i == 0)
			first = ticket;	/* one writer: record i has ticket first + i */
		/* Acknowledge, in order, every record whose ticket completed. */
		while (acked <= i && (rc = pmemflush_persist_poll(map, first + acked)) == 1)
			acked++;
		if (rc == 1)
			rc = 0;
		/* Too far ahead of the flusher: wait for the oldest record. */
		if (rc == 0 && i + 1 - acked >= WINDOW)
			rc = pmemflush_persist_wait(map, first + acked);
	}
	if (rc == 0 && !sync)
		rc = pmemflush_persist_wait(map, ticket);	/* the last record */
	if (rc == 0)
		acked = n;
	secs = now() - t0;

	if (rc < 0) {
		/* Not durable: records from 'acked' on must be written again once
		 * the error is acknowledged (pmemflush_map_clear_error()). */
		fprintf(stderr, "records %ld to %ld not durable: %s: %s\n", acked, n - 1,
			strerror(-rc), pmemflush_errormsg());
	}
	printf("%ld of %ld records acknowledged durable\n", acked, n);
	printf("records=%ld seconds=%.3f rate=%.0f mode=%s\n", acked, secs, acked / secs,
	       sync ? "sync" : "async");

	pmemflush_unmap(map);
	pmemflush_unref(ctx);
	return rc < 0 ? 1 : 0;
}
