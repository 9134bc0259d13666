# The guest part of scripts/bench (not a suite case: it is not in
# tests/guest/cases/, scripts/bench puts it into the initramfs). One boot
# runs every engine x thread count on device 0 (in-tree virtio_pmem) and
# device 1 (vpmem), ext4 -o dax on both, each run between its own marks so
# that the host counts its host flushes. scripts/bench passes
# VT_BENCH_SECONDS, VT_BENCH_THREADS, VT_BENCH_ENGINES (comma-separated)
# and VT_BENCH_ROUNDS (the whole matrix again, round after round, so that a
# slow phase of a loaded host hits every engine alike) and sets the
# timeout; the results go back as the export bench-run.jsonl.
# vt: devices=256M,256M driver0=virtio_pmem driver1=vpmem fs=ext4 mount=dax,noatime timeout=3600

. /vpmem/cases/bench.inc

if ! command -v pmembench >/dev/null; then
	vt_fail pmembench-in-guest "pmembench was not built (meson option bench: needs libpmem-dev and libpmem2-dev)"
	exit 0
fi
vt_ok pmembench-in-guest
check_eq drivers "$(basename "$(readlink "$(vt_virtio_dev 0)/driver")") $(basename "$(readlink "$(vt_virtio_dev 1)/driver")")" "virtio_pmem vpmem"
echo "@@VT info bench-guest kernel=$(uname -r) cpus=$(nproc) mem_kib=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"

secs=${VT_BENCH_SECONDS:-5}
threads_list=$(echo "${VT_BENCH_THREADS:-1,8,32}" | tr , ' ')
engines=$(echo "${VT_BENCH_ENGINES:-}" | tr , ' ')
[ -n "$engines" ] || engines=$(bench_engines)
rounds=${VT_BENCH_ROUNDS:-1}
results=/tmp/bench-run.jsonl
: >$results
round=1
while [ $round -le "$rounds" ]; do
	for dev in 0 1; do
		for threads in $threads_list; do
			# The engines of one driver and thread count run back to back,
			# so that the ratios compare runs close in time; the order
			# rotates by one each round, so that no engine always runs
			# first after the sync (or last) and position effects spread.
			for engine in $(bench_rotate $((round - 1)) $engines); do
				bench_run $dev "$engine" "$threads" "$secs" $results $round
				check_eq "$bench_label-exit" "$bench_rc" 0
			done
		done
	done
	round=$((round + 1))
done
vt_export bench-run.jsonl $results
vt_no_kernel_splat no-kernel-splat
