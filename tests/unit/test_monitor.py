#!/usr/bin/env python3
"""vpmemctl monitor on the host (no pmem needed): the ExecStart line of the
built systemd unit runs (READY=1 on $NOTIFY_SOCKET, status 0 on SIGTERM),
--timeout, --once with a timeout, SIGINT, a closed output while no event
comes, and the usage errors of its
options. The events themselves are checked in the guest (case
vpmemctl-monitor).

usage: test_monitor.py VPMEMCTL UNIT_FILE BINDIR
"""
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

vpmemctl, unit, bindir = sys.argv[1:4]
fails = 0


def check(name, ok, detail=""):
    global fails
    if ok:
        print(f"ok {name}")
    else:
        fails += 1
        print(f"FAIL {name}: {detail}")


def exec_start():
    """The ExecStart command of the unit, with the built vpmemctl."""
    lines = [l for l in open(unit) if l.startswith("ExecStart=")]
    check("one-execstart", len(lines) == 1, lines)
    argv = shlex.split(lines[0].split("=", 1)[1])
    check("execstart-bindir", argv[0] == os.path.join(bindir, "vpmemctl"), argv[0])
    check("execstart-monitor", argv[1:2] == ["monitor"], argv)
    return [vpmemctl] + argv[1:]


def service_run(sig):
    """Run ExecStart as systemd would (Type=notify); stop it with @sig."""
    argv = exec_start()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "notify")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(20)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            msg = s.recv(256).decode()
        except socket.timeout:
            msg = ""
        check(f"ready-notified-{sig.name}", msg == "READY=1", repr(msg))
        time.sleep(0.3)
        check(f"still-running-{sig.name}", p.poll() is None, p.poll())
        p.send_signal(sig)
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        check(f"stopped-status-0-{sig.name}", p.returncode == 0, (p.returncode, err))
        check(f"stderr-watching-{sig.name}", b"watching device events" in err, err)
        check(f"stderr-stopping-{sig.name}", b"stopping" in err, err)
        s.close()


service_run(signal.SIGTERM)
service_run(signal.SIGINT)

# --timeout: status 0 at the end, nothing on stdout when nothing happened.
t0 = time.monotonic()
r = subprocess.run([vpmemctl, "monitor", "--json", "--timeout", "1"], capture_output=True, timeout=30)
took = time.monotonic() - t0
check("timeout-status-0", r.returncode == 0, r)
check("timeout-no-event", r.stdout == b"", r.stdout)
check("timeout-took-about-1s", 0.9 <= took < 10, took)
r = subprocess.run([vpmemctl, "monitor", "--once", "--timeout", "0.2"], capture_output=True,
                   timeout=30)
check("once-timeout-status-0", r.returncode == 0, r)

# A reader that goes away while nothing happens (`vpmemctl monitor | head -1`
# on a quiet system): POLLERR on stdout ends the monitor, status 1, at once.
rfd, wfd = os.pipe()
t0 = time.monotonic()
p = subprocess.Popen([vpmemctl, "monitor", "--timeout", "20"], stdout=wfd,
                     stderr=subprocess.PIPE)
os.close(wfd)
time.sleep(0.5)
os.close(rfd)
try:
    _, err = p.communicate(timeout=15)
except subprocess.TimeoutExpired:
    p.kill()
    _, err = p.communicate()
took = time.monotonic() - t0
check("closed-output-status-1", p.returncode == 1, (p.returncode, err))
check("closed-output-ends-soon", took < 5, took)
check("closed-output-says-why", b"output was closed" in err, err)

# Usage errors: one line on stderr, status 2, nothing on stdout.
for args in (["--count", "0"], ["--count", "x"], ["--timeout", "-1"], ["--timeout", "nan"],
             ["--interval", "0"], ["--latency-threshold", "5 ms"], ["--latency-threshold", "-1"],
             ["--latency-threshold", "1h"], ["--source", "systemd"], ["extra"], ["--count"], ["--recheck", "0.01"],
             ["--recheck", "x"], ["--stall", "-1"]):
    r = subprocess.run([vpmemctl, "monitor"] + args, capture_output=True, timeout=10)
    err = r.stderr.decode()
    check("usage-" + "-".join(a.strip("-") for a in args), r.returncode == 2 and
          err.count("\n") == 1 and r.stdout == b"", (r.returncode, err, r.stdout))
for good in (["--latency-threshold", "0"], ["--latency-threshold", "250us"],
             ["-l", "2ms"], ["-l", "1s"], ["--source", "kernel"], ["-i", "0.5"], ["-c", "3"],
             ["--recheck", "0"], ["--recheck", "5"], ["--stall", "0"], ["--stall", "2.5"]):
    r = subprocess.run([vpmemctl, "monitor", "--timeout", "0"] + good, capture_output=True,
                       timeout=10)
    check("accepted-" + "-".join(a.strip("-") for a in good), r.returncode == 0, r)

print(f"{fails} failed")
sys.exit(1 if fails else 0)
