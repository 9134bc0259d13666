# SPDX-License-Identifier: GPL-2.0-only
"""The labels `vpmemctl list --format=nfd` emits, as documented in
vpmemctl-list(1) and docs/nfd.md: name -> the values it may take.
The tests hold vpmemctl's output, the manifests in deploy/kubernetes/ and
both documents to this list."""

NS = "vpmem.feature.node.kubernetes.io"

BOOL = ("true", "false")
COUNT = "count"  # a decimal number >= 0
MODULE_STATES = ("not-loaded", "live", "coming", "going", "builtin")
ADVICE = ("none", "bind-vpmem", "unbound", "vpmem-blacklisted", "install-vpmem")
HAZARDS = ("devdax-no-host-flush", "nobarrier-on-buffered", "buffered-unknown",
           "volatile", "write-through-on-buffered", "sector-on-buffered")

TRI = ("true", "false", "unknown")

LABELS = {
    "pmem": BOOL,
    "regions": COUNT,
    "buffered": TRI,
    "buffered-regions": COUNT,
    "buffered-unknown-regions": COUNT,
    "host-flush": BOOL,
    "host-flush-regions": COUNT,
    "cpu-flush-durable": BOOL,
    "cpu-flush-durable-regions": COUNT,
    "devdax-host-flush": BOOL,
    "devdax-host-flush-regions": COUNT,
    "flush-failing": TRI,
    "flush-failing-regions": COUNT,
    "unsafe": BOOL,
}
LABELS.update({"hazard." + h: BOOL for h in HAZARDS})
# Only when the driver facts (libkmod, sysfs) could be read.
DRIVER_LABELS = {
    "module.vpmem": MODULE_STATES,
    "module.vpmem.installed": BOOL,
    "module.virtio_pmem": MODULE_STATES,
    "module.virtio_pmem.installed": BOOL,
    "devices": COUNT,
    "devices.vpmem": COUNT,
    "devices.virtio_pmem": COUNT,
    "devices.unbound": COUNT,
    "driver-advice": ADVICE,
}
LABELS.update(DRIVER_LABELS)
LABELS["version"] = "version"  # vpmemctl's version, e.g. 0.1.0


def value_ok(name, value):
    """Is @value one that label @name (without namespace) may take?"""
    kind = LABELS.get(name)
    if kind is None:
        return False
    if kind == COUNT:
        return value.isdigit() and (value == "0" or not value.startswith("0"))
    if kind == "version":
        return bool(value) and all(c.isalnum() or c in "._-" for c in value)
    return value in kind
