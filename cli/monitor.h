/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vpmemctl monitor: shared state of the event sources (udev, mounts, vpmem
 * counters) and the one place events are written (monitor-out.c).
 */
#ifndef VPMEMCTL_MONITOR_H
#define VPMEMCTL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <pmemflush.h>

struct udev;
struct udev_monitor;
struct libmnt_monitor;

enum mon_udev_source {
	MON_SOURCE_AUTO = 0, /* "udev" when systemd-udevd runs, else "kernel" */
	MON_SOURCE_UDEV,
	MON_SOURCE_KERNEL,
};

/* One hazard bit of one subject ("namespace0.0", "/mnt/pmem"). */
struct mon_hazard {
	char *subject_kind; /* "namespace" or "mount" */
	char *subject;
	unsigned int mask;
	bool seen; /* in the current evaluation */
};

/* One mount that is on pmem, by its mount id (stable across remounts). */
struct mon_mount {
	int id;
	char *target;
	char *source;
	char *fstype;
	char *options;
	unsigned int hazards; /* of its path check */
	bool hidden; /* another mount is on top: judged from its options */
	struct json_object *mount; /* last "mount" object (for umount) */
	struct json_object *check; /* last path check of its target */
	bool seen;
};

/* The counters of one vpmem region, between two polls. */
enum mon_counter_state {
	MON_COUNTERS_NEW = 0, /* not read yet */
	MON_COUNTERS_AVAILABLE,
	MON_COUNTERS_UNAVAILABLE, /* not driven by vpmem: no counters exist */
	MON_COUNTERS_UNREADABLE, /* vpmem, but a read failed */
};

struct mon_counters {
	char *region; /* "region0" */
	char *bus; /* "ndbus0": a region name reused by another bus is another region */
	enum mon_counter_state state;
	unsigned long long errors, host_flushes, total_ns, max_ns;
	unsigned long long requests; /* flush_requests when host_flushes last rose */
	double hf_since; /* monotonic seconds: when host_flushes last rose */
	bool stalled; /* reported; again only after host_flushes rose */
	bool good; /* the values above are a reading of this instance */
	bool seen;
};

struct monitor {
	struct pmemflush_ctx *ctx;
	/* options */
	bool json;
	bool initial;
	long long count; /* exit after this many events; 0: never */
	double timeout; /* seconds; < 0: none */
	double interval; /* counter poll period, seconds */
	double recheck; /* hazards re-checked without an event, seconds; 0: never */
	long long latency_ns; /* < 0: no latency events */
	double stall; /* seconds without a host flush while requests wait; 0: off */
	enum mon_udev_source source;
	/* sources */
	struct udev *udev;
	struct udev_monitor *umon;
	const char *source_name; /* "udev" or "kernel" */
	struct libmnt_monitor *mmon;
	/* state */
	struct mon_mount *mounts;
	size_t n_mounts;
	struct mon_hazard *hazards;
	size_t n_hazards;
	struct mon_counters *counters;
	size_t n_counters;
	bool snapshot_stale; /* the ctx's regions must be read again */
	long long events; /* emitted (the initial snapshot does not count) */
	bool quiet_baseline; /* evaluating the state at start: only hazards and errors */
	bool failing; /* a re-evaluation failed; said once, retried every interval */
	int write_error; /* errno of a failed write to stdout, else 0 */
};

/* monitor-out.c: one event; takes @o (may be NULL on ENOMEM), adds "event", "timestamp". */
int mon_emit(struct monitor *m, const char *event, const char *action, struct json_object *o,
	     const char *human);
/* The same, not counted towards --count (the --initial snapshot). */
int mon_emit_state(struct monitor *m, const char *event, const char *action,
		   struct json_object *o, const char *human);
/* true once --count events were written or a write failed. */
bool mon_done(const struct monitor *m);
/* A fresh snapshot of the regions, if something changed since the last one. */
int mon_snapshot(struct monitor *m);

/* monitor-udev.c */
int mon_udev_open(struct monitor *m);
int mon_udev_fd(struct monitor *m);
/* Drain and report the pending device events; returns how many were pmem related. */
int mon_udev_read(struct monitor *m);
void mon_udev_close(struct monitor *m);

/* monitor-mounts.c */
int mon_mounts_open(struct monitor *m);
int mon_mounts_fd(struct monitor *m);
/* Drain the libmount monitor; true when the mount table changed. */
bool mon_mounts_changed(struct monitor *m);
/* Compare the pmem mounts with the last evaluation, report mount events. */
int mon_mounts_eval(struct monitor *m);
/* Mount options @opts (a mount table's field) say nobarrier or barrier=0. */
bool mon_opt_nobarrier(const char *opts);
/* Compare the hazards of namespaces and pmem mounts, report hazard events. */
int mon_hazards_eval(struct monitor *m);
/* --initial: the pmem mounts as "snapshot" events. */
int mon_mounts_initial(struct monitor *m);
void mon_mounts_close(struct monitor *m);

/* monitor-counters.c */
int mon_counters_poll(struct monitor *m, double elapsed, double now);
void mon_counters_close(struct monitor *m);

/* The region @devname of the current snapshot, or NULL. */
struct pmemflush_region *mon_find_region(struct monitor *m, const char *devname);
/* vj_region() plus the driver facts of its virtio-pmem device, as `list --json`. */
struct json_object *mon_region_json(struct monitor *m, struct pmemflush_region *r);

#endif
