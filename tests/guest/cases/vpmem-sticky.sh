# Errors stick to everyone who overlapped them: while a host flush that
# fails (fail_next_flushes) is in flight, a flush attribute writer and an
# fsync of the block device (busybox sync DEV) start; they wait for the next host flush,
# which succeeds, and still get EIO, because stores made before the failed
# flush may be lost. A flush that starts after the failure fails too, until
# root acknowledges it (flush_errors_ack); then flushes succeed again.
# flush_errors is a monotonic count (one per failed flush), never reset.
# vt: devices=256M driver=vpmem timeout=240

knob=/sys/module/vpmem/parameters/fail_next_flushes
attr=$VPMEM0/flush
hf() { cat "$VPMEM0/host_flushes"; }
errs() { cat "$VPMEM0/flush_errors"; }
ack() { cat "$VPMEM0/flush_errors" > "$VPMEM0/flush_errors_ack"; }

try=0
done_ok=0
while [ $try -lt 3 ] && [ $done_ok = 0 ]; do
	try=$((try + 1))
	# Lots of dirty host page cache: the failing host flush (an fsync of
	# the whole backing file) then takes long enough to overlap.
	dd if=/dev/urandom of="$DEV0" bs=1M count=$((100 + 40 * try)) 2>/dev/null
	sync
	rm -f /tmp/go /tmp/*.rc /tmp/b.out
	e0=$(errs)
	h0=$(hf)
	# B (flush attribute) and C (fsync) are started now and spin on a
	# builtin test, so that they enter the kernel within a moment of "go".
	( while [ ! -e /tmp/go ]; do :; done; read e < "$VPMEM0/flush_errors"
	  echo "$e" > /tmp/b.pre; sh -c "echo 1 > $attr" > /tmp/b.out 2>&1; echo $? > /tmp/b.rc ) &
	b=$!
	# busybox's sync applet runs in this shell (no exec): fsync(DEV0).
	( while [ ! -e /tmp/go ]; do :; done
	  sync "$DEV0" 2>/dev/null; echo $? > /tmp/c.rc ) &
	c=$!
	echo 1 > "$knob"
	( echo 1 > "$attr"; echo $? > /tmp/a.rc ) 2>/dev/null &
	a=$!
	# A's request is at the host once host_flushes moves (builtin read,
	# no fork): let B and C go.
	h=$h0
	while [ "$h" = "$h0" ]; do read h < "$VPMEM0/host_flushes"; done
	: > /tmp/go
	wait $a $b $c
	if [ "$(cat /tmp/b.pre)" != "$e0" ]; then
		vt_info "try $try: the failing flush ended before B started, retrying with more data"
		ack
		continue
	fi
	done_ok=1
done
vt_metric failing-flush-latency "$(($(cat "$VPMEM0/flush_latency_max_ns") / 1000000))" ms
out=$(cat /tmp/b.out)
b=$(cat /tmp/b.rc)
check_eq overlap-set-up $done_ok 1
check_eq failing-flush-eio "$(cat /tmp/a.rc)" 1
check_eq overlapping-attr-writer-fails "$b:$out" "1:sh: write error: Input/output error"
check_eq overlapping-fsync-fails "$(cat /tmp/c.rc)" 1
check_eq one-failure-counted "$(errs)" $((e0 + 1))
check_eq knob-consumed "$(cat "$knob")" 0

# Not acknowledged yet: flushes that start now fail as well.
check_rc later-flush-fails-until-ack 1 sh -c "echo 1 > $attr"
check_rc later-fsync-fails-until-ack 5 pmemtest fsync "$DEV0"
check_eq refusals-not-counted "$(errs)" $((e0 + 1))
ack
mark after-a
check later-flush-succeeds-after-ack sh -c "echo 1 > $attr"
check_rc later-fsync-succeeds-after-ack 0 pmemtest fsync "$DEV0"
mark after-b
expect_hf after-a after-b ge 2 later-flushes-reached-host
check_eq count-unchanged-by-success "$(errs)" $((e0 + 1))

# Monotonic: three more injected failures (each acknowledged) add three.
echo 3 > "$knob"
n=0
for i in 1 2 3; do sh -c "echo 1 > $attr" 2>/dev/null || n=$((n + 1)); ack; done
check_eq three-failures-three-eio $n 3
check_eq count-grows-by-three "$(errs)" $((e0 + 4))
vt_no_kernel_splat no-kernel-splat
