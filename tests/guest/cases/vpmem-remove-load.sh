# Unbind under load: after O_DIRECT writes (which send no flush), with eight
# writers on the flush attribute and four threads fsyncing the block device,
# unbinding the device ends every sysfs writer with ENXIO at once, lets the
# pmem driver's final flush of the namespace reach the host (the driver logs
# how the block-layer flushes during removal went), hangs nothing, and the
# device comes back after bind.
# vt: devices=256M driver=vpmem timeout=180

vdev=$(basename "$(vt_virtio_dev 0)")
drv=/sys/bus/virtio/drivers/vpmem
attr=$VPMEM0/flush

check odirect-write dd if=/dev/urandom of="$DEV0" bs=4096 count=256 oflag=direct 2>/dev/null

j=0
pids=
while [ $j -lt 8 ]; do
	( while out=$(sh -c "echo 1 > $attr" 2>&1); do :; done
	  echo "$out" > /tmp/w$j.out ) &
	pids="$pids $!"
	j=$((j + 1))
done
fsyncbench "$DEV0" 4 4 > /tmp/fb.out 2>&1 &
pids="$pids $!"
sleep 2

mark unbind-a
check unbind-under-load timeout 60 sh -c "echo $vdev > $drv/unbind"
mark unbind-b
t=0
for p in $pids; do
	while kill -0 "$p" 2>/dev/null && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
done
check_eq everything-ended-within-10s "$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo "$p"; done)" ""

# Every sysfs writer ends refused: ENXIO (it was waiting, or came in after
# the attribute closed), ENODEV (sysfs had deactivated the file it had
# open), ENOENT (the group was already gone when it opened) or EACCES (the
# file was gone but its directory not yet: the shell's O_CREAT open is
# refused there). Whether one of them happened to be waiting in the driver
# at that moment depends on timing, so ENXIO is only counted here; the
# deterministic check of a waiting writer is vpmem-silent's.
enxio=0
bad=
j=0
while [ $j -lt 8 ]; do
	case "$(cat /tmp/w$j.out)" in
	*"No such device or address"*) enxio=$((enxio + 1)) ;;
	*"No such device" | *"No such file or directory"* | *"nonexistent directory"* | \
	*"Permission denied"*) ;;
	*) bad="$bad w$j: $(cat /tmp/w$j.out)" ;;
	esac
	j=$((j + 1))
done
check_eq sysfs-writers-end-refused "$bad" ""
vt_metric sysfs-writers-with-enxio "$enxio" writers
vt_info "fsyncbench: $(cat /tmp/fb.out | tr '\n' ' ')"

# The pmem driver's final flush (nvdimm_flush from its remove) went through
# the engine while it still worked, and succeeded.
line=$(dmesg | grep 'flushes during removal' | tail -1)
vt_info "dmesg: $line"
case "$line" in
*" 0 failed"*) vt_ok block-flushes-during-removal-succeeded ;;
*) vt_fail block-flushes-during-removal-succeeded "dmesg: '$line'" ;;
esac
check no-failed-final-flush sh -c "! dmesg | grep -q 'flush before removal failed'"
expect_hf unbind-a unbind-b ge 1 final-flush-reached-host

check rebind sh -c "echo $vdev > $drv/bind"
check pmem-back vt_wait_file "$DEV0" 100
bus=$(basename "$(readlink -f "$(vt_virtio_dev 0)"/ndbus*)")
mark back-a
check flush-after-rebind sh -c "echo 1 > /sys/bus/nd/devices/$bus/vpmem/flush"
mark back-b
expect_hf back-a back-b eq 1 rebound-device-host-flush
vt_no_kernel_splat no-kernel-splat
