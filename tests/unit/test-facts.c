// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pure parts of discovery: buffered decision + evidence, kind, driver,
 * mount options, enum names.
 */
#include <errno.h>
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

/* Under a hypervisor, firmware's persistence claims are no evidence. */
static void test_hypervisor(void)
{
	struct pf_buffered_input in = {
		.provider = "ACPI.NFIT",
		.vpmem_buffered = -1,
		.persistence_domain = PMEMFLUSH_PD_MEMORY_CONTROLLER,
		.hypervisor = true,
	};
	char ev[256];

	T_EXPECT(pf_decide_buffered(&in, ev, sizeof(ev)) == PMEMFLUSH_UNKNOWN);
	T_EXPECTF(!strcmp(ev, "provider=ACPI.NFIT,persistence_domain=memory_controller,hypervisor=yes"),
		  "%s", ev);
	in.persistence_domain = PMEMFLUSH_PD_CPU_CACHE;
	T_EXPECT(pf_decide_buffered(&in, ev, sizeof(ev)) == PMEMFLUSH_UNKNOWN);
	/* The device's own identity still counts. */
	in.provider = "virtio-pmem";
	in.persistence_domain = PMEMFLUSH_PD_UNKNOWN;
	T_EXPECT(pf_decide_buffered(&in, ev, sizeof(ev)) == PMEMFLUSH_YES);
	in.vpmem_buffered = 1;
	T_EXPECT(pf_decide_buffered(&in, ev, sizeof(ev)) == PMEMFLUSH_YES);
}

static void test_combine(void)
{
	struct pf_region_facts sync = { .buffered = PMEMFLUSH_NO,
					.persistence_domain = PMEMFLUSH_PD_CPU_CACHE,
					.host_flush = PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH };
	struct pf_region_facts buf = { .buffered = PMEMFLUSH_YES,
				       .persistence_domain = PMEMFLUSH_PD_UNKNOWN,
				       .host_flush = PMEMFLUSH_HOST_FLUSH_NONE };
	struct pf_region_facts unk = { .buffered = PMEMFLUSH_UNKNOWN };
	struct pf_region_facts vol = { .buffered = PMEMFLUSH_NO, .volatile_region = true,
				       .persistence_domain = PMEMFLUSH_PD_CPU_CACHE };
	struct pf_region_facts acc = sync;

	pf_region_facts_combine(&acc, &buf);
	T_EXPECT(acc.buffered == PMEMFLUSH_YES && acc.persistence_domain == PMEMFLUSH_PD_UNKNOWN &&
		 acc.host_flush == PMEMFLUSH_HOST_FLUSH_NONE);
	acc = buf;
	pf_region_facts_combine(&acc, &sync);
	T_EXPECT(acc.buffered == PMEMFLUSH_YES);
	pf_region_facts_combine(&acc, &unk);
	T_EXPECT(acc.buffered == PMEMFLUSH_UNKNOWN);
	pf_region_facts_combine(&acc, &buf);
	T_EXPECT(acc.buffered == PMEMFLUSH_UNKNOWN);
	acc = sync;
	pf_region_facts_combine(&acc, &vol);
	T_EXPECT(acc.volatile_region && acc.buffered == PMEMFLUSH_NO);
}

static void test_volatile_fs(void)
{
	T_EXPECT(pf_fs_is_volatile(0x01021994));	/* tmpfs */
	T_EXPECT(pf_fs_is_volatile(0x858458f6));	/* ramfs */
	T_EXPECT(pf_fs_is_volatile((long)0xffffffff858458f6LL)); /* sign-extended */
	T_EXPECT(pf_fs_is_volatile(0x958458f6));	/* hugetlbfs */
	T_EXPECT(!pf_fs_is_volatile(0xEF53));		/* ext4 */
	/* File systems that hold no data (issue 13.6): flush and check refuse them. */
	T_EXPECT(pf_fs_pseudo_name(0x62656572) && !strcmp(pf_fs_pseudo_name(0x62656572), "sysfs"));
	T_EXPECT(pf_fs_pseudo_name(0x9fa0) && !strcmp(pf_fs_pseudo_name(0x9fa0), "proc"));
	T_EXPECT(pf_fs_pseudo_name((long)0xffffffffcafe4a11LL) != NULL);	/* sign-extended bpf */
	T_EXPECT(pf_fs_pseudo_name(0x6e736673) && !strcmp(pf_fs_pseudo_name(0x6e736673), "nsfs"));
	T_EXPECT(pf_fs_pseudo_name(0x19800202) != NULL);	/* mqueue */
	T_EXPECT(pf_fs_pseudo_name(0x42494e4d) != NULL);	/* binfmt_misc */
	T_EXPECT(pf_fs_pseudo_name(0x50495045) != NULL);	/* pipefs */
	T_EXPECT(!pf_fs_pseudo_name(0x5345434d));	/* secretmem: volatile, not pseudo */
	T_EXPECT(pf_fs_is_volatile(0x5345434d));
	T_EXPECT(!pf_fs_pseudo_name(0x65735546));	/* fuse: may hold data */
	T_EXPECT(!pf_fs_pseudo_name(0xEF53));		/* ext4 */
	T_EXPECT(!pf_fs_pseudo_name(0x01021994));	/* tmpfs: volatile, not pseudo */
	T_EXPECT(!pf_fs_is_volatile(0x58465342));	/* xfs */
}

static void test_config(void)
{
	struct pf_config cfg;
	char err[256];

	T_EXPECT(pf_config_parse("", &cfg, err, sizeof(err)) == 0 && !cfg.trust_unverified_platform);
	T_EXPECT(pf_config_parse(NULL, &cfg, err, sizeof(err)) == 0);
	T_EXPECT(pf_config_parse("# comment\ntrust-unverified-platform = yes\n", &cfg, err,
				 sizeof(err)) == 0 && cfg.trust_unverified_platform);
	T_EXPECT(pf_config_parse("  trust-unverified-platform=no  # off\n", &cfg, err,
				 sizeof(err)) == 0 && !cfg.trust_unverified_platform);
	T_EXPECT(pf_config_parse("trust-unverified-platform = 1\r\n", &cfg, err, sizeof(err)) == 0 &&
		 cfg.trust_unverified_platform);
	/* Bad lines: reported, and never turn trust on. */
	T_EXPECT(pf_config_parse("trust-unverified-platform = maybe\n", &cfg, err, sizeof(err)) ==
		 -EINVAL && !cfg.trust_unverified_platform);
	T_EXPECTF(strstr(err, "line 1") && strstr(err, "maybe"), "%s", err);
	T_EXPECT(pf_config_parse("\ntrust-unverified-platfrom = yes\n", &cfg, err, sizeof(err)) ==
		 -EINVAL && !cfg.trust_unverified_platform);
	T_EXPECTF(strstr(err, "line 2") && strstr(err, "unknown key"), "%s", err);
	T_EXPECT(pf_config_parse("yes\n", &cfg, err, sizeof(err)) == -EINVAL);
	/* A malformed file grants nothing, not even its well-formed lines. */
	T_EXPECT(pf_config_parse("bogus\ntrust-unverified-platform=yes\n", &cfg, err,
				 sizeof(err)) == -EINVAL && !cfg.trust_unverified_platform);
	T_EXPECT(pf_config_parse("trust-unverified-platform=yes\nbogus\n", &cfg, err,
				 sizeof(err)) == -EINVAL && !cfg.trust_unverified_platform);
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
	test_hypervisor();
	test_combine();
	test_volatile_fs();
	test_config();
	test_kind_driver();
	test_mount_options();
	test_names();
	return t_report("test-facts");
}
