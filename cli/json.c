// SPDX-License-Identifier: GPL-2.0-only
/*
 * json-c rendering for vpmemctl. The schema is documented in vpmemctl(1);
 * keys that mean what `ndctl list` means are named as ndctl names them.
 * --human is handled here, in the serializer, never by the commands.
 */
#include <errno.h>
#include <string.h>

#include "json.h"

/*
 * ndctl's --human sizes, to the digit, so that the two tools' output can be
 * compared: below 5000 KiB the plain number; above, binary and decimal
 * units side by side, switching from Mi/M to Gi/G at 2 GiB and to Ti/T at
 * 2 TiB (binary thresholds for both), in hundredths rounded half up.
 */
#define HUMAN_MIN (5000ULL << 10)

static const struct {
	unsigned long long below;	/* this unit until here */
	unsigned long long bin;		/* 2^20, 2^30, 2^40 */
	unsigned long long dec;		/* 10^6, 10^9, 10^12 */
	const char *bin_name, *dec_name;
} units[] = {
	{ 2ULL << 30, 1ULL << 20, 1000000ULL, "MiB", "MB" },
	{ 2ULL << 40, 1ULL << 30, 1000000000ULL, "GiB", "GB" },
	{ ~0ULL, 1ULL << 40, 1000000000000ULL, "TiB", "TB" },
};

static int unit_of(unsigned long long bytes)
{
	int i = 0;

	while (bytes >= units[i].below)
		i++;
	return i;
}

/* Hundredths of a binary and of a decimal unit, rounded half up. */
static unsigned long long centi_bin(unsigned long long bytes, int i)
{
	return (bytes * 200 / units[i].bin + 1) / 2;
}

static unsigned long long centi_dec(unsigned long long bytes, int i)
{
	return (bytes / (units[i].dec / 200) + 1) / 2;
}

void vj_size_string(char *buf, size_t len, unsigned long long bytes)
{
	unsigned long long b, d;
	int i;

	if (bytes < HUMAN_MIN) {
		snprintf(buf, len, "%llu", bytes);
		return;
	}
	i = unit_of(bytes);
	b = centi_bin(bytes, i);
	d = centi_dec(bytes, i);
	snprintf(buf, len, "%llu.%02llu %s (%llu.%02llu %s)", b / 100, b % 100, units[i].bin_name,
		 d / 100, d % 100, units[i].dec_name);
}

void vj_size_short(char *buf, size_t len, unsigned long long bytes)
{
	unsigned long long b;
	int i;

	if (bytes < HUMAN_MIN) {
		snprintf(buf, len, "%llu", bytes);
		return;
	}
	i = unit_of(bytes);
	b = centi_bin(bytes, i);
	snprintf(buf, len, "%llu.%02llu %s", b / 100, b % 100, units[i].bin_name);
}

struct json_object *vj_size(unsigned long long bytes, unsigned int flags)
{
	char buf[64];

	/* As ndctl: a number when small or not --human, else a string. */
	if (!(flags & VJ_HUMAN) || bytes < HUMAN_MIN)
		return json_object_new_uint64(bytes);
	vj_size_string(buf, sizeof(buf), bytes);
	return json_object_new_string(buf);
}

static void add_str(struct json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

struct json_object *vj_hazards(unsigned int mask)
{
	struct json_object *arr = json_object_new_array();
	unsigned int h;

	if (!arr)
		return NULL;
	pmemflush_hazard_foreach(mask, h) {
		struct json_object *o = json_object_new_object();
		const char *name = pmemflush_hazard_name(h);

		if (!o)
			continue;
		add_str(o, "id", name ? name : "unknown");
		add_str(o, "severity", pmemflush_hazard_is_warning(h) == 1 ? "warning" : "unsafe");
		add_str(o, "message", name ? pmemflush_hazard_message(h) : "unknown hazard");
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *vj_mount(struct pmemflush_mount *mnt, unsigned int flags)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add_str(o, "source", pmemflush_mount_get_source(mnt));
	add_str(o, "target", pmemflush_mount_get_target(mnt));
	add_str(o, "fstype", pmemflush_mount_get_fstype(mnt));
	json_object_object_add(o, "dax", json_object_new_boolean(pmemflush_mount_is_dax(mnt)));
	add_str(o, "options", pmemflush_mount_get_options(mnt));
	add_str(o, "stack", pmemflush_mount_get_stack(mnt));
	return o;
}

struct json_object *vj_namespace(struct pmemflush_namespace *ns, unsigned int flags)
{
	struct json_object *o = json_object_new_object();
	struct json_object *mounts;
	struct pmemflush_mount *mnt;

	if (!o)
		return NULL;
	add_str(o, "dev", pmemflush_namespace_get_devname(ns));
	add_str(o, "mode", pmemflush_ns_mode_name(pmemflush_namespace_get_mode(ns)));
	/* As ndctl names them, so the two lists can be joined. */
	add_str(o, "uuid", pmemflush_namespace_get_uuid(ns));
	add_str(o, "name", pmemflush_namespace_get_name(ns));
	json_object_object_add(o, "size", vj_size(pmemflush_namespace_get_size(ns), flags));
	add_str(o, "blockdev", pmemflush_namespace_get_blockdev(ns));
	add_str(o, "chardev", pmemflush_namespace_get_chardev(ns));
	if (pmemflush_namespace_get_align(ns))
		json_object_object_add(o, "align",
				       json_object_new_uint64(pmemflush_namespace_get_align(ns)));
	add_str(o, "persist_method",
		pmemflush_method_name(pmemflush_namespace_get_persist_method(ns)));
	json_object_object_add(o, "hazards", vj_hazards(pmemflush_namespace_get_hazards(ns)));
	mounts = json_object_new_array();
	pmemflush_mount_foreach(ns, mnt)
		json_object_array_add(mounts, vj_mount(mnt, flags));
	json_object_object_add(o, "mounts", mounts);
	return o;
}

struct json_object *vj_vpmem_counters(struct pmemflush_region *region, unsigned int flags)
{
	static const char *const names[] = { "flush_requests", "host_flushes", "flush_errors",
					     "flush_latency_total_ns", "flush_latency_max_ns" };
	unsigned long long v[5];
	struct json_object *o;
	size_t i;

	for (i = 0; i < 5; i++)
		if (pmemflush_region_get_vpmem_counter(region, names[i], &v[i]) < 0)
			return NULL;
	o = json_object_new_object();
	if (!o)
		return NULL;
	for (i = 0; i < 5; i++)
		json_object_object_add(o, names[i], json_object_new_uint64(v[i]));
	if (flags & VJ_VERBOSE)
		json_object_object_add(o, "flush_latency_avg_ns",
				       json_object_new_uint64(v[1] ? v[3] / v[1] : 0));
	return o;
}

struct json_object *vj_region(struct pmemflush_region *region, unsigned int flags)
{
	return vj_region_filtered(region, flags, NULL, NULL);
}

struct json_object *vj_region_filtered(struct pmemflush_region *region, unsigned int flags,
				       bool (*keep)(struct pmemflush_namespace *, void *),
				       void *arg)
{
	struct json_object *counters;
	struct json_object *o = json_object_new_object();
	struct json_object *nss;
	struct pmemflush_namespace *ns;
	const char *driver;

	if (!o)
		return NULL;
	add_str(o, "dev", pmemflush_region_get_devname(region));
	if (flags & VJ_VERBOSE)
		json_object_object_add(o, "id", json_object_new_int((int)pmemflush_region_get_id(region)));
	/* ndctl shows "state" only when it is not the normal one. */
	if (!pmemflush_region_is_enabled(region))
		add_str(o, "state", "disabled");
	add_str(o, "bus", pmemflush_region_get_bus_devname(region));
	add_str(o, "provider", pmemflush_region_get_provider(region));
	add_str(o, "kind", pmemflush_region_kind_name(pmemflush_region_get_kind(region)));
	driver = pmemflush_region_get_driver_devname(region);
	json_object_object_add(o, "driver", driver ? json_object_new_string(driver) : NULL);
	add_str(o, "type", pmemflush_region_get_type(region));
	json_object_object_add(o, "size", vj_size(pmemflush_region_get_size(region), flags));
	if (pmemflush_region_get_numa_node(region) >= 0)
		json_object_object_add(o, "numa_node",
				       json_object_new_int(pmemflush_region_get_numa_node(region)));
	if (pmemflush_region_get_target_node(region) >= 0)
		json_object_object_add(o, "target_node",
				       json_object_new_int(pmemflush_region_get_target_node(region)));
	add_str(o, "persistence_domain",
		pmemflush_persistence_domain_name(pmemflush_region_get_persistence_domain(region)));
	add_str(o, "buffered", pmemflush_tristate_name(pmemflush_region_get_buffered(region)));
	add_str(o, "buffered_evidence", pmemflush_region_get_buffered_evidence(region));
	add_str(o, "host_flush", pmemflush_host_flush_name(pmemflush_region_get_host_flush(region)));
	if (flags & VJ_VERBOSE)
		add_str(o, "host_flush_path", pmemflush_region_get_host_flush_path(region));
	counters = vj_vpmem_counters(region, flags);
	if (counters)
		json_object_object_add(o, "vpmem", counters);
	json_object_object_add(o, "hazards", vj_hazards(pmemflush_region_get_hazards(region)));
	nss = json_object_new_array();
	pmemflush_namespace_foreach(region, ns)
		if (!keep || keep(ns, arg))
			json_object_array_add(nss, vj_namespace(ns, flags));
	json_object_object_add(o, "namespaces", nss);
	return o;
}

static const char *map_sync_name(enum pmemflush_tristate v)
{
	switch (v) {
	case PMEMFLUSH_YES:
		return "accepted";
	case PMEMFLUSH_NO:
		return "refused";
	default:
		return "unknown";
	}
}

struct json_object *vj_check(struct pmemflush_check *check, unsigned int flags)
{
	struct json_object *o = json_object_new_object();
	struct pmemflush_namespace *ns = pmemflush_check_get_namespace(check);
	int e = pmemflush_check_get_map_sync_errno(check);

	if (!o)
		return NULL;
	add_str(o, "path", pmemflush_check_get_path(check));
	json_object_object_add(o, "pmem", json_object_new_boolean(pmemflush_check_is_pmem(check)));
	add_str(o, "dev", pmemflush_check_get_devname(check));
	if (pmemflush_check_get_stack(check) && *pmemflush_check_get_stack(check))
		add_str(o, "stack", pmemflush_check_get_stack(check));
	add_str(o, "region", pmemflush_region_get_devname(pmemflush_check_get_region(check)));
	if (ns) {
		add_str(o, "namespace", pmemflush_namespace_get_devname(ns));
		add_str(o, "mode", pmemflush_ns_mode_name(pmemflush_namespace_get_mode(ns)));
	}
	add_str(o, "target", pmemflush_check_get_mount_target(check));
	add_str(o, "fstype", pmemflush_check_get_fstype(check));
	add_str(o, "dax", pmemflush_tristate_name(pmemflush_check_get_dax(check)));
	add_str(o, "buffered", pmemflush_tristate_name(pmemflush_check_get_buffered(check)));
	add_str(o, "map_sync", map_sync_name(pmemflush_check_get_map_sync(check)));
	if (e)
		json_object_object_add(o, "map_sync_errno", json_object_new_int(e));
	add_str(o, "persist_method", pmemflush_method_name(pmemflush_check_get_method(check)));
	/* Only present when a test knob overrode the facts: never silent. */
	if (pmemflush_check_is_method_forced(check))
		json_object_object_add(o, "method_forced", json_object_new_boolean(1));
	json_object_object_add(o, "durable",
			       json_object_new_boolean(pmemflush_check_is_durable(check)));
	/* Why not, in one sentence naming the mount, device or region. */
	add_str(o, "reason", pmemflush_check_get_reason(check));
	/* Only present when an explicit opt-in accepted an unverifiable platform. */
	if (pmemflush_check_is_platform_trusted(check))
		json_object_object_add(o, "platform_trusted", json_object_new_boolean(1));
	json_object_object_add(o, "hazards", vj_hazards(pmemflush_check_get_hazards(check)));
	return o;
}

struct json_object *vj_module(struct pmemflush_module *m)
{
	struct json_object *o = json_object_new_object();
	struct json_object *holders;
	unsigned int i;

	if (!o)
		return NULL;
	add_str(o, "name", pmemflush_module_get_name(m));
	json_object_object_add(o, "available",
			       json_object_new_boolean(pmemflush_module_is_available(m)));
	add_str(o, "state", pmemflush_module_state_name(pmemflush_module_get_state(m)));
	add_str(o, "version", pmemflush_module_get_version(m));
	add_str(o, "path", pmemflush_module_get_path(m));
	if (pmemflush_module_get_refcount(m) >= 0)
		json_object_object_add(o, "refcount",
				       json_object_new_int(pmemflush_module_get_refcount(m)));
	holders = json_object_new_array();
	for (i = 0; i < pmemflush_module_get_holder_count(m); i++)
		json_object_array_add(holders,
				      json_object_new_string(pmemflush_module_get_holder(m, i)));
	json_object_object_add(o, "holders", holders);
	json_object_object_add(o, "blacklisted",
			       json_object_new_boolean(pmemflush_module_is_blacklisted(m)));
	add_str(o, "options", pmemflush_module_get_options(m));
	json_object_object_add(o, "matches_device",
			       json_object_new_boolean(pmemflush_module_matches_device(m)));
	return o;
}

struct json_object *vj_driver_advice(struct pmemflush_vdev *v)
{
	struct json_object *o;

	if (pmemflush_vdev_get_advice(v) == PMEMFLUSH_ADVICE_NONE)
		return NULL;
	o = json_object_new_object();
	if (!o)
		return NULL;
	add_str(o, "id", pmemflush_driver_advice_name(pmemflush_vdev_get_advice(v)));
	add_str(o, "message", pmemflush_vdev_get_advice_message(v));
	return o;
}

struct json_object *vj_vdev(struct pmemflush_vdev *v)
{
	struct json_object *o = json_object_new_object();
	struct json_object *advice;
	const char *drv = pmemflush_vdev_get_driver_name(v);

	if (!o)
		return NULL;
	add_str(o, "dev", pmemflush_vdev_get_devname(v));
	add_str(o, "modalias", pmemflush_vdev_get_modalias(v));
	json_object_object_add(o, "driver", drv ? json_object_new_string(drv) : NULL);
	add_str(o, "bus", pmemflush_vdev_get_bus_devname(v));
	add_str(o, "region", pmemflush_vdev_get_region_devname(v));
	add_str(o, "driver_evidence", pmemflush_vdev_get_evidence(v));
	advice = vj_driver_advice(v);
	if (advice)
		json_object_object_add(o, "driver_advice", advice);
	return o;
}

struct json_object *vj_drivers(struct pmemflush_drivers *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *mods, *devs;
	struct pmemflush_module *m;
	struct pmemflush_vdev *v;

	if (!o)
		return NULL;
	mods = json_object_new_array();
	pmemflush_module_foreach(d, m)
		json_object_array_add(mods, vj_module(m));
	json_object_object_add(o, "modules", mods);
	devs = json_object_new_array();
	pmemflush_vdev_foreach(d, v)
		json_object_array_add(devs, vj_vdev(v));
	json_object_object_add(o, "devices", devs);
	return o;
}

int vj_print(FILE *out, struct json_object *obj)
{
	const char *s;
	int rc = 0;

	if (!obj)
		return -ENOMEM;
	/* json-c prints an empty array over two lines; scripts expect "[]". */
	if (json_object_is_type(obj, json_type_array) && json_object_array_length(obj) == 0)
		s = "[]";
	else
		s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
						JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || fprintf(out, "%s\n", s) < 0)
		rc = -EIO;
	json_object_put(obj);
	return rc;
}

void vj_add_driver_facts(struct json_object *o, struct pmemflush_vdev *vdev)
{
	struct json_object *advice;

	if (!o || !vdev)
		return;
	json_object_object_add(o, "driver_evidence",
			       json_object_new_string(pmemflush_vdev_get_evidence(vdev)));
	advice = vj_driver_advice(vdev);
	if (advice)
		json_object_object_add(o, "driver_advice", advice);
}
