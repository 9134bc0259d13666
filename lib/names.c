// SPDX-License-Identifier: LGPL-2.1-or-later
/* Printable names of the public enums (what vpmemctl and its JSON show). */
#include <stddef.h>

#include "private.h"

#define NAME_OF(table, v) \
	((unsigned int)(v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : NULL)

PMEMFLUSH_EXPORT const char *pmemflush_tristate_name(enum pmemflush_tristate v)
{
	switch (v) {
	case PMEMFLUSH_YES:
		return "yes";
	case PMEMFLUSH_NO:
		return "no";
	case PMEMFLUSH_UNKNOWN:
		return "unknown";
	}
	return NULL;
}

PMEMFLUSH_EXPORT const char *pmemflush_region_kind_name(enum pmemflush_region_kind kind)
{
	static const char *const names[] = {
		[PMEMFLUSH_KIND_OTHER] = "other",
		[PMEMFLUSH_KIND_VIRTIO_PMEM] = "virtio-pmem",
		[PMEMFLUSH_KIND_ACPI_NFIT] = "acpi-nfit",
		[PMEMFLUSH_KIND_E820] = "e820",
	};

	return NAME_OF(names, kind);
}

PMEMFLUSH_EXPORT const char *pmemflush_driver_name(enum pmemflush_driver driver)
{
	static const char *const names[] = {
		[PMEMFLUSH_DRIVER_NONE] = "none",
		[PMEMFLUSH_DRIVER_OTHER] = "other",
		[PMEMFLUSH_DRIVER_VIRTIO_PMEM] = "virtio_pmem",
		[PMEMFLUSH_DRIVER_VPMEM] = "vpmem",
	};

	return NAME_OF(names, driver);
}

PMEMFLUSH_EXPORT const char *
pmemflush_persistence_domain_name(enum pmemflush_persistence_domain pd)
{
	static const char *const names[] = {
		[PMEMFLUSH_PD_UNKNOWN] = "unknown",
		[PMEMFLUSH_PD_NONE] = "none",
		[PMEMFLUSH_PD_MEMORY_CONTROLLER] = "memory_controller",
		[PMEMFLUSH_PD_CPU_CACHE] = "cpu_cache",
	};

	return NAME_OF(names, pd);
}

PMEMFLUSH_EXPORT const char *pmemflush_host_flush_name(enum pmemflush_host_flush hf)
{
	static const char *const names[] = {
		[PMEMFLUSH_HOST_FLUSH_NONE] = "none",
		[PMEMFLUSH_HOST_FLUSH_VPMEM] = "vpmem-flush",
		[PMEMFLUSH_HOST_FLUSH_DEEP_FLUSH] = "deep-flush",
	};

	return NAME_OF(names, hf);
}

PMEMFLUSH_EXPORT const char *pmemflush_ns_mode_name(enum pmemflush_ns_mode mode)
{
	static const char *const names[] = {
		[PMEMFLUSH_NS_MODE_UNKNOWN] = "unknown",
		[PMEMFLUSH_NS_MODE_RAW] = "raw",
		[PMEMFLUSH_NS_MODE_SECTOR] = "sector",
		[PMEMFLUSH_NS_MODE_FSDAX] = "fsdax",
		[PMEMFLUSH_NS_MODE_DEVDAX] = "devdax",
	};

	return NAME_OF(names, mode);
}
