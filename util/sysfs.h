/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_SYSFS_H
#define UTIL_SYSFS_H

#include <stddef.h>

/*
 * Read a small sysfs attribute into @buf (NUL-terminated, trailing newline
 * removed). Returns the length or a negative errno.
 */
int util_sysfs_read(const char *path, char *buf, size_t len);

/*
 * Basename of the target of the symlink @path (e.g. a device's "driver" or
 * "subsystem" link) into @buf. Returns 0 or a negative errno.
 */
int util_readlink_base(const char *path, char *buf, size_t len);

/*
 * A counter as the kernel prints it (%llu): decimal digits and nothing
 * else (no sign, space or newline). 0, or -EINVAL (also on overflow).
 */
int util_parse_u64(const char *s, unsigned long long *v);

#endif
