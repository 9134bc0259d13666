# docs/pmdk.md, measured: what Debian's PMDK 1.12 (libpmem, libpmem2) does on
# virtio-pmem, and examples/pmdk-port (a libpmem2 log, log-pmem2, and its
# libpmemflush port, log-pmemflush) on the same memory, QEMU's trace the
# witness. Device 0: ext4 -o dax (in-tree driver); device 1: devdax with
# vpmem (a host-flush path exists); device 2: devdax with the in-tree
# driver (none exists); plus an emulated ACPI NVDIMM for the unsafe-shutdown
# count. PMDK on devdax: MAP_SYNC, cache-line granularity, is_pmem=1 and 0
# host flushes for every persist; on fsdax: page granularity, one msync per
# persist. The port: host flushes on devdax with vpmem, a refusal with the
# in-tree driver, msync on fsdax; every log intact after a remount. Failing
# host flushes (vpmem's fault knob) stop the port with EIO; libpmem2
# acknowledges its record all the same, sending no host flush.
# vt: devices=256M,256M,256M driver1=vpmem mode0=fsdax fs0=ext4 mount0=dax,noatime
# vt: mode1=devdax mode2=devdax nvdimm=512M timeout=300

N=20		# records per run; each is two durability points (record, header)
P=$((2 * N))

for b in log-pmem2 log-pmemflush pmdkfacts; do
	check "have-$b" command -v "$b"
done

# fact KEY LINE: the value of KEY=... in a pmdkfacts line.
fact() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# run NAME CMD...: run a program between marks NAME-a and NAME-b; its output
# is in $out (stderr too), its exit status in $rc.
run() {
	_n=$1
	shift
	sync
	mark "$_n-a"
	out=$("$@" 2>&1)
	rc=$?
	mark "$_n-b"
	vt_info "$_n: rc=$rc $out"
}

# ---- PMDK on fsdax (ext4 -o dax): MAP_SYNC refused -> page granularity,
# persist_fn = msync, libpmem is_pmem=0 -> pmem_msync.
f=$MNT0/pmem2.log
check pmem2-fsdax-create log-pmem2 "$f" create 1048576
check_rc fsdax-mapsync-refused 95 pmemtest mapsync "$f"
facts=$(pmdkfacts "$f" facts 2>&1)
vt_info "fsdax facts: $facts"
check_eq pmem2-fsdax-granularity-page "$(fact pmem2_granularity "$facts")" page
check_eq libpmem-fsdax-is-pmem-0 "$(fact is_pmem "$facts")" 0
# PMEM2_E_GRANULARITY_NOT_SUPPORTED (-100009)
check_eq pmem2-fsdax-cache-line-required-refused "$(fact cache_line_map "$facts")" -100009
check_eq libpmem-no-hw-drain-no-auto-flush "$(fact has_hw_drain "$facts") $(fact has_auto_flush "$facts")" "0 0"
run pmem2-fsdax log-pmem2 "$f" append $N
check_eq pmem2-fsdax-ok "$rc $out" "0 granularity=page records=$N persists=$P"
echo "@@VT hf-per-op pmem2-fsdax-a pmem2-fsdax-b $P pmem2-fsdax-host-flushes-per-persist"
echo "@@VT expect-hf-per-op pmem2-fsdax-a pmem2-fsdax-b $P ge 0.9 pmem2-fsdax-about-one-host-flush-per-persist"
echo "@@VT expect-hf-per-op pmem2-fsdax-a pmem2-fsdax-b $P le 2.5 pmem2-fsdax-at-most-a-few-per-persist"
run libpmem-fsdax pmdkfacts "$f" libpmem $N
check_eq libpmem-fsdax-msync "$rc $out" "0 is_pmem=0 persists=$N"
echo "@@VT hf-per-op libpmem-fsdax-a libpmem-fsdax-b $N libpmem-fsdax-host-flushes-per-msync"
echo "@@VT expect-hf-per-op libpmem-fsdax-a libpmem-fsdax-b $N ge 0.9 libpmem-fsdax-one-host-flush-per-pmem-msync"
# At page granularity pmem2_deep_flush() does nothing at all (it counts on
# persist_fn's msync): stores followed only by it stay in the guest.
run deep-fsdax pmdkfacts "$f" deepflush $N
check_eq pmem2-deep-flush-fsdax-ok "$rc $out" "0 deep_flush=0 persists=$N"
expect_hf deep-fsdax-a deep-fsdax-b eq 0 pmem2-deep-flush-fsdax-is-a-no-op
# libpmem's and deep_flush's passes wrote bytes after the log's records:
# put the log back.
check pmem2-fsdax-recreate log-pmem2 "$f" create 1048576
check pmem2-fsdax-refill log-pmem2 "$f" append $N

# ---- The port on fsdax: method msync, every persist reaches the host.
g=$MNT0/port.log
check port-fsdax-create log-pmemflush "$g" create 1048576
run port-fsdax log-pmemflush "$g" append $N
check_eq port-fsdax-ok "$rc $out" "0 method=msync granularity=page records=$N persists=$P"
echo "@@VT hf-per-op port-fsdax-a port-fsdax-b $P port-fsdax-host-flushes-per-persist"
expect_hf port-fsdax-a port-fsdax-b ge $N port-fsdax-host-flushes

# Both logs intact after an unmount and mount (each read by the other program).
check fsdax-umount umount "$MNT0"
check fsdax-mount mount -o dax,noatime "$DEV0" "$MNT0"
check_eq pmem2-log-after-remount "$(log-pmemflush "$f" verify $N 2>&1)" \
	"method=msync granularity=page records=$N persists=0"
check_eq port-log-after-remount "$(log-pmem2 "$g" verify $N 2>&1)" \
	"granularity=page records=$N persists=0"

# ---- PMDK on devdax with vpmem: MAP_SYNC, cache-line, is_pmem=1; its persists
# are CPU flushes only: nothing reaches the host.
check_eq vpmem-bound "$(cat "$VPMEM1/buffered")" 1
check_rc devdax-mapsync-accepted 0 pmemtest mapsync "$DAX1"
facts=$(pmdkfacts "$DAX1" facts 2>&1)
vt_info "devdax (vpmem) facts: $facts"
check_eq pmem2-devdax-granularity-cache-line "$(fact pmem2_granularity "$facts")" cache-line
check_eq libpmem-devdax-is-pmem-1 "$(fact is_pmem "$facts")" 1
check_eq pmem2-devdax-deep-flush-0 "$(fact deep_flush "$facts")" 0
check_eq pmem2-devdax-cache-line-required-accepted "$(fact cache_line_map "$facts")" 0
check pmem2-devdax-create log-pmem2 "$DAX1" create 0
h0=$(cat "$VPMEM1/host_flushes")
run pmem2-devdax log-pmem2 "$DAX1" append $N
check_eq pmem2-devdax-ok "$rc $out" "0 granularity=cache-line records=$N persists=$P"
expect_hf pmem2-devdax-a pmem2-devdax-b eq 0 pmem2-devdax-no-host-flush
check_eq pmem2-devdax-vpmem-counter $(($(cat "$VPMEM1/host_flushes") - h0)) 0
run libpmem-devdax pmdkfacts "$DAX1" libpmem $N
check_eq libpmem-devdax-persist "$rc $out" "0 is_pmem=1 persists=$N"
expect_hf libpmem-devdax-a libpmem-devdax-b eq 0 libpmem-devdax-no-host-flush
# pmem2_deep_flush() returns 0 and reaches no host either (no deep_flush
# attribute on a virtio-pmem region).
run deep-devdax pmdkfacts "$DAX1" deepflush $N
check_eq pmem2-deep-flush-devdax-ok "$rc $out" "0 deep_flush=0 persists=$N"
expect_hf deep-devdax-a deep-devdax-b eq 0 pmem2-deep-flush-devdax-no-host-flush

# ---- The port on the same device: method host-flush, one host flush per
# persist (single thread: nothing to share).
check port-devdax-create log-pmemflush "$DAX1" create 0
h0=$(cat "$VPMEM1/host_flushes")
run port-devdax log-pmemflush "$DAX1" append $N
check_eq port-devdax-ok "$rc $out" "0 method=host-flush granularity=page records=$N persists=$P"
expect_hf port-devdax-a port-devdax-b ge $P port-devdax-host-flush-per-persist
h1=$(cat "$VPMEM1/host_flushes")
check port-devdax-vpmem-counter test $((h1 - h0)) -ge $P
vt_metric port-devdax-vpmem-host-flushes $((h1 - h0)) flushes
check_eq port-devdax-verify "$(log-pmem2 "$DAX1" verify $N 2>&1)" \
	"granularity=cache-line records=$N persists=0"

# ---- Host flushes that fail (vpmem's test-only fault knob, armed for many
# flushes so it outlasts both programs): the port stops with EIO and does not
# count the record; libpmem2, which never asks the host, acknowledges its
# record while the knob still fails every host flush (it is not consumed: no
# flush was sent). Reset afterwards.
knob=/sys/module/vpmem/parameters/fail_next_flushes
FAILS=1000
e0=$(cat "$VPMEM1/flush_errors")
echo $FAILS > "$knob"
run fault-port log-pmemflush "$DAX1" append 1
check_eq fault-port-eio $rc 5
case "$out" in
*"Input/output error"*) vt_ok fault-port-message ;;
*) vt_fail fault-port-message "got: $out" ;;
esac
expect_hf fault-port-a fault-port-b ge 1 fault-port-flush-was-sent
e1=$(cat "$VPMEM1/flush_errors")
check fault-flush-errors-counted test $((e1 - e0)) -ge 1
k0=$(cat "$knob")
check fault-knob-still-armed test "$k0" -gt 0
run fault-pmem2 log-pmem2 "$DAX1" append 1
check_eq fault-pmem2-says-ok "$rc $out" "0 granularity=cache-line records=$((N + 1)) persists=2"
expect_hf fault-pmem2-a fault-pmem2-b eq 0 fault-pmem2-no-host-flush
check_eq fault-pmem2-knob-untouched "$(cat "$knob")" "$k0"
check_eq fault-pmem2-no-flush-error "$(cat "$VPMEM1/flush_errors")" "$e1"
echo 0 > "$knob"
check_eq fault-knob-reset "$(cat "$knob")" 0
cat "$VPMEM1/flush_errors" > "$VPMEM1/flush_errors_ack"

# ---- devdax with the in-tree driver: PMDK maps it as pmem (0 host flushes),
# the port refuses it with a message naming the region and vpmem.
facts=$(pmdkfacts "$DAX2" facts 2>&1)
vt_info "devdax (virtio_pmem) facts: $facts"
check_eq intree-pmem2-granularity-cache-line "$(fact pmem2_granularity "$facts")" cache-line
check_eq intree-libpmem-is-pmem-1 "$(fact is_pmem "$facts")" 1
check intree-pmem2-create log-pmem2 "$DAX2" create 0
run intree-pmem2 log-pmem2 "$DAX2" append $N
check_eq intree-pmem2-ok "$rc $out" "0 granularity=cache-line records=$N persists=$P"
expect_hf intree-pmem2-a intree-pmem2-b eq 0 intree-pmem2-devdax-no-host-flush
run intree-port log-pmemflush "$DAX2" append $N
check_eq intree-port-refused-eopnotsupp $rc 95
case "$out" in
*"$REGION2"*vpmem*) vt_ok intree-port-message-names-region-and-vpmem ;;
*) vt_fail intree-port-message-names-region-and-vpmem "got: $out" ;;
esac
expect_hf intree-port-a intree-port-b eq 0 intree-port-nothing-flushed
check_eq intree-port-log-untouched "$(log-pmem2 "$DAX2" verify $N 2>&1)" \
	"granularity=cache-line records=$N persists=0"

# ---- Unsafe shutdown count and device id (libpmemobj's SDS stores both):
# virtio-pmem regions have no DIMM, so the sum over none is 0, whatever
# happens to the host (and the device id is empty); the emulated NVDIMM
# has a DIMM whose count cannot be read (PMEM2_E_NOSUPP).
for dev in "$MNT0/pmem2.log" "$DAX1" "$DAX2"; do
	facts=$(pmdkfacts "$dev" facts 2>&1)
	vt_info "usc $dev: $facts"
	check_eq "usc-$(basename "$dev")" \
		"$(fact usc_rc "$facts") $(fact usc "$facts") $(fact id_rc "$facts") $(fact id_len "$facts")" \
		"0 0 0 1"
done
for r in "$REGION0" "$REGION1" "$REGION2"; do
	check_eq "$r-no-dimm-mappings" "$(cat "/sys/bus/nd/devices/$r/mappings")" 0
	# pmem2_deep_flush() on devdax writes this file, and returns 0 when it
	# cannot open it: it is absent on virtio-pmem.
	check "$r-no-deep-flush-attribute" test ! -e "/sys/bus/nd/devices/$r/deep_flush"
done
# What that means for a libpmemobj pool (SDS on by default): created and
# opened; the count and id it stores (0 and an empty id) can never change,
# so no host crash is ever detected.
out=$(pmdkfacts "$MNT0/obj.pool" obj 2>&1)
vt_info "pmemobj fsdax: $out"
check_eq pmemobj-sds-fsdax "$out" "sds_at_create=1 create=0 open=0"
out=$(pmdkfacts "$DAX1" obj 2>&1)
vt_info "pmemobj devdax (vpmem): $out"
check_eq pmemobj-sds-devdax "$out" "sds_at_create=1 create=0 open=0"

# The emulated NVDIMM: a DIMM whose count cannot be read.
nfit=
for b in /sys/bus/nd/devices/ndbus*; do
	[ "$(cat "$b/provider" 2>/dev/null)" = ACPI.NFIT ] && nfit=$b
done
check nfit-bus test -n "$nfit"
region=$(basename "$(ls -d "$nfit"/region* | head -1)")
n=${region#region}
vt_run ndctl create-namespace -f -e "namespace$n.0" -m devdax
vt_wait_file "/dev/dax$n.0" 50
facts=$(pmdkfacts "/dev/dax$n.0" facts 2>&1)
vt_info "usc nvdimm /dev/dax$n.0: $facts"
check_eq nvdimm-usc-nosupp "$(fact usc_rc "$facts")" -100001
check_eq nvdimm-id-ok "$(fact id_rc "$facts")" 0
# Debian's PMDK 1.12 takes "not supported" as a count of 0: the pool is
# created with SDS on all the same (sds_at_create=1, read through
# pmemobj_ctl_get; PMDK 2.1 and later refuse it, read in its source:
# docs/pmdk.md).
out=$(pmdkfacts "/dev/dax$n.0" obj 2>&1)
vt_info "pmemobj nvdimm: $out"
check_eq pmemobj-sds-nvdimm-1.12 "$out" "sds_at_create=1 create=0 open=0"
out=$(pmdkfacts "/dev/dax$n.0" obj nosds 2>&1)
vt_info "pmemobj nvdimm sds.at_create=0: $out"
check_eq pmemobj-nosds-nvdimm "$out" "sds_at_create=0 create=0 open=0"
vt_no_kernel_splat no-kernel-splat
