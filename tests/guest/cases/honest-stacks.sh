# Honesty (issue 8.1): files on a partition of a virtio-pmem disk and on
# device mapper (dm-linear) over one are resolved down to the pmem
# namespace (not "not pmem"): buffered, msync, and their persists reach the
# host; the hazards of the stack (nobarrier on the partition's file system,
# write through on the dm queue) are refused.
# vt: devices=256M,256M mode=fsdax timeout=180

# A partition (busybox fdisk: one primary partition, whole disk).
printf 'n\np\n1\n\n\nw\n' | fdisk "$DEV0" >/dev/null 2>&1
vt_wait_file "${DEV0}p1" 50
check partition-exists test -b "${DEV0}p1"
vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "${DEV0}p1"
mkdir -p /mnt/part
check mount-partition mount -o noatime "${DEV0}p1" /mnt/part
f=/mnt/part/log
check_eq partition-map "$(persisttool map "$f")" "method=msync granularity=page"
check_rc partition-check-durable 0 vpmemctl check "$f"
out=$(vpmemctl check "$f")
d=$(basename "$DEV0")
case "$out" in
*"stack:     ${d}p1 > $d"*"pmem:      yes"*"buffered:  yes"*) vt_ok partition-resolved-to-pmem ;;
*) vt_fail partition-resolved-to-pmem "got: $out" ;;
esac
sync
persisttool persist "$f" 1
expect_hf p0-a p0-b ge 1 partition-persist-reaches-host
check remount-nobarrier mount -o remount,nobarrier /mnt/part
check_rc partition-nobarrier-refused 95 persisttool map "$f"

# Device mapper, linear over the second disk.
sectors=$(blockdev --getsz "$DEV1")
check dm-create dmsetup create --noudevsync vp1 --table "0 $sectors linear $DEV1 0"
dmsetup mknodes >/dev/null 2>&1
check dm-node test -b /dev/mapper/vp1
vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/vp1
mkdir -p /mnt/dm
check mount-dm mount -o noatime /dev/mapper/vp1 /mnt/dm
f=/mnt/dm/log
check_eq dm-map "$(persisttool map "$f")" "method=msync granularity=page"
check_rc dm-check-durable 0 vpmemctl check "$f"
dm=$(dmsetup info -c --noheadings -o blkdevname vp1 2>/dev/null | tr -d ' ')
vt_info "dm device: $dm"
d=$(basename "$DEV1")
out=$(vpmemctl check "$f")
case "$out" in
*"stack:     $dm > $d"*"pmem:      yes"*"buffered:  yes"*) vt_ok dm-resolved-to-pmem ;;
*) vt_fail dm-resolved-to-pmem "got: $out" ;;
esac
check_rc dm-blockdev-check 0 vpmemctl check /dev/mapper/vp1
sync
persisttool persist "$f" 1
expect_hf p0-a p0-b ge 1 dm-persist-reaches-host
check dm-write-through sh -c "echo 'write through' > /sys/block/$dm/queue/write_cache"
check_rc dm-write-through-refused 95 persisttool map "$f"
check_rc dm-write-through-check-unsafe 3 vpmemctl check "$f"
echo 'write back' > "/sys/block/$dm/queue/write_cache"
umount /mnt/dm
dmsetup remove --noudevsync vp1
