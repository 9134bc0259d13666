// SPDX-License-Identifier: GPL-2.0
/*
 * vpmem sysfs group, attached to the nvdimm bus device so that it shows up
 * as /sys/bus/nd/devices/ndbusN/vpmem/. Living on the bus (not the region)
 * means tools find it from the same device that carries the "virtio-pmem"
 * provider string, and it is removed together with the bus, which is what
 * makes it safe to free the driver state after nvdimm_bus_unregister().
 */
#include <linux/device.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>
#include "vpmem.h"

static struct vpmem *vpmem_from_bus_dev(struct device *dev)
{
	struct nvdimm_bus_descriptor *nd_desc = to_nd_desc(to_nvdimm_bus(dev));

	return container_of(nd_desc, struct vpmem, nd_desc);
}

/* Stores reach the host's page cache, not media: always buffered. */
static ssize_t buffered_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "1\n");
}
static DEVICE_ATTR_RO(buffered);

/* Writing 1 makes everything stored so far durable on the host, or fails. */
static ssize_t flush_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	unsigned int val;
	int rc;

	rc = kstrtouint(buf, 10, &val);
	if (rc || val != 1)
		return -EINVAL;

	/*
	 * Killable: a writer stuck on a dead host can still be killed. Fails
	 * with -EIO if any flush of the device failed while this one waited or
	 * a failure is not acknowledged (see "Errors stick" in vpmem_flush.c).
	 */
	rc = vpmem_flush_attr(vpmem_from_bus_dev(dev));
	return rc ? rc : len;
}
static DEVICE_ATTR_WO(flush);

#ifdef VPMEM_TESTING
/*
 * Test hook, only in a VPMEM_TESTING build: writing 1 breaks the device's
 * virtqueue now, as a failing transport would (virtio_break_device()); 2
 * first waits (up to 5 s) until a request is in flight, so that its answer
 * is lost. The engine must then notice by itself.
 */
static ssize_t test_break_device_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t len)
{
	struct vpmem *vp = vpmem_from_bus_dev(dev);
	unsigned int val, i;

	if (kstrtouint(buf, 10, &val) || val < 1 || val > 2)
		return -EINVAL;
	for (i = 0; val == 2 && i < 5000 && !READ_ONCE(vp->in_flight); i++)
		usleep_range(1000, 2000);
	virtio_break_device(vp->vdev);
	return len;
}
static DEVICE_ATTR_WO(test_break_device);

/*
 * Test hook: writing 1 makes the engine ignore every answer of the device
 * from now on, as if the host never answered (its trace still shows the
 * requests; the answers stay in the ring). Writing 2 then takes the oldest
 * answer left there, as a late answer would come (-EAGAIN: none yet). There
 * is no way back: unbind and bind.
 */
static ssize_t test_silent_host_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t len)
{
	struct vpmem *vp = vpmem_from_bus_dev(dev);
	unsigned int val;
	int rc;

	if (kstrtouint(buf, 10, &val) || val < 1 || val > 2)
		return -EINVAL;
	if (val == 1) {
		WRITE_ONCE(vp->test_silent, true);
		return len;
	}
	if (!READ_ONCE(vp->test_silent))
		return -EINVAL;
	rc = vpmem_test_deliver(vp);
	return rc ? rc : len;
}
static DEVICE_ATTR_WO(test_silent_host);
#endif

/* The counters are atomic64_t, read without taking the engine lock. */
static ssize_t flush_requests_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct vpmem *vp = vpmem_from_bus_dev(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&vp->flush_requests));
}
static DEVICE_ATTR_RO(flush_requests);

static ssize_t host_flushes_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vpmem *vp = vpmem_from_bus_dev(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&vp->host_flushes));
}
static DEVICE_ATTR_RO(host_flushes);

static ssize_t flush_errors_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vpmem *vp = vpmem_from_bus_dev(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&vp->flush_errors));
}
static DEVICE_ATTR_RO(flush_errors);

/*
 * The flush_errors value an administrator acknowledged. While it differs
 * from flush_errors every flush fails with -EIO (see "Errors stick" in
 * vpmem_flush.c); writing the current flush_errors value acknowledges, any
 * other value is refused. flush_errors itself is never reset.
 */
static ssize_t flush_errors_ack_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  vpmem_flush_errors_acked(vpmem_from_bus_dev(dev)));
}

static ssize_t flush_errors_ack_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t len)
{
	s64 val;
	int rc;

	rc = kstrtos64(buf, 10, &val);
	if (rc)
		return rc;
	rc = vpmem_flush_errors_ack(vpmem_from_bus_dev(dev), val);
	return rc ? rc : len;
}
static DEVICE_ATTR_ADMIN_RW(flush_errors_ack);

static ssize_t flush_latency_total_ns_show(struct device *dev,
					   struct device_attribute *attr,
					   char *buf)
{
	u64 total, max;

	vpmem_flush_latency(vpmem_from_bus_dev(dev), &total, &max);
	return sysfs_emit(buf, "%llu\n", total);
}
static DEVICE_ATTR_RO(flush_latency_total_ns);

static ssize_t flush_latency_max_ns_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	u64 total, max;

	vpmem_flush_latency(vpmem_from_bus_dev(dev), &total, &max);
	return sysfs_emit(buf, "%llu\n", max);
}
static DEVICE_ATTR_RO(flush_latency_max_ns);

static struct attribute *vpmem_attrs[] = {
	&dev_attr_buffered.attr,
	&dev_attr_flush.attr,
	&dev_attr_flush_requests.attr,
	&dev_attr_host_flushes.attr,
	&dev_attr_flush_errors.attr,
	&dev_attr_flush_errors_ack.attr,
	&dev_attr_flush_latency_total_ns.attr,
	&dev_attr_flush_latency_max_ns.attr,
#ifdef VPMEM_TESTING
	&dev_attr_test_break_device.attr,
	&dev_attr_test_silent_host.attr,
#endif
	NULL,
};

static const struct attribute_group vpmem_attr_group = {
	.name = "vpmem",
	.attrs = vpmem_attrs,
};

const struct attribute_group *vpmem_bus_attr_groups[] = {
	&vpmem_attr_group,
	NULL,
};
