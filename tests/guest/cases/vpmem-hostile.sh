# A hostile or broken host (test-only overrides of what the device says,
# VPMEM_TESTING build). The region: a size of zero, a start or size not
# page aligned, start + size overflowing, a range beyond what the kernel can
# map: probe refuses with a message, no region or pmem device appears, and
# rmmod works; then a plain insmod binds and flushes. The flush status: 1
# (the documented EIO) and undocumented values fail the flush with EIO (flush
# attribute, libpmemflush's persist, fsync on ext4-dax), the message names
# the value, flush_errors counts it, vpmemctl check says FAILING. A host that
# never answers (test_silent_host): the flush fails after flush_timeout
# (3 s here), later flushes fail at once without a request, unbind and
# rmmod complete, a fresh insmod works; a late answer gives the buffer back
# but leaves the device broken; a caller that queued behind a slow request
# fails alone after its own flush_timeout.
# vt: devices=256M driver=vpmem timeout=420

. /vpmem/cases/vpmemctl.inc

ko=/vpmem/vpmem.ko
knob=/sys/module/vpmem/parameters/test_flush_status
vdev=$(basename "$(vt_virtio_dev 0)")
vp() { echo "$(readlink -f "$(vt_virtio_dev 0)"/ndbus*)/vpmem"; }
ack() { cat "$(vp)/flush_errors" > "$(vp)/flush_errors_ack"; }
# Kernel log lines since mark N (dmesg line count), for one step's messages.
logn() { dmesg | wc -l; }
log_since() { dmesg | tail -n +$(($1 + 1)); }
# Centiseconds since boot.
now_cs() { read -r _u _ < /proc/uptime; echo $((${_u%.*} * 100 + 1${_u#*.} - 100)); }
nregions() { ls /sys/bus/nd/devices | grep -c '^region'; }
bound() { test -e "$(vt_virtio_dev 0)/driver"; }
# flush_attr: write the flush attribute, print "rc:message".
flush_attr() { _o=$(sh -c "echo 1 > $(vp)/flush" 2>&1); echo "$?:$_o"; }

region=$(vt_region 0)
real_start=$(cat "/sys/bus/nd/devices/$region/resource")
real_size=$(cat "/sys/bus/nd/devices/$region/size")
vt_info "device region: start $real_start size $real_size"
check_eq real-size "$real_size" 268435456

# --- The region --------------------------------------------------------
# bad NAME PARAM=VALUE MESSAGE: probe must refuse with MESSAGE. (Not _n:
# check() sets it.)
bad() {
	_bn=$1 _p=$2 _msg=$3
	check "$_bn-unbind-rmmod" sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/unbind && rmmod vpmem"
	_l=$(logn)
	check "$_bn-insmod" insmod $ko "$_p"
	sleep 1
	check "$_bn-not-bound" sh -c "! test -e $(vt_virtio_dev 0)/driver"
	check_eq "$_bn-no-region" "$(nregions)" 0
	check "$_bn-no-pmem" sh -c "! ls /sys/block | grep -q '^pmem'"
	if log_since "$_l" | grep -q "$_msg"; then vt_ok "$_bn-message"; else
		vt_fail "$_bn-message" "no '$_msg' in: $(log_since "$_l" | tail -5 | tr '\n' '|')"; fi
	check "$_bn-rmmod" rmmod vpmem
	check "$_bn-insmod-plain" insmod $ko
	check "$_bn-bound-again" vt_wait_pmem 1
	# Leave it unbound-ready for the next case: bound, as at the start.
}
start_hex=$(printf '%#x' "$real_start")
bad size-zero test_override_size=0 "invalid region: size is zero"
bad size-unaligned test_override_size=0x10000800 "invalid region: start $start_hex size 0x10000800 not page aligned"
bad start-unaligned test_override_start=$((real_start + 2048)) "size 0x10000000 not page aligned"
bad start-overflows test_override_start=0xfffffffff8000000 "invalid region: start 0xfffffffff8000000 + size 0x10000000 overflows"
bad size-overflows test_override_size=0xfffffffffffff000 "size 0xfffffffffffff000 overflows"
bad beyond-addressable test_override_start=0x7000000000000000 "outside the addressable range"
vt_metric bad-region-values 6 values

# Page aligned but not 2 MiB aligned (a shorter region): binds, with a
# warning that fsdax/devdax cannot map it.
echo "$vdev" > /sys/bus/virtio/drivers/vpmem/unbind && rmmod vpmem
l=$(logn)
check smaller-insmod insmod $ko test_override_size=0xff00000
sleep 1
check smaller-bound bound
check_eq smaller-region-size "$(cat "/sys/bus/nd/devices/$(vt_region 0)/size")" $((0xff00000))
check smaller-warned sh -c "dmesg | tail -n +$((l + 1)) | grep -q 'size 0xff00000 not 0x200000 aligned: no fsdax or devdax'"
check smaller-unbind-rmmod sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/unbind && rmmod vpmem"
check plain-insmod insmod $ko
check plain-bound vt_wait_pmem 1
check_eq plain-region-size "$(cat "/sys/bus/nd/devices/$(vt_region 0)/size")" 268435456
vt_wait_file /dev/pmem0 100
mark plain-a
check_eq plain-flush "$(flush_attr)" "0:"
mark plain-b
expect_hf plain-a plain-b eq 1 plain-flush-reached-host

# --- The flush status ---------------------------------------------------
check_eq status-knob-root-only "$(stat -c %a "$knob")" 600
check_eq status-knob-off "$(cat "$knob")" -1
# status NAME VALUE MESSAGE: the flush attribute fails with EIO although the
# request reached the host; the message; one error counted; check FAILING.
status() {
	_sn=$1 _v=$2 _msg=$3
	_e=$(cat "$(vp)/flush_errors")
	_l=$(logn)
	echo "$_v" > "$knob"
	mark "$_sn-a"
	check_eq "$_sn-attr-eio" "$(flush_attr)" "1:sh: write error: Input/output error"
	mark "$_sn-b"
	expect_hf "$_sn-a" "$_sn-b" eq 1 "$_sn-request-sent"
	if log_since "$_l" | grep -q "$_msg"; then vt_ok "$_sn-message"; else
		vt_fail "$_sn-message" "no '$_msg' in: $(log_since "$_l" | tail -5 | tr '\n' '|')"; fi
	check_eq "$_sn-counted" $(($(cat "$(vp)/flush_errors") - _e)) 1
	echo -1 > "$knob"
	# The device's own next answer would be fine: still refused, unacked.
	mark "$_sn-c"
	check_eq "$_sn-refused-until-ack" "$(flush_attr)" "1:sh: write error: Input/output error"
	mark "$_sn-d"
	expect_hf "$_sn-c" "$_sn-d" eq 0 "$_sn-refused-not-sent"
	vc "$_sn-check" 0 /dev/pmem0
	check_eq "$_sn-check-unacked" "$(jc flush_errors_unacknowledged)" 1
	ack
	check_eq "$_sn-flush-after-ack" "$(flush_attr)" "0:"
}
status status-1 1 "host flush failed, status 1 (EIO)"
status status-2 2 "host flush answered with undocumented status 0x2, failing it"
status status-deadbeef 0xdeadbeef "undocumented status 0xdeadbeef"
status status-ffffffff 4294967295 "undocumented status 0xffffffff"

# libpmemflush (raw block device): persist returns EIO, flush_errors says it.
e=$(cat "$(vp)/flush_errors")
echo 7 > "$knob"
l=$(logn)
persisttool persist /dev/pmem0 1 > /tmp/p.out 2> /tmp/p.err
check_eq persist-status-7-eio $? 5
echo -1 > "$knob"
check_eq persist-status-7-counted $(($(cat "$(vp)/flush_errors") - e)) 1
check persist-status-7-message sh -c "dmesg | tail -n +$((l + 1)) | grep -q 'undocumented status 0x7'"
vt_info "persist: $(cat /tmp/p.out /tmp/p.err | tr '\n' ' ')"
persisttool persist /dev/pmem0 1 >/dev/null 2>&1
check_eq persist-refused-until-ack $? 5
ack
persisttool persist /dev/pmem0 1 >/dev/null 2>&1
check_eq persist-after-ack $? 0

# ext4-dax: vpmemctl check on a file shows the failure; fsync gets EIO
# (last: a failed journal commit may abort the journal).
mkfs.ext4 -q -F -b 4096 /dev/pmem0 && mkdir -p /mnt/h && mount -o dax,noatime,commit=600 /dev/pmem0 /mnt/h
check fs-mounted grep -q ' /mnt/h ' /proc/mounts
check fs-write pmemtest write /mnt/h/file 4096
sync
e=$(cat "$(vp)/flush_errors")
echo 3 > "$knob"
check_rc fs-persist-status-3-eio 5 persisttool persist /mnt/h/file 1
echo -1 > "$knob"
vc fs-check-failing 0 /mnt/h/file
check_eq fs-check-unacked "$(jc flush_errors_unacknowledged)" 1
vpmemctl check /mnt/h/file > /tmp/vc.txt
check fs-check-failing-line grep -q '^flush: *FAILING' /tmp/vc.txt
ack
check fs-write-2 pmemtest write /mnt/h/file 4096
echo 1 > "$knob"
check_rc fs-fsync-status-1-eio 5 pmemtest fsync /mnt/h/file
echo -1 > "$knob"
check_eq fs-fsync-counted $(($(cat "$(vp)/flush_errors") - e)) 2
umount /mnt/h
ack
check_eq status-values-tested 6 6

# --- A host that never answers -----------------------------------------
echo 3 > /sys/module/vpmem/parameters/flush_timeout
check_eq timeout-set "$(cat /sys/module/vpmem/parameters/flush_timeout)" 3
check timeout-zero-refused sh -c "! echo 0 > /sys/module/vpmem/parameters/flush_timeout 2>/dev/null"
e=$(cat "$(vp)/flush_errors")
l=$(logn)
echo 1 > "$(vp)/test_silent_host"
t0=$(now_cs)
r=$(flush_attr)
t1=$(now_cs)
vt_metric silent-attr-flush-failed-after $((t1 - t0)) cs
check_eq silent-attr-eio "$r" "1:sh: write error: Input/output error"
check silent-attr-bounded-ge-3s test $((t1 - t0)) -ge 300
check silent-attr-bounded-le-8s test $((t1 - t0)) -le 800
check silent-message sh -c "dmesg | tail -n +$((l + 1)) | grep -q 'host has not answered a flush for 3 s (flush_timeout)'"
check silent-broken-message sh -c "dmesg | tail -n +$((l + 1)) | grep -q 'device broken (host silent)'"
check_eq silent-counted $(($(cat "$(vp)/flush_errors") - e)) 1
# Broken: later flushes fail at once, nothing is sent.
mark fast-a
t0=$(now_cs)
check_eq fast-attr-eio "$(flush_attr)" "1:sh: write error: Input/output error"
check_rc fast-fsync-eio 5 pmemtest fsync /dev/pmem0
persisttool persist /dev/pmem0 1 >/dev/null 2>&1
check_eq fast-persist-eio $? 5
t1=$(now_cs)
mark fast-b
expect_hf fast-a fast-b eq 0 fast-nothing-sent
vt_metric silent-three-later-flushes $((t1 - t0)) cs
check fast-within-5s test $((t1 - t0)) -le 500
# A broken device refuses the acknowledgment (the failure stays visible)
# and keeps failing flushes.
r=$(sh -c "cat $(vp)/flush_errors > $(vp)/flush_errors_ack" 2>&1)
check_eq broken-ack-refused "$?:$r" "1:cat: write error: Input/output error"
vc broken-check 0 /dev/pmem0
check_eq broken-check-unacked "$(jc flush_errors_unacknowledged)" 1
vpmemctl check /dev/pmem0 > /tmp/vc.txt
check broken-check-failing-line grep -q '^flush: *FAILING' /tmp/vc.txt
check_eq broken-still-fails "$(flush_attr)" "1:sh: write error: Input/output error"
l=$(logn)
t0=$(now_cs)
check silent-unbind timeout 60 sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/unbind"
check silent-rmmod timeout 60 rmmod vpmem
t1=$(now_cs)
vt_metric silent-unbind-rmmod $((t1 - t0)) cs
check silent-unbind-rmmod-le-5s test $((t1 - t0)) -le 500
check silent-buffer-left sh -c "dmesg | tail -n +$((l + 1)) | grep -q 'leaving an unanswered request'"

# The block path (uninterruptible) is bounded too.
check silent2-insmod insmod $ko flush_timeout=3
check silent2-bound vt_wait_pmem 1
vt_wait_file /dev/pmem0 100
echo 1 > "$(vp)/test_silent_host"
t0=$(now_cs)
pmemtest fsync /dev/pmem0 >/dev/null 2>&1
rc=$?
t1=$(now_cs)
vt_metric silent-fsync-failed-after $((t1 - t0)) cs
check_eq silent-fsync-eio "$rc" 5
check silent-fsync-bounded-ge-3s test $((t1 - t0)) -ge 300
check silent-fsync-bounded-le-8s test $((t1 - t0)) -le 800
# The host's late answer (test_silent_host=2 takes the answer it left in
# the ring): the buffer is back, but the device stays broken, refuses the
# acknowledgment and sends nothing; removal frees the buffer (not left).
deliver() { for _i in $(seq 50); do echo 2 > "$(vp)/test_silent_host" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
check late-answer-taken deliver
mark late-a
check_eq late-still-broken "$(flush_attr)" "1:sh: write error: Input/output error"
mark late-b
expect_hf late-a late-b eq 0 late-nothing-sent
r=$(sh -c "cat $(vp)/flush_errors > $(vp)/flush_errors_ack" 2>&1)
check_eq late-ack-refused "$?:$r" "1:cat: write error: Input/output error"
l=$(logn)
t0=$(now_cs)
check silent2-unbind timeout 60 sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/unbind"
check silent2-rmmod timeout 60 rmmod vpmem
t1=$(now_cs)
vt_metric silent2-unbind-rmmod $((t1 - t0)) cs
check late-buffer-freed sh -c "! dmesg | tail -n +$((l + 1)) | grep -q 'leaving an unanswered request'"

# Each caller's own deadline: A's request is answered late (after 3 s), so
# B, which arrived while it was in flight, waits for its own; B fails alone
# flush_timeout + 1 s after it arrived, although its request (3 s younger)
# has not timed out: no broken device, no error counted, A succeeds.
check alone-insmod insmod $ko flush_timeout=8
check alone-bound vt_wait_pmem 1
vt_wait_file /dev/pmem0 100
e=$(cat "$(vp)/flush_errors")
fr=$(cat "$(vp)/flush_requests")
l=$(logn)
# wait_requests N: until N flushes have been asked for (the caller queued).
wait_requests() { for _i in $(seq 100); do [ "$(cat "$(vp)/flush_requests")" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
echo 1 > "$(vp)/test_silent_host"
flush_attr > /tmp/alone-a.out &
apid=$!
check alone-a-queued wait_requests $((fr + 1))
(pmemtest fsync /dev/pmem0 >/dev/null 2>&1; echo $? > /tmp/alone-b.rc) &
bpid=$!
check alone-b-queued wait_requests $((fr + 2))
tb=$(now_cs)
sleep 3
check alone-a-answered deliver
wait $apid
check_eq alone-a-ok "$(cat /tmp/alone-a.out)" "0:"
wait $bpid
t1=$(now_cs)
vt_metric alone-b-failed-after $((t1 - tb)) cs
check_eq alone-b-eio "$(cat /tmp/alone-b.rc)" 5
check alone-b-ge-7s test $((t1 - tb)) -ge 700
check alone-b-le-11s test $((t1 - tb)) -le 1100
check alone-message sh -c "dmesg | tail -n +$((l + 1)) | grep -q 'flush waited 8 s for the host (flush_timeout), failing it'"
check alone-not-broken sh -c "! dmesg | tail -n +$((l + 1)) | grep -q 'device broken'"
check_eq alone-not-counted $(($(cat "$(vp)/flush_errors") - e)) 0
check alone-b-answered deliver
check alone-unbind timeout 60 sh -c "echo $vdev > /sys/bus/virtio/drivers/vpmem/unbind"
check alone-rmmod timeout 60 rmmod vpmem

check final-insmod insmod $ko
check final-bound vt_wait_pmem 1
check_eq final-timeout-default "$(cat /sys/module/vpmem/parameters/flush_timeout)" 60
mark final-a
check_eq final-flush "$(flush_attr)" "0:"
mark final-b
expect_hf final-a final-b eq 1 final-flush-reached-host
vt_no_kernel_splat no-kernel-splat
dmesg | grep -E "vpmem|virtio|nd_pmem|pmem0|EXT4|JBD2|misaligned" | sed "s/^/@@VT info dmesg| /"
