# vpmem.ko on ext4-dax and xfs-dax: the sysfs group says buffered, writing
# 'flush' costs exactly one host flush, fsync reaches the host, and the
# host_flushes counter equals what QEMU saw over the same interval.
# vt: devices=256M,512M driver=vpmem fs0=ext4 fs1=xfs mount=dax,noatime

check driver-is-vpmem test "$(basename "$(readlink "$(vt_virtio_dev 0)/driver")")" = vpmem
check provider-virtio-pmem grep -qx virtio-pmem "/sys/bus/nd/devices/$BUS0/provider"
check vpmem-group test -d "$VPMEM0" -a -d "$VPMEM1"
check_eq buffered "$(cat "$VPMEM0/buffered")" 1
check_eq flush-mode "$(stat -c %a "$VPMEM0/flush")" 200
check_eq buffered-mode "$(stat -c %a "$VPMEM0/buffered")" 444
for a in flush_requests host_flushes flush_errors flush_latency_total_ns flush_latency_max_ns; do
	check "counter-$a" test -r "$VPMEM0/$a"
done
check_rc flush-rejects-2 1 sh -c "echo 2 > $VPMEM0/flush" 2>/dev/null

# Writing 'flush': one synchronous host flush, counted once.
sync
h0=$(cat "$VPMEM0/host_flushes")
r0=$(cat "$VPMEM0/flush_requests")
mark flush-a
check flush-write sh -c "echo 1 > $VPMEM0/flush"
mark flush-b
check_eq flush-host-counter $(($(cat "$VPMEM0/host_flushes") - h0)) 1
check_eq flush-request-counter $(($(cat "$VPMEM0/flush_requests") - r0)) 1
expect_hf flush-a flush-b eq 1 flush-attr-one-host-flush

# fsync on each filesystem reaches the host, and the driver's counter
# matches QEMU's trace exactly (both devices' counters together: QEMU's
# trace does not say which device flushed).
for d in 0 1; do
	eval "mnt=\$MNT$d"
	pmemtest write "$mnt/file" 65536
done
sync
h0=$(( $(cat "$VPMEM0/host_flushes") + $(cat "$VPMEM1/host_flushes") ))
mark fs-a
for d in 0 1; do
	eval "mnt=\$MNT$d"
	i=0
	while [ $i -lt 5 ]; do
		pmemtest write "$mnt/file" 4096 && pmemtest fsync "$mnt/file" || vt_fail "fsync-$d-$i" "write+fsync failed"
		i=$((i + 1))
	done
done
mark fs-b
h1=$(( $(cat "$VPMEM0/host_flushes") + $(cat "$VPMEM1/host_flushes") ))
expect_hf fs-a fs-b ge 2 fsync-reaches-host
expect_hf fs-a fs-b eq $((h1 - h0)) host-flushes-counter-equals-trace
vt_info "10 write+fsync: $((h1 - h0)) host flushes (driver counters)"

check_eq no-flush-errors "$(cat "$VPMEM0/flush_errors")$(cat "$VPMEM1/flush_errors")" 00
check latency-total-positive test "$(cat "$VPMEM0/flush_latency_total_ns")" -gt 0
check latency-max-le-total test "$(cat "$VPMEM0/flush_latency_max_ns")" -le "$(cat "$VPMEM0/flush_latency_total_ns")"
vt_no_kernel_splat no-kernel-splat
