# Stress on the in-tree virtio_pmem driver: 3 processes x 64 threads
# persisting 64-byte records for 30 s through libpmemflush, (a) all on one
# file, (b) on three files of two file systems (ext4 and xfs, one per
# device). After each run the file systems are unmounted and mounted again
# and every record whose persist returned 0 is checked from a fresh
# mapping; no persist may fail (no fault is injected). Between the runs,
# on the idle devices: sysfs unbind/bind and rmmod / modprobe cycles
# of virtio_pmem (unbind first: libnvdimm pins it), each followed by a persist the host witnesses, and the
# records are checked again. Nothing hangs (every step is bounded), and
# the kernel logs no warning.
# vt: devices=256M,512M driver=virtio_pmem mode=fsdax fs0=ext4 fs1=xfs mount=dax,noatime timeout=420

. /vpmem/cases/stress.inc

mount_all() {
	st_wait st_blk 0 && st_wait st_blk 1 &&
		mount -t ext4 -o dax,noatime "$(st_blk 0)" "$MNT0" &&
		mount -t xfs -o dax,noatime "$(st_blk 1)" "$MNT1"
}
umount_all() { umount "$MNT0" && umount "$MNT1"; }
remount_all() { umount_all && mount_all; }
both() { st_sysfs virtio_pmem "$1" 0 && st_sysfs virtio_pmem "$1" 1; }

# cycles TAG N: N sysfs unbind/bind and N rmmod/modprobe cycles of
# both devices, each followed by a witnessed persist on each device.
cycles() {
	_i=0
	while [ $_i -lt "$2" ]; do
		_c=$1-bind$_i
		check "$_c-umount" umount_all
		check "$_c-unbind" both unbind
		check "$_c-bind" both bind
		check "$_c-mount" mount_all
		st_witness "$_c-dev0" "$MNT0/once"
		st_witness "$_c-dev1" "$MNT1/once"
		_c=$1-rmmod$_i
		check "$_c-umount" umount_all
		# libnvdimm pins the provider while its region is enabled.
		check "$_c-unbind" both unbind
		# rmmod: the guest's modprobe -r (busybox) exited 1 here although
		# it had unloaded virtio_pmem (seen on 6.1).
		check "$_c-rmmod" timeout -s KILL 60 rmmod virtio_pmem
		check "$_c-unloaded" sh -c "! grep -q '^virtio_pmem ' /proc/modules"
		check "$_c-load" timeout -s KILL 60 modprobe virtio_pmem
		check "$_c-mount" mount_all
		st_witness "$_c-dev0" "$MNT0/once"
		st_witness "$_c-dev1" "$MNT1/once"
		_i=$((_i + 1))
		ST_CYCLES=$((ST_CYCLES + 2))
	done
}

ST_CYCLES=0
dd if=/dev/zero of="$MNT0/one" bs=1M count=$((ST_SIZE >> 20)) 2>/dev/null
for f in "$MNT0/s0" "$MNT0/s1" "$MNT1/s2"; do
	dd if=/dev/zero of="$f" bs=1M count=$((ST_SIZE >> 20)) 2>/dev/null
done
dd if=/dev/zero of="$MNT0/once" bs=4096 count=1 2>/dev/null
dd if=/dev/zero of="$MNT1/once" bs=4096 count=1 2>/dev/null

# (a) one map: one file, each thread its own records.
st_run one "$MNT0/one"
st_no_failures one
check one-remount remount_all
st_verify one remount "$MNT0/one"

cycles one 1
st_verify one after-cycles "$MNT0/one"

# (b) several maps: three files on two devices and file systems.
st_run several "$MNT0/s0" "$MNT0/s1" "$MNT1/s2"
st_no_failures several
check several-remount remount_all
st_verify several remount "$MNT0/s0" "$MNT0/s1" "$MNT1/s2"

cycles several 1
st_verify several after-cycles "$MNT0/s0" "$MNT0/s1" "$MNT1/s2"
vt_metric driver-cycles "$ST_CYCLES" cycles
check no-io-errors sh -c "! dmesg | grep -iE 'I/O error|EXT4-fs error|XFS.*(error|corrupt)'"
vt_no_kernel_splat no-kernel-splat
