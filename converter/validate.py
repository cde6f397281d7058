"""Validate Gateway API objects against CRDs the way a kube-apiserver would, without a cluster.

For each object (as on a create): find the served (group, version, kind), apply schema defaults,
check ObjectMeta, validate the structural schema strictly (unknown fields are errors, like
server-side field validation), check list-type map/set uniqueness, then evaluate the
``x-kubernetes-validations`` CEL rules with the ``cel`` package plus the Kubernetes CEL
library functions the Gateway API CRDs use.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import cel
import yaml
from cel.stdlib import STDLIB_FUNCTIONS
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.validators import extend

__all__ = [
    "CEL_UNEVALUATED",
    "GATEWAY_API_GROUPS",
    "CRDSet",
    "CelRuleUnsupportedError",
    "SchemaError",
    "compile_rule",
    "load_crds",
    "validate_documents",
]

GATEWAY_API_GROUPS = frozenset({"gateway.networking.k8s.io", "gateway.networking.x-k8s.io"})
CEL_UNEVALUATED = "CEL rule could not be evaluated"
_NOT_CHECKED = (
    "some validation rules were not checked because the object was invalid; "
    "correct the existing errors to complete validation"
)
# kube-apiserver skips CEL when schema validation reports one of these (hasBlockingErr).
_BLOCKING = frozenset({"type", "enum", "required", "maxLength", "maxItems", "maxProperties"})
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_GVK = tuple[str, str, str]

# cel-rust logs a warning for every Python callback that raises; we report those errors ourselves.
logging.getLogger("cel").addFilter(lambda record: not record.getMessage().startswith("Python function"))


@dataclass(frozen=True)
class SchemaError:
    """One validation failure: where (``spec.rules[0].matches``), what, and the CEL rule if any."""

    path: str
    message: str
    rule: str | None = None

    def __str__(self) -> str:
        return f"{self.path or '<root>'}: {self.message}"


class CelRuleUnsupportedError(ValueError):
    """A CEL rule that cannot be compiled or uses functions this module does not provide."""


# --------------------------------------------------------------------------- paths

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _join(path: str, part: str | int) -> str:
    """Append a property, map key or list index to a dotted field path."""
    if isinstance(part, int):
        return f"{path}[{part}]"
    if not _IDENT.match(part):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _format_path(parts: Iterable[str | int]) -> str:
    path = ""
    for part in parts:
        path = _join(path, part)
    return path


def _join_field_path(path: str, field_path: str | None) -> str:
    """Append a rule's relative ``fieldPath`` (``.spec.x`` or ``.x['y']``) to ``path``."""
    if not field_path:
        return path
    suffix = field_path.lstrip(".")
    return f"{path}.{suffix}" if path else suffix


# --------------------------------------------------------------------------- Kubernetes names

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?\Z")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")


def dns1123_label_errors(value: str) -> list[str]:
    """Errors for an RFC 1123 label (namespace names, port names), as Kubernetes words them."""
    errs = [] if len(value) <= 63 else ["must be no more than 63 characters"]
    if not _DNS1123_LABEL.match(value):
        errs.append(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character"
        )
    return errs


def dns1123_subdomain_errors(value: str) -> list[str]:
    """Errors for an RFC 1123 subdomain (most object names)."""
    errs = [] if len(value) <= 253 else ["must be no more than 253 characters"]
    if not _DNS1123_SUBDOMAIN.match(value):
        errs.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return errs


def _dns1035_label_errors(value: str) -> list[str]:
    errs = [] if len(value) <= 63 else ["must be no more than 63 characters"]
    if not _DNS1035_LABEL.match(value):
        errs.append(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
            "start with an alphabetic character, and end with an alphanumeric character"
        )
    return errs


def _qualified_name_errors(value: str) -> list[str]:
    prefix, _, name = value.rpartition("/")
    errs = [f"prefix part {e}" for e in dns1123_subdomain_errors(prefix)] if "/" in value else []
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        errs.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', at most 63 characters, "
            "and must start and end with an alphanumeric character"
        )
    return errs


def _label_value_errors(value: str) -> list[str]:
    if len(value) <= 63 and _LABEL_VALUE.match(value):
        return []
    return [
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
        "at most 63 characters, and must start and end with an alphanumeric character"
    ]


# --------------------------------------------------------------------------- ObjectMeta

# fmt: off
_OBJECT_META_FIELDS = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
})
# fmt: on


def _metadata_errors(meta: Any, namespaced: bool) -> list[SchemaError]:
    """ObjectMeta checks the API server runs (the CRD schema only says ``type: object``)."""
    if not isinstance(meta, dict):
        return [SchemaError("metadata", "Required value: metadata must be an object")]
    errs = [SchemaError(f"metadata.{k}", f'unknown field "metadata.{k}"') for k in meta if k not in _OBJECT_META_FIELDS]
    name = meta.get("name")
    if not name and not meta.get("generateName"):
        errs.append(SchemaError("metadata.name", "Required value: name or generateName is required"))
    elif name:
        errs += _string_errors("metadata.name", name, dns1123_subdomain_errors)
    namespace = meta.get("namespace")
    if namespaced and namespace:
        errs += _string_errors("metadata.namespace", namespace, dns1123_label_errors)
    errs += _string_map_errors("metadata.labels", meta.get("labels"), _label_value_errors)
    errs += _string_map_errors("metadata.annotations", meta.get("annotations"), None)
    return errs


def _string_errors(path: str, value: Any, check: Callable[[str], list[str]]) -> list[SchemaError]:
    if not isinstance(value, str):
        return [SchemaError(path, "Invalid value: must be a string")]
    return [SchemaError(path, f"Invalid value: {json.dumps(value)}: {msg}") for msg in check(value)]


def _string_map_errors(path: str, value: Any, check_value: Callable[[str], list[str]] | None) -> list[SchemaError]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [SchemaError(path, "Invalid value: must be a map of string to string")]
    errs: list[SchemaError] = []
    for key, val in value.items():
        errs += _string_errors(path, key, _qualified_name_errors)
        errs += _string_errors(_join(path, str(key)), val, check_value or (lambda _s: []))
    return errs


# --------------------------------------------------------------------------- Kubernetes CEL library


def _parse_ip(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Parse like Kubernetes' CEL ``ip()``: no zones, no IPv4-mapped IPv6, no leading zeros."""
    if not isinstance(value, str) or "%" in value:
        return None
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return None
    return addr


def _is_ip(value: str) -> bool:
    return _parse_ip(value) is not None


def _is_cidr(value: str) -> bool:
    addr, sep, prefix = value.partition("/") if isinstance(value, str) else ("", "", "")
    if not sep or _parse_ip(addr) is None or not prefix.isdigit():
        return False
    return int(prefix) <= (32 if ":" not in addr else 128)


def _is_url(value: str) -> bool:
    """Approximates Go's ``url.ParseRequestURI``: absolute URL or absolute path, no fragment."""
    if not isinstance(value, str) or not value or "#" in value or any(c in value for c in " \t\r\n"):
        return False
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme) or value.startswith("/")


_FORMATS: dict[str, Callable[[str], list[str]]] = {
    "dns1123Label": dns1123_label_errors,
    "dns1123Subdomain": dns1123_subdomain_errors,
    "dns1035Label": _dns1035_label_errors,
    "qualifiedName": _qualified_name_errors,
    "labelValue": _label_value_errors,
    "uri": lambda s: [] if _is_url(s) else ["invalid URI"],
}


def _format_validate(fmt: str, value: str) -> list[str] | None:
    """``<Format>.validate(s)``: null when valid (the intent of ``... == null`` in the CRDs), else errors."""
    errors = _FORMATS[fmt](value)
    return errors or None


def _index_of(container: Any, item: Any, offset: int = 0) -> int:
    """Kubernetes' ``indexOf`` for lists and strings."""
    if isinstance(container, list):
        return container.index(item) if item in container else -1
    return STDLIB_FUNCTIONS["indexOf"](container, item, offset)


def _find(value: str, pattern: str) -> str:
    match = re.search(pattern, value)
    return match.group(0) if match else ""


def _k8s_functions() -> dict[str, Callable[..., Any]]:
    funcs: dict[str, Callable[..., Any]] = dict(STDLIB_FUNCTIONS)
    funcs.update(
        {
            "isIP": _is_ip,
            "isCIDR": _is_cidr,
            "isURL": _is_url,
            "validate": _format_validate,
            "indexOf": _index_of,
            "find": _find,
            "findAll": lambda value, pattern, limit=-1: re.findall(pattern, value)[: None if limit < 0 else limit],
            "isSorted": lambda items: all(a <= b for a, b in zip(items, items[1:], strict=False)),
        }
    )
    for name in _FORMATS:
        funcs[f"format.{name}"] = (lambda n: lambda: n)(name)
    return funcs


_CEL_FUNCTIONS = _k8s_functions()
# fmt: off
_CEL_BUILTINS = frozenset({
    "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double", "string", "bytes", "dyn",
    "type", "duration", "timestamp", "of", "none", "hasValue", "value", "orValue", "or", "getFullYear",
    "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek", "getHours", "getMinutes",
    "getSeconds", "getMilliseconds",
})
# fmt: on
_CEL_KNOWN = _CEL_BUILTINS | {name.rpartition(".")[2] for name in _CEL_FUNCTIONS}
_local = threading.local()  # per-thread CEL contexts


def _cel_context(functions: frozenset[str]) -> cel.Context:
    """A per-thread context with ``functions`` registered (contexts are not thread-safe).

    Registering only the functions a kind's rules use keeps ``add_variable`` + ``execute`` cheap.
    """
    cache: dict[frozenset[str], cel.Context] = _local.__dict__.setdefault("contexts", {})
    ctx = cache.get(functions)
    if ctx is None:
        ctx = cache[functions] = cel.Context(functions={name: _CEL_FUNCTIONS[name] for name in functions})
    return ctx


def _functions_used(programs: Iterable[cel.Program]) -> frozenset[str]:
    """The registered extension functions (full dotted names) that ``programs`` call."""
    called = {name for program in programs for name in program.functions()}
    return frozenset(name for name in _CEL_FUNCTIONS if name.rpartition(".")[2] in called)


@cache
def compile_rule(rule: str) -> cel.Program:
    """Compile a CEL rule once; raise CelRuleUnsupportedError if it cannot run here."""
    try:
        program = cel.compile(rule)
    except Exception as exc:  # the parser raises ValueError, but be defensive about the extension
        raise CelRuleUnsupportedError(f"parse error: {exc}") from exc
    unknown = sorted(f for f in program.functions() if f[0] not in "_@!-" and f not in _CEL_KNOWN)
    if unknown:
        raise CelRuleUnsupportedError(f"unsupported function(s): {', '.join(unknown)}")
    return program


def _is_unsupported(exc: Exception) -> bool:
    return isinstance(exc, RuntimeError) and str(exc).startswith("Undefined variable or function")


def _eval_error_text(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"no such key: {exc.args[0] if exc.args else ''}"
    return str(exc).split(". Check ", 1)[0].split(". CEL does not", 1)[0]


# --------------------------------------------------------------------------- CEL rules over a schema

# fmt: off
_CEL_RESERVED = frozenset({
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
    "import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
})
# fmt: on
_CEL_ESCAPES = {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}
_CEL_ESCAPE_RE = re.compile(r"__|[-./]|[^a-zA-Z0-9_]")


def _escape_cel_name(name: str) -> str | None:
    """Kubernetes' property-name escaping for CEL (``namespace`` -> ``__namespace__``); None if inaccessible."""
    if not name or name[0].isdigit():
        return None
    if name in _CEL_RESERVED:
        return f"__{name}__"
    ok = True

    def repl(match: re.Match[str]) -> str:
        nonlocal ok
        if match.group(0) in _CEL_ESCAPES:
            return _CEL_ESCAPES[match.group(0)]
        ok = False
        return ""

    escaped = _CEL_ESCAPE_RE.sub(repl, name)
    return escaped if ok else None


@dataclass(frozen=True)
class _Rule:
    rule: str
    message: str | None
    message_expression: str | None
    field_path: str | None
    program: cel.Program | None
    unsupported: str | None


@dataclass
class _CelNode:
    """The part of a schema that matters for CEL: rules, escaped property names, and children."""

    type: str | None
    rules: tuple[_Rule, ...] = ()
    props: dict[str, tuple[str | None, _CelNode | None]] = field(default_factory=dict)
    items: _CelNode | None = None
    values: _CelNode | None = None
    has_rules: bool = False
    needs_view: bool = False


def _make_rule(spec: Mapping[str, Any]) -> _Rule | None:
    text = str(spec.get("rule", ""))
    program, unsupported = None, None
    try:
        program = compile_rule(text)
    except CelRuleUnsupportedError as exc:
        unsupported = str(exc)
    if program is not None and "oldSelf" in program.variables():
        return None  # transition rule: does not apply on create
    return _Rule(text, spec.get("message"), spec.get("messageExpression"), spec.get("fieldPath"), program, unsupported)


def _build_cel_node(schema: Mapping[str, Any]) -> _CelNode | None:
    """Build the CEL tree for ``schema``; None when the subtree has neither rules nor escaped names."""
    rules = tuple(r for r in map(_make_rule, schema.get("x-kubernetes-validations") or ()) if r is not None)
    node = _CelNode(type=schema.get("type"), rules=rules)
    for name, sub in (schema.get("properties") or {}).items():
        child, cel_name = _build_cel_node(sub), _escape_cel_name(name)
        if child is not None or cel_name != name:
            node.props[name] = (cel_name, child)
    if isinstance(schema.get("items"), dict):
        node.items = _build_cel_node(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        node.values = _build_cel_node(schema["additionalProperties"])
    children = [c for _, c in node.props.values() if c is not None] + [c for c in (node.items, node.values) if c]
    node.has_rules = bool(rules) or any(c.has_rules for c in children)
    node.needs_view = any(n != k for k, (n, _) in node.props.items()) or any(c.needs_view for c in children)
    return node if node.has_rules or node.needs_view else None


def _cel_view(value: Any, node: _CelNode | None) -> Any:
    """The value as CEL sees it: property names escaped (and inaccessible ones dropped)."""
    if node is None or not node.needs_view:
        return value
    if isinstance(value, dict):
        if node.values is not None:
            return {k: _cel_view(v, node.values) for k, v in value.items()}
        out = {}
        for key, val in value.items():
            cel_name, child = node.props.get(key, (key, None))
            if cel_name is not None:
                out[cel_name] = _cel_view(val, child)
        return out
    if isinstance(value, list):
        return [_cel_view(v, node.items) for v in value]
    return value


_PY_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


def _eval_node(value: Any, node: _CelNode, path: str, out: list[SchemaError], ctx: cel.Context) -> None:
    """Evaluate the rules at ``node`` and below; ``value`` is the CEL view of the data."""
    if node.rules and (node.type is None or isinstance(value, _PY_TYPES.get(node.type, object))):
        ctx.add_variable("self", value)
        out.extend(err for rule in node.rules if (err := _check_rule(rule, ctx, path)) is not None)
    if isinstance(value, dict):
        for name, (cel_name, child) in node.props.items():
            if child is not None and child.has_rules and cel_name in value:
                _eval_node(value[cel_name], child, _join(path, name), out, ctx)
        if node.values is not None and node.values.has_rules:
            for key, val in value.items():
                _eval_node(val, node.values, _join(path, str(key)), out, ctx)
    elif isinstance(value, list) and node.items is not None and node.items.has_rules:
        for index, item in enumerate(value):
            _eval_node(item, node.items, _join(path, index), out, ctx)


def _check_rule(rule: _Rule, ctx: cel.Context, path: str) -> SchemaError | None:
    where = _join_field_path(path, rule.field_path)
    if rule.program is None:
        return SchemaError(where, f"{CEL_UNEVALUATED}: {rule.unsupported}", rule.rule)
    try:
        result = rule.program.execute(ctx)
    except Exception as exc:  # cel raises KeyError/TypeError/IndexError/RuntimeError/ValueError
        if _is_unsupported(exc):
            return SchemaError(where, f"{CEL_UNEVALUATED}: {exc}", rule.rule)
        return SchemaError(
            where, f"{_rule_message(rule, ctx)} (rule evaluation error: {_eval_error_text(exc)})", rule.rule
        )
    if result is True:
        return None
    if result is False:
        return SchemaError(where, _rule_message(rule, ctx), rule.rule)
    return SchemaError(where, f"{CEL_UNEVALUATED}: rule returned {type(result).__name__}, not bool", rule.rule)


def _rule_message(rule: _Rule, ctx: cel.Context) -> str:
    if rule.message_expression:
        try:
            msg = compile_rule(rule.message_expression).execute(ctx)
            if isinstance(msg, str) and msg.strip():
                return msg
        except Exception:  # noqa: BLE001 - the API server falls back to message on any error
            pass
    return rule.message or f"failed rule: {rule.rule}"


# --------------------------------------------------------------------------- structural schema -> JSON Schema

# fmt: off
_PASSTHROUGH = (
    "type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
    "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "format",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
)
# fmt: on


def _to_jsonschema(schema: Mapping[str, Any], *, junctor: bool = False) -> dict[str, Any]:
    """Translate an OpenAPI v3 structural schema into Draft 4 JSON Schema with strict objects."""
    out: dict[str, Any] = {k: schema[k] for k in _PASSTHROUGH if k in schema}
    if schema.get("required"):
        out["required"] = list(schema["required"])
    if "properties" in schema:
        out["properties"] = {k: _to_jsonschema(v, junctor=junctor) for k, v in schema["properties"].items()}
    if isinstance(schema.get("items"), dict):
        out["items"] = _to_jsonschema(schema["items"], junctor=junctor)
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            out[key] = [_to_jsonschema(s, junctor=True) for s in schema[key]]
    if "not" in schema:
        out["not"] = _to_jsonschema(schema["not"], junctor=True)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out["additionalProperties"] = _to_jsonschema(extra, junctor=junctor)
    elif extra is False or (
        extra is None
        and not junctor
        and schema.get("type") == "object"
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if schema.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if schema.get("nullable") and "type" in out:
        out["type"] = [*([out["type"]] if isinstance(out["type"], str) else out["type"]), "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


_DRAFT4 = Draft4Validator.VALIDATORS


def _kw_additional_properties(validator: Any, extra: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    """Strict unknown-field rejection, one error per field (like server-side field validation)."""
    if extra is not False or not validator.is_type(instance, "object"):
        yield from _DRAFT4["additionalProperties"](validator, extra, instance, schema)
        return
    known = schema.get("properties", {})
    for name in instance:
        if name not in known:
            yield ValidationError(f'unknown field "{name}"', path=[name])


def _kw_required(validator: Any, required: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if validator.is_type(instance, "object"):
        for name in required:
            if name not in instance:
                yield ValidationError("Required value", path=[name])


def _kw_list_type(validator: Any, list_type: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    """``x-kubernetes-list-type``: ``set`` items and ``map`` keys must be unique."""
    if list_type not in ("set", "map") or not validator.is_type(instance, "array"):
        return
    keys = schema.get("x-kubernetes-list-map-keys") or []
    seen: set[str] = set()
    for index, item in enumerate(instance):
        if list_type == "map":
            if not isinstance(item, dict):
                continue
            item = {k: item.get(k) for k in keys}
        token = json.dumps(item, sort_keys=True, default=str)
        if token in seen:
            yield ValidationError(f"Duplicate value: {token}", path=[index])
        seen.add(token)


def _check_ipv4(value: Any) -> bool:
    return not isinstance(value, str) or isinstance(_parse_ip(value), ipaddress.IPv4Address)


def _check_ipv6(value: Any) -> bool:
    return not isinstance(value, str) or (":" in value and "%" not in value and _parse_ipv6(value))


def _parse_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z")


def _check_date_time(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return False
    return True


_FORMAT_CHECKER = FormatChecker(formats=())
_FORMAT_CHECKER.checks("ipv4")(_check_ipv4)
_FORMAT_CHECKER.checks("ipv6")(_check_ipv6)
_FORMAT_CHECKER.checks("date-time")(_check_date_time)

_SchemaValidator = extend(
    Draft4Validator,
    validators={
        "additionalProperties": _kw_additional_properties,
        "required": _kw_required,
        "x-kubernetes-list-type": _kw_list_type,
    },
)


_MESSAGES: dict[str, str] = {
    "maxItems": "Too many: {n}: must have at most {v} items",
    "minItems": "Invalid value: {n}: must have at least {v} items",
    "maxLength": "Too long: may not be more than {v} bytes",
    "minLength": "Invalid value: {j}: should be at least {v} chars long",
    "maxProperties": "Too many: {n}: must have at most {v} items",
    "minProperties": "Invalid value: {n}: must have at least {v} items",
    "pattern": "Invalid value: {j}: should match '{v}'",
    "maximum": "Invalid value: {j}: should be less than or equal to {v}",
    "minimum": "Invalid value: {j}: should be greater than or equal to {v}",
    "format": "Invalid value: {j}: must be of format {v}",
    "uniqueItems": "Duplicate value: items must be unique",
    "anyOf": "Invalid value: {j}: must match at least one of the anyOf schemas",
    "oneOf": "Invalid value: {j}: must match exactly one of the oneOf schemas",
    "not": "Invalid value: {j}: must not match the 'not' schema",
}


def _error_message(error: ValidationError) -> str:
    """Kubernetes-like wording (jsonschema's messages embed the whole instance)."""
    instance, value = error.instance, error.validator_value
    if error.validator == "type":
        return f"Invalid value: {type(instance).__name__}: must be of type {value}"
    if error.validator == "enum":
        supported = ", ".join(json.dumps(v) for v in value)
        return f"Unsupported value: {_short_json(instance)}: supported values: {supported}"
    template = _MESSAGES.get(str(error.validator))
    if template is None:
        return error.message if len(error.message) <= 300 else error.message[:297] + "..."
    size = len(instance) if isinstance(instance, (list, dict, str)) else instance
    return template.format(n=size, v=value, j=_short_json(instance))


def _short_json(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


# --------------------------------------------------------------------------- defaulting


def _copy_json(value: Any) -> Any:
    """Deep copy of JSON-like data with plain Python types (YAML timestamps become RFC 3339 strings)."""
    if isinstance(value, dict):
        return {str(k): _copy_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy_json(v) for v in value]
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (str, int, float)) and type(value) not in (str, int, float, bool):
        return _plain_scalar(value)  # e.g. ruamel.yaml's ScalarFloat, ScalarBoolean, LiteralScalarString
    return value


def _plain_scalar(value: str | int | float) -> str | int | float | bool:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return float(value)
    return bool(value) if type(value).__name__ == "ScalarBoolean" else int(value)


def _apply_defaults(value: Any, schema: Mapping[str, Any]) -> None:
    """Structural defaulting in place: prune non-nullable nulls, fill absent fields with ``default``."""
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            _default_member(value, name, sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name in list(value):
                _default_member(value, name, extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _apply_defaults(item, schema["items"])


def _default_member(obj: dict[str, Any], name: str, sub: Mapping[str, Any]) -> None:
    if name in obj and obj[name] is None and not sub.get("nullable"):
        del obj[name]
    if name not in obj and "default" in sub:
        obj[name] = _copy_json(sub["default"])
    if name in obj:
        _apply_defaults(obj[name], sub)


# --------------------------------------------------------------------------- CRD set


def _split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


@dataclass(frozen=True)
class _Served:
    schema: dict[str, Any]
    namespaced: bool


@dataclass(frozen=True)
class _Compiled:
    schema: dict[str, Any]
    namespaced: bool
    validator: Any
    cel_root: _CelNode | None
    functions: frozenset[str]


class CRDSet:
    """Served CRD versions indexed by (group, version, kind); validators are compiled once, on first use."""

    def __init__(self, crds: Iterable[Mapping[str, Any]] = ()) -> None:
        self._served: dict[_GVK, _Served] = {}
        self._compiled: dict[_GVK, _Compiled] = {}
        self._lock = threading.Lock()
        for crd in crds:
            self.add(crd)

    def add(self, crd: Mapping[str, Any]) -> None:
        """Index the served versions of one CustomResourceDefinition (apiextensions.k8s.io/v1)."""
        spec = crd.get("spec") or {}
        group, kind = spec.get("group", ""), (spec.get("names") or {}).get("kind", "")
        namespaced = spec.get("scope", "Namespaced") == "Namespaced"
        for version in spec.get("versions") or ():
            schema = ((version.get("schema") or {}).get("openAPIV3Schema")) or {"type": "object"}
            key = (group, version.get("name", ""), kind)
            self._compiled.pop(key, None)
            self._served.pop(key, None)
            if version.get("served"):
                self._served[key] = _Served(schema, namespaced)

    def __len__(self) -> int:
        return len(self._served)

    @property
    def groups(self) -> frozenset[str]:
        """API groups that have at least one served kind."""
        return frozenset(g for g, _, _ in self._served)

    def kinds(self) -> list[_GVK]:
        """Sorted (group, version, kind) triples that are served."""
        return sorted(self._served)

    def knows(self, api_version: str, kind: str) -> bool:
        """Whether ``apiVersion``/``kind`` is served by this CRD set."""
        return (*_split_api_version(api_version), kind) in self._served

    def rules(self) -> Iterator[str]:
        """Every CEL rule text in the served schemas (with repeats)."""
        for served in self._served.values():
            yield from _iter_rules(served.schema)

    def validate(self, obj: Mapping[str, Any]) -> list[SchemaError]:
        """Validate one object as a create request would; an empty list means it would be accepted."""
        if not isinstance(obj, Mapping):
            return [SchemaError("", "Invalid value: object must be a mapping")]
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not api_version or not isinstance(kind, str) or not kind:
            return [SchemaError("apiVersion" if not api_version else "kind", "Required value")]
        key = (*_split_api_version(api_version), kind)
        if key not in self._served:
            return [SchemaError("", f'no matches for kind "{kind}" in version "{api_version}"')]
        return _validate_object(_copy_json(obj), self._compile(key))

    def _compile(self, key: _GVK) -> _Compiled:
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    compiled = self._compiled[key] = _compile_served(self._served[key])
        return compiled


def _compile_served(served: _Served) -> _Compiled:
    schema = dict(served.schema)
    props = dict(schema.get("properties") or {})
    props.setdefault("apiVersion", {"type": "string"})  # implicit at the root of every CRD
    props.setdefault("kind", {"type": "string"})
    props["metadata"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}  # checked separately
    schema["properties"] = props
    validator = _SchemaValidator(_to_jsonschema(schema), format_checker=_FORMAT_CHECKER)
    cel_root = _build_cel_node(schema)
    programs = [r.program for r in _iter_cel_rules(cel_root) if r.program is not None]
    programs += [compile_rule(r.message_expression) for r in _iter_cel_rules(cel_root) if r.message_expression]
    return _Compiled(schema, served.namespaced, validator, cel_root, _functions_used(programs))


def _iter_cel_rules(node: _CelNode | None) -> Iterator[_Rule]:
    if node is None:
        return
    yield from node.rules
    for _, child in node.props.values():
        yield from _iter_cel_rules(child)
    yield from _iter_cel_rules(node.items)
    yield from _iter_cel_rules(node.values)


def _validate_object(doc: dict[str, Any], kind: _Compiled) -> list[SchemaError]:
    """Default, then schema + metadata checks, then CEL unless a blocking error was found."""
    _apply_defaults(doc, kind.schema)
    meta_errors = _metadata_errors(doc.get("metadata"), kind.namespaced)
    schema_errors = sorted(kind.validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    errors = meta_errors + [SchemaError(_format_path(e.absolute_path), _error_message(e)) for e in schema_errors]
    blocking = any(e.validator in _BLOCKING for e in schema_errors) or any(
        e.message.startswith("Required value") for e in meta_errors
    )
    if kind.cel_root is not None:
        if blocking:
            errors.append(SchemaError("", _NOT_CHECKED))
        else:
            ctx = _cel_context(kind.functions)
            _eval_node(_cel_view(doc, kind.cel_root), kind.cel_root, "", errors, ctx)
    return errors


def _iter_rules(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for rule in schema.get("x-kubernetes-validations") or ():
            yield str(rule.get("rule", ""))
        for key, value in schema.items():
            if key not in ("x-kubernetes-validations", "default", "enum", "example"):
                yield from _iter_rules(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _iter_rules(item)


# --------------------------------------------------------------------------- loading


def _yaml_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
    else:
        yield path


def _crd_docs(path: Path) -> Iterator[dict[str, Any]]:
    """CustomResourceDefinitions in a YAML file (also inside ``kind: List`` documents)."""
    try:
        with path.open(encoding="utf-8") as fh:
            docs = list(yaml.load_all(fh, Loader=_YAML_LOADER))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: invalid YAML: {exc}") from exc
    stack = [d for d in reversed(docs) if isinstance(d, dict)]
    while stack:
        doc = stack.pop()
        if doc.get("kind") == "CustomResourceDefinition":
            yield doc
        elif str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
            stack.extend(d for d in reversed(doc["items"]) if isinstance(d, dict))


def load_crds(paths: Iterable[str | Path]) -> CRDSet:
    """Load CRDs from files, folders (recursively, ``*.yaml``/``*.yml``) or release install YAMLs."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    crds = CRDSet()
    for path in paths:
        for file in _yaml_files(Path(path)):
            for doc in _crd_docs(file):
                crds.add(doc)
    return crds


def validate_documents(docs: Iterable[Mapping[str, Any]], crds: CRDSet) -> list[tuple[int, SchemaError]]:
    """Validate the Gateway API (or other CRD-backed) documents; core kinds are skipped."""
    groups = GATEWAY_API_GROUPS | crds.groups
    out: list[tuple[int, SchemaError]] = []
    for index, doc in enumerate(docs):
        if not isinstance(doc, Mapping):
            continue
        group, _ = _split_api_version(str(doc.get("apiVersion") or ""))
        if group in groups:
            out.extend((index, err) for err in crds.validate(doc))
    return out
