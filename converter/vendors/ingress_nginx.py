"""ingress-nginx (kubernetes/ingress-nginx v1.15): the controller most users migrate from."""

from __future__ import annotations

from ..context import Context
from ..mapping import Table, load_table, with_prefix
from .base import Vendor


class IngressNginx(Vendor):
    name = "ingress-nginx"
    title = "ingress-nginx"
    tables = ("common.yaml",)
    prefixes = ("nginx.ingress.kubernetes.io/",)
    tls_redirect = 308
    hsts = "max-age=31536000; includeSubDomains"
    implementation_specific = "segment"  # rewritten to Prefix by the controller

    def load_tables(self, ctx: Context) -> list[Table]:
        tables = super().load_tables(ctx)
        prefix = ctx.options.annotations_prefix.rstrip("/") + "/"
        try:
            own = load_table("ingress-nginx.yaml")
        except FileNotFoundError:
            return tables
        return [with_prefix(own, (prefix,)), *tables]
