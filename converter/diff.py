"""Semantic diffs: two versions of a set of manifests (`ing2gw diff --base OLD --head NEW`) and committed output
against a fresh conversion (`ing2gw convert --check DIR`). Order, formatting and comments never count.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from deepdiff import DeepDiff

from .findings import Finding, Severity
from .intent import output_action
from .loader import LoadResult, load_paths
from .options import Options
from .pipeline import Result, convert
from .readback import Route, read_routes, show_match

GW_API_GROUP = "gateway.networking.k8s.io"
GW_KINDS = frozenset({"Gateway", "GatewayClass", "ListenerSet", "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute",
                      "UDPRoute", "ReferenceGrant", "BackendTLSPolicy"})
SERVER_FIELDS = ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink")


def gateway_objects(loaded: LoadResult) -> list[dict]:
    """The Gateway API objects among loaded manifests (what a repository commits next to, or instead of, Ingresses)."""
    return [o.data for o in loaded.objects if o.kind in GW_KINDS and o.api_version.startswith(GW_API_GROUP + "/")]


@dataclass
class Side:
    """One version of the manifests: the conversion of its Ingresses and the routing table of everything."""

    result: Result
    routes: dict[tuple, dict[str, Any]]  # Route.key -> {"action", "describe", "sources"}


def read_side(loaded: LoadResult, options: Options | None = None) -> Side:
    result = convert(loaded, options)
    table: dict[tuple, dict[str, Any]] = {}
    for r in read_routes(result.objects + gateway_objects(loaded)):
        entry = table.setdefault(r.key, {"actions": {}, "sources": set(), "route": r})
        entry["actions"][route_action(r)] = r.describe()
        entry["sources"].add(r.source)
    return Side(result, table)


def route_action(r: Route) -> str:
    """What a request gets, to compare two versions: backends with the namespace they resolve in (a rule that moved
    to another namespace sends to other Services), filters and options with their values (another rewrite target
    or timeout routes differently). Which object holds the rule does not count."""
    namespace = r.route.split(" ", 1)[-1].rpartition("/")[0]
    rule = dict(r.rule)
    refs = []
    for b in rule.get("backendRefs") or []:
        if isinstance(b, dict):
            b = dict(b)
            b["namespace"] = b.get("namespace") or namespace
            if b.get("weight") == 1:  # the default
                b.pop("weight")
            refs.append(b)
    rule["backendRefs"] = refs
    return output_action(rule, ordered=False)


@dataclass
class RouteChange:
    host: str
    scheme: str
    match: str
    conditions: str
    before: str  # "" when the route is new
    after: str  # "" when the route is gone
    sources: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def change(self) -> str:
        return "added" if not self.before else "removed" if not self.after else "changed"

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "host": self.host, "scheme": self.scheme, "match": self.match,
                "conditions": self.conditions, "before": self.before, "after": self.after, "sources": self.sources,
                "details": self.details}


@dataclass
class ChangeSet:
    base: Side
    head: Side
    routes: list[RouteChange]
    new_findings: list[Finding]
    gone_findings: list[Finding]

    def failing(self, fail_on: str) -> list[Finding]:
        if fail_on == "never":
            return []
        level = Severity.parse(fail_on)
        return [f for f in self.new_findings if not f.accepted and f.severity >= level]  # type: ignore[operator]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": "1",
            "routes": [c.to_dict() for c in self.routes],
            "findings": {"new": [f.to_dict() for f in self.new_findings],
                         "gone": [f.to_dict() for f in self.gone_findings]},
            "base": _counts(self.base.result), "head": _counts(self.head.result),
        }


def _counts(result: Result) -> dict[str, Any]:
    return {"ingresses": len(result.statuses), "objects": len(result.objects), "findings": len(result.findings),
            "statuses": dict(sorted(Counter(s.status for s in result.statuses).items()))}


def _finding_key(f: Finding) -> tuple:
    return (f.code, f.kind, f.namespace, f.name, f.annotation)


def compare(base: LoadResult, head: LoadResult, options: Options | None = None) -> ChangeSet:
    """Which hosts and paths route differently, and which findings are new or gone, from base to head."""
    a, b = read_side(base, options), read_side(head, options)
    changes = []
    for key in sorted(set(a.routes) | set(b.routes), key=lambda k: (k[0], k[2], k[1], k[3])):
        old, new = a.routes.get(key), b.routes.get(key)
        if old and new and set(old["actions"]) == set(new["actions"]):
            continue
        details = []
        if old and new:
            before_actions = [json.loads(x) for x in sorted(old["actions"])]
            after_actions = [json.loads(x) for x in sorted(new["actions"])]
            dd = DeepDiff(before_actions, after_actions, ignore_order=True, verbose_level=2)
            details = [line for line in dd.pretty().splitlines() if line][:20]
        host, scheme, match, cond = key
        sources = sorted((old or {}).get("sources", set()) | (new or {}).get("sources", set()))
        changes.append(RouteChange(host, scheme, show_match(match), cond,
                                   " | ".join(sorted(old["actions"].values())) if old else "",
                                   " | ".join(sorted(new["actions"].values())) if new else "", sources, details))
    before = Counter(_finding_key(f) for f in a.result.findings)
    after = Counter(_finding_key(f) for f in b.result.findings)
    new_f, gone_f = [], []
    seen: Counter = Counter()
    for f in b.result.findings:
        k = _finding_key(f)
        seen[k] += 1
        if seen[k] > before.get(k, 0):
            new_f.append(f)
    seen = Counter()
    for f in a.result.findings:
        k = _finding_key(f)
        seen[k] += 1
        if seen[k] > after.get(k, 0):
            gone_f.append(f)
    return ChangeSet(a, b, changes, new_f, gone_f)


# -- --check: committed output against a fresh conversion -----------------------------------------------------------


def _identity(obj: dict) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    return (group, str(obj.get("kind", "")), str(meta.get("namespace") or ""), str(meta.get("name") or ""))


_REF_DEFAULTS = {"group": "", "kind": "Service", "weight": 1}
_PARENT_DEFAULTS = {"group": GW_API_GROUP, "kind": "Gateway"}
_SECRET_DEFAULTS = {"group": "", "kind": "Secret"}


def _drop(d: Any, defaults: dict) -> Any:
    if isinstance(d, dict):
        return {k: v for k, v in d.items() if not (k in defaults and v == defaults[k])}
    return d


def _defaults(obj: dict) -> dict:
    """The object without the values the API server fills in by default (a manifest exported from a cluster has
    them, a generated one does not): the same object either way."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return obj
    spec = dict(spec)
    kind = obj.get("kind")
    if isinstance(spec.get("parentRefs"), list):
        spec["parentRefs"] = [_drop(r, _PARENT_DEFAULTS) for r in spec["parentRefs"]]
    if isinstance(spec.get("rules"), list):
        spec["rules"] = [_rule_defaults(r, kind) for r in spec["rules"]]
    if kind == "Gateway" and isinstance(spec.get("listeners"), list):
        spec["listeners"] = [_listener_defaults(x) for x in spec["listeners"]]
    return {**obj, "spec": spec}


def _rule_defaults(rule: Any, kind: Any) -> Any:
    if not isinstance(rule, dict):
        return rule
    rule = dict(rule)
    if isinstance(rule.get("backendRefs"), list):
        rule["backendRefs"] = [_drop(b, _REF_DEFAULTS) for b in rule["backendRefs"]]
    if kind == "HTTPRoute" and isinstance(rule.get("matches"), list):
        matches = []
        for m in rule["matches"]:
            if isinstance(m, dict):
                m = dict(m)
                path = m.get("path")
                if isinstance(path, dict):
                    m["path"] = {"type": "PathPrefix", "value": "/", **path}
                for key in ("headers", "queryParams"):
                    if isinstance(m.get(key), list):
                        m[key] = [_drop(h, {"type": "Exact"}) for h in m[key]]
            matches.append(m)
        if matches in ([{"path": {"type": "PathPrefix", "value": "/"}}], [{}]):
            matches = []
        rule["matches"] = matches
        if not matches:
            rule.pop("matches")
    if isinstance(rule.get("filters"), list):
        filters = []
        for f in rule["filters"]:
            if isinstance(f, dict) and isinstance(f.get("requestRedirect"), dict):
                f = {**f, "requestRedirect": _drop(f["requestRedirect"], {"statusCode": 302})}
            filters.append(f)
        rule["filters"] = filters
    return rule


def _listener_defaults(lst: Any) -> Any:
    if not isinstance(lst, dict):
        return lst
    lst = dict(lst)
    tls = lst.get("tls")
    if isinstance(tls, dict):
        tls = _drop(tls, {"mode": "Terminate"})
        if isinstance(tls.get("certificateRefs"), list):
            tls["certificateRefs"] = [_drop(c, _SECRET_DEFAULTS) for c in tls["certificateRefs"]]
        lst["tls"] = tls
    if lst.get("allowedRoutes") == {"namespaces": {"from": "Same"}}:
        lst.pop("allowedRoutes")
    return lst


def _clean(obj: dict) -> dict:
    obj = _defaults({k: v for k, v in obj.items() if k != "status"})
    meta = dict(obj.get("metadata") or {})
    for k in SERVER_FIELDS:
        meta.pop(k, None)
    ann = dict(meta.get("annotations") or {})
    ann.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if ann:
        meta["annotations"] = ann
    else:
        meta.pop("annotations", None)
    obj["metadata"] = meta
    obj["apiVersion"] = str(obj.get("apiVersion", "")).rpartition("/")[0]  # v1 and v1beta1 serve the same objects
    return obj


def check(fresh: list[dict], committed: list[dict]) -> list[str]:
    """How the committed Gateway API objects differ from a fresh conversion (empty: up to date).

    Objects are matched by group, kind, namespace and name; their content is compared as data, lists without
    regard to order; server-set fields (status, resourceVersion, ...) are ignored.
    """
    want = {_identity(o): _clean(o) for o in fresh}
    have = {_identity(o): _clean(o) for o in committed if o.get("kind") in GW_KINDS}
    out = []
    for ident in sorted(set(want) | set(have)):
        _, kind, ns, name = ident
        label = f"{kind} {ns}/{name}" if ns else f"{kind} {name}"
        if ident not in have:
            out.append(f"+ {label}: missing from the committed manifests (a fresh conversion generates it)")
        elif ident not in want:
            out.append(f"- {label}: committed, but a fresh conversion no longer generates it")
        else:
            dd = DeepDiff(have[ident], want[ident], ignore_order=True, verbose_level=2)
            if dd:
                out.append(f"~ {label}: differs from a fresh conversion (committed -> fresh):")
                out += ["    " + line for line in dd.pretty().splitlines() if line][:40]
    return out


def load_committed(directory: str) -> LoadResult:
    return load_paths([directory])
