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


STRICT_TRAILING_SLASH = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: ns}
spec:
  ingressClassName: traefik
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /foo/, pathType: Prefix, backend: {service: {name: foo, port: {number: 80}}}}
      - {path: /foo/abcdefghijk, pathType: Exact, backend: {service: {name: exact, port: {number: 80}}}}
"""


def test_strict_prefix_rule_trims_the_trailing_slash(tmp_path):
    # strictPrefixMatching: Traefik's rule for /foo/ is (Path(`/foo`) || PathPrefix(`/foo/`)), 62 characters with the
    # host, longer than the Exact path's Host(...) && Path(`/foo/abcdefghijk`) (49): the Exact path never won
    result = _convert(STRICT_TRAILING_SLASH, tmp_path, traefik_strict_prefix=True)
    backends = [b["name"] for o in result.objects if o["kind"] == "HTTPRoute" for r in o["spec"]["rules"]
                for b in r.get("backendRefs", [])]
    assert backends == ["foo"]
    assert any(f.code == "precedence-changed" and "priority 62" in f.message for f in result.findings)


def test_default_backend_ignored_when_rules_have_no_paths(tmp_path):
    text = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: d, namespace: ns}
spec:
  ingressClassName: traefik
  defaultBackend: {service: {name: def, port: {number: 80}}}
  rules:
  - host: only-host.example.com
"""
    result = _convert(text, tmp_path)
    assert not [o for o in result.objects if o["kind"] == "HTTPRoute"]
    assert any(f.code == "default-backend-ignored" for f in result.findings)


def test_hostless_rule_that_outranks_a_host_is_reported(tmp_path):
    # PathPrefix(`/.well-known/acme-challenge/`) (42) outranks Host(`a.io`) && PathPrefix(`/`) (31) for a.io
    text = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: acme, namespace: ns}
spec:
  ingressClassName: traefik
  rules:
  - http:
      paths:
      - {path: /.well-known/acme-challenge/, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}
  - host: a.io
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}
  - host: b.io
    http:
      paths:
      - {path: /.well-known/, pathType: Prefix, backend: {service: {name: wk, port: {number: 80}}}}
"""
    result = _convert(text, tmp_path)
    found = [f for f in result.findings if f.code == "precedence-changed"]
    assert len(found) == 1 and "'a.io'" in found[0].message and "'b.io'" not in found[0].message


def test_middleware_with_several_kinds_is_rejected_and_every_kind_reported(tmp_path):
    text = """
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: multi, namespace: ns}
spec:
  headers: {customRequestHeaders: {X-A: "1"}}
  basicAuth: {secret: users}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: a
  namespace: ns
  annotations: {traefik.ingress.kubernetes.io/router.middlewares: ns-multi@kubernetescrd}
spec:
  ingressClassName: traefik
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}
"""
    result = _convert(text, tmp_path)
    codes = {f.code for f in result.findings}
    assert {"ingress-ignored-by-controller", "security-not-enforced"} <= codes
    assert result.statuses[0].status != "converted"


def test_chain_cycle_terminates_and_is_reported(tmp_path):
    text = """
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: a, namespace: ns}
spec: {chain: {middlewares: [{name: b}]}}
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: b, namespace: ns}
spec: {chain: {middlewares: [{name: a}, {name: ns-a@kubernetescrd}, {name: b}]}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: i
  namespace: ns
  annotations: {traefik.ingress.kubernetes.io/router.middlewares: ns-a@kubernetescrd}
spec:
  ingressClassName: traefik
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}
"""
    result = _convert(text, tmp_path)
    assert sum(f.code == "ingress-ignored-by-controller" for f in result.findings) == 3


def test_routers_of_other_entry_points_do_not_shadow(tmp_path):
    # Traefik ranks routers per entry point: the prefix '/' on 'internal' (8080) never competed with Path(`/foo`) on web
    text = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: ns
  annotations: {traefik.ingress.kubernetes.io/router.entrypoints: web}
spec:
  ingressClassName: traefik
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /foo, pathType: Exact, backend: {service: {name: foo, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: internal
  namespace: ns
  annotations: {traefik.ingress.kubernetes.io/router.entrypoints: internal}
spec:
  ingressClassName: traefik
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: root, port: {number: 80}}}}
"""
    result = _convert(text, tmp_path, traefik_entrypoints={"internal": (8080, "HTTP")})
    backends = sorted(b["name"] for o in result.objects if o["kind"] == "HTTPRoute" for r in o["spec"]["rules"]
                      for b in r.get("backendRefs", []))
    assert backends == ["foo", "root"]
    assert not [f for f in result.findings if f.code == "precedence-changed"]


def test_tls_router_on_a_plain_entry_point_of_port_443_is_exact():
    c = ctx(traefik_entrypoints={"websecure": (443, "HTTP")})
    mode = traefik.compute_mode(c, ingress({P + "router.entrypoints": "websecure", P + "router.tls": "true"}))
    assert (mode["http"], mode["https"], mode["tls_on_http"]) == (False, True, False)
    assert traefik._ports(c, mode) == ((80,), (443,))
    mode = traefik.compute_mode(c, ingress({P + "router.entrypoints": "web,websecure", P + "router.tls": "true"}))
    assert mode["tls_on_http"]


@pytest.mark.parametrize("channel", ["standard", "experimental"])
def test_unreadable_urls_in_middlewares_do_not_crash(tmp_path, channel):
    text = """
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: auth, namespace: ns}
spec:
  forwardAuth: {address: "http://[::1", authResponseHeaders: [X-User, "not a name"]}
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: away, namespace: ns}
spec:
  redirectRegex: {regex: "^.*", replacement: "https://example.com:99999/x"}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: i
  namespace: ns
  annotations: {traefik.ingress.kubernetes.io/router.middlewares: "ns-auth@kubernetescrd,ns-away@kubernetescrd"}
spec:
  ingressClassName: traefik
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}
"""
    result = _convert(text, tmp_path, channel=channel)
    assert any(f.code == "security-not-enforced" for f in result.findings)
    assert not [r for o in result.objects if o["kind"] == "HTTPRoute" for r in o["spec"]["rules"]
                if any(f["type"] == "RequestRedirect" for f in r.get("filters", []))]


def test_redirect_to_http_never_loops_on_the_http_side(tmp_path):
    # RedirectScheme http passes plain-HTTP requests on: the HTTP side must not redirect to itself
    text = """
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: to-http, namespace: ns}
spec:
  redirectScheme: {scheme: http}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: i
  namespace: ns
  annotations:
    traefik.ingress.kubernetes.io/router.entrypoints: web,websecure
    traefik.ingress.kubernetes.io/router.middlewares: ns-to-http@kubernetescrd
spec:
  ingressClassName: traefik
  tls: [{hosts: [a.example.com], secretName: a-tls}]
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}
  - host: b.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}
"""
    result = _convert(text, tmp_path)
    assert not [r for o in result.objects if o["kind"] == "HTTPRoute" for r in o["spec"]["rules"]
                if any(f["type"] == "RequestRedirect" for f in r.get("filters", []))]
    assert any("were redirected to plain HTTP" in f.message and "'a.example.com'" in f.message
               for f in result.findings)
