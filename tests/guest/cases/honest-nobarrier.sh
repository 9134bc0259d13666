# Honesty (issue 8.1/8.2): ext4 -o dax,nobarrier on virtio-pmem drops every
# flush (case ext4-nobarrier shows 0 host flushes), so the library refuses
# to map a file there and check calls it not durable, naming the mount and
# the fix; tmpfs is memory only and refused too. Remounted with barriers,
# the same file maps and its persist reaches the host.
# vt: devices=256M fs=ext4 mount=dax,noatime,nobarrier

f=$MNT0/log
check_rc nobarrier-map-refused 95 persisttool map "$f"
out=$(persisttool map "$f" 2>&1)
case "$out" in
*"$MNT0"*nobarrier*remount*) vt_ok refusal-names-mount-and-fix ;;
*) vt_fail refusal-names-mount-and-fix "got: $out" ;;
esac
check_eq nondurable-accepted "$(persisttool map "$f" nondurable 2>/dev/null)" "method=none granularity=page"
check_rc nobarrier-check-unsafe 3 vpmemctl check "$f"
out=$(vpmemctl check "$f")
case "$out" in
*"why:"*"$MNT0"*remount*"HAZARD:    nobarrier-on-buffered"*) vt_ok check-says-why ;;
*) vt_fail check-says-why "got: $out" ;;
esac
check_eq check-json-not-durable "$(vpmemctl check --json "$f" | grep -c '"durable":false')" 1

# tmpfs (the guest's /tmp): memory only.
check_rc tmpfs-map-refused 95 persisttool map /tmp/x
check_rc tmpfs-check-unsafe 3 vpmemctl check /tmp/x
case "$(vpmemctl check /tmp/x)" in
*"why:"*"memory-only"*"HAZARD:    volatile"*) vt_ok tmpfs-check-says-volatile ;;
*) vt_fail tmpfs-check-says-volatile "got: $(vpmemctl check /tmp/x)" ;;
esac

# With barriers back, the same file is durable and persist reaches the host.
check remount-barrier mount -o remount,barrier=1 "$MNT0"
check_rc barrier-check-durable 0 vpmemctl check "$f"
check_eq barrier-map "$(persisttool map "$f")" "method=msync granularity=page"
sync
persisttool persist "$f" 1
expect_hf p0-a p0-b ge 1 barrier-persist-reaches-host
