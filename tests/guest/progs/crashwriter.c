// SPDX-License-Identifier: GPL-2.0-only
/*
 * crashwriter: the guest side of the host-crash oracle (tests/guest/crash/).
 *
 *   crashwriter write PATH THREADS [skip-persist] [base=B]
 *       THREADS threads write self-validating 64-byte records into the
 *       first 4 MiB of PATH (a file, created, or a device dax), each into
 *       its own slots, and persist each one with pmemflush_persist(). Only
 *       after persist() returned 0 is '@@VT ack ID' printed: that line is the
 *       promise the host checks after it crashed the guest. Runs until
 *       killed (or the slots run out). skip-persist acknowledges without
 *       persisting: the negative control, whose records must be found lost.
 *   crashwriter check PATH [base=B]
 *       scans the slots and prints the ids of the intact records as ranges
 *       ('@@VT crash-found A-B ...'), then '@@VT crash-scan slots=N
 *       intact=N torn=N' (torn: a slot with bytes but no valid record).
 *
 * Record ids are printed plus B (default 0), so that writers on several
 * devices of one guest print distinct ids.
 *
 * Exit status: 0, or the errno of the failing call (EOPNOTSUPP when
 * libpmemflush refuses the map).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pmemflush.h>

#define AREA (4UL << 20)
#define SLOTS (AREA / sizeof(struct record))
#define MAGIC 0x48534152434d5056ULL	/* "VPMCRASH" */
#define MAX_THREADS 64

struct record {
	uint64_t magic;
	uint64_t id;
	uint32_t thread;
	uint32_t seq;
	uint64_t payload[4];
	uint64_t sum;		/* FNV-1a of everything above */
};

_Static_assert(sizeof(struct record) == 64, "one record is one cache line");

/* Added to every printed id (base=B): writers on several devices differ. */
static unsigned long id_base;

static uint64_t fnv1a(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

static void fill(struct record *r, uint64_t id, uint32_t thread, uint32_t seq)
{
	int i;

	r->magic = MAGIC;
	r->id = id;
	r->thread = thread;
	r->seq = seq;
	for (i = 0; i < 4; i++)
		r->payload[i] = (id + 1) * 0x9e3779b97f4a7c15ULL * (i + 1);
	r->sum = fnv1a(r, offsetof(struct record, sum));
}

static int intact(const struct record *r, uint64_t id)
{
	struct record want;

	if (r->magic != MAGIC)
		return 0;
	fill(&want, id, r->thread, r->seq);
	return r->magic == MAGIC && r->id == id && !memcmp(r, &want, sizeof(want));
}

/* One write() per line: lines of concurrent threads do not interleave. */
static void ack(unsigned long id)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "@@VT ack %lu\n", id + id_base);

	if (write(STDOUT_FILENO, line, n) != n)
		exit(EIO);
}

struct writer {
	struct pmemflush_map *map;
	struct record *slots;
	unsigned int id, nthreads;
	int skip_persist;
	int rc;
};

static void *write_thread(void *arg)
{
	struct writer *w = arg;
	uint32_t seq;

	for (seq = 0;; seq++) {
		uint64_t id = (uint64_t)seq * w->nthreads + w->id;
		struct record *r = &w->slots[id];
		int rc;

		if (id >= SLOTS)
			return NULL;
		fill(r, id, w->id, seq);
		if (!w->skip_persist) {
			rc = pmemflush_persist(w->map, r, sizeof(*r));
			if (rc < 0) {
				fprintf(stderr, "crashwriter: persist %lu: %s\n", (unsigned long)id,
					strerror(-rc));
				w->rc = -rc;
				return NULL;
			}
		}
		ack(id);
	}
}

static int cmd_write(const char *path, unsigned int nthreads, int skip_persist)
{
	struct writer w[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	struct pmemflush_ctx *ctx;
	struct pmemflush_map *map;
	struct stat st;
	unsigned int i;
	int rc;

	if (nthreads < 1 || nthreads > MAX_THREADS)
		return EINVAL;
	rc = pmemflush_new(&ctx);
	if (rc < 0)
		return -rc;
	/* Device dax is mapped whole; a file is created with the area's size. */
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		rc = pmemflush_map_file(ctx, path, 0, 0, &map);
	else
		rc = pmemflush_map_file(ctx, path, AREA, PMEMFLUSH_MAP_CREATE, &map);
	if (rc < 0) {
		printf("@@VT info crashwriter: map %s: %s: %s\n", path, strerror(-rc),
		       pmemflush_errormsg());
		fflush(stdout);
		pmemflush_unref(ctx);
		return -rc;
	}
	if (pmemflush_map_get_length(map) < AREA) {
		pmemflush_unmap(map);
		pmemflush_unref(ctx);
		return ENOSPC;
	}
	/*
	 * The file itself (its size, its blocks) must be durable before the
	 * first record, or a crash loses the file and not just the records:
	 * that is what makes the skip-persist control lose only its records.
	 */
	rc = pmemflush_persist(map, pmemflush_map_get_addr(map), 4096);
	if (rc < 0) {
		printf("@@VT info crashwriter: initial persist: %s\n", strerror(-rc));
		fflush(stdout);
		pmemflush_unmap(map);
		pmemflush_unref(ctx);
		return -rc;
	}
	printf("@@VT info crashwriter: %s method=%s threads=%u%s\n", path,
	       pmemflush_method_name(pmemflush_map_get_method(map)), nthreads,
	       skip_persist ? " skip-persist" : "");
	fflush(stdout);
	for (i = 0; i < nthreads; i++) {
		w[i] = (struct writer){ map, pmemflush_map_get_addr(map), i, nthreads, skip_persist, 0 };
		if (pthread_create(&tids[i], NULL, write_thread, &w[i])) {
			nthreads = i;
			rc = -EAGAIN;
			break;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(tids[i], NULL);
		if (w[i].rc)
			rc = -w[i].rc;
	}
	pmemflush_unmap(map);
	pmemflush_unref(ctx);
	return -rc;
}

/* Print '@@VT crash-found' lines of at most 16 ranges. */
static void flush_ranges(unsigned long (*r)[2], int *n)
{
	int i;

	if (!*n)
		return;
	printf("@@VT crash-found");
	for (i = 0; i < *n; i++)
		printf(" %lu-%lu", r[i][0] + id_base, r[i][1] + id_base);
	printf("\n");
	*n = 0;
}

/*
 * The first AREA bytes of @path: device dax through mmap (it has no read()),
 * a file through read(), zero-filled where it is short or missing.
 */
static const struct record *load(const char *path, void **to_free)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	*to_free = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("@@VT info crashwriter: open %s: %s\n", path, strerror(errno));
		/* A file the crash took away holds no record. */
		if (errno == ENOENT)
			*to_free = calloc(1, AREA);
		return *to_free;
	}
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		void *p = mmap(NULL, AREA, PROT_READ, MAP_SHARED, fd, 0);

		close(fd);
		if (p == MAP_FAILED) {
			printf("@@VT info crashwriter: mmap %s: %s\n", path, strerror(errno));
			return NULL;
		}
		return p;
	}
	buf = calloc(1, AREA);
	while (buf && got < AREA) {
		ssize_t n = read(fd, buf + got, AREA - got);

		if (n < 0) {
			printf("@@VT info crashwriter: read %s: %s\n", path, strerror(errno));
			free(buf);
			buf = NULL;
		} else if (n == 0) {
			break;
		}
		got += n > 0 ? n : 0;
	}
	close(fd);
	*to_free = buf;
	return (const struct record *)buf;
}

static int cmd_check(const char *path)
{
	unsigned long ranges[16][2], nintact = 0, ntorn = 0, i;
	const struct record *slots;
	int n = 0, in_range = 0;
	void *to_free;

	slots = load(path, &to_free);
	if (!slots)
		return EIO;
	for (i = 0; i < SLOTS; i++) {
		static const struct record zero;

		if (!intact(&slots[i], i)) {
			if (memcmp(&slots[i], &zero, sizeof(zero)))
				ntorn++;
			in_range = 0;
			continue;
		}
		nintact++;
		if (in_range) {
			ranges[n - 1][1] = i;
			continue;
		}
		if (n == 16)
			flush_ranges(ranges, &n);
		ranges[n][0] = ranges[n][1] = i;
		n++;
		in_range = 1;
	}
	flush_ranges(ranges, &n);
	printf("@@VT crash-scan slots=%lu intact=%lu torn=%lu\n", (unsigned long)SLOTS, nintact, ntorn);
	fflush(stdout);
	if (to_free)
		free(to_free);
	else
		munmap((void *)slots, AREA);
	return 0;
}

int main(int argc, char **argv)
{
	int i, skip_persist = 0, rc = 2;

	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "skip-persist"))
			skip_persist = 1;
		else if (!strncmp(argv[i], "base=", 5))
			id_base = strtoul(argv[i] + 5, NULL, 10);
	}
	if (argc >= 4 && !strcmp(argv[1], "write"))
		rc = cmd_write(argv[2], atoi(argv[3]), skip_persist);
	else if (argc >= 3 && !strcmp(argv[1], "check"))
		rc = cmd_check(argv[2]);
	else
		fprintf(stderr, "usage: see crashwriter.c\n");
	return rc;
}
