# btt (sector mode) on virtio-pmem: its queue says "write through", yet no
# flush is dropped, because btt flushes every write itself (each write
# reaches the host). So a btt device is durable, not refused as a
# write-through queue on a buffered region would be.
# vt: devices=256M mode=sector

disk=$(basename "$DEV0")
check_eq btt-queue-write-through "$(cat "/sys/block/$disk/queue/write_cache")" "write through"
check_rc btt-check-durable 0 vpmemctl check "$DEV0"
case "$(vpmemctl check "$DEV0")" in
*write-through-on-buffered*) vt_fail btt-no-write-through-hazard "$(vpmemctl check "$DEV0")" ;;
*) vt_ok btt-no-write-through-hazard ;;
esac
sync
mark w-a
check write-direct dd if=/dev/zero of="$DEV0" bs=4096 count=1 oflag=direct conv=notrunc
mark w-b
expect_hf w-a w-b ge 1 btt-write-reaches-host-by-itself
