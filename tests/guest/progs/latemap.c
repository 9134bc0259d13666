// SPDX-License-Identifier: GPL-2.0-only
/*
 * latemap: map a device that appeared (or changed) after the context's
 * first discovery, the way a long-running application meets it.
 *
 *   latemap TRIGGER PATH [persist]
 *
 * Creates a context, discovers the machine (prints "regions=N"), waits
 * (60 s at most) until the file TRIGGER exists, then maps PATH with that
 * same context and prints "method=M"; with "persist", stores one byte and
 * persists it between the marks late-a and late-b. Exit status: 0, or the
 * errno of the failing call.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <pmemflush.h>

static void mark(const char *label)
{
	printf("@@VT mark %s\n", label);
	fflush(stdout);
	if (isatty(STDOUT_FILENO))
		tcdrain(STDOUT_FILENO);
}

int main(int argc, char **argv)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_region *r;
	struct pmemflush_map *m;
	int n = 0, i, rc;
	char *p;

	if (argc < 3) {
		fprintf(stderr, "usage: latemap TRIGGER PATH [persist]\n");
		return EINVAL;
	}
	if (pmemflush_new(&ctx) < 0)
		return ENOMEM;
	pmemflush_region_foreach(ctx, r)
		n++;
	printf("regions=%d\n", n);
	fflush(stdout);
	for (i = 0; i < 600 && access(argv[1], F_OK) != 0; i++)
		usleep(100000);
	rc = pmemflush_map_file(ctx, argv[2], 0, 0, &m);
	if (rc < 0) {
		fprintf(stderr, "latemap: %s: %s\n", strerror(-rc), pmemflush_errormsg());
		pmemflush_unref(ctx);
		return -rc;
	}
	printf("method=%s\n", pmemflush_method_name(pmemflush_map_get_method(m)));
	if (argc > 3 && strcmp(argv[3], "persist") == 0) {
		p = pmemflush_map_get_addr(m);
		p[0] = 'x';
		mark("late-a");
		rc = pmemflush_persist(m, p, 1);
		mark("late-b");
		printf("persist=%d\n", rc);
	}
	fflush(stdout);
	pmemflush_unmap(m);
	pmemflush_unref(ctx);
	return rc < 0 ? -rc : 0;
}
