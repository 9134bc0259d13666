// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cpubench: the CPU-flush path of libpmemflush against PMDK, on the host.
 *
 * One file in /dev/shm (or --dir), mapped by each engine:
 *   pmemflush  pmemflush_map_file() with PMEMFLUSH_FORCE_METHOD=cpu-flush
 *              (the test knob: the method of memory where MAP_SYNC holds)
 *   libpmem    pmem_map_file(); pmem_persist() / pmem_memcpy_persist()
 *   libpmem2   pmem2_map_new() with the required store granularity
 *              cache-line, forced on this memory by libpmem2's documented
 *              PMEM2_FORCE_GRANULARITY=CACHE_LINE; persist_fn / memcpy_fn
 * All three then flush with the same instruction (clwb, clflushopt or
 * clflush, whichever the CPU has) and fence with sfence.
 *
 * Operations:
 *   persist    store one word in every cache line of the range, then persist
 *              it (so every flushed line is dirty, as after real writes)
 *   memcpy     copy from a cached source buffer and make it durable
 *   memcpy-nt  the same with the NONTEMPORAL hint (each engine's flag)
 *   memcpy-t   the same with the TEMPORAL hint
 * memcpy runs at a 64-byte aligned destination for every size, and then,
 * as all three memcpy operations, at destinations 8, 32 and 60 bytes past
 * a line with sizes that are not multiples of a line (the unaligned head
 * and tail of a copy are where the engines differ most).
 * Each operation walks a ring of destinations through a 64 MiB map. For
 * each (op, size) the engines take turns in batches of about 20 us (after
 * a warm-up batch each), for about TRIALS x MS milliseconds per engine;
 * the result is the median batch's ns per operation.
 *
 * usage: cpubench [--json] [--trials N] [--ms MS] [--dir DIR]
 *   --json   a JSON list of {op, size, dest_offset, engine, ns_per_op} on stdout
 *   else     a table with the ratios ours/theirs
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpmem.h>
#include <libpmem2.h>
#include <pmemflush.h>

#define MAP_LEN (64UL << 20)
#define LINE 64

enum engine { E_PMEMFLUSH, E_LIBPMEM, E_LIBPMEM2, N_ENGINES };
static const char *const engine_names[N_ENGINES] = { "pmemflush", "libpmem", "libpmem2" };

enum op { OP_PERSIST, OP_MEMCPY, OP_MEMCPY_NT, OP_MEMCPY_T, N_OPS };
static const char *const op_names[N_OPS] = { "persist", "memcpy", "memcpy-nt", "memcpy-t" };

static const size_t persist_sizes[] = { 64, 256, 4096, 2UL << 20 };
static const size_t memcpy_sizes[] = { 64, 128, 256, 512, 1024, 4096, 16384, 65536, 262144,
				       2UL << 20 };
/* Misaligned destinations: sizes that are not multiples of a line, at these offsets. */
static const size_t odd_sizes[] = { 500, 1000, 1100, 1300, 2000, 4100, 8200 };
static const size_t dest_offsets[] = { 8, 32, 60 };

static struct {
	struct pmemflush_ctx *ctx;
	struct pmemflush_map *pf;
	uint8_t *base[N_ENGINES];
	struct pmem2_map *p2;
	pmem2_persist_fn p2_persist;
	pmem2_memcpy_fn p2_memcpy;
	size_t pmem_len;
	uint8_t *src;
	char path[4096];
} b;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "cpubench: %s: %s\n", what, why);
	exit(1);
}

static void setup(const char *dir)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	int fd, is_pmem, i;

	/*
	 * One file, mapped by each engine: the same physical pages under
	 * every engine, so that page placement (cache sets, the host's huge
	 * pages) cannot favour one of them.
	 */
	snprintf(b.path, sizeof(b.path), "%s/cpubench-%d", dir, (int)getpid());
	unlink(b.path);

	/* pmemflush: the forced cpu-flush method (announced on stderr by the library). */
	if (pmemflush_new(&b.ctx) < 0)
		die("pmemflush_new", pmemflush_errormsg());
	setenv("PMEMFLUSH_FORCE_METHOD", "cpu-flush", 1);
	if (pmemflush_map_file(b.ctx, b.path, MAP_LEN, PMEMFLUSH_MAP_CREATE | PMEMFLUSH_MAP_EXCL,
			       &b.pf) < 0)
		die(b.path, pmemflush_errormsg());
	unsetenv("PMEMFLUSH_FORCE_METHOD");
	if (pmemflush_map_get_method(b.pf) != PMEMFLUSH_METHOD_CPU_FLUSH)
		die(b.path, "method is not cpu-flush");
	b.base[E_PMEMFLUSH] = pmemflush_map_get_addr(b.pf);

	/* libpmem: persist and memcpy_persist flush whatever the memory is. */
	b.base[E_LIBPMEM] = pmem_map_file(b.path, 0, 0, 0, &b.pmem_len, &is_pmem);
	if (!b.base[E_LIBPMEM])
		die(b.path, pmem_errormsg());

	/* libpmem2: cache-line granularity required, and forced on this memory. */
	setenv("PMEM2_FORCE_GRANULARITY", "CACHE_LINE", 1);
	fd = open(b.path, O_RDWR);
	if (fd < 0)
		die(b.path, strerror(errno));
	if (pmem2_config_new(&cfg) || pmem2_source_from_fd(&src, fd) ||
	    pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_CACHE_LINE) ||
	    pmem2_map_new(&b.p2, cfg, src))
		die(b.path, pmem2_errormsg());
	if (pmem2_map_get_store_granularity(b.p2) != PMEM2_GRANULARITY_CACHE_LINE)
		die(b.path, "libpmem2 granularity is not cache-line");
	pmem2_source_delete(&src);
	pmem2_config_delete(&cfg);
	close(fd);
	b.base[E_LIBPMEM2] = pmem2_map_get_address(b.p2);
	b.p2_persist = pmem2_get_persist_fn(b.p2);
	b.p2_memcpy = pmem2_get_memcpy_fn(b.p2);

	b.src = aligned_alloc(4096, 2UL << 20);
	if (!b.src)
		die("source", "out of memory");
	for (i = 0; i < (int)(2UL << 20); i++)
		b.src[i] = (uint8_t)(i * 7);
	/* Fault everything in now (each mapping), not in the first batch. */
	for (i = 0; i < N_ENGINES; i++)
		memset(b.base[i], 1, MAP_LEN);
}

static void teardown(void)
{
	pmemflush_unmap(b.pf);
	pmemflush_unref(b.ctx);
	pmem_unmap(b.base[E_LIBPMEM], b.pmem_len);
	pmem2_map_delete(&b.p2);
	unlink(b.path);
	free(b.src);
}

/* The ring of destinations: whole slots of @size (at least a line) through the map. */
static size_t slot_of(size_t size)
{
	return (size + LINE - 1) & ~(size_t)(LINE - 1);
}

static void dirty(uint8_t *p, size_t size, uint64_t v)
{
	size_t i;

	for (i = 0; i < size; i += LINE)
		*(volatile uint64_t *)(p + i) = v;
}

/* Each engine's flags for the memcpy operations. */
static const unsigned int pf_flags[N_OPS] = {
	[OP_MEMCPY_NT] = PMEMFLUSH_MEM_NONTEMPORAL,
	[OP_MEMCPY_T] = PMEMFLUSH_MEM_TEMPORAL,
};
static const unsigned int pmem_flags[N_OPS] = {
	[OP_MEMCPY_NT] = PMEM_F_MEM_NONTEMPORAL,
	[OP_MEMCPY_T] = PMEM_F_MEM_TEMPORAL,
};
static const unsigned int pmem2_flags[N_OPS] = {
	[OP_MEMCPY_NT] = PMEM2_F_MEM_NONTEMPORAL,
	[OP_MEMCPY_T] = PMEM2_F_MEM_TEMPORAL,
};

/*
 * @iters operations from ring slot *@k on; ns per operation. The
 * destination is @off bytes into its slot (slots hold @off + @size).
 */
static double batch(enum op op, enum engine e, size_t size, size_t off, size_t iters,
		    size_t *k)
{
	size_t slot = slot_of(off + size), nslots = MAP_LEN / slot, i;
	uint8_t *base = b.base[e] + off;
	double t0 = now_ns();
	int rc = 0;

	for (i = 0; i < iters; i++, *k = *k + 1 == nslots ? 0 : *k + 1) {
		uint8_t *d = base + *k * slot;

		if (op == OP_PERSIST) {
			dirty(d, size, i);
			switch (e) {
			case E_PMEMFLUSH:
				rc |= pmemflush_persist(b.pf, d, size);
				break;
			case E_LIBPMEM:
				pmem_persist(d, size);
				break;
			default:
				b.p2_persist(d, size);
			}
		} else if (op == OP_MEMCPY) {
			switch (e) {
			case E_PMEMFLUSH:
				rc |= pmemflush_memcpy(b.pf, d, b.src, size, 0);
				break;
			case E_LIBPMEM:
				pmem_memcpy_persist(d, b.src, size);
				break;
			default:
				b.p2_memcpy(d, b.src, size, 0);
			}
		} else {
			switch (e) {
			case E_PMEMFLUSH:
				rc |= pmemflush_memcpy(b.pf, d, b.src, size, pf_flags[op]);
				break;
			case E_LIBPMEM:
				pmem_memcpy(d, b.src, size, pmem_flags[op]);
				break;
			default:
				b.p2_memcpy(d, b.src, size, pmem2_flags[op]);
			}
		}
	}
	if (rc)
		die("pmemflush", pmemflush_errormsg());
	return (now_ns() - t0) / (double)iters;
}

struct result {
	enum op op;
	size_t size;
	size_t off;	/* of the destination past a cache line */
	double ns[N_ENGINES];
};

static int cmp_double(const void *pa, const void *pb)
{
	double x = *(const double *)pa, y = *(const double *)pb;

	return x < y ? -1 : x > y;
}

/*
 * Timed in short batches (about 20 us, so that the clock costs nothing and
 * a preemption by another process spoils one batch, not a trial), the
 * engines taking turns batch by batch; the result is the median batch.
 * On a loaded machine this is stable where a whole-trial minimum is not.
 */
static void measure(struct result *r, int trials, double ms)
{
	size_t iters, nb, i, k[N_ENGINES] = { 0 };
	double per_op, *ns[N_ENGINES];
	int e;

	/* Calibrate on ours (this is also the warm-up). */
	batch(r->op, E_PMEMFLUSH, r->size, r->off, 64, &k[0]);
	per_op = batch(r->op, E_PMEMFLUSH, r->size, r->off, 64, &k[0]);
	iters = (size_t)(20e3 / (per_op > 1 ? per_op : 1));
	if (iters < 1)
		iters = 1;
	/* Every engine walks the same slots in the same order. */
	k[E_PMEMFLUSH] = 0;
	nb = (size_t)(trials * ms * 1e6 / (per_op * iters));
	if (nb < 15)
		nb = 15;
	for (e = 0; e < N_ENGINES; e++) {
		ns[e] = calloc(nb, sizeof(double));
		if (!ns[e])
			die("results", "out of memory");
		batch(r->op, (enum engine)e, r->size, r->off, iters, &k[e]);	/* warm-up */
	}
	for (i = 0; i < nb; i++)
		for (e = 0; e < N_ENGINES; e++) {
			/* Rotate who goes first: no engine always follows the same one. */
			int en = (e + (int)i) % N_ENGINES;

			ns[en][i] = batch(r->op, (enum engine)en, r->size, r->off, iters, &k[en]);
		}
	for (e = 0; e < N_ENGINES; e++) {
		qsort(ns[e], nb, sizeof(double), cmp_double);
		r->ns[e] = ns[e][nb / 2];
		free(ns[e]);
	}
}

static const char *size_name(size_t s, char *buf, size_t n)
{
	if (s >= (1UL << 20) && !(s & ((1UL << 20) - 1)))
		snprintf(buf, n, "%zu MiB", s >> 20);
	else if (s >= 1024 && !(s & 1023))
		snprintf(buf, n, "%zu KiB", s >> 10);
	else
		snprintf(buf, n, "%zu B", s);
	return buf;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "trials", required_argument, NULL, 't' },
		{ "ms", required_argument, NULL, 'm' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct result res[sizeof(persist_sizes) / sizeof(persist_sizes[0]) +
			  sizeof(memcpy_sizes) / sizeof(memcpy_sizes[0]) +
			  3 * sizeof(odd_sizes) / sizeof(odd_sizes[0]) *
				  sizeof(dest_offsets) / sizeof(dest_offsets[0])];
	int op, j;
	const char *dir = "/dev/shm";
	int json = 0, trials = 10, n = 0, c, i, e;
	double ms = 10;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 't':
			trials = atoi(optarg);
			break;
		case 'm':
			ms = atof(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'h':
			printf("usage: %s [--json] [--trials N] [--ms MS_PER_TRIAL] [--dir DIR]\n",
			       argv[0]);
			return 0;
		default:
			return 2;
		}
	}
	if (trials < 1 || ms <= 0) {
		fprintf(stderr, "cpubench: --trials and --ms must be positive\n");
		return 2;
	}
	setup(dir);
	for (i = 0; i < (int)(sizeof(persist_sizes) / sizeof(persist_sizes[0])); i++)
		res[n++] = (struct result){ .op = OP_PERSIST, .size = persist_sizes[i] };
	for (i = 0; i < (int)(sizeof(memcpy_sizes) / sizeof(memcpy_sizes[0])); i++)
		res[n++] = (struct result){ .op = OP_MEMCPY, .size = memcpy_sizes[i] };
	for (op = OP_MEMCPY; op <= OP_MEMCPY_T; op++)
		for (i = 0; i < (int)(sizeof(odd_sizes) / sizeof(odd_sizes[0])); i++)
			for (j = 0; j < (int)(sizeof(dest_offsets) / sizeof(dest_offsets[0])); j++)
				res[n++] = (struct result){ .op = (enum op)op,
							    .size = odd_sizes[i],
							    .off = dest_offsets[j] };
	for (i = 0; i < n; i++)
		measure(&res[i], trials, ms);
	teardown();

	if (json) {
		printf("[");
		for (i = 0; i < n; i++)
			for (e = 0; e < N_ENGINES; e++)
				printf("%s\n  {\"op\": \"%s\", \"size\": %zu, \"dest_offset\": %zu, "
				       "\"engine\": \"%s\", \"ns_per_op\": %.1f}",
				       i || e ? "," : "", op_names[res[i].op], res[i].size,
				       res[i].off, engine_names[e], res[i].ns[e]);
		printf("\n]\n");
		return 0;
	}
	printf("| op | size | dest offset | pmemflush ns | libpmem ns | libpmem2 ns | "
	       "ours/libpmem | ours/libpmem2 |\n|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		char sz[32];
		const double *ns = res[i].ns;

		printf("| %s | %s | +%zu | %.1f | %.1f | %.1f | %.3f | %.3f |\n",
		       op_names[res[i].op], size_name(res[i].size, sz, sizeof(sz)), res[i].off,
		       ns[E_PMEMFLUSH], ns[E_LIBPMEM],
		       ns[E_LIBPMEM2], ns[E_PMEMFLUSH] / ns[E_LIBPMEM],
		       ns[E_PMEMFLUSH] / ns[E_LIBPMEM2]);
	}
	return 0;
}
