/* SPDX-License-Identifier: GPL-2.0-only */
/* json-c rendering of libpmemflush objects, shared by vpmemctl commands. */
#ifndef VPMEMCTL_JSON_H
#define VPMEMCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include <pmemflush.h>

/* Rendering flags. */
enum {
	VJ_HUMAN = 1 << 0, /* sizes as "256.00 MiB (268.44 MB)" strings */
	VJ_VERBOSE = 1 << 1, /* list -v: host-flush path, ids, latency average */
};

/* "256.00 MiB (268.44 MB)", as ndctl --human prints it; the plain number below 5000 KiB. */
void vj_size_string(char *buf, size_t len, unsigned long long bytes);
/* "256.00 MiB": the short form tables use. */
void vj_size_short(char *buf, size_t len, unsigned long long bytes);

struct json_object *vj_size(unsigned long long bytes, unsigned int flags);
struct json_object *vj_hazards(unsigned int mask);
struct json_object *vj_mount(struct pmemflush_mount *mnt, unsigned int flags);
struct json_object *vj_namespace(struct pmemflush_namespace *ns, unsigned int flags);
struct json_object *vj_region(struct pmemflush_region *region, unsigned int flags);
/* vj_region() with only the namespaces @keep accepts (NULL: all). */
struct json_object *vj_region_filtered(struct pmemflush_region *region, unsigned int flags,
				       bool (*keep)(struct pmemflush_namespace *, void *),
				       void *arg);
/* The vpmem driver's counters of @region ({"flush_requests", ...}), NULL if not vpmem. */
struct json_object *vj_vpmem_counters(struct pmemflush_region *region, unsigned int flags);
struct json_object *vj_check(struct pmemflush_check *check, unsigned int flags);
/* vpmemctl driver: a module, a virtio-pmem device, the whole snapshot. */
struct json_object *vj_module(struct pmemflush_module *module);
struct json_object *vj_vdev(struct pmemflush_vdev *vdev);
struct json_object *vj_drivers(struct pmemflush_drivers *drivers);
/* The driver_advice object of a device ({"id", "message"}), NULL for none. */
struct json_object *vj_driver_advice(struct pmemflush_vdev *vdev);
/* Add "driver_evidence" and "driver_advice" of @vdev (NULL: nothing) to @o. */
void vj_add_driver_facts(struct json_object *o, struct pmemflush_vdev *vdev);

/* Print @obj (pretty, like ndctl) followed by a newline; drops the reference. */
int vj_print(FILE *out, struct json_object *obj);

#endif
