// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl monitor: writing events. One line per event, flushed at once so
 * that a reader (journal, pipe, script) sees it when it happens; JSON lines
 * with --json.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pmemflush.h>

#include "json.h"
#include "monitor.h"
#include "eprint.h"

/* RFC 3339, UTC, microseconds: "2026-11-25T20:47:00.123456Z". */
static void timestamp(char *buf, size_t len, long long *mono_us)
{
	struct timespec rt, mono;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	*mono_us = (long long)mono.tv_sec * 1000000 + mono.tv_nsec / 1000;
	gmtime_r(&rt.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06ldZ", rt.tv_nsec / 1000);
}

static int write_line(struct monitor *m, const char *line)
{
	/*
	 * SIGPIPE is ignored by cmd_monitor(): a reader that went away is a
	 * write error (EPIPE) here, and the monitor ends with status 1.
	 */
	if (fputs(line, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) != 0) {
		m->write_error = errno ? errno : EIO;
		vp_line(stderr, "vpmemctl monitor: cannot write an event: %s\n",
			strerror(m->write_error));
		clearerr(stdout);
		return -m->write_error;
	}
	return 0;
}

static int emit(struct monitor *m, const char *event, const char *action, struct json_object *o,
		const char *human)
{
	struct json_object *root;
	char ts[64];
	long long mono;
	int rc;

	if (m->write_error)
		return -m->write_error;
	timestamp(ts, sizeof(ts), &mono);
	if (!m->json) {
		char line[4096];

		json_object_put(o);
		snprintf(line, sizeof(line), "%s %s %s %s", ts, event, action, human ? human : "");
		return write_line(m, line);
	}
	root = json_object_new_object();
	if (!root) {
		json_object_put(o);
		return -ENOMEM;
	}
	json_object_object_add(root, "event", json_object_new_string(event));
	json_object_object_add(root, "action", json_object_new_string(action));
	json_object_object_add(root, "timestamp", json_object_new_string(ts));
	json_object_object_add(root, "monotonic_us", json_object_new_int64(mono));
	if (o) {
		json_object_object_foreach(o, key, val)
			json_object_object_add(root, key, json_object_get(val));
		json_object_put(o);
	}
	rc = write_line(m, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return rc;
}

int mon_emit(struct monitor *m, const char *event, const char *action, struct json_object *o,
	     const char *human)
{
	int rc;

	/*
	 * The state at start is the baseline, not a change, except what is
	 * wrong already (hazards present, flush errors not acknowledged): a
	 * monitor (re)started after it happened must still say it. After
	 * --count events, what one change still causes (a remount's hazards)
	 * is not written either.
	 */
	if ((m->quiet_baseline && strcmp(event, "hazard") && strcmp(event, "error")) ||
	    mon_done(m)) {
		json_object_put(o);
		return 0;
	}
	rc = emit(m, event, action, o, human);
	if (rc == 0)
		m->events++;
	return rc;
}

int mon_emit_state(struct monitor *m, const char *event, const char *action,
		   struct json_object *o, const char *human)
{
	return emit(m, event, action, o, human);
}

bool mon_done(const struct monitor *m)
{
	return m->write_error || (m->count > 0 && m->events >= m->count);
}

int mon_snapshot(struct monitor *m)
{
	int rc;

	if (!m->snapshot_stale)
		return 0;
	/* Drops the regions (and their libndctl handle) of the last snapshot. */
	rc = pmemflush_refresh(m->ctx);
	if (rc == 0)
		rc = pmemflush_discover(m->ctx);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl monitor: cannot read the regions: %s\n",
			*pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
		return rc;
	}
	m->snapshot_stale = false;
	return 0;
}

struct pmemflush_region *mon_find_region(struct monitor *m, const char *devname)
{
	struct pmemflush_region *r;

	if (!devname || mon_snapshot(m) < 0)
		return NULL;
	pmemflush_region_foreach(m->ctx, r)
		if (strcmp(pmemflush_region_get_devname(r), devname) == 0)
			return r;
	return NULL;
}

struct json_object *mon_region_json(struct monitor *m, struct pmemflush_region *r)
{
	struct pmemflush_drivers *d = NULL;
	struct json_object *o = vj_region(r, 0);

	/* Driver facts are evidence, not a condition (as in `list`). */
	if (o && pmemflush_drivers_new(m->ctx, &d) == 0)
		vj_add_driver_facts(o, pmemflush_drivers_get_vdev_by_bus(
					       d, pmemflush_region_get_bus_devname(r)));
	pmemflush_drivers_unref(d);
	return o;
}
