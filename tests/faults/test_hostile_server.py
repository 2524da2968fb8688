"""Hostile server replies: every shape `message.content` can take, non-finite numbers in usage counts
and in a judge's verdict. A reply without usable text is a recorded `bad_response` failure (never an
empty answer scored as if the model had said nothing); a list of parts is an answer (its text parts
joined); NaN or Infinity is recorded as absent and never stops a run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mella_bench.cli import main
from tests.support.fake_openai import Call, FakeOpenAI, RawReply, Reply, fill_schema, request_schema
from tests.faults.conftest import TASKS

SHAPES = [
    {"role": "assistant", "content": [{"type": "text", "text": "Phở bò "}, {"type": "image_url", "image_url": {}},
                                      {"type": "text", "text": "Hà Nội"}]},
    {"role": "assistant", "content": None},
    {"role": "assistant", "content": 42},
    {"role": "assistant", "content": ""},
    {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
    {"role": "assistant", "content": {"text": "an object, not text"}},
]
EXPECTED_FAILURES = {"message.content is null", "message.content is int", "message.content is empty",
                     "message.content is a list with no text part", "message.content is dict"}


def _run(out: Path, tasks: Path, url: str, *extra: str) -> int:
    return main(["run", "--model", "served", "--backend", "openai", "--base-url", url, "--api-key-env", "FAKE_KEY",
                 "--include-path", str(tasks), "--tasks", TASKS, "--output", str(out), "--quiet", "--retries", "0",
                 *extra])


def _preds(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]


def test_every_content_shape_is_an_answer_or_a_recorded_bad_response(tmp_path: Path, fault_tasks: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FAKE_KEY", "k")
    with FakeOpenAI(responder=lambda call: RawReply(SHAPES[call.index % len(SHAPES)]), models=("served",)) as srv:
        code = _run(tmp_path / "run", fault_tasks, srv.base_url, "--max-failure-rate", "1")
    assert code == 0
    preds = _preds(tmp_path / "run")
    ok = [p for p in preds if p["status"] == "ok"]
    failed = [p for p in preds if p["status"] != "ok"]
    assert len(preds) == 12 and len(ok) == 2 and len(failed) == 10  # 12 items, 6 shapes, one answerable
    assert {p["text"] for p in ok} == {"Phở bò Hà Nội"}  # the text parts joined, the image part left out
    assert all("bad_response" in p["error"] for p in failed) and all(p["text"] == "" for p in failed)
    assert {next(w for w in EXPECTED_FAILURES if w in p["error"]) for p in failed} == EXPECTED_FAILURES
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert sum(m["n_failed"] for t in summary["tasks"].values() for m in list(t["metrics"].values())[:1]) == 10


def test_nan_and_infinity_in_usage_are_recorded_absent_and_never_stop_a_run(tmp_path: Path, fault_tasks: Path,
                                                                            monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FAKE_KEY", "k")
    usage = [{"prompt_tokens": math.nan, "completion_tokens": 5}, {"prompt_tokens": 7, "completion_tokens": math.inf},
             {"prompt_tokens": -3, "completion_tokens": "12"}]
    reply = lambda call: RawReply({"role": "assistant", "content": "Một bát phở."}, usage[call.index % 3])  # noqa: E731
    with FakeOpenAI(responder=reply, models=("served",)) as srv:
        assert _run(tmp_path / "run", fault_tasks, srv.base_url) == 0
    preds = _preds(tmp_path / "run")
    assert len(preds) == 12 and all(p["status"] == "ok" and p["text"] == "Một bát phở." for p in preds)
    assert {p["prompt_tokens"] for p in preds} == {None, 7}  # NaN and a negative count: absent
    assert {p["completion_tokens"] for p in preds} == {None, 5}  # Infinity and a string: absent
    _strict_json_lines(tmp_path / "run" / "predictions.jsonl")


def test_a_judge_verdict_with_nan_fields_is_stored_not_fatal(tmp_path: Path, fault_tasks: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    assert main(["run", "--model", "reference:thick", "--include-path", str(fault_tasks), "--tasks", TASKS,
                 "--output", str(tmp_path / "run"), "--quiet"]) == 0

    def verdict(call: Call) -> Reply:
        text = json.dumps(fill_schema(request_schema(call) or {}, 4))
        return Reply(text[:-1] + ', "confidence": NaN, "weight": 1e999}')

    monkeypatch.setenv("FAKE_KEY", "k")
    with FakeOpenAI(responder=verdict, models=("judge-m",)) as srv:
        main(["judge", str(tmp_path / "run"), "--judge", "judge-m", "--judge-base-url", srv.base_url,
              "--api-key-env", "FAKE_KEY", "--quiet", "--judge-retries", "0", "--max-failure-rate", "1"])
    records = _strict_json_lines(tmp_path / "run" / "judgments.jsonl")
    assert len(records) == 12  # every verdict stored (parse_error: extra fields), none lost to a crash
    assert all(r["status"] in ("ok", "parse_error") for r in records)


def _strict_json_lines(path: Path) -> list[dict]:
    """Every line as strict JSON: a bare NaN or Infinity (not JSON) fails."""
    def refuse(word: str) -> None:
        raise AssertionError(f"{path} holds {word}, which is not JSON")
    return [json.loads(line, parse_constant=refuse) for line in path.read_text(encoding="utf-8").splitlines()]
