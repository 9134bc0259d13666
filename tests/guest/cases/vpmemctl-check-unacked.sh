# vpmemctl check on a vpmem device that refuses every flush: after a failed
# host flush (fail_next_flushes) every flush fails with EIO until root
# acknowledges (vpmem(4)). "durable" stays about the path's method, but
# check shows the failing state: a "flush: FAILING" line and the JSON
# field flush_errors_unacknowledged; both go back to 0/absent after the ack.
# vt: devices=256M driver=vpmem fs0=ext4 mount0=dax,noatime

. /vpmem/cases/vpmemctl.inc

f=$MNT0/file
pmemtest write "$f" 4096
check_eq errors-before "$(cat "$VPMEM0/flush_errors")" "$(cat "$VPMEM0/flush_errors_ack")"
vc check-healthy 0 "$f"
check_eq healthy-unacked "$(jc flush_errors_unacknowledged)" 0
check healthy-no-failing-line sh -c "! vpmemctl check '$f' | grep -q '^flush:'"

echo 1 > /sys/module/vpmem/parameters/fail_next_flushes
check_rc failed-flush 1 sh -c "echo 1 > $VPMEM0/flush" 2>/dev/null
check_rc refused-flush 1 sh -c "echo 1 > $VPMEM0/flush" 2>/dev/null
vc check-failing 0 "$f"
check_eq failing-durable "$(jc durable)" true
check_eq failing-unacked "$(jc flush_errors_unacknowledged)" 1
vpmemctl check "$f" > /tmp/vc.txt
cat /tmp/vc.txt
check failing-line grep -q '^flush: *FAILING: 1 flush error(s) unacknowledged' /tmp/vc.txt

cat "$VPMEM0/flush_errors" > "$VPMEM0/flush_errors_ack"
vc check-acked 0 "$f"
check_eq acked-unacked "$(jc flush_errors_unacknowledged)" 0
check acked-no-failing-line sh -c "! vpmemctl check '$f' | grep -q '^flush:'"
check_rc flush-after-ack 0 sh -c "echo 1 > $VPMEM0/flush"
