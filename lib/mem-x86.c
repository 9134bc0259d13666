// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Non-temporal store kernels for the copy-and-persist calls (mem.c).
 *
 * Whole, aligned destination cache lines get NT stores: a line written in
 * full by NT stores leaves the write-combining buffer as one transaction,
 * never needs a read-for-ownership and never needs a write-back
 * instruction. The unaligned head and tail (under a line each) get NT
 * stores of 16, 8 and 4 bytes when both of their ends are 4-byte aligned:
 * an ordinary store there first reads the line from memory (the
 * destination is rarely cached), and the fence then waits for that read
 * and the write-back; with those two parts ordinary, a 500-byte copy at
 * a line + 8 took 1.5x libpmem2's time (AMD EPYC guest, bench/cpubench),
 * with NT parts 0.7-0.9x. A part with a byte no NT store can write alone
 * (an end not 4-byte aligned) takes ordinary stores plus the write-back of
 * its line, and in a disjoint copy the tail is then stored first, so that
 * its read overlaps the NT stream instead of following it.
 *
 * Two line kernels, chosen once by cpuid: AVX (two 32-byte streaming
 * stores per line) where the CPU and the OS (XCR0) support it, else SSE2
 * (four 16-byte ones; always present on x86-64). Not AVX-512: on several
 * Intel generations its stores lower the core's clock, and a copy to
 * memory is bound by the memory, not by the number of store
 * instructions. Not MOVNTI: eight 8-byte stores per line for nothing.
 *
 * One line per turn: a four-line turn (eight loads, then eight streaming
 * stores, as PMDK does) measured 1.3-1.5x slower from 64 KiB on (AMD EPYC
 * guest, bench/cpubench) and no faster below (presumably fewer lines are
 * then in flight in the write-combining buffers at once).
 *
 * Each line is loaded whole before any of it is stored, and the lines
 * are walked away from the overlap (forward when @dest is below @src,
 * backward otherwise), so overlapping moves are correct for any distance.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define LINE PF_CACHE_LINE

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

/* Whole lines: @n is a nonzero multiple of LINE, @d is LINE aligned. */
struct nt_kernel {
	const char *name;
	void (*fwd)(uint8_t *d, const uint8_t *s, size_t n);
	void (*bwd)(uint8_t *d_end, const uint8_t *s_end, size_t n);
	void (*set)(uint8_t *d, int c, size_t n);
};

/*
 * The line kernels load the next source line before storing the current
 * one. Stored first, a 2000-byte copy at a line + 8 or + 32 with the ring
 * of bench/cpubench (destination 8 or 32 bytes past the source modulo
 * 4 KiB on every other copy) took 1.2x libpmem2's time, 0.75x loaded
 * ahead: presumably the next line's load waited for the store before it,
 * which it matched by the low 12 address bits only (4 KiB aliasing). Loading
 * earlier never reads a byte a later store changes: overlap stays safe.
 */
__attribute__((target("sse2"))) static void fwd_sse2(uint8_t *d, const uint8_t *s, size_t n)
{
	__m128i a = _mm_loadu_si128((const __m128i *)s);
	__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
	__m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
	__m128i e = _mm_loadu_si128((const __m128i *)(s + 48));

	for (n -= LINE; n; n -= LINE, d += LINE) {
		__m128i a2, b2, c2, e2;

		s += LINE;
		a2 = _mm_loadu_si128((const __m128i *)s);
		b2 = _mm_loadu_si128((const __m128i *)(s + 16));
		c2 = _mm_loadu_si128((const __m128i *)(s + 32));
		e2 = _mm_loadu_si128((const __m128i *)(s + 48));
		_mm_stream_si128((__m128i *)d, a);
		_mm_stream_si128((__m128i *)(d + 16), b);
		_mm_stream_si128((__m128i *)(d + 32), c);
		_mm_stream_si128((__m128i *)(d + 48), e);
		a = a2;
		b = b2;
		c = c2;
		e = e2;
	}
	_mm_stream_si128((__m128i *)d, a);
	_mm_stream_si128((__m128i *)(d + 16), b);
	_mm_stream_si128((__m128i *)(d + 32), c);
	_mm_stream_si128((__m128i *)(d + 48), e);
}

/* @d and @s are the ends here; the lines are walked down. */
__attribute__((target("sse2"))) static void bwd_sse2(uint8_t *d, const uint8_t *s, size_t n)
{
	__m128i a, b, c, e;

	s -= LINE;
	a = _mm_loadu_si128((const __m128i *)s);
	b = _mm_loadu_si128((const __m128i *)(s + 16));
	c = _mm_loadu_si128((const __m128i *)(s + 32));
	e = _mm_loadu_si128((const __m128i *)(s + 48));
	for (n -= LINE; n; n -= LINE) {
		__m128i a2, b2, c2, e2;

		s -= LINE;
		d -= LINE;
		a2 = _mm_loadu_si128((const __m128i *)s);
		b2 = _mm_loadu_si128((const __m128i *)(s + 16));
		c2 = _mm_loadu_si128((const __m128i *)(s + 32));
		e2 = _mm_loadu_si128((const __m128i *)(s + 48));
		_mm_stream_si128((__m128i *)d, a);
		_mm_stream_si128((__m128i *)(d + 16), b);
		_mm_stream_si128((__m128i *)(d + 32), c);
		_mm_stream_si128((__m128i *)(d + 48), e);
		a = a2;
		b = b2;
		c = c2;
		e = e2;
	}
	d -= LINE;
	_mm_stream_si128((__m128i *)d, a);
	_mm_stream_si128((__m128i *)(d + 16), b);
	_mm_stream_si128((__m128i *)(d + 32), c);
	_mm_stream_si128((__m128i *)(d + 48), e);
}

__attribute__((target("sse2"))) static void set_sse2(uint8_t *d, int c, size_t n)
{
	__m128i v = _mm_set1_epi8((char)c);

	for (; n; n -= LINE, d += LINE) {
		_mm_stream_si128((__m128i *)d, v);
		_mm_stream_si128((__m128i *)(d + 16), v);
		_mm_stream_si128((__m128i *)(d + 32), v);
		_mm_stream_si128((__m128i *)(d + 48), v);
	}
}

__attribute__((target("avx"))) static void fwd_avx(uint8_t *d, const uint8_t *s, size_t n)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)s);
	__m256i b = _mm256_loadu_si256((const __m256i *)(s + 32));

	for (n -= LINE; n; n -= LINE, d += LINE) {
		__m256i a2, b2;

		s += LINE;
		a2 = _mm256_loadu_si256((const __m256i *)s);
		b2 = _mm256_loadu_si256((const __m256i *)(s + 32));
		_mm256_stream_si256((__m256i *)d, a);
		_mm256_stream_si256((__m256i *)(d + 32), b);
		a = a2;
		b = b2;
	}
	_mm256_stream_si256((__m256i *)d, a);
	_mm256_stream_si256((__m256i *)(d + 32), b);
}

__attribute__((target("avx"))) static void bwd_avx(uint8_t *d, const uint8_t *s, size_t n)
{
	__m256i a, b;

	s -= LINE;
	a = _mm256_loadu_si256((const __m256i *)s);
	b = _mm256_loadu_si256((const __m256i *)(s + 32));
	for (n -= LINE; n; n -= LINE) {
		__m256i a2, b2;

		s -= LINE;
		d -= LINE;
		a2 = _mm256_loadu_si256((const __m256i *)s);
		b2 = _mm256_loadu_si256((const __m256i *)(s + 32));
		_mm256_stream_si256((__m256i *)d, a);
		_mm256_stream_si256((__m256i *)(d + 32), b);
		a = a2;
		b = b2;
	}
	d -= LINE;
	_mm256_stream_si256((__m256i *)d, a);
	_mm256_stream_si256((__m256i *)(d + 32), b);
}

__attribute__((target("avx"))) static void set_avx(uint8_t *d, int c, size_t n)
{
	__m256i v = _mm256_set1_epi8((char)c);

	for (; n; n -= LINE, d += LINE) {
		_mm256_stream_si256((__m256i *)d, v);
		_mm256_stream_si256((__m256i *)(d + 32), v);
	}
}

static const struct nt_kernel kernel_sse2 = { "sse2", fwd_sse2, bwd_sse2, set_sse2 };
static const struct nt_kernel kernel_avx = { "avx", fwd_avx, bwd_avx, set_avx };

#define CPUID1_ECX_OSXSAVE (1U << 27)
#define CPUID1_ECX_AVX (1U << 28)
#define XCR0_SSE_AVX 0x6U	/* the OS saves XMM and YMM state */

static bool have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (getenv("PMEMFLUSH_NO_AVX"))
		return false;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & CPUID1_ECX_AVX) ||
	    !(c & CPUID1_ECX_OSXSAVE))
		return false;
	/* XGETBV without target("xsave"): OSXSAVE above says it exists. */
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	return (lo & XCR0_SSE_AVX) == XCR0_SSE_AVX;
}

static const struct nt_kernel *kernel(void)
{
	/* Benign race: every thread computes the same answer. */
	static const struct nt_kernel *cached;
	const struct nt_kernel *k = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (!k) {
		k = have_avx() ? &kernel_avx : &kernel_sse2;
		__atomic_store_n(&cached, k, __ATOMIC_RELAXED);
	}
	return k;
}

/*
 * A part under a line (the unaligned head or tail). If both of its ends
 * are 4-byte aligned, NT stores of 16, 8 and 4 bytes write it: no
 * read-for-ownership of a line that is usually not cached (an ordinary
 * store to it waits for memory, and the line then has to be written
 * back), and the fence drains it like the whole lines. Otherwise (a byte
 * at an end that no NT store can write alone) ordinary stores, then the
 * write-back of its line: one line is never written both ways, so no
 * write-back of old bytes can land after the NT ones.
 */
static inline bool nt_ok(const uint8_t *d, size_t n)
{
	return !(((uintptr_t)d | n) & 3);
}

/* NT stores of @n bytes of @v (4-byte aligned @d and @n, within a line). */
__attribute__((target("sse2"))) static void nt_pieces(uint8_t *d, const uint8_t *v, size_t n)
{
	const uint8_t *end = d + n;

	while (d < end) {
		size_t left = (size_t)(end - d);
		long long q;
		int w;

		if (!((uintptr_t)d & 15) && left >= 16) {
			_mm_stream_si128((__m128i *)d, _mm_loadu_si128((const __m128i *)v));
			d += 16;
			v += 16;
		} else if (!((uintptr_t)d & 7) && left >= 8) {
			memcpy(&q, v, 8);
			_mm_stream_si64((long long *)d, q);
			d += 8;
			v += 8;
		} else {
			memcpy(&w, v, 4);
			_mm_stream_si32((int *)d, w);
			d += 4;
			v += 4;
		}
	}
}

/* The source is read whole before anything is stored: any overlap is fine. */
static void part_nt(uint8_t *d, const uint8_t *s, size_t n)
{
	uint8_t buf[LINE];

	memcpy(buf, s, n);
	nt_pieces(d, buf, n);
}

static void part_ordinary(uint8_t *d, const uint8_t *s, size_t n, pf_flush_fn wb)
{
	memmove(d, s, n);
	if (wb)
		wb(d, n);
}

static inline void part(uint8_t *d, const uint8_t *s, size_t n, pf_flush_fn wb)
{
	if (nt_ok(d, n))
		part_nt(d, s, n);
	else
		part_ordinary(d, s, n, wb);
}

void pf_mem_move_nt(void *dest, const void *src, size_t len, pf_flush_fn wb)
{
	const struct nt_kernel *k = kernel();
	uint8_t *d = dest;
	const uint8_t *s = src;
	size_t edge, lines, tail;

	if ((uintptr_t)d - (uintptr_t)s >= len) {
		/* No overlap, or @dest below @src: forward. */
		edge = -(uintptr_t)d & (LINE - 1);
		if (edge > len)
			edge = len;
		lines = (len - edge) & ~(size_t)(LINE - 1);
		tail = len - edge - lines;
		/*
		 * Disjoint, and the tail takes ordinary stores: store it first,
		 * so that its read for ownership overlaps the NT stream instead
		 * of following it (the fence waits for the last of them).
		 */
		if (tail && !nt_ok(d + len - tail, tail) && (uintptr_t)s - (uintptr_t)d >= len) {
			part_ordinary(d + len - tail, s + len - tail, tail, wb);
			tail = 0;
		}
		if (edge) {
			part(d, s, edge, wb);
			d += edge;
			s += edge;
		}
		if (lines)
			k->fwd(d, s, lines);
		if (tail)
			part(d + lines, s + lines, tail, wb);
		return;
	}
	/* @dest above @src and overlapping: backward, from the top. */
	d += len;
	s += len;
	edge = (uintptr_t)d & (LINE - 1);
	if (edge > len)
		edge = len;
	if (edge) {
		d -= edge;
		s -= edge;
		len -= edge;
		part(d, s, edge, wb);
	}
	lines = len & ~(size_t)(LINE - 1);
	if (lines)
		k->bwd(d, s, lines);
	if (len -= lines)
		part(dest, src, len, wb);
}

/* The same parts for a fill. */
static void set_part(uint8_t *d, int c, size_t n, pf_flush_fn wb)
{
	uint8_t buf[LINE];

	if (nt_ok(d, n)) {
		memset(buf, c, n);
		nt_pieces(d, buf, n);
		return;
	}
	memset(d, c, n);
	if (wb)
		wb(d, n);
}

void pf_mem_set_nt(void *dest, int c, size_t len, pf_flush_fn wb)
{
	uint8_t *d = dest;
	size_t edge = -(uintptr_t)d & (LINE - 1), lines, tail;

	if (edge > len)
		edge = len;
	lines = (len - edge) & ~(size_t)(LINE - 1);
	tail = len - edge - lines;
	/* Ordinary-store parts first, as for a disjoint copy. */
	if (tail && !nt_ok(d + len - tail, tail)) {
		set_part(d + len - tail, c, tail, wb);
		tail = 0;
	}
	if (edge) {
		set_part(d, c, edge, wb);
		d += edge;
	}
	if (lines)
		kernel()->set(d, c, lines);
	if (tail)
		set_part(d + lines, c, tail, wb);
}

const char *pf_mem_kernel_name(void)
{
	return kernel()->name;
}
#else
/* No NT stores known here: ordinary stores and a write-back of the range. */
void pf_mem_move_nt(void *dest, const void *src, size_t len, pf_flush_fn wb)
{
	memmove(dest, src, len);
	if (wb)
		wb(dest, len);
}

void pf_mem_set_nt(void *dest, int c, size_t len, pf_flush_fn wb)
{
	memset(dest, c, len);
	if (wb)
		wb(dest, len);
}

const char *pf_mem_kernel_name(void)
{
	return "none";
}
#endif
