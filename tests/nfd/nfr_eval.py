# SPDX-License-Identifier: GPL-2.0-only
"""A small evaluator of NodeFeatureRule matchers, written from NFD's
customization guide ("Feature rule format"): enough to run the example
rules of deploy/kubernetes/ on the facts a guest exported.

  matchFeatures: every matcher must match (AND); matchAny: one of its
  matchFeatures lists must (OR); both present: both. A matcher on an
  attribute feature (local.label) applies each expression to the element
  named by its key; on an instance feature (memory.nv) it matches when one
  instance satisfies every expression. In, NotIn and the comparisons need
  the key to exist; DoesNotExist matches when it does not."""


def _expr(op, values, present, value):
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if not present:
        return False
    if op == "In":
        return value in values
    if op == "NotIn":
        return value not in values
    if op == "IsTrue":
        return value == "true"
    if op == "IsFalse":
        return value == "false"
    try:
        v, args = int(value), [int(a) for a in values]
    except ValueError:
        return False
    return {"Gt": lambda: v > args[0], "Ge": lambda: v >= args[0],
            "Lt": lambda: v < args[0], "Le": lambda: v <= args[0],
            "GtLt": lambda: args[0] < v < args[1],
            "GeLe": lambda: args[0] <= v <= args[1]}[op]()


def _matcher(m, features):
    feat = features.get(m["feature"])
    exprs = m.get("matchExpressions") or {}
    if feat is None:
        return False
    if isinstance(feat, dict):
        return all(_expr(e["op"], e.get("value") or [], k in feat, feat.get(k))
                   for k, e in exprs.items())
    return any(all(_expr(e["op"], e.get("value") or [], k in inst, inst.get(k))
                   for k, e in exprs.items()) for inst in feat)


def rule_matches(rule, features):
    ok = True
    if "matchFeatures" in rule:
        ok = all(_matcher(m, features) for m in rule["matchFeatures"])
    if ok and "matchAny" in rule:
        ok = any(all(_matcher(m, features) for m in alt["matchFeatures"])
                 for alt in rule["matchAny"])
    return ok


def evaluate(docs, features):
    """Labels and taints ("KEY=VALUE:EFFECT") the rules of @docs give."""
    labels, taints = {}, set()
    for doc in docs:
        if doc.get("kind") != "NodeFeatureRule":
            continue
        for rule in doc["spec"]["rules"]:
            if not rule_matches(rule, features):
                continue
            labels.update(rule.get("labels") or {})
            for t in rule.get("taints") or []:
                taints.add("%s=%s:%s" % (t["key"], t.get("value", ""), t["effect"]))
    return labels, taints


def node_affinity_matches(pod, node_labels):
    """requiredDuringScheduling nodeSelectorTerms (OR of ANDs) of @pod."""
    terms = (pod["spec"].get("affinity", {}).get("nodeAffinity", {})
             .get("requiredDuringSchedulingIgnoredDuringExecution", {})
             .get("nodeSelectorTerms", []))
    ops = {"In": lambda k, v: node_labels.get(k) in v,
           "NotIn": lambda k, v: node_labels.get(k) not in v,
           "Exists": lambda k, v: k in node_labels,
           "DoesNotExist": lambda k, v: k not in node_labels}
    return any(all(ops[e["operator"]](e["key"], e.get("values", []))
                   for e in t.get("matchExpressions", [])) for t in terms)
