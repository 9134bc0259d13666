"""Unit test of scripts/bench's report: ratios, issue-12 target verdicts,
the CPU table and the markdown (no guest needed)."""
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
_loader = importlib.machinery.SourceFileLoader("scripts_bench", os.path.join(TOP, "scripts", "bench"))
_spec = importlib.util.spec_from_loader("scripts_bench", _loader)
bench = importlib.util.module_from_spec(_spec)
_loader.exec_module(bench)


def run(driver, threads, engine, rate, hf=1.0, rc=0, errors=0, rnd=1):
    return {"driver": driver, "threads": threads, "engine": engine, "method": "msync",
            "rc": rc, "errors": errors, "records": int(rate * 5), "records_per_s": rate,
            "host_flushes_per_record": hf, "p50_us": 100.0, "p99_us": 200.0, "round": rnd,
            "label": f"{driver}-{engine}-t{threads}-r{rnd}"}


def verdicts(runs, cpu=None):
    return {t: (v, ok) for t, v, ok in bench.targets(runs, cpu or {"note": "absent"})}


class TargetTest(unittest.TestCase):
    def test_in_tree_8_threads(self):
        t = verdicts([run("intree", 8, "pmemflush", 400, hf=0.15), run("intree", 8, "pmem2", 100)])
        self.assertEqual(t["in-tree, 8 threads: pmemflush ≥ 4x pmem2 records/s"], ("4.00x", "met"))
        self.assertEqual(t["in-tree, 8 threads: pmemflush ≤ 0.15 host flushes/record"][1], "met")
        t = verdicts([run("intree", 8, "pmemflush", 399, hf=0.151), run("intree", 8, "pmem2", 100)])
        self.assertEqual(t["in-tree, 8 threads: pmemflush ≥ 4x pmem2 records/s"][1], "**missed**")
        self.assertEqual(t["in-tree, 8 threads: pmemflush ≤ 0.15 host flushes/record"][1], "**missed**")

    def test_vpmem_against_the_best_of_theirs(self):
        runs = [run("vpmem", 8, "pmemflush", 120), run("vpmem", 8, "pmem2", 80),
                run("vpmem", 8, "pmem", 100), run("vpmem", 8, "msync", 90)]
        t = verdicts(runs)
        self.assertEqual(t["vpmem, 8 threads: pmemflush ≥ 1.2x the best of pmem2, pmem, msync"],
                         ("1.20x", "met"))
        # No 32-thread runs: said, not passed.
        self.assertEqual(t["vpmem, 32 threads: pmemflush ≥ 1.2x the best of pmem2, pmem, msync"],
                         ("–", "not measured (pmemflush missing)"))

    def test_failed_run_is_never_a_rate(self):
        runs = [run("intree", 1, "pmemflush", 500, errors=1), run("intree", 1, "msync", 100)]
        t = verdicts(runs)
        self.assertEqual(t["in-tree virtio_pmem, 1 thread: pmemflush ≥ plain msync"][1],
                         "not measured (pmemflush failed)")
        table = bench.run_table(runs, ["pmemflush", "msync"], [1])
        self.assertIn("500 (FAILED)", table)

    def test_async_absent_and_present(self):
        t = verdicts([run("vpmem", 1, "pmemflush", 100)])
        self.assertEqual(t["vpmem, 1 writer: pmemflush-async ≥ 5x pmemflush records/s"],
                         ("engine not built", "not measured"))
        t = verdicts([run("vpmem", 1, "pmemflush", 100), run("vpmem", 1, "pmemflush-async", 600, hf=0.1)])
        self.assertEqual(t["vpmem, 1 writer: pmemflush-async ≥ 5x pmemflush records/s"], ("6.00x", "met"))
        self.assertEqual(t["vpmem, 1 writer: pmemflush-async ≤ 0.2 host flushes/record"], ("0.100", "met"))

    def test_ratio_columns_only_for_ours(self):
        runs = [run("intree", 1, "pmemflush", 200), run("intree", 1, "pmem2", 100),
                run("intree", 1, "pmem", 50), run("intree", 1, "msync", 400)]
        rows = bench.run_table(runs, ["pmemflush", "pmem2", "pmem", "msync"], [1]).splitlines()
        self.assertTrue(rows[2].endswith("| 2.00x | 4.00x | 0.50x | 0.50x |"), rows[2])
        self.assertTrue(rows[3].endswith("|  |  |  |  |"), rows[3])


class FailedTheirsTest(unittest.TestCase):
    def test_failed_faster_pmdk_run_is_not_left_out(self):
        # pmem would have been the best (150) but failed: the best of the
        # rest (100) must not make 1.2x "met".
        runs = [run("vpmem", 8, "pmemflush", 120), run("vpmem", 8, "pmem2", 80),
                run("vpmem", 8, "pmem", 150, rc=1), run("vpmem", 8, "msync", 100)]
        t = verdicts(runs)
        self.assertEqual(t["vpmem, 8 threads: pmemflush ≥ 1.2x the best of pmem2, pmem, msync"],
                         ("–", "not measured (pmem failed)"))
        runs = [r for r in runs if r["engine"] != "pmem"]
        t = verdicts(runs)
        self.assertEqual(t["vpmem, 8 threads: pmemflush ≥ 1.2x the best of pmem2, pmem, msync"][1],
                         "not measured (pmem missing)")
        # Failing in one round of two is enough.
        runs = [run("vpmem", 8, e, v, rnd=r, errors=int(r == 2 and e == "msync"))
                for r in (1, 2) for e, v in (("pmemflush", 130), ("pmem2", 100), ("pmem", 100),
                                             ("msync", 100))]
        self.assertEqual(verdicts(runs)["vpmem, 8 threads: pmemflush ≥ 1.2x the best of pmem2, pmem, msync"][1],
                         "not measured (msync failed)")

    def test_host_flush_targets_need_a_successful_run(self):
        t = verdicts([run("intree", 8, "pmemflush", 400, hf=0.1, errors=3), run("intree", 8, "pmem2", 100)])
        self.assertEqual(t["in-tree, 8 threads: pmemflush ≤ 0.15 host flushes/record"],
                         ("–", "not measured (pmemflush failed)"))
        t = verdicts([run("vpmem", 1, "pmemflush", 100),
                      run("vpmem", 1, "pmemflush-async", 600, hf=0.1, rc=1)])
        self.assertEqual(t["vpmem, 1 writer: pmemflush-async ≤ 0.2 host flushes/record"][1],
                         "not measured (pmemflush-async failed)")


class PerRoundTest(unittest.TestCase):
    def test_ratio_is_taken_within_each_round(self):
        # Per round 4x, 4x, 1x: median 4 (met, min 1 said). The medians
        # across rounds (300 vs 100) would give 3x.
        runs = []
        for r, (ours, p2) in enumerate(((400, 100), (100, 25), (300, 300)), 1):
            runs += [run("intree", 8, "pmemflush", ours, hf=0.13, rnd=r),
                     run("intree", 8, "pmem2", p2, rnd=r)]
        t = verdicts(runs)
        self.assertEqual(t["in-tree, 8 threads: pmemflush ≥ 4x pmem2 records/s"],
                         ("median 4.00x, min 1.00x (3 rounds)",
                          "met (median; round min 1.00x below)"))
        table = bench.run_table(bench.aggregate(runs), ["pmemflush", "pmem2"], [8], runs)
        self.assertIn("| 4.00x | – | – | – |", table)

    def test_never_below_needs_every_round(self):
        # Round 1: 100 vs 90; round 2: 100 vs 110. Medians across rounds are
        # equal (1.00x, "met"); per round one is 0.91x: missed.
        runs = [run("vpmem", 1, "pmemflush", 100, rnd=1), run("vpmem", 1, "msync", 90, rnd=1),
                run("vpmem", 1, "pmemflush", 100, rnd=2), run("vpmem", 1, "msync", 110, rnd=2)]
        t = verdicts(runs)
        self.assertEqual(t["vpmem, 1 thread: pmemflush ≥ plain msync"],
                         ("median 1.01x, min 0.91x (2 rounds)", "**missed**"))
        runs[3]["records_per_s"] = 100
        self.assertEqual(verdicts(runs)["vpmem, 1 thread: pmemflush ≥ plain msync"][1], "met")

    def test_median_below_is_missed(self):
        runs = []
        for r, ours in enumerate((500, 300, 350), 1):
            runs += [run("intree", 8, "pmemflush", ours, hf=0.13, rnd=r),
                     run("intree", 8, "pmem2", 100, rnd=r)]
        self.assertEqual(verdicts(runs)["in-tree, 8 threads: pmemflush ≥ 4x pmem2 records/s"],
                         ("median 3.50x, min 3.00x (3 rounds)", "**missed**"))

    def test_engine_order_rotates(self):
        inc = os.path.join(TOP, "tests", "guest", "cases", "bench.inc")
        out = subprocess.run(["sh", "-c", f". {inc}; for r in 0 1 2 3; do bench_rotate $r a b c; done"],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        self.assertEqual(out, ["a b c", "b c a", "c a b", "a b c"])
        with open(os.path.join(TOP, "bench", "guest", "bench-run.sh")) as f:
            self.assertIn("bench_rotate $((round - 1)) $engines", f.read())


class HonestyTest(unittest.TestCase):
    def test_sync_lower_bound(self):
        # 8 threads: at least 0.9/8 = 0.1125 host flushes per record.
        self.assertIsNone(bench.hf_violation(run("vpmem", 8, "pmemflush", 100, hf=0.125)))
        self.assertIn("<", bench.hf_violation(run("vpmem", 8, "pmemflush", 100, hf=0.1)))
        self.assertIn("<", bench.hf_violation(run("vpmem", 1, "pmemflush-memcpy", 100, hf=0.5)))
        self.assertIn(">", bench.hf_violation(run("vpmem", 1, "pmemflush", 100, hf=1.6)))
        self.assertIn("not counted", bench.hf_violation(run("vpmem", 1, "pmemflush", 100, hf=None)))
        # PMDK's and msync are not bounded from below here.
        self.assertIsNone(bench.hf_violation(run("vpmem", 8, "msync", 100, hf=0.01)))

    def test_async_lower_bound(self):
        # 1 writer, window 256: at least 0.9/256 = 3.5e-3.
        self.assertIsNone(bench.hf_violation(run("vpmem", 1, "pmemflush-async", 100, hf=8e-3)))
        self.assertIsNotNone(bench.hf_violation(run("vpmem", 1, "pmemflush-async", 100, hf=3e-3)))
        self.assertIsNone(bench.hf_violation(run("vpmem", 8, "pmemflush-async", 100, hf=9.9e-4)))
        self.assertIsNotNone(bench.hf_violation(run("vpmem", 8, "pmemflush-async", 100, hf=4e-4)))

    def test_report_from_flags_a_violation(self):
        runs = [run("vpmem", 8, "pmemflush", 100, hf=0.05), run("vpmem", 8, "msync", 100)]
        report = {"command": "scripts/bench", "seconds": "5", "threads": [8], "rounds": 1,
                  "engines": ["pmemflush", "msync"],
                  "machine": {"date_utc": "x", "git_commit": "x", "host_nproc": 2, "host_cpu": "x",
                              "host_kernel": "x", "qemu": "x", "load_avg_at_start": [0, 0, 0]},
                  "guest": {"kernel": "k", "accel": "tcg", "guest": {}, "boot_seconds": 1.0,
                            "checks": [], "runs": runs},
                  "cpu": {"built": False, "note": "skipped"}}
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(report, f)
            f.flush()
            p = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "bench"),
                                "--report-from", f.name], capture_output=True, text=True)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("IMPOSSIBLE host-flush counts", p.stdout)
            self.assertIn("vpmem-pmemflush-t8-r1: 0.05 host flushes/record < 0.1125", p.stdout)
            runs[0]["host_flushes_per_record"] = 0.125
            f.seek(0)
            f.truncate()
            json.dump(report, f)
            f.flush()
            p = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "bench"),
                                "--report-from", f.name], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn("IMPOSSIBLE", p.stdout)
            self.assertIn("| vpmem | 8 | pmemflush | msync | 100 |", p.stdout)


class AsyncCellsTest(unittest.TestCase):
    def test_async_has_no_ratio_cells(self):
        runs = [run("vpmem", 1, "pmemflush-async", 5000, hf=8e-3), run("vpmem", 1, "pmem2", 100),
                run("vpmem", 1, "pmem", 100), run("vpmem", 1, "msync", 100),
                run("vpmem", 1, "pmemflush", 100)]
        rows = bench.run_table(runs, ["pmemflush-async", "pmemflush"], [1]).splitlines()
        self.assertTrue(rows[2].endswith("|  |  |  |  |"), rows[2])
        self.assertTrue(rows[3].endswith("| 1.00x | 1.00x | 1.00x | 1.00x |"), rows[3])
        self.assertEqual(verdicts(runs)["vpmem, 1 writer: pmemflush-async ≥ 5x pmemflush records/s"],
                         ("50.00x", "met"))


class AggregateTest(unittest.TestCase):
    def test_rounds(self):
        rs = [dict(run("vpmem", 8, "msync", v, hf=None), round=i, records=100 * i, host_flushes=10 * i,
                   p50_us=float(i), p99_us=float(10 * i))
              for i, v in enumerate([300, 100, 200], 1)]
        (a,) = bench.aggregate(rs)
        self.assertEqual((a["rounds"], a["records_per_s"], a["records_per_s_min"], a["records_per_s_max"]),
                         (3, 200, 100, 300))
        self.assertEqual((a["records"], a["host_flushes"]), (600, 60))
        self.assertAlmostEqual(a["host_flushes_per_record"], 0.1)
        self.assertEqual((a["p50_us"], a["p99_us"], a["rc"]), (2.0, 20.0, 0))
        self.assertIn("200 (100–300)", bench.run_table([a], ["msync"], [8]))

    def test_one_failed_round_fails_the_entry(self):
        rs = [dict(run("vpmem", 8, "msync", 100), host_flushes=1),
              dict(run("vpmem", 8, "msync", 100, errors=2), host_flushes=1)]
        (a,) = bench.aggregate(rs)
        self.assertEqual((a["rc"], a["errors"]), (1, 2))
        self.assertIsNone(bench.rate(a))

    def test_unknown_flush_count_stays_unknown(self):
        rs = [dict(run("vpmem", 8, "msync", 100), host_flushes=None)]
        self.assertIsNone(bench.aggregate(rs)[0]["host_flushes_per_record"])


class CpuTest(unittest.TestCase):
    ROWS = [{"op": "persist", "size": 64, "engine": "pmemflush", "ns_per_op": 105.0},
            {"op": "persist", "size": 64, "engine": "pmem", "ns_per_op": 100.0},
            {"op": "persist", "size": 64, "engine": "pmem2", "ns_per_op": 50.0}]

    def test_ratios_and_verdicts(self):
        t = verdicts([], {"ok": True, "results": self.ROWS})
        self.assertEqual(t["CPU path, persist 64 B at dest offset 0: pmemflush within 1.05x of pmem (time)"],
                         ("1.050x", "met"))
        self.assertEqual(t["CPU path, persist 64 B at dest offset 0: pmemflush within 1.05x of pmem2 (time)"],
                         ("2.100x", "**missed**"))

    def test_misaligned_offsets_are_separate_cases(self):
        # Same op and size, four destination offsets: offset 8 is 2x slower
        # and must be its own row and a miss (keyed by (op, size) only, the
        # offset-60 row overwrote it and the target said met).
        rows = []
        for off, ours in ((0, 100.0), (8, 200.0), (32, 100.0), (60, 100.0)):
            rows += [{"op": "memcpy", "size": 500, "dest_offset": off, "engine": "pmemflush",
                      "ns_per_op": ours},
                     {"op": "memcpy", "size": 500, "dest_offset": off, "engine": "libpmem",
                      "ns_per_op": 100.0}]
        t = verdicts([], {"ok": True, "results": rows})
        self.assertEqual(t["CPU path, memcpy 500 B at dest offset 8: pmemflush within 1.05x of libpmem (time)"],
                         ("2.000x", "**missed**"))
        for off in (0, 32, 60):
            self.assertEqual(t[f"CPU path, memcpy 500 B at dest offset {off}: pmemflush within 1.05x "
                               "of libpmem (time)"][1], "met")
        table = bench.cpu_table({"ok": True, "results": rows})
        self.assertIn("| memcpy | 500 | 8 | 100.0 | 200.0 |", table)
        self.assertIn("| memcpy | 500 | 60 | 100.0 | 100.0 |", table)

    def test_absent_cpubench_is_said(self):
        cpu = bench.run_cpubench("/nonexistent")
        self.assertFalse(cpu["built"])
        self.assertIn("not measured", bench.cpu_table(cpu))
        t = verdicts([], cpu)
        self.assertEqual(t["CPU path: persist and memcpy within 1.05x of PMDK"][1], "not measured")

    def test_table(self):
        table = bench.cpu_table({"ok": True, "results": self.ROWS})
        self.assertIn("| persist | 64 | 0 | 100.0 | 50.0 | 105.0 |", table)


if __name__ == "__main__":
    unittest.main()
