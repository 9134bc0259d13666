// SPDX-License-Identifier: GPL-2.0
/*
 * vpmem flush engine: virtio FLUSH requests, coalesced.
 *
 * The host answers a FLUSH by syncing the whole backing file, so one request
 * covers every store made before it was sent, whoever made them. Sending one
 * request per caller only queues redundant syncs behind each other. Instead
 * at most one request per device is in flight, and all callers that arrive
 * while it is in flight share the next one.
 *
 * Generations. Every request handed to the virtqueue gets the number
 * sent_seq + 1 (so sent_seq is the number of the newest request sent), and
 * done_seq is the number of the newest request answered or abandoned. Both
 * only grow and only change under vp->lock; one request at a time means
 * done_seq == sent_seq exactly when nothing is in flight.
 *
 * A caller takes vp->lock at time t, sets its target gen = sent_seq + 1 and
 * queues a waiter record (on its stack). Whenever nothing is in flight and
 * someone waits, generation sent_seq + 1 is sent at once (vpmem_kick_locked):
 * by the arriving caller if the device was idle, otherwise by the virtqueue
 * interrupt that has just finished the previous generation. Finishing
 * generation g removes every queued waiter with gen <= g, gives it g's status
 * and wakes only that waiter.
 *
 * Invariant (I): after generation g finished, no queued waiter has gen <= g.
 * A waiter queued later has gen = sent_seq + 1 >= done_seq + 1 = g + 1.
 * Consequence: when nothing is in flight every queued waiter has
 * gen == sent_seq + 1, so the generation sent is the one they all wait for.
 *
 * Correctness, for a caller that registered at time t with target gen:
 *  1. Nothing is acknowledged early: the caller is only completed when a
 *     generation >= gen finishes. Generation gen was not sent at t (sent_seq
 *     was the newest), so the request is sent after t, i.e. after every store
 *     the caller made before asking; virtqueue_add_sgs() and the kick order
 *     those stores before the host sees the request.
 *  2. The status is that of exactly this generation: by (I) the generation
 *     whose completion removes the waiter is gen itself. A failed host flush
 *     therefore fails exactly the callers that shared it, never a later one,
 *     and the next generation starts clean (errors do not stick).
 *  3. Nothing waits longer than needed: a caller arriving while idle sends
 *     at once; a caller arriving while g is in flight cannot use g (sent
 *     before t) and needs g + 1, which the interrupt finishing g sends right
 *     away, with no thread hand-off in between. So a caller waits at most for
 *     the rest of one request plus its own, and a burst of N callers costs
 *     two host flushes, not N.
 *
 * Virtqueue full. With one request in flight the queue cannot fill in
 * practice, but a device with a tiny or stuck queue can still return
 * -ENOSPC. Sending is then retried when the device returns a buffer (the
 * interrupt kicks again) or, if nothing is in flight to come back, from a
 * delayed work every 100 ms; the caller is never failed for it.
 *
 * Teardown. Removal first waits (at most VPMEM_KILL_GRACE) for one last
 * flush, then calls vpmem_flush_kill(): the device is marked dead so new
 * callers get -ENXIO and nothing more is sent, the request already at the
 * host gets a grace period to finish (its waiters get its real status and
 * the host stops writing into vp->msg), then every remaining waiter is
 * completed with -ENXIO. Only after that may the caller reset the device and
 * delete the virtqueue, and only after the nvdimm bus is gone may vp be
 * freed.
 *
 * Fault injection. The root-only parameter fail_next_flushes=N makes the
 * next N host flushes (of any vpmem device) report failure. The request IS
 * sent and answered by the host (its trace shows it); only the status the
 * driver reports is forced to -EIO, so tests can check the error path end to
 * end against the host's own count.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/virtio.h>
#include <linux/workqueue.h>
#include "vpmem.h"

/* Give up on a silent host after this long during removal. */
#define VPMEM_KILL_GRACE	(10 * HZ)
/* Re-try a full virtqueue this often when no answer is due to trigger it. */
#define VPMEM_ROOM_RETRY	(HZ / 10)

static atomic_t vpmem_fail_next = ATOMIC_INIT(0);

static int vpmem_fail_next_set(const char *val, const struct kernel_param *kp)
{
	int n, rc;

	rc = kstrtoint(val, 0, &n);
	if (rc)
		return rc;
	if (n < 0)
		return -EINVAL;
	atomic_set(&vpmem_fail_next, n);
	return 0;
}

static int vpmem_fail_next_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&vpmem_fail_next));
}

static const struct kernel_param_ops vpmem_fail_next_ops = {
	.set = vpmem_fail_next_set,
	.get = vpmem_fail_next_get,
};

module_param_cb(fail_next_flushes, &vpmem_fail_next_ops, NULL, 0600);
MODULE_PARM_DESC(fail_next_flushes,
		 "Testing: report the next N host flushes as failed (they are still sent)");

struct vpmem_waiter {
	struct list_head node;
	struct completion completion;
	u64 gen;
	int err;
	bool done;	/* under vp->lock; completion is for sleeping only */
};

/* Generation sent_seq is over: hand its status to everyone who waited for it. */
static void vpmem_finish_locked(struct vpmem *vp, int err)
{
	struct vpmem_waiter *w, *tmp;

	lockdep_assert_held(&vp->lock);
	vp->done_seq = vp->sent_seq;
	list_for_each_entry_safe(w, tmp, &vp->waiters, node) {
		/* Waiters are queued in arrival order, so gen never decreases. */
		if (w->gen > vp->done_seq)
			break;
		list_del(&w->node);
		w->err = err;
		w->done = true;
		/* Under vp->lock: the waiter cannot return before we are done. */
		complete(&w->completion);
	}
}

/*
 * Hand generation sent_seq + 1 to the device. Returns -ENOSPC if the queue
 * has no room (nothing changed, try again later), else 0: the generation is
 * then either in flight or already finished with an error.
 */
static int vpmem_send_locked(struct vpmem *vp)
{
	struct scatterlist out, in, *sgs[2];
	int rc;

	lockdep_assert_held(&vp->lock);
	vp->msg->req.type = cpu_to_le32(VIRTIO_PMEM_REQ_TYPE_FLUSH);
	vp->msg->resp.ret = 0;
	sg_init_one(&out, &vp->msg->req, sizeof(vp->msg->req));
	sg_init_one(&in, &vp->msg->resp, sizeof(vp->msg->resp));
	sgs[0] = &out;
	sgs[1] = &in;

	/* GFP_ATOMIC: we hold a spinlock shared with the interrupt. */
	rc = virtqueue_add_sgs(vp->vq, sgs, 1, 1, vp->msg, GFP_ATOMIC);
	if (rc == -ENOSPC)
		return rc;

	vp->sent_seq++;
	vp->send_ns = ktime_get_ns();
	if (!rc && virtqueue_kick(vp->vq)) {
		vp->in_flight = true;
		atomic64_inc(&vp->host_flushes);
		return 0;
	}

	/*
	 * Either the queue is broken or the transport refused the notify
	 * (which also marks the queue broken): no answer will ever come, so
	 * fail this generation now rather than leave its waiters hanging.
	 */
	dev_err_ratelimited(&vp->vdev->dev, "cannot send flush request: %d\n",
			    rc ? rc : -EIO);
	atomic64_inc(&vp->flush_errors);
	vpmem_finish_locked(vp, -EIO);
	return 0;
}

/* If someone waits and nothing is in flight, send the next generation. */
static void vpmem_kick_locked(struct vpmem *vp)
{
	struct vpmem_waiter *first;

	lockdep_assert_held(&vp->lock);
	while (!vp->in_flight && !vp->dead && !list_empty(&vp->waiters)) {
		first = list_first_entry(&vp->waiters, struct vpmem_waiter, node);
		/* Invariant (I): we send the generation they wait for. */
		WARN_ON_ONCE(first->gen != vp->sent_seq + 1);
		if (vpmem_send_locked(vp) == -ENOSPC) {
			dev_warn_ratelimited(&vp->vdev->dev,
					     "virtqueue full, waiting for room\n");
			schedule_delayed_work(&vp->retry_work, VPMEM_ROOM_RETRY);
			break;
		}
	}
}

static void vpmem_retry_work(struct work_struct *work)
{
	struct vpmem *vp = container_of(to_delayed_work(work), struct vpmem,
					retry_work);

	spin_lock_irq(&vp->lock);
	vpmem_kick_locked(vp);
	spin_unlock_irq(&vp->lock);
}

void vpmem_flush_init(struct vpmem *vp)
{
	spin_lock_init(&vp->lock);
	init_waitqueue_head(&vp->wq);
	INIT_LIST_HEAD(&vp->waiters);
	INIT_DELAYED_WORK(&vp->retry_work, vpmem_retry_work);
	atomic64_set(&vp->flush_requests, 0);
	atomic64_set(&vp->host_flushes, 0);
	atomic64_set(&vp->flush_errors, 0);
}

/*
 * Wait for a host flush sent after this call started. @timeout bounds the
 * wait (MAX_SCHEDULE_TIMEOUT: unbounded, like the in-tree driver); only the
 * removal path uses a finite one. @killable lets a fatal signal end the wait
 * with -EINTR: fine for a sysfs writer, not for a bio, which must complete.
 * A caller that leaves early just drops out of the waiter list; a request
 * already sent stays in flight and is finished for whoever else waits.
 */
static int vpmem_flush_wait(struct vpmem *vp, long timeout, bool killable)
{
	struct vpmem_waiter w = {};
	long rc;

	might_sleep();
	atomic64_inc(&vp->flush_requests);
	init_completion(&w.completion);

	spin_lock_irq(&vp->lock);
	if (vp->dead) {
		spin_unlock_irq(&vp->lock);
		return -ENXIO;
	}
	w.gen = vp->sent_seq + 1;
	list_add_tail(&w.node, &vp->waiters);
	vpmem_kick_locked(vp);
	spin_unlock_irq(&vp->lock);

	if (killable)
		rc = wait_for_completion_killable_timeout(&w.completion,
							  timeout);
	else
		rc = wait_for_completion_timeout(&w.completion, timeout);

	spin_lock_irq(&vp->lock);
	/* A completion racing with the timeout or the signal still counts. */
	if (!w.done) {
		list_del(&w.node);
		w.err = rc < 0 ? -EINTR : -ETIMEDOUT;
	}
	spin_unlock_irq(&vp->lock);
	return w.err;
}

int vpmem_flush(struct vpmem *vp)
{
	return vpmem_flush_wait(vp, MAX_SCHEDULE_TIMEOUT, false);
}

int vpmem_flush_killable(struct vpmem *vp)
{
	return vpmem_flush_wait(vp, MAX_SCHEDULE_TIMEOUT, true);
}

/*
 * nd_region_desc.flush. libnvdimm calls it with a REQ_PREFLUSH/REQ_FUA bio
 * from pmem_submit_bio() and with bio == NULL from nvdimm_flush() callers
 * (namespace metadata writes, pmem remove/shutdown). Both run in process
 * context and may sleep, so both simply wait for a coalesced host flush.
 *
 * A failure is also recorded in the bio itself: for a PREFLUSH|FUA bio the
 * pmem driver calls us twice and keeps only the second return value, so a
 * failed pre-flush would otherwise be lost (and a journal commit reported
 * durable when it is not). pmem only ever sets bi_status on error, so the
 * value stored here survives a successful FUA flush.
 *
 * Waiting here instead of chaining a child flush bio (as the in-tree driver
 * does) keeps the bio's ordering obvious (flush, then data, then FUA flush)
 * and avoids building a flush bio at all, whose op must be
 * REQ_OP_WRITE | REQ_PREFLUSH from 6.3 on.
 *
 * Never return a positive value: since 6.12.113 a positive return means "the
 * bio completes later" and the caller would wait forever.
 */
int vpmem_region_flush(struct nd_region *nd_region, struct bio *bio)
{
	struct vpmem *vp = nd_region_provider_data(nd_region);
	int rc = vpmem_flush(vp);

	if (rc < 0 && bio)
		bio->bi_status = errno_to_blk_status(rc);
	return rc < 0 ? rc : 0;
}

/* Virtqueue callback, in interrupt context. */
void vpmem_vq_done(struct virtqueue *vq)
{
	struct vpmem *vp = vq->vdev->priv;
	unsigned long flags;
	unsigned int len;
	u32 status;
	u64 lat;
	int err;

	spin_lock_irqsave(&vp->lock, flags);
	while (virtqueue_get_buf(vq, &len)) {
		/* Nothing to account for an answer to an abandoned request. */
		if (!vp->in_flight)
			continue;
		vp->in_flight = false;

		lat = ktime_get_ns() - vp->send_ns;
		vp->lat_total_ns += lat;
		if (lat > vp->lat_max_ns)
			vp->lat_max_ns = lat;

		status = le32_to_cpu(vp->msg->resp.ret);
		err = status ? -EIO : 0;
		if (status)
			dev_err_ratelimited(&vq->vdev->dev,
					    "host flush failed, status %u\n",
					    status);
		if (atomic_dec_if_positive(&vpmem_fail_next) >= 0)
			err = -EIO;
		if (err)
			atomic64_inc(&vp->flush_errors);
		vpmem_finish_locked(vp, err);
	}
	/* The next generation leaves now, for everyone who queued meanwhile. */
	vpmem_kick_locked(vp);
	spin_unlock_irqrestore(&vp->lock, flags);
	/* Only vpmem_flush_kill() sleeps on vp->wq (for in_flight to clear). */
	wake_up(&vp->wq);
}

/*
 * Stop the engine for removal. Returns true if the host still holds a
 * request, in which case vp->msg must not be freed (the host may still
 * write its answer there).
 */
bool vpmem_flush_kill(struct vpmem *vp)
{
	struct vpmem_waiter *w, *tmp;
	bool stuck;

	spin_lock_irq(&vp->lock);
	vp->dead = true;
	spin_unlock_irq(&vp->lock);
	/* Dead: the work cannot send or re-arm itself any more. */
	cancel_delayed_work_sync(&vp->retry_work);

	if (!wait_event_timeout(vp->wq, !READ_ONCE(vp->in_flight),
				VPMEM_KILL_GRACE))
		dev_warn(&vp->vdev->dev,
			 "host did not answer a flush, abandoning it\n");

	spin_lock_irq(&vp->lock);
	stuck = vp->in_flight;
	list_for_each_entry_safe(w, tmp, &vp->waiters, node) {
		list_del(&w->node);
		w->err = -ENXIO;
		w->done = true;
		complete(&w->completion);
	}
	spin_unlock_irq(&vp->lock);
	return stuck;
}

/* Best-effort flush before removal, bounded so a dead host cannot block it. */
int vpmem_flush_final(struct vpmem *vp)
{
	return vpmem_flush_wait(vp, VPMEM_KILL_GRACE, false);
}

void vpmem_flush_latency(struct vpmem *vp, u64 *total_ns, u64 *max_ns)
{
	spin_lock_irq(&vp->lock);
	*total_ns = vp->lat_total_ns;
	*max_ns = vp->lat_max_ns;
	spin_unlock_irq(&vp->lock);
}
