# Asynchronous persist for one writer (the persist-async example of
# pmemflush_persist_submit(3)) on ext4-dax, device 0 on the in-tree
# virtio_pmem, device 1 on vpmem: N 64-byte records, each acknowledged only
# after its ticket completed, need at most 0.2 host flushes per record, at
# least one flush reaches the host, and every record is in the file after a
# remount. Device 2 (device dax on vpmem) does the same with the
# host-flush method (the CPU flush in submit, the flush attribute in the
# flusher). The same example with a synchronous persist per record gives the
# baseline: the ratio is reported (issue 12's target is >= 5x) and checked
# to be at least 2x (a writer that waited for each ticket would get about
# 1x; 2x leaves room for a fast host flush, where the ratio is smallest).
# On vpmem a failing host flush (fail_next_flushes) fails the tickets, and
# they stay failed after the clear while rewritten records succeed
# (asyncprobe), on device dax (host-flush) and on a raw block device
# (msync; device 3). Not on ext4:
# there the failed flush may be jbd2's commit, which aborts the journal and
# makes the file system read-only (a later store to the map then faults).
# vt: devices=256M,256M,256M,256M driver0=virtio_pmem driver1=vpmem driver2=vpmem mode2=devdax fs2=none driver3=vpmem fs3=none fs=ext4 mount=dax,noatime timeout=480

check_eq drivers "$(basename "$(readlink "$(vt_virtio_dev 0)/driver")") $(basename "$(readlink "$(vt_virtio_dev 1)/driver")")" "virtio_pmem vpmem"
N=${ASYNC_RECORDS:-20000}
NSYNC=1000

rate_of() { echo "$1" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'; }

run() { # run DEV_INDEX LABEL MODE RECORDS [METHOD]
	eval "mnt=\$MNT$1"
	if [ "${5:-msync}" = host-flush ]; then
		eval "f=\$DAX$1"
	else
		f=$mnt/log-$3
		rm -f "$f"
	fi
	sync
	mark "$2-$3-a"
	out=$(persist-async "$f" "$4" "$3")
	rc=$?
	mark "$2-$3-b"
	vt_info "$2 $3: $(echo "$out" | tr '\n' ' ')"
	check_eq "$2-$3-exit" $rc 0
	check_eq "$2-$3-all-acknowledged" "$(echo "$out" | grep -c "^$4 of $4 records acknowledged durable\$")" 1
	check_eq "$2-$3-method" "$(echo "$out" | head -n 1)" "method ${5:-msync}"
	echo "@@VT hf-per-op $2-$3-a $2-$3-b $4 $2-$3-host-flushes-per-record"
	vt_metric "$2-$3-records-per-s" "$(rate_of "$out")" records/s
	eval "rate_$3=$(rate_of "$out")"
}

records_there() { # records_there DEV_INDEX LABEL FILE RECORDS
	eval "mnt=\$MNT$1; dev=\$DEV$1"
	umount "$mnt" && mount -o dax,noatime "$dev" "$mnt"
	check "$2-remounted" grep -q " $mnt ext4 " /proc/mounts
	check_eq "$2-records-after-remount" "$(asyncprobe check "$mnt/$3" "$4")" "bad 0"
}

for d in 0 1; do
	[ $d = 0 ] && label=intree || label=vpmem
	run $d $label async "$N"
	echo "@@VT expect-hf-per-op $label-async-a $label-async-b $N le 0.2 $label-async-at-most-0.2-host-flushes-per-record"
	expect_hf "$label-async-a" "$label-async-b" gt 0 "$label-async-persist-reached-host"
	records_there $d "$label-async" log-async "$N"
	run $d $label sync "$NSYNC"
	vt_metric "$label-async-over-sync" "$(awk "BEGIN { printf \"%.1f\", $rate_async / ($rate_sync + 0.001) }")" x
	vt_info "$label: async $rate_async records/s, sync $rate_sync records/s"
	check "$label-async-at-least-2x-sync" test "$rate_async" -ge $((2 * rate_sync))
done

# Device dax on vpmem: the host-flush method.
run 2 devdax async "$N" host-flush
echo "@@VT expect-hf-per-op devdax-async-a devdax-async-b $N le 0.2 devdax-async-at-most-0.2-host-flushes-per-record"
expect_hf devdax-async-a devdax-async-b gt 0 devdax-async-persist-reached-host
check_eq devdax-async-records-there "$(asyncprobe check "$DAX2" "$N")" "bad 0"
run 2 devdax sync "$NSYNC" host-flush
vt_metric devdax-async-over-sync "$(awk "BEGIN { printf \"%.1f\", $rate_async / ($rate_sync + 0.001) }")" x
vt_info "devdax: async $rate_async records/s, sync $rate_sync records/s"
check devdax-async-at-least-2x-sync test "$rate_async" -ge $((2 * rate_sync))

# A failing host flush on vpmem: the tickets fail and stay failed.
probe() { # probe LABEL PATH VPMEM_DIR METHOD
	out=$(asyncprobe "$2" "$3" 2>/tmp/probe.err)
	vt_info "$1 asyncprobe: $(echo "$out" | tr '\n' ' ') / $(tr '\n' ' ' </tmp/probe.err)"
	st() { echo "$out" | sed -n "s/^$1 //p"; }
	check_eq "$1-probe-method" "$(echo "$out" | head -n 1)" "method $4"
	check_eq "$1-ticket-before-fault-durable" "$(st before)" 0
	check_eq "$1-tickets-fail-eio" "$(st fail-wait)" -5
	check_eq "$1-poll-fails-eio" "$(st fail-poll)" -5
	check_eq "$1-ticket-before-fault-fails-after-it" "$(st fail-old)" -5
	check_eq "$1-first-failed-ticket-fails" "$(st fail-first)" -5
	check_eq "$1-submit-refused-while-pending" "$(st fail-submit)" -5
	check_eq "$1-persist-refused-while-pending" "$(st fail-persist)" -5
	check_eq "$1-device-ack-does-not-clear-map" "$(st acked-submit)" -5
	check_eq "$1-clear-returns-error" "$(st clear)" -5
	check_eq "$1-failed-ticket-stays-failed-after-clear" "$(st cleared-wait)" -5
	check_eq "$1-failed-ticket-poll-after-clear" "$(st cleared-poll)" -5
	check_eq "$1-rewritten-records-durable" "$(st new-wait)" 0
	check_eq "$1-rewritten-records-poll" "$(st new-poll)" 1
	check_eq "$1-failed-ticket-still-failed" "$(st still-failed)" -5
}
probe devdax-fail "$DAX2" "$VPMEM2" host-flush
probe blockdev-fail "$DEV3" "$VPMEM3" msync
vt_no_kernel_splat no-kernel-splat
