# vpmemctl list --format=nfd on real virtio-pmem: the Node Feature Discovery
# labels, checked here after each change of configuration and exported to
# the host, where vpmemctl-nfd.host checks every file with the parser written
# from NFD's documentation and the values each configuration must give.
# virtio-pmem is buffered: cpu-flush-durable is false in every step (CPU
# flushes, all PMDK does, never reach the host).
# 1 "mixed": device 0 on vpmem with device dax (host flush path), device 1
#   on the in-tree driver with device dax (devdax-no-host-flush), device 2
#   in-tree with ext4 -o nobarrier (nobarrier-on-buffered);
# 2 "barrier": device 2 remounted with barriers;
# 3 "vpmem": every device on vpmem: devdax-host-flush everywhere;
# 4 "failing": a failed host flush (fail_next_flushes) not acknowledged:
#   vpmem refuses that device's flushes, flush-failing=true and
#   devdax-host-flush=false; "failing-nonroot": a user who cannot read
#   flush_errors_ack says unknown, never working; "acked": root's
#   acknowledgement, flushes work again.
# --output: atomic (a new inode, no temporary file left), refused into a
# read-only and into an unwritable directory with the old file kept.
# vt: devices=128M,128M,128M driver0=vpmem mode0=devdax mode1=devdax mode2=fsdax fs2=ext4 mount2=dax,noatime,nobarrier timeout=300

. /vpmem/cases/cmdout.inc

NS=vpmem.feature.node.kubernetes.io
FD=/etc/kubernetes/node-feature-discovery/features.d

# lv FILE NAME: the value of label NAME in FILE.
lv() { sed -n "s|^$NS/$2=||p" "$1"; }

# expect STEP NAME=VALUE...: the labels of the last snapshot of STEP.
expect() {
	_s=$1
	shift
	for _kv in "$@"; do
		check_eq "$_s-${_kv%%=*}" "$(lv "/tmp/$_s.nfd" "${_kv%%=*}")" "${_kv#*=}"
	done
}

# snapshot STEP [USER]: the labels now (as USER), the driver facts and the nd devices (for
# the rule's memory.nv match), checked against each other and exported.
snapshot() {
	if [ -n "$2" ]; then
		su -s /bin/sh "$2" -c "vpmemctl list --format=nfd" > "/tmp/$1.nfd" 2> "/tmp/$1.err"
	else
		vpmemctl list --format=nfd > "/tmp/$1.nfd" 2> "/tmp/$1.err"
	fi
	check_eq "$1-exit" $? 0
	check_eq "$1-no-stderr" "$(cat "/tmp/$1.err")" ""
	sed "s/^/@@VT info $1| /" "/tmp/$1.nfd" | head -40
	vpmemctl driver --json > "/tmp/$1.driver.json"
	for _m in vpmem virtio_pmem; do
		check_eq "$1-module-$_m" "$(lv "/tmp/$1.nfd" "module.$_m")" \
			"$(pmemtest json-get "modules/name=$_m/state" < "/tmp/$1.driver.json")"
		check_eq "$1-module-$_m-installed" "$(lv "/tmp/$1.nfd" "module.$_m.installed")" \
			"$(pmemtest json-get "modules/name=$_m/available" < "/tmp/$1.driver.json")"
	done
	check_eq "$1-regions-sysfs" "$(lv "/tmp/$1.nfd" regions)" \
		"$(ls /sys/bus/nd/devices | grep -c '^region')"
	# NFD's memory source reads each nd device's devtype; the example rule
	# matches a pmem region as "nd_pmem".
	for _d in /sys/bus/nd/devices/*; do
		echo "$(basename "$_d") $(cat "$_d/devtype" 2>/dev/null) $(cat "$_d/mode" 2>/dev/null)"
	done > "/tmp/$1.nd"
	check_eq "$1-regions-are-nd_pmem" "$(grep -c '^region[0-9]* nd_pmem' "/tmp/$1.nd")" \
		"$(lv "/tmp/$1.nfd" regions)"
	vt_export "$1.nfd" "/tmp/$1.nfd"
	vt_export "$1.driver.json" "/tmp/$1.driver.json"
	vt_export "$1.nd" "/tmp/$1.nd"
}

check nobarrier-mounted sh -c "grep ' $MNT2 ext4 ' /proc/mounts | grep -q nobarrier"
check_eq device0-vpmem "$(basename "$(readlink "$(vt_virtio_dev 0)/driver")")" vpmem

# 1: mixed.
snapshot mixed
expect mixed pmem=true regions=3 buffered=true buffered-regions=3 buffered-unknown-regions=0 \
	host-flush=true host-flush-regions=1 cpu-flush-durable=false cpu-flush-durable-regions=0 \
	devdax-host-flush=false devdax-host-flush-regions=1 flush-failing=false \
	flush-failing-regions=0 unsafe=true \
	hazard.devdax-no-host-flush=true hazard.nobarrier-on-buffered=true \
	hazard.buffered-unknown=false hazard.volatile=false \
	hazard.write-through-on-buffered=false hazard.sector-on-buffered=false \
	module.vpmem=live module.virtio_pmem=live devices=3 devices.vpmem=1 \
	devices.virtio_pmem=2 devices.unbound=0 driver-advice=bind-vpmem

# --output, word for word as vpmemctl-list(1) shows it.
mkdir -p "$FD"
check output vpmemctl list --format=nfd --expiry 10m -o /etc/kubernetes/node-feature-discovery/features.d/vpmem
check_eq output-only-file "$(ls -A "$FD")" vpmem
check output-expiry sh -c "sed -n 2p $FD/vpmem | grep -Eq '^# \\+expiry-time=20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$'"
check_eq output-same-labels "$(sed 2d "$FD/vpmem" | md5sum)" "$(md5sum < /tmp/mixed.nfd)"
check_eq output-mode "$(stat -c %a "$FD/vpmem")" 644
ino=$(stat -c %i "$FD/vpmem")
check output-again vpmemctl list --format=nfd --expiry 10m -o "$FD/vpmem"
check output-new-inode test "$(stat -c %i "$FD/vpmem")" != "$ino"
check_eq output-still-only-file "$(ls -A "$FD")" vpmem
vt_export features.d-vpmem "$FD/vpmem"

# A read-only directory: refused, named, the old file kept, nothing left.
mkdir -p /mnt/ro
mount -t tmpfs tmpfs /mnt/ro
echo old > /mnt/ro/vpmem
check ro-remount mount -o remount,ro /mnt/ro
out ro-refused 1 vpmemctl list --format=nfd -o /mnt/ro/vpmem
has ro-message "^vpmemctl list: cannot create a temporary file for '/mnt/ro/vpmem': Read-only file system$"
check_eq ro-one-line "$(wc -l < /tmp/out)" 1
check_eq ro-old-kept "$(cat /mnt/ro/vpmem)" old
check_eq ro-nothing-left "$(ls -A /mnt/ro)" vpmem
umount /mnt/ro

# A directory this user may not write.
grep -q '^app:' /etc/passwd 2>/dev/null || echo "app:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd
mkdir -p /tmp/fd-root
chmod 755 /tmp/fd-root
echo old > /tmp/fd-root/vpmem
out nonroot-refused 1 su -s /bin/sh app -c "vpmemctl list --format=nfd -o /tmp/fd-root/vpmem"
has nonroot-message "cannot create a temporary file for '/tmp/fd-root/vpmem': Permission denied"
check_eq nonroot-old-kept "$(cat /tmp/fd-root/vpmem)" old
check_eq nonroot-nothing-left "$(ls -A /tmp/fd-root)" vpmem
# No directory at all, and a directory as the target.
out no-dir 1 vpmemctl list --format=nfd -o /nonexistent/features.d/vpmem
has no-dir-message "cannot open the directory of '/nonexistent/features.d/vpmem': No such file or directory"
out dir-target 1 vpmemctl list --format=nfd -o "$FD"
has dir-target-message "cannot replace '$FD': Is a directory"
check_eq dir-target-nothing-left "$(ls -A "$FD")" vpmem

# 2: barriers back on device 2: that hazard goes, device 1's stays.
check remount-barrier mount -o remount,barrier=1 "$MNT2"
snapshot barrier
expect barrier hazard.nobarrier-on-buffered=false hazard.devdax-no-host-flush=true unsafe=true \
	devdax-host-flush=false devdax-host-flush-regions=1 cpu-flush-durable=false \
	devices.virtio_pmem=2

# 3: every device on vpmem: device dax durable on every region.
umount "$MNT2"
check bind-all vpmemctl driver bind vpmem all
t=0
while [ "$(ls /sys/bus/nd/devices | grep -c '^region')" -lt 3 ] ||
      [ "$(ls /sys/bus/dax/devices 2>/dev/null | grep -c '^dax')" -lt 2 ]; do
	[ $t -ge 100 ] && break
	sleep 0.1
	t=$((t + 1))
done
check_eq vpmem-all-bound "$(for i in 0 1 2; do basename "$(readlink "$(vt_virtio_dev $i)/driver")"; done | sort -u)" vpmem
snapshot vpmem
expect vpmem pmem=true regions=3 buffered=true buffered-regions=3 host-flush=true \
	host-flush-regions=3 cpu-flush-durable=false cpu-flush-durable-regions=0 \
	devdax-host-flush=true devdax-host-flush-regions=3 flush-failing=false unsafe=false \
	hazard.devdax-no-host-flush=false hazard.nobarrier-on-buffered=false \
	module.vpmem=live devices=3 devices.vpmem=3 devices.virtio_pmem=0 devices.unbound=0 \
	driver-advice=none

# 4: a host flush of one device fails (the VPMEM_TESTING knob): vpmem
# refuses that device's flushes until root acknowledges the error.
vp=$(ls -d /sys/bus/nd/devices/ndbus*/vpmem | head -1)
knob=/sys/module/vpmem/parameters/fail_next_flushes
e0=$(cat "$vp/flush_errors")
echo 1 > "$knob"
check_rc failing-flush-eio 1 sh -c "echo 1 > $vp/flush"
check_eq failing-counted "$(cat "$vp/flush_errors")" $((e0 + 1))
check_rc failing-refused 1 sh -c "echo 1 > $vp/flush"
snapshot failing
expect failing flush-failing=true flush-failing-regions=1 devdax-host-flush=false \
	devdax-host-flush-regions=2 cpu-flush-durable=false
check_eq failing-ack-root-only "$(stat -c %a "$vp/flush_errors_ack")" 600
snapshot failing-nonroot app
expect failing-nonroot flush-failing=unknown flush-failing-regions=0 devdax-host-flush=false \
	devdax-host-flush-regions=0
cat "$vp/flush_errors" > "$vp/flush_errors_ack"
check acked-flush-works sh -c "echo 1 > $vp/flush"
snapshot acked
expect acked flush-failing=false flush-failing-regions=0 devdax-host-flush=true \
	devdax-host-flush-regions=3

vt_no_kernel_splat no-kernel-splat
