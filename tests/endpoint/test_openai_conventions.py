"""OpenAI conventions on every OpenAI-compatible path (issue 23): OPENAI_BASE_URL and OPENAI_API_KEY
for `run --backend openai` as for the judge; Azure OpenAI key auth (`api-key: KEY` instead of
`Authorization: Bearer`, `api-version` kept from the base URL); the key in no file, log or message."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from mella_bench.endpoint.apiclient import EndpointConfig, default_base_url
from mella_bench.cli import main
from mella_bench.redact import redact
from tests.conftest import write_dataset
from tests.support.fake_openai import FakeOpenAI, judge_responder

KEY = "sk-conventions-6f2a9d41c8e7b305"
AZURE_KEY = "3f9c2b7e5a1d4c8e9b0a6f7d2c1e4b5a"  # Azure keys are 32 hex digits, not sk-shaped: only the exact value masks them
DEPLOYMENT = "/openai/deployments/gpt-4o-mini"


def leaks(root: Path, streams: str, secret: str) -> list[str]:
    """Every written file (any type, read as bytes) and the captured output or logs that contain `secret`."""
    found = [str(p) for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    return found + (["stdout/stderr/logs"] if secret in streams else [])


def test_run_backend_openai_and_judge_use_OPENAI_BASE_URL_and_OPENAI_API_KEY(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`run --backend openai` ignored OPENAI_BASE_URL (it called api.openai.com) while the judge honoured it."""
    data = write_dataset(tmp_path / "data", langs=("vi",), per_axis=1)
    out = tmp_path / "run"
    with FakeOpenAI(responder=judge_responder(4), api_key=KEY, models=("served-vlm",)) as srv:
        base_url = srv.base_url
        monkeypatch.setenv("OPENAI_BASE_URL", base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        assert main(["run", "--model", "served-vlm", "--backend", "openai", "--langs", "vi", "--data", str(data),
                     "--output", str(out), "--quiet"]) == 0
        generated = srv.n_chat
        assert main(["judge", str(out), "--judge", "served-vlm", "--quiet"]) == 0
        assert generated >= 2 and srv.n_chat > generated  # both paths reached the server the variable names
        assert set(srv.auth_headers) == {f"Bearer {KEY}"}
    fingerprint = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert base_url in json.dumps(fingerprint)
    cap = capsys.readouterr()
    assert leaks(tmp_path, cap.out + cap.err, KEY) == []


def test_azure_key_auth_sends_api_key_keeps_api_version_and_the_key_leaks_nowhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Azure OpenAI key auth needs `api-key: KEY`; only `Authorization: Bearer` was ever sent."""
    caplog.set_level(logging.DEBUG)  # every log record of every library, aiohttp's included
    data = write_dataset(tmp_path / "data", langs=("vi",), per_axis=1)
    out = tmp_path / "run"
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with FakeOpenAI(responder=judge_responder(4), api_key=AZURE_KEY, key_header="api-key", prefix=DEPLOYMENT,
                    models=("gpt-4o-mini",), serve_models=False) as srv:
        url = srv.base_url + "?api-version=2024-06-01"
        assert main(["run", "--model", "gpt-4o-mini", "--backend", "openai", "--base-url", url,
                     "--api-key-env", "AZURE_OPENAI_API_KEY", "--api-key-header", "api-key", "--langs", "vi",
                     "--data", str(data), "--output", str(out), "--quiet"]) == 0
        assert main(["judge", str(out), "--judge", "gpt-4o-mini", "--judge-base-url", url,
                     "--api-key-env", "AZURE_OPENAI_API_KEY", "--api-key-header", "api-key", "--quiet"]) == 0
        assert srv.n_chat >= 3 and len(srv.request_headers) == len(srv.paths)
        assert all(h.get("api-key") == AZURE_KEY and "authorization" not in h for h in srv.request_headers)
        assert all(p.startswith(DEPLOYMENT) and p.endswith("?api-version=2024-06-01") for p in srv.paths)
        # the same endpoint with the default Bearer header: refused; the message names the variable, not the key
        assert main(["run", "--model", "gpt-4o-mini", "--backend", "openai", "--base-url", url, "--api-key-env",
                     "AZURE_OPENAI_API_KEY", "--retries", "0", "--langs", "vi", "--data", str(data),
                     "--output", str(tmp_path / "bearer"), "--quiet"]) == 2
    cap = capsys.readouterr()
    assert "rejected the key in $AZURE_OPENAI_API_KEY (sent as Authorization)" in cap.err
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert '"api_key_header": "api-key"' in json.dumps(run)  # a header's name is recorded, not masked
    assert leaks(tmp_path, cap.out + cap.err + caplog.text, AZURE_KEY) == []


@pytest.mark.parametrize("name", ["Host", "content-length", "Proxy-Authorization", "api key", "x:y", "a\r\nb", ""])
def test_key_header_must_be_a_header_name_the_client_does_not_set(name: str) -> None:
    with pytest.raises(ValueError, match="--api-key-header"):
        EndpointConfig("http://127.0.0.1:8000/v1", "m", api_key_header=name)


def test_key_header_is_recorded_only_where_it_is_not_bearer_and_is_not_masked() -> None:
    plain = EndpointConfig("http://127.0.0.1:8000/v1", "m")
    azure = EndpointConfig("http://127.0.0.1:8000/v1", "m", api_key_header="api-key")
    assert "api_key_header" not in plain.describe()  # unchanged judge signatures for the default
    assert azure.describe()["api_key_header"] == "api-key"
    assert redact(azure.describe())["api_key_header"] == "api-key"


def test_default_base_url_reads_OPENAI_BASE_URL() -> None:
    assert default_base_url({}) == "https://api.openai.com/v1"
    assert default_base_url({"OPENAI_BASE_URL": " http://127.0.0.1:8000/v1 "}) == "http://127.0.0.1:8000/v1"
    assert default_base_url({"OPENAI_BASE_URL": ""}) == "https://api.openai.com/v1"
