"""Unit tests of the guest harness's pure parts: case headers and the
parsing of console + trace output (no guest needed)."""
import base64
import hashlib
import os
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "guest"))

from vmtest import case, crash, hostscript, hotplug, qmp, results  # noqa: E402
from vmtest.util import HarnessError  # noqa: E402

TRACE = "virtio_pmem_flush_request flush request\n"


class FakeBoot:
    def __init__(self, output, timed_out=False, rc=0, killed=False):
        self.output = output
        self.timed_out = timed_out
        self.killed = killed
        self.rc = rc
        self.seconds = 1.0
        self.log_path = "console.log"


def checks(res):
    return {c.name.split("/", 1)[1]: c.ok for c in res.checks}


class ParseTest(unittest.TestCase):
    def test_counts_between_marks(self):
        out = ("@@VT mark a\n" + TRACE + TRACE + "@@VT mark b\n" +
               "@@VT expect-hf a b eq 2 two\n@@VT expect-hf a b ge 3 three\n@@VT done 0\n")
        res = results.parse("c", FakeBoot(out))
        self.assertEqual(checks(res), {"two": True, "three": False})
        self.assertEqual(res.host_flushes, 2)

    def test_trace_inside_a_console_line(self):
        # The UART sends byte by byte: QEMU's trace line can land mid-line.
        out = ("@@VT ma" + TRACE + "rk a\n" + TRACE + "@@VT mark b\n@@VT ok x\n"
               "@@VT expect-hf a b eq 1 one\n@@VT done 0\n")
        res = results.parse("c", FakeBoot(out))
        self.assertEqual(checks(res), {"x": True, "one": True})

    def test_trace_with_timestamp_prefix(self):
        out = ("@@VT mark a\n1234@1700000000.123456:" + TRACE + "@@VT mark b\n"
               "@@VT expect-hf a b eq 1 one\n@@VT done 0\n")
        self.assertEqual(checks(results.parse("c", FakeBoot(out))), {"one": True})

    def test_fail_and_exit_status(self):
        out = "@@VT ok a\n@@VT fail b went wrong\n@@VT done 3\n"
        res = results.parse("c", FakeBoot(out))
        self.assertEqual(checks(res), {"a": True, "b": False, "exit": False})
        self.assertIn("went wrong", [c for c in res.checks if not c.ok][0].detail)

    def test_timeout_is_a_failure(self):
        res = results.parse("c", FakeBoot("@@VT ok a\n", timed_out=True))
        self.assertFalse(checks(res)["boot"])

    def test_no_done_line_is_a_failure(self):
        res = results.parse("c", FakeBoot("@@VT ok a\nKernel panic\n"))
        self.assertFalse(checks(res)["boot"])

    def test_no_checks_is_a_failure(self):
        res = results.parse("c", FakeBoot("@@VT done 0\n"))
        self.assertEqual(checks(res), {"checks": False})

    def test_duplicate_names_fail(self):
        res = results.parse("c", FakeBoot("@@VT ok a\n@@VT ok a\n@@VT done 0\n"))
        self.assertIn(False, [c.ok for c in res.checks])

    def test_unknown_mark_fails(self):
        res = results.parse("c", FakeBoot("@@VT mark a\n@@VT expect-hf a zz eq 0 n\n@@VT done 0\n"))
        self.assertEqual(checks(res), {"n": False})

    def test_ratio(self):
        out = ("@@VT mark a\n" + TRACE * 10 + "@@VT mark b\n@@VT mark c\n" + TRACE * 2 +
               "@@VT mark d\n@@VT expect-hf-ratio a b 10 c d 10 0.5 half\n"
               "@@VT expect-hf-ratio a b 10 c d 2 0.5 notHalf\n"
               "@@VT expect-hf-ratio a b 0 c d 2 0.5 zero\n"
               "@@VT hf-per-op c d 4 m\n@@VT done 0\n")
        res = results.parse("c", FakeBoot(out))
        self.assertEqual(checks(res), {"half": True, "notHalf": False, "zero": False})
        self.assertEqual(res.metrics, [("m", "0.500", "host-flushes/op")])

    def test_per_op(self):
        out = ("@@VT mark a\n" + TRACE * 3 + "@@VT mark b\n"
               "@@VT expect-hf-per-op a b 10 le 0.5 low\n"
               "@@VT expect-hf-per-op a b 2 le 0.5 high\n"
               "@@VT expect-hf-per-op a b 3 ge 1 one\n"
               "@@VT expect-hf-per-op a b 0 ge 1 zero\n@@VT done 0\n")
        res = results.parse("c", FakeBoot(out))
        self.assertEqual(checks(res), {"low": True, "high": False, "one": True, "zero": False})

    def test_setup_failure(self):
        res = results.parse("c", FakeBoot("@@VT setup-fail mkfs\n@@VT done 1\n"))
        self.assertEqual(checks(res), {"setup": False})


class EarlyPanicTest(unittest.TestCase):
    def test_panic_before_any_check(self):
        out = "[ 14.1] Oops: int3: 0000 [#1]\n[ 14.2] Kernel panic - not syncing: Fatal exception\n"
        self.assertTrue(results.early_panic(out))

    def test_panic_after_a_check_is_a_result(self):
        out = "@@VT ok first\n[ 20.0] Kernel panic - not syncing: oops\n"
        self.assertFalse(results.early_panic(out))
        out = "@@VT fail first boom\nKernel panic - not syncing\n"
        self.assertFalse(results.early_panic(out))

    def test_no_panic(self):
        self.assertFalse(results.early_panic("@@VT info case x\n@@VT ok a\n@@VT done 0\n"))
        self.assertFalse(results.early_panic(""))


class ConsoleTailTest(unittest.TestCase):
    def test_guest_death_shows_its_last_words(self):
        # CI keeps only what the suite prints: the panic must be in the
        # failure line, with host trace text cut out of the console line.
        out = ("@@VT ok first\n" + TRACE + "[ 27.9] BUG: unable to handle page fault\n"
               "[ 28.0] Kernel pa" + TRACE + "nic - not syncing: Fatal exception\x1b[0m\r\n")
        res = results.parse("c", FakeBoot(out))
        boot = [c for c in res.checks if c.name == "c/boot"]
        self.assertEqual(len(boot), 1)
        self.assertFalse(boot[0].ok)
        self.assertIn("| [ 27.9] BUG: unable to handle page fault", boot[0].detail)
        self.assertIn("| [ 28.0] Kernel panic - not syncing: Fatal exception[0m", boot[0].detail)
        self.assertNotIn("virtio_pmem_flush_request", boot[0].detail)
        self.assertNotIn("@@VT", boot[0].detail)

    def test_tail_is_bounded(self):
        out = "".join(f"line {i} " + "x" * 500 + "\n" for i in range(100))
        tail = results.console_tail(out)
        self.assertEqual(tail.count("\n      | "), 40)
        self.assertIn("line 99 ", tail)
        self.assertNotIn("line 59 ", tail)
        self.assertLess(len(tail), 40 * 220)
        self.assertEqual(results.console_tail("@@VT ok a\n" + TRACE), "")


class CrashParseTest(unittest.TestCase):
    def test_acks_found_and_scans(self):
        out = ("@@VT ack 1\n@@VT ac" + TRACE + "k 2\n@@VT crash-found 0-3 7-7\n"
               "@@VT crash-scan slots=10 intact=5 torn=0\n@@VT ok x\n@@VT done 0\n")
        res = results.parse("c", FakeBoot(out))
        self.assertEqual(res.acks, {1, 2})
        self.assertEqual(res.found, {0, 1, 2, 3, 7})
        self.assertEqual(res.scans, [{"slots": "10", "intact": "5", "torn": "0"}])

    def test_malformed_range_fails(self):
        res = results.parse("c", FakeBoot("@@VT crash-found 5-2\n@@VT ok x\n@@VT done 0\n"))
        self.assertFalse(checks(res)["crash-found"])

    def test_killed_boot_needs_no_done(self):
        # A deliberate SIGKILL is the crash, not a failure of the boot.
        res = results.parse("c", FakeBoot("@@VT ack 1\n", killed=True))
        self.assertEqual(res.checks, [])
        self.assertEqual(res.acks, {1})


class AckWatchTest(unittest.TestCase):
    def test_every_device_must_reach_the_target(self):
        w = crash.AckWatch(2, 2)
        self.assertFalse(w("@@VT ack 0\n@@VT ack 1\n@@VT ack 1000000\n"))
        # A trace line cut into an ack line, split over two reads.
        self.assertFalse(w("@@VT ack 100" + TRACE))
        self.assertTrue(w("0001\n"))
        self.assertEqual(w.per_dev, [2, 2])

    def test_trace_inside_ack_line(self):
        w = crash.AckWatch(1, 1)
        self.assertFalse(w("@@VT ac" + TRACE[:5]))
        self.assertTrue(w(TRACE[5:] + "k 3\n"))

    def test_crash_now_and_early_end(self):
        self.assertTrue(crash.AckWatch(5, 1)("@@VT crash-now\n"))
        self.assertTrue(crash.AckWatch(5, 1)("@@VT done 1\n"))
        self.assertFalse(crash.AckWatch(5, 1)("@@VT ok a\n"))


@unittest.skipUnless(shutil.which(os.environ.get("CC", "cc")), "no C compiler")
class SnapshotShimTest(unittest.TestCase):
    """The shim in a real process: a snapshot is published per successful
    fsync of a watched file, holds what was there at fsync time, keeps
    holes, and unwatched files are left alone."""

    def test_snapshots(self):
        d = tempfile.mkdtemp()
        shim = crash.build_shim(d)
        img = os.path.join(d, "pmem0.img")
        prog = (
            "import mmap, os, sys\n"
            "img, other = sys.argv[1:]\n"
            "fd = os.open(img, os.O_RDWR | os.O_CREAT)\n"
            "os.ftruncate(fd, 64 << 20)\n"
            "m = mmap.mmap(fd, 64 << 20, mmap.MAP_SHARED)\n"
            "m[4096:4100] = b'abcd'\n"
            "m[(32 << 20):(32 << 20) + 8192] = b'x' * 8192\n"
            "os.fsync(fd)\n"
            "m[8192:8196] = b'late'\n"          # after the last flush: not in the snapshot
            "o = os.open(other, os.O_RDWR | os.O_CREAT)\n"
            "os.fsync(o)\n")
        env = dict(os.environ, LD_PRELOAD=shim, VPMEM_CRASH_PREFIX=os.path.join(d, "pmem"),
                   VPMEM_CRASH_LOG=os.path.join(d, "log"))
        subprocess.run([sys.executable, "-c", prog, img, os.path.join(d, "other")],
                       env=env, check=True)
        with open(img + ".snap", "rb") as f:
            snap = f.read()
        self.assertEqual(len(snap), 64 << 20)
        self.assertEqual(snap[4096:4100], b"abcd")
        self.assertEqual(snap[8192:8196], b"\0" * 4)
        self.assertEqual(snap[32 << 20:(32 << 20) + 8192], b"x" * 8192)
        self.assertLess(os.stat(img + ".snap").st_blocks * 512, 1 << 20)   # sparse
        self.assertFalse(os.path.exists(os.path.join(d, "other.snap")))
        snaps, ms, nbytes, problems = crash.read_shim_log(os.path.join(d, "log"))
        self.assertEqual((snaps, len(ms), problems), (1, 1, []))
        shutil.rmtree(d)

GUEST_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "guest")


def export_lines(name, data, size=None, digest=None):
    """What lib.sh vt_export prints for data (base64 wrapped at 76)."""
    b64 = base64.b64encode(data).decode()
    lines = [f"@@VT export-begin {name} {len(data) if size is None else size} "
             f"{digest or hashlib.sha256(data).hexdigest()}"]
    lines += [f"@@VT export-data {name} {b64[i:i + 76]}" for i in range(0, len(b64), 76)]
    return lines + [f"@@VT export-end {name}"]


class ExportTest(unittest.TestCase):
    DATA = bytes(range(256)) * 40

    def parse(self, lines):
        return results.parse("c", FakeBoot("\n".join(lines + ["@@VT done 0", ""])))

    def test_reassembled(self):
        res = self.parse(export_lines("a.bin", self.DATA) + export_lines("empty", b""))
        self.assertEqual(checks(res), {"export/a.bin": True, "export/empty": True})
        self.assertEqual(res.exports, {"a.bin": self.DATA, "empty": b""})

    def test_trace_and_kernel_lines_in_between(self):
        lines = export_lines("a", self.DATA)
        lines[3] = lines[3][:20] + TRACE + lines[3][20:]
        lines.insert(5, "[   12.345678] some kernel message")
        res = self.parse(lines)
        self.assertEqual(checks(res), {"export/a": True})
        self.assertEqual(res.exports["a"], self.DATA)

    def test_corrupt_transfers_fail(self):
        good = export_lines("a", self.DATA)
        flipped = list(good)
        flipped[2] = flipped[2][:-5] + ("A" if flipped[2][-5] != "A" else "B") + flipped[2][-4:]
        cut = good[:2] + good[3:]
        bad_b64 = good[:2] + [good[2][:-1] + "*"] + good[3:]
        for lines, why in [(flipped, "sha256"), (cut, "bytes"), (good[:-1], "incomplete"),
                           (bad_b64, "base64"),
                           (export_lines("a", self.DATA, size=5), "bytes"),
                           (export_lines("a", self.DATA, digest="0" * 64), "sha256"),
                           (good[1:], "without export-begin")]:
            res = self.parse(lines)
            self.assertIn(False, checks(res).values(), msg=why)
            self.assertEqual(res.exports, {}, msg=why)
            self.assertIn(why, " ".join(c.detail for c in res.checks if not c.ok), msg=why)

    def test_twice_fails(self):
        res = self.parse(export_lines("a", b"x") + export_lines("a", b"x"))
        self.assertEqual([c.ok for c in res.checks], [True, False])
        self.assertEqual(res.checks[1].detail, "exported twice")
        self.assertEqual(res.exports, {})

    def test_guest_function(self):
        """lib.sh's vt_export (run by the host's sh, base64, sha256sum and
        sed) prints what the parser reassembles."""
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "data")
            with open(src, "wb") as f:
                f.write(self.DATA + b"\n\x00tail")
            out = subprocess.run(["sh", "-c", f". {GUEST_DIR}/lib.sh; vt_export x.1 {src}; "
                                  f"vt_export 'bad name' {src}; vt_export y {d}/missing; echo '@@VT done 0'"],
                                 stdout=subprocess.PIPE, check=True, text=True).stdout
        res = results.parse("c", FakeBoot(out))
        self.assertEqual(checks(res), {"export/x.1": True, "export/bad": False,
                                       "export/y": False})
        self.assertEqual(res.exports["x.1"], self.DATA + b"\n\x00tail")


class HostScriptTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        self.case_path = os.path.join(self.dir, "hc.sh")
        with open(self.case_path, "w") as f:
            f.write("# vt: devices=64M\n")
        self.log_dir = os.path.join(self.dir, "log")
        os.makedirs(self.log_dir)

    def run_host(self, script, res=None, mode=0o755, timeout=30):
        with open(os.path.join(self.dir, "hc.host"), "w") as f:
            f.write("#!/bin/bash\n. " + os.path.join(GUEST_DIR, "cases", "host.inc") + "\n" + script)
        os.chmod(os.path.join(self.dir, "hc.host"), mode)
        res = res or results.CaseResult("hc")
        hostscript.run(case.Case(self.case_path), res, self.log_dir, "/build", "6.1.0-x", "/top",
                       timeout=timeout)
        return res

    def test_parse_output(self):
        res = results.CaseResult("c")
        n, other = hostscript.parse_output(res, "@@VT ok a\nnoise\n@@VT fail b it broke\n"
                                           "@@VT metric m 3 s\n@@VT ok a\n@@VT ok\n x @@VT ok c\n")
        self.assertEqual(n, 3)
        self.assertEqual([(c.name, c.ok) for c in res.checks],
                         [("c/host/a", True), ("c/host/b", False), ("c/host/a", False)])
        self.assertEqual(res.checks[1].detail, "it broke")
        self.assertEqual(res.metrics, [("host/m", "3", "s")])
        self.assertEqual(other, ["noise", "@@VT ok", " x @@VT ok c"])

    def test_environment_exports_and_log(self):
        res = results.CaseResult("hc")
        res.exports["f"] = b"\x00data"
        res = self.run_host('''echo to-the-log; echo err >&2
check env [ "$VT_CASE $VT_KERNEL $VT_BUILD_DIR $VT_TOP" = "hc 6.1.0-x /build /top" ]
check logdir [ "$VT_LOG_DIR" = "$PWD" ]
vt_need_export f && check content cmp -s "$VT_EXPORT_DIR/f" <(printf '\\0data')
vt_need_export g && vt_ok never
check false false
vt_metric m 1 x
''', res)
        self.assertEqual(checks(res), {"host/env": True, "host/logdir": True, "host/content": True,
                                       "host/export-g": False, "host/false": False,
                                       "host/script": True})
        self.assertEqual(res.metrics, [("host/m", "1", "x")])
        with open(os.path.join(self.log_dir, "host.log")) as f:
            log = f.read()
        self.assertIn("to-the-log", log)
        self.assertIn("err", log)

    def test_stale_exports_removed(self):
        os.makedirs(os.path.join(self.log_dir, "export"))
        open(os.path.join(self.log_dir, "export", "old"), "w").close()
        res = self.run_host("vt_need_export old && vt_ok old\ntrue\n")
        self.assertEqual(checks(res), {"host/export-old": False, "host/script": True})

    def test_script_failures(self):
        for script, mode, why in [("vt_ok a\nexit 3\n", 0o755, "status 3"),
                                  ("echo nothing\n", 0o755, "no check"),
                                  ("vt_ok a\n", 0o644, "not executable"),
                                  ("vt_ok a\nsleep 5\n", 0o755, "killed after")]:
            res = self.run_host(script, mode=mode, timeout=1)
            script_check = [c for c in res.checks if c.name == "hc/host/script"]
            self.assertEqual(len(script_check), 1, msg=why)
            self.assertFalse(script_check[0].ok, msg=why)
            self.assertIn(why, script_check[0].detail)

    def test_timeout_kills_background_children(self):
        # A server the script started (an exporter on a port) must not
        # outlive a script killed for its timeout.
        pidfile = os.path.join(self.log_dir, "child.pid")
        res = self.run_host(f"sleep 60 &\necho $! > {pidfile}\nvt_ok a\nwait\n", timeout=1)
        self.assertFalse([c for c in res.checks if c.name == "hc/host/script"][0].ok)
        with open(pidfile) as f:
            pid = int(f.read())
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, 9)
            self.fail("the script's background child survived its timeout")

    def test_no_host_script(self):
        res = results.CaseResult("hc")
        hostscript.run(case.Case(self.case_path), res, self.log_dir, "/b", "k", "/t")
        self.assertEqual(res.checks, [])
        self.assertTrue(os.path.isdir(os.path.join(self.log_dir, "export")))

    def test_discovery_ignores_host_files(self):
        for f in ("hc.host", "host.inc", "x.inc"):
            open(os.path.join(self.dir, f), "w").close()
        self.assertEqual([c.name for c in case.discover(self.dir)], ["hc"])


class HotplugParseTest(unittest.TestCase):
    def test_requests(self):
        self.assertEqual(hotplug.parse_request("@@VT hotplug hp0 64M"), ("hotplug", "hp0", 64 << 20))
        self.assertEqual(hotplug.parse_request("junk@@VT hotunplug hp0"), ("hotunplug", "hp0", False))
        self.assertEqual(hotplug.parse_request("@@VT hotunplug hp-1 refused"), ("hotunplug", "hp-1", True))
        for line in ["@@VT ok hotplug", "@@VT hotplug-x a", "@@VT mark vt-hotplug-hp0"]:
            self.assertIsNone(hotplug.parse_request(line), msg=line)
        for line in ["@@VT hotplug", "@@VT hotplug 0hp 64M", "@@VT hotplug hp0", "@@VT hotplug hp0 64Q",
                     "@@VT hotplug hp0 0", "@@VT hotplug hp0 64M x", "@@VT hotunplug hp0 maybe",
                     "@@VT hotplug h;p 64M", "@@VT hotplug hp0 5G"]:
            with self.assertRaises(ValueError, msg=line):
                hotplug.parse_request(line)

    def test_line_reader_cuts_trace_lines(self):
        r = hotplug.LineReader()
        got = []
        # A trace line inside the request, and chunks cut anywhere.
        text = "boot\r\n@@VT hot" + TRACE + "plug hp0 64M\n" + TRACE + "@@VT hotunplug hp0\n"
        for i in range(0, len(text), 7):
            got += r.feed(text[i:i + 7])
        self.assertEqual(got, ["boot", "@@VT hotplug hp0 64M", "@@VT hotunplug hp0"])
        r = hotplug.LineReader()
        got = r.feed("@@VT hot" + TRACE[:-1]) + r.feed("\nplug hp1 2M") + r.feed("\n")
        self.assertEqual(got, ["@@VT hotplug hp1 2M"])

    def test_host_checks_and_unanswered_requests(self):
        out = "@@VT hotplug hp0 64M\n@@VT hotplug hp1 64M\n@@VT hotunplug hp0 refused\n@@VT ok a\n@@VT done 0\n"
        boot = FakeBoot(out)
        boot.hotplug = 2
        boot.host_checks = [("hotplug-hp0", True, "accepted"), ("hotunplug-hp0", True, "refused")]
        res = results.parse("c", boot)
        self.assertEqual(checks(res), {"a": True, "host/hotplug-hp0": True, "host/hotunplug-hp0": True,
                                       "host/hotplug-hp1": False})
        self.assertIn("did not act", res.checks[-1].detail)
        # Without hotplug=N nothing answers: every request fails.
        res = results.parse("c", FakeBoot(out))
        self.assertEqual(checks(res), {"a": True, "host/hotplug-hp0": False, "host/hotplug-hp1": False,
                                       "host/hotunplug-hp0": False})
        self.assertIn("hotplug=N", res.checks[-1].detail)

    def test_qemu_args(self):
        args = hotplug.qemu_args(2, "/w/qmp.sock")
        self.assertEqual(args[:2], ["-qmp", "unix:/w/qmp.sock,server=on,wait=off"])
        self.assertEqual(args.count("-device"), 2)
        self.assertIn("pcie-root-port,id=vt-hp-port1,chassis=2,slot=2", args)

    def test_socket_path(self):
        self.assertEqual(qmp.socket_path("/w"), "/w/qmp.sock")
        deep = qmp.socket_path("/w/" + "d" * 120)
        self.assertLessEqual(len(deep), 100)
        os.rmdir(os.path.dirname(deep))


class HotplugQEMUTest(unittest.TestCase):
    """vmtest/hotplug.py against the real QEMU, stopped before its first
    instruction (-S, no guest): what QEMU accepts and refuses."""

    def test_plug_no_slot_and_refused_unplug(self):
        if not shutil.which("qemu-system-x86_64"):
            self.skipTest("qemu-system-x86_64 not installed")
        work = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, work)
        hp = hotplug.Hotplug("c", 1, work)
        p = subprocess.Popen(["qemu-system-x86_64", "-accel", "tcg", "-machine", "q35", "-S",
                              "-display", "none", "-nodefaults", "-m", "256M,maxmem=4352M"]
                             + hp.qemu_args(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            hp("@@VT hotplug hp0 64M\n@@VT hotplug hp1 64M\n@@VT hotunplug hp0 refused\n"
               "@@VT hotunplug hp1 refused\n@@VT hotunplug hp0")   # no newline yet: not a request
            for _ in range(300):
                if len(hp.checks) >= 4:
                    break
                threading.Event().wait(0.1)
            self.assertTrue(os.path.exists(os.path.join(work, "hp-hp0.img")))
            self.assertEqual(os.path.getsize(os.path.join(work, "hp-hp0.img")), 64 << 20)
        finally:
            p.kill()
            p.wait()
            p.stdout.close()
            got = hp.finish()
        self.assertEqual([(n, ok) for n, ok, _ in got],
                         [("hotplug-hp0", True), ("hotplug-hp1", False),
                          ("hotunplug-hp0", True), ("hotunplug-hp1", False)], msg=got)
        self.assertIn("no free hot-plug slot", got[1][2])
        self.assertIn("virtio based memory devices cannot be unplugged", got[2][2])
        self.assertIn("no memory device", got[3][2])
        self.assertEqual(os.listdir(work), [])     # backing file and socket removed

    def test_refused_device_add(self):
        """No room below maxmem: QEMU's refusal is the check's detail, and
        the backend object goes again (the next request can use its id)."""
        if not shutil.which("qemu-system-x86_64"):
            self.skipTest("qemu-system-x86_64 not installed")
        work = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, work)
        hp = hotplug.Hotplug("c", 2, work)
        p = subprocess.Popen(["qemu-system-x86_64", "-accel", "tcg", "-machine", "q35", "-S",
                              "-display", "none", "-nodefaults", "-m", "256M,maxmem=320M"]
                             + hp.qemu_args(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            hp("@@VT hotplug hp0 128M\n@@VT hotplug hp1 32M\n")
            for _ in range(300):
                if len(hp.checks) >= 2:
                    break
                threading.Event().wait(0.1)
        finally:
            p.kill()
            p.wait()
            p.stdout.close()
            got = hp.finish()
        self.assertEqual([(n, ok) for n, ok, _ in got], [("hotplug-hp0", False), ("hotplug-hp1", True)],
                         msg=got)
        self.assertIn("QEMU refused device_add", got[0][2])
        self.assertIn("vt-hp-port0", got[1][2])
        self.assertEqual(os.listdir(work), [])


class FakeQEMU:
    """A QMP server on a unix socket answering from a script: for each
    command received, a list of messages to send back."""

    def __init__(self, path, answers):
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(1)
        self.answers = answers
        self.received = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            self._serve()
        finally:
            self.srv.close()

    def _serve(self):
        conn, _ = self.srv.accept()
        f = conn.makefile("rwb")
        f.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
        f.flush()
        for line in f:
            msg = json.loads(line)
            self.received.append(msg)
            for ans in self.answers.pop(0):
                if ans == "close":
                    f.close()
                    conn.close()
                    return
                if "event" not in ans:
                    ans = dict(ans, id=msg["id"])
                # Replies come in pieces, as over a real socket.
                data = json.dumps(ans).encode() + b"\r\n"
                f.write(data[:5])
                f.flush()
                f.write(data[5:])
                f.flush()
        f.close()
        conn.close()


class QMPTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        self.path = os.path.join(self.dir, "qmp.sock")

    def test_commands_events_and_errors(self):
        ev = {"event": "DEVICE_DELETED", "data": {"device": "hp0"}, "timestamp": {}}
        other = {"event": "RTC_CHANGE", "data": {}}
        fake = FakeQEMU(self.path, [
            [{"return": {}}],                                     # qmp_capabilities
            [other, {"return": {}}],                              # device_add: an event first
            [{"error": {"class": "GenericError",
                        "desc": "virtio based memory devices cannot be unplugged."}}],
            [{"return": {}}, ev],                                 # device_del, event after
            ["close"]])
        q = qmp.QMP(self.path, timeout=5).connect()
        self.assertEqual(q.command("device_add", driver="virtio-pmem-pci", id="hp0"), {})
        self.assertEqual(q.events, [other])
        with self.assertRaises(qmp.QMPError) as cm:
            q.command("device_del", id="hp0")
        self.assertEqual(str(cm.exception), "virtio based memory devices cannot be unplugged.")
        q.command("device_del", id="hp0")
        self.assertIsNone(q.wait_event("DEVICE_DELETED", lambda d: d["device"] == "hp1", timeout=0.3))
        self.assertEqual(q.wait_event("DEVICE_DELETED", lambda d: d["device"] == "hp0")["data"],
                         {"device": "hp0"})
        with self.assertRaises(qmp.QMPClosed):
            q.command("quit")
        q.close()
        self.assertEqual([m["execute"] for m in fake.received],
                         ["qmp_capabilities", "device_add", "device_del", "device_del", "quit"])
        self.assertEqual(fake.received[1]["arguments"], {"driver": "virtio-pmem-pci", "id": "hp0"})

    def test_no_socket(self):
        with self.assertRaises(qmp.QMPClosed):
            qmp.QMP(self.path).connect(wait=0.2)

    def test_no_answer(self):
        FakeQEMU(self.path, [[{"return": {}}], []])
        q = qmp.QMP(self.path, timeout=0.3).connect()
        with self.assertRaises(qmp.QMPTimeout):
            q.command("query-status")
        q.close()


class CaseTest(unittest.TestCase):
    def write(self, text, name="x.sh"):
        d = tempfile.mkdtemp()
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_header_and_per_device_override(self):
        c = case.Case(self.write("# vt: devices=256M,512M fs=ext4 mount=dax\n# vt: fs1=xfs timeout=30\n"))
        self.assertEqual(c.sizes, [256 << 20, 512 << 20])
        self.assertEqual(c.timeout, 30)
        env = c.guest_env()
        self.assertIn("VT_FS0=ext4", env)
        self.assertIn("VT_FS1=xfs", env)
        self.assertIn("VT_MOUNT1=dax", env)
        self.assertIn("VT_NDEV=2", env)

    def test_bad_values_are_errors(self):
        for hdr in ["# vt: fs=btrfs\n", "# vt: colour=red\n", "# vt: fs2=xfs\n", "# vt: devices\n"]:
            with self.assertRaises(HarnessError, msg=hdr):
                case.Case(self.write(hdr))

    def test_crash_keys(self):
        c = case.Case(self.write("# vt: devices=256M,256M fs=ext4 mount=dax mode1=devdax crash=50\n"))
        self.assertEqual(c.crash, (50, "intact", 50))
        self.assertIsNone(case.Case(self.write("# vt: fs=ext4\n")).crash)
        c = case.Case(self.write("# vt: crash=5 crash_expect=loss crash_min=0\n"))
        self.assertEqual(c.crash, (5, "loss", 0))
        for hdr in ["# vt: crash=0\n", "# vt: crash=x\n", "# vt: crash=5 crash_expect=maybe\n",
                    "# vt: crash_min=3\n", "# vt: crash=5 crash_min=-1\n"]:
            with self.assertRaises(HarnessError, msg=hdr):
                case.Case(self.write(hdr))

    def test_check_phase_creates_nothing(self):
        c = case.Case(self.write("# vt: devices=256M,256M fs=ext4 mount=dax mode1=devdax crash=50\n"))
        w = c.guest_env("write")
        self.assertIn("VT_PHASE=write", w)
        self.assertIn("VT_FS0=ext4", w)
        self.assertIn("VT_MODE1=devdax", w)
        k = c.guest_env("check")
        self.assertIn("VT_PHASE=check", k)
        self.assertIn("VT_MODE0=raw", k)
        self.assertIn("VT_MODE1=raw", k)
        self.assertIn("VT_FS0=none", k)
        self.assertIn("VT_CRASH_FS0=ext4", k)
        self.assertIn("VT_CRASH_MOUNT0=dax", k)
        self.assertNotIn("VT_MOUNT0=dax", k)
        with self.assertRaises(HarnessError):
            c.guest_env("later")

    def test_hotplug_key(self):
        self.assertEqual(case.Case(self.write("# vt: hotplug=2\n")).hotplug, 2)
        self.assertEqual(case.Case(self.write("# vt: devices=64M\n")).hotplug, 0)
        for hdr in ["# vt: hotplug=x\n", "# vt: hotplug=-1\n", "# vt: hotplug=17\n"]:
            with self.assertRaises(HarnessError, msg=hdr):
                case.Case(self.write(hdr))

    def test_once_key(self):
        self.assertTrue(case.Case(self.write("# vt: once=1\n")).once)
        self.assertFalse(case.Case(self.write("# vt: devices=64M\n")).once)
        with self.assertRaises(HarnessError):
            case.Case(self.write("# vt: once=yes\n"))

    def test_needs_vpmem(self):
        self.assertTrue(case.Case(self.write("# vt: devices=1G,1G driver1=vpmem\n")).needs_vpmem())
        self.assertFalse(case.Case(self.write("# vt: devices=1G\n")).needs_vpmem())


if __name__ == "__main__":
    unittest.main()
