// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl driver [--json] | load [MODULE] | bind DRIVER DEVICE|all: the
 * modules that can drive virtio-pmem (libkmod facts, from libpmemflush)
 * and which device each drives.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pmemflush.h>

#include "builtin.h"
#include "caps.h"
#include "driver.h"
#include "eprint.h"
#include "json.h"

static void driver_usage(FILE *out)
{
	fprintf(out, "usage: vpmemctl driver [-j|--json]\n"
		     "       vpmemctl driver load [vpmem|virtio_pmem]\n"
		     "       vpmemctl driver bind vpmem|virtio_pmem DEVICE|all\n\n"
		     "  (none)   the vpmem and virtio_pmem modules (available, state, version,\n"
		     "           refcount, holders, blacklisted, options) and every virtio-pmem\n"
		     "           device with its driver, nvdimm bus and region\n"
		     "  load     load a module (default vpmem) as modprobe would: its modprobe.d\n"
		     "           options, blacklist applied\n"
		     "  bind     move DEVICE (virtio0, ...) or every virtio-pmem device to a driver;\n"
		     "           refused while a namespace is mounted or a device is in use\n"
		     "           (open, mapped, held or claimed), or when that cannot be checked\n"
		     "  -j, --json   JSON output (schema in vpmemctl-driver(1))\n"
		     "  -h, --help   show this help\n\n"
		     "Exit status: 0 done, 1 error, 2 usage, 3 refused (device in use or not\n"
		     "verifiable, module blacklisted), 4 permission denied.\n");
}

int driver_exit_status(int rc)
{
	switch (rc) {
	case 0:
		return VPMEMCTL_EXIT_OK;
	case -ECANCELED:
	case -EBUSY:
		return VPMEMCTL_EXIT_REFUSED;
	case -EPERM:
	case -EACCES:
		return VPMEMCTL_EXIT_PERMISSION;
	default:
		return VPMEMCTL_EXIT_ERROR;
	}
}

const char *driver_cap_missing(void)
{
	/* Root in a container usually lacks it: "needs root" would puzzle root. */
	return geteuid() ? "needs root (CAP_SYS_MODULE)"
			 : "needs CAP_SYS_MODULE, which this root process does not have (a container, "
			   "or the capability dropped)";
}

static bool known_module(const char *name)
{
	return strcmp(name, "vpmem") == 0 || strcmp(name, "virtio_pmem") == 0;
}

static void print_table(struct pmemflush_drivers *d)
{
	struct pmemflush_module *m;
	struct pmemflush_vdev *v;

	printf("%-12s %-9s %-10s %-9s %-4s %-11s %-7s %s\n", "MODULE", "AVAILABLE", "STATE",
	       "VERSION", "REFS", "BLACKLISTED", "MATCHES", "HOLDERS/OPTIONS");
	pmemflush_module_foreach(d, m) {
		char refs[16] = "-";
		unsigned int i;

		if (pmemflush_module_get_refcount(m) >= 0)
			snprintf(refs, sizeof(refs), "%d", pmemflush_module_get_refcount(m));
		printf("%-12s %-9s %-10s %-9s %-4s %-11s %-7s", pmemflush_module_get_name(m),
		       pmemflush_module_is_available(m) ? "yes" : "no",
		       pmemflush_module_state_name(pmemflush_module_get_state(m)),
		       pmemflush_module_get_version(m) ?: "-", refs,
		       pmemflush_module_is_blacklisted(m) ? "yes" : "no",
		       pmemflush_module_matches_device(m) ? "yes" : "no");
		for (i = 0; i < pmemflush_module_get_holder_count(m); i++)
			printf("%sheld by %s", i ? "," : " ", pmemflush_module_get_holder(m, i));
		if (pmemflush_module_get_options(m))
			printf(" options: %s", pmemflush_module_get_options(m));
		printf("\n");
	}
	if (!pmemflush_vdev_get_first(d)) {
		printf("\nno virtio-pmem device\n");
		return;
	}
	printf("\n%-10s %-12s %-8s %s\n", "DEVICE", "DRIVER", "BUS", "REGION");
	pmemflush_vdev_foreach(d, v) {
		printf("%-10s %-12s %-8s %s\n", pmemflush_vdev_get_devname(v),
		       pmemflush_vdev_get_driver_name(v) ?: "-",
		       pmemflush_vdev_get_bus_devname(v) ?: "-",
		       pmemflush_vdev_get_region_devname(v) ?: "-");
		if (pmemflush_vdev_get_advice_message(v))
			printf("  advice: %s\n", pmemflush_vdev_get_advice_message(v));
	}
}

static int driver_show(struct pmemflush_ctx *ctx, bool json)
{
	struct pmemflush_drivers *d;
	int rc;

	rc = pmemflush_drivers_new(ctx, &d);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl driver: %s\n",
			*pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
		return VPMEMCTL_EXIT_ERROR;
	}
	if (json)
		rc = vj_print(stdout, vj_drivers(d)) < 0 ? VPMEMCTL_EXIT_ERROR : VPMEMCTL_EXIT_OK;
	else
		print_table(d);
	pmemflush_drivers_unref(d);
	return json ? rc : VPMEMCTL_EXIT_OK;
}

static int driver_load(struct pmemflush_ctx *ctx, const char *name)
{
	struct pmemflush_drivers *d = NULL;
	struct pmemflush_module *m;
	bool may;
	int rc;

	/*
	 * Loading changes the machine: refused without CAP_SYS_MODULE, also
	 * when the module is loaded already, so that the answer does not
	 * depend on the state.
	 */
	may = util_may_load_modules();
	rc = may ? pmemflush_module_load(ctx, name) : -EPERM;
	if ((rc == -EPERM || rc == -EACCES) && may) {
		/* CAP_SYS_MODULE of a user namespace, modules_disabled, lockdown. */
		vp_line(stderr, "vpmemctl driver load: permission denied: the kernel refused to load module %s although this process has CAP_SYS_MODULE (only the initial user namespace's counts; kernel.modules_disabled or lockdown refuse root too)\n",
			name);
		return VPMEMCTL_EXIT_PERMISSION;
	}
	if (rc == -EPERM || rc == -EACCES) {
		vp_line(stderr, "vpmemctl driver load: permission denied: loading module %s %s\n",
			name, driver_cap_missing());
		return VPMEMCTL_EXIT_PERMISSION;
	}
	if (rc < 0) {
		vp_line(stderr, "vpmemctl driver load: %s\n",
			*pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
		return driver_exit_status(rc);
	}
	if (pmemflush_drivers_new(ctx, &d) < 0) {
		vp_line(stderr, "vpmemctl driver load: %s loaded, but its state cannot be read: %s\n",
			name, pmemflush_errormsg());
		return VPMEMCTL_EXIT_ERROR;
	}
	m = pmemflush_drivers_get_module(d, name);
	printf("%s: %s%s%s\n", name, pmemflush_module_state_name(pmemflush_module_get_state(m)),
	       pmemflush_module_get_version(m) ? ", version " : "",
	       pmemflush_module_get_version(m) ?: "");
	pmemflush_drivers_unref(d);
	return VPMEMCTL_EXIT_OK;
}

int cmd_driver(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	const char *sub;
	int c, nargs;

	while ((c = getopt_long(argc, (char *const *)argv, "+:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			driver_usage(stdout);
			return VPMEMCTL_EXIT_OK;
		default:
			return vpmemctl_bad_option("driver", c, argv);
		}
	}
	if (optind >= argc)
		return VPMEMCTL_PARSE_ONLY(ctx) ? VPMEMCTL_EXIT_OK : driver_show(ctx, json);

	sub = argv[optind];
	nargs = argc - optind - 1;
	if (json) {
		vp_line(stderr, "vpmemctl driver: --json only applies to the listing, not to '%s'\n",
			sub);
		return VPMEMCTL_EXIT_USAGE;
	}
	if (strcmp(sub, "load") == 0) {
		const char *name = nargs >= 1 ? argv[optind + 1] : "vpmem";

		if (nargs > 1 || !known_module(name)) {
			vp_line(stderr, "vpmemctl driver load: expected vpmem or virtio_pmem, got '%s'\n",
				nargs > 1 ? argv[optind + 2] : name);
			return VPMEMCTL_EXIT_USAGE;
		}
		if (VPMEMCTL_PARSE_ONLY(ctx))
			return VPMEMCTL_EXIT_OK;
		return driver_load(ctx, name);
	}
	if (strcmp(sub, "bind") == 0) {
		if (nargs != 2) {
			vp_line(stderr, "vpmemctl driver bind: expected DRIVER and DEVICE (or all) (see 'vpmemctl driver --help')\n");
			return VPMEMCTL_EXIT_USAGE;
		}
		if (!known_module(argv[optind + 1])) {
			vp_line(stderr, "vpmemctl driver bind: unknown driver '%s': vpmem or virtio_pmem\n",
				argv[optind + 1]);
			return VPMEMCTL_EXIT_USAGE;
		}
		if (VPMEMCTL_PARSE_ONLY(ctx))
			return VPMEMCTL_EXIT_OK;
		return driver_bind(ctx, argv[optind + 1], argv[optind + 2]);
	}
	vp_line(stderr, "vpmemctl driver: unknown subcommand '%s' (see 'vpmemctl driver --help')\n",
		sub);
	return VPMEMCTL_EXIT_USAGE;
}
