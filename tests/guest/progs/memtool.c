// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memtool: pmemflush_memcpy and the PMEMFLUSH_MAP_REQUIRE_* map flags in
 * the guest (cases/persist-memcpy.sh).
 *
 *   memtool require PATH cache-line|byte
 *       map PATH (created, 1 MiB) with that requirement: prints
 *       "rc=<errno name or 0> msg=<pmemflush_errormsg()>", exits 0 when
 *       mapped, else the errno
 *   memtool copy PATH N
 *       map PATH (created, 1 MiB); between marks m0-a and m0-b one 4 KiB
 *       memcpy (no flag); between m1-a and m1-b N 64-byte NODRAIN copies;
 *       between m2-a and m2-b one pmemflush_drain(). Prints the method.
 *   memtool verify PATH N
 *       the bytes "copy" wrote are there (read(2), no map): exit 0, else 1
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <pmemflush.h>

#define LEN (1U << 20)
#define BIG 4096
#define REC 64

static struct pmemflush_ctx *ctx;

/* '@@VT mark m<i>-<side>', drained before the caller goes on. */
static void mark(int i, char side)
{
	printf("@@VT mark m%d-%c\n", i, side);
	fflush(stdout);
	if (isatty(STDOUT_FILENO))
		tcdrain(STDOUT_FILENO);
}

/* What "copy" writes: the 4 KiB block at 0, record r at BIG + r * REC. */
static void expected(uint8_t *buf, size_t n_rec)
{
	size_t i;

	for (i = 0; i < BIG + n_rec * REC; i++)
		buf[i] = (uint8_t)(i * 13 + 5 + i / 4096);
}

static int require(const char *path, const char *what)
{
	struct pmemflush_map *m = NULL;
	unsigned int flag = strcmp(what, "byte") ? PMEMFLUSH_MAP_REQUIRE_CACHE_LINE
						 : PMEMFLUSH_MAP_REQUIRE_BYTE;
	int rc = pmemflush_map_file(ctx, path, LEN, PMEMFLUSH_MAP_CREATE | flag, &m);

	printf("rc=%s msg=%s\n", rc ? strerror(-rc) : "0", rc ? pmemflush_errormsg() : "");
	pmemflush_unmap(m);
	return -rc;
}

static int copy(const char *path, size_t n)
{
	struct pmemflush_map *m = NULL;
	uint8_t *want, *p;
	size_t r;
	int rc;

	if (BIG + n * REC > LEN)
		return EINVAL;
	rc = pmemflush_map_file(ctx, path, LEN, PMEMFLUSH_MAP_CREATE, &m);
	if (rc < 0) {
		fprintf(stderr, "memtool: %s\n", pmemflush_errormsg());
		return -rc;
	}
	want = malloc(LEN);
	if (!want)
		return ENOMEM;
	expected(want, n);
	p = pmemflush_map_get_addr(m);
	printf("method=%s\n", pmemflush_method_name(pmemflush_map_get_method(m)));

	mark(0, 'a');
	rc = pmemflush_memcpy(m, p, want, BIG, 0);
	mark(0, 'b');
	if (rc < 0)
		goto out;
	mark(1, 'a');
	for (r = 0; r < n && rc == 0; r++)
		rc = pmemflush_memcpy(m, p + BIG + r * REC, want + BIG + r * REC, REC,
				      PMEMFLUSH_MEM_NODRAIN);
	mark(1, 'b');
	if (rc < 0)
		goto out;
	mark(2, 'a');
	rc = pmemflush_drain(m);
	mark(2, 'b');
out:
	if (rc < 0)
		fprintf(stderr, "memtool: %s\n", pmemflush_errormsg());
	free(want);
	pmemflush_unmap(m);
	return -rc;
}

static int verify(const char *path, size_t n)
{
	size_t len = BIG + n * REC;
	uint8_t *want = malloc(len), *got = malloc(len);
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (!want || !got || fd < 0 || pread(fd, got, len, 0) != (ssize_t)len) {
		fprintf(stderr, "memtool: %s: cannot read %zu bytes\n", path, len);
		return 1;
	}
	expected(want, n);
	ok = memcmp(want, got, len) == 0;
	printf("verify=%s\n", ok ? "ok" : "differs");
	close(fd);
	free(want);
	free(got);
	return !ok;
}

int main(int argc, char **argv)
{
	if (argc != 4 || pmemflush_new(&ctx) < 0) {
		fprintf(stderr, "usage: see memtool.c\n");
		return 2;
	}
	if (!strcmp(argv[1], "require"))
		return require(argv[2], argv[3]);
	if (!strcmp(argv[1], "copy"))
		return copy(argv[2], strtoul(argv[3], NULL, 0));
	if (!strcmp(argv[1], "verify"))
		return verify(argv[2], strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: see memtool.c\n");
	return 2;
}
