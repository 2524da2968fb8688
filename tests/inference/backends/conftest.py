"""The tiny random LLaVA, built once per test session into pytest's temp dir (never ~/.cache)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mella_bench.inference.backends.base import Request


@pytest.fixture(scope="session", autouse=True)
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`$MELLA_BENCH_CACHE` for these tests: the tiny model and the weight-hash cache live here."""
    root = tmp_path_factory.getbasetemp() / "mella-bench-cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MELLA_BENCH_CACHE", str(root))
        yield root


@pytest.fixture(scope="session")
def tiny_dir(cache_root: Path) -> Path:
    from mella_bench.inference.backends.tiny import ensure_tiny_model

    return ensure_tiny_model()


@pytest.fixture(scope="session")
def tiny_backend(tiny_dir: Path):
    """One loaded backend shared by the tests that only generate (loading costs more than generating)."""
    from mella_bench.inference.backends.hf import HFBackend

    backend = HFBackend(str(tiny_dir), device="cpu")
    yield backend
    backend.close()


def make_request(**fields) -> Request:
    """A Request on the `ling` axis unless told otherwise."""
    fields.setdefault("axis", "ling")
    return Request(**fields)
