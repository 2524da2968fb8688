"""User task folders (--include-path): strict like shipped tasks, listed, runnable, hashed apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.data.dataset import load
from mella_bench.inference.run import prediction_key
from mella_bench.data.tasks import load_registry, select_tasks
from mella_bench.data.yamlio import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "user-tasks"


def test_example_variant_inherits_everything_but_the_prompt():
    reg = load_registry(include_paths=[EXAMPLE])
    base, variant = reg.tasks["mella_th_know"], reg.tasks["mella_th_know_brief"]
    assert (variant.lang, variant.axis, variant.metrics, variant.rubrics, variant.generation) == \
           (base.lang, base.axis, base.metrics, base.rubrics, base.generation)
    assert variant.prompt != base.prompt and variant.hash != base.hash
    assert [t.name for t in reg.expand(["th_prompt_variants"])] == ["mella_th_know", "mella_th_know_brief"]
    # the cache key of the same item under the same model differs, so answers are never reused across prompts
    item = next(it for it in load("demo").items if it.lang == "th" and it.axis == "know")
    assert prediction_key("m", base, item) != prediction_key("m", variant, item)


def test_without_the_include_path_the_task_is_unknown():
    with pytest.raises(ConfigError, match="unknown task or group 'mella_th_know_brief'"):
        select_tasks(("th",), ["mella_th_know_brief"])


def test_user_tasks_get_the_same_strict_checks(tmp_path: Path):
    (tmp_path / "mella_th_know_x.yaml").write_text(
        "task: mella_th_know_x\ninclude: mella_th_know.yaml\nversion: 1\npromt: typo\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        load_registry(include_paths=[tmp_path])
    (tmp_path / "mella_th_know_x.yaml").unlink()
    (tmp_path / "mella_th_know.yaml").write_text((EXAMPLE / "mella_th_know_brief.yaml").read_text(
        encoding="utf-8").replace("task: mella_th_know_brief", "task: mella_th_know"), encoding="utf-8")
    with pytest.raises(ConfigError, match="already defined in"):
        load_registry(include_paths=[tmp_path])
    with pytest.raises(ConfigError, match="not a folder"):
        load_registry(include_paths=[tmp_path / "nope"])


def test_include_cannot_climb_out_of_the_folder(tmp_path: Path):
    (tmp_path / "mine.yaml").write_text("task: mine\ninclude: ../secret.yaml\nversion: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="same folder"):
        load_registry(include_paths=[tmp_path])


def test_cli_lists_and_runs_a_user_task(tmp_path: Path, capsys):
    from mella_bench.cli import main

    assert main(["tasks", "list", "--include-path", str(EXAMPLE)]) == 0
    listing = capsys.readouterr().out
    variant = load_registry(include_paths=[EXAMPLE]).tasks["mella_th_know_brief"]
    assert f"mella_th_know_brief" in listing and variant.hash in listing and "th_prompt_variants" in listing
    out = tmp_path / "run"
    assert main(["run", "--model", "tiny", "--include-path", str(EXAMPLE), "--tasks", "th_prompt_variants",
                 "--limit", "2", "--output", str(out), "--quiet"]) == 0
    header = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert header["tasks"]["mella_th_know_brief"]["prompt"] == variant.prompt
    assert header["tasks"]["mella_th_know_brief"]["hash"] != header["tasks"]["mella_th_know"]["hash"]
    preds = [json.loads(l) for l in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    by_task = {}
    for p in preds:
        by_task.setdefault(p["task"], set()).add(p["key"])
    assert len(by_task["mella_th_know_brief"]) == 2 and not by_task["mella_th_know_brief"] & by_task["mella_th_know"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["tasks"]["mella_th_know_brief"]["metrics"]["keyword_acc"]["n"] == 2
