"""convert and validate as a user runs them: stdin, folders, JSON, --output-dir, class selection, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from samples import PLAIN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "book-chapter"


def ing2gw(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "converter", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd)


def test_example_output_is_up_to_date():
    """examples/book-chapter/gateway.yaml and report.json are exactly what convert writes for the example."""
    run = ing2gw("convert", "examples/book-chapter/ingress.yaml", "-q", "--report", "json:-", cwd=ROOT)
    assert run.returncode == 0, run.stderr
    manifests = (EXAMPLE / "gateway.yaml").read_text()
    assert run.stdout.startswith(manifests)
    assert json.loads(run.stdout[len(manifests):]) == json.loads((EXAMPLE / "report.json").read_text())


def test_stdin_and_json_output():
    run = ing2gw("convert", "-", "-o", "json", "-q", stdin=PLAIN)
    assert run.returncode == 0, run.stderr
    listed = json.loads(run.stdout)
    assert listed["kind"] == "List"
    assert [o["kind"] for o in listed["items"]] == ["Gateway", "HTTPRoute"]


def test_folder_recursion_and_output_dir(tmp_path):
    (tmp_path / "in" / "deep").mkdir(parents=True)
    (tmp_path / "in" / "deep" / "a.yml").write_text(PLAIN)
    (tmp_path / "in" / "notes.txt").write_text("not a manifest")
    run = ing2gw("convert", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "-q")
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.yaml"))
    assert written == ["shop/gateway-nginx.yaml", "shop/httproute-plain.yaml"]
    route = yaml.safe_load((tmp_path / "out" / "shop" / "httproute-plain.yaml").read_text())
    assert route["spec"]["hostnames"] == ["plain.example.com"]


def test_ingress_class_selection_reports_skipped(tmp_path):
    other = PLAIN.replace("name: plain\n", "name: other\n").replace("ingressClassName: nginx", "ingressClassName: x")
    (tmp_path / "in.yaml").write_text(PLAIN + "---\n" + other)
    run = ing2gw("convert", str(tmp_path / "in.yaml"), "--ingress-class", "nginx", "--provider", "ingress-nginx",
                 "--report", "-", "-o", "none")
    report = json.loads(run.stdout)
    assert {o["name"]: o["status"] for o in report["objects"]} == {"plain": "converted", "other": "skipped"}
    assert any(f["code"] == "ingress-skipped" and f["name"] == "other" for f in report["findings"])


@pytest.mark.parametrize("args", [
    ["convert", "/no/such/path"],
    ["convert", "x.yaml", "--gateway-mode", "shared"],
    ["convert", "x.yaml", "--channel", "beta"],
    ["convert"],
])
def test_usage_errors_exit_2_without_traceback(args, tmp_path):
    (tmp_path / "x.yaml").write_text(PLAIN)
    run = ing2gw(*args, cwd=tmp_path)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr


def test_version():
    run = ing2gw("--version")
    assert run.returncode == 0 and "ing2gw" in run.stdout


def test_validate_command(shared_dir, tmp_path):
    crds = shared_dir / "gateway-api" / "v1.6.1" / "standard"
    good = ing2gw("validate", str(EXAMPLE / "gateway.yaml"), "--crds", str(crds))
    assert good.returncode == 0, good.stdout + good.stderr
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
             "metadata": {"name": "r", "namespace": "n"},
             "spec": {"rules": [{"matches": [{"path": {"type": "Exact", "value": "/a//b"}}],
                                 "backendRefs": [{"name": "s"}]}]}}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(route))
    bad = ing2gw("validate", str(tmp_path / "bad.yaml"), "--crds", str(crds))
    assert bad.returncode == 1
    assert "spec.rules[0]" in bad.stdout
    assert "port" in bad.stdout and "//" in bad.stdout


def test_convert_validates_its_output_with_crds(shared_dir):
    crds = str(shared_dir / "gateway-api" / "v1.6.1" / "standard")
    run = ing2gw("convert", str(EXAMPLE / "ingress.yaml"), "--crds", crds, "--report", "-", "-o", "none")
    assert run.returncode == 0, run.stderr
    assert not [f for f in json.loads(run.stdout)["findings"] if f["code"] == "output-invalid"]
    assert ing2gw("convert", str(EXAMPLE / "ingress.yaml"), "--crds", "/no/such/crds").returncode == 2


def test_objects_without_namespace(tmp_path):
    (tmp_path / "in.yaml").write_text(PLAIN.replace("  namespace: shop\n", ""))
    bare = ing2gw("convert", str(tmp_path / "in.yaml"), "--provider", "ingress-nginx", "--report", "json:-",
                  "-o", "none")
    report = json.loads(bare.stdout)
    assert [f["code"] for f in report["findings"]] == ["namespace-missing"]
    given = ing2gw("convert", str(tmp_path / "in.yaml"), "--provider", "ingress-nginx", "-n", "shop", "-q")
    docs = list(yaml.safe_load_all(given.stdout))
    assert {d["metadata"]["namespace"] for d in docs} == {"shop"}


def test_annotation_values_that_are_not_strings(tmp_path):
    text = PLAIN.replace("  namespace: shop\n", "  namespace: shop\n  annotations:\n"
                         "    nginx.ingress.kubernetes.io/ssl-redirect: false\n")
    (tmp_path / "in.yaml").write_text(text)
    run = ing2gw("convert", str(tmp_path / "in.yaml"), "--report", "json:-", "-o", "none")
    report = json.loads(run.stdout)
    assert [f["annotation"] for f in report["findings"] if f["code"] == "annotation-not-string"] == [
        "nginx.ingress.kubernetes.io/ssl-redirect"]
    assert report["objects"][0]["annotations"]["nginx.ingress.kubernetes.io/ssl-redirect"] != "unknown"
