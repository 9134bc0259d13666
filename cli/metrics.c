// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl metrics: the machine's pmem facts and vpmem counters for
 * Prometheus, in node_exporter's textfile-collector format, on standard
 * output or replacing DIR/vpmem.prom atomically (vpmemctl-metrics(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pmemflush.h>

#include "builtin.h"
#include "cleanup.h"
#include "metrics.h"
#include "eprint.h"

static void metrics_usage(FILE *out)
{
	fprintf(out, "usage: vpmemctl metrics [-o|--output DIR] [--mounts=all|none]\n\n"
		     "  -o, --output DIR  replace DIR/" METRICS_FILE " atomically (node_exporter's\n"
		     "                    --collector.textfile.directory) instead of printing\n"
		     "      --mounts=all|none\n"
		     "                    series per pmem mount point (all, the default) or none\n"
		     "                    (bounded cardinality; region hazards still count mounts)\n"
		     "  -h, --help        show this help\n");
}

int cmd_metrics(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "mounts", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *buf = NULL;
	struct metrics_status st = { 0 };
	const char *dir = NULL;
	bool mounts = true;
	struct prom p;
	size_t size = 0;
	FILE *mem;
	int c, rc;

	while ((c = getopt_long(argc, (char *const *)argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg) {
				vp_line(stderr, "vpmemctl metrics: empty output directory\n");
				return VPMEMCTL_EXIT_USAGE;
			}
			dir = optarg;
			break;
		case 'M':
			if (strcmp(optarg, "all") && strcmp(optarg, "none")) {
				vp_line(stderr, "vpmemctl metrics: bad --mounts '%s': all or none\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			mounts = strcmp(optarg, "all") == 0;
			break;
		case 'h':
			metrics_usage(stdout);
			return VPMEMCTL_EXIT_OK;
		default:
			return vpmemctl_bad_option("metrics", c, argv);
		}
	}
	if (optind < argc) {
		vp_line(stderr, "vpmemctl metrics: unexpected argument '%s' (see 'vpmemctl metrics --help')\n",
			argv[optind]);
		return VPMEMCTL_EXIT_USAGE;
	}
	if (VPMEMCTL_PARSE_ONLY(ctx))
		return VPMEMCTL_EXIT_OK;

	prom_init(&p, metrics_families, metrics_nfamilies);
	rc = metrics_collect(ctx, &p, &st, mounts);
	/* All or nothing: a sample lost to memory would be a silent lie. */
	mem = rc < 0 ? NULL : open_memstream(&buf, &size);
	if (mem && prom_render(&p, mem) < 0)
		rc = -EIO;
	if (mem && fclose(mem) != 0 && rc == 0)
		rc = -errno;
	if (!mem && rc == 0)
		rc = -errno;
	prom_release(&p);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl metrics: cannot render the metrics: %s\n", strerror(-rc));
		return VPMEMCTL_EXIT_ERROR;
	}

	if (dir) {
		rc = metrics_write_atomic(dir, METRICS_FILE, buf, size);
		if (rc < 0)
			return rc == -EACCES || rc == -EPERM ? VPMEMCTL_EXIT_PERMISSION
							      : VPMEMCTL_EXIT_ERROR;
	} else if (fwrite(buf, 1, size, stdout) != size) {
		vp_line(stderr, "vpmemctl metrics: cannot write the output: %s\n", strerror(errno));
		return VPMEMCTL_EXIT_ERROR;
	}
	/*
	 * Written, with a 0 "_success" gauge for each fact that could not be
	 * read (said on stderr): the file still tells Prometheus, the status
	 * tells the service manager.
	 */
	if (st.failures)
		return st.denied == st.failures ? VPMEMCTL_EXIT_PERMISSION : VPMEMCTL_EXIT_ERROR;
	return VPMEMCTL_EXIT_OK;
}
