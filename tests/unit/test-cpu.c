// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cache flush instruction choice: cpuid decides, PMEMFLUSH_NO_CLWB and
 * PMEMFLUSH_NO_CLFLUSHOPT narrow it (meson runs this three times, with
 * neither, one and both set). Each available instruction is also executed
 * over an unaligned range.
 *
 *   test-cpu EXPECT   EXPECT: any | not-clwb | clflush
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "test.h"

int main(int argc, char **argv)
{
	const char *expect = argc > 1 ? argv[1] : "any";
	enum pf_flush_insn insn = pf_cpu_flush_insn();
	static char buf[3 * PF_CACHE_LINE + 7];
	enum pf_flush_insn i;

	printf("instruction: %s (expect %s)\n", pf_cpu_flush_insn_name(insn), expect);
#if defined(__x86_64__)
	/* Every x86-64 CPU has CLFLUSH. */
	T_EXPECT(insn != PF_FLUSH_NONE);
#endif
	if (!strcmp(expect, "not-clwb"))
		T_EXPECT(insn != PF_FLUSH_CLWB);
	else if (!strcmp(expect, "clflush"))
		T_EXPECT(insn == PF_FLUSH_CLFLUSH);
	T_EXPECT(pf_cpu_flush_insn() == insn);	/* decided once */

	/* Run each instruction up to the chosen one (all are available). */
	for (i = PF_FLUSH_CLFLUSH; i <= insn; i++) {
		pf_flush_fn fn = pf_cpu_flush_fn(i);

		T_EXPECT(fn != NULL);
		if (fn) {
			memset(buf, (int)i, sizeof(buf));
			fn(buf + 5, sizeof(buf) - 5);
			pf_sfence();
			T_EXPECT(buf[sizeof(buf) - 1] == (char)i);
		}
	}
	return t_report("test-cpu");
}
