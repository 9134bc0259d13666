# What scripts/demo shows: a guest with a virtio-pmem device, ext4 mounted
# with -o dax, vpmemctl running there, and a durable write whose host flush
# QEMU reports. Also run by scripts/test so the demo cannot rot.
# vt: devices=256M fs=ext4 mount=dax,noatime

say() { echo "demo| $*"; }

say "guest kernel $(uname -r); virtio-pmem bus provider: $(cat /sys/bus/nd/devices/ndbus0/provider)"
say "\$ vpmemctl version"
vpmemctl version | sed 's/^/demo|   /'
check vpmemctl-runs vpmemctl version
say "\$ ndctl list -R    (stock tools cannot tell that this region is buffered)"
ndctl list -R | sed 's/^/demo|   /'
say "\$ grep pmem /proc/mounts"
grep pmem /proc/mounts | sed 's/^/demo|   /'
pmemtest write "$MNT0/file" 4096
say "\$ vpmemctl list    (libpmemflush can: buffered, with the evidence)"
vpmemctl list | sed 's/^/demo|   /'
check vpmemctl-list-buffered sh -c "vpmemctl list --json | grep -q '\"buffered\":\"yes\"'"
say "\$ vpmemctl check $MNT0/file"
vpmemctl check "$MNT0/file" | sed 's/^/demo|   /'
check_rc vpmemctl-check-durable 0 vpmemctl check "$MNT0/file"
check_rc mapsync-refused 95 pmemtest mapsync "$MNT0/file" 2>/dev/null
say "MAP_SYNC on $MNT0/file: refused (EOPNOTSUPP), as on every buffered region"
sync
mark demo-begin
say "fdatasync($MNT0/file): the host must now flush its page cache..."
check fdatasync pmemtest fdatasync "$MNT0/file"
mark demo-end
expect_hf demo-begin demo-end ge 1 fdatasync-reached-host
hf_count demo-begin demo-end fdatasync-host-flushes
