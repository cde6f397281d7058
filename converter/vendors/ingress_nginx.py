"""ingress-nginx (kubernetes/ingress-nginx v1.15): the controller most users migrate from.

What the controller really did, checked against its source (internal/ingress/controller/template/template.go,
internal/ingress/annotations/*, rootfs/etc/nginx/lua/balancer/*):
- paths: Prefix is a segment prefix; ImplementationSpecific is rendered as Prefix. A host is in regex mode when any
  location of it (any Ingress of the class) has `use-regex` or a rewrite-target that differs from its path
  (`enforceRegexModifier`/`needsRewrite`): every path of the host is then `location ~* "^<path>"` (case-insensitive,
  anchored only at the start, so a prefix by characters), Exact included.
- snippets (Critical risk) and values failing the annotation validators make a default-configured controller ignore
  the whole Ingress.
- canary Ingresses are merged into the location of the primary Ingress with the same host and path (header, then
  cookie, then weight), and dropped when there is none.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from ..context import Context
from ..findings import register
from ..mapping import Entry, Table, load_table, with_prefix
from ..model import Backend, Ingress, IngressPath, Match, Rule
from ..paths import gateway_path_ok, re_escape
from ..values import format_duration
from .base import Vendor

register(
    ("canary-regex-header", "warning",
     "A canary cookie or header pattern became a RegularExpression header match (implementation-specific support)."),
    ("tls-redirect-exempt", "info",
     "A path under the ConfigMap's no-tls-redirect-locations (default /.well-known/acme-challenge) is served on plain "
     "HTTP without the redirect to HTTPS, as the controller did."),
    ("location-denied", "warning",
     "The controller denied the path (503) because of an invalid annotation; its output rule has no backends, so it "
     "answers 503 too."),
    ("canary-not-applied", "warning",
     "A canary Ingress the controller did not use (its backend is a primary backend, or another canary came first)."),
    ("canary-shared-upstream", "warning",
     "A canary also splits other paths that proxy to the same Service port, as the controller's upstream-level "
     "traffic shaping did."),
)

CORS_DEFAULTS = {
    "cors-allow-origin": "*",
    "cors-allow-methods": "GET, PUT, POST, DELETE, PATCH, OPTIONS",
    "cors-allow-headers": "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,"
                          "Range,Authorization",
    "cors-expose-headers": "",
    "cors-allow-credentials": "true",
    "cors-max-age": "1728000",
}
CORS_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
CORS_ORIGIN = re.compile(r"(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)")
HEADER_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")
REDIRECT_CODES = (301, 302, 303, 307, 308)
SNIPPET_KEYS = ("configuration-snippet", "server-snippet", "stream-snippet", "auth-snippet", "modsecurity-snippet")
_SERVICE_HOST = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.svc(\..*)?)?$")


LEGACY_PREFIX = "ingress.kubernetes.io/"
LEGACY_ENTRY = Entry(
    key="*", status="ignored", category="legacy-prefix",
    message="ingress.kubernetes.io/ was the annotation prefix of ingress-nginx before 0.9 (and of other controllers); "
            "ingress-nginx v1.15 with its default prefix ignored it, and so does the conversion",
    hint="if your controller ran with --annotations-prefix=ingress.kubernetes.io, convert with the same "
         "--annotations-prefix")


class IngressNginx(Vendor):
    name = "ingress-nginx"
    title = "ingress-nginx"
    tables = ("common.yaml",)
    prefixes = ("nginx.ingress.kubernetes.io/",)
    tls_redirect = 308
    tls_all_rule_hosts = True
    hsts = "max-age=31536000; includeSubDomains"
    implementation_specific = "segment"  # rewritten to Prefix by the controller

    def load_tables(self, ctx: Context) -> list[Table]:
        tables = super().load_tables(ctx)
        prefix = ctx.options.annotations_prefix.rstrip("/") + "/"
        try:
            own = load_table("ingress-nginx.yaml")
        except FileNotFoundError:
            return tables
        out = [with_prefix(own, (prefix,)), *tables]
        if prefix != LEGACY_PREFIX:
            out.append(Table(vendor="ingress-nginx (legacy prefix)", prefixes=(LEGACY_PREFIX,), entries={},
                             handlers=None, unlisted=LEGACY_ENTRY))
        return out

    # -- host-wide modes -------------------------------------------------------------------------------------------

    def prepare(self, ctx: Context, ingresses: list[Ingress]) -> None:
        """Regex hosts (per class) and TLS hosts, which change how every Ingress of the host is rendered."""
        asked: dict[tuple[str, str], list[str]] = {}
        tls_hosts: set[tuple[str, str]] = set()
        all_hosts: set[tuple[str, str]] = set()
        for ing in ingresses:
            cls = ing.ingress_class or ""
            if _go_bool(_ann(ctx, ing, "canary")):
                continue  # createServers skips canary Ingresses: no server, location, TLS or regex mode of their own
            paths = _regex_paths(ctx, ing)
            for p in ing.paths:
                all_hosts.add((cls, p.host))
                if p in paths:
                    asked.setdefault((cls, p.host.lower()), [])
                    if ing.key not in asked[(cls, p.host.lower())]:
                        asked[(cls, p.host.lower())].append(ing.key)
            for t in ing.tls:
                tls_hosts.update((cls, h) for h in t.hosts)
            if ing.tls:
                tls_hosts.update((cls, h) for h in ing.hosts if h)
        regex_by_cls: dict[str, dict[str, list[str]]] = {}
        tls_by_cls: dict[str, set[str]] = {}
        all_by_cls: dict[str, set[str]] = {}
        for (c, h), askers in asked.items():
            regex_by_cls.setdefault(c, {})[h] = askers
        for c, h in tls_hosts:
            tls_by_cls.setdefault(c, set()).add(h)
        for c, h in all_hosts:
            all_by_cls.setdefault(c, set()).add(h)
        for ing in ingresses:  # shared per class: read-only views of the cross-Ingress facts
            cls = ing.ingress_class or ""
            canary = _go_bool(_ann(ctx, ing, "canary"))  # its paths only select the primary's locations
            ing.extra["regex_hosts"] = {} if canary else regex_by_cls.get(cls, {})
            ing.extra["tls_hosts"] = tls_by_cls.get(cls, set())
            ing.extra["all_hosts"] = all_by_cls.get(cls, set())
            ing.extra["regex_paths"] = {}

    def path_match(self, ctx: Context, ing: Ingress, p: IngressPath) -> Match | None:
        askers = ing.extra.get("regex_hosts", {}).get(p.host.lower())
        if not askers or p.path_type not in ("Exact", "Prefix", "ImplementationSpecific", ""):
            return super().path_match(ctx, ing, p)
        path = p.path or "/"
        ing.extra["regex_paths"][(p.host.lower(), path, p.line)] = (p.path_type or "ImplementationSpecific", askers)
        if path == "/":
            return Match("PathPrefix", "/")  # `^/` matches every path: the same as PathPrefix /
        return Match("RegularExpression", nginx_regex(path))

    # -- cross-Ingress work ----------------------------------------------------------------------------------------

    def finish(self, ctx: Context, ingresses: list[Ingress]) -> None:
        for ing in ingresses:
            _report_regex(ctx, ing)
            if ing.extra.get("denied"):
                _deny(ctx, ing)
            _no_tls_redirect(ctx, ing)
        _merge_canaries(ctx, ingresses)


def nginx_regex(path: str) -> str:
    """`location ~* "^<path>"` as a Gateway API regex that behaves the same on full-match and partial-match engines."""
    body = path if "|" not in path else f"(?:{path})"
    return "(?i)^" + body + ("" if body.endswith(".*") else ".*")


def _prefix(ctx: Context) -> str:
    return ctx.options.annotations_prefix.rstrip("/") + "/"


def _ann(ctx: Context, ing: Ingress, key: str) -> str | None:
    return ing.annotations.get(_prefix(ctx) + key)


def _go_bool(text: str | None) -> bool:
    return text in ("1", "t", "T", "TRUE", "true", "True")


def _regex_paths(ctx: Context, ing: Ingress) -> list[IngressPath]:
    """The paths of this Ingress that put their host in regex mode (use-regex, or a rewrite that changes the path)."""
    if _go_bool(_ann(ctx, ing, "use-regex")):
        return list(ing.paths)
    target = (_ann(ctx, ing, "rewrite-target") or "").strip()
    if not target:
        return []
    return [p for p in ing.paths if target != (p.path or "/")]


def _report_regex(ctx: Context, ing: Ingress) -> None:
    seen = ing.extra.get("regex_paths") or {}
    for r in ing.rules:
        if r.dropped or r.default:
            continue
        info = seen.get((r.host, r.path, r.line))
        if info is None:
            continue
        ptype, askers = info
        m = r.matches[0] if r.matches else None
        own = ing.key in askers
        others = [a for a in askers if a != ing.key]
        why = "its own use-regex/rewrite-target" if own else \
            f"use-regex/rewrite-target on {', '.join(others)} (regex mode is host-wide in ingress-nginx)"
        exact_note = " Exact stopped being exact:" if ptype == "Exact" else ""
        if m is None or m.path_type != "RegularExpression":
            if ptype == "Exact" and m is not None and m.path_type == "PathPrefix":
                ctx.report(ing, "path-regex" if own else "path-regex-host-wide",
                           f"host {r.host or '*'!r} is in regex mode because of {why}: the Exact path {r.path!r} was "
                           f"matched as the regex ^{r.path} (every path); converted as PathPrefix {m.path!r}",
                           line=r.line)
            continue
        ctx.report(ing, "path-regex" if own else "path-regex-host-wide",
                   f"host {r.host or '*'!r} is in regex mode because of {why}:{exact_note} the controller matched "
                   f"{ptype} path {r.path!r} as `location ~* \"^{r.path}\"` (case-insensitive, anchored only at the "
                   f"start, so a prefix by characters); converted to RegularExpression {m.path!r}: the trailing .* "
                   "makes it behave the same on full-match engines (Envoy) and partial-match engines (nginx); "
                   "(?i) needs RE2/PCRE syntax; Gateway API leaves the precedence of RegularExpression matches to "
                   "the implementation, whereas nginx tried the host's regex locations longest path first "
                   "(controller.go sorts them by path length)" + _pcre_note(r.path),
                   line=r.line,
                   hint="if no path needs a regex, remove use-regex/rewrite-target from the host, use Prefix paths")


_PCRE_ONLY = re.compile(r"\(\?[=!>]|\(\?<[=!]|\\[1-9]|[*+?}][+]")


def _pcre_note(path: str) -> str:
    """nginx matched with PCRE; lookarounds, backreferences, atomic groups and possessive quantifiers are not RE2."""
    if _PCRE_ONLY.search(path):
        return ("; the path uses PCRE-only syntax (lookaround, backreference, atomic group or possessive quantifier) "
                "that RE2-based implementations (Envoy) reject")
    return ""


# -- invalid values and snippets -----------------------------------------------------------------------------------


def _ignored_by_controller(ctx: Context, ing: Ingress, why: str, key: str) -> None:
    if ing.extra.get("ignored_reported"):
        return
    ing.extra["ignored_reported"] = True
    ctx.report(ing, "ingress-ignored-by-controller",
               f"{why}: a default-configured ingress-nginx (v1.9+) ignored this whole Ingress; it is converted "
               "anyway, so the output serves routes the controller did not serve", annotation=_prefix(ctx) + key,
               hint="if your controller enabled this (allow-snippet-annotations, annotations-risk-level: Critical, "
                    "or the value was accepted), accept this finding; else remove the Ingress or the annotation")


# Parsers that catch the validation error of these keys and use their default (canary/main.go, proxy/main.go,
# cors/main.go, ratelimit/main.go, rewrite/main.go, backendprotocol/main.go: `if err != nil { ... default }`), so the
# Ingress is still served; the other
# parsers return it and annotations.Extract then drops the whole Ingress.
DEFAULTED_ON_INVALID = ("canary", "proxy-connect-timeout", "proxy-send-timeout", "proxy-read-timeout", "proxy-buffer",
                        "proxy-body-size", "proxy-next-upstream", "proxy-request-buffering", "proxy-cookie-",
                        "proxy-redirect-", "proxy-http-version", "proxy-max-temp-file-size", "enable-cors", "cors-",
                        "limit-rate", "limit-burst-multiplier", "rewrite-target", "ssl-redirect",
                        "force-ssl-redirect", "preserve-trailing-slash", "use-regex", "app-root", "backend-protocol")


def on_invalid_value(ctx: Context, ing: Ingress, key: str, error: str) -> None:
    """An annotation value that fails the controller's validation makes it skip the whole Ingress, unless the
    annotation's parser falls back to its default."""
    name = key[len(_prefix(ctx)):] if key.startswith(_prefix(ctx)) else key
    if name.startswith(DEFAULTED_ON_INVALID):
        what = "the Ingress was not a canary (served as a normal Ingress)" if name == "canary" else \
            "the controller logged a warning and used the annotation's default"
        ctx.report(ing, "annotation-ignored", f"{key}: the value is invalid ({error}); {what}, the Ingress was still "
                   "served, and so is the output", annotation=key)
        return
    if name in DENIED_ON_INVALID:
        ing.extra["denied"] = key
        ctx.report(ing, "annotation-ignored", f"{key}: the value is invalid ({error}); the controller served the "
                   "Ingress but denied every location of it (LocationDeniedError: `return 503`); the output's rules "
                   "have no backends, which Gateway API answers with 503 too", annotation=key,
                   hint="fix the list of CIDRs; the allow/deny list itself is not converted (see its finding)")
        return
    _ignored_by_controller(ctx, ing, f"{key} has an invalid value ({error})", name)


DENIED_ON_INVALID = ("whitelist-source-range", "allowlist-source-range", "denylist-source-range")


NO_TLS_REDIRECT = ("/.well-known/acme-challenge",)  # ConfigMap no-tls-redirect-locations, its default


def _exempt(r: Rule) -> bool:
    """template.go isLocationInLocationList: a location path starting with a listed prefix is never redirected
    (force_no_ssl_redirect wins over ssl-redirect and force-ssl-redirect in lua_ingress.lua)."""
    return not r.default and (r.path or "/").startswith(NO_TLS_REDIRECT)


def _no_tls_redirect(ctx: Context, ing: Ingress) -> None:
    tls = ing.extra.get("tls_hosts", set())
    for r in _live(ing):
        if _exempt(r) and r.https_redirect and r.host in tls:
            r.https_redirect = None
            ctx.report(ing, "tls-redirect-exempt", f"{r.host or '*'}{r.path} is under the controller's "
                       "no-tls-redirect-locations (default /.well-known/acme-challenge): served on plain HTTP without "
                       "the redirect to HTTPS, as nginx did", line=r.line)


def _deny(ctx: Context, ing: Ingress) -> None:
    """Locations denied by the controller answer 503 before any redirect, rewrite or proxying."""
    key = ing.extra["denied"]
    for r in _live(ing):
        if not key.endswith("-source-range"):  # an allow/deny list's own finding already says it
            ctx.report(ing, "location-denied", f"{r.host or '*'}{r.path}: denied by the controller because of {key} "
                       "(503); the output rule has no backends and answers 503 too", line=r.line)
        r.filters = []
        r.backends = []
        r.https_redirect = None
        r.timeouts = r.retry = r.session = None


def snippet(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str]:
    _ignored_by_controller(ctx, ing, f"{entry.key} is a snippet annotation (Critical risk; refused by default since "
                           "v1.9 with allow-snippet-annotations=false and annotations-risk-level)", entry.key)
    lines = [s.strip() for s in value.splitlines() if s.strip() and not s.strip().startswith("#")]
    shown = "; ".join(lines)[:200]
    return "implementation-specific", (f"raw nginx configuration ({len(lines)} directive line(s): {shown!r}) is not "
                                       "converted; its behaviour (headers, redirects, access rules...) is lost")


def source_range(ctx: Context, ing: Ingress, value: list[str], entry: Entry) -> tuple[str, str] | None:
    """An allow-list of every IPv4 and IPv6 address (cert-manager's HTTP-01 solver Ingresses) restricts nothing."""
    nets = {ipaddress.ip_network(v, strict=False) for v in value}
    if ipaddress.ip_network("0.0.0.0/0") in nets and ipaddress.ip_network("::/0") in nets:
        return "converted", "allows every client (0.0.0.0/0 and ::/0): nothing to enforce"
    return None


def security_bool(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> str | None:
    return None if value else ("ignored", "disabled explicitly (false): nothing to carry over")


# -- helpers on rules ----------------------------------------------------------------------------------------------


def _live(ing: Ingress) -> list[Rule]:
    return [r for r in ing.rules if not r.dropped]


def _redirecting(r: Rule) -> bool:
    return r.filter("RequestRedirect") is not None


def _split_url(value: str) -> tuple[str, str, int | None, str]:
    """(scheme, host, port, path) of a URL whose tail may hold nginx variables (`...:8080$request_uri`)."""
    head = value.split("$", 1)[0]
    try:
        parts = urlsplit(head)
        return parts.scheme, parts.hostname or "", parts.port, parts.path
    except ValueError:
        return "", "", None, ""


def _service_from_host(host: str, namespace: str) -> tuple[str, str] | None:
    """(service, namespace) when a URL host names a cluster Service (`svc.ns`, `svc.ns.svc.cluster.local`)."""
    m = _SERVICE_HOST.match(host.lower())
    if not m or (m.group(5) is None and "." in m.group(3)):
        return None
    return m.group(1), m.group(3)


# -- TLS, passthrough, backend protocol ----------------------------------------------------------------------------


def ssl_passthrough(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> str | tuple[str, str] | None:
    if not value:
        return "ignored", "false: no effect"
    ing.passthrough = True
    extra = [k for k in ing.annotations if k.startswith(_prefix(ctx)) and not k.endswith("/ssl-passthrough")]
    flag = ("only a controller started with --enable-ssl-passthrough (off by default) passed TLS through; without "
            "it nginx ignored this annotation and terminated TLS as usual")
    if extra or len(ing.paths) > 1:
        return "approximated", ("TLS connections for the Ingress's hosts are passed to the backend of the root path "
                                "(TLSRoute); as in the controller, the other paths and the HTTP annotations do not "
                                "apply to those connections; " + flag)
    return "approximated", "TLS connections for the Ingress's hosts are passed to its backend (TLSRoute); " + flag


def backend_protocol(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str | None:
    if value == "HTTP":
        return None
    if value == "H2C":  # not in the controller's list (backendprotocol/main.go): it logged a warning and used HTTP
        return "ignored", ("H2C is not a backend protocol ingress-nginx knows: it used HTTP/1.1 (proxy_pass http://), "
                           "and so does the output")
    if value == "AUTO_HTTP":  # proxy_pass $scheme://: the client's scheme to the same backend port
        tls = ing.extra.get("tls_hosts", set())
        if not any(r.host in tls for r in _live(ing)):
            return None
        return "unsupported", ("AUTO_HTTP: nginx proxied HTTPS requests over TLS and HTTP requests in plain text to "
                               "the same backend port (proxy_pass $scheme://); Gateway API picks one protocol per "
                               "backend: the output uses plain HTTP for both")
    if value == "FCGI":
        return "unsupported", "FastCGI backends have no Gateway API equivalent; the backends are reached over HTTP"
    if value in ("GRPC", "GRPCS"):
        for r in _live(ing):
            r.protocol = "grpc"
    if value in ("HTTPS", "GRPCS"):
        for r in _live(ing):
            for b in r.backends:
                if b.kind == "Service" and not b.group:
                    b.tls = {"hostname": f"{b.name}.{ing.namespace or 'default'}.svc", "ca": "System"}
        ing.extra["backend_tls"] = True
        if not (_go_bool_onoff(_ann(ctx, ing, "proxy-ssl-verify")) and _ssl_secret_ok(ctx, ing)):
            return "approximated", (f"{value}: the backends are reached over TLS (BackendTLSPolicy); ingress-nginx did "
                                    "NOT verify the backend certificate (proxy-ssl-verify off by default) but a "
                                    "BackendTLSPolicy always does (system CAs, hostname <service>.<namespace>.svc): a "
                                    "self-signed backend certificate now fails")
        return None
    return None


def _go_bool_onoff(text: str | None) -> bool:
    return (text or "").strip().lower() == "on"


def _tls_backends(ing: Ingress) -> list[Backend]:
    return [b for r in _live(ing) for b in r.backends if b.tls is not None]


def _ssl_secret_ok(ctx: Context, ing: Ingress) -> bool:
    """proxyssl/main.go reads every proxy-ssl-* annotation only with a proxy-ssl-secret `<namespace>/<name>` of the
    Ingress's namespace (anything else denies the locations)."""
    ns = (_ann(ctx, ing, "proxy-ssl-secret") or "").strip().rpartition("/")[0]
    return bool(ns) and ns == ing.namespace


def _ssl_member_gate(ctx: Context, ing: Ingress) -> tuple[str, str] | None:
    if not _ssl_secret_ok(ctx, ing):
        return "ignored", "no effect without a valid proxy-ssl-secret (proxyssl/main.go reads it first)"
    if not _tls_backends(ing):
        return "ignored", "no effect: backend-protocol is not HTTPS or GRPCS"
    return None


def proxy_ssl_secret(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    ns, _, name = value.strip().rpartition("/")
    if not ns or ns != ing.namespace:
        ing.extra["denied"] = _prefix(ctx) + entry.key
        why = "is not <namespace>/<name>" if not ns else \
            (f"is in another namespace than the Ingress ({ing.namespace!r}), refused unless the ConfigMap sets "
             "allow-cross-namespace-resources")
        return "approximated", (f"{value!r} {why}: the controller denied every location of this Ingress (503, "
                                "LocationDenied); so does the output (rules without backends)")
    backends = _tls_backends(ing)
    if not backends:
        return "ignored", "no effect: backend-protocol is not HTTPS or GRPCS"
    notes = ["the client certificate (tls.crt/tls.key) nginx presented to the backend is not carried over "
             "(Gateway-wide in Gateway API: Gateway.spec.tls.backend.clientCertificateRef)"]
    if _go_bool_onoff(_ann(ctx, ing, "proxy-ssl-verify")):
        for b in backends:
            b.tls = {**(b.tls or {}), "ca": [{"kind": "Secret", "name": name}]}
        notes.insert(0, f"the backend certificate is verified with ca.crt of Secret {name!r}: a Secret in "
                     "caCertificateRefs is implementation-specific (Core support is a ConfigMap); an implementation "
                     "without it refuses the policy and fails the requests (it does not skip verification): copy "
                     "ca.crt to a ConfigMap for portability")
    return "approximated", "; ".join(notes)


def proxy_ssl_name(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    gate = _ssl_member_gate(ctx, ing)
    if gate:
        return gate
    for b in _tls_backends(ing):
        b.tls = {**(b.tls or {}), "hostname": value}
    return None


def proxy_ssl_verify(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    gate = _ssl_member_gate(ctx, ing)
    if gate:
        return gate
    if value == "off":
        return "approximated", "nginx did not verify the backend certificate; a BackendTLSPolicy always does"
    return None


def proxy_ssl_server_name(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    gate = _ssl_member_gate(ctx, ing)
    if gate:
        return gate
    if value == "off":
        return "approximated", "nginx sent no SNI to the backend; with a BackendTLSPolicy the hostname is sent as SNI"
    return None


# -- redirects -----------------------------------------------------------------------------------------------------


def _redirect_filter(url: str, code: int) -> tuple[dict | None, list[str]]:
    """The RequestRedirect of `return <code> <url>`; notes list what differs (none: exact)."""
    notes: list[str] = []
    tail = next((v for v in ("$request_uri", "$uri") if url.endswith(v)), None)
    head = url[:-len(tail)] if tail else url
    if "$" in head:
        return None, ["the URL uses nginx variables"]
    parts = urlsplit(head)
    body: dict[str, Any] = {}
    if parts.scheme not in ("http", "https"):
        return None, [f"scheme {parts.scheme!r} cannot be expressed"]
    body["scheme"] = parts.scheme
    if not parts.hostname:
        return None, ["the URL has no host"]
    body["hostname"] = parts.hostname
    if parts.port:
        body["port"] = parts.port
    if tail:  # `https://host$request_uri`: the client's path and query are kept, which a redirect without path does
        if parts.path or parts.query or parts.fragment:
            return None, [f"{tail} after a path or query cannot be expressed"]
        if tail == "$uri":
            notes.append("$uri is the path without the query string; the client's query string is kept")
        body["statusCode"] = code
        return body, notes
    path = parts.path or "/"
    if not gateway_path_ok(path) and path != "/":
        return None, [f"path {path!r} cannot be expressed"]
    body["path"] = {"type": "ReplaceFullPath", "replaceFullPath": path}
    if parts.query or parts.fragment:
        notes.append("the query string or fragment of the target is dropped")
    notes.append("the client's query string is kept (nginx `return` dropped it)")
    body["statusCode"] = code
    return body, notes


def _apply_redirect(ctx: Context, ing: Ingress, key: str, url: str, code: int) -> tuple[str, str]:
    if not urlsplit(url.split("$", 1)[0]).scheme.startswith("http"):
        return "ignored", (f"{url!r} is not an absolute http(s) URL: the controller rejected it (redirect/redirect.go "
                           "isValidURL) and did not redirect (nor applied from-to-www-redirect)")
    body, notes = _redirect_filter(url, code)
    if body is None:
        return "implementation-specific", f"redirect to {url!r} not converted: {'; '.join(notes)}"
    for r in _live(ing):
        r.filters = [f for f in r.filters if f["type"] not in ("URLRewrite", "RequestRedirect")]
        r.set_filter("RequestRedirect", body)
        r.backends = []
        r.https_redirect = None  # the redirect runs before the HTTPS redirect, on both sides
    if not notes:
        return "converted", ""
    return "approximated", (f"every path answers {code} to {url!r} on HTTP and HTTPS (RequestRedirect, no backends); "
                            + "; ".join(notes))


def _redirect_code(ctx: Context, ing: Ingress, key: str, default: int, low: int, high: int) -> int:
    text = _ann(ctx, ing, key)
    try:
        code = int(text) if text is not None else default
    except ValueError:
        code = default
    if not low <= code <= high:
        code = default
    if code not in REDIRECT_CODES:
        ctx.report(ing, "annotation-approximated", f"{key}: status {code} is not available in Gateway API "
                   f"(301, 302, 303, 307, 308); {default} is used", annotation=_prefix(ctx) + key)
        code = default
    return code


def temporal_redirect(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str]:
    code = _redirect_code(ctx, ing, "temporal-redirect-code", 302, 300, 307)
    ing.extra["redirect"] = "temporal-redirect"
    return _apply_redirect(ctx, ing, entry.key, value, code)


def permanent_redirect(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str]:
    if ing.extra.get("redirect") == "temporal-redirect":
        return "ignored", "temporal-redirect is also set and wins, as in the controller"
    code = _redirect_code(ctx, ing, "permanent-redirect-code", 301, 300, 308)
    ing.extra["redirect"] = "permanent-redirect"
    return _apply_redirect(ctx, ing, entry.key, value, code)


def redirect_code(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str] | None:
    head = entry.key.removesuffix("-code")
    if ing.extra.get("redirect") != head:
        return "ignored", f"no effect without {head}" + (" (temporal-redirect wins)" if
                                                          ing.extra.get("redirect") else "")
    return None


def app_root(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    if not value.startswith("/") or not gateway_path_ok(value):
        ctx.report(ing, "annotation-invalid-value", f"{entry.key}: {value!r} is not an absolute path; the controller "
                   "ignored it (rewrite/main.go: a warning, the Ingress still served); not converted either",
                   annotation=_prefix(ctx) + entry.key)
        return "ignored", "invalid value"
    hosts = [h for h in dict.fromkeys(r.host for r in _live(ing))]
    new = []
    for host in hosts:
        first = next(r for r in _live(ing) if r.host == host)
        new.append(Rule(host=host, matches=[Match("Exact", "/")], backends=[],
                        line=ing.ann_line(_prefix(ctx) + entry.key), path="/", path_type="Exact",
                        filters=[{"type": "RequestRedirect", "requestRedirect": {
                            "path": {"type": "ReplaceFullPath", "replaceFullPath": value}, "statusCode": 302}}],
                        https_redirect=None, hsts=first.hsts))
    ing.rules[:0] = new
    return None


def _bad_redirect_url(ctx: Context, ing: Ingress) -> str | None:
    """redirect.go parses temporal-redirect, else permanent-redirect, with from-to-www-redirect: a URL that is not
    http(s) fails the whole parser."""
    url = _ann(ctx, ing, "temporal-redirect") or _ann(ctx, ing, "permanent-redirect")
    if url and not urlsplit(url.split("$", 1)[0]).scheme.startswith("http"):
        return url
    return None


def from_to_www(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> tuple[str, str] | None:
    if not value:
        return "ignored", "false: no effect"
    bad = _bad_redirect_url(ctx, ing)
    if bad:
        return "ignored", (f"the redirect URL {bad!r} is not an absolute http(s) URL, which made the controller drop "
                           "its whole redirect configuration, from-to-www-redirect included")
    known = ing.extra.get("all_hosts", set())
    added, skipped = [], []
    for host in dict.fromkeys(r.host for r in _live(ing)):
        if not host or host.startswith("*."):
            continue
        other = host[4:] if host.startswith("www.") else "www." + host
        if other in known:
            skipped.append(other)
            continue
        line = ing.ann_line(_prefix(ctx) + entry.key)
        ing.rules.append(Rule(host=other, matches=[Match("PathPrefix", "/")], backends=[], line=line, path="/",
                              path_type="Prefix", https_redirect=None,
                              filters=[{"type": "RequestRedirect",
                                        "requestRedirect": {"hostname": host, "statusCode": 308}}]))
        added.append(other)
        ing.extra.setdefault("tls_alias", {})[other] = host  # nginx served it with the host's certificate
    if not added:
        return "ignored", "no host to redirect from" + (f" ({', '.join(skipped)} has its own rules)" if skipped else "")
    tls = ing.extra.get("tls_hosts", set())
    msg = f"requests for {', '.join(added)} are redirected (308, scheme and path kept) to the Ingress's host"
    if any(ing.extra["tls_alias"][h] in tls for h in added):
        msg += ("; over HTTPS with the host's certificate, which must also name the www variant (nginx required "
                "the same)")
        return "approximated", msg
    return None


def ssl_redirect(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> tuple[str, str] | None:
    if value:
        return None
    for r in _live(ing):
        r.https_redirect = None
    return "converted", "plain HTTP is served too"


def force_ssl_redirect(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> tuple[str, str] | None:
    if not value:
        return "ignored", "false: no effect"
    tls = ing.extra.get("tls_hosts", set())
    plain = []
    for r in _live(ing):
        if _exempt(r):
            continue  # no-tls-redirect-locations wins (lua_ingress.lua redirect_to_https)
        if r.host in tls:
            r.https_redirect = 308
        elif not _redirecting(r):
            r.filters = [f for f in r.filters if f["type"] != "URLRewrite"]
            r.set_filter("RequestRedirect", {"scheme": "https", "statusCode": 308})
            r.backends = []
            plain.append(r.host or "*")
    if not plain:
        return "converted", "HTTP requests are redirected to HTTPS"
    return "approximated", (f"host(s) {', '.join(dict.fromkeys(plain))} have no TLS on the Gateway: their HTTP "
                            "requests get a 308 to https unconditionally. nginx skipped the redirect when "
                            "X-Forwarded-Proto said https (TLS offloaded by a load balancer): if TLS ends before the "
                            "Gateway, this is a redirect loop; then terminate TLS on the Gateway (spec.tls) instead")


# -- paths and rewrites --------------------------------------------------------------------------------------------


def use_regex(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> tuple[str, str] | None:
    if not value:
        return "ignored", "false: no effect (regex mode may still come from rewrite-target or another Ingress)"
    return "converted", "paths converted as the controller's regex locations (see the path-regex findings)"


_PREFIX_FAMILY = [
    # (path regex, target regex, exact?): the prefix-replacement shapes of rewrite-target that Gateway API expresses
    (re.compile(r"^(?P<p>/[^()\[\]{}*+?|\\^$]*?)\((?:/\|\$|\$\|/)\)\(\.\*\)$"), re.compile(r"^(?P<t>[^$]*?)/\$2$"),
     True),
    (re.compile(r"^(?P<p>(?:/[^()\[\]{}*+?|\\^$]*?)?)/\(\.\*\)$"), re.compile(r"^(?P<t>[^$]*?)/\$1$"), False),
    (re.compile(r"^(?P<p>/[^()\[\]{}*+?|\\^$]*?)\(/\.\*\)$"), re.compile(r"^(?P<t>[^$]*?)\$1$"), False),
]


def rewrite_target(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    worst, notes = "converted", []
    order = ["converted", "approximated", "implementation-specific"]

    def bump(status: str, note: str) -> None:
        nonlocal worst
        if order.index(status) > order.index(worst):
            worst = status
        if note not in notes:
            notes.append(note)

    for r in _live(ing):
        if r.default or _redirecting(r):
            continue
        path = r.path or "/"
        if value == path:
            continue
        if not re.search(r"\$\d", value):
            if not gateway_path_ok(value):
                bump("implementation-specific", f"target {value!r} is not a valid Gateway API path")
                continue
            r.set_filter("URLRewrite", {"path": {"type": "ReplaceFullPath", "replaceFullPath": value}})
            continue
        if "(" not in path:
            full = re.sub(r"\$\d", "", value)
            if gateway_path_ok(full):
                r.set_filter("URLRewrite", {"path": {"type": "ReplaceFullPath", "replaceFullPath": full}})
                bump("approximated", f"{path!r} has no capture group, so nginx replaced {value!r} by {full!r} "
                     "(ReplaceFullPath); probably not what was meant")
                continue
        done = False
        for pre, tgt, exact_fit in _PREFIX_FAMILY:
            pm, tm = pre.match(path), tgt.match(value)
            if not pm or not tm:
                continue
            prefix = pm.group("p") or "/"
            target = tm.group("t") or "/"
            if not gateway_path_ok(prefix) or not gateway_path_ok(target):
                break
            headers = r.matches[0].headers if r.matches else []
            r.matches = [Match("PathPrefix", prefix, headers=list(headers))]
            if prefix != target:
                r.set_filter("URLRewrite", {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": target}})
            if not exact_fit and prefix != "/":
                bump("approximated", f"{path!r} -> {value!r} became PathPrefix {prefix!r} + ReplacePrefixMatch "
                     f"{target!r}: the bare {prefix!r} (no trailing part) now matches too")
            if any(c.isalpha() for c in prefix):
                bump("approximated", f"nginx matched {path!r} case-insensitively (~*); PathPrefix {prefix!r} is "
                     f"case-sensitive, so {prefix.upper()!r} no longer reaches this backend")
            done = True
            break
        if not done:
            bump("implementation-specific", f"{path!r} -> {value!r} rewrites with capture groups that Gateway API "
                 "cannot express (only prefix replacement is portable); the path is matched as a regex but NOT "
                 "rewritten")
    if worst == "converted":
        return None
    return worst, "; ".join(notes)


def upstream_vhost(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    if "$" in value or not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d+)?", value.lower()):
        return "implementation-specific", f"{value!r} is not a plain hostname (nginx variables?); not converted"
    for r in _live(ing):
        if not _redirecting(r):
            r.set_filter("URLRewrite", {"hostname": value.lower()})
    return None


def x_forwarded_prefix(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    if "$" in value:
        return "implementation-specific", (f"{value!r} uses regex captures of the path; a fixed header cannot express "
                                           "it")
    for r in _live(ing):
        if not _redirecting(r):
            r.set_header("RequestHeaderModifier", "set", "X-Forwarded-Prefix", value)
    return None


def custom_headers(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    ns, _, name = value.rpartition("/")
    cm = ctx.inventory.get("ConfigMap", ns or ing.namespace, name)
    if cm is None:
        return "approximated", (f"the ConfigMap {value} with the response headers is not in the input; add it to the "
                                "input to convert the headers into a ResponseHeaderModifier")
    data = cm.data.get("data") or {}
    bad = sorted(k for k in data if not HEADER_TOKEN.match(str(k)))
    good = {str(k): str(v) for k, v in sorted(data.items()) if HEADER_TOKEN.match(str(k)) and str(v)}
    for r in _live(ing):
        for k, v in good.items():
            r.set_header("ResponseHeaderModifier", "set", k, v)
    return "approximated", (f"response headers {', '.join(good) or '(none)'} from ConfigMap {value} are set on every "
                            "response (more_set_headers); the controller also required them in the ConfigMap option "
                            "global-allowed-response-headers (else the location answered 503)"
                            + (f"; invalid header names skipped: {', '.join(bad)}" if bad else ""))


# -- CORS ----------------------------------------------------------------------------------------------------------


def enable_cors(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> tuple[str, str] | None:
    if not value:
        return "ignored", "false: no effect"
    conf = {k: (_ann(ctx, ing, k) if _ann(ctx, ing, k) is not None else d) for k, d in CORS_DEFAULTS.items()}
    cors: dict[str, Any] = {}
    problems: list[str] = []
    origins = [o.strip() for o in conf["cors-allow-origin"].split(",") if o.strip()]  # cors/main.go: commas only
    ok_origins = [o for o in origins if CORS_ORIGIN.match(o) and len(o) <= 253]
    problems += [f"origin {o!r} does not fit the Gateway API origin pattern and is dropped" for o in origins
                 if o not in ok_origins]
    if "*" in ok_origins:
        ok_origins = ["*"]
    cors["allowOrigins"] = list(dict.fromkeys(ok_origins))[:64] or ["*"]
    if not ok_origins:
        problems.append("no valid origin is left: '*' is used, as the controller's default")
    methods = [m.strip().upper() for m in conf["cors-allow-methods"].split(",") if m.strip()]
    ok_methods = [m for m in dict.fromkeys(methods) if m in CORS_METHODS or m == "*"]
    problems += [f"method {m!r} is not one Gateway API allows and is dropped" for m in methods if m not in ok_methods]
    if "*" in ok_methods:
        ok_methods = ["*"]
    if ok_methods:
        cors["allowMethods"] = ok_methods
    for key, field in (("cors-allow-headers", "allowHeaders"), ("cors-expose-headers", "exposeHeaders")):
        items = [h.strip() for h in conf[key].split(",") if h.strip()]
        ok = [h for h in dict.fromkeys(items) if HEADER_TOKEN.match(h)]
        problems += [f"header {h!r} is not a header name and is dropped" for h in items if h not in ok]
        if "*" in ok:
            ok = ["*"]
        if ok:
            cors[field] = ok[:64]
    cred = conf["cors-allow-credentials"].strip()
    cors["allowCredentials"] = _go_bool(cred) if cred in ("true", "false", "True", "False", "1", "0") else True
    try:
        age = int(conf["cors-max-age"])
        if age >= 1:
            cors["maxAge"] = age
    except ValueError:
        problems.append(f"max age {conf['cors-max-age']!r} is not a number; the controller default 1728000 is used")
        cors["maxAge"] = 1728000
    for r in _live(ing):
        if not _redirecting(r):
            r.filters = [f for f in r.filters if f["type"] != "CORS"]
            r.filters.append({"type": "CORS", "cors": copy.deepcopy(cors)})
    msg = "CORS filter with the controller's defaults made explicit"
    if cors["allowOrigins"] == ["*"] and cors.get("allowCredentials"):
        msg += ("; with origin '*' and credentials, nginx answered Access-Control-Allow-Origin: * (browsers refuse "
                "credentialed requests then); Gateway implementations may echo the request origin instead, which is "
                "more permissive")
        problems.append("origin '*' with credentials")
    if problems:
        return "approximated", msg + "; " + "; ".join(problems)
    return None


def cors_member(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    if not _go_bool(_ann(ctx, ing, "enable-cors")):
        return "ignored", "no effect without enable-cors: \"true\""
    return None


# -- timeouts ------------------------------------------------------------------------------------------------------


def read_timeout(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str]:
    send = _ann(ctx, ing, "proxy-send-timeout")
    secs = value
    if send and send.strip().isdigit():
        secs = max(secs, int(send))
    for r in _live(ing):
        if r.backends:
            r.timeouts = {**(r.timeouts or {}), "request": format_duration(secs * 1000)}
    return "approximated", (f"timeouts.request {format_duration(secs * 1000)} is emitted: nginx's {value}s was an "
                            "inactivity timeout between two reads from the backend (a streaming or long download that "
                            "keeps sending never hit it), Gateway API's request timeout bounds the whole request, so "
                            "long responses are now cut")


def other_timeout(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str]:
    if entry.key == "proxy-send-timeout" and _ann(ctx, ing, "proxy-read-timeout") is not None:
        return "approximated", ("nginx's inactivity timeout for sending the request to the backend; folded into the "
                                "timeouts.request emitted for proxy-read-timeout (the larger of the two)")
    what = "connecting to the backend" if entry.key == "proxy-connect-timeout" else \
        "sending the request to the backend (between two writes)"
    return "implementation-specific", (f"nginx's {value}s timeout for {what} has no Gateway API field; the "
                                       "implementation's default applies")


def body_size(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str]:
    if value == 0:
        return "implementation-specific", ("0 = no request body limit in nginx; Gateway API has no body limit "
                                           "(implementations differ: check they do not cap it)")
    return "implementation-specific", (f"requests with a body over {value} bytes got 413 from nginx (default 1m when "
                                       "unset); Gateway API has no body limit, so the implementation's own default "
                                       "applies")


# -- canary --------------------------------------------------------------------------------------------------------


def canary(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> tuple[str, str] | None:
    if not value:
        return "ignored", "false: not a canary"
    ing.extra["canary"] = {}
    ing.tls_ignored = True  # createServers skips canary Ingresses: their spec.tls gives no host a certificate
    return "converted", "merged into the primary Ingress's rules (see canary-merged)"


def canary_member(ctx: Context, ing: Ingress, value: Any, entry: Entry) -> tuple[str, str] | None:
    conf = ing.extra.get("canary")
    if conf is None:
        return "ignored", "no effect without canary: \"true\""
    if entry.key in ("canary-by-header-value", "canary-by-header-pattern") and not _ann(ctx, ing, "canary-by-header"):
        return "ignored", "no effect without canary-by-header (balancer.lua reads the header it names)"
    if entry.key == "canary-by-header-pattern":
        if _ann(ctx, ing, "canary-by-header-value"):
            return "ignored", "canary-by-header-value is also set and wins (balancer.lua)"
        try:
            re.compile(value)
        except re.error as err:
            return "approximated", (f"{value!r} is not a valid regex ({err}); not converted: nginx failed to match it "
                                    "and sent requests carrying the header to the primary, the output treats the "
                                    "header like any other")
    conf[entry.key] = value
    if entry.key == "canary-weight-total" and value <= 100:
        return "ignored", (f"{value}: balancer.lua uses the weight total only when it is above 100; the weight is out "
                           "of 100")
    return None


# Annotations a canary Ingress still contributes (to its upstream); everything else of a canary Ingress is ignored:
# nginx served canary traffic in the primary's location (controller.go getBackendServers skips canary Ingresses).
CANARY_OWN = ("canary", "load-balance", "upstream-hash-by", "service-upstream", "affinity", "session-cookie-",
              "configuration-snippet", "server-snippet", "stream-snippet", "auth-snippet", "modsecurity-snippet")


def _norm_type(ptype: str) -> str:
    return "Prefix" if ptype in ("", "ImplementationSpecific") else ptype  # k8s.SetDefaultNGINXPathType


def _same_location(prim: Rule, can: Rule) -> bool:
    """mergeAlternativeBackends: the same host, the same path and the same (normalized) pathType."""
    if prim.host != can.host:
        return False
    if can.default:  # a canary defaultBackend merges into the catch-all server's root location
        return prim.host == "" and (prim.path or "/") == "/"
    return (prim.path or "/") == (can.path or "/") and not prim.default \
        and _norm_type(prim.path_type) == _norm_type(can.path_type)


def _upstream(ing: Ingress, r: Rule) -> tuple | None:
    """The nginx upstream of a location (namespace-service-port), or None when the rule has no single Service."""
    if len(r.backends) != 1:
        return None
    b = r.backends[0]
    if b.kind != "Service" or b.group:
        return None
    # upstreamName(): the port as the Ingress wrote it (a name and its number are two upstreams)
    return (b.namespace or ing.namespace, b.name, b.port_name or b.port)


def _ups_text(ups: tuple) -> str:
    return f"{ups[0]}/{ups[1]}:{ups[2]}"


def _merge_canaries(ctx: Context, ingresses: list[Ingress]) -> None:
    """Canary traffic shaping is attached to the primary's nginx upstream (namespace-service-port), not to a location:
    every location proxying to that upstream (any path, any host, any Ingress of the class) is split, and only the
    first canary merged into an upstream is used (balancer.lua: alternative_backends[1])."""
    primaries = [i for i in ingresses if "canary" not in i.extra]
    canaries = sorted((i for i in ingresses if "canary" in i.extra), key=Ingress.order_key)
    locations = [(p, r, _upstream(p, r)) for p in sorted(primaries, key=Ingress.order_key) for r in _live(p)]
    chosen: dict[tuple, tuple[Ingress, dict, list[Backend], set[int]]] = {}  # primary upstream -> the canary
    for can in canaries:
        conf = can.extra["canary"]
        cls = can.ingress_class or ""
        merged, missing, same, shadowed, unresolved = [], [], [], [], []
        for r in _live(can):
            r.dropped = True
            alt = _upstream(can, r)
            found = next(((p, x, ups) for p, x, ups in locations
                          if (p.ingress_class or "") == cls and _same_location(x, r)), None)
            where = f"{r.host or '*'}{r.path}"
            if found is None:
                missing.append(where)
                continue
            if found[2] is None or alt is None:
                unresolved.append(where)
                continue
            prim, prule, ups = found
            if any(u == alt and x.host == r.host for p, x, u in locations if (p.ingress_class or "") == cls):
                same.append(f"{where} ({_ups_text(alt)} is a primary backend on that host)")
                continue
            if ups in chosen and chosen[ups][0] is not can:
                shadowed.append(f"{where} (upstream {_ups_text(ups)} already has canary {chosen[ups][0].key})")
                continue
            entry = chosen.setdefault(ups, (can, conf, copy.deepcopy(r.backends), set()))
            entry[3].add(id(prule))
            merged.append(f"{where} into {prim.key}")
        if merged:
            ctx.report(can, "canary-merged", "canary routes merged as " + _canary_summary(conf) + ": "
                       + "; ".join(merged))
        if missing:
            ctx.report(can, "canary-without-primary", "no non-canary Ingress of the same class serves "
                       + ", ".join(missing) + " with the same pathType; the controller "
                       "dropped these canary paths, so does ing2gw",
                       hint="create the primary Ingress, or remove canary: \"true\" to serve these paths directly")
        if unresolved:
            ctx.report(can, "canary-not-applied", "the primary location exists for " + ", ".join(unresolved) + " but "
                       "its backend or the canary's is not a resolved Service port (see backend-port-unresolved), so "
                       "the canary cannot be merged; the controller merged it",
                       hint="add the Services to the input (named ports), then convert again")
        if same:
            ctx.report(can, "canary-not-applied", "the canary backend is also the primary backend of a location of "
                       "the host, so the controller merged nothing for " + ", ".join(same) + "; not converted either")
        if shadowed:
            ctx.report(can, "canary-not-applied", "only the first canary of an upstream is used by the controller "
                       "(balancer.lua alternative_backends[1]); this canary had no effect on " + ", ".join(shadowed)
                       + "; not converted either", hint="merge the canaries into one canary Ingress")
        _ignore_canary_annotations(ctx, can)
    for ups, (can, conf, backends, matched) in chosen.items():
        others: dict[str, list[str]] = {}
        for prim, prule, u in locations:
            if u != ups or prule.dropped:
                continue
            _merge_rule(ctx, can, conf, backends, prim, prule)
            if id(prule) not in matched:
                others.setdefault(prim.key, []).append(f"{prule.host or '*'}{prule.path}")
                ctx.report(prim, "canary-shared-upstream",
                           f"{prule.host or '*'}{prule.path} proxies to {_ups_text(ups)}, the upstream canary "
                           f"{can.key} was merged into: the controller split this location too (traffic shaping "
                           "belongs to the upstream, not to the canary's host and path), and so does the output",
                           line=prule.line,
                           hint="to keep this path off the canary, give it its own Service (as with ingress-nginx)")
        if others:
            ctx.report(can, "canary-shared-upstream", f"the controller also applied this canary to every other "
                       f"location proxying to {_ups_text(ups)}: "
                       + "; ".join(f"{k}: {', '.join(v)}" for k, v in others.items()))


def _ignore_canary_annotations(ctx: Context, can: Ingress) -> None:
    """A canary Ingress's location annotations had no effect: its traffic ran through the primary's location."""
    prefix = _prefix(ctx)
    keys = [k for k in can.annotations if k.startswith(prefix) and not k[len(prefix):].startswith(CANARY_OWN)
            and can.ann_status.get(k) not in ("ignored", "invalid", "unknown")]
    if not keys:
        return
    drop = set(keys)
    ctx.findings[:] = [f for f in ctx.findings if not (f.annotation in drop and f.name == can.name
                                                       and f.namespace == can.namespace and f.file == can.obj.file
                                                       and f.code.startswith(("annotation-", "security-")))]
    for k in keys:
        can.ann_status[k] = "ignored"
        ctx.report(can, "annotation-ignored", f"{k} has no effect on a canary Ingress: the controller sent canary "
                   "traffic through the primary Ingress's location, with the primary's annotations (only canary-*, "
                   "load-balance, upstream-hash-by*, service-upstream and affinity settings of a canary are read)",
                   annotation=k, hint="set it on the primary Ingress if the canary traffic needs it")


def _canary_summary(conf: dict) -> str:
    parts = []
    if conf.get("canary-by-header"):
        h = conf["canary-by-header"]
        if conf.get("canary-by-header-value"):
            parts.append(f"header {h}: {conf['canary-by-header-value']}")
        elif conf.get("canary-by-header-pattern"):
            parts.append(f"header {h} ~ {conf['canary-by-header-pattern']}")
        else:
            parts.append(f"header {h}: always/never")
    if conf.get("canary-by-cookie"):
        parts.append(f"cookie {conf['canary-by-cookie']}=always/never")
    w, total = conf.get("canary-weight", 0), _weight_total(conf)
    parts.append(f"weight {min(w, total)}/{total}")
    return ", then ".join(parts)


def _variant(base: Rule, backends: list[Backend], header: dict | None) -> Rule:
    new = copy.deepcopy(base)
    new.backends = copy.deepcopy(backends)
    for b in new.backends:
        b.weight = None
    if header is not None:
        for m in new.matches:
            m.headers = [h for h in m.headers if h["name"].lower() != header["name"].lower()] + [dict(header)]
    return new


def _merge_rule(ctx: Context, can: Ingress, conf: dict, canary_b: list[Backend], prim: Ingress, p: Rule) -> None:
    """Split one primary location between its backends and the canary, in balancer.lua's order: header, then
    cookie, then weight; canary traffic keeps the primary location's filters and backend protocol."""
    primary_b = p.backends
    if _redirecting(p) or not canary_b:
        return
    canary_b = copy.deepcopy(canary_b)
    first = primary_b[0] if primary_b else None
    for b in canary_b:  # proxy_pass of the primary's location: its scheme (backend-protocol) applies to the canary
        b.weight = None
        b.tls = None
        if first is not None and first.tls is not None:
            tls = dict(first.tls)
            if tls.get("hostname") == f"{first.name}.{prim.namespace or 'default'}.svc":
                tls["hostname"] = f"{b.name}.{can.namespace or 'default'}.svc"
            b.tls = tls
        if first is not None and first.app_protocol and not b.app_protocol:
            b.app_protocol = first.app_protocol
    extra: list[Rule] = []
    header = conf.get("canary-by-header")
    if header:
        if conf.get("canary-by-header-value"):
            extra.append(_variant(p, canary_b, {"name": header, "value": conf["canary-by-header-value"]}))
        elif conf.get("canary-by-header-pattern"):
            pattern = conf["canary-by-header-pattern"]
            if not (pattern.startswith("^") and pattern.endswith("$")):
                pattern = f".*(?:{pattern}).*"  # nginx searched (ngx.re.match); full-match engines need the .*
            extra.append(_variant(p, canary_b, {"name": header, "type": "RegularExpression", "value": pattern}))
        else:
            extra.append(_variant(p, canary_b, {"name": header, "value": "always"}))
            extra.append(_variant(p, primary_b, {"name": header, "value": "never"}))
    cookie = conf.get("canary-by-cookie")
    if cookie:
        name = re_escape(cookie)
        for val, bs in (("always", canary_b), ("never", primary_b)):
            extra.append(_variant(p, bs, {"name": "Cookie", "type": "RegularExpression",
                                          "value": f"(?:^|.*;\\s*){name}={val}(?:;.*|$)"}))
    w = conf.get("canary-weight", 0)
    total = _weight_total(conf)
    if w > total and not conf.get("weight-reported"):
        conf["weight-reported"] = True
        ctx.report(can, "annotation-approximated", f"canary-weight {w} is above the weight total {total}: all "
                   "traffic goes to the canary", annotation=_prefix(ctx) + "canary-weight")
    w = min(w, total)
    if w > 0:
        if w >= total:
            p.backends = copy.deepcopy(canary_b)
        else:
            pb = copy.deepcopy(primary_b)
            for b in pb:
                b.weight = total - w if len(pb) == 1 else None
            cb = copy.deepcopy(canary_b)
            for b in cb:
                b.weight = w if len(cb) == 1 else None
            p.backends = pb + cb
    idx = prim.rules.index(p)
    prim.rules[idx:idx] = extra
    if conf.get("canary-by-cookie") or (header and not conf.get("canary-by-header-value")
                                        and conf.get("canary-by-header-pattern")):
        ctx.report(prim, "canary-regex-header",
                   f"canary {can.key} on {p.host or '*'}{p.path}: the "
                   + ("cookie is matched with a RegularExpression on the Cookie header" if conf.get("canary-by-cookie")
                      else "header pattern is a RegularExpression header match")
                   + " (support and dialect are implementation-specific; clients sending several Cookie headers may "
                   "not match everywhere); the pattern is wrapped so that full-match and partial-match engines agree",
                   line=p.line)


def _weight_total(conf: dict) -> int:
    """balancer.lua: weightTotal is 100 unless canary-weight-total is above 100."""
    total = conf.get("canary-weight-total", 100) or 100
    return total if total > 100 else 100


# -- security and experimental features ----------------------------------------------------------------------------


def auth_url(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    scheme, host, url_port, path = _split_url(value)
    svc = _service_from_host(host, ing.namespace) if host else None
    if not ctx.options.experimental:
        return None
    if "$" in value or svc is None or scheme not in ("http", "https"):
        return "implementation-specific", (f"the auth URL {value!r} does not name a cluster Service (svc.ns.svc...): "
                                           "ExternalAuth needs a backendRef; requests are NOT authenticated")
    port = url_port or (443 if scheme == "https" else 80)
    ref: dict[str, Any] = {"name": svc[0], "port": port}
    if svc[1] != ing.namespace:
        ref["namespace"] = svc[1]
    http: dict[str, Any] = {}
    if path and path != "/":
        http["path"] = path
    resp = _ann(ctx, ing, "auth-response-headers")
    if resp:
        http["allowedResponseHeaders"] = [h.strip() for h in resp.split(",") if h.strip()][:64]
    for r in _live(ing):
        if not _redirecting(r):
            r.filters.append({"type": "ExternalAuth", "externalAuth": {"protocol": "HTTP", "backendRef": ref,
                                                                       "http": http}})
    notes = ["ExternalAuth forwards only a few request headers (list Cookie etc. in http.allowedHeaders if the auth "
             "service needs them)", "http.path is prepended to the client path, whereas nginx called the URL as is",
             "only 200 allows (nginx allowed any 2xx)"]
    if svc[1] != ing.namespace:
        notes.append(f"the auth Service is in namespace {svc[1]!r}: a ReferenceGrant there is needed")
    if scheme == "https":
        notes.append("the auth service was called over HTTPS; add a BackendTLSPolicy for it")
    return "approximated", "; ".join(notes)


def auth_member(ctx: Context, ing: Ingress, value: Any, entry: Entry) -> tuple[str, str] | None:
    if _ann(ctx, ing, "auth-url") is None:
        return "ignored", "no effect without auth-url"
    if entry.key == "auth-response-headers":
        return "converted" if ctx.options.experimental and ing.ann_status.get(_prefix(ctx) + "auth-url") in (
            "approximated", "converted") else None
    return None


def enable_global_auth(ctx: Context, ing: Ingress, value: bool, entry: Entry) -> tuple[str, str]:
    if value:
        return "ignored", "true is the default: the ConfigMap global-auth-url (not converted) applies"
    return "converted", "opts out of the ConfigMap's global-auth-url, which is not converted anyway"


def affinity(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    if not ctx.options.experimental:
        return None
    name = _ann(ctx, ing, "session-cookie-name") or "INGRESSCOOKIE"
    session: dict[str, Any] = {"sessionName": name[:128], "type": "Cookie"}
    age = _ann(ctx, ing, "session-cookie-max-age") or _ann(ctx, ing, "session-cookie-expires")
    if age and age.strip().isdigit() and int(age) > 0:
        session["absoluteTimeout"] = format_duration(int(age) * 1000)
        session["cookieConfig"] = {"lifetimeType": "Permanent"}
    for r in _live(ing):
        if r.backends and not _redirecting(r):
            r.session = dict(session)
    return "approximated", ("sessionPersistence (cookie) on every rule; the cookie's value format, path, SameSite "
                            "and Secure attributes are the implementation's; nginx pinned an endpoint, not a backend")


def affinity_member(ctx: Context, ing: Ingress, value: Any, entry: Entry) -> tuple[str, str] | None:
    if _ann(ctx, ing, "affinity") is None:
        return "ignored", "no effect without affinity: cookie"
    if entry.key in ("session-cookie-name", "session-cookie-max-age", "session-cookie-expires") \
            and ctx.options.experimental:
        return "converted"
    return None


def retry_member(ctx: Context, ing: Ingress, value: Any, entry: Entry) -> tuple[str, str] | None:
    if not ctx.options.experimental:
        return None
    if entry.key == "proxy-next-upstream-timeout":
        return "unsupported", "no per-try time budget in Gateway API retry"
    if ing.extra.get("retry_done"):
        return "converted"
    ing.extra["retry_done"] = True
    tries_text = _ann(ctx, ing, "proxy-next-upstream-tries")
    tries = int(tries_text) if tries_text and tries_text.strip().isdigit() else 3
    cond = (_ann(ctx, ing, "proxy-next-upstream") or "error timeout").split()
    if "off" in cond:
        for r in _live(ing):
            r.retry = None
        return "converted", "retries disabled (no retry stanza)"
    codes = sorted({int(c[5:]) for c in cond if re.fullmatch(r"http_\d{3}", c) and 400 <= int(c[5:]) <= 599})
    retry: dict[str, Any] = {}
    if codes:
        retry["codes"] = codes
    if tries > 1:
        retry["attempts"] = tries - 1
    elif tries == 0:
        retry["attempts"] = 3
    else:
        return "converted", "1 try: no retries"
    for r in _live(ing):
        if r.backends and not _redirecting(r):
            r.retry = dict(retry)
    return "approximated", ("retry on the rules: attempts = tries - 1" + (" (0 = unlimited became 3)" if tries == 0
                                                                          else "")
                            + "; nginx retried on another endpoint only for "
                            + ", ".join(cond) + " and never for non-idempotent requests")


def mirror_target(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | None:
    scheme, host, url_port, path = _split_url(value)
    svc = _service_from_host(host, ing.namespace) if host else None
    if svc is None:
        return "implementation-specific", (f"the mirror target {value!r} is not a cluster Service (svc.ns.svc...); "
                                           "RequestMirror needs a Service backendRef: requests are not mirrored")
    port = url_port or (443 if scheme == "https" else 80)
    ref: dict[str, Any] = {"name": svc[0], "port": port}
    if svc[1] != ing.namespace:
        ref["namespace"] = svc[1]
    for r in _live(ing):
        if not _redirecting(r):
            r.filters.append({"type": "RequestMirror", "requestMirror": {"backendRef": dict(ref)}})
    notes = ["the mirrored request keeps the client's path (nginx sent it to the target URL" +
             (f" path {path!r})" if path and "$request_uri" not in value else ")")]
    if svc[1] != ing.namespace:
        notes.append(f"a ReferenceGrant in namespace {svc[1]!r} is needed")
    return "approximated", "; ".join(notes)


def mirror_member(ctx: Context, ing: Ingress, value: Any, entry: Entry) -> tuple[str, str] | None:
    if _ann(ctx, ing, "mirror-target") is None:
        return "ignored", "no effect without mirror-target"
    if entry.key == "mirror-host":
        return "approximated", "the Host of mirrored requests is the implementation's choice"
    return ("converted", "request bodies are mirrored") if value == "on" else \
        ("approximated", "Gateway API mirrors the body too; nginx did not (off)")


def server_alias(ctx: Context, ing: Ingress, value: list[str], entry: Entry) -> tuple[str, str] | None:
    hosts = list(dict.fromkeys(r.host for r in _live(ing) if r.host))
    if not hosts:
        return "ignored", "the Ingress has no host to alias"
    known = ing.extra.get("all_hosts", set())
    added, skipped = [], []
    source = [r for r in _live(ing) if r.host == hosts[0]]
    for alias in value:
        alias = alias.lower()
        if alias in known or alias in added or not re.fullmatch(r"(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?", alias):
            skipped.append(alias)
            continue
        for r in source:
            new = copy.deepcopy(r)
            new.host = alias
            ing.rules.append(new)
        added.append(alias)
        ing.extra.setdefault("tls_alias", {})[alias] = hosts[0]  # served with the host's certificate
    msg = f"{', '.join(added) or 'no alias'} served with the rules of {hosts[0]}"
    notes = []
    if skipped:
        notes.append(f"skipped (another server has that name, or not a hostname): {', '.join(skipped)}")
    tls = ing.extra.get("tls_hosts", set())
    if hosts[0] in tls and any(a not in tls for a in added):
        notes.append("the aliases are served over HTTPS with the host's certificate, which must name them (as it "
                     "had to for nginx)")
    if len(hosts) > 1:
        notes.append(f"only the rules of the first host {hosts[0]} are copied")
    if notes:
        return "approximated", msg + "; " + "; ".join(notes)
    return None
