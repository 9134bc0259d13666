// SPDX-License-Identifier: GPL-2.0-only
/*
 * flushtarget: a flush target resolved, then something changed, then
 * flushed, as a program that keeps a pmemflush_target does (vpmemctl flush
 * resolves and flushes at once).
 *
 *   flushtarget [-2] TARGET [COMMAND]
 *
 * Resolves TARGET, runs the shell COMMAND (if given; it must exit 0), then
 * flushes TARGET (with -2 twice: a change must fail the later flush too)
 * and prints one line per flush: "rc=N how=HOW host_flushes=N: MESSAGE".
 * Exit status as vpmemctl flush's: 0 flushed, 3 no path (-EOPNOTSUPP),
 * 4 permission denied, 1 any other error (the most severe of the flushes),
 * 5 COMMAND failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pmemflush.h>

static int status_of(int rc)
{
	if (rc == 0)
		return 0;
	if (rc == -EOPNOTSUPP)
		return 3;
	if (rc == -EACCES || rc == -EPERM)
		return 4;
	return 1;
}

static int rank(int status)
{
	return status == 1 ? 3 : status == 4 ? 2 : status == 3 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct pmemflush_target *t = NULL;
	struct pmemflush_ctx *ctx;
	int i = 1, n = 1, k, rc, status = 0;
	long long hf;

	if (i < argc && strcmp(argv[i], "-2") == 0) {
		n = 2;
		i++;
	}
	if (i >= argc || argc - i > 2) {
		fprintf(stderr, "usage: flushtarget [-2] TARGET [COMMAND]\n");
		return 2;
	}
	if (pmemflush_new(&ctx) < 0) {
		fprintf(stderr, "flushtarget: pmemflush_new: %s\n", pmemflush_errormsg());
		return 1;
	}
	rc = pmemflush_target_resolve(ctx, argv[i], 0, &t);
	if (rc < 0) {
		printf("resolve rc=%d: %s\n", rc, pmemflush_errormsg());
		return status_of(rc) ? status_of(rc) : 1;
	}
	printf("resolved how=%s\n", pmemflush_flush_how_name(pmemflush_target_get_how(t)));
	fflush(stdout);
	if (i + 1 < argc) {
		rc = system(argv[i + 1]);
		if (rc != 0) {
			fprintf(stderr, "flushtarget: '%s' failed (%d)\n", argv[i + 1], rc);
			return 5;
		}
	}
	for (k = 0; k < n; k++) {
		rc = pmemflush_target_flush(t, &hf);
		printf("rc=%d how=%s host_flushes=%lld: %s\n", rc,
		       pmemflush_flush_how_name(pmemflush_target_get_how(t)), hf,
		       rc ? pmemflush_errormsg() : "ok");
		if (rank(status_of(rc)) > rank(status))
			status = status_of(rc);
	}
	pmemflush_target_unref(t);
	pmemflush_unref(ctx);
	return status;
}
