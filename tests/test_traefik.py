"""Traefik: unit checks of the vendor's own semantics (entry points, names, precedence) and the real corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import converter
from converter.context import Context, Inventory
from converter.ingress import normalize
from converter.model import Obj
from converter.options import Options
from converter.vendors import traefik
from converter.vendors.traefik_middlewares import normalize as mw_normalize
from converter.vendors.traefik_middlewares import service_of

SHARED = Path(os.environ.get("ING2GW_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
CORPUS = SHARED / "corpus" / "real" / "traefik"


def ingress(annotations: dict[str, str], paths: list[tuple[str, str, str]] | None = None) -> converter.model.Ingress:
    rules = [{"host": h, "http": {"paths": [{"path": p, "pathType": t,
                                             "backend": {"service": {"name": "s", "port": {"number": 80}}}}]}}
             for h, p, t in (paths or [("a.example.com", "/", "Prefix")])]
    data = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "i", "namespace": "ns", "annotations": annotations},
            "spec": {"ingressClassName": "traefik", "rules": rules}}
    return normalize(Obj("Ingress", "networking.k8s.io/v1", "ns", "i", data, "f.yaml", 1))


def ctx(**opts: object) -> Context:
    return Context(Options(**opts), Inventory([]))  # type: ignore[arg-type]


P = "traefik.ingress.kubernetes.io/"


@pytest.mark.parametrize(("annotations", "http", "https"), [
    ({}, True, False),  # every entry point; websecure without TLS
    ({P + "router.tls": "true"}, False, True),  # a TLS router does not answer plain HTTP
    ({P + "router.entrypoints": "web"}, True, False),
    ({P + "router.entrypoints": "websecure"}, False, True),  # the TLS entry point
    ({P + "router.entrypoints": "web,websecure"}, True, True),
    ({P + "router.entrypoints": "web", P + "router.tls.certresolver": "le"}, False, True),  # any router.tls.* key
    ({P + "router.entryPoints": "websecure"}, False, True),  # field names are case-insensitive
])
def test_entrypoints_and_tls(annotations, http, https):
    mode = traefik.compute_mode(ctx(), ingress(annotations))
    assert (mode["http"], mode["https"]) == (http, https)


def test_websecure_declared_https_serves_routers_without_entrypoints_over_tls():
    c = ctx(traefik_entrypoints={"websecure": (443, "HTTPS")})
    mode = traefik.compute_mode(c, ingress({}))
    assert (mode["http"], mode["https"]) == (True, True)


def test_custom_entrypoints():
    c = ctx(traefik_entrypoints={"internal": (8080, "HTTP"), "admin": (443, "HTTPS")})
    mode = traefik.compute_mode(c, ingress({P + "router.entrypoints": "internal,admin,nope"}))
    assert (mode["http"], mode["https"]) == (True, True)
    assert mode["custom"] == ["internal"] and mode["unknown"] == ["nope"]


def test_middleware_names_normalise_like_traefik():
    assert mw_normalize("kube-system-dotted.name.v1") == "kube-system-dotted-name-v1"
    assert mw_normalize("a--b__c") == "a-b-c"


@pytest.mark.parametrize(("host", "expected"), [
    ("oauth2-proxy.auth.svc.cluster.local", ("oauth2-proxy", "auth")),
    ("oauth2-proxy.auth.svc", ("oauth2-proxy", "auth")),
    ("oauth2-proxy.auth", ("oauth2-proxy", "auth")),
    ("oauth2-proxy", ("oauth2-proxy", "mw-ns")),
    ("auth.example.com", None),
])
def test_forward_auth_service_of(host, expected):
    assert service_of(host, "mw-ns") == expected


def _convert(text: str, tmp_path: Path, **opts: object) -> converter.Result:
    f = tmp_path / "in.yaml"
    f.write_text(text)
    return converter.convert([str(f)], converter.Options(**opts))  # type: ignore[arg-type]


EXACT_VS_PREFIX = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: ns}
spec:
  ingressClassName: traefik
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: root, port: {number: 80}}}}
      - {path: /foo, pathType: Exact, backend: {service: {name: foo, port: {number: 80}}}}
      - {path: /foo/bar/baz, pathType: Exact, backend: {service: {name: baz, port: {number: 80}}}}
"""


def test_exact_path_shadowed_by_a_longer_rule_string(tmp_path):
    # Path(`/foo`) is 3 characters shorter than PathPrefix(`/`): Traefik never routed /foo to `foo`
    result = _convert(EXACT_VS_PREFIX, tmp_path)
    backends = [b["name"] for o in result.objects if o["kind"] == "HTTPRoute" for r in o["spec"]["rules"]
                for b in r.get("backendRefs", [])]
    assert backends == ["root", "baz"]
    found = [f for f in result.findings if f.code == "precedence-changed"]
    assert len(found) == 1 and "'/foo'" in found[0].message and "'/'" in found[0].message


def test_router_priority_restores_the_exact_path(tmp_path):
    text = EXACT_VS_PREFIX.replace("metadata: {name: i, namespace: ns}", "metadata: {name: i, namespace: ns, "
                                   "annotations: {traefik.ingress.kubernetes.io/router.priority: '5'}}")
    result = _convert(text, tmp_path)
    assert any(f.code == "precedence-changed" and "same Traefik priority" in f.message for f in result.findings)


def test_strict_prefix_is_segment_wise(tmp_path):
    text = EXACT_VS_PREFIX.replace("/foo/bar/baz", "/app").replace("pathType: Exact, backend: {service: {name: baz",
                                                                   "pathType: Prefix, backend: {service: {name: baz")
    loose = _convert(text, tmp_path)
    strict = _convert(text, tmp_path, traefik_strict_prefix=True)
    types = {o["metadata"]["name"]: [m["path"]["type"] for r in o["spec"]["rules"] for m in r["matches"]]
             for o in loose.objects if o["kind"] == "HTTPRoute"}
    assert "RegularExpression" in types["i"]
    assert all(m["path"]["type"] in ("PathPrefix", "Exact") for o in strict.objects if o["kind"] == "HTTPRoute"
               for r in o["spec"]["rules"] for m in r["matches"])


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no Traefik corpus")
def test_corpus_every_traefik_annotation_is_known():
    files = sorted(str(p) for p in CORPUS.glob("*.yaml"))
    result = converter.convert(files, converter.Options(provider="traefik"))
    unknown = {k for s in result.statuses for k, v in s.annotations.items()
               if v == "unknown" and k.startswith("traefik.ingress.kubernetes.io/router.")}
    assert not unknown
    assert all(s.status in ("converted", "partial", "failed") for s in result.statuses)
