/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_CAPS_H
#define UTIL_CAPS_H

#include <stdbool.h>

/*
 * CAP_SYS_MODULE in this process's effective set (libpmemflush's module
 * load and vpmemctl driver ask before acting); true when capget fails.
 */
bool util_may_load_modules(void);

#endif
