"""Normalize Ingresses of every API version to one model, and decide which controller served each one."""

from __future__ import annotations

import re

from .context import Context, Inventory
from .model import Backend, Ingress, IngressPath, Obj, TLSEntry

INGRESS_API_VERSIONS = ("networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1")
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


class InvalidIngress(Exception):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


_SCALARS = (str, int, float, bool)


def _line(obj: Obj, where: tuple) -> int:
    """The line of the deepest known field on the way to `where`."""
    for n in range(len(where), 0, -1):
        if where[:n] in obj.lines:
            return obj.lines[where[:n]]
    return obj.line


def _scalar(obj: Obj, value: object, where: tuple, what: str = "a string") -> str:
    """A field the API server types as a string (numbers read as text, as before); a mapping or list is rejected."""
    if value is not None and not isinstance(value, _SCALARS):
        text = "".join(f"[{w}]" if isinstance(w, int) else f".{w}" for w in where).lstrip(".")
        raise InvalidIngress(f"{text} is not {what}", _line(obj, where))
    return _text(value)


def normalize(obj: Obj) -> Ingress:
    """Build the version-neutral Ingress; raises InvalidIngress for objects an API server would reject."""
    data = obj.data
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        raise InvalidIngress("metadata is missing", obj.line)
    if obj.namespace and not _DNS_LABEL.match(obj.namespace):
        raise InvalidIngress(f"metadata.namespace {obj.namespace!r} is not a valid namespace name (a template "
                             "placeholder?)", obj.line_of("metadata", "namespace"))
    raw = meta.get("annotations") or {}
    if not isinstance(raw, dict):
        raise InvalidIngress("metadata.annotations is not a mapping", obj.line_of("metadata", "annotations"))
    annotations = {str(k): _scalar(obj, v, ("metadata", "annotations", k)) for k, v in raw.items()}
    if not isinstance(meta.get("name"), _SCALARS + (type(None),)):
        raise InvalidIngress("metadata.name is not a string", obj.line_of("metadata", "name"))
    spec = data.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise InvalidIngress("spec is not a mapping", obj.line_of("spec"))
    cls = _scalar(obj, spec.get("ingressClassName"), ("spec", "ingressClassName")) or \
        annotations.get(CLASS_ANNOTATION) or None
    paths = _paths(obj, spec)
    default = spec.get("defaultBackend", spec.get("backend"))
    dkey = "defaultBackend" if "defaultBackend" in spec else "backend"
    if default is not None and not isinstance(default, dict):
        raise InvalidIngress(f"spec.{dkey} is not a mapping", obj.line_of("spec", dkey))
    default_backend = _backend(obj, default, ("spec", dkey)) if default else None
    ing = Ingress(obj=obj, annotations=annotations, ingress_class=str(cls) if cls else None, paths=paths,
                  tls=_tls(obj, spec), default_backend=default_backend)
    ing.extra["non_string_annotations"] = sorted(str(k) for k, v in raw.items() if v is not None
                                                 and not isinstance(v, str))
    return ing


def _paths(obj: Obj, spec: dict) -> list[IngressPath]:
    rules = spec.get("rules") or []
    if not isinstance(rules, list):
        raise InvalidIngress("spec.rules is not a list", obj.line_of("spec", "rules"))
    out = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise InvalidIngress(f"spec.rules[{i}] is not a mapping", obj.line_of("spec", "rules", i))
        host = _scalar(obj, rule.get("host"), ("spec", "rules", i, "host"))
        http = rule.get("http") or {}
        if not isinstance(http, dict):
            raise InvalidIngress(f"spec.rules[{i}].http is not a mapping", obj.line_of("spec", "rules", i))
        plist = http.get("paths")
        if plist is None:
            continue
        if not isinstance(plist, list):
            raise InvalidIngress(f"spec.rules[{i}].http.paths is not a list", obj.line_of("spec", "rules", i))
        for j, p in enumerate(plist):
            where = ("spec", "rules", i, "http", "paths", j)
            if not isinstance(p, dict):
                raise InvalidIngress(f"spec.rules[{i}].http.paths[{j}] is not a mapping", obj.line_of(*where))
            if p.get("backend") is not None and not isinstance(p.get("backend"), dict):
                raise InvalidIngress(f"spec.rules[{i}].http.paths[{j}].backend is not a mapping", obj.line_of(*where))
            backend = _backend(obj, p.get("backend"), (*where, "backend"))
            path, path_type = (_scalar(obj, p.get(k), (*where, k)) for k in ("path", "pathType"))
            out.append(IngressPath(host=host, path=path, path_type=path_type,
                                   backend=backend, line=obj.line_of(*where)))
    return out


def _backend(obj: Obj, b: object, where: tuple) -> Backend | None:
    """A path backend in any API version: v1 service/resource, or v1beta1 serviceName/servicePort."""
    if not isinstance(b, dict):
        return None
    if isinstance(b.get("service"), dict):
        svc = b["service"]
        port = svc.get("port") or {}
        if not isinstance(port, dict):
            raise InvalidIngress("backend.service.port is not a mapping", obj.line_of(*where))
        number, name = port.get("number"), port.get("name")
        number = number if isinstance(number, int) and not isinstance(number, bool) else None
        return Backend(name=_scalar(obj, svc.get("name"), (*where, "service", "name")), port=number,
                       port_name=_scalar(obj, name, (*where, "service", "port", "name")) or None)
    if "serviceName" in b:
        sp = b.get("servicePort")
        service = _scalar(obj, b["serviceName"], (*where, "serviceName"))
        if isinstance(sp, int) and not isinstance(sp, bool):
            return Backend(name=service, port=sp)
        if isinstance(sp, str) and sp.isascii() and sp.isdigit():
            return Backend(name=service, port=int(sp))
        return Backend(name=service, port_name=_scalar(obj, sp, (*where, "servicePort")) or None)
    res = b.get("resource")
    if isinstance(res, dict):
        return Backend(name=_scalar(obj, res.get("name"), (*where, "resource", "name")),
                       group=_scalar(obj, res.get("apiGroup"), (*where, "resource", "apiGroup")),
                       kind=_scalar(obj, res.get("kind"), (*where, "resource", "kind")))
    return None


def _tls(obj: Obj, spec: dict) -> list[TLSEntry]:
    tls = spec.get("tls") or []
    if not isinstance(tls, list):
        raise InvalidIngress("spec.tls is not a list", obj.line_of("spec", "tls"))
    out = []
    for i, t in enumerate(tls):
        if t is None:
            continue
        if not isinstance(t, dict):
            raise InvalidIngress(f"spec.tls[{i}] is not a mapping", obj.line_of("spec", "tls", i))
        hosts = t.get("hosts") or []
        if not isinstance(hosts, list):
            raise InvalidIngress(f"spec.tls[{i}].hosts is not a list", obj.line_of("spec", "tls", i))
        hosts = [_scalar(obj, h, ("spec", "tls", i)).lower() for h in hosts if h]
        secret = _scalar(obj, t.get("secretName"), ("spec", "tls", i))
        out.append(TLSEntry(hosts=hosts, secret=secret, line=obj.line_of("spec", "tls", i)))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Which controller served an Ingress


CONTROLLERS = {
    "k8s.io/ingress-nginx": "ingress-nginx",
    "nginx.org/ingress-controller": "nginx-inc",
    "traefik.io/ingress-controller": "traefik",
    "ingress-controllers.konghq.com/kong": "kong",
    "konghq.com/ingress-controller": "kong",
    "haproxy.org/ingress-controller/haproxy": "haproxy",
    "haproxy-ingress.github.io/controller": "haproxy",
}
CLASS_NAMES = {"nginx": "ingress-nginx", "traefik": "traefik", "kong": "kong", "haproxy": "haproxy",
               "nginx-internal": "ingress-nginx", "nginx-external": "ingress-nginx", "nginx-public": "ingress-nginx",
               "nginx-private": "ingress-nginx"}


# Controller values set with a controller's flag (ingress-nginx --controller-class, HAProxy's per-class value):
# (pattern, vendor), first match wins.
_CONTROLLER_FAMILIES = (
    (re.compile(r"^k8s\.io/.*ingress-nginx|^k8s\.io/.*nginx.*"), "ingress-nginx"),
    (re.compile(r"^nginx\.org/"), "nginx-inc"),
    (re.compile(r"^haproxy\.org/ingress-controller/|^haproxy-ingress\.github\.io/"), "haproxy"),
    (re.compile(r"(^|\.)konghq\.com/"), "kong"),
    (re.compile(r"^traefik\.io/"), "traefik"),
)


def _controller_family(controller: str) -> str | None:
    for pattern, vendor in _CONTROLLER_FAMILIES:
        if pattern.search(controller):
            return vendor
    return None


def _annotation(obj: Obj, key: str) -> str:
    meta = obj.data.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return _text(annotations.get(key)) if isinstance(annotations, dict) else ""


class ClassResolver:
    """Resolve an Ingress to (class, vendor) from its class, the IngressClass objects and its annotations."""

    def __init__(self, inventory: Inventory, prefixes: dict[str, tuple[str, ...]]) -> None:
        self.classes = {o.name: o for o in inventory.all("IngressClass")}
        self.prefixes = prefixes
        defaults = [o for o in self.classes.values() if _annotation(o, DEFAULT_CLASS_ANNOTATION) == "true"]
        # the API server's DefaultIngressClass admission picks the newest default class, then the first by name
        defaults.sort(key=lambda o: o.name)
        defaults.sort(key=lambda o: _text((o.data.get("metadata") or {}).get("creationTimestamp")), reverse=True)
        self.default_class = defaults[0].name if defaults else None
        self.ambiguous: list[Ingress] = []  # class "nginx", no IngressClass and no vendor annotation
        self.class_votes: dict[str, dict[str, bool]] = {}

    def vendor_of_class(self, cls: str | None) -> str | None:
        obj = self.classes.get(cls or "")
        if obj is not None:
            spec = obj.data.get("spec")
            controller = _text(spec.get("controller")) if isinstance(spec, dict) else ""
            return CONTROLLERS.get(controller) or _controller_family(controller)
        return CLASS_NAMES.get(cls or "")

    def vendor_by_prefix(self, ing: Ingress) -> str | None:
        counts: dict[str, int] = {}
        for key in ing.annotations:
            for vendor, prefixes in self.prefixes.items():
                if key.startswith(prefixes):
                    counts[vendor] = counts.get(vendor, 0) + 1
        return max(sorted(counts), key=lambda v: counts[v]) if counts else None

    def resolve(self, ing: Ingress, forced: str | None) -> str:
        # the API server's admission defaults the class only when the class annotation is absent (even an empty one
        # counts as set)
        if ing.ingress_class is None and CLASS_ANNOTATION not in ing.annotations and self.default_class:
            ing.ingress_class = self.default_class
        if forced:
            return forced
        by_class = self.vendor_of_class(ing.ingress_class)
        by_prefix = self.vendor_by_prefix(ing)
        if by_class == "ingress-nginx" and ing.ingress_class not in self.classes:
            # both controllers default to the class name "nginx": the annotations tell, or those of the class's
            # other Ingresses
            votes = self.class_votes.get(ing.ingress_class or "", {})
            if by_prefix == "nginx-inc" or (by_prefix is None and set(votes) == {"nginx-inc"}):
                return "nginx-inc"
            if by_prefix is None and not votes:
                self.ambiguous.append(ing)
        return by_class or by_prefix or "generic"

    def learn(self, ingresses: list[Ingress]) -> None:
        """Which nginx controller's annotations the Ingresses of each class carry (for class-only Ingresses)."""
        for ing in ingresses:
            vendor = self.vendor_by_prefix(ing)
            if vendor in ("ingress-nginx", "nginx-inc"):
                self.class_votes.setdefault(ing.ingress_class or "", {})[vendor] = True


def resolve_vendor(ctx: Context, resolver: ClassResolver, ing: Ingress) -> None:
    ing.vendor = resolver.resolve(ing, ctx.options.provider)
    if resolver.ambiguous and resolver.ambiguous[-1] is ing:
        ctx.report(ing, "provider-ambiguous",
                   f"class {ing.ingress_class!r} is the default class of both ingress-nginx and the F5 NGINX Ingress "
                   "Controller, and nothing else tells which served this Ingress; converted as ingress-nginx "
                   "(Prefix by segment, ImplementationSpecific as Prefix, 308 HTTPS redirects)",
                   hint="pass --provider nginx-inc if F5 NGINX served it (prefixes by characters, 301 redirects), or "
                   "add the IngressClass object to the input")
    if ing.vendor == "generic" and not ctx.options.provider:
        ctx.report(ing, "provider-unknown",
                   (f"no controller known for class {ing.ingress_class!r}" if ing.ingress_class else
                    "no ingress class") + " and no vendor annotations: "
                   "converted with the Ingress API's own semantics", hint="pass --provider to choose one")
