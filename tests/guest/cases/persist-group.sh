# Group commit on ext4-dax (in-tree driver): 8 threads x 150 records of 64
# bytes. With pmemflush_persist() concurrent records share flushes (at most
# 0.5 host flushes per record); with one msync per record, as PMDK does on
# this device, about every record costs a host flush (measured 0.997: an
# msync that finds its page already written back by a neighbour's msync
# may skip the flush, hence >= 0.9) and at least twice group commit's.
# vt: devices=256M fs=ext4 mount=dax,noatime timeout=240

run() { # run MODE
	rm -f "$MNT0/bench"
	persisttool map "$MNT0/bench" >/dev/null
	sync
	mark "$1-a"
	out=$(persisttool bench "$MNT0/bench" 8 150 "$1")
	rc=$?
	mark "$1-b"
	vt_info "$1: $out"
	check_eq "$1-ok" $rc 0
	echo "@@VT hf-per-op $1-a $1-b 1200 $1-host-flushes-per-record"
	vt_metric "$1-records-per-s" "$(echo "$out" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')" records/s
}

run group
run naive
echo "@@VT expect-hf-per-op group-a group-b 1200 le 0.5 group-commit-at-most-half-a-flush-per-record"
echo "@@VT expect-hf-per-op naive-a naive-b 1200 ge 0.9 naive-msync-about-one-flush-per-record"
echo "@@VT expect-hf-ratio naive-a naive-b 1200 group-a group-b 1200 0.5 group-commit-halves-host-flushes"
