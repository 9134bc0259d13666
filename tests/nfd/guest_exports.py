#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Host side of guest case vpmemctl-nfd: the feature files the guest
exported, judged by NFD's documented rules (nfd_features.py), by the values
each configuration must give, against the guest's own driver facts, and
through the example rules and pod of deploy/kubernetes/ (nfr_eval.py).
Prints the harness's "@@VT ok|fail NAME [MESSAGE]" lines.

usage: guest_exports.py EXPORT_DIR SOURCE_ROOT"""
import datetime
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nfd_features as nf  # noqa: E402
import nfr_eval  # noqa: E402
import vpmem_labels as vl  # noqa: E402

EXPORTS, TOP = sys.argv[1], sys.argv[2]
NS = vl.NS + "/"
FALSE_HAZARDS = {"hazard." + h: "false" for h in vl.HAZARDS}

# What each configuration of the case must give, label by label: every
# label vpmemctl writes except the version.
COMMON = {"pmem": "true", "regions": "3", "buffered": "true", "buffered-regions": "3",
          "buffered-unknown-regions": "0", "host-flush": "true", "devices": "3",
          "devices.unbound": "0", "module.vpmem": "live",
          # virtio-pmem is buffered: CPU flushes never make it durable.
          "cpu-flush-durable": "false", "cpu-flush-durable-regions": "0"}
NOT_FAILING = {"flush-failing": "false", "flush-failing-regions": "0"}
ALL_VPMEM = {**COMMON, **FALSE_HAZARDS, **{
    "host-flush-regions": "3", "unsafe": "false", "devices.vpmem": "3",
    "devices.virtio_pmem": "0", "driver-advice": "none"}}
EXPECT = {
    "mixed": {**COMMON, **FALSE_HAZARDS, **NOT_FAILING, **{
        "host-flush-regions": "1", "devdax-host-flush": "false",
        "devdax-host-flush-regions": "1",
        "unsafe": "true", "hazard.devdax-no-host-flush": "true",
        "hazard.nobarrier-on-buffered": "true", "module.virtio_pmem": "live",
        "devices.vpmem": "1", "devices.virtio_pmem": "2", "driver-advice": "bind-vpmem"}},
    "barrier": {**COMMON, **FALSE_HAZARDS, **NOT_FAILING, **{
        "host-flush-regions": "1", "devdax-host-flush": "false",
        "devdax-host-flush-regions": "1",
        "unsafe": "true", "hazard.devdax-no-host-flush": "true",
        "module.virtio_pmem": "live",
        "devices.vpmem": "1", "devices.virtio_pmem": "2", "driver-advice": "bind-vpmem"}},
    "vpmem": {**ALL_VPMEM, **NOT_FAILING, **{
        "devdax-host-flush": "true", "devdax-host-flush-regions": "3"}},
    # A flush error not acknowledged on one device: vpmem refuses its flushes.
    "failing": {**ALL_VPMEM, **{
        "flush-failing": "true", "flush-failing-regions": "1",
        "devdax-host-flush": "false", "devdax-host-flush-regions": "2"}},
    # The same, seen by a user who cannot read flush_errors_ack (root's).
    "failing-nonroot": {**ALL_VPMEM, **{
        "flush-failing": "unknown", "flush-failing-regions": "0",
        "devdax-host-flush": "false", "devdax-host-flush-regions": "0"}},
    # Acknowledged: flushes work again.
    "acked": {**ALL_VPMEM, **NOT_FAILING, **{
        "devdax-host-flush": "true", "devdax-host-flush-regions": "3"}},
}
# The example rules' verdict per configuration: (labels, taint present).
NOT_DURABLE = {NS + "pmem-not-durable": "true"}
PMEMFLUSH_DURABLE = {NS + "pmemflush-durable-pmem": "true", **NOT_DURABLE}
TAINT = NS + "pmem-not-durable=true:NoSchedule"
RULES = {"mixed": (NOT_DURABLE, True), "barrier": (NOT_DURABLE, True),
         "vpmem": (PMEMFLUSH_DURABLE, True), "failing": (NOT_DURABLE, True),
         "failing-nonroot": (NOT_DURABLE, True), "acked": (PMEMFLUSH_DURABLE, True)}

def ok(name):
    print("@@VT ok %s" % name)


def fail(name, msg):
    print("@@VT fail %s %s" % (name, " ".join(str(msg).split())))


def check(name, cond, msg=""):
    ok(name) if cond else fail(name, msg or "failed")


def export(name):
    path = os.path.join(EXPORTS, name)
    if not os.path.isfile(path):
        fail("export-" + name, "no intact export '%s' from the guest" % name)
        return None
    with open(path, "rb") as f:
        return f.read()


def judge(name, data, now=None):
    """The file by NFD's rules; its labels without the namespace."""
    r = nf.parse(data, name, now)
    problems = ["%d: %s" % e for e in r.errors + r.warnings]
    check(name + "-nfd-rules", not problems, "; ".join(problems))
    return r


def nd_instances(data):
    inst = []
    for line in data.decode().splitlines():
        parts = line.split()
        if parts:
            d = {"name": parts[0]}
            if len(parts) > 1:
                d["devtype"] = parts[1]
            if len(parts) > 2:
                d["mode"] = parts[2]
            inst.append(d)
    return inst


docs = []
for path in sorted(glob.glob(os.path.join(TOP, "deploy", "kubernetes", "*.yaml"))):
    import yaml
    with open(path) as f:
        docs += [d for d in yaml.safe_load_all(f) if d]
pod = next(d for d in docs if d.get("kind") == "Pod" and d["metadata"]["name"] == "pmem-app")
pf_pod = next(d for d in docs if d.get("kind") == "Pod" and
              d["metadata"]["name"] == "pmemflush-app")

for step, want in EXPECT.items():
    data = export(step + ".nfd")
    if data is None:
        continue
    r = judge(step, data)
    got = {k[len(NS):]: v for k, v in r.labels.items() if k.startswith(NS)}
    check(step + "-only-vpmem-labels", len(got) == len(r.labels), str(r.labels))
    check(step + "-all-labels", set(got) == set(vl.LABELS),
          "missing %s extra %s" % (sorted(set(vl.LABELS) - set(got)),
                                   sorted(set(got) - set(vl.LABELS))))
    bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    check(step + "-values", not bad, "label: (got, want) %s" % bad)
    bad = {k: v for k, v in got.items() if not vl.value_ok(k, v)}
    check(step + "-documented-values", not bad, str(bad))

    drv = export(step + ".driver.json")
    if drv is not None:
        mods = {m["name"]: m for m in json.loads(drv)["modules"]}
        devs = json.loads(drv)["devices"]
        for m in ("vpmem", "virtio_pmem"):
            check("%s-module-%s" % (step, m), got.get("module." + m) == mods[m]["state"] and
                  got.get("module.%s.installed" % m) == str(mods[m]["available"]).lower(),
                  "labels %s/%s, driver --json %s" % (got.get("module." + m),
                                                     got.get("module.%s.installed" % m), mods[m]))
        by = lambda d: sum(1 for v in devs if v.get("driver") == d)  # noqa: E731
        check(step + "-devices-driver-json",
              got.get("devices") == str(len(devs)) and got.get("devices.vpmem") == str(by("vpmem"))
              and got.get("devices.virtio_pmem") == str(by("virtio_pmem")),
              "labels %s, driver --json %s" % (got, [(v["dev"], v.get("driver")) for v in devs]))

    nd = export(step + ".nd")
    if nd is None:
        continue
    features = {"local.label": r.labels, "memory.nv": nd_instances(nd)}
    labels, taints = nfr_eval.evaluate(docs, features)
    want_labels, want_taint = RULES[step]
    check(step + "-rule-labels", labels == want_labels, "rules give %s" % labels)
    check(step + "-rule-taint", (TAINT in taints) == want_taint, "rules give taints %s" % taints)
    node = dict(r.labels, **labels)
    # A PMDK-style pod never lands on virtio-pmem; a libpmemflush pod only
    # where every region has a working host flush.
    check(step + "-pmem-app-placement", not nfr_eval.node_affinity_matches(pod, node),
          "pmem-app's nodeAffinity on labels %s" % node)
    check(step + "-pmemflush-app-placement",
          nfr_eval.node_affinity_matches(pf_pod, node) == (step in ("vpmem", "acked")),
          "pmemflush-app's nodeAffinity on labels %s" % node)

# The file --output wrote: legal, with its expiry; once expired, NFD keeps
# nothing, and the rules must then fail closed on the pmem NFD still sees.
data = export("features.d-vpmem")
if data is not None:
    r = judge("features.d", data)
    check("features.d-expiry", r.expiry is not None, "no expiry-time directive")
    check("features.d-labels", len(r.labels) == len(vl.LABELS), str(r.labels))
    if r.expiry:
        sec = datetime.timedelta(seconds=1)
        check("features.d-kept-until-expiry", judge("before", data, r.expiry - sec).labels == r.labels)
        late = judge("after", data, r.expiry + sec)
        check("features.d-dropped-after-expiry", late.labels == {} and
              len(late.expired) == len(vl.LABELS), str(late.labels))
        nd = export("mixed.nd")
        if nd is not None:
            labels, taints = nfr_eval.evaluate(docs, {"local.label": late.labels,
                                                      "memory.nv": nd_instances(nd)})
            check("expired-fails-closed", labels == NOT_DURABLE and TAINT in taints,
                  "expired labels: rules give %s %s" % (labels, taints))
            check("expired-pmem-app-not-placed", not nfr_eval.node_affinity_matches(pod, labels))
