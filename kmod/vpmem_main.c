// SPDX-License-Identifier: GPL-2.0
/*
 * vpmem - driver for the virtio-pmem device (virtio id 27).
 *
 * A drop-in alternative to the in-tree virtio_pmem driver: same nvdimm bus
 * provider name ("virtio-pmem") and the same kind of region, so ndctl,
 * fsdax, devdax and /dev/pmemN behave as before. What differs is the flush
 * path (coalesced, see vpmem_flush.c) and a sysfs group that tells user
 * space the region is buffered and lets it flush and count (vpmem_sysfs.c).
 *
 * This file only binds the virtio device and registers the nvdimm bus and
 * region.
 */
#include <linux/errno.h>
#include <linux/ioport.h>
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/range.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include "vpmem.h"

#ifdef VPMEM_TESTING
/*
 * Test hooks, only in a VPMEM_TESTING build: replace the region's start or
 * size as read from the device, before it is checked, at every probe. A
 * string so that "not set" differs from every value (0 included).
 */
static char *test_override_start;
module_param(test_override_start, charp, 0444);
MODULE_PARM_DESC(test_override_start,
		 "Testing: use this region start instead of the device's (probe)");
static char *test_override_size;
module_param(test_override_size, charp, 0444);
MODULE_PARM_DESC(test_override_size,
		 "Testing: use this region size instead of the device's (probe)");

static void vpmem_test_override(struct virtio_device *vdev, const char *name,
				const char *val, u64 *v)
{
	if (!val)
		return;
	if (kstrtou64(val, 0, v)) {
		dev_warn(&vdev->dev, "test_override_%s=%s ignored\n", name, val);
		return;
	}
	dev_warn(&vdev->dev, "testing: region %s forced to %#llx\n", name, *v);
}

static void vpmem_test_overrides(struct vpmem *vp)
{
	vpmem_test_override(vp->vdev, "start", test_override_start, &vp->start);
	vpmem_test_override(vp->vdev, "size", test_override_size, &vp->size);
}
#else
static void vpmem_test_overrides(struct vpmem *vp)
{
}
#endif

static const struct virtio_device_id vpmem_id_table[] = {
	{ VIRTIO_ID_PMEM, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

/*
 * Find the queue, check it can hold a request, start the engine on it and
 * tell the device we are ready. Probe and resume.
 */
static int vpmem_setup_vq(struct vpmem *vp)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtqueue *vq;

	vq = virtio_find_single_vq(vdev, vpmem_vq_done, "flush_queue");
	if (IS_ERR(vq)) {
		dev_err(&vdev->dev, "cannot set up the request queue: %ld\n",
			PTR_ERR(vq));
		return PTR_ERR(vq);
	}
	/*
	 * A request is two descriptors, or one indirect descriptor: the ring
	 * uses indirect descriptors whenever the device offers them (the
	 * transport keeps VIRTIO_RING_F_INDIRECT_DESC without asking us), but
	 * falls back to two direct ones if the indirect table cannot be
	 * allocated. So two entries are the minimum that can always take one.
	 */
	if (virtqueue_get_vring_size(vq) < 2) {
		dev_err(&vdev->dev, "request queue too small: %u entries\n",
			virtqueue_get_vring_size(vq));
		vdev->config->del_vqs(vdev);
		return -EINVAL;
	}
	/*
	 * Set DRIVER_OK now rather than after probe returns: the bus's flush
	 * attribute and the region's (asynchronous) probe can send requests
	 * as soon as they are registered. Before the engine sends anything:
	 * on resume, flushes queued while suspended leave at once.
	 */
	virtio_device_ready(vdev);
	vpmem_flush_start(vp, vq);
	return 0;
}

/*
 * What the device says its region is must be usable before anything maps it.
 * Page alignment is a hard rule: a region that shares a page with other
 * memory cannot be mapped without exposing or corrupting that memory. The
 * nvdimm core's own rule for fsdax and devdax (memremap_compat_align(), 2 MiB
 * on x86-64) is only warned about, as it is for the in-tree driver: such a
 * namespace still works in raw mode, and the core refuses the rest itself.
 */
static int vpmem_check_range(struct virtio_device *vdev, u64 start, u64 size)
{
	struct range pluggable = mhp_get_pluggable_range(true);

	if (!size) {
		dev_err(&vdev->dev, "invalid region: size is zero\n");
		return -EINVAL;
	}
	if (!IS_ALIGNED(start, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE)) {
		dev_err(&vdev->dev,
			"invalid region: start %#llx size %#llx not page aligned\n",
			start, size);
		return -EINVAL;
	}
	if (start + size - 1 < start) {
		dev_err(&vdev->dev,
			"invalid region: start %#llx + size %#llx overflows\n",
			start, size);
		return -EINVAL;
	}
	/* Memory hotplug (which maps the pages) refuses it later anyway. */
	if (start < pluggable.start || start + size - 1 > pluggable.end) {
		dev_err(&vdev->dev,
			"invalid region: %#llx-%#llx outside the addressable range %#llx-%#llx\n",
			start, start + size - 1, pluggable.start, pluggable.end);
		return -EINVAL;
	}
	if (!IS_ALIGNED(start | size, memremap_compat_align()))
		dev_warn(&vdev->dev,
			 "region start %#llx size %#llx not %#lx aligned: no fsdax or devdax\n",
			 start, size, memremap_compat_align());
	return 0;
}

static int vpmem_probe(struct virtio_device *vdev)
{
	struct nd_region_desc ndr_desc = {};
	int nid = dev_to_node(&vdev->dev);
	struct resource res = {};
	struct vpmem *vp;
	int err;

	if (!vdev->config->get) {
		dev_err(&vdev->dev, "device has no config space access\n");
		return -EINVAL;
	}

	vp = kzalloc(sizeof(*vp), GFP_KERNEL);
	if (!vp)
		return -ENOMEM;
	vp->msg = kzalloc(sizeof(*vp->msg), GFP_KERNEL);
	if (!vp->msg) {
		err = -ENOMEM;
		goto err_free_vp;
	}
	vp->vdev = vdev;
	vpmem_flush_init(vp);
	/* Before the queue exists: its callback finds the state through it. */
	vdev->priv = vp;

	virtio_cread_le(vdev, struct virtio_pmem_config, start, &vp->start);
	virtio_cread_le(vdev, struct virtio_pmem_config, size, &vp->size);
	vpmem_test_overrides(vp);
	err = vpmem_check_range(vdev, vp->start, vp->size);
	if (err)
		goto err_free_msg;

	err = vpmem_setup_vq(vp);
	if (err)
		goto err_free_msg;

	/* ndctl and libndctl recognise virtio-pmem buses by this name. */
	vp->nd_desc.provider_name = "virtio-pmem";
	/* libnvdimm pins this module while the region is enabled. */
	vp->nd_desc.module = THIS_MODULE;
	vp->nd_desc.attr_groups = vpmem_bus_attr_groups;
	vp->nvdimm_bus = nvdimm_bus_register(&vdev->dev, &vp->nd_desc);
	if (!vp->nvdimm_bus) {
		dev_err(&vdev->dev, "cannot register the nvdimm bus\n");
		err = -ENXIO;
		goto err_reset;
	}

	res.start = vp->start;
	res.end = vp->start + vp->size - 1;
	res.flags = IORESOURCE_MEM;
	ndr_desc.res = &res;
	ndr_desc.numa_node = nid;
	/*
	 * target_node is the node the range joins if it is onlined as system
	 * RAM (daxctl's kmem mode rejects a negative one). Prefer what the
	 * firmware says about the range, then the device's node, then the
	 * node memory hotplug would pick.
	 */
	ndr_desc.target_node = phys_to_target_node(vp->start);
	if (ndr_desc.target_node == NUMA_NO_NODE)
		ndr_desc.target_node = nid;
	if (ndr_desc.target_node == NUMA_NO_NODE)
		ndr_desc.target_node = memory_add_physaddr_to_nid(vp->start);
	ndr_desc.flush = vpmem_region_flush;
	ndr_desc.provider_data = vp;
	/* Memory-like, with struct pages, so fsdax and devdax work. */
	set_bit(ND_REGION_PAGEMAP, &ndr_desc.flags);
	/* Stores need a host flush to be durable: no MAP_SYNC. */
	set_bit(ND_REGION_ASYNC, &ndr_desc.flags);
	vp->nd_region = nvdimm_pmem_region_create(vp->nvdimm_bus, &ndr_desc);
	if (!vp->nd_region) {
		dev_err(&vdev->dev, "cannot create the pmem region\n");
		err = -ENXIO;
		goto err_unregister;
	}

	vpmem_flush_pm_register(vp);
	dev_info(&vdev->dev, "buffered pmem %pR, host flushes coalesced\n",
		 &res);
	/* It cannot refuse btt's flush under a spinlock (vpmem(4)). */
	if (!IS_ENABLED(CONFIG_PREEMPT_COUNT))
		dev_warn(&vdev->dev,
			 "sector mode (btt) is unsafe on this kernel (no CONFIG_PREEMPT_COUNT)\n");
	return 0;

err_unregister:
	/* A write to the bus's flush attribute may already be waiting. */
	vpmem_flush_close(vp);
	nvdimm_bus_unregister(vp->nvdimm_bus);
err_reset:
	/* Broken or not, reset or not: see "Buffer ownership" in vpmem_flush.c. */
	if (vpmem_flush_kill(vp))
		vp->msg = NULL;	/* still owned by the host: leak, not corrupt */
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
err_free_msg:
	kfree(vp->msg);
err_free_vp:
	vdev->priv = NULL;
	kfree(vp);
	return err;
}

/*
 * Order matters (see "Teardown" in vpmem_flush.c). The flush attribute is
 * closed first: its writers get -ENXIO at once, so removing the sysfs group
 * does not wait for the host. The bus goes next, while the engine still
 * works: the pmem driver's final flush of each namespace reaches the host.
 * Then one last flush of our own (devdax has no final flush), then the
 * engine stops, and only then is the device reset and its queue deleted
 * (del_vqs frees the interrupt, which waits for a running callback).
 */
static void vpmem_remove(struct virtio_device *vdev)
{
	struct vpmem *vp = vdev->priv;
	int rc;

	vpmem_flush_pm_unregister(vp);
	vpmem_flush_close(vp);
	nvdimm_bus_unregister(vp->nvdimm_bus);
	if (vp->teardown_flushes)
		dev_info(&vdev->dev,
			 "%llu flushes during removal, %llu failed\n",
			 vp->teardown_flushes, vp->teardown_errors);

	/* Leave the backing file as durable as a last nvdimm_flush() would. */
	rc = vpmem_flush_final(vp);
	if (rc)
		dev_warn(&vdev->dev, "flush before removal failed: %d\n", rc);

	/* Broken or not, reset or not: see "Buffer ownership" in vpmem_flush.c. */
	if (vpmem_flush_kill(vp)) {
		dev_warn(&vdev->dev,
			 "leaving an unanswered request's buffer to the host\n");
		vp->msg = NULL;	/* still owned by the host: leak, not corrupt */
	}
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);

	kfree(vp->msg);
	vdev->priv = NULL;
	kfree(vp);
}

/* The device set NEEDS_RESET (or changed its config, which never happens). */
static void vpmem_config_changed(struct virtio_device *vdev)
{
	struct vpmem *vp = vdev->priv;

	if (vp)
		vpmem_flush_broken(vp, NULL);
}

#ifdef CONFIG_PM_SLEEP
/*
 * Suspend and hibernation. The device loses its queue across them (the
 * transport resets it on resume), so take it down here and set it up again
 * in restore. Flushes asked for in between wait and are sent on resume. A
 * host that does not answer the request in flight aborts the suspend.
 */
static int vpmem_freeze(struct virtio_device *vdev)
{
	struct vpmem *vp = vdev->priv;
	int err;

	err = vpmem_flush_freeze(vp);
	if (err)
		return err;
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
	return 0;
}

static int vpmem_restore(struct virtio_device *vdev)
{
	struct vpmem *vp = vdev->priv;
	int err;

	err = vpmem_setup_vq(vp);
	if (err) {
		/* Never leave a waiter behind on a device that is gone. */
		vpmem_flush_broken(vp, "no queue after resume");
		return err;
	}
	return 0;
}
#endif

static struct virtio_driver vpmem_driver = {
	.driver.name	= KBUILD_MODNAME,
	.driver.owner	= THIS_MODULE,
	.id_table	= vpmem_id_table,
	.probe		= vpmem_probe,
	.remove		= vpmem_remove,
	.config_changed	= vpmem_config_changed,
#ifdef CONFIG_PM_SLEEP
	.freeze		= vpmem_freeze,
	.restore	= vpmem_restore,
#endif
};

module_virtio_driver(vpmem_driver);
MODULE_DEVICE_TABLE(virtio, vpmem_id_table);
/* /dev/pmemN needs nd_pmem; load it first when modprobe loads us. */
MODULE_SOFTDEP("pre: nd_pmem");
MODULE_DESCRIPTION("virtio-pmem driver with coalesced host flushes");
MODULE_LICENSE("GPL");
MODULE_VERSION(VPMEM_VERSION);
