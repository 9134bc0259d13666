"""Small helpers shared by the harness modules."""
import os
import subprocess
import sys


class HarnessError(Exception):
    """A prerequisite could not be met; the run fails (never skips)."""


def log(msg):
    print(f"vmtest: {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    """Run a command, raising HarnessError with its output when it fails."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    kw.setdefault("text", True)
    p = subprocess.run(cmd, **kw)
    if p.returncode != 0:
        out = p.stdout or ""
        raise HarnessError(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{out[-2000:]}")
    return p.stdout


def sudo_prefix():
    return [] if os.geteuid() == 0 else ["sudo", "-n"]


def parse_size(s):
    """'256M' -> bytes. Accepts K, M, G suffixes (binary)."""
    s = s.strip().upper()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s and s[-1] in mult:
        return int(s[:-1]) * mult[s[-1]]
    return int(s)
