# libpmemflush with vpmem.ko: device dax gets the host-flush method (CPU
# flush + the driver's flush attribute) and each persist() costs exactly one
# host flush; on a raw block device, a host flush failure (fault knob)
# reaches persist() as EIO, stays sticky until acknowledged, and then
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
check_eq eio-sticky-then-cleared "$(persisttool sticky "$DEV1")" "first=-5 second=-5 cleared=-5 after=0"
vt_no_kernel_splat no-kernel-splat
