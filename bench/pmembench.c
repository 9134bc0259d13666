// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmembench: records per second and persist latency of small durable
 * records through one engine (libpmemflush, libpmem2, libpmem, msync).
 *
 *   pmembench --engine E [--threads N] [--seconds S] [--record BYTES]
 *             --file PATH [--map-size SIZE] [--json] [--keep]
 *             [--mark LABEL] [--out FILE]
 *   pmembench --list
 *
 * The file is created (or truncated), written whole with zeros and
 * fsync()ed before the timed part, so that its blocks are allocated and
 * no persist pays for allocation. It is mapped once; each thread writes
 * records sequentially in its own page-aligned slice of the map (wrapping
 * around) and persists each record before writing the next. Prints one
 * line of key=value (and with --json one JSON object) with: engine,
 * method, threads, seconds, records, records_per_s, p50_us, p99_us,
 * errors (to FILE with --out). --mark LABEL prints '@@VT mark LABEL-a' right
 * before the timed part and '@@VT mark LABEL-b' right after it on stdout
 * and waits until the console sent them (tcdrain), so that the guest
 * test harness counts exactly the host flushes of the timed part (not the
 * file's preparation, mapping or unmapping). Exits 0 when every persist succeeded, 1 when any failed (each
 * failure is counted; a thread stops at its first), 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "engine.h"

#define MAX_THREADS 256
#define MAX_RECORD 4096	/* a record is prepared in a buffer on the stack */

static const struct bench_engine *const engines[] = {
	&engine_pmemflush,
#ifdef BENCH_HAVE_ASYNC
	&engine_pmemflush_async,
#endif
#ifdef BENCH_HAVE_MEMCPY
	&engine_pmemflush_memcpy,
#endif
	&engine_pmem2,
	&engine_pmem,
	&engine_msync,
};

struct options {
	const struct bench_engine *engine;
	unsigned int threads;
	double seconds;
	size_t record;
	const char *path;
	size_t map_size;
	int json;
	int keep;
	const char *mark;
	const char *out;
};

unsigned long long bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

void bench_format_record(char *dst, size_t len, unsigned int id, unsigned long long n)
{
	snprintf(dst, len, "thread %u record %llu", id, n);
}

void bench_count_error(struct bench_worker *w, int err)
{
	if (!w->errors)
		w->first_error = err;
	w->errors++;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pmembench --engine E --file PATH [--threads N] [--seconds S]\n"
		   "                 [--record BYTES] [--map-size SIZE] [--json] [--keep]\n"
		   "                 [--mark LABEL] [--out FILE]\n"
		   "       pmembench --list\n");
}

static const struct bench_engine *find_engine(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(engines); i++)
		if (!strcmp(engines[i]->name, name))
			return engines[i];
	return NULL;
}

/* "8M", "64", "1G": bytes; 0 on a malformed size. */
static size_t parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return 0;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	default: break;
	}
	return *end ? 0 : (size_t)v;
}

/* Each thread's part of the map: page-aligned, so no two threads share a page. */
static size_t slice_size(const struct options *o)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return o->map_size / o->threads / page * page;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "record", required_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'f' },
		{ "map-size", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ "list", no_argument, NULL, 'l' },
		{ "mark", required_argument, NULL, 'M' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	size_t i;
	long n;
	int c;

	*o = (struct options){ .threads = 1, .seconds = 5, .record = 64, .map_size = 8 << 20 };
	while ((c = getopt_long(argc, argv, "e:t:s:r:f:m:jklhM:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->engine = find_engine(optarg);
			if (!o->engine) {
				fprintf(stderr, "pmembench: unknown engine '%s' (--list shows them)\n", optarg);
				return -EINVAL;
			}
			break;
		case 't':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > MAX_THREADS) {
				fprintf(stderr, "pmembench: --threads: 1 to %d\n", MAX_THREADS);
				return -EINVAL;
			}
			o->threads = (unsigned int)n;
			break;
		case 's':
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds > 0 && o->seconds <= 86400)) {
				fprintf(stderr, "pmembench: --seconds: a positive number\n");
				return -EINVAL;
			}
			break;
		case 'r':
			o->record = parse_size(optarg);
			if (o->record < 1 || o->record > MAX_RECORD) {
				fprintf(stderr, "pmembench: --record: 1 to %d bytes\n", MAX_RECORD);
				return -EINVAL;
			}
			break;
		case 'f':
			o->path = optarg;
			break;
		case 'm':
			o->map_size = parse_size(optarg);
			if (!o->map_size) {
				fprintf(stderr, "pmembench: --map-size: a size such as 8M\n");
				return -EINVAL;
			}
			break;
		case 'j':
			o->json = 1;
			break;
		case 'k':
			o->keep = 1;
			break;
		case 'M':
			/* One word: the harness splits its lines at blanks. */
			if (!*optarg || strpbrk(optarg, " \t\n")) {
				fprintf(stderr, "pmembench: --mark: one word\n");
				return -EINVAL;
			}
			o->mark = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'l':
			for (i = 0; i < ARRAY_SIZE(engines); i++)
				printf("%-18s %s\n", engines[i]->name, engines[i]->help);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !o->engine || !o->path) {
		usage(stderr);
		return -EINVAL;
	}
	if (slice_size(o) < o->record) {
		fprintf(stderr, "pmembench: --map-size %zu over %u threads leaves %zu bytes (page-aligned) "
			"per thread: no room for a %zu-byte record\n", o->map_size, o->threads,
			slice_size(o), o->record);
		return -EINVAL;
	}
	return 0;
}

/* Create or truncate @path and write @len zero bytes, durably. */
static int prepare_file(const char *path, size_t len)
{
	_cleanup_close_ int fd = -1;
	static const char zeros[1 << 16];
	size_t done = 0;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (done < len) {
		size_t chunk = len - done < sizeof(zeros) ? len - done : sizeof(zeros);
		ssize_t w = write(fd, zeros, chunk);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

/* The ordinary loop: write (or copy) a record, time its persist, go on. */
static void *worker_main(void *arg)
{
	struct bench_worker *w = arg;
	const struct bench_engine *e = w->engine;
	char prepared[MAX_RECORD];
	unsigned long long seq = 0, t0, t1;
	size_t off = 0;
	int rc;

	if (e->run) {
		e->run(w);
		return NULL;
	}
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		char *rec = w->slice + off;

		if (e->copy) {
			memset(prepared, 0, w->record);
			bench_format_record(prepared, w->record, w->id, seq++);
			t0 = bench_now_ns();
			rc = e->copy(w->map, rec, prepared, w->record);
		} else {
			bench_format_record(rec, w->record, w->id, seq++);
			t0 = bench_now_ns();
			rc = e->persist(w->map, rec, w->record);
		}
		t1 = bench_now_ns();
		if (rc < 0) {
			/* Errors stick (libpmemflush); going on would only count them again. */
			bench_count_error(w, rc);
			break;
		}
		lat_hist_add(&w->hist, t1 - t0);
		w->records++;
		off += w->record;
		if (off + w->record > w->slice_len)
			off = 0;
	}
	return NULL;
}

/*
 * A point in time for the guest harness: the line must have left the
 * console before anything else happens, or host flushes that follow
 * could be counted before it (as tests/guest/progs/pmemtest.c does).
 */
static void mark(const char *label, const char *suffix)
{
	if (!label)
		return;
	printf("@@VT mark %s-%s\n", label, suffix);
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

struct result {
	double seconds;
	unsigned long long records, errors;
	int first_error;
	double p50_us, p99_us;
};

static int run(const struct options *o, struct bench_map *m, struct result *res)
{
	_cleanup_free_ struct bench_worker *w = NULL;
	_cleanup_free_ pthread_t *tids = NULL;
	_cleanup_free_ struct lat_hist *all = NULL;
	size_t slice = slice_size(o);
	atomic_int stop = 0;
	struct timespec nap;
	unsigned long long t0;
	unsigned int i, started = 0;
	int rc = 0;

	if (slice < o->record || o->record > MAX_RECORD)
		return -EINVAL;	/* parse_options() said why */
	w = calloc(o->threads, sizeof(*w));
	tids = calloc(o->threads, sizeof(*tids));
	all = calloc(1, sizeof(*all));
	if (!w || !tids || !all)
		return -ENOMEM;
	for (i = 0; i < o->threads; i++) {
		w[i] = (struct bench_worker){ .engine = o->engine, .map = m, .stop = &stop, .id = i,
					      .slice = m->base + (size_t)i * slice, .slice_len = slice,
					      .record = o->record };
		lat_hist_init(&w[i].hist);
	}
	mark(o->mark, "a");
	t0 = bench_now_ns();
	for (i = 0; i < o->threads; i++) {
		rc = -pthread_create(&tids[i], NULL, worker_main, &w[i]);
		if (rc < 0)
			break;
		started++;
	}
	if (rc == 0) {
		nap.tv_sec = (time_t)o->seconds;
		nap.tv_nsec = (long)((o->seconds - (double)nap.tv_sec) * 1e9);
		while (nanosleep(&nap, &nap) < 0 && errno == EINTR)
			;
	}
	atomic_store(&stop, 1);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	/* Until the last thread finished its last record: every counted record is in it. */
	res->seconds = (double)(bench_now_ns() - t0) / 1e9;
	mark(o->mark, "b");
	if (rc < 0)
		return rc;
	lat_hist_init(all);
	for (i = 0; i < o->threads; i++) {
		res->records += w[i].records;
		if (w[i].errors && !res->errors)
			res->first_error = w[i].first_error;
		res->errors += w[i].errors;
		lat_hist_merge(all, &w[i].hist);
	}
	res->p50_us = (double)lat_hist_percentile(all, 50) / 1000.0;
	res->p99_us = (double)lat_hist_percentile(all, 99) / 1000.0;
	return 0;
}

/* A double printed with @decimals digits after the point (not 0.50047349699999999). */
static struct json_object *json_fixed(double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

static int print_json(FILE *f, const struct options *o, const struct bench_map *m,
		      const struct result *r)
{
	struct json_object *obj = json_object_new_object();
	int rc = 0;

	if (!obj)
		return -ENOMEM;
#define ADD(k, v) rc |= json_object_object_add(obj, k, v)
	ADD("engine", json_object_new_string(o->engine->name));
	ADD("method", json_object_new_string(m->method));
	ADD("threads", json_object_new_int((int)o->threads));
	ADD("record", json_object_new_int64((int64_t)o->record));
	ADD("map_size", json_object_new_int64((int64_t)o->map_size));
	ADD("seconds", json_fixed(r->seconds, 3));
	ADD("records", json_object_new_int64((int64_t)r->records));
	ADD("records_per_s", json_fixed(r->seconds > 0 ? r->records / r->seconds : 0, 1));
	ADD("p50_us", json_fixed(r->p50_us, 1));
	ADD("p99_us", json_fixed(r->p99_us, 1));
	ADD("errors", json_object_new_int64((int64_t)r->errors));
	ADD("first_error", json_object_new_string(r->errors ? strerror(-r->first_error) : ""));
#undef ADD
	if (rc == 0)
		fprintf(f, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	return rc ? -ENOMEM : 0;
}

static int print_result(FILE *f, const struct options *o, const struct bench_map *m,
			const struct result *r)
{
	/* records_per_s and p50/p99 are 0 when nothing completed; never NaN. */
	fprintf(f, "engine=%s method=%s threads=%u seconds=%.3f records=%llu records_per_s=%.1f "
		"p50_us=%.1f p99_us=%.1f errors=%llu\n",
		o->engine->name, m->method, o->threads, r->seconds, r->records,
		r->seconds > 0 ? r->records / r->seconds : 0, r->p50_us, r->p99_us, r->errors);
	if (o->json)
		return print_json(f, o, m, r);
	return 0;
}

/* The result to stdout, or to FILE (--out), which is complete or absent. */
static int write_result(const struct options *o, const struct bench_map *m,
			const struct result *r)
{
	_cleanup_fclose_ FILE *f = NULL;
	int rc;

	if (!o->out)
		return print_result(stdout, o, m, r);
	f = fopen(o->out, "we");
	if (!f)
		return -errno;
	rc = print_result(f, o, m, r);
	if (rc == 0 && fflush(f))
		rc = -errno;
	if (rc < 0)
		unlink(o->out);
	return rc;
}

int main(int argc, char **argv)
{
	struct bench_map m = { 0 };
	struct result r = { 0 };
	struct options o;
	int rc;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	rc = prepare_file(o.path, o.map_size);
	if (rc < 0) {
		fprintf(stderr, "pmembench: preparing %s: %s\n", o.path, strerror(-rc));
		return 1;
	}
	rc = o.engine->open(&m, o.path, o.map_size);
	if (rc < 0) {
		fprintf(stderr, "pmembench: %s: mapping %s: %s\n", o.engine->name, o.path, strerror(-rc));
		goto out;
	}
	rc = run(&o, &m, &r);
	o.engine->close(&m);
	if (rc < 0) {
		fprintf(stderr, "pmembench: %s\n", strerror(-rc));
		goto out;
	}
	if (r.errors)
		fprintf(stderr, "pmembench: %llu persist(s) failed, the first with: %s\n", r.errors,
			strerror(-r.first_error));
	rc = write_result(&o, &m, &r);
	if (rc < 0)
		fprintf(stderr, "pmembench: writing the result: %s\n", strerror(-rc));
out:
	if (!o.keep)
		unlink(o.path);
	if (rc < 0)
		return 1;
	return r.errors ? 1 : 0;
}
