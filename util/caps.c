// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "caps.h"

bool util_may_load_modules(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	/* Without an answer the kernel decides (and refuses if it must). */
	if (syscall(SYS_capget, &h, d) < 0)
		return true;
	return d[CAP_TO_INDEX(CAP_SYS_MODULE)].effective & CAP_TO_MASK(CAP_SYS_MODULE);
}
