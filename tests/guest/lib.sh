# Helpers for guest cases (busybox sh). The host reads the '@@VT' lines;
# see tests/guest/README.md for the protocol.

vt_ok() { echo "@@VT ok $1"; }
vt_fail() {
	_n=$1
	shift
	echo "@@VT fail $_n $*"
}
vt_info() { echo "@@VT info $*"; }
vt_metric() { echo "@@VT metric $*"; }

# check NAME CMD...: passes when CMD exits 0.
check() {
	_n=$1
	shift
	if "$@"; then vt_ok "$_n"; else vt_fail "$_n" "'$*' exited $?"; fi
}

# check_rc NAME RC CMD...: passes when CMD exits with status RC.
check_rc() {
	_n=$1
	_want=$2
	shift 2
	"$@"
	_rc=$?
	if [ "$_rc" -eq "$_want" ]; then vt_ok "$_n"; else vt_fail "$_n" "'$*' exited $_rc, expected $_want"; fi
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then vt_ok "$1"; else vt_fail "$1" "got '$2', expected '$3'"; fi
}

# mark LABEL: a point in time the host can count host flushes from/to.
# pmemtest drains the console so the mark reaches the host before the
# guest does anything else.
mark() { pmemtest mark "$1"; }

# expect_hf FROM TO OP N NAME: host-side check on the number of host flushes
# between two marks (OP: eq ne ge gt le lt).
expect_hf() { echo "@@VT expect-hf $1 $2 $3 $4 $5"; }

# hf_count FROM TO NAME: have the host report the count as a metric.
hf_count() { echo "@@VT hf-count $1 $2 $3"; }

# vt_get KEY INDEX: the case option KEY for device INDEX (from VT_KEYn).
vt_get() { eval "echo \"\${VT_$1$2:-}\""; }

# The virtio device of the INDEX-th virtio-pmem device (PCI order).
vt_virtio_dev() {
	_i=0
	_n=0
	while [ $_n -lt 64 ]; do
		_d=/sys/bus/virtio/devices/virtio$_n
		_n=$((_n + 1))
		[ -e "$_d/device" ] && [ "$(cat "$_d/device")" = 0x001b ] || continue
		if [ $_i -eq "$1" ]; then
			echo "$_d"
			return 0
		fi
		_i=$((_i + 1))
	done
	return 1
}

vt_count_virtio_pmem() {
	_c=0
	for _d in /sys/bus/virtio/devices/virtio*; do
		[ -e "$_d/device" ] && [ "$(cat "$_d/device")" = 0x001b ] && _c=$((_c + 1))
	done
	echo $_c
}

# vt_wait_devices N: wait (10 s at most) for N virtio-pmem devices.
vt_wait_devices() {
	_t=0
	while [ "$(vt_count_virtio_pmem)" -lt "$1" ]; do
		[ $_t -ge 100 ] && return 1
		sleep 0.1
		_t=$((_t + 1))
	done
}

# vt_wait_pmem N: wait for N regions with a pmem block device or, when a
# kept backing file brought back a devdax namespace (crash check phase),
# a dax device.
vt_wait_pmem() {
	_t=0
	while [ "$(ls /sys/bus/nd/devices | grep -c '^region')" -lt "$1" ] ||
	      [ $(($(ls /sys/block | grep -c '^pmem') +
		   $(ls /sys/bus/dax/devices 2>/dev/null | grep -c '^dax'))) -lt "$1" ]; do
		[ $_t -ge 100 ] && return 1
		sleep 0.1
		_t=$((_t + 1))
	done
}

# vt_rebind INDEX DRIVER: move a virtio-pmem device to another driver.
vt_rebind() {
	_v=$(vt_virtio_dev "$1") || return 1
	_name=$(basename "$_v")
	if [ -e "$_v/driver" ]; then
		echo "$_name" > "$_v/driver/unbind" || return 1
	fi
	echo "$_name" > "/sys/bus/virtio/drivers/$2/bind"
}

# vt_region INDEX: the nvdimm region (e.g. region1) of device INDEX.
vt_region() {
	_v=$(vt_virtio_dev "$1") || return 1
	for _r in "$_v"/ndbus*/region*; do
		[ -d "$_r" ] && basename "$_r" && return 0
	done
	return 1
}

# vt_run CMD...: run a setup command; on failure print it with its output.
vt_run() {
	_out=$("$@" 2>&1) && return 0
	_rc=$?
	echo "@@VT info '$*' failed ($_rc): $(echo "$_out" | tr '\n' ' ')"
	return $_rc
}

# vt_setup_device INDEX: namespace mode, filesystem and mount as the case
# asked; records DEVn/DAXn/MNTn/REGIONn/NSn in /run/vt.env for the case.
vt_setup_device() {
	_i=$1
	_region=$(vt_region "$_i") || { echo "no region for device $_i"; return 1; }
	_ns=namespace${_region#region}.0
	_mode=$(vt_get MODE "$_i")
	_fs=$(vt_get FS "$_i")
	_opts=$(vt_get MOUNT "$_i")
	if [ "${_mode:-raw}" != raw ]; then
		vt_run ndctl create-namespace -f -e "$_ns" -m "$_mode" || return 1
	fi
	_blk=
	_dax=
	# raw: the namespace has the disk; fsdax: its pfn device; sector: its btt.
	_r=${_region#region}
	for _b in /sys/bus/nd/devices/"$_ns"/block/* /sys/bus/nd/devices/pfn$_r.*/block/* \
		  /sys/bus/nd/devices/btt$_r.*/block/*; do
		[ -d "$_b" ] && _blk=/dev/$(basename "$_b")
	done
	for _b in /sys/bus/nd/devices/dax${_region#region}.*/dax${_region#region}.*; do
		[ -d "$_b" ] && _dax=/dev/$(basename "$_b")
	done
	_bus=$(basename "$(readlink -f "/sys/bus/nd/devices/$_region/..")")
	{
		echo "BUS$_i=$_bus"
		[ -d "/sys/bus/nd/devices/$_bus/vpmem" ] && echo "VPMEM$_i=/sys/bus/nd/devices/$_bus/vpmem"
		echo "REGION$_i=$_region"
		echo "NS$_i=$_ns"
		echo "DEV$_i=$_blk"
		echo "DAX$_i=$_dax"
	} >> /run/vt.env
	case "${_fs:-none}" in
	none) return 0 ;;
	# No lazy inode-table/journal init: its background thread writes and
	# flushes after mount, which would add host flushes to every count
	# (and consume injected faults).
	ext4) vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$_blk" ||
		return 1 ;;
	xfs) vt_run mkfs.xfs -q -f -m reflink=0 "$_blk" || return 1 ;;
	esac
	mkdir -p "/mnt/pmem$_i"
	vt_run mount -t "$_fs" ${_opts:+-o "$_opts"} "$_blk" "/mnt/pmem$_i" || return 1
	echo "MNT$_i=/mnt/pmem$_i" >> /run/vt.env
}

# vt_no_kernel_splat NAME: check that the kernel log has no oops, BUG or
# WARNING (a driver bug shows up there even when user space sees nothing).
vt_no_kernel_splat() {
	_s=$(dmesg | grep -E 'BUG:|WARNING:|Oops|general protection|hung_task|blocked for more than' | head -5)
	if [ -z "$_s" ]; then vt_ok "$1"; else vt_fail "$1" "kernel log: $(echo "$_s" | tr '\n' ' ')"; fi
}

# vt_wait_file PATH [TENTHS]: wait for PATH to exist (default 10 s).
vt_wait_file() {
	_t=0
	while [ ! -e "$1" ]; do
		[ $_t -ge "${2:-100}" ] && return 1
		sleep 0.1
		_t=$((_t + 1))
	done
}

# vt_export NAME FILE: send FILE (text or binary, up to about 1 MiB) to the
# host over the console, base64 between a begin line with its length and
# sha256 and an end line. The host writes it to its case log dir as
# export/NAME and checks it as export/NAME; a case's host script
# (cases/CASE.host) finds it in $VT_EXPORT_DIR.
vt_export() {
	case "$1" in
	'' | *[!A-Za-z0-9._-]*)
		vt_fail "export/$1" "bad export name '$1'"
		return 1 ;;
	esac
	if [ ! -f "$2" ] || [ ! -r "$2" ]; then
		vt_fail "export/$1" "cannot read '$2'"
		return 1
	fi
	_len=$(wc -c < "$2")
	_sum=$(sha256sum "$2")
	echo "@@VT export-begin $1 $((_len)) ${_sum%% *}"
	base64 "$2" | sed "s/^/@@VT export-data $1 /"
	echo "@@VT export-end $1"
}

# vt_hotplug ID SIZE: ask the host (header hotplug=N) to hot-plug a fresh
# virtio-pmem device of SIZE (e.g. 64M) with QEMU id ID; the host checks
# QEMU's answer as host/hotplug-ID. Returns once the request reached the
# host (the console drained by 'pmemtest mark'); the case then waits for
# the device itself. Run it with its output on the console.
vt_hotplug() {
	echo "@@VT hotplug $1 $2"
	pmemtest mark "vt-hotplug-$1"
}

# vt_hotunplug ID [refused]: ask the host to device_del ID; host/hotunplug-ID
# passes when QEMU accepted it or, with 'refused', only when QEMU refused.
vt_hotunplug() {
	echo "@@VT hotunplug $1${2:+ $2}"
	pmemtest mark "vt-hotunplug-$1"
}

[ -f /run/vt.env ] && . /run/vt.env
