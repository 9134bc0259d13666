"""Boot one guest: fresh backing files, QEMU with virtio-pmem devices and
the host-flush trace, bounded time, combined console + trace output."""
import os
import select
import shutil
import signal
import subprocess
import time

from . import hotplug
from .util import HarnessError, log, parse_size

QEMU = "qemu-system-x86_64"
TRACE_EVENT = "virtio_pmem_flush_request"
_accel_cache = {}


def _base_cmd(kernel, initrd, accel, smp, mem_mb, append):
    cpu = "host" if accel == "kvm" else "max"
    return [QEMU, "-accel", accel, "-machine", "q35", "-cpu", cpu,
            "-smp", str(smp), "-nographic", "-no-reboot", "-nodefaults",
            "-serial", "stdio", "-kernel", kernel.vmlinuz, "-initrd", initrd,
            "-append", "console=ttyS0 quiet loglevel=3 panic=-1 " + append]


def choose_accel(kernel, initrd):
    """KVM when /dev/kvm is usable (a probe guest boots), TCG otherwise.
    VPMEM_ACCEL=kvm|tcg forces the choice."""
    forced = os.environ.get("VPMEM_ACCEL")
    if forced:
        if forced not in ("kvm", "tcg"):
            raise HarnessError(f"VPMEM_ACCEL={forced}: expected kvm or tcg")
        return forced
    if "accel" in _accel_cache:
        return _accel_cache["accel"]
    accel = "tcg"
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        cmd = _base_cmd(kernel, initrd, "kvm", 1, 256, "VT_CASE=probe")
        cmd[cmd.index("-smp"):cmd.index("-smp")] = ["-m", "256M"]
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=30)
            if b"@@VT probe-ok" in p.stdout:
                accel = "kvm"
            else:
                log("KVM present but a probe guest did not boot; using TCG")
        except subprocess.TimeoutExpired:
            log("KVM probe guest timed out; using TCG")
    _accel_cache["accel"] = accel
    return accel


class Boot:
    """Result of one guest boot. killed: the harness ended it on purpose
    (stop_when), which is not a timeout."""

    def __init__(self, output, rc, timed_out, seconds, log_path, killed=False):
        self.output = output
        self.rc = rc
        self.timed_out = timed_out
        self.seconds = seconds
        self.log_path = log_path
        self.killed = killed


def image_path(work_dir, i):
    return os.path.join(work_dir, f"pmem{i}.img")


def boot_case(kernel, initrd, case, work_dir, accel, phase=None, keep_images=False,
              host_env=None, stop_when=None, log_name="console.log"):
    """Boot one guest for case.

    phase: guest boot phase of a crash case (VT_PHASE). keep_images: boot
    from the backing files already in work_dir (and leave them there)
    instead of fresh ones. host_env: extra environment for QEMU (the crash
    snapshot shim). stop_when(text): called with each piece of output as it
    arrives (console and trace, in order);
    when it returns true QEMU is killed with SIGKILL at once (a host crash).
    A case with hotplug=N gets a QMP socket and N PCIe root ports, and its
    requests are acted on live (vmtest/hotplug.py); their checks are in
    Boot.host_checks."""
    os.makedirs(work_dir, exist_ok=True)
    pmem_total = 0
    dev_args = []
    for i, size in enumerate(case.sizes):
        img = image_path(work_dir, i)
        if keep_images:
            if not os.path.exists(img) or os.path.getsize(img) != size:
                raise HarnessError(f"{img}: no kept backing file of {size} bytes")
        else:
            # A fresh file each boot: namespace metadata would survive otherwise.
            if os.path.exists(img):
                os.remove(img)
            with open(img, "wb") as f:
                f.truncate(size)
        pmem_total += size
        dev_args += ["-object", f"memory-backend-file,id=mem{i},share=on,mem-path={img},size={size}",
                     "-device", f"virtio-pmem-pci,memdev=mem{i},id=nv{i}"]
    # An emulated ACPI NVDIMM on an ordinary file: it claims a persistence
    # domain (memory_controller) that nothing on the host backs.
    nvdimm_img = os.path.join(work_dir, "nvdimm.img")
    if case.opts.get("nvdimm"):
        size = parse_size(case.opts["nvdimm"])
        with open(nvdimm_img, "wb") as f:
            f.truncate(size)
        pmem_total += size
        dev_args += ["-object", f"memory-backend-file,id=nvm0,share=on,mem-path={nvdimm_img},size={size}",
                     "-device", "nvdimm,memdev=nvm0,id=nvdimm0"]
    maxmem_mb = case.mem + (pmem_total >> 20) + 256 + case.hotplug * (hotplug.SLOT_ROOM >> 20)
    cmd = _base_cmd(kernel, initrd, accel, case.smp, case.mem, " ".join(case.guest_env(phase)))
    slots = ",slots=4" if case.opts.get("nvdimm") else ""
    cmd[cmd.index("-smp"):cmd.index("-smp")] = ["-m", f"{case.mem}M{slots},maxmem={maxmem_mb}M"]
    if case.opts.get("nvdimm"):
        cmd[cmd.index("-machine") + 1] = "q35,nvdimm=on,nvdimm-persistence=mem-ctrl"
    cmd += dev_args + ["-trace", TRACE_EVENT]
    env = dict(os.environ, **host_env) if host_env else None
    watchers = [stop_when] if stop_when else []
    hp = None
    if case.hotplug:
        # Requests from the guest are acted on while QEMU runs (vmtest/hotplug.py).
        hp = hotplug.Hotplug(case.name, case.hotplug, work_dir)
        cmd += hp.qemu_args()
        watchers.append(hp)

    log_path = os.path.join(work_dir, log_name)
    start = time.monotonic()
    timed_out = killed = False
    host_checks = []
    with open(log_path, "wb") as out:
        out.write(("# " + " ".join(cmd) + "\n").encode())
        out.flush()
        # Console (stdout) and trace (stderr) share one pipe so that their
        # order is the order in which QEMU produced them.
        try:
            if not watchers:
                p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
                try:
                    rc = p.wait(timeout=case.timeout)
                except subprocess.TimeoutExpired:
                    timed_out = True
                    p.kill()
                    rc = p.wait()
            else:
                rc, timed_out, killed = _watch(cmd, env, out, case.timeout, watchers)
        finally:
            if hp:
                host_checks = hp.finish()
    seconds = time.monotonic() - start
    with open(log_path, "rb") as f:
        output = f.read().decode("utf-8", "replace")
    output = output.split("\n", 1)[1] if "\n" in output else ""
    if os.path.exists(nvdimm_img):
        os.remove(nvdimm_img)
    if not keep_images:
        for i in range(len(case.sizes)):
            img = image_path(work_dir, i)
            if os.path.exists(img) and phase != "write":
                os.remove(img)
    boot = Boot(output, rc, timed_out, seconds, log_path, killed)
    boot.host_checks = host_checks
    boot.hotplug = case.hotplug
    return boot


def _watch(cmd, env, out, timeout, watchers):
    """Run QEMU with its output read as it comes, each piece given to every
    watcher in order (crash.AckWatch, hotplug.Hotplug); SIGKILL QEMU as
    soon as one of them returns true. Returns (rc, timed_out, killed)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + timeout
    timed_out = killed = False
    fd = p.stdout.fileno()
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        chunk = os.read(fd, 65536) if ready else b""
        if ready and not chunk:
            break                      # EOF: QEMU is gone
        if chunk:
            out.write(chunk)
        if not killed and not timed_out:
            text = chunk.decode("ascii", "replace") if chunk else ""
            if text and any([w(text) for w in watchers]):
                p.send_signal(signal.SIGKILL)
                killed = True
            elif time.monotonic() > deadline:
                p.kill()
                timed_out = True
    p.stdout.close()
    return p.wait(), timed_out, killed


def check_qemu():
    if not shutil.which(QEMU):
        raise HarnessError(f"{QEMU} not found: install qemu-system-x86")
