# devdax on virtio-pmem with the in-tree driver: the namespace converts, the
# character device accepts MAP_SYNC although nothing can make stores durable
# on the host (msync is EINVAL). This is the hazard the project exists for.
# vt: devices=256M mode=devdax

check daxdev test -c "$DAX0"
check no-blockdev test -z "$DEV0"
check mode-devdax sh -c "ndctl list -N | grep -q '\"mode\":\"devdax\"'"
check_rc mapsync-accepted 0 pmemtest mapsync "$DAX0"
mark begin
check_rc msync-einval 22 pmemtest msync "$DAX0"
mark end
expect_hf begin end eq 0 devdax-msync-no-host-flush
