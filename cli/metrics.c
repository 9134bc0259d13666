// SPDX-License-Identifier: GPL-2.0-only
/* vpmemctl metrics: work in progress (issue 11); not yet implemented. */
#include <stdio.h>
#include <string.h>

#include "builtin.h"

int cmd_metrics(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	(void)ctx;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: vpmemctl metrics (not implemented yet)\n\n  -h, --help  show this help\n");
		return VPMEMCTL_EXIT_OK;
	}
	fprintf(stderr, "vpmemctl metrics: not implemented yet\n");
	return VPMEMCTL_EXIT_ERROR;
}
