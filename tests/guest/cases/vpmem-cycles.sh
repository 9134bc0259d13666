# Lifecycle: rmmod is refused while a filesystem is mounted; 20 unbind/bind
# and 20 rmmod/insmod cycles pass; unbinding while flushes are in flight
# completes them (with an error or success, never a hang); afterwards the
# device still flushes, and the kernel logged no splat.
# vt: devices=256M driver=vpmem timeout=300

vdev=$(basename "$(vt_virtio_dev 0)")
drv=/sys/bus/virtio/drivers/vpmem

# ext4-dax mounted: rmmod must be refused.
mkfs.ext4 -q -F -b 4096 "$DEV0" && mkdir -p /mnt/c && mount -o dax "$DEV0" /mnt/c
check mounted grep -q ' /mnt/c ' /proc/mounts
check_rc rmmod-refused-while-mounted 1 rmmod vpmem 2>/dev/null
check still-loaded grep -q '^vpmem ' /proc/modules
umount /mnt/c

wait_pmem() { vt_wait_file "$DEV0" 100; }

i=0; ok=1
while [ $i -lt 20 ]; do
	echo "$vdev" > "$drv/unbind" && echo "$vdev" > "$drv/bind" && wait_pmem || { ok=0; break; }
	i=$((i + 1))
done
check_eq unbind-bind-20-cycles "$ok:$i" 1:20

# libnvdimm pins the provider module while its region is enabled (as for
# the in-tree driver): release the device, then unload; loading the module
# again binds the device.
i=0; ok=1
while [ $i -lt 20 ]; do
	echo "$vdev" > "$drv/unbind" && rmmod vpmem && insmod /vpmem/vpmem.ko && wait_pmem ||
		{ ok=0; break; }
	i=$((i + 1))
done
check_eq rmmod-insmod-20-cycles "$ok:$i" 1:20

# Unbind while 8 writers hammer the flush attribute and 8 threads fsync the
# raw block device: everything must finish (no waiter left behind).
bus() { basename "$(readlink -f /sys/bus/nd/devices/$(ls /sys/bus/nd/devices | grep '^region' | head -1)/..)"; }
attr=/sys/bus/nd/devices/$(bus)/vpmem/flush
# Their PIDs, not 'jobs': busybox sh lists stale jobs in $(jobs -p) and none
# in a pipeline, so a check built on it could never fail.
pids=
j=0
while [ $j -lt 8 ]; do
	( while echo 1 > "$attr"; do :; done ) 2>/dev/null &
	pids="$pids $!"
	j=$((j + 1))
done
fsyncbench "$DEV0" 8 4 > /tmp/inflight.out 2>&1 &
pids="$pids $!"
# A process still running (an unreaped zombie has finished). Shell builtins
# only: forking per poll would slow the loop below under TCG.
running() {
	n=0
	for p in $pids; do
		read -r st 2>/dev/null < "/proc/$p/stat" || continue
		st=${st##*) }
		[ "${st%% *}" != Z ] && n=$((n + 1))
	done
	echo $n
}
check_eq writers-running-before-unbind "$(running)" 9
sleep 2
check unbind-under-load sh -c "echo $vdev > $drv/unbind"
# Every writer must end by itself once the device is gone (30 s).
start=$(date +%s)
while [ "$(running)" -gt 0 ] && [ $(($(date +%s) - start)) -lt 30 ]; do sleep 0.1; done
left=$(running)
check_eq all-waiters-completed "$left" 0
vt_info "$left of 9 writers still running $(($(date +%s) - start)) s after the unbind"
# Reap them; never wait for one that is stuck (the check failed already),
# and stop any that would still flush the device once it is bound again.
if [ "$left" = 0 ]; then
	wait
else
	kill -9 $pids 2>/dev/null
fi
vt_info "fsyncbench during unbind: $(cat /tmp/inflight.out | tr '\n' ' ')"
check rebind sh -c "echo $vdev > $drv/bind"
check pmem-back wait_pmem

attr=/sys/bus/nd/devices/$(bus)/vpmem/flush
mark a
check flush-after-cycles sh -c "echo 1 > $attr"
mark b
expect_hf a b eq 1 device-still-flushes
vt_no_kernel_splat no-kernel-splat
