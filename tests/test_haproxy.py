"""HAProxy (haproxytech and HAProxy Ingress): the tables cover the reference catalogue, the flavour of an Ingress is
read from its class or annotations, the legacy prefix goes through the merged table, and the real corpus converts
with every controller annotation known."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import converter
from converter import intent
from converter.context import Context, Inventory
from converter.loader import LoadResult, load_bytes
from converter.mapping import load_table
from converter.options import Options
from converter.vendors.haproxy import COMMUNITY, TECH, HAProxy, legacy_table

REFERENCE = "reference/annotations-traefik-kong-haproxy.yaml"
TABLES = {"haproxytech": "haproxy.yaml", "haproxy-ingress": "haproxy-ingress.yaml"}
KNOWN_UNKNOWN = {"haproxy.org/whiteist-with-rate-limit"}  # a typo in a real manifest: no controller reads it


def convert(docs: list[dict], **options: object) -> converter.Result:
    loaded = LoadResult()
    load_bytes(yaml.safe_dump_all(docs).encode(), "test.yaml", loaded)
    return converter.convert(loaded, Options(**options))


def ingress(annotations: dict, cls: str | None = "haproxy", tls: bool = False, path: str = "/app",
            path_type: str = "Prefix") -> dict:
    spec: dict = {"rules": [{"host": "h.example.com", "http": {"paths": [
        {"path": path, "pathType": path_type, "backend": {"service": {"name": "svc", "port": {"number": 80}}}}]}}]}
    if cls:
        spec["ingressClassName"] = cls
    if tls:
        spec["tls"] = [{"hosts": ["h.example.com"], "secretName": "h-tls"}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "ing", "namespace": "ns", "annotations": annotations}, "spec": spec}


def ingress_class(controller: str) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "haproxy"},
            "spec": {"controller": controller}}


def routes(result: converter.Result) -> list[dict]:
    return [o for o in result.objects if o["kind"] == "HTTPRoute"]


def codes(result: converter.Result) -> dict[str, str]:
    return {f.annotation or f.code: f.code for f in result.findings}


@pytest.mark.parametrize("vendor", sorted(TABLES))
def test_every_reference_annotation_has_an_entry(shared_dir: Path, vendor: str):
    entries = yaml.safe_load((shared_dir / REFERENCE).read_text(encoding="utf-8"))
    table = load_table(TABLES[vendor])
    keys = [e["annotation"].split("/", 1)[1] for e in entries if e["vendor"] == vendor
            and e["annotation"] != "kubernetes.io/ingress.class"]
    assert len(keys) > 50
    missing = [k for k in keys if k not in table.entries]
    assert not missing, f"{vendor}: no entry for {missing}"


def test_vendor_reads_both_tables_and_the_legacy_prefix():
    tables = HAProxy().load_tables(Context(Options(), Inventory([])))
    assert [t.prefixes for t in tables[:3]] == [("haproxy.org/", "haproxy.com/"), ("haproxy-ingress.github.io/",),
                                                ("ingress.kubernetes.io/",)]
    legacy = legacy_table()
    assert legacy.lookup("ingress.kubernetes.io/oauth")[1].key == "oauth"  # HAProxy Ingress only
    assert legacy.lookup("ingress.kubernetes.io/path-rewrite")[1].key == "path-rewrite"  # haproxytech only
    assert legacy.lookup("ingress.kubernetes.io/force-ssl-redirect")[1].status == "ignored"
    assert legacy.lookup("ingress.kubernetes.io/no-such-key")[1] is None  # unknown, not silently ignored


@pytest.mark.parametrize(("docs", "flavour"), [
    ([ingress_class("haproxy.org/ingress-controller/haproxy"), ingress({})], TECH),
    ([ingress_class("haproxy-ingress.github.io/controller"), ingress({})], COMMUNITY),
    ([ingress({"haproxy.com/load-balance": "leastconn"})], TECH),
    ([ingress({"haproxy-ingress.github.io/balance-algorithm": "leastconn"})], COMMUNITY),
    ([ingress({"ingress.kubernetes.io/affinity": "cookie"})], COMMUNITY),
    ([ingress({"ingress.kubernetes.io/path-rewrite": "/"})], TECH),
    ([ingress({})], ""),
])
def test_flavour(docs: list[dict], flavour: str):
    result = convert(docs, provider="haproxy")
    assert result.ingresses[0].extra["haproxy.flavour"] == flavour


def test_haproxytech_tls_redirect_default_and_no_hsts():
    result = convert([ingress_class("haproxy.org/ingress-controller/haproxy"), ingress({}, tls=True)])
    http = [r for r in routes(result) if r["metadata"]["name"].endswith("-http")]
    assert http[0]["spec"]["rules"][0]["filters"] == [
        {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 302}}]
    assert "Strict-Transport-Security" not in yaml.safe_dump(result.objects)


def test_community_hsts_default_and_switch_off():
    on = convert([ingress_class("haproxy-ingress.github.io/controller"), ingress({}, tls=True)])
    assert "max-age=15768000" in yaml.safe_dump(on.objects)
    assert "tls-hsts" in codes(on).values()
    off = convert([ingress_class("haproxy-ingress.github.io/controller"),
                   ingress({"haproxy-ingress.github.io/hsts": "false"}, tls=True)])
    assert "Strict-Transport-Security" not in yaml.safe_dump(off.objects)


def test_ssl_redirect_false_and_invalid():
    off = convert([ingress({"haproxy.org/ssl-redirect": "false"}, tls=True)])
    assert not any(r["metadata"]["name"].endswith("-http") for r in routes(off))
    assert off.statuses[0].annotations["haproxy.org/ssl-redirect"] == "converted"
    bad = convert([ingress({"haproxy.org/ssl-redirect": "maybe"}, tls=True)])
    assert any(r["metadata"]["name"].endswith("-http") for r in routes(bad))  # the default redirect stays
    assert bad.statuses[0].annotations["haproxy.org/ssl-redirect"] == "ignored"


def test_path_rewrite_forms():
    def rewrite(value: str) -> tuple[str, list]:
        result = convert([ingress({"haproxy.org/path-rewrite": value}, path="/")])
        rule = routes(result)[0]["spec"]["rules"][0]
        return result.statuses[0].annotations["haproxy.org/path-rewrite"], rule.get("filters", [])

    assert rewrite("/new") == ("converted", [{"type": "URLRewrite", "urlRewrite": {
        "path": {"type": "ReplaceFullPath", "replaceFullPath": "/new"}}}])
    assert rewrite(r"(.*) /v2\1")[1][0]["urlRewrite"]["path"] == {"type": "ReplacePrefixMatch",
                                                                    "replacePrefixMatch": "/v2"}
    assert rewrite(r"^/a/(.*) /b/\1") == ("implementation-specific", [])
    assert rewrite("/a\n/b") == ("implementation-specific", [])
    assert rewrite("a b c") == ("ignored", [])


def test_header_annotations():
    result = convert([ingress({"haproxy.org/request-set-header": "X-A 1\nX-B %[src]",
                               "haproxy-ingress.github.io/response-add-headers": "X-C: 3"})])
    filters = routes(result)[0]["spec"]["rules"][0]["filters"]
    assert {"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "X-A", "value": "1"}]}} \
        in filters
    assert {"type": "ResponseHeaderModifier", "responseHeaderModifier": {"add": [{"name": "X-C", "value": "3"}]}} \
        in filters
    assert result.statuses[0].annotations["haproxy.org/request-set-header"] == "approximated"


def test_community_path_type_and_case_insensitive_begin():
    begin = convert([ingress_class("haproxy-ingress.github.io/controller"),
                     ingress({}, path="/App", path_type="ImplementationSpecific")])
    rule = routes(begin)[0]["spec"]["rules"][0]
    assert rule["matches"][0]["path"] == {"type": "RegularExpression", "value": "^/App.*"}
    assert "path-prefix-by-characters" in codes(begin).values()
    exact = convert([ingress_class("haproxy-ingress.github.io/controller"),
                     ingress({"haproxy-ingress.github.io/path-type": "exact"}, path="/App",
                             path_type="ImplementationSpecific")])
    assert routes(exact)[0]["spec"]["rules"][0]["matches"][0]["path"] == {"type": "Exact", "value": "/App"}
    assert not intent.apply(exact)[0].unexplained


def test_security_annotations_are_errors():
    result = convert([ingress({"haproxy.org/allow-list": "10.0.0.0/8", "haproxy.org/auth-type": "basic-auth",
                               "haproxy.org/rate-limit-requests": "10",
                               "haproxy-ingress.github.io/auth-url": "http://auth.example.com",
                               "haproxy-ingress.github.io/config-backend": "http-request deny"})])
    found = codes(result)
    for key in ("haproxy.org/allow-list", "haproxy.org/auth-type", "haproxy.org/rate-limit-requests",
                "haproxy-ingress.github.io/auth-url", "haproxy-ingress.github.io/config-backend"):
        assert found[key] == "security-not-enforced", key


def corpus_files(shared_dir: Path) -> list[Path]:
    base = shared_dir / "corpus" / "real"
    return sorted(p for d in ("haproxy", "haproxy-ingress") for p in (base / d).glob("*.y*ml"))


def test_corpus_converts_with_every_controller_annotation_known(shared_dir: Path, crds):
    files = corpus_files(shared_dir)
    assert len(files) >= 20
    prefixes = ("haproxy.org/", "haproxy.com/", "haproxy-ingress.github.io/", "ingress.kubernetes.io/")
    for path in files:
        result = converter.convert([str(path)], Options(provider="haproxy"))
        unknown = {k for s in result.statuses for k, v in s.annotations.items()
                   if v == "unknown" and k.startswith(prefixes)} - KNOWN_UNKNOWN
        assert not unknown, f"{path.name}: {sorted(unknown)}"
        errors = [(o["kind"], str(e)) for o in result.objects for e in crds["standard"].validate(o)]
        assert not errors, f"{path.name}: {errors[:3]}"
        unexplained = [d.text() for it in intent.apply(result) for d in it.unexplained]
        assert not unexplained, f"{path.name}: {unexplained}"


def test_haproxytech_redirects_only_ingresses_with_tls():
    """httpsRedirect.go: the automatic redirect belongs to an Ingress with spec.tls, not to its host."""
    with_tls = ingress({}, tls=True)
    without = ingress({}, path="/other")
    without["metadata"]["name"] = "no-tls"
    forced = ingress({"haproxy.org/ssl-redirect": "true"}, path="/forced")
    forced["metadata"]["name"] = "forced"
    result = convert([ingress_class("haproxy.org/ingress-controller/haproxy"), with_tls, without, forced])
    http = {r["metadata"]["name"]: r for r in routes(result) if "http" in str(r["spec"]["parentRefs"])}
    dump = {name: yaml.safe_dump(r["spec"]["rules"]) for name, r in http.items()}
    assert "RequestRedirect" in dump["ing-http"]
    assert "RequestRedirect" not in dump["no-tls"] and "backendRefs" in dump["no-tls"]
    assert "RequestRedirect" in dump["forced-http"]
    assert {s.name: s.annotations for s in result.statuses}["forced"]["haproxy.org/ssl-redirect"] == "converted"
    assert not [d for it in intent.apply(result) for d in it.unexplained]


def test_keys_of_the_other_controller_had_no_effect():
    """The IngressClass names haproxytech: haproxy-ingress.github.io/ keys are not read (and vice versa)."""
    result = convert([ingress_class("haproxy.org/ingress-controller/haproxy"),
                      ingress({"haproxy-ingress.github.io/cors-enable": "true",
                               "haproxy-ingress.github.io/allowlist-source-range": "10.0.0.0/8",
                               "haproxy.org/path-rewrite": "/x"})])
    status = result.statuses[0].annotations
    assert status["haproxy-ingress.github.io/cors-enable"] == "ignored"
    assert status["haproxy-ingress.github.io/allowlist-source-range"] == "ignored"
    assert status["haproxy.org/path-rewrite"] == "converted"
    assert "CORS" not in yaml.safe_dump(result.objects)
    other = convert([ingress_class("haproxy-ingress.github.io/controller"),
                     ingress({"haproxy.org/whitelist": "10.0.0.0/8"})])
    assert other.statuses[0].annotations["haproxy.org/whitelist"] == "ignored"
    assert "security-not-enforced" not in codes(other).values()


def test_legacy_keys_of_the_other_controller_had_no_effect():
    """ingress.kubernetes.io/affinity is a HAProxy Ingress key: on an Ingress of haproxytech it did nothing."""
    result = convert([ingress({"haproxy.org/load-balance": "leastconn", "ingress.kubernetes.io/affinity": "cookie",
                               "ingress.kubernetes.io/whitelist": "10.0.0.0/8"})])
    status = result.statuses[0].annotations
    assert status["ingress.kubernetes.io/affinity"] == "ignored"
    assert status["ingress.kubernetes.io/whitelist"] == "implementation-specific"  # haproxytech's allow-list
    assert codes(result)["ingress.kubernetes.io/whitelist"] == "security-not-enforced"


def test_community_passthrough_http_port():
    doc = ingress({"haproxy-ingress.github.io/ssl-passthrough": "true",
                   "haproxy-ingress.github.io/ssl-passthrough-http-port": "8080"}, path="/")
    result = convert([ingress_class("haproxy-ingress.github.io/controller"), doc])
    tls = [o for o in result.objects if o["kind"] == "TLSRoute"]
    assert tls and tls[0]["spec"]["rules"][0]["backendRefs"][0]["port"] == 80
    http = routes(result)
    assert http[0]["spec"]["rules"][0]["backendRefs"][0]["port"] == 8080
    assert result.statuses[0].annotations["haproxy-ingress.github.io/ssl-passthrough-http-port"] == "converted"
    assert not [d for it in intent.apply(result) for d in it.unexplained]
