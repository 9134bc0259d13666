# shellcheck shell=bash
# Debian packages the project needs to build, test and demo; sourced by
# scripts/test and scripts/demo. Idempotent and quiet when all is present.

VPMEM_PACKAGES=(
	# build
	gcc libc6-dev make meson ninja-build pkg-config python3
	libndctl-dev libdaxctl-dev libkmod-dev libudev-dev libjson-c-dev libmount-dev
	asciidoctor binutils
	# guest harness: QEMU, the initramfs contents, cross-check tools
	qemu-system-x86 busybox-static cpio kmod e2fsprogs xfsprogs ndctl daxctl dmsetup
	# kernel module checks: checkpatch.pl comes from the kernel source;
	# the packaging path is built with the real dkms
	linux-source-6.1 dkms
	# the udev rule runs under the real systemd-udevd in a guest
	udev
	# test-nfd reads the Kubernetes manifests of deploy/kubernetes/
	python3-yaml
	# vpmemctl metrics is checked by the real promtool and node exporter
	# (scraped with curl)
	prometheus prometheus-node-exporter curl
	# docs/pmdk.md: PMDK's libpmem and libpmem2, measured against the port,
	# and libpmemobj's pools (unsafe shutdown state); bench/pmembench measures
	# libpmemflush against libpmem and libpmem2
	libpmem-dev libpmem2-dev libpmemobj-dev
	# reliability lane: libFuzzer targets (clang and its runtime), static
	# analysis (clang-tidy, scan-build from clang-tools, cppcheck) and
	# valgrind, on the host and copied into the guests
	clang libclang-rt-14-dev clang-tidy clang-tools cppcheck valgrind
	# memcheck cannot start without ld.so's symbols (its mandatory strlen
	# redirection): the guest gets ld.so's detached debug file from here
	libc6-dbg
)

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

vpmem_install_deps() {
	local missing=() p
	local policy status
	for p in "${VPMEM_PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		[ "$status" = "install ok installed" ] || missing+=("$p")
	done
	# The guest kernel is resolved from apt's lists at run time.
	policy=$(apt-cache policy linux-image-amd64 2>/dev/null)
	if [ ${#missing[@]} -gt 0 ] || [[ $policy != *"Candidate: "[0-9]* ]]; then
		echo "setup: apt-get update" >&2
		as_root apt-get update -q >/dev/null || return 1
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		echo "setup: installing ${missing[*]}" >&2
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || return 1
	fi
}
