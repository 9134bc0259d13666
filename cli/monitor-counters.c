// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl monitor: vpmem's counters (vpmem(4)), read every --interval.
 *
 * flush_errors only grows: any rise is an "error" event. The latency of the
 * host flushes of one interval is (delta flush_latency_total_ns) / (delta
 * host_flushes); above --latency-threshold it is a "latency" event, as is a
 * new flush_latency_max_ns above it (one flush of this interval was that
 * slow). Only vpmem.ko has these counters: a region driven by the in-tree
 * virtio_pmem has none, and a buffered one is reported once as
 * "counters unavailable" so that nobody mistakes silence for health.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pmemflush.h>

#include "cleanup.h"
#include "json.h"
#include "monitor.h"
#include "sysfs.h"

static const char *const names[] = { "flush_errors", "host_flushes", "flush_latency_total_ns",
				      "flush_latency_max_ns", "flush_requests" };

void mon_counters_close(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->n_counters; i++) {
		free(m->counters[i].region);
		free(m->counters[i].bus);
	}
	free(m->counters);
	m->counters = NULL;
	m->n_counters = 0;
}

static struct mon_counters *find(struct monitor *m, struct pmemflush_region *r)
{
	const char *bus = pmemflush_region_get_bus_devname(r) ?: "";
	const char *dev = pmemflush_region_get_devname(r);
	struct mon_counters *c;
	size_t i;

	for (i = 0; i < m->n_counters; i++)
		if (!strcmp(m->counters[i].region, dev) && !strcmp(m->counters[i].bus, bus))
			return &m->counters[i];
	c = realloc(m->counters, (m->n_counters + 1) * sizeof(*c));
	if (!c)
		return NULL;
	m->counters = c;
	c = &m->counters[m->n_counters];
	memset(c, 0, sizeof(*c));
	c->region = strdup(dev);
	c->bus = strdup(bus);
	if (!c->region || !c->bus) {
		free(c->region);
		free(c->bus);
		return NULL;
	}
	m->n_counters++;
	return c;
}

static struct json_object *region_obj(struct monitor *m, struct pmemflush_region *r)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "region", mon_region_json(m, r));
	return o;
}

static void report_state(struct monitor *m, struct pmemflush_region *r, const char *action,
			 int err)
{
	struct json_object *o = region_obj(m, r);
	const char *drv = pmemflush_region_get_driver_devname(r);
	char human[512];

	if (err) {
		snprintf(human, sizeof(human), "%s: cannot read vpmem's counters: %s",
			 pmemflush_region_get_devname(r), strerror(err));
		if (o)
			json_object_object_add(o, "message", json_object_new_string(human));
	} else if (!strcmp(action, "unavailable")) {
		snprintf(human, sizeof(human),
			 "%s: no flush counters (driver %s, not vpmem): flush errors and latency "
			 "of this buffered region are not monitored",
			 pmemflush_region_get_devname(r), drv ? drv : "none");
		if (o)
			json_object_object_add(o, "message", json_object_new_string(human));
	} else {
		snprintf(human, sizeof(human), "%s: %s", pmemflush_region_get_devname(r),
			 !strcmp(action, "reset") ? "vpmem's counters started again from zero "
						    "(driver rebound or reloaded)"
						  : "vpmem's counters are read");
	}
	mon_emit(m, "counters", action, o, human);
}

static void report_error(struct monitor *m, struct pmemflush_region *r,
			 const struct mon_counters *c, unsigned long long errors)
{
	struct json_object *o = region_obj(m, r);
	char human[256];

	if (o) {
		json_object_object_add(o, "flush_errors", json_object_new_uint64(errors));
		json_object_object_add(o, "previous_flush_errors",
				       json_object_new_uint64(c->errors));
		json_object_object_add(o, "new_errors", json_object_new_uint64(errors - c->errors));
	}
	snprintf(human, sizeof(human), "%s: flush_errors %llu -> %llu (%llu new)",
		 pmemflush_region_get_devname(r), c->errors, errors, errors - c->errors);
	mon_emit(m, "error", "flush", o, human);
}

static void report_latency(struct monitor *m, struct pmemflush_region *r, const char *trigger,
			   unsigned long long flushes, unsigned long long avg,
			   unsigned long long max, double elapsed)
{
	struct json_object *o = region_obj(m, r);
	char human[256];

	if (o) {
		json_object_object_add(o, "trigger", json_object_new_string(trigger));
		json_object_object_add(o, "interval_s", json_object_new_double(elapsed));
		json_object_object_add(o, "host_flushes", json_object_new_uint64(flushes));
		json_object_object_add(o, "avg_ns", json_object_new_uint64(avg));
		json_object_object_add(o, "max_ns", json_object_new_uint64(max));
		json_object_object_add(o, "threshold_ns", json_object_new_int64(m->latency_ns));
	}
	snprintf(human, sizeof(human),
		 "%s: %llu host flushes in %.3f s, average %llu ns, max %llu ns (%s above %lld ns)",
		 pmemflush_region_get_devname(r), flushes, elapsed, avg, max, trigger,
		 m->latency_ns);
	mon_emit(m, "latency", trigger, o, human);
}

/*
 * vpmem(4): flush_errors_ack differs from flush_errors while a flush error
 * is not acknowledged; vpmem then refuses every flush at once, and the
 * requests it refuses are no sign of a stuck host. The library has no
 * getter for it: read beside the flush attribute. It is 0600: a monitor
 * that is not root cannot know, which is not the same as "acknowledged".
 */
static int read_ack(struct pmemflush_region *r, unsigned long long *ack)
{
	const char *flush = pmemflush_region_get_host_flush_path(r);
	const char *slash = flush ? strrchr(flush, '/') : NULL;
	char path[PATH_MAX], buf[32];
	_cleanup_fclose_ FILE *f = NULL;

	if (!slash)
		return -ENOENT;
	snprintf(path, sizeof(path), "%.*s/flush_errors_ack", (int)(slash - flush), flush);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		return -EIO;
	buf[strcspn(buf, "\n")] = '\0';
	return util_parse_u64(buf, ack) < 0 ? -EIO : 0;
}

/* 1: an error is not acknowledged, 0: none is, -1: cannot tell (ack unreadable). */
static int errors_unacked(struct pmemflush_region *r, unsigned long long errors)
{
	/* Zero: the analysers do not know that fopen() sets errno. */
	unsigned long long ack = 0;

	if (read_ack(r, &ack) < 0)
		return errors ? -1 : 0;
	return ack != errors;
}

/*
 * A new baseline (the start, a region that appeared, counters that became
 * readable, a rebind): errors counted before it were never reported by this
 * monitor. Those not acknowledged still matter (vpmem refuses every flush
 * until they are): one "error" event "unacknowledged".
 */
static void report_unacked(struct monitor *m, struct pmemflush_region *r, unsigned long long errors)
{
	struct json_object *o;
	unsigned long long ack = 0;
	char human[256];
	int rc;

	if (!errors)
		return;
	rc = read_ack(r, &ack);
	if (rc == 0 && ack >= errors)
		return;
	o = region_obj(m, r);
	if (o) {
		json_object_object_add(o, "flush_errors", json_object_new_uint64(errors));
		json_object_object_add(o, "flush_errors_ack",
				       rc == 0 ? json_object_new_uint64(ack) : NULL);
	}
	if (rc == 0)
		snprintf(human, sizeof(human), "%s: flush_errors %llu, acknowledged %llu: %llu unacknowledged",
			 pmemflush_region_get_devname(r), errors, ack, errors - ack);
	else
		snprintf(human, sizeof(human),
			 "%s: flush_errors %llu, unacknowledged or unknown (flush_errors_ack: %s)",
			 pmemflush_region_get_devname(r), errors, strerror(-rc));
	if (o)
		json_object_object_add(o, "message", json_object_new_string(human));
	mon_emit(m, "error", "unacknowledged", o, human);
}

/*
 * A host that does not answer: vpmem sends the next host flush as soon as
 * the one in flight is answered, so flush requests that arrived while
 * host_flushes stood still for --stall seconds wait behind a flush the host
 * holds, or the driver refuses them at once: a broken device (vpmem(4)),
 * or an error not acknowledged (not called a stall: the error event said
 * it). A request that finds nothing in flight is sent at once, so a
 * working device never looks stalled. A request made in the same --interval as the stuck
 * flush's send cannot be told from one that send served, so only requests
 * made after a reading that saw the send count (later fsyncs and journal
 * commits do); one stuck flush with nothing behind it shows no sign.
 */
static void check_stall(struct monitor *m, struct pmemflush_region *r, struct mon_counters *c,
			const unsigned long long *v, double now)
{
	struct json_object *o;
	char human[320];
	int unacked = errors_unacked(r, v[0]);

	/*
	 * A host flush was sent: what was asked before is served or in flight.
	 * An error not acknowledged: vpmem refuses every request at once, so
	 * those requests wait for nothing (and must not count after the ack).
	 */
	if (v[1] != c->host_flushes || unacked > 0) {
		c->hf_since = now;
		c->requests = v[4];
		c->stalled = false;
		return;
	}
	if (m->stall <= 0 || c->stalled || v[4] == c->requests || now - c->hf_since < m->stall)
		return;
	c->stalled = true;
	o = region_obj(m, r);
	if (o) {
		json_object_object_add(o, "waiting_requests", json_object_new_uint64(v[4] - c->requests));
		json_object_object_add(o, "since_last_host_flush_s",
				       json_object_new_double(now - c->hf_since));
		json_object_object_add(o, "stall_s", json_object_new_double(m->stall));
		/* Not root: the refused requests of an unacknowledged error look the same. */
		json_object_object_add(o, "unacknowledged_error_unknown",
				       json_object_new_boolean(unacked < 0));
	}
	snprintf(human, sizeof(human),
		 "%s: %llu flush requests, no host flush sent for %.1f s: the host holds a flush, or the device is broken%s",
		 pmemflush_region_get_devname(r), v[4] - c->requests, now - c->hf_since,
		 unacked < 0 ? ", or an unacknowledged flush error (unreadable for this user)" : "");
	mon_emit(m, "latency", "stalled", o, human);
}

static void poll_region(struct monitor *m, struct pmemflush_region *r, double elapsed, double now)
{
	struct mon_counters *c = find(m, r);
	unsigned long long v[5];
	enum mon_counter_state was;
	size_t i;
	int rc = 0;

	if (!c)
		return;
	c->seen = true;
	/*
	 * flush_requests first: vpmem counts a request before it sends it, so
	 * every request read here that was sent by the time host_flushes is
	 * read shows in host_flushes (read the other way round, a request
	 * sent in between would look like one waiting).
	 */
	for (i = 0; i < 5 && rc == 0; i++)
		rc = pmemflush_region_get_vpmem_counter(r, names[(i + 4) % 5], &v[(i + 4) % 5]);
	was = c->state;
	if (rc == -ENOENT) {
		c->state = MON_COUNTERS_UNAVAILABLE;
		c->good = false;
		/* A synchronous region needs no host flush: nothing to miss there. */
		if (was != MON_COUNTERS_UNAVAILABLE &&
		    pmemflush_region_get_buffered(r) != PMEMFLUSH_NO)
			report_state(m, r, "unavailable", 0);
		return;
	}
	if (rc < 0) {
		c->state = MON_COUNTERS_UNREADABLE;
		if (was != MON_COUNTERS_UNREADABLE)
			report_state(m, r, "unreadable", -rc);
		return;
	}
	c->state = MON_COUNTERS_AVAILABLE;
	/*
	 * Readable again, and the same vpmem instance (nothing went down):
	 * compare with the last good reading, a rise in between is an error.
	 */
	if (was == MON_COUNTERS_UNREADABLE && c->good && v[0] >= c->errors &&
	    v[1] >= c->host_flushes && v[2] >= c->total_ns && v[3] >= c->max_ns) {
		report_state(m, r, "available", 0);
		c->hf_since = now;
		c->requests = v[4];
		c->stalled = false;
		if (v[0] > c->errors)
			report_error(m, r, c, v[0]);
		goto baseline;
	}
	/*
	 * A new vpmem instance (rebind, reload) starts from zero: any counter
	 * below the last reading (the latency total and maximum too: a rebind
	 * between two polls may already have flushed more than before).
	 */
	if (was != MON_COUNTERS_AVAILABLE || v[0] < c->errors || v[1] < c->host_flushes ||
	    v[2] < c->total_ns || v[3] < c->max_ns) {
		/* First reading, or a new vpmem instance: a new baseline. */
		if (was == MON_COUNTERS_AVAILABLE)
			report_state(m, r, "reset", 0);
		else if (was != MON_COUNTERS_NEW)
			report_state(m, r, "available", 0);
		c->hf_since = now;
		c->requests = v[4];
		c->stalled = false;
		/* What it counted before this monitor looked was never reported. */
		report_unacked(m, r, v[0]);
		goto baseline;
	}
	check_stall(m, r, c, v, now);
	if (v[0] > c->errors)
		report_error(m, r, c, v[0]);
	if (m->latency_ns >= 0 && !mon_done(m)) {
		unsigned long long flushes = v[1] - c->host_flushes;
		unsigned long long avg = flushes ? (v[2] - c->total_ns) / flushes : 0;

		if (flushes && avg > (unsigned long long)m->latency_ns)
			report_latency(m, r, "average", flushes, avg, v[3], elapsed);
		else if (v[3] > c->max_ns && v[3] > (unsigned long long)m->latency_ns)
			report_latency(m, r, "max", flushes, avg, v[3], elapsed);
	}
baseline:
	c->good = true;
	c->errors = v[0];
	c->host_flushes = v[1];
	c->total_ns = v[2];
	c->max_ns = v[3];
}

int mon_counters_poll(struct monitor *m, double elapsed, double now)
{
	struct pmemflush_region *r;
	size_t i, j;
	int rc;

	rc = mon_snapshot(m);
	if (rc < 0)
		return rc;
	for (i = 0; i < m->n_counters; i++)
		m->counters[i].seen = false;
	pmemflush_region_foreach(m->ctx, r) {
		if (mon_done(m))
			return 0;
		poll_region(m, r, elapsed, now);
	}
	/*
	 * A region that is gone: its device events said so. The others keep
	 * their order (j <= i): no entry is both moved and freed.
	 */
	for (i = 0, j = 0; i < m->n_counters; i++) {
		if (!m->counters[i].seen) {
			free(m->counters[i].region);
			free(m->counters[i].bus);
			continue;
		}
		m->counters[j++] = m->counters[i];
	}
	m->n_counters = j;
	return 0;
}
