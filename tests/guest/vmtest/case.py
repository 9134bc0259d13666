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
  nvdimm    size of one emulated ACPI NVDIMM (QEMU -device nvdimm, claiming
            persistence domain memory_controller) on an ordinary host file,
            besides the virtio-pmem devices; default none
  crash     makes the case a host-crash case (vmtest/crash.py): QEMU is
            killed with SIGKILL once the guest printed this many
            '@@VT ack ID' lines, and the guest boots again from what the
            host had flushed
  crash_expect  intact (default: no acknowledged record may be lost) or
            loss (a negative control: the oracle must find lost records)
  crash_min     acknowledged records the write phase must reach (default:
            the crash value; 0 for a case where refusing is the right answer)
  hotplug   N free PCIe root ports for virtio-pmem devices the guest asks
            the host to hot-plug while it runs (lib.sh vt_hotplug; QMP,
            vmtest/hotplug.py), each up to 4 GiB; default 0
  once      1: run on one kernel only (scripts/test passes --skip-once for
            every kernel after the first); for slow cases whose subject is
            the project's user-space code, not the kernel (valgrind)
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
            "mount": "", "timeout": "120", "smp": "2", "mem": "1024",
            "crash": "", "crash_expect": "intact", "crash_min": "",
            "nvdimm": "", "hotplug": "0", "once": "0"}
PHASES = ("write", "check")


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
        if not self.opts["hotplug"].isdigit() or int(self.opts["hotplug"]) > 16:
            raise HarnessError(f"{path}: hotplug={self.opts['hotplug']}: expected 0..16 slots")
        self.hotplug = int(self.opts["hotplug"])
        if self.opts["once"] not in ("0", "1"):
            raise HarnessError(f"{path}: once={self.opts['once']}: expected 0 or 1")
        self.once = self.opts["once"] == "1"
        self.crash = self._crash_opts(path)
        known = set(DEFAULTS) | {f"{k}{i}" for k in PER_DEVICE for i in range(len(self.sizes))}
        for key in self.opts:
            if key not in known:
                raise HarnessError(f"{path}: unknown header key '{key}'")
        for i in range(len(self.sizes)):
            for key, allowed in CHOICES.items():
                if self.device_opt(key, i) not in allowed:
                    raise HarnessError(f"{path}: {key}{i}={self.device_opt(key, i)} "
                                       f"not one of {sorted(allowed)}")

    def _crash_opts(self, path):
        """(acks before the kill, expectation, minimum acks) or None."""
        acks, expect, low = (self.opts[k] for k in ("crash", "crash_expect", "crash_min"))
        if not acks:
            if low or expect != "intact":
                raise HarnessError(f"{path}: crash_expect/crash_min without crash=N")
            return None
        if not acks.isdigit() or int(acks) < 1:
            raise HarnessError(f"{path}: crash={acks}: expected a positive number of records")
        if expect not in ("intact", "loss"):
            raise HarnessError(f"{path}: crash_expect={expect} not one of ['intact', 'loss']")
        if low and not low.isdigit():
            raise HarnessError(f"{path}: crash_min={low}: expected a number")
        return int(acks), expect, int(low) if low else int(acks)

    def device_opt(self, key, i):
        return self.opts.get(f"{key}{i}", self.opts[key])

    def needs_vpmem(self):
        return any(self.device_opt("driver", i) == "vpmem" for i in range(len(self.sizes)))

    def guest_env(self, phase=None):
        """KEY=VALUE words for the kernel command line: the kernel hands
        unknown parameters without a dot to /init as environment.

        phase (crash cases): 'write' sets the devices up as the header says;
        'check' boots from what the host kept, so /init must not create
        namespaces or file systems there: the devices come up as the kept
        metadata says (mode raw, fs none for /init) and the case mounts
        them from VT_CRASH_FSn / VT_CRASH_MOUNTn."""
        if phase is not None and phase not in PHASES:
            raise HarnessError(f"unknown phase {phase}")
        env = [f"VT_CASE={self.name}", f"VT_NDEV={len(self.sizes)}"]
        if phase:
            env.append(f"VT_PHASE={phase}")
        for i in range(len(self.sizes)):
            for key in PER_DEVICE:
                val = self.device_opt(key, i)
                if phase == "check" and key in ("mode", "fs", "mount"):
                    if key != "mode" and val and val != "none":
                        env.append(f"VT_CRASH_{key.upper()}{i}={val}")
                    val = {"mode": "raw", "fs": "none", "mount": ""}[key]
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
