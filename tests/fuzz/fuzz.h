/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the libFuzzer targets (tests/fuzz/README.md). */
#ifndef VPMEM_FUZZ_H
#define VPMEM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * scripts/fuzz runs the targets with -close_fd_mask=3: libFuzzer closes
 * stderr before the first input, so a message written there is lost. A
 * copy of stderr is taken before main() (constructors run before
 * libFuzzer's driver) for the property messages.
 */
static int fuzz_err_fd = 2;

__attribute__((constructor)) static void fuzz_keep_stderr(void)
{
	int fd = dup(2);

	if (fd >= 0)
		fuzz_err_fd = fd;
}

/* A property a parser broke: a crash libFuzzer records, with the input. */
#define FUZZ_ASSERT(cond)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			dprintf(fuzz_err_fd, "%s:%d: property failed: %s\n",      \
				__FILE__, __LINE__, #cond);                        \
			abort();                                                   \
		}                                                                  \
	} while (0)

/*
 * A new private directory for a target's scratch files, in $@env
 * (scripts/fuzz sets FUZZ_SHMDIR, a tmpfs directory, and FUZZ_TMPDIR, one
 * in /tmp, and removes both when it exits: a crash or a timeout ends a
 * target with _Exit, before its own atexit cleanup), else in @dflt.
 */
static inline void fuzz_mkdtemp(char *buf, size_t len, const char *env, const char *dflt,
				const char *name)
{
	const char *d = getenv(env);
	int n = snprintf(buf, len, "%s/%s-XXXXXX", d && *d ? d : dflt, name);

	if (n < 0 || (size_t)n >= len || !mkdtemp(buf))
		abort();
}

/* The input as a C string (it ends at the first NUL, as a read string does). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
