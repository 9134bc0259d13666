# Honesty (issue 8.1/8.2): ext4 -o dax,nobarrier on virtio-pmem drops every
# flush (case ext4-nobarrier shows 0 host flushes), so the library refuses
# to map a file there and check calls it not durable, naming the mount and
# the fix, also for an unlinked (O_TMPFILE) file and through an overlayfs
# whose upper layer is there; tmpfs is memory only and refused too, also
# under overlayfs and a loop device. Remounted with barriers, the same file
# maps and its persist reaches the host; remounted nobarrier under a live
# map, the next persist fails instead of returning 0.
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

# An unlinked file: its mount is found by mount id, not by path.
check_rc tmpfile-refused 95 persisttool tmpfile "$MNT0"

# overlayfs: what counts is the upper layer, where writes go.
mkdir -p /tmp/ov/l /tmp/ov/u /tmp/ov/w /mnt/ov "$MNT0/ou" "$MNT0/ow"
check overlay-tmpfs-mount mount -t overlay overlay -o lowerdir=/tmp/ov/l,upperdir=/tmp/ov/u,workdir=/tmp/ov/w /mnt/ov
echo x > /mnt/ov/f
check_rc overlay-on-tmpfs-unsafe 3 vpmemctl check /mnt/ov/f
umount /mnt/ov
check overlay-pmem-mount mount -t overlay overlay -o "lowerdir=/tmp/ov/l,upperdir=$MNT0/ou,workdir=$MNT0/ow" /mnt/ov
echo x > /mnt/ov/g
check_rc overlay-on-nobarrier-unsafe 3 vpmemctl check /mnt/ov/g
check_rc overlay-on-nobarrier-refused 95 persisttool map /mnt/ov/g
umount /mnt/ov

# A loop device is as durable as its backing file (here on tmpfs).
dd if=/dev/zero of=/tmp/loop.img bs=1M count=32 2>/dev/null
loopdev=$(losetup -f)
check loop-attach losetup "$loopdev" /tmp/loop.img
vt_run mkfs.ext4 -q -F "$loopdev"
mkdir -p /mnt/lp
check loop-mount mount "$loopdev" /mnt/lp
echo x > /mnt/lp/f
check_rc loop-on-tmpfs-unsafe 3 vpmemctl check /mnt/lp/f
umount /mnt/lp
losetup -d "$loopdev"

# tmpfs (the guest's /tmp): memory only. A refused map creates nothing.
check_rc tmpfs-map-refused 95 persisttool map /tmp/x
check tmpfs-refusal-created-nothing test ! -e /tmp/x
echo data > /tmp/x
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

# Remounted nobarrier under a live map: the next persist fails, sticky.
out=$(persisttool change "$f" "mount -o remount,nobarrier $MNT0")
case "$out" in
*"before=0 after=-95 msg="*"remounted nobarrier"*) vt_ok remount-under-map-fails ;;
*) vt_fail remount-under-map-fails "got: $out" ;;
esac
mount -o remount,barrier=1 "$MNT0"

# Remounted nobarrier from another mount namespace: the option is the
# superblock's, so it holds here too, but this namespace's mount table
# sends no event. The map reads ext4's own options file: the next persist
# fails all the same.
out=$(persisttool change "$f" "unshare -m sh -c 'mount -o remount,nobarrier $MNT0'")
case "$out" in
*"before=0 after=-95 msg="*"remounted nobarrier"*) vt_ok remount-in-other-namespace-fails ;;
*) vt_fail remount-in-other-namespace-fails "got: $out" ;;
esac
check_eq other-namespace-remount-holds-here "$(grep -c '^nobarrier$' /proc/fs/ext4/$(basename "$DEV0")/options)" 1
mount -o remount,barrier=1 "$MNT0"

# Where ext4's options file cannot be read (hidden here by an empty
# directory mounted over /proc/fs/ext4), the map watches the mount table
# instead: a nobarrier remount in this namespace still fails the persist.
mkdir -p /tmp/empty
mount --bind /tmp/empty /proc/fs/ext4
out=$(persisttool change "$f" "mount -o remount,nobarrier $MNT0")
case "$out" in
*"before=0 after=-95 msg="*"remounted nobarrier"*) vt_ok fallback-mount-table-remount-fails ;;
*) vt_fail fallback-mount-table-remount-fails "got: $out" ;;
esac
umount /proc/fs/ext4
mount -o remount,barrier=1 "$MNT0"

# The mount under a live map is lazily detached and the same file system
# mounted again and remounted nobarrier: the map finds it by device (the
# options are the superblock's) and the next persist fails.
out=$(persisttool change "$f" "umount -l $MNT0; mkdir -p /mnt/again; mount -o noatime $DEV0 /mnt/again && mount -o remount,nobarrier /mnt/again")
case "$out" in
*"before=0 after=-95 msg="*"nobarrier"*) vt_ok detached-and-remounted-under-map-fails ;;
*) vt_fail detached-and-remounted-under-map-fails "got: $out" ;;
esac
