"""The shared OpenAI-compatible client against the fake server: retries, faults, probe, key hygiene."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import random
import ssl
import time
from pathlib import Path
from typing import Any

import pytest

from mella_bench.endpoint.apiclient import (ApiError, ChatClient, EndpointConfig, backoff_delay, image_data_url,
                                   parse_retry_after, run_all, scrub)
from tests.conftest import png_bytes
from tests.support.fake_openai import Call, Fault, FakeOpenAI, Reply, echo_responder
from tests.support.fake_proxy import FakeProxy

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


@pytest.mark.parametrize("fault", [Fault("500"), Fault("408"), Fault("slow", delay_s=1.0), Fault("drop"),
                                   Fault("truncate"), Fault("malformed")], ids=lambda f: f.kind)
def test_persistent_fault_is_bounded(fault: Fault) -> None:
    with FakeOpenAI(responder=lambda c: fault) as srv:
        with pytest.raises(ApiError) as ei:
            chat(config(srv, timeout_s=0.3, max_retries=2))
        assert srv.n_chat == 3  # 1 try + 2 retries, never more
        assert ei.value.attempts == 3
        assert ei.value.kind == {"500": "server", "408": "server", "slow": "timeout", "drop": "connection",
                                 "truncate": "connection", "malformed": "bad_response"}[fault.kind]


@pytest.mark.parametrize("kind", ["500", "malformed", "drop", "truncate", "slow"])
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


def test_high_concurrency_keeps_the_limit_and_reuses_connections() -> None:
    """Concurrency 40: never more than 40 in flight, and 120 requests ride on 40 kept-alive connections."""
    with FakeOpenAI(latency_s=0.05) as srv:
        async def go():
            async with ChatClient(config(srv, concurrency=40)) as c:
                msgs = [[{"role": "user", "content": f"m{i}"}] for i in range(120)]
                replies = await asyncio.gather(*(c.chat(m, max_tokens=4) for m in msgs))
                return replies, c.stats
        replies, stats = asyncio.run(go())
        assert sorted(r.text.split(": ", 1)[1] for r in replies) == sorted(f"m{i}" for i in range(120))
        assert stats.requests == 120 and srv.max_in_flight == 40
        assert stats.connections == srv.n_connections == 40


def test_sequential_requests_share_one_connection() -> None:
    with FakeOpenAI() as srv:
        async def go():
            async with ChatClient(config(srv)) as c:
                await c.probe()
                for i in range(10):
                    await c.chat([{"role": "user", "content": f"m{i}"}], max_tokens=4)
                return c.stats
        stats = asyncio.run(go())
        assert srv.n_chat == 10 and srv.n_connections == 1 and stats.connections == 1


@pytest.mark.parametrize("fault", ["drop", "truncate", "malformed"])
def test_a_broken_connection_is_replaced_not_reused(fault: str) -> None:
    with FakeOpenAI(responder=lambda c: Fault(fault) if "m1" in c.text and c.attempt == 1  # type: ignore[arg-type]
                    else echo_responder(c)) as srv:
        async def go():
            async with ChatClient(config(srv)) as c:
                return [(await c.chat([{"role": "user", "content": f"m{i}"}], max_tokens=4)).text for i in range(3)]
        assert asyncio.run(go()) == ["ECHO[0]: m0", "ECHO[0]: m1", "ECHO[0]: m2"]
        assert srv.n_chat == 4
        # drop/truncate end the connection; a malformed body is well framed, so its connection goes on
        assert srv.n_connections == (1 if fault == "malformed" else 2)


def test_chunked_replies() -> None:
    with FakeOpenAI(chunked=True, models=("fake-judge", "other")) as srv:
        async def go():
            async with ChatClient(config(srv)) as c:
                entry = await c.probe()
                return entry, await c.chat(USER, max_tokens=8)
        entry, reply = asyncio.run(go())
        assert entry == {"id": "fake-judge", "object": "model", "created": 0, "owned_by": "fake"}
        assert (reply.text, reply.prompt_tokens, reply.completion_tokens) == ("ECHO[0]: hello", 10, 5)
        assert srv.n_connections == 1


def test_query_parameters_go_with_every_request_and_userinfo_never() -> None:
    with FakeOpenAI() as srv:
        url = srv.base_url.replace("http://", "http://user:hunter2-pw@") + "?api-version=2024-06-01"
        async def go():
            async with ChatClient(config(srv, base_url=url)) as c:
                await c.probe()
                await c.chat(USER, max_tokens=8)
        asyncio.run(go())
        assert srv.paths == ["/v1/models?api-version=2024-06-01", "/v1/chat/completions?api-version=2024-06-01"]
        assert set(srv.auth_headers) == {f"Bearer {KEY}"}


def test_token_param_and_response_format_are_sent_as_given() -> None:
    rf = {"type": "json_schema", "json_schema": {"name": "v", "strict": True, "schema": {"type": "object"}}}
    with FakeOpenAI() as srv:
        chat(config(srv, token_param="max_completion_tokens"), response_format=rf, stop=["\n\n"])
        body = srv.bodies[0]
        assert body["max_completion_tokens"] == 8 and "max_tokens" not in body
        assert body["response_format"] == rf and body["stop"] == ["\n\n"] and body["messages"] == USER


def test_retry_after_ms_is_preferred() -> None:
    with FakeOpenAI(responder=lambda c: Fault("429", retry_after=30, retry_after_ms=250) if c.attempt == 1
                    else Reply("x")) as srv:
        sleep = SleepLog()
        chat(config(srv), sleep)
        assert len(sleep.delays) == 1 and 0.25 <= sleep.delays[0] < 1.0


@pytest.mark.parametrize("kind, expected", [("401", "auth"), ("403", "auth"), ("404", "not_found"),
                                            ("400", "bad_request")])
def test_client_errors_fail_at_once(kind: str, expected: str) -> None:
    with FakeOpenAI(responder=lambda c: Fault(kind, message=f"refused {kind}")) as srv:  # type: ignore[arg-type]
        with pytest.raises(ApiError) as ei:
            chat(config(srv))
        assert (ei.value.kind, ei.value.status, ei.value.attempts, srv.n_chat) == (expected, int(kind), 1, 1)
        assert f"refused {kind}" in ei.value.message


def test_redirect_is_not_followed_and_its_credentials_not_shown() -> None:
    target = "https://someone:pa55word-xyz@elsewhere.example/v1/chat/completions?api_key=sk-elsewhere-123456"
    with FakeOpenAI(responder=lambda c: Fault("redirect", message=target)) as srv:
        with pytest.raises(ApiError) as ei:
            chat(config(srv))
        assert ei.value.kind == "config" and ei.value.status == 307 and srv.n_chat == 1
        text = str(ei.value)
        assert "elsewhere.example/v1/chat/completions" in text and "use that URL as the base URL" in text
        assert "pa55word" not in text and "sk-elsewhere" not in text


def test_html_error_page_is_summarised() -> None:
    from mella_bench.endpoint.apiclient import _status_message
    from mella_bench.endpoint.transport import Response

    page = Response(502, "Bad Gateway", {}, b"<html><body><h1>502 Bad Gateway</h1>" + b"x" * 5000 + b"</body></html>")
    assert _status_message(page) == "HTTP 502 Bad Gateway"
    assert _status_message(Response(422, "", {}, b'{"detail": "max_tokens too large"}')) == "max_tokens too large"
    assert _status_message(Response(400, "", {}, b'{"error": "plain string"}')) == "plain string"


@pytest.mark.parametrize("bad_key", ["sk-abc\r\nX-Injected: 1", "sk-abc…"])
def test_key_with_a_line_break_or_cut_short_is_refused_before_sending(monkeypatch: pytest.MonkeyPatch,
                                                                       bad_key: str) -> None:
    monkeypatch.setenv("MELLA_TEST_KEY", bad_key)
    with FakeOpenAI() as srv:
        with pytest.raises(ApiError) as ei:
            chat(config(srv))
        assert ei.value.kind == "config" and "$MELLA_TEST_KEY" in str(ei.value) and "sk-abc" not in str(ei.value)
        assert srv.n_chat == 0 and srv.n_connections == 0


# ---------------------------------------------------------------- TLS and proxies

TLS = Path(__file__).resolve().parents[1] / "fixtures" / "tls"


def server_tls() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(TLS / "server.pem", TLS / "server.key")
    return ctx


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_https_verifies_the_server_against_the_ca_store(no_proxy_env: pytest.MonkeyPatch) -> None:
    with FakeOpenAI(tls=server_tls()) as srv:
        assert srv.base_url.startswith("https://127.0.0.1:")
        with pytest.raises(ApiError, match="cannot reach .*certificate verify failed") as ei:  # not in the system store
            asyncio.run(_probe(config(srv, max_retries=0)))
        assert ei.value.kind == "connection" and srv.n_chat == 0
        no_proxy_env.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))  # the documented way to trust a private CA
        reply, stats = chat(config(srv))
        assert reply.text == "ECHO[0]: hello" and srv.auth_headers[-1] == f"Bearer {KEY}"


def test_https_through_a_connect_proxy_with_credentials(no_proxy_env: pytest.MonkeyPatch) -> None:
    auth = "Basic " + base64.b64encode(b"proxyuser:proxy-pw-77").decode()
    with FakeOpenAI(tls=server_tls()) as srv, FakeProxy(require_auth=auth) as proxy:
        port = srv.base_url.rsplit(":", 1)[1].split("/")[0]
        url = f"https://api.mella-bench.test:{port}/v1"  # not loopback, so the proxy is used; it maps the host
        no_proxy_env.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
        no_proxy_env.setenv("HTTPS_PROXY", proxy.url.replace("http://", "http://proxyuser:proxy-pw-77@"))
        async def go():
            async with ChatClient(config(srv, base_url=url)) as c:
                await c.probe()
                return [await c.chat(USER, max_tokens=8) for _ in range(3)], c.stats
        replies, stats = asyncio.run(go())
        assert [r.text for r in replies] == ["ECHO[0]: hello"] * 3
        assert proxy.request_lines == [f"CONNECT api.mella-bench.test:{port} HTTP/1.1"]  # one tunnel, kept alive
        assert proxy.auth == [auth] and stats.connections == 1
        assert set(srv.auth_headers) == {f"Bearer {KEY}"}  # the API key went inside the tunnel only

        no_proxy_env.setenv("HTTPS_PROXY", proxy.url.replace("http://", "http://proxyuser:wrong-pw-88@"))
        with pytest.raises(ApiError) as ei:
            chat(config(srv, base_url=url, max_retries=0))
        assert ei.value.kind == "connection" and "407" in str(ei.value) and "wrong-pw" not in str(ei.value)


def test_http_through_a_proxy_sends_absolute_form(no_proxy_env: pytest.MonkeyPatch) -> None:
    with FakeOpenAI() as srv, FakeProxy() as proxy:
        port = srv.base_url.rsplit(":", 1)[1].split("/")[0]
        no_proxy_env.setenv("http_proxy", proxy.url)
        url = f"http://api.mella-bench.test:{port}/v1?api-version=7"
        reply, _ = chat(config(srv, base_url=url))
        assert reply.text == "ECHO[0]: hello"
        assert proxy.request_lines == [f"POST http://api.mella-bench.test:{port}/v1/chat/completions?api-version=7 HTTP/1.1"]
        assert srv.paths == ["/v1/chat/completions?api-version=7"]
        no_proxy_env.setenv("NO_PROXY", "api.mella-bench.test")  # exempt: a direct connection, which fails (no DNS)
        with pytest.raises(ApiError) as ei:
            chat(config(srv, base_url=url, max_retries=0))
        assert ei.value.kind == "connection" and len(proxy.request_lines) == 1


def test_unsupported_proxy_is_a_config_error(no_proxy_env: pytest.MonkeyPatch) -> None:
    no_proxy_env.setenv("HTTPS_PROXY", "socks5://user:sockspw@proxy.example:1080")
    with pytest.raises(ApiError) as ei:
        chat(EndpointConfig("https://api.example.org/v1", "m", api_key_env="MELLA_TEST_KEY"))
    assert ei.value.kind == "config" and "only http:// proxies" in str(ei.value) and "sockspw" not in str(ei.value)


def test_only_the_transport_speaks_http_and_no_module_needs_the_openai_sdk() -> None:
    """aiohttp is the one HTTP stack (a core dependency), imported by `mella_bench.endpoint.transport` only; the SDK
    and its stack are not dependencies; importing the client does not import aiohttp (it loads on first use)."""
    import subprocess
    import sys

    from tests.test_imports import MODULES, imports_of

    stacks = ("openai", "httpx", "httpx2", "httpcore", "httpcore2", "aiohttp", "yarl", "requests", "urllib3")
    found = {m for m in MODULES for t, _, _ in imports_of(m) if t.split(".")[0] in stacks}
    assert found == {"mella_bench.endpoint.transport"}
    deps = Path(__file__).resolve().parents[2].joinpath("pyproject.toml").read_text(encoding="utf-8")
    core = deps.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert '"aiohttp>=' in core and '"openai' not in deps
    probe = ("import sys, mella_bench.endpoint.apiclient, mella_bench.judge, mella_bench.inference.backends.chat; "
             "print('aiohttp' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_bearer_key_refused_by_an_azure_host_hints_at_the_api_key_header(no_proxy_env: pytest.MonkeyPatch) -> None:
    """An Azure OpenAI host (reached here through the proxy, which maps every host to the fake) that
    refuses the Bearer key: the message says to send it as `api-key`, which then works."""
    with FakeOpenAI(api_key=KEY, key_header="api-key", prefix="/openai/deployments/gpt-4o") as srv, \
            FakeProxy() as proxy:
        port = srv.base_url.rsplit(":", 1)[1].split("/")[0]
        no_proxy_env.setenv("HTTP_PROXY", proxy.url)
        url = f"http://my-resource.openai.azure.com:{port}/openai/deployments/gpt-4o?api-version=2024-06-01"
        with pytest.raises(ApiError) as ei:
            chat(config(srv, base_url=url))
        text = str(ei.value)
        assert ei.value.kind == "auth" and "--api-key-header api-key" in text and KEY not in text
        reply, _ = chat(config(srv, base_url=url, api_key_header="api-key"))
        assert reply.text == "ECHO[0]: hello" and srv.auth_headers[-1] == KEY
        assert "authorization" not in srv.request_headers[-1]
        assert srv.paths[-1] == "/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01"


def test_connect_to_an_ipv6_literal_puts_it_in_brackets(no_proxy_env: pytest.MonkeyPatch) -> None:
    """The CONNECT authority of an IPv6 host is `[addr]:port` (a bare `addr:port` is ambiguous)."""
    with FakeOpenAI(tls=server_tls()) as srv, FakeProxy() as proxy:
        port = srv.base_url.rsplit(":", 1)[1].split("/")[0]
        no_proxy_env.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
        no_proxy_env.setenv("HTTPS_PROXY", proxy.url)
        with pytest.raises(ApiError) as ei:  # the test certificate names 127.0.0.1, not this address
            chat(config(srv, base_url=f"https://[2001:db8::1]:{port}/v1", max_retries=0))
        assert ei.value.kind == "connection" and "certificate" in str(ei.value)
        assert proxy.request_lines == [f"CONNECT [2001:db8::1]:{port} HTTP/1.1"] and srv.n_chat == 0
