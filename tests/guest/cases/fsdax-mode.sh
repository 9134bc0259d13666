# The harness's namespace modes: fsdax with ext4 -o dax on top (the block
# device hangs off the pfn device), and sector (btt: a block device with
# no DAX).
# vt: devices=256M,256M mode0=fsdax mode1=sector fs0=ext4 mount0=dax,noatime

check fsdax-mode sh -c "ndctl list -n $NS0 | grep -q '\"mode\":\"fsdax\"'"
check sector-mode sh -c "ndctl list -n $NS1 | grep -q '\"mode\":\"sector\"'"
check fsdax-mounted-dax sh -c "grep ' $MNT0 ' /proc/mounts | grep -qw dax"
check sector-blockdev test -b "$DEV1" -a "${DEV1%s}" != "$DEV1"
check_rc fsdax-mapsync-refused 95 sh -c "pmemtest write $MNT0/f 4096 && pmemtest mapsync $MNT0/f"
sync
mark a
check fsdax-fdatasync pmemtest fdatasync "$MNT0/f"
mark b
expect_hf a b ge 1 fsdax-fdatasync-reaches-host
