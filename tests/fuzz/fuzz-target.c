// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vpmemctl flush's target names: the spelling (pf_target_parse,
 * pmemflush_target_classify) and the resolution (pmemflush_target_resolve).
 * A name the spelling calls a region, namespace or bus must be exactly the
 * canonical spelling of the numbers it yields. Resolution only reads
 * (sysfs, the mount table, a stat and an open for reading); the target is
 * never flushed. Names that spell a path are resolved only as one
 * component under a private temporary directory (no '/', not "." or ".."),
 * so nothing outside it is opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include <pmemflush.h>

#include "fuzz.h"
#include "target.h"

static struct pmemflush_ctx *ctx;
static char dir[160];

static void quiet(void *data, int priority, const char *file, int line, const char *fn,
		  const char *format, va_list args)
{
}

static void cleanup(void)
{
	char path[sizeof(dir) + 16];

	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[sizeof(dir) + 16];
	int fd;

	fuzz_mkdtemp(dir, sizeof(dir), "FUZZ_TMPDIR", "/tmp", "vpmem-fuzz-target");
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "data", 4) != 4)
		abort();
	close(fd);
	atexit(cleanup);
	if (pmemflush_new(&ctx) < 0)
		abort();
	pmemflush_set_log_fn(ctx, quiet, NULL);
	return 0;
}

static void spelling(const char *name, enum pmemflush_target_kind kind, unsigned int a,
		     unsigned int b)
{
	char canon[64];

	switch (kind) {
	case PMEMFLUSH_TARGET_REGION:
		snprintf(canon, sizeof(canon), "%u", a);
		if (strcmp(name, canon))
			snprintf(canon, sizeof(canon), "region%u", a);
		break;
	case PMEMFLUSH_TARGET_BUS:
		snprintf(canon, sizeof(canon), "ndbus%u", a);
		break;
	case PMEMFLUSH_TARGET_NAMESPACE:
		snprintf(canon, sizeof(canon), "namespace%u.%u", a, b);
		break;
	default:
		return;
	}
	FUZZ_ASSERT(strcmp(name, canon) == 0);
}

static void resolve(const char *name, enum pmemflush_target_kind kind)
{
	struct pmemflush_target *t = NULL;
	char path[sizeof(dir) + 256];
	int rc;

	if (kind == PMEMFLUSH_TARGET_PATH) {
		if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
		    strlen(name) > 200)
			return;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		name = path;
	}
	rc = pmemflush_target_resolve(ctx, name, 0, &t);
	FUZZ_ASSERT((rc == 0) == (t != NULL));
	if (t) {
		FUZZ_ASSERT(strcmp(pmemflush_target_get_name(t), name) == 0);
		FUZZ_ASSERT(pmemflush_target_get_kind(t) == kind);
		FUZZ_ASSERT(pmemflush_flush_how_name(pmemflush_target_get_how(t)));
		/* No path to the host says why. */
		if (pmemflush_target_get_how(t) == PMEMFLUSH_HOW_NONE)
			FUZZ_ASSERT(pmemflush_target_get_reason(t));
	}
	pmemflush_target_unref(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int a = 12345, b = 67890;
	enum pmemflush_target_kind kind;
	char *name;

	if (size > 4096)
		return -1;
	name = fuzz_str(data, size);
	kind = pf_target_parse(name, &a, &b);
	FUZZ_ASSERT(kind == pmemflush_target_classify(name));
	FUZZ_ASSERT(pmemflush_target_kind_name(kind));
	spelling(name, kind, a, b);
	resolve(name, kind);
	free(name);
	return 0;
}
