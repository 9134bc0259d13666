// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit test of pmembench's latency histogram (stats.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

static int failed;

#define CHECK(cond, ...)                                   \
	do {                                               \
		if (!(cond)) {                             \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);      \
			fputc('\n', stderr);               \
			failed = 1;                        \
		}                                          \
	} while (0)

/* Within 1/32 of @want (the histogram's resolution), or exact below 64. */
static int close_to(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	return want < 64 ? d == 0 : d * 32 <= want;
}

int main(void)
{
	static struct lat_hist h, h2;
	uint64_t v, lo, hi, prev_hi = 0;
	unsigned int b, prev = 0;

	/* Every value lies in its bucket; buckets are ordered and contiguous. */
	for (v = 0; v < (1ULL << 41); v = v < 4096 ? v + 1 : v + v / 7 + 1) {
		b = lat_bucket_of(v);
		CHECK(b < LAT_BUCKETS, "bucket %u of %" PRIu64 " out of range", b, v);
		CHECK(b >= prev, "bucket of %" PRIu64 " went backwards", v);
		prev = b;
		if (v >= (1ULL << LAT_MAX_BITS))
			continue;
		lat_bucket_range(b, &lo, &hi);
		CHECK(lo <= v && v <= hi, "%" PRIu64 " not in bucket %u [%" PRIu64 ", %" PRIu64 "]",
		      v, b, lo, hi);
	}
	for (b = 0; b < LAT_BUCKETS; b++) {
		lat_bucket_range(b, &lo, &hi);
		CHECK(b == 0 || lo == prev_hi + 1, "bucket %u starts at %" PRIu64 ", not %" PRIu64,
		      b, lo, prev_hi + 1);
		CHECK(lat_bucket_of(lo) == b && lat_bucket_of(hi) == b, "bucket %u bounds", b);
		prev_hi = hi;
	}
	CHECK(prev_hi == (1ULL << LAT_MAX_BITS) - 1, "last bucket ends at %" PRIu64, prev_hi);

	/* Empty: 0. */
	lat_hist_init(&h);
	CHECK(lat_hist_percentile(&h, 50) == 0, "empty p50");

	/* 1..100000 ns uniformly: p50 ~ 50000, p99 ~ 99000. */
	for (v = 1; v <= 100000; v++)
		lat_hist_add(&h, v);
	CHECK(h.count == 100000 && h.max == 100000, "count/max");
	CHECK(close_to(lat_hist_percentile(&h, 50), 50000), "p50 %" PRIu64,
	      lat_hist_percentile(&h, 50));
	CHECK(close_to(lat_hist_percentile(&h, 99), 99000), "p99 %" PRIu64,
	      lat_hist_percentile(&h, 99));
	CHECK(lat_hist_percentile(&h, 100) <= 100000, "p100 above the max");

	/* Small exact values: 98 samples of 10 ns, 2 of 40 ns -> p50 10, p99 40. */
	lat_hist_init(&h2);
	for (v = 0; v < 98; v++)
		lat_hist_add(&h2, 10);
	lat_hist_add(&h2, 40);
	lat_hist_add(&h2, 40);
	CHECK(lat_hist_percentile(&h2, 50) == 10, "exact p50 %" PRIu64, lat_hist_percentile(&h2, 50));
	CHECK(lat_hist_percentile(&h2, 98) == 10, "exact p98");
	CHECK(lat_hist_percentile(&h2, 99) == 40, "exact p99 %" PRIu64, lat_hist_percentile(&h2, 99));

	/* A huge outlier lands in the last bucket; the percentile never exceeds the max. */
	lat_hist_add(&h2, 1ULL << 50);
	CHECK(h2.bucket[LAT_BUCKETS - 1] == 1, "outlier bucket");
	CHECK(lat_hist_percentile(&h2, 100) <= (1ULL << 50), "outlier percentile");

	/* Merge: counts add, the max is the larger one. */
	lat_hist_merge(&h, &h2);
	CHECK(h.count == 100101 && h.max == (1ULL << 50), "merge");
	CHECK(close_to(lat_hist_percentile(&h, 50), 49950), "merged p50 %" PRIu64,
	      lat_hist_percentile(&h, 50));

	if (!failed)
		printf("test-bench-stats: ok\n");
	return failed;
}
