# pmembench, briefly (0.3 s per run): every engine at 1 and 8 threads on
# the in-tree driver (device 0) and on vpmem (device 1), ext4 -o dax. The
# numbers must be sane, not fast: each run exits 0 with records > 0 and no
# error, p50 <= p99, at least one host flush per run (a persist on this
# memory must reach the host) and at most 1.5 host flushes per record for
# the synchronous engines; at least 0.9 x records/threads host flushes for
# our synchronous engines and 0.9 x records/(256 x threads) for the async
# one (fewer cannot be an honest persist); the host script parses
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
			# Honesty bounds (scripts/bench asserts the same): a
			# synchronous writer has one record in flight per thread and
			# each needs a host flush that began after its store, so at
			# least records/threads flushes (0.9: slack for a record whose
			# flush began before the first mark); the async writer has at
			# most ASYNC_WINDOW (256, bench/engine-pmemflush-async.c) in
			# flight per thread.
			case $engine in
			pmemflush|pmemflush-memcpy)
				echo "@@VT expect-hf-per-op $l-a $l-b ${bench_records:-0} ge $(awk -v t=$threads 'BEGIN { print 0.9 / t }') $l-hf-per-record-ge-0.9-per-thread"
				echo "@@VT expect-hf-per-op $l-a $l-b ${bench_records:-0} le 1.5 $l-hf-per-record-le-1.5"
				;;
			pmemflush-async)
				echo "@@VT expect-hf-per-op $l-a $l-b ${bench_records:-0} ge $(awk -v t=$threads 'BEGIN { print 0.9 / (256 * t) }') $l-hf-per-record-ge-window"
				;;
			pmem2|pmem|msync)
				echo "@@VT expect-hf-per-op $l-a $l-b ${bench_records:-0} le 1.5 $l-hf-per-record-le-1.5"
				;;
			esac
		done
	done
done
vt_export bench-smoke.jsonl $results
vt_no_kernel_splat no-kernel-splat
