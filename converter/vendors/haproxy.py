"""The two HAProxy controllers, served by one vendor `haproxy` with one table each.

- HAProxy Technologies' controller ("haproxytech", haproxytech/kubernetes-ingress, IngressClass controller
  `haproxy.org/ingress-controller/haproxy`): keys under `haproxy.org/`, `haproxy.com/` and `ingress.kubernetes.io/`
  (pkg/annotations: every prefix reads the same key). Table mappings/haproxy.yaml.
- HAProxy Ingress ("haproxy-ingress", jcmoraisjr/haproxy-ingress, controller `haproxy-ingress.github.io/controller`):
  keys under `haproxy-ingress.github.io/` and the legacy `ingress.kubernetes.io/`. Table mappings/haproxy-ingress.yaml.

Both default to the class name "haproxy". Which one served an Ingress (its *flavour*) comes from its IngressClass's
controller, else from its annotation prefixes (`haproxy.org/`/`haproxy.com/` or `haproxy-ingress.github.io/`);
`ingress.kubernetes.io/` keys are read through a merged table whose handlers ask the flavour where the two differ.

Semantics shared by both (checked in the controllers' source):
- Exact is exact, Prefix is segment-wise; ImplementationSpecific (and an empty pathType) is a character prefix
  (haproxytech pkg/route: exact + begins-with; haproxy-ingress: `path-type` begin, which is also case-insensitive).
- A host with spec.tls redirects plain HTTP to HTTPS with 302 unless `ssl-redirect: "false"`
  (haproxytech pkg/annotations/ingress/httpsRedirect.go; haproxy-ingress defaults.go ssl-redirect true).
- haproxy-ingress adds `Strict-Transport-Security: max-age=15768000` to HTTPS responses by default (defaults.go);
  haproxytech adds no HSTS header.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from functools import cache

from ..context import Context
from ..mapping import Entry, Table, load_table
from ..model import Ingress, IngressPath, Match, Rule
from ..paths import exact, gateway_path_ok, prefix_by_characters, segment_prefix
from ..values import format_duration, parse_bool
from .base import Vendor

TECH = "haproxytech"
COMMUNITY = "haproxy-ingress"
TECH_PREFIXES = ("haproxy.org/", "haproxy.com/")
COMMUNITY_PREFIX = "haproxy-ingress.github.io/"
LEGACY_PREFIX = "ingress.kubernetes.io/"
CONTROLLERS = {"haproxy.org/ingress-controller/haproxy": TECH, "haproxy-ingress.github.io/controller": COMMUNITY}
COMMUNITY_HSTS = {"max-age": "15768000", "include-subdomains": False, "preload": False}
HEADER_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")
REDIRECT_CODES = (301, 302, 303, 307, 308)
_TIME = re.compile(r"^(\d+)(us|ms|s|m|h|d)?$")
_HOST_PORT = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(:(\d{1,5}))?$")
# Keys with these names under ingress.kubernetes.io/ are read by neither HAProxy controller (old ingress-nginx,
# Traefik 1.x, Kong): on an Ingress served by HAProxy they had no effect.
FOREIGN_LEGACY = ("force-ssl-redirect", "ssl-temporary-redirect", "custom-request-headers", "custom-response-headers",
                  "frame-deny", "browser-xss-filter", "content-type-nosniff")


class HAProxy(Vendor):
    name = "haproxy"
    title = "HAProxy (HAProxy Technologies' controller and HAProxy Ingress)"
    tables = ("haproxy.yaml", "haproxy-ingress.yaml", "common.yaml")
    prefixes = ("haproxy.org/", "haproxy.com/", "haproxy-ingress.github.io/")
    tls_redirect = 302
    implementation_specific = "characters"

    def load_tables(self, ctx: Context) -> list[Table]:
        return [guarded("haproxy.yaml", TECH), guarded("haproxy-ingress.yaml", COMMUNITY), legacy_table(),
                load_table("common.yaml")]

    def prepare(self, ctx: Context, ingresses: list[Ingress]) -> None:
        tls_hosts = {h.lower() for ing in ingresses for t in ing.tls for h in (t.hosts or ing.hosts)}
        for ing in ingresses:
            ing.extra["haproxy.flavour"] = flavour(ctx, ing)
            ing.extra["haproxy.tls_hosts"] = tls_hosts

    def path_match(self, ctx: Context, ing: Ingress, p: IngressPath) -> Match | None:
        ptype = p.path_type if p.path_type in ("Exact", "Prefix") else "ImplementationSpecific"
        if (ptype == "ImplementationSpecific" and ing.extra.get("haproxy.flavour") != COMMUNITY
                and p.path_type in ("", "ImplementationSpecific") and len(p.path) > 1 and p.path.endswith("/")):
            # haproxytech pkg/route/route.go trims the trailing slash: `/foo/` matches /foo, /foo/x and /foobar
            trimmed = p.path.rstrip("/") or "/"
            ctx.report(ing, "path-prefix-by-characters",
                       f"the controller dropped the trailing slash of the ImplementationSpecific path {p.path!r} and "
                       f"matched it as the character prefix {trimmed!r} (also {trimmed}-v2, not only {p.path}...); "
                       "converted the same way", line=p.line,
                       hint="set pathType Prefix if only the directory was meant")
            return prefix_by_characters(trimmed)
        m = super().path_match(ctx, ing, p)
        if (m is not None and ptype == "ImplementationSpecific" and ing.extra.get("haproxy.flavour") == COMMUNITY
                and COMMUNITY_PREFIX + "path-type" not in ing.annotations
                and LEGACY_PREFIX + "path-type" not in ing.annotations and re.search(r"[A-Za-z]", p.path or "")):
            ctx.report(ing, "path-prefix-by-characters",
                       f"HAProxy Ingress matched the ImplementationSpecific path {p.path!r} as `begin`: a character "
                       "prefix that ignores case; converted as a case-sensitive character prefix, so requests that "
                       "differ in case are no longer routed here", line=p.line,
                       hint="add a case-insensitive RegularExpression match if clients use other cases")
        return m

    def finish(self, ctx: Context, ingresses: list[Ingress]) -> None:
        """haproxytech redirects only Ingresses that have spec.tls themselves (httpsRedirect.go tlsEnabled);
        HAProxy Ingress adds its default HSTS header (hsts true, max-age 15768000) to its hosts' HTTPS responses."""
        tls_hosts = {h for ing in ingresses for t in ing.tls for h in (t.hosts or ing.hosts)}
        for ing in ingresses:
            if ing.extra.get("haproxy.flavour") != COMMUNITY:
                if not ing.tls and not ing.extra.get("haproxy.redirect_on"):
                    for r in ing.rules:
                        if r.https_redirect and r.filter("RequestRedirect") is None:
                            r.https_redirect = None
                continue
            hsts = {**COMMUNITY_HSTS, **ing.extra.get("haproxy.hsts", {})}
            if hsts.get("enabled") is False:
                continue
            value = f"max-age={hsts['max-age']}" + ("; includeSubDomains" if hsts["include-subdomains"] else "") \
                + ("; preload" if hsts["preload"] else "")
            for r in ing.rules:
                r.hsts = value
            hosts = sorted({r.host for r in ing.rules if r.host in tls_hosts and not r.dropped})
            if hosts:
                ctx.report(ing, "tls-hsts", f"HAProxy Ingress added 'Strict-Transport-Security: {value}' to the "
                           f"HTTPS responses of {', '.join(hosts)} (hsts is on by default); so does the output",
                           hint="set hsts: \"false\" on the Ingress to leave it out")


def flavour(ctx: Context, ing: Ingress) -> str:
    """Which HAProxy controller served the Ingress: its IngressClass's controller, else its annotation prefixes."""
    cls = next((o for o in ctx.inventory.all("IngressClass") if o.name == (ing.ingress_class or "")), None)
    if cls is not None:
        found = CONTROLLERS.get(str((cls.data.get("spec") or {}).get("controller") or ""))
        if found:
            ing.extra["haproxy.by_class"] = True
            return found
    tech = sum(1 for k in ing.annotations if k.startswith(TECH_PREFIXES))
    community = sum(1 for k in ing.annotations if k.startswith(COMMUNITY_PREFIX))
    if tech or community:
        return TECH if tech >= community else COMMUNITY
    legacy = {k[len(LEGACY_PREFIX):] for k in ing.annotations if k.startswith(LEGACY_PREFIX)}
    only_tech = set(load_table("haproxy.yaml").entries) - set(load_table("haproxy-ingress.yaml").entries)
    only_community = set(load_table("haproxy-ingress.yaml").entries) - set(load_table("haproxy.yaml").entries)
    if len(legacy & only_community) > len(legacy & only_tech):
        return COMMUNITY
    return TECH if legacy & only_tech else ""


class _Guard:
    """The handlers of one controller's table: on an Ingress that the IngressClass gives to the other controller,
    every key of this table had no effect (each controller reads only its own prefixes). For the shared legacy
    prefix (owner LEGACY_PREFIX): a key only the other controller knows had no effect."""

    def __init__(self, owner: str) -> None:
        self.owner = owner

    def __getattr__(self, name: str) -> object:
        import sys

        fn = getattr(sys.modules[__name__], name)  # AttributeError for hooks the module does not have
        if name == "on_invalid_value" or not callable(fn):
            return fn
        owner = self.owner

        def guarded_handler(ctx: Context, ing: Ingress, value: object, entry: Entry) -> object:
            if owner == LEGACY_PREFIX:
                table = {TECH: "haproxy.yaml", COMMUNITY: "haproxy-ingress.yaml"}.get(_flavour(ing))
                if table and entry.key not in load_table(table).entries and entry.key not in FOREIGN_LEGACY:
                    name = "HAProxy Ingress" if _flavour(ing) == COMMUNITY else "HAProxy Technologies' controller"
                    return "ignored", (f"{name} served this Ingress and has no key {entry.key!r} (the other HAProxy "
                                       "controller has); it had no effect")
                return fn(ctx, ing, value, entry)
            if ing.extra.get("haproxy.by_class") and _flavour(ing) != owner:
                other = "HAProxy Ingress" if owner == TECH else "HAProxy Technologies' controller"
                return "ignored", (f"a key of the other HAProxy controller: the IngressClass gives this Ingress to "
                                   f"{other}, which does not read this prefix; it had no effect")
            return fn(ctx, ing, value, entry)

        return guarded_handler


def own(ctx: Context, ing: Ingress, value: object, entry: Entry) -> None:
    """The handler of entries that need none: the guard alone (see _Guard)."""
    return None


@cache
def guarded(filename: str, owner: str) -> Table:
    table = load_table(filename)
    entries = {k: replace(e, handler=e.handler or "own") for k, e in table.entries.items()}
    return Table(vendor=table.vendor, prefixes=table.prefixes, entries=entries, handlers=_Guard(owner),
                 unlisted=table.unlisted)


@cache
def legacy_table() -> Table:
    """`ingress.kubernetes.io/` keys: HAProxy Ingress's entry first (its legacy prefix), else haproxytech's."""
    tech, community = load_table("haproxy.yaml"), load_table("haproxy-ingress.yaml")
    entries = {**tech.entries, **community.entries}
    for key in FOREIGN_LEGACY:
        if key not in entries:
            entries[key] = Entry(key=key, status="ignored", category="legacy-prefix",
                                 message="neither HAProxy controller reads this key (old ingress-nginx, Traefik 1.x "
                                         "or Kong did); on an Ingress served by HAProxy it had no effect",
                                 hint="if another controller served this Ingress, convert with its --provider")
    entries = {k: replace(e, handler=e.handler or "own") for k, e in entries.items()}
    return Table(vendor="haproxy", prefixes=(LEGACY_PREFIX,), entries=entries, handlers=_Guard(LEGACY_PREFIX))


def _flavour(ing: Ingress) -> str:
    return ing.extra.get("haproxy.flavour", "")


def _live(ing: Ingress) -> list[Rule]:
    return [r for r in ing.rules if not r.dropped]


def _bool(text: str) -> bool:
    """haproxytech utils.GetBoolValue: Go booleans, plus "enabled"/"disabled" (older docs' spelling)."""
    t = text.strip()
    words = {"enabled": True, "disabled": False}
    return words[t.lower()] if t.lower() in words else parse_bool(t)


def _time_ms(text: str, unit: str = "ms") -> int:
    """An HAProxy time (`50s`, `1m`, `500`): milliseconds; a bare number is in `unit`."""
    m = _TIME.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not an HAProxy time (like 30s, 500ms, 1m)")
    n = int(m.group(1))
    return {"us": n // 1000, "ms": n, "s": n * 1000, "m": n * 60_000, "h": n * 3_600_000,
            "d": n * 86_400_000}[m.group(2) or unit]


# -- TLS redirect ------------------------------------------------------------------------------------------------------


def ssl_redirect(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    try:
        on = _bool(value)
    except ValueError as err:
        return "ignored", f"{err}: the controller kept its default (redirect when the Ingress has spec.tls)"
    if not on:
        for r in ing.rules:
            r.https_redirect = None
        if not ing.tls:
            return "ignored", '"false" on an Ingress without spec.tls: there was no redirect to switch off'
        return "converted"
    if not ing.tls:
        if _flavour(ing) == COMMUNITY:
            return "ignored", ('"true" on an Ingress without spec.tls: HAProxy Ingress redirects only hosts that '
                               "have TLS, so there was no redirect")
        ing.extra["haproxy.redirect_on"] = True
        hosts = {r.host for r in _live(ing)}
        if hosts and hosts <= ing.extra.get("haproxy.tls_hosts", set()):
            return "converted", "the hosts have TLS from another Ingress: their HTTP requests are redirected to HTTPS"
        return "unsupported", ('"true" on an Ingress without spec.tls: the controller redirected HTTP to HTTPS, '
                               "where its default certificate served the hosts; the output has no certificate for "
                               "them and serves plain HTTP")
    return "converted"


def _redirect_member(ing: Ingress) -> tuple[str, str] | None:
    """The status of ssl-redirect-code/-port when the HTTPS redirect they tune is not in the output."""
    if not any(r.https_redirect for r in ing.rules):
        return "ignored", "no HTTPS redirect on this Ingress (ssl-redirect false): no effect"
    if not ing.tls:
        if _ann(ing, "ssl-redirect") is not None and _bool_or_none(_ann(ing, "ssl-redirect")):
            return "unsupported", "belongs to the HTTPS redirect to the default certificate, which is not converted"
        return "ignored", "no spec.tls on this Ingress, so no HTTPS redirect: no effect"
    return None


def _bool_or_none(text: str | None) -> bool | None:
    try:
        return _bool(text or "")
    except ValueError:
        return None


def ssl_redirect_code(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str] | str:
    if _flavour(ing) == COMMUNITY:
        return "ignored", "HAProxy Ingress reads ssl-redirect-code only from its global ConfigMap"
    member = _redirect_member(ing)
    if member:
        return member
    redirecting = [r for r in ing.rules if r.https_redirect]
    if value not in REDIRECT_CODES:
        return "approximated", (f"{value} is not a redirect status Gateway API allows; the redirect answers "
                                f"{ing.rules[0].https_redirect} instead")
    for r in redirecting:
        r.https_redirect = value
    return "converted"


def ssl_redirect_port(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str] | str:
    member = _redirect_member(ing)
    if member:
        return member
    if value == 443:
        return "converted"
    return "approximated", (f"the controller wrote port {value} into the redirect Location; the output redirects to "
                            "the Gateway's HTTPS listener on 443")


# -- rewrites, redirects, headers ----------------------------------------------------------------------------------


def path_rewrite(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    """haproxytech pkg/annotations/ingress/reqPathRewrite.go: each line is `replace-path (.*) FMT` (one field)
    or `replace-path REGEX FMT` (two fields), applied to every path of the Ingress."""
    lines = [ln.split() for ln in value.strip().splitlines() if ln.strip()]
    if not lines or any(len(parts) not in (1, 2) for parts in lines):
        return "ignored", "a line does not have 1 or 2 fields: the controller rejected the annotation (no rewrite)"
    if len(lines) > 1:
        return "implementation-specific", "several rewrite rules applied in order have no Gateway API equivalent"
    parts = lines[0]
    if len(parts) == 1 or parts[0] in ("(.*)", "^(.*)$", "^(.*)", "(.*)$"):
        fmt = parts[-1]
        if len(parts) == 1 or "\\" not in fmt:
            if not gateway_path_ok(fmt) or "%[" in fmt:
                return "implementation-specific", f"the replacement {fmt!r} is not a fixed path Gateway API accepts"
            for r in _live(ing):
                r.set_filter("URLRewrite", {"path": {"type": "ReplaceFullPath", "replaceFullPath": fmt}})
            return "converted", f"every path of the Ingress is rewritten to {fmt!r} (ReplaceFullPath)"
        m = re.fullmatch(r"(/[^\\]*?)\\1", fmt)
        if m and gateway_path_ok(m.group(1).rstrip("/") or "/"):
            added = m.group(1).rstrip("/")
            rules = _live(ing)
            if all(r.matches and r.matches[0].path_type == "PathPrefix" and r.matches[0].path == "/" for r in rules):
                for r in rules:
                    r.set_filter("URLRewrite", {"path": {"type": "ReplacePrefixMatch",
                                                           "replacePrefixMatch": added or "/"}})
                return "converted", f"the prefix {added!r} is added to every path (ReplacePrefixMatch of '/')"
    return "implementation-specific", (f"the regular-expression rewrite {' '.join(parts)!r} has no simple Gateway API "
                                       "form (URLRewrite replaces a full path or the matched prefix)")


def set_host(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    host = value.strip().lower()
    if not _HOST_PORT.match(host) or ":" in host:
        return "implementation-specific", f"{value!r} is not a plain hostname URLRewrite.hostname accepts"
    for r in _live(ing):
        r.set_filter("URLRewrite", {"hostname": host})
    return "converted"


def _header_lines(value: str, sep: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, value) pairs of a multi-line header annotation; sep " " (haproxytech) or ":" (haproxy-ingress)."""
    good, bad = [], []
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        if sep == ":" and ":" in line:
            name, _, val = line.partition(":")
        else:
            name, _, val = line.partition(" ")
        name, val = name.strip(), val.strip().strip('"')
        if not HEADER_TOKEN.match(name) or "%" in val or not val:  # HAProxy log-format: % starts a variable
            bad.append(line)
        else:
            good.append((name, val))
    return good, bad


def _set_headers(ing: Ingress, ftype: str, op: str, value: str, sep: str) -> tuple[str, str] | str:
    good, bad = _header_lines(value, sep)
    for r in _live(ing):
        for name, val in good:
            r.set_header(ftype, op, name, val)
    if bad:
        return "approximated", ("lines not converted (dynamic %[...] values or invalid names): "
                                + "; ".join(repr(b) for b in bad))
    return "converted"


def request_set_header(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    good, _ = _header_lines(value, " ")
    if any(n.lower() == "host" for n, _ in good):
        return "approximated", ("sets Host before the backend was chosen (it could change routing); the output sets "
                                "it after matching")
    return _set_headers(ing, "RequestHeaderModifier", "set", value, " ")


def response_set_header(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    return _set_headers(ing, "ResponseHeaderModifier", "set", value, " ")


def community_headers(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    """haproxy-ingress request-set-headers / headers / request-add-headers / response-* (`name: value` lines)."""
    ftype = "ResponseHeaderModifier" if entry.key.startswith("response-") else "RequestHeaderModifier"
    op = "add" if "-add-" in entry.key else "set"
    if "%[namespace]" in value or "%[service]" in value:
        value = value.replace("%[namespace]", ing.namespace or "default")
        svcs = {b.name for r in _live(ing) for b in r.backends}
        if len(svcs) == 1:
            value = value.replace("%[service]", svcs.pop())
    return _set_headers(ing, ftype, op, value, ":")


def community_del_headers(ctx: Context, ing: Ingress, value: list[str], entry: Entry) -> tuple[str, str] | str:
    ftype = "ResponseHeaderModifier" if entry.key.startswith("response-") else "RequestHeaderModifier"
    bad = [h for h in value if not HEADER_TOKEN.match(h)]
    for r in _live(ing):
        for h in value:
            if HEADER_TOKEN.match(h):
                r.set_header(ftype, "remove", h)
    return ("approximated", f"invalid header names skipped: {', '.join(bad)}") if bad else "converted"


def request_redirect(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    """haproxytech hostRedirect: `redirect location http://HOST[:PORT]%[capture.req.uri]` for every path."""
    text = value.strip().lower()
    scheme = "https" if text.startswith("https://") else "http"
    text = text.removeprefix("https://").removeprefix("http://")
    m = _HOST_PORT.match(text)
    if not m:
        return "implementation-specific", f"{value!r} is not host or host:port"
    code = 302
    raw = ing.annotations.get(_same_prefix(ing, "request-redirect-code"))
    if raw is not None:
        try:
            code = int(raw)
        except ValueError:
            code = 302
    body: dict = {"scheme": scheme, "hostname": m.group(1), "statusCode": code if code in REDIRECT_CODES else 302}
    if m.group(6):
        body["port"] = int(m.group(6))
    for r in _live(ing):
        r.filters = [f for f in r.filters if f["type"] not in ("URLRewrite", "RequestRedirect")]
        r.set_filter("RequestRedirect", body)
        r.https_redirect = None
    return "converted", (f"every path answers {body['statusCode']} to {scheme}://{text} keeping path and query "
                         "(RequestRedirect, no backends)")


def request_redirect_code(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str] | str:
    if _same_prefix(ing, "request-redirect") not in ing.annotations:
        return "ignored", "no request-redirect on this Ingress: no effect"
    if value not in REDIRECT_CODES:
        return "approximated", f"{value} is not a redirect status Gateway API allows; 302 is used"
    return "converted"


def _same_prefix(ing: Ingress, key: str) -> str:
    for prefix in (*TECH_PREFIXES, LEGACY_PREFIX):
        if prefix + key in ing.annotations:
            return prefix + key
    return TECH_PREFIXES[0] + key


# -- timeouts ----------------------------------------------------------------------------------------------------------


def timeout_server(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    """haproxytech: HAProxy time (bare number = ms); haproxy-ingress: same (ms when no unit)."""
    try:
        ms = _time_ms(value)
    except ValueError as err:
        return "ignored", f"{err}; the controller kept its default (50s)"
    if ms <= 0:
        return "ignored", "0 or less: the controller kept its default"
    for r in _live(ing):
        r.timeouts = {**(r.timeouts or {}), "backendRequest": format_duration(ms)}
    return None


# -- haproxy-ingress paths, passthrough, HSTS ------------------------------------------------------------------------


def path_type(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    """haproxy-ingress `path-type` (begin | exact | prefix | regex) for ImplementationSpecific paths."""
    mode = value.lower()
    changed = []
    for r in ing.rules:
        if r.default or r.dropped or r.path_type not in ("", "ImplementationSpecific"):
            continue
        path = r.path or "/"
        if mode == "exact":
            m = exact(path)
        elif mode == "prefix":
            m = segment_prefix(path)
        elif mode == "begin":
            m = prefix_by_characters(path)
        else:
            m = Match("RegularExpression", path if path.startswith("^") else "^" + path)
            if not m.path.endswith("$"):
                m = Match("RegularExpression", m.path + ".*")
        if m.path_type in ("Exact", "PathPrefix") and not gateway_path_ok(m.path):
            continue
        r.matches = [m]
        changed.append(path)
    if mode == "begin":
        return "approximated", ("begin (the default) matches by characters and ignores case; converted as a "
                                "case-sensitive character prefix")
    if mode == "regex":
        return "approximated", ("POSIX extended regular expressions anchored at the start became RegularExpression "
                                "matches (`^path.*`), whose dialect and support are implementation-specific")
    return "converted"


def ssl_passthrough(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    try:
        on = _bool(value)
    except ValueError as err:
        return "ignored", f"{err}: no passthrough"
    if not on:
        return "ignored", '"false": no effect'
    ing.passthrough = True
    return "approximated", ("TLS connections for the Ingress's hosts pass through to the root path's backend "
                            "(TLSRoute on a Passthrough listener); the HTTP routes stay for plain HTTP")


def ssl_passthrough_http_port(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str] | str:
    if not ing.passthrough:
        return "ignored", "ssl-passthrough is not on: no effect"
    if not 1 <= value <= 65535:
        return "unsupported", f"{value} is not a port number"
    roots = [r for r in _live(ing) if r.matches and r.matches[0].path_type == "PathPrefix"
             and r.matches[0].path == "/" and r.backends and r.serve_http]
    for r in roots:  # the TLSRoute keeps the original rule's backend; plain HTTP gets a copy with the other port
        ing.rules.append(replace(r, backends=[replace(b, port=value, port_name=None, app_protocol=None)
                                              for b in r.backends], serve_https=False,
                                 matches=copy.deepcopy(r.matches), filters=copy.deepcopy(r.filters)))
        r.serve_http = False
    if not roots:
        return "ignored", "the Ingress has no root path to serve on plain HTTP"
    return "converted", f"plain-HTTP requests for the root path go to port {value} of the backend"


def hsts(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    """haproxy-ingress hsts, hsts-max-age, hsts-include-subdomains, hsts-preload (finish() applies them)."""
    conf = ing.extra.setdefault("haproxy.hsts", {})
    try:
        if entry.key == "hsts":
            conf["enabled"] = parse_bool(value.strip())
        elif entry.key == "hsts-max-age":
            if not value.strip().isdigit():
                raise ValueError(f"{value!r} is not a number of seconds")
            conf["max-age"] = value.strip()
        else:
            conf[entry.key[5:]] = parse_bool(value.strip())
    except ValueError as err:
        return "ignored", f"{err}: the default applies"
    if _flavour(ing) != COMMUNITY:
        return "ignored", "only HAProxy Ingress reads this key; the controller that served this Ingress did not"
    return "converted"


# -- CORS ------------------------------------------------------------------------------------------------------------

CORS_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
CORS_ORIGIN = re.compile(r"(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)")
TECH_CORS = {"cors-allow-origin": "*", "cors-allow-methods": "*", "cors-allow-headers": "*",
             "cors-allow-credentials": "false", "cors-max-age": "5s", "cors-expose-headers": ""}
COMMUNITY_CORS = {"cors-allow-origin": "*", "cors-allow-methods": "GET, PUT, POST, DELETE, PATCH, OPTIONS",
                  "cors-allow-headers": "DNT,X-CustomHeader,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,"
                                        "Cache-Control,Content-Type,Authorization",
                  "cors-allow-credentials": "true", "cors-max-age": "86400", "cors-expose-headers": ""}


def _ann(ing: Ingress, key: str) -> str | None:
    prefixes = (COMMUNITY_PREFIX, LEGACY_PREFIX) if _flavour(ing) == COMMUNITY else (*TECH_PREFIXES, LEGACY_PREFIX)
    for prefix in prefixes:
        if prefix + key in ing.annotations:
            return ing.annotations[prefix + key]
    return None


def cors_enable(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    try:
        on = _bool(value)
    except ValueError as err:
        return "ignored", f"{err}: CORS stays off"
    if not on:
        return "ignored", '"false": no effect'
    community = _flavour(ing) == COMMUNITY
    defaults = COMMUNITY_CORS if community else TECH_CORS
    conf = {k: (_ann(ing, k) if _ann(ing, k) is not None else d) for k, d in defaults.items()}
    problems: list[str] = []
    cors: dict = {}
    origins = [o.strip() for o in re.split(r"[,\s]+", conf["cors-allow-origin"]) if o.strip()]
    ok = [o for o in origins if CORS_ORIGIN.match(o) and len(o) <= 253]
    problems += [f"origin {o!r} (a regular expression?) is not a Gateway API origin and is dropped"
                 for o in origins if o not in ok]
    cors["allowOrigins"] = ["*"] if "*" in ok else list(dict.fromkeys(ok))[:64]
    if not cors["allowOrigins"]:
        return "implementation-specific", ("no allowed origin fits the Gateway API origin pattern (regular "
                                           "expressions are not supported): CORS is not converted")
    methods = [m.strip().upper() for m in conf["cors-allow-methods"].split(",") if m.strip()]
    okm = [m for m in dict.fromkeys(methods) if m in CORS_METHODS or m == "*"]
    problems += [f"method {m!r} is dropped" for m in methods if m not in okm]
    if okm:
        cors["allowMethods"] = ["*"] if "*" in okm else okm[:9]
    for key, field in (("cors-allow-headers", "allowHeaders"), ("cors-expose-headers", "exposeHeaders")):
        items = [h.strip() for h in conf[key].split(",") if h.strip()]
        okh = [h for h in dict.fromkeys(items) if HEADER_TOKEN.match(h)]
        problems += [f"header {h!r} is dropped" for h in items if h not in okh]
        if okh:
            cors[field] = ["*"] if "*" in okh else okh[:64]
    if community:
        try:
            cors["allowCredentials"] = parse_bool(conf["cors-allow-credentials"].strip())
        except ValueError:
            problems.append(f"cors-allow-credentials {conf['cors-allow-credentials']!r} is not a boolean; false is "
                            "used")
            cors["allowCredentials"] = False
    else:  # resSetCORS.go: the header is sent only for exactly "true"
        cors["allowCredentials"] = conf["cors-allow-credentials"].strip() == "true"
    try:
        age = _time_ms(conf["cors-max-age"], unit="s") // 1000
        if age >= 1:
            cors["maxAge"] = age
    except ValueError:
        problems.append(f"cors-max-age {conf['cors-max-age']!r} is not a time; the Gateway's default (5s) applies")
    if not community and cors["allowOrigins"] != ["*"]:
        problems.append("the controller matched the Origin against cors-allow-origin as an unanchored regular "
                        "expression; converted as the literal origin, which allows fewer origins")
    if not community and (_ann(ing, "cors-respond-to-options") or "").strip() != "true":
        problems.append("preflight OPTIONS requests were forwarded to the backend (cors-respond-to-options off); the "
                        "Gateway's CORS filter answers them itself")
    if cors["allowCredentials"] and "*" in cors["allowOrigins"]:
        problems.append("credentials with the origin '*': the Gateway echoes the request's origin, as HAProxy did")
    for r in _live(ing):
        r.filters = [f for f in r.filters if f["type"] != "CORS"]
        r.filters.append({"type": "CORS", "cors": dict(cors)})
    if problems:
        return "approximated", "; ".join(problems)
    return "converted"


def cors_member(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    if _ann(ing, "cors-enable") is None:
        return "ignored", "cors-enable is not set: no effect"
    try:
        on = _bool(_ann(ing, "cors-enable") or "")
    except ValueError:
        on = False
    if not on:
        return "ignored", "cors-enable is not true: no effect"
    if not any(r.filter("CORS") is not None for r in _live(ing)):
        return "implementation-specific", "part of the CORS configuration, which is not converted (see cors-enable)"
    if entry.key == "cors-respond-to-options":
        return "converted", "the Gateway's CORS filter answers preflight requests itself"
    return "converted"


# -- haproxy-ingress routing: header matches, aliases, redirects, rewrite-target ------------------------------------


def http_header_match(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    regex = entry.key.endswith("-regex")
    pairs, bad = [], []
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        name, sep, val = line.partition(":")
        name, val = name.strip(), val.strip()
        if not sep or not HEADER_TOKEN.match(name) or not val:
            bad.append(line)
            continue
        pairs.append({"name": name, "value": (".*" + val + ".*") if regex else val,
                      **({"type": "RegularExpression"} if regex else {})})
    if not pairs:
        return "ignored", "no valid \"Name: value\" line: the controller added no condition"
    for r in _live(ing):
        if r.default:
            continue
        for m in r.matches:
            names = {h["name"].lower() for h in m.headers}
            m.headers = m.headers + [p for p in pairs if p["name"].lower() not in names][:16 - len(m.headers)]
    notes = []
    if regex:
        notes.append("HAProxy's unanchored regular expressions became RegularExpression header matches wrapped in "
                     "`.*`, whose dialect is implementation-specific")
    if bad:
        notes.append("lines skipped: " + "; ".join(repr(b) for b in bad))
    return ("approximated", "; ".join(notes)) if notes else "converted"


def _host_rules(ing: Ingress) -> list[Rule]:
    return [r for r in _live(ing) if r.host and not r.host.startswith("*.")]


def _single_host(ing: Ingress, value: str, name: str, what: str) -> tuple[str, tuple[str, str] | None]:
    """(the Ingress's one host, None), or ("", refusal) when `name` is no hostname or the Ingress has not one host."""
    if not _HOST_PORT.match(name.removeprefix("*.")) or ":" in name:
        return "", ("unsupported", f"{value!r} is not a hostname")
    hosts = sorted({r.host for r in _host_rules(ing)})
    if len(hosts) != 1:
        return "", ("unsupported", ("the Ingress has " + ("no host" if not hosts else f"{len(hosts)} hosts")
                                    + f"; {what} belongs to one host, so it is not converted"))
    return hosts[0], None


def server_alias(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    alias = value.strip().lower()
    host, refusal = _single_host(ing, value, alias, "the alias")
    if refusal:
        return refusal
    if any(r.host == alias for r in ing.rules):
        return "ignored", "the alias is already a host of the Ingress"
    for r in [r for r in ing.rules if r.host == host and not r.dropped]:
        ing.rules.append(Rule(host=alias, matches=copy.deepcopy(r.matches), backends=list(r.backends), line=r.line,
                              path=r.path, path_type=r.path_type, filters=copy.deepcopy(r.filters),
                              timeouts=dict(r.timeouts) if r.timeouts else None, https_redirect=r.https_redirect,
                              hsts=r.hsts, protocol=r.protocol, default=r.default))
    if any(host in t.hosts for t in ing.tls):
        ing.extra.setdefault("tls_alias", {})[alias] = host
    note = "; a wildcard alias matched one DNS label in HAProxy, any depth in Gateway API" if alias[:2] == "*." else ""
    return ("approximated", f"{alias} is served like {host}" + note) if note else "converted"


def app_root(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    target = value.strip()
    if not gateway_path_ok(target):
        return "unsupported", f"{value!r} is not a path a RequestRedirect accepts"
    hosts = sorted({r.host for r in _live(ing)})
    for host in hosts:
        line = next(r.line for r in ing.rules if r.host == host)
        ing.rules.append(Rule(host=host, matches=[Match("Exact", "/")], backends=[], line=line, path="/",
                              path_type="Exact", https_redirect=None, filters=[
                                  {"type": "RequestRedirect", "requestRedirect": {
                                      "path": {"type": "ReplaceFullPath", "replaceFullPath": target},
                                      "statusCode": 302}}]))
    return "converted", f"requests for / are redirected (302) to {target!r}"


def redirect_to(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    from urllib.parse import urlsplit

    try:
        url = urlsplit(value.strip())
        port = url.port
    except ValueError:
        return "unsupported", f"{value!r} is not a URL"
    if url.scheme not in ("http", "https") or not url.hostname:
        return "unsupported", f"{value!r} is not an absolute http(s) URL"
    code = 302
    raw = _ann(ing, "redirect-to-code")
    if raw is not None and raw.strip().isdigit() and int(raw) in REDIRECT_CODES:
        code = int(raw)
    body: dict = {"scheme": url.scheme, "hostname": url.hostname, "statusCode": code,
                  "path": {"type": "ReplaceFullPath", "replaceFullPath": url.path or "/"}}
    if port:
        body["port"] = port
    if not gateway_path_ok(url.path or "/"):
        return "unsupported", f"the path of {value!r} is not one a RequestRedirect accepts"
    for r in _live(ing):
        r.filters = [f for f in r.filters if f["type"] not in ("URLRewrite", "RequestRedirect")]
        r.set_filter("RequestRedirect", body)
        r.https_redirect = None
    return "approximated", (f"every path answers {code} to {value.strip()!r}; HAProxy dropped the query string, the "
                            "Gateway keeps it" + ("; the URL's query is not carried" if url.query else ""))


def redirect_to_code(ctx: Context, ing: Ingress, value: int, entry: Entry) -> tuple[str, str] | str:
    if _ann(ing, "redirect-to") is None:
        return "ignored", "no redirect-to on this Ingress: no effect"
    if value not in REDIRECT_CODES:
        return "approximated", f"{value} is not a redirect status Gateway API allows; 302 is used"
    return "converted"


def redirect_from(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    source = value.strip().lower()
    host, refusal = _single_host(ing, value, source, "the redirect")
    if refusal:
        return refusal
    if any(r.host == source for r in ing.rules):
        return "ignored", "the source hostname is already a host of the Ingress"
    line = next(r.line for r in ing.rules if r.host == host)
    ing.rules.append(Rule(host=source, matches=[Match("PathPrefix", "/")], backends=[], line=line, path="/",
                          path_type="Prefix", https_redirect=None, filters=[
                              {"type": "RequestRedirect", "requestRedirect": {"hostname": host, "statusCode": 302}}]))
    return "approximated", (f"plain-HTTP requests for {source} are redirected (302) to {host}, keeping path and "
                            "query; HTTPS requests for it need a certificate the output does not have")


def rewrite_target(ctx: Context, ing: Ingress, value: str, entry: Entry) -> tuple[str, str] | str:
    target = value.strip()
    if not gateway_path_ok(target):
        return "implementation-specific", f"{target!r} is not a path URLRewrite accepts (back-references?)"
    skipped = []
    for r in _live(ing):
        if r.filter("RequestRedirect") is not None:
            continue
        m = r.matches[0] if r.matches else None
        if m is not None and m.path_type == "PathPrefix":
            r.set_filter("URLRewrite", {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": target}})
        elif m is not None and m.path_type == "Exact":
            r.set_filter("URLRewrite", {"path": {"type": "ReplaceFullPath", "replaceFullPath": target}})
        else:
            skipped.append(r.path)
    if skipped:
        return "approximated", (f"paths {', '.join(repr(p) for p in skipped)} are character-prefix or regex matches, "
                                "where Gateway API cannot replace the matched prefix; they are not rewritten")
    return "converted"
