// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The system-wide configuration, /etc/pmemflush.conf (PMEMFLUSH_CONFIG
 * names another file): what an administrator decides for every program on
 * the machine. Today one key:
 *
 *   trust-unverified-platform = yes|no
 *
 * yes accepts regions whose durability nothing in the guest can verify
 * (buffered-unknown), as PMEMFLUSH_MAP_TRUST_PLATFORM does for one map.
 * Anything unreadable or malformed leaves the safe default (no).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "facts.h"
#include "private.h"

#define CONFIG_PATH "/etc/pmemflush.conf"
#define CONFIG_MAX ((size_t)64 * 1024)

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int parse_bool(const char *v)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
		return 1;
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
		return 0;
	return -EINVAL;
}

/*
 * The first bad line is described in @err and makes the result -EINVAL
 * (the caller logs it) and the whole configuration the safe default: a
 * file the administrator got wrong grants nothing.
 */
int pf_config_parse(const char *text, struct pf_config *cfg, char *err, size_t errlen)
{
	_cleanup_free_ char *copy = strdup(text ? text : "");
	char *line, *next, *key, *value, *eq;
	int rc = 0, lineno = 0, b;

	memset(cfg, 0, sizeof(*cfg));
	if (errlen)
		err[0] = '\0';
	if (!copy)
		return -ENOMEM;
	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (strchr(line, '#'))
			*strchr(line, '#') = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			if (!rc)
				snprintf(err, errlen, "line %d: expected key = value", lineno);
			rc = -EINVAL;
			continue;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (strcmp(key, "trust-unverified-platform") == 0 && (b = parse_bool(value)) >= 0) {
			cfg->trust_unverified_platform = b;
			continue;
		}
		if (!rc)
			snprintf(err, errlen, "line %d: %s '%s'", lineno,
				 strcmp(key, "trust-unverified-platform") ? "unknown key" : "not yes or no:",
				 strcmp(key, "trust-unverified-platform") ? key : value);
		rc = -EINVAL;
	}
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): copy is _cleanup_free_; clang 14 does not model __attribute__((cleanup)) */
	if (rc < 0)
		memset(cfg, 0, sizeof(*cfg));
	return rc;
}

void pf_config_load(struct pmemflush_ctx *ctx)
{
	const char *path = secure_getenv("PMEMFLUSH_CONFIG");
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL;
	char err[256];
	size_t n;

	if (!path || !*path)
		path = CONFIG_PATH;
	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			err(ctx, "cannot read %s: %m; using the safe defaults\n", path);
		return;
	}
	text = calloc(1, CONFIG_MAX + 1);
	if (!text) {
		err(ctx, "out of memory reading %s; using the safe defaults\n", path);
		return;
	}
	n = fread(text, 1, CONFIG_MAX, f);
	text[n] = '\0';
	if (pf_config_parse(text, &ctx->config, err, sizeof(err)) < 0)
		err(ctx, "%s: %s (ignored)\n", path, err);
	if (ctx->config.trust_unverified_platform)
		info(ctx, "%s: trust-unverified-platform = yes\n", path);
}
