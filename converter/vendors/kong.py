"""Kong Ingress Controller: `konghq.com/` annotations and KongPlugin objects."""

from __future__ import annotations

from .base import Vendor


class Kong(Vendor):
    name = "kong"
    title = "Kong Ingress Controller"
    prefixes = ("konghq.com/", "configuration.konghq.com/", "plugins.konghq.com")
    implementation_specific = "characters"
