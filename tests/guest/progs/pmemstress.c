// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmemstress: many threads of many processes persisting through
 * libpmemflush at once, and the check that every record whose persist
 * returned 0 is there afterwards (case stress-*).
 *
 *   pmemstress write PROC NPROCS THREADS SECS RECS ACKFILE PATH...
 *       THREADS threads of process PROC (0..NPROCS-1) write self-checking
 *       64-byte records for SECS seconds, each record persisted on its
 *       own with pmemflush_persist(). Every PATH (a file, or a device dax)
 *       is mapped once by this process; thread T uses map T % npaths and
 *       there its own area of RECS records (area (PROC * THREADS + T)), so
 *       each PATH must hold NPROCS * THREADS * RECS * 64 bytes. Every
 *       record carries a random nonce of the process, so that a record an
 *       earlier run left at the same place never counts as this run's. The
 *       nonce ("nonce N", first line) and the seq numbers whose persist
 *       returned 0 are written to ACKFILE at the end as ranges "PROC THREAD
 *       LO HI" (they must survive the file system: put it on the guest's
 *       RAM). A failed persist is counted by errno;
 *       the thread then waits 100 ms, clears the map's sticky error and
 *       goes on with the next record (the failed one is not acknowledged).
 *       With PMEMSTRESS_ERRORS=FILE (vpmem's ndbusN/vpmem/flush_errors), each
 *       EIO is counted under the value FILE holds right after it: a case
 *       that injects host-flush failures one at a time learns how many
 *       persist calls and threads saw each one (index 0: an EIO while the
 *       device had counted no failure). Prints one line:
 *         proc=P method=M persists=N ok=N failed=N full=N eio=N
 *         errnos=E:N,... eio_by_fault=N,N,... threads_eio_by_fault=N,N,...
 *         threads_with_eio=N
 *       (eio_by_fault: persist calls that returned EIO, by failure count;
 *       threads_eio_by_fault: threads that saw at least one of those).
 *       With PMEMSTRESS_WITNESS="FILE..." (vpmem's ndbusN/vpmem/host_flushes,
 *       one per PATH, or one for all), every WITNESS_EVERY-th record is
 *       witnessed by the driver: the count of host flushes sent, read after
 *       the store and before persist, must have grown when persist returned
 *       0 (vpmem sends a caller's flush only after its call: a persist that
 *       returned 0 with no flush sent since cannot be durable). Printed as
 *       witnessed=N unwitnessed=N (the latter must be 0).
 *   pmemstress verify NPROCS THREADS RECS ACKDIR PATH...
 *       maps every PATH afresh and checks every acknowledged record of
 *       ACKDIR/ack.0 .. ack.(NPROCS-1) (intact: magic, place, seq and
 *       checksum, nonce). Prints "acked=N verified=N bad=N
 *       unacked_present=N"; exit 0 only when every acknowledged record is
 *       intact and there is at least one (ENODATA: none acknowledged, a
 *       check of nothing).
 *   pmemstress once PATH
 *       map PATH, store one record at its end, persist it: exit status
 *       0 or the errno of persist (a persist the host trace can witness).
 *
 * Exit status: 0, or the errno of the failing call (EBADMSG: a record lost).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <pmemflush.h>

#define MAGIC 0x5353455254534d50ULL	/* "PMSTRESS" */
#define MAX_THREADS 256
#define MAX_PATHS 16
#define MAX_FAULTS 16
#define MAX_ERRNO 160
#define WITNESS_EVERY 8

struct record {
	uint64_t magic;
	uint32_t proc;
	uint32_t thread;
	uint64_t seq;
	uint64_t payload[3];
	uint64_t nonce;		/* the writing process's, random */
	uint64_t sum;		/* FNV-1a of everything above */
};

_Static_assert(sizeof(struct record) == 64, "one record is one cache line");

struct range {
	uint64_t lo, hi;
};

struct writer {
	pthread_t tid;
	struct pmemflush_map *map;
	struct record *area;
	unsigned int proc, thread;
	uint64_t recs;
	struct range *acked;
	size_t nacked, cap;
	uint64_t persists, ok, failed, full;
	uint64_t errnos[MAX_ERRNO + 1];
	uint64_t eio_by_fault[MAX_FAULTS];
	const char *witness;	/* the map's device's host_flushes, or NULL */
	uint64_t witnessed, unwitnessed;
	int alloc_failed;
};

static struct timespec deadline;
/* This process's records' nonce (write). */
static uint64_t my_nonce;
/* The device's count of failed host flushes (vpmem's flush_errors), if any. */
static const char *errors_file;

static uint64_t fnv1a(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

static void fill(struct record *r, uint64_t nonce, unsigned int proc, unsigned int thread,
		 uint64_t seq)
{
	int i;

	r->magic = MAGIC;
	r->proc = proc;
	r->thread = thread;
	r->seq = seq;
	for (i = 0; i < 3; i++)
		r->payload[i] = (seq + 1) * 0x9e3779b97f4a7c15ULL * (i + 1) ^
				((uint64_t)proc << 40 | (uint64_t)thread << 20);
	r->nonce = nonce;
	r->sum = fnv1a(r, offsetof(struct record, sum));
}

static int intact(const struct record *r, uint64_t nonce, unsigned int proc,
		  unsigned int thread, uint64_t seq)
{
	struct record want;

	if (r->magic != MAGIC)
		return 0;
	fill(&want, nonce, proc, thread, seq);
	return !memcmp(r, &want, sizeof(want));
}

/*
 * Which failure an EIO belongs to: the device's count of failed host
 * flushes right after it (the failing flush and the refusals until the
 * administrator acknowledges it read the same count). 0 without the file.
 */
static unsigned int fault_index(void)
{
	char buf[32];
	ssize_t n;
	long v;
	int fd;

	if (!errors_file)
		return 0;
	fd = open(errors_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	v = strtol(buf, NULL, 10);
	return v < 0 ? 0 : v >= MAX_FAULTS ? MAX_FAULTS - 1 : (unsigned int)v;
}

/* A counter of sysfs (host_flushes), or -1 when it cannot be read. */
static long long read_count(const char *file)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 10);
}

static int past_deadline(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

/* Record seq as acknowledged: extend the last range or start a new one. */
static void add_ack(struct writer *w, uint64_t seq)
{
	struct range *last = w->nacked ? &w->acked[w->nacked - 1] : NULL;

	if (last && last->hi + 1 == seq) {
		last->hi = seq;
		return;
	}
	if (w->nacked == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct range *n = realloc(w->acked, cap * sizeof(*n));

		if (!n) {
			/* Not acknowledging is safe: verify checks fewer. */
			w->alloc_failed = 1;
			return;
		}
		w->acked = n;
		w->cap = cap;
	}
	w->acked[w->nacked++] = (struct range){ seq, seq };
}

static void *write_thread(void *arg)
{
	struct writer *w = arg;
	uint64_t seq;

	for (seq = 0; !past_deadline(); seq++) {
		struct record r;
		long long sent = -1;
		int rc;

		if (seq >= w->recs) {
			w->full = 1;
			break;
		}
		fill(&r, my_nonce, w->proc, w->thread, seq);
		memcpy(&w->area[seq], &r, sizeof(r));
		/* After the store (the syscall orders it), before the call. */
		if (w->witness && seq % WITNESS_EVERY == 0)
			sent = read_count(w->witness);
		w->persists++;
		rc = pmemflush_persist(w->map, &w->area[seq], sizeof(r));
		if (rc == 0) {
			if (sent >= 0) {
				long long now = read_count(w->witness);

				if (now > sent) {
					w->witnessed++;
				} else {
					w->unwitnessed++;
					/* A lost count (-1) is no witness either. */
					if (w->unwitnessed <= 3)
						printf("@@VT info pmemstress: proc %u thread %u seq %llu: persist returned 0, host flushes sent %lld before, %lld after\n",
						       w->proc, w->thread, (unsigned long long)seq,
						       sent, now);
				}
			}
			w->ok++;
			add_ack(w, seq);
			continue;
		}
		w->failed++;
		w->errnos[-rc > 0 && -rc <= MAX_ERRNO ? -rc : 0]++;
		if (rc == -EIO)
			w->eio_by_fault[fault_index()]++;
		/* Let the administrator acknowledge the device's failure first. */
		usleep(100000);
		pmemflush_map_clear_error(w->map);
	}
	return NULL;
}

static int map_path(struct pmemflush_ctx *ctx, const char *path, struct pmemflush_map **map)
{
	int rc = pmemflush_map_file(ctx, path, 0, 0, map);

	if (rc < 0)
		printf("@@VT info pmemstress: map %s: %s: %s\n", path, strerror(-rc),
		       pmemflush_errormsg());
	return rc;
}

static int write_acks(const char *file, struct writer *w, unsigned int n)
{
	FILE *f = fopen(file, "w");
	unsigned int i;
	size_t j;

	if (!f)
		return -errno;
	fprintf(f, "nonce %llu\n", (unsigned long long)my_nonce);
	for (i = 0; i < n; i++)
		for (j = 0; j < w[i].nacked; j++)
			fprintf(f, "%u %u %llu %llu\n", w[i].proc, w[i].thread,
				(unsigned long long)w[i].acked[j].lo,
				(unsigned long long)w[i].acked[j].hi);
	if (fclose(f))
		return -errno;
	return 0;
}

static void report(struct writer *w, unsigned int n, unsigned int proc,
		   enum pmemflush_method method)
{
	uint64_t persists = 0, ok = 0, failed = 0, full = 0, eio = 0, threads_eio = 0;
	uint64_t witnessed = 0, unwitnessed = 0;
	uint64_t errnos[MAX_ERRNO + 1] = { 0 }, by_fault[MAX_FAULTS] = { 0 };
	uint64_t threads_by_fault[MAX_FAULTS] = { 0 };
	unsigned int i, e, last = 0;
	const char *sep = "";

	for (i = 0; i < n; i++) {
		persists += w[i].persists;
		ok += w[i].ok;
		failed += w[i].failed;
		full += w[i].full;
		witnessed += w[i].witnessed;
		unwitnessed += w[i].unwitnessed;
		eio += w[i].errnos[EIO];
		threads_eio += w[i].errnos[EIO] > 0;
		for (e = 0; e <= MAX_ERRNO; e++)
			errnos[e] += w[i].errnos[e];
		for (e = 0; e < MAX_FAULTS; e++) {
			by_fault[e] += w[i].eio_by_fault[e];
			threads_by_fault[e] += w[i].eio_by_fault[e] > 0;
			if (w[i].eio_by_fault[e] && e > last)
				last = e;
		}
	}
	printf("proc=%u method=%s persists=%llu ok=%llu failed=%llu full=%llu eio=%llu errnos=",
	       proc, pmemflush_method_name(method), (unsigned long long)persists,
	       (unsigned long long)ok, (unsigned long long)failed, (unsigned long long)full,
	       (unsigned long long)eio);
	for (e = 0; e <= MAX_ERRNO; e++) {
		if (!errnos[e])
			continue;
		printf("%s%u:%llu", sep, e, (unsigned long long)errnos[e]);
		sep = ",";
	}
	if (!*sep)
		printf("none");
	printf(" eio_by_fault=");
	for (e = 0; e <= last; e++)
		printf("%s%llu", e ? "," : "", (unsigned long long)by_fault[e]);
	printf(" threads_eio_by_fault=");
	for (e = 0; e <= last; e++)
		printf("%s%llu", e ? "," : "", (unsigned long long)threads_by_fault[e]);
	printf(" threads_with_eio=%llu witnessed=%llu unwitnessed=%llu\n",
	       (unsigned long long)threads_eio, (unsigned long long)witnessed,
	       (unsigned long long)unwitnessed);
}

static int cmd_write(char **argv, int npaths)
{
	unsigned int proc = strtoul(argv[0], NULL, 0), nprocs = strtoul(argv[1], NULL, 0);
	unsigned int nthreads = strtoul(argv[2], NULL, 0), secs = strtoul(argv[3], NULL, 0);
	uint64_t recs = strtoull(argv[4], NULL, 0);
	const char *ackfile = argv[5];
	struct pmemflush_map *maps[MAX_PATHS] = { NULL };
	char *witness[MAX_PATHS] = { NULL }, *wenv = NULL, *save = NULL, *tok;
	int nwitness = 0;
	struct pmemflush_ctx *ctx;
	struct writer *w;
	unsigned int i, started;
	int rc, p;

	if (nthreads < 1 || nthreads > MAX_THREADS || proc >= nprocs || !recs ||
	    npaths < 1 || npaths > MAX_PATHS)
		return EINVAL;
	errors_file = getenv("PMEMSTRESS_ERRORS");
	if (getrandom(&my_nonce, sizeof(my_nonce), 0) != sizeof(my_nonce))
		return EIO;
	if (getenv("PMEMSTRESS_WITNESS")) {
		wenv = strdup(getenv("PMEMSTRESS_WITNESS"));
		if (!wenv)
			return ENOMEM;
		for (tok = strtok_r(wenv, " ", &save); tok && nwitness < MAX_PATHS;
		     tok = strtok_r(NULL, " ", &save))
			witness[nwitness++] = tok;
		if (nwitness != 1 && nwitness != npaths) {
			free(wenv);
			return EINVAL;
		}
	}
	w = calloc(nthreads, sizeof(*w));
	if (!w) {
		free(wenv);
		return ENOMEM;
	}
	rc = pmemflush_new(&ctx);
	if (rc < 0) {
		free(w);
		free(wenv);
		return -rc;
	}
	for (p = 0; p < npaths && rc == 0; p++) {
		rc = map_path(ctx, argv[6 + p], &maps[p]);
		if (rc == 0 && pmemflush_map_get_length(maps[p]) <
		    (uint64_t)nprocs * nthreads * recs * sizeof(struct record)) {
			printf("@@VT info pmemstress: %s is too small\n", argv[6 + p]);
			rc = -ENOSPC;
		}
	}
	if (rc < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += secs;
	for (started = 0; started < nthreads; started++) {
		struct writer *t = &w[started];
		struct pmemflush_map *m = maps[started % npaths];

		t->map = m;
		if (nwitness)
			t->witness = witness[nwitness == 1 ? 0 : started % npaths];
		t->area = (struct record *)pmemflush_map_get_addr(m) +
			  ((uint64_t)proc * nthreads + started) * recs;
		t->proc = proc;
		t->thread = started;
		t->recs = recs;
		if (pthread_create(&t->tid, NULL, write_thread, t)) {
			rc = -EAGAIN;
			break;
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	report(w, started, proc, pmemflush_map_get_method(maps[0]));
	for (i = 0; i < started; i++)
		if (w[i].alloc_failed)
			printf("@@VT info pmemstress: thread %u: out of memory for acks\n", i);
	if (rc == 0)
		rc = write_acks(ackfile, w, started);
out:
	for (p = 0; p < npaths; p++)
		pmemflush_unmap(maps[p]);
	pmemflush_unref(ctx);
	for (i = 0; i < nthreads; i++)
		free(w[i].acked);
	free(w);
	free(wenv);
	fflush(stdout);
	return -rc;
}

static int cmd_verify(char **argv, int npaths)
{
	unsigned int nprocs = strtoul(argv[0], NULL, 0), nthreads = strtoul(argv[1], NULL, 0);
	uint64_t recs = strtoull(argv[2], NULL, 0);
	const char *ackdir = argv[3];
	struct pmemflush_map *maps[MAX_PATHS] = { NULL };
	uint64_t acked = 0, verified = 0, bad = 0, present = 0;
	uint64_t *pnonce;
	struct pmemflush_ctx *ctx;
	unsigned int proc, t;
	uint64_t s;
	int rc, p;

	if (nthreads < 1 || nthreads > MAX_THREADS || !nprocs || !recs ||
	    npaths < 1 || npaths > MAX_PATHS)
		return EINVAL;
	pnonce = calloc(nprocs, sizeof(*pnonce));
	if (!pnonce)
		return ENOMEM;
	rc = pmemflush_new(&ctx);
	if (rc < 0) {
		free(pnonce);
		return -rc;
	}
	for (p = 0; p < npaths && rc == 0; p++) {
		rc = map_path(ctx, argv[4 + p], &maps[p]);
		if (rc == 0 && pmemflush_map_get_length(maps[p]) <
		    (uint64_t)nprocs * nthreads * recs * sizeof(struct record))
			rc = -ENOSPC;
	}
	if (rc < 0)
		goto out;
	for (proc = 0; proc < nprocs && rc == 0; proc++) {
		char name[4096], line[256];
		unsigned long long pn;
		FILE *f;

		snprintf(name, sizeof(name), "%s/ack.%u", ackdir, proc);
		f = fopen(name, "r");
		if (!f) {
			printf("@@VT info pmemstress: %s: %s\n", name, strerror(errno));
			rc = -ENOENT;
			break;
		}
		if (!fgets(line, sizeof(line), f) || sscanf(line, "nonce %llu", &pn) != 1) {
			printf("@@VT info pmemstress: %s: no nonce line\n", name);
			fclose(f);
			rc = -EINVAL;
			break;
		}
		pnonce[proc] = pn;
		while (fgets(line, sizeof(line), f)) {
			unsigned long long lo, hi;
			unsigned int pp;
			const struct record *area;

			if (sscanf(line, "%u %u %llu %llu", &pp, &t, &lo, &hi) != 4 ||
			    pp != proc || t >= nthreads || lo > hi || hi >= recs) {
				printf("@@VT info pmemstress: %s: bad line '%s'\n", name, line);
				rc = -EINVAL;
				break;
			}
			area = (const struct record *)pmemflush_map_get_addr(maps[t % npaths]) +
			       ((uint64_t)proc * nthreads + t) * recs;
			for (s = lo; s <= hi; s++) {
				acked++;
				if (intact(&area[s], pn, proc, t, s)) {
					verified++;
				} else if (bad++ < 5) {
					printf("@@VT info pmemstress: lost: proc %u thread %u seq %llu\n",
					       proc, t, (unsigned long long)s);
				}
			}
		}
		fclose(f);
	}
	/* Information: records present whose persist did not return 0. */
	for (proc = 0; proc < nprocs && rc == 0; proc++)
		for (t = 0; t < nthreads; t++) {
			const struct record *area =
				(const struct record *)pmemflush_map_get_addr(maps[t % npaths]) +
				((uint64_t)proc * nthreads + t) * recs;

			for (s = 0; s < recs; s++)
				present += intact(&area[s], pnonce[proc], proc, t, s);
		}
	printf("acked=%llu verified=%llu bad=%llu unacked_present=%llu\n",
	       (unsigned long long)acked, (unsigned long long)verified,
	       (unsigned long long)bad,
	       (unsigned long long)(present >= verified ? present - verified : 0));
	if (rc == 0 && (bad || verified != acked))
		rc = -EBADMSG;
	/* Nothing acknowledged: nothing was checked, which is no pass. */
	if (rc == 0 && !acked)
		rc = -ENODATA;
out:
	for (p = 0; p < npaths; p++)
		pmemflush_unmap(maps[p]);
	pmemflush_unref(ctx);
	free(pnonce);
	fflush(stdout);
	return -rc;
}

static int cmd_once(const char *path)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_map *map;
	struct record *r;
	int rc;

	rc = pmemflush_new(&ctx);
	if (rc < 0)
		return -rc;
	rc = map_path(ctx, path, &map);
	if (rc == 0) {
		/* The last record of the map: stress areas start at the front. */
		r = (struct record *)pmemflush_map_get_addr(map) +
		    pmemflush_map_get_length(map) / sizeof(*r) - 1;
		fill(r, 0, 0xffff, 0xffff, (uint64_t)time(NULL));
		rc = pmemflush_persist(map, r, sizeof(*r));
		if (rc < 0)
			printf("@@VT info pmemstress: persist %s: %s\n", path, strerror(-rc));
		pmemflush_unmap(map);
	}
	pmemflush_unref(ctx);
	fflush(stdout);
	return -rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "write") && argc >= 9)
		return cmd_write(argv + 2, argc - 8);
	if (!strcmp(cmd, "verify") && argc >= 7)
		return cmd_verify(argv + 2, argc - 6);
	if (!strcmp(cmd, "once") && argc == 3)
		return cmd_once(argv[2]);
	fprintf(stderr, "usage: see pmemstress.c\n");
	return EINVAL;
}
