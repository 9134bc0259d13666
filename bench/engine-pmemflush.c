// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmemflush: pmemflush_map_file() with the method the library chooses
 * from the facts, and pmemflush_persist() per record.
 */
#include <errno.h>
#include <stdio.h>

#include <pmemflush.h>

#include "engine.h"

int bench_pmemflush_open(struct bench_map *m, const char *path, size_t len)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_map *map;
	int rc;

	rc = pmemflush_new(&ctx);
	if (rc < 0)
		return rc;
	rc = pmemflush_map_file(ctx, path, len, 0, &map);
	pmemflush_unref(ctx);
	if (rc < 0) {
		fprintf(stderr, "pmembench: pmemflush_map_file %s: %s\n", path, pmemflush_errormsg());
		return rc;
	}
	m->priv = map;
	m->base = pmemflush_map_get_addr(map);
	m->len = pmemflush_map_get_length(map);
	/* A forced method (a test knob) is said, never passed off as the real one. */
	snprintf(m->method, sizeof(m->method), "%s%s",
		 pmemflush_method_name(pmemflush_map_get_method(map)),
		 pmemflush_map_is_method_forced(map) ? "(forced)" : "");
	return 0;
}

void bench_pmemflush_close(struct bench_map *m)
{
	pmemflush_unmap(m->priv);
	m->priv = NULL;
}

static int pmemflush_engine_persist(struct bench_map *m, void *addr, size_t len)
{
	return pmemflush_persist(m->priv, addr, len);
}

const struct bench_engine engine_pmemflush = {
	.name = "pmemflush",
	.help = "libpmemflush: pmemflush_map_file(), pmemflush_persist() per record",
	.open = bench_pmemflush_open,
	.close = bench_pmemflush_close,
	.persist = pmemflush_engine_persist,
};
