"""A kill or a full disk in the middle of an append leaves a torn last line; in Thai or Korean text the
tear can fall inside a multi-byte UTF-8 character. Resume, score and judge must read past it (it is cut
by bytes, before decoding), never fail until someone truncates the file by hand."""

from __future__ import annotations

import json
from pathlib import Path

from mella_bench.cli import main
from tests.support.fake_openai import Call, FakeOpenAI, Reply, fill_schema, request_schema
from tests.faults.conftest import TASKS


def _tear_last_record(path: Path) -> bytes:
    """Replace the last record of a JSONL file by its first bytes, cut inside a multi-byte character
    (what a kill mid-write leaves); returns the torn bytes."""
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) > 2
    last = lines[-2]
    lead = next(i for i, b in enumerate(last) if b >= 0xE0)  # lead byte of a 3-byte (Thai) character
    torn = last[:lead + 2]  # 2 of its 3 bytes
    path.write_bytes(b"\n".join(lines[:-2]) + b"\n" + torn)
    try:
        torn.decode("utf-8")
    except UnicodeDecodeError:
        return torn
    raise AssertionError("the tear should end inside a multi-byte character")


def _thai_verdict(call: Call) -> Reply:
    """A schema-valid verdict whose text fields are Thai (so a judgment record holds multi-byte text)."""
    text = json.dumps(fill_schema(request_schema(call) or {}, 4), ensure_ascii=False)
    return Reply(text.replace("scripted evidence", "ภาษาไทยที่เป็นธรรมชาติ"))


def _run(out: Path, tasks: Path) -> int:
    return main(["run", "--model", "reference:thick", "--include-path", str(tasks), "--tasks", TASKS,
                 "--output", str(out), "--quiet"])


def test_resume_after_a_tear_inside_a_thai_character_redoes_only_the_torn_item(tmp_path: Path, fault_tasks: Path,
                                                                               capsys):
    out = tmp_path / "run"
    assert _run(out, fault_tasks) == 0
    preds = out / "predictions.jsonl"
    n = len(preds.read_bytes().splitlines())
    _tear_last_record(preds)
    assert _run(out, fault_tasks) == 0  # resumes: the torn record is cut, its item answered again
    assert "11 reused" in capsys.readouterr().err
    records = [json.loads(line) for line in preds.read_text(encoding="utf-8").splitlines()]
    assert len(records) == n and len({r["key"] for r in records}) == n  # nothing lost, nothing twice


def test_score_and_judge_read_past_a_torn_multibyte_tail(tmp_path: Path, fault_tasks: Path, monkeypatch):
    out = tmp_path / "run"
    assert _run(out, fault_tasks) == 0
    before = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    _tear_last_record(out / "predictions.jsonl")
    assert main(["score", str(out), "--quiet"]) == 0
    after = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    items = [sum(t["n_items"] for t in s["tasks"].values()) for s in (before, after)]
    assert items[1] == items[0] - 1  # the torn answer is not an answer
    monkeypatch.setenv("FAKE_KEY", "k")
    with FakeOpenAI(responder=_thai_verdict, models=("judge-m",)) as srv:
        args = ["judge", str(out), "--judge", "judge-m", "--judge-base-url", srv.base_url, "--api-key-env",
                "FAKE_KEY", "--quiet", "--rubrics", "linguistic_fluency"]
        assert main(args) == 0
        _tear_last_record(out / "judgments.jsonl")  # the judge's own cache torn the same way
        assert main(args) == 0
