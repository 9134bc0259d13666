// SPDX-License-Identifier: LGPL-2.1-or-later
/* The method selection table (lib/method.c), row by row. */
#include <string.h>

#include "facts.h"
#include "test.h"

#define Y PMEMFLUSH_YES
#define N PMEMFLUSH_NO
#define U PMEMFLUSH_UNKNOWN

static const struct row {
	const char *what;
	bool on_pmem, devdax;
	enum pmemflush_tristate dax, map_sync, buffered;
	enum pmemflush_persistence_domain pd;
	enum pmemflush_host_flush hf;
	enum pmemflush_method want;
} rows[] = {
	{ "not pmem (tmpfs, disk)", false, false, N, N, N, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "not pmem, MAP_SYNC unknown", false, false, N, U, U, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "sync fsdax eADR", true, false, Y, Y, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_FENCE_ONLY },
	{ "sync fsdax ADR", true, false, Y, Y, N, PMEMFLUSH_PD_MEMORY_CONTROLLER,
	  PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH, PMEMFLUSH_METHOD_CPU_FLUSH },
	{ "sync fsdax pd unknown", true, false, Y, Y, N, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_CPU_FLUSH },
	{ "sync, MAP_SYNC refused (no dax mount)", true, false, N, N, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "sync, MAP_SYNC not probed (directory)", true, false, Y, U, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "buffered fsdax", true, false, Y, N, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "buffered fsdax with vpmem", true, false, Y, N, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_VPMEM, PMEMFLUSH_METHOD_MSYNC },
	{ "buffered, MAP_SYNC accepted anyway", true, false, Y, Y, Y, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "unknown fsdax, MAP_SYNC accepted", true, false, Y, Y, U, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "devdax buffered + vpmem flush", true, true, Y, Y, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_VPMEM, PMEMFLUSH_METHOD_HOST_FLUSH },
	{ "devdax buffered + deep_flush", true, true, Y, Y, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH, PMEMFLUSH_METHOD_HOST_FLUSH },
	{ "devdax buffered, no host flush", true, true, Y, Y, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "devdax sync eADR", true, true, Y, Y, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_FENCE_ONLY },
	{ "devdax sync ADR", true, true, Y, Y, N, PMEMFLUSH_PD_MEMORY_CONTROLLER,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_CPU_FLUSH },
	{ "devdax sync, MAP_SYNC refused", true, true, Y, N, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "devdax unknown + host flush", true, true, Y, Y, U, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH, PMEMFLUSH_METHOD_HOST_FLUSH },
	{ "devdax unknown, no host flush", true, true, Y, Y, U, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_CPU_FLUSH },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct pf_method_facts f = {
			.on_pmem = r->on_pmem,
			.devdax = r->devdax,
			.dax = r->dax,
			.map_sync = r->map_sync,
			.region = { .buffered = r->buffered, .persistence_domain = r->pd,
				    .host_flush = r->hf },
		};
		enum pmemflush_method got = pf_select_method(&f);

		T_EXPECTF(got == r->want, "%s: got %s want %s", r->what, pmemflush_method_name(got),
			  pmemflush_method_name(r->want));
	}
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_FENCE_ONLY), "fence-only"));
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_CPU_FLUSH), "cpu-flush"));
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_MSYNC), "msync"));
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_HOST_FLUSH), "host-flush"));
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_REFUSED), "refused"));
	T_EXPECT(pmemflush_method_name((enum pmemflush_method)99) == NULL);
	return t_report("test-method");
}
