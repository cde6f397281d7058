"""F5 NGINX Ingress Controller (nginx/kubernetes-ingress): `nginx.org/` and `nginx.com/` annotations."""

from __future__ import annotations

from .base import Vendor


class NginxInc(Vendor):
    name = "nginx-inc"
    title = "F5 NGINX Ingress Controller"
    prefixes = ("nginx.org/", "nginx.com/", "appprotect.f5.com/", "appprotectdos.f5.com/")
    tls_redirect = 301
    implementation_specific = "characters"  # `location /path` is an nginx string prefix
