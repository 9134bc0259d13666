// SPDX-License-Identifier: LGPL-2.1-or-later
/* Hazard rules on constructed facts (lib/hazard.c). */
#include <errno.h>
#include <string.h>

#include "facts.h"
#include "test.h"

static struct pf_region_facts region(enum pmemflush_tristate buffered, enum pmemflush_host_flush hf)
{
	struct pf_region_facts r = {
		.kind = PMEMFLUSH_KIND_VIRTIO_PMEM,
		.driver = PMEMFLUSH_DRIVER_VIRTIO_PMEM,
		.buffered = buffered,
		.persistence_domain = PMEMFLUSH_PD_UNKNOWN,
		.host_flush = hf,
	};
	return r;
}

static void test_names(void)
{
	unsigned int h, seen = 0;

	T_EXPECT(!strcmp(pmemflush_hazard_name(PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH),
			 "devdax-no-host-flush"));
	T_EXPECT(!strcmp(pmemflush_hazard_name(PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED),
			 "nobarrier-on-buffered"));
	T_EXPECT(!strcmp(pmemflush_hazard_name(PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN), "buffered-unknown"));
	T_EXPECT(pmemflush_hazard_name(0) == NULL);
	T_EXPECT(pmemflush_hazard_name(3) == NULL); /* two bits */
	T_EXPECT(pmemflush_hazard_name(1U << 31) == NULL);
	T_EXPECT(pmemflush_hazard_message(PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN) != NULL);
	T_EXPECT(strchr(pmemflush_hazard_message(PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED), '\n') == NULL);
	/* Since 0.2 an unverifiable platform is unsafe, not a warning. */
	T_EXPECT(pmemflush_hazard_is_warning(PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN) == 0);
	T_EXPECT(pmemflush_hazard_is_warning(PMEMFLUSH_HAZARD_VOLATILE) == 0);
	T_EXPECT(pmemflush_hazard_is_warning(PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED) == 0);
	T_EXPECT(!strcmp(pmemflush_hazard_name(PMEMFLUSH_HAZARD_VOLATILE), "volatile"));
	T_EXPECT(!strcmp(pmemflush_hazard_name(PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED),
			 "write-through-on-buffered"));
	T_EXPECT(pmemflush_hazard_is_warning(PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH) == 0);
	T_EXPECT(pmemflush_hazard_is_warning(PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED) == 0);
	T_EXPECT(pmemflush_hazard_is_warning(1U << 6) == -EINVAL);
	T_EXPECT(!strcmp(pmemflush_hazard_name(PMEMFLUSH_HAZARD_SECTOR_ON_BUFFERED),
			 "sector-on-buffered"));
	pmemflush_hazard_foreach(PMEMFLUSH_HAZARD_ALL, h) {
		T_EXPECTF(pmemflush_hazard_name(h) != NULL, "bit %#x", h);
		seen |= h;
	}
	T_EXPECT(seen == PMEMFLUSH_HAZARD_ALL);
	T_EXPECT(pf_hazards_unsafe(PMEMFLUSH_HAZARD_ALL) == PMEMFLUSH_HAZARD_ALL);
	T_EXPECT(pf_hazards_unsafe(PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN) ==
		 PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN);
}

static void test_devdax(void)
{
	struct pf_region_facts r;

	r = region(PMEMFLUSH_YES, PMEMFLUSH_HOST_FLUSH_NONE);
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_DEVDAX) ==
		 PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH);
	/* Other modes go through a file system or the block layer. */
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_FSDAX) == 0);
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_RAW) == 0);
	/* btt flushes under a spinlock: no virtio-pmem driver can honour it. */
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_SECTOR) ==
		 PMEMFLUSH_HAZARD_SECTOR_ON_BUFFERED);
	/* vpmem's flush attribute or a deep_flush is a durable path. */
	r = region(PMEMFLUSH_YES, PMEMFLUSH_HOST_FLUSH_VPMEM);
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_DEVDAX) == 0);
	r = region(PMEMFLUSH_YES, PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH);
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_DEVDAX) == 0);
	/* Not buffered: no host flush needed. */
	r = region(PMEMFLUSH_NO, PMEMFLUSH_HOST_FLUSH_NONE);
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_DEVDAX) == 0);
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_SECTOR) == 0); /* real pmem: fine */
	/* Unknown is reported once, at region level, not as this hazard. */
	r = region(PMEMFLUSH_UNKNOWN, PMEMFLUSH_HOST_FLUSH_NONE);
	T_EXPECT(pf_hazards_namespace(&r, PMEMFLUSH_NS_MODE_DEVDAX) == 0);
}

static void test_mounts(void)
{
	struct pf_mount_facts nob = { .dax = true, .nobarrier = true };
	struct pf_mount_facts ok = { .dax = true, .nobarrier = false };
	struct pf_region_facts r = region(PMEMFLUSH_YES, PMEMFLUSH_HOST_FLUSH_NONE);

	T_EXPECT(pf_hazards_mount(&r, &nob) == PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED);
	T_EXPECT(pf_hazards_mount(&r, &ok) == 0);
	r = region(PMEMFLUSH_NO, PMEMFLUSH_HOST_FLUSH_NONE);
	T_EXPECT(pf_hazards_mount(&r, &nob) == 0); /* real pmem: barriers do not reach a host */
}

static void test_region(void)
{
	struct pf_region_facts r = region(PMEMFLUSH_UNKNOWN, PMEMFLUSH_HOST_FLUSH_NONE);

	T_EXPECT(pf_hazards_region(&r) == PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN);
	r.buffered = PMEMFLUSH_YES;
	T_EXPECT(pf_hazards_region(&r) == 0);
	r.buffered = PMEMFLUSH_NO;
	T_EXPECT(pf_hazards_region(&r) == 0);
	r.volatile_region = true;
	T_EXPECT(pf_hazards_region(&r) == PMEMFLUSH_HAZARD_VOLATILE);
}

static void test_path(void)
{
	struct pf_method_facts f = { .on_pmem = true, .region = { .buffered = PMEMFLUSH_YES } };

	T_EXPECT(pf_hazards_path(&f) == 0);
	f.write_through = true;
	T_EXPECT(pf_hazards_path(&f) == PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED);
	f.nobarrier = true;
	T_EXPECT(pf_hazards_path(&f) ==
		 (PMEMFLUSH_HAZARD_WRITE_THROUGH_ON_BUFFERED | PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED));
	/* On a synchronous region neither drops anything that matters. */
	f.region.buffered = PMEMFLUSH_NO;
	T_EXPECT(pf_hazards_path(&f) == 0);
	f.devdax = true;
	f.region.buffered = PMEMFLUSH_YES;
	f.nobarrier = f.write_through = false;
	T_EXPECT(pf_hazards_path(&f) == PMEMFLUSH_HAZARD_DEVDAX_NO_HOST_FLUSH);
	/* tmpfs: not pmem, still a hazard. */
	memset(&f, 0, sizeof(f));
	f.volatile_fs = true;
	T_EXPECT(pf_hazards_path(&f) == PMEMFLUSH_HAZARD_VOLATILE);
	f.volatile_fs = false;
	T_EXPECT(pf_hazards_path(&f) == 0);
}

int main(void)
{
	test_names();
	test_devdax();
	test_mounts();
	test_region();
	test_path();
	return t_report("test-hazard");
}
