/* SPDX-License-Identifier: GPL-2.0-only */
/* The table of vpmemctl commands; one cmd_*() per command file. */
#ifndef VPMEMCTL_BUILTIN_H
#define VPMEMCTL_BUILTIN_H

#include <stdbool.h>

struct pmemflush_ctx;

/* Exit statuses shared by all commands (documented in vpmemctl(1)). */
enum {
	VPMEMCTL_EXIT_OK = 0,
	VPMEMCTL_EXIT_ERROR = 1, /* runtime error: device, I/O, permission */
	VPMEMCTL_EXIT_USAGE = 2, /* bad command line */
	VPMEMCTL_EXIT_HAZARD = 3, /* check: a hazard makes a path unsafe */
	VPMEMCTL_EXIT_REFUSED = 3, /* driver: refused, unsafe (device in use, blacklisted) */
	VPMEMCTL_EXIT_PERMISSION = 4, /* permission denied (not root) */
};

/*
 * The one line a command prints for a bad option (getopt's own messages are
 * off: opterr = 0; optstrings start with ':'); returns VPMEMCTL_EXIT_USAGE.
 */
int vpmemctl_bad_option(const char *cmd, int c, const char **argv);

struct cmd_struct {
	const char *name;
	const char *summary;
	int (*fn)(int argc, const char **argv, struct pmemflush_ctx *ctx);
};

/*
 * The whole command line: global options, then the command. @parse_only
 * (the fuzz target) passes no context: every command then returns after
 * checking its arguments (VPMEMCTL_PARSE_ONLY), before it reads or changes
 * anything, and help never starts man(1).
 */
int vpmemctl_main(int argc, char **argv, bool parse_only);
#define VPMEMCTL_PARSE_ONLY(ctx) (!(ctx))

int cmd_version(int argc, const char **argv, struct pmemflush_ctx *ctx);
int cmd_help(int argc, const char **argv, struct pmemflush_ctx *ctx);
int cmd_list(int argc, const char **argv, struct pmemflush_ctx *ctx);
int cmd_check(int argc, const char **argv, struct pmemflush_ctx *ctx);
int cmd_flush(int argc, const char **argv, struct pmemflush_ctx *ctx);
int cmd_driver(int argc, const char **argv, struct pmemflush_ctx *ctx);
int cmd_monitor(int argc, const char **argv, struct pmemflush_ctx *ctx);
int cmd_metrics(int argc, const char **argv, struct pmemflush_ctx *ctx);

#endif
