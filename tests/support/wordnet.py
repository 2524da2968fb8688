"""Tests that need Princeton WordNet 3.0 (Thai Keyword Accuracy's kind-of rule reads it): skipped, with
the reason, where it is not installed, and failed in CI, which installs it (tools/install-wordnet.sh)."""

from __future__ import annotations

import os

import pytest

from mella_bench.metrics.text.kinds import available, wordnet_dir


def require_wordnet() -> None:
    if not available():
        message = f"needs WordNet 3.0's data.noun in {wordnet_dir()}: run tools/install-wordnet.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
