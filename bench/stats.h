/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Latency histogram of bounded size: exact below 64 ns, then 32 buckets
 * per power of two (about 3 % resolution) up to 2^40 ns (18 minutes);
 * larger values go to the last bucket. Percentiles come from the buckets,
 * so no sample is kept and memory does not grow with the run.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdint.h>

#define LAT_SUB_BITS 5
#define LAT_MAX_BITS 40
#define LAT_BUCKETS ((2U << LAT_SUB_BITS) + (LAT_MAX_BITS - LAT_SUB_BITS - 1) * (1U << LAT_SUB_BITS))

struct lat_hist {
	uint64_t count;
	uint64_t max;
	uint64_t bucket[LAT_BUCKETS];
};

void lat_hist_init(struct lat_hist *h);
void lat_hist_add(struct lat_hist *h, uint64_t ns);
/* Add every sample of @src to @dst. */
void lat_hist_merge(struct lat_hist *dst, const struct lat_hist *src);
/*
 * The @pct-th percentile (0 < pct <= 100) in ns: the middle of the bucket
 * holding it (never above the largest sample); 0 for an empty histogram.
 */
uint64_t lat_hist_percentile(const struct lat_hist *h, double pct);

/* Exposed for the unit test: bucket index of @ns and the bucket's range. */
unsigned int lat_bucket_of(uint64_t ns);
void lat_bucket_range(unsigned int b, uint64_t *lo, uint64_t *hi);

#endif
