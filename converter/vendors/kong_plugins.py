"""Kong plugins (`konghq.com/plugins` on Ingresses and Services): KongPlugin / KongClusterPlugin objects to filters.

KIC resolves each comma-separated name as a KongPlugin in the referrer's namespace (`namespace:name` names another
namespace), then as a KongClusterPlugin (internal/dataplane/kongstate/kongstate.go). A plugin becomes Gateway API
filters where an equivalent exists (cors, request-transformer, response-transformer, redirect); every other plugin is
a finding naming it, error-level (`security-not-enforced`) when dropping it lets through requests Kong refused
(authentication, ACLs, IP restriction, bot detection, rate and size limits, request termination). Kong's own Gateway
API support accepts an ExtensionRef filter to a KongPlugin: it is named in the hint, never emitted (other
implementations answer 500 for a rule with an unknown ExtensionRef).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..context import Context
from ..findings import register
from ..model import Ingress, Obj

register(
    ("kong-plugin-missing", "error",
     "A plugin named by konghq.com/plugins is not in the input; what it did (possibly authentication) is not carried."),
    ("kong-plugin-custom", "error",
     "A plugin of a type ing2gw does not know (custom or Enterprise) is not carried over; it may enforce access "
     "control."),
    ("kong-plugin-global", "warning",
     "A KongClusterPlugin labelled global applied to every Kong route; it is not attached to the generated routes."),
    ("kong-plugin-no-grant", "warning",
     "A KongPlugin of another namespace (namespace:name) binds only with a ReferenceGrant, and the input has none; "
     "converted as if granted."),
)

GROUP = "configuration.konghq.com"
SECURITY = {
    "key-auth": "API-key authentication", "key-auth-enc": "API-key authentication",
    "basic-auth": "Basic authentication",
    "jwt": "JWT authentication", "oauth2": "OAuth 2.0 authorization server", "oauth2-introspection": "OAuth 2.0 "
    "token introspection", "openid-connect": "OpenID Connect authentication", "hmac-auth": "HMAC authentication",
    "ldap-auth": "LDAP authentication", "ldap-auth-advanced": "LDAP authentication", "mtls-auth": "client-certificate "
    "authentication", "vault-auth": "Vault authentication", "session": "session authentication", "opa": "OPA "
    "authorization", "acl": "consumer-group authorization", "ip-restriction": "client IP allow/deny list",
    "bot-detection": "User-Agent bot blocking", "rate-limiting": "rate limiting", "rate-limiting-advanced": "rate "
    "limiting", "response-ratelimiting": "rate limiting", "request-size-limiting": "request body size limit",
    "request-termination": "a fixed answer instead of proxying", "request-validator": "request validation",
    "jwt-signer": "JWT verification", "saml": "SAML authentication", "websocket-size-limit": "WebSocket size limit",
    "header-cert-auth": "client-certificate authentication", "jwe-decrypt": "JWE decryption",
    "json-threat-protection": "JSON threat protection", "xml-threat-protection": "XML threat protection",
    "injection-protection": "injection protection", "oas-validation": "OpenAPI request validation",
    "ai-prompt-guard": "AI prompt guard", "graphql-rate-limiting-advanced": "rate limiting",
    "ai-rate-limiting-advanced": "rate limiting", "upstream-oauth": "upstream OAuth credentials",
}
SECURITY_HINTS = {
    "key-auth": "Envoy Gateway SecurityPolicy.apiKeyAuth; migrate the KongConsumer credentials",
    "basic-auth": "Envoy Gateway SecurityPolicy.basicAuth (htpasswd Secret); migrate the KongConsumer credentials",
    "jwt": "Envoy Gateway SecurityPolicy.jwt (JWKS); Istio RequestAuthentication; Kong keys are per consumer",
    "openid-connect": "Envoy Gateway SecurityPolicy.oidc (and jwt for bearer tokens)",
    "ip-restriction": "Envoy Gateway SecurityPolicy.authorization (clientCIDRs, defaultAction Deny); Istio "
                      "AuthorizationPolicy ipBlocks",
    "rate-limiting": "Envoy Gateway BackendTrafficPolicy.rateLimit; kgateway TrafficPolicy rate limiting",
    "rate-limiting-advanced": "Envoy Gateway BackendTrafficPolicy.rateLimit; kgateway TrafficPolicy rate limiting",
    "request-size-limiting": "NGINX Gateway Fabric ClientSettingsPolicy.body.maxSize; kgateway TrafficPolicy "
                             "buffer.maxRequestSize",
    "request-termination": "Envoy Gateway HTTPRouteFilter directResponse (ExtensionRef); or remove the path",
    "acl": "Envoy Gateway SecurityPolicy.authorization on JWT claims",
    "mtls-auth": "Gateway.spec.tls.frontend (client certificate validation per port)",
}
OTHER = {
    "correlation-id": "unsupported", "proxy-cache": "unsupported", "proxy-cache-advanced": "unsupported",
    "prometheus": "unsupported", "statsd": "unsupported", "datadog": "implementation-specific",
    "opentelemetry": "implementation-specific", "zipkin": "implementation-specific",
    "http-log": "implementation-specific", "file-log": "implementation-specific", "tcp-log": "implementation-specific",
    "udp-log": "implementation-specific", "syslog": "implementation-specific", "loggly": "implementation-specific",
    "pre-function": "unsupported", "post-function": "unsupported", "aws-lambda": "unsupported",
    "grpc-web": "implementation-specific", "grpc-gateway": "unsupported", "canary": "implementation-specific",
    "route-by-header": "implementation-specific", "upstream-timeout": "implementation-specific",
    "degraphql": "unsupported", "graphql-proxy-cache-advanced": "unsupported", "kafka-log": "implementation-specific",
    "acme": "implementation-specific", "request-transformer-advanced": "implementation-specific",
    "response-transformer-advanced": "implementation-specific", "route-transformer-advanced": "unsupported",
    "forward-proxy": "unsupported", "exit-transformer": "unsupported", "jq": "unsupported",
    "ai-proxy": "unsupported", "request-callout": "unsupported",
}
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")
_ORIGIN = re.compile(r"^(\*|https?://(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:[0-9]{1,5})?))$")
_PRECISE_HOST = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")  # PreciseHostname
_PLAIN_ORIGIN = re.compile(r"^[A-Za-z0-9.:/\-]+$")  # Kong treats any other origin as a regex
CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
MAX_MODIFIER = 16


@dataclass
class Plugin:
    """One resolved plugin reference."""

    ref: str  # the name as written
    name: str
    kind: str = ""  # KongPlugin | KongClusterPlugin | "" (not found)
    namespace: str = ""
    obj: Obj | None = None

    @property
    def type(self) -> str:
        return str((self.obj.data.get("plugin") if self.obj else "") or "")

    @property
    def config(self) -> dict:
        cfg = self.obj.data.get("config") if self.obj else None
        return cfg if isinstance(cfg, dict) else {}

    @property
    def disabled(self) -> bool:
        return bool(self.obj and self.obj.data.get("disabled") is True)

    def label(self) -> str:
        where = f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}" if self.kind else self.ref
        return f"{where} ({self.type})" if self.type else where

    def extension_ref(self) -> str:
        return (f"{{type: ExtensionRef, extensionRef: {{group: {GROUP}, kind: KongPlugin, name: {self.name}}}}}"
                if self.kind == "KongPlugin" else f"the konghq.com/plugins: {self.name} annotation")


@dataclass
class Outcome:
    """What the plugins of one owner (Ingress or Service) give: filters per rule, plugin types, overall status."""

    filters: list[tuple[str, dict]] = field(default_factory=list)  # (plugin type, filter)
    types: set[str] = field(default_factory=set)
    status: str = "converted"
    scopes: dict[str, set[str]] = field(default_factory=dict)  # plugin type -> its `protocols` (when set)

    def worse(self, status: str) -> None:
        order = ("converted", "ignored", "approximated", "needs-experimental", "implementation-specific",
                 "unsupported")
        if order.index(status) > order.index(self.status):
            self.status = status


def split_names(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


def resolve(ctx: Context, namespace: str, ref: str) -> Plugin:
    ns, name = namespace, ref
    if ":" in ref:
        ns, _, name = ref.partition(":")
        ns, name = ns.strip(), name.strip()
    p = Plugin(ref, name)
    for space in (ns, "default", "") if ns in ("", "default") else (ns,):  # no namespace = the default namespace
        obj = ctx.inventory.get("KongPlugin", space, name)
        if obj is not None:
            p.kind, p.namespace, p.obj = "KongPlugin", space, obj
            return p
    for o in ctx.inventory.all("KongClusterPlugin"):
        if o.name == name:
            p.kind, p.obj = "KongClusterPlugin", o
            return p
    p.namespace = ns
    return p


def apply(ctx: Context, owner: Ingress | Obj, namespace: str, value: str, key: str,
          route: set[str] | None = None) -> Outcome:
    """Resolve and convert the plugins named by `value`; findings go to `owner`, filters into the Outcome.

    `route`: the client protocols of the routes (when known): a plugin whose `protocols` share none of them never ran.
    """
    out = Outcome()
    seen: set[str] = set()
    for ref in split_names(value):
        p = resolve(ctx, namespace, ref)
        if p.obj is None:
            out.worse("unsupported")
            ctx.report(owner, "kong-plugin-missing",
                       f"{key}: plugin {ref!r} is neither a KongPlugin in namespace {p.namespace or 'default'!r} nor a "
                       "KongClusterPlugin of the input; what it did (possibly authentication) is not carried over",
                       annotation=key, hint="add the KongPlugin manifest to the input and convert again")
            continue
        ptype = p.type
        if p.kind == "KongPlugin" and (p.namespace or "default") != (namespace or "default") \
                and not _granted(ctx, owner, namespace, p):
            ctx.report(owner, "kong-plugin-no-grant", f"{key}: {p.label()} is in another namespace; KIC binds it only "
                       f"when a ReferenceGrant in namespace {p.namespace!r} allows KongPlugins to be referenced from "
                       f"namespace {namespace!r}, and the input has none: converted as if granted", annotation=key,
                       hint="if no such grant exists, Kong did not run the plugin: remove the reference")
        if p.disabled:
            out.worse("ignored")
            ctx.report(owner, "annotation-ignored", f"{key}: {p.label()} is disabled; it had no effect",
                       annotation=key)
            continue
        if ptype in seen:
            ctx.report(owner, "annotation-ignored", f"{key}: {p.label()} repeats a plugin type already attached; "
                       "Kong allows one plugin of a type per route or service (it rejects a second one), so only the "
                       "first is converted", annotation=key)
            continue
        seen.add(ptype)
        out.types.add(ptype)
        consumer = p.obj.data.get("consumerRef")
        if consumer and ptype in CONVERTERS:
            out.worse("implementation-specific")
            ctx.report(owner, "annotation-implementation-specific", f"{key}: {p.label()} has consumerRef "
                       f"{consumer!r}: Kong ran it only for requests authenticated as that KongConsumer; Gateway API "
                       "filters cannot depend on the consumer, so it is not converted (applying it to every request "
                       "would change the other clients' responses)", annotation=key,
                       hint=f"on Kong's own Gateway API support: {p.extension_ref()}")
            continue
        protocols = p.obj.data.get("protocols")
        if isinstance(protocols, list) and protocols:
            out.scopes[ptype] = {str(x).strip().lower() for x in protocols}
            if route is not None and not route & out.scopes[ptype]:
                out.worse("ignored")
                ctx.report(owner, "annotation-ignored", f"{key}: {p.label()} runs only for the protocols "
                           f"{', '.join(sorted(out.scopes[ptype]))} and the routes accept "
                           f"{', '.join(sorted(route))}: it had no effect", annotation=key)
                continue
        convert(ctx, owner, p, key, out)
    return out


def _granted(ctx: Context, owner: Ingress | Obj, namespace: str, p: Plugin) -> bool:
    """A ReferenceGrant in the plugin's namespace lets the owner's namespace reference KongPlugins (of that name).

    KIC checks the grant's `from` against the referrer's namespace (its kind as KIC sees it is not reliable for
    Ingresses, so any `from` kind of that namespace is accepted here).
    """
    for g in ctx.inventory.all("ReferenceGrant"):
        if g.namespace != p.namespace:
            continue
        spec = g.data.get("spec") or {}
        froms = [f for f in spec.get("from") or [] if isinstance(f, dict) and f.get("namespace") == namespace]
        tos = [t for t in spec.get("to") or [] if isinstance(t, dict) and t.get("kind") == "KongPlugin"
               and t.get("group") == GROUP and t.get("name") in (None, "", p.name)]
        if froms and tos:
            return True
    return False


def convert(ctx: Context, owner: Ingress | Obj, p: Plugin, key: str, out: Outcome) -> None:
    ptype = p.type
    fn = CONVERTERS.get(ptype)
    source = p.obj.data.get("configFrom") or p.obj.data.get("configPatches") if p.obj else None
    if fn is not None and source:
        out.worse("implementation-specific")
        ctx.report(owner, "annotation-implementation-specific", f"{key}: {p.label()} takes its configuration from a "
                   "Secret (configFrom / configPatches), which ing2gw does not read; not converted", annotation=key,
                   hint="inline the configuration in the KongPlugin and convert again")
        return
    if fn is not None:
        fn(ctx, owner, p, key, out)
        return
    if ptype in SECURITY:
        out.worse("implementation-specific")
        hint = SECURITY_HINTS.get(ptype, "an implementation-specific policy")
        ctx.report(owner, "security-not-enforced",
                   f"{key}: {p.label()} ({SECURITY[ptype]}) has no Gateway API equivalent; the output lets through "
                   "requests Kong refused", annotation=key,
                   hint=f"{hint}; on Kong's own Gateway API support: {p.extension_ref()}")
        return
    if not ptype:
        out.worse("unsupported")
        ctx.report(owner, "kong-plugin-missing", f"{key}: {p.label()} names no plugin type; Kong rejected it",
                   annotation=key)
        return
    if ptype not in OTHER:
        out.worse("implementation-specific")
        ctx.report(owner, "kong-plugin-custom", f"{key}: {p.label()} is a plugin type ing2gw does not know (custom "
                   "or Enterprise); what it did (possibly access control) is not carried over", annotation=key,
                   hint=f"check what the plugin does; on Kong's own Gateway API support: {p.extension_ref()}")
        return
    status = OTHER[ptype]
    out.worse(status)
    code = "annotation-unsupported" if status == "unsupported" else "annotation-implementation-specific"
    ctx.report(owner, code, f"{key}: {p.label()} has no Gateway API equivalent; its behaviour is not carried over",
               annotation=key, hint=f"on Kong's own Gateway API support: {p.extension_ref()}")


# -- cors --------------------------------------------------------------------------------------------------------------


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and str(v) != ""]
    return []


def _normal_origin(origin: str) -> str | None:
    """Kong's normalize_origin for a plain entry: scheme://host[:port] without a default port; None without a host."""
    parts = urlsplit(origin)
    try:
        port = parts.port
    except ValueError:
        return origin
    if not parts.scheme or not parts.hostname:
        return None
    if (parts.scheme, port) in (("http", 80), ("https", 443)):
        port = None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def cors(ctx: Context, owner: Ingress | Obj, p: Plugin, key: str, out: Outcome) -> None:
    cfg = p.config
    lost: list[str] = []
    approx: list[str] = []
    spec: dict = {}
    origins = _strings(cfg.get("origins"))
    good: list[str] = []
    for o in origins:
        if o == "*" and len(origins) == 1:  # Kong allows every origin only for a lone "*"
            good.append(o)
        elif not _PLAIN_ORIGIN.match(o):
            why = "; a '*' among other origins is an invalid regex that matches nothing" if o == "*" else ""
            lost.append(f"origin {o!r} (Kong read it as a regex anchored at both ends{why})")
        else:  # Kong compares scheme://host[:port] (default port dropped) with the normalized Origin
            norm = _normal_origin(o)
            if norm is None:
                approx.append(f"origin {o!r} has no scheme: Kong compared it with the request's whole Origin "
                              "(scheme://host), so it never matched; left out")
            elif _ORIGIN.match(norm):
                good.append(norm)
            else:
                lost.append(f"origin {o!r} (not a valid Gateway API origin)")
    good = list(dict.fromkeys(good))
    if not origins:
        good = ["*"]
    if good:
        spec["allowOrigins"] = good[:64]
    elif origins:
        lost.append("no origin is expressible, so the CORS filter allows none")
    if cfg.get("credentials") is True:
        spec["allowCredentials"] = True
    methods = [m.upper() for m in _strings(cfg.get("methods"))] or list(CORS_METHODS)
    kept = [m for m in dict.fromkeys(methods) if m in CORS_METHODS]
    lost += [f"method {m}" for m in methods if m not in CORS_METHODS]
    if kept:
        spec["allowMethods"] = kept
    headers = _strings(cfg.get("headers"))
    if headers:
        ok = [h for h in dict.fromkeys(headers) if _HEADER_NAME.match(h)]
        lost += [f"header {h!r}" for h in headers if not _HEADER_NAME.match(h)]
        if ok:
            spec["allowHeaders"] = ["*"] if "*" in ok else ok[:64]
    else:
        spec["allowHeaders"] = ["*"]  # Kong echoes Access-Control-Request-Headers
    exposed = [h for h in dict.fromkeys(_strings(cfg.get("exposed_headers"))) if _HEADER_NAME.match(h)]
    if exposed:
        spec["exposeHeaders"] = exposed[:64]
    max_age = cfg.get("max_age")
    if isinstance(max_age, int) and not isinstance(max_age, bool) and max_age >= 1:
        spec["maxAge"] = max_age
    if cfg.get("preflight_continue") is True:
        lost.append("preflight_continue (preflights reached the backend)")
    if cfg.get("private_network") is True:
        lost.append("private_network")
    out.filters.append((p.type, {"type": "CORS", "cors": spec}))
    if lost or approx:
        out.worse("approximated")
        ctx.report(owner, "annotation-approximated", f"{key}: {p.label()} became a CORS filter"
                   + (" without: " + "; ".join(lost) if lost else "") + ("; " if lost and approx else "")
                   + ("; ".join(approx)), annotation=key, hint="Kong regex origins: list the origins explicitly")


# -- request/response-transformer ----------------------------------------------------------------------------------


def _pairs(value: object) -> list[tuple[str, str]]:
    """Kong "name:value" entries."""
    out = []
    for item in _strings(value):
        name, sep, val = item.partition(":")
        out.append((name.strip(), val.strip() if sep else ""))
    return out


def _section(cfg: dict, op: str, part: str) -> object:
    sec = cfg.get(op)
    return sec.get(part) if isinstance(sec, dict) else None


def transformer(ctx: Context, owner: Ingress | Obj, p: Plugin, key: str, out: Outcome) -> None:
    cfg = p.config
    request = p.type == "request-transformer"
    lost: list[str] = []
    approx: list[str] = []
    mod: dict[str, list] = {"set": [], "add": [], "remove": []}
    names: dict[str, set[str]] = {"set": set(), "add": set()}
    rewrite: dict = {}

    def put(op: str, name: str, val: str, what: str) -> None:
        if not _HEADER_NAME.match(name) or len(name) > 256:
            lost.append(f"{what} {name!r} (not a valid header name)")
            return
        if not val or len(val) > 4096:
            lost.append(f"{what} {name!r} (empty or too long value)")
            return
        if "$(" in val:
            lost.append(f"{what} {name!r} (template value {val!r})")
            return
        low = name.lower()
        if low in names[op]:
            if op == "add":
                for h in mod["add"]:
                    if h["name"].lower() == low:
                        h["value"] += "," + val
                approx.append(f"the repeated appends of {name!r} became one comma-separated value")
            return
        if len(mod[op]) >= MAX_MODIFIER:
            lost.append(f"{what} {name!r} (more than 16 headers)")
            return
        names[op].add(low)
        mod[op].append({"name": name, "value": val})

    # Kong's order: remove, rename, replace, add, append; a header removed first is absent for the later steps.
    for name in _strings(_section(cfg, "remove", "headers")):
        if not _HEADER_NAME.match(name) or len(mod["remove"]) >= MAX_MODIFIER:
            lost.append(f"remove {name!r} (invalid name or more than 16 headers)")
        elif name.lower() not in {h.lower() for h in mod["remove"]}:
            mod["remove"].append(name)
    removed = {h.lower() for h in mod["remove"]}

    def unremove(low: str) -> None:  # removed, then created again: a plain set
        mod["remove"][:] = [h for h in mod["remove"] if h.lower() != low]
        removed.discard(low)

    for name, new in _pairs(_section(cfg, "rename", "headers")):
        lost.append(f"rename of {name!r} to {new!r}")
    replaced = {}
    for name, val in _pairs(_section(cfg, "replace", "headers")):
        if name.lower() not in removed:  # a removed header is absent: Kong's replace had no effect
            replaced.setdefault(name.lower(), (name, val))
    for low, (name, val) in replaced.items():
        if request and low == "host":
            rewrite["hostname"] = val
            continue
        approx.append(f"replace {name!r} also creates the header when absent")
        put("set", name, val, "replace")
    for name, val in _pairs(_section(cfg, "add", "headers")):
        if name.lower() in replaced:
            approx.append(f"add {name!r} (replace of the same header wins)")
            continue
        if request and name.lower() == "host":
            approx.append("add 'host' had no effect in Kong (the Host header is always present)")
            continue
        if name.lower() in removed:  # removed first, so Kong's add always set it: exact
            unremove(name.lower())
        elif name.lower() not in names["set"]:
            approx.append(f"add {name!r} also overwrites a header the {'client' if request else 'backend'} sent")
        put("set", name, val, "add")
    for name, val in _pairs(_section(cfg, "append", "headers")):
        if name.lower() in removed:  # removed first: the appended value is the only one
            unremove(name.lower())
            put("set", name, val, "append")
        else:
            put("add", name, val, "append")
    for part in ("querystring", "body", "json", "json_types"):
        for op in ("remove", "rename", "replace", "add", "append"):
            if _strings(_section(cfg, op, part)):
                lost.append(f"{op}.{part}")
    uri = _section(cfg, "replace", "uri")
    if isinstance(uri, str) and uri:
        if "$(" in uri:
            lost.append(f"replace.uri {uri!r} (template)")
        else:
            rewrite["path"] = {"type": "ReplaceFullPath", "replaceFullPath": uri}
    if cfg.get("http_method"):
        lost.append(f"http_method {cfg['http_method']!r}")
    ftype = "RequestHeaderModifier" if request else "ResponseHeaderModifier"
    body = {k: v for k, v in mod.items() if v}
    if body:
        out.filters.append((p.type, {"type": ftype, ftype[0].lower() + ftype[1:]: body}))
    if rewrite:
        out.filters.append((p.type, {"type": "URLRewrite", "urlRewrite": rewrite}))
    if lost:
        out.worse("unsupported" if not body and not rewrite else "approximated")
        ctx.report(owner, "annotation-approximated" if body or rewrite else "annotation-unsupported",
                   f"{key}: {p.label()}: not carried over: " + "; ".join(lost)
                   + (f"; approximated: {'; '.join(approx)}" if approx else ""), annotation=key,
                   hint=f"on Kong's own Gateway API support: {p.extension_ref()}")
    elif approx:
        out.worse("approximated")
        ctx.report(owner, "annotation-approximated", f"{key}: {p.label()} became a {ftype} filter; "
                   + "; ".join(approx), annotation=key)


# -- redirect ----------------------------------------------------------------------------------------------------------


def redirect(ctx: Context, owner: Ingress | Obj, p: Plugin, key: str, out: Outcome) -> None:
    cfg = p.config
    location = str(cfg.get("location") or "")
    code = cfg.get("status_code", 301)
    parts = urlsplit(location)
    try:
        port = parts.port
    except ValueError:  # a port out of range: Kong's schema rejects the plugin
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or not _PRECISE_HOST.match(parts.hostname) \
            or port == -1 or parts.username is not None or code not in (301, 302, 303, 307, 308):
        out.worse("unsupported")
        ctx.report(owner, "annotation-unsupported", f"{key}: {p.label()}: location {location!r} / status {code!r} "
                   "cannot be expressed as a RequestRedirect (Gateway API needs an http(s) URL with a DNS hostname, "
                   "no IP literal in brackets, no user info, a valid port, and status 301, 302, 303, 307 or 308); "
                   "the requests now reach the backend", annotation=key)
        return
    spec: dict = {"scheme": parts.scheme, "hostname": parts.hostname}
    if port:
        spec["port"] = port
    incoming = str(cfg.get("incoming_path") or ("keep" if cfg.get("keep_incoming_path") is True else "ignore"))
    if incoming != "keep":
        spec["path"] = {"type": "ReplaceFullPath", "replaceFullPath": parts.path or "/"}
    spec["statusCode"] = code
    out.filters.append((p.type, {"type": "RequestRedirect", "requestRedirect": spec}))
    lost = []
    if incoming == "merge":
        lost.append("incoming_path merge (Kong combined the location with the request's path and query) became "
                    "the location's path alone")
    if incoming != "keep":  # Kong answered with the location as written: the request's query string was dropped
        lost.append(f"Kong redirected to {location!r} exactly, dropping the request's query string; Gateway API "
                    "redirects keep it" + (" (and cannot add the location's query or fragment)"
                                           if parts.query or parts.fragment else ""))
    if lost:
        out.worse("approximated")
        ctx.report(owner, "annotation-approximated", f"{key}: {p.label()} became a RequestRedirect: "
                   + "; ".join(lost), annotation=key,
                   hint="keep_incoming_path: true (Kong) is what Gateway API redirects do without a path")


CONVERTERS = {
    "cors": cors,
    "request-transformer": transformer,
    "response-transformer": transformer,
    "redirect": redirect,
}


def global_plugins(ctx: Context) -> None:
    """KongClusterPlugins labelled global: "true" applied to all routes of the controller: say so, once."""
    for o in ctx.inventory.all("KongClusterPlugin"):
        labels = (o.data.get("metadata") or {}).get("labels") or {}
        if labels.get("global") != "true":  # KIC compares the label value exactly
            continue
        ptype = str(o.data.get("plugin") or "")
        code = "security-not-enforced" if ptype in SECURITY else "kong-plugin-global"
        ctx.report(o, code, f"global KongClusterPlugin {o.name!r} ({ptype}) applied to every Kong route; "
                   "the generated routes do not carry it", hint="an implementation-specific Gateway-wide policy")


# -- merging filters into a rule ---------------------------------------------------------------------------------------


def merge_filter(filters: list[dict], new: dict) -> None:
    """Add `new` to a rule's filters, merging with a filter of the same type (Gateway API allows one per type)."""
    ftype = new["type"]
    for f in filters:
        if f["type"] != ftype:
            continue
        if ftype in ("RequestHeaderModifier", "ResponseHeaderModifier"):
            field_name = ftype[0].lower() + ftype[1:]
            cur, add = f[field_name], new[field_name]
            for op in ("set", "add"):
                have = {h["name"].lower() for h in cur.get(op, [])}
                extra = [h for h in add.get(op, []) if h["name"].lower() not in have]
                if extra:
                    cur.setdefault(op, []).extend(extra)
            rem = [n for n in add.get("remove", []) if n.lower() not in {x.lower() for x in cur.get("remove", [])}]
            if rem:
                cur.setdefault("remove", []).extend(rem)
            return
        if ftype == "URLRewrite":
            for k, v in new["urlRewrite"].items():
                f["urlRewrite"].setdefault(k, v)
            return
        return  # CORS, RequestRedirect: the first one wins (route plugins before Service plugins)
    filters.append(new)
