// SPDX-License-Identifier: LGPL-2.1-or-later
/* Context lifetime, logging and PMEMFLUSH_LOG handling. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <pmemflush.h>

#include "config.h"
#include "test.h"

struct captured {
	int calls;
	int last_priority;
	char last[256];
};

static void capture(void *data, int priority, const char *file, int line,
		    const char *fn, const char *format, va_list args)
{
	struct captured *c = data;

	c->calls++;
	c->last_priority = priority;
	vsnprintf(c->last, sizeof(c->last), format, args);
}

static void test_lifetime(void)
{
	struct pmemflush_ctx *ctx;

	T_EXPECT(pmemflush_new(NULL) == -EINVAL);
	T_EXPECT(pmemflush_new(&ctx) == 0);
	T_EXPECT(ctx != NULL);
	T_EXPECT(pmemflush_ref(ctx) == ctx);
	T_EXPECT(pmemflush_unref(ctx) == ctx); /* one reference left */
	T_EXPECT(pmemflush_unref(ctx) == NULL);
	T_EXPECT(pmemflush_ref(NULL) == NULL);
	T_EXPECT(pmemflush_unref(NULL) == NULL);
}

static void test_userdata_and_version(void)
{
	struct pmemflush_ctx *ctx;
	int x;

	T_EXPECT(pmemflush_new(&ctx) == 0);
	T_EXPECT(pmemflush_get_userdata(ctx) == NULL);
	pmemflush_set_userdata(ctx, &x);
	T_EXPECT(pmemflush_get_userdata(ctx) == &x);
	T_EXPECT(strcmp(pmemflush_version(), PACKAGE_VERSION) == 0);
	pmemflush_unref(ctx);
}

static void test_env_priority(const char *value, int want)
{
	struct pmemflush_ctx *ctx;

	if (value)
		setenv("PMEMFLUSH_LOG", value, 1);
	else
		unsetenv("PMEMFLUSH_LOG");
	T_EXPECT(pmemflush_new(&ctx) == 0);
	T_EXPECTF(pmemflush_get_log_priority(ctx) == want, "PMEMFLUSH_LOG=%s: got %d want %d",
		  value ? value : "(unset)", pmemflush_get_log_priority(ctx), want);
	pmemflush_unref(ctx);
}

static void test_log_fn(void)
{
	struct pmemflush_ctx *ctx;
	struct captured cap = { 0 };

	/* info messages at creation and release reach the callback. */
	setenv("PMEMFLUSH_LOG", "info", 1);
	T_EXPECT(pmemflush_new(&ctx) == 0);
	pmemflush_set_log_fn(ctx, capture, &cap);
	pmemflush_ref(ctx);
	pmemflush_unref(ctx);
	T_EXPECT(cap.calls == 0); /* nothing logged while refs remain */
	pmemflush_unref(ctx);
	T_EXPECTF(cap.calls == 1, "calls=%d", cap.calls);
	T_EXPECT(cap.last_priority == LOG_INFO);
	T_EXPECT(strstr(cap.last, "released") != NULL);

	/* At err priority, info messages are filtered out. */
	cap.calls = 0;
	setenv("PMEMFLUSH_LOG", "err", 1);
	T_EXPECT(pmemflush_new(&ctx) == 0);
	pmemflush_set_log_fn(ctx, capture, &cap);
	pmemflush_unref(ctx);
	T_EXPECT(cap.calls == 0);
	unsetenv("PMEMFLUSH_LOG");
}

int main(void)
{
	test_lifetime();
	test_userdata_and_version();
	test_env_priority(NULL, LOG_ERR);
	test_env_priority("debug", LOG_DEBUG);
	test_env_priority("info", LOG_INFO);
	test_env_priority("err", LOG_ERR);
	test_env_priority("7", 7);
	test_env_priority("bogus", LOG_ERR); /* rejected with a message */
	test_env_priority("8", LOG_ERR);
	test_log_fn();
	return t_report("test-ctx");
}
