"""Reports: the JSON report (a public contract, see README) and the human summaries rendered from templates/."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import jinja2

from .data import data_file
from .findings import CODES, Severity

if TYPE_CHECKING:
    from .pipeline import Result

REPORT_VERSION = "1"


def report_dict(result: Result) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "findings": [f.to_dict() for f in result.findings],
        "objects": [s.to_dict() for s in result.statuses],
    }


def to_json(result: Result) -> str:
    return json.dumps(report_dict(result), indent=2, ensure_ascii=False) + "\n"


def _env() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: data_file("templates", name).read_text(encoding="utf-8"))
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def summary_counts(result: Result) -> dict[str, Any]:
    statuses = Counter(s.status for s in result.statuses)
    severities = Counter(str(f.severity) for f in result.findings if not f.accepted)
    codes = Counter(f.code for f in result.findings if not f.accepted and f.severity >= Severity.WARNING)
    kinds = Counter(o["kind"] for o in result.objects)
    return {"ingresses": len(result.statuses), "files": result.files, "statuses": statuses,
            "severities": severities, "codes": codes.most_common(8), "kinds": sorted(kinds.items()),
            "objects": len(result.objects), "accepted": sum(1 for f in result.findings if f.accepted)}


def render_summary(result: Result) -> str:
    """The short summary `convert` writes to stderr."""
    return _env().get_template("summary.txt.j2").render(c=summary_counts(result), codes=CODES)
