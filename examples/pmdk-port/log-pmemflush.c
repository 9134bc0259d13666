// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * log-pmemflush: log-pmem2.c ported to libpmemflush, line for line where the
 * two libraries agree (docs/pmdk.md has the mapping). Same commands, same
 * file layout, so either program can read the other's log:
 *
 *   log-pmemflush PATH create SIZE   create PATH (a file) of SIZE bytes, empty log
 *   log-pmemflush PATH append N      append N records of 64 bytes
 *   log-pmemflush PATH verify N      check that the log holds exactly records 0..N-1
 *
 * What the port changes, and why:
 *  - one call maps the file and chooses the persist method from the facts
 *    (pmemflush_map_file() instead of config + source + map_new); on memory
 *    where nothing can make stores durable (device dax on virtio-pmem without
 *    the vpmem driver) the map FAILS with -EOPNOTSUPP and a message, where
 *    libpmem2 maps it and its persist silently reaches no host;
 *  - every copy and persist returns an error (-EIO from the host, or the
 *    sticky error of an earlier failure): the program stops and says so,
 *    instead of counting a record as durable that is not;
 *  - the copy is pmemflush_memcpy() where the library has it (libpmemflush
 *    with copy-and-persist); built against an older library, a plain
 *    memcpy() followed by pmemflush_persist() of the same range (the same
 *    durability, without the non-temporal stores).
 *
 * At the end one line: method=M granularity=G records=N persists=P.
 * Exit status: 0, or the errno of the failing call with libpmemflush's
 * message on stderr (2 for a usage error).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pmemflush.h>

#define LOG_MAGIC 0x31474f4c4d454d50ULL /* "PMEMLOG1" */
#define RECORD 64

struct log_header {
	uint64_t magic;
	uint64_t used;		/* bytes of records after the header */
	uint8_t pad[48];	/* one cache line in all */
};

/* Copy @len bytes to @dest inside @map and make them durable. */
static int log_copy(struct pmemflush_map *map, void *dest, const void *src, size_t len)
{
#ifdef HAVE_PMEMFLUSH_MEMCPY
	return pmemflush_memcpy(map, dest, src, len, 0);
#else
	memcpy(dest, src, len);
	return pmemflush_persist(map, dest, len);
#endif
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "log-pmemflush: %s: %s: %s\n", what, strerror(-rc), pmemflush_errormsg());
	return -rc;
}

static int log_append(struct pmemflush_map *map, uint64_t id, unsigned long *persists)
{
	char *base = pmemflush_map_get_addr(map);
	struct log_header *h = (struct log_header *)base;
	char rec[RECORD];
	int rc;

	if (sizeof(*h) + h->used + RECORD > pmemflush_map_get_length(map)) {
		fprintf(stderr, "log-pmemflush: log full\n");
		return ENOSPC;
	}
	memset(rec, 0, sizeof(rec));
	snprintf(rec, sizeof(rec), "record %llu", (unsigned long long)id);
	rc = log_copy(map, base + sizeof(*h) + h->used, rec, RECORD);
	if (rc < 0)
		return fail("record", rc);
	h->used += RECORD;
	rc = pmemflush_persist(map, &h->used, sizeof(h->used));
	*persists += 2;
	if (rc < 0)
		return fail("header", rc);
	return 0;
}

static int log_verify(struct pmemflush_map *map, uint64_t n)
{
	char *base = pmemflush_map_get_addr(map);
	struct log_header *h = (struct log_header *)base;
	char want[RECORD];

	if (h->magic != LOG_MAGIC || h->used != n * RECORD) {
		fprintf(stderr, "log-pmemflush: header magic=%#llx used=%llu, expected %llu\n",
			(unsigned long long)h->magic, (unsigned long long)h->used,
			(unsigned long long)(n * RECORD));
		return EILSEQ;
	}
	for (uint64_t i = 0; i < n; i++) {
		memset(want, 0, sizeof(want));
		snprintf(want, sizeof(want), "record %llu", (unsigned long long)i);
		if (memcmp(base + sizeof(*h) + i * RECORD, want, RECORD)) {
			fprintf(stderr, "log-pmemflush: record %llu differs\n", (unsigned long long)i);
			return EILSEQ;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pmemflush_ctx *ctx = NULL;
	struct pmemflush_map *map = NULL;
	unsigned long persists = 0;
	unsigned long long n;
	int create, rc;

	if (argc != 4) {
		fprintf(stderr, "usage: log-pmemflush PATH create SIZE|append N|verify N\n");
		return 2;
	}
	n = strtoull(argv[3], NULL, 0);
	create = !strcmp(argv[2], "create");
	rc = pmemflush_new(&ctx);
	if (rc < 0)
		return fail("context", rc);
	/* A device dax is mapped whole (length 0); a new file gets SIZE bytes. */
	rc = pmemflush_map_file(ctx, argv[1], create ? (size_t)n : 0,
				create ? PMEMFLUSH_MAP_CREATE : 0, &map);
	if (rc < 0) {
		rc = fail(argv[1], rc);
		goto out;
	}
	struct log_header *h = pmemflush_map_get_addr(map);

	if (create) {
		struct log_header init = { .magic = LOG_MAGIC, .used = 0 };

		rc = log_copy(map, h, &init, sizeof(init));
		persists++;
		if (rc < 0)
			rc = fail("header", rc);
	} else if (!strcmp(argv[2], "append")) {
		if (h->magic != LOG_MAGIC) {
			fprintf(stderr, "log-pmemflush: %s: not a log\n", argv[1]);
			rc = EILSEQ;
		}
		for (unsigned long long i = 0; rc == 0 && i < n; i++)
			rc = log_append(map, h->used / RECORD, &persists);
	} else if (!strcmp(argv[2], "verify")) {
		rc = log_verify(map, n);
	} else {
		fprintf(stderr, "log-pmemflush: unknown command '%s'\n", argv[2]);
		rc = 2;
	}
	if (rc == 0)
		printf("method=%s granularity=%s records=%llu persists=%lu\n",
		       pmemflush_method_name(pmemflush_map_get_method(map)),
		       pmemflush_granularity_name(pmemflush_map_get_granularity(map)),
		       (unsigned long long)(h->used / RECORD), persists);
out:
	pmemflush_unmap(map);
	pmemflush_unref(ctx);
	return rc;
}
