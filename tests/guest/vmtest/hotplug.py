"""Hot-plug of virtio-pmem devices while the guest runs (header hotplug=N).

QEMU gets a QMP socket in the case's work dir and N free PCIe root ports
(q35). The guest asks with console lines (lib.sh vt_hotplug/vt_hotunplug):

  @@VT hotplug ID SIZE        a fresh sparse backing file WORK/hp-ID.img,
                              object-add memory-backend-file + device_add
                              virtio-pmem-pci,id=ID on a free root port
  @@VT hotunplug ID [refused] device_del ID

They are read from QEMU's output as it arrives (qemu._watch) and acted on
by a worker thread, so that the output keeps being read while QEMU
answers. Each request gives one check, host/hotplug-ID or
host/hotunplug-ID (results.parse adds them), with QEMU's message; with
'refused' the check passes only when QEMU refused.
"""
import os
import queue
import re
import threading

from . import qmp
from .util import log, parse_size

REQUEST_RE = re.compile(r"@@VT (hotplug|hotunplug)(?: (.*))?$")
ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
# Guest-physical room (maxmem) per hot-plug slot: the largest device one
# slot can take.
SLOT_ROOM = 4 << 30
DELETED_WAIT = 20.0


def port_id(i):
    return f"vt-hp-port{i}"


def qemu_args(nslots, sock):
    args = ["-qmp", f"unix:{sock},server=on,wait=off"]
    for i in range(nslots):
        args += ["-device", f"pcie-root-port,id={port_id(i)},chassis={i + 1},slot={i + 1}"]
    return args


def image_path(work_dir, dev_id):
    return os.path.join(work_dir, f"hp-{dev_id}.img")


def parse_request(line):
    """(verb, ID, SIZE-or-refused-flag) for a request line, or None.
    Raises ValueError for a request that is malformed."""
    m = REQUEST_RE.search(line)
    if not m:
        return None
    verb, args = m.group(1), (m.group(2) or "").split()
    if not args or not ID_RE.fullmatch(args[0]):
        raise ValueError(f"{verb}: bad device id in '{line.strip()}' (expected [A-Za-z][A-Za-z0-9_-]*)")
    if verb == "hotplug":
        if len(args) != 2:
            raise ValueError(f"hotplug {args[0]}: expected 'hotplug ID SIZE'")
        try:
            size = parse_size(args[1])
        except ValueError:
            raise ValueError(f"hotplug {args[0]}: bad size '{args[1]}'") from None
        if size <= 0 or size > SLOT_ROOM:
            raise ValueError(f"hotplug {args[0]}: size {args[1]} not in 1..{SLOT_ROOM >> 30}G")
        return verb, args[0], size
    if len(args) > 2 or (len(args) == 2 and args[1] != "refused"):
        raise ValueError(f"hotunplug {args[0]}: expected 'hotunplug ID [refused]'")
    return verb, args[0], len(args) == 2


class LineReader:
    """Complete console lines from QEMU's output chunks, with QEMU's trace
    lines (which can land inside a console line) cut out first."""

    def __init__(self):
        self.buf = ""

    def feed(self, text):
        from .results import TRACE_RE
        self.buf += text.replace("\r", "")
        if "\n" not in self.buf:
            return []
        done, self.buf = self.buf.rsplit("\n", 1)
        # A trace line split across chunks stays in buf with its console line.
        whole = TRACE_RE.sub("", done + "\n")
        if not whole.endswith("\n"):
            # The last complete piece ended inside a trace line: keep it.
            self.buf = whole + self.buf
            return []
        return whole[:-1].split("\n")


class Hotplug:
    """The QMP side of one boot: call it with QEMU's output chunks (it
    never asks for a kill); finish() after QEMU ended returns the checks."""

    def __init__(self, case_name, nslots, work_dir):
        self.case = case_name
        self.nslots = nslots
        self.work = work_dir
        self.sock = qmp.socket_path(work_dir)
        if os.path.exists(self.sock):
            os.remove(self.sock)
        self.reader = LineReader()
        self.requests = queue.Queue()
        self.checks = []          # (name, ok, detail)
        self.ports = {}           # port index -> device id
        self.images = []
        self.qmp = None
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def qemu_args(self):
        return qemu_args(self.nslots, self.sock)

    def __call__(self, text):
        for line in self.reader.feed(text):
            try:
                req = parse_request(line)
            except ValueError as e:
                self.checks.append(("hotplug-request", False, str(e)))
                continue
            if req:
                self.requests.put(req)
        return False

    def finish(self):
        """QEMU has ended: stop the worker, remove the backing files."""
        self.requests.put(None)
        self.thread.join(60)
        if self.qmp:
            self.qmp.close()
        for img in self.images:
            if os.path.exists(img):
                os.remove(img)
        if os.path.exists(self.sock):
            os.remove(self.sock)
        if self.sock != os.path.join(self.work, "qmp.sock"):
            os.rmdir(os.path.dirname(self.sock))
        return self.checks

    def _say(self, name, ok, detail):
        self.checks.append((name, ok, detail))
        log(f"{self.case}: {name}: {'ok' if ok else 'FAILED'}: {detail}")

    def _work(self):
        while True:
            req = self.requests.get()
            if req is None:
                return
            verb, dev_id, arg = req
            name = f"{verb}-{dev_id}"
            try:
                if self.qmp is None:
                    self.qmp = qmp.QMP(self.sock).connect()
                if verb == "hotplug":
                    self._plug(name, dev_id, arg)
                else:
                    self._unplug(name, dev_id, arg)
            except qmp.QMPClosed as e:
                self._say(name, False, f"no answer from QEMU's monitor: {e}")
            except Exception as e:  # noqa: BLE001 -- one request's failure must not end the worker
                self._say(name, False, f"{type(e).__name__}: {e}")

    def _plug(self, name, dev_id, size):
        free = [i for i in range(self.nslots) if i not in self.ports]
        if dev_id in self.ports.values():
            return self._say(name, False, f"{dev_id} is plugged already")
        if not free:
            return self._say(name, False, f"no free hot-plug slot (hotplug={self.nslots})")
        img = image_path(self.work, dev_id)
        if os.path.exists(img):
            os.remove(img)
        with open(img, "wb") as f:
            f.truncate(size)      # fresh and sparse, like the boot devices
        self.images.append(img)
        mem = f"vt-hpmem-{dev_id}"
        try:
            self.qmp.command("object-add", **{"qom-type": "memory-backend-file", "id": mem,
                                              "mem-path": img, "size": size, "share": True})
        except qmp.QMPError as e:
            return self._say(name, False, f"QEMU refused object-add: {e}")
        try:
            self.qmp.command("device_add", driver="virtio-pmem-pci", id=dev_id, memdev=mem,
                             bus=port_id(free[0]))
        except qmp.QMPError as e:
            self.qmp.command("object-del", id=mem)
            return self._say(name, False, f"QEMU refused device_add: {e}")
        self.ports[free[0]] = dev_id
        self._say(name, True, f"QEMU accepted virtio-pmem-pci {dev_id} ({size >> 20} MiB, "
                  f"{os.path.basename(img)}) on {port_id(free[0])}")

    def _unplug(self, name, dev_id, want_refused):
        # A refusal counts only for a device QEMU has: not for a typo or a
        # device that never came.
        present = any(d.get("data", {}).get("id") == dev_id
                      for d in self.qmp.command("query-memory-devices"))
        try:
            self.qmp.command("device_del", id=dev_id)
        except qmp.QMPError as e:
            msg = f"QEMU refused device_del {dev_id}: {e}"
            if not present:
                return self._say(name, False, msg + f" ({dev_id} is no memory device of QEMU's)")
            return self._say(name, want_refused, msg + ("" if want_refused else
                                                        " (the case expected it to be accepted)"))
        ev = self.qmp.wait_event("DEVICE_DELETED", lambda d: d.get("device") == dev_id,
                                 timeout=DELETED_WAIT)
        gone = "DEVICE_DELETED came" if ev else f"no DEVICE_DELETED within {DELETED_WAIT:.0f} s"
        if ev:
            for port, d in list(self.ports.items()):
                if d == dev_id:
                    del self.ports[port]
            try:
                self.qmp.command("object-del", id=f"vt-hpmem-{dev_id}")
            except qmp.QMPError:
                pass            # not one of ours (a boot device)
        if want_refused:
            return self._say(name, False, f"QEMU accepted device_del {dev_id} ({gone}); "
                             "the case expected a refusal")
        self._say(name, True, f"QEMU accepted device_del {dev_id}; {gone}")
