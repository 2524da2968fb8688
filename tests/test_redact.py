"""Credentials in URLs never reach a file, a message or the server as Basic auth; the key goes as Bearer."""

from __future__ import annotations

from pathlib import Path

import pytest

from mella_bench.endpoint.apiclient import EndpointConfig
from mella_bench.cli import main
from mella_bench.redact import redact, redact_text, redact_url, strip_userinfo
from tests.conftest import write_dataset
from tests.support.fake_openai import FakeOpenAI

KEY = "sk-mella-redact-0123456789"
USER, PASSWORD, QSECRET = "alice", "hunter2-url-password", "qs-secret-987654"


def test_redact_url_removes_userinfo_and_masks_query_secrets():
    url = f"https://{USER}:{PASSWORD}@api.example.org:8443/v1?api-version=2024-06-01&api_key={QSECRET}&sig=abc"
    out = redact_url(url)
    assert PASSWORD not in out and USER not in out and QSECRET not in out and "sig=abc" not in out
    assert out.startswith("https://api.example.org:8443/v1?") and "api-version=2024-06-01" in out
    assert strip_userinfo(url).startswith("https://api.example.org:8443/v1?api-version")
    assert redact_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_redact_text_and_config_cover_urls_anywhere():
    msg = f"cannot reach http://{USER}:{PASSWORD}@h:1/v1 (refused); Bearer {KEY}"
    assert PASSWORD not in redact_text(msg) and KEY not in redact_text(msg)
    cfg = redact({"base_url": f"http://u:{PASSWORD}@h/v1", "api_key": "x", "api_key_env": "OPENAI_API_KEY",
                  "argv": ["--base-url", f"http://u:{PASSWORD}@h/v1?token={QSECRET}"]})
    text = repr(cfg)
    assert PASSWORD not in text and QSECRET not in text and cfg["api_key_env"] == "OPENAI_API_KEY"
    ep = EndpointConfig(base_url=f"http://u:{PASSWORD}@h/v1", model="m")
    assert PASSWORD not in repr(ep.describe()) and PASSWORD not in ep.public_url


def test_run_and_judge_urls_with_credentials_leak_nowhere_and_the_key_goes_as_bearer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    data = write_dataset(tmp_path / "data", langs=("vi",), per_axis=1)
    monkeypatch.setenv("MB_KEY", KEY)
    with FakeOpenAI(api_key=KEY, models=("served-vlm",)) as srv:
        url = srv.base_url.replace("http://", f"http://{USER}:{PASSWORD}@") + f"?token={QSECRET}"
        out = tmp_path / "run"
        code = main(["run", "--model", "served-vlm", "--backend", "openai", "--base-url", url, "--api-key-env",
                     "MB_KEY", "--langs", "vi", "--data", str(data), "--output", str(out), "--quiet"])
        assert code == 0
        assert srv.auth_headers and set(srv.auth_headers) == {f"Bearer {KEY}"}  # never Basic user:password
        # an unreachable judge URL with credentials: the message names the host, not the password
        assert main(["judge", str(out), "--judge", "j", "--judge-base-url",
                     f"http://{USER}:{PASSWORD}@127.0.0.1:9/v1?api_key={QSECRET}", "--api-key-env", "MB_KEY",
                     "--judge-retries", "0", "--judge-timeout", "2", "--quiet"]) == 3
    cap = capsys.readouterr()
    assert "127.0.0.1:9" in cap.err
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in {".json", ".jsonl"}]
    assert any(p.name == "run.json" for p in files)
    for secret in (PASSWORD, QSECRET, KEY):
        assert secret not in cap.out + cap.err
        for p in files:
            assert secret not in p.read_text(encoding="utf-8"), p


def test_run_with_judge_url_credentials_stores_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from tests.support.fake_openai import judge_responder

    data = write_dataset(tmp_path / "data", langs=("vi",), per_axis=1)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    out = tmp_path / "run"
    with FakeOpenAI(responder=judge_responder(4), api_key=KEY) as srv:
        url = srv.base_url.replace("http://", f"http://{USER}:{PASSWORD}@") + f"?api_key={QSECRET}"
        assert main(["run", "--model", "reference:thick", "--langs", "vi", "--data", str(data), "--output", str(out),
                     "--quiet", "--judge", srv.model, "--judge-base-url", url]) == 0
        assert srv.auth_headers and set(srv.auth_headers) == {f"Bearer {KEY}"}
    run = (out / "run.json").read_text(encoding="utf-8")
    assert '"judge"' in run and "127.0.0.1" in run
    for p in out.iterdir():
        if p.is_file():
            text = p.read_text(encoding="utf-8", errors="replace")
            assert PASSWORD not in text and QSECRET not in text and KEY not in text, p.name


def test_endpoint_config_repr_hides_url_credentials():
    ep = EndpointConfig(base_url=f"http://{USER}:{PASSWORD}@h/v1?api_key={QSECRET}", model="m")
    assert PASSWORD not in repr(ep) and QSECRET not in repr(ep)
