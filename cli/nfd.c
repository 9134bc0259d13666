// SPDX-License-Identifier: GPL-2.0-only
/*
 * The node's pmem facts as NFD local-source feature lines. One file
 * describes the whole node, so every label is a summary over all regions
 * and virtio-pmem devices; values are booleans, counts or enum names, so a
 * NodeFeatureRule or a nodeAffinity can match them with In/Gt. The label
 * list and meanings are in vpmemctl-list(1) and docs/nfd.md: keep them in
 * step with this file (the unit test compares the manifests with it).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "config.h"

#include "nfd.h"
#include "eprint.h"

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* 1-63 characters (value: 0-63), alphanumeric at both ends, [-_.] inside. */
static bool label_part_ok(const char *s, bool empty_ok)
{
	size_t i, n = strlen(s);

	if (n == 0)
		return empty_ok;
	if (n > 63 || !alnum(s[0]) || !alnum(s[n - 1]))
		return false;
	for (i = 1; i + 1 < n; i++)
		if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

bool nfd_name_ok(const char *name)
{
	return label_part_ok(name, false);
}

bool nfd_value_ok(const char *value)
{
	return label_part_ok(value, true);
}

struct nfd_out {
	FILE *f;
	int err;
};

/* One NS/NAME=VALUE line; a label that breaks the rules is a bug: refuse. */
__attribute__((format(printf, 3, 4)))
static void label(struct nfd_out *o, const char *name, const char *fmt, ...)
{
	char value[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value) || !nfd_name_ok(name) || !nfd_value_ok(value)) {
		vp_line(stderr, "vpmemctl list: internal error: NFD label '%s=%s' breaks the label rules\n",
			name, n < 0 ? "?" : value);
		o->err = -EINVAL;
		return;
	}
	if (fprintf(o->f, NFD_NS "/%s=%s\n", name, value) < 0 && !o->err)
		o->err = -EIO;
}

static const char *yes(bool b)
{
	return b ? "true" : "false";
}

/*
 * Durable with CPU cache flushes alone, for any program (PMDK, whose
 * pmem_persist() never asks the host: it sees is_pmem=1 on virtio-pmem
 * too): the region is verified synchronous. Buffered, unknown buffering
 * and volatile regions are not, whatever pmemflush.conf trusts: the labels
 * say what the guest can verify.
 */
static bool cpu_flush_durable(struct pmemflush_region *r)
{
	if (pmemflush_region_get_hazards(r) &
	    (PMEMFLUSH_HAZARD_VOLATILE | PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN))
		return false;
	return pmemflush_region_get_buffered(r) == PMEMFLUSH_NO;
}

enum flush_state { FLUSH_OK, FLUSH_FAILING, FLUSH_UNKNOWN };

/*
 * vpmem refuses every flush of a device while a flush error is not
 * acknowledged (vpmem(4): sticky until root writes flush_errors_ack).
 * flush_errors_ack is root's only (0600): another user cannot tell, and
 * unknown is never "working". A region not driven by vpmem has no
 * counters and nothing to refuse this way.
 */
static enum flush_state flush_state(struct pmemflush_region *r)
{
	unsigned long long errors, acked;

	if (pmemflush_region_get_driver(r) != PMEMFLUSH_DRIVER_VPMEM)
		return FLUSH_OK;
	if (pmemflush_region_get_vpmem_counter(r, "flush_errors", &errors) < 0 ||
	    pmemflush_region_get_vpmem_counter(r, "flush_errors_ack", &acked) < 0)
		return FLUSH_UNKNOWN;
	return errors > acked ? FLUSH_FAILING : FLUSH_OK;
}

/*
 * Durable for a program that persists through libpmemflush (which writes
 * vpmem's flush attribute on a buffered region): CPU-flush durable, or
 * verified buffered with a host-flush path that is not refusing flushes.
 * Whether the program may write the attribute (root, or the udev rule's
 * group; /sys is read-only in an unprivileged container) is its deployment's
 * business: docs/nfd.md.
 */
static bool host_flush_durable(struct pmemflush_region *r, enum flush_state fs)
{
	if (cpu_flush_durable(r))
		return true;
	if (pmemflush_region_get_hazards(r) &
	    (PMEMFLUSH_HAZARD_VOLATILE | PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN))
		return false;
	return pmemflush_region_get_buffered(r) == PMEMFLUSH_YES &&
	       pmemflush_region_get_host_flush(r) != PMEMFLUSH_HOST_FLUSH_NONE && fs == FLUSH_OK;
}

/* Any hazard of @mask that makes a path unsafe (not a mere warning)? */
static bool any_unsafe(unsigned int mask)
{
	unsigned int h;

	pmemflush_hazard_foreach(mask, h)
		if (pmemflush_hazard_is_warning(h) != 1)
			return true;
	return false;
}

/* true, false, or "unknown" when some are unknown and none is true. */
static const char *tri(unsigned int yes_count, unsigned int unknown_count)
{
	return yes_count ? "true" : unknown_count ? "unknown" : "false";
}

static void region_labels(struct nfd_out *o, struct pmemflush_ctx *ctx)
{
	unsigned int regions = 0, buffered = 0, buffered_unknown = 0, host_flush = 0;
	unsigned int cpu_durable = 0, hf_durable = 0, failing = 0, failing_unknown = 0;
	unsigned int hazards = 0, h;
	struct pmemflush_region *r;

	pmemflush_region_foreach(ctx, r) {
		enum pmemflush_tristate b = pmemflush_region_get_buffered(r);
		enum flush_state fs = flush_state(r);

		regions++;
		buffered += b == PMEMFLUSH_YES;
		buffered_unknown += b != PMEMFLUSH_YES && b != PMEMFLUSH_NO;
		host_flush += pmemflush_region_get_host_flush(r) != PMEMFLUSH_HOST_FLUSH_NONE;
		cpu_durable += cpu_flush_durable(r);
		hf_durable += host_flush_durable(r, fs);
		failing += fs == FLUSH_FAILING;
		failing_unknown += fs == FLUSH_UNKNOWN;
		hazards |= pmemflush_region_get_hazards(r);
	}
	label(o, "pmem", "%s", yes(regions));
	label(o, "regions", "%u", regions);
	/* Unknown is not "no": a region of unknown buffering may be buffered. */
	label(o, "buffered", "%s", tri(buffered, buffered_unknown));
	label(o, "buffered-regions", "%u", buffered);
	label(o, "buffered-unknown-regions", "%u", buffered_unknown);
	label(o, "host-flush", "%s", yes(host_flush));
	label(o, "host-flush-regions", "%u", host_flush);
	/* All regions, not some: PMEM-CSI may place a volume on any of them. */
	label(o, "cpu-flush-durable", "%s", yes(regions && cpu_durable == regions));
	label(o, "cpu-flush-durable-regions", "%u", cpu_durable);
	label(o, "devdax-host-flush", "%s", yes(regions && hf_durable == regions));
	label(o, "devdax-host-flush-regions", "%u", hf_durable);
	label(o, "flush-failing", "%s", tri(failing, failing_unknown));
	label(o, "flush-failing-regions", "%u", failing);
	label(o, "unsafe", "%s", yes(any_unsafe(hazards)));
	/* Every known hazard, true or false: absent means "not written". */
	for (h = 1; h <= PMEMFLUSH_HAZARD_ALL; h <<= 1) {
		char name[64];

		snprintf(name, sizeof(name), "hazard.%s", pmemflush_hazard_name(h));
		label(o, name, "%s", yes(hazards & h));
	}
}

/* The advice of the device that needs the most work, by this rank. */
static int advice_rank(enum pmemflush_driver_advice a)
{
	switch (a) {
	case PMEMFLUSH_ADVICE_NONE:
		return 0;
	case PMEMFLUSH_ADVICE_BIND_VPMEM:
		return 1;
	case PMEMFLUSH_ADVICE_UNBOUND:
		return 2;
	case PMEMFLUSH_ADVICE_VPMEM_BLACKLISTED:
		return 3;
	case PMEMFLUSH_ADVICE_INSTALL_VPMEM:
	default:
		return 4;
	}
}

static void module_labels(struct nfd_out *o, struct pmemflush_drivers *d, const char *name,
			  const char *state_label, const char *installed_label)
{
	struct pmemflush_module *m = pmemflush_drivers_get_module(d, name);

	if (!m)
		return;
	label(o, state_label, "%s", pmemflush_module_state_name(pmemflush_module_get_state(m)));
	label(o, installed_label, "%s", yes(pmemflush_module_is_available(m) == 1));
}

static void driver_labels(struct nfd_out *o, struct pmemflush_drivers *d)
{
	enum pmemflush_driver_advice advice = PMEMFLUSH_ADVICE_NONE;
	unsigned int devices = 0, vpmem = 0, in_tree = 0, unbound = 0;
	struct pmemflush_vdev *v;

	module_labels(o, d, "vpmem", "module.vpmem", "module.vpmem.installed");
	module_labels(o, d, "virtio_pmem", "module.virtio_pmem", "module.virtio_pmem.installed");
	pmemflush_vdev_foreach(d, v) {
		devices++;
		switch (pmemflush_vdev_get_driver(v)) {
		case PMEMFLUSH_DRIVER_VPMEM:
			vpmem++;
			break;
		case PMEMFLUSH_DRIVER_VIRTIO_PMEM:
			in_tree++;
			break;
		case PMEMFLUSH_DRIVER_NONE:
			unbound++;
			break;
		default:
			break;
		}
		if (advice_rank(pmemflush_vdev_get_advice(v)) > advice_rank(advice))
			advice = pmemflush_vdev_get_advice(v);
	}
	label(o, "devices", "%u", devices);
	label(o, "devices.vpmem", "%u", vpmem);
	label(o, "devices.virtio_pmem", "%u", in_tree);
	label(o, "devices.unbound", "%u", unbound);
	label(o, "driver-advice", "%s", pmemflush_driver_advice_name(advice));
}

int nfd_print(FILE *out, struct pmemflush_ctx *ctx, struct pmemflush_drivers *drivers,
	      long expiry, time_t now)
{
	struct nfd_out o = { .f = out };

	/* Comments must not start with "# +": NFD reads those as directives. */
	fprintf(out, "# pmem facts of this node, by vpmemctl %s list --format=nfd (vpmemctl-list(1))\n",
		PACKAGE_VERSION);
	if (expiry > 0) {
		time_t t = now + expiry;
		struct tm tm;
		char stamp[32];

		/* RFC 3339 in UTC, as NFD parses it. */
		if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm))
			return -EOVERFLOW;
		fprintf(out, "# +expiry-time=%s\n", stamp);
	}
	region_labels(&o, ctx);
	if (drivers)
		driver_labels(&o, drivers);
	label(&o, "version", "%s", PACKAGE_VERSION);
	return o.err;
}
