# The group commit under valgrind's thread checkers: 8 threads persisting
# 64-byte records on one map through pmemflush_persist(), under helgrind and
# under drd (--error-exitcode: any report fails), on ext4-dax (the msync
# method) and on device dax with vpmem (the host-flush method). The host
# flushes of each run are counted (QEMU's trace): the flushes really ran.
# vt: devices=256M,256M driver=vpmem mode0=fsdax fs0=ext4 mount0=dax mode1=devdax timeout=600 once=1

. /vpmem/cases/valgrind.inc

check valgrind-in-guest test -x /usr/bin/valgrind
check_eq fsdax-method "$(persisttool map "$MNT0/bench")" "method=msync granularity=page"
check_eq devdax-method "$(persisttool map "$DAX1")" "method=host-flush granularity=page"
sync
t0=$(vg_now)
for tool in helgrind drd; do
	for t in fsdax devdax; do
		[ $t = fsdax ] && p=$MNT0/bench || p=$DAX1
		mark "$tool-$t-a"
		vg "$tool-$t-8-threads" 0 $tool persisttool bench "$p" 8 10 group
		mark "$tool-$t-b"
		vt_info "$tool $t: $(grep records= /tmp/vg/"$tool-$t-8-threads".out)"
		check_eq "$tool-$t-80-records" "$(sed -n 's/^records=\([0-9]*\) .*/\1/p' /tmp/vg/"$tool-$t-8-threads".out)" 80
		expect_hf "$tool-$t-a" "$tool-$t-b" ge 1 "$tool-$t-host-flushes"
		hf_count "$tool-$t-a" "$tool-$t-b" "$tool-$t-host-flush-count"
	done
done
vg_total
vt_metric vg-case-seconds "$((($(vg_now) - t0) / 100))" s
vt_no_kernel_splat no-kernel-splat
