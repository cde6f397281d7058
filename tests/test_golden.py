"""Golden fixtures per provider and feature: output and findings compared as structures, shown as a deepdiff."""

from __future__ import annotations

import pytest
from deepdiff import DeepDiff
from golden import case_id, cases, finding_rows, load_expected, run_case, write_expected

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_golden(case, update_golden):
    result = run_case(case)
    if update_golden:
        write_expected(case, result)
    objects, findings = load_expected(case)
    diff = DeepDiff(objects, result.objects, ignore_order=False, view="tree")
    assert not diff, f"output differs from {case / 'expected.yaml'}:\n{diff.pretty()}"
    fdiff = DeepDiff(findings, finding_rows(result), ignore_order=True)
    assert not fdiff, f"findings differ from {case / 'findings.yaml'}:\n{fdiff.pretty()}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_golden_output_is_valid(case, crds):
    import yaml

    channel = (yaml.safe_load((case / "options.yaml").read_text()) or {}).get("channel", "standard") \
        if (case / "options.yaml").exists() else "standard"
    objects, _ = load_expected(case)
    errors = [(o["kind"], o["metadata"]["name"], e) for o in objects for e in crds[channel].validate(o)]
    assert not errors, f"{case / 'expected.yaml'} is not valid against the v1.6.1 {channel} CRDs: {errors}"


def test_there_are_golden_cases():
    assert len(CASES) >= 5
