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
# btt's own writes reach the host without any flush request from user
# space: writing a new btt (its metadata) sends host flushes by itself.
# (Data writes to a btt device segfault the writer under this TCG guest, as
# mkfs on btt does: noted, not tested here.)
sync
mark w-a
vt_run ndctl create-namespace -f -e "$NS0" -m sector
mark w-b
expect_hf w-a w-b ge 1 btt-writes-reach-host-by-themselves
vt_wait_file "$DEV0" 50
check_rc btt-still-durable 0 vpmemctl check "$DEV0"
