#!/bin/sh
# examples/pmdk-port on this host: the port (log-pmemflush) creates, appends
# and verifies a log in a file of the build directory (method msync), and
# with the forced cpu-flush method (the CPU-flush path, the test knob); a
# log with one record too few or a torn record fails verify; memory that
# nothing makes durable (/dev/shm) is refused at map time. Where log-pmem2
# (PMDK) is built, each program reads the other's log: same layout.
# usage: test-pmdk-port.sh LOG_PMEMFLUSH DIR [LOG_PMEM2]
port=$1
dir=$2
pmdk=$3
fails=0
f=$dir/test-pmdk-port.log

expect() { # expect NAME WANT_RC WANT_OUT_PATTERN CMD...
	name=$1 want=$2 pat=$3
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: '$*' exited $rc, expected $want: $out"
		fails=$((fails + 1))
	else
		case "$out" in
		$pat) echo "ok $name" ;;
		*) echo "FAIL $name: output '$out' does not match '$pat'"; fails=$((fails + 1)) ;;
		esac
	fi
}

rm -f "$f"
expect create 0 "method=msync granularity=page records=0 persists=1" "$port" "$f" create 65536
expect append 0 "method=msync granularity=page records=5 persists=10" "$port" "$f" append 5
expect verify 0 "*records=5 persists=0" "$port" "$f" verify 5
expect verify-more-fails 84 "*used=320, expected 384*" "$port" "$f" verify 6
PMEMFLUSH_FORCE_METHOD=cpu-flush
export PMEMFLUSH_FORCE_METHOD
expect append-cpu-flush 0 "*method=cpu-flush granularity=cache-line records=8 persists=6" \
	"$port" "$f" append 3
unset PMEMFLUSH_FORCE_METHOD
expect verify-after-cpu-flush 0 "*records=8*" "$port" "$f" verify 8
# A torn record: byte 64 + 3*64 (record 3) changed behind the log's back.
printf 'X' | dd of="$f" bs=1 seek=$((64 + 3 * 64)) conv=notrunc 2>/dev/null
expect verify-torn-fails 84 "*record 3 differs*" "$port" "$f" verify 8
expect usage 2 "usage:*" "$port" "$f"
rm -f "$dir/test-pmdk-port.zero"
: > "$dir/test-pmdk-port.zero"
truncate -s 4096 "$dir/test-pmdk-port.zero"
expect not-a-log 84 "*not a log*" "$port" "$dir/test-pmdk-port.zero" append 1
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	expect refused-tmpfs 95 "*memory-only*" "$port" /dev/shm/test-pmdk-port.$$ create 4096
	rm -f /dev/shm/test-pmdk-port.$$
fi

if [ -n "$pmdk" ]; then
	rm -f "$f"
	expect pmem2-create 0 "granularity=page records=0 persists=1" "$pmdk" "$f" create 65536
	expect pmem2-append 0 "granularity=page records=4 persists=8" "$pmdk" "$f" append 4
	expect port-reads-pmem2 0 "*records=4*" "$port" "$f" verify 4
	expect port-appends 0 "*records=6 persists=4" "$port" "$f" append 2
	expect pmem2-reads-port 0 "granularity=page records=6 persists=0" "$pmdk" "$f" verify 6
	expect pmem2-verify-more-fails 1 "*expected 448*" "$pmdk" "$f" verify 7
fi
rm -f "$f" "$dir/test-pmdk-port.zero"
echo "$fails failed"
[ "$fails" -eq 0 ]
