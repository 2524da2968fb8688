"""`mella-bench ablate` on checkpoints and run directories (mella_bench/curation/ablation_runs.py): identical settings,
mismatch refusal, resumption, the --check of a written ablation, and the committed example."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from mella_bench.curation.ablation_runs import AblationMismatch, EvalSettings, ablate, check_ablation
from mella_bench.cli import main

REPO = Path(__file__).resolve().parents[2]


def _run(tmp: Path, name: str, model: str, *extra: str) -> Path:
    out = tmp / name
    assert main(["run", "--model", model, "--data", "demo", "--langs", "cs,th", "--output", str(out), "--quiet",
                 *extra]) == 0
    return out


def test_models_are_run_with_the_settings_of_a_given_run_and_mismatch_is_refused(tmp_path, capsys):
    base = _run(tmp_path, "base", "reference:thin", "--limit", "2")
    out = tmp_path / "abl"
    res = ablate({"base": str(base), "culture": "reference:know=thick,ling=thin",
                  "linguistic": "reference:know=thin,ling=thick", "full": "reference:thick"}, out, resamples=50)
    assert res.ran == ("culture", "linguistic", "full")
    for arm in res.ran:
        hdr = json.loads((out / "runs" / arm / "run.json").read_text(encoding="utf-8"))
        assert hdr["config"]["limit"] == 2 and sorted(hdr["tasks"]) == ["mella_cs_know", "mella_cs_ling",
                                                                        "mella_th_know", "mella_th_ling"]
    csv_rows = (out / "ablation.csv").read_text(encoding="utf-8").splitlines()
    inter = [r for r in csv_rows if r.startswith("know,keyword_acc,macro,interaction")]
    assert len(inter) == 1
    meta = json.loads((out / "ablation.json").read_text(encoding="utf-8"))
    assert meta["arms"]["base"]["run"] == "../base" and meta["arms"]["full"]["run"] == "runs/full"
    assert check_ablation(out)[0]
    # an arm evaluated on more items is refused, naming the difference
    odd = _run(tmp_path, "odd", "reference:thick", "--limit", "3")
    with pytest.raises(AblationMismatch, match="--limit differs"):
        ablate({"base": str(base), "culture": str(odd), "linguistic": str(out / "runs/linguistic"),
                "full": str(out / "runs/full")}, tmp_path / "abl2")
    # ... and so is one with another task set (CLI: exit 2 with the reason)
    other = _run(tmp_path, "other", "reference:thick", "--limit", "2", "--tasks", "mella_cs_know,mella_th_know")
    assert main(["ablate", "--base", str(base), "--culture", str(other), "--linguistic", str(out / "runs/linguistic"),
                 "--full", str(out / "runs/full"), "--out", str(tmp_path / "abl3")]) == 2
    assert "different tasks" in capsys.readouterr().err
    # a requested setting that contradicts the given run is refused too
    with pytest.raises(AblationMismatch, match="--limit differs"):
        ablate({"base": str(base), "culture": "reference:thick", "linguistic": "reference:thin",
                "full": "reference:thick"}, tmp_path / "abl4", EvalSettings(limit=1))


def test_other_generation_settings_or_prompt_are_refused(tmp_path):
    import shutil

    base = _run(tmp_path, "base", "reference:thin", "--limit", "1")
    arms = {"base": base}
    for arm in ("culture", "linguistic", "full"):
        arms[arm] = tmp_path / arm
        shutil.copytree(base, arms[arm])
    hdr_path = arms["full"] / "run.json"
    hdr = json.loads(hdr_path.read_text(encoding="utf-8"))
    hdr["tasks"]["mella_th_ling"]["generation"]["max_new_tokens"] = 64
    hdr["tasks"]["mella_cs_know"]["prompt"] = "Popište obrázek."
    hdr_path.write_text(json.dumps(hdr), encoding="utf-8")
    with pytest.raises(AblationMismatch) as err:
        ablate({a: str(d) for a, d in arms.items()}, tmp_path / "abl")
    assert "task mella_th_ling: generation differs" in str(err.value)
    assert "task mella_cs_know: prompt differs" in str(err.value)
    assert not (tmp_path / "abl" / "ablation.md").exists()


def test_check_fails_when_a_prediction_changes(tmp_path, capsys):
    out = tmp_path / "abl"
    ablate({"base": "reference:thin", "culture": "reference:know=thick,ling=thin",
            "linguistic": "reference:know=thin,ling=thick", "full": "reference:thick"}, out,
           EvalSettings(langs=("cs", "th"), limit=2, data="demo"), resamples=50)
    assert main(["ablate", "--check", str(out)]) == 0
    preds = out / "runs/culture/predictions.jsonl"
    lines = preds.read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[0])
    rec["text"] = "nothing at all"
    preds.write_text("\n".join([json.dumps(rec, ensure_ascii=False)] + lines[1:]) + "\n", encoding="utf-8")
    assert main(["ablate", "--check", str(out)]) == 1
    err = capsys.readouterr().err
    assert "ablation.csv (committed)" in err and "culture" in err


def _load_trainer():
    spec = importlib.util.spec_from_file_location("tiny_trainer", REPO / "examples/ablation_tiny/train.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_four_checkpoints_end_to_end_and_resumable(tmp_path):
    """data arms → the example trainer (2 steps per arm) → ablate on four checkpoint directories."""
    from tests.curation.test_arms import KNOW_ANSWERS, LING_ANSWERS, _write

    from mella_bench.curation.arms import build_arms
    from mella_bench.inference.backends.tiny import build_tiny_model

    know = _write(tmp_path / "know", "know", KNOW_ANSWERS, 10)
    ling = _write(tmp_path / "ling", "ling", LING_ANSWERS, 200)
    build_arms(know, ling, tmp_path / "arms", formats=("llava",), budget=3)
    ckpt = tmp_path / "ckpt"
    build_tiny_model(ckpt / "base")
    trainer = _load_trainer()
    for arm in ("culture", "linguistic", "full"):
        assert trainer.main(["--base", str(ckpt / "base"), "--data", str(tmp_path / f"arms/llava/{arm}.json"),
                             "--images", str(tmp_path / "arms"), "--output", str(ckpt / arm), "--steps", "2",
                             "--batch-size", "2"]) == 0
        log = json.loads((ckpt / f"{arm}.train.json").read_text())
        assert log["examples"] == 3 and log["steps"] == 2
    out = tmp_path / "abl"
    args = ["ablate", *[a for arm in ("base", "culture", "linguistic", "full") for a in (f"--{arm}", str(ckpt / arm))],
            "--langs", "cs,ko", "--limit", "1", "--data", "demo", "--out", str(out), "--resamples", "50", "--quiet"]
    assert main(args) == 0
    hashes = set()
    for arm in ("base", "culture", "linguistic", "full"):
        hdr = json.loads((out / f"runs/{arm}/run.json").read_text(encoding="utf-8"))
        assert hdr["config"]["backend"]["name"] == "hf" and hdr["config"]["limit"] == 1
        hashes.add(hdr["model"]["hash"])
    assert len(hashes) == 4  # four different checkpoints, evaluated the same way
    sizes = {arm: (out / f"runs/{arm}/predictions.jsonl").stat().st_size for arm in ("base", "full")}
    assert main(args) == 0  # the rerun continues: nothing is generated twice
    assert {arm: (out / f"runs/{arm}/predictions.jsonl").stat().st_size for arm in sizes} == sizes
    assert check_ablation(out)[0]


def test_committed_example_ablation_matches_its_predictions():
    """CI: results/ablation is what the committed arms' predictions give (rescored; nothing is retrained)."""
    ok, message = check_ablation(REPO / "results" / "ablation")
    assert ok, message
