# vpmemctl driver: module facts through libkmod, device bindings through
# sysfs, load, the refusals (mounted namespace, open dax device, blacklist),
# and a round trip in-tree -> vpmem -> in-tree with data written before and
# read back after each rebind. list/check show the same facts as evidence.
# An install command that loads nothing is not success; a device that
# becomes busy after the first check is refused before its own unbind.
# vt: devices=256M,256M driver=virtio_pmem mode0=fsdax fs0=ext4 mount0=dax mode1=devdax timeout=300

. /vpmem/cases/vpmemctl.inc

V0=$(basename "$(vt_virtio_dev 0)")
V1=$(basename "$(vt_virtio_dev 1)")
rel=$(uname -r)
dj() { pmemtest json-get "$1" < /tmp/vd.json; }
vd() { vpmemctl driver --json > /tmp/vd.json || vt_fail driver-json "vpmemctl driver --json exited $?"; }
. /vpmem/cases/cmdout.inc
# The block device of device 0's fsdax namespace, now (numbers may change).
blk0() {
	_r=$(vt_region 0) || return 1
	for _b in /sys/bus/nd/devices/pfn${_r#region}.*/block/*; do
		[ -d "$_b" ] && echo "/dev/$(basename "$_b")" && return 0
	done
	return 1
}
dax1() {
	_r=$(vt_region 1) || return 1
	for _b in /sys/bus/nd/devices/dax${_r#region}.*/dax${_r#region}.*; do
		[ -d "$_b" ] && echo "/dev/$(basename "$_b")" && return 0
	done
	return 1
}

# 1. In-tree driver, vpmem not installed (the harness only packs /vpmem/vpmem.ko).
vd
check_eq modules "$(dj modules/#)" 2
check_eq vpmem-first "$(dj modules/0/name)" vpmem
check_eq vpmem-not-available "$(dj modules/name=vpmem/available)" false
check_eq vpmem-not-loaded "$(dj modules/name=vpmem/state)" not-loaded
check_eq virtio-pmem-available "$(dj modules/name=virtio_pmem/available)" true
check_eq virtio-pmem-live "$(dj modules/name=virtio_pmem/state)" live
check_eq virtio-pmem-matches "$(dj modules/name=virtio_pmem/matches_device)" true
check_eq virtio-pmem-refcount "$(dj modules/name=virtio_pmem/refcount)" "$(cat /sys/module/virtio_pmem/refcnt)"
check_eq devices "$(dj devices/#)" 2
check_eq dev0-driver "$(dj devices/dev=$V0/driver)" virtio_pmem
check_eq dev0-region "$(dj devices/dev=$V0/region)" "$REGION0"
check_eq dev0-bus "$(dj devices/dev=$V0/bus)" "$BUS0"
check_eq dev1-region "$(dj devices/dev=$V1/region)" "$REGION1"
check_eq dev0-modalias "$(dj devices/dev=$V0/modalias)" "$(cat /sys/bus/virtio/devices/$V0/modalias)"
check_eq dev0-advice-install "$(dj devices/dev=$V0/driver_advice/id)" install-vpmem
out table 0 vpmemctl driver
has table-module '^virtio_pmem +yes +live '
has table-device "^$V1 +virtio_pmem +$BUS1 +$REGION1\$"
out load-not-installed 1 vpmemctl driver load
# The release is matched literally (6.12.117+deb12-amd64 has a "+").
has load-not-installed-msg "module vpmem is not installed for kernel $(echo "$rel" | sed 's/[.+]/\\&/g')"

# 2. Installed where modprobe finds it: available, matches the device, and
# list/check advise binding it.
mkdir -p "/lib/modules/$rel/extra" /etc/modprobe.d
cp /vpmem/vpmem.ko "/lib/modules/$rel/extra/"
# /sbin/depmod is kmod's; busybox sh would run its own applet (text modules.dep only).
check depmod /sbin/depmod -a
vd
check_eq vpmem-available "$(dj modules/name=vpmem/available)" true
check_eq vpmem-path "$(dj modules/name=vpmem/path)" "/lib/modules/$rel/extra/vpmem.ko"
check_eq vpmem-matches "$(dj modules/name=vpmem/matches_device)" true
check_eq vpmem-file-version "$(dj modules/name=vpmem/version)" "$(modinfo -F version /vpmem/vpmem.ko)"
check_eq dev1-advice-bind "$(dj devices/dev=$V1/driver_advice/id)" bind-vpmem
vl_refresh
check_eq list-advice "$(jl "dev=$REGION1/driver_advice/id")" bind-vpmem
check list-advice-msg sh -c "pmemtest json-get 'dev=$REGION1/driver_advice/message' < /tmp/vl.json | grep -qF 'vpmem available but not bound: \`vpmemctl driver bind vpmem $V1\` gives devdax a host-flush path'"
check list-evidence sh -c "pmemtest json-get 'dev=$REGION1/driver_evidence' < /tmp/vl.json | grep -qx 'bound=virtio_pmem,vpmem=not-loaded,vpmem_available=yes,vpmem_blacklisted=no'"
check list-table-advice sh -c "vpmemctl list | grep -qF '  advice: vpmem available but not bound: \`vpmemctl driver bind vpmem $V1\`'"
vc check-devdax-in-tree 3 "$DAX1"
check_eq check-advice "$(jc driver_advice/id)" bind-vpmem
check check-table-advice sh -c "vpmemctl check $DAX1 | grep -qF 'advice:    vpmem available but not bound'"

# 3. Blacklisted by modprobe.d: shown, advised, and load refuses (3).
echo "blacklist vpmem" > /etc/modprobe.d/vpmem-test.conf
vd
check_eq vpmem-blacklisted "$(dj modules/name=vpmem/blacklisted)" true
check_eq dev0-advice-blacklisted "$(dj devices/dev=$V0/driver_advice/id)" vpmem-blacklisted
out load-blacklisted 3 vpmemctl driver load
has load-blacklisted-msg 'blacklisted by the modprobe configuration'
check_eq still-not-loaded "$(cat /sys/module/vpmem/initstate 2>/dev/null)" ""
# modprobe.d options are shown, and used by load.
echo "options vpmem fail_next_flushes=0" > /etc/modprobe.d/vpmem-test.conf
vd
check_eq vpmem-options "$(dj modules/name=vpmem/options)" fail_next_flushes=0
check_eq vpmem-not-blacklisted "$(dj modules/name=vpmem/blacklisted)" false

# 4. Load: live, with the loaded module's version and refcount.
out load 0 vpmemctl driver load vpmem
has load-msg '^vpmem: live, version '
vd
check_eq vpmem-live "$(dj modules/name=vpmem/state)" live
check_eq vpmem-version "$(dj modules/name=vpmem/version)" "$(cat /sys/module/vpmem/version)"
check_eq vpmem-refcount "$(dj modules/name=vpmem/refcount)" "$(cat /sys/module/vpmem/refcnt)"
check_eq vpmem-holders "$(dj modules/name=vpmem/holders/#)" 0
check_eq still-virtio-pmem "$(dj devices/dev=$V0/driver)" virtio_pmem
check_eq dev0-advice-loaded "$(dj devices/dev=$V0/driver_advice/id)" bind-vpmem
check dev0-advice-loaded-msg sh -c "pmemtest json-get devices/dev=$V0/driver_advice/message < /tmp/vd.json | grep -q '^vpmem loaded but not bound'"
out load-again 0 vpmemctl driver load

# 5. Usage errors and wrong devices.
out bind-no-args 2 vpmemctl driver bind
out bind-one-arg 2 vpmemctl driver bind vpmem
out bind-bad-driver 2 vpmemctl driver bind nd_pmem "$V0"
has bind-bad-driver-msg "unknown driver 'nd_pmem'"
out bind-no-device 1 vpmemctl driver bind vpmem virtio99
has bind-no-device-msg "no virtio device 'virtio99'"
out load-bad-module 2 vpmemctl driver load ext4
out bind-json 2 vpmemctl driver --json bind vpmem all
out bad-sub 2 vpmemctl driver frob
out already 0 vpmemctl driver bind virtio_pmem "$V0"
has already-msg "^$V0: already bound to virtio_pmem\$"

# 6. Refusals: a mounted namespace, an open dax device; nothing moves.
out refuse-mounted 3 vpmemctl driver bind vpmem "$V0"
has refuse-mounted-msg "$V0: refused: $REGION0's $NS0 \\($DEV0\\) is mounted on $MNT0: unmount it first"
sleep 60 < "$DAX1" &
sleeper=$!
out refuse-open 3 vpmemctl driver bind vpmem "$V1"
has refuse-open-msg "$V1: refused: $DAX1 is open by pid $sleeper \\(sleep\\): stop it first"
out refuse-all 3 vpmemctl driver bind vpmem all
has refuse-all-mounted "$V0: refused: .* is mounted on $MNT0"
has refuse-all-open "$V1: refused: $DAX1 is open by pid $sleeper"
kill $sleeper
wait $sleeper 2>/dev/null
vd
check_eq refused-left-dev0 "$(dj devices/dev=$V0/driver)" virtio_pmem
check_eq refused-left-dev1 "$(dj devices/dev=$V1/driver)" virtio_pmem

# 7. Data before: a file on ext4 and raw blocks at the end of the pmem disk
# (free space of the file system), durable before the driver goes away.
dd if=/dev/urandom of=/tmp/file.ref bs=4096 count=256 2>/dev/null
dd if=/dev/urandom of=/tmp/raw.ref bs=4096 count=16 2>/dev/null
cp /tmp/file.ref "$MNT0/data"
check fsync-file pmemtest fsync "$MNT0/data"
check umount umount "$MNT0"
raw_seek=$(($(cat /sys/class/block/${DEV0#/dev/}/size) / 8 - 16))
check raw-write dd if=/tmp/raw.ref of="$DEV0" bs=4096 seek=$raw_seek conv=fsync 2>/dev/null
# verify_data NAME: the raw blocks and the file read back as written.
verify_data() {
	_b=$(blk0) || { vt_fail "$1-blockdev" "no block device for device 0"; return; }
	dd if="$_b" of=/tmp/raw.got bs=4096 skip=$raw_seek count=16 2>/dev/null
	check "$1-raw" cmp /tmp/raw.ref /tmp/raw.got
	check "$1-mount" mount -t ext4 -o dax "$_b" "$MNT0"
	check "$1-file" cmp /tmp/file.ref "$MNT0/data"
	check "$1-umount" umount "$MNT0"
}

# 8. In-tree -> vpmem, one device, then all: verified, data intact, and
# devdax now has a host-flush path.
out bind-one 0 vpmemctl driver bind vpmem "$V0"
has bind-one-msg "^$V0: virtio_pmem -> vpmem: ndbus[0-9]+, region[0-9]+ \\(namespace[0-9.]+ fsdax pmem[0-9]+\\)\$"
check_eq bind-one-link "$(basename "$(readlink /sys/bus/virtio/devices/$V0/driver)")" vpmem
verify_data vpmem
out bind-all 0 vpmemctl driver bind vpmem all
has bind-all-already "^$V0: already bound to vpmem\$"
has bind-all-moved "^$V1: virtio_pmem -> vpmem: .*devdax dax[0-9.]+\\)\$"
vd
check_eq vpmem-dev0 "$(dj devices/dev=$V0/driver)" vpmem
check_eq vpmem-dev1 "$(dj devices/dev=$V1/driver)" vpmem
check_eq vpmem-no-advice "$(dj devices/dev=$V1/driver_advice 2>/dev/null)" ""
check_eq vpmem-refcount-bound "$(dj modules/name=vpmem/refcount)" "$(cat /sys/module/vpmem/refcnt)"
vl_refresh
r1=$(vt_region 1)
check_eq list-vpmem-driver "$(jl "dev=$r1/driver")" vpmem
check_eq list-vpmem-host-flush "$(jl "dev=$r1/host_flush")" vpmem-flush
check list-vpmem-evidence sh -c "pmemtest json-get 'dev=$r1/driver_evidence' < /tmp/vl.json | grep -qx 'bound=vpmem,vpmem=live,vpmem_available=yes,vpmem_blacklisted=no'"
d1=$(dax1)
vc check-devdax-vpmem 0 "$d1"
check_eq check-devdax-vpmem-method "$(jc persist_method)" host-flush
check_eq check-devdax-vpmem-no-advice "$(jc driver_advice 2>/dev/null)" ""

# 9. vpmem -> in-tree: the round trip ends where it began, data intact.
out back-all 0 vpmemctl driver bind virtio_pmem all
has back-all-dev0 "^$V0: vpmem -> virtio_pmem: "
has back-all-dev1 "^$V1: vpmem -> virtio_pmem: "
vd
check_eq back-dev0 "$(dj devices/dev=$V0/driver)" virtio_pmem
check_eq back-dev1 "$(dj devices/dev=$V1/driver)" virtio_pmem
verify_data in-tree
vl_refresh
check_eq list-back-advice "$(jl "dev=$(vt_region 1)/driver_advice/id")" bind-vpmem

# 10. An "install virtio_pmem COMMAND" line that does not load the module
# (libkmod runs it instead, and its success is all the probe reports; for
# vpmem, which has a soft dependency, libkmod ignores install lines): load
# and bind must not take that for a loaded module.
out to-vpmem 0 vpmemctl driver bind vpmem all
check rmmod-virtio-pmem rmmod virtio_pmem
echo "install virtio_pmem true" > /etc/modprobe.d/vpmem-test.conf
out load-install-noop 1 vpmemctl driver load virtio_pmem
has load-install-noop-msg '^vpmemctl driver load: module virtio_pmem is not loaded although loading it succeeded \(state not-loaded\): an "install virtio_pmem" command'
out bind-install-noop 1 vpmemctl driver bind virtio_pmem "$V0"
has bind-install-noop-msg 'module virtio_pmem is not loaded although loading it succeeded'
vd
check_eq install-noop-left "$(dj devices/dev=$V0/driver)" vpmem
check_eq install-noop-not-loaded "$(dj modules/name=virtio_pmem/state)" not-loaded

# 11. A device that becomes busy after the first check (here while the
# module loads: the install command opens the dax device) is checked again
# just before its own unbind: refused, while the idle one moves.
d1=$(dax1)
rm -f /tmp/opened
# The command returns only once the descriptor is open (no race with bind).
echo "install virtio_pmem /sbin/modprobe --ignore-install virtio_pmem && { sh -c 'exec 3< $d1; touch /tmp/opened; exec sleep 30' > /dev/null 2>&1 & } && while [ ! -e /tmp/opened ]; do sleep 0.1; done" > /etc/modprobe.d/vpmem-test.conf
out recheck 3 vpmemctl driver bind virtio_pmem all
has recheck-moved "^$V0: vpmem -> virtio_pmem: "
has recheck-refused "^vpmemctl driver bind: $V1: refused: $d1 is open by pid [0-9]+ \\(sleep\\): stop it first\$"
late=$(sed -n 's/.* is open by pid \([0-9]*\) (sleep).*/\1/p' /tmp/out)
[ -n "$late" ] && kill "$late"
rm -f /etc/modprobe.d/vpmem-test.conf
vd
check_eq recheck-dev0 "$(dj devices/dev=$V0/driver)" virtio_pmem
check_eq recheck-dev1 "$(dj devices/dev=$V1/driver)" vpmem
out recheck-after 0 vpmemctl driver bind virtio_pmem "$V1"

vt_no_kernel_splat no-kernel-splat
