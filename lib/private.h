/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal declarations of libpmemflush; nothing here is ABI. */
#ifndef PMEMFLUSH_PRIVATE_H
#define PMEMFLUSH_PRIVATE_H

#include <stdarg.h>
#include <syslog.h>

#include <pmemflush.h>

#define PMEMFLUSH_EXPORT __attribute__((visibility("default")))

struct pmemflush_ctx {
	int refcount;
	int log_priority;
	pmemflush_log_fn log_fn;
	void *log_data;
	void *userdata;
};

void pmemflush_log(struct pmemflush_ctx *ctx, int priority, const char *file,
		   int line, const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * The level check happens before the arguments are evaluated, so disabled
 * debug messages cost one comparison.
 */
#define pf_log_cond(ctx, prio, ...)                                        \
	do {                                                               \
		if (pmemflush_get_log_priority(ctx) >= (prio))             \
			pmemflush_log(ctx, prio, __FILE__, __LINE__,       \
				      __func__, __VA_ARGS__);              \
	} while (0)

#define dbg(ctx, ...) pf_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...) pf_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define warn(ctx, ...) pf_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define err(ctx, ...) pf_log_cond(ctx, LOG_ERR, __VA_ARGS__)

#endif
