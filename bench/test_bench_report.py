"""Unit test of scripts/bench's report: ratios, issue-12 target verdicts,
the CPU table and the markdown (no guest needed)."""
import importlib.machinery
import importlib.util
import os
import sys
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
_loader = importlib.machinery.SourceFileLoader("scripts_bench", os.path.join(TOP, "scripts", "bench"))
_spec = importlib.util.spec_from_loader("scripts_bench", _loader)
bench = importlib.util.module_from_spec(_spec)
_loader.exec_module(bench)


def run(driver, threads, engine, rate, hf=1.0, rc=0, errors=0):
    return {"driver": driver, "threads": threads, "engine": engine, "method": "msync",
            "rc": rc, "errors": errors, "records": int(rate * 5), "records_per_s": rate,
            "host_flushes_per_record": hf, "p50_us": 100.0, "p99_us": 200.0}


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
                         ("–", "not measured"))

    def test_failed_run_is_never_a_rate(self):
        runs = [run("intree", 1, "pmemflush", 500, errors=1), run("intree", 1, "msync", 100)]
        t = verdicts(runs)
        self.assertEqual(t["in-tree virtio_pmem, 1 thread: pmemflush ≥ plain msync"][1], "not measured")
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
        self.assertEqual(t["CPU path, persist 64 B: pmemflush within 1.05x of pmem (time)"],
                         ("1.050x", "met"))
        self.assertEqual(t["CPU path, persist 64 B: pmemflush within 1.05x of pmem2 (time)"],
                         ("2.100x", "**missed**"))

    def test_absent_cpubench_is_said(self):
        cpu = bench.run_cpubench("/nonexistent")
        self.assertFalse(cpu["built"])
        self.assertIn("not measured", bench.cpu_table(cpu))
        t = verdicts([], cpu)
        self.assertEqual(t["CPU path: persist and memcpy within 1.05x of PMDK"][1], "not measured")

    def test_table(self):
        table = bench.cpu_table({"ok": True, "results": self.ROWS})
        self.assertIn("| persist | 64 | 100.0 | 50.0 | 105.0 |", table)


if __name__ == "__main__":
    unittest.main()
