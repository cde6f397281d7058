"""Tests for converter.validate: CRD schema, defaulting and CEL validation without a cluster."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from converter.validate import (
    CEL_UNEVALUATED,
    CRDSet,
    SchemaError,
    compile_rule,
    load_crds,
    validate_documents,
)

GW = "gateway.networking.k8s.io"


@pytest.fixture(scope="session")
def crd_root(shared_dir: Path) -> Path:
    root = shared_dir / "gateway-api" / "v1.6.1"
    if not root.is_dir():
        pytest.skip(f"Gateway API v1.6.1 CRDs not found at {root}")
    return root


@pytest.fixture(scope="session")
def standard(crd_root: Path) -> CRDSet:
    return load_crds([crd_root / "standard"])


@pytest.fixture(scope="session")
def experimental(crd_root: Path) -> CRDSet:
    return load_crds([crd_root / "experimental"])


def obj(kind: str, spec: dict[str, Any], version: str = "v1", name: str = "demo") -> dict[str, Any]:
    return {
        "apiVersion": f"{GW}/{version}",
        "kind": kind,
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def httproute(*rules: dict[str, Any], **spec: Any) -> dict[str, Any]:
    body = {"parentRefs": [{"name": "gw"}], "hostnames": ["example.com"]}
    body["rules"] = list(rules) or [rule()]
    body.update(spec)
    return obj("HTTPRoute", body)


def rule(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
        "backendRefs": [{"name": "web", "port": 80}],
    }
    base.update(fields)
    return base


def gateway(*listeners: dict[str, Any]) -> dict[str, Any]:
    return obj("Gateway", {"gatewayClassName": "example", "listeners": list(listeners)})


HTTPS_LISTENER = {
    "name": "https",
    "port": 443,
    "protocol": "HTTPS",
    "hostname": "example.com",
    "tls": {"mode": "Terminate", "certificateRefs": [{"name": "cert"}]},
}


def messages(errors: list[SchemaError]) -> str:
    return "\n".join(str(e) for e in errors)


def assert_valid(crds: CRDSet, manifest: dict[str, Any]) -> None:
    errors = crds.validate(manifest)
    assert errors == [], messages(errors)


def assert_invalid(crds: CRDSet, manifest: dict[str, Any], path: str, text: str, *, cel_rule: bool = False) -> None:
    errors = crds.validate(manifest)
    hits = [e for e in errors if e.path == path and text in e.message]
    assert hits, f"expected {path!r}: {text!r}; got:\n{messages(errors)}"
    assert not any(CEL_UNEVALUATED in e.message for e in errors), messages(errors)
    if cel_rule:
        assert all(h.rule for h in hits)


VALID = {
    "HTTPRoute": httproute(),
    "Gateway": gateway({"name": "http", "port": 80, "protocol": "HTTP"}, HTTPS_LISTENER),
    "GatewayClass": {
        "apiVersion": f"{GW}/v1",
        "kind": "GatewayClass",
        "metadata": {"name": "example"},
        "spec": {"controllerName": "example.com/gateway-controller"},
    },
    "ReferenceGrant": obj(
        "ReferenceGrant",
        {"from": [{"group": GW, "kind": "HTTPRoute", "namespace": "apps"}], "to": [{"group": "", "kind": "Service"}]},
        version="v1beta1",
    ),
    "BackendTLSPolicy": obj(
        "BackendTLSPolicy",
        {
            "targetRefs": [{"group": "", "kind": "Service", "name": "web"}],
            "validation": {
                "caCertificateRefs": [{"group": "", "kind": "ConfigMap", "name": "ca"}],
                "hostname": "web.example.com",
            },
        },
    ),
    "TLSRoute": obj(
        "TLSRoute",
        {
            "parentRefs": [{"name": "gw", "sectionName": "tls"}],
            "hostnames": ["tls.example.com"],
            "rules": [{"backendRefs": [{"name": "tls-backend", "port": 443}]}],
        },
    ),
    "GRPCRoute": obj(
        "GRPCRoute",
        {
            "parentRefs": [{"name": "gw"}],
            "hostnames": ["grpc.example.com"],
            "rules": [
                {
                    "matches": [{"method": {"service": "helloworld.Greeter", "method": "SayHello"}}],
                    "backendRefs": [{"name": "grpc", "port": 9000}],
                }
            ],
        },
    ),
    "ListenerSet": obj(
        "ListenerSet",
        {
            "parentRef": {"name": "gw"},
            "listeners": [{"name": "extra", "port": 8080, "protocol": "HTTP", "hostname": "extra.example.com"}],
        },
    ),
}


# ----------------------------------------------------------------------------- loading and CEL support


def test_load_indexes_served_versions_only(standard: CRDSet, experimental: CRDSet) -> None:
    assert standard.knows(f"{GW}/v1", "HTTPRoute")
    assert standard.knows(f"{GW}/v1beta1", "ReferenceGrant")
    assert not standard.knows(f"{GW}/v1alpha2", "TLSRoute")  # deprecated, served: false on standard
    assert experimental.knows(f"{GW}/v1alpha2", "TLSRoute")
    assert not standard.knows("v1", "Service")
    assert experimental.knows("gateway.networking.x-k8s.io/v1alpha1", "XBackendTrafficPolicy")


def test_load_install_yaml_ignores_other_kinds(crd_root: Path, tmp_path: Path, standard: CRDSet) -> None:
    parts = [p.read_text() for p in sorted((crd_root / "standard").glob("*.yaml"))]
    parts.append(yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gateway-system"}}))
    install = tmp_path / "install.yaml"
    install.write_text("\n---\n".join(parts))
    assert load_crds([install]).kinds() == standard.kinds()


def test_every_rule_compiles(standard: CRDSet, experimental: CRDSet) -> None:
    rules = set(standard.rules()) | set(experimental.rules())
    assert len(rules) > 80
    failures = {}
    for text in rules:
        try:
            compile_rule(text)
        except ValueError as exc:
            failures[text] = str(exc)
    assert failures == {}


def test_unsupported_cel_is_reported_not_passed() -> None:
    crd = {
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {"size": {"type": "string"}},
                                    "x-kubernetes-validations": [
                                        {"rule": "quantity(self.size).isLessThan(quantity('1Gi'))"},
                                        {"rule": "self == oldSelf"},  # transition rule: skipped on create
                                    ],
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": "1"}}
    errors = CRDSet([crd]).validate(widget)
    assert len(errors) == 1 and errors[0].message.startswith(CEL_UNEVALUATED), messages(errors)
    assert errors[0].path == "spec"


# ----------------------------------------------------------------------------- valid objects


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_objects_pass_on_standard(standard: CRDSet, kind: str) -> None:
    assert_valid(standard, VALID[kind])


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_objects_pass_on_experimental(experimental: CRDSet, kind: str) -> None:
    assert_valid(experimental, VALID[kind])


def test_defaults_are_applied_before_cel(standard: CRDSet) -> None:
    # No path in the match: the API server defaults it to PathPrefix "/", which satisfies the
    # ReplacePrefixMatch rule (exactly one match with a PathPrefix path).
    redirect = {"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}
    assert_valid(standard, httproute(rule(matches=[{"headers": [{"name": "x", "value": "y"}]}], filters=[redirect])))
    assert_valid(standard, httproute(rule(matches=[{}])))
    assert_valid(standard, httproute({"backendRefs": [{"name": "web", "port": 80}]}))


def test_input_is_not_modified(standard: CRDSet) -> None:
    route = httproute(rule(matches=[{}]))
    before = copy.deepcopy(route)
    standard.validate(route)
    assert route == before


def test_parent_refs_namespace_is_escaped_for_cel(standard: CRDSet) -> None:
    refs = [{"name": "gw", "namespace": "a"}, {"name": "gw", "namespace": "b"}]
    assert_valid(standard, httproute(parentRefs=refs))
    dup = [{"name": "gw", "namespace": "a"}, {"name": "gw", "namespace": "a"}]
    assert_invalid(standard, httproute(parentRefs=dup), "spec.parentRefs", "sectionName must be unique", cel_rule=True)


def test_null_optional_fields_are_pruned(standard: CRDSet) -> None:
    assert_valid(standard, httproute(hostnames=None))


# ----------------------------------------------------------------------------- HTTPRoute failures


def test_too_many_rules(standard: CRDSet) -> None:
    assert_invalid(standard, httproute(*[rule() for _ in range(17)]), "spec.rules", "at most 16")


def test_too_many_matches_in_total(standard: CRDSet) -> None:
    def matches(n: int) -> list[dict[str, Any]]:
        return [{"path": {"type": "PathPrefix", "value": f"/p{i}"}} for i in range(n)]

    ok = httproute(*[rule(matches=matches(8)) for _ in range(16)])
    assert_valid(standard, ok)
    too_many = httproute(*[rule(matches=matches(9 if i == 0 else 8)) for i in range(16)])
    assert_invalid(standard, too_many, "spec.rules", "128", cel_rule=True)


def test_redirect_with_backend_refs(standard: CRDSet) -> None:
    redirect = {"type": "RequestRedirect", "requestRedirect": {"statusCode": 301, "scheme": "https"}}
    assert_valid(standard, httproute({"filters": [redirect]}))
    assert_invalid(standard, httproute(rule(filters=[redirect])), "spec.rules[0]", "RequestRedirect", cel_rule=True)


def test_replace_prefix_match_with_exact_match(standard: CRDSet) -> None:
    rewrite = {"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}
    exact = rule(matches=[{"path": {"type": "Exact", "value": "/api"}}], filters=[rewrite])
    assert_invalid(standard, httproute(exact), "spec.rules[0]", "PathPrefix", cel_rule=True)


def test_two_url_rewrites(standard: CRDSet) -> None:
    rewrite = {"type": "URLRewrite", "urlRewrite": {"hostname": "example.org"}}
    assert_invalid(
        standard, httproute(rule(filters=[rewrite, rewrite])), "spec.rules[0].filters", "URLRewrite", cel_rule=True
    )


def test_path_with_double_slash(standard: CRDSet) -> None:
    bad = rule(matches=[{"path": {"type": "PathPrefix", "value": "/a//b"}}])
    assert_invalid(standard, httproute(bad), "spec.rules[0].matches[0].path", "//", cel_rule=True)


def test_service_backend_without_port(standard: CRDSet) -> None:
    no_port = rule(backendRefs=[{"name": "web"}])
    assert_invalid(standard, httproute(no_port), "spec.rules[0].backendRefs[0]", "port", cel_rule=True)
    assert_valid(standard, httproute(rule(backendRefs=[{"group": "example.com", "kind": "Bucket", "name": "b"}])))


def test_retry_is_unknown_on_standard_only(standard: CRDSet, experimental: CRDSet) -> None:
    route = httproute(rule(retry={"attempts": 2}))
    assert_invalid(standard, route, "spec.rules[0].retry", 'unknown field "retry"')
    assert_valid(experimental, route)


def test_duplicate_header_match_names(standard: CRDSet) -> None:
    headers = [{"name": "x-env", "value": "a"}, {"name": "x-env", "value": "b"}]
    route = httproute(rule(matches=[{"path": {"type": "PathPrefix", "value": "/"}, "headers": headers}]))
    assert_invalid(standard, route, "spec.rules[0].matches[0].headers[1]", "Duplicate value")


def test_ip_hostname_rejected_on_tlsroute(standard: CRDSet) -> None:
    route = copy.deepcopy(VALID["TLSRoute"])
    route["spec"]["hostnames"] = ["10.0.0.1"]
    assert_invalid(standard, route, "spec.hostnames", "IP", cel_rule=True)


def test_enum_error_blocks_cel(standard: CRDSet) -> None:
    bad = rule(matches=[{"path": {"type": "Glob", "value": "a//b"}}])
    errors = standard.validate(httproute(bad))
    assert [e.path for e in errors] == ["spec.rules[0].matches[0].path.type", ""], messages(errors)
    assert "not checked" in errors[1].message


# ----------------------------------------------------------------------------- Gateway failures


def test_https_listener_without_certificates(standard: CRDSet) -> None:
    listener = {**HTTPS_LISTENER, "tls": {"mode": "Terminate"}}
    assert_invalid(standard, gateway(listener), "spec.listeners[0].tls", "certificateRefs", cel_rule=True)
    defaulted_mode = {**HTTPS_LISTENER, "tls": {}}
    assert_invalid(standard, gateway(defaulted_mode), "spec.listeners[0].tls", "certificateRefs", cel_rule=True)


def test_duplicate_listener_names(standard: CRDSet) -> None:
    dup = gateway({"name": "web", "port": 80, "protocol": "HTTP"}, {"name": "web", "port": 8080, "protocol": "HTTP"})
    errors = standard.validate(dup)
    assert any(e.path.startswith("spec.listeners") for e in errors), messages(errors)
    assert any("Duplicate value" in e.message or "name must be unique" in e.message for e in errors)


def test_gateway_address_formats(standard: CRDSet) -> None:
    ok = gateway({"name": "http", "port": 80, "protocol": "HTTP"})
    ok["spec"]["addresses"] = [{"type": "IPAddress", "value": "192.0.2.1"}, {"value": "2001:db8::1"}]
    assert_valid(standard, ok)
    bad = copy.deepcopy(ok)
    bad["spec"]["addresses"] = [{"type": "IPAddress", "value": "192.0.2.300"}]
    assert_invalid(standard, bad, "spec.addresses[0]", "oneOf")


# ----------------------------------------------------------------------------- metadata, kinds, documents


@pytest.mark.parametrize("name", ["Bad_Name", "-web", "a" * 254, ""])
def test_bad_metadata_name(standard: CRDSet, name: str) -> None:
    route = httproute()
    route["metadata"]["name"] = name
    assert any(e.path == "metadata.name" for e in standard.validate(route))


def test_bad_namespace_and_missing_name(standard: CRDSet) -> None:
    route = httproute()
    route["metadata"] = {"namespace": "Bad.NS"}
    paths = {e.path for e in standard.validate(route)}
    assert {"metadata.name", "metadata.namespace"} <= paths


def test_experimental_only_kind_unknown_on_standard(standard: CRDSet, experimental: CRDSet) -> None:
    policy = {
        "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
        "kind": "XBackendTrafficPolicy",
        "metadata": {"name": "policy", "namespace": "default"},
        "spec": {"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]},
    }
    assert [e.message for e in standard.validate(policy)] == [
        'no matches for kind "XBackendTrafficPolicy" in version "gateway.networking.x-k8s.io/v1alpha1"'
    ]
    assert_valid(experimental, policy)


def test_experimental_only_version_unknown_on_standard(standard: CRDSet, experimental: CRDSet) -> None:
    route = obj("TLSRoute", {"parentRefs": [{"name": "gw"}], "hostnames": ["a.example.com"]}, version="v1alpha2")
    route["spec"]["rules"] = [{"backendRefs": [{"name": "b", "port": 443}]}]
    assert "no matches for kind" in messages(standard.validate(route))
    assert_valid(experimental, route)


def test_validate_documents_skips_core_kinds(standard: CRDSet) -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"bogus": 1}}
    xpolicy = {"apiVersion": "gateway.networking.x-k8s.io/v1alpha1", "kind": "XMesh", "metadata": {"name": "m"}}
    bad_route = httproute(rule(retry={"attempts": 1}))
    result = validate_documents([service, VALID["HTTPRoute"], None, xpolicy, bad_route], standard)  # type: ignore[list-item]
    assert [(i, e.path) for i, e in result] == [(3, ""), (4, "spec.rules[0].retry")]


# ----------------------------------------------------------------------------- experimental features (CEL coverage)

XGW = "gateway.networking.x-k8s.io/v1alpha1"


def with_spec(manifest: dict[str, Any], *path: str | int, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(manifest)
    node = out["spec"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def filter_route(flt: dict[str, Any]) -> dict[str, Any]:
    return httproute(rule(filters=[flt]))


def mirror(**fields: Any) -> dict[str, Any]:
    return {"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "shadow", "port": 80}, **fields}}


BASE_GW = gateway({"name": "http", "port": 80, "protocol": "HTTP"})
XBACKEND = {
    "apiVersion": XGW,
    "kind": "XBackend",
    "metadata": {"name": "ext", "namespace": "default"},
    "spec": {"type": "ExternalHostname", "externalHostname": {"hostname": "api.example.com"}, "port": {"port": 443}},
}
XPOLICY = {
    "apiVersion": XGW,
    "kind": "XBackendTrafficPolicy",
    "metadata": {"name": "policy", "namespace": "default"},
    "spec": {"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]},
}
CORS = {"type": "CORS", "cors": {"allowOrigins": ["https://a.example.com"], "allowMethods": ["GET", "POST"]}}
SESSION = {"sessionName": "s", "type": "Cookie", "cookieConfig": {"lifetimeType": "Permanent"}}
AUTH = {
    "type": "ExternalAuth",
    "externalAuth": {"protocol": "HTTP", "http": {}, "backendRef": {"name": "auth", "port": 80}},
}
SAN_POLICY = VALID["BackendTLSPolicy"]
FRONTEND = {"validation": {"caCertificateRefs": [{"group": "", "kind": "ConfigMap", "name": "ca"}]}}
PER_PORT = {"port": 443, "tls": FRONTEND}

# (id, manifest, path of the expected error or None when the manifest is valid)
EXPERIMENTAL_CASES = [
    ("cors-ok", filter_route(CORS), None),
    (
        "cors-star-and-more",
        filter_route({"type": "CORS", "cors": {"allowOrigins": ["*", "https://a.example.com"]}}),
        "spec.rules[0].filters[0].cors.allowOrigins",
    ),
    ("mirror-fraction-ok", filter_route(mirror(fraction={"numerator": 5, "denominator": 10})), None),
    (
        "mirror-fraction-gt-1",
        filter_route(mirror(fraction={"numerator": 20, "denominator": 10})),
        "spec.rules[0].filters[0].requestMirror.fraction",
    ),
    (
        "mirror-percent-and-fraction",
        filter_route(mirror(percent=5, fraction={"numerator": 1})),
        "spec.rules[0].filters[0].requestMirror",
    ),
    ("timeouts-ok", httproute(rule(timeouts={"request": "0s", "backendRequest": "20s"})), None),
    (
        "timeouts-backend-longer",
        httproute(rule(timeouts={"request": "10s", "backendRequest": "20s"})),
        "spec.rules[0].timeouts",
    ),
    ("session-ok", httproute(rule(sessionPersistence={**SESSION, "absoluteTimeout": "1h"})), None),
    ("session-permanent-no-timeout", httproute(rule(sessionPersistence=SESSION)), "spec.rules[0].sessionPersistence"),
    (
        "session-header-with-cookie",
        httproute(rule(sessionPersistence={**SESSION, "type": "Header"})),
        "spec.rules[0].sessionPersistence",
    ),
    ("external-auth-ok", filter_route(AUTH), None),
    ("external-auth-wrong-member", filter_route({**AUTH, "type": "RequestHeaderModifier"}), "spec.rules[0].filters[0]"),
    ("infra-labels-ok", with_spec(BASE_GW, "infrastructure", value={"labels": {"app.kubernetes.io/name": "gw"}}), None),
    (
        "infra-labels-bad-key",
        with_spec(BASE_GW, "infrastructure", value={"labels": {"-bad": "x"}}),
        "spec.infrastructure.labels",
    ),
    (
        "address-hostname-ok",
        with_spec(BASE_GW, "addresses", value=[{"type": "Hostname", "value": "lb.example.com"}]),
        None,
    ),
    (
        "address-hostname-bad",
        with_spec(BASE_GW, "addresses", value=[{"type": "Hostname", "value": "Bad_Host"}]),
        "spec.addresses[0]",
    ),
    (
        "san-uri-ok",
        with_spec(SAN_POLICY, "validation", "subjectAltNames", value=[{"type": "URI", "uri": "spiffe://a/b"}]),
        None,
    ),
    (
        "san-hostname-missing",
        with_spec(SAN_POLICY, "validation", "subjectAltNames", value=[{"type": "Hostname"}]),
        "spec.validation.subjectAltNames[0]",
    ),
    ("xbackend-ok", with_spec(XBACKEND, "port", value={"port": 443, "name": "https"}), None),
    ("xbackend-bad-port-name", with_spec(XBACKEND, "port", value={"port": 443, "name": "HTTPS"}), "spec.port.name"),
    (
        "xbackend-cluster-local",
        with_spec(XBACKEND, "externalHostname", value={"hostname": "a.svc.cluster.local"}),
        "spec.externalHostname.hostname",
    ),
    (
        "xbackend-client-cert-without-mtls",
        with_spec(XBACKEND, "tls", value={"mode": "ServerOnly", "clientCertificateRef": {"name": "client"}}),
        "spec.tls",
    ),
    (
        "frontend-tls-duplicate-port",
        with_spec(BASE_GW, "tls", value={"frontend": {"default": FRONTEND, "perPort": [PER_PORT, PER_PORT]}}),
        "spec.tls.frontend.perPort",
    ),
    ("xpolicy-ok", XPOLICY, None),
    (
        "xpolicy-budget-interval",
        with_spec(XPOLICY, "retryConstraint", value={"budget": {"interval": "2h"}}),
        "spec.retryConstraint.budget.interval",
    ),
]


@pytest.mark.parametrize(
    ("manifest", "path"), [c[1:] for c in EXPERIMENTAL_CASES], ids=[c[0] for c in EXPERIMENTAL_CASES]
)
def test_experimental_features(experimental: CRDSet, manifest: dict[str, Any], path: str | None) -> None:
    if path is None:
        assert_valid(experimental, manifest)
    else:
        assert_invalid(experimental, manifest, path, "", cel_rule=True)


def test_convert_validates_its_output_when_asked(shared_dir, tmp_path):
    """Options.crds: the output is checked against the CRDs, and a failure would be an output-invalid finding."""
    import converter

    src = tmp_path / "in.yaml"
    src.write_text("""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a, namespace: web}
spec:
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
""")
    crds = str(shared_dir / "gateway-api" / "v1.6.1" / "standard")
    ok = converter.convert([str(src)], converter.Options(provider="generic", crds=(crds,)))
    assert not [f for f in ok.findings if f.code == "output-invalid"]
    # a CRD set without HTTPRoute: every HTTPRoute is then unknown to the "cluster", which must be reported
    gw_only = str(shared_dir / "gateway-api" / "v1.6.1" / "standard" / "gateway.networking.k8s.io_gateways.yaml")
    bad = converter.convert([str(src)], converter.Options(provider="generic", crds=(gw_only,)))
    assert [f.kind for f in bad.findings if f.code == "output-invalid"] == ["HTTPRoute"]


def test_duplicate_listener_port_protocol_hostname(standard: CRDSet) -> None:
    gw = gateway({"name": "a", "port": 80, "protocol": "HTTP", "hostname": "x.com"},
                 {"name": "b", "port": 80, "protocol": "HTTP", "hostname": "x.com"})
    assert "port, protocol and hostname must be unique" in messages(standard.validate(gw))


def test_reference_grant_with_17_targets(standard: CRDSet) -> None:
    grant = obj("ReferenceGrant", {"from": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                             "namespace": "a"}],
                                   "to": [{"group": "", "kind": "Secret", "name": f"s{i}"} for i in range(17)]},
                version="v1beta1")
    assert "must have at most 16 items" in messages(standard.validate(grant))


def test_redirect_and_rewrite_in_one_rule(standard: CRDSet) -> None:
    route = httproute(rule(filters=[{"type": "RequestRedirect", "requestRedirect": {"scheme": "https"}},
                                    {"type": "URLRewrite", "urlRewrite": {"hostname": "a.com"}}]))
    assert "not both" in messages(standard.validate(route))
