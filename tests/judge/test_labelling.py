"""Labelling rounds (`mella-bench label`), label import and `mella-bench judge agreement`, end to end
on judged runs whose judge scores are scripted (tests/support/label_runs.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from mella_bench.cli import main
from mella_bench.judge.labelling import Plan, allocate, load_plan, make_round, write_round
from mella_bench.judge.labels import LABELS_JSONL
from tests.judge.conftest import set_prediction_text
from tests.support.label_runs import judge_scores, noisy, scripted_runs, simulated_labels, write_jsonl

sk_metrics = pytest.importorskip("sklearn.metrics", reason="test extra: pip install scikit-learn")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return scripted_runs(tmp_path_factory.mktemp("label-runs"))


def _round(runs: list[Path], out: Path, *extra: str) -> dict:
    assert main(["label", *map(str, runs), "--out", str(out), *extra]) == 0
    return json.loads((out / "plan.json").read_text(encoding="utf-8"))


def test_allocate_splits_equally_and_passes_on_what_small_strata_cannot_take() -> None:
    assert allocate(12, [10, 10, 10]) == [4, 4, 4]
    assert allocate(12, [2, 10, 10]) == [2, 5, 5]
    assert allocate(10, [3, 3, 3]) == [3, 3, 3]
    assert allocate(7, [5, 5, 5]) == [3, 2, 2]
    assert sum(allocate(50, [1, 40, 7, 3])) == 50


def test_round_is_stratified_by_language_axis_and_judge_band(runs: list[Path], tmp_path: Path) -> None:
    plan = _round(runs, tmp_path / "r", "--per-lang", "9")
    assert {s["lang"] for s in plan["strata"]} == {"ar", "th"}
    for lang in ("ar", "th"):
        strata = [s for s in plan["strata"] if s["lang"] == lang]
        assert sum(s["population"] for s in strata) == 12  # 6 items × 2 axes, each with an answer of both runs
        assert sum(s["sampled"] for s in strata) == 9
        assert {s["band"] for s in strata} <= {"low", "mid", "high"}
        assert max(s["sampled"] for s in strata) - min(s["sampled"] for s in strata if s["population"] > s["sampled"]) <= 1
        units = [u for u in plan["units"] if u["lang"] == lang]
        for s in strata:  # the plan's counts are the units it lists
            assert sum(u["axis"] == s["axis"] and u["band"] == s["band"] for u in units) == s["sampled"]
    # the band is the mean judge score of the two answers shown (judge scores scripted in the text)
    scores = judge_scores(runs)
    for u in plan["units"]:
        mean = sum(scores[a["hash"]] for a in u["answers"]) / 2
        assert u["band"] == ("low" if mean < 2.5 else "mid" if mean < 3.5 else "high")


def test_round_is_seeded_and_answer_order_is_random_and_recorded(runs: list[Path], tmp_path: Path) -> None:
    one, again, other = (_round(runs, tmp_path / n, "--per-lang", "6", *s)
                         for n, s in (("a", ()), ("b", ()), ("c", ("--seed", "7"))))
    assert one["units"] == again["units"] and one["round"] == again["round"]
    assert [u["unit"] for u in one["units"]] != [u["unit"] for u in other["units"]]
    orders = {tuple(a["run"] for a in u["answers"]) for u in one["units"]}
    assert orders == {(0, 1), (1, 0)}  # both runs appear first somewhere
    texts = judge_scores(runs)
    assert all(a["hash"] in texts for u in one["units"] for a in u["answers"])


def test_page_is_blind_self_contained_and_asks_the_rubrics_questions(runs: list[Path], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from mella_bench.judge import rubric as rubric_mod

    original = rubric_mod.get_rubric

    def edited(rubric_id: str):  # a rubric edited on disk: the page must ask the edited question
        r = original(rubric_id)
        return replace(r, anchors={**r.anchors, 3: "EDITED anchor three"}) if rubric_id == "cultural_depth" else r

    monkeypatch.setattr(rubric_mod, "get_rubric", edited)
    rnd = make_round(runs, per_lang=4)
    page, _ = write_round(rnd, tmp_path / "r")
    text = page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert "http://" not in text and "https://" not in text and "<link" not in text
    for run in runs:  # blind: no run directory, label or model, no judge verdict
        assert str(run) not in text and run.name not in text
    assert "reference:thick" not in text and "fake-judge" not in text and "scripted evidence" not in text
    data = json.loads(text.split('id="label-data">', 1)[1].split("</script>", 1)[0])
    depth = data["rubrics"]["cultural_depth"]
    assert depth["anchors"]["3"] == "EDITED anchor three" and depth["anchors"]["1"] == original("cultural_depth").anchors[1]
    assert depth["preference"] == ["A", "B", "tie"]  # from the judge template's pairwise schema
    assert set(depth["checklists"]) == {"ar", "th"}
    assert {u["lang"] for u in data["units"]} == {"ar", "th"} and data["langs"]["ar"]["rtl"] is True
    assert all(u["img"] >= 0 and data["images"][u["img"]].startswith("data:image/png;base64,") for u in data["units"])
    assert "band" not in data["units"][0] and "run" not in data["units"][0]["answers"][0]


def test_one_run_gives_one_answer_per_item_and_two_need_two_runs(runs: list[Path], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    plan = _round(runs[:1], tmp_path / "one", "--per-lang", "4", "--langs", "th")
    assert {len(u["answers"]) for u in plan["units"]} == {1} and {u["lang"] for u in plan["units"]} == {"th"}
    assert main(["label", "page", str(runs[0]), "--out", str(tmp_path / "x"), "--answers", "2"]) == 2
    assert "two answers per unit need two or more runs" in capsys.readouterr().err


def test_import_is_idempotent_later_answers_win_and_bad_lines_fail_alone(runs: list[Path], tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture) -> None:
    rdir = tmp_path / "r"
    plan = _round(runs, rdir, "--per-lang", "4")
    scores = judge_scores(runs)
    first = write_jsonl(tmp_path / "amira.jsonl", simulated_labels(plan, "amira", noisy(scores, 0, 1)))
    n = len(first.read_text().splitlines())
    assert main(["label", "import", str(first), "--into", str(rdir)]) == 0
    assert f"{n} new, 0 updated, 0 unchanged, 0 rejected, 0 stale; {n} in" in capsys.readouterr().out
    stored = (rdir / LABELS_JSONL).read_bytes()
    assert main(["label", "import", str(first), "--into", str(rdir)]) == 0  # again: nothing changes
    assert f"0 new, 0 updated, {n} unchanged" in capsys.readouterr().out and (rdir / LABELS_JSONL).read_bytes() == stored
    # a later export where the labeller changed one score: that label is replaced, the rest unchanged
    later = simulated_labels(plan, "amira", noisy(scores, 0, 1), time="2025-05-02T09:00:00Z")
    scale = next(r for r in later if r["question"] == "scale")
    scale["value"] = 1 if scale["value"] != 1 else 2
    bad = dict(later[1], value=9)
    lines = [json.dumps(r) for r in later] + [json.dumps(bad), "{not json"]
    (tmp_path / "later.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["label", "import", str(tmp_path / "later.jsonl"), "--into", str(rdir)]) == 1  # some lines rejected
    cap = capsys.readouterr()
    assert f"0 new, {n} updated, 0 unchanged, 2 rejected" in cap.out  # later times replace; 2 bad lines
    assert f"later.jsonl:{n + 1}: field 'value'" in cap.err and f"later.jsonl:{n + 2}: not JSON" in cap.err
    store = [json.loads(x) for x in (rdir / LABELS_JSONL).read_text().splitlines()]
    assert len(store) == n and any(r["value"] == scale["value"] and r.get("answer") == scale["answer"]
                                   and r["rubric"] == scale["rubric"] for r in store)
    # an older export does not overwrite newer labels
    assert main(["label", "import", str(first), "--into", str(rdir)]) == 0
    assert f"0 new, 0 updated, {n} unchanged" in capsys.readouterr().out


def test_labels_from_another_round_or_answer_are_rejected(runs: list[Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    plan = _round(runs, tmp_path / "r", "--per-lang", "3")
    recs = simulated_labels(plan, "bao", noisy(judge_scores(runs), 0, 1))[:3]
    recs[0] = dict(recs[0], round="000000000000")
    recs[1] = dict(recs[1], answer="0" * 16) if recs[1]["question"] == "scale" else dict(recs[1], shown=["0" * 16, "1" * 16])
    recs[2] = dict(recs[2], lang="xx")
    assert main(["label", "import", str(write_jsonl(tmp_path / "x.jsonl", recs)), "--into", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "from labelling round 000000000000" in err and "are not the answers this round showed" in err
    assert "x.jsonl:3: field 'lang'" in err
    # a hand-edited store with a broken line is not rewritten (that would lose the line)
    store = tmp_path / "r" / LABELS_JSONL
    store.write_text("{broken\n", encoding="utf-8")
    assert main(["label", "import", str(tmp_path / "x.jsonl"), "--into", str(tmp_path / "r")]) == 2
    assert "invalid line(s)" in capsys.readouterr().err and store.read_text(encoding="utf-8") == "{broken\n"


def _agreement(runs: list[Path], rdir: Path, *extra: str) -> dict:
    out = rdir / "agreement.json"
    assert main(["judge", "agreement", *map(str, runs), "--labels", str(rdir), "--out", str(out),
                 "--resamples", "200", *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _row(doc: dict, lang: str, rubric: str, question: str, comparison: str) -> dict:
    return next(r for r in doc["rows"] if (r["lang"], r["rubric"], r["question"], r["comparison"])
                == (lang, rubric, question, comparison))


def test_agreement_equals_scikit_learn_on_the_labels_and_judge_scores(runs: list[Path], tmp_path: Path) -> None:
    rdir = tmp_path / "r"
    plan = _round(runs, rdir, "--per-lang", "12")
    scores = judge_scores(runs)
    a = simulated_labels(plan, "amira", noisy(scores, 0.9, 1))
    b = simulated_labels(plan, "bao", noisy(scores, 1.2, 2))
    assert main(["label", "import", str(write_jsonl(tmp_path / "a.jsonl", a)), str(write_jsonl(tmp_path / "b.jsonl", b)),
                 "--into", str(rdir)]) == 0
    doc = _agreement(runs, rdir)
    assert doc["labels"]["used"] == len(a) + len(b) and doc["labels"]["excluded"] == {}
    for lang in ("ar", "th", "all"):
        pick = [r for r in a if r["question"] == "scale" and r["rubric"] == "visual_faithfulness"
                and (lang == "all" or r["lang"] == lang)]
        by_b = {(r["item_identity"], r["answer"]): r["value"] for r in b if r["question"] == "scale"
                and r["rubric"] == "visual_faithfulness"}
        # judge–human: the judge against each labeller (amira's pairs, then bao's, in any order: κ is order-free)
        judge = [scores[r["answer"]] for r in pick] * 2
        human = [r["value"] for r in pick] + [by_b[(r["item_identity"], r["answer"])] for r in pick]
        row = _row(doc, lang, "visual_faithfulness", "scale", "judge-human")
        want = sk_metrics.cohen_kappa_score(judge, human, weights="quadratic", labels=[1, 2, 3, 4, 5])
        assert row["metrics"]["kappa_qw"]["value"] == pytest.approx(want, abs=1e-9)
        assert row["n_pairs"] == len(judge) and row["n_items"] == len({r["item_identity"] for r in pick})
        # human–human: amira (sorted first) against bao
        hh = _row(doc, lang, "visual_faithfulness", "scale", "human-human")
        want = sk_metrics.cohen_kappa_score([r["value"] for r in pick], human[len(pick):], weights="quadratic",
                                            labels=[1, 2, 3, 4, 5])
        assert hh["metrics"]["kappa_qw"]["value"] == pytest.approx(want, abs=1e-9)
        lo, hi = hh["metrics"]["kappa_qw"]["ci"]
        assert lo <= hh["metrics"]["kappa_qw"]["value"] <= hi or hh["n_items"] < 10
    note = _row(doc, "ar", "cultural_depth", "scale", "judge-human")["note"]
    assert note.startswith("n=6 items < 30: too few to conclude")


def test_copy_judge_gets_one_and_a_changed_answer_invalidates_its_labels(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture) -> None:
    runs = scripted_runs(tmp_path / "runs")  # its own runs: one answer is changed below
    rdir = tmp_path / "r"
    plan = _round(runs, rdir, "--per-lang", "8")
    scores = judge_scores(runs)
    write_jsonl(tmp_path / "copy.jsonl", simulated_labels(plan, "copy", noisy(scores, 0, 0)))
    assert main(["label", "import", str(tmp_path / "copy.jsonl"), "--into", str(rdir)]) == 0
    doc = _agreement(runs, rdir, "--min-items", "2")
    for r in (r for r in doc["rows"] if r["comparison"] == "judge-human"):
        for m in r["metrics"].values():
            assert m["value"] == pytest.approx(1.0), (r["lang"], r["rubric"], r["question"])
    # rerun a run's answer to one labelled item: its labels no longer match and are reported, not used
    unit = plan["units"][0]
    answer = unit["answers"][0]
    run = runs[answer["run"]]
    set_prediction_text(run, unit["item_id"], "a different answer SCORE=1")
    capsys.readouterr()
    assert main(["label", "import", str(tmp_path / "copy.jsonl"), "--into", str(rdir)]) == 0
    out = capsys.readouterr()
    stored = [json.loads(x) for x in (rdir / LABELS_JSONL).read_text().splitlines()]
    n_stale = sum(answer["hash"] in [r.get("answer"), *r.get("shown", [])] for r in stored)
    assert n_stale == 2 * len(unit["rubrics"])  # its score and the preference, on each rubric
    assert f"{n_stale} stale" in out.out and "the run's answer changed since the page was made" in out.err
    doc = _agreement(runs, rdir, "--min-items", "2")
    assert doc["labels"]["excluded"] == {"answer changed since labelling (or its run was not given)": n_stale}
    assert doc["labels"]["used"] == doc["labels"]["latest"] - n_stale
    # an item whose references were edited in the dataset is another item: its labels are left out too
    other = next(u for u in plan["units"] if u["item_id"] != unit["item_id"])
    manifest = tmp_path / "runs" / "data" / "manifest.jsonl"
    recs = [json.loads(x) for x in manifest.read_text(encoding="utf-8").splitlines()]
    for rec in recs:
        if rec["id"] == other["item_id"]:
            rec["references"] = rec["references"] + ["an added reference"]
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    doc = _agreement(runs, rdir, "--min-items", "2")
    n_item = sum(r["item_identity"] == other["item_identity"] for r in stored)
    assert doc["labels"]["excluded"]["item changed since labelling (image, references or keywords)"] == n_item > 0


def test_identical_answers_are_shown_once_and_a_round_with_labels_is_not_overwritten(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from tests.judge.conftest import make_run

    a = make_run(tmp_path, langs=("th",), name="a", per_axis=2)
    b = make_run(tmp_path, langs=("th",), name="b", per_axis=2, data=tmp_path / "data")  # the same answers
    plan = _round([a, b], tmp_path / "r", "--per-lang", "4")
    assert plan["units"] and all(len(u["answers"]) == 1 for u in plan["units"])
    assert {s["band"] for s in plan["strata"]} == {"unjudged"}  # the runs are not judged
    recs = simulated_labels(plan, "x", lambda unit, rubric, h: 3)
    assert main(["label", "import", str(write_jsonl(tmp_path / "x.jsonl", recs)), "--into", str(tmp_path / "r")]) == 0
    assert main(["label", str(a), str(b), "--out", str(tmp_path / "r"), "--seed", "3"]) == 2
    assert "holds labels of another round" in capsys.readouterr().err
    assert main(["label", str(a), str(b), "--out", str(tmp_path / "r"), "--per-lang", "4"]) == 0  # the same round


def test_report_shows_the_agreement_section_and_plot(tmp_path: Path) -> None:
    runs = scripted_runs(tmp_path / "runs", langs=("th",), per_axis=3)
    rdir = tmp_path / "r"
    plan = _round(runs, rdir, "--per-lang", "6")
    write_jsonl(tmp_path / "l.jsonl", simulated_labels(plan, "x", noisy(judge_scores(runs), 0.5, 3)))
    assert main(["label", "import", str(tmp_path / "l.jsonl"), "--into", str(rdir)]) == 0
    assert main(["judge", "agreement", *map(str, runs), "--labels", str(rdir), "--resamples", "100"]) == 0
    assert (runs[0] / "agreement.json").is_file() and (runs[0] / "agreement.png").is_file()
    for run in runs:
        assert main(["score", str(run), "--quiet"]) == 0
    out = tmp_path / "report"
    assert main(["report", *map(str, runs), "--out", str(out), "--resamples", "50"]) == 0
    md = (out / "leaderboard.md").read_text(encoding="utf-8")
    assert "## Judge-human agreement: reference:thick (run0)" in md and "| th | cultural_depth | judge-human |" in md
    assert (out / "agreement_1.png").is_file()
    # the figure draws what agreement.json says: a point per language and comparison, its CI as a line
    from mella_bench.reports.figures import agreement_figure

    doc = json.loads((runs[0] / "agreement.json").read_text(encoding="utf-8"))
    gids = {a.get_gid(): a for a in agreement_figure(doc).findobj() if a.get_gid()}
    row = next(r for r in doc["rows"] if (r["lang"], r["rubric"], r["question"], r["comparison"])
               == ("th", "visual_faithfulness", "scale", "judge-human"))
    points = gids["agreement:visual_faithfulness:scale:judge-human"].get_xdata()
    assert points[0] == pytest.approx(row["metrics"]["kappa_qw"]["value"])  # th is the first language shown
    segment = gids["agreement-ci:visual_faithfulness:scale:judge-human:th"].get_segments()[0]
    assert [x for x, _ in segment] == pytest.approx(row["metrics"]["kappa_qw"]["ci"])
    svg = (out / "agreement_1.svg").read_text(encoding="utf-8")
    assert 'id="agreement:cultural_depth:scale:human-human"' not in svg  # one labeller: no human-human pairs
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<section id="agreement">' in page and "judge-human" in page


def test_plan_round_trips_through_json(runs: list[Path], tmp_path: Path) -> None:
    rnd = make_round(runs, per_lang=5)
    write_round(rnd, tmp_path / "r")
    again = load_plan(tmp_path / "r")
    assert again.to_json() == rnd.plan.to_json() and isinstance(again, Plan)
    assert sum(s.sampled for s in again.strata) == len(again.units)
    assert all(s.weight == s.population / s.sampled for s in again.strata if s.sampled)


def test_agreement_plot_inside_a_run_is_written_under_the_runs_lock(tmp_path: Path, monkeypatch) -> None:
    """agreement.json and agreement.png are run files: another mella-bench process must find the run
    locked while either is written (the plot used to be written after the lock was let go)."""
    import subprocess
    import sys

    from mella_bench.judge import agreement_report
    from mella_bench.reports import figures

    run = tmp_path / "run"
    run.mkdir()
    probe = ("import sys; from pathlib import Path; from mella_bench.store import RunDir, RunDirBusy\n"
             "try:\n    RunDir(Path(sys.argv[1])).write_text('probe.txt', 'x')\nexcept RunDirBusy:\n    print('busy')\n"
             "else:\n    print('free')\n")
    seen = []

    def plot(doc, png):
        seen.append(subprocess.run([sys.executable, "-c", probe, str(run)], capture_output=True, text=True,
                                   check=True).stdout.strip())
        return None

    monkeypatch.setattr(agreement_report, "compute_agreement", lambda *a: {"rows": []})
    monkeypatch.setattr(figures, "agreement_plot", plot)
    agreement_report.agreement_run([run], [])
    assert seen == ["busy"] and (run / agreement_report.AGREEMENT_JSON).is_file()
