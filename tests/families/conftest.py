"""The family matrix's checkpoints: built once per test session under pytest's temp dir, shared by all tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Remote-code modules are copied by transformers into its modules cache: keep that out of ~/.cache.
os.environ.setdefault("HF_MODULES_CACHE", tempfile.mkdtemp(prefix="mella-hf-modules-"))
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@pytest.fixture(scope="session")
def family_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "families"


@pytest.fixture(scope="session")
def matrix(family_root: Path):
    """Family model_type → its checked outcome, computed on first use and kept for the session."""
    from tests.families.matrix import Matrix

    m = Matrix(family_root)
    yield m
    m.close()
