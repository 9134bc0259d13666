/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vpmem - virtio-pmem driver with coalesced host flushes.
 *
 * State shared by the three parts of the module: the virtio/nvdimm glue
 * (vpmem_main.c), the flush engine (vpmem_flush.c) and the sysfs group
 * (vpmem_sysfs.c).
 */
#ifndef VPMEM_H
#define VPMEM_H

#include <linux/atomic.h>
#include <linux/libnvdimm.h>
#include <linux/list.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/virtio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_pmem.h>

/*
 * Flush status values of the virtio spec (1.2, "Device Operation" of the PMEM
 * device); the kernel's uapi header does not name them (6.1 to 6.12).
 */
#ifndef VIRTIO_PMEM_RESP_TYPE_OK
#define VIRTIO_PMEM_RESP_TYPE_OK	0
#define VIRTIO_PMEM_RESP_TYPE_EIO	1
#endif

/* Kept equal to PACKAGE_VERSION in dkms.conf (tests/kmod/check.sh checks). */
#define VPMEM_VERSION "0.1.0"

/*
 * Written and tested against 6.1 (Kbuild refuses older kernels). Newer
 * kernels need no version-dependent code: this driver never builds a flush
 * bio (whose op must be REQ_OP_WRITE | REQ_PREFLUSH from 6.3 on) and its
 * flush callback never returns a positive value (which means "completes
 * later" from 6.12.113 on).
 */

/*
 * The wire format of one FLUSH request. It lives in its own allocation, not
 * inside struct vpmem, so that the device's write of @resp never shares a
 * cache line with fields the CPU updates (matters for non-coherent DMA), and
 * so that it can be given up on its own: a buffer handed to the device
 * belongs to the device until virtqueue_get_buf() returns it. Neither a
 * reset nor a broken virtqueue takes it back (QEMU's thread-pool fsync
 * still writes the answer after a reset), so a buffer whose request was
 * abandoned and not answered is never reused or freed: it is leaked, and the engine
 * goes on with a fresh one (see "Buffer ownership" in vpmem_flush.c).
 */
struct vpmem_msg {
	struct virtio_pmem_req req;
	struct virtio_pmem_resp resp;
};

struct vpmem {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	struct vpmem_msg *msg;

	struct nvdimm_bus_descriptor nd_desc;
	struct nvdimm_bus *nvdimm_bus;
	struct nd_region *nd_region;
	u64 start;
	u64 size;

	/*
	 * Flush engine state, see the comment at the top of vpmem_flush.c.
	 * @lock is taken from the virtqueue interrupt, so always irq-safe.
	 * It protects @vq (NULL while frozen) and every field from @waiters
	 * to @teardown_errors.
	 */
	spinlock_t lock;
	wait_queue_head_t wq;
	struct delayed_work watch_work;
	struct list_head waiters;
	u64 sent_seq;
	u64 done_seq;
	u64 send_ns;
	bool in_flight;
	bool frozen;		/* suspended: queue waiters, send nothing */
	bool broken;		/* device broken: fail everything with -EIO */
	/* removal: the flush attribute gets -ENXIO, others a bounded wait */
	bool closing;
	bool dead;		/* removal: every flush gets -ENXIO */
	u64 lat_total_ns;
	u64 lat_max_ns;
	/* Block-layer flushes asked for while the bus was being removed. */
	u64 teardown_flushes;
	u64 teardown_errors;
	/* flush_errors value an administrator acknowledged (flush_errors_ack). */
	s64 errors_acked;
	/* Marks a frozen engine broken if the transport never restored it. */
	struct notifier_block pm_nb;
#ifdef VPMEM_TESTING
	/* test_silent_host: the device's answers stay in the ring. */
	bool test_silent;
#endif

	/*
	 * Statistics read lock-free by sysfs. flush_errors only changes under
	 * @lock, so that waiters can sample it as an error sequence.
	 */
	atomic64_t flush_requests;
	atomic64_t host_flushes;
	atomic64_t flush_errors;
};

/* vpmem_flush.c */
void vpmem_flush_init(struct vpmem *vp);
int vpmem_flush(struct vpmem *vp);
int vpmem_flush_attr(struct vpmem *vp);
int vpmem_flush_final(struct vpmem *vp);
s64 vpmem_flush_errors_acked(struct vpmem *vp);
int vpmem_flush_errors_ack(struct vpmem *vp, s64 val);
int vpmem_region_flush(struct nd_region *nd_region, struct bio *bio);
void vpmem_vq_done(struct virtqueue *vq);
void vpmem_flush_start(struct vpmem *vp, struct virtqueue *vq);
int vpmem_flush_freeze(struct vpmem *vp);
void vpmem_flush_pm_register(struct vpmem *vp);
void vpmem_flush_pm_unregister(struct vpmem *vp);
void vpmem_flush_broken(struct vpmem *vp, const char *why);
void vpmem_flush_close(struct vpmem *vp);
bool vpmem_flush_kill(struct vpmem *vp);
void vpmem_flush_latency(struct vpmem *vp, u64 *total_ns, u64 *max_ns);
#ifdef VPMEM_TESTING
int vpmem_test_deliver(struct vpmem *vp);
#endif

/* vpmem_sysfs.c */
extern const struct attribute_group *vpmem_bus_attr_groups[];

#endif /* VPMEM_H */
