"""Golden fixtures: tests/fixtures/<provider>/<case>/ holds input.yaml, expected.yaml, findings.yaml and, optionally,
options.yaml (keyword arguments of converter.Options). findings.yaml lists the expected findings as
{code, name, annotation} (the wording is free to change; codes, objects and annotations are the contract)."""

from __future__ import annotations

from pathlib import Path

import yaml

import converter

FIXTURES = Path(__file__).parent / "fixtures"


def cases() -> list[Path]:
    return sorted({p.parent for p in FIXTURES.glob("*/*/input.*")})


def case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def run_case(case: Path) -> converter.Result:
    opts_file = case / "options.yaml"
    opts = yaml.safe_load(opts_file.read_text()) if opts_file.exists() else {}
    for key in ("ingress_classes",):
        if key in opts:
            opts[key] = tuple(opts[key])
    inputs = sorted(str(p) for p in case.glob("input.*"))
    result = converter.convert(inputs, converter.Options(**opts))
    return result


def finding_rows(result: converter.Result) -> list[dict]:
    rows = [{"code": f.code, "name": f.name, "annotation": f.annotation} for f in result.findings]
    return sorted(rows, key=lambda r: (r["code"], r["name"], r["annotation"]))


def load_expected(case: Path) -> tuple[list[dict], list[dict]]:
    objects = [d for d in yaml.safe_load_all((case / "expected.yaml").read_text()) if d]
    findings_file = case / "findings.yaml"
    findings = yaml.safe_load(findings_file.read_text()) if findings_file.exists() else []
    return objects, sorted(findings or [], key=lambda r: (r["code"], r["name"], r["annotation"]))


def write_expected(case: Path, result: converter.Result) -> None:
    from converter import serialize

    (case / "expected.yaml").write_text(serialize.to_yaml(result.objects))
    (case / "findings.yaml").write_text(yaml.safe_dump(finding_rows(result), sort_keys=False) or "[]\n")
