// SPDX-License-Identifier: LGPL-2.1-or-later
/* Library context: reference counting, logging, error messages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libudev.h>

#include "config.h"
#include "cpu.h"
#include "log-priority.h"
#include "private.h"

__attribute__((format(printf, 6, 0)))
static void log_stderr(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	fprintf(stderr, "libpmemflush: %s: ", fn);
	vfprintf(stderr, format, args);
}

void pmemflush_log(struct pmemflush_ctx *ctx, int priority, const char *file,
		   int line, const char *fn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
	va_end(args);
}

PMEMFLUSH_EXPORT int pmemflush_new(struct pmemflush_ctx **ctx)
{
	struct pmemflush_ctx *c;
	const char *env;

	if (!ctx)
		return -EINVAL;
	*ctx = NULL;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;

	c->refcount = 1;
	c->log_fn = log_stderr;
	c->log_priority = LOG_ERR;

	env = secure_getenv("PMEMFLUSH_LOG");
	if (env) {
		int prio = util_parse_log_priority(env);

		if (prio >= 0)
			c->log_priority = prio;
		else
			err(c, "ignoring PMEMFLUSH_LOG='%s': expected err, info, debug or 0-7\n",
			    env);
	}

	pf_config_load(c);
	c->hypervisor = pf_cpu_hypervisor();

	info(c, "libpmemflush %s: ctx %p created\n", PACKAGE_VERSION, (void *)c);
	*ctx = c;
	return 0;
}

PMEMFLUSH_EXPORT struct pmemflush_ctx *pmemflush_ref(struct pmemflush_ctx *ctx)
{
	if (!ctx)
		return NULL;
	ctx->refcount++;
	return ctx;
}

PMEMFLUSH_EXPORT struct pmemflush_ctx *
pmemflush_unref(struct pmemflush_ctx *ctx)
{
	if (!ctx)
		return NULL;
	if (--ctx->refcount > 0)
		return ctx;
	info(ctx, "ctx %p released\n", (void *)ctx);
	pf_regions_free(ctx->regions);
	if (ctx->udev)
		udev_unref(ctx->udev);
	free(ctx);
	return NULL;
}

PMEMFLUSH_EXPORT void pmemflush_set_log_fn(struct pmemflush_ctx *ctx,
					   pmemflush_log_fn log_fn, void *data)
{
	if (!ctx)
		return;
	ctx->log_fn = log_fn ? log_fn : log_stderr;
	ctx->log_data = log_fn ? data : NULL;
}

PMEMFLUSH_EXPORT int pmemflush_get_log_priority(struct pmemflush_ctx *ctx)
{
	return ctx ? ctx->log_priority : -EINVAL;
}

PMEMFLUSH_EXPORT void pmemflush_set_log_priority(struct pmemflush_ctx *ctx,
						 int priority)
{
	if (ctx)
		ctx->log_priority = priority;
}

PMEMFLUSH_EXPORT void pmemflush_set_userdata(struct pmemflush_ctx *ctx,
					     void *userdata)
{
	if (ctx)
		ctx->userdata = userdata;
}

PMEMFLUSH_EXPORT void *pmemflush_get_userdata(struct pmemflush_ctx *ctx)
{
	return ctx ? ctx->userdata : NULL;
}

PMEMFLUSH_EXPORT const char *pmemflush_version(void)
{
	return PACKAGE_VERSION;
}

static __thread char errormsg[512];

void pf_error_set(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(errormsg, sizeof(errormsg), format, args);
	va_end(args);
}

void pf_error_clear(void)
{
	errormsg[0] = '\0';
}

PMEMFLUSH_EXPORT const char *pmemflush_errormsg(void)
{
	return errormsg;
}
