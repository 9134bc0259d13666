#!/bin/sh
# The example of pmemflush_persist_submit(3) (man/examples/persist-async.c),
# built by meson, run on a file of the build directory (method msync): every
# record acknowledged, and the records are in the file afterwards.
# usage: test-persist-async-example.sh EXAMPLE DIR
set -u
ex=$1 dir=$2
f=$dir/persist-async-example.$$
trap 'rm -f "$f"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

for mode in async sync; do
	rm -f "$f"
	out=$("$ex" "$f" 3000 $mode) || fail "$mode: exit $?: $out"
	echo "$out"
	echo "$out" | grep -qx 'method msync' || fail "$mode: method line"
	echo "$out" | grep -qx '3000 of 3000 records acknowledged durable' || fail "$mode: not all acknowledged"
	echo "$out" | grep -q "^records=3000 .* mode=$mode\$" || fail "$mode: summary line"
	for i in 0 1234 2999; do
		rec=$(dd if="$f" bs=64 skip=$i count=1 2>/dev/null | tr -d '\0')
		[ "$rec" = "record $i" ] || fail "$mode: record $i in the file is '$rec'"
	done
done
out=$("$ex" 2>&1); [ $? -eq 2 ] || fail "usage: $out"
[ $fails -eq 0 ] && echo "persist-async example: ok"
exit $((fails > 0))
