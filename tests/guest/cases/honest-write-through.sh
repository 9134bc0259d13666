# Honesty (issue 8.1): a buffered pmem disk whose queue says "write through"
# has every flush dropped by the block layer (shown here: fsync reaches the
# host 0 times), so files on it and the block device itself are refused
# and called not durable, naming the attribute; "write back" restores them.
# Switched under a live map, the next persist fails instead of returning 0.
# vt: devices=256M mode=fsdax fs=ext4 mount=dax,noatime

disk=$(basename "$DEV0")
wc=/sys/block/$disk/queue/write_cache
f=$MNT0/log
check_eq write-back-at-start "$(cat "$wc")" "write back"
check_eq durable-map-before "$(persisttool map "$f")" "method=msync granularity=page"
check_rc durable-check-before 0 vpmemctl check "$f"

check set-write-through sh -c "echo 'write through' > $wc"
check write-data pmemtest write "$MNT0/g" 4096
mark wt-a
check fsync-returns-0 pmemtest fsync "$MNT0/g"
mark wt-b
expect_hf wt-a wt-b eq 0 write-through-fsync-never-reaches-host

check_rc wt-map-refused 95 persisttool map "$f"
out=$(persisttool map "$f" 2>&1)
case "$out" in
*"/sys/block/$disk/queue/write_cache"*"write back"*) vt_ok refusal-names-attribute-and-fix ;;
*) vt_fail refusal-names-attribute-and-fix "got: $out" ;;
esac
check_rc wt-check-unsafe 3 vpmemctl check "$f"
check_rc wt-blockdev-check-unsafe 3 vpmemctl check "$DEV0"
case "$(vpmemctl check "$DEV0")" in
*"write-through-on-buffered"*) vt_ok blockdev-hazard-named ;;
*) vt_fail blockdev-hazard-named "got: $(vpmemctl check "$DEV0")" ;;
esac

check set-write-back sh -c "echo 'write back' > $wc"
check_rc wb-check-durable 0 vpmemctl check "$f"
sync
persisttool persist "$f" 1
expect_hf p0-a p0-b ge 1 write-back-persist-reaches-host

out=$(persisttool change "$f" "echo 'write through' > $wc")
case "$out" in
*"before=0 after=-95 msg="*"write_cache"*"write through"*) vt_ok write-through-under-map-fails ;;
*) vt_fail write-through-under-map-fails "got: $out" ;;
esac
echo 'write back' > "$wc"
