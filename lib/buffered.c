// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Is a region buffered (durable only after a host flush)? A pure decision
 * on facts read from sysfs by region.c, with the evidence it used.
 */
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "facts.h"
#include "private.h"

#define VIRTIO_ID_PMEM_STR "0x001b"

static void add(char *buf, size_t len, const char *key, const char *value)
{
	size_t used = strlen(buf);

	if (used >= len)
		return;
	snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", key, value);
}

enum pmemflush_tristate pf_decide_buffered(const struct pf_buffered_input *in,
					   char *evidence, size_t len)
{
	enum pmemflush_tristate v = PMEMFLUSH_UNKNOWN;
	bool virtio_pmem = in->virtio_device && strcmp(in->virtio_device, VIRTIO_ID_PMEM_STR) == 0;
	char tmp[64];

	if (len)
		evidence[0] = '\0';

	add(evidence, len, "provider", in->provider ? in->provider : "none");
	if (in->virtio_name) {
		snprintf(tmp, sizeof(tmp), "%s:%s", in->virtio_name,
			 in->virtio_device ? in->virtio_device : "?");
		add(evidence, len, "virtio", tmp);
	}
	if (in->vpmem_buffered >= 0)
		add(evidence, len, "vpmem/buffered", in->vpmem_buffered ? "1" : "0");
	add(evidence, len, "persistence_domain",
	    pmemflush_persistence_domain_name(in->persistence_domain));
	if (in->hypervisor)
		add(evidence, len, "hypervisor", "yes");

	/* The driver's own statement wins, then the device's identity. */
	if (in->vpmem_buffered >= 0)
		v = in->vpmem_buffered ? PMEMFLUSH_YES : PMEMFLUSH_NO;
	else if (virtio_pmem || (in->provider && strcmp(in->provider, "virtio-pmem") == 0))
		v = PMEMFLUSH_YES;
	else if (!in->hypervisor && (in->persistence_domain == PMEMFLUSH_PD_CPU_CACHE ||
				     in->persistence_domain == PMEMFLUSH_PD_MEMORY_CONTROLLER))
		v = PMEMFLUSH_NO;
	return v;
}

void pf_region_facts_combine(struct pf_region_facts *acc, const struct pf_region_facts *r)
{
	/* Unknown taints everything; buffered beats synchronous. */
	if (acc->buffered == PMEMFLUSH_UNKNOWN || r->buffered == PMEMFLUSH_UNKNOWN)
		acc->buffered = PMEMFLUSH_UNKNOWN;
	else if (r->buffered == PMEMFLUSH_YES)
		acc->buffered = PMEMFLUSH_YES;
	/* The enum orders the domains from weakest (unknown) to strongest. */
	if (r->persistence_domain < acc->persistence_domain)
		acc->persistence_domain = r->persistence_domain;
	if (r->host_flush == PMEMFLUSH_HOST_FLUSH_NONE)
		acc->host_flush = PMEMFLUSH_HOST_FLUSH_NONE;
	acc->volatile_region |= r->volatile_region;
}

const char *pf_fs_pseudo_name(long f_type)
{
	/* Magic numbers from linux/magic.h (stable kernel ABI). */
	static const struct {
		unsigned long magic;
		const char *name;
	} pseudo[] = {
		{ 0x62656572UL, "sysfs" },	{ 0x9fa0UL, "proc" },
		{ 0x64626720UL, "debugfs" },	{ 0x74726163UL, "tracefs" },
		{ 0x73636673UL, "securityfs" }, { 0x27e0ebUL, "cgroup" },
		{ 0x63677270UL, "cgroup2" },	{ 0x62656570UL, "configfs" },
		{ 0xcafe4a11UL, "bpf" },	{ 0x1cd1UL, "devpts" },
		{ 0xde5e81e4UL, "efivarfs" },	{ 0x6165676cUL, "pstore" },
		/*
		 * Reachable by a path too (/proc/self/ns/mnt, /dev/mqueue,
		 * /proc/self/fd/N of a pipe, socket, eventfd or dma-buf, ...):
		 * each answers a stat with a regular file or directory.
		 */
		{ 0x6e736673UL, "nsfs" },	{ 0x19800202UL, "mqueue" },
		{ 0x42494e4dUL, "binfmt_misc" }, { 0x65735543UL, "fusectl" },
		{ 0xf97cff8cUL, "selinuxfs" },	{ 0x43415d53UL, "smackfs" },
		{ 0x0187UL, "autofs" },		{ 0x9fa2UL, "usbdevfs" },
		{ 0x6c6f6f70UL, "binderfs" },	{ 0xabba1974UL, "xenfs" },
		{ 0x67596969UL, "rpc_pipefs" }, { 0x6e667364UL, "nfsd" },
		{ 0x50495045UL, "pipefs" },	{ 0x534f434bUL, "sockfs" },
		{ 0x09041934UL, "anon_inode" }, { 0x444d4142UL, "dmabuf" },
		{ 0x454d444dUL, "devmem" },	{ 0x62646576UL, "bdev" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pseudo); i++)
		if (((unsigned long)f_type & 0xffffffffUL) == pseudo[i].magic)
			return pseudo[i].name;
	return NULL;
}

bool pf_fs_is_volatile(long f_type)
{
	/* Magic numbers from linux/magic.h (stable kernel ABI). */
	switch ((unsigned long)f_type & 0xffffffffUL) {
	case 0x01021994UL:	/* TMPFS_MAGIC (also devtmpfs, shmem) */
	case 0x858458f6UL:	/* RAMFS_MAGIC */
	case 0x958458f6UL:	/* HUGETLBFS_MAGIC */
	case 0x5345434dUL:	/* SECRETMEM_MAGIC (memfd_secret) */
		return true;
	default:
		return false;
	}
}

enum pmemflush_region_kind pf_kind_from_provider(const char *provider)
{
	if (!provider)
		return PMEMFLUSH_KIND_OTHER;
	if (strcmp(provider, "virtio-pmem") == 0)
		return PMEMFLUSH_KIND_VIRTIO_PMEM;
	if (strcmp(provider, "ACPI.NFIT") == 0)
		return PMEMFLUSH_KIND_ACPI_NFIT;
	if (strcmp(provider, "e820") == 0)
		return PMEMFLUSH_KIND_E820;
	return PMEMFLUSH_KIND_OTHER;
}

enum pmemflush_driver pf_driver_from_name(const char *name)
{
	if (!name || !*name)
		return PMEMFLUSH_DRIVER_NONE;
	if (strcmp(name, "virtio_pmem") == 0)
		return PMEMFLUSH_DRIVER_VIRTIO_PMEM;
	if (strcmp(name, "vpmem") == 0)
		return PMEMFLUSH_DRIVER_VPMEM;
	return PMEMFLUSH_DRIVER_OTHER;
}
