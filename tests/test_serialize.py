"""The YAML emitter: whatever it writes, YAML reads back as the same data."""

from __future__ import annotations

import pytest
import yaml

from converter import serialize

TRICKY = ["", " ", "yes", "no", "on", "off", "true", "False", "null", "~", "1", "1.5", "0x1f", "1e3", "1_000",
          "010", "12:30", "2026-01-01", "-", "- a", "a: b", "a #b", "#a", "&a", "*a", "!a", "|", ">", "@a", "`a",
          "'a'", '"a"', "a\nb", "a\tb", "\x00", "\x85", "\u2028", "\ufeff", "é", "日本", "😀", "{a}", "[a]", "a,b",
          "%a", "?a", "a ", " a", "/$2", "(?i)^/api.*", "max-age=31536000; includeSubDomains", "*.example.com",
          "=", "<<", ".inf", ".nan", "+1", "-1", "0o17", "0b101"]


@pytest.mark.parametrize("text", TRICKY)
def test_strings_round_trip(text):
    obj = {"k": text, text or "e": [text, {"x": text}], "n": [1, True, None, {}, []]}
    assert yaml.safe_load(serialize.to_yaml([obj])) == obj


def test_layout_is_block_style():
    text = serialize.to_yaml([{"a": {"b": [{"c": 1, "d": ["x"]}]}}])
    assert text == "---\na:\n  b:\n  - c: 1\n    d:\n    - x\n"


def test_several_documents():
    docs = [{"a": 1}, {"b": [1, 2]}]
    assert list(yaml.safe_load_all(serialize.to_yaml(docs))) == docs
