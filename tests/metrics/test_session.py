"""Resources are owned by the scoring session, and nothing is wired by an import side effect."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from mella_bench.metrics.base import Corpus, MetricResult, ScoringSession
from mella_bench.metrics.registry import Metric, get_metric, score_corpus

PACKAGE = Path(__file__).resolve().parents[2] / "mella_bench"


class Counted:
    made: list["Counted"] = []

    def __init__(self) -> None:
        self.closed = False
        Counted.made.append(self)

    def close(self) -> None:
        self.closed = True


def test_session_makes_a_resource_once_and_closes_it():
    Counted.made.clear()
    with ScoringSession() as session:
        assert session.get(Counted) is session.get(Counted)
        assert not Counted.made[0].closed
    assert len(Counted.made) == 1 and Counted.made[0].closed


def test_the_metric_record_names_no_resource():
    assert {f.name for f in dataclasses.fields(Metric)}.isdisjoint({"needs_pool", "pool_factory", "jvm"})


def test_no_module_keeps_state_set_by_another_module():
    """The old `install_aggregate` hook: registry.py set a global of base.py when imported."""
    offenders = [f"{p.relative_to(PACKAGE.parent)}:{n.lineno}" for p in sorted(PACKAGE.rglob("*.py"))
                 for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))) if isinstance(n, ast.Global)]
    assert not offenders, "module globals rebound at run time: " + ", ".join(offenders)


def test_a_result_knows_its_aggregate_by_construction():
    result = score_corpus(Corpus("cs", ("Karlův most v Praze",), (("Karlův most v Praze za úsvitu",),)), ["bleu"])["bleu"]
    assert result.value == pytest.approx(get_metric("bleu").aggregate(result.stats))


def test_a_result_without_an_aggregate_says_how_to_get_one():
    result = MetricResult("rouge_l", (50.0,), ((50.0,),), {})
    with pytest.raises(ValueError, match="score_corpus"):
        result.value  # noqa: B018
