// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl monitor: follow pmem devices, drivers, mounts, hazards and
 * vpmem's flush counters, one event per line (vpmemctl-monitor(1)).
 *
 * This file: options, the start (a baseline that reports only what is
 * wrong already, then the optional --initial snapshot, then "ready"), and the poll loop over the event
 * sources: libudev (monitor-udev.c), libmount (monitor-mounts.c), the
 * counter period (monitor-counters.c) and SIGTERM/SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <pmemflush.h>

#include "builtin.h"
#include "cleanup.h"
#include "json.h"
#include "monitor.h"
#include "eprint.h"

static void monitor_usage(FILE *out)
{
	fprintf(out, "usage: vpmemctl monitor [-j|--json] [--once|-c|--count N] [-t|--timeout SECONDS]\n"
		     "                        [-i|--interval SECONDS] [-l|--latency-threshold TIME]\n"
		     "                        [--stall SECONDS] [--recheck SECONDS] [--initial] [--source auto|udev|kernel]\n\n"
		     "  -j, --json               one JSON object per line (schema in vpmemctl-monitor(1))\n"
		     "      --once               exit after the first event (--count 1)\n"
		     "  -c, --count N            exit after N events\n"
		     "  -t, --timeout SECONDS    exit (status 0) after SECONDS, events or not\n"
		     "  -i, --interval SECONDS   read vpmem's counters every SECONDS (default 1)\n"
		     "  -l, --latency-threshold TIME\n"
		     "                           a latency event when the average host flush of an\n"
		     "                           interval, or a new maximum, takes longer than TIME\n"
		     "                           (ns, us, ms or s; a plain number is ns; default: off)\n"
		     "      --stall SECONDS      a latency event when flush requests wait and no host\n"
		     "                           flush was sent for SECONDS (default 10, 0: off)\n"
		     "      --recheck SECONDS    also check mounts and hazards every SECONDS without an\n"
		     "                           event (a queue's write_cache makes none; default 30,\n"
		     "                           0: only on events)\n"
		     "      --initial            first describe every region and pmem mount\n"
		     "                           (\"snapshot\" events, not counted by --count)\n"
		     "      --source SRC         device events from systemd-udevd (udev), from the\n"
		     "                           kernel (kernel), or udev if it runs (auto, default)\n"
		     "  -h, --help               show this help\n\n"
		     "Exit status: 0 after --count events, the timeout or SIGTERM/SIGINT; 1 an event\n"
		     "source failed or the output could not be written; 2 usage error.\n");
}

/* SECONDS: a decimal number >= 0 (and <= a day: a poll timeout in ms must fit). */
static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 86400)
		return -EINVAL;
	*out = v;
	return 0;
}

/* TIME: an integer with an optional unit ns, us, ms or s; nanoseconds. */
static int parse_latency(const char *s, long long *out)
{
	static const struct {
		const char *unit;
		long long ns;
	} units[] = { { "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 } };
	unsigned long long v;
	char *end;
	size_t i;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit)) {
			if (v > (unsigned long long)(INT64_MAX / units[i].ns))
				return -EINVAL;
			*out = (long long)v * units[i].ns;
			return 0;
		}
	return -EINVAL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Tell systemd (Type=notify) that the monitor listens: events after this
 * point are not missed. The protocol is one datagram; no libsystemd needed.
 */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		vp_line(stderr, "vpmemctl monitor: cannot notify systemd: %s\n", strerror(errno));
	close(fd);
}

/* The regions and pmem mounts as they are, before any change (--initial). */
static int initial_snapshot(struct monitor *m)
{
	struct pmemflush_region *r;
	int rc = mon_snapshot(m);

	if (rc < 0)
		return rc;
	pmemflush_region_foreach(m->ctx, r) {
		struct json_object *o = json_object_new_object();

		if (o)
			json_object_object_add(o, "region", mon_region_json(m, r));
		rc = mon_emit_state(m, "snapshot", "region", o, pmemflush_region_get_devname(r));
		if (rc < 0)
			return rc;
	}
	return mon_mounts_initial(m);
}

/* One line for the journal: what is watched, and what cannot be. */
static void say_ready(struct monitor *m)
{
	char with[512] = "", without[512] = "";
	size_t i, a = 0, b = 0;

	for (i = 0; i < m->n_counters; i++) {
		const struct mon_counters *c = &m->counters[i];

		if (c->state == MON_COUNTERS_AVAILABLE && a < sizeof(with))
			a += snprintf(with + a, sizeof(with) - a, " %s", c->region);
		else if (b < sizeof(without))
			b += snprintf(without + b, sizeof(without) - b, " %s", c->region);
	}
	vp_line(stderr, "vpmemctl monitor: watching device events (%s), mounts, vpmem counters every %g s (%s)%s%s%s\n",
		m->source_name, m->interval, a ? with + 1 : "no region",
		b ? "; no counters:" : "", without, b ? " (not vpmem)" : "");
	notify_ready();
}

/* Start: sources first, then the state they will be compared with. */
static int monitor_start(struct monitor *m)
{
	int rc;

	rc = mon_udev_open(m);
	if (rc < 0)
		return rc;
	rc = mon_mounts_open(m);
	if (rc < 0)
		return rc;
	m->quiet_baseline = true;
	m->snapshot_stale = true;
	rc = mon_mounts_eval(m);
	if (rc == 0)
		rc = mon_hazards_eval(m);
	if (rc == 0)
		rc = mon_counters_poll(m, 0, now_s());
	m->quiet_baseline = false;
	if (rc == 0 && m->initial)
		rc = initial_snapshot(m);
	if (rc == 0)
		say_ready(m);
	return rc;
}

/* Device or mount changes: mounts, then hazards (which depend on both). */
static int reevaluate(struct monitor *m)
{
	int rc;

	if (mon_done(m))
		return 0;
	rc = mon_mounts_eval(m);
	if (rc == 0 && !mon_done(m))
		rc = mon_hazards_eval(m);
	return rc;
}

/*
 * A re-evaluation failed (discovery or the mount table could not be read,
 * e.g. while a device goes away): one "monitor" event "error", the last
 * state is kept and everything is evaluated again at the next interval.
 * Only a failed write ends the monitor here; the event sources are polled
 * on.
 */
static int eval_failed(struct monitor *m, int rc)
{
	struct json_object *o;
	char human[512];

	if (m->write_error)
		return -m->write_error;
	m->snapshot_stale = true;
	if (m->failing)
		return 0;
	m->failing = true;
	snprintf(human, sizeof(human), "cannot evaluate the devices and mounts: %s (retried every interval)",
		 *pmemflush_errormsg() ? pmemflush_errormsg() : strerror(-rc));
	o = json_object_new_object();
	if (o)
		json_object_object_add(o, "message", json_object_new_string(human));
	mon_emit(m, "monitor", "error", o, human);
	return m->write_error ? -m->write_error : 0;
}

static int monitor_loop(struct monitor *m, int sigfd)
{
	double start = now_s(), last_poll = start, next_tick = start + m->interval;
	double deadline = m->timeout >= 0 ? start + m->timeout : INFINITY;
	double next_recheck = m->recheck > 0 ? start + m->recheck : INFINITY;
	/*
	 * stdout with no events: POLLERR/POLLHUP when the reader went away
	 * (`vpmemctl monitor | head -1` on a quiet system ends at once, as a
	 * failed write would end it).
	 */
	struct pollfd fds[4] = {
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = mon_udev_fd(m), .events = POLLIN },
		{ .fd = mon_mounts_fd(m), .events = POLLIN },
		{ .fd = STDOUT_FILENO, .events = 0 },
	};
	bool retry = false;
	int rc = 0;

	while (!mon_done(m)) {
		double t = now_s(), wait = fmin(fmin(next_tick, next_recheck), deadline) - t;
		bool changed = false;
		int n;

		if (t >= deadline)
			break;
		n = poll(fds, ARRAY_SIZE(fds), wait > 0 ? (int)ceil(wait * 1000) : 0);
		if (n < 0 && errno != EINTR) {
			vp_line(stderr, "vpmemctl monitor: poll: %s\n", strerror(errno));
			return -errno;
		}
		if (n > 0 && (fds[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			/* SIGTERM (systemctl stop) or SIGINT: a clean end. */
			if (read(sigfd, &si, sizeof(si)) == sizeof(si))
				vp_line(stderr, "vpmemctl monitor: %s, stopping\n",
					strsignal((int)si.ssi_signo));
			break;
		}
		if (n > 0 && (fds[3].revents & (POLLERR | POLLHUP))) {
			vp_line(stderr, "vpmemctl monitor: the output was closed (%s), stopping\n",
				strerror(EPIPE));
			m->write_error = EPIPE;
			return -EPIPE;
		}
		if (n > 0 && (fds[3].revents & POLLNVAL))
			fds[3].fd = -1;
		if (n > 0 && (fds[1].revents & (POLLIN | POLLERR)))
			changed |= mon_udev_read(m) > 0;
		if (n > 0 && (fds[2].revents & (POLLIN | POLLERR)) && mon_mounts_changed(m)) {
			m->snapshot_stale = true;
			changed = true;
		}
		/*
		 * Some changes make no event (writing a queue's write_cache):
		 * look again now and then, fresh snapshot included.
		 */
		if (now_s() >= next_recheck) {
			m->snapshot_stale = true;
			changed = true;
			next_recheck = now_s() + m->recheck;
		}
		t = now_s();
		if (retry && t >= next_tick)
			changed = true;
		if (changed) {
			rc = reevaluate(m);
			retry = rc < 0;
			if (rc < 0 && (rc = eval_failed(m, rc)) < 0)
				return rc;
		}
		t = now_s();
		if (t >= next_tick && !mon_done(m)) {
			rc = mon_counters_poll(m, t - last_poll, t);
			if (rc < 0 && (rc = eval_failed(m, rc)) < 0)
				return rc;
			if (!retry && rc == 0 && !m->snapshot_stale)
				m->failing = false;
			last_poll = t;
			next_tick += m->interval;
			/* Late (a slow evaluation): the next period starts now. */
			if (next_tick <= t)
				next_tick = t + m->interval;
		}
	}
	return 0;
}

static void monitor_free(struct monitor *m)
{
	mon_udev_close(m);
	mon_mounts_close(m);
	mon_counters_close(m);
}

int cmd_monitor(int argc, const char **argv, struct pmemflush_ctx *ctx)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "once", no_argument, NULL, '1' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "latency-threshold", required_argument, NULL, 'l' },
		{ "initial", no_argument, NULL, 'I' },
		{ "recheck", required_argument, NULL, 'R' },
		{ "stall", required_argument, NULL, 'T' },
		{ "source", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct monitor m = {
		.ctx = ctx, .timeout = -1, .interval = 1, .recheck = 30, .stall = 10, .latency_ns = -1,
	};
	_cleanup_close_ int sigfd = -1;
	sigset_t mask;
	char *end;
	int c, rc;

	while ((c = getopt_long(argc, (char *const *)argv, ":jc:t:i:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			m.json = true;
			break;
		case '1':
			m.count = 1;
			break;
		case 'c':
			errno = 0;
			m.count = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || m.count < 1) {
				vp_line(stderr, "vpmemctl monitor: invalid count '%s' (a number >= 1)\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_seconds(optarg, &m.timeout) < 0) {
				vp_line(stderr, "vpmemctl monitor: invalid timeout '%s' (seconds, 0 to 86400)\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		case 'i':
			if (parse_seconds(optarg, &m.interval) < 0 || m.interval < 0.01) {
				vp_line(stderr, "vpmemctl monitor: invalid interval '%s' (seconds, 0.01 to 86400)\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		case 'l':
			if (parse_latency(optarg, &m.latency_ns) < 0) {
				vp_line(stderr, "vpmemctl monitor: invalid latency threshold '%s' (e.g. 500us, 2ms, 1000000)\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		case 'I':
			m.initial = true;
			break;
		case 'T':
			if (parse_seconds(optarg, &m.stall) < 0) {
				vp_line(stderr, "vpmemctl monitor: invalid stall time '%s' (seconds, 0 to 86400)\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		case 'R':
			if (parse_seconds(optarg, &m.recheck) < 0 || (m.recheck > 0 && m.recheck < 0.1)) {
				vp_line(stderr, "vpmemctl monitor: invalid recheck period '%s' (0, or seconds from 0.1 to 86400)\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		case 'S':
			if (!strcmp(optarg, "auto"))
				m.source = MON_SOURCE_AUTO;
			else if (!strcmp(optarg, "udev"))
				m.source = MON_SOURCE_UDEV;
			else if (!strcmp(optarg, "kernel"))
				m.source = MON_SOURCE_KERNEL;
			else {
				vp_line(stderr, "vpmemctl monitor: unknown source '%s' (auto, udev, kernel)\n",
					optarg);
				return VPMEMCTL_EXIT_USAGE;
			}
			break;
		case 'h':
			monitor_usage(stdout);
			return VPMEMCTL_EXIT_OK;
		default:
			return vpmemctl_bad_option("monitor", c, argv);
		}
	}
	if (optind < argc) {
		vp_line(stderr, "vpmemctl monitor: unexpected argument '%s' (see 'vpmemctl monitor --help')\n",
			argv[optind]);
		return VPMEMCTL_EXIT_USAGE;
	}
	if (VPMEMCTL_PARSE_ONLY(ctx))
		return VPMEMCTL_EXIT_OK;

	/* A reader that goes away is a write error (status 1), not a kill by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		vp_line(stderr, "vpmemctl monitor: cannot handle signals: %s\n", strerror(errno));
		return VPMEMCTL_EXIT_ERROR;
	}
	rc = monitor_start(&m);
	if (rc == 0)
		rc = monitor_loop(&m, sigfd);
	monitor_free(&m);
	if (m.write_error)
		return VPMEMCTL_EXIT_ERROR;
	return rc < 0 ? VPMEMCTL_EXIT_ERROR : VPMEMCTL_EXIT_OK;
}
