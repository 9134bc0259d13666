// SPDX-License-Identifier: GPL-2.0-only
/* vpmemctl's main(): apart from vpmemctl.c so that the fuzz target can link the rest. */
#include "builtin.h"

int main(int argc, char **argv)
{
	return vpmemctl_main(argc, argv, false);
}
