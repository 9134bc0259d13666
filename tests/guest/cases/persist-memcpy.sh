# pmemflush_memcpy on ext4-dax (in-tree virtio_pmem driver): the method is
# msync (page granularity), so PMEMFLUSH_MAP_REQUIRE_CACHE_LINE and _BYTE
# refuse the map, naming the method, its granularity and what was required,
# and leave no file behind. A memcpy without NODRAIN reaches the host before
# it returns; 100 NODRAIN copies make no host flush and the one drain after
# them makes the durability point (one or two host flushes); the bytes are
# in the file after a remount.
# vt: devices=256M fs=ext4 mount=dax,noatime timeout=240

f=$MNT0/memcpy
for req in cache-line byte; do
	out=$(memtool require "$f" $req)
	rc=$?
	vt_info "require $req: $out"
	check_eq "require-$req-refused" $rc 95
	case "$out" in
	*"$f: method msync makes page granularity durable, $req granularity required"*)
		vt_ok "require-$req-message" ;;
	*) vt_fail "require-$req-message" "$out" ;;
	esac
	check "require-$req-left-no-file" test ! -e "$f"
done

# Blocks allocated and written now, so that the copies below change no
# file system metadata (no journal commit can fall between the marks).
dd if=/dev/zero of="$f" bs=1M count=1 2>/dev/null
check_eq method "$(persisttool map "$f")" "method=msync granularity=page"
sync

# Straight to the console: the marks must reach the host in real time.
memtool copy "$f" 100
check_eq copy-ok $? 0
expect_hf m0-a m0-b ge 1 memcpy-reaches-host
expect_hf m1-a m1-b eq 0 nodrain-copies-no-host-flush
expect_hf m2-a m2-b ge 1 drain-reaches-host
expect_hf m1-a m2-b le 2 nodrain-copies-and-drain-one-durability-point

umount "$MNT0"
check remount mount -o dax,noatime "$DEV0" "$MNT0"
check data-after-remount memtool verify "$f" 100
