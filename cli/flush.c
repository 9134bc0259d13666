// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl flush TARGET...: make what is stored in each target durable on
 * the host, or say why nothing can. The library decides how (or that no
 * path exists, pmemflush_target_resolve()); this file only runs it, times
 * it and reports it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pmemflush.h>

#include "builtin.h"
#include "eprint.h"
#include "flush-fmt.h"
#include "json.h"

static void flush_usage(FILE *out)
{
	fprintf(out, "usage: vpmemctl flush [-j|--json] [--fs] TARGET...\n\n"
		     "TARGET: a region (region0 or 0), a namespace (namespace0.0), a bus (ndbus0),\n"
		     "a block device (/dev/pmem0, /dev/pmem0p1), device dax (/dev/dax0.0), or a file\n"
		     "or directory (./region0 for a file of that name).\n\n"
		     "  -j, --json     JSON output (schema in vpmemctl-flush(1))\n"
		     "      --fs       files and directories: also syncfs() their file system\n"
		     "  -h, --help     show this help\n\n"
		     "Exit status: 0 every TARGET flushed to the host, 3 a TARGET has no path that\n"
		     "reaches the host (nothing done; why on stderr), 4 permission denied, 1 an\n"
		     "error (no such TARGET, the flush failed), 2 usage error.\n");
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *errmsg(int rc)
{
	return *pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc);
}

/* Resolve and flush one target; fills @row (strings live until *@t goes). */
static void flush_one(struct pmemflush_ctx *ctx, const char *name, unsigned int flags,
		      struct pmemflush_target **t, struct vf_row *row)
{
	long long start;
	int rc;

	*row = (struct vf_row){
		.target = name,
		.kind = pmemflush_target_kind_name(pmemflush_target_classify(name)),
		.host_flushes = -1,
		.duration_ns = -1,
	};
	rc = pmemflush_target_resolve(ctx, name, flags, t);
	if (rc < 0) {
		row->result = vf_result_of_errno(rc);
		/* Resolving never flushes: "unsafe" is only said of a resolved target. */
		if (row->result == VF_UNSAFE)
			row->result = VF_ERROR;
		row->message = errmsg(rc);
		return;
	}
	row->device = pmemflush_target_get_devname(*t);
	row->how = pmemflush_flush_how_name(pmemflush_target_get_how(*t));
	if (pmemflush_target_get_how(*t) == PMEMFLUSH_HOW_NONE) {
		row->result = VF_UNSAFE;
		row->message = pmemflush_target_get_reason(*t);
		return;
	}
	start = now_ns();
	rc = pmemflush_target_flush(*t, &row->host_flushes);
	row->duration_ns = now_ns() - start;
	row->result = vf_result_of_errno(rc);
	if (rc < 0)
		row->message = errmsg(rc);
}

int cmd_flush(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "fs", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i, width = 6, status = VPMEMCTL_EXIT_OK;
	struct json_object *arr = NULL;
	unsigned int flags = 0;
	bool json = false;

	while ((c = getopt_long(argc, (char *const *)argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'F':
			flags |= PMEMFLUSH_TARGET_SYNCFS;
			break;
		case 'h':
			flush_usage(stdout);
			return VPMEMCTL_EXIT_OK;
		default:
			return vpmemctl_bad_option("flush", c, argv);
		}
	}
	if (optind >= argc) {
		vp_line(stderr, "vpmemctl flush: no TARGET given (see 'vpmemctl flush --help')\n");
		return VPMEMCTL_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		if (!*argv[i]) {
			vp_line(stderr, "vpmemctl flush: empty TARGET\n");
			return VPMEMCTL_EXIT_USAGE;
		}
		if ((int)strlen(argv[i]) > width)
			width = (int)strlen(argv[i]);
	}
	if (VPMEMCTL_PARSE_ONLY(ctx))
		return VPMEMCTL_EXIT_OK;

	if (json) {
		arr = json_object_new_array();
		if (!arr)
			return VPMEMCTL_EXIT_ERROR;
	} else {
		vf_table_header(stdout, width);
	}
	/* One target after the other, in order: each is reported as it completes. */
	for (i = optind; i < argc; i++) {
		struct pmemflush_target *t = NULL;
		struct vf_row row;

		flush_one(ctx, argv[i], flags, &t, &row);
		vf_error_line(stderr, &row);
		if (json)
			json_object_array_add(arr, vj_flush_result(&row));
		else
			vf_table_row(stdout, width, &row);
		fflush(stdout);
		status = vf_exit_status(status, row.result);
		pmemflush_target_unref(t);
	}
	if (json && vj_print(stdout, arr) < 0)
		return VPMEMCTL_EXIT_ERROR;
	return status;
}
