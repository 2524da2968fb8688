"""Tests that need Debian's Hunspell dictionaries (fidelity's word vote reads them): skipped, with the
reason, where they are not installed, and failed in CI, which installs them (tools/install-hunspell.sh)."""

from __future__ import annotations

import os

import pytest

from mella_bench.langs import SPELLING_DICTIONARIES
from mella_bench.metrics.text.spelling import installed


def missing_dictionaries() -> list[str]:
    return [f"{d.name} ({d.package})" for code, dicts in SPELLING_DICTIONARIES.items() for d in dicts
            if d not in installed(code)]


def require_dictionaries() -> None:
    missing = missing_dictionaries()
    if missing:
        message = f"needs the Hunspell dictionaries {', '.join(missing)}: run tools/install-hunspell.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def require_stem_dictionary(name: str = "hu_HU") -> None:
    """Keyword Accuracy's Hungarian stem veto reads Debian's hunspell-hu (`KeywordRules.stem_dictionary`)."""
    from mella_bench.metrics.text.spelling import dictionary

    if dictionary(name) is None:
        message = f"needs the Hunspell dictionary {name} and the hunspell binary: run tools/install-hunspell.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
