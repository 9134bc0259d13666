"""Unit tests of the guest harness's pure parts: case headers and the
parsing of console + trace output (no guest needed)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "guest"))

from vmtest import case, crash, results  # noqa: E402
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

    def test_needs_vpmem(self):
        self.assertTrue(case.Case(self.write("# vt: devices=1G,1G driver1=vpmem\n")).needs_vpmem())
        self.assertFalse(case.Case(self.write("# vt: devices=1G\n")).needs_vpmem())


if __name__ == "__main__":
    unittest.main()
