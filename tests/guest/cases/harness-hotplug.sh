# The harness itself: a virtio-pmem device hot-plugged over QMP while the
# guest runs (vt_hotplug), found, written and flushed by the host; QEMU's
# refusal to unplug it (vt_hotunplug ... refused); files exported to the
# host (vt_export) and checked there by harness-hotplug.host.
# vt: devices=64M hotplug=1 timeout=240

# Every byte value, 1024 times (256 KiB): NULs, high bytes, no newline at the end.
i=0
while [ $i -lt 256 ]; do
	printf "\\$(printf %o $i)"
	i=$((i + 1))
done > /tmp/bytes256
: > /tmp/bytes
i=0
while [ $i -lt 1024 ]; do
	cat /tmp/bytes256
	i=$((i + 1))
done >> /tmp/bytes
check_eq bytes-size "$(wc -c < /tmp/bytes)" 262144
vt_export bytes /tmp/bytes
uname -r > /tmp/kernel
vt_export kernel /tmp/kernel
: > /tmp/empty
vt_export empty /tmp/empty

# Hot-plug: one more virtio-pmem device, a new pmem disk. The in-tree
# virtio_pmem driver (loaded by /init) binds it by itself.
ls /sys/block | grep '^pmem' > /tmp/disks-before
vt_hotplug hp0 64M
t=0
while [ "$(vt_count_virtio_pmem)" -lt 2 ] && [ $t -lt 300 ]; do
	sleep 0.1
	t=$((t + 1))
done
check_eq hp-virtio-device "$(vt_count_virtio_pmem)" 2
hp_disk=
t=0
[ "$(vt_count_virtio_pmem)" -lt 2 ] && t=300     # no device, no disk to wait for
while [ -z "$hp_disk" ] && [ $t -lt 300 ]; do
	hp_disk=$(ls /sys/block | grep '^pmem' | grep -vxF -f /tmp/disks-before | head -1)
	[ -n "$hp_disk" ] || sleep 0.1
	t=$((t + 1))
done
check hp-disk [ -n "$hp_disk" ]
if [ -n "$hp_disk" ] && vt_wait_file "/dev/$hp_disk"; then
	echo "$(($(cat "/sys/block/$hp_disk/size") * 512))" > /tmp/hp-size
	vt_export hp-size /tmp/hp-size
	hp_virtio=$(vt_virtio_dev 1)
	check_eq hp-driver "$(basename "$(readlink "$hp_virtio/driver")")" virtio_pmem
	vt_info "hot-plugged $hp_disk on $(basename "$hp_virtio")" \
		"($(basename "$(readlink -f "$hp_virtio/..")")); PCI hot-plug in dmesg:" \
		"$(dmesg | grep -iE 'pciehp|acpiphp|hotplug' | tail -4 | tr '\n' '|')"
	# A write and an fsync of the new disk: a host flush of its backing file.
	sync
	mark hp-a
	check hp-write pmemtest write "/dev/$hp_disk" 8192
	check hp-fsync pmemtest fsync "/dev/$hp_disk"
	mark hp-b
	expect_hf hp-a hp-b ge 1 hp-host-flush
	dd if="/dev/$hp_disk" of=/tmp/hp-read bs=4096 count=3 2>/dev/null
	vt_export hp-read /tmp/hp-read
fi

# QEMU 7.2 refuses device_del of a virtio-pmem device ("virtio based memory
# devices cannot be unplugged."); the device stays and keeps working.
vt_hotunplug hp0 refused
sleep 1
check hp-still-there [ -n "$hp_disk" ] && [ -e "/sys/block/$hp_disk" ]
check hp-fsync-after pmemtest fsync "/dev/$hp_disk"
vt_no_kernel_splat kernel-log
