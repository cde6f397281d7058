"""Path helpers: what Gateway API accepts as an Exact/PathPrefix value, and regex equivalents."""

from __future__ import annotations

import re

from .model import Match

_PATH_CHARS = re.compile(r"[-A-Za-z0-9/._~!$&'()*+,;=:@%]+")
_BAD_PERCENT = re.compile(r"%(?![0-9a-fA-F]{2})")
_REGEX_META = set("\\^$.|?*+()[]{}")


def gateway_path_ok(value: str) -> bool:
    """The HTTPRoute CEL rules for Exact and PathPrefix values (v1.6.1)."""
    if not value.startswith("/") or len(value) > 1024:
        return False
    if any(bad in value for bad in ("//", "/./", "/../", "%2f", "%2F", "#")):
        return False
    if value.endswith(("/..", "/.")):
        return False
    return bool(_PATH_CHARS.fullmatch(value)) and not ("%" in value and _BAD_PERCENT.search(value))


def has_regex_meta(value: str) -> bool:
    return any(c in _REGEX_META for c in value)


def re_escape(value: str) -> str:
    """Escape for RE2 and PCRE alike (only the metacharacters, keeping `/` and `-` readable)."""
    return "".join("\\" + c if c in _REGEX_META else c for c in value)


def prefix_by_characters(path: str) -> Match:
    """A match equal to a plain string prefix (`/app` also matches `/apple`): PathPrefix only for `/`."""
    if path == "/":
        return Match("PathPrefix", "/")
    return Match("RegularExpression", "^" + re_escape(path) + ".*")


def exact(path: str) -> Match:
    return Match("Exact", path)


def segment_prefix(path: str) -> Match:
    return Match("PathPrefix", path)
