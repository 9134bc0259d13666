# Region-level facts see through storage stacks (as PMEM-CSI's LVM mode
# builds them): a file system on device mapper over a virtio-pmem namespace
# is that namespace's mount, and its nobarrier option and any write-through
# queue of the stack are the namespace's and region's hazards, in
# `vpmemctl list` (table and JSON), `vpmemctl metrics` and
# `list --format=nfd`, as `vpmemctl check` already says for the path.
# Device 0: dm "top" over dm "mid" over pmem0, ext4 -o nobarrier on top,
# mid's queue set to write through. Device 1: dm "pdm" over partition
# pmem1p1, ext4 with barriers: its mount and none of device 0's hazards.
# Then both fixed (the hazards go), then failed reads: an unreadable queue
# and an unparsable mount table (private mount namespaces) make discovery
# fail (list and nfd refuse, metrics say discovery_success 0, check errs),
# never "no hazard". Exports go to the host (promtool, the NFD parser).
# vt: devices=256M,256M mode=fsdax timeout=300

. /vpmem/cases/vpmemctl.inc

NFD=vpmem.feature.node.kubernetes.io
# lv FILE NAME: the value of NFD label NAME in FILE.
lv() { sed -n "s|^$NFD/$2=||p" "$1"; }
# mval FILE SERIES: the value of SERIES (name and labels, as written), or "absent".
mval() {
	_v=$(awk -v s="$2 " 'index($0, s) == 1 { print $NF; exit }' "$1")
	echo "${_v:-absent}"
}
# dmname NAME: the kernel name (dm-N) of device mapper device NAME.
dmname() { dmsetup info -c --noheadings -o blkdevname "$1" 2> /dev/null | tr -d ' '; }
mkfs() { vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$1"; }
d0=$(basename "$DEV0")
d1=$(basename "$DEV1")

# Device 0: two levels of device mapper (holders of holders).
sectors=$(blockdev --getsz "$DEV0")
check dm-mid dmsetup create --noudevsync mid --table "0 $sectors linear $DEV0 0"
dmsetup mknodes > /dev/null 2>&1
check dm-top dmsetup create --noudevsync top --table "0 $sectors linear /dev/mapper/mid 0"
dmsetup mknodes > /dev/null 2>&1
mid=$(dmname mid)
top=$(dmname top)
vt_info "mid=$mid top=$top"
mkfs /dev/mapper/top
mkdir -p /mnt/dm
check mount-dm mount -o noatime,nobarrier /dev/mapper/top /mnt/dm
check mid-write-through sh -c "echo 'write through' > /sys/block/$mid/queue/write_cache"

# Device 1: device mapper over a partition.
printf 'n\np\n1\n\n\nw\n' | fdisk "$DEV1" > /dev/null 2>&1
vt_wait_file "${DEV1}p1" 50
sectors=$(blockdev --getsz "${DEV1}p1")
check dm-pdm dmsetup create --noudevsync pdm --table "0 $sectors linear ${DEV1}p1 0"
dmsetup mknodes > /dev/null 2>&1
pdm=$(dmname pdm)
mkfs /dev/mapper/pdm
mkdir -p /mnt/pdm
check mount-pdm mount -o noatime /dev/mapper/pdm /mnt/pdm

# The path check said it before this fix too; the region facts must agree.
vc check-dm-unsafe 3 /mnt/dm
check_eq check-dm-stack "$(jc stack)" "$top > $mid > $d0"
vc check-pdm-durable 0 /mnt/pdm

# list --json: the mounts under their namespaces, with their stacks.
vl_refresh
vl_show
check_eq ns0-mounts "$(jl "dev=$REGION0/namespaces/0/mounts/#")" 1
check_eq ns0-mount-target "$(jl "dev=$REGION0/namespaces/0/mounts/0/target")" /mnt/dm
check_eq ns0-mount-source "$(jl "dev=$REGION0/namespaces/0/mounts/0/source")" /dev/mapper/top
check_eq ns0-mount-stack "$(jl "dev=$REGION0/namespaces/0/mounts/0/stack")" "$top > $mid > $d0"
case "$(jl "dev=$REGION0/namespaces/0/mounts/0/options")" in
*nobarrier*) vt_ok ns0-mount-nobarrier ;;
*) vt_fail ns0-mount-nobarrier "options: $(jl "dev=$REGION0/namespaces/0/mounts/0/options")" ;;
esac
# hz PATH ID: the severity of hazard ID in the hazards array at PATH, or "none".
hz() { _s=$(jl "$1/id=$2/severity" 2> /dev/null); echo "${_s:-none}"; }
check_eq ns0-hazard-nobarrier "$(hz "dev=$REGION0/namespaces/0/hazards" nobarrier-on-buffered)" unsafe
check_eq ns0-hazard-write-through "$(hz "dev=$REGION0/namespaces/0/hazards" write-through-on-buffered)" unsafe
check_eq region0-hazard-nobarrier "$(hz "dev=$REGION0/hazards" nobarrier-on-buffered)" unsafe
check_eq ns0-method "$(jl "dev=$REGION0/namespaces/0/persist_method")" refused
check_eq ns1-mounts "$(jl "dev=$REGION1/namespaces/0/mounts/#")" 1
check_eq ns1-mount-target "$(jl "dev=$REGION1/namespaces/0/mounts/0/target")" /mnt/pdm
check_eq ns1-mount-stack "$(jl "dev=$REGION1/namespaces/0/mounts/0/stack")" "$pdm > ${d1}p1 > $d1"
check_eq ns1-hazards "$(jl "dev=$REGION1/namespaces/0/hazards/#")" 0
check_eq ns1-method "$(jl "dev=$REGION1/namespaces/0/persist_method")" msync

# The table: the mount and the stack it is on.
vpmemctl list > /tmp/list.txt
grep -q "/dev/mapper/top on /mnt/dm type ext4" /tmp/list.txt && vt_ok table-dm-mount ||
	vt_fail table-dm-mount "$(head -c 600 /tmp/list.txt)"
grep -q "stack: $top > $mid > $d0" /tmp/list.txt && vt_ok table-dm-stack ||
	vt_fail table-dm-stack "$(head -c 600 /tmp/list.txt)"
grep -q "HAZARD nobarrier-on-buffered" /tmp/list.txt && vt_ok table-dm-hazard ||
	vt_fail table-dm-hazard "$(head -c 600 /tmp/list.txt)"

# metrics: region hazards, the dm mount's series, the region it belongs to.
vpmemctl metrics > /tmp/stack.prom 2> /tmp/stack.prom.err
check_eq metrics-status $? 0
vt_export stack.prom /tmp/stack.prom
m=/tmp/stack.prom
check_eq m-discovery "$(mval $m vpmem_discovery_success)" 1
for h in nobarrier-on-buffered write-through-on-buffered; do
	check_eq "m-region0-$h" "$(mval $m "vpmem_region_hazard{region=\"$REGION0\",hazard=\"$h\"}")" 1
	check_eq "m-region1-$h" "$(mval $m "vpmem_region_hazard{region=\"$REGION1\",hazard=\"$h\"}")" 0
	check_eq "m-mount-dm-$h" "$(mval $m "vpmem_mount_hazard{mountpoint=\"/mnt/dm\",hazard=\"$h\"}")" 1
	check_eq "m-mount-pdm-$h" "$(mval $m "vpmem_mount_hazard{mountpoint=\"/mnt/pdm\",hazard=\"$h\"}")" 0
done
check_eq m-mount-dm-info "$(mval $m "vpmem_mount_info{mountpoint=\"/mnt/dm\",device=\"/dev/mapper/top\",fstype=\"ext4\",namespace=\"$NS0\",region=\"$REGION0\"}")" 1
check_eq m-mount-dm-durable "$(mval $m "vpmem_mount_durable{mountpoint=\"/mnt/dm\"}")" 0
check_eq m-mount-pdm-info "$(mval $m "vpmem_mount_info{mountpoint=\"/mnt/pdm\",device=\"/dev/mapper/pdm\",fstype=\"ext4\",namespace=\"$NS1\",region=\"$REGION1\"}")" 1
check_eq m-mount-pdm-durable "$(mval $m "vpmem_mount_durable{mountpoint=\"/mnt/pdm\"}")" 1

# NFD labels: the node is unsafe, and why.
vpmemctl list --format=nfd > /tmp/stack.nfd 2> /tmp/stack.nfd.err
check_eq nfd-status $? 0
vt_export stack.nfd /tmp/stack.nfd
check_eq nfd-unsafe "$(lv /tmp/stack.nfd unsafe)" true
check_eq nfd-nobarrier "$(lv /tmp/stack.nfd hazard.nobarrier-on-buffered)" true
check_eq nfd-write-through "$(lv /tmp/stack.nfd hazard.write-through-on-buffered)" true

# Fixed: barriers back, write back on mid. The hazards were the stack's.
check remount-barrier mount -o remount,barrier /mnt/dm
echo 'write back' > "/sys/block/$mid/queue/write_cache"
vpmemctl metrics > /tmp/fixed.prom 2> /dev/null
check_eq fixed-metrics-status $? 0
vt_export fixed.prom /tmp/fixed.prom
for h in nobarrier-on-buffered write-through-on-buffered; do
	check_eq "fixed-region0-$h" "$(mval /tmp/fixed.prom "vpmem_region_hazard{region=\"$REGION0\",hazard=\"$h\"}")" 0
done
check_eq fixed-mount-dm-durable "$(mval /tmp/fixed.prom "vpmem_mount_durable{mountpoint=\"/mnt/dm\"}")" 1
vpmemctl list --format=nfd > /tmp/fixed.nfd
check_eq fixed-nfd-unsafe "$(lv /tmp/fixed.nfd unsafe)" false
vt_export fixed.nfd /tmp/fixed.nfd
# Only the write-through queue: still the region's hazard (no mount needed).
echo 'write through' > "/sys/block/$mid/queue/write_cache"
vl_refresh
check_eq queue-only-write-through "$(hz "dev=$REGION0/hazards" write-through-on-buffered)" unsafe
check_eq queue-only-no-nobarrier "$(hz "dev=$REGION0/hazards" nobarrier-on-buffered)" none

# Failed reads are failures, not "no hazard". An old feature file must stay.
mkdir -p /tmp/fd
echo "$NFD/unsafe=old" > /tmp/fd/vpmem
# failing NAME SETUP: with SETUP done in a private mount namespace, list,
# nfd --output, metrics and check must all fail and say why. (Not _n: vt_fail
# sets it.)
failing() {
	_fn=$1 _fs=$2
	unshare -m sh -c "mount --make-rprivate / 2> /dev/null; $_fs
		vpmemctl list > /tmp/$_fn.list 2> /tmp/$_fn.list.err; echo \$? > /tmp/$_fn.list.rc
		vpmemctl list --format=nfd --output /tmp/fd/vpmem 2> /tmp/$_fn.nfd.err; echo \$? > /tmp/$_fn.nfd.rc
		vpmemctl metrics > /tmp/$_fn.prom 2> /tmp/$_fn.prom.err; echo \$? > /tmp/$_fn.prom.rc
		vpmemctl check /mnt/dm > /tmp/$_fn.check 2> /tmp/$_fn.check.err; echo \$? > /tmp/$_fn.check.rc"
	check_eq "$_fn-list-status" "$(cat /tmp/$_fn.list.rc)" 1
	check_eq "$_fn-nfd-status" "$(cat /tmp/$_fn.nfd.rc)" 1
	check_eq "$_fn-nfd-file-kept" "$(cat /tmp/fd/vpmem)" "$NFD/unsafe=old"
	check_eq "$_fn-metrics-status" "$(cat /tmp/$_fn.prom.rc)" 1
	check_eq "$_fn-metrics-discovery" "$(mval /tmp/$_fn.prom vpmem_discovery_success)" 0
	check_eq "$_fn-metrics-no-region" "$(grep -c '^vpmem_region_hazard' /tmp/$_fn.prom)" 0
	check_eq "$_fn-check-status" "$(cat /tmp/$_fn.check.rc)" 1
	vt_info "$_fn: list: $(cat /tmp/$_fn.list.err)"
	vt_info "$_fn: check: $(cat /tmp/$_fn.check.err)"
}
# mid's queue attributes hidden: its write_cache cannot be read.
mkdir -p /tmp/empty
failing queue-unread "mount --bind /tmp/empty /sys/block/$mid/queue"
grep -q "cannot read /sys/block/$mid/queue/write_cache" /tmp/queue-unread.list.err &&
	vt_ok queue-unread-list-says-why || vt_fail queue-unread-list-says-why "$(cat /tmp/queue-unread.list.err)"
grep -q "cannot read /sys/block/$mid/queue/write_cache" /tmp/queue-unread.check.err &&
	vt_ok queue-unread-check-says-why || vt_fail queue-unread-check-says-why "$(cat /tmp/queue-unread.check.err)"
vt_export queue-unread.prom /tmp/queue-unread.prom
# The mount table with a line that does not parse (a tmpfs /proc holding it).
cp /proc/self/mountinfo /tmp/mountinfo.good
{ head -1 /tmp/mountinfo.good; echo "99 garbage"; tail -n +2 /tmp/mountinfo.good; } > /tmp/mountinfo.bad
failing mounts-unread "mount -t tmpfs none /proc && mkdir /proc/self && cp /tmp/mountinfo.bad /proc/self/mountinfo"
grep -q "mountinfo" /tmp/mounts-unread.list.err &&
	vt_ok mounts-unread-list-says-why || vt_fail mounts-unread-list-says-why "$(cat /tmp/mounts-unread.list.err)"
vt_export mounts-unread.prom /tmp/mounts-unread.prom
# Control: the same namespace dance with the real table works.
unshare -m sh -c "mount --make-rprivate / 2> /dev/null; mount -t tmpfs none /proc && mkdir /proc/self &&
	cp /tmp/mountinfo.good /proc/self/mountinfo && vpmemctl list > /dev/null"
check_eq mounts-good-control $? 0

echo 'write back' > "/sys/block/$mid/queue/write_cache"
umount /mnt/dm /mnt/pdm
dmsetup remove --noudevsync top
dmsetup remove --noudevsync mid
dmsetup remove --noudevsync pdm
vt_no_kernel_splat no-kernel-splat
