"""Core helpers: generated names, Gateway API paths against the CRD's CEL rules, value parsers, Ingress reading."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

import converter
from converter import values
from converter.loader import LoadResult, load_bytes
from converter.names import Allocator, dns_subdomain, listener_name
from converter.paths import gateway_path_ok

SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@pytest.mark.parametrize("text", ["a-.-b", "a-.-.b", "a.-.-b", "-.a.-", "A..B", "--x--", "ä", "日本.com", "a_b",
                                  "x" * 300, "a" * 244 + ".-b" * 5, "", ".", "-", "a." * 200, "-" * 300,
                                  "Foo.Bar-", "a--b", "1.2.3.4", "*.example.com"])
def test_dns_subdomain_is_always_valid(text: str) -> None:
    name = dns_subdomain(text)
    assert SUBDOMAIN.match(name) and len(name) <= 253, name


def test_dns_subdomain_random() -> None:
    rnd = random.Random(7)
    alphabet = "aZ09.-_ .-é*/"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 300)))
        for limit in (63, 253):
            name = dns_subdomain(text, limit)
            assert SUBDOMAIN.match(name) and len(name) <= limit, (text, name)


def test_listener_names_unique_for_long_hosts_sharing_a_prefix() -> None:
    base = "a" * 50 + "." + "b" * 10
    hosts = [f"{base}.{suffix}.example.com" for suffix in ("one", "two", "three")] + ["*." + base + ".one.example.com"]
    names = {listener_name(proto, h, port) for h in hosts for proto in ("http", "https") for port in (None, 8443)}
    assert len(names) == len(hosts) * 4
    for name in names:
        assert len(name) <= 63 and SUBDOMAIN.match(name), name


def test_allocator_long_names_with_suffixes_stay_valid_and_unique() -> None:
    alloc = Allocator()
    wanted = "i" * 253
    names = [alloc.take("HTTPRoute", "ns", wanted + s, seed=wanted + s) for s in ("", "-a.com", "-b.com")]
    names += [alloc.take("HTTPRoute", "ns", wanted) for _ in range(3)]
    assert len(set(names)) == len(names)
    for name in names:
        assert len(name) <= 253 and SUBDOMAIN.match(name), name


# --------------------------------------------------------------------------------------------------------------
# gateway_path_ok against the CRD's own CEL rules


def _sample_paths(n: int) -> list[str]:
    rnd = random.Random(11)
    pieces = ["/", "//", "/.", "/..", ".", "..", "a", "Z", "0", "%2f", "%2F", "%41", "%", "%4", "%zz", "#", "?", " ",
              "é", "~", "-", "_", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "[", "]", "\\",
              "^", "|", "{", "\t", "\n", "%%41", "/./", "/../", "..a", "a."]
    out = ["/", "", "a", "/a/.", "/a/..", "/a/../", "/a/./b", "/.a", "/..a", "/a.", "/" + "a" * 1023, "/" + "a" * 1024]
    for _ in range(n):
        out.append(("/" if rnd.random() < 0.8 else "") + "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6))))
    return out


def test_gateway_path_ok_agrees_with_the_crd(crds: dict) -> None:
    std = crds["standard"]
    disagreements = []
    for path in _sample_paths(400):
        for kind in ("Exact", "PathPrefix"):
            route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                     "metadata": {"name": "r", "namespace": "default"},
                     "spec": {"rules": [{"matches": [{"path": {"type": kind, "value": path}}]}]}}
            crd_ok = not std.validate(route)
            if crd_ok != gateway_path_ok(path):
                disagreements.append((kind, path, crd_ok))
    assert disagreements == []


# --------------------------------------------------------------------------------------------------------------
# values


@pytest.mark.parametrize(("ms", "text"), [(0, "0s"), (-5, "0s"), (1, "1ms"), (100_000_000, "27h46m40s"),
                                          (99999 * 3_600_000, "99999h"),
                                          (10**12, "99999h59m59s999ms"), (10**18, "99999h59m59s999ms")])
def test_format_duration_is_always_a_gateway_duration(ms: int, text: str) -> None:
    assert values.format_duration(ms) == text
    assert re.fullmatch(r"([0-9]{1,5}(h|m|s|ms)){1,4}", text)


def test_format_duration_round_trips_below_the_limit() -> None:
    rnd = random.Random(3)
    for _ in range(2000):
        ms = rnd.randint(1, values.MAX_DURATION_MS)
        text = values.format_duration(ms)
        assert re.fullmatch(r"([0-9]{1,5}(h|m|s|ms)){1,4}", text), text
        total = sum(int(n) * {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}[u]
                    for n, u in re.findall(r"(\d+)(ms|h|m|s)", text))
        assert total == ms


@pytest.mark.parametrize("text", ["1", "t", "T", "TRUE", "true", "True"])
def test_parse_bool_true_set(text: str) -> None:
    assert values.parse_bool(text) is True


@pytest.mark.parametrize("text", ["yes", "on", "y", " true", "tRue", "2", ""])
def test_parse_bool_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        values.parse_bool(text)


@pytest.mark.parametrize("text", ["٣", "１０", "1\u0660"])
def test_numbers_are_ascii_digits_only(text: str) -> None:
    """Go's strconv reads ASCII digits only; Python's int() and `\\d` take any Unicode digit."""
    for parse in (values.parse_int, values.parse_uint, values.parse_size, values.parse_duration):
        with pytest.raises(ValueError):
            parse(text)


# --------------------------------------------------------------------------------------------------------------
# Ingress reading and class detection


def _convert(text: str) -> converter.Result:
    loaded = LoadResult()
    load_bytes(text.encode(), "in.yaml", loaded)
    return converter.convert(loaded)


ODD_PORTS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: odd, namespace: default}
spec:
  ingressClassName: nginx
  rules:
  - host: d.com
    http:
      paths:
      - {path: /e, pathType: Prefix, backend: {service: {name: s, port: {number: true}}}}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old, namespace: default}
spec:
  rules:
  - host: e.com
    http:
      paths:
      - {path: /, backend: {serviceName: s, servicePort: true}}
"""


def test_boolean_port_is_not_a_port_number() -> None:
    result = _convert(ODD_PORTS)
    for obj in result.objects:
        for rule in obj.get("spec", {}).get("rules", []):
            for ref in rule.get("backendRefs", []):
                assert type(ref["port"]) is int, ref
    assert sum(f.code == "backend-port-unresolved" for f in result.findings) == 2


CLASSES = """\
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: aaa-old
  creationTimestamp: "2020-01-01T00:00:00Z"
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: zzz-new
  creationTimestamp: "2024-01-01T00:00:00Z"
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: traefik.io/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: broken, annotations: null}
spec: [1]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: broken2, annotations: [x]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: default}
spec:
  rules:
  - host: a.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}
"""


def test_several_default_classes_the_newest_wins() -> None:
    """The DefaultIngressClass admission plugin sorts default classes by creationTimestamp, newest first."""
    result = _convert(CLASSES)
    (status,) = result.statuses
    assert status.vendor == "traefik"


def test_empty_class_annotation_is_not_defaulted() -> None:
    """The admission plugin leaves an Ingress alone when the class annotation is present, even empty."""
    text = CLASSES.replace("metadata: {name: plain, namespace: default}",
                           "metadata: {name: plain, namespace: default,\n"
                           "  annotations: {kubernetes.io/ingress.class: ''}}")
    result = _convert(text)
    (status,) = result.statuses
    assert status.vendor != "traefik"


def test_examples_dir_exists() -> None:
    assert (Path(__file__).parents[1] / "examples").is_dir()


@pytest.mark.parametrize(("controller", "vendor"), [
    ("k8s.io/ingress-nginx", "ingress-nginx"), ("k8s.io/ingress-nginx-internal", "ingress-nginx"),
    ("k8s.io/internal-ingress-nginx", "ingress-nginx"), ("nginx.org/ingress-controller", "nginx-inc"),
    ("haproxy.org/ingress-controller/haproxy-internal", "haproxy"), ("haproxy-ingress.github.io/controller", "haproxy"),
    ("ingress-controllers.konghq.com/kong", "kong"), ("traefik.io/ingress-controller", "traefik"),
    ("example.com/other", "generic")])
def test_ingress_class_controller_variants(controller: str, vendor: str) -> None:
    text = f"""\
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: custom}}
spec: {{controller: {controller}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: plain, namespace: default}}
spec:
  ingressClassName: custom
  rules:
  - host: a.com
    http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: s, port: {{number: 80}}}}}}}}]}}
"""
    (status,) = _convert(text).statuses
    assert status.vendor == vendor


IP_HOST = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ip
  namespace: default
  annotations: {nginx.ingress.kubernetes.io/ssl-passthrough: "true"}
spec:
  ingressClassName: nginx
  rules:
  - host: 1.2.3.4
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 443}}}}]}
  - host: a.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 443}}}}]}
"""


def test_ip_host_is_invalid(crds: dict) -> None:
    """An API server rejects an IP address as an Ingress rule host; a TLSRoute with one is invalid too."""
    result = converter.convert(_load(IP_HOST), converter.Options(provider="ingress-nginx"))
    assert any(f.code == "host-invalid" and "1.2.3.4" in f.message for f in result.findings)
    for obj in result.objects:
        assert "1.2.3.4" not in str(obj.get("spec", {}).get("hostnames", [])), obj
        assert crds["standard"].validate(obj) == []


def test_passthrough_ignores_hosts_build_rejected() -> None:
    result = converter.convert(_load(IP_HOST), converter.Options(provider="ingress-nginx"))
    assert [f.message for f in result.findings if f.code == "backend-missing"] == []


def _load(text: str) -> LoadResult:
    loaded = LoadResult()
    load_bytes(text.encode(), "in.yaml", loaded)
    return loaded


@pytest.mark.parametrize(("text", "ms"), [("60", 60_000), ("60s", 60_000), ("500ms", 500), ("1m", 60_000),
                                          ("1h30m", 5_400_000), ("1.5h", 5_400_000), ("1m30.5s", 90_500),
                                          ("2h45m10s", 9_910_000), (" 10s ", 10_000)])
def test_parse_duration_reads_go_durations(text: str, ms: int) -> None:
    """Traefik's durations are Go's (time.ParseDuration): compound values like 1m30s are common."""
    assert values.parse_duration(text) == ms


@pytest.mark.parametrize("text", ["", "x", "1h 30m", "1s1", "-1s", "s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        values.parse_duration(text)


def test_listener_names_of_port_like_hosts_do_not_collide() -> None:
    """`a.com` on port 8080 and the host `a.com-8080` on the default port are two listeners."""
    cases = [("http", "a.com", 8080), ("http", "a.com-8080", None), ("https", "*.a.com", 8443),
             ("https", "*.a.com-8443", None), ("http", "web-1", None), ("http", "web", 1),
             ("http", "x" * 60 + ".com", 8080), ("http", "x" * 60 + ".com-8080", None)]
    names = [listener_name(*c) for c in cases]
    assert len(set(names)) == len(names), names
    for name in names:
        assert len(name) <= 63 and SUBDOMAIN.match(name), name
    assert listener_name("http", "a.com") == "http-a.com"


PATHOLOGICAL = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: [1, 2], namespace: default}
spec: {rules: [{host: a.com, http: {paths: [PATH]}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b, namespace: default}
spec: {tls: [{hosts: "a.com", secretName: x}], rules: [{host: a.com, http: {paths: [PATH]}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: c, namespace: default}
spec: {rules: [{host: a.com, http: [1]}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: d, namespace: default}
spec: {ingressClassName: [x], rules: [{host: a.com, http: {paths: [PATH]}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: e, namespace: default}
spec: {defaultBackend: [1]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: f, namespace: default, annotations: {nginx.ingress.kubernetes.io/rewrite-target: {a: 1}}}
spec: {rules: [{host: [a.com], http: {paths: [PATH]}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: g, namespace: default}
spec: {tls: ["x"], rules: [{host: a.com, http: {paths: [{path: /, pathType: Prefix, backend: [s]}]}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: h, namespace: default}
spec: {rules: [{host: a.com, http: {paths: [{path: /, pathType: Prefix,
                                                backend: {service: {name: {a: 1}, port: {number: 80}}}}]}}]}
""".replace("PATH", "{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}")


def test_mistyped_fields_fail_the_ingress_never_silently() -> None:
    """Fields of the wrong type (an API server rejects them) fail the Ingress with invalid-object, not a silent loss
    (a string `tls.hosts` read letter by letter, a list `http` skipped, a mapping turned into text)."""
    result = converter.convert(_load(PATHOLOGICAL), converter.Options(provider="ingress-nginx"))
    assert {s.name: s.status for s in result.statuses} == {n: "failed" for n in ("[1, 2]", *"bcdefgh")}
    assert sum(f.code == "invalid-object" for f in result.findings) == 8
    assert result.objects == []
