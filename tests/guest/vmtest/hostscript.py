"""Host side of a case: the files it exported and its host script.

After the guest of CASE has finished (also after a failed boot), the files
the guest exported (lib.sh vt_export, checked in results.py) are written to
LOGDIR/export/NAME, and an executable tests/guest/cases/CASE.host (bash) is
run with

  VT_EXPORT_DIR  LOGDIR/export         VT_LOG_DIR    LOGDIR
  VT_BUILD_DIR   the meson build dir   VT_CASE       CASE
  VT_KERNEL      the guest's kernel release
  VT_TOP         the source tree's top

Its stdout lines in the guest's syntax ('@@VT ok NAME', '@@VT fail NAME
MESSAGE', '@@VT metric NAME VALUE [UNIT]') become results CASE/host/NAME;
every other line (and stderr) goes to LOGDIR/host.log. A non-zero exit, a
timeout or no check at all fails CASE/host/script.
"""
import os
import re
import shutil
import signal
import subprocess

TIMEOUT = 120
HOST_LINE_RE = re.compile(r"^@@VT (ok|fail|metric) (.*)$")


def host_script(case):
    return case.path[:-len(".sh")] + ".host"


def write_exports(res, log_dir):
    """Write the exports that passed their check; a stale directory from an
    earlier run is removed first so that nothing old can pass for new."""
    export_dir = os.path.join(log_dir, "export")
    if os.path.isdir(export_dir):
        shutil.rmtree(export_dir)
    os.makedirs(export_dir)
    for name, data in res.exports.items():
        with open(os.path.join(export_dir, name), "wb") as f:
            f.write(data)
    return export_dir


def parse_output(res, text):
    """Record the host script's '@@VT' lines in res (as host/NAME); return
    (number of checks, the other lines)."""
    n = 0
    names = set()
    other = []
    for line in text.splitlines():
        m = HOST_LINE_RE.match(line.rstrip("\r"))
        args = m.group(2).split() if m else []
        if not m or not args:
            other.append(line)
            continue
        verb = m.group(1)
        if verb == "metric":
            if len(args) >= 2:
                res.metrics.append((f"host/{args[0]}", args[1], " ".join(args[2:])))
            else:
                other.append(line)
            continue
        n += 1
        if args[0] in names:
            res.add(f"host/{args[0]}", False, "duplicate check name in the host script")
            continue
        names.add(args[0])
        if verb == "ok":
            res.add(f"host/{args[0]}", True)
        else:
            res.add(f"host/{args[0]}", False, " ".join(args[1:]) or "failed")
    return n, other


def run(case, res, log_dir, build_dir, kernel_release, top, timeout=TIMEOUT):
    """Run CASE.host if there is one; its results go into res."""
    export_dir = write_exports(res, log_dir)
    script = host_script(case)
    if not os.path.exists(script):
        return
    host_log = os.path.join(log_dir, "host.log")
    env = dict(os.environ, VT_EXPORT_DIR=export_dir, VT_LOG_DIR=log_dir, VT_BUILD_DIR=build_dir,
               VT_CASE=case.name, VT_KERNEL=kernel_release, VT_TOP=top)
    if not os.access(script, os.X_OK):
        res.add("host/script", False, f"{script} is not executable")
        return
    with open(host_log, "w") as log:
        log.write(f"# {script}\n")
        log.flush()
        # Its own process group: on a timeout the whole group is killed,
        # servers it started in the background (an exporter holding a
        # port) included, not only the script.
        p = subprocess.Popen([script], cwd=log_dir, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        try:
            out, _ = p.communicate(timeout=timeout)
            rc, timed_out = p.returncode, False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
            rc, timed_out = None, True
        n, other = parse_output(res, out.decode("utf-8", "replace"))
        log.write("".join(line + "\n" for line in other))
    if timed_out:
        res.add("host/script", False, f"killed after {timeout} s; log: {host_log}")
    elif rc != 0:
        res.add("host/script", False, f"exited with status {rc}; log: {host_log}")
    elif n == 0:
        res.add("host/script", False, f"reported no check; log: {host_log}")
    else:
        res.add("host/script", True, f"{n} checks")
