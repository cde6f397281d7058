"""Traefik v2/v3 (and v1.7 annotations, flagged)."""

from __future__ import annotations

from .base import Vendor


class Traefik(Vendor):
    name = "traefik"
    title = "Traefik"
    prefixes = ("traefik.ingress.kubernetes.io/", "traefik.frontend.", "traefik.backend.")
    prefix_matches_characters = True  # PathPrefix(`/p`) is a string prefix unless strict prefix matching is on
    implementation_specific = "characters"
