# libpmemflush with vpmem.ko: device dax gets the host-flush method (CPU
# flush + the driver's flush attribute) and each persist() costs exactly one
# host flush; on a raw block device, a host flush failure (fault knob)
# reaches persist() as EIO and stays sticky in the map; clearing the map's
# error is not enough while the device's failure is not acknowledged (the
# driver refuses the flush); after root acknowledges it (flush_errors_ack),
# persist() works again.
# vt: devices=256M,256M driver=vpmem mode0=devdax

check_eq devdax-method "$(persisttool map "$DAX0")" "method=host-flush granularity=page"
persisttool persist "$DAX0" 3
rc=$?
check_eq devdax-persist-ok $rc 0
for i in 0 1 2; do
	expect_hf "p$i-a" "p$i-b" eq 1 "devdax-persist-$i-one-host-flush"
done

check_eq blockdev-method "$(persisttool map "$DEV1")" "method=msync granularity=page"
echo 1 > /sys/module/vpmem/parameters/fail_next_flushes
check_eq eio-sticky-cleared-device-refuses "$(persisttool sticky "$DEV1")" "first=-5 second=-5 cleared=-5 after=-5"
cat "$VPMEM1/flush_errors" > "$VPMEM1/flush_errors_ack"
persisttool persist "$DEV1" 1 >/dev/null
check_eq persist-after-ack $? 0
vt_no_kernel_splat no-kernel-splat
