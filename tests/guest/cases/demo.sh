# What scripts/demo shows: a guest with three virtio-pmem devices
#   0: ext4 -o dax, in-tree virtio_pmem driver
#   1: device dax, in-tree virtio_pmem driver (no durable path exists)
#   2: device dax, this project's vpmem driver (host-flush path)
# vpmemctl list/check there, the refusal, the vpmem flush attribute and
# persists through libpmemflush, each with the host flushes QEMU reports.
# Also run by scripts/test so the demo cannot rot.
# vt: devices=256M,256M,256M fs0=ext4 mount0=dax,noatime mode1=devdax mode2=devdax driver2=vpmem

say() { echo "demo| $*"; }
show() { # show CMD...: print the command and its output
	say "\$ $*"
	"$@" 2>&1 | sed 's/^/demo|   /'
}

say "guest kernel $(uname -r), three virtio-pmem devices"
show vpmemctl version
check vpmemctl-runs vpmemctl version
say ""
say "Stock tools cannot tell that these regions are buffered:"
show ndctl list -R
say ""
say "libpmemflush can (evidence included), and names the hazard:"
show vpmemctl list
check vpmemctl-list-buffered sh -c "vpmemctl list --json | grep -q '\"buffered\":\"yes\"'"
say ""
pmemtest write "$MNT0/file" 4096
show vpmemctl check "$MNT0/file"
check_rc vpmemctl-check-durable 0 vpmemctl check "$MNT0/file"
show vpmemctl check "$DAX1"
check_rc vpmemctl-check-devdax-unsafe 3 vpmemctl check "$DAX1"
show vpmemctl check "$DAX2"
check_rc vpmemctl-check-vpmem-devdax-durable 0 vpmemctl check "$DAX2"
check_rc mapsync-refused 95 pmemtest mapsync "$MNT0/file" 2>/dev/null
say ""
say "Mapping $DAX1 through libpmemflush is refused (PMDK would say is_pmem=1):"
show persisttool map "$DAX1"
check_rc devdax-intree-refused 95 persisttool map "$DAX1"

sync
say ""
say "persist() of 3 records on ext4-dax ($MNT0/log): method msync, the host flushes:"
mark demo-a
persisttool persist "$MNT0/log" 3 | grep -v '^@@VT' | sed 's/^/demo|   /'
mark demo-b
expect_hf demo-a demo-b ge 3 ext4-persists-reached-host

say ""
say "persist() of 3 records on $DAX2 (vpmem): method host-flush, one host flush each:"
sync	# nothing left for ext4 to flush while device 2 is counted
h0=$(cat "$VPMEM2/host_flushes")
mark demo-c
persisttool persist "$DAX2" 3 | grep -v '^@@VT' | sed 's/^/demo|   /'
mark demo-d
h1=$(cat "$VPMEM2/host_flushes")
say "vpmem counted $((h1 - h0)) host flushes ($VPMEM2/host_flushes)"
expect_hf demo-c demo-d eq $((h1 - h0)) vpmem-counter-equals-host-trace
expect_hf demo-c demo-d ge 3 devdax-persists-reached-host

say ""
say "\$ echo 1 > $VPMEM2/flush    (one synchronous host flush, from any script)"
mark demo-e
check flush-attr sh -c "echo 1 > $VPMEM2/flush"
mark demo-f
expect_hf demo-e demo-f eq 1 flush-attr-one-host-flush
