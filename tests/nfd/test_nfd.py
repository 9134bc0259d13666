#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""vpmemctl list --format=nfd on this machine, checked by nfd_features.py
(NFD's documented rules) and against the documented label list; --output's
atomic replacement and its errors; the example manifests in
deploy/kubernetes/ (YAML, and only labels vpmemctl emits or the rules
create); the documentation of every label; the systemd unit.

usage: test_nfd.py VPMEMCTL SOURCE_ROOT"""
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nfd_features as nf  # noqa: E402
import vpmem_labels as vl  # noqa: E402

VPMEMCTL, TOP = sys.argv[1], sys.argv[2]
fails = 0


def fail(name, msg):
    global fails
    fails += 1
    print("FAIL %s: %s" % (name, msg))


def ok(name):
    print("ok %s" % name)


def check(name, cond, msg=""):
    if cond:
        ok(name)
    else:
        fail(name, msg)


def run(*args):
    p = subprocess.run([VPMEMCTL, "list"] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def labels_of(text, now=None, name="stdout"):
    r = nf.parse(text.encode(), name, now)
    for line, msg in r.errors + r.warnings:
        fail("nfd-rules", "%s:%d: %s" % (name, line, msg))
    return r


# --- The output on this machine -------------------------------------------
rc, out, err = run("--format=nfd")
check("nfd-runs", rc == 0, "exit %d: %s" % (rc, err))
r = labels_of(out)
check("nfd-rules", not r.errors and not r.warnings)
got = {}
for key, value in r.labels.items():
    ns, _, name = key.partition("/")
    if ns != vl.NS or name not in vl.LABELS:
        fail("nfd-known-label", "'%s' is not a documented vpmem label" % key)
        continue
    if not vl.value_ok(name, value):
        fail("nfd-value", "%s=%s is not a documented value" % (key, value))
    got[name] = value
want = set(vl.LABELS)
if "no driver facts" in err:
    print("note: no driver facts here (%s): module/device labels not expected" % err.strip())
    want -= set(vl.DRIVER_LABELS)
check("nfd-all-labels", set(got) == want,
      "missing %s, extra %s" % (sorted(want - set(got)), sorted(set(got) - want)))
check("nfd-file-order", [k.partition("/")[2] for k in r.labels] ==
      [k for k in vl.LABELS if k in want], "labels not in the documented order")

# The facts of this machine, from sysfs, as the labels must say them.
regions = len(glob.glob("/sys/bus/nd/devices/region*"))
check("nfd-regions", got.get("regions") == str(regions),
      "regions=%s, sysfs has %d" % (got.get("regions"), regions))
check("nfd-pmem", got.get("pmem") == ("true" if regions else "false"), got.get("pmem"))
if regions == 0:
    for name in ("buffered", "host-flush", "cpu-flush-durable", "devdax-host-flush",
                 "flush-failing", "unsafe"):
        check("nfd-no-pmem-" + name, got.get(name) == "false", "%s=%s" % (name, got.get(name)))
    for name in ("buffered-regions", "buffered-unknown-regions", "host-flush-regions",
                 "cpu-flush-durable-regions", "devdax-host-flush-regions",
                 "flush-failing-regions"):
        check("nfd-no-pmem-" + name, got.get(name) == "0", "%s=%s" % (name, got.get(name)))
if "devices" in got:
    vdevs = 0
    for d in glob.glob("/sys/bus/virtio/devices/*"):
        try:
            with open(os.path.join(d, "device")) as f:
                vdevs += f.read().strip() == "0x001b"
        except OSError:
            pass
    check("nfd-devices", got["devices"] == str(vdevs),
          "devices=%s, sysfs has %d virtio-pmem devices" % (got["devices"], vdevs))
check("nfd-hazards-consistent",
      (got.get("unsafe") == "true") == any(got.get("hazard." + h) == "true" for h in vl.HAZARDS),
      "unsafe=%s but hazards %s" % (got.get("unsafe"),
                                    [h for h in vl.HAZARDS if got.get("hazard." + h) == "true"]))
check("nfd-size", len(out.encode()) <= nf.MAX_FILE_SIZE, "%d bytes" % len(out.encode()))

# --- Expiry -----------------------------------------------------------------
before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
rc, out, err = run("--format=nfd", "--expiry", "10m")
after = datetime.datetime.now(datetime.timezone.utc)
r = labels_of(out)
check("expiry-runs", rc == 0 and r.expiry is not None, "exit %d, expiry %s" % (rc, r.expiry))
if r.expiry:
    lo = before + datetime.timedelta(seconds=600)
    hi = after + datetime.timedelta(seconds=600)
    check("expiry-time", lo <= r.expiry <= hi, "%s not in [%s, %s]" % (r.expiry, lo, hi))
    second = datetime.timedelta(seconds=1)
    late = labels_of(out, r.expiry + second)
    check("expiry-drops-all", late.labels == {} and len(late.expired) == len(r.labels),
          "after the expiry NFD would keep %s" % late.labels)
    check("expiry-keeps-before", labels_of(out, r.expiry - second).labels == r.labels)
check("expiry-second-line", out.count("\n") > 1 and
      out.split("\n")[1].startswith("# +expiry-time="), out[:200])
check("no-expiry-by-default", "+expiry" not in run("--format=nfd")[1])
for bad in ("-1", "10x", "", "1y", "367d", "9999999999999999999999"):
    rc, _, err = run("--format=nfd", "--expiry", bad)
    check("expiry-bad-%r" % bad, rc == 2 and "bad expiry" in err, "exit %d: %s" % (rc, err))

# --- Formats and usage errors -------------------------------------------------
check("format-json-is-j", run("--format=json")[1] == run("-j")[1])
check("format-table-is-default", run("--format", "table")[1] == run()[1])
for args, msg in ((["--format=nfd", "-r", "0"], "whole node"),
                  (["--format=nfd", "--buffered"], "whole node"),
                  (["--expiry", "5"], "nfd only"),
                  (["-j", "--format=nfd"], "conflicts"),
                  (["--format=xml"], "unknown format"),
                  (["-o", ""], "needs a file name")):
    rc, _, err = run(*args)
    check("usage-" + "-".join(a.strip("-") for a in args),
          rc == 2 and msg in err and err.count("\n") == 1, "exit %d: %r" % (rc, err))
rc, out, _ = run("--help")
check("help-mentions-nfd", rc == 0 and "--format" in out and "nfd" in out and "--output" in out)

# The bash completion offers the new options and the formats.
comp = subprocess.run(["bash", "-c", """. "$1"; shift
    complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _vpmemctl
        printf '%s\\n' "${COMPREPLY[@]}" | sort | tr '\\n' ' '; echo; }
    complete_words "$1" list --
    complete_words "$1" list --format ''""", "bash",
                       os.path.join(TOP, "completion", "vpmemctl"), VPMEMCTL],
                      capture_output=True, text=True)
lines = comp.stdout.split("\n")
check("completion-options", len(lines) > 1 and
      {"--format", "--output", "--expiry"} <= set(lines[0].split()), comp.stdout + comp.stderr)
check("completion-formats", len(lines) > 1 and lines[1].split() == ["json", "nfd", "table"],
      comp.stdout + comp.stderr)

# --- --output --------------------------------------------------------------
with tempfile.TemporaryDirectory() as d:
    target = os.path.join(d, "vpmem")
    rc, out, err = run("--format=nfd", "--output", target)
    check("output-runs", rc == 0 and out == "", "exit %d: %s" % (rc, err))
    check("output-content", os.path.exists(target) and open(target).read() == run("--format=nfd")[1])
    check("output-no-temp", os.listdir(d) == ["vpmem"], str(os.listdir(d)))
    st = os.stat(target) if os.path.exists(target) else None
    check("output-mode", st and st.st_mode & 0o777 == 0o644, st and oct(st.st_mode))
    ino = st.st_ino if st else -1
    with open(os.path.join(d, "keep"), "w") as f:  # a second name: inode not reused
        f.write("x")
    rc, _, err = run("--format=nfd", "-o", target)
    st = os.stat(target) if os.path.exists(target) else None
    check("output-replaces-by-rename", rc == 0 and st and st.st_ino != ino,
          "exit %d, inode %d -> %s" % (rc, ino, st and st.st_ino))
    check("output-no-temp-2", sorted(os.listdir(d)) == ["keep", "vpmem"], str(os.listdir(d)))
    rc, _, err = run("-j", "-o", os.path.join(d, "list.json"))
    check("output-json", rc == 0 and os.path.exists(os.path.join(d, "list.json")) and
          open(os.path.join(d, "list.json")).read() == run("-j")[1])

    rc, _, err = run("--format=nfd", "-o", os.path.join(d, "missing", "vpmem"))
    check("output-no-dir", rc == 1 and "cannot open the directory of" in err and
          "No such file or directory" in err, "exit %d: %s" % (rc, err))
    rc, _, err = run("--format=nfd", "-o", os.path.join(d, "keep", "vpmem"))
    check("output-not-a-dir", rc == 1 and "Not a directory" in err, "exit %d: %s" % (rc, err))
    os.mkdir(os.path.join(d, "sub"))
    rc, _, err = run("--format=nfd", "-o", os.path.join(d, "sub"))
    check("output-is-dir", rc == 1 and "Is a directory" in err, "exit %d: %s" % (rc, err))
    check("output-failures-leave-nothing", sorted(os.listdir(d)) == ["keep", "list.json", "sub", "vpmem"]
          and os.listdir(os.path.join(d, "sub")) == [], str(os.listdir(d)))

    # An unwritable directory: the old file stays, no temporary file is left.
    ro = os.path.join(d, "ro")
    os.mkdir(ro)
    with open(os.path.join(ro, "vpmem"), "w") as f:
        f.write("old\n")
    cmd = [VPMEMCTL, "list", "--format=nfd", "-o", os.path.join(ro, "vpmem")]
    if os.geteuid() != 0:
        os.chmod(ro, 0o555)
        p = subprocess.run(cmd, capture_output=True, text=True)
        os.chmod(ro, 0o755)
        how = "mode 0555"
    else:  # root writes anywhere: a read-only bind mount in a mount namespace
        p = subprocess.run(["unshare", "-m", "sh", "-c",
                            'mount --bind -o ro "$1" "$1" && shift && exec "$@"', "sh", ro] + cmd,
                           capture_output=True, text=True)
        how = "read-only bind mount"
    if p.returncode != 0 and "mount" in p.stderr and "vpmemctl" not in p.stderr:
        print("not checked here: unwritable directory (%s: %s); guest case vpmemctl-nfd checks it"
              % (how, p.stderr.strip()))
    else:
        check("output-unwritable", p.returncode == 1 and
              "cannot create a temporary file for" in p.stderr, "%s: exit %d: %s"
              % (how, p.returncode, p.stderr))
        check("output-unwritable-old-stays", open(os.path.join(ro, "vpmem")).read() == "old\n" and
              os.listdir(ro) == ["vpmem"], str(os.listdir(ro)))

# --- Manifests ---------------------------------------------------------------
import yaml  # noqa: E402

OPS = {"In", "NotIn", "InRegexp", "Exists", "DoesNotExist", "Gt", "Ge", "Lt", "Le",
       "GtLt", "GeLe", "IsTrue", "IsFalse"}
TAINT_EFFECTS = {"NoSchedule", "PreferNoSchedule", "NoExecute"}
docs = []
files = sorted(glob.glob(os.path.join(TOP, "deploy", "kubernetes", "*.yaml")))
check("manifests-exist", len(files) >= 3, str(files))
for path in files:
    try:
        with open(path) as f:
            docs += [(os.path.basename(path), doc) for doc in yaml.safe_load_all(f) if doc]
        ok("yaml-" + os.path.basename(path))
    except yaml.YAMLError as e:
        fail("yaml-" + os.path.basename(path), str(e))

rule_labels, taint_keys = {}, set()
for name, doc in docs:
    check("kind-" + name, doc.get("apiVersion") and doc.get("kind") and
          doc.get("metadata", {}).get("name"), "apiVersion, kind and metadata.name needed")
    if doc.get("kind") != "NodeFeatureRule":
        continue
    check("nfr-api-" + name, doc["apiVersion"] == "nfd.k8s-sigs.io/v1alpha1", doc["apiVersion"])
    for rule in doc["spec"]["rules"]:
        rid = "%s/%s" % (name, rule.get("name"))
        check("rule-name-" + rid, bool(rule.get("name")))
        for key, value in (rule.get("labels") or {}).items():
            errs = nf.key_errors(key, True) + ([nf.value_error(value)] if nf.value_error(value) else [])
            check("rule-label-" + key, not errs and isinstance(value, str), "; ".join(errs))
            rule_labels[key] = value
        for t in rule.get("taints") or []:
            key = t.get("key", "")
            ns = key.partition("/")[0] if "/" in key else ""
            check("taint-" + key, ns and t.get("effect") in TAINT_EFFECTS and
                  not nf.key_errors(key, True) and
                  (ns == "feature.node.kubernetes.io" or ns.endswith(".feature.node.kubernetes.io")),
                  "NFD allows taints in feature.node.kubernetes.io and its sub-namespaces, "
                  "with effect NoSchedule, PreferNoSchedule or NoExecute: %s" % t)
            taint_keys.add(key)
        matchers = list(rule.get("matchFeatures") or [])
        for alt in rule.get("matchAny") or []:
            matchers += alt["matchFeatures"]
        check("rule-matches-" + rid, bool(matchers), "no matchFeatures/matchAny")
        for m in matchers:
            for key, expr in (m.get("matchExpressions") or {}).items():
                op, values = expr.get("op"), expr.get("value") or []
                check("op-%s-%s" % (rid, key), op in OPS and
                      (not values if op in ("Exists", "DoesNotExist") else bool(values)),
                      "%s %s" % (op, values))
                if m["feature"] != "local.label":
                    continue
                ns, _, lname = key.partition("/")
                check("rule-uses-emitted-%s" % key, ns == vl.NS and lname in vl.LABELS,
                      "vpmemctl does not emit %s" % key)
                for v in values if op in ("In", "NotIn") else []:
                    check("rule-value-%s=%s" % (key, v), vl.value_ok(lname, v),
                          "vpmemctl never gives %s the value %r" % (key, v))


def walk(node, path=""):
    """Every (path, string) in a document: keys and values."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path, k
            yield from walk(v, "%s/%s" % (path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, "%s/%d" % (path, i))
    elif isinstance(node, str):
        yield path, node


known = {vl.NS + "/" + n for n in vl.LABELS} | set(rule_labels) | taint_keys
refs = 0
for name, doc in docs:
    for path, s in walk(doc):
        for key in re.findall(re.escape(vl.NS) + r"/[-A-Za-z0-9_.]+", s):
            refs += 1
            check("known-%s-%s" % (name, key), key in known,
                  "%s at %s is neither emitted by vpmemctl nor made by a rule" % (key, path))
    if doc.get("kind") == "NodeFeatureRule":
        continue
    # Selectors in pods and PMEM-CSI: the values the label can have.
    spec = doc.get("spec", {})
    terms = (spec.get("affinity", {}).get("nodeAffinity", {})
             .get("requiredDuringSchedulingIgnoredDuringExecution", {})
             .get("nodeSelectorTerms", []))
    sel = [(e["key"], e.get("values", [])) for t in terms for e in t.get("matchExpressions", [])]
    sel += [(k, [v]) for k, v in (spec.get("nodeSelector") or {}).items()]
    for key, values in sel:
        if key in rule_labels:
            good = all(v == rule_labels[key] for v in values)
        else:
            good = all(vl.value_ok(key.partition("/")[2], v) for v in values)
        check("selector-value-%s-%s" % (name, key), good, "%s can never be %s" % (key, values))
    for t in spec.get("tolerations") or []:
        check("toleration-%s-%s" % (name, t.get("key")), t.get("key") in taint_keys,
              "no rule makes the taint %s" % t.get("key"))
check("manifests-reference-labels", refs >= 10, "only %d references" % refs)

# The rules on this machine's own labels and nd devices (as NFD's memory
# source reads them): a node without pmem gets neither label nor taint.
import nfr_eval  # noqa: E402
nd = []
for dev in glob.glob("/sys/bus/nd/devices/*"):
    inst = {"name": os.path.basename(dev)}
    for attr in ("devtype", "mode"):
        try:
            with open(os.path.join(dev, attr)) as f:
                inst[attr] = f.read().strip()
        except OSError:
            pass
    nd.append(inst)
here = nf.parse(run("--format=nfd")[1].encode()).labels
rl, taints = nfr_eval.evaluate([d for _, d in docs], {"local.label": here, "memory.nv": nd})
if regions == 0:
    check("rules-no-pmem", rl == {} and taints == set(), "%s %s" % (rl, taints))
else:
    print("note: this machine has pmem; rules give %s %s" % (rl, taints))
RULE_LABELS = ["durable-pmem", "pmemflush-durable-pmem", "pmem-not-durable"]
check("rules-make-labels", set(rule_labels) == {vl.NS + "/" + n for n in RULE_LABELS},
      str(rule_labels))
# No rule, selector or pod may derive a durable verdict from the old label
# that promised device dax durability to programs that never flush the host.
for name, doc in docs:
    text = json.dumps(doc)
    check("no-devdax-durable-%s" % name, "devdax-durable" not in text,
          "%s still uses devdax-durable" % name)

# --- Documentation and the systemd unit ---------------------------------------
for doc in ("man/vpmemctl-list.1.adoc", "docs/nfd.md"):
    with open(os.path.join(TOP, doc)) as f:
        text = f.read()
    missing = [n for n in list(vl.LABELS) + RULE_LABELS
               if not re.search(r"`%s`" % re.escape(n), text)]
    check("documented-" + doc, not missing, "not documented: %s" % missing)
with open(os.path.join(TOP, "systemd", "vpmem-nfd.service.in")) as f:
    unit = f.read()
check("unit-writes-features-d",
      re.search(r"^ExecStart=@bindir@/vpmemctl list --format=nfd --expiry \S+ "
                r"--output /etc/kubernetes/node-feature-discovery/features\.d/\S+$", unit, re.M),
      "ExecStart does not write into features.d")
# The labels describe the system's mounts: no private mount namespace, and a
# stuck run is killed (a oneshot has no start timeout by default).
MOUNT_NS_OPTIONS = ("ProtectSystem", "ProtectHome", "ReadWritePaths", "ReadOnlyPaths",
                    "InaccessiblePaths", "PrivateTmp", "PrivateDevices", "PrivateMounts",
                    "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
                    "ProtectControlGroups", "ProtectProc", "ProtectClock", "ProtectHostname",
                    "TemporaryFileSystem", "BindPaths", "BindReadOnlyPaths", "RootDirectory",
                    "RootImage", "MountAPIVFS", "PrivateNetwork", "NetworkNamespacePath")
ns_opts = [o for o in MOUNT_NS_OPTIONS if re.search(r"^%s=" % o, unit, re.M)]
check("unit-no-mount-namespace", not ns_opts, "options that unshare mounts: %s" % ns_opts)
check("unit-start-timeout", re.search(r"^TimeoutStartSec=[1-9][0-9]*s$", unit, re.M),
      "no TimeoutStartSec=")

print("%d failure(s)" % fails)
sys.exit(1 if fails else 0)
