// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmemflush-memcpy: the record is prepared in ordinary memory and
 * pmemflush_memcpy() copies it into the map and makes it durable in one
 * call (no flags: the map's method, with its durability point).
 */
#include <pmemflush.h>

#include "engine.h"

static int memcpy_engine_copy(struct bench_map *m, void *dest, const void *src, size_t len)
{
	return pmemflush_memcpy(m->priv, dest, src, len, 0);
}

const struct bench_engine engine_pmemflush_memcpy = {
	.name = "pmemflush-memcpy",
	.help = "libpmemflush: pmemflush_memcpy() of a prepared record (copy and persist)",
	.open = bench_pmemflush_open,
	.close = bench_pmemflush_close,
	.copy = memcpy_engine_copy,
};
