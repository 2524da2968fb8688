"""Calibration: per-language agreement with the expected thick > thin / hallucinated / wrong-language order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.judge.calibrate import calibrate, format_calibration, variants
from mella_bench.data.dataset import load
from tests.conftest import SAMPLE, write_dataset
from tests.support.fake_openai import Call, FakeOpenAI, candidate_text, judge_responder
from tests.judge.test_pointwise import jconfig

LANGS = ("th", "ko", "vi")


def _dataset(root: Path) -> Path:
    write_dataset(root, langs=LANGS, per_axis=2)
    path = root / "manifest.jsonl"
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for r in recs:
        if r["axis"] == "know":
            r["meta"] = {"hallucinated": f"HALLUCINATED {r['references'][0]}"}
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return root


def good_judge(call: Call) -> int:
    cand = candidate_text(call)
    lang = next(code for code in LANGS if f"code {code})" in call.text)
    if cand.startswith("HALLUCINATED"):
        return 1
    if cand == SAMPLE[lang][0]:
        return 5
    if cand == SAMPLE[lang][2]:
        return 2
    return 1  # another language's text




def test_good_judge_agrees_everywhere(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data")
    ds = load(data)
    know = {}
    for it in ds.items:
        if it.axis == "know":
            know.setdefault(it.lang, []).append(it)
    v = variants(know["ko"][0], know, 0)
    assert set(v) == {"thick", "thin", "hallucinated", "wrong_language"}
    assert v["wrong_language"] == SAMPLE["th"][0]  # the next language in the table after ko that has items
    with FakeOpenAI(responder=judge_responder(good_judge)) as srv:
        rep = calibrate(str(data), jconfig(srv), tmp_path / "cal", langs=LANGS, progress=False)
        # per item: thick×2 rubrics, thin, hallucinated, wrong_language → 5 judgments
        assert srv.n_chat == 5 * 2 * len(LANGS)
    for lang in LANGS:
        for check, c in rep["by_lang"][lang].items():
            assert (c["n"], c["agreement"], c["failed"]) == (2, 1.0, 0), (lang, check)
    assert (tmp_path / "cal" / "calibration.json").is_file()
    table = format_calibration(rep)
    assert "thick>thin" in table and "1.00 (n=2" in table


def test_flat_judge_is_exposed(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data")
    with FakeOpenAI(responder=judge_responder(3)) as srv:
        rep = calibrate(str(data), jconfig(srv), tmp_path / "cal", langs=("th",), progress=False)
    c = rep["by_lang"]["th"]["thick>thin"]
    assert (c["agreement"], c["ties"]) == (0.0, 2)


def test_missing_variants_are_skipped_not_failed(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", langs=("th",), per_axis=1)  # no meta.hallucinated, one language
    with FakeOpenAI(responder=judge_responder(4)) as srv:
        rep = calibrate(str(data), jconfig(srv), tmp_path / "cal", langs=("th",), progress=False)
    row = rep["by_lang"]["th"]
    assert row["thick>thin"]["n"] == 1
    assert row["thick>hallucinated"] == {"n": 0, "right": 0, "ties": 0, "wrong": 0, "failed": 0, "agreement": None}
    assert row["target>wrong_language"]["n"] == 0


def test_no_know_items(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", langs=("th",), per_axis=1)
    with FakeOpenAI() as srv, pytest.raises(ValueError, match="no 'know' items"):
        calibrate(str(data), jconfig(srv), tmp_path / "cal", langs=("ko",), progress=False)
