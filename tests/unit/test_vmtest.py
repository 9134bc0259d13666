"""Unit tests of the guest harness's pure parts: case headers and the
parsing of console + trace output (no guest needed)."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "guest"))

from vmtest import case, results  # noqa: E402
from vmtest.util import HarnessError  # noqa: E402

TRACE = "virtio_pmem_flush_request flush request\n"


class FakeBoot:
    def __init__(self, output, timed_out=False, rc=0):
        self.output = output
        self.timed_out = timed_out
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

    def test_needs_vpmem(self):
        self.assertTrue(case.Case(self.write("# vt: devices=1G,1G driver1=vpmem\n")).needs_vpmem())
        self.assertFalse(case.Case(self.write("# vt: devices=1G\n")).needs_vpmem())


if __name__ == "__main__":
    unittest.main()
