"""The command line: flags, reports, exit codes, config file, environment variables, --check, the GitHub Action and
the pre-commit hooks."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from samples import PLAIN

from converter import cli

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/not-a-real-annotation: "x"
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api/v[0-9]+
        pathType: ImplementationSpecific
        backend:
          service: {name: api, port: {number: 8080}}
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
"""
CLEAN = PLAIN


def run(args: list[str], env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The installed entry point, as CI runs it (exit codes, streams)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ING2GW_") or k == "ING2GW_SHARED"}
    full_env.update(env or {})
    return subprocess.run([str(BIN / "ing2gw"), *args], capture_output=True, text=True, env=full_env, cwd=cwd)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "ingress").mkdir()
    (tmp_path / "ingress" / "web.yaml").write_text(INGRESS)
    (tmp_path / "ingress" / "plain.yaml").write_text(CLEAN)
    return tmp_path


def findings_of(report: Path) -> list[dict]:
    return json.loads(report.read_text())["findings"]


# -- exit codes -----------------------------------------------------------------------------------------------------


def test_exit_codes(repo):
    assert run(["convert", "ingress/plain.yaml"], cwd=repo).returncode == 0
    warn = run(["convert", "ingress/web.yaml"], cwd=repo)
    assert warn.returncode == 0, warn.stderr  # warnings only: below the default --fail-on error
    assert warn.stdout.startswith("---")
    assert run(["convert", "ingress/web.yaml", "--fail-on", "warning"], cwd=repo).returncode == 1
    assert run(["convert", "ingress/web.yaml", "--fail-on", "never"], cwd=repo).returncode == 0
    missing = run(["convert", "nope.yaml"], cwd=repo)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert run(["convert", "ingress", "--fail-on", "sometimes"], cwd=repo).returncode == 2
    assert run(["convert", "ingress", "--report", "html:x.html"], cwd=repo).returncode == 2


def test_unreadable_file_is_exit_2(repo):
    (repo / "ingress" / "loop.yaml").symlink_to("loop.yaml")  # listed in the folder, cannot be opened (ELOOP)
    r = run(["convert", "ingress", "--report", "r.json"], cwd=repo)
    assert r.returncode == 2 and "loop.yaml" in r.stderr
    assert any(f["code"] == "read-error" for f in findings_of(repo / "r.json")), "the report is still written"


def test_internal_error_is_exit_3(monkeypatch, capsys):
    def boom(*_a, **_k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(cli, "convert", boom)
    monkeypatch.setattr(sys, "argv", ["ing2gw", "convert", str(ROOT / "tests" / "fixtures")])
    with pytest.raises(SystemExit) as exit_info:
        cli.run()
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err


# -- reports --------------------------------------------------------------------------------------------------------


def test_several_reports_in_one_run(repo):
    r = run(["convert", "ingress", "-o", "none", "--report", "md:out/summary.md", "--report", "sarif:out/x.sarif",
             "--report", "out/bare.json", "--report", "junit:out/junit.xml", "--report", "github:-", "-q"], cwd=repo)
    assert r.returncode == 0, r.stderr
    assert (repo / "out/summary.md").read_text().startswith("## ing2gw convert")
    assert json.loads((repo / "out/x.sarif").read_text())["version"] == "2.1.0"
    assert set(json.loads((repo / "out/bare.json").read_text())) == {"version", "findings", "objects"}
    assert ET.parse(repo / "out/junit.xml").getroot().tag == "testsuites"
    assert r.stdout.startswith("::"), "github:- goes to stdout, and -o none writes no manifests"
    assert "ing2gw" not in r.stderr, "-q: no summary"


def test_report_to_stdout_keeps_json_compatibility(repo):
    r = run(["convert", "ingress/plain.yaml", "-o", "none", "--report", "-", "-q"], cwd=repo)
    assert json.loads(r.stdout)["objects"][0]["name"] == "plain"


# -- accepting known losses -----------------------------------------------------------------------------------------


def test_accept_annotation_and_config(repo):
    r = run(["convert", "ingress/web.yaml", "-o", "none", "--fail-on", "warning", "--report", "r.json"], cwd=repo)
    assert r.returncode == 1
    codes = {f["code"] for f in findings_of(repo / "r.json") if f["severity"] != "info"}
    assert codes, "the fixture has warnings"
    (repo / ".ing2gw.yaml").write_text(yaml.safe_dump({
        "fail-on": "warning",
        "accept": [{"code": c, "namespace": "shop", "name": "w*"} for c in sorted(codes)]}))
    r = run(["convert", "ingress/web.yaml", "-o", "none", "--report", "r.json"], cwd=repo)
    assert r.returncode == 0, r.stdout + r.stderr
    accepted = [f for f in findings_of(repo / "r.json") if f.get("accepted")]
    assert {f["code"] for f in accepted} == codes, "accepted findings stay visible, marked accepted"
    # scoped to another namespace: no longer accepted
    (repo / ".ing2gw.yaml").write_text(yaml.safe_dump({
        "fail-on": "warning", "accept": [{"code": c, "namespace": "other"} for c in sorted(codes)]}))
    assert run(["convert", "ingress/web.yaml", "-o", "none"], cwd=repo).returncode == 1
    # the annotation on the Ingress
    text = INGRESS.replace("  annotations:\n", f"  annotations:\n    ing2gw.io/accept: {','.join(sorted(codes))}\n")
    (repo / "ingress" / "web.yaml").write_text(text)
    (repo / ".ing2gw.yaml").write_text("fail-on: warning\n")
    r = run(["convert", "ingress/web.yaml", "-o", "none"], cwd=repo)
    assert r.returncode == 0, r.stderr


def test_config_defaults_and_precedence(repo):
    (repo / "cfg.yaml").write_text("fail-on: warning\nconvert:\n  output: none\n  report: [md:from-config.md]\n")
    r = run(["convert", "ingress/web.yaml", "--config", "cfg.yaml"], cwd=repo)
    assert r.returncode == 1 and r.stdout == "" and (repo / "from-config.md").exists()
    # the command line wins over the file, the environment too
    assert run(["convert", "ingress/web.yaml", "--config", "cfg.yaml", "--fail-on", "error"], cwd=repo).returncode == 0
    assert run(["convert", "ingress/web.yaml", "--config", "cfg.yaml"], env={"ING2GW_FAIL_ON": "error"},
               cwd=repo).returncode == 0
    # ING2GW_CONFIG names the file
    assert run(["convert", "ingress/web.yaml"], env={"ING2GW_CONFIG": "cfg.yaml"}, cwd=repo).returncode == 1


def test_config_errors_are_usage_errors(repo):
    (repo / "bad.yaml").write_text("convert:\n  no-such-flag: 1\n")
    r = run(["convert", "ingress", "--config", "bad.yaml"], cwd=repo)
    assert r.returncode == 2 and "no-such-flag" in r.stderr
    (repo / "bad.yaml").write_text("accept: [not-a-code]\n")
    assert run(["convert", "ingress", "--config", "bad.yaml"], cwd=repo).returncode == 2
    assert run(["convert", "ingress", "--config", "missing.yaml"], cwd=repo).returncode == 2
    (repo / "bad.yaml").write_text("frobnicate: true\n")
    assert run(["convert", "ingress", "--config", "bad.yaml"], cwd=repo).returncode == 2


def test_environment_variables(repo):
    assert run(["convert", "ingress/web.yaml"], env={"ING2GW_FAIL_ON": "warning"}, cwd=repo).returncode == 1
    r = run(["convert", "ingress/web.yaml"], env={"ING2GW_OUTPUT": "none", "ING2GW_REPORT": "md:a.md sarif:b.sarif",
                                                  "ING2GW_QUIET": "1"}, cwd=repo)
    assert r.stdout == "" and r.stderr == ""
    assert (repo / "a.md").exists() and (repo / "b.sarif").exists()
    r = run(["diff", "ingress/web.yaml", "-f", "json"], env={"ING2GW_FAIL_ON": "warning"}, cwd=repo)
    assert r.returncode == 1, "the same variable serves every command"
    assert "ING2GW_FAIL_ON" in run(["convert", "--help"]).stdout, "--help shows each flag's variable"


# -- --check --------------------------------------------------------------------------------------------------------


def test_check_committed_output(repo):
    assert run(["convert", "ingress", "--output-dir", "gateway"], cwd=repo).returncode == 0
    r = run(["convert", "ingress", "--check", "gateway"], cwd=repo)
    assert r.returncode == 0 and r.stdout == "", r.stdout
    # reformatting, reordering and comments are not differences
    for f in (repo / "gateway").rglob("*.yaml"):
        data = yaml.safe_load(f.read_text())
        f.write_text("# committed by hand\n" + json.dumps(data, indent=4, sort_keys=True))
    assert run(["convert", "ingress", "--check", "gateway"], cwd=repo).returncode == 0
    # a real change is
    route = next((repo / "gateway").rglob("httproute-plain*.yaml"))
    route.write_text(route.read_text().replace('"port": 80', '"port": 81'))
    r = run(["convert", "ingress", "--check", "gateway"], cwd=repo)
    assert r.returncode == 1 and "HTTPRoute shop/plain" in r.stderr and "81" in r.stderr and r.stdout == ""
    route.unlink()
    r = run(["convert", "ingress", "--check", "gateway"], cwd=repo)
    assert r.returncode == 1 and "+ HTTPRoute shop/plain" in r.stderr
    assert run(["convert", "ingress", "--check", "nowhere"], cwd=repo).returncode == 2


# -- diff -----------------------------------------------------------------------------------------------------------


def test_diff_per_ingress(repo):
    r = run(["diff", "ingress", "-f", "md"], cwd=repo)
    assert r.returncode == 0, r.stderr
    assert "Ingress <code>shop/web</code>" in r.stdout and "| Ingress path | Gateway API |" in r.stdout
    t = run(["diff", "ingress"], cwd=repo, env={"NO_COLOR": "1"})
    assert "path shop.example.com/api/v[0-9]+" in t.stdout and "\x1b[" not in t.stdout
    data = json.loads(run(["diff", "ingress", "-f", "json"], cwd=repo).stdout)
    assert {i["name"] for i in data["intent"]} == {"web", "plain"}
    assert not [d for i in data["intent"] for d in i["differences"] if not d["explainedBy"]]


def test_diff_base_head(repo):
    head = repo / "head"
    shutil.copytree(repo / "ingress", head)
    text = CLEAN.replace("name: plain, port: {number: 80}", "name: plain-v2, port: {number: 80}")
    text = text.replace("  name: plain\n", "  name: plain\n  annotations:\n    nginx.ingress.kubernetes.io/"
                                           "server-snippet: 'return 403;'\n")
    (head / "plain.yaml").write_text(text)
    r = run(["diff", "--base", "ingress", "--head", "head", "-f", "json"], cwd=repo)
    data = json.loads(r.stdout)
    changed = [c for c in data["routes"] if c["change"] == "changed"]
    assert changed and all(c["host"] == "plain.example.com" for c in changed)
    assert "plain-v2" in changed[0]["after"]
    assert any(f["name"] == "plain" for f in data["findings"]["new"])
    new_errors = [f for f in data["findings"]["new"] if f["severity"] == "error"]
    assert r.returncode == (1 if new_errors else 0)
    md = run(["diff", "--base", "ingress", "--head", "head", "-f", "md", "--fail-on", "never"], cwd=repo)
    assert md.returncode == 0 and "### Routes that changed" in md.stdout
    same = run(["diff", "--base", "ingress", "--head", "ingress"], cwd=repo)
    assert same.returncode == 0 and "0 routing changes" in same.stdout
    # Gateway API objects on one side: compared by what they route, not how they are written
    assert run(["convert", "ingress", "--output-dir", "gw"], cwd=repo).returncode == 0
    mixed = run(["diff", "--base", "ingress", "--head", "gw", "-f", "json"], cwd=repo)
    assert json.loads(mixed.stdout)["routes"] == []
    assert run(["diff", "--base", "ingress"], cwd=repo).returncode == 2
    assert run(["diff"], cwd=repo).returncode == 2


# -- codes ----------------------------------------------------------------------------------------------------------


def test_codes_table_matches_readme():
    table = cli.codes_table("md")
    assert "| `unexplained-change` | error |" in table
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"<!-- codes:start -->\n(.*?)<!-- codes:end -->", readme, re.S)
    if not m:
        pytest.skip("README.md has no <!-- codes:start --> ... <!-- codes:end --> section yet")
    assert m.group(1).strip() == table.strip(), "regenerate the README table with `ing2gw codes -f md`"


def test_codes_command():
    r = CliRunner().invoke(cli.main, ["codes", "-f", "json"])
    assert r.exit_code == 0
    assert {"code": "unexplained-change", "severity": "error"}.items() <= json.loads(r.output)[0].items() or \
        any(c["code"] == "unexplained-change" for c in json.loads(r.output))


# -- GitHub Action and pre-commit hooks -----------------------------------------------------------------------------


def test_action(repo, tmp_path):
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    check = next(s for s in steps if s.get("id") == "check")
    assert "${{" not in check["run"], "inputs reach the script through env, never spliced into it"
    assert set(action["inputs"]) >= {"paths", "fail-on", "check-dir", "config", "sarif-file"}

    def step_env(inputs: dict) -> dict:
        env = {}
        for k, v in check["env"].items():
            m = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", v)
            env[k] = inputs.get(m.group(1), action["inputs"][m.group(1)].get("default", ""))
        return env

    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    base_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path)}
    base_env = {k: v for k, v in base_env.items() if not k.startswith("ING2GW_") or k == "ING2GW_SHARED"}

    def run_step(inputs: dict) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
                              capture_output=True, text=True, cwd=repo, env={**base_env, **step_env(inputs)})

    r = run_step({"paths": "ingress", "sarif-file": "out.sarif"})
    assert r.returncode == 0, r.stderr
    assert summary.read_text().startswith("## ing2gw convert")
    assert "exit-code=0" in output.read_text()
    assert json.loads((repo / "out.sarif").read_text())["version"] == "2.1.0"
    assert "::warning " in r.stdout, "findings become annotations on the pull request"
    r = run_step({"paths": "ingress", "fail-on": "warning"})
    assert r.returncode == 1 and "exit-code=1" in output.read_text()
    assert run(["convert", "ingress", "--output-dir", "gateway"], cwd=repo).returncode == 0
    assert run_step({"paths": "ingress", "check-dir": "gateway"}).returncode == 0
    # a multi-line `paths: |` input: every line counts (a second folder that does not exist is a usage error)
    r = run_step({"paths": "ingress\nno-such-folder\n"})
    assert r.returncode == 2 and "no-such-folder" in r.stderr, r.stderr
    # hostile input values cannot run commands
    r = run_step({"paths": "ingress; touch pwned", "args": "$(touch pwned2)"})
    assert not (repo / "pwned").exists() and not (repo / "pwned2").exists()


def test_pre_commit_hooks(repo):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: h for h in hooks}
    assert "ing2gw-check" in by_id
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"
        assert shlex.split(hook["entry"])[0] == "ing2gw"
        assert (BIN / "ing2gw").exists()
    lint = by_id["ing2gw-check"]
    files = [p for p in ("ingress/web.yaml", "ingress/plain.yaml") if re.search(lint["files"], p)]
    assert len(files) == 2

    def hook_run(hook: dict, args: list[str], filenames: list[str]) -> subprocess.CompletedProcess:
        argv = shlex.split(hook["entry"])
        return run(argv[1:] + args + (filenames if hook.get("pass_filenames", True) else []), cwd=repo)

    assert hook_run(lint, [], files).returncode == 0
    r = hook_run(lint, ["--fail-on", "warning"], files)
    assert r.returncode == 1 and "Ingress shop/web" in r.stdout
    drift = by_id["ing2gw-check-output"]
    assert run(["convert", "ingress", "--output-dir", "gateway"], cwd=repo).returncode == 0
    assert hook_run(drift, ["ingress", "--check", "gateway"], files).returncode == 0
    (repo / "ingress" / "plain.yaml").write_text(CLEAN.replace("number: 80", "number: 8080"))
    assert hook_run(drift, ["ingress", "--check", "gateway"], files).returncode == 1


# -- --check: odd folders, server defaults, the reports ---------------------------------------------------------------


def test_check_odd_folders(repo):
    (repo / "empty").mkdir()
    r = run(["convert", "ingress", "--check", "empty"], cwd=repo)
    assert r.returncode == 1 and "holds no Gateway API objects" in r.stderr and "+ HTTPRoute shop/web" in r.stderr
    assert run(["convert", "ingress", "--output-dir", "gateway"], cwd=repo).returncode == 0
    (repo / "gateway" / "configmap.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    r = run(["convert", "ingress", "--check", "gateway"], cwd=repo)
    assert r.returncode == 0 and "ignoring what is not a Gateway API object" in r.stderr and "ConfigMap" in r.stderr
    (repo / "gateway" / "broken.yaml").write_text("kind: [unclosed\n")
    r = run(["convert", "ingress", "--check", "gateway"], cwd=repo)
    assert r.returncode == 2 and "broken.yaml" in r.stderr, "a committed file that cannot be read is not up to date"


def test_check_ignores_values_the_api_server_defaults(repo):
    """Manifests exported from a cluster carry the defaults the API server filled in: the same objects."""
    assert run(["convert", "ingress", "--output-dir", "gateway"], cwd=repo).returncode == 0
    for f in (repo / "gateway").rglob("*.yaml"):
        obj = yaml.safe_load(f.read_text())
        spec = obj["spec"]
        for ref in spec.get("parentRefs", []):
            ref.update({"group": "gateway.networking.k8s.io", "kind": "Gateway"})
        for rule in spec.get("rules", []):
            for b in rule.get("backendRefs", []):
                b.update({"group": "", "kind": "Service", "weight": 1})
            for m in rule.get("matches", []):
                for h in m.get("headers", []):
                    h.setdefault("type", "Exact")
        for lst in spec.get("listeners", []):
            lst.setdefault("allowedRoutes", {"namespaces": {"from": "Same"}})
            if "tls" in lst:
                lst["tls"].setdefault("mode", "Terminate")
        obj["status"] = {"parents": []}
        f.write_text(yaml.safe_dump(obj))
    r = run(["convert", "ingress", "--check", "gateway"], cwd=repo)
    assert r.returncode == 0, r.stdout
    route = next((repo / "gateway").rglob("httproute-plain*.yaml"))
    route.write_text(route.read_text().replace("weight: 1", "weight: 2"))
    assert run(["convert", "ingress", "--check", "gateway"], cwd=repo).returncode == 1


def test_check_result_is_in_the_reports(repo):
    (repo / "empty").mkdir()
    r = run(["convert", "ingress", "--check", "empty", "--report", "md:c.md", "--report", "json:c.json",
             "--report", "junit:c.xml", "--report", "github:c.txt"], cwd=repo)
    assert r.returncode == 1
    assert "differ from a fresh conversion" in (repo / "c.md").read_text()
    data = json.loads((repo / "c.json").read_text())
    assert data["check"]["upToDate"] is False and data["check"]["objects"] >= 2
    root = ET.fromstring((repo / "c.xml").read_text())
    assert any(c.get("classname") == "check" and c.find("failure") is not None for c in root.iter("testcase"))
    assert (repo / "c.txt").read_text().startswith("::error title=ing2gw --check::")
    assert run(["convert", "ingress", "--output-dir", "gateway"], cwd=repo).returncode == 0
    run(["convert", "ingress", "--check", "gateway", "--report", "md:ok.md"], cwd=repo)
    assert "are up to date" in (repo / "ok.md").read_text()


def test_config_values_as_yaml_writes_them(repo):
    """A single value for a repeatable flag, YAML booleans and numbers: read as the command line would."""
    (repo / ".ing2gw.yaml").write_text("report: md:one.md\ningress-class: nginx\nquiet: true\n"
                                       "traefik-strict-prefix: 1\noutput: none\n")
    r = run(["convert", "ingress"], cwd=repo)
    assert r.returncode == 0 and r.stderr == "" and (repo / "one.md").exists(), r.stderr
    (repo / ".ing2gw.yaml").write_text("gateway: {a: 1}\n")
    r = run(["convert", "ingress"], cwd=repo)
    assert r.returncode == 2 and "gateway" in r.stderr


def test_environment_for_repeatable_and_boolean_flags(repo):
    r = run(["convert", "ingress", "-o", "none"], env={"ING2GW_INGRESS_CLASS": "other nginx",
                                                       "ING2GW_TRAEFIK_STRICT_PREFIX": "true",
                                                       "ING2GW_INTENT_CHECK": "false", "ING2GW_QUIET": "0"},
            cwd=repo)
    assert r.returncode == 0 and "2 Ingresses" in r.stderr and "0 skipped" in r.stderr, r.stderr
    r = run(["convert", "ingress", "-o", "none"], env={"ING2GW_INGRESS_CLASS": "other"}, cwd=repo)
    assert "2 skipped" in r.stderr
    assert run(["convert", "ingress"], env={"ING2GW_QUIET": "maybe"}, cwd=repo).returncode == 2
    (repo / "head").mkdir()
    r = run(["diff", "-f", "json"], env={"ING2GW_BASE": "ingress", "ING2GW_HEAD": "head"}, cwd=repo)
    assert r.returncode == 0 and json.loads(r.stdout)["routes"], "ING2GW_BASE / ING2GW_HEAD for diff"


def test_action_leaves_unset_inputs_to_the_config(repo, tmp_path):
    """fail-on left empty: the project's .ing2gw.yaml decides (a flag on the command line would override it)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    check = next(s for s in steps if s.get("id") == "check")
    assert action["inputs"]["fail-on"]["default"] == ""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ING2GW_") or k == "ING2GW_SHARED"}
    env.update({"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "RUNNER_TEMP": str(tmp_path)})
    for k, v in check["env"].items():
        name = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", v).group(1)
        env[k] = {"paths": "ingress"}.get(name, action["inputs"][name].get("default", ""))
    (repo / ".ing2gw.yaml").write_text("fail-on: warning\n")
    r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
                       capture_output=True, text=True, cwd=repo, env=env)
    assert r.returncode == 1, r.stderr
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert "sys.version_info >= (3, 10)" in install["run"] and "-m venv" in install["run"]
    assert "GITHUB_PATH" in install["run"], "the check step finds the installed ing2gw"
    assert all(s.get("shell") for s in steps if "run" in s), "composite run steps need a shell"
