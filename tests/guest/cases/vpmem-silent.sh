# A host that stops answering (test hook test_silent_host: the driver
# ignores the device's answers from then on, so a request stays at the
# "host"). Suspend is refused with EBUSY after the 10 s grace instead of
# resetting the device under a request the host still holds, and the device
# keeps its queue. Removal then ends every waiting flush within about 10 s
# instead of hanging: the flush attribute writer with ENXIO at once, a
# block-layer fsync with EIO once the grace is over, the unanswered
# request's buffer is left to the host.
# vt: devices=256M driver=vpmem timeout=240

hook=$VPMEM0/test_silent_host
check hook-present test -w "$hook"
check pm-test-available test -w /sys/power/pm_test
vdev=$(basename "$(vt_virtio_dev 0)")
echo devices > /sys/power/pm_test

echo 1 > "$hook"
h0=$(cat "$VPMEM0/host_flushes")
# The writer is killed once its request is at the host: a task asleep in
# a flush would make the task freezer fail the suspend (EBUSY after 20 s)
# before any driver's freeze runs. The request stays in flight.
sh -c "echo 1 > $VPMEM0/flush" 2>/dev/null &
w=$!
t=0
while [ "$(cat "$VPMEM0/host_flushes")" = "$h0" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
check request-sent test "$(cat "$VPMEM0/host_flushes")" -gt "$h0"
kill -9 $w
wait $w 2>/dev/null

t0=$(date +%s)
echo freeze > /sys/power/state 2>/tmp/pm.err
rc=$?
t1=$(date +%s)
vt_info "suspend: rc=$rc after $((t1 - t0)) s: $(cat /tmp/pm.err)"
check_eq suspend-refused "$rc" 1
case "$(cat /tmp/pm.err)" in
*"busy"*) vt_ok suspend-refused-ebusy ;;
*) vt_fail suspend-refused-ebusy "got: $(cat /tmp/pm.err)" ;;
esac
check tasks-froze sh -c "! dmesg | grep -q 'Freezing of tasks failed'"
check dmesg-refusing-to-suspend sh -c "dmesg | grep -q 'refusing to suspend'"
check suspend-refused-after-grace test $((t1 - t0)) -ge 9
check_eq nothing-failed-yet "$(cat "$VPMEM0/flush_errors")" 0
echo none > /sys/power/pm_test

# Waiting flushes: the flush attribute (ends with ENXIO when removal
# closes it) and a block-layer fsync (cannot be interrupted).
( sh -c "echo 1 > $VPMEM0/flush" 2>/tmp/a.err; echo $? > /tmp/a.rc ) &
a=$!
# A block-layer flush waits too (it cannot be interrupted).
( pmemtest fsync "$DEV0" >/dev/null 2>&1; echo $? > /tmp/f.rc ) &
f=$!
sleep 1
t0=$(date +%s)
check unbind-ends timeout 60 sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/unbind"
t1=$(date +%s)
vt_info "unbind took $((t1 - t0)) s"
check unbind-within-25s test $((t1 - t0)) -le 25
wait $a
wait $f
check_eq attr-writer-enxio "$(cat /tmp/a.rc):$(cat /tmp/a.err)" \
	"1:sh: write error: No such device or address"
check_eq fsync-eio "$(cat /tmp/f.rc)" 5
check dmesg-host-silent sh -c "dmesg | grep -q 'host silent during removal'"
check dmesg-buffer-left-to-host sh -c "dmesg | grep -q 'leaving an unanswered request'"
check rebind sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/bind"
vt_no_kernel_splat no-kernel-splat
