"""A guest test case: a busybox shell script in tests/guest/cases/ whose
'# vt:' header lines say what guest it needs.

    # vt: devices=256M,256M driver=virtio_pmem mode=fsdax fs=ext4 mount=dax
    # vt: fs1=xfs timeout=180

Keys (a key with a device index suffix, e.g. fs1, overrides the plain key
for that device):
  devices   comma-separated sizes of the virtio-pmem devices (default 256M)
  driver    virtio_pmem (in-tree, default) or vpmem (this project's module)
  mode      raw (default), fsdax, devdax or sector
  fs        none (default), ext4 or xfs; mounted at /mnt/pmemN
  mount     mount options (e.g. dax or dax,nobarrier)
  timeout   seconds before the guest is killed (default 120)
  smp, mem  guest CPUs (default 2) and RAM in MiB (default 1024)
"""
import os
import re

from .util import HarnessError, parse_size

PER_DEVICE = ("driver", "mode", "fs", "mount")
CHOICES = {
    "driver": {"virtio_pmem", "vpmem"},
    "mode": {"raw", "fsdax", "devdax", "sector"},
    "fs": {"none", "ext4", "xfs"},
}
DEFAULTS = {"devices": "256M", "driver": "virtio_pmem", "mode": "raw", "fs": "none",
            "mount": "", "timeout": "120", "smp": "2", "mem": "1024"}


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-3]
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", self.name):
            raise HarnessError(f"{path}: case names are [a-z0-9_-]")
        self.opts = dict(DEFAULTS)
        with open(path) as f:
            for line in f:
                m = re.match(r"#\s*vt:\s*(.*)", line)
                if not m:
                    continue
                for item in m.group(1).split():
                    key, eq, val = item.partition("=")
                    if not eq:
                        raise HarnessError(f"{path}: bad header item '{item}'")
                    self.opts[key] = val
        self.sizes = [parse_size(s) for s in self.opts["devices"].split(",")]
        self.timeout = int(self.opts["timeout"])
        self.smp = int(self.opts["smp"])
        self.mem = int(self.opts["mem"])
        known = set(DEFAULTS) | {f"{k}{i}" for k in PER_DEVICE for i in range(len(self.sizes))}
        for key in self.opts:
            if key not in known:
                raise HarnessError(f"{path}: unknown header key '{key}'")
        for i in range(len(self.sizes)):
            for key, allowed in CHOICES.items():
                if self.device_opt(key, i) not in allowed:
                    raise HarnessError(f"{path}: {key}{i}={self.device_opt(key, i)} "
                                       f"not one of {sorted(allowed)}")

    def device_opt(self, key, i):
        return self.opts.get(f"{key}{i}", self.opts[key])

    def needs_vpmem(self):
        return any(self.device_opt("driver", i) == "vpmem" for i in range(len(self.sizes)))

    def guest_env(self):
        """KEY=VALUE words for the kernel command line: the kernel hands
        unknown parameters without a dot to /init as environment."""
        env = [f"VT_CASE={self.name}", f"VT_NDEV={len(self.sizes)}"]
        for i in range(len(self.sizes)):
            for key in PER_DEVICE:
                val = self.device_opt(key, i)
                if val:
                    env.append(f"VT_{key.upper()}{i}={val}")
        for word in env:
            if " " in word or '"' in word:
                raise HarnessError(f"{self.path}: no spaces or quotes in options: {word}")
        return env


def discover(cases_dir, selected=None):
    cases = []
    for f in sorted(os.listdir(cases_dir)):
        if f.endswith(".sh"):
            c = Case(os.path.join(cases_dir, f))
            if not selected or c.name in selected:
                cases.append(c)
    if selected:
        missing = set(selected) - {c.name for c in cases}
        if missing:
            raise HarnessError(f"no such guest case: {', '.join(sorted(missing))}")
    return cases
