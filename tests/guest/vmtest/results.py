"""Turn a guest's combined console + trace output into check results.

Guest lines (written by tests/guest/lib.sh, prefix '@@VT '):
  ok NAME                      a passed check
  fail NAME MESSAGE...         a failed check
  mark LABEL                   a point in time (drained to the host before
                               the guest goes on)
  expect-hf FROM TO OP N NAME  host-side check: the number of host flushes
                               between marks FROM and TO compared with N
                               (OP: eq ne ge gt le lt)
  metric NAME VALUE [UNIT]     a measurement, printed in the summary
  hf-count FROM TO NAME        ask the host to print the flush count
  hf-per-op FROM TO OPS NAME   print host flushes per operation as a metric
  expect-hf-per-op FROM TO OPS OP VALUE NAME
                               host-side check: host flushes per operation
                               between two marks compared with VALUE
  expect-hf-ratio AF AT AOPS BF BT BOPS MAX NAME
                               host-side check: host flushes per operation in
                               interval B <= MAX x those in interval A
  done RC                      the case script finished with status RC
  export-begin NAME SIZE SHA256
  export-data NAME BASE64      a file the guest exports (lib.sh vt_export):
  export-end NAME              reassembled on the host, checked as
                               export/NAME (length and sha256)
  hotplug ID SIZE              requests acted on while QEMU runs
  hotunplug ID [refused]       (vmtest/hotplug.py); here only checked to
                               have been acted on (a host/hotplug-ID check)
Crash cases (vmtest/crash.py):
  ack ID                       record ID was persisted (persist() returned 0)
  crash-now                    the write phase is over: crash the host now
  crash-found A-B ...          check phase: intact records, as id ranges
  crash-scan slots=N intact=N torn=N
                               check phase: the checker finished its scan
QEMU's trace lines ('virtio_pmem_flush_request') are written by QEMU
into the same stream, possibly in the middle of a console line because the
UART sends byte by byte: they are cut out and counted at their position.
"""
import base64
import binascii
import hashlib
import operator
import re

from .qemu import TRACE_EVENT

# QEMU's log trace backend may prefix 'pid@seconds.micros:'.
TRACE_RE = re.compile(r"(?:\d+@\d+\.\d+:)?" + TRACE_EVENT + r"\b[^\n]*\n")
LINE_RE = re.compile(r"@@VT (\S+)(?: (.*))?")
OPS = {"eq": operator.eq, "ne": operator.ne, "ge": operator.ge,
       "gt": operator.gt, "le": operator.le, "lt": operator.lt}


class Check:
    def __init__(self, name, ok, detail=""):
        self.name = name
        self.ok = ok
        self.detail = detail


class CaseResult:
    def __init__(self, case_name):
        self.case = case_name
        self.checks = []
        self.metrics = []
        self.info = []
        self.done_rc = None
        self.host_flushes = 0
        self.acks = set()
        self.found = set()
        self.scans = []
        self.crash_now = False
        self.exports = {}          # NAME -> bytes, only those that passed their check
        self.hotplug_requests = []  # (verb, ID) in console order

    def check_names(self):
        return {c.name for c in self.checks}

    def add(self, name, ok, detail=""):
        self.checks.append(Check(f"{self.case}/{name}", ok, detail))


def split_trace(output):
    """Return (console text without trace lines, list of console offsets at
    which a host flush was seen)."""
    console = []
    flush_at = []
    pos = 0
    length = 0
    for m in TRACE_RE.finditer(output):
        chunk = output[pos:m.start()]
        console.append(chunk)
        length += len(chunk)
        flush_at.append(length)
        pos = m.end()
    console.append(output[pos:])
    return "".join(console), flush_at


EXPORT_NAME_RE = re.compile(r"[A-Za-z0-9._-]+")


class _Export:
    def __init__(self, size, digest):
        self.size = size
        self.digest = digest
        self.chunks = []
        self.problem = ""


def _export_line(res, pending, verb, args):
    """One export-* line: collect the base64 text of a NAME between its
    begin and end; at the end decode it and compare length and sha256."""
    name = args[0] if args else ""
    check = f"export/{name}"
    if not EXPORT_NAME_RE.fullmatch(name):
        res.add("export", False, f"malformed export line: {verb} {' '.join(args)}")
        return
    if verb == "export-begin":
        if f"{res.case}/{check}" in res.check_names() or name in pending:
            # Which one is meant? Neither: the data of the second is consumed.
            res.exports.pop(name, None)
            pending[name] = _Export(0, "")
            pending[name].problem = "exported twice"
            return
        if len(args) != 3 or not args[1].isdigit() or not re.fullmatch(r"[0-9a-f]{64}", args[2]):
            res.add(check, False, f"malformed export-begin: {' '.join(args)}")
            return
        pending[name] = _Export(int(args[1]), args[2])
    elif name not in pending:
        res.add(check, False, f"{verb} without export-begin")
    elif verb == "export-data":
        if len(args) != 2:
            pending[name].problem = pending[name].problem or "malformed data line"
        else:
            pending[name].chunks.append(args[1])
    elif verb == "export-end":
        ex = pending.pop(name)
        if ex.problem == "exported twice":
            res.add(check, False, ex.problem)
            return
        try:
            data = base64.b64decode("".join(ex.chunks), validate=True)
        except (binascii.Error, ValueError) as e:
            res.add(check, False, f"corrupt transfer: bad base64 ({e})")
            return
        digest = hashlib.sha256(data).hexdigest()
        if ex.problem:
            res.add(check, False, f"corrupt transfer: {ex.problem}")
        elif len(data) != ex.size:
            res.add(check, False, f"corrupt transfer: {len(data)} bytes, the guest sent {ex.size}")
        elif digest != ex.digest:
            res.add(check, False, f"corrupt transfer: sha256 {digest}, the guest's {ex.digest}")
        else:
            res.exports[name] = data
            res.add(check, True, f"{len(data)} bytes, sha256 {digest[:16]}...")


def _hotplug_checks(res, boot):
    """The host's checks of the guest's hot-plug requests (acted on live,
    vmtest/hotplug.py), and a failure for every request in the console
    that no host check answers (lost, or a case without hotplug=N)."""
    answered = set()
    for name, ok, detail in getattr(boot, "host_checks", []):
        res.add(f"host/{name}", ok, detail)
        answered.add(name)
    for verb, dev_id in res.hotplug_requests:
        name = f"{verb}-{dev_id}"
        if name in answered:
            continue
        answered.add(name)
        if not getattr(boot, "hotplug", 0):
            res.add(f"host/{name}", False, "the case asked for hot-plug without a hotplug=N header")
        else:
            res.add(f"host/{name}", False, "the host did not act on the request")


def parse(case_name, boot):
    res = CaseResult(case_name)
    pending_exports = {}
    console, flush_at = split_trace(boot.output.replace("\r", ""))
    res.host_flushes = len(flush_at)
    marks = {}
    names = set()

    def flushes_before(offset):
        return sum(1 for f in flush_at if f <= offset)

    offset = 0
    for line in console.split("\n"):
        line_end = offset + len(line)
        offset = line_end + 1
        m = LINE_RE.search(line)
        if not m:
            continue
        verb, rest = m.group(1), (m.group(2) or "").strip()
        args = rest.split()
        if verb in ("ok", "fail", "expect-hf", "expect-hf-ratio", "expect-hf-per-op") and args:
            name = args[-1] if verb.startswith("expect-") else args[0]
            if name in names:
                res.add(name, False, "duplicate check name in the case")
                continue
            names.add(name)
        if verb == "ok" and args:
            res.add(args[0], True)
        elif verb == "fail" and args:
            res.add(args[0], False, " ".join(args[1:]))
        elif verb == "mark" and len(args) == 1:
            # Flushes printed before this line ended happened before the
            # guest passed the mark (it drains the console first).
            marks[args[0]] = flushes_before(line_end)
        elif verb == "expect-hf" and len(args) == 5:
            frm, to, op, n, name = args
            if frm not in marks or to not in marks or op not in OPS or not n.isdigit():
                res.add(name, False, f"malformed expectation: {rest}")
                continue
            count = marks[to] - marks[frm]
            ok = OPS[op](count, int(n))
            res.add(name, ok, f"host flushes between {frm} and {to}: {count} (expected {op} {n})")
            res.info.append(f"{name}: {count} host flushes between {frm} and {to}")
        elif verb == "hf-count" and len(args) == 3:
            frm, to, name = args
            if frm in marks and to in marks:
                res.metrics.append((name, str(marks[to] - marks[frm]), "host-flushes"))
        elif verb == "hf-per-op" and len(args) == 4:
            frm, to, ops, name = args
            if frm in marks and to in marks and ops.isdigit() and int(ops) > 0:
                res.metrics.append((name, f"{(marks[to] - marks[frm]) / int(ops):.3f}",
                                    "host-flushes/op"))
        elif verb == "expect-hf-per-op" and len(args) == 6:
            frm, to, ops, op, value, name = args
            try:
                if frm not in marks or to not in marks or op not in OPS:
                    raise ValueError("unknown mark or operator")
                per_op = (marks[to] - marks[frm]) / int(ops)
                res.add(name, OPS[op](per_op, float(value)),
                        f"host flushes per op between {frm} and {to}: {per_op:.3f} (expected {op} {value})")
            except (ValueError, ZeroDivisionError) as e:
                res.add(name, False, f"malformed expectation '{rest}': {e}")
        elif verb == "expect-hf-ratio" and len(args) == 8:
            af, at, aops, bf, bt, bops, limit, name = args
            try:
                if not all(m in marks for m in (af, at, bf, bt)):
                    raise ValueError("unknown mark")
                a = (marks[at] - marks[af]) / int(aops)
                b = (marks[bt] - marks[bf]) / int(bops)
                ok = b <= float(limit) * a
                res.add(name, ok, f"host flushes per op: {b:.3f} vs {a:.3f} (expected <= {limit} x)")
            except (ValueError, ZeroDivisionError) as e:
                res.add(name, False, f"malformed ratio expectation '{rest}': {e}")
        elif verb == "metric" and len(args) >= 2:
            res.metrics.append((args[0], args[1], " ".join(args[2:])))
        elif verb == "done" and args and args[0].lstrip("-").isdigit():
            res.done_rc = int(args[0])
        elif verb == "ack" and len(args) == 1 and args[0].isdigit():
            res.acks.add(int(args[0]))
        elif verb == "crash-now":
            res.crash_now = True
        elif verb == "crash-found":
            for r in args:
                a, _, b = r.partition("-")
                if a.isdigit() and b.isdigit() and int(a) <= int(b):
                    res.found.update(range(int(a), int(b) + 1))
                else:
                    res.add("crash-found", False, f"malformed range '{r}'")
        elif verb == "crash-scan":
            res.scans.append(dict(kv.partition("=")[::2] for kv in args))
        elif verb == "setup-fail":
            res.add("setup", False, rest)
        elif verb == "info":
            res.info.append(rest)
        elif verb in ("export-begin", "export-data", "export-end"):
            _export_line(res, pending_exports, verb, args)
        elif verb in ("hotplug", "hotunplug") and args:
            res.hotplug_requests.append((verb, args[0]))

    for name in sorted(pending_exports):
        res.add(f"export/{name}", False, "incomplete transfer: no export-end")
    _hotplug_checks(res, boot)

    if getattr(boot, "killed", False):
        return res     # crashed on purpose: no 'done', and the caller judges
    if boot.timed_out:
        res.add("boot", False, f"guest killed after {boot.seconds:.0f} s (timeout); console log: {boot.log_path}"
                + console_tail(boot.output))
    elif res.done_rc is None:
        res.add("boot", False, f"guest ended without finishing the case (qemu rc {boot.rc}); console log: {boot.log_path}"
                + console_tail(boot.output))
    elif res.done_rc != 0 and not any(c.name.endswith("/setup") for c in res.checks):
        res.add("exit", False, f"case script exited with status {res.done_rc}")
    if not res.checks:
        res.add("checks", False, "the case reported no checks")
    return res


def console_tail(output, lines=40):
    """The guest's last words (kernel messages, a panic) for a failure line:
    CI keeps only what the suite prints, not the console log. Host trace
    text is cut out (it can land inside a console line), the case's own
    protocol lines and control characters are left out."""
    console, _ = split_trace(output.replace("\r", ""))
    keep = [re.sub(r"[\x00-\x1f\x7f]", "", l) for l in console.splitlines()]
    keep = [l for l in keep if l.strip() and not l.startswith("@@VT ")]
    if not keep:
        return ""
    return "\n      | " + "\n      | ".join(l.rstrip()[:200] for l in keep[-lines:])


def early_panic(output):
    """The guest kernel panicked before the case reported any check (an
    emulator or kernel accident of the boot, not a result of the case)."""
    before = output.split("@@VT ok ", 1)[0].split("@@VT fail ", 1)[0]
    return "Kernel panic" in before and "@@VT done" not in output
