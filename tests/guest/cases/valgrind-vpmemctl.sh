# Every vpmemctl command, and the examples of pmemflush_persist(3) and
# pmemflush_persist_submit(3), once under valgrind's memcheck (full leak
# check; a definite leak is an error): no error, no definite leak, and the
# documented exit status. First on the in-tree virtio_pmem driver (device 1
# is devdax without a host-flush path: check and flush refuse), then with
# device 1 bound to vpmem (counters, host flush) by `driver load` and
# `driver bind` themselves. monitor ends by --timeout, by --once and by
# SIGTERM, so valgrind gets to report. Each run's time is a metric.
# vt: devices=256M,256M driver=virtio_pmem mode0=fsdax fs0=ext4 mount0=dax mode1=devdax timeout=2400 once=1

. /vpmem/cases/valgrind.inc

V1=$(basename "$(vt_virtio_dev 1)")
rel=$(uname -r)
# The dax device of device 1, now (the region is renumbered by a rebind).
dax1() {
	_r=$(vt_region 1) || return 1
	for _b in /sys/bus/nd/devices/dax${_r#region}.*/dax${_r#region}.*; do
		[ -d "$_b" ] && echo "/dev/$(basename "$_b")" && return 0
	done
	return 1
}
# vg_bg NAME RC CMD...: vg under memcheck in the background; waits until the
# command said "watching" (monitor is ready) and sets VGPID to its pid.
vg_bg() {
	_bn=$1
	vg "$@" > /tmp/vgbg-"$_bn".console &
	VGJOB=$!
	_t=1200
	while ! grep -q "watching device events" /tmp/vg/"$_bn".out 2>/dev/null; do
		if [ $_t -le 0 ] || ! kill -0 $VGJOB 2>/dev/null; then
			# Not a pass by --timeout later: what follows (SIGTERM) would be untested.
			vt_fail "$_bn-started" "no 'watching device events': $(cat /tmp/vg/"$_bn".out)"
			break
		fi
		sleep 0.1
		_t=$((_t - 1))
	done
	VGPID=$(ls /tmp/vg/"$_bn".*.log | sed -n "s|^/tmp/vg/$_bn\.\([0-9]*\)\.log\$|\1|p" | head -1)
}
# vg_bg_end: wait for it; its check lines to the console; count the run.
vg_bg_end() {
	wait $VGJOB
	cat /tmp/vgbg-"$_bn".console
	_cs=$(sed -n "s/^@@VT metric vg-$_bn-seconds \([0-9]*\)\.\([0-9]\) s\$/\1\2/p" /tmp/vgbg-"$_bn".console)
	VG_RUNS=$((VG_RUNS + 1))
	VG_SECONDS=$((VG_SECONDS + ${_cs:-0} * 10))
}

check valgrind-in-guest test -x /usr/bin/valgrind
t0=$(vg_now)

# 1. The in-tree driver.
vg version 0 memcheck vpmemctl version
vg help-cmd 0 memcheck vpmemctl help flush
vg usage-error 2 memcheck vpmemctl list --no-such-option
vg list-table 0 memcheck vpmemctl list -u -v
# valgrind's CPU model has no hypervisor bit: the DMI vendor (QEMU) must
# still make the library say hypervisor=yes, as it does natively.
check list-under-valgrind-hypervisor grep -q 'hypervisor=yes' /tmp/vg/list-table.out
vg list-json 0 memcheck vpmemctl list --json
vg check-fsdax-json 0 memcheck vpmemctl check --json "$MNT0"
vg check-devdax-in-tree 3 memcheck vpmemctl check "$DAX1"
vg flush-fs 0 memcheck vpmemctl flush --fs "$MNT0"
vg flush-devdax-in-tree-refused 3 memcheck vpmemctl flush --json "$DAX1"
vg driver-json-in-tree 0 memcheck vpmemctl driver --json
vg metrics-in-tree 0 memcheck vpmemctl metrics
vg monitor-timeout 0 memcheck vpmemctl monitor --json --initial --timeout 2
sync
mark persist-example-a
vg persist-example 0 memcheck persist-log "$MNT0/log"
mark persist-example-b
check persist-example-msync grep -q "^method msync," /tmp/vg/persist-example.out
check persist-example-durable grep -qx "10 records durable" /tmp/vg/persist-example.out
expect_hf persist-example-a persist-example-b ge 1 persist-example-host-flushes
sync
mark persist-async-example-a
vg persist-async-example 0 memcheck persist-async "$MNT0/alog"
mark persist-async-example-b
check persist-async-example-acknowledged grep -q "records acknowledged durable" /tmp/vg/persist-async-example.out
expect_hf persist-async-example-a persist-async-example-b ge 1 persist-async-example-host-flushes
vg flush-no-such-target 1 memcheck vpmemctl flush /no/such/target
vg log-debug-list 0 memcheck vpmemctl --log debug list
vg monitor-kernel-source 0 memcheck vpmemctl monitor --source kernel --json --initial --timeout 2

# 2. vpmem: installed where modprobe finds it, loaded and bound by vpmemctl.
mkdir -p "/lib/modules/$rel/extra"
cp /vpmem/vpmem.ko "/lib/modules/$rel/extra/"
check depmod /sbin/depmod -a
vg driver-load 0 memcheck vpmemctl driver load vpmem
vg driver-bind 0 memcheck vpmemctl driver bind vpmem "$V1"
check_eq bound-vpmem "$(basename "$(readlink -f "/sys/bus/virtio/devices/$V1/driver")")" vpmem
vt_wait_file "$(dax1)" 100
D1=$(dax1)
vg driver-table-vpmem 0 memcheck vpmemctl driver
vg list-vpmem 0 memcheck vpmemctl list -v
vg check-devdax-vpmem-json 0 memcheck vpmemctl check --json "$D1"
vg flush-devdax-vpmem-json 0 memcheck vpmemctl flush --json "$D1"
vg flush-region-vpmem 0 memcheck vpmemctl flush "$(vt_region 1)"
# The persist path of the host-flush method (the examples map a file: not
# on device dax), group commit with 2 threads; the host saw its flushes.
mark persist-devdax-vpmem-a
vg persist-devdax-vpmem 0 memcheck persisttool bench "$D1" 2 5 group
mark persist-devdax-vpmem-b
check persist-devdax-vpmem-records grep -q "^records=10 " /tmp/vg/persist-devdax-vpmem.out
expect_hf persist-devdax-vpmem-a persist-devdax-vpmem-b ge 1 persist-devdax-vpmem-host-flushes
mkdir -p /tmp/prom /tmp/nfd
vg metrics-vpmem-output 0 memcheck vpmemctl metrics --output /tmp/prom --mounts=all
check metrics-file test -s /tmp/prom/vpmem.prom
vg nfd-output 0 memcheck vpmemctl list --format=nfd --output /tmp/nfd/vpmem --expiry 1h
# Device 1 (devdax, vpmem) has the host-flush path, device 0 (in-tree) not.
check nfd-file grep -q 'devdax-host-flush-regions=1$' /tmp/nfd/vpmem
check nfd-expiry grep -q '^# +expiry-time=' /tmp/nfd/vpmem
# --once: a latency event (threshold 1 ns) after a host flush ends it.
vg_bg monitor-once 0 memcheck vpmemctl monitor --json --once --latency-threshold 1ns -i 0.2 --timeout 600
while kill -0 $VGJOB 2>/dev/null; do
	vpmemctl flush "$D1" > /dev/null
	sleep 1
done
vg_bg_end
check_eq monitor-once-latency-event "$(grep '^{' /tmp/vg/monitor-once.out | head -1 | pmemtest json-get event)" latency
check_eq monitor-once-one-event "$(grep -c '^{' /tmp/vg/monitor-once.out)" 1
# SIGTERM (systemctl stop): status 0, and valgrind still reports.
vg_bg monitor-sigterm 0 memcheck vpmemctl monitor --timeout 600
kill -TERM "$VGPID"
vg_bg_end

vg_total
vt_metric vg-case-seconds "$((($(vg_now) - t0) / 100))" s
vt_no_kernel_splat no-kernel-splat
