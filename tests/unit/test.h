/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Minimal assertion helpers for the unit tests: count, report, exit 1. */
#ifndef VPMEM_TEST_H
#define VPMEM_TEST_H

#include <stdio.h>

static int t_failures;
static int t_checks;

#define T_EXPECTF(cond, ...)                                                  \
	do {                                                                  \
		t_checks++;                                                   \
		if (!(cond)) {                                                \
			t_failures++;                                         \
			fprintf(stderr, "%s:%d: %s: FAILED: %s: ", __FILE__, \
				__LINE__, __func__, #cond);                   \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
		}                                                             \
	} while (0)

#define T_EXPECT(cond) T_EXPECTF(cond, "%s", "")

static inline int t_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
	return t_failures ? 1 : 0;
}

#endif
