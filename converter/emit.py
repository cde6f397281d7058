"""The emitter: neutral rules and planned objects to Gateway API dicts (never text: the serializer writes them)."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from .model import Ingress, Rule

if TYPE_CHECKING:
    from .planner import GatewayPlan, Listener

API = "gateway.networking.k8s.io/v1"
SOURCE_ANNOTATION = "ing2gw.io/source"
GRPC_FILTERS = ("RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "ExtensionRef")
HSTS_HEADER = "Strict-Transport-Security"


def rule(r: Rule, *, hsts: bool = False, grpc: bool = False) -> dict:
    """One HTTPRoute (or GRPCRoute) rule; `hsts` adds the controller's HSTS header (HTTPS side only)."""
    out: dict[str, Any] = {}
    matches = [m.to_dict() for m in r.matches]
    if grpc:
        matches = [g for g in (grpc_match(m) for m in r.matches) if g]
    if matches:
        out["matches"] = matches
    filters = list(r.filters)
    if hsts and r.hsts:
        filters = _add_response_header(filters, HSTS_HEADER, r.hsts)
    if grpc:  # the planner already left out (and reported) what a GRPCRoute cannot carry
        filters = [f for f in filters if f["type"] in GRPC_FILTERS]
    if filters:
        out["filters"] = filters
    if r.backends and not any(f["type"] == "RequestRedirect" for f in filters):
        out["backendRefs"] = [b.ref() for b in r.backends]
    if r.timeouts and not grpc:
        out["timeouts"] = dict(r.timeouts)
    if r.retry and not grpc:
        out["retry"] = dict(r.retry)
    if r.session:
        out["sessionPersistence"] = dict(r.session)
    return out


def http_side_rule(r: Rule, *, grpc: bool = False) -> dict | None:
    """The rule as served on plain HTTP for a host that has TLS: a redirect to HTTPS, or the rule itself."""
    if not r.https_redirect or r.filter("RequestRedirect") is not None:
        return rule(r, grpc=grpc)
    if grpc:
        return None  # gRPC clients do not follow redirects: the HTTP side simply does not serve it
    out: dict[str, Any] = {}
    matches = [m.to_dict() for m in r.matches]
    if matches:
        out["matches"] = matches
    redirect: dict[str, Any] = {"scheme": "https", "statusCode": r.https_redirect}
    port = r.https_redirect_port or (r.https_ports[0] if r.https_ports and r.https_ports[0] != 443 else None)
    if port and port != 443:
        redirect["port"] = port
    out["filters"] = [{"type": "RequestRedirect", "requestRedirect": redirect}]
    return out


_GRPC_SERVICE = re.compile(r"(?i)^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$")
_GRPC_METHOD = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


def grpc_match(m: Any) -> dict | None:
    """A gRPC match from a path: `/pkg.Service/Method`, `/pkg.Service/`, or `/` (every call); None when the path
    cannot be a gRPC method match (a regex, more segments, or characters gRPC names cannot have)."""
    out: dict[str, Any] = {}
    parts = [p for p in (m.path or "/").split("/") if p]
    if m.path_type == "RegularExpression" and parts or len(parts) > 2:
        return None
    if parts:
        if not _GRPC_SERVICE.match(parts[0]) or len(parts) > 1 and not _GRPC_METHOD.match(parts[1]):
            return None
        method: dict[str, str] = {"service": parts[0]}
        if len(parts) > 1:
            method["method"] = parts[1]
        out["method"] = method
    if m.headers:
        out["headers"] = m.headers
    return out


def _add_response_header(filters: list[dict], name: str, value: str) -> list[dict]:
    """The filters with `name: value` set on responses (unless the rule already sets that header)."""
    for i, f in enumerate(filters):
        if f["type"] == "ResponseHeaderModifier":
            mod = f["responseHeaderModifier"]
            if any(h["name"].lower() == name.lower() for h in mod.get("set", []) + mod.get("add", [])):
                return filters
            new = copy.deepcopy(f)
            new["responseHeaderModifier"].setdefault("set", []).append({"name": name, "value": value})
            return [*filters[:i], new, *filters[i + 1:]]
    return [*filters, {"type": "ResponseHeaderModifier",
                       "responseHeaderModifier": {"set": [{"name": name, "value": value}]}}]


def metadata(name: str, namespace: str, ing: Ingress | None = None) -> dict:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if ing is not None:
        meta["annotations"] = {SOURCE_ANNOTATION: f"Ingress {ing.key}" if ing.namespace else f"Ingress {ing.name}"}
    return meta


def route(kind: str, name: str, ing: Ingress, hostnames: list[str], parents: list[dict], rules: list[dict]) -> dict:
    spec: dict[str, Any] = {"parentRefs": parents}
    if hostnames:
        spec["hostnames"] = hostnames
    spec["rules"] = rules
    return {"apiVersion": API, "kind": kind, "metadata": metadata(name, ing.namespace, ing), "spec": spec}


def listener(lst: Listener, gw_namespace: str) -> dict:
    out: dict[str, Any] = {"name": lst.name}
    if lst.hostname:
        out["hostname"] = lst.hostname
    out["port"] = lst.port
    out["protocol"] = lst.protocol
    if lst.protocol == "HTTPS" and lst.cert:
        ref: dict[str, Any] = {"group": "", "kind": "Secret", "name": lst.cert[1]}
        if lst.cert[0] and lst.cert[0] != gw_namespace:
            ref["namespace"] = lst.cert[0]
        out["tls"] = {"mode": "Terminate", "certificateRefs": [ref]}
    elif lst.protocol == "TLS":
        out["tls"] = {"mode": lst.mode or "Passthrough"}
    if lst.namespaces - {gw_namespace}:
        if "" in lst.namespaces:
            out["allowedRoutes"] = {"namespaces": {"from": "All"}}
        else:
            names = sorted(lst.namespaces)
            out["allowedRoutes"] = {"namespaces": {"from": "Selector", "selector": {"matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": names}]}}}
    return out


def gateway(gw: GatewayPlan) -> list[dict]:
    """The Gateway and its ListenerSets (listeners past the 64th)."""
    own = [listener(ls, gw.namespace) for ls in _ordered(gw, "")]
    spec: dict[str, Any] = {"gatewayClassName": gw.class_name, "listeners": own}
    if gw.listener_sets:
        spec["allowedListeners"] = {"namespaces": {"from": "Same"}}
    out = [{"apiVersion": API, "kind": "Gateway", "metadata": metadata(gw.name, gw.namespace), "spec": spec}]
    for set_name in gw.listener_sets:
        out.append({"apiVersion": API, "kind": "ListenerSet", "metadata": metadata(set_name, gw.namespace),
                    "spec": {"parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gw.name},
                             "listeners": [listener(ls, gw.namespace) for ls in _ordered(gw, set_name)]}})
    return out


def _ordered(gw: GatewayPlan, owner: str) -> list[Listener]:
    return sorted((ls for ls in gw.listeners.values() if ls.owner == owner),
                  key=lambda ls: (ls.hostname == "", ls.hostname, ls.port, ls.name))


def gateway_class(name: str, controller: str) -> dict:
    return {"apiVersion": API, "kind": "GatewayClass", "metadata": {"name": name},
            "spec": {"controllerName": controller}}


def reference_grant(name: str, namespace: str, from_kind: str, from_ns: str, secrets: list[str]) -> dict:
    return {"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"from": [{"group": "gateway.networking.k8s.io", "kind": from_kind, "namespace": from_ns}],
                     "to": [{"group": "", "kind": "Secret", "name": s} for s in secrets]}}


def backend_tls_policy(name: str, namespace: str, service: str, tls: dict, ing: Ingress) -> dict:
    """BackendTLSPolicy for a Service: `tls` = {"hostname": ..., "ca": "System" | [{"kind", "name"}]}."""
    validation: dict[str, Any] = {}
    ca = tls.get("ca") or "System"
    if ca == "System":
        validation["wellKnownCACertificates"] = "System"
    else:
        validation["caCertificateRefs"] = [{"group": "", "kind": c.get("kind", "ConfigMap"), "name": c["name"]}
                                           for c in ca]
    validation["hostname"] = tls.get("hostname") or f"{service}.{namespace or 'default'}.svc"
    return {"apiVersion": API, "kind": "BackendTLSPolicy", "metadata": metadata(name, namespace, ing),
            "spec": {"targetRefs": [{"group": "", "kind": "Service", "name": service}], "validation": validation}}
