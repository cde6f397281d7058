"""Loader edge cases: byte order marks, directives, tags, recovery, paths that are pipes or symlinked folders."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

import converter
from converter.loader import LoadResult, expand_paths, load_bytes, load_paths
from converter.options import Options

ING = b"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: a\n"
FIXTURES = Path(__file__).parent / "fixtures"


def load(data: bytes) -> LoadResult:
    result = LoadResult()
    load_bytes(data, "f.yaml", result)
    return result


def codes(result: LoadResult) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in result.findings]


def test_byte_order_mark_at_each_document_start() -> None:
    """`cat a.yaml b.yaml` of two files saved with a BOM: both objects load, no parse error."""
    bom = b"\xef\xbb\xbf"
    result = load(bom + ING + b"---\n" + bom + ING.replace(b"name: a", b"name: b"))
    assert [o.name for o in result.objects] == ["a", "b"]
    assert result.findings == []


def test_utf16_with_bom() -> None:
    result = load(("\ufeff" + ING.decode()).encode("utf-16-le"))
    assert [o.name for o in result.objects] == ["a"]


def test_directive_stays_with_its_document_in_recovery() -> None:
    """A syntax error elsewhere must not detach `%YAML` from its document (no spurious error, right numbering)."""
    result = load(b"%YAML 1.1\n---\n" + ING + b"---\nfoo: [\n")
    assert [(o.name, o.doc) for o in result.objects] == [("a", 0)]
    assert codes(result) == [("parse-error", 9)]
    assert result.findings[0].message.startswith("document 2:")


def test_leading_comments_are_not_a_document_in_recovery() -> None:
    result = load(b"# generated\n\n---\n" + ING + b"---\nfoo: [\n")
    assert [(o.name, o.doc, o.line) for o in result.objects] == [("a", 0, 4)]
    assert codes(result) == [("parse-error", 10)]
    assert result.findings[0].message.startswith("document 2:")


def test_line_numbers_after_recovery_split() -> None:
    result = load(b"a: [\n---\n\n\n" + ING + b"  annotations:\n    x: y\n")
    (obj,) = result.objects
    assert obj.line == 5
    assert obj.lines[("metadata", "annotations", "x")] == 10
    assert codes(result) == [("parse-error", 2)]


def test_crlf_line_numbers_after_recovery_split() -> None:
    data = (b"a: [\n---\n" + ING + b"  annotations:\n    x: y\n").replace(b"\n", b"\r\n")
    (obj,) = load(data).objects
    assert obj.lines[("metadata", "annotations", "x")] == 8


def test_application_tags_are_read_as_plain_data() -> None:
    """kubectl's decoder ignores tags like `!Ref`; the document is not lost. `!!binary` text becomes a string."""
    result = load(b"!Obj\n" + ING + b"  annotations:\n    x: !Sub 'a'\n    y: !!binary aGVsbG8=\n    z: !L [a, b]\n")
    (obj,) = result.objects
    assert obj.data["metadata"]["annotations"] == {"x": "a", "y": "hello", "z": ["a", "b"]}
    assert result.findings == []


def test_nested_lists_and_non_mapping_items() -> None:
    data = (b'{"kind":"List","items":[{"kind":"IngressList","items":[{"kind":"Service","metadata":{"name":"s"}}]},'
            b'3,null]}')
    result = load(data)
    assert [(o.kind, o.name) for o in result.objects] == [("Service", "s")]
    assert [f.code for f in result.findings] == ["invalid-object"]


def test_json_with_tabs_and_escaped_slash() -> None:
    data = b'{\n\t"apiVersion": "networking.k8s.io/v1",\n\t"kind": "Ingress",\n\t"metadata": {"name": "a\\/b"}\n}'
    assert [o.name for o in load(data).objects] == ["a/b"]


def test_json_with_comment_is_a_parse_error_with_line() -> None:
    result = load(b'{\n  "kind": "Service",\n  // note\n  "metadata": {"name": "s"}\n}\n')
    assert result.objects == []
    assert [f.code for f in result.findings] == ["parse-error"]
    assert result.findings[0].line in (3, 4)  # the comment line, or the key after it (libyaml)


def test_non_utf8_bytes_are_a_finding() -> None:
    result = load(ING + b"  namespace: \xff\xfe\n")
    assert [f.code for f in result.findings] == ["parse-error"]


def test_named_pipe_is_read(tmp_path: Path) -> None:
    """`ing2gw convert <(kubectl get ingress -A -o yaml)` passes /dev/fd/N, a pipe, not a regular file."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:  # the writer
        with open(fifo, "wb") as f:
            f.write(ING)
        os._exit(0)
    try:
        result = load_paths([str(fifo)])
    finally:
        os.waitpid(pid, 0)
    assert [o.name for o in result.objects] == ["a"]


def test_symlinked_folders_are_read_once_and_loops_end(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.yaml").write_bytes(ING)
    (tmp_path / "top").mkdir()
    (tmp_path / "top" / "linked").symlink_to(real)
    (real / "loop").symlink_to(tmp_path / "top")
    files = expand_paths([str(tmp_path / "top")])
    assert files == [str(tmp_path / "top" / "linked" / "a.yaml")]


def test_unlistable_folder_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.yaml").write_bytes(ING)
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path: str):  # noqa: ANN202 - os.scandir's iterator
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = load_paths([str(tmp_path)])
    assert [o.name for o in result.objects] == ["a"]
    assert [(f.code, f.file) for f in result.findings] == [("read-error", str(tmp_path / "locked"))]


SHARED_ANCHORS = b"""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: one
  namespace: default
  annotations: &ann
    nginx.ingress.kubernetes.io/rewrite-target: /
    nginx.ingress.kubernetes.io/ssl-redirect: "false"
spec: &spec
  ingressClassName: nginx
  tls:
  - hosts: [a.example.com]
    secretName: tls
  rules:
  - host: a.example.com
    http:
      paths:
      - path: /app
        pathType: ImplementationSpecific
        backend: {service: {name: s, port: {name: http}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: two
  namespace: default
  annotations: *ann
spec: *spec
"""


def _fixture_inputs() -> list[Path]:
    return sorted(FIXTURES.glob("*/*/input.yaml"))


@pytest.mark.parametrize("path", [None, *_fixture_inputs()], ids=lambda p: "anchors" if p is None else
                         f"{p.parent.parent.name}/{p.parent.name}")
def test_pipeline_never_mutates_input_objects(path: Path | None) -> None:
    """Anchors make documents share dicts: no vendor or core step may edit the loaded data in place."""
    result = LoadResult()
    load_bytes(SHARED_ANCHORS if path is None else path.read_bytes(), "input.yaml", result)
    before = copy.deepcopy([o.data for o in result.objects])
    options = Options()
    if path is not None and (path.parent / "options.yaml").exists():
        import yaml

        options = Options(**(yaml.safe_load((path.parent / "options.yaml").read_text()) or {}))
    converter.convert(result, options)
    assert [o.data for o in result.objects] == before


def test_typed_list_items_without_kind() -> None:
    """`GET /apis/networking.k8s.io/v1/ingresses` returns an IngressList whose items carry no kind or apiVersion."""
    data = (b'{"apiVersion":"networking.k8s.io/v1","kind":"IngressList","metadata":{},"items":['
            b'{"metadata":{"name":"x","namespace":"d"}},{"kind":"Ingress","metadata":{"name":"y"}}]}')
    result = load(data)
    assert [(o.kind, o.api_version, o.name) for o in result.objects] == [
        ("Ingress", "networking.k8s.io/v1", "x"), ("Ingress", "", "y")]


def test_duplicate_annotation_key_is_reported() -> None:
    """PyYAML keeps the last of two equal keys without a word; the lost value must not vanish silently."""
    data = ING + (b"  annotations:\n    nginx.ingress.kubernetes.io/whitelist-source-range: 10.0.0.0/8\n"
                  b"    nginx.ingress.kubernetes.io/whitelist-source-range: 0.0.0.0/0\n")
    result = load(data)
    (finding,) = result.findings
    assert (finding.code, finding.line, finding.name) == ("duplicate-key", 7, "a")
    assert finding.annotation == "nginx.ingress.kubernetes.io/whitelist-source-range"
    assert result.objects[0].data["metadata"]["annotations"] == {
        "nginx.ingress.kubernetes.io/whitelist-source-range": "0.0.0.0/0"}


def test_concatenated_json_objects() -> None:
    """`jq` output and JSON Lines: a stream of JSON objects, which kubectl reads one after the other."""
    data = (b'{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"}}\n'
            b'{"apiVersion":"v1","kind":"Service",\n "metadata":{"name":"b"}}'
            b'{"kind":"Service","metadata":{"name":"c"}}\n')
    result = load(data)
    assert [(o.name, o.line, o.doc) for o in result.objects] == [("a", 1, 0), ("b", 2, 1), ("c", 3, 2)]
    assert result.findings == []


def test_invalid_json_stream_falls_back_to_recovery() -> None:
    result = load(b'{"kind":"Service","metadata":{"name":"a"}}\n{"kind": "Service", "metadata": {"name": }}\n')
    assert [f.code for f in result.findings] == ["parse-error"]


def test_merge_key_override_is_not_a_duplicate() -> None:
    data = ING + b'  labels: &c\n    a: "1"\n    x: "2"\n  annotations:\n    <<: *c\n    x: override\n'
    result = load(data)
    assert result.findings == []
    assert result.objects[0].data["metadata"]["annotations"] == {"a": "1", "x": "override"}
    assert result.objects[0].lines[("metadata", "annotations", "x")] == 10
