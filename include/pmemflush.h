/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpmemflush - honest persistence for pmem, including buffered
 * (virtio-pmem) regions.
 *
 * Conventions for the whole API:
 *  - Calls that can fail return 0 (or a non-negative value) on success and a
 *    negative errno on failure. No call aborts the process.
 *  - Objects are reference counted: _ref() takes a reference and returns the
 *    object, _unref() drops one and returns NULL when the object was freed.
 *  - A struct pmemflush_ctx may be used by one thread at a time. Use one
 *    context per thread, or serialise access to a shared one.
 */
#ifndef PMEMFLUSH_H
#define PMEMFLUSH_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct pmemflush_ctx - library context (opaque).
 *
 * Holds the log configuration and, lazily, the handles of the system
 * libraries used for discovery.
 */
struct pmemflush_ctx;

/**
 * pmemflush_new() - create a library context.
 * @ctx: where to store the new context; set to NULL on failure.
 *
 * The log priority starts at LOG_ERR, or at the value of the environment
 * variable PMEMFLUSH_LOG: "err", "info", "debug" or a syslog priority
 * number (0-7). Messages go to stderr until pmemflush_set_log_fn() is
 * called.
 *
 * Returns 0 or a negative errno (-ENOMEM, -EINVAL for a NULL @ctx).
 */
int pmemflush_new(struct pmemflush_ctx **ctx);

/**
 * pmemflush_ref() - take a reference on @ctx.
 *
 * Returns @ctx, or NULL if @ctx is NULL.
 */
struct pmemflush_ctx *pmemflush_ref(struct pmemflush_ctx *ctx);

/**
 * pmemflush_unref() - drop a reference on @ctx, freeing it on the last one.
 *
 * Returns NULL when the context was freed (or @ctx was NULL), @ctx
 * otherwise.
 */
struct pmemflush_ctx *pmemflush_unref(struct pmemflush_ctx *ctx);

/**
 * typedef pmemflush_log_fn - log callback.
 * @data: the pointer given to pmemflush_set_log_fn()
 * @priority: syslog priority (LOG_ERR, LOG_INFO, LOG_DEBUG, ...)
 * @file, @line, @fn: where in the library the message was emitted
 * @format, @args: printf-style message, ending in a newline
 */
typedef void (*pmemflush_log_fn)(void *data, int priority, const char *file,
				 int line, const char *fn, const char *format,
				 va_list args);

/**
 * pmemflush_set_log_fn() - route the context's messages to @log_fn.
 * @ctx: context
 * @log_fn: callback, or NULL to restore the default (stderr)
 * @data: passed unchanged to every call of @log_fn
 */
void pmemflush_set_log_fn(struct pmemflush_ctx *ctx, pmemflush_log_fn log_fn,
			  void *data);

/**
 * pmemflush_get_log_priority() - current log priority of @ctx.
 */
int pmemflush_get_log_priority(struct pmemflush_ctx *ctx);

/**
 * pmemflush_set_log_priority() - only messages with a priority <= @priority
 * are emitted (syslog order: LOG_ERR = 3 < LOG_INFO = 6 < LOG_DEBUG = 7).
 */
void pmemflush_set_log_priority(struct pmemflush_ctx *ctx, int priority);

/**
 * pmemflush_set_userdata() - attach an application pointer to @ctx.
 */
void pmemflush_set_userdata(struct pmemflush_ctx *ctx, void *userdata);

/**
 * pmemflush_get_userdata() - the pointer given to pmemflush_set_userdata().
 */
void *pmemflush_get_userdata(struct pmemflush_ctx *ctx);

/**
 * pmemflush_version() - the library's version string, e.g. "0.1.0".
 */
const char *pmemflush_version(void);

#ifdef __cplusplus
}
#endif

#endif /* PMEMFLUSH_H */
