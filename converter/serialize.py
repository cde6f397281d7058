"""Serialize objects with libyaml (C) or json: data in, bytes out; no input string ever goes through a template."""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(objects: list[dict]) -> str:
    """Multi-document YAML, `---` before each document."""
    if not objects:
        return ""
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False, explicit_start=True,
                         allow_unicode=True, width=120)


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
