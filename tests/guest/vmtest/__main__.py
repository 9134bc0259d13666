"""vmtest command line.

  python3 -m vmtest run   --build-dir B [--jobs N] [--results F] [--crash|--no-crash] [CASE...]
  python3 -m vmtest kernel --build-dir B    fetch/extract the kernel, print it
  python3 -m vmtest boot --build-dir B CASE   boot one case, print its console

Run from tests/guest (scripts/test does). Caches go to B/guest-cache,
per-case console logs to B/guest-logs/KERNEL/CASE/console.log.
VPMEM_GUEST_KERNEL_META (e.g. linux-image-6.12-amd64) or VPMEM_GUEST_KERNEL
(an ABI such as 6.1.0-56) choose another Debian kernel; everything built
for a kernel is kept apart, so runs for two kernels can share B.
"""
import argparse
import concurrent.futures
import json
import os
import sys

from . import case as case_mod
from . import crash, hostscript, qemu, results
from .initramfs import Initramfs
from .kernel import Kernel, build_kmod
from .util import HarnessError, log

GUEST_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC_ROOT = os.path.dirname(os.path.dirname(GUEST_DIR))
# Project binaries the guest gets, relative to the meson build directory.
BUILD_BINARIES = ["cli/vpmemctl", "tests/guest/progs/pmemtest", "tests/guest/progs/fsyncbench",
                  "tests/guest/progs/daxstore", "tests/guest/progs/persisttool",
                  "tests/guest/progs/crashwriter", "tests/guest/progs/latemap",
                  "tests/guest/progs/flushtarget", "tests/guest/progs/memtool",
                  "tests/guest/progs/persist-async", "tests/guest/progs/asyncprobe"]
# Issue 13 (non-root, a region gone under a live map).
BUILD_BINARIES += ["tests/guest/progs/gonemap"]
BUILD_BINARIES += ["tests/guest/progs/persist-log"]
# Built only where Debian's PMDK is installed (meson options pmdk, bench):
# copied when present; the cases that run them (pmdk-port; bench-smoke and
# scripts/bench) fail without them.
OPTIONAL_BUILD_BINARIES = ["examples/log-pmemflush", "examples/log-pmem2",
                           "tests/guest/progs/pmdkfacts", "bench/pmembench"]
# Issue 13 (stress: cases stress-virtio-pmem, stress-vpmem).
BUILD_BINARIES += ["tests/guest/progs/pmemstress"]


def prepare(args, extra_files=()):
    """extra_files: more (src, dst) pairs for the initramfs (scripts/bench
    adds its own case there)."""
    build = os.path.abspath(args.build_dir)
    kernel = Kernel(os.path.join(build, "guest-cache")).prepare()
    log(f"guest kernel {kernel.release}")
    bins = []
    for rel in BUILD_BINARIES:
        p = os.path.join(build, rel)
        if not os.path.exists(p):
            raise HarnessError(f"{p} not built: run 'meson compile -C {build}' first")
        bins.append(p)
    bins += [os.path.join(build, rel) for rel in OPTIONAL_BUILD_BINARIES
             if os.path.exists(os.path.join(build, rel))]
    # The bash completion, tried on the guest's real sysfs names.
    extra = [(os.path.join(SRC_ROOT, "completion", "vpmemctl"), "/vpmem/vpmemctl.bash")]
    extra += list(extra_files)
    ko = build_kmod(kernel, os.path.join(SRC_ROOT, "kmod"), os.path.join(build, "kmod-" + kernel.release))
    if ko:
        extra.append((ko, "/vpmem/vpmem.ko"))
    initrd = Initramfs(kernel, os.path.join(build, "guest-work-" + kernel.release)).build(GUEST_DIR, bins, extra)
    return build, kernel, initrd, ko


def cmd_kernel(args):
    k = Kernel(os.path.join(os.path.abspath(args.build_dir), "guest-cache")).prepare()
    print(f"{k.release} {k.vmlinuz} {k.headers}")
    return 0


def run_one(build, kernel, initrd, accel, c, shim=None):
    work = os.path.join(build, "guest-logs", kernel.release, c.name)
    if c.crash:
        return crash.run_case(kernel, initrd, c, work, accel, shim)
    boot = qemu.boot_case(kernel, initrd, c, work, accel)
    if results.early_panic(boot.output):
        # Seen under TCG with 6.12 guests, about once in a few hundred boots:
        # "Oops: int3" in kernel text being live-patched, before the case
        # ran any check. Boot once more and say so; a second panic counts.
        log(f"{c.name}: guest kernel panicked before the case's first check "
            f"({boot.log_path}); booting it once more")
        os.replace(boot.log_path, boot.log_path + ".panic")
        boot = qemu.boot_case(kernel, initrd, c, work, accel)
    res = results.parse(c.name, boot)
    res.seconds = boot.seconds
    # Exports and the case's host script (CASE.host), also after a failed boot.
    hostscript.run(c, res, work, build, kernel.release, SRC_ROOT)
    return res


def cmd_run(args):
    qemu.check_qemu()
    cases = case_mod.discover(os.path.join(GUEST_DIR, "cases"), args.cases)
    # --crash: only the host-crash cases (vmtest/crash.py); --no-crash: the others.
    if args.crash is not None:
        cases = [c for c in cases if bool(c.crash) == args.crash]
    # --skip-once (scripts/test, every kernel after the first): cases with
    # once=1 (slow ones whose subject is our user-space code, not the
    # kernel: valgrind) ran on the first kernel and are not run again. Named
    # cases always run.
    if args.skip_once and not args.cases:
        skipped = [c.name for c in cases if c.once]
        cases = [c for c in cases if not c.once]
        if skipped:
            log(f"not run again on this kernel (once=1): {', '.join(skipped)}")
    # Longest first (by their timeout), so that a slow case does not start
    # last and run alone at the end.
    cases.sort(key=lambda c: -c.timeout)
    build, kernel, initrd, ko = prepare(args)
    accel = qemu.choose_accel(kernel, initrd)
    shim = crash.build_shim(build) if any(c.crash for c in cases) else None
    log(f"{len(cases)} guest case(s), accel {accel}, {args.jobs} at a time")

    all_checks = []
    summary = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futs = {}
        for c in cases:
            if c.needs_vpmem() and not ko:
                all_checks.append(results.Check(f"{c.name}/vpmem-module", False,
                                                "case needs vpmem.ko but kmod/ has no module"))
                continue
            futs[pool.submit(run_one, build, kernel, initrd, accel, c, shim)] = c
        for fut in concurrent.futures.as_completed(futs):
            c = futs[fut]
            try:
                res = fut.result()
            except HarnessError as e:
                all_checks.append(results.Check(f"{c.name}/harness", False, str(e)))
                continue
            npass = sum(ch.ok for ch in res.checks)
            print(f"== {c.name} [{kernel.release}]: {npass}/{len(res.checks)} checks passed, "
                  f"{res.host_flushes} host flushes, {res.seconds:.1f} s", flush=True)
            for ch in res.checks:
                status = "ok  " if ch.ok else "FAIL"
                detail = f" - {ch.detail}" if ch.detail and (not ch.ok or args.verbose) else ""
                print(f"   {status} {ch.name}{detail}", flush=True)
            for line in res.info if args.verbose else []:
                print(f"   info {line}")
            for name, value, unit in res.metrics:
                print(f"   metric {c.name}/{name} = {value} {unit}".rstrip(), flush=True)
            all_checks.extend(res.checks)
            summary.append({"case": c.name, "seconds": round(res.seconds, 1),
                            "host_flushes": res.host_flushes,
                            "metrics": [{"name": n, "value": v, "unit": u} for n, v, u in res.metrics]})

    passed = sum(ch.ok for ch in all_checks)
    failed = len(all_checks) - passed
    for ch in all_checks:
        if not ch.ok:
            print(f"FAILED {ch.name} [{kernel.release}]: {ch.detail}")
    print(f"guest ({kernel.release}): {passed} passed, {failed} failed")
    if args.results:
        with open(args.results, "w") as f:
            json.dump({"passed": passed, "failed": failed, "accel": accel,
                       "kernel": kernel.release, "cases": summary,
                       "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail}
                                  for c in all_checks]}, f, indent=1)
    return 1 if failed else 0


def cmd_demo(args):
    """Boot the demo case and show what it printed, with each host flush
    that QEMU reported shown in place."""
    cases = case_mod.discover(os.path.join(GUEST_DIR, "cases"), ["demo"])
    build, kernel, initrd, _ = prepare(args)
    accel = qemu.choose_accel(kernel, initrd)
    log(f"booting the demo guest ({accel}, kernel {kernel.release})")
    boot = qemu.boot_case(kernel, initrd, cases[0], os.path.join(build, "guest-logs", kernel.release, "demo"), accel)
    n = 0
    shown = False
    text = results.TRACE_RE.sub(lambda m: "demo| HOSTFLUSH\n", boot.output.replace("\r", ""))
    for line in text.splitlines():
        if "@@VT done" in line:
            break          # flushes after this are the guest shutting down
        if "demo| " not in line:
            continue
        line = line[line.index("demo| ") + 6:]
        if line == "HOSTFLUSH":
            if shown:      # flushes before the demo started are mkfs/mount
                n += 1
                print(f"    <host> QEMU: virtio_pmem_flush_request #{n} (host fsync of the backing file)")
            continue
        shown = True
        print(line)
    res = results.parse("demo", boot)
    for ch in res.checks:
        print(f"{'ok  ' if ch.ok else 'FAIL'} {ch.name} {ch.detail}".rstrip())
    return 0 if all(ch.ok for ch in res.checks) else 1


def cmd_boot(args):
    """Boot one case and print its whole console output (for debugging)."""
    cases = case_mod.discover(os.path.join(GUEST_DIR, "cases"), [args.case])
    build, kernel, initrd, _ = prepare(args)
    accel = qemu.choose_accel(kernel, initrd)
    boot = qemu.boot_case(kernel, initrd, cases[0], os.path.join(build, "guest-logs", kernel.release, args.case), accel)
    sys.stdout.write(boot.output)
    return 0


def main():
    ap = argparse.ArgumentParser(prog="vmtest")
    ap.add_argument("--build-dir", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--jobs", type=int, default=int(os.environ.get("VPMEM_GUEST_JOBS", "2")))
    r.add_argument("--results")
    r.add_argument("-v", "--verbose", action="store_true")
    r.add_argument("--crash", dest="crash", action="store_true", default=None,
                   help="only the host-crash cases")
    r.add_argument("--no-crash", dest="crash", action="store_false",
                   help="every case but the host-crash ones")
    r.add_argument("--skip-once", action="store_true",
                   help="leave out the cases with once=1 (they ran on another kernel)")
    r.add_argument("cases", nargs="*")
    sub.add_parser("kernel")
    sub.add_parser("demo")
    s = sub.add_parser("boot")
    s.add_argument("case")
    args = ap.parse_args()
    try:
        return {"run": cmd_run, "kernel": cmd_kernel, "boot": cmd_boot, "demo": cmd_demo}[args.cmd](args)
    except HarnessError as e:
        print(f"vmtest: error: {e}", file=sys.stderr)
        print("guest: 0 passed, 1 failed")
        return 1
    except Exception:  # a harness bug is a failure with its traceback, never a pass
        import traceback
        traceback.print_exc()
        print("guest: 0 passed, 1 failed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
