"""HAProxy controllers (haproxytech and haproxy-ingress): recognized; their tables come later."""

from __future__ import annotations

from .base import Vendor


class HAProxy(Vendor):
    name = "haproxy"
    title = "HAProxy Kubernetes Ingress Controller"
    prefixes = ("haproxy.org/", "haproxy-ingress.github.io/")
    implementation_specific = "characters"
