// SPDX-License-Identifier: GPL-2.0-only
/* vpmemctl list: regions, namespaces, mounts, buffered state and hazards. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pmemflush.h>

#include "builtin.h"
#include "cleanup.h"
#include "json.h"
#include "nfd.h"
#include "eprint.h"

enum list_format { LIST_TABLE, LIST_JSON, LIST_NFD };

struct list_opts {
	enum list_format format;
	bool format_set;
	const char *output;	/* --output: replaced atomically */
	long expiry;		/* --expiry: seconds, 0 none (nfd only) */
	bool expiry_set;
	bool buffered_only;
	unsigned int flags;
	const char *region;
	const char *bus;
	const char *ns;
	const char *mode;
};

static void list_usage(FILE *out)
{
	fprintf(out, "usage: vpmemctl list [-j|--json] [--format FORMAT] [-o|--output FILE] [--expiry TIME]\n"
		     "                     [-u|--human] [-v|--verbose] [-r|--region REGION]\n"
		     "                     [-b|--bus BUS] [-n|--namespace NAMESPACE] [-m|--mode MODE]\n"
		     "                     [--buffered]\n\n"
		     "  -j, --json           JSON output (schema in vpmemctl(1)), as --format=json\n"
		     "      --format FMT     table (default), json, or nfd: Node Feature Discovery\n"
		     "                       feature lines for the whole node (labels in vpmemctl-list(1))\n"
		     "  -o, --output FILE    replace FILE atomically (e.g. in NFD's features.d)\n"
		     "      --expiry TIME    nfd: labels expire TIME after writing (seconds, or 10m, 1h)\n"
		     "  -u, --human          sizes as ndctl -u prints them (JSON; tables always are)\n"
		     "  -v, --verbose        also region ids, host-flush paths, average flush latency\n"
		     "  -r, --region REG     only region REG (\"region0\" or \"0\")\n"
		     "  -b, --bus BUS        only regions of bus BUS (\"ndbus0\", \"0\" or a provider)\n"
		     "  -n, --namespace NS   only namespace NS (\"namespace0.0\") and its region\n"
		     "  -m, --mode MODE      only namespaces in MODE (raw, sector, fsdax, devdax)\n"
		     "      --buffered       only buffered regions\n"
		     "  -h, --help           show this help\n");
}

/* "region0" or "0" names region 0; likewise for buses ("ndbus0", "0"). */
static bool name_matches(const char *want, const char *devname, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strcmp(want, devname) == 0)
		return true;
	return strncmp(devname, prefix, n) == 0 && strcmp(want, devname + n) == 0;
}

static bool ns_selected(struct pmemflush_namespace *ns, void *arg)
{
	const struct list_opts *o = arg;

	if (o->ns && strcmp(o->ns, pmemflush_namespace_get_devname(ns)) != 0)
		return false;
	if (o->mode && strcmp(o->mode, pmemflush_ns_mode_name(pmemflush_namespace_get_mode(ns))))
		return false;
	return true;
}

static bool region_selected(struct pmemflush_region *r, const struct list_opts *o)
{
	struct pmemflush_namespace *ns;
	const char *provider = pmemflush_region_get_provider(r);

	if (o->buffered_only && pmemflush_region_get_buffered(r) != PMEMFLUSH_YES)
		return false;
	if (o->region && !name_matches(o->region, pmemflush_region_get_devname(r), "region"))
		return false;
	if (o->bus && !name_matches(o->bus, pmemflush_region_get_bus_devname(r), "ndbus") &&
	    !(provider && strcmp(o->bus, provider) == 0))
		return false;
	/* A namespace filter keeps only regions that have a match (as ndctl). */
	if (o->ns || o->mode) {
		pmemflush_namespace_foreach(r, ns)
			if (ns_selected(ns, (void *)o))
				return true;
		return false;
	}
	return true;
}

static const char *const modes[] = { "raw", "sector", "fsdax", "devdax" };

static void print_hazards(FILE *out, unsigned int mask, const char *indent)
{
	unsigned int h;

	pmemflush_hazard_foreach(mask, h)
		fprintf(out, "%s%s %s: %s\n", indent,
		       pmemflush_hazard_is_warning(h) == 1 ? "warning" : "HAZARD",
		       pmemflush_hazard_name(h), pmemflush_hazard_message(h));
}

/* The virtio-pmem device behind @r (libkmod and sysfs facts), or NULL. */
static struct pmemflush_vdev *region_vdev(struct pmemflush_drivers *d, struct pmemflush_region *r)
{
	return pmemflush_drivers_get_vdev_by_bus(d, pmemflush_region_get_bus_devname(r));
}

/* vpmem's counters, one line; verbose adds the host-flush path. */
static void print_vpmem_table(FILE *out, struct pmemflush_region *r, const struct list_opts *o)
{
	unsigned long long req, hf, err, total, max;

	if (pmemflush_region_get_vpmem_counter(r, "flush_requests", &req) < 0 ||
	    pmemflush_region_get_vpmem_counter(r, "host_flushes", &hf) < 0 ||
	    pmemflush_region_get_vpmem_counter(r, "flush_errors", &err) < 0 ||
	    pmemflush_region_get_vpmem_counter(r, "flush_latency_total_ns", &total) < 0 ||
	    pmemflush_region_get_vpmem_counter(r, "flush_latency_max_ns", &max) < 0)
		return;
	fprintf(out, "  vpmem: %llu flush requests, %llu host flushes, %llu errors, latency avg %llu us max %llu us\n",
	       req, hf, err, hf ? total / hf / 1000 : 0, max / 1000);
	if ((o->flags & VJ_VERBOSE) && pmemflush_region_get_host_flush_path(r))
		fprintf(out, "  host-flush path: %s\n", pmemflush_region_get_host_flush_path(r));
}

static void print_region_table(FILE *out, struct pmemflush_region *r, struct pmemflush_drivers *d,
			       const struct list_opts *o)
{
	struct pmemflush_vdev *v = region_vdev(d, r);
	struct pmemflush_namespace *ns;
	struct pmemflush_mount *m;
	const char *drv = pmemflush_region_get_driver_devname(r);
	char size[32];

	vj_size_short(size, sizeof(size), pmemflush_region_get_size(r));
	fprintf(out, "%-10s %-12s %-12s %12s  %-8s %-18s %s\n", pmemflush_region_get_devname(r),
		pmemflush_region_kind_name(pmemflush_region_get_kind(r)), drv ? drv : "-", size,
		pmemflush_tristate_name(pmemflush_region_get_buffered(r)),
		pmemflush_persistence_domain_name(pmemflush_region_get_persistence_domain(r)),
		pmemflush_host_flush_name(pmemflush_region_get_host_flush(r)));
	fprintf(out, "  provider %s, evidence: %s\n",
		pmemflush_region_get_provider(r) ? pmemflush_region_get_provider(r) : "-",
		pmemflush_region_get_buffered_evidence(r));
	if (v)
		fprintf(out, "  driver %s: %s\n", pmemflush_vdev_get_devname(v),
			pmemflush_vdev_get_evidence(v));
	if (pmemflush_vdev_get_advice_message(v))
		fprintf(out, "  advice: %s\n", pmemflush_vdev_get_advice_message(v));
	print_vpmem_table(out, r, o);
	pmemflush_namespace_foreach(r, ns) {
		const char *dev = pmemflush_namespace_get_blockdev(ns);

		if (!ns_selected(ns, (void *)o))
			continue;
		if (!dev)
			dev = pmemflush_namespace_get_chardev(ns);
		vj_size_short(size, sizeof(size), pmemflush_namespace_get_size(ns));
		fprintf(out, "  %-14s %-7s %-8s %12s  persist: %s\n", pmemflush_namespace_get_devname(ns),
			pmemflush_ns_mode_name(pmemflush_namespace_get_mode(ns)), dev ? dev : "-",
			size, pmemflush_method_name(pmemflush_namespace_get_persist_method(ns)));
		pmemflush_mount_foreach(ns, m) {
			fprintf(out, "    %s on %s type %s%s (%s)\n", pmemflush_mount_get_source(m),
				pmemflush_mount_get_target(m), pmemflush_mount_get_fstype(m),
				pmemflush_mount_is_dax(m) ? ", dax" : ", no dax",
				pmemflush_mount_get_options(m) ? pmemflush_mount_get_options(m) : "");
			/* Over device mapper, md or a partition: through what. */
			if (dev && strcmp(pmemflush_mount_get_stack(m), dev) != 0)
				fprintf(out, "      stack: %s\n", pmemflush_mount_get_stack(m));
		}
		print_hazards(out, pmemflush_namespace_get_hazards(ns) &
				      ~PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN, "    ");
	}
	print_hazards(out, pmemflush_region_get_hazards(r) & PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN, "  ");
}

/* The listing in the chosen format, to @out. */
static int list_to(FILE *out, struct pmemflush_ctx *ctx, struct pmemflush_drivers *drivers,
		   const struct list_opts *o)
{
	struct pmemflush_region *r;
	struct json_object *arr = NULL;
	bool header = false;

	if (o->format == LIST_NFD)
		return nfd_print(out, ctx, drivers, o->expiry, time(NULL));
	if (o->format == LIST_JSON) {
		arr = json_object_new_array();
		if (!arr)
			return -ENOMEM;
	}
	pmemflush_region_foreach(ctx, r) {
		if (!region_selected(r, o))
			continue;
		if (o->format == LIST_JSON) {
			struct json_object *jr = vj_region_filtered(r, o->flags, ns_selected, (void *)o);

			vj_add_driver_facts(jr, region_vdev(drivers, r));
			json_object_array_add(arr, jr);
			continue;
		}
		if (!header) {
			fprintf(out, "%-10s %-12s %-12s %12s  %-8s %-18s %s\n", "REGION", "KIND",
				"DRIVER", "SIZE", "BUFFERED", "PERSISTENCE", "HOST-FLUSH");
			header = true;
		}
		print_region_table(out, r, drivers, o);
	}
	return o->format == LIST_JSON ? vj_print(out, arr) : 0;
}

static const char *const formats[] = { [LIST_TABLE] = "table", [LIST_JSON] = "json",
				       [LIST_NFD] = "nfd" };

/* -j and --format name one format; two different ones are a usage error. */
static int set_format(struct list_opts *o, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (strcmp(name, formats[i]) == 0)
			break;
	if (i == ARRAY_SIZE(formats)) {
		vp_line(stderr, "vpmemctl list: unknown format '%s' (table, json, nfd)\n", name);
		return -EINVAL;
	}
	if (o->format_set && o->format != (enum list_format)i) {
		vp_line(stderr, "vpmemctl list: format '%s' conflicts with '%s' given before\n", name,
			formats[o->format]);
		return -EINVAL;
	}
	o->format = (enum list_format)i;
	o->format_set = true;
	return 0;
}

/* SECONDS, or a number with the unit s, m, h or d; 0 means none. */
static int parse_expiry(const char *arg, long *out)
{
	static const struct { char unit; long mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char *end;
	long v;
	size_t i;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || v < 0 || arg[0] == '-' || arg[0] == '+')
		goto bad;
	if (*end) {
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (end[0] == units[i].unit && !end[1])
				break;
		if (i == ARRAY_SIZE(units) || v > NFD_EXPIRY_MAX / units[i].mult)
			goto bad;
		v *= units[i].mult;
	}
	if (v > NFD_EXPIRY_MAX)
		goto bad;
	*out = v;
	return 0;
bad:
	vp_line(stderr, "vpmemctl list: bad expiry '%s' (seconds, or a number with s, m, h or d; at most 366d)\n",
		arg);
	return -EINVAL;
}

/* Options that only some formats take. */
static int check_combination(const struct list_opts *o)
{
	if (o->format == LIST_NFD &&
	    (o->region || o->bus || o->ns || o->mode || o->buffered_only)) {
		vp_line(stderr, "vpmemctl list: --format=nfd describes the whole node: "
				"-r, -b, -n, -m and --buffered do not apply\n");
		return -EINVAL;
	}
	if (o->expiry_set && o->format != LIST_NFD) {
		vp_line(stderr, "vpmemctl list: --expiry applies to --format=nfd only\n");
		return -EINVAL;
	}
	if (o->output && !*o->output) {
		vp_line(stderr, "vpmemctl list: --output needs a file name\n");
		return -EINVAL;
	}
	return 0;
}

int cmd_list(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "expiry", required_argument, NULL, 'E' },
		{ "human", no_argument, NULL, 'u' },
		{ "region", required_argument, NULL, 'r' },
		{ "bus", required_argument, NULL, 'b' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "buffered", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct list_opts o = { 0 };
	struct pmemflush_drivers *drivers = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	size_t i;
	int c, rc;

	while ((c = getopt_long(argc, (char *const *)argv, ":jo:ur:b:n:m:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (set_format(&o, "json") < 0)
				return VPMEMCTL_EXIT_USAGE;
			break;
		case 'F':
			if (set_format(&o, optarg) < 0)
				return VPMEMCTL_EXIT_USAGE;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'E':
			if (parse_expiry(optarg, &o.expiry) < 0)
				return VPMEMCTL_EXIT_USAGE;
			o.expiry_set = true;
			break;
		case 'u':
			o.flags |= VJ_HUMAN;
			break;
		case 'r':
			o.region = optarg;
			break;
		case 'b':
			o.bus = optarg;
			break;
		case 'n':
			o.ns = optarg;
			break;
		case 'm':
			o.mode = optarg;
			for (i = 0; i < ARRAY_SIZE(modes); i++)
				if (strcmp(optarg, modes[i]) == 0)
					break;
			if (i == ARRAY_SIZE(modes)) {
				vp_line(stderr, "vpmemctl list: unknown mode '%s' (raw, sector, fsdax, devdax)\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		case 'v':
			o.flags |= VJ_VERBOSE;
			break;
		case 'B':
			o.buffered_only = true;
			break;
		case 'h':
			list_usage(stdout);
			return VPMEMCTL_EXIT_OK;
		default:
			return vpmemctl_bad_option("list", c, argv);
		}
	}
	if (optind < argc) {
		vp_line(stderr, "vpmemctl list: unexpected argument '%s' (see 'vpmemctl list --help')\n",
			argv[optind]);
		return VPMEMCTL_EXIT_USAGE;
	}
	if (check_combination(&o) < 0)
		return VPMEMCTL_EXIT_USAGE;
	if (VPMEMCTL_PARSE_ONLY(ctx))
		return VPMEMCTL_EXIT_OK;

	rc = pmemflush_discover(ctx);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl list: %s\n",
			*pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
		return VPMEMCTL_EXIT_ERROR;
	}

	/* Driver facts are evidence, not a condition: list without them. */
	if (pmemflush_drivers_new(ctx, &drivers) < 0)
		vp_line(stderr, "vpmemctl list: no driver facts: %s\n", pmemflush_errormsg());
	/*
	 * The whole listing is made in memory first: nothing reaches the file
	 * (or standard output) unless all of it could be made.
	 */
	mem = open_memstream(&buf, &len);
	if (!mem) {
		pmemflush_drivers_unref(drivers);
		vp_line(stderr, "vpmemctl list: %s\n", strerror(errno));
		return VPMEMCTL_EXIT_ERROR;
	}
	rc = list_to(mem, ctx, drivers, &o);
	pmemflush_drivers_unref(drivers);
	if (fclose(mem) != 0 && !rc)
		rc = -errno;
	if (rc < 0) {
		if (rc != -EINVAL)
			vp_line(stderr, "vpmemctl list: %s\n", strerror(-rc));
		return VPMEMCTL_EXIT_ERROR;
	}
	if (o.format == LIST_NFD && len > NFD_FILE_MAX) {
		vp_line(stderr, "vpmemctl list: the feature file would be %zu bytes; NFD ignores files over %d\n",
			len, NFD_FILE_MAX);
		return VPMEMCTL_EXIT_ERROR;
	}
	if (o.output)
		return nfd_write_atomic("vpmemctl list", o.output, buf, len) < 0 ?
			       VPMEMCTL_EXIT_ERROR : VPMEMCTL_EXIT_OK;
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
		vp_line(stderr, "vpmemctl list: cannot write to standard output: %s\n",
			strerror(errno));
		return VPMEMCTL_EXIT_ERROR;
	}
	return VPMEMCTL_EXIT_OK;
}
