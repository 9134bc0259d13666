/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* struct pmemflush_map, shared by map.c (life cycle) and persist.c. */
#ifndef PMEMFLUSH_MAP_H
#define PMEMFLUSH_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pmemflush.h>

#include "async.h"
#include "cpu.h"
#include "group.h"
#include "private.h"

/* watch.c: the stack's vpmem error counters, write_cache files and mount. */
struct pf_watch {
	int setup_error;	/* what could not be set up: every check fails with it */
	char setup_msg[320];
	int n_err;
	int err_fd[PF_STACK_MAX];
	char err_path[PF_STACK_MAX][96];
	char err_names[256];
	int n_wc;
	int wc_fd[PF_STACK_MAX];
	char wc_disk[PF_STACK_MAX][32];
	bool mount_on;		/* mountinfo_fd is open and watched (poll) */
	int mountinfo_fd;
	uint64_t mnt_id;
	unsigned long devno;		/* the file system's device: its mounts share options */
	unsigned long long mnt_ns;	/* the mount namespace mountinfo_fd shows */
	char mount_target[128];
	/*
	 * ext4 only: /proc/fs/ext4/DEV/options, the superblock's options
	 * (barrier or nobarrier), open when usable: then it is the witness
	 * instead of the mount table (watch.c, "The file system's options").
	 */
	bool sbopts_on;
	int sbopts_fd;
	bool fail_ro;		/* a map: a read-only file system writes nothing back */
	/* For the messages: "the map was made", "make a new map" (or a target's). */
	const char *since;
	const char *redo;
};

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
	struct pf_watch watch;	/* what can change after the map is made (watch.c) */

	struct pf_group group;	/* msync and host-flush */
	struct pf_async async;	/* pmemflush_persist_submit() (async.c) */
};

/*
 * The whole range [addr, addr+len) lies inside the map; len 0 is valid
 * anywhere in it. Shared by persist, copy-and-persist and submit.
 */
static inline bool pf_map_range_ok(const struct pmemflush_map *m, const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)m->addr;

	if (a < base || a - base > m->len)
		return false;
	return len <= m->len - (a - base);
}

/* persist.c: the durability points the group commits. */
int pf_map_msync(void *map);
int pf_map_host_flush(void *map);

/*
 * watch.c: start watching (0 or a negative errno); stop (safe on any map,
 * also one pf_watch_init() never saw: calloc'ed); check before and after
 * an msync that no flush is being dropped (0 or a negative errno).
 */
struct pmemflush_check;
int pf_watch_init(struct pmemflush_map *m, struct pmemflush_check *c);
void pf_watch_close(struct pmemflush_map *m);
int pf_watch_check(struct pmemflush_map *m);

/*
 * watch.c, the part of the watch that maps and flush targets (target.c)
 * share: what makes flushes be dropped under @c's path. Watch the
 * write_cache of every disk under it if @queues, and its mount's options
 * (when the check found its mount). @mountinfo_fd: /proc/self/mountinfo,
 * opened before the check read the mount table, so that a change in
 * between shows at the first check; -1 to open it now. Taken either way.
 * @since, @redo: for the messages ("the map was made", "make a new map").
 * Close with pf_watch_stack_close() (also on a zeroed watch); check with
 * pf_watch_stack_check(): 0, or -EOPNOTSUPP (or -EIO) and the message.
 */
void pf_watch_stack(struct pf_watch *w, const struct pmemflush_check *c, bool queues,
		    int mountinfo_fd, const char *since, const char *redo);
void pf_watch_stack_close(struct pf_watch *w);
int pf_watch_stack_check(struct pf_watch *w);

#endif
