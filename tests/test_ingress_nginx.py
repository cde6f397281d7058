"""ingress-nginx: the mapping table against the reference catalogue, and the vendor's path, rewrite, redirect, canary
and channel semantics on small inputs (the golden fixtures in fixtures/ingress-nginx cover each family end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import converter
from converter.mapping import load_table
from converter.vendors.ingress_nginx import nginx_regex

PREFIX = "nginx.ingress.kubernetes.io/"


def _ingress(name: str, annotations: dict[str, str], paths: list[tuple[str, str]], host: str = "a.example.com",
             created: str = "", service: str = "svc") -> str:
    meta: dict = {"name": name, "namespace": "default",
                  "annotations": {k if "/" in k else PREFIX + k: v for k, v in annotations.items()}}
    if created:
        meta["creationTimestamp"] = created
    backend = {"service": {"name": service, "port": {"number": 80}}}
    doc = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
           "spec": {"ingressClassName": "nginx", "rules": [{"host": host, "http": {"paths": [
               {"path": p, "pathType": t, "backend": backend} for p, t in paths]}}]}}
    return yaml.safe_dump(doc, sort_keys=False)


def _convert(tmp_path: Path, *docs: str, **opts) -> converter.Result:
    f = tmp_path / "in.yaml"
    f.write_text("---\n".join(docs))
    return converter.convert([str(f)], converter.Options(**opts))


def _routes(result: converter.Result, kind: str = "HTTPRoute") -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in result.objects if o["kind"] == kind}


def _codes(result: converter.Result, name: str | None = None) -> set[str]:
    return {f.code for f in result.findings if name is None or f.name == name}


# -- the table ------------------------------------------------------------------------------------------------------


def test_every_reference_annotation_has_an_entry(shared_dir):
    ref = yaml.safe_load((shared_dir / "reference" / "annotations-nginx.yaml").read_text())
    table = load_table("ingress-nginx.yaml")
    keys = [e["annotation"][len(PREFIX):] for e in ref if e["vendor"] == "ingress-nginx"]
    assert len([e for e in ref if e["vendor"] == "ingress-nginx" and e.get("status") in ("active", "alias")]) == 138
    missing = [k for k in keys if k not in table.entries]
    assert not missing, f"annotations without an entry in mappings/ingress-nginx.yaml: {missing}"
    removed = [e["annotation"][len(PREFIX):] for e in ref
               if e["vendor"] == "ingress-nginx" and e["status"] == "removed"]
    assert all(table.entries[k].removed for k in removed)


def test_table_entries_are_complete():
    table = load_table("ingress-nginx.yaml")
    for key, entry in table.entries.items():
        assert entry.message, key
        if entry.status == "needs-experimental":
            assert entry.experimental, f"{key}: needs-experimental without the `experimental` field"
        if entry.security and entry.status in ("implementation-specific", "unsupported"):
            assert entry.hint, f"{key}: a security entry needs a hint naming the replacement"


def test_corpus_annotations_are_all_known(shared_dir):
    corpus = shared_dir / "corpus" / "real" / "ingress-nginx"
    if not corpus.is_dir():
        pytest.skip("no ingress-nginx corpus")
    result = converter.convert([str(corpus)])
    unknown = [(s.file, k) for s in result.statuses for k, v in s.annotations.items()
               if v == "unknown" and k.startswith(PREFIX)]
    assert not unknown


# -- paths ----------------------------------------------------------------------------------------------------------


def test_nginx_regex_is_engine_neutral():
    assert nginx_regex("/api") == "(?i)^/api.*"
    assert nginx_regex("/a/.*") == "(?i)^/a/.*"
    assert nginx_regex("/a|/b") == "(?i)^(?:/a|/b).*"


def test_regex_mode_is_host_wide_and_per_host(tmp_path):
    res = _convert(tmp_path,
                   _ingress("re", {"use-regex": "true"}, [("/v[0-9]+", "ImplementationSpecific")]),
                   _ingress("plain", {}, [("/", "Prefix"), ("/exact", "Exact"), ("/p", "Prefix")]),
                   _ingress("elsewhere", {}, [("/p", "Prefix")], host="b.example.com"))
    routes = _routes(res)
    plain = [r["matches"][0]["path"] for r in routes["plain"]["spec"]["rules"]]
    assert plain == [{"type": "PathPrefix", "value": "/"}, {"type": "RegularExpression", "value": "(?i)^/exact.*"},
                     {"type": "RegularExpression", "value": "(?i)^/p.*"}]
    assert routes["elsewhere"]["spec"]["rules"][0]["matches"][0]["path"] == {"type": "PathPrefix", "value": "/p"}
    assert "path-regex-host-wide" in _codes(res, "plain")
    assert "path-regex" in _codes(res, "re")


def test_rewrite_equal_to_path_changes_nothing(tmp_path):
    res = _convert(tmp_path, _ingress("same", {"rewrite-target": "/app"}, [("/app", "Prefix")]))
    rule = _routes(res)["same"]["spec"]["rules"][0]
    assert rule["matches"][0]["path"] == {"type": "PathPrefix", "value": "/app"}
    assert "filters" not in rule


@pytest.mark.parametrize(("path", "target", "match", "rewrite", "status"), [
    # exact but for case: nginx matched `~*` (case-insensitive), PathPrefix is case-sensitive
    ("/something(/|$)(.*)", "/$2", ("PathPrefix", "/something"), ("ReplacePrefixMatch", "/"), "approximated"),
    ("/api(/|$)(.*)", "/v2/$2", ("PathPrefix", "/api"), ("ReplacePrefixMatch", "/v2"), "approximated"),
    ("/2024(/|$)(.*)", "/$2", ("PathPrefix", "/2024"), ("ReplacePrefixMatch", "/"), "converted"),
    ("/api/(.*)", "/$1", ("PathPrefix", "/api"), ("ReplacePrefixMatch", "/"), "approximated"),
    ("/(.*)", "/cache/$1", ("PathPrefix", "/"), ("ReplacePrefixMatch", "/cache"), "converted"),
    ("/old", "/new", ("RegularExpression", "(?i)^/old.*"), ("ReplaceFullPath", "/new"), "converted"),
    ("/(\\w+)/(\\w+)", "/$2/$1", ("RegularExpression", "(?i)^/(\\w+)/(\\w+).*"), None, "implementation-specific"),
])
def test_rewrite_target_families(tmp_path, path, target, match, rewrite, status):
    res = _convert(tmp_path, _ingress("rw", {"rewrite-target": target}, [(path, "ImplementationSpecific")]))
    rule = _routes(res)["rw"]["spec"]["rules"][0]
    assert (rule["matches"][0]["path"]["type"], rule["matches"][0]["path"]["value"]) == match
    filters = [f for f in rule.get("filters", []) if f["type"] == "URLRewrite"]
    if rewrite is None:
        assert not filters
    else:
        p = filters[0]["urlRewrite"]["path"]
        assert (p["type"], p.get("replacePrefixMatch", p.get("replaceFullPath"))) == rewrite
    assert res.statuses[0].annotations[PREFIX + "rewrite-target"] == status


# -- TLS redirects and redirects -------------------------------------------------------------------------------------


def _tls(name: str, annotations: dict[str, str]) -> str:
    doc = yaml.safe_load(_ingress(name, annotations, [("/", "Prefix")]))
    doc["spec"]["tls"] = [{"hosts": ["a.example.com"], "secretName": "cert"}]
    return yaml.safe_dump(doc)


def test_ssl_redirect_false_serves_http(tmp_path):
    res = _convert(tmp_path, _tls("plain", {"ssl-redirect": "false"}))
    http = _routes(res)["plain-http"]["spec"]["rules"][0]
    assert http["backendRefs"] and "filters" not in http


def test_ssl_redirect_default_redirects(tmp_path):
    res = _convert(tmp_path, _tls("tls", {}))
    http = _routes(res)["tls-http"]["spec"]["rules"][0]
    assert http["filters"][0]["requestRedirect"] == {"scheme": "https", "statusCode": 308}


def test_force_ssl_redirect_without_tls_is_flagged(tmp_path):
    res = _convert(tmp_path, _ingress("f", {"force-ssl-redirect": "true"}, [("/", "Prefix")]))
    rule = _routes(res)["f"]["spec"]["rules"][0]
    assert rule["filters"][0]["requestRedirect"] == {"scheme": "https", "statusCode": 308}
    assert "backendRefs" not in rule
    assert res.statuses[0].annotations[PREFIX + "force-ssl-redirect"] == "approximated"


def test_temporal_redirect_wins(tmp_path):
    res = _convert(tmp_path, _ingress("r", {"permanent-redirect": "https://p.example.com",
                                            "temporal-redirect": "https://t.example.com/x"}, [("/", "Prefix")]))
    redirect = _routes(res)["r"]["spec"]["rules"][0]["filters"][0]["requestRedirect"]
    assert redirect["hostname"] == "t.example.com" and redirect["statusCode"] == 302


def test_app_root_adds_exact_redirect(tmp_path):
    res = _convert(tmp_path, _ingress("root", {"app-root": "/app"}, [("/", "Prefix")]))
    first = _routes(res)["root"]["spec"]["rules"][0]
    assert first["matches"][0]["path"] == {"type": "Exact", "value": "/"}
    assert first["filters"][0]["requestRedirect"]["path"]["replaceFullPath"] == "/app"


# -- canary ---------------------------------------------------------------------------------------------------------


def test_canary_weight_and_header(tmp_path):
    primary = _ingress("main", {}, [("/", "Prefix")], created="2024-01-01T00:00:00Z")
    can = _ingress("can", {"canary": "true", "canary-weight": "30", "canary-by-header": "X-C"}, [("/", "Prefix")],
                   created="2024-01-02T00:00:00Z", service="svc2")
    res = _convert(tmp_path, primary, can)
    routes = _routes(res)
    assert "can" not in routes
    rules = routes["main"]["spec"]["rules"]
    assert rules[0]["matches"][0]["headers"] == [{"name": "X-C", "value": "always"}]
    assert rules[0]["backendRefs"] == [{"name": "svc2", "port": 80}]
    assert rules[1]["matches"][0]["headers"] == [{"name": "X-C", "value": "never"}]
    assert rules[2]["backendRefs"] == [{"name": "svc", "port": 80, "weight": 70}, {"name": "svc2", "port": 80,
                                                                                  "weight": 30}]
    assert "canary-merged" in _codes(res, "can")


def test_canary_weight_total_up_to_100_is_ignored(tmp_path):
    # balancer.lua: weightTotal = 100 unless canary-weight-total > 100
    primary = _ingress("main", {}, [("/", "Prefix")], created="2024-01-01T00:00:00Z")
    for total, expect in (("50", (80, 20)), ("200", (180, 20))):
        can = _ingress("can", {"canary": "true", "canary-weight": "20", "canary-weight-total": total},
                       [("/", "Prefix")], created="2024-01-02T00:00:00Z", service="svc2")
        rules = _routes(_convert(tmp_path, primary, can))["main"]["spec"]["rules"]
        assert [b["weight"] for b in rules[0]["backendRefs"]] == list(expect)


def test_canary_splits_every_location_of_the_primary_upstream(tmp_path):
    primary = _ingress("main", {}, [("/", "Prefix"), ("/other", "Prefix")], created="2024-01-01T00:00:00Z")
    other = _ingress("other", {}, [("/", "Prefix")], host="b.example.com", created="2024-01-01T00:00:00Z")
    can = _ingress("can", {"canary": "true", "canary-weight": "10", "use-regex": "true"}, [("/", "Prefix")],
                   created="2024-01-02T00:00:00Z", service="svc2")
    late = _ingress("late", {"canary": "true", "canary-weight": "90"}, [("/other", "Prefix")],
                    created="2024-01-03T00:00:00Z", service="svc3")
    res = _convert(tmp_path, primary, other, can, late)
    routes = _routes(res)
    for name in ("main", "other"):
        for rule in routes[name]["spec"]["rules"]:
            assert [(b["name"], b["weight"]) for b in rule["backendRefs"]] == [("svc", 90), ("svc2", 10)]
    # the canary's use-regex does not put the host in regex mode (createServers skips canary Ingresses)
    assert routes["main"]["spec"]["rules"][1]["matches"][0]["path"] == {"type": "PathPrefix", "value": "/other"}
    assert "canary-shared-upstream" in _codes(res, "other")
    assert "canary-not-applied" in _codes(res, "late")  # only the first canary of an upstream is used
    assert "annotation-ignored" in _codes(res, "can")


def test_canary_uses_the_primary_location_backend_protocol(tmp_path):
    primary = _ingress("main", {"backend-protocol": "HTTPS"}, [("/", "Prefix")], created="2024-01-01T00:00:00Z")
    can = _ingress("can", {"canary": "true", "canary-weight": "10"}, [("/", "Prefix")],
                   created="2024-01-02T00:00:00Z", service="svc2")
    res = _convert(tmp_path, primary, can)
    policies = {o["spec"]["targetRefs"][0]["name"]: o for o in res.objects if o["kind"] == "BackendTLSPolicy"}
    assert policies["svc2"]["spec"]["validation"]["hostname"] == "svc2.default.svc"


def test_canary_with_an_unresolved_primary_backend_is_not_called_primary_less(tmp_path):
    primary = _ingress("main", {}, [("/", "Prefix")], created="2024-01-01T00:00:00Z")
    can = _ingress("can", {"canary": "true", "canary-weight": "20"}, [("/", "Prefix")],
                   created="2024-01-02T00:00:00Z", service="svc2")
    res = _convert(tmp_path, primary, can.replace("number: 80", "name: http"))
    assert "canary-not-applied" in _codes(res, "can")
    assert "canary-without-primary" not in _codes(res, "can")


def test_canary_without_primary_is_dropped(tmp_path):
    res = _convert(tmp_path, _ingress("can", {"canary": "true", "canary-weight": "30"}, [("/", "Prefix")]))
    assert not _routes(res)
    assert "canary-without-primary" in _codes(res, "can")


# -- values, snippets, channels -------------------------------------------------------------------------------------


def test_invalid_value_reported_and_rest_converts(tmp_path):
    # ratelimit/main.go returns the validation error of limit-rps: annotations.Extract drops the whole Ingress
    res = _convert(tmp_path, _ingress("bad", {"limit-rps": "ten", "x-forwarded-prefix": "/x"}, [("/", "Prefix")]))
    assert {"annotation-invalid-value", "ingress-ignored-by-controller"} <= _codes(res, "bad")
    assert any("'ten'" in f.message or "ten" in f.message for f in res.findings if f.code == "annotation-invalid-value")
    rule = _routes(res)["bad"]["spec"]["rules"][0]
    assert rule["filters"][0]["requestHeaderModifier"]["set"] == [{"name": "X-Forwarded-Prefix", "value": "/x"}]


def test_invalid_allow_list_denies_every_location(tmp_path):
    # ipallowlist/main.go: an invalid CIDR is a LocationDeniedError: the Ingress is served, its locations return 503
    res = _convert(tmp_path, _ingress("bad", {"whitelist-source-range": "10.0.0.0/33", "x-forwarded-prefix": "/x"},
                                      [("/", "Prefix")]))
    assert "ingress-ignored-by-controller" not in _codes(res, "bad")
    assert any("10.0.0.0/33" in f.message for f in res.findings)
    rule = _routes(res)["bad"]["spec"]["rules"][0]
    assert "backendRefs" not in rule and "filters" not in rule  # Gateway API answers 503, as nginx did


@pytest.mark.parametrize("key,value", [("canary-weight", "abc"), ("proxy-read-timeout", "60s"),
                                       ("enable-cors", "yes")])
def test_invalid_value_with_a_parser_default_keeps_the_ingress(tmp_path, key, value):
    res = _convert(tmp_path, _ingress("bad", {key: value}, [("/", "Prefix")]))
    assert "annotation-invalid-value" in _codes(res, "bad")
    assert "ingress-ignored-by-controller" not in _codes(res, "bad")


def test_snippet_ingress_is_flagged_as_ignored_by_controller(tmp_path):
    res = _convert(tmp_path, _ingress("s", {"configuration-snippet": "return 403;"}, [("/", "Prefix")]))
    assert {"ingress-ignored-by-controller", "security-not-enforced"} <= _codes(res, "s")
    assert _routes(res)["s"]


@pytest.mark.parametrize("channel", ["standard", "experimental"])
def test_experimental_fields_only_on_experimental(tmp_path, channel):
    res = _convert(tmp_path, _ingress("x", {"affinity": "cookie", "proxy-next-upstream-tries": "3",
                                            "auth-url": "http://auth.sec.svc.cluster.local/check"},
                                      [("/", "Prefix")]), channel=channel)
    rule = _routes(res)["x"]["spec"]["rules"][0]
    exp = channel == "experimental"
    assert ("sessionPersistence" in rule) == exp
    assert ("retry" in rule) == exp
    assert any(f["type"] == "ExternalAuth" for f in rule.get("filters", [])) == exp
    if not exp:
        assert "security-not-enforced" in _codes(res, "x")


def test_annotations_prefix(tmp_path):
    res = _convert(tmp_path, _ingress("p", {"custom.io/ssl-redirect": "false", "custom.io/nope": "1"},
                                      [("/", "Prefix")]), annotations_prefix="custom.io", provider="ingress-nginx")
    statuses = res.statuses[0].annotations
    assert statuses["custom.io/ssl-redirect"] == "converted"
    assert statuses["custom.io/nope"] == "unknown"


def test_regex_path_with_pcre_only_syntax_is_flagged(tmp_path):
    res = _convert(tmp_path, _ingress("re", {"use-regex": "true"}, [("/api/(?!internal).*", "ImplementationSpecific")]))
    notes = [f.message for f in res.findings if f.code == "path-regex"]
    assert notes and "PCRE-only" in notes[0] and "longest path first" in notes[0]


def test_allow_list_of_every_address_restricts_nothing(tmp_path):
    res = _convert(tmp_path, _ingress("solver", {"whitelist-source-range": "0.0.0.0/0,::/0"}, [("/", "Prefix")]))
    assert "security-not-enforced" not in _codes(res, "solver")
    res = _convert(tmp_path, _ingress("v4", {"whitelist-source-range": "0.0.0.0/0"}, [("/", "Prefix")]))
    assert "security-not-enforced" in _codes(res, "v4")  # IPv6 clients were denied


def test_permanent_redirect_with_request_uri_keeps_path_and_query(tmp_path):
    res = _convert(tmp_path, _ingress("r", {"permanent-redirect": "https://new.example.com$request_uri"},
                                      [("/", "Prefix")]))
    rule = _routes(res)["r"]["spec"]["rules"][0]
    assert rule["filters"] == [{"type": "RequestRedirect", "requestRedirect": {
        "scheme": "https", "hostname": "new.example.com", "statusCode": 301}}]
    assert not [f for f in res.findings if f.annotation.endswith("permanent-redirect")]
    res = _convert(tmp_path, _ingress("rel", {"permanent-redirect": "/moved"}, [("/", "Prefix")]))
    assert "filters" not in _routes(res)["rel"]["spec"]["rules"][0]  # isValidURL refused it: no redirect


def test_invalid_redirect_url_drops_from_to_www_too(tmp_path):
    res = _convert(tmp_path, _ingress("w", {"permanent-redirect": "/moved", "from-to-www-redirect": "true"},
                                      [("/", "Prefix")], host="example.com"))
    assert not any("www.example.com" in r["spec"]["hostnames"] for r in _routes(res).values())
