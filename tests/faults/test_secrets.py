"""Secrets never reach a file or a stream: a URL password holding a quote, `<` or a space, an Azure-style
`?code=` query secret and the API key are searched for in every file a run, its judge and its report
write, and in everything they print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mella_bench.cli import main
from mella_bench.redact import redact, redact_text
from tests.support.fake_openai import FakeOpenAI, judge_responder
from tests.faults.conftest import TASKS

KEY = "sk-faultpass-Vb8Xq2Rt6Yw1"
PASSWORD = "Qx7Kp9q'Wm2Zr5t\"Lt8Nv3w<Hy6Jc4 Pd5Fg7"
CODE = "AzFn0Code9Kq4Lm7Np2"
FRAGMENTS = (PASSWORD, CODE, KEY, *[p for p in re.split(r"['\"< ]", PASSWORD)])
"""The password's pieces between its special characters, each distinctive (6 characters, mixed case)."""


def _leaks(text: str) -> list[str]:
    return [f for f in FRAGMENTS if f in text]


def test_url_passwords_with_quotes_lt_or_spaces_and_code_queries_are_redacted():
    for password in ("ab'cdEF12", 'ab"cdEF12', "ab<cdEF12", "ab cdEF12"):
        url = f"http://alice:{password}@127.0.0.1:8000/v1?api-version=1&code={CODE}"
        for stored in (redact_text(url), repr(redact({"base_url": url, "argv": ["--base-url", url]}))):
            assert "cdEF12" not in stored and CODE not in stored and "alice" not in stored, stored
            assert "127.0.0.1:8000/v1" in stored and "api-version=1" in stored


def test_no_secret_in_any_file_or_stream_of_a_run_its_judge_and_its_report(
        tmp_path: Path, fault_tasks: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("FAULT_KEY", KEY)
    out, report = tmp_path / "run", tmp_path / "report"
    streams = []
    with FakeOpenAI(responder=judge_responder(4), api_key=KEY, models=("served", "judge-m", "judge-n")) as srv:
        url = srv.base_url.replace("http://", f"http://alice:{PASSWORD}@") + f"?code={CODE}"
        assert main(["run", "--model", "served", "--backend", "openai", "--base-url", url, "--api-key-env",
                     "FAULT_KEY", "--include-path", str(fault_tasks), "--tasks", TASKS, "--output", str(out),
                     "--quiet", "--max-failure-rate", "1", "--judge", "judge-m", "--judge-base-url", url,
                     "--judge-api-key-env", "FAULT_KEY"]) == 0
        assert set(srv.auth_headers) == {f"Bearer {KEY}"}  # the key went as Bearer, the password nowhere
        assert all(CODE in p for p in srv.paths if "chat" in p)  # the query secret is sent, as given
        streams.append(capsys.readouterr())
        # a failing endpoint (wrong key): the server echoes what it got; the message must not
        monkeypatch.setenv("WRONG_KEY", "sk-wrong-" + KEY[-12:])
        assert main(["judge", str(out), "--judge", "judge-n", "--judge-base-url", url, "--api-key-env", "WRONG_KEY",
                     "--judge-retries", "0", "--quiet"]) == 3
        streams.append(capsys.readouterr())
    assert main(["report", str(out), "--out", str(report), "--no-plots"]) == 0
    assert main(["show", str(out), "th-ling-0001", "--json"]) == 0
    streams.append(capsys.readouterr())
    files = [p for root in (out, report) for p in root.rglob("*") if p.is_file()]
    assert {"run.json", "predictions.jsonl", "judgments.jsonl", "scores.jsonl", "summary.json", "scores.md",
            "index.html"} <= {p.name for p in files}
    for p in files:
        assert not _leaks(p.read_bytes().decode("utf-8", errors="replace")), p
    for cap in streams:
        assert not _leaks(cap.out + cap.err)
