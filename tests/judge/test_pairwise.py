"""Pairwise mode: both orders, inconsistent pairs are ties, seeded bootstrap CI, cached like pointwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mella_bench.judge.pairwise import bootstrap_ci, combine, format_pairwise, judge_pairwise, summarize, PairOutcome
from tests.support.fake_openai import Call, FakeOpenAI, judge_responder
from tests.judge.conftest import make_run
from tests.judge.test_pointwise import jconfig


def _descs(call: Call) -> tuple[str, str]:
    a, b = re.findall(r"## Description [AB]\n<<<\n(.*?)\n>>>", call.text, re.S)
    return a, b


def longer_wins(call: Call) -> str:
    a, b = _descs(call)
    return "A" if len(a) > len(b) else "B" if len(b) > len(a) else "tie"


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    thick = make_run(tmp_path, name="thick", model="reference:thick")
    thin = make_run(tmp_path, name="thin", model="reference:thin", data=tmp_path / "data")
    return thick, thin


def test_consistent_judge(runs: tuple[Path, Path]) -> None:
    thick, thin = runs
    with FakeOpenAI(responder=judge_responder(winner=longer_wins)) as srv:
        rep = judge_pairwise(thick, thin, jconfig(srv), progress=False)
        o = rep["overall"]
        # 4 know pairs judged; 4 ling items have no thin text, so the thin run failed them
        assert (o["n"], o["n_failed"], o["wins_a"], o["ties"]) == (4, 4, 4, 0)
        assert o["win_rate_a"] == 1.0 and o["ci"] == [1.0, 1.0] and o["position_inconsistency_rate"] == 0.0
        assert srv.n_chat == 8  # both orders
        orders = [b["messages"][1]["content"][0]["text"] for b in srv.bodies]
        assert sum(t.index("## Description A") < t.index("## Description B") for t in orders) == 8
        srv.reset_counts()
        again = judge_pairwise(thick, thin, jconfig(srv), progress=False)
        assert srv.n_chat == 0 and again["overall"] == o  # cached
    assert (thick / "pairwise" / "thin" / "pairwise.json").is_file()
    assert "win A" in format_pairwise(rep)


def test_position_biased_judge_gives_ties(runs: tuple[Path, Path]) -> None:
    thick, thin = runs
    with FakeOpenAI(responder=judge_responder(winner="A")) as srv:  # always picks the first shown
        rep = judge_pairwise(thick, thin, jconfig(srv), progress=False)
    o = rep["overall"]
    assert o["ties"] == 4 and o["win_rate_a"] == 0.5 and o["position_inconsistency_rate"] == 1.0
    assert set(rep["by_lang"]) == {"th", "ko"}


def test_combine_rules() -> None:
    assert combine("A", "B") == ("a", True)   # A wins in order 1, and in order 2 (where it is shown as B)
    assert combine("B", "A") == ("b", True)
    assert combine("A", "A") == ("tie", False)
    assert combine("tie", "tie") == ("tie", True)
    assert combine("A", "tie") == ("tie", False)
    assert combine(None, "A") == (None, None)


def test_bootstrap_ci_seeded_and_sane() -> None:
    vals = [1.0] * 30 + [0.0] * 10
    ci1, ci2 = bootstrap_ci(vals, 1000, seed=3), bootstrap_ci(vals, 1000, seed=3)
    assert ci1 == ci2 and ci1[0] < 0.75 < ci1[1] and 0.55 < ci1[0] and ci1[1] < 0.9
    assert bootstrap_ci([], 10) is None
    s = summarize([PairOutcome("t", "i", "th", None, None, "x")])
    assert s["win_rate_a"] is None and s["failure_rate"] == 1.0
