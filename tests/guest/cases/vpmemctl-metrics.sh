# vpmemctl metrics (Prometheus textfile format) on a vpmem device with ext4
# -o dax and a devdax namespace on the in-tree virtio_pmem driver (hazard
# devdax-no-host-flush): the values against sysfs, the host flush counter
# rising with a flush, the nobarrier hazard of a remount, --output's atomic
# replacement and its errors, an unreadable counter left out (not 0), an
# emulated ACPI NVDIMM whose buffered state is unknown (absent, not 0);
# --mounts=none (no per-mount series, region hazards still count mounts);
# an unacknowledged flush error (vpmem refuses flushes) as a gauge, unknown
# to a user who cannot read flush_errors_ack; a mount on the NVDIMM durable
# only with the trust opt-in: vpmem_mount_durable 0, _trusted 1; the NFD
# labels of the NVDIMM alone: buffered=unknown, nothing durable. The
# files go to the host (vpmemctl-metrics.host: promtool, node_exporter).
# vt: devices=256M,256M driver0=vpmem fs0=ext4 mount0=dax,noatime mode1=devdax driver1=virtio_pmem nvdimm=256M timeout=300

. /vpmem/cases/vpmemctl.inc

# mval FILE SERIES: the value of SERIES (name and labels, as written) in FILE;
# "absent" when it is not there.
mval() {
	_v=$(awk -v s="$2 " 'index($0, s) == 1 { print $NF; exit }' "$1")
	echo "${_v:-absent}"
}
# metrics NAME RC [ARGS]: vpmemctl metrics ARGS to /tmp/NAME.prom, exit RC.
metrics() {
	_n=$1 _rc=$2
	shift 2
	vpmemctl metrics "$@" > "/tmp/$_n.prom" 2> "/tmp/$_n.err"
	_got=$?
	if [ "$_got" -eq "$_rc" ]; then vt_ok "$_n-status"; else
		vt_fail "$_n-status" "exited $_got, expected $_rc: $(head -c 300 "/tmp/$_n.err")"
	fi
}
R0=$REGION0
R1=$REGION1
hf() { cat "$VPMEM0/host_flushes"; }

sync
metrics start 0
check start-quiet [ ! -s /tmp/start.err ]
vt_export start.prom /tmp/start.prom
m=/tmp/start.prom
check_eq discovery "$(mval $m vpmem_discovery_success)" 1
check_eq driver-facts "$(mval $m vpmem_driver_facts_success)" 1
check_eq region0-info "$(mval $m "vpmem_region_info{region=\"$R0\",bus=\"$BUS0\",provider=\"virtio-pmem\",kind=\"virtio-pmem\",driver=\"vpmem\",persistence_domain=\"unknown\",host_flush=\"vpmem-flush\"}")" 1
check_eq region1-info "$(mval $m "vpmem_region_info{region=\"$R1\",bus=\"$BUS1\",provider=\"virtio-pmem\",kind=\"virtio-pmem\",driver=\"virtio_pmem\",persistence_domain=\"unknown\",host_flush=\"none\"}")" 1
for i in 0 1; do
	eval "r=\$REGION$i"
	check_eq "buffered$i" "$(mval $m "vpmem_region_buffered{region=\"$r\"}")" 1
	check_eq "enabled$i" "$(mval $m "vpmem_region_enabled{region=\"$r\"}")" 1
	check_eq "size$i" "$(mval $m "vpmem_region_size_bytes{region=\"$r\"}")" "$(cat /sys/bus/nd/devices/$r/size)"
	# Every known hazard is a series, 0 or 1.
	check_eq "hazard-series$i" "$(grep -c "^vpmem_region_hazard{region=\"$r\"," $m)" 6
done
check_eq host-flush0 "$(mval $m "vpmem_region_host_flush_available{region=\"$R0\"}")" 1
check_eq host-flush1 "$(mval $m "vpmem_region_host_flush_available{region=\"$R1\"}")" 0
check_eq hazard-devdax1 "$(mval $m "vpmem_region_hazard{region=\"$R1\",hazard=\"devdax-no-host-flush\"}")" 1
check_eq hazards0-none "$(grep "^vpmem_region_hazard{region=\"$R0\"," $m | grep -c ' 1$')" 0
check_eq ns-fsdax0 "$(mval $m "vpmem_region_namespaces{region=\"$R0\",mode=\"fsdax\"}")" 1
check_eq ns-devdax0 "$(mval $m "vpmem_region_namespaces{region=\"$R0\",mode=\"devdax\"}")" 0
check_eq ns-devdax1 "$(mval $m "vpmem_region_namespaces{region=\"$R1\",mode=\"devdax\"}")" 1
check_eq ns1-info "$(mval $m "vpmem_namespace_info{namespace=\"$NS1\",region=\"$R1\",mode=\"devdax\",device=\"${DAX1#/dev/}\",persist_method=\"refused\"}")" 1
ndctl list -N > /tmp/nd-n.json
check_eq ns0-size "$(mval $m "vpmem_namespace_size_bytes{namespace=\"$NS0\"}")" "$(jn "dev=$NS0/size")"
# Modules and devices: both drivers live; the virtio_pmem device is told to bind vpmem.
check_eq vpmem-loaded "$(mval $m 'vpmem_module_loaded{module="vpmem"}')" 1
check_eq virtio_pmem-loaded "$(mval $m 'vpmem_module_loaded{module="virtio_pmem"}')" 1
v1=$(basename "$(vt_virtio_dev 1)")
check_eq device1-info "$(mval $m "vpmem_device_info{device=\"$v1\",driver=\"virtio_pmem\",region=\"$R1\"}")" 1
check_eq device1-advice "$(mval $m "vpmem_device_driver_advice{device=\"$v1\",advice=\"bind-vpmem\"}")" 1
check_eq device1-advice-none "$(mval $m "vpmem_device_driver_advice{device=\"$v1\",advice=\"none\"}")" 0
# Counters only where vpmem drives the region.
check_eq counters0 "$(mval $m "vpmem_counters_success{region=\"$R0\"}")" 1
check_eq counters1-absent "$(grep -c "_total{region=\"$R1\"}" $m)" 0
check_eq counters1-success-absent "$(mval $m "vpmem_counters_success{region=\"$R1\"}")" absent
check_eq type-counter "$(grep -c '^# TYPE vpmem_host_flushes_total counter$' $m)" 1
check_eq errors0 "$(mval $m "vpmem_flush_errors_total{region=\"$R0\"}")" "$(cat "$VPMEM0/flush_errors")"
check_eq ack-success0 "$(mval $m "vpmem_flush_errors_ack_success{region=\"$R0\"}")" 1
check_eq unack0 "$(mval $m "vpmem_flush_errors_unacknowledged{region=\"$R0\"}")" \
	$(($(cat "$VPMEM0/flush_errors") - $(cat "$VPMEM0/flush_errors_ack")))
# No state label on the info gauge (a changing label churns series).
check_eq module-info-no-state "$(grep '^vpmem_module_info{' $m | grep -c 'state=')" 0
check_eq module-info-vpmem "$(grep -c '^vpmem_module_info{module="vpmem",version="[^"]*"} 1$' $m)" 1
# The mount: its check, its hazards (none yet), DAX.
mi="vpmem_mount_info{mountpoint=\"$MNT0\",device=\"$DEV0\",fstype=\"ext4\",namespace=\"$NS0\",region=\"$R0\"}"
check_eq mount0-info "$(mval $m "$mi")" 1
check_eq mount0-dax "$(mval $m "vpmem_mount_dax{mountpoint=\"$MNT0\"}")" 1
check_eq mount0-check "$(mval $m "vpmem_mount_check_success{mountpoint=\"$MNT0\"}")" 1
check_eq mount0-durable "$(mval $m "vpmem_mount_durable{mountpoint=\"$MNT0\"}")" 1
check_eq mount0-durable-trusted "$(mval $m "vpmem_mount_durable_trusted{mountpoint=\"$MNT0\"}")" 1
check_eq mount0-nobarrier-0 "$(mval $m "vpmem_mount_hazard{mountpoint=\"$MNT0\",hazard=\"nobarrier-on-buffered\"}")" 0
# The ACPI NVDIMM: nothing the guest can verify says buffered or not. The
# gauge is absent (0 would say "not buffered") and the hazard is 1.
nfit=
for b in /sys/bus/nd/devices/ndbus*; do
	[ "$(cat "$b/provider" 2>/dev/null)" = ACPI.NFIT ] && nfit=$b
done
rn=$(basename "$(ls -d "$nfit"/region* | head -1)")
check nvdimm-region test -n "$nfit" -a -n "$rn"
check nvdimm-info grep -q "^vpmem_region_info{region=\"$rn\",bus=\"${nfit##*/}\",provider=\"ACPI.NFIT\",kind=\"acpi-nfit\",driver=\"[a-z_]*\",persistence_domain=\"memory_controller\",host_flush=\"none\"} 1$" $m
check_eq nvdimm-buffered-absent "$(mval $m "vpmem_region_buffered{region=\"$rn\"}")" absent
check_eq nvdimm-hazard-unknown "$(mval $m "vpmem_region_hazard{region=\"$rn\",hazard=\"buffered-unknown\"}")" 1
check_eq nvdimm-no-counters "$(mval $m "vpmem_counters_success{region=\"$rn\"}")" absent
ts=$(mval $m vpmem_metrics_timestamp_seconds)
check timestamp-now [ "${ts%.*}" -ge $(($(date +%s) - 60)) ]

# The host flush counter equals sysfs (read around it) and rises with a flush.
sync
a=$(hf)
metrics before 0
b=$(hf)
got=$(mval /tmp/before.prom "vpmem_host_flushes_total{region=\"$R0\"}")
check hf-equals-sysfs sh -c "[ '$got' -ge $a ] && [ '$got' -le $b ]"
vt_info "host_flushes: sysfs $a..$b, metric $got"
check flush vpmemctl flush "$R0"
a=$(hf)
metrics after 0
b=$(hf)
got2=$(mval /tmp/after.prom "vpmem_host_flushes_total{region=\"$R0\"}")
check hf-rises [ "$got2" -gt "$got" ]
check hf-equals-sysfs-after sh -c "[ '$got2' -ge $a ] && [ '$got2' -le $b ]"
req=$(mval /tmp/after.prom "vpmem_flush_requests_total{region=\"$R0\"}")
check requests-ge-hf [ "$req" -ge "$got2" ]
lat=$(mval /tmp/after.prom "vpmem_host_flush_latency_seconds_total{region=\"$R0\"}")
max=$(mval /tmp/after.prom "vpmem_host_flush_latency_max_seconds{region=\"$R0\"}")
# Exact seconds from the nanoseconds of sysfs (no float rounding).
ns=$(cat "$VPMEM0/flush_latency_max_ns")
check_eq latency-max-exact "$max" "$((ns / 1000000000)).$(printf %09d $((ns % 1000000000)))"
# A number of seconds above 0 (not "absent", not 0).
check latency-positive sh -c "echo '$lat' | grep -Eq '^[0-9]+\.[0-9]{9}\$' && [ '$lat' != 0.000000000 ]"
vt_export after.prom /tmp/after.prom

# A remount with nobarrier: the hazard series of the mount and region say 1.
check remount-nobarrier mount -o remount,nobarrier "$MNT0"
metrics nobarrier 0
m=/tmp/nobarrier.prom
check_eq nobarrier-mount "$(mval $m "vpmem_mount_hazard{mountpoint=\"$MNT0\",hazard=\"nobarrier-on-buffered\"}")" 1
check_eq nobarrier-durable "$(mval $m "vpmem_mount_durable{mountpoint=\"$MNT0\"}")" 0
check_eq nobarrier-region "$(mval $m "vpmem_region_hazard{region=\"$R0\",hazard=\"nobarrier-on-buffered\"}")" 1
check_eq nobarrier-others-0 "$(mval $m "vpmem_mount_hazard{mountpoint=\"$MNT0\",hazard=\"volatile\"}")" 0

# --output DIR: replaced atomically, nothing else left; the example of the man page.
mkdir -p /var/lib/prometheus/node-exporter
echo old > /var/lib/prometheus/node-exporter/vpmem.prom
check output vpmemctl metrics --output /var/lib/prometheus/node-exporter
out=/var/lib/prometheus/node-exporter/vpmem.prom
check_eq output-only-file "$(ls -A /var/lib/prometheus/node-exporter)" vpmem.prom
check_eq output-mode "$(stat -c %a $out)" 644
check_eq output-nobarrier "$(mval $out "vpmem_mount_hazard{mountpoint=\"$MNT0\",hazard=\"nobarrier-on-buffered\"}")" 1
check_eq output-hf "$(mval $out "vpmem_counters_success{region=\"$R0\"}")" 1
vt_export output.prom $out
# The man page's other examples.
vpmemctl metrics > /tmp/ex.prom
check_eq example-stdout "$(mval /tmp/ex.prom vpmem_discovery_success)" 1
# --mounts=none (the man page's example): no series per mount point, and
# the region's hazard still counts the nobarrier mount.
check mounts-none vpmemctl metrics --mounts=none --output /var/lib/prometheus/node-exporter
check_eq mounts-none-no-mount-series "$(grep -c '^vpmem_mount_' $out)" 0
check_eq mounts-none-region-hazard "$(mval $out "vpmem_region_hazard{region=\"$R0\",hazard=\"nobarrier-on-buffered\"}")" 1
check_eq mounts-none-counters "$(mval $out "vpmem_counters_success{region=\"$R0\"}")" 1
check_eq mounts-all-has-mount "$(grep -c "^vpmem_mount_info{mountpoint=\"$MNT0\"" /tmp/ex.prom)" 1
cp $out /tmp/mounts-none.prom
vt_export mounts-none.prom /tmp/mounts-none.prom
metrics mounts-bad 2 --mounts=some
check mounts-bad-says grep -q "bad --mounts 'some': all or none" /tmp/mounts-bad.err
# A mount hidden under another one (tmpfs over the nobarrier mount): the
# gauges keyed by mount point describe what is visible there, so the hidden
# mount gets none of them (not the tmpfs's verdict); its region still
# counts its hazard.
check overmount mount -t tmpfs none "$MNT0"
metrics hidden 0
check_eq hidden-info "$(grep -c "^vpmem_mount_info{mountpoint=\"$MNT0\"" /tmp/hidden.prom)" 1
check_eq hidden-no-durable "$(mval /tmp/hidden.prom "vpmem_mount_durable{mountpoint=\"$MNT0\"}")" absent
check_eq hidden-no-hazard "$(mval /tmp/hidden.prom "vpmem_mount_hazard{mountpoint=\"$MNT0\",hazard=\"nobarrier-on-buffered\"}")" absent
check_eq hidden-region-hazard "$(mval /tmp/hidden.prom "vpmem_region_hazard{region=\"$R0\",hazard=\"nobarrier-on-buffered\"}")" 1
check overmount-gone umount "$MNT0"
check remount-barrier mount -o remount,barrier "$MNT0"

# Errors: a missing directory (status 1), a directory this user cannot
# write (status 4): a message naming it, the old file intact, no temp file.
metrics missing 1 --output /nonexistent
check missing-says grep -q "cannot open the output directory '/nonexistent'" /tmp/missing.err
sum=$(sha256sum $out)
chmod 755 /var/lib/prometheus/node-exporter
grep -q '^app:' /etc/passwd 2>/dev/null || echo "app:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd
su -s /bin/sh app -c "vpmemctl metrics --output /var/lib/prometheus/node-exporter" > /tmp/denied.out 2> /tmp/denied.err
check_eq unwritable-status $? 4
check unwritable-says grep -q "cannot create a temporary file in '/var/lib/prometheus/node-exporter': Permission denied" /tmp/denied.err
check_eq unwritable-old-intact "$(sha256sum $out)" "$sum"
check_eq unwritable-no-temp "$(ls -A /var/lib/prometheus/node-exporter)" vpmem.prom

# A counter this user cannot read: left out, not 0; its _success gauge 0,
# the reason on stderr, status 4 (permission). The rest is still written.
: > /tmp/noread
chmod 000 /tmp/noread
check bind-unreadable mount --bind /tmp/noread "$VPMEM0/host_flushes"
su -s /bin/sh app -c "vpmemctl metrics" > /tmp/unreadable.prom 2> /tmp/unreadable.err
check_eq unreadable-status $? 4
umount "$VPMEM0/host_flushes"
m=/tmp/unreadable.prom
check_eq unreadable-success-0 "$(mval $m "vpmem_counters_success{region=\"$R0\"}")" 0
check_eq unreadable-absent "$(mval $m "vpmem_host_flushes_total{region=\"$R0\"}")" absent
check_eq unreadable-errors-absent "$(mval $m "vpmem_flush_errors_total{region=\"$R0\"}")" absent
check unreadable-says grep -q "$R0: vpmem counter host_flushes: Permission denied" /tmp/unreadable.err
check_eq unreadable-rest "$(mval $m "vpmem_region_buffered{region=\"$R0\"}")" 1
vt_info "unreadable stderr: $(cat /tmp/unreadable.err)"
vt_export unreadable.prom $m

# A failed host flush (the VPMEM_TESTING knob) that root has not
# acknowledged: vpmem refuses every flush of the device, and the gauge says
# so while the other counters look fine. Unmounted first: the file
# system's own flushes would fail too.
check umount0 umount "$MNT0"
knob=/sys/module/vpmem/parameters/fail_next_flushes
e0=$(cat "$VPMEM0/flush_errors")
check_eq ack-equal-before "$(cat "$VPMEM0/flush_errors_ack")" "$e0"
echo 1 > "$knob"
check_rc inject-flush-eio 1 sh -c "echo 1 > $VPMEM0/flush"
check_rc refused-until-ack 1 sh -c "echo 1 > $VPMEM0/flush"
metrics failing 0
m=/tmp/failing.prom
check_eq failing-unack "$(mval $m "vpmem_flush_errors_unacknowledged{region=\"$R0\"}")" 1
check_eq failing-errors "$(mval $m "vpmem_flush_errors_total{region=\"$R0\"}")" $((e0 + 1))
check_eq failing-ack-success "$(mval $m "vpmem_flush_errors_ack_success{region=\"$R0\"}")" 1
vt_export failing.prom $m
# flush_errors_ack is root's (0600): another user is told, the gauge absent, not 0.
su -s /bin/sh app -c "vpmemctl metrics" > /tmp/failing-app.prom 2> /tmp/failing-app.err
check_eq failing-nonroot-status $? 4
m=/tmp/failing-app.prom
check_eq failing-nonroot-ack-success "$(mval $m "vpmem_flush_errors_ack_success{region=\"$R0\"}")" 0
check_eq failing-nonroot-unack-absent "$(mval $m "vpmem_flush_errors_unacknowledged{region=\"$R0\"}")" absent
check_eq failing-nonroot-counters "$(mval $m "vpmem_counters_success{region=\"$R0\"}")" 1
check failing-nonroot-says grep -q "$R0: vpmem counter flush_errors_ack: Permission denied" /tmp/failing-app.err
vt_export failing-nonroot.prom $m
cat "$VPMEM0/flush_errors" > "$VPMEM0/flush_errors_ack"
check acked-flush-works sh -c "echo 1 > $VPMEM0/flush"
metrics acked 0
check_eq acked-unack-0 "$(mval /tmp/acked.prom "vpmem_flush_errors_unacknowledged{region=\"$R0\"}")" 0

# A file system on the emulated NVDIMM: durable only by the administrator's
# trust opt-in. vpmem_mount_durable says what the guest can verify (0),
# vpmem_mount_durable_trusted what the configured trust grants.
n=${rn#region}
vt_run ndctl create-namespace -f -e "namespace$n.0" -m fsdax
nvblk=
for b in /sys/bus/nd/devices/pfn$n.*/block/*; do
	[ -d "$b" ] && nvblk=/dev/$(basename "$b")
done
check nvdimm-fsdax test -b "$nvblk"
vt_run mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$nvblk"
mkdir -p /mnt/nv
check mount-nv mount -o dax,noatime "$nvblk" /mnt/nv
metrics untrusted 0
check_eq untrusted-durable "$(mval /tmp/untrusted.prom 'vpmem_mount_durable{mountpoint="/mnt/nv"}')" 0
check_eq untrusted-durable-trusted "$(mval /tmp/untrusted.prom 'vpmem_mount_durable_trusted{mountpoint="/mnt/nv"}')" 0
echo "trust-unverified-platform = yes" > /etc/pmemflush.conf
check_rc trusted-check-durable 0 vpmemctl check /mnt/nv
metrics trusted 0
check_eq trusted-durable "$(mval /tmp/trusted.prom 'vpmem_mount_durable{mountpoint="/mnt/nv"}')" 0
check_eq trusted-durable-trusted "$(mval /tmp/trusted.prom 'vpmem_mount_durable_trusted{mountpoint="/mnt/nv"}')" 1
check_eq trusted-hazard "$(mval /tmp/trusted.prom 'vpmem_mount_hazard{mountpoint="/mnt/nv",hazard="buffered-unknown"}')" 1
vt_export trusted.prom /tmp/trusted.prom
rm -f /etc/pmemflush.conf
umount /mnt/nv

# The node labels on the NVDIMM alone (both virtio-pmem devices unbound):
# its buffering is unknown, which is neither "buffered" nor "not
# buffered", and nothing durable is derived from it, trust or not.
for i in 0 1; do
	d=$(vt_virtio_dev $i)
	echo "$(basename "$d")" > "$d/driver/unbind"
done
check_eq nfd-one-region "$(ls /sys/bus/nd/devices | grep -c '^region')" 1
vpmemctl list --format=nfd > /tmp/nvdimm.nfd
lbl() { sed -n "s|^vpmem.feature.node.kubernetes.io/$1=||p" /tmp/nvdimm.nfd; }
check_eq nfd-buffered-unknown "$(lbl buffered)" unknown
check_eq nfd-buffered-unknown-regions "$(lbl buffered-unknown-regions)" 1
check_eq nfd-buffered-regions "$(lbl buffered-regions)" 0
check_eq nfd-cpu-flush-durable "$(lbl cpu-flush-durable)" false
check_eq nfd-devdax-host-flush "$(lbl devdax-host-flush)" false
check_eq nfd-hazard-unknown "$(lbl hazard.buffered-unknown)" true
check_eq nfd-unsafe "$(lbl unsafe)" true
vt_info "NVDIMM-only labels: $(grep -v '^#' /tmp/nvdimm.nfd | tr '\n' ' ')"

vt_no_kernel_splat no-splat
