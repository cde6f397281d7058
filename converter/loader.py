"""Read Kubernetes manifests (YAML or JSON, multi-document, `kind: List`) into `Obj`s with source locations.

The fast path is libyaml (PyYAML's C parser). Line numbers are taken from the node tree that the parser builds
anyway, and kept only for the kinds whose fields findings point at. A syntax error costs one document, not the file:
the stream is then re-read document by document.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import yaml

from .findings import Finding, register
from .model import Obj

register(("duplicate-key", "warning", "A key appears twice in one mapping of an Ingress: the last value is used, as "
                                      "kubectl's lenient decoding does (strict field validation rejects the object)."))

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that keeps timestamps as strings (creationTimestamp ordering compares text)."""


def _untagged(loader: yaml.BaseLoader, node: yaml.Node) -> object:
    """A node with an application tag (`!Ref`, `!include`) as the plain data it holds, as kubectl's decoder reads it."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


def _binary(loader: yaml.BaseLoader, node: yaml.Node) -> object:
    """`!!binary` as text when it is UTF-8 (kubectl decodes it into a string field), else the bytes."""
    data = yaml.SafeLoader.construct_yaml_binary(loader, node)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


_Loader.add_constructor(None, _untagged)
_Loader.add_constructor("tag:yaml.org,2002:binary", _binary)
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:timestamp"]
    for ch, rs in _BaseLoader.yaml_implicit_resolvers.items()
}

# Kinds whose fields findings point at: their node lines are kept (path tuple -> 1-based line).
LINE_KINDS = frozenset({"Ingress", "Middleware", "MiddlewareTCP", "KongPlugin", "KongClusterPlugin", "KongIngress"})
EXTENSIONS = (".yaml", ".yml", ".json")
_DOC_SEP = re.compile(rb"^---(?=\s|$)", re.M)
_BOM_AT_LINE_START = re.compile(rb"(?<=\n)\xef\xbb\xbf")
_NO_CONTENT = re.compile(rb"^(?:[ \t]*(?:#[^\n]*)?\r?\n|%[^\n]*\n)*(?:[ \t]*(?:#[^\n]*)?\r?\n?|%[^\n]*)?\Z")


@dataclass
class LoadResult:
    objects: list[Obj] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: int = 0


class PathError(Exception):
    """A path given on the command line does not exist or cannot be read (a usage error)."""


def expand_paths(paths: Iterable[str], errors: list[tuple[str, str]] | None = None) -> list[str]:
    """Files under the given paths (folders recursively, sorted, through symlinks), `-` for stdin.

    A path that does not exist raises PathError; a named pipe or device (`<(kubectl get ingress -o yaml)`) is read as
    a file. Folders that cannot be listed below a given folder are added to `errors` as (path, reason).
    """
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
        elif os.path.isdir(p):
            out += _walk(p, errors)
        elif os.path.exists(p):
            out.append(p)
        else:
            raise PathError(f"no such file or directory: {p}")
    return out


def _walk(top: str, errors: list[tuple[str, str]] | None) -> list[str]:
    found: list[str] = []
    seen: set[tuple[int, int]] = set()

    def failed(err: OSError) -> None:
        if errors is not None:
            errors.append((err.filename or top, f"cannot list folder: {err.strerror or err}"))

    for root, dirs, files in os.walk(top, onerror=failed, followlinks=True):
        st = os.stat(root)
        if (st.st_dev, st.st_ino) in seen:  # a symlink loop, or a folder reached twice
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in files if f.lower().endswith(EXTENSIONS)]
    return sorted(found)


def load_paths(paths: Iterable[str], stdin: bytes | None = None) -> LoadResult:
    """Load every manifest under `paths`. Unreadable files and folders become `read-error` findings."""
    result = LoadResult()
    errors: list[tuple[str, str]] = []
    for path in expand_paths(paths, errors):
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
    result.findings += [Finding("read-error", reason, file=path) for path, reason in errors]
    return result


def load_bytes(data: bytes, file: str, result: LoadResult) -> None:
    """Parse one file's bytes into `result` (objects and findings)."""
    if b"\n\xef\xbb\xbf" in data:  # files joined with `cat`: a UTF-8 byte order mark at the start of a document
        data = _BOM_AT_LINE_START.sub(b"", data)
    try:
        docs = [(i, node, obj, 0) for i, node, obj in _parse(data)]
    except yaml.YAMLError as err:
        docs = _parse_json_stream(data) or _parse_each_document(data, file, result, err)
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


def _parse_json_stream(data: bytes) -> list | None:
    """Concatenated JSON objects (`jq` output, JSON Lines), which kubectl reads as a stream; None if not that."""
    start = len(data) - len(data.lstrip())
    if not data.startswith((b"{", b"["), start):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    decoder = json.JSONDecoder()
    spans, pos = [], len(text) - len(text.lstrip())
    try:
        while pos < len(text):
            _, end = decoder.raw_decode(text, pos)
            spans.append((pos, end))
            pos = end + len(text[end:]) - len(text[end:].lstrip())
    except ValueError:
        return None
    docs = []
    try:
        for index, (begin, end) in enumerate(spans):
            offset = text.count("\n", 0, begin)
            for _, node, obj in _parse(text[begin:end].encode()):
                docs.append((index, node, obj, offset))
    except yaml.YAMLError:  # JSON that YAML 1.1 does not read: the document-by-document recovery reports it
        return None
    return docs


def _parse_each_document(data: bytes, file: str, result: LoadResult, first_error: yaml.YAMLError) -> list:
    """Re-read a stream document by document so that one syntax error costs only its own document."""
    docs = []
    starts = [0] + [_directives_start(data, m.start()) for m in _DOC_SEP.finditer(data) if m.start() > 0]
    index = -1
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        chunk = data[start:end]
        if _NO_CONTENT.match(chunk):  # comments or directives before the first `---`: no document of its own
            continue
        index += 1
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


def _directives_start(data: bytes, sep: int) -> int:
    """Where the document that `---` at `sep` opens starts: its directive lines (`%YAML`, `%TAG`) belong to it."""
    start = sep
    while start > 0:
        prev = data.rfind(b"\n", 0, start - 1) + 1
        if not data.startswith(b"%", prev):
            break
        start = prev
    return start


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
        item_kind = kind[:-4]  # `IngressList` from the API server: its items carry no kind or apiVersion
        for i, item in enumerate(obj["items"]):
            if item_kind and isinstance(item, dict) and not item.get("kind"):
                item = {**item, "kind": item_kind, "apiVersion": item.get("apiVersion") or obj.get("apiVersion")}
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
        duplicates: list[tuple[tuple, int]] = []
        o.lines = ingress_lines(node, offset, duplicates)
        for path, line in duplicates:
            result.findings.append(Finding(
                "duplicate-key", f"{'.'.join(map(str, path))} appears more than once; the last value is used",
                kind="Ingress", namespace=o.namespace, name=o.name, file=file, line=line,
                annotation=str(path[-1]) if path[:2] == ("metadata", "annotations") else "",
                hint="remove the duplicate: with strict field validation (kubectl's default) the API server rejects "
                "this Ingress"))
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


def ingress_lines(node: yaml.Node, offset: int = 0, duplicates: list | None = None) -> dict[tuple, int]:
    """The lines of an Ingress's metadata and annotation keys, spec fields, rules, paths and TLS entries.

    Keys found twice in one of these mappings are added to `duplicates` as (path, line of the last one).
    """
    lines: dict[tuple, int] = {}

    def keys(n: yaml.Node | None, path: tuple) -> None:
        if isinstance(n, yaml.MappingNode):
            own: set = set()  # keys written in this mapping (not merged into it with `<<`, which they override)
            for k, _ in n.value:
                p = (*path, k.value)
                if n.start_mark.index <= k.start_mark.index < n.end_mark.index:
                    if p in own and duplicates is not None:
                        duplicates.append((p, k.start_mark.line + 1 + offset))
                    own.add(p)
                lines[p] = k.start_mark.line + 1 + offset

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
