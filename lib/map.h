/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* struct pmemflush_map, shared by map.c (life cycle) and persist.c. */
#ifndef PMEMFLUSH_MAP_H
#define PMEMFLUSH_MAP_H

#include <stddef.h>
#include <stdint.h>

#include <pmemflush.h>

#include "cpu.h"
#include "group.h"

struct pmemflush_map {
	/* Read-only after the map is made: persist() reads them unlocked. */
	uint8_t *addr;
	size_t len;
	enum pmemflush_method method;
	int method_forced;	/* PMEMFLUSH_FORCE_METHOD chose it, not the facts */
	enum pmemflush_granularity granularity;
	pf_flush_fn cpu_flush;	/* cpu-flush, host-flush, none */
	int fd;			/* our duplicate of the mapped file */
	int host_flush_fd;	/* host-flush: the flush attribute, open O_WRONLY */
	/*
	 * vpmem: the device's flush_errors counter, open O_RDONLY and read
	 * with pread() after each flush (persist.c, pf_map_errseq_init()).
	 * errseq_on says errseq_fd is ours to close (calloc leaves it 0).
	 */
	int errseq_fd;
	int errseq_on;
	char errseq_path[128];

	struct pf_group group;	/* msync and host-flush */
};

/* persist.c: the durability points the group commits. */
int pf_map_msync(void *map);
int pf_map_host_flush(void *map);

/*
 * persist.c: with the vpmem driver, watch the device-wide count of failed
 * host flushes from now on (the map's group fails when it rises); nothing
 * for other drivers. 0 or a negative errno. pf_map_errseq_close() is safe
 * on any map, also one pf_map_errseq_init() never saw.
 */
struct pmemflush_check;
int pf_map_errseq_init(struct pmemflush_map *m, struct pmemflush_check *c);
void pf_map_errseq_close(struct pmemflush_map *m);

#endif
