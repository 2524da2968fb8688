"""Answers are only scored, judged or merged against the items they were generated for. An image or a
reference edited in place since generation makes `score`, `judge` and `merge` refuse, naming the
items (`run` on the same directory refused already); `--reidentify` accepts the data as it is now and
records that in run.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.cli import main
from tests.conftest import png_bytes, write_dataset
from tests.support.fake_openai import FakeOpenAI, judge_responder
from tests.faults.conftest import TASKS


def _run(out: Path, data: Path, tasks: Path, *extra: str) -> int:
    return main(["run", "--model", "reference:thick", "--include-path", str(tasks), "--tasks", TASKS,
                 "--data", str(data), "--output", str(out), "--quiet", *extra])


def _edit_reference(data: Path, item_id: str) -> None:
    lines = []
    for line in (data / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["id"] == item_id:
            rec["references"] = [rec["references"][0] + " (edited)"]
        lines.append(json.dumps(rec, ensure_ascii=False))
    (data / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_score_refuses_answers_whose_image_or_reference_changed_and_reidentify_accepts(
        tmp_path: Path, fault_tasks: Path, capsys: pytest.CaptureFixture[str]):
    data = write_dataset(tmp_path / "data", langs=("th", "vi"))
    out = tmp_path / "run"
    assert _run(out, data, fault_tasks) == 0
    summary = (out / "summary.json").read_bytes()
    (data / "images" / "th-ling-0001.png").write_bytes(png_bytes((41, 80, 120)))  # one pixel value off
    capsys.readouterr()
    assert main(["score", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "th-ling-0001" in err and "--reidentify" in err and "changed" in err
    assert (out / "summary.json").read_bytes() == summary  # nothing scored against the new item
    _edit_reference(data, "vi-know-0000")
    assert main(["score", str(out), "--quiet", "--protocol", "mella-2024"]) == 2  # both protocols check
    assert "vi-know-0000" in capsys.readouterr().err
    assert main(["score", str(out), "--quiet", "--reidentify"]) == 0
    header = json.loads((out / "run.json").read_text(encoding="utf-8"))
    changed = {i for r in header["reidentified"] for i in r["changed"]}
    assert changed == {"th-ling-0001", "vi-know-0000"}
    assert main(["score", str(out), "--quiet"]) == 0  # the data as it is now is the run's data from now on


def test_judge_refuses_changed_items_before_sending_anything(tmp_path: Path, fault_tasks: Path,
                                                             monkeypatch: pytest.MonkeyPatch, capsys):
    data = write_dataset(tmp_path / "data", langs=("th", "vi"))
    out = tmp_path / "run"
    assert _run(out, data, fault_tasks) == 0
    _edit_reference(data, "th-ling-0000")
    monkeypatch.setenv("FAKE_KEY", "k")
    with FakeOpenAI(responder=judge_responder(score=4), models=("judge-m",)) as srv:
        args = ["judge", str(out), "--judge", "judge-m", "--judge-base-url", srv.base_url, "--api-key-env",
                "FAKE_KEY", "--quiet"]
        assert main(args) == 2
        assert srv.n_chat == 0 and "th-ling-0000" in capsys.readouterr().err
        assert main([*args, "--reidentify"]) == 0
        assert srv.n_chat > 0


def test_merge_refuses_shards_generated_before_and_after_a_data_edit(tmp_path: Path, fault_tasks: Path, capsys):
    data = write_dataset(tmp_path / "data", langs=("th", "vi"))
    shards = [tmp_path / f"s{i}" for i in range(2)]
    assert _run(shards[0], data, fault_tasks, "--shard", "0/2") == 0
    _edit_reference(data, "vi-know-0001")
    assert _run(shards[1], data, fault_tasks, "--shard", "1/2") == 0
    capsys.readouterr()
    assert main(["merge", *map(str, shards), "--output", str(tmp_path / "merged")]) == 2
    err = capsys.readouterr().err
    assert "data content" in err and not (tmp_path / "merged" / "run.json").exists()
    assert main(["merge", *map(str, shards), "--output", str(tmp_path / "merged"), "--no-item-check"]) == 2
    # both shards of one state of the data, the data edited since: refused too, then accepted on request
    assert _run(shards[0], data, fault_tasks, "--shard", "0/2", "--overwrite") == 0
    _edit_reference(data, "th-ling-0001")
    capsys.readouterr()
    assert main(["merge", *map(str, shards), "--output", str(tmp_path / "merged")]) == 2
    assert "th-ling-0001" in capsys.readouterr().err
    assert main(["merge", *map(str, shards), "--output", str(tmp_path / "merged"), "--reidentify"]) == 0
