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
	enum pmemflush_granularity granularity;
	pf_flush_fn cpu_flush;	/* cpu-flush, host-flush, none */
	int fd;			/* our duplicate of the mapped file */
	int host_flush_fd;	/* host-flush: the flush attribute, open O_WRONLY */

	struct pf_group group;	/* msync and host-flush */
};

/* persist.c: the durability points the group commits. */
int pf_map_msync(void *map);
int pf_map_host_flush(void *map);

#endif
