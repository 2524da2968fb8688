"""One language's keyword rules changed for a test, whatever the shipped profile says."""

from __future__ import annotations

import dataclasses

import pytest

from mella_bench.metrics.text import wordmatch


def with_keyword_rules(monkeypatch: pytest.MonkeyPatch, lang: str, **fields: object) -> None:
    """`lang`'s `KeywordRules` with `fields` replaced until the test ends. The rules are read when a
    keyword is looked up, so no cached split of an answer needs clearing."""
    rules = dataclasses.replace(wordmatch.rules(lang), **fields)
    original = wordmatch.rules
    monkeypatch.setattr(wordmatch, "rules", lambda code: rules if code == lang else original(code))
