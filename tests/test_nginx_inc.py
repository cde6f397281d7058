"""F5 NGINX Ingress Controller: the table covers the reference catalogue, the parsers follow NIC's grammar, and every
real-world NIC manifest of the shared corpus converts with every annotation accounted for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import converter
from converter import intent
from converter.vendors import get as get_vendor
from converter.vendors.nginx_inc import (
    MASTER_DENYLIST,
    MINION_DENYLIST,
    MINION_INHERITS,
    nic_table,
    parse_nginx_time,
    parse_rewrites,
    parse_set_headers,
    parse_sticky,
)

VENDOR = "f5-nginx-ingress"


@pytest.fixture(scope="module")
def reference(shared_dir: Path) -> list[dict]:
    path = shared_dir / "reference" / "annotations-nginx.yaml"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return [e for e in yaml.safe_load(path.read_text()) if e["vendor"] == VENDOR]


def test_every_reference_annotation_has_an_entry(reference):
    table = nic_table()
    missing = []
    for e in reference:
        found = table.lookup(e["annotation"])
        if found is None or found[1] is None or found[1].key != e["annotation"]:
            missing.append(e["annotation"])
    assert not missing, f"annotations of the reference without an entry in mappings/nginx-inc.yaml: {missing}"
    assert len(reference) >= 80


def test_removed_reference_annotations_are_marked(reference):
    table = nic_table()
    for e in reference:
        if e.get("status") == "removed":
            assert table.entries[e["annotation"]].removed, e["annotation"]


def test_entries_are_full_annotation_names():
    table = nic_table()
    for key in table.entries:
        assert key.startswith(table.prefixes), key
    assert table.lookup("nginx.org/no-such-annotation") == ("nginx.org/", None)
    assert table.lookup("nginx.org/jwt-key")[1] is None  # only nginx.com/jwt-key exists
    assert table.lookup("custom.nginx.org/anything")[1].key == "custom.nginx.org/*"
    assert table.lookup("ingress.kubernetes.io/ssl-redirect")[1].key == "ingress.kubernetes.io/ssl-redirect"
    assert table.lookup("ingress.kubernetes.io/rewrite-target") is None
    assert table.lookup("nginx.ingress.kubernetes.io/rewrite-target") is None


def test_security_entries():
    table = nic_table()
    for key in ("nginx.org/basic-auth-secret", "nginx.com/jwt-key", "nginx.org/limit-req-rate",
                "nginx.org/location-snippets", "nginx.org/server-snippets", "appprotect.f5.com/app-protect-enable",
                "appprotectdos.f5.com/app-protect-dos-resource"):
        assert table.entries[key].security, key


def test_mergeable_lists_name_table_entries():
    table = nic_table()
    for key in MASTER_DENYLIST | MINION_DENYLIST | MINION_INHERITS:
        assert key in table.entries, key


@pytest.mark.parametrize(("text", "ms"), [("60s", 60_000), ("60", 60_000), ("1m", 60_000), ("1h30m", 5_400_000),
                                          ("500ms", 500), ("1h 30m", 5_400_000), ("2d", 172_800_000)])
def test_nginx_time(text, ms):
    assert parse_nginx_time(text) == ms


@pytest.mark.parametrize("text", ["", "10 minutes", "1.5s", "-1s", "s"])
def test_nginx_time_invalid(text):
    with pytest.raises(ValueError):
        parse_nginx_time(text)


def test_service_list_parsers():
    assert parse_rewrites("serviceName=tea rewrite=/;serviceName=coffee rewrite=/beans") == {"tea": "/",
                                                                                              "coffee": "/beans"}
    with pytest.raises(ValueError):
        parse_rewrites("tea=/")
    sticky = parse_sticky("serviceName=coffee srv_id expires=1h path=/coffee;serviceName=tea tea_id")
    assert sticky == {"coffee": {"cookie": "srv_id", "expires": "1h", "path": "/coffee"}, "tea": {"cookie": "tea_id"}}
    assert parse_set_headers("X-A: 1, X-B") == [("X-A", "1"), ("X-B", None)]
    with pytest.raises(ValueError):
        parse_set_headers("X-A: $host")


def _convert(path: Path, **opts) -> converter.Result:
    options = converter.Options(**opts)
    result = converter.convert([str(path)], options)
    intent.apply(result, options)
    return result


def _corpus(shared_dir: Path) -> list[Path]:
    files = sorted((shared_dir / "corpus" / "real" / "nginx-inc").glob("*.y*ml"))
    if not files:
        pytest.skip("no nginx-inc corpus")
    return files


def test_corpus_converts_with_every_annotation_accounted_for(shared_dir, crds):
    for path in _corpus(shared_dir):
        result = _convert(path, provider="nginx-inc")
        for s in result.statuses:
            assert s.vendor == "nginx-inc", path.name
            unknown = [k for k, v in s.annotations.items() if v == "unknown"]
            assert not unknown, f"{path.name}: unknown annotations {unknown}"
            raw = {k for ing in result.ingresses if ing.name == s.name for k in ing.obj.data["metadata"].get(
                "annotations") or {}}
            assert raw <= set(s.annotations), f"{path.name}: annotations without a status: {raw - set(s.annotations)}"
        bad = [f.message for f in result.findings if f.code in ("unexplained-change", "output-invalid")]
        assert not bad, f"{path.name}: {bad}"
        errors = [(o["kind"], o["metadata"]["name"], e) for o in result.objects for e in crds["standard"].validate(o)]
        assert not errors, f"{path.name}: {errors}"


def test_corpus_experimental_is_valid(shared_dir, crds):
    for path in _corpus(shared_dir):
        result = _convert(path, provider="nginx-inc", channel="experimental")
        errors = [(o["kind"], o["metadata"]["name"], e) for o in result.objects
                  for e in crds["experimental"].validate(o)]
        assert not errors, f"{path.name}: {errors}"


def test_corpus_detection_without_provider(shared_dir):
    """Files with NIC annotations are detected as nginx-inc; files with none (class "nginx", which both nginx
    controllers use by default) cannot be told apart and go to ingress-nginx."""
    prefixes = get_vendor("nginx-inc").prefixes
    for path in _corpus(shared_dir):
        result = _convert(path)
        for ing in result.ingresses:
            if any(k.startswith(prefixes) for k in ing.annotations) or any(
                    k.startswith(prefixes) for k in ing.ann_status):
                assert ing.vendor == "nginx-inc", f"{path.name}: {ing.name} detected as {ing.vendor}"


def test_mergeable_corpus_together(shared_dir):
    files = [shared_dir / "corpus" / "real" / "nginx-inc" / n for n in ("nic-mergeable-master.yaml",
                                                                         "nic-mergeable-coffee-minion.yaml")]
    if not all(f.exists() for f in files):
        pytest.skip("mergeable corpus files missing")
    options = converter.Options(provider="nginx-inc")
    result = converter.convert([str(f) for f in files], options)
    routes = [o for o in result.objects if o["kind"] == "HTTPRoute"]
    assert {r["metadata"]["name"] for r in routes} == {"cafe-ingress-coffee-minion", "cafe-ingress-coffee-minion-http"}
    https = next(r for r in routes if r["metadata"]["name"] == "cafe-ingress-coffee-minion")
    assert https["spec"]["parentRefs"][0]["sectionName"] == "https-cafe.example.com"
    assert {f.code for f in result.findings} >= {"mergeable-merged", "tls-redirect"}


@pytest.mark.parametrize("path", ["/tea", "/v1.0/api", "/a+b", "/"])
def test_character_prefix_round_trip(path):
    from converter.paths import prefix_by_characters
    from converter.vendors.nginx_inc import _char_prefix_path

    assert _char_prefix_path(prefix_by_characters(path)) == path


# ---------------------------------------------------------------------------------------------------------------
# Review fixes (each checked against nginx/kubernetes-ingress source)


def _run(tmp_path: Path, text: str, **opts) -> converter.Result:
    path = tmp_path / "input.yaml"
    path.write_text(text)
    return _convert(path, provider="nginx-inc", **opts)


def _ingress(name: str, annotations: dict, rules: str, ts: str = "2024-01-01T00:00:00Z", ns: str = "shop",
             tls: str = "") -> str:
    ann = "".join(f"    {k}: {v!r}\n" for k, v in annotations.items())
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
            f"  creationTimestamp: \"{ts}\"\n  annotations:\n{ann}spec:\n  ingressClassName: nginx\n{tls}"
            f"  rules:\n{rules}---\n")


def _paths(host: str, *paths: tuple[str, str, str]) -> str:
    out = f"  - host: {host}\n    http:\n      paths:\n"
    for path, ptype, svc in paths:
        out += (f"      - path: {path}\n        pathType: {ptype}\n"
                f"        backend: {{service: {{name: {svc}, port: {{number: 80}}}}}}\n")
    return out


MASTER = _ingress("master", {"nginx.org/mergeable-ingress-type": "master"}, "  - host: cafe.example.com\n",
                  tls="  tls:\n  - hosts: [cafe.example.com]\n    secretName: cafe-secret\n")


def _route_paths(result: converter.Result) -> list[tuple[str, str, str]]:
    out = []
    for o in result.objects:
        if o["kind"] != "HTTPRoute":
            continue
        for rule in o["spec"].get("rules", []):
            for m in rule.get("matches", []):
                p = m.get("path") or {}
                out.append((o["metadata"]["name"], p.get("type"), p.get("value")))
    return out


def test_minion_path_conflict_ignores_path_type(tmp_path):
    """configuration.go buildMinionConfigs keys minion paths by the path string only: the older minion's `/tea`
    Prefix wins over a younger minion's `/tea` Exact."""
    text = MASTER + _ingress("old", {"nginx.org/mergeable-ingress-type": "minion"},
                             _paths("cafe.example.com", ("/tea", "Prefix", "tea-svc")), ts="2024-01-02T00:00:00Z") \
        + _ingress("young", {"nginx.org/mergeable-ingress-type": "minion"},
                   _paths("cafe.example.com", ("/tea", "Exact", "green-svc")), ts="2024-01-03T00:00:00Z")
    result = _run(tmp_path, text)
    assert not [p for p in _route_paths(result) if p[0].startswith("young")]
    assert any(f.code == "path-duplicate" and f.name == "young" for f in result.findings)


def test_minion_repeated_path_is_not_served(tmp_path):
    """A path repeated inside one minion: buildMinionConfigs marks it valid and then invalid (the minion is its own
    holder and does not win against itself), so NIC serves neither location."""
    text = MASTER + _ingress("dup", {"nginx.org/mergeable-ingress-type": "minion"},
                             _paths("cafe.example.com", ("/tea", "Prefix", "tea-svc"), ("/tea", "Exact", "tea-svc"),
                                    ("/coffee", "Prefix", "coffee-svc")))
    result = _run(tmp_path, text)
    served = {p[2] for p in _route_paths(result)}
    assert not any("tea" in (v or "") for v in served), served
    assert any("coffee" in (v or "") for v in served)
    assert any(f.code == "path-duplicate" for f in result.findings)


def test_minion_with_two_rules_is_rejected(tmp_path):
    """validateMinionSpec: a minion must have exactly one rule with paths and no TLS."""
    text = MASTER + _ingress("two", {"nginx.org/mergeable-ingress-type": "minion"},
                             _paths("cafe.example.com", ("/tea", "Prefix", "tea-svc"))
                             + _paths("other.example.com", ("/x", "Prefix", "x-svc")))
    result = _run(tmp_path, text)
    assert any(f.code == "ingress-ignored-by-controller" and "one rule" in f.message for f in result.findings)


def _nginx_location_matches(path: str, uri: str, flags: int = 0) -> bool:
    """nginx `location ~ "^PATH"`: PCRE, unanchored at the end, `^` binds only the first alternative."""
    return re.search("^" + path, uri, flags) is not None


@pytest.mark.parametrize("path", ["/tea|/coffee", "/(tea|coffee)", "/a$|/b", "/tea/[a-z]+|^/x", "/t[|]a"])
@pytest.mark.parametrize("mode", ["case_sensitive", "case_insensitive"])
def test_path_regex_same_on_full_and_partial_match_engines(tmp_path, path, mode):
    text = _ingress("rx", {"nginx.org/path-regex": mode}, _paths("cafe.example.com", (path, "Prefix", "tea-svc")))
    result = _run(tmp_path, text)
    values = [v for _, t, v in _route_paths(result) if t == "RegularExpression"]
    assert len(values) == 1, _route_paths(result)
    emitted = values[0]
    flags = re.IGNORECASE if mode == "case_insensitive" else 0
    body = emitted[4:] if emitted.startswith("(?i)") else emitted
    for uri in ("/tea", "/TEA", "/tea/x", "/teapot", "/coffee", "/x/coffee", "/a", "/ab", "/b", "/x/b", "/x",
                "/tea/abc", "/t|a", "/ta", "/"):
        want = _nginx_location_matches(path, uri, flags)
        assert (re.fullmatch(body, uri, flags) is not None) == want, (emitted, uri)
        assert (re.search(body, uri, flags) is not None) == want, (emitted, uri)


def test_listen_ports_become_listener_ports(tmp_path):
    """nginx.ingress.tmpl: `listen` on the listen-ports instead of 80 and on listen-ports-ssl instead of 443, and
    the SSL redirect goes to `https://$host:<first SSL port>`."""
    text = _ingress("ports", {"nginx.org/listen-ports": "8080,8081", "nginx.org/listen-ports-ssl": "8443"},
                    _paths("cafe.example.com", ("/", "Prefix", "web-svc")),
                    tls="  tls:\n  - hosts: [cafe.example.com]\n    secretName: cafe-secret\n")
    result = _run(tmp_path, text)
    gw = next(o for o in result.objects if o["kind"] == "Gateway")
    ports = sorted((ls["protocol"], ls["port"]) for ls in gw["spec"]["listeners"])
    assert ports == [("HTTP", 8080), ("HTTP", 8081), ("HTTPS", 8443)]
    redirects = [f["requestRedirect"] for o in result.objects if o["kind"] == "HTTPRoute"
                 for r in o["spec"]["rules"] for f in r.get("filters", []) if f["type"] == "RequestRedirect"]
    assert redirects and all(r.get("port") == 8443 and r["scheme"] == "https" for r in redirects), redirects
    statuses = {k: v for s in result.statuses for k, v in s.annotations.items()}
    assert statuses["nginx.org/listen-ports"] == "converted"
    assert statuses["nginx.org/listen-ports-ssl"] == "converted"
    assert not [f for f in result.findings if f.code in ("unexplained-change", "output-invalid")]


def test_detection_by_ingress_class_objects(tmp_path):
    """IngressClass objects in the input decide: controller nginx.org/ingress-controller is NIC (also as the default
    class, for Ingresses without a class), whatever the annotations say."""
    text = """apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: web
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: nginx.org/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
""" + _ingress("plain", {}, _paths("a.example.com", ("/tea", "Prefix", "tea-svc"))).replace(
        "  ingressClassName: nginx\n", "  ingressClassName: web\n") \
        + _ingress("classless", {}, _paths("b.example.com", ("/tea", "Prefix", "tea-svc"))).replace(
        "  ingressClassName: nginx\n", "") \
        + _ingress("other", {"nginx.org/proxy-read-timeout": "30s"}, _paths("c.example.com", ("/", "Prefix", "s")))
    path = tmp_path / "input.yaml"
    path.write_text(text)
    result = _convert(path)
    vendors = {ing.name: ing.vendor for ing in result.ingresses}
    assert vendors == {"plain": "nginx-inc", "classless": "nginx-inc", "other": "ingress-nginx"}
    # NIC's `location /tea` is a character prefix
    assert ("plain-a.example.com", "RegularExpression", "^/tea.*") in _route_paths(result) or any(
        p[1:] == ("RegularExpression", "^/tea.*") for p in _route_paths(result))


@pytest.mark.parametrize(("path", "rejected"), [
    ("/api/{id}", True), ("/api/{2}", False), ("/variants", True), ("/app/root", True), ("/etc/x", True),
    ("/x/etc/", False), ('/a"b', True), ("/tea", False), ("/a\\", True), ("/api/(v1", True), ("/api/v1)", True),
    ("/api/[a-z", True), ("/api/(v1|v2)/[(]", False)])
def test_spec_path_validation(tmp_path, path, rejected):
    """validatePath (internal/k8s/validation.go): curly braces with letters, the illegal keywords regex
    `^/etc/|/root|/var|\\\\n|\\\\r$` (only /etc/ is anchored: /var and /root anywhere reject the Ingress) and
    unescaped double quotes make NIC reject the whole Ingress."""
    text = _ingress("p", {}, _paths("cafe.example.com", (path, "Prefix", "tea-svc")))
    result = _run(tmp_path, text)
    got = any(f.code == "ingress-ignored-by-controller" and "path" in f.message for f in result.findings)
    assert got == rejected, [f.message for f in result.findings]


def test_service_list_names_are_not_trimmed(tmp_path):
    """ParseServiceList splits on ',' without trimming: `a, b` names the Service ' b', which the Ingress does not
    use, so validateServiceListAnnotation rejects the Ingress."""
    text = _ingress("svc", {"nginx.org/ssl-services": "tea-svc, coffee-svc"},
                    _paths("cafe.example.com", ("/tea", "Prefix", "tea-svc"), ("/coffee", "Prefix", "coffee-svc")))
    result = _run(tmp_path, text)
    assert any(f.code == "ingress-ignored-by-controller" and f.annotation == "nginx.org/ssl-services"
               for f in result.findings)


@pytest.mark.parametrize("text", ["serviceName=tea rewrite=/;", "serviceName=tea  rewrite=/",
                                  "serviceName=tea rewrite=", "serviceName=tea rewrite=/a=b", "name=tea rewrite=/",
                                  "serviceName=tea rewrite=/{x}"])
def test_rewrites_parser_follows_nic(text):
    """ParseRewriteList: every ';'-separated part (a trailing ';' gives an empty one) must be exactly
    `serviceName=NAME rewrite=PATH` (one space, one '=' each), PATH matching /[^\\s{};$]*."""
    with pytest.raises(ValueError):
        parse_rewrites(text)


def test_grpc_service_with_regex_path_is_not_a_catch_all(tmp_path):
    """A gRPC path under path-regex cannot become a GRPCRoute method match; it must not become a rule that matches
    every gRPC call of the host: it stays an HTTPRoute RegularExpression rule, and the finding says so."""
    text = """apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-config, namespace: nginx-ingress}
data: {http2: "true"}
---
""" + _ingress("g", {"nginx.org/grpc-services": "grpc-svc", "nginx.org/path-regex": "case_sensitive"},
               _paths("g.example.com", ("/helloworld.Greeter/Say.*", "ImplementationSpecific", "grpc-svc")),
               tls="  tls:\n  - hosts: [g.example.com]\n    secretName: g\n")
    result = _run(tmp_path, text)
    for o in result.objects:
        if o["kind"] == "GRPCRoute":
            assert all(r.get("matches") for r in o["spec"]["rules"]), o
    assert ("g", "RegularExpression", "^/helloworld.Greeter/Say.*.*") in _route_paths(result)
    statuses = {k: v for s in result.statuses for k, v in s.annotations.items()}
    assert statuses["nginx.org/grpc-services"] == "approximated"
