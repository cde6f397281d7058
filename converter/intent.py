"""The intent diff, by construction: what each Ingress asked for, against what the Gateway API objects do.

The source side is read from the normalized Ingresses (host, path, pathType as the controller matched it, backend,
served over HTTP and, for TLS hosts, HTTPS); the output side is the generated objects read back into a routing
table (converter/readback.py). Every difference must be explained by a finding on that Ingress whose code is listed
for the difference's kind in EXPLAINED_BY; a difference nothing explains becomes an `unexplained-change` error, so
that a bug can never drop or change behaviour in silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import emit
from .findings import Finding, Severity
from .mapping import load_table
from .model import Backend, Ingress
from .readback import Route, _grpc_match, match_key, read_routes, show_match
from .vendors import get as get_vendor

if TYPE_CHECKING:
    from .options import Options
    from .pipeline import Result

ANNOTATION = "@annotation"  # an annotation of the Ingress that changes routing (converted or approximated)
AT_LINE = "@line"  # a warning or error finding pointing at the path's own line

# The kinds of difference, and what may explain each: finding codes, code families ("canary-" is every code that
# starts so), or the two markers above. The table is the whole of the explanation logic.
EXPLAINED_BY: dict[str, frozenset[str]] = {
    "path-dropped": frozenset({
        "path-invalid", "path-type-invalid", "host-invalid", "path-duplicate", "invalid-object", "ingress-skipped",
        "ingress-ignored-by-controller", "canary-", "annotation-invalid-value", AT_LINE}),
    "https-not-served": frozenset({
        "tls-default-certificate", "tls-not-enabled", "security-not-enforced", "host-invalid", "ingress-skipped",
        ANNOTATION}),
    "http-not-served": frozenset({"tls-redirect", "ingress-skipped", ANNOTATION, AT_LINE}),
    "match-changed": frozenset({
        "path-regex", "path-prefix-by-characters", "path-implementation-specific", "path-regex-host-wide",
        "path-type-invalid", "backend-protocol", ANNOTATION, AT_LINE}),
    "conditions-added": frozenset({"canary-", ANNOTATION}),
    "backend-changed": frozenset({
        "backend-port-unresolved", "backend-missing", "backend-resource", "canary-", ANNOTATION, AT_LINE}),
    "https-redirect": frozenset({"tls-redirect", ANNOTATION}),
    "redirected": frozenset({ANNOTATION}),
    "filters-added": frozenset({"tls-hsts", ANNOTATION}),
    "options-added": frozenset({ANNOTATION}),
    "route-added": frozenset({"default-backend", "canary-", "wildcard-host", ANNOTATION}),
}

# Codes that another Ingress of the same host may carry for a difference on this one (a canary merged into its
# primary, host-wide regex mode, the winner of a duplicate path).
CROSS_INGRESS = frozenset({"canary-merged", "path-regex-host-wide", "path-duplicate"})

# The same namespace/name twice in the input (duplicate-object): their routes cannot be told apart, so any
# difference between the copies is explained by that finding.
for _kind in EXPLAINED_BY:
    EXPLAINED_BY[_kind] |= {"duplicate-object"}

KIND_TEXT = {
    "path-dropped": "not routed any more",
    "https-not-served": "no longer served over HTTPS",
    "http-not-served": "no longer served over plain HTTP",
    "match-changed": "matched differently",
    "conditions-added": "routed by extra conditions (headers, query, method)",
    "backend-changed": "sent to other backends",
    "https-redirect": "redirected to HTTPS",
    "redirected": "redirected",
    "filters-added": "modified by filters",
    "options-added": "given timeouts, retries or session persistence",
    "route-added": "a route the Ingress did not have",
}


@dataclass
class SourcePath:
    """One path of an Ingress as its controller served it."""

    host: str
    path: str
    path_type: str
    match: tuple[str, str]
    backend: Backend | None
    line: int
    schemes: tuple[str, ...]
    default: bool = False

    def describe_backend(self) -> str:
        b = self.backend
        if b is None:
            return "(no backend)"
        name = b.name if b.kind == "Service" and not b.group else f"{b.kind}/{b.name}"
        port = b.port if b.port is not None else b.port_name
        return f"{name}:{port}" if port is not None else name


@dataclass
class Difference:
    kind: str
    host: str
    scheme: str
    line: int
    source: str  # what the Ingress did
    output: str  # what the Gateway API objects do
    explained_by: list[str] = field(default_factory=list)  # finding codes or "annotation KEY (status)"

    @property
    def explained(self) -> bool:
        return bool(self.explained_by)

    def text(self) -> str:
        where = f"{self.host or '*'} ({self.scheme})"
        return f"{where}: {self.source} is {KIND_TEXT.get(self.kind, self.kind)}: {self.output}"


@dataclass
class IngressIntent:
    ingress: Ingress
    paths: list[SourcePath]
    routes: list[Route]
    differences: list[Difference]
    served: dict[int, list[Route]] = field(default_factory=dict)  # index in paths -> the routes that serve it

    def side_by_side(self) -> list[tuple[SourcePath, list[Route]]]:
        """Each source path with what the Gateway API objects do for it (HTTPS first), for the diff views."""
        return [(p, sorted(self.served.get(i, []), key=lambda r: (r.scheme != "https", r.scheme, r.conditions)))
                for i, p in enumerate(self.paths)]

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if not d.explained]


def source_of(ing: Ingress) -> str:
    """The value of ing2gw.io/source on the objects generated from this Ingress (see emit.metadata)."""
    return f"Ingress {ing.key}" if ing.namespace else f"Ingress {ing.name}"


def controller_match(ing: Ingress, path: str, path_type: str, options: Options | None = None) -> tuple[str, str]:
    """The path condition as the Ingress's controller applied it, in readback.match_key form."""
    vendor = get_vendor(ing.vendor)
    ptype = {"exact": "Exact", "prefix": "Prefix"}.get(path_type.lower(), path_type)
    path = path or "/"
    strict = options is not None and vendor.name == "traefik" and options.traefik_strict_prefix
    chars = vendor.prefix_matches_characters and not strict
    if ptype == "Exact":
        return match_key("Exact", path)
    if ptype == "Prefix":
        return match_key("chars" if chars else "PathPrefix", path)
    mode = vendor.implementation_specific
    if mode == "segment" or (mode == "characters" and strict):
        return match_key("PathPrefix", path)
    if mode == "characters":
        return match_key("chars", path)
    return ("unknown", path)


def source_paths(result: Result, options: Options | None = None) -> dict[int, list[SourcePath]]:
    """id(Ingress) -> its paths, with the schemes each was served on (HTTPS for the hosts that had TLS)."""
    tls_hosts: dict[str, set[str]] = {}
    for ing in result.ingresses:
        scope = tls_hosts.setdefault(f"{ing.vendor}/{ing.ingress_class or ''}", set())
        for t in ing.tls:
            scope.update(t.hosts or ing.hosts)
        if ing.tls and get_vendor(ing.vendor).tls_all_rule_hosts:
            scope.update(h for h in ing.hosts if h)
    out: dict[int, list[SourcePath]] = {}
    for ing in result.ingresses:
        scope = tls_hosts.get(f"{ing.vendor}/{ing.ingress_class or ''}", set())

        def schemes(host: str, scope: set[str] = scope) -> tuple[str, ...]:
            wild = "*." + host.split(".", 1)[-1] if "." in host else ""
            return ("http", "https") if host in scope or (host and wild in scope) else ("http",)

        paths = []
        for p in ing.paths:
            paths.append(SourcePath(p.host, p.path or "/", p.path_type, controller_match(ing, p.path, p.path_type,
                                                                                         options),
                                    p.backend, p.line, schemes(p.host)))
        if ing.default_backend is not None:
            line = next((r.line for r in ing.rules if r.default), ing.obj.line)
            for host in sorted({p.host for p in paths}) or [""]:
                if not any(p.host == host and p.match == ("any", "/") for p in paths):
                    paths.append(SourcePath(host, "/", "defaultBackend", ("any", "/"), ing.default_backend, line,
                                            schemes(host), default=True))
        out[id(ing)] = paths
    return out


def analyse(result: Result, options: Options | None = None) -> list[IngressIntent]:
    """Compare every Ingress with what the output does for it; differences carry their explanations."""
    by_source: dict[str, list[Route]] = {}
    for r in read_routes(result.objects):
        by_source.setdefault(r.source, []).append(r)
    paths_of = source_paths(result, options)
    findings: dict[tuple[str, str, str], list[Finding]] = {}
    for f in result.findings:
        findings.setdefault((f.file, f.namespace, f.name), []).append(f)
    common = load_table("common.yaml").prefixes
    services: dict[tuple[str, str], list[Finding]] = {}  # annotations on backend Services (Kong reads them)
    for f in result.findings:
        if f.kind == "Service" and f.annotation:
            services.setdefault((f.namespace, f.name), []).append(f)
    by_host: dict[str, list[tuple[Ingress, Finding]]] = {}
    for ing in result.ingresses:
        for f in findings.get((ing.obj.file, ing.namespace, ing.name), []):
            if f.code in CROSS_INGRESS:
                for h in ing.hosts or [""]:
                    by_host.setdefault(h, []).append((ing, f))
    groups: dict[str, list[Ingress]] = {}  # Ingresses that share namespace/name (duplicates) share their routes
    for ing in result.ingresses:
        groups.setdefault(source_of(ing), []).append(ing)
    out = []
    for source, members in groups.items():
        routes = by_source.get(source, [])
        claimed: set[int] = set()
        results = []
        for ing in members:
            served: dict[int, list[Route]] = {}
            diffs = _compare(ing, paths_of[id(ing)], routes, served, claimed)
            results.append((ing, diffs, served))
        for r in routes:
            if id(r) not in claimed:
                owner = next((i for i, _, _ in results if r.host in i.hosts), results[0][0])
                diff = Difference("route-added", r.host, r.scheme, owner.obj.line, "(nothing)",
                                  f"{show_match(r.match)}{' ' + r.conditions if r.conditions else ''} -> "
                                  f"{r.describe()}")
                next(d for i, d, _ in results if i is owner).append(diff)
        for ing, diffs, served in results:
            diffs = _dedupe(diffs)
            mine = [f for f in findings.get((ing.obj.file, ing.namespace, ing.name), [])
                    if f.kind in ("Ingress", "")]
            annotations = [f"annotation {k} ({s})" for k, s in ing.ann_status.items()
                           if s in ("converted", "approximated") and not k.startswith(common)]
            mine += [f for other in members if other is not ing  # the copy that carries duplicate-object
                     for f in findings.get((other.obj.file, other.namespace, other.name), [])
                     if f.code == "duplicate-object"]
            backends = {p.backend.name for p in paths_of[id(ing)] if p.backend is not None}
            mine += [f for name in sorted(backends) for f in services.get((ing.namespace, name), [])]
            for d in diffs:
                d.explained_by = _explain(d, mine, annotations)
                if not d.explained_by:
                    d.explained_by = [f"{f.code} (Ingress {other.key})" for other, f in by_host.get(d.host, [])
                                      if other is not ing and _allowed(f.code, d.kind)]
            mine_routes = [r for r in routes if len(members) == 1 or any(r in v for v in served.values())]
            out.append(IngressIntent(ing, paths_of[id(ing)], mine_routes, diffs, served))
    order = {id(ing): i for i, ing in enumerate(result.ingresses)}
    out.sort(key=lambda it: order[id(it.ingress)])
    return out


def apply(result: Result, options: Options | None = None) -> list[IngressIntent]:
    """analyse(), then add an `unexplained-change` error for every difference that no finding explains."""
    intents = analyse(result, options)
    added = False
    for it in intents:
        ing = it.ingress
        for d in it.unexplained:
            result.findings.append(Finding(
                "unexplained-change", f"{d.text()}; no finding explains this difference (a bug in ing2gw)",
                kind="Ingress", namespace=ing.namespace, name=ing.name, file=ing.obj.file, line=d.line,
                hint="please report it with this Ingress; check the generated routes for this path by hand"))
            added = True
    if added:
        result.findings.sort(key=Finding.sort_key)
        for s in result.statuses:
            if s.status == "converted" and any(f.code == "unexplained-change" and f.file == s.file
                                               and f.namespace == s.namespace and f.name == s.name
                                               for f in result.findings):
                s.status = "partial"
    return intents


def _allowed(code: str, kind: str) -> bool:
    allowed = EXPLAINED_BY[kind]
    return code in allowed or any(code.startswith(a) for a in allowed if a.endswith("-"))


def _explain(d: Difference, mine: list[Finding], annotations: list[str]) -> list[str]:
    allowed = EXPLAINED_BY[d.kind]
    families = tuple(a for a in allowed if a.endswith("-"))
    codes: dict[str, None] = {}
    for f in mine:
        if f.code == "unexplained-change":
            continue
        by_code = f.code in allowed or bool(families and f.code.startswith(families))
        serious = f.severity >= Severity.WARNING  # type: ignore[operator]
        at_line = AT_LINE in allowed and bool(d.line) and f.line == d.line and serious
        by_annotation = ANNOTATION in allowed and bool(f.annotation) and serious
        if by_code or at_line or by_annotation:
            codes[f.code] = None
    if ANNOTATION in allowed:
        codes.update(dict.fromkeys(annotations))
    return list(codes)


def _model_rules(ing: Ingress, p: SourcePath) -> list:
    """The rules the vendor built for this path (the link from a source path to its output rules)."""
    return [r for r in ing.rules if not r.dropped and r.host == p.host
            and (r.line == p.line or (p.default and r.default))]


def _model_keys(ing: Ingress, p: SourcePath) -> set[tuple[str, str]]:
    keys = set()
    for r in _model_rules(ing, p):
        for m in r.matches:
            if r.protocol == "grpc":
                keys.add(_grpc_match(emit.grpc_match(m))[0])
            else:
                keys.add(match_key(m.path_type, m.path))
    return keys


def _same_backend(src: Backend | None, out: list[dict]) -> bool:
    if src is None:
        return not out
    if len(out) != 1:
        return False
    b = out[0]
    if b.get("name") != src.name or b.get("weight") == 0:
        return False
    return src.port is None or b.get("port") == src.port


def _compare(ing: Ingress, paths: list[SourcePath], routes: list[Route], served: dict[int, list[Route]],
             claimed: set[int]) -> list[Difference]:
    """The differences of each source path; the routes that serve a path go to `served` and `claimed`."""
    diffs: list[Difference] = []
    hsts = get_vendor(ing.vendor).hsts is not None  # the controller added Strict-Transport-Security itself
    for index, p in enumerate(paths):
        src = f"{p.path} ({p.path_type or 'ImplementationSpecific'}) -> {p.describe_backend()}"
        model = None
        for scheme in p.schemes:
            here = [r for r in routes if r.host == p.host and r.scheme == scheme]
            primary = [r for r in here if r.match == p.match]
            kind_match = None
            if not primary:
                model = _model_keys(ing, p) if model is None else model
                primary = [r for r in here if r.match in model]
                if primary:
                    kind_match = "match-changed"
            claimed.update(id(r) for r in primary)
            served.setdefault(index, []).extend(primary)
            plain = [r for r in primary if not r.conditions]
            if kind_match:
                shown = ", ".join(sorted({show_match(r.match) for r in primary}))
                diffs.append(Difference(kind_match, p.host, scheme, p.line, src, shown))
            if primary and len(plain) < len(primary):
                diffs.append(Difference("conditions-added", p.host, scheme, p.line, src, "; ".join(
                    f"{r.conditions} -> {r.describe()}" for r in primary if r.conditions)))
            if not primary:
                if scheme == "https" and not any(r.host == p.host and r.scheme == "https" for r in routes):
                    diffs.append(Difference("https-not-served", p.host, scheme, p.line, src, "no HTTPS listener"))
                elif scheme == "http" and (
                        any(r.host == p.host and r.scheme != "http" for r in routes)
                        and not any(r.host == p.host and r.scheme == "http" for r in routes)
                        or any(not r.serve_http or (r.protocol == "grpc" and r.https_redirect)
                               for r in _model_rules(ing, p))):
                    diffs.append(Difference("http-not-served", p.host, scheme, p.line, src, "no HTTP route"))
                else:
                    diffs.append(Difference("path-dropped", p.host, scheme, p.line, src, "no matching route"))
                continue
            for r in plain:
                diffs += _compare_action(p, scheme, src, r, hsts)
    return diffs


def _only_hsts(rule: dict) -> bool:
    for f in rule.get("filters") or []:
        if f.get("type") == "ResponseHeaderModifier":
            mod = f.get("responseHeaderModifier") or {}
            names = {h.get("name", "").lower() for h in (mod.get("set") or []) + (mod.get("add") or [])}
            return names == {emit.HSTS_HEADER.lower()} and not mod.get("remove")
    return False


def _compare_action(p: SourcePath, scheme: str, src: str, r: Route, hsts: bool) -> list[Difference]:
    out = []
    filters = list(r.filters)
    if hsts and scheme == "https" and "ResponseHeaderModifier" in filters and _only_hsts(r.rule):
        filters.remove("ResponseHeaderModifier")  # the controller's own HSTS header, carried over
    if r.redirect is not None:
        plain_https = scheme == "http" and r.redirect.get("scheme") == "https" and \
            set(r.redirect) <= {"scheme", "statusCode"}
        out.append(Difference("https-redirect" if plain_https else "redirected", p.host, scheme, p.line, src,
                              r.describe()))
    elif not _same_backend(p.backend, r.backends):
        out.append(Difference("backend-changed", p.host, scheme, p.line, src, r.describe()))
    if filters:
        out.append(Difference("filters-added", p.host, scheme, p.line, src, ", ".join(filters)))
    if r.options:
        out.append(Difference("options-added", p.host, scheme, p.line, src, ", ".join(r.options)))
    return out


def _dedupe(diffs: list[Difference]) -> list[Difference]:
    seen: dict[tuple, Difference] = {}
    for d in diffs:
        seen.setdefault((d.kind, d.host, d.scheme, d.line, d.source, d.output), d)
    return list(seen.values())
