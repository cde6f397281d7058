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


def _ruamel_load_all(text: str) -> list:
    from ruamel.yaml import YAML

    def plain(v):  # ruamel's CommentedMap/Seq and ScalarString types as plain data
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, str):
            return str(v)
        return v

    return [plain(d) for d in YAML(typ="rt", pure=True).load_all(text)]


# What go-yaml v2 (kubectl, sigs.k8s.io/yaml) and YAML 1.2 readers take for booleans or numbers, though PyYAML reads
# them as strings: written plain, kubectl would send `y` as true and `1e3` as 1000 to the API server.
GO_YAML_NON_STRINGS = ["y", "Y", "n", "N", "1e3", "1E3", "1e-3", "+1e3", "0o17", "0O17", "1_000", "0b1_01", "0x_1f",
                       "1.", "1.e5", ".5e1"]


@pytest.mark.parametrize("text", GO_YAML_NON_STRINGS)
def test_strings_other_readers_take_for_numbers_are_quoted(text):
    assert serialize.scalar(text).startswith('"')
    assert _ruamel_load_all(serialize.to_yaml([{"k": text}])) == [{"k": text}]


@pytest.mark.parametrize("text", ["10s", "1.2.3.4", "2xx", "v1", "abc", "1m30s", "e1", "x-1e3", "/1e3"])
def test_ordinary_strings_stay_plain(text):
    assert serialize.scalar(text) == text


def _random_strings(seed: int, n: int) -> list[str]:
    import random

    rnd = random.Random(seed)
    pieces = ["", " ", "  ", "\t", "\n", "\r\n", "\r", ":", ": ", " #", "#", "-", "- ", "---", "...", "?", "? ", "!",
              "&", "*", "|", ">", "'", '"', "\\", "%", "@", "`", "{", "}", "[", "]", ",", "=", "<<", "~", "null",
              "true", "no", "y", "1", "0x1F", "1e3", "0o7", "1_0", ".5", "+", "12:30:00", "2026-01-01", "é", "日本",
              "😀", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\xa0", "\u2028", "\u2029", "\ufeff", "\ufffd",
              "a", "Z", "/", "/api/v1", "$1", "^", "(?i)", ".*", "a: b", "k=v", "\x0b", "\x0c"]
    out = []
    for _ in range(n):
        out.append("".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 6))))
        out.append("".join(chr(rnd.randint(0, 0x2FF)) for _ in range(rnd.randint(1, 8))))
    return out


def test_random_strings_round_trip_through_pyyaml_and_ruamel():
    strings = _random_strings(1234, 1500)
    objs = [{"k": s, s or "empty": [s, {"deep": {"deeper": [[s]]}}], "n": [0, -1, 10**30, True, None, 1.5]}
            for s in strings]
    text = serialize.to_yaml(objs)
    assert list(yaml.safe_load_all(text)) == objs
    assert list(yaml.load_all(text, Loader=yaml.CSafeLoader)) == objs
    assert _ruamel_load_all(text) == objs


def test_deep_nesting_round_trips():
    obj: dict = {"leaf": "x"}
    for i in range(150):  # past the emitter's table of 64 indents
        obj = {f"k{i}": [obj, "a: b"]} if i % 2 else {f"k{i}": obj}
    text = serialize.to_yaml([obj])
    assert yaml.safe_load(text) == obj
    assert _ruamel_load_all(text) == [obj]


def test_json_output_round_trips():
    import json

    strings = _random_strings(99, 200)
    objs = [{"k": s} for s in strings]
    assert json.loads(serialize.to_json(objs))["items"] == objs
