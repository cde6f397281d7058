"""Mapping tables: one YAML entry per vendor annotation (`mappings/*.yaml`), and the engine that applies them.

An entry names the annotation's status (what ing2gw can do with it), its value parser, an optional handler (a
function of the vendor's module, for entries that need logic), whether dropping it weakens security, and the
words of the finding: what behaviour changes (`message`) and what to do (`hint`).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from . import values
from .context import Context
from .data import data_file
from .model import Ingress

STATUSES = ("converted", "approximated", "needs-experimental", "implementation-specific", "unsupported", "ignored")
STATUS_CODES = {
    "approximated": "annotation-approximated",
    "needs-experimental": "annotation-needs-experimental",
    "implementation-specific": "annotation-implementation-specific",
    "unsupported": "annotation-unsupported",
    "ignored": "annotation-ignored",
}
_ENTRY_KEYS = {"status", "value", "handler", "security", "message", "hint", "category", "experimental", "default",
               "aliases", "removed"}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    status: str
    value: str | None = None
    handler: str | None = None
    security: bool = False
    message: str = ""
    hint: str = ""
    category: str = ""
    experimental: str = ""
    default: str | None = None
    removed: bool = False


@dataclass(frozen=True, eq=False)
class Table:
    vendor: str
    prefixes: tuple[str, ...]
    entries: dict[str, Entry]
    handlers: Any  # the module that holds the handlers
    unlisted: Entry | None = None  # what an unlisted key under the prefixes becomes (None: unknown)

    def lookup(self, annotation: str) -> tuple[str, Entry | None] | None:
        """(prefix, entry) when the annotation is under one of the table's prefixes, else None."""
        for prefix in self.prefixes:
            if annotation.startswith(prefix):
                return prefix, self.entries.get(annotation[len(prefix):], self.unlisted)
        return None


    def rank(self, key: str) -> int:
        return _ranks(self)[key] if key in self.entries else len(self.entries)


@cache
def _ranks(table: Table) -> dict[str, int]:
    return {k: i for i, k in enumerate(table.entries)}


class TableError(Exception):
    """A mapping table is malformed (a bug in the shipped data: fail fast, at load)."""


@cache
def load_table(filename: str) -> Table:
    text = data_file("mappings", filename).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_Loader)
    module = importlib.import_module(data["handlers"]) if data.get("handlers") else None
    entries = {}
    for key, raw in (data.get("annotations") or {}).items():
        entries[key] = _entry(filename, key, raw or {}, module)
        for alias in (raw or {}).get("aliases") or ():
            entries[alias] = entries[key]
    unlisted = _entry(filename, "*", data["unlisted"], module) if data.get("unlisted") else None
    return Table(vendor=data["vendor"], prefixes=tuple(data["prefixes"]), entries=entries, handlers=module,
                 unlisted=unlisted)


def _entry(filename: str, key: str, raw: dict, module: Any) -> Entry:
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise TableError(f"{filename}: {key}: unknown fields {sorted(unknown)}")
    if raw.get("status") not in STATUSES:
        raise TableError(f"{filename}: {key}: status must be one of {STATUSES}")
    handler = raw.get("handler")
    if handler and not callable(getattr(module, handler, None)):
        raise TableError(f"{filename}: {key}: handler {handler!r} not found in {getattr(module, '__name__', None)}")
    value = raw.get("value")
    if value and not (value.startswith("enum:") or value in values.PARSERS):
        raise TableError(f"{filename}: {key}: unknown value parser {value!r}")
    fields = {k: raw[k] for k in raw if k in Entry.__slots__}
    return Entry(key=key, **fields)


def with_prefix(table: Table, prefixes: tuple[str, ...]) -> Table:
    """The same table under other prefixes (ingress-nginx --annotations-prefix)."""
    return Table(table.vendor, prefixes, table.entries, table.handlers, table.unlisted)


def apply_annotations(ctx: Context, ing: Ingress, tables: list[Table], others: dict[str, tuple[str, ...]]) -> None:
    """Run every annotation of the Ingress through its table, in table order; record each one's status.

    `others` maps the other vendors to their prefixes: their annotations are ignored by this Ingress's controller.
    """
    plan = []
    for key in ing.annotations:
        for table in tables:
            found = table.lookup(key)
            if found is not None:
                entry = found[1]
                rank = table.rank(entry.key) if entry else len(table.entries)
                plan.append((tables.index(table), rank, key, table, entry))
                break
        else:
            _not_in_tables(ctx, ing, key, others)
    for _, _, key, table, entry in sorted(plan, key=lambda t: t[:3]):
        if entry is None:
            ing.ann_status[key] = "unknown"
            ctx.report(ing, "annotation-unknown", f"{key} is not an annotation {table.vendor} knows; it is ignored",
                       annotation=key, hint="check the spelling; the controller ignored unknown annotations too")
            continue
        _apply_entry(ctx, ing, key, entry, table)


def _not_in_tables(ctx: Context, ing: Ingress, key: str, others: dict[str, tuple[str, ...]]) -> None:
    for vendor, prefixes in others.items():
        if key.startswith(prefixes):
            ing.ann_status[key] = "ignored"
            ctx.report(ing, "annotation-ignored", f"{key} is for {vendor}, which did not serve this Ingress "
                       f"({ing.vendor} did); it had no effect", annotation=key)
            return
    ing.ann_status[key] = "unknown"
    if _SECURITY_WORDS.search(key.rsplit("/", 1)[-1]):
        ctx.report(ing, "security-not-enforced", f"{key} is not an annotation ing2gw knows, and its name says it "
                   "may control access (auth, allow/deny lists, limits, TLS redirects); whatever it enforced is not "
                   "carried over", annotation=key,
                   hint="find what the controller did with it and enforce it with your Gateway implementation's policy")
        return
    ctx.report(ing, "annotation-unknown", f"{key} is not an annotation ing2gw knows; it is not carried over",
               annotation=key, hint="if a controller or tool reads it, carry its behaviour over by hand")


# Names of annotations that, when no table knows them, probably controlled access: losing them is an error.
_SECURITY_WORDS = re.compile(r"auth|allow|white-?list|deny|black-?list|block|limit|rate|waf|modsecurity|firewall|"
                             r"ssl-redirect|https-redirect|redirect-to-https|restrict|source-range|jwt|oidc|oauth|acl|"
                             r"mtls|client-cert|verify|password|secret", re.I)


def _apply_entry(ctx: Context, ing: Ingress, key: str, entry: Entry, table: Table) -> None:
    text = ing.annotations[key]
    try:
        value = values.parse(entry.value, text)
    except ValueError as err:
        ing.ann_status[key] = "invalid"
        ctx.report(ing, "annotation-invalid-value", f"{key}: {err}; the annotation is not converted", annotation=key)
        hook = getattr(table.handlers, "on_invalid_value", None)
        if hook:
            hook(ctx, ing, key, str(err))
        return
    status, message = entry.status, entry.message
    if entry.handler:
        out = getattr(table.handlers, entry.handler)(ctx, ing, value, entry)
        if isinstance(out, tuple):
            status, message = out
        elif out:
            status = out
    ing.ann_status[key] = status
    report_status(ctx, ing, key, entry, status, message)


def report_status(ctx: Context, ing: Ingress, key: str, entry: Entry, status: str, message: str) -> None:
    """The finding that says what became of an annotation (none when it was converted exactly)."""
    if status == "converted":
        return
    hint = entry.hint
    if status == "needs-experimental" and entry.experimental:
        hint = f"with --channel experimental: {entry.experimental}" + (f"; {hint}" if hint else "")
    if entry.security and status != "ignored":
        code = "security-not-enforced" if status != "approximated" else "annotation-approximated"
    else:
        code = STATUS_CODES[status]
    lead = _LEADS["security" if code == "security-not-enforced" else status]
    ctx.report(ing, code, f"{key} {lead}" + (f": {message}" if message else ""), annotation=key, hint=hint)


_LEADS = {
    "security": "is NOT enforced by the output, which is more permissive than the source",
    "approximated": "is converted approximately",
    "needs-experimental": "is not converted on the standard channel",
    "implementation-specific": "is not converted (only an implementation-specific policy can express it)",
    "unsupported": "is not converted (Gateway API has no equivalent)",
    "ignored": "has no effect here",
}
