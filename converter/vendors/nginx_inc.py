"""F5 NGINX Ingress Controller (nginx/kubernetes-ingress): `nginx.org/`, `nginx.com/` and App Protect annotations.

Semantics checked against the controller's source (internal/configs/annotations.go, ingress.go,
version1/nginx.ingress.tmpl and template_helper.go, internal/k8s/validation.go):

* Paths: without `nginx.org/path-regex`, Prefix and ImplementationSpecific paths are plain nginx prefix locations
  (`location /tea` also matches `/teapot`), Exact is `location = /tea`. With path-regex every path of the Ingress
  becomes `~ "^path"`, `~* "^path"` (start-anchored only) or `= "path"`; an Exact path under path-regex yields
  `~ "^= /path"`, which matches nothing. The RegularExpression is `^path.*` (`^(?:A|.*B).*` when the path has
  top-level alternatives, of which nginx anchors only the first), equal on full- and partial-match engines.
* `listen-ports` / `listen-ports-ssl` replace 80 / 443 for the hosts (Rule.http_ports / https_ports); the SSL
  redirect goes to `https://$host:<first SSL port>`.
* Server-level settings (SSL redirect, `redirect-to-https`, HSTS, `proxy-hide-headers`, `app-root`, server snippets,
  App Protect) apply to every location of the host; location-level ones (timeouts, headers, rewrites, services)
  to each path.
* Mergeable Ingresses: the master (no paths) gives the host its server-level settings and TLS; minions give paths.
  Master annotations on the controller's inheritance list flow into minions that do not set them; annotations on
  the master deny list (service lists, health checks) and the minion deny list (server-level ones) are ignored.
  A minion whose host has no master is not served. Several Ingresses (not mergeable) with one host: the oldest wins.
* Validation (internal/k8s/validation.go): an invalid annotation value, a Service list naming Services the Ingress
  does not use (names compared untrimmed), a missing related annotation (hsts-* without hsts, basic-auth-realm
  without basic-auth-secret), snippets (unless -enable-snippets), a host-less rule, a path with curly braces holding
  letters, `/var` or `/root` anywhere, an unescaped quote or an unbalanced regex, a master with paths or a minion
  without exactly one rule make NIC reject the whole Ingress (`ingress-ignored-by-controller`).
* Minion paths compare by string (not pathType): the oldest minion keeps a path; a path repeated inside one minion is
  served by none of its locations (buildMinionConfigs).

The table (mappings/nginx-inc.yaml) is keyed by the FULL annotation name (nginx.org/ and nginx.com/ spell
different annotations with the same suffix), and a `PREFIX*` entry covers a whole prefix.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from .. import values
from ..context import Context
from ..findings import register
from ..mapping import Entry, Table, load_table
from ..model import Ingress, IngressPath, Match, Rule
from ..paths import re_escape
from .base import Vendor

register(
    ("mergeable-minion-without-master", "error",
     "A minion Ingress has no master Ingress for its host; the controller did not serve it, and neither does the "
     "output."),
    ("mergeable-merged", "info",
     "Minion Ingresses were merged with their master: the master's host-level settings apply to the minions' routes."),
    ("mergeable-master-without-minions", "info", "A master Ingress has no minions in the input; it serves no paths."),
    ("websocket-native", "info",
     "WebSocket upgrades are proxied natively by Gateway API implementations; nothing to convert."),
    ("host-collision", "warning",
     "Several Ingresses define the same host; NIC serves a host from the oldest one (or its master) only."),
)

MERGEABLE = "nginx.org/mergeable-ingress-type"
PATH_REGEX = "nginx.org/path-regex"
XFP = "X-Forwarded-Proto"
HSTS_HEADER = "Strict-Transport-Security"

# internal/configs/annotations.go
MASTER_DENYLIST = frozenset({
    "nginx.org/rewrites", "nginx.org/ssl-services", "nginx.org/grpc-services", "nginx.org/websocket-services",
    "nginx.com/sticky-cookie-services", "nginx.org/sticky-cookie-services", "nginx.com/health-checks",
    "nginx.com/health-checks-mandatory", "nginx.com/health-checks-mandatory-queue", "nginx.org/use-cluster-ip",
})
MINION_DENYLIST = frozenset({
    "nginx.org/proxy-hide-headers", "nginx.org/proxy-pass-headers", "nginx.org/redirect-to-https",
    "ingress.kubernetes.io/ssl-redirect", "nginx.org/ssl-redirect", "nginx.org/http-redirect-code", "nginx.org/hsts",
    "nginx.org/hsts-max-age", "nginx.org/hsts-include-subdomains", "nginx.org/server-tokens", "nginx.org/listen-ports",
    "nginx.org/listen-ports-ssl", "nginx.org/server-snippets", "nginx.org/ssl-ciphers",
    "nginx.org/ssl-prefer-server-ciphers", "nginx.org/app-root",
    # server-level: the minion's server block is discarded, so these have no effect either
    "nginx.org/hsts-behind-proxy", "appprotect.f5.com/app-protect-enable", "appprotect.f5.com/app-protect-policy",
    "appprotect.f5.com/app-protect-security-log-enable", "appprotect.f5.com/app-protect-security-log",
    "appprotect.f5.com/app-protect-security-log-destination", "appprotectdos.f5.com/app-protect-dos-resource",
})
MINION_INHERITS = frozenset({
    "nginx.org/proxy-connect-timeout", "nginx.org/proxy-read-timeout", "nginx.org/proxy-send-timeout",
    "nginx.org/client-max-body-size", "nginx.org/proxy-buffering", "nginx.org/proxy-buffers",
    "nginx.org/proxy-buffer-size", "nginx.org/proxy-busy-buffers-size", "nginx.org/proxy-max-temp-file-size",
    "nginx.org/upstream-zone-size", "nginx.org/location-snippets", "nginx.org/lb-method", "nginx.org/keepalive",
    "nginx.org/max-fails", "nginx.org/max-conns", "nginx.org/fail-timeout", "nginx.org/limit-req-rate",
    "nginx.org/limit-req-key", "nginx.org/limit-req-zone-size", "nginx.org/limit-req-delay",
    "nginx.org/limit-req-no-delay", "nginx.org/limit-req-burst", "nginx.org/limit-req-dry-run",
    "nginx.org/limit-req-log-level", "nginx.org/limit-req-reject-code", "nginx.org/limit-req-scale",
})
SECURITY_POLICIES = ("accessControl", "rateLimit", "jwt", "basicAuth", "ingressMTLS", "oidc", "apiKey", "waf",
                     "externalAuth")

# ---------------------------------------------------------------------------------------------------------------
# Value parsers (registered with converter.values so that invalid values get the engine's own finding)

_TIME_TOKEN = re.compile(r"(\d+)(ms|s|m|h|d|w|M|y)?")
_TIME_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000,
               "M": 30 * 86_400_000, "y": 365 * 86_400_000}
_HEADER_NAME = re.compile(r"^[-A-Za-z0-9]+$")
_SERVICE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_REWRITE_PATH = re.compile(r"/[^\s{};$]*")
_STICKY = re.compile(r"^serviceName=(\S+)\s+(\S+)((\s+\S+)*)$")


def parse_nginx_time(text: str) -> int:
    """nginx time (`30s`, `1m`, `1h30m`, `500ms`; a bare number is seconds): returns milliseconds."""
    s = text.strip()
    pos, total = 0, 0
    if not s:
        raise ValueError("empty value")
    while pos < len(s):
        m = _TIME_TOKEN.match(s, pos)
        if not m:
            raise ValueError(f"{text!r} is not an nginx time (like 30s, 1m, 1h30m)")
        total += int(m.group(1)) * _TIME_UNITS[m.group(2) or "s"]
        pos = m.end()
        while pos < len(s) and s[pos] == " ":
            pos += 1
    return total


def parse_services(text: str) -> list[str]:
    """ParseServiceList: comma-separated Service names."""
    names = values.parse_csv(text)
    for n in names:
        if not _SERVICE.match(n):
            raise ValueError(f"{n!r} is not a Service name")
    return names


def parse_rewrites(text: str) -> dict[str, str]:
    """ParseRewriteList: `serviceName=S rewrite=/p;serviceName=T rewrite=/q` -> {S: /p, T: /q}. As NIC: every
    ';'-separated part (a trailing ';' makes an empty one) is trimmed and split at its first space into exactly
    `serviceName=NAME` and `rewrite=PATH` (one '=' each), PATH matching /[^\\s{};$]*; one bad part voids the list."""
    out: dict[str, str] = {}
    for raw in text.split(";"):
        part = raw.strip()
        svc, sep, rw = part.partition(" ")
        svc_parts, rw_parts = svc.split("="), rw.split("=")
        if not sep or len(svc_parts) != 2 or svc_parts[0] != "serviceName":
            raise ValueError(f"{part!r} is not 'serviceName=NAME rewrite=PATH'")
        if len(rw_parts) != 2 or rw_parts[0] != "rewrite" or not _REWRITE_PATH.fullmatch(rw_parts[1]):
            raise ValueError(f"{rw!r} is not 'rewrite=PATH' (PATH starting with '/', without whitespace, '{{', '}}', "
                             "';', '$' or '=')")
        out[svc_parts[1]] = rw_parts[1]
    return out


def parse_sticky(text: str) -> dict[str, dict[str, Any]]:
    """`serviceName=S NAME [expires=T] [domain=D] [httponly] [secure] [path=P] [samesite=X];...`."""
    out: dict[str, dict[str, Any]] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        m = _STICKY.match(part)
        if not m or "$" in part:
            raise ValueError(f"{part!r} is not 'serviceName=NAME COOKIE [expires=TIME] [path=PATH] ...'")
        attrs: dict[str, str] = {}
        for item in m.group(3).split():
            k, _, v = item.partition("=")
            if k not in ("expires", "domain", "httponly", "secure", "path", "samesite"):
                raise ValueError(f"unknown sticky cookie parameter {item!r}")
            attrs[k] = v
        if attrs.get("expires") and attrs["expires"] != "max":
            parse_nginx_time(attrs["expires"])
        out[m.group(1)] = {"cookie": m.group(2), **attrs}
    if not out:
        raise ValueError("empty list")
    return out


def parse_set_headers(text: str) -> list[tuple[str, str | None]]:
    """`Name: value, Other` -> [(Name, value), (Other, None)]; a bare name passes the client's own value."""
    out: list[tuple[str, str | None]] = []
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = item.strip().partition(":")
        name = name.strip()
        if not _HEADER_NAME.match(name):
            raise ValueError(f"{name!r} is not a header name")
        if "$" in value:
            raise ValueError(f"{item.strip()!r}: NIC does not accept '$' in header values")
        out.append((name, value.strip() if sep else None))
    if not out:
        raise ValueError("empty list")
    return out


def parse_add_headers(text: str) -> list[tuple[str, str, bool]]:
    """`Name: value[:always], ...` -> [(Name, value, always)]."""
    out = []
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = item.strip().partition(":")
        if not sep or not _HEADER_NAME.match(name.strip()):
            raise ValueError(f"{item.strip()!r} is not 'Name: value'")
        value = value.strip()
        always = value.endswith(":always")
        if always:
            value = value[: -len(":always")].rstrip()
        out.append((name.strip(), value, always))
    if not out:
        raise ValueError("empty list")
    return out


def parse_ports(text: str) -> list[int]:
    ports = []
    for item in values.parse_csv(text):
        if not item.isdigit() or not 1 <= int(item) <= 65535:
            raise ValueError(f"{item!r} is not a port number")
        ports.append(int(item))
    return ports


def parse_rewrite_target(text: str) -> str:
    """validateRewriteTargetAnnotation: a relative path without nginx syntax characters."""
    t = text
    if t.startswith(("http://", "https://", "//")) or not t.startswith("/"):
        raise ValueError(f"{text!r} must be a path starting with '/' (no scheme, no '//')")
    if "../" in t or "..\\" in t or any(c in t for c in ";{}[]|<>,^`~") or any(ord(c) <= 32 or ord(c) == 127
                                                                              for c in t):
        raise ValueError(f"{text!r} has characters NIC does not accept in a rewrite target")
    return t


NEXT_UPSTREAM = {"error", "timeout", "invalid_header", "http_500", "http_502", "http_503", "http_504", "http_403",
                 "http_404", "http_429", "non_idempotent", "off", "denied"}


def parse_next_upstream(text: str) -> list[str]:
    tokens = text.split(" ")
    bad = [t for t in tokens if t not in NEXT_UPSTREAM]
    if bad:
        raise ValueError(f"{', '.join(map(repr, bad))}: not a proxy-next-upstream condition")
    return tokens


def parse_rate(text: str) -> str:
    if not re.fullmatch(r"\d+r/[sm]", text.strip()):
        raise ValueError(f"{text!r} is not a rate like 10r/s or 100r/m")
    return text.strip()


for _name, _parser in (("nginx-time", parse_nginx_time), ("nic-services", parse_services),
                       ("nic-rewrites", parse_rewrites), ("nic-sticky", parse_sticky),
                       ("nic-set-headers", parse_set_headers), ("nic-add-headers", parse_add_headers),
                       ("nic-ports", parse_ports), ("nic-rate", parse_rate),
                       ("nic-rewrite-target", parse_rewrite_target), ("nic-next-upstream", parse_next_upstream)):
    values.PARSERS.setdefault(_name, _parser)


# ---------------------------------------------------------------------------------------------------------------
# The table, keyed by full annotation names


class FullKeyTable(Table):
    """A table whose entries are keyed by the full annotation name; `PREFIX*` entries cover a whole prefix."""

    def lookup(self, annotation: str) -> tuple[str, Entry | None] | None:
        for prefix in self.prefixes:
            if annotation.startswith(prefix):
                return prefix, self.entries.get(annotation) or self.entries.get(prefix + "*") or self.unlisted
        return None


def nic_table() -> Table:
    t = load_table("nginx-inc.yaml")
    return FullKeyTable(t.vendor, t.prefixes, t.entries, t.handlers, t.unlisted)


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _kind(ing: Ingress) -> str | None:
    return ing.extra.get("nic_type")


def _server(ing: Ingress) -> dict:
    """The server-level settings of an Ingress (applied to its host's rules in NginxInc.finish)."""
    return ing.extra.setdefault("nic_server", {"ssl_redirect": True, "code": 301})


def _ref(ing: Ingress) -> str:
    return ing.key if ing.namespace else ing.name


def _live(ing: Ingress) -> list[Rule]:
    return [r for r in ing.rules if not r.dropped]


def _service(r: Rule) -> str | None:
    return r.backends[0].name if len(r.backends) == 1 and r.backends[0].kind == "Service" else None


def _spec_services(ing: Ingress) -> set[str]:
    names = {p.backend.name for p in ing.paths if p.backend is not None}
    if ing.default_backend is not None:
        names.add(ing.default_backend.name)
    return names


def _check_services(ctx: Context, ing: Ingress, key: str, names: list[str] | dict) -> None:
    # ParseServiceList splits on ',' without trimming: `a, b` names ' b', which no path uses
    raw = ing.annotations.get(key, "").split(",") if key.endswith(("ssl-services", "grpc-services",
                                                                  "websocket-services")) else list(names)
    missing = sorted(set(raw) - _spec_services(ing))
    if missing:
        ctx.report(ing, "ingress-ignored-by-controller", f"{key} names {', '.join(map(repr, missing))}, which this "
                   "Ingress does not route to (NIC compares the names exactly, spaces included): NIC's validation "
                   "rejects such an Ingress, so the controller served none of it; the output converts it anyway",
                   annotation=key, hint="remove the names (or the spaces after the commas) or add the paths they "
                   "were meant for")


def _truthy(ing: Ingress, key: str) -> bool:
    try:
        return values.parse_bool(ing.annotations.get(key, "false"))
    except ValueError:
        return False


def _modifier(filters: list[dict], kind: str) -> dict:
    field = kind[0].lower() + kind[1:]
    for f in filters:
        if f["type"] == kind:
            return f[field]
    f = {"type": kind, field: {}}
    filters.append(f)
    return f[field]


def _set_header(filters: list[dict], kind: str, name: str, value: str, override: bool = True) -> None:
    mod = _modifier(filters, kind)
    items = mod.setdefault("set", [])
    for h in items:
        if h["name"].lower() == name.lower():
            if override:
                h["value"] = value
            return
    items.append({"name": name, "value": value})


def _char_prefix_path(m: Match) -> str | None:
    """The Ingress path of a match built by paths.prefix_by_characters (`^/app.*`), or None."""
    if m.path_type == "PathPrefix":
        return m.path
    if m.path_type == "RegularExpression" and m.path.startswith("^") and m.path.endswith(".*"):
        inner = m.path[1:-2]
        plain = re.sub(r"\\(.)", r"\1", inner)
        if re_escape(plain) == inner:
            return plain
    return None


# ---------------------------------------------------------------------------------------------------------------
# Handlers: location level


def on_invalid_value(ctx: Context, ing: Ingress, key: str, error: str) -> None:
    if key.startswith(("nginx.org/limit-req-", "custom.nginx.org/")) or key in ("nginx.org/add-header",
                                                                               "nginx.org/sticky-cookie-services"):
        return  # not in NIC's validation table: only logged by the controller, the value is ignored
    ctx.report(ing, "ingress-ignored-by-controller",
               f"NIC's annotation validation rejects an Ingress whose {key} is invalid ({error}): the controller "
               "served none of this Ingress; the output converts the rest of it", annotation=key,
               hint="fix the value, or delete the Ingress if it was never meant to be served")


def read_timeout(ctx: Context, ing: Ingress, ms: int, entry: Entry) -> None:
    ing.extra["nic_read_timeout"] = ms
    for r in _live(ing):
        _apply_read_timeout(r, ms)


def _apply_read_timeout(r: Rule, ms: int) -> None:
    if ms > 0:
        r.timeouts = {**(r.timeouts or {}), "backendRequest": values.format_duration(ms)}


def body_size(ctx: Context, ing: Ingress, size: int, entry: Entry) -> tuple[str, str] | None:
    if size == 0:
        return "converted", ""  # no limit, as in most Gateway implementations
    return None


def next_upstream(ctx: Context, ing: Ingress, tokens: list[str], entry: Entry) -> tuple[str, str] | None:
    if not ctx.options.experimental:
        return None
    if "off" in tokens:
        return "unsupported", "retries switched off; the route has no retry field, so the implementation's default " \
            "applies"
    codes = sorted({int(t[5:]) for t in tokens if re.fullmatch(r"http_\d{3}", t) and 400 <= int(t[5:]) <= 599})
    if not codes:
        return "approximated", "NIC retried on connection errors and timeouts only; the implementation's default " \
            "retry behaviour applies to those"
    for r in _live(ing):
        r.retry = {**(r.retry or {}), "codes": codes}
    return "approximated", f"retried on {', '.join(map(str, codes))} (NIC also retried on connection errors and " \
        "timeouts, and only idempotent requests unless non_idempotent)"


def next_upstream_tries(ctx: Context, ing: Ingress, tries: int, entry: Entry) -> tuple[str, str] | None:
    if not ctx.options.experimental:
        return None
    if tries <= 1:
        return "approximated", "at most one try: no retries (the route sets none)"
    for r in _live(ing):
        r.retry = {**(r.retry or {}), "attempts": tries - 1}
    return "approximated", f"{tries} tries became retry.attempts {tries - 1}"


def proxy_set_headers(ctx: Context, ing: Ingress, headers: list, entry: Entry) -> tuple[str, str] | None:
    valued = [(n, v) for n, v in headers if v is not None]
    ing.extra["nic_set_headers"] = valued
    for r in _live(ing):
        for name, value in valued:
            _set_header(r.filters, "RequestHeaderModifier", name, value)
    return None


def add_header(ctx: Context, ing: Ingress, headers: list, entry: Entry) -> tuple[str, str] | None:
    for r in _live(ing):
        mod = _modifier(r.filters, "ResponseHeaderModifier")
        for name, value, _ in headers:
            mod.setdefault("add", []).append({"name": name, "value": value})
    if all(always for _, _, always in headers):
        return "converted", ""
    return None


def path_regex(ctx: Context, ing: Ingress, mode: str, entry: Entry) -> tuple[str, str] | None:
    if _kind(ing) == "master":
        return "ignored", "NIC ignores path-regex on a master Ingress; each minion's own setting applies"
    if mode == "exact":
        return "converted", ""
    return None


def rewrites(ctx: Context, ing: Ingress, table: dict[str, str], entry: Entry) -> tuple[str, str] | None:
    key = "nginx.org/rewrites"
    _check_services(ctx, ing, key, table)
    regex = ing.extra.get("nic_regex") in ("case_sensitive", "case_insensitive")
    changed, exact = [], True
    for r in _live(ing):
        target = table.get(_service(r) or "")
        if not target:
            continue
        m = r.matches[0]
        if regex:
            continue
        if m.path_type == "Exact":
            r.filters.append({"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplaceFullPath",
                                                                             "replaceFullPath": target}}})
            changed.append(r.path)
            continue
        prefix = _char_prefix_path(m)
        if prefix is None:
            continue
        if prefix != "/" or not target.endswith("/"):  # nginx: location / + rewrite=/api turns /x into /apix
            exact = False
        r.matches[0] = Match("PathPrefix", prefix, m.headers, m.query, m.method)
        r.filters.append({"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch",
                                                                         "replacePrefixMatch": target}}})
        changed.append(r.path)
    if regex:
        return "unsupported", "nginx rejects a URI in proxy_pass inside a regex location (nginx.org/path-regex), " \
            "so NIC could not apply this configuration; not converted"
    if not changed:
        return "ignored", "no path of this Ingress routes to the Services it names"
    if exact:
        return "converted", ""
    return None


def rewrite_target(ctx: Context, ing: Ingress, target: str, entry: Entry) -> tuple[str, str] | None:
    if "nginx.org/rewrites" in ing.annotations:
        return "ignored", "nginx.org/rewrites takes precedence over rewrite-target (NIC warns and ignores this one)"
    if re.search(r"\$\d", target):
        return "implementation-specific", f"rewrites the whole path to {target!r} with the regex captures of " \
            "the path; Gateway API rewrites have no captures, so the path is not rewritten"
    skipped = []
    for r in _live(ing):
        if r.path_type == "Exact" and ing.extra.get("nic_regex") is None:
            skipped.append(r.path)  # the rewrite pattern is `= /path`, which never matches
            continue
        r.filters.append({"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplaceFullPath",
                                                                         "replaceFullPath": target}}})
    if skipped:
        return "approximated", f"for the Exact paths {', '.join(skipped)} NIC generates `rewrite = PATH TARGET " \
            "break`, which nginx does not accept (the configuration of this Ingress fails to load); the output " \
            f"does not rewrite them; the other paths are rewritten to {target}"
    return None


def ssl_services(ctx: Context, ing: Ingress, names: list[str], entry: Entry) -> None:
    _check_services(ctx, ing, "nginx.org/ssl-services", names)
    ns = ing.namespace or "default"
    for r in _live(ing):
        for b in r.backends:
            if b.kind == "Service" and not b.group and b.name in names:
                b.tls = {"hostname": f"{b.name}.{ns}.svc", "ca": "System"}


def grpc_services(ctx: Context, ing: Ingress, names: list[str], entry: Entry) -> tuple[str, str] | None:
    _check_services(ctx, ing, "nginx.org/grpc-services", names)
    http2 = _configmap_http2(ctx)
    if http2 is False:
        return "ignored", "the controller's ConfigMap in the input does not enable http2, and NIC ignores " \
            "grpc-services without it; the Services stay HTTP backends"
    kept = []
    for r in _live(ing):
        if _service(r) in names:
            m = r.matches[0]
            prefix = _char_prefix_path(m)
            if m.path_type == "RegularExpression" and prefix is None:
                kept.append(r.path)  # a GRPCRoute matches service/method, not a path regex: stay an HTTPRoute rule
                continue
            r.protocol = "grpc"
            if m.path_type == "RegularExpression":
                r.matches[0] = Match("PathPrefix", prefix, m.headers, m.query, m.method)
    if kept:
        return "approximated", f"the regex paths {', '.join(kept)} stay HTTPRoute RegularExpression rules (a " \
            "GRPCRoute matches gRPC services and methods, not path regexes); their Service ports need appProtocol " \
            "kubernetes.io/h2c for the Gateway to speak HTTP/2 (gRPC) to them" + (
                "; NIC applied grpc-services only with http2: \"true\" in its ConfigMap, which the input does not "
                "show" if http2 is None else "")
    if http2 is None:
        return "approximated", "converted to GRPCRoute rules (gRPC service/method matches from the paths); NIC " \
            "applied grpc-services only when its ConfigMap set http2: \"true\" (default false), which the input " \
            "does not show, and spoke HTTP/2 to clients only on TLS hosts"
    return None


def _configmap_http2(ctx: Context) -> bool | None:
    for cm in ctx.inventory.all("ConfigMap"):
        data = cm.data.get("data") or {}
        if isinstance(data, dict) and "http2" in data:
            try:
                return values.parse_bool(str(data["http2"]))
            except ValueError:
                return False
    return None


def websocket_services(ctx: Context, ing: Ingress, names: list[str], entry: Entry) -> None:
    _check_services(ctx, ing, "nginx.org/websocket-services", names)
    ctx.report(ing, "websocket-native", f"nginx.org/websocket-services ({', '.join(names)}): Gateway API "
               "implementations upgrade WebSocket connections without configuration",
               annotation="nginx.org/websocket-services")


def sticky(ctx: Context, ing: Ingress, table: dict[str, dict], entry: Entry) -> tuple[str, str] | None:
    if entry.key == "nginx.com/sticky-cookie-services" and "nginx.org/sticky-cookie-services" in ing.annotations:
        return "ignored", "nginx.org/sticky-cookie-services takes precedence"
    _check_services(ctx, ing, entry.key, table)
    if not ctx.options.experimental:
        return None
    lost = set()
    for r in _live(ing):
        conf = table.get(_service(r) or "")
        if conf is None:
            continue
        session: dict[str, Any] = {"sessionName": conf["cookie"], "type": "Cookie"}
        expires = conf.get("expires")
        if expires:
            ms = 87_600 * 3_600_000 if expires == "max" else parse_nginx_time(expires)
            if ms > 0:
                session["absoluteTimeout"] = values.format_duration(ms)
                session["cookieConfig"] = {"lifetimeType": "Permanent"}
        r.session = session
        lost.update(k for k in conf if k not in ("cookie", "expires"))
    if lost:
        return "approximated", f"cookie attributes {', '.join(sorted(lost))} have no sessionPersistence field"
    return "converted", ""


def limit_req_member(ctx: Context, ing: Ingress, value: Any, entry: Entry) -> tuple[str, str] | None:
    if "nginx.org/limit-req-rate" not in ing.annotations and not ing.extra.get("nic_inherited_rate"):
        return "ignored", "has no effect without nginx.org/limit-req-rate"
    return None


def limit_req_rate(ctx: Context, ing: Ingress, rate: str, entry: Entry) -> tuple[str, str] | None:
    if _truthy(ing, "nginx.org/limit-req-dry-run"):
        return "ignored", f"dry run: NIC counted requests over {rate} but did not reject them"
    return None


def _related_missing(ctx: Context, ing: Ingress, key: str, head: str, need_true: bool) -> None:
    """validateRelatedAnnotation: NIC rejects the Ingress when the related annotation is missing (or not true)."""
    ctx.report(ing, "ingress-ignored-by-controller", f"{key} needs {head}" + (" set to true" if need_true else "")
               + ": NIC's validation rejects such an Ingress, so the controller served none of it; the output "
               "converts it anyway", annotation=key, hint=f"add {head} or remove {key}")


def member_of(head: str, validated: bool = False, need_true: bool = False) -> Any:
    """A handler for an annotation that has no effect unless `head` is set to a non-false value (`validated`: NIC
    rejects the Ingress when `head` is missing, or not true with `need_true`)."""

    def handler(ctx: Context, ing: Ingress, value: Any, entry: Entry) -> tuple[str, str] | None:
        raw = ing.annotations.get(head)
        off = raw is None or raw.strip().lower() in ("false", "0", "f")
        if validated and (raw is None or (need_true and off)):
            _related_missing(ctx, ing, entry.key, head, need_true)
        if off:
            return "ignored", f"has no effect without {head}"
        return None

    return handler


basic_auth_member = member_of("nginx.org/basic-auth-secret", validated=True)
jwt_member = member_of("nginx.com/jwt-key")
app_protect_member = member_of("appprotect.f5.com/app-protect-enable")
health_check_member = member_of("nginx.com/health-checks", validated=True, need_true=True)
health_check_queue_member = member_of("nginx.com/health-checks-mandatory", validated=True, need_true=True)
proxy_redirect_member = member_of("nginx.org/proxy-redirect-from")


def app_protect_enable(ctx: Context, ing: Ingress, on: bool, entry: Entry) -> tuple[str, str] | None:
    if not on:
        return "ignored", "App Protect is switched off for this Ingress"
    return None


def listen_ports(ctx: Context, ing: Ingress, ports: list[int], entry: Entry) -> tuple[str, str] | None:
    """nginx.ingress.tmpl: the server `listen`s on these ports instead of 80 (or 443 with -ssl); applied in finish."""
    ssl = entry.key.endswith("-ssl")
    _server(ing)["ssl_ports" if ssl else "ports"] = tuple(dict.fromkeys(ports))
    return None


def policies(ctx: Context, ing: Ingress, text: str, entry: Entry) -> tuple[str, str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    kinds = []
    for ref in names:
        ns, _, name = ref.rpartition("/")
        obj = ctx.inventory.get("Policy", ns or ing.namespace, name)
        if obj is not None and not obj.api_version.startswith("k8s.nginx.org/"):
            obj = None  # another project's Policy kind (Kyverno, ...)
        spec = (obj.data.get("spec") or {}) if obj is not None else {}
        kind = next((k for k in spec if k not in ("ingressClassName",)), None) if isinstance(spec, dict) else None
        kinds.append(f"{ref} ({kind or 'not in the input'})")
        if kind is None or kind in SECURITY_POLICIES:
            what = f"a Policy of type {kind}" if kind else \
                "a Policy that is not in the input (it may be a security control)"
            ctx.report(ing, "security-not-enforced", f"{entry.key}: {ref} is {what}; it is not carried over",
                       annotation=entry.key, hint=entry.hint)
    return "implementation-specific", f"NIC Policy resources {', '.join(kinds)} are not converted"


def mergeable(ctx: Context, ing: Ingress, kind: str, entry: Entry) -> tuple[str, str] | None:
    if ing.annotations.get(MERGEABLE) != kind:  # NIC compares case-sensitively
        on_invalid_value(ctx, ing, MERGEABLE, f"{ing.annotations.get(MERGEABLE)!r} is not 'master' or 'minion'")
        return "ignored", "not exactly 'master' or 'minion': the Ingress is converted as an ordinary one"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Handlers: server level (recorded here, applied to the host's rules in NginxInc.finish)


def ssl_redirect(ctx: Context, ing: Ingress, on: bool, entry: Entry) -> tuple[str, str] | None:
    if entry.key == "ingress.kubernetes.io/ssl-redirect" and "nginx.org/ssl-redirect" in ing.annotations:
        return "ignored", "nginx.org/ssl-redirect takes precedence over this deprecated spelling"
    _server(ing)["ssl_redirect"] = on
    return None


def redirect_code(ctx: Context, ing: Ingress, code: str, entry: Entry) -> None:
    _server(ing)["code"] = int(code)


def redirect_to_https(ctx: Context, ing: Ingress, on: bool, entry: Entry) -> None:
    _server(ing)["xfp_redirect"] = on


def hide_headers(ctx: Context, ing: Ingress, names: list[str], entry: Entry) -> None:
    _server(ing)["hide"] = names


def app_root(ctx: Context, ing: Ingress, path: str, entry: Entry) -> tuple[str, str] | None:
    if not path.startswith("/") or path == "/" or path.endswith("/"):
        ctx.report(ing, "annotation-invalid-value", f"nginx.org/app-root {path!r} must start with '/', and be "
                   "neither '/' nor end with '/'; NIC's validation rejects the Ingress", annotation=entry.key)
        return "ignored", "invalid value"
    _server(ing)["app_root"] = path
    return None


def hsts(ctx: Context, ing: Ingress, on: bool, entry: Entry) -> tuple[str, str] | None:
    bad = []
    parsed = {}
    for key, kind, default in (("nginx.org/hsts-max-age", "int", 2592000),
                               ("nginx.org/hsts-include-subdomains", "bool", False),
                               ("nginx.org/hsts-behind-proxy", "bool", False)):
        try:
            parsed[key] = values.parse(kind, ing.annotations[key]) if key in ing.annotations else default
        except ValueError:
            bad.append(key)
    if bad:
        return "ignored", f"NIC skips every HSTS setting when {', '.join(bad)} is invalid; no header was sent"
    if not on:
        return "converted", ""
    value = f"max-age={parsed['nginx.org/hsts-max-age']}; " \
        + ("includeSubDomains; " if parsed["nginx.org/hsts-include-subdomains"] else "") + "preload"
    server = _server(ing)
    server["hsts"] = value
    server["hsts_proxy"] = parsed["nginx.org/hsts-behind-proxy"]
    return None


def hsts_member(ctx: Context, ing: Ingress, value: Any, entry: Entry) -> tuple[str, str] | None:
    if "nginx.org/hsts" not in ing.annotations:
        _related_missing(ctx, ing, entry.key, "nginx.org/hsts", False)
    if not _truthy(ing, "nginx.org/hsts"):
        return "ignored", "has no effect without nginx.org/hsts: \"true\""
    return None


# ---------------------------------------------------------------------------------------------------------------
# The vendor


def _regex_tokens(regex: str) -> Iterator[tuple[int, str]]:
    """(index, token) of a PCRE pattern: `(`, `)`, `|`, or `[`/`[!` for a character class (`[!` when unclosed);
    escapes and literals are skipped."""
    i, n = 0, len(regex)
    while i < n:
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1
            if j < n and regex[j] == "^":
                j += 1
            if j < n and regex[j] == "]":
                j += 1
            while j < n and regex[j] != "]":
                j += 2 if regex[j] == "\\" else 1
            yield i, "[" if j < n else "[!"
            i = j + 1
            continue
        if c in "()|":
            yield i, c
        i += 1


def _regex_balanced(regex: str) -> bool:
    """Whether the groups and character classes of a PCRE pattern are closed (what regexp2.Compile rejects most)."""
    depth = 0
    for _, tok in _regex_tokens(regex):
        if tok == "[!":
            return False
        depth += {"(": 1, ")": -1}.get(tok, 0)
        if depth < 0:
            return False
    return depth == 0


def _top_level_alternatives(regex: str) -> list[str]:
    """Split a PCRE pattern at its top-level `|` (outside groups, character classes and escapes)."""
    parts, depth, start = [], 0, 0
    for i, tok in _regex_tokens(regex):
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth = max(depth - 1, 0)
        elif tok == "|" and depth == 0:
            parts.append(regex[start:i])
            start = i + 1
    parts.append(regex[start:])
    return parts


def location_regex(path: str) -> str:
    """The RegularExpression for nginx's `location ~ "^PATH"`, equal on full-match (Envoy) and partial-match
    (nginx) engines: `^PATH.*`; with top-level alternatives `A|B`, nginx anchors only the first (`^A` or B anywhere),
    so the match becomes `^(?:A|.*B).*`."""
    alts = _top_level_alternatives(path)
    if len(alts) == 1:
        return f"^{path}.*"
    return "^(?:" + "|".join([alts[0], *(".*" + a for a in alts[1:])]) + ").*"


_LOCATION_FORMS = {"case_sensitive": '~ "^{path}"', "case_insensitive": '~* "^{path}"', "exact": '= "{path}"'}
_ESCAPED = re.compile(r'([^"\\]|\\.)*')
_ILLEGAL_KEYWORDS = re.compile(r"^/etc/|/root|/var|\\n|\\r$")  # Go: "^" + `/etc/|/root|/var|\\n|\\r` + "$"


def _path_problems(path: str) -> list[str]:
    """validatePath beyond its first regex: escaped quotes, curly braces, illegal keywords (every path, regex or not;
    the regex compile check itself is left out, as Python's dialect differs from regexp2's)."""
    out = []
    if not _ESCAPED.fullmatch(path):
        out.append(f"path {path!r} has an unescaped '\"' or ends with an unescaped '\\'")
    if any(re.search(r"[A-Za-z]", inner) for inner in re.findall(r"\{(.*?)\}", path)):
        out.append(f"path {path!r} has curly braces containing letters")
    if not _regex_balanced(path):
        out.append(f"path {path!r} is not a valid regular expression (NIC compiles every path as one)")
    if _ILLEGAL_KEYWORDS.search(path):
        out.append(f"path {path!r} matches NIC's illegal keywords (/etc/ at the start, /root or /var anywhere)")
    return out


def _regex_mode(ing: Ingress) -> str | None:
    mode = ing.annotations.get(PATH_REGEX)
    return mode if mode in ("case_sensitive", "case_insensitive", "exact") else None


class NginxInc(Vendor):
    name = "nginx-inc"
    title = "F5 NGINX Ingress Controller"
    tables = ("nginx-inc.yaml", "common.yaml")
    prefixes = ("nginx.org/", "nginx.com/", "appprotect.f5.com/", "appprotectdos.f5.com/", "nsm.nginx.com/",
                "custom.nginx.org/")
    tls_redirect = 301  # ConfigMap ssl-redirect defaults to true, with `return 301 https://$host:443$request_uri`
    hsts = None  # ConfigMap hsts defaults to false
    prefix_matches_characters = True  # `location /tea` is an nginx string prefix
    implementation_specific = "characters"

    def load_tables(self, ctx: Context) -> list[Table]:
        return [nic_table(), load_table("common.yaml")]

    # -- before the rules are built: mergeable roles, deny lists -----------------------------------------------

    def prepare(self, ctx: Context, ingresses: list[Ingress]) -> None:
        for ing in ingresses:
            ing.extra["nic_regex"] = _regex_mode(ing)
            self._validate_spec(ctx, ing)
            snippets = [k for k in ("nginx.org/server-snippets", "nginx.org/location-snippets") if k in ing.annotations]
            if snippets:  # validateSnippetsAnnotation: Forbidden unless the controller runs with -enable-snippets
                ctx.report(ing, "ingress-ignored-by-controller",
                           f"{' and '.join(snippets)}: NIC's validation rejects an Ingress with snippet annotations "
                           "unless the controller runs with -enable-snippets (default false), so a default-configured "
                           "NIC served none of this Ingress; the output converts it anyway (without the snippets)",
                           annotation=snippets[0],
                           hint="if your controller ran with -enable-snippets, accept this finding; else remove the "
                                "Ingress or the annotation")
            kind = ing.annotations.get(MERGEABLE)
            if kind not in ("master", "minion"):
                continue
            ing.extra["nic_type"] = kind
            if kind == "master":
                self._prepare_master(ctx, ing)
            else:
                self._prepare_minion(ctx, ing)
        limited = {h for ing in ingresses if _kind(ing) == "master" and "nginx.org/limit-req-rate" in ing.annotations
                   for h in self._master_hosts(ing)}
        for ing in ingresses:
            if _kind(ing) == "minion" and set(ing.hosts[:1]) & limited:
                ing.extra["nic_inherited_rate"] = True  # mergeMasterAnnotationsIntoMinion

    @staticmethod
    def _validate_spec(ctx: Context, ing: Ingress) -> None:
        """validateIngressSpec (internal/k8s/validation.go): what makes NIC reject the whole Ingress."""
        rules = (ing.obj.data.get("spec") or {}).get("rules") or []
        problems: list[str] = []
        if not rules:
            problems.append("it has no rules (a defaultBackend alone is not accepted)")
        hosts: set[str] = set()
        for r in rules:
            host = str(r.get("host") or "") if isinstance(r, dict) else ""
            if not host:
                problems.append("a rule has no host (accepted only with -allow-empty-ingress-host)")
            elif host in hosts:
                problems.append(f"host {host!r} appears in two rules")
            hosts.add(host)
        for p in ing.paths:
            if not p.path and p.path_type in ("Exact", "Prefix"):
                problems.append(f"a {p.path_type} path is empty")
            elif p.path and not re.fullmatch(r"/[^\s;]*", p.path):
                problems.append(f"path {p.path!r} does not start with '/' or has whitespace or ';'")
            elif p.path:
                problems.extend(_path_problems(p.path))
            if p.backend is not None and (p.backend.kind != "Service" or p.backend.group):
                problems.append("a path has a resource backend")
        if problems:
            ctx.report(ing, "ingress-ignored-by-controller", "NIC's validation rejects this Ingress: "
                       + "; ".join(dict.fromkeys(problems)) + "; the controller served none of it, the output "
                       "converts it anyway", hint="fix the Ingress, or delete it if it was never meant to be served")

    def _prepare_master(self, ctx: Context, ing: Ingress) -> None:
        self._deny(ctx, ing, MASTER_DENYLIST, "a master Ingress")
        rules = (ing.obj.data.get("spec") or {}).get("rules") or []
        if len(rules) != 1 or ing.paths:
            ctx.report(ing, "ingress-ignored-by-controller",
                       "NIC rejects a master Ingress unless it has exactly one rule (host) and no paths; the output "
                       "treats it as a master anyway", line=ing.obj.line_of("spec", "rules"),
                       hint="move the paths into minion Ingresses")
            ing.paths = []
        if ing.default_backend is not None:
            ctx.report(ing, "annotation-ignored", "spec.defaultBackend of a master Ingress is not used by NIC (the "
                       "host's locations come from its minions); not converted", annotation=MERGEABLE)
            ing.default_backend = None

    def _prepare_minion(self, ctx: Context, ing: Ingress) -> None:
        self._deny(ctx, ing, MINION_DENYLIST, "a minion Ingress")
        rules = (ing.obj.data.get("spec") or {}).get("rules") or []
        if len(rules) != 1 or not ing.paths:
            ctx.report(ing, "ingress-ignored-by-controller",
                       "NIC rejects a minion Ingress unless it has exactly one rule (host) with at least one path "
                       f"(this one has {len(rules)} rule(s) and {len(ing.paths)} path(s)); the output converts it "
                       "anyway", line=ing.obj.line_of("spec", "rules"),
                       hint="split it into one minion per host, each with its paths")
        if ing.tls:
            ctx.report(ing, "ingress-ignored-by-controller", "NIC rejects a minion Ingress that has spec.tls (TLS "
                       "belongs to the master); the output converts its paths with the master's TLS",
                       line=ing.obj.line_of("spec", "tls"), hint="remove spec.tls from the minion")
            ing.tls = []
        if ing.default_backend is not None:
            ctx.report(ing, "annotation-ignored", "NIC removes spec.defaultBackend from minion Ingresses; not "
                       "converted", annotation=MERGEABLE)
            ing.default_backend = None

    @staticmethod
    def _deny(ctx: Context, ing: Ingress, denied: frozenset[str], what: str) -> None:
        for key in [k for k in ing.annotations if k in denied]:
            if key.startswith("nginx.org/hsts-") and "nginx.org/hsts" not in ing.annotations:
                _related_missing(ctx, ing, key, "nginx.org/hsts", False)
            del ing.annotations[key]
            ing.ann_status[key] = "ignored"
            ctx.report(ing, "annotation-ignored", f"{key}: NIC ignores this annotation on {what} "
                       "(nginx.org/mergeable-ingress-type); it had no effect", annotation=key,
                       hint="set it on the master (host-level settings) or on the minions (service settings)")

    # -- paths -------------------------------------------------------------------------------------------------

    def path_match(self, ctx: Context, ing: Ingress, p: IngressPath) -> Match | None:
        mode = ing.extra.get("nic_regex")
        if mode is None or _kind(ing) == "master":
            return super().path_match(ctx, ing, p)
        path = p.path or "/"
        if p.path_type == "Exact":
            ctx.report(ing, "path-invalid", f"path {path!r} is Exact under nginx.org/path-regex: NIC generates "
                       f"`location {_LOCATION_FORMS[mode].format(path='= ' + path)}`, which matches no request; "
                       "not converted", line=p.line,
                       hint="use pathType Prefix or ImplementationSpecific with path-regex")
            return None
        if mode == "exact":
            return self.checked(ctx, ing, p, Match("Exact", path))
        flags = "(?i)" if mode == "case_insensitive" else ""
        return Match("RegularExpression", flags + location_regex(path))

    # -- after the annotations: server-level settings, mergeable Ingresses, host collisions ---------------------

    def finish(self, ctx: Context, ingresses: list[Ingress]) -> None:
        ordered = sorted(ingresses, key=Ingress.order_key)
        holders: dict[str, Ingress] = {}  # host -> the oldest plain Ingress or master that defines it
        minions: dict[str, list[Ingress]] = {}
        for ing in ordered:
            kind = _kind(ing)
            if kind == "master":
                host = next(iter(self._master_hosts(ing)), "")
                if host in holders:
                    ing.extra["nic_type"] = "rejected-master"
                    ctx.report(ing, "host-collision", f"host {host!r} is already defined by the older Ingress "
                               f"{_ref(holders[host])}; NIC serves each host from one Ingress (or master) only, so "
                               "this master is not used", annotation=MERGEABLE)
                    continue
                holders[host] = ing
            elif kind == "minion":
                for host in ing.hosts[:1]:
                    minions.setdefault(host, []).append(ing)
            else:
                self._claim_hosts(ctx, ing, holders)
        for ing in ordered:
            if _kind(ing) is None:
                self._apply_server(ctx, ing, ing, with_app_root=True)
        for host, master in holders.items():
            if _kind(master) != "master":
                continue
            group = minions.pop(host, [])
            if not group:
                ctx.report(master, "mergeable-master-without-minions", f"master Ingress for {host!r} has no minion "
                           "Ingress in the input; it serves no paths", annotation=MERGEABLE)
            self._apply_server(ctx, master, master, with_app_root=True, hosts=[host])
            self._merge(ctx, master, group)
        for host, group in minions.items():
            holder = holders.get(host)
            why = (f"host {host!r} is defined by the Ingress {_ref(holder)}, which is not a master"
                   if holder is not None else
                   f"host {host!r} has no master Ingress (nginx.org/mergeable-ingress-type: master) in the input")
            for ing in group:
                ing.status = "skipped"
                for r in ing.rules:
                    if not r.dropped:
                        r.dropped = True
                        ctx.report(ing, "mergeable-minion-without-master", f"minion Ingress path {r.path!r}: {why}; "
                                   "NIC does not serve a minion without its master, so it is not converted",
                                   line=r.line, hint="convert the master together with its minions (same input)")

    @staticmethod
    def _master_hosts(ing: Ingress) -> list[str]:
        rules = (ing.obj.data.get("spec") or {}).get("rules") or []
        return [str(r.get("host") or "").lower() for r in rules if isinstance(r, dict)]

    @staticmethod
    def _claim_hosts(ctx: Context, ing: Ingress, holders: dict[str, Ingress]) -> None:
        """Host collisions: NIC serves a host from the oldest Ingress that defines it (the others lose that host)."""
        for host in ing.hosts:
            if not host:
                continue
            first = holders.setdefault(host, ing)
            if first is ing:
                continue
            what = "master Ingress" if _kind(first) == "master" else "Ingress"
            for r in ing.rules:
                if r.host == host and not r.dropped:
                    r.dropped = True
                    ctx.report(ing, "host-collision", f"host {host!r} path {r.path!r}: NIC serves each host from one "
                               f"Ingress only and the older {what} {_ref(first)} holds it; not converted",
                               line=r.line, hint="merge the Ingresses, or make them mergeable (master + minions)")
        if ing.rules and not _live(ing):
            ing.status = "skipped"  # NIC served none of it

    def _merge(self, ctx: Context, master: Ingress, group: list[Ingress]) -> None:
        # buildMinionConfigs (internal/k8s/configuration.go): paths are compared by their string only (not their
        # pathType); the oldest minion keeps a path, and a path repeated inside one minion is marked valid and then
        # invalid (the minion is its own holder), so neither of its locations is served.
        seen: dict[str, Ingress] = {}
        voided: set[str] = set()  # paths repeated in their holder: held, but served by nobody
        for minion in group:  # oldest first
            counts: dict[str, int] = {}
            for p in minion.paths:
                counts[p.path or "/"] = counts.get(p.path or "/", 0) + 1
            for r in minion.rules:
                if r.dropped:
                    continue
                holder = seen.get(r.path)
                if counts.get(r.path, 0) > 1:
                    r.dropped = True
                    ctx.report(minion, "path-duplicate", f"path {r.path!r} of host {r.host!r} appears more than once "
                               "in this minion: NIC marks it taken by another resource and serves none of its "
                               "locations; not converted", line=r.line, hint="keep one path entry per path")
                elif holder is not None and holder is not minion:
                    r.dropped = True
                    ctx.report(minion, "path-duplicate", f"path {r.path!r} of host {r.host!r} is also in the older "
                               f"minion {_ref(holder)}, which NIC keeps (paths are compared without their pathType)"
                               + (" although it serves none of its locations for it (repeated there)"
                                  if r.path in voided else "") + "; not converted", line=r.line)
            for path, n in counts.items():
                if seen.setdefault(path, minion) is minion and n > 1:
                    voided.add(path)
            self._inherit(master, minion)
            self._apply_server(ctx, master, minion, with_app_root=False)
            ctx.report(minion, "mergeable-merged", f"minion of the master Ingress {_ref(master)}: its routes get the "
                       "master's TLS and host-level settings", annotation=MERGEABLE)

    @staticmethod
    def _inherit(master: Ingress, minion: Ingress) -> None:
        """Location settings of the master that the minion did not set (minionInheritanceList, proxy-set-headers)."""
        rules = _live(minion)
        ms = master.extra.get("nic_read_timeout")
        if ms is not None and "nginx.org/proxy-read-timeout" not in minion.annotations:
            for r in rules:
                _apply_read_timeout(r, ms)
        own = {n.lower() for n, _ in minion.extra.get("nic_set_headers", [])}
        for name, value in master.extra.get("nic_set_headers", []):
            if name.lower() in own:
                continue
            for r in rules:
                _set_header(r.filters, "RequestHeaderModifier", name, value, override=False)

    def _apply_server(self, ctx: Context, src: Ingress, target: Ingress, *, with_app_root: bool,
                      hosts: list[str] | None = None) -> None:
        """Apply the server-level settings of `src` (itself, or the master) to the rules of `target`."""
        s = _server(src)
        code = s.get("code", 301)
        redirect = code if s.get("ssl_redirect", True) else None
        if with_app_root and s.get("app_root"):
            self._app_root(src, target, s["app_root"], redirect, hosts)
        rules = _live(target)
        tls_hosts = {h for t in target.tls for h in t.hosts}
        grpc_only = {h for h in tls_hosts if _kind(target) is None and any(r.host == h for r in rules)
                     and all(r.protocol == "grpc" for r in rules if r.host == h)}
        http_ports, https_ports = s.get("ports", (80,)), s.get("ssl_ports", (443,))
        for r in rules:
            r.https_redirect = redirect
            r.http_ports, r.https_ports = http_ports, https_ports
            if r.host in grpc_only:  # a gRPC-only TLS server: NIC listens on the TLS ports only
                r.https_redirect, r.serve_http = None, False
            for name in s.get("hide", []):
                mod = _modifier(r.filters, "ResponseHeaderModifier")
                if name.lower() not in (h.lower() for h in mod.get("remove", [])):
                    mod.setdefault("remove", []).append(name)
            if s.get("hsts") and not s.get("hsts_proxy"):
                r.hsts = s["hsts"]
            if s.get("xfp_redirect") and r.filter("RequestRedirect") is None:
                _set_header(r.filters, "RequestHeaderModifier", XFP, "https")
        src_tls = {h for t in src.tls for h in t.hosts}
        out: list[Rule] = []
        for r in target.rules:
            if r.dropped or r not in rules:
                out.append(r)
                continue
            if (r.https_redirect and r.serve_http and https_ports[0] != 443 and r.host in src_tls
                    and r.protocol == "http" and r.filter("RequestRedirect") is None):
                # `return CODE https://$host:<first SSL port>$request_uri`: a redirect without a port would go to 443
                out.append(Rule(host=r.host, matches=copy.deepcopy(r.matches), backends=[], line=r.line, path=r.path,
                                path_type=r.path_type, serve_https=False, http_ports=r.http_ports,
                                https_redirect=r.https_redirect,
                                filters=[{"type": "RequestRedirect", "requestRedirect": {
                                    "scheme": "https", "port": https_ports[0], "statusCode": r.https_redirect}}]))
                r.serve_http = False
            if s.get("xfp_redirect") and r.protocol == "http":  # server-level `if`: runs before app-root
                out.append(_with_header(r, "http", [{"type": "RequestRedirect", "requestRedirect": {
                    "scheme": "https", "statusCode": code}}]))
            if s.get("hsts") and s.get("hsts_proxy"):
                extra = copy.deepcopy(r.filters)
                _set_header(extra, "ResponseHeaderModifier", HSTS_HEADER, s["hsts"])
                out.append(_with_header(r, "https", extra, keep=True))
            out.append(r)
        target.rules = out

    @staticmethod
    def _app_root(src: Ingress, target: Ingress, root: str, redirect: int | None, hosts: list[str] | None) -> None:
        """`if ($uri = /) { return 302 $scheme://$http_host<root>; }` in the server, after the HTTPS redirect."""
        src_tls = {h for t in src.tls for h in t.hosts}
        line = src.ann_line("nginx.org/app-root")
        if hosts is None:
            hosts = list(dict.fromkeys(r.host for r in _live(target)))
        for host in hosts:
            secure = redirect is not None and host in src_tls
            new = [Rule(host=host, matches=[Match("Exact", "/")], backends=[], line=line, path="/",
                        path_type="Exact", serve_http=not secure,
                        filters=[{"type": "RequestRedirect", "requestRedirect": {
                            "path": {"type": "ReplaceFullPath", "replaceFullPath": root}, "statusCode": 302}}])]
            if secure:  # plain HTTP gets the HTTPS redirect first
                new.append(Rule(host=host, matches=[Match("Exact", "/")], backends=[], line=line, path="/",
                                path_type="Exact", serve_https=False))
            target.rules[0:0] = new


def _with_header(r: Rule, proto: str, filters: list[dict], keep: bool = False) -> Rule:
    """A copy of the rule that applies only when X-Forwarded-Proto is `proto` (a more specific match wins)."""
    dup = copy.deepcopy(r)
    for m in dup.matches:
        m.headers = [*m.headers, {"type": "Exact", "name": XFP, "value": proto}]
    dup.filters = filters
    if not keep:
        dup.session = None
        dup.timeouts = None
        dup.retry = None
    dup.hsts = None
    return dup
