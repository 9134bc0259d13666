#!/usr/bin/env bash
# Static checks of kmod/: it builds against the guest kernel's headers with
# W=1 and no warning, and checkpatch.pl --strict (from Debian's
# linux-source-6.1) reports nothing. One '@@CHECK ok|fail NAME' line each.
#
#   tests/kmod/check.sh KDIR BUILD_DIR
set -uo pipefail
kdir=$1
out=$2/kmod-check-$(basename "$kdir")
src=$(cd "$(dirname "$0")/../../kmod" && pwd)
cache=${VPMEM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vpmem}

result() { echo "@@CHECK $1 $2${3:+ - $3}"; }

rm -rf "$out" && mkdir -p "$out" && cp -a "$src/." "$out/"
if make -C "$out" KDIR="$kdir" W=1 >"$out/build.log" 2>&1; then
	if grep -E 'warning:|error:' "$out/build.log"; then
		result fail kmod-build-w1 "warnings in $out/build.log"
	else
		result ok "kmod-build-w1"
	fi
else
	tail -30 "$out/build.log"
	result fail kmod-build-w1 "make failed, see $out/build.log"
fi

# VPMEM_CHECKPATCH=0: the build check only (checkpatch does not depend on
# the kernel built against).
[ "${VPMEM_CHECKPATCH:-1}" = 0 ] && exit 0

# checkpatch.pl and its data files, from the kernel source package (cached
# per package version; only these three files are extracted).
tarball=/usr/src/linux-source-6.1.tar.xz
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
cp_dir=$cache/checkpatch-$ver
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	mkdir -p "$cp_dir"
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch ||
		{ result fail checkpatch "cannot extract checkpatch.pl from $tarball"; exit 1; }
fi
files=$(cd "$src" && ls ./*.c ./*.h 2>/dev/null)
if [ -z "$files" ]; then
	result fail checkpatch "no sources in kmod/"
elif (cd "$src" && perl "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
	-f $files) >"$out/checkpatch.log" 2>&1 && [ ! -s "$out/checkpatch.log" ]; then
	result ok checkpatch-strict
else
	cat "$out/checkpatch.log"
	result fail checkpatch-strict "see $out/checkpatch.log"
fi
