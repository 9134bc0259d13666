"""The guest's initramfs: busybox-static, the project's binaries, every
shared library they need (resolved with ldd), the kernel modules the tests
need (closure from modules.dep), filesystem and ndctl tools, and the guest
test cases. One image serves every case; the case and its configuration
come from the kernel command line."""
import os
import re
import shutil
import subprocess

from .util import HarnessError, log, run

# Kernel modules the guest loads; their dependencies are resolved from
# modules.dep, and the guest's modprobe orders them.
GUEST_MODULES = [
    "crc32c_generic", "virtio_pci", "libnvdimm", "nd_pmem", "nd_btt", "dax_pmem",
    "device_dax", "ext4", "xfs", "virtio_pmem",
    # Block stacks on pmem (dm-linear, loop, overlayfs) and emulated ACPI
    # NVDIMMs (nfit).
    "dm_mod", "loop", "overlay", "nfit",
]

# Host tools copied into the guest (with their libraries). Each entry is
# the command name looked up in PATH and /sbin.
HOST_TOOLS = ["kmod", "mkfs.ext4", "mke2fs", "mkfs.xfs", "ndctl", "daxctl", "dmsetup", "bash"]
# udevadm, also run as systemd-udevd (the daemon), for the cases that test
# udev/60-vpmem.rules; a case starts it, nothing else in the guest does.
HOST_TOOLS += ["udevadm"]

# glibc loads libgcc_s at run time (pthread_cancel, backtraces); ldd
# cannot see dlopen()ed libraries.
DLOPENED = ["libgcc_s.so.1"]

# Valgrind for the cases that run vpmemctl and the library under it
# (valgrind-*.sh): the launcher, and from its tool directory only memcheck,
# helgrind and drd with their preload libraries and the default
# suppressions (about 8 MiB of the image).
VALGRIND_LAUNCHER = ["/usr/bin/valgrind", "/usr/bin/valgrind.bin"]
VALGRIND_DIR = "/usr/libexec/valgrind"
VALGRIND_FILES = ["memcheck-amd64-linux", "helgrind-amd64-linux", "drd-amd64-linux",
                  "vgpreload_core-amd64-linux.so", "vgpreload_memcheck-amd64-linux.so",
                  "vgpreload_helgrind-amd64-linux.so", "vgpreload_drd-amd64-linux.so",
                  "default.supp"]
# Debian's ld.so and libc are stripped. memcheck refuses to start without
# ld.so's symbols (a mandatory strlen redirection), and default.supp names
# glibc's internal functions (helgrind and drd see libc's own lock-free
# code otherwise): their detached debug files from libc6-dbg, found by
# build id, cut down to the symbol tables (objcopy --strip-debug: 0.3 MiB
# instead of 4.6).
VALGRIND_DEBUG_OF = ["/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6"]
DEBUG_DIR = "/usr/lib/debug/.build-id"

LIB_DIR = "/usr/lib/x86_64-linux-gnu"
SEARCH = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]


def which(name):
    for d in SEARCH:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    p = shutil.which(name)
    if not p:
        raise HarnessError(f"{name} is not installed on the host")
    return p


def ldd_libs(binary):
    """Absolute paths of the shared libraries a binary loads."""
    out = run(["ldd", binary])
    libs = []
    for line in out.splitlines():
        m = re.search(r"=>\s+(\S+)\s+\(", line) or re.match(r"\s*(/\S+)\s+\(", line)
        if m:
            libs.append(m.group(1))
        elif "not found" in line:
            raise HarnessError(f"{binary}: {line.strip()}")
    return libs


class Initramfs:
    def __init__(self, kernel, work_dir):
        self.kernel = kernel
        self.root = os.path.join(work_dir, "initramfs-root")
        self.image = os.path.join(work_dir, "initramfs.cpio")

    def _copy(self, src, dst_rel, mode=None):
        dst = os.path.join(self.root, dst_rel.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.realpath(src), dst)
        if mode is not None:
            os.chmod(dst, mode)
        return dst

    def _copy_libs(self, binary):
        for lib in ldd_libs(binary):
            real = os.path.realpath(lib)
            # Libraries from the build tree go to the standard library
            # directory; system ones keep their path (the loader's too).
            if real.startswith(("/lib", "/usr/lib")):
                self._copy(real, lib)
            else:
                self._copy(real, os.path.join(LIB_DIR, os.path.basename(lib)))

    def build(self, guest_dir, binaries, extra_files=()):
        """binaries: project-built executables for /usr/bin (libraries
        follow). extra_files: (src, dst) pairs, e.g. vpmem.ko."""
        if os.path.exists(self.root):
            shutil.rmtree(self.root)
        for d in ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev",
                  "tmp", "run", "mnt", "root", "vpmem", LIB_DIR.lstrip("/")]:
            os.makedirs(os.path.join(self.root, d), exist_ok=True)

        busybox = which("busybox")
        if subprocess.run(["ldd", busybox], capture_output=True).returncode == 0:
            raise HarnessError(f"{busybox} is dynamically linked: install busybox-static")
        self._copy(busybox, "/bin/busybox")
        for applet in run([busybox, "--list"]).split():
            link = os.path.join(self.root, "bin", applet)
            if applet != "busybox" and not os.path.exists(link):
                os.symlink("busybox", link)

        for tool in HOST_TOOLS:
            path = which(tool)
            self._copy(path, "/usr/sbin/" + tool)
            self._copy_libs(path)
        for applet in ["modprobe", "insmod", "rmmod", "lsmod", "modinfo", "depmod"]:
            for d in ["sbin", "bin"]:
                link = os.path.join(self.root, d, applet)
                if os.path.lexists(link):
                    os.remove(link)
                os.symlink("/usr/sbin/kmod", link)
        os.symlink("udevadm", os.path.join(self.root, "usr/sbin/systemd-udevd"))
        for lib in DLOPENED:
            self._copy(os.path.join(LIB_DIR, lib), os.path.join(LIB_DIR, lib))
        if os.path.exists("/etc/mke2fs.conf"):
            self._copy("/etc/mke2fs.conf", "/etc/mke2fs.conf")

        for b in binaries:
            self._copy(b, "/usr/bin/" + os.path.basename(b), 0o755)
            self._copy_libs(b)
        self._copy_valgrind()

        for src, dst in extra_files:
            self._copy(src, dst)

        # The udev rule and its helper, for cases to install as an admin would.
        udev_src = os.path.join(os.path.dirname(os.path.dirname(guest_dir)), "udev")
        for f in ["60-vpmem.rules", "vpmem-flush-access"]:
            self._copy(os.path.join(udev_src, f), "/vpmem/udev/" + f, 0o755)
        # vpmem.ko as the real dkms tool built it (kernel.build_dkms).
        dkms_dir = getattr(self.kernel, "dkms_dir", None)
        if dkms_dir:
            for f in sorted(os.listdir(dkms_dir)):
                self._copy(os.path.join(dkms_dir, f), "/vpmem/dkms/" + f)

        self._copy_modules()
        with open(os.path.join(self.root, "vpmem", "modules"), "w") as f:
            f.write("\n".join(GUEST_MODULES) + "\n")

        self._copy(os.path.join(guest_dir, "init"), "/init", 0o755)
        self._copy(os.path.join(guest_dir, "lib.sh"), "/vpmem/lib.sh", 0o644)
        cases = os.path.join(guest_dir, "cases")
        for c in sorted(os.listdir(cases)):
            # host.inc and CASE.host run on the host (vmtest/hostscript.py).
            if c.endswith((".sh", ".inc", ".supp")) and c != "host.inc":
                self._copy(os.path.join(cases, c), "/vpmem/cases/" + c, 0o755)

        # A loader cache, so libraries are found wherever ldd saw them.
        run(["ldconfig", "-r", self.root])
        self._pack()
        return self.image

    def _copy_valgrind(self):
        # Not installed: the valgrind cases fail ("valgrind not in the guest").
        if not all(os.path.exists(p) for p in VALGRIND_LAUNCHER):
            log("valgrind is not installed on the host: the valgrind cases will fail")
            return
        for p in VALGRIND_LAUNCHER:
            self._copy(p, p)
        self._copy_libs(VALGRIND_LAUNCHER[1])
        for f in VALGRIND_FILES:
            self._copy(os.path.join(VALGRIND_DIR, f), os.path.join(VALGRIND_DIR, f))
        for binary in VALGRIND_DEBUG_OF:
            m = re.search(r"Build ID: ([0-9a-f]+)", run(["readelf", "-n", binary]))
            dbg = m and os.path.join(DEBUG_DIR, m.group(1)[:2], m.group(1)[2:] + ".debug")
            if not dbg or not os.path.exists(dbg):
                raise HarnessError(f"no debug file for {binary}: install libc6-dbg")
            dst = os.path.join(self.root, dbg.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            run(["objcopy", "--strip-debug", dbg, dst])

    def _copy_modules(self):
        k = self.kernel
        rel = f"lib/modules/{k.release}"
        for path in k.module_closure(GUEST_MODULES):
            self._copy(os.path.join(k.moddir, path), f"/{rel}/{path}")
        for f in ["modules.builtin", "modules.builtin.modinfo", "modules.order"]:
            self._copy(os.path.join(k.moddir, f), f"/{rel}/{f}")
        run(["depmod", "-b", self.root, k.release])

    def _pack(self):
        # Uncompressed: decompressing under TCG costs more than reading.
        files = run(["find", "."], cwd=self.root).split()
        with open(self.image, "wb") as out:
            p = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"],
                               input="\n".join(files).encode(), stdout=out,
                               stderr=subprocess.PIPE, cwd=self.root)
        if p.returncode != 0:
            raise HarnessError(f"cpio failed: {p.stderr.decode()}")
        log(f"initramfs {self.image}: {os.path.getsize(self.image) >> 20} MiB")
