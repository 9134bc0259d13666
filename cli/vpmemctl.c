// SPDX-License-Identifier: GPL-2.0-only
/* vpmemctl: command table, global options and dispatch. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pmemflush.h>

#include "config.h"

#include "builtin.h"
#include "cleanup.h"
#include "log-priority.h"
#include "eprint.h"

static const struct cmd_struct commands[] = {
	{ "list", "list nvdimm regions, namespaces and mounts, and whether they are buffered", cmd_list },
	{ "check", "tell how data at a path can be made durable", cmd_check },
	{ "driver", "show, load and bind the drivers of virtio-pmem devices", cmd_driver },
	{ "flush", "flush regions, namespaces, devices or files to the host", cmd_flush },
	{ "monitor", "follow pmem devices, drivers, mounts and flush counters as events", cmd_monitor },
	{ "metrics", "write Prometheus metrics (node_exporter textfile format)", cmd_metrics },
	{ "version", "print the vpmemctl and libpmemflush versions", cmd_version },
	{ "help", "show this help", cmd_help },
};

/* Run PROG ARG ARG with output discarded; its exit status, or -1. */
static int system_quiet(const char *prog, const char *arg1, const char *arg2)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execlp(prog, prog, arg1, arg2, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: vpmemctl [--version] [--help] [--list-cmds] [--log LEVEL] COMMAND [ARGS]\n\n"
		     "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nOptions:\n"
		     "  -h, --help       show this help\n"
		     "  -v, --version    print the version\n"
		     "  --list-cmds      print the command names, one per line\n"
		     "  --log LEVEL      library log level: err, info, debug or 0-7\n"
		     "                   (default: $PMEMFLUSH_LOG, else err)\n"
		     "\n'vpmemctl help COMMAND' or 'vpmemctl COMMAND --help' for one command.\n"
		     "See vpmemctl(1).\n");
}

int vpmemctl_bad_option(const char *cmd, int c, const char **argv)
{
	if (c == ':')
		vp_line(stderr, "vpmemctl %s: option '%s' needs an argument (see 'vpmemctl %s --help')\n",
			cmd, argv[optind - 1], cmd);
	else if (optopt)
		vp_line(stderr, "vpmemctl %s: unknown option '-%c' (see 'vpmemctl %s --help')\n", cmd,
			optopt, cmd);
	else
		vp_line(stderr, "vpmemctl %s: unknown option '%s' (see 'vpmemctl %s --help')\n", cmd,
			argv[optind - 1], cmd);
	return VPMEMCTL_EXIT_USAGE;
}

static const struct cmd_struct *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * help COMMAND: the command's man page where man(1) can show it (as
 * 'ndctl help' does), else the command's own usage. VPMEMCTL_HELP_NO_MAN
 * forces the usage (scripts, tests).
 */
int cmd_help(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	const struct cmd_struct *cmd;
	const char *help_argv[] = { NULL, "--help", NULL };
	char page[64];

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return VPMEMCTL_EXIT_OK;
	}
	if (argc > 2) {
		vp_line(stderr, "vpmemctl help: unexpected argument '%s'\n", argv[2]);
		return VPMEMCTL_EXIT_USAGE;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd) {
		vp_line(stderr, "vpmemctl help: unknown command '%s' (see 'vpmemctl --list-cmds')\n",
			argv[1]);
		return VPMEMCTL_EXIT_USAGE;
	}
	if (ctx && !getenv("VPMEMCTL_HELP_NO_MAN") && isatty(STDOUT_FILENO)) {
		snprintf(page, sizeof(page), "vpmemctl-%s", cmd->name);
		/* Only when the page is installed: man -w says where it is. */
		if (system_quiet("man", "-w", page) == 0) {
			execlp("man", "man", page, (char *)NULL);
			vp_line(stderr, "vpmemctl help: cannot run man: %s\n", strerror(errno));
		}
	}
	if (cmd->fn == cmd_help || cmd->fn == cmd_version) {
		printf("usage: vpmemctl %s\n\n  %s\n", cmd->name, cmd->summary);
		return VPMEMCTL_EXIT_OK;
	}
	help_argv[0] = cmd->name;
	optind = 0;
	return cmd->fn(2, help_argv, ctx);
}

int cmd_version(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vpmemctl version\n");
		return VPMEMCTL_EXIT_OK;
	}
	if (argc > 1) {
		vp_line(stderr, "vpmemctl version: unexpected argument '%s'\n", argv[1]);
		return VPMEMCTL_EXIT_USAGE;
	}
	printf("vpmemctl %s (libpmemflush %s)\n", PACKAGE_VERSION, pmemflush_version());
	return VPMEMCTL_EXIT_OK;
}

int vpmemctl_main(int argc, char **argv, bool parse_only)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "list-cmds", no_argument, NULL, 'L' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_struct *cmd;
	struct pmemflush_ctx *ctx;
	int log_prio = -1;
	int c, rc;
	size_t i;

	/*
	 * '+': stop at the command name; its options belong to the command.
	 * ':' and opterr = 0: errors are reported here, in one line.
	 */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return VPMEMCTL_EXIT_OK;
		case 'v':
			return cmd_version(1, NULL, NULL);
		case 'L':
			for (i = 0; i < ARRAY_SIZE(commands); i++)
				printf("%s\n", commands[i].name);
			return VPMEMCTL_EXIT_OK;
		case ':':
			vp_line(stderr, "vpmemctl: option '%s' needs an argument (see 'vpmemctl --help')\n",
				argv[optind - 1]);
			return VPMEMCTL_EXIT_USAGE;
		case '?':
			vp_line(stderr, "vpmemctl: unknown option '%s' (see 'vpmemctl --help')\n",
				optopt ? (char[]){ '-', (char)optopt, '\0' } : argv[optind - 1]);
			return VPMEMCTL_EXIT_USAGE;
		case 'l':
			log_prio = util_parse_log_priority(optarg);
			if (log_prio < 0) {
				vp_line(stderr, "vpmemctl: invalid log level '%s'\n", optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		default:
			vp_line(stderr, "vpmemctl: bad command line (see 'vpmemctl --help')\n");
			return VPMEMCTL_EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		vp_line(stderr, "vpmemctl: no command given (see 'vpmemctl --help')\n");
		return VPMEMCTL_EXIT_USAGE;
	}

	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		vp_line(stderr, "vpmemctl: unknown command '%s' (see 'vpmemctl --list-cmds')\n",
			argv[optind]);
		return VPMEMCTL_EXIT_USAGE;
	}

	/* getopt is reused by the command: restart it on the command's argv. */
	argc -= optind;
	argv += optind;
	optind = 0;
	/* Parse only: no context, so the command returns after its argument checks. */
	if (parse_only)
		return cmd->fn(argc, (const char **)argv, NULL);

	rc = pmemflush_new(&ctx);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl: cannot create library context: %s\n", strerror(-rc));
		return VPMEMCTL_EXIT_ERROR;
	}
	if (log_prio >= 0)
		pmemflush_set_log_priority(ctx, log_prio);

	rc = cmd->fn(argc, (const char **)argv, ctx);
	pmemflush_unref(ctx);
	/* An answer that could not be written is no answer (vpmemctl flush > /dev/full). */
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == VPMEMCTL_EXIT_OK) {
		vp_line(stderr, "vpmemctl: cannot write the output: %s\n", strerror(errno));
		rc = VPMEMCTL_EXIT_ERROR;
	}
	return rc;
}
