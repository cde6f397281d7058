"""Traefik Middlewares (traefik.io / traefik.containo.us v1alpha1) referenced by `router.middlewares`, by kind.

Each reference is resolved against the Middleware objects of the input (Traefik's normalised name: namespace and name
joined by '-', every run of non-alphanumeric characters turned into '-'), then mapped to Gateway API filters or rule
fields, in order. Every reference ends with a finding that names the Middleware (namespace/name/kind) under the
annotation `traefik.ingress.kubernetes.io/router.middlewares`.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..context import Context
from ..findings import register
from ..model import Backend, Ingress, Match, Obj, Rule
from ..paths import gateway_path_ok, re_escape
from ..values import format_duration, parse_duration

MW_KEY = "traefik.ingress.kubernetes.io/router.middlewares"
API_GROUPS = ("traefik.io/", "traefik.containo.us/")

register(
    ("middleware-converted", "info", "A Traefik Middleware was converted to Gateway API filters or rule fields."),
    ("middleware-unresolved", "error",
     "A Middleware reference is not in the input or belongs to another Traefik provider (@file, @docker...): its "
     "behaviour (often authentication) is unknown and not carried over."),
    ("middleware-ambiguous", "error",
     "Several Middlewares have the same Traefik name (namespace and name joined by '-', so dashes make names "
     "collide): Traefik used one of them, arbitrarily; the output uses the first by namespace/name."),
)

# worst first
_RANK = {"unresolved": 6, "unsupported": 5, "implementation-specific": 4, "needs-experimental": 3,
         "approximated": 2, "converted": 1}
_STATUS_CODES = {"approximated": "annotation-approximated", "needs-experimental": "annotation-needs-experimental",
                 "implementation-specific": "annotation-implementation-specific",
                 "unsupported": "annotation-unsupported", "unresolved": "middleware-unresolved"}
_EXT_HINT = "with Traefik as the Gateway implementation: an ExtensionRef filter to the traefik.io Middleware"
_CORS_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
_CORS_ORIGIN = re.compile(r"^(\*|https?://(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:[0-9]{1,5})?))$")
_LITERAL = r"(?:[^\\^$.|?*+()\[\]{}]|\\[\\^$.|?*+()\[\]{}/-])*"


def normalize(name: str) -> str:
    """Traefik's provider.Normalize: runs of non-letters/digits become one '-', trimmed."""
    return "-".join(p for p in re.split(r"[^0-9A-Za-z]+", name) if p)


@dataclass
class Outcome:
    status: str
    message: str
    hint: str = ""
    security: bool = False


@dataclass
class PathState:
    """How the request path looks after the rewrites so far: prefix kind (value + tail) or a fixed full path."""

    kind: str  # prefix | full | regex
    value: str
    original: str
    changed: bool = False


@dataclass
class Run:
    """One application of a middleware list to the rules of an Ingress."""

    ctx: Context
    ing: Ingress
    rules: list[Rule]  # the rules later middlewares still reach (a redirect filter ends a rule's chain)
    key: str
    tls_hosts: set[str]  # hosts served over HTTPS (the planner gives them an HTTPS listener)
    all_rules: list[Rule] = field(default_factory=list)
    line: int | None = None  # where the findings point (None: the annotation's line on the Ingress)
    serves_http: bool = True  # the routers also answer plain HTTP
    serves_https: bool = False  # the routers also answer HTTPS
    redirected: int = 0  # rules whose chain a redirect filter ended
    statuses: list[str] = field(default_factory=list)
    states: dict[int, PathState] = field(default_factory=dict)
    narrowed: set[int] = field(default_factory=set)


def apply(ctx: Context, ing: Ingress, refs: list[str], rules: list[Rule], *, key: str = MW_KEY,
          tls_hosts: set[str], namespace: str | None = None, serves_http: bool = True,
          serves_https: bool = False) -> str:
    """Apply the Middleware references in order; report each; return the worst status (table vocabulary)."""
    active = [r for r in rules if not r.dropped]
    run = Run(ctx, ing, list(active), key, tls_hosts, all_rules=active,
              line=None if key in ing.annotations else (active[0].line if active else None), serves_http=serves_http,
              serves_https=serves_https)
    for ref in refs:
        _apply_ref(run, ref, namespace or ing.namespace, set())
    _write_rewrites(run)
    worst = max(run.statuses, key=lambda s: _RANK[s], default="converted")
    return "unsupported" if worst == "unresolved" else worst


def resolve(ctx: Context, ref: str) -> tuple[Obj | None, str]:
    """The Middleware a `name@provider` reference names, or (None, reason)."""
    name, _, provider = ref.partition("@")
    if not provider:
        return None, ("has no @provider: Traefik looked it up in the Ingress provider, which defines no Middlewares, "
                      "and refused the router; the output serves the route without it")
    if provider.lower() != "kubernetescrd":
        return None, (f"comes from Traefik's {provider!r} provider (static or Docker configuration outside the "
                      "cluster): its behaviour is unknown and not carried over")
    wanted = normalize(name)
    # a Middleware manifest without namespace is applied to the current one, usually `default`
    found = [o for o in ctx.inventory.all("Middleware") if _is_traefik(o)
             and normalize(f"{o.namespace or 'default'}-{o.name}") == wanted]
    if not found:
        return None, ("is not in the input (Traefik refused routers whose Middleware does not exist; if it exists in "
                      "the cluster, add it to the input): its behaviour is unknown and not carried over")
    return sorted(found, key=lambda o: (o.namespace, o.name))[0], ""


def _is_traefik(o: Obj) -> bool:
    return o.api_version.startswith(API_GROUPS)


def _apply_ref(run: Run, ref: str, chain_ns: str, seen: set[str]) -> None:
    obj, reason = resolve(run.ctx, ref)
    if obj is None:
        _report(run, ref, "", Outcome("unresolved", f"Middleware {ref!r} {reason}",
                                      hint="add the Middleware manifest to the input, or convert it by hand"))
        return
    name = ref.partition("@")[0]
    if name != normalize(name):
        run.statuses.append("unsupported")
        _rejected(run, f"the reference {ref!r} is not a Traefik Middleware name (Traefik names a Middleware "
                  f"{normalize(name)!r}: namespace and name joined by '-', other characters turned into '-'), so "
                  f"Traefik did not find it and refused the routers that use it; the output applies Middleware "
                  f"{obj.key}", "write the reference as " + repr(normalize(name) + "@kubernetescrd"))
    same = [o for o in run.ctx.inventory.all("Middleware") if _is_traefik(o) and o is not obj
            and normalize(f"{o.namespace or 'default'}-{o.name}") == normalize(name)]
    if same:
        run.statuses.append("approximated")
        run.ctx.report(run.ing, "middleware-ambiguous", f"Middleware reference {ref!r} names "
                       + ", ".join(sorted({obj.key, *(o.key for o in same)})) + f": Traefik gives them all the "
                       f"name {normalize(name)!r} and used one of them, arbitrarily; the output uses {obj.key}",
                       annotation=run.key, line=run.line,
                       hint="rename one of the Middlewares (or its namespace) so that the names no longer collide")
    _apply_obj(run, obj, seen)


def _rejected(run: Run, message: str, hint: str = "") -> None:
    """Traefik refused the routers that use this Middleware: it served none of the Ingress's paths."""
    run.ctx.report(run.ing, "ingress-ignored-by-controller", message + "; Traefik served none of these paths, "
                   "while the output serves them", annotation=run.key, line=run.line,
                   hint=hint or "fix the Middleware, or delete the Ingress if it never worked")


def _apply_obj(run: Run, obj: Obj, seen: set[str]) -> None:
    label = f"Middleware {obj.namespace}/{obj.name}" if obj.namespace else f"Middleware {obj.name}"
    spec = obj.data.get("spec") or {}
    kinds = [k for k, v in spec.items() if v is not None] if isinstance(spec, dict) else []
    if not kinds:
        _report(run, label, "", Outcome("unsupported", f"{label} has an empty spec; not converted"))
        _rejected(run, f"{label} sets no middleware kind: Traefik could not build it and refused the routers that "
                  "use it")
        return
    if obj.key in seen:
        _report(run, label, "", Outcome("unsupported", f"{label} is part of a Chain cycle; not converted again"))
        _rejected(run, f"{label} is part of a Chain cycle: Traefik detected the recursion and refused the routers "
                  "that use it", "remove the Chain member that leads back to the Chain")
        return
    if len(kinds) > 1:
        run.statuses.append("approximated")
        _rejected(run, f"{label} sets several middleware kinds ({', '.join(kinds)}): Traefik rejected it ('multi-types "
                  "middleware not supported') and refused the routers that use it; the output applies each kind, in "
                  "order, as if they were separate Middlewares (see their findings)",
                  "split it into one Middleware per kind (a Chain can group them)")
    for kind_key in kinds:
        _apply_kind(run, obj, label, kind_key, spec[kind_key], seen)


def _apply_kind(run: Run, obj: Obj, label: str, kind_key: str, raw: object, seen: set[str]) -> None:
    conf = raw if isinstance(raw, dict) else {}
    kind = _KIND_NAMES.get(kind_key.lower(), kind_key[:1].upper() + kind_key[1:])
    if not run.rules and run.redirected:
        _report(run, label, kind, Outcome("converted", f"{label} ({kind}) comes after a redirect that answers every "
                                          "request: it was never reached, and is not converted"))
        return
    if kind_key.lower() == "chain":
        members = conf.get("middlewares") or []
        _report(run, label, kind, Outcome("converted", f"{label} (Chain) is flattened into its {len(members)} "
                                          "members, in order (see their findings)"))
        for m in members:
            if not isinstance(m, dict) or not m.get("name"):
                continue
            name = str(m["name"])
            if "@" in name:
                _apply_ref(run, name, m.get("namespace") or obj.namespace, seen | {obj.key})
                continue
            member = run.ctx.inventory.get("Middleware", str(m.get("namespace") or obj.namespace), name)
            if member is None or not _is_traefik(member):
                _report(run, f"{m.get('namespace') or obj.namespace}/{name}", "", Outcome(
                    "unresolved", f"Middleware {m.get('namespace') or obj.namespace}/{name} (member of the Chain "
                    f"{obj.namespace}/{obj.name}) is not in the input: its behaviour is unknown and not carried over",
                    hint="add the Middleware manifest to the input, or convert it by hand"))
                continue
            _apply_obj(run, member, seen | {obj.key})
        return
    handler = _KINDS.get(kind_key.lower())
    if handler is None:
        out = Outcome("implementation-specific", f"{label} is of the kind {kind!r}, which ing2gw does not know; "
                      "not converted", hint=_EXT_HINT, security=True)
    else:
        try:
            out = handler(run, obj, conf)
        except _TooMany as err:
            out = Outcome("approximated", f"more than 16 headers to set or remove on one rule (Gateway API limit): "
                          f"{err} and the headers after it are left out")
    out.message = f"{label} ({kind}): {out.message}"
    if obj.api_version.startswith("traefik.containo.us/"):
        out.message += ("; its API group traefik.containo.us is read by Traefik v2 only (Traefik v3 ignores it and "
                        "refuses the routers that use it: migrate it to traefik.io/v1alpha1)")
    _report(run, label, kind, out)


def _report(run: Run, label: str, kind: str, out: Outcome) -> None:
    run.statuses.append(out.status)
    if out.status == "converted":
        code = "middleware-converted"
    elif out.security and out.status != "approximated":
        code = "security-not-enforced"
    else:
        code = _STATUS_CODES[out.status]
    run.ctx.report(run.ing, code, out.message, annotation=run.key, hint=out.hint, line=run.line)


# -- filter helpers ----------------------------------------------------------------------------------------------------

def _filter(rule: Rule, ftype: str) -> dict:
    field_name = {"URLRewrite": "urlRewrite", "CORS": "cors"}.get(ftype, ftype[0].lower() + ftype[1:])
    f = rule.filter(ftype)
    if f is None:
        f = {"type": ftype, field_name: {}}
        rule.filters.append(f)
    return f[field_name]


def set_header(rule: Rule, ftype: str, name: str, value: str) -> None:
    mod = _filter(rule, ftype)
    for part in ("set", "add"):
        mod[part] = [h for h in mod.get(part, []) if h["name"].lower() != name.lower()]
        if not mod[part]:
            del mod[part]
    if mod.get("remove"):
        mod["remove"] = [h for h in mod["remove"] if h.lower() != name.lower()]
        if not mod["remove"]:
            del mod["remove"]
    if len(mod.get("set", [])) >= 16:  # Gateway API: at most 16 entries per list
        raise _TooMany(name)
    mod.setdefault("set", []).append({"name": name, "value": value})


class _TooMany(Exception):
    pass


def remove_header(rule: Rule, ftype: str, name: str) -> None:
    mod = _filter(rule, ftype)
    for part in ("set", "add"):
        if part in mod:
            mod[part] = [h for h in mod[part] if h["name"].lower() != name.lower()]
            if not mod[part]:
                del mod[part]
    if name.lower() not in (h.lower() for h in mod.get("remove", [])):
        if len(mod.get("remove", [])) >= 16:
            raise _TooMany(name)
        mod.setdefault("remove", []).append(name)


_NAME_OK = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,256}$")
_HOST_OK = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _value_ok(value: str) -> bool:
    return 0 < len(value) <= 4096 and "\n" not in value and "\r" not in value


# -- path rewrites -----------------------------------------------------------------------------------------------------

def _char_regex(rule: Rule) -> bool:
    m = rule.matches[0] if rule.matches else None
    return bool(m and m.path_type == "RegularExpression" and m.path == "^" + re_escape(rule.path) + ".*")


def _state(run: Run, rule: Rule) -> PathState:
    st = run.states.get(id(rule))
    if st is None:
        m = rule.matches[0] if rule.matches else Match("PathPrefix", "/")
        if m.path_type == "PathPrefix":
            st = PathState("prefix", m.path.rstrip("/"), m.path.rstrip("/"))
        elif m.path_type == "Exact":
            st = PathState("full", m.path, m.path)
        elif _char_regex(rule) and gateway_path_ok(rule.path):
            st = PathState("prefix", rule.path.rstrip("/"), rule.path.rstrip("/"))
            run.narrowed.add(id(rule))
        else:
            st = PathState("regex", "", "")
        run.states[id(rule)] = st
    return st


def _write_rewrites(run: Run) -> None:
    for rule in run.all_rules:
        st = run.states.get(id(rule))
        if st is None or not st.changed or rule.filter("RequestRedirect") is not None:
            continue
        if id(rule) in run.narrowed and st.kind == "prefix":
            rule.matches[0] = Match("PathPrefix", rule.path, rule.matches[0].headers, rule.matches[0].query,
                                    rule.matches[0].method)
            run.ctx.report(run.ing, "annotation-approximated",
                           f"path {rule.path!r}: Traefik matched it as a character prefix (it also matched "
                           f"{rule.path.rstrip('/')}x...); it becomes a segment PathPrefix so that the Middleware "
                           "path rewrite (URLRewrite ReplacePrefixMatch) can apply", annotation=run.key,
                           line=rule.line)
        rw = _filter(rule, "URLRewrite")
        if st.kind == "prefix":
            rw["path"] = {"type": "ReplacePrefixMatch", "replacePrefixMatch": st.value or "/"}
        else:
            rw["path"] = {"type": "ReplaceFullPath", "replaceFullPath": st.value or "/"}


def _list(value: object) -> list:
    """A list field as written (a lone string is one item)."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, str) and value else []


def _lead(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def strip_prefix(run: Run, obj: Obj, conf: dict) -> Outcome:
    prefixes = [str(p) for p in _list(conf.get("prefixes")) if p]
    if not prefixes:
        return Outcome("converted", "no prefixes: nothing to strip")
    return _strip(run, prefixes, "StripPrefix")


def _strip(run: Run, prefixes: list[str], what: str) -> Outcome:
    notes, status = [], "converted"
    for rule in run.rules:
        st = _state(run, rule)
        if st.kind == "regex":
            notes.append(f"path {rule.path!r} is a regular expression: the strip cannot be expressed there")
            status = "implementation-specific"
            continue
        hit = None
        for p in prefixes:
            cur = st.value if st.kind == "full" else st.value + "/"
            if st.kind == "prefix" and (st.value.startswith(p) or p == st.value + "/"):
                hit = p
                break
            if st.kind == "full" and cur.startswith(p):
                hit = p
                break
        if hit is None:
            if any(p.startswith(st.value) for p in prefixes) and st.kind == "prefix":
                notes.append(f"on path {rule.path!r} only some requests start with one of {prefixes}: not stripped")
                status = "implementation-specific"
            continue
        if st.kind == "prefix" and hit == st.value + "/":
            notes.append(f"prefix {hit!r} ends with '/': Traefik left a request for {st.value or '/'!r} itself "
                         "unchanged, the rewrite makes it '/'")
            status = _worse(status, "approximated")
            st.value = ""
        else:
            rest = st.value[len(hit):]
            st.value = _lead(rest) if (rest or st.kind == "full") else ""
            if st.kind == "prefix" and st.value == "/":
                st.value = ""
        st.changed = True
        set_header(rule, "RequestHeaderModifier", "X-Forwarded-Prefix", hit)
    done = sum(1 for r in run.rules if run.states.get(id(r)) is not None and run.states[id(r)].changed)
    msg = f"{what} of {', '.join(repr(p) for p in prefixes)} " + (
        "became URLRewrite path rewrites (and the X-Forwarded-Prefix request header)" if done else "is not converted")
    if notes:
        msg += "; " + "; ".join(notes)
    return Outcome(status, msg, hint="" if status == "converted" else _EXT_HINT)


def _worse(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def strip_prefix_regex(run: Run, obj: Obj, conf: dict) -> Outcome:
    regexes = [str(r) for r in _list(conf.get("regex")) if r]
    literals = []
    for r in regexes:
        m = re.fullmatch(r"\^?(" + _LITERAL + r")", r)
        if not m:
            return Outcome("implementation-specific", f"the regular expression {r!r} has no Gateway API equivalent; "
                           "not converted", hint="Envoy Gateway HTTPRouteFilter urlRewrite.path ReplaceRegexMatch "
                           f"(ExtensionRef); {_EXT_HINT}")
        literals.append(re.sub(r"\\(.)", r"\1", m.group(1)))
    out = _strip(run, literals, "StripPrefixRegex (plain prefixes)")
    return out


def add_prefix(run: Run, obj: Obj, conf: dict) -> Outcome:
    prefix = str(conf.get("prefix") or "")
    if not prefix:
        return Outcome("converted", "no prefix: nothing to add")
    notes, status = [], "converted"
    for rule in run.rules:
        st = _state(run, rule)
        if st.kind == "regex":
            notes.append(f"path {rule.path!r} is a regular expression: the prefix cannot be added there")
            status = "implementation-specific"
            continue
        st.value = _lead(prefix).rstrip("/") + st.value if st.kind == "prefix" else \
            _lead(prefix).rstrip("/") + _lead(st.value)
        st.changed = True
    msg = f"the prefix {prefix!r} is added by URLRewrite path rewrites"
    return Outcome(status, msg + ("; " + "; ".join(notes) if notes else ""), hint=_EXT_HINT if notes else "")


def replace_path(run: Run, obj: Obj, conf: dict) -> Outcome:
    path = str(conf.get("path") or "")
    if not path.startswith("/"):
        return Outcome("unsupported", f"the path {path!r} does not start with '/'; not converted")
    for rule in run.rules:
        st = _state(run, rule)
        st.kind, st.value, st.changed = "full", path, True
    return Outcome("converted", f"URLRewrite ReplaceFullPath {path!r} (Traefik also kept the original path in the "
                   "X-Replaced-Path request header, which has no equivalent)")


def replace_path_regex(run: Run, obj: Obj, conf: dict) -> Outcome:
    regex, repl = str(conf.get("regex") or ""), str(conf.get("replacement") or "")
    m = re.fullmatch(r"\^(" + _LITERAL + r")\(\.\*\)\$?", regex)
    r = re.fullmatch(r"([^$]*)\$\{?1\}?", repl)
    hint = f"Envoy Gateway HTTPRouteFilter urlRewrite.path ReplaceRegexMatch (ExtensionRef); {_EXT_HINT}"
    if not m or not r:
        return Outcome("implementation-specific", f"the regular expression {regex!r} -> {repl!r} has no Gateway API "
                       "equivalent; not converted", hint=hint)
    old = re.sub(r"\\(.)", r"\1", m.group(1))
    new = r.group(1)
    done, notes = 0, []
    for rule in run.rules:
        st = _state(run, rule)
        if st.kind != "prefix" or old.rstrip("/") != st.value or old.endswith("/") != new.endswith("/"):
            notes.append(f"path {rule.path!r} is not the prefix {old!r} of the expression")
            continue
        st.value = _lead(new).rstrip("/") if new.strip("/") else ""
        st.changed = True
        done += 1
    if notes:
        return Outcome("implementation-specific", f"{regex!r} -> {repl!r}: " + "; ".join(notes) + "; not converted "
                       "there", hint=hint)
    shown = _lead(new).rstrip("/") or "/"
    return Outcome("approximated", f"{regex!r} -> {repl!r} became URLRewrite ReplacePrefixMatch {shown!r}; a request "
                   f"for {old.rstrip('/') or '/'!r} itself (which the expression did not match) is rewritten too")


# -- redirects ---------------------------------------------------------------------------------------------------------

def _code(permanent: bool) -> tuple[int, str]:
    if permanent:
        return 301, "301 (Traefik answered 301 to GET and 308 to other methods)"
    return 302, "302 (Traefik answered 302 to GET and 307 to other methods)"


def redirect_scheme(run: Run, obj: Obj, conf: dict) -> Outcome:
    scheme = str(conf.get("scheme") or "https").lower()
    port = str(conf.get("port") or "")
    code, words = _code(bool(conf.get("permanent")))
    return _scheme_redirect(run, scheme, port, code, words)


def _scheme_redirect(run: Run, scheme: str, port: str, code: int, words: str) -> Outcome:
    if scheme not in ("http", "https"):
        return Outcome("unsupported", f"scheme {scheme!r} is not http or https; not converted")
    default_port = {"http": "80", "https": "443"}[scheme]
    if port and not port.isdigit():
        return Outcome("unsupported", f"port {port!r} is not a number; not converted")
    redirect: dict = {"scheme": scheme}
    if port and port != default_port:
        redirect["port"] = int(port)
    redirect["statusCode"] = code
    sides, plain, never, both = [], [], [], []
    for rule in list(run.rules):
        if scheme == "http" and port in ("", default_port) and run.serves_http:
            # the redirect fires on HTTPS requests only (a request already on http:// is passed on)
            (both if rule.host in run.tls_hosts and run.serves_https else never).append(rule)
            continue
        if scheme == "https" and port in ("", default_port) and rule.host in run.tls_hosts:
            if run.serves_http:
                rule.https_redirect = code
            sides.append(rule)
            continue
        _redirect_filter(run, rule, redirect)
        plain.append(rule)
    parts = []
    if sides and not run.serves_http:
        parts.append(f"the routers for {_hosts(sides)} answer HTTPS only, where the redirect does not fire: nothing to "
                     "convert")
        sides = []
    if sides:
        parts.append(f"HTTP requests for {_hosts(sides)} are redirected to HTTPS with {words}; HTTPS requests are "
                     "served, as Traefik did")
    if plain:
        parts.append(f"every request for {_hosts(plain)} is redirected to {scheme}{':' + port if port else ''} with "
                     f"{words}" + ("; these hosts have no HTTPS side here, so the redirect target is not served by "
                                   "the output" if scheme == "https" and "port" not in redirect else ""))
    if never:
        parts.append(f"the routers for {_hosts(never)} answer plain HTTP only, where a redirect to http does not fire: "
                     "nothing to convert")
    if both:
        parts.append(f"HTTPS requests for {_hosts(both)} were redirected to plain HTTP, and HTTP requests served; a "
                     "Gateway API rule cannot redirect on one listener only, so the output serves HTTPS requests")
    return Outcome("approximated" if plain or sides or both else "converted", "; ".join(parts))


def _hosts(rules: list[Rule]) -> str:
    return ", ".join(repr(h or "*") for h in dict.fromkeys(r.host for r in rules))


def _redirect_filter(run: Run, rule: Rule, redirect: dict) -> None:
    rule.filters = [f for f in rule.filters if f["type"] not in ("URLRewrite", "RequestRedirect")]
    rule.filters.append({"type": "RequestRedirect", "requestRedirect": dict(redirect)})
    run.states.pop(id(rule), None)
    run.rules.remove(rule)
    run.redirected += 1


def redirect_regex(run: Run, obj: Obj, conf: dict) -> Outcome:
    regex, repl = str(conf.get("regex") or ""), str(conf.get("replacement") or "")
    code, words = _code(bool(conf.get("permanent")))
    hint = f"RequestRedirect on a dedicated rule when the target is fixed; {_EXT_HINT}"
    if re.fullmatch(r"\^?http:(?://|\\/\\/)\((?:\.\*|\.\+)\)\$?", regex) \
            and re.fullmatch(r"https://\$\{?1\}?", repl):  # `^http://(.*)` -> `https://${1}`: RedirectScheme https
        out = _scheme_redirect(run, "https", "", code, words)
        out.message = f"{regex!r} -> {repl!r} redirects HTTP requests to HTTPS: " + out.message
        return out
    host_move = _host_redirect(run, regex, repl, code, words)
    if host_move is not None:
        return host_move
    if "$" in repl or not re.fullmatch(r"\^?\.\*\$?|\^?https?://.*", regex):
        return Outcome("implementation-specific", f"the regular expression redirect {regex!r} -> {repl!r} has no "
                       "Gateway API equivalent; not converted", hint=hint)
    if not re.fullmatch(r"\^?\.\*\$?", regex):
        return Outcome("implementation-specific", f"the regular expression redirect {regex!r} -> {repl!r} only "
                       "redirects the URLs it matches; not converted", hint=hint)
    url = _url(repl)
    if url is None or url[0] not in ("http", "https") or not _HOST_OK.match(url[1]) \
            or not gateway_path_ok(url[3] or "/"):
        return Outcome("implementation-specific", f"the redirect target {repl!r} is not an absolute URL that a "
                       "RequestRedirect can carry; not converted", hint=hint)
    scheme, hostname, port, path, query = url
    redirect: dict = {"scheme": scheme, "hostname": hostname}
    if port:
        redirect["port"] = port
    redirect["path"] = {"type": "ReplaceFullPath", "replaceFullPath": path or "/"}
    redirect["statusCode"] = code
    for rule in list(run.rules):
        _redirect_filter(run, rule, redirect)
    return Outcome("approximated", f"every request is redirected to {repl!r} with {words}"
                   + ("; the query string is dropped" if query else ""))


def _host_redirect(run: Run, regex: str, repl: str, code: int, words: str) -> Outcome | None:
    """The common host move `^https?://www\\.a\\.com/(.*)` -> `https://a.com/${1}`: RequestRedirect hostname."""
    m = re.fullmatch(r"\^?(?:https\?|\(https\?\)|\.\*|\[a-z\]\+):(?://|\\/\\/)(" + _LITERAL
                     + r")/\((?:\.\*|\.\+)\)\$?", regex)
    r = re.fullmatch(r"(https?)://([A-Za-z0-9.-]+)(?::(\d+))?/\$\{?([12])\}?", repl)
    if not m or not r or int(r.group(4)) != (2 if regex.lstrip("^").startswith("(") else 1):
        return None
    old_host = re.sub(r"\\(.)", r"\1", m.group(1)).lower()
    redirect: dict = {"scheme": r.group(1), "hostname": r.group(2).lower()}
    if r.group(3):
        redirect["port"] = int(r.group(3))
    redirect["statusCode"] = code
    moved = [rule for rule in list(run.rules) if rule.host == old_host]
    for rule in moved:
        _redirect_filter(run, rule, redirect)
    if not moved:
        return Outcome("converted", f"the redirect {regex!r} -> {repl!r} matches host {old_host!r}, which none of the "
                       "rules serves: it never fired")
    return Outcome("approximated", f"requests for {old_host!r} are redirected to {r.group(1)}://{r.group(2)} with the "
                   f"same path and query, with {words}")


# -- headers -----------------------------------------------------------------------------------------------------------

_SECURITY = {
    "customFrameOptionsValue": "X-Frame-Options", "contentSecurityPolicy": "Content-Security-Policy",
    "contentSecurityPolicyReportOnly": "Content-Security-Policy-Report-Only", "referrerPolicy": "Referrer-Policy",
    "permissionsPolicy": "Permissions-Policy", "featurePolicy": "Feature-Policy", "publicKey": "Public-Key-Pins",
    "customBrowserXSSValue": "X-XSS-Protection",
}
_CORS_KEYS = ("accessControlAllowOriginList", "accessControlAllowOriginListRegex", "accessControlAllowMethods",
              "accessControlAllowHeaders", "accessControlExposeHeaders", "accessControlAllowCredentials",
              "accessControlMaxAge", "addVaryHeader")
_HANDLED = {"customRequestHeaders", "customResponseHeaders", "stsSeconds", "stsIncludeSubdomains", "stsPreload",
            "forceSTSHeader", "frameDeny", "contentTypeNosniff", "browserXssFilter", *_SECURITY, *_CORS_KEYS}


def headers(run: Run, obj: Obj, conf: dict) -> Outcome:
    done, notes, status = [], [], "converted"
    bad: set[str] = set()
    req = conf.get("customRequestHeaders") or {}
    resp = conf.get("customResponseHeaders") or {}
    for rule in run.rules:
        for name, value in (req.items() if isinstance(req, dict) else []):
            name, value = str(name), "" if value is None else str(value)
            if not _NAME_OK.match(name):
                bad.add(name)
            elif name.lower() == "host" and value:
                if _HOST_OK.match(value.lower()):
                    _filter(rule, "URLRewrite")["hostname"] = value.lower()
                else:
                    bad.add(name)
            elif not value:
                remove_header(rule, "RequestHeaderModifier", name)
            elif _value_ok(value):
                set_header(rule, "RequestHeaderModifier", name, value)
            else:
                bad.add(name)
        for name, value in (resp.items() if isinstance(resp, dict) else []):
            name, value = str(name), "" if value is None else str(value)
            if not _NAME_OK.match(name):
                bad.add(name)
            elif not value:
                remove_header(rule, "ResponseHeaderModifier", name)
            elif _value_ok(value):
                set_header(rule, "ResponseHeaderModifier", name, value)
            else:
                bad.add(name)
    if bad:
        notes.append(f"headers {sorted(bad)} have names or values a Gateway filter cannot carry (invalid header "
                     "names, multi-line values or over 4096 characters, a Host that is not a host name) and are left "
                     "out")
        status = _worse(status, "approximated")
    if req:
        done.append(f"request headers {sorted(req)}")
    if resp:
        done.append(f"response headers {sorted(resp)}")
    sec = _security_headers(run, conf)
    if sec:
        done.append(f"security headers {sec}")
    if any(k in conf for k in _CORS_KEYS):
        cors_status, cors_msg = _cors(run, conf)
        status = _worse(status, cors_status)
        done.append(cors_msg)
    if conf.get("isDevelopment"):
        notes.append("isDevelopment made Traefik skip some of these checks; the output always applies them")
        status = _worse(status, "approximated")
    if conf.get("sslRedirect") or conf.get("sslTemporaryRedirect"):
        code, words = _code(not conf.get("sslTemporaryRedirect"))
        out = _scheme_redirect(run, "https", "", code, words)
        done.append("sslRedirect: " + out.message)
        status = _worse(status, out.status)
    if conf.get("allowedHosts"):
        notes.append(f"allowedHosts {conf['allowedHosts']} (Traefik answered 400 to other Host headers) is not carried "
                     "over; the route hostnames restrict the hosts instead")
        status = _worse(status, "approximated")
    rest = sorted(k for k in conf if k not in _HANDLED and k not in ("isDevelopment", "sslRedirect",
                                                                     "sslTemporaryRedirect", "allowedHosts"))
    if rest:
        notes.append(f"{rest} have no Gateway API equivalent and are not carried over")
        status = _worse(status, "approximated")
    msg = "; ".join(done) or "nothing to convert"
    if notes:
        msg += "; " + "; ".join(notes)
    return Outcome(status, msg)


def _security_headers(run: Run, conf: dict) -> list[str]:
    values: dict[str, str] = {}
    if conf.get("frameDeny"):
        values["X-Frame-Options"] = "DENY"
    if conf.get("contentTypeNosniff"):
        values["X-Content-Type-Options"] = "nosniff"
    if conf.get("browserXssFilter"):
        values["X-XSS-Protection"] = "1; mode=block"
    for key, header in _SECURITY.items():
        if conf.get(key):
            values[header] = str(conf[key])
    sts = None
    try:
        seconds = int(conf.get("stsSeconds") or 0)
    except (TypeError, ValueError):
        seconds = 0
    if seconds > 0:
        sts = f"max-age={seconds}" + ("; includeSubDomains" if conf.get("stsIncludeSubdomains") else "") \
            + ("; preload" if conf.get("stsPreload") else "")
    for rule in run.rules:
        for header, value in values.items():
            if _value_ok(value):
                set_header(rule, "ResponseHeaderModifier", header, value)
        if sts and conf.get("forceSTSHeader"):
            set_header(rule, "ResponseHeaderModifier", "Strict-Transport-Security", sts)
        elif sts:
            rule.hsts = sts  # Traefik sends it on HTTPS requests only: the planner adds it to the HTTPS side
    out = sorted(values)
    if sts:
        out.append("Strict-Transport-Security" + ("" if conf.get("forceSTSHeader") else " (HTTPS only)"))
    return out


def _cors(run: Run, conf: dict) -> tuple[str, str]:
    status, notes = "converted", []
    cors: dict = {}
    origins = [str(o) for o in conf.get("accessControlAllowOriginList") or []]
    good = [o for o in origins if _CORS_ORIGIN.match(o)]
    if "*" in good:
        good = ["*"]
    if len(good) != len(origins) and good != ["*"]:
        notes.append(f"origins {sorted(set(origins) - set(good))} are not valid Gateway API CORS origins and are left "
                     "out")
        status = "approximated"
    if conf.get("accessControlAllowOriginListRegex"):
        notes.append(f"origin expressions {conf['accessControlAllowOriginListRegex']} have no equivalent (only "
                     "'*.' host wildcards) and are left out")
        status = "approximated"
    if good:
        cors["allowOrigins"] = good[:64]
    methods = [str(m).upper() for m in conf.get("accessControlAllowMethods") or []]
    ok_methods = ["*"] if "*" in methods else [m for m in dict.fromkeys(methods) if m in _CORS_METHODS]
    if ok_methods:
        cors["allowMethods"] = ok_methods
    for key, field_name in (("accessControlAllowHeaders", "allowHeaders"),
                            ("accessControlExposeHeaders", "exposeHeaders")):
        # Traefik joins the list with ', ' into the header: an entry 'A, B' is two names
        raw = [v.strip() for h in (conf.get(key) or []) if h is not None for v in str(h).split(",") if v.strip()]
        vals = [v for v in dict.fromkeys(raw) if v == "*" or _NAME_OK.match(v)]
        if len(vals) != len(dict.fromkeys(raw)):
            notes.append(f"{key} entries {sorted(set(raw) - set(vals))} are not header names and are left out")
            status = "approximated"
        if "*" in vals:
            vals = ["*"]
        if vals:
            cors[field_name] = vals[:64]
    if conf.get("accessControlAllowCredentials"):
        cors["allowCredentials"] = True
    try:
        max_age = int(conf.get("accessControlMaxAge") or 0)
    except (TypeError, ValueError):
        max_age = 0
    if max_age >= 1:
        cors["maxAge"] = max_age
    for rule in run.rules:
        rule.filters = [f for f in rule.filters if f["type"] != "CORS"]
        rule.filters.append({"type": "CORS", "cors": dict(cors)})
    msg = "CORS settings became the CORS filter (Traefik also answered preflights from origins it does not allow)"
    if notes:
        msg += " (" + "; ".join(notes) + ")"
    return status, msg


# -- other kinds -------------------------------------------------------------------------------------------------------

def retry(run: Run, obj: Obj, conf: dict) -> Outcome:
    try:
        attempts = int(conf.get("attempts") or 0)
    except (TypeError, ValueError):
        attempts = 0
    if attempts <= 1:
        return Outcome("converted", f"attempts {attempts}: no retry, nothing to convert")
    if not run.ctx.options.experimental:
        return Outcome("needs-experimental", f"{attempts - 1} retries on network errors are not carried over",
                       hint="with --channel experimental: HTTPRouteRule.retry; Envoy Gateway "
                       "BackendTrafficPolicy.retry")
    spec: dict = {"attempts": attempts - 1}
    interval = conf.get("initialInterval")
    if interval:
        with contextlib.suppress(ValueError):
            spec["backoff"] = format_duration(parse_duration(str(interval)))
    for rule in run.rules:
        rule.retry = dict(spec)
    return Outcome("approximated", f"HTTPRouteRule.retry with {attempts - 1} retries (Traefik counts the first try); "
                   "Traefik retried only network errors before the request was sent, the implementation decides what "
                   "it retries")


_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def service_of(host: str, namespace: str) -> tuple[str, str] | None:
    """(service, namespace) for an in-cluster DNS name: svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local."""
    labels = host.lower().split(".")
    if labels[-3:] == ["svc", "cluster", "local"]:
        labels = labels[:-3]
    elif labels[-1:] == ["svc"]:
        labels = labels[:-1]
    elif len(labels) == 2 and host.count(".") == 1 and labels[1] in ("com", "net", "org", "io", "dev", "app"):
        return None
    if not 1 <= len(labels) <= 2 or not all(_LABEL.match(x) for x in labels):
        return None
    return labels[0], labels[1] if len(labels) == 2 else namespace


def _url(text: str) -> tuple[str, str, int | None, str, str] | None:
    """(scheme, hostname, port, path, query) of an absolute URL, or None when Python cannot read it."""
    try:
        url = urlsplit(text)
        port = url.port
    except ValueError:
        return None
    return url.scheme.lower(), (url.hostname or "").lower(), port, url.path, url.query


def forward_auth(run: Run, obj: Obj, conf: dict) -> Outcome:
    address = str(conf.get("address") or "")
    hint = ("Envoy Gateway SecurityPolicy.extAuth; Istio AuthorizationPolicy CUSTOM; ExternalAuth filter (--channel "
            f"experimental) for in-cluster auth Services; {_EXT_HINT}")
    url = _url(address)
    target = service_of(url[1], obj.namespace) if url and url[0] in ("http", "https") and url[1] else None
    if not run.ctx.options.experimental:
        return Outcome("needs-experimental", f"forward authentication to {address!r} is not enforced",
                       hint=hint, security=True)
    if target is None:
        return Outcome("implementation-specific", f"the auth address {address!r} is not an in-cluster Service "
                       "URL (ExternalAuth needs a backendRef): authentication is not enforced", hint=hint,
                       security=True)
    assert url is not None
    scheme, _, url_port, url_path, _ = url
    svc, ns = target
    port = url_port or (443 if scheme == "https" else 80)
    ref = Backend(name=svc, port=port, namespace=ns if ns != run.ing.namespace else None).ref()
    ext: dict = {"protocol": "HTTP", "backendRef": ref, "http": {}}
    if url_path and url_path != "/" and gateway_path_ok(url_path):
        ext["http"]["path"] = url_path
    for key, field_name in (("authRequestHeaders", "allowedHeaders"),
                            ("authResponseHeaders", "allowedResponseHeaders")):
        names = conf.get(key) if isinstance(conf.get(key), list) else []
        names = list(dict.fromkeys(str(h) for h in names if h is not None and _NAME_OK.match(str(h))))
        if names:
            ext["http"][field_name] = names[:64]
    if conf.get("forwardBody"):
        try:
            size = int(conf.get("maxBodySize") or 0)
        except (TypeError, ValueError):
            size = 0
        if size > 0:
            ext["forwardBody"] = {"maxSize": min(size, 65535)}
    for rule in run.rules:
        rule.filters.append({"type": "ExternalAuth", "externalAuth": ext})
    notes = ["the Gateway sends the original method and path (appended to the auth path), accepts only 200, and "
             "forwards only the listed request headers (Traefik forwarded all of them)"]
    if scheme == "https":
        notes.append("the auth Service speaks HTTPS: give it a BackendTLSPolicy")
    if ns != run.ing.namespace:
        notes.append(f"the auth Service is in namespace {ns!r}: a ReferenceGrant there must allow HTTPRoutes of "
                     f"{run.ing.namespace!r}")
    if conf.get("authResponseHeadersRegex") or conf.get("addAuthCookiesToResponse") or conf.get("authSigninURL"):
        notes.append("authResponseHeadersRegex, addAuthCookiesToResponse and authSigninURL have no equivalent")
    return Outcome("approximated", f"ExternalAuth filter to {svc}.{ns}:{port}; " + "; ".join(notes), hint=hint,
                   security=True)


def _security(kind_words: str, hint: str) -> object:
    def handler(run: Run, obj: Obj, conf: dict) -> Outcome:
        return Outcome("implementation-specific", f"{kind_words} is not enforced: Gateway API has no equivalent",
                       hint=f"{hint}; {_EXT_HINT}", security=True)
    return handler


def _specific(kind_words: str, hint: str, status: str = "implementation-specific") -> object:
    def handler(run: Run, obj: Obj, conf: dict) -> Outcome:
        return Outcome(status, f"{kind_words} has no Gateway API equivalent; not converted",
                       hint=f"{hint}; {_EXT_HINT}" if hint else _EXT_HINT)
    return handler


def _noop(run: Run, obj: Obj, conf: dict) -> Outcome:
    return Outcome("converted", "nothing to carry over")


_KIND_NAMES = {k.lower(): k for k in (
    "AddPrefix", "StripPrefix", "StripPrefixRegex", "ReplacePath", "ReplacePathRegex", "RedirectScheme",
    "RedirectRegex", "Headers", "Chain", "Retry", "ForwardAuth", "BasicAuth", "DigestAuth", "IPAllowList",
    "IPWhiteList", "RateLimit", "InFlightReq", "Plugin", "EncodedCharacters", "PassTLSClientCert", "Buffering",
    "Compress", "CircuitBreaker", "Errors", "GrpcWeb", "ContentType")}
_IP_HINT = ("Envoy Gateway SecurityPolicy.authorization (clientCIDRs, defaultAction Deny); Istio AuthorizationPolicy "
            "ipBlocks; Kong ip-restriction plugin")
_RATE_HINT = "Envoy Gateway BackendTrafficPolicy.rateLimit; kgateway TrafficPolicy; Kong rate-limiting plugin"
_KINDS = {
    "stripprefix": strip_prefix,
    "stripprefixregex": strip_prefix_regex,
    "addprefix": add_prefix,
    "replacepath": replace_path,
    "replacepathregex": replace_path_regex,
    "redirectscheme": redirect_scheme,
    "redirectregex": redirect_regex,
    "headers": headers,
    "retry": retry,
    "forwardauth": forward_auth,
    "basicauth": _security("basic authentication", "Envoy Gateway SecurityPolicy.basicAuth (htpasswd with {SHA} "
                           "hashes); Kong basic-auth plugin"),
    "digestauth": _security("digest authentication", "no Gateway implementation but Traefik supports it"),
    "ipallowlist": _security("the client IP allow-list", _IP_HINT),
    "ipwhitelist": _security("the client IP allow-list", _IP_HINT),
    "ratelimit": _security("the rate limit", _RATE_HINT),
    "inflightreq": _security("the in-flight request limit", "Envoy Gateway BackendTrafficPolicy.circuitBreaker."
                             "maxParallelRequests (per backend)"),
    "plugin": _security("the Traefik plugin (often authentication or a WAF)", "the plugin's own Gateway integration"),
    "encodedcharacters": _security("the encoded-character filter", "Envoy Gateway ClientTrafficPolicy.path."
                                   "escapedSlashesAction"),
    "passtlsclientcert": _specific("passing the client certificate", "Envoy Gateway ClientTrafficPolicy.headers."
                                   "xForwardedClientCert"),
    "buffering": _specific("request/response buffering and body limits", "NGINX Gateway Fabric ClientSettingsPolicy."
                           "body.maxSize; kgateway TrafficPolicy buffer; Envoy Gateway ClientTrafficPolicy"),
    "compress": _specific("response compression", "Envoy Gateway BackendTrafficPolicy.compression"),
    "circuitbreaker": _specific("the circuit breaker", "Envoy Gateway BackendTrafficPolicy.circuitBreaker and "
                                "healthCheck.passive; Istio DestinationRule outlierDetection"),
    "errors": _specific("custom error pages", "Envoy Gateway BackendTrafficPolicy.responseOverride"),
    "grpcweb": _specific("gRPC-Web translation", "Envoy-based gateways' gRPC-Web support"),
    "contenttype": _specific("Content-Type detection", "", status="unsupported"),
}
