/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vpmemctl metrics: internals shared by metrics.c (the command),
 * metrics-collect.c (facts to samples), metrics-expo.c (the Prometheus text
 * exposition format) and metrics-file.c (the atomic write).
 */
#ifndef VPMEMCTL_METRICS_H
#define VPMEMCTL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <pmemflush.h>

/* The file node_exporter's textfile collector reads ("*.prom"). */
#define METRICS_FILE "vpmem.prom"

enum prom_type {
	PROM_GAUGE,
	PROM_COUNTER,
};

struct prom_family {
	const char *name;
	enum prom_type type;
	const char *help;
};

/* One sample: its family, its rendered label set ("" or {a="b"}), its value. */
struct prom_sample {
	unsigned int family;
	char *labels;
	char value[48];
};

/*
 * A set of samples to render. Families are rendered in table order, the
 * samples of a family in the order they were added: the text format wants
 * every sample of a family in one group, right after its HELP and TYPE.
 */
struct prom {
	const struct prom_family *families;
	size_t nfamilies;
	struct prom_sample *v;
	size_t n, cap;
	int err; /* first error of an add (-ENOMEM, -EINVAL); sticky */
};

void prom_init(struct prom *p, const struct prom_family *families, size_t nfamilies);
void prom_release(struct prom *p);
/*
 * prom_add() - add a sample of family @family with value @value (as the text
 * format spells it) and the labels given as name, value pairs ending with
 * NULL. A NULL label value is rendered as "". A series already in the set
 * (same family and labels) is not added again: -EEXIST.
 */
int prom_add(struct prom *p, unsigned int family, const char *value, ...)
	__attribute__((sentinel));
/* prom_add() with an unsigned integer / a 0-1 boolean value. */
int prom_add_u64(struct prom *p, unsigned int family, unsigned long long value, ...)
	__attribute__((sentinel));
/*
 * Render in the text exposition format (version 0.0.4): HELP and TYPE of
 * every family that has samples, then its samples. 0 or -EIO.
 */
int prom_render(const struct prom *p, FILE *out);

/*
 * Escape a label value for the text format into @buf (size @len, always
 * terminated): \ " and newline as \\ \" \n; a byte that is not part of
 * valid UTF-8 (label values must be UTF-8) as the four characters \xNN,
 * the backslash escaped in turn. Returns the length the escaped value
 * needs, as snprintf does.
 */
size_t prom_escape_label(char *buf, size_t len, const char *value);
/* "12.000345678": @ns nanoseconds in seconds, exactly. */
void prom_ns_to_seconds(char *buf, size_t len, unsigned long long ns);

/* What a collection could not read: counted, told on stderr. */
struct metrics_status {
	unsigned int failures;		/* facts that could not be read */
	unsigned int denied;		/* of which permission (EACCES, EPERM) */
};

/*
 * Collect every metric of the machine into @p (the families of
 * metrics_families); the per-mount series only if @mounts (the region
 * hazards include the mounts' either way). What cannot be read is left
 * out, its "_success" gauge set to 0, and said on stderr; @st counts it.
 */
int metrics_collect(struct pmemflush_ctx *ctx, struct prom *p, struct metrics_status *st,
		    bool mounts);
extern const struct prom_family metrics_families[];
extern const size_t metrics_nfamilies;

/*
 * Replace @dir/@name by @data atomically (atomic_replace(): an unnamed
 * temporary file in @dir, written, fsync'ed, renamed over the target, then
 * the directory fsync'ed). On failure, or when killed, nothing is left
 * behind and the old file is intact; the error is said on stderr. Returns
 * 0 or a negative errno.
 */
int metrics_write_atomic(const char *dir, const char *name, const char *data, size_t len);

#endif
