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


# -- precision: an explanation must be able to cause the difference; the output must do what the rules say --------


def annotated(annotations: dict[str, str], text: str = SOURCE) -> str:
    lines = "".join(f"    {k}: {v!r}\n" for k, v in annotations.items())
    return text.replace("  namespace: shop\n", "  namespace: shop\n  annotations:\n" + lines, 1)


def unexplained(result: converter.Result) -> list[tuple[str, str]]:
    return [(d.kind, d.text()) for it in intent.analyse(result) for d in it.unexplained]


def test_untouched_conversions_have_no_model_difference():
    for text in (SOURCE, annotated({"nginx.ingress.kubernetes.io/rewrite-target": "/v2"}),
                 annotated({"nginx.ingress.kubernetes.io/permanent-redirect": "https://new.example.com"}),
                 annotated({"nginx.ingress.kubernetes.io/ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/upstream-vhost": "internal.example.com"})):
        assert unexplained(convert_text(text)) == []


def test_dropped_filter_is_unexplained():
    """rewrite-target is converted (a URLRewrite filter): losing the filter is not explained by the annotation."""
    r = convert_text(annotated({"nginx.ingress.kubernetes.io/rewrite-target": "/v2"}))
    assert any("URLRewrite" in json_text for json_text in map(str, routes_of(r)))
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            rule["filters"] = [f for f in rule.get("filters", []) if f["type"] != "URLRewrite"]
            if not rule["filters"]:
                rule.pop("filters")
    assert [k for k, _ in unexplained(r)].count("output-differs") >= 1, unexplained(r)


def test_wrong_canary_weight_is_unexplained():
    canary = SOURCE.replace("name: shop\n  namespace", "name: shop-canary\n  namespace", 1)
    canary = canary.replace("name: api,", "name: api-v2,").replace("name: web,", "name: web-v2,")
    canary = annotated({"nginx.ingress.kubernetes.io/canary": "true",
                        "nginx.ingress.kubernetes.io/canary-weight": "20"}, canary)
    r = convert_text(SOURCE + "---\n" + canary)
    assert unexplained(r) == []
    weights = []
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            refs = rule.get("backendRefs", [])
            if len(refs) == 2:
                weights.append([b["weight"] for b in refs])
                refs[0]["weight"], refs[1]["weight"] = 50, 50
    assert weights and all(sorted(w) == [20, 80] for w in weights), weights
    assert ("output-differs" in [k for k, _ in unexplained(r)]), "canary-* findings do not explain another weight"


def test_lost_redirect_is_unexplained():
    r = convert_text(annotated({"nginx.ingress.kubernetes.io/permanent-redirect": "https://new.example.com"}))
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            if any(f["type"] == "RequestRedirect" for f in rule.get("filters", [])):
                rule.pop("filters")
                rule["backendRefs"] = [{"name": "web", "port": 80}]
    kinds_left = [k for k, _ in unexplained(r)]
    assert "output-differs" in kinds_left, kinds_left


def test_lost_tls_redirect_is_unexplained():
    """ingress-nginx redirects HTTP to HTTPS on TLS hosts: an HTTP side that serves the backend instead is a bug
    (it routes like the Ingress path, so only the check against the rules sees it)."""
    r = convert_text(SOURCE)
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            if any(f["type"] == "RequestRedirect" for f in rule.get("filters", [])):
                rule.pop("filters")
                value = rule["matches"][0]["path"]["value"]
                rule["backendRefs"] = [{"name": "api" if value == "/api" else "web",
                                        "port": 8080 if value == "/api" else 80}]
    assert "output-differs" in [k for k, _ in unexplained(r)]


def test_regex_path_matched_as_prefix_is_unexplained():
    """use-regex makes nginx match the path as a regex: an output that matches it as a plain prefix (what the
    Ingress path says literally) is not what the controller did."""
    text = annotated({"nginx.ingress.kubernetes.io/use-regex": "true"}).replace("path: /api\n", "path: /api/v[0-9]+\n")
    r = convert_text(text)
    assert unexplained(r) == []
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            for m in rule.get("matches", []):
                if "v[0-9]" in m["path"]["value"]:
                    m["path"] = {"type": "PathPrefix", "value": "/api"}
    assert unexplained(r), "a regex path read as a prefix must be caught"


def test_unrelated_annotation_does_not_explain():
    """A converted header annotation (upstream-vhost) and a finding about an allow-list do not explain a dropped path,
    another backend or an extra route: their families cannot cause those."""
    text = annotated({"nginx.ingress.kubernetes.io/upstream-vhost": "internal.example.com",
                      "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"})
    r = convert_text(text)
    assert unexplained(r) == []
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            for b in rule.get("backendRefs", []):
                if b["name"] == "api":
                    b["name"] = "api-other"
    got = unexplained(r)
    assert "backend-changed" in [k for k, _ in got], got
    r = convert_text(text)
    for route in routes_of(r):
        route["spec"]["rules"] = [x for x in route["spec"]["rules"]
                                  if x.get("matches", [{}])[0].get("path", {}).get("value") != "/api"]
    assert "path-dropped" in [k for k, _ in unexplained(r)]


def test_annotation_explains_only_its_family():
    text = annotated({"nginx.ingress.kubernetes.io/rewrite-target": "/v2"})
    it = intent.analyse(convert_text(text))[0]
    filt = [d for d in it.differences if d.kind == "filters-added"]
    assert filt and all(any("rewrite-target" in e for e in d.explained_by) for d in filt)
    assert intent.family_of([], "x") == ""


def test_every_converted_entry_has_a_family():
    """Every converted or approximated table entry belongs to a family the intent check knows (else it would explain
    nothing, and its conversions would be reported as unexplained)."""
    from converter.mapping import load_table
    from converter.vendors import get as get_vendor

    missing = []
    for vendor in ("ingress-nginx", "nginx-inc", "traefik", "kong", "haproxy"):
        try:
            tables = get_vendor(vendor).load_tables(intent._Families(None).ctx)
        except (KeyError, FileNotFoundError):
            continue
        for table in tables:
            if table.prefixes == load_table("common.yaml").prefixes:
                continue
            for key, entry in table.entries.items():
                if entry.status in ("converted", "approximated") and entry.category not in intent.FAMILY_KINDS:
                    missing.append(f"{vendor}: {key} ({entry.category!r})")
    assert not missing, missing


def test_unrelated_security_finding_does_not_explain_lost_https():
    """security-not-enforced is listed for https-not-served (the planner's own, about a missing certificate); about an
    allow-list annotation it explains nothing of the kind."""
    r = convert_text(annotated({"nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"}))
    assert any(f.code == "security-not-enforced" and f.annotation for f in r.findings)
    for gw in (o for o in r.objects if o["kind"] == "Gateway"):
        gw["spec"]["listeners"] = [x for x in gw["spec"]["listeners"] if x["protocol"] != "HTTPS"]
    assert "https-not-served" in [k for k, _ in unexplained(r)]


def test_changed_filter_value_is_unexplained():
    """Not only the filter's type: another rewrite target or timeout is not what the rule says."""
    r = convert_text(annotated({"nginx.ingress.kubernetes.io/rewrite-target": "/v2"}))
    r.objects = copy.deepcopy(r.objects)  # the emitted filters share their dicts with the model's rules
    for route in routes_of(r):
        for rule in route["spec"]["rules"]:
            for f in rule.get("filters", []):
                if f["type"] == "URLRewrite":
                    f["urlRewrite"]["path"] = {"type": "ReplaceFullPath", "replaceFullPath": "/v3"}
    assert "output-differs" in [k for k, _ in unexplained(r)]


GW_BASE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: api, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v1}}}]
    backendRefs: [{name: web, port: 80}]
"""

GW_SPLIT = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop-web, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v1}}}]
    backendRefs: [{name: web, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop-api, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api/}}]
    backendRefs: [{name: api, port: 8080, weight: 1}]
"""


def test_compare_gateway_only_moved_routes_are_not_changes():
    changes = diff.compare(load_text(GW_BASE), load_text(GW_SPLIT))
    assert changes.routes == [], [c.to_dict() for c in changes.routes]


def test_compare_gateway_only_sees_values_and_namespaces():
    """Another rewrite target routes differently; so does a rule that moved to another namespace (its backendRefs
    name that namespace's Services)."""
    head = GW_SPLIT.replace("replacePrefixMatch: /v1", "replacePrefixMatch: /v2")
    changed = diff.compare(load_text(GW_BASE), load_text(head)).routes
    assert [(c.match, c.change) for c in changed] == [("/ (everything)", "changed")]
    moved = GW_SPLIT.replace("{name: shop-api, namespace: shop}", "{name: shop-api, namespace: other}")
    moved = moved.replace("parentRefs: [{name: gw}]\n  hostnames: [shop.example.com]\n  rules:\n  - matches: "
                          "[{path: {type: PathPrefix, value: /api/}}]",
                          "parentRefs: [{name: gw, namespace: shop}]\n  hostnames: [shop.example.com]\n  rules:\n"
                          "  - matches: [{path: {type: PathPrefix, value: /api/}}]")
    changed = diff.compare(load_text(GW_BASE), load_text(moved)).routes
    assert [(c.match, c.change) for c in changed] == [("/api (prefix)", "changed")], [c.to_dict() for c in changed]


def test_compare_mixed_ingress_and_gateway():
    """Base: Ingresses; head: the Gateway API objects they became, the Ingress deleted. Nothing routes differently."""
    r = convert_text(SOURCE)
    head = yaml.safe_dump_all(r.objects)
    changes = diff.compare(load_text(SOURCE), load_text(head))
    assert changes.routes == []
    assert changes.gone_findings == [] or all(f.name == "shop" for f in changes.gone_findings)


def test_accept_annotation_covers_unexplained_change():
    text = SOURCE.replace("  namespace: shop\n", "  namespace: shop\n  annotations:\n"
                          "    ing2gw.io/accept: unexplained-change\n", 1)
    r = convert_text(text)
    for route in routes_of(r):
        route["spec"]["rules"] = route["spec"]["rules"][1:]
    intent.apply(r)
    bad = [f for f in r.findings if f.code == "unexplained-change"]
    assert bad and all(f.accepted for f in bad)


def test_changes_markdown_stays_under_the_cap():
    from converter import formats

    many = "".join(GW_BASE.replace("name: shop, namespace: shop", f"name: shop{i}, namespace: shop")
                   .replace("shop.example.com", f"shop{i}.ëxample.com") + "---\n" for i in range(300))
    changes = diff.compare(load_text(""), load_text(many))
    assert len(changes.routes) == 600
    for limit in (formats.MD_LIMIT, 5_000, 300):
        md = formats.render_changes("md", changes, limit=limit)
        assert len(md) <= limit


def test_a_finding_on_the_line_explains_only_path_kinds():
    """A path-level warning on the path's line may explain that the path is matched differently or not routed; it
    does not explain another backend, a denied path or a lost HTTP side."""
    from converter.findings import Finding

    f = Finding("path-prefix-by-characters", "x", kind="Ingress", namespace="shop", name="shop", line=15)
    for kind, explained in (("match-changed", True), ("path-dropped", True), ("backend-changed", False),
                            ("denied", False), ("http-not-served", False)):
        d = intent.Difference(kind, "shop.example.com", "https", 15, "src", "out")
        assert bool(intent._explain(d, [f], [], lambda key: "")) is explained, kind
