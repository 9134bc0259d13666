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
 *     the caller made before asking; pmem_wmb() (see Ordering) and the
 *     kick order those stores before the host sees the request.
 *  2. The status is never better than this generation's: by (I) the
 *     generation whose completion removes the waiter is gen itself, and a
 *     failed host flush fails every caller that shared it.
 *  3. Nothing waits longer than needed: a caller arriving while idle sends
 *     at once; a caller arriving while g is in flight cannot use g (sent
 *     before t) and needs g + 1, which the interrupt finishing g sends right
 *     away, with no thread hand-off in between. So a caller waits at most for
 *     the rest of one request plus its own, and a burst of N callers costs
 *     two host flushes, not N.
 *
 * Errors stick until acknowledged. A host whose write-back failed typically
 * marks the pages clean and reports the failure once: the next flush
 * succeeds although stores made before the failed one are gone. So success
 * of one's own generation is not enough. flush_errors counts every failed
 * flush of the device, only grows (user space reads it as a monotonic count)
 * and only changes under vp->lock; errors_acked is the value an
 * administrator acknowledged through the flush_errors_ack attribute. While
 * the two differ every flush fails with -EIO at once, without a request:
 * the device refuses to claim durability for stores that may have been lost,
 * whoever asks and whenever they started (the flush attribute, fsync and
 * journal commits alike). Each waiter also samples flush_errors when it
 * registers and fails if it changed before the waiter completes, so an
 * acknowledgment made during a wait does not hide a failure that
 * overlapped it. A refusal is not a new failure and is not counted.
 *
 * Ordering. Each caller runs pmem_wmb() before it registers: non-temporal
 * stores (pmem's memcpy_flushcache(), a devdax application's movnt) are
 * weakly ordered and are not ordered by taking a lock or by the virtqueue's
 * barriers, so without it the host could flush before they reach memory.
 * The request that covers the caller is sent after registration, by this
 * CPU or by one that took vp->lock after it.
 *
 * Waits count as I/O wait (io_schedule_timeout()), like any other wait for a
 * device to finish a write.
 *
 * Broken devices. A virtqueue marked broken (virtqueue_is_broken(), e.g. a
 * failed notify or virtio_break_device()) or a device that set NEEDS_RESET
 * never answers. The engine then fails the request in flight and every
 * waiter with -EIO, counts one error, and refuses new flushes with -EIO
 * until the queue is set up again (resume, or unbind and bind). It notices:
 * when sending (the add or the kick fails), on a config-change interrupt
 * (NEEDS_RESET), and from a watchdog that looks every VPMEM_WATCH_PERIOD
 * while a request is in flight, also during removal. Whoever waits on vp->wq
 * (freeze, kill) is woken as soon as the device breaks. A full virtqueue cannot happen with one
 * request in flight on a queue of at least two entries (probe refuses
 * smaller ones), so -ENOSPC is treated as a broken device, not retried.
 *
 * Buffer ownership. The request's buffer (vp->msg) belongs to the device
 * from virtqueue_add_sgs() until virtqueue_get_buf() returns it. A reset
 * does not end that: QEMU has no reset handler for a flush running on its
 * thread pool, which later writes the status into the buffer and pushes the
 * descriptor onto whatever ring exists then. So one rule everywhere: a
 * buffer whose request was given up (device broken, then reset at suspend or
 * removal) is never reused and never freed while the device may own it;
 * it is leaked and the engine continues with a fresh one. A late answer
 * before the reset (on a queue that still works, e.g. after a timeout) does
 * give it back: it is not reused while the device is broken, and removal
 * frees it. resp.ret is set to a non-zero value before
 * each send and an answer counts as success only if the device wrote a
 * zero status into the current buffer (used length >= sizeof(resp)); a
 * stale completion landing on a new ring finds the new buffer's status
 * unwritten and fails instead of passing for the next request's answer.
 *
 * Suspend. vpmem_flush_freeze() stops sending and waits (bounded) for the
 * request in flight; callers that arrive meanwhile just queue. If the host
 * stays silent on a working device, the freeze fails with -EBUSY and the
 * suspend is aborted: resetting would leave the request at the host and
 * its late answer on the next ring. A broken device's request is abandoned
 * (see Buffer ownership). Then the caller resets the device and deletes the
 * queue. On resume vpmem_flush_start() gets the new queue and sends one
 * generation for everyone who queued. If the transport fails to restore the
 * device before calling our restore, nothing would ever send again: a PM
 * notifier marks an engine that is still frozen after the resume broken.
 *
 * Teardown, in the order vpmem_remove() uses:
 *  1. vpmem_flush_close(): the flush attribute fails with -ENXIO at once and
 *     its waiters are completed with -ENXIO, so that sysfs removal (which
 *     waits for active writers) cannot block on the host. Block-layer and
 *     libnvdimm flushes keep working, but each waits at most VPMEM_GRACE
 *     from the close (or from its start, if later); one that runs out while
 *     the host holds a request marks the device broken, which fails every
 *     waiter with -EIO at once. An engine with no queue (its restore never
 *     came) is marked broken here.
 *  2. nvdimm_bus_unregister(): the pmem driver's final flush of each
 *     namespace goes to the host as usual.
 *  3. vpmem_flush_final(): one last bounded flush (covers devdax).
 *  4. vpmem_flush_kill(): new callers get -ENXIO, the request at the host
 *     gets a grace period (unless the device is broken), the rest gets
 *     -ENXIO. Only then may the device be reset and its queue deleted; a
 *     request still unanswered leaves its buffer to the host (leaked).
 *
 * Timeout. A working host may take long to sync a big file, but a flush
 * must not hang forever on a host that stopped answering: the watchdog
 * treats a request unanswered for flush_timeout seconds (module parameter)
 * as a broken device (see Broken devices). Its buffer stays the host's, so
 * nothing is sent again until the queue is set up anew (bind, resume) and
 * later flushes fail with -EIO at once. Each caller also has its own
 * deadline, flush_timeout (plus one watchdog period) from its start: one
 * that arrived while a slow request was in flight and whose own request is
 * still younger than flush_timeout then fails alone with -EIO (not counted,
 * the device goes on; a later flush covers its stores). So no flush waits
 * much longer than flush_timeout, and the default (60 s) stays below the
 * hung-task detector's 120 s for the uninterruptible block path.
 *
 * Status. The spec knows two answers: VIRTIO_PMEM_RESP_TYPE_OK (0) and
 * VIRTIO_PMEM_RESP_TYPE_EIO (1, the host's sync failed). Anything else is a
 * failure too, reported with its value: the host did not say it synced.
 *
 * Test hooks exist only in a build with VPMEM_TESTING (the test suite's):
 * the parameter fail_next_flushes=N makes the next N host flushes (of any
 * vpmem device) report failure. The request IS sent and answered by the host
 * (its trace shows it); only the status the driver reports is forced to
 * -EIO, so tests can check the error path end to end against the host's own
 * count. The bus attribute test_silent_host makes the engine ignore the
 * device's answers from then on: a host that never answers, for the
 * suspend and removal paths; the answers stay in the ring, and writing 2
 * takes the oldest one (a late answer). The parameter test_flush_status, when 0 or
 * more, replaces the status of every answer before it is checked.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/errno.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/suspend.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/workqueue.h>
#include <asm/barrier.h>
#include "vpmem.h"

/* Give up on a silent host after this long (removal, suspend). */
#define VPMEM_GRACE		(10 * HZ)
/* How often a request in flight is checked for a broken device. */
#define VPMEM_WATCH_PERIOD	HZ
/*
 * resp.ret before a request is sent: any non-zero value is a failure, so a
 * device that completes the buffer without writing the status fails it.
 */
#define VPMEM_RET_UNSET		0xffffffffU

/*
 * Seconds a request may stay unanswered before the device counts as broken.
 * Read by the watchdog each time it looks, so a change applies at once to
 * the request in flight; a caller's own deadline is taken when it starts.
 */
static unsigned int vpmem_flush_timeout = 60;

static int vpmem_flush_timeout_set(const char *val,
				   const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 3600);
}

static const struct kernel_param_ops vpmem_flush_timeout_ops = {
	.set = vpmem_flush_timeout_set,
	.get = param_get_uint,
};

module_param_cb(flush_timeout, &vpmem_flush_timeout_ops,
		&vpmem_flush_timeout, 0644);
/* module_param_cb() records no type: modinfo shows this one. */
__MODULE_PARM_TYPE(flush_timeout, "uint");
MODULE_PARM_DESC(flush_timeout,
		 "Seconds the host may take to answer a flush before the device is treated as broken (1-3600, default 60)");

#ifdef VPMEM_TESTING
/* Negative: the device's own status; 0 to U32_MAX: that status instead. */
static long vpmem_test_flush_status = -1;
module_param_named(test_flush_status, vpmem_test_flush_status, long, 0600);
MODULE_PARM_DESC(test_flush_status,
		 "Testing: replace the status of every flush answer with this value (-1: off)");

static u32 vpmem_test_status(u32 status)
{
	long v = READ_ONCE(vpmem_test_flush_status);

	return v >= 0 && v <= U32_MAX ? (u32)v : status;
}

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

static bool vpmem_inject_failure(void)
{
	return atomic_dec_if_positive(&vpmem_fail_next) >= 0;
}
#else
static bool vpmem_inject_failure(void)
{
	return false;
}

static u32 vpmem_test_status(u32 status)
{
	return status;
}
#endif

struct vpmem_waiter {
	struct list_head node;
	struct task_struct *task;
	u64 gen;
	s64 errors;	/* flush_errors when the waiter registered */
	int err;
	bool attr;	/* from the flush attribute: ends at vpmem_flush_close() */
	bool done;	/* under vp->lock */
};

/* Under vp->lock: the waiter cannot return before the lock is dropped. */
static void vpmem_complete_locked(struct vpmem *vp, struct vpmem_waiter *w,
				  int err)
{
	lockdep_assert_held(&vp->lock);
	list_del(&w->node);
	/*
	 * A failure anywhere during the wait fails this caller too, and so does
	 * any failure not acknowledged yet (see "Errors stick").
	 */
	if (!err && (atomic64_read(&vp->flush_errors) != w->errors ||
		     atomic64_read(&vp->flush_errors) != vp->errors_acked))
		err = -EIO;
	w->err = err;
	WRITE_ONCE(w->done, true);
	wake_up_process(w->task);
}

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
		vpmem_complete_locked(vp, w, err);
	}
}

/*
 * The device will never answer: fail what is in flight and everyone who
 * waits, and refuse new flushes until the queue is set up again. The request
 * in flight stays marked in flight: the device may still own its buffer.
 */
static void vpmem_break_locked(struct vpmem *vp, const char *why)
{
	struct vpmem_waiter *w, *tmp;

	lockdep_assert_held(&vp->lock);
	if (vp->broken)
		return;
	vp->broken = true;
	dev_err(&vp->vdev->dev, "device broken (%s), failing flushes\n", why);
	atomic64_inc(&vp->flush_errors);
	vp->done_seq = vp->sent_seq;
	list_for_each_entry_safe(w, tmp, &vp->waiters, node)
		vpmem_complete_locked(vp, w, -EIO);
	/* Freeze and kill wait for in_flight to clear or for this. */
	wake_up(&vp->wq);
}

/*
 * Under vp->lock, so also from the interrupt. Reading the device status is
 * a register access (a VM exit), so the send path skips it (@status false):
 * NEEDS_RESET comes with a config interrupt, and the watchdog reads it too.
 */
static bool vpmem_check_broken_locked(struct vpmem *vp, bool status)
{
	lockdep_assert_held(&vp->lock);
	if (vp->broken)
		return true;
	if (!vp->vq)
		return false;
	if (virtqueue_is_broken(vp->vq))
		vpmem_break_locked(vp, "virtqueue broken");
	else if (status && (vp->vdev->config->get_status(vp->vdev) &
			    VIRTIO_CONFIG_S_NEEDS_RESET))
		vpmem_break_locked(vp, "device needs reset");
	return vp->broken;
}

/* Hand generation sent_seq + 1 to the device (or fail it at once). */
static void vpmem_send_locked(struct vpmem *vp)
{
	struct scatterlist out, in, *sgs[2];
	int rc;

	lockdep_assert_held(&vp->lock);
	vp->msg->req.type = cpu_to_le32(VIRTIO_PMEM_REQ_TYPE_FLUSH);
	vp->msg->resp.ret = cpu_to_le32(VPMEM_RET_UNSET);
	sg_init_one(&out, &vp->msg->req, sizeof(vp->msg->req));
	sg_init_one(&in, &vp->msg->resp, sizeof(vp->msg->resp));
	sgs[0] = &out;
	sgs[1] = &in;

	/* GFP_ATOMIC: we hold a spinlock shared with the interrupt. */
	rc = virtqueue_add_sgs(vp->vq, sgs, 1, 1, vp->msg, GFP_ATOMIC);
	vp->sent_seq++;
	/*
	 * Once added, the buffer is the device's even if the kick fails (it
	 * may still see the request): in flight until answered or abandoned.
	 */
	if (!rc)
		vp->in_flight = true;
	if (!rc && virtqueue_kick(vp->vq)) {
		vp->send_ns = ktime_get_ns();
		atomic64_inc(&vp->host_flushes);
		schedule_delayed_work(&vp->watch_work, VPMEM_WATCH_PERIOD);
		return;
	}

	/*
	 * -ENOSPC cannot happen with one request in flight on a queue of two
	 * entries or more; -EIO means the queue is broken; a failed kick also
	 * marks it broken. No answer will ever come: fail everyone now.
	 */
	vpmem_break_locked(vp, rc == -ENOSPC ? "virtqueue full" :
			   "cannot send a flush request");
}

/* If someone waits and nothing is in flight, send the next generation. */
static void vpmem_kick_locked(struct vpmem *vp)
{
	struct vpmem_waiter *first;

	lockdep_assert_held(&vp->lock);
	if (vp->in_flight || vp->frozen || vp->dead ||
	    list_empty(&vp->waiters) || vpmem_check_broken_locked(vp, false))
		return;
	first = list_first_entry(&vp->waiters, struct vpmem_waiter, node);
	/* Invariant (I): we send the generation they wait for. */
	WARN_ON_ONCE(first->gen != vp->sent_seq + 1);
	vpmem_send_locked(vp);
}

/*
 * A host that left the request in flight unanswered for @timeout seconds is
 * as good as broken (see Timeout). Returns true if the device is broken now.
 */
static bool vpmem_timeout_locked(struct vpmem *vp, unsigned int timeout)
{
	lockdep_assert_held(&vp->lock);
	if (!vp->in_flight ||
	    ktime_get_ns() - vp->send_ns < (u64)timeout * NSEC_PER_SEC)
		return false;
	dev_err(&vp->vdev->dev,
		"host has not answered a flush for %u s (flush_timeout)\n",
		timeout);
	vpmem_break_locked(vp, "host silent");
	return true;
}

/* While a request is in flight: has the device broken meanwhile? */
static void vpmem_watch_work(struct work_struct *work)
{
	struct vpmem *vp = container_of(to_delayed_work(work), struct vpmem,
					watch_work);
	unsigned int timeout = READ_ONCE(vpmem_flush_timeout);

	/* Also while kill waits for the host: a break must end that wait. */
	spin_lock_irq(&vp->lock);
	if (!vp->in_flight || vpmem_check_broken_locked(vp, true)) {
		spin_unlock_irq(&vp->lock);
		return;
	}
	if (!vpmem_timeout_locked(vp, timeout))
		schedule_delayed_work(&vp->watch_work, VPMEM_WATCH_PERIOD);
	spin_unlock_irq(&vp->lock);
}

void vpmem_flush_init(struct vpmem *vp)
{
	spin_lock_init(&vp->lock);
	init_waitqueue_head(&vp->wq);
	INIT_LIST_HEAD(&vp->waiters);
	INIT_DELAYED_WORK(&vp->watch_work, vpmem_watch_work);
	/* Nothing is sent before vpmem_flush_start() hands over a queue. */
	vp->frozen = true;
	atomic64_set(&vp->flush_requests, 0);
	atomic64_set(&vp->host_flushes, 0);
	atomic64_set(&vp->flush_errors, 0);
}

/*
 * Wait for a host flush sent after this call started. @timeout bounds the
 * wait (MAX_SCHEDULE_TIMEOUT: unbounded, like the in-tree driver; a broken
 * device ends it with -EIO); only the removal path uses a finite one, and
 * once removal has begun no wait is longer than VPMEM_GRACE (see Teardown).
 * @attr: from the flush attribute, which may be ended by a fatal signal
 * (-EINTR) and by removal (-ENXIO); a bio must complete, so the block path
 * is neither. A caller that leaves early just drops out of the waiter list;
 * a request already sent stays in flight and is finished for whoever else
 * waits.
 */
static int vpmem_flush_wait(struct vpmem *vp, long timeout, bool attr)
{
	unsigned int state = attr ? TASK_KILLABLE : TASK_UNINTERRUPTIBLE;
	unsigned int limit = READ_ONCE(vpmem_flush_timeout);
	struct vpmem_waiter w = { .task = current, .attr = attr };
	bool killed = false, grace = false;

	might_sleep();
	/*
	 * Each caller's own deadline (see Timeout): flush_timeout from its
	 * start, plus one watchdog period so that a request of its own that
	 * times out is seen as such. At most 3601 s, so no overflow.
	 */
	timeout = min_t(long, timeout,
			(long)limit * HZ + VPMEM_WATCH_PERIOD);
	atomic64_inc(&vp->flush_requests);
	/* Order this CPU's non-temporal stores before the request. */
	pmem_wmb();

	spin_lock_irq(&vp->lock);
	if (vp->dead || (attr && vp->closing)) {
		spin_unlock_irq(&vp->lock);
		return -ENXIO;
	}
	/* Broken, or a failure not acknowledged: no claim of durability. */
	if (vp->broken ||
	    atomic64_read(&vp->flush_errors) != vp->errors_acked) {
		spin_unlock_irq(&vp->lock);
		return -EIO;
	}
	w.gen = vp->sent_seq + 1;
	w.errors = atomic64_read(&vp->flush_errors);
	list_add_tail(&w.node, &vp->waiters);
	vpmem_kick_locked(vp);
	spin_unlock_irq(&vp->lock);

	/* Waiting for a device to finish a write: I/O wait. */
	for (;;) {
		set_current_state(state);
		if (READ_ONCE(w.done))
			break;
		/* Removal: vpmem_flush_close() wakes us to start the grace. */
		if (!grace && READ_ONCE(vp->closing)) {
			grace = true;
			timeout = min_t(long, timeout, VPMEM_GRACE);
		}
		if (!timeout)
			break;
		if (attr && fatal_signal_pending(current)) {
			killed = true;
			break;
		}
		timeout = io_schedule_timeout(timeout);
	}
	__set_current_state(TASK_RUNNING);

	spin_lock_irq(&vp->lock);
	/* A completion racing with the timeout or the signal still counts. */
	if (!w.done && killed) {
		list_del(&w.node);
		w.err = -EINTR;
	} else if (!w.done && grace && vp->in_flight) {
		/*
		 * Out of time during removal and the host still holds a request:
		 * treat it as broken, which fails us and every other waiter now
		 * instead of each waiting out its own grace.
		 */
		vpmem_break_locked(vp, "host silent during removal");
	} else if (!w.done &&
		   (grace ||
		    !vpmem_timeout_locked(vp, READ_ONCE(vpmem_flush_timeout)))) {
		/*
		 * Out of time. If the request in flight was itself out of time
		 * (by the current flush_timeout, as the watchdog judges it),
		 * the device is broken now and w failed with everyone else.
		 * Otherwise that request is younger than flush_timeout (the one
		 * before it took long): fail this caller alone. Not a host
		 * failure: not counted, the device goes on.
		 */
		list_del(&w.node);
		w.err = -EIO;
		if (!grace)
			dev_err_ratelimited(&vp->vdev->dev,
					    "flush waited %u s for the host (flush_timeout), failing it\n",
					    limit);
	}
	spin_unlock_irq(&vp->lock);
	return w.err;
}

int vpmem_flush(struct vpmem *vp)
{
	return vpmem_flush_wait(vp, MAX_SCHEDULE_TIMEOUT, false);
}

int vpmem_flush_attr(struct vpmem *vp)
{
	return vpmem_flush_wait(vp, MAX_SCHEDULE_TIMEOUT, true);
}

/*
 * Whether the caller may sleep. Interrupt context and disabled interrupts
 * are seen on every kernel; a held spinlock (btt's) only where the kernel
 * counts preemption (CONFIG_PREEMPT_COUNT, every Debian kernel). Without
 * it preemptible() is constant 0, which would fail every flush: there a
 * btt flush sleeps under its lock as with the in-tree driver, and probe
 * warns (vpmem(4), SECTOR MODE).
 */
static bool vpmem_may_sleep(void)
{
	if (irqs_disabled() || in_interrupt())
		return false;
	return !IS_ENABLED(CONFIG_PREEMPT_COUNT) || preemptible();
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
	bool closing = READ_ONCE(vp->closing);
	int rc;

	/*
	 * btt flushes while it holds its map spinlock (its metadata writes end
	 * in nvdimm_flush()). Waiting for the host there would sleep in atomic
	 * context; fail the flush instead, so the write fails with EIO rather
	 * than claiming durability or crashing its writer.
	 */
	if (!vpmem_may_sleep()) {
		dev_err_ratelimited(&vp->vdev->dev,
				    "flush from atomic context (btt?): failed, use fsdax or raw mode\n");
		return -EIO;
	}
	rc = vpmem_flush(vp);

	/* What removal did to the block path, for its log line. */
	if (closing) {
		spin_lock_irq(&vp->lock);
		vp->teardown_flushes++;
		if (rc)
			vp->teardown_errors++;
		spin_unlock_irq(&vp->lock);
	}
	if (rc < 0 && bio)
		bio->bi_status = errno_to_blk_status(rc);
	return rc < 0 ? rc : 0;
}

/* One buffer the device gave back, under vp->lock. */
static void vpmem_answer_locked(struct vpmem *vp, struct vpmem_msg *msg,
				unsigned int len)
{
	struct device *dev = &vp->vdev->dev;
	u32 status;
	u64 lat;
	int err;

	lockdep_assert_held(&vp->lock);
	if (msg != vp->msg || !vp->in_flight)
		return;
	/*
	 * An answer to a request given up on (the device broke or timed out
	 * meanwhile): nothing to account for, but the buffer is back, so
	 * removal may free it. The device stays broken.
	 */
	if (vp->broken) {
		vp->in_flight = false;
		return;
	}
	vp->in_flight = false;

	lat = ktime_get_ns() - vp->send_ns;
	vp->lat_total_ns += lat;
	if (lat > vp->lat_max_ns)
		vp->lat_max_ns = lat;

	/*
	 * Success only if the device wrote a zero status into this buffer: the
	 * used length says whether it wrote one at all, and the status was not
	 * zero before the request was sent.
	 */
	status = vpmem_test_status(le32_to_cpu(msg->resp.ret));
	err = 0;
	if (len < sizeof(msg->resp)) {
		err = -EIO;
		dev_err_ratelimited(dev,
				    "host answered a flush without a status (%u bytes)\n",
				    len);
	} else if (status == VIRTIO_PMEM_RESP_TYPE_EIO) {
		err = -EIO;
		dev_err_ratelimited(dev, "host flush failed, status %u (EIO)\n",
				    status);
	} else if (status != VIRTIO_PMEM_RESP_TYPE_OK) {
		err = -EIO;
		dev_err_ratelimited(dev,
				    "host flush answered with undocumented status %#x, failing it\n",
				    status);
	}
	if (vpmem_inject_failure())
		err = -EIO;
	if (err)
		atomic64_inc(&vp->flush_errors);
	vpmem_finish_locked(vp, err);
}

/* Virtqueue callback, in interrupt context. */
void vpmem_vq_done(struct virtqueue *vq)
{
	struct vpmem *vp = vq->vdev->priv;
	struct vpmem_msg *msg;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&vp->lock, flags);
#ifdef VPMEM_TESTING
	/* test_silent_host: answers stay in the ring, see vpmem_test_deliver(). */
	if (READ_ONCE(vp->test_silent)) {
		spin_unlock_irqrestore(&vp->lock, flags);
		return;
	}
#endif
	while ((msg = virtqueue_get_buf(vq, &len)))
		vpmem_answer_locked(vp, msg, len);
	/* The next generation leaves now, for everyone who queued meanwhile. */
	vpmem_kick_locked(vp);
	spin_unlock_irqrestore(&vp->lock, flags);
	/* Freeze and kill sleep on vp->wq for in_flight to clear. */
	wake_up(&vp->wq);
}

#ifdef VPMEM_TESTING
/*
 * test_silent_host: take the oldest answer the device left in the ring, as
 * if it had just come (a late answer). -EAGAIN: none there (yet).
 */
int vpmem_test_deliver(struct vpmem *vp)
{
	struct vpmem_msg *msg = NULL;
	unsigned int len;

	spin_lock_irq(&vp->lock);
	if (vp->vq)
		msg = virtqueue_get_buf(vp->vq, &len);
	if (msg) {
		vpmem_answer_locked(vp, msg, len);
		vpmem_kick_locked(vp);
	}
	spin_unlock_irq(&vp->lock);
	wake_up(&vp->wq);
	return msg ? 0 : -EAGAIN;
}
#endif

/* Probe and resume: start sending on @vq, for everyone who queued. */
void vpmem_flush_start(struct vpmem *vp, struct virtqueue *vq)
{
	spin_lock_irq(&vp->lock);
	vp->vq = vq;
	vp->frozen = false;
	/* Nothing is in flight: freeze either saw the answer or gave the buffer up. */
	vp->in_flight = false;
	vp->broken = false;
	vpmem_kick_locked(vp);
	spin_unlock_irq(&vp->lock);
}

/* Undo vpmem_flush_freeze(): the suspend is aborted, the queue still works. */
static void vpmem_flush_thaw(struct vpmem *vp)
{
	spin_lock_irq(&vp->lock);
	vp->frozen = false;
	vpmem_kick_locked(vp);
	spin_unlock_irq(&vp->lock);
}

/*
 * Suspend: stop sending and let the request in flight finish, because the
 * caller resets the device next. A working host that stays silent for
 * VPMEM_GRACE fails the freeze with -EBUSY (the suspend is aborted and the
 * engine goes on): after a reset its late answer would land on the next ring.
 * A broken device's request is abandoned: its buffer stays the host's and a
 * fresh one is used from now on (see "Buffer ownership"). Callers that arrive
 * from now on queue and are sent on resume.
 */
int vpmem_flush_freeze(struct vpmem *vp)
{
	struct vpmem_msg *fresh = NULL;
	bool abandon;

	spin_lock_irq(&vp->lock);
	vp->frozen = true;
	spin_unlock_irq(&vp->lock);

	wait_event_timeout(vp->wq, !READ_ONCE(vp->in_flight) ||
			   READ_ONCE(vp->broken), VPMEM_GRACE);

	spin_lock_irq(&vp->lock);
	abandon = vp->in_flight;
	if (abandon && !vp->broken) {
		spin_unlock_irq(&vp->lock);
		dev_err(&vp->vdev->dev,
			"host has not answered a flush for %u s, refusing to suspend\n",
			VPMEM_GRACE / HZ);
		vpmem_flush_thaw(vp);
		return -EBUSY;
	}
	spin_unlock_irq(&vp->lock);

	if (abandon) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh) {
			vpmem_flush_thaw(vp);
			return -ENOMEM;
		}
		dev_warn(&vp->vdev->dev,
			 "leaving an unanswered request's buffer to the host\n");
	}

	spin_lock_irq(&vp->lock);
	/* A late answer meanwhile gave the buffer back: keep it. */
	if (fresh && vp->in_flight) {
		vp->msg = fresh;	/* the old one is the host's: leaked */
		fresh = NULL;
	}
	vp->in_flight = false;
	vp->vq = NULL;
	spin_unlock_irq(&vp->lock);
	kfree(fresh);
	cancel_delayed_work_sync(&vp->watch_work);
	return 0;
}

/*
 * After a suspend, hibernation or failed restore of an image, all devices
 * have been resumed. An engine still frozen was never given a queue: the
 * transport failed before calling our restore (virtio_device_restore() gives
 * up on the features). Nothing would ever be sent, and block-layer flushes
 * cannot be interrupted: fail them and everything later.
 */
static int vpmem_pm_notify(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct vpmem *vp = container_of(nb, struct vpmem, pm_nb);

	if (action != PM_POST_SUSPEND && action != PM_POST_HIBERNATION &&
	    action != PM_POST_RESTORE)
		return NOTIFY_DONE;
	spin_lock_irq(&vp->lock);
	if (vp->frozen && !vp->vq && !vp->dead)
		vpmem_break_locked(vp, "not restored after resume");
	spin_unlock_irq(&vp->lock);
	return NOTIFY_DONE;
}

void vpmem_flush_pm_register(struct vpmem *vp)
{
	vp->pm_nb.notifier_call = vpmem_pm_notify;
	/* Only fails for a block already registered: a bug, not a runtime state. */
	WARN_ON(register_pm_notifier(&vp->pm_nb));
}

void vpmem_flush_pm_unregister(struct vpmem *vp)
{
	unregister_pm_notifier(&vp->pm_nb);
}

/* config_changed (interrupt context) and the test hook. */
void vpmem_flush_broken(struct vpmem *vp, const char *why)
{
	unsigned long flags;

	spin_lock_irqsave(&vp->lock, flags);
	if (why)
		vpmem_break_locked(vp, why);
	else
		vpmem_check_broken_locked(vp, true);
	spin_unlock_irqrestore(&vp->lock, flags);
	wake_up(&vp->wq);
}

/*
 * Removal, step 1: the flush attribute fails with -ENXIO from now on, and
 * writers already waiting are completed with -ENXIO, so removing the sysfs
 * group does not wait on the host. Other flushes go on, within a grace:
 * waiters are woken to start it. Without a queue (frozen, never restored)
 * nothing would ever be sent: the engine is broken.
 */
void vpmem_flush_close(struct vpmem *vp)
{
	struct vpmem_waiter *w, *tmp;

	spin_lock_irq(&vp->lock);
	WRITE_ONCE(vp->closing, true);
	if (!vp->vq)
		vpmem_break_locked(vp, "no queue at removal");
	list_for_each_entry_safe(w, tmp, &vp->waiters, node) {
		if (w->attr)
			vpmem_complete_locked(vp, w, -ENXIO);
		else
			wake_up_process(w->task);
	}
	spin_unlock_irq(&vp->lock);
}

/*
 * Stop the engine for removal. Returns true if the host still holds a
 * request, broken device or not, in which case vp->msg must not be freed:
 * the host may still write its answer there, even after the reset (see
 * "Buffer ownership").
 */
bool vpmem_flush_kill(struct vpmem *vp)
{
	struct vpmem_waiter *w, *tmp;
	bool stuck;

	spin_lock_irq(&vp->lock);
	vp->dead = true;
	WRITE_ONCE(vp->closing, true);
	if (!vp->vq)
		vpmem_break_locked(vp, "no queue at removal");
	spin_unlock_irq(&vp->lock);

	if (!wait_event_timeout(vp->wq, !READ_ONCE(vp->in_flight) ||
				READ_ONCE(vp->broken), VPMEM_GRACE))
		dev_warn(&vp->vdev->dev,
			 "host did not answer a flush, abandoning it\n");
	/* Dead: nothing is sent any more, so nothing re-arms the watchdog. */
	cancel_delayed_work_sync(&vp->watch_work);

	spin_lock_irq(&vp->lock);
	stuck = vp->in_flight;
	list_for_each_entry_safe(w, tmp, &vp->waiters, node)
		vpmem_complete_locked(vp, w, -ENXIO);
	spin_unlock_irq(&vp->lock);
	return stuck;
}

/* Best-effort flush before removal, bounded so a dead host cannot block it. */
int vpmem_flush_final(struct vpmem *vp)
{
	return vpmem_flush_wait(vp, VPMEM_GRACE, false);
}

s64 vpmem_flush_errors_acked(struct vpmem *vp)
{
	s64 val;

	spin_lock_irq(&vp->lock);
	val = vp->errors_acked;
	spin_unlock_irq(&vp->lock);
	return val;
}

/*
 * An administrator has seen flush_errors reach @val and accepts that stores
 * made before those failures may be lost: flushes may succeed again. Only
 * the current count is accepted, so a failure that happened after it was
 * read is not acknowledged by accident. A broken device is refused (-EIO):
 * it fails every flush anyway, and the failure it counted must stay
 * visible as unacknowledged until the device is bound again.
 */
int vpmem_flush_errors_ack(struct vpmem *vp, s64 val)
{
	int rc = 0;

	spin_lock_irq(&vp->lock);
	if (vp->broken) {
		rc = -EIO;
	} else if (val != atomic64_read(&vp->flush_errors)) {
		rc = -EINVAL;
	} else if (val != vp->errors_acked) {
		vp->errors_acked = val;
		dev_info(&vp->vdev->dev,
			 "%lld flush errors acknowledged, flushes may succeed again\n",
			 val);
	}
	spin_unlock_irq(&vp->lock);
	return rc;
}

void vpmem_flush_latency(struct vpmem *vp, u64 *total_ns, u64 *max_ns)
{
	spin_lock_irq(&vp->lock);
	*total_ns = vp->lat_total_ns;
	*max_ns = vp->lat_max_ns;
	spin_unlock_irq(&vp->lock);
}
