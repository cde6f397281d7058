"""Where the shipped data lives: `converter.mappings` / `converter.templates` when installed, else the checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

_CHECKOUT = Path(__file__).resolve().parent.parent


def data_file(folder: str, name: str) -> Any:
    """A Traversable for `folder/name` (folder: mappings or templates)."""
    try:
        return resources.files(f"converter.{folder}").joinpath(name)
    except ModuleNotFoundError:
        return _CHECKOUT / folder / name
