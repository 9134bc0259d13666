# A broken device (test hook test_break_device, which calls
# virtio_break_device() as a failing transport would): flushes waiting at
# that moment and every later one fail with EIO instead of hanging, the
# failure is counted, the other device is unaffected, and unbind + bind
# brings the device back.
# vt: devices=256M,256M driver=vpmem timeout=180

hook=$VPMEM1/test_break_device
check hook-present test -w "$hook"
vdev=$(basename "$(vt_virtio_dev 1)")

# ends_within TENTHS PID: the job ends in time (its status is returned).
ends_within() {
	_t=0
	while kill -0 "$2" 2>/dev/null; do
		[ $_t -ge "$1" ] && return 124
		sleep 0.1
		_t=$((_t + 1))
	done
	wait "$2"
}

e0=$(cat "$VPMEM1/flush_errors")
# Four writers on the flush attribute and one fsync loop on the block
# device; each stops at its first failure and says how.
j=0
pids=
while [ $j -lt 4 ]; do
	( while out=$(sh -c "echo 1 > $VPMEM1/flush" 2>&1); do :; done
	  echo "$out" > /tmp/w$j.out ) &
	pids="$pids $!"
	j=$((j + 1))
done
( rc=0; while [ $rc -eq 0 ]; do pmemtest fsync "$DEV1" >/dev/null 2>&1; rc=$?; done
  echo $rc > /tmp/fsync.rc ) &
pids="$pids $!"
sleep 1
# Break while a request is in flight: its answer is lost.
check break-device sh -c "echo 2 > $hook"
ok=1
for p in $pids; do ends_within 100 "$p" || ok=0; done
check_eq waiters-end-within-10s "$ok" 1
j=0
while [ $j -lt 4 ]; do
	case "$(cat /tmp/w$j.out 2>/dev/null)" in
	*"Input/output error"*) vt_ok "writer$j-eio" ;;
	*) vt_fail "writer$j-eio" "got: $(cat /tmp/w$j.out 2>/dev/null)" ;;
	esac
	j=$((j + 1))
done
check_eq fsync-loop-eio "$(cat /tmp/fsync.rc 2>/dev/null)" 5
check flush-errors-counted test "$(cat "$VPMEM1/flush_errors")" -gt "$e0"

# New flushes fail at once.
mark new-a
out=$(timeout 5 sh -c "echo 1 > $VPMEM1/flush" 2>&1)
case "$out" in *"Input/output error"*) vt_ok new-attr-flush-eio ;; *) vt_fail new-attr-flush-eio "got: $out" ;; esac
check_rc new-fsync-eio 5 timeout 5 pmemtest fsync "$DEV1"
mark new-b
expect_hf new-a new-b eq 0 nothing-sent-to-broken-device
check dmesg-says-broken sh -c "dmesg | grep -q 'device broken'"

# The other device does not care.
mark other-a
check other-device-flushes sh -c "echo 1 > $VPMEM0/flush"
mark other-b
expect_hf other-a other-b eq 1 other-device-host-flush

# Unbind (no hang: the engine does not wait for a broken device) and bind.
check unbind-broken timeout 30 sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/unbind"
check rebind sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/bind"
bus=$(basename "$(readlink -f "$(vt_virtio_dev 1)"/ndbus*)")
mark back-a
check flush-after-rebind sh -c "echo 1 > /sys/bus/nd/devices/$bus/vpmem/flush"
mark back-b
expect_hf back-a back-b eq 1 rebound-device-host-flush
vt_no_kernel_splat no-kernel-splat
