/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_LOG_PRIORITY_H
#define UTIL_LOG_PRIORITY_H

/*
 * Parse a log priority as users write it: "err", "info", "debug" (also
 * "error", "warning", "notice") or a syslog number 0-7. Returns the
 * priority, or -EINVAL for anything else.
 */
int util_parse_log_priority(const char *s);

#endif
