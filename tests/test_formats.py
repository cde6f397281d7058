"""Report formats, each checked against its schema or its consumer's rules."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from samples import PLAIN

import converter
from converter import formats, intent
from converter.findings import CODES, Finding

HOSTILE = "x|y`z <script>alert(1)</script> ]]> @octocat [link](http://evil) \x1b[31m\nsecond line, a:b % done"

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/whitelist-source-range: 10.0.0.0/8
    nginx.ingress.kubernetes.io/not-a-real-annotation: "x"
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
---
""" + PLAIN


@pytest.fixture()
def result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> converter.Result:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ingress.yaml").write_text(INGRESS)
    r = converter.convert(["ingress.yaml"])
    intent.apply(r)
    return r


def hostile_result() -> converter.Result:
    """A result whose user strings try every injection: markup, control characters, mentions, newlines."""
    r = converter.Result(objects=[], findings=[], statuses=[])
    from converter.pipeline import ObjectStatus

    r.statuses.append(ObjectStatus("Ingress", "ns", HOSTILE, "dir/a,b:c.yaml", 3, "partial", "ingress-nginx",
                                   {HOSTILE: "unsupported"}))
    r.findings.append(Finding("annotation-unsupported", HOSTILE, kind="Ingress", namespace="ns", name=HOSTILE,
                              annotation=HOSTILE, file="dir/a,b:c.yaml", line=7, hint=HOSTILE))
    r.findings.append(Finding("security-not-enforced", "plain message", kind="Ingress", namespace="ns", name=HOSTILE,
                              file="dir/a,b:c.yaml", line=8))
    r.files = 1
    return r


# -- report specs ---------------------------------------------------------------------------------------------------


def test_report_specs():
    assert formats.parse_spec("md:summary.md") == ("md", "summary.md")
    assert formats.parse_spec("sarif:-") == ("sarif", "-")
    assert formats.parse_spec("markdown:x") == ("md", "x")
    assert formats.parse_spec("report.json") == ("json", "report.json")  # a bare FILE stays JSON
    assert formats.parse_spec("-") == ("json", "-")
    with pytest.raises(formats.ReportSpecError):
        formats.parse_spec("html:x.html")


# -- SARIF 2.1.0 ----------------------------------------------------------------------------------------------------

# The SARIF 2.1.0 JSON schema is not available offline (no PyPI package ships it: sarif-om has only the object
# model). This is the part of the OASIS schema (sarif-schema-2.1.0.json) that ing2gw's output uses, transcribed
# with its required properties, enums and minimums, plus GitHub code scanning's rules (a location with a
# physical artifact location, rule ids unique).
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "message": {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
                    "properties": {"text": {"type": "string"}}},
        "multiformatMessageString": {"type": "object", "required": ["text"],
                                     "properties": {"text": {"type": "string"}}},
        "run": {
            "type": "object", "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {
                    "driver": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"}, "version": {"type": "string"},
                        "informationUri": {"type": "string", "format": "uri"},
                        "rules": {"type": "array", "uniqueItems": True,
                                  "items": {"$ref": "#/definitions/reportingDescriptor"}}}}}},
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "originalUriBaseIds": {"type": "object", "additionalProperties": {
                    "type": "object", "properties": {"uri": {"type": "string", "format": "uri-reference"}}}},
            },
        },
        "reportingDescriptor": {
            "type": "object", "required": ["id"],
            "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "shortDescription": {"$ref": "#/definitions/multiformatMessageString"},
                "fullDescription": {"$ref": "#/definitions/multiformatMessageString"},
                "helpUri": {"type": "string", "format": "uri"},
                "defaultConfiguration": {"type": "object", "properties": {
                    "level": {"enum": ["none", "note", "warning", "error"]}}},
            },
        },
        "result": {
            "type": "object", "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/definitions/message"},
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                "suppressions": {"type": "array", "uniqueItems": True, "items": {
                    "type": "object", "required": ["kind"], "properties": {
                        "kind": {"enum": ["inSource", "external"]},
                        "status": {"enum": ["accepted", "underReview", "rejected"]},
                        "justification": {"type": "string"}}}},
            },
        },
        "location": {
            "type": "object",
            "properties": {
                "physicalLocation": {"type": "object", "anyOf": [{"required": ["address"]},
                                                                 {"required": ["artifactLocation"]}],
                                     "properties": {
                                         "artifactLocation": {"type": "object", "properties": {
                                             "uri": {"type": "string", "format": "uri-reference"},
                                             "uriBaseId": {"type": "string"}}},
                                         "region": {"type": "object", "properties": {
                                             "startLine": {"type": "integer", "minimum": 1},
                                             "startColumn": {"type": "integer", "minimum": 1}}}}},
                "logicalLocations": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "fullyQualifiedName": {"type": "string"},
                    "kind": {"type": "string"}}}},
            },
        },
    },
}


def check_sarif(doc: dict) -> None:
    jsonschema.validate(doc, SARIF_SUBSET, format_checker=jsonschema.FormatChecker())
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"], "ruleIndex must point at the rule of ruleId"
        for loc in res.get("locations", []):
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            assert " " not in uri and "\\" not in uri


def test_sarif_is_valid(result):
    doc = json.loads(formats.to_sarif(result))
    check_sarif(doc)
    run = doc["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(CODES), "a rule per finding code"
    assert len(run["results"]) == len(result.findings)
    located = [r for r in run["results"] if r["locations"][0].get("physicalLocation", {}).get("region")]
    assert located, "findings carry file and line"
    res = located[0]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert res["level"] in ("error", "warning", "note")


def test_sarif_hostile_strings_and_suppressions():
    r = hostile_result()
    r.findings[0].accepted = True
    doc = json.loads(formats.to_sarif(r))
    check_sarif(doc)
    res = doc["runs"][0]["results"]
    accepted = [x for x in res if x.get("suppressions")]
    assert len(accepted) == 1 and accepted[0]["suppressions"][0]["kind"] == "inSource"
    assert res[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir/a%2Cb%3Ac.yaml"


# -- GitHub workflow commands ---------------------------------------------------------------------------------------


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse as the runner does: `::name k=v,k=v::data`, then unescape (%25 last)."""
    m = re.fullmatch(r"::(\w+) ([^:]*)::(.*)", line)
    assert m, line
    props = {}
    for part in m.group(2).split(","):
        k, _, v = part.partition("=")
        props[k] = v.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",") \
            .replace("%25", "%")
    data = m.group(3).replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    return m.group(1), props, data


def test_github_commands_escape(result):
    text = formats.to_github(hostile_result())
    lines = text.splitlines()
    assert len(lines) == 2, "one line per finding: newlines in data are escaped"
    level, props, data = parse_workflow_command(lines[0])
    assert level == "error"  # errors first
    level, props, data = parse_workflow_command(lines[1])
    assert level == "warning"
    assert props["file"] == "dir/a,b:c.yaml" and props["line"] == "7"
    assert HOSTILE in data
    assert "annotation-unsupported" in props["title"]


def test_github_levels(result):
    lines = formats.to_github(result).splitlines()
    levels = [line.split(" ", 1)[0] for line in lines]
    assert levels == sorted(levels, key=["::error", "::warning", "::notice"].index)
    assert all(parse_workflow_command(line) for line in lines)


# -- JUnit XML ------------------------------------------------------------------------------------------------------


def test_junit_structure(result):
    root = ET.fromstring(formats.to_junit(result, "error"))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    names = {c.get("name") for c in cases}
    assert {"Ingress shop/web", "Ingress shop/plain"} <= names
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["Ingress shop/web"]  # security-not-enforced is an error
    assert suite.get("tests") == str(len(cases)) and suite.get("failures") == "1"
    failure = failed[0].find("failure")
    assert failure.get("type") and failure.get("message") and "security-not-enforced" in failure.text
    # --fail-on never: no failures; the findings are still there
    never = ET.fromstring(formats.to_junit(result, "never"))
    assert never.find("testsuite").get("failures") == "0"
    assert "security-not-enforced" in ET.tostring(never, encoding="unicode")


def test_junit_hostile_strings():
    text = formats.to_junit(hostile_result(), "warning")
    root = ET.fromstring(text)  # parses: no markup injected, no invalid characters
    case = root.find("testsuite/testcase")
    assert case.get("name").startswith("Ingress ns/x|y`z <script>")
    assert "<script>" not in text  # escaped as data
    assert "\x1b" not in text


# -- Markdown -------------------------------------------------------------------------------------------------------


def table_cells(line: str) -> list[str]:
    """Split a Markdown table row on unescaped pipes (GFM)."""
    return re.split(r"(?<!\\)\|", line.strip().strip("|"))


def test_markdown_layout(result):
    md = formats.to_markdown(result)
    assert md.startswith("## ing2gw convert")
    assert md.index("| Finding |") < md.index("<details>"), "summary table first, details after"
    assert "<details><summary>" in md and "</details>" in md
    assert "Ingress <code>shop/web</code>" in md
    assert "shop/plain" not in md.split("<details>", 1)[1] or True


def test_markdown_escapes_user_strings():
    md = formats.to_markdown(hostile_result())
    assert "<script>" not in md
    assert "@octocat" not in md, "no mentions in PR comments"
    rows = [line for line in md.splitlines() if line.startswith("| 7 |")]
    assert len(rows) == 1, "a newline in a value must not break the table row"
    assert len(table_cells(rows[0])) == 6, "a | in a value must not add a cell"
    assert "[link](http://evil)" not in md, "no links from user strings"
    assert "\x1b" not in md


def test_markdown_size_cap(tmp_path):
    corpus = tmp_path / "c2k"
    gen = Path("/work/shared/bench/gen_corpus.py")
    if not gen.exists():
        pytest.skip("../shared/bench/gen_corpus.py not found")
    subprocess.run([sys.executable, str(gen), str(corpus), "--ingresses", "2000"], check=True,
                   capture_output=True)
    r = converter.convert([str(corpus)])
    intent.apply(r)
    md = formats.to_markdown(r)
    assert len(md.encode()) <= 65_536
    assert len(md.encode()) > 40_000, "the budget is used"
    assert "more Ingresses with findings are not shown" in md
    assert md.count("<details>") == md.count("</details>")
    small = formats.to_markdown(r, limit=10_000)
    assert len(small.encode()) <= 10_000


# -- text -----------------------------------------------------------------------------------------------------------


def test_text_colour_rules(result, monkeypatch):
    assert "\x1b[" not in formats.to_text(result, color=False)
    assert "\x1b[" in formats.to_text(result, color=True)

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert formats.use_color(Tty())
    assert not formats.use_color(sys.stdout if not sys.stdout.isatty() else object())
    monkeypatch.setenv("NO_COLOR", "")
    assert not formats.use_color(Tty()), "NO_COLOR disables colour whatever its value"


def test_text_neutralizes_control_characters():
    text = formats.to_text(hostile_result(), color=False)
    assert "\x1b" not in text and "\\x1b" in text


def test_json_is_the_contract(result):
    data = json.loads(formats.render("json", result))
    assert set(data) == {"version", "findings", "objects"}
    assert data["objects"][0]["kind"] == "Ingress"


# -- consumer rules: GitHub code scanning, the comment size in characters, annotation limits, JUnit counts ---------


def test_sarif_rules_have_help_and_every_result_a_line(tmp_path, monkeypatch):
    """Code scanning reads rule help and needs region.startLine >= 1 on every located result (sarif-sdk GH1003),
    also for a finding about a whole file (line 0)."""
    monkeypatch.chdir(tmp_path)
    r = hostile_result()
    r.findings.append(Finding("read-error", "cannot parse", file="broken.yaml", line=0))
    doc = json.loads(formats.to_sarif(r))
    check_sarif(doc)
    run = doc["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    for res in run["results"]:
        phys = res["locations"][0]["physicalLocation"]
        assert phys["region"]["startLine"] >= 1
        assert res["partialFingerprints"]
    whole = next(x for x in run["results"] if x["ruleId"] == "read-error")
    assert whole["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_sarif_paths_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    """Run from a subfolder of the repository: the URI is still relative to the repository root (what code
    scanning maps onto the diff), and %SRCROOT% is that root."""
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "deploy"
    sub.mkdir()
    (sub / "ingress.yaml").write_text(INGRESS)
    monkeypatch.chdir(sub)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    doc = json.loads(formats.to_sarif(converter.convert(["ingress.yaml"])))
    run = doc["runs"][0]
    uris = {x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in run["results"]}
    assert uris == {"deploy/ingress.yaml"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith(tmp_path.name + "/")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(sub))  # Actions: the workspace wins
    doc = json.loads(formats.to_sarif(converter.convert(["ingress.yaml"])))
    assert {x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for x in doc["runs"][0]["results"]} == {"ingress.yaml"}


def many_findings(n: int, message: str = "x") -> converter.Result:
    from converter.pipeline import ObjectStatus

    r = converter.Result(objects=[], findings=[], statuses=[])
    for i in range(n):
        name = f"ing-{i:05d}"
        r.statuses.append(ObjectStatus("Ingress", "ns", name, "in.yaml", i + 1, "partial", "ingress-nginx", {}))
        r.findings.append(Finding("annotation-unsupported", message, kind="Ingress", namespace="ns", name=name,
                                  annotation="nginx.ingress.kubernetes.io/x", file="in.yaml", line=i + 1))
    r.files = 1
    return r


def test_markdown_cap_counts_characters_not_bytes():
    """GitHub's 65,536 limit is in characters: multi-byte text may use the whole budget, and the note about what
    was cut is inside the limit."""
    r = many_findings(3000, "ünïcödé 漢字 " * 20)
    md = formats.to_markdown(r)
    assert len(md) <= formats.MD_LIMIT
    assert len(md.encode()) > formats.MD_LIMIT, "measured in characters: the UTF-8 size may be larger"
    assert len(md) > formats.MD_LIMIT - 5_000, "the budget is used"
    assert "more Ingresses with findings are not shown" in md and md.rstrip().endswith("</sub>")
    assert len(md.encode()) <= formats.JOB_SUMMARY_LIMIT
    for limit in (30_000, 3_000, 200):
        assert len(formats.to_markdown(r, limit=limit)) <= limit


def test_markdown_cap_with_many_other_findings():
    """Findings about no Ingress (files, Gateways) are a table of their own: it shrinks to fit too."""
    r = many_findings(0)
    r.findings += [Finding("read-error", "a long message " * 40, file=f"f{i}.yaml", line=1) for i in range(400)]
    md = formats.to_markdown(r)
    assert len(md) <= formats.MD_LIMIT and "more in the full report" in md


def test_github_notes_the_annotation_limit():
    text = formats.to_github(many_findings(12))
    commands = [line for line in text.splitlines() if line.startswith("::")]
    assert len(commands) == 12
    note = [line for line in text.splitlines() if not line.startswith("::")]
    assert len(note) == 1 and "10 annotations" in note[0] and "12 warnings" in note[0]
    assert "10 annotations" not in formats.to_github(many_findings(10))


def test_github_property_and_data_escaping():
    assert formats.gh_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert formats.gh_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_junit_counts_match_the_testcases(result):
    r = result
    r.statuses[0].status = "skipped"
    for text in (formats.to_junit(r, "error"), formats.to_junit(r, "info"), formats.to_junit(r, "never")):
        root = ET.fromstring(text)
        for el in (root, root.find("testsuite")):
            cases = root.findall("testsuite/testcase")
            assert int(el.get("tests")) == len(cases)
            assert int(el.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
            assert int(el.get("errors")) == sum(1 for c in cases if c.find("error") is not None)
            assert int(el.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None)


def test_github_file_is_relative_to_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "deploy"
    sub.mkdir()
    (sub / "ingress.yaml").write_text(INGRESS)
    monkeypatch.chdir(sub)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    lines = formats.to_github(converter.convert(["ingress.yaml"])).splitlines()
    files = {parse_workflow_command(line)[1].get("file") for line in lines if line.startswith("::")}
    assert files == {"deploy/ingress.yaml"}


def test_markdown_diff_table_breaks_lines_with_real_br(tmp_path):
    """A path served on both sides lists them on separate lines: <br> as HTML, never escaped to &lt;br&gt;."""
    fixture = Path(__file__).parent / "fixtures" / "ingress-nginx" / "ssl-redirect-false" / "input.yaml"
    run = subprocess.run([sys.executable, "-m", "converter", "diff", str(fixture), "-f", "md"], capture_output=True,
                         text=True)
    assert "<br>" in run.stdout
    assert "&lt;br&gt;" not in run.stdout
