/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vpmemctl list --format=nfd: the node's pmem facts as Kubernetes Node
 * Feature Discovery feature lines (local source), and the atomic writer
 * that --output uses. Labels are documented in vpmemctl-list(1), docs/nfd.md.
 */
#ifndef VPMEMCTL_NFD_H
#define VPMEMCTL_NFD_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <pmemflush.h>

/* Every label is in this namespace: a sub-namespace of NFD's own, which
 * nfd-master always allows (no -extra-label-ns needed, cannot be denied). */
#define NFD_NS "vpmem.feature.node.kubernetes.io"

/* NFD ignores a whole feature file larger than this (bytes). */
#define NFD_FILE_MAX 65536

/* The longest --expiry accepted: a year, in seconds. */
#define NFD_EXPIRY_MAX (366L * 24 * 3600)

/* Kubernetes label rules: the name part of a key, and a value. */
bool nfd_name_ok(const char *name);
bool nfd_value_ok(const char *value);

/*
 * Print the feature file for the whole node to @out: a comment, the
 * expiry directive when @expiry > 0 (@now + @expiry seconds, UTC), then one
 * NAMESPACE/NAME=VALUE line per label. @drivers may be NULL (no module or
 * device labels then). Returns 0 or a negative errno (-EINVAL if a label
 * would break the rules: the caller must then discard what was printed).
 */
int nfd_print(FILE *out, struct pmemflush_ctx *ctx, struct pmemflush_drivers *drivers,
	      long expiry, time_t now);

/*
 * Replace @path with @len bytes of @data atomically (atomic_replace(): an
 * unnamed temporary file in the same directory, named ".NAME.XXXXXX", which
 * NFD ignores, only to be renamed over @path; fsync of the directory). On
 * failure, or when killed, nothing is left behind and an existing @path is
 * untouched; a message naming the step is printed to stderr after @who.
 * Returns 0 or a negative errno.
 */
int nfd_write_atomic(const char *who, const char *path, const char *data, size_t len);

#endif
