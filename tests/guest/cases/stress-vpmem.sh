# Stress on vpmem.ko: 3 processes x 64 threads persisting 64-byte records
# for 30 s through libpmemflush, (a) all on one file of ext4-dax (msync),
# (b) on several maps: two files of ext4-dax and device dax (host-flush).
# After each run ext4 is unmounted and mounted again and every record whose
# persist returned 0 is checked from a fresh mapping; no persist may fail
# and flush_errors stays 0; every 8th persist that returned 0 is witnessed
# by the driver (its count of host flushes sent grew across the call).
# Between the runs, on idle devices: sysfs unbind/bind, `vpmemctl driver
# bind` to virtio_pmem and back, and rmmod/insmod cycles, each followed by
# a persist the host witnesses.
# (c) faults: the same writers on device dax while fail_next_flushes
# fails ST_FAULTS host flushes one at a time (each acknowledged through
# flush_errors_ack by the "administrator"): every failed persist returns
# EIO (no other errno), each fault is seen by at least one caller, and
# every record whose persist returned 0 is there after an unbind/bind.
# (Records carry a random nonce per process: those run (b) left in the same
# areas of the device dax neither verify nor count as unacked_present.)
# vt: devices=256M,256M driver=vpmem mode0=fsdax fs0=ext4 mount0=dax,noatime mode1=devdax timeout=480

. /vpmem/cases/stress.inc

ST_FAULTS=3
knob=/sys/module/vpmem/parameters/fail_next_flushes
vp() { echo "/sys/bus/nd/devices/$(basename "$(readlink -f "$(vt_virtio_dev "$1")"/ndbus*)")/vpmem"; }
errs() { cat "$(vp 0)/flush_errors" "$(vp 1)/flush_errors" | tr '\n' ' '; }
mount0() { st_wait st_blk 0 && st_wait st_dax 1 && mount -t ext4 -o dax,noatime "$(st_blk 0)" "$MNT0"; }
remount0() { umount "$MNT0" && mount0; }
both() { st_sysfs "$1" "$2" 0 && st_sysfs "$1" "$2" 1; }
witness() {
	st_witness "$1-dev0" "$MNT0/once"
	st_witness "$1-dev1" "$(st_dax 1)"
}

# cycles TAG KIND...: one cycle of each KIND on both (idle) devices:
# bind (sysfs unbind/bind), vpmemctl (`vpmemctl driver bind` to
# virtio_pmem and back), rmmod (unbind, rmmod, insmod); each followed by
# witnessed persists.
cycles() {
	_tag=$1
	shift
	for _kind in "$@"; do
		_c=$_tag-$_kind
		check "$_c-umount" umount "$MNT0"
		case $_kind in
		bind)
			check "$_c-unbind" both vpmem unbind
			check "$_c-bind" both vpmem bind ;;
		vpmemctl)
			check "$_c-to-virtio-pmem" timeout -s KILL 60 vpmemctl driver bind virtio_pmem all
			check "$_c-to-vpmem" timeout -s KILL 60 vpmemctl driver bind vpmem all ;;
		rmmod)
			check "$_c-unbind" both vpmem unbind
			check "$_c-rmmod" timeout -s KILL 60 rmmod vpmem
			check "$_c-insmod" timeout -s KILL 60 insmod /vpmem/vpmem.ko ;;
		esac
		check "$_c-mount" mount0
		check_eq "$_c-bound-to-vpmem" "$(basename "$(readlink -f "$(vt_virtio_dev 0)/driver")"):$(basename "$(readlink -f "$(vt_virtio_dev 1)/driver")")" vpmem:vpmem
		witness "$_c"
		ST_CYCLES=$((ST_CYCLES + 1))
	done
}

# The fault injector (ST_DURING of run "faults"): ST_FAULTS times, fail the
# next host flush, wait (10 s at most) until the device counted it,
# acknowledge it as an administrator would, and let the writers clear
# their maps' errors. pmemstress files each EIO under the device's
# failure count read right after it (PMEMSTRESS_ERRORS).
inject() {
	sleep 3
	_k=0
	_vp=$(vp 1)
	while [ $_k -lt $ST_FAULTS ]; do
		read _e0 < "$_vp/flush_errors"
		echo 1 > "$knob"
		# Busy reads first (builtin, no fork): the sooner the ack, the
		# fewer refusals; then every 0.1 s, 10 s at most.
		_w=0
		read _e < "$_vp/flush_errors"
		while [ "$_e" = "$_e0" ] && [ $_w -lt 3000 ]; do
			read _e < "$_vp/flush_errors"
			_w=$((_w + 1))
		done
		_s=0
		while [ "$_e" = "$_e0" ] && [ $_s -lt 100 ]; do
			sleep 0.1
			read _e < "$_vp/flush_errors"
			_s=$((_s + 1))
		done
		echo "$_e" > "$_vp/flush_errors_ack"
		vt_info "fault $_k: flush_errors $_e0 -> $_e after $_w reads and ${_s}00 ms, acknowledged at $(cut -d' ' -f1 /proc/uptime) s"
		# The writers wait 100 ms after an EIO, then clear their maps.
		sleep 1
		_k=$((_k + 1))
	done
}

ST_CYCLES=0
dd if=/dev/zero of="$MNT0/one" bs=1M count=$((ST_SIZE >> 20)) 2>/dev/null
for f in "$MNT0/s0" "$MNT0/s1"; do
	dd if=/dev/zero of="$f" bs=1M count=$((ST_SIZE >> 20)) 2>/dev/null
done
dd if=/dev/zero of="$MNT0/once" bs=4096 count=1 2>/dev/null
check_eq no-flush-errors-before "$(errs)" "0 0 "

# (a) one map: one file, each thread its own records.
export PMEMSTRESS_WITNESS="$(vp 0)/host_flushes"
st_run one "$MNT0/one"
unset PMEMSTRESS_WITNESS
st_no_failures one
check_eq one-no-flush-errors "$(errs)" "0 0 "
check one-remount remount0
st_verify one remount "$MNT0/one"

cycles one bind rmmod
st_verify one after-cycles "$MNT0/one"

# (b) several maps: two files of ext4-dax and the device dax.
export PMEMSTRESS_WITNESS="$(vp 0)/host_flushes $(vp 0)/host_flushes $(vp 1)/host_flushes"
st_run several "$MNT0/s0" "$MNT0/s1" "$(st_dax 1)"
unset PMEMSTRESS_WITNESS
st_no_failures several
check_eq several-no-flush-errors "$(errs)" "0 0 "
check several-remount remount0
st_verify several remount "$MNT0/s0" "$MNT0/s1" "$(st_dax 1)"

cycles several vpmemctl rmmod
st_verify several after-cycles "$MNT0/s0" "$MNT0/s1" "$(st_dax 1)"

# (c) faults, on device dax alone: ext4 (device 0) is unmounted so that
# neither its journal nor its writers take an injected fault.
check faults-umount umount "$MNT0"
ST_SECS=15
ST_DURING=inject
export PMEMSTRESS_ERRORS="$(vp 1)/flush_errors"
export PMEMSTRESS_WITNESS="$(vp 1)/host_flushes"
st_run faults "$(st_dax 1)"
unset PMEMSTRESS_ERRORS PMEMSTRESS_WITNESS
ST_DURING=
check_eq faults-knob-consumed "$(cat "$knob")" 0
# A fault the writers did not take must not fail a later flush.
echo 0 > "$knob"
check_eq faults-counted "$(errs)" "0 $ST_FAULTS "
failed=$(st_sum faults failed)
check_eq faults-failures-are-eio "$(st_sum faults eio)" "$failed"
check faults-seen test "$failed" -ge $ST_FAULTS
# Per fault (index k: the device had counted k failures): persist calls
# that returned EIO and threads that saw it, summed over the processes.
by_fault() { # KEY K
	for _o in /tmp/st-faults/out.*; do
		tr ' ' '\n' < "$_o" | sed -n "s/^$1=//p" | cut -d, -f$(($2 + 1))
	done | awk '{ s += $1 } END { print s + 0 }'
}
check_eq faults-no-eio-without-a-failure "$(by_fault eio_by_fault 0)" 0
_k=1
while [ $_k -le $ST_FAULTS ]; do
	calls=$(by_fault eio_by_fault $_k)
	threads=$(by_fault threads_eio_by_fault $_k)
	check "fault$_k-seen-by-a-caller" test "$calls" -ge 1
	vt_metric "fault$_k-eio-calls" "$calls" calls
	vt_metric "fault$_k-eio-threads" "$threads" threads
	_k=$((_k + 1))
done
check faults-unbind both vpmem unbind
check faults-bind both vpmem bind
check faults-dax-back st_wait st_dax 1
st_verify faults after-rebind "$(st_dax 1)"
check_eq faults-after-rebind-no-errors "$(errs)" "0 0 "
check mount-back mount0
witness faults-after

vt_metric driver-cycles "$ST_CYCLES" cycles
check no-io-errors sh -c "! dmesg | grep -iE 'I/O error|EXT4-fs error'"
vt_no_kernel_splat no-kernel-splat
