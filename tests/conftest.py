import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("ING2GW_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout (CRDs, real corpus); tests that need it are skipped, loudly, without it."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared not found at {SHARED}: tests that need the shared CRDs and corpus are skipped "
                    "(set ING2GW_SHARED)")
    return SHARED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden fixtures' expected.yaml and findings.yaml from the current output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def crds(shared_dir: Path):
    """The v1.6.1 CRDs, loaded once: {"standard": CRDSet, "experimental": CRDSet}."""
    from converter.validate import load_crds

    base = shared_dir / "gateway-api" / "v1.6.1"
    return {ch: load_crds([base / ch]) for ch in ("standard", "experimental")}
