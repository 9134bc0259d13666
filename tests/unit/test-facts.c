// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pure parts of discovery: buffered decision + evidence, kind, driver,
 * mount options, enum names.
 */
#include <string.h>

#include "facts.h"
#include "private.h"
#include "test.h"

static enum pmemflush_tristate decide(const char *provider, const char *vname, const char *vdev,
				      int vpmem, enum pmemflush_persistence_domain pd, char *ev,
				      size_t len)
{
	struct pf_buffered_input in = {
		.provider = provider,
		.virtio_name = vname,
		.virtio_device = vdev,
		.vpmem_buffered = vpmem,
		.persistence_domain = pd,
	};

	return pf_decide_buffered(&in, ev, len);
}

static void test_buffered(void)
{
	char ev[256];

	/* In-tree virtio_pmem: provider + virtio parent with device 0x001b. */
	T_EXPECT(decide("virtio-pmem", "virtio1", "0x001b", -1, PMEMFLUSH_PD_UNKNOWN, ev,
			sizeof(ev)) == PMEMFLUSH_YES);
	T_EXPECTF(!strcmp(ev, "provider=virtio-pmem,virtio=virtio1:0x001b,persistence_domain=unknown"),
		  "%s", ev);
	/* vpmem.ko says so itself. */
	T_EXPECT(decide("virtio-pmem", "virtio2", "0x001b", 1, PMEMFLUSH_PD_UNKNOWN, ev,
			sizeof(ev)) == PMEMFLUSH_YES);
	T_EXPECTF(strstr(ev, "vpmem/buffered=1") != NULL, "%s", ev);
	T_EXPECT(decide("virtio-pmem", "virtio2", "0x001b", 0, PMEMFLUSH_PD_UNKNOWN, ev,
			sizeof(ev)) == PMEMFLUSH_NO);
	/* A virtio pmem device under another provider name still is one. */
	T_EXPECT(decide("other", "virtio3", "0x001b", -1, PMEMFLUSH_PD_UNKNOWN, ev, sizeof(ev)) ==
		 PMEMFLUSH_YES);
	/* Provider alone. */
	T_EXPECT(decide("virtio-pmem", NULL, NULL, -1, PMEMFLUSH_PD_UNKNOWN, ev, sizeof(ev)) ==
		 PMEMFLUSH_YES);
	/* NFIT with ADR / eADR: not buffered. */
	T_EXPECT(decide("ACPI.NFIT", NULL, NULL, -1, PMEMFLUSH_PD_MEMORY_CONTROLLER, ev,
			sizeof(ev)) == PMEMFLUSH_NO);
	T_EXPECTF(!strcmp(ev, "provider=ACPI.NFIT,persistence_domain=memory_controller"), "%s", ev);
	T_EXPECT(decide("ACPI.NFIT", NULL, NULL, -1, PMEMFLUSH_PD_CPU_CACHE, ev, sizeof(ev)) ==
		 PMEMFLUSH_NO);
	/* e820 / papr_scm with no persistence domain: unknown. */
	T_EXPECT(decide("e820", NULL, NULL, -1, PMEMFLUSH_PD_UNKNOWN, ev, sizeof(ev)) ==
		 PMEMFLUSH_UNKNOWN);
	T_EXPECT(decide("papr_scm", NULL, NULL, -1, PMEMFLUSH_PD_NONE, ev, sizeof(ev)) ==
		 PMEMFLUSH_UNKNOWN);
	/* A virtio parent of another type (not 0x001b) is no evidence. */
	T_EXPECT(decide("x", "virtio0", "0x0001", -1, PMEMFLUSH_PD_UNKNOWN, ev, sizeof(ev)) ==
		 PMEMFLUSH_UNKNOWN);
	/* Evidence truncates safely. */
	T_EXPECT(decide("virtio-pmem", "virtio1", "0x001b", -1, PMEMFLUSH_PD_UNKNOWN, ev, 8) ==
		 PMEMFLUSH_YES);
	T_EXPECT(strlen(ev) < 8);
}

static void test_kind_driver(void)
{
	T_EXPECT(pf_kind_from_provider("virtio-pmem") == PMEMFLUSH_KIND_VIRTIO_PMEM);
	T_EXPECT(pf_kind_from_provider("ACPI.NFIT") == PMEMFLUSH_KIND_ACPI_NFIT);
	T_EXPECT(pf_kind_from_provider("e820") == PMEMFLUSH_KIND_E820);
	T_EXPECT(pf_kind_from_provider("of_pmem") == PMEMFLUSH_KIND_OTHER);
	T_EXPECT(pf_kind_from_provider(NULL) == PMEMFLUSH_KIND_OTHER);
	T_EXPECT(pf_driver_from_name("virtio_pmem") == PMEMFLUSH_DRIVER_VIRTIO_PMEM);
	T_EXPECT(pf_driver_from_name("vpmem") == PMEMFLUSH_DRIVER_VPMEM);
	T_EXPECT(pf_driver_from_name("nfit") == PMEMFLUSH_DRIVER_OTHER);
	T_EXPECT(pf_driver_from_name(NULL) == PMEMFLUSH_DRIVER_NONE);
	T_EXPECT(pf_driver_from_name("") == PMEMFLUSH_DRIVER_NONE);
}

static void opts(const char *s, bool dax, bool nobarrier)
{
	struct pf_mount_facts f;

	pf_mount_parse_options(s, &f);
	T_EXPECTF(f.dax == dax && f.nobarrier == nobarrier, "'%s': dax %d nobarrier %d", s ? s : "(null)",
		  f.dax, f.nobarrier);
}

static void test_mount_options(void)
{
	opts("rw,relatime,dax", true, false);			/* ext4, old style */
	opts("rw,relatime,dax=always", true, false);		/* ext4/xfs */
	opts("rw,relatime,attr2,dax=always,inode64", true, false);
	opts("rw,relatime,dax=inode", false, false);		/* per file */
	opts("rw,relatime,dax=never", false, false);
	opts("rw,noatime,nobarrier,dax", true, true);
	opts("rw,barrier=0", false, true);
	opts("rw,barrier=1", false, false);
	opts("rw,relatime,daxfoo", false, false);
	opts(NULL, false, false);
}

static void test_names(void)
{
	T_EXPECT(!strcmp(pmemflush_tristate_name(PMEMFLUSH_YES), "yes"));
	T_EXPECT(!strcmp(pmemflush_tristate_name(PMEMFLUSH_NO), "no"));
	T_EXPECT(!strcmp(pmemflush_tristate_name(PMEMFLUSH_UNKNOWN), "unknown"));
	T_EXPECT(!strcmp(pmemflush_region_kind_name(PMEMFLUSH_KIND_ACPI_NFIT), "acpi-nfit"));
	T_EXPECT(!strcmp(pmemflush_driver_name(PMEMFLUSH_DRIVER_VPMEM), "vpmem"));
	T_EXPECT(!strcmp(pmemflush_persistence_domain_name(PMEMFLUSH_PD_CPU_CACHE), "cpu_cache"));
	T_EXPECT(!strcmp(pmemflush_persistence_domain_name(PMEMFLUSH_PD_MEMORY_CONTROLLER),
			 "memory_controller"));
	T_EXPECT(!strcmp(pmemflush_host_flush_name(PMEMFLUSH_HOST_FLUSH_VPMEM), "vpmem-flush"));
	T_EXPECT(!strcmp(pmemflush_host_flush_name(PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH), "deep-flush"));
	T_EXPECT(!strcmp(pmemflush_ns_mode_name(PMEMFLUSH_NS_MODE_DEVDAX), "devdax"));
	T_EXPECT(pmemflush_ns_mode_name((enum pmemflush_ns_mode)42) == NULL);
	T_EXPECT(pmemflush_region_kind_name((enum pmemflush_region_kind)-5) == NULL);
}

int main(void)
{
	test_buffered();
	test_kind_driver();
	test_mount_options();
	test_names();
	return t_report("test-facts");
}
