"""Kong Ingress Controller specifics that the golden fixtures do not pin down one by one."""

from __future__ import annotations

import yaml

import converter
from converter.loader import LoadResult, load_bytes
from converter.mapping import load_table
from converter.vendors.kong import Kong

# Every key KIC v3 reads (internal/annotations/annotations.go, konghq.com/ prefix), plus upstream-policy.
KIC_KEYS = (
    "override", "plugins", "protocol", "protocols", "client-cert", "strip-path", "path", "https-redirect-status-code",
    "preserve-host", "regex-priority", "host-header", "methods", "snis", "request-buffering", "response-buffering",
    "host-aliases", "regex-prefix", "connect-timeout", "write-timeout", "read-timeout", "retries", "headers-separator",
    "path-handling", "tags", "rewrite", "tls-verify", "tls-verify-depth", "ca-certificates-secret",
    "ca-certificates-configmap", "upstream-policy", "gatewayclass-unmanaged", "publish-service",
)


def ingress(annotations: dict, paths: list[tuple[str, str]] | None = None, host: str = "k.example.com",
            extra: list[dict] | None = None) -> converter.Result:
    doc = {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "ing", "namespace": "ns", "annotations": annotations},
        "spec": {"ingressClassName": "kong", "rules": [{"host": host, "http": {"paths": [
            {"path": p, "pathType": t, "backend": {"service": {"name": "svc", "port": {"number": 80}}}}
            for p, t in (paths or [("/api", "Prefix")])]}}]},
    }
    loaded = LoadResult()
    load_bytes(yaml.safe_dump_all([doc, *(extra or [])]).encode(), "test.yaml", loaded)
    return converter.convert(loaded)


def routes(result: converter.Result) -> list[dict]:
    return [o for o in result.objects if o["kind"] in ("HTTPRoute", "GRPCRoute")]


def codes(result: converter.Result) -> set[str]:
    return {f.code for f in result.findings}


def test_table_lists_every_kic_annotation():
    table = load_table("kong.yaml")
    missing = [k for k in KIC_KEYS if k not in table.entries]
    assert not missing
    assert "headers.*" in table.entries
    assert Kong().tables == ("kong.yaml", "common.yaml")


def test_table_key_rules():
    import converter.context as context
    from converter.options import Options

    kong = Kong().load_tables(context.Context(Options(), context.Inventory([])))[0]
    assert kong.lookup("konghq.com/headers.x-user")[1].key == "headers.*"
    assert kong.lookup("ingress.kubernetes.io/force-ssl-redirect")[1].key == "force-ssl-redirect"
    assert kong.lookup("konghq.com/force-ssl-redirect")[1] is None  # not a konghq.com/ key
    assert kong.lookup("ingress.kubernetes.io/strip-path")[1] is None
    assert kong.lookup("plugins.konghq.com")[1].key == ""
    assert kong.lookup("konghq.com/no-such-key")[1] is None


def test_headers_are_a_cartesian_product_with_methods():
    result = ingress({"konghq.com/methods": "GET,POST", "konghq.com/headers.a": "1,2", "konghq.com/headers.b": "x,y,z"})
    matches = routes(result)[0]["spec"]["rules"][0]["matches"]
    assert len(matches) == 2 * 2 * 3
    combos = {(m["method"], m["headers"][0]["value"], m["headers"][1]["value"]) for m in matches}
    assert len(combos) == 12  # every combination once: OR within a header, AND across headers


def test_header_product_over_64_uses_regex_alternatives():
    values = ",".join(str(i) for i in range(10))
    result = ingress({"konghq.com/headers.a": values, "konghq.com/headers.b": values})
    rules = routes(result)[0]["spec"]["rules"]
    assert sum(len(r["matches"]) for r in rules) <= 64
    assert any(h.get("type") == "RegularExpression" for r in rules for m in r["matches"] for h in m["headers"])


def test_methods_are_trimmed_and_upper_cased():
    matches = routes(ingress({"konghq.com/methods": " get , post"}))[0]["spec"]["rules"][0]["matches"]
    assert [m["method"] for m in matches] == ["GET", "POST"]


def test_invalid_values_never_crash():
    for key in ("methods", "protocols", "https-redirect-status-code", "strip-path", "host-aliases",
                "headers.x", "headers-separator", "regex-priority", "preserve-host", "rewrite", "plugins",
                "path-handling", "snis", "override", "regex-prefix", "request-buffering"):
        for value in ("", " ", ",,,", "\u00e9\u00e9", "$1$2", "~*(", "-1", "GET,,P OST", "*"):
            result = ingress({f"konghq.com/{key}": value}, paths=[("/a", "Prefix"), ("/~(", "ImplementationSpecific")])
            assert result.statuses


def test_paths_without_regex_syntax_are_plain_gateway_matches():
    result = ingress({}, paths=[("/a/", "Prefix"), ("/b", "Exact"), ("/c", "ImplementationSpecific")])
    got = [r["matches"][0]["path"] for r in routes(result)[0]["spec"]["rules"]]
    assert got == [{"type": "PathPrefix", "value": "/a"}, {"type": "Exact", "value": "/b"},
                   {"type": "RegularExpression", "value": "^/c.*"}]


def test_strip_path_with_methods_keeps_one_prefix_match_per_rule():
    result = ingress({"konghq.com/strip-path": "true", "konghq.com/methods": "GET,PUT"})
    for rule in routes(result)[0]["spec"]["rules"]:
        assert len(rule["matches"]) == 1  # CEL: ReplacePrefixMatch needs exactly one PathPrefix match
        assert rule["filters"][0]["urlRewrite"]["path"] == {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}


def test_plugin_resolution_prefers_the_namespaced_kongplugin():
    plugin = {"apiVersion": "configuration.konghq.com/v1", "kind": "KongPlugin",
              "metadata": {"name": "p", "namespace": "ns"}, "plugin": "cors"}
    cluster = {"apiVersion": "configuration.konghq.com/v1", "kind": "KongClusterPlugin", "metadata": {"name": "p"},
               "plugin": "key-auth"}
    result = ingress({"konghq.com/plugins": "p"}, extra=[plugin, cluster])
    assert "security-not-enforced" not in codes(result)
    assert routes(result)[0]["spec"]["rules"][0]["filters"][0]["type"] == "CORS"
    result = ingress({"konghq.com/plugins": "p"}, extra=[cluster])
    assert "security-not-enforced" in codes(result)


def test_missing_plugin_is_an_error_and_plugins_status_is_honest():
    result = ingress({"konghq.com/plugins": "nowhere"})
    assert "kong-plugin-missing" in codes(result)
    status = next(s for s in result.statuses if s.name == "ing")
    assert status.annotations["konghq.com/plugins"] == "unsupported"


def test_service_annotations_reach_the_rules():
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc", "namespace": "ns", "annotations": {
        "konghq.com/path": "/base", "konghq.com/read-timeout": "90000", "konghq.com/plugins": "hdr"}},
        "spec": {"ports": [{"port": 80}]}}
    hdr = {"apiVersion": "configuration.konghq.com/v1", "kind": "KongPlugin",
           "metadata": {"name": "hdr", "namespace": "ns"}, "plugin": "response-transformer",
           "config": {"append": {"headers": ["x-a:1"]}}}
    rule = routes(ingress({}, extra=[svc, hdr]))[0]["spec"]["rules"][0]
    assert rule["timeouts"] == {"backendRequest": "1m30s"}
    types = {f["type"]: f for f in rule["filters"]}
    assert types["URLRewrite"]["urlRewrite"]["path"] == {"type": "ReplacePrefixMatch",
                                                         "replacePrefixMatch": "/base/api"}
    assert types["ResponseHeaderModifier"]["responseHeaderModifier"]["add"] == [{"name": "x-a", "value": "1"}]


def test_kong_defaults_are_named_once_per_ingress():
    result = ingress({}, paths=[("/a", "Prefix"), ("/b", "Prefix")])
    assert [f.code for f in result.findings].count("kong-defaults") == 1


def kong_plugin(name: str, ptype: str, config: dict | None = None, namespace: str = "ns", **fields) -> dict:
    doc = {"apiVersion": "configuration.konghq.com/v1", "kind": "KongPlugin",
           "metadata": {"name": name, "namespace": namespace}, "plugin": ptype, **fields}
    if config is not None:
        doc["config"] = config
    return doc


def test_redirect_locations_gateway_api_cannot_hold_never_crash_nor_emit_invalid_hostnames():
    for location in ("https://a.example.com:99999/x", "https://[2001:db8::1]/x", "https://user@a.example.com/"):
        result = ingress({"konghq.com/plugins": "r"}, extra=[kong_plugin("r", "redirect", {"location": location})])
        assert "annotation-unsupported" in codes(result)
        assert "filters" not in routes(result)[0]["spec"]["rules"][0]


def test_redirect_without_keep_incoming_path_says_the_query_string_differs():
    result = ingress({"konghq.com/plugins": "r"}, extra=[kong_plugin("r", "redirect", {"location": "https://b.example.com/x"})])
    assert any(f.code == "annotation-approximated" and "query string" in f.message for f in result.findings)
    result = ingress({"konghq.com/plugins": "r"}, extra=[
        kong_plugin("r", "redirect", {"location": "https://b.example.com", "keep_incoming_path": True})])
    assert "annotation-approximated" not in codes(result)
    assert "path" not in routes(result)[0]["spec"]["rules"][0]["filters"][0]["requestRedirect"]


def test_transformer_follows_kongs_order_remove_then_replace_add_append():
    cfg = {"remove": {"headers": ["x-a", "x-b", "x-c"]}, "replace": {"headers": ["x-c:3"]},
           "add": {"headers": ["x-a:1"]}, "append": {"headers": ["x-b:2"]}}
    result = ingress({"konghq.com/plugins": "t"}, extra=[kong_plugin("t", "request-transformer", cfg)])
    mod = routes(result)[0]["spec"]["rules"][0]["filters"][0]["requestHeaderModifier"]
    # removed then added/appended: the header is set (exactly what Kong did); removed then replaced: stays removed
    assert mod == {"set": [{"name": "x-a", "value": "1"}, {"name": "x-b", "value": "2"}], "remove": ["x-c"]}
    assert "annotation-approximated" not in codes(result)


def test_plugin_protocols_and_consumer_ref_limit_where_it_runs():
    grpc_only = kong_plugin("g", "key-auth", protocols=["grpc", "grpcs"])
    result = ingress({"konghq.com/plugins": "g"}, extra=[grpc_only])
    assert "security-not-enforced" not in codes(result)  # never ran on these http/https routes
    assert "annotation-ignored" in codes(result)
    vip = kong_plugin("v", "response-transformer", {"add": {"headers": ["x-vip:1"]}}, consumerRef="vip")
    result = ingress({"konghq.com/plugins": "v"}, extra=[vip])
    assert "filters" not in routes(result)[0]["spec"]["rules"][0]
    assert "annotation-implementation-specific" in codes(result)


def test_http_only_redirect_plugin_goes_to_the_http_listener_only():
    tls = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {
        "name": "sec", "namespace": "ns", "annotations": {"konghq.com/plugins": "up"}},
        "spec": {"ingressClassName": "kong", "tls": [{"hosts": ["s.example.com"], "secretName": "c"}],
                 "rules": [{"host": "s.example.com", "http": {"paths": [
                     {"path": "/", "pathType": "Prefix",
                      "backend": {"service": {"name": "svc", "port": {"number": 80}}}}]}}]}}
    up = kong_plugin("up", "redirect", {"location": "https://s.example.com", "keep_incoming_path": True},
                     protocols=["http"])
    loaded = LoadResult()
    load_bytes(yaml.safe_dump_all([tls, up]).encode(), "test.yaml", loaded)
    result = converter.convert(loaded)
    by_section = {r["spec"]["parentRefs"][0]["sectionName"]: r["spec"]["rules"] for r in routes(result)}
    assert "filters" not in by_section["https-s.example.com"][0]
    assert by_section["http-s.example.com"][0]["filters"][0]["type"] == "RequestRedirect"


def test_cross_namespace_plugin_without_reference_grant_is_flagged():
    other = kong_plugin("c", "cors", {"origins": ["https://a.example.com"]}, namespace="other")
    assert "kong-plugin-no-grant" in codes(ingress({"konghq.com/plugins": "other:c"}, extra=[other]))
    grant = {"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant",
             "metadata": {"name": "g", "namespace": "other"},
             "spec": {"from": [{"group": "networking.k8s.io", "kind": "Ingress", "namespace": "ns"}],
                      "to": [{"group": "configuration.konghq.com", "kind": "KongPlugin"}]}}
    assert "kong-plugin-no-grant" not in codes(ingress({"konghq.com/plugins": "other:c"}, extra=[other, grant]))


def test_methods_outranking_a_longer_path_is_a_precedence_change():
    other = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "long", "namespace": "ns"},
             "spec": {"ingressClassName": "kong", "rules": [{"host": "k.example.com", "http": {"paths": [
                 {"path": "/api/v2", "pathType": "Prefix",
                  "backend": {"service": {"name": "v2", "port": {"number": 80}}}}]}}]}}
    result = ingress({"konghq.com/methods": "POST"}, extra=[other])
    assert [f.name for f in result.findings if f.code == "precedence-changed"] == ["ing"]
    assert "precedence-changed" not in codes(ingress({}, extra=[other]))


def test_an_invalid_sni_discards_the_whole_list():
    result = ingress({"konghq.com/snis": "*.example.com,b.example.com"})
    status = next(s for s in result.statuses if s.name == "ing")
    assert status.annotations["konghq.com/snis"] == "invalid"
    assert "annotation-invalid-value" in codes(result)


def test_cors_origins_as_kong_compares_them():
    def origins(values: list[str]) -> list[str] | None:
        result = ingress({"konghq.com/plugins": "c"}, extra=[kong_plugin("c", "cors", {"origins": values})])
        return routes(result)[0]["spec"]["rules"][0]["filters"][0]["cors"].get("allowOrigins")

    assert origins(["*"]) == ["*"]
    assert origins(["*", "https://a.example.com"]) == ["https://a.example.com"]  # '*' among others: a bad regex
    assert origins(["a.example.com"]) is None  # no scheme: never equal to a normalized Origin
    assert origins(["https://a.example.com:443/"]) == ["https://a.example.com"]


def test_redirect_plugin_with_upstream_rewrites_stays_valid():
    result = ingress({"konghq.com/plugins": "r,t", "konghq.com/rewrite": "/x", "konghq.com/strip-path": "true"}, extra=[
        kong_plugin("r", "redirect", {"location": "https://b.example.com/"}),
        kong_plugin("t", "request-transformer", {"replace": {"uri": "/new", "headers": ["host:h.example.com"]}})])
    types = [f["type"] for f in routes(result)[0]["spec"]["rules"][0]["filters"]]
    assert "RequestRedirect" in types and "URLRewrite" not in types  # CEL: not both; the redirect answers first
