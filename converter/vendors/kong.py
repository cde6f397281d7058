"""Kong Ingress Controller: `konghq.com/` annotations, Service annotations and KongPlugin objects.

Semantics follow KIC v3 (Kong/kubernetes-ingress-controller: internal/annotations/annotations.go,
internal/dataplane/kongstate/{route,service}.go, internal/dataplane/translator/subtranslator/ingress.go) with Kong
Gateway 3.x's default `traditional_compatible` router:

* Paths (`PathsFromIngressPaths`): Prefix `/foo` -> Kong paths `/foo/` (plain) and `~/foo$` (regex), Exact `/foo` ->
  `~/foo$`, WITHOUT escaping the path text: a `.` in an Exact or Prefix path matches any character. Without regex
  metacharacters these are exactly Gateway API PathPrefix / Exact. ImplementationSpecific (and no pathType) -> a
  plain Kong path, which is a character prefix, or a start-anchored regex when it starts with `/~` (or the
  `konghq.com/regex-prefix` value).
* Route options are Ingress annotations; upstream options (path, protocol, timeouts, retries, host-header, ...) are
  read from the Kubernetes Service only (kongstate/service.go overrideByAnnotation(svc.Annotations)).
* Kong defaults an Ingress relies on without writing them: 5 retries, 60 s connect/read/write timeouts,
  preserve_host true, strip_path false (`translateIntoKongStateService` / `translateIntoKongRoute`).

Handlers that report their own findings record the real status with `_own()` and return "converted" so that the
engine does not add a second, generic finding; `finish()` writes the recorded statuses into `ing.ann_status`.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable

from ..context import Context
from ..findings import register
from ..mapping import Entry, Table, load_table
from ..model import Ingress, IngressPath, Match, Obj, Rule
from ..paths import has_regex_meta, prefix_by_characters, re_escape
from ..values import format_duration
from . import kong_plugins
from .base import Vendor

register(
    ("path-regex-literal", "info",
     "KIC does not escape Exact and Prefix paths: Kong read a '.' as any character; the path is matched literally."),
    ("kong-host-aliases-catch-all", "warning",
     "A host-less rule of an Ingress with konghq.com/host-aliases matched only the alias hosts in Kong; so does the "
     "output."),
    ("kong-default-backend", "warning",
     "KIC serves one spec.defaultBackend, the oldest Ingress's, as a catch-all for every host; so does the output."),
    ("kong-defaults", "info",
     "Kong defaults the Ingress relied on (5 retries, 60 s timeouts) that the Gateway API output does not keep."),
)

PREFIX = "konghq.com/"
HEADERS = PREFIX + "headers."
GATEWAY_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
PROTOCOLS = {"http", "https", "grpc", "grpcs", "tcp", "tls", "udp", "tls_passthrough", "ws", "wss"}
REDIRECT_CODES = (301, 302, 307, 308)
MAX_RULE_MATCHES = 64
_KIC_HOST = re.compile(r"^(\*\.)?([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*)+(\.([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*))*?(\.\*)?$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")
_ONLY = {"ingress.kubernetes.io/": {"force-ssl-redirect", "service-upstream"},
         "plugins.konghq.com": {""}, "configuration.konghq.com": {""}}
Note = Callable[..., None]  # reports a finding about a Service annotation
DEFAULT_RETRIES = 5


class KongTable(Table):
    """kong.yaml with KIC's key rules: `headers.<name>` keys share one entry; other prefixes have fixed keys."""

    def lookup(self, annotation: str) -> tuple[str, Entry | None] | None:
        for prefix in self.prefixes:
            if not annotation.startswith(prefix):
                continue
            key = annotation[len(prefix):]
            if prefix in _ONLY:
                return prefix, self.entries.get(key) if key in _ONLY[prefix] else None
            if key.startswith("headers.") and key != "headers.*":
                return prefix, self.entries["headers.*"]
            if key in _ONLY["ingress.kubernetes.io/"] or key == "":
                return prefix, None
            return prefix, self.entries.get(key)
        return None


class Kong(Vendor):
    name = "kong"
    title = "Kong Ingress Controller"
    tables = ("kong.yaml", "common.yaml")
    prefixes = ("konghq.com/", "configuration.konghq.com", "plugins.konghq.com")
    implementation_specific = "characters"

    def load_tables(self, ctx: Context) -> list[Table]:
        own = load_table("kong.yaml")
        kong = KongTable(own.vendor, own.prefixes, own.entries, own.handlers, own.unlisted)
        return [kong, *[load_table(t) for t in self.tables[1:]]]

    # -- paths -------------------------------------------------------------------------------------------------------

    def prepare(self, ctx: Context, ingresses: list[Ingress]) -> None:
        tls_hosts: set[str] = set()
        for ing in ingresses:
            for t in ing.tls:
                tls_hosts.update(h.lower() for h in t.hosts if h)
        legacy = any((o.data.get("spec") or {}).get("enableLegacyRegexDetection") is True
                     for o in ctx.inventory.all("IngressClassParameters"))
        for ing in ingresses:
            ing.extra["kong.tls_hosts"] = tls_hosts
            ing.extra["kong.legacy_regex"] = legacy

    def path_match(self, ctx: Context, ing: Ingress, p: IngressPath) -> Match | None:
        ptype = self.path_type(ctx, ing, p)
        if ptype is None:
            return None
        path = re.sub(r"/{2,}", "/", p.path or "") or "/"
        if ptype == "Prefix":
            base = path.strip("/")
            if not base:
                return Match("PathPrefix", "/")
            return self.kic_path(ctx, ing, p, "/" + base, prefix=True)
        if ptype == "Exact":
            return self.kic_path(ctx, ing, p, "/" + path.lstrip("/"), prefix=False)
        marker = ing.annotations.get(PREFIX + "regex-prefix", "/~")
        if path.startswith(marker):
            return self.kong_regex(ctx, ing, p, path[len(marker):])
        if ing.extra.get("kong.legacy_regex") and not re.fullmatch(r"[a-zA-Z0-9.\-_~/%]*", path):
            return self.kong_regex(ctx, ing, p, path, legacy=True)
        m = prefix_by_characters(path)
        if m.path_type == "RegularExpression":  # reported in finish(), once it is known whether the rule is gRPC
            ing.extra.setdefault("kong.char_prefix", []).append((p, m.path))
        return m

    def kic_path(self, ctx: Context, ing: Ingress, p: IngressPath, value: str, prefix: bool) -> Match | None:
        """Exact/Prefix: Kong matched `~value$` (unescaped), plus the plain prefix `value/` for Prefix."""
        gw_type = "PathPrefix" if prefix else "Exact"
        if not has_regex_meta(value):
            return self.checked(ctx, ing, p, Match(gw_type, value))
        metas = sorted({c for c in value if c in "\\^$.|?*+()[]{}"})
        if metas == ["."]:
            m = self.checked(ctx, ing, p, Match(gw_type, value))
            if m is not None:
                ctx.report(ing, "path-regex-literal",
                           f"{p.path_type} path {p.path!r}: KIC passes Exact and Prefix paths to Kong as unescaped "
                           "regexes, so Kong read each '.' as any character"
                           + (" in the path itself (its sub-paths matched the literal prefix)" if prefix else "")
                           + f"; converted as the literal {gw_type} "
                           f"{value!r} (stricter: only a real '.' matches)", line=p.line)
            return m
        if not _compiles(value):
            ctx.report(ing, "path-invalid", f"{p.path_type} path {p.path!r} is not a valid regular expression, and KIC "
                       "sends it to Kong as one (unescaped); Kong rejected the route; not converted", line=p.line)
            return None
        body = f"(?:{value})" if "|" in value else value
        if prefix:
            regex = f"^(?:{value}|{re_escape(value)}/.*)$"
            what = f"the regex ^{value}$ or the literal prefix {value}/"
        else:
            regex = f"^{body}$"
            what = f"the regex ^{value}$"
        ctx.report(ing, "path-regex",
                   f"{p.path_type} path {p.path!r} contains regex syntax ({' '.join(metas)}); KIC does not escape "
                   f"it, so Kong matched {what}; converted to the RegularExpression {regex!r}", line=p.line,
                   hint="if the path was meant literally, fix it in the Ingress; the generated regex keeps Kong's "
                   "behaviour on gateways that support RegularExpression path matches")
        return Match("RegularExpression", regex)

    def kong_regex(self, ctx: Context, ing: Ingress, p: IngressPath, regex: str, legacy: bool = False) -> Match | None:
        """A Kong regex path (`~...`): anchored at the start only, Rust regex syntax (RE2-like)."""
        if not _compiles(regex):
            ctx.report(ing, "path-invalid", f"path {p.path!r} is not a valid regular expression; Kong rejected the "
                       "route; not converted", line=p.line)
            return None
        body = f"(?:{regex})" if "|" in regex else regex
        value = "^" + body + ("" if regex.endswith("$") else ".*")
        why = ("IngressClassParameters enableLegacyRegexDetection makes it a regex" if legacy
               else "a Kong regex path, anchored at the start only")
        ctx.report(ing, "path-regex", f"path {p.path!r} is {why}; converted to the RegularExpression {value!r} "
                   "(Kong 3 evaluates RE2-like Rust regexes, and ranks regex paths above every plain path of a route "
                   "with as many criteria, whatever their length; RegularExpression support, dialect and precedence "
                   "are implementation-specific)", line=p.line)
        return Match("RegularExpression", value)

    # -- after the annotations -----------------------------------------------------------------------------------------

    def finish(self, ctx: Context, ingresses: list[Ingress]) -> None:
        services: dict[tuple[str, str], ServiceSettings] = {}
        kong_plugins.global_plugins(ctx)
        default_backends(ctx, ingresses)
        for ing in ingresses:
            for r in ing.rules:
                if r.dropped or not r.backends or r.backends[0].kind != "Service" or r.backends[0].group:
                    continue
                svc_key = (ing.namespace, r.backends[0].name)
                if svc_key not in services:
                    svc = ctx.inventory.get("Service", *svc_key)
                    if svc is None and ing.namespace in ("", "default"):  # no namespace = the default namespace
                        svc = ctx.inventory.get("Service", "default" if ing.namespace == "" else "", svc_key[1])
                    services[svc_key] = service_settings(ctx, svc, ing) if svc else ServiceSettings(None)
                apply_service(ctx, ing, r, services[svc_key])
            grpc_paths(ctx, ing)
            char_prefixes(ctx, ing)
            rewrites(ctx, ing, services)
            for r in ing.rules:  # a redirect answers before proxying: upstream rewrites had no effect (and CEL
                if r.filter("RequestRedirect") is not None:  # forbids RequestRedirect with URLRewrite)
                    r.filters = [f for f in r.filters if f["type"] != "URLRewrite"]
            defaults(ctx, ing, services)
            split_prefix_rewrites(ing)
            for key, status in ing.extra.get("kong.status", {}).items():
                ing.ann_status[key] = status
        precedence(ctx, ingresses)


_GRPC_SERVICE = re.compile(r"^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$", re.IGNORECASE)
_GRPC_METHOD = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


def grpc_paths(ctx: Context, ing: Ingress) -> None:
    """gRPC rules: a GRPCRoute matches `/service/method` names only, so each path must be one (or `/`).

    A character-prefix path (a plain Kong path) becomes the service or method it names (gRPC names end at `/`); a
    regex path, or a path that no gRPC request can have, cannot be a GRPCRoute match: the rule is left out and
    reported rather than turned into a match-everything rule.
    """
    for r in _rules(ing):
        if r.protocol != "grpc":
            continue
        kept, lost = [], []
        for m in r.matches:
            if m.path_type == "RegularExpression":
                body = m.path[1:-2] if m.path.startswith("^") and m.path.endswith(".*") else ""
                plain = re.sub(r"\\(.)", r"\1", body)  # a character prefix is ^<escaped path>.*
                if not body or re_escape(plain) != body or not _grpc_name_ok(plain):
                    lost.append(m.path)
                    continue
                m = _copy_match(m, path_type="PathPrefix", path=plain)
            elif m.path_type in ("Exact", "PathPrefix") and m.path != "/" and not _grpc_name_ok(m.path):
                lost.append(m.path)
                continue
            kept.append(m)
        if not lost:
            r.matches = kept
            continue
        if not kept:
            r.dropped = True
        else:
            r.matches = kept
        ctx.report(ing, "grpc-path-unsupported", f"gRPC route path {r.path!r}: "
                   f"{', '.join(repr(x) for x in dict.fromkeys(lost))} is not a /service/method name a GRPCRoute can "
                   "match (regex, or characters no gRPC name has); " + ("the rule is not converted" if not kept else
                                                                        "those matches are left out"), line=r.line,
                   hint="use pathType Prefix /package.Service or Exact /package.Service/Method")


def char_prefixes(ctx: Context, ing: Ingress) -> None:
    """The plain Kong paths (ImplementationSpecific, no pathType) that match by characters."""
    for p, regex in ing.extra.get("kong.char_prefix", []):
        path = re.sub(r"/{2,}", "/", p.path or "") or "/"
        kind = f"{p.path_type or 'no pathType'}: a plain Kong path"
        if any(r.line == p.line and r.protocol == "grpc" and not r.dropped for r in ing.rules):
            ctx.report(ing, "path-prefix-by-characters", f"gRPC path {p.path!r} ({kind}): Kong matched it by "
                       f"characters, so it also took longer gRPC names starting with {path!r}; converted to the "
                       "GRPCRoute match of the service or method it names", line=p.line,
                       hint="if a segment prefix was meant, set pathType Prefix")
            continue
        differs = (f"it does not match {path.rstrip('/')!r} itself" if path.endswith("/")
                   else f"it also matches {path}x...")
        ctx.report(ing, "path-prefix-by-characters",
                   f"path {p.path!r} ({kind}): Kong matched it by characters ({differs}) and ranked it among plain "
                   f"paths by length; converted to the RegularExpression {regex!r}, whose precedence against "
                   "PathPrefix matches is implementation-specific", line=p.line,
                   hint="if a segment prefix was meant, set pathType Prefix (Gateway API PathPrefix)")


def _grpc_name_ok(path: str) -> bool:
    parts = path.strip("/").split("/")
    if not parts[0] or len(parts) > 2 or not _GRPC_SERVICE.match(parts[0]):
        return False
    return len(parts) == 1 or bool(_GRPC_METHOD.match(parts[1]))


def _kong_weight(ing: Ingress, r: Rule) -> tuple[int, int]:
    """Kong's route rank before the path (router transform get_priority): (match criteria, header count).

    Methods, headers and SNIs each add one criterion (hosts too, equal for rules of one host); only then do the paths
    count (regex before plain, longer plain before shorter), whereas Gateway API ranks the path first.
    """
    m = r.matches[0]
    weight = int(m.method is not None) + int(bool(m.headers))
    weight += int(ing.ann_status.get(PREFIX + "snis") == "approximated")  # a valid, non-empty SNI list
    return weight, len({h["name"].lower() for h in m.headers})


def _prefix_covers(outer: str, inner: str) -> bool:
    return outer == "/" or inner == outer or inner.startswith(outer.rstrip("/") + "/")


def precedence(ctx: Context, ingresses: list[Ingress]) -> None:
    """Flag pairs of rules of one host that Kong and Gateway API rank in opposite order.

    Kong ranks a route with more criteria (methods, headers, SNIs) above a route with a longer path; Gateway API
    ranks the more specific path first (Exact, then the longest prefix) and only then methods and headers. A request
    that both rules match went to the rule with more criteria in Kong and goes to the longer path now.
    """
    by_host: dict[str, list[tuple[Ingress, Rule]]] = {}
    for ing in ingresses:
        for r in _rules(ing):
            if r.default or r.protocol != "http" or not r.matches or r.matches[0].path_type is None:
                continue
            by_host.setdefault(r.host, []).append((ing, r))
    seen: set[tuple] = set()
    for host, items in by_host.items():
        if not host:
            continue
        for ing_a, a in items:
            ma = a.matches[0]
            wa = _kong_weight(ing_a, a)
            if ma.path_type != "PathPrefix" or wa == (0, 0):
                continue
            for ing_b, b in items:
                mb = b.matches[0]
                if mb.path_type not in ("PathPrefix", "Exact") or mb.path == ma.path and mb.path_type == "PathPrefix":
                    continue
                if _kong_weight(ing_b, b) >= wa or not _prefix_covers(ma.path, mb.path):
                    continue
                key = (ing_a.key, ma.path, ing_b.key, mb.path_type, mb.path)
                if key in seen:
                    continue
                seen.add(key)
                where = f" of Ingress {ing_b.key}" if ing_b is not ing_a else ""
                what = "methods" if ma.method else "headers" if ma.headers else "SNIs"
                ctx.report(ing_a, "precedence-changed",
                           f"host {host!r}: Kong ranked the prefix path {ma.path!r} (with {what}: more match "
                           f"criteria) above the {'Exact' if mb.path_type == 'Exact' else 'longer prefix'} path "
                           f"{mb.path!r}{where}, so requests to {mb.path!r} that meet its conditions went to this "
                           f"rule; Gateway API ranks the more specific path first, so they now go to {mb.path!r}",
                           line=a.line, hint="if the conditions were meant to win, add them (or the backend) to the "
                           f"rule for {mb.path!r} too")


def default_backends(ctx: Context, ingresses: list[Ingress]) -> None:
    """KIC uses only the oldest Ingress's defaultBackend, as a host-less catch-all (getDefaultBackendService)."""
    first: Ingress | None = None
    for ing in sorted(ingresses, key=Ingress.order_key):
        rules = [r for r in ing.rules if r.default and not r.dropped]
        if not rules:
            continue
        if first is None:
            first = ing
            keep = rules[0]
            if keep.host or len(rules) > 1:
                ctx.report(ing, "kong-default-backend", "spec.defaultBackend: KIC made it a catch-all route for "
                           "every host (not only this Ingress's hosts); converted so", line=keep.line)
            keep.host = ""
            for r in rules[1:]:
                r.dropped = True
            continue
        for r in rules:
            r.dropped = True
        ctx.report(ing, "kong-default-backend", f"spec.defaultBackend: KIC uses only the oldest Ingress's default "
                   f"backend (Ingress {first.key or first.name}); this one had no effect and is not converted",
                   line=rules[0].line)


def _compiles(regex: str) -> bool:
    try:
        re.compile(regex)
    except re.error:
        return False
    return True


def _own(ing: Ingress, key: str, status: str) -> str:
    """Record the real status of an annotation whose findings the handler reported itself."""
    ing.extra.setdefault("kong.status", {})[key] = status
    return "converted"


def _rules(ing: Ingress) -> list[Rule]:
    return [r for r in ing.rules if not r.dropped]


def _copy_match(m: Match, **changes: object) -> Match:
    out = Match(m.path_type, m.path, [dict(h) for h in m.headers], [dict(q) for q in m.query], m.method)
    for k, v in changes.items():
        setattr(out, k, v)
    return out


# -- KIC 0.x, KongIngress, regex-prefix ----------------------------------------------------------------------------


def legacy(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    if ing.annotations.get("plugins.konghq.com") == value:
        worst = []
        for ref in kong_plugins.split_names(value):
            p = kong_plugins.resolve(ctx, ing.namespace, ref)
            if p.obj is None or p.type in kong_plugins.SECURITY or ref in kong_plugins.SECURITY:
                worst.append(p.label())
        msg = (f"plugins.konghq.com ({value}) is the KIC 0.x plugins annotation; KIC 1.0+ ignores it. If a KIC 0.x "
               "controller served this Ingress, its plugins ran: convert them with konghq.com/plugins")
        if worst:
            ctx.report(ing, "security-not-enforced", f"plugins.konghq.com names {', '.join(worst)}: "
                       "authentication or access control under KIC 0.x, not carried over",
                       annotation="plugins.konghq.com",
                       hint="rename the annotation to konghq.com/plugins (with the KongPlugin objects in the input) "
                       "and convert again")
        return "unsupported", msg
    return "unsupported", (f"configuration.konghq.com ({value}) is the KIC 0.x KongIngress annotation; KIC 1.0+ "
                           "ignores it")


def override(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str]:
    ki = ctx.inventory.get("KongIngress", ing.namespace, value)
    if ki is None:
        return "implementation-specific", (f"KongIngress {value!r} (deprecated) is not in the input; KIC 2.x applied "
                                           "its route and proxy sections to the Ingress's routes, KIC 3.x only the "
                                           "upstream section of a KongIngress named on a Service")
    sections = [s for s in ("upstream", "proxy", "route") if isinstance(ki.data.get(s), dict)]
    if not sections:
        return "ignored", f"KongIngress {value!r} has no route, proxy or upstream section: no effect"
    return "implementation-specific", (f"KongIngress {value!r} (deprecated) has the {', '.join(sections)} "
                                       f"section{'s' if len(sections) > 1 else ''}: KIC 2.x applied them to the "
                                       "Ingress's routes (route, proxy) and upstreams; KIC 3.x ignores route and proxy "
                                       "and reads upstream only from a Service's konghq.com/override; none has a "
                                       "Gateway API field")


def regex_prefix(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    if value == "":
        return "converted", "an empty regex prefix makes every ImplementationSpecific path a regex (converted so)"
    return None


# -- protocols and HTTPS redirects ---------------------------------------------------------------------------------


def _host_tls(ing: Ingress, host: str) -> bool:
    hosts: set[str] = ing.extra.get("kong.tls_hosts", set())
    if not host:
        return False
    return host in hosts or ("*." + host.split(".", 1)[-1]) in hosts


def _tls_intent(ctx: Context, ing: Ingress) -> dict:
    """KIC's overrideHTTPSRedirectCode then overrideProtocols then normalizeProtocols, applied to the rules once."""
    if "kong.tls" in ing.extra:
        return ing.extra["kong.tls"]
    anns = ing.annotations
    force = anns.get("ingress.kubernetes.io/force-ssl-redirect") == "true"
    protocols, code = ["http", "https"], None
    if force:
        protocols, code = ["https"], 302
    raw = anns.get(PREFIX + "https-redirect-status-code", "").strip()
    if raw.isdigit() and int(raw) in (426, *REDIRECT_CODES):
        code = int(raw)
    invalid: list[str] = []
    if PREFIX + "protocols" in anns:
        items = [s.strip() for s in anns[PREFIX + "protocols"].split(",") if s.strip()]
        invalid = [i for i in items if i not in PROTOCOLS]
        if items and not invalid:
            protocols = items
    grpc = any("grpc" in p for p in protocols)
    http = any("http" in p or p.startswith("ws") for p in protocols)
    if grpc and http:
        protocols, grpc = ["http", "https"], False
    plain = any(p in ("http", "grpc", "ws") for p in protocols)
    secure = any(p in ("https", "grpcs", "wss") for p in protocols)
    l4 = [p for p in protocols if p in ("tcp", "tls", "udp", "tls_passthrough")]
    intent = {"force": force, "protocols": protocols, "code": code or 426, "https_only": secure and not plain,
              "grpc": grpc, "invalid": invalid, "l4": l4, "no_tls": []}
    for r in _rules(ing):
        if grpc:
            r.protocol = "grpc"
        if not intent["https_only"]:
            continue
        if not _host_tls(ing, r.host):
            r.serve_http = False
            if r.host not in intent["no_tls"]:
                intent["no_tls"].append(r.host)
        elif intent["code"] in REDIRECT_CODES and not grpc:
            r.https_redirect = intent["code"]
        else:
            r.serve_http = False
            r.https_redirect = None
    for host in intent["no_tls"]:
        ctx.report(ing, "tls-default-certificate",
                   f"host {host or '(any)'!r} accepts only HTTPS in Kong but has no certificate in any Ingress's "
                   "spec.tls: Kong served it with its default certificate; the output has no HTTPS listener for it "
                   "and does not serve it on plain HTTP", annotation=PREFIX + "protocols" if PREFIX + "protocols"
                   in anns else "ingress.kubernetes.io/force-ssl-redirect",
                   hint="add the host to spec.tls with its certificate and convert again")
    ing.extra["kong.tls"] = intent
    return intent


def force_ssl_redirect(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str]:
    intent = _tls_intent(ctx, ing)
    if value != "true":
        return "ignored", f"KIC acts only on the exact value \"true\" (not {value!r}); no effect"
    if not intent["https_only"]:
        return "ignored", "konghq.com/protocols (applied after it) lets plain HTTP through again; no effect"
    return _redirect_status(intent)


def https_redirect_status_code(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    intent = _tls_intent(ctx, ing)
    raw = value.strip()
    if not (raw.isdigit() and int(raw) in (426, *REDIRECT_CODES)):
        ctx.report(ing, "annotation-invalid-value", f"{PREFIX}https-redirect-status-code: {value!r} is not one of "
                   "301, 302, 307, 308, 426; KIC ignores it", annotation=PREFIX + "https-redirect-status-code")
        return _own(ing, PREFIX + "https-redirect-status-code", "invalid")
    if not intent["https_only"]:
        return "ignored", "no effect: the routes also accept plain HTTP (konghq.com/protocols)"
    return _redirect_status(intent)


def _redirect_status(intent: dict) -> tuple[str, str]:
    if intent["grpc"]:
        return "converted", "gRPC routes accept only grpcs: the GRPCRoute is attached to the HTTPS listener only"
    if intent["code"] in REDIRECT_CODES:
        return "converted", f"plain HTTP is redirected to HTTPS with {intent['code']}"
    return "approximated", ("Kong answered plain-HTTP requests with 426 Upgrade Required; Gateway API cannot answer "
                            "426: the routes are not attached to the HTTP listener (404)")


def protocols(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    intent = _tls_intent(ctx, ing)
    key = PREFIX + "protocols"
    if intent["invalid"]:
        ctx.report(ing, "annotation-invalid-value", f"{key}: {', '.join(intent['invalid'])} is not a Kong protocol; "
                   "KIC before 3.5.7 ignored the annotation, later Kong rejects the routes; converted as the default "
                   "(http, https)", annotation=key)
        return _own(ing, key, "invalid")
    if intent["l4"]:
        return "unsupported", f"{', '.join(intent['l4'])} routes cannot carry Ingress paths; Kong rejected them"
    if intent["https_only"]:
        return _redirect_status(intent)
    if intent["grpc"]:
        return "converted", "gRPC routes: converted to GRPCRoutes"
    return "converted", ""


_KIC_SNI = re.compile(r"^([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*)+(\.([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*))*$")


def snis(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str | None:
    items = [s.strip() for s in value.split(",") if s.strip()]
    if not items:
        return "converted", "an empty value sets no SNI criterion (the default)"
    bad = [s for s in items if not _KIC_SNI.match(s)]
    if bad:  # route.go overrideSNIs: one invalid name discards the whole list
        key = PREFIX + "snis"
        ctx.report(ing, "annotation-invalid-value", f"{key}: {', '.join(repr(b) for b in bad)} is not a plain host "
                   "name (no wildcard); KIC discards the whole list, so the routes had no SNI criterion (as converted)",
                   annotation=key)
        return _own(ing, key, "invalid")
    return None


# -- methods and headers -------------------------------------------------------------------------------------------


def methods(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    key = PREFIX + "methods"
    items = [s.strip().upper() for s in value.split(",") if s.strip()]
    if not items:
        return "ignored", "empty: no method criterion"
    bad = [m for m in items if not re.fullmatch(r"[A-Z]+", m)]
    if bad:
        ctx.report(ing, "annotation-invalid-value", f"{key}: {', '.join(repr(b) for b in bad)} is not a method "
                   "name; KIC discards the whole list, so the routes match every method (as converted)",
                   annotation=key)
        return _own(ing, key, "invalid")
    items = list(dict.fromkeys(items))
    usable = [m for m in items if m in GATEWAY_METHODS]
    custom = [m for m in items if m not in GATEWAY_METHODS]
    if not usable:
        for r in _rules(ing):
            if not r.default:
                r.dropped = True
        return "unsupported", (f"the routes matched only {', '.join(custom)}, which Gateway API method matches "
                               "cannot express; the routes are not converted")
    for r in _rules(ing):
        if r.default:
            continue
        r.matches = [_copy_match(m, method=meth) for m in r.matches for meth in usable]
    if custom:
        return "approximated", (f"{', '.join(custom)} cannot be a Gateway API method match: requests with "
                                f"{'it' if len(custom) == 1 else 'them'} no longer match (404)")
    return "converted", ""


def headers_separator(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    if not any(k.startswith(HEADERS) for k in ing.annotations):
        return "ignored", "no konghq.com/headers.* annotation to split"
    return None


def headers(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str]:
    """All konghq.com/headers.* at once (they combine); the engine calls this once per key, in key order."""
    queue = ing.extra.get("kong.headers")
    if queue is None:
        queue = ing.extra["kong.headers"] = _headers_all(ctx, ing)
    return queue.pop(0) if queue else ("converted", "")


def _headers_all(ctx: Context, ing: Ingress) -> list[tuple[str, str]]:
    sep = ing.annotations.get(PREFIX + "headers-separator", ",")
    keys = sorted(k for k in ing.annotations if k.startswith(HEADERS))
    statuses: list[tuple[str, str]] = []
    conditions: list[tuple[str, list[dict]]] = []  # (key, alternatives)
    for key in keys:
        name, raw = key[len(HEADERS):], ing.annotations[key]
        if not name or not raw:
            statuses.append(("ignored", "no header name or no value: KIC skips it"))
            continue
        values = [v.strip() for v in (raw.split(sep) if sep else list(raw))]
        values = list(dict.fromkeys(v for v in values if v))
        if not _HEADER_NAME.match(name) or len(name) > 256:
            statuses.append(("unsupported", f"{name!r} is not a valid Gateway API header name; the header "
                                            "condition is dropped (the routes match more requests)"))
            continue
        alts, notes, caseless = [], [], []
        for v in values:
            if v.startswith("~*"):
                rx = v[2:]
                alts.append({"type": "RegularExpression", "name": name, "value": f"(?i).*(?:{rx}).*"})
                notes.append(f"{v!r} is a Kong regex (case-insensitive, unanchored): converted to a "
                             "RegularExpression match (implementation-specific support)")
            elif len(v) > 4096:
                notes.append(f"value of {len(v)} characters dropped (Gateway API allows 4096)")
            else:
                alts.append({"name": name, "value": v})
                if any(c.isalpha() for c in v):
                    caseless.append(repr(v))
        if caseless:
            notes.append(f"Kong compared {', '.join(caseless)} case-insensitively; Gateway API Exact header "
                         "matches are case-sensitive")
        if not alts:
            statuses.append(("unsupported", "no usable value; the header condition is dropped"))
            continue
        conditions.append((key, alts))
        statuses.append(("approximated", "; ".join(notes)) if notes else ("converted", ""))
    if not conditions:
        return statuses
    targets = [r for r in _rules(ing) if not r.default]
    widest = max((len(r.matches) for r in targets), default=1)
    total = widest
    for _, alts in conditions:
        total *= len(alts)
    for key, alts in sorted(conditions, key=lambda c: -len(c[1])):
        if total <= MAX_RULE_MATCHES or len(alts) < 2:
            break
        total //= len(alts)
        parts = [a["value"] if a.get("type") else re_escape(a["value"]) for a in alts]
        i = [k for k, _ in conditions].index(key)
        conditions[i] = (key, [{"type": "RegularExpression", "name": alts[0]["name"],
                                "value": "(?i)^(?:" + "|".join(parts) + ")$"}])
        j = keys.index(key)
        msg = statuses[j][1]
        statuses[j] = ("approximated", (msg + "; " if msg else "") + "the alternatives became one case-insensitive "
                       f"RegularExpression match, to stay within {MAX_RULE_MATCHES} matches per rule")
    for r in targets:
        out = []
        for m in r.matches:
            for combo in itertools.product(*(alts for _, alts in conditions)):
                nm = _copy_match(m)
                have = {h["name"].lower() for h in nm.headers}
                nm.headers += [dict(h) for h in combo if h["name"].lower() not in have]
                out.append(nm)
        r.matches = out
    return statuses


# -- host aliases --------------------------------------------------------------------------------------------------


def host_aliases(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    key = PREFIX + "host-aliases"
    items = [s.strip() for s in value.split(",") if s.strip()]
    if not items:
        return "ignored", "empty: no alias"
    bad = [h for h in items if not _KIC_HOST.match(h)]
    if bad:
        ctx.report(ing, "annotation-invalid-value", f"{key}: {', '.join(repr(b) for b in bad)} is not a hostname; "
                   "KIC discards the whole list (no alias added)", annotation=key)
        return _own(ing, key, "invalid")
    aliases, skipped = [], []
    for h in dict.fromkeys(h.lower() for h in items):
        (skipped if h.endswith(".*") else aliases).append(h)
    added = 0
    for r in list(_rules(ing)):
        if r.default:
            continue
        new = [a for a in aliases if a != r.host]
        if not new:
            continue
        if not r.host:  # the aliases become the route's only hosts
            r.host = new.pop(0)
            ctx.report(ing, "kong-host-aliases-catch-all", f"{key}: the rule for path {r.path!r} has no host, so in "
                       f"Kong it matched only the aliases {', '.join(aliases)}, not every host; converted so",
                       annotation=key, line=r.line)
        for a in new:
            twin = copy.deepcopy(r)
            twin.host = a
            ing.rules.append(twin)
            added += 1
    if skipped:
        return "approximated", (f"{', '.join(skipped)}: Kong's suffix wildcards have no Gateway API hostname; "
                                "those aliases are not served")
    if any(not r.host for r in ing.rules if r.default):
        return "converted", "the default backend keeps matching any host"
    return "converted", ""


# -- rewrites (recorded here, applied in finish with the Service path) ---------------------------------------------


def strip_path(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    v = value.strip().lower()
    if v == "true":
        ing.extra["kong.strip"] = True
        return "converted"
    if v == "false":
        return "converted"
    ctx.report(ing, "annotation-invalid-value", f"{PREFIX}strip-path: {value!r} is not true or false; KIC ignores "
               "it (no stripping)", annotation=PREFIX + "strip-path")
    return _own(ing, PREFIX + "strip-path", "invalid")


def preserve_host(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    v = value.strip().lower()
    if v == "false":
        ing.extra["kong.preserve_host"] = False
        return "converted"
    if v == "true":
        return "converted", ""
    ctx.report(ing, "annotation-invalid-value", f"{PREFIX}preserve-host: {value!r} is not true or false; KIC "
               "ignores it (the Host is preserved)", annotation=PREFIX + "preserve-host")
    return _own(ing, PREFIX + "preserve-host", "invalid")


def rewrite(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    uri = value or "/"
    if re.search(r"(?<!\\)\$\d", uri):
        return "implementation-specific", (f"{uri!r} uses captures of the regex path, which Gateway API rewrites "
                                           "cannot reference; the upstream path is not rewritten")
    ing.extra["kong.rewrite"] = uri.replace("\\$", "$")
    return "converted", ""


def path_handling(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    ing.extra["kong.path_handling"] = value
    return None


# -- plugins -------------------------------------------------------------------------------------------------------


_PLAIN, _SECURE = {"http", "grpc", "ws"}, {"https", "grpcs", "wss"}


def _route_protocols(ing: Ingress) -> set[str]:
    """The client protocols of the Kong routes (after KIC's normalization) that a plugin's `protocols` must cover."""
    intent = ing.extra.get("kong.tls")
    return set(intent["protocols"]) if intent else {"http", "https"}


def plugin_side(scope: set[str] | None, route: set[str]) -> str:
    """Where a plugin with `protocols` = scope ran on routes accepting `route`: all | http | https | none."""
    if scope is None or route <= scope:
        return "all"
    ran = route & scope
    if not ran:
        return "none"
    return "http" if ran <= _PLAIN else "https" if ran <= _SECURE else "all"


def _split_sides(ing: Ingress) -> None:
    """One rule per listener side (HTTP, HTTPS) so that a filter can be attached to one side only."""
    out: list[Rule] = []
    for r in ing.rules:
        out.append(r)
        if r.dropped or r.default or not (r.serve_http and r.serve_https):
            continue
        twin = copy.deepcopy(r)
        r.serve_https, twin.serve_http = False, False
        out.append(twin)
    ing.rules[:] = out


def plugins(ctx: Context, ing: Ingress, value: str, entry: Entry) -> str:
    key = PREFIX + "plugins"
    _tls_intent(ctx, ing)
    route = _route_protocols(ing)
    out = kong_plugins.apply(ctx, ing, ing.namespace, value, key, route)
    ing.extra["kong.plugin_types"] = out.types
    for ptype, f in out.filters:
        scope = out.scopes.get(ptype)
        side = plugin_side(scope, route)  # never "none": apply() leaves out the plugins that never ran
        if side != "all":  # one rule per listener side; the filter goes to its side only
            _split_sides(ing)
            if any(r.default for r in _rules(ing)):
                out.worse("approximated")
                ctx.report(ing, "annotation-approximated", f"{key}: the {ptype} plugin runs only for the protocols "
                           f"{', '.join(sorted(scope or ()))}; the default backend's rule serves both sides and does "
                           f"not get its {f['type']} filter", annotation=key)
        for r in _rules(ing):
            if side == "all" or (not r.default and (r.serve_http if side == "http" else r.serve_https)):
                kong_plugins.merge_filter(r.filters, copy.deepcopy(f))
    return _own(ing, key, out.status)


# -- route options -------------------------------------------------------------------------------------------------


def regex_priority(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str] | None:
    if value == 0:
        return "converted", ""
    return None


def buffering(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> tuple[str, str] | None:
    if value:
        return "ignored", "true is Kong's default; buffering is the gateway's own choice in Gateway API"
    return None


# -- Service annotations -------------------------------------------------------------------------------------------


class ServiceSettings:
    """What the annotations of one Kubernetes Service do to every rule that reaches it."""

    def __init__(self, svc: Obj | None) -> None:
        self.svc = svc
        self.path: str | None = None
        self.protocol: str | None = None
        self.read_ms: int | None = None
        self.connect_ms: int | None = None
        self.retries: int | None = None
        self.host_header: str | None = None
        self.plugins: kong_plugins.Outcome | None = None
        self.backend_tls: dict | None = None
        self.effects: dict[str, str] = {}  # annotation -> status, for those that change the routes reaching it
        self.scoped: set[tuple[str, str]] = set()  # (plugin type, side) already reported as protocol-scoped


SERVICE_KEYS = ("plugins", "path", "protocol", "connect-timeout", "read-timeout", "write-timeout", "retries",
                "host-header", "client-cert", "upstream-policy", "tls-verify", "tls-verify-depth",
                "ca-certificates-secret", "ca-certificates-secrets", "ca-certificates-configmap",
                "ca-certificates-configmaps", "override", "tags")


def service_settings(ctx: Context, svc: Obj, ing: Ingress) -> ServiceSettings:
    """Read a Service's konghq.com/ annotations once; findings are about the Service."""
    s = ServiceSettings(svc)
    anns = (svc.data.get("metadata") or {}).get("annotations") or {}
    if not isinstance(anns, dict):
        return s
    anns = {str(k): str(v) for k, v in anns.items()}

    def note(key: str, code: str, message: str, hint: str = "") -> None:
        ctx.report(svc, code, f"{key}: {message}", annotation=key, hint=hint)

    for full in sorted(anns):
        if full == "ingress.kubernetes.io/service-upstream":
            if anns[full] == "true":
                note(full, "annotation-unsupported", "Kong proxied to the Service's cluster IP instead of the "
                     "endpoints; Gateway implementations choose for themselves")
            continue
        if not full.startswith(PREFIX):
            continue
        key, raw = full[len(PREFIX):], anns[full].strip()
        if key not in SERVICE_KEYS:
            note(full, "annotation-unknown", "not an annotation KIC reads on a Service; it is ignored")
        elif key == "plugins":
            s.plugins = kong_plugins.apply(ctx, svc, svc.namespace, anns[full], full)
            s.effects[full] = s.plugins.status
        elif key == "path":
            if raw.startswith("/"):
                s.path = raw
                s.effects[full] = "converted"
            else:
                note(full, "annotation-invalid-value", f"{raw!r} does not start with '/'; KIC ignores it")
        elif key == "protocol":
            _service_protocol(ctx, s, full, raw.lower(), anns, note)
        elif key in ("connect-timeout", "read-timeout", "write-timeout", "retries"):
            if not re.fullmatch(r"[-+]?\d+", raw):
                note(full, "annotation-invalid-value", f"{raw!r} is not an integer; KIC ignores it")
                continue
            n = int(raw)
            if key == "read-timeout":
                s.read_ms = n
                s.effects[full] = "approximated" if n > 0 else "unsupported"
                if n > 0:
                    note(full, "annotation-approximated", f"{n} ms became rules[].timeouts.backendRequest "
                         f"{format_duration(n)} on the routes to this Service; Kong's timeout is between two reads, "
                         "Gateway API's bounds the whole backend response (long streams may be cut)")
                else:
                    note(full, "annotation-unsupported", "0 (no read timeout) has no Gateway API equivalent")
            elif key == "connect-timeout":
                s.connect_ms = n
                note(full, "annotation-implementation-specific", f"{n} ms to connect to a target has no Gateway API "
                     "field", hint="Envoy Gateway BackendTrafficPolicy.timeout.tcp.connectTimeout; Istio "
                     "DestinationRule connectionPool.tcp.connectTimeout")
            elif key == "write-timeout":
                note(full, "annotation-unsupported", f"{n} ms between two writes to the upstream has no Gateway API "
                     "equivalent")
            else:
                s.retries = n
                s.effects[full] = "converted" if n <= 0 else "approximated" if ctx.options.experimental \
                    else "needs-experimental"
                if n <= 0:
                    continue  # no retries: the Gateway API default
                if ctx.options.experimental:
                    note(full, "annotation-approximated", f"{n} became rules[].retry.attempts on the routes to this "
                         "Service; Kong retried on connection errors and timeouts only, Gateway API retry "
                         "without codes leaves the conditions to the implementation")
                else:
                    note(full, "annotation-needs-experimental", f"Kong retried {n} times on connection errors and "
                         "timeouts; rules[].retry is experimental", hint="with --channel experimental: "
                         f"rules[].retry.attempts {n}")
        elif key == "host-header":
            s.host_header = raw
            s.effects[full] = "converted"
        elif key == "client-cert":
            note(full, "annotation-implementation-specific", f"Kong presented the client certificate {raw!r} to "
                 "this Service; Gateway API sets one for the whole Gateway",
                 hint="Gateway.spec.tls.backend.clientCertificateRef (standard since v1.5)")
        elif key == "upstream-policy":
            pol = ctx.inventory.get("KongUpstreamPolicy", svc.namespace, raw)
            what = "not in the input" if pol is None else \
                "fields: " + ", ".join(sorted((pol.data.get("spec") or {}).keys()))
            note(full, "annotation-implementation-specific", f"KongUpstreamPolicy {raw!r} ({what}): load balancing, "
                 "hashing, sticky sessions and health checks have no standard Gateway API field",
                 hint="stickySessions/hashOn cookie: sessionPersistence (experimental); Envoy Gateway "
                 "BackendTrafficPolicy loadBalancer/healthCheck; Kong accepts the same annotation with HTTPRoutes")
        elif key in ("tls-verify", "tls-verify-depth", "ca-certificates-secret", "ca-certificates-secrets",
                     "ca-certificates-configmap", "ca-certificates-configmaps"):
            continue  # read with konghq.com/protocol
        elif key == "override":
            note(full, "annotation-implementation-specific", f"KongIngress {raw!r} (deprecated; only its upstream "
                 "section applies since KIC 3.0) has no Gateway API equivalent",
                 hint="KongUpstreamPolicy; Envoy Gateway BackendTrafficPolicy")
    for key in ("tls-verify", "tls-verify-depth", "ca-certificates-secret", "ca-certificates-configmap"):
        full = next((PREFIX + k for k in (key, key + "s") if PREFIX + k in anns), None)
        if full is None:
            continue
        if s.protocol not in ("https", "grpcs"):
            note(full, "annotation-ignored", "no effect: the Service is not reached over TLS")
        elif s.backend_tls is None and key != "tls-verify":
            note(full, "annotation-ignored", "no effect: Kong does not verify the Service's certificate "
                 "(konghq.com/tls-verify is not true)")
        elif key == "tls-verify-depth" and s.backend_tls is not None:
            note(full, "annotation-unsupported", "the maximum certificate chain depth has no BackendTLSPolicy field")
    return s


def _service_protocol(ctx: Context, s: ServiceSettings, full: str, proto: str, anns: dict, note: Note) -> None:
    svc = s.svc
    assert svc is not None
    if proto in ("http", "ws"):
        return
    if proto in ("grpc", "grpcs"):
        s.protocol = proto
        s.effects[full] = "converted"
        note(full, "backend-protocol", f"{proto}: the routes to this Service become GRPCRoutes"
             + ("; the backend is reached over TLS (BackendTLSPolicy)" if proto == "grpcs" else
                "; the Service port needs appProtocol kubernetes.io/h2c"))
        if proto == "grpcs":
            _backend_tls(ctx, s, full, anns, note)
        return
    if proto in ("https", "wss"):
        s.protocol = "https"
        s.effects[full] = "converted" if anns.get(PREFIX + "tls-verify", "").strip().lower() in ("1", "t", "true") \
            else "implementation-specific"
        _backend_tls(ctx, s, full, anns, note)
        return
    note(full, "annotation-unsupported", f"{proto!r}: Kong reached the Service over {proto}, which Ingress "
         "routes cannot use")


def _backend_tls(ctx: Context, s: ServiceSettings, full: str, anns: dict, note: Note) -> None:
    svc = s.svc
    assert svc is not None
    verify = anns.get(PREFIX + "tls-verify", "").strip().lower() in ("1", "t", "true")
    cms = [c.strip() for k in ("ca-certificates-configmap", "ca-certificates-configmaps")
           for c in anns.get(PREFIX + k, "").split(",") if c.strip()]
    secrets = [c.strip() for k in ("ca-certificates-secret", "ca-certificates-secrets")
               for c in anns.get(PREFIX + k, "").split(",") if c.strip()]
    hostname = anns.get(PREFIX + "host-header", "").strip() or f"{svc.name}.{svc.namespace}.svc"
    if verify:
        refs = [{"kind": "ConfigMap", "name": c} for c in cms] + [{"kind": "Secret", "name": c} for c in secrets]
        s.backend_tls = {"hostname": hostname, "ca": refs or "System"}
        note(full, "backend-protocol", f"TLS to the Service with verification: a BackendTLSPolicy for hostname "
             f"{hostname!r} with {'the CA ' + ', '.join(cms + secrets) if cms or secrets else 'the system CAs'}")
        if secrets:
            note(PREFIX + "ca-certificates-secret", "annotation-approximated", "Secret CA references are "
                 "implementation-specific in BackendTLSPolicy (ConfigMap is core)")
        return
    note(full, "annotation-implementation-specific", "Kong reached the Service over TLS WITHOUT verifying its "
         "certificate (konghq.com/tls-verify unset); a BackendTLSPolicy always verifies, so none is emitted and the "
         "output sends plain HTTP to it", hint="set konghq.com/tls-verify and ca-certificates-configmap to get a "
         "BackendTLSPolicy; Envoy Gateway Backend tls.insecureSkipVerify")


def apply_service(ctx: Context, ing: Ingress, r: Rule, s: ServiceSettings) -> None:
    """The effects of a Service's annotations on one rule that reaches it.

    They are recorded in the Ingress's annotation statuses as `Service NAME: ANNOTATION`, so that the report and the
    intent diff show which Service annotation changed the Ingress's routes.
    """
    if s.svc is not None:
        for key, status in s.effects.items():
            ing.ann_status[f"Service {s.svc.name}: {key}"] = status
    if s.protocol in ("grpc", "grpcs"):
        r.protocol = "grpc"
    if s.backend_tls is not None:
        for b in r.backends:
            b.tls = dict(s.backend_tls)
    if r.protocol != "grpc" and s.read_ms is not None:
        if s.read_ms > 0:
            r.timeouts = {**(r.timeouts or {}), "backendRequest": format_duration(s.read_ms)}
        ing.extra.setdefault("kong.svc_timeouts", set()).add(id(r))
    if s.retries is not None and r.protocol != "grpc":
        if ctx.options.experimental and s.retries > 0:
            r.retry = {"attempts": s.retries}
        ing.extra.setdefault("kong.svc_retries", set()).add(id(r))
    if s.plugins is not None:
        own = ing.extra.get("kong.plugin_types", set())  # a route plugin replaces the Service's of the same type
        for ptype, f in s.plugins.filters:
            if ptype in own:
                continue
            side = plugin_side(s.plugins.scopes.get(ptype), _route_protocols(ing))
            if side == "all":
                kong_plugins.merge_filter(r.filters, copy.deepcopy(f))
            elif (ptype, side) not in s.scoped:
                s.scoped.add((ptype, side))
                assert s.svc is not None
                key = PREFIX + "plugins"
                s.plugins.worse("ignored" if side == "none" else "approximated")
                s.effects[key] = s.plugins.status
                ing.ann_status[f"Service {s.svc.name}: {key}"] = s.plugins.status
                ctx.report(s.svc, "annotation-ignored" if side == "none" else "annotation-approximated",
                           f"{key}: the {ptype} plugin runs only for the protocols "
                           f"{', '.join(sorted(s.plugins.scopes.get(ptype) or ()))}: "
                           + ("no effect on the routes of Ingress " + ing.name if side == "none" else
                              f"Kong ran it on the {side.upper()} requests of Ingress {ing.name} only; the Service's "
                              "filters apply to whole rules, so it is not converted there"), annotation=key)


# -- finish: rewrites, splitting, defaults -------------------------------------------------------------------------


def _url_rewrite(r: Rule) -> dict:
    f = r.filter("URLRewrite")
    if f is None:
        f = {"type": "URLRewrite", "urlRewrite": {}}
        r.filters.append(f)
    return f["urlRewrite"]


def rewrites(ctx: Context, ing: Ingress, services: dict) -> None:
    """strip-path, the Service's konghq.com/path, konghq.com/rewrite and preserve-host as URLRewrite filters."""
    strip = ing.extra.get("kong.strip", False)
    uri = ing.extra.get("kong.rewrite")
    keep_host = ing.extra.get("kong.preserve_host", True)
    lost_strip: list[str] = []
    lost_path: list[str] = []
    host_rewritten = host_lost = False
    for r in _rules(ing):
        if r.protocol == "grpc" or r.filter("RequestRedirect") is not None:
            continue
        s = services.get((ing.namespace, r.backends[0].name)) if r.backends else None
        svc_path = s.path if s is not None and s.path not in (None, "/") else None
        if not keep_host:
            if s is not None and s.host_header:
                _url_rewrite(r).setdefault("hostname", s.host_header)
                host_rewritten = True
            else:
                host_lost = True
        if uri is not None:
            _url_rewrite(r)["path"] = {"type": "ReplaceFullPath", "replaceFullPath": uri}
            continue
        if not strip and svc_path is None:
            continue
        current = r.filter("URLRewrite")
        if current is not None and "path" in current["urlRewrite"]:
            continue  # a request-transformer replace.uri sets the final upstream path
        m = r.matches[0] if r.matches else None
        if m is None or m.path_type is None:
            continue
        if m.path_type == "PathPrefix":
            target = svc_path or "/"
            if not strip:
                target = (svc_path.rstrip("/") + m.path) if m.path != "/" else svc_path
            if target != m.path:
                _url_rewrite(r)["path"] = {"type": "ReplacePrefixMatch", "replacePrefixMatch": target}
        elif m.path_type == "Exact":
            target = (svc_path or "/") if strip else svc_path.rstrip("/") + m.path
            if target != m.path:
                _url_rewrite(r)["path"] = {"type": "ReplaceFullPath", "replaceFullPath": target}
        else:
            (lost_strip if strip else lost_path).append(r.path)
    key_strip, key_host = PREFIX + "strip-path", PREFIX + "preserve-host"
    if strip and all(r.protocol == "grpc" for r in _rules(ing)):
        ctx.report(ing, "annotation-ignored", f"{key_strip}: Kong does not strip the paths of gRPC routes; no "
                   "effect", annotation=key_strip)
        _own(ing, key_strip, "ignored")
    elif strip:
        if lost_strip:
            paths = ", ".join(repr(p) for p in dict.fromkeys(lost_strip))
            ctx.report(ing, "annotation-approximated", f"{key_strip}: on the regex or character-prefix paths "
                       f"{paths} Kong removed whatever the path matched; Gateway API can only strip PathPrefix and "
                       "Exact matches, so these requests reach the backend unstripped", annotation=key_strip,
                       hint="use pathType Prefix, or Envoy Gateway HTTPRouteFilter urlRewrite ReplaceRegexMatch")
            _own(ing, key_strip, "approximated")
        else:
            _own(ing, key_strip, "converted")
    if lost_path:
        paths = ", ".join(repr(p) for p in dict.fromkeys(lost_path))
        ctx.report(ing, "annotation-approximated", f"the Service's konghq.com/path is prepended by Kong to the "
                   f"upstream path; on the regex or character-prefix paths {paths} Gateway API cannot rewrite it",
                   line=ing.obj.line)
    if not keep_host:
        if host_lost:
            ctx.report(ing, "annotation-approximated", f"{key_host}: false made Kong send the upstream's host name "
                       "(not the client's) as Host; Gateway API sends the client's Host unless a hostname rewrite is "
                       "set",
                       annotation=key_host, hint="set konghq.com/host-header on the Service to get a URLRewrite "
                       "hostname")
            _own(ing, key_host, "approximated")
        elif host_rewritten:
            _own(ing, key_host, "converted")


def split_prefix_rewrites(ing: Ingress) -> None:
    """ReplacePrefixMatch needs exactly one (PathPrefix) match per rule (CEL): one rule per match."""
    out: list[Rule] = []
    for r in ing.rules:
        f = r.filter("URLRewrite")
        if f is None or len(r.matches) < 2 or (f["urlRewrite"].get("path") or {}).get("type") != "ReplacePrefixMatch":
            out.append(r)
            continue
        for m in r.matches:
            twin = copy.deepcopy(r)
            twin.matches = [m]
            out.append(twin)
    ing.rules[:] = out


def defaults(ctx: Context, ing: Ingress, services: dict) -> None:
    """One info finding naming the Kong defaults the rules relied on and the output does not keep."""
    rules = [r for r in _rules(ing) if r.protocol == "http"]
    if not rules:
        return
    timed = ing.extra.get("kong.svc_timeouts", set())
    retried = ing.extra.get("kong.svc_retries", set())
    lost = []
    if any(id(r) not in retried for r in rules):
        lost.append(f"{DEFAULT_RETRIES} retries on connection errors and timeouts (the gateway's own retry "
                    "default applies instead: Envoy Gateway does not retry, Istio retries twice; rules[].retry is "
                    "experimental)")
    if any(id(r) not in timed for r in rules):
        lost.append("60 s connect, read and write timeouts (Kong's read and write timeouts are between two "
                    "successive operations, not a total; without rules[].timeouts the gateway's own defaults apply: "
                    "Envoy Gateway ends a request after 15 s, Istio sets no limit)")
    missing = sorted({r.backends[0].name for r in rules if r.backends and r.backends[0].kind == "Service"
                      and (services.get((ing.namespace, r.backends[0].name)) or ServiceSettings(None)).svc is None})
    text = ("Kong defaults this Ingress relied on are not kept: " + "; ".join(lost) + ".") if lost else ""
    if missing:
        text += (f" {'Services' if len(missing) > 1 else 'Service'} {', '.join(missing)} "
                 f"{'are' if len(missing) > 1 else 'is'} not in the input: konghq.com/ annotations on "
                 f"{'them' if len(missing) > 1 else 'it'} (path, timeouts, retries, plugins) could not be converted.")
    if text:
        ctx.report(ing, "kong-defaults", text.strip(),
                   hint="set rules[].timeouts (and retry with --channel experimental) if the backends rely on them; "
                   "on the Service: konghq.com/read-timeout, konghq.com/retries")
