# vpmemctl check/list on ext4: -o dax,nobarrier (the nobarrier hazard, then
# remounted with barriers), and a partition of a pmem disk mounted without
# dax. In-tree virtio_pmem driver.
# vt: devices=256M,256M fs0=ext4 mount0=dax,noatime,nobarrier

. /vpmem/cases/vpmemctl.inc

# A partition on device 1 (raw namespace): pmem1p1, ext4 without dax.
printf 'o\nn\np\n1\n\n\nw\n' | fdisk "$DEV1" > /tmp/fdisk.log 2>&1
partprobe "$DEV1" 2>/dev/null
t=0
while [ ! -b "${DEV1}p1" ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
check partition test -b "${DEV1}p1" || cat /tmp/fdisk.log
P=${DEV1}p1
vt_run mkfs.ext4 -q -F -b 4096 "$P"
mkdir -p /mnt/part
check mount-part mount -t ext4 -o noatime "$P" /mnt/part
pmemtest write /mnt/part/file 4096

vl_refresh
vl_show
check_eq regions "$(jl '#')" 2
check_eq nobarrier-hazard "$(jl "dev=$REGION0/namespaces/0/hazards/0/id")" nobarrier-on-buffered
check_eq nobarrier-hazard-region "$(jl "dev=$REGION0/hazards/0/id")" nobarrier-on-buffered
check_eq ext4-dax "$(jl "dev=$REGION0/namespaces/0/mounts/0/dax")" true
check_eq ext4-fstype "$(jl "dev=$REGION0/namespaces/0/mounts/0/fstype")" ext4
check ext4-options-nobarrier sh -c "pmemtest json-get 'dev=$REGION0/namespaces/0/mounts/0/options' < /tmp/vl.json | grep -qw nobarrier"
# A raw-capable io namespace with dax support: ndctl calls it fsdax too.
check_eq part-mode "$(jl "dev=$REGION1/namespaces/0/mode")" "$(jn "dev=$NS1/mode")"
check_eq part-source "$(jl "dev=$REGION1/namespaces/0/mounts/0/source")" "$P"
check_eq part-target "$(jl "dev=$REGION1/namespaces/0/mounts/0/target")" /mnt/part
check_eq part-no-dax "$(jl "dev=$REGION1/namespaces/0/mounts/0/dax")" false
check_eq part-no-hazard "$(jl "dev=$REGION1/hazards/#")" 0
check table-nobarrier sh -c "vpmemctl list | grep -q 'HAZARD nobarrier-on-buffered'"

# ext4 -o dax,nobarrier: fsync never reaches the host: unsafe (3).
f=$MNT0/file
pmemtest write "$f" 8192
vc check-nobarrier 3 "$f"
check_eq check-nobarrier-hazard "$(jc hazards/0/id)" nobarrier-on-buffered
check_eq check-nobarrier-durable "$(jc durable)" false
check_eq check-nobarrier-method "$(jc persist_method)" refused
check jc-nobarrier-reason sh -c "pmemtest json-get 0/reason < /tmp/vc.json | grep -q remount"
check_eq check-nobarrier-dax "$(jc dax)" yes
vc check-nobarrier-strict 3 "$f" --strict

# Barriers back on: ext4 -o dax is a durable path (msync).
check remount-barrier mount -o remount,barrier "$MNT0"
vc check-ext4-dax 0 "$f"
check_eq check-ext4-dax-dax "$(jc dax)" yes
check_eq check-ext4-dax-buffered "$(jc buffered)" yes
check_eq check-ext4-dax-mapsync "$(jc map_sync)" refused
check_eq check-ext4-dax-method "$(jc persist_method)" msync
check_eq check-ext4-dax-hazards "$(jc hazards/#)" 0
vc check-ext4-dax-strict 0 "$f" --strict
vl_refresh
check_eq no-hazard-after-remount "$(jl "dev=$REGION0/hazards/#")" 0

# A file on the partition, mounted without dax.
vc check-part 0 /mnt/part/file
check_eq check-part-pmem "$(jc pmem)" true
check_eq check-part-dev "$(jc dev)" "${P#/dev/}"
check_eq check-part-region "$(jc region)" "$REGION1"
check_eq check-part-namespace "$(jc namespace)" "$NS1"
check_eq check-part-dax "$(jc dax)" no
check_eq check-part-buffered "$(jc buffered)" yes
check_eq check-part-mapsync "$(jc map_sync)" refused
check_eq check-part-method "$(jc persist_method)" msync
