// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel modules that can drive virtio-pmem, as libkmod sees them:
 * modules.dep (available?), /sys/module (loaded? refcount, holders,
 * version), the modprobe.d configuration (blacklist, options) and the
 * modalias index (which module udev would load for the device). Loading
 * goes through libkmod too, as modprobe does.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <libkmod.h>

#include "caps.h"
#include "cleanup.h"
#include "drivers.h"
#include "private.h"
#include "sysfs.h"

/* The order in which modules are shown: the project's driver first. */
static const char *const module_names[] = { "vpmem", "virtio_pmem" };

static void kmod_log_bridge(void *data, int priority, const char *file, int line,
			    const char *fn, const char *format, va_list args)
{
	struct pmemflush_ctx *ctx = data;

	if (priority <= ctx->log_priority)
		ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
}

static void kmod_ctxp(struct kmod_ctx **k)
{
	if (*k)
		kmod_unref(*k);
}

static void kmod_modp(struct kmod_module **m)
{
	if (*m)
		kmod_module_unref(*m);
}

static void kmod_listp(struct kmod_list **l)
{
	if (*l)
		kmod_module_unref_list(*l);
}

/* A libkmod context for the running kernel, logging through @ctx. */
static int kmod_open(struct pmemflush_ctx *ctx, struct kmod_ctx **k)
{
	*k = kmod_new(NULL, NULL);
	if (!*k)
		return pf_error(-ENOMEM, "cannot create libkmod context");
	kmod_set_log_fn(*k, kmod_log_bridge, ctx);
	kmod_set_log_priority(*k, ctx->log_priority);
	return 0;
}

/* Whether @list (a libkmod lookup) names @name; each entry's reference is dropped. */
static bool lookup_has(struct kmod_list *list, const char *name)
{
	struct kmod_list *l;

	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		bool same = strcmp(kmod_module_get_name(m), name) == 0;

		kmod_module_unref(m);
		if (same)
			return true;
	}
	return false;
}

static bool blacklisted(struct kmod_ctx *k, const char *name)
{
	struct kmod_config_iter *it = kmod_config_get_blacklists(k);
	bool found = false;

	if (!it)
		return false;
	while (!found && kmod_config_iter_next(it))
		found = strcmp(kmod_config_iter_get_key(it), name) == 0;
	kmod_config_iter_free_iter(it);
	return found;
}

/* The installed file's "version" (modinfo), NULL if it has none. */
static char *file_version(struct kmod_module *km)
{
	struct kmod_list *info = NULL, *l;
	char *v = NULL;

	if (kmod_module_get_info(km, &info) < 0)
		return NULL;
	kmod_list_foreach(l, info) {
		if (strcmp(kmod_module_info_get_key(l), "version") == 0) {
			v = strdup(kmod_module_info_get_value(l));
			break;
		}
	}
	kmod_module_info_free_list(info);
	return v;
}

static int holders_read(struct pmemflush_module *m, struct kmod_module *km)
{
	_cleanup_(kmod_listp) struct kmod_list *holders = kmod_module_get_holders(km);
	struct kmod_list *l;
	unsigned int n = 0;

	kmod_list_foreach(l, holders)
		n++;
	if (!n)
		return 0;
	m->holders = calloc(n, sizeof(*m->holders));
	if (!m->holders)
		return -ENOMEM;
	kmod_list_foreach(l, holders) {
		struct kmod_module *h = kmod_module_get_module(l);

		m->holders[m->nholders] = strdup(kmod_module_get_name(h));
		kmod_module_unref(h);
		if (!m->holders[m->nholders])
			return -ENOMEM;
		m->nholders++;
	}
	return 0;
}

static int module_read(struct pmemflush_drivers *d, struct kmod_ctx *k, const char *name,
		       struct kmod_list *matches, struct pmemflush_module **out)
{
	_cleanup_(kmod_modp) struct kmod_module *km = NULL;
	struct pmemflush_module *m;
	char attr[PATH_MAX], buf[128];
	const char *s;
	int rc;

	rc = kmod_module_new_from_name(k, name, &km);
	if (rc < 0)
		return pf_error(rc, "libkmod: cannot look up module %s: %s", name, strerror(-rc));
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	*out = m;
	m->drivers = d;
	m->refcount = -1;
	m->name = strdup(name);
	if (!m->name)
		return -ENOMEM;
	m->state = pf_module_state_from_kmod(kmod_module_get_initstate(km));
	s = kmod_module_get_path(km);
	if (s && !(m->path = strdup(s)))
		return -ENOMEM;
	m->available = m->path || m->state == PMEMFLUSH_MODULE_BUILTIN;
	s = kmod_module_get_options(km);
	if (s && *s && !(m->options = strdup(s)))
		return -ENOMEM;
	m->blacklisted = blacklisted(k, name);
	m->matches_device = lookup_has(matches, name);

	if (m->state == PMEMFLUSH_MODULE_LIVE || m->state == PMEMFLUSH_MODULE_COMING ||
	    m->state == PMEMFLUSH_MODULE_GOING) {
		m->refcount = kmod_module_get_refcnt(km);
		if (m->refcount < 0)
			m->refcount = -1;
		rc = holders_read(m, km);
		if (rc < 0)
			return rc;
	}
	/* The loaded module's version says what runs; the file may be newer. */
	snprintf(attr, sizeof(attr), "/sys/module/%s/version", name);
	if (util_sysfs_read(attr, buf, sizeof(buf)) > 0)
		m->version = strdup(buf);
	else if (m->path)
		m->version = file_version(km);
	dbg(d->ctx, "module %s: available %d state %s path %s blacklisted %d matches %d\n", name,
	    m->available, pmemflush_module_state_name(m->state), m->path ? m->path : "-",
	    m->blacklisted, m->matches_device);
	return 0;
}

int pf_modules_read(struct pmemflush_drivers *d)
{
	_cleanup_(kmod_ctxp) struct kmod_ctx *k = NULL;
	_cleanup_(kmod_listp) struct kmod_list *matches = NULL;
	struct pmemflush_module **tail = &d->modules;
	const char *alias = PF_VIRTIO_PMEM_MODALIAS;
	size_t i;
	int rc;

	rc = kmod_open(d->ctx, &k);
	if (rc < 0)
		return rc;
	/* A device's own modalias is what udev looks up; else QEMU's. */
	if (d->vdevs && d->vdevs->modalias)
		alias = d->vdevs->modalias;
	/* No index (no /lib/modules for this kernel): nothing matches. */
	if (kmod_module_new_from_lookup(k, alias, &matches) < 0)
		matches = NULL;
	for (i = 0; i < ARRAY_SIZE(module_names); i++) {
		rc = module_read(d, k, module_names[i], matches, tail);
		if (*tail)
			tail = &(*tail)->next;
		if (rc < 0)
			return rc == -ENOMEM ? pf_error(rc, "out of memory reading modules") : rc;
	}
	return 0;
}

void pf_modules_free(struct pmemflush_module *m)
{
	struct pmemflush_module *next;
	unsigned int i;

	for (; m; m = next) {
		next = m->next;
		for (i = 0; i < m->nholders; i++)
			free(m->holders[i]);
		free(m->holders);
		free(m->name);
		free(m->version);
		free(m->path);
		free(m->options);
		free(m);
	}
}

PMEMFLUSH_EXPORT int pmemflush_module_load(struct pmemflush_ctx *ctx, const char *name)
{
	_cleanup_(kmod_ctxp) struct kmod_ctx *k = NULL;
	_cleanup_(kmod_modp) struct kmod_module *km = NULL;
	struct utsname u;
	int rc, state, i;

	if (!ctx || !name || !*name)
		return -EINVAL;
	pf_error_clear();
	rc = kmod_open(ctx, &k);
	if (rc < 0)
		return rc;
	rc = kmod_module_new_from_name(k, name, &km);
	if (rc < 0)
		return pf_error(rc, "libkmod: cannot look up module %s: %s", name, strerror(-rc));
	state = kmod_module_get_initstate(km);
	if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN)
		return 0;
	if (!kmod_module_get_path(km)) {
		uname(&u);
		return pf_error(-ENOENT,
				"module %s is not installed for kernel %s (not in /lib/modules/%s/modules.dep): install it (dkms install, or copy it to /lib/modules/%s/extra/ and run depmod)",
				name, u.release, u.release, u.release);
	}
	/*
	 * Without CAP_SYS_MODULE the kernel refuses the load anyway; asking
	 * first keeps libkmod from running an "install" command of the
	 * modprobe configuration as this user.
	 */
	if (!util_may_load_modules())
		return pf_error(-EPERM, "loading module %s needs root (CAP_SYS_MODULE)", name);
	rc = kmod_module_probe_insert_module(km, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL,
					     NULL);
	if (rc > 0)
		return pf_error(-ECANCELED,
				"module %s is blacklisted by the modprobe configuration (modprobe.d): not loaded",
				name);
	if (rc == -EPERM || rc == -EACCES)
		return pf_error(-EPERM, "loading module %s: %s (needs root: CAP_SYS_MODULE)", name,
				strerror(-rc));
	if (rc < 0)
		return pf_error(rc, "loading module %s: %s", name, strerror(-rc));
	/*
	 * Success from the probe is not a loaded module: an "install NAME
	 * COMMAND" line of the configuration runs COMMAND instead, and its
	 * exit status 0 is all libkmod reports.
	 */
	state = kmod_module_get_initstate(km);
	/* Another loader (udev) may still be running its init: give it 5 s. */
	for (i = 0; state == KMOD_MODULE_COMING && i < 50; i++) {
		usleep(100000);
		state = kmod_module_get_initstate(km);
	}
	if (state != KMOD_MODULE_LIVE && state != KMOD_MODULE_BUILTIN)
		return pf_error(-ENXIO,
				"module %s is not loaded although loading it succeeded (state %s): an \"install %s\" command of the modprobe configuration (modprobe.d) probably ran instead; see modprobe -c | grep '^install %s '",
				name,
				pmemflush_module_state_name(pf_module_state_from_kmod(state)),
				name, name);
	info(ctx, "module %s loaded\n", name);
	return 0;
}

PMEMFLUSH_EXPORT struct pmemflush_module *
pmemflush_module_get_first(struct pmemflush_drivers *drivers)
{
	return drivers ? drivers->modules : NULL;
}

PMEMFLUSH_EXPORT struct pmemflush_module *pmemflush_module_get_next(struct pmemflush_module *m)
{
	return m ? m->next : NULL;
}

PMEMFLUSH_EXPORT struct pmemflush_module *
pmemflush_drivers_get_module(struct pmemflush_drivers *drivers, const char *name)
{
	struct pmemflush_module *m;

	if (!name)
		return NULL;
	pmemflush_module_foreach(drivers, m)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

#define MODULE_GETTER(type, fname, expr, dflt)                                       \
	PMEMFLUSH_EXPORT type pmemflush_module_##fname(struct pmemflush_module *module) \
	{                                                                            \
		return module ? (expr) : (dflt);                                     \
	}

MODULE_GETTER(const char *, get_name, module->name, NULL)
MODULE_GETTER(int, is_available, module->available, 0)
MODULE_GETTER(enum pmemflush_module_state, get_state, module->state,
	      PMEMFLUSH_MODULE_NOT_LOADED)
MODULE_GETTER(const char *, get_version, module->version, NULL)
MODULE_GETTER(const char *, get_path, module->path, NULL)
MODULE_GETTER(int, get_refcount, module->refcount, -1)
MODULE_GETTER(unsigned int, get_holder_count, module->nholders, 0)
MODULE_GETTER(int, is_blacklisted, module->blacklisted, 0)
MODULE_GETTER(const char *, get_options, module->options, NULL)
MODULE_GETTER(int, matches_device, module->matches_device, 0)

PMEMFLUSH_EXPORT const char *pmemflush_module_get_holder(struct pmemflush_module *module,
							 unsigned int index)
{
	return module && index < module->nholders ? module->holders[index] : NULL;
}
