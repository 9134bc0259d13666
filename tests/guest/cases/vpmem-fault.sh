# The fault knob (fail_next_flushes) turns the next host flush into a
# failure: the flush attribute write fails with EIO, fsync on a block
# device and on ext4-dax returns EIO, flush_errors counts it. The failed
# request still goes to the host. A flush that starts after the failure is
# refused (EIO at once, nothing sent, not counted) until root writes the
# current flush_errors to flush_errors_ack; then flushes succeed again.
# flush_errors is never reset.
# vt: devices=256M,256M driver=vpmem fs0=ext4 mount=dax,noatime

knob=/sys/module/vpmem/parameters/fail_next_flushes
ack() { cat "$1/flush_errors" > "$1/flush_errors_ack"; }
check_eq knob-root-only "$(stat -c %a "$knob")" 600
sync

# Block device 1 (raw): flush attribute, then fsync.
e0=$(cat "$VPMEM1/flush_errors")
echo 1 > "$knob"
mark attr-a
out=$(sh -c "echo 1 > $VPMEM1/flush" 2>&1)
rc=$?
mark attr-b
check_rc flush-attr-fails 1 test $rc -eq 0
case "$out" in *"Input/output error"*) vt_ok flush-attr-eio ;; *) vt_fail flush-attr-eio "got: $out" ;; esac
expect_hf attr-a attr-b eq 1 failed-flush-was-sent
check_eq flush-errors-counted $(($(cat "$VPMEM1/flush_errors") - e0)) 1
check_eq knob-consumed "$(cat "$knob")" 0

# Later flushes are refused until the failure is acknowledged.
mark refused-a
out=$(sh -c "echo 1 > $VPMEM1/flush" 2>&1)
rc=$?
mark refused-b
check_eq later-flush-refused "$rc:$out" "1:sh: write error: Input/output error"
expect_hf refused-a refused-b eq 0 refused-flush-not-sent
check_rc later-fsync-refused 5 pmemtest fsync "$DEV1"
check_eq refusals-not-counted $(($(cat "$VPMEM1/flush_errors") - e0)) 1
check_eq ack-root-only "$(stat -c %a "$VPMEM1/flush_errors_ack")" 600
check_eq ack-not-yet "$(cat "$VPMEM1/flush_errors_ack")" "$e0"
check_rc ack-other-value-refused 1 sh -c "echo $((e0 + 2)) > $VPMEM1/flush_errors_ack"
check_rc still-refused 1 sh -c "echo 1 > $VPMEM1/flush"
check ack-current-value ack "$VPMEM1"
check_eq ack-reads-back "$(cat "$VPMEM1/flush_errors_ack")" $((e0 + 1))
check_eq flush-errors-not-reset $(($(cat "$VPMEM1/flush_errors") - e0)) 1
mark ok-a
check flush-attr-recovers-after-ack sh -c "echo 1 > $VPMEM1/flush"
mark ok-b
expect_hf ok-a ok-b ge 1 flush-after-ack-reached-host

check write-blockdev dd if=/dev/zero of="$DEV1" bs=4096 count=1 conv=notrunc 2>/dev/null
echo 1 > "$knob"
check_rc blockdev-fsync-eio 5 pmemtest fsync "$DEV1"
check_rc blockdev-fsync-refused-until-ack 5 pmemtest fsync "$DEV1"
ack "$VPMEM1"
check_rc blockdev-fsync-recovers-after-ack 0 pmemtest fsync "$DEV1"

# ext4-dax on device 0: fsync must report the host's failure.
check write-file pmemtest write "$MNT0/file" 4096
echo 1 > "$knob"
check_rc ext4-fsync-eio 5 pmemtest fsync "$MNT0/file"
vt_no_kernel_splat no-kernel-splat
