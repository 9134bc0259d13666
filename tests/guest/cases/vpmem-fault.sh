# The fault knob (fail_next_flushes) turns the next host flush into a
# failure: the flush attribute write fails with EIO, fsync on a block
# device and on ext4-dax returns EIO, flush_errors counts it, and the next
# flush succeeds again. The failed request still goes to the host.
# vt: devices=256M,256M driver=vpmem fs0=ext4 mount=dax,noatime

knob=/sys/module/vpmem/parameters/fail_next_flushes
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
check flush-attr-recovers sh -c "echo 1 > $VPMEM1/flush"

check write-blockdev dd if=/dev/zero of="$DEV1" bs=4096 count=1 conv=notrunc 2>/dev/null
echo 1 > "$knob"
check_rc blockdev-fsync-eio 5 pmemtest fsync "$DEV1"
check_rc blockdev-fsync-recovers 0 pmemtest fsync "$DEV1"

# ext4-dax on device 0: fsync must report the host's failure.
check write-file pmemtest write "$MNT0/file" 4096
echo 1 > "$knob"
check_rc ext4-fsync-eio 5 pmemtest fsync "$MNT0/file"
vt_no_kernel_splat no-kernel-splat
