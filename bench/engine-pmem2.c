// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmem2: libpmem2 as its documentation (libpmem2(7)) says: a config that
 * requires page granularity (what a file on fsdax without MAP_SYNC can
 * give), a source from the file's descriptor, pmem2_map_new(), and the
 * persist function pmem2_get_persist_fn() returns for the map.
 *
 * persist_fn returns nothing: libpmem2 has no way to tell the caller that
 * its msync failed (PMDK 1.12 aborts the process then), so this engine
 * can count no error; a failure ends the run with the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libpmem2.h>

#include "engine.h"

struct pmem2_state {
	int fd;
	struct pmem2_map *map;
	pmem2_persist_fn persist;
};

static int pmem2_err(const char *what, int rc)
{
	fprintf(stderr, "pmembench: %s: %s\n", what, pmem2_errormsg());
	/* libpmem2 returns negative errnos or its own (more negative) codes. */
	return rc < 0 && rc > -4096 ? rc : -EIO;
}

static int pmem2_engine_open(struct bench_map *m, const char *path, size_t len)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	struct pmem2_state *st;
	int rc;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->fd = open(path, O_RDWR | O_CLOEXEC);
	if (st->fd < 0) {
		rc = -errno;
		free(st);
		return rc;
	}
	rc = pmem2_config_new(&cfg);
	if (rc) {
		rc = pmem2_err("pmem2_config_new", rc);
		goto out;
	}
	rc = pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE);
	if (rc) {
		rc = pmem2_err("pmem2_config_set_required_store_granularity", rc);
		goto out;
	}
	rc = pmem2_source_from_fd(&src, st->fd);
	if (rc) {
		rc = pmem2_err("pmem2_source_from_fd", rc);
		goto out;
	}
	rc = pmem2_map_new(&st->map, cfg, src);
	if (rc) {
		rc = pmem2_err("pmem2_map_new", rc);
		goto out;
	}
	if (pmem2_map_get_size(st->map) < len) {
		rc = -EINVAL;
		goto out;
	}
	st->persist = pmem2_get_persist_fn(st->map);
	m->base = pmem2_map_get_address(st->map);
	m->len = pmem2_map_get_size(st->map);
	snprintf(m->method, sizeof(m->method), "persist_fn(granularity=%s)",
		 pmem2_map_get_store_granularity(st->map) == PMEM2_GRANULARITY_PAGE ? "page" :
		 pmem2_map_get_store_granularity(st->map) == PMEM2_GRANULARITY_CACHE_LINE ?
		 "cache-line" : "byte");
	m->priv = st;
	st = NULL;
out:
	if (src)
		pmem2_source_delete(&src);
	if (cfg)
		pmem2_config_delete(&cfg);
	if (st) {
		if (st->map)
			pmem2_map_delete(&st->map);
		close(st->fd);
		free(st);
	}
	return rc;
}

static void pmem2_engine_close(struct bench_map *m)
{
	struct pmem2_state *st = m->priv;

	if (!st)
		return;
	pmem2_map_delete(&st->map);
	close(st->fd);
	free(st);
	m->priv = NULL;
}

static int pmem2_engine_persist(struct bench_map *m, void *addr, size_t len)
{
	struct pmem2_state *st = m->priv;

	st->persist(addr, len);
	return 0;
}

const struct bench_engine engine_pmem2 = {
	.name = "pmem2",
	.help = "libpmem2: required granularity page, pmem2_map_new(), persist_fn per record",
	.open = pmem2_engine_open,
	.close = pmem2_engine_close,
	.persist = pmem2_engine_persist,
};
