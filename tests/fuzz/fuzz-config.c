// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The configuration file (/etc/pmemflush.conf, or $PMEMFLUSH_CONFIG):
 * pf_config_parse. A file with any bad line grants nothing, and the
 * message fits the caller's buffer whatever its size.
 */
#include <errno.h>

#include "facts.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t lens[] = { 1, 7, 256 };
	struct pf_config cfg;
	char *s, *err;
	size_t i;
	int rc;

	if (size > 65536)
		return -1;
	s = fuzz_str(data, size);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		err = malloc(lens[i]);
		if (!err)
			abort();
		memset(&cfg, 0xff, sizeof(cfg));
		rc = pf_config_parse(s, &cfg, err, lens[i]);
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
		FUZZ_ASSERT(strnlen(err, lens[i]) < lens[i]);
		if (rc < 0)
			FUZZ_ASSERT(!cfg.trust_unverified_platform);
		if (cfg.trust_unverified_platform)
			FUZZ_ASSERT(strstr(s, "trust-unverified-platform"));
		free(err);
	}
	free(s);
	return 0;
}
