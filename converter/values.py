"""Annotation value parsers named by the mapping tables (`value:`). Each raises ValueError with a reason."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_SIZE = re.compile(r"^([0-9]+)([kKmMgG]?)$")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h|d)")
_DURATION = re.compile(f"(?:{_DURATION_PART.pattern})+")
_UNITS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "μs": 1e-3, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000,
          "d": 86_400_000}


def parse_bool(text: str) -> bool:
    """Go's strconv.ParseBool, which the controllers use."""
    if text in _GO_TRUE:
        return True
    if text in _GO_FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false)")


def parse_int(text: str) -> int:
    if not re.fullmatch(r"[-+]?[0-9]+", text.strip()):  # ASCII digits, as Go's strconv
        raise ValueError(f"{text!r} is not an integer")
    return int(text)


def parse_uint(text: str) -> int:
    n = parse_int(text)
    if n < 0:
        raise ValueError(f"{text!r} is negative")
    return n


def parse_string(text: str) -> str:
    if not text.strip():
        raise ValueError("empty value")
    return text.strip()


def parse_csv(text: str) -> list[str]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise ValueError("empty list")
    return items


def parse_cidrs(text: str) -> list[str]:
    out = []
    for item in parse_csv(text):
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR") from None
    return out


def parse_size(text: str) -> int:
    """nginx size (`8m`, `512k`, `1g`, bytes): returns bytes."""
    m = _SIZE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a size (like 8m, 512k)")
    return int(m.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]


def parse_seconds(text: str) -> int:
    """Whole seconds (`60`), as ingress-nginx timeouts take them."""
    return parse_uint(text)


def parse_duration(text: str) -> int:
    """A duration: a number of seconds (`60`, `1.5`) or Go's form (`500ms`, `1m`, `1h30m`, `1.5h`): milliseconds."""
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return round(float(text) * 1000)
    if not _DURATION.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration (like 60s, 500ms, 1m, 1h30m)")
    return round(sum(float(n) * _UNITS[u] for n, u in _DURATION_PART.findall(text)))


MAX_DURATION_MS = 99999 * 3_600_000 + 59 * 60_000 + 59 * 1000 + 999


def format_duration(ms: int) -> str:
    """Gateway API Duration (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`) for a number of milliseconds.

    At most 5 digits per unit: durations past 99999h59m59s999ms (11 years, in effect no limit) are written as that
    maximum, never as an invalid Duration; zero and negative values as `0s`.
    """
    ms = min(int(ms), MAX_DURATION_MS)
    if ms <= 0:
        return "0s"
    parts = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(parts)


PARSERS: dict[str, Callable[[str], Any]] = {
    "bool": parse_bool,
    "int": parse_int,
    "uint": parse_uint,
    "string": parse_string,
    "text": lambda text: text,
    "csv": parse_csv,
    "cidrs": parse_cidrs,
    "size": parse_size,
    "seconds": parse_seconds,
    "duration": parse_duration,
}


def parse(kind: str | None, text: str) -> Any:
    """Parse `text` with the parser named `kind` (`enum:A|B` for a closed set, case-insensitive)."""
    if not kind:
        return text
    if kind.startswith("enum:"):
        allowed = kind[5:].split("|")
        for a in allowed:
            if text.strip().lower() == a.lower():
                return a
        raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
    return PARSERS[kind](text)
