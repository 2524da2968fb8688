"""`mella-bench show RUN ITEM_ID`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.cli import main
from tests.support.judged_run import CLAIM, ENTITY, RATIONALE, judged_run

EXAMPLES = Path(__file__).resolve().parents[2] / "results" / "examples"


def test_show_prints_prompt_answer_references_keywords_and_scores(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(EXAMPLES / "reference-thick"), "cs-know-0001"]) == 0
    out = capsys.readouterr().out
    summary_lines = [line for line in out.splitlines() if line.startswith("  keyword_acc ")]
    assert out.startswith("cs-know-0001 · mella_cs_know · Czech (čeština) · know · run reference:thick")
    for part in ("prompt:", "Podrobně popište", "answer:", "references (2):", "Pražský orloj", "✓ orloj",
                 "keywords (2/2 found", "fidelity", "(detected:cs)"):
        assert part in out
    assert summary_lines and summary_lines[0].split()[-1] == "100.0"
    assert "\033[" not in out  # no colour codes when stdout is not a terminal


def test_show_prints_the_judge_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = judged_run(tmp_path)
    assert main(["show", str(run), "ar-know-0000"]) == 0
    out = capsys.readouterr().out
    assert "judge · cultural_depth: 2/5 (judge wrote 4; capped at 2: confident unsupported cultural claim)" in out
    assert f"- {ENTITY['entity']} — {ENTITY['cue']}" in out and f"- {CLAIM['claim']}\n" in out and "rationale:" in out
    assert RATIONALE.split(",")[0] in out
    assert "judge:cultural_depth" in out  # the score row too
    assert main(["show", str(run), "ar-know-0000", "--json"]) == 0
    (rec,) = json.loads(capsys.readouterr().out)
    cd = next(j for j in rec["judgments"] if j["rubric"] == "cultural_depth")
    assert cd["score"] == 2 and cd["fields"]["unsupported_claims"] == [CLAIM]


def test_show_unknown_item_says_what_ids_look_like(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(EXAMPLES / "tiny"), "th-know-9999"]) == 2
    assert "no item 'th-know-9999'" in capsys.readouterr().err


def test_the_viewer_reads_the_judge_settings_where_the_judge_writes_them() -> None:
    from mella_bench.judge import pointwise
    from mella_bench.store import JUDGE_HEADER_KEY

    assert pointwise.JUDGE_HEADER_KEY is JUDGE_HEADER_KEY  # one definition, read by the judge and the viewer


def test_show_computes_only_the_requested_item(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Keyword hits (the costly part: Korean morphemes, Thai segmentation, lemmatisers) are made for
    the item shown, not for every item of the run first (4.2 s CPU and 950 MB for one Vietnamese item)."""
    from mella_bench.reports import samples

    matched: list[tuple[str, str]] = []
    real = samples.keyword_hits

    def counting(lang: str, keywords, text: str):  # type: ignore[no-untyped-def]
        matched.append((lang, text))
        return real(lang, keywords, text)

    monkeypatch.setattr(samples, "keyword_hits", counting)
    assert main(["show", str(EXAMPLES / "reference-thick"), "vi-know-0001"]) == 0
    assert "vi-know-0001 · mella_vi_know" in capsys.readouterr().out
    assert [lang for lang, _ in matched] == ["vi"]
    matched.clear()
    assert main(["show", str(EXAMPLES / "reference-thick"), "vi-know-0001", "--task", "mella_vi_know", "--json"]) == 0
    (rec,) = json.loads(capsys.readouterr().out)
    assert rec["task"] == "mella_vi_know" and len(matched) == 1
