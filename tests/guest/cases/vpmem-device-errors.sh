# A failed host flush is device-wide (libpmemflush with vpmem.ko): the host
# reports it once, to the flush that asked, and the next flush of the same
# device succeeds. A second map in the same process, or another process,
# whose stores were in the lost write-back must still get EIO: libpmemflush
# reads vpmem's flush_errors counter after each flush (seen here when the
# failure is acknowledged before the other process flushes; unacknowledged,
# the driver itself refuses the other maps' flushes). Clearing a map's
# error does not make persist() succeed while the device's failure is not
# acknowledged (the driver refuses every flush until root writes
# flush_errors to flush_errors_ack). Checked on a raw block device (two
# maps, two processes), ext4-dax (two files) and device dax (host-flush
# method).
# vt: devices=256M,256M,256M driver=vpmem fs0=ext4 mount=dax,noatime mode2=devdax

knob=/sys/module/vpmem/parameters/fail_next_flushes
ack() { cat "$1/flush_errors" > "$1/flush_errors_ack"; }
sync

# Raw block device 1: two maps of the same device in one process. Map A's
# msync consumes the injected failure; map B's own msync is then refused by
# the driver (not acknowledged), and still after B clears its error.
e0=$(cat "$VPMEM1/flush_errors")
out=$(persisttool devfail "$DEV1" "$DEV1" "$knob")
check_eq blockdev-two-maps "$(echo "$out" | head -n 1)" \
	"a=-5 b=-5 b_again=-5 b_cleared=-5 b_after=-5"
case "$out" in
*"b_msg=msync: Input/output error"*) vt_ok blockdev-second-map-message ;;
*) vt_fail blockdev-second-map-message "got: $out" ;;
esac
check_eq blockdev-one-failure-injected $(($(cat "$VPMEM1/flush_errors") - e0)) 1
check_eq knob-consumed "$(cat "$knob")" 0
ack "$VPMEM1"
persisttool persist "$DEV1" 1 >/dev/null 2>&1
check_eq blockdev-persist-after-ack $? 0

# Two processes on device 1: the first maps and stores, then waits; the
# second's persist consumes the failure; the first's persist must fail.
rm -f /tmp/go /tmp/go.ready
persisttool devwait "$DEV1" /tmp/go > /tmp/devwait.out 2>&1 &
pid=$!
i=0
while [ ! -e /tmp/go.ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
check waiting-process-ready test -e /tmp/go.ready
echo 1 > "$knob"
persisttool persist "$DEV1" 1
check_eq other-process-own-eio $? 5
# Acknowledged: the waiting process's msync succeeds, flush_errors tells it.
ack "$VPMEM1"
touch /tmp/go
wait $pid
check_eq waiting-process-exit $? 0
out=$(cat /tmp/devwait.out)
case "$out" in
"rc=-5 msg=another flush of the same device failed"*) vt_ok blockdev-second-process-eio ;;
*) vt_fail blockdev-second-process-eio "got: $out" ;;
esac
# A map made after the failure is not blamed for it.
persisttool persist "$DEV1" 1 >/dev/null 2>&1
check_eq new-map-clean $? 0

# ext4-dax on device 0: two files, two maps, one injected failure.
out=$(persisttool devfail "$MNT0/a" "$MNT0/b" "$knob")
check_eq ext4-two-files "$(echo "$out" | head -n 1)" \
	"a=-5 b=-5 b_again=-5 b_cleared=-5 b_after=-5"
case "$out" in
*"b_msg=msync: Input/output error"*) vt_ok ext4-second-file-message ;;
*) vt_fail ext4-second-file-message "got: $out" ;;
esac
ack "$VPMEM0"
# Device dax on device 2 (host-flush method): map A's host flush fails,
# map B's host flush is refused (not acknowledged).
check_eq devdax-method "$(persisttool map "$DAX2")" "method=host-flush granularity=page"
out=$(persisttool devfail "$DAX2" "$DAX2" "$knob")
check_eq devdax-two-maps "$(echo "$out" | head -n 1)" \
	"a=-5 b=-5 b_again=-5 b_cleared=-5 b_after=-5"
case "$out" in
*"b_msg=host flush: Input/output error"*) vt_ok devdax-second-map-message ;;
*) vt_fail devdax-second-map-message "got: $out" ;;
esac
vt_no_kernel_splat no-kernel-splat
