// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * log-pmem2: a tiny append-only log written with PMDK's libpmem2, as a PMDK
 * application would be. Its port to libpmemflush is log-pmemflush.c; the two
 * files are meant to be read side by side (docs/pmdk.md).
 *
 *   log-pmem2 PATH create SIZE    create PATH (a file) of SIZE bytes, empty log
 *   log-pmem2 PATH append N       append N records of 64 bytes
 *   log-pmem2 PATH verify N       check that the log holds exactly records 0..N-1
 *
 * PATH may also be a device dax (/dev/daxN.M): create then only writes the
 * header. Layout: a 64-byte header (magic, bytes used) at offset 0, then the
 * records. An append copies the record with libpmem2's memcpy_fn (which makes
 * it persistent) and then persists the new "used" value with persist_fn: the
 * record is durable before the header points at it, so a crash between the
 * two loses the record but never exposes garbage.
 *
 * Every append prints nothing; at the end one line
 *   granularity=G records=N persists=P
 * says what libpmem2 decided (G: byte, cache-line or page) and how many
 * durability points the program asked for (one memcpy_fn + one persist_fn
 * per record). Exit status: 0, or 1 with libpmem2's message on stderr.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpmem2.h>

#define LOG_MAGIC 0x31474f4c4d454d50ULL /* "PMEMLOG1" */
#define RECORD 64

struct log_header {
	uint64_t magic;
	uint64_t used;		/* bytes of records after the header */
	uint8_t pad[48];	/* one cache line in all */
};

struct log {
	int fd;
	struct pmem2_config *cfg;
	struct pmem2_source *src;
	struct pmem2_map *map;
	char *base;
	size_t size;
	pmem2_persist_fn persist;
	pmem2_memcpy_fn memcpy_fn;
};

static const char *granularity_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "byte";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "cache-line";
	case PMEM2_GRANULARITY_PAGE:
		return "page";
	}
	return "unknown";
}

static void log_close(struct log *l)
{
	if (l->map)
		pmem2_map_delete(&l->map);
	if (l->src)
		pmem2_source_delete(&l->src);
	if (l->cfg)
		pmem2_config_delete(&l->cfg);
	if (l->fd >= 0)
		close(l->fd);
}

static int log_open(struct log *l, const char *path, int create, size_t size)
{
	memset(l, 0, sizeof(*l));
	l->fd = open(path, O_RDWR | (create ? O_CREAT : 0), 0600);
	if (l->fd < 0) {
		perror(path);
		return -1;
	}
	/* A device dax has its size; a regular file gets the one asked for. */
	if (create && size && ftruncate(l->fd, (off_t)size) < 0) {
		perror("ftruncate");
		return -1;
	}
	if (pmem2_config_new(&l->cfg) ||
	    /* PAGE: accept whatever the memory gives (the usual choice). */
	    pmem2_config_set_required_store_granularity(l->cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_source_from_fd(&l->src, l->fd) ||
	    pmem2_map_new(&l->map, l->cfg, l->src)) {
		pmem2_perror("log-pmem2: %s", path);
		return -1;
	}
	l->base = pmem2_map_get_address(l->map);
	l->size = pmem2_map_get_size(l->map);
	l->persist = pmem2_get_persist_fn(l->map);
	l->memcpy_fn = pmem2_get_memcpy_fn(l->map);
	return 0;
}

static int log_append(struct log *l, uint64_t id, unsigned long *persists)
{
	struct log_header *h = (struct log_header *)l->base;
	char rec[RECORD];

	if (sizeof(*h) + h->used + RECORD > l->size) {
		fprintf(stderr, "log-pmem2: log full\n");
		return -1;
	}
	memset(rec, 0, sizeof(rec));
	snprintf(rec, sizeof(rec), "record %llu", (unsigned long long)id);
	/* Flags 0: copy and make durable before returning (void: no error). */
	l->memcpy_fn(l->base + sizeof(*h) + h->used, rec, RECORD, 0);
	h->used += RECORD;
	l->persist(&h->used, sizeof(h->used));
	*persists += 2;
	return 0;
}

static int log_verify(struct log *l, uint64_t n)
{
	struct log_header *h = (struct log_header *)l->base;
	char want[RECORD];

	if (h->magic != LOG_MAGIC || h->used != n * RECORD) {
		fprintf(stderr, "log-pmem2: header magic=%#llx used=%llu, expected %llu\n",
			(unsigned long long)h->magic, (unsigned long long)h->used,
			(unsigned long long)(n * RECORD));
		return -1;
	}
	for (uint64_t i = 0; i < n; i++) {
		memset(want, 0, sizeof(want));
		snprintf(want, sizeof(want), "record %llu", (unsigned long long)i);
		if (memcmp(l->base + sizeof(*h) + i * RECORD, want, RECORD)) {
			fprintf(stderr, "log-pmem2: record %llu differs\n", (unsigned long long)i);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct log l;
	unsigned long persists = 0;
	unsigned long long n;
	int rc = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: log-pmem2 PATH create SIZE|append N|verify N\n");
		return 2;
	}
	n = strtoull(argv[3], NULL, 0);
	if (log_open(&l, argv[1], !strcmp(argv[2], "create"), (size_t)n) < 0) {
		log_close(&l);
		return 1;
	}
	struct log_header *h = (struct log_header *)l.base;

	if (!strcmp(argv[2], "create")) {
		struct log_header init = { .magic = LOG_MAGIC, .used = 0 };

		l.memcpy_fn(h, &init, sizeof(init), 0);
		persists++;
	} else if (!strcmp(argv[2], "append")) {
		if (h->magic != LOG_MAGIC) {
			fprintf(stderr, "log-pmem2: %s: not a log\n", argv[1]);
			rc = -1;
		}
		for (unsigned long long i = 0; rc == 0 && i < n; i++)
			rc = log_append(&l, h->used / RECORD, &persists);
	} else if (!strcmp(argv[2], "verify")) {
		rc = log_verify(&l, n);
	} else {
		fprintf(stderr, "log-pmem2: unknown command '%s'\n", argv[2]);
		rc = -1;
	}
	if (rc == 0)
		printf("granularity=%s records=%llu persists=%lu\n",
		       granularity_name(pmem2_map_get_store_granularity(l.map)),
		       (unsigned long long)(h->used / RECORD), persists);
	log_close(&l);
	return rc ? 1 : 0;
}
