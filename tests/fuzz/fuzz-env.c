// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PMEMFLUSH_* environment variables that carry a value:
 * PMEMFLUSH_LOG (a level), PMEMFLUSH_FORCE_METHOD (a method name) and
 * PMEMFLUSH_CONFIG (a file, whose text is the third field). The input is
 * LOG \0 METHOD \0 CONFIG-TEXT; the context is made as a program's would
 * be (pmemflush_new reads PMEMFLUSH_LOG and the configuration). The other
 * variables (PMEMFLUSH_NO_AVX, _NO_CLWB, _NO_CLFLUSHOPT) are tested for
 * presence only: nothing to parse.
 */
#include <errno.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include <pmemflush.h>

#include "fuzz.h"
#include "log-priority.h"
#include "private.h"

static int memfd = -1;

/* The next NUL-terminated field of [*p, end), or the rest. */
static char *field(char **p, char *end)
{
	char *s = *p;
	size_t n = strnlen(s, (size_t)(end - s));

	*p = s + n < end ? s + n + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *buf, *p, *end, *log, *method, *config;
	struct pmemflush_ctx *ctx = NULL;
	int prio, m;

	if (size > 65536)
		return -1;
	if (memfd < 0) {
		memfd = memfd_create("fuzz-env-config", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
	}
	buf = fuzz_str(data, size);
	p = buf;
	end = buf + size;
	log = field(&p, end);
	method = field(&p, end);
	config = field(&p, end);

	prio = util_parse_log_priority(log);
	FUZZ_ASSERT(prio == -EINVAL || (prio >= LOG_EMERG && prio <= LOG_DEBUG));
	m = pf_method_from_name(method);
	FUZZ_ASSERT(m == -EINVAL || strcmp(pmemflush_method_name(m), method) == 0);

	if (ftruncate(memfd, 0) < 0 ||
	    pwrite(memfd, config, strlen(config), 0) != (ssize_t)strlen(config))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	setenv("PMEMFLUSH_LOG", log, 1);
	setenv("PMEMFLUSH_FORCE_METHOD", method, 1);
	setenv("PMEMFLUSH_CONFIG", path, 1);
	FUZZ_ASSERT(pmemflush_new(&ctx) == 0);
	/* A level that does not parse leaves the default (err). */
	FUZZ_ASSERT(pmemflush_get_log_priority(ctx) == (prio >= 0 ? prio : LOG_ERR));
	pmemflush_unref(ctx);
	unsetenv("PMEMFLUSH_LOG");
	unsetenv("PMEMFLUSH_FORCE_METHOD");
	unsetenv("PMEMFLUSH_CONFIG");
	free(buf);
	return 0;
}
