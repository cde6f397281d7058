"""The registry of controllers ing2gw knows. A vendor is a Vendor subclass plus its tables in mappings/."""

from __future__ import annotations

from .base import Vendor
from .haproxy import HAProxy
from .ingress_nginx import IngressNginx
from .kong import Kong
from .nginx_inc import NginxInc
from .traefik import Traefik

VENDORS: dict[str, Vendor] = {v.name: v for v in (Vendor(), IngressNginx(), NginxInc(), Traefik(), Kong(), HAProxy())}


def get(name: str) -> Vendor:
    return VENDORS[name]


def prefixes() -> dict[str, tuple[str, ...]]:
    return {name: v.prefixes for name, v in VENDORS.items() if v.prefixes}
