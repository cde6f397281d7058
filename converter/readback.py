"""Read Gateway API objects back into a flat routing table: for each (host, scheme, match), what a request gets.

This is the output half of the intent diff (converter/intent.py) and the whole of `ing2gw diff --base --head` for
Gateway API manifests. It reads objects as data (any Gateway API manifests, not only ing2gw's), resolving each
route's parentRefs to the listeners of the Gateways and ListenerSets given, so that "which host and path goes where,
over HTTP or HTTPS" is answered the way a Gateway implementation would answer it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

SOURCE_ANNOTATION = "ing2gw.io/source"
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute")
SCHEMES = {"HTTP": "http", "HTTPS": "https", "TLS": "tls"}
_LITERAL = re.compile(r"^\^((?:\\[\\^$.|?*+()\[\]{}]|[^\\^$.|?*+()\[\]{}])*)\.\*$")


def match_key(path_type: str | None, value: str | None) -> tuple[str, str]:
    """A canonical, comparable form of a path condition: ('exact'|'prefix'|'chars'|'regex'|'any', value).

    Segment prefixes ignore a trailing slash (Ingress and Gateway API agree on that); a character prefix that is a
    regex literal `^/x.*` reads back as ('chars', '/x'); the root prefix, by segments or characters, is ('any', '/').
    """
    value = value or "/"
    if path_type is None:
        return ("any", "/")
    if path_type == "Exact":
        return ("exact", value)
    if path_type == "PathPrefix":
        value = value.rstrip("/") or "/"
        return ("any", "/") if value == "/" else ("prefix", value)
    if path_type == "chars":
        return ("any", "/") if value == "/" else ("chars", value)
    if path_type == "RegularExpression":
        m = _LITERAL.match(value)
        if m:
            literal = re.sub(r"\\(.)", r"\1", m.group(1))
            return ("any", "/") if literal in ("", "/") else ("chars", literal)
        return ("regex", value)
    return (path_type.lower(), value)


def show_match(key: tuple[str, str]) -> str:
    kind, value = key
    return {"exact": f"= {value}", "prefix": f"{value} (prefix)", "chars": f"{value}* (characters)",
            "regex": f"~ {value}", "any": "/ (everything)", "unknown": f"{value} (controller-specific)"}.get(
        kind, f"{kind} {value}")


@dataclass
class Route:
    """One row of the routing table: a condition on one listener and what the request gets."""

    source: str  # "Ingress ns/name" (ing2gw.io/source) or "<Kind> ns/name" of the route
    route: str  # "<Kind> ns/name"
    host: str  # "" when the route matches every host
    scheme: str  # http | https | tls
    match: tuple[str, str]
    conditions: str = ""  # headers, query parameters, method (canonical JSON), "" when none
    backends: list[dict] = field(default_factory=list)  # [{"name", "namespace"?, "port"?, "weight"?, "kind"?}]
    redirect: dict | None = None
    filters: list[str] = field(default_factory=list)  # filter types other than RequestRedirect
    options: list[str] = field(default_factory=list)  # timeouts, retry, sessionPersistence
    rule: dict = field(default_factory=dict)  # the Gateway API rule, as written

    @property
    def key(self) -> tuple:
        return (self.host, self.scheme, self.match, self.conditions)

    def action(self) -> dict[str, Any]:
        """What the request gets, for comparisons (order-insensitive)."""
        return {"backends": sorted(json.dumps(b, sort_keys=True) for b in self.backends),
                "redirect": self.redirect, "filters": sorted(self.filters), "options": sorted(self.options)}

    def describe(self) -> str:
        if self.redirect is not None:
            r = self.redirect
            target = "".join(str(x) for x in (r.get("scheme", "") and f"{r['scheme']}://", r.get("hostname", ""),
                                                (r.get("path") or {}).get("replaceFullPath", "")
                                                or (r.get("path") or {}).get("replacePrefixMatch", "")))
            text = f"redirect {r.get('statusCode', 302)}" + (f" to {target}" if target else "")
        elif self.backends:
            text = " + ".join(_show_backend(b) for b in self.backends)
        else:
            text = "500 (no backend)"
        extra = self.filters + self.options
        return text + (f" [{', '.join(extra)}]" if extra else "")


def _show_backend(b: dict) -> str:
    name = b.get("name", "")
    if b.get("kind") not in (None, "Service"):
        name = f"{b['kind']}/{name}"
    if b.get("namespace"):
        name = f"{b['namespace']}/{name}"
    text = f"{name}:{b['port']}" if b.get("port") is not None else name
    return text + (f" (weight {b['weight']})" if b.get("weight") is not None else "")


def _meta(obj: dict) -> dict:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def read_routes(objects: list[dict]) -> list[Route]:
    """The routing table of a set of Gateway API objects (other kinds are ignored)."""
    listeners: dict[tuple[str, str, str, str], dict] = {}  # (kind, ns, name, section) -> listener
    owners: dict[tuple[str, str, str], list[dict]] = {}  # (kind, ns, name) -> listeners
    for obj in objects:
        kind = obj.get("kind")
        if kind not in ("Gateway", "ListenerSet"):
            continue
        meta = _meta(obj)
        ns, name = meta.get("namespace") or "", meta.get("name") or ""
        for lst in (obj.get("spec") or {}).get("listeners") or []:
            if isinstance(lst, dict):
                listeners[(kind, ns, name, lst.get("name", ""))] = lst
                owners.setdefault((kind, ns, name), []).append(lst)
    out: list[Route] = []
    for obj in objects:
        kind = obj.get("kind")
        if kind not in ROUTE_KINDS:
            continue
        meta = _meta(obj)
        ns, name = meta.get("namespace") or "", meta.get("name") or ""
        route_id = f"{kind} {ns}/{name}" if ns else f"{kind} {name}"
        source = ((meta.get("annotations") or {}).get(SOURCE_ANNOTATION)) or route_id
        spec = obj.get("spec") or {}
        hostnames = [h for h in spec.get("hostnames") or [] if isinstance(h, str)]
        for host, scheme in _attachments(spec, ns, hostnames, listeners, owners):
            for rule in spec.get("rules") or []:
                if isinstance(rule, dict):
                    out += _rule_routes(kind, rule, source, route_id, host, scheme)
    return out


def _attachments(spec: dict, ns: str, hostnames: list[str], listeners: dict, owners: dict) -> list[tuple[str, str]]:
    """(host, scheme) pairs a route serves: its parentRefs' listeners, intersected with its hostnames."""
    seen: dict[tuple[str, str], None] = {}
    for ref in spec.get("parentRefs") or []:
        if not isinstance(ref, dict):
            continue
        pkind = ref.get("kind") or "Gateway"
        key = (pkind, ref.get("namespace") or ns, ref.get("name") or "")
        section = ref.get("sectionName")
        if section:
            found = listeners.get((*key, section))
            candidates = [found] if found else []
        else:
            candidates = owners.get(key, [])
        if not candidates:  # a parent that is not in the input: assume it serves plain HTTP on every host
            candidates = [{"protocol": "HTTP"}]
        for lst in candidates:
            scheme = SCHEMES.get(str(lst.get("protocol", "HTTP")).upper(), str(lst.get("protocol", "")).lower())
            lhost = lst.get("hostname") or ""
            if lhost:
                if hostnames:  # the intersection: the more specific of two matching names
                    hosts = [h for h in hostnames if _host_matches(lhost, h)]
                    hosts += [lhost for h in hostnames if h != lhost and _host_matches(h, lhost)]
                else:
                    hosts = [lhost]
            else:
                hosts = hostnames or [""]
            for h in hosts:
                seen.setdefault((h, scheme), None)
    return list(seen)


def _host_matches(pattern: str, host: str) -> bool:
    if pattern == host:
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) or (host.startswith("*.") and host.endswith(pattern[1:]))
    return False


def _rule_routes(kind: str, rule: dict, source: str, route_id: str, host: str, scheme: str) -> list[Route]:
    filters = [f for f in rule.get("filters") or [] if isinstance(f, dict)]
    redirect = next((f.get("requestRedirect") or {} for f in filters if f.get("type") == "RequestRedirect"), None)
    ftypes = sorted({str(f.get("type")) for f in filters if f.get("type") != "RequestRedirect"})
    backends = []
    for b in rule.get("backendRefs") or []:
        if isinstance(b, dict):
            ref = {k: b[k] for k in ("name", "namespace", "port", "weight") if k in b}
            if b.get("kind") not in (None, "Service") or b.get("group"):
                ref["kind"] = b.get("kind") or "Service"
            if b.get("filters"):
                ftypes = sorted(set(ftypes) | {f"backend:{f.get('type')}" for f in b["filters"]})
            backends.append(ref)
    options = sorted(k for k in ("timeouts", "retry", "sessionPersistence") if rule.get(k))
    matches = rule.get("matches") or [{}]
    out = []
    for m in matches:
        if not isinstance(m, dict):
            continue
        if kind == "GRPCRoute":
            key, cond = _grpc_match(m)
        elif kind == "TLSRoute":
            key, cond = ("any", "/"), ""
        else:
            path = m.get("path")
            key = match_key(path.get("type", "PathPrefix"), path.get("value", "/")) if isinstance(path, dict) \
                else ("any", "/")
            rest = {k: m[k] for k in ("headers", "queryParams", "method") if m.get(k)}
            cond = json.dumps(rest, sort_keys=True) if rest else ""
        out.append(Route(source, route_id, host, scheme, key, cond, backends, redirect, ftypes, options, rule))
    return out


def _grpc_match(m: dict) -> tuple[tuple[str, str], str]:
    method = m.get("method") or {}
    service, name = method.get("service"), method.get("method")
    if service and name and method.get("type", "Exact") == "Exact":
        key: tuple[str, str] = ("exact", f"/{service}/{name}")
    elif service and method.get("type", "Exact") == "Exact":
        key = ("prefix", f"/{service}")
    elif method:
        key = ("regex", json.dumps(method, sort_keys=True))
    else:
        key = ("any", "/")
    cond = json.dumps({"headers": m["headers"]}, sort_keys=True) if m.get("headers") else ""
    return key, cond
