"""Judging a run directory against the fake server: every fault, caching, rubric changes, score rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mella_bench.endpoint.apiclient import ApiError, EndpointConfig
from mella_bench.judge import JudgeConfig, judge_run, judge_score_rows, judge_summary
from mella_bench.judge import rubric as rubric_mod
from mella_bench.store import read_jsonl
from tests.support.fake_openai import Call, FakeOpenAI, Fault, Reply, judge_responder
from tests.judge.conftest import KEY, KEY_ENV, make_run, set_prediction_text


def jconfig(srv: FakeOpenAI, **kw) -> JudgeConfig:
    ep = dict(base_url=srv.base_url, model=srv.model, api_key_env=KEY_ENV, timeout_s=0.4, max_retries=2,
              backoff_base_s=0.001, backoff_max_s=0.01, concurrency=8)
    images = kw.pop("images", True)
    structured = kw.pop("structured", "auto")
    ep.update(kw)
    return JudgeConfig(endpoint=EndpointConfig(**ep), images=images, structured=structured)


def scripted(call: Call):
    """Per-item behaviour from a marker in the candidate text."""
    m = re.search(r"MARK=(\w+)", call.text)
    mark = m.group(1) if m else ""
    if mark == "score5":
        return 5
    if mark == "r429":
        return Fault("429", retry_after=0.01) if call.attempt == 1 else 4
    if mark == "e500":
        return Fault("500")
    if mark == "slow":
        return Fault("slow", delay_s=0.8)
    if mark == "malformed":
        return Fault("malformed") if call.attempt == 1 else 4
    if mark == "drop":
        return Fault("drop")
    if mark == "outofrange":
        return 9
    if mark == "garbled":
        return Reply("The score is 4.")
    return 3


MARKS = {  # item → (mark, expected status per judgment, requests per judgment with max_retries=2)
    "th-know-0000": ("score5", "ok", 1),
    "th-know-0001": ("r429", "ok", 2),
    "th-know-0002": ("e500", "api_error", 3),
    "ko-know-0000": ("slow", "api_error", 3),
    "ko-know-0001": ("malformed", "ok", 2),
    "ko-know-0002": ("drop", "api_error", 3),
    "th-ling-0000": ("outofrange", "invalid_score", 1),
    "th-ling-0001": ("garbled", "parse_error", 1),
    "th-ling-0002": ("plain", "ok", 1),
}


@pytest.fixture
def fault_run(tmp_path: Path) -> Path:
    run = make_run(tmp_path, per_axis=3)
    for item, (mark, _, _) in MARKS.items():
        set_prediction_text(run, item, f"description MARK={mark}")
    set_prediction_text(run, "ko-ling-0000", None, status="error")  # a failed prediction is never judged
    return run


def test_every_fault_ends_judged_or_recorded(fault_run: Path) -> None:
    with FakeOpenAI(responder=judge_responder(scripted)) as srv:
        result = judge_run(fault_run, jconfig(srv), progress=False)
        expected_requests = 2 * sum(n for _, _, n in MARKS.values()) + 2 * 2 * 1  # + ko-ling-0001/0002 plain
        assert srv.n_chat == expected_requests  # retries are bounded: at most 1 + max_retries per judgment
    recs = {(r["item_id"], r["rubric"]): r for r in read_jsonl(fault_run / "judgments.jsonl")}
    assert len(recs) == 2 * (len(MARKS) + 2)  # every ok prediction × its 2 rubrics, nothing for the failed one
    for item, (_, status, _) in MARKS.items():
        for (iid, rub), rec in recs.items():
            if iid == item:
                assert rec["status"] == status, (item, rub, rec)
                assert (rec["score"] is None) == (status != "ok")
                if status != "ok":
                    assert rec["reason"]
    assert "timeout" in recs[("ko-know-0000", "cultural_depth")]["reason"]
    assert "server" in recs[("th-know-0002", "cultural_depth")]["reason"]
    assert "9" in recs[("th-ling-0000", "linguistic_fluency")]["reason"]
    assert recs[("th-know-0000", "cultural_depth")]["score"] == 5
    assert result.counts.failed == 2 * 5 and result.counts.ok == 2 * 6

    rows = judge_score_rows(fault_run)
    assert all(set(r) == {"task", "item_id", "lang", "axis", "metric", "status", "value", "stats", "reason"}
               for r in rows)
    failed_pred = [r for r in rows if r["item_id"] == "ko-ling-0000"]
    assert len(failed_pred) == 2 and all(r["reason"] == "prediction failed" and r["value"] is None
                                         for r in failed_pred)
    summ = judge_summary(fault_run)
    cd_th = summ["mella_th_know"]["judge:cultural_depth"]
    assert cd_th["value"] == pytest.approx((5 + 4) / 2)  # the 500 is excluded, not counted as 0
    assert (cd_th["n"], cd_th["n_failed"]) == (2, 1) and cd_th["failure_rate"] == pytest.approx(1 / 3)
    assert "failure_rate:0.3333" in cd_th["signature"]
    assert f"rubric:cultural_depth|rubric_version:1|rubric_hash:{rubric_mod.get_rubric('cultural_depth').hash}" in cd_th["signature"]
    lf_th = summ["mella_th_ling"]["judge:linguistic_fluency"]
    assert lf_th["value"] == 3.0 and lf_th["n_failed"] == 2
    ko_ling = summ["mella_ko_ling"]["judge:linguistic_fluency"]
    assert (ko_ling["n"], ko_ling["n_failed"]) == (2, 1)


def test_rerun_resends_only_failures(fault_run: Path) -> None:
    with FakeOpenAI(responder=judge_responder(scripted)) as srv:
        judge_run(fault_run, jconfig(srv), progress=False)
        srv.reset_counts()
        second = judge_run(fault_run, jconfig(srv), progress=False)
        failed_judgments = 2 * sum(1 for _, s, _ in MARKS.values() if s != "ok")
        assert second.counts.reused == 2 * (len(MARKS) + 2) - failed_judgments and second.counts.sent == failed_judgments


def test_second_identical_run_sends_zero_requests(run_dir: Path) -> None:
    with FakeOpenAI(responder=judge_responder(4)) as srv:
        first = judge_run(run_dir, jconfig(srv), progress=False)
        assert first.counts.sent == 16 and srv.n_chat == 16
        srv.reset_counts()
        second = judge_run(run_dir, jconfig(srv), progress=False)
        assert srv.n_chat == 0 and srv.counts["models"] == 0  # not even the probe
        assert second.counts.reused == 16 and second.summary == first.summary


def test_identical_answers_share_one_verdict_and_none_reads_as_failed(run_dir: Path) -> None:
    """Items with the same judge input are judged once; each still gets its score row (no false failures)."""
    with FakeOpenAI(responder=judge_responder(4)) as srv:
        result = judge_run(run_dir, jconfig(srv, images=False), progress=False)
        assert srv.n_chat == 8 and result.counts.ok == 16  # the fixture's items repeat their text per language
    entry = result.summary["mella_th_know"]["judge:cultural_depth"]
    assert (entry["n"], entry["n_failed"]) == (2, 0)
    assert all(r["status"] == "ok" for r in judge_score_rows(run_dir))


def test_rekeyed_predictions_reuse_verdicts_and_are_scored(run_dir: Path) -> None:
    """A prediction whose key changed (e.g. a new generation setting) but whose content did not reuses the
    cached verdict, and the score rows find it under the new key."""
    import json

    with FakeOpenAI(responder=judge_responder(4)) as srv:
        judge_run(run_dir, jconfig(srv), progress=False)
        path = run_dir / "predictions.jsonl"
        recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        path.write_text("".join(json.dumps({**r, "key": "new-" + r["key"]}, ensure_ascii=False) + "\n"
                                for r in recs), encoding="utf-8")
        srv.reset_counts()
        second = judge_run(run_dir, jconfig(srv), progress=False)
        assert srv.n_chat == 0 and second.counts.reused == 16
        lines = len((run_dir / "judgments.jsonl").read_text().splitlines())
        judge_run(run_dir, jconfig(srv), progress=False)  # a third run adds nothing to the file
        assert len((run_dir / "judgments.jsonl").read_text().splitlines()) == lines
    rows = judge_score_rows(run_dir)
    assert len(rows) == 16 and all(r["status"] == "ok" and r["value"] == 4.0 for r in rows)


def test_changed_rubric_rejudges(run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    with FakeOpenAI(responder=judge_responder(4)) as srv:
        judge_run(run_dir, jconfig(srv), progress=False)
        folder = tmp_path / "judges"
        shutil.copytree(rubric_mod.JUDGES_DIR, folder)
        p = folder / "visual_faithfulness.yaml"
        p.write_text(p.read_text(encoding="utf-8").replace("Mostly hallucinated.", "Largely invented."), encoding="utf-8")
        monkeypatch.setattr(rubric_mod, "JUDGES_DIR", folder)
        rubric_mod.get_rubric.cache_clear()
        try:
            srv.reset_counts()
            res = judge_run(run_dir, jconfig(srv), progress=False)
            assert srv.n_chat == 8 and res.counts.reused == 8  # only visual_faithfulness changed
            rows = judge_score_rows(run_dir)
            assert len(rows) == 16 and all(r["status"] == "ok" for r in rows)
        finally:
            rubric_mod.get_rubric.cache_clear()


def test_other_judge_model_is_not_reused(run_dir: Path) -> None:
    with FakeOpenAI(responder=judge_responder(4), models=("judge-a", "judge-b")) as srv:
        judge_run(run_dir, jconfig(srv, model="judge-a"), progress=False)
        srv.reset_counts()
        judge_run(run_dir, jconfig(srv, model="judge-b"), progress=False)
        assert srv.n_chat == 16
        assert {r["judge_model"] for r in read_jsonl(run_dir / "judgments.jsonl")} == {"judge-a", "judge-b"}


def test_images_flag(run_dir: Path) -> None:
    with FakeOpenAI(responder=judge_responder(4)) as srv:
        judge_run(run_dir, jconfig(srv, images=False), progress=False)
        assert all(not any(p["type"] == "image_url" for p in b["messages"][1]["content"]) for b in srv.bodies)
        assert "cannot see the image" in srv.bodies[0]["messages"][1]["content"][0]["text"]
        srv.reset_counts()
        judge_run(run_dir, jconfig(srv, images=True), progress=False)
        assert srv.n_chat == 16  # images on is a different judgment
        parts = srv.bodies[0]["messages"][1]["content"]
        assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
        assert all(b["temperature"] == 0.0 for b in srv.bodies)


def test_structured_output_fallback(run_dir: Path) -> None:
    with FakeOpenAI(responder=judge_responder(4), json_schema_supported=False) as srv:
        res = judge_run(run_dir, jconfig(srv, concurrency=1), progress=False)
        refused = [b for b in srv.bodies if "response_format" in b]  # at most the requests already in flight
        assert res.counts.ok == 16 and 1 <= len(refused) <= 2 and srv.n_chat == 16 + len(refused)
        recs = list(read_jsonl(run_dir / "judgments.jsonl"))
        assert {r["output_mode"] for r in recs} == {"prompt"}
    with FakeOpenAI(responder=judge_responder(4)) as srv:
        judge_run(run_dir, jconfig(srv, images=False), progress=False)
        assert all(b["response_format"]["type"] == "json_schema" for b in srv.bodies)


def test_probe_fails_fast_before_judging(run_dir: Path) -> None:
    with FakeOpenAI(responder=judge_responder(4)) as srv:
        with pytest.raises(ApiError, match="not served"):
            judge_run(run_dir, jconfig(srv, model="gpt-wrong"), progress=False)
        assert srv.n_chat == 0
    assert not (run_dir / "judgments.jsonl").exists() or not list(read_jsonl(run_dir / "judgments.jsonl"))


def test_unjudged_run_has_no_rows(run_dir: Path) -> None:
    assert judge_score_rows(run_dir) == [] and judge_summary(run_dir) == {}


def test_key_never_written(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    def echo_key_once(call: Call):  # a server that echoes the credentials it got in an error message
        return Fault("400", message=f"bad request (auth: Bearer {KEY})") if call.index == 0 else 4

    with FakeOpenAI(responder=judge_responder(echo_key_once), api_key=KEY) as srv:
        res = judge_run(run_dir, jconfig(srv), progress=True)
        assert srv.auth_headers and all(h == f"Bearer {KEY}" for h in srv.auth_headers)  # the key was sent
    assert res.counts.failed == 1
    failed = [r for r in read_jsonl(run_dir / "judgments.jsonl") if r["status"] != "ok"]
    assert "<redacted>" in failed[0]["reason"]
    out = capsys.readouterr()
    assert KEY not in out.out + out.err
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"run.json", "predictions.jsonl", "judgments.jsonl"}
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
