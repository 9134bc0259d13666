# pmembench, briefly (0.3 s per run): every engine at 1 and 8 threads on
# the in-tree driver (device 0) and on vpmem (device 1), ext4 -o dax. The
# numbers must be sane, not fast: each run exits 0 with records > 0 and no
# error, p50 <= p99, at least one host flush per run (a persist on this
# memory must reach the host) and at most 1.5 host flushes per record for
# the msync-class engines (PMDK's and plain msync); the host script parses
# the JSON. scripts/bench runs the real benchmark.
# vt: devices=256M,256M driver0=virtio_pmem driver1=vpmem fs=ext4 mount=dax,noatime timeout=240

. /vpmem/cases/bench.inc

if ! command -v pmembench >/dev/null; then
	vt_fail pmembench-in-guest "pmembench was not built (meson option bench: needs libpmem-dev and libpmem2-dev)"
	exit 0
fi
vt_ok pmembench-in-guest
check_eq drivers "$(basename "$(readlink "$(vt_virtio_dev 0)/driver")") $(basename "$(readlink "$(vt_virtio_dev 1)/driver")")" "virtio_pmem vpmem"
engines=$(bench_engines)
check_eq engines-present "$(echo "$engines" | grep -cxE 'pmemflush|pmem2|pmem|msync')" 4
vt_info "engines: $(echo $engines)"

results=/tmp/bench-smoke.jsonl
: >$results
for dev in 0 1; do
	for engine in $engines; do
		for threads in 1 8; do
			bench_run $dev "$engine" $threads 0.3 $results
			l=$bench_label
			check_eq "$l-exit" "$bench_rc" 0
			check "$l-records" test "${bench_records:-0}" -gt 0
			check_eq "$l-errors" "$(bench_get errors)" 0
			check "$l-p50-le-p99" awk -v a="$(bench_get p50_us)" -v b="$(bench_get p99_us)" \
				'BEGIN { exit !(a != "" && b != "" && a + 0 > 0 && a + 0 <= b + 0) }'
			echo "@@VT expect-hf-per-op $l-a $l-b ${bench_records:-0} gt 0 $l-host-flushes"
			case $engine in
			pmem2|pmem|msync)
				echo "@@VT expect-hf-per-op $l-a $l-b ${bench_records:-0} le 1.5 $l-hf-per-record-le-1.5"
				;;
			esac
		done
	done
done
vt_export bench-smoke.jsonl $results
vt_no_kernel_splat no-kernel-splat
