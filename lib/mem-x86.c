// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Non-temporal store kernels for the copy-and-persist calls (mem.c).
 *
 * Only whole, aligned destination cache lines get NT stores: a line
 * written in full by NT stores leaves the write-combining buffer as one
 * transaction, never needs a read-for-ownership and never needs a
 * write-back instruction. The unaligned head and tail (under a line each)
 * take ordinary stores plus one write-back per line, so nothing partial
 * sits in a WC buffer.
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define LINE PF_CACHE_LINE

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

/* Whole lines: @n is a multiple of LINE, @d is LINE aligned. */
struct nt_kernel {
	const char *name;
	void (*fwd)(uint8_t *d, const uint8_t *s, size_t n);
	void (*bwd)(uint8_t *d_end, const uint8_t *s_end, size_t n);
	void (*set)(uint8_t *d, int c, size_t n);
};

__attribute__((target("sse2"))) static void fwd_sse2(uint8_t *d, const uint8_t *s, size_t n)
{
	for (; n; n -= LINE, d += LINE, s += LINE) {
		__m128i a = _mm_loadu_si128((const __m128i *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
		__m128i e = _mm_loadu_si128((const __m128i *)(s + 48));

		_mm_stream_si128((__m128i *)d, a);
		_mm_stream_si128((__m128i *)(d + 16), b);
		_mm_stream_si128((__m128i *)(d + 32), c);
		_mm_stream_si128((__m128i *)(d + 48), e);
	}
}

__attribute__((target("sse2"))) static void bwd_sse2(uint8_t *d, const uint8_t *s, size_t n)
{
	for (; n; n -= LINE) {
		__m128i a, b, c, e;

		d -= LINE;
		s -= LINE;
		a = _mm_loadu_si128((const __m128i *)s);
		b = _mm_loadu_si128((const __m128i *)(s + 16));
		c = _mm_loadu_si128((const __m128i *)(s + 32));
		e = _mm_loadu_si128((const __m128i *)(s + 48));
		_mm_stream_si128((__m128i *)d, a);
		_mm_stream_si128((__m128i *)(d + 16), b);
		_mm_stream_si128((__m128i *)(d + 32), c);
		_mm_stream_si128((__m128i *)(d + 48), e);
	}
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
	for (; n; n -= LINE, d += LINE, s += LINE) {
		__m256i a = _mm256_loadu_si256((const __m256i *)s);
		__m256i b = _mm256_loadu_si256((const __m256i *)(s + 32));

		_mm256_stream_si256((__m256i *)d, a);
		_mm256_stream_si256((__m256i *)(d + 32), b);
	}
}

__attribute__((target("avx"))) static void bwd_avx(uint8_t *d, const uint8_t *s, size_t n)
{
	for (; n; n -= LINE) {
		__m256i a, b;

		d -= LINE;
		s -= LINE;
		a = _mm256_loadu_si256((const __m256i *)s);
		b = _mm256_loadu_si256((const __m256i *)(s + 32));
		_mm256_stream_si256((__m256i *)d, a);
		_mm256_stream_si256((__m256i *)(d + 32), b);
	}
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

/* A part under a line: ordinary stores, then its line(s) written back. */
static inline void part(uint8_t *d, const uint8_t *s, size_t n, pf_flush_fn wb)
{
	memmove(d, s, n);
	if (wb)
		wb(d, n);
}

void pf_mem_move_nt(void *dest, const void *src, size_t len, pf_flush_fn wb)
{
	const struct nt_kernel *k = kernel();
	uint8_t *d = dest;
	const uint8_t *s = src;
	size_t edge, lines;

	if ((uintptr_t)d - (uintptr_t)s >= len) {
		/* No overlap, or @dest below @src: forward. */
		edge = -(uintptr_t)d & (LINE - 1);
		if (edge > len)
			edge = len;
		if (edge) {
			part(d, s, edge, wb);
			d += edge;
			s += edge;
			len -= edge;
		}
		lines = len & ~(size_t)(LINE - 1);
		if (lines)
			k->fwd(d, s, lines);
		if (len -= lines)
			part(d + lines, s + lines, len, wb);
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

void pf_mem_set_nt(void *dest, int c, size_t len, pf_flush_fn wb)
{
	uint8_t *d = dest;
	size_t edge = -(uintptr_t)d & (LINE - 1), lines;

	if (edge > len)
		edge = len;
	if (edge) {
		memset(d, c, edge);
		if (wb)
			wb(d, edge);
		d += edge;
		len -= edge;
	}
	lines = len & ~(size_t)(LINE - 1);
	if (lines)
		kernel()->set(d, c, lines);
	if (len -= lines) {
		memset(d + lines, c, len);
		if (wb)
			wb(d + lines, len);
	}
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
