"""Report formats for `convert`, `diff` and `--check`: text, Markdown, JSON, SARIF 2.1.0, GitHub workflow commands
and JUnit XML. Human formats are rendered from templates/ (Jinja2, autoescaped, user strings escaped per context);
machine formats are built as data (json, xml.etree), so no Ingress name or annotation value can inject markup.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from . import __version__
from .data import data_file
from .findings import CODES, Finding, Severity

if TYPE_CHECKING:
    from .intent import IngressIntent
    from .pipeline import Result

FORMATS = ("text", "md", "json", "sarif", "github", "junit")
ALIASES = {"markdown": "md", "txt": "text", "xml": "junit", "gh": "github"}
MD_LIMIT = 65_536 - 1_536  # a PR comment holds 65,536 characters (not bytes); keep room for what CI adds around it
JOB_SUMMARY_LIMIT = 1_048_576  # bytes per step summary: 64,000 characters are at most 256 KiB of UTF-8
SARIF_MAX_RESULTS = 25_000  # GitHub code scanning's limit per run
INFO_URI = "https://github.com/ing2gw/ing2gw"
FAIL_ON = ("error", "warning", "info", "never")


class ReportSpecError(ValueError):
    """A --report value that names an unknown format."""


def parse_spec(spec: str) -> tuple[str, str]:
    """`FORMAT:TARGET` -> (format, target); a bare `TARGET` is JSON (compatibility); `-` is stdout."""
    head, sep, rest = spec.partition(":")
    name = ALIASES.get(head.lower(), head.lower())
    if sep and name in FORMATS:
        return name, rest or "-"
    if sep and len(head) > 1 and re.fullmatch(r"[a-z][a-z0-9-]*", head) and not os.path.exists(spec):
        raise ReportSpecError(f"unknown report format {head!r} in {spec!r}: use one of {', '.join(FORMATS)} "
                              "as FORMAT:FILE")
    return "json", spec


def threshold(fail_on: str) -> Severity | None:
    return None if fail_on == "never" else Severity.parse(fail_on)


def failing(f: Finding, fail_on: str) -> bool:
    level = threshold(fail_on)
    return level is not None and not f.accepted and f.severity >= level  # type: ignore[operator]


# -- the data every human format shows ------------------------------------------------------------------------------

STATUS_ORDER = {"failed": 0, "partial": 1, "skipped": 2, "converted": 3}


def ingress_views(result: Result, intents: list[IngressIntent] | None = None) -> tuple[list[dict], list[Finding]]:
    """Per Ingress: its status, findings (worst first) and, with intents, its paths, routes and differences.

    Returns the views (worst Ingress first) and the findings about no Ingress (files, Gateways).
    """
    by_key: dict[tuple[str, str, str], list[Finding]] = {}
    for f in result.findings:
        by_key.setdefault((f.file, f.namespace, f.name) if f.kind in ("Ingress",) else ("", "", ""), []).append(f)
    intent_of = {}
    for it in intents or []:
        ing = it.ingress
        intent_of[(ing.obj.file, ing.namespace, ing.name)] = it
    views = []
    for s in result.statuses:
        key = (s.file, s.namespace, s.name)
        mine = sorted(by_key.pop(key, []), key=lambda f: (-int(f.severity or 0), f.line, f.code))
        sev = Counter(str(f.severity) for f in mine if not f.accepted)
        views.append({"status": s, "key": f"{s.namespace}/{s.name}" if s.namespace else s.name,
                      "findings": mine, "severities": sev, "accepted": sum(1 for f in mine if f.accepted),
                      "worst": max((int(f.severity or 0) for f in mine if not f.accepted), default=0),
                      "intent": intent_of.get(key)})
    views.sort(key=lambda v: (-v["worst"], STATUS_ORDER.get(v["status"].status, 9), v["status"].file,
                              v["status"].line))
    others = [f for fs in by_key.values() for f in fs]
    others.sort(key=Finding.sort_key)
    return views, others


def totals(result: Result) -> dict[str, Any]:
    statuses = Counter(s.status for s in result.statuses)
    severities = Counter(str(f.severity) for f in result.findings if not f.accepted)
    codes = Counter((f.code, str(f.severity)) for f in result.findings if not f.accepted)
    return {"ingresses": len(result.statuses), "files": result.files, "statuses": statuses,
            "severities": severities, "accepted": sum(1 for f in result.findings if f.accepted),
            "objects": len(result.objects), "kinds": sorted(Counter(o["kind"] for o in result.objects).items()),
            "codes": sorted(codes.items(), key=lambda kv: (-Severity.parse(kv[0][1]), -kv[1], kv[0][0]))}


# -- escaping -------------------------------------------------------------------------------------------------------

_MD_PUNCT = re.compile(r"([\\`*_\[\]|~])")
_CONTROL_MD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MD_CODE_PUNCT = re.compile(r"[\\`*_{}\[\]()|~@]")  # Markdown still applies inside inline HTML: entities


def md(value: Any) -> Markup:
    """Escape a user string for Markdown text and table cells: HTML-escaped, Markdown punctuation and `|`
    backslash-escaped, `@` defused (no mentions), newlines as <br>."""
    text = _MD_PUNCT.sub(r"\\\1", _CONTROL_MD.sub("\ufffd", "" if value is None else str(value)))
    text = str(escape(text)).replace("@", "&#64;")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return Markup(text)


def md_code(value: Any) -> Markup:
    """A user string as inline code: <code> with HTML escaping (backticks cannot close it), no newlines."""
    text = str(escape(_CONTROL_MD.sub("\ufffd", "" if value is None else str(value))))
    text = _MD_CODE_PUNCT.sub(lambda m: f"&#{ord(m.group())};", text).replace("\r", "").replace("\n", " ")
    return Markup(f"<code>{text}</code>")


def md_pre(value: Any) -> Markup:
    """A user string inside <pre>: HTML-escaped, mentions defused, control characters replaced."""
    text = str(escape(_CONTROL_MD.sub("\ufffd", "" if value is None else str(value))))
    return Markup(text.replace("@", "&#64;"))


_ANSI = {"error": "\x1b[31;1m", "warning": "\x1b[33m", "info": "\x1b[36m", "bold": "\x1b[1m", "dim": "\x1b[2m",
         "ok": "\x1b[32m"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _paint(color: bool) -> Any:
    def paint(text: Any, style: str) -> str:
        text = str(text)
        return f"{_ANSI[style]}{text}\x1b[0m" if color and style in _ANSI else text
    return paint


def plain(value: Any) -> str:
    """A user string for a terminal: control characters (escape sequences included) made visible."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", "" if value is None else str(value))


def env() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: data_file("templates", name).read_text(encoding="utf-8"))
    e = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                           keep_trailing_newline=True,
                           autoescape=jinja2.select_autoescape(enabled_extensions=("md.j2", "html.j2"),
                                                               default_for_string=False, default=False))
    e.filters["md"] = md
    e.filters["code"] = md_code
    e.filters["plain"] = plain
    e.filters["pre"] = md_pre
    return e


_ENV: jinja2.Environment | None = None


def _env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = env()
    return _ENV


def use_color(stream: Any) -> bool:
    """Colour for terminals only: never with NO_COLOR set (any value) or when the stream is not a TTY."""
    if "NO_COLOR" in os.environ:
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


# -- the formats ----------------------------------------------------------------------------------------------------


@dataclass
class CheckReport:
    """What `convert --check DIR` found: the committed manifests against a fresh conversion."""

    directory: str
    differences: list[str]  # diff.check() lines: "+ ", "- ", "~ " per object, indented details

    @property
    def objects(self) -> int:
        return sum(1 for d in self.differences if not d.startswith(" "))

    def to_dict(self) -> dict[str, Any]:
        return {"directory": self.directory, "upToDate": not self.differences, "objects": self.objects,
                "differences": self.differences}


def render(fmt: str, result: Result, *, fail_on: str = "error", intents: list[IngressIntent] | None = None,
           color: bool = False, title: str = "ing2gw convert", limit: int = MD_LIMIT,
           check: CheckReport | None = None) -> str:
    """One report; with `check` (convert --check), the committed manifests' state is part of it (SARIF, which
    locates findings in files, leaves it out)."""
    if fmt == "json":
        text = to_json(result, intents)
        if check is not None:
            data = json.loads(text)
            data["check"] = check.to_dict()
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        return text
    if fmt == "sarif":
        return to_sarif(result)
    if fmt == "github":
        text = to_github(result, fail_on)
        if check is not None and check.differences:
            text = (f"::error title={gh_property('ing2gw --check')}::"
                    + gh_data(f"{check.objects} object{'s' if check.objects != 1 else ''} in {check.directory} "
                              "differ from a fresh conversion:\n" + "\n".join(check.differences[:50]))
                    + "\n" + text)
        return text
    if fmt == "junit":
        return to_junit(result, fail_on, title, check)
    if fmt == "md":
        return to_markdown(result, fail_on=fail_on, intents=intents, title=title, limit=limit, check=check)
    if fmt == "text":
        return to_text(result, fail_on=fail_on, intents=intents, color=color, title=title, check=check)
    raise ReportSpecError(f"unknown report format {fmt!r}")


def to_json(result: Result, intents: list[IngressIntent] | None = None) -> str:
    from .report import report_dict

    data = report_dict(result)
    if intents is not None:
        data["intent"] = [intent_dict(it) for it in intents]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def intent_dict(it: IngressIntent) -> dict[str, Any]:
    ing = it.ingress
    return {"kind": "Ingress", "namespace": ing.namespace, "name": ing.name, "file": ing.obj.file,
            "line": ing.obj.line,
            "paths": [{"host": p.host, "path": p.path, "pathType": p.path_type, "backend": p.describe_backend(),
                       "line": p.line, "schemes": list(p.schemes)} for p in it.paths],
            "differences": [{"kind": d.kind, "host": d.host, "scheme": d.scheme, "line": d.line, "source": d.source,
                             "output": d.output, "explainedBy": d.explained_by} for d in it.differences]}


def to_text(result: Result, *, fail_on: str = "error", intents: list[IngressIntent] | None = None,
            color: bool = False, title: str = "ing2gw convert", check: CheckReport | None = None) -> str:
    views, others = ingress_views(result, intents)
    text = _env().get_template("report.txt.j2").render(
        t=totals(result), views=views, others=others, codes=CODES, title=title, fail_on=fail_on,
        paint=_paint(color), failing=failing, check=check)
    return text if text.endswith("\n") else text + "\n"


def to_markdown(result: Result, *, fail_on: str = "error", intents: list[IngressIntent] | None = None,
                title: str = "ing2gw convert", limit: int = MD_LIMIT, check: CheckReport | None = None) -> str:
    """Summary tables first, then one <details> per Ingress (worst first) while the text stays under `limit`
    characters (GitHub counts characters, not bytes); what did not fit is counted in a closing note that is itself
    inside the limit."""
    views, others = ingress_views(result, intents)
    template = _env().get_template("report.md.j2")
    ctx = {"t": totals(result), "codes": CODES, "title": title, "fail_on": fail_on, "others": others,
           "failing": failing, "version": __version__, "limit": limit, "check": check}
    head = template.render(**ctx, part="head")
    module = template.make_module(ctx | {"part": "none"})
    shown = [v for v in views if v["findings"] or v["intent"] is not None or v["status"].status != "converted"]

    def tail(cut: int, others_max: int) -> str:
        return template.render(**ctx, part="tail", cut=cut, others_max=others_max)

    others_max = 200  # the other findings' table shrinks first when even it does not fit beside the summary
    while others_max and len(head) + len(tail(len(shown), others_max)) > limit:
        others_max //= 2
    reserve = len(tail(len(shown), others_max)) + 8  # the note's number can only get shorter
    parts, size = [head], len(head)
    for v in shown:
        block = str(module.ingress(v))  # type: ignore[attr-defined]
        if size + len(block) + reserve > limit:
            break
        parts.append(block)
        size += len(block)
    cut = len(shown) - (len(parts) - 1)
    text = "".join(parts) + tail(cut, others_max)
    while len(text) > limit and len(parts) > 1:  # never happens with the reserve above; kept as a guarantee
        parts.pop()
        cut += 1
        text = "".join(parts) + tail(cut, others_max)
    if len(text) > limit:  # the summary alone is too long (a limit far below the default)
        note = "\n\n> ✂️ cut at the size limit; the full report is in the JSON or SARIF report\n"
        text = text[:max(0, limit - len(note))] + note
        text = text[:limit]
    return text


# SARIF 2.1.0 (OASIS): one rule per finding code, a result per finding located by file and line.

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def repo_root() -> str:
    """The folder SARIF paths are relative to: the repository being scanned ($GITHUB_WORKSPACE in Actions, else
    the nearest folder above the current one with a .git, else the current folder)."""
    cwd = os.path.abspath(os.getcwd())
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace and (cwd + os.sep).startswith(os.path.abspath(workspace) + os.sep):
        return os.path.abspath(workspace)
    d = cwd
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return cwd
        d = parent


def _uri(file: str, root: str | None = None) -> str | None:
    """A finding's file as a URI relative to the repository root (code scanning shows only those on the diff);
    a file outside it gets an absolute file: URI; stdin none."""
    if not file or file == "<stdin>":
        return None
    root = root or repo_root()
    path = os.path.relpath(os.path.abspath(file), root)
    if path.startswith(".."):
        return "file://" + quote(os.path.abspath(file).replace(os.sep, "/"))
    return quote(path.replace(os.sep, "/"))


def _rule_name(code: str) -> str:
    return "".join(w.capitalize() for w in code.split("-"))


def fingerprint(f: Finding) -> str:
    text = "\x00".join((f.code, f.kind, f.namespace, f.name, f.annotation, f.file))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def to_sarif(result: Result) -> str:
    codes = sorted(CODES)
    index = {c: i for i, c in enumerate(codes)}
    rules = [{"id": c, "name": _rule_name(c), "shortDescription": {"text": CODES[c].summary},
              "fullDescription": {"text": CODES[c].summary},
              "defaultConfiguration": {"level": _SARIF_LEVEL[CODES[c].severity]},
              "help": {"text": f"{CODES[c].summary}. Each result says what changed and what to do; "
                                f"`ing2gw codes` lists every code.",
                       "markdown": f"**{c}** ({CODES[c].severity}): {CODES[c].summary}.\n\nEach result says which "
                                   "annotation or path changed behaviour and what to do instead. See the "
                                   f"[finding codes]({INFO_URI}#finding-codes)."},
              "helpUri": f"{INFO_URI}#finding-codes",
              "properties": {"tags": ["ingress", "gateway-api", "migration"]}} for c in codes]
    findings = sorted(result.findings, key=lambda f: (-int(f.severity or 0), *f.sort_key()))
    root = repo_root()
    results = []
    for f in findings[:SARIF_MAX_RESULTS]:
        if f.code not in index:
            continue
        text = f.message + (f" Hint: {f.hint}" if f.hint else "")
        res: dict[str, Any] = {"ruleId": f.code, "ruleIndex": index[f.code],
                               "level": _SARIF_LEVEL[f.severity],  # type: ignore[index]
                               "message": {"text": text}}
        loc: dict[str, Any] = {}
        uri = _uri(f.file, root)
        if uri:
            phys: dict[str, Any] = {"artifactLocation": {"uri": uri}}
            if not uri.startswith("file://"):
                phys["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
            # code scanning needs a region with startLine >= 1: a finding about a whole file points at line 1
            phys["region"] = {"startLine": f.line if f.line and f.line > 0 else 1}
            loc["physicalLocation"] = phys
        if f.name:
            fqn = f"{f.kind or 'object'} {f.namespace}/{f.name}" if f.namespace else f"{f.kind or 'object'} {f.name}"
            loc["logicalLocations"] = [{"name": f.name, "fullyQualifiedName": fqn, "kind": "object"}]
        if loc:
            res["locations"] = [loc]
        res["partialFingerprints"] = {"ing2gwFinding/v1": fingerprint(f)}
        props: dict[str, Any] = {"severity": str(f.severity)}
        if f.annotation:
            props["annotation"] = f.annotation
        if f.hint:
            props["hint"] = f.hint
        res["properties"] = props
        if f.accepted:
            by_config = f.extra.get("accepted_by") == "config"
            res["suppressions"] = [{"kind": "external" if by_config else "inSource", "status": "accepted",
                                    "justification": "accepted in .ing2gw.yaml" if by_config
                                    else "accepted by the ing2gw.io/accept annotation"}]
        results.append(res)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "ing2gw", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI, "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _srcroot(root)}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if len(findings) > SARIF_MAX_RESULTS:
        run["properties"] = {"truncated": len(findings) - SARIF_MAX_RESULTS}
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _srcroot(root: str) -> str:
    path = root.replace(os.sep, "/")
    return "file://" + quote(path if path.startswith("/") else "/" + path) + "/"


# GitHub workflow commands: ::error file=F,line=L,title=T::MESSAGE, escaped as @actions/core does.

_GH_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
GH_ANNOTATIONS_PER_STEP = 10  # GitHub displays 10 error and 10 warning annotations per step, 50 per job


def gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str) -> str:
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(result: Result, fail_on: str = "error") -> str:
    """One annotation per finding, errors first (GitHub shows only the first 10 of each level per step)."""
    lines = []
    root = repo_root()
    for f in sorted(result.findings, key=lambda f: (f.accepted, -int(f.severity or 0), *f.sort_key())):
        level = "notice" if f.accepted else _GH_LEVEL[f.severity]  # type: ignore[index]
        props = []
        if f.file and f.file != "<stdin>":
            # the runner reads a relative file as relative to the repository root, not to the step's folder
            path = os.path.relpath(os.path.abspath(f.file), root)
            props.append(f"file={gh_property(f.file if path.startswith('..') else path.replace(os.sep, '/'))}")
            if f.line:
                props.append(f"line={f.line}")
        obj = f"{f.namespace}/{f.name}" if f.namespace else f.name
        title = f"ing2gw {f.code}" + (f" ({obj})" if obj else "") + (" [accepted]" if f.accepted else "")
        props.append(f"title={gh_property(title)}")
        msg = (f"{f.annotation}: " if f.annotation and not f.message.startswith(f.annotation) else "") + f.message
        if f.hint:
            msg += f"\nWhat to do: {f.hint}"
        lines.append(f"::{level} {','.join(props)}::{gh_data(msg)}")
    per_level = Counter(line[2:].split(" ", 1)[0] for line in lines)
    over = {lvl: n for lvl, n in per_level.items() if n > GH_ANNOTATIONS_PER_STEP}
    if over:  # a plain log line, not a command: the reader learns where the rest is
        lines.append("ing2gw: GitHub shows only the first 10 annotations of each level per step (50 per job); "
                     + ", ".join(f"{n} {lvl}s" for lvl, n in sorted(over.items()))
                     + " were written: the job summary and the SARIF or JSON report list every finding")
    return "\n".join(lines) + ("\n" if lines else "")


# JUnit XML: a testcase per Ingress; a failure when it has findings at or above --fail-on.

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: Any) -> str:
    return _XML_BAD.sub("\ufffd", "" if text is None else str(text))


def to_junit(result: Result, fail_on: str = "error", title: str = "ing2gw convert",
             check: CheckReport | None = None) -> str:
    views, others = ingress_views(result)
    views.sort(key=lambda v: (v["status"].file, v["status"].line, v["key"]))
    root = ET.Element("testsuites", name=_x(title))
    suite = ET.SubElement(root, "testsuite", name=_x(title))
    counts = Counter()
    for v in views:
        s = v["status"]
        case = ET.SubElement(suite, "testcase", classname=_x(f"ingress.{s.namespace or 'default'}"),
                             name=_x(f"Ingress {v['key']}"), file=_x(s.file), line=str(s.line))
        counts["tests"] += 1
        _junit_findings(case, v["findings"], fail_on, counts, skipped=s.status == "skipped")
    by_file: dict[str, list[Finding]] = {}
    for f in others:
        by_file.setdefault(f.file or "(input)", []).append(f)
    for file, fs in sorted(by_file.items()):
        case = ET.SubElement(suite, "testcase", classname="input", name=_x(f"file {file}"), file=_x(file))
        counts["tests"] += 1
        _junit_findings(case, fs, fail_on, counts)
    if check is not None:
        case = ET.SubElement(suite, "testcase", classname="check", name=_x(f"--check {check.directory}"))
        counts["tests"] += 1
        if check.differences:
            counts["failures"] += 1
            fail = ET.SubElement(case, "failure", type="check", message=_x(
                f"{check.objects} object{'s' if check.objects != 1 else ''} differ from a fresh conversion"))
            fail.text = _x("\n".join(check.differences))
    for el in (root, suite):  # the same counts on both levels, each the number of testcases with that outcome
        el.set("tests", str(counts["tests"]))
        el.set("failures", str(counts["failures"]))
        el.set("errors", "0")
        el.set("skipped", str(counts["skipped"]))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _junit_findings(case: ET.Element, findings: list[Finding], fail_on: str, counts: Counter,
                    skipped: bool = False) -> None:
    bad = [f for f in findings if failing(f, fail_on)]
    if bad:
        counts["failures"] += 1
        worst = max(bad, key=lambda f: int(f.severity or 0))
        fail = ET.SubElement(case, "failure", type=_x(worst.code), message=_x(
            f"{len(bad)} finding{'s' if len(bad) != 1 else ''} at or above {fail_on}: "
            + ", ".join(dict.fromkeys(f.code for f in bad))))
        fail.text = _x("\n".join(_finding_line(f) for f in bad))
    elif skipped:
        counts["skipped"] += 1
        ET.SubElement(case, "skipped", message=_x(next((f.message for f in findings
                                                        if f.code == "ingress-skipped"), "skipped")))
    rest = [f for f in findings if f not in bad]
    if rest:
        out = ET.SubElement(case, "system-out")
        out.text = _x("\n".join(_finding_line(f) for f in rest))


def _finding_line(f: Finding) -> str:
    where = f"{f.file}:{f.line}" if f.line else f.file
    acc = " (accepted)" if f.accepted else ""
    hint = f"\n    what to do: {f.hint}" if f.hint else ""
    return f"{where}: {f.severity} {f.code}{acc}: {f.message}{hint}"


# -- `diff --base --head` -------------------------------------------------------------------------------------------


def render_changes(fmt: str, changes: Any, *, fail_on: str = "error", color: bool = False,
                   title: str = "ing2gw diff", limit: int = MD_LIMIT) -> str:
    """A ChangeSet (converter/diff.py) in a format: text, md, json; sarif and junit report the head version's
    findings, github the new findings only (annotations on the pull request)."""
    if fmt == "json":
        return json.dumps(changes.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return to_sarif(changes.head.result)
    if fmt == "junit":
        return to_junit(changes.head.result, fail_on, title)
    if fmt == "github":
        from .pipeline import Result

        return to_github(Result([], changes.new_findings, []), fail_on)
    ctx = {"title": title, "routes": changes.routes, "new": changes.new_findings, "gone": changes.gone_findings,
           "failing": changes.failing(fail_on), "fail_on": fail_on,
           "base": changes.to_dict()["base"], "head": changes.to_dict()["head"]}
    if fmt == "text":
        return _env().get_template("changes.txt.j2").render(**ctx, paint=_paint(color))
    if fmt == "md":
        template = _env().get_template("changes.md.j2")
        rows = max(len(changes.routes), len(changes.new_findings), len(changes.gone_findings), 1)
        while True:
            text = template.render(**ctx, max_rows=rows)
            if len(text) <= limit:
                return text
            if rows <= 1:
                note = "\n\n> ✂️ cut at the size limit; the full diff is in the JSON output (`-f json`)\n"
                return (text[:max(0, limit - len(note))] + note)[:limit]
            rows = rows // 2
    raise ReportSpecError(f"unknown report format {fmt!r}")
