// SPDX-License-Identifier: LGPL-2.1-or-later
/* A program built only with `pkg-config --cflags --libs libpmemflush`. */
#include <stdio.h>
#include <string.h>

#include <pmemflush.h>

int main(void)
{
	struct pmemflush_ctx *ctx;
	int rc = pmemflush_new(&ctx);

	if (rc < 0) {
		fprintf(stderr, "pmemflush_new: %s\n", strerror(-rc));
		return 1;
	}
	printf("consumer: libpmemflush %s\n", pmemflush_version());
	return pmemflush_unref(ctx) == NULL ? 0 : 1;
}
