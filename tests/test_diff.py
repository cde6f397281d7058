"""The intent diff (every routing difference explained by a finding), the readback of Gateway API objects, and the
semantic diffs behind `diff --base --head` and `convert --check`."""

from __future__ import annotations

import copy

import pytest
import yaml
from golden import case_id, cases, run_case

import converter
from converter import diff, intent
from converter.loader import LoadResult, load_bytes
from converter.readback import match_key, read_routes

CASES = cases()

SOURCE = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
spec:
  ingressClassName: nginx
  tls:
  - hosts: [shop.example.com]
    secretName: shop-tls
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service: {name: api, port: {number: 8080}}
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
"""


def load_text(text: str, name: str = "input.yaml") -> LoadResult:
    result = LoadResult(files=1)
    load_bytes(text.encode(), name, result)
    return result


def convert_text(text: str) -> converter.Result:
    return converter.convert(load_text(text))


def options_of(case) -> converter.Options:
    f = case / "options.yaml"
    opts = yaml.safe_load(f.read_text()) if f.exists() else {}
    if "ingress_classes" in opts:
        opts["ingress_classes"] = tuple(opts["ingress_classes"])
    return converter.Options(**(opts or {}))


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_golden_fixture_has_no_unexplained_change(case):
    result = run_case(case)
    intents = intent.analyse(result, options_of(case))
    unexplained = [(it.ingress.key, d.text()) for it in intents for d in it.unexplained]
    assert not unexplained, f"{case}: routing differences no finding explains: {unexplained}"


def kinds(result: converter.Result) -> list[tuple[str, bool]]:
    return sorted((d.kind, d.explained) for it in intent.analyse(result) for d in it.differences)


# -- the check catches what a bug would do --------------------------------------------------------------------------


def routes_of(result: converter.Result) -> list[dict]:
    return [o for o in result.objects if o["kind"] == "HTTPRoute"]


def test_clean_conversion_has_only_explained_differences():
    r = convert_text(SOURCE)
    assert all(explained for _, explained in kinds(r)), kinds(r)
    assert ("https-redirect", True) in kinds(r), "ingress-nginx's TLS redirect, explained by tls-redirect"


def test_dropped_rule_is_unexplained():
    r = convert_text(SOURCE)
    for route in routes_of(r):
        route["spec"]["rules"] = [x for x in route["spec"]["rules"]
                                  if x.get("matches", [{}])[0].get("path", {}).get("value") != "/api"]
    assert ("path-dropped", False) in kinds(r)
    intent.apply(r)
    bad = [f for f in r.findings if f.code == "unexplained-change"]
    assert bad and bad[0].name == "shop" and bad[0].line == 15, "located at the Ingress path"
    assert all(s.status != "converted" for s in r.statuses)


def test_changed_backend_port_is_unexplained():
    r = convert_text(SOURCE)
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            for b in rule.get("backendRefs", []):
                if b["name"] == "api":
                    b["port"] = 9090
    assert ("backend-changed", False) in kinds(r)


def test_changed_match_is_unexplained():
    r = convert_text(SOURCE)
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            for m in rule.get("matches", []):
                if m["path"]["value"] == "/api":
                    m["path"]["type"] = "Exact"
    assert ("path-dropped", False) in kinds(r)


def test_lost_https_listener_is_unexplained():
    r = convert_text(SOURCE)
    for gw in (o for o in r.objects if o["kind"] == "Gateway"):
        gw["spec"]["listeners"] = [x for x in gw["spec"]["listeners"] if x["protocol"] != "HTTPS"]
    assert ("https-not-served", False) in kinds(r)


def test_added_route_is_unexplained():
    r = convert_text(SOURCE)
    route = routes_of(r)[0]
    extra = copy.deepcopy(route["spec"]["rules"][0])
    extra["matches"] = [{"path": {"type": "PathPrefix", "value": "/admin"}}]
    route["spec"]["rules"].append(extra)
    assert ("route-added", False) in kinds(r)


def test_added_filter_is_unexplained():
    r = convert_text(SOURCE)
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            rule.setdefault("filters", []).append({"type": "URLRewrite", "urlRewrite": {"hostname": "x"}})
    assert ("filters-added", False) in kinds(r)


def test_explained_when_the_finding_exists():
    text = SOURCE.replace("path: /api\n", "path: /api//x\n")  # not a valid Gateway API path: path-invalid
    r = convert_text(text)
    ks = kinds(r)
    assert ("path-dropped", True) in ks and all(e for _, e in ks)
    it = next(it for it in intent.analyse(r) if it.differences)
    assert any("path-invalid" in d.explained_by for d in it.differences)


# -- readback -------------------------------------------------------------------------------------------------------


def test_match_keys():
    assert match_key("PathPrefix", "/a/") == match_key("PathPrefix", "/a") == ("prefix", "/a")
    assert match_key("PathPrefix", "/") == match_key("RegularExpression", "^/.*") == ("any", "/")
    assert match_key("RegularExpression", r"^/app\.v1.*") == ("chars", "/app.v1")
    assert match_key("RegularExpression", "^/app[0-9]+") == ("regex", "^/app[0-9]+")
    assert match_key("Exact", "/x") == ("exact", "/x")


def test_readback_resolves_listeners():
    r = convert_text(SOURCE)
    routes = read_routes(r.objects)
    schemes = {(x.host, x.scheme, x.match, x.redirect is not None) for x in routes}
    assert ("shop.example.com", "https", ("prefix", "/api"), False) in schemes
    assert ("shop.example.com", "http", ("prefix", "/api"), True) in schemes
    assert all(x.source == "Ingress shop/shop" for x in routes)


# -- semantic diffs -------------------------------------------------------------------------------------------------


def test_compare_ignores_order_formatting_and_comments():
    docs = list(yaml.safe_load_all(SOURCE))
    reordered = "# a comment\n" + yaml.safe_dump(docs[0], sort_keys=True, default_flow_style=True)
    changes = diff.compare(load_text(SOURCE), load_text(reordered))
    assert changes.routes == [] and changes.new_findings == [] and changes.gone_findings == []


def test_compare_reports_route_and_finding_changes():
    head = SOURCE.replace("name: api, port: {number: 8080}", "name: api, port: {number: 8081}")
    head = head.replace("  namespace: shop\n", "  namespace: shop\n  annotations:\n"
                        "    nginx.ingress.kubernetes.io/limit-rps: '5'\n", 1)
    changes = diff.compare(load_text(SOURCE), load_text(head))
    changed = {(c.host, c.match, c.change) for c in changes.routes}
    assert ("shop.example.com", "/api (prefix)", "changed") in changed
    assert changes.new_findings and all(f.name == "shop" for f in changes.new_findings)
    assert any("8081" in c.after and "8080" in c.before for c in changes.routes)
    back = diff.compare(load_text(head), load_text(SOURCE))
    assert {f.code for f in back.gone_findings} == {f.code for f in changes.new_findings}


def test_check_committed_objects():
    r = convert_text(SOURCE)
    committed = copy.deepcopy(r.objects)
    committed.reverse()
    for o in committed:
        o["status"] = {"conditions": []}
        o["metadata"]["resourceVersion"] = "42"
    assert diff.check(r.objects, committed) == []
    committed[0]["metadata"]["name"] = "renamed"
    out = diff.check(r.objects, committed)
    assert any(line.startswith("+ ") for line in out) and any(line.startswith("- ") for line in out)
