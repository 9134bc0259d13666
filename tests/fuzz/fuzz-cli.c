// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl's command line, every command: the input is the argument list,
 * NUL-separated (argv[0] is "vpmemctl"). vpmemctl_main() runs in parse-only
 * mode: it makes no library context, so each command returns right after
 * its argument checks (VPMEMCTL_PARSE_ONLY in cli/builtin.h), before it
 * reads or changes anything; help never starts man(1). Nothing here can
 * flush, bind, unbind, load a module or write a file.
 */
#include <getopt.h>

#include "builtin.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("VPMEMCTL_HELP_NO_MAN", "1", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1], *buf, *p, *end;
	int argc = 0, rc;

	if (size > 4096)
		return -1;
	buf = fuzz_str(data, size);
	argv[argc++] = "vpmemctl";
	for (p = buf, end = buf + size; p <= end && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	optind = 0;
	rc = vpmemctl_main(argc, argv, true);
	FUZZ_ASSERT(rc == VPMEMCTL_EXIT_OK || rc == VPMEMCTL_EXIT_USAGE);
	fflush(stdout);
	free(buf);
	return 0;
}
