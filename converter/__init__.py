"""ing2gw: migrate Kubernetes Ingress manifests to Gateway API v1.6, reporting what cannot be carried over.

Library API:

    import converter
    result = converter.convert(["manifests/"], converter.Options(channel="standard"))
    result.objects    # Gateway API objects (dicts), in output order
    result.findings   # Finding objects: code, severity, object, annotation, message, file, line
    result.statuses   # one per input Ingress: converted | partial | failed | skipped, with annotation statuses
"""

from __future__ import annotations

from collections.abc import Iterable

__version__ = "0.1.0"

from .findings import CODES, Finding, Severity  # noqa: E402
from .loader import LoadResult, load_paths  # noqa: E402
from .options import Options  # noqa: E402
from .pipeline import Result  # noqa: E402
from .pipeline import convert as _convert  # noqa: E402


def convert(source: str | Iterable[str] | LoadResult, options: Options | None = None) -> Result:
    """Convert manifests from paths (files, folders, '-' for stdin) or an already loaded LoadResult."""
    if isinstance(source, str):
        source = [source]
    loaded = source if isinstance(source, LoadResult) else load_paths(source)
    return _convert(loaded, options)


__all__ = ["CODES", "Finding", "LoadResult", "Options", "Result", "Severity", "convert", "load_paths",
           "__version__"]
