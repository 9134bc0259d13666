// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * asyncprobe check PATH N: map PATH whole and print "bad K", the number of
 * the first N 64-byte records that do not read "record I" (the persist-async
 * example's records).
 *
 * asyncprobe PATH VPMEM_SYSFS_DIR: asynchronous persist when the host flush
 * fails (vpmem's fail_next_flushes knob, armed here after a first good
 * ticket). Prints one "STEP RESULT" line per step (RESULT: 0, 1 or
 * -errno) for the case to check, then exits 0 (1 if the map failed).
 *   before          wait of a ticket before the fault: 0
 *   fail-wait       wait of the last of 100 tickets submitted after arming: -5
 *   fail-poll       poll of that ticket: -5
 *   fail-old        wait of the ticket before the fault: -5 (issued before it)
 *   fail-first      wait of the first of the 100: -5
 *   fail-submit     a new submit while the error is pending: -5
 *   fail-persist    a synchronous persist: -5
 *   acked-submit    submit after the device's failure was acknowledged: -5
 *   clear           pmemflush_map_clear_error(): -5
 *   cleared-wait    wait of the failed ticket after the clear: -5 (stays)
 *   cleared-poll    poll of the first failed ticket: -5
 *   new-wait        the 100 records written and submitted again: 0
 *   new-poll        poll of the new last ticket: 1
 *   still-failed    wait of the old failed ticket once more: -5
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pmemflush.h>

#define RECORD 64
#define N 100

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fputs(s, f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Acknowledge the device's failures (root): flush_errors -> flush_errors_ack. */
static int ack(const char *dir)
{
	char path[256], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/flush_errors", dir);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -EIO;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/flush_errors_ack", dir);
	return write_file(path, buf);
}

static void step(const char *name, int rc)
{
	printf("%s %d\n", name, rc);
	fflush(stdout);
}

static int submit_all(struct pmemflush_map *m, char *log, uint64_t *first, uint64_t *last)
{
	int i, rc = 0;

	for (i = 0; i < N && rc == 0; i++) {
		snprintf(log + (i + 1) * RECORD, RECORD, "record %d", i);
		rc = pmemflush_persist_submit(m, log + (i + 1) * RECORD, RECORD, last);
		if (i == 0)
			*first = *last;
	}
	return rc;
}

static int check(const char *path, long n)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_map *m;
	char want[RECORD], *p;
	long i, bad = 0;

	if (pmemflush_new(&ctx) < 0)
		return 1;
	if (pmemflush_map_file(ctx, path, 0, 0, &m) < 0) {
		fprintf(stderr, "map: %s\n", pmemflush_errormsg());
		return 1;
	}
	p = pmemflush_map_get_addr(m);
	if (pmemflush_map_get_length(m) < (size_t)n * RECORD)
		n = bad = -1;
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "record %ld", i);
		if (strncmp(p + i * RECORD, want, RECORD) != 0)
			bad++;
	}
	printf("bad %ld\n", bad);
	pmemflush_unmap(m);
	pmemflush_unref(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_map *m;
	uint64_t t0 = 0, first = 0, last = 0, first2 = 0, last2 = 0, t;
	struct stat st;
	size_t len;
	char *log;
	int rc;

	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return check(argv[2], atol(argv[3]));
	if (argc != 3) {
		fprintf(stderr, "usage: %s FILE VPMEM_SYSFS_DIR\n", argv[0]);
		return 2;
	}
	if (pmemflush_new(&ctx) < 0)
		return 1;
	/* Device dax is mapped whole. */
	len = stat(argv[1], &st) == 0 && S_ISCHR(st.st_mode) ? 0 : (N + 1) * RECORD;
	rc = pmemflush_map_file(ctx, argv[1], len, PMEMFLUSH_MAP_CREATE, &m);
	if (rc < 0) {
		fprintf(stderr, "map: %s\n", pmemflush_errormsg());
		return 1;
	}
	printf("method %s\n", pmemflush_method_name(pmemflush_map_get_method(m)));
	log = pmemflush_map_get_addr(m);
	snprintf(log, RECORD, "header");
	rc = pmemflush_persist_submit(m, log, RECORD, &t0);
	step("before", rc < 0 ? rc : pmemflush_persist_wait(m, t0));

	rc = write_file("/sys/module/vpmem/parameters/fail_next_flushes", "1\n");
	if (rc < 0)
		fprintf(stderr, "cannot arm the fault knob: %s\n", strerror(-rc));
	rc = submit_all(m, log, &first, &last);
	if (rc < 0)
		fprintf(stderr, "submit: %s\n", pmemflush_errormsg());
	step("fail-wait", pmemflush_persist_wait(m, last));
	fprintf(stderr, "fail-wait: %s\n", pmemflush_errormsg());
	step("fail-poll", pmemflush_persist_poll(m, last));
	step("fail-old", pmemflush_persist_wait(m, t0));
	step("fail-first", pmemflush_persist_wait(m, first));
	t = 0;
	step("fail-submit", pmemflush_persist_submit(m, log, RECORD, &t));
	step("fail-persist", pmemflush_persist(m, log, RECORD));
	rc = ack(argv[2]);
	if (rc < 0)
		fprintf(stderr, "cannot acknowledge the device's failure: %s\n", strerror(-rc));
	step("acked-submit", pmemflush_persist_submit(m, log, RECORD, &t));
	step("clear", pmemflush_map_clear_error(m));
	step("cleared-wait", pmemflush_persist_wait(m, last));
	step("cleared-poll", pmemflush_persist_poll(m, first));
	/* What failed is written again and submitted again. */
	rc = submit_all(m, log, &first2, &last2);
	step("new-wait", rc < 0 ? rc : pmemflush_persist_wait(m, last2));
	step("new-poll", pmemflush_persist_poll(m, last2));
	step("still-failed", pmemflush_persist_wait(m, last));
	printf("tickets before=%llu failed=%llu..%llu new=%llu..%llu\n", (unsigned long long)t0,
	       (unsigned long long)first, (unsigned long long)last, (unsigned long long)first2,
	       (unsigned long long)last2);
	pmemflush_unmap(m);
	pmemflush_unref(ctx);
	return 0;
}
