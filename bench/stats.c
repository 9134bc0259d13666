// SPDX-License-Identifier: LGPL-2.1-or-later
/* Bounded latency histogram for pmembench (see stats.h). */
#include <math.h>
#include <string.h>

#include "stats.h"

#define LAT_EXACT (2U << LAT_SUB_BITS)	/* values below this have a bucket each */

void lat_hist_init(struct lat_hist *h)
{
	memset(h, 0, sizeof(*h));
}

unsigned int lat_bucket_of(uint64_t ns)
{
	unsigned int msb, shift;

	if (ns < LAT_EXACT)
		return (unsigned int)ns;
	msb = 63 - (unsigned int)__builtin_clzll(ns);
	if (msb >= LAT_MAX_BITS)
		return LAT_BUCKETS - 1;
	shift = msb - LAT_SUB_BITS;
	return LAT_EXACT + (msb - LAT_SUB_BITS - 1) * (1U << LAT_SUB_BITS) +
	       (unsigned int)((ns >> shift) - (1U << LAT_SUB_BITS));
}

void lat_bucket_range(unsigned int b, uint64_t *lo, uint64_t *hi)
{
	unsigned int k, msb, shift;

	if (b < LAT_EXACT) {
		*lo = *hi = b;
		return;
	}
	k = b - LAT_EXACT;
	msb = LAT_SUB_BITS + 1 + k / (1U << LAT_SUB_BITS);
	shift = msb - LAT_SUB_BITS;
	*lo = ((uint64_t)(1U << LAT_SUB_BITS) + k % (1U << LAT_SUB_BITS)) << shift;
	*hi = *lo + (1ULL << shift) - 1;
}

void lat_hist_add(struct lat_hist *h, uint64_t ns)
{
	h->bucket[lat_bucket_of(ns)]++;
	h->count++;
	if (ns > h->max)
		h->max = ns;
}

void lat_hist_merge(struct lat_hist *dst, const struct lat_hist *src)
{
	unsigned int i;

	for (i = 0; i < LAT_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t lat_hist_percentile(const struct lat_hist *h, double pct)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	unsigned int i;

	if (!h->count || pct <= 0)
		return 0;
	if (pct > 100)
		pct = 100;
	/* The smallest sample with at least pct % of the samples at or below it. */
	rank = (uint64_t)ceil(pct / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < LAT_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	lat_bucket_range(i < LAT_BUCKETS ? i : LAT_BUCKETS - 1, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	return mid < h->max ? mid : h->max;
}
