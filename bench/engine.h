/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pmembench engines: one way each of mapping a file and making a 64-byte
 * record durable, used as its library's documentation says.
 */
#ifndef BENCH_ENGINE_H
#define BENCH_ENGINE_H

#include <stdatomic.h>
#include <stddef.h>

#include "stats.h"

/* One mapped file, as an engine opened it. */
struct bench_map {
	char *base;		/* first byte of the mapping */
	size_t len;		/* mapped bytes */
	char method[64];	/* how a persist is done, e.g. "msync" (for the output) */
	void *priv;		/* the engine's own state */
};

/* One thread's part of a run. */
struct bench_worker {
	const struct bench_engine *engine;
	struct bench_map *map;
	const atomic_int *stop;		/* set by the main thread when time is up */
	unsigned int id;
	char *slice;			/* this thread's records, wrapping around */
	size_t slice_len;
	size_t record;			/* record size */
	unsigned long long records;	/* made durable (acknowledged) */
	unsigned long long errors;	/* failed persists */
	int first_error;		/* negative errno of the first failure */
	struct lat_hist hist;		/* latency of each persist, ns */
};

/*
 * An engine. open() maps @path (already created and written, @len bytes)
 * and fills @m; close() undoes it. A run calls either persist() (the
 * record was written with ordinary stores) or copy() (the engine writes
 * the prepared record itself) per record, timing the call; an engine with
 * run() drives its thread's whole loop instead (asynchronous engines).
 * All return 0 or a negative errno.
 */
struct bench_engine {
	const char *name;
	const char *help;
	int (*open)(struct bench_map *m, const char *path, size_t len);
	void (*close)(struct bench_map *m);
	int (*persist)(struct bench_map *m, void *addr, size_t len);
	int (*copy)(struct bench_map *m, void *dest, const void *src, size_t len);
	int (*run)(struct bench_worker *w);
};

extern const struct bench_engine engine_pmemflush;
extern const struct bench_engine engine_pmem2;
extern const struct bench_engine engine_pmem;
extern const struct bench_engine engine_msync;
#ifdef BENCH_HAVE_ASYNC
extern const struct bench_engine engine_pmemflush_async;
#endif
#ifdef BENCH_HAVE_MEMCPY
extern const struct bench_engine engine_pmemflush_memcpy;
#endif

/* engine-pmemflush.c: shared by the pmemflush-* engines. */
int bench_pmemflush_open(struct bench_map *m, const char *path, size_t len);
void bench_pmemflush_close(struct bench_map *m);

/* Helpers for engines (pmembench.c). */
unsigned long long bench_now_ns(void);
/* Write record number @n of worker @w into @dst (@len bytes). */
void bench_format_record(char *dst, size_t len, unsigned int id, unsigned long long n);
/* Count a failed persist of @w (the first error is kept). */
void bench_count_error(struct bench_worker *w, int err);

#endif
