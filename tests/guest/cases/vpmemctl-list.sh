# vpmemctl list/check with the in-tree virtio_pmem driver on two devices:
# an fsdax namespace with xfs -o dax, and a devdax namespace (the hazard).
# Compared with ndctl list on the same guest.
# vt: devices=512M,256M mode0=fsdax fs0=xfs mount0=dax,noatime mode1=devdax

. /vpmem/cases/vpmemctl.inc

check mount-xfs-dax sh -c "grep ' $MNT0 xfs ' /proc/mounts | grep -qw dax"
vl_refresh
vl_show

check_eq regions "$(jl '#')" 2
check_eq regions-ndctl "$(jr '#')" 2
for i in 0 1; do
	eval "r=\$REGION$i"
	check_eq "provider$i" "$(jl "dev=$r/provider")" virtio-pmem
	check_eq "provider$i-ndctl" "$(jl "dev=$r/provider")" "$(jb "dev=$(jl "dev=$r/bus")/provider")"
	check_eq "kind$i" "$(jl "dev=$r/kind")" virtio-pmem
	check_eq "driver$i" "$(jl "dev=$r/driver")" virtio_pmem
	check_eq "buffered$i" "$(jl "dev=$r/buffered")" yes
	check "evidence$i" sh -c "pmemtest json-get 'dev=$r/buffered_evidence' < /tmp/vl.json | grep -q 'provider=virtio-pmem,virtio=virtio[0-9]*:0x001b'"
	check_eq "host-flush$i" "$(jl "dev=$r/host_flush")" none
	check_eq "size$i-ndctl" "$(jl "dev=$r/size")" "$(jr "dev=$r/size")"
	check_eq "pd$i" "$(jl "dev=$r/persistence_domain")" unknown
	check_eq "pd$i-ndctl" "$(jl "dev=$r/persistence_domain")" "$(jr "dev=$r/persistence_domain")"
	check_eq "namespaces$i" "$(jl "dev=$r/namespaces/#")" 1
done
check_eq size0 "$(jl "dev=$REGION0/size")" $((512 << 20))

# Namespace modes and devices, as ndctl reports them.
check_eq mode0 "$(jl "dev=$REGION0/namespaces/0/mode")" fsdax
check_eq mode0-ndctl "$(jn "dev=$NS0/mode")" fsdax
check_eq mode1 "$(jl "dev=$REGION1/namespaces/0/mode")" devdax
check_eq mode1-ndctl "$(jn "dev=$NS1/mode")" devdax
check_eq ns0-dev "$(jl "dev=$REGION0/namespaces/0/dev")" "$NS0"
check_eq ns0-size-ndctl "$(jl "dev=$REGION0/namespaces/0/size")" "$(jn "dev=$NS0/size")"
check_eq ns1-size-ndctl "$(jl "dev=$REGION1/namespaces/0/size")" "$(jn "dev=$NS1/size")"
check_eq blockdev0 "$(jl "dev=$REGION0/namespaces/0/blockdev")" "${DEV0#/dev/}"
check_eq blockdev0-ndctl "$(jn "dev=$NS0/blockdev")" "${DEV0#/dev/}"
check_eq chardev1 "$(jl "dev=$REGION1/namespaces/0/chardev")" "${DAX1#/dev/}"
check_eq chardev1-ndctl "$(jn "dev=$NS1/chardev")" "${DAX1#/dev/}"
check_eq align1 "$(jl "dev=$REGION1/namespaces/0/align")" "$(jn "dev=$NS1/align")"

# Mounts: xfs with dax in effect on the fsdax namespace, none on devdax.
check_eq mount0-target "$(jl "dev=$REGION0/namespaces/0/mounts/0/target")" "$MNT0"
check_eq mount0-fstype "$(jl "dev=$REGION0/namespaces/0/mounts/0/fstype")" xfs
check_eq mount0-dax "$(jl "dev=$REGION0/namespaces/0/mounts/0/dax")" true
check_eq mount0-source "$(jl "dev=$REGION0/namespaces/0/mounts/0/source")" "$DEV0"
check_eq mounts1 "$(jl "dev=$REGION1/namespaces/0/mounts/#")" 0

# Hazards: devdax on virtio_pmem has no durable path; fsdax is fine.
check_eq devdax-hazard "$(jl "dev=$REGION1/namespaces/0/hazards/0/id")" devdax-no-host-flush
check_eq devdax-hazard-severity "$(jl "dev=$REGION1/namespaces/0/hazards/0/severity")" unsafe
check_eq devdax-hazard-region "$(jl "dev=$REGION1/hazards/0/id")" devdax-no-host-flush
check_eq devdax-method "$(jl "dev=$REGION1/namespaces/0/persist_method")" refused
check_eq fsdax-no-hazard "$(jl "dev=$REGION0/hazards/#")" 0
check_eq fsdax-method "$(jl "dev=$REGION0/namespaces/0/persist_method")" msync

# Filters and --human.
vpmemctl list --json --buffered > /tmp/vl.json
check_eq filter-buffered "$(jl '#')" 2
vpmemctl list --json -r "$REGION1" > /tmp/vl.json
check_eq filter-region "$(jl '#')" 1
check_eq filter-region-dev "$(jl 0/dev)" "$REGION1"
vpmemctl list --json -r "${REGION1#region}" > /tmp/vl.json
check_eq filter-region-id "$(jl 0/dev)" "$REGION1"
vpmemctl list --json -u -r "$REGION0" > /tmp/vl.json
check_eq human-size "$(jl 0/size)" "512.00 MiB (536.87 MB)"
check_eq empty-filter "$(vpmemctl list --json -r region99)" "[]"
check table sh -c "vpmemctl list | grep -Eq '^$REGION1 +virtio-pmem +virtio_pmem .* yes +unknown +none'"
check table-hazard sh -c "vpmemctl list | grep -q 'HAZARD devdax-no-host-flush'"

# check: a file on xfs -o dax.
f=$MNT0/file
pmemtest write "$f" 8192
vc check-xfs 0 "$f"
check_eq check-xfs-pmem "$(jc pmem)" true
check_eq check-xfs-dev "$(jc dev)" "${DEV0#/dev/}"
check_eq check-xfs-region "$(jc region)" "$REGION0"
check_eq check-xfs-namespace "$(jc namespace)" "$NS0"
check_eq check-xfs-fstype "$(jc fstype)" xfs
check_eq check-xfs-dax "$(jc dax)" yes
check_eq check-xfs-buffered "$(jc buffered)" yes
check_eq check-xfs-mapsync "$(jc map_sync)" refused
check_eq check-xfs-mapsync-errno "$(jc map_sync_errno)" 95
check_eq check-xfs-method "$(jc persist_method)" msync
check_eq check-xfs-durable "$(jc durable)" true
check_eq check-xfs-hazards "$(jc hazards/#)" 0
vc check-xfs-dir 0 "$MNT0"
check_eq check-xfs-dir-method "$(jc persist_method)" msync

# check: the devdax character device: MAP_SYNC accepted, still refused.
vc check-devdax 3 "$DAX1"
check_eq check-devdax-pmem "$(jc pmem)" true
check_eq check-devdax-dev "$(jc dev)" "${DAX1#/dev/}"
check_eq check-devdax-mode "$(jc mode)" devdax
# Device dax accepts MAP_SYNC on any platform: not probed, no evidence.
check_eq check-devdax-mapsync "$(jc map_sync)" unknown
check_eq check-devdax-method "$(jc persist_method)" refused
check_eq check-devdax-durable "$(jc durable)" false
check_eq check-devdax-hazard "$(jc hazards/0/id)" devdax-no-host-flush
check table-check-devdax sh -c "vpmemctl check $DAX1 | grep -q '^method: *refused'"

# check: the fsdax block device itself (page cache, fsync reaches host).
vc check-blockdev 0 "$DEV0"
check_eq check-blockdev-pmem "$(jc pmem)" true
check_eq check-blockdev-method "$(jc persist_method)" msync

# check: tmpfs is not pmem, and it is memory only: not durable (3).
echo data > /tmp/tmpfs-file
vc check-tmpfs 3 /tmp/tmpfs-file
check_eq check-tmpfs-pmem "$(jc pmem)" false
check_eq check-tmpfs-fstype "$(jc fstype)" tmpfs
check_eq check-tmpfs-method "$(jc persist_method)" refused
check_eq check-tmpfs-hazard "$(jc hazards/0/id)" volatile

# check: errors.
check_rc check-missing 1 vpmemctl check "$MNT0/no-such-file"
check check-missing-msg sh -c "vpmemctl check $MNT0/no-such-file 2>&1 | grep -q 'No such file or directory'"
check_rc check-usage 2 vpmemctl check
check_rc check-mixed 3 vpmemctl check "$f" "$DAX1"
