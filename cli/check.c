// SPDX-License-Identifier: GPL-2.0-only
/* vpmemctl check PATH...: how can data at each path be made durable? */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <pmemflush.h>

#include "builtin.h"
#include "eprint.h"
#include "json.h"

static void check_usage(FILE *out)
{
	fprintf(out, "usage: vpmemctl check [-j|--json] [--strict] PATH...\n\n"
		     "  -j, --json     JSON output (schema in vpmemctl(1))\n"
		     "      --strict   also fail (status 3) on any hazard, even one accepted by\n"
		     "                 trust-unverified-platform=yes\n"
		     "  -h, --help     show this help\n\n"
		     "Exit status: 0 a durable path exists for every PATH, 3 not durable (a\n"
		     "hazard, volatile memory, an unverifiable platform, a host flush this user\n"
		     "may not do), 1 a PATH could not be checked, 2 usage error.\n");
}

static const char *yes_no(enum pmemflush_tristate v)
{
	return pmemflush_tristate_name(v);
}

/* The virtio-pmem device behind the check's region, or NULL. */
static struct pmemflush_vdev *check_vdev(struct pmemflush_drivers *d, struct pmemflush_check *c)
{
	return pmemflush_drivers_get_vdev_by_bus(
		d, pmemflush_region_get_bus_devname(pmemflush_check_get_region(c)));
}

/*
 * vpmem(4) refuses every flush of a device with EIO while a flush error is
 * unacknowledged (root writes flush_errors to flush_errors_ack). The
 * path's method stays what it is ("durable" is about that), but a user
 * must see that persisting there fails now. Returns the count of
 * unacknowledged errors, -ENODATA for a region vpmem does not drive,
 * another negative errno when it cannot be read (flush_errors_ack is
 * root's only).
 */
static long long unacked_flush_errors(struct pmemflush_check *c)
{
	struct pmemflush_region *r = pmemflush_check_get_region(c);
	/* Zero: the analysers cannot see the library's getter write them. */
	unsigned long long errors = 0, acked = 0;
	int rc;

	if (!r || pmemflush_region_get_driver(r) != PMEMFLUSH_DRIVER_VPMEM)
		return -ENODATA;
	rc = pmemflush_region_get_vpmem_counter(r, "flush_errors", &errors);
	if (!rc)
		rc = pmemflush_region_get_vpmem_counter(r, "flush_errors_ack", &acked);
	if (rc < 0)
		return rc;
	return errors > acked ? (long long)(errors - acked) : 0;
}

static void print_check(struct pmemflush_check *c, struct pmemflush_vdev *v)
{
	struct pmemflush_namespace *ns = pmemflush_check_get_namespace(c);
	enum pmemflush_tristate ms = pmemflush_check_get_map_sync(c);
	const char *dev = pmemflush_check_get_devname(c);
	unsigned int h, hazards = pmemflush_check_get_hazards(c);
	long long unacked;

	printf("path:      %s\n", pmemflush_check_get_path(c));
	if (ns)
		printf("device:    %s (%s, %s, %s)\n", dev,
		       pmemflush_region_get_devname(pmemflush_check_get_region(c)),
		       pmemflush_namespace_get_devname(ns),
		       pmemflush_ns_mode_name(pmemflush_namespace_get_mode(ns)));
	else
		printf("device:    %s\n", dev ? dev : "-");
	if (pmemflush_check_get_stack(c) && strchr(pmemflush_check_get_stack(c), '>'))
		printf("stack:     %s\n", pmemflush_check_get_stack(c));
	if (pmemflush_check_get_mount_target(c))
		printf("mount:     %s (%s)\n", pmemflush_check_get_mount_target(c),
		       pmemflush_check_get_fstype(c) ? pmemflush_check_get_fstype(c) : "?");
	printf("pmem:      %s\n", pmemflush_check_is_pmem(c) ? "yes" : "no");
	printf("dax:       %s\n", yes_no(pmemflush_check_get_dax(c)));
	printf("buffered:  %s\n", yes_no(pmemflush_check_get_buffered(c)));
	if (ms == PMEMFLUSH_NO)
		printf("map_sync:  refused (%s)\n", strerror(pmemflush_check_get_map_sync_errno(c)));
	else if (ms == PMEMFLUSH_YES)
		printf("map_sync:  accepted\n");
	else if (ns && pmemflush_namespace_get_mode(ns) == PMEMFLUSH_NS_MODE_DEVDAX)
		printf("map_sync:  not probed (device dax accepts it on any platform: no evidence)\n");
	else
		printf("map_sync:  not probed\n");
	printf("method:    %s%s\n", pmemflush_method_name(pmemflush_check_get_method(c)),
	       pmemflush_check_is_method_forced(c) ? " (FORCED by PMEMFLUSH_FORCE_METHOD)" : "");
	printf("durable:   %s%s\n", pmemflush_check_is_durable(c) ? "yes" : "NO",
	       pmemflush_check_is_platform_trusted(c)
		       ? " (unverifiable platform trusted by trust-unverified-platform=yes)"
		       : "");
	if (pmemflush_check_get_reason(c))
		printf("why:       %s\n", pmemflush_check_get_reason(c));
	unacked = unacked_flush_errors(c);
	if (unacked > 0)
		printf("flush:     FAILING: %lld flush error(s) unacknowledged: every flush of the device fails with EIO until root writes flush_errors to flush_errors_ack (vpmem(4))\n",
		       unacked);
	else if (unacked != 0 && unacked != -ENODATA)
		printf("flush:     unknown: %s (flush_errors_ack is readable by root only)\n",
		       strerror((int)-unacked));
	if (v)
		printf("driver:    %s on %s (%s)\n", pmemflush_vdev_get_driver_name(v) ?: "none",
		       pmemflush_vdev_get_devname(v), pmemflush_vdev_get_evidence(v));
	if (pmemflush_vdev_get_advice_message(v))
		printf("advice:    %s\n", pmemflush_vdev_get_advice_message(v));
	pmemflush_hazard_foreach(hazards, h)
		printf("%-10s %s: %s\n", pmemflush_hazard_is_warning(h) == 1 ? "warning:" : "HAZARD:",
		       pmemflush_hazard_name(h), pmemflush_hazard_message(h));
}

int cmd_check(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, strict = false, error = false, unsafe = false;
	struct json_object *arr = NULL;
	struct pmemflush_drivers *drivers = NULL;
	int c, i;

	while ((c = getopt_long(argc, (char *const *)argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'S':
			strict = true;
			break;
		case 'h':
			check_usage(stdout);
			return VPMEMCTL_EXIT_OK;
		default:
			return vpmemctl_bad_option("check", c, argv);
		}
	}
	if (optind >= argc) {
		vp_line(stderr, "vpmemctl check: no PATH given (see 'vpmemctl check --help')\n");
		return VPMEMCTL_EXIT_USAGE;
	}
	if (VPMEMCTL_PARSE_ONLY(ctx))
		return VPMEMCTL_EXIT_OK;

	if (json) {
		arr = json_object_new_array();
		if (!arr)
			return VPMEMCTL_EXIT_ERROR;
	}
	/* Driver facts are evidence for virtio-pmem paths; checks go on without. */
	if (pmemflush_drivers_new(ctx, &drivers) < 0)
		vp_line(stderr, "vpmemctl check: no driver facts: %s\n", pmemflush_errormsg());
	for (i = optind; i < argc; i++) {
		struct pmemflush_vdev *v;
		struct pmemflush_check *chk;
		int rc = pmemflush_path_check(ctx, argv[i], &chk);

		if (rc < 0) {
			vp_line(stderr, "vpmemctl check: %s\n",
				*pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
			error = true;
			continue;
		}
		if (!pmemflush_check_is_durable(chk) || (strict && pmemflush_check_get_hazards(chk)))
			unsafe = true;
		v = check_vdev(drivers, chk);
		if (json) {
			struct json_object *jc = vj_check(chk, 0);

			long long unacked = unacked_flush_errors(chk);

			vj_add_driver_facts(jc, v);
			/* null: vpmem drives the region, but the count cannot be read. */
			if (jc && unacked != -ENODATA)
				json_object_object_add(jc, "flush_errors_unacknowledged",
						       unacked >= 0 ? json_object_new_int64(unacked) : NULL);
			json_object_array_add(arr, jc);
		} else {
			if (i > optind)
				printf("\n");
			print_check(chk, v);
		}
		pmemflush_check_unref(chk);
	}
	pmemflush_drivers_unref(drivers);
	if (json && vj_print(stdout, arr) < 0)
		return VPMEMCTL_EXIT_ERROR;
	if (error)
		return VPMEMCTL_EXIT_ERROR;
	return unsafe ? VPMEMCTL_EXIT_HAZARD : VPMEMCTL_EXIT_OK;
}
