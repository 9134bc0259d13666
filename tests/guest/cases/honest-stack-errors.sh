# Device-wide failures across a stack (issue 8.5): a file on device mapper
# over two vpmem devices. A host flush of the SECOND device fails through
# another path (its flush attribute, with the fault knob); the map, made
# before, must fail its next persist although its own msync succeeds.
# vt: devices=256M,256M driver=vpmem timeout=180

sectors0=$(blockdev --getsz "$DEV0")
sectors1=$(blockdev --getsz "$DEV1")
check dm-create dmsetup create --noudevsync pair --table "0 $sectors0 linear $DEV0 0
$sectors0 $sectors1 linear $DEV1 0"
dmsetup mknodes >/dev/null 2>&1
vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/pair
mkdir -p /mnt/pair
check dm-mount mount -o noatime /dev/mapper/pair /mnt/pair
f=/mnt/pair/log
knob=/sys/module/vpmem/parameters/fail_next_flushes
# Acknowledged at once, so the map's own msync succeeds and only
# flush_errors tells it (unacknowledged, the driver would refuse the msync).
out=$(persisttool change "$f" "echo 1 > $knob; echo 1 > $VPMEM1/flush; cat $VPMEM1/flush_errors > $VPMEM1/flush_errors_ack")
vt_info "change: $out"
case "$out" in
*"before=0 after=-5 msg="*"another flush of the same device failed"*"$BUS1"*) vt_ok second-member-failure-fails-the-map ;;
*) vt_fail second-member-failure-fails-the-map "got: $out" ;;
esac
check_eq knob-consumed "$(cat "$knob")" 0
umount /mnt/pair
dmsetup remove --noudevsync pair
vt_no_kernel_splat no-kernel-splat
