#!/bin/sh
# The shared library exports exactly the symbols of its version script, all
# prefixed pmemflush_ and versioned LIBPMEMFLUSH_*, under soname .so.1.
# usage: test-symbols.sh LIBRARY VERSION_SCRIPT
lib=$1
sym=$2
fails=0

exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' |
	sed 's/@.*//' | sort -u)
listed=$(sed -n 's/^[[:space:]]*\(pmemflush_[a-z0-9_]*\);.*/\1/p' "$sym" | sort -u)

if [ "$exported" != "$listed" ]; then
	echo "FAIL exported symbols differ from $sym:"
	echo "exported:"; echo "$exported"
	echo "listed:"; echo "$listed"
	fails=$((fails + 1))
fi
bad=$(echo "$exported" | grep -v '^pmemflush_')
[ -z "$bad" ] || { echo "FAIL non-prefixed exports: $bad"; fails=$((fails + 1)); }

unversioned=$(objdump -T "$lib" | awk '/ DF .text/ && $0 !~ /LIBPMEMFLUSH_[0-9]/' )
[ -z "$unversioned" ] || { echo "FAIL unversioned exports: $unversioned"; fails=$((fails + 1)); }

soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libpmemflush.so.1 ] || { echo "FAIL soname is '$soname'"; fails=$((fails + 1)); }

# A flusher thread runs the library's code while a map lives: dlclose() must not unmap it.
readelf -d "$lib" | grep -q 'FLAGS_1.*NODELETE' || { echo "FAIL not linked with -z nodelete"; fails=$((fails + 1)); }

[ $fails -eq 0 ] && echo "test-symbols: $(echo "$exported" | wc -l) symbols, all versioned"
exit $((fails > 0))
