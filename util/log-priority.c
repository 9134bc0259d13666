// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log-priority.h"

int util_parse_log_priority(const char *s)
{
	static const struct {
		const char *name;
		int prio;
	} names[] = {
		{ "emerg", LOG_EMERG },	   { "alert", LOG_ALERT },
		{ "crit", LOG_CRIT },	   { "err", LOG_ERR },
		{ "error", LOG_ERR },	   { "warning", LOG_WARNING },
		{ "warn", LOG_WARNING },   { "notice", LOG_NOTICE },
		{ "info", LOG_INFO },	   { "debug", LOG_DEBUG },
	};
	char *end;
	long v;
	size_t i;

	if (!s || !*s)
		return -EINVAL;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].prio;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < LOG_EMERG || v > LOG_DEBUG)
		return -EINVAL;
	return (int)v;
}
