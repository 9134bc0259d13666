// SPDX-License-Identifier: GPL-2.0-only
/* vpmemctl flush: rows, table, JSON (schema in vpmemctl-flush(1)), exit status. */
#include <errno.h>

#include "builtin.h"
#include "eprint.h"
#include "flush-fmt.h"

const char *vf_result_name(enum vf_result r)
{
	switch (r) {
	case VF_OK:
		return "ok";
	case VF_UNSAFE:
		return "unsafe";
	case VF_DENIED:
		return "denied";
	case VF_ERROR:
		return "error";
	}
	return "error";
}

enum vf_result vf_result_of_errno(int rc)
{
	if (rc >= 0)
		return VF_OK;
	switch (-rc) {
	case EACCES:
	case EPERM:
		return VF_DENIED;
	case EOPNOTSUPP:
		return VF_UNSAFE;
	default:
		return VF_ERROR;
	}
}

/* Precedence, as documented: error over denied over unsafe over ok. */
static int rank(int status)
{
	switch (status) {
	case VPMEMCTL_EXIT_OK:
		return 0;
	case VPMEMCTL_EXIT_HAZARD:
		return 1;
	case VPMEMCTL_EXIT_PERMISSION:
		return 2;
	default:
		return 3;
	}
}

int vf_exit_status(int status, enum vf_result r)
{
	static const int of[] = {
		[VF_OK] = VPMEMCTL_EXIT_OK,
		[VF_UNSAFE] = VPMEMCTL_EXIT_HAZARD,
		[VF_DENIED] = VPMEMCTL_EXIT_PERMISSION,
		[VF_ERROR] = VPMEMCTL_EXIT_ERROR,
	};
	int s = (unsigned int)r < sizeof(of) / sizeof(of[0]) ? of[r] : VPMEMCTL_EXIT_ERROR;

	return rank(s) > rank(status) ? s : status;
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *count_or_null(long long v)
{
	return v >= 0 ? json_object_new_int64(v) : NULL;
}

struct json_object *vj_flush_result(const struct vf_row *row)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "target", str_or_null(row->target));
	if (row->kind)
		json_object_object_add(o, "kind", json_object_new_string(row->kind));
	json_object_object_add(o, "device", str_or_null(row->device));
	json_object_object_add(o, "how", str_or_null(row->how));
	json_object_object_add(o, "host_flushes", count_or_null(row->host_flushes));
	json_object_object_add(o, "duration_ns", count_or_null(row->duration_ns));
	json_object_object_add(o, "result", json_object_new_string(vf_result_name(row->result)));
	/* "reason" says why nothing could be done; "message" what went wrong. */
	if (row->message)
		json_object_object_add(o, row->result == VF_UNSAFE ? "reason" : "message",
				       json_object_new_string(row->message));
	return o;
}

void vf_table_header(FILE *out, int width)
{
	fprintf(out, "%-*s %-12s %-14s %12s %10s  %s\n", width, "TARGET", "DEVICE", "HOW",
		"HOST_FLUSHES", "TIME", "RESULT");
}

void vf_table_row(FILE *out, int width, const struct vf_row *row)
{
	char hf[32] = "-", dur[32] = "-";

	if (row->host_flushes >= 0)
		snprintf(hf, sizeof(hf), "%lld", row->host_flushes);
	if (row->duration_ns >= 0)
		snprintf(dur, sizeof(dur), "%.3f ms", (double)row->duration_ns / 1e6);
	fprintf(out, "%-*s %-12s %-14s %12s %10s  %s\n", width, row->target,
		row->device ? row->device : "-", row->how ? row->how : "-", hf, dur,
		vf_result_name(row->result));
}

void vf_error_line(FILE *out, const struct vf_row *row)
{
	switch (row->result) {
	case VF_OK:
		return;
	case VF_UNSAFE:
		vp_line(out, "vpmemctl flush: %s: not flushed, no path reaches the host: %s\n",
			row->target, row->message ? row->message : "unknown reason");
		return;
	case VF_DENIED:
		vp_line(out, "vpmemctl flush: %s: permission denied: %s\n", row->target,
			row->message ? row->message : "");
		return;
	case VF_ERROR:
		vp_line(out, "vpmemctl flush: %s: %s\n", row->target,
			row->message ? row->message : "failed");
		return;
	}
}
