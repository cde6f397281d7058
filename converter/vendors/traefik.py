"""Traefik v2/v3 (and v1.7 annotations, flagged): the Kubernetes Ingress provider's semantics.

- Entry points select the listeners: `web` = HTTP 80, `websecure` = HTTPS 443, others from `--traefik-entrypoint`.
  Without `router.entrypoints` the routers listen on every entry point (web and websecure; websecure without TLS
  unless router.tls). TLS is switched on by `router.tls` (or any `router.tls.*` key) or by a TLS entry point named
  in `router.entrypoints`; `spec.tls` only loads certificates into Traefik's store. A TLS router does not answer
  plain HTTP. Traefik never redirects HTTP to HTTPS by itself.
- Prefix and ImplementationSpecific (`router.pathmatcher`, default PathPrefix) match by characters unless strict
  prefix matching is on; Exact is Traefik's `Path` (exact).
- Routers are ranked by the length of their rule string unless `router.priority` is set: rules that Traefik never
  reached because a covering rule outranked them are dropped, with a finding naming both paths.
- Routers are ranked per entry point and per Traefik instance (ingress class); a host-less router competes with the
  routers of every host, and the default backend (priority MinInt32) answers every host: where a host's own
  listener takes such requests away in the output, a finding names the hosts.
- Traefik's certificate store is shared by every namespace: a host without a certificate of its own namespace is
  served with the one another namespace's Ingress loaded (a ReferenceGrant covers it); a TLSOption named `default`
  applies to every TLS router without router.tls.options.
- Resource backends are not supported by Traefik: their paths are skipped, and left out of the output.
- `service.*` annotations are read from the Services of the input and reported on the Ingress.
- `router.middlewares` references are resolved and converted by kind (traefik_middlewares.py).
"""

from __future__ import annotations

import re

from ..context import Context
from ..findings import register
from ..mapping import Entry, load_table
from ..model import Backend, Ingress, IngressPath, Match, Obj, Rule, TLSEntry
from ..names import dns_subdomain
from ..paths import exact, prefix_by_characters, segment_prefix
from ..values import format_duration, parse_bool, parse_int
from . import traefik_middlewares
from .base import Vendor

PREFIX = "traefik.ingress.kubernetes.io/"
MW_KEY = traefik_middlewares.MW_KEY
DEFAULT_ENTRYPOINTS = {"web": (80, "HTTP"), "websecure": (443, "HTTPS")}
MATCHERS = {"path": "Path", "pathprefix": "PathPrefix", "pathregexp": "PathRegexp"}

register(
    ("tls-not-enabled", "warning",
     "spec.tls names certificates, but the controller did not switch TLS on for the Ingress (Traefik: router.tls "
     "or a TLS entry point): its hosts are served on plain HTTP only."),
    ("entrypoint-approximated", "warning",
     "A Traefik entry point is unknown (not web, websecure or given with --traefik-entrypoint), or a TLS router sits "
     "on a plain-HTTP entry point; its listener is approximated."),
    ("default-backend-ignored", "warning",
     "The controller ignored this spec.defaultBackend (Traefik: when the Ingress has rules, or a default backend "
     "already exists); it is not converted."),
    ("backend-https-implicit", "warning",
     "The controller spoke HTTPS to the backend because of its port (443 or a name starting with https); converted "
     "to a BackendTLSPolicy, which verifies the certificate."),
)


# -- helpers -----------------------------------------------------------------------------------------------------------

def ann(annotations: dict[str, str], name: str) -> str | None:
    """The value of `traefik.ingress.kubernetes.io/<name>` (Traefik matches field names case-insensitively)."""
    want = (PREFIX + name).lower()
    for k, v in annotations.items():
        if k.lower() == want:
            return v
    return None


def _ann_key(annotations: dict[str, str], name: str) -> str:
    want = (PREFIX + name).lower()
    return next((k for k in annotations if k.lower() == want), PREFIX + name)


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    try:
        return parse_bool(text.strip())
    except ValueError:
        return None


def _mode(ing: Ingress) -> dict:
    return ing.extra.setdefault("traefik", {})


def entrypoint_table(ctx: Context) -> dict[str, tuple[int, str]]:
    table = dict(DEFAULT_ENTRYPOINTS)
    for name, (port, proto) in (ctx.options.traefik_entrypoints or {}).items():
        table[name] = (int(port), str(proto).upper())
    return table


def _valid_hosts(ing: Ingress) -> list[str]:
    from ..build import valid_host

    seen: dict[str, None] = {}
    for p in ing.paths:
        h = p.host.lower()
        if h and valid_host(h):
            seen.setdefault(h, None)
    return list(seen)


def compute_mode(ctx: Context, ing: Ingress) -> dict:
    """Which sides (HTTP on 80, HTTPS on 443) Traefik served the Ingress's routers on, from entry points and TLS."""
    a = ing.annotations
    tls_flag = _bool(ann(a, "router.tls"))
    tls_keys = [k for k in a if k.lower().startswith(PREFIX + "router.tls.")]
    tls_router = bool(tls_flag) or bool(tls_keys)
    table = entrypoint_table(ctx)
    raw = ann(a, "router.entrypoints")
    mode: dict = {"tls_router": tls_router, "explicit": raw is not None, "unknown": [], "custom": [], "eps": []}
    if raw is None:
        # every entry point; websecure terminates TLS here only if --traefik-entrypoint declared it HTTPS explicitly
        declared = {n: table[n] for n in ctx.options.traefik_entrypoints or {}}
        mode["eps"] = sorted(table)
        mode["http"] = not tls_router and any(proto == "HTTP" for _, proto in table.values())
        mode["https"] = tls_router or any(proto == "HTTPS" for _, proto in declared.values())
        return mode
    eps = [e.strip() for e in raw.split(",") if e.strip()]
    mode["eps"] = eps
    known = [e for e in eps if e in table]
    mode["unknown"] = [e for e in eps if e not in table]
    mode["custom"] = [e for e in known if table[e] not in ((80, "HTTP"), (443, "HTTPS"))]
    protos = {table[e][1] for e in known}
    if not known:
        mode["http"], mode["https"] = not tls_router, tls_router
    elif tls_router:
        mode["http"], mode["https"] = False, True
    else:
        mode["http"], mode["https"] = "HTTP" in protos, "HTTPS" in protos
    # a TLS router answers TLS on its plain-HTTP entry points too; on port 443 that is the HTTPS listener itself
    mode["tls_on_http"] = tls_router and any(table[e][1] == "HTTP" and table[e][0] != 443 for e in known)
    return mode


def _ports(ctx: Context, mode: dict) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The listener ports of the Ingress's entry points: (plain HTTP ports, HTTPS ports); 80 and 443 by default."""
    table = entrypoint_table(ctx)
    known = [table[e] for e in mode.get("eps", []) if e in table]
    http = tuple(sorted({port for port, proto in known if proto == "HTTP" and not mode.get("tls_router")}))
    https = tuple(sorted({port for port, proto in known
                          if proto == "HTTPS" or (mode.get("tls_router") and port == 443)}))
    return http or (80,), https or (443,)


def _resolver_secret(host: str) -> str:
    return dns_subdomain(("wildcard" + host[1:] if host.startswith("*.") else host) + "-tls", 253)


# -- the vendor --------------------------------------------------------------------------------------------------------

class Traefik(Vendor):
    name = "traefik"
    title = "Traefik"
    tables = ("traefik.yaml", "common.yaml")
    prefixes = ("traefik.ingress.kubernetes.io/", "traefik.frontend.", "traefik.backend.")
    tls_redirect = None  # Traefik never redirects HTTP to HTTPS by itself (only entry-point config or a Middleware)
    prefix_matches_characters = True  # PathPrefix(`/p`) is a string prefix unless strict prefix matching is on
    implementation_specific = "characters"

    def prepare(self, ctx: Context, ingresses: list[Ingress]) -> None:
        store: dict[tuple[str, str], str] = {}  # Traefik's certificate store, per namespace
        shared: dict[str, tuple[Ingress, str, int]] = {}  # and as Traefik has it: one store for every namespace
        for ing in sorted(ingresses, key=Ingress.order_key):
            for t in ing.tls:
                if t.secret:
                    for h in t.hosts:
                        store.setdefault((ing.namespace, h), t.secret)
                        shared.setdefault(h.lower(), (ing, t.secret, t.line))
        lent: dict[int, dict[str, tuple[str, int]]] = {}  # certificates other namespaces use: owner -> host -> secret
        tls_hosts: set[str] = set()
        for ing in ingresses:
            mode = _mode(ing)
            mode.update(compute_mode(ctx, ing))
            _ignored_router_keys(ctx, ing)
            hosts = _valid_hosts(ing)
            if not mode["https"]:
                if any(t.secret or t.hosts for t in ing.tls):
                    ctx.report(ing, "tls-not-enabled",
                               "spec.tls only loads certificates into Traefik's store; this Ingress has no router.tls "
                               "and no TLS entry point in router.entrypoints, so Traefik served "
                               + (", ".join(repr(h) for h in hosts) or "its rules")
                               + " on plain HTTP (web, and websecure without TLS); converted HTTP-only",
                               line=ing.obj.line_of("spec", "tls"),
                               hint="if the websecure entry point terminates TLS in your installation (the Helm "
                               "chart's default), pass --traefik-entrypoint websecure=443/HTTPS")
                ing.tls = []
                continue
            resolver = ann(ing.annotations, "router.tls.certresolver")
            entries = []
            own_hostless = next((t.secret for t in ing.tls if t.secret and not t.hosts), "")
            for h in hosts:
                secret = next((t.secret for t in ing.tls if t.secret and h in t.hosts), "") or own_hostless \
                    or store.get((ing.namespace, h), "") \
                    or store.get((ing.namespace, "*." + h.split(".", 1)[-1]), "")
                if not secret and resolver:
                    secret = _resolver_secret(h)
                    mode.setdefault("resolver_secrets", []).append(secret)
                tls_hosts.add(h)
                owner = None if secret else next((shared[k] for k in (h, "*." + h.split(".", 1)[-1]) if k in shared
                                                  and shared[k][0].namespace != ing.namespace), None)
                if owner is not None:  # the certificate another namespace's Ingress loaded serves this host's SNI
                    pattern = h if h in shared else "*." + h.split(".", 1)[-1]
                    lent.setdefault(id(owner[0]), {})[pattern] = (owner[1], owner[2])
                    ing.extra.setdefault("tls_alias", {})[h] = pattern
                    ctx.report(ing, "tls-cross-namespace", f"{h!r} has no certificate in namespace {ing.namespace!r}; "
                               f"Traefik's certificate store is shared by every namespace, and the Secret "
                               f"{owner[0].namespace}/{owner[1]} that Ingress {owner[0].key} loaded (for {pattern!r}) "
                               "served it: the listener references it, with a ReferenceGrant", line=ing.obj.line)
                    continue
                line = next((t.line for t in ing.tls if h in t.hosts), ing.obj.line)
                entries.append(TLSEntry(hosts=[h], secret=secret, line=line))
            ing.tls = entries
        for ing in ingresses:
            _mode(ing)["tls_hosts"] = tls_hosts
            for pattern, (secret, line) in sorted(lent.get(id(ing), {}).items()):
                if not any(pattern in t.hosts for t in ing.tls):  # the planner finds the certificate by this name
                    ing.tls.append(TLSEntry(hosts=[pattern], secret=secret, line=line))

    def path_match(self, ctx: Context, ing: Ingress, p: IngressPath) -> Match | None:
        ptype = p.path_type
        strict = ctx.options.traefik_strict_prefix
        if ptype in ("", "ImplementationSpecific"):
            raw = ann(ing.annotations, "router.pathmatcher")
            matcher = MATCHERS.get((raw or "PathPrefix").strip().lower())
            if matcher is None:
                ctx.report(ing, "path-invalid", f"path {p.path or '/'!r}: router.pathmatcher {raw!r} is not a Traefik "
                           "matcher (Path, PathPrefix, PathRegexp): Traefik skipped this path, and so does the output",
                           line=p.line)
                return None
            if not p.path:
                return Match("PathPrefix", "/")
            if matcher == "Path":
                return self.checked(ctx, ing, p, exact(p.path))
            if matcher == "PathRegexp":
                value = p.path if p.path.startswith("^") else ".*" + p.path
                value = value if value.endswith("$") else value + ".*"
                ctx.report(ing, "path-regex", f"path {p.path!r} is a Traefik PathRegexp (RE2, unanchored search); "
                           f"converted to the RegularExpression {value!r}, whose dialect depends on the implementation",
                           line=p.line)
                return Match("RegularExpression", value)
            return self._prefix(ctx, ing, p, strict)
        if ptype == "Prefix":
            return self._prefix(ctx, ing, p, strict)
        return super().path_match(ctx, ing, p)

    def _prefix(self, ctx: Context, ing: Ingress, p: IngressPath, strict: bool) -> Match | None:
        path = p.path or "/"
        if strict or path == "/":
            return self.checked(ctx, ing, p, segment_prefix(path))
        differs = (f"it does not match {path.rstrip('/')!r} itself" if path.endswith("/")
                   else f"it also matches {path}x...")
        ctx.report(ing, "path-prefix-by-characters",
                   f"path {path!r}: Traefik's PathPrefix matches by characters ({differs}); "
                   f"converted to the RegularExpression {prefix_by_characters(path).path!r}",
                   line=p.line, hint="pass --traefik-strict-prefix if Traefik ran with strictPrefixMatching "
                   "(segment-wise prefixes)")
        return prefix_by_characters(path)

    def finish(self, ctx: Context, ingresses: list[Ingress]) -> None:
        for ing in ingresses:
            mode = _mode(ing)
            http_ports, https_ports = _ports(ctx, mode)
            for r in ing.rules:
                r.serve_http = bool(mode.get("http", True))
                r.serve_https = bool(mode.get("https", False))
                r.http_ports, r.https_ports = http_ports, https_ports
                if r.host == "" and mode.get("https") and not r.dropped:
                    ctx.report(ing, "tls-default-certificate",
                               f"path {r.path!r} has no host: Traefik served it over TLS for any host name (with the "
                               "certificate matching the SNI, or its default one); ing2gw plans HTTPS listeners per "
                               "hostname only, so the output "
                               + ("serves it on plain HTTP only (the web entry point)" if mode.get("http")
                                  else "does not serve it"),
                               line=r.line, hint="give the rule a host, or add an HTTPS listener without hostname")
        for ing in ingresses:
            for r in ing.rules:
                if not r.dropped and any(b.kind != "Service" or b.group for b in r.backends):
                    r.dropped = True  # Traefik: "resource backends are not supported", the path is skipped
                    ctx.report(ing, "backend-resource", f"path {r.path!r}: Traefik does not support resource "
                               "backends and skipped this path; it is not converted", line=r.line)
        _default_backends(ctx, ingresses)
        _default_tls_option(ctx, ingresses)
        for ing in ingresses:
            _service_annotations(ctx, ing)
        _precedence(ctx, ingresses)
        for ing in ingresses:
            for name, field in (("router.middlewares", "mw_status"), ("router.entrypoints", "ep_status")):
                key = _ann_key(ing.annotations, name)
                status = _mode(ing).get(field)
                if status and ing.ann_status.get(key) == "converted":
                    ing.ann_status[key] = status


# -- handlers (mappings/traefik.yaml) ----------------------------------------------------------------------------------

def entrypoints(ctx: Context, ing: Ingress, value: list[str], entry: Entry) -> None | str | tuple[str, str]:
    mode = _mode(ing)
    table = entrypoint_table(ctx)
    key = _ann_key(ing.annotations, "router.entrypoints")
    status = ""
    for name in mode.get("unknown", []):
        ctx.report(ing, "entrypoint-approximated", f"entry point {name!r} is neither web nor websecure nor given with "
                   "--traefik-entrypoint: its port and protocol are unknown, so it is not converted"
                   + ("; the routes keep the default HTTP listener" if not [e for e in value if e in table] else ""),
                   annotation=key, hint="pass --traefik-entrypoint NAME=PORT/PROTOCOL")
        status = "approximated"
    if mode.get("tls_on_http"):
        ctx.report(ing, "entrypoint-approximated", "router.tls makes the routers TLS routers on every entry point, "
                   "the HTTP ones included (Traefik answered TLS, not plain HTTP, there); converted as HTTPS on 443 "
                   "only, since an HTTPS listener cannot share a port with the HTTP listeners", annotation=key)
        status = "approximated"
    if status:
        mode["ep_status"] = status  # the findings above explain it; finish() records the status
    return ("converted", "")


def router_tls(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> None | str | tuple[str, str]:
    if not value:
        return ("converted", "") if not _mode(ing).get("tls_router") else None
    return None


def certresolver(ctx: Context, ing: Ingress, value: str, entry: Entry) -> None | str | tuple[str, str]:
    secrets = _mode(ing).get("resolver_secrets") or []
    if secrets:
        return ("approximated", f"certificates came from Traefik's ACME resolver {value!r}; the HTTPS listeners "
                f"reference the Secrets {', '.join(sorted(set(secrets)))}, which another issuer must fill")
    return None


def tls_options(ctx: Context, ing: Ingress, value: str, entry: Entry) -> None | str | tuple[str, str]:
    name, _, provider = value.partition("@")
    key = _ann_key(ing.annotations, "router.tls.options")
    if not provider:
        return ("approximated", f"the TLSOption {value!r} has no @provider: Traefik looked it up in the Ingress "
                "provider, found none and used its default TLS options; the Gateway uses its implementation's defaults")
    if provider.lower() != "kubernetescrd":
        return ("implementation-specific", f"the TLSOption {value!r} comes from another Traefik provider (outside the "
                "cluster): its TLS versions, ciphers and client-certificate settings are unknown and not carried over")
    want = traefik_middlewares.normalize(name)
    found = [o for o in ctx.inventory.all("TLSOption") if traefik_middlewares.normalize(f"{o.namespace}-{o.name}")
             == want]
    if not found:
        return ("implementation-specific", f"the TLSOption {value!r} is not in the input: its TLS versions, ciphers "
                "and client-certificate settings are unknown and not carried over")
    spec = found[0].data.get("spec") or {}
    client = spec.get("clientAuth") or {}
    if client.get("clientAuthType") in ("RequireAndVerifyClientCert", "VerifyClientCertIfGiven",
                                        "RequireAnyClientCert"):
        ctx.report(ing, "security-not-enforced", f"TLSOption {found[0].namespace}/{found[0].name} requires client "
                   f"certificates ({client.get('clientAuthType')}); the Gateway listeners do not check them",
                   annotation=key, hint="Gateway spec.tls.frontend.default.validation (caCertificateRefs from "
                   f"{client.get('secretNames')}, mode AllowValidOnly); it applies per Gateway or port")
    fields = sorted(k for k in spec if k != "clientAuth")
    return ("implementation-specific", f"TLSOption {found[0].namespace}/{found[0].name} "
            + (f"sets {fields}, which are implementation-specific" if fields else "is not carried over"))


_CLIENT_CERT_REQUIRED = ("RequireAndVerifyClientCert", "VerifyClientCertIfGiven", "RequireAnyClientCert")


def _default_tls_option(ctx: Context, ingresses: list[Ingress]) -> None:
    """A TLSOption named `default` (in one namespace) is Traefik's default TLS options for every TLS router."""
    found = [o for o in ctx.inventory.all("TLSOption") if o.name == "default"
             and o.api_version.startswith(traefik_middlewares.API_GROUPS)]
    if len(found) != 1:  # several: Traefik refused them all and kept its built-in default
        return
    spec = found[0].data.get("spec") if isinstance(found[0].data.get("spec"), dict) else {}
    client = spec.get("clientAuth") if isinstance(spec.get("clientAuth"), dict) else {}
    fields = sorted(k for k in spec if k != "clientAuth")
    for ing in ingresses:
        if not _mode(ing).get("https") or ann(ing.annotations, "router.tls.options") is not None \
                or not any(not r.dropped for r in ing.rules):
            continue
        if client.get("clientAuthType") in _CLIENT_CERT_REQUIRED:
            ctx.report(ing, "security-not-enforced", f"TLSOption {found[0].key} is Traefik's default TLS options, "
                       f"which every TLS router of this Ingress used: it requires client certificates "
                       f"({client.get('clientAuthType')}); the Gateway listeners do not check them",
                       line=ing.obj.line, hint="Gateway spec.tls.frontend.default.validation (caCertificateRefs from "
                       f"{client.get('secretNames')}, mode AllowValidOnly)")
        elif fields:
            ctx.report(ing, "annotation-implementation-specific", f"TLSOption {found[0].key} is Traefik's default TLS "
                       f"options, which every TLS router of this Ingress used; its {fields} are not carried over",
                       line=ing.obj.line, hint="Envoy Gateway ClientTrafficPolicy.tls; Listener tls.options keys")


def pathmatcher(ctx: Context, ing: Ingress, value: str, entry: Entry) -> None | str | tuple[str, str]:
    if not any(p.path_type in ("", "ImplementationSpecific") for p in ing.paths):
        return ("converted", "")
    if value == "PathRegexp":
        return ("approximated", "ImplementationSpecific paths are Traefik PathRegexp expressions (RE2, unanchored); "
                "converted to RegularExpression matches, whose dialect and precedence depend on the implementation")
    return None


def priority(ctx: Context, ing: Ingress, value: int, entry: Entry) -> None | str | tuple[str, str]:
    _mode(ing)["priority"] = value
    return None


def middlewares(ctx: Context, ing: Ingress, value: list[str], entry: Entry) -> None | str | tuple[str, str]:
    status = traefik_middlewares.apply(ctx, ing, value, ing.rules, tls_hosts=_mode(ing).get("tls_hosts", set()),
                                       key=_ann_key(ing.annotations, "router.middlewares"),
                                       serves_http=bool(_mode(ing).get("http", True)),
                                       serves_https=bool(_mode(ing).get("https", False)))
    _mode(ing)["mw_status"] = status
    return ("converted", "")  # each Middleware has its own finding; finish() records the worst status


def on_invalid_value(ctx: Context, ing: Ingress, key: str, error: str) -> None:
    name = key[len(PREFIX):] if key.startswith(PREFIX) else ""
    if name.lower().startswith("router.") and name.lower() != "router.pathmatcher":
        ctx.report(ing, "ingress-ignored-by-controller", f"Traefik could not decode {key} ({error}) and skipped the "
                   "whole Ingress: it served none of these routes, while the output serves them", annotation=key,
                   hint="fix the annotation value, or delete the Ingress if it never worked")


def _ignored_router_keys(ctx: Context, ing: Ingress) -> None:
    """An unknown router.* key makes Traefik's label decoder fail: the whole Ingress is skipped."""
    known = {k.lower() for k in load_table("traefik.yaml").entries}
    for key in ing.annotations:
        if not key.startswith(PREFIX):
            continue
        name = key[len(PREFIX):].lower()
        if name.startswith("router.") and name not in known \
                and not re.fullmatch(r"router\.tls\.domains\.\d+\.(main|sans)", name):
            ctx.report(ing, "ingress-ignored-by-controller", f"{key} is not a router option Traefik knows: its label "
                       "decoder failed and Traefik skipped the whole Ingress, while the output serves it",
                       annotation=key, hint="remove or fix the annotation")


# -- spec.defaultBackend -----------------------------------------------------------------------------------------------

def _default_backends(ctx: Context, ingresses: list[Ingress]) -> None:
    first: Ingress | None = None
    for ing in ingresses:
        defaults = [r for r in ing.rules if r.default and not r.dropped]
        if not defaults:
            continue
        spec = ing.obj.data.get("spec") if isinstance(ing.obj.data.get("spec"), dict) else {}
        if ing.paths or spec.get("rules"):  # Traefik: len(spec.rules) > 0, even rules without paths
            for r in defaults:
                r.dropped = True
            ctx.report(ing, "default-backend-ignored", "Traefik ignores spec.defaultBackend when the Ingress has "
                       "rules (even rules without paths); it is not converted", line=defaults[0].line)
            continue
        if first is not None:
            for r in defaults:
                r.dropped = True
            ctx.report(ing, "default-backend-ignored", f"Traefik keeps one default backend (the one of Ingress "
                       f"{first.key if first.namespace else first.name}); this one was skipped and is not converted",
                       line=defaults[0].line)
            continue
        first = ing


# -- service.* annotations (on the Services) ---------------------------------------------------------------------------

_SERVICE_KEYS = {"serversscheme", "serverstransport", "passhostheader", "sticky.cookie", "sticky.cookie.name",
                 "sticky.cookie.secure", "sticky.cookie.httponly", "sticky.cookie.samesite", "sticky.cookie.maxage",
                 "sticky.cookie.path", "sticky.cookie.domain", "nativelb", "nodeportlb", "middlewares"}


def _service_annotations(ctx: Context, ing: Ingress) -> None:
    done: set[tuple[str, str]] = set()
    mw_rules: dict[str, list[Rule]] = {}
    for rule in ing.rules:
        if rule.dropped:
            continue
        for b in rule.backends:
            if b.kind != "Service" or b.group:
                continue
            svc = ctx.inventory.get("Service", ing.namespace, b.name)
            if svc is None:
                continue
            anns = {k[len(PREFIX) + len("service."):].lower(): str(v) for k, v in
                    ((svc.data.get("metadata") or {}).get("annotations") or {}).items()
                    if k.lower().startswith(PREFIX + "service.")}
            port_name = _port_name(svc, b.port)
            _scheme(ctx, ing, rule, b, svc, anns, port_name, done)
            _sticky(ctx, ing, rule, svc, anns, done)
            _pass_host(ctx, ing, rule, b, svc, anns, done)
            _transport(ctx, ing, rule, b, svc, anns, done)
            for k in sorted(anns):
                if k in ("nativelb", "nodeportlb") and (svc.key, k) not in done:
                    done.add((svc.key, k))
                    _svc_report(ctx, ing, rule, svc, k, "annotation-ignored", "Traefik sent the traffic to the "
                                "ClusterIP (or node ports) instead of the endpoints; Gateway implementations choose "
                                "themselves, with no visible change for clients")
                elif k not in _SERVICE_KEYS and (svc.key, k) not in done:
                    done.add((svc.key, k))
                    _svc_report(ctx, ing, rule, svc, k, "annotation-unknown", "is not a service option Traefik "
                                "knows: Traefik could not decode the Service annotations and skipped the paths that "
                                "use it, while the output serves them")
            if "middlewares" in anns:
                mw_rules.setdefault(svc.key, []).append(rule)
    for svc_key, rules in mw_rules.items():
        ns, _, name = svc_key.partition("/")
        svc = ctx.inventory.get("Service", ns, name)
        if svc is None:
            continue
        value = next(str(v) for k, v in (svc.data["metadata"].get("annotations") or {}).items()
                     if k.lower() == PREFIX + "service.middlewares")
        refs = [r.strip() for r in value.split(",") if r.strip()]
        traefik_middlewares.apply(ctx, ing, refs, rules, key=PREFIX + "service.middlewares",
                                  tls_hosts=_mode(ing).get("tls_hosts", set()), namespace=ns,
                                  serves_http=bool(_mode(ing).get("http", True)),
                                  serves_https=bool(_mode(ing).get("https", False)))


def _port_name(svc: Obj, port: int | None) -> str:
    for p in (svc.data.get("spec") or {}).get("ports") or []:
        if isinstance(p, dict) and p.get("port") == port:
            return str(p.get("name") or "")
    return ""


def _svc_report(ctx: Context, ing: Ingress, rule: Rule, svc: Obj, key: str, code: str, message: str,
                hint: str = "") -> None:
    ctx.report(ing, code, f"{PREFIX}service.{key} on Service {svc.key}: {message}", annotation=f"{PREFIX}service.{key}",
               line=rule.line, hint=hint)


def _scheme(ctx: Context, ing: Ingress, rule: Rule, b: Backend, svc: Obj, anns: dict, port_name: str,
            done: set) -> None:
    scheme = anns.get("serversscheme", "").strip().lower()
    once = (svc.key, "serversscheme") not in done
    done.add((svc.key, "serversscheme"))
    host = f"{svc.name}.{svc.namespace}.svc" if svc.namespace else svc.name
    if not scheme:
        if b.port == 443 or port_name.startswith("https"):
            b.tls = {"hostname": host, "ca": "System"}
            if once:
                ctx.report(ing, "backend-https-implicit", f"Service {svc.key} port {b.port}"
                           + (f" ({port_name})" if port_name else "") + ": Traefik spoke HTTPS to it (port 443 or a "
                           f"port name starting with https); converted to a BackendTLSPolicy that verifies the "
                           f"certificate for {host!r} with the system CAs (Traefik verified against the pod address, "
                           "or not at all with insecureSkipVerify)", line=rule.line,
                           hint="put the CA and the certificate's name in the BackendTLSPolicy")
        return
    if scheme == "http":
        return
    if scheme == "https":
        b.tls = {"hostname": host, "ca": "System"}
        if once:
            _svc_report(ctx, ing, rule, svc, "serversscheme", "annotation-approximated", "HTTPS to the backend became "
                        f"a BackendTLSPolicy that verifies the certificate for {host!r} with the system CAs (Traefik "
                        "verified against the pod address, or not at all with insecureSkipVerify)",
                        hint="put the CA and the certificate's name in the BackendTLSPolicy")
        return
    if scheme == "h2c":
        b.app_protocol = "kubernetes.io/h2c"
        if once:
            _svc_report(ctx, ing, rule, svc, "serversscheme", "annotation-approximated", "Traefik spoke cleartext "
                        "HTTP/2 (h2c) to the backend; Gateway implementations do so only when the Service port has "
                        "appProtocol kubernetes.io/h2c", hint=f"set appProtocol: kubernetes.io/h2c on port {b.port} of "
                        f"Service {svc.key}")
        return
    if once:
        _svc_report(ctx, ing, rule, svc, "serversscheme", "annotation-invalid-value", f"{scheme!r} is not http, https "
                    "or h2c: Traefik built server URLs with that scheme, which fail; the output uses HTTP")


def _first(svc: Obj, what: str, done: set) -> bool:
    """True the first time a Service's annotation is looked at (its findings are reported once, not per path)."""
    first = (svc.key, what) not in done
    done.add((svc.key, what))
    return first


def _service_bool(ctx: Context, ing: Ingress, rule: Rule, svc: Obj, anns: dict, key: str, once: bool) -> bool | None:
    """A boolean Service annotation; None (reported once) when Traefik could not read it."""
    value = _bool(anns[key])
    if value is None and once:
        _svc_report(ctx, ing, rule, svc, key, "annotation-invalid-value",
                    f"{anns[key]!r} is not a boolean: Traefik skipped the paths that use the Service, "
                    "while the output serves them")
    return value


def _sticky(ctx: Context, ing: Ingress, rule: Rule, svc: Obj, anns: dict, done: set) -> None:
    keys = sorted(k for k in anns if k.startswith("sticky.cookie"))
    if not keys:
        return
    once = _first(svc, "sticky", done)
    on = _service_bool(ctx, ing, rule, svc, anns, "sticky.cookie", once) if "sticky.cookie" in anns else True
    if not on:
        return
    lost = [k for k in keys if k.rsplit(".", 1)[-1] in ("secure", "httponly", "samesite", "path", "domain")]
    if not ctx.options.experimental:
        if once:
            _svc_report(ctx, ing, rule, svc, "sticky.cookie", "annotation-needs-experimental", "cookie session "
                        "affinity is not carried over", hint="with --channel experimental: HTTPRouteRule."
                        "sessionPersistence (type Cookie); Envoy Gateway BackendTrafficPolicy.loadBalancer "
                        "ConsistentHash; Istio DestinationRule consistentHash.httpCookie")
        return
    session: dict = {"type": "Cookie"}
    if anns.get("sticky.cookie.name"):
        session["sessionName"] = anns["sticky.cookie.name"][:128]
    try:
        max_age = parse_int(anns["sticky.cookie.maxage"]) if "sticky.cookie.maxage" in anns else None
    except ValueError:
        max_age = None
    capped = ""
    if max_age and max_age > 0:
        if max_age > 99999 * 3600:  # a Gateway API Duration has at most 5 digits per unit
            capped = f"; the cookie max-age {max_age}s is capped at the longest Duration, 99999h"
            max_age = 99999 * 3600
        session["absoluteTimeout"] = format_duration(max_age * 1000)
        session["cookieConfig"] = {"lifetimeType": "Permanent"}
    rule.session = session
    if once:
        _svc_report(ctx, ing, rule, svc, "sticky.cookie", "annotation-approximated", "cookie session affinity became "
                    "sessionPersistence (type Cookie)" + (f"; the cookie attributes {lost} have no equivalent"
                                                          if lost else "") + capped
                    + "; support varies by implementation")


def _pass_host(ctx: Context, ing: Ingress, rule: Rule, b: Backend, svc: Obj, anns: dict, done: set) -> None:
    if "passhostheader" not in anns:
        return
    once = _first(svc, "passhostheader", done)
    if _service_bool(ctx, ing, rule, svc, anns, "passhostheader", once) is not False:
        return
    host = f"{svc.name}.{svc.namespace}.svc" if svc.namespace else svc.name
    if rule.filter("RequestRedirect") is None:
        rw = rule.filter("URLRewrite")
        if rw is None:
            rule.filters.append({"type": "URLRewrite", "urlRewrite": {"hostname": host}})
        else:
            rw["urlRewrite"].setdefault("hostname", host)
    if once:
        _svc_report(ctx, ing, rule, svc, "passhostheader", "annotation-approximated", "Traefik sent the pod address "
                    f"as Host header; the output sends {host!r} (URLRewrite hostname)")


def _transport(ctx: Context, ing: Ingress, rule: Rule, b: Backend, svc: Obj, anns: dict, done: set) -> None:
    value = anns.get("serverstransport")
    if not value or (svc.key, "serverstransport") in done:
        return
    done.add((svc.key, "serverstransport"))
    key = f"{PREFIX}service.serverstransport"
    name, _, provider = value.partition("@")
    found = []
    if provider.lower() == "kubernetescrd":
        want = traefik_middlewares.normalize(name)
        found = [o for o in ctx.inventory.all("ServersTransport")
                 if traefik_middlewares.normalize(f"{o.namespace}-{o.name}") == want]
    if not found:
        ctx.report(ing, "annotation-implementation-specific", f"{key} on Service {svc.key}: the ServersTransport "
                   f"{value!r} is not in the input (or comes from another provider): its backend TLS, timeouts and "
                   "connection settings are not carried over", annotation=key, line=rule.line,
                   hint="BackendTLSPolicy for serverName and root CAs; Gateway spec.tls.backend for client "
                   "certificates; Envoy Gateway BackendTrafficPolicy for timeouts")
        return
    spec = found[0].data.get("spec") or {}
    notes = []
    if b.tls is not None:
        if spec.get("serverName"):
            b.tls["hostname"] = str(spec["serverName"])
        cas = [{"kind": "Secret", "name": str(s)} for s in (spec.get("rootCAsSecrets") or [])]
        cas += [{"kind": "Secret" if c.get("secret") else "ConfigMap",
                 "name": str(c.get("secret") or c.get("configMap"))}
                for c in spec.get("rootCAs") or [] if isinstance(c, dict) and (c.get("secret") or c.get("configMap"))]
        if cas:
            b.tls["ca"] = cas
        if spec.get("serverName") or cas:
            notes.append("serverName and root CAs went into the BackendTLSPolicy"
                         + (" (CA Secrets are implementation-specific; a ConfigMap with ca.crt is portable)"
                            if any(c["kind"] == "Secret" for c in cas) else ""))
    if spec.get("insecureSkipVerify"):
        notes.append("insecureSkipVerify has no Gateway API equivalent (a BackendTLSPolicy always verifies)")
    rest = sorted(k for k in spec if k not in ("serverName", "rootCAsSecrets", "rootCAs", "insecureSkipVerify"))
    if rest:
        notes.append(f"{rest} are not carried over")
    ctx.report(ing, "annotation-implementation-specific" if rest or spec.get("insecureSkipVerify")
               else "annotation-approximated",
               f"{key} on Service {svc.key}: ServersTransport {found[0].key}: " + ("; ".join(notes) or "nothing set"),
               annotation=key, line=rule.line,
               hint="Envoy Gateway Backend tls.insecureSkipVerify; BackendTrafficPolicy timeouts")


# -- precedence --------------------------------------------------------------------------------------------------------

def _rule_info(ctx: Context, ing: Ingress, r: Rule) -> tuple[str, str, int] | None:
    """(kind, path, Traefik priority) of a rule; kind is exact | prefix | regex."""
    ptype = r.path_type
    raw_path = next((p.path for p in ing.paths if p.line == r.line and (p.path or "/") == (r.path or "/")), r.path)
    if ptype == "Exact":
        matcher = "Path"
    elif ptype == "Prefix":
        matcher = "PathPrefix"
    else:
        matcher = MATCHERS.get((ann(ing.annotations, "router.pathmatcher") or "PathPrefix").strip().lower(),
                               "PathPrefix")
    host = r.host
    parts = []
    if host:
        if host.startswith("*."):
            hp = host.replace(".", "\\.").replace("*\\.", "[a-zA-Z0-9-]+\\.", 1)
            parts.append(f"HostRegexp(`{hp}`)")
        else:
            parts.append(f"Host(`{host}`)")
    if raw_path:
        if matcher == "PathPrefix" and ctx.options.traefik_strict_prefix and raw_path != "/":
            base = raw_path[:-1] if raw_path.endswith("/") else raw_path  # Go strings.TrimSuffix(path, "/")
            parts.append(f"(Path(`{base}`) || PathPrefix(`{base}/`))")
        else:
            parts.append(f"{matcher}(`{raw_path}`)")
    length = len(" && ".join(parts))
    prio = _mode(ing).get("priority") or length
    kind = {"Path": "exact", "PathPrefix": "prefix", "PathRegexp": "regex"}[matcher]
    return kind, raw_path or "/", prio


def _covers(outer: tuple, inner: tuple, strict: bool) -> bool:
    """Every request the inner rule matches is also matched by the outer (a prefix rule)."""
    okind, opath, _ = outer
    ikind, ipath, _ = inner
    if okind != "prefix" or ikind == "regex":
        return False
    if strict and opath != "/":
        base = opath.rstrip("/")
        return ipath == base or ipath.startswith(base + "/")
    return ipath.startswith(opath)


def _precedence(ctx: Context, ingresses: list[Ingress]) -> None:
    strict = ctx.options.traefik_strict_prefix
    by_host: dict[str, list] = {}
    for ing in ingresses:
        for r in ing.rules:
            if r.dropped or r.default:
                continue
            info = _rule_info(ctx, ing, r)
            if info:
                by_host.setdefault(r.host, []).append((ing, r, info))
    for host, items in by_host.items():
        for ing_a, a, ia in items:
            if a.dropped:
                continue
            for ing_b, b, ib in items:
                if a is b or b.dropped or not _covers(ib, ia, strict) or ing_a.ingress_class != ing_b.ingress_class \
                        or not _sides(a) & _sides(b):  # another Traefik, or other entry points: no competition
                    continue
                gateway_prefers_a = ia[0] == "exact" or len(ia[1]) > len(ib[1])
                if not gateway_prefers_a:
                    continue
                where = f" of Ingress {ing_b.key}" if ing_b is not ing_a else ""
                a_desc = f"{'Exact' if ia[0] == 'exact' else 'prefix'} path {ia[1]!r} (priority {ia[2]})"
                b_desc = f"prefix path {ib[1]!r}{where} (priority {ib[2]})"
                if ib[2] > ia[2]:
                    same_sides = _sides(a) <= _sides(b)
                    if same_sides:
                        a.dropped = True
                        ctx.report(ing_a, "precedence-changed", f"host {host or '*'!r}: the {a_desc} never received a "
                                   f"request in Traefik, because the {b_desc} covers it and ranks higher (longer rule "
                                   "string or router.priority); Gateway API would prefer it, so it is left out to keep "
                                   "Traefik's routing", line=a.line,
                                   hint="if the shadowed path was meant to work, keep it and accept the change")
                    else:
                        ctx.report(ing_a, "precedence-changed", f"host {host or '*'!r}: on the entry points they "
                                   f"share, Traefik sent the {a_desc} to the {b_desc}; Gateway API prefers the "
                                   f"{a_desc}",
                                   line=a.line)
                    _mark_priority(ing_a)
                    _mark_priority(ing_b)
                    if a.dropped:
                        break
                elif ib[2] == ia[2]:
                    ctx.report(ing_a, "precedence-changed", f"host {host or '*'!r}: the {a_desc} and the {b_desc} have "
                               "the same Traefik priority, so Traefik's choice between them is arbitrary; Gateway API "
                               f"prefers the {a_desc}", line=a.line)
                    _mark_priority(ing_a)
                    _mark_priority(ing_b)
    _hostless(ctx, by_host)
    _default_reach(ctx, ingresses, by_host)


def _sides(r: Rule) -> set[tuple[str, int]]:
    """The (protocol, port) entry points a rule is served on."""
    return ({("http", p) for p in r.http_ports} if r.serve_http else set()) \
        | ({("https", p) for p in r.https_ports} if r.serve_https else set())


def _hostless(ctx: Context, by_host: dict[str, list]) -> None:
    """A host-less Traefik router competes with the routers of every host; a Gateway listener of its own hostname
    takes a host's requests away from the host-less routes: report the hosts where the host-less rule won."""
    strict = ctx.options.traefik_strict_prefix
    for ing_a, a, ia in by_host.get("", []):
        if a.dropped:
            continue
        hosts = []
        plain = {side for side in _sides(a) if side[0] == "http"}  # its HTTPS side is reported by finish()
        for host in sorted(h for h in by_host if h):
            for side in sorted(plain):
                mine = [ib for ing_b, b, ib in by_host[host] if not b.dropped and side in _sides(b)
                        and ing_b.ingress_class == ing_a.ingress_class]
                # no rule of the host there: no listener of its own, the host-less route still answers; or a rule
                # of the host covers the path and outranks the host-less rule: no change
                if mine and not any(_covers(ib, ia, strict) and ib[2] > ia[2] for ib in mine):
                    hosts.append(host)
                    break
        if not hosts:
            continue
        shown = ", ".join(repr(h) for h in hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
        ctx.report(ing_a, "precedence-changed", f"path {ia[1]!r} has no host: Traefik matched it for every host name, "
                   f"{shown} included, where no rule of the host covering the path outranked it (priority {ia[2]}); "
                   "in the output those hosts have listeners of their own, which carry only their own routes, so "
                   "their requests for this path no longer reach it", line=a.line,
                   hint="add the path to the rules of those hosts (or give this rule their host names) to keep "
                   "Traefik's routing")


def _default_reach(ctx: Context, ingresses: list[Ingress], by_host: dict[str, list]) -> None:
    """Traefik's default backend (priority MinInt32) answers what no router matched, on every host name."""
    for ing in ingresses:
        rule = next((r for r in ing.rules if r.default and not r.dropped), None)
        if rule is None:
            continue
        root = ("prefix", "/", 0)
        plain = {side for side in _sides(rule) if side[0] == "http"}
        hosts = []
        for h in sorted(x for x in by_host if x):
            for side in sorted(plain):
                mine = [i for g, b, i in by_host[h] if not b.dropped and side in _sides(b)
                        and g.ingress_class == ing.ingress_class]
                if mine and not any(_covers(i, root, False) for i in mine):
                    hosts.append(h)
                    break
        if not hosts:
            continue
        shown = ", ".join(repr(h) for h in hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
        ctx.report(ing, "precedence-changed", f"Traefik's default backend also answered the requests of {shown} that "
                   "no rule of those hosts matched; in the output those hosts have listeners of their own, so such "
                   "requests get 404 instead", line=rule.line,
                   hint="add a '/' rule to those hosts with this backend to keep Traefik's fallback")


def _mark_priority(ing: Ingress) -> None:
    key = next((k for k in ing.annotations if k.lower() == PREFIX + "router.priority"), None)
    if key and ing.ann_status.get(key) == "converted":
        ing.ann_status[key] = "approximated"
