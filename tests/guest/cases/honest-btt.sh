# btt (sector mode) on virtio-pmem: btt asks for the host flush while it
# holds its map spinlock, which no virtio-pmem driver can honour: the
# in-tree driver sleeps there (scheduling while atomic: the writer
# crashes), vpmem fails that flush and so the write, with EIO. So the
# library refuses sector mode on a buffered region, with the reason, and
# with vpmem a write fails cleanly instead of crashing or claiming success.
# vt: devices=256M,256M mode=sector driver1=vpmem

for i in 0 1; do
	eval dev=\$DEV$i
	check_rc "btt$i-check-unsafe" 3 vpmemctl check "$dev"
	case "$(vpmemctl check "$dev")" in
	*"why:"*"btt (sector mode)"*"HAZARD:    sector-on-buffered"*) vt_ok "btt$i-reason" ;;
	*) vt_fail "btt$i-reason" "got: $(vpmemctl check "$dev")" ;;
	esac
	check_rc "btt$i-map-refused" 95 persisttool map "$dev"
done
case "$(vpmemctl list)" in
*"sector-on-buffered"*) vt_ok list-names-hazard ;;
*) vt_fail list-names-hazard "got: $(vpmemctl list)" ;;
esac

# vpmem: a data write to btt fails with EIO; no kernel splat, nothing hangs.
check write-page-cache pmemtest write "$DEV1" 4096
check_rc vpmem-btt-fsync-eio 5 pmemtest fsync "$DEV1"
dd if=/dev/zero of="$DEV1" bs=4096 count=1 oflag=direct conv=notrunc 2>/dev/null
rc=$?
check_eq vpmem-btt-direct-write-fails-cleanly "$([ $rc -ne 0 ] && [ $rc -lt 128 ] && echo yes || echo "rc $rc")" yes
dmesg | grep -q "flush from atomic context" && vt_ok vpmem-says-why ||
	vt_fail vpmem-says-why "no log line: $(dmesg | tail -3 | tr '\n' ' ')"
vt_no_kernel_splat no-kernel-splat
