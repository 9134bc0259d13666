# One guest, two devices: device 0 bound to the in-tree virtio_pmem, device
# 1 to vpmem. The same workload (16 threads, each rewriting a 4 KiB block of
# its own file on ext4-dax and syncing it, for 10 s) runs on each in turn.
#
# With fdatasync every call sends a flush to the driver, so the driver's
# coalescing is what is measured: vpmem must need at most half the host
# flushes per call and reach at least twice the calls per second.
# With fsync, ext4's journal (jbd2) already batches the commits of
# concurrent fsyncs before they reach the driver; those numbers are
# reported, not asserted (see docs/coalescing.md).
# vt: devices=256M,256M driver0=virtio_pmem driver1=vpmem fs=ext4 mount=dax,noatime timeout=300

check_eq drivers "$(basename "$(readlink "$(vt_virtio_dev 0)/driver")") $(basename "$(readlink "$(vt_virtio_dev 1)/driver")")" "virtio_pmem vpmem"
secs=10

bench() { # bench DEV_INDEX LABEL [-d]
	eval "mnt=\$MNT$1"
	sync
	mark "$2-a"
	out=$(fsyncbench $3 "$mnt" 16 "$secs")
	rc=$?
	mark "$2-b"
	check_eq "$2-no-errors" $rc 0
	vt_info "$2: $out"
	ops=$(echo "$out" | sed -n 's/.*fsyncs=\([0-9]*\).*/\1/p')
	rate=$(echo "$out" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
	v=$(echo "$2" | tr - _)
	eval "${v}_ops=$ops; ${v}_rate=$rate"
	vt_metric "$2-calls-per-s" "$rate" calls/s
	hf_count "$2-a" "$2-b" "$2-host-flushes"
	echo "@@VT hf-per-op $2-a $2-b $ops $2-host-flushes-per-call"
}

bench 0 intree-fdatasync -d
bench 1 vpmem-fdatasync -d
echo "@@VT expect-hf-ratio intree-fdatasync-a intree-fdatasync-b $intree_fdatasync_ops" \
	"vpmem-fdatasync-a vpmem-fdatasync-b $vpmem_fdatasync_ops 0.5 fdatasync-host-flushes-per-call-at-most-half"
check fdatasync-calls-per-s-at-least-2x test "$vpmem_fdatasync_rate" -ge $((2 * intree_fdatasync_rate))

bench 0 intree-fsync
bench 1 vpmem-fsync
vt_no_kernel_splat no-kernel-splat
