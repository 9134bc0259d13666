# vpmemctl driver bind: users its first checks could not see, and checks
# that cannot be made. Device mapper over a partition with a file system on
# it (the partition's holders), a mount in another mount namespace and swap
# (neither in our mount table nor open by a process: the exclusive claim of
# the disk sees them), and a /proc it cannot read (refused: "cannot verify",
# not "idle"). Nothing moves while refused; once everything is released,
# bind moves both devices and back (the claims are let go).
# vt: devices=256M,256M driver=virtio_pmem mode=fsdax timeout=300

V0=$(basename "$(vt_virtio_dev 0)")
V1=$(basename "$(vt_virtio_dev 1)")
drv() { basename "$(readlink "/sys/bus/virtio/devices/$1/driver")"; }
. /vpmem/cases/cmdout.inc
# retry TENTHS CMD...: run CMD until it succeeds (a lazily released claim).
retry() {
	_t=$1
	shift
	while ! "$@" 2>/dev/null; do
		_t=$((_t - 1))
		[ "$_t" -gt 0 ] || return 1
		sleep 0.1
	done
}
# back DEV: give DEV back to virtio_pmem if a refusal failed, so that each
# step below tests its own refusal.
back() { [ "$(drv "$1")" = virtio_pmem ] || vpmemctl driver bind virtio_pmem "$1" > /dev/null 2>&1; }
mkfs() { vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$1"; }

check insmod-vpmem insmod /vpmem/vpmem.ko
d0=${DEV0#/dev/}

# 1. ext4 on dm-linear over pmem partition 1: no process has the disk open,
# and the mount's device is dm-N, not the disk or its partition. Discovery
# follows the holders, so the mount is the namespace's; unmounted, the dm
# device still holds the partition.
printf 'n\np\n1\n\n\nw\n' | fdisk "$DEV0" > /dev/null 2>&1
vt_wait_file "${DEV0}p1" 50
check partition test -b "${DEV0}p1"
sectors=$(blockdev --getsz "${DEV0}p1")
check dm-create dmsetup create --noudevsync vdx --table "0 $sectors linear ${DEV0}p1 0"
dmsetup mknodes > /dev/null 2>&1
dm=$(dmsetup info -c --noheadings -o blkdevname vdx | tr -d ' ')
check_eq dm-holder "$(ls "/sys/class/block/${d0}p1/holders")" "$dm"
mkfs /dev/mapper/vdx
mkdir -p /mnt/dmx
check mount-dm mount /dev/mapper/vdx /mnt/dmx
echo before > /mnt/dmx/f
sync
out refuse-dm 3 vpmemctl driver bind vpmem "$V0"
has refuse-dm-msg "^vpmemctl driver bind: $V0: refused: $REGION0's $NS0 \\(/dev/mapper/vdx\\) is mounted on /mnt/dmx: unmount it first\$"
check_eq refuse-dm-left "$(drv "$V0")" virtio_pmem
back "$V0"
out refuse-dm-all 3 vpmemctl driver bind vpmem all
has refuse-dm-all-msg "$V0: refused: $REGION0's $NS0 \\(/dev/mapper/vdx\\) is mounted on /mnt/dmx"
check_eq refuse-dm-all-left0 "$(drv "$V0")" virtio_pmem
check_eq refuse-dm-all-left1 "$(drv "$V1")" virtio_pmem
back "$V0"
back "$V1"
check dm-fs-intact sh -c 'echo after >> /mnt/dmx/f && sync && [ "$(cat /mnt/dmx/f)" = "$(printf "before\nafter")" ]'
check umount-dm umount /mnt/dmx
out refuse-dm-held 3 vpmemctl driver bind vpmem "$V0"
has refuse-dm-held-msg "^vpmemctl driver bind: $V0: refused: /dev/${d0}p1 is held by $dm \\(a device-mapper or md device on it\\): stop it first\$"
check_eq refuse-dm-held-left "$(drv "$V0")" virtio_pmem
back "$V0"
check dm-remove dmsetup remove --noudevsync vdx

# 2. ext4 of the second disk mounted only in another mount namespace: not
# in our mountinfo, no descriptor open, but the kernel holds the disk.
mkfs "$DEV1"
mkdir -p /mnt/ns
rm -f /tmp/ns-ready
unshare -m sh -c "mount $DEV1 /mnt/ns && touch /tmp/ns-ready && exec sleep 120" &
nspid=$!
check ns-mounted retry 100 test -e /tmp/ns-ready
check_eq ns-invisible-here "$(grep -c ' /mnt/ns ' /proc/self/mountinfo)" 0
out refuse-ns 3 vpmemctl driver bind vpmem "$V1"
has refuse-ns-msg "^vpmemctl driver bind: $V1: refused: $DEV1 is claimed inside the kernel \\(mounted, possibly in another mount namespace, swap, device mapper, md\\): stop that first\$"
check_eq refuse-ns-left "$(drv "$V1")" virtio_pmem
back "$V1"
kill "$nspid"
wait "$nspid" 2> /dev/null

# 3. Swap on it: the same claim.
check mkswap mkswap "$DEV1"
check swapon retry 100 swapon "$DEV1"
out refuse-swap 3 vpmemctl driver bind vpmem "$V1"
has refuse-swap-msg "$V1: refused: $DEV1 is claimed inside the kernel"
check_eq refuse-swap-left "$(drv "$V1")" virtio_pmem
back "$V1"
check swapoff swapoff "$DEV1"

# 4. A /proc that says nothing (tmpfs over it, in a mount namespace of its
# own): the mounts and the processes cannot be checked, so bind refuses.
out unverifiable 3 unshare -m sh -c "mount -t tmpfs none /proc && exec vpmemctl driver bind vpmem $V1"
has unverifiable-msg "^vpmemctl driver bind: cannot verify that $V1 is idle: .*/proc/self/mountinfo: No such file or directory\$"
check_eq unverifiable-left "$(drv "$V1")" virtio_pmem
back "$V1"

# 5. Everything released: both move, and back (the claims are closed).
out bind-all 0 vpmemctl driver bind vpmem all
has bind-all-0 "^$V0: virtio_pmem -> vpmem: "
has bind-all-1 "^$V1: virtio_pmem -> vpmem: "
out back-all 0 vpmemctl driver bind virtio_pmem all
has back-all-0 "^$V0: vpmem -> virtio_pmem: "
has back-all-1 "^$V1: vpmem -> virtio_pmem: "

vt_no_kernel_splat no-kernel-splat
