"""Every file of the real-world corpus (../shared/corpus/real) through `convert`: no exception, every Ingress and
every annotation accounted for in the report, valid output, and no routing difference that no finding explains."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

import converter
from converter import formats, intent, report

SHARED = Path(os.environ.get("ING2GW_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
CORPUS = SHARED / "corpus" / "real"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json")) \
    if CORPUS.is_dir() else []


def ingresses_in(path: Path) -> list[dict]:
    """Ingress objects in a file, read independently of ing2gw's loader (YAML, JSON, `kind: List`)."""
    text = path.read_text(encoding="utf-8-sig")
    docs = [json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text))
    out = []
    stack = [d for d in docs if isinstance(d, dict)]
    while stack:
        d = stack.pop(0)
        if str(d.get("kind", "")).endswith("List") and isinstance(d.get("items"), list):
            stack += [i for i in d["items"] if isinstance(i, dict)]
        elif d.get("kind") == "Ingress":
            out.append(d)
    return out


@pytest.fixture(scope="module")
def corpus(shared_dir):
    if not FILES:
        pytest.skip(f"no corpus files under {CORPUS}")
    return CORPUS


def test_corpus_is_there(corpus):
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_corpus_file(path, corpus, crds):
    result = converter.convert([str(path)])
    intents = intent.apply(result)
    data = json.loads(report.to_json(result))
    assert set(data) == {"version", "findings", "objects"}

    # every Ingress of the file is in `objects` with a status, every annotation of it with a status
    expected = ingresses_in(path)
    statuses = [o for o in data["objects"] if o["kind"] == "Ingress"]
    assert len(statuses) == len(expected), f"{len(expected)} Ingresses in the file, {len(statuses)} in the report"
    assert all(s["status"] in ("converted", "partial", "failed", "skipped") for s in statuses)
    by_name: dict[tuple[str, str], list[dict]] = {}
    for s in statuses:
        by_name.setdefault((s["namespace"], s["name"]), []).append(s)
    for ing in expected:
        meta = ing.get("metadata") or {}
        key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        if not key[1]:
            continue  # reported under a generated name (invalid-object)
        assert key in by_name, f"Ingress {key} is not in the report"
        annotations = meta.get("annotations") or {}
        for s in by_name[key]:
            if s["status"] == "failed" and not s["annotations"]:
                continue  # malformed: rejected before its annotations were read (invalid-object says why)
            missing = set(map(str, annotations)) - set(s["annotations"])
            assert not missing, f"Ingress {key}: annotations without a status: {sorted(missing)}"

    # valid against the v1.6.1 CRDs (standard channel, the default)
    errors = [(o["kind"], o["metadata"]["name"], str(e)) for o in result.objects for e in crds["standard"].validate(o)]
    assert not errors, f"invalid output: {errors[:5]}"

    # zero unexplained changes
    unexplained = [(it.ingress.key, d.text()) for it in intents for d in it.unexplained]
    assert not unexplained, f"routing differences no finding explains: {unexplained}"

    # every report format renders
    for fmt in formats.FORMATS:
        assert isinstance(formats.render(fmt, result, intents=intents), str)


def test_whole_corpus_at_once(corpus):
    """All files in one run, as `ing2gw convert corpus/` does: Ingresses of different files share hosts, names
    (duplicate-object) and Gateways; still every routing difference is explained."""
    result = converter.convert([str(CORPUS)])
    intents = intent.apply(result)
    assert len(result.statuses) == sum(len(ingresses_in(p)) for p in FILES)
    unexplained = [(it.ingress.obj.file, it.ingress.key, d.text()) for it in intents for d in it.unexplained]
    assert not unexplained, f"routing differences no finding explains: {unexplained}"
    md = formats.to_markdown(result, intents=intents)
    assert len(md.encode()) <= 65_536
