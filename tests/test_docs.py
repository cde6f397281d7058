"""The README's generated blocks (support matrix, finding codes) match the tables and the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from converter import docs

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("block", sorted(docs.BLOCKS))
def test_readme_block_is_up_to_date(block):
    text = README.read_text(encoding="utf-8")
    assert docs.replace_block(text, block, docs.BLOCKS[block]()) == text, (
        f"README.md's {block} block is out of date: run `python -m converter.docs`")


def test_matrix_lists_every_table_entry():
    matrix = docs.support_matrix()
    from converter.mapping import load_table

    for _, filename, _ in docs.VENDOR_TABLES:
        for key, entry in load_table(filename).entries.items():
            if key == entry.key:
                assert f"{key}`" in matrix, f"{filename}: {key} missing from the support matrix"


def test_readme_has_exactly_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in setup.splitlines() if line.startswith("    ")]
    assert commands == ["pip install . && ing2gw convert examples/book-chapter/ingress.yaml",
                        'pip install ".[test]" && python -m pytest']
