"""Same input, same bytes out: across processes with different hash seeds (set and dict-order bugs show up here)."""

from __future__ import annotations

import os
import subprocess
import sys


def _convert(paths: list[str], seed: str) -> tuple[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    run = subprocess.run([sys.executable, "-m", "converter", "convert", *paths, "-q", "--report", "json:-"],
                         capture_output=True, text=True, env=env)
    assert run.returncode in (0, 1), run.stderr
    return run.stdout, run.stderr


def test_corpus_output_is_byte_identical_across_hash_seeds(shared_dir):
    paths = [str(shared_dir / "corpus" / "real")]
    first = _convert(paths, "1")
    assert first[0], "no output"
    assert _convert(paths, "2") == first
    assert _convert(paths, "12345") == first


def test_fixtures_output_is_byte_identical_across_hash_seeds():
    from golden import FIXTURES

    paths = [str(FIXTURES)]
    assert _convert(paths, "3") == _convert(paths, "4")


def test_manifests_do_not_depend_on_where_the_input_lives(tmp_path):
    """The same files under another folder give the same manifests (file paths appear only in reports)."""
    import shutil

    from golden import FIXTURES

    copy = tmp_path / "elsewhere" / "fixtures"
    shutil.copytree(FIXTURES, copy)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    runs = [subprocess.run([sys.executable, "-m", "converter", "convert", str(p), "-q"], capture_output=True,
                           text=True, env=env) for p in (FIXTURES, copy)]
    assert runs[0].stdout and runs[0].stdout == runs[1].stdout
