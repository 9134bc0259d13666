/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vpmemctl flush: one result row per target, its table line and JSON
 * object, and the exit status of a run. Pure, for the unit tests.
 */
#ifndef VPMEMCTL_FLUSH_FMT_H
#define VPMEMCTL_FLUSH_FMT_H

#include <stdio.h>

#include <json-c/json.h>

enum vf_result {
	VF_OK = 0,	/* flushed: the operation completed */
	VF_UNSAFE,	/* no path reaches the host: nothing was done */
	VF_DENIED,	/* this user may not do it */
	VF_ERROR,	/* no such target, or the flush failed */
};

struct vf_row {
	const char *target;	/* as given */
	const char *kind;	/* "region", "namespace", "bus", "path"; NULL if unknown */
	const char *device;	/* what was flushed; NULL: none */
	const char *how;	/* pmemflush_flush_how_name(); NULL: not resolved */
	long long host_flushes;	/* counted by vpmem during the flush; -1 unknown */
	long long duration_ns;	/* -1: nothing was run */
	enum vf_result result;
	const char *message;	/* why (unsafe), or the error; NULL when ok */
};

/* "ok", "unsafe", "denied", "error". */
const char *vf_result_name(enum vf_result r);
/* The result a negative errno of resolve or flush stands for. */
enum vf_result vf_result_of_errno(int rc);
/* Fold one row's result into a run's exit status (VPMEMCTL_EXIT_*). */
int vf_exit_status(int status, enum vf_result r);

struct json_object *vj_flush_result(const struct vf_row *row);
/* @width: of the TARGET column (the longest target given, at least 6). */
void vf_table_header(FILE *out, int width);
void vf_table_row(FILE *out, int width, const struct vf_row *row);
/* The one stderr line of a row that is not ok, e.g. "vpmemctl flush: x: ..."; nothing if ok. */
void vf_error_line(FILE *out, const struct vf_row *row);

#endif
