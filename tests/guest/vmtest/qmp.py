"""A small QMP client (QEMU's JSON monitor protocol over a unix socket).

QEMU sends a greeting ({"QMP": ...}); the client answers with
qmp_capabilities and then sends one command at a time. Every message is
one JSON object per line; asynchronous events ({"event": ...}) can come
at any time, also between a command and its reply: they are kept in
self.events, in order.
"""
import json
import os
import socket
import tempfile
import time


class QMPError(Exception):
    """QEMU answered a command with an error; str() is QEMU's message."""

    def __init__(self, cls, desc):
        super().__init__(desc)
        self.cls = cls
        self.desc = desc


class QMPClosed(Exception):
    """The connection ended (QEMU exited) or did not answer in time."""


class QMPTimeout(QMPClosed):
    """No message within the timeout."""


class QMP:
    def __init__(self, path, timeout=10.0):
        self.path = path
        self.timeout = timeout
        self.events = []
        self.sock = None
        self._buf = b""
        self._id = 0

    def connect(self, wait=10.0):
        """Connect (QEMU may not have created the socket yet), read the
        greeting and leave capabilities negotiation mode."""
        deadline = time.monotonic() + wait
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() > deadline:
                    raise QMPClosed(f"no QMP socket at {self.path} after {wait:.0f} s")
                time.sleep(0.05)
        s.settimeout(self.timeout)
        self.sock = s
        greeting = self._read()
        if "QMP" not in greeting:
            raise QMPClosed(f"not a QMP greeting: {greeting}")
        self.greeting = greeting
        self.command("qmp_capabilities")
        return self

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    def _read(self):
        """The next message (reply or event) as a dict."""
        while b"\n" not in self._buf:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise QMPTimeout(f"QEMU did not answer in time ({self.sock.gettimeout():.1f} s)") from None
            except OSError as e:
                raise QMPClosed(f"QMP connection: {e}") from None
            if not chunk:
                raise QMPClosed("QEMU closed the QMP connection")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        line = line.strip()
        if not line:
            return self._read()
        try:
            return json.loads(line)
        except ValueError:
            raise QMPClosed(f"not JSON from QEMU: {line[:200]!r}") from None

    def command(self, name, **arguments):
        """Run one command; return its "return" value or raise QMPError
        with QEMU's message. Events that arrive meanwhile are kept."""
        self._id += 1
        msg = {"execute": name, "id": self._id}
        if arguments:
            msg["arguments"] = arguments
        try:
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
        except OSError as e:
            raise QMPClosed(f"QMP connection: {e}") from None
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if reply.get("id") != self._id:
                continue            # not ours (cannot happen with one command at a time)
            if "error" in reply:
                err = reply["error"]
                raise QMPError(err.get("class", "GenericError"), err.get("desc", str(err)))
            return reply.get("return")

    def wait_event(self, name, pred=None, timeout=5.0):
        """The first kept or arriving event NAME (for which pred(data) is
        true), removed from self.events; None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("event") == name and (pred is None or pred(ev.get("data", {}))):
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                self.events.append(self._read())
            except QMPTimeout:
                return None
            finally:
                if self.sock:
                    self.sock.settimeout(self.timeout)


def socket_path(work_dir):
    """The QMP socket of a case, in its work dir; a unix socket's path
    has at most 107 bytes, so a deeper work dir gets one in /tmp."""
    path = os.path.join(work_dir, "qmp.sock")
    if len(path.encode()) <= 100:
        return path
    return os.path.join(tempfile.mkdtemp(prefix="vmtest-qmp-"), "qmp.sock")
