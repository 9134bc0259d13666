# Asynchronous persist for one writer (the persist-async example of
# pmemflush_persist_submit(3)) on ext4-dax, device 0 on the in-tree
# virtio_pmem, device 1 on vpmem: N 64-byte records, each acknowledged only
# after its ticket completed, need at most 0.2 host flushes per record, at
# least one flush reaches the host, and every record is in the file after a
# remount. The same example with a synchronous persist per record gives the
# baseline (records/s reported, ratio reported). On vpmem a failing host
# flush (fail_next_flushes) fails the tickets, and they stay failed after
# the clear while rewritten records succeed (asyncprobe).
# vt: devices=256M,256M driver0=virtio_pmem driver1=vpmem fs=ext4 mount=dax,noatime timeout=420

check_eq drivers "$(basename "$(readlink "$(vt_virtio_dev 0)/driver")") $(basename "$(readlink "$(vt_virtio_dev 1)/driver")")" "virtio_pmem vpmem"
N=${ASYNC_RECORDS:-20000}
NSYNC=1000

rate_of() { echo "$1" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'; }

run() { # run DEV_INDEX LABEL MODE RECORDS
	eval "mnt=\$MNT$1"
	rm -f "$mnt/log-$3"
	sync
	mark "$2-$3-a"
	out=$(persist-async "$mnt/log-$3" "$4" "$3")
	rc=$?
	mark "$2-$3-b"
	vt_info "$2 $3: $(echo "$out" | tr '\n' ' ')"
	check_eq "$2-$3-exit" $rc 0
	check_eq "$2-$3-all-acknowledged" "$(echo "$out" | grep -c "^$4 of $4 records acknowledged durable\$")" 1
	check_eq "$2-$3-method" "$(echo "$out" | head -n 1)" "method msync"
	echo "@@VT hf-per-op $2-$3-a $2-$3-b $4 $2-$3-host-flushes-per-record"
	vt_metric "$2-$3-records-per-s" "$(rate_of "$out")" records/s
	eval "rate_$3=$(rate_of "$out")"
}

records_there() { # records_there DEV_INDEX LABEL FILE RECORDS
	eval "mnt=\$MNT$1; dev=\$DEV$1"
	umount "$mnt" && mount -o dax,noatime "$dev" "$mnt"
	check "$2-remounted" grep -q " $mnt ext4 " /proc/mounts
	bad=0
	for i in 0 1 $(($4 / 2)) $(($4 - 2)) $(($4 - 1)); do
		rec=$(dd if="$mnt/$3" bs=64 skip=$i count=1 2>/dev/null | tr -d '\000')
		[ "$rec" = "record $i" ] || { bad=$((bad + 1)); vt_info "$2: record $i is '$rec'"; }
	done
	check_eq "$2-records-after-remount" $bad 0
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
done

# A failing host flush on vpmem: the tickets fail and stay failed.
out=$(asyncprobe "$MNT1/fail" "$VPMEM1" 2>/tmp/probe.err)
vt_info "asyncprobe: $(echo "$out" | tr '\n' ' ') / $(tr '\n' ' ' </tmp/probe.err)"
st() { echo "$out" | sed -n "s/^$1 //p"; }
check_eq probe-method "$(echo "$out" | head -n 1)" "method msync"
check_eq ticket-before-fault-durable "$(st before)" 0
check_eq tickets-fail-eio "$(st fail-wait)" -5
check_eq poll-fails-eio "$(st fail-poll)" -5
check_eq ticket-before-fault-fails-after-it "$(st fail-old)" -5
check_eq first-failed-ticket-fails "$(st fail-first)" -5
check_eq submit-refused-while-pending "$(st fail-submit)" -5
check_eq persist-refused-while-pending "$(st fail-persist)" -5
check_eq device-ack-does-not-clear-map "$(st acked-submit)" -5
check_eq clear-returns-error "$(st clear)" -5
check_eq failed-ticket-stays-failed-after-clear "$(st cleared-wait)" -5
check_eq failed-ticket-poll-after-clear "$(st cleared-poll)" -5
check_eq rewritten-records-durable "$(st new-wait)" 0
check_eq rewritten-records-poll "$(st new-poll)" 1
check_eq failed-ticket-still-failed "$(st still-failed)" -5
vt_no_kernel_splat no-kernel-splat
