"""Debian's kernel for the guest: resolved at run time, downloaded with
apt-get, extracted into a cache (never installed into /boot), with the
matching headers installed so kmod/ can be built against it."""
import hashlib
import os
import re
import shutil
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
    # The packaging path too: the production module as the real dkms tool
    # builds it from the same sources (packed as /vpmem/dkms/vpmem.ko).
    kernel.dkms_dir = build_dkms(kernel, src_dir, out_dir + "-dkms")
    return ko


# What DKMS gets: the sources and build files of kmod/, nothing built.
DKMS_FILES = re.compile(r"^(Kbuild|Makefile|dkms\.conf|vpmem\.conf|[a-z_]+\.[ch])$")


def build_dkms(kernel, src_dir, work):
    """Add, build and install kmod/ with the real dkms tool (Debian's
    package) for the guest kernel, everything inside WORK: --sourcetree,
    --dkmstree and --installtree point there, --no-depmod, and DKMS's
    signing key (mok_signing_key/mok_certificate, which dkms takes from the
    environment) is a throwaway one there, so nothing lands in /usr/src,
    /var/lib/dkms or /lib/modules. Returns a directory with the installed
    vpmem.ko and dkms.env (what the guest case compares). Skipped (cached)
    when neither the sources, the kernel nor dkms changed."""
    if not shutil.which("dkms"):
        raise HarnessError("dkms is not installed on the host (apt-get install dkms)")
    with open(os.path.join(src_dir, "dkms.conf")) as f:
        m = re.search(r'^PACKAGE_VERSION="([^"]+)"', f.read(), re.M)
    if not m:
        raise HarnessError("kmod/dkms.conf has no PACKAGE_VERSION")
    ver = m.group(1)
    dkms_ver = run(["dkms", "--version"]).strip()
    files = sorted(f for f in os.listdir(src_dir) if DKMS_FILES.match(f))
    h = hashlib.sha256(f"{kernel.release} {dkms_ver}\n".encode())
    with open(__file__, "rb") as fh:     # this function's own changes too
        h.update(fh.read())
    for f in files:
        with open(os.path.join(src_dir, f), "rb") as fh:
            h.update(f.encode() + b"\0" + fh.read() + b"\0")
    out = os.path.join(work, "out")
    stamp = os.path.join(out, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == h.hexdigest():
        return out
    if os.path.exists(work):
        shutil.rmtree(work)
    src = os.path.join(work, "src", f"vpmem-{ver}")
    tree, inst = os.path.join(work, "tree"), os.path.join(work, "inst")
    os.makedirs(src)
    os.makedirs(os.path.join(inst, kernel.release))
    os.makedirs(out)
    os.makedirs(tree)
    for f in files:
        shutil.copy2(os.path.join(src_dir, f), src)
    common = ["-m", "vpmem", "-v", ver, "--sourcetree", os.path.dirname(src),
              "--dkmstree", tree, "--installtree", inst]
    kern = ["-k", kernel.release, "--kernelsourcedir", kernel.headers]
    env = dict(os.environ, mok_signing_key=os.path.join(work, "mok.key"),
               mok_certificate=os.path.join(work, "mok.der"))
    log(f"dkms build vpmem/{ver} for {kernel.release} ({dkms_ver})")
    run(["dkms", "add"] + common, env=env)
    build_log = run(["dkms", "build"] + common + kern, env=env)
    run(sudo_prefix() + ["dkms", "install", "--no-depmod"] + common + kern, env=env)
    # (dkms's own readelf warnings go to stderr; the status line is "vpmem/...")
    status = "\n".join(line for line in run(["dkms", "status"] + common, stderr=subprocess.DEVNULL)
                        .splitlines() if line.startswith("vpmem/")).replace("'", "")
    # Compressed like the kernel's own modules (vpmem.ko.xz on Debian's 6.12).
    dest = os.path.join(inst, kernel.release, "updates", "dkms")
    kos = [f for f in os.listdir(dest) if re.match(r"^vpmem\.ko(\.[a-z]+)?$", f)] \
        if os.path.isdir(dest) else []
    if len(kos) != 1:
        raise HarnessError(f"dkms install left {kos or 'no vpmem.ko'} in {dest}:\n{build_log[-2000:]}")
    shutil.copy2(os.path.join(dest, kos[0]), out)
    with open(os.path.join(out, "dkms.env"), "w") as f:
        f.write(f"DKMS_VERSION='{dkms_ver}'\nDKMS_PACKAGE_VERSION='{ver}'\n"
                f"DKMS_STATUS='{status}'\nDKMS_SIGNED='{int('Signing module' in build_log)}'\n")
    with open(stamp, "w") as f:
        f.write(h.hexdigest())
    return out
