"""The planner: Gateways, listeners, route objects, names, limits and ReferenceGrants from the routing model.

Listeners are per hostname (`http-<host>` on 80, `https-<host>` on 443 with the host's certificate), so that a
host's HTTP side can differ from its HTTPS side (TLS redirects) without touching other hosts. Routes attach by
sectionName. Past 64 listeners a Gateway spills into ListenerSets; past 16 rules, 128 matches or 16 hostnames a
route is split. Names go through one allocator so they never collide.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

from . import emit
from .context import Context
from .findings import Finding, Severity
from .model import Ingress, Rule
from .names import Allocator, dns_subdomain, host_slug, listener_name
from .vendors import get as get_vendor

GW_GROUP = "gateway.networking.k8s.io"
MAX_LISTENERS = 64
MAX_RULES = 16
MAX_MATCHES = 128
MAX_RULE_MATCHES = 64
MAX_HOSTNAMES = 16
MAX_PARENTS = 32
MAX_GRANT_TO = 16


@dataclass
class Listener:
    name: str
    port: int
    protocol: str
    hostname: str = ""
    cert: tuple[str, str] | None = None  # (namespace, secret)
    mode: str | None = None  # TLS mode for protocol TLS
    namespaces: set[str] = field(default_factory=set)
    owner: str = ""  # "" for the Gateway itself, else the ListenerSet's name


@dataclass
class GatewayPlan:
    namespace: str
    name: str
    class_name: str
    listeners: dict[str, Listener] = field(default_factory=dict)
    listener_sets: list[str] = field(default_factory=list)

    def listener(self, name: str, port: int, protocol: str, hostname: str = "", **kw: object) -> Listener:
        if name not in self.listeners:
            self.listeners[name] = Listener(name, port, protocol, hostname, **kw)  # type: ignore[arg-type]
        return self.listeners[name]


@dataclass
class RoutePlan:
    kind: str
    ingress: Ingress
    base: str
    hostnames: list[str]
    rules: list[dict]
    sections: list[tuple[str, str]]  # (hostname, listener name)
    gateway: GatewayPlan


@dataclass
class HostTLS:
    """What the controller knew about TLS for one host, across all its Ingresses."""

    tls: bool = False
    cert: tuple[str, str] | None = None
    owner: str = ""  # namespace/name of the Ingress whose certificate is used


class Planner:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.opts = ctx.options
        self.gateways: dict[tuple[str, str], GatewayPlan] = {}
        self.routes: list[RoutePlan] = []
        self.tls_routes: list[RoutePlan] = []
        self.names = Allocator()
        self.tls: dict[tuple[str, str], HostTLS] = {}
        self.passthrough: set[tuple[str, str]] = set()  # (scope, host) whose TLS connections are passed through
        self.backend_tls: dict[tuple[str, str], tuple[dict, Ingress]] = {}
        self._certs: dict[tuple[str, str, str], tuple[str, str] | None] = {}

    # -- gateways and TLS ------------------------------------------------------------------------------------------

    def gateway_for(self, ing: Ingress) -> GatewayPlan:
        cls = ing.ingress_class or ing.vendor
        if self.opts.gateway_mode == "shared":
            key = (self.opts.gateway_namespace or "default", self.opts.gateway or "ing2gw")
        else:
            key = (ing.namespace, self.opts.gateway or dns_subdomain(cls, 253))
        if key not in self.gateways:
            self.gateways[key] = GatewayPlan(key[0], key[1], self.opts.gateway_class or cls)
        return self.gateways[key]

    def scope(self, ing: Ingress) -> str:
        """TLS is shared by every Ingress of one controller (nginx servers are per host, cluster-wide)."""
        return f"{ing.vendor}/{ing.ingress_class or ''}"

    def collect_tls(self, ingresses: list[Ingress]) -> None:
        """Which hosts the controller served over TLS, and with which certificate (oldest Ingress first)."""
        for ing in sorted(ingresses, key=Ingress.order_key):
            vendor = get_vendor(ing.vendor)
            scope = self.scope(ing)
            if ing.passthrough:
                self.passthrough.update((scope, h) for h in ing.hosts if h)
            if ing.tls_ignored:
                continue
            listed = {h for t in ing.tls for h in t.hosts}
            for t in ing.tls:
                for h in t.hosts or ing.hosts:  # no hosts: the certificate covers the Ingress's own hosts
                    info = self.tls.setdefault((scope, h), HostTLS())
                    info.tls = True
                    if t.secret and info.cert is None:
                        info.cert, info.owner = (ing.namespace, t.secret), ing.key
                    elif t.secret and info.cert != (ing.namespace, t.secret):
                        self.ctx.report(ing, "tls-secret-conflict", f"host {h!r} also has the certificate "
                                        f"{info.cert[0]}/{info.cert[1]} from the older Ingress {info.owner}; the "
                                        f"controller served that one, not {t.secret!r}, and so does the output",
                                        line=t.line)
            if ing.tls and ing.extra.get("tls_all_rule_hosts", vendor.tls_all_rule_hosts):
                # ingress-nginx: the Ingress's other rule hosts are served with the default certificate
                for h in ing.hosts:
                    if h and h not in listed:
                        self.tls.setdefault((scope, h), HostTLS()).tls = True
        for ing in sorted(ingresses, key=Ingress.order_key):
            for alias, host in (ing.extra.get("tls_alias") or {}).items():  # names served with another host's TLS
                main = self.tls.get((self.scope(ing), host))
                if main is not None and main.tls and (self.scope(ing), alias) not in self.tls:
                    self.tls[(self.scope(ing), alias)] = HostTLS(True, main.cert, main.owner)

    def host_tls(self, ing: Ingress, host: str) -> HostTLS:
        scope = self.scope(ing)
        info = self.tls.get((scope, host))
        if info is None and host and not host.startswith("*."):
            wild = self.tls.get((scope, "*." + host.split(".", 1)[-1]))
            if wild is not None and wild.cert:
                info = HostTLS(True, wild.cert, wild.owner)
        return info or HostTLS()

    def certificate(self, ing: Ingress, host: str) -> tuple[str, str] | None:
        """The Secret that serves `host` over TLS, or None when the host has no TLS (or no usable certificate)."""
        key = (ing.obj.file, ing.key, host)
        if key not in self._certs:
            self._certs[key] = self._certificate(ing, host)
        return self._certs[key]

    def _certificate(self, ing: Ingress, host: str) -> tuple[str, str] | None:
        info = self.host_tls(ing, host)
        if not info.tls or (self.scope(ing), host) in self.passthrough:
            return None
        if info.cert:
            return info.cert
        if self.opts.default_certificate:
            ns, _, name = self.opts.default_certificate.rpartition("/")
            return (ns or ing.namespace, name)
        mine = [r for r in ing.rules if r.host == host and not r.dropped]
        redirects = any(r.https_redirect and r.serve_http for r in mine)
        plain = any(r.serve_http for r in mine)
        where = repr(host) if host else "the host-less rules"
        self.ctx.report(ing, "security-not-enforced" if redirects else "tls-default-certificate",
                        f"{where} was served over TLS with the controller's default certificate"
                        + (" and its HTTP requests were redirected to HTTPS; without a certificate the output serves "
                           "it on plain HTTP" if redirects else "; the output serves it on plain HTTP only" if plain
                           else "; without a certificate the output does not serve it"),
                        hint="pass --default-certificate NAMESPACE/NAME (the controller's default certificate)")
        return None

    # -- routes ----------------------------------------------------------------------------------------------------

    def plan_ingress(self, ing: Ingress) -> None:
        """Routes for one Ingress: per kind, hosts with the same sides share a route; a side is (protocol, port)."""
        gw = self.gateway_for(ing)
        rules = [r for r in ing.rules if not r.dropped]
        self.collect_backend_tls(ing, rules)
        if ing.passthrough:
            self.plan_passthrough(ing, gw, rules)
        rules = [r for r in rules if r.protocol != "grpc" or self.grpc_convertible(ing, r)]
        groups: dict[str, list] = {}
        for kind, proto in (("HTTPRoute", "http"), ("GRPCRoute", "grpc")):
            for host in _hosts(rules, proto):
                host_rules = [r for r in rules if r.host == host and r.protocol == proto]
                routes = self.sides(ing, host, host_rules, kind)
                key = kind + json.dumps(routes, sort_keys=True)
                groups.setdefault(key, [kind, routes, []])[2].append(host)
        single = len(groups) == 1
        for kind, routes, hosts in groups.values():
            base = ing.name if single else f"{ing.name}-{host_slug(hosts[0]) or 'catch-all'}"
            for n, (sides, rule_dicts) in enumerate(routes):
                sections = [(h, self.section(gw, ing, h, proto, port)) for proto, port in sides for h in hosts]
                name = base if n == 0 else f"{base}-{_side_suffix(sides[0])}"
                self.routes.append(RoutePlan(kind, ing, name, hosts, rule_dicts, sections, gw))

    def sides(self, ing: Ingress, host: str, rules: list[Rule], kind: str) -> list:
        """[(sides, rule dicts)]: the rules a host serves on each (protocol, port), sides with equal rules merged.

        A host with TLS serves its HTTPS rules on 443 (with the controller's HSTS header) and, on plain HTTP,
        redirects to HTTPS or serves the rules that are not redirected; a host without TLS serves on plain HTTP.
        """
        grpc = kind == "GRPCRoute"
        cert = self.certificate(ing, host) if any(r.serve_https for r in rules) else None
        by_side: dict[tuple[str, int], list[dict]] = {}
        for r in rules:
            if cert is not None and r.serve_https:
                for port in r.https_ports:
                    by_side.setdefault(("https", port), []).append(emit.rule(r, hsts=True, grpc=grpc))
            if r.serve_http:
                side_rule = emit.http_side_rule(r, grpc=grpc) if cert is not None else emit.rule(r, grpc=grpc)
                for port in r.http_ports:
                    if side_rule is not None:
                        by_side.setdefault(("http", port), []).append(side_rule)
        if cert is not None and any(r.https_redirect and r.serve_http for r in rules):
            codes = sorted({str(r.https_redirect) for r in rules if r.https_redirect and r.serve_http})
            self.ctx.report(ing, "tls-redirect", f"HTTP requests for {host!r} are redirected to HTTPS "
                            f"({', '.join(codes)})", line=ing.obj.line)
        merged: list[list] = []
        for side in sorted(by_side, key=_side_order):
            for entry in merged:
                if entry[1] == by_side[side]:
                    entry[0].append(side)
                    break
            else:
                merged.append([[side], by_side[side]])
        return [(tuple(sides), rule_dicts) for sides, rule_dicts in merged]

    def section(self, gw: GatewayPlan, ing: Ingress, host: str, proto: str, port: int) -> str:
        default = 443 if proto == "https" else 80
        name = listener_name(proto, host, None if port == default else port)
        if proto == "https":
            lst = gw.listener(name, port, "HTTPS", host, cert=self.certificate(ing, host))
        else:
            lst = gw.listener(name, port, "HTTP", host)
        lst.namespaces.add(ing.namespace)
        return lst.name

    def grpc_convertible(self, ing: Ingress, r: Rule) -> bool:
        """Drop what a GRPCRoute cannot express (matches, filters), with findings; False when no match is left."""
        dropped = [f["type"] for f in r.filters if f["type"] not in emit.GRPC_FILTERS]
        if dropped:
            r.filters = [f for f in r.filters if f["type"] in emit.GRPC_FILTERS]
            self.ctx.report(ing, "grpc-filter-unsupported", f"gRPC path {r.path!r}: a GRPCRoute has no "
                            f"{', '.join(dict.fromkeys(dropped))} filter; it is not applied to gRPC calls",
                            line=r.line)
        if r.timeouts or r.retry:
            self.ctx.report(ing, "grpc-filter-unsupported", f"gRPC path {r.path!r}: a GRPCRoute rule has no "
                            "timeouts or retry; they are not applied to gRPC calls", line=r.line)
            r.timeouts, r.retry = None, None
        lost = [m for m in r.matches if emit.grpc_match(m) is None]
        if not lost:
            return True
        r.matches = [m for m in r.matches if m not in lost]
        self.ctx.report(ing, "grpc-path-unsupported", f"gRPC path {r.path!r} is not a /service/method name a "
                        f"GRPCRoute can match ({', '.join(repr(m.path) for m in lost)}); "
                        + ("the rule is left out" if not r.matches else "those matches are left out"), line=r.line)
        return bool(r.matches)

    def plan_passthrough(self, ing: Ingress, gw: GatewayPlan, rules: list[Rule]) -> None:
        """TLS passthrough: a TLS listener per host, and per host a TLSRoute to the backend of its root path.

        The controller passed a host's connections to the one backend of its `/` location (TLS cannot be routed
        by path), so hosts with different backends get different TLSRoutes.
        """
        hosts = [h for h in dict.fromkeys(r.host for r in rules) if h]  # the hosts that survived validation
        if not hosts:
            self.ctx.report(ing, "annotation-unsupported", "TLS passthrough needs a host (SNI); the host-less "
                            "rules are not passed through")
            return
        by_backend: dict[tuple, list[str]] = {}
        for host in hosts:
            root = [r for r in rules if r.host == host and r.backends and r.matches and r.matches[0].path == "/"]
            pick = (root or [r for r in rules if r.host == host and r.backends])[:1]
            if not pick:
                self.ctx.report(ing, "backend-missing", f"TLS passthrough for {host!r} has no backend to pass "
                                "connections to")
                continue
            b = pick[0].backends[0]
            by_backend.setdefault((b.name, b.port), []).append(host)
        for (name, port), group in by_backend.items():
            sections = []
            for host in group:
                lst = gw.listener(listener_name("tls", host), 443, "TLS", host, mode="Passthrough")
                lst.namespaces.add(ing.namespace)
                sections.append((host, lst.name))
            base = ing.name if len(by_backend) == 1 else f"{ing.name}-{host_slug(group[0])}"
            self.tls_routes.append(RoutePlan("TLSRoute", ing, base, group,
                                             [{"backendRefs": [{"name": name, "port": port}]}], sections, gw))

    def collect_backend_tls(self, ing: Ingress, rules: list[Rule]) -> None:
        for r in rules:
            for b in r.backends:
                if b.tls is None or b.kind != "Service":
                    continue
                key = (ing.namespace, b.name)
                if key not in self.backend_tls:
                    self.backend_tls[key] = (b.tls, ing)
                elif self.backend_tls[key][0] != b.tls:
                    self.ctx.report(ing, "backend-protocol", f"service {b.name!r} is given other backend TLS "
                                    f"settings by Ingress {self.backend_tls[key][1].key}; that one is kept")

    def backend_tls_policies(self) -> list[dict]:
        out = []
        for (ns, svc), (tls, ing) in sorted(self.backend_tls.items()):
            name = self.names.take("BackendTLSPolicy", ns, f"{svc}-backend-tls", seed=f"{ns}/{svc}")
            out.append(emit.backend_tls_policy(name, ns, svc, tls, ing))
        return out

    # -- output ----------------------------------------------------------------------------------------------------

    def objects(self) -> list[dict]:
        """Every planned object as a Gateway API dict, in a stable order."""
        for gw in self.gateways.values():
            self.place_listeners(gw)
        out: list[dict] = []
        if self.opts.controller_name:
            for cls in sorted({gw.class_name for gw in self.gateways.values()}):
                out.append(emit.gateway_class(cls, self.opts.controller_name))
        for gw in sorted(self.gateways.values(), key=lambda g: (g.namespace, g.name)):
            if gw.listeners:
                out += emit.gateway(gw)
        for rp in self.routes:
            out += self.route_objects(rp)
        for rp in self.tls_routes:
            name = self.names.take("TLSRoute", rp.ingress.namespace, rp.base, seed=rp.ingress.key)
            out.append(emit.route("TLSRoute", name, rp.ingress, rp.hostnames[:1024],
                                  [_public(p) for p in self.parent_refs(rp)], rp.rules))
        out += self.backend_tls_policies()
        out += self.reference_grants()
        return out

    def place_listeners(self, gw: GatewayPlan) -> None:
        listeners = sorted(gw.listeners.values(), key=lambda ls: (ls.hostname == "", ls.hostname, ls.port, ls.name))
        if len(listeners) <= MAX_LISTENERS:
            return
        for i in range(MAX_LISTENERS, len(listeners), MAX_LISTENERS):
            set_name = self.names.take("ListenerSet", gw.namespace, f"{gw.name}-{i // MAX_LISTENERS + 1}")
            gw.listener_sets.append(set_name)
            for lst in listeners[i:i + MAX_LISTENERS]:
                lst.owner = set_name
        self.ctx.findings.append(Finding(
            "listener-split", kind="Gateway", namespace=gw.namespace, name=gw.name,
            message=f"Gateway {gw.namespace}/{gw.name} needs {len(listeners)} listeners; "
            f"{len(listeners) - MAX_LISTENERS} are in the ListenerSets {', '.join(gw.listener_sets)}"))

    def route_objects(self, rp: RoutePlan) -> list[dict]:
        ing = rp.ingress
        parents = self.parent_refs(rp)
        hostnames = [h for h in rp.hostnames if h]
        per_host = max((sum(1 for p in parents if p["_host"] == h) for h in hostnames), default=1)
        size = max(1, min(MAX_HOSTNAMES, MAX_PARENTS // max(per_host, 1)))  # at most 32 parentRefs per route
        host_chunks = [hostnames[i:i + size] for i in range(0, len(hostnames), size)] or [[]]
        rule_chunks = split_rules(rp.rules)
        parts = [(hc, rc) for hc in host_chunks for rc in rule_chunks]
        if len(parts) > 1:
            self.ctx.report(ing, "route-split", f"{rp.kind} {rp.base} split into {len(parts)} objects "
                            f"({len(rp.rules)} rules, {len(hostnames)} hostnames)")
        out = []
        for n, (hosts, rules) in enumerate(parts):
            wanted = rp.base if n == 0 else f"{rp.base}-{n + 1}"
            name = self.names.take(rp.kind, ing.namespace, wanted, seed=f"{ing.key}/{rp.base}/{n}")
            if name != wanted:
                self.ctx.report(ing, "name-shortened", f"{rp.kind} {wanted!r} is named {name!r} (a valid name that "
                                "no other generated object has)")
            refs = [p for p in parents if not hosts or p["_host"] in hosts or p["_host"] == ""]
            out.append(emit.route(rp.kind, name, ing, hosts, [_public(p) for p in refs], rules))
        return out

    def parent_refs(self, rp: RoutePlan) -> list[dict]:
        gw = rp.gateway
        refs, seen = [], set()
        for host, section in rp.sections:
            lst = gw.listeners[section]
            ref: dict = {"group": GW_GROUP, "kind": "ListenerSet" if lst.owner else "Gateway",
                         "name": lst.owner or gw.name}
            if gw.namespace != rp.ingress.namespace:
                ref["namespace"] = gw.namespace
            ref["sectionName"] = section
            key = (ref["kind"], ref["name"], section)
            if key not in seen:
                seen.add(key)
                refs.append({**ref, "_host": host})
        return refs

    def reference_grants(self) -> list[dict]:
        grants: dict[str, dict[tuple[str, str], set[str]]] = {}
        for gw in self.gateways.values():
            for lst in gw.listeners.values():
                if lst.cert and lst.cert[0] != gw.namespace and lst.cert[0]:
                    kind = "ListenerSet" if lst.owner else "Gateway"
                    grants.setdefault(lst.cert[0], {}).setdefault((kind, gw.namespace), set()).add(lst.cert[1])
        out = []
        for ns in sorted(grants):
            for (kind, from_ns), secrets in sorted(grants[ns].items()):
                names = sorted(secrets)
                if not from_ns:
                    self.ctx.findings.append(Finding(
                        "namespace-missing", kind="Gateway", severity=Severity.WARNING,
                        message=f"a Gateway without a namespace uses the certificates {', '.join(names)} of namespace "
                        f"{ns!r}: no ReferenceGrant can name a namespace it does not know",
                        hint="pass --namespace NS, as for kubectl apply -n NS"))
                    continue
                for i in range(0, len(names), MAX_GRANT_TO):
                    name = self.names.take("ReferenceGrant", ns, f"ing2gw-{kind.lower()}-{from_ns}-certificates",
                                           seed=f"{ns}/{kind}/{from_ns}/{i}")
                    out.append(emit.reference_grant(name, ns, kind, from_ns, names[i:i + MAX_GRANT_TO]))
        return out


def _side_order(side: tuple[str, int]) -> tuple:
    return (side[0] != "https", side[1] != (443 if side[0] == "https" else 80), side)


def _side_suffix(side: tuple[str, int]) -> str:
    proto, port = side
    return proto if port == (443 if proto == "https" else 80) else f"{proto}-{port}"


def _hosts(rules: list[Rule], proto: str) -> list[str]:
    seen: dict[str, None] = {}
    for r in rules:
        if r.protocol == proto:
            seen.setdefault(r.host, None)
    return list(seen)


def _public(ref: dict) -> dict:
    return {k: v for k, v in ref.items() if not k.startswith("_")}


def split_rules(rules: list[dict]) -> list[list[dict]]:
    """Chunks of at most 16 rules and 128 matches; a rule with more than 64 matches becomes several rules."""
    flat: list[dict] = []
    for r in rules:
        matches = r.get("matches") or []
        if len(matches) <= MAX_RULE_MATCHES:
            flat.append(r)
            continue
        for i in range(0, len(matches), MAX_RULE_MATCHES):
            part = copy.copy(r)
            part["matches"] = matches[i:i + MAX_RULE_MATCHES]
            flat.append(part)
    chunks: list[list[dict]] = [[]]
    count = 0
    for r in flat:
        n = max(len(r.get("matches") or []), 1)
        if len(chunks[-1]) >= MAX_RULES or count + n > MAX_MATCHES:
            chunks.append([])
            count = 0
        chunks[-1].append(r)
        count += n
    return chunks
