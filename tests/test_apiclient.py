"""The shared OpenAI-compatible client against the fake server: retries, faults, probe, key hygiene."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from typing import Any

import pytest

from mella_bench.apiclient import (ApiError, ChatClient, EndpointConfig, backoff_delay, image_data_url,
                                   parse_retry_after, run_all, scrub)
from tests.conftest import png_bytes
from tests.fake_openai import Call, Fault, FakeOpenAI, Reply, echo_responder

KEY = "sk-test-DO-NOT-LEAK-7f3a9c1e5b"
USER = [{"role": "user", "content": "hello"}]


def config(srv: FakeOpenAI, **kw: Any) -> EndpointConfig:
    base = dict(base_url=srv.base_url, model=srv.model, api_key_env="MELLA_TEST_KEY", timeout_s=2.0,
                max_retries=3, backoff_base_s=0.001, backoff_max_s=0.01)
    base.update(kw)
    return EndpointConfig(**base)


class SleepLog:
    """Records requested backoff delays instead of sleeping them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, s: float) -> None:
        self.delays.append(s)
        await asyncio.sleep(0)


def chat(cfg: EndpointConfig, sleep: SleepLog | None = None, messages: list[dict] = USER, **kw: Any):
    async def go():
        async with ChatClient(cfg, **({"sleep": sleep} if sleep else {})) as c:
            return await c.chat(messages, max_tokens=8, **kw), c.stats
    return asyncio.run(go())


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MELLA_TEST_KEY", KEY)


def test_chat_ok_sends_key_and_temperature_zero() -> None:
    with FakeOpenAI() as srv:
        reply, stats = chat(config(srv))
        assert reply.text == "ECHO[0]: hello"
        assert (reply.prompt_tokens, reply.completion_tokens, reply.attempts) == (10, 5, 1)
        assert srv.auth_headers[-1] == f"Bearer {KEY}"
        assert srv.bodies[0]["temperature"] == 0.0 and srv.bodies[0]["max_tokens"] == 8
        assert stats.requests == 1 and stats.retries == 0


def test_429_retry_after_is_honoured_and_request_unchanged() -> None:
    def responder(call: Call):
        return Fault("429", retry_after=0.5) if call.attempt <= 2 else Reply("done")

    with FakeOpenAI(responder=responder) as srv:
        sleep = SleepLog()
        reply, stats = chat(config(srv), sleep, temperature=0.0)
        assert reply.text == "done" and reply.attempts == 3
        assert srv.n_chat == 3
        assert len(sleep.delays) == 2 and all(d >= 0.5 for d in sleep.delays)  # backoff alone is ≤ 0.01
        assert stats.errors == {"rate_limit": 2}
        # the retried request is byte-identical: no temperature escalation
        assert all(b == srv.bodies[0] for b in srv.bodies) and srv.bodies[-1]["temperature"] == 0.0


def test_retry_after_capped() -> None:
    with FakeOpenAI(responder=lambda c: Fault("503", retry_after=999) if c.attempt == 1 else Reply("x")) as srv:
        sleep = SleepLog()
        chat(config(srv, max_retry_after_s=0.2), sleep)
        assert sleep.delays == [0.2]


@pytest.mark.parametrize("fault", [Fault("500"), Fault("slow", delay_s=1.0), Fault("drop")])
def test_persistent_fault_is_bounded(fault: Fault) -> None:
    with FakeOpenAI(responder=lambda c: fault) as srv:
        with pytest.raises(ApiError) as ei:
            chat(config(srv, timeout_s=0.3, max_retries=2))
        assert srv.n_chat == 3  # 1 try + 2 retries, never more
        assert ei.value.attempts == 3
        assert ei.value.kind == {"500": "server", "slow": "timeout", "drop": "connection"}[fault.kind]


@pytest.mark.parametrize("kind", ["500", "malformed", "drop", "slow"])
def test_transient_fault_recovers(kind: str) -> None:
    fault = Fault(kind, delay_s=1.0)  # type: ignore[arg-type]
    with FakeOpenAI(responder=lambda c: fault if c.attempt == 1 else echo_responder(c)) as srv:
        reply, stats = chat(config(srv, timeout_s=0.3))
        assert reply.text == "ECHO[0]: hello" and reply.attempts == 2
        assert srv.n_chat == 2 and stats.retries == 1


def test_bad_request_is_not_retried() -> None:
    with FakeOpenAI(responder=lambda c: Fault("400", message="bad field")) as srv:
        with pytest.raises(ApiError) as ei:
            chat(config(srv))
        assert ei.value.kind == "bad_request" and ei.value.status == 400 and "bad field" in str(ei.value)
        assert srv.n_chat == 1


def test_wrong_key_error_never_shows_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("MELLA_TEST_KEY", "sk-wrong-0000000000000000")
    with FakeOpenAI(api_key=KEY) as srv:  # the fake echoes the bad key back in its 401 message
        with pytest.raises(ApiError) as ei:
            asyncio.run(_probe(config(srv)))
        text = str(ei.value) + repr(ei.value) + ei.value.message
        assert ei.value.kind == "auth" and "$MELLA_TEST_KEY" in text
        assert "sk-wrong" not in text and KEY not in text
        assert ei.value.__cause__ is None and ei.value.__suppress_context__
        assert srv.n_chat == 0


async def _probe(cfg: EndpointConfig) -> ChatClient:
    async with ChatClient(cfg) as c:
        await c.probe()
        return c


def test_probe_ok_wrong_model_wrong_url() -> None:
    with FakeOpenAI(api_key=KEY, models=("judge-a", "judge-b")) as srv:
        c = asyncio.run(_probe(config(srv)))
        assert KEY not in repr(c) and KEY not in repr(c.config)
        with pytest.raises(ApiError, match="'nope' is not served.*judge-a, judge-b"):
            asyncio.run(_probe(config(srv, model="nope")))
        assert srv.n_chat == 0
    with pytest.raises(ApiError, match="cannot reach") as ei:
        asyncio.run(_probe(EndpointConfig("http://127.0.0.1:9/v1", "m", api_key_env="MELLA_TEST_KEY",
                                          max_retries=1, backoff_base_s=0.001)))
    assert ei.value.kind == "connection"


def test_probe_falls_back_to_chat_without_models_route() -> None:
    with FakeOpenAI(serve_models=False) as srv:
        asyncio.run(_probe(config(srv)))
        assert srv.n_chat == 1 and srv.bodies[0]["max_tokens"] == 1


def test_concurrency_bound_and_run_all_order() -> None:
    with FakeOpenAI(latency_s=0.05) as srv:
        async def go() -> list[str]:
            async with ChatClient(config(srv, concurrency=4)) as c:
                factories = [lambda i=i: c.chat([{"role": "user", "content": f"m{i}"}], max_tokens=4)
                             for i in range(20)]
                done: list[int] = []
                replies = await run_all(factories, concurrency=50, progress=done.append)
                assert sum(done) == 20
                return [r.text for r in replies]
        texts = asyncio.run(go())
        assert texts == [f"ECHO[0]: m{i}" for i in range(20)]
        assert 1 < srv.max_in_flight <= 4


def test_image_message_reaches_server() -> None:
    with FakeOpenAI() as srv:
        msg = [{"role": "user", "content": [{"type": "text", "text": "what"},
                                            {"type": "image_url", "image_url": {"url": image_data_url(png_bytes())}}]}]
        reply, _ = chat(config(srv), messages=msg)
        assert reply.text == "ECHO[1]: what"


def test_image_data_url_sniffs_mime() -> None:
    assert image_data_url(png_bytes()).startswith("data:image/png;base64,iVBOR")
    assert image_data_url(b"\xff\xd8\xff\xe0rest").startswith("data:image/jpeg;base64,")
    assert image_data_url(b"GIF89a...").startswith("data:image/gif;")
    assert image_data_url(b"RIFF\0\0\0\0WEBPVP8 ").startswith("data:image/webp;")
    with pytest.raises(ValueError, match="not PNG"):
        image_data_url(b"%PDF-1.4")


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = time.time()
    date = email.utils.formatdate(now + 10, usegmt=True)
    assert 8.0 <= parse_retry_after(date, now=now) <= 10.0


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(0)
    for attempt, (lo, hi) in enumerate([(0.5, 1), (1, 2), (2, 4), (4, 8), (5, 10), (5, 10)]):
        d = backoff_delay(attempt, 1.0, 10.0, rng)
        assert lo <= d <= hi


def test_scrub() -> None:
    assert scrub(f"bad key {KEY}!", [KEY]) == "bad key <redacted>!"
    assert "sk-other" not in scrub("Incorrect API key provided: sk-other123456789")
    assert scrub("Authorization: Bearer abc.def") == "Authorization: <redacted>"


def test_probe_of_unreachable_url_gives_up_after_one_retry() -> None:
    """A wrong URL must fail fast, whatever the retry budget of real requests."""
    sleep = SleepLog()

    async def go() -> None:
        async with ChatClient(EndpointConfig("http://127.0.0.1:9/v1", "m", api_key_env="MELLA_TEST_KEY",
                                             max_retries=5), sleep=sleep) as c:
            await c.probe()

    with pytest.raises(ApiError, match="cannot reach") as ei:
        asyncio.run(go())
    assert ei.value.attempts == 2 and len(sleep.delays) == 1


@pytest.mark.parametrize("url", ["notaurl", "127.0.0.1:8000/v1", "ftp://host/v1"])
def test_endpoint_url_needs_a_scheme(url: str) -> None:
    with pytest.raises(ValueError, match="must start with http:// or https://"):
        EndpointConfig(url, "m")


def test_high_concurrency_spreads_over_pools_yet_keeps_the_limit() -> None:
    """Concurrency 40 uses three SDK clients (at most 16 connections each) and still never exceeds 40."""
    from mella_bench.apiclient import CONNECTIONS_PER_POOL

    assert CONNECTIONS_PER_POOL == 16
    with FakeOpenAI(latency_s=0.05) as srv:
        async def go():
            async with ChatClient(config(srv, concurrency=40)) as c:
                msgs = [[{"role": "user", "content": f"m{i}"}] for i in range(120)]
                replies = await asyncio.gather(*(c.chat(m, max_tokens=4) for m in msgs))
                return replies, c.stats
        replies, stats = asyncio.run(go())
        assert sorted(r.text.split(": ", 1)[1] for r in replies) == sorted(f"m{i}" for i in range(120))
        assert stats.requests == 120 and srv.max_in_flight == 40
