"""F5 NGINX Ingress Controller: the table covers the reference catalogue, the parsers follow NIC's grammar, and every
real-world NIC manifest of the shared corpus converts with every annotation accounted for."""

from __future__ import annotations

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
