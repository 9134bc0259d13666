// SPDX-License-Identifier: GPL-2.0-only
/* vpmemctl: command table, global options and dispatch. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <pmemflush.h>

#include "config.h"

#include "builtin.h"
#include "cleanup.h"
#include "log-priority.h"

static const struct cmd_struct commands[] = {
	{ "list", "list nvdimm regions, namespaces and mounts, and whether they are buffered", cmd_list },
	{ "check", "tell how data at a path can be made durable", cmd_check },
	{ "driver", "show, load and bind the drivers of virtio-pmem devices", cmd_driver },
	{ "flush", "flush regions, namespaces, devices or files to the host", cmd_flush },
	{ "version", "print the vpmemctl and libpmemflush versions", cmd_version },
	{ "help", "show this help", cmd_help },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: vpmemctl [--version] [--help] [--log LEVEL] COMMAND [ARGS]\n\n"
		     "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nOptions:\n"
		     "  -h, --help       show this help\n"
		     "  -v, --version    print the version\n"
		     "  --log LEVEL      library log level: err, info, debug or 0-7\n"
		     "                   (default: $PMEMFLUSH_LOG, else err)\n"
		     "\nSee vpmemctl(1).\n");
}

int cmd_help(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	usage(stdout);
	return VPMEMCTL_EXIT_OK;
}

int cmd_version(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	if (argc > 1) {
		fprintf(stderr, "vpmemctl version: unexpected argument '%s'\n", argv[1]);
		return VPMEMCTL_EXIT_USAGE;
	}
	printf("vpmemctl %s (libpmemflush %s)\n", PACKAGE_VERSION, pmemflush_version());
	return VPMEMCTL_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct pmemflush_ctx *ctx;
	int log_prio = -1;
	int c, rc;
	size_t i;

	/* '+': stop at the command name; its options belong to the command. */
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return VPMEMCTL_EXIT_OK;
		case 'v':
			return cmd_version(1, NULL, NULL);
		case 'l':
			log_prio = util_parse_log_priority(optarg);
			if (log_prio < 0) {
				fprintf(stderr, "vpmemctl: invalid log level '%s'\n", optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		default:
			usage(stderr);
			return VPMEMCTL_EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		usage(stderr);
		return VPMEMCTL_EXIT_USAGE;
	}

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(commands)) {
		fprintf(stderr, "vpmemctl: unknown command '%s' (see 'vpmemctl --help')\n",
			argv[optind]);
		return VPMEMCTL_EXIT_USAGE;
	}

	rc = pmemflush_new(&ctx);
	if (rc < 0) {
		fprintf(stderr, "vpmemctl: cannot create library context: %s\n", strerror(-rc));
		return VPMEMCTL_EXIT_ERROR;
	}
	if (log_prio >= 0)
		pmemflush_set_log_priority(ctx, log_prio);

	argc -= optind;
	argv += optind;
	/* getopt is reused by the command: restart it on the command's argv. */
	optind = 0;
	rc = commands[i].fn(argc, (const char **)argv, ctx);
	pmemflush_unref(ctx);
	return rc;
}
