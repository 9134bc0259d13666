"""Debian's kernel for the guest: resolved at run time, downloaded with
apt-get, extracted into a cache (never installed into /boot), with the
matching headers installed so kmod/ can be built against it."""
import os
import re
import subprocess

from .util import HarnessError, log, run, sudo_prefix

META_PACKAGE = "linux-image-amd64"


def resolve_version():
    """The ABI version of the kernel a Debian meta package points at now,
    e.g. '6.1.0-56'. VPMEM_GUEST_KERNEL=<ver> pins it;
    VPMEM_GUEST_KERNEL_META picks another meta package (e.g.
    linux-image-6.12-amd64, Debian 12's newer kernel)."""
    pinned = os.environ.get("VPMEM_GUEST_KERNEL")
    if pinned:
        return pinned
    meta = os.environ.get("VPMEM_GUEST_KERNEL_META", META_PACKAGE)
    out = run(["apt-cache", "depends", meta])
    m = re.search(r"Depends: linux-image-(\S+)-amd64\b", out)
    if not m:
        raise HarnessError(f"cannot resolve the kernel behind {meta}:\n{out}"
                           "\n(run 'apt-get update' first)")
    return m.group(1)


def deb_cache_dir():
    """Downloaded .debs are kept per machine (not per build directory), so a
    fresh clone on the same machine does not download the kernel again."""
    d = os.environ.get("VPMEM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "vpmem")
    os.makedirs(d, exist_ok=True)
    return d


class Kernel:
    def __init__(self, cache_dir, version=None):
        self.version = version or resolve_version()
        self.release = f"{self.version}-amd64"          # uname -r in the guest
        self.dir = os.path.join(os.path.abspath(cache_dir), f"kernel-{self.release}")
        self.root = os.path.join(self.dir, "root")
        self.vmlinuz = os.path.join(self.root, "boot", f"vmlinuz-{self.release}")
        self.moddir = os.path.join(self.root, "lib", "modules", self.release)
        self.headers = f"/usr/src/linux-headers-{self.release}"

    def prepare(self):
        self._fetch_image()
        self._ensure_headers()
        return self

    def _fetch_image(self):
        stamp = os.path.join(self.dir, ".extracted")
        if os.path.exists(stamp):
            return
        os.makedirs(self.dir, exist_ok=True)
        pkg = f"linux-image-{self.release}"
        debdir = deb_cache_dir()

        def cached():
            return sorted(f for f in os.listdir(debdir) if f.startswith(pkg + "_") and f.endswith(".deb"))

        if not cached():
            log(f"downloading {pkg} into {debdir}")
            # Download to a temporary name first so an interrupted run leaves
            # no truncated .deb behind. apt's sandbox user may not be able to
            # write here; the download needs no privileges.
            tmp = os.path.join(debdir, "partial")
            os.makedirs(tmp, exist_ok=True)
            run(["apt-get", "-q", "-o", "APT::Sandbox::User=root", "download", pkg], cwd=tmp)
            for f in os.listdir(tmp):
                os.replace(os.path.join(tmp, f), os.path.join(debdir, f))
        debs = cached()
        if not debs:
            raise HarnessError(f"apt-get download {pkg} produced no .deb")
        log(f"extracting {debs[-1]}")
        run(["dpkg-deb", "-x", os.path.join(debdir, debs[-1]), self.root])
        run(["depmod", "-b", self.root, self.release])
        if not os.path.exists(self.vmlinuz):
            raise HarnessError(f"{self.vmlinuz} missing after extraction")
        open(stamp, "w").close()

    def _ensure_headers(self):
        if os.path.isdir(self.headers):
            return
        pkg = f"linux-headers-{self.release}"
        log(f"installing {pkg} (to build kmod/ for the guest)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(sudo_prefix() + ["apt-get", "install", "-y", "-q", "--no-install-recommends", pkg], env=env)
        if not os.path.isdir(self.headers):
            raise HarnessError(f"{pkg} installed but {self.headers} is missing")

    def module_closure(self, names):
        """Paths (relative to moddir) of the named modules and everything
        they depend on, from modules.dep."""
        deps = {}
        by_name = {}
        with open(os.path.join(self.moddir, "modules.dep")) as f:
            for line in f:
                path, _, rest = line.partition(":")
                deps[path] = rest.split()
                base = os.path.basename(path).split(".ko")[0]
                by_name[base.replace("-", "_")] = path
        builtin = set()
        with open(os.path.join(self.moddir, "modules.builtin")) as f:
            for line in f:
                builtin.add(os.path.basename(line.strip()).split(".ko")[0].replace("-", "_"))
        out, todo = set(), []
        for n in names:
            key = n.replace("-", "_")
            if key in builtin:      # e.g. virtio_pci on Debian's 6.12
                continue
            if key not in by_name:
                raise HarnessError(f"module {n} not found in {self.release}")
            todo.append(by_name[key])
        while todo:
            p = todo.pop()
            if p in out:
                continue
            out.add(p)
            todo.extend(deps.get(p, []))
        return sorted(out)


def build_kmod(kernel, src_dir, out_dir):
    """Build kmod/ (the VPMEM_TESTING=1 build) against the guest kernel's
    headers, out of tree, and return the path of vpmem.ko. Returns None when kmod/ has no sources yet."""
    if not os.path.exists(os.path.join(src_dir, "Kbuild")):
        return None
    os.makedirs(out_dir, exist_ok=True)
    # Build in a copy so the source tree stays clean.
    run(["cp", "-a", "--no-preserve=ownership", src_dir + "/.", out_dir])
    # The test suite's build: with the fault-injection parameter and the
    # test hooks (a production build has neither; tests/kmod/check.sh
    # checks both).
    run(["make", "-C", out_dir, f"KDIR={kernel.headers}", "W=1", "VPMEM_TESTING=1"])
    ko = os.path.join(out_dir, "vpmem.ko")
    if not os.path.exists(ko):
        raise HarnessError("kmod build produced no vpmem.ko")
    return ko
