# Honesty (issue 8.3): an emulated ACPI NVDIMM on an ordinary host file
# claims persistence domain memory_controller and accepts MAP_SYNC, but
# nothing reaches the host's disk. Under a hypervisor that claim is not
# evidence: check says buffered "unknown" and not durable, naming the claim
# and the opt-in; the map is refused; trust-unverified-platform=yes in the
# system configuration (the administrator's opt-in) accepts it. In a
# device-mapper stack with a virtio-pmem disk, the refusal names the
# unverifiable member, and trusting it never hides the buffered member's
# nobarrier mount.
# vt: devices=256M nvdimm=512M timeout=180

grep -qw hypervisor /proc/cpuinfo && vt_ok cpuid-hypervisor-bit || vt_fail cpuid-hypervisor-bit "no hypervisor flag"
nfit=
for b in /sys/bus/nd/devices/ndbus*; do
	[ "$(cat "$b/provider" 2>/dev/null)" = ACPI.NFIT ] && nfit=$b
done
check nfit-bus test -n "$nfit"
region=$(basename "$(ls -d "$nfit"/region* | head -1)")
n=${region#region}
vt_run ndctl create-namespace -f -e "namespace$n.0" -m fsdax
blk=
for b in /sys/bus/nd/devices/pfn$n.*/block/*; do
	[ -d "$b" ] && blk=/dev/$(basename "$b")
done
check nvdimm-fsdax test -b "$blk"
vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$blk"
mkdir -p /mnt/nv
check mount-dax mount -o dax,noatime "$blk" /mnt/nv
f=/mnt/nv/log
check write-file pmemtest write "$f" 8192

check_rc unverified-check-unsafe 3 vpmemctl check "$f"
out=$(vpmemctl check "$f")
case "$out" in
*"buffered:  unknown"*"map_sync:  accepted"*"durable:   NO"*"buffered-unknown"*) vt_ok check-says-unknown ;;
*) vt_fail check-says-unknown "got: $out" ;;
esac
case "$out" in
*"why:"*"ACPI.NFIT"*"memory_controller"*hypervisor*"trust-unverified-platform"*) vt_ok check-says-what-is-unverified ;;
*) vt_fail check-says-what-is-unverified "got: $out" ;;
esac
check_rc unverified-map-refused 95 persisttool map "$f"
case "$(vpmemctl list --json -r "$region")" in
*"hypervisor=yes"*) vt_ok list-evidence-hypervisor ;;
*) vt_fail list-evidence-hypervisor "got: $(vpmemctl list --json -r "$region")" ;;
esac

# The administrator's opt-in.
echo "trust-unverified-platform = yes" > /etc/pmemflush.conf
check_rc trusted-check-durable 0 vpmemctl check "$f"
case "$(vpmemctl check "$f")" in
*"durable:   yes (unverifiable platform trusted"*) vt_ok check-says-trusted ;;
*) vt_fail check-says-trusted "got: $(vpmemctl check "$f")" ;;
esac
check_rc trusted-check-strict 3 vpmemctl check --strict "$f"
check_eq trusted-map "$(persisttool map "$f")" "method=msync granularity=page"
rm -f /etc/pmemflush.conf
check_rc untrusted-again 3 vpmemctl check "$f"

# A stack of both: dm-linear over the virtio-pmem disk and the NVDIMM.
umount /mnt/nv
s0=$(blockdev --getsz "$DEV0")
s1=$(blockdev --getsz "$blk")
check mix-create dmsetup create --noudevsync mix --table "0 $s0 linear $DEV0 0
$s0 $s1 linear $blk 0"
dmsetup mknodes >/dev/null 2>&1
vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/mix
mkdir -p /mnt/mix
check mix-mount mount -o noatime /dev/mapper/mix /mnt/mix
check mix-write pmemtest write /mnt/mix/f 4096
check_rc mix-untrusted-unsafe 3 vpmemctl check /mnt/mix/f
case "$(vpmemctl check /mnt/mix/f)" in
*"why:       $region (ACPI.NFIT)"*) vt_ok mix-blames-the-nvdimm ;;
*) vt_fail mix-blames-the-nvdimm "got: $(vpmemctl check /mnt/mix/f)" ;;
esac
echo "trust-unverified-platform = yes" > /etc/pmemflush.conf
check_rc mix-trusted-durable 0 vpmemctl check /mnt/mix/f
check mix-remount-nobarrier mount -o remount,nobarrier /mnt/mix
check_rc mix-trusted-nobarrier-unsafe 3 vpmemctl check /mnt/mix/f
case "$(vpmemctl check /mnt/mix/f)" in
*"HAZARD:    nobarrier-on-buffered"*) vt_ok mix-trust-does-not-hide-nobarrier ;;
*) vt_fail mix-trust-does-not-hide-nobarrier "got: $(vpmemctl check /mnt/mix/f)" ;;
esac
rm -f /etc/pmemflush.conf
umount /mnt/mix
dmsetup remove --noudevsync mix
