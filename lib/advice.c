// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pure decisions about a virtio-pmem device's driver: what to advise and
 * which facts to show as evidence. No system access: unit-tested on
 * constructed input (tests/unit/test-drivers.c).
 */
#include <stdio.h>

#include <libkmod.h>

#include "cleanup.h"
#include "drivers.h"
#include "private.h"

static bool vpmem_loaded(const struct pf_advice_input *in)
{
	return in->vpmem_state == PMEMFLUSH_MODULE_LIVE ||
	       in->vpmem_state == PMEMFLUSH_MODULE_BUILTIN;
}

enum pmemflush_driver_advice pf_driver_advice(const struct pf_advice_input *in, char *msg,
					      size_t len)
{
	const char *dev = in->vdev ? in->vdev : "DEVICE";

	msg[0] = '\0';
	if (in->bound == PMEMFLUSH_DRIVER_VPMEM)
		return PMEMFLUSH_ADVICE_NONE;
	if (in->bound == PMEMFLUSH_DRIVER_NONE) {
		/* Loading vpmem binds it, as would a bind to virtio_pmem. */
		if (vpmem_loaded(in) || (in->vpmem_available && !in->vpmem_blacklisted))
			snprintf(msg, len,
				 "%s has no driver: `vpmemctl driver bind vpmem %s` drives it with a host-flush path for devdax (or bind virtio_pmem)",
				 dev, dev);
		else
			snprintf(msg, len, "%s has no driver: `vpmemctl driver bind virtio_pmem %s` drives it",
				 dev, dev);
		return PMEMFLUSH_ADVICE_UNBOUND;
	}
	/*
	 * Bound elsewhere. A loaded vpmem can take the device whatever the
	 * configuration says; an unloaded one only if modprobe may load it.
	 */
	if (vpmem_loaded(in)) {
		snprintf(msg, len,
			 "vpmem loaded but not bound: `vpmemctl driver bind vpmem %s` gives devdax a host-flush path",
			 dev);
		return PMEMFLUSH_ADVICE_BIND_VPMEM;
	}
	if (in->vpmem_available && in->vpmem_blacklisted) {
		snprintf(msg, len,
			 "vpmem installed but blacklisted by the modprobe configuration: remove the blacklist, then `vpmemctl driver bind vpmem %s`",
			 dev);
		return PMEMFLUSH_ADVICE_VPMEM_BLACKLISTED;
	}
	if (in->vpmem_available) {
		snprintf(msg, len,
			 "vpmem available but not bound: `vpmemctl driver bind vpmem %s` gives devdax a host-flush path",
			 dev);
		return PMEMFLUSH_ADVICE_BIND_VPMEM;
	}
	snprintf(msg, len,
		 "vpmem not installed: devdax on %s has no host-flush path without it (see vpmem(4))", dev);
	return PMEMFLUSH_ADVICE_INSTALL_VPMEM;
}

void pf_driver_evidence(const struct pf_advice_input *in, char *buf, size_t len)
{
	snprintf(buf, len, "bound=%s,vpmem=%s,vpmem_available=%s,vpmem_blacklisted=%s",
		 in->bound_name ? in->bound_name : "none",
		 pmemflush_module_state_name(in->vpmem_state),
		 in->vpmem_available ? "yes" : "no", in->vpmem_blacklisted ? "yes" : "no");
}

enum pmemflush_module_state pf_module_state_from_kmod(int initstate)
{
	switch (initstate) {
	case KMOD_MODULE_BUILTIN:
		return PMEMFLUSH_MODULE_BUILTIN;
	case KMOD_MODULE_LIVE:
		return PMEMFLUSH_MODULE_LIVE;
	case KMOD_MODULE_COMING:
		return PMEMFLUSH_MODULE_COMING;
	case KMOD_MODULE_GOING:
		return PMEMFLUSH_MODULE_GOING;
	default:
		return PMEMFLUSH_MODULE_NOT_LOADED;
	}
}

PMEMFLUSH_EXPORT const char *pmemflush_module_state_name(enum pmemflush_module_state state)
{
	static const char *const names[] = {
		[PMEMFLUSH_MODULE_NOT_LOADED] = "not-loaded",
		[PMEMFLUSH_MODULE_LIVE] = "live",
		[PMEMFLUSH_MODULE_COMING] = "coming",
		[PMEMFLUSH_MODULE_GOING] = "going",
		[PMEMFLUSH_MODULE_BUILTIN] = "builtin",
	};

	return (unsigned int)state < ARRAY_SIZE(names) ? names[state] : NULL;
}

PMEMFLUSH_EXPORT const char *pmemflush_driver_advice_name(enum pmemflush_driver_advice advice)
{
	static const char *const names[] = {
		[PMEMFLUSH_ADVICE_NONE] = "none",
		[PMEMFLUSH_ADVICE_BIND_VPMEM] = "bind-vpmem",
		[PMEMFLUSH_ADVICE_VPMEM_BLACKLISTED] = "vpmem-blacklisted",
		[PMEMFLUSH_ADVICE_INSTALL_VPMEM] = "install-vpmem",
		[PMEMFLUSH_ADVICE_UNBOUND] = "unbound",
	};

	return (unsigned int)advice < ARRAY_SIZE(names) ? names[advice] : NULL;
}
