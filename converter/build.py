"""Ingress paths to neutral rules: matches by the vendor's path semantics, backends with resolved ports."""

from __future__ import annotations

import ipaddress
import re

from .context import Context
from .model import Backend, Ingress, IngressPath, Match, Rule
from .vendors.base import Vendor

_HOST = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def valid_host(host: str) -> bool:
    """A host an API server accepts in an Ingress rule: a lower-case DNS name (maybe `*.`), never an IP address."""
    if host == "":
        return True
    return len(host) <= 253 and bool(_HOST.match(host)) and not _is_ip(host)


def _is_ip(host: str) -> bool:
    if not host[-1:].isdigit():  # a DNS name that passed _HOST and ends in a letter is never an IP address
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def build_rules(ctx: Context, vendor: Vendor, ing: Ingress) -> None:
    """Fill ing.rules with one rule per Ingress path (in input order), then the default backend."""
    bad_hosts: set[str] = set()
    seen: dict[tuple, Rule] = {}
    for p in ing.paths:
        if p.host != p.host.lower() and valid_host(p.host.lower()):
            if p.host not in bad_hosts:
                bad_hosts.add(p.host)
                ctx.report(ing, "host-uppercase", f"host {p.host!r} is not lower-case; converted as "
                           f"{p.host.lower()!r}", line=p.line)
            p.host = p.host.lower()
        if not valid_host(p.host):
            if p.host not in bad_hosts:
                bad_hosts.add(p.host)
                ctx.report(ing, "host-invalid", f"host {p.host!r} is not a valid hostname (lower-case DNS name, "
                           "optionally with a leading '*.', not an IP address); its rules are not converted",
                           line=p.line)
            continue
        match = vendor.path_match(ctx, ing, p)
        if match is None:
            continue
        backend = resolve_backend(ctx, ing, p.backend, p.line)
        rule = Rule(host=p.host, matches=[match], backends=[backend] if backend else [], line=p.line,
                    path=p.path or "/", path_type=p.path_type)
        key = (p.host, match.path_type, match.path)
        if key in seen:
            ctx.report(ing, "path-duplicate", f"host {p.host or '*'!r} path {p.path!r} appears twice in this "
                       "Ingress; the first one wins, as in the controller", line=p.line)
            continue
        seen[key] = rule
        ing.rules.append(rule)
    _wildcards(ctx, ing)
    _default_backend(ctx, ing)


def _wildcards(ctx: Context, ing: Ingress) -> None:
    for host in ing.hosts:
        if host.startswith("*."):
            ctx.report(ing, "wildcard-host", f"host {host!r} matched exactly one DNS label in the Ingress; in Gateway "
                       f"API it also matches deeper names (like a.b.{host[2:]})",
                       hint="add routes for deeper names that must not reach this backend", line=ing.obj.line)


def _default_backend(ctx: Context, ing: Ingress) -> None:
    """spec.defaultBackend: the root of the Ingress's own hosts, or the catch-all when it has no rules."""
    if ing.default_backend is None:
        return
    line = ing.obj.line_of("spec", "defaultBackend") if ("spec", "defaultBackend") in ing.obj.lines \
        else ing.obj.line_of("spec", "backend")
    backend = resolve_backend(ctx, ing, ing.default_backend, line)
    hosts = [h for h in ing.hosts if valid_host(h)] or [""]
    added = []
    for host in hosts:
        if any(r.host == host and r.matches and r.matches[0].path_type == "PathPrefix" and r.matches[0].path == "/"
               for r in ing.rules):
            continue  # the host's own `/` path takes every request the default backend would have had
        ing.rules.append(Rule(host=host, matches=[Match("PathPrefix", "/")], backends=[backend] if backend else [],
                              line=line, path="/", path_type="defaultBackend", default=True))
        added.append(host)
    if not added:
        ctx.report(ing, "default-backend", "spec.defaultBackend is never used: every host of the Ingress has its own "
                   "'/' path, which takes the requests no other path matches", line=line)
        return
    where = "the catch-all for requests no other route matches" if added == [""] else \
        "the lowest-precedence rule of " + ", ".join(repr(h or "*") for h in added)
    ctx.report(ing, "default-backend", f"spec.defaultBackend became {where}", line=line)


def resolve_backend(ctx: Context, ing: Ingress, b: Backend | None, line: int) -> Backend | None:
    """A copy of the backend with its port as a number, or None (with a finding) when that is impossible."""
    if b is None:
        ctx.report(ing, "backend-missing", "a path has no service or resource backend", line=line)
        return None
    if b.kind != "Service" or b.group:
        ctx.report(ing, "backend-resource", f"resource backend {b.group or 'core'}/{b.kind} {b.name!r} is kept as a "
                   "backendRef; most Gateway implementations support only Services", line=line)
        return Backend(name=b.name, group=b.group, kind=b.kind)
    port = b.port
    if port is None and b.port_name:
        port = ctx.inventory.service_port(ing.namespace, b.name, b.port_name)
        if port is None:
            ctx.report(ing, "backend-port-unresolved",
                       f"service {b.name!r} port {b.port_name!r} is given by name and the Service is "
                       + ("in the input without that port" if ctx.inventory.get("Service", ing.namespace, b.name)
                          else "not in the input"),
                       line=line, hint="add the Service manifest to the input, or use a port number")
            return None
    if port is None:
        ctx.report(ing, "backend-port-unresolved", f"service {b.name!r} has no port", line=line)
        return None
    if not 1 <= port <= 65535:
        ctx.report(ing, "backend-port-invalid", f"service {b.name!r} port {port} is not a port number (1-65535); an "
                   "API server rejects this Ingress", line=line)
        return None
    app = ctx.inventory.service_app_protocol(ing.namespace, b.name, port)
    return Backend(name=b.name, port=port, port_name=b.port_name, app_protocol=app)


def path_of(p: IngressPath) -> str:
    return p.path or "/"
