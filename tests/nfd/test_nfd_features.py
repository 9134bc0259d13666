#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The NFD feature-file checker's own test: it accepts what NFD's
documentation allows and rejects, with the right reason, what it does not,
so that a clean verdict on vpmemctl's output means something."""
import datetime
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nfd_features as nf  # noqa: E402

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def parse(text, name="f", now=NOW):
    return nf.parse(text.encode() if isinstance(text, str) else text, name, now)


class Good(unittest.TestCase):
    def test_documented_example(self):
        # The customization guide's example file and the labels it yields.
        r = parse("feature.node.kubernetes.io/my-feature.1\n"
                  "feature.node.kubernetes.io/my-feature.2=myvalue\n"
                  "vendor.io/my-feature.3=456\n")
        self.assertEqual(r.errors, [])
        self.assertEqual(r.labels, {
            "feature.node.kubernetes.io/my-feature.1": "true",
            "feature.node.kubernetes.io/my-feature.2": "myvalue",
            "vendor.io/my-feature.3": "456"})
        self.assertEqual(r.features, r.labels)

    def test_comments_blank_lines_and_spaces(self):
        r = parse("# a comment\n\n   \n  vendor.io/a=b  \r\n#+not-a-directive\n")
        self.assertEqual(r.errors, [])
        self.assertEqual(r.labels, {"vendor.io/a": "b"})

    def test_empty_value_and_limits(self):
        name = "a" * 63
        r = parse("vendor.io/x=\nvendor.io/%s=%s\n" % (name, "v" * 63))
        self.assertEqual(r.errors, [])
        self.assertEqual(r.labels["vendor.io/x"], "")

    def test_allowed_namespaces(self):
        r = parse("feature.node.kubernetes.io/a\n"
                  "vpmem.feature.node.kubernetes.io/b\n"
                  "profile.node.kubernetes.io/c\n"
                  "x.profile.node.kubernetes.io/d\n")
        self.assertEqual(r.errors, [])

    def test_expiry(self):
        # The guide's example: only the features under a future time stay.
        r = parse("# +expiry-time=2012-07-28T11:22:33Z\nvendor.io/feature1=featureValue\n"
                  "# +expiry-time=2080-07-28T11:22:33Z\nvendor.io/feature2=featureValue2\n"
                  "# +expiry-time=2070-07-28T11:22:33Z\nvendor.io/feature3=featureValue3\n"
                  "# +expiry-time=2002-07-28T11:22:33Z\nvendor.io/feature4=featureValue4\n")
        self.assertEqual(r.errors, [])
        self.assertEqual(sorted(r.labels), ["vendor.io/feature2", "vendor.io/feature3"])
        self.assertEqual(r.expired, ["vendor.io/feature1", "vendor.io/feature4"])

    def test_expiry_offset(self):
        r = parse("# +expiry-time=2026-01-01T01:30:00+02:00\nvendor.io/a\n")
        self.assertEqual(r.labels, {})  # 23:30 UTC the day before
        r = parse("# +expiry-time=2026-01-01T00:00:01.5Z\nvendor.io/a\n")
        self.assertEqual(r.labels, {"vendor.io/a": "true"})

    def test_no_label_no_feature(self):
        # The guide's example for the two directives.
        r = parse("# +no-feature\nvendor.io/label-only=value\n\n"
                  "vendor.io/my-feature=value\n\nvendor.io/foo=bar\n\n"
                  "# +no-label\nfoo=baz\n")
        self.assertEqual(r.errors, [])
        self.assertEqual(r.features, {"foo": "baz", "vendor.io/my-feature": "value",
                                      "vendor.io/foo": "bar"})
        self.assertEqual(r.labels, {"vendor.io/label-only": "value",
                                    "vendor.io/my-feature": "value",
                                    "vendor.io/foo": "bar"})

    def test_size_limit_exact(self):
        line = "vendor.io/a=b\n"
        data = (line * (nf.MAX_FILE_SIZE // len(line) + 1))[:nf.MAX_FILE_SIZE]
        data = data[:data.rindex("\n") + 1]
        data += "#" * (nf.MAX_FILE_SIZE - len(data))
        self.assertEqual(len(data), nf.MAX_FILE_SIZE)
        self.assertEqual(parse(data).errors, [])


class Bad(unittest.TestCase):
    def one_error(self, text, fragment, **kw):
        r = parse(text, **kw)
        self.assertEqual(len(r.errors), 1, r.errors)
        self.assertIn(fragment, r.errors[0][1])
        return r

    def test_too_big(self):
        r = self.one_error("#" * (nf.MAX_FILE_SIZE + 1), "ignores a feature file over 65536")
        self.assertEqual(r.errors[0][0], 0)

    def test_unprefixed_label(self):
        self.one_error("foo=bar\n", "no namespace")

    def test_denied_namespaces(self):
        self.one_error("kubernetes.io/a\n", "is denied")
        self.one_error("node.kubernetes.io/a\n", "is denied")
        self.one_error("feature.node.kubernetes.io.evil.kubernetes.io/a\n", "is denied")

    def test_bad_names(self):
        self.one_error("vendor.io/%s\n" % ("a" * 64), "more than 63")
        self.one_error("vendor.io/-a\n", "alphanumeric at both ends")
        self.one_error("vendor.io/a-\n", "alphanumeric at both ends")
        self.one_error("vendor.io/a b\n", "alphanumeric at both ends")
        self.one_error("vendor.io/\n", "name is empty")
        self.one_error("/a\n", "prefix is empty")
        self.one_error("Vendor.io/a\n", "not a DNS subdomain")
        self.one_error("vendor..io/a\n", "not a DNS subdomain")
        self.one_error("vendor_x.io/a\n", "not a DNS subdomain")
        self.one_error("%s.io/a\n" % ".".join(["a" * 60] * 5), "more than 253")
        self.one_error("vendor.io/a/b\n", "alphanumeric at both ends")

    def test_bad_values(self):
        self.one_error("vendor.io/a=%s\n" % ("v" * 64), "more than 63")
        self.one_error("vendor.io/a=-v\n", "alphanumeric at both ends")
        self.one_error("vendor.io/a=a=b\n", "alphanumeric at both ends")
        self.one_error("vendor.io/a=a b\n", "alphanumeric at both ends")
        self.one_error("vendor.io/a=ä\n", "alphanumeric at both ends")

    def test_bad_directives(self):
        self.one_error("# +expiry-time\nvendor.io/a\n", "RFC 3339")
        self.one_error("# +expiry-time=2023-07-29 11:22:33\n", "RFC 3339")
        self.one_error("# +expiry-time=2023-02-30T11:22:33Z\n", "RFC 3339")
        self.one_error("# +expire-time=2023-07-29T11:22:33Z\n", "unknown directive")

    def test_not_utf8(self):
        self.one_error(b"vendor.io/a=\xff\n", "not UTF-8")

    def test_warnings(self):
        r = parse("vendor.io/a=1\nvendor.io/a=2\n")
        self.assertEqual(r.errors, [])
        self.assertEqual(r.labels, {"vendor.io/a": "2"})
        self.assertIn("last value wins", r.warnings[0][1])
        r = parse("vendor.io/a\n", name="/x/.hidden")
        self.assertIn("ignores dot files", r.warnings[0][1])

    def test_cli_exit_status(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            good, bad = os.path.join(d, "good"), os.path.join(d, "bad")
            with open(good, "w") as f:
                f.write("vendor.io/a=1\n")
            with open(bad, "w") as f:
                f.write("vendor.io/a=1\nfoo\n")
            self.assertEqual(nf.main([good]), 0)
            self.assertEqual(nf.main([bad]), 1)
            self.assertEqual(nf.main([good, os.path.join(d, "missing")]), 1)


if __name__ == "__main__":
    unittest.main(verbosity=1)
