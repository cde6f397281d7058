"""The intent diff, by construction: what each Ingress asked for, against what the Gateway API objects do.

The source side is read from the normalized Ingresses (host, path, pathType as the controller matched it, backend,
served over HTTP and, for TLS hosts, HTTPS); the output side is the generated objects read back into a routing
table (converter/readback.py). Every difference must be explained by a finding on that Ingress that can cause it:
a code listed for the difference's kind in EXPLAINED_BY, or an annotation whose family (its table entry's
`category`, FAMILY_KINDS) can cause that kind. A second half compares the output with the vendor's converted rules
(`output-differs`: a dropped filter, another weight or rewrite value, a lost redirect), which nothing explains. A
difference nothing explains becomes an `unexplained-change` error, so that a bug can never drop or change behaviour
in silence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING

from . import emit
from .findings import Finding, Severity
from .mapping import Entry, Table, load_table
from .model import Backend, Ingress, Rule
from .options import Options
from .readback import Route, _grpc_match, match_key, read_routes, show_match
from .vendors import get as get_vendor

if TYPE_CHECKING:
    from .pipeline import Result

ACCEPT_ANNOTATION = "ing2gw.io/accept"
ANNOTATION = "@annotation"  # an annotation of the Ingress that changes routing (converted or approximated)
AT_LINE = "@line"  # a warning or error finding pointing at the path's own line

# The kinds of difference, and what may explain each: finding codes, code families ("canary-" is every code that
# starts so), or the two markers above. The table is the whole of the explanation logic.
EXPLAINED_BY: dict[str, frozenset[str]] = {
    "path-dropped": frozenset({
        "path-invalid", "path-type-invalid", "host-invalid", "path-duplicate", "invalid-object", "ingress-skipped",
        "ingress-ignored-by-controller", "canary-", "annotation-invalid-value", AT_LINE,
        ANNOTATION}),  # only annotations of a family that can drop a path (routing), see FAMILY_KINDS
    "https-not-served": frozenset({
        "tls-default-certificate", "tls-not-enabled", "security-not-enforced", "host-invalid", "ingress-skipped",
        "host-collision", ANNOTATION}),
    "http-not-served": frozenset({"tls-redirect", "ingress-skipped", "host-collision", ANNOTATION}),
    "match-changed": frozenset({
        "path-regex", "path-prefix-by-characters", "path-implementation-specific", "path-regex-host-wide",
        "path-type-invalid", "backend-protocol", ANNOTATION, AT_LINE}),
    "conditions-added": frozenset({"canary-", ANNOTATION}),
    "backend-changed": frozenset({
        "backend-port-unresolved", "backend-missing", "backend-resource", "canary-", ANNOTATION}),
    # answered with an error status (a rule without backends) instead of its backend
    "denied": frozenset({
        "backend-port-unresolved", "backend-missing", "backend-resource", "location-denied", "canary-", ANNOTATION}),
    "https-redirect": frozenset({"tls-redirect", ANNOTATION}),
    "redirected": frozenset({ANNOTATION}),
    "filters-added": frozenset({"tls-hsts", ANNOTATION}),
    "options-added": frozenset({ANNOTATION}),
    "route-added": frozenset({"default-backend", "canary-", "wildcard-host", ANNOTATION}),
    # the output does not do what the vendor's converted rules say (a dropped filter, another weight, a lost
    # redirect): the planner and the emitter must carry every rule over as it is, so nothing explains this
    "output-differs": frozenset(),
}

# What each annotation family (the `category` of its table entry) can do to routing: a converted or approximated
# annotation, or a finding about it, explains a difference only when its family can cause that kind of
# difference. A rewrite annotation explains an added filter, never a dropped path or another backend; a timeout
# explains timeouts, never a redirect. An entry whose category is not listed here explains nothing (a test keeps
# every converted or approximated entry of every table covered).
FAMILY_KINDS: dict[str, frozenset[str]] = {
    "redirect": frozenset({"redirected", "https-redirect", "http-not-served", "route-added"}),
    "tls-redirect": frozenset({"https-redirect", "redirected", "http-not-served", "route-added",
                               "conditions-added", "filters-added"}),  # nginx-inc redirect-to-https: X-F-Proto
    "tls": frozenset({"https-not-served", "http-not-served", "route-added"}),
    "hsts": frozenset({"filters-added", "conditions-added"}),  # nginx-inc hsts-behind-proxy: on X-F-Proto
    "backend": frozenset({"match-changed", "http-not-served", "filters-added"}),
    "backend-protocol": frozenset({"match-changed", "http-not-served", "filters-added"}),
    "backend-tls": frozenset(),  # BackendTLSPolicy: no routing difference
    "class": frozenset(),  # which controller serves the Ingress: no routing difference
    "routing": frozenset({"match-changed", "conditions-added", "route-added", "path-dropped", "http-not-served",
                          "https-not-served", "backend-changed", "denied", "options-added", "filters-added",
                          "redirected"}),
    "rewrite": frozenset({"filters-added", "match-changed", "redirected", "route-added"}),
    "headers": frozenset({"filters-added"}),
    "access-control": frozenset({"denied"}),  # an invalid allow-list: the controller denied the path
    "external-auth": frozenset({"filters-added"}),  # ExternalAuth (experimental channel)
    "auth": frozenset({"filters-added"}),
    "cors": frozenset({"filters-added"}),
    "mirroring": frozenset({"filters-added"}),
    "timeouts": frozenset({"options-added"}),
    "retries": frozenset({"options-added"}),
    "session-affinity": frozenset({"options-added"}),
    "session": frozenset({"options-added"}),
    "canary": frozenset({"backend-changed", "denied", "conditions-added", "route-added", "path-dropped",
                         "https-not-served",
                         "http-not-served"}),  # a canary is served by its primary's routes
    "plugin-ref": frozenset({"filters-added", "redirected", "https-redirect", "options-added", "http-not-served"}),
    "middleware": frozenset({"filters-added", "redirected", "https-redirect", "options-added", "http-not-served"}),
}

# The codes that say what became of an annotation (the engine's status findings): about an annotation, they explain
# only what the annotation's family can cause, even where the code itself is listed.
STATUS_CODES = frozenset({"annotation-approximated", "annotation-needs-experimental", "annotation-unsupported",
                          "annotation-implementation-specific", "annotation-ignored", "annotation-unknown",
                          "annotation-invalid-value", "security-not-enforced"})

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
    "denied": "answered with an error instead of its backend",
    "https-redirect": "redirected to HTTPS",
    "redirected": "redirected",
    "filters-added": "modified by filters",
    "options-added": "given timeouts, retries or session persistence",
    "route-added": "a route the Ingress did not have",
    "output-differs": "not what the converted rule says",
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


def controller_match(ing: Ingress, path: str, path_type: str, options: Options | None = None,
                     host: str = "") -> tuple[str, str]:
    """The path condition as the Ingress's controller applied it, in readback.match_key form."""
    vendor = get_vendor(ing.vendor)
    ptype = {"exact": "Exact", "prefix": "Prefix"}.get(path_type.lower(), path_type)
    path = path or "/"
    if vendor.name == "ingress-nginx" and (ing.extra.get("regex_hosts") or {}).get(host.lower()):
        # host-wide regex mode: `location ~* "^PATH"` for every pathType, in the vendor's canonical regex form
        from .vendors.ingress_nginx import nginx_regex

        return ("any", "/") if path == "/" else match_key("RegularExpression", nginx_regex(path))
    strict = options is not None and vendor.name == "traefik" and options.traefik_strict_prefix
    chars = vendor.prefix_matches_characters and not strict
    if ptype == "Exact":
        return match_key("Exact", path)
    if path == "/":
        return ("any", "/")  # a prefix `/`, by segments or characters, matches every path
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
        if ing.tls_ignored:
            continue
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
                                                                                         options, p.host),
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
    families = _Families(options)
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
        model_diffs = _compare_model(members, routes)
        for r in routes:
            if id(r) not in claimed:
                owner = next((i for i, _, _ in results if r.host in i.hosts), results[0][0])
                diff = Difference("route-added", r.host, r.scheme, owner.obj.line, "(nothing)",
                                  f"{show_match(r.match)}{' ' + r.conditions if r.conditions else ''} -> "
                                  f"{r.describe()}")
                next(d for i, d, _ in results if i is owner).append(diff)
        for ing, diffs, served in results:
            diffs = _dedupe(diffs + model_diffs.get(id(ing), []))
            mine = [f for f in findings.get((ing.obj.file, ing.namespace, ing.name), [])
                    if f.kind in ("Ingress", "")]
            annotations = [(k, s) for k, s in ing.ann_status.items()
                           if s in ("converted", "approximated") and not k.startswith(common)]
            mine += [f for other in members if other is not ing  # the copy that carries duplicate-object
                     for f in findings.get((other.obj.file, other.namespace, other.name), [])
                     if f.code == "duplicate-object"]
            backends = {p.backend.name for p in paths_of[id(ing)] if p.backend is not None}
            mine += [f for name in sorted(backends) for f in services.get((ing.namespace, name), [])]
            family = families.of(ing.vendor)
            for d in diffs:
                d.explained_by = _explain(d, mine, annotations, family)
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
        accepts = {c.strip() for c in ing.annotations.get(ACCEPT_ANNOTATION, "").split(",")}
        for d in it.unexplained:
            f = Finding(
                "unexplained-change", f"{d.text()}; no finding explains this difference (a bug in ing2gw)",
                kind="Ingress", namespace=ing.namespace, name=ing.name, file=ing.obj.file, line=d.line,
                hint="please report it with this Ingress; check the generated routes for this path by hand")
            f.accepted = "unexplained-change" in accepts  # added after the pipeline applied the annotation
            result.findings.append(f)
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


class _Families:
    """The family (table `category`) of an annotation, per vendor, from the vendor's own tables."""

    def __init__(self, options: Options | None) -> None:
        self.ctx = SimpleNamespace(options=options or Options())
        self.cache: dict[str, Callable[[str], str]] = {}

    def of(self, vendor: str) -> Callable[[str], str]:
        if vendor not in self.cache:
            try:
                tables = get_vendor(vendor).load_tables(self.ctx)  # type: ignore[arg-type]
            except (FileNotFoundError, KeyError):  # a vendor without a table of its own
                tables = []
            known: dict[str, str] = {}

            def of(key: str, tables: list[Table] = tables, known: dict[str, str] = known) -> str:
                if key not in known:
                    known[key] = family_of(tables, key)
                return known[key]

            self.cache[vendor] = of
        return self.cache[vendor]


def family_of(tables: list[Table], key: str) -> str:
    """The category of the table entry an annotation key resolves to ("" when none: it explains nothing)."""
    if key.startswith("Service ") and ": " in key:  # Kong: annotations of a backend Service
        key = key.split(": ", 1)[1]
    for table in tables:
        found = table.lookup(key)
        if found is not None:
            entry: Entry | None = found[1]
            return entry.category if entry is not None else ""
    return ""


def _explain(d: Difference, mine: list[Finding], annotations: list[tuple[str, str]],
             family: Callable[[str], str]) -> list[str]:
    """The codes (and converted annotations) that explain a difference: a finding whose code is listed for the
    kind; a warning or error about an annotation whose family can cause this kind; a warning or error about the
    path's own line (no annotation); a converted or approximated annotation whose family can cause it."""
    allowed = EXPLAINED_BY[d.kind]
    families = tuple(a for a in allowed if a.endswith("-"))
    codes: dict[str, None] = {}
    for f in mine:
        if f.code == "unexplained-change":
            continue
        by_code = f.code in allowed or bool(families and f.code.startswith(families))
        serious = f.severity >= Severity.WARNING  # type: ignore[operator]
        if by_code and f.annotation and f.code in STATUS_CODES:  # says what became of an annotation: its family
            by_code = d.kind in FAMILY_KINDS.get(family(f.annotation), ())
        if f.annotation:  # about an annotation: only when its family can cause this kind of difference
            fits = serious and d.kind in FAMILY_KINDS.get(family(f.annotation), ()) and (
                ANNOTATION in allowed or (AT_LINE in allowed and bool(d.line) and f.line == d.line))
        else:
            fits = AT_LINE in allowed and bool(d.line) and f.line == d.line and serious
        if by_code or fits:
            codes[f.code] = None
    if ANNOTATION in allowed:
        for key, status in annotations:
            if d.kind in FAMILY_KINDS.get(family(key), ()):
                codes[f"annotation {key} ({status})"] = None
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
        kind = "denied" if not r.backends and p.backend is not None else "backend-changed"
        out.append(Difference(kind, p.host, scheme, p.line, src, r.describe()))
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


# -- the output against the vendor's rules: the planner and the emitter must carry every rule over as it is --------

GRPC_FILTERS = frozenset({"RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "ExtensionRef"})


def _conditions(m: dict) -> str:
    rest = {k: m[k] for k in ("headers", "queryParams", "method") if m.get(k)}
    return json.dumps(rest, sort_keys=True) if rest else ""


def _rule_keys(r: Rule) -> list[tuple[tuple[str, str], str]]:
    """(match key, conditions) of each match of a model rule, as readback reads the emitted rule."""
    if r.protocol == "grpc":
        keys = [_grpc_match(gm) for gm in (emit.grpc_match(m) for m in r.matches) if gm]
        return keys or [(("any", "/"), "")]
    keys = [(match_key(m.path_type, m.path), _conditions(m.to_dict())) for m in r.matches]
    return keys or [(("any", "/"), "")]


def _ref(b: dict) -> dict:
    """A backendRef in comparable form (the readback's fields, and its filters)."""
    ref = {k: b[k] for k in ("name", "namespace", "port", "weight", "filters") if b.get(k) not in (None, [], "")}
    if b.get("kind") not in (None, "Service") or b.get("group"):
        ref["kind"] = b.get("kind") or "Service"
    return ref


def _action(backends: list[dict], filters: list[dict], options: dict, ordered: bool = True) -> str:
    """What a rule does: backends, filters and options with their values, as one canonical string. `ordered`
    keeps list order (filters apply in order; the planner keeps both orders, so the rules check is exact and
    fast); otherwise backends and filters compare as sets (two versions of hand-written manifests)."""
    refs = [_ref(b) for b in backends]
    if ordered:
        return json.dumps([refs, filters, options], sort_keys=True)
    return json.dumps({"backends": sorted(json.dumps(b, sort_keys=True) for b in refs),
                       "filters": sorted(json.dumps(f, sort_keys=True) for f in filters),
                       "options": options}, sort_keys=True)


def output_action(rule: dict, ordered: bool = True) -> str:
    """The action of a Gateway API rule as written."""
    filters = [f for f in rule.get("filters") or [] if isinstance(f, dict)]
    redirect = any(f.get("type") == "RequestRedirect" for f in filters)
    backends = [] if redirect else [b for b in rule.get("backendRefs") or [] if isinstance(b, dict)]
    options = {k: rule[k] for k in ("timeouts", "retry", "sessionPersistence") if rule.get(k)}
    return _action(backends, filters, options, ordered)


def _show_action(action: str) -> str:
    refs, filters, options = json.loads(action)
    a = {"backends": refs, "options": options}
    redirect = next((f.get("requestRedirect") or {} for f in filters if f.get("type") == "RequestRedirect"), None)
    if redirect is not None:
        text = "redirect " + json.dumps(redirect, sort_keys=True)
    else:
        text = " + ".join(_show_ref(b) for b in a["backends"]) or "500 (no backend)"
    extra = [json.dumps(f, sort_keys=True) for f in filters if f.get("type") != "RequestRedirect"]
    extra += [f"{k}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(a["options"].items())]
    return text + (f" [{', '.join(extra)}]" if extra else "")


def _show_ref(b: dict) -> str:
    name = b.get("name", "")
    if b.get("kind"):
        name = f"{b['kind']}/{name}"
    if b.get("port") is not None:
        name += f":{b['port']}"
    return name + (f" (weight {b['weight']})" if b.get("weight") is not None else "")


def _model_action(r: Rule, scheme: str, tls_host: bool) -> str | None:
    """What a request of this scheme gets from a model rule, as output_action() reads the emitted rule (None: not
    served). Built from the model's fields, not by the emitter, so that an emitter or planner bug shows."""
    grpc = r.protocol == "grpc"
    if scheme == "http" and tls_host and r.https_redirect and r.filter("RequestRedirect") is None:
        if grpc:
            return None  # gRPC clients do not follow redirects: the HTTP side does not serve it
        return _action([], [{"type": "RequestRedirect",
                             "requestRedirect": {"scheme": "https", "statusCode": r.https_redirect}}], {})
    filters = list(r.filters)
    if scheme == "https" and r.hsts:
        filters = emit._add_response_header(filters, emit.HSTS_HEADER, r.hsts)
    if grpc:
        filters = [f for f in filters if f["type"] in GRPC_FILTERS]
    redirect = any(f["type"] == "RequestRedirect" for f in filters)
    backends = [] if redirect else [b.ref() for b in r.backends]
    options = {k: dict(v) for k, v in (("timeouts", None if grpc else r.timeouts),
                                       ("retry", None if grpc else r.retry), ("sessionPersistence", r.session))
               if v}
    return _action(backends, filters, options)


def _compare_model(members: list[Ingress], routes: list[Route]) -> dict[int, list[Difference]]:
    """Every HTTP and gRPC route of these Ingresses against their model rules, both ways: an output route that does
    something else than the rule it came from (a filter, backend, weight, redirect or option lost or changed), or a
    rule the output does not serve at all (a lost redirect route, a lost canary rule)."""
    out: dict[int, list[Difference]] = {}
    https_hosts = {r.host for r in routes if r.scheme == "https"}
    have: dict[tuple, set[str]] = {}
    actions_of: dict[int, str] = {}  # one rule serves several hosts, schemes and matches: read it once
    for r in routes:
        if r.scheme in ("http", "https"):
            action = actions_of.get(id(r.rule))
            if action is None:
                action = actions_of[id(r.rule)] = output_action(r.rule)
            have.setdefault((r.host, r.scheme, r.match, r.conditions), set()).add(action)
    want: dict[tuple, list[tuple[Ingress, Rule, str | None]]] = {}
    for ing in members:
        for rule in ing.rules:
            if rule.dropped:
                continue
            for scheme, served in (("https", rule.serve_https and rule.host in https_hosts),
                                   ("http", rule.serve_http)):
                if not served:
                    continue
                action = _model_action(rule, scheme, rule.host in https_hosts)
                for key, cond in _rule_keys(rule):
                    want.setdefault((rule.host, scheme, key, cond), []).append((ing, rule, action))
    for k, entries in want.items():
        host, scheme, key, cond = k
        actions = {a for _, _, a in entries if a is not None}
        got = have.get(k, set())
        ing, rule, _ = entries[0]
        where = f"{show_match(key)}{' ' + cond if cond else ''}"
        if not actions:  # gRPC on plain HTTP of a TLS host: not served
            continue
        if not got:
            text = "; ".join(sorted(_show_action(a) for a in actions))
            out.setdefault(id(ing), []).append(Difference("output-differs", host, scheme, rule.line or ing.obj.line,
                                                          f"{where} -> {text}", "no such route in the output"))
        elif not got & actions:
            out.setdefault(id(ing), []).append(Difference(
                "output-differs", host, scheme, rule.line or ing.obj.line,
                f"{where} -> {'; '.join(sorted(_show_action(a) for a in actions))}",
                "; ".join(sorted(_show_action(a) for a in got))))
    return out
