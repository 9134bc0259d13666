// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <syslog.h>

#include "log-priority.h"
#include "test.h"

int main(void)
{
	T_EXPECT(util_parse_log_priority("err") == LOG_ERR);
	T_EXPECT(util_parse_log_priority("error") == LOG_ERR);
	T_EXPECT(util_parse_log_priority("info") == LOG_INFO);
	T_EXPECT(util_parse_log_priority("debug") == LOG_DEBUG);
	T_EXPECT(util_parse_log_priority("warning") == LOG_WARNING);
	T_EXPECT(util_parse_log_priority("0") == 0);
	T_EXPECT(util_parse_log_priority("7") == 7);
	T_EXPECT(util_parse_log_priority("8") == -EINVAL);
	T_EXPECT(util_parse_log_priority("-1") == -EINVAL);
	T_EXPECT(util_parse_log_priority("3x") == -EINVAL);
	T_EXPECT(util_parse_log_priority("") == -EINVAL);
	T_EXPECT(util_parse_log_priority(NULL) == -EINVAL);
	T_EXPECT(util_parse_log_priority("DEBUG") == -EINVAL);
	return t_report("test-log-priority");
}
