"""Generated names: valid DNS-1123, stable for the same input, never colliding."""

from __future__ import annotations

import hashlib
import re

_BAD = re.compile(r"[^a-z0-9.-]+")
_PORT_LIKE_END = re.compile(r"-[0-9]{1,5}$")


_VALID = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def dns_subdomain(text: str, limit: int = 253, seed: str | None = None) -> str:
    """`text` as a DNS-1123 subdomain of at most `limit` characters; shortened ones end in a hash of `seed`."""
    if len(text) <= limit and _VALID.fullmatch(text):
        return text
    labels = (label.strip("-") for label in _BAD.sub("-", text.lower()).split("."))
    name = ".".join(label for label in labels if label) or "x"
    if len(name) > limit:
        name = f"{name[: limit - 9].rstrip('.-')}-{short_hash(seed or text)}"
    return name


def host_slug(host: str) -> str:
    """A readable, collision-free token for a hostname: `*.a.com` -> `-a.com`, '' -> ''."""
    return "-" + host[2:] if host.startswith("*.") else host


def listener_name(protocol: str, host: str, port: int | None = None) -> str:
    """`http-www.example.com`, `https--example.com` for `*.example.com`; at most 63 characters."""
    base = protocol if not host else f"{protocol}-{host_slug(host)}"
    if port is not None:
        base = f"{base}-{port}"
    elif _PORT_LIKE_END.search(base):  # host `a.com-8080` on the default port is not `a.com` on port 8080
        base = f"{base}-{short_hash(base)}"
    if len(base) <= 63:
        return base
    return f"{base[:54].rstrip('.-')}-{short_hash(base)}"


class Allocator:
    """Hands out unique names per (kind, namespace); a taken name gets a hash suffix of its seed."""

    def __init__(self) -> None:
        self.taken: set[tuple[str, str, str]] = set()

    def take(self, kind: str, namespace: str, wanted: str, seed: str = "") -> str:
        name = dns_subdomain(wanted, 253, seed or wanted)
        n = 0
        candidate = name
        while (kind, namespace, candidate) in self.taken:
            n += 1
            candidate = f"{name[:243].rstrip('.-')}-{short_hash(f'{seed or wanted}#{n}')}"
        self.taken.add((kind, namespace, candidate))
        return candidate
