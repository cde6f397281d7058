"""What every controller shares, and the hooks a vendor overrides to give its own semantics."""

from __future__ import annotations

from ..context import Context
from ..mapping import Table, load_table
from ..model import Ingress, IngressPath, Match
from ..paths import exact, gateway_path_ok, prefix_by_characters, segment_prefix

PATH_TYPES = {"exact": "Exact", "prefix": "Prefix", "implementationspecific": "ImplementationSpecific"}


class Vendor:
    """The Ingress API's own semantics; subclasses say how their controller differed."""

    name = "generic"
    title = "vendor-neutral (Ingress API semantics)"
    tables: tuple[str, ...] = ("common.yaml",)
    prefixes: tuple[str, ...] = ()  # annotation prefixes that identify the vendor
    tls_redirect: int | None = None  # HTTP->HTTPS redirect code for TLS hosts by default (None: no redirect)
    hsts: str | None = None  # Strict-Transport-Security added by default on HTTPS responses
    tls_all_rule_hosts = False  # an Ingress with spec.tls serves all its rule hosts over TLS (default certificate)
    prefix_matches_characters = False  # Prefix paths match by characters, not by segment
    implementation_specific: str | None = None  # "segment" | "characters" | None (unknown: flagged)

    def load_tables(self, ctx: Context) -> list[Table]:
        return [load_table(t) for t in self.tables]

    def prepare(self, ctx: Context, ingresses: list[Ingress]) -> None:
        """Cross-Ingress semantics that must be known before rules are built (host-wide modes)."""

    def finish(self, ctx: Context, ingresses: list[Ingress]) -> None:
        """Cross-Ingress work after the annotations ran (canary merging, mergeable Ingresses)."""

    def path_match(self, ctx: Context, ing: Ingress, p: IngressPath) -> Match | None:
        """The Gateway API match for one Ingress path, or None (with a finding) when it cannot be expressed."""
        ptype = self.path_type(ctx, ing, p)
        if ptype is None:
            return None
        path = p.path or "/"
        if ptype == "Exact":
            return self.checked(ctx, ing, p, exact(path))
        if ptype == "Prefix":
            if self.prefix_matches_characters:
                return prefix_by_characters(path)
            return self.checked(ctx, ing, p, segment_prefix(path))
        return self.implementation_specific_match(ctx, ing, p, path)

    def path_type(self, ctx: Context, ing: Ingress, p: IngressPath) -> str | None:
        """The pathType, with wrongly cased ones read as meant (and reported); None when it cannot be read."""
        ptype = p.path_type
        if ptype in ("Exact", "Prefix", "ImplementationSpecific", ""):
            return ptype
        fixed = PATH_TYPES.get(ptype.lower())
        ctx.report(ing, "path-type-invalid", f"pathType {ptype!r} is not valid (an API server rejects this Ingress); "
                   + (f"read as {fixed}" if fixed else "the path is not converted"), line=p.line)
        return fixed

    def implementation_specific_match(self, ctx: Context, ing: Ingress, p: IngressPath, path: str) -> Match | None:
        if self.implementation_specific == "segment":
            return self.checked(ctx, ing, p, segment_prefix(path))
        if self.implementation_specific == "characters":
            return prefix_by_characters(path)
        if path.endswith("*"):  # GCE / ALB style `/static/*`
            path = path.rstrip("*") or "/"
        ctx.report(ing, "path-implementation-specific",
                   f"path {p.path or '/'!r} has pathType {p.path_type or 'ImplementationSpecific (default)'}, whose "
                   f"meaning depends on the controller; converted as the segment prefix {path!r}", line=p.line,
                   hint="pass --provider if a known controller served it, or set pathType Prefix or Exact")
        return self.checked(ctx, ing, p, segment_prefix(path))

    def checked(self, ctx: Context, ing: Ingress, p: IngressPath, m: Match) -> Match | None:
        if m.path_type in ("Exact", "PathPrefix") and not gateway_path_ok(m.path):
            ctx.report(ing, "path-invalid",
                       f"path {p.path!r} is not a valid Gateway API {m.path_type} value (it must start with '/' "
                       "and may not contain '//', '/./', '/../', '%2F', '#', spaces or non-ASCII); not converted",
                       line=p.line)
            return None
        return m
