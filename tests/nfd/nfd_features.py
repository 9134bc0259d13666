#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check Node Feature Discovery feature files (the "local" feature source).

Written from NFD's documentation, not from its code:
  - customization guide, "Local feature source" (kubernetes-sigs/
    node-feature-discovery, docs/usage/customization-guide.md): files in
    /etc/kubernetes/node-feature-discovery/features.d/; one feature per line,
    "<key>[=<value>]", the value "true" when omitted; lines starting with "#"
    are comments; "# +expiry-time=<RFC 3339>" drops the features after it
    once that time has passed (until the next expiry-time directive);
    "# +no-label" / "# +no-feature" exclude the next feature from the labels /
    raw features; a file over 64 kB is ignored whole; dot files are ignored
    (write a dot file and rename it); unprefixed names "should not be used"
    (auto-prefixed today with feature.node.kubernetes.io/, not in future).
  - "Node labels" and nfd-master's -deny-label-ns: kubernetes.io and
    *.kubernetes.io are denied, except feature.node.kubernetes.io,
    profile.node.kubernetes.io and their sub-namespaces (always allowed).
  - Kubernetes "Labels and Selectors, syntax and character set": a key is
    an optional DNS subdomain prefix (at most 253 characters) and "/", then a
    name of 1-63 characters, alphanumeric at both ends, [-_.] and
    alphanumerics inside; a value is 0-63 characters of the same form.

Usage: nfd_features.py [--labels|--json] [--now TIME] FILE...
Prints "FILE:LINE: error: ..." for each rule broken and exits 1 if any was;
--labels prints the labels NFD would create (KEY=VALUE), --json the labels
and raw features as JSON.
"""
import datetime
import json
import os
import re
import sys

FEATURES_DIR = "/etc/kubernetes/node-feature-discovery/features.d/"
MAX_FILE_SIZE = 64 * 1024
DEFAULT_NS = "feature.node.kubernetes.io"
ALWAYS_ALLOWED = ("feature.node.kubernetes.io", "profile.node.kubernetes.io")
DIRECTIVES = ("expiry-time", "no-label", "no-feature")

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# RFC 3339: date, "T" (or "t"), time with optional fraction, Z or an offset.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"([Zz]|[+-]\d{2}:\d{2})$")


def name_error(name):
    """Why @name (the part after "/") is not a label name, or None."""
    if not name:
        return "the name is empty"
    if len(name) > 63:
        return "the name is %d characters, more than 63" % len(name)
    if not _NAME.match(name):
        return ("the name must be alphanumeric at both ends, with only "
                "'-', '_', '.' and alphanumerics inside")
    return None


def prefix_error(prefix):
    """Why @prefix is not a DNS subdomain (RFC 1123), or None."""
    if len(prefix) > 253:
        return "the prefix is %d characters, more than 253" % len(prefix)
    for part in prefix.split("."):
        if len(part) > 63 or not _DNS_LABEL.match(part):
            return ("the prefix is not a DNS subdomain (lower case "
                    "alphanumerics and '-' between dots, at most 63 each)")
    return None


def value_error(value):
    """Why @value is not a label value, or None."""
    if len(value) > 63:
        return "the value is %d characters, more than 63" % len(value)
    if value and not _NAME.match(value):
        return ("the value must be empty or alphanumeric at both ends, with "
                "only '-', '_', '.' and alphanumerics inside")
    return None


def namespace_allowed(ns):
    if ns != "kubernetes.io" and not ns.endswith(".kubernetes.io"):
        return True
    return any(ns == a or ns.endswith("." + a) for a in ALWAYS_ALLOWED)


def key_errors(key, label):
    """Errors of a feature key; @label: it becomes a node label."""
    if "/" not in key:
        if label:
            return ["'%s' has no namespace: NFD's documentation says "
                    "unprefixed label names should not be used (prefixed "
                    "with %s/ today, not in future versions)" % (key, DEFAULT_NS)]
        return []
    prefix, name = key.split("/", 1)
    errs = []
    for e in (prefix_error(prefix) if prefix else "the prefix is empty",
              name_error(name)):
        if e:
            errs.append("bad key '%s': %s" % (key, e))
    if not errs and label and not namespace_allowed(prefix):
        errs.append("namespace '%s' is denied: kubernetes.io and its "
                    "sub-namespaces are, except %s and theirs"
                    % (prefix, " and ".join(ALWAYS_ALLOWED)))
    return errs


def parse_time(text):
    m = _RFC3339.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    tz = m.group(8)
    if tz in ("Z", "z"):
        off = datetime.timezone.utc
    else:
        sign = 1 if tz[0] == "+" else -1
        off = datetime.timezone(sign * datetime.timedelta(
            hours=int(tz[1:3]), minutes=int(tz[4:6])))
    try:
        return datetime.datetime(y, mo, d, h, mi, s, tzinfo=off)
    except ValueError:
        return None


class Result:
    def __init__(self):
        self.labels = {}      # what becomes node labels (local.label)
        self.features = {}    # raw features (local.feature)
        self.errors = []      # (line, message): rules broken
        self.warnings = []    # (line, message): legal but suspicious
        self.expired = []     # keys dropped by a past expiry-time
        self.expiry = None    # the last expiry-time seen (datetime)

    def error(self, line, msg):
        self.errors.append((line, msg))


def parse(data, name="", now=None):
    """Parse one feature file's bytes as nfd-worker's local source would."""
    r = Result()
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if os.path.basename(name).startswith("."):
        r.warnings.append((0, "NFD ignores dot files: this one is never read"))
    if len(data) > MAX_FILE_SIZE:
        r.error(0, "the file is %d bytes: NFD ignores a feature file over %d"
                % (len(data), MAX_FILE_SIZE))
        return r
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        r.error(0, "not UTF-8 text: %s" % e)
        return r
    expiry = None
    no_label = no_feature = False
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if not line.startswith("# +"):
                continue
            directive, eq, arg = line[3:].partition("=")
            if directive not in DIRECTIVES:
                r.error(n, "unknown directive '%s' (known: %s)"
                        % (directive, ", ".join(DIRECTIVES)))
            elif directive == "expiry-time":
                t = parse_time(arg.strip()) if eq else None
                if t is None:
                    r.error(n, "expiry-time needs an RFC 3339 time "
                            "('# +expiry-time=2023-07-29T11:22:33Z'), got '%s'"
                            % line)
                else:
                    expiry = r.expiry = t
            elif directive == "no-label":
                no_label = True
            else:
                no_feature = True
            continue
        key, eq, value = line.partition("=")
        if not eq:
            value = "true"
        if expiry is not None and expiry < now:
            r.expired.append(key)
        else:
            for e in key_errors(key, not no_label):
                r.error(n, e)
            if not no_label:
                e = value_error(value)
                if e:
                    r.error(n, "bad value of '%s': %s" % (key, e))
            for skip, table in ((no_feature, r.features), (no_label, r.labels)):
                if skip:
                    table.pop(key, None)
                    continue
                if key in table:
                    r.warnings.append((n, "'%s' again: the last value wins" % key))
                table[key] = value
        no_label = no_feature = False
    return r


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="Check NFD feature files.")
    ap.add_argument("--labels", action="store_true",
                    help="print the labels NFD would create")
    ap.add_argument("--json", action="store_true",
                    help="print labels and features as JSON")
    ap.add_argument("--now", help="the time to judge expiry-time by (RFC 3339)")
    ap.add_argument("--strict", action="store_true",
                    help="warnings (duplicates, dot files) are errors too")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    now = None
    if args.now:
        now = parse_time(args.now)
        if now is None:
            ap.error("--now: not an RFC 3339 time: %s" % args.now)
    failed = False
    out = {}
    for path in args.files:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print("%s: error: %s" % (path, e.strerror))
            failed = True
            continue
        r = parse(data, path, now)
        for line, msg in r.errors:
            print("%s:%d: error: %s" % (path, line, msg))
        for line, msg in r.warnings:
            print("%s:%d: %s: %s" % (path, line, "error" if args.strict
                                        else "warning", msg))
        failed |= bool(r.errors) or (args.strict and bool(r.warnings))
        out[path] = {"labels": r.labels, "features": r.features,
                     "expired": r.expired,
                     "expiry": r.expiry.isoformat() if r.expiry else None}
        if args.labels:
            for k, v in r.labels.items():
                print("%s=%s" % (k, v))
    if args.json:
        print(json.dumps(out, indent=1, sort_keys=True))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
