"""The emitter's rule shapes: the HTTP side of a TLS host, gRPC matches."""

from __future__ import annotations

import pytest

from converter import emit
from converter.model import Backend, Match, Rule


def _rule(**kw) -> Rule:
    return Rule(host="a.example.com", matches=[Match("PathPrefix", "/app")], backends=[Backend("app", 80)], **kw)


def test_http_side_redirects_to_the_rules_https_port():
    assert emit.http_side_rule(_rule(https_redirect=308))["filters"][0]["requestRedirect"] == {
        "scheme": "https", "statusCode": 308}
    custom = emit.http_side_rule(_rule(https_redirect=301, https_ports=(8443,)))
    assert custom["filters"][0]["requestRedirect"]["port"] == 8443
    explicit = emit.http_side_rule(_rule(https_redirect=302, https_redirect_port=9443))
    assert explicit["filters"][0]["requestRedirect"]["port"] == 9443
    assert "backendRefs" not in explicit


def test_http_side_keeps_rules_that_are_not_redirected():
    assert emit.http_side_rule(_rule())["backendRefs"] == [{"name": "app", "port": 80}]


@pytest.mark.parametrize(("match", "expected"), [
    (Match("PathPrefix", "/"), {}),
    (Match("PathPrefix", "/pkg.Greeter/"), {"method": {"service": "pkg.Greeter"}}),
    (Match("Exact", "/pkg.Greeter/SayHello"), {"method": {"service": "pkg.Greeter", "method": "SayHello"}}),
    (Match("PathPrefix", "/v1.0"), None),  # a service name cannot have a label starting with a digit
    (Match("RegularExpression", "^/pkg.*"), None),
    (Match("Exact", "/a/b/c"), None),
])
def test_grpc_matches(match, expected):
    assert emit.grpc_match(match) == expected
