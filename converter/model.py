"""The neutral routing model: what every vendor reads into and the emitter writes out of.

Loaded objects (`Obj`) keep their source location; an `Ingress` is the normalized view of any Ingress API
version; vendors turn it into `Rule`s (matches, backends, filters, intents). Filters are kept in the Gateway API
shape (plain dicts) because that shape is already neutral; intents that need planning (TLS redirect, HSTS,
backend TLS, passthrough) are fields that the planner turns into listeners, routes and policies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Obj:
    """A Kubernetes object as read: its data and where it came from."""

    kind: str
    api_version: str
    namespace: str
    name: str
    data: dict
    file: str
    line: int
    doc: int = 0
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, *path: Any) -> int:
        return self.lines.get(path, self.line)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(slots=True)
class Backend:
    name: str
    port: int | None = None
    port_name: str | None = None
    namespace: str | None = None
    weight: int | None = None
    group: str = ""
    kind: str = "Service"
    filters: list[dict] = field(default_factory=list)
    tls: dict | None = None  # BackendTLSPolicy validation intent: {"hostname": ..., "ca": [...] or "System"}
    app_protocol: str | None = None

    def ref(self) -> dict:
        out: dict[str, Any] = {}
        if self.group:
            out["group"] = self.group
        if self.kind != "Service" or self.group:
            out["kind"] = self.kind
        out["name"] = self.name
        if self.namespace:
            out["namespace"] = self.namespace
        if self.port is not None:
            out["port"] = self.port
        if self.weight is not None:
            out["weight"] = self.weight
        if self.filters:
            out["filters"] = self.filters
        return out


@dataclass(slots=True)
class Match:
    path_type: str | None = "PathPrefix"  # Exact | PathPrefix | RegularExpression | None (no path condition)
    path: str = "/"
    headers: list[dict] = field(default_factory=list)  # [{"name", "value", "type"?}]
    query: list[dict] = field(default_factory=list)
    method: str | None = None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        if self.path_type:
            out["path"] = {"type": self.path_type, "value": self.path}
        if self.headers:
            out["headers"] = self.headers
        if self.query:
            out["queryParams"] = self.query
        if self.method:
            out["method"] = self.method
        return out


FILTER_MEMBERS = {"URLRewrite": "urlRewrite", "RequestRedirect": "requestRedirect", "CORS": "cors",
                  "RequestHeaderModifier": "requestHeaderModifier", "ResponseHeaderModifier": "responseHeaderModifier",
                  "RequestMirror": "requestMirror", "ExtensionRef": "extensionRef", "ExternalAuth": "externalAuth"}


@dataclass(slots=True)
class Rule:
    """One routing rule: an Ingress path (or default backend) after the vendor's annotations ran."""

    host: str  # "" for a host-less rule
    matches: list[Match]
    backends: list[Backend]
    line: int = 0
    path: str = ""  # the Ingress path it came from (for findings and the intent diff)
    path_type: str = ""
    filters: list[dict] = field(default_factory=list)
    timeouts: dict | None = None
    retry: dict | None = None  # experimental
    session: dict | None = None  # experimental sessionPersistence
    https_redirect: int | None = None  # on a TLS host, HTTP requests get a redirect to https with this code
    https_redirect_port: int | None = None  # the port in that redirect (default: the rule's HTTPS port)
    serve_http: bool = True  # served (or redirected) on the plain HTTP listener
    serve_https: bool = True  # served on the HTTPS listener when the host has TLS
    http_ports: tuple[int, ...] = (80,)  # plain-HTTP listener ports (Traefik entry points, F5 listen-ports)
    https_ports: tuple[int, ...] = (443,)  # HTTPS listener ports
    hsts: str | None = None  # Strict-Transport-Security value added to HTTPS responses
    protocol: str = "http"  # http | grpc
    default: bool = False  # from spec.defaultBackend
    dropped: bool = False  # removed by a vendor rule (canary without primary, invalid path)

    def filter(self, ftype: str) -> dict | None:
        for f in self.filters:
            if f["type"] == ftype:
                return f
        return None

    def set_filter(self, ftype: str, body: dict) -> None:
        """Add a filter, merged into the rule's filter of that type (Gateway API allows one of each)."""
        f = self.filter(ftype)
        if f is None:
            self.filters.append({"type": ftype, FILTER_MEMBERS[ftype]: dict(body)})
        else:
            f[FILTER_MEMBERS[ftype]].update(body)

    def set_header(self, ftype: str, op: str, name: str, value: str = "") -> None:
        """`op` (set, add or remove) a header in the rule's Request- or ResponseHeaderModifier; names ignore case."""
        f = self.filter(ftype)
        if f is None:
            f = {"type": ftype, FILTER_MEMBERS[ftype]: {}}
            self.filters.append(f)
        items = f[FILTER_MEMBERS[ftype]].setdefault(op, [])
        if op == "remove":
            if name.lower() not in (n.lower() for n in items):
                items.append(name)
            return
        items[:] = [h for h in items if h["name"].lower() != name.lower()] + [{"name": name, "value": value}]


@dataclass(slots=True)
class TLSEntry:
    hosts: list[str]
    secret: str
    line: int


@dataclass(slots=True)
class IngressPath:
    host: str
    path: str
    path_type: str
    backend: Backend | None
    line: int


@dataclass(slots=True)
class Ingress:
    """An Ingress of any API version, normalized to networking.k8s.io/v1 meaning."""

    obj: Obj
    annotations: dict[str, str]
    ingress_class: str | None
    paths: list[IngressPath]
    tls: list[TLSEntry]
    default_backend: Backend | None
    vendor: str = "generic"
    rules: list[Rule] = field(default_factory=list)
    ann_status: dict[str, str] = field(default_factory=dict)
    status: str = "converted"
    passthrough: bool = False  # TLS passthrough (TLSRoute) for its hosts
    tls_ignored: bool = False  # the controller ignored its spec.tls (ingress-nginx canaries)
    extra: dict = field(default_factory=dict)  # vendor scratch space

    @property
    def namespace(self) -> str:
        return self.obj.namespace

    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def key(self) -> str:
        return self.obj.key

    @property
    def hosts(self) -> list[str]:
        seen: dict[str, None] = {}
        for p in self.paths:
            seen.setdefault(p.host, None)
        return list(seen)

    def ann_line(self, key: str) -> int:
        return self.obj.line_of("metadata", "annotations", key)

    def order_key(self) -> tuple:
        """The controllers' own order: oldest first, then namespace/name."""
        ts = self.obj.data.get("metadata", {}).get("creationTimestamp") or ""
        return (str(ts) if ts else "~", self.namespace, self.name)
