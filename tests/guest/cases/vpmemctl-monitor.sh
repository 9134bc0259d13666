# vpmemctl monitor on real virtio-pmem devices: driver changes (unbind and
# bind, virtio_pmem <-> vpmem), a nobarrier remount (hazard appeared, then
# cleared), an injected flush error, a latency threshold, --once, --count,
# --timeout, SIGTERM, a reader that went away (EPIPE), the kernel and the
# udev event sources, and a virtio-pmem-pci device hot-added and removed
# through QEMU's monitor. The events are also exported and checked on the
# host with a real JSON parser (vpmemctl-monitor.host).
# vt: devices=256M,256M driver=vpmem mode0=fsdax fs0=ext4 mount0=dax hotplug=1 timeout=600

. /vpmem/cases/cmdout.inc

EV=/tmp/ev.json
V1=$(basename "$(vt_virtio_dev 1)")

# evl FILE PATTERN...: the lines of FILE that contain every fixed string.
evl() {
	_f=$1
	shift
	cp "$_f" /tmp/evl
	for _p in "$@"; do
		grep -F -- "$_p" /tmp/evl > /tmp/evl2
		mv /tmp/evl2 /tmp/evl
	done
	cat /tmp/evl
}
# wait_ev NAME TENTHS FILE PATTERN...: passes once such a line is in FILE.
wait_ev() {
	_n=$1 _t=$2 _wf=$3
	shift 3
	while [ -z "$(evl "$_wf" "$@")" ]; do
		if [ "$_t" -le 0 ]; then
			vt_fail "$_n" "no event with: $* (of $(wc -l < "$_wf") events)"
			return 1
		fi
		sleep 0.1
		_t=$((_t - 1))
	done
	vt_ok "$_n"
}
# ej PATH: a value of the JSON object on stdin (one event line).
ej() { head -1 | pmemtest json-get "$1"; }
# start_mon OUT ERR ARGS...: a monitor in the background; waits until it listens.
start_mon() {
	_o=$1 _e=$2
	shift 2
	vpmemctl monitor "$@" > "$_o" 2> "$_e" &
	MON=$!
	_t=300
	while ! grep -q "watching device events" "$_e"; do
		if [ $_t -le 0 ] || ! kill -0 $MON 2>/dev/null; then
			vt_info "monitor $* did not start: $(cat "$_e")"
			return 1
		fi
		sleep 0.1
		_t=$((_t - 1))
	done
}
ack0() { cat "$VPMEM0/flush_errors" > "$VPMEM0/flush_errors_ack"; }

# 0. No udevd runs in this guest: auto takes the kernel's events.
start_mon $EV /tmp/ev.err --json --timeout 500
main=$MON
check_eq source-auto-is-kernel "$(grep -o 'device events ([a-z]*)' /tmp/ev.err)" \
	"device events (kernel)"
case "$(cat /tmp/ev.err)" in
*"vpmem counters every 1 s ("*"$REGION0"*) vt_ok ready-names-counted-region ;;
*) vt_fail ready-names-counted-region "$(cat /tmp/ev.err)" ;;
esac
check_eq no-event-at-start "$(wc -l < $EV)" 0
# Asked for udev's events where no udevd runs: said, not silently nothing.
out udev-source-without-udevd 0 vpmemctl monitor --source udev --timeout 0.5
has udev-source-without-udevd-warns "no systemd-udevd seems to run"

# 1. Driver change: device 1 (raw, vpmem) to the in-tree driver and back.
vt_rebind 1 virtio_pmem
wait_ev unbind-event 200 $EV '"action":"unbind"' "\"kind\":\"virtio-pmem\",\"dev\":\"$V1\""
wait_ev bind-in-tree-event 200 $EV '"action":"bind"' \
	"\"kind\":\"virtio-pmem\",\"dev\":\"$V1\",\"devpath\"" '"driver":"virtio_pmem"'
check_eq bind-event-vdev-driver \
	"$(evl $EV '"action":"bind"' "\"dev\":\"$V1\"" | ej vdev/driver)" virtio_pmem
wait_ev remove-region-event 200 $EV '"action":"remove"' "\"kind\":\"region\",\"dev\":\"$REGION1\""
wait_ev add-region-event 200 $EV '"action":"add"' '"kind":"region"'
r1=$(vt_region 1)
wait_ev add-namespace-event 200 $EV '"action":"add"' '"kind":"namespace"'
wait_ev add-block-event 200 $EV '"action":"add"' '"kind":"pmem-block"'
# The region of the bind, as `list --json` describes it: the new driver.
wait_ev region-object-in-tree 200 $EV '"event":"device"' "\"kind\":\"region\",\"dev\":\"$r1\"" \
	'"driver":"virtio_pmem"'
# In-tree virtio_pmem has no counters: said once, not silence.
wait_ev counters-unavailable 300 $EV '"event":"counters","action":"unavailable"' \
	"\"dev\":\"$r1\""
vt_rebind 1 vpmem
wait_ev bind-vpmem-event 200 $EV '"action":"bind"' "\"dev\":\"$V1\"" '"driver":"vpmem"'
r1=$(vt_region 1)
wait_ev region-object-vpmem 200 $EV '"event":"device"' "\"kind\":\"region\",\"dev\":\"$r1\"" \
	'"driver":"vpmem"' '"host_flush":"vpmem-flush"'

# 2. A remount with nobarrier: mount event, hazard appeared (mount and
# namespace), then cleared by a remount with barriers.
check remount-nobarrier mount -o remount,nobarrier "$MNT0"
wait_ev remount-event 200 $EV '"event":"mount","action":"remount"' "\"target\":\"$MNT0\"" \
	nobarrier
check_eq remount-check-not-durable \
	"$(evl $EV '"event":"mount","action":"remount"' nobarrier | ej check/durable)" false
wait_ev hazard-nobarrier-mount 200 $EV '"event":"hazard","action":"appeared"' \
	'"id":"nobarrier-on-buffered"' "\"subject\":{\"kind\":\"mount\",\"name\":\"$MNT0\"}"
wait_ev hazard-nobarrier-namespace 200 $EV '"event":"hazard","action":"appeared"' \
	'"id":"nobarrier-on-buffered"' '"subject":{"kind":"namespace"'
# A monitor (re)started while the hazard is there says it ("present"), not
# only in an --initial snapshot: a grep for hazard events sees it.
vpmemctl monitor --json --timeout 2 > /tmp/start.json 2> /dev/null
wait_ev hazard-present-at-start 1 /tmp/start.json '"event":"hazard","action":"present"' \
	'"id":"nobarrier-on-buffered"' "\"subject\":{\"kind\":\"mount\",\"name\":\"$MNT0\"}"
# Hidden under another mount (a tmpfs over it), the nobarrier mount is still
# in the table: no umount, its hazard is not cleared by the top's verdict.
check overmount-tmpfs mount -t tmpfs tmpfs "$MNT0"
wait_ev hidden-mount-event 100 $EV '"event":"mount","action":"hidden"' "\"target\":\"$MNT0\""
check_eq hidden-not-umounted "$(evl $EV '"action":"umount"' "\"target\":\"$MNT0\"" | wc -l)" 0
check_eq hidden-hazard-kept "$(evl $EV '"action":"cleared"' "\"name\":\"$MNT0\"" | wc -l)" 0
check overmount-removed umount "$MNT0"
wait_ev uncovered-mount-event 100 $EV '"event":"mount","action":"uncovered"' "\"target\":\"$MNT0\""
check remount-barrier mount -o remount,barrier=1 "$MNT0"
wait_ev hazard-cleared 200 $EV '"event":"hazard","action":"cleared"' \
	'"id":"nobarrier-on-buffered"' "\"name\":\"$MNT0\""

# 2b. A queue switched to "write through" makes no event: --recheck looks
# again anyway; with --recheck 0 nothing is seen.
start_mon /tmp/wt.json /tmp/wt.err --json --recheck 1 --timeout 120
wt=$MON
start_mon /tmp/wt0.json /tmp/wt0.err --json --recheck 0 --timeout 120
wt0=$MON
wc0=/sys/block/$(basename "$DEV0")/queue/write_cache
echo "write through" > "$wc0"
wait_ev write-through-seen-by-recheck 100 /tmp/wt.json '"event":"hazard","action":"appeared"' \
	'"id":"write-through-on-buffered"' "\"subject\":{\"kind\":\"mount\",\"name\":\"$MNT0\"}"
echo "write back" > "$wc0"
wait_ev write-back-cleared-by-recheck 100 /tmp/wt.json '"event":"hazard","action":"cleared"' \
	'"id":"write-through-on-buffered"'
check_eq recheck-0-sees-nothing "$(grep -c write-through /tmp/wt0.json)" 0
kill -TERM $wt $wt0
wait $wt $wt0

# 3. An injected flush error (vpmem's test knob): an error event.
e0=$(cat "$VPMEM0/flush_errors")
echo 1 > /sys/module/vpmem/parameters/fail_next_flushes
check_rc injected-flush-fails 1 sh -c "echo 1 > $VPMEM0/flush"
wait_ev error-event 50 $EV '"event":"error"' "\"dev\":\"$REGION0\""
ev=$(evl $EV '"event":"error"' "\"dev\":\"$REGION0\"")
check_eq error-event-count "$(echo "$ev" | ej flush_errors)" $((e0 + 1))
check_eq error-event-new "$(echo "$ev" | ej new_errors)" 1
check_eq error-event-region-counter "$(echo "$ev" | ej region/vpmem/flush_errors)" $((e0 + 1))
# A monitor started after the error (a restart) reports it while it is not
# acknowledged, and not after the ack.
vpmemctl monitor --json --timeout 2 > /tmp/unack.json 2> /dev/null
wait_ev error-unacked-at-start 1 /tmp/unack.json '"event":"error","action":"unacknowledged"' \
	"\"dev\":\"$REGION0\""
check_eq error-unacked-at-start-ack \
	"$(evl /tmp/unack.json '"action":"unacknowledged"' "\"dev\":\"$REGION0\"" | ej flush_errors_ack)" $e0
ack0
vpmemctl monitor --json --timeout 2 > /tmp/acked.json 2> /dev/null
check_eq error-acked-at-start-silent "$(grep -c '"event":"error"' /tmp/acked.json)" 0

# 4. Latency: threshold 1 ns, one host flush: one event, then --once ends it.
start_mon /tmp/lat.json /tmp/lat.err --json --once --latency-threshold 1ns -i 0.2 --timeout 60
lat=$MON
echo 1 > "$VPMEM0/flush"
wait $lat
check_eq once-exit-0 $? 0
check_eq once-one-line "$(wc -l < /tmp/lat.json)" 1
check_eq latency-event "$(ej event < /tmp/lat.json)" latency
check latency-avg-above-threshold test "$(ej avg_ns < /tmp/lat.json)" -gt 1
check latency-flushes-counted test "$(ej host_flushes < /tmp/lat.json)" -ge 1
check_eq latency-threshold-field "$(ej threshold_ns < /tmp/lat.json)" 1
# A threshold no flush reaches: no event, and --timeout ends with status 0.
start_mon /tmp/lat2.json /tmp/lat2.err --json --latency-threshold 100s -i 0.2 --timeout 3
echo 1 > "$VPMEM0/flush"
wait $MON
check_eq timeout-exit-0 $? 0
check_eq high-threshold-no-event "$(wc -l < /tmp/lat2.json)" 0

# 5. --count 2: exactly two events, then status 0 well before the timeout.
start_mon /tmp/cnt.json /tmp/cnt.err --json --count 2 --timeout 120
cnt=$MON
t0=$(date +%s)
# One remount is three events (the remount, a hazard on the mount and on
# its namespace): only two are written.
mount -o remount,nobarrier "$MNT0"
wait $cnt
check_eq count-exit-0 $? 0
check_eq count-two-lines "$(wc -l < /tmp/cnt.json)" 2
check count-before-timeout test $(($(date +%s) - t0)) -lt 100
mount -o remount,barrier=1 "$MNT0"

# 6. SIGTERM (systemctl stop): status 0. Human lines without --json.
start_mon /tmp/term.out /tmp/term.err --timeout 120
term=$MON
mount -o remount,nobarrier "$MNT0"
wait_ev human-remount-line 200 /tmp/term.out " mount remount /dev/" " on $MNT0 type ext4 (" \
	"nobarrier" "NOT durable"
mount -o remount,barrier=1 "$MNT0"
kill -TERM $term
wait $term
check_eq sigterm-exit-0 $? 0
check human-line-timestamp grep -Eq '^20[0-9-]{8}T[0-9:]{8}\.[0-9]{6}Z mount remount ' /tmp/term.out

# 7. A reader that went away: EPIPE ends the monitor with status 1, at once.
( while [ ! -e /tmp/stop-flush ]; do echo 1 > "$VPMEM0/flush"; sleep 0.2; done ) &
fl=$!
t0=$(date +%s)
{ vpmemctl monitor --json -i 0.1 -l 0 --timeout 60 2> /tmp/pipe.err; echo $? > /tmp/pipe.rc; } | true
: > /tmp/stop-flush
wait $fl
check_eq epipe-exit-1 "$(cat /tmp/pipe.rc)" 1
# Said by the failed write, or by POLLERR on stdout before the next write.
check epipe-says-why grep -qE "cannot write an event: Broken pipe|output was closed \(Broken pipe\)" /tmp/pipe.err
check epipe-ends-soon test $(($(date +%s) - t0)) -lt 30
# The reader went away while no event comes: POLLERR on stdout ends it too.
t0=$(date +%s)
{ vpmemctl monitor --timeout 30 2> /tmp/hup.err; echo $? > /tmp/hup.rc; } | true
check_eq quiet-closed-output-exit-1 "$(cat /tmp/hup.rc)" 1
check quiet-closed-output-ends-soon test $(($(date +%s) - t0)) -lt 15
out write-error-exit-1 1 sh -c "vpmemctl monitor --initial --timeout 10 > /dev/full"
has write-error-message "cannot write an event: No space left on device"

# 8. systemd-udevd running: auto takes udev's events, which arrive too.
check udevd-started systemd-udevd --daemon
start_mon /tmp/udev.json /tmp/udev.err --json --timeout 120
um=$MON
check_eq source-auto-is-udev "$(grep -o 'device events ([a-z]*)' /tmp/udev.err)" \
	"device events (udev)"
vt_rebind 1 vpmem
wait_ev udev-bind-event 300 /tmp/udev.json '"action":"bind"' "\"dev\":\"$V1\"" '"source":"udev"'
kill -TERM $um
wait $um
check_eq udev-monitor-exit-0 $? 0

# 8b. Not root: the kernel's events, the mount table and the counters
# (0444) are readable by anyone; a remount made by root is seen.
echo "mon:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd
# flush_errors_ack is 0600: the acknowledged error of region 0 is "unknown".
su -s /bin/sh mon -c "vpmemctl monitor --json --timeout 60 --source kernel > /tmp/nr.json 2> /tmp/nr.err" &
nr=$!
t=300
while ! grep -q watching /tmp/nr.err 2>/dev/null && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
mount -o remount,nobarrier "$MNT0"
wait_ev non-root-sees-remount 200 /tmp/nr.json '"event":"mount","action":"remount"' nobarrier
kill -TERM $nr
wait $nr
check_eq non-root-exit-0 $? 0
check_eq non-root-check-not-durable \
	"$(evl /tmp/nr.json '"action":"remount"' nobarrier | ej check/durable)" false
check non-root-error-unknown grep -q "\"dev\":\"$REGION0\".*unacknowledged or unknown" /tmp/nr.json
mount -o remount,barrier=1 "$MNT0"

# 9. The EXAMPLES of vpmemctl-monitor(1), word for word.
vpmemctl monitor --initial --timeout 3 > /tmp/ex-initial.out 2> /dev/null
check_eq ex-initial-exit-0 $? 0
check_eq ex-initial-regions "$(grep -c ' snapshot region region' /tmp/ex-initial.out)" \
	"$(ls /sys/bus/nd/devices | grep -c '^region')"
check ex-initial-mount grep -q " snapshot mount $MNT0\$" /tmp/ex-initial.out
vpmemctl monitor --json --latency-threshold 2ms --timeout 3 > /tmp/ex-lat.json
check_eq ex-latency-exit-0 $? 0
vpmemctl monitor --json --once --timeout 30 > /tmp/ex-once.json 2> /tmp/ex-once.err &
once=$!
t=300
while ! grep -q watching /tmp/ex-once.err && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
mount -o remount,nobarrier "$MNT0"
wait $once
check_eq ex-once-exit-0 $? 0
check_eq ex-once-one-event "$(wc -l < /tmp/ex-once.json)" 1
check_eq ex-once-remount "$(ej action < /tmp/ex-once.json)" remount
mount -o remount,barrier=1 "$MNT0"

# 10. Hot-plug through QEMU's monitor (QMP, from the harness): a new
# virtio-pmem-pci device appears as a virtio device bound to a driver, an
# nvdimm region, a namespace and a pmem disk; the in-tree driver that binds
# it has no counters, which is said.
vt_hotplug hp0 64M
# ("kind":"virtio-pmem" alone would also match a region object's kind.)
wait_ev hotplug-virtio-add 600 $EV '"action":"add"' '"subsystem":"virtio","devtype":null,"kind":"virtio-pmem"'
hpv=$(evl $EV '"action":"add"' '"subsystem":"virtio","devtype":null,"kind":"virtio-pmem"' | ej device/dev)
wait_ev hotplug-virtio-bind 600 $EV '"action":"bind"' "\"kind\":\"virtio-pmem\",\"dev\":\"$hpv\"" \
	'"driver":"virtio_pmem"'
check_eq hotplug-virtio-is-pmem "$(cat "/sys/bus/virtio/devices/$hpv/device")" 0x001b
wait_ev hotplug-region-add 600 $EV '"action":"add"' '"kind":"region"' '"size":67108864' \
	'"provider":"virtio-pmem"'
hpr=$(evl $EV '"action":"add"' '"kind":"region"' '"size":67108864' | ej device/dev)
check_eq hotplug-region-of-device "$(basename "$(ls -d /sys/bus/virtio/devices/$hpv/ndbus*/region* | head -1)")" "$hpr"
wait_ev hotplug-namespace-add 300 $EV '"action":"add"' '"kind":"namespace"' '"size":67108864'
wait_ev hotplug-block-add 300 $EV '"action":"add"' '"kind":"pmem-block"' '"size":67108864'
wait_ev hotplug-counters-unavailable 300 $EV '"event":"counters","action":"unavailable"' \
	"\"dev\":\"$hpr\""
# QEMU refuses to unplug virtio-pmem ("virtio based memory devices cannot
# be unplugged"): the host checks that it refused; no remove event here.
vt_hotunplug hp0 refused
sleep 3
check_eq hotunplug-refused-no-remove "$(evl $EV '"action":"remove"' "\"dev\":\"$hpv\"" | wc -l)" 0
check hotunplug-refused-device-stays test -e "/sys/bus/virtio/devices/$hpv"

# 11. Hours in minutes: no descriptor or memory growth over many events
# (a path check, a snapshot and libkmod facts each; latency events every
# 50 ms). The first rounds warm the allocator up; then three parts of 40.
start_mon /tmp/leak.json /tmp/leak.err --json -i 0.05 -l 0 --timeout 500
lk=$MON
# The fewest descriptors of five looks: one may be open for a moment (a
# sysfs read) at any instant.
fds() {
	_min=999
	for _i in 1 2 3 4 5; do
		_n=$(ls "/proc/$lk/fd" | wc -l)
		[ "$_n" -lt "$_min" ] && _min=$_n
		sleep 0.1
	done
	echo $_min
}
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$lk/status"; }
rounds() {
	_i=0
	while [ $_i -lt "$1" ]; do
		mount -o remount,nobarrier "$MNT0"
		mount -o remount,barrier=1 "$MNT0"
		echo 1 > "$VPMEM0/flush"
		_i=$((_i + 1))
	done
}
rounds 10
vt_rebind 1 vpmem
sleep 1
fd0=$(fds)
rss0=$(rss)
rounds 40
vt_rebind 1 vpmem
sleep 2
rss1=$(rss)
rounds 40
vt_rebind 1 vpmem
sleep 2
fd2=$(fds)
rss2=$(rss)
rounds 40
vt_rebind 1 vpmem
sleep 2
rss3=$(rss)
vt_metric rss-growth-third-40-rounds $((rss3 - rss2)) KiB
check leak-monitor-alive kill -0 $lk
check rss-measured test -n "$rss0" -a -n "$rss1" -a -n "$rss2"
# Growth is the failure; one fewer is a descriptor that was open for a
# moment at every look of the first count (seen once under load: 8, then 7).
vt_info "descriptors: $fd0 after warm-up, $fd2 after 80 rounds"
check no-fd-growth test "$fd2" -le "$fd0"
vt_metric rss-growth-first-40-rounds $((rss1 - rss0)) KiB
vt_metric rss-growth-next-40-rounds $((rss2 - rss1)) KiB
vt_metric rss $rss2 KiB
vt_metric leak-test-events "$(wc -l < /tmp/leak.json)" events
# A leak grows in every part; the allocator settles: seen 28-76 KiB in the
# first part, 0-44 and 0-20 KiB in the next two. A leak of 3.2 KiB or more
# per round fails (a leaked context with its discovery is far bigger); the
# margin over what was seen keeps allocator noise from failing the case.
check rss-growth-below-256k-in-80-rounds test $((rss3 - rss1)) -lt 256
kill -TERM $lk
wait $lk

# 12. A host that stops answering (vpmem's test hook test_silent_host on
# device 1): a flush stays at the host, the next waits behind it: with
# --stall 2, a latency event "stalled" names the region. Then device 1 is
# unbound (vpmem ends the waiting flushes within about 10 s).
r1=$(vt_region 1)
vp1=/sys/bus/nd/devices/$(basename "$(readlink -f "/sys/bus/nd/devices/$r1/..")")/vpmem
start_mon /tmp/stall.json /tmp/stall.err --json --stall 2 -i 0.2 --timeout 120
st=$MON
start_mon /tmp/stall0.json /tmp/stall0.err --json --stall 0 -i 0.2 --timeout 120
st0=$MON
# First an error not acknowledged: vpmem refuses the flushes at once; the
# requests rise, the host flushes do not, and that is no stall.
echo 1 > /sys/module/vpmem/parameters/fail_next_flushes
sh -c "echo 1 > $vp1/flush" 2>/dev/null
sleep 1
sh -c "echo 1 > $vp1/flush" 2>/dev/null
sh -c "echo 1 > $vp1/flush" 2>/dev/null
sleep 3
check_eq unacked-error-is-no-stall "$(grep -c '"action":"stalled"' /tmp/stall.json)" 0
cat "$vp1/flush_errors" > "$vp1/flush_errors_ack"
echo 1 > "$vp1/test_silent_host"
h0=$(cat "$vp1/host_flushes")
sh -c "echo 1 > $vp1/flush" 2>/dev/null &
w1=$!
t=0
while [ "$(cat "$vp1/host_flushes")" = "$h0" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
check stall-first-flush-sent test "$(cat "$vp1/host_flushes")" -gt "$h0"
# A request that arrived in the same --interval as the stuck flush's send
# cannot be told from one that flush served: the next one is made after
# the monitor read the send (five intervals later).
sleep 1
sh -c "echo 1 > $vp1/flush" 2>/dev/null &
w2=$!
wait_ev stall-event 150 /tmp/stall.json '"event":"latency","action":"stalled"' "\"dev\":\"$r1\""
# At least the second request waits; on a loaded host the monitor may read
# the first one's send late and count it too (seen once on 6.12: 2).
_wr=$(evl /tmp/stall.json '"action":"stalled"' | ej waiting_requests)
check stall-waiting-requests sh -c "[ '$_wr' -ge 1 ] && [ '$_wr' -le 2 ]"
check stall-after-2s test "$(evl /tmp/stall.json '"action":"stalled"' | ej since_last_host_flush_s | cut -d. -f1)" -ge 2
check_eq stall-once "$(grep -c '"action":"stalled"' /tmp/stall.json)" 1
check_eq stall-0-says-nothing "$(grep -c '"action":"stalled"' /tmp/stall0.json)" 0
kill -TERM $st $st0
wait $st $st0
check unbind-silent-device timeout 60 sh -c "echo $V1 > /sys/bus/virtio/drivers/vpmem/unbind"
kill -9 $w1 $w2 2>/dev/null
wait $w1 $w2 2>/dev/null

kill -TERM $main
wait $main
check_eq main-monitor-exit-0 $? 0
# Every line is one JSON object with an event, an action and a timestamp.
bad=0
while read -r line; do
	echo "$line" | pmemtest json-get timestamp > /dev/null 2>&1 || bad=$((bad + 1))
done < $EV
check_eq every-line-json 0 $bad
vt_metric events "$(wc -l < $EV)" lines
sed 's/^/@@VT info ev| /' $EV | cut -c1-300 | head -80
vt_export monitor-events.json $EV
vt_no_kernel_splat no-kernel-splat
