#!/bin/sh
# `meson install` into a staging tree installs the library (with its .so.1
# soname link), header, pkg-config file, CLI and man pages; a consumer
# built only with pkg-config against that tree compiles, links and runs.
# The example program of libpmemflush(3) is built the same way and run.
# usage: consumer-test.sh BUILD_ROOT PREFIX LIBDIR CONSUMER_C VERSION WANT_MAN EXAMPLE_C
set -u
build=$1 prefix=$2 libdir=$3 consumer=$4 version=$5 want_man=$6 example=$7
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$dest.log" 2>&1 ||
	{ cat "$dest.log"; rm -f "$dest.log"; echo "FAIL meson install"; exit 1; }
rm -f "$dest.log"

for f in "$libdir/libpmemflush.so.1" "$libdir/libpmemflush.so" \
	 "$prefix/include/pmemflush.h" "$libdir/pkgconfig/libpmemflush.pc" \
	 "$prefix/bin/vpmemctl"; do
	[ -e "$dest$f" ] || fail "not installed: $f"
done
if [ "$want_man" = true ]; then
	for f in man1/vpmemctl.1 man3/libpmemflush.3 man3/pmemflush_map.3 \
		 man3/pmemflush_persist.3 man3/pmemflush_persist_submit.3 man4/vpmem.4; do
		[ -e "$dest$prefix/share/man/$f" ] || fail "man page not installed: $f"
	done
fi

export PKG_CONFIG_PATH="$dest$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
[ "$(pkg-config --modversion libpmemflush)" = "$version" ] || fail "pkg-config --modversion"
flags=$(pkg-config --cflags --libs libpmemflush) || fail "pkg-config --cflags --libs"
${CC:-cc} -Wall -Werror -o "$dest/consumer" "$consumer" $flags || fail "consumer did not build with: $flags"
out=$(LD_LIBRARY_PATH="$dest$libdir" "$dest/consumer") || fail "consumer did not run"
[ "$out" = "consumer: libpmemflush $version" ] || fail "consumer printed '$out'"
out=$(LD_LIBRARY_PATH="$dest$libdir" "$dest$prefix/bin/vpmemctl" version) || fail "installed vpmemctl did not run"

${CC:-cc} -Wall -Werror -o "$dest/persist-log" "$example" $flags || fail "man page example did not build"
out=$(LD_LIBRARY_PATH="$dest$libdir" "$dest/persist-log" "$dest/log") || fail "man page example failed: $out"
[ "$out" = "$(printf 'method msync, granularity page\n10 records durable')" ] ||
	fail "man page example printed: $out"
grep -q 'record 9' "$dest/log" || fail "man page example: record 9 not in the file"

[ $fails -eq 0 ] && echo "consumer-test: installed tree, pkg-config consumer and man page example OK"
exit $((fails > 0))
