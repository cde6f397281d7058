"""The project configuration file `.ing2gw.yaml`: defaults for every flag, and the findings a project accepts.

    # .ing2gw.yaml (in the current directory, or given by --config / ING2GW_CONFIG)
    fail-on: warning            # any flag of any command, spelled as on the command line (without --)
    channel: experimental
    report: [md:ing2gw.md, sarif:ing2gw.sarif]
    convert:                    # flags for one command only (they win over the top-level ones)
      gateway-mode: shared
      gateway-namespace: infra
    accept:                     # known losses: they stay in the reports as accepted and no longer fail the run
      - path-regex                                  # everywhere
      - code: annotation-unsupported                # only for these Ingresses (shell-style patterns)
        namespace: shop
        name: "web-*"
        annotation: "*/configuration-snippet"       # optional: only findings about this annotation

Precedence, highest first: the command line, ING2GW_* environment variables, this file, the built-in defaults.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from typing import Any

import yaml

from .findings import CODES, Finding

DEFAULT_FILE = ".ing2gw.yaml"
COMMAND_SECTIONS = ("convert", "diff", "codes", "validate")


class ConfigError(Exception):
    """The configuration file is missing, unreadable or malformed (a usage error)."""


@dataclass(frozen=True)
class AcceptRule:
    code: str
    namespace: str = "*"
    name: str = "*"
    annotation: str = "*"

    def matches(self, f: Finding) -> bool:
        return (self.code in ("*", f.code) and fnmatch.fnmatchcase(f.namespace, self.namespace)
                and fnmatch.fnmatchcase(f.name, self.name)
                and (self.annotation == "*" or fnmatch.fnmatchcase(f.annotation, self.annotation)))


@dataclass
class Config:
    path: str | None = None
    defaults: dict[str, dict[str, Any]] | None = None  # command -> {param_name: value} (click default_map)
    accept: tuple[AcceptRule, ...] = ()
    sections: dict[str, set[str]] | None = None  # command -> the keys set in its own section

    def for_command(self, command: str, flags: dict[str, str]) -> dict[str, Any]:
        """click default_map entries for one command; `flags` maps its flag names (`fail_on`, `report`) to click
        parameter names. A key in the command's own section must be one of its flags; a top-level key, a flag of
        some command (checked by the caller through `unknown_keys`)."""
        values = (self.defaults or {}).get(command, {})
        for key in (self.sections or {}).get(command, ()):
            if key not in flags:
                raise ConfigError(f"{self.path}: {command}: no such flag --{key.replace('_', '-')}")
        return {flags[k]: v for k, v in values.items() if k in flags}

    def unknown_keys(self, every_flag: set[str]) -> list[str]:
        top = set()
        for cmd, values in (self.defaults or {}).items():
            top |= set(values) - (self.sections or {}).get(cmd, set())
        return sorted(k for k in top if k not in every_flag)


def find(explicit: str | None) -> str | None:
    """The config file to use: the explicit one (which must exist), else ./.ing2gw.yaml if present."""
    if explicit:
        if not os.path.isfile(explicit):
            raise ConfigError(f"config file not found: {explicit}")
        return explicit
    return DEFAULT_FILE if os.path.isfile(DEFAULT_FILE) else None


def load(path: str | None) -> Config:
    if path is None:
        return Config()
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of flag names to values")
    accept = tuple(_accept_rule(path, r) for r in _as_list(data.pop("accept", None) or []))
    top = {_param(k): v for k, v in data.items() if k not in COMMAND_SECTIONS}
    defaults: dict[str, dict[str, Any]] = {}
    sections: dict[str, set[str]] = {}
    for cmd in COMMAND_SECTIONS:
        section = data.get(cmd) or {}
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: {cmd}: expected a mapping of flag names to values")
        sections[cmd] = {_param(k) for k in section}
        defaults[cmd] = {**top, **{_param(k): v for k, v in section.items()}}
    return Config(path, defaults, accept, sections)


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _param(key: str) -> str:
    return str(key).lstrip("-").replace("-", "_")


def _accept_rule(path: str, raw: Any) -> AcceptRule:
    if isinstance(raw, str):
        raw = {"code": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("code"), str):
        raise ConfigError(f"{path}: accept: each entry is a finding code or a mapping with a 'code'")
    unknown = set(raw) - {"code", "namespace", "name", "annotation"}
    if unknown:
        raise ConfigError(f"{path}: accept: unknown keys {sorted(unknown)}")
    if raw["code"] != "*" and raw["code"] not in CODES:
        raise ConfigError(f"{path}: accept: unknown finding code {raw['code']!r} (see `ing2gw codes`)")
    return AcceptRule(raw["code"], str(raw.get("namespace", "*")), str(raw.get("name", "*")),
                      str(raw.get("annotation", "*")))


def apply_accepts(findings: list[Finding], rules: tuple[AcceptRule, ...] | list[AcceptRule]) -> int:
    """Mark the findings the rules accept; returns how many were newly accepted."""
    n = 0
    for f in findings:
        if not f.accepted and any(r.matches(f) for r in rules):
            f.accepted = True
            f.extra["accepted_by"] = "config"
            n += 1
    return n
