#!/usr/bin/env bash
# Static checks of kmod/: both builds (production, and the test suite's
# VPMEM_TESTING=1 build with the fault knob and test hooks) compile against
# the given kernel's headers with W=1 and no warning; the production build
# has no test knob in it; MODULE_VERSION matches dkms.conf; and
# checkpatch.pl --strict (from Debian's linux-source-6.1) reports nothing.
# One '@@CHECK ok|fail NAME' line each.
#
#   tests/kmod/check.sh KDIR BUILD_DIR
set -uo pipefail
kdir=$1
src=$(cd "$(dirname "$0")/../../kmod" && pwd)
cache=${VPMEM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vpmem}

result() { echo "@@CHECK $1 $2${3:+ - $3}"; }

build() { # build NAME OUT MAKE_ARGS...: a W=1 build in a copy of kmod/
	local name=$1 out=$2
	shift 2
	rm -rf "$out" && mkdir -p "$out" && cp -a "$src/." "$out/"
	if make -C "$out" KDIR="$kdir" W=1 "$@" >"$out/build.log" 2>&1; then
		if grep -E 'warning:|error:' "$out/build.log"; then
			result fail "$name" "warnings in $out/build.log"
		else
			result ok "$name"
			return 0
		fi
	else
		tail -30 "$out/build.log"
		result fail "$name" "make failed, see $out/build.log"
	fi
	return 1
}

prod=$2/kmod-check-$(basename "$kdir")
testb=$prod-testing
if build kmod-build-w1 "$prod"; then
	# The production module must not carry the test knob or hooks.
	if modinfo -F parm "$prod/vpmem.ko" | grep -q fail_next_flushes ||
		strings "$prod/vpmem.ko" | grep -q -e fail_next_flushes -e test_break_device -e test_silent_host \
			-e test_override_ -e test_flush_status; then
		result fail kmod-no-test-knob "production vpmem.ko has test hooks"
	else
		result ok kmod-no-test-knob
	fi
	want=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$src/dkms.conf")
	got=$(modinfo -F version "$prod/vpmem.ko")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		result ok kmod-version-matches-dkms
	else
		result fail kmod-version-matches-dkms "MODULE_VERSION '$got', dkms.conf '$want'"
	fi
fi
if build kmod-build-testing-w1 "$testb" VPMEM_TESTING=1; then
	if modinfo -F parm "$testb/vpmem.ko" | grep -q '^fail_next_flushes:'; then
		result ok kmod-testing-has-knob
	else
		result fail kmod-testing-has-knob "VPMEM_TESTING=1 build has no fail_next_flushes"
	fi
fi

# VPMEM_TESTING=1 left in the environment (a shell that later runs dkms,
# whose MAKE line does not set it) must not give the production build the
# knob: only a command-line VPMEM_TESTING=1 counts (Kbuild checks $(origin)).
envb=$prod-env
rm -rf "$envb" && mkdir -p "$envb" && cp -a "$src/." "$envb/"
if VPMEM_TESTING=1 make -C "$envb" KDIR="$kdir" >"$envb/build.log" 2>&1; then
	if modinfo -F parm "$envb/vpmem.ko" | grep -q fail_next_flushes; then
		result fail kmod-env-no-test-knob "VPMEM_TESTING=1 from the environment built the knob"
	else
		result ok kmod-env-no-test-knob
	fi
else
	tail -30 "$envb/build.log"
	result fail kmod-env-no-test-knob "make failed, see $envb/build.log"
fi

# dkms.conf's BUILD_EXCLUSIVE_KERNEL, as the real dkms applies it: this
# kernel is built for, a kernel older than 6.1 is skipped (dkms's exit
# status 77, "should not be built", which autoinstall does not count as a
# failure) before anything is compiled. Everything stays in a scratch
# tree. (vmtest builds and installs the module with dkms for the guests.)
if command -v dkms >/dev/null; then
	dk=$prod-dkms
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$src/dkms.conf")
	rm -rf "$dk" && mkdir -p "$dk/src/vpmem-$ver" "$dk/tree" "$dk/inst"
	cp "$src"/dkms.conf "$src"/Kbuild "$src"/Makefile "$src"/*.[ch] "$dk/src/vpmem-$ver/"
	o=(-m vpmem -v "$ver" --sourcetree "$dk/src" --dkmstree "$dk/tree" --installtree "$dk/inst")
	dkms add "${o[@]}" >"$dk/log" 2>&1
	dkms build "${o[@]}" -k 5.10.0-99-amd64 --kernelsourcedir "$kdir" >>"$dk/log" 2>&1
	old_rc=$?
	rel=$(basename "$kdir" | sed 's/^linux-headers-//')
	if [ $old_rc -eq 77 ] && grep -q BUILD_EXCLUSIVE "$dk/log" &&
		[ ! -e "$dk/tree/vpmem/$ver/5.10.0-99-amd64/x86_64/module" ] &&
		[[ $rel =~ $(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$src/dkms.conf") ]]; then
		result ok dkms-build-exclusive "5.10 skipped (77), $rel allowed"
	else
		cat "$dk/log"
		result fail dkms-build-exclusive "dkms build for 5.10.0-99-amd64 exited $old_rc, or $rel is excluded"
	fi
else
	result fail dkms-build-exclusive "dkms is not installed (apt-get install dkms)"
fi

# vpmem(4) documents every attribute under the name sysfs shows (the
# DEVICE_ATTR_* names in vpmem_sysfs.c), and nothing else as an attribute.
man=$src/../man/vpmem.4.adoc
code_attrs=$(sed -n 's/^static DEVICE_ATTR_[A-Z_]*(\([a-z_0-9]*\));/\1/p' "$src/vpmem_sysfs.c" | sort)
man_attrs=$(sed -n 's/^\*\([a-z_0-9]*\)\* (0[0-7]*)::$/\1/p' "$man" | sort)
if [ -n "$code_attrs" ] && [ "$code_attrs" = "$man_attrs" ]; then
	result ok kmod-man-names-attributes
else
	result fail kmod-man-names-attributes "sysfs: $(echo $code_attrs); vpmem(4): $(echo $man_attrs)"
fi

# VPMEM_CHECKPATCH=0: the build checks only (checkpatch does not depend on
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
# Hand-written sources only: an in-tree build leaves a generated *.mod.c.
files=$(cd "$src" && ls ./*.c ./*.h 2>/dev/null | grep -v '\.mod\.c$')
if [ -z "$files" ]; then
	result fail checkpatch "no sources in kmod/"
elif (cd "$src" && perl "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
	-f $files) >"$prod.checkpatch.log" 2>&1 && [ ! -s "$prod.checkpatch.log" ]; then
	result ok checkpatch-strict
else
	cat "$prod.checkpatch.log"
	result fail checkpatch-strict "see $prod.checkpatch.log"
fi
