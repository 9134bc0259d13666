"""Host-crash oracle: a case with a 'crash=N' header runs in two boots.

1. write: QEMU runs with tests/guest/crash/snapshot-shim.c preloaded; after
   each successful fsync()/fdatasync() of a backing file (a host flush) the
   shim has published PATH.snap, the file as it was when the flush was
   asked for. The guest's writer prints '@@VT ack ID' once persist()
   returned. As soon as N acks arrived (or the guest says '@@VT crash-now')
   QEMU is killed with SIGKILL.
2. check: the guest boots from the last snapshots (only what host flushes
   covered survives), mounts what is there without creating anything, and
   the checker prints every intact record.

Every acknowledged record must be intact (crash_expect=intact); the
negative control (crash_expect=loss) passes only if records are lost.
"""
import glob
import os
import re
import statistics
import time

from . import qemu, results
from .util import run

GUEST_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIM_SRC = os.path.join(GUEST_DIR, "crash", "snapshot-shim.c")
ID_STRIDE = 1000000      # record ids of device INDEX start at INDEX x ID_STRIDE
ACK_RE = re.compile(r"@@VT ack (\d+)\s*$")
LOG_RE = re.compile(r"^(copy|snapshot|superseded|failed|error) (\S+)(.*)$")


def build_shim(build_dir):
    """Compile the snapshot shim with the host compiler (it runs in QEMU on
    the host, so it does not belong to the meson build of the project)."""
    out = os.path.join(build_dir, "crash", "snapshot-shim.so")
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(SHIM_SRC):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cc = os.environ.get("CC", "cc")
    run([cc, "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out + ".tmp",
         SHIM_SRC, "-ldl", "-lpthread"])
    os.replace(out + ".tmp", out)
    return out


class AckWatch:
    """Counts '@@VT ack' lines in QEMU's output as it arrives. Trace lines
    can land inside a console line; complete ones are cut out first."""

    def __init__(self, target, ndev):
        self.target = target
        self.per_dev = [0] * ndev
        self.pending = ""
        self.acks = 0
        self.reason = None
        self.first_ack = self.crash_at = None
        self.start = time.monotonic()

    def __call__(self, text):
        self.pending = results.TRACE_RE.sub("", (self.pending + text).replace("\r", ""))
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            m = ACK_RE.search(line)
            if m:
                dev = int(m.group(1)) // ID_STRIDE
                if dev < len(self.per_dev):
                    self.per_dev[dev] += 1
                self.acks += 1
                self.first_ack = self.first_ack or time.monotonic()
            elif "@@VT crash-now" in line:
                self.reason = self.reason or "the guest asked for the crash"
            elif "@@VT done" in line or "@@VT setup-fail" in line:
                self.reason = self.reason or "the guest case ended before the crash"
        if min(self.per_dev) >= self.target:
            self.reason = self.reason or f"{self.acks} records acknowledged ({self.per_dev})"
        if self.reason and not self.crash_at:
            self.crash_at = time.monotonic()
        return self.reason is not None


def read_shim_log(path):
    """(snapshots published, copy times in ms, bytes per copy, problems)."""
    snaps, ms, nbytes, problems = 0, [], [], []
    if not os.path.exists(path):
        return snaps, ms, nbytes, problems
    with open(path) as f:
        for line in f:
            m = LOG_RE.match(line.strip())
            if not m:
                continue
            kind, rest = m.group(1), m.group(3)
            if kind == "snapshot":
                snaps += 1
            elif kind == "copy":
                kv = dict(w.partition("=")[::2] for w in rest.split())
                ms.append(float(kv.get("ms", 0)))
                nbytes.append(int(kv.get("bytes", 0)))
            elif kind in ("failed", "error"):
                problems.append(line.strip())
    return snaps, ms, nbytes, problems


def _cleanup(work, ndev):
    for i in range(ndev):
        img = qemu.image_path(work, i)
        for f in [img, img + ".snap"] + glob.glob(img + ".snap.tmp*"):
            if os.path.exists(f):
                os.remove(f)


def _restore_snapshots(case, work, res):
    """Replace each crashed backing file by its last snapshot: the host
    'reboots' with only what its flushes covered."""
    for i, size in enumerate(case.sizes):
        img = qemu.image_path(work, i)
        for tmp in glob.glob(img + ".snap.tmp*"):
            os.remove(tmp)      # a copy whose flush never completed
        if os.path.exists(img + ".snap"):
            os.replace(img + ".snap", img)
        else:
            # No host flush ever completed: the host kept nothing.
            res.info.append(f"device {i}: no host flush before the crash, booting an empty file")
            if os.path.exists(img):
                os.remove(img)
            with open(img, "wb") as f:
                f.truncate(size)


def _merge(res, part, phase):
    prefix = f"{res.case}/"
    for c in part.checks:
        short = c.name[len(prefix):] if c.name.startswith(prefix) else c.name
        res.checks.append(results.Check(f"{res.case}/{phase}/{short}", c.ok, c.detail))
    res.metrics.extend((f"{phase}/{n}", v, u) for n, v, u in part.metrics)
    res.info.extend(f"{phase}: {i}" for i in part.info)


def run_case(kernel, initrd, case, work, accel, shim):
    """Both boots of one crash case; returns a results.CaseResult."""
    target, expect, minimum = case.crash
    res = results.CaseResult(case.name)
    _cleanup(work, len(case.sizes))
    shim_log = os.path.join(work, "snapshot-shim.log")
    if os.path.exists(shim_log):
        os.remove(shim_log)
    watch = AckWatch(target, len(case.sizes))
    env = {"LD_PRELOAD": shim, "VPMEM_CRASH_PREFIX": os.path.join(work, "pmem"),
           "VPMEM_CRASH_LOG": shim_log}
    try:
        wboot = qemu.boot_case(kernel, initrd, case, work, accel, phase="write",
                               host_env=env, stop_when=watch, log_name="console-write.log")
        wres = results.parse(case.name, wboot)
        _merge(res, wres, "write")
        if wboot.timed_out:
            res.add("write/crash", False, f"no crash point within {case.timeout} s "
                    f"({watch.acks} acks); console log: {wboot.log_path}")
        elif not wboot.killed:
            res.add("write/crash", False, f"QEMU ended by itself (rc {wboot.rc}) before the crash; "
                    f"console log: {wboot.log_path}")
        res.info.append(f"crash: {watch.reason or 'timeout'}")
        snaps, ms, nbytes, problems = read_shim_log(shim_log)

        _restore_snapshots(case, work, res)
        cboot = qemu.boot_case(kernel, initrd, case, work, accel, phase="check",
                               keep_images=True, log_name="console-check.log")
        cres = results.parse(case.name, cboot)
        _merge(res, cres, "check")
    finally:
        _cleanup(work, len(case.sizes))

    acked = wres.acks
    lost = sorted(acked - cres.found)
    extra = len(cres.found - acked)
    per_dev = []
    for d in range(len(case.sizes)):
        a = sum(1 for i in acked if i // ID_STRIDE == d)
        per_dev.append(a)
        res.metrics += [(f"acked-dev{d}", str(a), "records"),
                        (f"lost-dev{d}", str(sum(1 for i in lost if i // ID_STRIDE == d)), "records")]
    summary = (f"acked={len(acked)} lost={len(lost)} durable-unacked={extra} "
               f"snapshots={snaps} host-flushes={wres.host_flushes}")
    if lost:
        summary += f" first-lost={lost[:8]}"
    res.add("crash/shim", not problems and (snaps > 0 or wres.host_flushes == 0),
            f"{snaps} snapshots for {wres.host_flushes} host flushes"
            + (f"; {problems[:3]}" if problems else ""))
    res.add("crash/acked-records", min(per_dev) >= minimum,
            f"records acknowledged per device before the crash: {per_dev} (need >= {minimum} each)")
    if len(cres.scans) < len(case.sizes):
        res.add("crash/checker", False, f"{len(cres.scans)} of {len(case.sizes)} checkers finished; "
                f"console log: {cboot.log_path}")
    elif expect == "intact":
        res.add("crash/no-acked-record-lost", not lost, summary)
    else:
        res.add("crash/loss-detected", bool(lost),
                summary + ("" if lost else ": the oracle missed records that were never persisted"))
    res.info.append(summary)
    res.metrics += [("acked", str(len(acked)), "records"), ("lost", str(len(lost)), "records"),
                    ("durable-unacked", str(extra), "records"), ("snapshots", str(snaps), "")]
    if ms:
        res.metrics += [("snapshot-copy-mean", f"{statistics.mean(ms):.1f}", "ms"),
                        ("snapshot-copy-max", f"{max(ms):.1f}", "ms"),
                        ("snapshot-copy-bytes-max", str(max(nbytes)), "bytes")]
    res.metrics += [("write-phase", f"{wboot.seconds:.1f}", "s"), ("check-phase", f"{cboot.seconds:.1f}", "s")]
    if watch.first_ack:
        res.metrics.append(("boot-to-first-ack", f"{watch.first_ack - watch.start:.1f}", "s"))
    if watch.first_ack and watch.crash_at and watch.crash_at > watch.first_ack:
        res.metrics.append(("ack-rate", f"{watch.acks / (watch.crash_at - watch.first_ack):.0f}", "records/s"))
    res.host_flushes = wres.host_flushes
    res.seconds = wboot.seconds + cboot.seconds
    return res

