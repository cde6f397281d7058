"""Serialize objects with libyaml (C) or json: data in, bytes out; no input string ever goes through a template."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Any

import yaml

_Resolver = yaml.resolver.Resolver()
_PLAIN = re.compile(r"^[A-Za-z0-9_/][-A-Za-z0-9_./@=+*]*$")
# Plain scalars PyYAML reads as strings but YAML 1.2 (ruamel.yaml) or go-yaml v2 (kubectl, sigs.k8s.io/yaml) read as
# numbers or booleans: `y`/`n`, `1e3`, `0o17`, `1_000` (Go's ParseInt drops underscores).
_OTHER_READERS = re.compile(r"^(?:[yYnN]|[-+]?(?:0[bBoOxX][0-9a-fA-F_]*|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
                            r"|\.[0-9_]+(?:[eE][-+]?[0-9]+)?))$")
# Characters YAML does not allow raw in a double-quoted scalar (non-printable) or reads as line breaks.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_INDENTS = ["  " * i for i in range(64)]


def _indent(depth: int) -> str:
    return _INDENTS[depth] if depth < 64 else "  " * depth


@lru_cache(maxsize=65536)
def scalar(value: str) -> str:
    """A string as a YAML scalar: plain when YAML reads it back as the same string, else JSON-style double-quoted."""
    if (_PLAIN.match(value) and not _OTHER_READERS.match(value)
            and _Resolver.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"):
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted) if _UNSAFE.search(quoted) else quoted


def _value(v: Any) -> str:
    if isinstance(v, str):
        return scalar(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return json.dumps(v)
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    raise TypeError(f"cannot serialize {type(v).__name__}")


def _mapping(d: dict, depth: int, out: list[str], first_prefix: str = "") -> None:
    pad = _indent(depth)
    for i, (k, v) in enumerate(d.items()):
        lead = first_prefix if i == 0 and first_prefix else pad
        key = scalar(str(k))
        if isinstance(v, dict) and v:
            out.append(f"{lead}{key}:\n")
            _mapping(v, depth + 1, out)
        elif isinstance(v, list) and v:
            out.append(f"{lead}{key}:\n")
            _sequence(v, depth, out)
        else:
            out.append(f"{lead}{key}: {_value(v)}\n")


def _sequence(items: list, depth: int, out: list[str]) -> None:
    pad = _indent(depth)
    for item in items:
        if isinstance(item, dict) and item:
            _mapping(item, depth + 1, out, first_prefix=pad + "- ")
        elif isinstance(item, list) and item:
            out.append(f"{pad}-\n")
            _sequence(item, depth + 1, out)
        else:
            out.append(f"{pad}- {_value(item)}\n")


def to_yaml(objects: list[dict]) -> str:
    """Multi-document YAML, `---` before each document, in block style (the layout PyYAML uses).

    A small emitter for the plain data ing2gw builds (dicts, lists, strings, numbers, booleans): every string goes
    through `scalar`, which quotes whatever YAML would read back as something else.
    """
    out: list[str] = []
    for obj in objects:
        out.append("---\n")
        _mapping(obj, 0, out)
    return "".join(out)


def write(objects: list[dict], fmt: str, stream: Any) -> None:
    """Write the manifests to a text stream, one document at a time (a batch run never holds all the text)."""
    if fmt == "json":
        stream.write(to_json(objects))
        return
    for obj in objects:
        out = ["---\n"]
        _mapping(obj, 0, out)
        stream.write("".join(out))


def to_json(objects: list[dict]) -> str:
    """A JSON `kind: List`, as `kubectl get -o json` prints it."""
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2, ensure_ascii=False) + "\n"


def dump(objects: list[dict], fmt: str) -> str:
    return to_json(objects) if fmt == "json" else to_yaml(objects)


def object_path(obj: dict[str, Any], fmt: str) -> str:
    """Where `--output-dir` puts an object: `<namespace>/<kind>-<name>.yaml` (`_cluster` for cluster scope)."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") or "_cluster"
    return os.path.join(ns, f"{obj['kind'].lower()}-{meta.get('name')}.{'json' if fmt == 'json' else 'yaml'}")


def write_dir(objects: list[dict], directory: str, fmt: str) -> list[str]:
    """One file per object under `directory`; returns the paths written."""
    written = []
    for obj in objects:
        path = os.path.join(directory, object_path(obj, fmt))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else to_yaml([obj]))
        written.append(path)
    return written
