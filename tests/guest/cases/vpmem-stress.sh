# The upstream bug shape: 64 concurrent fsync loops for 20 s could fill the
# virtqueue and wedge the device. With vpmem every fsync succeeds, and the
# device still flushes correctly afterwards.
# vt: devices=256M driver=vpmem fs=ext4 mount=dax,noatime timeout=300

out=$(fsyncbench "$MNT0" 64 20)
rc=$?
vt_info "64 threads x 20 s: $out"
check_eq stress-no-errors $rc 0
fsyncs=$(echo "$out" | sed -n 's/.*fsyncs=\([0-9]*\).*/\1/p')
check stress-made-progress test "${fsyncs:-0}" -gt 64
vt_metric stress-fsyncs "$fsyncs" fsyncs

sync
h0=$(cat "$VPMEM0/host_flushes")
mark a
check flush-after-stress sh -c "echo 1 > $VPMEM0/flush"
mark b
expect_hf a b eq 1 device-still-flushes
check_eq counter-after-stress $(($(cat "$VPMEM0/host_flushes") - h0)) 1
check fsync-after-stress sh -c "pmemtest write $MNT0/after 4096 && pmemtest fsync $MNT0/after"
check_eq no-flush-errors "$(cat "$VPMEM0/flush_errors")" 0
vt_no_kernel_splat no-kernel-splat
