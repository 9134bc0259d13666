// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The method selection table (lib/method.c), row by row, including the
 * refusals for hazards (tmpfs, nobarrier, write through, volatile regions,
 * unverifiable platforms) and their explanations.
 */
#include <string.h>

#include "facts.h"
#include "test.h"

#define Y PMEMFLUSH_YES
#define N PMEMFLUSH_NO
#define U PMEMFLUSH_UNKNOWN

/* Extra facts of a row. */
#define VFS (1U << 0)	/* volatile file system */
#define NOB (1U << 1)	/* nobarrier mount */
#define WT (1U << 2)	/* write-through queue */
#define VREG (1U << 3)	/* nd_volatile region */
#define TRUST (1U << 4)	/* explicit trust opt-in */
#define HV (1U << 5)	/* under a hypervisor */

static const struct row {
	const char *what;
	unsigned int x;
	bool on_pmem, devdax;
	enum pmemflush_tristate dax, map_sync, buffered;
	enum pmemflush_persistence_domain pd;
	enum pmemflush_host_flush hf;
	enum pmemflush_method want;
} rows[] = {
	{ "not pmem (tmpfs, disk)", 0, false, false, N, N, N, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "not pmem, MAP_SYNC unknown", 0, false, false, N, U, U, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "sync fsdax eADR", 0, true, false, Y, Y, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_FENCE_ONLY },
	{ "sync fsdax ADR", 0, true, false, Y, Y, N, PMEMFLUSH_PD_MEMORY_CONTROLLER,
	  PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH, PMEMFLUSH_METHOD_CPU_FLUSH },
	{ "sync fsdax pd unknown", 0, true, false, Y, Y, N, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_CPU_FLUSH },
	{ "sync, MAP_SYNC refused (no dax mount)", 0, true, false, N, N, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "sync, MAP_SYNC not probed (directory)", 0, true, false, Y, U, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "buffered fsdax", 0, true, false, Y, N, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "buffered fsdax with vpmem", 0, true, false, Y, N, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_VPMEM, PMEMFLUSH_METHOD_MSYNC },
	{ "buffered, MAP_SYNC accepted anyway", 0, true, false, Y, Y, Y, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "unknown fsdax, MAP_SYNC accepted: unverifiable", 0, true, false, Y, Y, U,
	  PMEMFLUSH_PD_UNKNOWN, PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "unknown fsdax, trusted", TRUST, true, false, Y, Y, U, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	{ "devdax buffered + vpmem flush", 0, true, true, Y, Y, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_VPMEM, PMEMFLUSH_METHOD_HOST_FLUSH },
	{ "devdax buffered + deep_flush", 0, true, true, Y, Y, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH, PMEMFLUSH_METHOD_HOST_FLUSH },
	{ "devdax buffered, no host flush", 0, true, true, Y, Y, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "devdax sync eADR", 0, true, true, Y, Y, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_FENCE_ONLY },
	{ "devdax sync ADR", 0, true, true, Y, Y, N, PMEMFLUSH_PD_MEMORY_CONTROLLER,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_CPU_FLUSH },
	/* Device dax: the MAP_SYNC probe is no evidence either way. */
	{ "devdax sync, MAP_SYNC not probed", 0, true, true, Y, U, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_FENCE_ONLY },
	{ "devdax unknown + host flush: unverifiable", 0, true, true, Y, U, U,
	  PMEMFLUSH_PD_UNKNOWN, PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH, PMEMFLUSH_METHOD_REFUSED },
	{ "devdax unknown, no host flush: unverifiable", 0, true, true, Y, Y, U,
	  PMEMFLUSH_PD_UNKNOWN, PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "devdax unknown + host flush, trusted", TRUST, true, true, Y, U, U,
	  PMEMFLUSH_PD_UNKNOWN, PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH, PMEMFLUSH_METHOD_HOST_FLUSH },
	{ "devdax unknown, no host flush, trusted", TRUST, true, true, Y, U, U,
	  PMEMFLUSH_PD_MEMORY_CONTROLLER, PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_CPU_FLUSH },
	/* Not pmem: nobarrier stops fsync from flushing a disk's cache too; a
	 * write-through queue is normal there (no volatile cache). */
	{ "disk, nobarrier", NOB, false, false, N, N, N, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "disk, write through", WT, false, false, N, N, N, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_MSYNC },
	/* Memory only. */
	{ "tmpfs", VFS, false, false, N, N, N, PMEMFLUSH_PD_UNKNOWN, PMEMFLUSH_HOST_FLUSH_NONE,
	  PMEMFLUSH_METHOD_REFUSED },
	{ "tmpfs, trusted: trust is not for RAM", VFS | TRUST, false, false, N, N, N,
	  PMEMFLUSH_PD_UNKNOWN, PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "volatile region, devdax", VREG, true, true, Y, U, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "volatile region, fsdax", VREG, true, false, Y, Y, N, PMEMFLUSH_PD_CPU_CACHE,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	/* Flushes dropped on the way to a buffered region. */
	{ "buffered fsdax, nobarrier", NOB, true, false, Y, N, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "buffered fsdax + vpmem, nobarrier", NOB, true, false, Y, N, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_VPMEM, PMEMFLUSH_METHOD_REFUSED },
	{ "sync fsdax, nobarrier (ADR needs no flush)", NOB, true, false, Y, Y, N,
	  PMEMFLUSH_PD_MEMORY_CONTROLLER, PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_CPU_FLUSH },
	{ "buffered block device, write through", WT, true, false, N, N, Y, PMEMFLUSH_PD_UNKNOWN,
	  PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
	{ "buffered, write through, NONDURABLE-free trust does not help", WT | TRUST, true, false,
	  N, N, Y, PMEMFLUSH_PD_UNKNOWN, PMEMFLUSH_HOST_FLUSH_NONE, PMEMFLUSH_METHOD_REFUSED },
};

/* The refusal names the cause and the fix. */
static void test_reasons(void)
{
	char why[768];
	struct pf_method_facts f = {
		.on_pmem = true, .dax = Y, .map_sync = N,
		.region = { .buffered = Y },
		.nobarrier = true, .mount_target = "/mnt/db", .region_name = "region1",
		.provider = "virtio-pmem",
	};

	T_EXPECT(pf_select_method(&f, why, sizeof(why)) == PMEMFLUSH_METHOD_REFUSED);
	T_EXPECTF(strstr(why, "/mnt/db") && strstr(why, "nobarrier") && strstr(why, "remount") &&
		  strstr(why, "region1"), "%s", why);

	f.nobarrier = false;
	f.write_through = true;
	f.write_through_dev = "pmem1";
	T_EXPECT(pf_select_method(&f, why, sizeof(why)) == PMEMFLUSH_METHOD_REFUSED);
	T_EXPECTF(strstr(why, "/sys/block/pmem1/queue/write_cache") && strstr(why, "write back"),
		  "%s", why);

	/* ACPI NVDIMM under a hypervisor: the claim is named, and the opt-in. */
	memset(&f, 0, sizeof(f));
	f.on_pmem = true;
	f.dax = Y;
	f.map_sync = Y;
	f.hypervisor = true;
	f.region.buffered = U;
	f.region.persistence_domain = PMEMFLUSH_PD_MEMORY_CONTROLLER;
	f.region_name = "region0";
	f.provider = "ACPI.NFIT";
	T_EXPECT(pf_select_method(&f, why, sizeof(why)) == PMEMFLUSH_METHOD_REFUSED);
	T_EXPECTF(strstr(why, "ACPI.NFIT") && strstr(why, "memory_controller") &&
		  strstr(why, "hypervisor") && strstr(why, "PMEMFLUSH_MAP_TRUST_PLATFORM") &&
		  strstr(why, "trust-unverified-platform"), "%s", why);

	/* tmpfs */
	memset(&f, 0, sizeof(f));
	f.volatile_fs = true;
	f.mount_target = "/dev/shm";
	T_EXPECT(pf_select_method(&f, why, sizeof(why)) == PMEMFLUSH_METHOD_REFUSED);
	T_EXPECTF(strstr(why, "memory-only") && strstr(why, "/dev/shm"), "%s", why);

	/* Durable: no reason. */
	memset(&f, 0, sizeof(f));
	T_EXPECT(pf_select_method(&f, why, sizeof(why)) == PMEMFLUSH_METHOD_MSYNC);
	T_EXPECT(why[0] == '\0');
	/* No buffer: still decides. */
	f.volatile_fs = true;
	T_EXPECT(pf_select_method(&f, NULL, 0) == PMEMFLUSH_METHOD_REFUSED);
}

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
				    .host_flush = r->hf, .volatile_region = r->x & VREG },
			.volatile_fs = r->x & VFS,
			.nobarrier = r->x & NOB,
			.write_through = r->x & WT,
			.trusted = r->x & TRUST,
			.hypervisor = r->x & HV,
		};
		char why[768];
		enum pmemflush_method got = pf_select_method(&f, why, sizeof(why));

		T_EXPECTF(got == r->want, "%s: got %s want %s", r->what, pmemflush_method_name(got),
			  pmemflush_method_name(r->want));
		/* Every refusal is explained, nothing else is. */
		T_EXPECTF((got == PMEMFLUSH_METHOD_REFUSED) == (why[0] != '\0'), "%s: why '%s'",
			  r->what, why);
	}
	test_reasons();
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_FENCE_ONLY), "fence-only"));
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_CPU_FLUSH), "cpu-flush"));
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_MSYNC), "msync"));
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_HOST_FLUSH), "host-flush"));
	T_EXPECT(!strcmp(pmemflush_method_name(PMEMFLUSH_METHOD_REFUSED), "refused"));
	T_EXPECT(pmemflush_method_name((enum pmemflush_method)99) == NULL);
	return t_report("test-method");
}
