"""index.html without a browser: the embedded data, images, escaping and edge cases (the rendered
page is tested in tests/browser)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from mella_bench.reports.html_report import html_writer
from mella_bench.reports.leaderboard import write_report as _write_report
from tests.judge.conftest import make_run, set_prediction_text
from tests.support.judged_run import CLAIM, ENTITY, judged_run

EXAMPLES = Path(__file__).resolve().parents[2] / "results" / "examples"


class Written:
    def __init__(self, files):
        self.files = files
        (self.html,) = files.extra


def write_report(run_dirs, out_dir, images: str = "auto", **kw) -> Written:
    """The report as `mella-bench report` writes it (with index.html)."""
    return Written(_write_report(run_dirs, out_dir, writers=[html_writer(images)], **kw))


def page_data(index: Path) -> dict:
    text = index.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="mella-data">(.*?)</script>', text, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def test_every_report_folder_gets_a_self_contained_index(tmp_path: Path) -> None:
    files = write_report([EXAMPLES / "reference-thin", EXAMPLES / "reference-thick"], tmp_path, resamples=50)
    assert files.html == tmp_path / "index.html"
    assert files.files.plots and all(p.is_file() for p in files.files.plots)
    text = files.html.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing from the network
    assert text.count('<img alt="bars_') == 4 and "data:image/png;base64," in text
    data = page_data(files.html)
    assert [r["label"] for r in data["runs"]] == ["reference:thin", "reference:thick"]
    assert len(data["items"]) == 96 and data["image_mode"] == "embed"
    assert all(it["img"] >= 0 for it in data["items"]) and all(u.startswith("data:image/png") for u in data["images"])
    it = next(i for i in data["items"] if i["id"] == "cs-know-0001")
    thin, thick = it["a"]
    assert thick["m"]["keyword_acc"] == 100.0 and thin["m"]["keyword_acc"] == 0.0
    assert [k[0] for k in thick["k"]] == [1] * len(it["kw"]) and [k[0] for k in thin["k"]] == [0] * len(it["kw"])
    assert thick["r"]["fidelity"] == "detected:cs"
    assert data["langs"]["ar"]["rtl"] is True and data["langs"]["th"]["rtl"] is False
    # leaderboard: per-language cells carry the run, axis, metric and language they show
    assert 'data-run="1" data-axis="know" data-metric="keyword_acc" data-lang="th"' in text


def test_model_output_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    run = make_run(tmp_path, langs=("ar",), per_axis=1)
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    set_prediction_text(run, "ar-know-0000", evil)
    from mella_bench.metrics.score import score_run

    score_run(run, resamples=20)
    files = write_report([run], tmp_path / "report", resamples=20, plots=False)
    text = files.html.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text and "onerror=alert" not in text.replace("onerror=alert(2)>\"", "")
    data = page_data(files.html)
    assert next(i for i in data["items"] if i["id"] == "ar-know-0000")["a"][0]["x"] == evil


def test_images_linked_or_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mella_bench.reports.html_report as html_report

    run = make_run(tmp_path, langs=("th",), per_axis=2)
    from mella_bench.metrics.score import score_run

    score_run(run, resamples=20)
    out = tmp_path / "reports" / "r1"
    assert page_data(write_report([run], out, resamples=20, plots=False).html)["image_mode"] == "embed"
    monkeypatch.setattr(html_report, "EMBED_BUDGET_BYTES", 100)  # auto: over the budget → linked
    data = page_data(write_report([run], out, resamples=20, plots=False).html)
    assert data["image_mode"] == "link"
    by_id = {i["id"]: i for i in data["items"]}
    url = data["images"][by_id["th-know-0000"]["img"]]
    assert not url.startswith(("/", "data:")) and (out / url).resolve().is_file()
    data = page_data(write_report([run], out, resamples=20, plots=False, images="none").html)
    assert data["images"] == [] and all(i["img"] == -1 and "--images none" in i["noimg"] for i in data["items"])


def test_items_without_an_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reference-only items (imported from elsewhere) have no image: the viewer says so."""
    import dataclasses

    import mella_bench.data.dataset as data_mod
    from mella_bench.data.dataset import Dataset, load

    run = make_run(tmp_path, langs=("vi",), per_axis=1)
    from mella_bench.metrics.score import score_run

    score_run(run, resamples=20)
    real = load

    def imageless(src: str) -> Dataset:
        ds = real(src)
        return dataclasses.replace(ds, items=tuple(dataclasses.replace(it, image="") for it in ds.items))

    monkeypatch.setattr(data_mod, "load", imageless)  # what samples' `load_or_reason` calls
    data = page_data(write_report([run], tmp_path / "report", resamples=20, plots=False).html)
    assert data["images"] == [] and len(data["items"]) == 2
    assert all(i["img"] == -1 and i["noimg"] == "the item has no image" and i["refs"] for i in data["items"])


def test_a_moved_dataset_still_shows_answers_and_scores(tmp_path: Path) -> None:
    run = make_run(tmp_path, langs=("ko",), per_axis=1)
    from mella_bench.metrics.score import score_run

    score_run(run, resamples=20)
    shutil.rmtree(tmp_path / "data")
    data = page_data(write_report([run], tmp_path / "report", resamples=20, plots=False).html)
    assert len(data["items"]) == 2
    for it in data["items"]:
        assert it["img"] == -1 and "cannot be loaded" in it["noimg"] and "refs" not in it
        assert it["a"][0]["s"] == "ok" and it["a"][0]["x"]


def test_judge_verdicts_travel_to_the_viewer(tmp_path: Path) -> None:
    run = judged_run(tmp_path, langs=("ar",))
    data = page_data(write_report([run], tmp_path / "report", resamples=20, plots=False).html)
    item = next(i for i in data["items"] if i["id"] == "ar-know-0000")
    (cd,) = [j for j in item["a"][0]["j"] if j["rubric"] == "cultural_depth"]
    assert cd["score"] == 2 and cd["raw"] == 4 and cd["fields"]["entities"] == [ENTITY]
    assert cd["fields"]["unsupported_claims"] == [CLAIM] and cd["evidence"]
    assert item["a"][0]["m"]["judge:cultural_depth"] == 2.0
    assert "judge:cultural_depth" in data["metrics"]


def test_runs_without_predictions_still_get_a_leaderboard(tmp_path: Path) -> None:
    from tests.support.runs import test_aggregates, write_run

    run = write_run(tmp_path, "synthetic", "m", lambda lang, i: 50.0, lambda lang, i: 0.2, n=4)
    files = write_report([run], tmp_path / "report", resamples=20, plots=False, aggregates=test_aggregates)
    data = page_data(files.html)
    assert data["items"] == [] and "samples not shown" in data["runs"][0]["problem"]
    assert 'data-metric="keyword_acc"' in files.html.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["bogus"])
def test_unknown_image_mode_is_an_error(tmp_path: Path, mode: str) -> None:
    with pytest.raises(ValueError, match="images must be one of"):
        write_report([EXAMPLES / "tiny"], tmp_path, resamples=0, plots=False, images=mode)


def test_same_item_id_with_other_references_is_shown_with_what_each_run_was_asked(tmp_path: Path) -> None:
    """The authors' Hungarian baseline and fine-tune files share item ids but not references: each answer
    must appear beside the references it was scored against, never beside the other run's."""
    from mella_bench.data.dataset import load
    from mella_bench.store import load_header, task_data_source

    authors = Path(__file__).resolve().parents[2] / "results" / "mella-author-2024"
    runs = [authors / "internvl2-8b-baseline", authors / "internvl2-8b-finetuned"]
    refs = []
    for run in runs:
        info = load_header(run)["tasks"]["slvqa_caption_hu"]
        ds = load(task_data_source(run, info))
        refs.append({it.id: it.references for it in ds.items if it.lang == "hu" and it.axis == "ling"})
    shared = sorted(set(refs[0]) & set(refs[1]))
    differ = [i for i in shared if refs[0][i] != refs[1][i]]
    assert differ, "the premise: the two runs' Hungarian references differ"

    data = page_data(write_report(runs, tmp_path, images="none", resamples=0).html)
    hu = [it for it in data["items"] if it["t"] == "slvqa_caption_hu"]
    for item_id in differ[:20]:
        versions = [it for it in hu if it["id"] == item_id]
        assert len(versions) == 2
        for it in versions:
            (ri,) = [k for k, a in enumerate(it["a"]) if a is not None]
            assert tuple(it["refs"]) == refs[ri][item_id]
            assert "different references" in it["variant"]
    same = [i for i in shared if refs[0][i] == refs[1][i]]
    for item_id in same[:20]:
        (it,) = [it for it in hu if it["id"] == item_id]
        assert all(a is not None for a in it["a"]) and "variant" not in it
