# Packaging (issue 9.7): vpmem.ko as the real dkms tool (Debian's package)
# added, built and installed it from kmod/ for this kernel (the harness's
# build_dkms) loads, is the production build of these very sources, drives
# the device, and its flush reaches the host.
# vt: devices=256M timeout=120

# vpmem.ko, or vpmem.ko.xz where the kernel compresses its modules (6.12).
ko=$(ls /vpmem/dkms/vpmem.ko* 2>/dev/null)
check dkms-module-packed test -f "$ko"
raw=/tmp/dkms-vpmem.ko
case $ko in
*.xz) unxz -c "$ko" > $raw ;;
*) cp "$ko" $raw ;;
esac
. /vpmem/dkms/dkms.env
vt_info "$DKMS_VERSION: $DKMS_STATUS"
check_eq dkms-status-installed "$DKMS_STATUS" "vpmem/$DKMS_PACKAGE_VERSION, $(uname -r), x86_64: installed"
# Debian's dkms signs what it builds (here with the harness's throwaway key).
check_eq dkms-signed-it "$DKMS_SIGNED $(tail -c 28 $raw | tr -d '\n')" "1 ~Module signature appended~"
check_eq dkms-built-for-this-kernel "$(modinfo -F vermagic $ko | cut -d' ' -f1)" "$(uname -r)"
check_eq dkms-version "$(modinfo -F version $ko)" "$DKMS_PACKAGE_VERSION"
# srcversion is a checksum of the module's sources: the same as the test
# build's (made by plain make from kmod/), whatever the build flags.
check_eq dkms-srcversion-is-this-tree "$(modinfo -F srcversion $ko)" "$(modinfo -F srcversion /vpmem/vpmem.ko)"
check_eq dkms-production-build "$(modinfo -F parm $ko | grep -c fail_next_flushes)" 0

check insmod-dkms-module insmod $ko
check_eq loaded-version "$(cat /sys/module/vpmem/version)" "$DKMS_PACKAGE_VERSION"
check_eq loaded-srcversion "$(cat /sys/module/vpmem/srcversion)" "$(modinfo -F srcversion $ko)"
check_eq loaded-no-test-knob "$(test -e /sys/module/vpmem/parameters/fail_next_flushes && echo yes || echo no)" no

# The device starts on virtio_pmem (the case's default); move it.
check bind-to-vpmem vt_rebind 0 vpmem
v=$(vt_virtio_dev 0)
t=0
while ! ls -d "$v"/ndbus*/vpmem >/dev/null 2>&1 && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
g=$(ls -d "$v"/ndbus*/vpmem 2>/dev/null)
check_eq bound-to-vpmem "$(basename "$(readlink -f "$v/driver")")" vpmem
check vpmem-group test -d "$g"
check_eq buffered "$(cat "$g/buffered")" 1
sync
h0=$(cat "$g/host_flushes")
mark a
check flush sh -c "echo 1 > $g/flush"
mark b
expect_hf a b eq 1 dkms-module-flush-reaches-host
check_eq host-flushes-counter $(($(cat "$g/host_flushes") - h0)) 1
vt_no_kernel_splat no-kernel-splat
