"""Read Kubernetes manifests (YAML or JSON, multi-document, `kind: List`) into `Obj`s with source locations.

The fast path is libyaml (PyYAML's C parser). Line numbers are taken from the node tree that the parser builds
anyway, and kept only for the kinds whose fields findings point at. A syntax error costs one document, not the file:
the stream is then re-read document by document.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import yaml

from .findings import Finding
from .model import Obj

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that keeps timestamps as strings (creationTimestamp ordering compares text)."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:timestamp"]
    for ch, rs in _BaseLoader.yaml_implicit_resolvers.items()
}

# Kinds whose fields findings point at: their node lines are kept (path tuple -> 1-based line).
LINE_KINDS = frozenset({"Ingress", "Middleware", "MiddlewareTCP", "KongPlugin", "KongClusterPlugin", "KongIngress"})
EXTENSIONS = (".yaml", ".yml", ".json")
_DOC_SEP = re.compile(rb"^---(?=\s|$)", re.M)


@dataclass
class LoadResult:
    objects: list[Obj] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: int = 0


class PathError(Exception):
    """A path given on the command line does not exist or cannot be read (a usage error)."""


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files under the given paths (folders recursively, sorted), `-` for stdin. Raises PathError."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
        elif os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, f) for f in files if f.lower().endswith(EXTENSIONS)]
            out += sorted(found)
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise PathError(f"no such file or directory: {p}")
    return out


def load_paths(paths: Iterable[str], stdin: bytes | None = None) -> LoadResult:
    """Load every manifest under `paths`. Unreadable files become `read-error` findings."""
    result = LoadResult()
    for path in expand_paths(paths):
        result.files += 1
        try:
            if path == "-":
                data = stdin if stdin is not None else sys.stdin.buffer.read()
            else:
                with open(path, "rb") as f:
                    data = f.read()
        except OSError as e:
            result.findings.append(Finding("read-error", f"cannot read: {e.strerror or e}", file=path))
            continue
        load_bytes(data, "<stdin>" if path == "-" else path, result)
    return result


def load_bytes(data: bytes, file: str, result: LoadResult) -> None:
    """Parse one file's bytes into `result` (objects and findings)."""
    try:
        docs = [(i, node, obj, 0) for i, node, obj in _parse(data)]
    except yaml.YAMLError as err:
        docs = _parse_each_document(data, file, result, err)
    for index, node, obj, offset in docs:
        _add_document(obj, node, file, index, result, offset)


def _parse(data: bytes) -> Iterator[tuple[int, yaml.Node, object]]:
    loader = _Loader(data)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            yield index, node, loader.construct_document(node)
            index += 1
    finally:
        loader.dispose()


def _parse_each_document(data: bytes, file: str, result: LoadResult, first_error: yaml.YAMLError) -> list:
    """Re-read a stream document by document so that one syntax error costs only its own document."""
    docs = []
    starts = [0] + [m.start() for m in _DOC_SEP.finditer(data) if m.start() > 0]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(data)
        chunk = data[start:end]
        offset = data.count(b"\n", 0, start)
        try:
            for _, node, obj in _parse(chunk):
                docs.append((index, node, obj, offset))
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
            line = offset + mark.line + 1 if mark else offset + 1
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            result.findings.append(Finding("parse-error", f"document {index + 1}: {problem}", file=file, line=line))
    if not result.findings or result.findings[-1].file != file:
        mark = getattr(first_error, "problem_mark", None)
        result.findings.append(Finding("parse-error", str(first_error).splitlines()[0], file=file,
                                       line=mark.line + 1 if mark else 0))
    return docs


def _add_document(obj: object, node: yaml.Node, file: str, index: int, result: LoadResult, offset: int = 0) -> None:
    if obj is None:
        return
    if not isinstance(obj, dict):
        result.findings.append(Finding("invalid-object", "document is not a Kubernetes object (not a mapping)",
                                       file=file, line=node.start_mark.line + 1 + offset))
        return
    kind = obj.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list):
        items_node = _child(node, "items")
        for i, item in enumerate(obj["items"]):
            item_node = items_node.value[i] if isinstance(items_node, yaml.SequenceNode) else node
            _add_document(item, item_node, file, index, result, offset)
        return
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    o = Obj(
        kind=str(kind or ""),
        api_version=str(obj.get("apiVersion") or ""),
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        data=obj,
        file=file,
        line=node.start_mark.line + 1 + offset,
        doc=index,
    )
    if o.kind == "Ingress":
        o.lines = ingress_lines(node, offset)
    elif o.kind in LINE_KINDS:
        o.lines = node_lines(node, offset)
    result.objects.append(o)


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def node_lines(node: yaml.Node, offset: int = 0) -> dict[tuple, int]:
    """Map every path in the document (tuple of keys and indexes) to the 1-based line of its key or item."""
    lines: dict[tuple, int] = {}
    stack: list[tuple[tuple, yaml.Node]] = [((), node)]
    while stack:
        path, n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                p = (*path, k.value)
                lines[p] = k.start_mark.line + 1 + offset
                stack.append((p, v))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                p = (*path, i)
                lines[p] = v.start_mark.line + 1 + offset
                stack.append((p, v))
    return lines


def ingress_lines(node: yaml.Node, offset: int = 0) -> dict[tuple, int]:
    """The lines of an Ingress's metadata and annotation keys, spec fields, rules, paths and TLS entries."""
    lines: dict[tuple, int] = {}

    def keys(n: yaml.Node | None, path: tuple) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, _ in n.value:
                lines[(*path, k.value)] = k.start_mark.line + 1 + offset

    def items(n: yaml.Node | None, path: tuple) -> list[yaml.Node]:
        if not isinstance(n, yaml.SequenceNode):
            return []
        for i, v in enumerate(n.value):
            lines[(*path, i)] = v.start_mark.line + 1 + offset
        return n.value

    meta, spec = _child(node, "metadata"), _child(node, "spec")
    keys(node, ())
    keys(meta, ("metadata",))
    keys(_child(meta, "annotations") if meta else None, ("metadata", "annotations"))
    keys(spec, ("spec",))
    if spec is None:
        return lines
    items(_child(spec, "tls"), ("spec", "tls"))
    for i, rule in enumerate(items(_child(spec, "rules"), ("spec", "rules"))):
        http = _child(rule, "http")
        items(_child(http, "paths") if http else None, ("spec", "rules", i, "http", "paths"))
    return lines
