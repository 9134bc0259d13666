# ext4 -o dax,nobarrier on virtio-pmem: fsync never reaches the host. This
# is the hazard libpmemflush reports; the case proves it is real.
# vt: devices=256M fs=ext4 mount=dax,noatime,nobarrier

f=$MNT0/file
check write pmemtest write "$f" 65536
sync
mark begin
check fsync pmemtest fsync "$f"
check fdatasync pmemtest fdatasync "$f"
mark end
expect_hf begin end eq 0 nobarrier-fsync-never-reaches-host
