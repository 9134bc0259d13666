// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl monitor: mounts (libmount's monitor of the kernel's mount table)
 * and hazards.
 *
 * After every change of the mount table, each mount of a block device is
 * checked again through the library (pmemflush_path_check() of its mount
 * point); those on pmem are the ones reported: mounted, remounted (its
 * options changed, e.g. nobarrier), unmounted. Hazards are then compared
 * per subject: each namespace (its own, its region's and its mounts') and
 * each pmem mount (the path check's, which also sees device-mapper stacks).
 * A hazard that appears or clears is one event per subject.
 */
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <pmemflush.h>

#include "cleanup.h"
#include "json.h"
#include "monitor.h"
#include "eprint.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

int mon_mounts_open(struct monitor *m)
{
	int rc;

	m->mmon = mnt_new_monitor();
	if (!m->mmon)
		return -ENOMEM;
	rc = mnt_monitor_enable_kernel(m->mmon, 1);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl monitor: cannot watch the mount table: %s\n",
			strerror(-rc));
		return rc;
	}
	rc = mnt_monitor_get_fd(m->mmon);
	if (rc < 0) {
		vp_line(stderr, "vpmemctl monitor: cannot watch the mount table: %s\n",
			strerror(-rc));
		return rc;
	}
	return 0;
}

int mon_mounts_fd(struct monitor *m)
{
	return m->mmon ? mnt_monitor_get_fd(m->mmon) : -1;
}

bool mon_mounts_changed(struct monitor *m)
{
	bool changed = false;

	while (mnt_monitor_next_change(m->mmon, NULL, NULL) == 0)
		changed = true;
	return changed;
}

static void mount_free(struct mon_mount *mm)
{
	free(mm->target);
	free(mm->source);
	free(mm->fstype);
	free(mm->options);
	json_object_put(mm->mount);
	json_object_put(mm->check);
}

void mon_mounts_close(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->n_mounts; i++)
		mount_free(&m->mounts[i]);
	free(m->mounts);
	m->mounts = NULL;
	m->n_mounts = 0;
	for (i = 0; i < m->n_hazards; i++) {
		free(m->hazards[i].subject_kind);
		free(m->hazards[i].subject);
	}
	free(m->hazards);
	m->hazards = NULL;
	m->n_hazards = 0;
	if (m->mmon)
		mnt_unref_monitor(m->mmon);
	m->mmon = NULL;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The "mount" object of `list` for this mount, or one with the same keys. */
static struct json_object *mount_json(struct monitor *m, struct libmnt_fs *fs,
				      struct pmemflush_check *chk)
{
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;
	struct pmemflush_mount *pm;
	struct json_object *o;

	if (mon_snapshot(m) == 0)
		pmemflush_region_foreach(m->ctx, r)
			pmemflush_namespace_foreach(r, ns)
				pmemflush_mount_foreach(ns, pm)
					if (same(pmemflush_mount_get_target(pm), mnt_fs_get_target(fs)) &&
					    same(pmemflush_mount_get_source(pm), mnt_fs_get_source(fs)))
						return vj_mount(pm, 0);
	/* A device-mapper or md stack: not a namespace's own mount. */
	o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "source", json_object_new_string(mnt_fs_get_source(fs) ?: ""));
	json_object_object_add(o, "target", json_object_new_string(mnt_fs_get_target(fs) ?: ""));
	json_object_object_add(o, "fstype", json_object_new_string(mnt_fs_get_fstype(fs) ?: ""));
	json_object_object_add(o, "dax", chk ? json_object_new_boolean(pmemflush_check_get_dax(chk) ==
									PMEMFLUSH_YES)
					      : NULL);
	json_object_object_add(o, "options", json_object_new_string(mnt_fs_get_options(fs) ?: ""));
	return o;
}

static struct mon_mount *find_mount(struct monitor *m, int id)
{
	size_t i;

	for (i = 0; i < m->n_mounts; i++)
		if (m->mounts[i].id == id)
			return &m->mounts[i];
	return NULL;
}

static void report_mount(struct monitor *m, const char *action, struct mon_mount *mm)
{
	struct json_object *o = json_object_new_object();
	char human[1024];

	if (o) {
		json_object_object_add(o, "mount", json_object_get(mm->mount));
		if (mm->check)
			json_object_object_add(o, "check", json_object_get(mm->check));
		if (mm->hidden)
			json_object_object_add(o, "hidden", json_object_new_boolean(true));
	}
	snprintf(human, sizeof(human), "%s on %s type %s (%s)%s%s", mm->source ?: "-", mm->target,
		 mm->fstype ?: "-", mm->options ?: "", mm->hidden ? " hidden by another mount" : "",
		 !mm->check ? ""
		 : json_object_get_boolean(json_object_object_get(mm->check, "durable"))
			 ? " durable"
			 : " NOT durable");
	mon_emit(m, "mount", action, o, human);
}

static int set_str(char **dst, const char *src)
{
	char *s = src ? strdup(src) : NULL;

	if (src && !s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/*
 * true when the mount at @target is not @fs: another mount on top hides it
 * (over-mounted), and a path check of @target would judge the top one.
 */
static bool mount_hidden(struct libmnt_fs *fs, const char *target)
{
	struct statx stx;

	if (statx(AT_FDCWD, target, AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return false; /* the path check will say why */
	if (stx.stx_mask & STATX_MNT_ID)
		return stx.stx_mnt_id != (unsigned long long)mnt_fs_get_id(fs);
	return makedev(stx.stx_dev_major, stx.stx_dev_minor) != mnt_fs_get_devno(fs);
}

bool mon_opt_nobarrier(const char *opts)
{
	char *val = NULL;
	size_t len = 0;

	if (!opts)
		return false;
	if (mnt_optstr_get_option(opts, "nobarrier", NULL, NULL) == 0)
		return true;
	return mnt_optstr_get_option(opts, "barrier", &val, &len) == 0 && len == 1 && *val == '0';
}

/* The namespace that discovery found mounted as @fs, or NULL. */
static struct pmemflush_namespace *fs_namespace(struct monitor *m, struct libmnt_fs *fs)
{
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;
	struct pmemflush_mount *pm;

	if (mon_snapshot(m) < 0)
		return NULL;
	pmemflush_region_foreach(m->ctx, r)
		pmemflush_namespace_foreach(r, ns)
			pmemflush_mount_foreach(ns, pm)
				if (same(pmemflush_mount_get_target(pm), mnt_fs_get_target(fs)) &&
				    same(pmemflush_mount_get_source(pm), mnt_fs_get_source(fs)))
					return ns;
	return NULL;
}

static int set_fs(struct mon_mount *mm, struct libmnt_fs *fs)
{
	if (set_str(&mm->target, mnt_fs_get_target(fs)) < 0 ||
	    set_str(&mm->source, mnt_fs_get_source(fs)) < 0 ||
	    set_str(&mm->fstype, mnt_fs_get_fstype(fs)) < 0 ||
	    set_str(&mm->options, mnt_fs_get_options(fs)) < 0)
		return -ENOMEM;
	return 0;
}

static struct mon_mount *add_mount(struct monitor *m, int id)
{
	struct mon_mount *mm = realloc(m->mounts, (m->n_mounts + 1) * sizeof(*mm));

	if (!mm)
		return NULL;
	m->mounts = mm;
	mm = &m->mounts[m->n_mounts++];
	memset(mm, 0, sizeof(*mm));
	mm->id = id;
	return mm;
}

static bool fs_changed(const struct mon_mount *mm, struct libmnt_fs *fs)
{
	return !same(mm->options, mnt_fs_get_options(fs)) ||
	       !same(mm->source, mnt_fs_get_source(fs)) || !same(mm->fstype, mnt_fs_get_fstype(fs));
}

/*
 * A mount hidden under another one is still in the table (and its file
 * system still written by whoever holds files open in it), but its path
 * leads to the top mount. Judged from what does not need the path: its
 * options (nobarrier) and the namespace discovery found mounted there. Its
 * other hazards are kept as last seen; it is never called unmounted.
 */
static int eval_hidden(struct monitor *m, struct libmnt_fs *fs, struct mon_mount *mm)
{
	struct pmemflush_namespace *ns = fs_namespace(m, fs);
	const char *action = NULL;

	if (!mm && !ns)
		return 0; /* not known to be on pmem */
	if (!mm) {
		mm = add_mount(m, mnt_fs_get_id(fs));
		if (!mm)
			return -ENOMEM;
		action = "mount";
	} else if (fs_changed(mm, fs)) {
		action = "remount";
	} else if (!mm->hidden) {
		action = "hidden";
	}
	mm->seen = true;
	mm->hidden = true;
	if (!mon_opt_nobarrier(mnt_fs_get_options(fs)))
		mm->hazards &= ~PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED;
	else if (ns && (pmemflush_namespace_get_hazards(ns) & PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED))
		mm->hazards |= PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED;
	if (set_fs(mm, fs) < 0)
		return -ENOMEM;
	if (action && strcmp(action, "hidden")) {
		json_object_put(mm->mount);
		mm->mount = mount_json(m, fs, NULL);
	}
	if (action)
		report_mount(m, action, mm);
	return 0;
}

/* One mount of a block device: on pmem? new, changed? */
static int eval_fs(struct monitor *m, struct libmnt_fs *fs)
{
	struct pmemflush_check *chk = NULL;
	struct mon_mount *mm;
	const char *target = mnt_fs_get_target(fs);
	const char *action = NULL;
	int id = mnt_fs_get_id(fs);
	int rc;

	mm = find_mount(m, id);
	if (mount_hidden(fs, target))
		return eval_hidden(m, fs, mm);
	rc = pmemflush_path_check(m->ctx, target, &chk);
	if (rc < 0) {
		/* Not ours to see: keep what we knew, but a changed option is still news. */
		if (mm) {
			mm->seen = true;
			if (fs_changed(mm, fs)) {
				if (set_fs(mm, fs) < 0)
					return -ENOMEM;
				report_mount(m, "remount", mm);
			}
		}
		return 0;
	}
	if (!pmemflush_check_is_pmem(chk)) {
		pmemflush_check_unref(chk);
		return 0;
	}
	if (!mm) {
		mm = realloc(m->mounts, (m->n_mounts + 1) * sizeof(*mm));
		if (!mm) {
			pmemflush_check_unref(chk);
			return -ENOMEM;
		}
		m->mounts = mm;
		mm = &m->mounts[m->n_mounts++];
		memset(mm, 0, sizeof(*mm));
		mm->id = id;
		action = "mount";
	} else if (!same(mm->options, mnt_fs_get_options(fs)) ||
		   !same(mm->source, mnt_fs_get_source(fs)) ||
		   !same(mm->fstype, mnt_fs_get_fstype(fs))) {
		action = "remount";
	} else if (mm->hidden) {
		action = "uncovered";
	}
	mm->seen = true;
	mm->hidden = false;
	mm->hazards = pmemflush_check_get_hazards(chk);
	if (set_str(&mm->target, target) < 0 || set_str(&mm->source, mnt_fs_get_source(fs)) < 0 ||
	    set_str(&mm->fstype, mnt_fs_get_fstype(fs)) < 0 ||
	    set_str(&mm->options, mnt_fs_get_options(fs)) < 0) {
		pmemflush_check_unref(chk);
		return -ENOMEM;
	}
	json_object_put(mm->mount);
	mm->mount = mount_json(m, fs, chk);
	json_object_put(mm->check);
	mm->check = vj_check(chk, 0);
	pmemflush_check_unref(chk);
	if (action)
		report_mount(m, action, mm);
	return 0;
}

int mon_mounts_eval(struct monitor *m)
{
	struct libmnt_table *tb;
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	size_t i, j;
	int rc;

	tb = mnt_new_table_from_file("/proc/self/mountinfo");
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !it) {
		mnt_unref_table(tb);
		mnt_free_iter(it);
		vp_line(stderr, "vpmemctl monitor: cannot read /proc/self/mountinfo\n");
		return -EIO;
	}
	for (i = 0; i < m->n_mounts; i++)
		m->mounts[i].seen = false;
	rc = 0;
	while (rc == 0 && mnt_table_next_fs(tb, it, &fs) == 0) {
		/* Only mounts of a block device can be on pmem (major 0: tmpfs, proc, nfs). */
		if (major(mnt_fs_get_devno(fs)) == 0 || !mnt_fs_get_target(fs))
			continue;
		rc = eval_fs(m, fs);
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	/* Gone ones are reported and freed; the others keep their order. */
	for (i = 0, j = 0; i < m->n_mounts; i++) {
		if (!m->mounts[i].seen) {
			report_mount(m, "umount", &m->mounts[i]);
			mount_free(&m->mounts[i]);
			continue;
		}
		m->mounts[j++] = m->mounts[i];
	}
	m->n_mounts = j;
	return rc;
}

int mon_mounts_initial(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->n_mounts && !m->write_error; i++) {
		struct json_object *o = json_object_new_object();

		if (o) {
			json_object_object_add(o, "mount", json_object_get(m->mounts[i].mount));
			json_object_object_add(o, "check", json_object_get(m->mounts[i].check));
		}
		mon_emit_state(m, "snapshot", "mount", o, m->mounts[i].target);
	}
	return m->write_error ? -m->write_error : 0;
}

/* Hazards */

static struct mon_hazard *find_hazard(struct monitor *m, const char *kind, const char *subject)
{
	size_t i;

	for (i = 0; i < m->n_hazards; i++)
		if (!strcmp(m->hazards[i].subject_kind, kind) &&
		    !strcmp(m->hazards[i].subject, subject))
			return &m->hazards[i];
	return NULL;
}

static struct pmemflush_namespace *snapshot_namespace(struct monitor *m, const char *devname)
{
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;

	pmemflush_region_foreach(m->ctx, r)
		pmemflush_namespace_foreach(r, ns)
			if (!strcmp(pmemflush_namespace_get_devname(ns), devname))
				return ns;
	return NULL;
}

static void report_hazard(struct monitor *m, const char *action, const struct mon_hazard *h,
			  unsigned int bit)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = vj_hazards(bit);
	struct json_object *subj = json_object_new_object();
	struct pmemflush_namespace *ns = NULL;
	struct mon_mount *mm = NULL;
	char human[1024];
	size_t i;

	if (!o || !arr || !subj) {
		json_object_put(o);
		json_object_put(arr);
		json_object_put(subj);
		return;
	}
	json_object_object_add(o, "hazard", json_object_get(json_object_array_get_idx(arr, 0)));
	json_object_put(arr);
	json_object_object_add(subj, "kind", json_object_new_string(h->subject_kind));
	json_object_object_add(subj, "name", json_object_new_string(h->subject));
	json_object_object_add(o, "subject", subj);
	/* What the subject is now (nothing when it is gone). */
	if (!strcmp(h->subject_kind, "namespace")) {
		ns = snapshot_namespace(m, h->subject);
		if (ns) {
			json_object_object_add(o, "namespace", vj_namespace(ns, 0));
			json_object_object_add(o, "region",
					       json_object_new_string(pmemflush_region_get_devname(
						       pmemflush_namespace_get_region(ns))));
		}
	} else {
		for (i = 0; i < m->n_mounts; i++)
			if (!strcmp(m->mounts[i].target, h->subject))
				mm = &m->mounts[i];
		if (mm) {
			json_object_object_add(o, "mount", json_object_get(mm->mount));
			json_object_object_add(o, "check", json_object_get(mm->check));
		}
	}
	snprintf(human, sizeof(human), "%s on %s %s: %s", pmemflush_hazard_name(bit) ?: "unknown",
		 h->subject_kind, h->subject, pmemflush_hazard_message(bit) ?: "");
	mon_emit(m, "hazard", action, o, human);
}

/* Compare @mask of one subject with the last one; report the differences. */
static int update_hazard(struct monitor *m, const char *kind, const char *subject,
			 unsigned int mask)
{
	struct mon_hazard *h = find_hazard(m, kind, subject);
	unsigned int bit, old;

	if (!h) {
		h = realloc(m->hazards, (m->n_hazards + 1) * sizeof(*h));
		if (!h)
			return -ENOMEM;
		m->hazards = h;
		h = &m->hazards[m->n_hazards];
		h->subject_kind = strdup(kind);
		h->subject = strdup(subject);
		h->mask = 0;
		if (!h->subject_kind || !h->subject) {
			free(h->subject_kind);
			free(h->subject);
			return -ENOMEM;
		}
		m->n_hazards++;
	}
	h->seen = true;
	old = h->mask;
	h->mask = mask;
	/* At start: there already (the monitor may have been restarted after it appeared). */
	pmemflush_hazard_foreach(mask & ~old, bit)
		report_hazard(m, m->quiet_baseline ? "present" : "appeared", h, bit);
	pmemflush_hazard_foreach(old & ~mask, bit)
		report_hazard(m, "cleared", h, bit);
	return 0;
}

int mon_hazards_eval(struct monitor *m)
{
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns;
	unsigned int bit;
	size_t i, keep;
	int rc;

	rc = mon_snapshot(m);
	if (rc < 0)
		return rc;
	for (i = 0; i < m->n_hazards; i++)
		m->hazards[i].seen = false;
	pmemflush_region_foreach(m->ctx, r)
		pmemflush_namespace_foreach(r, ns) {
			rc = update_hazard(m, "namespace", pmemflush_namespace_get_devname(ns),
					   pmemflush_namespace_get_hazards(ns));
			if (rc < 0)
				return rc;
		}
	/* Mounts on one mount point (one over the other): one subject, their hazards together. */
	for (i = 0; i < m->n_mounts; i++) {
		unsigned int mask = 0;
		size_t j;

		for (j = 0; j < m->n_mounts; j++)
			if (!strcmp(m->mounts[j].target, m->mounts[i].target))
				mask |= m->mounts[j].hazards;
		rc = update_hazard(m, "mount", m->mounts[i].target, mask);
		if (rc < 0)
			return rc;
	}
	/* A subject that is gone takes its hazards with it. */
	for (i = 0, keep = 0; i < m->n_hazards; i++) {
		struct mon_hazard *h = &m->hazards[i];

		if (!h->seen) {
			pmemflush_hazard_foreach(h->mask, bit)
				report_hazard(m, "cleared", h, bit);
			free(h->subject_kind);
			free(h->subject);
			continue;
		}
		m->hazards[keep++] = *h;
	}
	m->n_hazards = keep;
	return 0;
}
