# vpmemctl flush, every kind of target, each flush counted by QEMU's trace:
# region (by name and number), namespace, bus, /dev/pmemN, /dev/daxN.M,
# file, directory, --fs on vpmem; on the in-tree driver a region flushed
# through its block device, a partition and a file on it; the refusals
# (devdax on the in-tree driver, nobarrier, write through, tmpfs) do
# nothing (0 host flushes) and exit 3, also when they come after the
# target was resolved (flushtarget); a user who may not flush gets 4.
# vt: devices=256M,256M,256M,256M driver0=vpmem driver1=vpmem driver2=virtio_pmem driver3=virtio_pmem mode0=fsdax mode1=devdax mode2=devdax fs0=ext4 mount0=dax,noatime timeout=300

# vf NAME RC ARGS...: 'vpmemctl flush --json ARGS' must exit RC; its JSON is
# kept for jf, its stderr in /tmp/vf.err.
vf() {
	_n=$1 _rc=$2
	shift 2
	vpmemctl flush --json "$@" > /tmp/vf.json 2> /tmp/vf.err
	_got=$?
	if [ "$_got" -eq "$_rc" ]; then vt_ok "$_n"; else
		vt_fail "$_n" "'vpmemctl flush $*' exited $_got, expected $_rc: $(cat /tmp/vf.err)"
	fi
}
# jf KEY [INDEX]: a value of the last vf's result INDEX (default 0).
jf() { pmemtest json-get "${2:-0}/$1" < /tmp/vf.json; }
# counted NAME WANT: the host flushes vpmem counted in the last vf.
counted() { check_eq "$1" "$(jf host_flushes)" "$2"; }
# flushed NAME HOW ARGS...: a flush that must reach the host: exit 0,
# result ok, HOW, and at least one host flush in QEMU's trace.
flushed() {
	_n=$1 _how=$2
	shift 2
	sync
	mark "$_n-a"
	vf "$_n" 0 "$@"
	mark "$_n-b"
	expect_hf "$_n-a" "$_n-b" ge 1 "$_n-reaches-host"
	check_eq "$_n-result" "$(jf result)" ok
	check_eq "$_n-how" "$(jf how)" "$_how"
}
# refused NAME ARGS...: exit 3, result unsafe with a reason, nothing sent.
refused() {
	_n=$1
	shift
	sync
	mark "$_n-a"
	vf "$_n" 3 "$@"
	mark "$_n-b"
	expect_hf "$_n-a" "$_n-b" eq 0 "$_n-nothing-sent"
	check_eq "$_n-result" "$(jf result)" unsafe
	check_eq "$_n-how" "$(jf how)" none
	check_eq "$_n-host-flushes-null" "$(jf host_flushes)" null
	check "$_n-one-stderr-line" test "$(wc -l < /tmp/vf.err)" -eq 1
}

vt_info "devices: $REGION0 $BUS0 $NS0 $DEV0 | $REGION1 $DAX1 | $REGION2 $DAX2 | $REGION3 $DEV3"
pmemtest write "$MNT0/file" 8192
mkdir -p "$MNT0/dir"
pmemtest write "$MNT0/dir/f" 4096
sync

# vpmem, fsdax + ext4 -o dax: the host-flush attribute for region,
# namespace and bus; exactly one host flush each on a quiet device.
flushed region-name vpmem-flush "$REGION0"
check_eq region-name-device "$(jf device)" "$REGION0"
check_eq region-name-kind "$(jf kind)" region
counted region-name-counted 1
flushed region-number vpmem-flush "${REGION0#region}"
check_eq region-number-kind "$(jf kind)" region
flushed namespace vpmem-flush "$NS0"
check_eq namespace-kind "$(jf kind)" namespace
flushed bus vpmem-flush "$BUS0"
check_eq bus-kind "$(jf kind)" bus
check_eq bus-device "$(jf device)" "$REGION0"
# The counter vpmem reports matches the trace: one flush, one request.
sync
mark one-a
vf one-counted 0 "$REGION0"
mark one-b
expect_hf one-a one-b eq 1 region-flush-is-one-host-flush
counted region-flush-counted-one 1
check one-duration sh -c "[ $(jf duration_ns) -gt 0 ]"

# Block device, file, directory, --fs.
flushed blockdev fsync-blockdev "$DEV0"
check_eq blockdev-device "$(jf device)" "${DEV0#/dev/}"
check blockdev-counted sh -c "[ $(jf host_flushes) -ge 1 ]"
check write-file pmemtest write "$MNT0/file" 4096
flushed file fsync "$MNT0/file"
check file-counted sh -c "[ $(jf host_flushes) -ge 1 ]"
# A directory: ext4 commits its journal for it, when there is something to
# commit (a clean directory is already durable and sends nothing).
sync
mark dir-a
check dir-new-entry pmemtest write "$MNT0/dir/new" 4096
vf dir 0 "$MNT0/dir"
mark dir-b
expect_hf dir-a dir-b ge 1 dir-reaches-host
check_eq dir-how "$(jf how)" fsync
flushed fs fsync+syncfs --fs "$MNT0/dir/f"
# Several targets: one object each, in order.
vf several 0 "$REGION0" "$MNT0/file"
check_eq several-count "$(pmemtest json-get '#' < /tmp/vf.json)" 2
check_eq several-second "$(jf target 1)" "$MNT0/file"

# The table output.
out=$(vpmemctl flush "$REGION0" "$MNT0/file")
check_eq table-rc $? 0
case "$out" in
TARGET*HOW*HOST_FLUSHES*RESULT*"$REGION0 "*"$REGION0"*vpmem-flush*ms*ok*"$MNT0/file"*fsync*ms*ok) vt_ok table ;;
*) vt_fail table "got: $out" ;;
esac

# vpmem devdax: the attribute, counted; the namespace too.
flushed devdax vpmem-flush "$DAX1"
check_eq devdax-device "$(jf device)" "$REGION1"
counted devdax-counted 1
flushed devdax-namespace vpmem-flush "$NS1"
flushed devdax-region vpmem-flush "$REGION1"

# nobarrier on vpmem: fsync of a file never reaches the host: refused;
# the host-flush attribute and the block device still do.
check remount-nobarrier mount -o remount,nobarrier "$MNT0"
refused nobarrier-file "$MNT0/file"
check nobarrier-reason sh -c "grep -q 'nobarrier.*remount' /tmp/vf.err"
refused nobarrier-dir "$MNT0/dir"
flushed nobarrier-region vpmem-flush "$REGION0"
flushed nobarrier-blockdev fsync-blockdev "$DEV0"
check remount-barrier mount -o remount,barrier "$MNT0"
flushed barrier-file-again fsync "$MNT0/file"

# Resolved, then changed, then flushed (a program keeping a target: tiny
# flushtarget; vpmemctl resolves and flushes at once). A nobarrier remount
# after resolve fails the flush, and every later one (3, nothing sent); a
# remount that comes and goes before the flush is no change.
# lf NAME RC TARGET [COMMAND]: flushtarget -2 must exit RC (output in /tmp/lf.out).
lf() {
	_n=$1 _rc=$2
	shift 2
	flushtarget -2 "$@" > /tmp/lf.out 2>&1
	_got=$?
	if [ "$_got" -eq "$_rc" ]; then vt_ok "$_n"; else
		vt_fail "$_n" "'flushtarget -2 $*' exited $_got, expected $_rc: $(cat /tmp/lf.out)"
	fi
}
check write-file-late pmemtest write "$MNT0/file" 4096
sync
mark late-nobarrier-a
lf late-nobarrier 3 "$MNT0/file" "mount -o remount,nobarrier $MNT0"
mark late-nobarrier-b
expect_hf late-nobarrier-a late-nobarrier-b eq 0 late-nobarrier-nothing-sent
check late-nobarrier-reason grep -q 'remounted nobarrier after the target was resolved' /tmp/lf.out
check_eq late-nobarrier-both-fail "$(grep -c '^rc=-95 ' /tmp/lf.out)" 2
check remount-barrier-late mount -o remount,barrier "$MNT0"
check write-file-late2 pmemtest write "$MNT0/file" 4096
sync
mark late-back-a
lf late-nobarrier-and-back 0 "$MNT0/file" \
	"mount -o remount,nobarrier $MNT0 && mount -o remount,barrier $MNT0"
mark late-back-b
expect_hf late-back-a late-back-b ge 1 late-nobarrier-and-back-reaches-host
# The file resolved is the file flushed: a symlink swapped to a tmpfs file
# after resolve still flushes the pmem file (the host sees it).
ln -sfn "$MNT0/file" /tmp/swap-link
echo x > /tmp/swap-tmpfs
check write-file-swap pmemtest write "$MNT0/file" 4096
sync
mark swap-a
lf swap-link 0 /tmp/swap-link "ln -sfn /tmp/swap-tmpfs /tmp/swap-link"
mark swap-b
expect_hf swap-a swap-b ge 1 swap-link-flushes-resolved-file
check swap-link-counted grep -q 'host_flushes=[1-9]' /tmp/lf.out

# A loop device whose backing file on pmem has a ',' in its name: one
# region under it, so vpmem's counter is reported (it was taken for a
# stack of several devices).
dd if=/dev/zero of="$MNT0/loop,img" bs=1M count=32 2>/dev/null
loopdev=$(losetup -f)
if check loop-attach losetup "$loopdev" "$MNT0/loop,img"; then
	vt_run mkfs.ext4 -q -F "$loopdev"
	mkdir -p /mnt/lp
	check loop-mount mount -o noatime "$loopdev" /mnt/lp
	pmemtest write /mnt/lp/f 4096
	flushed loop-comma fsync /mnt/lp/f
	check loop-comma-counted sh -c "[ $(jf host_flushes) -ge 1 ]"
	umount /mnt/lp
	losetup -d "$loopdev"
fi
rm -f "$MNT0/loop,img"

# In-tree driver, devdax: no path at all.
refused intree-devdax "$DAX2"
check intree-devdax-reason sh -c "grep -q 'vpmem' /tmp/vf.err"
refused intree-devdax-region "$REGION2"
refused intree-devdax-namespace "$NS2"
refused intree-devdax-bus "$BUS2"
# One refused target among flushed ones: 3, and the others still flushed.
sync
mark mixed-a
vf mixed 3 "$REGION0" "$DAX2"
mark mixed-b
expect_hf mixed-a mixed-b ge 1 mixed-other-still-flushed
check_eq mixed-first "$(jf result 0)" ok
check_eq mixed-second "$(jf result 1)" unsafe

# In-tree driver, a raw namespace: no host-flush attribute, but fsync of
# its block device reaches the host (REQ_PREFLUSH -> region flush). vpmem
# counts nothing there: host_flushes is null.
flushed intree-region fsync-blockdev "$REGION3"
check_eq intree-region-device "$(jf device)" "${DEV3#/dev/}"
check_eq intree-region-not-counted "$(jf host_flushes)" null
flushed intree-namespace fsync-blockdev "$NS3"
flushed intree-blockdev fsync-blockdev "$DEV3"
# A partition with ext4 (no dax) on it.
printf 'o\nn\np\n1\n\n\nw\n' | fdisk "$DEV3" > /tmp/fdisk.log 2>&1
partprobe "$DEV3" 2>/dev/null
t=0
while [ ! -b "${DEV3}p1" ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
P=${DEV3}p1
if check partition test -b "$P"; then
	vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$P"
	mkdir -p /mnt/part
	check mount-part mount -t ext4 -o noatime "$P" /mnt/part
	pmemtest write /mnt/part/file 4096
	flushed partition-dev fsync-blockdev "$P"
	check_eq partition-dev-device "$(jf device)" "${P#/dev/}"
	flushed part-file fsync /mnt/part/file
	flushed part-fs fsync+syncfs --fs /mnt/part/file
	# Write through: the block layer drops every flush: refused.
	wc=/sys/block/${DEV3#/dev/}/queue/write_cache
	check set-write-through sh -c "echo 'write through' > $wc"
	refused wt-region "$REGION3"
	check wt-reason sh -c "grep -q 'write_cache' /tmp/vf.err"
	refused wt-partition "$P"
	refused wt-file /mnt/part/file
	check set-write-back sh -c "echo 'write back' > $wc"
	flushed wb-region fsync-blockdev "$REGION3"
	# Write through after resolve: the PREFLUSH would be dropped: 3.
	lf late-wt-region 3 "$REGION3" "echo 'write through' > $wc"
	check late-wt-reason grep -q 'write_cache was set to "write through" after the target' /tmp/lf.out
	check set-write-back-late sh -c "echo 'write back' > $wc"
	lf late-wt-blockdev 3 "$DEV3" "echo 'write through' > $wc"
	check set-write-back-late2 sh -c "echo 'write back' > $wc"
	lf late-wb-region 0 "$REGION3"
	umount /mnt/part
else
	cat /tmp/fdisk.log
fi

# tmpfs: memory only.
echo x > /tmp/tmpfs-file
refused tmpfs /tmp/tmpfs-file
check tmpfs-reason sh -c "grep -q 'memory-only' /tmp/vf.err"

# Errors: no such target (1), one line on stderr; usage (2).
vf missing-path 1 "$MNT0/nothing-here"
check_eq missing-result "$(jf result)" error
check missing-one-line test "$(wc -l < /tmp/vf.err)" -eq 1
vf missing-region 1 region99
check missing-region-msg grep -q 'no such region' /tmp/vf.err
check_rc usage 2 vpmemctl flush --bogus "$REGION0"

# Permission denied (4), one line: a user who may not write the attribute,
# open the block device or read the file; the same user's own file works.
grep -q '^app:' /etc/passwd 2>/dev/null || echo "app:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd
mkdir -p "$MNT0/app" && chown 1000:1000 "$MNT0/app"
su -s /bin/sh app -c "echo mine > $MNT0/app/own"
echo secret > "$MNT0/secret" && chmod 600 "$MNT0/secret"
for t in "$REGION0" "$DAX1" "$DEV0" "$MNT0/secret"; do
	n=denied-$(basename "$t")
	sync
	mark "$n-a"
	su -s /bin/sh app -c "vpmemctl flush --json $t" > /tmp/vf.json 2> /tmp/vf.err
	rc=$?
	mark "$n-b"
	check_eq "$n-exit-4" $rc 4
	check_eq "$n-result" "$(jf result)" denied
	check "$n-one-line" sh -c "[ \$(wc -l < /tmp/vf.err) -eq 1 ] && grep -q 'permission denied' /tmp/vf.err"
	expect_hf "$n-a" "$n-b" eq 0 "$n-nothing-sent"
done
sync
mark own-a
su -s /bin/sh app -c "vpmemctl flush --json $MNT0/app/own" > /tmp/vf.json 2> /tmp/vf.err
check_eq own-file-exit-0 $? 0
mark own-b
expect_hf own-a own-b ge 1 own-file-reaches-host

# The EXAMPLES of vpmemctl-flush(1), exactly as written there (keep them
# in step): this case's devices have the names the page uses.
check_eq example-names "$REGION0 $DAX1 $DAX2 $MNT0" "region0 /dev/dax1.0 /dev/dax2.0 /mnt/pmem0"
pmemtest write /mnt/pmem0/db 4096
sync
mark example-a
check_rc example-region 0 vpmemctl flush region0
check_rc example-number 0 vpmemctl flush 0
check_rc example-devdax 0 vpmemctl flush --json /dev/dax1.0
check_rc example-fs 0 vpmemctl flush --fs /mnt/pmem0/db
mark example-b
expect_hf example-a example-b ge 4 examples-reach-host
mark example-c
check_rc example-intree-devdax 3 vpmemctl flush /dev/dax2.0
mark example-d
expect_hf example-c example-d eq 0 example-intree-devdax-nothing-sent

vt_no_kernel_splat no-kernel-splat
