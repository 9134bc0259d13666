# A region that goes away under a live libpmemflush map (issue 13.5): an
# fsdax file on the in-tree virtio_pmem and on vpmem (msync), and device dax
# on vpmem (host-flush attribute). What the kernel refuses while the map
# lives (ndctl disable-namespace/-region of a mounted namespace) is refused
# and the map still persists; what it does not refuse (unbinding the virtio
# device, disabling a device dax namespace) is done under the map, and then
# persist returns an error (never 0 for a region that is gone), again on
# the next call and after pmemflush_map_clear_error(), nothing crashes or hangs, and unmap closes every descriptor
# and mapping the map had.
# vt: devices=256M,256M,256M,256M driver0=virtio_pmem driver1=vpmem driver2=vpmem driver3=vpmem mode0=fsdax mode1=fsdax mode2=devdax mode3=devdax fs0=ext4 fs1=ext4 mount0=dax mount1=dax timeout=480

# field NAME KEY: KEY=VALUE of gonemap NAME's output line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p; s/^$2=\([^ ]*\).*/\1/p" "/tmp/$1.out" | head -1; }

# start NAME PATH: a gonemap on PATH, waiting for /tmp/NAME.
start() {
	rm -f "/tmp/$1" "/tmp/$1.ready"
	gonemap "$2" "/tmp/$1" > "/tmp/$1.out" 2>&1 &
	eval "pid_$1=\$!"
	vt_wait_file "/tmp/$1.ready" 600 || vt_fail "$1-mapped" "$(cat "/tmp/$1.out")"
}

# finish NAME: let it persist, wait (60 s at most: a hang fails), report.
finish() {
	eval "_p=\$pid_$1"
	touch "/tmp/$1"
	_t=0
	while kill -0 "$_p" 2>/dev/null && [ $_t -lt 600 ]; do sleep 0.1; _t=$((_t + 1)); done
	if kill -0 "$_p" 2>/dev/null; then
		vt_fail "$1-no-hang" "gonemap still running after 60 s: $(cat "/proc/$_p/stack" 2>/dev/null | tr '\n' ' ')"
		kill -9 "$_p"
	else
		vt_ok "$1-no-hang"
	fi
	wait "$_p"
	check_eq "$1-exit-0" $? 0
	vt_info "$1: $(cat "/tmp/$1.out")"
	check_eq "$1-first-persist-ok" "$(field "$1" first)" 0
	check_eq "$1-unmap-closes-fds" "$(field "$1" fds_after)" "$(field "$1" fds_before)"
	check_eq "$1-unmap-unmaps" "$(field "$1" mapped_after)" 0
}

# gone NAME: after the region went away: an error, twice, never 0 (durable).
gone() {
	_a=$(field "$1" after)
	case "$_a" in
	-*) vt_ok "$1-persist-fails" ;;
	*) vt_fail "$1-persist-fails" "persist returned '$_a' after the region went away" ;;
	esac
	case "$(field "$1" again)" in
	-*) vt_ok "$1-second-persist-fails" ;;
	*) vt_fail "$1-second-persist-fails" "second persist returned '$(field "$1" again)'" ;;
	esac
	# pmemflush_map_clear_error() acknowledges; the device is still gone.
	case "$(field "$1" retry)" in
	-*) vt_ok "$1-persist-after-clear-fails" ;;
	*) vt_fail "$1-persist-after-clear-fails" "persist after clear_error returned '$(field "$1" retry)'" ;;
	esac
	vt_metric "$1-errno-$(field "$1" errno)" 1 call
	# pmemflush_persist(3): -ENODEV (sysfs) or -ENXIO (vpmem), message "removed".
	case "$(field "$1" errno)" in
	ENODEV | ENXIO) vt_ok "$1-errno-documented" ;;
	*) vt_fail "$1-errno-documented" "errno $(field "$1" errno)" ;;
	esac
	check "$1-message-says-removed" grep -q 'msg=.*was removed' "/tmp/$1.out"
}

# unbind N: the virtio device of device N off its driver (60 s at most).
unbind() {
	_v=$(vt_virtio_dev "$1")
	_d=$(basename "$(readlink -f "$_v/driver")")
	timeout 60 sh -c "echo $(basename "$_v") > /sys/bus/virtio/drivers/$_d/unbind"
}

# What the kernel (and ndctl) refuse while a namespace is mounted: the map
# is untouched and still persists.
start busy "$MNT1/busy"
ns1=$(basename "$NS1")
# ndctl exits with the kernel's -EBUSY (240) for the namespace, and skips
# the region ("disabled 0 regions", exit 0).
ndctl disable-namespace "$ns1" > /tmp/dn.out 2>&1
check_eq disable-mounted-namespace-refused $? 240
vt_info "ndctl disable-namespace $ns1 (mounted): $(tr '\n' ' ' < /tmp/dn.out)"
ndctl disable-region "$REGION1" > /tmp/dr.out 2>&1
vt_info "ndctl disable-region $REGION1 (mounted): rc=$? $(tr '\n' ' ' < /tmp/dr.out)"
check disable-mounted-region-skipped grep -q 'disabled 0 regions' /tmp/dr.out
check mounted-namespace-still-enabled sh -c "ndctl list -n $ns1 | grep -q '\"mode\":\"fsdax\"'"
check mounted-file-still-there test -e "$MNT1/busy"
finish busy
check_eq busy-persist-still-ok "$(field busy after)" 0

# The in-tree driver, fsdax (msync): unbind the virtio device.
start intree "$MNT0/f"
mark intree-a
check intree-unbind-done unbind 0
finish intree
mark intree-b
gone intree
check intree-pmem-gone sh -c "! test -e $DEV0"

# vpmem, fsdax (msync).
start vfs "$MNT1/f"
check vfs-unbind-done unbind 1
finish vfs
gone vfs

# vpmem, device dax with the host-flush attribute: disable the namespace
# (the dax device goes, the bus and its flush attribute stay).
dax3=$(basename "$DAX3")
start vdaxns "$DAX3"
ndctl disable-namespace "$(basename "$NS3")" > /tmp/dn.out 2>&1
vt_info "ndctl disable-namespace (dax mapped): rc=$? $(tr '\n' ' ' < /tmp/dn.out)"
mark vdaxns-a
finish vdaxns
mark vdaxns-b
vt_info "device dax namespace disabled under the map: after=$(field vdaxns after) store=$(field vdaxns store)"
# pmemflush_persist(3): the bus and its flush attribute stay, so persist
# still succeeds there, each call a real host flush (after, again, retry).
check_eq vdaxns-persist-still-ok "$(field vdaxns after)" 0
check_eq vdaxns-second-persist-still-ok "$(field vdaxns again)" 0
check_eq vdaxns-persist-after-clear-ok "$(field vdaxns retry)" 0
expect_hf vdaxns-a vdaxns-b ge 3 vdaxns-persists-reach-host

# vpmem, device dax: unbind the virtio device (bus, region, attribute gone).
start vdax "$DAX2"
check vdax-unbind-done unbind 2
finish vdax
gone vdax

vt_no_kernel_splat no-kernel-splat

# Not done here: unmounting the file systems. An fsdax ext4 whose pmem
# device was unbound Oopses at umount (dax_disassociate_entry, on 6.1 and
# 6.12; 6.12's guest then hangs at power-off), which is why 'vpmemctl
# driver bind' refuses while a namespace is mounted.
